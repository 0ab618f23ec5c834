"""Funnels: ordered event funnels, CRM stage funnels, the social journey and landing-page tests.

Event funnel semantics (``ordered_funnel``)
-------------------------------------------
An *attempt* opens at an event of step 1 (the anchor). From it, the attempt reaches step k when the
user did steps 1..k in order, each at or after the previous one, with step k no later than ``window``
after the anchor (a step exactly at the window edge counts). kpikit follows each attempt along the
earliest matching events (for ordered matching this is optimal: choosing an earlier event for a
step never prevents a later step). Events are ordered by user, timestamp and, among events with the
same timestamp, by funnel step (GA4 writes ``session_start`` and the first ``page_view`` with one
timestamp), then by their order in the input. One event fills at most one step of an attempt.

Order modes: ``"this"`` (other events may come between the steps), ``"strict"`` (each step is the
user's very next event after the previous step), ``"any"`` (the anchor opens the attempt; steps
2..k may then happen in any order inside the window). Every attempt that reaches step k under
"strict" reaches it under "this", and every one under "this" reaches it under "any".

Counting: ``count="users"`` counts each user once, at the furthest step any of their attempts reached
(ties: the earliest attempt, whose times are reported); ``count="totals"`` counts attempts: the
first step-1 event opens one, and the next attempt opens at the first step-1 event after the
previous attempt completed (its last step) or expired (anchor + window).

These are the conventions of Mixpanel, Amplitude and GA4 funnel explorations ("this order",
"strict order", "any order", conversion window, holding a property constant, exclusion steps); the
exact tie and re-entry rules above are kpikit's and are tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import column_list, require_columns
from kpikit.stats import (
    BayesComparison,
    RateComparison,
    bayes_compare,
    compare_rates,
    fdr,
    newcombe_interval,
    proportion_ci,
    Rate,
    is_small_sample,
    rate,
    rate_frame,
    two_proportion_ztest,
)

__all__ = [
    "ordered_funnel",
    "funnel_attempts",
    "compare_funnels",
    "compare_periods",
    "compare_segments",
    "stage_funnel",
    "lead_to_customer",
    "social_journey",
    "landing_page_conversion",
    "ab_test",
    "ABTestResult",
    "ab_test_sessions",
    "overall_conversion",
    "biggest_leak",
    "largest_change",
    "findings",
    "step_label",
]

StepSpec = str | tuple[str, Mapping[str, Any]]
OrderMode = Literal["this", "strict", "any"]
CountMode = Literal["users", "totals"]

_NS = np.int64


# --------------------------------------------------------------------------------------------
# Steps and input checks
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Attempts (the vectorised core)
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------


def compare_funnels(
    a: pd.DataFrame,
    b: pd.DataFrame,
    labels: tuple[str, str] = ("a", "b"),
    metric: Literal["conversion_from_previous", "conversion_from_start"] = "conversion_from_previous",
    level: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Test each step's conversion between two funnels (two periods or two segments).

    For every step k >= 2: difference of the two rates (``a`` minus ``b``) with Newcombe's interval,
    the pooled two-proportion z test, and the Benjamini-Hochberg q-value across the steps.

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
        _require(f, ["step", "step_name", metric], f"funnel {name}")
    if list(a["step_name"]) != list(b["step_name"]):
        raise KpiDataError(
            f"compare_funnels: the two funnels have different steps ({list(a['step_name'])} vs "
            f"{list(b['step_name'])}); build both with the same steps, one segment each."
        )
    ca = "users" if "users" in a.columns else "attempts"
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
    return pd.DataFrame({
        "step": a["step"].to_numpy()[1:],
        "step_name": a["step_name"].to_numpy()[1:],
        f"users_{la}": ka, f"trials_{la}": na, f"rate_{la}": ra,
        f"users_{lb}": kb, f"trials_{lb}": nb, f"rate_{lb}": rb,
        "difference": ra - rb, "ci_low": low, "ci_high": high, "z": z, "p_value": p, "q_value": q,
        "significant": np.nan_to_num(q, nan=1.0) < alpha,
    })


def compare_periods(
    events: pd.DataFrame,
    steps: Sequence[StepSpec],
    current: tuple,
    previous: tuple,
    labels: tuple[str, str] = ("current", "previous"),
    level: float = 0.95,
    alpha: float = 0.05,
    **funnel_options,
) -> pd.DataFrame:
    """Each step's conversion in ``current`` against ``previous``: :func:`compare_funnels` of two
    :func:`ordered_funnel` runs restricted to attempts starting in each (start, end) period.

    Examples
    --------
    >>> compare_periods(ev, steps, ("2025-03-01", "2025-07-01"), ("2024-11-01", "2025-03-01"))  # doctest: +SKIP
    """
    fa = ordered_funnel(events, steps, start=current[0], end=current[1], level=level, **funnel_options)
    fb = ordered_funnel(events, steps, start=previous[0], end=previous[1], level=level, **funnel_options)
    return compare_funnels(fa, fb, labels=labels, level=level, alpha=alpha)


def compare_segments(funnel: pd.DataFrame, by: str, a, b, level: float = 0.95, alpha: float = 0.05) -> pd.DataFrame:
    """Each step's conversion of segment ``a`` against segment ``b`` of a funnel built with ``by``."""
    _require(funnel, [by], "funnel")
    fa, fb = funnel[funnel[by] == a], funnel[funnel[by] == b]
    for v, f in ((a, fa), (b, fb)):
        if f.empty:
            raise KpiDataError(f"compare_segments: no segment {v!r} in column '{by}' (have {sorted(map(str, funnel[by].unique()))}).")
    return compare_funnels(fa.reset_index(drop=True), fb.reset_index(drop=True), labels=(str(a), str(b)), level=level, alpha=alpha)


