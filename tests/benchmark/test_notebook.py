"""Notebook 05 (competitor benchmarking) rendered on other data: it finds a planted effect, and no effect where none is."""

from __future__ import annotations

import pytest


@pytest.mark.notebook
def test_notebook_finds_planted_competitor_effect(second_dataset, render):
    res = render(
        "05_competitor_benchmarking.ipynb", data_dir=str(second_dataset), client="Second Client", reports_dir=None
    )
    k = res.kpis
    # planted: Alder Crate has clearly more followers than the client but a clearly lower engagement rate
    assert k["client"] == "Second Client"
    assert k["most_followed_brand"] == "Alder Crate"
    assert "Alder Crate" in k["vanity_gap_brands"]
    c = k["client_vs_most_followed"]
    assert c["difference"] > 0 and c["low"] > 0 and c["p_value"] < 0.001
    assert k["dispersion"] > 1
    assert k["industry"] and all(row["source"] and row["year"] != "undated" for row in k["industry"])


@pytest.mark.notebook
def test_notebook_without_the_effect_does_not_find_it(tmp_path, render):
    from kpikit.sample import generate

    generate(tmp_path, seed=7, effects=False)
    res = render(
        "05_competitor_benchmarking.ipynb",
        data_dir=str(tmp_path),
        reports_dir=None,
        engagement_per="followers",
        undated_benchmarks="show",
    )
    k = res.kpis
    assert k["engagement_per"] == "followers"
    # without the effect Alder Crate is still the largest audience, but its engagement per follower is
    # within a few percent of the others': no longer flagged
    assert k["most_followed_brand"] == "Alder Crate"
    assert "Alder Crate" not in k["vanity_gap_brands"]
    # undated rows are shown, flagged, never without their source
    assert any(row["year"] == "undated" for row in k["industry"])
