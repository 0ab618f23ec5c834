"""Sessions from events with GA4 semantics, and the GA4 engaged-session rule.

``sessions_from_events`` turns an events table into one row per session: the session ids (GA4's
``ga_session_id`` per user, or the inactivity timeout), the landing page, the traffic attributes of
the first event, the counts (events, page views, key events, interactions), the engagement time and
the flags built on them (``engaged`` by :func:`is_engaged`, the Universal Analytics single
interaction, the user's first lead, new users). The helpers work on factorised codes with
``np.bincount`` and ``np.minimum.at``: no sort of the events where a minimum per session will do, and
no Python loop over events or sessions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.schemas import require_columns

__all__ = [
    "DEFAULT_KEY_EVENTS",
    "DEFAULT_NON_INTERACTION_EVENTS",
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


#: Landing page of a session without a page view (GA4 shows the same label).
NOT_SET = "(not set)"


#: Columns a session takes from its first event (those present in the events).
_SESSION_ATTRIBUTES = ("source", "medium", "channel", "device", "country")

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


def sessions_from_events(
    events: pd.DataFrame,
    timeout: str | pd.Timedelta = "30min",
    engaged_after: str | float | pd.Timedelta = "10s",
    key_events: Sequence[str] | None = None,
    non_interaction_events: Sequence[str] = DEFAULT_NON_INTERACTION_EVENTS,
    split: Literal["auto", "session_id", "timeout"] = "auto",
    lead_events: Sequence[str] = ("generate_lead",),
) -> pd.DataFrame:
    """Sessions from an events table, with GA4 semantics.

    A session is the events of one user and one ``session_id`` (GA4's ``user_pseudo_id`` +
    ``ga_session_id``) when the data has that column; otherwise a user's events are split into a new
    session after ``timeout`` of inactivity. Per session:

    - ``landing_page``: page of the first ``page_view`` (``"(not set)"`` when the session has none);
    - ``source``, ``medium``, ``channel``, ``device``, ``country``: from the session's first event;
    - ``pageviews``: number of ``page_view`` events; ``events``: number of events;
    - ``engagement_time_s``: sum of ``engagement_time_msec`` / 1000 when the column exists (GA4
      export); otherwise the span from the first to the last event, in seconds;
    - ``conversions``: number of key events; ``value``: sum of ``value`` (when present);
    - ``new_lead``: the session holds the user's first lead event (``lead_events``), the
      traffic-to-lead numerator (HubSpot counts a lead once, at its first conversion);
    - ``engaged`` (GA4, :func:`is_engaged`): engagement_time_s > engaged_after, or conversions >= 1, or
      pageviews >= 2;
    - ``single_interaction`` (Universal Analytics bounce): at most one interaction hit, where page
      views and events not in ``non_interaction_events`` are interactions;
    - ``is_new_user``: the session holds a ``first_visit`` event when the data has such events,
      otherwise it is the user's first session in the data (a window that starts mid-history counts
      a returning user's first session in it as new).

    Parameters
    ----------
    events : DataFrame
        Canonical ``events`` table: user_id, timestamp (tz-naive UTC datetime64), event, and optional
        session_id, page, source, medium, channel, device, country, value, engagement_time_msec.
    timeout : str or Timedelta
        Inactivity gap that starts a new session when there is no session id (GA4 default 30 min).
    engaged_after : str, float or Timedelta
        Engagement time a session must exceed to count as engaged (GA4 default 10 s; 10-60 s allowed).
        Exactly ``engaged_after`` is not engaged.
    key_events : sequence of str, optional
        Event names counted as conversions; default :data:`DEFAULT_KEY_EVENTS`.
    non_interaction_events : sequence of str
        Events that are not interactions for the UA bounce.
    split : {"auto", "session_id", "timeout"}
        "auto" uses session_id when the column exists and is not empty, else the timeout.
    lead_events : sequence of str
        Event names that create a lead (a contact form, a sign-up); default ``("generate_lead",)``.

    Returns
    -------
    DataFrame
        One row per session, in the order of each session's first event: session_id, user_id, start,
        end, landing_page, source, medium, channel, device, country (those present), events,
        pageviews, engagement_time_s, conversions, value (if present), new_lead, engaged,
        single_interaction, is_new_user. ``attrs["set_aside"]`` counts the events that could not be
        sessionised (no user_id, or no session_id in "session_id" mode); a
        :class:`~kpikit.errors.KpiWarning` says so when there are any. The session_id is the input's when unique across users, else
        ``"<user_id>-<session_id>"``; timeout sessions get ``"<user_id>-<n>"`` (n-th session of the user).

    References
    ----------
    Google Analytics Help, "[GA4] Engaged sessions", "[GA4] Engagement rate and bounce rate",
    "[GA4] About data sessions"; Universal Analytics help, "Bounce rate" and "Non-interaction events".

    Examples
    --------
    >>> ev = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "event": ["page_view"] * 3,
    ...     "page": ["/", "/shop", "/blog/a"],
    ...     "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:01", "2025-01-01 11:00"])})
    >>> s = sessions_from_events(ev)
    >>> s[["session_id", "landing_page", "pageviews", "engaged"]].to_dict("list")
    {'session_id': ['u1-1', 'u2-1'], 'landing_page': ['/', '/blog/a'], 'pageviews': [2, 1], 'engaged': [True, False]}
    """
    source = _label(events, "events")
    require_columns(events, ["user_id", "timestamp", "event"], source)
    timeout_s = _seconds(timeout, "timeout")
    engaged_s = _seconds(engaged_after, "engaged_after")
    keys = tuple(DEFAULT_KEY_EVENTS if key_events is None else key_events)
    if isinstance(key_events, str):
        keys = (key_events,)
    if split not in ("auto", "session_id", "timeout"):
        raise KpiDataError(f"split must be 'auto', 'session_id' or 'timeout' (got {split!r}).")
    _check_timestamps(events, source)
    ev, use_sid, set_aside = _sessionisable(events, split, source)
    result = _build_sessions(ev, use_sid, timeout_s, engaged_s, keys, non_interaction_events, lead_events, source)
    result.attrs["set_aside"] = set_aside
    result.attrs["split"] = "session_id" if use_sid else "timeout"
    result.attrs["engaged_after_s"] = engaged_s
    result.attrs["key_events"] = list(keys)
    result.attrs["source"] = source
    return result


def _check_timestamps(events: pd.DataFrame, source: str) -> None:
    """Raise KpiDataError unless ``timestamp`` is tz-naive datetime64 with a time on every event."""
    ts_col = events["timestamp"]
    if not pd.api.types.is_datetime64_any_dtype(ts_col):
        raise KpiDataError(
            f"{source}, column 'timestamp' has dtype {ts_col.dtype}, not datetime64. Read the events "
            "with kk.read_table(path, 'events') or convert with pd.to_datetime first."
        )
    if isinstance(ts_col.dtype, pd.DatetimeTZDtype):
        raise KpiDataError(
            f"{source}, column 'timestamp' is time-zone aware ({ts_col.dtype.tz}); kpikit works on tz-naive "
            "UTC: use ts.dt.tz_convert('UTC').dt.tz_localize(None)."
        )
    if ts_col.isna().any():
        bad = ts_col.isna().to_numpy()
        raise KpiDataError(
            f"{source}, column 'timestamp': {int(bad.sum())} events have no time "
            f"({describe_rows(_row_labels(events, bad))}). Fix the export or drop these events first."
        )


def _sessionisable(events: pd.DataFrame, split: str, source: str) -> tuple[pd.DataFrame, bool, int]:
    """The events that can be sessionised, whether sessions follow ``session_id``, and how many were set aside.

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
        return events.loc[usable], use_sid, set_aside
    return events, use_sid, set_aside


