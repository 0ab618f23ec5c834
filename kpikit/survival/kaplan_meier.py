"""Kaplan-Meier survival curves with a pointwise band and the median lifetime (see :mod:`kpikit.survival`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _st

from kpikit.errors import KpiDataError, describe_rows
from kpikit.i18n import t as _text

__all__ = ["KaplanMeier", "kaplan_meier"]


# --------------------------------------------------------------------------------------- Kaplan-Meier


@dataclass
class KaplanMeier:
    """Result of :func:`kaplan_meier`.

    Attributes
    ----------
    curve : DataFrame
        Step function per group: group, time, survival, ci_low, ci_high, at_risk, events. The first
        row of each group is time 0 with survival 1.
    medians : DataFrame
        One row per group: group, customers, events, censored, median, median_low, median_high
        (NaN when the curve or its band never falls to 0.5: the median is not reached yet).
    level : float
        Confidence level of the band and of the median interval.
    method : str
        Scale of the Greenwood band ("log-log" or "linear").
    """

    curve: pd.DataFrame
    medians: pd.DataFrame
    level: float = 0.95
    method: str = field(default="log-log")

    def survival_at(self, time: float) -> pd.DataFrame:
        """Survival (with band) of each group at ``time`` (the step value in force then).

        Parameters
        ----------
        time : float
            Time since start, in the unit of the durations.

        Returns
        -------
        DataFrame
            One row per group: group, time, survival, ci_low, ci_high.
        """
        rows = []
        for g, c in self.curve.groupby("group", sort=False):
            i = int(np.searchsorted(c["time"].to_numpy(), time, side="right")) - 1
            r = c.iloc[max(i, 0)]
            rows.append(
                {"group": g, "time": time, "survival": r["survival"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
            )
        return pd.DataFrame(rows)

    def shortest_median(self, min_customers: int = 30, lang: str = "en") -> pd.Series:
        """The group losing half its customers soonest, of those with ``min_customers`` or more.

        A median from a handful of customers is not a finding; a curve not yet at 50% has no median.

        Parameters
        ----------
        min_customers : int
            Smallest group (customers) that may be named.
        lang : str
            The language of the message when no group can be named (a report's note).

        Returns
        -------
        Series
            The group's row of ``medians`` (group, customers, events, censored, median, ...).

        Raises
        ------
        KpiDataError
            No group is large enough, or no large group has reached its median yet.
        """
        m = self.medians
        big = m[m["customers"] >= min_customers]
        if big.empty:
            largest = int(m["customers"].max())
            raise KpiDataError(_text("survival.note.no_large_group", lang, min=min_customers, largest=largest))
        reached = big[big["median"].notna()]
        if reached.empty:
            raise KpiDataError(_text("survival.note.median_not_reached", lang, min=min_customers))
        return reached.sort_values("median", kind="stable").iloc[0]


def _first_below(t: np.ndarray, s: np.ndarray, q: float = 0.5) -> float:
    hit = np.flatnonzero(s <= q + 1e-12)
    return float(t[hit[0]]) if hit.size else float("nan")


def kaplan_meier(
    durations: ArrayLike,
    observed: ArrayLike,
    by: ArrayLike | None = None,
    level: float = 0.95,
    method: Literal["log-log", "linear"] = "log-log",
) -> KaplanMeier:
    """Kaplan-Meier survival curve(s) with confidence band and median lifetime with its interval.

    S(t) = prod over event times t_i <= t of (1 - d_i / n_i), with d_i churn events at t_i and n_i
    customers still at risk just before t_i. Customers still active are right-censored at their
    current age (``observed=False``): they count in the risk set until then and never as churned.
    Band: pointwise Greenwood, on the log(-log S) scale by default (stays inside [0, 1]).
    Median lifetime = first time S(t) <= 0.5; its interval is the range of times where the band
    contains 0.5 (Brookmeyer and Crowley 1982): from the first time the lower band falls to 0.5 to
    the first time the upper band does (NaN when that has not happened yet).

    Parameters
    ----------
    durations : array-like
        Time from start to churn (or to the end of observation), >= 0, in any unit (months, days).
    observed : array-like of bool
        True when the churn was observed, False for right-censored (still active) customers.
    by : array-like, optional
        Group labels (e.g. plan): one curve per group.
    level : float
        Confidence level of band and median interval.
    method : {"log-log", "linear"}
        Greenwood band scale (``scipy.stats`` ``ECDFResult.sf.confidence_interval``).

    Returns
    -------
    KaplanMeier
        ``.curve`` (tidy step function) and ``.medians``.

    References
    ----------
    Kaplan and Meier (1958); Greenwood (1926); Brookmeyer and Crowley (1982);
    ``scipy.stats.ecdf`` documentation.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 3, 4, 5, 6], [True, False, True, True, False, True])
    >>> km.curve["survival"].round(4).tolist()
    [1.0, 0.8333, 0.8333, 0.625, 0.4167, 0.4167, 0.0]
    >>> float(km.medians["median"].iloc[0])
    4.0
    """
    t, obs, groups = _lifetimes(durations, observed, by)
    curves, medians = [], []
    for g in pd.unique(groups):
        sel = groups == g
        curve, median = _km_group(g, t[sel], obs[sel], level, method)
        curves.append(curve)
        medians.append(median)
    return KaplanMeier(pd.concat(curves, ignore_index=True), pd.DataFrame(medians), level, method)


def _lifetimes(durations, observed, by) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked durations (float), observed flags (bool) and group labels ("all" without ``by``)."""
    t = np.asarray(durations, dtype=float)
    obs = np.asarray(observed)
    if t.ndim != 1 or obs.shape != t.shape:
        raise KpiDataError(f"durations and observed must be 1-D and the same length (got {t.shape} and {obs.shape}).")
    if t.size == 0:
        raise KpiDataError("durations is empty: there are no customers to build a survival curve from.")
    bad = np.isnan(t) | (t < 0)
    if bad.any():
        raise KpiDataError(
            f"durations: {int(bad.sum())} values are missing or negative ({describe_rows(np.flatnonzero(bad) + 1)}; "
            "1-based positions). A lifetime is end (or as-of date) minus start, >= 0."
        )
    if obs.dtype != bool:
        ok = pd.Series(obs).isin([0, 1, True, False]).to_numpy()
        if not ok.all():
            raise KpiDataError(
                f"observed must be booleans (True = churned, False = still active); "
                f"{describe_rows(np.flatnonzero(~ok) + 1)} are not."
            )
        obs = obs.astype(bool)
    groups = np.zeros(t.size, dtype=object) if by is None else np.asarray(by, dtype=object)
    if groups.shape != t.shape:
        raise KpiDataError("by must have one label per duration.")
    if by is None:
        groups[:] = "all"
    return t, obs, groups


