"""Tests of kpikit.io.mapping: column mappings as a dict or a YAML file, and their errors."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit.errors import KpiDataError
from kpikit.io import load_mapping, read_table
from tests.io.helpers import write


def test_mapping_dict(tmp_path):
    p = write(
        tmp_path / "export.csv", "Session ID,Session Start,Landing Page,Channel Group\ns1,2024-03-01 10:00,/,Email\n"
    )
    df = read_table(
        p, "sessions", columns={"Session ID": "session_id", "Session Start": "start", "Landing Page": "landing_page"}
    )
    assert list(df.columns) == ["session_id", "start", "landing_page", "Channel Group"]
    assert df["start"].iloc[0] == pd.Timestamp("2024-03-01 10:00")


def test_mapping_file_sectioned_and_flat(tmp_path):
    p = write(tmp_path / "export.csv", "Order Total,Customer,Order Date\n$12.50,c1,2024-03-01\n")
    sectioned = write(
        tmp_path / "mapping.yaml",
        "transactions:\n  Order Total: amount\n  Customer: customer_id\n"
        "  Order Date: timestamp\nsessions:\n  Session Start: start\n",
    )
    df = read_table(p, "transactions", mapping_file=sectioned)
    assert df["amount"].tolist() == [12.5]
    flat = write(tmp_path / "flat.yml", "Order Total: amount\nCustomer: customer_id\nOrder Date: timestamp\n")
    assert read_table(p, "transactions", mapping_file=flat)["customer_id"].tolist() == ["c1"]
    # columns= adds to (and overrides) the file's mapping
    df = read_table(p, "transactions", columns={"Order Date": "timestamp"}, mapping_file=sectioned)
    assert len(df) == 1
    assert load_mapping(sectioned, "sessions") == {"Session Start": "start"}


def test_mapping_file_errors(tmp_path):
    bad = write(tmp_path / "m.yaml", "transactoins:\n  A: amount\n")
    with pytest.raises(KpiDataError, match="m.yaml: sections 'transactoins' are not canonical tables"):
        load_mapping(bad, "transactions")
    with pytest.raises(KpiDataError, match="does not exist"):
        load_mapping(tmp_path / "nope.yaml", "transactions")
    flat = write(tmp_path / "flat.yaml", "A: amount\n")
    with pytest.raises(KpiDataError, match="flat mapping needs the table"):
        load_mapping(flat)


def test_mapping_onto_an_existing_column_is_refused(tmp_path):
    p = write(tmp_path / "s.csv", "session_id,start,Start Time\ns1,2024-03-01,2024-03-01\n")
    with pytest.raises(KpiDataError, match="already has a column 'start'"):
        read_table(p, "sessions", columns={"Start Time": "start"})


def test_mapping_to_absent_column_is_named(tmp_path):
    p = write(tmp_path / "sessions.csv", "session_id,Begin\ns1,2024-03-01\n")
    with pytest.raises(
        KpiDataError, match="the mapping renames 'Session Start' to 'start', but there is no column 'Session Start'"
    ):
        read_table(p, "sessions", columns={"Session Start": "start"})


def test_sections_merge_without_a_table_and_empty_files(tmp_path):
    sectioned = write(tmp_path / "m.yaml", "sessions:\n  Session Start: start\nspend:\n  Month: period\n")
    assert load_mapping(sectioned) == {"Session Start": "start", "Month": "period"}
    assert load_mapping(sectioned, "leads") == {}
    assert load_mapping(write(tmp_path / "empty.yaml", "")) == {}
    assert load_mapping(None, "sessions") == {}
    mixed = write(tmp_path / "mixed.yaml", "sessions:\n  Session Start: start\nMonth: period\n")
    with pytest.raises(KpiDataError, match="mixes table sections and column entries"):
        load_mapping(mixed, "sessions")


def test_two_columns_mapped_to_one_name_are_refused():
    raw = pd.DataFrame({"A": ["s1"], "B": ["s2"], "start": ["2024-03-01"]})
    with pytest.raises(KpiDataError, match="the mapping sends both 'A' and 'B' to 'session_id'"):
        read_table(raw, "sessions", columns={"A": "session_id", "B": "session_id"})
