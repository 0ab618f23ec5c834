"""Tests of kpikit.clv.findings: the headline KPIs and findings of notebook 04, by hand; no finding from an
unidentified model or a handful of customers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kpikit.clv as clv


def _models(identified: bool = True):
    purchases, spend = clv.ParetoNBD(), clv.GammaGamma()
    purchases.params_ = pd.Series({"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 12.0})
    purchases.standard_errors_ = pd.Series({"r": 0.1, "alpha": 1.0, "s": 0.9 if identified else 0.7, "beta": 3.0})
    reasons = ["", "", "" if identified else "its standard error exceeds the estimate", ""]
    purchases._set_identification(reasons)
    spend.params_ = pd.Series({"p": 6.0, "q": 4.0, "v": 15.0})
    return purchases, spend


def test_headline_kpis_by_hand():
    values = pd.DataFrame({"clv": [10.0, 30.0, 20.0, 40.0], "p_alive": [0.9, 0.2, 0.5, 0.4]})
    purchases, spend = _models()
    by_channel = pd.DataFrame({"channel": ["Email", "Paid Social", "Organic"], "clv": [30.0, 12.5, 20.0]})
    ratios = pd.DataFrame({"segment": ["Email", "Paid Social"], "ltv_cac": [3.0, 0.8], "payback_months": [4.0, np.nan]})
    totals = {"actual": 100, "predicted": 95.0, "relative_error": -0.05}
    k = clv.headline_kpis(
        {"clv": 55.0}, values, totals, purchases=purchases, spend_model=spend, by_segment=by_channel, ratios=ratios
    )
    # mean 25 of 4 values, s = sqrt((15^2 + 5^2 + 5^2 + 15^2) / 3) = sqrt(500/3), se = s / 2; the interval is
    # taken on the log scale: 25 x exp(-/+ t(0.975, 3) se / 25), t(0.975, 3) = 3.182446305
    spread = math.exp(3.182446305284263 * math.sqrt(500 / 3) / 2 / 25)
    assert (k["mean_clv"].value, k["mean_clv"].low, k["mean_clv"].high) == pytest.approx(
        (25.0, 25 / spread, 25 * spread)
    )
    assert k["total_clv"] == 100.0 and k["historical_clv"] == 55.0
    assert k["share_probably_gone"] == 0.5  # P(alive) 0.2 and 0.4 are below 0.5; 0.5 itself is not
    assert k["model"] == "pareto" and k["purchase_params"] == {"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    assert k["purchase_model_identified"] is True and k["spend_model_identified"] is True and "model_caveat" not in k
    assert (k["holdout_actual"], k["holdout_predicted"], k["holdout_relative_error"]) == (100, 95.0, -0.05)
    assert k["clv_by_channel"] == {"Email": 30.0, "Paid Social": 12.5, "Organic": 20.0}
    assert k["lowest_clv_channel"] == "Paid Social"
    assert k["ltv_cac"] == {"Email": 3.0, "Paid Social": 0.8}
    assert k["payback_months"] == {"Email": 4.0}  # Paid Social never pays back within the horizon


def _inputs(n=40):
    rng = np.random.default_rng(0)
    values = pd.DataFrame(
        {
            "channel": ["Email"] * n + ["Paid Social"] * n + ["Pop-up"] * 3,
            "clv": np.r_[rng.gamma(2.0, 10.0, n), rng.gamma(2.0, 6.0, n), [0.5, 1.0, 0.2]],
            "p_alive": np.r_[np.full(n, 0.8), np.full(n, 0.3), [0.9, 0.9, 0.9]],
        }
    )
    by_channel = clv.clv_by_segment(values, "channel")
    new = pd.DataFrame(
        {
            "segment": ["Email", "Paid Social", "Pop-up"],
            "customers": [n, n, 3],
            "ltv": [90.0, 40.0, 5.0],
            "payback_months": [6.0, 20.0, np.nan],
        }
    )
    ratios = clv.ltv_cac(new, pd.Series({"Email": 20.0, "Paid Social": 30.0, "Pop-up": 50.0}))
    totals = {"actual": 100.0, "predicted": 104.0, "relative_error": 0.04}
    return values, by_channel, ratios, totals


def test_small_segments_are_flagged_and_never_ranked_or_headlined():
    values, by_channel, ratios, totals = _inputs()
    purchases, spend = _models()
    # Pop-up (3 customers) has the lowest mean CLV, but is flagged and left out
    assert by_channel.set_index("channel")["small_sample"].to_dict() == {
        "Email": False,
        "Paid Social": False,
        "Pop-up": True,
    }
    assert ratios.set_index("segment")["small_sample"].tolist() == [False, False, True]
    k = clv.headline_kpis(
        {"clv": 50.0}, values, totals, purchases=purchases, spend_model=spend, by_segment=by_channel, ratios=ratios
    )
    assert k["lowest_clv_channel"] == "Paid Social"
    assert set(k["clv_by_channel"]) == {"Email", "Paid Social"} and set(k["ltv_cac"]) == {"Email", "Paid Social"}
    f = clv.findings(
        {"clv": 50.0, "lifespan_years": 3},
        values,
        totals,
        by_segment=by_channel,
        ratios=ratios,
        purchases=purchases,
        spend_model=spend,
    )
    text = " ".join(f)
    assert "Customers from Paid Social are worth the least" in text
    assert "left out: Pop-up" in text and "LTV:CAC is below the 3:1 rule of thumb for Paid Social." in text
    assert "LTV:CAC is not judged for Pop-up: too few customers." in text


def test_an_unidentified_purchase_model_gives_a_caveat_not_findings():
    values, by_channel, ratios, totals = _inputs()
    purchases, spend = _models(identified=False)
    assert not purchases.identified_  # s: standard error 0.7 above its estimate 0.6
    f = clv.findings(
        {"clv": 50.0, "lifespan_years": 3},
        values,
        totals,
        by_segment=by_channel,
        ratios=ratios,
        purchases=purchases,
        spend_model=spend,
    )
    assert f[0].startswith("Caveat: Pareto/NBD: the data do not identify s (estimate 0.6, standard error 0.7")
    assert "does not state how many customers have stopped buying" in f[0]
    text = " ".join(f[1:])
    assert "have probably stopped buying" not in text and "worth the least" not in text and "LTV:CAC is" not in text
    assert len(f) == 2 and f[1].startswith("On the holdout period")  # the holdout check is evidence
    k = clv.headline_kpis(
        {"clv": 50.0}, values, totals, purchases=purchases, spend_model=spend, by_segment=by_channel, ratios=ratios
    )
    assert k["purchase_model_identified"] is False and k["model_caveat"].startswith(
        "Pareto/NBD: the data do not identify s"
    )
    for key in ("mean_clv", "total_clv", "share_probably_gone", "clv_by_channel", "lowest_clv_channel", "ltv_cac"):
        assert key not in k
    assert k["purchase_params"]["s"] == 0.6 and k["holdout_relative_error"] == 0.04
    # the verdict travels with customer_lifetime_value's frame when the models are not passed
    values.attrs = {"identified": {"purchases": False, "spend": True}, "caveat": purchases.verdict()}
    assert clv.findings({"clv": 1.0, "lifespan_years": 3}, values, totals)[0].startswith("Caveat: Pareto/NBD")
