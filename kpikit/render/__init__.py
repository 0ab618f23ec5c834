"""Render notebooks into client-ready reports: papermill to execute, nbconvert for HTML without code.

One render writes, into the output folder, each file moved into place only once complete:

- ``NN_name.ipynb``: the executed notebook (parameters injected by papermill; skipped sections as notes);
- ``NN_name.html``: the report without code cells, for any screen and for A4 paper;
- ``NN_name.kpis.json``: the headline KPIs recorded by the notebook;
- ``NN_name.xlsx``: every table of the report, one sheet each (notebooks on ``kk.report.start``);
- ``NN_name.pdf``: the report printed by headless Chromium (on request);
- ``index.html``: one row per report (the same writer as ``kpikit batch``'s index).

Parameters are checked against the notebook's ``parameters`` cell before a kernel starts (papermill
does not check them), and its prose is swapped into the report's language. A report is "ok", "ok,
with notes" (sections skipped for want of data) or "failed"; a failed run leaves the previous good
outputs untouched and writes ``NN_name.failed.ipynb`` and ``NN_name.error.html`` with the notebook's
own message. Notebooks run with their own folder as working directory, so their relative default
paths (``../data/sample``) resolve the same in JupyterLab, under nbval and here.

Modules: ``files`` (whole files or nothing), ``run`` (executing one notebook), ``outputs`` (the
report's files), ``page`` (the HTML page and its style), ``index`` (the index and error pages),
``pdf`` (printing with Chromium), ``prose`` (markdown cells by language). docs/reports.md, section 7.
"""

from kpikit.render.files import DiskFullError, atomic_write, write_together

# the low-level writer, looked up here by every report write (a test replaces it to fill the disk)
from kpikit.render.files import _write_fd as _write_fd
from kpikit.render.index import IndexEntry, error_page, headline, read_report, report_status, write_index
from kpikit.render.outputs import effective_parameters, list_notebooks, report_meta, write_failure, write_report
from kpikit.render.page import REPORT_CSS, chart_alt, is_framework_notebook, notebook_html, print_ready
from kpikit.render.pdf import chromium_path, pdf_problem, print_pdf
from kpikit.render.prose import prose_key, translate_prose
from kpikit.render.run import (
    KERNEL_ARGUMENTS,
    RenderResult,
    cell_label,
    conclude,
    error_message,
    execution_options,
    render_notebook,
)

__all__ = [
    "KERNEL_ARGUMENTS",
    "RenderResult",
    "DiskFullError",
    "render_notebook",
    "notebook_html",
    "write_report",
    "write_failure",
    "write_index",
    "atomic_write",
    "write_together",
    "list_notebooks",
    "error_page",
    "read_report",
    "report_status",
    "report_meta",
    "effective_parameters",
    "headline",
    "IndexEntry",
    "REPORT_CSS",
    "chart_alt",
    "print_ready",
    "is_framework_notebook",
    "chromium_path",
    "pdf_problem",
    "print_pdf",
    "prose_key",
    "translate_prose",
    "execution_options",
    "conclude",
    "cell_label",
    "error_message",
]
