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

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError, SmallSampleWarning

__all__ = [
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
]

Method = Literal["wilson", "jeffreys", "exact"]

SMALL_SAMPLE_TRIALS = 30
SMALL_SAMPLE_EVENTS = 5


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise KpiDataError(f"level must be between 0 and 1 (got {level!r}); use e.g. level=0.95.")


def _z(level: float) -> float:
    return float(_st.norm.ppf(0.5 + level / 2))


def proportion_ci(
    successes: np.ndarray | Sequence[float] | float,
    trials: np.ndarray | Sequence[float] | float,
    level: float = 0.95,
    method: Method = "wilson",
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a binomial proportion, vectorised.

    Wilson: centre (k + z^2/2) / (n + z^2), half-width z sqrt(k(n-k)/n + z^2/4) / (n + z^2).
    Jeffreys: Beta(k + 1/2, n - k + 1/2) quantiles, with the bound set to 0 (1) when k = 0 (k = n).
    Exact: Clopper-Pearson, Beta(k, n - k + 1) and Beta(k + 1, n - k) quantiles.

    Parameters
    ----------
    successes, trials : array-like
        Counts; ``0 <= successes <= trials``. Rows with ``trials == 0`` give NaN bounds.
    level : float
        Confidence level.
    method : {"wilson", "jeffreys", "exact"}
        Interval method.

    Returns
    -------
    (low, high) : tuple of ndarray

    References
    ----------
    Brown, Cai and DasGupta (2001), "Interval estimation for a binomial proportion", Statistical
    Science 16(2). Agrees with ``scipy.stats.binomtest(k, n).proportion_ci(method=...)``.

    Examples
    --------
    >>> low, high = proportion_ci(150, 2380)
    >>> round(float(low), 6), round(float(high), 6)
    (0.053949, 0.07351)
    """
    _check_level(level)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise KpiDataError("successes must lie between 0 and trials; check the numerator and denominator.")
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "wilson":
            z = _z(level)
            denom = n + z**2
            centre = (k + z**2 / 2) / denom
            half = z * np.sqrt(k * (n - k) / n + z**2 / 4) / denom
            low, high = centre - half, centre + half
            low = np.where(k == 0, 0.0, low)
            high = np.where(k == n, 1.0, high)
        elif method == "jeffreys":
            low = np.where(k == 0, 0.0, _st.beta.ppf(alpha / 2, k + 0.5, n - k + 0.5))
            high = np.where(k == n, 1.0, _st.beta.ppf(1 - alpha / 2, k + 0.5, n - k + 0.5))
        elif method == "exact":
            low = np.where(k == 0, 0.0, _st.beta.ppf(alpha / 2, k, n - k + 1))
            high = np.where(k == n, 1.0, _st.beta.ppf(1 - alpha / 2, k + 1, n - k))
        else:
            raise KpiDataError(f"method must be 'wilson', 'jeffreys' or 'exact' (got {method!r}).")
    low = np.where(n > 0, np.clip(low, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(high, 0.0, 1.0), np.nan)
    return low, high


def is_small_sample(successes, trials) -> np.ndarray:
    """True where a rate rests on too few trials, successes or failures to be read on its own.

    Small means fewer than ``SMALL_SAMPLE_TRIALS`` (30) trials, or fewer than ``SMALL_SAMPLE_EVENTS``
    (5) successes or failures.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    return (n < SMALL_SAMPLE_TRIALS) | (k < SMALL_SAMPLE_EVENTS) | (n - k < SMALL_SAMPLE_EVENTS)


@dataclass(frozen=True)
class Rate:
    """A proportion with its counts and confidence interval.

    ``float(r)`` is the value; ``r.low``/``r.high`` the interval. Build one with :func:`rate`.
    """

    successes: int
    trials: int
    value: float
    low: float
    high: float
    method: str = "wilson"
    level: float = 0.95

    def __float__(self) -> float:
        return float(self.value)

    @property
    def small_sample(self) -> bool:
        """Whether the counts are too few for the interval to be read with confidence."""
        return bool(is_small_sample(self.successes, self.trials))

    def as_dict(self) -> dict:
        """Plain-JSON form (value, interval, counts), as recorded in a report's KPI file."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "successes": self.successes,
            "trials": self.trials,
            "method": self.method,
            "level": self.level,
        }

    def __str__(self) -> str:
        pct = int(round(self.level * 100))
        return (
            f"{self.value:.1%} ({pct}% CI {self.low:.1%} to {self.high:.1%}; "
            f"{self.successes:,} of {self.trials:,})"
        )

    def __repr__(self) -> str:
        return (
            f"Rate({self.value:.4f}, {self.method} {self.level:.0%} CI [{self.low:.4f}, {self.high:.4f}], "
            f"{self.successes}/{self.trials})"
        )

    def _repr_html_(self) -> str:
        pct = int(round(self.level * 100))
        flag = " <em>(small sample)</em>" if self.small_sample else ""
        return (
            f"<span class='kpikit-rate'><strong>{self.value:.1%}</strong> "
            f"({pct}% CI {self.low:.1%} &ndash; {self.high:.1%}; "
            f"{self.successes:,} of {self.trials:,}, {html.escape(self.method)}){flag}</span>"
        )


def rate(
    successes: int,
    trials: int,
    level: float = 0.95,
    method: Method = "wilson",
    warn_small: bool = True,
) -> Rate:
    """A proportion ``successes / trials`` with its confidence interval.

    Parameters
    ----------
    successes, trials : int
        Counts; whole numbers with ``0 <= successes <= trials`` and ``trials > 0``.
    level : float
        Confidence level of the interval (default 0.95).
    method : {"wilson", "jeffreys", "exact"}
        Interval method; see :func:`proportion_ci`.
    warn_small : bool
        Emit :class:`~kpikit.errors.SmallSampleWarning` when the counts are small.

    Returns
    -------
    Rate

    References
    ----------
    Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22.

    Examples
    --------
    >>> r = rate(150, 2380)
    >>> round(float(r), 4), round(r.low, 6), round(r.high, 6)
    (0.063, 0.053949, 0.07351)
    """
    for name, v in (("successes", successes), ("trials", trials)):
        if isinstance(v, bool) or not float(v).is_integer():
            raise KpiDataError(f"{name} must be a whole count (got {v!r}); rates rest on counts, not shares.")
    successes, trials = int(successes), int(trials)
    if trials <= 0:
        raise KpiDataError(
            f"A rate needs at least one trial (got successes={successes}, trials={trials}): "
            "the denominator is empty, so there is nothing to measure. Check the filter or period."
        )
    if not 0 <= successes <= trials:
        raise KpiDataError(
            f"successes must lie between 0 and trials (got {successes} of {trials}); "
            "check that the numerator is a subset of the denominator."
        )
    low, high = proportion_ci(successes, trials, level=level, method=method)
    r = Rate(successes, trials, successes / trials, float(low), float(high), method, level)
    if warn_small and r.small_sample:
        warnings.warn(
            f"Rate {successes}/{trials} rests on a small sample; its interval "
            f"[{r.low:.1%}, {r.high:.1%}] is wide.",
            SmallSampleWarning,
            stacklevel=2,
        )
    return r


def rate_frame(
    frame: pd.DataFrame,
    successes: str,
    trials: str,
    name: str,
    level: float = 0.95,
    method: Method = "wilson",
) -> pd.DataFrame:
    """Add ``name``, ``ci_low``, ``ci_high`` and ``small_sample`` columns for a count pair, in place.

    The tidy-breakdown helper of every domain module: ``frame[successes] / frame[trials]`` with its
    interval. Rows with zero trials get NaN (never a silent 0).

    Returns
    -------
    DataFrame
        The same frame, for chaining.
    """
    k = frame[successes].to_numpy(dtype=float)
    n = frame[trials].to_numpy(dtype=float)
    low, high = proportion_ci(k, n, level=level, method=method)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame[name] = np.where(n > 0, k / n, np.nan)
    frame["ci_low"] = low
    frame["ci_high"] = high
    frame["small_sample"] = is_small_sample(k, n)
    return frame


def _as_counts(x) -> tuple[int, int]:
    if isinstance(x, Rate):
        return x.successes, x.trials
    try:
        k, n = x
    except (TypeError, ValueError):
        raise KpiDataError(f"Expected a Rate or a (successes, trials) pair, got {x!r}.") from None
    return int(k), int(n)


def newcombe_interval(k1, n1, k2, n2, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe hybrid score interval for p1 - p2, vectorised.

    low = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2), where
    (l_i, u_i) are the Wilson intervals of each proportion and d = p1 - p2.

    References
    ----------
    Newcombe (1998), "Interval estimation for the difference between independent proportions:
    comparison of eleven methods", Statistics in Medicine 17, method 10.
    """
    k1, n1, k2, n2 = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    l1, u1 = proportion_ci(k1, n1, level)
    l2, u2 = proportion_ci(k2, n2, level)
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def two_proportion_ztest(k1, n1, k2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z test of p1 = p2 (two-sided), vectorised.

    z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)), p = (k1 + k2) / (n1 + n2).
    Where both proportions are 0 or both 1, z = 0 and p-value = 1.

    Returns
    -------
    (z, p_value) : tuple of ndarray
    """
    k1, n1, k2, n2 = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    pooled = (k1 + k2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (k1 / n1 - k2 / n2) / se, 0.0)
    return z, 2 * _st.norm.sf(np.abs(z))


@dataclass(frozen=True)
class RateComparison:
    """Rate ``a`` minus rate ``b``: difference with its interval, and a two-proportion test."""

    a: Rate
    b: Rate
    difference: float
    low: float
    high: float
    z: float
    p_value: float
    level: float = 0.95

    @property
    def relative_change(self) -> float:
        """(a - b) / b: the lift of ``a`` over ``b``; NaN when ``b`` is 0."""
        return self.difference / self.b.value if self.b.value else float("nan")

    def as_dict(self) -> dict:
        """Plain-JSON form."""
        return {
            "a": self.a.as_dict(),
            "b": self.b.as_dict(),
            "difference": self.difference,
            "low": self.low,
            "high": self.high,
            "z": self.z,
            "p_value": self.p_value,
            "level": self.level,
        }

    def __repr__(self) -> str:
        return (
            f"RateComparison(difference={self.difference:+.4f}, {self.level:.0%} CI "
            f"[{self.low:+.4f}, {self.high:+.4f}], z={self.z:.3f}, p={self.p_value:.4f})"
        )

    def _repr_html_(self) -> str:
        pct = int(round(self.level * 100))
        return (
            f"<span class='kpikit-comparison'>{self.a.value:.1%} vs {self.b.value:.1%}: "
            f"<strong>{self.difference * 100:+.1f} pts</strong> ({pct}% CI "
            f"{self.low * 100:+.1f} to {self.high * 100:+.1f}), p = {self.p_value:.3g}</span>"
        )


def compare_rates(a, b, level: float = 0.95) -> RateComparison:
    """Compare two independent rates: ``a - b`` with Newcombe's interval and a pooled z test.

    Parameters
    ----------
    a, b : Rate or (successes, trials)
        The two rates; ``a`` is the one of interest (e.g. the variant, this period).
    level : float
        Confidence level of the difference interval.

    Returns
    -------
    RateComparison

    References
    ----------
    Newcombe (1998), method 10; the pooled two-proportion z test (e.g. Agresti, Categorical Data
    Analysis, 3rd ed., section 3.1).

    Examples
    --------
    >>> c = compare_rates((150, 2380), (120, 2400))
    >>> round(c.z, 4), round(c.p_value, 4), round(c.low, 6), round(c.high, 6)
    (1.9504, 0.0511, -8.6e-05, 0.026227)
    """
    k1, n1 = _as_counts(a)
    k2, n2 = _as_counts(b)
    ra = a if isinstance(a, Rate) else rate(k1, n1, level=level, warn_small=False)
    rb = b if isinstance(b, Rate) else rate(k2, n2, level=level, warn_small=False)
    low, high = newcombe_interval(k1, n1, k2, n2, level)
    z, p = two_proportion_ztest(k1, n1, k2, n2)
    return RateComparison(ra, rb, ra.value - rb.value, float(low), float(high), float(z), float(p), level)


@dataclass(frozen=True)
class BayesComparison:
    """Posterior comparison of two rates under independent Beta priors."""

    prob_b_beats_a: float
    expected_loss_a: float
    expected_loss_b: float
    draws: int
    seed: int

    def as_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


def bayes_compare(a, b, prior: tuple[float, float] = (1.0, 1.0), draws: int = 200_000, seed: int = 0) -> BayesComparison:
    """P(rate_b > rate_a) and the expected loss of choosing each, by Monte Carlo from Beta posteriors.

    Posterior of each rate: Beta(prior_a + successes, prior_b + failures). Expected loss of choosing A
    is E[max(p_b - p_a, 0)], of choosing B is E[max(p_a - p_b, 0)] (in rate units).

    References
    ----------
    Stucchio (2015), "Bayesian A/B testing at VWO" (expected loss as the decision criterion).

    Examples
    --------
    >>> round(bayes_compare((120, 2400), (150, 2380)).prob_b_beats_a, 2)
    0.97
    """
    k1, n1 = _as_counts(a)
    k2, n2 = _as_counts(b)
    rng = np.random.default_rng(seed)
    pa = rng.beta(prior[0] + k1, prior[1] + n1 - k1, size=draws)
    pb = rng.beta(prior[0] + k2, prior[1] + n2 - k2, size=draws)
    return BayesComparison(
        prob_b_beats_a=float(np.mean(pb > pa)),
        expected_loss_a=float(np.mean(np.maximum(pb - pa, 0))),
        expected_loss_b=float(np.mean(np.maximum(pa - pb, 0))),
        draws=draws,
        seed=seed,
    )


def fdr(pvalues, method: Literal["bh", "by"] = "bh") -> np.ndarray:
    """Benjamini-Hochberg (or Benjamini-Yekutieli) adjusted p-values (q-values).

    A finding is declared at false discovery rate ``alpha`` when its q-value is below ``alpha``.
    NaN p-values (untested rows) stay NaN and do not count towards the number of tests.

    References
    ----------
    Benjamini and Hochberg (1995), JRSS B 57(1); ``scipy.stats.false_discovery_control``.

    Examples
    --------
    >>> fdr([0.01, 0.04, 0.03, 0.2]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.2]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise KpiDataError("p-values must lie between 0 and 1.")
    if ok.any():
        out[ok] = _st.false_discovery_control(p[ok], method=method)
    return out


