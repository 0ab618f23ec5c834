"""Tests of kpikit.social.findings: chart titles, findings in words and the recorded headline KPIs."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sst

from kpikit import social
from kpikit.errors import KpiDataError
from tests.social.helpers import social_table


@pytest.fixture
def two_brands() -> pd.DataFrame:
    # A: followers 1000 -> 1100, 100 engagements of 1000 reached (10%), 40 mentions
    # B: followers 5000 -> 5000, 100 engagements of 2000 reached (5%), 60 mentions
    return social_table(
        date=["2025-01-01", "2025-01-31"] * 2,
        brand=["A", "A", "B", "B"],
        followers=[1000, 1100, 5000, 5000],
        reach=[500, 500, 1000, 1000],
        likes=[40, 60, 50, 50],
        mentions=[30, 10, 20, 40],
    )


def test_titles_name_the_vanity_gap_or_the_best_engager():
    big = social_table(
        brand=["Client", "Big", "Other"],
        followers=[10_000, 50_000, 8_000],
        reach=[20_000, 40_000, 20_000],
        likes=[800, 400, 700],
    )
    q = social.engagement_quality(big, per="reach")
    assert social.titles(quality=q) == {"quality": "Big: more followers, but a clearly lower engagement rate"}
    # 5/100 against 3/100: noise, nobody flagged; Client has the highest rate
    noise = social.engagement_quality(
        social_table(brand=["Client", "Big"], followers=[1000, 5000], reach=[100, 100], likes=[5, 3]), per="reach"
    )
    assert social.titles(quality=noise)["quality"] == "No large audience without engagement; Client engages best"


def test_titles_share_of_voice_pooled_over_periods(mentions):
    sov = social.share_of_voice(mentions, freq="MS")
    # pooled over January and February: A 40/120 = 33%, B 60/120 = 50%, C 20/120 = 17%
    assert social.titles(sov=sov, client="A") == {"sov": "B leads the conversation (50%); A holds 33%"}
    assert social.titles(sov=sov, client="B")["sov"] == "B leads the conversation (50%)"
    # without periods (or without a client) there is no trend title
    assert social.titles(sov=social.share_of_voice(mentions, freq=None), client="A") == {}
    assert social.titles(sov=sov) == {}


def test_findings_share_of_voice_sentence(mentions):
    sov = social.share_of_voice(mentions, freq="MS")
    quality = social.engagement_quality(
        social_table(brand=["Client", "Big"], followers=[1000, 5000], reach=[100, 100], likes=[5, 3]), per="reach"
    )
    text = social.findings(quality, sov, client="A")
    # A: 30/100 in January, 10/20 in February; pooled p = 40/120, se = sqrt(1/3 x 2/3 x (1/20 + 1/100))
    p = 2 * sst.norm.sf(0.2 / math.sqrt(1 / 3 * 2 / 3 * (1 / 20 + 1 / 100)))
    assert p == pytest.approx(0.0833, abs=1e-4)
    # findings use the report's formats: shares to one decimal, differences in "pp" (REPORT_STYLE)
    assert text == [
        f"A's share of voice moved from 30.0% (Jan 2025) to 50.0% (Feb 2025), +20.0 pp (within noise, p = {p:.3f})."
    ]
    assert text[0].impact == 0.0  # within noise: no impact


def test_findings_client_sentence_when_not_significant():
    quality = social.engagement_quality(
        social_table(brand=["Client", "Big"], followers=[1000, 5000], reach=[100, 100], likes=[5, 3]), per="reach"
    )
    text = social.findings(quality, client="Client")
    # 5/100 with its Wilson interval, against the other brand's 3/100; Big has more followers
    ci = sst.binomtest(5, 100).proportion_ci(method="wilson")
    assert (round(ci.low, 3), round(ci.high, 3)) == (0.022, 0.112)
    assert text == [
        "Client's engagement rate is 5.0% (95% CI 2.2% to 11.2%), not significantly different "
        "from the other brands' 3.0%; it ranks #1 on engagement and #2 on followers."
    ]


def test_headline_kpis(two_brands):
    k = social.headline_kpis(two_brands, "A", per="reach")
    assert k["engagement_per"] == "reach"
    assert (k["engagement_rate"].successes, k["engagement_rate"].trials) == (100, 1000)
    # share of voice over the whole range: 40 of 100 mentions
    assert (k["share_of_voice"].successes, k["share_of_voice"].trials) == (40, 100)
    assert k["audience_growth_rate"] == pytest.approx(0.1)  # 100 gained / 1000
    assert k["most_followed_brand"] == "B"
    # B: 5% against 10%, z = -0.05 / sqrt(200/3000 x 2800/3000 x (1/2000 + 1/1000)) = -5.18: flagged
    assert k["vanity_gap_brands"] == ["B"]
    c = k["client_vs_most_followed"]  # recorded as a figure: the difference is its value
    assert c["value"] == c["difference"] == pytest.approx(0.05)
    assert (c["client"], c["most_followed"], c["brand"]) == (pytest.approx(0.1), pytest.approx(0.05), "B")
    assert c["z"] == pytest.approx(0.05 / math.sqrt(200 / 3000 * 2800 / 3000 * (1 / 1000 + 1 / 2000)))
    assert c["low"] < 0.05 < c["high"]
    assert k["dispersion"] == 1.0
    assert social.headline_kpis(two_brands, "B", per="reach")["client_vs_most_followed"] is None
    with pytest.raises(KpiDataError, match=r"'Z' not found \(brands present: A, B\)"):
        social.headline_kpis(two_brands, "Z", per="reach")
