"""Tests of kpikit.benchmark.recorded: the KPIs the same client's other reports recorded, with their periods."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from kpikit import benchmark as bm
from kpikit.errors import KpiDataError

BOUNCE = {"value": 0.447, "low": 0.435, "high": 0.458, "successes": 3373, "trials": 7546}


def kpis_json(folder, name, kpis, data_dir, periods=None):
    """A report's NN_name.kpis.json as kpikit render and kpikit batch write it."""
    record = {"notebook": f"{name}.ipynb", "parameters": {"data_dir": str(data_dir)}, "kpis": kpis}
    if periods is not None:
        record["periods"] = periods
    (folder / f"{name}.kpis.json").write_text(json.dumps(record), encoding="utf-8")


def executed_in_place(folder, name, kpis, default_data_dir, card_period):
    """A notebook executed in place (papermill NB NB in its folder): KPIs and summary among its outputs."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(f'data_dir: str = "{default_data_dir}"  # the data folder')
    params.metadata["tags"] = ["parameters"]
    last = nbformat.v4.new_code_cell("_ = rep.finish()")
    last.outputs = [
        nbformat.v4.new_output("display_data", data={bm.recorded.KPI_MIME: kpis}),
        nbformat.v4.new_output(
            "display_data", data={bm.recorded.SUMMARY_MIME: {"cards": [{"name": "nps", "period": card_period}]}}
        ),
    ]
    nb.cells = [params, last]
    nb.metadata["papermill"] = {"input_path": f"{name}.ipynb", "parameters": {}}
    nbformat.write(nb, folder / f"{name}.ipynb")


def test_reports_of_the_same_data_are_used_and_others_set_aside(tmp_path):
    client, other, reports = tmp_path / "acme" / "data", tmp_path / "sample", tmp_path / "reports"
    for d in (client, other, reports):
        d.mkdir(parents=True)
    kpis_json(
        reports,
        "01_bounce_rate_diagnosis",
        {"bounce_rate": BOUNCE},
        client,
        {"bounce_rate": "2024-12-30 to 2025-06-29"},
    )
    kpis_json(reports, "03_churn_and_renewal", {"nps": {"value": 33.5}}, other)
    rec = bm.recorded_kpis(reports, data_dir=client)
    assert list(rec) == ["01_bounce_rate_diagnosis"] and rec.found
    assert rec["01_bounce_rate_diagnosis"]["bounce_rate"] == BOUNCE
    assert rec.period("01_bounce_rate_diagnosis", "bounce_rate") == (
        pd.Timestamp("2024-12-30"),
        pd.Timestamp("2025-06-29"),
    )
    assert rec.skipped == {"03_churn_and_renewal": ("other data", other.resolve())}
    # without a data folder to match, every report found is used
    assert sorted(bm.recorded_kpis(reports)) == ["01_bounce_rate_diagnosis", "03_churn_and_renewal"]


def test_the_client_table_says_where_each_figure_comes_from(tmp_path):
    client, other, reports = tmp_path / "acme", tmp_path / "sample", tmp_path / "reports"
    for d in (client, other, reports):
        d.mkdir()
    kpis_json(
        reports,
        "01_bounce_rate_diagnosis",
        {"bounce_rate": BOUNCE},
        client,
        {"bounce_rate": "2024-12-30 to 2025-06-29"},
    )
    kpis_json(reports, "03_churn_and_renewal", {"nps": {"value": 33.5}}, other)
    rec = bm.recorded_kpis(reports, data_dir=client)
    sources = {"bounce_rate": "01_bounce_rate_diagnosis:bounce_rate", "nps": "03_churn_and_renewal:nps"}
    here = {"nps": {"value": 20.0, "low": 10.0, "high": 30.0}}
    own = bm.client_kpis(sources, rec, here, periods={"nps": (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))})
    assert own["origin"].tolist() == ["recorded", "computed"]
    assert own["value"].tolist() == [0.447, 20.0]  # the sample's NPS of 33.5 is never used
    assert own.loc[1, "why"] == "other data"
    table = bm.client_kpi_table(own, "en", folder="reports").set_index("benchmark_metric")
    assert table.loc["Bounce rate", "client_figure"] == "44.7% (43.5–45.8)"
    assert table.loc["Bounce rate", "client_period"] == "30 Dec 2024 – 29 Jun 2025"
    assert table.loc["Bounce rate", "client_kpi_source"] == 'recorded by the report "Bounce-rate diagnosis"'
    assert table.loc["Net Promoter Score", "client_period"] == "1 Jan 2025 – 31 Mar 2025"
    assert "was made from other data" in table.loc["Net Promoter Score", "client_kpi_source"]


def test_a_notebook_executed_in_place_is_read_from_its_outputs_wherever_the_reader_runs(tmp_path, monkeypatch):
    root = tmp_path / "project"
    (root / "data" / "acme").mkdir(parents=True)
    (root / "notebooks").mkdir()
    executed_in_place(
        root / "notebooks", "03_churn_and_renewal", {"nps": {"value": 33.5}}, "../data/acme", "Jan 2024 – Jun 2025"
    )
    monkeypatch.chdir(tmp_path)  # the default data folder is relative to the notebook's folder, not to here
    rec = bm.recorded_kpis(root / "notebooks", data_dir=root / "data" / "acme")
    assert rec["03_churn_and_renewal"] == {"nps": {"value": 33.5}}
    # the card's period, as an English report writes it, read back as dates: Jan 2024 to the end of Jun 2025
    assert rec.period("03_churn_and_renewal", "nps") == (pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-30"))
    assert bm.period_text(rec.period("03_churn_and_renewal", "nps"), "vi") == "1 thg 1, 2024 – 30 thg 6, 2025"
    assert list(bm.recorded_kpis(root / "notebooks", data_dir=root / "data" / "other")) == []


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Q1 2025", (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))),
        ("Jun 2025", (pd.Timestamp("2025-06-01"), pd.Timestamp("2025-06-30"))),
        ("30 Dec 2024 – 29 Jun 2025", (pd.Timestamp("2024-12-30"), pd.Timestamp("2025-06-29"))),
        ("2024", (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))),
        ("the last 12 months", "the last 12 months"),  # text it cannot read is kept as it is
    ],
)
def test_recorded_period_texts_are_read_back_as_dates(text, period):
    assert bm.recorded._period_value(text) == period


def test_no_folder_a_missing_folder_and_a_broken_file(tmp_path):
    assert bm.recorded_kpis(None).folder is None
    missing = bm.recorded_kpis(tmp_path / "nope", data_dir=tmp_path)
    assert not missing.found and len(missing) == 0
    own = bm.client_kpis({"nps": "03_churn_and_renewal:nps"}, missing)
    assert own.loc[0, "why"] == "folder not found" and own.loc[0, "origin"] == "missing"
    (tmp_path / "03_churn_and_renewal.kpis.json").write_text("{not json")
    with pytest.raises(KpiDataError, match="not valid JSON"):
        bm.recorded_kpis(tmp_path)


def test_a_cards_whole_months_give_way_to_the_exact_dates_the_report_recorded(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    kpis = {"bounce_rate": BOUNCE, "period": "2024-12-30 to 2025-06-29"}
    executed_in_place(tmp_path, "01_bounce_rate_diagnosis", kpis, str(data), "Jan 2024 – Jun 2025")
    nb = nbformat.read(tmp_path / "01_bounce_rate_diagnosis.ipynb", as_version=4)
    nb.cells[-1].outputs[1]["data"][bm.recorded.SUMMARY_MIME]["cards"].append(
        {"name": "bounce_rate", "period": "Dec 2024 – Jun 2025"}
    )
    nbformat.write(nb, tmp_path / "01_bounce_rate_diagnosis.ipynb")
    rec = bm.recorded_kpis(tmp_path, data_dir=data)
    # the card says Dec 2024 – Jun 2025; the report measured 30 Dec 2024 to 29 Jun 2025, within those months
    assert rec.period("01_bounce_rate_diagnosis", "bounce_rate") == (
        pd.Timestamp("2024-12-30"),
        pd.Timestamp("2025-06-29"),
    )
    # a card whose months do not hold the report's dates keeps its own (the NPS card: Jan 2024 – Jun 2025)
    assert rec.period("01_bounce_rate_diagnosis", "nps") == (pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-30"))


def test_a_batch_report_is_read_relative_to_the_notebooks_folder_both_ran_in(tmp_path, monkeypatch):
    """kpikit batch runs every report in the notebooks folder and passes data_dir relative to it."""
    root = tmp_path / "project"
    (root / "data" / "acme").mkdir(parents=True)
    (root / "notebooks").mkdir()
    reports = root / "reports" / "run" / "Acme"
    reports.mkdir(parents=True)
    kpis_json(reports, "03_churn_and_renewal", {"nps": {"value": 12.0}}, "../data/acme")
    # the executed notebook beside it keeps its source's relative input_path (as papermill left it)
    executed_in_place(reports, "03_churn_and_renewal", {"nps": {"value": 12.0}}, "../data/sample", "Jun 2025")
    monkeypatch.chdir(root / "notebooks")  # notebook 05 runs here, as the batch's reports did
    rec = bm.recorded_kpis("../reports/run/Acme", data_dir="../data/acme")
    assert rec["03_churn_and_renewal"] == {"nps": {"value": 12.0}}
    assert rec.reports["03_churn_and_renewal"].data_dir == (root / "data" / "acme").resolve()
