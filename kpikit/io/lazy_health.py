"""Health rows of tables opened lazily: ``read_folder``'s row for a table DuckDB reads in place.

``read_folder`` reads a table into pandas, validates it and reports it in its ``health`` frame (file,
status, rows, columns, first and last date, empty cells, problem). A table that
:func:`kpikit.io.lazy.open_folder` opens lazily is never read into pandas, so its row is asked of the
backend instead, in one aggregate over the files plus, only when something is wrong, a few small
queries that find the first file and rows with the problem:

- **file**: the table's files, named as ``read_folder`` names them (relative to the data folder; the
  first and last of many parts).
- **rows**, **columns**, **date_from**, **date_to**: the count of rows, the columns of the lazy view
  (``_row`` aside), the first and last value of the table's time column.
- **missing_values**: empty cells in the canonical columns, counted as ``read_table`` counts them:
  NULL; in text and ID columns also blank text, and in ID columns the placeholders ``read_table``
  reads as empty ("null", "N/A", "-", ...: :data:`kpikit.schemas.ids.MISSING_WORDS`).
- **hash**: the SHA-256 of the files' bytes, in order, streamed from disk (the first 16 hex digits,
  as the consultant appendix shows a file's hash; for one file the same value).
- **status** and **problem**: "invalid", with the message ``read_table`` would give, when the
  validation a pandas read does can be asked of the backend cheaply: a required column missing (from
  every file, or for Parquet from one file: the first such file is named), a required column with
  empty cells, values outside a column's range (a negative ``value`` unless ``allow_negative``, a
  negative engagement time), times pandas cannot hold (before 1678 or after 2261), values the view
  cannot convert to the column's type (DuckDB's conversion error, naming the files). The message
  names the first file with the problem and, for Parquet, its file rows, as the pandas read does;
  CSV and JSON read lazily have no row numbers, so their messages name the files only.

What the pandas read does and this does not (each would cost a pass over every column of every
row, or a sort): rows repeated across parts are not dropped (the lazy sessionisation drops exact
duplicate events itself, with a warning), ID repairs (spaces, "1001.0") are not made, totals rows are
not looked for.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.io.folder import _health_frame, _health_row
from kpikit.io.parts import _files_label, _part_name
from kpikit.schemas import TABLES
from kpikit.schemas.columns import _missing_column_message
from kpikit.schemas.ids import MISSING_WORDS
from kpikit.schemas.problems import _agree, _fmt_value, _wording
from kpikit.schemas.spec import TEXT_KINDS, TableSpec

__all__ = ["HASH", "content_hash", "lazy_health_row", "open_lazy_tables", "merge_health"]

#: Bytes read at a time while hashing.
_CHUNK = 1 << 20

#: The times a pandas ``datetime64[ns]`` column holds.
_FIRST_TIME, _LAST_TIME = pd.Timestamp.min, pd.Timestamp.max

#: How :func:`kpikit.io.lazy.collect` names a table it cannot name (an aggregate of a view).
_UNNAMED = "the lazy table: "

#: The columns of a health row beyond ``read_folder``'s: the files' content hash.
HASH = "hash"


def content_hash(files: Sequence[str | Path]) -> str:
    """The SHA-256 of the files' bytes, one after the other, streamed (never loaded whole).

    Parameters
    ----------
    files : sequence of str or Path
        The files, in the order their table reads them.

    Returns
    -------
    str
        The first 16 hex digits (for one file: the hash the consultant appendix shows for it).

    Examples
    --------
    >>> content_hash([])
    'e3b0c44298fc1c14'
    """
    h = hashlib.sha256()
    for path in files:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
    return h.hexdigest()[:16]


def _is_empty(t, name: str, kind: str):
    """An Ibis condition: the cell is empty as ``read_table`` reads it."""
    col = t[name]
    empty = col.isnull()
    if kind in TEXT_KINDS and col.type().is_string():
        text = col.strip()
        empty |= text == ""
        if kind == "id":
            empty |= text.lower().isin(sorted(MISSING_WORDS))
    return empty


def _checks(t, spec: TableSpec, allow_negative: bool) -> list[tuple[str, str, str]]:
    """What each row is checked for: (column, check code, its argument), as the pandas read reports them.

    Columns in the table's order; per column, empty cells, then its range.
    """
    out = []
    for c in spec.columns:
        if c.name not in t.columns:
            continue
        if c.required:
            out.append((c.name, "not_nullable", ""))
        if not t[c.name].type().is_numeric():
            continue
        if c.min is not None and not (c.kind == "money" and c.min == 0 and allow_negative):
            out.append((c.name, "min", str(c.min)))
        if c.max is not None:
            out.append((c.name, "max", str(c.max)))
    return out


def _bad(t, spec: TableSpec, check: tuple[str, str, str]):
    """An Ibis condition on ``t``: the row fails ``check``."""
    column, code, arg = check
    if code == "not_nullable":
        return _is_empty(t, column, spec.column(column).kind)
    return t[column] < float(arg) if code == "min" else t[column] > float(arg)


def _missing_columns(t, spec: TableSpec, files: list[Path], names: list[str], mapping: Mapping[str, str]) -> str:
    """The message of a required column missing from the view, or (Parquet) from one of its files; else ""."""
    from kpikit.io.lazy import ROW, _quote, connect

    present = [c for c in t.columns if c != ROW]
    missing = [c for c in spec.required if c not in present]
    if missing:
        return _missing_column_message(names[0], spec, missing, present, mapping)
    if ROW not in t.columns or len(files) < 2:
        return ""
    paths = "[" + ", ".join(f"'{_quote(str(p))}'" for p in files) + "]"
    schema = connect().raw_sql(f"SELECT file_name, name FROM parquet_schema({paths})").fetchall()
    by_file: dict[str, list[str]] = {}
    for file, col in schema:
        if str(file) in by_file:
            by_file[str(file)].append(mapping.get(col, col))
        else:  # the first entry of a file is its schema's root
            by_file[str(file)] = []
    for path, name in zip(files, names):
        cols = by_file.get(str(path), [])
        lacking = [c for c in spec.required if c not in cols]
        if lacking:
            return _missing_column_message(name, spec, lacking, cols, mapping)
    return ""


def _facts(t, spec: TableSpec, checks: list[tuple[str, str, str]]) -> pd.Series:
    """The one aggregate: rows, first and last time (as text), empty cells per column, bad rows per check."""
    from kpikit.io.lazy import collect

    aggs: dict[str, Any] = {"_rows": t.count()}
    time = spec.time_column
    if time and time in t.columns and t[time].type().is_timestamp():
        aggs["_lo"] = t[time].min().cast("string")
        aggs["_hi"] = t[time].max().cast("string")
    for c in spec.columns:
        if c.name in t.columns:
            aggs[f"_empty_{c.name}"] = t.count(where=_is_empty(t, c.name, c.kind))
    for i, check in enumerate(checks):
        aggs[f"_check_{i}"] = t.count(where=_bad(t, spec, check))
    return collect(t.aggregate(**aggs)).iloc[0]


def _problem_message(t, spec: TableSpec, failing: list[tuple[str, str, str]], names: list[str], label: str) -> str:
    """``read_table``'s message for the first file with a problem: each failing check, its rows, the fix."""
    from kpikit.io.lazy import ROW, collect

    source = label
    if ROW in t.columns:
        # the first file with a problem: read_folder stops at the first file that fails
        firsts = collect(t.aggregate(**{f"_f{i}": t[ROW].min(where=_bad(t, spec, c)) for i, c in enumerate(failing)}))
        index = int(firsts.iloc[0].dropna().min()) >> 40
        t = t.filter((t[ROW] >> 40) == index)
        source = names[index] if index < len(names) else label
    lines = []
    for check in failing:
        column, code, arg = check
        cond = _bad(t, spec, check)
        n = int(collect(t.aggregate(_n=t.count(where=cond)))["_n"].iloc[0])
        if n == 0:  # another file has it; the first file's problems are reported
            continue
        rows = t.filter(cond)
        first = collect(
            rows.select(column, ROW).order_by(ROW).limit(5) if ROW in t.columns else rows.select(column).limit(1)
        )
        problem, fix, _ = _wording(code, code, column, arg, first, spec, None)
        value = f"first: {_fmt_value(first[column].iloc[0])}"
        if ROW in t.columns:
            shown = describe_rows([int(r) % 2**40 + 1 for r in first[ROW]])
            more = f" (and {n - len(first)} more)" if n > len(first) else ""
            value = f"file {shown}{more}; {value}"
        lines.append(
            f"{source}, column '{column}': {n} {'row' if n == 1 else 'rows'} {_agree(problem, n)} ({value}). {fix}"
        )
    if len(lines) == 1:
        return lines[0]
    return f"{source}: {len(lines)} problems\n" + "\n".join(f"- {line}" for line in lines)


