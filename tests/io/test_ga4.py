"""Tests of kpikit.io.ga4: the GA4 BigQuery export (JSON lines, gzip, Parquet, folders of shards) into
canonical events, and its bad-input messages."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from kpikit import web
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import read_ga4_bigquery
from kpikit.io.ga4 import default_channel_group
from tests.paths import SAMPLE

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")


def _ga4_event(ts_us, name, user="111.222", sid="1710000000", params=None, **extra):
    p = [{"key": "ga_session_id", "value": {"int_value": sid}}] if sid is not None else []
    for k, v in (params or {}).items():
        key = "string_value" if isinstance(v, str) and k in ("page_location", "session_engaged") else "int_value"
        p.append({"key": k, "value": {key: v}})
    rec = {
        "event_date": "20240310",
        "event_timestamp": str(ts_us),
        "event_name": name,
        "event_params": p,
        "user_pseudo_id": user,
        "device": {"category": "mobile"},
        "geo": {"country": "Germany"},
        "traffic_source": {"source": "google", "medium": "organic", "name": "(organic)"},
        "session_traffic_source_last_click": {
            "cross_channel_campaign": {
                "source": "facebook",
                "medium": "paid_social",
                "default_channel_group": "Paid Social",
            }
        },
    }
    rec.update(extra)
    return rec


GA4_EVENTS = [
    _ga4_event(
        1710000000000000, "session_start", params={"page_location": "https://shop.example/landing/spring-sale?utm=x"}
    ),
    _ga4_event(
        1710000000000000,
        "page_view",
        params={
            "page_location": "https://shop.example/landing/spring-sale?utm=x",
            "entrances": "1",
            "session_engaged": "0",
        },
    ),
    _ga4_event(
        1710000004000000,
        "user_engagement",
        params={
            "engagement_time_msec": "4000",
            "session_engaged": "0",
            "page_location": "https://shop.example/landing/spring-sale",
        },
    ),
    _ga4_event(
        1710000100000000,
        "page_view",
        user="333.444",
        sid=1710000100,
        params={"page_location": "https://shop.example/", "entrances": 1, "session_engaged": 1},
    ),
    _ga4_event(
        1710000130000000,
        "scroll",
        user="333.444",
        sid="1710000100",
        params={"page_location": "https://shop.example/", "engagement_time_msec": 30000},
    ),
    _ga4_event(
        1710000200000000, "page_view", user="555.666", sid=None, params={"page_location": "https://shop.example/blog/a"}
    ),
]


def _write_jsonl(path: Path, records, duplicate_index=None):
    lines = [json.dumps(r) for r in records]
    if duplicate_index is not None:
        lines.insert(duplicate_index + 1, lines[duplicate_index])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_ga4_bigquery_jsonl(tmp_path):
    f = _write_jsonl(tmp_path / "events_20240310.jsonl", GA4_EVENTS, duplicate_index=2)
    with pytest.warns(KpiWarning, match="dropped 1 exact duplicate events.*repeats 1 of its own events \\(line 4\\)"):
        e = read_ga4_bigquery(f)
    assert len(e) == 6 and e.attrs["duplicates_dropped"] == 1
    assert e["user_id"].tolist()[:4] == ["111.222", "111.222", "111.222", "333.444"]
    assert e["session_id"].tolist()[:5] == [1710000000] * 3 + [1710000100] * 2
    assert pd.isna(e["session_id"].iloc[5])
    assert e["timestamp"].iloc[2] == pd.Timestamp("2024-03-09 16:00:04")  # 1710000004 s UTC
    assert e["page"].tolist()[:4] == ["/landing/spring-sale"] * 3 + ["/"]
    assert e["channel"].iloc[0] == "Paid Social" and e["source"].iloc[0] == "facebook"
    assert e["device"].iloc[0] == "mobile" and e["country"].iloc[0] == "Germany"
    assert e["engagement_time_msec"].iloc[2] == 4000 and e["engagement_time_msec"].iloc[4] == 30000
    assert e["session_engaged"].tolist()[1:4] == [False, False, True]
    # sessionise: the event without ga_session_id is set aside, with a warning
    with pytest.warns(KpiWarning, match="1 of 6 events"):
        s = web.sessions_from_events(e)
    s = s.set_index("session_id")
    assert s.loc[1710000000, "engagement_time_s"] == 4.0 and not s.loc[1710000000, "engaged"]
    assert s.loc[1710000100, "engaged"]  # 30 s
    assert s.loc[1710000000, "landing_page"] == "/landing/spring-sale"


def test_read_ga4_bigquery_gzip_parquet_and_folder(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    f = tmp_path / "shard_000.jsonl.gz"
    with gzip.open(f, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r) for r in GA4_EVENTS))
    a = read_ga4_bigquery(f)
    # Parquet keeps the nesting (and here, typed integers)
    recs = json.loads(json.dumps(GA4_EVENTS))
    for r in recs:
        r["event_timestamp"] = int(r["event_timestamp"])
        for p in r["event_params"]:
            v = p["value"]
            p["value"] = {
                "string_value": v.get("string_value"),
                "int_value": int(v["int_value"]) if "int_value" in v else None,
            }
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "shard_001.parquet")
    b = read_ga4_bigquery(tmp_path / "shard_001.parquet")
    pd.testing.assert_frame_equal(a, b, check_dtype=True)
    with pytest.warns(
        KpiWarning, match="dropped 6 exact duplicate events.*shard_001.parquet repeats 6 events of shard_000"
    ):
        both = read_ga4_bigquery(tmp_path)  # a folder of shards: duplicates across shards are dropped
    assert len(both) == 6


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"event_name": "page_view", "event_timestamp": "1"}\n{broken\n', r"line 2: not valid JSON"),
        (
            '{"event_timestamp": "1710000000000000", "event_params": []}\n',
            r"field 'event_name' is missing in every record; this does not look like a GA4 BigQuery export",
        ),
        (
            '{"event_name": "a", "event_timestamp": "1"}\n{"event_name": "b", "event_timestamp": "soon"}\n',
            r"field 'event_timestamp': 1 events are not whole numbers \(lines 2; first: 'soon'\)",
        ),
        (
            '{"event_name": "a", "event_timestamp": "1"}\n{"event_timestamp": "2"}\n',
            r"field 'event_name': 1 events have no value \(lines 2",
        ),
        ("", "the file is empty"),
        ("[1, 2]", "are not JSON objects"),
        (
            '{"event_name": "a", "event_timestamp": "1", "event_params": [{"key": "session_engaged", '
            '"value": {"string_value": "maybe"}}]}\n',
            r"'session_engaged': 1 events are not 1/0",
        ),
    ],
)
def test_read_ga4_bigquery_malformed(tmp_path, content, message):
    f = tmp_path / "bad.jsonl"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(KpiDataError, match=message):
        read_ga4_bigquery(f)


@needs_sample
def test_sample_ga4_export_read():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        e = read_ga4_bigquery(SAMPLE / "ga4_bigquery_events.jsonl")
    assert e.attrs["duplicates_dropped"] == 1  # the sample plants one exact duplicate
    assert e["session_id"].isna().sum() == 1  # and one event without ga_session_id


def test_web_reexports_the_reader():
    assert web.read_ga4_bigquery is read_ga4_bigquery


@needs_sample
def test_sample_export_doubled_keeps_its_45_percent_bounce(tmp_path):
    """Issue 13: the same GA4 export twice (two shards, or every event twice in one file) gave 0%."""
    lines = (SAMPLE / "ga4_bigquery_events.jsonl").read_text(encoding="utf-8").splitlines()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        one = read_ga4_bigquery(SAMPLE / "ga4_bigquery_events.jsonl")
        s = web.sessions_from_events(one)
    assert float(web.headline(s)["bounce_rate"]) == 135 / 300  # 45.0%
    shards = tmp_path / "shards"
    shards.mkdir()
    for name in ("000000000000.jsonl", "000000000001.jsonl"):
        (shards / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(KpiWarning, match="dropped 1,544 exact duplicate events"):
        two = read_ga4_bigquery(shards)
    pd.testing.assert_frame_equal(two, one)
    doubled = tmp_path / "doubled.jsonl"
    doubled.write_text("\n".join(x for line in lines for x in (line, line)) + "\n", encoding="utf-8")
    with pytest.warns(KpiWarning, match="dropped 1,544 exact duplicate events"):
        both = read_ga4_bigquery(doubled)
    assert both.attrs["duplicates_dropped"] == 1544 and both.attrs["dropped"][0]["count"] == 1544
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        s2 = web.sessions_from_events(both)
        # what the issue saw: every event kept twice and GA4's rule alone, every session has 2+ page views
        kept = read_ga4_bigquery(doubled, duplicates="keep")
        s0 = web.sessions_from_events(kept, engaged_flag="rule", duplicates="keep")
    assert float(web.headline(s2)["bounce_rate"]) == 135 / 300
    assert float(web.headline(s0)["bounce_rate"]) == 0.0


@needs_sample
def test_sample_export_sessions_follow_the_export():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        e = read_ga4_bigquery(SAMPLE / "ga4_bigquery_events.jsonl")
        s = web.sessions_from_events(e)
    # the sample writes each session's record: source, medium and channel from it for all 300 sessions
    assert e.attrs["session_traffic"] == {"last_click_record": 300, "first_event": 0, "direct": 0}
    # session_engaged agrees with kpikit's rule on every session; new users from ga_session_number
    assert s.attrs["engaged_from_export"] == 300 and s.attrs["engaged_disagree"] == 0
    assert s.attrs["new_user_rule"] == "ga_session_number" and int(s["is_new_user"].sum()) == 299


@pytest.mark.parametrize(
    "source, medium, campaign, channel",
    [
        ("(direct)", "(none)", None, "Direct"),
        ("(direct)", "(not set)", None, "Direct"),
        ("google", "cpc", "brand_cross-network", "Cross-network"),
        ("google", "cpc", "summer_shopping", "Paid Shopping"),
        ("google", "cpc", None, "Paid Search"),
        ("www.bing.com", "ppc", None, "Paid Search"),
        ("l.facebook.com", "paid_social", None, "Paid Social"),
        ("youtube", "cpv", None, "Paid Video"),
        ("criteo", "display", None, "Display"),
        ("partner-network", "cpa", None, "Paid Other"),
        ("igshopping", "referral", None, "Organic Shopping"),
        ("instagram.com", "referral", None, "Organic Social"),
        ("mastodon.example", "social", None, "Organic Social"),
        ("vimeo.com", "referral", None, "Organic Video"),
        ("google.co.uk", "referral", None, "Organic Search"),
        ("ecosia.org", "organic", None, "Organic Search"),
        ("giftguide.example.com", "referral", None, "Referral"),
        ("newsletter", "email", None, "Email"),
        ("awin", "affiliate", None, "Affiliates"),
        ("spotify", "audio", None, "Audio"),
        ("sms", "text", None, "SMS"),
        ("firebase", "notification", None, "Mobile Push Notifications"),
        ("app", "web-push", None, "Mobile Push Notifications"),
        ("(not set)", "(not set)", None, "Unassigned"),
        (None, None, None, "Unassigned"),
    ],
)
def test_default_channel_group_rules(source, medium, campaign, channel):
    # one case per rule of Google's "[GA4] Default channel group", in its order
    assert default_channel_group([source], [medium], [campaign]).tolist() == [channel]


def test_default_channel_group_extra_sites_and_bad_input():
    assert default_channel_group(["mysearch.example"], ["organic"]).tolist() == ["Organic Search"]
    got = default_channel_group(["forum.example"], ["referral"], source_categories={"social": ["forum.example"]})
    assert got.tolist() == ["Organic Social"]
    # a host name holds the site ("t.co"), a longer word does not ("tcox.example" is no t.co)
    assert default_channel_group(["t.co", "tcox.example"], ["referral", "referral"]).tolist() == [
        "Organic Social",
        "Referral",
    ]
    with pytest.raises(KpiDataError, match="unknown category 'news'"):
        default_channel_group(["a"], ["b"], source_categories={"news": ["a"]})
    with pytest.raises(KpiDataError, match="source and medium differ in length"):
        default_channel_group(["a", "b"], ["c"])


@needs_sample
def test_default_channel_group_reproduces_the_sample_channels():
    ev = pd.read_csv(SAMPLE / "events.csv.gz", dtype=str, usecols=["source", "medium", "channel"])
    assert (default_channel_group(ev["source"], ev["medium"]) == ev["channel"].to_numpy()).all()
