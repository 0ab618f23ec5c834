"""Ordered event funnels: who reached each step, in order, within the conversion window.

:func:`ordered_funnel` counts users (or attempts) per step with Wilson intervals on the step
conversions and the time taken between steps; :func:`funnel_attempts` lists the counted attempts behind
it. Finding the attempts is the job of :mod:`kpikit.funnel.attempts`; the matching rules (order modes,
ties, re-entry, exclusions) are described in the package docstring of :mod:`kpikit.funnel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.engine.tables import backend_name, resolve
from kpikit.errors import KpiDataError
from kpikit.funnel.attempts import _attempts, _check_modes, _codes, _count_totals, _window_ns
from kpikit.funnel.steps import CountMode, OrderMode, StepSpec, _parse_exclusions, _parse_steps, _Step
from kpikit.io.lazy import collect
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
    engine: Literal["auto", "pandas", "duckdb"] = "auto",
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
    engine : {"auto", "pandas", "duckdb"}
        Where the attempts are found (see :func:`ordered_funnel`). With lazy events and
        ``count="users"`` the result is an Ibis table (one row per user: collect it, or filter it
        first); with ``count="totals"`` a DataFrame.

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
    kind, events = resolve(events, engine, "events", "events")
    if kind == "ibis":
        spec = _lazy_spec(steps, window, order, count, exclude)
        return _lazy_attempts_frame(events, spec, count, hold_constant, by, user_col, time_col, event_col, start, end)
    out, parsed = _attempts(
        events, steps, window, order, count, hold_constant, exclude, by, user_col, time_col, event_col, start, end
    )
    return _attempts_frame(out, parsed, by, user_col)


def _attempts_frame(out: dict, parsed: list[_Step], by: str | None, user_col: str) -> pd.DataFrame:
    """The frame of :func:`funnel_attempts` from the counted attempts."""
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
    engine: Literal["auto", "pandas", "duckdb"] = "auto",
) -> pd.DataFrame:
    """Ordered event funnel: how many users reach each step, with conversion intervals.

    A user reaches step k when they did steps 1..k in order, each at or after the previous one,
    step k no later than ``window`` after step 1 (see the notes of :mod:`kpikit.funnel` for ties and re-entry).

    conversion_from_start(k) = n_k / n_1; conversion_from_previous(k) = n_k / n_{k-1}; both with
    Wilson intervals. drop_off(k) = n_{k-1} - n_k (people lost at step k).

    The events may be a DataFrame, a path or glob of Parquet, CSV or JSON files (opened lazily by
    DuckDB), or any Ibis table (DuckDB, PySpark, BigQuery, ...): the attempts are then found in the
    backend (:mod:`kpikit.funnel.lazy`) and the same table comes back.

    Parameters
    ----------
    events : DataFrame, path or Ibis table
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
    engine : {"auto", "pandas", "duckdb"}
        "auto": a DataFrame in pandas, files and Ibis tables where they live; "duckdb": a DataFrame
        read in place by DuckDB (faster on millions of events); "pandas": everything in memory.

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
    kind, events = resolve(events, engine, "events", "events")
    if kind == "ibis":
        spec = _lazy_spec(steps, window, order, count, exclude)
        return _lazy_funnel(events, spec, count, hold_constant, by, user_col, time_col, event_col, start, end, level)
    out, parsed = _attempts(
        events, steps, window, order, count, hold_constant, exclude, by, user_col, time_col, event_col, start, end
    )
    return _summarise(out, parsed, by, count, level)


def _summarise(out: dict, parsed: list[_Step], by: str | None, count: str, level: float) -> pd.DataFrame:
    """The funnel table of the counted attempts ``out`` (user, by value, depth, step times)."""
    k_steps = len(parsed)
    depth = out["depth"]
    times = out["times"]
    if by:
        seg_codes, seg_uniques = _codes(out["by"])
    else:
        seg_codes = np.zeros(depth.size, dtype=np.int64)
        seg_uniques = np.array([None], dtype=object)
    n_seg = seg_uniques.size
    counts = np.zeros((n_seg, k_steps), dtype=np.int64)
    for j in range(k_steps):
        counts[:, j] = np.bincount(seg_codes, weights=(depth > j), minlength=n_seg).astype(np.int64)
    deltas = []
    for j in range(1, k_steps):
        reached = depth > j
        d = (times[reached, j] - times[reached, j - 1]).astype(np.float64)
        deltas.append(pd.DataFrame({"seg": seg_codes[reached], "step": j + 1, "d": d}))
    if deltas:
        dd = pd.concat(deltas, ignore_index=True)
        q = dd.groupby(["seg", "step"])["d"].quantile([0.5, 0.75, 0.9]).unstack()
    else:
        q = pd.DataFrame(columns=[0.5, 0.75, 0.9])
    return _funnel_frame(seg_uniques, counts, q, parsed, by, count, level)


