"""Tests of kpikit.acquisition with hand-computed figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpikit import acquisition as Q
from kpikit.errors import KpiDataError

SPEND = pd.DataFrame(
    {
        "period": pd.to_datetime(
            ["2024-12-01", "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01"]
        ),
        "channel": ["Paid Search", "Paid Search", "Paid Social", "Outbound Sales", "Team", "Paid Search", "Tooling"],
        "category": ["digital", "digital", "digital", "outbound", "labour", "digital", "tools"],
        "cost": [999.0, 2000.0, 1000.0, 1500.0, 3000.0, 2500.0, 500.0],
    }
)


def test_period_spend():
    # January + February (end exclusive 2025-03-01): December excluded
    assert Q.period_spend(SPEND, "2025-01-01", "2025-03-01", by=None) == 10500.0
    cat = Q.period_spend(SPEND, "2025-01-01", "2025-03-01").set_index("category")["cost"].to_dict()
    assert cat == {"digital": 5500.0, "labour": 3000.0, "outbound": 1500.0, "tools": 500.0}
    assert Q.period_spend(SPEND, "2025-01-01", "2025-02-01", by=None, categories=["digital"]) == 3000.0


def test_cac_blended_paid_and_split():
    c = Q.cac(SPEND, new_customers=50, start="2025-01-01", end="2025-03-01", paid_customers=20).set_index("variant")
    # blended: 10500 / 50 = 210; paid: digital 5500 / 20 = 275; digital 5500/50 = 110; outbound 1500/50 = 30
    assert c.loc["blended", "cac"] == pytest.approx(210.0)
    assert c.loc["paid", "cac"] == pytest.approx(275.0)
    assert c.loc["digital", "cac"] == pytest.approx(110.0)
    assert c.loc["outbound", "cac"] == pytest.approx(30.0)
    media = Q.cac(SPEND, 50, "2025-01-01", "2025-03-01", blended_categories=("digital", "outbound"))
    assert media.set_index("variant").loc["blended", "cac"] == pytest.approx(7000 / 50)
    none = Q.cac(SPEND, 0, "2025-01-01", "2025-03-01")
    assert math.isnan(none["cac"].iloc[0])
    with pytest.raises(KpiDataError, match="start < end"):
        Q.cac(SPEND, 10, "2025-03-01", "2025-01-01")
    with pytest.raises(KpiDataError, match="whole number"):
        Q.cac(SPEND, 10.5, "2025-01-01", "2025-03-01")


def test_new_customers():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "d"],
            "timestamp": pd.to_datetime(
                ["2024-12-20", "2025-01-05", "2025-01-10", "2025-01-15", "2025-02-02", "2025-03-01"]
            ),
            "channel": ["Email", "Email", "Paid Search", "Paid Search", "Paid Search", "Direct"],
        }
    )
    # a is existing (first seen December); b and c are new in January; d is outside [Jan, Mar)
    assert Q.new_customers(tx, "2025-01-01", "2025-03-01") == 2
    by = Q.new_customers(tx, "2025-01-01", "2025-04-01", by="channel")
    assert by.set_index("channel")["new_customers"].to_dict() == {"Direct": 1, "Paid Search": 2}


def test_ratios():
    assert Q.cpa(500.0, 20) == 25.0
    assert math.isnan(Q.cpa(500.0, 0))
    r = Q.ctr(30, 1000)
    assert r.value == pytest.approx(0.03) and r.low < 0.03 < r.high
    assert Q.roas(2000.0, 500.0) == 4.0
    assert Q.marketing_roi(2000.0, 500.0) == pytest.approx(3.0)
    assert Q.marketing_roi(2000.0, 500.0, gross_margin=0.4) == pytest.approx((800 - 500) / 500)
    assert Q.cac_payback_months(300.0, 50.0, gross_margin=0.6) == pytest.approx(10.0)
    assert Q.cac_payback_months(300.0, 0.0) == math.inf
    # (10000 - 2000 - 3000) / 100 = 50
    assert Q.net_value_per_transaction(10000.0, 2000.0, 3000.0, 100) == pytest.approx(50.0)
    with pytest.raises(KpiDataError, match="cost must be a non-negative amount"):
        Q.roas(100.0, -5.0)
    with pytest.raises(KpiDataError, match="at least one transaction"):
        Q.net_value_per_transaction(1.0, 0.0, 0.0, 0)
    with pytest.raises(KpiDataError, match="gross_margin"):
        Q.marketing_roi(1.0, 1.0, gross_margin=40)


def test_channel_economics_and_findings():
    attributed = pd.DataFrame(
        {
            "channel": ["Paid Search", "Paid Social", "Email"],
            "conversions": [40.0, 10.0, 25.0],
            "revenue": [18000.0, 1200.0, 5000.0],
        }
    )
    e = Q.channel_economics(SPEND, attributed, "2025-01-01", "2025-03-01").set_index("channel")
    # Paid Search cost 4500: CPA 4500/40 = 112.5; ROAS 18000/4500 = 4; ROI 3
    assert e.loc["Paid Search", "cost"] == 4500.0
    assert e.loc["Paid Search", "cpa"] == pytest.approx(112.5)
    assert e.loc["Paid Search", "roas"] == pytest.approx(4.0)
    assert e.loc["Paid Search", "roi"] == pytest.approx(3.0)
    # Paid Social: 1000 cost, 1200 revenue -> ROAS 1.2, ROI 0.2; Outbound Sales: no credited revenue
    assert e.loc["Paid Social", "roi"] == pytest.approx(0.2)
    assert e.loc["Outbound Sales", "roi"] == pytest.approx(-1.0)
    assert math.isnan(e.loc["Email", "roas"])  # no spend
    assert "Team" not in e.index  # labour is overhead, not channel cost
    cac_t = Q.cac(SPEND, 50, "2025-01-01", "2025-03-01", paid_customers=20)
    text = Q.findings(cac_t, e.reset_index(), payback_months=Q.cac_payback_months(210.0, 35.0, 0.5))
    assert text[0] == "Blended CAC is 210 (10,500 of spend over 50 new customers)."
    assert text[1] == "Of that, per new customer: digital 110, outbound 30."
    assert text[2] == "Paid CAC (paid media over paid-attributed customers) is 275."
    assert text[3] == "CAC is paid back in 12.0 months, within the 12-month rule of thumb."
    assert text[4] == "Best return on spend: Paid Search (ROAS 4.0); weakest: Outbound Sales (ROAS 0.0)."
    assert text[5].endswith("Outbound Sales.")


def test_bad_spend():
    bad = SPEND.copy()
    bad.loc[3, "cost"] = -10.0
    with pytest.raises(KpiDataError, match="1 negative costs \\(row 4\\)"):
        Q.period_spend(bad, "2025-01-01", "2025-03-01")
    with pytest.raises(KpiDataError, match="missing column"):
        Q.period_spend(SPEND.drop(columns="category"), "2025-01-01", "2025-03-01")


def test_revenue_per_customer_month_and_channel_filter():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "c"],
            "amount": [30.0, 60.0, 30.0, 999.0],
            "channel": ["Paid Search", "Email", "Paid Search", "Paid Social"],
            "timestamp": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-02-10", "2025-03-05"]),
        }
    )
    # Jan + Feb 2025: 120 of revenue, 2 customers, 59 days = 59 / 30.4375 months
    assert Q.revenue_per_customer_month(tx, "2025-01-01", "2025-03-01") == pytest.approx(120 / 2 / (59 / 30.4375))
    assert Q.new_customers(tx, "2025-01-01", "2025-04-01", channels=["Paid Search", "Paid Social"]) == 2
    with pytest.raises(KpiDataError, match="no purchases"):
        Q.revenue_per_customer_month(tx, "2026-01-01", "2026-02-01")


def test_channel_economics_gross_margin_and_checks():
    attributed = pd.DataFrame({"channel": ["Paid Search"], "conversions": [40.0], "revenue": [18000.0]})
    e = Q.channel_economics(SPEND, attributed, "2025-01-01", "2025-03-01", gross_margin=0.5).set_index("channel")
    # Paid Search: (18000 x 0.5 - 4500) / 4500 = 1.0; the same as the scalar function
    assert e.loc["Paid Search", "roi"] == pytest.approx(1.0)
    assert e.loc["Paid Search", "roi"] == Q.marketing_roi(18000.0, 4500.0, gross_margin=0.5)
    assert e.loc["Paid Search", "roas"] == Q.roas(18000.0, 4500.0)
    assert e.loc["Paid Search", "cpa"] == Q.cpa(4500.0, 40.0)
    # Paid Social has spend but no credited conversions: no CPA, ROI -1
    assert math.isnan(e.loc["Paid Social", "cpa"]) and e.loc["Paid Social", "roi"] == pytest.approx(-1.0)
    with pytest.raises(KpiDataError, match="gross_margin is a fraction between 0 and 1"):
        Q.channel_economics(SPEND, attributed, "2025-01-01", "2025-03-01", gross_margin=60)
    with pytest.raises(KpiDataError, match="attributed: missing column\\(s\\) 'conversions'"):
        Q.channel_economics(SPEND, attributed.drop(columns="conversions"), "2025-01-01", "2025-03-01")


def test_zero_denominators():
    # nothing to divide by: unknown (NaN), never 0; no cost and some conversions: CPA 0
    assert math.isnan(Q.roas(100.0, 0.0)) and math.isnan(Q.marketing_roi(100.0, 0.0))
    assert Q.cpa(0.0, 5) == 0.0
    with pytest.raises(KpiDataError, match="gross_margin is a fraction in \\(0, 1\\]"):
        Q.cac_payback_months(300.0, 50.0, gross_margin=0.0)
