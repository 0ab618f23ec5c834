"""Array helpers of sessionisation: events as factorised codes, per-session minima, no sort where none is needed.

``kpikit.web.sessions`` builds its sessions from these: the session code of each event (by GA4's
session id per user, or the inactivity timeout), per-session spans and first events, landing pages,
session ids as text, and the candidates-then-exact check for duplicate events. Each works in linear
time on NumPy arrays (``np.bincount``, ``np.minimum.at``) with no Python loop over events.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows

__all__: list[str] = []

#: Landing page of a session without a page view (GA4 shows the same label).
NOT_SET = "(not set)"


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


def _has_value(values: pd.Series) -> np.ndarray:
    """Where a column holds a value: not missing and, for text, not empty."""
    has = values.notna().to_numpy().copy()
    if has.any() and (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
        has &= (values != "").to_numpy(dtype=bool, na_value=False)
    return has


def _first_carrying(has: np.ndarray, codes: np.ndarray, ts: np.ndarray, n_sess: int, first: np.ndarray) -> np.ndarray:
    """Per session, the position of its earliest event where ``has`` holds (ties: the first in data order).

    ``first`` is each session's first event (:func:`_first_index`), the answer for a session where no
    event holds.
    """
    if has.all() or not has.any():
        return first
    idx = np.flatnonzero(has)
    carrying = _first_index(codes[idx], ts[idx], n_sess)
    return np.where(carrying >= 0, idx[np.maximum(carrying, 0)], first)


def _duplicate_events(
    ev: pd.DataFrame,
    ts: np.ndarray,
    user_codes: np.ndarray,
    name_codes: np.ndarray,
    positions: np.ndarray,
    duplicates: str,
    source: str,
) -> np.ndarray | None:
    """Mask of the exact duplicate events (identical in every column; the first copy is not one), or None.

    Candidates first, cheaply: events sharing a hash of (user, time, name), found by sorting the
    hashes; only those are compared in every column. "drop" warns with the count, "raise" stops, "keep" does not look.
    """
    if duplicates == "keep" or len(ev) < 2:
        return None
    with np.errstate(over="ignore"):
        mix = (
            ts.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
            ^ user_codes.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
            ^ (name_codes.astype(np.int64) + 1).astype(np.uint64) * np.uint64(0x165667B19E3779F9)
        )
    ordered = np.sort(mix)  # a sort beats a hash table on 64-bit keys here, and finds none fast
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return None
    cand = np.flatnonzero(np.isin(mix, ordered[1:][same]))
    repeat = ev.iloc[cand].duplicated(keep="first").to_numpy()
    if not repeat.any():
        return None
    dup = np.zeros(len(ev), dtype=bool)
    dup[cand[repeat]] = True
    n = int(dup.sum())
    rows = describe_rows(positions[dup].tolist())
    if duplicates == "raise":
        raise KpiDataError(
            f"{source}: {n:,} exact duplicate events, identical in every column ({rows}). Pass "
            "duplicates='drop' to keep the first copy of each, or remove them from the export."
        )
    warnings.warn(
        f"{source}: dropped {n:,} exact duplicate events, identical in every column ({rows}); the first copy of "
        "each is kept (attrs['duplicates_dropped']). A doubled export would otherwise make every session engaged.",
        KpiWarning,
        stacklevel=4,
    )
    return dup
