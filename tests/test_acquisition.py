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
    # Paid Social: 1000 cost, 1200 revenue -> ROAS 1.2, ROI 0.2
    assert e.loc["Paid Social", "roi"] == pytest.approx(0.2)
    # Outbound Sales had spend but is in no journey: its return is unknown, not -100%
    assert e.loc["Outbound Sales", "cost"] > 0 and not e.loc["Outbound Sales", "in_journeys"]
    assert e.loc[["Outbound Sales"], ["cpa", "roas", "roi"]].isna().all(axis=None)
    assert e.loc["Paid Search", "in_journeys"] and e.loc["Email", "in_journeys"]
    assert math.isnan(e.loc["Email", "roas"])  # no spend
    assert "Team" not in e.index  # labour is overhead, not channel cost
    cac_t = Q.cac(SPEND, 50, "2025-01-01", "2025-03-01", paid_customers=20)
    text = Q.findings(cac_t, e.reset_index(), payback_months=Q.cac_payback_months(210.0, 35.0, 0.5))
    assert text[0] == "Blended CAC is 210 (10,500 of spend over 50 new customers)."
    assert text[1] == "Of that, per new customer: digital 110, outbound 30."
    assert text[2] == "Paid CAC (paid media over paid-attributed customers) is 275."
    assert text[3] == "CAC is paid back in 12.0 months, within the 12-month rule of thumb."
    assert text[4] == "Best return on spend: Paid Search (ROAS 4.0); weakest: Paid Social (ROAS 1.2)."
    assert text[5] == (
        "Outbound Sales had spend but never appear in the customer journeys: what they return cannot be "
        "measured from them (their touchpoints may not be tracked)."
    )
    assert len(text) == 6  # no channel with a measured return below its cost
    # with Outbound Sales in the journeys (no credited revenue), its ROI of -100% is measured
    tracked = pd.concat(
        [attributed, pd.DataFrame({"channel": ["Outbound Sales"], "conversions": [0.0], "revenue": [0.0]})]
    )
    e2 = Q.channel_economics(SPEND, tracked, "2025-01-01", "2025-03-01").set_index("channel")
    assert e2.loc["Outbound Sales", "roi"] == pytest.approx(-1.0)
    text2 = Q.findings(cac_t, e2.reset_index())
    assert text2[-2:] == [
        "Best return on spend: Paid Search (ROAS 4.0); weakest: Outbound Sales (ROAS 0.0).",
        "Channels whose attributed revenue does not cover their cost (ROI < 0): Outbound Sales.",
    ]


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
    attributed = pd.DataFrame(
        {"channel": ["Paid Search", "Paid Social"], "conversions": [40.0, 0.0], "revenue": [18000.0, 0.0]}
    )
    e = Q.channel_economics(SPEND, attributed, "2025-01-01", "2025-03-01", gross_margin=0.5).set_index("channel")
    # Paid Search: (18000 x 0.5 - 4500) / 4500 = 1.0; the same as the scalar function
    assert e.loc["Paid Search", "roi"] == pytest.approx(1.0)
    assert e.loc["Paid Search", "roi"] == Q.marketing_roi(18000.0, 4500.0, gross_margin=0.5)
    assert e.loc["Paid Search", "roas"] == Q.roas(18000.0, 4500.0)
    assert e.loc["Paid Search", "cpa"] == Q.cpa(4500.0, 40.0)
    # Paid Social is in the journeys with spend but no credited conversions: no CPA, ROI -1
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


BUYERS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "d", "e", "f"],
        "channel": ["Email", "Email", "Paid Search", "Paid Search", "Paid Social", "Organic", "Paid Search"],
        "timestamp": pd.to_datetime(
            ["2024-12-20", "2025-01-05", "2025-01-10", "2025-01-15", "2025-02-03", "2025-02-20", "2025-02-25"]
        ),
    }
)


