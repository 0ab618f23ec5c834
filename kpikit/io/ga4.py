"""Reader of the GA4 BigQuery export (NDJSON, JSON or Parquet copies) into canonical events.

Each exported row is one event with nested records (``event_params``, ``device``, ``geo``, the
session's traffic source). ``read_ga4_bigquery`` flattens them into the canonical ``events`` table
that ``kpikit.web.sessions_from_events`` sessionises, drops exact duplicate events (a month
downloaded twice), gives every event its session's source, medium, campaign and channel by GA4's
rule, and says which file and line hold a bad value. The file handling and the duplicate checks are
shared with the Universal Analytics reader (``kpikit.io.bigquery``).

The columns read
----------------

====================  =====================================================================
canonical column      from
====================  =====================================================================
user_id               user_pseudo_id (the site's own user_id goes to ``ga4_user_id``)
session_id            event_params.ga_session_id (Int64; unique only per user)
timestamp             event_timestamp (microseconds since epoch, UTC) as tz-naive UTC
event                 event_name
page                  path of event_params.page_location (query string and host dropped)
source, medium,       the session's, by GA4's rule: its session_traffic_source_last_click
campaign, channel     record (cross_channel_campaign, else manual_campaign) when the export has
                      one; else the first event of the session, by time, that carries a source
                      (event_params source/medium/campaign, else collected_traffic_source; a
                      gclid alone is google / cpc); else (direct) / (none). channel: the record's
                      default_channel_group, else :func:`default_channel_group` of them.
                      traffic_source (the user's first touch) is not a session's source.
device, country       device.category, geo.country
value                 event_params.value, else ecommerce.purchase_revenue
engagement_time_msec  event_params.engagement_time_msec
====================  =====================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.io.bigquery import (
    _check_conflicting_copies,
    _check_required_fields,
    _drop_duplicates,
    _export_files,
    _files_label,
    _flags,
    _flat_frame,
    _get,
    _integers,
    _numbers,
    _text,
)

__all__ = ["SOURCE_CATEGORIES", "default_channel_group", "read_ga4_bigquery"]


def _ga4_value(v):
    """The value of an event parameter: whichever of string/int/float/double_value is set."""
    if not isinstance(v, Mapping):
        return v
    for key in ("string_value", "int_value", "float_value", "double_value"):
        x = v.get(key)
        if x is not None:
            return x
    return None


def _flatten_ga4(record: Mapping) -> dict:
    """One exported event as a flat dict of the fields kpikit reads (raw values, not yet parsed).

    ``ev_*``: the traffic source the event itself carries (event_params source/medium/campaign, else
    collected_traffic_source; a gclid alone means google / cpc). ``lc_*``: the session's traffic-source
    record (session_traffic_source_last_click: cross_channel_campaign, else manual_campaign).
    """
    params = record.get("event_params") or []
    flat = {p.get("key"): _ga4_value(p.get("value")) for p in params if isinstance(p, Mapping)}
    collected = record.get("collected_traffic_source") or {}
    gclid = flat.get("gclid") or _get(collected, "gclid")
    last = record.get("session_traffic_source_last_click") or {}
    lc = _get(last, "cross_channel_campaign") or {}
    if not any(lc.get(k) for k in ("source", "medium", "default_channel_group")):
        lc = _get(last, "manual_campaign") or {}
    value = flat.get("value")
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
        "ev_source": flat.get("source") or collected.get("manual_source") or ("google" if gclid else None),
        "ev_medium": flat.get("medium") or collected.get("manual_medium") or ("cpc" if gclid else None),
        "ev_campaign": flat.get("campaign") or collected.get("manual_campaign_name"),
        "lc_source": lc.get("source"),
        "lc_medium": lc.get("medium"),
        "lc_campaign": lc.get("campaign_name"),
        "lc_channel": lc.get("default_channel_group"),
        "device": _get(record, "device", "category"),
        "country": _get(record, "geo", "country"),
        "value": value if value is not None else _get(record, "ecommerce", "purchase_revenue"),
    }


def read_ga4_bigquery(
    path: str | Path | Sequence[str | Path], duplicates: Literal["drop", "keep", "raise"] = "drop"
) -> pd.DataFrame:
    """Read a GA4 BigQuery export (events_YYYYMMDD rows) into the canonical ``events`` table.

    Accepts newline-delimited JSON (.jsonl/.json, optionally .gz; 64-bit integers as strings or
    numbers), a console "save as JSON" array (every scalar a string, explicit nulls), and Parquet
    with the nested columns; a list of files or a folder of shards (a session crossing midnight spans
    two daily tables and is one session). Flattens ``event_params`` and the nested records into the
    columns listed in :mod:`kpikit.io.ga4`.

    Also kept: page_location, entrances, session_engaged (boolean from "1"/"0" or 1/0; used by
    :func:`kpikit.web.sessions_from_events` before its own rule), ga_session_number (new users are the
    sessions numbered 1 or holding first_visit), event_date, ga4_user_id. Events without
    user_pseudo_id or ga_session_id keep their own source and missing ids; they are counted in
    ``attrs["no_session_key"]`` and ``sessions_from_events`` sets them aside and says how many.

    Parameters
    ----------
    path : str, Path, list of them, or a folder
        The export file(s).
    duplicates : {"drop", "keep", "raise"}
        Exact duplicate events (identical in every field, in any of the file forms) occur in exports
        and in folders holding the same days twice. "drop" (default) keeps the first copy and warns
        with the count, naming overlapping files (``attrs["duplicates_dropped"]``); "raise" stops.
        Events of one user, time and name found in two files with different fields (an intraday table
        beside its daily table, a re-export) are refused under "drop" and "raise": which copy is right
        would be a guess. "keep" keeps every row as read.

    Returns
    -------
    DataFrame
        Canonical events, in file order; ``attrs``: source, table, duplicates_dropped,
        no_session_key, session_traffic (sessions whose source came from the export's record, from an
        event, or none: direct).

    Raises
    ------
    KpiDataError
        Invalid JSON (names the file and line), missing event_timestamp or event_name, values that are
        not whole numbers where integers are expected, session_engaged other than 1/0, overlapping
        copies that disagree.

    References
    ----------
    Google Analytics Help, "[GA4] BigQuery Export schema" and "[GA4] Traffic-source dimensions,
    manual tagging, and auto-tagging".

    Examples
    --------
    >>> events = read_ga4_bigquery("data/sample/ga4_bigquery_events.jsonl")  # doctest: +SKIP
    >>> sessions = kk.web.sessions_from_events(events)  # doctest: +SKIP
    """
    if duplicates not in ("drop", "keep", "raise"):
        raise KpiDataError(f"duplicates must be 'drop', 'keep' or 'raise' (got {duplicates!r}).")
    files = _export_files(path)
    raw = _flat_frame(files, _flatten_ga4, "event object")
    label = _files_label(files)
    if raw.empty:
        raise KpiDataError(f"{label}: the export holds no events.")
    _check_required_fields(
        raw,
        label,
        ("event_timestamp", "event_name"),
        "GA4 BigQuery export (expected event_timestamp, event_name, event_params, user_pseudo_id)",
    )
    ids = ["user_pseudo_id", "event_timestamp", "event_name"]
    raw, dropped = _drop_duplicates(raw, label, duplicates, "events", ids)
    if duplicates != "keep":
        same = "the same user_pseudo_id, event_timestamp and event_name"
        _check_conflicting_copies(
            raw, ids, label, "events", same, "an intraday table beside its daily table, or a re-export"
        )
    events = _canonical_events(raw)
    origin = _session_traffic(raw, events)
    events.attrs.update(
        source=label,
        table="events",
        duplicates_dropped=sum(d["count"] for d in dropped),
        dropped=dropped,
        no_session_key=int((events["user_id"].isna() | events["session_id"].isna()).sum()),
        session_traffic=origin,
    )
    return events


def _canonical_events(raw: pd.DataFrame) -> pd.DataFrame:
    """The flattened fields parsed into the canonical events columns (see :func:`read_ga4_bigquery`)."""
    us = _integers(raw, "event_timestamp")
    location = _text(raw, "page_location")
    path_only = location.str.extract(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)", expand=False)
    path_only = path_only.where(path_only.isna() | (path_only != ""), "/")
    return pd.DataFrame(
        {
            "user_id": _text(raw, "user_pseudo_id"),
            "session_id": _integers(raw, "ga_session_id"),
            "timestamp": pd.to_datetime(us.astype("int64"), unit="us").astype("datetime64[ns]"),
            "event": raw["event_name"].astype("str"),
            "page": path_only,
            "source": _text(raw, "ev_source"),
            "medium": _text(raw, "ev_medium"),
            "campaign": _text(raw, "ev_campaign"),
            "channel": pd.Series(np.nan, index=raw.index, dtype="str"),
            "device": _text(raw, "device"),
            "country": _text(raw, "country"),
            "value": _numbers(raw, "value"),
            "engagement_time_msec": _numbers(raw, "engagement_time_msec"),
            "page_location": location,
            "entrances": _integers(raw, "entrances"),
            "session_engaged": _flags(raw, "session_engaged", "GA4 writes session_engaged as '1' or '0'."),
            "ga_session_number": _integers(raw, "ga_session_number"),
            "event_date": _text(raw, "event_date"),
            "ga4_user_id": _text(raw, "ga4_user_id"),
        }
    )


def _first_per_session(codes: np.ndarray, ts: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per session code, the position of its earliest event where ``mask`` holds (ties: file order); -1 if none."""
    pos = np.flatnonzero(mask & (codes >= 0))
    out = np.full(n, -1, dtype=np.int64)
    if len(pos):
        order = pos[np.lexsort((pos, ts[pos], codes[pos]))]
        first = np.r_[True, codes[order][1:] != codes[order][:-1]]
        out[codes[order][first]] = order[first]
    return out


