"""Tests of kpikit.social.metrics: hand-computed engagement rates, awareness, conversion, customer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

from kpikit import social
from kpikit.errors import KpiDataError, KpiWarning
from tests.social.helpers import social_table


def test_engagement_rate_per_reach_pooled(two_days):
    r = social.engagement_rate(two_days, per="reach").iloc[0]
    # engagements = (30+6+4) + (50+9+1) = 40 + 60 = 100; reach = 400 + 1500 = 1900
    # pooled 100/1900 = 0.0526316 (the mean of row rates, (0.1 + 0.04)/2 = 0.07, would be wrong)
    assert r["engagements"] == 100 and r["reach"] == 1900
    assert r["engagement_rate"] == pytest.approx(100 / 1900)
    assert r["kind"] == "total" and r["per"] == "reach"
    ci = sst.binomtest(100, 1900).proportion_ci(method="wilson")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert not r["small_sample"]


def test_engagement_rate_per_impressions(two_days):
    r = social.engagement_rate(two_days, per="impressions").iloc[0]
    # 100 / (800 + 1200) = 0.05
    assert r["impressions"] == 2000
    assert r["engagement_rate"] == pytest.approx(0.05)


def test_engagement_rate_per_follower_is_per_post(two_days):
    r = social.engagement_rate(two_days, per="followers").iloc[0]
    # follower-posts = 1000 x 2 + 1100 x 1 = 3100; 100 / 3100 = 0.0322581
    assert r["follower_posts"] == 3100
    assert r["engagement_rate"] == pytest.approx(100 / 3100)


@pytest.mark.parametrize(
    "kind,num,name,expected",
    [
        ("applause", "likes", "applause_rate", 80 / 1900),  # likes 30 + 50
        ("conversation", "comments", "conversation_rate", 15 / 1900),  # comments 6 + 9
        ("amplification", "shares", "amplification_rate", 5 / 1900),  # shares 4 + 1
    ],
)
def test_engagement_kinds(two_days, kind, num, name, expected):
    r = social.engagement_rate(two_days, per="reach", kind=kind).iloc[0]
    assert r[name] == pytest.approx(expected)
    assert r[num] == round(expected * 1900)


def test_engagement_long_format_stacks_kinds(two_days):
    e = social.engagement(two_days, per="impressions")
    assert e["kind"].tolist() == ["applause", "conversation", "amplification", "total"]
    # 80, 15, 5, 100 over 2000 impressions
    assert e["rate"].tolist() == pytest.approx([0.04, 0.0075, 0.0025, 0.05])
    assert (e["denominator"] == 2000).all()


def test_engagement_rate_denominator_must_be_named(two_days):
    with pytest.raises(TypeError, match="per"):
        social.engagement_rate(two_days)  # type: ignore[call-arg]
    with pytest.raises(KpiDataError, match="per must be 'reach', 'followers' or 'impressions'"):
        social.engagement_rate(two_days, per="fans")  # type: ignore[arg-type]


def test_engagement_rate_by_brand_and_month():
    df = social_table(
        date=["2025-01-03", "2025-01-20", "2025-02-02", "2025-01-05"],
        brand=["A", "A", "A", "B"],
        reach=[100, 100, 200, 1000],
        likes=[10, 20, 10, 10],
    )
    r = social.engagement_rate(df, per="reach", kind="applause", freq="MS")
    got = {(p.strftime("%Y-%m"), b): v for p, b, v in zip(r["period"], r["brand"], r["applause_rate"])}
    # A Jan: 30/200 = 0.15; A Feb: 10/200 = 0.05; B Jan: 10/1000 = 0.01
    assert got == pytest.approx({("2025-01", "A"): 0.15, ("2025-02", "A"): 0.05, ("2025-01", "B"): 0.01})


def test_engagement_above_denominator_warns_and_has_no_interval():
    df = social_table(followers=[100], posts=[1], likes=[150], reach=[1000])
    with pytest.warns(KpiWarning, match="more engagements than follower_posts"):
        r = social.engagement_rate(df, per="followers").iloc[0]
    assert r["engagement_rate"] == pytest.approx(1.5)
    assert np.isnan(r["ci_low"]) and np.isnan(r["ci_high"])


def test_small_sample_flagged():
    df = social_table(reach=[20], likes=[2])
    r = social.engagement_rate(df, per="reach").iloc[0]
    assert r["small_sample"]


def test_awareness_growth_uses_previous_period_end():
    df = social_table(
        date=["2025-01-01", "2025-01-20", "2025-02-03", "2025-02-25", "2025-01-01", "2025-02-25"],
        platform=["Instagram"] * 4 + ["TikTok"] * 2,
        followers=[100, 110, 120, 150, 50, 60],
        mentions=[1, 2, 3, 4, 5, 6],
        reach=[10] * 6,
        impressions=[20] * 6,
    )
    a = social.awareness(df, freq="MS")
    jan, feb = a.iloc[0], a.iloc[1]
    # Jan: Instagram 100 -> 110, TikTok 50 -> 50 (one row): start 150, end 160, growth 10/150
    assert (jan["followers_start"], jan["followers_end"]) == (150, 160)
    assert jan["audience_growth_rate"] == pytest.approx(10 / 150)
    # Feb: start = Jan ends (110 + 50 = 160), end = 150 + 60 = 210: growth 50/160 = 0.3125
    assert (feb["followers_start"], feb["followers_end"]) == (160, 210)
    assert feb["audience_growth_rate"] == pytest.approx(0.3125)
    # mentions Jan 1 + 2 + 5 = 8, Feb 3 + 4 + 6 = 13
    assert a["mentions"].tolist() == [8, 13]
    whole = social.awareness(df).iloc[0]
    # whole range: start 100 + 50 = 150, end 150 + 60 = 210, growth 60/150 = 0.4
    assert whole["audience_growth_rate"] == pytest.approx(0.4)
    assert whole["reach"] == 60 and whole["impressions"] == 120


def test_conversion_and_ctr_per_platform():
    df = social_table(
        platform=["Instagram", "TikTok", "Instagram"],
        impressions=[1000, 500, 1000],
        clicks=[30, 10, 10],
        conversions=[3, 1, 1],
    )
    c = social.conversion(df).set_index("platform")
    # Instagram: 4 conversions / 40 clicks = 0.1; TikTok 1/10
    assert c.loc["Instagram", "conversion_rate"] == pytest.approx(0.1)
    assert c.loc["TikTok", "conversion_rate"] == pytest.approx(0.1)
    ctr = social.click_through_rate(df).set_index("platform")
    # Instagram 40 / 2000 = 0.02; TikTok 10 / 500 = 0.02
    assert ctr["ctr"].tolist() == pytest.approx([0.02, 0.02])
    per_reach = social.conversion(social_table(reach=[200], clicks=[20], conversions=[5]), base="reach").iloc[0]
    assert per_reach["conversion_rate"] == pytest.approx(0.025)


def test_customer_reviews_and_rating():
    r = social.customer(pd.DataFrame({"brand": "A", "rating": [5, 4, 3, 5]})).iloc[0]
    # mean 17/4 = 4.25; sd = sqrt((0.75^2 + 0.25^2 + 1.25^2 + 0.75^2)/3) = sqrt(2.75/3) = 0.957427
    # half-width t(0.975, 3) = 3.182446 x 0.957427 / 2 = 1.523487
    assert r["rating_mean"] == pytest.approx(4.25)
    assert r["rating_low"] == pytest.approx(4.25 - 1.523487, abs=1e-5)
    assert r["rating_high"] == pytest.approx(4.25 + 1.523487, abs=1e-5)
    assert (r["reviews"], r["positive"], r["positive_rate"]) == (4, 3, 0.75)


def test_customer_rating_out_of_scale():
    with pytest.raises(KpiDataError, match=r"column 'rating': 1 rating\(s\) outside 1-5.*row 1"):
        social.customer(pd.DataFrame({"brand": "A", "rating": [5, 6]}))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 3), st.integers(0, 500), st.integers(0, 50)),
        min_size=1,
        max_size=25,
    )
)
def test_properties_rates_in_unit_interval_and_sov_sums_to_one(rows):
    brands, months, reach, mentions = zip(*rows)
    likes = [min(r, m * 3) for r, m in zip(reach, mentions)]
    df = social_table(
        brand=list(brands),
        date=[f"2025-0{m + 1}-10" for m in months],
        reach=list(reach),
        likes=likes,
        mentions=list(mentions),
    )
    e = social.engagement_rate(df, per="reach", kind="applause")
    ok = e["reach"] > 0
    assert ((e.loc[ok, "applause_rate"] >= 0) & (e.loc[ok, "applause_rate"] <= 1)).all()
    assert (
        (e.loc[ok, "ci_low"] <= e.loc[ok, "applause_rate"] + 1e-12)
        & (e.loc[ok, "applause_rate"] <= e.loc[ok, "ci_high"] + 1e-12)
    ).all()
    s = social.share_of_voice(df, freq="MS")
    sums = s[s["total_mentions"] > 0].groupby("period")["share_of_voice"].sum()
    assert np.allclose(sums, 1.0)


def test_widen_rate_stretches_each_side_by_the_root_of_phi():
    from kpikit.stats import rate

    r = rate(100, 1000)
    w = social.widen_rate(r, 4.0)
    # Wilson 95%: 0.08291 to 0.12014 around 0.1; phi 4 puts each side twice as far from the rate
    assert (w.successes, w.trials, w.value) == (100, 1000, 0.1)
    assert w.low == pytest.approx(0.1 - 2 * (0.1 - r.low)) and w.high == pytest.approx(0.1 + 2 * (r.high - 0.1))
    assert round(w.low, 4) == 0.0658 and round(w.high, 4) == 0.1403
    assert social.widen_rate(r, 1.0) is r  # phi 1: the binomial interval itself
    assert social.widen_rate(rate(1, 1000), 100.0).low == 0.0  # never below 0
    with pytest.raises(KpiDataError, match="dispersion must be >= 1"):
        social.widen_rate(r, 0.5)


def test_engagement_table_intervals_carry_the_dispersion():
    from kpikit.stats import rate

    df = social_table(brand=["A", "B"], reach=[1000, 2000], likes=[90, 40], comments=[10, 0], shares=[0, 20])
    plain = social.engagement_table(df, per="reach").set_index("social_brand")
    wide = social.engagement_table(df, per="reach", dispersion=4.0).set_index("social_brand")
    # A: (90 + 10 + 0) / 1000 = 10.0%, Wilson 8.3-12.0, widened by 2: 6.6-14.0
    r = rate(100, 1000)
    assert plain.loc["A", "social_engagement"] == f"10.0% ({r.low * 100:.1f}–{r.high * 100:.1f})" == "10.0% (8.3–12.0)"
    assert wide.loc["A", "social_engagement"] == "10.0% (6.6–14.0)"
    # below 1% a rate keeps four significant digits: B's comments are 0 of 2,000, its shares 1.0%
    assert plain.loc["B", "social_conversation"].startswith("0% (0–")
    assert plain.loc["B", "social_amplification"].startswith("1.0% (")
    assert list(plain.columns) == [
        "social_applause",
        "social_conversation",
        "social_amplification",
        "social_engagement",
    ]
