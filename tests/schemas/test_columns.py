"""Tests of kpikit.schemas.columns: the one column check and its closest-name hints.

The closest names come from ``kpikit.errors.closest``; a mapping example is offered only for a really
close column (``kpikit.errors.similarity`` >= 1). Worked similarities used below (names lower-cased,
punctuation to "_", difflib's ratio r = 2 * matched characters / total characters):

- "customer_id" vs "Customer ID": the same normalised name, 2.0: really close.
- "start" vs "Session Start": every word of "start" is a word of "session_start", 1 + r = 1 + 10/18:
  really close.
- "customer_id" vs "Customer Name": no shared word set, no containment; "customer_" matches (9 of
  11 + 13 characters), r = 18/24 = 0.75: listed as closest (>= 0.6), no mapping example (< 1).
- "session_id" vs "Session Start": "session_" matches (8 of 10 + 13), r = 16/23 = 0.696: the same.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit.errors import KpiDataError, closest, similarity
from kpikit.schemas import column_list, require_columns, validate


def test_closest_names_come_from_errors_closest():
    assert closest("start", ["Session Start", "Landing Page", "Device"]) == ["Session Start"]
    assert closest("customer_id", ["Customer ID", "Customer Name", "Plan"])[0] == "Customer ID"
    assert closest("amount", ["Foo", "Bar"]) == []


def test_worked_similarities():
    assert similarity("customer_id", "Customer ID") == 2.0
    assert similarity("start", "Session Start") == pytest.approx(1 + 10 / 18)
    assert similarity("customer_id", "Customer Name") == pytest.approx(18 / 24)
    assert similarity("session_id", "Session Start") == pytest.approx(16 / 23)


def message(frame: pd.DataFrame, columns: list[str], what: str = "orders", fix: str = "") -> str:
    with pytest.raises(KpiDataError) as e:
        require_columns(frame, columns, what, fix)
    return str(e.value)


def test_really_close_name_gets_a_mapping_example():
    msg = message(pd.DataFrame({"Customer ID": ["c1"], "amount": [1.0]}), ["customer_id", "amount"])
    assert msg == (
        "orders: missing column(s) 'customer_id' (closest to 'customer_id': 'Customer ID'; columns present: "
        "'Customer ID', 'amount'). Map the export's columns onto the canonical names with "
        "kk.read_table(..., columns={...}) or a mapping file. For example: columns={'Customer ID': 'customer_id'}."
    )


def test_loosely_similar_name_gets_only_the_closest_hint():
    msg = message(pd.DataFrame({"Customer Name": ["Ada"], "amount": [1.0]}), ["customer_id", "amount"])
    assert msg == (
        "orders: missing column(s) 'customer_id' (closest to 'customer_id': 'Customer Name'; columns present: "
        "'Customer Name', 'amount'). Map the export's columns onto the canonical names with "
        "kk.read_table(..., columns={...}) or a mapping file."
    )
    assert "For example" not in msg


def test_one_column_is_offered_for_the_name_it_is_really_close_to():
    # "Session Start" is listed for both names, but only proposed for start (1.56), not session_id (0.70)
    msg = message(pd.DataFrame({"Session Start": [1]}), ["session_id", "start"], what="sessions")
    assert "(closest to 'session_id': 'Session Start'; closest to 'start': 'Session Start'; " in msg
    assert msg.endswith("For example: columns={'Session Start': 'start'}.")


def test_no_close_name_lists_the_columns_present_and_the_given_fix():
    msg = message(
        pd.DataFrame({"landing_page": ["/"], "engaged": [True]}),
        ["device"],
        "sessions",
        fix="Pass sessions with a device column.",
    )
    assert msg == (
        "sessions: missing column(s) 'device' (columns present: 'landing_page', 'engaged'). "
        "Pass sessions with a device column."
    )


def test_required_columns_already_present_are_not_offered():
    # "user_id" is close to "user" but is itself required and present: only "User" is offered
    msg = message(pd.DataFrame({"user_id": ["u"], "User": ["u"]}), ["user_id", "user"])
    assert "closest to 'user': 'User'" in msg and "'user_id'," not in msg.split("columns present")[0]
    assert msg.endswith("For example: columns={'User': 'user'}.")


def test_present_columns_and_non_frames():
    require_columns(pd.DataFrame({"a": [1], "b": [2]}), ["a", "b", "a"], "t")  # no error
    with pytest.raises(KpiDataError, match="t must be a pandas DataFrame \\(got list\\)"):
        require_columns([1, 2], ["a"], "t")


def test_validate_offers_a_mapping_only_for_a_really_close_column():
    close = pd.DataFrame({"Session ID": ["s1"], "start": ["2024-03-01"]})
    with pytest.raises(KpiDataError) as e:
        validate(close, "sessions", source="sessions.csv")
    assert str(e.value) == (
        "sessions.csv: required column 'session_id' is missing. Closest existing columns: 'Session ID'. "
        'If \'Session ID\' holds it, map it: columns={"Session ID": "session_id"} (or add '
        "\"Session ID\": session_id under 'sessions:' in the mapping file)."
    )
    loose = pd.DataFrame({"Session Start": ["2024-03-01"], "start": ["2024-03-01"]})
    with pytest.raises(KpiDataError) as e:
        validate(loose, "sessions", source="sessions.csv")
    assert str(e.value) == (
        "sessions.csv: required column 'session_id' is missing. Closest existing columns: 'Session Start'. "
        'Map the column that holds it, e.g. columns={"Your Column": "session_id"}.'
    )


def test_column_list():
    assert column_list(None) == []
    assert column_list("channel") == ["channel"]
    assert column_list(("channel", "device")) == ["channel", "device"]


def test_utc_naive_converts_aware_times_and_keeps_naive_ones():
    from kpikit.schemas import utc_naive

    berlin = pd.Series(pd.to_datetime(["2025-01-15 10:00", "2025-07-15 10:00"])).dt.tz_localize("Europe/Berlin")
    assert utc_naive(berlin).tolist() == [pd.Timestamp("2025-01-15 09:00"), pd.Timestamp("2025-07-15 08:00")]
    naive = pd.Series(pd.to_datetime(["2025-01-15 10:00"]))
    assert utc_naive(naive) is naive
    with pytest.raises(KpiDataError, match="events, column 'timestamp': expected datetimes"):
        utc_naive(pd.Series(["2025-01-15"]), "events, column 'timestamp'")
