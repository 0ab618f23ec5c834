"""Reader of the Universal Analytics BigQuery export (``ga_sessions_YYYYMMDD``) into canonical events.

Universal Analytics (GA 360) exported one row per session with its hits nested. ``read_ua_bigquery``
turns every hit into one canonical event, so that the web functions built for GA4 events
(``kpikit.web.sessions_from_events``, ``bounce_rate``, ``diagnose``) work on UA data unchanged, with
Google's UA rules kept: a hit's own ``isInteraction`` flag decides whether it counts as an
interaction, and each export row stays one session (UA split a session at midnight into two rows).
The file handling and duplicate checks are shared with the GA4 reader (``kpikit.io.bigquery``).

The columns read
----------------

====================  =====================================================================
canonical column      from
====================  =====================================================================
user_id               fullVisitorId
session_id            "<visitId>-<date>": visitId is unique only per user, and UA split a
                      session crossing midnight into two rows (two sessions) with one visitId
timestamp             visitStartTime (epoch seconds, UTC) + hits.time (milliseconds)
event                 hits.type: PAGE page_view, APPVIEW screen_view, TRANSACTION purchase,
                      EVENT its eventInfo.eventAction (else eventCategory, else "event"),
                      ITEM, SOCIAL, EXCEPTION, TIMING in lower case. An enhanced-ecommerce
                      purchase on a page or event hit (eCommerceAction.action_type 6) adds a
                      "purchase" event that is not an interaction (the hit already is one)
interaction           hits.isInteraction (true/false, or "true"/"false")
page                  hits.page.pagePath without its query string (``page_path`` keeps it)
source, medium,       trafficSource.source, .medium, .campaign; channel: channelGrouping
campaign, channel
device, country       device.deviceCategory, geoNetwork.country
value                 hits.transaction.transactionRevenue / 10^6 on purchases
new_user              totals.newVisits = 1 (UA's new users; ``visit_number`` keeps visitNumber)
====================  =====================================================================
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io.bigquery import (
    _check_conflicting_copies,
    _check_required_fields,
    _drop_duplicates,
    _export_files,
    _fail,
    _files_label,
    _flags,
    _flat_frame,
    _get,
    _integers,
    _text,
)

__all__ = ["read_ua_bigquery"]


#: Event names of the UA hit types (an EVENT hit is named by its eventAction, else its eventCategory).
_HIT_EVENTS: dict[str, str] = {
    "PAGE": "page_view",
    "APPVIEW": "screen_view",
    "TRANSACTION": "purchase",
    "ITEM": "item",
    "SOCIAL": "social",
    "EXCEPTION": "exception",
    "TIMING": "timing",
}

_TOTALS = ("visits", "bounces", "newVisits", "pageviews", "hits", "transactions")


def _flatten_ua(record: Mapping) -> dict:
    """One exported session row as a flat dict (raw values); its hits stay a list."""
    traffic = record.get("trafficSource") or {}
    totals = record.get("totals") or {}
    return {
        "fullVisitorId": record.get("fullVisitorId"),
        "visitId": record.get("visitId"),
        "visitStartTime": record.get("visitStartTime"),
        "date": record.get("date"),
        "visitNumber": record.get("visitNumber"),
        "channelGrouping": record.get("channelGrouping"),
        "source": traffic.get("source"),
        "medium": traffic.get("medium"),
        "campaign": traffic.get("campaign"),
        "device": _get(record, "device", "deviceCategory"),
        "country": _get(record, "geoNetwork", "country"),
        **{f"totals_{k}": totals.get(k) for k in _TOTALS},
        "hits": record.get("hits"),
    }


def _flatten_hit(hit: Mapping) -> dict:
    """One hit as a flat dict of the fields kpikit reads (raw values)."""
    return {
        "hitNumber": hit.get("hitNumber"),
        "time": hit.get("time"),
        "type": hit.get("type"),
        "isInteraction": hit.get("isInteraction"),
        "isEntrance": hit.get("isEntrance"),
        "pagePath": _get(hit, "page", "pagePath"),
        "hostname": _get(hit, "page", "hostname"),
        "eventCategory": _get(hit, "eventInfo", "eventCategory"),
        "eventAction": _get(hit, "eventInfo", "eventAction"),
        "eventLabel": _get(hit, "eventInfo", "eventLabel"),
        "transactionId": _get(hit, "transaction", "transactionId"),
        "transactionRevenue": _get(hit, "transaction", "transactionRevenue"),
        "action_type": _get(hit, "eCommerceAction", "action_type"),
    }


def read_ua_bigquery(
    path: str | Path | Sequence[str | Path], duplicates: Literal["drop", "keep", "raise"] = "drop"
) -> pd.DataFrame:
    """Read a Universal Analytics BigQuery export (ga_sessions_YYYYMMDD rows) into canonical events.

    One event per hit, so that :func:`kpikit.web.sessions_from_events` rebuilds the sessions and the
    web functions work as on GA4 data. Accepts the shapes of :func:`read_ga4_bigquery`
    (newline-delimited JSON with 64-bit integers as strings, a console JSON array, Parquet; a list of
    files or a folder of daily tables), into the columns listed in :mod:`kpikit.io.ua`.

    Also kept: page_path, hostname, hit_number, hit_type, entrance, event_category, event_action,
    event_label, transaction_id, visit_id, date. The export's own totals (visits, bounces,
    newVisits, pageviews, hits, transactions) are summed in ``attrs["totals"]`` to reconcile with:
    UA counted a bounce for a session with exactly one interaction hit (totals.bounces = 1), and a
    session only when it had an interaction hit (totals.visits = 1); non-interaction hits engage
    nobody. A row without hits has no events: counted in ``attrs["sessions_without_hits"]`` and warned.

    Parameters
    ----------
    path : str, Path, list of them, or a folder
        The export file(s).
    duplicates : {"drop", "keep", "raise"}
        Exact duplicate session rows (a day exported twice): "drop" (default) keeps the first copy and
        warns with the count (``attrs["duplicates_dropped"]``); "raise" stops; "keep" keeps every row.
        Two different rows for one visitor, visitId and date are refused unless "keep".

    Returns
    -------
    DataFrame
        Canonical events, rows in file order and hits in hitNumber order; ``attrs``: source, table,
        duplicates_dropped, sessions_read, sessions_without_hits, totals.

    Raises
    ------
    KpiDataError
        Invalid JSON, missing fullVisitorId, visitId, visitStartTime or date, hits without time,
        values that are not whole numbers, isInteraction other than true/false.

    References
    ----------
    Google Analytics Help, "BigQuery Export schema" (Universal Analytics, ga_sessions_ tables);
    Universal Analytics help, "Bounce rate" and "Non-interaction events" (archived).

    Examples
    --------
    >>> events = read_ua_bigquery("exports/ga_sessions_20170801.json")  # doctest: +SKIP
    >>> kk.web.bounce_rate(kk.web.sessions_from_events(events), definition="ua")  # doctest: +SKIP
    """
    if duplicates not in ("drop", "keep", "raise"):
        raise KpiDataError(f"duplicates must be 'drop', 'keep' or 'raise' (got {duplicates!r}).")
    files = _export_files(path, "Universal Analytics")
    rows = _flat_frame(files, _flatten_ua, "session row")
    label = _files_label(files)
    if rows.empty:
        raise KpiDataError(f"{label}: the export holds no sessions.")
    shape = "Universal Analytics ga_sessions export (expected fullVisitorId, visitId, visitStartTime, date, hits)"
    _check_required_fields(rows, label, ("fullVisitorId", "visitId", "visitStartTime", "date"), shape, "sessions")
    ids = ["fullVisitorId", "visitId", "date"]
    rows, dropped = _drop_duplicates(rows, label, duplicates, "sessions", ids)
    if duplicates != "keep":
        same, likely = "the same fullVisitorId, visitId and date", "an intraday table beside its daily table"
        _check_conflicting_copies(rows, ids, label, "sessions", same, likely, False)
    hits = _hits_frame(rows)
    no_hits = int(len(rows) - hits["_row"].nunique()) if len(hits) else len(rows)
    if no_hits:
        warnings.warn(
            f"{label}: {no_hits:,} of {len(rows):,} sessions have no hits and give no events (a truncated "
            "export?); counted in attrs['sessions_without_hits'].",
            KpiWarning,
            stacklevel=2,
        )
    events = _canonical_hits(rows, hits)
    totals = {k: int(_integers(rows, f"totals_{k}", "sessions").fillna(0).sum()) for k in _TOTALS}
    events.attrs.update(
        source=label,
        table="events",
        duplicates_dropped=sum(d["count"] for d in dropped),
        dropped=dropped,
        sessions_read=len(rows),
        sessions_without_hits=no_hits,
        totals=totals,
    )
    return events


def _hits_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per hit (raw values) with ``_row`` (its session row), ``_file``, ``_line`` and ``_pos``."""
    flat, row_of, pos = [], [], []
    for i, hits in enumerate(rows["hits"].tolist()):
        if hits is None:
            continue
        if not isinstance(hits, (list, tuple)):
            hits = getattr(hits, "tolist", lambda h=hits: [h])()
        for j, h in enumerate(hits):
            if isinstance(h, Mapping):
                flat.append(_flatten_hit(h))
                row_of.append(i)
                pos.append(j)
    out = pd.DataFrame(flat, columns=list(_flatten_hit({}).keys()), dtype=object)
    out["_row"] = np.asarray(row_of, dtype=np.int64)
    out["_pos"] = np.asarray(pos, dtype=np.int64)
    out["_file"] = rows["_file"].to_numpy(dtype=object)[out["_row"].to_numpy()]
    out["_line"] = rows["_line"].to_numpy()[out["_row"].to_numpy()]
    return out


