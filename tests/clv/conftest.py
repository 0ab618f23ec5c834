"""CDNOW reference data (Fader, Hardie and Lee 2005): 2,357 customers, calibration weeks 1-39."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit.clv as clv
from tests.clv.common import CDNOW


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    tx = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"date": str},
    )
    tx["timestamp"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx


@pytest.fixture(scope="session")
def cdnow_published() -> pd.DataFrame:
    # Published calibration summary: x, t_x, T in weeks (2 decimals), zbar in dollars (2 decimals).
    s = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    s = s.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    s.attrs["unit"] = "W"
    return s


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_transactions) -> pd.DataFrame:
    # Calibration ends 1997-09-30: day 272 of the year = 38.86 weeks after 1997-01-01.
    return clv.rfm_summary(cdnow_transactions, "1997-09-30", freq="D", unit="W")
