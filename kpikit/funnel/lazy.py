"""Ordered funnels on Ibis tables: the attempt engine of :mod:`kpikit.funnel.attempts` as queries.

Same rules as the pandas path (the package docstring of :mod:`kpikit.funnel`): an attempt opens at
each step-1 event and follows the earliest matching events, within the window, in the order modes
"this", "strict" and "any"; exclusion events void an attempt; ``count="users"`` keeps each user's
furthest attempt (ties: the earliest), ``count="totals"`` chains attempts.

How each piece runs in the backend:

- Events are ordered by (time, step, row order). When every step is a plain event name (no
  property filters, no name twice), an event fills at most one step and the next step-j event
  "after" the current one is simply the first step-j event at or after its time: the chain follows
  times. Otherwise events get their position in that order (a window) and the chain follows
  positions, with ``_row`` (DataFrames, Parquet files) or the step bits as the last tie-break.
- "this" and "any": one join per step finds the next step-j event, an ASOF join on DuckDB, a range
  join and a minimum elsewhere (Spark and BigQuery have no ASOF join). "strict": the next K-1 events
  of each step-1 event, by ``lead`` over the user's events.
- Exclusions: a semi-join on the time range between the two steps.
- ``count="users"``: a window keeps each user's furthest attempt; counts per step and the quantiles
  of the step times are one aggregate each, and the funnel table is built in pandas from them by
  the same code as the pandas path's. ``count="totals"`` chains attempts, which is sequential: the
  attempts (one row per step-1 event, a fraction of the events) are fetched and chained in NumPy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.engine.tables import backend_name, check_columns, epoch_ns, label, scalar
from kpikit.errors import KpiDataError
from kpikit.funnel.steps import _FIX, _Step
from kpikit.io.lazy import ROW, collect

__all__: list[str] = []

_NULL_HOLD = "\x00(missing)"

#: Backends whose ASOF join finds each next step; the others use a range join and a minimum.
ASOF_BACKENDS = {"duckdb"}


def _step_mask(t, step: _Step, event_col: str, source: str):
    """Whether each event matches ``step`` (its name and property filters); missing values never match."""
    m = t[event_col] == step.event
    for col, val in step.filters:
        if col not in t.columns:
            raise KpiDataError(
                f"{source}: step {step.label!r} filters on column '{col}', which the table does not have."
            )
        if isinstance(val, (list, tuple, set, frozenset)):
            m = m & t[col].isin(list(val))
        else:
            m = m & (t[col] == val)
    return m.fill_null(False)


def _simple(parsed: list[_Step], excl) -> bool:
    """Whether no event can match two steps: plain, distinct event names."""
    names = [s.event for s in parsed]
    return all(not s.filters for s in parsed) and len(set(names)) == len(names)


def _check(t, cols: list[str], user_col: str, time_col: str, source: str) -> None:
    """The input checks of the pandas path: columns, timestamps, user ids."""
    check_columns(t, cols, source, fix=_FIX)
    dtype = t[time_col].type()
    if not dtype.is_timestamp():
        raise KpiDataError(
            f"{source}, column '{time_col}': expected datetimes, got {dtype}. Open the files with "
            "kk.io.lazy.scan, which parses times, or cast the column first."
        )
    for col, what in ((time_col, "no timestamp"), (user_col, "no user id")):
        if scalar(t.filter(t[col].isnull()).limit(1).count()):
            n = int(scalar(t.filter(t[col].isnull()).count()))
            raise KpiDataError(
                f"{source}, column '{col}': {n} rows have {what}. Drop or fill them explicitly before building "
                "the funnel (consent-denied GA4 events have no user_pseudo_id)."
            )


def _rows(t, parsed, excl, order, user_col, time_col, event_col, hold, by, source):
    """The events the funnel looks at, with their group, nanoseconds, step bits and rank."""
    import ibis

    backend = backend_name(t)
    masks = [_step_mask(t, s, event_col, source) for s in parsed]
    excl_masks = [_step_mask(t, e, event_col, source) for e, _, _ in excl]
    k = len(parsed)
    bits = sum((ibis.ifelse(m, ibis.literal(1 << j, "int64"), ibis.literal(0, "int64")) for j, m in enumerate(masks)))
    rank = ibis.cases(*[(m, j) for j, m in enumerate(masks)], else_=k)
    cols = {
        "_user": t[user_col],
        "_ts": t[time_col],
        "_ns": epoch_ns(backend, t[time_col]),
        "_bits": bits,
        "_rank": rank,
    }
    if hold:
        cols["_hold"] = t[hold].cast("string").fill_null(_NULL_HOLD)
    if by:
        cols["_by"] = t[by]
    for i, m in enumerate(excl_masks):
        cols[f"_x{i}"] = m
    if ROW in t.columns:
        cols["_r"] = t[ROW]
    rows = t.select(**cols)
    if order != "strict":
        keep = rows._bits != 0
        for i in range(len(excl_masks)):
            keep = keep | rows[f"_x{i}"]
        rows = rows.filter(keep)
    return rows


def _group(hold) -> list[str]:
    return ["_user", "_hold"] if hold else ["_user"]


def _with_positions(rows, hold, by):
    """``rows`` with ``_pos``: each event's position in its group, by (time, step, row order)."""
    import ibis

    tie = [rows._r] if "_r" in rows.columns else [rows._bits, *([rows._by.cast("string")] if by else [])]
    w = ibis.window(group_by=[rows[g] for g in _group(hold)], order_by=[rows._ns, rows._rank, *tie])
    return rows.mutate(_pos=ibis.row_number().over(w))


