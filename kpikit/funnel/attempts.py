"""The attempt engine behind the event funnels: which attempts open, how far each gets, which count.

Rules (see the package docstring of :mod:`kpikit.funnel`): an attempt opens at a step-1 event and
follows the earliest matching events within the window; "strict" order needs each step to be the
user's very next event; exclusion events void an attempt; ``count="users"`` keeps each user's furthest
attempt, ``count="totals"`` chains attempts that open after the previous one completed or expired.

The work is vectorised over all attempts at once: the events are sorted once by (user, timestamp,
step), then all attempts advance together, one pass per funnel step, instead of looping over users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.funnel.steps import _FIX, StepSpec, _parse_exclusions, _parse_steps, _Step, _step_mask
from kpikit.schemas import require_columns, utc_naive

__all__: list[str] = []


_NS = np.int64


def _timestamps_ns(frame: pd.DataFrame, col: str, table: str) -> np.ndarray:
    s = frame[col]
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        raise KpiDataError(
            f"{table}, column '{col}': expected datetimes, got {s.dtype}. Read the table with "
            "kk.read_table, or convert with pd.to_datetime."
        )
    s = utc_naive(s, f"{table}, column '{col}'")  # a tz-aware column is converted to UTC
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


def _sort_key(grp: np.ndarray, ts: np.ndarray, rank: np.ndarray, k_steps: int) -> np.ndarray:
    """One int64 key ordering rows by (group, timestamp, step rank).

    A single argsort then replaces a multi-key sort. Timestamps are divided by their common step (e.g.
    whole seconds) or, when the packed key would not fit in 63 bits, replaced by their dense rank.
    """
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


def _next_after(
    sorted_group: np.ndarray, sorted_time: np.ndarray, q_group: np.ndarray, q_time: np.ndarray
) -> np.ndarray:
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
    key_q = q_group * span + inv[sorted_time.size :]
    i = np.searchsorted(key_s, key_q, side="right")
    ok = i < key_s.size
    i_c = np.minimum(i, key_s.size - 1)
    ok &= sorted_group[i_c] == q_group
    return np.where(ok, i_c, -1)


def _check_modes(parsed: list[_Step], order: str, count: str) -> None:
    """Refuse an unknown order or count mode, and repeated steps under ``order="any"``."""
    if order not in ("this", "strict", "any"):
        raise KpiDataError(f"order must be 'this', 'strict' or 'any' (got {order!r}).")
    if count not in ("users", "totals"):
        raise KpiDataError(f"count must be 'users' or 'totals' (got {count!r}).")
    if order == "any" and len({s.label for s in parsed}) < len(parsed):
        raise KpiDataError(
            "order='any' needs distinct steps (the same step twice cannot be told apart without an "
            "order); use order='this' for repeated steps."
        )


def _check_users(events: pd.DataFrame, user_col: str) -> None:
    """Refuse events without a user id: they cannot belong to any attempt."""
    bad = np.flatnonzero(events[user_col].isna().to_numpy())
    if bad.size:
        raise KpiDataError(
            f"events, column '{user_col}': {bad.size} rows have no user id ({describe_rows((bad + 1).tolist())}). "
            "Drop or fill them explicitly (consent-denied GA4 events have no user_pseudo_id)."
        )


def _step_bits(masks: list[np.ndarray], n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's steps as a bit field, and its rank (lowest step it matches; the number of steps for none)."""
    k_steps = len(masks)
    bdt = np.uint8 if k_steps <= 8 else np.uint16 if k_steps <= 16 else np.uint32 if k_steps <= 32 else np.uint64
    bits = np.zeros(n_rows, dtype=bdt)
    rank_all = np.full(n_rows, k_steps, dtype=np.int64)
    for j in reversed(range(k_steps)):
        bits |= masks[j].astype(bdt) << bdt(j)
        rank_all[masks[j]] = j
    return bits, rank_all


@dataclass(frozen=True)
class _Rows:
    """The events a funnel looks at, sorted by (group, timestamp, step rank).

    ``grp`` is the user's code (combined with the ``hold_constant`` value when given), ``ts`` int64
    nanoseconds, ``user`` the user's code into ``users``, ``orig`` each row's position in the input and
    ``bits`` the steps it matches.
    """

    grp: np.ndarray
    ts: np.ndarray
    user: np.ndarray
    users: np.ndarray
    orig: np.ndarray
    bits: np.ndarray

    def in_step(self, j: int, at: np.ndarray | None = None) -> np.ndarray:
        """Whether each row (or the rows at ``at``) matches step ``j`` (0-based)."""
        bdt = self.bits.dtype.type
        b = self.bits if at is None else self.bits[at]
        return ((b >> bdt(j)) & bdt(1)).astype(bool)


def _sorted_rows(
    events: pd.DataFrame,
    bits: np.ndarray,
    rank_all: np.ndarray,
    excl_masks: list[np.ndarray],
    ts_all: np.ndarray,
    user_col: str,
    hold_constant: str | None,
    order: str,
    k_steps: int,
) -> _Rows:
    """Keep the rows that can matter (every row under "strict", else step and exclusion events), sorted."""
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
    users_all = events[user_col]
    u_codes, u_uniques = _codes(users_all.to_numpy()[idx] if idx.size < len(events) else users_all.to_numpy())
    if hold_constant:
        h_codes, _ = _codes(events[hold_constant].to_numpy()[idx])
        grp = u_codes * (h_codes.max() + 1 if h_codes.size else 1) + h_codes
    else:
        grp = u_codes
    srt = np.argsort(_sort_key(grp, ts, rank, k_steps), kind="stable")
    orig = idx[srt]
    return _Rows(grp[srt], ts[srt], u_codes[srt], u_uniques, orig, bits[orig])


