"""The raw readers of the export formats kpikit accepts: CSV (and .csv.gz, .tsv, .txt), Excel and Parquet.

Each reader returns the frame as the file holds it (CSV cells as text, Excel and Parquet values as
they are) with the file row number of each row, so that ``read_table`` can map, parse and validate it
and name rows in messages as the consultant sees them in the file. What the CSV reader accepts is
listed in the docstring of ``kpikit.io``; every shape it cannot read is a ``KpiDataError`` naming the
file, the line and the fix.
"""

from __future__ import annotations

import csv
import io as _io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, normalise_name
from kpikit.io.limits import _check_parquet, _check_zip, _read_bytes

__all__ = []


_EXCEL = (".xlsx", ".xlsm")


_PARQUET = (".parquet", ".pq")


_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")


@dataclass
class _Raw:
    frame: pd.DataFrame
    rows: np.ndarray | None  # row number in the file of each row (None: use index labels)


_MAGIC = (
    (
        b"PK\x03\x04",
        "a zip archive: an Excel workbook saved under a text name, or a zipped export. Rename it "
        "to .xlsx if Excel opens it, or unzip it and read the file inside",
    ),
    (b"\x1f\x8b", "gzip-compressed: give it a name ending in .gz (e.g. .csv.gz) and kpikit reads it"),
    (b"PAR1", "a Parquet file: give it a name ending in .parquet"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (an Excel .xls workbook): save it as .xlsx or CSV UTF-8"),
)


def _utf16_order(raw: bytes | bytearray) -> str | None:
    """The byte order ("utf-16-le" or "utf-16-be") of UTF-16 text without a byte-order mark, else None.

    Text that is mostly ASCII (CSV headers, dates, numbers) has a zero in every second byte when it is
    written as UTF-16: the odd bytes for little-endian, the even ones for big-endian.
    """
    sample = bytes(raw[:4096])
    n = len(sample) // 2
    if n < 2:
        return None
    even, odd = sample[0 : 2 * n : 2].count(0), sample[1 : 2 * n : 2].count(0)
    if odd >= 0.3 * n and even <= 0.02 * n:
        return "utf-16-le"
    if even >= 0.3 * n and odd <= 0.02 * n:
        return "utf-16-be"
    return None


def _check_text(raw: bytes | bytearray, name: str, enc: str) -> None:
    """A KpiDataError when ``raw`` is not text in a byte-oriented encoding: another format, UTF-16, or binary."""
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise KpiDataError(f"{name} is not a text file but {what}.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise KpiDataError(
            f"{name} is encoded as UTF-16 (it starts with a UTF-16 byte-order "
            'mark, as Excel\'s "Unicode text" export does). Pass '
            'encoding="utf-16", or save it as CSV UTF-8.'
        )
    zero = raw.find(b"\x00", 0, 4096)
    if zero < 0:
        return
    order = _utf16_order(raw)
    if order:
        end = "little" if order.endswith("le") else "big"
        raise KpiDataError(
            f"{name} looks like UTF-16 text ({end}-endian) without a byte-order mark: every second byte is 0, "
            f'which a {enc.upper()} CSV file never holds. Pass encoding="{order}", or save it as CSV UTF-8.'
        )
    line = raw.count(b"\n", 0, zero) + 1
    raise KpiDataError(
        f"{name} is not a text file: line {line} holds a NUL byte (0x00). Check that it is the CSV export "
        "(not a database dump or a file of another format), or export it again."
    )


def _decode(raw: bytes | bytearray, name: str, encoding: str | None) -> str:
    enc = (encoding or "utf-8").lower().replace("_", "-")
    if not enc.startswith(("utf-16", "utf16", "utf-32", "utf32")):
        _check_text(raw, name, enc)
    elif enc in ("utf-16", "utf16") and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = _utf16_order(raw) or encoding  # no byte-order mark: the byte order the zeros show
    if enc in ("utf-8", "utf8", "utf-8-sig"):
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            snippet = bytes(raw[max(0, e.start - 20) : e.start + 10])
            raise KpiDataError(
                f"{name} is not UTF-8: line {line} holds the byte {bytes(raw[e.start : e.start + 1])!r} "
                f"(near {snippet!r}). It was probably saved by Excel or an older system: pass "
                'encoding="cp1252" (Windows, Western Europe) or encoding="latin-1", '
                "whichever shows the accents right, or re-save the file as CSV UTF-8."
            ) from None
    try:
        text = raw.decode(encoding)  # type: ignore[arg-type]
    except LookupError:
        raise KpiDataError(f"encoding={encoding!r} is not an encoding Python knows.") from None
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise KpiDataError(
            f"{name} cannot be decoded as {encoding}: line {line} holds the byte "
            f"{bytes(raw[e.start : e.start + 1])!r}. Check the file's encoding."
        ) from None
    return text.lstrip("\ufeff")


def _sniff_sep(lines: Sequence[str]) -> str:
    sample = "\n".join(lines[:20])
    candidates = [",", ";", "\t"]
    try:
        sep = csv.Sniffer().sniff(sample, delimiters="".join(candidates)).delimiter
    except csv.Error:
        sep = None

    def widths(d: str) -> list[int]:
        return [len(r) for r in csv.reader(lines[:20], delimiter=d)]

    header_width = {d: widths(d)[0] if lines else 1 for d in candidates}
    if sep is not None and header_width.get(sep, 1) > 1:
        return sep
    # fallback: the separator that splits the header most and keeps rows as wide as the header
    best, score = ",", (-1, -1)
    for d in candidates:
        w = widths(d)
        consistent = sum(x == w[0] for x in w[1:])
        s = (int(w[0] > 1), consistent, w[0])
        if s > score:
            best, score = d, s
    return best


_BLANK_LINE = re.compile(r"[ \t,;]*")


_BLANK_AFTER = re.compile(r"\n[ \t,;]*(?=\n|$)")


def _data_lines(text: str, comment: str | None, name: str) -> tuple[np.ndarray, str]:
    """Line indices (0-based) of the header and data lines, and the text of those lines.

    Skipped: blank lines and lines holding only separators anywhere; comment lines before the
    header (a "#" not followed by a separator: "#,Start Date" is a header); "# "/"#-"/"#" lines
    after it (so values such as "#1001" stay data). The common case (no skipped line after the
    header) costs one regular-expression scan; otherwise lines are classified with vectorised
    string operations.
    """
    c = re.escape(comment) if comment else None
    leading = re.compile(rf"{c}(?![,;\t])") if c else None
    head = text.split("\n", 500)
    h = None
    offset = 0
    for i, line in enumerate(head[:500]):
        if not (_BLANK_LINE.fullmatch(line) or (leading is not None and leading.match(line))):
            h = i
            break
        offset += len(line) + 1
    if h is None:
        if len(head) <= 500:
            raise KpiDataError(f"{name} holds only comment lines: no header and no data rows. Export the table again.")
        raise KpiDataError(f"{name}: no header in the first 500 lines. Check the file.")
    end_header = text.find("\n", offset)
    n_lines = text.count("\n") + 1
    if end_header < 0:
        return np.arange(h, n_lines), text[offset:]
    skipped_later = _BLANK_AFTER.search(text, end_header) is not None
    if comment and not skipped_later:
        marks = (f"\n{comment} ", f"\n{comment}-", f"\n{comment}\n")
        skipped_later = any(text.find(m, end_header) >= 0 for m in marks) or text.endswith(f"\n{comment}")
    if not skipped_later:
        return np.arange(h, n_lines), text[offset:]
    lines = pd.Series(text.split("\n"), dtype="str")
    skip = lines.str.fullmatch(r"[ \t,;]*").to_numpy(dtype=bool, copy=True)
    if c:
        skip |= lines.str.match(rf"{c}(?: |-|$)").to_numpy(dtype=bool, copy=True)
    skip[:h] = True
    skip[h] = False
    kept = np.flatnonzero(~skip)
    return kept, "\n".join(lines[kept].tolist())


_PARSER_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(
    path: Path, name: str, sep: str | None, encoding: str | None, comment: str | None, max_bytes: int
) -> _Raw:
    raw = _read_bytes(path, name, max_bytes)
    if len(raw) == 0:
        raise KpiDataError(f"{name} is empty (0 bytes): it has no header and no data rows. Export the table again.")
    text = _decode(raw, name, encoding)
    del raw
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n")  # trailing newlines hold no rows
    if not text.strip(" \t,;\n"):
        raise KpiDataError(f"{name} has no header and no data rows (only blank lines). Export the table again.")
    kept, body = _data_lines(text, comment, name)
    header_line = int(kept[0])
    first_lines = body.split("\n", 21)[:21]
    if sep is None:
        sep = _sniff_sep(first_lines)
    header = next(csv.reader([first_lines[0]], delimiter=sep))
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):
        if nm and nm in seen:
            raise KpiDataError(
                f"{name}: the header (line {header_line + 1}) has the column '{nm}' twice (columns "
                f"{seen[nm] + 1} and {i + 1}). Rename one of them in the export."
            )
        seen.setdefault(nm, i)
    if len(kept) == 1:
        raise KpiDataError(
            f"{name} has a header but no data rows (columns: "
            f"{', '.join(n for n in names if n)}). Export the table again with its data."
        )
    try:
        frame = pd.read_csv(
            _io.StringIO(body),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
            header=0,
            names=None,
        )
    except pd.errors.ParserError as e:
        m = _PARSER_LINE.search(str(e))
        if m:
            expected, line, saw = (int(x) for x in m.groups())
            physical = int(kept[line - 1]) + 1 if line - 1 < len(kept) else line
            raise KpiDataError(
                f"{name}: line {physical} has {saw} fields but the header has {expected} (sep="
                f"{sep!r}). A value probably holds the separator without quotes: quote it in the "
                "export, or pass the right sep=."
            ) from None
        raise KpiDataError(f"{name} is not a readable CSV file ({e}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] == 1:
        others = [s for s in (",", ";", "\t") if s != sep and s in str(frame.columns[0])]
        if others:
            raise KpiDataError(
                f"{name}: the header splits into one column only with sep={sep!r}, but it holds "
                f"{others[0]!r}: pass sep={others[0]!r}."
            )
    if len(frame) == len(kept) - 1:
        rows = kept[1:] + 1
    else:  # quoted values span several lines: count physical lines with the csv module
        reader = csv.reader(_io.StringIO(body), delimiter=sep)
        starts = []
        prev = 0
        for _ in reader:
            starts.append(prev)
            prev = reader.line_num
        starts = np.asarray(starts[1 : len(frame) + 1])
        rows = kept[starts] + 1
    frame = _drop_unnamed(frame, name)
    return _Raw(frame, np.asarray(rows, dtype=np.int64))


def _drop_unnamed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    unnamed = [c for c in frame.columns if c == "" or str(c).startswith("Unnamed: ")]
    if not unnamed:
        return frame
    empty = [c for c in unnamed if frame[c].isna().all()]
    kept = [c for c in unnamed if c not in empty]
    if kept:
        warnings.warn(
            f"{name}: {len(kept)} column(s) without a header hold data "
            f"({', '.join(map(str, kept))}); they are kept under those names. Give them a "
            "header in the export if they matter.",
            KpiWarning,
            stacklevel=6,
        )
    return frame.drop(columns=empty)


def _read_excel(path: Path, name: str, sheet: int | str | None, table: str, max_bytes: int) -> _Raw:
    import openpyxl

    _check_zip(path, name, max_bytes)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds
        raise KpiDataError(f"{name} is not a readable Excel workbook ({type(e).__name__}: {e}).") from None
    try:
        ws = _pick_sheet(wb, name, sheet, table)
        values = [tuple(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return _excel_frame(values, name)


def _has_data(ws: Any) -> bool:
    """Whether a worksheet holds at least one non-empty cell (stops at the first)."""
    for row in ws.iter_rows(values_only=True):
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row):
            return True
    return False


def _pick_sheet(wb: Any, name: str, sheet: int | str | None, table: str) -> Any:
    """The worksheet ``sheet`` names; without it, the one that is obviously the data, or an error.

    Obvious: the workbook's only sheet, else the one sheet named like the table ("Transactions" for
    transactions), else the only sheet that holds any value.
    """
    names = ", ".join(repr(n) for n in wb.sheetnames)
    if isinstance(sheet, bool) or (sheet is not None and not isinstance(sheet, (int, str))):
        raise KpiDataError(f"sheet must be a sheet name or a position from 0, not {sheet!r}. Sheets: {names}.")
    if isinstance(sheet, int):
        if not 0 <= sheet < len(wb.worksheets):
            raise KpiDataError(
                f"{name} has {len(wb.worksheets)} sheet(s); sheet={sheet} does not exist. Sheets: {names}."
            )
        return wb.worksheets[sheet]
    if isinstance(sheet, str):
        if sheet not in wb.sheetnames:
            raise KpiDataError(f"{name} has no sheet {sheet!r}. Sheets: {names}.")
        return wb[sheet]
    if len(wb.worksheets) == 1:
        return wb.worksheets[0]
    like = (table, table.rstrip("s"))
    named = [ws for ws in wb.worksheets if normalise_name(ws.title) in like and _has_data(ws)]
    if len(named) == 1:
        return named[0]
    filled = [ws for ws in wb.worksheets if _has_data(ws)]
    if len(filled) == 1:
        return filled[0]
    if not filled:
        raise KpiDataError(f"{name} is empty: none of its {len(wb.worksheets)} sheets ({names}) holds a value.")
    which = ", ".join(f"{ws.title!r}" + (f" ({ws.max_row} rows)" if ws.max_row else "") for ws in filled)
    biggest = max(filled, key=lambda ws: ws.max_row or 0)
    raise KpiDataError(
        f"{name} has {len(wb.worksheets)} sheets and {len(filled)} of them hold data ({which}); kpikit does not "
        f"guess which one is the {table} table. Pass its name, e.g. sheet={biggest.title!r} (or its position from "
        "0), or keep only the data sheet in the workbook."
    )


def _excel_frame(values: list[tuple], name: str) -> _Raw:
    """The rows of a worksheet as a frame: the first non-empty row is the header; sheet rows numbered from 1."""

    def empty(row: tuple) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)

    nonempty = [i for i, r in enumerate(values) if not empty(r)]
    if not nonempty:
        raise KpiDataError(f"{name} is empty: the sheet has no header and no data rows.")
    h = nonempty[0]
    header = ["" if v is None else str(v).strip() for v in values[h]]
    width = max(len(values[i]) for i in nonempty)
    header += [""] * (width - len(header))
    data_idx = [i for i in nonempty if i > h]
    if not data_idx:
        raise KpiDataError(f"{name} has a header but no data rows (columns: {', '.join(x for x in header if x)}).")
    body = [tuple(values[i]) + (None,) * (width - len(values[i])) for i in data_idx]
    frame = pd.DataFrame(body, columns=[x if x else f"Unnamed: {j}" for j, x in enumerate(header)], dtype=object)
    dup = pd.Index(frame.columns)[pd.Index(frame.columns).duplicated()]
    if len(dup):
        raise KpiDataError(
            f"{name}: the header has the column '{dup[0]}' more than once. Rename one of them in the workbook."
        )
    frame = frame.map(_excel_cell)
    frame = _drop_unnamed(frame, name)
    return _Raw(frame, np.asarray(data_idx, dtype=np.int64) + 1)


def _excel_cell(v: Any) -> Any:
    """An Excel cell as kpikit reads it: blank text is empty; a number stays the double Excel stores.

    openpyxl hands whole numbers as ints; from 2**53 on a double has lost digits, and as a float the
    value parser can say so instead of reading a rounded ID as exact.
    """
    if isinstance(v, str):
        return None if not v.strip() else v
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**53:
        return float(v)
    return v


def _read_parquet(path: Path, name: str, max_bytes: int) -> _Raw:
    _check_parquet(path, name, max_bytes)
    try:
        frame = _exact_parquet(path)
    except Exception as e:  # pyarrow raises several kinds
        raise KpiDataError(f"{name} is not a readable Parquet file ({type(e).__name__}: {e}).") from None
    if frame.shape[1] == 0:
        raise KpiDataError(f"{name} is empty: no columns and no data rows.")
    if len(frame) == 0:
        raise KpiDataError(f"{name} has columns but no data rows ({', '.join(map(str, frame.columns))}).")
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    return _Raw(frame, np.arange(1, len(frame) + 1, dtype=np.int64))


def _exact_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as a frame whose integer columns with nulls stay exact (nullable Int64), not float64.

    pandas turns an int64 column holding a null into float64, which rounds IDs of 2**53 and more.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.read_parquet(path, to_pandas_kwargs={"integer_object_nulls": True})
    for f in pq.read_schema(path):
        if pa.types.is_integer(f.type) and f.name in frame.columns and frame[f.name].dtype == object:
            dtype = "UInt64" if pa.types.is_unsigned_integer(f.type) else "Int64"
            frame[f.name] = pd.array(frame[f.name].tolist(), dtype=dtype)
    return frame


def _file_kind(path: Path) -> Literal["csv", "excel", "parquet"]:
    name = path.name.lower()
    if name.endswith(_EXCEL):
        return "excel"
    if name.endswith(_PARQUET):
        return "parquet"
    if name.endswith(_CSV):
        return "csv"
    if name.endswith(".xls"):
        raise KpiDataError(f"{path.name} is an old Excel .xls file; kpikit reads .xlsx. Save it as .xlsx or CSV UTF-8.")
    raise KpiDataError(
        f"{path.name}: unknown file type. kpikit reads CSV (.csv, .csv.gz, .tsv, "
        ".txt), Excel (.xlsx) and Parquet (.parquet) files, and DataFrames."
    )


def _read_file(
    path: Path,
    kind: Literal["csv", "excel", "parquet"],
    name: str,
    sep: str | None,
    encoding: str | None,
    comment: str | None,
    sheet: int | str | None,
    table: str,
    max_bytes: int,
) -> _Raw:
    """Read ``path`` with the reader of its format ``kind`` (see ``_file_kind``).

    ``max_bytes`` bounds what one file may hold once decompressed (``kpikit.io.limits``); a file the
    system will not let kpikit read is a KpiDataError naming it.
    """
    try:
        if kind == "csv":
            return _read_csv(path, name, sep, encoding, comment, max_bytes)
        if kind == "excel":
            return _read_excel(path, name, sheet, table, max_bytes)
        return _read_parquet(path, name, max_bytes)
    except OSError as e:
        raise KpiDataError(
            f"{name} cannot be read ({e.strerror or type(e).__name__}). Check that the file is not open in "
            "another program and that you may read it, or copy it again."
        ) from None
