"""kpikit.web.report and report_checks on lazy sessions: the same tables as on DataFrames, only small ones fetched."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit as kk
from kpikit.engine.tables import from_pandas
from kpikit.errors import KpiDataError
from kpikit.web import report
from tests.paths import SAMPLE


@pytest.fixture(scope="module")
def sample():
    tables = kk.io.read_folder(SAMPLE, tables=["events", "sessions"])
    return tables["events"], tables["sessions"]


@pytest.fixture(scope="module")
def both(sample):
    """(pandas, lazy) sessions of the sample's events."""
    events = sample[0]
    eager = report.sessions_of({"events": events})
    lazy = report.sessions_of({"events": from_pandas(events)})
    return eager, lazy


@pytest.fixture
def fetched(monkeypatch):
    """The number of rows of every result DuckDB hands back while a test runs."""
    from ibis.backends.duckdb import Backend

    sizes: list[int] = []
    original = Backend.to_pandas

    def to_pandas(self, expr, *args, **kwargs):
        out = original(self, expr, *args, **kwargs)
        sizes.append(len(out))
        return out

    monkeypatch.setattr(Backend, "to_pandas", to_pandas)
    return sizes


def test_sessions_of_lazy_events_are_lazy_and_kept_in_the_backend(both):
    eager, lazy = both
    assert kk.io.lazy.is_lazy(lazy) and isinstance(eager, pd.DataFrame)
    assert kk.io.lazy.collect(lazy.aggregate(n=lazy.count()))["n"].iloc[0] == len(eager) == 20000
    assert kk.engine.attrs(lazy)["split"] == eager.attrs["split"] == "session_id"


def test_check_table_counts_lazy_sessions_in_the_backend_as_pandas_counts_them(sample, both, fetched):
    events, reference = sample
    eager, lazy = both
    expected = report.check_table(events, eager, reference)
    got = report.check_table(from_pandas(events), lazy, reference)
    pd.testing.assert_frame_equal(got, expected)
    values = got.set_index("check")["value"]
    assert values["Events"] == "97,771" and values["Sessions"] == "20,000"
    assert (
        values["Rebuilt sessions against the sessions table"] == "20,000 rebuilt, 20,000 in the table, 20,000 matched"
    )
    assert fetched and max(fetched) <= 1  # one row of counts per query, never the sessions


def test_check_table_of_a_sessions_table_alone_is_the_same_lazy(sample):
    sessions = sample[1]
    expected = report.check_table(None, sessions)
    pd.testing.assert_frame_equal(report.check_table(None, from_pandas(sessions, order=False)), expected)
    assert expected["value"].iloc[0] == "20,000"


def test_breakdowns_of_lazy_sessions_equal_the_pandas_ones_visitor_type_included(both, fetched):
    eager, lazy = both
    expected, got = report.breakdowns(eager), report.breakdowns(lazy)
    assert list(got) == list(expected) == ["landing_page", "channel", "device", "country", "visitor_type"]
    for by in expected:
        want = expected[by].astype({by: str})  # the pandas path's segments are categories, the lazy path's text
        pd.testing.assert_frame_equal(got[by].astype({by: str}), want, check_exact=False, rtol=1e-12, obj=by)
    visitors = got["visitor_type"].set_index("visitor_type")["sessions"]
    assert visitors.sum() == 20000 and set(visitors.index) == {"new visitor", "returning visitor"}
    assert max(fetched) < 50  # one row per segment


def test_fix_list_by_and_require_devices_read_lazy_sessions(both):
    eager, lazy = both
    assert report.fix_list_by(lazy) == report.fix_list_by(eager) == ["landing_page", "device"]
    report.require_devices(lazy, "mobile", "desktop")
    with pytest.raises(KpiDataError, match="watch") as lazy_error:
        report.require_devices(lazy, "watch", "desktop")
    with pytest.raises(KpiDataError) as eager_error:
        report.require_devices(eager, "watch", "desktop")
    assert str(lazy_error.value) == str(eager_error.value)
