"""Tests of kpikit.clv.findings: the headline KPIs of notebook 04, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kpikit.clv as clv


def test_headline_kpis_by_hand():
    values = pd.DataFrame({"clv": [10.0, 30.0, 20.0, 40.0], "p_alive": [0.9, 0.2, 0.5, 0.4]})
    purchases, spend = clv.ParetoNBD(), clv.GammaGamma()
    purchases.params_ = pd.Series({"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 12.0})
    spend.params_ = pd.Series({"p": 6.0, "q": 4.0, "v": 15.0})
    by_channel = pd.DataFrame({"channel": ["Email", "Paid Social", "Organic"], "clv": [30.0, 12.5, 20.0]})
    ratios = pd.DataFrame({"segment": ["Email", "Paid Social"], "ltv_cac": [3.0, 0.8], "payback_months": [4.0, np.nan]})
    totals = {"actual": 100, "predicted": 95.0, "relative_error": -0.05}
    k = clv.headline_kpis(
        {"clv": 55.0}, values, totals, purchases=purchases, spend_model=spend, by_segment=by_channel, ratios=ratios
    )
    # mean 25 of 4 values; s = sqrt((15^2 + 5^2 + 5^2 + 15^2) / 3) = sqrt(500/3); t(0.975, 3) = 3.182446305
    half = 3.182446305284263 * math.sqrt(500 / 3) / 2
    assert (k["mean_clv"].value, k["mean_clv"].low, k["mean_clv"].high) == pytest.approx((25.0, 25 - half, 25 + half))
    assert k["total_clv"] == 100.0 and k["historical_clv"] == 55.0
    assert k["share_probably_gone"] == 0.5  # P(alive) 0.2 and 0.4 are below 0.5; 0.5 itself is not
    assert k["model"] == "pareto" and k["purchase_params"] == {"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    assert (k["holdout_actual"], k["holdout_predicted"], k["holdout_relative_error"]) == (100, 95.0, -0.05)
    assert k["clv_by_channel"] == {"Email": 30.0, "Paid Social": 12.5, "Organic": 20.0}
    assert k["lowest_clv_channel"] == "Paid Social"
    assert k["ltv_cac"] == {"Email": 3.0, "Paid Social": 0.8}
    assert k["payback_months"] == {"Email": 4.0}  # Paid Social never pays back within the horizon
