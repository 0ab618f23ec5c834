"""Notebook helpers: parameter checks, headline KPIs, findings, tables and title blocks.

Why parameters are checked here: papermill injects values without looking at them (a misspelt name is
only logged, ``-p top_n 12.5`` runs and fails later). kpikit treats a notebook's ``parameters`` cell as
its declared interface: every parameter is an annotated assignment with a comment,

    top_n: int = 10                            # how many entry pages to list (>= 1)
    definition: Literal["ga4", "ua"] = "ga4"   # bounce-rate definition

and :func:`parameter_spec` reads names, types, allowed values, defaults and help from it (with
``ast``, nothing is executed). The render and batch commands check overrides against it before a
kernel starts, and the notebook checks its own values right after the parameters cell with
:func:`check_parameters`, so an interactive run gets the same errors.

Why KPIs travel inside the notebook: :func:`record_kpis` displays the headline KPIs and embeds them as
a JSON output of MIME type ``application/vnd.kpikit.kpis+json``. ``kpikit render`` extracts them into
``NN_name.kpis.json`` beside the HTML. No file paths or environment variables reach the kernel, and an
interactive run records the same thing.

How a notebook becomes a client report (docs/reports.md): ``rep = kk.report.start(name, globals())``
checks the parameters and the data against the notebook's spec, shows the title block and a summary
placeholder; the sections record KPIs, findings, cards and client tables on ``rep``; ``rep.finish()``
records the KPI JSON, the consultant appendix and the Excel workbook and fills in the summary.

Modules: ``params`` (the parameters cell and its checks), ``kpis`` (recording and reading headline
KPIs, KPI text for indexes), ``registry`` (every KPI's label, unit, format, direction, period),
``notebooks`` (each notebook's question, tables and KPIs; coverage), ``document`` (the ``Report``),
``tables`` and ``columns`` (client tables), ``kpiformat`` (a KPI as text or HTML), ``summary`` (title
block, cards, appendix), ``excel`` (the workbook), ``outcome`` (ok / ok with notes / failed, for the
renderer), ``present`` (the plain tables, findings and header of notebooks not yet on ``start``) and
``overview`` (notebook 00's snapshot and data-health summary).
"""

from kpikit.report.document import SUMMARY_MIME, Report, start
from kpikit.report.excel import XLSX_MIME, excel_from_notebook, workbook_bytes
from kpikit.report.kpiformat import format_kpi, kpi_html, kpi_label
from kpikit.report.kpis import (
    KPI_MIME,
    headline_items,
    kpi_text,
    notebook_kpis,
    read_kpis,
    record_kpis,
    to_jsonable,
)
from kpikit.report.loading import ReportTables
from kpikit.report.notebooks import NOTEBOOKS, NotebookSpec, notebook_coverage, notebook_spec
from kpikit.report.outcome import ALLOWED_ERROR_NAMES, Outcome, classify
from kpikit.report.overview import data_period, health_findings, snapshot
from kpikit.report.params import (
    ParamSpec,
    check_parameters,
    parameter_spec,
    parameters_cell,
    parse_cli_value,
    validate_parameters,
)
from kpikit.report.present import Table, header, show_findings, table
from kpikit.report.registry import KPIS, KpiSpec, kpi_spec
from kpikit.report.tables import ClientTable, client_table

__all__ = [
    "KPI_MIME",
    "ParamSpec",
    "parameter_spec",
    "parameters_cell",
    "validate_parameters",
    "parse_cli_value",
    "check_parameters",
    "to_jsonable",
    "record_kpis",
    "read_kpis",
    "notebook_kpis",
    "show_findings",
    "table",
    "header",
    "kpi_text",
    "headline_items",
    "Table",
    "ClientTable",
    "client_table",
    "start",
    "Report",
    "ReportTables",
    "SUMMARY_MIME",
    "XLSX_MIME",
    "excel_from_notebook",
    "workbook_bytes",
    "KPIS",
    "KpiSpec",
    "kpi_spec",
    "kpi_label",
    "format_kpi",
    "kpi_html",
    "NOTEBOOKS",
    "NotebookSpec",
    "notebook_spec",
    "notebook_coverage",
    "ALLOWED_ERROR_NAMES",
    "Outcome",
    "classify",
    "snapshot",
    "data_period",
    "health_findings",
]
