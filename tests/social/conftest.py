"""Fixtures of the kpikit.social tests: two days of one brand, mentions of three brands over two months."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.social.helpers import social_table


@pytest.fixture
def two_days() -> pd.DataFrame:
    # brand A, two rows with different per-row rates so pooled != mean of ratios
    return social_table(
        date=["2025-01-01", "2025-01-02"],
        followers=[1000, 1100],
        posts=[2, 1],
        reach=[400, 1500],
        impressions=[800, 1200],
        likes=[30, 50],
        comments=[6, 9],
        shares=[4, 1],
    )


@pytest.fixture
def mentions() -> pd.DataFrame:
    return social_table(
        date=["2025-01-05"] * 3 + ["2025-02-05"] * 3,
        brand=["A", "B", "C"] * 2,
        mentions=[30, 50, 20, 10, 10, 0],
    )
