"""Scores on their own scale (NPS, CES, a mean) with their interval and sample size."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as _st

from kpikit.errors import KpiDataError
from kpikit.stats.rates import SMALL_SAMPLE_TRIALS, _check_level

__all__ = ["Score", "mean_ci"]


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


def mean_ci(values: ArrayLike, level: float = 0.95, name: str = "mean") -> Score:
    """Mean with a Student-t confidence interval.

    mean +- t_{n-1} s / sqrt(n). Needs at least two values; NaN values are left out.

    Parameters
    ----------
    values : array-like of float
        The observations.
    level : float
        Confidence level of the interval.
    name : str
        Name the Score carries (shown in reports).

    Returns
    -------
    Score
    """
    _check_level(level)
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size < 2:
        raise KpiDataError(f"A mean with an interval needs at least 2 values (got {x.size}).")
    m = float(x.mean())
    half = float(_st.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Score(m, m - half, m + half, int(x.size), name, level)
