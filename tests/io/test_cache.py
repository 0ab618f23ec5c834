"""Tests of kpikit.io.cache: the run-scoped cache of validated tables."""

from __future__ import annotations

import pandas as pd


def test_table_cache_reuses_validated_tables_and_never_serves_stale_ones(tmp_path, monkeypatch):
    # The batch runner sets KPIKIT_TABLE_CACHE for one run; a hit must equal a fresh read, and a
    # changed file (or option) must be read again.
    import kpikit.io as kio

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)  # as the batch creates it
    monkeypatch.setenv(kio.CACHE_ENV, str(cache))
    f = tmp_path / "spend.csv"
    f.write_text("period,channel,cost\n2025-01-01,Email,10\n2025-02-01,Email,12.5\n", encoding="utf-8")
    first = kio.read_table(f, "spend")
    assert len(list(cache.glob("spend-*.pkl"))) == 1
    again = kio.read_table(f, "spend")
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs == first.attrs == {"table": "spend", "source": "spend.csv"}
    f.write_text("period,channel,cost\n2025-01-01,Email,10\n2025-02-01,Email,99\n", encoding="utf-8")
    assert kio.read_table(f, "spend")["cost"].tolist() == [10.0, 99.0]
    assert kio.read_table(f, "spend", decimal=",")["cost"].tolist() == [10.0, 99.0]
    assert len(list(cache.glob("spend-*.pkl"))) == 3


def test_a_cache_folder_that_is_gone_is_not_recreated(tmp_path, monkeypatch):
    # The batch removes its private cache folder when the run ends; a late reader must not recreate
    # it with the default mode, which would leave client data readable by others.
    import kpikit.io as kio

    cache = tmp_path / "cache"
    monkeypatch.setenv(kio.CACHE_ENV, str(cache))
    f = tmp_path / "spend.csv"
    f.write_text("period,channel,cost\n2025-01-01,Email,10\n", encoding="utf-8")
    assert kio.read_table(f, "spend")["cost"].tolist() == [10.0]
    assert not cache.exists()
