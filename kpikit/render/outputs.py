"""The files of one report, written together: used by ``kpikit render`` and ``kpikit batch`` alike.

A report is ``NN_name.ipynb`` (the executed, cleaned notebook), ``NN_name.html`` (no code),
``NN_name.kpis.json`` (the recorded KPIs; written last, it marks the report complete), the Excel
workbook the notebook embedded (``NN_name.xlsx``, when it has tables) and, on request,
``NN_name.pdf``. A failed run writes ``NN_name.failed.ipynb`` and ``NN_name.error.html`` instead and
leaves the previous good report whole.

The executed notebook carries what the index shows about it in ``metadata.kpikit`` (:func:`report_meta`):
status, notes or error, title, question, client, language, currency, duration, the summary's cards
and the files written beside it. kpis.json stays what the notebook recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpikit.render.files import write_together
from kpikit.render.page import _title_of, notebook_html, print_ready
from kpikit.report import notebook_kpis

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = [
    "META_KEY",
    "list_notebooks",
    "effective_parameters",
    "report_meta",
    "write_report",
    "write_failure",
]

#: The key of the report's record in the executed notebook's metadata.
META_KEY = "kpikit"


def list_notebooks(folder: str | Path) -> list[Path]:
    """The numbered notebooks of a folder (``NN_name.ipynb``), in order.

    Parameters
    ----------
    folder : str or Path
        The folder to look in (not its subfolders).

    Returns
    -------
    list of Path
    """
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def effective_parameters(notebook: str | Path, given: Mapping[str, Any]) -> dict:
    """The values a report runs with: the notebook's declared defaults, overridden by ``given``.

    Parameters
    ----------
    notebook : str or Path
        The notebook file (its parameters cell declares the defaults).
    given : mapping
        The overrides.

    Returns
    -------
    dict
    """
    from kpikit.report import parameter_spec

    try:
        declared = {name: p.default for name, p in parameter_spec(notebook).items()}
    except Exception:  # a notebook without a readable parameters cell: only what was given
        declared = {}
    return {**declared, **dict(given)}


def _catalogue_text(key: str, lang: str) -> str | None:
    from kpikit.i18n import t

    try:
        return t(key, lang)
    except Exception:  # no entry (a notebook outside the kit) or an unknown language
        return None


def _summary(nb: Mapping | None) -> dict | None:
    from kpikit.report import SUMMARY_MIME

    found = None
    for cell in (nb or {}).get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if SUMMARY_MIME in data:
                found = data[SUMMARY_MIME]
    return dict(found) if isinstance(found, Mapping) else None


def report_meta(
    nb: Mapping | None,
    stem: str,
    parameters: Mapping[str, Any],
    status: str,
    notes: Sequence[str] = (),
    error: str = "",
    duration_s: float | None = None,
) -> dict:
    """What the index shows about a report, kept in its notebook's ``metadata.kpikit``.

    Parameters
    ----------
    nb : mapping or None
        The executed notebook (its summary's JSON and title are read from it).
    stem : str
        The notebook's stem (``NN_name``), its entry in :data:`kpikit.report.NOTEBOOKS`.
    parameters : mapping
        The values the report ran with (:func:`effective_parameters`).
    status : str
        "ok", "ok, with notes" or "failed".
    notes : sequence of str
        The notes of the skipped sections.
    error : str
        A failed report's message.
    duration_s : float, optional
        How long the run took.

    Returns
    -------
    dict
        status, notes, error, title, question, client, lang, currency, duration_s, summary (the
        summary's cards and findings, or None).
    """
    from kpikit.report import NOTEBOOKS

    lang = str(parameters.get("lang") or "en")
    spec = NOTEBOOKS.get(stem)
    title = _catalogue_text(spec.title, lang) if spec else None
    question = _catalogue_text(spec.question, lang) if spec else None
    client = parameters.get("client")
    return {
        "status": status,
        "notes": list(notes),
        "error": error,
        "title": title or (_title_of(nb) if nb is not None else stem),
        "question": question or "",
        "client": str(client) if client not in (None, "") else "",
        "lang": lang,
        "currency": parameters.get("currency") or None,
        "duration_s": None if duration_s is None else round(float(duration_s), 2),
        "summary": _summary(nb),
    }


def write_report(
    outdir: Path,
    stem: str,
    nb: NotebookNode,
    record: Mapping[str, Any],
    *,
    meta: Mapping[str, Any] | None = None,
    pdf: bool = False,
) -> dict:
    """Write one executed notebook's files together, replacing the previous ones only when all are ready.

    ``stem.ipynb``, ``stem.html`` (no code), ``stem.xlsx`` (the workbook the notebook embedded, if
    any), ``stem.pdf`` (with ``pdf``) and ``stem.kpis.json`` (``record`` plus the recorded KPIs, whose
    presence marks the report complete) are first written in full under temporary names, then moved
    into place one after the other (the KPI file last) with SIGINT and SIGTERM held back for those few
    microseconds; a workbook or PDF the new version does not have, and a failed run's error page and
    notebook, are removed with them. An interrupt or a full disk before that leaves the previous report
    whole. Used by ``kpikit render`` and ``kpikit batch``, so both write the same files.

    Parameters
    ----------
    outdir : Path
        The output folder.
    stem : str
        The notebook's stem (``NN_name``), the outputs' file name.
    nb : NotebookNode
        The executed (cleaned) notebook.
    record : mapping
        What the ``.kpis.json`` file records besides the KPIs (notebook, parameters, ...).
    meta : mapping, optional
        The report's record for the index (:func:`report_meta`), kept in the notebook's metadata.
    pdf : bool
        Also print the page to ``stem.pdf`` with headless Chromium.

    Returns
    -------
    dict
        The recorded KPIs.

    Raises
    ------
    DiskFullError
        When the disk is full (the previous outputs are left as they were).
    PdfError
        When ``pdf`` is asked for and Chromium cannot print the page (nothing is replaced).
    """
    import nbformat

    from kpikit.report import excel_from_notebook

    outdir = Path(outdir)
    kpis = notebook_kpis(nb)
    workbook = excel_from_notebook(nb)
    meta = dict(meta or {})
    lang = meta.get("lang")
    title = meta.get("title") or None
    meta["workbook"] = f"{stem}.xlsx" if workbook is not None else None
    meta["pdf"] = f"{stem}.pdf" if pdf else None
    nb.metadata[META_KEY] = meta
    page = notebook_html(nb, title, client=meta.get("client") or None, lang=lang, workbook=meta["workbook"])
    contents: list[tuple[Path, str | bytes]] = [
        (outdir / f"{stem}.ipynb", nbformat.writes(nb)),
        (outdir / f"{stem}.html", page),
    ]
    if workbook is not None:
        contents.append((outdir / f"{stem}.xlsx", workbook))
    if pdf:
        from kpikit.render.pdf import print_pdf

        contents.append((outdir / f"{stem}.pdf", print_pdf(print_ready(page))))
    contents.append(
        (outdir / f"{stem}.kpis.json", json.dumps({**record, "kpis": kpis}, indent=2, sort_keys=True) + "\n")
    )
    stale = [outdir / f"{stem}{ext}" for ext in (".failed.ipynb", ".error.html")]
    stale += [outdir / f"{stem}{ext}" for ext, kept in ((".xlsx", workbook is not None), (".pdf", pdf)) if not kept]
    write_together(contents, remove=stale)
    return kpis


def write_failure(
    outdir: Path,
    stem: str,
    nb: NotebookNode | None,
    error: Mapping[str, Any],
    meta: Mapping[str, Any] | None = None,
    client: str = "",
    index: str = "../index.html",
) -> Path:
    """Write a failed run's error page and executed notebook; the previous good report stays.

    Parameters
    ----------
    outdir : Path
        The output folder.
    stem : str
        The notebook's stem.
    nb : NotebookNode or None
        The notebook as executed up to the failure (None when it never ran).
    error : mapping
        The error dict (kind, cell, source, ename, evalue, message, traceback).
    meta : mapping, optional
        The report's record (:func:`report_meta`), kept in the notebook's metadata.
    client : str
        The client, named on the error page (default: the record's).
    index : str
        The link back to the index, relative to the error page.

    Returns
    -------
    Path
        The error page.
    """
    import nbformat

    from kpikit.render.index import error_page

    outdir = Path(outdir)
    contents: list[tuple[Path, str | bytes]] = []
    if nb is not None:
        nb.metadata[META_KEY] = dict(meta or {})
        contents.append((outdir / f"{stem}.failed.ipynb", nbformat.writes(nb)))
    who = client or (meta or {}).get("client") or ""
    page = outdir / f"{stem}.error.html"
    contents.append((page, error_page(who, stem, error, has_notebook=nb is not None, index=index)))
    # a failed notebook of an earlier attempt would not match this error: it goes
    write_together(contents, remove=[outdir / f"{stem}.failed.ipynb"] if nb is None else [])
    return page