def _bit(rows, j: int):
    return (rows._bits & (1 << j)) != 0


def _next_step(att, rows, j: int, src: str, key: str, strict_after: bool, hold, backend: str):
    """``att`` with ``_k{j}``, ``_t{j}``, ``_n{j}``: the first step-j event after ``src`` (by ``key``) within the deadline."""
    g = _group(hold)
    rj = rows.filter(_bit(rows, j)).select(
        **{f"_g{i}_{j}": rows[c] for i, c in enumerate(g)},
        **{f"_k{j}": rows[key], f"_t{j}": rows._ts, f"_n{j}": rows._ns},
    )
    preds = [att[c] == rj[f"_g{i}_{j}"] for i, c in enumerate(g)]
    after = (att[src] < rj[f"_k{j}"]) if strict_after else (att[src] <= rj[f"_k{j}"])
    if backend in ASOF_BACKENDS:
        joined = att.asof_join(rj, on=after, predicates=preds)
    else:
        cand = att.left_join(rj, [*preds, after, rj[f"_n{j}"] <= att._deadline])
        keys = list(att.columns)
        joined = cand.group_by(keys).aggregate(
            **{f"_k{j}": cand[f"_k{j}"].min(), f"_t{j}": cand[f"_t{j}"].min(), f"_n{j}": cand[f"_n{j}"].min()}
        )
    return joined.select(*att.columns, f"_k{j}", f"_t{j}", f"_n{j}")


def _chain(rows, k: int, w_ns, order: str, hold, start, end, simple: bool, backend: str):
    """One row per attempt: group, by value, step times (``_t0`` ...), ``_depth`` and ``_deadline``."""
    if not simple and order != "strict":
        rows = _with_positions(rows, hold, "_by" in rows.columns)
    key = "_ns" if simple or order == "strict" else "_pos"
    if order == "strict":
        return _strict(rows, k, w_ns, hold, start, end)
    anchor = _bit(rows, 0)
    if start is not None:
        anchor = anchor & (rows._ts >= pd.Timestamp(start).to_pydatetime())
    if end is not None:
        anchor = anchor & (rows._ts < pd.Timestamp(end).to_pydatetime())
    keep = [*_group(hold), *(["_by"] if "_by" in rows.columns else []), *(["_r"] if "_r" in rows.columns else [])]
    att = rows.filter(anchor).select(*keep, _k0=rows[key], _t0=rows._ts, _n0=rows._ns)
    far = np.iinfo(np.int64).max // 2
    att = att.mutate(_deadline=att._n0 + (w_ns if w_ns is not None else far))
    if simple:
        att = att.distinct()
    for j in range(1, k):
        src = "_k0" if order == "any" else f"_k{j - 1}"
        att = _next_step(att, rows, j, src, key, strict_after=not simple, hold=hold, backend=backend)
        ok = att[f"_n{j}"].notnull() & (att[f"_n{j}"] <= att._deadline)
        if j > 1:
            ok = att[f"_ok{j - 1}"] & ok
        att = att.mutate(**{f"_ok{j}": ok.fill_null(False)})
    return _finish_chain(att, k, order)


