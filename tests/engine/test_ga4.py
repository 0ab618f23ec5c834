"""Tests of kpikit.engine.ga4: the GA4 export flattened as one Ibis expression equals kk.io.read_ga4_bigquery on
the sample export (NDJSON as extracted, and Parquet with BigQuery's types), on a hand-made export that takes
every branch of the traffic-source rule, and compiles to BigQuery SQL; its channel rule equals
default_channel_group on every combination of the rule's sources, mediums and campaigns."""

from __future__ import annotations

import itertools
import json
import warnings

import pandas as pd
import pytest

from kpikit import web
from kpikit.engine import attrs
from kpikit.engine.ga4 import channel_group, ga4_events, open_ga4_export
from kpikit.errors import KpiDataError
from kpikit.io import default_channel_group, read_ga4_bigquery
from kpikit.io.lazy import collect, connect
from tests.engine.compare import assert_same
from tests.paths import SAMPLE

EXPORT = SAMPLE / "ga4_bigquery_events.jsonl"
INTS = ("session_id", "entrances", "ga_session_number")
KEY = ["user_id", "timestamp", "event", "page_location", "source"]


def pandas_reader(path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = read_ga4_bigquery(path)
    return events.sort_values(KEY, kind="stable", na_position="last").reset_index(drop=True)


def flattened(export) -> pd.DataFrame:
    # nullable integers come back from the backend as floats: compare them as integers
    return collect(ga4_events(export)).astype(dict.fromkeys(INTS, "Int64"))


def test_the_sample_export_flattens_as_the_pandas_reader():
    expected = pandas_reader(EXPORT)
    got = flattened(EXPORT)
    assert_same(expected, got, key=KEY)
    # the export repeats line 28: dropped here as in the reader
    assert len(got) == 1542 and attrs(ga4_events(EXPORT))["duplicates_dropped"] == 1
    assert len(collect(ga4_events(EXPORT, duplicates="keep"))) == 1543


def test_parquet_copy_with_bigquerys_types(tmp_path):
    # BigQuery writes event_timestamp and int_value as INT64 and has float_value: a Parquet copy keeps them
    out = tmp_path / "events_20240101.parquet"
    connect().raw_sql(
        f"""COPY (SELECT * REPLACE (
            CAST(event_timestamp AS BIGINT) AS event_timestamp,
            list_transform(event_params, lambda p: {{'key': p.key, 'value': {{'string_value': p.value.string_value,
                'int_value': CAST(p.value.int_value AS BIGINT), 'float_value': NULL::DOUBLE,
                'double_value': p.value.double_value}}}}) AS event_params)
        FROM read_json('{EXPORT}', format = 'newline_delimited')) TO '{out}' (FORMAT parquet)"""
    )
    assert open_ga4_export(out).event_timestamp.type().is_integer()
    assert_same(pandas_reader(EXPORT), flattened(tmp_path), key=KEY)


def _param(key, **value):
    return {"key": key, "value": value}


def _event(user, sid, sec, name, params=(), **fields):
    row = {
        "event_date": "20250301",
        "event_timestamp": str(1740787200_000000 + sec * 1_000_000),
        "event_name": name,
        "event_params": ([_param("ga_session_id", int_value=str(sid))] if sid is not None else []) + list(params),
        "device": {"category": "desktop"},
        "geo": {"country": "Viet Nam"},
    }
    if user is not None:
        row["user_pseudo_id"] = user
    row.update(fields)
    return row


def _page(url):
    return _param("page_location", string_value=url)


#: Sessions taking every branch of GA4's traffic rule (see kpikit.io.ga4)
HAND_MADE = [
    # A/1: the last-click record of the second event (cross_channel_campaign) wins for every event
    _event(
        "A", 1, 0, "page_view", [_page("https://shop.example/?utm_source=x"), _param("source", string_value="bing")]
    ),
    _event(
        "A",
        1,
        5,
        "scroll",
        [_param("engagement_time_msec", int_value="5300")],
        session_traffic_source_last_click={
            "cross_channel_campaign": {
                "source": "facebook",
                "medium": "paid_social",
                "default_channel_group": "Paid Social",
            }
        },
    ),
    # A/2: an empty cross_channel_campaign: the manual_campaign record is used, its channel derived
    _event(
        "A",
        2,
        100,
        "page_view",
        [_page("https://shop.example/sale#top")],
        session_traffic_source_last_click={
            "cross_channel_campaign": {"source": ""},
            "manual_campaign": {"source": "newsletter", "medium": "email", "campaign_name": "spring"},
        },
    ),
    # B/1: no record: the first event carrying a source, by time (the later event comes first in the file)
    _event(
        "B",
        1,
        20,
        "purchase",
        [
            _param("source", string_value="tiktok.com"),
            _param("medium", string_value="referral"),
            _param("value", double_value=25.5),
        ],
    ),
    _event(
        "B",
        1,
        10,
        "page_view",
        [_page("https://shop.example/p/1?x=1"), _param("source", string_value=""), _param("medium", string_value="")],
        collected_traffic_source={"manual_source": "google", "manual_medium": "organic"},
    ),
    # B/2: a gclid alone is google / cpc; revenue from the ecommerce record
    _event(
        "B",
        2,
        300,
        "purchase",
        [_param("gclid", string_value="abc"), _param("session_engaged", int_value="1")],
        ecommerce={"purchase_revenue": 12.0},
    ),
    # C/1: nothing at all: direct
    _event(
        "C",
        1,
        0,
        "page_view",
        [
            _page("https://shop.example"),
            _param("session_engaged", string_value="0"),
            _param("entrances", int_value="1"),
            _param("ga_session_number", int_value="3"),
        ],
    ),
    # events without a session key keep their own source (or none)
    _event(
        None,
        5,
        0,
        "page_view",
        [_page("/only/a/path"), _param("campaign", string_value="x-shop")],
        collected_traffic_source={"manual_source": "instagram", "manual_medium": "cpc"},
    ),
    _event("D", None, 0, "page_view", [_page("https://shop.example/no-session")], user_id="crm-42"),
    _event("D", None, 1, "scroll", [_param("engagement_time_msec", float_value=1.5)]),
]


def test_a_hand_made_export_takes_every_branch_as_the_pandas_reader(tmp_path):
    path = tmp_path / "events_20250301.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in HAND_MADE) + "\n")
    expected = pandas_reader(path)
    got = flattened(path)
    assert_same(expected, got, key=KEY)
    by_user = got.sort_values(KEY, na_position="last").groupby(["user_id", "session_id"], dropna=False)
    channels = by_user["channel"].first().to_dict()
    # worked out from the rule: A/1 the record's Paid Social, A/2 the manual record's newsletter/email (Email),
    # B/1 the earliest event with a source (google / organic), B/2 the gclid, C/1 direct
    assert channels[("A", 1)] == "Paid Social" and channels[("A", 2)] == "Email"
    assert channels[("B", 1)] == "Organic Search" and channels[("B", 2)] == "Paid Search"
    assert channels[("C", 1)] == "Direct"
    assert got.loc[got["user_id"].isna(), "channel"].tolist() == ["Paid Shopping"]  # instagram, cpc, a shop campaign
    assert got.loc[got["user_id"] == "D", "channel"].isna().all()
    assert sorted(got["page"].dropna().unique()) == ["/", "/no-session", "/only/a/path", "/p/1", "/sale"]


def test_sessions_and_bounce_rate_from_the_export_equal_the_pandas_path():
    expected = web.sessions_from_events(pandas_reader(EXPORT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the one event without ga_session_id is set aside on both paths
        lazy = web.sessions_from_events(ga4_events(EXPORT))
    assert_same(expected, lazy, key="session_id")
    assert_same(web.bounce_rate(expected, by="channel"), web.bounce_rate(lazy, by="channel"))


BIGQUERY_SCHEMA = {
    "event_date": "string",
    "event_timestamp": "int64",
    "event_name": "string",
    "event_params": "array<struct<key: string, value: struct<string_value: string, int_value: int64, "
    "float_value: float64, double_value: float64>>>",
    "user_id": "string",
    "user_pseudo_id": "string",
    "device": "struct<category: string, operating_system: string>",
    "geo": "struct<country: string, city: string>",
    "traffic_source": "struct<name: string, medium: string, source: string>",
    "collected_traffic_source": "struct<manual_campaign_id: string, manual_campaign_name: string, "
    "manual_source: string, manual_medium: string, gclid: string, dclid: string>",
    "session_traffic_source_last_click": "struct<manual_campaign: struct<campaign_id: string, campaign_name: string, "
    "source: string, medium: string>, cross_channel_campaign: struct<campaign_id: string, campaign_name: string, "
    "source: string, medium: string, default_channel_group: string>>",
    "ecommerce": "struct<purchase_revenue: float64, transaction_id: string>",
}


def test_the_same_expression_compiles_to_bigquery_sql():
    import ibis
    import sqlglot

    export = ibis.table(BIGQUERY_SCHEMA, name="analytics_123456.events_*")
    sql = ibis.to_sql(ga4_events(export, backend="bigquery"), dialect="bigquery")
    sqlglot.parse_one(sql, read="bigquery")  # valid BigQuery SQL
    assert "UNNEST(`t0`.`event_params`)" in sql and "TIMESTAMP_MICROS" in sql
    assert "ARRAY_AGG(" in sql and "REGEXP_CONTAINS" in sql and "SELECT DISTINCT" in sql
    assert "arg_min" not in sql.lower()  # DuckDB's aggregate is not used on BigQuery


SOURCES = [
    "google",
    "l.facebook.com",
    "youtube",
    "amazon",
    "newsletter",
    "sms",
    "firebase",
    "(direct)",
    "blog.example",
    None,
    "",
]
MEDIUMS = ["cpc", "organic", "paid_social", "display", "email", "referral", "video", "affiliate", "audio", "web-push",
           "sms", "social media", "(none)", "retargeting", "mobile", None]  # fmt: skip
CAMPAIGNS = [None, "spring-shop", "cross-network brand", "winter"]


def test_channel_rule_equals_the_pandas_rule_on_every_combination():
    rows = pd.DataFrame(list(itertools.product(SOURCES, MEDIUMS, CAMPAIGNS)), columns=["s", "m", "c"])
    expected = default_channel_group(rows["s"], rows["m"], rows["c"]).tolist()
    import ibis

    t = ibis.memtable(rows.assign(i=range(len(rows))))
    got = collect(t.select(t.i, ch=channel_group(t.s, t.m, t.c)).order_by("i"))["ch"].tolist()
    assert got == expected
    assert len(set(expected)) >= 15  # the combinations reach most of the rule's channels


def test_not_an_export_is_refused():
    import ibis

    with pytest.raises(KpiDataError, match="does not look like a GA4 BigQuery export"):
        ga4_events(ibis.memtable(pd.DataFrame({"a": [1]})))
    with pytest.raises(KpiDataError, match="read a DataFrame with kk.io.read_ga4_bigquery"):
        ga4_events(pd.DataFrame({"a": [1]}))
