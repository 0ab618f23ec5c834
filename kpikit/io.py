"""Readers: clients' exports (CSV, Excel, Parquet) or DataFrames -> validated canonical tables.

``read_table(source, table)`` reads one file or frame, maps the client's column names onto the
canonical ones of ``kpikit.schemas.TABLES``, parses values by column kind and validates them.
``read_folder(folder)`` loads every canonical table found in a folder; ``folder_health(folder)`` says,
table by table, what loaded, what is missing and what failed and why.

What the CSV reader accepts
---------------------------
- UTF-8 with or without BOM (``encoding=`` for others; a file that is not valid UTF-8 is an error
  that suggests ``encoding="cp1252"`` or ``"latin-1"``: kpikit does not guess).
- Separators ",", ";" or tab, sniffed from the first lines (``sep=`` to force one).
- Comment lines starting with "#" before the header (the header blocks of Google Analytics
  downloads), and "# "-lines anywhere; blank lines, and lines holding only separators (Excel's
  padding), are skipped. Error messages still give the physical line numbers of the file.
- Columns without a header that hold nothing (Excel's trailing commas) are dropped; if such a
  column holds data it is kept and a KpiWarning says so.
- ``.csv.gz`` files are read the same way.

Canonical columns are parsed by kind (see ``kpikit.schemas``); other columns are kept as they are
(as text for CSV files). Row numbers in messages are: CSV, the physical line number (1-based,
header and comment lines counted); Excel, the sheet row; Parquet, the row position counting from 1
(the header is not counted); DataFrames, the index label.
"""

from __future__ import annotations

import csv
import gzip
import io as _io
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.schemas import TABLES, table_spec, validate

__all__ = [
    "read_table",
    "read_folder",
    "folder_health",
    "load_mapping",
    "find_table_files",
    "TableSet",
    "SUFFIXES",
]

#: File suffixes ``read_folder`` looks for, in order of preference.
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".xlsx")

_EXCEL = (".xlsx", ".xlsm")
_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")


# ----------------------------------------------------------------------------------------------
# Mapping
# ----------------------------------------------------------------------------------------------

