"""Tests of kpikit.benchmark.kpis: the headline KPIs of notebook 05's benchmark sections."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import benchmark as bm
from kpikit.errors import KpiDataError
from tests.benchmark.helpers import peer_table


def test_gap_to_peers_is_the_tested_difference_with_its_interval():
    client = {"brand": "A", "k": 1200, "n": 10_000}
    peers = peer_table([800, 900, 1000], [10_000] * 3)
    res = bm.compare(client, peers, {"engagement rate (per reach)": ("k", "n")})
    gap = bm.gap_to_peers(res, "engagement rate")
    # 1200/10000 = 12% against 2700/30000 = 9% pooled
    assert gap["value"] == pytest.approx(0.03) and gap["low"] < 0.03 < gap["high"]
    assert (gap["client"], gap["peers"]) == (pytest.approx(0.12), pytest.approx(0.09))
    assert gap["metric"] == "engagement rate (per reach)" and gap["verdict"] == "leads"
    with pytest.raises(KpiDataError, match="No tested conversion rate"):
        bm.gap_to_peers(res, "conversion rate")


def test_industry_position_is_relative_to_the_published_figure_on_the_largest_audience():
    industry = pd.DataFrame(
        {
            "metric": ["social_engagement_rate"] * 2,
            "segment": ["Instagram", "LinkedIn"],
            "client": [0.00651, 0.0064],
            "client_low": [0.00645, 0.0060],
            "client_high": [0.00657, 0.0068],
            "reference": [0.0047, 0.004],
            "trials": [7_478_633, 148_081],
            "verdict": ["better", "better"],
            "context": ["", ""],
            "source": ["Rival IQ", "Rival IQ"],
            "year": [2022, 2022],
            "client_period": [(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-23"))] * 2,
        }
    )
    pos = bm.industry_position(industry)
    # Instagram rests on the most follower-posts: 0.651% / 0.47% - 1 = +38.5%
    assert pos["segment"] == "Instagram"
    assert pos["value"] == pytest.approx(0.00651 / 0.0047 - 1)
    assert (pos["low"], pos["high"]) == (pytest.approx(0.00645 / 0.0047 - 1), pytest.approx(0.00657 / 0.0047 - 1))
    assert pos["client_period"] == "1 Jan 2024 – 23 Jun 2025" and pos["year"] == 2022
    with pytest.raises(KpiDataError, match="No published figure"):
        bm.industry_position(industry.assign(reference=float("nan")))
