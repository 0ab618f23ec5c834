"""Tests of kpikit.io.files: read_table from exports and DataFrames into validated canonical tables.

Each failure kind has a test asserting that the message names the file, the column, the rows
(numbered as in the file) and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import read_table
from tests.io.helpers import SESSIONS, write


def test_reads_csv_into_canonical_dtypes(tmp_path):
    df = read_table(write(tmp_path / "sessions.csv", SESSIONS), "sessions")
    assert list(df.columns) == ["session_id", "start", "landing_page", "pageviews", "engaged"]
    assert str(df["session_id"].dtype) == "str"
    assert df["start"].dtype == "datetime64[ns]"
    assert str(df["pageviews"].dtype) == "Int64"
    assert str(df["engaged"].dtype) == "boolean"
    assert df["pageviews"].tolist() == [3, 1, 2]
    assert df["engaged"].tolist() == [True, False, True]
    assert df["start"].iloc[1] == pd.Timestamp("2024-03-01 11:30:00")
    assert df.attrs["source"] == "sessions.csv" and df.attrs["table"] == "sessions"
    assert isinstance(df.index, pd.RangeIndex)


def test_kk_read_table_is_the_io_function():
    assert kk.read_table is read_table


def test_aware_timestamps_are_converted_to_utc(tmp_path):
    p = write(
        tmp_path / "t.csv",
        "customer_id,timestamp,amount\nc1,2024-03-01T10:00:00+01:00,1\nc2,2024-03-01T23:30:00+01:00,1\n",
    )
    df = read_table(p, "transactions")
    # 10:00+01:00 = 09:00 UTC; 23:30+01:00 = 22:30 UTC the same day
    assert df["timestamp"].tolist() == [pd.Timestamp("2024-03-01 09:00"), pd.Timestamp("2024-03-01 22:30")]
    assert df["timestamp"].dt.tz is None


def test_naive_timestamps_localised_with_tz(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-01-15 10:00,1\nc2,2024-07-15 10:00,1\n")
    df = read_table(p, "transactions", tz="Europe/Berlin")
    # Berlin is UTC+1 in January, UTC+2 (summer time) in July
    assert df["timestamp"].tolist() == [pd.Timestamp("2024-01-15 09:00"), pd.Timestamp("2024-07-15 08:00")]
    # without tz, naive values are kept as they are
    assert read_table(p, "transactions")["timestamp"].iloc[0] == pd.Timestamp("2024-01-15 10:00")


def test_dataframe_input_keeps_index_and_parses(tmp_path):
    raw = pd.DataFrame(
        {"customer_id": [1001, 1002], "timestamp": ["2024-03-01", "2024-03-02"], "amount": ["1,234.50", "$5"]},
        index=[10, 20],
    )
    df = read_table(raw, "transactions")
    assert df.index.tolist() == [10, 20]
    assert df["customer_id"].tolist() == ["1001", "1002"]  # ids become text, never "1001.0"
    assert df["amount"].tolist() == [1234.5, 5.0]
    assert raw["amount"].tolist() == ["1,234.50", "$5"]  # the input is not modified
    assert df.attrs["source"] == "transactions DataFrame"


def test_read_is_deterministic_and_fast_enough_shape(tmp_path):
    # 5,000 events: vectorised path (no timing assertion; the benchmark covers speed)
    n = 5000
    rng = np.random.default_rng(1)
    ev = pd.DataFrame(
        {
            "user_id": rng.integers(0, 500, n).astype(str),
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
            "event": rng.choice(["page_view", "scroll"], n),
            "value": np.where(rng.random(n) < 0.1, 12.5, np.nan),
        }
    )
    p = tmp_path / "events.csv"
    ev.to_csv(p, index=False)
    a, b = read_table(p, "events"), read_table(p, "events")
    pd.testing.assert_frame_equal(a, b)
    assert a["value"].isna().sum() == ev["value"].isna().sum()


def test_missing_column(tmp_path):
    p = write(tmp_path / "transactions.csv", "customer_id,timestamp\nc1,2024-03-01\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv: required column 'amount'")
    assert "is missing" in msg and "columns={" in msg


def test_renamed_column_without_mapping_names_closest_and_mapping(tmp_path):
    p = write(tmp_path / "sessions.csv", "Session ID,Session Start,Landing Page\ns1,2024-03-01,/\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "sessions")
    msg = str(e.value)
    assert "sessions.csv: required column 'session_id'" in msg
    assert "Closest existing columns: 'Session ID'" in msg
    assert "required column 'start'" in msg and "'Session Start'" in msg
    assert 'columns={"Session Start": "start"}' in msg


def test_unparseable_date(tmp_path):
    p = write(
        tmp_path / "sessions.csv", "session_id,start\ns1,2024-03-01 10:00\ns2,31/02/2024\ns3,2024-03-02\ns4,yesterday\n"
    )
    with pytest.raises(KpiDataError) as e:
        read_table(p, "sessions")
    msg = str(e.value)
    assert msg.startswith("sessions.csv, column 'start': 2 rows have a date that cannot be read")
    assert "(file rows 3, 5; first: '31/02/2024')" in msg
    assert "ISO 8601" in msg and "date_format" in msg


def test_date_format_option(tmp_path):
    p = write(tmp_path / "s.csv", "session_id,start\ns1,01/03/2024 10:00\ns2,15/03/2024 09:30\n")
    df = read_table(p, "sessions", date_format="%d/%m/%Y %H:%M")
    assert df["start"].tolist() == [pd.Timestamp("2024-03-01 10:00"), pd.Timestamp("2024-03-15 09:30")]


def test_mixed_time_zones_aware_and_naive(tmp_path):
    p = write(
        tmp_path / "transactions.csv",
        "customer_id,timestamp,amount\n"
        "c1,2024-03-01T10:00:00+01:00,1\n"
        "c2,2024-03-01T11:00:00+01:00,1\n"
        "c3,2024-03-01 12:00:00,1\n",
    )
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv, column 'timestamp': 1 row has no UTC offset")
    assert "mixed time zones" in msg and "(file row 4; first: '2024-03-01 12:00:00')" in msg
    assert 'tz="Europe/Berlin"' in msg
    # the caller's say: naive values are Berlin time
    df = read_table(p, "transactions", tz="Europe/Berlin")
    assert df["timestamp"].tolist() == [
        pd.Timestamp("2024-03-01 09:00"),
        pd.Timestamp("2024-03-01 10:00"),
        pd.Timestamp("2024-03-01 11:00"),
    ]


def test_several_utc_offsets_are_converted_to_utc(tmp_path):
    # a year of Europe/Berlin times has two offsets; each value says its own, so none is ambiguous
    p = write(
        tmp_path / "tickets.csv",
        "ticket_id,created_at\n"
        "t1,2024-03-30T10:00:00+01:00\n"
        "t2,2024-03-30T12:00:00+01:00\n"
        "t3,2024-04-02T10:00:00+02:00\n",
    )
    df = read_table(p, "tickets")
    assert df["created_at"].tolist() == [
        pd.Timestamp("2024-03-30 09:00"),
        pd.Timestamp("2024-03-30 11:00"),
        pd.Timestamp("2024-04-02 08:00"),
    ]


def test_negative_amount(tmp_path):
    p = write(
        tmp_path / "transactions.csv",
        "customer_id,timestamp,amount\nc1,2024-03-01,10\nc2,2024-03-02,-4.5\nc3,2024-03-03,3\n",
    )
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv, column 'amount': 1 row has a negative amount (file row 3; first: -4.5).")
    assert "Filter refunds out" in msg and "allow_negative=True" in msg
    df = read_table(p, "transactions", allow_negative=True)
    assert df["amount"].tolist() == [10.0, -4.5, 3.0]


def test_duplicate_key(tmp_path):
    p = write(
        tmp_path / "sessions.csv",
        "session_id,start\ns1,2024-03-01\ns2,2024-03-01\ns1,2024-03-02\ns3,2024-03-02\ns2,2024-03-03\n",
    )
    with pytest.raises(KpiDataError) as e:
        read_table(p, "sessions")
    msg = str(e.value)
    # s1 first on line 2, again on line 4; s2 first on line 3, again on line 6
    assert msg.startswith("sessions.csv, column 'session_id': 2 rows have a duplicate key")
    assert "(file rows 4, 6; first: 's1', also in file row 2)" in msg
    assert "Remove the duplicates" in msg


def test_mixed_types_in_numeric_column(tmp_path):
    p = write(
        tmp_path / "sessions.csv",
        "session_id,start,pageviews\ns1,2024-03-01,3\ns2,2024-03-01,n/a\ns3,2024-03-01,4\ns4,2024-03-01,abc\n",
    )
    with pytest.raises(KpiDataError) as e:
        read_table(p, "sessions")
    msg = str(e.value)
    assert msg.startswith("sessions.csv, column 'pageviews': 2 rows have text in a numeric column (mixed types)")
    assert "(file rows 3, 5; first: 'n/a')" in msg
    assert "Clean the export" in msg and "na_values" in msg
    # never NaN silently; with an explicit marker the n/a is missing and abc still fails
    with pytest.raises(KpiDataError, match=r"1 row has text in a numeric column"):
        read_table(p, "sessions", na_values=["n/a"])


def test_formatted_numbers(tmp_path):
    p = write(
        tmp_path / "transactions.csv",
        "customer_id,timestamp,amount\n"
        'c1,2024-03-01,"1,234.50"\n'
        'c2,2024-03-01,"$1,234.50"\n'
        "c3,2024-03-01,$7\n"
        'c4,2024-03-01,"12,345,678"\n'
        "c5,2024-03-01, 3.5 \n",
    )
    df = read_table(p, "transactions")
    assert df["amount"].tolist() == [1234.5, 1234.5, 7.0, 12345678.0, 3.5]
    # decimal comma written in a decimal-point read: error suggesting decimal=","
    p2 = write(tmp_path / "t2.csv", 'customer_id,timestamp,amount\nc1,2024-03-01,"1.234,50"\nc2,2024-03-01,"€12,50"\n')
    with pytest.raises(KpiDataError) as e:
        read_table(p2, "transactions")
    assert "t2.csv, column 'amount': 2 rows have a number written in another format" in str(e.value)
    assert 'pass decimal=","' in str(e.value)
    assert read_table(p2, "transactions", decimal=",")["amount"].tolist() == [1234.5, 12.5]
    p3 = write(tmp_path / "t3.csv", 'customer_id,timestamp,amount\nc1,2024-03-01,£7\nc2,2024-03-01,"-£1,000"\n')
    assert read_table(p3, "transactions", allow_negative=True)["amount"].tolist() == [7.0, -1000.0]


def test_percent_and_currency_only_where_expected(tmp_path):
    # a percentage in a count column is an error, not 0.45
    p = write(tmp_path / "sessions.csv", "session_id,start,pageviews\ns1,2024-03-01,45%\n")
    with pytest.raises(
        KpiDataError,
        match=r"column 'pageviews': 1 row has a percentage, but the column expects plain numbers \(file row 2",
    ):
        read_table(p, "sessions")
    # a currency symbol outside money columns is an error
    p = write(tmp_path / "s2.csv", "session_id,start,engagement_time_s\ns1,2024-03-01,$4\n")
    with pytest.raises(KpiDataError, match="has a currency amount, but the column is not a money column"):
        read_table(p, "sessions")
    # benchmarks take percentages: 47% -> 0.47
    p = write(
        tmp_path / "benchmarks.csv",
        "metric,source,p25,p50,p75\nbounce_rate,HubSpot,20%,30%,40%\nbounce_rate,GA,,47%,\n",
    )
    df = read_table(p, "benchmarks")
    assert df["p50"].tolist() == [0.30, 0.47]


def test_mixed_currencies_are_refused(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-01,$5\nc2,2024-03-01,€5\n")
    with pytest.raises(KpiDataError, match=r"the column mixes currencies \(\$, €\)"):
        read_table(p, "transactions")


def test_bad_boolean(tmp_path):
    p = write(tmp_path / "s.csv", "session_id,start,engaged\ns1,2024-03-01,yes\ns2,2024-03-01,maybe\n")
    with pytest.raises(
        KpiDataError, match=r"column 'engaged': 1 row has a value that is not true/false \(file row 3; first: 'maybe'\)"
    ):
        read_table(p, "sessions")


def test_empty_required_value(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-01,5\n,2024-03-01,5\n")
    with pytest.raises(
        KpiDataError, match=r"column 'customer_id': 1 row is empty, but the column is required \(file row 3"
    ):
        read_table(p, "transactions")


def test_several_problems_are_listed_together(tmp_path):
    p = write(tmp_path / "transactions.csv", "customer_id,timestamp,amount\nc1,bad,5\nc2,2024-03-01,x\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv: 2 problems")
    assert (
        "- transactions.csv, column 'timestamp': 1 row has a date that cannot be read (file row 2; first: 'bad')" in msg
    )
    assert (
        "- transactions.csv, column 'amount': 1 row has text in a numeric column (mixed types) (file row 3; first: 'x')"
        in msg
    )


def test_unknown_table_and_file_type(tmp_path):
    with pytest.raises(KpiDataError, match="Unknown table 'session'. Did you mean 'sessions'"):
        read_table(pd.DataFrame({"a": [1]}), "session")
    p = write(tmp_path / "x.json", "{}")
    with pytest.raises(KpiDataError, match="unknown file type"):
        read_table(p, "sessions")
    with pytest.raises(KpiDataError, match="does not exist"):
        read_table(tmp_path / "nope.csv", "sessions")


def test_drop_invalid_reports_how_many_and_why(tmp_path):
    p = write(
        tmp_path / "transactions.csv",
        "customer_id,timestamp,amount\n"
        "c1,2024-03-01,10\n"  # 2 ok
        "c2,2024-03-02,-4\n"  # 3 negative
        "c3,not a date,5\n"  # 4 bad date
        "c4,2024-03-04,7\n"  # 5 ok
        "c5,2024-03-05,-1\n",
    )  # 6 negative
    with pytest.warns(KpiWarning) as rec:
        df = read_table(p, "transactions", drop_invalid=True)
    msg = str(rec[0].message)
    assert "transactions.csv: dropped 3 of 5 rows (drop_invalid=True)" in msg
    assert "1 in 'timestamp'" in msg and "2 in 'amount'" in msg
    assert df["customer_id"].tolist() == ["c1", "c4"]
    assert isinstance(df.index, pd.RangeIndex)
    dropped = df.attrs["dropped"]
    assert [(d["column"], d["count"], d["rows"]) for d in dropped] == [("timestamp", 1, [4]), ("amount", 2, [3, 6])]


def test_drop_invalid_keeps_first_of_duplicates_and_dataframe_index():
    # "z" repeats the key of "x" with another start: two versions of one session (an exact copy would be
    # dropped as a duplicate row, see test_hostile_files.py)
    raw = pd.DataFrame(
        {"session_id": ["a", "b", "a"], "start": ["2024-03-01", "2024-03-01", "2024-03-02"]}, index=["x", "y", "z"]
    )
    with pytest.warns(KpiWarning, match="dropped 1 of 3 rows"):
        df = read_table(raw, "sessions", drop_invalid=True)
    assert df.index.tolist() == ["x", "y"]
    assert df.attrs["dropped"][0]["rows"] == ["z"]


def test_drop_invalid_does_not_hide_column_problems(tmp_path):
    # aware and naive values in one column: which zone the naive ones are in is the caller's to say
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-01T10:00+01:00,1\nc2,2024-03-01 10:00,1\n")
    with pytest.raises(KpiDataError, match="mixed time zones"):
        read_table(p, "transactions", drop_invalid=True)


def test_dataframe_errors_name_index_labels():
    raw = pd.DataFrame({"session_id": ["a", "b"], "start": ["2024-03-01", "nope"]}, index=[100, 200])
    with pytest.raises(
        KpiDataError,
        match=r"sessions DataFrame, column 'start': 1 row has a date that cannot be read \(index 200; first: 'nope'\)",
    ):
        read_table(raw, "sessions")


def test_local_times_lost_in_a_daylight_saving_change(tmp_path):
    # 2024-03-31 02:30 does not exist in Berlin (clocks jump from 02:00 to 03:00)
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-31 01:30,1\nc2,2024-03-31 02:30,1\n")
    with pytest.raises(
        KpiDataError,
        match=r"column 'timestamp': 1 row has a local time that does not exist or is ambiguous in Europe/Berlin .*\(file row 3; first: '2024-03-31 02:30'\)",
    ):
        read_table(p, "transactions", tz="Europe/Berlin")


def test_the_drop_warning_points_at_the_caller():
    raw = pd.DataFrame({"session_id": ["a", "b", "a"], "start": ["2024-03-01", "2024-03-01", "2024-03-02"]})
    with pytest.warns(KpiWarning, match="dropped 1 of 3 rows") as rec:
        read_table(raw, "sessions", drop_invalid=True)
    assert rec[0].filename == __file__


def test_source_must_be_a_path_or_a_frame():
    with pytest.raises(KpiDataError, match="read_table takes a file path or a pandas DataFrame, not list"):
        read_table([1, 2], "sessions")
    with pytest.raises(KpiDataError, match="columns must be a dict"):
        read_table(pd.DataFrame({"session_id": ["s1"]}), "sessions", columns=[("a", "b")])


def test_a_folder_is_pointed_to_read_folder(tmp_path):
    with pytest.raises(
        KpiDataError, match=r"does not exist or is not a file \(it is a folder: use kk.io.read_folder\)"
    ):
        read_table(tmp_path, "sessions")
