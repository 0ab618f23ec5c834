"""Tests of kpikit.web.sessions: sessions from events (ids, timeout rule, landing page, counts,
engagement, leads, new users) and the GA4 engaged-session rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpikit import web
from kpikit.errors import KpiDataError, KpiWarning
from tests.paths import SAMPLE
from tests.web.cases import EVENTS, T, ev

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")


def test_sessions_hand_computed(sessions):
    s = sessions.set_index("session_id")
    # ga_session_id 1 is used by A and B, so ids become "<user>-<session>"; order of first event
    assert list(s.index) == ["A-1", "A-2", "B-1", "C-5", "D-7", "E-9"]
    assert s["landing_page"].astype(str).tolist() == ["/", "/shop", "/blog/a", "/pricing", "(not set)", "/"]
    assert s["pageviews"].tolist() == [1, 2, 1, 1, 0, 1]
    assert s["events"].tolist() == [3, 2, 2, 2, 2, 2]
    # engagement = sum of engagement_time_msec / 1000
    assert s["engagement_time_s"].tolist() == [4.0, 20.0, 10.0, 3.0, 2.0, 15.0]
    assert s["conversions"].tolist() == [0, 0, 0, 1, 0, 0]
    # engaged: A/2 (2 page views), C/5 (key event), E/9 (15 s > 10 s); B/1 has exactly 10 s -> no
    assert s["engaged"].tolist() == [False, True, False, True, False, True]
    # UA: interactions = page views + interaction events: 1, 2, 1, 2, 0, 1; exactly one is a bounce, and D/7
    # with none is no UA session at all (its totals.visits would be null), so not a bounce either
    assert s["interactions"].tolist() == [1, 2, 1, 2, 0, 1]
    assert s["single_interaction"].tolist() == [True, False, True, False, False, True]
    assert s["is_new_user"].tolist() == [True, False, True, True, True, True]
    assert s["new_lead"].tolist() == [False, False, False, True, False, False]
    assert s.loc["A-1", "start"] == T("10:00:00") and s.loc["A-1", "end"] == T("10:00:05")
    assert sessions.attrs["set_aside"] == 0 and sessions.attrs["split"] == "session_id"
    # no first_visit events and no ga_session_number: new = first session in the data, and it says so
    assert sessions.attrs["new_user_rule"] == "first session in the data"
    assert sessions.attrs["duplicates_dropped"] == 0 and sessions.attrs["page_view_event"] == ["page_view"]


def test_engaged_after_parameter():
    # B/1 has exactly 10 s: engaged with a 9 s threshold, not with 10 s
    s = web.sessions_from_events(EVENTS, engaged_after="9s").set_index("session_id")
    assert bool(s.loc["B-1", "engaged"]) is True
    s = web.sessions_from_events(EVENTS, engaged_after="10s").set_index("session_id")
    assert bool(s.loc["B-1", "engaged"]) is False


def test_key_events_parameter():
    # without generate_lead as a key event, C/5 has 1 page view and 3 s: not engaged
    s = web.sessions_from_events(EVENTS, key_events=["purchase"]).set_index("session_id")
    assert s.loc["C-5", "conversions"] == 0 and not s.loc["C-5", "engaged"]


def test_timeout_split_without_session_id():
    e = EVENTS.drop(columns=["session_id", "engagement_time_msec"]).iloc[:0]
    rows = [
        ("U", T("10:00:00"), "page_view", "/"),
        ("U", T("10:10:00"), "page_view", "/shop"),  # 10 min later: same session
        ("U", T("10:45:00"), "page_view", "/blog/a"),  # 35 min gap > 30 min: new session
        ("U", T("11:15:00"), "page_view", "/blog/b"),  # exactly 30 min: same session (gap must exceed)
        ("V", T("10:05:00"), "page_view", "/pricing"),
    ]
    e = pd.DataFrame(rows, columns=["user_id", "timestamp", "event", "page"]).iloc[[4, 2, 0, 3, 1]]
    s = web.sessions_from_events(e).set_index("session_id")
    assert s.attrs["split"] == "timeout"
    # order of first event in the data: V first, then U's second session (row 2 comes before row 0)
    assert list(s.index) == ["V-1", "U-2", "U-1"]
    assert s.loc["U-1", "landing_page"] == "/" and s.loc["U-2", "landing_page"] == "/blog/a"
    assert s.loc["U-1", "pageviews"] == 2 and s.loc["U-2", "pageviews"] == 2
    # no engagement_time_msec column: engagement = span first to last event (600 s and 1800 s)
    assert s.loc["U-1", "engagement_time_s"] == 600 and s.loc["U-2", "engagement_time_s"] == 1800
    assert s.loc["V-1", "engagement_time_s"] == 0 and not s.loc["V-1", "engaged"]
    assert s["is_new_user"].to_dict() == {"V-1": True, "U-2": False, "U-1": True}
    # a 20-minute timeout splits U into three sessions (gaps 10, 35 and 30 min)
    assert len(web.sessions_from_events(e, timeout="20min")) == 4


def test_session_ids_kept_when_unique_and_first_visit_marks_new_users():
    e = EVENTS.copy()
    e["session_id"] = e["user_id"] + e["session_id"].astype(str)  # globally unique ids
    e.loc[e.index[3], "event"] = "first_visit"  # A/2 holds the first_visit
    s = web.sessions_from_events(e).set_index("session_id")
    assert list(s.index) == ["A1", "A2", "B1", "C5", "D7", "E9"]
    assert s["is_new_user"].tolist() == [False, True, False, False, False, False]


def test_landing_page_is_first_page_view_by_time_not_file_order():
    e = ev(
        [
            ("A", 1, T("10:00:10"), "page_view", "/second", np.nan),
            ("A", 1, T("10:00:00"), "page_view", "/first", np.nan),
            ("A", 1, T("10:00:00"), "page_view", "/tie-later-in-file", np.nan),
        ]
    )
    s = web.sessions_from_events(e)
    assert s["landing_page"].astype(str).tolist() == ["/first"]
    assert s["start"].tolist() == [T("10:00:00")]


def test_events_without_ids_are_set_aside_with_a_warning():
    e = EVENTS.copy()
    e["session_id"] = e["session_id"].astype("Int64")
    e.loc[0, "session_id"] = pd.NA
    e.loc[1, "user_id"] = None
    with pytest.warns(KpiWarning, match="2 of 13 events have no user_id or session_id"):
        s = web.sessions_from_events(e)
    assert s.attrs["set_aside"] == 2
    assert s.set_index("session_id").loc["A-1", "events"] == 1


def test_sessions_bad_input():
    with pytest.raises(
        KpiDataError, match=r"missing column\(s\) 'event' \(closest to 'event': 'events'.*columns=\{'events': 'event'\}"
    ):
        web.sessions_from_events(EVENTS.rename(columns={"event": "events"}))
    bad = EVENTS.assign(timestamp=EVENTS["timestamp"].astype(str))
    with pytest.raises(KpiDataError, match="not datetime64.*pd.to_datetime"):
        web.sessions_from_events(bad)
    bad = EVENTS.copy()
    bad.loc[3, "engagement_time_msec"] = -5
    with pytest.raises(KpiDataError, match=r"engagement_time_msec': 1 negative values \(row 4\)"):
        web.sessions_from_events(bad)
    with pytest.raises(KpiDataError, match="engaged_after must be a duration"):
        web.sessions_from_events(EVENTS, engaged_after="soon")


def test_tz_aware_timestamps_are_converted_to_utc_not_refused():
    # Berlin wall-clock times (+01:00 in winter) are the same instants one hour earlier in UTC
    berlin = EVENTS.assign(timestamp=(EVENTS["timestamp"] + pd.Timedelta(hours=1)).dt.tz_localize("Europe/Berlin"))
    got = web.sessions_from_events(berlin)
    want = web.sessions_from_events(EVENTS)
    pd.testing.assert_frame_equal(got, want)
    assert got["start"].dt.tz is None


event_rows = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2", "u3"]),
        st.integers(1, 3),
        st.integers(0, 3600),
        st.sampled_from(["page_view", "user_engagement", "scroll", "purchase", "generate_lead", "session_start"]),
        st.sampled_from(["/", "/a", "/b"]),
        st.one_of(st.none(), st.integers(0, 20_000)),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_rows)
def test_property_sessions_agree_with_plain_pandas(rows):
    e = pd.DataFrame(rows, columns=["user_id", "session_id", "sec", "event", "page", "engagement_time_msec"])
    e["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(e["sec"], unit="s")
    e["engagement_time_msec"] = e["engagement_time_msec"].astype(float)
    e["session_id"] = e["user_id"] + ":" + e["session_id"].astype(str)  # unique ids: kept as they are
    # random rows may repeat exactly: keep them here, the plain groupby counts every row
    s = web.sessions_from_events(e.drop(columns="sec"), duplicates="keep")
    # the same sessions with a plain groupby
    g = e.groupby("session_id")
    ref = pd.DataFrame(
        {
            "pv": g["event"].agg(lambda x: int((x == "page_view").sum())),
            "key": g["event"].agg(lambda x: int(x.isin(["purchase", "generate_lead"]).sum())),
            "eng": g["engagement_time_msec"].sum() / 1000,
        }
    )
    ref["engaged"] = (ref["eng"] > 10) | (ref["key"] > 0) | (ref["pv"] >= 2)
    assert len(s) == len(ref) and int(s["events"].sum()) == len(e)
    got = s.set_index("session_id").sort_index()
    ref = ref.sort_index()
    assert got["engaged"].tolist() == ref["engaged"].tolist()
    assert got["pageviews"].tolist() == ref["pv"].tolist()
    # GA4: every session is exactly one of bounced / engaged
    r = web.bounce_rate(s).iloc[0]
    assert r["bounces"] + r["engaged_sessions"] == r["sessions"] == len(s)
    assert 0 <= r["ci_low"] <= r["bounce_rate"] <= r["ci_high"] <= 1
    # UA bounces never exceed sessions; a session with 2+ page views is never a UA bounce
    assert not (s["single_interaction"] & (s["pageviews"] >= 2)).any()


def test_is_engaged_rule_and_threshold():
    # 12 s > 10 s; exactly 10 s is not engaged; a key event; two page views; nothing -> not engaged
    got = web.is_engaged([12.0, 10.0, 3.0, 0.0, 9.0], [0, 0, 1, 0, 0], [1, 1, 1, 2, 1])
    assert got.tolist() == [True, False, True, True, False]
    # a 30 s threshold: 12 s is no longer enough, the key event and the two page views still are
    got = web.is_engaged(pd.Series([12.0, 31.0, 3.0, 0.0]), [0, 0, 1, 0], [1, 1, 1, 2], engaged_after_s=30)
    assert got.tolist() == [False, True, True, True]
    assert web.ENGAGED_AFTER_S == 10.0


@needs_sample
def test_sample_sessions_agree_with_events():
    from kpikit import io

    tables = io.read_folder(SAMPLE, tables=["events", "sessions"])
    mine = web.sessions_from_events(tables["events"])
    ref = tables["sessions"]
    assert len(mine) == len(ref)
    m = mine.merge(ref, on="session_id", suffixes=("", "_ref"))
    assert len(m) == len(ref)
    assert (m["engaged"].to_numpy(dtype=bool) == m["engaged_ref"].to_numpy(dtype=bool)).all()
    assert (m["landing_page"].astype(str) == m["landing_page_ref"].astype(str)).all()
    assert (m["pageviews"].to_numpy() == m["pageviews_ref"].to_numpy()).all()


def _store_log():
    """A store's own event log: view / cart / purchase, no GA4 names (times in seconds after 10:00)."""
    rows = [
        ("s1", 0, "view", "/p/1"),
        ("s1", 30, "cart", "/p/1"),
        ("s1", 60, "purchase", "/checkout"),
        ("s2", 0, "view", "/p/2"),
        ("s3", 0, "view", "/p/3"),
        ("s3", 15, "view", "/p/4"),
    ]
    e = pd.DataFrame(rows, columns=["user_id", "sec", "event", "page"])
    e["timestamp"] = T("10:00:00") + pd.to_timedelta(e.pop("sec"), unit="s")
    return e


