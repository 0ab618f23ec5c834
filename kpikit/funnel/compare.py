"""Comparing funnels and reading one: step changes between periods or segments, overall conversion, the leak.

Every reader here takes the result frames of :func:`kpikit.funnel.ordered_funnel` (one row per step with
``users`` or ``attempts``), so a funnel is built once and compared, summarised and charted from the
same numbers. Several steps are tested at once, so step changes carry Benjamini-Hochberg q-values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.funnel.events import ordered_funnel
from kpikit.funnel.steps import _FIX, StepSpec
from kpikit.schemas import require_columns
from kpikit.stats import Rate, fdr, newcombe_interval, rate, two_proportion_ztest

__all__ = [
    "compare_funnels",
    "compare_periods",
    "compare_segments",
    "overall_conversion",
    "biggest_leak",
    "largest_change",
]


def compare_funnels(
    a: pd.DataFrame,
    b: pd.DataFrame,
    labels: tuple[str, str] = ("a", "b"),
    metric: Literal["conversion_from_previous", "conversion_from_start"] = "conversion_from_previous",
    level: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Test each step's conversion between two funnels (two periods or two segments).

    For every step k >= 2: rate = n_k / n_{k-1} (or n_k / n_1 for ``conversion_from_start``) in each
    funnel; difference = rate_a - rate_b with Newcombe's hybrid score interval, the pooled
    two-proportion z test, and the Benjamini-Hochberg q-value across the steps. Steps where either
    funnel has no trials get no p-value.

    Parameters
    ----------
    a, b : DataFrame
        Results of :func:`ordered_funnel` with the same steps and no ``by`` (filter a breakdown
        first, or use :func:`compare_segments`).
    labels : (str, str)
        Names of the two funnels, used in the column names (``users_<label>``, ``rate_<label>``).
    metric : {"conversion_from_previous", "conversion_from_start"}
        Which conversion to compare.
    level : float
        Confidence level of the difference interval.
    alpha : float
        False discovery rate at which ``significant`` is set.

    Returns
    -------
    DataFrame
        One row per step k >= 2: step, step_name, users_<a>, trials_<a>, rate_<a>, users_<b>,
        trials_<b>, rate_<b>, difference, ci_low, ci_high, z, p_value, q_value, significant.

    References
    ----------
    Newcombe (1998), method 10; Benjamini and Hochberg (1995).
    """
    for name, f in (("a", a), ("b", b)):
        require_columns(f, ["step", "step_name", metric], f"funnel {name}", fix=_FIX)
    if list(a["step_name"]) != list(b["step_name"]):
        raise KpiDataError(
            f"compare_funnels: the two funnels have different steps ({list(a['step_name'])} vs "
            f"{list(b['step_name'])}); build both with the same steps, one segment each."
        )
    ca = _count_column(a)
    la, lb = labels

    def counts(f):
        k = f[ca].to_numpy(dtype=np.int64)
        n = np.roll(k, 1) if metric == "conversion_from_previous" else np.full(k.size, k[0])
        return k[1:], n[1:]

    ka, na = counts(a)
    kb, nb = counts(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ra, rb = ka / na, kb / nb
        low, high = newcombe_interval(ka, na, kb, nb, level)
        z, p = two_proportion_ztest(ka, na, kb, nb)
    testable = (na > 0) & (nb > 0)
    p = np.where(testable, p, np.nan)
    q = fdr(p)
    return pd.DataFrame(
        {
            "step": a["step"].to_numpy()[1:],
            "step_name": a["step_name"].to_numpy()[1:],
            f"users_{la}": ka,
            f"trials_{la}": na,
            f"rate_{la}": ra,
            f"users_{lb}": kb,
            f"trials_{lb}": nb,
            f"rate_{lb}": rb,
            "difference": ra - rb,
            "ci_low": low,
            "ci_high": high,
            "z": z,
            "p_value": p,
            "q_value": q,
            "significant": np.nan_to_num(q, nan=1.0) < alpha,
        }
    )


def compare_periods(
    events: pd.DataFrame,
    steps: Sequence[StepSpec],
    current: tuple[str | pd.Timestamp, str | pd.Timestamp],
    previous: tuple[str | pd.Timestamp, str | pd.Timestamp],
    labels: tuple[str, str] = ("current", "previous"),
    level: float = 0.95,
    alpha: float = 0.05,
    **funnel_options: Any,
) -> pd.DataFrame:
    """Each step's conversion in ``current`` against ``previous``.

    :func:`compare_funnels` of two :func:`ordered_funnel` runs, each restricted to the attempts whose
    step 1 falls in its (start, end) period; an attempt's later steps may fall after the period end.

    Parameters
    ----------
    events : DataFrame
        Canonical ``events`` table.
    steps : list
        The funnel steps (see :func:`ordered_funnel`).
    current, previous : (start, end)
        The two periods, each [start, end) with dates as strings or Timestamps.
    labels : (str, str)
        Names of the current and previous period in the column names.
    level : float
        Confidence level of the funnels' intervals and of the difference interval.
    alpha : float
        False discovery rate at which ``significant`` is set.
    **funnel_options
        Passed to :func:`ordered_funnel` (window, order, count, hold_constant, exclude, column names).

    Returns
    -------
    DataFrame
        As :func:`compare_funnels`, with ``a`` the current and ``b`` the previous period.

    References
    ----------
    Newcombe (1998), method 10; Benjamini and Hochberg (1995).

    Examples
    --------
    >>> compare_periods(ev, steps, ("2025-03-01", "2025-07-01"), ("2024-11-01", "2025-03-01"))  # doctest: +SKIP
    """
    fa = ordered_funnel(events, steps, start=current[0], end=current[1], level=level, **funnel_options)
    fb = ordered_funnel(events, steps, start=previous[0], end=previous[1], level=level, **funnel_options)
    return compare_funnels(fa, fb, labels=labels, level=level, alpha=alpha)


def compare_segments(
    funnel: pd.DataFrame, by: str, a: Any, b: Any, level: float = 0.95, alpha: float = 0.05
) -> pd.DataFrame:
    """Each step's conversion of segment ``a`` against segment ``b`` of a funnel built with ``by``.

    Parameters
    ----------
    funnel : DataFrame
        Result of :func:`ordered_funnel` with ``by``.
    by : str
        The breakdown column of ``funnel``.
    a, b : object
        The two segment values to compare (``a`` minus ``b``), e.g. "mobile" and "desktop".
    level : float
        Confidence level of the difference interval.
    alpha : float
        False discovery rate at which ``significant`` is set.

    Returns
    -------
    DataFrame
        As :func:`compare_funnels`, the columns labelled with the two segment values.

    References
    ----------
    Newcombe (1998), method 10; Benjamini and Hochberg (1995).
    """
    require_columns(funnel, [by], "funnel", fix=_FIX)
    fa, fb = funnel[funnel[by] == a], funnel[funnel[by] == b]
    for v, f in ((a, fa), (b, fb)):
        if f.empty:
            raise KpiDataError(
                f"compare_segments: no segment {v!r} in column '{by}' (have {sorted(map(str, funnel[by].unique()))})."
            )
    return compare_funnels(
        fa.reset_index(drop=True), fb.reset_index(drop=True), labels=(str(a), str(b)), level=level, alpha=alpha
    )


def _count_column(funnel: pd.DataFrame) -> str:
    """The count column of a funnel result: ``users``, or ``attempts`` for ``count="totals"``."""
    return "users" if "users" in funnel.columns else "attempts"


def overall_conversion(funnel: pd.DataFrame, level: float = 0.95) -> Rate:
    """Overall funnel conversion: users at the last step / users at the first step, with its interval.

    overall_conversion = n_K / n_1 for a funnel of K steps (attempts instead of users for
    ``count="totals"``), with a Wilson interval.

    Parameters
    ----------
    funnel : DataFrame
        Result of :func:`ordered_funnel` without ``by`` (one row per step).
    level : float
        Confidence level of the interval.

    Returns
    -------
    Rate

    References
    ----------
    Mixpanel, "Funnels" (overall conversion rate); Wilson (1927).

    Examples
    --------
    >>> f = pd.DataFrame({"step": [1, 2, 3], "users": [200, 80, 50]})
    >>> float(overall_conversion(f))
    0.25
    """
    cnt = _count_column(funnel)
    return rate(int(funnel[cnt].iloc[-1]), int(funnel[cnt].iloc[0]), level=level, warn_small=False)


def biggest_leak(funnel: pd.DataFrame) -> pd.Series:
    """The step (k >= 2) with the lowest conversion from the previous step.

    That is where most of the remaining prospects are lost (ties: the earliest such step).

    Parameters
    ----------
    funnel : DataFrame
        Result of :func:`ordered_funnel` without ``by``.

    Returns
    -------
    Series
        The funnel row of that step (step, step_name, counts, conversions, drop_off, times).
    """
    f = funnel[funnel["step"] > 1]
    if f.empty:
        raise KpiDataError("biggest_leak needs a funnel with at least two steps.")
    return f.loc[f["conversion_from_previous"].idxmin()]


def largest_change(comparison: pd.DataFrame, labels: tuple[str, str] = ("current", "previous")) -> dict | None:
    """The significant step change with the largest absolute difference.

    Significant means the Benjamini-Hochberg q-value is below the comparison's ``alpha`` (the
    ``significant`` column).

    Parameters
    ----------
    comparison : DataFrame
        Result of :func:`compare_funnels` or :func:`compare_periods`.
    labels : (str, str)
        The labels the comparison was built with (current, previous).

    Returns
    -------
    dict or None
        Plain dict (step, step_name, rate_<previous>, rate_<current>, difference, ci_low, ci_high,
        q_value); None when no step changed significantly.
    """
    sig = comparison[comparison["significant"]]
    if sig.empty:
        return None
    r = sig.loc[sig["difference"].abs().idxmax()]
    la, lb = labels
    return {
        "step": int(r["step"]),
        "step_name": str(r["step_name"]),
        f"rate_{lb}": float(r[f"rate_{lb}"]),
        f"rate_{la}": float(r[f"rate_{la}"]),
        "difference": float(r["difference"]),
        "ci_low": float(r["ci_low"]),
        "ci_high": float(r["ci_high"]),
        "q_value": float(r["q_value"]),
    }