@dataclass(frozen=True)
class Score:
    """A score on its own scale (NPS -100..100, CES 1..7, a mean) with its interval and sample size."""

    value: float
    low: float
    high: float
    n: int
    name: str = "score"
    level: float = 0.95
    counts: dict | None = None

    def __float__(self) -> float:
        return float(self.value)

    @property
    def small_sample(self) -> bool:
        """Fewer than 30 responses."""
        return self.n < SMALL_SAMPLE_TRIALS

    def as_dict(self) -> dict:
        """Plain-JSON form."""
        d = {"value": self.value, "low": self.low, "high": self.high, "n": self.n, "level": self.level}
        if self.counts:
            d["counts"] = dict(self.counts)
        return d

    def __repr__(self) -> str:
        return f"Score({self.name}={self.value:.2f}, {self.level:.0%} CI [{self.low:.2f}, {self.high:.2f}], n={self.n})"

    def __str__(self) -> str:
        pct = int(round(self.level * 100))
        return f"{self.value:.1f} ({pct}% CI {self.low:.1f} to {self.high:.1f}; n = {self.n:,})"

    def _repr_html_(self) -> str:
        flag = " <em>(small sample)</em>" if self.small_sample else ""
        return f"<span class='kpikit-score'>{html.escape(self.name)}: <strong>{html.escape(str(self))}</strong>{flag}</span>"


