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
    with pytest.warns(KpiWarning, match="dropped 1 exact duplicate events \\(row 4\\)"):
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
    with pytest.warns(KpiWarning, match="dropped 6 exact duplicate events"):
        both = read_ga4_bigquery(tmp_path)  # a folder of shards: duplicates across shards are dropped
    assert len(both) == 6


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"event_name": "page_view", "event_timestamp": "1"}\n{broken\n', r"line 2: not valid JSON"),
        (
            '{"event_timestamp": "1710000000000000", "event_params": []}\n',
            r"field 'event_name' is missing in every event",
        ),
        (
            '{"event_name": "a", "event_timestamp": "1"}\n{"event_name": "b", "event_timestamp": "soon"}\n',
            r"field 'event_timestamp': 1 events are not numbers \(lines 2; first: 'soon'\)",
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
