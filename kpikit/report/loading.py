"""What a report reads: the declared tables of its notebook, required ones checked, optional ones noted.

:class:`ReportTables` is ``rep.tables``: a missing optional table raises its one-line note
(:class:`~kpikit.errors.MissingTableError`), so the section that reads it is skipped with that note.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, MissingTableError
from kpikit.report.notebooks import NotebookSpec

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


def _read(spec: NotebookSpec, data_dir: str, mapping_file: str | None, allow_negative: bool = False) -> Any:
    from kpikit.io import read_folder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)  # each unusable table is reported below instead
        # a spec that declares no table (notebook 00, the data overview) reads every canonical table
        return read_folder(
            data_dir, mapping_file=mapping_file, tables=spec.tables or None, allow_negative=allow_negative
        )


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
