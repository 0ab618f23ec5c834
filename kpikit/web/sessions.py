"""Sessions from events with GA4 semantics, and the GA4 engaged-session rule.

``sessions_from_events`` turns an events table into one row per session. The helpers work on
factorised codes with ``np.bincount`` and ``np.minimum.at``: no sort of the events where a minimum per
session will do, and no Python loop over events or sessions.

The columns of a session (what each is built from)
--------------------------------------------------
- ``session_id``, ``user_id``, ``start``, ``end``: GA4's ``ga_session_id`` per user, or the inactivity
  timeout; the first and last event.
- ``landing_page``: page of the earliest page view (``"(not set)"`` when the session has none).
- ``source``, ``medium``, ``campaign``, ``channel``: GA4's rule, from the session's first event (by
  time) that carries a source (or a medium), so a ``session_start`` logged before the tagged page
  view does not blank the session's source; ``device``, ``country``: from the first event carrying one.
- ``events``; ``pageviews`` (events named ``page_view_event``); ``interactions`` (Universal Analytics
  interaction hits: the events' own ``interaction`` flag where the column has one, else page views and
  events not in ``non_interaction_events``); ``engagement_time_s`` (sum of ``engagement_time_msec`` /
  1000, else the span from the first to the last event); ``conversions`` (key events); ``value``.
- ``new_lead``: the session holds the user's first lead event (HubSpot counts a lead once).
- ``engaged``: the export's own ``session_engaged`` flag when the session's events carry one (GA4
  sets it on the events after the session became engaged: any 1 makes the session engaged), otherwise
  :func:`is_engaged` (engagement time over ``engaged_after``, a key event, or 2+ page views).
- ``single_interaction`` (Universal Analytics bounce): exactly one interaction hit. A session with no
  interaction hit is not a session for UA (its totals.visits is null); ``bounce_rate(definition="ua")``
  leaves it out.
- ``is_new_user``: the events' own ``new_user`` flag where they carry one (UA's totals.newVisits);
  else the session holds a ``first_visit`` (or ``first_open``) event or has ``ga_session_number`` 1
  (GA4's new users); only when the data has none of these, the user's first session in the data
  (which counts a returning user's first session in a window as new). ``attrs["new_user_rule"]``
  says which rule was used.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.engine.tables import label, resolve
from kpikit.engine.tables import persist as persist_table
from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.schemas import require_columns, utc_naive
from kpikit.web.session_arrays import (
    NOT_SET,
    _duplicate_events,
    _event_matcher,
    _first_carrying,
    _first_index,
    _has_value,
    _landing_pages,
    _session_ids,
    _session_span,
    _sessions_by_id,
    _sessions_by_timeout,
)

__all__ = [
    "DEFAULT_KEY_EVENTS",
    "DEFAULT_NON_INTERACTION_EVENTS",
    "DEFAULT_FIRST_VISIT_EVENTS",
    "NOT_SET",
    "ENGAGED_AFTER_S",
    "is_engaged",
    "sessions_from_events",
]


#: Events counted as key events (conversions) when ``key_events`` is not given: a purchase and a
#: lead (contact form). GA4 marks ``purchase`` as a key event by default; leads are the usual addition.
DEFAULT_KEY_EVENTS: tuple[str, ...] = ("purchase", "generate_lead")


#: Events that are not interactions for the Universal Analytics bounce: GA4's automatic events and
#: scroll tracking (which UA setups commonly sent as non-interaction hits).
DEFAULT_NON_INTERACTION_EVENTS: tuple[str, ...] = (
    "session_start",
    "first_visit",
    "user_engagement",
    "scroll",
)


#: Events that mark a new user's first session: GA4's ``first_visit`` (web) and ``first_open`` (apps).
DEFAULT_FIRST_VISIT_EVENTS: tuple[str, ...] = ("first_visit", "first_open")


#: Columns a session takes from its first event carrying one (those present in the events); the
#: traffic-source group is taken together from the first event that carries a source or a medium.
_SESSION_ATTRIBUTES = ("source", "medium", "campaign", "channel", "device", "country")
_TRAFFIC = ("source", "medium", "campaign", "channel")

#: GA4's default engagement threshold in seconds (a property can set 10 to 60).
ENGAGED_AFTER_S = 10.0


def is_engaged(
    engagement_s: np.ndarray | pd.Series | float,
    conversions: np.ndarray | pd.Series | float,
    pageviews: np.ndarray | pd.Series | float,
    engaged_after_s: float = ENGAGED_AFTER_S,
) -> np.ndarray:
    """GA4's engaged-session rule, vectorised: the one definition in kpikit.

    A session is engaged when its engagement time exceeds ``engaged_after_s`` (exactly the threshold
    is not engaged), or it has a key event (conversion), or it has two or more page or screen views.
    Bounce rate (GA4) = 1 - engagement rate.

    Parameters
    ----------
    engagement_s : array-like of float
        Engagement time per session, in seconds.
    conversions : array-like of int
        Key events per session.
    pageviews : array-like of int
        Page or screen views per session.
    engaged_after_s : float
        The engagement-time threshold in seconds (GA4 default 10; a property may set 10 to 60).

    Returns
    -------
    ndarray of bool
        One flag per session.

    References
    ----------
    Google Analytics Help, "Engaged sessions" and "Bounce rate" (GA4 definitions).

    Examples
    --------
    >>> is_engaged([12.0, 10.0, 3.0, 0.0], [0, 0, 1, 0], [1, 1, 1, 2]).tolist()
    [True, False, True, True]
    """
    t = np.asarray(engagement_s, dtype=float)
    c = np.asarray(conversions, dtype=float)
    v = np.asarray(pageviews, dtype=float)
    return (t > engaged_after_s) | (c > 0) | (v >= 2)


def _label(frame: object, what: str) -> str:
    """How messages name a table: the file it was read from (``attrs["source"]``), else ``what``."""
    return frame.attrs.get("source", what) if isinstance(frame, pd.DataFrame) else what


def _row_labels(frame: pd.DataFrame, mask) -> list[int]:
    """1-based positions of the rows where ``mask`` holds (what describe_rows shows)."""
    return (np.flatnonzero(np.asarray(mask, dtype=bool)) + 1).tolist()


def _seconds(value: str | float | int | pd.Timedelta, name: str) -> float:
    """A duration parameter ("10s", "30min", a number of seconds) in seconds; positive or KpiDataError."""
    try:
        seconds = float(value) if isinstance(value, (int, float)) else pd.Timedelta(value).total_seconds()
    except (ValueError, TypeError):
        raise KpiDataError(f"{name} must be a duration such as '10s' or '30min' (got {value!r}).") from None
    if not seconds > 0:
        raise KpiDataError(f"{name} must be a positive duration (got {value!r}).")
    return seconds


@dataclass(frozen=True)
class _Options:
    """The event names and rules of one :func:`sessions_from_events` call, checked."""

    timeout_s: float
    engaged_s: float
    key_events: tuple[str, ...]
    non_interaction_events: tuple[str, ...]
    lead_events: tuple[str, ...]
    page_view_events: tuple[str, ...]
    first_visit_events: tuple[str, ...]
    engaged_flag: str
    duplicates: str


def _names(value: str | Sequence[str] | None, default: Sequence[str], name: str) -> tuple[str, ...]:
    """An event-name parameter (one name or a list) as a tuple of names; a non-text name is an error."""
    names = tuple(default) if value is None else (value,) if isinstance(value, str) else tuple(value)
    bad = [n for n in names if not isinstance(n, str) or not n]
    if bad:
        raise KpiDataError(f"{name} must be event names (text); got {bad[0]!r}.")
    return names


def _options(timeout, engaged_after, key_events, non_interaction_events, lead_events, page_view_event,
             first_visit_events, split, engaged_flag, duplicates) -> _Options:  # fmt: skip
    """The parameters of :func:`sessions_from_events`, checked (KpiDataError names a wrong one)."""
    for name, value, allowed in (
        ("split", split, ("auto", "session_id", "timeout")),
        ("engaged_flag", engaged_flag, ("export", "rule")),
        ("duplicates", duplicates, ("drop", "keep", "raise")),
    ):
        if value not in allowed:
            raise KpiDataError(f"{name} must be one of {', '.join(map(repr, allowed))} (got {value!r}).")
    page_views = _names(page_view_event, (), "page_view_event")
    if not page_views:
        raise KpiDataError("page_view_event must name at least one event (GA4: 'page_view').")
    return _Options(
        timeout_s=_seconds(timeout, "timeout"),
        engaged_s=_seconds(engaged_after, "engaged_after"),
        key_events=_names(key_events, DEFAULT_KEY_EVENTS, "key_events"),
        non_interaction_events=_names(non_interaction_events, (), "non_interaction_events"),
        lead_events=_names(lead_events, (), "lead_events"),
        page_view_events=page_views,
        first_visit_events=_names(first_visit_events, (), "first_visit_events"),
        engaged_flag=engaged_flag,
        duplicates=duplicates,
    )


def sessions_from_events(
    events: pd.DataFrame,
    timeout: str | pd.Timedelta = "30min",
    engaged_after: str | float | pd.Timedelta = "10s",
    key_events: str | Sequence[str] | None = None,
    non_interaction_events: Sequence[str] = DEFAULT_NON_INTERACTION_EVENTS,
    split: Literal["auto", "session_id", "timeout"] = "auto",
    lead_events: str | Sequence[str] = ("generate_lead",),
    page_view_event: str | Sequence[str] = "page_view",
    first_visit_events: Sequence[str] = DEFAULT_FIRST_VISIT_EVENTS,
    engaged_flag: Literal["export", "rule"] = "export",
    duplicates: Literal["drop", "keep", "raise"] = "drop",
    engine: Literal["auto", "pandas", "duckdb"] = "auto",
    persist: bool = False,
) -> pd.DataFrame:
    """Sessions from an events table, with GA4 semantics (the columns: see :mod:`kpikit.web.sessions`).

    A session is the events of one user and one ``session_id`` (GA4's ``user_pseudo_id`` +
    ``ga_session_id``) when the data has that column; otherwise a user's events are split into a new
    session after ``timeout`` of inactivity. Event names are parameters, GA4's by default: a store
    that logs ``view``, ``cart`` and ``purchase`` passes ``page_view_event="view"``.

    The events may be a DataFrame, a path or glob of Parquet, CSV or JSON files (opened lazily by
    DuckDB, :func:`kpikit.io.lazy.scan`), or any Ibis table (DuckDB, PySpark, BigQuery, ...): then
    the sessions are an Ibis table on the same backend, computed only when an aggregate
    (:func:`bounce_rate`, :func:`diagnose`, ...) reads them, with the same columns and numbers (see
    :mod:`kpikit.web.lazy_sessions` for ties and session ids; its attrs: ``kk.engine.attrs``).

    Parameters
    ----------
    events : DataFrame, path or Ibis table
        Canonical ``events`` table: user_id, timestamp (tz-naive UTC datetime64), event, and optional
        session_id, page, source, medium, campaign, channel, device, country, value,
        engagement_time_msec, session_engaged and ga_session_number (GA4 exports), interaction and
        new_user (UA exports).
    timeout : str or Timedelta
        Inactivity gap that starts a new session when there is no session id (GA4 default 30 min).
    engaged_after : str, float or Timedelta
        Engagement time a session must exceed to be engaged (GA4 default 10 s; exactly 10 s is not).
    key_events : str or sequence of str, optional
        Event names counted as conversions; default :data:`DEFAULT_KEY_EVENTS`.
    non_interaction_events : sequence of str
        Events that are not interactions for the UA bounce (where events carry no ``interaction`` flag).
    split : {"auto", "session_id", "timeout"}
        "auto" uses session_id when the column exists and is not empty, else the timeout.
    lead_events : str or sequence of str
        Event names that create a lead (a contact form, a sign-up).
    page_view_event : str or sequence of str
        The page-view event name(s): GA4 "page_view" (apps: "screen_view"); a store log's "view".
    first_visit_events : sequence of str
        Events that mark a new user's first session (GA4: first_visit, first_open).
    engaged_flag : {"export", "rule"}
        "export" (default): a session's own ``session_engaged`` flag wins where its events carry one
        (what Google counted, whatever the property's threshold), :func:`is_engaged` elsewhere;
        "rule": :func:`is_engaged` for every session.
    duplicates : {"drop", "keep", "raise"}
        Exact duplicate events (identical in every column: a doubled export would make every session
        look engaged by its two page views). "drop" keeps the first copy and warns with the count.
    engine : {"auto", "pandas", "duckdb"}
        "auto": a DataFrame in pandas, files and Ibis tables lazily where they live; "duckdb": a
        DataFrame too is read by DuckDB in place and the sessions are lazy (faster on millions of
        events); "pandas": everything in memory, the sessions a DataFrame.
    persist : bool
        Lazy sessions only: compute them once and keep them in the backend (a DuckDB temporary
        table, Spark's cache), for a report that aggregates them many times.

    Returns
    -------
    DataFrame
        One row per session, in the order of each session's first event. ``attrs``: set_aside (events
        without a user_id, or a session_id in "session_id" mode, with a KpiWarning),
        duplicates_dropped, split, engaged_after_s, key_events, page_view_event, engaged_from_export
        and engaged_disagree (sessions whose export flag was used, and where it differs from the rule),
        new_user_rule. session_id is the input's when unique across users, else
        ``"<user_id>-<session_id>"``; timeout sessions get ``"<user_id>-<n>"``.

    References
    ----------
    Google Analytics Help, "[GA4] Engaged sessions", "[GA4] About data sessions", "[GA4] BigQuery
    Export schema"; Universal Analytics help, "Bounce rate" and "Non-interaction events".

    Examples
    --------
    >>> ev = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "event": ["view"] * 3,
    ...     "page": ["/", "/shop", "/blog/a"],
    ...     "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:01", "2025-01-01 11:00"])})
    >>> s = sessions_from_events(ev, page_view_event="view")
    >>> s[["session_id", "landing_page", "pageviews", "engaged"]].to_dict("list")
    {'session_id': ['u1-1', 'u2-1'], 'landing_page': ['/', '/blog/a'], 'pageviews': [2, 1], 'engaged': [True, False]}
    """
    kind, events = resolve(events, engine, "events", "events")
    opts = _options(timeout, engaged_after, key_events, non_interaction_events, lead_events, page_view_event,
                    first_visit_events, split, engaged_flag, duplicates)  # fmt: skip
    if kind == "ibis":
        from kpikit.web.lazy_sessions import build

        lazy = build(events, opts, split, label(events, "events"))
        return persist_table(lazy) if persist else lazy
    source = _label(events, "events")
    require_columns(events, ["user_id", "timestamp", "event"], source)
    events = _check_timestamps(events, source)
    ev, use_sid, set_aside, positions = _sessionisable(events, split, source)
    result = _build_sessions(ev, positions, use_sid, opts, source)
    result.attrs.update(
        set_aside=set_aside,
        split="session_id" if use_sid else "timeout",
        engaged_after_s=opts.engaged_s,
        key_events=list(opts.key_events),
        page_view_event=list(opts.page_view_events),
        source=source,
    )
    return result


def _check_timestamps(events: pd.DataFrame, source: str) -> pd.DataFrame:
    """The events with ``timestamp`` as tz-naive UTC datetime64 (a tz-aware column is converted); a time on every event."""
    ts_col = events["timestamp"]
    if not pd.api.types.is_datetime64_any_dtype(ts_col):
        raise KpiDataError(
            f"{source}, column 'timestamp' has dtype {ts_col.dtype}, not datetime64. Read the events "
            "with kk.read_table(path, 'events') or convert with pd.to_datetime first."
        )
    if isinstance(ts_col.dtype, pd.DatetimeTZDtype):
        events = events.assign(timestamp=utc_naive(ts_col, f"{source}, column 'timestamp'"))
        ts_col = events["timestamp"]
    if ts_col.isna().any():
        bad = ts_col.isna().to_numpy()
        raise KpiDataError(
            f"{source}, column 'timestamp': {int(bad.sum())} events have no time "
            f"({describe_rows(_row_labels(events, bad))}). Fix the export or drop these events first."
        )
    return events


def _sessionisable(events: pd.DataFrame, split: str, source: str) -> tuple[pd.DataFrame, bool, int, np.ndarray]:
    """The events that can be sessionised, whether sessions follow ``session_id``, and how many were set aside.

    Also the 1-based positions of the kept events in ``events`` (for messages).

    Events without a user_id (or, when sessions follow the session id, without one) are set aside
    with a KpiWarning that counts them.
    """
    has_sid = "session_id" in events.columns and events["session_id"].notna().any()
    if split == "session_id" and not has_sid:
        raise KpiDataError(f"{source}: split='session_id' needs a non-empty 'session_id' column; use split='timeout'.")
    use_sid = has_sid and split != "timeout"

    usable = events["user_id"].notna().to_numpy().copy()
    if use_sid:
        usable &= events["session_id"].notna().to_numpy()
    set_aside = int((~usable).sum())
    if set_aside:
        why = "no user_id or session_id" if use_sid else "no user_id"
        warnings.warn(
            f"{source}: {set_aside:,} of {len(events):,} events have {why} and cannot be sessionised; "
            "they are set aside (counted in attrs['set_aside']).",
            KpiWarning,
            stacklevel=3,
        )
        return events.loc[usable], use_sid, set_aside, np.flatnonzero(usable) + 1
    return events, use_sid, set_aside, np.arange(1, len(events) + 1)


def _build_sessions(
    ev: pd.DataFrame, positions: np.ndarray, use_sid: bool, opts: _Options, source: str
) -> pd.DataFrame:
    """One row per session of the usable events ``ev``; the columns of :func:`sessions_from_events`."""
    ts = ev["timestamp"].to_numpy().astype("datetime64[ns]", copy=False).view("int64")
    user_codes, user_uniques = pd.factorize(ev["user_id"], sort=False)
    user_codes = user_codes.astype(np.int64, copy=False)
    is_event, name_codes = _event_matcher(ev["event"])
    dup = _duplicate_events(ev, ts, user_codes, name_codes, positions, opts.duplicates, source)
    if dup is not None:
        ev, ts, user_codes = ev.loc[~dup], ts[~dup], user_codes[~dup]
        is_event, name_codes = _event_matcher(ev["event"])
    n_users = len(user_uniques)
    if use_sid:
        codes, sess_user, sess_sid = _sessions_by_id(ev["session_id"], user_codes, n_users)
    else:
        codes, sess_user, sess_sid = _sessions_by_timeout(user_codes, ts, opts.timeout_s)
    n_sess = len(sess_sid)
    codes = codes.astype(np.intp, copy=False)
    sess_user = np.asarray(sess_user, dtype=np.intp)
    start, end = _session_span(codes, ts, n_sess)

    is_pv = is_event(opts.page_view_events)
    pageviews = np.bincount(codes[is_pv], minlength=n_sess)
    conversions = np.bincount(codes[is_event(opts.key_events)], minlength=n_sess)
    engagement_s = _engagement_seconds(ev, codes, n_sess, start, end, source)

    users = pd.Index(user_uniques).take(sess_user)
    out: dict = {
        "session_id": _session_ids(users, sess_sid, use_sid),
        "user_id": users.array,
        "start": start.view("datetime64[ns]"),
        "end": end.view("datetime64[ns]"),
    }
    if "page" in ev.columns:
        out["landing_page"] = _landing_pages(ev["page"], codes, ts, is_pv, n_sess)
    out.update(_attributes(ev, codes, ts, n_sess, start))
    out["events"] = np.bincount(codes, minlength=n_sess)
    out["pageviews"] = pageviews
    out["interactions"] = _interactions(ev, is_event, is_pv, name_codes, codes, n_sess, opts, source)
    out["engagement_time_s"] = engagement_s
    out["conversions"] = conversions
    if "value" in ev.columns:
        out["value"] = _session_values(ev, codes, n_sess, source)
    out["new_lead"] = _new_leads(is_event(opts.lead_events), codes, user_codes, ts, n_sess, n_users)
    rule = is_engaged(engagement_s, conversions, pageviews, opts.engaged_s)
    out["engaged"], engaged_info = _engaged(ev, codes, n_sess, rule, opts.engaged_flag, source)
    out["single_interaction"] = out["interactions"] == 1
    new_user, new_rule = _new_users(
        ev, is_event(opts.first_visit_events), codes, sess_user, start, n_sess, n_users, source
    )
    out["is_new_user"] = new_user
    result = pd.DataFrame(out)
    result.attrs.update(engaged_info, new_user_rule=new_rule, duplicates_dropped=0 if dup is None else int(dup.sum()))
    return result


def _attributes(ev: pd.DataFrame, codes: np.ndarray, ts: np.ndarray, n_sess: int, start: np.ndarray) -> dict:
    """Session attributes by GA4's rule.

    The traffic-source columns together from the first event that carries a source or a medium;
    device and country from the first event carrying each.
    """
    out = {}
    first = _first_index(codes, ts, n_sess, minimum=start)
    traffic = [c for c in _TRAFFIC if c in ev.columns]
    if traffic:
        carriers = [c for c in ("source", "medium") if c in ev.columns] or traffic[:1]
        has = _has_value(ev[carriers[0]])
        if len(carriers) == 2 and not has.all():
            has |= _has_value(ev[carriers[1]])
        pick = _first_carrying(has, codes, ts, n_sess, first)
        for c in traffic:
            out[c] = ev[c].array.take(pick)
    for c in ("device", "country"):
        if c in ev.columns:
            out[c] = ev[c].array.take(_first_carrying(_has_value(ev[c]), codes, ts, n_sess, first))
    return {c: out[c] for c in _SESSION_ATTRIBUTES if c in out}


def _bool_column(ev: pd.DataFrame, col: str, source: str) -> pd.Series:
    """A flag column (bool, nullable boolean, or 0/1) as a nullable boolean; anything else is an error."""
    values = ev[col]
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    known = values.dropna()
    if pd.api.types.is_numeric_dtype(values.dtype) and known.isin([0, 1]).all():
        return values.astype("Float64").astype("boolean")
    raise KpiDataError(
        f"{source}, column {col!r} must hold True/False or 1/0 (got {values.dtype} values such as "
        f"{known.iloc[0] if len(known) else None!r}). Read GA exports with kk.io.read_ga4_bigquery or "
        "kk.io.read_ua_bigquery, which parse it."
    )


def _interactions(ev, is_event, is_pv, name_codes, codes, n_sess: int, opts: _Options, source: str) -> np.ndarray:
    """Interaction hits per session: the events' ``interaction`` flag where set, else by event name."""
    by_name = (is_pv | ~is_event(opts.non_interaction_events)) & (name_codes >= 0)
    if "interaction" in ev.columns:
        flag = _bool_column(ev, "interaction", source)
        by_name = np.where(flag.notna().to_numpy(), flag.to_numpy(dtype=bool, na_value=False), by_name)
    return np.bincount(codes[by_name], minlength=n_sess)


