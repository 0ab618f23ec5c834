"""What must never reach a client's report page, found in its HTML (issue 15, REPORT_STYLE "Never in a report").

:func:`problems` reads a page's visible text and its table cells and lists each offence with where it
is: Python object reprs (``ABTestResult(...)``, ``Rate(value=...)``), a DataFrame flattened into a
cell, list and dict reprs, floats with more than 6 decimals, ``True``/``False``/``NaN``/``inf``/
``None`` cells and ``-0.0%``, snake_case column headers and parameter reprs (a JSON or Python string
in quotes as a parameter's value).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements whose text is not shown.
_HIDDEN = {"style", "script", "head", "title"}
_BLOCK = {"p", "div", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "header", "summary"}

OBJECT_REPR = re.compile(r"\b(?:ABTestResult|RateComparison|Rate|Score|[A-Z][A-Za-z0-9]*(?:Result|Fit|Comparison))\(")
KEYWORD_REPR = re.compile(r"\b[A-Z][A-Za-z0-9_]*\((?:[a-z_][a-z0-9_]*=)")
LONG_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d{7,}")
#: a dict or list repr: ``{'a':``, ``['a',``, or three numbers or more (two, "[0, 1]" or "[0, 1)", are an
#: interval in mathematical notation, as a parameter's help writes a fraction's range)
PY_LIST_DICT = re.compile(r"\{'[^'{}]*':|\['[^'\[\]]*',|\[-?\d+(?:\.\d+)?, -?\d+(?:\.\d+)?, -?\d")
BAD_CELL = {"True", "False", "NaN", "nan", "inf", "-inf", "None", "NaT", "<NA>", "null"}
BAD_TOKEN = re.compile(r"(?<![\w.<])(NaN|nan|-?inf|NaT|<NA>)(?![\w>])")
NEGATIVE_ZERO = re.compile(r"(?<![\d.])-0(?:[.,]0+)?\s?(?:%|pp|điểm %)")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
FRAME_TEXT = re.compile(r"dtype:|\[\d+ rows x \d+ columns\]|^\s*\d+\s{2,}\S.*\n\s*\d+\s{2,}\S", re.M)
QUOTED_VALUE = re.compile(r"^(?:\"[^\"]*\"|'[^']*')$")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.text: list[str] = []
        self.cells: list[tuple[str, str, bool]] = []  # (tag, raw text, a column header?)
        self._cell: list[str] | None = None
        self._cell_tag = ""
        self._cell_header = False
        self._thead = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self.hidden += 1
        if tag == "thead":
            self._thead += 1
        if tag in ("td", "th"):
            self.text.append(" | ")
            scope = dict(attrs).get("scope")
            self._cell, self._cell_tag = [], tag
            self._cell_header = tag == "th" and (self._thead > 0 or scope == "col")
        if tag in _BLOCK:
            self.text.append("\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag == "thead":
            self._thead = max(0, self._thead - 1)
        if tag in ("td", "th"):
            self.text.append(" | ")
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append((self._cell_tag, "".join(self._cell), self._cell_header))
            self._cell = None
        if tag in _BLOCK:
            self.text.append("\n")

    def handle_data(self, data):
        if self.hidden:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def problems(page: str) -> list[str]:
    """Every offence of a report page, each as "what: the text around it".

    Parameters
    ----------
    page : str
        The HTML.

    Returns
    -------
    list of str
    """
    parser = _Page()
    parser.feed(page)
    text = "".join(parser.text)
    found = []
    for name, pattern in (
        ("object repr", OBJECT_REPR),
        ("object repr", KEYWORD_REPR),
        ("long float", LONG_FLOAT),
        ("list or dict repr", PY_LIST_DICT),
    ):
        for m in pattern.finditer(text):
            found.append(f"{name}: {text[max(0, m.start() - 40) : m.end() + 40]!r}")
    for tag, raw, header in parser.cells:
        cell = " ".join(raw.split())
        if FRAME_TEXT.search(raw):
            found.append(f"a DataFrame flattened into a cell: {raw[:120]!r}")
        if cell in BAD_CELL or BAD_TOKEN.search(cell):
            found.append(f"True/False/NaN/inf/None in a cell: {cell[:80]!r}")
        if NEGATIVE_ZERO.search(cell):
            found.append(f"-0.0% in a cell: {cell[:80]!r}")
        if (cell.startswith("[") and cell.endswith("]")) or (
            cell.startswith("{") and cell.endswith("}") and ":" in cell
        ):
            found.append(f"list or dict repr in a cell: {cell[:80]!r}")
        if header and SNAKE.match(cell):
            found.append(f"snake_case column header: {cell!r}")
        if tag == "td" and QUOTED_VALUE.match(cell):
            found.append(f"parameter repr (a quoted string) in a cell: {cell!r}")
    return list(dict.fromkeys(found))