def _build_sessions(
    ev: pd.DataFrame,
    use_sid: bool,
    timeout_s: float,
    engaged_s: float,
    keys: Sequence[str],
    non_interaction_events: Sequence[str],
    lead_events: Sequence[str],
    source: str,
) -> pd.DataFrame:
    """One row per session of the usable events ``ev``; the columns of :func:`sessions_from_events`."""
    ts = ev["timestamp"].to_numpy().astype("datetime64[ns]", copy=False).view("int64")
    user_codes, user_uniques = pd.factorize(ev["user_id"], sort=False)
    user_codes = user_codes.astype(np.int64, copy=False)
    n_users = len(user_uniques)
    if use_sid:
        codes, sess_user, sess_sid = _sessions_by_id(ev["session_id"], user_codes, n_users)
    else:
        codes, sess_user, sess_sid = _sessions_by_timeout(user_codes, ts, timeout_s)
    n_sess = len(sess_sid)
    codes = codes.astype(np.intp, copy=False)
    sess_user = np.asarray(sess_user, dtype=np.intp)
    start, end = _session_span(codes, ts, n_sess)

    is_event, name_codes = _event_matcher(ev["event"])
    is_pv = is_event(["page_view"])
    is_inter = (is_pv | ~is_event(non_interaction_events)) & (name_codes >= 0)
    pageviews = np.bincount(codes[is_pv], minlength=n_sess)
    conversions = np.bincount(codes[is_event(keys)], minlength=n_sess)
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
    # attributes from the session's first event (ties: the first in data order)
    first_ev = _first_index(codes, ts, n_sess, minimum=start)
    for col in _SESSION_ATTRIBUTES:
        if col in ev.columns:
            out[col] = ev[col].array.take(first_ev)
    out["events"] = np.bincount(codes, minlength=n_sess)
    out["pageviews"] = pageviews
    out["engagement_time_s"] = engagement_s
    out["conversions"] = conversions
    if "value" in ev.columns:
        out["value"] = _session_values(ev, codes, n_sess, source)
    out["new_lead"] = _new_leads(is_event(lead_events), codes, user_codes, ts, n_sess, n_users)
    out["engaged"] = is_engaged(engagement_s, conversions, pageviews, engaged_s)
    out["single_interaction"] = np.bincount(codes[is_inter], minlength=n_sess) <= 1
    out["is_new_user"] = _new_users(is_event(["first_visit"]), codes, sess_user, start, n_sess, n_users)
    return pd.DataFrame(out)


