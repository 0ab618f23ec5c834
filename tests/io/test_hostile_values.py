"""The catalogue of hostile values (issue 13, items 2, 3 and 5): IDs, dates and numbers as real exports write them.

Each case goes through ``read_table`` from a CSV, Excel or Parquet file or a DataFrame, and ends in one
of two ways: the exact values read (and the count of every repair, in ``attrs["repaired"]`` and the
KpiWarning), or a KpiDataError naming the file, the column, the first offending rows as numbered in
the file and the fix. CSV rows count the header as line 1, Excel rows are sheet rows (header row 1),
Parquet rows count data rows from 1, DataFrame rows are index labels.
"""

from __future__ import annotations

import datetime as dt
import decimal
import inspect
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import read_table

T = pd.Timestamp
D = dt.datetime
BIG = 2**53 + 1  # float64 cannot hold it: float(BIG) == 2**53
BIGS = [BIG + i for i in range(50)]  # as floats they are 26 numbers: the 50 customers that became 26


# -- inputs: a CSV text, an Excel sheet, a Parquet table or a DataFrame -----------------------------
@dataclass
class Csv:
    name: str
    text: str

    def make(self, tmp: Path) -> Path:
        (tmp / self.name).write_text(self.text, encoding="utf-8")
        return tmp / self.name


@dataclass
class Xlsx:
    name: str
    header: list[str]
    rows: list[list[Any]]

    def make(self, tmp: Path) -> Path:
        import openpyxl

        wb = openpyxl.Workbook()
        for r in [self.header, *self.rows]:
            wb.active.append(r)
        wb.save(tmp / self.name)
        return tmp / self.name


@dataclass
class Parquet:
    name: str
    columns: dict[str, Any]  # pyarrow arrays or lists

    def make(self, tmp: Path) -> Path:
        pq.write_table(pa.table(self.columns), tmp / self.name)
        return tmp / self.name


@dataclass
class Frame:
    columns: dict[str, Any]

    def make(self, tmp: Path) -> pd.DataFrame:
        return pd.DataFrame(self.columns)


SURVEY = ["respondent_id", "timestamp", "kind", "score", "customer_id"]
SUBS = ["customer_id", "subscription_id", "start", "end"]


def csv(name: str, header: list[str], rows: list[list[str]], sep: str = ",") -> Csv:
    return Csv(name, "\n".join(sep.join(r) for r in [header, *rows]) + "\n")


def survey_ids(ids: Any, how: str = "csv") -> Csv | Xlsx | Parquet | Frame:
    """A surveys export whose optional customer_id column holds ``ids``."""
    n = len(ids)
    cols = {"respondent_id": [f"r{i}" for i in range(n)], "timestamp": ["2024-03-01"] * n, "kind": ["nps"] * n}
    cols["score"] = [i % 11 for i in range(n)]
    if how == "csv":
        return csv("surveys.csv", SURVEY, [[*(str(c[i]) for c in cols.values()), ids[i]] for i in range(n)])
    if how == "xlsx":
        return Xlsx("surveys.xlsx", SURVEY, [[*(c[i] for c in cols.values()), ids[i]] for i in range(n)])
    cols["customer_id"] = ids
    return Parquet("surveys.parquet", cols) if how == "parquet" else Frame(cols)


def times(values: list[Any], how: str = "csv", amounts: list[str] | None = None, sep: str = ",") -> Csv | Xlsx:
    """A transactions export with these timestamps (and amounts)."""
    amounts = amounts or [str(i + 1) for i in range(len(values))]
    rows = [[f"c{i}", t, a] for i, (t, a) in enumerate(zip(values, amounts))]
    if how == "xlsx":
        return Xlsx("transactions.xlsx", ["customer_id", "timestamp", "amount"], rows)
    return csv("transactions.csv", ["customer_id", "timestamp", "amount"], rows, sep)


