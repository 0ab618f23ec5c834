"""Tables too big for memory: exports opened lazily with DuckDB through Ibis, and the engine choice.

A year of GA4 events is hundreds of millions of rows; read into pandas it needs tens of gigabytes.
``scan`` opens the files of one canonical table (a file, a glob, a folder of parts or a list of
them; Parquet, CSV or newline-delimited JSON, gzipped or not) as an Ibis table on kpikit's DuckDB
connection: nothing is read until an aggregate runs, and DuckDB streams the files out of core.
``kk.web`` and ``kk.funnel`` take such a table (or any Ibis table: PySpark, BigQuery, Snowflake,
...) where they take a DataFrame, and return the same small pandas tables.

What ``scan`` does to the files' columns
----------------------------------------
- The client's column names are mapped onto the canonical ones (``mapping_file`` or ``columns``,
  as :func:`kpikit.read_table` maps them).
- Canonical columns get their canonical types: ids and text as text (a CSV user id such as
  ``244481062.1704096312`` is never read as a number), numbers as doubles (counts as integers),
  flags as booleans, times as timestamps. Aware timestamps are converted to UTC and made naive,
  as ``read_table`` does; naive ones are taken as UTC.
- Parquet files get a ``_row`` column: the file's position in the list (sorted names, as
  ``read_folder`` orders parts) and the row's position in it, packed into one integer. kpikit breaks
  ties of time with it exactly as the pandas path breaks them by the order of the rows, so a
  Parquet folder read lazily gives the same sessions as the same folder read into pandas. CSV and
  JSON have no row numbers in DuckDB: ties there are broken by the values themselves.

The engine choice (``choose_engine``, the notebooks' ``engine`` parameter): "pandas" reads the
table into memory (``read_folder``, with its validation and repairs); "duckdb" opens it lazily;
"auto" picks DuckDB when the files would take more than ``KPIKIT_LAZY_BYTES`` (default 1 GB) in
memory, estimated from their size on disk (compressed files and Parquet count eight times their
size).

The connection: one DuckDB database in memory per process, on all cores, with a memory limit of
``DEFAULT_DUCKDB_MEMORY`` (2 GB) beyond which DuckDB spills to a temporary folder: without it DuckDB
takes up to 80% of the machine's memory (sessions of 100M events held 21 GB here, in the same time
as with the limit). ``KPIKIT_DUCKDB_THREADS`` and ``KPIKIT_DUCKDB_MEMORY`` (e.g. "8GB") set its
threads and memory limit, as do the arguments of :func:`connect`.
"""

from __future__ import annotations

import glob as _glob
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.io.folder import TableSet, find_table_files, read_folder
from kpikit.io.mapping import load_mapping
from kpikit.schemas import TABLES

__all__ = [
    "Engine",
    "LAZY_BYTES_ENV",
    "DEFAULT_LAZY_BYTES",
    "DEFAULT_DUCKDB_MEMORY",
    "connect",
    "is_lazy",
    "collect",
    "scan",
    "table_files",
    "choose_engine",
    "open_folder",
]


#: Where a computation runs: "auto" (by size, or the table's own backend), "pandas" (in memory),
#: "duckdb" (lazily, out of core).
Engine = Literal["auto", "pandas", "duckdb"]


#: Environment variable: the estimated in-memory size (bytes, or "500MB", "2GB") above which
#: ``engine="auto"`` opens a table lazily.
LAZY_BYTES_ENV = "KPIKIT_LAZY_BYTES"


#: The default of ``KPIKIT_LAZY_BYTES``: 1 GB in memory.
DEFAULT_LAZY_BYTES = 1024**3


#: DuckDB's memory limit unless ``KPIKIT_DUCKDB_MEMORY`` or :func:`connect` says otherwise.
DEFAULT_DUCKDB_MEMORY = "2GB"


#: The row-order column of lazy tables (see the module docstring).
ROW = "_row"

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
_JSON = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")
_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}

_DUCKDB_TYPES = {
    "id": "VARCHAR",
    "str": "VARCHAR",
    "category": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "money": "DOUBLE",
    "percent": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "TIMESTAMP",
}

_STATE: dict[str, Any] = {}