def test_event_names_are_parameters():
    e = _store_log()
    s = web.sessions_from_events(e, page_view_event="view", key_events=["purchase"], lead_events=[])
    s = s.set_index("user_id")
    # s1: one view, a purchase (key event) -> engaged; s2: one view, 0 s -> bounce; s3: two views -> engaged
    assert s["pageviews"].tolist() == [1, 1, 2] and s["conversions"].tolist() == [1, 0, 0]
    assert s["landing_page"].astype(str).tolist() == ["/p/1", "/p/2", "/p/3"]
    assert s["engaged"].tolist() == [True, False, True]
    # UA: every event of the log is an interaction (none is in non_interaction_events)
    assert s["interactions"].tolist() == [3, 1, 2] and s["single_interaction"].tolist() == [False, True, False]
    assert s.attrs["page_view_event"] == ["view"]
    # with GA4's names the log has no page view: every landing page is "(not set)", and s1, s2 are bounces
    ga4 = web.sessions_from_events(e)
    assert (ga4["landing_page"] == "(not set)").all() and ga4["pageviews"].tolist() == [0, 0, 0]
    with pytest.raises(KpiDataError, match="page_view_event must name at least one event"):
        web.sessions_from_events(e, page_view_event=[])
    with pytest.raises(KpiDataError, match="key_events must be event names \\(text\\); got 3"):
        web.sessions_from_events(e, key_events=["purchase", 3])


