"""Tests of kpikit.social.table: brand and date selection, and the checks every social KPI makes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import social
from kpikit.errors import KpiDataError
from tests.social.helpers import social_table


def test_select_brands_and_period(mentions):
    s = social.select(mentions, brands=["A", "C"], start="2025-02-01", end="2025-02-05")
    assert s["brand"].tolist() == ["A", "C"] and (s["date"] == pd.Timestamp("2025-02-05")).all()
    with pytest.raises(KpiDataError, match=r"'Alder' not found \(brands present: A, B, C\)"):
        social.select(mentions, brands=["Alder"])
    with pytest.raises(KpiDataError, match="no rows between 2026-01-01 and None.*covers 2025-01-05 to 2025-02-05"):
        social.select(mentions, start="2026-01-01")


def test_negative_count_is_an_error():
    df = social_table(likes=[3, -1], reach=[10, 10])
    with pytest.raises(
        KpiDataError,
        match=r"social, column 'likes': 1 value\(s\) are not non-negative whole counts \(row 1; first: -1\)",
    ):
        social.engagement_rate(df, per="reach")


def test_missing_column_names_closest():
    df = social_table(reach=[10]).rename(columns={"likes": "like"})
    with pytest.raises(
        KpiDataError,
        match=r"missing column\(s\) 'likes' \(closest to 'likes': 'like'.*For example: columns=\{'like': 'likes'\}",
    ):
        social.engagement_rate(df, per="reach")


def test_empty_values_are_an_error():
    df = social_table(reach=[10, 10]).astype({"reach": "float"})
    df.loc[1, "reach"] = np.nan
    with pytest.raises(KpiDataError, match=r"column 'reach': 1 empty value\(s\) \(row 1\)"):
        social.engagement_rate(df, per="reach")


def test_dates_must_be_datetimes():
    df = social_table(reach=[10]).assign(date="2025-01-01")
    with pytest.raises(KpiDataError, match="column 'date': expected datetimes"):
        social.share_of_voice(df)


def test_unknown_period_alias_is_an_error(mentions):
    with pytest.raises(KpiDataError, match="freq must be a period alias.*'fortnight'"):
        social.awareness(mentions, freq="fortnight")


def test_period_aliases_share_one_table(mentions):
    # "QE", "Q" and "QS" are one grain: both months fall in Q1 2025
    a = social.awareness(mentions, freq="QE")
    pd.testing.assert_frame_equal(a, social.awareness(mentions, freq="QS"))
    pd.testing.assert_frame_equal(a, social.awareness(mentions, freq="Q"))
    # mentions: A 30 + 10, B 50 + 10, C 20 + 0
    assert a["period"].unique().tolist() == [pd.Timestamp("2025-01-01")]
    assert a["mentions"].tolist() == [40, 60, 20]
