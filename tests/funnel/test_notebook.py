"""Notebook 02 (funnel conversion) rendered with papermill on the second dataset and other parameters."""

from __future__ import annotations

import pytest


@pytest.mark.notebook
def test_notebook_02_finds_the_checkout_leak_on_second_dataset(render, second_dataset):
    from kpikit.report import read_kpis

    res = render(
        "02_funnel_conversion.ipynb",
        data_dir=str(second_dataset),
        client="Second Client",
        window="3D",
        stage_cohort="M",
    )
    kpis = read_kpis(res.ipynb)
    change = kpis["largest_period_change"]
    # planted: begin_checkout -> purchase about 65% before 2025-03-01, about 42% after
    assert change["step_name"] == "purchase"
    assert change["rate_previous"] > 0.55 and change["rate_current"] < 0.5
    assert change["q_value"] < 0.01
    assert 0 < kpis["funnel_conversion"]["value"] < 1
    assert kpis["ab_test"]["page"] == "/landing/spring-sale" and kpis["ab_test"]["rate_b"]["trials"] > 500
    assert kpis["cac_blended"] > 0
    # the lead-to-customer rate over all leads, recorded through kk.funnel.lead_to_customer_rate
    ltc = kpis["lead_to_customer"]
    assert ltc["trials"] > 0 and 0 <= ltc["successes"] <= ltc["trials"]
    assert ltc["value"] == pytest.approx(ltc["successes"] / ltc["trials"])
