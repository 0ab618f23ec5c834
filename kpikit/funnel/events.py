"""Ordered event funnels: who reached each step, in order, within the conversion window.

:func:`ordered_funnel` counts users (or attempts) per step with Wilson intervals on the step
conversions and the time taken between steps; :func:`funnel_attempts` lists the counted attempts behind
it. Finding the attempts is the job of :mod:`kpikit.funnel.attempts`; the matching rules (order modes,
ties, re-entry, exclusions) are described in the package docstring of :mod:`kpikit.funnel`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.funnel.attempts import _attempts, _codes
from kpikit.funnel.steps import CountMode, OrderMode, StepSpec, _Step
from kpikit.stats import is_small_sample, proportion_ci

__all__ = ["ordered_funnel", "funnel_attempts"]


def funnel_attempts(
    events: pd.DataFrame,
    steps: Sequence[StepSpec],
    window: str | pd.Timedelta | None = "7D",
    order: OrderMode = "this",
    count: CountMode = "users",
    hold_constant: str | None = None,
    exclude: Sequence[tuple[StepSpec, int, int]] | None = None,
    by: str | None = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The counted attempts behind :func:`ordered_funnel`, one row each.

    Use it for the times between steps of each converting user (time-to-convert charts) or to look at
    the individual journeys behind a step count.

    Parameters
    ----------
    events : DataFrame
        Canonical ``events`` table: one row per event with user, timestamp (tz-naive UTC) and name.
    steps : list
        Event names, or (event, {property: value}) pairs; a list value means "any of".
    window : str or Timedelta or None
        Conversion window from step 1 (default "7D"); None: no limit.
    order : {"this", "strict", "any"}
        How the steps must follow each other (see :func:`ordered_funnel`).
    count : {"users", "totals"}
        One row per user at their furthest attempt (default), or one per counted attempt.
    hold_constant : str, optional
        Property that must keep the value of step 1 on every step.
    exclude : list of (step, from_step, to_step), optional
        Exclusion steps that void an attempt (1-based step numbers).
    by : str, optional
        Breakdown property, taken from each attempt's step-1 event.
    user_col, time_col, event_col : str
        Column names.
    start, end : str or Timestamp, optional
        Only attempts whose step 1 falls in [start, end).

    Returns
    -------
    DataFrame
        Columns ``user_id`` (named after ``user_col``), the ``by`` column when given, ``steps_reached``
        (1..number of steps) and ``step_1_at`` ... ``step_K_at`` (NaT where not reached). With
        ``count="users"``, one row per user (per ``by`` value); with ``"totals"``, one per attempt.
        For ``order="any"``, ``step_k_at`` is when the attempt had done k steps.

    Examples
    --------
    >>> ev = pd.DataFrame({"user_id": ["u1", "u1"], "event": ["view_item", "purchase"],
    ...     "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-02 10:00"])})
    >>> funnel_attempts(ev, ["view_item", "purchase"])["steps_reached"].tolist()
    [2]
    """
    out, parsed = _attempts(
        events, steps, window, order, count, hold_constant, exclude, by, user_col, time_col, event_col, start, end
    )
    frame = {user_col: out["user"]}
    if by:
        frame[by] = out["by"]
    frame["steps_reached"] = out["depth"]
    t = out["times"]
    for j in range(len(parsed)):
        col = t[:, j].astype("datetime64[ns]")
        col[out["depth"] <= j] = np.datetime64("NaT")
        frame[f"step_{j + 1}_at"] = col
    return pd.DataFrame(frame)