def _bytes(text: str, name: str) -> int:
    """A size such as "2GB" or "500 MB" or a number of bytes, as bytes."""
    t = str(text).strip().lower().replace(" ", "")
    num = t.rstrip("kmgtb")
    unit = t[len(num) :]
    unit = unit if unit.endswith("b") or not unit else unit + "b"
    try:
        return int(float(num) * _UNITS[unit])
    except (ValueError, KeyError):
        raise KpiDataError(f"{name} must be a size such as '2GB' or '500MB' (got {text!r}).") from None


def connect(threads: int | None = None, memory_limit: str | None = None, temp_directory: str | None = None):
    """The DuckDB connection of kpikit (an Ibis backend), created on first use and shared by the process.

    Parameters
    ----------
    threads : int, optional
        DuckDB threads; default ``KPIKIT_DUCKDB_THREADS``, else DuckDB's (all cores).
    memory_limit : str, optional
        DuckDB's memory limit ("2GB"); beyond it DuckDB spills to ``temp_directory``. Default
        ``KPIKIT_DUCKDB_MEMORY``, else ``DEFAULT_DUCKDB_MEMORY`` (2 GB).
    temp_directory : str, optional
        Where DuckDB spills; default DuckDB's (``.tmp`` beside the database, or the system's).

    Returns
    -------
    ibis.backends.duckdb.Backend
        The connection; calling again with other settings changes them on the same connection.

    Examples
    --------
    >>> con = connect()
    >>> con.name
    'duckdb'
    """
    import ibis

    con = _STATE.get("con")
    if con is None:
        con = ibis.duckdb.connect()
        try:
            con.raw_sql("SET enable_progress_bar = false")
        except Exception as e:  # in a Jupyter kernel without ipywidgets DuckDB has it off and refuses the SET
            if "progress bar" not in str(e).lower():
                raise
        _STATE["con"] = con
        threads = threads or os.environ.get("KPIKIT_DUCKDB_THREADS") or None
        memory_limit = memory_limit or os.environ.get("KPIKIT_DUCKDB_MEMORY") or DEFAULT_DUCKDB_MEMORY
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    if memory_limit:
        con.raw_sql(f"SET memory_limit = '{_bytes(memory_limit, 'memory_limit')}B'")
    if temp_directory:
        con.raw_sql(f"SET temp_directory = '{_quote(str(temp_directory))}'")
    return con


def is_lazy(obj: object) -> bool:
    """Whether ``obj`` is an Ibis table (a lazy table on some backend), not a pandas DataFrame.

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_lazy(pd.DataFrame()), is_lazy(scan("data/sample/events.csv.gz"))  # doctest: +SKIP
    (False, True)
    """
    try:
        from ibis.expr.types import Table
    except ImportError:  # pragma: no cover - ibis is a core dependency
        return False
    return isinstance(obj, Table)


def _backend(table):
    """The backend a table runs on: its own, or kpikit's DuckDB connection for in-memory tables."""
    backends, _ = table._find_backends()
    return backends[0] if backends else connect()


def collect(obj: Any, limit: int | None = None) -> pd.DataFrame:
    """A table as a pandas DataFrame: an Ibis table executed on its backend; a DataFrame as it is.

    Timestamps come back as ``datetime64[ns]`` (as kpikit's pandas path holds them).

    Parameters
    ----------
    obj : DataFrame or Ibis table
        The table.
    limit : int, optional
        At most this many rows (for a look at a big table).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> collect(pd.DataFrame({"a": [1]}))["a"].tolist()
    [1]
    """
    if isinstance(obj, pd.DataFrame):
        return obj if limit is None else obj.head(limit)
    if not is_lazy(obj):
        raise KpiDataError(f"Expected a pandas DataFrame or an Ibis table (got {type(obj).__name__}).")
    expr = obj if limit is None else obj.limit(limit)
    try:
        out = _backend(obj).to_pandas(expr)
    except Exception as e:  # the backend's own error type (duckdb, pyspark, google ...)
        raise _data_error(e, obj) from e
    for c in out.columns:
        if pd.api.types.is_datetime64_dtype(out[c].dtype) and out[c].dtype != "datetime64[ns]":
            out[c] = out[c].astype("datetime64[ns]")
    return out


def _data_error(e: Exception, table) -> Exception:
    """A backend's conversion error (a bad value in a file) as a KpiDataError naming the source."""
    name = type(e).__name__
    if any(k in name for k in ("Conversion", "InvalidInput", "IOException")):
        label = _SOURCES.get(_table_name(table), "the lazy table")
        return KpiDataError(f"{label}: {str(e).splitlines()[0]}")
    return e