def _sessions_by_id(sid: pd.Series, user_codes: np.ndarray, n_users: int) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Sessions as (user, session_id) pairs, GA4's rule: ga_session_id is unique only per user.

    Returns the session code of each event (sessions numbered in order of their first event), the
    user code of each session and its session id.
    """
    n_ev = len(sid)
    sid_int = None
    if pd.api.types.is_integer_dtype(sid.dtype):
        sid_int = sid.to_numpy(dtype=np.int64)
        lo, hi = (int(sid_int.min()), int(sid_int.max())) if n_ev else (0, 0)
        span = hi - lo + 1
        if n_users * span >= 2**62:
            sid_int = None
    if sid_int is not None:
        # (user, session) pairs as one integer: no hashing of the session ids themselves
        codes, pair_uniques = pd.factorize(user_codes * np.int64(span) + (sid_int - lo), sort=False)
        sess_user = pair_uniques // span
        sess_sid = pd.Index(pair_uniques % span + lo)
    else:
        sid_codes, sid_uniques = pd.factorize(sid, sort=False)
        n_sid = len(sid_uniques)
        codes, pair_uniques = pd.factorize(user_codes * np.int64(n_sid) + sid_codes, sort=False)
        sess_user = pair_uniques // n_sid
        sess_sid = pd.Index(sid_uniques).take(pair_uniques % n_sid)
    return codes, sess_user, sess_sid


def _sessions_by_timeout(
    user_codes: np.ndarray, ts: np.ndarray, timeout_s: float
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Sessions by the inactivity rule: a user's next event more than ``timeout_s`` later starts a new one.

    Returns what :func:`_sessions_by_id` returns; the session id is the session's number among the
    user's sessions (1, 2, ...).
    """
    n_ev = len(ts)
    # sort by user then time; a new session where the user changes or the gap exceeds the timeout
    order = np.lexsort((ts, user_codes))
    u_sorted, t_sorted = user_codes[order], ts[order]
    new = np.ones(n_ev, dtype=bool)
    if n_ev:
        new[1:] = (u_sorted[1:] != u_sorted[:-1]) | (np.diff(t_sorted) > int(timeout_s * 1e9))
    sorted_codes = np.cumsum(new) - 1
    codes_by_sort = np.empty(n_ev, dtype=np.int64)
    codes_by_sort[order] = sorted_codes
    first_pos = np.flatnonzero(new)  # first sorted row of each session, sessions in sorted order
    user_sorted = u_sorted[first_pos]
    del order, u_sorted, t_sorted
    # renumber sessions in order of their first event in the data
    codes, firsts = pd.factorize(codes_by_sort, sort=False)
    k = np.arange(len(first_pos))
    user_start = np.maximum.accumulate(np.where(np.r_[True, user_sorted[1:] != user_sorted[:-1]], k, 0)) if n_ev else k
    sess_user = user_sorted[firsts]
    sess_sid = pd.Index((k - user_start + 1)[firsts])
    return codes, sess_user, sess_sid


