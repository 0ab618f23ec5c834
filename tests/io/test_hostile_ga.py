"""Catalogue of hostile Google Analytics exports (issue 13 item 1, issue 14 item 4).

Each case builds an export the way GA4's BigQuery export (or a person handling it) really writes it,
reads it with ``kk.io.read_ga4_bigquery`` (or the UA reader) and asserts the exact values read or the
exact error text: a repair is reported with its count, a guess is refused, nothing is silently wrong.

The base export: four sessions of three users, GA4 web events (values worked out by hand):

- S1 user 1001, ga_session_id 1700000000, session 1: session_start, page_view /landing/sale (the
  source google / cpc rides on the page_view's event_params only, as in pre-2023 exports),
  user_engagement 4 s: one page view, 4 s, no key event -> not engaged (a GA4 bounce).
- S2 user 1002, 1700000100, session 1: page_view /, page_view /shop 20 s later -> engaged.
- S3 user 1003, 1700000200, session 1: first_visit, session_start, page_view /blog/a, scroll 30 s
  -> engaged.
- S4 user 1001 again, 1700086400 (the next day), session 2: session_start, page_view / -> bounce.

GA4 bounce rate 2 / 4 = 50%; new users (first_visit or ga_session_number 1): S1, S2, S3 = 3.
"""

from __future__ import annotations

import copy
import gzip
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import read_ga4_bigquery
from kpikit.io.ua import read_ua_bigquery
from tests.paths import TEST_DATA

T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC
SITE = "https://shop.example"


def _param(key, value):
    kind = "string_value" if isinstance(value, str) and not value.lstrip("-").isdigit() else "int_value"
    if key in ("session_engaged", "page_location", "source", "medium", "campaign"):
        kind = "string_value"
    return {"key": key, "value": {kind: str(value)}}


def _event(user, sid, number, t_us, name, page=None, date="20231114", **params):
    ps = [_param("ga_session_id", sid), _param("ga_session_number", number)]
    if page is not None:
        ps.append(_param("page_location", SITE + page))
    ps += [_param(k, v) for k, v in params.items()]
    return {
        "event_date": date,
        "event_timestamp": str(t_us),
        "event_name": name,
        "event_params": ps,
        "user_pseudo_id": user,
        "device": {"category": "desktop"},
        "geo": {"country": "Germany"},
    }


def base_events() -> list[dict]:
    s1, s2, s3, s4 = T0, T0 + 100, T0 + 200, T0 + 86_400
    u1, u2, u3 = "1001.1699990000", "1002.1700000100", "1003.1700000200"
    us = 1_000_000
    return [
        _event(u1, s1, 1, s1 * us, "session_start", "/landing/sale", session_engaged="0"),
        _event(
            u1,
            s1,
            1,
            s1 * us,
            "page_view",
            "/landing/sale",
            entrances=1,
            session_engaged="0",
            source="google",
            medium="cpc",
            campaign="sale",
        ),  # fmt: skip
        _event(
            u1,
            s1,
            1,
            s1 * us + 4 * us,
            "user_engagement",
            "/landing/sale",
            engagement_time_msec=4000,
            session_engaged="0",
        ),  # fmt: skip
        _event(u2, s2, 1, s2 * us, "page_view", "/", entrances=1, session_engaged="0"),
        _event(u2, s2, 1, s2 * us + 20 * us, "page_view", "/shop", engagement_time_msec=20000, session_engaged="1"),
        _event(u3, s3, 1, s3 * us, "first_visit", "/blog/a", session_engaged="0"),
        _event(u3, s3, 1, s3 * us, "session_start", "/blog/a", session_engaged="0"),
        _event(u3, s3, 1, s3 * us, "page_view", "/blog/a", entrances=1, session_engaged="0"),
        _event(u3, s3, 1, s3 * us + 30 * us, "scroll", "/blog/a", engagement_time_msec=30000, session_engaged="1"),
        _event(u1, s4, 2, s4 * us, "session_start", "/", date="20231115", session_engaged="0"),
        _event(u1, s4, 2, s4 * us, "page_view", "/", date="20231115", entrances=1, session_engaged="0"),
    ]


