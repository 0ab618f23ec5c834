"""Tests of kpikit.io: reading exports into validated canonical tables, and the errors on bad input.

Each failure kind of the issue has a test asserting that the message names the file, the column,
the rows (numbered as in the file) and the fix.
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import folder_health, load_mapping, read_folder, read_table

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SESSIONS = (
    "session_id,start,landing_page,pageviews,engaged\n"
    "s1,2024-03-01 10:00:00,/,3,true\n"
    "s2,2024-03-01 11:30:00,/shop,1,false\n"
    "s3,2024-03-02 09:15:00,/blog/a,2,yes\n"
)


# ---- good input ------------------------------------------------------------------------------

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


def test_utf8_bom_is_stripped(tmp_path):
    p = tmp_path / "sessions.csv"
    p.write_bytes(b"\xef\xbb\xbf" + SESSIONS.encode("utf-8"))
    df = read_table(p, "sessions")
    assert df.columns[0] == "session_id"  # not "\ufeffsession_id"
    assert len(df) == 3


def test_semicolon_csv_with_decimal_comma(tmp_path):
    p = write(tmp_path / "transactions.csv",
              "customer_id;timestamp;amount\n"
              "c1;2024-03-01 10:00:00;1.234,50\n"
              "c2;2024-03-02 10:00:00;12,5\n"
              "c3;2024-03-03 10:00:00;7\n")
    df = read_table(p, "transactions", decimal=",")
    # 1.234,50 -> 1234.50; 12,5 -> 12.5; 7 -> 7.0
    assert df["amount"].tolist() == [1234.5, 12.5, 7.0]


def test_tab_separated_is_sniffed(tmp_path):
    p = write(tmp_path / "spend.tsv", "period\tchannel\tcost\n2024-01-01\tEmail\t100\n")
    df = read_table(p, "spend")
    assert df["cost"].tolist() == [100.0]


def test_comment_lines_are_skipped_and_line_numbers_stay_physical(tmp_path):
    text = (
        "# ----------------------------------------\n"  # line 1
        "# Account: Acme\n"  # line 2
        "# Start date: 20240101\n"  # line 3
        "\n"  # line 4
        "customer_id,timestamp,amount\n"  # line 5: header
        "c1,2024-03-01,10\n"  # line 6
        "\n"  # line 7: blank
        "c2,2024-03-02,abc\n"  # line 8: the bad row
    )
    p = write(tmp_path / "transactions.csv", text)
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    assert "file row 8" in str(e.value)
    good = write(tmp_path / "t2.csv", text.replace("abc", "11"))
    df = read_table(good, "transactions")
    assert df["amount"].tolist() == [10.0, 11.0]


def test_hash_values_after_the_header_are_data(tmp_path):
    # Shopify order names look like "#1001": only "# " lines count as comments after the header
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\n#1001,2024-03-01,5\n")
    assert read_table(p, "transactions")["customer_id"].tolist() == ["#1001"]


def test_excel_padding_columns_are_dropped(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount,,\nc1,2024-03-01,5,,\nc2,2024-03-02,6,,\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: the padding held nothing
        df = read_table(p, "transactions")
    assert list(df.columns) == ["customer_id", "timestamp", "amount"]


def test_unnamed_column_with_data_is_kept_with_a_warning(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount,\nc1,2024-03-01,5,x\n")
    with pytest.warns(KpiWarning, match="without a header hold data"):
        df = read_table(p, "transactions")
    assert "Unnamed: 3" in df.columns


def test_gzipped_csv(tmp_path):
    p = tmp_path / "sessions.csv.gz"
    p.write_bytes(gzip.compress(SESSIONS.encode()))
    assert len(read_table(p, "sessions")) == 3


def test_quoted_newlines_keep_row_numbers(tmp_path):
    text = ('session_id,start,landing_page\n'
            's1,2024-03-01,"/a\nsecond line"\n'  # lines 2-3
            's2,not a date,/b\n')  # line 4
    with pytest.raises(KpiDataError, match="file row 4"):
        read_table(write(tmp_path / "s.csv", text), "sessions")


def test_mapping_dict(tmp_path):
    p = write(tmp_path / "export.csv", "Session ID,Session Start,Landing Page,Channel Group\n"
                                       "s1,2024-03-01 10:00,/,Email\n")
    df = read_table(p, "sessions", columns={"Session ID": "session_id", "Session Start": "start",
                                           "Landing Page": "landing_page"})
    assert list(df.columns) == ["session_id", "start", "landing_page", "Channel Group"]
    assert df["start"].iloc[0] == pd.Timestamp("2024-03-01 10:00")


def test_mapping_file_sectioned_and_flat(tmp_path):
    p = write(tmp_path / "export.csv", "Order Total,Customer,Order Date\n$12.50,c1,2024-03-01\n")
    sectioned = write(tmp_path / "mapping.yaml",
                      "transactions:\n  Order Total: amount\n  Customer: customer_id\n"
                      "  Order Date: timestamp\nsessions:\n  Session Start: start\n")
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


def test_aware_timestamps_are_converted_to_utc(tmp_path):
    p = write(tmp_path / "t.csv",
              "customer_id,timestamp,amount\n"
              "c1,2024-03-01T10:00:00+01:00,1\n"
              "c2,2024-03-01T23:30:00+01:00,1\n")
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
    raw = pd.DataFrame({"customer_id": [1001, 1002], "timestamp": ["2024-03-01", "2024-03-02"],
                        "amount": ["1,234.50", "$5"]}, index=[10, 20])
    df = read_table(raw, "transactions")
    assert df.index.tolist() == [10, 20]
    assert df["customer_id"].tolist() == ["1001", "1002"]  # ids become text, never "1001.0"
    assert df["amount"].tolist() == [1234.5, 5.0]
    assert raw["amount"].tolist() == ["1,234.50", "$5"]  # the input is not modified
    assert df.attrs["source"] == "transactions DataFrame"


def test_excel_round_trip(tmp_path):
    src = pd.DataFrame({
        "Customer": ["c1", "c2", "c3"],
        "Date": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", "2024-03-03 12:00"]),
        "Amount": [10.5, 20.0, 30.25],
        "Note": ["a", None, "c"],
    })
    p = tmp_path / "transactions.xlsx"
    src.to_excel(p, index=False)
    df = read_table(p, "transactions", columns={"Customer": "customer_id", "Date": "timestamp",
                                                "Amount": "amount"})
    assert df["customer_id"].tolist() == ["c1", "c2", "c3"]
    assert df["timestamp"].tolist() == src["Date"].tolist()
    assert df["amount"].tolist() == [10.5, 20.0, 30.25]
    # bad value in Excel: the message gives the sheet row (header is row 1, so the 2nd data row is row 3)
    src.loc[1, "Amount"] = -4.0
    src.to_excel(p, index=False)
    with pytest.raises(KpiDataError, match=r"transactions.xlsx, column 'amount': 1 row has a negative amount \(file row 3"):
        read_table(p, "transactions", columns={"Customer": "customer_id", "Date": "timestamp",
                                               "Amount": "amount"})


def test_parquet_round_trip(tmp_path):
    src = pd.DataFrame({
        "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c2"],
        "start": pd.to_datetime(["2024-01-01", "2024-02-01"]).tz_localize("UTC"),
        "end": pd.to_datetime(["2024-06-01", None]).tz_localize("UTC"),
        "interval": ["month", "year"], "amount": [9.0, 99.0], "quantity": [1, 2],
    })
    p = tmp_path / "subscriptions.parquet"
    src.to_parquet(p)
    df = read_table(p, "subscriptions")
    assert df["start"].dtype == "datetime64[ns]" and df["start"].dt.tz is None
    assert df["end"].isna().tolist() == [False, True]
    assert df["quantity"].tolist() == [1, 2]
    assert df["amount"].tolist() == [9.0, 99.0]


def test_read_is_deterministic_and_fast_enough_shape(tmp_path):
    # 5,000 events: vectorised path (no timing assertion; the benchmark covers speed)
    n = 5000
    rng = np.random.default_rng(1)
    ev = pd.DataFrame({"user_id": rng.integers(0, 500, n).astype(str),
                       "timestamp": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                       "event": rng.choice(["page_view", "scroll"], n),
                       "value": np.where(rng.random(n) < 0.1, 12.5, np.nan)})
    p = tmp_path / "events.csv"
    ev.to_csv(p, index=False)
    a, b = read_table(p, "events"), read_table(p, "events")
    pd.testing.assert_frame_equal(a, b)
    assert a["value"].isna().sum() == ev["value"].isna().sum()


# ---- failure kinds of the issue --------------------------------------------------------------

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


def test_mapping_to_absent_column_is_named(tmp_path):
    p = write(tmp_path / "sessions.csv", "session_id,Begin\ns1,2024-03-01\n")
    with pytest.raises(KpiDataError, match="the mapping renames 'Session Start' to 'start', but there is no column 'Session Start'"):
        read_table(p, "sessions", columns={"Session Start": "start"})


def test_unparseable_date(tmp_path):
    p = write(tmp_path / "sessions.csv",
              "session_id,start\ns1,2024-03-01 10:00\ns2,31/02/2024\ns3,2024-03-02\ns4,yesterday\n")
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
    p = write(tmp_path / "transactions.csv",
              "customer_id,timestamp,amount\n"
              "c1,2024-03-01T10:00:00+01:00,1\n"
              "c2,2024-03-01T11:00:00+01:00,1\n"
              "c3,2024-03-01 12:00:00,1\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv, column 'timestamp': 1 row has no UTC offset")
    assert "mixed time zones" in msg and "(file row 4; first: '2024-03-01 12:00:00')" in msg
    assert 'tz="Europe/Berlin"' in msg
    # the caller's say: naive values are Berlin time
    df = read_table(p, "transactions", tz="Europe/Berlin")
    assert df["timestamp"].tolist() == [pd.Timestamp("2024-03-01 09:00"), pd.Timestamp("2024-03-01 10:00"),
                                        pd.Timestamp("2024-03-01 11:00")]


def test_mixed_time_zones_several_offsets(tmp_path):
    p = write(tmp_path / "tickets.csv",
              "ticket_id,created_at\n"
              "t1,2024-03-30T10:00:00+01:00\n"
              "t2,2024-03-30T12:00:00+01:00\n"
              "t3,2024-04-02T10:00:00+02:00\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "tickets")
    msg = str(e.value)
    assert "tickets.csv, column 'created_at': 1 row has another UTC offset" in msg
    assert "(file row 4; first: '2024-04-02T10:00:00+02:00')" in msg and "mixed time zones" in msg
    df = read_table(p, "tickets", tz="Europe/Berlin")
    assert df["created_at"].iloc[2] == pd.Timestamp("2024-04-02 08:00")


def test_negative_amount(tmp_path):
    p = write(tmp_path / "transactions.csv",
              "customer_id,timestamp,amount\nc1,2024-03-01,10\nc2,2024-03-02,-4.5\nc3,2024-03-03,3\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv, column 'amount': 1 row has a negative amount "
                          "(file row 3; first: -4.5).")
    assert "Filter refunds out" in msg and "allow_negative=True" in msg
    df = read_table(p, "transactions", allow_negative=True)
    assert df["amount"].tolist() == [10.0, -4.5, 3.0]


def test_duplicate_key(tmp_path):
    p = write(tmp_path / "sessions.csv",
              "session_id,start\ns1,2024-03-01\ns2,2024-03-01\ns1,2024-03-02\ns3,2024-03-02\ns2,2024-03-03\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "sessions")
    msg = str(e.value)
    # s1 first on line 2, again on line 4; s2 first on line 3, again on line 6
    assert msg.startswith("sessions.csv, column 'session_id': 2 rows have a duplicate key")
    assert "(file rows 4, 6; first: 's1', also in file row 2)" in msg
    assert "Remove the duplicates" in msg


def test_empty_file(tmp_path):
    p = tmp_path / "sessions.csv"
    p.write_bytes(b"")
    with pytest.raises(KpiDataError, match=r"sessions.csv is empty \(0 bytes\): it has no header and no data rows"):
        read_table(p, "sessions")


def test_header_only(tmp_path):
    p = write(tmp_path / "sessions.csv", "session_id,start\n")
    with pytest.raises(KpiDataError, match=r"sessions.csv has a header but no data rows \(columns: session_id, start\)"):
        read_table(p, "sessions")


def test_wrong_encoding(tmp_path):
    p = write(tmp_path / "transactions.csv",
              "customer_id,timestamp,amount,city\nc1,2024-03-01,1,Köln\nc2,2024-03-01,2,Zürich\n",
              encoding="cp1252")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv is not UTF-8: line 2 holds the byte b'\\xf6'")
    assert 'encoding="cp1252"' in msg and '"latin-1"' in msg
    df = read_table(p, "transactions", encoding="cp1252")
    assert df["city"].tolist() == ["Köln", "Zürich"]


def test_utf16_is_named(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("customer_id\tamount\n".encode("utf-16"))
    with pytest.raises(KpiDataError, match='encoding="utf-16"'):
        read_table(p, "transactions")


def test_mixed_types_in_numeric_column(tmp_path):
    p = write(tmp_path / "sessions.csv",
              "session_id,start,pageviews\ns1,2024-03-01,3\ns2,2024-03-01,n/a\ns3,2024-03-01,4\ns4,2024-03-01,abc\n")
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
    p = write(tmp_path / "transactions.csv",
              'customer_id,timestamp,amount\n'
              'c1,2024-03-01,"1,234.50"\n'
              'c2,2024-03-01,"$1,234.50"\n'
              'c3,2024-03-01,$7\n'
              'c4,2024-03-01,"12,345,678"\n'
              'c5,2024-03-01, 3.5 \n')
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
    with pytest.raises(KpiDataError, match=r"column 'pageviews': 1 row has a percentage, but the column expects plain numbers \(file row 2"):
        read_table(p, "sessions")
    # a currency symbol outside money columns is an error
    p = write(tmp_path / "s2.csv", "session_id,start,engagement_time_s\ns1,2024-03-01,$4\n")
    with pytest.raises(KpiDataError, match="has a currency amount, but the column is not a money column"):
        read_table(p, "sessions")
    # benchmarks take percentages: 47% -> 0.47
    p = write(tmp_path / "benchmarks.csv",
              "metric,source,p25,p50,p75\nbounce_rate,HubSpot,20%,30%,40%\nbounce_rate,GA,,47%,\n")
    df = read_table(p, "benchmarks")
    assert df["p50"].tolist() == [0.30, 0.47]


def test_mixed_currencies_are_refused(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-01,$5\nc2,2024-03-01,€5\n")
    with pytest.raises(KpiDataError, match=r"the column mixes currencies \(\$, €\)"):
        read_table(p, "transactions")


def test_bad_boolean(tmp_path):
    p = write(tmp_path / "s.csv", "session_id,start,engaged\ns1,2024-03-01,yes\ns2,2024-03-01,maybe\n")
    with pytest.raises(KpiDataError, match=r"column 'engaged': 1 row has a value that is not true/false \(file row 3; first: 'maybe'\)"):
        read_table(p, "sessions")


def test_empty_required_value(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-01,5\n,2024-03-01,5\n")
    with pytest.raises(KpiDataError, match=r"column 'customer_id': 1 row is empty, but the column is required \(file row 3"):
        read_table(p, "transactions")


def test_ragged_row_names_the_line(tmp_path):
    p = write(tmp_path / "t.csv", "# note\ncustomer_id,timestamp,amount\nc1,2024-03-01,5\nc2,2024-03-01,5,6\n")
    with pytest.raises(KpiDataError, match=r"t.csv: line 4 has 4 fields but the header has 3"):
        read_table(p, "transactions")


def test_several_problems_are_listed_together(tmp_path):
    p = write(tmp_path / "transactions.csv",
              "customer_id,timestamp,amount\nc1,bad,5\nc2,2024-03-01,x\n")
    with pytest.raises(KpiDataError) as e:
        read_table(p, "transactions")
    msg = str(e.value)
    assert msg.startswith("transactions.csv: 2 problems")
    assert "- transactions.csv, column 'timestamp': 1 row has a date that cannot be read (file row 2; first: 'bad')" in msg
    assert "- transactions.csv, column 'amount': 1 row has text in a numeric column (mixed types) (file row 3; first: 'x')" in msg


def test_unknown_table_and_file_type(tmp_path):
    with pytest.raises(KpiDataError, match="Unknown table 'session'. Did you mean 'sessions'"):
        read_table(pd.DataFrame({"a": [1]}), "session")
    p = write(tmp_path / "x.json", "{}")
    with pytest.raises(KpiDataError, match="unknown file type"):
        read_table(p, "sessions")
    with pytest.raises(KpiDataError, match="does not exist"):
        read_table(tmp_path / "nope.csv", "sessions")


# ---- drop_invalid ----------------------------------------------------------------------------

def test_drop_invalid_reports_how_many_and_why(tmp_path):
    p = write(tmp_path / "transactions.csv",
              "customer_id,timestamp,amount\n"
              "c1,2024-03-01,10\n"  # 2 ok
              "c2,2024-03-02,-4\n"  # 3 negative
              "c3,not a date,5\n"  # 4 bad date
              "c4,2024-03-04,7\n"  # 5 ok
              "c5,2024-03-05,-1\n")  # 6 negative
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
    raw = pd.DataFrame({"session_id": ["a", "b", "a"], "start": ["2024-03-01"] * 3}, index=["x", "y", "z"])
    with pytest.warns(KpiWarning, match="dropped 1 of 3 rows"):
        df = read_table(raw, "sessions", drop_invalid=True)
    assert df.index.tolist() == ["x", "y"]
    assert df.attrs["dropped"][0]["rows"] == ["z"]


def test_drop_invalid_does_not_hide_column_problems(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-01T10:00+01:00,1\nc2,2024-03-01T10:00+02:00,1\n")
    with pytest.raises(KpiDataError, match="mixed time zones"):
        read_table(p, "transactions", drop_invalid=True)


def test_dataframe_errors_name_index_labels():
    raw = pd.DataFrame({"session_id": ["a", "b"], "start": ["2024-03-01", "nope"]}, index=[100, 200])
    with pytest.raises(KpiDataError, match=r"sessions DataFrame, column 'start': 1 row has a date that cannot be read \(index 200; first: 'nope'\)"):
        read_table(raw, "sessions")


# ---- folders ---------------------------------------------------------------------------------

def test_read_folder_and_folder_health(tmp_path):
    write(tmp_path / "sessions.csv", SESSIONS)  # good
    write(tmp_path / "transactions.csv", "customer_id,timestamp,amount\nc1,2024-03-01,5\nc2,2024-03-02,-1\n")  # invalid
    write(tmp_path / "README.md", "not a table")  # ignored
    write(tmp_path / "ua_landing_pages.csv", "# UA\nLanding Page,Sessions\n/,3\n")  # not canonical: ignored
    with pytest.warns(KpiWarning, match="table 'transactions' not loaded"):
        tables = read_folder(tmp_path, tables=["sessions", "transactions", "leads"])
    assert list(tables) == ["sessions"]
    assert "negative amount" in tables.problems["transactions"]
    h = tables.health.set_index("table")
    assert h.loc["sessions", "status"] == "ok" and h.loc["sessions", "rows"] == 3
    assert h.loc["sessions", "date_from"] == pd.Timestamp("2024-03-01 10:00")
    assert h.loc["sessions", "date_to"] == pd.Timestamp("2024-03-02 09:15")
    assert h.loc["sessions", "missing_values"] == 0
    assert h.loc["transactions", "status"] == "invalid"
    assert h.loc["transactions", "problem"].startswith("transactions.csv, column 'amount'")
    assert h.loc["leads", "status"] == "missing" and pd.isna(h.loc["leads", "rows"])

    full = folder_health(tmp_path)
    assert list(full.columns) == ["table", "file", "status", "rows", "columns", "date_from", "date_to",
                                  "missing_values", "problem"]
    assert full["table"].tolist() == list(kk.schemas.TABLES)
    assert full["status"].value_counts().to_dict() == {"missing": 9, "ok": 1, "invalid": 1}
    with pytest.raises(KpiDataError, match="negative amount"):
        read_folder(tmp_path, strict=True)


def test_read_folder_with_mapping_file_and_duplicates(tmp_path):
    write(tmp_path / "spend.csv", "Month,Channel,Cost\n2024-01-01,Email,100\n")
    m = write(tmp_path / "map.yaml", "spend:\n  Month: period\n  Channel: channel\n  Cost: cost\n")
    tables = read_folder(tmp_path, mapping_file=m)
    assert tables["spend"]["cost"].tolist() == [100.0]
    assert tables.health.set_index("table").loc["spend", "missing_values"] == 0
    pd.DataFrame({"period": ["2024-01-01"], "channel": ["x"], "cost": [1.0]}).to_parquet(tmp_path / "spend.parquet")
    with pytest.warns(KpiWarning, match="all hold table 'spend'"):
        tables = read_folder(tmp_path, mapping_file=m)
    assert "spend" not in tables


def test_read_folder_missing_folder(tmp_path):
    with pytest.raises(KpiDataError, match="does not exist"):
        read_folder(tmp_path / "nope")


@pytest.mark.skipif(not SAMPLE.is_dir() or not any(SAMPLE.glob("*.csv*")), reason="data/sample not generated yet")
def test_sample_folder_loads_cleanly():
    with warnings.catch_warnings():
        warnings.simplefilter("error", KpiWarning)
        tables = read_folder(SAMPLE)
    health = tables.health
    present = health[health["status"] != "missing"]
    assert (present["status"] == "ok").all(), present[["table", "problem"]].to_string()
    assert len(tables) >= 1


def test_local_times_lost_in_a_daylight_saving_change(tmp_path):
    # 2024-03-31 02:30 does not exist in Berlin (clocks jump from 02:00 to 03:00)
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount\nc1,2024-03-31 01:30,1\nc2,2024-03-31 02:30,1\n")
    with pytest.raises(KpiDataError, match=r"column 'timestamp': 1 row has a local time that does not exist or is ambiguous in Europe/Berlin .*\(file row 3; first: '2024-03-31 02:30'\)"):
        read_table(p, "transactions", tz="Europe/Berlin")


def test_wrong_explicit_separator_is_named(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id;timestamp;amount\nc1;2024-03-01;5\n")
    with pytest.raises(KpiDataError, match="pass sep=';'"):
        read_table(p, "transactions", sep=",")
    assert len(read_table(p, "transactions")) == 1  # sniffed


def test_read_folder_refuses_a_flat_mapping_file(tmp_path):
    write(tmp_path / "spend.csv", "Month,Channel,Cost\n2024-01-01,Email,100\n")
    flat = write(tmp_path / "flat.yaml", "Month: period\n")
    with pytest.raises(KpiDataError, match="read_folder needs one section per table"):
        read_folder(tmp_path, mapping_file=flat)


def test_header_only_excel_and_parquet(tmp_path):
    pd.DataFrame({"customer_id": [], "timestamp": [], "amount": []}).to_excel(tmp_path / "t.xlsx", index=False)
    with pytest.raises(KpiDataError, match=r"t.xlsx has a header but no data rows \(columns: customer_id, timestamp, amount\)"):
        read_table(tmp_path / "t.xlsx", "transactions")
    pd.DataFrame({"customer_id": pd.Series([], dtype=str), "amount": pd.Series([], dtype=float)}).to_parquet(tmp_path / "t.parquet")
    with pytest.raises(KpiDataError, match=r"t.parquet has columns but no data rows"):
        read_table(tmp_path / "t.parquet", "transactions")
    with pytest.raises(KpiDataError, match="transactions DataFrame has no data rows"):
        read_table(pd.DataFrame({"customer_id": []}), "transactions")


def test_windows_line_endings_keep_row_numbers(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b"\xef\xbb\xbfcustomer_id;timestamp;amount\r\nc1;2024-03-01;1,5\r\nc2;2024-03-01;x\r\n")
    with pytest.raises(KpiDataError, match=r"t.csv, column 'amount': 1 row has text in a numeric column \(mixed types\) \(file row 3; first: 'x'\)"):
        read_table(p, "transactions", decimal=",")


def test_table_cache_reuses_validated_tables_and_never_serves_stale_ones(tmp_path, monkeypatch):
    # The batch runner sets KPIKIT_TABLE_CACHE for one run; a hit must equal a fresh read, and a
    # changed file (or option) must be read again.
    import kpikit.io as kio

    cache = tmp_path / "cache"
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