def _funnel_frame(
    seg_uniques: np.ndarray, counts: np.ndarray, q: pd.DataFrame, parsed: list[_Step], by: str | None, count: str,
    level: float,
) -> pd.DataFrame:  # fmt: skip
    """The funnel table from its sums: per segment and step the count, and the quantiles of the step times.

    ``counts[s, j]`` counts the attempts of segment ``s`` reaching step ``j + 1``; ``q`` holds the
    0.5, 0.75 and 0.9 quantiles of the time from the previous step (nanoseconds), indexed by
    (segment, step). Shared by the pandas path and the lazy one (:mod:`kpikit.funnel.lazy`).
    """
    k_steps = len(parsed)
    count_col = "users" if count == "users" else "attempts"
    # segments by their text, a missing value last
    keys = [(bool(pd.isna(v)), str(v)) for v in seg_uniques]
    order_seg = np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64) if by else np.array([0])
    rows = []
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


def _lazy_spec(steps, window, order: str, count: str, exclude) -> tuple:
    """The checked specification of a lazy funnel: parsed steps, exclusions, window in ns, order."""
    parsed = _parse_steps(steps)
    _check_modes(parsed, order, count)
    excl = _parse_exclusions(exclude, len(parsed))
    if len(parsed) > 62:
        raise KpiDataError(f"A funnel on a lazy table has at most 62 steps (got {len(parsed)}).")
    return parsed, excl, _window_ns(window), order


def _lazy_funnel(events, spec, count, hold, by, user_col, time_col, event_col, start, end, level) -> pd.DataFrame:
    """:func:`ordered_funnel` of an Ibis table: attempts and sums in the backend, the table in pandas."""
    from kpikit.funnel import lazy

    parsed, excl, w, order = spec
    att = lazy.attempts(events, parsed, excl, w, order, hold, by, user_col, time_col, event_col, start, end)
    if count == "totals":
        return _summarise(_totals(att, len(parsed)), parsed, by, count, level)
    counted = lazy.counted_users(att, by=bool(by))
    counts, quantiles = lazy.summary(counted, len(parsed), bool(by), backend_name(events))
    seg, mat, q = lazy.funnel_sums(counts, quantiles, len(parsed), bool(by))
    return _funnel_frame(seg, mat, q, parsed, by, count, level)


def _lazy_attempts_frame(events, spec, count, hold, by, user_col, time_col, event_col, start, end):
    """:func:`funnel_attempts` of an Ibis table: a lazy table of users' attempts, or the chained totals."""
    from kpikit.funnel import lazy

    parsed, excl, w, order = spec
    att = lazy.attempts(events, parsed, excl, w, order, hold, by, user_col, time_col, event_col, start, end)
    if count == "totals":
        return _attempts_frame(_totals(att, len(parsed)), parsed, by, user_col)
    counted = lazy.counted_users(att, by=bool(by))
    cols = {user_col: counted._user}
    if by:
        cols[by] = counted._by
    cols["steps_reached"] = counted._depth
    for j in range(len(parsed)):
        cols[f"step_{j + 1}_at"] = counted[f"_t{j}"]
    return counted.select(**cols)


def _totals(att, k: int) -> dict:
    """``count="totals"``: the attempts fetched (one row each) and chained as on the pandas path."""
    cols = ["_user", "_depth", "_deadline", "_void"] + [f"_n{j}" for j in range(k)]
    cols += [c for c in ("_hold", "_by", "_r") if c in att.columns]
    a = collect(att.select(*cols))
    group = ["_user", "_hold"] if "_hold" in a.columns else ["_user"]
    a = a.sort_values([*group, "_n0", *(["_r"] if "_r" in a.columns else [])], kind="stable").reset_index(drop=True)
    g_codes = a.groupby(group, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)
    times = a[[f"_n{j}" for j in range(k)]].to_numpy(dtype=float)
    times = np.where(np.isnan(times), np.iinfo(np.int64).min, times).astype(np.int64)
    depth = a["_depth"].to_numpy(dtype=np.int64)
    sel = _count_totals(
        g_codes, times[:, 0], depth, times, a["_deadline"].to_numpy(dtype=np.int64),
        a["_void"].to_numpy(dtype=bool), k,
    )  # fmt: skip
    by_values = a["_by"].to_numpy(dtype=object)[sel] if "_by" in a.columns else np.full(sel.size, None, dtype=object)
    return {"user": a["_user"].to_numpy(dtype=object)[sel], "by": by_values, "depth": depth[sel], "times": times[sel]}
