"""Notebook 01 (bounce-rate diagnosis) rendered with papermill: the planted effect is found on the second
dataset and nothing is flagged without it."""

from __future__ import annotations

import pytest

from tests.paths import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "01_bounce_rate_diagnosis.ipynb"


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_finds_planted_effect_on_second_dataset(render, second_dataset):
    from kpikit import report

    # rendered as `kpikit render` does, on the seed-7 dataset of tests/conftest.py
    res = render(NOTEBOOK.name, data_dir=str(second_dataset), client="Second Client")
    kpis = report.read_kpis(res.ipynb)
    assert "/landing/spring-sale" in kpis["device_gaps_flagged"]
    gap = kpis["largest_device_gap"]
    assert gap["landing_page"] == "/landing/spring-sale"
    # planted: mobile about 75% vs desktop about 35% -> a gap of roughly 40 points, clearly significant
    assert 0.25 < gap["gap"] < 0.55 and gap["q_value"] < 1e-6
    assert 0 < kpis["bounce_rate"]["value"] < 1
    assert kpis["fix_list"][0]["segment"].startswith("/landing/spring-sale")


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_flags_nothing_without_the_planted_effect(tmp_path):
    papermill = pytest.importorskip("papermill")
    from kpikit import report, sample

    data = tmp_path / "data"
    sample.generate(data, seed=7, effects=False)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={"data_dir": str(data), "definition": "ua"},
        kernel_name="python3",
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
    )
    kpis = report.read_kpis(out)
    assert kpis["definition"] == "ua"
    assert "/landing/spring-sale" not in kpis["device_gaps_flagged"]
