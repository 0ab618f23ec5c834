"""Tests of kpikit.web.session_arrays: the array helpers of sessionisation, on hand-worked arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.web.session_arrays import _first_carrying, _first_index, _has_value, _sessions_by_id, _sessions_by_timeout


def test_first_index_smallest_key_then_lowest_position():
    group = np.array([0, 1, 0, 1, 0, 2])
    key = np.array([5, 3, 2, 3, 2, 9])
    # group 0: key 2 at positions 2 and 4 -> 2; group 1: key 3 at 1 and 3 -> 1; group 2: 5; group 3: none
    assert _first_index(group, key, 4).tolist() == [2, 1, 5, -1]


def test_first_carrying_skips_missing_and_empty_values():
    values = pd.Series([None, "", "google", "bing", None], dtype="str")
    assert _has_value(values).tolist() == [False, False, True, True, False]
    codes = np.array([0, 0, 0, 1, 1])
    ts = np.array([1, 2, 3, 1, 0])
    first = _first_index(codes, ts, 2)
    assert first.tolist() == [0, 4]
    # session 0: its first value is at position 2; session 1: position 3 (position 4 is earlier but empty)
    assert _first_carrying(_has_value(values), codes, ts, 2, first).tolist() == [2, 3]
    # a session with no value at all keeps its first event
    assert _first_carrying(np.array([False, False, False, True, False]), codes, ts, 2, first).tolist() == [0, 3]


def test_sessions_by_id_and_by_timeout():
    users = np.array([0, 1, 0, 0])
    codes, sess_user, sess_sid = _sessions_by_id(pd.Series([7, 7, 7, 8]), users, 2)
    # (user 0, 7), (user 1, 7), (user 0, 8): numbered in order of their first event
    assert codes.tolist() == [0, 1, 0, 2] and sess_user.tolist() == [0, 1, 0] and sess_sid.tolist() == [7, 7, 8]
    ts = np.array([0, 0, 100, 5000]) * 10**9
    codes, sess_user, sess_sid = _sessions_by_timeout(users, ts, 1800.0)
    # user 0: events at 0 s and 100 s together, 5000 s a second session; user 1 alone
    assert codes.tolist() == [0, 1, 0, 2] and sess_user.tolist() == [0, 1, 0] and sess_sid.tolist() == [1, 1, 2]
