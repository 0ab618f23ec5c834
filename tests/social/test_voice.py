"""Tests of kpikit.social.voice: share of voice per period and within a competitive set."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import social
from kpikit.errors import KpiDataError
from tests.social.helpers import social_table


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


def test_share_of_voice_month_end_alias_is_the_same_grain(mentions):
    s = social.share_of_voice(mentions, freq="ME")
    pd.testing.assert_frame_equal(s, social.share_of_voice(mentions, freq="MS"))
    # periods are labelled by their first day
    assert s["period"].tolist() == [pd.Timestamp("2025-01-01")] * 3 + [pd.Timestamp("2025-02-01")] * 3


def test_summary_takes_share_of_voice_from_the_same_computation(mentions):
    # Jan: 30/100, 50/100, 20/100; Feb: 10/20, 10/20, 0/20 (as in test_share_of_voice_by_month)
    s = social.summary(mentions, freq="MS")
    assert s["share_of_voice"].tolist() == pytest.approx([0.3, 0.5, 0.2, 0.5, 0.5, 0.0])
    assert "total_mentions" not in s.columns
    whole = social.summary(mentions).set_index("brand")["share_of_voice"]
    # whole range: A 40/120, B 60/120, C 20/120
    assert whole.to_dict() == pytest.approx({"A": 1 / 3, "B": 0.5, "C": 1 / 6})
    sov = social.share_of_voice(mentions, freq=None).set_index("brand")["share_of_voice"]
    assert whole.to_dict() == sov.to_dict()


def test_share_of_voice_of_a_silent_period_is_unknown():
    df = social_table(date=["2025-01-05", "2025-01-05"], brand=["A", "B"], mentions=[0, 0])
    s = social.share_of_voice(df, freq="MS")
    # 0 mentions of 0: NaN, never 0
    assert s["share_of_voice"].isna().all() and s["total_mentions"].tolist() == [0, 0]
