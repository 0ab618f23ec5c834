"""``read_table``: one export (CSV, Excel, Parquet) or DataFrame -> a validated canonical table.

The steps: read the file with the reader of its format (``kpikit.io.formats``, within the size
limit of ``kpikit.io.limits``), or take the frame; rename the client's columns (``kpikit.io.mapping``);
set aside totals rows and rows exported twice (``kpikit.io.repairs``); parse and validate the
canonical columns (``kpikit.schemas.validate``); cache the result for the run when the batch runner
asks for it (``kpikit.io.cache``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io.cache import _cache_file, _load, _store
from kpikit.io.formats import _file_kind, _Raw, _read_file
from kpikit.io.limits import _max_bytes
from kpikit.io.mapping import _apply_mapping, load_mapping
from kpikit.io.repairs import _Repairs
from kpikit.schemas import table_spec, validate

__all__ = ["read_table"]


def read_table(
    source: str | Path | pd.DataFrame,
    table: str,
    columns: Mapping[str, str] | None = None,
    mapping_file: str | Path | None = None,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = "utf-8",
    tz: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Sequence[str] | None = None,
    sheet: int | str | None = None,
    comment: str | None = "#",
    allow_negative: bool = False,
    drop_invalid: bool = False,
    duplicates: Literal["auto", "drop", "keep", "raise"] = "auto",
    totals: Literal["drop", "keep", "raise"] = "drop",
    max_bytes: int | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Read one canonical table from a CSV, Excel or Parquet file, or a DataFrame, and validate it.

    Steps: read (``kpikit.io`` lists the shapes accepted), rename the client's columns (``columns``
    and/or ``mapping_file``; ``columns`` wins), set aside totals rows and rows exported twice, parse
    each canonical column by its kind and validate it (``kpikit.schemas``). Nothing is coerced
    silently; every row dropped is reported (a KpiWarning with the count and the file rows).

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
    decimal : {None, ".", ",", "auto"}
        Decimal mark of numbers written as text ("1,234.50" with "."; "1.234,50" with ","). None: the
        file's values decide, and a column they cannot decide ("12,500": 12.5 or 12,500?) is a question,
        not a guess; "auto" reads a file whose values prove the comma that way.
    encoding : str, optional
        Text encoding of CSV files; UTF-8 with or without BOM by default (UTF-16 is named, not guessed).
    tz : str, optional
        IANA zone of naive timestamps ("Europe/Berlin"): localised there and converted to UTC.
        Without it naive timestamps are kept as they are (taken as UTC).
    date_format : str, optional
        strftime format for timestamps that are not ISO 8601, e.g. ``"%d/%m/%Y %H:%M"``.
    dayfirst : bool, optional
        Whether slash dates (03/04/2024) put the day first. None infers the order from the file's dates
        (a value above 12 decides) and asks when every date is ambiguous.
    na_values : sequence of str, optional
        Markers meaning "no value" besides empty cells, e.g. ``["n/a", "-"]``.
    sheet : int, str or None
        Excel sheet (position from 0, or name). None: the only sheet, else the sheet named like the
        table, else the only sheet holding data; otherwise an error lists the sheets.
    comment : str or None
        Comment marker of CSV lines (None: no comment lines).
    allow_negative : bool
        Accept negative money values (refunds) in amount, cost and value columns.
    drop_invalid : bool
        Drop rows that fail a row-level check instead of raising (reported in ``.attrs["dropped"]``).
    duplicates : {"auto", "drop", "keep", "raise"}
        Rows equal to an earlier row in every column. "auto": dropped where the table's rows tell
        one record exported twice from two real ones, refused otherwise (``kpikit.io.duplicates``).
    totals : {"drop", "keep", "raise"}
        Totals rows (labelled Total/Grand total/Sum, unlabelled column sums, monthly totals inside
        daily spend; ``kpikit.io.totals``): dropped and reported, kept, or refused.
    max_bytes : int, optional
        The most bytes a file may hold once decompressed (default ``KPIKIT_MAX_BYTES``, else 4 GiB).
    name : str, optional
        Source name used in messages (default: the file name, or "<table> DataFrame").

    Returns
    -------
    DataFrame
        Canonical names and dtypes (text ``str``, counts ``Int64``, amounts ``float64``, flags
        ``boolean``, times ``datetime64[ns]`` tz-naive UTC); other columns kept (CSV: as text). Files
        get a fresh RangeIndex; a DataFrame keeps its index. ``.attrs``: ``table``, ``source``;
        when something was repaired, ``repaired`` (values fixed in place), ``dropped`` (rows set aside),
        ``duplicates_dropped`` and ``totals_dropped`` (counts); ``inferred`` (what the values decided:
        the decimal mark, the day-month order).

    Raises
    ------
    KpiDataError
        With the file, the column, the first offending rows (numbered as in the file) and the fix,
        e.g. ``sessions.csv, column 'start': 2 rows are not valid dates (file rows 4, 9; ...``.

    Examples
    --------
    >>> import pandas as pd, kpikit as kk
    >>> raw = pd.DataFrame({"Session": ["s1", "s2"], "Start": ["2024-03-01 10:00", "2024-03-01 11:30"]})
    >>> s = kk.read_table(raw, "sessions", columns={"Session": "session_id", "Start": "start"})
    >>> s.dtypes.astype(str).to_dict()
    {'session_id': 'str', 'start': 'datetime64[ns]'}
    """
    opts = _Options(sep, decimal, encoding, tz, date_format, na_values, sheet, comment, allow_negative)
    opts = opts._replace(
        drop_invalid=drop_invalid, duplicates=duplicates, totals=totals, max_bytes=max_bytes, dayfirst=dayfirst
    )
    return _read(source, table, columns, mapping_file, opts, name)[0]


