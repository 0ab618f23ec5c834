"""Tests of kpikit.io.ua: the Universal Analytics BigQuery export (ga_sessions_YYYYMMDD) read into canonical
events, and UA's bounce counted from the hits as Google counted it.

The fixture ``tests/data/ua/ga_sessions_2017080{1,2}.json`` holds ten session rows written by hand in
the shape of a BigQuery newline-delimited JSON extract (64-bit integers as strings, booleans as JSON
booleans, null fields left out), with the field names of Google's "BigQuery Export schema" for
Universal Analytics (visitId, visitStartTime, fullVisitorId, totals.*, trafficSource.*,
device.deviceCategory, geoNetwork.country, hits[].hitNumber/time/type/isInteraction/isEntrance/
page.pagePath/eventInfo/transaction/eCommerceAction, channelGrouping). Its totals are UA's own:
a bounce is a session with exactly one interaction hit, and a session without an interaction hit has
no totals.visits. See tests/data/ua/README.md for the sessions.
"""

from __future__ import annotations

import copy
import json
import warnings

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io.ua import read_ua_bigquery
from tests.paths import TEST_DATA

UA = TEST_DATA / "ua"
DAY1 = UA / "ga_sessions_20170801.json"


def raw_rows(*files):
    return [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def sessions(events):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        return kk.web.sessions_from_events(events)


def test_hits_become_events():
    e = read_ua_bigquery(UA)
    # 17 hits in 10 rows, plus one purchase event for the enhanced-ecommerce purchase on a page hit
    assert len(e) == 18 and e.attrs["sessions_read"] == 10 and e.attrs["sessions_without_hits"] == 0
    assert e.attrs["totals"] == {
        "visits": 9,
        "bounces": 5,
        "newVisits": 6,
        "pageviews": 12,
        "hits": 17,
        "transactions": 1,
    }
    first = e.iloc[0]
    assert first["user_id"] == "7194065619159478122"  # fullVisitorId stays text, every digit
    assert first["session_id"] == "1501583974-20170801"
    assert first["timestamp"] == pd.Timestamp("2017-08-01 10:39:34")  # visitStartTime 1501583974 UTC
    assert (first["event"], first["page"], first["channel"], first["device"]) == (
        "page_view",
        "/home",
        "Organic Search",
        "desktop",
    )
    # hits.time is milliseconds after visitStartTime; a query string stays in page_path only
    second = e.iloc[2]
    assert second["timestamp"] == pd.Timestamp("2017-08-01 12:20:41.250") and second["page"] == "/shop/boxes"
    assert second["page_path"] == "/shop/boxes?sort=price"
    # an EVENT hit is named by its eventAction; a TIMING hit by its type; isInteraction kept as is
    assert e.loc[4, ["event", "interaction", "event_category"]].tolist() == ["75%", False, "Scroll Depth"]
    assert e.loc[6, ["event", "interaction"]].tolist() == ["Play", True]
    assert e.loc[13, ["event", "interaction"]].tolist() == ["timing", False]
    # the purchase: on the thank-you page hit (action_type 6), revenue in micros / 10^6
    buy = e[e["event"] == "purchase"]
    assert buy[["page", "value", "interaction", "transaction_id"]].values.tolist() == [
        ["/checkout/thank-you", 49.99, False, "T-1001"]
    ]


def test_bounces_and_sessions_match_the_export_totals():
    rows = raw_rows(DAY1, UA / "ga_sessions_20170802.json")
    s = sessions(read_ua_bigquery(UA)).set_index("session_id")
    key = [f"{r['visitId']}-{r['date']}" for r in rows]
    visits = [r["totals"].get("visits") == "1" for r in rows]
    bounces = [r["totals"].get("bounces") == "1" for r in rows]
    # per row: a UA session (totals.visits) exactly when there is an interaction hit; a bounce
    # (totals.bounces) exactly when there is one
    assert (s.loc[key, "interactions"] > 0).tolist() == visits
    assert s.loc[key, "single_interaction"].tolist() == bounces
    r = kk.web.bounce_rate(s.reset_index(), definition="ua")
    assert (int(r["sessions"].iloc[0]), int(r["bounces"].iloc[0])) == (9, 5) and r["bounce_rate"].iloc[0] == 5 / 9
    assert r.attrs["no_interaction_sessions"] == 1  # the row with only a heartbeat event
    # the scroll event sent as non-interaction does not save row 3 from being a bounce
    assert bool(s.loc["1501592400-20170801", "single_interaction"])
    # new users: totals.newVisits, not "first seen here" (the midnight continuation is no new user)
    assert int(s["is_new_user"].sum()) == 6 and s.attrs["new_user_rule"].startswith("new_user flag")


def test_a_session_split_at_midnight_stays_two_sessions():
    s = sessions(read_ua_bigquery(UA)).set_index("session_id")
    parts = s.loc[["1501631940-20170801", "1501631940-20170802"]]
    assert parts["user_id"].nunique() == 1
    assert parts["pageviews"].tolist() == [1, 2] and parts["single_interaction"].tolist() == [True, False]
    assert parts["landing_page"].astype(str).tolist() == ["/landing/spring-sale", "/shop/boxes"]


def test_conversions_and_value():
    s = sessions(read_ua_bigquery(UA)).set_index("session_id")
    row = s.loc["1501599600-20170801"]
    # page view, add to cart, thank-you page: three interactions; the purchase event is not a fourth
    assert (row["interactions"], row["conversions"], row["value"], row["source"]) == (3, 1, 49.99, "google")


def test_console_json_and_parquet_copies_read_the_same(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = raw_rows(DAY1)
    ref = read_ua_bigquery(DAY1)

    def strings(x):
        if isinstance(x, dict):
            return {k: strings(v) for k, v in x.items()}
        if isinstance(x, list):
            return [strings(v) for v in x]
        return str(x).lower() if isinstance(x, bool) else str(x)

    f = tmp_path / "results.json"
    f.write_text(json.dumps([strings(r) for r in rows]), encoding="utf-8")
    got = read_ua_bigquery(f)
    pd.testing.assert_frame_equal(got, ref)

    ints = {"visitNumber", "visitId", "visitStartTime", "hitNumber", "time", "hour", "minute", "transactionRevenue"}

    def typed(x, key=None):
        if isinstance(x, dict):
            return {k: typed(v, k) for k, v in x.items()}
        if isinstance(x, list):
            return [typed(v) for v in x]
        return int(x) if key in ints or (key and isinstance(x, str) and x.isdigit() and key != "action_type") else x

    typed_rows = []
    for r in rows:
        t = typed(r)
        t["fullVisitorId"], t["date"] = r["fullVisitorId"], r["date"]  # STRING in the schema
        typed_rows.append(t)
    pq.write_table(pa.Table.from_pylist(typed_rows), tmp_path / "ga_sessions_20170801.parquet")
    got = read_ua_bigquery(tmp_path / "ga_sessions_20170801.parquet")
    pd.testing.assert_frame_equal(got, ref)


def test_different_rows_for_one_visit_are_refused(tmp_path):
    rows = raw_rows(DAY1)
    changed = copy.deepcopy(rows[0])
    changed["totals"]["timeOnSite"] = "5"
    f = tmp_path / "ga_sessions_20170801.json"
    f.write_text("\n".join(json.dumps(r) for r in [*rows, changed]), encoding="utf-8")
    with pytest.raises(
        KpiDataError,
        match=r"1 sessions appear twice with the same fullVisitorId, visitId and date but different fields "
        r"\(first: ga_sessions_20170801.json line 1 and ga_sessions_20170801.json line 9\)",
    ):
        read_ua_bigquery(f)
    assert len(read_ua_bigquery(f, duplicates="keep")) == 16  # 14 hits + 1 purchase + the copy's hit


def test_bad_rows(tmp_path):
    rows = raw_rows(DAY1)
    f = tmp_path / "bad.json"

    def write(rs):
        f.write_text("\n".join(json.dumps(r) for r in rs), encoding="utf-8")
        return f

    no_id = copy.deepcopy(rows)
    del no_id[3]["visitId"]
    with pytest.raises(
        KpiDataError, match=r"bad.json, field 'visitId': 1 sessions have no value \(lines 4; first: None\)"
    ):
        read_ua_bigquery(write(no_id))
    no_time = copy.deepcopy(rows)
    del no_time[1]["hits"][1]["time"]
    with pytest.raises(KpiDataError, match=r"bad.json, field 'time': 1 hits have no time \(lines 2; first: None\)"):
        read_ua_bigquery(write(no_time))
    no_hits = copy.deepcopy(rows)
    del no_hits[0]["hits"]
    with pytest.warns(KpiWarning, match=r"1 of 8 sessions have no hits and give no events"):
        e = read_ua_bigquery(write(no_hits))
    assert e.attrs["sessions_without_hits"] == 1 and len(e) == 14  # 13 hits + 1 purchase
    with pytest.raises(KpiDataError, match="does not look like a Universal Analytics ga_sessions export"):
        read_ua_bigquery(write([{"event_name": "page_view", "event_timestamp": "1"}]))


def test_web_reexports_the_reader():
    assert kk.web.read_ua_bigquery is read_ua_bigquery
