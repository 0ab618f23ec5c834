"""kpikit.report.loading with an engine: lazy events that cannot be used are reported as read_folder reports them."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError
from kpikit.io.lazy import is_lazy
from kpikit.report.loading import _add_health, _check_lazy, _check_required, _read
from tests.paths import SAMPLE

NB01 = kk.report.notebook_spec("01_bounce_rate_diagnosis")
NB02 = kk.report.notebook_spec("02_funnel_conversion")


@pytest.fixture(scope="module")
def events():
    return kk.io.read_folder(SAMPLE, tables=["events"])["events"].head(500)


def folder_with(tmp_path, events, parts):
    """A data folder with the sample's sessions table and the events written as ``parts`` (name -> writer)."""
    data = tmp_path / "data"
    (data / "events").mkdir(parents=True)
    shutil.copy(SAMPLE / "sessions.csv.gz", data / "sessions.csv.gz")
    for name, write in parts.items():
        write(events, data / "events" / name)
    return data


def test_duckdb_opens_parquet_parts_lazily_and_reports_them_in_health(tmp_path, events):
    parquet = lambda frame, path: frame.to_parquet(path)  # noqa: E731
    data = folder_with(tmp_path, events, {"part-0.parquet": parquet, "part-1.parquet": parquet})
    tables = _read(NB01, str(data), None, engine="duckdb")
    assert is_lazy(tables["events"]) and isinstance(tables["sessions"], pd.DataFrame)
    row = tables.health.set_index("table").loc["events"]
    assert (row["status"], int(row["rows"])) == ("ok", 1000)
    assert row["date_from"] == events["timestamp"].min()
    _check_required(NB02, tables, str(data))  # the events are there: notebook 02 goes on


def test_events_of_two_formats_are_an_unusable_table_and_notebook_01_goes_on_with_sessions(tmp_path, events):
    data = folder_with(
        tmp_path,
        events,
        {"part-0.parquet": lambda f, p: f.to_parquet(p), "part-1.csv": lambda f, p: f.to_csv(p, index=False)},
    )
    tables = _read(NB01, str(data), None, engine="duckdb")
    assert "events" not in tables and "sessions" in tables
    assert "several formats" in tables.problems["events"]
    _check_required(NB01, tables, str(data))  # sessions answer notebook 01
    with pytest.raises(KpiDataError, match="02_funnel_conversion needs the events table.*several formats"):
        _check_required(NB02, tables, str(data))


def test_a_lazy_events_table_without_a_required_column_is_named_with_its_fix(tmp_path, events):
    data = folder_with(tmp_path, events, {"part-0.parquet": lambda f, p: f.drop(columns="event").to_parquet(p)})
    tables = _read(NB02, str(data), None, engine="duckdb")
    assert "events" not in tables
    assert "event" in tables.problems["events"]
    with pytest.raises(KpiDataError, match="02_funnel_conversion needs the events table"):
        _check_required(NB02, tables, str(data))


def test_check_lazy_adds_the_health_row_open_folder_did_not_give(tmp_path, events):
    from kpikit.engine.tables import from_pandas

    tables = kk.io.TableSet(events=from_pandas(events))
    tables.health, tables.problems = pd.DataFrame(), {}
    _check_lazy(tables, "events")
    row = tables.health.set_index("table").loc["events"]
    assert (row["status"], row["rows"], row["date_to"]) == ("ok", 500, events["timestamp"].max())
    tables = kk.io.TableSet(events=from_pandas(events.drop(columns="user_id")))
    tables.health, tables.problems = pd.DataFrame(), {}
    _check_lazy(tables, "events")
    assert "events" not in tables and "user_id" in tables.problems["events"]
    assert tables.health["status"].tolist() == ["invalid"]
    _add_health(tables, {"table": "events", "status": "ok"})  # a table's row replaces its earlier one
    assert tables.health["status"].tolist() == ["ok"]