def amounts(values: list[str], sep: str = ",") -> Csv:
    return times(["2024-03-01"] * len(values), amounts=values, sep=sep)


def subs(starts: list[str], ends: list[str]) -> Csv:
    return csv("subscriptions.csv", SUBS, [[f"c{i}", f"s{i}", a, b] for i, (a, b) in enumerate(zip(starts, ends))])


# -- expectations ---------------------------------------------------------------------------------
@dataclass
class Reads:
    values: dict[str, list]  # column -> the values read (None where missing)
    repaired: dict[str, int] = field(default_factory=dict)  # column -> values repaired; no other column is
    warning: str | None = None  # words of the repair warning


@dataclass
class Refused:
    where: str  # "<file>, column '<col>': <n> row(s) <problem>"
    rows: str  # "(file rows 3, 5; first: ..." / "(index 1; ..."
    fix: str


def reads(repaired: dict[str, int] | None = None, warning: str | None = None, **values: list) -> Reads:
    return Reads(values, repaired or {}, warning)


def case(source: Any, table: str, expect: Reads | Refused, id: str, marks: Any = (), **options: Any) -> Any:
    return pytest.param(source, table, options, expect, id=id, marks=marks)


def _plain(v: Any) -> Any:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


# -- cases that need a change in the readers (xfail, strict, until it lands) -----------------------
def _reads_back(source: Any, table: str) -> pd.DataFrame | None:
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        try:
            return read_table(source.make(Path(d)), table)
        except KpiDataError:
            return None


_NULLABLE = _reads_back(survey_ids(pa.array([BIG, None], pa.int64()), "parquet"), "surveys")
_EXCEL = _reads_back(survey_ids([BIG], "xlsx"), "surveys")
_OPTIONS = inspect.signature(read_table).parameters
needs_dayfirst = pytest.mark.xfail("dayfirst" not in _OPTIONS, reason="read_table lacks dayfirst=", strict=True)
needs_decimal_none = pytest.mark.xfail(
    _OPTIONS["decimal"].default is not None, reason='read_table\'s decimal default is "."', strict=True
)
needs_nullable_parquet = pytest.mark.xfail(
    _NULLABLE is None or _NULLABLE["customer_id"].iloc[0] != str(BIG),
    reason="the Parquet reader turns int64 columns with a null into float64",
    strict=True,
)
needs_excel_floats = pytest.mark.xfail(
    _EXCEL is not None, reason="the Excel reader hands number cells of 2**53 and more as ints", strict=True
)


FLOAT_ID = "1 row has an ID stored as a floating-point number of 2**53"
SCI_ID = "1 row has an ID in scientific notation"
SCI_FIX = "Export the IDs again as text"
FAR = "1 value was a far-future date (a 'no end yet' marker such as 9999-12-31), read as still active (empty)"
BERLIN = ["2024-01-15T10:00:00+01:00", "2024-07-15T10:00:00+02:00", "2024-10-27T02:30:00+01:00"]
BERLIN_UTC = [T("2024-01-15 09:00"), T("2024-07-15 08:00"), T("2024-10-27 01:30")]
BEYOND = "1 row has a count beyond the 64-bit integer range"
COUNTS = ["session_id", "start", "pageviews"]
QTY = [*SUBS[:3], "amount", "quantity"]
NUMBER_SUCH = "1 row has a number such as '12,500' that reads 12500 if ',' groups thousands and 12.5"
BIG_STRS = [str(v) for v in BIGS]
DEC = decimal.Decimal("123456789012345678901")