def test_channel_cac_divides_each_paid_channels_spend_by_the_customers_it_brought():
    t = Q.channel_cac(SPEND, BUYERS, "2025-01-01", "2025-03-01")
    # new in Jan-Feb: b, c, f (Paid Search), d (Paid Social), e (Organic); a was first seen in December.
    # digital spend: Paid Search 2000 + 2500 = 4500 over 3, Paid Social 1000 over 1; Organic has no spend, no CAC
    assert t["channel"].tolist() == ["Paid Search", "Paid Social"]
    assert t["spend"].tolist() == [4500.0, 1000.0] and t["new_customers"].tolist() == [3, 1]
    assert t["cac"].tolist() == [1500.0, 1000.0]
    # paid CAC: the same channels on both sides, 5500 / 4; blended: all 10,500 of spend / all 5 new customers
    assert t.attrs["paid"] == {"spend": 5500.0, "customers": 4, "cac": 1375.0}
    assert t.attrs["blended"] == {"spend": 10500.0, "customers": 5, "cac": 2100.0}
    assert Q.paid_cac(t) == 1375.0
    assert (t.attrs["start"], t.attrs["end"]) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-01"))
    # the default period is the whole months the purchases span (Dec-Feb): December's 999 and a count too
    whole = Q.channel_cac(SPEND, BUYERS)
    assert whole["spend"].tolist() == [5499.0, 1000.0] and whole["new_customers"].tolist() == [3, 1]
    assert whole.attrs["blended"] == {"spend": 11499.0, "customers": 6, "cac": pytest.approx(11499 / 6)}
    # January only: Paid Social spent 1000 and brought nobody (d came in February): its CAC is unknown,
    # and its spend still counts in the paid CAC (2000 + 1000) / 2
    jan = Q.channel_cac(SPEND, BUYERS, "2025-01-01", "2025-02-01").set_index("channel")
    assert jan.loc["Paid Search", "cac"] == 1000.0 and math.isnan(jan.loc["Paid Social", "cac"])
    assert jan.attrs["paid"]["cac"] == 1500.0
    # cac's paid row from the same table agrees
    c = Q.cac(SPEND, 5, "2025-01-01", "2025-03-01", paid_customers=t).set_index("variant")
    assert c.loc["paid", "cac"] == 1375.0 and c.loc["blended", "cac"] == 2100.0
    assert c.attrs["paid_channels"] == ["Paid Search", "Paid Social"]


def test_channel_cac_with_a_given_cac_and_its_refusals():
    given = Q.channel_cac(None, BUYERS, "2025-01-01", "2025-03-01", cac=45.0)
    assert given.set_index("channel")["new_customers"].to_dict() == {"Organic": 1, "Paid Search": 3, "Paid Social": 1}
    assert given["cac"].tolist() == [45.0] * 3 and given.attrs["given"] == 45.0 and given.attrs["blended"] is None
    assert Q.paid_cac(given) == 45.0
    alone = Q.channel_cac(None, BUYERS.drop(columns="channel"), "2025-01-01", "2025-03-01", cac=45.0)
    assert alone[["channel", "new_customers", "cac"]].values.tolist() == [["all", 5, 45.0]]
    with pytest.raises(KpiDataError, match="needs the spend table .* or a known CAC"):
        Q.channel_cac(None, BUYERS)
    with pytest.raises(KpiDataError, match="carry no 'channel' column"):
        Q.channel_cac(SPEND, BUYERS.drop(columns="channel"))
    with pytest.raises(KpiDataError, match="None of the spend table's channels"):
        Q.channel_cac(SPEND, BUYERS.assign(channel="Shop"), "2025-01-01", "2025-03-01")
    with pytest.raises(KpiDataError, match="no spend in the categories outbound between 1 Dec 2024 and 31 Dec 2024"):
        Q.channel_cac(SPEND, BUYERS, "2024-12-01", "2025-01-01", categories=["outbound"])
    # the messages are a report's notes when its LTV:CAC section is skipped: in the report's language
    with pytest.raises(KpiDataError, match="^Dữ liệu giao dịch không có cột 'channel' \\(kênh thu hút"):
        Q.channel_cac(SPEND, BUYERS.drop(columns="channel"), lang="vi")
    with pytest.raises(
        KpiDataError, match="thuộc các hạng mục bán hàng chủ động từ 1 thg 12, 2024 đến 31 thg 12, 2024"
    ):
        Q.channel_cac(SPEND, BUYERS, "2024-12-01", "2025-01-01", categories=["outbound"], lang="vi")
    with pytest.raises(KpiDataError, match="^Không kênh nào trong bảng chi phí \\(Paid Search, Paid Social\\)"):
        Q.channel_cac(SPEND, BUYERS.assign(channel="Shop"), "2025-01-01", "2025-03-01", lang="vi")
    with pytest.raises(KpiDataError, match="^Để tính CAC theo kênh cần có bảng chi phí"):
        Q.channel_cac(None, BUYERS, lang="vi")
    with pytest.raises(KpiDataError, match="cac must be a positive amount"):
        Q.channel_cac(None, BUYERS, cac=0.0)
    with pytest.raises(KpiDataError, match="paid_cac: pass the table"):
        Q.paid_cac(pd.DataFrame({"channel": ["x"], "cac": [1.0]}))