# --------------------------------------------------------------------------------------------
# CRM stage funnel
# --------------------------------------------------------------------------------------------


def _stage_columns(leads: pd.DataFrame, stages: Sequence[str], stage_cols: Mapping[str, str] | None) -> list[str]:
    cols = []
    for s in stages:
        if stage_cols and s in stage_cols:
            cols.append(stage_cols[s])
        elif f"{s}_at" in leads.columns:
            cols.append(f"{s}_at")
        elif s == stages[0] and "created_at" in leads.columns:
            cols.append("created_at")
        else:
            cols.append(f"{s}_at")
    return cols


def _stage_times(leads, stages, stage_cols, skipped, check_order):
    cols = _stage_columns(leads, stages, stage_cols)
    _require(leads, cols, "leads")
    t = np.empty((len(leads), len(stages)), dtype="datetime64[ns]")
    for j, c in enumerate(cols):
        s = leads[c]
        if not pd.api.types.is_datetime64_dtype(s.dtype):
            raise KpiDataError(f"leads, column '{c}': expected datetimes (empty when the stage was not reached), got {s.dtype}.")
        t[:, j] = s.to_numpy(dtype="datetime64[ns]")
    has = ~np.isnat(t)
    if not has[:, 0].all():
        bad = np.flatnonzero(~has[:, 0])
        raise KpiDataError(
            f"leads, column '{cols[0]}': {bad.size} leads have no entry time ({describe_rows((bad + 1).tolist())}). "
            "Every lead needs the time it entered the funnel."
        )
    if check_order:
        tf = np.where(has, t, np.datetime64("NaT"))
        v = tf.view(np.int64).astype(float)
        v[~has] = np.nan
        # each recorded stage must not come before the previous recorded stage
        prev = pd.DataFrame(v).ffill(axis=1).shift(1, axis=1).to_numpy()
        bad_rows = np.flatnonzero(np.any(has & (v < prev), axis=1))
        if bad_rows.size:
            i = bad_rows[0]
            lid = leads["lead_id"].iloc[i] if "lead_id" in leads.columns else i + 1
            raise KpiDataError(
                f"leads: {bad_rows.size} leads have a stage before an earlier stage "
                f"({describe_rows((bad_rows + 1).tolist())}; first: lead {lid}). Fix the CRM export, or pass "
                "check_order=False to count them as they are."
            )
    # reached: a later recorded stage implies the earlier ones ("implied") or every stage up to k
    # must be recorded ("recorded")
    later = np.flip(np.logical_or.accumulate(np.flip(has, axis=1), axis=1), axis=1)
    if skipped == "implied":
        reached = later
    elif skipped == "recorded":
        reached = np.logical_and.accumulate(has, axis=1)
    else:
        raise KpiDataError(f"skipped must be 'implied' or 'recorded' (got {skipped!r}).")
    skipped_here = later & ~has
    return cols, t, has, reached, skipped_here