# -- 2. IDs are strings, always: (input, customer_id cells, values read, repairs, warning words, id) --------
ID_READS = [
    ("csv", ["00123", "0456", "789"], ["00123", "0456", "789"], 0, None, "csv-leading-zeros"),
    ("xlsx", ["00123", 456], ["00123", "456"], 0, None, "xlsx-text-and-number-cells"),
    ("parquet", ["00123", None], ["00123", None], 0, None, "parquet-leading-zeros"),
    ("frame", np.array(BIGS, dtype="int64"), BIG_STRS, 0, None, "frame-int64-50-customers-above-2**53"),
    ("parquet", pa.array(BIGS, pa.int64()), BIG_STRS, 0, None, "parquet-int64-above-2**53"),
    ("xlsx", BIG_STRS[:3], BIG_STRS[:3], 0, None, "xlsx-text-ids-above-2**53"),
    ("parquet", pa.array([2**64 - 1, 2**63], pa.uint64()), [str(2**64 - 1), str(2**63)], 0, None, "parquet-uint64"),
    ("frame", pd.Series([2**64 + 7, 2**80], dtype=object), [str(2**64 + 7), str(2**80)], 0, None, "frame-python-ints"),
    ("frame", [DEC, decimal.Decimal("1001.0")], [str(DEC), "1001"], 0, None, "frame-decimals"),
    ("parquet", pa.array([DEC, None], pa.decimal128(25, 0)), [str(DEC), None], 0, None, "parquet-decimal128"),
    ("frame", [1001.0, np.nan, 1003.0], ["1001", None, "1003"], 0, None, "frame-float-ids-with-an-empty-one"),
    ("frame", pd.array([1001, None], dtype="Int64"), ["1001", None], 0, None, "frame-Int64-ids-with-an-empty-one"),
    ("parquet", [1001.0, None], ["1001", None], 0, None, "parquet-float-ids-with-a-null"),
    ("csv", ["1001.0", "", "1003.0"], ["1001", None, "1003"], 2, "2 values were written as a decimal", "csv-1001.0"),
    ("csv", ["1001.0", "v2.0"], ["1001.0", "v2.0"], 0, None, "csv-text-ids-keep-their-.0"),
    ("csv", [" c1", "c1", "c2 ", "c2", "\tc3", "c3", "c4\u00a0", "c4"], ["c1", "c1", "c2", "c2", "c3", "c3", "c4", "c4"],
     4, "4 values had surrounding spaces (stripped) (file rows 2, 4, 6, 8", "csv-spaces-4-customers-not-8"),
    ("xlsx", [" c1 ", "c1"], ["c1", "c1"], 1, "1 value had surrounding spaces (stripped) (file row 2", "xlsx-spaces"),
    ("frame", ["c1\u200b", "\ufeffc2", "c3"], ["c1", "c2", "c3"], 2, None, "frame-zero-width-edges"),
    *(("csv", ["c1", w, "c2"], ["c1", None, "c2"], 1, f"placeholder for no value ({w!r})", f"csv-{w}")
      for w in ("null", "NULL", "N/A", "None", "-", "#N/A")),
    ("parquet", ["c1", "N/A", None], ["c1", None, None], 1, None, "parquet-placeholder"),
]  # fmt: skip

# (input, customer_id cells, problem, rows, fix, id)
ID_REFUSED = [
    ("csv", ["123456789012", "1.23457E+11"], SCI_ID, "(file row 3; first: '1.23457E+11')", SCI_FIX, "csv-1.23457E+11"),
    ("xlsx", ["c1", "4.5E+15"], SCI_ID, "(file row 3; first: '4.5E+15')", SCI_FIX, "xlsx-scientific-text"),
    ("xlsx", [1.2345678901234567e19], FLOAT_ID, "(file row 2; first: 1.234567890123457e+19)", "lost", "xlsx-float"),
    ("frame", np.array([1.0, float(BIG)]), FLOAT_ID, "(index 1; first: 9007199254740992.0)", "lost", "frame-float"),
]
ID_NAME = {"csv": "surveys.csv", "xlsx": "surveys.xlsx", "parquet": "surveys.parquet", "frame": "surveys DataFrame"}

