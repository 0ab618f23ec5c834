"""kpikit.funnel.report and report_lazy on lazy events and attempts: the same periods, notes and times as pandas."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit as kk
from kpikit.engine.tables import from_pandas
from kpikit.errors import KpiDataError
from kpikit.funnel.journey import _social_buyers
from kpikit.funnel.report_lazy import has_rows, time_span, took_facts
from tests.paths import SAMPLE

STEPS = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]


@pytest.fixture(scope="module")
def events():
    return kk.io.read_folder(SAMPLE, tables=["events"])["events"]


def test_time_span_and_has_rows_by_hand_on_both_paths():
    ev = pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-02 10:00", "2025-03-04 23:00", None])})
    for table in (ev, from_pandas(ev)):
        assert time_span(table, "timestamp") == (pd.Timestamp("2025-01-02 10:00"), pd.Timestamp("2025-03-04 23:00"))
        assert has_rows(table, "timestamp", "2025-03-04", "2025-03-05")
        assert not has_rows(table, "timestamp", "2025-03-05", None)  # end is exclusive, start inclusive
        assert not has_rows(table, "timestamp", None, "2025-01-02 10:00")
    empty = from_pandas(ev.iloc[2:])
    assert time_span(empty, "timestamp") is None


def test_took_facts_by_hand_lazy_as_pandas():
    at = pd.DataFrame(
        {
            "step_1_at": pd.to_datetime(
                ["2025-01-01 10:00", "2025-01-01 10:00", "2025-01-01 10:00", "2025-01-01 00:00"]
            ),
            "step_2_at": pd.to_datetime(["2025-01-01 10:05", "2025-01-01 11:00", "2025-01-03 10:00", None]),
        }
    )
    bands = [pd.Timedelta("10min"), pd.Timedelta("1h"), pd.Timedelta("1D")]
    for table in (at, from_pandas(at, order=False)):
        f = took_facts(table, "step_1_at", "step_2_at", pd.Timedelta("7D"), bands)
        # 5 minutes, 1 hour (at most 1 h counts), 2 days; the attempt without step 2 is not counted
        assert f["n"] == 3 and f["within"].tolist() == [1, 2, 2, 3]
        assert f["median"] == pd.Timedelta("1h") and f["limit"] == pd.Timedelta("7D")
        open_ended = took_facts(table, "step_1_at", "step_2_at", None, bands)
        assert open_ended["limit"] == pd.Timedelta("2D") and open_ended["within"].tolist() == [1, 2, 2, 3]


def test_analysis_periods_and_time_to_convert_of_lazy_events_equal_the_pandas_ones(events):
    lazy = from_pandas(events)
    periods = kk.funnel.analysis_periods(lazy)
    assert periods == kk.funnel.analysis_periods(events)
    assert (periods.start, periods.end) == (pd.Timestamp("2025-03-01"), pd.Timestamp("2025-07-01"))
    options = {"start": periods.start, "end": periods.end, "window": "7D"}
    eager_attempts = kk.funnel.funnel_attempts(events, STEPS, **options)
    lazy_attempts = kk.funnel.funnel_attempts(lazy, STEPS, **options)
    assert kk.io.lazy.is_lazy(lazy_attempts)  # one row per user: stays in the backend
    expected = kk.funnel.time_to_convert(eager_attempts, "7D")
    got = kk.funnel.time_to_convert(lazy_attempts, "7D")
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs and got.attrs["converted"] == int(eager_attempts["step_5_at"].notna().sum())


def test_a_lazy_period_without_events_gets_the_pandas_paths_note(events):
    late = events[events["timestamp"] >= "2025-01-01"]
    periods = kk.funnel.analysis_periods(late, months=4, start="2025-01-01", end="2025-05-01")
    with pytest.raises(KpiDataError) as eager:
        kk.funnel.period_change(late, STEPS, periods)
    with pytest.raises(KpiDataError) as lazy:
        kk.funnel.period_change(from_pandas(late), STEPS, periods)
    assert str(lazy.value) == str(eager.value)
    assert "The events begin on 2025-01-01" in str(lazy.value)
    with pytest.raises(KpiDataError, match="No events between 2026-01-01 and 2026-02-01"):
        kk.funnel.analysis_periods(from_pandas(late), start="2026-01-01", end="2026-02-01")


def test_social_buyers_of_lazy_events_equal_the_pandas_count(events):
    social = ("Organic Social", "Paid Social")
    expected = _social_buyers(events, "2025-03-01", "2025-07-01", social)
    assert expected > 0
    assert _social_buyers(from_pandas(events), "2025-03-01", "2025-07-01", social) == expected
