"""The planted effects, measured with plain pandas (seed 42 and seed 7), and their absence."""

from __future__ import annotations

import pytest

import kpikit.sample as ks
from tests.sample.helpers import checkout, clv_effects, social_effects, sub_effects, touch_shares, web_effects


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_web_effects(which, request):
    w = web_effects(request.getfixturevalue(which))
    assert w["spring_n"] >= 1500
    assert 0.70 <= w["mobile"] <= 0.80  # planted ~75%
    assert 0.30 <= w["desktop"] <= 0.40  # planted ~35%
    assert 0.65 <= w["blog"] <= 0.75  # planted ~70%
    assert 0.40 <= w["site"] <= 0.50  # planted ~45%
    assert 0.045 <= w["A"] <= 0.055 and 0.058 <= w["B"] <= 0.068 and w["B"] > w["A"]  # 5.0% vs 6.3%


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_checkout_leak(which, request):
    before, after, users_after = checkout(request.getfixturevalue(which))
    assert 0.62 <= before <= 0.68  # planted 65%
    assert 0.39 <= after <= 0.45  # planted 42%
    assert users_after >= 300


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_subscription_effects(which, request):
    sub = sub_effects(request.getfixturevalue(which))
    assert 0.055 <= sub["monthly"] <= 0.075  # ~6-7% of monthly subscriptions end per month
    assert sub["annual_due"] >= 100 and 0.17 <= sub["annual_renewal"] <= 0.33  # ~25% at renewal
    assert sub["nps_ratio"] >= 1.7  # detractors ~2x promoters
    assert sub["reopen_ratio"] >= 1.3  # reopened tickets churn more


@pytest.mark.parametrize("which", ["t42", "t7"])
def test_planted_social_clv_attribution_effects(which, request):
    t = request.getfixturevalue(which)
    followers, engagement = social_effects(t)
    assert followers > 2.0 and engagement < 0.6  # Alder: more followers, lower engagement rate
    spend, orders = clv_effects(t)
    assert spend < 0.75 and orders < 0.9  # Paid Social customers are worth less
    first, last = touch_shares(t)
    assert first["Paid Social"] > 0.2 and last["Paid Social"] < 0.06  # opens, rarely closes
    assert last["Email"] > 2 * first["Email"] and last["Direct"] > 2 * first["Direct"]


def test_effects_false_removes_the_planted_effects(t42_null):
    t = t42_null
    w = web_effects(t)
    assert abs(w["mobile"] - w["desktop"]) < 0.04
    assert abs(w["B"] - w["A"]) < 0.008
    assert abs(w["blog"] - 0.40) < 0.03
    before, after, _ = checkout(t)
    assert abs(after - before) < 0.05
    sub = sub_effects(t)
    assert sub["annual_renewal"] > 0.45  # same monthly-equivalent churn as monthly plans
    assert 0.75 <= sub["nps_ratio"] <= 1.33
    assert 0.75 <= sub["reopen_ratio"] <= 1.33
    _, engagement = social_effects(t)
    assert 0.85 <= engagement <= 1.15
    spend, orders = clv_effects(t)
    assert 0.85 <= spend <= 1.15 and 0.85 <= orders <= 1.15
    first, last = touch_shares(t)
    assert abs(first["Paid Social"] - last["Paid Social"]) < 0.05


def test_measure_effects_agrees_with_plain_recomputation(t42):
    m = ks.measure_effects(t42)
    w = web_effects(t42)
    assert m["spring_bounce_mobile"] == pytest.approx(w["mobile"])
    assert m["spring_bounce_desktop"] == pytest.approx(w["desktop"])
    assert m["blog_bounce"] == pytest.approx(w["blog"]) and m["site_bounce"] == pytest.approx(w["site"])
    assert (m["ab_rate_A"], m["ab_rate_B"]) == pytest.approx((w["A"], w["B"]))
    # the default leak start: four months before the end of the last event's month
    assert m["leak_start"] == "2025-03-01"
    before, after, users_after = checkout(t42)
    assert (m["checkout_to_purchase_before"], m["checkout_to_purchase_after"]) == pytest.approx((before, after))
    assert m["checkout_users_after"] == users_after
    sub = sub_effects(t42)
    assert m["monthly_plan_churn"] == pytest.approx(sub["monthly"])
    assert m["annual_first_renewal_churn"] == pytest.approx(sub["annual_renewal"])
    assert m["annual_due_first_renewal"] == sub["annual_due"]
    followers, engagement = social_effects(t42)
    assert m["followers_alder"] / m["followers_client"] == pytest.approx(followers)
    assert m["engagement_rate_alder"] / m["engagement_rate_client"] == pytest.approx(engagement)
    spend, orders = clv_effects(t42)
    assert m["tx_spend_per_customer_paid_social"] / m["tx_spend_per_customer_other"] == pytest.approx(spend)
    assert m["tx_orders_per_customer_paid_social"] / m["tx_orders_per_customer_other"] == pytest.approx(orders)
    first, last = touch_shares(t42)
    assert m["first_touch_share_paid_social"] == pytest.approx(first["Paid Social"])
    assert m["last_touch_share_email"] == pytest.approx(last["Email"])
