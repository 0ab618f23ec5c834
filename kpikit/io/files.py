"""``read_table``: one export (CSV, Excel, Parquet) or DataFrame -> a validated canonical table.

The steps: read the file with the reader of its format (``kpikit.io.formats``), or take the frame;
rename the client's columns (``kpikit.io.mapping``); parse and validate the canonical columns
(``kpikit.schemas.validate``); cache the result for the run when the batch runner asks for it
(``kpikit.io.cache``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io.cache import _cache_file, _store
from kpikit.io.formats import _file_kind, _Raw, _read_file
from kpikit.io.mapping import _apply_mapping, load_mapping
from kpikit.schemas import table_spec, validate

__all__ = ["read_table"]


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

    Steps: read (``kpikit.io`` lists the CSV shapes accepted), rename the client's
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
    mapping = _mapping(columns, mapping_file, spec.name)
    opts = _Options(sep, decimal, encoding, tz, date_format, na_values, sheet, comment, allow_negative, drop_invalid)
    label, raw, cache = _source(source, spec.name, name, mapping, opts)
    if raw is None:  # the run's cache holds this table, validated
        return pd.read_pickle(cache)
    frame = _apply_mapping(raw.frame, mapping, label)
    with _passed_on() as caught:
        out = validate(frame, spec.name, source=label, rows=raw.rows, mapping=mapping, **opts.parsing())
    if cache is not None and not caught:
        _store(cache, out)
    return out


class _Options(NamedTuple):
    """The reading options of ``read_table``, in the order of the cache key."""

    sep: str | None
    decimal: str
    encoding: str | None
    tz: str | None
    date_format: str | None
    na_values: Sequence[str] | None
    sheet: int | str
    comment: str | None
    allow_negative: bool
    drop_invalid: bool

    def parsing(self) -> dict[str, Any]:
        """The options ``validate`` takes."""
        return {
            "decimal": self.decimal,
            "tz": self.tz,
            "date_format": self.date_format,
            "na_values": self.na_values,
            "allow_negative": self.allow_negative,
            "drop_invalid": self.drop_invalid,
        }


def _source(
    source: str | Path | pd.DataFrame, table: str, name: str | None, mapping: Mapping[str, str], opts: _Options
) -> tuple[str, _Raw | None, Path | None]:
    """The name of ``source`` in messages, its raw frame and its cache file.

    A DataFrame is copied; a file is read with the reader of its format, unless the run's cache (see
    ``kpikit.io.cache``) already holds its validated table: then the raw frame is None.
    """
    if isinstance(source, pd.DataFrame):
        label = name or f"{table} DataFrame"
        return label, _frame_source(source, label), None
    if not isinstance(source, (str, Path)):
        raise KpiDataError(f"read_table takes a file path or a pandas DataFrame, not {type(source).__name__}.")
    path = Path(source)
    label = name or path.name
    kind = _file_kind(_existing_file(path))
    cache = _cache_file(path, table, mapping, (*opts, label))
    if cache is not None and cache.is_file():
        return label, None, cache
    return label, _read_file(path, kind, label, opts.sep, opts.encoding, opts.comment, opts.sheet), cache


@contextmanager
def _passed_on() -> Iterator[list[warnings.WarningMessage]]:
    """Record the warnings raised inside the block (KpiWarnings always), then pass them on as raised.

    ``read_table`` caches a table only when its validation did not warn (a cache hit would not repeat it).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KpiWarning)
        yield caught
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _mapping(columns: Mapping[str, str] | None, mapping_file: str | Path | None, table: str) -> dict[str, str]:
    """The mapping of ``table`` from the mapping file, updated with ``columns`` (which wins)."""
    mapping = load_mapping(mapping_file, table)
    if columns:
        if not isinstance(columns, Mapping):
            raise KpiDataError(
                'columns must be a dict {client column: canonical column}, e.g. columns={"Session Start": "start"}.'
            )
        mapping.update({str(k).strip(): str(v).strip() for k, v in columns.items()})
    return mapping


def _frame_source(source: pd.DataFrame, label: str) -> _Raw:
    """A DataFrame as read_table's raw input: a copy with stripped column names, rows named by index."""
    if len(source) == 0:
        raise KpiDataError(f"{label} has no data rows.")
    frame = source.copy()
    frame.columns = [str(c).strip() if isinstance(c, str) else str(c) for c in frame.columns]
    return _Raw(frame, None)


def _existing_file(path: Path) -> Path:
    """``path``, or a KpiDataError when it is not a file (a folder gets a pointer to read_folder)."""
    if not path.is_file():
        hint = " (it is a folder: use kk.io.read_folder)" if path.is_dir() else ""
        raise KpiDataError(f"{str(path)!r} does not exist or is not a file{hint}.")
    return path
