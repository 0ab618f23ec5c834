"""Drawing helpers the sample's table builders share.

Stratified Bernoulli draws (systematic sampling), weighted picks, growth-shaped times, stratum codes,
positions and running sums within runs of rows, and calendar arithmetic on numpy dates. Every random
draw goes through the ``numpy.random.Generator`` passed in, so a table's draws happen in the order its
builder calls these helpers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = []


def _systematic(rng: np.random.Generator, p: np.ndarray, strata: np.ndarray | None = None) -> np.ndarray:
    """Bernoulli(p_i) draws whose count per stratum is the rounded sum of p (systematic sampling)."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    n = p.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    order = np.lexsort((rng.random(n), strata))
    ps, st = p[order], strata[order]
    first = np.r_[True, st[1:] != st[:-1]]
    group = np.cumsum(first) - 1
    cs = np.cumsum(ps)
    base = (cs - ps)[first]
    u = rng.random(int(first.sum()))
    hi = cs - base[group] + u[group]
    chosen = np.floor(hi) > np.floor(hi - ps)
    out = np.empty(n, dtype=bool)
    out[order] = chosen
    return out


def _codes(*arrays: np.ndarray) -> np.ndarray:
    """Integer stratum code from several key arrays (deterministic)."""
    code = np.zeros(len(arrays[0]), dtype=np.int64)
    for a in arrays:
        c, uniques = pd.factorize(np.asarray(a), sort=True)
        code = code * (len(uniques) + 1) + c
    return code


def _pick(rng: np.random.Generator, options: Sequence, p: Sequence[float], size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def _growth_uniform(rng: np.random.Generator, size: int, g: float = 0.5) -> np.ndarray:
    """Draws in [0, 1) with density proportional to 1 + g x (a business that grows)."""
    f = rng.random(size)
    return (-1.0 + np.sqrt(1.0 + 2.0 * g * f * (1.0 + g / 2.0))) / g


def _add_months(dates: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Add k calendar months to datetime64[D] dates, clipping the day to the month's length."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    ym = dates.astype("datetime64[M]")
    day = (dates - ym.astype("datetime64[D]")).astype(np.int64)
    new = ym + np.asarray(k, dtype=np.int64)
    length = ((new + 1).astype("datetime64[D]") - new.astype("datetime64[D]")).astype(np.int64)
    return new.astype("datetime64[D]") + np.minimum(day, length - 1)


def _ts(seconds: np.ndarray, origin: pd.Timestamp) -> np.ndarray:
    """Seconds since origin -> datetime64[ns] (whole seconds)."""
    base = np.datetime64(origin.to_datetime64(), "s")
    return (base + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")).astype("datetime64[ns]")


def _position_in_runs(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c - 1 for each run of ``c`` rows, runs laid end to end (``counts`` = run lengths)."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _cumsum_within(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running sum of non-negative ``values`` that restarts at every row where ``first`` is True."""
    cs = np.cumsum(values)
    return cs - np.maximum.accumulate(np.where(first, cs - values, 0))
