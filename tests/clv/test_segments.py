"""Tests of kpikit.clv.segments (CLV by segment) with the LTV:CAC table that reads it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kpikit.clv as clv
from kpikit.errors import KpiDataError


def test_ltv_cac_and_segments():
    frame = pd.DataFrame({"channel": ["A"] * 3 + ["B"] * 2, "clv": [10.0, 20.0, 30.0, 5.0, 7.0]})
    seg = clv.clv_by_segment(frame, "channel")
    # A: mean 20, sd 10, n 3 -> log-scale interval 20 x exp(-/+ t_{0.975, 2} x (10 / sqrt(3)) / 20)
    a = seg.set_index("channel").loc["A"]
    assert a["clv"] == 20.0 and a["customers"] == 3 and a["total"] == 60.0
    spread = math.exp(stats.t.ppf(0.975, 2) * 10 / math.sqrt(3) / 20)
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((20 / spread, 20 * spread))
    # the symmetric t interval would go below 0 (20 - 24.8); this one cannot
    assert 20 - stats.t.ppf(0.975, 2) * 10 / math.sqrt(3) < 0 < a["ci_low"]
    assert bool(a["small_sample"]) and pd.isna(a["rank"])  # 3 customers < 30: flagged, not ranked
    r = clv.ltv_cac(
        pd.Series({"A": 90.0, "B": 40.0}), pd.Series({"A": 30.0, "B": 20.0}), payback=pd.Series({"A": 6.0, "B": 14.0})
    )
    # A: 90 / 30 = 3 with payback 6 months -> meets 3:1 and < 12 months; B: 40 / 20 = 2
    assert r["ltv_cac"].tolist() == [3.0, 2.0]
    assert r["meets_rule"].tolist() == [True, False]
    # segments without a CAC (organic) are left out; none in common is an error
    assert clv.ltv_cac(pd.Series({"A": 90.0, "B": 40.0}), pd.Series({"A": 30.0}))["segment"].tolist() == ["A"]
    with pytest.raises(KpiDataError, match="no segment has both an LTV and a CAC"):
        clv.ltv_cac(pd.Series({"A": 90.0}), pd.Series({"C": 30.0}))
    with pytest.raises(KpiDataError, match="no positive CAC for segment"):
        clv.ltv_cac(pd.Series({"A": 90.0}), pd.Series({"A": 0.0}))


def test_mean_clv_interval_stays_positive_and_matches_t_on_large_samples():
    # skewed values (most near 0): the t interval crosses 0, the log-scale one stays positive
    s = clv.mean_clv([0.0, 0.0, 1.0, 2.0, 30.0])
    half = stats.t.ppf(0.975, 4) * np.std([0.0, 0.0, 1.0, 2.0, 30.0], ddof=1) / math.sqrt(5)
    assert s.value == pytest.approx(6.6) and 6.6 - half < 0 < s.low < 6.6 < s.high
    assert s.low * s.high == pytest.approx(6.6**2)  # symmetric on the log scale
    # thousands of customers: within 0.1% of the t interval
    x = np.random.default_rng(0).gamma(0.8, 20.0, 4000)
    t = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    big = clv.mean_clv(pd.DataFrame({"clv": x}))
    assert big.low == pytest.approx(x.mean() - t, rel=1e-3) and big.high == pytest.approx(x.mean() + t, rel=1e-3)
    assert clv.mean_clv([0.0, 0.0, 0.0]).low == 0.0 == clv.mean_clv([0.0, 0.0, 0.0]).high
    with pytest.raises(KpiDataError, match="negative value"):
        clv.mean_clv([1.0, -2.0])
    with pytest.raises(KpiDataError, match="at least 2 customers"):
        clv.mean_clv([1.0])


def test_segment_ranks_and_flags_follow_min_customers():
    frame = pd.DataFrame({"channel": ["A"] * 5 + ["B"] * 4 + ["C"] * 2, "clv": [5.0] * 5 + [9.0] * 4 + [20.0] * 2})
    seg = clv.clv_by_segment(frame, "channel", min_customers=4).set_index("channel")
    assert seg["small_sample"].to_dict() == {"A": False, "B": False, "C": True}
    assert seg["rank"].tolist()[:2] == [2, 1] and pd.isna(seg.loc["C", "rank"])  # C has the highest mean, unranked
    assert clv.clv_by_segment(frame, "channel", min_customers=1)["rank"].tolist() == [3, 2, 1]
    with pytest.raises(KpiDataError, match="min_customers"):
        clv.clv_by_segment(frame, "channel", min_customers=0)
    new = pd.DataFrame(
        {"segment": ["A", "B"], "customers": [50, 12], "ltv": [90.0, 60.0], "payback_months": [5.0, 8.0]}
    )
    r = clv.ltv_cac(new, pd.Series({"A": 30.0, "B": 10.0}))
    assert r.columns.tolist() == [
        "segment",
        "customers",
        "ltv",
        "cac",
        "ltv_cac",
        "payback_months",
        "meets_rule",
        "small_sample",
    ]
    assert r["small_sample"].tolist() == [False, True] and r["customers"].tolist() == [50, 12]
