"""The GA4 BigQuery export flattened as one Ibis expression: in BigQuery itself, or on its copies with DuckDB.

:func:`ga4_events` turns a table of GA4 export rows (``events_YYYYMMDD``: one event per row, with
the nested ``event_params``, ``device``, ``geo``, ``collected_traffic_source`` and
``session_traffic_source_last_click`` records) into the canonical ``events`` table, with the same
columns and the same rules as :func:`kpikit.io.read_ga4_bigquery` (its module docstring lists
them): the page is the path of ``page_location``, a parameter's value is the first of its
``string_value``, ``int_value``, ``float_value`` and ``double_value`` that is set, and every event
carries its session's source, medium, campaign and channel by GA4's rule (the session's last-click
record, else the first event of the session that carries a source, else (direct) / (none)), the
channel by :func:`kpikit.io.default_channel_group` written as a ``CASE`` expression.

Nothing is computed where the expression is built: on an Ibis BigQuery connection the whole
flattening, and the sessions and rates built on it, run in BigQuery over the export tables; on the
NDJSON or Parquet copies of the export (:func:`open_ga4_export`) DuckDB runs the same expression.

Two differences from the pandas reader, both for the data that lives in a warehouse:

- exact duplicate events are not dropped here but by :func:`kpikit.web.sessions_from_events`
  (``duplicates="drop"``, identical in every flattened column), and two copies of one event that
  differ are not looked for;
- a session's first event carrying a source is the earliest by time, ties broken by the event
  name and then the values (a warehouse table has no row order; the pandas reader takes the first
  in the file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kpikit.engine.tables import backend_name, first_by, from_epoch_us, label, register
from kpikit.errors import KpiDataError
from kpikit.io.ga4 import _PAID, _SHOP_CAMPAIGN, SOURCE_CATEGORIES

if TYPE_CHECKING:
    import ibis
    from ibis.expr.types import StringValue

__all__ = ["ga4_events", "open_ga4_export", "channel_group"]

#: The value fields of an event parameter, in the order the first one set is taken.
_VALUE_FIELDS = ("string_value", "int_value", "float_value", "double_value")

#: The scheme and host of a URL (removed), and the query string or fragment (removed): the path stays.
_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*"
_QUERY = r"[?#][\s\S]*$"

_DIRECT = {"source": "(direct)", "medium": "(none)", "campaign": "(direct)"}


def _field(value, *names: str):
    """``value.names[0].names[1]...`` of a struct column, or a typed null where a level is missing.

    Export copies leave out fields no row has (an NDJSON extract without ``collected_traffic_source``),
    while the BigQuery table always has them: the expression reads what exists.
    """
    for name in names:
        if value is None or not value.type().is_struct() or name not in value.type().names:
            return None
        value = value[name]
    return value


def _column(t, *path: str):
    """A top-level column of ``t`` followed by struct fields, or None when any part is missing."""
    if path[0] not in t.columns:
        return None
    return _field(t[path[0]], *path[1:]) if len(path) > 1 else t[path[0]]


def _null(kind: str):
    import ibis

    return ibis.null(kind)


def _or_null(expr, kind: str):
    return expr if expr is not None else _null(kind)


def _nonempty(expr):
    """Text that is not empty, else null (a Python ``or`` skips empty strings)."""
    import ibis

    if expr is None:
        return None
    text = expr.cast("string")
    return ibis.ifelse(text == "", ibis.null("string"), text)


def _coalesce(*exprs, kind: str):
    import ibis

    present = [e for e in exprs if e is not None]
    if not present:
        return _null(kind)
    return present[0] if len(present) == 1 else ibis.coalesce(*present)


class _Params:
    """The event parameters of each row: ``params.get(key)`` is the value struct of the first with that key."""

    def __init__(self, t):
        self.t = t
        self.present = "event_params" in t.columns

    def value(self, key: str):
        if not self.present:
            return None
        return self.t.event_params.filter(lambda p: p.key == key)[0].value

    def text(self, key: str):
        """The value as text: the first of string/int/float/double that is set."""
        v = self.value(key)
        fields = [_field(v, f) for f in _VALUE_FIELDS]
        return _coalesce(*[f.cast("string") for f in fields if f is not None], kind="string")

    def number(self, key: str, kind: str):
        """The value as a number of ``kind`` ("int64", "float64"); text that is no number fails in the backend."""
        v = self.value(key)
        fields = [_field(v, f) for f in _VALUE_FIELDS]
        return _coalesce(*[f.cast(kind) for f in fields if f is not None], kind=kind)


def _flag(text):
    """GA4's 1/0 flag (as text or a number) as a boolean; any other value fails in the backend."""
    import ibis

    t = text.strip().lower()
    return ibis.cases(
        (t.isin(["1", "true", "1.0"]), True),
        (t.isin(["0", "false", "0.0"]), False),
        (t.isnull(), ibis.null("boolean")),
        else_=t.cast("boolean"),
    )


