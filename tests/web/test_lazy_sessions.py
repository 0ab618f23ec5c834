"""Tests of kpikit.web.lazy_sessions: sessions_from_events on an Ibis table (DuckDB) gives the pandas path's
sessions, column for column, on every hand-worked case of tests/web/test_sessions.py, on random events and
on data/sample, from a DataFrame read in place, from Parquet files and from CSV files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpikit import web
from kpikit.engine import attrs
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io.lazy import is_lazy
from tests.engine.compare import assert_same
from tests.paths import SAMPLE
from tests.web.cases import EVENTS, T, ev

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")

ATTRS = ("set_aside", "split", "duplicates_dropped", "new_user_rule", "engaged_from_export", "engaged_disagree")


def both(events, **kw):
    """The pandas sessions and the lazy ones (DuckDB reading the same frame), warnings recorded."""
    with warnings.catch_warnings(record=True) as w1:
        warnings.simplefilter("always")
        expected = web.sessions_from_events(events, **kw)
    with warnings.catch_warnings(record=True) as w2:
        warnings.simplefilter("always")
        lazy = web.sessions_from_events(events, engine="duckdb", **kw)
    assert is_lazy(lazy)
    assert [str(x.message) for x in w1 if x.category is KpiWarning] == [
        str(x.message) for x in w2 if x.category is KpiWarning
    ]
    return expected, lazy


def check(events, **kw):
    expected, lazy = both(events, **kw)
    assert_same(expected, lazy, key="session_id")
    got = attrs(lazy)
    assert {k: got[k] for k in ATTRS} == {k: expected.attrs[k] for k in ATTRS}
    return expected, lazy


def _with_sources():
    e = EVENTS.assign(source=None, medium=None, channel=None, device="mobile")
    e.loc[1, ["source", "medium", "channel"]] = ["google", "organic", "Organic Search"]
    e.loc[3, ["source", "medium", "channel"]] = ["", "", ""]
    e.loc[4, ["source", "medium", "channel"]] = ["newsletter", "email", "Email"]
    e.loc[[0, 9], "device"] = None
    return e


def _engaged_flags():
    e = EVENTS.copy()
    e["session_engaged"] = pd.array([None] * len(e), dtype="boolean")
    e.loc[2, "session_engaged"] = True
    e.loc[[3, 4], "session_engaged"] = False
    return e


def _interaction_flags():
    e = EVENTS.assign(interaction=pd.array([None] * len(EVENTS), dtype="boolean"))
    e.loc[12, "interaction"] = True
    e.loc[8, "interaction"] = False
    return e


def _session_numbers():
    e = EVENTS.copy()
    e["ga_session_number"] = pd.array([3, 3, 3, 4, 4, 1, 1, 1, 1, 2, 2, None, None], dtype="Int64")
    return e


def _timeout_log():
    rows = [
        ("U", T("10:00:00"), "page_view", "/"),
        ("U", T("10:10:00"), "page_view", "/shop"),
        ("U", T("10:45:00"), "page_view", "/blog/a"),
        ("U", T("11:15:00"), "page_view", "/blog/b"),
        ("V", T("10:05:00"), "page_view", "/pricing"),
    ]
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "event", "page"]).iloc[[4, 2, 0, 3, 1]]


CASES = {
    "hand-worked": (EVENTS, {}),
    "engaged after 9 s": (EVENTS, {"engaged_after": "9s"}),
    "key events": (EVENTS, {"key_events": ["purchase"]}),
    "timeout split": (_timeout_log(), {}),
    "timeout of 20 min": (_timeout_log(), {"timeout": "20min"}),
    "forced timeout": (EVENTS, {"split": "timeout"}),
    "unique ids and first_visit": (
        EVENTS.assign(session_id=EVENTS["user_id"] + EVENTS["session_id"].astype(str)).assign(
            event=lambda f: f["event"].where(f.index != 3, "first_visit")
        ),
        {},
    ),
    "landing ties in time": (
        ev(
            [
                ("A", 1, T("10:00:10"), "page_view", "/second", np.nan),
                ("A", 1, T("10:00:00"), "page_view", "/first", np.nan),
                ("A", 1, T("10:00:00"), "page_view", "/tie-later-in-file", np.nan),
                ("B", 1, T("10:00:00"), "page_view", "/z-first-in-file", np.nan),
                ("B", 1, T("10:00:00"), "page_view", "/a-later", np.nan),
            ]
        ),
        {},
    ),
    "sources from the first carrier": (_with_sources(), {}),
    "export engaged flag": (_engaged_flags(), {}),
    "engaged by the rule": (_engaged_flags(), {"engaged_flag": "rule"}),
    "engaged flag as 1/0": (
        _engaged_flags().assign(session_engaged=lambda f: f["session_engaged"].astype("Float64").astype("Int64")),
        {},
    ),
    "interaction flags": (_interaction_flags(), {}),
    "session numbers": (_session_numbers(), {}),
    "new_user flag": (
        EVENTS.assign(new_user=pd.array([False] * 3 + [True] * 2 + [None] * 8, dtype="boolean")),
        {},
    ),
    "duplicates dropped": (pd.concat([EVENTS, EVENTS.iloc[[1, 4]]], ignore_index=True), {}),
    "duplicates kept": (pd.concat([EVENTS, EVENTS.iloc[[1, 4]]], ignore_index=True), {"duplicates": "keep"}),
    "near duplicates": (pd.concat([EVENTS, EVENTS.iloc[[4]].assign(page="/other")], ignore_index=True), {}),
    "store log": (
        EVENTS.assign(event=EVENTS["event"].replace({"page_view": "view"})),
        {"page_view_event": "view", "key_events": ["purchase"], "lead_events": []},
    ),
    "null page on the first view": (EVENTS.assign(page=EVENTS["page"].where(EVENTS.index != 1, None)), {}),
    "values": (EVENTS.assign(value=[np.nan] * 8 + [25.5] + [np.nan] * 3 + [4.0]), {}),
    "two leads at one time": (
        ev(
            [
                ("A", 1, T("10:00:00"), "generate_lead", "/c", np.nan),
                ("A", 2, T("10:00:00"), "generate_lead", "/c", np.nan),
                ("A", 3, T("09:00:00"), "page_view", "/", np.nan),
            ]
        ),
        {},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lazy_sessions_equal_pandas(name):
    events, kw = CASES[name]
    check(events, **kw)


def test_set_aside_events_warn_alike():
    e = EVENTS.copy()
    e["session_id"] = e["session_id"].astype("Int64")
    e.loc[0, "session_id"] = pd.NA
    e.loc[1, "user_id"] = None
    expected, lazy = check(e)
    assert attrs(lazy)["set_aside"] == 2


def test_duplicate_messages_name_the_rows():
    doubled = pd.concat([EVENTS, EVENTS.iloc[[1, 4]]], ignore_index=True)
    with pytest.warns(KpiWarning, match=r"dropped 2 exact duplicate events, identical in every column \(rows 14, 15\)"):
        web.sessions_from_events(doubled, engine="duckdb")
    with pytest.raises(KpiDataError, match=r"2 exact duplicate events, identical in every column \(rows 14, 15\)"):
        web.sessions_from_events(doubled, engine="duckdb", duplicates="raise")


def test_bad_input_is_refused_with_the_pandas_words():
    bad = EVENTS.copy()
    bad.loc[3, "engagement_time_msec"] = -5
    with pytest.raises(KpiDataError, match=r"engagement_time_msec': 1 negative values \(row 4\)"):
        web.sessions_from_events(bad, engine="duckdb")
    with pytest.raises(KpiDataError, match=r"missing column\(s\) 'event'"):
        web.sessions_from_events(EVENTS.rename(columns={"event": "events"}), engine="duckdb")
    with pytest.raises(KpiDataError, match="column 'timestamp' has type string, not a timestamp"):
        web.sessions_from_events(EVENTS.assign(timestamp=EVENTS["timestamp"].astype(str)), engine="duckdb")
    with pytest.raises(KpiDataError, match="column 'session_engaged' must hold True/False or 1/0"):
        web.sessions_from_events(EVENTS.assign(session_engaged="1"), engine="duckdb")
    flags = EVENTS.assign(session_engaged=[0, 1, 2] + [0] * 10)
    with pytest.raises(KpiDataError, match=r"column 'session_engaged' must hold True/False or 1/0 \(row 3\)"):
        web.sessions_from_events(flags, engine="duckdb")
    with pytest.raises(KpiDataError, match="split='session_id' needs a non-empty 'session_id' column"):
        web.sessions_from_events(EVENTS.assign(session_id=pd.NA), engine="duckdb", split="session_id")
    with pytest.raises(KpiDataError, match="engine must be 'auto', 'pandas' or 'duckdb'"):
        web.sessions_from_events(EVENTS, engine="spark")


event_rows = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2", "u3"]),
        st.integers(1, 3),
        st.integers(0, 7200),
        st.sampled_from(["page_view", "user_engagement", "scroll", "purchase", "generate_lead", "session_start"]),
        st.sampled_from(["/", "/a", "/b", None]),
        st.one_of(st.none(), st.integers(0, 20_000)),
        st.sampled_from([None, "", "google", "newsletter"]),
    ),
    min_size=1,
    max_size=50,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_rows, st.sampled_from(["auto", "timeout"]))
def test_property_lazy_equals_pandas(rows, split):
    e = pd.DataFrame(rows, columns=["user_id", "session_id", "sec", "event", "page", "engagement_time_msec", "source"])
    e["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(e.pop("sec"), unit="s")
    e["engagement_time_msec"] = e["engagement_time_msec"].astype(float)
    check(e, split=split)


def test_parquet_files_read_lazily_give_the_same_sessions(tmp_path):
    # the landing-page tie of user B is broken by the order of the rows, in the file as in the frame
    events, _ = CASES["landing ties in time"]
    e = pd.concat([EVENTS, events.assign(session_id=99)], ignore_index=True)
    (tmp_path / "events").mkdir()
    e.iloc[:10].to_parquet(tmp_path / "events" / "part-1.parquet")
    e.iloc[10:].to_parquet(tmp_path / "events" / "part-2.parquet")
    lazy = web.sessions_from_events(tmp_path / "events")
    assert_same(web.sessions_from_events(e), lazy, key="session_id")
    glob = web.sessions_from_events(str(tmp_path / "events" / "*.parquet"))
    assert_same(web.sessions_from_events(e), glob, key="session_id")


def test_rows_of_parquet_files_are_named_by_file(tmp_path):
    bad = EVENTS.copy()
    bad.loc[11, "engagement_time_msec"] = -1
    bad.iloc[:6].to_parquet(tmp_path / "events_1.parquet")
    bad.iloc[6:].to_parquet(tmp_path / "events_2.parquet")
    with pytest.raises(KpiDataError, match=r"1 negative values \(events_2.parquet row 6\)"):
        web.sessions_from_events(tmp_path)


def test_csv_without_row_order_breaks_ties_by_value(tmp_path):
    # CSV has no row numbers in DuckDB: the tie of B's two first page views goes to the smaller page
    events, _ = CASES["landing ties in time"]
    events.to_csv(tmp_path / "events.csv", index=False)
    s = web.sessions_from_events(tmp_path / "events.csv").order_by("session_id").to_pandas()
    assert s["landing_page"].tolist() == ["/first", "/a-later"]
    assert web.sessions_from_events(events)["landing_page"].astype(str).tolist() == ["/first", "/z-first-in-file"]


@needs_sample
def test_sample_sessions_lazy_equal_pandas():
    from kpikit import io

    events = io.read_folder(SAMPLE, tables=["events"])["events"]
    expected = web.sessions_from_events(events)
    assert_same(expected, web.sessions_from_events(events, engine="duckdb"), key="session_id")
    from_file = web.sessions_from_events(SAMPLE / "events.csv.gz")
    assert_same(expected, from_file, key="session_id")
    assert {k: attrs(from_file)[k] for k in ATTRS} == {k: expected.attrs[k] for k in ATTRS}


def test_persisted_sessions_keep_their_attrs():
    lazy = web.sessions_from_events(EVENTS, engine="duckdb", persist=True)
    assert attrs(lazy)["new_user_rule"] == "first session in the data"
    assert_same(web.sessions_from_events(EVENTS), lazy, key="session_id")
