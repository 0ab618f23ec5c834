"""Web analytics: sessions from events, bounce and engagement rates, and bounce-rate diagnosis.

The question this module answers is the one clients ask most: "our bounce rate is 62%, is that bad?".
It builds sessions from raw events with Google Analytics 4 semantics, computes bounce and engagement
rates with their intervals for any breakdown, and ranks pages and segments by the bounces they cost,
with each page read against its goal (information or action).

Definitions (see KPI_CATALOGUE.md, "Web analytics")
---------------------------------------------------
- Session (GA4): the events of one ``user_pseudo_id`` + ``ga_session_id``; without a session id, a new
  session starts after ``timeout`` (30 min) of inactivity.
- Engaged session (GA4): engagement time over ``engaged_after`` (10 s), or a key event, or two or more
  page views. Bounce rate (GA4) = 1 - engagement rate = non-engaged sessions / sessions.
- Bounce rate (Universal Analytics): single-interaction sessions / sessions, where page views and
  interaction events count as interactions and non-interaction events do not.

References: Google Analytics Help, "[GA4] Engagement rate and bounce rate" and "[GA4] Engaged
sessions"; "Bounce rate" (Universal Analytics help, archived); Google Analytics Help, "[GA4]
BigQuery Export schema".
"""

from __future__ import annotations

import difflib
import fnmatch
import gzip
import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.schemas import column_list, require_columns
from kpikit.stats import (
    Rate,
    compare_rates,
    control_limits,
    fdr,
    newcombe_interval,
    proportion_ci,
    rate,
    rate_frame,
    shrink_rates,
    two_proportion_ztest,
)

__all__ = [
    "DEFAULT_KEY_EVENTS",
    "DEFAULT_NON_INTERACTION_EVENTS",
    "NOT_SET",
    "sessions_from_events",
    "bounce_rate",
    "headline",
    "split_periods",
    "INFORMATION_PATTERNS",
    "period_change",
    "trend",
    "page_goal",
    "diagnose",
    "top_entry_pages",
    "device_gap",
    "traffic_to_lead",
    "view_to_contact",
    "benchmark_reference",
    "data_checks",
    "findings",
    "headline_kpis",
    "read_ga4_bigquery",
    "read_landing_page_report",
]

Definition = Literal["ga4", "ua"]

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

_SESSION_ATTRIBUTES = ("source", "medium", "channel", "device", "country")


# --------------------------------------------------------------------------------------------------
# helpers


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str, fix: str = "") -> None:
    """Raise KpiDataError naming the missing columns and the closest existing names."""
    source = frame.attrs.get("source", what) if isinstance(frame, pd.DataFrame) else what
    require_columns(frame, list(columns), source, fix=fix)


def _row_labels(frame: pd.DataFrame, mask) -> list[int]:
    """1-based positions of the rows where ``mask`` holds (what describe_rows shows)."""
    return (np.flatnonzero(np.asarray(mask, dtype=bool)) + 1).tolist()


def _seconds(value: str | float | int | pd.Timedelta, name: str) -> float:
    try:
        seconds = float(value) if isinstance(value, (int, float)) else pd.Timedelta(value).total_seconds()
    except (ValueError, TypeError):
        raise KpiDataError(f"{name} must be a duration such as '10s' or '30min' (got {value!r}).") from None
    if not seconds > 0:
        raise KpiDataError(f"{name} must be a positive duration (got {value!r}).")
    return seconds


def _check_definition(definition: str) -> None:
    if definition not in ("ga4", "ua"):
        raise KpiDataError(
            f"definition must be 'ga4' (non-engaged sessions) or 'ua' (single-interaction sessions); got {definition!r}."
        )


# --------------------------------------------------------------------------------------------------
# sessions from events


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
    - ``engaged`` (GA4): engagement_time_s > engaged_after, or conversions >= 1, or pageviews >= 2;
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
        single_interaction, is_new_user. ``attrs["set_aside"]`` counts the events that could not be sessionised (no
        user_id, or no session_id in "session_id" mode); a :class:`~kpikit.errors.KpiWarning` says
        so when there are any. The session_id is the input's when unique across users, else
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
    _require(events, ("user_id", "timestamp", "event"), "events")
    source = events.attrs.get("source", "events")
    timeout_s = _seconds(timeout, "timeout")
    engaged_s = _seconds(engaged_after, "engaged_after")
    keys = tuple(DEFAULT_KEY_EVENTS if key_events is None else key_events)
    if isinstance(key_events, str):
        keys = (key_events,)
    if split not in ("auto", "session_id", "timeout"):
        raise KpiDataError(f"split must be 'auto', 'session_id' or 'timeout' (got {split!r}).")

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

    has_sid = "session_id" in events.columns and events["session_id"].notna().any()
    if split == "session_id" and not has_sid:
        raise KpiDataError(
            f"{source}: split='session_id' needs a non-empty 'session_id' column; use split='timeout'."
        )
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
            stacklevel=2,
        )
        ev = events.loc[usable]
    else:
        ev = events

    n_ev = len(ev)
    ts = ev["timestamp"].to_numpy().astype("datetime64[ns]", copy=False).view("int64")
    user_codes, user_uniques = pd.factorize(ev["user_id"], sort=False)
    user_codes = user_codes.astype(np.int64, copy=False)
    n_users = len(user_uniques)

    if use_sid:
        sid = ev["session_id"]
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
        n_sess = len(pair_uniques)
    else:
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
        n_sess = len(firsts)
        k = np.arange(len(first_pos))
        user_start = np.maximum.accumulate(np.where(np.r_[True, user_sorted[1:] != user_sorted[:-1]], k, 0)) if n_ev else k
        sess_user = user_sorted[firsts]
        sess_sid = pd.Index((k - user_start + 1)[firsts])
    codes = codes.astype(np.intp, copy=False)
    sess_user = np.asarray(sess_user, dtype=np.intp)

    # per-session start/end (min/max time) without sorting the events
    start = np.full(n_sess, np.iinfo(np.int64).max, dtype=np.int64)
    end = np.full(n_sess, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(start, codes, ts)
    np.maximum.at(end, codes, ts)

    event_name = ev["event"]
    name_codes, name_uniques = pd.factorize(event_name, sort=False)  # cheap for categoricals
    name_labels = pd.Index(name_uniques).astype(object)

    def is_event(names) -> np.ndarray:
        hit = np.append(name_labels.isin(list(names)), False)  # code -1 (missing) -> False
        return hit[name_codes]

    is_pv = is_event(["page_view"])
    is_key = is_event(keys)
    is_inter = (is_pv | ~is_event(non_interaction_events)) & (name_codes >= 0)

    n_events = np.bincount(codes, minlength=n_sess)
    pageviews = np.bincount(codes[is_pv], minlength=n_sess)
    conversions = np.bincount(codes[is_key], minlength=n_sess)
    interactions = np.bincount(codes[is_inter], minlength=n_sess)

    if "engagement_time_msec" in ev.columns:
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
        engagement_s = np.bincount(codes, weights=np.nan_to_num(msec_arr, nan=0.0), minlength=n_sess) / 1000.0
    else:
        engagement_s = (end - start) / 1e9

    out: dict = {}
    # session ids: the input's when unique across users, else "<user_id>-<session_id>"
    users = pd.Index(user_uniques).take(sess_user)
    if use_sid and sess_sid.nunique() == n_sess:
        out["session_id"] = sess_sid.array
    else:
        out["session_id"] = _join_text(users, sess_sid, "-")
    out["user_id"] = users.array
    out["start"] = start.view("datetime64[ns]")
    out["end"] = end.view("datetime64[ns]")

    # landing page: page of the earliest page_view (ties: the first in data order)
    if "page" in ev.columns:
        page_codes, pages = pd.factorize(ev["page"], sort=False)
        pv_idx = np.flatnonzero(is_pv)
        first_pv = _first_index(codes[pv_idx], ts[pv_idx], n_sess)
        labels = [str(p) for p in pages]
        not_set = labels.index(NOT_SET) if NOT_SET in labels else len(labels)
        landing = np.full(n_sess, not_set, dtype=np.int64)
        has_pv = first_pv >= 0
        landing[has_pv] = page_codes[pv_idx[first_pv[has_pv]]]
        if not_set == len(labels):
            labels.append(NOT_SET)
        # categories in alphabetical order, so breakdowns list pages alphabetically
        out["landing_page"] = pd.Categorical.from_codes(landing, categories=labels).reorder_categories(sorted(labels))
    # attributes from the session's first event (ties: the first in data order)
    first_ev = _first_index(codes, ts, n_sess, minimum=start)
    for col in _SESSION_ATTRIBUTES:
        if col in ev.columns:
            out[col] = ev[col].array.take(first_ev)
    out["events"] = n_events
    out["pageviews"] = pageviews
    out["engagement_time_s"] = engagement_s
    out["conversions"] = conversions
    if "value" in ev.columns:
        if not pd.api.types.is_numeric_dtype(ev["value"].dtype):
            raise KpiDataError(
                f"{source}, column 'value' holds {ev['value'].dtype} values, not numbers. Read the events with "
                "kk.read_table(path, 'events') so amounts are parsed."
            )
        val = ev["value"].to_numpy(dtype=float, na_value=np.nan)
        out["value"] = np.bincount(codes, weights=np.nan_to_num(val, nan=0.0), minlength=n_sess)
    is_lead = is_event(lead_events)
    lead_idx = np.flatnonzero(is_lead)
    first_lead = _first_index(user_codes[lead_idx].astype(np.intp), ts[lead_idx], n_users)
    new_lead = np.zeros(n_sess, dtype=bool)
    new_lead[codes[lead_idx[first_lead[first_lead >= 0]]]] = True
    out["new_lead"] = new_lead
    out["engaged"] = (engagement_s > engaged_s) | (conversions > 0) | (pageviews >= 2)
    out["single_interaction"] = interactions <= 1

    is_first_visit = is_event(["first_visit"])
    if is_first_visit.any():
        out["is_new_user"] = np.bincount(codes[is_first_visit], minlength=n_sess) > 0
    else:
        first_sess = _first_index(sess_user, start, n_users)
        is_new = np.zeros(n_sess, dtype=bool)
        is_new[first_sess[first_sess >= 0]] = True
        out["is_new_user"] = is_new

    result = pd.DataFrame(out)
    result.attrs["set_aside"] = set_aside
    result.attrs["split"] = "session_id" if use_sid else "timeout"
    result.attrs["engaged_after_s"] = engaged_s
    result.attrs["key_events"] = list(keys)
    result.attrs["source"] = source
    return result


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
    order = np.argsort(key, kind="stable")
    order = order[np.argsort(group[order], kind="stable")]
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]]
    out[g[first]] = order[first]
    return out


# --------------------------------------------------------------------------------------------------
# rates


def _is_aggregated(frame: pd.DataFrame) -> bool:
    return "sessions" in frame.columns and "bounces" in frame.columns and "session_id" not in frame.columns