class _Options(NamedTuple):
    """The reading options of ``read_table`` (its defaults), in the order of the cache key."""

    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = "utf-8"
    tz: str | None = None
    date_format: str | None = None
    na_values: Sequence[str] | None = None
    sheet: int | str | None = None
    comment: str | None = "#"
    allow_negative: bool = False
    drop_invalid: bool = False
    duplicates: str = "auto"
    totals: str = "drop"
    max_bytes: int | None = None
    dayfirst: bool | None = None

    def parsing(self) -> dict[str, Any]:
        """The options ``validate`` takes."""
        return {
            "decimal": self.decimal,
            "tz": self.tz,
            "date_format": self.date_format,
            "dayfirst": self.dayfirst,
            "na_values": self.na_values,
            "allow_negative": self.allow_negative,
            "drop_invalid": self.drop_invalid,
        }


def _read(
    source: str | Path | pd.DataFrame,
    table: str,
    columns: Mapping[str, str] | None,
    mapping_file: str | Path | None,
    opts: _Options,
    name: str | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """``read_table``, also returning each row's file row number (its index label for a DataFrame).

    ``read_folder`` uses the row numbers to name the rows of the parts of a table in its messages.
    """
    spec = table_spec(table)
    mapping = _mapping(columns, mapping_file, spec.name)
    with _passed_on() as caught:
        try:
            label, raw, cache = _source(source, spec.name, name, mapping, opts)
            if raw is None:  # the run's cache holds this table, validated
                return _load(cache)
            frame = _apply_mapping(raw.frame, mapping, label)
            in_file = raw.rows is not None
            labels = raw.rows if in_file else np.asarray(frame.index, dtype=object)
            fix = _Repairs(spec, label, labels, in_file, opts.duplicates, opts.totals, opts.decimal)
            frame, kept = fix.before(frame)
            rows = kept if in_file else None
            out = validate(frame, spec.name, source=label, rows=rows, mapping=mapping, **opts.parsing())
            out, kept = fix.after(out, kept)
        except KpiDataError:
            raise
        except Exception as e:  # a reader's own exception: never raw to the user
            raise _unexpected(_label(source, spec.name, name), e) from e
        fix.warn()
    if cache is not None and not caught:
        _store(cache, out, kept)
    return out, kept


def _label(source: object, table: str, name: str | None) -> str:
    """The name of a source in messages: ``name``, the file name, or "<table> DataFrame"."""
    if name:
        return name
    if isinstance(source, (str, Path)):
        return Path(source).name
    return f"{table} DataFrame" if isinstance(source, pd.DataFrame) else repr(source)


def _unexpected(label: str, e: Exception) -> KpiDataError:
    return KpiDataError(
        f"{label} could not be read: {type(e).__name__}: {e}. Check the values this names in the file (an "
        "impossible date, a number too large); if the file looks right, report this message to the kpikit "
        "maintainers."
    )


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
    limit = _max_bytes(opts.max_bytes)
    try:
        cache = _cache_file(path, table, mapping, (*opts, label))
    except OSError as e:
        raise KpiDataError(f"{label} cannot be read ({e.strerror or type(e).__name__}).") from None
    if cache is not None and cache.is_file():
        return label, None, cache
    raw = _read_file(path, kind, label, opts.sep, opts.encoding, opts.comment, opts.sheet, table, limit)
    return label, raw, cache


@contextmanager
def _passed_on() -> Iterator[list[warnings.WarningMessage]]:
    """Record the warnings raised inside the block (KpiWarnings always), then pass them on at the user's line.

    ``read_table`` caches a table only when reading it did not warn (a cache hit would not repeat it).
    Each warning is re-issued at the first line outside kpikit, so that it points at the caller's
    ``read_table`` or ``read_folder``, however deep inside kpikit it was raised.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KpiWarning)
        yield caught
    if not caught:
        return
    filename, lineno, module = _user_line()
    for w in caught:
        warnings.warn_explicit(w.message, w.category, filename, lineno, module=module)


def _warn_user(message: str) -> None:
    """A KpiWarning issued at the first line outside kpikit (the caller of ``read_folder``, say)."""
    filename, lineno, module = _user_line()
    warnings.warn_explicit(message, KpiWarning, filename, lineno, module=module)


def _user_line() -> tuple[str, int, str]:
    """The file, line and module of the first caller outside kpikit (and outside contextlib)."""
    import contextlib
    import sys

    package = str(Path(__file__).resolve().parent.parent)
    skip = (package, str(Path(contextlib.__file__).resolve()))
    frame = sys._getframe(1)
    while frame.f_back is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(skip):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno, frame.f_globals.get("__name__", "")


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