def ordered_funnel(
    events: pd.DataFrame,
    steps: Sequence[StepSpec],
    window: str | pd.Timedelta | None = "7D",
    order: OrderMode = "this",
    count: CountMode = "users",
    hold_constant: str | None = None,
    exclude: Sequence[tuple[StepSpec, int, int]] | None = None,
    by: str | None = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Ordered event funnel: how many users reach each step, with conversion intervals.

    A user reaches step k when they did steps 1..k in order, each at or after the previous one,
    step k no later than ``window`` after step 1 (see the notes of :mod:`kpikit.funnel` for ties and re-entry).

    conversion_from_start(k) = n_k / n_1; conversion_from_previous(k) = n_k / n_{k-1}; both with
    Wilson intervals. drop_off(k) = n_{k-1} - n_k (people lost at step k).

    Parameters
    ----------
    events : DataFrame
        Canonical ``events`` table: one row per event with user, timestamp (tz-naive UTC) and name.
    steps : list
        Event names, or (event, {property: value}) pairs; a list value means "any of".
    window : str or Timedelta or None
        Conversion window from step 1 ("7D" default, as Mixpanel and Amplitude); a step exactly at
        the window edge counts. None: no limit.
    order : {"this", "strict", "any"}
        "this": other events may come between steps (default). "strict": each step is the user's
        very next event. "any": steps 2..k in any order after step 1, within the window.
    count : {"users", "totals"}
        Unique users at their furthest attempt (default), or every attempt (re-entries count
        after a completed or expired attempt); the count column is then ``attempts``.
    hold_constant : str, optional
        Property that must keep the value of step 1 on every step (e.g. "device"): steps on another
        device belong to another attempt. Missing values count as one value.
    exclude : list of (step, from_step, to_step), optional
        An attempt is voided (it does not count) when the exclusion event happens strictly between
        its step ``from_step`` and step ``to_step``, or, if it never reached ``to_step``, after
        ``from_step`` and within the window. Steps are 1-based. Other attempts of the user still count.
    by : str, optional
        Breakdown property, taken from each attempt's step-1 event. A user with attempts in two
        segments is counted in both.
    user_col, time_col, event_col : str
        Column names.
    start, end : str or Timestamp, optional
        Only attempts whose step 1 falls in [start, end); later steps may fall after ``end``.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per step (and per ``by`` value): [by], step, step_name, users (or attempts),
        conversion_from_start (+ _low, _high), conversion_from_previous (+ _low, _high), drop_off,
        drop_off_rate, small_sample, median_time_from_previous, p75_time_from_previous,
        p90_time_from_previous (Timedelta; NaT at step 1).

    References
    ----------
    Mixpanel, "Funnels: conversion criteria" (conversion window, ordering, exclusion steps, hold
    property constant); Amplitude, "Funnel Analysis: conversion settings"; Google Analytics 4,
    "Funnel exploration" (open/closed and directly-followed steps).

    Examples
    --------
    >>> ev = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "event": ["view_item", "purchase", "view_item"],
    ...     "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-02 10:00", "2025-01-01 11:00"])})
    >>> ordered_funnel(ev, ["view_item", "purchase"])[["step_name", "users"]].values.tolist()
    [['view_item', 2], ['purchase', 1]]
    """
    out, parsed = _attempts(
        events, steps, window, order, count, hold_constant, exclude, by, user_col, time_col, event_col, start, end
    )
    return _summarise(out, parsed, by, count, level)


def _summarise(out: dict, parsed: list[_Step], by: str | None, count: str, level: float) -> pd.DataFrame:
    k_steps = len(parsed)
    count_col = "users" if count == "users" else "attempts"
    depth = out["depth"]
    times = out["times"]
    if by:
        seg_codes, seg_uniques = _codes(out["by"])
        order_seg = np.argsort(pd.Series(seg_uniques, dtype=object).astype(str).to_numpy(), kind="stable")
    else:
        seg_codes = np.zeros(depth.size, dtype=np.int64)
        seg_uniques = np.array([None], dtype=object)
        order_seg = np.array([0])
    n_seg = seg_uniques.size
    counts = np.zeros((n_seg, k_steps), dtype=np.int64)
    for j in range(k_steps):
        counts[:, j] = np.bincount(seg_codes, weights=(depth > j), minlength=n_seg).astype(np.int64)
    rows = []
    deltas = []
    for j in range(k_steps):
        reached = depth > j
        if j > 0:
            d = (times[reached, j] - times[reached, j - 1]).astype(np.float64)
            deltas.append(pd.DataFrame({"seg": seg_codes[reached], "step": j + 1, "d": d}))
    if deltas:
        dd = pd.concat(deltas, ignore_index=True)
        q = dd.groupby(["seg", "step"])["d"].quantile([0.5, 0.75, 0.9]).unstack()
    else:
        q = pd.DataFrame(columns=[0.5, 0.75, 0.9])
    for s in order_seg:
        for j in range(k_steps):
            row = {}
            if by:
                row[by] = seg_uniques[s]
            row["step"] = j + 1
            row["step_name"] = parsed[j].label
            row[count_col] = int(counts[s, j])
            row["_first"] = int(counts[s, 0])
            row["_prev"] = int(counts[s, j - 1]) if j else int(counts[s, 0])
            qq = q.loc[(s, j + 1)] if (s, j + 1) in q.index else None
            for name, p in (("median", 0.5), ("p75", 0.75), ("p90", 0.9)):
                v = np.nan if qq is None else qq[p]
                row[f"{name}_time_from_previous"] = pd.NaT if pd.isna(v) else pd.Timedelta(int(round(v)), unit="ns")
            rows.append(row)
    f = pd.DataFrame(rows)
    if f.empty:
        cols = ([by] if by else []) + ["step", "step_name", count_col]
        f = pd.DataFrame({c: pd.Series(dtype="int64") for c in cols + ["_first", "_prev"]})
        for name in ("median", "p75", "p90"):
            f[f"{name}_time_from_previous"] = pd.Series(dtype="timedelta64[ns]")
    k = f[count_col].to_numpy(dtype=float)
    npv = f["_prev"].to_numpy(dtype=float)
    _add_conversion(f, "conversion_from_start", k, f["_first"].to_numpy(dtype=float), level)
    _add_conversion(f, "conversion_from_previous", k, npv, level)
    f["drop_off"] = (npv - k).astype(np.int64)
    f["drop_off_rate"] = 1 - f["conversion_from_previous"]
    f["small_sample"] = is_small_sample(k, npv)
    cols = ([by] if by else []) + [
        "step",
        "step_name",
        count_col,
        "conversion_from_start",
        "conversion_from_start_low",
        "conversion_from_start_high",
        "conversion_from_previous",
        "conversion_from_previous_low",
        "conversion_from_previous_high",
        "drop_off",
        "drop_off_rate",
        "small_sample",
        "median_time_from_previous",
        "p75_time_from_previous",
        "p90_time_from_previous",
    ]
    return f[cols].reset_index(drop=True)


def _add_conversion(frame: pd.DataFrame, name: str, k: np.ndarray, n: np.ndarray, level: float) -> None:
    """Add ``name`` = k / n (NaN where n is 0) and its Wilson interval ``name_low``, ``name_high``, in place.

    The step conversion of every funnel table (event funnels and CRM stage funnels).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        frame[name] = np.where(n > 0, k / n, np.nan)
    lo, hi = proportion_ci(k, n, level)
    frame[f"{name}_low"], frame[f"{name}_high"] = lo, hi