def _time(text: Any, label: str, column: str) -> pd.Timestamp:
    """A first or last time from the backend (text), refused when pandas cannot hold it."""
    if text is None or pd.isna(text):
        return pd.NaT
    try:
        return pd.Timestamp(str(text))
    except (ValueError, OverflowError):
        raise KpiDataError(
            f"{label}, column '{column}': the time {text} is outside the years 1678 to 2261, which kpikit cannot "
            "hold (a placeholder such as 0001-01-01 or 9999-12-31?). Fix the export: leave such times empty."
        ) from None


def lazy_health_row(
    t,
    table: str,
    files: Sequence[str | Path],
    names: Sequence[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    allow_negative: bool = False,
) -> dict[str, Any]:
    """The health row of a lazily opened table, asked of its backend: ``read_folder``'s row, plus its hash.

    See the module docstring for each field and for what is validated.

    Parameters
    ----------
    t : Ibis table
        The table, as :func:`kpikit.io.lazy.scan` opened it (canonical names and types; ``_row`` for
        Parquet files).
    table : str
        The canonical table.
    files : sequence of str or Path
        The files it reads, in order (for the hash and to name a file in messages).
    names : sequence of str, optional
        The files' names in messages (default: their names).
    mapping : mapping, optional
        The client column -> canonical column mapping the files were opened with (it words a missing
        column's message).
    allow_negative : bool
        Accept negative money values, as ``read_table(..., allow_negative=True)`` does.

    Returns
    -------
    dict
        table, file, status ("ok" or "invalid"), rows, columns, date_from, date_to, missing_values,
        problem (the reason an invalid table cannot be used), hash.

    Examples
    --------
    >>> from kpikit.io.lazy import scan
    >>> row = lazy_health_row(scan("data/sample/events.csv.gz"), "events", ["data/sample/events.csv.gz"])
    >>> row["status"], row["rows"], str(row["date_from"])
    ('ok', 97771, '2024-01-01 08:05:12')
    """
    spec = TABLES[table]
    files = [Path(p) for p in files]
    names = list(names) if names is not None else [p.name for p in files]
    label = _files_label(names)
    mapping = dict(mapping or {})
    try:
        problem = _missing_columns(t, spec, files, names, mapping)
        if not problem:
            checks = _checks(t, spec, allow_negative)
            facts = _facts(t, spec, checks)
            failing = [c for i, c in enumerate(checks) if int(facts[f"_check_{i}"])]
            if failing:
                problem = _problem_message(t, spec, failing, names, label)
    except KpiDataError as e:
        problem = str(e)
        if problem.startswith(_UNNAMED):  # a value DuckDB cannot convert: name the files and the fix
            problem = (
                f"{label}: a value cannot be read as its column's type ({problem[len(_UNNAMED) :]}). Fix the "
                "export, or read the table with engine='pandas' for the rows and the reading options."
            )
    if problem:
        row = _health_row(table, label, "invalid", None, problem)
    else:
        row = _health_row(table, label, "ok", None, "")
        row["rows"] = int(facts["_rows"])
        row["columns"] = len([c for c in t.columns if not c.startswith("_row")])
        if "_lo" in facts:
            try:
                row["date_from"] = _time(facts["_lo"], names[0], spec.time_column)
                row["date_to"] = _time(facts["_hi"], names[0], spec.time_column)
            except KpiDataError as e:
                row = _health_row(table, label, "invalid", None, str(e))
        if row["status"] == "ok":
            row["missing_values"] = int(sum(int(facts[k]) for k in facts.index if k.startswith("_empty_")))
    row[HASH] = content_hash(files)
    return row


def open_lazy_tables(
    folder: str | Path,
    found: Mapping[str, list[Path]],
    lazy: Sequence[str],
    mapping_file: str | Path | None = None,
    allow_negative: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """Open tables lazily and check each: the tables that can be used, their health rows, the problems.

    A table that cannot be opened (files of several formats, a bad mapping) or fails its checks is
    left out, as ``read_folder`` leaves out a table that fails, with a KpiWarning naming it.

    Parameters
    ----------
    folder : str or Path
        The data folder (files are named relative to it).
    found : mapping
        Table -> its files (:func:`kpikit.io.find_table_files`).
    lazy : sequence of str
        The tables to open lazily.
    mapping_file : str or Path, optional
        YAML column mapping, one section per table.
    allow_negative : bool
        Accept negative money values.

    Returns
    -------
    tuple
        (table -> Ibis table, for the tables that passed), (their health rows, with ``hash``),
        (table -> its problem, for those that did not).
    """
    from kpikit.io.lazy import _mapping, scan

    folder = Path(folder)
    opened: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    for name in lazy:
        files = list(found[name])
        names = [_part_name(folder, p) for p in files]
        try:
            t = scan(files, name, mapping_file=mapping_file)
            row = lazy_health_row(t, name, files, names, _mapping(name, mapping_file, None), allow_negative)
        except KpiDataError as e:
            row = {**_health_row(name, _files_label(names), "invalid", None, str(e)), HASH: content_hash(files)}
        rows.append(row)
        if row["status"] == "ok":
            opened[name] = t
        else:
            problems[name] = row["problem"]
            warnings.warn(f"table '{name}' not loaded: {row['problem']}", KpiWarning, stacklevel=3)
    return opened, rows, problems


def merge_health(health: pd.DataFrame, rows: list[dict[str, Any]], order: Sequence[str]) -> pd.DataFrame:
    """``read_folder``'s health frame with the lazy tables' rows put in, in the order of ``order``.

    Parameters
    ----------
    health : DataFrame
        The health of the tables read into pandas (may be empty).
    rows : list of dict
        The lazy tables' rows (:func:`lazy_health_row`).
    order : sequence of str
        The tables, in the order the frame lists them.

    Returns
    -------
    DataFrame
        ``read_folder``'s columns and dtypes, plus ``hash`` (the content hash of a lazy table's files; ""
        for the tables read into pandas, whose files the appendix hashes itself).
    """
    by_table = {r["table"]: r for r in health.to_dict("records")} if len(health) else {}
    by_table.update({r["table"]: r for r in rows})
    ordered = [by_table[x] for x in order if x in by_table]
    frame = _health_frame(ordered)
    frame[HASH] = [r[HASH] if isinstance(r.get(HASH), str) else "" for r in ordered]
    return frame