def test_definitions_in_use_say_which_cac_over_which_period():
    t = Q.channel_cac(SPEND, BUYERS, "2025-01-01", "2025-03-01")
    line = Q.definitions_in_use(t)
    assert line == (
        "Definitions in use (Jan 2025 – Feb 2025): CAC = paid-media spend (digital) / new customers of the paid "
        "channels (Paid Search, Paid Social) = 5,500 / 4 = 1,375.00; blended CAC = all sales and marketing spend / "
        "all new customers = 10,500 / 5 = 2,100.00; CPA (cost per conversion of any kind, not only new customers) "
        "is not computed in this report."
    )
    assert line.impact is None  # a definition, not a finding
    vi = line.text("vi", "GBP")
    assert vi.startswith("Định nghĩa đang dùng (thg 1 2025 – thg 2 2025)") and "5.500\xa0£ / 4 = 1.375,00\xa0£" in vi
    given = Q.definitions_in_use(Q.channel_cac(None, BUYERS, cac=45.0)).text("en", "GBP")
    assert "CAC = £45.00 per new customer, as given for this report (the same for every channel)" in given
    assert "blended CAC is not computed here (no spend table)" in given
    # notebook 02's table: paid over a count of paid-attributed customers; the pooled CPA of its channels
    c = Q.cac(SPEND, 50, "2025-01-01", "2025-03-01", paid_customers=20)
    economics = pd.DataFrame({"channel": ["A", "B", "C"], "cost": [300.0, 100.0, 0.0], "conversions": [10, 10, 5]})
    text = str(Q.definitions_in_use(c, cpa=economics))
    assert "paid-attributed new customers = 5,500 / 20 = 275.00" in text  # digital spend 5500 / 20
    assert text.endswith("CPA = cost / conversions of any kind, not only new customers = 20.00.")  # 400 / 20


def test_acquisition_findings_in_the_reports_currency_and_in_vietnamese():
    cac_t = Q.cac(SPEND, 50, "2025-01-01", "2025-03-01", paid_customers=20)
    f = Q.findings(cac_t, payback_months=Q.cac_payback_months(210.0, 35.0, 0.5), currency="GBP")
    assert f[0] == "Blended CAC is £210 (£10,500 of spend over 50 new customers)."
    assert f[0].impact is None and f[3].impact == 0.0  # 12.0 months: within the rule, nothing lost
    late = Q.findings(cac_t, payback_months=24.0, currency="GBP")[-1]
    # half of the 210 CAC not earned back in a year, for each of the 50 new customers
    assert late.impact == pytest.approx(210 * 0.5 * 50)
    assert f[0].text("vi") == "CAC tổng hợp là 210\xa0£ (10.500\xa0£ chi phí cho 50 khách hàng mới)."