def test_source_from_the_first_event_that_carries_one():
    e = EVENTS.assign(source=None, medium=None, channel=None, device="mobile")
    # A/1: session_start carries no source; the page_view at the same time carries google / organic
    e.loc[1, ["source", "medium", "channel"]] = ["google", "organic", "Organic Search"]
    # A/2: the second event carries one (the first is empty text, as CSV exports write it)
    e.loc[3, ["source", "medium", "channel"]] = ["", "", ""]
    e.loc[4, ["source", "medium", "channel"]] = ["newsletter", "email", "Email"]
    e.loc[[0, 9], "device"] = None  # device from the first event that has one
    s = web.sessions_from_events(e).set_index("session_id")
    assert s.loc["A-1", ["source", "medium", "channel", "device"]].tolist() == [
        "google",
        "organic",
        "Organic Search",
        "mobile",
    ]
    assert s.loc["A-2", ["source", "channel"]].tolist() == ["newsletter", "Email"]
    assert s.loc["D-7", "device"] == "mobile"
    assert s.loc[["B-1", "C-5", "E-9"], "source"].isna().all()  # nothing carried, nothing invented


def test_export_engaged_flag_wins_where_sessions_carry_it():
    e = EVENTS.copy()
    e["session_engaged"] = pd.array([None] * len(e), dtype="boolean")
    e.loc[2, "session_engaged"] = True  # A/1 (4 s, one view: not engaged by the rule) flagged engaged
    e.loc[[3, 4], "session_engaged"] = False  # A/2 (two views: engaged by the rule) flagged not engaged
    s = web.sessions_from_events(e).set_index("session_id")
    assert s["engaged"].tolist() == [True, False, False, True, False, True]
    assert s.attrs["engaged_from_export"] == 2 and s.attrs["engaged_disagree"] == 2
    rule = web.sessions_from_events(e, engaged_flag="rule")
    assert rule["engaged"].tolist() == [False, True, False, True, False, True]
    assert rule.attrs["engaged_from_export"] == 0
    # 1/0 integers work as the flag; text does not (read the export with its reader)
    ints = e.assign(session_engaged=e["session_engaged"].astype("Float64").astype("Int64"))
    assert web.sessions_from_events(ints)["engaged"].tolist() == s["engaged"].tolist()
    with pytest.raises(KpiDataError, match="column 'session_engaged' must hold True/False or 1/0"):
        web.sessions_from_events(e.assign(session_engaged="1"))
    with pytest.raises(KpiDataError, match="engaged_flag must be one of 'export', 'rule'"):
        web.sessions_from_events(e, engaged_flag="google")


