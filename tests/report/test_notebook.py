"""Notebook 00 (data overview) rendered with papermill: a second dataset, non-default and wrong parameters."""

import pytest

import kpikit as kk
from kpikit.errors import ParameterError
from kpikit.render import render_notebook
from tests.paths import NOTEBOOKS


@pytest.mark.notebook
def test_notebook_00_renders_on_second_dataset_with_non_default_parameter(render, second_dataset):
    res = render("00_data_overview.ipynb", data_dir=str(second_dataset), client="Second Client", freq="QS")
    kpis = res.kpis
    assert kpis["sessions"] > 1000
    assert kpis["mrr_period"].endswith("T00:00:00") and kpis["mrr_period"][5:7] in ("01", "04", "07", "10")
    assert "Second Client" in res.html.read_text()
    # The seed-7 data differs from the committed sample.
    committed = kk.report.read_kpis(NOTEBOOKS / "00_data_overview.ipynb")
    assert kpis["sessions"] != committed["sessions"] or kpis["bounce_rate"] != committed["bounce_rate"]


def test_notebook_00_wrong_parameter_stops_with_clear_message(tmp_path):
    with pytest.raises(ParameterError) as err:
        render_notebook(NOTEBOOKS / "00_data_overview.ipynb", tmp_path / "o", parameters={"data_dri": "x", "freq": "W"})
    assert "unknown parameter 'data_dri'; did you mean 'data_dir'?" in str(err.value)
    assert "parameter 'freq' must be one of 'MS', 'QS' (got 'W', a str)" in str(err.value)
