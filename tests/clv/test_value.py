"""Tests of kpikit.clv.value: historical and predictive CLV, new-customer value, CAC and payback, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kpikit.clv as clv
from kpikit.errors import KpiDataError
from tests.clv.common import BG, _tx


def test_historical_clv_by_hand():
    tx = _tx([("a", "2024-01-01", 10), ("a", "2024-07-01", 30), ("b", "2025-01-01", 20)])
    h = clv.historical_clv(tx, lifespan_years=3, margin=0.5)
    # aov = 60 / 3 = 20; years = 366 days / 365.25; frequency = 3 / 2 / years; clv = 20 x f x 3 x 0.5
    years = 366 / 365.25
    assert h["aov"] == pytest.approx(20.0)
    assert h["purchase_frequency"] == pytest.approx(1.5 / years)
    assert h["clv"] == pytest.approx(20 * 1.5 / years * 3 * 0.5)


def test_customer_lifetime_value_by_hand():
    m = clv.BetaGeo.from_params(**BG)
    gg = clv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    s = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "frequency": [3, 0],
            "recency": [20.0, 0.0],
            "T": [30.0, 30.0],
            "monetary_value": [40.0, 0.0],
        }
    )
    s.attrs["unit"] = "W"
    out = clv.customer_lifetime_value(m, gg, s, horizon=3, freq="M", discount_rate=0.02, margin=0.4)
    assert out.columns.tolist() == ["customer_id", "p_alive", "expected_purchases", "expected_spend", "clv"]
    week_per_month = 365.25 / 12 / 7
    cum = [m.predict_purchases(k * week_per_month, s).to_numpy() for k in (0, 1, 2, 3)]
    spend = gg.expected_spend(s).to_numpy()
    # sum_k (E[Y(k)] - E[Y(k-1)]) / 1.02^k x spend x margin
    want = sum((cum[k] - cum[k - 1]) / 1.02**k for k in (1, 2, 3)) * spend * 0.4
    np.testing.assert_allclose(out["clv"].to_numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(out["expected_purchases"].to_numpy(), cum[3], rtol=1e-12)
    # without discounting, CLV = margin x spend x expected purchases over the horizon
    flat = clv.customer_lifetime_value(m, gg, s, horizon=3, freq="M", discount_rate=0.0, margin=1.0)
    np.testing.assert_allclose(flat["clv"].to_numpy(), cum[3] * spend, rtol=1e-12)
    # new customer: first order + discounted repeat value; payback by interpolation
    curve = clv.new_customer_value(m, gg, first_order_value=30.0, horizon=3, freq="M", discount_rate=0.0, unit="W")
    assert curve["cumulative_value"].iloc[0] == pytest.approx(30.0)
    assert curve["cumulative_value"].iloc[3] == pytest.approx(
        30 + gg.mean_spend() * m.expected_purchases_new(3 * week_per_month)
    )
    v1, v2 = curve["cumulative_value"].iloc[1:3]
    cac = (v1 + v2) / 2
    assert clv.payback_period(curve, cac) == pytest.approx(1.5)
    assert math.isnan(clv.payback_period(curve, 1e6))
    assert clv.payback_period(curve, 10.0) == 0.0
    with pytest.raises(KpiDataError, match="unit"):
        no_unit = s.copy()
        no_unit.attrs = {}
        clv.customer_lifetime_value(m, gg, no_unit, horizon=3)


def test_new_customer_values_and_splits():
    m = clv.BetaGeo.from_params(**BG)
    gg = clv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    s = pd.DataFrame(
        {
            "frequency": [1, 0, 2],
            "recency": [5.0, 0.0, 9.0],
            "T": [10.0, 10.0, 10.0],
            "monetary_value": [20.0, 0.0, 30.0],
            "first_value": [10.0, 30.0, 20.0],
            "channel": ["A", "A", "B"],
        }
    )
    s.attrs["unit"] = "W"
    out = clv.new_customer_values(m, gg, s, by="channel", cac=pd.Series({"A": 25.0}), horizon=6, margin=0.5)
    base = clv.new_customer_value(m, gg, 0.0, horizon=6, margin=0.5, unit="W")
    repeat = float(base["cumulative_value"].iloc[-1])
    # A: mean first order (10 + 30) / 2 = 20 -> ltv = 0.5 x 20 + repeat; B: 0.5 x 20 + repeat
    assert out["segment"].tolist() == ["A", "B"] and out["customers"].tolist() == [2, 1]
    np.testing.assert_allclose(out["ltv"], [10 + repeat, 10 + repeat])
    curve_a = base.assign(cumulative_value=base["cumulative_value"] + 10.0)
    assert out["payback_months"].iloc[0] == pytest.approx(clv.payback_period(curve_a, 25.0), nan_ok=True)
    assert math.isnan(out["payback_months"].iloc[1])
    # a curve from 10 to 20 crosses 15 halfway through period 1
    toy = pd.DataFrame({"period": [0, 1, 2], "cumulative_value": [10.0, 20.0, 25.0]})
    # a translatable title; money in the report's currency (an ISO code, written by Babel)
    assert clv.payback_title(toy, 15.0, "GBP") == "A new customer pays back the £15.00 CAC after 0.5 months"
    assert clv.payback_title(toy, 15.0, "GBP").text("vi") == "Một khách hàng mới hoàn vốn CAC 15,00\xa0£ sau 0,5 tháng"
    assert clv.payback_title(toy, 30.0) == "A new customer brings 25.00 of margin in 2 months: short of the 30.00 CAC"
    tx = _tx([("a", "2024-01-05 10:00", 1), ("b", "2024-09-30 18:00", 1)])
    cal, obs = clv.holdout_split(tx, holdout_months=3)
    assert (cal, obs) == (pd.Timestamp("2024-06-30"), pd.Timestamp("2024-09-30"))
    with pytest.raises(KpiDataError, match="must fall inside the data"):
        clv.holdout_split(tx, calibration_end="2025-01-01")
    seg = clv.rfm_segments(
        pd.DataFrame({"frequency": [0, 0, 3, 3], "recency": [0.0, 0.0, 9.0, 2.0], "T": [10.0, 4.0, 10.0, 10.0]})
    )
    # one-time: since last 10 and 4 (median 7); repeat: since last 1 and 8 (median 4.5)
    assert seg.tolist() == ["one-time, lapsed", "one-time, recent", "repeat, recent", "repeat, lapsed"]


def test_month_length_is_a_parameter_and_30_days_values_about_1_5_percent_less(cdnow_published):
    # kpikit's month is the mean calendar month, 365.25 / 12 = 30.4375 days (kpikit.stats.periods); lifetimes
    # counts 30 days. With month_days=30 each month is 30 / 7 weeks: the CLV is the formula with that step.
    from kpikit.stats.periods import GRAINS

    assert clv.MONTH_DAYS == GRAINS["M"].days == 30.4375 == clv.DAYS_PER["M"]
    m = clv.BetaGeo().fit(cdnow_published)
    gg = clv.GammaGamma().fit(cdnow_published)
    calendar = clv.customer_lifetime_value(m, gg, cdnow_published, horizon=12, discount_rate=0.01)
    thirty = clv.customer_lifetime_value(m, gg, cdnow_published, horizon=12, discount_rate=0.01, month_days=30)
    assert calendar.attrs["month_days"] == 30.4375 and thirty.attrs["month_days"] == 30.0
    cum = [m.predict_purchases(k * 30 / 7, cdnow_published).to_numpy() for k in range(13)]
    want = sum((cum[k] - cum[k - 1]) / 1.01**k for k in range(1, 13)) * gg.expected_spend(cdnow_published).to_numpy()
    np.testing.assert_allclose(thirty["clv"].to_numpy(), want, rtol=1e-12)
    # 360 against 365.25 days of purchases: at most 30.4375 / 30 - 1 = 1.46% more value (a steady buyer);
    # 1.2% on CDNOW, where expected purchases slow down over the year
    ratio = calendar["clv"].mean() / thirty["clv"].mean()
    assert 1.010 < ratio < 30.4375 / 30 and round(ratio - 1, 3) == 0.012
    # quarters and years are 3 and 12 months of the same length
    q30 = clv.customer_lifetime_value(m, gg, cdnow_published, horizon=4, freq="Q", discount_rate=0.0, month_days=30)
    np.testing.assert_allclose(q30["expected_purchases"], cum[12], rtol=1e-12)
    curve = clv.new_customer_value(m, gg, 10.0, horizon=12, discount_rate=0.0, unit="W", month_days=30)
    assert curve["expected_purchases"].iloc[-1] == pytest.approx(m.expected_purchases_new(360 / 7))
    with pytest.raises(KpiDataError, match="month_days"):
        clv.customer_lifetime_value(m, gg, cdnow_published, month_days=7)
