"""Tests of kpikit.io.formats: the CSV, Excel and Parquet shapes read_table accepts or names, with
row numbers as in the file."""

from __future__ import annotations

import gzip
import warnings

import pandas as pd
import pytest

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import read_table
from tests.io.helpers import SESSIONS, write


def test_utf8_bom_is_stripped(tmp_path):
    p = tmp_path / "sessions.csv"
    p.write_bytes(b"\xef\xbb\xbf" + SESSIONS.encode("utf-8"))
    df = read_table(p, "sessions")
    assert df.columns[0] == "session_id"  # not "\ufeffsession_id"
    assert len(df) == 3


def test_semicolon_csv_with_decimal_comma(tmp_path):
    p = write(
        tmp_path / "transactions.csv",
        "customer_id;timestamp;amount\n"
        "c1;2024-03-01 10:00:00;1.234,50\n"
        "c2;2024-03-02 10:00:00;12,5\n"
        "c3;2024-03-03 10:00:00;7\n",
    )
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
    text = (
        "session_id,start,landing_page\n"
        's1,2024-03-01,"/a\nsecond line"\n'  # lines 2-3
        "s2,not a date,/b\n"
    )  # line 4
    with pytest.raises(KpiDataError, match="file row 4"):
        read_table(write(tmp_path / "s.csv", text), "sessions")


def test_excel_round_trip(tmp_path):
    src = pd.DataFrame(
        {
            "Customer": ["c1", "c2", "c3"],
            "Date": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", "2024-03-03 12:00"]),
            "Amount": [10.5, 20.0, 30.25],
            "Note": ["a", None, "c"],
        }
    )
    p = tmp_path / "transactions.xlsx"
    src.to_excel(p, index=False)
    df = read_table(p, "transactions", columns={"Customer": "customer_id", "Date": "timestamp", "Amount": "amount"})
    assert df["customer_id"].tolist() == ["c1", "c2", "c3"]
    assert df["timestamp"].tolist() == src["Date"].tolist()
    assert df["amount"].tolist() == [10.5, 20.0, 30.25]
    # bad value in Excel: the message gives the sheet row (header is row 1, so the 2nd data row is row 3)
    src.loc[1, "Amount"] = -4.0
    src.to_excel(p, index=False)
    with pytest.raises(
        KpiDataError, match=r"transactions.xlsx, column 'amount': 1 row has a negative amount \(file row 3"
    ):
        read_table(p, "transactions", columns={"Customer": "customer_id", "Date": "timestamp", "Amount": "amount"})


def test_parquet_round_trip(tmp_path):
    src = pd.DataFrame(
        {
            "subscription_id": ["s1", "s2"],
            "customer_id": ["c1", "c2"],
            "start": pd.to_datetime(["2024-01-01", "2024-02-01"]).tz_localize("UTC"),
            "end": pd.to_datetime(["2024-06-01", None]).tz_localize("UTC"),
            "interval": ["month", "year"],
            "amount": [9.0, 99.0],
            "quantity": [1, 2],
        }
    )
    p = tmp_path / "subscriptions.parquet"
    src.to_parquet(p)
    df = read_table(p, "subscriptions")
    assert df["start"].dtype == "datetime64[ns]" and df["start"].dt.tz is None
    assert df["end"].isna().tolist() == [False, True]
    assert df["quantity"].tolist() == [1, 2]
    assert df["amount"].tolist() == [9.0, 99.0]


def test_empty_file(tmp_path):
    p = tmp_path / "sessions.csv"
    p.write_bytes(b"")
    with pytest.raises(KpiDataError, match=r"sessions.csv is empty \(0 bytes\): it has no header and no data rows"):
        read_table(p, "sessions")


def test_header_only(tmp_path):
    p = write(tmp_path / "sessions.csv", "session_id,start\n")
    with pytest.raises(
        KpiDataError, match=r"sessions.csv has a header but no data rows \(columns: session_id, start\)"
    ):
        read_table(p, "sessions")


