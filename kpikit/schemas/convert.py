"""The value parser: raw columns (text from CSV, Excel cells, Parquet types) to canonical dtypes.

``_Converter`` parses each canonical column of one frame by its kind and collects what does not parse
as problems (column, rows, phrase, fix) instead of coercing it to a missing value, and what it
repaired as repairs (column, rows, what was done); ``kpikit.schemas.validate`` turns the problems
into one ``KpiDataError`` (or, with ``drop_invalid``, drops their rows) and reports the repairs.

Decisions that belong to a file, not to a value, are taken once per frame from all its columns: the
decimal mark of numbers written as text (``kpikit.schemas.numbers``) and the order of day and month
in slash dates (``kpikit.schemas.dates``). IDs and the exact text of cells: ``kpikit.schemas.ids``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas.dates import _TimeParser
from kpikit.schemas.ids import _empty_mask, _IdParser, _is_text_dtype
from kpikit.schemas.numbers import _NumberParser, _NumberText
from kpikit.schemas.problems import _first_value, _Problem, _Repair
from kpikit.schemas.spec import _DROP_HINT, NUMBER_KINDS, TEXT_KINDS, ColumnSpec, TableSpec

__all__ = []


_DECIMALS = (".", ",", None, "auto")


class _Converter(_IdParser, _NumberParser, _TimeParser):
    """Turns the raw columns of one frame into canonical dtypes, collecting problems and repairs.

    Parameters
    ----------
    frame : DataFrame
        The frame being validated, canonical names, a RangeIndex (positions).
    spec : TableSpec
        Its canonical table.
    decimal : {".", ",", None, "auto"}
        Decimal mark of numbers written as text; None decides from the file's values and refuses
        a file that proves ","; "auto" reads it (see ``kpikit.schemas.numbers``).
    tz, date_format, dayfirst : see ``kpikit.schemas.validate``.
    na_values : sequence of str, optional
        Extra markers meaning "no value".
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        spec: TableSpec,
        decimal: str | None,
        tz: str | None,
        date_format: str | None,
        na_values: Sequence[str] | None,
        dayfirst: bool | None = None,
    ):
        if decimal not in _DECIMALS:
            raise KpiDataError(f'decimal must be ".", ",", "auto" or None, not {decimal!r}.')
        if dayfirst not in (None, True, False):
            raise KpiDataError(f"dayfirst must be True, False or None, not {dayfirst!r}.")
        self.decimal = decimal
        self.tz = tz
        self.date_format = date_format
        self.dayfirst = dayfirst
        self.na_values = set(na_values or ())
        self.problems: list[_Problem] = []
        self.repairs: list[_Repair] = []
        self.inferred: dict[str, Any] = {}  # file-level choices read from the values (dayfirst, decimal)
        self._frame = frame
        self._spec = spec
        self._raw = pd.Series(dtype=object)  # the column being converted (for messages)
        self._numbers: dict[str, _NumberText] = {}
        self._marks: dict[str, list[tuple[str, int]]] | None = None
        self._times: dict[str, tuple[pd.Series, np.ndarray]] = {}
        self._day_month_fields: dict[str, Any] = {}
        self._order: dict[bool, list[tuple[str, int]]] | None = None

    # -- helpers -------------------------------------------------------------------------------
    def _problem(
        self, col: str, bad: np.ndarray, problem: str, fix: str, raw: pd.Series, droppable: bool = True
    ) -> None:
        self.problems.append(_Problem(col, np.asarray(bad, dtype=bool), problem, fix, _first_value(raw), droppable))

    def _repair(self, col: str, rows: np.ndarray, what: str, raw: pd.Series) -> None:
        self.repairs.append(_Repair(col, np.asarray(rows, dtype=bool), what, _first_value(raw)))

    def _blank(self, s: pd.Series) -> np.ndarray:
        empty = _empty_mask(s)
        if self.na_values:
            empty |= s.astype(object).isin(self.na_values).to_numpy(dtype=bool, copy=True)
        return empty

    def convert(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        """One column of the frame, converted to the dtype of its kind."""
        self._raw = s
        if spec.kind in TEXT_KINDS:
            return self._text(s, spec)
        if spec.kind in NUMBER_KINDS:
            out = self._number(s, spec)
            if self.decimal == "auto" and self._marks is not None:
                self.inferred["decimal"] = "," if self._marks[","] and not self._marks["."] else "."
            return out
        if spec.kind == "bool":
            return self._bool(s, spec)
        return self._time(s, spec)

    # -- booleans ------------------------------------------------------------------------------
    def _bool(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_bool_dtype(s.dtype):
            return s.astype("boolean")
        empty = self._blank(s)
        if _is_text_dtype(s.dtype):
            key = s.str.strip().str.lower().astype(object)
        else:
            key = s.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
        table = {
            "true": True,
            "1": True,
            "yes": True,
            "1.0": True,
            "false": False,
            "0": False,
            "no": False,
            "0.0": False,
        }
        mapped = key.map(table)
        bad = (mapped.isna().to_numpy(dtype=bool, copy=True)) & ~empty
        if bad.any():
            self._problem(
                col,
                bad,
                "{have} a value that is not true/false",
                f"Write '{col}' as true/false, 1/0 or yes/no, " + _DROP_HINT + ".",
                s,
            )
        out = pd.Series(mapped.to_numpy(dtype=object), index=s.index)
        out[empty | bad] = None
        return out.astype("boolean")
