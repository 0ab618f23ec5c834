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

Modules: ``params`` (the parameters cell and its checks), ``kpis`` (recording and reading headline
KPIs, KPI text for indexes), ``present`` (tables, findings, the title block) and ``overview`` (notebook
00's snapshot, coverage and data-health summary, built on the domain packages' KPI functions).
"""

from kpikit.report.kpis import (
    KPI_MIME,
    headline_items,
    kpi_text,
    notebook_kpis,
    read_kpis,
    record_kpis,
    to_jsonable,
)
from kpikit.report.overview import (
    NOTEBOOK_NEEDS,
    data_period,
    health_findings,
    notebook_coverage,
    snapshot,
)
from kpikit.report.params import (
    ParamSpec,
    check_parameters,
    parameter_spec,
    parameters_cell,
    parse_cli_value,
    validate_parameters,
)
from kpikit.report.present import Table, header, show_findings, table

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
    "NOTEBOOK_NEEDS",
    "notebook_coverage",
    "snapshot",
    "data_period",
    "health_findings",
]
