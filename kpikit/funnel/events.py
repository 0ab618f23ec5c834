"""Ordered event funnels: who reached each step, in order, within the window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import require_columns
from kpikit.stats import (
    is_small_sample,
    proportion_ci,
)

__all__ = ['ordered_funnel', 'funnel_attempts', 'step_label', 'StepSpec', 'OrderMode', 'CountMode']


StepSpec = str | tuple[str, Mapping[str, Any]]


OrderMode = Literal["this", "strict", "any"]


CountMode = Literal["users", "totals"]


_NS = np.int64


@dataclass(frozen=True)
class _Step:
    event: str
    filters: tuple[tuple[str, Any], ...]
    label: str


def step_label(step: StepSpec) -> str:
    """Readable name of a funnel step: ``"add_to_cart"`` or ``"page_view[page=/pricing]"``."""
    return _parse_step(step, 0).label


def _parse_step(step: Any, i: int) -> _Step:
    if isinstance(step, str):
        return _Step(step, (), step)
    if isinstance(step, (tuple, list)) and len(step) == 2 and isinstance(step[0], str) and isinstance(step[1], Mapping):
        filters = tuple(sorted((str(k), v) for k, v in step[1].items()))
        desc = ", ".join(f"{k}={'|'.join(map(str, v)) if isinstance(v, (list, tuple, set)) else v}" for k, v in filters)
        return _Step(step[0], filters, f"{step[0]}[{desc}]" if desc else step[0])
    raise KpiDataError(
        f"Funnel step {i + 1} is {step!r}; a step is an event name (\"add_to_cart\") or an "
        "(event, {property: value}) pair such as (\"page_view\", {\"page\": \"/pricing\"})."
    )


def _parse_steps(steps: Sequence[StepSpec], min_steps: int = 1) -> list[_Step]:
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence):
        raise KpiDataError(f"steps must be a list of steps, e.g. ['view_item', 'purchase'] (got {steps!r}).")
    parsed = [_parse_step(s, i) for i, s in enumerate(steps)]
    if len(parsed) < min_steps:
        raise KpiDataError(f"A funnel needs at least {min_steps} step(s) (got {len(parsed)}).")
    return parsed


def _require(frame: pd.DataFrame, cols: Sequence[str], table: str) -> None:
    require_columns(frame, cols, table, fix="Map the client's names onto the canonical ones with "
                    "kk.read_table(..., columns={...}) or pass the column name as a keyword argument.")


def _timestamps_ns(frame: pd.DataFrame, col: str, table: str) -> np.ndarray:
    s = frame[col]
    if not pd.api.types.is_datetime64_dtype(s.dtype):
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            raise KpiDataError(
                f"{table}, column '{col}': timestamps carry a time zone ({s.dtype.tz}); kpikit expects "
                "tz-naive UTC. Read the table with kk.read_table (it converts to UTC) or use "
                "s.dt.tz_convert('UTC').dt.tz_localize(None)."
            )
        raise KpiDataError(
            f"{table}, column '{col}': expected datetimes, got {s.dtype}. Read the table with "
            "kk.read_table, or convert with pd.to_datetime."
        )
    bad = np.flatnonzero(s.isna().to_numpy())
    if bad.size:
        raise KpiDataError(
            f"{table}, column '{col}': {bad.size} rows have no timestamp "
            f"({describe_rows((bad + 1).tolist())}, 1-based positions). Fix the export or drop these rows "
            "explicitly before building the funnel."
        )
    return s.to_numpy(dtype="datetime64[ns]").view(_NS)


def _window_ns(window) -> int | None:
    if window is None:
        return None
    try:
        w = pd.Timedelta(window)
    except (ValueError, TypeError):
        raise KpiDataError(f"window must be a duration such as '7D', '30min' or '1h' (got {window!r}).") from None
    if w < pd.Timedelta(0) or pd.isna(w):
        raise KpiDataError(f"window must be a positive duration (got {window!r}).")
    return int(w.value)


def _step_mask(frame: pd.DataFrame, ev_codes: np.ndarray, lookup: Mapping[Any, int], step: _Step, table: str) -> np.ndarray:
    code = lookup.get(step.event)
    m = ev_codes == code if code is not None else np.zeros(ev_codes.size, dtype=bool)
    for col, val in step.filters:
        if col not in frame.columns:
            raise KpiDataError(
                f"{table}: step {step.label!r} filters on column '{col}', which the table does not have."
            )
        vals = frame[col]
        if isinstance(val, (list, tuple, set, frozenset)):
            m = m & vals.isin(list(val)).to_numpy(dtype=bool, na_value=False)
        else:
            m = m & (vals == val).to_numpy(dtype=bool, na_value=False)
    return m


def _sort_key(grp: np.ndarray, ts: np.ndarray, rank: np.ndarray, k_steps: int) -> np.ndarray:
    """One int64 key ordering rows by (group, timestamp, step rank), so that a single argsort
    replaces a multi-key sort. Timestamps are divided by their common step (e.g. whole seconds) or,
    when the packed key would not fit in 63 bits, replaced by their dense rank."""
    if ts.size == 0:
        return np.zeros(0, dtype=np.int64)
    d = ts - ts.min()
    step = int(np.gcd.reduce(d)) or 1
    d = d // step
    span = int(d.max()) + 1
    n_grp = int(grp.max()) + 1
    if n_grp * span * (k_steps + 1) >= 2**62:
        _, d = np.unique(ts, return_inverse=True)
        span = int(d.max()) + 1
    return (grp * span + d) * (k_steps + 1) + rank


def _codes(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def _next_after(sorted_group: np.ndarray, sorted_time: np.ndarray, q_group: np.ndarray, q_time: np.ndarray) -> np.ndarray:
    """Index of the first element with the same group and time strictly after ``q_time``, or -1.

    ``sorted_group``/``sorted_time`` are sorted by (group, time). Exact on int64 nanoseconds: the
    times are replaced by their joint dense rank so that (group, rank) packs into one int64 key.
    """
    if sorted_group.size == 0 or q_group.size == 0:
        return np.full(q_group.size, -1, dtype=np.int64)
    both = np.concatenate([sorted_time, q_time])
    _, inv = np.unique(both, return_inverse=True)
    span = np.int64(inv.max() + 1)
    key_s = sorted_group * span + inv[: sorted_time.size]
    key_q = q_group * span + inv[sorted_time.size:]
    i = np.searchsorted(key_s, key_q, side="right")
    ok = i < key_s.size
    i_c = np.minimum(i, key_s.size - 1)
    ok &= sorted_group[i_c] == q_group
    return np.where(ok, i_c, -1)


def _parse_exclusions(exclude, n_steps: int) -> list[tuple[_Step, int, int]]:
    if exclude is None:
        return []
    if isinstance(exclude, tuple) and len(exclude) == 3 and isinstance(exclude[1], (int, np.integer)):
        exclude = [exclude]
    out = []
    for spec in exclude:
        if isinstance(spec, (str, Mapping)) or not (isinstance(spec, (tuple, list)) and len(spec) == 3):
            raise KpiDataError(
                f"exclude entries are (event, from_step, to_step) triples with 1-based step numbers, e.g. "
                f"('remove_from_cart', 3, 4) (got {spec!r})."
            )
        ev, a, b = spec
        if not (isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)) and 1 <= a < b <= n_steps):
            raise KpiDataError(
                f"exclude {spec!r}: the steps must satisfy 1 <= from_step < to_step <= {n_steps}."
            )
        out.append((_parse_step(ev, 0), int(a), int(b)))
    return out


def _attempts(
    events: pd.DataFrame,
    steps: Sequence[StepSpec],
    window,
    order: str,
    count: str,
    hold_constant: str | None,
    exclude,
    by: str | None,
    user_col: str,
    time_col: str,
    event_col: str,
    start,
    end,
) -> tuple[dict, list[_Step]]:
    parsed = _parse_steps(steps)
    k_steps = len(parsed)
    if order not in ("this", "strict", "any"):
        raise KpiDataError(f"order must be 'this', 'strict' or 'any' (got {order!r}).")
    if count not in ("users", "totals"):
        raise KpiDataError(f"count must be 'users' or 'totals' (got {count!r}).")
    if order == "any" and len({(s.event, s.filters) for s in parsed}) < k_steps:
        raise KpiDataError(
            "order='any' needs distinct steps (the same step twice cannot be told apart without an "
            "order); use order='this' for repeated steps."
        )
    cols = [user_col, time_col, event_col] + [c for c in (hold_constant, by) if c]
    _require(events, cols, "events")
    w = _window_ns(window)
    ts_all = _timestamps_ns(events, time_col, "events")
    users_all = events[user_col]
    bad = np.flatnonzero(users_all.isna().to_numpy())
    if bad.size:
        raise KpiDataError(
            f"events, column '{user_col}': {bad.size} rows have no user id ({describe_rows((bad + 1).tolist())}). "
            "Drop or fill them explicitly (consent-denied GA4 events have no user_pseudo_id)."
        )
    ev_codes, ev_uniques = pd.factorize(events[event_col])
    lookup = {v: i for i, v in enumerate(ev_uniques)}
    masks = [_step_mask(events, ev_codes, lookup, s, "events") for s in parsed]
    excl = _parse_exclusions(exclude, k_steps)
    excl_masks = [_step_mask(events, ev_codes, lookup, e, "events") for e, _, _ in excl]
    if k_steps > 64:
        raise KpiDataError(f"A funnel has at most 64 steps (got {k_steps}).")
    # each row's steps as a bit field, and its rank (lowest step it matches; k_steps for none)
    bdt = np.uint8 if k_steps <= 8 else np.uint16 if k_steps <= 16 else np.uint32 if k_steps <= 32 else np.uint64
    bits = np.zeros(len(events), dtype=bdt)
    rank_all = np.full(len(events), k_steps, dtype=np.int64)
    for j in reversed(range(k_steps)):
        bits |= masks[j].astype(bdt) << bdt(j)
        rank_all[masks[j]] = j
    del masks
    any_step = bits != 0
    if order == "strict":
        keep = np.ones(len(events), dtype=bool)
    else:
        keep = any_step.copy()
        for m in excl_masks:
            keep |= m
    idx = np.flatnonzero(keep)
    rank = rank_all[idx]
    ts = ts_all[idx]
    u_codes, u_uniques = _codes(users_all.to_numpy()[idx] if idx.size < len(events) else users_all.to_numpy())
    if hold_constant:
        h_codes, _ = _codes(events[hold_constant].to_numpy()[idx])
        grp = u_codes * (h_codes.max() + 1 if h_codes.size else 1) + h_codes
    else:
        grp = u_codes
    srt = np.argsort(_sort_key(grp, ts, rank, k_steps), kind="stable")
    grp, ts, u_codes = grp[srt], ts[srt], u_codes[srt]
    orig = idx[srt]
    s_bits = bits[orig]
    del rank, rank_all, idx, srt

    def in_step(j: int, at=None) -> np.ndarray:
        b = s_bits if at is None else s_bits[at]
        return ((b >> bdt(j)) & bdt(1)).astype(bool)

    # anchors: step-1 events (optionally only those inside [start, end))
    anchor = in_step(0)
    if start is not None:
        anchor &= ts >= pd.Timestamp(start).value
    if end is not None:
        anchor &= ts < pd.Timestamp(end).value
    A = np.flatnonzero(anchor)
    n_a = A.size
    t1 = ts[A]
    deadline = t1 + w if w is not None else np.full(n_a, np.iinfo(np.int64).max)
    times = np.full((n_a, k_steps), np.iinfo(np.int64).min, dtype=np.int64, order="F")  # column-wise writes
    times[:, 0] = t1
    gA = grp[A]
    depth = np.ones(n_a, dtype=np.int64)
    alive = np.ones(n_a, dtype=bool)
    cur = A.copy()
    n = ts.size
    for j in range(1, k_steps):
        if order == "strict":
            nxt = cur + 1
            inb = nxt < n
            nxt_c = np.minimum(nxt, n - 1)
            ok = alive & inb & in_step(j, nxt_c)
        else:
            pj = np.flatnonzero(in_step(j))
            src = A if order == "any" else cur
            i = np.searchsorted(pj, src, side="right")
            ok = alive & (i < pj.size)
            nxt_c = pj[np.minimum(i, max(pj.size - 1, 0))] if pj.size else np.zeros(n_a, dtype=np.int64)
        ok &= grp[nxt_c] == gA
        t_next = ts[nxt_c]
        ok &= t_next <= deadline
        times[ok, j] = t_next[ok]
        depth += ok
        cur = np.where(ok, nxt_c, cur)
        alive = ok
    if order == "any":
        # the attempt reaches k steps when the last of steps 1..k happened
        reached = times > np.iinfo(np.int64).min
        times = np.where(reached, np.maximum.accumulate(np.where(reached, times, 0), axis=1), times)

    # exclusions void an attempt
    voided = np.zeros(n_a, dtype=bool)
    for (_, a, b), em in zip(excl, excl_masks):
        E = np.flatnonzero(em[orig])
        if E.size == 0:
            continue
        has_a = depth >= a
        q = np.flatnonzero(has_a)
        nxt = _next_after(grp[E], ts[E], grp[A[q]], times[q, a - 1])
        found = nxt >= 0
        te = ts[E[np.maximum(nxt, 0)]]
        upper = np.where(depth[q] >= b, times[q, b - 1], deadline[q])
        inside = found & np.where(depth[q] >= b, te < upper, te <= upper)
        voided[q[inside]] = True

    by_codes = None
    by_uniques = np.array([None], dtype=object)
    if by:
        by_codes_all, by_uniques = _codes(events[by].to_numpy()[orig[A]])
        by_codes = by_codes_all
    else:
        by_codes = np.zeros(n_a, dtype=np.int64)

    if count == "users":
        ok = ~voided
        r = u_codes[A] * (by_codes.max() + 1 if by_codes.size else 1) + by_codes
        cand = np.flatnonzero(ok)
        o = np.lexsort((cand, -depth[cand], r[cand]))
        c_sorted = cand[o]
        r_sorted = r[c_sorted]
        first = np.ones(c_sorted.size, dtype=bool)
        first[1:] = r_sorted[1:] != r_sorted[:-1]
        sel = c_sorted[first]
    else:
        # attempt chains: the next attempt opens after the previous completed or expired
        end_t = np.where(depth == k_steps, times[:, k_steps - 1], deadline)
        nxt = _next_after(gA, t1, gA, end_t)
        is_root = np.ones(n_a, dtype=bool)
        is_root[1:] = gA[1:] != gA[:-1]
        counted = np.zeros(n_a, dtype=bool)
        frontier = np.flatnonzero(is_root)
        while frontier.size:
            counted[frontier] = True
            f = nxt[frontier]
            frontier = f[f >= 0]
        sel = np.flatnonzero(counted & ~voided)
        sel.sort()
    out = {
        "user": u_uniques[u_codes[A[sel]]],
        "by": by_uniques[by_codes[sel]],
        "depth": depth[sel],
        "times": times[sel],
    }
    return out, parsed


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
    start=None,
    end=None,
) -> pd.DataFrame:
    """The counted attempts behind :func:`ordered_funnel`, one row each.

    Parameters are those of :func:`ordered_funnel`.

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
    out, parsed = _attempts(events, steps, window, order, count, hold_constant, exclude, by,
                            user_col, time_col, event_col, start, end)
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
    start=None,
    end=None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Ordered event funnel: how many users reach each step, with conversion intervals.

    A user reaches step k when they did steps 1..k in order, each at or after the previous one,
    step k no later than ``window`` after step 1 (see the module notes for ties and re-entry).

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
    start, end : timestamp-like, optional
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
    out, parsed = _attempts(events, steps, window, order, count, hold_constant, exclude, by,
                            user_col, time_col, event_col, start, end)
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
    n1 = f["_first"].to_numpy(dtype=float)
    npv = f["_prev"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f["conversion_from_start"] = np.where(n1 > 0, k / n1, np.nan)
        lo, hi = proportion_ci(k, n1, level)
        f["conversion_from_start_low"], f["conversion_from_start_high"] = lo, hi
        f["conversion_from_previous"] = np.where(npv > 0, k / npv, np.nan)
        lo, hi = proportion_ci(k, npv, level)
        f["conversion_from_previous_low"], f["conversion_from_previous_high"] = lo, hi
    f["drop_off"] = (npv - k).astype(np.int64)
    f["drop_off_rate"] = 1 - f["conversion_from_previous"]
    f["small_sample"] = is_small_sample(k, npv)
    cols = ([by] if by else []) + [
        "step", "step_name", count_col,
        "conversion_from_start", "conversion_from_start_low", "conversion_from_start_high",
        "conversion_from_previous", "conversion_from_previous_low", "conversion_from_previous_high",
        "drop_off", "drop_off_rate", "small_sample",
        "median_time_from_previous", "p75_time_from_previous", "p90_time_from_previous",
    ]
    return f[cols].reset_index(drop=True)