def _table_name(table) -> str | None:
    try:
        return table.op().name
    except AttributeError:
        return None


#: view name -> how messages name it (the files it reads)
_SOURCES: dict[str, str] = {}

#: view name -> the names of the Parquet files it reads, in ``_row`` order (to name a row's file)
_FILES: dict[str, list[str]] = {}


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_files(source: str | Path | Sequence[str | Path], table: str = "events") -> list[Path]:
    """The files ``scan`` would read for ``source``, in order.

    A file; a glob ("events/*.parquet"); a data folder holding the table (``events.parquet``,
    ``events_*.csv.gz`` parts, an ``events/`` subfolder: :func:`kpikit.io.find_table_files`); a
    folder of parts (every Parquet, CSV or JSON file in it, by name); or a list of these.

    Parameters
    ----------
    source : str, Path or list
        Where the table is.
    table : str
        The canonical table looked for in a data folder.

    Returns
    -------
    list of Path

    Examples
    --------
    >>> [p.name for p in table_files("data/sample", "events")]  # doctest: +SKIP
    ['events.csv.gz']
    """
    if isinstance(source, (list, tuple)):
        return [p for s in source for p in table_files(s, table)]
    text = str(source)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in _glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise KpiDataError(f"No file matches {text!r}.")
        return files
    path = Path(source)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = find_table_files(path).get(table)
        if found:
            return found
        files = sorted(
            (p for p in path.iterdir() if p.is_file() and not p.name.startswith(".") and _format(p, strict=False)),
            key=lambda p: p.name.lower(),
        )
        if files:
            return files
        raise KpiDataError(
            f"{path}: no {table} file (a {table}.parquet, {table}.csv or {table}.jsonl file, {table}_* parts, "
            f"a {table}/ subfolder, or Parquet, CSV or JSON parts) in this folder."
        )
    raise KpiDataError(f"{text!r} is neither a file, a folder nor a glob of files.")


def _format(path: Path, strict: bool = True) -> str | None:
    name = path.name.lower()
    for fmt, suffixes in (("parquet", _PARQUET), ("csv", _CSV), ("json", _JSON)):
        if name.endswith(suffixes):
            return fmt
    if strict:
        hint = " Excel workbooks are read in memory: use engine='pandas'." if name.endswith((".xlsx", ".xls")) else ""
        raise KpiDataError(f"{path.name}: not a Parquet, CSV or JSON file, so it cannot be opened lazily.{hint}")
    return None


def _mapping(table: str, mapping_file, columns: Mapping[str, str] | None) -> dict[str, str]:
    mapping = dict(load_mapping(mapping_file, table)) if mapping_file is not None else {}
    mapping.update(columns or {})
    return mapping


