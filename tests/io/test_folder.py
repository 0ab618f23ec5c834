"""Tests of kpikit.io.folder: read_folder, folder_health and find_table_files."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import SUFFIXES, find_table_files, folder_health, read_folder
from tests.io.helpers import SESSIONS, write
from tests.paths import SAMPLE


def test_read_folder_and_folder_health(tmp_path):
    write(tmp_path / "sessions.csv", SESSIONS)  # good
    write(tmp_path / "transactions.csv", "customer_id,timestamp,amount\nc1,2024-03-01,5\nc2,2024-03-02,-1\n")  # invalid
    write(tmp_path / "README.md", "not a table")  # ignored
    write(tmp_path / "ua_landing_pages.csv", "# UA\nLanding Page,Sessions\n/,3\n")  # not canonical: ignored
    with pytest.warns(KpiWarning, match="table 'transactions' not loaded"):
        tables = read_folder(tmp_path, tables=["sessions", "transactions", "leads"])
    assert list(tables) == ["sessions"]
    assert "negative amount" in tables.problems["transactions"]
    h = tables.health.set_index("table")
    assert h.loc["sessions", "status"] == "ok" and h.loc["sessions", "rows"] == 3
    assert h.loc["sessions", "date_from"] == pd.Timestamp("2024-03-01 10:00")
    assert h.loc["sessions", "date_to"] == pd.Timestamp("2024-03-02 09:15")
    assert h.loc["sessions", "missing_values"] == 0
    assert h.loc["transactions", "status"] == "invalid"
    assert h.loc["transactions", "problem"].startswith("transactions.csv, column 'amount'")
    assert h.loc["leads", "status"] == "missing" and pd.isna(h.loc["leads", "rows"])

    full = folder_health(tmp_path)
    assert list(full.columns) == [
        "table",
        "file",
        "status",
        "rows",
        "columns",
        "date_from",
        "date_to",
        "missing_values",
        "problem",
    ]
    assert full["table"].tolist() == list(kk.schemas.TABLES)
    assert full["status"].value_counts().to_dict() == {"missing": 9, "ok": 1, "invalid": 1}
    with pytest.raises(KpiDataError, match="negative amount"):
        read_folder(tmp_path, strict=True)


def test_read_folder_with_mapping_file_and_duplicates(tmp_path):
    write(tmp_path / "spend.csv", "Month,Channel,Cost\n2024-01-01,Email,100\n")
    m = write(tmp_path / "map.yaml", "spend:\n  Month: period\n  Channel: channel\n  Cost: cost\n")
    tables = read_folder(tmp_path, mapping_file=m)
    assert tables["spend"]["cost"].tolist() == [100.0]
    assert tables.health.set_index("table").loc["spend", "missing_values"] == 0
    pd.DataFrame({"period": ["2024-01-01"], "channel": ["x"], "cost": [1.0]}).to_parquet(tmp_path / "spend.parquet")
    with pytest.warns(KpiWarning, match="all hold table 'spend'"):
        tables = read_folder(tmp_path, mapping_file=m)
    assert "spend" not in tables


def test_read_folder_missing_folder(tmp_path):
    with pytest.raises(KpiDataError, match="does not exist"):
        read_folder(tmp_path / "nope")


@pytest.mark.skipif(not SAMPLE.is_dir() or not any(SAMPLE.glob("*.csv*")), reason="data/sample not generated yet")
def test_sample_folder_loads_cleanly():
    with warnings.catch_warnings():
        warnings.simplefilter("error", KpiWarning)
        tables = read_folder(SAMPLE)
    health = tables.health
    present = health[health["status"] != "missing"]
    assert (present["status"] == "ok").all(), present[["table", "problem"]].to_string()
    assert len(tables) >= 1


def test_read_folder_refuses_a_flat_mapping_file(tmp_path):
    write(tmp_path / "spend.csv", "Month,Channel,Cost\n2024-01-01,Email,100\n")
    flat = write(tmp_path / "flat.yaml", "Month: period\n")
    with pytest.raises(KpiDataError, match="read_folder needs one section per table"):
        read_folder(tmp_path, mapping_file=flat)


def test_find_table_files(tmp_path):
    write(tmp_path / "Sessions.CSV", SESSIONS)  # names match case-insensitively
    write(tmp_path / "spend.csv", "period,channel,cost\n2024-01-01,Email,1\n")
    pd.DataFrame({"period": ["2024-01-01"], "channel": ["x"], "cost": [1.0]}).to_parquet(tmp_path / "spend.parquet")
    write(tmp_path / "spend.json", "{}")  # not a suffix read_folder reads
    write(tmp_path / "notes.csv", "a\n1\n")  # not a canonical table
    (tmp_path / "leads.csv").mkdir()  # a folder, not a file
    found = find_table_files(tmp_path)
    assert list(found) == ["sessions", "spend"]  # in the order of TABLES
    assert [p.name for p in found["sessions"]] == ["Sessions.CSV"]
    assert [p.name for p in found["spend"]] == ["spend.csv", "spend.parquet"]  # in the order of SUFFIXES
    assert SUFFIXES == (".csv", ".csv.gz", ".parquet", ".xlsx")