def _finish_chain(att, k: int, order: str):
    """Depth and step times of each attempt (times of unreached steps null; "any": when k steps were done)."""
    import ibis

    depth = ibis.literal(1, "int64")
    for j in range(1, k):
        depth = depth + ibis.ifelse(att[f"_ok{j}"], 1, 0)
    att = att.mutate(_depth=depth)
    times = {"_t0": att._t0}
    nss = {"_n0": att._n0}
    for j in range(1, k):
        ok = att[f"_ok{j}"]
        tj, nj = att[f"_t{j}"], att[f"_n{j}"]
        if order == "any":
            tj, nj = ibis.greatest(times[f"_t{j - 1}"], tj), ibis.greatest(nss[f"_n{j - 1}"], nj)
        times[f"_t{j}"] = ibis.ifelse(ok, tj, ibis.null(tj.type()))
        nss[f"_n{j}"] = ibis.ifelse(ok, nj, ibis.null(nj.type()))
    drop = [c for c in att.columns if c.startswith(("_ok", "_k")) and c != "_k0"]
    return att.mutate(**times, **nss).drop(*drop)


def _strict(rows, k: int, w_ns, hold, start, end):
    """Attempts under "strict": each next step is the group's very next event."""
    import ibis

    tie = (
        [rows._r]
        if "_r" in rows.columns
        else [rows._bits, *([rows._by.cast("string")] if "_by" in rows.columns else [])]
    )
    w = ibis.window(group_by=[rows[g] for g in _group(hold)], order_by=[rows._ns, rows._rank, *tie])
    leads = {}
    for j in range(1, k):
        leads[f"_b{j}"] = rows._bits.lead(j).over(w)
        leads[f"_t{j}"] = rows._ts.lead(j).over(w)
        leads[f"_n{j}"] = rows._ns.lead(j).over(w)
    rows = rows.mutate(**leads)
    anchor = _bit(rows, 0)
    if start is not None:
        anchor = anchor & (rows._ts >= pd.Timestamp(start).to_pydatetime())
    if end is not None:
        anchor = anchor & (rows._ts < pd.Timestamp(end).to_pydatetime())
    att = rows.filter(anchor)
    far = np.iinfo(np.int64).max // 2
    att = att.mutate(_t0=att._ts, _n0=att._ns, _k0=att._ns, _deadline=att._ns + (w_ns if w_ns is not None else far))
    alive = ibis.literal(True)
    oks = {}
    for j in range(1, k):
        hit = ((att[f"_b{j}"] & (1 << j)) != 0).fill_null(False)
        ok = alive & hit & (att[f"_n{j}"] <= att._deadline).fill_null(False)
        oks[f"_ok{j}"] = ok
        alive = ok
    att = att.mutate(**oks)
    keep = [*_group(hold), *(["_by"] if "_by" in att.columns else []), *(["_r"] if "_r" in att.columns else [])]
    cols = keep + ["_k0", "_deadline"] + [f"_{x}{j}" for j in range(k) for x in ("t", "n")] + list(oks)
    return _finish_chain(att.select(*cols), k, "strict")


def _voided(att, rows, excl, hold):
    """``att`` with ``_void``: an exclusion event strictly after step ``a`` and before step ``b`` (or the deadline)."""
    import ibis

    g = _group(hold)
    order = [att[c] for c in att.columns]
    att = att.mutate(_aid=ibis.row_number().over(ibis.window(order_by=order)))
    hits = []
    for i, (_, a, b) in enumerate(excl):
        ex = rows.filter(rows[f"_x{i}"]).select(**{f"_e{c}": rows[c] for c in g}, _en=rows._ns)
        lo = att[f"_n{a - 1}"]
        upper = ibis.ifelse(att._depth >= b, ex._en < att[f"_n{b - 1}"], ex._en <= att._deadline)
        preds = [att[c] == ex[f"_e{c}"] for c in g] + [lo.notnull(), ex._en > lo, upper]
        hits.append(att.semi_join(ex, preds).select("_aid"))
    voided = ibis.union(*hits) if len(hits) > 1 else hits[0]
    return att.mutate(_void=att._aid.isin(voided._aid)).drop("_aid")


