"""Tests of kpikit.benchmark.trend: each period against the previous one and the same period a year before."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sst

from kpikit import benchmark as bm
from kpikit.errors import KpiDataError


def test_against_self_rates():
    s = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-01-01", "2024-12-01", "2025-01-01"]),
            "k": [50, 60, 80],
            "n": [1000, 1000, 1000],
        }
    )
    r = bm.against_self(s, successes="k", trials="n").set_index("comparison")
    assert list(r.index) == ["previous", "year_ago"] and (r["period"] == pd.Timestamp("2025-01-01")).all()
    # vs Dec 2024: 8% vs 6%: p = 140/2000 = 0.07, se = sqrt(0.07 x 0.93 x 0.002) = 0.011411, z = 1.7527
    assert r.loc["previous", "change"] == pytest.approx(0.02)
    assert r.loc["previous", "p_value"] == pytest.approx(2 * sst.norm.sf(0.02 / math.sqrt(0.07 * 0.93 * 0.002)))
    # vs Jan 2024: 8% vs 5%: p = 0.065, se = 0.011025, z = 2.7211
    assert r.loc["year_ago", "reference_period"] == pd.Timestamp("2024-01-01")
    assert r.loc["year_ago", "p_value"] == pytest.approx(2 * sst.norm.sf(0.03 / math.sqrt(0.065 * 0.935 * 0.002)))
    # BH over the two: q(year_ago) = 2 x p, q(previous) = p
    assert r.loc["year_ago", "q_value"] == pytest.approx(2 * r.loc["year_ago", "p_value"])
    assert r.loc["year_ago", "verdict"] == "improved" and r.loc["previous", "verdict"] == "no significant change"
    worse = bm.against_self(s, successes="k", trials="n", higher_is_better=False)
    assert worse["verdict"].tolist() == ["no significant change", "worsened"]


def test_against_self_counts_and_daily_rows():
    days = pd.date_range("2025-01-01", "2025-02-28", freq="D")
    jan, feb = days.month == 1, days.month == 2
    mentions = np.where(jan, 0, 0)
    mentions[np.flatnonzero(jan)[:10]] = 10  # January: 100 mentions
    mentions[np.flatnonzero(feb)[:13]] = 10  # February: 130 mentions
    s = pd.DataFrame({"date": days, "mentions": mentions})
    r = bm.against_self(s, date="date", count="mentions", periods=("previous",)).iloc[0]
    assert (r["value"], r["reference_value"], r["change"]) == (130, 100, 30)
    # exact conditional test: 130 of 230 under p = 1/2
    assert r["p_value"] == pytest.approx(sst.binomtest(130, 230, 0.5).pvalue)
    assert r["relative_change"] == pytest.approx(0.3)


def test_against_self_value_is_untested_and_bad_input():
    s = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "followers": [100.0, 90.0]})
    r = bm.against_self(s, value="followers", periods=("previous",)).iloc[0]
    assert r["verdict"] == "down" and math.isnan(r["p_value"])
    with pytest.raises(KpiDataError, match="exactly one of"):
        bm.against_self(s, value="followers", count="followers")
    with pytest.raises(KpiDataError, match="periods must name"):
        bm.against_self(s, value="followers", periods=("last_week",))  # type: ignore[arg-type]
    with pytest.raises(KpiDataError, match=r"column 'followers': 1 empty"):
        bm.against_self(s.assign(followers=[1.0, np.nan]), value="followers")


@pytest.mark.parametrize("end_alias, start_alias", [("QE", "QS"), ("Q", "QS")])
def test_against_self_accepts_quarter_end_aliases(end_alias, start_alias):
    # Q1 2025 = 40/500 + 40/500 = 80/1000 = 8%; Q4 2024 = 60/1000 = 6%; Q1 2024 = 50/1000 = 5%
    s = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-02-15", "2024-11-10", "2025-01-20", "2025-03-05"]),
            "k": [50, 60, 40, 40],
            "n": [1000, 1000, 500, 500],
        }
    )
    r = bm.against_self(s, successes="k", trials="n", freq=end_alias)
    pd.testing.assert_frame_equal(r, bm.against_self(s, successes="k", trials="n", freq=start_alias))
    r = r.set_index("comparison")
    # periods are labelled by their first day whatever the alias
    assert (r["period"] == pd.Timestamp("2025-01-01")).all()
    assert r.loc["previous", "reference_period"] == pd.Timestamp("2024-10-01")
    assert r.loc["year_ago", "reference_period"] == pd.Timestamp("2024-01-01")
    assert r.loc["previous", "change"] == pytest.approx(0.02) and r.loc["year_ago", "change"] == pytest.approx(0.03)
    # the same tests as for months: se = sqrt(0.07 x 0.93 x 0.002), sqrt(0.065 x 0.935 x 0.002)
    assert r.loc["previous", "p_value"] == pytest.approx(2 * sst.norm.sf(0.02 / math.sqrt(0.07 * 0.93 * 0.002)))
    assert r.loc["year_ago", "p_value"] == pytest.approx(2 * sst.norm.sf(0.03 / math.sqrt(0.065 * 0.935 * 0.002)))


@pytest.mark.parametrize("end_alias", ["ME", "M"])
def test_against_self_accepts_month_end_aliases(end_alias):
    # January: (10 + 20) / (100 + 100) = 15%; February: 15 / 300 = 5%
    s = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-03", "2025-01-28", "2025-02-14"]),
            "k": [10, 20, 15],
            "n": [100, 100, 300],
        }
    )
    r = bm.against_self(s, date="date", successes="k", trials="n", freq=end_alias, periods=("previous",))
    pd.testing.assert_frame_equal(
        r, bm.against_self(s, date="date", successes="k", trials="n", freq="MS", periods=("previous",))
    )
    row = r.iloc[0]
    assert (row["period"], row["reference_period"]) == (pd.Timestamp("2025-02-01"), pd.Timestamp("2025-01-01"))
    assert (row["value"], row["reference_value"]) == pytest.approx((0.05, 0.15))
    assert row["change"] == pytest.approx(-0.10) and row["relative_change"] == pytest.approx(-2 / 3)


def test_against_self_year_steps_per_grain():
    # weekly counts: the same week a year before is 52 weeks back (same weekday); years step by one
    s = pd.DataFrame({"date": pd.to_datetime(["2024-01-08", "2025-01-06", "2026-01-05"]), "mentions": [10, 20, 30]})
    w = bm.against_self(s, date="date", count="mentions", freq="W", periods=("year_ago",))
    assert w["reference_period"].tolist() == [pd.Timestamp("2024-01-08"), pd.Timestamp("2025-01-06")]
    assert w["change"].tolist() == [10, 10]
    y = bm.against_self(s, date="date", count="mentions", freq="YE", periods=("year_ago",))
    assert y["period"].tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01")]
    with pytest.raises(KpiDataError, match="freq must be a period alias"):
        bm.against_self(s, date="date", count="mentions", freq="fortnight")