def _event_names(hits: pd.DataFrame) -> pd.Series:
    """The event name of each hit (see :func:`read_ua_bigquery`)."""
    kind = hits["type"].astype("str").str.upper().where(hits["type"].notna())
    named = kind.map(_HIT_EVENTS)
    action = _text(hits, "eventAction").fillna(_text(hits, "eventCategory")).fillna("event")
    other = kind.str.lower().fillna("hit")
    return named.where(named.notna(), action.where(kind == "EVENT", other)).astype("str")


def _canonical_hits(rows: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
    """The hits as canonical events (with the session row's attributes), plus enhanced-ecommerce purchases."""
    if hits["time"].isna().any():
        _fail(hits, "time", hits["time"].isna().to_numpy(), "have no time", "Every UA hit has one.", "hits")
    r = hits["_row"].to_numpy()
    start_s = _integers(rows, "visitStartTime", "sessions").to_numpy(dtype=np.int64)[r]
    ms = _integers(hits, "time", "hits").to_numpy(dtype=np.int64)
    path = _text(hits, "pagePath")
    revenue = _integers(hits, "transactionRevenue", "hits").astype("Float64") / 1e6
    name = _event_names(hits)
    is_purchase = (name == "purchase").to_numpy()
    visit_id = _integers(rows, "visitId", "sessions")
    date = _text(rows, "date")
    session = visit_id.astype("str") + "-" + date
    rows_text = {c: _text(rows, c).to_numpy(dtype=object)[r] for c in ("source", "medium", "campaign", "device")}
    events = pd.DataFrame(
        {
            "user_id": _text(rows, "fullVisitorId").to_numpy(dtype=object)[r],
            "session_id": session.to_numpy(dtype=object)[r],
            "timestamp": pd.to_datetime(start_s * 1_000_000 + ms * 1_000, unit="us").astype("datetime64[ns]"),
            "event": name.to_numpy(dtype=object),
            "interaction": _flags(
                hits, "isInteraction", "UA writes isInteraction as true or false.", "hits", "are not true/false"
            ),
            "page": path.str.replace(r"[?#].*$", "", regex=True).replace("", "/"),
            "source": rows_text["source"],
            "medium": rows_text["medium"],
            "campaign": rows_text["campaign"],
            "channel": _text(rows, "channelGrouping").to_numpy(dtype=object)[r],
            "device": rows_text["device"],
            "country": _text(rows, "country").to_numpy(dtype=object)[r],
            "value": np.where(is_purchase, revenue.to_numpy(dtype=float, na_value=np.nan), np.nan),
            "new_user": (_integers(rows, "totals_newVisits", "sessions").fillna(0) == 1).to_numpy(dtype=bool)[r],
            "visit_number": _integers(rows, "visitNumber", "sessions").to_numpy()[r],
            "page_path": path,
            "hostname": _text(hits, "hostname"),
            "hit_number": _integers(hits, "hitNumber", "hits"),
            "hit_type": _text(hits, "type"),
            "entrance": _flags(hits, "isEntrance", "UA writes isEntrance as true.", "hits", "are not true/false"),
            "event_category": _text(hits, "eventCategory"),
            "event_action": _text(hits, "eventAction"),
            "event_label": _text(hits, "eventLabel"),
            "transaction_id": _text(hits, "transactionId"),
            "visit_id": visit_id.to_numpy()[r],
            "date": date.to_numpy(dtype=object)[r],
        }
    )
    for c in ("user_id", "session_id", "source", "medium", "campaign", "channel", "device", "country", "date"):
        events[c] = events[c].astype("str")
    events["visit_number"] = events["visit_number"].astype("Int64")
    events["visit_id"] = events["visit_id"].astype("Int64")
    order = np.lexsort((hits["_pos"].to_numpy(), events["hit_number"].to_numpy(dtype=float, na_value=np.inf), r))
    enhanced = (
        ~is_purchase
        & (hits["action_type"].astype("str") == "6").to_numpy(dtype=bool, na_value=False)
        & hits["transactionId"].notna().to_numpy()
    )
    events, order = _add_purchases(events, order, enhanced, revenue.to_numpy(dtype=float, na_value=np.nan))
    return events.iloc[order].reset_index(drop=True)


def _add_purchases(
    events: pd.DataFrame, order: np.ndarray, enhanced: np.ndarray, revenue: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """A "purchase" event (not an interaction) after each hit carrying an enhanced-ecommerce purchase."""
    if not enhanced.any():
        return events, order
    extra = events.loc[enhanced].assign(event="purchase", interaction=False, value=revenue[enhanced])
    extra["interaction"] = extra["interaction"].astype("boolean")
    n = len(events)
    rank = np.empty(n, dtype=float)
    rank[order] = np.arange(n)
    combined = pd.concat([events, extra], ignore_index=True)
    new_rank = np.concatenate([rank, rank[enhanced] + 0.5])
    return combined, np.argsort(new_rank, kind="stable")
