"""Small peer tables for the tests of kpikit.benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd


def peer_table(k, n):
    """Three peers B, C, D with counts ``k`` out of ``n``."""
    return pd.DataFrame({"brand": ["B", "C", "D"], "k": k, "n": n})


def published_benchmarks() -> pd.DataFrame:
    """A small published-benchmarks table (bounce rate by site type, one NPS band)."""
    return pd.DataFrame(
        {
            "metric": ["bounce_rate", "bounce_rate", "bounce_rate", "nps"],
            "segment": ["all sites", "retail", "landing pages", "test industry"],
            "source": ["Google Analytics benchmarking newsletter", "HubSpot", "HubSpot", "test fixture"],
            "p25": [np.nan, 0.20, 0.70, 20.0],
            "p50": [np.nan, np.nan, np.nan, 40.0],
            "p75": [np.nan, 0.40, 0.90, 60.0],
            "value": [0.47, np.nan, np.nan, np.nan],
            "n": [np.nan] * 4,
            "year": [2011, 2013, 2013, 2020],
        }
    )