def stage_funnel(
    leads: pd.DataFrame,
    stages: Sequence[str] = ("lead", "mql", "sal", "sql", "opportunity", "won"),
    cohort: str | None = "M",
    skipped: Literal["implied", "recorded"] = "implied",
    stage_cols: Mapping[str, str] | None = None,
    check_order: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """CRM stage funnel by entry cohort: leads reaching each stage, with stage conversion.

    conversion_from_previous(k) = leads reaching stage k / leads reaching stage k-1;
    conversion_from_start(k) = leads reaching k / leads in the cohort (at the last stage this is
    the lead-to-customer rate). Median days between stages use leads with both timestamps.

    Parameters
    ----------
    leads : DataFrame
        Canonical ``leads`` table: one row per lead with a timestamp per stage (``<stage>_at``,
        NaT when not reached). The first stage uses ``lead_at``, or ``created_at`` when absent.
    stages : sequence of str
        Stage names in funnel order (SiriusDecisions order: SAL before SQL).
    cohort : str or None
        Pandas period alias of the entry cohort ("M" months, "Q", "W"); None for one overall row set.
    skipped : {"implied", "recorded"}
        A lead whose export skips a stage (sql_at set, sal_at empty). "implied" (default): reaching a
        later stage implies the earlier ones, so it counts at SAL. "recorded": a lead counts at stage
        k only with timestamps for every stage up to k, so it stops at MQL. Either way the
        ``skipped`` column counts such leads at each stage.
    stage_cols : mapping, optional
        Stage name -> column name, for exports with other names.
    check_order : bool
        Raise when a recorded stage comes before an earlier recorded stage.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per cohort and stage: cohort, stage, leads, conversion_from_previous (+ _low, _high),
        conversion_from_start (+ _low, _high), skipped, median_days_from_previous, small_sample.

    References
    ----------
    SiriusDecisions Demand Waterfall (2006, revised 2012): inquiry, MQL, SAL, SQL, won.

    Examples
    --------
    >>> leads = pd.DataFrame({"lead_id": [1, 2], "created_at": pd.to_datetime(["2025-01-03", "2025-01-09"]),
    ...     "won_at": pd.to_datetime(["2025-02-01", None])})
    >>> stage_funnel(leads, stages=("lead", "won"))["leads"].tolist()
    [2, 1]
    """
    stages = list(stages)
    if len(stages) < 2:
        raise KpiDataError("stage_funnel needs at least two stages.")
    cols, t, has, reached, skipped_here = _stage_times(leads, stages, stage_cols, skipped, check_order)
    if cohort is None:
        coh = np.zeros(len(leads), dtype=np.int64)
        coh_labels = np.array(["all"], dtype=object)
    else:
        try:
            per = pd.PeriodIndex(pd.DatetimeIndex(t[:, 0]), freq=cohort)
        except (ValueError, TypeError):
            raise KpiDataError(f"cohort must be a pandas period alias such as 'M', 'Q' or 'W' (got {cohort!r}).") from None
        coh, coh_labels = pd.factorize(per, sort=True)
        coh_labels = np.asarray(coh_labels.astype(str), dtype=object)
    n_c = coh_labels.size
    rows = []
    cnt = np.vstack([np.bincount(coh, weights=reached[:, j], minlength=n_c) for j in range(len(stages))]).T
    skp = np.vstack([np.bincount(coh, weights=skipped_here[:, j], minlength=n_c) for j in range(len(stages))]).T
    days = {}
    for j in range(1, len(stages)):
        both = has[:, j] & has[:, j - 1]
        d = (t[both, j] - t[both, j - 1]) / np.timedelta64(1, "D")
        days[j] = pd.Series(d).groupby(coh[both]).median()
    for c in range(n_c):
        for j, s in enumerate(stages):
            rows.append({
                "cohort": coh_labels[c], "stage": s, "leads": int(cnt[c, j]),
                "_prev": int(cnt[c, j - 1]) if j else int(cnt[c, 0]), "_first": int(cnt[c, 0]),
                "skipped": int(skp[c, j]),
                "median_days_from_previous": float(days[j].get(c, np.nan)) if j else np.nan,
            })
    f = pd.DataFrame(rows)
    k = f["leads"].to_numpy(float)
    for name, n in (("conversion_from_previous", f["_prev"].to_numpy(float)), ("conversion_from_start", f["_first"].to_numpy(float))):
        with np.errstate(divide="ignore", invalid="ignore"):
            f[name] = np.where(n > 0, k / n, np.nan)
        lo, hi = proportion_ci(k, n, level)
        f[f"{name}_low"], f[f"{name}_high"] = lo, hi
    f["small_sample"] = is_small_sample(k, f["_prev"].to_numpy(float))
    return f[["cohort", "stage", "leads", "conversion_from_previous", "conversion_from_previous_low",
              "conversion_from_previous_high", "conversion_from_start", "conversion_from_start_low",
              "conversion_from_start_high", "skipped", "median_days_from_previous", "small_sample"]]


def lead_to_customer(
    leads: pd.DataFrame,
    cohort: str | None = "M",
    won_stage: str = "won",
    first_stage: str = "lead",
    stage_cols: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Lead-to-customer rate per entry cohort: won / leads of the same cohort, with Wilson interval.

    Young cohorts have not had time to close; read their rate as a lower bound.

    Returns
    -------
    DataFrame
        cohort, leads, won, lead_to_customer, ci_low, ci_high, small_sample.
    """
    f = stage_funnel(leads, stages=(first_stage, won_stage), cohort=cohort, stage_cols=stage_cols, level=level)
    leads_n = f[f["stage"] == first_stage].set_index("cohort")["leads"]
    won = f[f["stage"] == won_stage].set_index("cohort")["leads"]
    out = pd.DataFrame({"cohort": leads_n.index, "leads": leads_n.to_numpy(), "won": won.reindex(leads_n.index).to_numpy()})
    return rate_frame(out, "won", "leads", "lead_to_customer", level=level)


# --------------------------------------------------------------------------------------------
# Social journey
# --------------------------------------------------------------------------------------------


_SOCIAL_CHANNELS = ("Organic Social", "Paid Social")


def social_journey(
    social: pd.DataFrame,
    brand: str | None = None,
    events: pd.DataFrame | None = None,
    awareness: Literal["reach", "impressions"] = "reach",
    by: str | None = None,
    start=None,
    end=None,
    social_channels: Sequence[str] = _SOCIAL_CHANNELS,
    level: float = 0.95,
) -> pd.DataFrame:
    """The social journey awareness -> engagement -> conversion -> customer, as a funnel.

    awareness = sum of ``reach`` (people who could see; or ``impressions``, times shown);
    engagement = likes + comments + shares; conversion = clicks; customer = conversions (the
    platform's reported conversions), or, when ``events`` is given, distinct users who purchased in a
    session from a social channel. rate_from_previous(k) = count_k / count_{k-1}: these are rates of
    actions per person reached, not of people, so an interval is given only where the count is a
    plausible subset (count_k <= count_{k-1}).

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date, platform, brand, reach, impressions, likes, comments,
        shares, clicks, conversions).
    brand : str, optional
        Brand to keep (the client); all rows when None.
    events : DataFrame, optional
        Canonical ``events`` table with ``channel``; gives the customer stage from the web data.
    awareness : {"reach", "impressions"}
        Which awareness measure opens the journey.
    by : str, optional
        Breakdown column of the social table (e.g. "platform"); not combined with ``events``.
    start, end : date-like, optional
        Period [start, end) on ``social.date`` (and ``events.timestamp``).

    Returns
    -------
    DataFrame
        One row per stage (per ``by``): [by], stage, measure, count, rate_from_previous, ci_low,
        ci_high.

    References
    ----------
    Avinash Kaushik, "Best social media metrics: conversation, amplification, applause, economic
    value" (2011); the awareness/engagement/conversion/customer grouping of social-media KPIs.
    """
    need = ["date", awareness, "likes", "comments", "shares", "clicks"] + ([] if events is not None else ["conversions"])
    if brand is not None:
        need.append("brand")
    if by:
        need.append(by)
    _require(social, need, "social")
    s = social
    if brand is not None:
        s = s[s["brand"] == brand]
        if s.empty:
            raise KpiDataError(f"social: no rows for brand {brand!r} (brands present: {sorted(map(str, social['brand'].unique()))}).")
    if start is not None:
        s = s[s["date"] >= pd.Timestamp(start)]
    if end is not None:
        s = s[s["date"] < pd.Timestamp(end)]
    groups = [(None, s)] if not by else list(s.groupby(by, sort=True))
    rows = []
    for g, d in groups:
        stages = [
            ("awareness", awareness, int(d[awareness].sum())),
            ("engagement", "likes + comments + shares", int(d[["likes", "comments", "shares"]].to_numpy().sum())),
            ("conversion", "clicks", int(d["clicks"].sum())),
        ]
        if events is not None and g is None:
            _require(events, ["user_id", "timestamp", "event", "channel"], "events")
            e = events
            if start is not None:
                e = e[e["timestamp"] >= pd.Timestamp(start)]
            if end is not None:
                e = e[e["timestamp"] < pd.Timestamp(end)]
            buyers = e.loc[(e["event"] == "purchase") & e["channel"].isin(list(social_channels)), "user_id"].nunique()
            stages.append(("customer", "purchasers from social channels (web events)", int(buyers)))
        else:
            stages.append(("customer", "conversions", int(d["conversions"].sum())))
        for j, (stage, measure, c) in enumerate(stages):
            row = {by: g} if by else {}
            row.update({"stage": stage, "measure": measure, "count": c, "_prev": stages[j - 1][2] if j else c})
            rows.append(row)
    f = pd.DataFrame(rows)
    k = f["count"].to_numpy(float)
    n = f["_prev"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f["rate_from_previous"] = np.where(n > 0, k / n, np.nan)
    subset = k <= n
    lo, hi = proportion_ci(np.where(subset, k, 0), n, level)
    f["ci_low"] = np.where(subset, lo, np.nan)
    f["ci_high"] = np.where(subset, hi, np.nan)
    return f.drop(columns="_prev")


# --------------------------------------------------------------------------------------------
# Landing pages and A/B tests
# --------------------------------------------------------------------------------------------


def landing_page_conversion(
    sessions: pd.DataFrame,
    by: str | Sequence[str] = "landing_page",
    converted: str = "conversions",
    min_sessions: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Landing-page conversion rate: converting sessions / sessions, per page (and variant).

    A session converts when its ``conversions`` count is at least 1 (a boolean column works too).

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, sessions, converted_sessions, conversion_rate, ci_low,
        ci_high, small_sample; sorted by sessions, largest first.

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/a", "/a", "/b"], "conversions": [1, 0, 0]})
    >>> landing_page_conversion(s)["conversion_rate"].tolist()
    [0.5, 0.0]
    """
    keys = column_list(by)
    _require(sessions, keys + [converted], "sessions")
    conv = sessions[converted]
    if conv.isna().any():
        bad = np.flatnonzero(conv.isna().to_numpy())
        raise KpiDataError(f"sessions, column '{converted}': {bad.size} empty values ({describe_rows((bad + 1).tolist())}).")
    flag = conv.astype(bool) if conv.dtype == bool else conv.to_numpy(dtype=float) > 0
    g = pd.DataFrame({**{k: sessions[k].to_numpy() for k in keys}, "_c": np.asarray(flag, dtype=np.int64)})
    out = g.groupby(keys, sort=True, dropna=False)["_c"].agg(sessions="size", converted_sessions="sum").reset_index()
    out = out[out["sessions"] >= min_sessions]
    out = rate_frame(out, "converted_sessions", "sessions", "conversion_rate", level=level)
    return out.sort_values(["sessions"] + keys, ascending=[False] + [True] * len(keys), kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ABTestResult:
    """Frequentist and Bayesian comparison of variant B against variant A."""

    page: str | None
    comparison: RateComparison
    bayes: BayesComparison

    def as_dict(self) -> dict:
        """Plain-JSON form: rates, difference with interval, p-value, P(B > A), expected losses."""
        return {
            "page": self.page,
            "rate_a": self.comparison.b.as_dict(),
            "rate_b": self.comparison.a.as_dict(),
            "difference_b_minus_a": self.comparison.difference,
            "ci_low": self.comparison.low,
            "ci_high": self.comparison.high,
            "p_value": self.comparison.p_value,
            "prob_b_beats_a": self.bayes.prob_b_beats_a,
            "expected_loss_a": self.bayes.expected_loss_a,
            "expected_loss_b": self.bayes.expected_loss_b,
        }

    def summary(self) -> str:
        """One sentence with the result, for findings."""
        c, bz = self.comparison, self.bayes
        where = f" on {self.page}" if self.page else ""
        return (
            f"Variant B converts {c.a.value:.1%} against {c.b.value:.1%} for A{where} "
            f"({c.difference * 100:+.1f} pts, 95% CI {c.low * 100:+.1f} to {c.high * 100:+.1f}, p = {c.p_value:.3f}); "
            f"P(B > A) = {bz.prob_b_beats_a:.1%}, expected loss of choosing B {bz.expected_loss_b * 100:.2f} pts."
        )


def ab_test(
    a,
    b,
    page: str | None = None,
    prior: tuple[float, float] = (1.0, 1.0),
    draws: int = 200_000,
    seed: int = 0,
    level: float = 0.95,
) -> ABTestResult:
    """A/B comparison of two conversion rates: B - A with Newcombe's interval and a z test, plus
    P(B > A) and expected losses under independent Beta(prior) priors (Monte Carlo, seeded).

    Parameters
    ----------
    a, b : Rate or (conversions, sessions)
        The control (A) and the variant (B).
    prior : (float, float)
        Beta prior of both rates (default Beta(1, 1), uniform).
    draws, seed : int
        Monte Carlo draws and seed of the posterior comparison.

    Examples
    --------
    >>> r = ab_test((120, 2400), (150, 2380))
    >>> round(r.bayes.prob_b_beats_a, 2)
    0.97
    """
    return ABTestResult(page, compare_rates(b, a, level=level), bayes_compare(a, b, prior=prior, draws=draws, seed=seed))


def ab_test_sessions(
    sessions: pd.DataFrame,
    page: str,
    variant_col: str = "variant",
    control: str = "A",
    treatment: str = "B",
    converted: str = "conversions",
    page_col: str = "landing_page",
    **options,
) -> ABTestResult:
    """:func:`ab_test` on the sessions that landed on ``page``, split by ``variant_col``."""
    lp = landing_page_conversion(sessions[sessions[page_col] == page], by=variant_col, converted=converted)
    got = dict(zip(lp[variant_col].astype(str), zip(lp["converted_sessions"], lp["sessions"])))
    for v in (control, treatment):
        if v not in got:
            raise KpiDataError(f"sessions: no sessions of variant {v!r} on {page!r} (variants there: {sorted(got)}).")
    return ab_test(got[control], got[treatment], page=page, **options)



# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------


def _fmt_td(td) -> str:
    if pd.isna(td):
        return "n/a"
    s = pd.Timedelta(td).total_seconds()
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def overall_conversion(funnel: pd.DataFrame, level: float = 0.95) -> Rate:
    """Last step / first step of a funnel (no ``by``) as a :class:`~kpikit.stats.Rate`."""
    cnt = "users" if "users" in funnel.columns else "attempts"
    return rate(int(funnel[cnt].iloc[-1]), int(funnel[cnt].iloc[0]), level=level, warn_small=False)



def biggest_leak(funnel: pd.DataFrame) -> pd.Series:
    """The step (k >= 2) with the lowest conversion from the previous step: where most of the
    remaining prospects are lost."""
    f = funnel[funnel["step"] > 1]
    if f.empty:
        raise KpiDataError("biggest_leak needs a funnel with at least two steps.")
    return f.loc[f["conversion_from_previous"].idxmin()]



def largest_change(comparison: pd.DataFrame, labels: tuple[str, str] = ("current", "previous")) -> dict | None:
    """The significant step change (BH q below the comparison's alpha) with the largest absolute
    difference, as a plain dict (step, step_name, rates, difference, interval, q_value); None when no
    step changed significantly. Input: :func:`compare_funnels` / :func:`compare_periods`."""
    sig = comparison[comparison["significant"]]
    if sig.empty:
        return None
    r = sig.loc[sig["difference"].abs().idxmax()]
    la, lb = labels
    return {
        "step": int(r["step"]), "step_name": str(r["step_name"]),
        f"rate_{lb}": float(r[f"rate_{lb}"]), f"rate_{la}": float(r[f"rate_{la}"]),
        "difference": float(r["difference"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
        "q_value": float(r["q_value"]),
    }



def findings(
    funnel: pd.DataFrame,
    comparison: pd.DataFrame | None = None,
    labels: tuple[str, str] = ("current", "previous"),
    segments: pd.DataFrame | None = None,
    by: str | None = None,
) -> list[str]:
    """Plain-language findings from an ordered funnel (and optionally a period comparison and a
    breakdown), built from the numbers.

    Returns
    -------
    list of str
    """
    out = []
    cnt = "users" if "users" in funnel.columns else "attempts"
    first, last = funnel.iloc[0], funnel.iloc[-1]
    out.append(
        f"{last['conversion_from_start']:.1%} of the {int(first[cnt]):,} {cnt} who did "
        f"'{first['step_name']}' reached '{last['step_name']}' (95% CI {last['conversion_from_start_low']:.1%} "
        f"to {last['conversion_from_start_high']:.1%})."
    )
    leak = biggest_leak(funnel)
    prev_name = funnel.loc[funnel["step"] == leak["step"] - 1, "step_name"].iloc[0]
    out.append(
        f"The biggest leak is '{prev_name}' -> '{leak['step_name']}': only {leak['conversion_from_previous']:.1%} "
        f"continue (95% CI {leak['conversion_from_previous_low']:.1%} to {leak['conversion_from_previous_high']:.1%}), "
        f"{int(leak['drop_off']):,} {cnt} lost; the median time taken is {_fmt_td(leak['median_time_from_previous'])}."
    )
    if comparison is not None and not comparison.empty:
        la, lb = labels
        sig = comparison[comparison["significant"]]
        if sig.empty:
            out.append(f"No step's conversion changed significantly between {lb} and {la} (Benjamini-Hochberg, 5% FDR).")
        for _, r in sig.sort_values("q_value").iterrows():
            prev_name = funnel.loc[funnel["step"] == r["step"] - 1, "step_name"].iloc[0]
            word = "fell" if r["difference"] < 0 else "rose"
            out.append(
                f"'{prev_name}' -> '{r['step_name']}' {word} from {r[f'rate_{lb}']:.1%} ({lb}) to "
                f"{r[f'rate_{la}']:.1%} ({la}): {r['difference'] * 100:+.1f} pts (95% CI {r['ci_low'] * 100:+.1f} "
                f"to {r['ci_high'] * 100:+.1f}, q = {r['q_value']:.2g})."
            )
    if segments is not None and by:
        lastseg = segments[segments["step"] == segments["step"].max()].dropna(subset=["conversion_from_start"])
        lastseg = lastseg[~lastseg["small_sample"]] if (~lastseg["small_sample"]).any() else lastseg
        if len(lastseg) >= 2:
            hi = lastseg.loc[lastseg["conversion_from_start"].idxmax()]
            lo = lastseg.loc[lastseg["conversion_from_start"].idxmin()]
            out.append(
                f"By {by}, overall conversion ranges from {lo['conversion_from_start']:.1%} ({lo[by]}) to "
                f"{hi['conversion_from_start']:.1%} ({hi[by]})."
            )
    return out
