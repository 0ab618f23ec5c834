"""Tests of kpikit.subscriptions on hand-built histories (arithmetic in the comments)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit import subscriptions as ks
from kpikit.errors import KpiDataError
from kpikit.stats import rate

COLS = ["customer_id", "subscription_id", "plan", "interval", "amount", "start", "end"]


def frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLS)
    df["start"] = pd.to_datetime(df["start"])
    df["end"] = pd.to_datetime(df["end"])
    return df


# Scenario A, monthly grain, periods Jan..Apr 2025 (boundaries Jan 1, Feb 1, Mar 1, Apr 1, May 1).
# A subscription counts at boundary b when start < b <= end.
#   c1  Monthly 20 from Jan 10                         F20 M20 A20 Y20           new Jan
#   c2  Plus 30 from Jan 1 + Monthly 15 Jan 15-Mar 10  F45 M45 A30 Y30           new Jan, contraction 15 Mar
#   c3  Annual 120 (10/month) Jan 5-Feb 20             F10 M0                    new Jan, churn 10 Feb
#   c4  Monthly 10 Jan 2-Feb 10, 25 Feb 10-25, 12 from Feb 25  F10 M12 A12 Y12   expansion 2 Feb (nets)
#   c5  Monthly 50 Jan 3-Feb 1, 40 from Mar 20         F50 M0 A40 Y40            churn 50 Feb, reactivation 40 Mar
#   c6  Monthly 99 Feb 3-Feb 17                        (never at a boundary)     same-period Feb
#   c7  Annual 1200 (100/month) Jan 1-Apr 1, Monthly 60 from Apr 1  F100 M100 A100 Y60  contraction 40 Apr
SCENARIO = [
    ("c1", "s1", "Box Monthly", "month", 20.00, "2025-01-10", None),
    ("c2", "s2a", "Box Plus Monthly", "month", 30.00, "2025-01-01", None),
    ("c2", "s2b", "Box Monthly", "month", 15.00, "2025-01-15", "2025-03-10"),
    ("c3", "s3", "Box Annual", "year", 120.00, "2025-01-05", "2025-02-20"),
    ("c4", "s4a", "Box Monthly", "month", 10.00, "2025-01-02", "2025-02-10"),
    ("c4", "s4b", "Box Monthly", "month", 25.00, "2025-02-10", "2025-02-25"),
    ("c4", "s4c", "Box Monthly", "month", 12.00, "2025-02-25", None),
    ("c5", "s5a", "Box Monthly", "month", 50.00, "2025-01-03", "2025-02-01"),
    ("c5", "s5b", "Box Monthly", "month", 40.00, "2025-03-20", None),
    ("c6", "s6", "Box Monthly", "month", 99.00, "2025-02-03", "2025-02-17"),
    ("c7", "s7a", "Box Annual", "year", 1200.00, "2025-01-01", "2025-04-01"),
    ("c7", "s7b", "Box Monthly", "month", 60.00, "2025-04-01", None),
]
AS_OF = "2025-04-30"


@pytest.fixture
def subs() -> pd.DataFrame:
    return frame(SCENARIO)


def test_subscription_mrr_rounds_once_per_subscription():
    df = frame([
        ("a", "1", "p", "year", 100.00, "2025-01-01", None),  # 10000 / 12 = 833.33 -> 833
        ("a", "2", "p", "year", 100.06, "2025-01-01", None),  # 10006 / 12 = 833.83 -> 834
        ("b", "3", "p", "year", 0.06, "2025-01-01", None),  # 6 / 12 = 0.5 -> 1 (half up)
        ("b", "4", "p", "month", 19.99, "2025-01-01", None),  # 1999
        ("b", "5", "p", "week", 10.00, "2025-01-01", None),  # 1000 x 52 / 12 = 4333.33 -> 4333
    ])
    assert ks.subscription_mrr(df).tolist() == [833, 834, 1, 1999, 4333]


def test_mrr_movements_every_kind(subs):
    m = ks.mrr_movements(subs, as_of=AS_OF, money="cents")
    assert m["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    cols = ["mrr_start", "new", "expansion", "contraction", "churn", "reactivation", "mrr_end"]
    got = (m[cols] // 100).values.tolist()
    assert got == [
        [0, 235, 0, 0, 0, 0, 235],  # new: 20 + 45 + 10 + 10 + 50 + 100
        [235, 0, 2, 0, 60, 0, 177],  # c4 10 -> 12; churn c3 10 + c5 50
        [177, 0, 0, 15, 0, 40, 202],  # c2 drops one of two subs (contraction); c5 returns
        [202, 0, 0, 40, 0, 0, 162],  # c7 annual 100/month -> monthly 60
    ]
    assert m["customers_start"].tolist() == [0, 6, 4, 5]
    assert m["customers_end"].tolist() == [6, 4, 5, 5]


def test_mrr_movements_decimal_is_exact_and_default(subs):
    m = ks.mrr_movements(subs, as_of=AS_OF)
    assert isinstance(m["mrr_end"].iloc[1], Decimal)
    assert m["mrr_end"].iloc[1] == Decimal("177.00")
    lhs = m["mrr_start"] + m["new"] + m["expansion"] + m["reactivation"] - m["contraction"] - m["churn"]
    assert (lhs == m["mrr_end"]).all()
    f = ks.mrr_movements(subs, as_of=AS_OF, money="float")
    assert f["churn"].tolist() == [0.0, 60.0, 0.0, 0.0]


def test_mrr_movements_by_customer_audit_trail(subs):
    t = ks.mrr_movements(subs, as_of=AS_OF, money="cents", by_customer=True)
    feb = t[t["period"] == "2025-02-01"].set_index("customer_id")
    assert feb["movement"].to_dict() == {"c3": "churn", "c4": "expansion", "c5": "churn"}
    assert feb["amount"].to_dict() == {"c3": 1000, "c4": 200, "c5": 5000}
    totals = t.groupby(["period", "movement"])["amount"].sum()
    assert totals[(pd.Timestamp("2025-03-01"), "reactivation")] == 4000


def test_quarterly_grain_nets_within_period_changes(subs):
    # Q1: start 0 -> Apr 1: 202, all new (c5 left and came back inside Q1... then Q2 start)
    m = ks.mrr_movements(subs, freq="QS", as_of=AS_OF, money="cents")
    assert (m[["mrr_start", "new", "churn", "contraction", "mrr_end"]] // 100).values.tolist() == [
        [0, 202, 0, 0, 202],
        [202, 0, 0, 40, 162],
    ]


def test_mrr_snapshot_and_arpa(subs):
    m = ks.mrr(subs, as_of=AS_OF, money="cents")
    assert m["mrr"].tolist() == [23500, 17700, 20200, 16200]
    assert m["customers"].tolist() == [6, 4, 5, 5]
    assert m["arpa"].tolist() == pytest.approx([235 / 6, 177 / 4, 202 / 5, 162 / 5])
    start = ks.mrr(subs, at="start", as_of=AS_OF, money="cents")
    assert start["mrr"].tolist() == [0, 23500, 17700, 20200]
    assert ks.arpa(subs, as_of=AS_OF)["arpa"].iloc[1] == pytest.approx(44.25)


def test_mrr_churn_gross_and_net(subs):
    c = ks.mrr_churn(subs, as_of=AS_OF)
    # Feb: gross (60 + 0) / 235, net (60 - 2) / 235; Mar: gross 15 / 177, net (15 - 40) / 177 < 0
    assert c["gross_mrr_churn"].iloc[1] == pytest.approx(60 / 235)
    assert c["net_mrr_churn"].iloc[1] == pytest.approx(58 / 235)
    assert c["gross_mrr_churn"].iloc[2] == pytest.approx(15 / 177)
    assert c["net_mrr_churn"].iloc[2] == pytest.approx(-25 / 177)
    assert np.isnan(c["gross_mrr_churn"].iloc[0])


def test_quick_ratio_reactivation_switch(subs):
    m = ks.mrr_movements(subs, as_of=AS_OF)
    q = ks.quick_ratio(m)
    assert q["quick_ratio"].iloc[1] == pytest.approx(2 / 60)
    assert q["quick_ratio"].iloc[2] == pytest.approx(40 / 15)
    assert ks.quick_ratio(m, reactivation=False)["quick_ratio"].iloc[2] == 0.0
    assert np.isinf(q["quick_ratio"].iloc[0])  # Jan: 235 gained, nothing lost


def test_customer_churn_exclude(subs):
    c = ks.customer_churn(subs, as_of=AS_OF)
    cols = ["customers_start", "customers_new", "customers_reactivated", "customers_same_period",
            "customers_lost", "customers_end", "churned", "at_risk"]
    assert c[cols].values.tolist() == [
        [0, 6, 0, 0, 0, 6, 0, 0],
        [6, 0, 0, 1, 2, 4, 2, 6],  # c3 and c5 lost; c6 joined and left in Feb: counted nowhere
        [4, 0, 1, 0, 0, 5, 0, 4],  # c5 returns
        [5, 0, 0, 0, 0, 5, 0, 5],
    ]
    assert np.isnan(c["churn_rate"].iloc[0])
    assert c["churn_rate"].iloc[1] == pytest.approx(2 / 6)
    r = rate(2, 6, warn_small=False)
    assert (c["ci_low"].iloc[1], c["ci_high"].iloc[1]) == pytest.approx((r.low, r.high))
    assert bool(c["small_sample"].iloc[1])
    # customers_start + new + reactivated - lost = end, every period
    assert (c["customers_start"] + c["customers_new"] + c["customers_reactivated"] - c["customers_lost"]
            == c["customers_end"]).all()


def test_customer_churn_include_stripe(subs):
    c = ks.customer_churn(subs, same_period="include", as_of=AS_OF)
    # Jan: at risk 0 + 6 new; Feb: churned 2 lost + 1 same-period, at risk 6 + 0 + 0 + 1 = 7
    assert c[["churned", "at_risk"]].values.tolist() == [[0, 6], [3, 7], [0, 5], [0, 5]]
    assert c["churn_rate"].iloc[1] == pytest.approx(3 / 7)


def test_same_period_ignore_differs_from_exclude_on_a_return():
    # c8 joins and leaves in January, returns in March: a reactivation unless the January episode
    # is ignored (then it is a new customer in March); c9 keeps the base non-empty.
    df = frame([
        ("c8", "a", "p", "month", 10, "2025-01-05", "2025-01-12"),
        ("c8", "b", "p", "month", 10, "2025-03-05", None),
        ("c9", "c", "p", "month", 10, "2024-12-01", "2025-02-15"),
    ])
    ex = ks.customer_churn(df, as_of="2025-03-31")
    ig = ks.customer_churn(df, same_period="ignore", as_of="2025-03-31")
    mar_ex, mar_ig = ex.iloc[-1], ig.iloc[-1]
    assert (mar_ex["customers_new"], mar_ex["customers_reactivated"]) == (0, 1)
    assert (mar_ig["customers_new"], mar_ig["customers_reactivated"]) == (1, 0)
    # the rates agree; both report the one January join-and-leave
    assert ex["churn_rate"].equals(ig["churn_rate"])
    assert ex.loc[ex["period"] == "2025-01-01", "customers_same_period"].item() == 1
    assert ig.loc[ig["period"] == "2025-01-01", "customers_same_period"].item() == 1


def test_customer_churn_by_plan_and_interval(subs):
    c = ks.customer_churn(subs, by="plan", as_of=AS_OF)
    feb = c[c["period"] == "2025-02-01"].set_index("plan")
    # at Feb 1: Monthly c1 c4 c5, Plus c2 (largest of its two subs), Annual c3 c7; lost c3 and c5
    assert feb["customers_start"].to_dict() == {"Box Annual": 2, "Box Monthly": 3, "Box Plus Monthly": 1}
    assert feb["customers_lost"].to_dict() == {"Box Annual": 1, "Box Monthly": 1, "Box Plus Monthly": 0}
    # c6 (Monthly) joined and left in Feb
    assert feb.loc["Box Monthly", "customers_same_period"] == 1
    by_int = ks.customer_churn(subs, by="interval", as_of=AS_OF)
    apr = by_int[by_int["period"] == "2025-04-01"].set_index("interval")
    assert apr["customers_start"].to_dict() == {"month": 4, "year": 1}  # c7 still annual on Apr 1
    # segment totals equal the unsegmented counts
    total = ks.customer_churn(subs, as_of=AS_OF).set_index("period")
    summed = c.groupby("period")[["customers_start", "customers_lost", "customers_same_period"]].sum()
    assert (summed["customers_start"] == total["customers_start"]).all()
    assert (summed["customers_lost"] == total["customers_lost"]).all()


def test_summarise_churn_pools_periods(subs):
    c = ks.customer_churn(subs, by="interval", as_of=AS_OF)
    s = ks.summarise_churn(c, by="interval").set_index("interval")
    # month: at risk Feb 4 (c1 c2 c4 c5) + Mar 3 (c1 c2 c4) + Apr 4 (c1 c2 c4 c5) = 11, lost 1 (c5)
    # year: Feb 2 (c3 c7) + Mar 1 + Apr 1 = 4, lost 1 (c3)
    assert s.loc["month", ["churned", "at_risk"]].tolist() == [1, 11]
    assert s.loc["year", ["churned", "at_risk"]].tolist() == [1, 4]
    overall = ks.summarise_churn(ks.customer_churn(subs, as_of=AS_OF))
    assert overall[["churned", "at_risk"]].values.tolist() == [[2, 15]]


def test_revenue_retention_grr_nrr(subs):
    r = ks.revenue_retention(subs, base_period="2025-02-01", horizon=2, as_of=AS_OF).iloc[0]
    # base (Feb 1): c1 20, c2 45, c3 10, c4 10, c5 50, c7 100 = 235
    # Apr 1: 20, 30, 0, 12, 40, 100 = 202; capped per customer: 20 + 30 + 0 + 10 + 40 + 100 = 200
    assert r["base_mrr"] == pytest.approx(235)
    assert r["grr"] == pytest.approx(200 / 235)
    assert r["nrr"] == pytest.approx(202 / 235)
    assert (r["customers"], r["customers_retained"]) == (6, 5)
    allb = ks.revenue_retention(subs, horizon=1, as_of=AS_OF)
    assert allb["base_period"].dt.strftime("%m").tolist() == ["01", "02", "03", "04"]
    assert (allb["grr"].dropna() <= 1).all()
    with pytest.raises(KpiDataError, match="past the end"):
        ks.revenue_retention(subs, base_period="2025-04-01", horizon=3, as_of=AS_OF)
    with pytest.raises(KpiDataError, match="not a period start"):
        ks.revenue_retention(subs, base_period="2025-02-15", horizon=1, as_of=AS_OF)


RENEWALS = [
    ("r1", "a1", "Box Annual", "year", 120.00, "2024-02-01", None),  # due 2025-02-01, renewed
    ("r2", "a2", "Box Annual", "year", 240.00, "2024-03-01", "2025-03-01"),  # due 2025-03-01, not renewed
    ("r3", "a3", "Box Annual", "year", 120.00, "2024-06-01", None),  # due 2025-06-01 (Q2)
    ("r4", "a4", "Box Annual", "year", 120.00, "2024-01-15", "2024-09-01"),  # cancelled mid-term: never due
    ("r5", "a5", "Box Annual", "year", 600.00, "2024-02-10", "2025-02-10"),  # due, replaced the same day
    ("r5", "m5", "Box Monthly", "month", 55.00, "2025-02-10", None),
    ("r6", "a6", "Box Annual", "year", 1200.00, "2023-03-05", None),  # due 2024-03-05 and 2025-03-05
]


def test_renewal_rate_logo_and_value():
    df = frame(RENEWALS)
    q1 = ks.renewal_rate(df, "2025Q1", as_of="2025-06-30").iloc[0]
    # due r1 r2 r5 r6 = 4; renewed r1 r5 (plan change at renewal) r6 = 3
    assert (q1["contracts_due"], q1["contracts_renewed"]) == (4, 3)
    assert q1["renewal_rate"] == pytest.approx(0.75)
    # value per month: due 10 + 20 + 50 + 100 = 180, renewed 10 + 50 + 100 = 160
    assert q1["value_due"] == pytest.approx(180)
    assert q1["value_renewal_rate"] == pytest.approx(160 / 180)
    table = ks.renewal_rate(df, freq="QS", as_of="2025-06-30").set_index("period")
    assert table.loc["2024-01-01", "contracts_due"] == 1  # r6's first anniversary, 2024-03-05
    assert table.loc["2025-04-01", ["contracts_due", "contracts_renewed"]].tolist() == [1, 1]
    assert table["contracts_due"].sum() == 6
    # without the same-day replacement r5 is not renewed
    alone = frame([r for r in RENEWALS if r[1] != "m5"])
    assert ks.renewal_rate(alone, "2025Q1", as_of="2025-06-30")["contracts_renewed"].item() == 2


def test_renewal_grace_and_monthly_contracts():
    df = frame([
        ("x", "a", "A", "year", 120.0, "2024-01-10", "2025-01-10"),
        ("x", "b", "A", "year", 120.0, "2025-01-13", None),  # back 3 days later
        ("y", "m", "M", "month", 10.0, "2025-01-01", "2025-03-01"),  # renewals Feb 1 (yes), Mar 1 (no)
    ])
    assert ks.renewal_rate(df, "2025-01", as_of="2025-04-30")["contracts_renewed"].item() == 0
    assert ks.renewal_rate(df, "2025-01", grace="7D", as_of="2025-04-30")["contracts_renewed"].item() == 1
    m = ks.renewal_rate(df, ("2025-01-01", "2025-04-01"), interval="month", as_of="2025-04-30").iloc[0]
    assert (m["contracts_due"], m["contracts_renewed"]) == (2, 1)


def test_cohort_retention_logo_and_revenue(subs):
    c = ks.cohort_retention(subs, as_of=AS_OF)
    jan = c[c["cohort"] == "2025-01-01"]
    # Jan cohort c1 c2 c3 c4 c5 c7: paying at end of Jan 6, Feb 4, Mar 5 (c5 back), Apr 5
    assert jan["retained"].tolist() == [6, 4, 5, 5]
    assert jan["cohort_size"].unique().tolist() == [6]
    feb = c[c["cohort"] == "2025-02-01"]
    assert feb["retained"].tolist() == [0, 0, 0]  # c6 left within its joining month
    rev = ks.cohort_retention(subs, kind="revenue", as_of=AS_OF)
    rjan = rev[rev["cohort"] == "2025-01-01"]
    # starting MRR: c1 20 + c2 30 (its first sub only) + c3 10 + c4 10 + c5 50 + c7 100 = 220
    assert rjan["base"].iloc[0] == pytest.approx(220)
    assert rjan["retention"].tolist() == pytest.approx([235 / 220, 177 / 220, 202 / 220, 162 / 220])
    avg = ks.cohort_average(c)
    # weighted by cohort size: age 0 (6 + 0) / 7, age 3 only Jan: 5 / 6
    assert avg["retention"].tolist() == pytest.approx([6 / 7, 4 / 7, 5 / 7, 5 / 6])
    assert ks.cohort_average(c, min_age=3)["retention"].tolist() == pytest.approx([1, 4 / 6, 5 / 6, 5 / 6])
    mat = ks.cohort_matrix(c)
    assert mat.index.tolist() == ["2025-01 (n=6)", "2025-02 (n=1)"]  # cohorts with customers only
    assert np.isnan(mat.loc["2025-02 (n=1)", 3])


def test_customer_lifetimes_first_spell(subs):
    life = ks.customer_lifetimes(subs, as_of=AS_OF, unit="D").set_index("customer_id")
    assert life.loc["c5", "duration"] == 29  # Jan 3 -> Feb 1
    assert bool(life.loc["c5", "churned"]) and bool(life.loc["c5", "reactivated"]) and bool(life.loc["c5", "active"])
    assert not life.loc["c7", "churned"]  # annual -> monthly back to back is one spell
    assert life.loc["c7", "duration"] == (pd.Timestamp(AS_OF) - pd.Timestamp("2025-01-01")).days
    assert life.loc["c2", "plan"] == "Box Plus Monthly"
    assert life.loc["c6", "duration"] == 14 and bool(life.loc["c6", "churned"])
    assert life.loc["c3", "interval"] == "year"


def test_subscription_ltv_and_retention_cost():
    churn = rate(50, 1000, warn_small=False)
    ltv = ks.subscription_ltv(40.0, churn, gross_margin=0.5)
    assert ltv.value == pytest.approx(40 * 0.5 / 0.05)  # 400
    assert ltv.low == pytest.approx(20 / churn.high) and ltv.high == pytest.approx(20 / churn.low)
    plain = ks.subscription_ltv(40.0, 0.05)
    assert plain.value == pytest.approx(800) and "no margin" in plain.variant
    with pytest.raises(KpiDataError, match="churn_rate"):
        ks.subscription_ltv(40.0, 0.0)
    with pytest.raises(KpiDataError, match="gross_margin"):
        ks.subscription_ltv(40.0, 0.05, gross_margin=60)
    assert ks.customer_retention_cost(5000.0, 400) == 12.5


def test_common_mistakes_show_wrong_next_to_right():
    # 10 customers at Mar 1; 3 join in March; 1 leaves; 2 expand by 5 each
    rows = [(f"k{i}", f"s{i}", "p", "month", 10.0, "2025-01-01", None) for i in range(10)]
    rows[0] = ("k0", "s0", "p", "month", 10.0, "2025-01-01", "2025-03-15")
    rows += [(f"n{i}", f"n{i}", "p", "month", 10.0, "2025-03-10", None) for i in range(3)]
    rows += [("k1", "u1", "p", "month", 5.0, "2025-03-05", None), ("k2", "u2", "p", "month", 5.0, "2025-03-05", None)]
    m = ks.common_mistakes(frame(rows), "2025-03-01", as_of="2025-03-31").set_index("mistake")
    assert m.loc["churn counted from customers added", ["wrong", "right"]].tolist() == pytest.approx([0.3, 0.1])
    # average add-on 5 x 10 customers = 50 vs the real 10
    assert m.loc["expansion MRR multiplied", ["wrong", "right"]].tolist() == pytest.approx([50.0, 10.0])


def test_findings_are_built_from_numbers(subs):
    churn = ks.summarise_churn(ks.customer_churn(subs, by="interval", as_of=AS_OF), by="interval")
    text = ks.findings(churn_by_interval=churn, movements=ks.mrr_movements(subs, as_of=AS_OF),
                       retention=ks.revenue_retention(subs, "2025-02-01", 2, as_of=AS_OF),
                       renewal=ks.renewal_rate(frame(RENEWALS), "2025Q1", as_of="2025-06-30"))
    assert any("interval 'year' churns 25.0%" in s for s in text)
    assert any("MRR went from 0.00 to 162.00" in s for s in text)
    assert any("3 of 4 contracts" in s and "75.0%" in s for s in text)
    assert any("gross revenue retention is 85.1%" in s for s in text)


# --------------------------------------------------------------------------------------- bad input


def test_bad_input_messages(subs):
    bad = subs.copy()
    bad.loc[3, "end"] = pd.Timestamp("2024-12-01")
    with pytest.raises(KpiDataError, match=r"column 'end': 1 rows end before they start \(row 3; first: customer c3"):
        ks.mrr_movements(bad)
    bad = subs.copy()
    bad.loc[0, "interval"] = "monthly"
    with pytest.raises(KpiDataError, match=r"column 'interval'.*'monthly'.*'monthly' -> 'month'"):
        ks.customer_churn(bad)
    bad = subs.copy()
    bad.loc[1, "amount"] = 10.005
    with pytest.raises(KpiDataError, match="fractions of a cent"):
        ks.mrr(bad)
    bad = subs.copy()
    bad.loc[2, "amount"] = -5
    with pytest.raises(KpiDataError, match=r"column 'amount'.*row 2"):
        ks.mrr(bad)
    with pytest.raises(KpiDataError, match=r"subscriptions: missing column\(s\) 'interval'.*needs customer_id, subscription_id, start, amount, interval"):
        ks.mrr(subs.drop(columns="interval"))
    with pytest.raises(KpiDataError, match="is not a period"):
        ks.renewal_rate(subs, "first quarter")
    with pytest.raises(KpiDataError, match="same_period must be"):
        ks.customer_churn(subs, same_period="stripe")
    dup = pd.concat([subs, subs.iloc[[0]]], ignore_index=True)
    with pytest.raises(KpiDataError, match="share an id"):
        ks.mrr(dup)
    text = subs.assign(start=subs["start"].astype(str))
    with pytest.raises(KpiDataError, match="expected datetimes"):
        ks.mrr(text)


# --------------------------------------------------------------------------------------- properties


@st.composite
def histories(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        cust = f"c{draw(st.integers(0, 7))}"
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=draw(st.integers(0, 400)))
        length = draw(st.one_of(st.none(), st.integers(0, 300)))
        end = None if length is None else start + pd.Timedelta(days=length)
        interval = draw(st.sampled_from(["month", "year", "week"]))
        cents = draw(st.integers(0, 500_000))
        rows.append((cust, f"s{i}", draw(st.sampled_from(["A", "B"])), interval, cents / 100, start, end))
    return frame(rows)


@settings(max_examples=30, deadline=None)
@given(histories(), st.sampled_from(["MS", "QS", "W-MON"]))
def test_movements_reconcile_exactly_on_random_histories(df, freq):
    m = ks.mrr_movements(df, freq=freq, money="cents")
    lhs = m["mrr_start"] + m["new"] + m["expansion"] + m["reactivation"] - m["contraction"] - m["churn"]
    assert (lhs == m["mrr_end"]).all()
    assert (m["mrr_start"].iloc[1:].to_numpy() == m["mrr_end"].iloc[:-1].to_numpy()).all()
    d = ks.mrr_movements(df, freq=freq)
    dl = d["mrr_start"] + d["new"] + d["expansion"] + d["reactivation"] - d["contraction"] - d["churn"]
    assert (dl == d["mrr_end"]).all()
    snap = ks.mrr(df, freq=freq, money="cents")
    assert (snap["mrr"].to_numpy() == m["mrr_end"].to_numpy()).all()
    for policy in ("exclude", "include", "ignore"):
        c = ks.customer_churn(df, freq=freq, same_period=policy)
        assert ((c["churned"] <= c["at_risk"]) & (c["churned"] >= 0)).all()
        r = c["churn_rate"].dropna()
        assert ((r >= 0) & (r <= 1)).all()
        assert (c["customers_start"] + c["customers_new"] + c["customers_reactivated"] - c["customers_lost"]
                == c["customers_end"]).all()
        assert (c["customers_end"].to_numpy() == m["customers_end"].to_numpy()).all()


# --------------------------------------------------------------------------------------- notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_churn_and_renewal.ipynb"


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_03_finds_planted_effects_on_second_dataset(tmp_path):
    papermill = pytest.importorskip("papermill")
    from kpikit import report, sample

    data = tmp_path / "data"
    sample.generate(data, seed=7)
    nb = tmp_path / "nb" / NOTEBOOK.name
    nb.parent.mkdir()
    shutil.copy(NOTEBOOK, nb)
    out = nb.parent / "out.ipynb"
    papermill.execute_notebook(
        str(nb), str(out), kernel_name="python3", cwd=str(nb.parent), progress_bar=False,
        parameters={"data_dir": str(data), "client": "Seed Seven", "freq": "QS", "same_period": "include"},
    )
    kpis = report.read_kpis(out)
    # planted: monthly plans churn ~6-7% a month, annual ~25% at renewal (under 2% a month on average)
    month, year = kpis["churn_by_interval"]["month"], kpis["churn_by_interval"]["year"]
    assert month["low"] > year["high"]
    assert month["value"] > 2 * year["value"]
    # planted: detractors churn about twice as often as promoters; reopened tickets churn more
    assert 1.4 < kpis["detractor_vs_promoter_churn_ratio"] < 4 and kpis["detractor_q_value"] < 0.01
    assert kpis["reopened_vs_smooth_churn_ratio"] > 1.3 and kpis["reopened_q_value"] < 0.01
    assert 0 < kpis["grr"] <= 1 and kpis["nrr"] > 0
    assert 0.5 < kpis["renewal_rate"]["value"] < 0.95  # ~25% lapse at renewal
    assert kpis["sbg_holdout_max_error"] < 0.05
    assert "no margin" in kpis["ltv_no_margin"]["variant"]
    committed = report.read_kpis(NOTEBOOK)
    assert kpis["mrr_end"] != committed["mrr_end"]