def test_interaction_column_decides_ua_interactions():
    e = EVENTS.assign(interaction=pd.array([None] * len(EVENTS), dtype="boolean"))
    e.loc[12, "interaction"] = True  # E/9's scroll sent as an interaction event: no longer a UA bounce
    e.loc[8, "interaction"] = False  # C/5's lead sent as non-interaction: C/5 becomes a UA bounce
    s = web.sessions_from_events(e).set_index("session_id")
    assert s["interactions"].tolist() == [1, 2, 1, 1, 0, 2]
    assert s["single_interaction"].tolist() == [True, False, True, True, False, False]


def test_new_users_from_first_visit_session_number_or_flag():
    e = EVENTS.copy()
    e["ga_session_number"] = [3, 3, 3, 4, 4, 1, 1, 1, 1, 2, 2, None, None]
    s = web.sessions_from_events(e).set_index("session_id")
    # A returns (3, 4), B and C are new (1), D returns (2); E has no number and no first_visit: not new
    assert s["is_new_user"].tolist() == [False, False, True, True, False, False]
    assert s.attrs["new_user_rule"] == "ga_session_number"
    e.loc[11, "event"] = "first_visit"  # E/9 now holds first_visit (its page view becomes first_visit)
    s = web.sessions_from_events(e)
    assert s["is_new_user"].tolist() == [False, False, True, True, False, True]
    assert s.attrs["new_user_rule"] == "first_visit or ga_session_number"
    # an explicit flag (UA's totals.newVisits) wins for the sessions that carry it
    flagged = EVENTS.assign(new_user=[False] * 3 + [True] * 2 + [None] * 8)
    flagged["new_user"] = flagged["new_user"].astype("boolean")
    s = web.sessions_from_events(flagged)
    # the other sessions carry no flag, no number, no first_visit: not counted new (no guessing)
    assert s["is_new_user"].tolist() == [False, True, False, False, False, False]
    assert s.attrs["new_user_rule"] == "new_user flag"


def test_exact_duplicate_events_dropped_kept_or_refused():
    doubled = pd.concat([EVENTS, EVENTS.iloc[[1, 4]]], ignore_index=True)
    with pytest.warns(
        KpiWarning, match=r"events: dropped 2 exact duplicate events, identical in every column \(rows 14, 15\)"
    ):
        s = web.sessions_from_events(doubled)
    pd.testing.assert_frame_equal(s, web.sessions_from_events(EVENTS), check_like=False, check_exact=True, obj="s")
    assert s.attrs["duplicates_dropped"] == 2
    kept = web.sessions_from_events(doubled, duplicates="keep").set_index("session_id")
    assert kept.loc["A-1", "pageviews"] == 2 and bool(kept.loc["A-1", "engaged"])  # the doubled view engages A/1
    with pytest.raises(KpiDataError, match=r"2 exact duplicate events, identical in every column \(rows 14, 15\)"):
        web.sessions_from_events(doubled, duplicates="raise")
    # equal in user, time and name but not in every column: both are real
    near = pd.concat([EVENTS, EVENTS.iloc[[4]].assign(page="/other")], ignore_index=True)
    assert web.sessions_from_events(near).attrs["duplicates_dropped"] == 0
