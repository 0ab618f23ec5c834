"""kpikit.io.lazy_health: the health row of a table opened lazily equals read_folder's for the same files."""

from __future__ import annotations

import hashlib
import shutil
import warnings

import pandas as pd
import pytest

import kpikit as kk
from kpikit.io import lazy
from kpikit.io.lazy import open_folder
from tests.paths import SAMPLE

#: The columns both health frames share (the lazy one adds ``hash``).
COLUMNS = ["table", "file", "status", "rows", "columns", "date_from", "date_to", "missing_values", "problem"]


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    """The first 3,000 events of data/sample, as read_table reads them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kk.read_table(SAMPLE / "events.csv.gz", "events").iloc[:3000].reset_index(drop=True)


def parts(folder, frames) -> list:
    """Write ``frames`` as events/part-1.parquet, part-2.parquet, ... in ``folder``; their paths."""
    (folder / "events").mkdir(parents=True)
    paths = []
    for i, frame in enumerate(frames, 1):
        paths.append(folder / "events" / f"part-{i}.parquet")
        frame.to_parquet(paths[-1], index=False)
    return paths


def both(folder, **options) -> tuple[dict, dict, kk.io.TableSet]:
    """The events' health row read into pandas and opened lazily, and the lazy TableSet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eager = kk.io.read_folder(folder, tables=["events"], **options).health
        opened = open_folder(folder, tables=["events"], engine="duckdb", **options)
    return eager.iloc[0].to_dict(), opened.health.iloc[0].to_dict(), opened


def test_partitioned_events_have_the_pandas_row_and_their_files_hash(tmp_path, events):
    paths = parts(tmp_path, [events.iloc[:1000], events.iloc[1000:2500], events.iloc[2500:]])
    shutil.copy(SAMPLE / "leads.csv", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eager = kk.io.read_folder(tmp_path).health
        opened = open_folder(tmp_path, engine="duckdb")
    assert kk.io.lazy.is_lazy(opened["events"])
    # every table in read_folder's order, the lazy row where pandas has its own
    assert opened.health["table"].tolist() == eager["table"].tolist()
    pd.testing.assert_frame_equal(opened.health[COLUMNS], eager[COLUMNS])
    row = opened.health.set_index("table").loc["events"]
    assert (row["status"], row["rows"], row["columns"]) == ("ok", 3000, 12)
    assert row["file"] == "events/part-1.parquet, events/part-2.parquet, events/part-3.parquet"
    assert row["date_from"] == events["timestamp"].min() and row["date_to"] == events["timestamp"].max()
    assert row["missing_values"] == int(events.isna().sum().sum())
    assert row["hash"] == hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()[:16]
    # tables read into pandas: the appendix hashes their files itself
    assert opened.health.set_index("table").loc["leads", "hash"] == ""


def test_the_row_comes_from_small_queries_never_the_table(tmp_path, events, monkeypatch):
    parts(tmp_path, [events.iloc[:1500], events.iloc[1500:].assign(value=-1.0)])
    sizes = []
    collect = lazy.collect

    def counted(obj, limit=None):
        out = collect(obj, limit)
        sizes.append(len(out))
        return out

    monkeypatch.setattr(lazy, "collect", counted)
    _, row, _ = both(tmp_path)
    assert row["status"] == "invalid"
    assert sizes and max(sizes) <= 5


def test_a_required_column_missing_from_every_file(tmp_path, events):
    parts(tmp_path, [events.iloc[:1500].drop(columns="user_id"), events.iloc[1500:].drop(columns="user_id")])
    eager, row, opened = both(tmp_path)
    assert row["status"] == eager["status"] == "invalid"
    assert row["problem"] == eager["problem"]
    assert row["problem"].startswith("events/part-1.parquet: required column 'user_id'")
    assert "events" not in opened and opened.problems["events"] == row["problem"]


def test_a_required_column_missing_from_one_part_names_that_part(tmp_path, events):
    parts(tmp_path, [events.iloc[:1500], events.iloc[1500:].drop(columns="event")])
    eager, row, _ = both(tmp_path)
    assert row["status"] == "invalid"
    assert row["problem"] == eager["problem"]
    assert row["problem"].startswith("events/part-2.parquet: required column 'event'")


def test_missing_times_name_the_file_and_its_rows(tmp_path, events):
    second = events.iloc[1500:].reset_index(drop=True)
    second.loc[[4, 9, 700], "timestamp"] = pd.NaT
    parts(tmp_path, [events.iloc[:1500], second])
    eager, row, _ = both(tmp_path)
    assert row["status"] == eager["status"] == "invalid"
    assert row["problem"] == eager["problem"]
    assert "events/part-2.parquet, column 'timestamp': 3 rows are empty" in row["problem"]
    assert "file rows 5, 10, 701" in row["problem"]


def test_blank_ids_placeholders_and_negative_values_as_pandas_reports_them(tmp_path, events):
    first = events.iloc[:1500].reset_index(drop=True)
    first.loc[2, "user_id"] = " null "
    first.loc[3, "user_id"] = ""
    first.loc[[5, 6], "value"] = -2.5
    parts(tmp_path, [first, events.iloc[1500:]])
    eager, row, _ = both(tmp_path)
    assert row["problem"] == eager["problem"]
    assert row["problem"].startswith("events/part-1.parquet: 2 problems")
    assert "column 'user_id': 2 rows are empty" in row["problem"]
    assert "column 'value': 2 rows have a negative value (file rows 6, 7; first: -2.5)" in row["problem"]
    # refunds allowed: the table loads, the placeholder and the blank id counted as empty cells
    first = first.assign(user_id=first["user_id"].replace({" null ": "u-1", "": "u-2"}))
    shutil.rmtree(tmp_path / "events")
    parts(tmp_path, [first, events.iloc[1500:]])
    eager, row, _ = both(tmp_path, allow_negative=True)
    assert row["status"] == eager["status"] == "ok"
    assert row["missing_values"] == eager["missing_values"]


def test_a_value_duckdb_cannot_convert_names_the_file(tmp_path, events):
    csv = events.iloc[:50].assign(timestamp=events["timestamp"].iloc[:50].astype(str))
    csv.loc[7, "timestamp"] = "yesterday"
    csv.to_csv(tmp_path / "events.csv", index=False)
    _, row, opened = both(tmp_path)
    assert row["status"] == "invalid"
    assert row["problem"].startswith("events.csv: a value cannot be read as its column's type")
    assert "events" in opened.problems
