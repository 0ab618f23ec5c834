"""kpikit.report.kpis: headline KPIs recorded as JSON in the notebook, read back and written as text."""

import json
import math

import kpikit as kk
from kpikit.report import KPI_MIME, read_kpis, to_jsonable


def test_to_jsonable_handles_kpikit_and_numpy_values():
    import numpy as np
    import pandas as pd

    out = to_jsonable(
        {
            "r": kk.rate(30, 100),
            "n": np.int64(3),
            "x": np.float64("nan"),
            "t": pd.Timestamp("2025-01-02"),
            "ok": np.bool_(True),
        }
    )
    assert out["r"]["successes"] == 30 and out["r"]["value"] == 0.3
    assert out == {**out, "n": 3, "x": None, "t": "2025-01-02T00:00:00", "ok": True}
    json.dumps(out, allow_nan=False)


def test_record_and_read_kpis_roundtrip(tmp_path):
    data = kk.report.record_kpis({"r": kk.rate(30, 100), "label": "<b>x</b>"}, display=False)
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {KPI_MIME: data}}]}]}
    path = tmp_path / "r.ipynb"
    path.write_text(json.dumps(nb))
    got = read_kpis(path)
    assert got["label"] == "<b>x</b>" and math.isclose(got["r"]["value"], 0.3)


def test_notebook_kpis_merge_in_cell_order():
    def cell(kpis):
        return {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {KPI_MIME: kpis}}]}

    nb = {"cells": [cell({"a": 1, "b": 2}), {"cell_type": "markdown"}, cell({"b": 3})]}
    assert kk.report.notebook_kpis(nb) == {"a": 1, "b": 3}


def test_headline_items_put_single_figures_first_and_format_them():
    kpis = {
        "by_plan": {"Box Monthly": {"value": 0.06}},
        "churn": {"value": 0.0382, "low": 0.0308, "high": 0.0473, "successes": 80, "trials": 2095},
        "mrr": 69774.8,
        "mrr_period": "2025-06-01T00:00:00",
        "model": "bgnbd",
    }
    assert kk.report.headline_items(kpis, n=5) == [
        ("churn", "3.8% (3.1% to 4.7%)"),
        ("mrr", "69,775"),
        ("mrr_period", "2025-06-01"),
        ("model", "bgnbd"),
        ("by_plan", '{"Box Monthly": {"value": 0.06}}'),
    ]