def _session_traffic(raw: pd.DataFrame, events: pd.DataFrame) -> dict[str, int]:
    """Set every event's source, medium, campaign and channel to its session's (GA4's rule), in place.

    Returns how many sessions took them from the export's record, from an event, or from neither
    (direct). Events without a session key keep what they carry themselves.
    """
    keyed = (events["user_id"].notna() & events["session_id"].notna()).to_numpy()
    key = events["user_id"].where(keyed) + "\x1f" + events["session_id"].astype("str").where(keyed)
    codes, uniques = pd.factorize(key)
    n = len(uniques)
    ts = events["timestamp"].to_numpy().view("int64")
    lc = {c: _text(raw, f"lc_{c}") for c in ("source", "medium", "campaign", "channel")}
    ev = {c: events[c] for c in ("source", "medium", "campaign")}
    has_lc = (lc["source"].notna() | lc["medium"].notna() | lc["channel"].notna()).to_numpy()
    has_ev = (ev["source"].notna() | ev["medium"].notna()).to_numpy()
    first_lc = _first_per_session(codes, ts, has_lc, n)
    first_ev = _first_per_session(codes, ts, has_ev, n)
    own = np.arange(len(events))
    pick_lc = np.where(codes >= 0, first_lc[codes], np.where(has_lc, own, -1))
    pick_ev = np.where(codes >= 0, first_ev[codes], np.where(has_ev, own, -1))
    use_lc, use_ev = pick_lc >= 0, (pick_lc < 0) & (pick_ev >= 0)
    direct = (codes >= 0) & ~use_lc & ~use_ev
    fill = {"source": "(direct)", "medium": "(none)", "campaign": "(direct)"}
    for c in ("source", "medium", "campaign"):
        from_lc = lc[c].to_numpy(dtype=object, na_value=None)[np.maximum(pick_lc, 0)]
        from_ev = ev[c].to_numpy(dtype=object, na_value=None)[np.maximum(pick_ev, 0)]
        values = np.where(use_lc, from_lc, np.where(use_ev, from_ev, None))
        values[direct] = fill[c]
        events[c] = pd.Series(values, index=events.index, dtype="str")
    record_channel = lc["channel"].to_numpy(dtype=object, na_value=None)[np.maximum(pick_lc, 0)]
    derived = default_channel_group(events["source"], events["medium"], events["campaign"])
    has_source = events["source"].notna().to_numpy() | events["medium"].notna().to_numpy()
    channel = np.where(use_lc & pd.notna(record_channel), record_channel, np.where(has_source, derived, None))
    events["channel"] = pd.Series(channel, index=events.index, dtype="str")
    session_of = pd.Series(codes[codes >= 0])
    first_rows = ~session_of.duplicated().to_numpy()
    rows = np.flatnonzero(codes >= 0)[first_rows]
    return {
        "last_click_record": int(use_lc[rows].sum()),
        "first_event": int(use_ev[rows].sum()),
        "direct": int(direct[rows].sum()),
    }


