"""Tables on any Ibis backend: what a kpikit function was given, and the few expressions that differ by backend.

``resolve`` turns a function's input (a DataFrame, a path or glob of files, an Ibis table) into
either a DataFrame for the pandas path or an Ibis table for the lazy one, by the ``engine``
argument. The rest of kpikit's lazy code is plain Ibis, run unchanged on DuckDB, PySpark, BigQuery
and the others, except for three things each backend spells its own way:

- ``first_by``: the values of a group's first row by a sort key (DuckDB ``arg_min_null``, Spark
  ``min_by``, elsewhere an ordered ``ARRAY_AGG(... LIMIT 1)``): landing pages and a session's
  source;
- ``epoch_ns``: a timestamp as integer nanoseconds since 1970 (DuckDB ``epoch_ns``, Spark and
  BigQuery ``unix_micros`` times 1000), exact where a float of seconds would not be;
- ``persist``: a result kept in the backend (a DuckDB temporary table, Ibis ``cache`` elsewhere).

Results that pandas keeps in ``DataFrame.attrs`` (sessions set aside, duplicates dropped, the
rule that counted new users) are kept for Ibis tables in a registry keyed by the table's
expression: :func:`attrs` reads them, computing the ones that need a query on first use.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.io.lazy import _SOURCES, ROW, collect, connect, is_lazy, scan
from kpikit.schemas import require_columns

if TYPE_CHECKING:
    import ibis

__all__ = ["attrs", "persist", "backend_name"]


_REGISTRY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def backend_name(table: ibis.Table) -> str:
    """The name of the backend a lazy table runs on ("duckdb", "pyspark", "bigquery", ...).

    Parameters
    ----------
    table : Ibis table
        The table.

    Returns
    -------
    str
        The backend's name; tables made from pandas frames run on kpikit's DuckDB connection.

    Examples
    --------
    >>> import ibis
    >>> backend_name(ibis.memtable({"a": [1]}))
    'duckdb'
    """
    backends, _ = table._find_backends()
    return backends[0].name if backends else "duckdb"


def from_pandas(frame: pd.DataFrame, order: bool = True):
    """A DataFrame as an Ibis table (read by DuckDB in place), with its row positions in ``_row``.

    Arrow keeps nanosecond timestamps and categoricals (as dictionaries); ``_row`` (0-based
    position) lets the lazy path break ties of time in the order of the rows, as pandas does.
    """
    import ibis
    import pyarrow as pa

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    if order and ROW not in frame.columns:
        arrow = arrow.append_column(ROW, pa.array(np.arange(len(frame), dtype=np.int64)))
    table = ibis.memtable(arrow)
    register(table, {"source": frame.attrs.get("source", "events")})
    return table


Kind = Literal["pandas", "ibis"]


def resolve(obj: Any, engine: str = "auto", table: str = "events", what: str = "events") -> tuple[Kind, Any]:
    """What a kpikit function was given, and where it is computed: ("pandas", frame) or ("ibis", table).

    A DataFrame stays in pandas unless ``engine="duckdb"`` (then DuckDB reads it in place); a path,
    glob or list of files is opened lazily by :func:`kpikit.io.lazy.scan` (read whole into pandas
    with ``engine="pandas"``); an Ibis table runs on its own backend (executed into pandas with
    ``engine="pandas"``).
    """
    if engine not in ("auto", "pandas", "duckdb"):
        raise KpiDataError(f"engine must be 'auto', 'pandas' or 'duckdb' (got {engine!r}).")
    if isinstance(obj, pd.DataFrame):
        return ("ibis", from_pandas(obj)) if engine == "duckdb" else ("pandas", obj)
    if isinstance(obj, (str, Path)) or (
        isinstance(obj, (list, tuple)) and obj and all(isinstance(p, (str, Path)) for p in obj)
    ):
        lazy = scan(obj, table)
        return ("pandas", collect(lazy).drop(columns=[ROW], errors="ignore")) if engine == "pandas" else ("ibis", lazy)
    if is_lazy(obj):
        if engine == "pandas":
            return "pandas", collect(obj).drop(columns=[ROW], errors="ignore")
        return "ibis", obj
    raise KpiDataError(
        f"{what} must be a pandas DataFrame, a path or glob of Parquet, CSV or JSON files, or an Ibis table "
        f"(got {type(obj).__name__})."
    )


def label(table, what: str) -> str:
    """How messages name a lazy table: its files, else the source recorded for it, else ``what``."""
    name = getattr(table.op(), "name", None)
    if name in _SOURCES:
        return _SOURCES[name]
    for op in table.op().find(lambda n: hasattr(n, "name")):
        if getattr(op, "name", None) in _SOURCES:
            return _SOURCES[op.name]
    entry = _REGISTRY.get(table.op())
    return entry.get("source", what) if entry else what


def check_columns(table, columns: Sequence[str], what: str, fix: str = "") -> None:
    """:func:`kpikit.schemas.require_columns` for an Ibis table: the same message, from its column names."""
    require_columns(pd.DataFrame(columns=list(table.columns)), columns, what, fix=fix)


def register(table, values: Mapping[str, Any]) -> None:
    """Record ``attrs`` for a lazy table; a callable value is computed on first read (see :func:`attrs`)."""
    entry = _REGISTRY.setdefault(table.op(), {})
    entry.update(values)


def attrs(table: Any) -> dict:
    """What kpikit records about a result: ``DataFrame.attrs``, or the registry entry of an Ibis table.

    Entries that need a query (the sessions whose engaged flag came from the export, for one) are
    computed on the first call and kept.

    Parameters
    ----------
    table : DataFrame or Ibis table
        A result of kpikit (sessions, for instance) or any table.

    Returns
    -------
    dict
        The attrs; empty for a table kpikit did not make.

    Examples
    --------
    >>> frame = pd.DataFrame()
    >>> frame.attrs["split"] = "timeout"
    >>> attrs(frame)
    {'split': 'timeout'}
    """
    if isinstance(table, pd.DataFrame):
        return dict(table.attrs)
    if not is_lazy(table):
        return {}
    entry = _REGISTRY.get(table.op())
    if entry is None:
        return {}
    pending = [k for k, v in entry.items() if callable(v)]
    computed: dict = {}
    for k in pending:
        if k in computed:
            continue
        value = entry[k]()
        if isinstance(value, Mapping):  # one query may answer several entries
            computed.update(value)
        else:
            computed[k] = value
    entry.update(computed)
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def inherit(new, old) -> None:
    """Give ``new`` (a table derived from ``old``: persisted, filtered) the registry entry of ``old``."""
    entry = _REGISTRY.get(old.op())
    if entry is not None:
        _REGISTRY[new.op()] = entry


def narrow(table, columns: Sequence[str]):
    """``table`` for an aggregate reading only ``columns``: its lean form when kpikit built one and it suffices.

    Lazy sessions carry columns that need a window over each user's sessions (is_new_user, new_lead)
    or a query of their own (session_id); backends do not always leave those out of a query that
    does not read them. The sessions' registry entry keeps the same sessions without them
    (``_lean``), and filters and new columns of kpikit's own (:func:`derive`) follow it.
    """
    entry = _REGISTRY.get(table.op()) or {}
    lean = entry.get("_lean")
    if lean is not None and all(c in lean.columns for c in columns):
        out = lean.select(*columns)
        register(out, {k: v for k, v in entry.items() if k != "_lean"})
        return out
    return table


def derive(new, old, how) -> None:
    """Record for ``new`` = ``how(old)`` (a filter, a new column) the entry of ``old``, its lean form derived alike."""
    entry = _REGISTRY.get(old.op())
    if entry is None:
        return
    out = dict(entry)
    if entry.get("_lean") is not None:
        out["_lean"] = how(entry["_lean"])
    _REGISTRY[new.op()] = out


def persist(table: ibis.Table | pd.DataFrame) -> ibis.Table | pd.DataFrame:
    """Compute a lazy table once and keep it in its backend; later queries read the stored rows.

    DuckDB keeps it as a temporary table (spilling to disk beyond its memory limit); other backends
    use Ibis's ``cache`` (Spark caches it, BigQuery writes a temporary table). kpikit's attrs of the
    table are kept.

    Parameters
    ----------
    table : Ibis table
        For instance the sessions of a year of events, which a report aggregates a dozen times.

    Returns
    -------
    Ibis table
        The stored table.

    Examples
    --------
    >>> import ibis
    >>> persist(ibis.memtable({"a": [1, 2]})).count().execute()
    2
    """
    if isinstance(table, pd.DataFrame):
        return table
    if backend_name(table) == "duckdb":
        backends, _ = table._find_backends()
        con = backends[0] if backends else connect()
        import uuid

        stored = con.create_table(f"kpikit_persisted_{uuid.uuid4().hex}", obj=table, temp=True)
    else:
        stored = table.cache()
    entry = _REGISTRY.get(table.op())
    if entry is not None:  # the stored rows are read, not the lean expression over the events
        _REGISTRY[stored.op()] = {k: v for k, v in entry.items() if k != "_lean"}
    return stored


# --------------------------------------------------------------------------------------------------
# expressions that differ by backend


_STUBS = {1: lambda x: None, 2: lambda x, y: None}  # Ibis names a built-in function's arguments after these


def _builtin_agg(name: str, args: Sequence, returns):
    import ibis

    sig = (tuple(a.type() for a in args), returns)
    return ibis.udf.agg.builtin(_STUBS[len(args)], name=name, signature=sig)


def _builtin_scalar(name: str, args: Sequence, returns):
    import ibis

    sig = (tuple(a.type() for a in args), returns)
    return ibis.udf.scalar.builtin(_STUBS[len(args)], name=name, signature=sig)


def first_by(backend: str, values: Mapping[str, Any], keys: Sequence[Any], where=None):
    """The ``values`` (a struct) of a group's row with the smallest ``keys`` (compared in order).

    ``keys`` must not be null where ``where`` holds (a time, then a tie-break). Null values are
    returned as they are (DuckDB's ``arg_min`` would skip them, hence ``arg_min_null``).
    """
    import ibis

    value = ibis.struct(dict(values))
    key = ibis.struct({f"k{i}": k for i, k in enumerate(keys)})
    if backend == "duckdb":
        fn = _builtin_agg("arg_min_null", [value, key], value.type())
        return fn(value, key, where=where)
    if backend == "pyspark":
        return value.argmin(key, where=where)
    return value.first(order_by=list(keys), where=where)


def epoch_ns(backend: str, ts):
    """Integer nanoseconds since 1970-01-01 of a (naive UTC) timestamp."""
    import ibis
    import ibis.expr.datatypes as dt

    if backend == "duckdb":
        return _builtin_scalar("epoch_ns", [ts], dt.int64)(ts)
    if backend in ("pyspark", "bigquery", "databricks"):
        return _builtin_scalar("unix_micros", [ts], dt.int64)(ts) * 1000
    return ts.delta(ibis.timestamp("1970-01-01 00:00:00"), "microsecond") * 1000


def from_epoch_us(backend: str, us):
    """A timestamp from integer microseconds since 1970-01-01 (naive UTC; BigQuery's own TIMESTAMP is UTC)."""
    import ibis.expr.datatypes as dt

    if backend == "duckdb":
        return _builtin_scalar("make_timestamp", [us], dt.timestamp)(us)
    return us.as_timestamp("us")


def bit_count(backend: str, x):
    """The number of set bits of an integer (DuckDB, Spark and BigQuery all call it ``bit_count``)."""
    import ibis.expr.datatypes as dt

    return _builtin_scalar("bit_count", [x], dt.int64)(x)


def day_bounds(start: Any, end: Any) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Inclusive calendar days [start, end] as half-open instants [start 00:00, end + 1 day 00:00)."""
    lo = pd.Timestamp(start).normalize() if start is not None else None
    hi = pd.Timestamp(end).normalize() + pd.Timedelta(days=1) if end is not None else None
    return lo, hi


def scalar(expr) -> Any:
    """Execute a scalar Ibis expression on its table's backend (kpikit's DuckDB for in-memory tables)."""
    backends, _ = expr._find_backends()
    con = backends[0] if backends else connect()
    return con.execute(expr)


def count(value: Any) -> int:
    """A count from a backend's sum: 0 where the sum of no rows came back as NULL or NaN."""
    return 0 if value is None or pd.isna(value) else int(value)


def execute(expr) -> pd.DataFrame:
    """Execute a table expression on its backend: :func:`kpikit.io.lazy.collect`."""
    return collect(expr)
