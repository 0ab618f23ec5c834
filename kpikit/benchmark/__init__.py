"""Benchmarking: the client against competitors, against the industry, and against itself.

Three questions close every KPI review, and each has its own honest answer here:

- :func:`compare`: client versus a set of peers (competitors) per metric: peer median and
  quartiles, the client's percentile rank among the peers, the gap to the median and, for metrics
  that rest on counts, a test of the client against the pooled peers with Benjamini-Hochberg control
  across metrics, so a visible gap that is noise is called "not significant".
- :func:`against_industry`: the client placed within published p25/p50/p75 bands (or beside a
  published single figure), every row carrying the figure's source and year. A benchmark without
  its source and year is not evidence, so such rows are refused.
- :func:`against_self`: each period against the previous one and the same period a year before, with
  tests when counts exist.

The five steps of benchmarking as the notebook teaches them: choose the key metrics, set specific
goals, track the actions, give the metrics values, benchmark against yourself and competitors.
"""

from kpikit.benchmark.compare import (
    VERDICTS,
    Ties,
    compare,
    percentile_rank,
    scorecard,
    style_scorecard,
)
from kpikit.benchmark.findings import findings, headline
from kpikit.benchmark.industry import (
    against_industry,
    client_kpis,
    industry_notes,
    industry_table,
    missing_benchmarks,
    recorded_kpis,
)
from kpikit.benchmark.trend import against_self

__all__ = [
    "VERDICTS",
    "percentile_rank",
    "compare",
    "scorecard",
    "style_scorecard",
    "client_kpis",
    "against_industry",
    "against_self",
    "findings",
    "recorded_kpis",
    "missing_benchmarks",
    "headline",
    "industry_notes",
    "industry_table",
    "Ties",
]
