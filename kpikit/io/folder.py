"""A client's folder of exports: ``read_folder`` and ``folder_health``."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, did_you_mean
from kpikit.io.files import _Options, _read, _unexpected, _warn_user, read_table
from kpikit.io.mapping import load_mapping
from kpikit.io.parts import _combine, _files_label, _Part, _part_name, _same_name, _table_files
from kpikit.io.repairs import _record
from kpikit.schemas import TABLES, table_spec

__all__ = ["read_folder", "folder_health", "find_table_files", "TableSet", "SUFFIXES"]


#: File suffixes ``read_folder`` reads, for whole tables (listed in this order) and their parts.
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".xlsx")


class TableSet(dict):
    """The tables ``read_folder`` loaded (table name -> DataFrame), with a ``health`` report.

    ``health`` is the frame ``folder_health`` returns; ``problems`` maps each table that failed to
    its error message.
    """

    health: pd.DataFrame
    problems: dict[str, str]


def find_table_files(folder: str | Path) -> dict[str, list[Path]]:
    """Files of a folder that hold canonical tables, whole or in parts.

    A table's files: ``<table>.csv`` (``.csv.gz``, ``.parquet``, ``.xlsx``), then the parts named
    ``<table>_<anything>`` or ``<table>-<anything>`` with those suffixes, then the files with those
    suffixes in a ``<table>/`` subfolder (see ``kpikit.io.parts``). Names are matched
    case-insensitively; other files, hidden files and Excel lock files (``~$...``) are ignored.

    Parameters
    ----------
    folder : str or Path
        The data folder.

    Returns
    -------
    dict
        Table name -> its files (whole files in the order of ``SUFFIXES``, then parts by name), for
        the tables that have one. Several files are the parts of one table, except that one name in
        two formats is an ambiguity ``read_folder`` reports. Tables in the order of ``TABLES``.
    """
    return _table_files(Path(folder), SUFFIXES)


def _health_row(table: str, file: str, status: str, frame: pd.DataFrame | None, problem: str) -> dict:
    spec = TABLES[table]
    row: dict[str, Any] = {
        "table": table,
        "file": file,
        "status": status,
        "rows": pd.NA,
        "columns": pd.NA,
        "date_from": pd.NaT,
        "date_to": pd.NaT,
        "missing_values": pd.NA,
        "problem": problem,
    }
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
    """Read every canonical table found in a folder, whole or in parts.

    Looks for each canonical table's files (``find_table_files``: ``<table>.csv``, ``.csv.gz``,
    ``.parquet``, ``.xlsx``, parts ``<table>_*``/``<table>-*`` and a ``<table>/`` subfolder; other
    files are ignored), reads each with ``read_table`` and combines the parts of a table: rows
    repeated across overlapping parts are dropped and reported, two versions of one record refused
    (``kpikit.io.parts``). One table that fails, whatever the reason, never stops the others.

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
        Passed to ``read_table`` (``decimal``, ``tz``, ``encoding``, ``drop_invalid``,
        ``duplicates``, ``totals``, ``max_bytes``, ...).

    Returns
    -------
    TableSet
        A dict table name -> validated DataFrame for the tables that loaded, with ``.health`` (see
        ``folder_health``) and ``.problems`` (table -> message). With strict=False each table that
        failed also raises a KpiWarning naming it. A table read from parts has ``attrs["parts"]``.

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
    columns, opts = _folder_options(options)
    if mapping_file is not None:  # check the mapping file once, up front
        _check_sections(mapping_file)
    try:
        found = find_table_files(folder)
    except OSError as e:
        raise KpiDataError(f"Data folder {str(folder)!r} cannot be listed ({e.strerror or e}).") from None
    result = TableSet()
    health = []
    problems: dict[str, str] = {}
    for table in wanted:
        paths = found.get(table, [])
        if not paths:
            msg = f"no file {table}.csv, {table}.csv.gz, {table}.parquet or {table}.xlsx in the folder"
            if strict and tables is not None:
                raise KpiDataError(f"{folder.name}: {msg}.")
            health.append(_health_row(table, "", "missing", None, ""))
            continue
        names = [_part_name(folder, p) for p in paths]
        try:
            frame = _load(folder, table, paths, names, (columns, mapping_file, opts))
        except Exception as e:  # one table's failure, whatever it is, never stops the others
            err = e if isinstance(e, KpiDataError) else _unexpected(_files_label(names), e)
            if strict:
                raise err from (None if err is e else e)
            problems[table] = str(err)
            health.append(_health_row(table, _files_label(names), "invalid", None, str(err)))
            warnings.warn(f"table '{table}' not loaded: {err}", KpiWarning, stacklevel=2)
            continue
        result[table] = frame
        health.append(_health_row(table, _files_label(names), "ok", frame, _repair_note(frame)))
    result.health = _health_frame(health)
    result.problems = problems
    return result


