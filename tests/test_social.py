"""Tests of kpikit.social: hand-computed engagement rates, share of voice, awareness, vanity check."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

from kpikit import social
from kpikit.errors import KpiDataError, KpiWarning, VanityMetricWarning


def _rows(**cols) -> pd.DataFrame:
    n = max(len(v) for v in cols.values() if isinstance(v, list))
    base = {c: 0 for c in social.COUNT_COLUMNS}
    base.update({"date": pd.Timestamp("2025-01-01"), "brand": "A", "platform": "Instagram"})
    base.update(cols)
    df = pd.DataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in base.items()})
    df["date"] = pd.to_datetime(df["date"])
    return df


@pytest.fixture
def two_days() -> pd.DataFrame:
    # brand A, two rows with different per-row rates so pooled != mean of ratios
    return _rows(
        date=["2025-01-01", "2025-01-02"],
        followers=[1000, 1100], posts=[2, 1], reach=[400, 1500], impressions=[800, 1200],
        likes=[30, 50], comments=[6, 9], shares=[4, 1],
    )


# ---------------------------------------------------------------------------------------------
# engagement rates under each denominator


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
        ("applause", "likes", "applause_rate", 80 / 1900),        # likes 30 + 50
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
    df = _rows(
        date=["2025-01-03", "2025-01-20", "2025-02-02", "2025-01-05"],
        brand=["A", "A", "A", "B"],
        reach=[100, 100, 200, 1000], likes=[10, 20, 10, 10],
    )
    r = social.engagement_rate(df, per="reach", kind="applause", freq="MS")
    got = {(p.strftime("%Y-%m"), b): v for p, b, v in zip(r["period"], r["brand"], r["applause_rate"])}
    # A Jan: 30/200 = 0.15; A Feb: 10/200 = 0.05; B Jan: 10/1000 = 0.01
    assert got == pytest.approx({("2025-01", "A"): 0.15, ("2025-02", "A"): 0.05, ("2025-01", "B"): 0.01})


def test_engagement_above_denominator_warns_and_has_no_interval():
    df = _rows(followers=[100], posts=[1], likes=[150], reach=[1000])
    with pytest.warns(KpiWarning, match="more engagements than follower_posts"):
        r = social.engagement_rate(df, per="followers").iloc[0]
    assert r["engagement_rate"] == pytest.approx(1.5)
    assert np.isnan(r["ci_low"]) and np.isnan(r["ci_high"])


def test_small_sample_flagged():
    df = _rows(reach=[20], likes=[2])
    r = social.engagement_rate(df, per="reach").iloc[0]
    assert r["small_sample"]


# ---------------------------------------------------------------------------------------------
# awareness


def test_awareness_growth_uses_previous_period_end():
    df = _rows(
        date=["2025-01-01", "2025-01-20", "2025-02-03", "2025-02-25", "2025-01-01", "2025-02-25"],
        platform=["Instagram"] * 4 + ["TikTok"] * 2,
        followers=[100, 110, 120, 150, 50, 60],
        mentions=[1, 2, 3, 4, 5, 6], reach=[10] * 6, impressions=[20] * 6,
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


# ---------------------------------------------------------------------------------------------
# share of voice


@pytest.fixture
def mentions() -> pd.DataFrame:
    return _rows(
        date=["2025-01-05"] * 3 + ["2025-02-05"] * 3,
        brand=["A", "B", "C"] * 2,
        mentions=[30, 50, 20, 10, 10, 0],
    )


def test_share_of_voice_by_month(mentions):
    s = social.share_of_voice(mentions, freq="MS")
    # Jan: 30/100, 50/100, 20/100; Feb: 10/20, 10/20, 0/20
    assert s["share_of_voice"].tolist() == pytest.approx([0.3, 0.5, 0.2, 0.5, 0.5, 0.0])
    assert s["total_mentions"].tolist() == [100] * 3 + [20] * 3
    assert s.groupby("period")["share_of_voice"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_share_of_voice_competitive_set(mentions):
    s = social.share_of_voice(mentions, freq=None, brands=["A", "B"])
    # A: (30 + 10) / (30 + 50 + 10 + 10) = 40/100; B: 60/100
    assert s.set_index("brand")["share_of_voice"].to_dict() == pytest.approx({"A": 0.4, "B": 0.6})
    with pytest.raises(KpiDataError, match="'Z' not found"):
        social.share_of_voice(mentions, brands=["A", "Z"])


# ---------------------------------------------------------------------------------------------
# conversion and customer stages


def test_conversion_and_ctr_per_platform():
    df = _rows(platform=["Instagram", "TikTok", "Instagram"], impressions=[1000, 500, 1000], clicks=[30, 10, 10], conversions=[3, 1, 1])
    c = social.conversion(df).set_index("platform")
    # Instagram: 4 conversions / 40 clicks = 0.1; TikTok 1/10
    assert c.loc["Instagram", "conversion_rate"] == pytest.approx(0.1)
    assert c.loc["TikTok", "conversion_rate"] == pytest.approx(0.1)
    ctr = social.click_through_rate(df).set_index("platform")
    # Instagram 40 / 2000 = 0.02; TikTok 10 / 500 = 0.02
    assert ctr["ctr"].tolist() == pytest.approx([0.02, 0.02])
    per_reach = social.conversion(_rows(reach=[200], clicks=[20], conversions=[5]), base="reach").iloc[0]
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


# ---------------------------------------------------------------------------------------------
# summary and engagement quality


def test_summary_counts(two_days):
    s = social.summary(two_days).iloc[0]
    assert s["engagements"] == 100 and s["follower_posts"] == 3100
    assert s["engagement_rate_per_reach"] == pytest.approx(100 / 1900)
    assert s["engagement_rate_per_follower"] == pytest.approx(100 / 3100)
    assert s["followers_gained"] == 100 and s["audience_growth_rate"] == pytest.approx(0.1)


def test_engagement_quality_flags_large_audience_that_does_not_engage():
    df = _rows(
        brand=["Client", "Big", "Other"],
        followers=[10_000, 50_000, 8_000],
        reach=[20_000, 40_000, 20_000],
        likes=[800, 400, 700],
    )
    q = social.engagement_quality(df, per="reach").set_index("brand")
    # Big: 400/40000 = 1% against the others' (800 + 700)/40000 = 3.75%: far below, most followers
    assert q.loc["Big", "followers_rank"] == 1
    assert q.loc["Big", "others_rate"] == pytest.approx(0.0375)
    assert q.loc["Big", "vanity_gap"]
    assert not q.loc["Client", "vanity_gap"] and not q.loc["Other", "vanity_gap"]
    text = social.findings(q.reset_index(), client="Client")
    assert any(t.startswith("Big has the #1 audience") for t in text)
    assert any("Client's engagement rate is 4.00%" in t for t in text)


def test_engagement_quality_noise_is_not_flagged():
    df = _rows(brand=["Client", "Big"], followers=[1000, 5000], reach=[100, 100], likes=[5, 3])
    q = social.engagement_quality(df, per="reach")
    # 3/100 vs 5/100: a visible gap, p well above 0.05: not flagged
    assert not q["vanity_gap"].any()


# ---------------------------------------------------------------------------------------------
# vanity check


def test_vanity_check_warns_on_reach_only_summary():
    with pytest.warns(VanityMetricWarning, match="followers, impressions without any engagement"):
        out = social.vanity_check({"followers": 12000, "impressions": 5e5, "share of voice": 0.3})
    assert out == ["followers", "impressions"]


@pytest.mark.parametrize(
    "kpis",
    [
        {"followers": 12000, "engagement rate per reach": 0.04},
        {"reach": 1e5, "conversions": 12},
        ["impressions", "CTR"],
        ["engagement_rate_per_follower"],      # mixes both: engagement
        {"share of voice": 0.3, "NPS": 20},   # no reach-type KPI at all
    ],
)
def test_vanity_check_passes_backed_summaries(kpis):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert social.vanity_check(kpis) == []


def test_vanity_check_ignores_missing_engagement_values():
    with pytest.warns(VanityMetricWarning):
        out = social.vanity_check({"Followers": 100, "engagement rate": None, "clicks": float("nan")})
    assert out == ["Followers"]


def test_vanity_check_on_frame_columns():
    frame = pd.DataFrame({"brand": ["A"], "followers_end": [10], "reach": [5]})
    assert social.vanity_check(frame, warn=False) == ["followers_end", "reach"]
    assert social.vanity_check(frame.assign(likes=[1]), warn=False) == []


# ---------------------------------------------------------------------------------------------
# bad input


def test_negative_count_is_an_error():
    df = _rows(likes=[3, -1], reach=[10, 10])
    with pytest.raises(KpiDataError, match=r"social, column 'likes': 1 value\(s\) are not non-negative whole counts \(row 1; first: -1\)"):
        social.engagement_rate(df, per="reach")


def test_missing_column_names_closest():
    df = _rows(reach=[10]).rename(columns={"likes": "like"})
    with pytest.raises(KpiDataError, match=r"missing column\(s\) 'likes' \(closest to 'likes': 'like'.*For example: columns=\{'like': 'likes'\}"):
        social.engagement_rate(df, per="reach")


def test_empty_values_are_an_error():
    df = _rows(reach=[10, 10]).astype({"reach": "float"})
    df.loc[1, "reach"] = np.nan
    with pytest.raises(KpiDataError, match=r"column 'reach': 1 empty value\(s\) \(row 1\)"):
        social.engagement_rate(df, per="reach")


def test_dates_must_be_datetimes():
    df = _rows(reach=[10]).assign(date="2025-01-01")
    with pytest.raises(KpiDataError, match="column 'date': expected datetimes"):
        social.share_of_voice(df)


# ---------------------------------------------------------------------------------------------
# properties


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 3), st.integers(0, 500), st.integers(0, 50)),
        min_size=1, max_size=25,
    )
)
def test_properties_rates_in_unit_interval_and_sov_sums_to_one(rows):
    brands, months, reach, mentions = zip(*rows)
    likes = [min(r, m * 3) for r, m in zip(reach, mentions)]
    df = _rows(
        brand=list(brands), date=[f"2025-0{m + 1}-10" for m in months], reach=list(reach),
        likes=likes, mentions=list(mentions),
    )
    e = social.engagement_rate(df, per="reach", kind="applause")
    ok = e["reach"] > 0
    assert ((e.loc[ok, "applause_rate"] >= 0) & (e.loc[ok, "applause_rate"] <= 1)).all()
    assert ((e.loc[ok, "ci_low"] <= e.loc[ok, "applause_rate"] + 1e-12) & (e.loc[ok, "applause_rate"] <= e.loc[ok, "ci_high"] + 1e-12)).all()
    s = social.share_of_voice(df, freq="MS")
    sums = s[s["total_mentions"] > 0].groupby("period")["share_of_voice"].sum()
    assert np.allclose(sums, 1.0)


# ---------------------------------------------------------------------------------------------
# selection, scorecard metrics, brand comparison


def test_select_brands_and_period(mentions):
    s = social.select(mentions, brands=["A", "C"], start="2025-02-01", end="2025-02-05")
    assert s["brand"].tolist() == ["A", "C"] and (s["date"] == pd.Timestamp("2025-02-05")).all()
    with pytest.raises(KpiDataError, match=r"'Alder' not found \(brands present: A, B, C\)"):
        social.select(mentions, brands=["Alder"])
    with pytest.raises(KpiDataError, match="no rows between 2026-01-01 and None.*covers 2025-01-05 to 2025-02-05"):
        social.select(mentions, start="2026-01-01")


def test_scorecard_metrics_name_the_denominator():
    m = social.scorecard_metrics(["engagement rate", "followers", "conversion rate"], per="followers")
    assert m == {
        "engagement rate (per follower, per post)": ("engagements", "follower_posts"),
        "followers": "followers_end",
        "conversion rate (conversions / clicks)": ("conversions", "clicks"),
    }
    with pytest.raises(KpiDataError, match="unknown scorecard metric"):
        social.scorecard_metrics(["likes"])


def test_compare_brands():
    df = _rows(brand=["A", "B"], reach=[1000, 1000], likes=[60, 40])
    c = social.compare_brands(df, "A", "B", per="reach")
    # 6% - 4% = 2 pts; pooled p = 100/2000 = 0.05; z = 0.02 / sqrt(0.05 x 0.95 x 0.002) = 2.0520
    assert c.difference == pytest.approx(0.02)
    assert c.z == pytest.approx(0.02 / np.sqrt(0.05 * 0.95 * 0.002))


def test_dispersion_pearson_over_weeks():
    df = _rows(
        date=["2025-01-06", "2025-01-13", "2025-01-06", "2025-01-13"],
        platform=["Instagram", "Instagram", "TikTok", "TikTok"],
        reach=[100, 100, 200, 200], likes=[10, 30, 40, 40],
    )
    # Instagram: p = 40/200 = 0.2; X2 = (10-20)^2/16 + (30-20)^2/16 = 12.5
    # TikTok: p = 80/400 = 0.2; both weeks at 40 = 200 x 0.2: X2 = 0
    # df = 4 rows - 2 accounts = 2: phi = 12.5 / 2 = 6.25
    assert social.dispersion(df, per="reach") == pytest.approx(6.25)
    # no extra variation: floored at 1
    flat = _rows(date=["2025-01-06", "2025-01-13"], reach=[100, 100], likes=[20, 20])
    assert social.dispersion(flat, per="reach") == 1.0


def test_engagement_quality_with_dispersion_is_more_cautious():
    df = _rows(brand=["Client", "Big", "Other"], followers=[10_000, 50_000, 8_000],
               reach=[2_000, 4_000, 2_000], likes=[80, 120, 70])
    plain = social.engagement_quality(df, per="reach").set_index("brand")
    # Big 3.0% vs others 150/4000 = 3.75%
    assert plain.loc["Big", "difference"] == pytest.approx(-0.0075)
    wide = social.engagement_quality(df, per="reach", dispersion=9.0).set_index("brand")
    # interval three times as wide around the same difference
    assert (wide.loc["Big", "difference"] - wide.loc["Big", "diff_low"]) == pytest.approx(
        3 * (plain.loc["Big", "difference"] - plain.loc["Big", "diff_low"]))
    assert wide.loc["Big", "p_value"] > plain.loc["Big", "p_value"]


def test_engagement_quality_requires_a_material_gap():
    df = _rows(brand=["Client", "Big", "Other"], followers=[10_000, 50_000, 8_000],
               reach=[1_000_000, 2_000_000, 1_000_000], likes=[40_000, 70_000, 35_000])
    q = social.engagement_quality(df, per="reach").set_index("brand")
    # Big: 3.5% against (40000 + 35000) / 2e6 = 3.75%: relative gap -0.25/3.75 = -6.7%, p tiny
    assert q.loc["Big", "relative_gap"] == pytest.approx(-0.0025 / 0.0375)
    assert q.loc["Big", "q_value"] < 1e-6 and not q.loc["Big", "vanity_gap"]
    assert social.engagement_quality(df, per="reach", min_gap=0.05).set_index("brand").loc["Big", "vanity_gap"]
