"""kpikit.sample.draws: systematic sampling (property tests) and the other drawing helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit.sample.draws import (
    _add_months,
    _codes,
    _cumsum_within,
    _growth_uniform,
    _pick,
    _position_in_runs,
    _systematic,
    _ts,
)


@settings(max_examples=60, deadline=None)
@given(
    p=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=60),
    seed=st.integers(0, 2**32 - 1),
    groups=st.integers(1, 4),
)
def test_systematic_counts_per_stratum_are_rounded_sums(p, seed, groups):
    p = np.array(p)
    strata = np.arange(p.size) % groups
    rng = np.random.default_rng(seed)
    chosen = _systematic(rng, p, strata)
    for g in range(groups):
        m = strata == g
        assert abs(chosen[m].sum() - p[m].sum()) < 1 + 1e-9
    assert not chosen[p == 0.0].any()
    assert chosen[p == 1.0].all()


def test_systematic_keeps_each_units_probability():
    p = np.array([0.1, 0.5, 0.9, 0.3])
    hits = np.zeros(4)
    rng = np.random.default_rng(0)
    for _ in range(4000):
        hits += _systematic(rng, p)
    # each unit selected with its own probability: 4000 draws, binomial SE <= 0.008
    assert np.allclose(hits / 4000, p, atol=0.03)


def test_position_in_runs_by_hand():
    # runs of 2, 0 and 3 rows laid end to end
    assert _position_in_runs(np.array([2, 0, 3])).tolist() == [0, 1, 0, 1, 2]
    assert _position_in_runs(np.array([], dtype=np.int64)).tolist() == []


def test_cumsum_within_restarts_at_each_first_row():
    values = np.array([1, 2, 3, 4, 5])
    first = np.array([True, False, True, False, False])
    # 1, 1+2 | 3, 3+4, 3+4+5
    assert _cumsum_within(values, first).tolist() == [1, 3, 3, 7, 12]
    assert _cumsum_within(np.array([0, 0, 2]), np.array([True, True, True])).tolist() == [0, 0, 2]


def test_add_months_clips_to_the_month_end():
    dates = np.array(["2024-01-31", "2024-03-15", "2023-12-31", "2024-05-31"], dtype="datetime64[D]")
    got = _add_months(dates, np.array([1, 12, 2, -1]))
    assert got.astype(str).tolist() == ["2024-02-29", "2025-03-15", "2024-02-29", "2024-04-30"]


def test_codes_combine_keys_in_sorted_order():
    # first key: a=0, b=1 (3 slots); second key: 1=0, 2=1 -> code = first * 3 + second
    assert _codes(np.array(["b", "a", "b"]), np.array([1, 1, 2])).tolist() == [3, 0, 4]


def test_ts_counts_whole_seconds_from_the_origin():
    got = _ts(np.array([0, 61, 86_400]), pd.Timestamp("2024-01-01"))
    assert got.dtype == np.dtype("datetime64[ns]")
    assert pd.DatetimeIndex(got).strftime("%Y-%m-%d %H:%M:%S").tolist() == [
        "2024-01-01 00:00:00",
        "2024-01-01 00:01:01",
        "2024-01-02 00:00:00",
    ]


def test_pick_follows_its_weights():
    rng = np.random.default_rng(1)
    assert set(_pick(rng, ("x", "y", "z"), (0.0, 2.0, 0.0), 50)) == {"y"}


def test_growth_uniform_leans_to_later_times():
    # density (1 + g x) / (1 + g / 2) on [0, 1): mean (1/2 + g/3) / (1 + g/2) = 0.5333 for g = 0.5
    x = _growth_uniform(np.random.default_rng(2), 200_000)
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - (0.5 + 0.5 / 3) / 1.25) < 0.003
