"""Tests of kpikit.web.lazy_rates: every table of notebook 01 computed from lazy sessions (DuckDB) equals the
one computed from pandas sessions: bounce rates by every breakdown under both definitions, the headline,
the period split and change, the weekly and monthly trend, the fix list, the entry pages, the device gap
and the lead rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import web
from kpikit.errors import KpiDataError
from kpikit.io.lazy import is_lazy
from tests.engine.compare import assert_same
from tests.paths import SAMPLE
from tests.web.cases import EVENTS

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")


@pytest.fixture(scope="module")
def sample():
    from kpikit import io

    tables = io.read_folder(SAMPLE, tables=["events", "sessions"])
    events = tables["events"]
    return {
        "events": events,
        "pandas": web.sessions_from_events(events),
        "lazy": web.sessions_from_events(SAMPLE / "events.csv.gz", persist=True),
        "reference": tables["sessions"],
    }


def test_bounce_rate_of_the_hand_worked_sessions():
    lazy = web.sessions_from_events(EVENTS, engine="duckdb")
    ga4 = web.bounce_rate(lazy).iloc[0]
    # the values of tests/web/test_bounce.py: 3 of 6 sessions not engaged; mean 9 s, median 7 s
    assert (ga4["sessions"], ga4["bounces"], ga4["engagement_time_median_s"]) == (6, 3, 7.0)
    ua = web.bounce_rate(lazy, definition="ua")
    # D/7 has no interaction hit: no UA session, counted aside
    assert (ua["sessions"].iloc[0], ua["bounces"].iloc[0]) == (5, 3) and ua.attrs["no_interaction_sessions"] == 1
    assert_same(
        web.bounce_rate(web.sessions_from_events(EVENTS), by="landing_page"), web.bounce_rate(lazy, by="landing_page")
    )


def test_segments_with_missing_values_and_flags_as_integers():
    import ibis

    s = pd.DataFrame(
        {
            "landing_page": ["/", "/", "/blog", None, None],
            "device": ["mobile", None, "desktop", "mobile", "mobile"],
            "engaged": [1, 0, 0, 1, 0],
            "pageviews": [2, 1, np.nan, 1, 1],
            "engagement_time_s": [12.0, np.nan, 3.0, 40.0, 1.0],
        }
    )
    for by in (None, "landing_page", ["landing_page", "device"]):
        assert_same(web.bounce_rate(s, by=by), web.bounce_rate(ibis.memtable(s), by=by))


def test_lazy_input_errors_name_the_column():
    import ibis

    with pytest.raises(KpiDataError, match="column 'single_interaction' is missing, needed for definition='ua'"):
        web.bounce_rate(ibis.memtable(pd.DataFrame({"engaged": [True]})), definition="ua")
    with pytest.raises(KpiDataError, match=r"missing column\(s\) 'channel'"):
        web.bounce_rate(ibis.memtable(pd.DataFrame({"engaged": [True]})), by="channel")
    with pytest.raises(KpiDataError, match="column 'engaged': 1 sessions have no value"):
        web.bounce_rate(ibis.memtable(pd.DataFrame({"engaged": pd.array([True, None], dtype="boolean")})))
    with pytest.raises(KpiDataError, match="column 'engaged' must hold True/False"):
        web.bounce_rate(ibis.memtable(pd.DataFrame({"engaged": ["yes"]})))


def test_aggregated_rows_in_a_lazy_table_are_read_as_counts():
    import ibis

    rows = pd.DataFrame({"landing_page": ["/a", "/b"], "sessions": [100, 50], "bounces": [40, 45]})
    assert_same(web.bounce_rate(rows, by="landing_page"), web.bounce_rate(ibis.memtable(rows), by="landing_page"))


@needs_sample
@pytest.mark.parametrize("definition", ["ga4", "ua"])
@pytest.mark.parametrize(
    "by", [None, "landing_page", "channel", "device", "country", "is_new_user", ["landing_page", "device"]]
)
def test_sample_bounce_tables_equal(sample, by, definition):
    expected = web.bounce_rate(sample["pandas"], by=by, definition=definition)
    got = web.bounce_rate(sample["lazy"], by=by, definition=definition)
    assert_same(expected, got)
    assert got.attrs == expected.attrs


@needs_sample
def test_sample_notebook_01_tables_equal(sample):
    p, lz = sample["pandas"], sample["lazy"]
    cur_p, prev_p, bounds_p = web.split_periods(p, None, None, default_days=182)
    cur_l, prev_l, bounds_l = web.split_periods(lz, None, None, default_days=182)
    assert is_lazy(cur_l) and bounds_l == bounds_p
    hp, hl = web.headline(cur_p), web.headline(cur_l)
    assert hp.keys() == hl.keys()
    for k, v in hp.items():  # counts and rates exactly; mean times to 1e-12 (the backend sums in its own order)
        assert hl[k] == (pytest.approx(v, rel=1e-12) if isinstance(v, float) else v), k
    assert_same(web.period_change(cur_p, prev_p), web.period_change(cur_l, prev_l))
    for freq in ("W", "MS", "D"):
        assert_same(web.trend(cur_p, freq=freq), web.trend(cur_l, freq=freq))
    kw = {"by": ["landing_page", "device"], "page_goals": {"/docs/*": "action"}, "min_sessions": 30}
    assert_same(web.diagnose(cur_p, **kw), web.diagnose(cur_l, **kw))
    assert_same(
        web.diagnose(cur_p, benchmark=0.45, by="landing_page"), web.diagnose(cur_l, benchmark=0.45, by="landing_page")
    )
    assert_same(web.top_entry_pages(cur_p, n=5), web.top_entry_pages(cur_l, n=5))
    assert_same(web.device_gap(cur_p), web.device_gap(cur_l))
    for by in ("landing_page", ["channel", "device"], []):
        assert_same(web.traffic_to_lead(cur_p, by=by), web.traffic_to_lead(cur_l, by=by))
    start, end = bounds_p["start"], bounds_p["end"]
    ev_lazy = SAMPLE / "events.csv.gz"
    assert_same(
        web.view_to_contact(sample["events"], start=start, end=end), web.view_to_contact(ev_lazy, start=start, end=end)
    )
    assert_same(web.view_to_contact(sample["events"]), web.view_to_contact(ev_lazy))


@needs_sample
def test_previous_period_without_sessions(sample):
    cur_p, prev_p, _ = web.split_periods(sample["pandas"], "2024-01-01", "2024-03-31")
    cur_l, prev_l, _ = web.split_periods(sample["lazy"], "2024-01-01", "2024-03-31")
    assert len(prev_p) == 0
    assert_same(web.period_change(cur_p, prev_p), web.period_change(cur_l, prev_l))
    with pytest.raises(KpiDataError, match="No sessions between 2030-01-01 and 2030-01-31"):
        web.split_periods(sample["lazy"], "2030-01-01", "2030-01-31")


@needs_sample
def test_canonical_sessions_file_read_lazily(sample):
    expected = web.bounce_rate(sample["reference"], by="channel")
    assert_same(expected, web.bounce_rate(SAMPLE / "sessions.csv.gz", by="channel"))


@needs_sample
def test_sample_data_checks_equal(sample):
    expected = web.data_checks(sample["events"], sample["pandas"], reference=sample["reference"])
    got = web.data_checks(web_events_lazy(), sample["lazy"], reference=sample["reference"])
    pd.testing.assert_frame_equal(expected, got)
    lazy_ref = web.data_checks(web_events_lazy(), sample["lazy"], reference=SAMPLE / "sessions.csv.gz")
    pd.testing.assert_frame_equal(expected, lazy_ref)


def web_events_lazy():
    from kpikit.io.lazy import scan

    return scan(SAMPLE / "events.csv.gz")


def test_data_checks_of_duplicates_kept_are_counted():
    import pandas as pd

    doubled = pd.concat([EVENTS, EVENTS.iloc[[1, 4]]], ignore_index=True)
    kept = web.sessions_from_events(doubled, duplicates="keep")
    lazy = web.sessions_from_events(doubled, duplicates="keep", engine="duckdb")
    from kpikit.engine.tables import from_pandas

    pd.testing.assert_frame_equal(web.data_checks(doubled, kept), web.data_checks(from_pandas(doubled), lazy))
