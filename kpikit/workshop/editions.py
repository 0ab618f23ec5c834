"""Student and teacher editions of the workshop notebooks, in any language of the catalogues.

One build (``kpikit workshop OUT [--lang vi]``, or :func:`build_editions`) takes each workshop notebook,
swaps its prose into the language (markdown cells carry their catalogue key in
``metadata.kpikit.text``), executes it once with papermill (``lang`` as a parameter, so printed labels
and tables come out in the language too), and writes two editions of the executed notebook, each as
``.ipynb`` and as HTML with the code visible:

- ``OUT/teacher/``: everything, solutions included;
- ``OUT/student/``: the cells tagged ``solution`` removed and the outputs of the cells tagged
  ``exercise`` cleared, so the notebook asks without answering.

``OUT/index.html`` links both editions of every notebook. A notebook that fails to run is reported
and the others are still built.
"""

from __future__ import annotations

import copy
import html
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpikit.errors import KpiDataError
from kpikit.i18n import SOURCE_LANGUAGE, direction, language, messages, t
from kpikit.workshop.data import NOTEBOOK_DIR, NOTEBOOKS

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = [
    "EDITIONS",
    "EditionResult",
    "workshop_notebooks",
    "prose_key",
    "code_comments",
    "swap_comments",
    "swap_prose",
    "student_edition",
    "teacher_edition",
    "edition_html",
    "build_editions",
]

#: The editions a build writes, each in its own folder.
EDITIONS = ("student", "teacher")

