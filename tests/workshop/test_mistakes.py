"""The articles' mistakes, each as a wrong/right pair on the same numbers, with the values worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError
from kpikit.workshop import (
    Pair,
    averaged_pages_mistake,
    averaged_rate,
    censoring_mistake,
    clv_mistake,
    denominator_mistake,
    last_touch_mistake,
    mrr_mistake,
    mrr_users_x_spend,
    naive_clv,
    nps_from_yes_no,
    nps_mistake,
    pairs_table,
    subscription_mistakes,
    ua_vs_ga4_mistake,
    vanity_mistake,
)
from kpikit.workshop.data import table, ua_sessions


def _sub(customer, sid, start, end=None, amount=20.0, interval="month", plan="Box"):
    return {
        "customer_id": customer,
        "subscription_id": sid,
        "plan": plan,
        "interval": interval,
        "amount": amount,
        "start": pd.Timestamp(start),
        "end": pd.Timestamp(end) if end else pd.NaT,
    }


@pytest.fixture(scope="module")
def growing_month() -> pd.DataFrame:
    """1,000 customers paying on 1 March 2025; 50 leave and 300 join in March; 10 add a £5 add-on."""
    rows = [_sub(f"c{i}", f"s{i}", "2025-01-15", "2025-03-12" if i < 50 else None) for i in range(1000)]
    rows += [_sub(f"n{i}", f"n{i}", "2025-03-05") for i in range(300)]
    rows += [_sub(f"c{i}", f"a{i}", "2025-03-20", amount=5.0, plan="Add-on") for i in range(100, 110)]
    return pd.DataFrame(rows)


def test_300_new_on_1000_customers_is_not_30_percent_churn(growing_month):
    churn, _, _ = subscription_mistakes(growing_month, "2025-03-01", as_of="2025-03-31")
    assert churn.key == "churn_added"
    assert churn.fields == {"added": 300, "lost": 50, "start": 1000}
    assert churn.wrong == pytest.approx(0.30)  # 300 / 1,000: growth, not churn
    assert churn.right == pytest.approx(0.05)  # 50 lost / 1,000 at the start


def test_expansion_is_the_increases_of_the_expanding_customers_not_average_times_everyone(growing_month):
    _, _, expansion = subscription_mistakes(growing_month, "2025-03-01", as_of="2025-03-31")
    assert expansion.fields == {"addon": 5.0, "start": 1000, "expanding": 10}
    assert expansion.wrong == pytest.approx(5.0 * 1000)  # average add-on x all customers
    assert expansion.right == pytest.approx(10 * 5.0)  # ten customers, £5 each


def test_renewal_75_active_24_renewed_is_24_of_75_not_75_over_24():
    # 75 annual contracts come due on 10 March 2025 and 24 of them renew; 51 other annual contracts,
    # not yet due, keep 75 contracts active at the month's end (the article's "75 active")
    rows = [_sub(f"d{i}", f"d{i}", "2024-03-10", None if i < 24 else "2025-03-10", 120.0, "year") for i in range(75)]
    rows += [_sub(f"o{i}", f"o{i}", "2024-08-01", None, 120.0, "year") for i in range(51)]
    _, renewal, _ = subscription_mistakes(pd.DataFrame(rows), "2025-03-01", as_of="2025-03-31")
    assert renewal.fields == {"active": 75, "renewed": 24, "due": 75}
    assert renewal.wrong == pytest.approx(75 / 24)  # 312.5%
    assert renewal.right == pytest.approx(24 / 75)  # 32%


def test_subscription_mistakes_want_a_month_of_the_data(growing_month):
    with pytest.raises(KpiDataError, match="first day of a month"):
        subscription_mistakes(growing_month, "2025-03-15")
    with pytest.raises(KpiDataError, match="not a month of the data"):
        subscription_mistakes(growing_month, "2023-01-01")


def test_mrr_is_not_users_times_average_spend():
    # 100 monthly customers at £10 and 20 annual customers at £120 a year (£10 a month each)
    rows = [_sub(f"m{i}", f"m{i}", "2025-01-10", amount=10.0) for i in range(100)]
    rows += [_sub(f"y{i}", f"y{i}", "2025-01-10", amount=120.0, interval="year") for i in range(20)]
    subs = pd.DataFrame(rows)
    wrong = mrr_users_x_spend(subs, "2025-03-01")
    assert wrong["users"] == 120
    assert wrong["average_spend"] == pytest.approx((100 * 10 + 20 * 120) / 120)
    assert wrong["value"] == pytest.approx(3400.0)
    pair = mrr_mistake(subs, "2025-01-01")  # MRR at the end of January, users x spend on 1 February
    assert pair.wrong == pytest.approx(3400.0)
    assert pair.right == pytest.approx(100 * 10 + 20 * 10)  # MRR 1,200


def test_nps_from_yes_no_is_not_the_nps():
    scores = [10] * 50 + [8] * 30 + [3] * 20  # 50 promoters, 30 passives, 20 detractors
    assert nps_from_yes_no(scores) == {"n": 100, "yes": 80, "no": 20, "value": 60.0}
    pair = nps_mistake(scores)
    assert pair.wrong == pytest.approx(60.0)  # 80% yes - 20% no
    assert pair.right == pytest.approx(30.0)  # 50% promoters - 20% detractors
    assert pair.fields["promoters"] == 50 and pair.fields["detractors"] == 20
    with pytest.raises(KpiDataError):
        nps_from_yes_no([])


def test_clv_100_x_12_x_5_against_margin_retention_discounting():
    assert naive_clv(100) == 6000.0
    # ARPA 100, 60% margin, 5% monthly churn: LTV = 100 x 0.6 / 0.05 = 1,200
    pair = clv_mistake(100.0, 0.05, gross_margin=0.6)
    assert pair.wrong == pytest.approx(6000.0)
    assert pair.right == pytest.approx(1200.0)


def test_averaged_page_bounce_rates_against_the_pooled_rate():
    pages = pd.DataFrame({"sessions": [5000, 30], "bounces": [2000, 27]})
    pages["bounce_rate"] = pages["bounces"] / pages["sessions"]  # 40% and 90%
    assert averaged_rate(pages["bounce_rate"]) == pytest.approx(0.65)
    pair = averaged_pages_mistake(pages)
    assert pair.wrong == pytest.approx(0.65)
    assert pair.right == pytest.approx(2027 / 5030)  # 40.3%
    with pytest.raises(KpiDataError):
        averaged_rate([])


def test_ua_bounce_against_ga4_bounce_on_the_same_sessions():
    sessions = ua_sessions()
    home = sessions[sessions["landing_page"] == "/"]
    pair = ua_vs_ga4_mistake(home)
    ua = home["single_interaction"].sum() / (home["interactions"] > 0).sum()
    ga4 = 1 - home["engaged"].mean()
    assert pair.wrong == pytest.approx(ua)
    assert pair.right == pytest.approx(ga4)
    assert (pair.fields["ua_bounces"], pair.fields["ua_sessions"]) == (2751, 5196)
    assert pair.fields["ga4_bounces"] == 2079
    assert pair.wrong > pair.right + 0.1  # 52.9% against 40.0%


def test_last_touch_only_against_the_markov_model():
    touchpoints = table("touchpoints")
    closing = touchpoints[touchpoints["converted"]]
    pair = last_touch_mistake(touchpoints, "Paid Social")
    assert pair.wrong == pytest.approx((closing["channel"] == "Paid Social").mean())  # 3.1%
    assert pair.wrong == pytest.approx(0.031, abs=0.0005)
    markov = kk.attribution.attribute(touchpoints, model="markov").set_index("channel")
    assert pair.right == pytest.approx(markov.loc["Paid Social", "share"])
    assert pair.right > 4 * pair.wrong  # the channel opens journeys others close
    with pytest.raises(KpiDataError, match="no channel"):
        last_touch_mistake(touchpoints, "Carrier Pigeon")


@pytest.fixture(scope="module")
def social() -> pd.DataFrame:
    return table("social")


def _engagements(rows: pd.DataFrame) -> float:
    return float((rows["likes"] + rows["comments"] + rows["shares"]).sum())


def test_vanity_follower_counts_against_engagement_per_reach(social):
    last = social.sort_values("date").groupby(["brand", "platform"]).tail(1).groupby("brand")["followers"].sum()
    by_brand = dict(list(social.groupby("brand")))
    per_reach = {b: _engagements(g) / g["reach"].sum() for b, g in by_brand.items()}
    pair = vanity_mistake(social, "Juniper Box", "Alder Crate")
    assert pair.wrong == pytest.approx(last["Alder Crate"] / last["Juniper Box"])  # 180,599 / 69,350
    assert pair.wrong == pytest.approx(2.6, abs=0.05)
    assert pair.right == pytest.approx(per_reach["Alder Crate"] / per_reach["Juniper Box"])
    assert pair.right < 1 < pair.wrong  # more followers, less engagement per person reached
    with pytest.raises(KpiDataError, match="no brand"):
        vanity_mistake(social, "Juniper Box", "Nobody")


def test_per_follower_against_per_reach_engagement(social):
    by_brand = dict(list(social.groupby("brand")))
    per_reach = {b: _engagements(g) / g["reach"].sum() for b, g in by_brand.items()}
    per_follower = {b: _engagements(g) / (g["followers"] * g["posts"]).sum() for b, g in by_brand.items()}
    pair = denominator_mistake(social, "Juniper Box", "Alder Crate")
    assert pair.wrong == pytest.approx(per_reach["Juniper Box"] / per_follower["Alder Crate"])
    assert pair.right == pytest.approx(per_reach["Juniper Box"] / per_reach["Alder Crate"])
    assert pair.wrong > 5 * pair.right  # 20.1x against 2.3x


def test_median_lifetime_of_churned_customers_only_against_kaplan_meier():
    lifetimes = pd.DataFrame({"duration": [1, 2, 3, 10, 10, 10.0], "churned": [True] * 3 + [False] * 3})
    pair = censoring_mistake(lifetimes)
    assert pair.wrong == 2.0  # median of 1, 2, 3
    # Kaplan-Meier: S(1) = 5/6, S(2) = 4/6, S(3) = 3/6 = 0.5: the median is 3 months
    assert pair.right == 3.0
    assert pair.fields == {"churned": 3, "customers": 6, "censored": 3}


def test_pairs_table_in_vietnamese_has_vietnamese_numbers_and_formulas():
    pair = Pair("churn_added", 0.30, 0.05, "pct", {"added": 300, "lost": 50, "start": 1000})
    vi = str(pairs_table([pair], lang="vi"))
    assert "30,0%" in vi and "5,0%" in vi and "300 / 1.000" in vi
    en = str(pairs_table([pair], lang="en"))
    assert "30.0%" in en and "300 / 1,000" in en and "50 / 1,000" in en