def _folder_options(options: dict[str, Any]) -> tuple[Any, _Options]:
    """The ``read_table`` options of ``read_folder``: its column mapping and the rest; unknown names refused."""
    allowed = [n for n in inspect.signature(read_table).parameters if n not in ("source", "table", "mapping_file")]
    allowed.remove("name")
    for key in options:
        if key not in allowed:
            raise KpiDataError(
                f"read_folder has no option {key!r}{did_you_mean(key, allowed)}. It passes these to read_table: "
                f"{', '.join(allowed)}."
            )
    rest = dict(options)
    columns = rest.pop("columns", None)
    return columns, _Options(**rest)


def _check_sections(mapping_file: str | Path) -> None:
    """Refuse a flat mapping file: a folder needs one section per table."""
    try:
        load_mapping(mapping_file)
    except KpiDataError as e:
        if "flat mapping" not in str(e):
            raise
        raise KpiDataError(
            f"{Path(mapping_file).name}: read_folder needs one section per table in the mapping "
            "file (e.g. 'sessions:' followed by indented 'Client Column: canonical_column' "
            "lines); a flat mapping only works with read_table(path, table)."
        ) from None


def _load(folder: Path, table: str, paths: list[Path], names: list[str], how: tuple) -> pd.DataFrame:
    """One table from its files: the one file, or its parts combined (``kpikit.io.parts``)."""
    columns, mapping_file, opts = how
    twice = _same_name(folder, paths, SUFFIXES)
    if twice:
        raise KpiDataError(
            f"{', '.join(_part_name(folder, p) for p in twice)} all hold table '{table}' under one name in "
            "different formats (one export saved twice?). Keep one file per table or part."
        )
    if len(paths) == 1:
        return _read(paths[0], table, columns, mapping_file, opts, names[0])[0]
    parts = [_Part(n, *_read(p, table, columns, mapping_file, opts, n)) for p, n in zip(paths, names)]
    frame, records, notes = _combine(parts, table_spec(table), opts.duplicates)
    frame.attrs = {"table": table, "source": _files_label(names), "parts": names}
    dropped = [{**d, "file": p.name} for p in parts for d in p.frame.attrs.get("dropped", [])]
    repaired = [{**r, "file": p.name} for p in parts for r in p.frame.attrs.get("repaired", [])]
    if dropped or records:
        _record(frame, [*dropped, *records])
    if repaired:
        frame.attrs["repaired"] = repaired
    if notes[len(records) :]:
        frame.attrs["notes"] = notes[len(records) :]
    for note in notes:
        _warn_user(note)
    return frame


def _repair_note(frame: pd.DataFrame) -> str:
    """What was repaired in a table that loaded (for the health table's ``problem``), or ""."""
    notes = [
        d.get("message")
        or f"{d.get('file', frame.attrs.get('source', ''))}: dropped {d['count']} rows in "
        f"'{d['column']}' that {d['problem']} (drop_invalid=True)."
        for d in frame.attrs.get("dropped", [])
    ]
    notes += [r["message"] for r in frame.attrs.get("repaired", [])]
    notes += list(frame.attrs.get("notes", []))
    return " ".join(notes)


def _health_frame(rows: list[dict]) -> pd.DataFrame:
    h = pd.DataFrame(
        rows,
        columns=["table", "file", "status", "rows", "columns", "date_from", "date_to", "missing_values", "problem"],
    )
    for c in ("rows", "columns", "missing_values"):
        h[c] = h[c].astype("Int64")
    for c in ("date_from", "date_to"):
        h[c] = pd.to_datetime(h[c]).astype("datetime64[ns]")
    for c in ("table", "file", "status", "problem"):
        h[c] = h[c].astype("str")
    return h


def folder_health(folder: str | Path, mapping_file: str | Path | None = None, **options: Any) -> pd.DataFrame:
    """One row per canonical table: what a data folder holds and whether it is usable.

    Columns: table, file (its files, or the first and last of many parts), status ("ok", "missing" or
    "invalid"), rows, columns, date_from, date_to (range of the table's main time column),
    missing_values (empty cells in canonical columns), problem (for an invalid table its
    KpiDataError message; for a table that loaded, what was repaired: rows exported twice or totals
    rows dropped, values repaired, parts read as segments; empty otherwise). One table that fails,
    whatever the reason, is listed with its problem and never stops the others.

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