def _bounced(sessions: pd.DataFrame, definition: Definition) -> np.ndarray:
    source = sessions.attrs.get("source", "sessions")
    col = "engaged" if definition == "ga4" else "single_interaction"
    if col not in sessions.columns:
        if definition == "ga4":
            fix = ("Build sessions with kk.web.sessions_from_events(events), or add an 'engaged' column "
                   "(engagement time > 10 s, a key event, or 2+ page views).")
        else:
            fix = ("The Universal Analytics bounce needs each session's interaction hits: build sessions "
                   "with kk.web.sessions_from_events(events), which adds 'single_interaction'.")
        raise KpiDataError(f"{source}: column {col!r} is missing, needed for definition={definition!r}. {fix}")
    values = sessions[col]
    if values.isna().any():
        bad = values.isna().to_numpy()
        raise KpiDataError(
            f"{source}, column {col!r}: {int(bad.sum())} sessions have no value "
            f"({describe_rows(_row_labels(sessions, bad))}). Fill them from the events or drop these sessions first."
        )
    if not (pd.api.types.is_bool_dtype(values) or set(pd.unique(values)) <= {0, 1, True, False}):
        raise KpiDataError(
            f"{source}, column {col!r} must hold True/False (got values such as {values.iloc[0]!r}). "
            "Read the table with kk.read_table(path, 'sessions') to parse booleans."
        )
    arr = values.to_numpy(dtype=bool)
    return ~arr if definition == "ga4" else arr


def bounce_rate(
    sessions: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    definition: Definition = "ga4",
    level: float = 0.95,
) -> pd.DataFrame:
    """Bounce rate per segment with its interval, plus engagement rate, pages per session and time.

    GA4: bounce_rate = non-engaged sessions / sessions = 1 - engagement rate.
    Universal Analytics: bounce_rate = single-interaction sessions / sessions.
    The interval is Wilson's (``kpikit.stats.proportion_ci``).

    Parameters
    ----------
    sessions : DataFrame
        Session rows (from :func:`sessions_from_events` or a canonical ``sessions`` table), or
        aggregated rows of a report download with ``sessions`` and ``bounces`` counts (see
        :func:`read_landing_page_report`): counts in, counts out.
    by : str or list of str, optional
        Segment columns (e.g. "landing_page", ["landing_page", "device"]). None: one site-wide row.
        Missing segment values form their own row (never dropped).
    definition : {"ga4", "ua"}
        Bounce definition. Session rows need ``engaged`` (ga4) or ``single_interaction`` (ua).
        Aggregated rows carry the definition of the tool that exported them (``attrs["definition"]``);
        asking for the other one raises.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row per segment (sorted by the segment columns): the ``by`` columns, sessions, bounces,
        bounce_rate, ci_low, ci_high, small_sample, engaged_sessions, engagement_rate, pageviews,
        pages_per_session, engagement_time_mean_s, engagement_time_median_s, converted_sessions,
        conversion_rate (session conversion rate: sessions with a key event / sessions). Columns whose
        input is absent are NaN (e.g. the median for aggregated rows).

    References
    ----------
    Google Analytics Help, "[GA4] Engagement rate and bounce rate"; Wilson (1927).

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/", "/", "/blog"], "engaged": [True, False, False],
    ...                   "single_interaction": [False, True, True]})
    >>> bounce_rate(s, by="landing_page")[["landing_page", "sessions", "bounces", "bounce_rate"]].to_dict("list")
    {'landing_page': ['/', '/blog'], 'sessions': [2, 1], 'bounces': [1, 1], 'bounce_rate': [0.5, 1.0]}
    """
    _check_definition(definition)
    by_cols = column_list(by)
    if not isinstance(sessions, pd.DataFrame):
        raise KpiDataError(f"sessions must be a pandas DataFrame (got {type(sessions).__name__}).")
    _require(sessions, by_cols, "sessions", fix="Pass existing column names in by=.")
    if _is_aggregated(sessions):
        return _bounce_rate_aggregated(sessions, by_cols, definition, level)

    bounced = _bounced(sessions, definition)
    n = len(sessions)
    cols: dict[str, np.ndarray] = {"sessions": np.ones(n, dtype=np.int64), "bounces": bounced.astype(np.int64)}
    if "engaged" in sessions.columns and sessions["engaged"].notna().all():
        cols["engaged_sessions"] = sessions["engaged"].to_numpy(dtype=bool).astype(np.int64)
    if "pageviews" in sessions.columns:
        cols["pageviews"] = sessions["pageviews"].to_numpy(dtype=float, na_value=np.nan)
    if "conversions" in sessions.columns:
        cols["converted_sessions"] = (sessions["conversions"].to_numpy(dtype=float, na_value=0.0) > 0).astype(np.int64)
    has_time = "engagement_time_s" in sessions.columns
    if has_time:
        cols["_time"] = sessions["engagement_time_s"].to_numpy(dtype=float, na_value=np.nan)
    work = pd.DataFrame(cols, index=sessions.index)
    for c in by_cols:
        work[c] = sessions[c]
    if by_cols:
        g = work.groupby(by_cols, sort=True, dropna=False, observed=True)
        sums = g[[c for c in work.columns if c not in by_cols and c != "_time"]].sum()
        if has_time:
            sums["engagement_time_mean_s"] = g["_time"].mean()
            sums["engagement_time_median_s"] = g["_time"].median()
        out = sums.reset_index()
    else:
        out = work.drop(columns="_time", errors="ignore").sum().to_frame().T
        if has_time:
            out["engagement_time_mean_s"] = np.nanmean(cols["_time"]) if n else np.nan
            out["engagement_time_median_s"] = np.nanmedian(cols["_time"]) if n else np.nan
    return _finish_rates(out, by_cols, definition, level)