# -- 3. dates: (transactions timestamps, input, values read, id) ------------------------------------------------
TIME_READS = [
    (["03/04/2024", "25/04/2024"], "csv", [T("2024-04-03"), T("2024-04-25")], "csv-day-first-proven"),
    (["03/04/2024", "04/25/2024"], "csv", [T("2024-03-04"), T("2024-04-25")], "csv-month-first-proven"),
    (["03/04/2024", "13/04/2024"], "xlsx", [T("2024-04-03"), T("2024-04-13")], "xlsx-slash-dates-as-text"),
    (["25.03.2024 14:30", "03.04.2024 09:05"], "csv", [T("2024-03-25 14:30"), T("2024-04-03 09:05")], "csv-dots"),
    (["3/25/2024 2:05 PM", "4/1/2024 12:10 AM"], "csv", [T("2024-03-25 14:05"), T("2024-04-01 00:10")], "csv-am-pm"),
    (BERLIN, "csv", BERLIN_UTC, "csv-berlin-two-offsets-to-utc"),
    (BERLIN, "xlsx", BERLIN_UTC, "xlsx-berlin-two-offsets-to-utc"),
    (["2019-10-01 00:00:00 UTC", "2019-10-01 13:45:10.5 UTC"], "csv", [T("2019-10-01"), T("2019-10-01 13:45:10.5")],
     "csv-bigquery-utc"),
]  # fmt: skip

# (transactions timestamps, problem, rows, fix, options, id)
TIME_REFUSED = [
    (["03/04/2024", "05/06/2024"], "2 rows have a date such as '03/04/2024' that reads 3 April day first and March 4",
     "(file rows 2, 3; first: '03/04/2024')", "Pass dayfirst=True if the file writes day/month/year", {}, "csv-ambiguous"),
    (["25/03/2024", "26/03/2024", "03/27/2024"], "1 row has a date that only reads month first",
     "(file row 4; first: '03/27/2024')", "The file mixes day-first and month-first dates", {}, "csv-both-orders"),
    (["01/03/2024", "2024-03-02", "15/03/2024"], "1 row has a date that cannot be read", "(file row 3; first: '2024-03-02')",
     "They do not match date_format='%d/%m/%Y'", {"date_format": "%d/%m/%Y"}, "csv-date-format-mismatch"),
    (["2024-03-01T10:00:00+01:00", "2024-03-01 12:00:00"], "1 row has no UTC offset while the others have one",
     "(file row 3; first: '2024-03-01 12:00:00')", 'tz="Europe/Berlin"', {}, "csv-aware-and-naive"),
]  # fmt: skip

OPEN_END = ["9999-12-31", "2999-12-31", "2500-01-01 00:00:00", "9999-12-31 23:59:59.999999999"]
PARQUET_SUBS = {"customer_id": ["c1", "c2"], "subscription_id": ["s1", "s2"]}
US = pa.timestamp("us")

