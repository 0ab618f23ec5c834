"""Tests of kpikit.funnel.lazy: ordered_funnel and funnel_attempts on an Ibis table (DuckDB) give the pandas
path's tables for every order mode, count mode, window, breakdown, hold-constant property, exclusion and
filtered step, on the hand-built logs, on random logs, on data/sample (notebook 02's funnel) and from
Parquet files; both ways of finding the next step (DuckDB's ASOF join, and the range join other
backends use) are checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpikit import funnel as F
from kpikit.funnel import lazy
from kpikit.io.lazy import collect, is_lazy
from tests.engine.compare import assert_same
from tests.funnel.logs import ORDER_LOG, STEPS, device_log, log
from tests.paths import SAMPLE

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")


@pytest.fixture(params=["asof", "range join"])
def join(request, monkeypatch):
    if request.param == "range join":
        monkeypatch.setattr(lazy, "ASOF_BACKENDS", set())
    return request.param


def check(events, steps, **kw):
    expected = F.ordered_funnel(events, steps, **kw)
    got = F.ordered_funnel(events, steps, engine="duckdb", **kw)
    assert_same(expected, got)
    return got


REENTRY = log(
    [
        ("u1", "2025-01-01 00:00", "view"),
        ("u1", "2025-01-01 01:00", "cart"),
        ("u1", "2025-01-10 00:00", "view"),
        ("u1", "2025-01-10 02:00", "cart"),
        ("u1", "2025-01-10 05:00", "buy"),
        ("u2", "2025-01-01 00:00", "view"),
        ("u2", "2025-01-01 01:00", "cart"),
        ("u2", "2025-02-01 00:00", "view"),
        ("u2", "2025-02-01 03:00", "cart"),
        ("u1", "2025-01-01 01:30", "view"),
        ("u1", "2025-01-10 05:30", "view"),
    ]
)
EXCLUSION = log(
    [
        ("u1", "2025-01-01 00:00", "view"),
        ("u1", "2025-01-01 01:00", "cart"),
        ("u1", "2025-01-01 01:30", "remove"),
        ("u1", "2025-01-01 02:00", "buy"),
        ("u2", "2025-01-01 00:00", "view"),
        ("u2", "2025-01-01 00:30", "remove"),
        ("u2", "2025-01-01 01:00", "cart"),
        ("u2", "2025-01-01 02:00", "buy"),
        ("u3", "2025-01-01 00:00", "view"),
        ("u3", "2025-01-01 01:00", "cart"),
        ("u3", "2025-01-01 03:00", "remove"),
        ("u3", "2025-01-20 00:00", "view"),
        ("u3", "2025-01-20 01:00", "cart"),
        ("u3", "2025-01-20 02:00", "buy"),
        ("u4", "2025-01-01 00:00", "view"),
        ("u4", "2025-01-01 01:00", "cart"),
        ("u4", "2025-01-09 00:00", "remove"),
    ]
)
HOLD = log(
    [
        ("u1", "2025-01-01 00:00", "view", "mobile"),
        ("u1", "2025-01-01 01:00", "cart", "desktop"),
        ("u1", "2025-01-01 02:00", "buy", "desktop"),
        ("u2", "2025-01-01 00:00", "view", "mobile"),
        ("u2", "2025-01-01 01:00", "cart", "mobile"),
        ("u2", "2025-01-01 02:00", "buy", "desktop"),
        ("u3", "2025-01-01 00:00", "view", None),
        ("u3", "2025-01-01 00:30", "cart", None),
    ],
    extra=["device"],
)
FILTERED = log(
    [
        ("u1", "2025-01-01 00:00", "page_view", "/pricing"),
        ("u1", "2025-01-01 00:00", "session_start", None),
        ("u1", "2025-01-01 00:05", "page_view", "/contact"),
        ("u2", "2025-01-01 00:00", "session_start", None),
        ("u2", "2025-01-01 00:01", "page_view", "/blog"),
        ("u2", "2025-01-01 00:01", "page_view", "/pricing"),
    ],
    extra=["page"],
)


@pytest.mark.parametrize("order", ["this", "strict", "any"])
@pytest.mark.parametrize("count", ["users", "totals"])
def test_order_and_count_modes(order, count, join):
    check(ORDER_LOG, STEPS, order=order, count=count)
    check(REENTRY, STEPS, order=order, count=count, window="1D")
    check(ORDER_LOG, STEPS, order=order, count=count, window=None)
    check(ORDER_LOG, STEPS, order=order, count=count, window=pd.Timedelta("7D") - pd.Timedelta("1s"))


@pytest.mark.parametrize("order", ["this", "strict", "any"])
def test_breakdown_hold_exclusions_filters_and_period(order, join):
    check(device_log(), ["view", "cart"], order=order, by="device")
    check(HOLD, STEPS, order=order, hold_constant="device")
    check(HOLD, STEPS, order=order, by="device", count="totals")
    check(EXCLUSION, STEPS, order=order, exclude=[("remove", 2, 3)])
    check(EXCLUSION, STEPS, order=order, exclude=[("remove", 1, 2), ("remove", 2, 3)], count="totals")
    check(FILTERED, ["session_start", ("page_view", {"page": "/pricing"})], order=order)
    check(FILTERED, ["session_start", ("page_view", {"page": ["/pricing", "/blog"]})], order=order)
    check(REENTRY, STEPS, order=order, start="2025-01-05", end="2025-02-01")
    if order != "any":
        check(FILTERED, ["page_view", "page_view"], order=order)
        check(FILTERED, [("page_view", {"page": "/pricing"}), "page_view"], order=order)


def test_the_hand_worked_numbers_on_the_lazy_path():
    f = F.ordered_funnel(ORDER_LOG, STEPS, engine="duckdb")
    # view: u1..u5 = 5; cart: u1, u3, u4 = 3; buy: u1 = 1 (tests/funnel/test_events.py)
    assert f["users"].tolist() == [5, 3, 1]
    f = F.ordered_funnel(REENTRY.iloc[:9], STEPS, engine="duckdb")
    assert f["median_time_from_previous"].iloc[1] == pd.Timedelta("90min")
    assert f["p90_time_from_previous"].iloc[1] == pd.Timedelta("114min")


def test_no_attempts():
    ev = log([("u1", "2025-01-01", "other")])
    check(ev, STEPS)
    check(ev, STEPS, by="event")
    check(ev, STEPS, count="totals")


def test_funnel_attempts(join):
    for kw in ({}, {"by": "device"}, {"count": "totals"}, {"order": "strict", "by": "device"}):
        expected = F.funnel_attempts(device_log(), ["view", "cart"], **kw)
        got = F.funnel_attempts(device_log(), ["view", "cart"], engine="duckdb", **kw)
        assert is_lazy(got) == (kw.get("count", "users") == "users")
        assert_same(expected, got, key=["user_id", "step_1_at", "steps_reached"])
    expected = F.funnel_attempts(EXCLUSION, STEPS, exclude=[("remove", 2, 3)])
    got = collect(F.funnel_attempts(EXCLUSION, STEPS, exclude=[("remove", 2, 3)], engine="duckdb"))
    assert_same(expected, got, key="user_id")


def test_bad_input_is_refused():
    from kpikit.errors import KpiDataError

    nat = ORDER_LOG.copy()
    nat.loc[2, "timestamp"] = pd.NaT
    with pytest.raises(KpiDataError, match="1 rows have no timestamp"):
        F.ordered_funnel(nat, STEPS, engine="duckdb")
    with pytest.raises(KpiDataError, match=r"missing column\(s\) 'user_id'"):
        F.ordered_funnel(ORDER_LOG.drop(columns="user_id"), STEPS, engine="duckdb")
    with pytest.raises(KpiDataError, match="filters on column 'page'"):
        F.ordered_funnel(ORDER_LOG, [("view", {"page": "/"}), "cart"], engine="duckdb")
    with pytest.raises(KpiDataError, match="distinct steps"):
        F.ordered_funnel(ORDER_LOG, ["view", "cart", "cart"], order="any", engine="duckdb")


EVENTS = ["a", "b", "c", "x"]

event_logs = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2", "u3"]),
        st.integers(0, 12),
        st.sampled_from(EVENTS),
        st.sampled_from(["m", "d", None]),
    ),
    min_size=0,
    max_size=16,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=event_logs,
    order=st.sampled_from(["this", "strict", "any"]),
    count=st.sampled_from(["users", "totals"]),
    window_h=st.integers(0, 8),
    steps=st.sampled_from([["a", "b", "c"], ["a", "b", "a"], ["a", "c"]]),
    by=st.sampled_from([None, "device"]),
)
def test_property_lazy_equals_pandas(rows, order, count, window_h, steps, by):
    if order == "any" and len(set(steps)) < len(steps):
        return
    ev = pd.DataFrame(rows, columns=["user_id", "h", "event", "device"])
    ev["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(ev.pop("h"), unit="h")
    check(ev, steps, window=pd.Timedelta(hours=window_h), order=order, count=count, by=by)


@needs_sample
def test_sample_funnel_of_notebook_02():
    from kpikit import io

    events = io.read_folder(SAMPLE, tables=["events"])["events"]
    steps = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]
    period = {"start": "2025-03-01", "end": "2025-07-01"}
    for kw in ({}, {"by": "device"}, {"order": "strict"}, {"order": "any"}, {"count": "totals"}):
        expected = F.ordered_funnel(events, steps, **period, **kw)
        assert_same(expected, F.ordered_funnel(events, steps, engine="duckdb", **period, **kw))
        assert_same(expected, F.ordered_funnel(SAMPLE / "events.csv.gz", steps, **period, **kw))
    change = F.compare_periods(events, steps, ("2025-03-01", "2025-07-01"), ("2024-11-01", "2025-03-01"))
    lazy_change = F.compare_periods(
        SAMPLE / "events.csv.gz", steps, ("2025-03-01", "2025-07-01"), ("2024-11-01", "2025-03-01")
    )
    assert_same(change, lazy_change)


def test_parquet_files(tmp_path):
    ev = REENTRY.assign(device=["m", "d"] * 5 + ["m"])
    ev.iloc[:5].to_parquet(tmp_path / "events_1.parquet")
    ev.iloc[5:].to_parquet(tmp_path / "events_2.parquet")
    assert_same(F.ordered_funnel(ev, STEPS, by="device"), F.ordered_funnel(tmp_path, STEPS, by="device"))
    assert np.array_equal(
        F.ordered_funnel(ev, STEPS)["users"].to_numpy(),
        F.ordered_funnel(str(tmp_path / "*.parquet"), STEPS)["users"].to_numpy(),
    )
