"""Notebook 03 (churn and renewal) rendered with papermill on a second dataset, quarterly, Stripe convention."""

from __future__ import annotations

import shutil

import pytest

from tests.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "03_churn_and_renewal.ipynb"


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_03_finds_planted_effects_on_second_dataset(tmp_path):
    papermill = pytest.importorskip("papermill")
    from kpikit import report, sample

    data = tmp_path / "data"
    sample.generate(data, seed=7)
    nb = tmp_path / "nb" / NOTEBOOK.name
    nb.parent.mkdir()
    shutil.copy(NOTEBOOK, nb)
    out = nb.parent / "out.ipynb"
    papermill.execute_notebook(
        str(nb),
        str(out),
        kernel_name="python3",
        cwd=str(nb.parent),
        progress_bar=False,
        parameters={"data_dir": str(data), "client": "Seed Seven", "freq": "QS", "same_period": "include"},
    )
    kpis = report.read_kpis(out)
    # planted: monthly plans churn ~6-7% a month, annual ~25% at renewal (under 2% a month on average)
    month, year = kpis["churn_by_interval"]["month"], kpis["churn_by_interval"]["year"]
    assert month["low"] > year["high"]
    assert month["value"] > 2 * year["value"]
    # planted: detractors churn about twice as often as promoters; reopened tickets churn more
    assert 1.4 < kpis["detractor_vs_promoter_churn_ratio"] < 4 and kpis["detractor_q_value"] < 0.01
    assert kpis["reopened_vs_smooth_churn_ratio"] > 1.3 and kpis["reopened_q_value"] < 0.01
    assert 0 < kpis["grr"] <= 1 and kpis["nrr"] > 0
    assert 0.5 < kpis["renewal_rate"]["value"] < 0.95  # ~25% lapse at renewal
    assert kpis["sbg_holdout_max_error"] < 0.05
    assert "no margin" in kpis["ltv_no_margin"]["variant"]
    committed = report.read_kpis(NOTEBOOK)
    assert kpis["mrr_end"] != committed["mrr_end"]