def scan(
    source: str | Path | Sequence[str | Path],
    table: str = "events",
    mapping_file: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    con: Any = None,
):
    """Open the files of one canonical table lazily, as an Ibis table on DuckDB.

    Nothing is read but the files' schemas until an aggregate runs; DuckDB then streams the files
    (in parallel, out of core). See the module docstring for what happens to the columns.

    Parameters
    ----------
    source : str, Path or list
        A file, a glob, a data folder or a folder of parts, or a list of them (see
        :func:`table_files`). All files of one call share one format: Parquet, CSV (``,``/``;``/tab,
        gzipped or not) or newline-delimited JSON.
    table : str
        The canonical table the files hold ("events", "sessions", ...): its columns get their types.
    mapping_file : str or Path, optional
        YAML mapping (client column -> canonical column), as for ``read_folder``.
    columns : mapping, optional
        More client column -> canonical column pairs (they win over the file's).
    con : Ibis DuckDB backend, optional
        The connection; default :func:`connect`.

    Returns
    -------
    ibis.Table
        A view over the files with canonical column names.

    Raises
    ------
    KpiDataError
        No such file, files of several formats, a format DuckDB cannot stream (Excel), a mapping
        onto an unknown column.

    Examples
    --------
    >>> events = scan("data/sample/events.csv.gz")
    >>> sorted(events.columns)[:3]
    ['channel', 'country', 'device']
    """
    if table not in TABLES:
        raise KpiDataError(f"Unknown table {table!r}; use one of {', '.join(TABLES)}.")
    files = table_files(source, table)
    formats = {_format(p) for p in files}
    if len(formats) > 1:
        raise KpiDataError(
            f"{_label(files)}: files of several formats ({', '.join(sorted(formats))}); open each format on its own."
        )
    fmt = formats.pop()
    con = con or connect()
    mapping = _mapping(table, mapping_file, columns)
    reader = _reader(files, fmt, table, mapping)
    raw = con.raw_sql(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    present = [(r[0], r[1]) for r in raw]
    select = _projection(present, fmt, table, mapping, _label(files))
    key = hashlib.sha1(f"{reader}|{select}".encode()).hexdigest()[:16]
    name = f"kpikit_{table}_{key}"
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {_ident(name)} AS SELECT {select} FROM {reader}")
    _SOURCES[name] = _label(files)
    if fmt == "parquet":
        _FILES[name] = [p.name for p in files]
    return con.table(name)


def _label(files: list[Path]) -> str:
    names = [p.name for p in files]
    return ", ".join(names) if len(names) <= 3 else f"{names[0]} ... {names[-1]} ({len(names)} files)"


def _reader(files: list[Path], fmt: str, table: str, mapping: Mapping[str, str]) -> str:
    paths = "[" + ", ".join(f"'{_quote(str(p))}'" for p in files) + "]"
    if fmt == "parquet":
        return f"read_parquet({paths}, union_by_name = true, file_row_number = true)"
    spec = TABLES[table]
    back = {v: k for k, v in mapping.items()}
    types = {
        back.get(c.name, c.name): _DUCKDB_TYPES[c.kind] for c in spec.columns if c.kind not in ("timestamp", "date")
    }
    if fmt == "csv":
        # the header is read first so that only columns present get a type
        header = _csv_header(files[0])
        typed = ", ".join(f"'{_quote(k)}': '{v}'" for k, v in types.items() if k in header)
        opts = f", types = {{{typed}}}" if typed else ""
        return f"read_csv({paths}, header = true, union_by_name = true, comment = '#'{opts})"
    return f"read_json({paths}, format = 'newline_delimited', union_by_name = true)"


def _csv_header(path: Path) -> list[str]:
    import duckdb

    rel = duckdb.connect().sql(f"SELECT * FROM read_csv('{_quote(str(path))}', header = true, comment = '#') LIMIT 0")
    return list(rel.columns)


def _projection(present: list[tuple[str, str]], fmt: str, table: str, mapping: Mapping[str, str], label: str) -> str:
    """The SELECT list of a lazy view: canonical names, canonical types, and ``_row`` for Parquet."""
    spec = {c.name: c for c in TABLES[table].columns}
    unknown = sorted(v for k, v in mapping.items() if v not in spec and k in dict(present))
    if unknown:
        raise KpiDataError(f"{label}: the mapping names {unknown}, not columns of the {table} table.")
    out, seen = [], set()
    for name, dtype in present:
        if name in ("file_row_number", "file_index"):
            continue
        canon = mapping.get(name, name)
        if canon in seen:
            raise KpiDataError(f"{label}: two columns map onto {canon!r}; fix the mapping.")
        seen.add(canon)
        expr = _ident(name)
        col = spec.get(canon)
        if col is not None:
            expr = _cast(expr, dtype, _DUCKDB_TYPES[col.kind])
        out.append(f"{expr} AS {_ident(canon)}")
    if fmt == "parquet":
        out.append(f"(CAST(file_index AS BIGINT) * 1099511627776 + file_row_number) AS {ROW}")
    return ", ".join(out)


def _cast(expr: str, have: str, want: str) -> str:
    have = have.upper()
    if want == "TIMESTAMP":
        if have.startswith("TIMESTAMP WITH TIME ZONE") or have == "TIMESTAMPTZ":
            return f"timezone('UTC', {expr})"
        if have.startswith("TIMESTAMP") and "WITH" not in have:
            return expr
        return f"CAST({expr} AS TIMESTAMP)"
    numeric = have.startswith(_NUMERIC)
    if have == want or (want in ("DOUBLE", "BIGINT") and numeric):
        return expr
    if want == "VARCHAR" and numeric:
        # a typed file's number stays a number: integer ids group faster than their text, and the text
        # of a float id would be a guess
        return expr
    return f"CAST({expr} AS {want})"


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
            "DOUBLE", "FLOAT", "REAL", "DECIMAL")  # fmt: skip


def _memory_bytes(files: list[Path]) -> int:
    """The estimated in-memory size of ``files``: compressed files and Parquet count eight times their size."""
    total = 0
    for p in files:
        size = p.stat().st_size
        total += size * 8 if p.name.lower().endswith((".gz", ".parquet", ".pq")) else size
    return total


