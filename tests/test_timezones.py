"""A tz-aware pandas column passed to a kpikit function is converted to UTC, never refused (issue 13).

Each case passes the sample's own times as the same instants written in Ho Chi Minh City time (+07:00):
the result must equal the one on naive UTC times. Converting without shifting (dropping the zone) would
move 17:00-24:00 UTC to the next day and change the daily and monthly figures.
"""

import pandas as pd
import pytest

import kpikit as kk
from tests.paths import SAMPLE


def _local(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The same instants, written in Asia/Ho_Chi_Minh time."""
    return frame.assign(**{c: frame[c].dt.tz_localize("UTC").dt.tz_convert("Asia/Ho_Chi_Minh") for c in columns})


@pytest.fixture(scope="module")
def tables():
    return {t: kk.read_table(SAMPLE / f"{t}.csv", t) for t in ("leads", "tickets", "social")}


def test_stage_funnel(tables):
    leads = tables["leads"]
    stages = [c for c in leads.columns if c.endswith("_at")]
    got = kk.funnel.stage_funnel(_local(leads, *stages))
    pd.testing.assert_frame_equal(got, kk.funnel.stage_funnel(leads))


def test_support_times_and_first_contact_resolution(tables):
    tickets = tables["tickets"]
    times = [c for c in tickets.columns if c.endswith("_at")]
    local = _local(tickets, *times)
    assert kk.satisfaction.fcr(local) == kk.satisfaction.fcr(tickets)
    pd.testing.assert_frame_equal(
        kk.satisfaction.first_response_time(local), kk.satisfaction.first_response_time(tickets)
    )


def test_social_periods_and_selection(tables):
    social = tables["social"]
    local = _local(social, "date")
    start, end = social["date"].min() + pd.Timedelta(days=3), social["date"].max() - pd.Timedelta(days=3)
    pd.testing.assert_frame_equal(
        kk.social.select(local, start=start, end=end), kk.social.select(social, start=start, end=end)
    )
    pd.testing.assert_frame_equal(
        kk.social.engagement_rate(local, per="reach", freq="MS"),
        kk.social.engagement_rate(social, per="reach", freq="MS"),
    )


def test_against_self_on_a_daily_series():
    # one value a day, 60 days: the monthly totals move if the days shift by seven hours
    days = pd.date_range("2025-01-01 20:00", periods=60, freq="D")
    series = pd.DataFrame({"date": days, "value": range(60)})
    local = _local(series, "date")
    got = kk.benchmark.against_self(local, date="date", count="value", freq="MS")
    pd.testing.assert_frame_equal(got, kk.benchmark.against_self(series, date="date", count="value", freq="MS"))