def _last_click(t) -> dict:
    """The session's traffic-source record of each event: cross_channel_campaign, else manual_campaign."""
    import ibis

    cross = _column(t, "session_traffic_source_last_click", "cross_channel_campaign")
    manual = _column(t, "session_traffic_source_last_click", "manual_campaign")
    names = {"source": "source", "medium": "medium", "campaign": "campaign_name", "channel": "default_channel_group"}
    out = {}
    use_cross = None
    if cross is not None:
        use_cross = ibis.literal(False)
        for k in ("source", "medium", "channel"):
            f = _field(cross, names[k])
            if f is not None:
                use_cross = use_cross | _nonempty(f).notnull()
    for k, name in names.items():
        a = _field(cross, name) if cross is not None else None
        b = _field(manual, name) if manual is not None else None
        a = _or_null(a, "string").cast("string")
        b = _or_null(b, "string").cast("string")
        out[k] = b if use_cross is None else ibis.ifelse(use_cross, a, b)
    return out


def _event_traffic(t, params: _Params) -> dict:
    """The source, medium and campaign an event carries: its parameters, else collected_traffic_source."""
    import ibis

    collected = {k: _column(t, "collected_traffic_source", k) for k in
                 ("manual_source", "manual_medium", "manual_campaign_name", "gclid")}  # fmt: skip
    gclid = _coalesce(_nonempty(params.text("gclid")), _nonempty(collected["gclid"]), kind="string").notnull()
    source = _coalesce(
        _nonempty(params.text("source")),
        _nonempty(collected["manual_source"]),
        ibis.ifelse(gclid, "google", ibis.null("string")),
        kind="string",
    )
    medium = _coalesce(
        _nonempty(params.text("medium")),
        _nonempty(collected["manual_medium"]),
        ibis.ifelse(gclid, "cpc", ibis.null("string")),
        kind="string",
    )
    campaign_name = collected["manual_campaign_name"]
    campaign = _coalesce(
        _nonempty(params.text("campaign")), campaign_name.cast("string") if campaign_name is not None else None,
        kind="string",
    )  # fmt: skip
    return {"source": source, "medium": medium, "campaign": campaign}