def test_wrong_encoding(tmp_path):
    p = write(
        tmp_path / "transactions.csv",
        "customer_id,timestamp,amount,city\nc1,2024-03-01,1,Köln\nc2,2024-03-01,2,Zürich\n",
        encoding="cp1252",
    )
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


def test_ragged_row_names_the_line(tmp_path):
    p = write(tmp_path / "t.csv", "# note\ncustomer_id,timestamp,amount\nc1,2024-03-01,5\nc2,2024-03-01,5,6\n")
    with pytest.raises(KpiDataError, match=r"t.csv: line 4 has 4 fields but the header has 3"):
        read_table(p, "transactions")


def test_wrong_explicit_separator_is_named(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id;timestamp;amount\nc1;2024-03-01;5\n")
    with pytest.raises(KpiDataError, match="pass sep=';'"):
        read_table(p, "transactions", sep=",")
    assert len(read_table(p, "transactions")) == 1  # sniffed


def test_header_only_excel_and_parquet(tmp_path):
    pd.DataFrame({"customer_id": [], "timestamp": [], "amount": []}).to_excel(tmp_path / "t.xlsx", index=False)
    with pytest.raises(
        KpiDataError, match=r"t.xlsx has a header but no data rows \(columns: customer_id, timestamp, amount\)"
    ):
        read_table(tmp_path / "t.xlsx", "transactions")
    pd.DataFrame({"customer_id": pd.Series([], dtype=str), "amount": pd.Series([], dtype=float)}).to_parquet(
        tmp_path / "t.parquet"
    )
    with pytest.raises(KpiDataError, match=r"t.parquet has columns but no data rows"):
        read_table(tmp_path / "t.parquet", "transactions")
    with pytest.raises(KpiDataError, match="transactions DataFrame has no data rows"):
        read_table(pd.DataFrame({"customer_id": []}), "transactions")


def test_windows_line_endings_keep_row_numbers(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b"\xef\xbb\xbfcustomer_id;timestamp;amount\r\nc1;2024-03-01;1,5\r\nc2;2024-03-01;x\r\n")
    with pytest.raises(
        KpiDataError,
        match=r"t.csv, column 'amount': 1 row has text in a numeric column \(mixed types\) \(file row 3; first: 'x'\)",
    ):
        read_table(p, "transactions", decimal=",")


def test_the_unnamed_column_warning_points_at_the_caller(tmp_path):
    p = write(tmp_path / "t.csv", "customer_id,timestamp,amount,\nc1,2024-03-01,5,x\n")
    with pytest.warns(KpiWarning, match="without a header hold data") as rec:
        read_table(p, "transactions")
    assert rec[0].filename == __file__


def test_parquet_integers_with_a_null_stay_exact(tmp_path):
    # pandas alone turns int64 with a null into float64: 2**53 + 1 would become 2**53
    import pyarrow as pa
    import pyarrow.parquet as pq

    big = 2**53 + 1
    pq.write_table(
        pa.table(
            {
                "customer_id": pa.array([big, None], pa.int64()),
                "timestamp": ["2024-03-01", "2024-03-02"],
                "amount": [1.0, 2.0],
                "order_no": pa.array([big + 1, None], pa.int64()),
            }
        ),
        tmp_path / "t.parquet",
    )
    from kpikit.io.formats import _read_parquet

    raw = _read_parquet(tmp_path / "t.parquet", "t.parquet", 10**9).frame
    assert raw["order_no"].dtype == "Int64" and raw["order_no"].tolist()[0] == big + 1
    with pytest.raises(KpiDataError, match="customer_id"):  # an empty required ID is still refused
        read_table(tmp_path / "t.parquet", "transactions")


def test_excel_whole_numbers_of_2_53_and_more_are_handed_as_the_doubles_excel_stores():
    from kpikit.io.formats import _excel_cell

    assert _excel_cell(2**53 + 1) == 2.0**53 and isinstance(_excel_cell(2**53 + 1), float)
    assert _excel_cell(1001) == 1001 and isinstance(_excel_cell(1001), int)
    assert _excel_cell("  ") is None and _excel_cell(True) is True
