"""kpikit.sample.exports: the CSV text format and the client-shaped export files."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pandas as pd

from kpikit.sample.config import _config
from kpikit.sample.exports import _text_bytes, _ua_end


def test_written_text_format(gen42):
    head = gzip.decompress((gen42 / "events.csv.gz").read_bytes()).decode().splitlines()
    assert head[0] == (
        "user_id,session_id,timestamp,event,page,source,medium,channel,device,country,value,engagement_time_msec"
    )
    assert b"\r\n" not in (gen42 / "leads.csv").read_bytes()
    first = head[1].split(",")
    assert len(first[2]) == 19 and first[2][10] == " "  # "YYYY-MM-DD HH:MM:SS"
    subs = (gen42 / "subscriptions.csv").read_text().splitlines()
    assert subs[0] == "customer_id,subscription_id,plan,interval,amount,start,end"
    assert subs[1].split(",")[4].count(".") == 1 and len(subs[1].split(",")[4].split(".")[1]) == 2


def test_gzip_header_has_no_time_or_name(gen42):
    raw = (gen42 / "events.csv.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[4:8] == b"\x00\x00\x00\x00"  # mtime = 0
    assert raw[3] & 0x08 == 0  # FNAME flag not set


def test_ga4_bigquery_jsonl(gen42, t42):
    lines = (gen42 / "ga4_bigquery_events.jsonl").read_text(encoding="utf-8").splitlines()
    objs = [json.loads(x) for x in lines]
    assert len(lines) - len(set(lines)) == 1  # exactly one duplicated event
    for o in objs:
        assert isinstance(o["event_timestamp"], str) and o["event_timestamp"].isdigit()
        assert len(o["event_date"]) == 8
        for p in o["event_params"]:
            assert len(p["value"]) == 1
            if "int_value" in p["value"]:
                assert isinstance(p["value"]["int_value"], str)
    keys = [{p["key"]: next(iter(p["value"].values())) for p in o["event_params"]} for o in objs]
    assert sum("ga_session_id" not in k for k in keys) == 1
    sid = pd.Series([o["user_pseudo_id"] + "-" + k.get("ga_session_id", "?") for o, k in zip(objs, keys)])
    assert sid[sid.str.endswith("?") == False].nunique() == 300  # noqa: E712
    # the export holds the same events as events.csv for those 300 sessions (+1 duplicate)
    first300 = t42["sessions"]["session_id"].iloc[:300]
    assert len(objs) == t42["events"]["session_id"].isin(first300).sum() + 1
    entrances = [k for k in keys if k.get("entrances") == "1"]
    assert len(entrances) == 300
    o = objs[0]
    assert {"device", "geo", "traffic_source", "session_traffic_source_last_click"} <= set(o)
    assert "default_channel_group" in o["session_traffic_source_last_click"]["cross_channel_campaign"]


def test_ua_landing_pages_download(gen42, t42):
    text = (gen42 / "ua_landing_pages.csv").read_text(encoding="utf-8")
    head, day_part = text.split("\n\nDay Index,Sessions\n")
    lines = head.splitlines()
    assert lines[0] == "# " + "-" * 40 and lines[3] == "# 20240101-20240630"
    table = pd.read_csv(io.StringIO(head), comment="#", thousands=",", skip_blank_lines=True)
    assert list(table.columns)[:5] == ["Landing Page", "Sessions", "% New Sessions", "New Users", "Bounce Rate"]
    data, total = table.iloc[:-1], table.iloc[-1]
    assert pd.isna(total["Landing Page"])
    s = t42["sessions"]
    six = s[s["start"] < pd.Timestamp("2024-07-01")]
    assert int(total["Sessions"]) == data["Sessions"].sum() == len(six)
    assert data["Bounce Rate"].str.match(r"^\d+\.\d{2}%$").all()
    assert data["Avg. Session Duration"].str.match(r"^\d{2}:\d{2}:\d{2}$").all()
    assert '"' in head  # quoted thousands
    days = day_part.strip().splitlines()
    assert days[0] == "1/1/24,{}".format(int((six["start"].dt.normalize() == "2024-01-01").sum()))
    assert days[-1].startswith(",")
    assert int(days[-1][1:].strip('"').replace(",", "")) == len(six)


def test_ga4_landing_pages_download(gen42, t42):
    text = (gen42 / "ga4_landing_pages.csv").read_text(encoding="utf-8")
    assert "# Start date: 20240101" in text and "# End date: 20250630" in text
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table.columns) == [
        "Landing page + query string",
        "Sessions",
        "Engaged sessions",
        "Bounce rate",
        "Average engagement time per session",
        "Key events",
        "Total revenue",
    ]
    total = table[table.iloc[:, 0] == "Grand total"].iloc[0]
    data = table[table.iloc[:, 0] != "Grand total"].set_index("Landing page + query string")
    s = t42["sessions"]
    assert total["Sessions"] == data["Sessions"].sum() == len(s)
    by = s.groupby("landing_page")["engaged"].agg(["size", "sum"])
    assert (data["Engaged sessions"] == by["sum"].reindex(data.index)).all()
    by = by.reindex(data.index)
    assert np.allclose(data["Bounce rate"], 1 - by["sum"] / by["size"], atol=1e-6)


def test_text_bytes_end_every_line():
    assert _text_bytes(["a", "b"]) == b"a\nb\n"
    assert _text_bytes(["£1"]) == "£1\n".encode()


def test_ua_download_covers_the_first_six_months():
    cfg = _config(1, "x", "2024-09-01", 12, 1_000, True)
    assert _ua_end(cfg) == pd.Timestamp("2025-03-01")