def load_mapping(mapping_file: str | Path | None, table: str | None = None) -> dict[str, str]:
    """The column mapping (client column -> canonical column) for ``table`` from a YAML file.

    The file either has one section per canonical table::

        sessions:
          Session Start: start
          Landing Page: landing_page
        transactions:
          Order Total: amount

    or, when ``table`` is given, may be a flat mapping (``Session Start: start``) that applies to it.

    Parameters
    ----------
    mapping_file : str or Path or None
        The YAML file; None gives an empty mapping.
    table : str, optional
        The table whose section is wanted. Without it a sectioned file's sections are merged and a
        flat file is an error.

    Returns
    -------
    dict
        Client column name -> canonical column name (empty if the file has no section for the table).

    Raises
    ------
    KpiDataError
        File missing, not YAML, or not shaped as above.
    """
    if mapping_file is None:
        return {}
    import yaml

    path = Path(mapping_file)
    name = path.name
    if not path.is_file():
        raise KpiDataError(f"Mapping file {str(path)!r} does not exist. Pass the path of a YAML "
                           "file, or mapping_file=None.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise KpiDataError(f"{name}: not a readable YAML mapping file ({e}).") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KpiDataError(f"{name}: a mapping file must be a YAML mapping (client column: canonical "
                           f"column, or one such mapping per table), not a {type(data).__name__}.")
    sectioned = all(isinstance(v, dict) for v in data.values())
    flat = all(isinstance(v, str) for v in data.values())
    if sectioned:
        unknown = [k for k in data if k not in TABLES]
        if unknown:
            raise KpiDataError(
                f"{name}: sections {', '.join(repr(str(u)) for u in unknown)} are not canonical "
                f"tables ({', '.join(TABLES)}). Rename them, or write a flat mapping for one table.")
        if table is not None:
            section = data.get(table) or {}
        else:
            section = {}
            for v in data.values():
                section.update(v)
        bad = [k for k, v in section.items() if not isinstance(v, str)]
        if bad:
            raise KpiDataError(f"{name}: the mapping of {', '.join(repr(str(b)) for b in bad)} must be "
                               "a canonical column name (text).")
        return {str(k).strip(): v.strip() for k, v in section.items()}
    if flat:
        if table is None:
            raise KpiDataError(f"{name}: a flat mapping needs the table it applies to; use one "
                               f"section per table (e.g. 'sessions:') to read a folder.")
        return {str(k).strip(): v.strip() for k, v in data.items()}
    raise KpiDataError(f"{name}: mixes table sections and column entries. Put every column under "
                       "its table's section.")


def _apply_mapping(df: pd.DataFrame, mapping: Mapping[str, str], source: str) -> pd.DataFrame:
    targets: dict[str, str] = {}
    for src, dst in mapping.items():
        if dst in targets:
            raise KpiDataError(f"{source}: the mapping sends both '{targets[dst]}' and '{src}' to "
                               f"'{dst}'. Map one column to each canonical name.")
        targets[dst] = src
    present = {src: dst for src, dst in mapping.items() if src in df.columns and src != dst}
    clash = [dst for dst in present.values() if dst in df.columns and dst not in present]
    if clash:
        dst = clash[0]
        raise KpiDataError(
            f"{source}: the mapping renames '{targets[dst]}' to '{dst}', but the data already has a "
            f"column '{dst}'. Drop one of them, or map the existing '{dst}' to another name."
        )
    return df.rename(columns=present)


# ----------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------

@dataclass
class _Raw:
    frame: pd.DataFrame
    rows: np.ndarray | None  # row number in the file of each row (None: use index labels)


def _decode(raw: bytes, name: str, encoding: str | None) -> str:
    enc = (encoding or "utf-8").lower().replace("_", "-")
    if enc in ("utf-8", "utf8", "utf-8-sig"):
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise KpiDataError(f"{name} is encoded as UTF-16 (it starts with a UTF-16 byte-order "
                               "mark, as Excel's \"Unicode text\" export does). Pass "
                               "encoding=\"utf-16\", or save it as CSV UTF-8.")
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            snippet = raw[max(0, e.start - 20):e.start + 10]
            raise KpiDataError(
                f"{name} is not UTF-8: line {line} holds the byte {raw[e.start:e.start + 1]!r} "
                f"(near {snippet!r}). It was probably saved by Excel or an older system: pass "
                "encoding=\"cp1252\" (Windows, Western Europe) or encoding=\"latin-1\", "
                "whichever shows the accents right, or re-save the file as CSV UTF-8."
            ) from None
    try:
        text = raw.decode(encoding)  # type: ignore[arg-type]
    except LookupError:
        raise KpiDataError(f"encoding={encoding!r} is not an encoding Python knows.") from None
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise KpiDataError(f"{name} cannot be decoded as {encoding}: line {line} holds the byte "
                           f"{raw[e.start:e.start + 1]!r}. Check the file's encoding.") from None
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
            raise KpiDataError(f"{name} holds only comment lines: no header and no data rows. "
                               "Export the table again.")
        raise KpiDataError(f"{name}: no header in the first 500 lines. Check the file.")
    end_header = text.find("\n", offset)
    n_lines = text.count("\n") + 1
    if end_header < 0:
        return np.arange(h, n_lines), text[offset:]
    skipped_later = _BLANK_AFTER.search(text, end_header) is not None
    if comment and not skipped_later:
        marks = (f"\n{comment} ", f"\n{comment}-", f"\n{comment}\n")
        skipped_later = (any(text.find(m, end_header) >= 0 for m in marks)
                         or text.endswith(f"\n{comment}"))
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


def _read_csv(path: Path, name: str, sep: str | None, encoding: str | None,
              comment: str | None) -> _Raw:
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise KpiDataError(f"{name} is not a readable gzip file ({e}).") from None
    if len(raw) == 0:
        raise KpiDataError(f"{name} is empty (0 bytes): it has no header and no data rows. "
                           "Export the table again.")
    text = _decode(raw, name, encoding)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n")  # trailing newlines hold no rows
    if not text.strip(" \t,;\n"):
        raise KpiDataError(f"{name} has no header and no data rows (only blank lines). "
                           "Export the table again.")
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
                f"{seen[nm] + 1} and {i + 1}). Rename one of them in the export.")
        seen.setdefault(nm, i)
    if len(kept) == 1:
        raise KpiDataError(f"{name} has a header but no data rows (columns: "
                           f"{', '.join(n for n in names if n)}). Export the table again with its data.")
    try:
        frame = pd.read_csv(
            _io.StringIO(body), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
            skip_blank_lines=False, engine="c", header=0, names=None,
        )
    except pd.errors.ParserError as e:
        m = _PARSER_LINE.search(str(e))
        if m:
            expected, line, saw = (int(x) for x in m.groups())
            physical = int(kept[line - 1]) + 1 if line - 1 < len(kept) else line
            raise KpiDataError(
                f"{name}: line {physical} has {saw} fields but the header has {expected} (sep="
                f"{sep!r}). A value probably holds the separator without quotes: quote it in the "
                "export, or pass the right sep=.") from None
        raise KpiDataError(f"{name} is not a readable CSV file ({e}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] == 1:
        others = [s for s in (",", ";", "\t") if s != sep and s in str(frame.columns[0])]
        if others:
            raise KpiDataError(
                f"{name}: the header splits into one column only with sep={sep!r}, but it holds "
                f"{others[0]!r}: pass sep={others[0]!r}.")
    if len(frame) == len(kept) - 1:
        rows = kept[1:] + 1
    else:  # quoted values span several lines: count physical lines with the csv module
        reader = csv.reader(_io.StringIO(body), delimiter=sep)
        starts = []
        prev = 0
        for _ in reader:
            starts.append(prev)
            prev = reader.line_num
        starts = np.asarray(starts[1:len(frame) + 1])
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
        warnings.warn(f"{name}: {len(kept)} column(s) without a header hold data "
                      f"({', '.join(map(str, kept))}); they are kept under those names. Give them a "
                      "header in the export if they matter.", KpiWarning, stacklevel=4)
    return frame.drop(columns=empty)


# ----------------------------------------------------------------------------------------------
# Excel and Parquet
# ----------------------------------------------------------------------------------------------

def _read_excel(path: Path, name: str, sheet: int | str) -> _Raw:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds
        raise KpiDataError(f"{name} is not a readable Excel workbook ({type(e).__name__}: {e}).") from None
    try:
        if isinstance(sheet, int):
            if sheet >= len(wb.worksheets):
                raise KpiDataError(f"{name} has {len(wb.worksheets)} sheet(s); sheet={sheet} does not "
                                   f"exist. Sheets: {', '.join(wb.sheetnames)}.")
            ws = wb.worksheets[sheet]
        else:
            if sheet not in wb.sheetnames:
                raise KpiDataError(f"{name} has no sheet {sheet!r}. Sheets: {', '.join(wb.sheetnames)}.")
            ws = wb[sheet]
        values = [tuple(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()

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
        raise KpiDataError(f"{name} has a header but no data rows (columns: "
                           f"{', '.join(x for x in header if x)}).")
    body = [tuple(values[i]) + (None,) * (width - len(values[i])) for i in data_idx]
    frame = pd.DataFrame(body, columns=[x if x else f"Unnamed: {j}" for j, x in enumerate(header)],
                         dtype=object)
    dup = pd.Index(frame.columns)[pd.Index(frame.columns).duplicated()]
    if len(dup):
        raise KpiDataError(f"{name}: the header has the column '{dup[0]}' more than once. Rename one "
                           "of them in the workbook.")
    frame = frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    frame = _drop_unnamed(frame, name)
    return _Raw(frame, np.asarray(data_idx, dtype=np.int64) + 1)


def _read_parquet(path: Path, name: str) -> _Raw:
    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several kinds
        raise KpiDataError(f"{name} is not a readable Parquet file ({type(e).__name__}: {e}).") from None
    if frame.shape[1] == 0:
        raise KpiDataError(f"{name} is empty: no columns and no data rows.")
    if len(frame) == 0:
        raise KpiDataError(f"{name} has columns but no data rows ({', '.join(map(str, frame.columns))}).")
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    return _Raw(frame, np.arange(1, len(frame) + 1, dtype=np.int64))


def _file_kind(path: Path) -> Literal["csv", "excel", "parquet"]:
    name = path.name.lower()
    if name.endswith(_EXCEL):
        return "excel"
    if name.endswith(_PARQUET):
        return "parquet"
    if name.endswith(_CSV):
        return "csv"
    if name.endswith(".xls"):
        raise KpiDataError(f"{path.name} is an old Excel .xls file; kpikit reads .xlsx. Save it as "
                           ".xlsx or CSV UTF-8.")
    raise KpiDataError(f"{path.name}: unknown file type. kpikit reads CSV (.csv, .csv.gz, .tsv, "
                       ".txt), Excel (.xlsx) and Parquet (.parquet) files, and DataFrames.")


# ----------------------------------------------------------------------------------------------
# read_table
# ----------------------------------------------------------------------------------------------

def read_table(
    source: str | Path | pd.DataFrame,
    table: str,
    columns: Mapping[str, str] | None = None,
    mapping_file: str | Path | None = None,
    *,
    sep: str | None = None,
    decimal: str = ".",
    encoding: str | None = "utf-8",
    tz: str | None = None,
    date_format: str | None = None,
    na_values: Sequence[str] | None = None,
    sheet: int | str = 0,
    comment: str | None = "#",
    allow_negative: bool = False,
    drop_invalid: bool = False,
    name: str | None = None,
) -> pd.DataFrame:
    """Read one canonical table from a CSV, Excel or Parquet file, or a DataFrame, and validate it.

    Steps: read (see the module docstring for what CSV shapes are accepted), rename the client's
    columns (``columns`` and/or ``mapping_file``; ``columns`` wins), parse each canonical column by
    its kind, validate with the table's schema (``kpikit.schemas``). Nothing is coerced silently and
    no row is dropped without a warning saying how many and why.

    Parameters
    ----------
    source : str, Path or DataFrame
        A file (.csv, .csv.gz, .tsv, .txt, .xlsx, .parquet) or a DataFrame.
    table : str
        Canonical table: events, sessions, leads, touchpoints, spend, subscriptions, transactions,
        surveys, tickets, social or benchmarks.
    columns : dict, optional
        Client column -> canonical column, e.g. ``{"Session Start": "start"}``.
    mapping_file : str or Path, optional
        YAML mapping file, one section per table (or flat for this table); see ``load_mapping``.
    sep : str, optional
        CSV separator; sniffed among ",", ";" and tab when None.
    decimal : {".", ","}
        Decimal mark of numbers written as text ("1,234.50" with "."; "1.234,50" with ",").
    encoding : str, optional
        Text encoding of CSV files; UTF-8 with or without BOM by default.
    tz : str, optional
        IANA zone of naive timestamps ("Europe/Berlin"): they are localised there and converted to
        UTC. Without it naive timestamps are kept as they are (taken as UTC) and a column mixing
        offsets, or aware and naive values, is an error.
    date_format : str, optional
        strftime format for timestamps that are not ISO 8601, e.g. ``"%d/%m/%Y %H:%M"``.
    na_values : sequence of str, optional
        Markers meaning "no value" besides empty cells, e.g. ``["n/a", "-"]``.
    sheet : int or str
        Excel sheet (position or name).
    comment : str or None
        Comment marker of CSV lines (None: no comment lines).
    allow_negative : bool
        Accept negative money values (refunds) in amount, cost and value columns.
    drop_invalid : bool
        Drop rows that fail a row-level check instead of raising; a KpiWarning says how many and
        why, and ``.attrs["dropped"]`` lists them with their file rows.
    name : str, optional
        Source name used in messages (default: the file name, or "<table> DataFrame").

    Returns
    -------
    DataFrame
        Canonical names and dtypes: text as pandas' ``str`` dtype, counts ``Int64``, amounts and
        measures ``float64``, flags ``boolean``, times ``datetime64[ns]`` (tz-naive UTC). Columns
        outside the canonical table are kept (CSV: as text). Files get a fresh RangeIndex; a
        DataFrame keeps its index. ``.attrs``: ``table``, ``source`` (and ``dropped``).

    Raises
    ------
    KpiDataError
        With the file, the column, the first offending rows (numbered as in the file) and the fix,
        e.g. ``sessions.csv, column 'start': 2 rows are not valid dates (file rows 4, 9; first:
        '31/02/2024'). Write dates as ISO 8601 ...``.

    Examples
    --------
    >>> import pandas as pd, kpikit as kk
    >>> raw = pd.DataFrame({"Session": ["s1", "s2"], "Start": ["2024-03-01 10:00", "2024-03-01 11:30"]})
    >>> s = kk.read_table(raw, "sessions", columns={"Session": "session_id", "Start": "start"})
    >>> s.dtypes.astype(str).to_dict()
    {'session_id': 'str', 'start': 'datetime64[ns]'}
    """
    spec = table_spec(table)
    mapping = load_mapping(mapping_file, spec.name)
    if columns:
        if not isinstance(columns, Mapping):
            raise KpiDataError("columns must be a dict {client column: canonical column}, e.g. "
                               "columns={\"Session Start\": \"start\"}.")
        mapping.update({str(k).strip(): str(v).strip() for k, v in columns.items()})

    if isinstance(source, pd.DataFrame):
        label = name or f"{spec.name} DataFrame"
        if len(source) == 0:
            raise KpiDataError(f"{label} has no data rows.")
        frame = source.copy()
        frame.columns = [str(c).strip() if isinstance(c, str) else str(c) for c in frame.columns]
        raw = _Raw(frame, None)
    elif isinstance(source, (str, Path)):
        path = Path(source)
        label = name or path.name
        if not path.is_file():
            hint = " (it is a folder: use kk.io.read_folder)" if path.is_dir() else ""
            raise KpiDataError(f"{str(path)!r} does not exist or is not a file{hint}.")
        kind = _file_kind(path)
        cache = _cache_file(path, spec.name, mapping, (sep, decimal, encoding, tz, date_format, na_values, sheet,
                                                      comment, allow_negative, drop_invalid, label))
        if cache is not None and cache.is_file():
            return pd.read_pickle(cache)
        if kind == "csv":
            raw = _read_csv(path, label, sep, encoding, comment)
        elif kind == "excel":
            raw = _read_excel(path, label, sheet)
        else:
            raw = _read_parquet(path, label)
    else:
        raise KpiDataError(f"read_table takes a file path or a pandas DataFrame, not "
                           f"{type(source).__name__}.")

    frame = _apply_mapping(raw.frame, mapping, label)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KpiWarning)
        out = validate(
            frame, spec.name, source=label, rows=raw.rows, mapping=mapping, decimal=decimal, tz=tz,
            date_format=date_format, na_values=na_values, allow_negative=allow_negative,
            drop_invalid=drop_invalid,
        )
    for w in caught:  # pass the warnings on to the caller
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if isinstance(source, (str, Path)) and cache is not None and not caught:
        _store(cache, out)
    return out


#: Environment variable naming a folder where validated tables are cached between reports.
CACHE_ENV = "KPIKIT_TABLE_CACHE"


def _cache_file(path: Path, table: str, mapping: Mapping[str, str], options: tuple) -> Path | None:
    """Where the validated table of ``path`` is cached, when ``KPIKIT_TABLE_CACHE`` names a folder.

    The batch runner sets it for one run, so that the six notebooks of a client parse and validate
    each export once, not six times. The key is a hash of the file's bytes, the table, the mapping,
    every reading option and the kpikit version: a changed file or option is a new entry, never a
    stale hit.
    """
    import hashlib
    import os

    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return None
    from kpikit import __version__

    h = hashlib.sha256()
    h.update(repr((__version__, table, sorted(mapping.items()), options)).encode("utf-8"))
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return Path(folder) / f"{table}-{h.hexdigest()[:32]}.pkl"


def _store(cache: Path, frame: pd.DataFrame) -> None:
    """Write a cache entry atomically (two reports may read the same file at once)."""
    import os
    import tempfile

    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{cache.name}.", dir=cache.parent)
    os.close(fd)
    try:
        frame.to_pickle(tmp)
        os.replace(tmp, cache)
    finally:
        Path(tmp).unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------------
# Folders
# ----------------------------------------------------------------------------------------------

class TableSet(dict):
    """The tables ``read_folder`` loaded (table name -> DataFrame), with a ``health`` report.

    ``health`` is the frame ``folder_health`` returns; ``problems`` maps each table that failed to
    its error message.
    """

    health: pd.DataFrame
    problems: dict[str, str]


def find_table_files(folder: str | Path) -> dict[str, list[Path]]:
    """Files of a folder that hold canonical tables: ``<table>.csv``, ``.csv.gz``, ``.parquet``, ``.xlsx``.

    Names are matched case-insensitively; other files are ignored. Returns table -> list of paths
    (more than one means an ambiguity that ``read_folder`` reports).
    """
    folder = Path(folder)
    by_name = {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_file()}
    found: dict[str, list[Path]] = {}
    for table in TABLES:
        paths = [by_name[f"{table}{s}"] for s in SUFFIXES if f"{table}{s}" in by_name]
        if paths:
            found[table] = paths
    return found


def _health_row(table: str, file: str, status: str, frame: pd.DataFrame | None, problem: str) -> dict:
    spec = TABLES[table]
    row: dict[str, Any] = {"table": table, "file": file, "status": status, "rows": pd.NA,
                           "columns": pd.NA, "date_from": pd.NaT, "date_to": pd.NaT,
                           "missing_values": pd.NA, "problem": problem}
    if frame is not None:
        row["rows"] = len(frame)
        row["columns"] = frame.shape[1]
        if spec.time_column and spec.time_column in frame.columns:
            row["date_from"] = frame[spec.time_column].min()
            row["date_to"] = frame[spec.time_column].max()
        canon = [c for c in spec.names if c in frame.columns]
        row["missing_values"] = int(frame[canon].isna().sum().sum())
    return row


def read_folder(
    folder: str | Path,
    mapping_file: str | Path | None = None,
    tables: Sequence[str] | None = None,
    strict: bool = False,
    **options: Any,
) -> TableSet:
    """Read every canonical table found in a folder.

    Looks for ``<table>.csv``, ``<table>.csv.gz``, ``<table>.parquet`` and ``<table>.xlsx`` for each
    canonical table (other files are ignored) and reads each with ``read_table``.

    Parameters
    ----------
    folder : str or Path
        The data folder.
    mapping_file : str or Path, optional
        YAML mapping file with one section per table.
    tables : sequence of str, optional
        Only these tables (default: all canonical tables). A requested table without a file is
        "missing".
    strict : bool
        Raise the first table's KpiDataError (or a missing requested table) instead of recording it.
    **options
        Passed to ``read_table`` (``decimal``, ``tz``, ``encoding``, ``drop_invalid``, ...).

    Returns
    -------
    TableSet
        A dict table name -> validated DataFrame for the tables that loaded, with ``.health`` (see
        ``folder_health``) and ``.problems`` (table -> message). With strict=False each table that
        failed also raises a KpiWarning naming it.

    Examples
    --------
    >>> import kpikit as kk
    >>> data = kk.io.read_folder("data/sample")  # doctest: +SKIP
    >>> sorted(data)  # doctest: +SKIP
    ['benchmarks', 'events', 'leads', ...]
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise KpiDataError(f"Data folder {str(folder)!r} does not exist or is not a folder.")
    wanted = list(TABLES) if tables is None else [table_spec(t).name for t in tables]
    if mapping_file is not None:  # check the mapping file once, up front
        try:
            load_mapping(mapping_file)
        except KpiDataError as e:
            if "flat mapping" not in str(e):
                raise
            raise KpiDataError(
                f"{Path(mapping_file).name}: read_folder needs one section per table in the mapping "
                "file (e.g. 'sessions:' followed by indented 'Client Column: canonical_column' "
                "lines); a flat mapping only works with read_table(path, table).") from None
    found = find_table_files(folder)
    result = TableSet()
    health = []
    problems: dict[str, str] = {}
    for table in wanted:
        paths = found.get(table, [])
        if not paths:
            msg = (f"no file {table}.csv, {table}.csv.gz, {table}.parquet or {table}.xlsx in the "
                   "folder")
            if strict and tables is not None:
                raise KpiDataError(f"{folder.name}: {msg}.")
            health.append(_health_row(table, "", "missing", None, ""))
            continue
        if len(paths) > 1:
            msg = (f"{', '.join(p.name for p in paths)} all hold table '{table}'. Keep one file per "
                   "table.")
            if strict:
                raise KpiDataError(msg)
            problems[table] = msg
            health.append(_health_row(table, ", ".join(p.name for p in paths), "invalid", None, msg))
            warnings.warn(f"{msg} (table '{table}' not loaded)", KpiWarning, stacklevel=2)
            continue
        path = paths[0]
        try:
            frame = read_table(path, table, mapping_file=mapping_file, **options)
        except KpiDataError as e:
            if strict:
                raise
            problems[table] = str(e)
            health.append(_health_row(table, path.name, "invalid", None, str(e)))
            warnings.warn(f"table '{table}' not loaded: {e}", KpiWarning, stacklevel=2)
            continue
        result[table] = frame
        health.append(_health_row(table, path.name, "ok", frame, ""))
    result.health = _health_frame(health)
    result.problems = problems
    return result


def _health_frame(rows: list[dict]) -> pd.DataFrame:
    h = pd.DataFrame(rows, columns=["table", "file", "status", "rows", "columns", "date_from",
                                    "date_to", "missing_values", "problem"])
    for c in ("rows", "columns", "missing_values"):
        h[c] = h[c].astype("Int64")
    for c in ("date_from", "date_to"):
        h[c] = pd.to_datetime(h[c]).astype("datetime64[ns]")
    for c in ("table", "file", "status", "problem"):
        h[c] = h[c].astype("str")
    return h


def folder_health(folder: str | Path, mapping_file: str | Path | None = None, **options: Any) -> pd.DataFrame:
    """One row per canonical table: what a data folder holds and whether it is usable.

    Columns: table, file, status ("ok", "missing" or "invalid"), rows, columns, date_from, date_to
    (range of the table's main time column), missing_values (empty cells in canonical columns),
    problem (the KpiDataError message, empty when ok or missing).

    Parameters
    ----------
    folder : str or Path
        The data folder.
    mapping_file : str or Path, optional
        YAML mapping file with one section per table.
    **options
        Passed to ``read_table``.

    Examples
    --------
    >>> import kpikit as kk
    >>> kk.io.folder_health("data/sample")[["table", "status", "rows"]]  # doctest: +SKIP
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        return read_folder(folder, mapping_file=mapping_file, **options).health