def _finish_rates(out: pd.DataFrame, by_cols: list[str], definition: str, level: float) -> pd.DataFrame:
    for c in ("sessions", "bounces", "engaged_sessions", "converted_sessions"):
        if c in out.columns:
            out[c] = out[c].astype(np.int64)
    rate_frame(out, "bounces", "sessions", "bounce_rate", level=level)
    n = out["sessions"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if "engaged_sessions" not in out.columns and definition == "ga4":
            out["engaged_sessions"] = out["sessions"] - out["bounces"]
        out["engagement_rate"] = out["engaged_sessions"] / n if "engaged_sessions" in out.columns else np.nan
        out["pages_per_session"] = out["pageviews"] / n if "pageviews" in out.columns else np.nan
        out["conversion_rate"] = out["converted_sessions"] / n if "converted_sessions" in out.columns else np.nan
    for c in ("engaged_sessions", "pageviews", "engagement_time_mean_s", "engagement_time_median_s", "converted_sessions"):
        if c not in out.columns:
            out[c] = np.nan
    order = [*by_cols, "sessions", "bounces", "bounce_rate", "ci_low", "ci_high", "small_sample",
             "engaged_sessions", "engagement_rate", "pageviews", "pages_per_session",
             "engagement_time_mean_s", "engagement_time_median_s", "converted_sessions", "conversion_rate"]
    out = out[order].reset_index(drop=True)
    out.attrs["definition"] = definition
    return out


def _bounce_rate_aggregated(rows: pd.DataFrame, by_cols: list[str], definition: str, level: float) -> pd.DataFrame:
    source = rows.attrs.get("source", "aggregated rows")
    exported = rows.attrs.get("definition")
    if exported is not None and exported != definition:
        names = {"ga4": "GA4 (non-engaged sessions)", "ua": "Universal Analytics (single-interaction sessions)"}
        raise KpiDataError(
            f"{source} holds {names[exported]} bounces, which cannot be turned into the {definition!r} "
            f"definition; pass definition={exported!r} and say which definition the report uses."
        )
    for c in ("sessions", "bounces"):
        v = pd.to_numeric(rows[c], errors="coerce")
        bad = v.isna() | (v < 0) | (v != np.round(v))
        if bad.any():
            raise KpiDataError(
                f"{source}, column {c!r}: {int(bad.sum())} rows are not whole non-negative counts "
                f"({describe_rows(_row_labels(rows, bad))}; first: {rows[c][bad].iloc[0]!r}). "
                "Aggregated rows need counts; convert a rate with bounces = round(sessions * rate)."
            )
    over = rows["bounces"].to_numpy(dtype=float) > rows["sessions"].to_numpy(dtype=float)
    if over.any():
        raise KpiDataError(
            f"{source}: {int(over.sum())} rows have more bounces than sessions "
            f"({describe_rows(_row_labels(rows, over))}). Check the column mapping."
        )
    work = pd.DataFrame({"sessions": rows["sessions"].astype(np.int64), "bounces": rows["bounces"].astype(np.int64)})
    for c in ("engaged_sessions", "pageviews", "converted_sessions"):
        if c in rows.columns:
            work[c] = pd.to_numeric(rows[c]).astype(float)
    if "engagement_time_mean_s" in rows.columns:
        work["_time_total"] = pd.to_numeric(rows["engagement_time_mean_s"]).astype(float) * work["sessions"]
    for c in by_cols:
        work[c] = rows[c]
    if by_cols:
        out = work.groupby(by_cols, sort=True, dropna=False, observed=True).sum(min_count=1).reset_index()
    else:
        out = work.sum(min_count=1).to_frame().T
    if "_time_total" in out.columns:
        out["engagement_time_mean_s"] = out["_time_total"] / out["sessions"]
    out = out.drop(columns="_time_total", errors="ignore")
    return _finish_rates(out, by_cols, definition, level)


def headline(sessions: pd.DataFrame, definition: Definition = "ga4", level: float = 0.95) -> dict:
    """Site-wide headline: bounce and engagement rate (``Rate`` with interval), sessions and averages.

    Returns
    -------
    dict
        sessions (int), bounce_rate (Rate), engagement_rate (Rate; under "ua" the GA4 engagement rate
        when ``engaged`` is present), pages_per_session, engagement_time_mean_s,
        engagement_time_median_s, conversion_rate (Rate, when conversions are known).

    Examples
    --------
    >>> s = pd.DataFrame({"engaged": [True, False, False, True]})
    >>> h = headline(s)
    >>> h["sessions"], float(h["bounce_rate"])
    (4, 0.5)
    """
    row = bounce_rate(sessions, definition=definition, level=level).iloc[0]
    n = int(row["sessions"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict = {"sessions": n, "bounce_rate": rate(int(row["bounces"]), n, level=level)}
        if not np.isnan(row["engaged_sessions"]):
            out["engagement_rate"] = rate(int(row["engaged_sessions"]), n, level=level)
        if not np.isnan(row["converted_sessions"]):
            out["conversion_rate"] = rate(int(row["converted_sessions"]), n, level=level)
    for c in ("pages_per_session", "engagement_time_mean_s", "engagement_time_median_s"):
        if not np.isnan(row[c]):
            out[c] = float(row[c])
    return out


# --------------------------------------------------------------------------------------------------
# periods and trend


def split_periods(
    sessions: pd.DataFrame,
    start_date: str | pd.Timestamp | None = None,
    end_date: str | pd.Timestamp | None = None,
    default_days: int = 91,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Split sessions into the analysed period and the period of equal length just before it.

    Dates are inclusive calendar days on ``start``. ``end_date=None``: the day of the last session;
    ``start_date=None``: ``default_days`` days up to ``end_date``.

    Returns
    -------
    (current, previous, bounds)
        The two session frames and a dict with start, end, previous_start, previous_end (dates,
        inclusive) and days.

    Examples
    --------
    >>> s = pd.DataFrame({"start": pd.to_datetime(["2025-01-01", "2025-01-05", "2025-01-09"])})
    >>> cur, prev, b = split_periods(s, "2025-01-05", "2025-01-09")
    >>> len(cur), len(prev), str(b["previous_start"].date())
    (2, 1, '2024-12-31')
    """
    _require(sessions, ("start",), "sessions")
    start_col = sessions["start"]
    if len(sessions) == 0:
        raise KpiDataError("sessions is empty: there is no period to analyse.")
    end = pd.Timestamp(end_date).normalize() if end_date is not None else start_col.max().normalize()
    start = pd.Timestamp(start_date).normalize() if start_date is not None else end - pd.Timedelta(days=default_days - 1)
    if start > end:
        raise KpiDataError(f"start_date {start.date()} is after end_date {end.date()}; swap them.")
    days = (end - start).days + 1
    prev_end = start - pd.Timedelta(days=1)
    prev_start = prev_end - pd.Timedelta(days=days - 1)
    day = start_col.dt.normalize()
    current = sessions.loc[(day >= start) & (day <= end)]
    previous = sessions.loc[(day >= prev_start) & (day <= prev_end)]
    if len(current) == 0:
        raise KpiDataError(
            f"No sessions between {start.date()} and {end.date()} (data: {start_col.min().date()} to "
            f"{start_col.max().date()}). Choose start_date/end_date inside the data."
        )
    bounds = {"start": start, "end": end, "previous_start": prev_start, "previous_end": prev_end, "days": days}
    return current, previous, bounds


def period_change(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    definition: Definition = "ga4",
    level: float = 0.95,
) -> pd.DataFrame:
    """Bounce, engagement and conversion rate now vs the previous period, with the change tested.

    change = current - previous (percentage points as a fraction) with Newcombe's interval and the
    pooled two-proportion z test (``kpikit.stats.compare_rates``).

    Returns
    -------
    DataFrame
        One row per metric (bounce_rate, engagement_rate, conversion_rate where known): metric,
        current, current_low, current_high, current_sessions, previous, previous_low, previous_high,
        previous_sessions, change, change_low, change_high, p_value, significant. Previous columns
        are NaN when the previous period has no sessions.

    Examples
    --------
    >>> now = pd.DataFrame({"engaged": [True] * 3 + [False]})
    >>> before = pd.DataFrame({"engaged": [True] + [False] * 3})
    >>> float(period_change(now, before).set_index("metric").loc["bounce_rate", "change"])
    -0.5
    """
    cur = bounce_rate(current, definition=definition, level=level).iloc[0]
    prev = bounce_rate(previous, definition=definition, level=level).iloc[0] if len(previous) else None
    rows = []
    for metric, col in (("bounce_rate", "bounces"), ("engagement_rate", "engaged_sessions"), ("conversion_rate", "converted_sessions")):
        if np.isnan(float(cur[col])):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = rate(int(cur[col]), int(cur["sessions"]), level=level)
            row = {"metric": metric, "current": a.value, "current_low": a.low, "current_high": a.high,
                   "current_sessions": a.trials}
            if prev is not None and int(prev["sessions"]) > 0 and not np.isnan(float(prev[col])):
                b = rate(int(prev[col]), int(prev["sessions"]), level=level)
                c = compare_rates(a, b, level=level)
                row.update({"previous": b.value, "previous_low": b.low, "previous_high": b.high,
                            "previous_sessions": b.trials, "change": c.difference, "change_low": c.low,
                            "change_high": c.high, "p_value": c.p_value})
        rows.append(row)
    out = pd.DataFrame(rows, columns=["metric", "current", "current_low", "current_high", "current_sessions",
                                      "previous", "previous_low", "previous_high", "previous_sessions",
                                      "change", "change_low", "change_high", "p_value"])
    out["significant"] = out["p_value"].lt(1 - level).fillna(False).astype(bool)
    return out


def trend(
    sessions: pd.DataFrame,
    freq: str = "W",
    definition: Definition = "ga4",
    sigmas: float = 3.0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Bounce rate per period with its interval and p-chart control limits.

    Each period's limits are centre +- sigmas sqrt(centre (1 - centre) / n_t), centre = all bounces /
    all sessions (``kpikit.stats.control_limits``). A period outside its limits is a signal; inside
    is the normal wobble of a rate and not news.

    Parameters
    ----------
    freq : str
        Period as a pandas period alias: "W" (weeks starting Monday), "D", "M".

    Returns
    -------
    DataFrame
        period (start of the period), sessions, bounces, bounce_rate, ci_low, ci_high, small_sample,
        centre, lcl, ucl, signal.

    References
    ----------
    Montgomery, Introduction to Statistical Quality Control (p-chart).

    Examples
    --------
    >>> s = pd.DataFrame({"start": pd.to_datetime(["2025-03-03"] * 2 + ["2025-03-10"] * 2),
    ...                   "engaged": [False, True, True, True]})
    >>> trend(s)[["bounce_rate", "centre"]].values.tolist()
    [[0.5, 0.25], [0.0, 0.25]]
    """
    _require(sessions, ("start",), "sessions")
    s = sessions.assign(period=sessions["start"].dt.to_period(freq).dt.start_time)
    r = bounce_rate(s, by="period", definition=definition, level=level)
    r = r[["period", "sessions", "bounces", "bounce_rate", "ci_low", "ci_high", "small_sample"]]
    lim = control_limits(r["bounces"], r["sessions"], sigmas=sigmas)
    return pd.concat([r, lim[["centre", "lcl", "ucl", "signal"]]], axis=1)


# --------------------------------------------------------------------------------------------------
# diagnosis

#: Default URL patterns of information pages (everything else is an action page).
INFORMATION_PATTERNS: tuple[str, ...] = (
    r"^/(?:blog|news|article|articles|guide|guides|help|faq|docs|support|about|contact|press|careers)(?:/|$|\?)",
)

Goal = Literal["information", "action"]


def page_goal(pages: pd.Series | Sequence[str], page_goals: Mapping[str, str] | None = None) -> pd.Series:
    """Goal of each page: "information" (read and leave is fine) or "action" (the visitor should act).

    Rules, first match wins: an exact page in ``page_goals``; a glob pattern in ``page_goals``
    ("/blog/*", in mapping order); the default URL patterns of :data:`INFORMATION_PATTERNS` (blog,
    news, help, FAQ, docs, about, contact pages are information); otherwise "action" (home, shop,
    product, pricing and landing pages).

    Examples
    --------
    >>> page_goal(["/", "/blog/a", "/docs", "/pricing"], {"/docs": "action"}).tolist()
    ['action', 'information', 'action', 'action']
    """
    p = pd.Series(pages, dtype=object).reset_index(drop=True)
    goals = pd.Series([None] * len(p), dtype=object)
    text = p.astype(str)
    for pattern in INFORMATION_PATTERNS:
        goals[text.str.contains(pattern, regex=True)] = "information"
    if page_goals:
        bad = {k: v for k, v in page_goals.items() if v not in ("information", "action")}
        if bad:
            raise KpiDataError(
                f"page_goals values must be 'information' or 'action' (got {bad}); e.g. "
                "page_goals={'/blog/*': 'information', '/landing/*': 'action'}."
            )
        pattern_items = [(k, v) for k, v in page_goals.items() if any(ch in k for ch in "*?[")]
        # later patterns are applied first so that the first matching pattern wins
        for pat, goal in reversed(pattern_items):
            goals[text.str.match(fnmatch.translate(pat))] = goal
        exact = {k: v for k, v in page_goals.items() if not any(ch in k for ch in "*?[")}
        hit = text.isin(list(exact))
        goals[hit] = text[hit].map(exact)
    return goals.fillna("action").rename("goal")


def _thresholds(thresholds, information_thresholds) -> dict:
    if isinstance(thresholds, Mapping):
        th = {"action": thresholds.get("action"), "information": thresholds.get("information")}
    else:
        th = {"action": thresholds, "information": information_thresholds}
    for goal, t in th.items():
        if t is None:
            continue
        t = tuple(float(x) for x in t)
        if len(t) != 2 or not 0 <= t[0] <= t[1] <= 1:
            raise KpiDataError(
                f"thresholds for {goal} pages must be two rates (watch, high) with 0 <= watch <= high <= 1 "
                f"(got {t}); e.g. thresholds=(0.5, 0.7)."
            )
        th[goal] = t
    return th


def _binom_two_sided(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Exact binomial two-sided p-value (doubling the smaller tail), vectorised."""
    lower = _st.binom.cdf(k, n, p)
    upper = _st.binom.sf(k - 1, n, p)
    return np.minimum(1.0, 2 * np.minimum(lower, upper))


def diagnose(
    sessions: pd.DataFrame,
    by: str | Sequence[str] = ("landing_page", "device"),
    page_goals: Mapping[str, str] | None = None,
    thresholds: tuple[float, float] | Mapping[str, tuple[float, float] | None] = (0.5, 0.7),
    min_sessions: int = 30,
    benchmark: float | Rate | Mapping[str, float] | None = None,
    definition: Definition = "ga4",
    alpha: float = 0.05,
    information_thresholds: tuple[float, float] | None = None,
    page: str = "landing_page",
    level: float = 0.95,
) -> pd.DataFrame:
    """Rank pages and segments by the bounces they cost, tested and read against each page's goal.

    For each segment with n sessions and k bounces, against the reference rate p0 (the site rate, or
    ``benchmark``):

    - expected_bounces = n p0; excess_bounces = k - n p0 (the bounces the segment costs);
    - shrunk_rate: empirical-Bayes beta-binomial posterior mean (``kpikit.stats.shrink_rates``), so a
      page with 3 sessions and 3 bounces does not look like a 100% page; ranking uses
      shrunk_excess = n (shrunk_rate - p0), largest first;
    - test: against the site, the segment versus the rest of the site (pooled two-proportion z test);
      against a benchmark, the exact binomial test of k ~ Binomial(n, p0); q-values by
      Benjamini-Hochberg over all tested segments (false discovery rate ``alpha``);
    - goal of the page (:func:`page_goal`) and its thresholds (watch, high): a rate at or above
      "watch" is worth a look, at or above "high" is high. Information pages have no thresholds by
      default (a high bounce can be fine for them); pass ``information_thresholds`` to set some.
    - flagged: at least ``min_sessions`` sessions, the page's goal has thresholds, and either the rate
      is significantly above the reference (q < alpha) and at or above "watch", or the whole interval
      is at or above "high". Every row gets a plain-words reason.
    - order: flagged segments first (the fix list), each group by shrunk_excess, then sessions.

    Parameters
    ----------
    sessions : DataFrame
        Session rows, or aggregated report rows (sessions, bounces counts).
    by : str or sequence of str
        Segment columns; must include ``page`` for goals to be known (else all rows are "action").
    page_goals : mapping, optional
        Page or glob pattern -> "information" / "action"; see :func:`page_goal`.
    thresholds : (watch, high) or mapping goal -> (watch, high) or None
        Rule-of-thumb levels for action pages (default 50% worth a look, 70% high).
    min_sessions : int
        Segments with fewer sessions are ranked (after shrinkage) but never flagged.
    benchmark : float, Rate, mapping goal -> float, or None
        Reference rate instead of the site rate (e.g. a published benchmark).
    definition : {"ga4", "ua"}
        Bounce definition.
    alpha : float
        False discovery rate for the q-values.
    information_thresholds : (watch, high), optional
        Thresholds for information pages when ``thresholds`` is a tuple.

    Returns
    -------
    DataFrame
        One row per segment, ranked: rank, segment (the by values joined by " / "), the by columns,
        goal, sessions, bounces, bounce_rate, ci_low, ci_high, small_sample, reference_rate,
        expected_bounces, excess_bounces, shrunk_rate, shrunk_excess, z, p_value, q_value, level
        ("ok", "watch", "high", or "no threshold"), flagged, reason.

    References
    ----------
    Efron (2010), Large-Scale Inference (empirical Bayes); Benjamini and Hochberg (1995); HubSpot,
    "What is bounce rate?" (the 50%/70% rule of thumb and reference ranges by site type).

    Examples
    --------
    >>> rows = pd.DataFrame({"landing_page": ["/landing/a", "/blog/x", "/shop"],
    ...                      "sessions": [1000, 1000, 1000], "bounces": [700, 800, 300]})
    >>> d = diagnose(rows, by="landing_page")
    >>> d[["landing_page", "goal", "flagged"]].values.tolist()[0]
    ['/landing/a', 'action', True]
    """
    _check_definition(definition)
    by_cols = column_list(by)
    if not by_cols:
        raise KpiDataError("diagnose needs at least one segment column in by=, e.g. by=('landing_page',).")
    if not 0 < alpha < 1:
        raise KpiDataError(f"alpha must be between 0 and 1 (got {alpha!r}).")
    th = _thresholds(thresholds, information_thresholds)
    r = bounce_rate(sessions, by=by_cols, definition=definition, level=level)
    total_n = int(r["sessions"].sum())
    total_k = int(r["bounces"].sum())
    if total_n == 0:
        raise KpiDataError("sessions is empty: nothing to diagnose.")
    site = total_k / total_n
    goal = page_goal(r[page], page_goals) if page in r.columns else pd.Series(["action"] * len(r), dtype=object)
    r.insert(len(by_cols), "goal", goal.to_numpy())

    n = r["sessions"].to_numpy(dtype=float)
    k = r["bounces"].to_numpy(dtype=float)
    if benchmark is None:
        ref = np.full(len(r), site)
        z, p = two_proportion_ztest(k, n, total_k - k, total_n - n)
        # a segment holding all sessions cannot be compared with the rest
        p = np.where(total_n - n > 0, p, np.nan)
        z = np.where(total_n - n > 0, z, np.nan)
        ref_name = "site"
    else:
        if isinstance(benchmark, Mapping):
            missing = set(r["goal"]) - set(benchmark)
            if missing:
                raise KpiDataError(f"benchmark has no rate for goal(s) {sorted(missing)}; give one per goal.")
            ref = r["goal"].map(dict(benchmark)).to_numpy(dtype=float)
        else:
            ref = np.full(len(r), float(benchmark))
        if np.any((ref <= 0) | (ref >= 1)):
            raise KpiDataError(f"benchmark rates must lie strictly between 0 and 1 (got {benchmark!r}).")
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (k - n * ref) / np.sqrt(n * ref * (1 - ref))
        p = _binom_two_sided(k, n, ref)
        ref_name = "benchmark"
    q = fdr(p)
    shrunk, _, _ = shrink_rates(k, n)
    r["reference_rate"] = ref
    r["expected_bounces"] = n * ref
    r["excess_bounces"] = k - n * ref
    r["shrunk_rate"] = shrunk
    r["shrunk_excess"] = n * (shrunk - ref)
    r["z"], r["p_value"], r["q_value"] = z, p, q

    rate_v = r["bounce_rate"].to_numpy()
    watch = np.array([th[g][0] if th.get(g) else np.nan for g in r["goal"]])
    high = np.array([th[g][1] if th.get(g) else np.nan for g in r["goal"]])
    has_th = ~np.isnan(watch)
    level_lab = np.where(~has_th, "no threshold", np.where(rate_v >= high, "high", np.where(rate_v >= watch, "watch", "ok")))
    r["level"] = level_lab
    enough = n >= min_sessions
    above = (np.nan_to_num(q, nan=1.0) < alpha) & (rate_v > ref)
    flagged = enough & has_th & ((above & (rate_v >= watch)) | (r["ci_low"].to_numpy() >= high))
    r["flagged"] = flagged
    r.insert(0, "segment", r[by_cols].astype(str).agg(" / ".join, axis=1) if len(by_cols) > 1 else r[by_cols[0]].astype(str))
    r["reason"] = _reasons(r, enough, above, min_sessions, ref_name, alpha)
    # the fix list: flagged rows first, each group by shrunk excess (to a thousandth of a bounce, so
    # float noise does not order ties), then by volume
    r["_key"] = r["shrunk_excess"].round(3)
    r = r.sort_values(["flagged", "_key", "sessions"], ascending=[False, False, False], kind="stable").drop(columns="_key")
    r = r.reset_index(drop=True)
    r.insert(0, "rank", np.arange(1, len(r) + 1))
    r.attrs["site_rate"] = site
    r.attrs["reference"] = ref_name
    r.attrs["definition"] = definition
    return r


def _reasons(r: pd.DataFrame, enough, above, min_sessions: int, ref_name: str, alpha: float) -> list[str]:
    reasons = []
    for i, row in enumerate(r.itertuples(index=False)):  # one sentence per segment row (tens of rows)
        what = (f"{row.bounce_rate:.0%} bounce on {row.sessions:,} sessions "
                f"(95% CI {row.ci_low:.0%} to {row.ci_high:.0%}) vs {ref_name} {row.reference_rate:.0%}")
        if not enough[i]:
            reasons.append(f"Too few sessions to judge ({row.sessions} < {min_sessions}); ranked after shrinkage only.")
        elif row.flagged:
            line = "'high'" if row.level == "high" else "'worth a look'"
            sig = (f"significantly above (q = {row.q_value:.2g})" if above[i]
                   else "its whole interval is above the high line")
            reasons.append(
                f"Fix: {what}; about {row.excess_bounces:,.0f} more bounces than at the {ref_name} rate, "
                f"{sig}; an {row.goal} page in the {line} zone."
            )
        elif row.goal == "information" and row.level == "no threshold":
            reasons.append(
                f"Fine for its goal: {what}; an information page, where reading one page and leaving "
                "can be success."
            )
        elif row.level == "ok":
            reasons.append(f"OK: {what}; below the {row.goal}-page 'worth a look' line.")
        else:
            reasons.append(
                f"Watch: {what}; in the {row.level!s} zone but not significantly above the {ref_name} rate "
                f"at FDR {alpha:.0%} (q = {row.q_value:.2g})."
            )
    return reasons


def top_entry_pages(
    sessions: pd.DataFrame, n: int = 5, definition: Definition = "ga4", page: str = "landing_page", level: float = 0.95
) -> pd.DataFrame:
    """The ``n`` landing pages with most sessions, with share of sessions, bounce and conversion.

    Returns
    -------
    DataFrame
        The columns of :func:`bounce_rate` by ``page`` plus share (sessions / all sessions) and
        conversion_ci_low, conversion_ci_high (Wilson interval of the session conversion rate),
        sorted by sessions (ties by page).

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/", "/", "/shop"], "engaged": [True, False, True]})
    >>> top_entry_pages(s, n=1)[["landing_page", "sessions", "share"]].values.tolist()
    [['/', 2, 0.6666666666666666]]
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise KpiDataError(f"n must be a whole number >= 1 (got {n!r}).")
    r = bounce_rate(sessions, by=page, definition=definition, level=level)
    r.insert(2, "share", r["sessions"] / r["sessions"].sum())
    if r["converted_sessions"].notna().all():
        low, high = _wilson(r["converted_sessions"], r["sessions"], level)
        r["conversion_ci_low"], r["conversion_ci_high"] = low, high
    r["_label"] = r[page].astype(str)
    r = r.sort_values(["sessions", "_label"], ascending=[False, True], kind="stable").head(n)
    return r.drop(columns="_label").reset_index(drop=True)


def _wilson(k, n, level):
    return proportion_ci(np.asarray(k, dtype=float), np.asarray(n, dtype=float), level=level)


def device_gap(
    sessions: pd.DataFrame,
    a: str = "mobile",
    b: str = "desktop",
    page: str = "landing_page",
    device: str = "device",
    definition: Definition = "ga4",
    min_sessions: int = 30,
    alpha: float = 0.05,
    level: float = 0.95,
) -> pd.DataFrame:
    """Mobile-versus-desktop bounce gap per landing page, with its interval and a test.

    gap = bounce_rate(a) - bounce_rate(b) with Newcombe's interval; pooled two-proportion z test;
    Benjamini-Hochberg q-values over the pages where both devices have ``min_sessions``.

    Returns
    -------
    DataFrame
        One row per page with both devices present, ranked by the bounces the gap costs
        (``{a}_sessions`` x gap, largest first): page, sessions (all devices), ``{a}_share``,
        ``{a}_sessions``, ``{a}_bounces``, ``{a}_bounce_rate``, ``{a}_conversion_rate``, the same for
        ``b``, gap, gap_low, gap_high, z, p_value, q_value, tested (both devices have min_sessions),
        flagged (tested and q < alpha), direction ("{a} worse" / "{b} worse").

    References
    ----------
    Newcombe (1998), method 10; Benjamini and Hochberg (1995).

    Examples
    --------
    >>> rows = pd.DataFrame({"landing_page": ["/p", "/p"], "device": ["mobile", "desktop"],
    ...                      "sessions": [100, 100], "bounces": [75, 35]})
    >>> g = device_gap(rows)
    >>> round(float(g["gap"].iloc[0]), 2), bool(g["flagged"].iloc[0])
    (0.4, True)
    """
    _check_definition(definition)
    _require(sessions, (page, device), "sessions")
    r = bounce_rate(sessions, by=[page, device], definition=definition, level=level)
    total = r.groupby(page, sort=True, dropna=False)["sessions"].sum().rename("sessions")
    keep = ["sessions", "bounces", "bounce_rate", "conversion_rate"]
    ra = r.loc[r[device] == a, [page, *keep]].set_index(page).add_prefix(f"{a}_")
    rb = r.loc[r[device] == b, [page, *keep]].set_index(page).add_prefix(f"{b}_")
    if ra.empty or rb.empty:
        present = sorted(map(str, r[device].dropna().unique()))
        raise KpiDataError(f"device_gap needs sessions with {device}={a!r} and {device}={b!r}; the data has {present}.")
    out = total.to_frame().join(ra, how="inner").join(rb, how="inner").reset_index()
    out.insert(2, f"{a}_share", out[f"{a}_sessions"] / out["sessions"])
    k1, n1 = out[f"{a}_bounces"].to_numpy(float), out[f"{a}_sessions"].to_numpy(float)
    k2, n2 = out[f"{b}_bounces"].to_numpy(float), out[f"{b}_sessions"].to_numpy(float)
    out["gap"] = k1 / n1 - k2 / n2
    out["gap_low"], out["gap_high"] = newcombe_interval(k1, n1, k2, n2, level)
    out["z"], out["p_value"] = two_proportion_ztest(k1, n1, k2, n2)
    tested = (n1 >= min_sessions) & (n2 >= min_sessions)
    out["q_value"] = fdr(np.where(tested, out["p_value"], np.nan))
    out["tested"] = tested
    out["flagged"] = tested & (out["q_value"].fillna(1.0) < alpha).to_numpy()
    out["direction"] = np.where(out["gap"] > 0, f"{a} worse", np.where(out["gap"] < 0, f"{b} worse", "no gap"))
    out["_cost"] = n1 * out["gap"]
    out = out.sort_values(["_cost", page], ascending=[False, True], kind="stable").drop(columns="_cost")
    return out.reset_index(drop=True)


def traffic_to_lead(
    sessions: pd.DataFrame, by: str | Sequence[str] = "landing_page", level: float = 0.95
) -> pd.DataFrame:
    """Traffic-to-lead ratio: new leads / sessions per segment (landing page, source, channel).

    A lead is counted once, at the user's first lead event (HubSpot's convention), in the session
    where it happened: the ``new_lead`` column of :func:`sessions_from_events`.

    Returns
    -------
    DataFrame
        by columns, sessions, leads, traffic_to_lead, ci_low, ci_high, small_sample; sorted by leads
        then sessions, descending.

    References
    ----------
    HubSpot, "Traffic-to-lead conversion rate".

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/contact", "/contact", "/"], "new_lead": [True, False, False]})
    >>> traffic_to_lead(s)[["landing_page", "leads", "traffic_to_lead"]].values.tolist()
    [['/contact', 1, 0.5], ['/', 0, 0.0]]
    """
    by_cols = column_list(by)
    _require(sessions, [*by_cols, "new_lead"], "sessions",
             fix="Build sessions with kk.web.sessions_from_events(events), which marks each user's first lead.")
    work = pd.DataFrame({"sessions": 1, "leads": sessions["new_lead"].to_numpy(dtype=bool).astype(np.int64)},
                        index=sessions.index)
    for c in by_cols:
        work[c] = sessions[c]
    out = work.groupby(by_cols, sort=True, dropna=False, observed=True).sum().reset_index() if by_cols else work.sum().to_frame().T
    rate_frame(out, "leads", "sessions", "traffic_to_lead", level=level)
    return out.sort_values(["leads", "sessions"], ascending=False, kind="stable").reset_index(drop=True)


def view_to_contact(
    events: pd.DataFrame,
    contact_events: Sequence[str] = ("generate_lead",),
    page: str = "page",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """View-to-contact rate per page: contact-form submissions on the page / page views of the page.

    Counts events as the catalogue defines it. When a page has more submissions than views (repeat
    submissions), the rate exceeds 1 and has no interval: such rows are marked ``over_one``, never
    clipped. ``start`` and ``end`` (days, inclusive) restrict the events to a period.

    Returns
    -------
    DataFrame
        page, views, contacts, view_to_contact, ci_low, ci_high, small_sample, over_one; pages with at
        least one view, sorted by contacts, then views, descending.

    References
    ----------
    KPI_CATALOGUE.md, "view-to-contact" (pages with the highest bounce and lowest view-to-contact first).

    Examples
    --------
    >>> e = pd.DataFrame({"event": ["page_view", "page_view", "generate_lead"], "page": ["/contact"] * 3})
    >>> float(view_to_contact(e)["view_to_contact"].iloc[0])
    0.5
    """
    _require(events, ("event", page), "events")
    ev = events
    if start is not None or end is not None:
        _require(events, ("timestamp",), "events")
        day = events["timestamp"].dt.normalize()
        keep = np.ones(len(events), dtype=bool)
        if start is not None:
            keep &= (day >= pd.Timestamp(start).normalize()).to_numpy()
        if end is not None:
            keep &= (day <= pd.Timestamp(end).normalize()).to_numpy()
        ev = events.loc[keep]
    ev = ev[["event", page]]
    is_view = (ev["event"] == "page_view").to_numpy(dtype=bool, na_value=False)
    is_contact = ev["event"].isin(list(contact_events)).to_numpy(dtype=bool)
    work = pd.DataFrame({page: ev[page], "views": is_view.astype(np.int64), "contacts": is_contact.astype(np.int64)})
    out = work.groupby(page, sort=True, dropna=False, observed=True).sum().reset_index()
    out = out.loc[out["views"] > 0].reset_index(drop=True)
    over = out["contacts"] > out["views"]
    ok = out.loc[~over].copy()
    rate_frame(ok, "contacts", "views", "view_to_contact", level=level)
    out = out.join(ok[["view_to_contact", "ci_low", "ci_high", "small_sample"]])
    out.loc[over, "view_to_contact"] = out.loc[over, "contacts"] / out.loc[over, "views"]
    out["small_sample"] = out["small_sample"].fillna(True).astype(bool)
    out["over_one"] = over.to_numpy()
    out["_label"] = out[page].astype(str)
    out = out.sort_values(["contacts", "views", "_label"], ascending=[False, False, True], kind="stable")
    return out.drop(columns="_label").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# readers: GA4 BigQuery export, GA4 and Universal Analytics landing-page downloads

_GA4_FILE_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz", ".parquet")


def _ga4_files(path) -> list[Path]:
    if isinstance(path, (list, tuple)):
        files = [Path(p) for p in path]
    else:
        p = Path(path)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.name.lower().endswith(_GA4_FILE_SUFFIXES))
            if not files:
                raise KpiDataError(f"{p}: no GA4 export files (*.jsonl, *.json, *.jsonl.gz, *.parquet) in this folder.")
        else:
            files = [p]
    for f in files:
        if not f.exists():
            raise KpiDataError(f"{f}: file not found.")
    return files


def _ga4_value(v):
    if not isinstance(v, Mapping):
        return v
    for key in ("string_value", "int_value", "float_value", "double_value"):
        x = v.get(key)
        if x is not None:
            return x
    return None


def _get(d, *keys):
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d


def _flatten_ga4(record: Mapping) -> dict:
    params = record.get("event_params") or []
    flat = {p.get("key"): _ga4_value(p.get("value")) for p in params if isinstance(p, Mapping)}
    last_click = _get(record, "session_traffic_source_last_click", "cross_channel_campaign") or {}
    collected = record.get("collected_traffic_source") or {}
    return {
        "user_pseudo_id": record.get("user_pseudo_id"),
        "ga4_user_id": record.get("user_id"),
        "event_timestamp": record.get("event_timestamp"),
        "event_name": record.get("event_name"),
        "event_date": record.get("event_date"),
        "ga_session_id": flat.get("ga_session_id"),
        "ga_session_number": flat.get("ga_session_number"),
        "page_location": flat.get("page_location"),
        "entrances": flat.get("entrances"),
        "engagement_time_msec": flat.get("engagement_time_msec"),
        "session_engaged": flat.get("session_engaged"),
        "source": last_click.get("source") or flat.get("source") or collected.get("manual_source"),
        "medium": last_click.get("medium") or flat.get("medium") or collected.get("manual_medium"),
        "channel": last_click.get("default_channel_group"),
        "device": _get(record, "device", "category"),
        "country": _get(record, "geo", "country"),
        "value": flat.get("value") if flat.get("value") is not None else _get(record, "ecommerce", "purchase_revenue"),
    }


def _read_ga4_records(f: Path) -> tuple[list[dict], list[int]]:
    name = f.name
    if name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            records = pq.read_table(f).to_pylist()
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise KpiDataError(f"{name}: not a readable Parquet file ({exc}). Re-export the table as Parquet.") from None
        return records, list(range(1, len(records) + 1))
    opener = gzip.open if name.lower().endswith(".gz") else open
    try:
        with opener(f, "rt", encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise KpiDataError(f"{name}: not UTF-8 text; BigQuery writes UTF-8 JSON. Check that this is the export file.") from None
    except (OSError, EOFError) as exc:
        raise KpiDataError(f"{name}: cannot be read ({exc}). Check the file (a truncated .gz?).") from None
    stripped = text.lstrip()
    if not stripped:
        raise KpiDataError(f"{name}: the file is empty; it holds no events.")
    if stripped.startswith("["):  # a console "save as JSON": one array of events
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise KpiDataError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg}). Re-download the results.") from None
        lines = list(range(1, len(records) + 1))
    else:
        records, lines = [], []
        for i, line in enumerate(text.splitlines(), start=1):  # JSON lines: parsing is per line by nature
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise KpiDataError(
                    f"{name}, line {i}: not valid JSON ({exc.msg} at column {exc.colno}). Export the events "
                    "table as newline-delimited JSON (one event per line), or remove the broken line."
                ) from None
            lines.append(i)
    bad = [ln for r, ln in zip(records, lines) if not isinstance(r, Mapping)]
    if bad:
        raise KpiDataError(f"{name}: {describe_rows(bad)} are not JSON objects; each line must be one event object.")
    return records, lines


def read_ga4_bigquery(path, duplicates: Literal["drop", "keep", "raise"] = "drop") -> pd.DataFrame:
    """Read a GA4 BigQuery export (events_YYYYMMDD rows) into the canonical ``events`` table.

    Accepts newline-delimited JSON (.jsonl/.json, optionally .gz; 64-bit integers as strings or
    numbers), a console "save as JSON" array, and Parquet with the nested columns; a list of files or
    a folder of shards. Flattens ``event_params`` and the nested records:

    ====================  =====================================================================
    canonical column      from
    ====================  =====================================================================
    user_id               user_pseudo_id (the site's own user_id goes to ``ga4_user_id``)
    session_id            event_params.ga_session_id (Int64; unique only per user)
    timestamp             event_timestamp (microseconds since epoch, UTC) as tz-naive UTC
    event                 event_name
    page                  path of event_params.page_location (query string and host dropped)
    source, medium,       session_traffic_source_last_click.cross_channel_campaign, else event_params
    channel               source/medium, else collected_traffic_source manual_source/manual_medium;
                          channel = default_channel_group. (traffic_source is the user's first touch
                          and is not used for sessions.)
    device, country       device.category, geo.country
    value                 event_params.value, else ecommerce.purchase_revenue
    engagement_time_msec  event_params.engagement_time_msec
    ====================  =====================================================================

    Also kept: page_location, entrances, session_engaged (boolean; "1"/"0" or 1/0), ga_session_number,
    event_date, ga4_user_id. Events without user_pseudo_id or ga_session_id are kept with missing
    values; :func:`sessions_from_events` sets them aside and says how many.

    Parameters
    ----------
    path : str, Path, list of them, or a folder
        The export file(s).
    duplicates : {"drop", "keep", "raise"}
        Exact duplicate events (identical in every field) occur in exports. "drop" (default) keeps the
        first and warns with the count (``attrs["duplicates_dropped"]``).

    Returns
    -------
    DataFrame
        Canonical events, in file order; ``attrs`` source, duplicates_dropped.

    Raises
    ------
    KpiDataError
        Invalid JSON (names the file and line), missing event_timestamp or event_name, values that are
        not numbers where numbers are expected.

    References
    ----------
    Google Analytics Help, "[GA4] BigQuery Export schema".

    Examples
    --------
    >>> events = read_ga4_bigquery("data/sample/ga4_bigquery_events.jsonl")  # doctest: +SKIP
    >>> sessions = sessions_from_events(events)  # doctest: +SKIP
    """
    if duplicates not in ("drop", "keep", "raise"):
        raise KpiDataError(f"duplicates must be 'drop', 'keep' or 'raise' (got {duplicates!r}).")
    files = _ga4_files(path)
    frames = []
    for f in files:
        records, lines = _read_ga4_records(f)
        flat = pd.DataFrame([_flatten_ga4(r) for r in records],
                            columns=list(_flatten_ga4({}).keys()), dtype=object)
        flat["_file"] = f.name
        flat["_line"] = lines
        frames.append(flat)
    raw = pd.concat(frames, ignore_index=True)
    label = files[0].name if len(files) == 1 else f"{files[0].parent} ({len(files)} files)"
    if raw.empty:
        raise KpiDataError(f"{label}: the export holds no events.")

    def fail(col: str, mask: np.ndarray, problem: str, fix: str) -> None:
        where = raw.loc[mask, ["_file", "_line"]]
        first_file = where["_file"].iloc[0]
        rows = where.loc[where["_file"] == first_file, "_line"].tolist()
        raise KpiDataError(
            f"{first_file}, field {col!r}: {int(mask.sum())} events {problem} (lines "
            f"{describe_rows(rows).split(' ', 1)[1]}; first: {raw.loc[mask, col].iloc[0]!r}). {fix}"
        )

    for col in ("event_timestamp", "event_name"):
        miss = raw[col].isna().to_numpy()
        if miss.all():
            raise KpiDataError(
                f"{label}: field {col!r} is missing in every event; this does not look like a GA4 BigQuery "
                "export (expected event_timestamp, event_name, event_params, user_pseudo_id)."
            )
        if miss.any():
            fail(col, miss, "have no value", "Every GA4 event has one; check that the export is complete.")

    def numeric(col: str) -> pd.Series:
        text = raw[col]
        num = pd.to_numeric(text.astype("str").where(text.notna()), errors="coerce")
        bad = (num.isna() & text.notna()).to_numpy()
        if bad.any():
            fail(col, bad, "are not numbers", "Fix the export; this field holds integers in GA4.")
        return num

    us = numeric("event_timestamp")
    ts = pd.to_datetime(us.astype("int64"), unit="us")
    sid = numeric("ga_session_id")
    if (sid.dropna() != np.round(sid.dropna())).any():
        fail("ga_session_id", (sid != np.round(sid)).fillna(False).to_numpy(), "are not whole numbers",
             "ga_session_id is the session start in epoch seconds.")
    engaged_raw = raw["session_engaged"].astype("str").str.strip().str.lower().where(raw["session_engaged"].notna())
    engaged_map = {"1": True, "0": False, "true": True, "false": False, "1.0": True, "0.0": False}
    bad = (engaged_raw.notna() & ~engaged_raw.isin(list(engaged_map))).to_numpy()
    if bad.any():
        fail("session_engaged", bad, "are not 1/0", "GA4 writes session_engaged as '1' or '0'.")
    location = raw["page_location"].astype("str").where(raw["page_location"].notna())
    path_only = location.str.extract(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)", expand=False)
    path_only = path_only.where(path_only.isna() | (path_only != ""), "/")
    events = pd.DataFrame(
        {
            "user_id": raw["user_pseudo_id"].astype("str").where(raw["user_pseudo_id"].notna()),
            "session_id": sid.astype("Int64"),
            "timestamp": ts,
            "event": raw["event_name"].astype("str"),
            "page": path_only,
            "source": raw["source"].astype("str").where(raw["source"].notna()),
            "medium": raw["medium"].astype("str").where(raw["medium"].notna()),
            "channel": raw["channel"].astype("str").where(raw["channel"].notna()),
            "device": raw["device"].astype("str").where(raw["device"].notna()),
            "country": raw["country"].astype("str").where(raw["country"].notna()),
            "value": numeric("value").astype(float),
            "engagement_time_msec": numeric("engagement_time_msec").astype(float),
            "page_location": location,
            "entrances": numeric("entrances").astype("Int64"),
            "session_engaged": engaged_raw.map(engaged_map).astype("boolean"),
            "ga_session_number": numeric("ga_session_number").astype("Int64"),
            "event_date": raw["event_date"].astype("str").where(raw["event_date"].notna()),
            "ga4_user_id": raw["ga4_user_id"].astype("str").where(raw["ga4_user_id"].notna()),
        }
    )
    dup = events.duplicated(keep="first").to_numpy()
    n_dup = int(dup.sum())
    if n_dup:
        lines = raw.loc[dup, "_line"].tolist()
        if duplicates == "raise":
            raise KpiDataError(
                f"{label}: {n_dup} exact duplicate events ({describe_rows(lines)}). Pass duplicates='drop' to "
                "keep the first of each."
            )
        if duplicates == "drop":
            warnings.warn(f"{label}: dropped {n_dup} exact duplicate events ({describe_rows(lines)}).",
                          KpiWarning, stacklevel=2)
            events = events.loc[~dup].reset_index(drop=True)
    events.attrs["source"] = label
    events.attrs["table"] = "events"
    events.attrs["duplicates_dropped"] = n_dup if duplicates == "drop" else 0
    return events


_LP_COLUMNS = {
    "landing page": "landing_page",
    "landing page + query string": "landing_page",
    "sessions": "sessions",
    "bounce rate": "bounce_rate",
    "engaged sessions": "engaged_sessions",
    "engagement rate": "engagement_rate",
    "pages / session": "pages_per_session",
    "pages/session": "pages_per_session",
    "views per session": "pages_per_session",
    "avg. session duration": "session_duration_mean_s",
    "average session duration": "session_duration_mean_s",
    "average engagement time per session": "engagement_time_mean_s",
    "average engagement time per active user": "engagement_time_per_user_s",
    "% new sessions": "new_session_share",
    "new users": "new_users",
    "active users": "active_users",
    "total users": "total_users",
    "users": "users",
    "goal conversion rate": "goal_conversion_rate",
    "goal completions": "conversions",
    "key events": "conversions",
    "conversions": "conversions",
    "goal value": "goal_value",
    "total revenue": "revenue",
}
_LP_COUNTS = {"sessions", "engaged_sessions", "new_users", "active_users", "total_users", "users", "conversions"}
_LP_RATES = {"bounce_rate", "engagement_rate", "new_session_share", "goal_conversion_rate"}
_LP_TIMES = {"session_duration_mean_s", "engagement_time_mean_s", "engagement_time_per_user_s"}
_LP_MONEY = {"goal_value", "revenue"}


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_") or "column"


def read_landing_page_report(
    path,
    kind: Literal["auto", "ua", "ga4"] = "auto",
    decimal: str = ".",
    columns: Mapping[str, str] | None = None,
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Read a GA4 or Universal Analytics landing-page report download (CSV) into aggregated rows.

    Handles the shapes of real downloads: "#" comment header blocks (UA: view, report and date range
    YYYYMMDD-YYYYMMDD; GA4: Account, Property, Start date, End date), several blocks in one file (the
    landing-page table is the block whose first column is "Landing Page", "Landing page" or
    "Landing page + query string"), thousands separators ("3,215"), percentages ("45.20%") or
    fractions (GA4), durations as HH:MM:SS, currency symbols, an unlabelled totals row or a "Grand
    total" row (moved to ``attrs["totals"]``), and Excel's trailing-comma padding.

    Counts are kept as counts: bounces = sessions - engaged sessions when the report has engaged
    sessions (GA4, exact); otherwise round(sessions x bounce rate), exact up to the report's rounding
    of the rate (UA's two decimals: within sessions x 0.00005). pageviews = round(pages per session x
    sessions).

    Parameters
    ----------
    path : str or Path
        The CSV download.
    kind : {"auto", "ua", "ga4"}
        Which tool exported it; "auto" decides from the comment header and column names. Sets the
        bounce definition (``attrs["definition"]``) used by :func:`bounce_rate`.
    decimal : {".", ","}
        Decimal mark of a localised interface ("2.546" and "99,88%" with decimal=",").
    columns : mapping, optional
        Extra column names (e.g. a translated interface) -> canonical names (landing_page, sessions,
        bounce_rate, engaged_sessions, pages_per_session, conversions, ...).
    encoding : str
        Text encoding (UTF-8 with or without BOM by default).

    Returns
    -------
    DataFrame
        landing_page, any secondary dimension, sessions, bounces, bounce_rate (as reported), and what
        the report has of engaged_sessions, pageviews, pages_per_session, engagement_time_mean_s,
        session_duration_mean_s, conversions, revenue, ... ``attrs``: source, definition, date_range,
        totals (the report's totals row as a dict, or None).

    References
    ----------
    Universal Analytics and GA4 report downloads as described in EXPORT_FORMATS.md.

    Examples
    --------
    >>> ua = read_landing_page_report("data/sample/ua_landing_pages.csv")  # doctest: +SKIP
    >>> bounce_rate(ua, by="landing_page", definition="ua")  # doctest: +SKIP
    """
    import csv

    p = Path(path)
    name = p.name
    if decimal not in (".", ","):
        raise KpiDataError(f"decimal must be '.' or ',' (got {decimal!r}).")
    try:
        text = p.read_text(encoding=encoding)
    except FileNotFoundError:
        raise KpiDataError(f"{p}: file not found.") from None
    except UnicodeDecodeError:
        raise KpiDataError(f"{name}: not {encoding} text; pass encoding='cp1252' or 'latin-1' if Excel re-saved it.") from None
    # a line of only separators is blank (Excel pads every line with commas)
    lines = ["" if not ln.replace(",", "").replace(";", "").strip() else ln for ln in text.splitlines()]
    if not any(lines):
        raise KpiDataError(f"{name}: the file is empty.")
    comments = [ln.lstrip("#").strip() for ln in lines if ln.startswith("#")]
    mapping = {**_LP_COLUMNS, **{k.strip().lower(): v for k, v in (columns or {}).items()}}
    # find the landing-page block: a header line whose first cell maps to landing_page
    header_at = None
    for i, ln in enumerate(lines):
        if not ln.strip() or ln.startswith("#"):
            continue
        first = next(csv.reader([ln]))[0].strip().lower()
        if mapping.get(first) == "landing_page":
            header_at = i
            break
    if header_at is None:
        raise KpiDataError(
            f"{name}: no landing-page table found (looked for a header starting with 'Landing Page', "
            "'Landing page' or 'Landing page + query string'). Download the Landing Pages report, or map "
            "your column with columns={'Your Column': 'landing_page'}."
        )
    stop = header_at + 1
    while stop < len(lines) and lines[stop].strip() and not lines[stop].startswith("#"):
        stop += 1
    rows = list(csv.reader(lines[header_at:stop]))
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    if not body:
        raise KpiDataError(f"{name}: the landing-page table has a header but no data rows.")
    width = len(header)
    body = [r + [""] * (width - len(r)) if len(r) < width else r for r in body]
    if any(len(r) > width and any(c.strip() for c in r[width:]) for r in body):
        bad = [header_at + 2 + i for i, r in enumerate(body) if len(r) > width and any(c.strip() for c in r[width:])]
        raise KpiDataError(f"{name}: {describe_rows(bad)} have more cells than the header; check the separators.")
    raw = pd.DataFrame([r[:width] for r in body], columns=header, dtype=object)
    # drop Excel's padding: unnamed columns with no data
    raw = raw.loc[:, [bool(h) or raw.iloc[:, j].str.strip().ne("").any() for j, h in enumerate(header)]]
    file_line = np.arange(len(raw)) + header_at + 2

    canon: dict[str, str] = {}
    for j, h in enumerate(raw.columns):
        key = str(h).strip().lower()
        target = mapping.get(key)
        if target is None and re.search(r"\(goal \d+ completions\)$", key):
            target = "conversions"
        if target is None and re.search(r"\(goal \d+ conversion rate\)$", key):
            target = "goal_conversion_rate"
        if target is None and re.search(r"\(goal \d+ value\)$", key):
            target = "goal_value"
        if target is None:
            target = _snake(str(h))
        if target in canon.values():
            target = f"{target}_{j}"
        canon[h] = target
    raw = raw.rename(columns=canon)
    for need in ("sessions",):
        if need not in raw.columns:
            close = difflib.get_close_matches("Sessions", list(canon), n=2, cutoff=0.4)
            raise KpiDataError(
                f"{name}: no 'Sessions' column in the landing-page table (columns: {', '.join(header)})."
                + (f" Closest: {close}." if close else "") + " Add it to the report, or map it with columns={...}."
            )
    if kind == "auto":
        blob = " ".join(comments).lower()
        if "account:" in blob or "property:" in blob or "engaged_sessions" in raw.columns or "landing page + query string" in [h.lower() for h in header]:
            kind = "ga4"
        else:
            kind = "ua"
    if kind not in ("ua", "ga4"):
        raise KpiDataError(f"kind must be 'auto', 'ua' or 'ga4' (got {kind!r}).")

    lp = raw["landing_page"].astype(str).str.strip()
    total_mask = (lp == "") | lp.str.lower().isin(["grand total", "total", "totals"])
    thousands = "," if decimal == "." else "."

    def parse(col: str, what: str) -> pd.Series:
        s = raw[col].astype(str).str.strip().str.strip('"')
        empty = s.eq("") | s.str.lower().isin(["(not set)", "n/a", "--"])
        t = s.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
        if what == "time":
            hms = t.str.fullmatch(r"\d+:\d{2}:\d{2}")
            parts = t.where(hms, "0:0:0").str.split(":", expand=True).astype(float)
            secs = parts[0] * 3600 + parts[1] * 60 + parts[2]
            num = pd.Series(np.where(hms, secs, np.nan), index=s.index)
            plain = ~hms & ~empty
            num[plain] = pd.to_numeric(t[plain].str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False), errors="coerce")
        else:
            pct = t.str.endswith("%")
            t = t.str.replace(r"^[^\d\-.,]+|[^\d.,%]+$", "", regex=True) if what == "money" else t
            t = t.str.rstrip("%").str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False)
            num = pd.to_numeric(t.where(~empty), errors="coerce")
            if what == "rate":
                num = num.where(~pct, num / 100)
        bad = (num.isna() & ~empty & ~total_mask).to_numpy().copy()
        if what == "count":
            bad |= ((num != np.round(num)) | (num < 0)).fillna(False).to_numpy() & ~total_mask.to_numpy()
        if bad.any():
            lines_bad = file_line[bad].tolist()
            kind_word = {"count": "whole numbers", "rate": "rates (45.2% or 0.452)", "time": "durations (HH:MM:SS or seconds)",
                         "money": "amounts", "number": "numbers"}[what]
            raise KpiDataError(
                f"{name}, column {col!r}: {int(bad.sum())} values are not {kind_word} (file {describe_rows(lines_bad)}; "
                f"first: {raw.loc[bad, col].iloc[0]!r}). Check the decimal mark (decimal=',' for '2.546' and "
                "'99,88%') or fix the cell."
            )
        return num

    out = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        if col == "landing_page":
            out[col] = lp
        elif col in _LP_COUNTS:
            out[col] = parse(col, "count")
        elif col in _LP_RATES:
            out[col] = parse(col, "rate")
        elif col in _LP_TIMES:
            out[col] = parse(col, "time")
        elif col in _LP_MONEY:
            out[col] = parse(col, "money")
        elif col == "pages_per_session":
            out[col] = parse(col, "number")
        else:
            out[col] = raw[col].astype(str).str.strip()  # a secondary dimension or an unknown column: text
    totals = out.loc[total_mask].iloc[0].to_dict() if total_mask.any() else None
    out = out.loc[~total_mask].reset_index(drop=True)
    line_no = file_line[~total_mask.to_numpy()]
    if out.empty:
        raise KpiDataError(f"{name}: the landing-page table has only a totals row, no pages.")
    if out["sessions"].isna().any():
        bad = out["sessions"].isna().to_numpy()
        raise KpiDataError(f"{name}, column 'sessions': {int(bad.sum())} rows have no value (file {describe_rows(line_no[bad].tolist())}).")
    if "bounce_rate" in out.columns:
        br = out["bounce_rate"]
        bad = (br.isna() | (br < 0) | (br > 1)).to_numpy() & ~((out["sessions"] == 0).to_numpy())
        if bad.any():
            raise KpiDataError(
                f"{name}, column 'bounce_rate': {int(bad.sum())} rows are missing or outside 0-100% "
                f"(file {describe_rows(line_no[bad].tolist())}; first: {br[bad].iloc[0]!r})."
            )
    if "engaged_sessions" in out.columns and out["engaged_sessions"].notna().all():
        out["bounces"] = out["sessions"] - out["engaged_sessions"]
    elif "bounce_rate" in out.columns:
        out["bounces"] = np.round(out["sessions"] * out["bounce_rate"].fillna(0))
    else:
        raise KpiDataError(
            f"{name}: the report has neither 'Bounce rate' nor 'Engaged sessions', so bounces cannot be "
            "counted. Add one of these metrics to the report before downloading."
        )
    bad = ((out["bounces"] < 0) | (out["bounces"] > out["sessions"])).to_numpy()
    if bad.any():
        raise KpiDataError(f"{name}: {int(bad.sum())} rows have more engaged sessions than sessions (file {describe_rows(line_no[bad].tolist())}).")
    out["sessions"] = out["sessions"].astype(np.int64)
    out["bounces"] = out["bounces"].astype(np.int64)
    if "pages_per_session" in out.columns:
        out["pageviews"] = np.round(out["pages_per_session"] * out["sessions"])
    lead = ["landing_page"] + [c for c in out.columns if c not in ("landing_page", "sessions", "bounces") and out[c].dtype == object]
    rest = [c for c in out.columns if c not in lead and c not in ("sessions", "bounces")]
    out = out[[*lead, "sessions", "bounces", *rest]]
    dates = None
    for c in comments:
        m = re.fullmatch(r"(\d{8})-(\d{8})", c)
        if m:
            dates = (pd.Timestamp(m.group(1)), pd.Timestamp(m.group(2)))
    start = next((re.search(r"\d{8}", c).group(0) for c in comments if c.lower().startswith("start date") and re.search(r"\d{8}", c)), None)
    end = next((re.search(r"\d{8}", c).group(0) for c in comments if c.lower().startswith("end date") and re.search(r"\d{8}", c)), None)
    if start and end:
        dates = (pd.Timestamp(start), pd.Timestamp(end))
    out.attrs.update({"source": name, "definition": kind, "date_range": dates, "totals": totals})
    return out


# --------------------------------------------------------------------------------------------------
# data checks, benchmarks, findings


def data_checks(events: pd.DataFrame, sessions: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Checks of the events and of the sessions built from them, as a table to show before any KPI.

    Parameters
    ----------
    events : DataFrame
        The events the sessions were built from.
    sessions : DataFrame
        Output of :func:`sessions_from_events` (its ``attrs["set_aside"]`` is reported).
    reference : DataFrame, optional
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
    rows = []

    def add(check, value, status, note=""):
        rows.append({"check": check, "value": value, "status": status, "note": note})

    add("events", f"{len(events):,}", "ok" if len(events) else "problem")
    ts = events["timestamp"]
    add("event dates", f"{ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d}", "ok")
    add("users", f"{events['user_id'].nunique():,}", "ok")
    dup = int(events.duplicated().sum())
    add("exact duplicate events", f"{dup:,}", "ok" if dup == 0 else "note",
        "" if dup == 0 else "identical rows; read_ga4_bigquery drops them and says so")
    aside = int(sessions.attrs.get("set_aside", 0))
    add("events set aside (no user or session id)", f"{aside:,}", "ok" if aside == 0 else "note",
        "" if aside == 0 else f"{aside / max(len(events), 1):.2%} of events cannot be sessionised")
    add("sessions", f"{len(sessions):,}", "ok" if len(sessions) else "problem",
        f"split by {sessions.attrs.get('split', 'session_id')}")
    if "landing_page" in sessions.columns:
        no_pv = int((sessions["landing_page"] == NOT_SET).sum())
        add("sessions without a page view", f"{no_pv:,}", "ok" if no_pv == 0 else "note",
            "" if no_pv == 0 else f"landing page '{NOT_SET}' ({no_pv / max(len(sessions), 1):.1%} of sessions)")
    for col in _SESSION_ATTRIBUTES:
        if col in sessions.columns:
            miss = int(sessions[col].isna().sum() + (sessions[col].astype(str) == NOT_SET).sum())
            if miss:
                add(f"sessions with {col} missing or (not set)", f"{miss:,}", "note")
    if reference is not None and "session_id" in reference.columns:
        common = sessions.merge(reference[["session_id", *([c for c in ("engaged",) if c in reference.columns])]],
                                on="session_id", how="inner", suffixes=("", "_reference"))
        status = "ok" if len(reference) == len(sessions) == len(common) else "problem"
        add("sessions vs reference table", f"{len(sessions):,} vs {len(reference):,} ({len(common):,} matched)", status)
        if "engaged_reference" in common.columns and len(common):
            agree = float((common["engaged"].to_numpy(dtype=bool) == common["engaged_reference"].to_numpy(dtype=bool)).mean())
            add("engaged agrees with reference", f"{agree:.2%}", "ok" if agree == 1 else "problem",
                "" if agree == 1 else "check engaged_after and key_events against the client's GA4 settings")
    return pd.DataFrame(rows, columns=["check", "value", "status", "note"])


def benchmark_reference(
    benchmarks: pd.DataFrame, metric: str = "bounce_rate", segment: str | None = None
) -> dict:
    """One published reference point from a canonical ``benchmarks`` table.

    Picks the row with ``metric`` (and ``segment`` when given; else the first row of the metric) and
    returns its median (p50, else value), range (p25, p75) and source.

    Returns
    -------
    dict
        metric, segment, value, low, high, source, year.

    Examples
    --------
    >>> b = pd.DataFrame({"metric": ["bounce_rate"], "segment": ["all sites"], "value": [0.47],
    ...                   "source": ["Google Analytics Benchmarking Newsletter"], "year": [2011]})
    >>> benchmark_reference(b)["value"]
    0.47
    """
    _require(benchmarks, ("metric", "source"), "benchmarks")
    rows = benchmarks.loc[benchmarks["metric"].astype(str) == metric]
    if segment is not None and "segment" in rows.columns:
        rows = rows.loc[rows["segment"].astype(str) == segment]
    if rows.empty:
        have = benchmarks.loc[benchmarks["metric"].astype(str) == metric, "segment"].astype(str).tolist() if "segment" in benchmarks.columns else []
        raise KpiDataError(
            f"benchmarks has no row for metric={metric!r}" + (f", segment={segment!r}" if segment else "")
            + (f"; segments of that metric: {have}." if have else f"; metrics: {sorted(set(benchmarks['metric'].astype(str)))}.")
        )
    r = rows.iloc[0]

    def val(c):
        return float(r[c]) if c in r.index and pd.notna(r[c]) else float("nan")

    value = val("p50") if not np.isnan(val("p50")) else val("value")
    if np.isnan(value) and not np.isnan(val("p25")) and not np.isnan(val("p75")):
        value = (val("p25") + val("p75")) / 2
    return {"metric": metric, "segment": None if "segment" not in r.index or pd.isna(r["segment"]) else str(r["segment"]),
            "value": value, "low": val("p25"), "high": val("p75"), "source": str(r["source"]),
            "year": None if "year" not in r.index or pd.isna(r["year"]) else int(r["year"])}


def _gap_layout(gaps: pd.DataFrame) -> tuple[str, str, str]:
    """(page column, device a, device b) of a :func:`device_gap` table, read from its columns."""
    a, b = (c.removesuffix("_bounce_rate") for c in gaps.columns if c.endswith("_bounce_rate"))
    return gaps.columns[0], a, b


def findings(
    headline: Mapping | None = None,
    change: pd.DataFrame | None = None,
    trend: pd.DataFrame | None = None,
    diagnosis: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    benchmark: Mapping | None = None,
    top: int = 3,
    definition: Definition = "ga4",
) -> list[str]:
    """Findings in plain words, written from the numbers of this module's functions.

    Parameters
    ----------
    headline : dict, optional
        Output of :func:`headline`.
    change : DataFrame, optional
        Output of :func:`period_change`.
    trend : DataFrame, optional
        Output of :func:`trend` (signals of the p-chart).
    diagnosis : DataFrame, optional
        Output of :func:`diagnose` (flagged segments, information pages).
    gaps : DataFrame, optional
        Output of :func:`device_gap`.
    benchmark : dict, optional
        Output of :func:`benchmark_reference`, to place the site rate.
    top : int
        How many flagged segments and gaps to name.

    Returns
    -------
    list of str

    Examples
    --------
    >>> s = pd.DataFrame({"engaged": [True, False, False, True]})
    >>> findings(headline=headline(s))[0][:46]
    "The site's bounce rate is 50.0% (95% CI 15.0% "
    """
    out: list[str] = []
    name = "GA4 (non-engaged sessions)" if definition == "ga4" else "Universal Analytics (single-interaction sessions)"
    if headline:
        br = headline["bounce_rate"]
        s = (f"The site's bounce rate is {br.value:.1%} (95% CI {br.low:.1%} to {br.high:.1%}) on "
             f"{br.trials:,} sessions, by the {name} definition.")
        if benchmark and not np.isnan(benchmark.get("value", np.nan)):
            ref = benchmark["value"]
            pos = "above" if br.low > ref else "below" if br.high < ref else "in line with"
            s += (f" That is {pos} the published reference of {ref:.0%} ({benchmark['source']}"
                  + (f", {benchmark['year']}" if benchmark.get("year") else "") + ")")
            year = benchmark.get("year")
            if definition == "ga4" and year and int(year) < 2020:
                s += ", a Universal Analytics-era figure, so read it as context rather than a like-for-like target"
            s += "."
        out.append(s)
    if change is not None and len(change):
        row = change.loc[change["metric"] == "bounce_rate"]
        if len(row) and pd.notna(row["change"].iloc[0]):
            r = row.iloc[0]
            if r["significant"]:
                verb = "rose" if r["change"] > 0 else "fell"
                out.append(
                    f"Bounce rate {verb} {abs(r['change']) * 100:.1f} points against the previous period "
                    f"({r['previous']:.1%} to {r['current']:.1%}; 95% CI of the change {r['change_low'] * 100:+.1f} "
                    f"to {r['change_high'] * 100:+.1f} points): a real change, worth explaining."
                )
            else:
                out.append(
                    f"Bounce rate moved {r['change'] * 100:+.1f} points against the previous period "
                    f"({r['previous']:.1%} to {r['current']:.1%}), within what chance alone produces "
                    f"(p = {r['p_value']:.2f}): not news."
                )
        row = change.loc[change["metric"] == "conversion_rate"]
        if len(row) and pd.notna(row["change"].iloc[0]) and row["significant"].iloc[0]:
            r = row.iloc[0]
            out.append(
                f"Session conversion rate {'rose' if r['change'] > 0 else 'fell'} from {r['previous']:.1%} to "
                f"{r['current']:.1%} ({r['change'] * 100:+.1f} points, 95% CI {r['change_low'] * 100:+.1f} to "
                f"{r['change_high'] * 100:+.1f}): a change that bounce rate alone would not show."
            )
    if trend is not None and len(trend):
        sig = trend.loc[trend["signal"]]
        if len(sig):
            weeks = ", ".join(f"{p:%Y-%m-%d} ({v:.0%})" for p, v in zip(sig["period"].head(5), sig["bounce_rate"].head(5)))
            out.append(f"{len(sig)} of {len(trend)} periods fall outside the control limits: {weeks}; look at what "
                       "changed then (campaigns, releases, tracking).")
        else:
            out.append(f"All {len(trend)} periods stay within the p-chart's control limits: the weekly ups and "
                       "downs are ordinary variation.")
    if diagnosis is not None and len(diagnosis):
        flagged = diagnosis.loc[diagnosis["flagged"]]
        if len(flagged):
            total_excess = flagged["excess_bounces"].sum()
            names = "; ".join(
                f"{r.segment} ({r.bounce_rate:.0%} on {r.sessions:,} sessions, {r.excess_bounces:,.0f} extra bounces)"
                for r in flagged.head(top).itertuples()
            )
            what = "1 segment" if len(flagged) == 1 else f"{len(flagged)} segments"
            out.append(f"{what} to fix first, costing about {total_excess:,.0f} bounces above the "
                       f"reference rate: {names}.")
        else:
            out.append("No action page or segment bounces significantly above the reference rate and the thresholds.")
        info = diagnosis.loc[(diagnosis["goal"] == "information") & (diagnosis["level"] == "no threshold")
                             & (diagnosis["bounce_rate"] > diagnosis["reference_rate"])
                             & (np.nan_to_num(diagnosis["q_value"].to_numpy(dtype=float), nan=1.0) < 0.05)]
        if len(info):
            pages = sorted(set(info["landing_page"] if "landing_page" in info.columns else info["segment"]))
            shown = ", ".join(pages[:top]) + (f" and {len(pages) - top} more" if len(pages) > top else "")
            out.append(f"Information pages bounce above the site rate ({shown}), which is expected for pages whose "
                       "goal is to answer a question; they are not on the fix list.")
    if gaps is not None and len(gaps):
        flagged = gaps.loc[gaps["flagged"]]
        page_col, a, b = _gap_layout(gaps)
        for r in flagged.head(top).to_dict("records"):
            out.append(
                f"On {r[page_col]}, {a} bounces {r[f'{a}_bounce_rate']:.0%} against {r[f'{b}_bounce_rate']:.0%} on {b} "
                f"({r['gap'] * 100:+.0f} points, 95% CI {r['gap_low'] * 100:+.0f} to {r['gap_high'] * 100:+.0f}; "
                f"q = {r['q_value']:.2g}) on {int(r[f'{a}_sessions']):,} {a} sessions: check the {a} layout of this page."
            )
        if flagged.empty:
            out.append(f"No landing page shows a significant {a}-versus-{b} bounce gap.")
    return out


def headline_kpis(
    headline: Mapping,
    *,
    change: pd.DataFrame,
    trend: pd.DataFrame,
    diagnosis: pd.DataFrame,
    gaps: pd.DataFrame,
    period: Mapping,
    definition: Definition = "ga4",
    top: int = 5,
) -> dict:
    """The headline KPIs of a bounce-rate diagnosis, for ``kk.report.record_kpis``.

    Parameters
    ----------
    headline, change, trend, diagnosis, gaps : dict or DataFrame
        Outputs of :func:`headline`, :func:`period_change`, :func:`trend`, :func:`diagnose` and
        :func:`device_gap` over the analysed period.
    period : dict
        The analysed period as :func:`split_periods` returns it (``start`` and ``end``).
    definition : {"ga4", "ua"}
        The bounce definition the numbers were computed with (recorded beside them).
    top : int
        How many flagged segments of the fix list to record.

    Returns
    -------
    dict
        period ("YYYY-MM-DD to YYYY-MM-DD"), definition, sessions, bounce_rate and engagement_rate
        (Rate), bounce_rate_change (change, change_low, change_high, p_value against the previous
        period), weeks_outside_control_limits, fix_list (the first ``top`` flagged segments: segment,
        sessions, bounce_rate, excess_bounces, q_value), device_gaps_flagged (pages whose first
        device bounces significantly more), largest_device_gap (the first of them, or None). Numbers
        from frames are rounded to 6 decimals so that the recorded JSON is stable.

    Examples
    --------
    >>> s = pd.DataFrame({"engaged": [True, False, False, True]})
    >>> rows = pd.DataFrame({"landing_page": ["/p", "/p", "/q", "/q"], "device": ["mobile", "desktop"] * 2,
    ...                      "sessions": [40, 40, 40, 40], "bounces": [20, 18, 19, 21]})
    >>> k = headline_kpis(headline(s), change=pd.DataFrame({"metric": [], "change": []}),
    ...                   trend=pd.DataFrame({"signal": [False, True]}), gaps=device_gap(rows),
    ...                   diagnosis=diagnose(rows, by="landing_page"),
    ...                   period={"start": pd.Timestamp("2025-01-01"), "end": pd.Timestamp("2025-01-31")})
    >>> k["period"], k["sessions"], k["weeks_outside_control_limits"], k["fix_list"], k["largest_device_gap"]
    ('2025-01-01 to 2025-01-31', 4, 1, [], None)
    """
    row = change.loc[change["metric"] == "bounce_rate"]
    delta = (row[["change", "change_low", "change_high", "p_value"]].iloc[0].astype(float).round(6).to_dict()
             if len(row) else None)
    fix_cols = ["segment", "sessions", "bounce_rate", "excess_bounces", "q_value"]
    flagged = gaps.loc[gaps["flagged"] & (gaps["gap"] > 0)]
    page_col, a, b = _gap_layout(gaps)
    gap_cols = [page_col, "gap", "gap_low", "gap_high", "q_value", f"{a}_bounce_rate", f"{b}_bounce_rate",
                f"{a}_sessions", f"{b}_sessions"]
    return {
        "period": f"{period['start']:%Y-%m-%d} to {period['end']:%Y-%m-%d}",
        "definition": definition,
        "sessions": headline["sessions"],
        "bounce_rate": headline["bounce_rate"],
        "engagement_rate": headline.get("engagement_rate"),
        "bounce_rate_change": delta,
        "weeks_outside_control_limits": int(trend["signal"].sum()),
        "fix_list": diagnosis.loc[diagnosis["flagged"], fix_cols].head(top).round(6).to_dict("records"),
        "device_gaps_flagged": flagged[page_col].astype(str).tolist(),
        "largest_device_gap": flagged.head(1)[gap_cols].round(6).to_dict("records")[0] if len(flagged) else None,
    }
