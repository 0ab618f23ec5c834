"""Small social tables for the tests of kpikit.social."""

from __future__ import annotations

import pandas as pd

from kpikit import social


def social_table(**cols) -> pd.DataFrame:
    """A social table: every count 0, brand A on Instagram on 2025-01-01, unless ``cols`` says otherwise."""
    n = max(len(v) for v in cols.values() if isinstance(v, list))
    base = dict.fromkeys(social.COUNT_COLUMNS, 0)
    base.update({"date": pd.Timestamp("2025-01-01"), "brand": "A", "platform": "Instagram"})
    base.update(cols)
    df = pd.DataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in base.items()})
    df["date"] = pd.to_datetime(df["date"])
    return df
