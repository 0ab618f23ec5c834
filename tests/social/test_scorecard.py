"""Tests of kpikit.social.scorecard: the per-brand summary, scorecard metric specs, brand comparisons, industry rows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sst

from kpikit import social
from kpikit.errors import KpiDataError
from tests.social.helpers import social_table


def test_summary_counts(two_days):
    s = social.summary(two_days).iloc[0]
    assert s["engagements"] == 100 and s["follower_posts"] == 3100
    assert s["engagement_rate_per_reach"] == pytest.approx(100 / 1900)
    assert s["engagement_rate_per_follower"] == pytest.approx(100 / 3100)
    assert s["followers_gained"] == 100 and s["audience_growth_rate"] == pytest.approx(0.1)


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
    df = social_table(brand=["A", "B"], reach=[1000, 1000], likes=[60, 40])
    c = social.compare_brands(df, "A", "B", per="reach")
    # 6% - 4% = 2 pts; pooled p = 100/2000 = 0.05; z = 0.02 / sqrt(0.05 x 0.95 x 0.002) = 2.0520
    assert c.difference == pytest.approx(0.02)
    assert c.z == pytest.approx(0.02 / np.sqrt(0.05 * 0.95 * 0.002))


def test_compare_brands_unknown_brand():
    df = social_table(brand=["A", "B"], reach=[1000, 1000], likes=[60, 40])
    with pytest.raises(KpiDataError, match=r"'Z' not found \(brands present: A, B\)"):
        social.compare_brands(df, "A", "Z", per="reach")


def test_compare_brands_with_dispersion_widens_the_interval():
    df = social_table(brand=["A", "B"], reach=[1000, 1000], likes=[60, 40])
    plain = social.compare_brands(df, "A", "B", per="reach")
    quasi = social.compare_brands(df, "A", "B", per="reach", dispersion=4.0)
    # phi = 4: z halved, half-widths doubled around the same difference
    assert quasi.difference == pytest.approx(0.02) and quasi.z == pytest.approx(plain.z / 2)
    assert quasi.high - quasi.difference == pytest.approx(2 * (plain.high - plain.difference))
    assert quasi.p_value == pytest.approx(2 * sst.norm.sf(plain.z / 2))


def test_industry_kpis_per_platform():
    df = social_table(
        brand=["A", "A", "B"],
        platform=["Instagram", "TikTok", "Instagram"],
        followers=[1000, 500, 9000],
        posts=[2, 4, 1],
        likes=[30, 50, 99],
        comments=[10, 10, 0],
    )
    r = social.industry_kpis(df, "A").set_index("segment")
    # Instagram: 40 engagements / (1000 x 2) follower-posts = 2%; TikTok: 60 / (500 x 4) = 3%
    assert r["value"].to_dict() == pytest.approx({"Instagram": 0.02, "TikTok": 0.03})
    assert r["trials"].to_dict() == {"Instagram": 2000.0, "TikTok": 2000.0}
    assert (r["metric"] == "social_engagement_rate").all()
    ci = sst.binomtest(40, 2000).proportion_ci(method="wilson")
    assert (r.loc["Instagram", "low"], r.loc["Instagram", "high"]) == pytest.approx((ci.low, ci.high))
    assert r.loc["TikTok", "client_source"] == "computed from the social table (engagements / follower_posts)"
