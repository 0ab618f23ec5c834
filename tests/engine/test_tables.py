"""Tests of kpikit.engine.tables: the input kinds, the lean form of lazy sessions that aggregates read, persist."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from kpikit import web
from kpikit.engine import attrs, persist
from kpikit.engine.tables import count, narrow, resolve
from kpikit.errors import KpiDataError
from kpikit.io.lazy import collect, is_lazy
from tests.web.cases import EVENTS


def test_resolve_by_kind_and_engine(tmp_path):
    assert resolve(EVENTS)[0] == "pandas"
    assert resolve(EVENTS, "duckdb")[0] == "ibis"
    EVENTS.to_parquet(tmp_path / "events.parquet")
    kind, table = resolve(tmp_path / "events.parquet")
    assert kind == "ibis" and is_lazy(table)
    kind, frame = resolve(tmp_path / "events.parquet", "pandas")
    assert kind == "pandas" and len(frame) == len(EVENTS) and "_row" not in frame.columns
    with pytest.raises(KpiDataError, match="engine must be 'auto', 'pandas' or 'duckdb'"):
        resolve(EVENTS, "spark")
    with pytest.raises(KpiDataError, match="must be a pandas DataFrame, a path or glob"):
        resolve(42)


def test_aggregates_read_the_lean_sessions_without_windows():
    sessions = web.sessions_from_events(EVENTS, engine="duckdb")
    full = ibis.to_sql(sessions.select("landing_page", "engaged"))
    lean = narrow(sessions, ["landing_page", "engaged"])
    # the full sessions carry each user's first session (a window) and the session-id check (a subquery)
    assert " OVER (" in full and " OVER (" not in ibis.to_sql(lean)
    assert attrs(lean)["split"] == "session_id"
    pd.testing.assert_frame_equal(
        collect(lean).sort_values(["landing_page", "engaged"]).reset_index(drop=True),
        collect(sessions.select("landing_page", "engaged"))
        .sort_values(["landing_page", "engaged"])
        .reset_index(drop=True),
    )
    # a column only the full sessions have: the full sessions are read
    assert narrow(sessions, ["is_new_user"]) is sessions


def test_persisted_sessions_are_read_from_the_stored_rows():
    stored = persist(web.sessions_from_events(EVENTS, engine="duckdb"))
    assert narrow(stored, ["landing_page"]) is stored
    assert attrs(stored)["new_user_rule"] == "first session in the data"


def test_count_of_an_empty_sum():
    assert (count(None), count(float("nan")), count(3.0)) == (0, 0, 3)
