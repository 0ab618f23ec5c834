"""Tests of kpikit.clv.validation: the calibration/holdout check and the P(alive) grid on CDNOW."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kpikit.clv as clv


def test_holdout_check_on_cdnow(cdnow_transactions):
    ch = clv.calibration_holdout(cdnow_transactions, "1997-09-30", "1998-06-30", unit="W")
    m = clv.BetaGeo().fit(ch)
    buckets = clv.holdout_check(m, ch, max_frequency=7)
    assert buckets["frequency"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert buckets["customers"].sum() == 2357
    assert buckets["customers"].iloc[0] == 2357 - 946
    totals = clv.holdout_totals(m, ch)
    # actual: distinct (customer, day) purchases from 1997-10-01 to 1998-06-30, counted with plain pandas
    later = cdnow_transactions[cdnow_transactions["timestamp"] > "1997-09-30"]
    assert totals["actual"] == len(later.drop_duplicates(["customer_id", "date"])) == 1882
    assert totals["predicted"] == pytest.approx(float(m.predict_purchases(273 / 7, ch).sum()))
    assert totals["relative_error"] == pytest.approx(totals["predicted"] / 1882 - 1)
    # conditional expectations rise with calibration frequency, as in FHL 2005 figure 3
    assert (np.diff(buckets["predicted"].to_numpy()) > 0).all()
    grid = clv.probability_alive_matrix(m, T=39.0, max_frequency=5, recency_steps=3)
    assert grid.shape == (6, 4)
    assert grid.iloc[0, 0] == 1.0 and grid.iloc[0, 1:].isna().all()
    # more recent last purchase -> more likely alive
    assert (np.diff(grid.iloc[1:].to_numpy(), axis=1) > 0).all()


def test_share_probably_gone_by_hand():
    # P(alive) 0.2 and 0.4 are below 0.5; 0.5 itself is not: 2 of 4
    assert clv.share_probably_gone([0.9, 0.2, 0.5, 0.4]) == 0.5
    # 0.2 only below 0.3: 1 of 4
    assert clv.share_probably_gone(pd.Series([0.9, 0.2, 0.5, 0.4]), threshold=0.3) == 0.25
    assert math.isnan(clv.share_probably_gone([]))
