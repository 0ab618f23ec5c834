"""kpikit.sample.make_tables: the tables in memory are the tables written."""

from __future__ import annotations

import pandas as pd

import kpikit.sample as ks


def test_make_tables_matches_files(t42):
    mem = ks.make_tables(seed=42)
    assert sorted(mem) == sorted(ks.TABLES)
    for name in ks.TABLES:
        assert len(mem[name]) == len(t42[name]), name
        assert list(mem[name].columns) == list(t42[name].columns), name
    pd.testing.assert_series_equal(mem["sessions"]["engaged"], t42["sessions"]["engaged"], check_dtype=False)
    pd.testing.assert_series_equal(mem["events"]["timestamp"], t42["events"]["timestamp"], check_dtype=False)
