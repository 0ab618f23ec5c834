"""Tests of kpikit.social.quality: engagement quality, overdispersion and the vanity check."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from kpikit import social
from kpikit.errors import VanityMetricWarning
from tests.social.helpers import social_table


def test_engagement_quality_flags_large_audience_that_does_not_engage():
    df = social_table(
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
    assert any("Client's engagement rate is 4.0%" in t for t in text)  # 800/20000, one decimal


def test_engagement_quality_noise_is_not_flagged():
    df = social_table(brand=["Client", "Big"], followers=[1000, 5000], reach=[100, 100], likes=[5, 3])
    q = social.engagement_quality(df, per="reach")
    # 3/100 vs 5/100: a visible gap, p well above 0.05: not flagged
    assert not q["vanity_gap"].any()


def test_engagement_quality_with_dispersion_is_more_cautious():
    df = social_table(
        brand=["Client", "Big", "Other"],
        followers=[10_000, 50_000, 8_000],
        reach=[2_000, 4_000, 2_000],
        likes=[80, 120, 70],
    )
    plain = social.engagement_quality(df, per="reach").set_index("brand")
    # Big 3.0% vs others 150/4000 = 3.75%
    assert plain.loc["Big", "difference"] == pytest.approx(-0.0075)
    wide = social.engagement_quality(df, per="reach", dispersion=9.0).set_index("brand")
    # interval three times as wide around the same difference
    assert (wide.loc["Big", "difference"] - wide.loc["Big", "diff_low"]) == pytest.approx(
        3 * (plain.loc["Big", "difference"] - plain.loc["Big", "diff_low"])
    )
    assert wide.loc["Big", "p_value"] > plain.loc["Big", "p_value"]


def test_engagement_quality_requires_a_material_gap():
    df = social_table(
        brand=["Client", "Big", "Other"],
        followers=[10_000, 50_000, 8_000],
        reach=[1_000_000, 2_000_000, 1_000_000],
        likes=[40_000, 70_000, 35_000],
    )
    q = social.engagement_quality(df, per="reach").set_index("brand")
    # Big: 3.5% against (40000 + 35000) / 2e6 = 3.75%: relative gap -0.25/3.75 = -6.7%, p tiny
    assert q.loc["Big", "relative_gap"] == pytest.approx(-0.0025 / 0.0375)
    assert q.loc["Big", "q_value"] < 1e-6 and not q.loc["Big", "vanity_gap"]
    assert social.engagement_quality(df, per="reach", min_gap=0.05).set_index("brand").loc["Big", "vanity_gap"]


def test_dispersion_pearson_over_weeks():
    df = social_table(
        date=["2025-01-06", "2025-01-13", "2025-01-06", "2025-01-13"],
        platform=["Instagram", "Instagram", "TikTok", "TikTok"],
        reach=[100, 100, 200, 200],
        likes=[10, 30, 40, 40],
    )
    # Instagram: p = 40/200 = 0.2; X2 = (10-20)^2/16 + (30-20)^2/16 = 12.5
    # TikTok: p = 80/400 = 0.2; both weeks at 40 = 200 x 0.2: X2 = 0
    # df = 4 rows - 2 accounts = 2: phi = 12.5 / 2 = 6.25
    assert social.dispersion(df, per="reach") == pytest.approx(6.25)
    # no extra variation: floored at 1
    flat = social_table(date=["2025-01-06", "2025-01-13"], reach=[100, 100], likes=[20, 20])
    assert social.dispersion(flat, per="reach") == 1.0


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
        ["engagement_rate_per_follower"],  # mixes both: engagement
        {"share of voice": 0.3, "NPS": 20},  # no reach-type KPI at all
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
