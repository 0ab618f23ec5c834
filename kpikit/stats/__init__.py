"""Rates with intervals, rate comparisons, score intervals and false-discovery control.

Every rate kpikit reports rests on counts, so it carries the counts and an interval: a ``Rate``.
The interval functions are vectorised (arrays in, arrays out) so that a breakdown with thousands of
segments costs one call; the scalar helpers (``rate``, ``compare_rates``) use the same code.

Conventions
-----------
- Default interval: Wilson score (Wilson 1927), the recommendation of Brown, Cai and DasGupta (2001)
  for the sample sizes of marketing data; "jeffreys" (equal-tailed Beta(k + 1/2, n - k + 1/2)) and
  "exact" (Clopper-Pearson) are available.
- Difference of two proportions: Newcombe's hybrid score interval (Newcombe 1998, method 10), built
  from the two Wilson intervals; the test is the pooled two-proportion z test.
- Many comparisons: Benjamini-Hochberg q-values (``scipy.stats.false_discovery_control``).
- A rate is flagged as a small sample when it rests on fewer than ``SMALL_SAMPLE_TRIALS`` trials or
  fewer than ``SMALL_SAMPLE_EVENTS`` successes or failures (the usual np >= 5 rule of thumb).
"""

from kpikit.stats.compare import (
    BayesComparison,
    RateComparison,
    bayes_compare,
    compare_rates,
    fdr,
    newcombe_interval,
    two_proportion_ztest,
)
from kpikit.stats.control import control_limits, shrink_rates
from kpikit.stats.mle import MaximumLikelihood, numerical_hessian
from kpikit.stats.periods import (
    GRAINS,
    Grain,
    grain,
    period_code,
    period_start,
    periods_per_year,
    start_alias,
)
from kpikit.stats.rates import (
    SMALL_SAMPLE_EVENTS,
    SMALL_SAMPLE_TRIALS,
    Method,
    Rate,
    is_small_sample,
    proportion_ci,
    rate,
    rate_frame,
)
from kpikit.stats.scores import Score, mean_ci

__all__ = [
    "MaximumLikelihood",
    "numerical_hessian",
    "Rate",
    "RateComparison",
    "Score",
    "BayesComparison",
    "rate",
    "proportion_ci",
    "compare_rates",
    "newcombe_interval",
    "two_proportion_ztest",
    "bayes_compare",
    "fdr",
    "mean_ci",
    "control_limits",
    "shrink_rates",
    "is_small_sample",
    "rate_frame",
    "SMALL_SAMPLE_TRIALS",
    "SMALL_SAMPLE_EVENTS",
    "Method",
    "Grain",
    "GRAINS",
    "period_code",
    "grain",
    "period_start",
    "periods_per_year",
    "start_alias",
]
