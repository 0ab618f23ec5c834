"""How a canonical table is declared: column kinds, ``ColumnSpec``, ``RowRule`` and ``TableSpec``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

__all__ = ["Kind", "ColumnSpec", "RowRule", "TableSpec", "NUMBER_KINDS", "TIME_KINDS", "TEXT_KINDS"]


Kind = Literal["id", "str", "category", "int", "float", "money", "percent", "bool", "timestamp", "date"]


NUMBER_KINDS = frozenset({"int", "float", "money", "percent"})


TIME_KINDS = frozenset({"timestamp", "date"})


TEXT_KINDS = frozenset({"id", "str", "category"})


_DTYPES = {
    "id": "str",
    "str": "str",
    "category": "str",
    "int": "Int64",
    "float": "float64",
    "money": "float64",
    "percent": "float64",
    "bool": "boolean",
    "timestamp": "datetime64[ns]",
    "date": "datetime64[ns]",
}


_DROP_HINT = "or pass drop_invalid=True to drop these rows (they will be reported)"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table.

    Attributes
    ----------
    name : str
        Canonical column name.
    kind : str
        What the values are: "id", "str", "category" (text from ``allowed``), "int", "float",
        "money" (currency symbols accepted), "percent" ("45%" read as 0.45), "bool", "timestamp",
        "date".
    required : bool
        The table cannot be used without this column. Required columns may not hold empty cells.
    unique : bool
        Values identify rows (a key).
    min, max : float or None
        Inclusive range of the values.
    allowed : tuple of str or None
        The only values a "category" column may hold.
    not_before : str or None
        For time columns: the column this one may not precede (``end`` not before ``start``).
    open_end : bool
        For time columns whose empty value means "still running" (a subscription's ``end``): a date
        from the year 2262 on (9999-12-31, 2999-12-31: the "no end yet" markers of billing systems
        and warehouses; pandas cannot hold them) is read as empty, and the repair is reported. In
        other time columns such dates are errors. Only ``subscriptions.end`` is open-ended: in the
        other tables an empty time means "never happened", where a far-future date is no convention.
    description : str
        What the column means, for documentation and error messages.
    """

    name: str
    kind: Kind
    required: bool = False
    unique: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    not_before: str | None = None
    description: str = ""
    open_end: bool = False

    @property
    def nullable(self) -> bool:
        """Optional columns may hold empty cells; required ones may not."""
        return not self.required

    @property
    def dtype(self) -> str:
        """The canonical pandas dtype of the column."""
        return _DTYPES[self.kind]


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of one row (e.g. a score range that depends on the survey kind).

    ``check(frame)`` returns a boolean Series, True where the row is valid; it is only applied when
    all of ``needs`` are present. ``column`` is the column named in error messages, ``problem`` the
    phrase after "<n> rows" (with ``{be}`` for is/are), ``show`` the columns quoted for the first
    offending row.
    """

    name: str
    needs: tuple[str, ...]
    column: str
    check: Callable[[pd.DataFrame], pd.Series]
    problem: str
    fix: str
    show: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns, its main time column and its cross-column rules."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    time_column: str | None = None
    rules: tuple[RowRule, ...] = field(default_factory=tuple)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        """Names of the optional columns."""
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def names(self) -> tuple[str, ...]:
        """All canonical column names, required first as declared."""
        return tuple(c.name for c in self.columns)

    @property
    def key(self) -> tuple[str, ...]:
        """Columns whose values must be unique."""
        return tuple(c.name for c in self.columns if c.unique)

    def column(self, name: str) -> ColumnSpec:
        """The spec of one column of the table.

        Parameters
        ----------
        name : str
            Canonical column name.

        Returns
        -------
        ColumnSpec

        Raises
        ------
        KeyError
            When the table has no such column.
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def has(self, name: str) -> bool:
        """Whether ``name`` is a canonical column of the table.

        Parameters
        ----------
        name : str
            A column name.

        Returns
        -------
        bool
        """
        return any(c.name == name for c in self.columns)

    def of_kind(self, *kinds: str) -> tuple[str, ...]:
        """Names of the columns of the given kinds, e.g. ``of_kind("money")``.

        Parameters
        ----------
        *kinds : str
            Column kinds ("id", "money", "timestamp", ...; see ``ColumnSpec``).

        Returns
        -------
        tuple of str
            The column names in declaration order.
        """
        return tuple(c.name for c in self.columns if c.kind in kinds)


def _c(name: str, kind: Kind, required: bool = False, **kw: Any) -> ColumnSpec:
    return ColumnSpec(name, kind, required, **kw)


def _count(name: str) -> ColumnSpec:
    return ColumnSpec(name, "int", min=0)
