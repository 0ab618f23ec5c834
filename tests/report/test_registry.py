"""kpikit.report.registry: every KPI a sample notebook records has an entry, a label and a sane spec."""

from __future__ import annotations

import pytest

import kpikit as kk
from kpikit.i18n import has_key
from kpikit.report.registry import KPIS, KpiSpec, kpi_spec
from tests.paths import NOTEBOOKS

SAMPLE_NOTEBOOKS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", SAMPLE_NOTEBOOKS, ids=[p.stem for p in SAMPLE_NOTEBOOKS])
def test_every_recorded_kpi_has_a_registry_entry_and_is_declared(path):
    recorded = kk.report.read_kpis(path)
    assert recorded, f"{path.name} records no KPI"
    missing = [name for name in recorded if name not in KPIS]
    assert not missing, f"{path.name} records KPIs without a registry entry: {missing}"
    undeclared = [name for name in recorded if name not in kk.report.notebook_spec(path.name).kpis]
    assert not undeclared, f"{path.name} records KPIs its NOTEBOOKS entry does not declare: {undeclared}"


def test_every_entry_has_a_label_in_the_catalogue():
    assert not [name for name, spec in KPIS.items() if not has_key(spec.label)]


def test_entries_say_how_a_kpi_reads():
    assert (kpi_spec("bounce_rate").unit, kpi_spec("bounce_rate").direction) == ("share", "lower")
    assert kpi_spec("bounce_rate").format == "pct" and kpi_spec("arpa").format == "money"
    assert kpi_spec("nps").format == "signed" and kpi_spec("renewal_rate").period == "renewal"
    assert kpi_spec("churn_by_plan").shape == "by_segment" and kpi_spec("ab_test").shape == "fields"


def test_unknown_kpi_and_bad_specs_are_refused():
    with pytest.raises(ValueError, match="KPI 'bounce_rat' is not in the registry.*did you mean 'bounce_rate'"):
        kpi_spec("bounce_rat")
    with pytest.raises(ValueError, match="unit must be one of"):
        KpiSpec("x", "percent")
    with pytest.raises(ValueError, match="direction must be one of"):
        KpiSpec("x", "share", "up")
