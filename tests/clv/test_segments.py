"""Tests of kpikit.clv.segments (CLV by segment) with the LTV:CAC table that reads it."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

import kpikit.clv as clv
from kpikit.errors import KpiDataError


def test_ltv_cac_and_segments():
    frame = pd.DataFrame({"channel": ["A"] * 3 + ["B"] * 2, "clv": [10.0, 20.0, 30.0, 5.0, 7.0]})
    seg = clv.clv_by_segment(frame, "channel")
    # A: mean 20, sd 10, n 3 -> half width t_{0.975, 2} x 10 / sqrt(3)
    a = seg.set_index("channel").loc["A"]
    assert a["clv"] == 20.0 and a["customers"] == 3 and a["total"] == 60.0
    assert a["ci_high"] - 20.0 == pytest.approx(stats.t.ppf(0.975, 2) * 10 / math.sqrt(3))
    assert bool(a["small_sample"])
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
