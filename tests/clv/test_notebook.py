"""Notebook 04 (CLV forecasting): the committed run, a second dataset and non-default parameters."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.paths import NOTEBOOKS, SAMPLE

NOTEBOOK = NOTEBOOKS / "04_clv_forecasting.ipynb"


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_committed_notebook_passes_its_holdout_check_on_sample_data():
    from kpikit import report

    kpis = report.read_kpis(NOTEBOOK)  # the notebook is committed executed on data/sample
    assert kpis["model"] == "bgnbd"
    assert kpis["purchase_model_identified"] is True and kpis["spend_model_identified"] is True
    assert abs(kpis["holdout_relative_error"]) < 0.10
    assert kpis["lowest_clv_channel"] == "Paid Social"
    # the interval of the mean CLV is taken on the log scale: its ends multiply to the mean squared
    m = kpis["mean_clv"]
    assert 0 < m["low"] < m["value"] < m["high"] and m["low"] * m["high"] == pytest.approx(m["value"] ** 2)


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_finds_planted_clv_effect_on_second_dataset(render, second_dataset):
    from kpikit import report

    res = render("04_clv_forecasting.ipynb", data_dir=str(second_dataset), client="Second Client", horizon=24, cac=40.0)
    kpis = report.read_kpis(res.ipynb)
    # planted (data/sample/README.md): Paid Social customers buy less often and spend less per order
    assert kpis["lowest_clv_channel"] == "Paid Social"
    others = [v for k, v in kpis["clv_by_channel"].items() if k != "Paid Social"]
    assert kpis["clv_by_channel"]["Paid Social"] < 0.85 * min(others)
    # the data follow BG/NBD, so the holdout check passes: total purchases within 10%
    assert abs(kpis["holdout_relative_error"]) < 0.10
    assert kpis["model"] == "bgnbd" and 0 < kpis["share_probably_gone"] < 1
    # one given CAC for every channel: an LTV:CAC for each of the seven channels
    assert len(kpis["ltv_cac"]) == 7


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_runs_pareto_and_says_when_it_is_not_identified(render):
    from kpikit import report

    res = render("04_clv_forecasting.ipynb", model="pareto", cac=40.0, freq="W")
    kpis = report.read_kpis(res.ipynb)
    assert kpis["model"] == "pareto"
    assert set(kpis["purchase_params"]) == {"r", "alpha", "s", "beta"}
    # The sample's customers drop out after purchases (BG/NBD): Pareto/NBD's dropout rates come out
    # homogeneous, s and beta running off together, so its dropout process is not identified. The report
    # says so instead of stating who has stopped buying, what customers are worth or LTV:CAC.
    assert kpis["purchase_model_identified"] is False and "do not identify s" in kpis["model_caveat"]
    assert not {"share_probably_gone", "mean_clv", "ltv_cac", "lowest_clv_channel"} & set(kpis)
    text = res.ipynb.read_text(encoding="utf-8")
    assert "Caveat: Pareto/NBD: the data do not identify s" in text and "have probably stopped buying" not in text
    # weekly grain: holdout purchases = distinct (customer, week) after the calibration week, for the
    # customers seen by 2024-12-30 (the last day 2025-06-30 minus 6 months), counted with plain pandas
    tx = pd.read_csv(SAMPLE / "transactions.csv", parse_dates=["timestamp"])
    week = tx["timestamp"].dt.to_period("W")
    cal_week = pd.Period("2024-12-30", "W")
    known = set(tx.loc[week <= cal_week, "customer_id"])
    later = tx.loc[(week > cal_week) & tx["customer_id"].isin(known)].assign(week=week)
    assert kpis["holdout_actual"] == later.drop_duplicates(["customer_id", "week"]).shape[0]
    assert kpis["holdout_relative_error"] == pytest.approx(kpis["holdout_predicted"] / kpis["holdout_actual"] - 1)
