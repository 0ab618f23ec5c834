"""kpikit.funnel.journey: the social journey awareness -> engagement -> conversion -> customer."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import funnel as F
from kpikit.errors import KpiDataError
from tests.funnel.logs import log

SOCIAL = pd.DataFrame(
    {
        "date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"]),
        "platform": ["Instagram", "TikTok", "Instagram"],
        "brand": ["Us", "Us", "Them"],
        "reach": [1000, 3000, 99999],
        "impressions": [2000, 5000, 1],
        "likes": [50, 100, 0],
        "comments": [5, 10, 0],
        "shares": [5, 30, 0],
        "clicks": [20, 40, 0],
        "conversions": [2, 3, 0],
    }
)


EVENTS = log(
    [
        ("a", "2025-01-01", "purchase", "Paid Social"),
        ("a", "2025-01-02", "purchase", "Organic Social"),
        ("b", "2025-01-01", "purchase", "Email"),
        ("c", "2025-01-01", "page_view", "Paid Social"),
    ],
    extra=["channel"],
)


def test_social_journey():
    social = SOCIAL
    f = F.social_journey(social, brand="Us")
    # reach 4000 -> engagements 200 -> clicks 60 -> conversions 5
    assert f["count"].tolist() == [4000, 200, 60, 5]
    assert f["rate_from_previous"].tolist() == pytest.approx([1.0, 0.05, 0.3, 5 / 60])
    byp = F.social_journey(social, brand="Us", by="platform")
    assert byp[byp.platform == "TikTok"]["count"].tolist() == [3000, 140, 40, 3]
    ev = EVENTS
    f = F.social_journey(social, brand="Us", events=ev)
    assert f["count"].tolist() == [4000, 200, 60, 1]
    with pytest.raises(KpiDataError, match="no rows for brand 'Nobody'"):
        F.social_journey(social, brand="Nobody")


def test_social_journey_period():
    # from 2025-01-02 on: only the client's TikTok row, and only a's purchase on 2025-01-02 (Organic Social)
    f = F.social_journey(SOCIAL, brand="Us", start="2025-01-02")
    assert f["count"].tolist() == [3000, 140, 40, 3]
    f = F.social_journey(SOCIAL, brand="Us", events=EVENTS, start="2025-01-02")
    assert f["count"].tolist() == [3000, 140, 40, 1]
    # before 2025-01-02: the Instagram row and a's purchase on 2025-01-01 (Paid Social)
    f = F.social_journey(SOCIAL, brand="Us", events=EVENTS, end="2025-01-02")
    assert f["count"].tolist() == [1000, 60, 20, 1]
    # impressions instead of reach open the journey
    f = F.social_journey(SOCIAL, brand="Us", end="2025-01-02", awareness="impressions")
    assert f["count"].tolist() == [2000, 60, 20, 2]


def test_social_journey_interval_only_for_a_plausible_subset():
    # 2 engagements but 20 clicks: the click stage is not a subset of the engagements, so its ratio
    # (10.0) gets no interval; the other stages do
    one = SOCIAL.iloc[:1].assign(likes=2, comments=0, shares=0)
    f = F.social_journey(one, brand="Us")
    assert f["count"].tolist() == [1000, 2, 20, 2]
    assert f["rate_from_previous"].tolist() == pytest.approx([1.0, 0.002, 10.0, 0.1])
    assert f["ci_low"].isna().tolist() == [False, False, True, False]
    assert f["ci_high"].isna().tolist() == [False, False, True, False]
