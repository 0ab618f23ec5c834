"""A client's folder of exports: ``read_folder`` and ``folder_health``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io.files import read_table
from kpikit.io.mapping import load_mapping
from kpikit.schemas import TABLES, table_spec

__all__ = ["read_folder", "folder_health", "find_table_files", "TableSet", "SUFFIXES"]


#: File suffixes ``read_folder`` looks for, in order of preference.
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".xlsx")


class TableSet(dict):
    """The tables ``read_folder`` loaded (table name -> DataFrame), with a ``health`` report.

    ``health`` is the frame ``folder_health`` returns; ``problems`` maps each table that failed to
    its error message.
    """

    health: pd.DataFrame
    problems: dict[str, str]


def find_table_files(folder: str | Path) -> dict[str, list[Path]]:
    """Files of a folder that hold canonical tables: ``<table>.csv``, ``.csv.gz``, ``.parquet``, ``.xlsx``.

    Names are matched case-insensitively; other files are ignored.

    Parameters
    ----------
    folder : str or Path
        The data folder.

    Returns
    -------
    dict
        Table name -> its files in the order of ``SUFFIXES``, for the tables that have one (more than
        one file means an ambiguity that ``read_folder`` reports). Tables in the order of ``TABLES``.
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
                "lines); a flat mapping only works with read_table(path, table)."
            ) from None
    found = find_table_files(folder)
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
        if len(paths) > 1:
            msg = f"{', '.join(p.name for p in paths)} all hold table '{table}'. Keep one file per table."
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