def _session_span(codes: np.ndarray, ts: np.ndarray, n_sess: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-session start and end (min and max time, int64 nanoseconds) without sorting the events."""
    start = np.full(n_sess, np.iinfo(np.int64).max, dtype=np.int64)
    end = np.full(n_sess, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(start, codes, ts)
    np.maximum.at(end, codes, ts)
    return start, end


def _event_matcher(event_name: pd.Series) -> tuple[Callable[[Iterable[str]], np.ndarray], np.ndarray]:
    """A function ``names -> mask of the events with one of these names``, and the event-name codes.

    The names are factorised once (cheap for categoricals); each question is then one lookup per code.
    """
    name_codes, name_uniques = pd.factorize(event_name, sort=False)
    name_labels = pd.Index(name_uniques).astype(object)

    def is_event(names: Iterable[str]) -> np.ndarray:
        hit = np.append(name_labels.isin(list(names)), False)  # code -1 (missing) -> False
        return hit[name_codes]

    return is_event, name_codes


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


def _session_ids(users: pd.Index, sess_sid: pd.Index, use_sid: bool) -> pd.api.extensions.ExtensionArray:
    """The input's session ids when they are unique across users, else ``"<user_id>-<session_id>"``."""
    if use_sid and sess_sid.nunique() == len(sess_sid):
        return sess_sid.array
    return _join_text(users, sess_sid, "-")


def _landing_pages(
    page: pd.Series, codes: np.ndarray, ts: np.ndarray, is_pv: np.ndarray, n_sess: int
) -> pd.Categorical:
    """Page of each session's earliest page_view (ties: the first in data order); NOT_SET without one.

    The categories are in alphabetical order, so breakdowns list pages alphabetically.
    """
    page_codes, pages = pd.factorize(page, sort=False)
    pv_idx = np.flatnonzero(is_pv)
    first_pv = _first_index(codes[pv_idx], ts[pv_idx], n_sess)
    labels = [str(p) for p in pages]
    not_set = labels.index(NOT_SET) if NOT_SET in labels else len(labels)
    landing = np.full(n_sess, not_set, dtype=np.int64)
    has_pv = first_pv >= 0
    landing[has_pv] = page_codes[pv_idx[first_pv[has_pv]]]
    if not_set == len(labels):
        labels.append(NOT_SET)
    return pd.Categorical.from_codes(landing, categories=labels).reorder_categories(sorted(labels))


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
    is_first_visit: np.ndarray, codes: np.ndarray, sess_user: np.ndarray, start: np.ndarray, n_sess: int, n_users: int
) -> np.ndarray:
    """Whether each session is a new user's.

    A session is new when it holds a first_visit event (if the data has such events), otherwise when it
    is the user's first session in the data.
    """
    if is_first_visit.any():
        return np.bincount(codes[is_first_visit], minlength=n_sess) > 0
    first_sess = _first_index(sess_user, start, n_users)
    is_new = np.zeros(n_sess, dtype=bool)
    is_new[first_sess[first_sess >= 0]] = True
    return is_new


def _join_text(left: pd.Index, right: pd.Index, sep: str) -> pd.arrays.ArrowStringArray:
    """Element-wise ``str(left) + sep + str(right)``, vectorised in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def as_text(ix: pd.Index):
        arr = pa.array(ix.to_numpy() if not isinstance(ix.dtype, pd.StringDtype) else ix.array, from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return pc.cast(arr, pa.large_string())

    joined = pc.binary_join_element_wise(as_text(left), as_text(right), pa.scalar(sep, pa.large_string()))
    return pd.array(joined, dtype="str")


def _first_index(group: np.ndarray, key: np.ndarray, n_groups: int, minimum: np.ndarray | None = None) -> np.ndarray:
    """Position of the smallest ``key`` within each group (ties: the lowest position); -1 if empty.

    Linear time, no sort: the minimum key per group, then the lowest position among the rows that
    reach it. ``minimum`` may pass the per-group minimum when it is already known.
    """
    out = np.full(n_groups, -1, dtype=np.int64)
    if len(group) == 0:
        return out
    big = np.iinfo(np.int64).max
    if minimum is None:
        minimum = np.full(n_groups, big, dtype=np.int64)
        np.minimum.at(minimum, group, key)
    cand = np.flatnonzero(key == minimum[group])
    pos = np.full(n_groups, big, dtype=np.int64)
    np.minimum.at(pos, group[cand], cand)
    has = pos != big
    out[has] = pos[has]
    return out
