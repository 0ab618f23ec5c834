"""The notebooks' prose in the report's language: markdown cells swapped before the notebook runs.

A markdown cell that carries ``metadata.kpikit.text`` (an id, ``"intro"``) is written in English in the
notebook itself; in another language the renderer replaces its source with the catalogue entry
``notebook.<notebook>.prose.<id>`` of that language (:mod:`kpikit.i18n`), before execution, so the
executed notebook, the HTML and the PDF all read in the report's language. A non-English report whose
catalogue lacks an entry stops before anything runs with an error naming the key (strict, as
:func:`kpikit.i18n.t` is): never an English paragraph in a Vietnamese report. Cells without an id are
left as written (headings made of a KPI label, say, or text with no words).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kpikit.errors import MissingTranslationError

__all__ = ["prose_key", "prose_ids", "translate_prose", "report_language"]


def prose_key(notebook: str, text_id: str) -> str:
    """The catalogue key of a markdown cell's text: ``notebook.<notebook>.prose.<id>``.

    Parameters
    ----------
    notebook : str
        The notebook's stem (``03_churn_and_renewal``).
    text_id : str
        The cell's ``metadata.kpikit.text``.

    Returns
    -------
    str
    """
    return f"notebook.{notebook}.prose.{text_id}"


def _text_id(cell: Mapping) -> str | None:
    meta = cell.get("metadata", {}).get("kpikit")
    found = meta.get("text") if isinstance(meta, Mapping) else None
    return str(found) if found not in (None, "") else None


def prose_ids(nb: Mapping) -> list[str]:
    """The text ids of a notebook's markdown cells, in order.

    Parameters
    ----------
    nb : mapping
        A notebook.

    Returns
    -------
    list of str
    """
    return [i for c in nb.get("cells", []) if c.get("cell_type") == "markdown" and (i := _text_id(c))]


def translate_prose(nb: Any, notebook: str, lang: str) -> Any:
    """A copy of a notebook whose markdown prose is in ``lang`` (English: the notebook as written).

    Parameters
    ----------
    nb : NotebookNode
        The notebook (not changed).
    notebook : str
        Its stem, the catalogue's ``notebook.<notebook>`` section.
    lang : str
        The report's language.

    Returns
    -------
    NotebookNode
        The same object for English; else a copy with every identified markdown cell replaced.

    Raises
    ------
    KpiDataError
        For a language without a catalogue (listing the available ones).
    MissingTranslationError
        When the language's catalogue lacks the entry of an identified cell (naming every missing key).
    """
    from kpikit.i18n import SOURCE_LANGUAGE, language, messages

    language(lang)  # an unknown language stops here, listing the available ones
    if lang == SOURCE_LANGUAGE or not prose_ids(nb):
        return nb
    catalogue = messages(lang)
    out = copy.deepcopy(nb)
    missing = []
    for cell in out.cells:
        text_id = _text_id(cell) if cell.get("cell_type") == "markdown" else None
        if text_id is None:
            continue
        key = prose_key(notebook, text_id)
        if key in catalogue:
            cell.source = catalogue[key].rstrip("\n")
        else:
            missing.append(key)
    if missing:
        raise MissingTranslationError(
            f"{notebook}: the {lang!r} catalogue has no prose for "
            + ", ".join(repr(k) for k in missing)
            + f"; add {'them' if len(missing) > 1 else 'it'} to kpikit/i18n/{lang}/ (the English text is the "
            "notebook's markdown cell with that kpikit.text id)."
        )
    return out


def report_language(notebook: str | Path, parameters: Mapping[str, Any]) -> str:
    """The language a report runs in: its ``lang`` parameter, else the notebook's declared default, else English.

    Parameters
    ----------
    notebook : str or Path
        The notebook file.
    parameters : mapping
        The parameters it runs with.

    Returns
    -------
    str
    """
    from kpikit.report import parameter_spec

    if parameters.get("lang"):
        return str(parameters["lang"])
    declared = parameter_spec(notebook).get("lang")
    return str(declared.default) if declared is not None and declared.default else "en"
