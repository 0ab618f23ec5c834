"""Benchmarking: the client against competitors, against the industry, and against itself.

Three questions close every KPI review, and each has its own honest answer here:

- :func:`compare`: client versus a set of peers (competitors) per metric: peer median and
  quartiles, the client's percentile rank among the peers, the gap to the median and, for metrics
  that rest on counts, a test of the client against the pooled peers with Benjamini-Hochberg control
  across metrics, so a visible gap that is noise is called "not significant".
- :func:`against_industry`: the client placed within published p25/p50/p75 bands (or beside a
  published single figure), every row carrying the figure's source and year. A benchmark without
  its source and year is not evidence, so such rows are refused; one measured under another
  definition or older than a set age is context only, without a verdict. The client's own KPIs come
  from what the client's other reports recorded (:func:`recorded_kpis`, :func:`client_kpis`), each
  with its period; :func:`published_benchmarks` are the kit's published figures for a client
  without its own.
- :func:`against_self`: each period against the previous one and the same period a year before, with
  tests when counts exist.

The five steps of benchmarking as the notebook teaches them: choose the key metrics, set specific
goals, track the actions, give the metrics values, benchmark against yourself and competitors.
"""

from kpikit.benchmark.client import client_kpi_table, client_kpis, metric_label, period_text
from kpikit.benchmark.compare import (
    VERDICTS,
    Ties,
    compare,
    percentile_rank,
    scorecard,
    style_scorecard,
)
from kpikit.benchmark.display import (
    comparison_display,
    industry_display,
    left_out,
    self_display,
    verdict_label,
    with_labels,
)
from kpikit.benchmark.findings import findings, headline
from kpikit.benchmark.industry import (
    DEFINITION_MARKERS,
    against_industry,
    industry_notes,
    industry_table,
    missing_benchmarks,
)
from kpikit.benchmark.kpis import gap_to_peers, industry_position, table_spans
from kpikit.benchmark.names import METRIC_NAMES, metric_name
from kpikit.benchmark.published import published_benchmarks
from kpikit.benchmark.recorded import RecordedKpis, RecordedReport, recorded_kpis
from kpikit.benchmark.trend import against_self

__all__ = [
    "VERDICTS",
    "percentile_rank",
    "compare",
    "scorecard",
    "style_scorecard",
    "client_kpis",
    "client_kpi_table",
    "against_industry",
    "against_self",
    "findings",
    "recorded_kpis",
    "RecordedKpis",
    "RecordedReport",
    "missing_benchmarks",
    "headline",
    "industry_notes",
    "industry_table",
    "industry_display",
    "left_out",
    "verdict_label",
    "metric_label",
    "metric_name",
    "METRIC_NAMES",
    "period_text",
    "published_benchmarks",
    "DEFINITION_MARKERS",
    "gap_to_peers",
    "industry_position",
    "table_spans",
    "comparison_display",
    "self_display",
    "with_labels",
    "Ties",
]
