"""What a report reads: the declared tables of its notebook, required ones checked, optional ones noted.

:class:`ReportTables` is ``rep.tables``: a missing optional table raises its one-line note
(:class:`~kpikit.errors.MissingTableError`), so the section that reads it is skipped with that note.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, MissingTableError
from kpikit.report.notebooks import NotebookSpec
from kpikit.schemas import TABLES

__all__ = ["ReportTables"]


class ReportTables(Mapping):
    """The tables a report loaded, by name; a missing optional table raises its one-line note.

    ``tables["surveys"]`` on a notebook whose surveys table is not in the folder raises
    :class:`~kpikit.errors.MissingTableError` ("No surveys table in the data: ... skipped."), so the
    section that reads it is skipped with that note. ``"surveys" in tables`` and ``tables.get`` say
    whether it loaded, without raising.

    Parameters
    ----------
    loaded : mapping of str to DataFrame
        The tables that loaded.
    notes : mapping of str to str
        Each optional table that did not load -> its note.
    declared : iterable of str
        Every table the notebook declares.
    """

    def __init__(self, loaded: Mapping[str, pd.DataFrame], notes: Mapping[str, str], declared: Iterable[str]) -> None:
        self._loaded = dict(loaded)
        self.notes = dict(notes)
        self._declared = list(declared)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._loaded:
            return self._loaded[name]
        if name in self.notes:
            raise MissingTableError(self.notes[name])
        raise KeyError(f"{name!r} is not a table this notebook declares; declared: {', '.join(self._declared)}")

    def get(self, name: str, default: Any = None) -> Any:
        """A loaded table, or ``default`` when it did not load.

        Parameters
        ----------
        name : str
            The table's name.
        default : Any
            What to return when it did not load.

        Returns
        -------
        DataFrame or Any
        """
        return self._loaded.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded)

    def __len__(self) -> int:
        return len(self._loaded)

    def __contains__(self, name: object) -> bool:
        return name in self._loaded


def _read(
    spec: NotebookSpec,
    data_dir: str,
    mapping_file: str | None,
    allow_negative: bool = False,
    engine: str | None = None,
) -> Any:
    """The tables of ``spec`` in ``data_dir``: read into pandas, or the events opened lazily by ``engine``.

    A notebook that declares an ``engine`` parameter passes it here: its events table is then opened
    by :func:`kpikit.io.lazy.open_folder` (lazily with DuckDB when the engine, or "auto" by size, says
    so); every other table, and every table of a notebook without the parameter, is read into pandas
    by :func:`kpikit.io.read_folder` as before.
    """
    from kpikit.io import read_folder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)  # each unusable table is reported below instead
        # a spec that declares no table (notebook 00, the data overview) reads every canonical table
        wanted = spec.tables or None
        if engine is None:
            return read_folder(data_dir, mapping_file=mapping_file, tables=wanted, allow_negative=allow_negative)
        return _open(data_dir, mapping_file, wanted, engine, allow_negative)


def _open(data_dir: str, mapping_file: str | None, wanted: list[str] | None, engine: str, allow_negative: bool) -> Any:
    """``open_folder``; a lazy table that cannot be opened is recorded as a problem, as ``read_folder`` records one."""
    from kpikit.io.lazy import open_folder

    options = {"mapping_file": mapping_file, "engine": engine, "allow_negative": allow_negative}
    try:
        tables = open_folder(data_dir, tables=wanted, **options)
    except KpiDataError as err:
        if not Path(data_dir).is_dir() or "events" not in (wanted or ["events"]):
            raise
        # the events' files could not be opened lazily (several formats, a bad mapping): the other
        # tables still load, and the events' problem is reported as an unusable table's is
        rest = [t for t in (wanted or TABLES) if t != "events"]
        tables = open_folder(data_dir, tables=rest, **options)
        _mark_invalid(tables, "events", str(err))
        return tables
    for name, chosen in getattr(tables, "engines", {}).items():
        if chosen == "duckdb" and name in tables:
            _check_lazy(tables, name)
    return tables


def _check_lazy(tables: Any, name: str) -> None:
    """A lazy table's required columns (what ``read_folder`` validates), and its row in ``health``.

    The row (files, rows, columns, first and last date) is computed in the backend by one aggregate,
    unless ``open_folder`` already reported the table.
    """
    from kpikit.engine.tables import label
    from kpikit.io.lazy import collect

    table = tables[name]
    spec = TABLES[name]
    files = label(table, name)
    missing = [c for c in spec.required if c not in table.columns]
    if missing:
        del tables[name]
        _mark_invalid(
            tables,
            name,
            f"{files}: column(s) {', '.join(missing)} missing; the {name} table needs {', '.join(spec.required)}. "
            f"Map the export's names onto them with mapping_file.",
        )
        return
    health = getattr(tables, "health", None)
    if health is not None and len(health) and (health["table"] == name).any():
        return
    col = spec.time_column
    aggs = {"rows": table.count()}
    if col and col in table.columns:
        aggs.update(date_from=table[col].min(), date_to=table[col].max())
    found = collect(table.aggregate(**aggs)).iloc[0]
    row = {
        "table": name,
        "file": files,
        "status": "ok",
        "rows": int(found["rows"]),
        "columns": len([c for c in table.columns if not c.startswith("_")]),
        "date_from": found.get("date_from", pd.NaT),
        "date_to": found.get("date_to", pd.NaT),
        "missing_values": pd.NA,
        "problem": "",
    }
    _add_health(tables, row)


def _mark_invalid(tables: Any, name: str, problem: str) -> None:
    """Record ``name`` as a table that could not be used: in ``problems`` and as an "invalid" health row."""
    problems = dict(getattr(tables, "problems", None) or {})
    problems[name] = problem
    tables.problems = problems
    row = {"table": name, "file": "", "status": "invalid", "rows": pd.NA, "columns": pd.NA, "date_from": pd.NaT,
           "date_to": pd.NaT, "missing_values": pd.NA, "problem": problem}  # fmt: skip
    _add_health(tables, row)


def _add_health(tables: Any, row: dict) -> None:
    health = getattr(tables, "health", None)
    new = pd.DataFrame([row])
    if health is None or health.empty:
        tables.health = new
        return
    health = health.loc[health["table"] != row["table"]]
    tables.health = pd.concat([health, new.astype({k: v for k, v in health.dtypes.items() if k in new})],
                              ignore_index=True)  # fmt: skip


def _check_required(spec: NotebookSpec, tables: Any, data_dir: str) -> None:
    from kpikit.schemas import TABLES

    problems = getattr(tables, "problems", {})
    for group in spec.required:
        if any(name in tables for name in group):
            continue
        bad = [name for name in group if name in problems]
        if bad:
            raise KpiDataError(
                f"{spec.name} needs the {bad[0]} table, and the one in {data_dir!r} could not be used: {problems[bad[0]]}"
            )
        which = " or ".join(group)
        columns = "; ".join(f"{name}: {', '.join(TABLES[name].required)}" for name in group)
        raise KpiDataError(
            f"No {which} table in {data_dir!r}: {spec.name} needs one to answer its question. Put the export in "
            f"the folder as {group[0]}.csv (or .csv.gz, .parquet, .xlsx) with at least these columns ({columns}), "
            f"or map your export's column names with mapping_file."
        )