_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block extra_css %}<style type="text/css">{{ resources.workshop_css }}</style>{% endblock extra_css %}
"""

_CSS = """
body.jp-Notebook{background:#fafbfc}
main{max-width:1100px;margin:0 auto;padding:1em 2em 3em;background:#fff}
.celltag_exercise{border-left:4px solid #e69f00;padding-left:.4em}
.celltag_solution{border-left:4px solid #009e73;padding-left:.4em}
.jp-RenderedHTMLCommon table{border-collapse:collapse;font-size:.9em;margin:.6em 0}
.jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon td{padding:4px 9px;border-bottom:1px solid #e1e6eb}
.jp-RenderedHTMLCommon thead th{background:#eef2f6}
"""


@dataclass
class EditionResult:
    """What building one notebook's editions produced.

    Parameters
    ----------
    notebook : Path
        The workshop notebook.
    ok : bool
        Whether it ran and both editions were written.
    files : dict
        Edition -> the files written (``.ipynb`` and ``.html``).
    error : str
        Why it failed ("" when it did not).
    """

    notebook: Path
    ok: bool
    files: dict[str, list[Path]]
    error: str = ""


def workshop_notebooks(folder: str | Path | None = None) -> list[Path]:
    """The workshop notebooks of a folder, in teaching order.

    Parameters
    ----------
    folder : str or Path, optional
        Where they are (default: notebooks/workshop of the repository).

    Returns
    -------
    list of Path
    """
    folder = Path(folder) if folder is not None else NOTEBOOK_DIR
    return [folder / f"{stem}.ipynb" for stem in NOTEBOOKS if (folder / f"{stem}.ipynb").is_file()]


def prose_key(cell: Any) -> str | None:
    """The catalogue key of a markdown cell's prose (``metadata.kpikit.text``), or None.

    Parameters
    ----------
    cell : NotebookNode
        A notebook cell.

    Returns
    -------
    str or None
    """
    meta = cell.get("metadata", {}).get("kpikit", {})
    return meta.get("text") if isinstance(meta, dict) else None


def code_comments(lang: str) -> dict[str, str]:
    """The code cells' comments in English and in a language (catalogue keys ``workshop.comment.<name>``).

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    dict
        English comment text -> its text in ``lang``, longest first.
    """
    english = {k: v for k, v in messages(SOURCE_LANGUAGE).items() if k.startswith("workshop.comment.")}
    pairs = {text: t(key, lang) for key, text in english.items()}
    return dict(sorted(pairs.items(), key=lambda item: -len(item[0])))


def swap_comments(source: str, comments: dict[str, str]) -> str:
    """Code with each line's comment ("# by hand", "x = None  # your answer") in another language.

    Only a comment that ends its line and matches a catalogue entry exactly is swapped; code and any
    other comment stay as they are.

    Parameters
    ----------
    source : str
        A code cell's source.
    comments : dict
        English comment -> translation (:func:`code_comments`).

    Returns
    -------
    str
    """
    lines = []
    for line in source.split("\n"):
        for english, translated in comments.items():
            if line.endswith(f"# {english}"):
                line = line[: len(line) - len(english)] + translated
                break
        lines.append(line)
    return "\n".join(lines)


def swap_prose(nb: NotebookNode, lang: str) -> NotebookNode:
    """A copy of a notebook whose markdown cells and code comments read in ``lang`` (from the catalogue).

    Markdown cells carry their catalogue key in ``metadata.kpikit.text``; code comments are swapped
    line by line (:func:`swap_comments`).

    Parameters
    ----------
    nb : NotebookNode
        A workshop notebook.
    lang : str
        A language code.

    Returns
    -------
    NotebookNode

    Raises
    ------
    MissingTranslationError
        When the language's catalogue lacks a cell's text.
    """
    out = copy.deepcopy(nb)
    comments = code_comments(lang) if lang != SOURCE_LANGUAGE else {}
    for cell in out.cells:
        key = prose_key(cell)
        if cell.cell_type == "markdown" and key:
            cell.source = t(key, lang).rstrip("\n")
        elif cell.cell_type == "code" and comments:
            cell.source = swap_comments(cell.source, comments)
    out.metadata.setdefault("kpikit", {})["lang"] = lang
    return out


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


#: Lines that instruct the test tools, not the reader: an edition drops them.
_TOOL_LINES = ("# NBVAL_CHECK_OUTPUT", "# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")


def _without_tool_lines(nb: NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code" and any(m in cell.source for m in _TOOL_LINES):
            cell.source = "\n".join(line for line in cell.source.split("\n") if line.strip() not in _TOOL_LINES)


def student_edition(nb: NotebookNode) -> NotebookNode:
    """The student edition: solution cells removed, the outputs of exercise cells cleared.

    The lines that only instruct the test tools (``# NBVAL_CHECK_OUTPUT``) are dropped from the code.

    Parameters
    ----------
    nb : NotebookNode
        An executed workshop notebook.

    Returns
    -------
    NotebookNode
        A copy.
    """
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if "solution" not in _tags(c)]
    for cell in out.cells:
        if cell.cell_type == "code" and "exercise" in _tags(cell):
            cell.outputs = []
            cell.execution_count = None
    _without_tool_lines(out)
    out.metadata.setdefault("kpikit", {})["edition"] = "student"
    return out


def teacher_edition(nb: NotebookNode) -> NotebookNode:
    """The teacher edition: the executed notebook with its solutions (test-tool lines dropped).

    Parameters
    ----------
    nb : NotebookNode
        An executed workshop notebook.

    Returns
    -------
    NotebookNode
        A copy.
    """
    out = copy.deepcopy(nb)
    _without_tool_lines(out)
    out.metadata.setdefault("kpikit", {})["edition"] = "teacher"
    return out


def _title(nb: NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "kpikit workshop"


def edition_html(nb: NotebookNode, lang: str = "en") -> str:
    """An edition as one HTML page with its code visible, ``<html lang=...>`` set, no external script.

    Parameters
    ----------
    nb : NotebookNode
        The edition.
    lang : str
        Its language (``lang`` and, for right-to-left languages, ``dir`` of the page).

    Returns
    -------
    str
    """
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[jinja2.DictLoader({"kpikit_workshop.html.j2": _TEMPLATE})],
        template_file="kpikit_workshop.html.j2",
        language_code=lang,
    )
    page = copy.deepcopy(nb)
    page.metadata["title"] = _title(nb)
    body, _ = exporter.from_notebook_node(page, resources={"workshop_css": _CSS})
    if direction(lang) == "rtl":
        body = body.replace("<html lang=", '<html dir="rtl" lang=', 1)
    return body


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _error_text(exc: BaseException) -> str:
    """One line on why a notebook failed: the exception's name and the last line of its message."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1].strip()}" if lines else type(exc).__name__


def _execute(nb: NotebookNode, source: Path, parameters: dict[str, Any], timeout: float | None) -> NotebookNode:
    import nbformat
    import papermill as pm

    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)  # papermill cannot parse annotated parameters and says so for each
    with tempfile.TemporaryDirectory(prefix="kpikit-workshop-") as tmp:
        src, dst = Path(tmp) / source.name, Path(tmp) / f"executed-{source.name}"
        nbformat.write(nb, src)
        try:
            pm.execute_notebook(
                str(src),
                str(dst),
                parameters=parameters,
                kernel_name="python3",
                cwd=str(source.parent),
                execution_timeout=timeout,
                progress_bar=False,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        finally:
            log.setLevel(level)
        return nbformat.read(dst, as_version=4)


def _index(out: Path, lang: str, results: list[EditionResult], titles: dict[Path, str]) -> None:
    e = html.escape
    rows = []
    for r in results:
        links = []
        for edition in EDITIONS:
            for f in r.files.get(edition, []):
                label = f"{t(f'workshop.edition.{edition}', lang)} ({f.suffix[1:]})"
                links.append(f"<a href='{e(f.relative_to(out).as_posix(), quote=True)}'>{e(label)}</a>")
        status = " · ".join(links) if r.ok else e(t("workshop.edition.failed", lang, error=r.error))
        rows.append(f"<tr><td>{e(titles.get(r.notebook, r.notebook.stem))}</td><td>{status}</td></tr>")
    title = e(t("workshop.edition.index_title", lang))
    code = e(lang)
    rtl = ' dir="rtl"' if direction(lang) == "rtl" else ""
    page = (
        f"<!DOCTYPE html>\n<html lang='{code}'{rtl}><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1><table>{''.join(rows)}</table></body></html>\n"
    )
    _write(out / "index.html", page)


def build_editions(
    out: str | Path,
    lang: str = "en",
    notebooks: Sequence[str | Path] | None = None,
    data_dir: str | None = None,
    timeout: float | None = None,
) -> list[EditionResult]:
    """Run each workshop notebook once in a language and write its student and teacher editions.

    Parameters
    ----------
    out : str or Path
        The output folder: ``student/``, ``teacher/`` and ``index.html`` go there.
    lang : str
        The language of the editions (prose, printed labels, tables, checks).
    notebooks : sequence of path, optional
        The notebooks to build (default: every workshop notebook).
    data_dir : str, optional
        The data folder, passed as the notebooks' parameter (default: theirs, data/sample).
    timeout : float, optional
        Per-cell execution timeout in seconds.

    Returns
    -------
    list of EditionResult
        One per notebook, in order.
    """
    import nbformat

    language(lang)  # an unknown language stops before anything runs
    paths = [Path(p) for p in notebooks] if notebooks is not None else workshop_notebooks()
    if not paths:
        raise KpiDataError(f"no workshop notebooks to build (looked in {NOTEBOOK_DIR}).")
    out = Path(out)
    parameters: dict[str, Any] = {"lang": lang}
    if data_dir is not None:
        parameters["data_dir"] = str(Path(data_dir).resolve())
    results, titles = [], {}
    for path in paths:
        try:
            prepared = swap_prose(nbformat.read(path, as_version=4), lang)
            titles[path] = _title(prepared)
            executed = _execute(prepared, path.resolve(), parameters, timeout)
        except Exception as exc:  # a failing notebook fails alone: papermill errors, dead kernels, timeouts
            results.append(EditionResult(path, False, {}, _error_text(exc)))
            continue
        files: dict[str, list[Path]] = {}
        for edition, make in (("student", student_edition), ("teacher", teacher_edition)):
            nb = make(executed)
            ipynb, page = out / edition / path.name, out / edition / f"{path.stem}.html"
            _write(ipynb, nbformat.writes(nb))
            _write(page, edition_html(nb, lang))
            files[edition] = [ipynb, page]
        results.append(EditionResult(path, True, files))
    _index(out, lang, results, titles)
    return results
