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
    assert "Segments with too few customers to compare are left out: Pop-up." in text
    # Email 90 / 20 = 4.5 meets the rule; Paid Social 40 / 30 = 1.33 returns more than it costs, below 3:1;
    # Pop-up (5 / 50 = 0.1) would be the worst, but 3 customers are too few to judge
    assert "LTV:CAC is above 1 but below the 3:1 rule of thumb for Paid Social (1.3x):" in text
    assert "return less than they cost" not in text and "Pop-up (" not in text
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
    # the caveat is plain words; the verdict naming the parameter is the model's own (rep.model records it)
    assert str(purchases.verdict()).startswith(
        "Pareto/NBD: the data do not identify s (estimate 0.6, standard error 0.7"
    )
    assert f[0].startswith("Caveat: the purchase model (Pareto/NBD) is not identified by this data")
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
    values.attrs = {
        "identified": {"purchases": False, "spend": True},
        "caveat": purchases.verdict(),
        "models": {"purchases": "Pareto/NBD", "spend": "Gamma-Gamma"},
    }
    f = clv.findings({"clv": 1.0, "lifespan_years": 3}, values, totals)
    assert f[0].startswith("Caveat: the purchase model (Pareto/NBD)") and len(f) == 2


def test_chart_titles_state_the_finding_or_stay_neutral_when_a_model_is_not_identified():
    values, by_channel, _, totals = _inputs()
    curve = pd.DataFrame({"period": [0, 1, 2], "cumulative_value": [10.0, 20.0, 30.0]})
    purchases, spend = _models()
    t = clv.titles(purchases, spend, totals=totals, clv=values, by_segment=by_channel, curve=curve, cac=25.0)
    assert t["holdout"] == "Holdout purchases: the model is 4.0% off in total"
    assert t["alive"] == "Frequent buyers who went quiet are probably gone"
    # Pop-up (3 customers) is not ranked: Paid Social is the lowest of the segments large enough
    low = by_channel.set_index("channel").loc["Paid Social", "clv"]
    assert t["segments"] == f"Paid Social customers are worth the least: {low:.2f} each"
    assert t["payback"] == "A new customer pays back the 25.00 CAC after 1.5 months"  # 20 -> 30 crosses 25 halfway
    purchases, spend = _models(identified=False)
    t = clv.titles(purchases, spend, totals=totals, clv=values, by_segment=by_channel, curve=curve, cac=25.0)
    assert t["holdout"] == "Holdout purchases: the model is 4.0% off in total"  # a count, not the model's claim
    assert t["alive"].endswith("(model not identified)") and "probably gone" not in t["alive"]
    assert t["distribution"] == "Predicted margin per customer (models not identified: no conclusion)"
    assert t["segments"] == "Mean predicted margin per customer, by segment"
    assert t["payback"] == "Cumulative margin of a new customer against the CAC (models not identified)"


def test_ltv_cac_findings_rank_by_the_margin_lost_a_year():
    new = pd.DataFrame(
        {
            "segment": ["Email", "Paid Social", "Search"],
            "customers": [40, 40, 40],
            "ltv": [90.0, 40.0, 50.0],
            "payback_months": [6.0, np.nan, np.nan],
        }
    )
    new.attrs = {"horizon": 24, "freq": "M"}
    # a CAC table as kk.acquisition.channel_cac returns it: its period is 2024 (366 days)
    costs = pd.DataFrame(
        {
            "channel": ["Paid Social", "Search"],
            "spend": [4000.0, 1500.0],
            "new_customers": [50, 30],
            "cac": [80.0, 50.0],
        }
    )
    costs.attrs = {"start": pd.Timestamp("2024-01-01"), "end": pd.Timestamp("2025-01-01"), "given": None}
    ratios = clv.ltv_cac(new, costs)
    # Email has no spend, so no CAC: it is left out
    assert ratios["segment"].tolist() == ["Paid Social", "Search"] and ratios["new_customers"].tolist() == [50, 30]
    assert ratios.attrs["years"] == pytest.approx(366 / 365.25) and ratios.attrs["horizon"] == 24
    loss, rule = clv.findings(ratios=ratios, currency="GBP")
    # Paid Social: 40 / 80 = 0.5; it loses (80 - 40) x 50 new customers a year
    years = 366 / 365.25
    assert loss == (
        "Paid channels return less than they cost: new customers from Paid Social bring £40.00 of margin each over "
        "24 months against a CAC of £80.00 (LTV:CAC 0.5x), a loss of about £1,996 a year."
    )
    assert loss.impact == pytest.approx(40 * 50 / years)
    # Search: 50 / 50 = 1.0 returns its cost but is below 3:1; the spend above what the rule allows is
    # (50 - 50 / 3) x 30 a year
    assert rule == (
        "LTV:CAC is above 1 but below the 3:1 rule of thumb for Search (1.0x): these channels return more than "
        "they cost, with little room for error."
    )
    assert rule.impact == pytest.approx((50 - 50 / 3) * 30 / years)
    # a CAC given for the report: the same sentence says so
    costs.attrs["given"] = 80.0
    assert clv.findings(ratios=clv.ltv_cac(new, costs), currency="GBP")[0].startswith(
        "At the given CAC, customers from Paid Social return less than they cost"
    )


def test_ltv_cac_findings_without_segments_speak_of_new_customers():
    # a CAC given for every customer and no channel column: one segment "all"
    new = pd.DataFrame({"segment": ["all"], "customers": [400], "ltv": [54.0], "payback_months": [11.0]})
    given = pd.DataFrame({"channel": ["all"], "spend": [np.nan], "new_customers": [300], "cac": [40.0]})
    given.attrs = {"start": pd.Timestamp("2024-01-01"), "end": pd.Timestamp("2025-01-01"), "given": 40.0}
    (rule,) = clv.findings(ratios=clv.ltv_cac(new, given), currency="GBP")
    # 54 / 40 = 1.35; the spend above what 3:1 allows: (40 - 54 / 3) x 300 new customers a year
    assert rule == (
        "LTV:CAC is 1.4x: new customers return more than they cost, but below the 3:1 rule of thumb, with little "
        "room for error."
    )
    assert rule.impact == pytest.approx((40 - 18) * 300 / (366 / 365.25))
    assert rule.text("vi").startswith("LTV:CAC là 1,4 lần: khách hàng mới mang lại nhiều hơn chi phí thu hút")
    (loss,) = clv.findings(ratios=clv.ltv_cac(new.assign(ltv=30.0), given), currency="GBP")
    assert loss.startswith("New customers return less than they cost: £30.00 of margin each over 24 months")
    assert loss.endswith("(LTV:CAC 0.8x), a loss of about £2,994 a year.")  # (40 - 30) x 300 / 1.002
    (ok,) = clv.findings(ratios=clv.ltv_cac(new.assign(ltv=130.0), given))
    assert ok == "LTV:CAC is 3.3x, which meets the 3:1 rule of thumb." and ok.impact == 0.0  # 3.25, half up