def choose_engine(
    source: str | Path | Sequence[str | Path], table: str = "events", engine: Engine = "auto"
) -> Literal["pandas", "duckdb"]:
    """The engine for a table's files: ``engine`` when it names one, else by estimated size.

    Parameters
    ----------
    source : str, Path or list
        A data folder, a file, a glob or a folder of parts (see :func:`table_files`).
    table : str
        The canonical table.
    engine : {"auto", "pandas", "duckdb"}
        "auto": "duckdb" when the files would take more than ``KPIKIT_LAZY_BYTES`` (default 1 GB)
        in memory, or cannot be read by pandas in one piece; else "pandas".

    Returns
    -------
    str
        "pandas" or "duckdb".

    Examples
    --------
    >>> choose_engine("data/sample", "events")
    'pandas'
    """
    if engine not in ("auto", "pandas", "duckdb"):
        raise KpiDataError(f"engine must be 'auto', 'pandas' or 'duckdb' (got {engine!r}).")
    if engine != "auto":
        return engine
    files = table_files(source, table)
    if any(_format(p, strict=False) is None for p in files):
        return "pandas"  # Excel: read in memory
    limit = _bytes(os.environ.get(LAZY_BYTES_ENV) or DEFAULT_LAZY_BYTES, LAZY_BYTES_ENV)
    return "duckdb" if _memory_bytes(files) > limit else "pandas"


def open_folder(
    folder: str | Path,
    mapping_file: str | Path | None = None,
    tables: Sequence[str] | None = None,
    engine: Engine = "auto",
    lazy_tables: Sequence[str] = ("events",),
    **options: Any,
) -> TableSet:
    """``read_folder``, with the big tables opened lazily: what the notebooks load their data with.

    The tables of ``lazy_tables`` found in the folder are opened with :func:`scan` when the engine
    (:func:`choose_engine`, per table) is "duckdb"; every other table is read into pandas by
    :func:`kpikit.io.read_folder` with its validation and repairs.

    Parameters
    ----------
    folder : str or Path
        The data folder.
    mapping_file : str or Path, optional
        YAML column mapping, one section per table.
    tables : sequence of str, optional
        Only these tables (default all).
    engine : {"auto", "pandas", "duckdb"}
        How the tables of ``lazy_tables`` are opened (see :func:`choose_engine`).
    lazy_tables : sequence of str
        The tables that may be opened lazily (those the notebook's functions accept as Ibis tables).
    **options
        Passed to ``read_folder``.

    Returns
    -------
    TableSet
        Table name -> DataFrame or Ibis table; ``attrs``-like ``engines`` maps each lazy-capable
        table to the engine used. ``health`` is ``read_folder``'s, with the rows of the lazy tables
        asked of DuckDB (:func:`kpikit.io.lazy_health.lazy_health_row`; a lazy table that fails its
        checks is left out and named in ``problems``, as ``read_folder`` does) and, when a table was
        opened lazily, a ``hash`` column (its files' content hash; "" for the others).

    Examples
    --------
    >>> tables = open_folder("data/sample", tables=["events"])
    >>> tables.engines
    {'events': 'pandas'}
    >>> open_folder("data/sample", tables=["events"], engine="duckdb").engines
    {'events': 'duckdb'}
    """
    folder = Path(folder)
    found = find_table_files(folder) if folder.is_dir() else {}
    wanted = list(tables) if tables is not None else list(TABLES)
    engines = {t: choose_engine(found[t], t, engine) for t in lazy_tables if t in wanted and t in found}
    lazy = [t for t, e in engines.items() if e == "duckdb"]
    eager = [t for t in wanted if t not in lazy]
    out = read_folder(folder, mapping_file=mapping_file, tables=eager, **options) if eager else TableSet()
    if not eager:
        out.health, out.problems = pd.DataFrame(), {}
    if lazy:  # checked by DuckDB, never read into pandas (kpikit.io.lazy_health)
        from kpikit.io.lazy_health import merge_health, open_lazy_tables

        negative = bool(options.get("allow_negative"))
        opened, rows, problems = open_lazy_tables(folder, found, lazy, mapping_file, negative)
        out.update(opened)
        out.problems.update(problems)
        out.health = merge_health(out.health, rows, wanted)
    out.engines = engines
    return out
