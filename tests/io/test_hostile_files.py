"""The catalogue of hostile exports, files (issue 13, items 1 and 6): the same rows twice in one export,
workbooks of several sheets, UTF-16 without a byte-order mark, files that inflate past the size limit.

Each case writes an export shaped the way clients' systems write them and asserts one of two endings:
the exact values read with the count of every repair (and the warning that reports it), or the exact
text of the KpiDataError, so that a reader change cannot bring one of them back unnoticed. Totals rows
are catalogued in ``test_hostile_totals``, folders and tables in parts in ``test_hostile_folder``.
"""

from __future__ import annotations

import gzip
import inspect
import re
import tracemalloc
import warnings

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import read_table
from kpikit.io.duplicates import _AUTO, _IDENTITY
from kpikit.io.files import _Options
from tests.io.hostile import BOMB, DATA, SPEND, TX, Case, check, csv, gz, parquet, xlsx

FILE_CASES = [
    # -- item 1: the same rows exported twice, in one file ------------------------------------------
    Case(
        "transactions: rows twice, with times of day: dropped",
        {
            "transactions.csv": csv(
                TX,
                "c1,2024-03-01 10:00:00,5",
                "c2,2024-03-01 11:30:00,7.5",
                "c1,2024-03-01 10:00:00,5",
                "c2,2024-03-01 11:30:00,7.5",
                "c3,2024-03-02 09:00:00,12",
            )
        },
        "transactions",
        values={"customer_id": ["c1", "c2", "c3"], "amount": [5.0, 7.5, 12.0]},
        repairs={"duplicates_dropped": 2},
        warns="transactions.csv: dropped 2 exact duplicate rows (file rows 4, 5; first: file row 4 repeats file "
        "row 2: 'c1', '2024-03-01 10:00:00', '5'): each one repeats an earlier row in every column. "
        'Pass duplicates="keep" to keep them.',
    ),
    Case(
        "events: a month downloaded twice into one file: dropped",
        {
            "events.csv": csv(
                "user_id,timestamp,event,page",
                "u1,2024-01-05 10:00:00,page_view,/",
                "u2,2024-01-20 12:00:00,page_view,/shop",
                "u1,2024-02-03 09:00:00,page_view,/",
                "u3,2024-02-04 18:30:00,purchase,/checkout",
                "u1,2024-02-03 09:00:00,page_view,/",
                "u3,2024-02-04 18:30:00,purchase,/checkout",
            )
        },
        "events",
        values={"user_id": ["u1", "u2", "u1", "u3"], "event": ["page_view", "page_view", "page_view", "purchase"]},
        repairs={"duplicates_dropped": 2},
        warns="events.csv: dropped 2 exact duplicate rows (file rows 6, 7; first: file row 6 repeats file row 4",
    ),
    Case(
        "transactions: rows twice, dates only: refused",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5", "c2,2024-03-01,7", "c1,2024-03-01,5")},
        "transactions",
        error="transactions.csv: 1 row repeats an earlier row in every column (file row 4; first: file row 4 "
        "repeats file row 2: 'c1', '2024-03-01', '5'). Its timestamp values carry no time of day, so two equal "
        'rows may be two real purchases on one day. If they were exported twice, remove them or pass duplicates="drop"',
    ),
    Case(
        "transactions: rows twice, dates only, duplicates='drop'",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5", "c2,2024-03-01,7", "c1,2024-03-01,5")},
        "transactions",
        kwargs={"duplicates": "drop"},
        values={"amount": [5.0, 7.0]},
        repairs={"duplicates_dropped": 1},
        warns="transactions.csv: dropped 1 exact duplicate row (file row 4;",
    ),
    Case(
        "transactions: rows twice, dates only, duplicates='keep'",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5", "c2,2024-03-01,7", "c1,2024-03-01,5")},
        "transactions",
        kwargs={"duplicates": "keep"},
        values={"amount": [5.0, 7.0, 5.0]},
    ),
    Case(
        "transactions: duplicates='raise'",
        {"transactions.csv": csv(TX, "c1,2024-03-01 10:00,5", "c1,2024-03-01 10:00,5")},
        "transactions",
        kwargs={"duplicates": "raise"},
        error="transactions.csv: 1 row repeats an earlier row in every column (file row 3; first: file row 3 "
        "repeats file row 2: 'c1', '2024-03-01 10:00', '5'). Pass duplicates=\"drop\" to drop them",
    ),
    Case(
        "spend: a cost row twice: refused (no key)",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Email,100", "2024-01-01,Search,40")},
        "spend",
        error="spend.csv: 1 row repeats an earlier row in every column (file row 3; first: file row 3 repeats file "
        "row 2: '2024-01-01', 'Email', '100'). A spend row has no key, so kpikit cannot tell a period exported "
        "twice from two equal costs of one channel on one date.",
    ),
    Case(
        "spend: a cost row twice, duplicates='drop'",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Email,100", "2024-01-01,Search,40")},
        "spend",
        kwargs={"duplicates": "drop"},
        values={"cost": [100.0, 40.0]},
        repairs={"duplicates_dropped": 1},
        warns="spend.csv: dropped 1 exact duplicate row (file row 3;",
    ),
    Case(
        "sessions: a session twice: dropped (the key says one record)",
        {"sessions.csv": csv("session_id,start", "s1,2024-03-01 10:00", "s2,2024-03-01 11:00", "s1,2024-03-01 10:00")},
        "sessions",
        values={"session_id": ["s1", "s2"], "start": ["2024-03-01 10:00:00", "2024-03-01 11:00:00"]},
        repairs={"duplicates_dropped": 1},
        warns="sessions.csv: dropped 1 exact duplicate row (file row 4; first: file row 4 repeats file row 2",
    ),
    Case(
        "sessions: one key, two versions: refused",
        {"sessions.csv": csv("session_id,start", "s1,2024-03-01 10:00", "s2,2024-03-01 11:00", "s1,2024-03-02 10:00")},
        "sessions",
        error="sessions.csv, column 'session_id': 1 row has a duplicate key",
    ),
    Case(
        "subscriptions: a subscription twice: dropped",
        {
            "subscriptions.csv": csv(
                "customer_id,subscription_id,start,amount",
                "c1,sub1,2024-01-01,29",
                "c1,sub1,2024-01-01,29",
                "c2,sub2,2024-02-01,49",
            )
        },
        "subscriptions",
        values={"subscription_id": ["sub1", "sub2"], "amount": [29.0, 49.0]},
        repairs={"duplicates_dropped": 1},
        warns="subscriptions.csv: dropped 1 exact duplicate row (file row 3;",
    ),
    Case(
        "tickets: a ticket twice: dropped",
        {
            "tickets.csv": csv(
                "ticket_id,created_at", "T1,2024-01-02", "T2,2024-01-03", "T1,2024-01-02", "T2,2024-01-03"
            )
        },
        "tickets",
        values={"ticket_id": ["T1", "T2"]},
        repairs={"duplicates_dropped": 2},
        warns="tickets.csv: dropped 2 exact duplicate rows (file rows 4, 5;",
    ),
    Case(
        "social: a day twice: dropped",
        {
            "social.csv": csv(
                "date,platform,brand,followers",
                "2024-01-01,Instagram,Acme,1200",
                "2024-01-01,Instagram,Acme,1200",
                "2024-01-02,Instagram,Acme,1210",
            )
        },
        "social",
        values={"followers": [1200, 1210]},
        repairs={"duplicates_dropped": 1},
        warns="social.csv: dropped 1 exact duplicate row (file row 3;",
    ),
    Case(
        "benchmarks: a published figure twice: dropped",
        {
            "benchmarks.csv": csv(
                "metric,source,p50,year", "bounce_rate,Survey A,0.45,2023", "bounce_rate,Survey A,0.45,2023"
            )
        },
        "benchmarks",
        values={"p50": [0.45]},
        repairs={"duplicates_dropped": 1},
        warns="benchmarks.csv: dropped 1 exact duplicate row (file row 3;",
    ),
    Case(
        "surveys: an answer twice, with times: dropped",
        {
            "surveys.csv": csv(
                "respondent_id,timestamp,kind,score", "R1,2024-01-04 08:23:49,nps,9", "R1,2024-01-04 08:23:49,nps,9"
            )
        },
        "surveys",
        values={"score": [9.0]},
        repairs={"duplicates_dropped": 1},
        warns="surveys.csv: dropped 1 exact duplicate row (file row 3;",
    ),
    Case(
        "touchpoints: a touch twice, dates only: refused",
        {"touchpoints.csv": csv("user_id,timestamp,channel", "u1,2024-01-03,Email", "u1,2024-01-03,Email")},
        "touchpoints",
        error="Its timestamp values carry no time of day, so two equal rows may be two real touches on one day.",
    ),
    Case(
        "Excel: a purchase twice: dropped, named by sheet row",
        {
            "transactions.xlsx": xlsx(
                Sheet1=pd.DataFrame(
                    {
                        "customer_id": ["c1", "c2", "c1"],
                        "timestamp": pd.to_datetime(["2024-03-01 10:00", "2024-03-01 11:00", "2024-03-01 10:00"]),
                        "amount": [5.0, 7.0, 5.0],
                    }
                )
            )
        },
        "transactions",
        values={"amount": [5.0, 7.0]},
        repairs={"duplicates_dropped": 1},
        warns="transactions.xlsx: dropped 1 exact duplicate row (file row 4; first: file row 4 repeats file row 2",
    ),
    Case(
        "duplicates: an unknown choice",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5")},
        "transactions",
        kwargs={"duplicates": "sometimes"},
        error="duplicates must be one of 'auto', 'drop', 'keep', 'raise', not 'sometimes'.",
    ),
    # -- item 6: files --------------------------------------------------------------------------------
    Case(
        "UTF-16 little-endian without a byte-order mark: named",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5", encoding="utf-16-le")},
        "transactions",
        error="transactions.csv looks like UTF-16 text (little-endian) without a byte-order mark: every second "
        'byte is 0, which a UTF-8 CSV file never holds. Pass encoding="utf-16-le", or save it as CSV UTF-8.',
    ),
    Case(
        "UTF-16 big-endian without a byte-order mark: named",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5", encoding="utf-16-be")},
        "transactions",
        error="(big-endian) without a byte-order mark: every second byte is 0, which a UTF-8 CSV file never holds. "
        'Pass encoding="utf-16-be"',
    ),
    Case(
        "UTF-16 little-endian without a byte-order mark, encoding='utf-16-le'",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5", "c2,2024-03-02,7", encoding="utf-16-le")},
        "transactions",
        kwargs={"encoding": "utf-16-le"},
        values={"customer_id": ["c1", "c2"], "amount": [5.0, 7.0]},
    ),
    Case(
        "UTF-16 big-endian without a byte-order mark, encoding='utf-16' (the zeros tell the order)",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5", encoding="utf-16-be")},
        "transactions",
        kwargs={"encoding": "utf-16"},
        values={"customer_id": ["c1"], "amount": [5.0]},
    ),
    Case(
        "gzip that inflates past max_bytes: refused before it fills the memory",
        {"sessions.csv.gz": BOMB},
        "sessions",
        kwargs={"max_bytes": 100_000},
        error="sessions.csv.gz inflates to more than 97.7 KB (max_bytes=100000) while it takes",
    ),
    Case(
        "plain CSV larger than max_bytes",
        {"spend.csv": csv(SPEND, *["2024-01-01,Email,100"] * 100)},
        "spend",
        kwargs={"max_bytes": 1000},
        error="spend.csv holds more than 1,000 bytes (max_bytes=1000) while it takes 2.1 KB on disk; kpikit stopped "
        "before reading it into memory. If the export really is this large, pass a larger max_bytes= (or set "
        "KPIKIT_MAX_BYTES)",
    ),
    Case(
        "the limit from KPIKIT_MAX_BYTES",
        {"sessions.csv.gz": BOMB},
        "sessions",
        env={"KPIKIT_MAX_BYTES": "50KB"},
        error="sessions.csv.gz inflates to more than 50 KB (max_bytes=51200)",
    ),
    Case(
        "KPIKIT_MAX_BYTES that is not a size",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100")},
        "spend",
        env={"KPIKIT_MAX_BYTES": "lots"},
        error="KPIKIT_MAX_BYTES='lots' is not a size: write bytes (4294967296) or a size with a unit",
    ),
    Case(
        "max_bytes=0",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100")},
        "spend",
        kwargs={"max_bytes": 0},
        error="max_bytes must be a positive whole number of bytes (e.g. 8 * 1024**3), not 0.",
    ),
    Case(
        "gzip within the limit reads",
        {"spend.csv.gz": gz(csv(SPEND, "2024-01-01,Email,100", "2024-02-01,Email,120"))},
        "spend",
        kwargs={"max_bytes": 1000},
        values={"cost": [100.0, 120.0]},
    ),
    Case(
        "a truncated gzip file",
        {"spend.csv.gz": gz(csv(SPEND, *["2024-01-01,Email,100"] * 50))[:-12]},
        "spend",
        error="spend.csv.gz is not a readable gzip file (",
    ),
    Case(
        "Excel: two sheets hold data, none named like the table",
        {"transactions.xlsx": xlsx(Summary=pd.DataFrame({"Total": [12]}), Data=DATA, Empty=pd.DataFrame())},
        "transactions",
        error="transactions.xlsx has 3 sheets and 2 of them hold data ('Summary' (2 rows), 'Data' (3 rows)); kpikit "
        "does not guess which one is the transactions table. Pass its name, e.g. sheet='Data' (or its position "
        "from 0), or keep only the data sheet in the workbook.",
    ),
    Case(
        "Excel: two sheets hold data, sheet='Data'",
        {"transactions.xlsx": xlsx(Summary=pd.DataFrame({"Total": [12]}), Data=DATA)},
        "transactions",
        kwargs={"sheet": "Data"},
        values={"customer_id": ["c1", "c2"], "amount": [5.0, 7.0]},
    ),
    Case(
        "Excel: the sheet named like the table is the data",
        {"transactions.xlsx": xlsx(Notes=pd.DataFrame({"note": ["export of March"]}), Transactions=DATA)},
        "transactions",
        values={"customer_id": ["c1", "c2"], "amount": [5.0, 7.0]},
    ),
    Case(
        "Excel: the only sheet that holds anything is the data",
        {"transactions.xlsx": xlsx(Sheet1=pd.DataFrame(), Export=DATA, Sheet3=pd.DataFrame())},
        "transactions",
        values={"timestamp": ["2024-03-01 10:00:00", "2024-03-02 11:00:00"]},
    ),
    Case(
        "Excel: a sheet position that does not exist",
        {"transactions.xlsx": xlsx(Export=DATA, Notes=pd.DataFrame({"a": [1]}))},
        "transactions",
        kwargs={"sheet": 5},
        error="transactions.xlsx has 2 sheet(s); sheet=5 does not exist. Sheets: 'Export', 'Notes'.",
    ),
    Case(
        "Excel: every sheet empty",
        {"transactions.xlsx": xlsx(Sheet1=pd.DataFrame(), Sheet2=pd.DataFrame())},
        "transactions",
        error="transactions.xlsx is empty: none of its 2 sheets ('Sheet1', 'Sheet2') holds a value.",
    ),
    Case(
        "Excel: a workbook that inflates past max_bytes",
        {"transactions.xlsx": xlsx(Export=DATA)},
        "transactions",
        kwargs={"max_bytes": 2000},
        error="transactions.xlsx inflates to more than 2 KB (max_bytes=2000)",
    ),
    Case(
        "Parquet that inflates past max_bytes",
        {"transactions.parquet": parquet(DATA)},
        "transactions",
        kwargs={"max_bytes": 100},
        error="transactions.parquet inflates to more than 100 bytes (max_bytes=100)",
    ),
    Case(
        "a workbook saved under a .csv name",
        {"transactions.csv": xlsx(Export=DATA)},
        "transactions",
        error="transactions.csv is not a text file but a zip archive: an Excel workbook saved under a text name",
    ),
    Case(
        "gzip content under a .csv name",
        {"transactions.csv": gz(csv(TX, "c1,2024-03-01,5"))},
        "transactions",
        error="transactions.csv is not a text file but gzip-compressed: give it a name ending in .gz",
    ),
    Case(
        "an old .xls workbook under a .csv name",
        {"transactions.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100},
        "transactions",
        error="transactions.csv is not a text file but an old Office file (an Excel .xls workbook)",
    ),
    Case(
        "a NUL byte inside a CSV",
        {"transactions.csv": csv(TX, "c1,2024-03-01,5\x00\x00", "c2,2024-03-02,7")},
        "transactions",
        error="transactions.csv is not a text file: line 2 holds a NUL byte (0x00).",
    ),
]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_hostile_file(case: Case, tmp_path, monkeypatch):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    (name, data), *_ = case.files.items()
    (tmp_path / name).write_bytes(data)
    check(case, lambda: read_table(tmp_path / name, case.table, **case.kwargs))


def test_the_catalogue_holds_enough_cases():
    from tests.io.test_hostile_folder import FOLDER_CASES
    from tests.io.test_hostile_totals import TOTALS_CASES

    assert len(FILE_CASES) + len(TOTALS_CASES) + len(FOLDER_CASES) >= 35


def test_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    bomb = tmp_path / "sessions.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:  # 210 MB of rows in about 400 KB
        for _ in range(150):
            fh.write(b"s1,2024-01-01\n" * 100_000)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(KpiDataError, match="inflates to more than"):  # warm up: imports are not the file's memory
        read_table(bomb, "sessions", max_bytes=1_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(KpiDataError, match=r"sessions.csv.gz inflates to more than 976.6 KB"):
            read_table(bomb, "sessions", max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # the 1 MB limit and a 1 MiB block, not 210 MB


def test_every_table_has_a_duplicates_rule_and_an_identity():
    assert set(_AUTO) == set(_IDENTITY) == set(kk.schemas.TABLES)
    for table, cols in _IDENTITY.items():
        assert all(kk.schemas.TABLES[table].has(c) for c in cols), table


def test_the_options_record_has_read_tables_defaults():
    params = inspect.signature(read_table).parameters
    for name, default in _Options._field_defaults.items():
        assert params[name].default == default, name


def test_a_repair_is_recorded_beside_drop_invalid(tmp_path):
    p = tmp_path / "transactions.csv"
    p.write_bytes(csv(TX, "c1,2024-03-01 10:00,5", "c1,2024-03-01 10:00,5", "c2,2024-03-02 10:00,-1", "Total,,9"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        df = read_table(p, "transactions", drop_invalid=True)
    assert df["amount"].tolist() == [5.0]
    assert [(d["column"], d["count"], d["rows"], d.get("repair")) for d in df.attrs["dropped"]] == [
        ("amount", 1, [4], None),
        ("customer_id", 1, [5], "totals_rows"),
        (None, 1, [3], "duplicate_rows"),
    ]
    assert re.match(r"transactions.csv: dropped 1 totals row \(file row 5;", df.attrs["dropped"][1]["message"])