def mean_ci(values, level: float = 0.95, name: str = "mean") -> Score:
    """Mean with a Student-t confidence interval.

    mean +- t_{n-1} s / sqrt(n). Needs at least two values.
    """
    _check_level(level)
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size < 2:
        raise KpiDataError(f"A mean with an interval needs at least 2 values (got {x.size}).")
    m = float(x.mean())
    half = float(_st.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Score(m, m - half, m + half, int(x.size), name, level)


def control_limits(successes, trials, sigmas: float = 3.0) -> pd.DataFrame:
    """p-chart: centre line and per-period control limits for a rate observed over time.

    centre = sum(k) / sum(n); limits = centre +- sigmas sqrt(centre (1 - centre) / n_t), clipped to
    [0, 1]. A period outside its limits is a signal; inside is common-cause variation.

    References
    ----------
    Montgomery, Introduction to Statistical Quality Control, chapter on control charts for attributes.

    Returns
    -------
    DataFrame
        Columns rate, centre, lcl, ucl, signal (one row per input period).
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    centre = k.sum() / n.sum()
    half = sigmas * np.sqrt(centre * (1 - centre) / n)
    r = k / n
    lcl, ucl = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return pd.DataFrame({"rate": r, "centre": centre, "lcl": lcl, "ucl": ucl, "signal": (r < lcl) | (r > ucl)})


def shrink_rates(successes, trials) -> tuple[np.ndarray, float, float]:
    """Empirical-Bayes beta-binomial shrinkage of many segment rates towards their common level.

    Fits a Beta(a, b) prior to the segments by maximum marginal likelihood (beta-binomial) and returns
    posterior means (k + a) / (n + a + b): segments with few trials move towards the overall rate, so
    a page with 3 sessions cannot top a ranking.

    Returns
    -------
    (shrunk, a, b) : posterior means and the fitted prior parameters.

    References
    ----------
    Efron (2010), Large-Scale Inference, ch. 1; Robinson (2017), Introduction to Empirical Bayes.
    """
    from scipy import optimize, special

    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = n > 0
    kk, nn = k[keep], n[keep]
    p0 = kk.sum() / nn.sum() if nn.sum() else 0.5
    p0 = min(max(p0, 1e-6), 1 - 1e-6)

    def nll(theta):
        mu = special.expit(theta[0])
        s = math.exp(theta[1])
        a, b = mu * s, (1 - mu) * s
        return -np.sum(special.betaln(kk + a, nn - kk + b) - special.betaln(a, b))

    if kk.size >= 2:
        res = optimize.minimize(nll, x0=[special.logit(p0), math.log(10.0)], method="Nelder-Mead",
                                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 2000})
        mu, s = special.expit(res.x[0]), math.exp(min(res.x[1], 30.0))
    else:
        mu, s = p0, 1e12  # one segment: nothing to learn the spread from; stay at the pooled rate
    a, b = mu * s, (1 - mu) * s
    with np.errstate(divide="ignore", invalid="ignore"):
        shrunk = (k + a) / (n + a + b)
    return shrunk, float(a), float(b)