def _flat(t, backend: str):
    """One row per export row: the canonical columns before the session's traffic source is applied."""
    params = _Params(t)
    if "event_timestamp" not in t.columns or "event_name" not in t.columns:
        raise KpiDataError(
            f"{label(t, 'GA4 export')}: no event_timestamp or event_name column; this does not look like a GA4 "
            "BigQuery export (expected event_timestamp, event_name, event_params, user_pseudo_id)."
        )
    location = params.text("page_location")
    path = location.re_replace(_HOST, "").re_replace(_QUERY, "")
    import ibis

    page = ibis.ifelse(path == "", "/", path)
    revenue = _column(t, "ecommerce", "purchase_revenue")
    cols = {
        "user_id": _or_null(_column(t, "user_pseudo_id"), "string").cast("string"),
        "session_id": params.number("ga_session_id", "int64"),
        "timestamp": from_epoch_us(backend, t.event_timestamp.cast("int64")),
        "event": t.event_name.cast("string"),
        "page": page,
        "device": _or_null(_column(t, "device", "category"), "string").cast("string"),
        "country": _or_null(_column(t, "geo", "country"), "string").cast("string"),
        "value": _coalesce(
            params.number("value", "float64"), revenue.cast("float64") if revenue is not None else None, kind="float64"
        ),
        "engagement_time_msec": params.number("engagement_time_msec", "float64"),
        "page_location": location,
        "entrances": params.number("entrances", "int64"),
        "session_engaged": _flag(params.text("session_engaged")),
        "ga_session_number": params.number("ga_session_number", "int64"),
        "event_date": _or_null(_column(t, "event_date"), "string").cast("string"),
        "ga4_user_id": _or_null(_column(t, "user_id"), "string").cast("string"),
    }
    for k, v in _event_traffic(t, params).items():
        cols[f"_ev_{k}"] = v
    for k, v in _last_click(t).items():
        cols[f"_lc_{k}"] = v
    return t.select(**cols)


def _session_traffic(f, backend: str):
    """Every event with its session's source, medium, campaign and channel (GA4's rule, as the pandas reader)."""
    import ibis

    k = f.filter(f.user_id.notnull() & f.session_id.notnull())
    has_lc = k._lc_source.notnull() | k._lc_medium.notnull() | k._lc_channel.notnull()
    has_ev = k._ev_source.notnull() | k._ev_medium.notnull()
    ev_cols = ("source", "medium", "campaign")
    lc_cols = ("source", "medium", "campaign", "channel")
    keys = [k.timestamp, k.event.fill_null("")]
    keys += [k[f"_lc_{c}"].fill_null("") for c in lc_cols] + [k[f"_ev_{c}"].fill_null("") for c in ev_cols]
    sessions = (
        k.group_by(["user_id", "session_id"])
        .aggregate(
            _s_lc=first_by(backend, {c: k[f"_lc_{c}"] for c in lc_cols}, keys, has_lc),
            _s_ev=first_by(backend, {c: k[f"_ev_{c}"] for c in ev_cols}, keys, has_ev),
            _s_any_lc=k.count(where=has_lc),
            _s_any_ev=k.count(where=has_ev),
        )
        .rename(_s_user="user_id", _s_session="session_id")
    )
    j = f.left_join(sessions, [f.user_id == sessions._s_user, f.session_id == sessions._s_session])
    session = j._s_user.notnull()
    use_lc = ibis.ifelse(session, j._s_any_lc > 0, j._lc_source.notnull() | j._lc_medium.notnull()
                         | j._lc_channel.notnull())  # fmt: skip
    use_ev = ~use_lc & ibis.ifelse(session, j._s_any_ev > 0, j._ev_source.notnull() | j._ev_medium.notnull())
    direct = session & ~use_lc & ~use_ev
    out = {}
    for c in ev_cols:
        from_lc = ibis.ifelse(session, j._s_lc[c], j[f"_lc_{c}"])
        from_ev = ibis.ifelse(session, j._s_ev[c], j[f"_ev_{c}"])
        out[c] = ibis.cases((use_lc, from_lc), (use_ev, from_ev), (direct, _DIRECT[c]), else_=ibis.null("string"))
    record = ibis.ifelse(session, j._s_lc["channel"], j._lc_channel)
    derived = channel_group(out["source"], out["medium"], out["campaign"])
    has_source = out["source"].notnull() | out["medium"].notnull()
    out["channel"] = ibis.cases((use_lc & record.notnull(), record), (has_source, derived), else_=ibis.null("string"))
    return j, out


#: The canonical columns of the flattened export, in the pandas reader's order.
COLUMNS = (
    "user_id", "session_id", "timestamp", "event", "page", "source", "medium", "campaign", "channel", "device",
    "country", "value", "engagement_time_msec", "page_location", "entrances", "session_engaged", "ga_session_number",
    "event_date", "ga4_user_id",
)  # fmt: skip


