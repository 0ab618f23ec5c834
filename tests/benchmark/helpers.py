"""Small peer tables for the tests of kpikit.benchmark."""

from __future__ import annotations

import pandas as pd


def peer_table(k, n):
    """Three peers B, C, D with counts ``k`` out of ``n``."""
    return pd.DataFrame({"brand": ["B", "C", "D"], "k": k, "n": n})