def _anchors(rows: _Rows, start: str | pd.Timestamp | None, end: str | pd.Timestamp | None) -> np.ndarray:
    """Rows that open an attempt: step-1 events (optionally only those inside [start, end))."""
    anchor = rows.in_step(0)
    if start is not None:
        anchor &= rows.ts >= pd.Timestamp(start).value
    if end is not None:
        anchor &= rows.ts < pd.Timestamp(end).value
    return np.flatnonzero(anchor)


def _follow(
    rows: _Rows, A: np.ndarray, w: int | None, order: str, k_steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Follow each attempt along the earliest matching events: step times, depth reached, deadline."""
    ts, grp = rows.ts, rows.grp
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
            ok = alive & inb & rows.in_step(j, nxt_c)
        else:
            pj = np.flatnonzero(rows.in_step(j))
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
    return times, depth, deadline


def _voided(
    rows: _Rows,
    A: np.ndarray,
    times: np.ndarray,
    depth: np.ndarray,
    deadline: np.ndarray,
    excl: list[tuple[_Step, int, int]],
    excl_masks: list[np.ndarray],
) -> np.ndarray:
    """Attempts voided by an exclusion event between their steps ``from_step`` and ``to_step``."""
    ts, grp = rows.ts, rows.grp
    voided = np.zeros(A.size, dtype=bool)
    for (_, a, b), em in zip(excl, excl_masks):
        E = np.flatnonzero(em[rows.orig])
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
    return voided


def _count_users(
    user: np.ndarray, by_codes: np.ndarray, depth: np.ndarray, voided: np.ndarray, t1: np.ndarray
) -> np.ndarray:
    """``count="users"``: each user's (per ``by`` value) furthest attempt, the earliest (by ``t1``) among ties.

    Attempts are in row order, (group, time, step); with ``hold_constant`` a user's groups are
    several, so the tie is broken by time first, then by that order.
    """
    ok = ~voided
    r = user * (by_codes.max() + 1 if by_codes.size else 1) + by_codes
    cand = np.flatnonzero(ok)
    o = np.lexsort((cand, t1[cand], -depth[cand], r[cand]))
    c_sorted = cand[o]
    r_sorted = r[c_sorted]
    first = np.ones(c_sorted.size, dtype=bool)
    first[1:] = r_sorted[1:] != r_sorted[:-1]
    return c_sorted[first]


def _count_totals(
    gA: np.ndarray,
    t1: np.ndarray,
    depth: np.ndarray,
    times: np.ndarray,
    deadline: np.ndarray,
    voided: np.ndarray,
    k_steps: int,
) -> np.ndarray:
    """``count="totals"``: attempt chains, the next attempt opening after the previous completed or expired."""
    n_a = gA.size
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
    return sel


def _attempts(
    events: pd.DataFrame,
    steps: Sequence[StepSpec],
    window: str | pd.Timedelta | None,
    order: str,
    count: str,
    hold_constant: str | None,
    exclude: Sequence[tuple[StepSpec, int, int]] | None,
    by: str | None,
    user_col: str,
    time_col: str,
    event_col: str,
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
) -> tuple[dict, list[_Step]]:
    """The counted attempts: user, ``by`` value, depth reached and step times, one entry each."""
    parsed = _parse_steps(steps)
    k_steps = len(parsed)
    _check_modes(parsed, order, count)
    cols = [user_col, time_col, event_col] + [c for c in (hold_constant, by) if c]
    require_columns(events, cols, "events", fix=_FIX)
    w = _window_ns(window)
    ts_all = _timestamps_ns(events, time_col, "events")
    _check_users(events, user_col)
    ev_codes, ev_uniques = pd.factorize(events[event_col])
    lookup = {v: i for i, v in enumerate(ev_uniques)}
    masks = [_step_mask(events, ev_codes, lookup, s, "events") for s in parsed]
    excl = _parse_exclusions(exclude, k_steps)
    excl_masks = [_step_mask(events, ev_codes, lookup, e, "events") for e, _, _ in excl]
    if k_steps > 64:
        raise KpiDataError(f"A funnel has at most 64 steps (got {k_steps}).")
    bits, rank_all = _step_bits(masks, len(events))
    del masks
    rows = _sorted_rows(events, bits, rank_all, excl_masks, ts_all, user_col, hold_constant, order, k_steps)
    del rank_all
    A = _anchors(rows, start, end)
    times, depth, deadline = _follow(rows, A, w, order, k_steps)
    voided = _voided(rows, A, times, depth, deadline, excl, excl_masks)
    if by:
        by_codes, by_uniques = _codes(events[by].to_numpy()[rows.orig[A]])
    else:
        by_codes, by_uniques = np.zeros(A.size, dtype=np.int64), np.array([None], dtype=object)
    if count == "users":
        sel = _count_users(rows.user[A], by_codes, depth, voided, rows.ts[A])
    else:
        sel = _count_totals(rows.grp[A], rows.ts[A], depth, times, deadline, voided, k_steps)
    out = {
        "user": rows.users[rows.user[A[sel]]],
        "by": by_uniques[by_codes[sel]],
        "depth": depth[sel],
        "times": times[sel],
    }
    return out, parsed