def ndjson(path: Path, records, bom: bool = False) -> Path:
    text = "\n".join(json.dumps(r) for r in records) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def console_json(path: Path, records) -> Path:
    """A console "save as JSON": one array, every scalar a string, every value record with explicit nulls."""

    def as_strings(x):
        if isinstance(x, dict):
            return {k: as_strings(v) for k, v in x.items()}
        if isinstance(x, list):
            return [as_strings(v) for v in x]
        return None if x is None else str(x)

    out = []
    for r in copy.deepcopy(records):
        for p in r["event_params"]:
            full = {"string_value": None, "int_value": None, "float_value": None, "double_value": None}
            full.update(p["value"])
            p["value"] = full
        r.update(user_id=None, ecommerce=None)
        out.append(as_strings(r))
    path.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return path


def parquet(path: Path, records) -> Path:
    """A Parquet copy with typed integers and the full value record."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = copy.deepcopy(records)
    for r in rows:
        r["event_timestamp"] = int(r["event_timestamp"])
        for p in r["event_params"]:
            v = p["value"]
            p["value"] = {
                "string_value": v.get("string_value"),
                "int_value": int(v["int_value"]) if "int_value" in v else None,
                "double_value": None,
            }
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def sessions_of(events, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        return kk.web.sessions_from_events(events, **kw)


def read_quiet(path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        return read_ga4_bigquery(path, **kw)


def bounce(events, **kw) -> float:
    return float(kk.web.headline(sessions_of(events, **kw))["bounce_rate"])


@pytest.fixture
def base(tmp_path) -> pd.DataFrame:
    return read_ga4_bigquery(ndjson(tmp_path / "events_20231114.jsonl", base_events()))


def test_base_export_values(base):
    s = sessions_of(base).set_index("session_id")
    assert bounce(base) == 0.5 and len(s) == 4
    assert s["engaged"].tolist() == [False, True, True, False]
    assert int(s["is_new_user"].sum()) == 3


# --- 1. the same rows exported twice -------------------------------------------------------------


def test_every_event_written_twice_in_one_file(tmp_path, base):
    doubled = [r for r in base_events() for _ in (0, 1)]
    f = ndjson(tmp_path / "doubled.jsonl", doubled)
    with pytest.warns(KpiWarning, match=r"dropped 11 exact duplicate events.*doubled.jsonl repeats 11 of its own events "
                      r"\(lines 2, 4, 6, 8, 10 \(and 6 more\)\)"):  # fmt: skip
        e = read_ga4_bigquery(f)
    assert e.attrs["duplicates_dropped"] == 11
    pd.testing.assert_frame_equal(e, base)
    assert bounce(e) == 0.5
    # kept as read, GA4's rule alone would see two page views in every session: 0% bounce
    kept = read_ga4_bigquery(f, duplicates="keep")
    assert len(kept) == 22 and bounce(kept, engaged_flag="rule", duplicates="keep") == 0.0


def test_the_same_day_downloaded_twice_into_one_folder(tmp_path, base):
    ndjson(tmp_path / "events_20231114.jsonl", base_events())
    ndjson(tmp_path / "events_20231114 (1).jsonl", base_events())
    with pytest.warns(KpiWarning, match=r"dropped 11 exact duplicate events, keeping the first copy of each: "
                      r"events_20231114.jsonl repeats 11 events of events_20231114 \(1\).jsonl \(overlapping exports"):  # fmt: skip
        e = read_ga4_bigquery(tmp_path)
    pd.testing.assert_frame_equal(e, base, check_exact=True)
    assert e.attrs["source"].endswith("(2 files)")


def test_ndjson_and_parquet_copies_of_one_day(tmp_path, base):
    folder = tmp_path / "export"
    folder.mkdir()
    ndjson(folder / "a.jsonl", base_events())
    parquet(folder / "b.parquet", base_events())
    with pytest.warns(
        KpiWarning, match=r"\(2 files\): dropped 11 exact duplicate events.*b.parquet repeats 11 events of a.jsonl"
    ):
        e = read_ga4_bigquery(folder)
    pd.testing.assert_frame_equal(e, base)


def test_overlapping_months_keep_each_event_once(tmp_path, base):
    events = base_events()
    folder = tmp_path / "export"
    folder.mkdir()
    ndjson(folder / "part1.jsonl", events[:7])
    ndjson(folder / "part2.jsonl", events[4:])  # events 5-7 in both
    with pytest.warns(
        KpiWarning, match="dropped 3 exact duplicate events.*part2.jsonl repeats 3 events of part1.jsonl"
    ):
        e = read_ga4_bigquery(folder)
    pd.testing.assert_frame_equal(e, base)


def test_duplicates_raise_names_the_lines(tmp_path):
    events = base_events()
    f = ndjson(tmp_path / "d.jsonl", [*events, events[3]])
    with pytest.raises(KpiDataError, match=r"d.jsonl: 1 exact duplicate events: d.jsonl repeats 1 of its own events "
                       r"\(line 12\)\. Pass duplicates='drop'"):  # fmt: skip
        read_ga4_bigquery(f, duplicates="raise")


def test_intraday_and_daily_copies_that_differ_are_refused(tmp_path):
    daily = base_events()
    intraday = copy.deepcopy(daily)
    for r in daily:
        r["traffic_source"] = {"source": "google", "medium": "organic", "name": "(organic)"}  # absent in intraday
    ndjson(tmp_path / "events_20231114.jsonl", daily)
    ndjson(tmp_path / "events_intraday_20231114.jsonl", intraday)
    with pytest.raises(
        KpiDataError,
        match=r"\(2 files\): 11 events appear twice with the same user_pseudo_id, event_timestamp and event_name "
        r"but different fields \(first: events_20231114.jsonl line 1 and events_intraday_20231114.jsonl line 1\)\. "
        r"Two copies of the same data taken differently \(an intraday table beside its daily table",
    ):
        read_ga4_bigquery(tmp_path)


def test_a_doubled_events_table_passed_straight_to_sessions(base):
    doubled = pd.concat([base, base], ignore_index=True)
    with pytest.warns(KpiWarning, match=r"dropped 11 exact duplicate events, identical in every column \(rows 12, 13, "
                      r"14, 15, 16 \(and 6 more\)\)"):  # fmt: skip
        s = kk.web.sessions_from_events(doubled)
    assert s.attrs["duplicates_dropped"] == 11 and float(kk.web.headline(s)["bounce_rate"]) == 0.5
    with pytest.raises(KpiDataError, match="11 exact duplicate events, identical in every column"):
        kk.web.sessions_from_events(doubled, duplicates="raise")


# --- shapes of the same export -------------------------------------------------------------------


def test_console_json_every_scalar_a_string_with_explicit_nulls(tmp_path, base):
    e = read_ga4_bigquery(console_json(tmp_path / "results.json", base_events()))
    pd.testing.assert_frame_equal(e, base)


def test_64_bit_integers_as_strings_or_numbers_keep_every_digit(tmp_path):
    events = base_events()[:2]
    big = 9_007_199_254_740_993  # 2^53 + 1 microseconds: a float would round it to ...992
    as_numbers = copy.deepcopy(events)
    for r in as_numbers:
        r["event_timestamp"] = big
        for p in r["event_params"]:
            if "int_value" in p["value"]:
                p["value"]["int_value"] = int(p["value"]["int_value"])
    as_strings = copy.deepcopy(as_numbers)
    for r in as_strings:
        r["event_timestamp"] = str(big)
    a = read_ga4_bigquery(ndjson(tmp_path / "a.jsonl", as_numbers))
    b = read_ga4_bigquery(ndjson(tmp_path / "b.jsonl", as_strings))
    pd.testing.assert_frame_equal(a, b)
    assert a["timestamp"].iloc[0].value == big * 1000
    assert a["session_id"].tolist() == [1_700_000_000, 1_700_000_000]


def test_utf8_bom_and_gzip(tmp_path, base):
    a = read_ga4_bigquery(ndjson(tmp_path / "bom.jsonl", base_events(), bom=True))
    f = tmp_path / "000000000000.json.gz"
    f.write_bytes(gzip.compress(("\n".join(json.dumps(r) for r in base_events())).encode()))
    pd.testing.assert_frame_equal(a, base)
    pd.testing.assert_frame_equal(read_ga4_bigquery(f), base)


# --- ids ------------------------------------------------------------------------------------------


def test_ga_session_id_as_a_string_value(tmp_path, base):
    events = base_events()
    for r in events:
        r["event_params"][0]["value"] = {"string_value": r["event_params"][0]["value"]["int_value"]}
    e = read_ga4_bigquery(ndjson(tmp_path / "s.jsonl", events))
    pd.testing.assert_frame_equal(e, base)


def test_ga_session_id_that_is_not_a_number(tmp_path):
    events = base_events()
    events[4]["event_params"][0]["value"] = {"string_value": "abc"}
    with pytest.raises(KpiDataError, match=r"s.jsonl, field 'ga_session_id': 1 events are not whole numbers "
                       r"\(lines 5; first: 'abc'\)"):  # fmt: skip
        read_ga4_bigquery(ndjson(tmp_path / "s.jsonl", events))


def test_missing_ga_session_id_and_user_pseudo_id_are_counted_and_set_aside(tmp_path):
    events = base_events()
    events[2]["event_params"] = events[2]["event_params"][1:]  # S1's user_engagement: no ga_session_id
    del events[8]["user_pseudo_id"]  # S3's scroll: consent denied
    e = read_ga4_bigquery(ndjson(tmp_path / "m.jsonl", events))
    assert e.attrs["no_session_key"] == 2 and len(e) == 11
    with pytest.warns(KpiWarning, match=r"2 of 11 events have no user_id or session_id and cannot be sessionised"):
        s = kk.web.sessions_from_events(e)
    assert s.attrs["set_aside"] == 2 and int(s["events"].sum()) == 9
    # S3's "1" rode on the scroll set aside; what is left carries "0": not engaged. S1 and S2 are unchanged.
    assert s.set_index("user_id")["engaged"].groupby(level=0).sum().to_dict() == {
        "1001.1699990000": 0,
        "1002.1700000100": 1,
        "1003.1700000200": 0,
    }


def test_event_timestamp_beyond_64_bits(tmp_path):
    events = base_events()[:2]
    events[1]["event_timestamp"] = "99999999999999999999"
    with pytest.raises(KpiDataError, match=r"field 'event_timestamp': 1 events are beyond the 64-bit integer range "
                       r"\(lines 2; first: '99999999999999999999'\)"):  # fmt: skip
        read_ga4_bigquery(ndjson(tmp_path / "t.jsonl", events))


# --- session_engaged -----------------------------------------------------------------------------


def test_session_engaged_as_integers_reads_as_strings_do(tmp_path, base):
    events = base_events()
    for r in events:
        for p in r["event_params"]:
            if p["key"] == "session_engaged":
                p["value"] = {"int_value": int(p["value"]["string_value"])}
    e = read_ga4_bigquery(ndjson(tmp_path / "i.jsonl", events))
    pd.testing.assert_frame_equal(e, base)


def test_session_engaged_other_than_one_or_zero(tmp_path):
    events = base_events()
    events[1]["event_params"][-4]["value"] = {"string_value": "2"}  # the page_view's session_engaged
    assert events[1]["event_params"][-4]["key"] == "session_engaged"
    with pytest.raises(KpiDataError, match=r"field 'session_engaged': 1 events are not 1/0 \(lines 2; first: '2'\)"):
        read_ga4_bigquery(ndjson(tmp_path / "e.jsonl", events))


def test_export_flag_wins_over_the_rule_and_the_difference_is_counted(tmp_path):
    events = base_events()
    # a property with a 60 s threshold: S3's 30 s scroll did not engage it, and GA4 wrote "0"
    events[8]["event_params"][-1]["value"] = {"string_value": "0"}
    e = read_ga4_bigquery(ndjson(tmp_path / "p.jsonl", events))
    s = sessions_of(e)
    assert s["engaged"].tolist() == [False, True, False, False]
    assert s.attrs["engaged_from_export"] == 4 and s.attrs["engaged_disagree"] == 1
    assert sessions_of(e, engaged_flag="rule")["engaged"].tolist() == [False, True, True, False]


# --- sessions across files, values ---------------------------------------------------------------


def test_a_session_crossing_midnight_spans_two_daily_shards(tmp_path):
    us = 1_000_000
    late = T0 + 6_400  # 2023-11-15 00:00:00 UTC is T0 + 6,400 s
    u = "2001.1700006300"
    day1 = [
        _event(u, late - 100, 1, (late - 100) * us, "session_start", "/", session_engaged="0"),
        _event(u, late - 100, 1, (late - 100) * us, "page_view", "/", entrances=1, session_engaged="0"),
    ]
    day2 = [
        _event(
            u,
            late - 100,
            1,
            (late + 20) * us,
            "page_view",
            "/shop",
            date="20231115",
            engagement_time_msec=5000,
            session_engaged="1",
        ),  # fmt: skip
    ]
    ndjson(tmp_path / "events_20231114.jsonl", day1)
    ndjson(tmp_path / "events_20231115.jsonl", day2)
    s = sessions_of(read_ga4_bigquery(tmp_path))
    assert len(s) == 1
    row = s.iloc[0]
    assert (row["start"], row["end"]) == (pd.Timestamp("2023-11-14 23:58:20"), pd.Timestamp("2023-11-15 00:00:20"))
    assert (row["pageviews"], row["landing_page"], bool(row["engaged"])) == (2, "/", True)


def test_not_set_values_are_kept_as_values(tmp_path):
    events = base_events()[:3]
    for r in events:
        for p in r["event_params"]:
            if p["key"] == "page_location":
                p["value"] = {"string_value": "(not set)"}
            if p["key"] in ("source", "medium"):
                p["value"] = {"string_value": "(not set)"}
    e = read_ga4_bigquery(ndjson(tmp_path / "n.jsonl", events))
    s = sessions_of(e)
    assert s[["landing_page", "source", "medium", "channel"]].astype(str).values.tolist() == [
        ["(not set)", "(not set)", "(not set)", "Unassigned"]
    ]


def test_purchase_value_as_double_or_string(tmp_path):
    events = base_events()[:3]
    buy = _event("1001.1699990000", T0, 1, T0 * 1_000_000 + 9_000_000, "purchase", "/checkout", session_engaged="1")
    buy["event_params"].append({"key": "value", "value": {"double_value": "49.90"}})
    buy2 = copy.deepcopy(buy)
    buy2["event_timestamp"] = str(T0 * 1_000_000 + 9_500_000)
    buy2["event_params"][-1] = {"key": "value", "value": {"double_value": 10.5}}
    e = read_ga4_bigquery(ndjson(tmp_path / "v.jsonl", [*events, buy, buy2]))
    s = sessions_of(e)
    assert s["value"].tolist() == [60.4] and s["conversions"].tolist() == [2] and bool(s["engaged"].iloc[0])


# --- traffic source by GA4's rule ----------------------------------------------------------------


def test_pre_2023_export_source_from_the_first_event_that_carries_one(base):
    s = sessions_of(base).set_index("session_id")
    # S1: session_start (no source) precedes the page_view carrying google / cpc: the session is google / cpc
    assert s.loc[T0, ["source", "medium", "campaign", "channel"]].tolist() == ["google", "cpc", "sale", "Paid Search"]
    # the others carry no source at all: direct
    assert s["channel"].tolist() == ["Paid Search", "Direct", "Direct", "Direct"]
    assert s["source"].tolist()[1:] == ["(direct)"] * 3
    assert base.attrs["session_traffic"] == {"last_click_record": 0, "first_event": 1, "direct": 3}
    # every event of S1 carries the session's source, so a funnel by source sees it too
    assert base.loc[base["session_id"] == T0, "source"].tolist() == ["google"] * 3


def test_collected_traffic_source_and_gclid(tmp_path):
    events = base_events()[3:5]  # S2
    events[1]["collected_traffic_source"] = {"gclid": "Cj0KCQiA"}  # auto-tagged click, no utm
    e = read_ga4_bigquery(ndjson(tmp_path / "c.jsonl", events))
    assert sessions_of(e)[["source", "medium", "channel"]].values.tolist() == [["google", "cpc", "Paid Search"]]
    events[1]["collected_traffic_source"] = {"manual_source": "newsletter", "manual_medium": "email",
                                             "manual_campaign_name": "november"}  # fmt: skip
    e = read_ga4_bigquery(ndjson(tmp_path / "c.jsonl", events))
    got = sessions_of(e)[["source", "medium", "campaign", "channel"]].values.tolist()
    assert got == [["newsletter", "email", "november", "Email"]]


def test_session_traffic_source_record_wins(tmp_path):
    events = base_events()[:3]  # S1: google / cpc on its page_view
    for r in events:
        r["session_traffic_source_last_click"] = {
            "manual_campaign": {"source": "facebook", "medium": "paid_social", "campaign_name": "retarget"},
            "cross_channel_campaign": {
                "source": "facebook",
                "medium": "paid_social",
                "campaign_name": "retarget",
                "default_channel_group": "Paid Social",
            },  # fmt: skip
        }
    e = read_ga4_bigquery(ndjson(tmp_path / "r.jsonl", events))
    assert sessions_of(e)[["source", "medium", "campaign", "channel"]].values.tolist() == [
        ["facebook", "paid_social", "retarget", "Paid Social"]
    ]
    assert e.attrs["session_traffic"] == {"last_click_record": 1, "first_event": 0, "direct": 0}


# --- new users ------------------------------------------------------------------------------------


def test_new_users_from_first_visit_and_session_number_not_first_seen(tmp_path):
    events = base_events()
    # an extract that starts mid-history: a returning user whose sessions 4 and 5 fall in the window
    u = "3001.1600000000"
    for n, start in ((4, T0 + 3_000), (5, T0 + 9_000)):
        events.append(_event(u, start, n, start * 1_000_000, "page_view", "/", entrances=1, session_engaged="0"))
    e = read_ga4_bigquery(ndjson(tmp_path / "u.jsonl", events))
    s = sessions_of(e)
    # GA4: S1, S2 (ga_session_number 1), S3 (first_visit); "first seen in this extract" would add user 3001
    assert int(s["is_new_user"].sum()) == 3
    assert s.attrs["new_user_rule"] == "first_visit or ga_session_number"
    first_seen = sessions_of(e.drop(columns="ga_session_number").query("event != 'first_visit'"))
    assert (
        int(first_seen["is_new_user"].sum()) == 4 and first_seen.attrs["new_user_rule"] == "first session in the data"
    )


# --- files ----------------------------------------------------------------------------------------


def test_empty_truncated_and_missing_files(tmp_path):
    with pytest.raises(KpiDataError, match=r"empty.jsonl: the file is empty; it holds no records\."):
        read_ga4_bigquery(ndjson(tmp_path / "empty.jsonl", []).with_name("empty.jsonl"))
    f = tmp_path / "cut.jsonl.gz"
    f.write_bytes(gzip.compress(b'{"event_name": "page_view"}\n' * 50)[:40])
    with pytest.raises(
        KpiDataError, match=r"cut.jsonl.gz: cannot be read \(.*\)\. Check the file \(a truncated \.gz\?\)"
    ):
        read_ga4_bigquery(f)
    (tmp_path / "none").mkdir()
    with pytest.raises(KpiDataError, match=r"none: no GA4 export files \(\*\.jsonl"):
        read_ga4_bigquery(tmp_path / "none")


# --- Universal Analytics ---------------------------------------------------------------------------


def test_ua_day_exported_twice(tmp_path):
    day = (TEST_DATA / "ua" / "ga_sessions_20170801.json").read_text(encoding="utf-8")
    (tmp_path / "ga_sessions_20170801.json").write_text(day, encoding="utf-8")
    (tmp_path / "ga_sessions_20170801_copy.json").write_text(day, encoding="utf-8")
    with pytest.warns(KpiWarning, match="dropped 8 exact duplicate sessions.*_copy.json repeats 8 sessions of "):
        e = read_ua_bigquery(tmp_path)
    s = sessions_of(e)
    r = kk.web.bounce_rate(s, definition="ua").iloc[0]
    assert (r["sessions"], r["bounces"]) == (7, 4)  # the day's totals.visits and totals.bounces
    assert e.attrs["totals"]["visits"] == 7 and e.attrs["totals"]["bounces"] == 4


def test_ua_is_interaction_as_strings_and_bad_values(tmp_path):
    rows = [json.loads(x) for x in (TEST_DATA / "ua" / "ga_sessions_20170801.json").read_text().splitlines()]
    strings = copy.deepcopy(rows)
    for r in strings:
        for h in r["hits"]:
            h["isInteraction"] = str(h["isInteraction"]).lower()
    a = read_ua_bigquery(TEST_DATA / "ua" / "ga_sessions_20170801.json")
    b = read_ua_bigquery(ndjson(tmp_path / "ga_sessions_20170801.json", strings))
    pd.testing.assert_frame_equal(a.drop(columns="interaction"), b.drop(columns="interaction"))
    assert a["interaction"].tolist() == b["interaction"].tolist()
    strings[2]["hits"][1]["isInteraction"] = "maybe"
    with pytest.raises(
        KpiDataError, match=r"field 'isInteraction': 1 hits are not true/false \(lines 3; first: 'maybe'\)"
    ):
        read_ua_bigquery(ndjson(tmp_path / "ga_sessions_20170801.json", strings))
