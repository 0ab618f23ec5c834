"""The web rates on Ibis tables: each is one aggregate in the backend, then the pandas path's own tail.

``bounce_rate`` (and through it ``headline``, ``period_change``, ``trend``, ``diagnose``,
``top_entry_pages`` and ``device_gap``), ``traffic_to_lead`` and ``view_to_contact`` take lazy
sessions or events: the backend sums the counts per segment (sessions, bounces, engaged and
converted sessions, page views) and the mean and median engagement time, and the small table comes
back to pandas, where the intervals, tests and rankings are computed exactly as for a DataFrame.

Medians: DuckDB and Spark compute them exactly (the mean of the two middle values, as pandas);
BigQuery has no exact median aggregate, so on BigQuery ``engagement_time_median_s`` is its
approximate quantile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpikit.engine.tables import backend_name, check_columns, day_bounds, derive, label, narrow, register
from kpikit.errors import KpiDataError
from kpikit.io.lazy import collect, is_lazy

__all__: list[str] = []


def _sorted(out: pd.DataFrame, by_cols: list[str]) -> pd.DataFrame:
    """Rows in the order of a pandas ``groupby(sort=True, dropna=False)``: by the segment values, missing last."""
    if not by_cols:
        return out.reset_index(drop=True)
    return out.sort_values(by_cols, na_position="last", kind="stable").reset_index(drop=True)


def _as_flag(col):
    """A boolean or 1/0 column as a boolean expression."""
    return col if col.type().is_boolean() else col == 1


def _check_flag(t, col: str, source: str) -> None:
    """Refuse a flag column that is neither boolean nor integer (the pandas path's message)."""
    dtype = t[col].type()
    if not (dtype.is_boolean() or dtype.is_integer()):
        raise KpiDataError(
            f"{source}, column {col!r} must hold True/False (got {dtype} values). "
            "Read the table with kk.read_table(path, 'sessions') to parse booleans."
        )


def _median(backend: str, col, where):
    """The median of ``col`` where ``where`` holds (the column nulled elsewhere: Spark wants a constant quantile)."""
    import ibis

    masked = ibis.ifelse(where, col, ibis.null(col.type()))
    return masked.approx_median() if backend == "bigquery" else masked.median()


#: The session columns the bounce table reads (besides the segments).
_READ = ("engaged", "single_interaction", "interactions", "pageviews", "conversions", "engagement_time_s")


def bounce_counts(t, by_cols: list[str], definition: str, fix: str) -> tuple[pd.DataFrame, int]:
    """The per-segment sums of :func:`kpikit.web.bounce_rate` from lazy session rows, and the non-UA sessions.

    Returns the frame ``_finish_rates`` completes (by columns, sessions, bounces, engaged_sessions,
    pageviews, converted_sessions, engagement_time_mean_s, engagement_time_median_s, where the
    input has them) and how many sessions UA does not count.
    """
    import ibis

    source = label(t, "sessions")
    col = "engaged" if definition == "ga4" else "single_interaction"
    t = narrow(t, [c for c in dict.fromkeys([*by_cols, *_READ]) if c in t.columns])
    if col not in t.columns:
        raise KpiDataError(f"{source}: column {col!r} is missing, needed for definition={definition!r}. {fix}")
    _check_flag(t, col, source)
    counted = ibis.literal(True)
    if definition == "ua" and "interactions" in t.columns:
        counted = t.interactions.isnull() | (t.interactions > 0)
    flag = _as_flag(t[col])
    bounced = ~flag if definition == "ga4" else flag
    aggs = {
        "sessions": t.count(where=counted),
        "bounces": t.count(where=counted & bounced),
        "_nulls": t.count(where=counted & t[col].isnull()),
        "_not_ua": t.count(where=~counted),
    }
    if "engaged" in t.columns:
        _check_flag(t, "engaged", source)
        aggs["engaged_sessions"] = t.count(where=counted & _as_flag(t.engaged))
        aggs["_engaged_nulls"] = t.count(where=counted & t.engaged.isnull())
    if "pageviews" in t.columns:
        aggs["pageviews"] = t.pageviews.cast("float64").sum(where=counted)
    if "conversions" in t.columns:
        aggs["converted_sessions"] = t.count(where=counted & (t.conversions > 0))
    if "engagement_time_s" in t.columns:
        time = t.engagement_time_s.cast("float64")
        aggs["engagement_time_mean_s"] = time.mean(where=counted)
        aggs["engagement_time_median_s"] = _median(backend_name(t), time, counted)
    expr = t.group_by(by_cols).aggregate(**aggs) if by_cols else t.aggregate(**aggs)
    out = collect(expr)
    nulls = int(out["_nulls"].sum())
    if nulls:
        raise KpiDataError(
            f"{source}, column {col!r}: {nulls} sessions have no value. Fill them from the events or drop these "
            "sessions first."
        )
    not_ua = int(out["_not_ua"].sum())
    if by_cols:
        out = out.loc[out["sessions"] > 0]
    if "_engaged_nulls" in out.columns and int(out["_engaged_nulls"].sum()):
        out = out.drop(columns="engaged_sessions")
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
    if "pageviews" in out.columns:
        out["pageviews"] = out["pageviews"].astype(float).fillna(0.0)
    for c in ("engagement_time_mean_s", "engagement_time_median_s"):
        if c in out.columns:
            out[c] = out[c].astype(float)
    return _sorted(out, by_cols), not_ua


def split(t, start_date, end_date, default_days: int) -> tuple[object, object, dict]:
    """:func:`kpikit.web.split_periods` on lazy sessions: two filtered tables and the bounds."""
    check_columns(t, ["start"], label(t, "sessions"))
    stats = collect(t.aggregate(n=t.count(), lo=t.start.min(), hi=t.start.max())).iloc[0]
    if int(stats["n"]) == 0:
        raise KpiDataError("sessions is empty: there is no period to analyse.")
    lo, hi = pd.Timestamp(stats["lo"]), pd.Timestamp(stats["hi"])
    end = pd.Timestamp(end_date).normalize() if end_date is not None else hi.normalize()
    start = (
        pd.Timestamp(start_date).normalize() if start_date is not None else end - pd.Timedelta(days=default_days - 1)
    )
    if start > end:
        raise KpiDataError(f"start_date {start.date()} is after end_date {end.date()}; swap them.")
    days = (end - start).days + 1
    prev_end = start - pd.Timedelta(days=1)
    prev_start = prev_end - pd.Timedelta(days=days - 1)
    current = _between(t, start, end)
    previous = _between(t, prev_start, prev_end)
    if int(collect(current.aggregate(n=current.count()))["n"].iloc[0]) == 0:
        raise KpiDataError(
            f"No sessions between {start.date()} and {end.date()} (data: {lo.date()} to "
            f"{hi.date()}). Choose start_date/end_date inside the data."
        )
    bounds = {"start": start, "end": end, "previous_start": prev_start, "previous_end": prev_end, "days": days}
    return current, previous, bounds


def _between(t, first_day, last_day):
    """The sessions starting on the days first_day to last_day (inclusive)."""
    lo, hi = day_bounds(first_day, last_day)

    def keep(x):
        return x.filter((x.start >= lo.to_pydatetime()) & (x.start < hi.to_pydatetime()))

    out = keep(t)
    derive(out, t, keep)
    register(out, {"source": label(t, "sessions")})
    return out


_TRUNCATE = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y"}


def with_period(t, freq: str):
    """The sessions with ``period``: the start of each session's period (weeks from Monday, as pandas)."""
    from kpikit.stats import period_code

    code = period_code(freq)

    def add(x):
        return x.mutate(period=x.start.truncate(_TRUNCATE[code]))

    out = add(t)
    derive(out, t, add)
    return out


def lead_counts(t, by_cols: list[str]) -> pd.DataFrame:
    """Sessions and new leads per segment of lazy sessions (the sums of :func:`traffic_to_lead`)."""
    source = label(t, "sessions")
    _check_flag(t, "new_lead", source)
    aggs = {"sessions": t.count(), "leads": t.count(where=_as_flag(t.new_lead))}
    out = collect(t.group_by(by_cols).aggregate(**aggs) if by_cols else t.aggregate(**aggs))
    out = _sorted(out, by_cols)
    return out[[*by_cols, "sessions", "leads"]].astype({"sessions": np.int64, "leads": np.int64})


def page_counts(t, page: str, views: list[str], contacts: list[str], start, end) -> pd.DataFrame:
    """Page views and contact submissions per page of lazy events (the sums of :func:`view_to_contact`)."""
    source = label(t, "events")
    need = ["event", page] + (["timestamp"] if start is not None or end is not None else [])
    check_columns(t, need, source)
    lo, hi = day_bounds(start, end)
    if lo is not None:
        t = t.filter(t.timestamp >= lo.to_pydatetime())
    if hi is not None:
        t = t.filter(t.timestamp < hi.to_pydatetime())
    out = collect(
        t.group_by(page).aggregate(
            views=t.count(where=t.event.isin(views)), contacts=t.count(where=t.event.isin(contacts))
        )
    )
    return _sorted(out, [page]).astype({"views": np.int64, "contacts": np.int64})


def data_checks(events: Any, sessions: Any, reference: Any = None) -> pd.DataFrame:
    """Checks of the events and of the sessions built from them, as a table to show before any KPI.

    :func:`kpikit.web.findings.data_checks` for DataFrames; for lazy events and sessions (Ibis
    tables, from files or a warehouse) the same rows, each count computed in the backend.

    Parameters
    ----------
    events : DataFrame, Ibis table or path
        The events the sessions were built from.
    sessions : DataFrame or Ibis table
        Output of :func:`sessions_from_events` (its attrs, ``kk.engine.attrs`` when lazy, are reported).
    reference : DataFrame, Ibis table or path, optional
        A sessions table exported by the client (e.g. sessions.csv) to compare with: session count and
        agreement of ``engaged`` on the sessions both have.

    Returns
    -------
    DataFrame
        check, value, status ("ok" / "note" / "problem"), note.

    Examples
    --------
    >>> kk.report.table(data_checks(events, sessions_from_events(events)))  # doctest: +SKIP
    """
    from kpikit.engine.tables import resolve
    from kpikit.web.findings import data_checks as frame_checks

    events = resolve(events, "auto", "events", "events")[1]
    sessions = resolve(sessions, "auto", "sessions", "sessions")[1]
    reference = None if reference is None else resolve(reference, "auto", "sessions", "reference")[1]
    if not is_lazy(events) and not is_lazy(sessions) and not is_lazy(reference):
        return frame_checks(events, sessions, reference)
    return _lazy_data_checks(events, sessions, reference)


def _lazy_data_checks(events, sessions, reference) -> pd.DataFrame:
    from types import SimpleNamespace

    from kpikit.engine.tables import attrs, from_pandas
    from kpikit.web.findings import _rule_checks
    from kpikit.web.sessions import _SESSION_ATTRIBUTES, NOT_SET

    events = events if is_lazy(events) else from_pandas(events, order=False)
    sessions = sessions if is_lazy(sessions) else from_pandas(sessions, order=False)
    info = attrs(sessions)
    rows = []

    def add(check, value, status, note=""):
        rows.append({"check": check, "value": value, "status": status, "note": note})

    e = collect(events.aggregate(n=events.count(), lo=events.timestamp.min(), hi=events.timestamp.max(),
                                 users=events.user_id.nunique())).iloc[0]  # fmt: skip
    n_events = int(e["n"])
    add("events", f"{n_events:,}", "ok" if n_events else "problem")
    add("event dates", f"{pd.Timestamp(e['lo']):%Y-%m-%d} to {pd.Timestamp(e['hi']):%Y-%m-%d}", "ok")
    add("users", f"{int(e['users']):,}", "ok")
    dup = int(info.get("duplicates_dropped", 0)) or _count_duplicates(events, sessions)
    add("exact duplicate events", f"{dup:,}", "ok" if dup == 0 else "note",
        "" if dup == 0 else "identical in every column; dropped before the sessions were built, the first copy kept")  # fmt: skip
    aside = int(info.get("set_aside", 0))
    add("events set aside (no user or session id)", f"{aside:,}", "ok" if aside == 0 else "note",
        "" if aside == 0 else f"{aside / max(n_events, 1):.2%} of events cannot be sessionised")  # fmt: skip
    aggs = {"n": sessions.count()}
    if "landing_page" in sessions.columns:
        aggs["no_pv"] = sessions.count(where=sessions.landing_page == NOT_SET)
    for col in _SESSION_ATTRIBUTES:
        if col in sessions.columns:
            c = sessions[col]
            aggs[col] = sessions.count(where=c.isnull()) + sessions.count(where=c.cast("string") == NOT_SET)
    s = collect(sessions.aggregate(**aggs)).iloc[0]
    n_sessions = int(s["n"])
    add("sessions", f"{n_sessions:,}", "ok" if n_sessions else "problem", f"split by {info.get('split', 'session_id')}")
    _rule_checks(SimpleNamespace(attrs=info), add)
    if "no_pv" in s:
        no_pv = int(s["no_pv"])
        add("sessions without a page view", f"{no_pv:,}", "ok" if no_pv == 0 else "note",
            "" if no_pv == 0 else f"landing page '{NOT_SET}' ({no_pv / max(n_sessions, 1):.1%} of sessions)")  # fmt: skip
    for col in _SESSION_ATTRIBUTES:
        if col in s and int(s[col]):
            add(f"sessions with {col} missing or (not set)", f"{int(s[col]):,}", "note")
    if reference is not None and "session_id" in reference.columns:
        _reference_checks(sessions, reference, n_sessions, add)
    return pd.DataFrame(rows, columns=["check", "value", "status", "note"])


def _count_duplicates(events, sessions) -> int:
    """Exact duplicate events of lazy events, when the sessions were built without looking for them."""
    from kpikit.engine.tables import _REGISTRY, count
    from kpikit.io.lazy import ROW

    entry = _REGISTRY.get(sessions.op()) or {}
    if entry.get("_duplicates", "keep") != "keep":
        return 0  # looked for while sessionising: none
    cols = [c for c in events.columns if c != ROW]
    groups = events.group_by(cols).aggregate(_n=events.count())
    return count(collect(groups.aggregate(d=(groups._n - 1).sum()))["d"].iloc[0])


def _reference_checks(sessions, reference, n_sessions: int, add) -> None:
    """The rows comparing the sessions with the client's own sessions table (matched on session_id)."""
    from kpikit.engine.tables import from_pandas

    ref = reference if is_lazy(reference) else from_pandas(reference, order=False)
    cols = ["session_id", *[c for c in ("engaged",) if c in ref.columns]]
    ref = ref.select(cols).rename(**({"engaged_reference": "engaged"} if "engaged" in cols else {}))
    ref = ref.mutate(session_id=ref.session_id.cast("string"))
    joined = sessions.select("session_id", "engaged").inner_join(ref, "session_id")
    aggs = {"common": joined.count()}
    if "engaged_reference" in joined.columns:
        aggs["agree"] = joined.count(where=joined.engaged == joined.engaged_reference)
    j = collect(joined.aggregate(**aggs)).iloc[0]
    n_ref = int(collect(ref.aggregate(n=ref.count()))["n"].iloc[0])
    common = int(j["common"])
    status = "ok" if n_ref == n_sessions == common else "problem"
    add("sessions vs reference table", f"{n_sessions:,} vs {n_ref:,} ({common:,} matched)", status)
    if "agree" in j and common:
        agree = float(int(j["agree"]) / common)
        add("engaged agrees with reference", f"{agree:.2%}", "ok" if agree == 1 else "problem",
            "" if agree == 1 else "check engaged_after and key_events against the client's GA4 settings")  # fmt: skip