def ga4_events(export: Any, duplicates: Literal["drop", "keep"] = "drop", backend: str | None = None) -> ibis.Table:
    """The GA4 BigQuery export as the canonical ``events`` table, as one Ibis expression.

    The same columns and values as :func:`kpikit.io.read_ga4_bigquery` (see the module docstring for
    the two differences), computed where the export lives: pass the export tables of a BigQuery
    connection and the query runs in BigQuery; pass the path of NDJSON or Parquet copies and DuckDB
    reads them (:func:`open_ga4_export`). The result goes straight into
    :func:`kpikit.web.sessions_from_events`, ``bounce_rate`` and ``ordered_funnel``.

    Parameters
    ----------
    export : Ibis table, str, Path or list
        GA4 export rows: an Ibis table with the export's columns (``con.sql("SELECT * FROM
        `project.analytics_123.events_*` WHERE _TABLE_SUFFIX BETWEEN '20250101' AND '20250630'")``
        on an Ibis BigQuery connection, or any backend holding a copy), or the path, glob or folder
        of NDJSON / Parquet copies.
    duplicates : {"drop", "keep"}
        Exact duplicate events (identical in every column of the result: a day exported twice):
        "drop" keeps one of each (``kk.engine.attrs(events)["duplicates_dropped"]`` counts them, a
        query run on first read); "keep" keeps every row.
    backend : str, optional
        The backend the expression is written for ("duckdb", "bigquery", "pyspark", ...); default the
        table's own. Set it to compile an unbound table for another backend (``ibis.to_sql``).

    Returns
    -------
    ibis.Table
        user_id, session_id, timestamp (naive UTC; UTC-aware on BigQuery), event, page, source,
        medium, campaign, channel, device, country, value, engagement_time_msec, page_location,
        entrances, session_engaged, ga_session_number, event_date, ga4_user_id.

    References
    ----------
    Google Analytics Help, "[GA4] BigQuery Export schema" and "[GA4] Traffic-source dimensions,
    manual tagging, and auto-tagging".

    Examples
    --------
    >>> events = ga4_events("data/sample/ga4_bigquery_events.jsonl")
    >>> int(events.count().execute())  # 1,543 rows, one of them an exact duplicate
    1542
    """
    t = open_ga4_export(export) if isinstance(export, (str, Path, list, tuple)) else export
    from kpikit.io.lazy import is_lazy

    if not is_lazy(t):
        raise KpiDataError(
            f"export must be an Ibis table or the path of GA4 export files (got {type(export).__name__}); "
            "read a DataFrame with kk.io.read_ga4_bigquery."
        )
    backend = backend or backend_name(t)
    flat = _flat(t, backend)
    joined, traffic = _session_traffic(flat, backend)
    cols = {c: traffic[c] if c in traffic else joined[c] for c in COLUMNS}
    rows = joined.select(**cols)
    if duplicates not in ("drop", "keep"):
        raise KpiDataError(f"duplicates must be 'drop' or 'keep' (got {duplicates!r}).")
    out = rows.distinct() if duplicates == "drop" else rows
    info = {"source": label(t, "GA4 export"), "table": "events", "duplicates_dropped": 0}
    if duplicates == "drop":
        info["duplicates_dropped"] = lambda: _dropped(rows, out)
    register(out, info)
    return out


def _dropped(rows, kept) -> int:
    """How many exact duplicate rows ``distinct`` removed."""
    from kpikit.engine.tables import scalar

    return int(scalar(rows.count())) - int(scalar(kept.count()))


