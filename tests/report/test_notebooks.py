"""kpikit.report.notebooks: each notebook's spec, and notebook 00's coverage computed from it."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit as kk
from kpikit.i18n import has_key
from kpikit.report.notebooks import NOTEBOOKS, notebook_coverage, notebook_spec
from kpikit.report.registry import KPIS
from kpikit.schemas import TABLES
from tests.paths import NOTEBOOKS as FOLDER

ONE = pd.DataFrame({"x": [1]})


def test_every_analysis_notebook_has_a_spec():
    stems = sorted(p.stem for p in FOLDER.glob("[0-9][0-9]_*.ipynb"))
    assert sorted(NOTEBOOKS) == stems


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_specs_name_real_tables_kpis_and_catalogue_keys(name):
    spec = NOTEBOOKS[name]
    assert set(spec.tables) <= set(TABLES)
    assert set(spec.kpis) <= set(KPIS) and len(set(spec.kpis)) == len(spec.kpis)
    keys = [spec.title, spec.question, *(k for sections in spec.optional.values() for k in sections)]
    assert [k for k in keys if not has_key(k)] == []


def test_notebook_spec_by_stem_or_file_name():
    assert notebook_spec("03_churn_and_renewal.ipynb") is NOTEBOOKS["03_churn_and_renewal"]
    assert notebook_spec("notebooks/03_churn_and_renewal") is NOTEBOOKS["03_churn_and_renewal"]
    with pytest.raises(ValueError, match="did you mean '03_churn_and_renewal'"):
        notebook_spec("03_churn_and_renewl")


def test_coverage_is_ready_only_when_a_table_of_each_required_group_loaded():
    cov = notebook_coverage({"subscriptions": ONE, "surveys": ONE, "sessions": ONE}).set_index("notebook")
    assert "00_data_overview" not in cov.index
    assert cov.loc["03_churn_and_renewal", "ready"]
    assert cov.loc["03_churn_and_renewal", "uses"] == "subscriptions, surveys"
    assert cov.loc["03_churn_and_renewal", "missing"] == "would use tickets"
    assert cov.loc["01_bounce_rate_diagnosis", "ready"]  # sessions stand in for events
    assert not cov.loc["02_funnel_conversion", "ready"]
    assert cov.loc["02_funnel_conversion", "missing"] == "needs events"
    assert not cov.loc["04_clv_forecasting", "ready"]
    assert cov.loc["04_clv_forecasting", "missing"] == "needs transactions"
    # an empty table does not count
    cov = notebook_coverage({"subscriptions": ONE, "events": ONE, "social": pd.DataFrame()}).set_index("notebook")
    assert cov.loc["02_funnel_conversion", "ready"] and not cov.loc["05_competitor_benchmarking", "ready"]
    # only the optional tables: not ready, whatever else is there
    cov = notebook_coverage({"surveys": ONE, "tickets": ONE}).set_index("notebook")
    assert not cov.loc["03_churn_and_renewal", "ready"]
    assert cov.loc["03_churn_and_renewal", "missing"] == "needs subscriptions"


def test_coverage_of_a_table_that_failed_its_checks(tmp_path):
    # read_folder leaves an invalid table out, so the notebook that needs it is not ready
    (tmp_path / "subscriptions.csv").write_text("customer_id,subscription_id,start\nc1,s1,not a date\n")
    with pytest.warns(kk.KpiWarning, match="table 'subscriptions' not loaded"):
        tables = kk.io.read_folder(tmp_path, tables=["subscriptions"])
    assert "subscriptions" in tables.problems
    cov = notebook_coverage(tables).set_index("notebook")
    assert not cov.loc["03_churn_and_renewal", "ready"]
    assert cov.loc["03_churn_and_renewal", "missing"] == "needs subscriptions"