def _engaged(ev, codes, n_sess: int, rule: np.ndarray, engaged_flag: str, source: str) -> tuple[np.ndarray, dict]:
    """Engaged per session: the export's ``session_engaged`` where the session's events carry it, else the rule.

    Any true flag makes the session engaged. Also returns how many sessions used the flag and how many
    of those disagree with the rule.
    """
    if engaged_flag == "rule" or "session_engaged" not in ev.columns:
        return rule, {"engaged_from_export": 0, "engaged_disagree": 0}
    flag = _bool_column(ev, "session_engaged", source)
    known = np.bincount(codes[flag.notna().to_numpy()], minlength=n_sess) > 0
    true = np.bincount(codes[flag.to_numpy(dtype=bool, na_value=False)], minlength=n_sess) > 0
    engaged = np.where(known, true, rule)
    return engaged, {"engaged_from_export": int(known.sum()), "engaged_disagree": int((known & (true != rule)).sum())}


def _engagement_seconds(
    ev: pd.DataFrame, codes: np.ndarray, n_sess: int, start: np.ndarray, end: np.ndarray, source: str
) -> np.ndarray:
    """Engagement time per session in seconds: the sum of engagement_time_msec, else the session's span."""
    if "engagement_time_msec" not in ev.columns:
        return (end - start) / 1e9
    msec = ev["engagement_time_msec"]
    if not pd.api.types.is_numeric_dtype(msec.dtype):
        raise KpiDataError(
            f"{source}, column 'engagement_time_msec' holds {msec.dtype} values, not numbers. Read the "
            "events with kk.read_table(path, 'events') so numbers are parsed."
        )
    msec_arr = msec.to_numpy(dtype=float, na_value=np.nan)
    if np.any(msec_arr < 0):
        bad = msec_arr < 0
        raise KpiDataError(
            f"{source}, column 'engagement_time_msec': {int(bad.sum())} negative values "
            f"({describe_rows(_row_labels(ev, bad))}). Engagement time cannot be negative; fix the export."
        )
    return np.bincount(codes, weights=np.nan_to_num(msec_arr, nan=0.0), minlength=n_sess) / 1000.0


