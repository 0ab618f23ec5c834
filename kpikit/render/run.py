"""Running one notebook into a report: ``kpikit render``'s executor, and what the batch executor shares.

A notebook on the report framework (a cell tagged ``setup``) runs with the kit's data errors allowed
(:data:`kpikit.report.outcome.ALLOWED_ERROR_NAMES`): a section that cannot be computed on the data
ends with a ``KpiDataError`` and the run goes on; an error in the ``setup`` cell (a missing required
table) still stops it at once (:func:`execution_options`). :func:`kpikit.report.outcome.classify` then
says whether the report is "ok", "ok, with notes" or "failed", and cleans the notebook (notes instead
of error outputs): the cleaned notebook is what is written and exported. A notebook not on the
framework stops at its first error, as it always did.

A failed report keeps the previous good one; its executed notebook goes to ``NN_name.failed.ipynb``
and an error page ``NN_name.error.html`` shows the notebook's own message (the ``KpiDataError``
text, never "KeyError (cell 3)"), where it stopped and the traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError
from kpikit.render.files import _FULL, DiskFullError
from kpikit.render.outputs import effective_parameters, report_meta, write_failure, write_report
from kpikit.render.page import SETUP_TAG, is_framework_notebook
from kpikit.render.pdf import PdfError
from kpikit.render.prose import report_language, translate_prose
from kpikit.report import parameter_spec, to_jsonable, validate_parameters
from kpikit.report.params import parameter_help

__all__ = [
    "KERNEL_ARGUMENTS",
    "RenderResult",
    "render_notebook",
    "conclude",
    "execution_options",
    "cell_label",
    "error_message",
]

#: Arguments of every kernel kpikit starts: its own log is silent. ipykernel 7 warns "running over TCP
#: without encryption" on every start of the usual local set-up, and jupyter_client interrupts every
#: kernel it shuts down, which logs "KeyboardInterrupt caught in kernel" as an error whenever the kernel
#: is still handling its last message: noise on the terminal of a render or batch. Cell output
#: (warnings and errors of the notebook included) is not affected, and a kernel that dies still fails
#: its report.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=CRITICAL",)

#: Tags of cells that are not the notebook's own (papermill's injected parameters and error banners).
_NOT_OURS = ("injected-parameters", "papermill-error-cell-tag")


@dataclass
class RenderResult:
    """Outcome of one render: ``status`` "ok", "ok, with notes" or "failed", its notes or error, its files."""

    notebook: Path
    ok: bool
    ipynb: Path | None = None
    html: Path | None = None
    kpis_path: Path | None = None
    kpis: dict = field(default_factory=dict)
    error: str = ""
    duration_s: float = 0.0
    status: str = "failed"
    notes: list[str] = field(default_factory=list)
    xlsx: Path | None = None
    pdf: Path | None = None
    error_page: Path | None = None


def _stop_at_setup_errors(cell: Any, cell_index: int, execute_reply: Mapping, **_: Any) -> None:
    """The ``on_cell_error`` hook of nbclient: an error in the ``setup`` cell stops the run, allowed or not."""
    if SETUP_TAG in cell.get("metadata", {}).get("tags", []):
        from nbclient.exceptions import CellExecutionError

        raise CellExecutionError.from_cell_and_msg(cell, execute_reply["content"])


def execution_options(nb: Mapping) -> dict:
    """The nbclient options a notebook runs with: the kit's errors allowed if it is on the report framework.

    Parameters
    ----------
    nb : mapping
        The notebook about to run.

    Returns
    -------
    dict
        ``allow_error_names`` and ``on_cell_error`` for a notebook with a ``setup`` cell (errors there
        still stop the run); empty for others (their first error stops the run).
    """
    from kpikit.report.outcome import ALLOWED_ERROR_NAMES

    if not is_framework_notebook(nb):
        return {}
    return {"allow_error_names": list(ALLOWED_ERROR_NAMES), "on_cell_error": _stop_at_setup_errors}


def cell_label(nb: Mapping, index: int | None) -> tuple[int | None, str]:
    """(1-based number in the original notebook, first source line) of an executed cell index.

    Papermill's injected parameters cell and error banners are not counted.

    Parameters
    ----------
    nb : mapping
        The executed notebook.
    index : int or None
        The cell's index in it.

    Returns
    -------
    tuple
        (None, "injected parameters") for the injected cell; (None, "") for no index.
    """
    if index is None:
        return None, ""
    cells = nb["cells"]
    tags = cells[index].get("metadata", {}).get("tags", [])
    if "injected-parameters" in tags:
        return None, "injected parameters"
    before = [c for c in cells[:index] if not set(_NOT_OURS) & set(c.get("metadata", {}).get("tags", []))]
    source = cells[index].get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    first = next((ln for ln in source.splitlines() if ln.strip() and not ln.startswith("# NBVAL")), "")
    return len(before) + 1, first[:120]


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def error_message(error: Mapping[str, Any] | None) -> str:
    """A failed report's message for its reader: the notebook's own text ("No subscriptions table in ...").

    Parameters
    ----------
    error : mapping
        An error dict (``message``, else ``ename`` and ``evalue``).

    Returns
    -------
    str
    """
    if not error:
        return ""
    if error.get("message"):
        return str(error["message"])
    from kpikit.report.outcome import allowed_error_names

    ename, evalue = str(error.get("ename") or ""), str(error.get("evalue") or "")
    if evalue and ename in allowed_error_names() and ename != "NameError":
        return evalue
    return f"{ename}: {evalue}" if ename and evalue else (ename or evalue)


def _failure(nb: Mapping | None, outcome: Any, exc: BaseException | None) -> dict:
    """The error dict of a failed run: kind, cell, source, ename, evalue, message, traceback."""
    kind, ename, evalue, tb = "exception", "", "", ""
    index = outcome.cell if outcome is not None else None
    if outcome is not None and outcome.ename and nb is not None:
        err = next(o for o in nb["cells"][index].get("outputs", []) if o.get("output_type") == "error")
        ename, evalue = err.get("ename", ""), err.get("evalue", "")
        tb = _strip_ansi("\n".join(err.get("traceback", [])))
    elif exc is not None:
        name = type(exc).__name__
        ename = getattr(exc, "ename", None) or name
        evalue = getattr(exc, "evalue", None) or str(exc)
        kind = {"CellTimeoutError": "timeout", "DeadKernelError": "dead kernel"}.get(name, kind)
        if name == "CellTimeoutError":
            evalue = "a cell did not finish within the time allowed"
    cell, source = cell_label(nb, index) if nb is not None and index is not None else (None, "")
    error = {"kind": kind, "cell": cell, "source": source, "ename": ename, "evalue": evalue, "traceback": tb}
    error["message"] = (outcome.error if outcome is not None and outcome.error else "") or error_message(error)
    return error


@contextlib.contextmanager
def _quiet_papermill():
    """Silence papermill's own parameter warnings while it runs a notebook.

    papermill's parser does not read annotated parameters (``x: Literal[...] = ...``), so it logs
    "Unable to parse line" and "Passed unknown parameter" for values it injects correctly. kpikit has
    already checked every parameter against the declared cell, so those lines are noise in a batch log.
    """
    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _prepare(notebook: Path, parameters: Mapping[str, Any], outdir: Path) -> tuple[Any, str | None]:
    """Check the parameters and swap the prose into the report's language, before any kernel starts.

    Returns the notebook to run and, when its prose was swapped, a temporary file holding it.
    """
    import nbformat

    problems = validate_parameters(parameter_spec(notebook), parameters, source=notebook.name)
    if problems:
        raise ParameterError("Invalid parameters, nothing was run:\n  - " + "\n  - ".join(problems))
    source = nbformat.read(notebook, as_version=4)
    lang = report_language(notebook, parameters)
    translated = translate_prose(source, notebook.stem, lang)
    parameter_help(parameter_spec(notebook), notebook.stem, lang)  # the appendix's descriptions, before any kernel
    if translated is source:
        return source, None
    outdir.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=f".{notebook.stem}.", suffix=".source.ipynb", dir=outdir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        nbformat.write(translated, fh)
    return translated, path


def conclude(
    nb: Any,
    error: dict | None,
    notebook: Path,
    outdir: Path,
    parameters: Mapping[str, Any],
    record: Mapping[str, Any],
    duration_s: float,
    *,
    pdf: bool = False,
    client: str = "",
    index: str = "../index.html",
) -> tuple[str, list[str], dict, dict | None]:
    """Classify an executed run and write its files: the report, or the error page of a failed run.

    Parameters
    ----------
    nb : NotebookNode or None
        The executed notebook (None when it never ran).
    error : dict or None
        The executor's error (an exception that stopped the run: a time-out, a dead kernel, an error it
        does not allow), or None when the notebook ran to its end (allowed errors are read from it).
    notebook : Path
        The notebook file (its declared parameters complete ``parameters``).
    outdir : Path
        The folder of the report's files.
    parameters : mapping
        The parameters it ran with.
    record : mapping
        What ``NN_name.kpis.json`` records besides the KPIs.
    duration_s : float
        How long the run took.
    pdf : bool
        Print the report to PDF too.
    client : str
        The client named on an error page (default: the ``client`` parameter).
    index : str
        The link from an error page back to the index.

    Returns
    -------
    tuple
        (status, notes, KPIs, error dict or None); a failed run's error has its ``message``.
    """
    from kpikit.report.outcome import classify

    stem = Path(notebook).stem
    values = effective_parameters(notebook, parameters)
    outcome = classify(nb) if nb is not None and (error or {}).get("kind") != "language" else None
    if outcome is not None and error is None and outcome.status == "failed":
        error = _failure(nb, outcome, None)
    elif error is None and outcome is None:
        error = {"kind": "internal", "ename": "", "evalue": "the notebook did not run", "cell": None, "source": ""}
    if error is not None:
        failed = outcome is not None and outcome.status == "failed" and outcome.error
        error["message"] = outcome.error if failed else error.get("message") or error_message(error)
        meta = report_meta(nb, stem, values, "failed", [], error["message"], duration_s)
        cleaned = outcome.notebook if outcome is not None else None
        write_failure(outdir, stem, cleaned, error, meta, client=client, index=index)
        return "failed", [], {}, error
    meta = report_meta(outcome.notebook, stem, values, outcome.status, outcome.notes, "", duration_s)
    try:
        kpis = write_report(outdir, stem, outcome.notebook, record, meta=meta, pdf=pdf)
    except PdfError as exc:  # the PDF asked for could not be printed: the report fails, the previous one stays
        error = {"kind": "pdf", "cell": None, "source": "", "ename": "PdfError", "evalue": str(exc), "traceback": ""}
        error["message"] = str(exc)
        meta = report_meta(outcome.notebook, stem, values, "failed", [], error["message"], duration_s)
        write_failure(outdir, stem, outcome.notebook, error, meta, client=client, index=index)
        return "failed", [], {}, error
    return outcome.status, list(outcome.notes), kpis, None


def render_notebook(
    notebook: str | Path,
    outdir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    kernel_name: str = "python3",
    timeout: float | None = None,
    pdf: bool = False,
) -> RenderResult:
    """Execute a notebook with parameters and write its report, executed notebook, KPIs and workbook.

    Parameters
    ----------
    notebook : path
        The notebook to run.
    outdir : path
        Folder for the outputs (created if needed).
    parameters : mapping, optional
        Overrides of the notebook's declared parameters, already typed (see
        :func:`kpikit.report.parse_cli_value` for command-line text).
    kernel_name : str
        Jupyter kernel to run.
    timeout : float, optional
        Per-cell execution timeout in seconds.
    pdf : bool
        Also print the report to ``NN_name.pdf`` with headless Chromium (:mod:`kpikit.render.pdf`).

    Returns
    -------
    RenderResult
        ``status`` "ok", "ok, with notes" (``notes`` lists the skipped sections) or "failed"
        (``error`` is the notebook's own message).

    Raises
    ------
    ParameterError
        When an override has an unknown name or the wrong type (before anything runs).
    MissingTranslationError
        When the report's language lacks the prose of one of the notebook's markdown cells (before
        anything runs).
    DiskFullError
        When the disk is full (the previous outputs are left as they were).
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook).resolve()
    outdir = Path(outdir)
    parameters = dict(parameters or {})
    source, translated = _prepare(notebook, parameters, outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    stem = notebook.stem
    result = RenderResult(notebook=notebook, ok=False)
    t0 = time.perf_counter()
    fd, tmp_nb = tempfile.mkstemp(prefix=f".{stem}.", suffix=".ipynb", dir=outdir)
    os.close(fd)
    exc: BaseException | None = None
    try:
        try:
            with _quiet_papermill():
                pm.execute_notebook(
                    translated or str(notebook),
                    tmp_nb,
                    parameters=parameters,
                    kernel_name=kernel_name,
                    cwd=str(notebook.parent),
                    execution_timeout=timeout,
                    progress_bar=False,
                    log_output=False,
                    report_mode=False,
                    extra_arguments=list(KERNEL_ARGUMENTS),
                    **execution_options(source),
                )
        except Exception as caught:  # papermill raises PapermillExecutionError, timeouts, dead kernels
            if isinstance(caught, OSError) and caught.errno in _FULL:  # it saves the notebook as it runs
                raise DiskFullError(outdir / f"{stem}.ipynb", os.stat(tmp_nb).st_size, caught.errno) from caught
            exc = caught
        nb = nbformat.read(tmp_nb, as_version=4) if Path(tmp_nb).stat().st_size else None
        if nb is not None:
            nb.metadata.setdefault("papermill", {})["input_path"] = str(notebook)
        # papermill raises for any error output, allowed ones included: classify decides about those
        error = None if exc is None or isinstance(exc, PapermillExecutionError) else _failure(nb, None, exc)
        record = {"notebook": notebook.name, "parameters": to_jsonable(parameters)}
        result.duration_s = time.perf_counter() - t0
        status, notes, kpis, error = conclude(
            nb, error, notebook, outdir, parameters, record, result.duration_s, pdf=pdf, index="index.html"
        )
        result.status, result.notes, result.kpis = status, notes, kpis
        if error is not None:
            result.error, result.error_page = error["message"], outdir / f"{stem}.error.html"
            return result
        result.ok = True
        result.ipynb, result.html, result.kpis_path = (
            outdir / f"{stem}{ext}" for ext in (".ipynb", ".html", ".kpis.json")
        )
        result.xlsx = outdir / f"{stem}.xlsx" if (outdir / f"{stem}.xlsx").is_file() else None
        result.pdf = outdir / f"{stem}.pdf" if pdf else None
        return result
    finally:
        Path(tmp_nb).unlink(missing_ok=True)
        if translated:
            Path(translated).unlink(missing_ok=True)
        result.duration_s = time.perf_counter() - t0