def _km_group(g, tg: np.ndarray, og: np.ndarray, level: float, method: str) -> tuple[pd.DataFrame, dict]:
    """The curve (from time 0) and the median row of one group."""
    if og.any():
        data = _st.CensoredData.right_censored(tg, ~og)
        res = _st.ecdf(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = res.sf.confidence_interval(confidence_level=level, method=method)
        times = res.sf.quantiles
        surv = res.sf.probabilities
        low, high = ci.low.probabilities, ci.high.probabilities
        # where the band is undefined (S = 0 after the last event, or log-log at S = 1) use the
        # natural bounds
        low = np.where(np.isnan(low), np.where(surv <= 0, 0.0, np.where(surv >= 1, 1.0, np.nan)), low)
        high = np.where(np.isnan(high), np.where(surv <= 0, 0.0, 1.0), high)
    else:
        times = np.unique(tg)
        surv = np.ones(times.size)
        low, high = np.full(times.size, np.nan), np.ones(times.size)
    at_risk = (tg[None, :] >= times[:, None]).sum(axis=1)
    events = ((tg[None, :] == times[:, None]) & og[None, :]).sum(axis=1)
    curve = pd.DataFrame(
        {
            "group": g,
            "time": np.r_[0.0, times],
            "survival": np.r_[1.0, surv],
            "ci_low": np.r_[1.0, low],
            "ci_high": np.r_[1.0, high],
            "at_risk": np.r_[tg.size, at_risk],
            "events": np.r_[0, events],
        }
    )
    median = {
        "group": g,
        "customers": int(tg.size),
        "events": int(og.sum()),
        "censored": int((~og).sum()),
        "median": _first_below(times, surv),
        # the lower band reaches 0.5 first (lower limit), the upper band last (upper limit)
        "median_low": _first_below(times, np.nan_to_num(low, nan=1.0)),
        "median_high": _first_below(times, np.nan_to_num(high, nan=1.0)),
    }
    return curve, median
