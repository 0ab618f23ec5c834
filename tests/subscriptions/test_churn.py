"""kpikit.subscriptions.churn: customer churn per period under each convention, pooled, and as one Rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import subscriptions as ks
from kpikit.errors import KpiDataError, SmallSampleWarning
from kpikit.stats import rate
from tests.subscriptions.scenario import AS_OF, frame


def test_customer_churn_exclude(subs):
    c = ks.customer_churn(subs, as_of=AS_OF)
    cols = [
        "customers_start",
        "customers_new",
        "customers_reactivated",
        "customers_same_period",
        "customers_lost",
        "customers_end",
        "churned",
        "at_risk",
    ]
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
    assert (
        c["customers_start"] + c["customers_new"] + c["customers_reactivated"] - c["customers_lost"]
        == c["customers_end"]
    ).all()


def test_customer_churn_include_stripe(subs):
    c = ks.customer_churn(subs, same_period="include", as_of=AS_OF)
    # Jan: at risk 0 + 6 new; Feb: churned 2 lost + 1 same-period, at risk 6 + 0 + 0 + 1 = 7
    assert c[["churned", "at_risk"]].values.tolist() == [[0, 6], [3, 7], [0, 5], [0, 5]]
    assert c["churn_rate"].iloc[1] == pytest.approx(3 / 7)


def test_same_period_ignore_differs_from_exclude_on_a_return():
    # c8 joins and leaves in January, returns in March: a reactivation unless the January episode
    # is ignored (then it is a new customer in March); c9 keeps the base non-empty.
    df = frame(
        [
            ("c8", "a", "p", "month", 10, "2025-01-05", "2025-01-12"),
            ("c8", "b", "p", "month", 10, "2025-03-05", None),
            ("c9", "c", "p", "month", 10, "2024-12-01", "2025-02-15"),
        ]
    )
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


# --------------------------------------------------------------------------------------- churn_rate


def test_churn_rate_pools_customer_periods_by_hand(subs):
    # customer_churn (exclude): Jan 0 of 0, Feb 2 of 6 (c3, c5 lost), Mar 0 of 4, Apr 0 of 5 -> 2 of 15
    r = ks.churn_rate(subs, as_of=AS_OF)
    assert (r.successes, r.trials) == (2, 15)
    assert r.value == pytest.approx(2 / 15)
    w = rate(2, 15, warn_small=False)
    assert (r.low, r.high) == pytest.approx((w.low, w.high))
    # include (Stripe): Jan 0 of 6 new, Feb 3 of 7 (c6 joined and left), Mar 0 of 5, Apr 0 of 5 -> 3 of 23
    r = ks.churn_rate(subs, same_period="include", as_of=AS_OF)
    assert (r.successes, r.trials) == (3, 23)
    # ignore (ProfitWell) drops c6's episode: the rate equals exclude
    r = ks.churn_rate(subs, same_period="ignore", as_of=AS_OF)
    assert (r.successes, r.trials) == (2, 15)


def test_churn_rate_quarterly_and_one_period(subs):
    # QS: Q1 starts with nobody paying (Jan 1 starts count from the next boundary); on Apr 1 c1 c2 c4 c5 c7
    # pay and nobody leaves in Q2 -> 0 of 5. Stripe's convention adds Q1's 5 new customers and the two
    # who joined and left inside Q1 (c3, c6), who are also its churned -> 2 of 7 + 0 of 5 = 2 of 12.
    q = ks.churn_rate(subs, freq="QS", as_of=AS_OF)
    assert (q.successes, q.trials) == (0, 5)
    r = ks.churn_rate(subs, freq="QS", same_period="include", as_of=AS_OF)
    assert (r.successes, r.trials) == (2, 12)
    feb = ks.churn_rate(subs, period="2025-02-01", as_of=AS_OF)
    assert (feb.successes, feb.trials, feb.value) == (2, 6, pytest.approx(1 / 3))
    feb_stripe = ks.churn_rate(subs, period="2025-02-01", same_period="include", as_of=AS_OF)
    assert (feb_stripe.successes, feb_stripe.trials) == (3, 7)


@pytest.mark.parametrize("same_period", ["exclude", "include", "ignore"])
@pytest.mark.parametrize("freq", ["MS", "QS"])
def test_churn_rate_is_the_pooled_customer_churn(subs, freq, same_period):
    pooled = ks.summarise_churn(ks.customer_churn(subs, freq=freq, same_period=same_period, as_of=AS_OF)).iloc[0]
    r = ks.churn_rate(subs, freq=freq, same_period=same_period, as_of=AS_OF, level=0.9)
    assert (r.successes, r.trials, r.level) == (int(pooled["churned"]), int(pooled["at_risk"]), 0.9)


def test_churn_rate_bad_input(subs):
    with pytest.raises(KpiDataError, match="not a period start"):
        ks.churn_rate(subs, period="2025-02-15", as_of=AS_OF)
    with pytest.raises(KpiDataError, match="after the last period"):
        ks.churn_rate(subs, period="2025-05-01", as_of=AS_OF)
    with pytest.raises(KpiDataError, match="at least one trial"):  # nobody pays on Jan 1
        ks.churn_rate(subs, period="2025-01-01", as_of=AS_OF)
    with pytest.raises(KpiDataError, match="same_period must be"):
        ks.churn_rate(subs, same_period="stripe")
    with pytest.warns(SmallSampleWarning):
        ks.churn_rate(subs, as_of=AS_OF)


def test_churn_rates_one_rate_per_segment(subs):
    s = ks.summarise_churn(ks.customer_churn(subs, by="interval", as_of=AS_OF), by="interval")
    rates = ks.churn_rates(s, "interval")
    # month 1 of 11, year 1 of 4 (see test_summarise_churn_pools_periods)
    assert {k: (r.successes, r.trials) for k, r in rates.items()} == {"month": (1, 11), "year": (1, 4)}
    assert rates["year"].value == pytest.approx(0.25)


def test_small_sample_warning_of_churn_rate_points_at_the_callers_line():
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "subscription_id": ["s1", "s2", "s3"],
            "plan": ["p"] * 3,
            "interval": ["month"] * 3,
            "amount": [10.0] * 3,
            "start": pd.to_datetime(["2025-01-01"] * 3),
            "end": pd.to_datetime(["2025-02-15", None, None]),
        }
    )
    with pytest.warns(SmallSampleWarning) as record:
        r = ks.churn_rate(subs, as_of="2025-03-31")
    # January: nobody at its start (all three join in it); February: 3 at the start, a leaves;
    # March: 2 at the start, none leaves. Pooled: 1 lost of 5 customer-months at risk.
    assert (r.successes, r.trials) == (1, 5)
    assert record[0].filename == __file__


# --------------------------------------------------------------------------------------- churn by segment


def test_churn_by_segment_counts_customers_and_ranks_only_large_segments(subs):
    t = ks.churn_by_segment(subs, "plan", as_of=AS_OF, min_customers=2).set_index("plan")
    # customers who were in the plan in some period: Monthly c1 c4 c5 c6 (c6 joined and left in Feb),
    # Plus c2 (its largest subscription), Annual c3 c7
    assert t["customers"].to_dict() == {"Box Annual": 2, "Box Monthly": 4, "Box Plus Monthly": 1}
    # Monthly at risk Feb 3 (c1 c4 c5) + Mar 2 (c1 c4) + Apr 3 (c1 c4 c5), lost c5 in Feb: 1 / 8
    # Annual Feb 2 (c3 c7) + Mar 1 + Apr 1, lost c3: 1 / 4; Plus c2 in Feb, Mar, Apr, never lost: 0 / 3
    assert t[["churned", "at_risk"]].values.tolist() == [[1, 4], [1, 8], [0, 3]]
    assert t["churn_rate"].tolist() == pytest.approx([0.25, 0.125, 0.0])
    # the one customer of Plus is flagged and not ranked; Annual churns most of the others
    assert t["churn_rank"].tolist()[:2] == [1, 2] and pd.isna(t.loc["Box Plus Monthly", "churn_rank"])
    assert bool(t.loc["Box Plus Monthly", "small_sample"])
    assert ks.highest_churn(t.reset_index(), "plan")["plan"] == "Box Annual"
    # the rates are those of summarise_churn, whatever the minimum
    pooled = ks.summarise_churn(ks.customer_churn(subs, by="plan", as_of=AS_OF), by="plan")
    assert t["churn_rate"].tolist() == pooled["churn_rate"].tolist()
    # with a minimum of 3 customers only Monthly is ranked, so it is the one named
    three = ks.churn_by_segment(subs, "plan", as_of=AS_OF, min_customers=3)
    assert ks.highest_churn(three, "plan")["plan"] == "Box Monthly"
    assert three["small_sample"].tolist() == [True, True, True]  # few events too


def test_highest_churn_names_no_segment_when_none_is_large_enough(subs):
    t = ks.churn_by_segment(subs, "interval", as_of=AS_OF)  # default minimum: 30 customers
    assert t.attrs["min_customers"] == ks.MIN_CUSTOMERS == 30
    assert t["customers"].tolist() == [5, 2] and t["churn_rank"].isna().all()
    with pytest.raises(KpiDataError, match=r"No interval has 30 customers or more \(the largest has 5\)"):
        ks.highest_churn(t, "interval")
    with pytest.raises(KpiDataError, match="min_customers must be a whole number >= 1"):
        ks.churn_by_segment(subs, "plan", as_of=AS_OF, min_customers=0)