def attempts(events, parsed, excl, window_ns, order, hold, by, user_col, time_col, event_col, start, end):
    """Every attempt of a lazy events table (one row per step-1 event, or per distinct one), voided or not."""
    source = label(events, "events")
    cols = [user_col, time_col, event_col] + [c for c in (hold, by) if c]
    _check(events, cols, user_col, time_col, source)
    rows = _rows(events, parsed, excl, order, user_col, time_col, event_col, hold, by, source)
    backend = backend_name(events)
    simple = _simple(parsed, excl)
    att = _chain(rows, len(parsed), window_ns, order, hold, start, end, simple, backend)
    if excl:
        att = _voided(att, rows, excl, hold)
    else:
        import ibis

        att = att.mutate(_void=ibis.literal(False))
    return att


def counted_users(att, by: bool):
    """``count="users"``: each user's (per by value) furthest attempt that is not voided, the earliest among ties."""
    import ibis

    ok = att.filter(~att._void)
    tie = [ok._r] if "_r" in ok.columns else ([ok._hold] if "_hold" in ok.columns else [])
    w = ibis.window(group_by=[ok._user, *([ok._by] if by else [])], order_by=[ibis.desc(ok._depth), ok._n0, *tie])
    return ok.mutate(_rn=ibis.row_number().over(w)).filter(lambda f: f._rn == 0).drop("_rn")


def summary(counted, k: int, by: bool, backend: str):
    """Per segment: how many counted attempts reach each step, and the quantiles of the step times (ns).

    One aggregate computes both (the attempts are found once): per step j the count of attempts
    reaching it and the 0.5, 0.75 and 0.9 quantiles of the time from step j - 1, over the attempts
    reaching step j (the column is null elsewhere, which quantiles skip).
    """
    import ibis

    qs = [0.5, 0.75, 0.9]
    aggs = {f"_c{j}": counted.count(where=counted._depth > j) for j in range(k)}
    for j in range(1, k):
        d = (counted[f"_n{j}"] - counted[f"_n{j - 1}"]).cast("float64")
        d = ibis.ifelse(counted._depth > j, d, ibis.null("float64"))
        for i, p in enumerate(qs):
            aggs[f"_q{j}_{i}"] = d.approx_quantile(p) if backend == "bigquery" else d.quantile(p)
    out = collect(counted.group_by(counted._by).aggregate(**aggs) if by else counted.aggregate(**aggs))
    if by:
        out = out.rename(columns={"_by": "seg"})
    counts = out[[*(["seg"] if by else []), *[f"_c{j}" for j in range(k)]]]
    rows = []
    for j in range(1, k):
        part = pd.DataFrame(
            {
                "seg": out["seg"] if by else 0,
                "step": j + 1,
                **{f"q{i}": out[f"_q{j}_{i}"].astype(float) for i in range(len(qs))},
            }
        )
        rows.append(part.loc[out[f"_c{j}"].to_numpy() > 0])
    quantiles = pd.concat(rows, ignore_index=True) if rows else []
    return counts, quantiles


def funnel_sums(counts: pd.DataFrame, quantiles, k: int, by: bool) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """The inputs of :func:`kpikit.funnel.events._funnel_frame` from the lazy sums."""
    if by:
        seg_uniques = counts["seg"].to_numpy(dtype=object)
    else:
        seg_uniques = np.array([None], dtype=object)
        counts = counts if len(counts) else pd.DataFrame({f"_c{j}": [0] for j in range(k)})
    mat = counts[[f"_c{j}" for j in range(k)]].to_numpy(dtype=np.int64)
    code = {}
    for i, v in enumerate(seg_uniques):
        code[_key(v)] = i
    index, values = [], []
    if len(quantiles):
        for r in quantiles.itertuples(index=False):
            s = code.get(_key(r.seg), 0) if by else 0
            index.append((s, int(r.step)))
            values.append([r.q0, r.q1, r.q2])
    q = pd.DataFrame(values, index=pd.MultiIndex.from_tuples(index) if index else None, columns=[0.5, 0.75, 0.9])
    return seg_uniques, mat, q


def _key(v):
    """A segment value as a dictionary key (missing values as one key)."""
    return "\x00missing" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v