#: Source categories of GA4's default channel group: a short list of the most common sites per category
#: (Google publishes the full list); pass ``source_categories=`` to :func:`default_channel_group` to add more.
SOURCE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "search": tuple("google bing yahoo baidu yandex duckduckgo ecosia naver seznam ask aol qwant startpage".split()),
    "social": tuple(
        "facebook fb instagram ig linkedin lnkd.in twitter t.co x.com pinterest reddit tiktok snapchat threads "
        "quora tumblr vk weibo whatsapp messenger discord mastodon".split()
    ),
    "video": tuple("youtube youtu.be vimeo twitch dailymotion wistia".split()),
    "shopping": ("google shopping", *"shopping.google igshopping amazon ebay etsy shopify walmart".split()),
}

_PAID = r"^(?:.*cp.*|ppc|retargeting|paid.*)$"
_SHOP_CAMPAIGN = r"^.*(?:(?:[^a-df-z]|^)shop|shopping).*$"


def default_channel_group(
    source: Sequence | pd.Series,
    medium: Sequence | pd.Series,
    campaign: Sequence | pd.Series | None = None,
    source_categories: Mapping[str, Sequence[str]] | None = None,
) -> np.ndarray:
    """GA4's default channel group of each (source, medium, campaign), vectorised.

    The rules in Google's order, the first that matches wins (case-insensitive; a missing value reads
    as "(not set)"): Direct (source "(direct)", medium "(none)" or "(not set)"); Cross-network
    (campaign contains "cross-network"); Paid Shopping, Paid Search, Paid Social, Paid Video (a
    shopping/search/social/video source, or a shopping campaign, with a paid medium: ``.*cp.*``, ppc,
    retargeting, ``paid.*``); Display (medium display, banner, expandable, interstitial, cpm); Paid
    Other (a paid medium); Organic Shopping, Organic Social (also medium social, social-network,
    social-media, sm, "social network", "social media"), Organic Video (also a medium containing
    "video"), Organic Search (also medium organic); Referral (medium referral, app, link); Email
    (source or medium email, e-mail, e_mail, "e mail"); Affiliates; Audio; SMS; Mobile Push
    Notifications (medium ending in "push" or containing "mobile" or "notification", or source
    firebase); otherwise Unassigned. A source matches a site when it is the site's name or a host
    name holding it ("l.facebook.com", "google.co.uk").

    Parameters
    ----------
    source, medium : array-like of str
        Session source and medium (utm_source, utm_medium).
    campaign : array-like of str, optional
        Campaign name (utm_campaign); None: no campaign.
    source_categories : mapping, optional
        Extra sites per category ("search", "social", "video", "shopping"), added to
        :data:`SOURCE_CATEGORIES`.

    Returns
    -------
    ndarray of str
        One channel per row.

    References
    ----------
    Google Analytics Help, "[GA4] Default channel group".

    Examples
    --------
    >>> default_channel_group(["google", "google", "(direct)", "l.facebook.com", "newsletter"],
    ...                       ["organic", "cpc", "(none)", "paid_social", "email"]).tolist()
    ['Organic Search', 'Paid Search', 'Direct', 'Paid Social', 'Email']
    """
    src = pd.Series(np.asarray(source, dtype=object)).fillna("(not set)").astype("str").str.strip().str.lower()
    med = pd.Series(np.asarray(medium, dtype=object)).fillna("(not set)").astype("str").str.strip().str.lower()
    if len(src) != len(med):
        raise KpiDataError(f"source and medium differ in length ({len(src)} and {len(med)}).")
    camp = pd.Series(["(not set)"] * len(src) if campaign is None else np.asarray(campaign, dtype=object))
    camp = camp.fillna("(not set)").astype("str").str.lower()
    cats = {k: list(v) for k, v in SOURCE_CATEGORIES.items()}
    for k, v in (source_categories or {}).items():
        if k not in cats:
            raise KpiDataError(f"source_categories: unknown category {k!r}; use one of {', '.join(cats)}.")
        cats[k] += [str(x).lower() for x in v]
    site = {
        k: src.str.contains(r"(?:^|\.)(?:" + "|".join(map(re.escape, v)) + r")(?:\.|$)", regex=True).to_numpy()
        for k, v in cats.items()
    }
    paid = med.str.fullmatch(_PAID).to_numpy()
    shop = site["shopping"] | camp.str.fullmatch(_SHOP_CAMPAIGN).to_numpy()
    email = {"email", "e-mail", "e_mail", "e mail"}
    m = med.to_numpy()
    s = src.to_numpy()
    rules = [
        ((s == "(direct)") & np.isin(m, ["(none)", "(not set)"]), "Direct"),
        (camp.str.contains("cross-network", regex=False).to_numpy(), "Cross-network"),
        (shop & paid, "Paid Shopping"),
        (site["search"] & paid, "Paid Search"),
        (site["social"] & paid, "Paid Social"),
        (site["video"] & paid, "Paid Video"),
        (np.isin(m, ["display", "banner", "expandable", "interstitial", "cpm"]), "Display"),
        (paid, "Paid Other"),
        (shop, "Organic Shopping"),
        (
            site["social"]
            | np.isin(m, ["social", "social-network", "social-media", "sm", "social network", "social media"]),
            "Organic Social",
        ),
        (site["video"] | med.str.contains("video", regex=False).to_numpy(), "Organic Video"),
        (site["search"] | (m == "organic"), "Organic Search"),
        (np.isin(m, ["referral", "app", "link"]), "Referral"),
        (np.isin(s, list(email)) | np.isin(m, list(email)), "Email"),
        (m == "affiliate", "Affiliates"),
        (m == "audio", "Audio"),
        ((s == "sms") | (m == "sms"), "SMS"),
        (
            med.str.endswith("push").to_numpy()
            | med.str.contains("mobile|notification").to_numpy()
            | (s == "firebase"),
            "Mobile Push Notifications",
        ),
    ]
    return np.select([r for r, _ in rules], [c for _, c in rules], default="Unassigned").astype(object)
