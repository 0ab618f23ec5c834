"""Comparing rates: a difference with its interval, a test, and control of false discoveries.

Newcombe's hybrid score interval for a difference of two proportions, the pooled two-proportion z test,
a Bayesian comparison (P(B > A) and expected loss), and Benjamini-Hochberg q-values for many tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as _st

from kpikit.errors import KpiDataError
from kpikit.stats.rates import Rate, proportion_ci, rate

__all__ = [
    "RateComparison",
    "BayesComparison",
    "compare_rates",
    "newcombe_interval",
    "two_proportion_ztest",
    "bayes_compare",
    "fdr",
]


def _as_counts(x: Rate | tuple[int, int]) -> tuple[int, int]:
    if isinstance(x, Rate):
        return x.successes, x.trials
    try:
        k, n = x
    except (TypeError, ValueError):
        raise KpiDataError(f"Expected a Rate or a (successes, trials) pair, got {x!r}.") from None
    return int(k), int(n)


def newcombe_interval(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe hybrid score interval for p1 - p2, vectorised.

    low = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2), where
    (l_i, u_i) are the Wilson intervals of each proportion and d = p1 - p2.

    Parameters
    ----------
    k1, n1 : array-like of int
        Successes and trials of the first proportion.
    k2, n2 : array-like of int
        Successes and trials of the second proportion.
    level : float
        Confidence level of the interval.

    Returns
    -------
    (low, high) : tuple of ndarray
        Bounds of the interval for p1 - p2.

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


def two_proportion_ztest(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z test of p1 = p2 (two-sided), vectorised.

    z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)), p = (k1 + k2) / (n1 + n2).
    Where both proportions are 0 or both 1, z = 0 and p-value = 1.

    Parameters
    ----------
    k1, n1 : array-like of int
        Successes and trials of the first proportion.
    k2, n2 : array-like of int
        Successes and trials of the second proportion.

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


def compare_rates(a: Rate | tuple[int, int], b: Rate | tuple[int, int], level: float = 0.95) -> RateComparison:
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


def bayes_compare(
    a: Rate | tuple[int, int],
    b: Rate | tuple[int, int],
    prior: tuple[float, float] = (1.0, 1.0),
    draws: int = 200_000,
    seed: int = 0,
) -> BayesComparison:
    """P(rate_b > rate_a) and the expected loss of choosing each, by Monte Carlo from Beta posteriors.

    Posterior of each rate: Beta(prior_a + successes, prior_b + failures). Expected loss of choosing A
    is E[max(p_b - p_a, 0)], of choosing B is E[max(p_a - p_b, 0)] (in rate units).

    Parameters
    ----------
    a, b : Rate or (successes, trials)
        The two rates; ``b`` is the challenger (the variant).
    prior : (float, float)
        Beta prior parameters shared by both rates; (1, 1) is uniform.
    draws : int
        Monte Carlo draws from each posterior.
    seed : int
        Seed of the random generator, so the result is reproducible.

    Returns
    -------
    BayesComparison
        prob_b_beats_a, expected_loss_a, expected_loss_b, draws, seed.

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


def fdr(pvalues: ArrayLike, method: Literal["bh", "by"] = "bh") -> np.ndarray:
    """Benjamini-Hochberg (or Benjamini-Yekutieli) adjusted p-values (q-values).

    A finding is declared at false discovery rate ``alpha`` when its q-value is below ``alpha``.
    NaN p-values (untested rows) stay NaN and do not count towards the number of tests.

    Parameters
    ----------
    pvalues : array-like of float
        p-values in [0, 1]; NaN for rows without a test.
    method : {"bh", "by"}
        Benjamini-Hochberg (independent or positively dependent tests) or Benjamini-Yekutieli (any
        dependence, more conservative).

    Returns
    -------
    ndarray
        q-values, same shape as ``pvalues``.

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