CASES = [
    *(case(survey_ids(cells, how), "surveys", reads({"customer_id": n} if n else {}, w, customer_id=vals), id)
      for how, cells, vals, n, w, id in ID_READS),
    *(case(survey_ids(cells, how), "surveys", Refused(f"{ID_NAME[how]}, column 'customer_id': {p}", rows, fix), id)
      for how, cells, p, rows, fix, id in ID_REFUSED),
    case(survey_ids(pa.array([BIG, None], pa.int64()), "parquet"), "surveys", reads(customer_id=[str(BIG), None]),
         "parquet-int64-above-2**53-with-a-null", needs_nullable_parquet),
    # an Excel number is a double (openpyxl itself writes 2**53 + 1 as 9007199254740992): refused, never misread
    case(survey_ids([1001, BIG], "xlsx"), "surveys", Refused(f"surveys.xlsx, column 'customer_id': {FLOAT_ID}",
         "(file row 3; first: 9007199254740992.0)", "Excel:"), "xlsx-number-id-above-2**53", needs_excel_floats),
    case(csv("surveys.csv", SURVEY, [["r1", "2024-03-01", "nps", "9", "1,23457E+11"]], ";"), "surveys",
         Refused(f"surveys.csv, column 'customer_id': {SCI_ID}", "(file row 2", SCI_FIX), "csv-1,23457E+11"),
    case(Csv("transactions.csv", "customer_id,timestamp,amount\nc1,2024-03-01,1\nnull,2024-03-02,2\n"), "transactions",
         Refused("transactions.csv, column 'customer_id': 1 row is empty", "(file row 3; first: 'null')", "Fill"),
         "csv-placeholder-in-a-required-id"),
    # -- 3. dates --------------------------------------------------------------------------------------------
    *(case(subs(["2024-01-15", "2024-02-15"], [m, "2024-05-01"]), "subscriptions",
           reads({"end": 1}, f"{FAR} (file row 2; first: {m!r})", end=[None, T("2024-05-01")]), f"csv-open-end-{m}")
      for m in OPEN_END),
    case(Xlsx("subscriptions.xlsx", SUBS, [["c1", "s1", D(2024, 1, 15), D(9999, 12, 31)]]), "subscriptions",
         reads({"end": 1}, end=[None]), "xlsx-open-end"),
    case(Parquet("subscriptions.parquet", {**PARQUET_SUBS, "start": pa.array([D(2024, 1, 15)] * 2, US),
                                           "end": pa.array([D(9999, 12, 31), D(2024, 5, 1)], US)}),
         "subscriptions", reads({"end": 1}, end=[None, T("2024-05-01")]), "parquet-open-end"),
    case(Frame({"customer_id": ["c1"], "subscription_id": ["s1"], "start": ["2024-01-15"], "end": [D(2999, 12, 31)]}),
         "subscriptions", reads({"end": 1}, end=[None]), "frame-open-end"),
    case(subs(["0001-01-01", "2024-02-15"], ["", ""]), "subscriptions",
         Refused("subscriptions.csv, column 'start': 1 row has a date before the year 1678",
                 "(file row 2; first: '0001-01-01')", "na_values=['0001-01-01']"), "csv-0001-01-01"),
    case(Parquet("subscriptions.parquet", {**PARQUET_SUBS, "start": [D(2024, 1, 15), D(1, 1, 1)]}), "subscriptions",
         Refused("subscriptions.parquet, column 'start': 1 row has a date before", "(file row 2", "['0001-01-01']"),
         "parquet-0001-01-01"),
    case(csv("tickets.csv", ["ticket_id", "created_at", "solved_at"], [["t1", "2024-03-01", "9999-12-31"]]), "tickets",
         Refused("tickets.csv, column 'solved_at': 1 row has a date from the year 2262", "(file row 2", "['9999-12-31']"),
         "csv-far-future-outside-an-open-end"),
    *(case(times(cells, how), "transactions", reads(timestamp=vals), id) for cells, how, vals, id in TIME_READS),
    *(case(times(cells), "transactions", Refused(f"transactions.csv, column 'timestamp': {p}", rows, fix), id, **opts)
      for cells, p, rows, fix, opts, id in TIME_REFUSED),
    case(subs(["03/04/2024", "05/06/2024"], ["25/12/2024", ""]), "subscriptions",
         reads(start=[T("2024-04-03"), T("2024-06-05")]), "csv-order-proven-by-another-column"),
    case(times(["03/04/2024", "05/06/2024"]), "transactions", reads(timestamp=[T("2024-04-03"), T("2024-06-05")]),
         "csv-dayfirst-True", needs_dayfirst, dayfirst=True),
    case(times(["03/04/2024", "05/06/2024"]), "transactions", reads(timestamp=[T("2024-03-04"), T("2024-05-06")]),
         "csv-dayfirst-False", needs_dayfirst, dayfirst=False),
    case(Parquet("transactions.parquet", {"customer_id": ["c1"], "amount": [1.0], "timestamp": pa.array(
             [D(2024, 7, 15, 8)], pa.timestamp("us", tz="Europe/Berlin"))}),
         "transactions", reads(timestamp=[T("2024-07-15 08:00")]), "parquet-tz-aware"),
    case(Frame({"customer_id": ["c1", "c2"], "amount": [1.0, 2.0],
                "timestamp": pd.to_datetime(["2024-01-15 10:00", "2024-07-15 10:00"]).tz_localize("Europe/Berlin")}),
         "transactions", reads(timestamp=[T("2024-01-15 09:00"), T("2024-07-15 08:00")]), "frame-tz-aware"),
    # -- 5. numbers ------------------------------------------------------------------------------------------
    case(amounts(["1.234,50", "12,5", "7"], ";"), "transactions", reads(amount=[1234.5, 12.5, 7.0]), "csv-comma",
         decimal=","),
    case(amounts(["12,500", "3,5", "7"], ";"), "transactions",
         Refused("transactions.csv, column 'amount': 2 rows have a number written in another format than decimal=\".\"",
                 "(file rows 2, 3; first: '12,500')", 'pass decimal="," to read them'), "csv-comma-file-refused-whole"),
    case(csv("subscriptions.csv", QTY, [["c1", "s1", "2024-03-01", "12,5", "1.200"]], ";"), "subscriptions",
         reads(amount=[12.5], quantity=[1200]), "csv-comma-with-counts", decimal=","),
    case(csv("subscriptions.csv", QTY, [["c1", "s1", "2024-03-01", "12,500", "1.200"]], ";"), "subscriptions",
         Refused("subscriptions.csv, column 'amount': 1 row has a number written in another", "(file row 2", 'decimal=","'),
         "csv-a-count-proves-the-comma"),
    case(amounts(['"12,500"', "7"]), "transactions", Refused(f"transactions.csv, column 'amount': {NUMBER_SUCH}",
         "(file row 2; first: '12,500')", 'Pass decimal="." if 12,500 means 12500'), "csv-12,500-is-a-question",
         needs_decimal_none),
    case(amounts(['"€12,500"', "€7"]), "transactions", Refused(f"transactions.csv, column 'amount': {NUMBER_SUCH}",
         "(file row 2; first: '€12,500')", 'or decimal="," if it means 12.5'), "csv-euros-12,500-is-a-question",
         needs_decimal_none),
    case(amounts(['"12,500"', "7"]), "transactions", reads(amount=[12500.0, 7.0]), "csv-12,500-point-given", decimal="."),
    case(amounts(['"12,500"', "7.25"]), "transactions", reads(amount=[12500.0, 7.25]), "csv-12,500-beside-7.25"),
    case(amounts(['"-£1,000"', "£7"]), "transactions", reads(amount=[-1000.0, 7.0]), "csv-pounds-take-the-point",
         allow_negative=True),
    case(csv("sessions.csv", COUNTS, [["s1", "2024-03-01", '"12,500"'], ["s2", "2024-03-01", "3"]]), "sessions",
         reads(pageviews=[12500, 3]), "csv-a-count-12,500-groups-thousands"),
    case(csv("subscriptions.csv", QTY, [["c1", "s1", "2024-03-01", "9.50", '"1,200"'],
                                        ["c2", "s2", "2024-03-01", '"2,75"', "3"]]),
         "subscriptions", Refused("subscriptions.csv, column 'amount': 1 row has a number written in another format",
                                  "(file row 3; first: '2,75')", 'decimal=","'), "csv-file-mixing-marks", decimal="."),
    case(csv("sessions.csv", COUNTS, [["s1", "2024-03-01", "9007199254740993"]]), "sessions",
         reads(pageviews=[9007199254740993]), "csv-count-above-2**53-exact"),
    case(csv("sessions.csv", COUNTS, [["s1", "2024-03-01", "1"], ["s2", "2024-03-01", "99999999999999999999"]]), "sessions",
         Refused(f"sessions.csv, column 'pageviews': {BEYOND}", "(file row 3; first: '99999999999999999999')", "No real"),
         "csv-count-beyond-int64"),
    case(Parquet("sessions.parquet", {"session_id": ["s1"], "start": ["2024-03-01"],
                                      "pageviews": pa.array([2**64 - 1], pa.uint64())}),
         "sessions", Refused(f"sessions.parquet, column 'pageviews': {BEYOND}", "(file row 1; first: 18446744073709551615)",
                             "No real"), "parquet-uint64-count-beyond-int64"),
    case(Xlsx("sessions.xlsx", COUNTS, [["s1", "2024-03-01", 2**52 + 1], ["s2", "2024-03-01", 2]]), "sessions",
         reads(pageviews=[2**52 + 1, 2]), "xlsx-count-exact"),
    case(Frame({"session_id": ["s1", "s2"], "start": ["2024-03-01"] * 2,
                "pageviews": pd.array([2**62 + 1, None], dtype="Int64")}),
         "sessions", reads(pageviews=[2**62 + 1, None]), "frame-Int64-count-exact"),
    case(Frame({"session_id": ["s1"], "start": ["2024-03-01"], "pageviews": [1e19]}), "sessions",
         Refused(f"sessions DataFrame, column 'pageviews': {BEYOND}", "(index 0; first: 1e+19)", "No real count"),
         "frame-float-count-beyond-int64"),
]  # fmt: skip


