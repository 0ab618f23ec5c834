"""Rates with their counts and confidence intervals.

``Rate``, ``rate``, ``rate_frame`` and the vectorised interval ``proportion_ci`` (Wilson by default;
Jeffreys and Clopper-Pearson offered).

A rate is flagged as a small sample when it rests on fewer than ``SMALL_SAMPLE_TRIALS`` trials or fewer
than ``SMALL_SAMPLE_EVENTS`` successes or failures (the usual np >= 5 rule of thumb).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _st

from kpikit.errors import KpiDataError, SmallSampleWarning

__all__ = [
    "Rate",
    "rate",
    "proportion_ci",
    "is_small_sample",
    "rate_frame",
    "SMALL_SAMPLE_TRIALS",
    "SMALL_SAMPLE_EVENTS",
    "Method",
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


def is_small_sample(successes: ArrayLike, trials: ArrayLike) -> np.ndarray:
    """True where a rate rests on too few trials, successes or failures to be read on its own.

    Small means fewer than ``SMALL_SAMPLE_TRIALS`` (30) trials, or fewer than ``SMALL_SAMPLE_EVENTS``
    (5) successes or failures.

    Parameters
    ----------
    successes, trials : array-like of int
        Counts.

    Returns
    -------
    ndarray of bool
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
        return f"{self.value:.1%} ({pct}% CI {self.low:.1%} to {self.high:.1%}; {self.successes:,} of {self.trials:,})"

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
    stacklevel: int = 2,
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
    stacklevel : int
        Where the warning points: 2 is the caller of ``rate``; a kpikit function that builds its Rate
        through helpers passes more, so the warning names the user's line.

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
            f"Rate {successes}/{trials} rests on a small sample; its interval [{r.low:.1%}, {r.high:.1%}] is wide.",
            SmallSampleWarning,
            stacklevel=stacklevel,
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

    Parameters
    ----------
    frame : DataFrame
        One row per segment.
    successes, trials : str
        Columns holding the counts.
    name : str
        Name of the rate column to add.
    level : float
        Confidence level of the interval.
    method : {"wilson", "jeffreys", "exact"}
        Interval method; see :func:`proportion_ci`.

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