def _session_values(ev: pd.DataFrame, codes: np.ndarray, n_sess: int, source: str) -> np.ndarray:
    """Sum of the events' ``value`` per session (missing values count as 0)."""
    if not pd.api.types.is_numeric_dtype(ev["value"].dtype):
        raise KpiDataError(
            f"{source}, column 'value' holds {ev['value'].dtype} values, not numbers. Read the events with "
            "kk.read_table(path, 'events') so amounts are parsed."
        )
    val = ev["value"].to_numpy(dtype=float, na_value=np.nan)
    return np.bincount(codes, weights=np.nan_to_num(val, nan=0.0), minlength=n_sess)


def _new_leads(
    is_lead: np.ndarray, codes: np.ndarray, user_codes: np.ndarray, ts: np.ndarray, n_sess: int, n_users: int
) -> np.ndarray:
    """Whether each session holds its user's first lead event (a lead counts once, at its first conversion)."""
    lead_idx = np.flatnonzero(is_lead)
    first_lead = _first_index(user_codes[lead_idx].astype(np.intp), ts[lead_idx], n_users)
    new_lead = np.zeros(n_sess, dtype=bool)
    new_lead[codes[lead_idx[first_lead[first_lead >= 0]]]] = True
    return new_lead


def _new_users(
    ev: pd.DataFrame,
    is_first_visit: np.ndarray,
    codes: np.ndarray,
    sess_user: np.ndarray,
    start: np.ndarray,
    n_sess: int,
    n_users: int,
    source: str,
) -> tuple[np.ndarray, str]:
    """Whether each session is a new user's, and the rule used.

    The events' own ``new_user`` flag where the column has one (UA: totals.newVisits); else GA4's new
    users: the session holds a first_visit event or its ga_session_number is 1. Only when the data has
    none of these, the user's first session in the data.
    """
    new = np.bincount(codes[is_first_visit], minlength=n_sess) > 0
    rules = ["first_visit"] if is_first_visit.any() else []
    if "ga_session_number" in ev.columns and ev["ga_session_number"].notna().any():
        num = pd.to_numeric(ev["ga_session_number"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        new |= np.bincount(codes[num == 1], minlength=n_sess) > 0
        rules.append("ga_session_number")
    if "new_user" in ev.columns and ev["new_user"].notna().any():
        flag = _bool_column(ev, "new_user", source)
        known = np.bincount(codes[flag.notna().to_numpy()], minlength=n_sess) > 0
        true = np.bincount(codes[flag.to_numpy(dtype=bool, na_value=False)], minlength=n_sess) > 0
        new = np.where(known, true, new)
        rules.insert(0, "new_user flag")
    if rules:
        return new, " or ".join(rules)
    first_sess = _first_index(sess_user, start, n_users)
    new[first_sess[first_sess >= 0]] = True
    return new, "first session in the data"