def open_ga4_export(source: str | Path | Sequence[str | Path]) -> ibis.Table:
    """NDJSON or Parquet copies of the GA4 export tables as one Ibis table on kpikit's DuckDB connection.

    Parameters
    ----------
    source : str, Path or list
        A file, a glob, a folder of shards (``events_20250101.jsonl.gz`` ...) or a list of them; one
        format for all (see :func:`kpikit.io.lazy.table_files`).

    Returns
    -------
    ibis.Table
        The export rows with their nested records, read lazily.

    Examples
    --------
    >>> "event_params" in open_ga4_export("data/sample/ga4_bigquery_events.jsonl").columns
    True
    """
    import hashlib

    from kpikit.io.lazy import _SOURCES, _format, _ident, _label, _quote, connect, table_files

    files = table_files(source, "events")
    formats = {_format(p) for p in files}
    if formats - {"json", "parquet"} or len(formats) != 1:
        raise KpiDataError(f"{_label(files)}: the GA4 export is read from NDJSON or Parquet files, all of one format.")
    paths = "[" + ", ".join(f"'{_quote(str(p))}'" for p in files) + "]"
    if formats == {"parquet"}:
        reader = f"read_parquet({paths}, union_by_name = true)"
    else:
        reader = f"read_json({paths}, format = 'newline_delimited', union_by_name = true)"
    con = connect()
    name = "kpikit_ga4_" + hashlib.sha1(reader.encode()).hexdigest()[:16]
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {_ident(name)} AS SELECT * FROM {reader}")
    _SOURCES[name] = _label(files)
    return con.table(name)


def _site_pattern(sites: Sequence[str]) -> str:
    """A source that is the site's name or a host name holding it (the pandas rule's pattern)."""
    return r"(?:^|\.)(?:" + "|".join(re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", s) for s in sites) + r")(?:\.|$)"


def channel_group(source: StringValue, medium: StringValue, campaign: StringValue | None = None) -> StringValue:
    """GA4's default channel group as an Ibis expression: :func:`kpikit.io.default_channel_group`'s rules.

    Parameters
    ----------
    source, medium : Ibis string columns
        Session source and medium.
    campaign : Ibis string column, optional
        Campaign name.

    Returns
    -------
    Ibis string column
        The channel; the same as :func:`kpikit.io.default_channel_group` for every row.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["google", "l.facebook.com"], "m": ["cpc", "referral"]})
    >>> t.select(c=channel_group(t.s, t.m)).execute()["c"].tolist()
    ['Paid Search', 'Organic Social']
    """
    import ibis

    src = source.cast("string").fill_null("(not set)").strip().lower()
    med = medium.cast("string").fill_null("(not set)").strip().lower()
    camp = (campaign.cast("string") if campaign is not None else ibis.null("string")).fill_null("(not set)").lower()
    site = {k: src.re_search(_site_pattern(v)) for k, v in SOURCE_CATEGORIES.items()}
    paid = med.re_search(_PAID)
    shop = site["shopping"] | camp.re_search(_SHOP_CAMPAIGN)
    email = ["email", "e-mail", "e_mail", "e mail"]
    social_media = ["social", "social-network", "social-media", "sm", "social network", "social media"]
    rules = [
        ((src == "(direct)") & med.isin(["(none)", "(not set)"]), "Direct"),
        (camp.contains("cross-network"), "Cross-network"),
        (shop & paid, "Paid Shopping"),
        (site["search"] & paid, "Paid Search"),
        (site["social"] & paid, "Paid Social"),
        (site["video"] & paid, "Paid Video"),
        (med.isin(["display", "banner", "expandable", "interstitial", "cpm"]), "Display"),
        (paid, "Paid Other"),
        (shop, "Organic Shopping"),
        (site["social"] | med.isin(social_media), "Organic Social"),
        (site["video"] | med.contains("video"), "Organic Video"),
        (site["search"] | (med == "organic"), "Organic Search"),
        (med.isin(["referral", "app", "link"]), "Referral"),
        (src.isin(email) | med.isin(email), "Email"),
        (med == "affiliate", "Affiliates"),
        (med == "audio", "Audio"),
        ((src == "sms") | (med == "sms"), "SMS"),
        (
            med.endswith("push") | med.re_search("mobile|notification") | (src == "firebase"),
            "Mobile Push Notifications",
        ),
    ]
    return ibis.cases(*rules, else_="Unassigned")