@pytest.mark.parametrize("source,table,options,expect", CASES)
def test_hostile_value(tmp_path, source, table, options, expect):
    src = source.make(tmp_path)
    if isinstance(expect, Refused):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", KpiWarning)
            with pytest.raises(KpiDataError) as e:
                read_table(src, table, **options)
        msg = str(e.value)
        assert expect.where in msg
        assert expect.rows in msg[msg.index(expect.where) :]
        assert expect.fix in msg[msg.index(expect.where) :]
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KpiWarning)
        out = read_table(src, table, **options)
    for col, values in expect.values.items():
        assert [_plain(v) for v in out[col].tolist()] == values, col
    repaired: dict[str, int] = {}
    for r in out.attrs.get("repaired", []):
        repaired[r["column"]] = repaired.get(r["column"], 0) + r["count"]
    assert repaired == expect.repaired
    text = " ".join(str(w.message) for w in caught)
    assert ("repaired values" in text) == bool(expect.repaired)
    assert expect.warning is None or expect.warning in text


def test_the_catalogue_holds_at_least_50_cases():
    assert len(CASES) >= 50


def test_a_decimal_comma_file_never_reads_12500_when_rows_are_dropped(tmp_path):
    # with drop_invalid the rows written the other way go, "12,500" with them: no row is read as 12500
    src = amounts(["12,500", "3,5", "7"], ";").make(tmp_path)
    with pytest.warns(KpiWarning, match=r"dropped 2 of 3 rows"):
        out = read_table(src, "transactions", drop_invalid=True)
    assert out["amount"].tolist() == [7.0]


def test_ids_join_after_the_repairs(tmp_path):
    # survey answers join subscriptions on customer_id however each export wrote it
    frame = Frame(
        {"customer_id": [1001, 1002, BIG], "subscription_id": ["s1", "s2", "s3"], "start": ["2024-01-01"] * 3}
    )
    subscriptions = read_table(frame.make(tmp_path), "subscriptions")
    with pytest.warns(KpiWarning, match="repaired values"):
        answers = read_table(survey_ids([" 1001.0", "", "1002.0", "null"]).make(tmp_path), "surveys")
    joined = answers.merge(subscriptions, on="customer_id")
    assert sorted(joined["customer_id"]) == ["1001", "1002"]
