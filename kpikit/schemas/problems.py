"""Problems found in a table and the ``KpiDataError`` messages that name file, column, rows and fix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from kpikit.errors import describe_rows
from kpikit.schemas.spec import _DROP_HINT, TableSpec
from kpikit.schemas.tables import _ORDER_FIX

__all__ = []


@dataclass
class _Problem:
    column: str
    bad: np.ndarray  # boolean, one per row of the frame being checked
    problem: str  # phrase after "<n> rows", with {be}/{have} for agreement
    fix: str
    first: Callable[[int], str] | None = None  # position -> description of that row
    droppable: bool = True


#: How many row labels a repair keeps in ``attrs["repaired"]`` (pandas copies ``attrs`` with every operation).
_KEPT_ROWS = 1000


@dataclass
class _Repair:
    """Values the parser repaired (stripped spaces, placeholders read as empty, ...): reported, never silent."""

    column: str
    rows: np.ndarray  # boolean, one per row of the frame being checked
    what: str  # phrase after "<n> values", with {was} for agreement
    first: Callable[[int], str] | None = None


def _agree(phrase: str, n: int) -> str:
    one = n == 1
    return (
        phrase.replace("{be}", "is" if one else "are")
        .replace("{have}", "has" if one else "have")
        .replace("{was}", "was" if one else "were")
    )


def _repair_lines(source: str, repairs: Sequence[_Repair], rows: _Rows) -> list[dict[str, Any]]:
    """The repairs as records for ``frame.attrs["repaired"]``: column, what was done, count, rows, message.

    ``rows`` holds the first 1,000 rows repaired; ``count`` all of them.
    """
    out = []
    for r in repairs:
        pos = np.flatnonzero(r.rows)
        if not len(pos):
            continue
        n = len(pos)
        first = r.first(int(pos[0])) if r.first is not None else ""
        detail = f" ({rows.describe(pos)}" + (f"; first: {first})" if first else ")")
        what = _agree(r.what, n)
        out.append(
            {
                "column": r.column,
                "repair": what,
                "count": int(n),
                "rows": [x.item() if isinstance(x, np.generic) else x for x in rows.labels[pos[:_KEPT_ROWS]]],
                "message": f"{source}, column '{r.column}': {n} {'value' if n == 1 else 'values'} {what}{detail}.",
            }
        )
    return out


def _fmt_value(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "(empty)"
    if isinstance(v, pd.Timestamp):
        return v.isoformat(sep=" ") if (v.hour or v.minute or v.second) else v.strftime("%Y-%m-%d")
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v)) if abs(v) < 1e15 else repr(float(v))
    return repr(v) if isinstance(v, str) else str(v)


class _Rows:
    """Row identification for messages: file row numbers, or index labels for DataFrames."""

    def __init__(self, labels: Sequence[Any] | np.ndarray, in_file: bool):
        self.labels = np.asarray(labels, dtype=object)
        self.in_file = in_file

    def describe(self, positions: np.ndarray, limit: int = 5) -> str:
        labels = self.labels[positions]
        if self.in_file:
            return "file " + describe_rows([int(x) for x in labels], limit=limit)
        shown = ", ".join(str(x) for x in labels[:limit])
        more = f" (and {len(labels) - limit} more)" if len(labels) > limit else ""
        return f"index {shown}{more}"

    def label(self, position: int) -> str:
        lab = self.labels[position]
        return f"file row {int(lab)}" if self.in_file else f"index {lab}"


def _message(source: str, problems: Sequence[_Problem], rows: _Rows) -> str:
    lines = []
    for p in problems:
        pos = np.flatnonzero(p.bad)
        n = len(pos)
        if n:
            first = p.first(int(pos[0])) if p.first is not None else ""
            detail = f" ({rows.describe(pos)}" + (f"; first: {first})" if first else ")")
            lines.append(
                f"{source}, column '{p.column}': {n} {'row' if n == 1 else 'rows'} "
                f"{_agree(p.problem, n)}{detail}. {p.fix}"
            )
        else:  # a column-level problem without specific rows
            lines.append(f"{source}, column '{p.column}': {_agree(p.problem, 2)}. {p.fix}")
    if len(lines) == 1:
        return lines[0]
    return f"{source}: {len(lines)} problems\n" + "\n".join(f"- {line}" for line in lines)


def _first_value(values: pd.Series) -> Callable[[int], str]:
    return lambda i: _fmt_value(values.iloc[i])


def _pandera_problems(
    err: SchemaErrors, df: pd.DataFrame, spec: TableSpec, labeller: _Rows, raw: pd.DataFrame | None = None
) -> list[_Problem]:
    """The failures pandera found in ``df``, one ``_Problem`` per column and check, worded for people.

    ``raw`` holds the same rows as they were read (an empty cell's first value quotes what the file
    wrote there, e.g. 'null').
    """
    fc = err.failure_cases
    problems: list[_Problem] = []
    n = len(df)
    raw = df if raw is None else raw
    seen: set[tuple[str, str]] = set()
    for (col, check), grp in fc.groupby(["column", "check"], sort=False, dropna=False):
        idx = pd.to_numeric(grp["index"], errors="coerce").dropna().astype(int).unique()
        bad = np.zeros(n, dtype=bool)
        bad[idx[(idx >= 0) & (idx < n)]] = True
        check = str(check)
        if check.startswith("kk|"):
            _, code, name, arg = check.split("|", 3)
        else:
            code, name, arg = check, str(col), ""
        if (code, name + arg) in seen:  # frame-level checks are reported once per column
            continue
        seen.add((code, name + arg))
        if code.startswith("dtype") or code.startswith("column_in_dataframe"):
            problems.append(
                _Problem(
                    str(col),
                    np.zeros(n, dtype=bool),
                    f"has dtype {df[col].dtype if col in df.columns else '?'}, expected {spec.column(str(col)).dtype}",
                    "Read the data with kpikit.io.read_table, which converts it.",
                    None,
                    droppable=False,
                )
            )
            continue
        problem, fix, first = _wording(code, check, name, arg, df, spec, labeller)
        if code == "not_nullable" and name in raw.columns:
            first = _first_value(raw[name])
        problems.append(_Problem(name, bad, problem, fix, first))
    return problems


_Wording = tuple[str, str, Callable[[int], str] | None]


def _wording(
    code: str, check: str, name: str, arg: str, df: pd.DataFrame, spec: TableSpec, labeller: _Rows
) -> _Wording:
    """The problem phrase, the fix and the first-row description of one failed check."""
    if code == "field_uniqueness":
        return _duplicate_wording(df, name, labeller)
    if code == "order":
        return _order_wording(df, spec, name, arg)
    if code == "rule":
        return _rule_wording(df, spec, arg)
    values = df[name] if name in df.columns else None
    first = _first_value(values) if values is not None else None
    if code == "min":
        lo = float(arg)
        is_money = spec.has(name) and spec.column(name).kind == "money"
        if lo == 0:
            problem = f"{{have}} a negative {name}"
            if is_money:
                fix = (
                    "Filter refunds out (or net them against their purchases), pass "
                    "allow_negative=True if negative amounts are intended, " + _DROP_HINT + "."
                )
            else:
                fix = "Fix the export, " + _DROP_HINT + "."
        else:
            problem = f"{{have}} a value below the minimum {_fmt_value(lo)}"
            fix = "Fix the export, " + _DROP_HINT + "."
    elif code == "max":
        problem = f"{{have}} a value above the maximum {_fmt_value(float(arg))}"
        fix = "Fix the export, " + _DROP_HINT + "."
    elif code == "isin":
        allowed = spec.column(name).allowed or ()
        problem = f"{{have}} a value outside {{{', '.join(allowed)}}}"
        fix = (
            f"Map the export's values onto {', '.join(repr(a) for a in allowed)} "
            f'(e.g. df["{name}"].replace({{...}})), ' + _DROP_HINT + "."
        )
    elif code == "not_nullable":
        problem = "{be} empty, but the column is required"
        fix = f"Fill '{name}' in the export, " + _DROP_HINT + "."
    else:
        problem = f"fail the check {check}"
        fix = "Fix the export, " + _DROP_HINT + "."
    return problem, fix, first


def _duplicate_wording(df: pd.DataFrame, name: str, labeller: _Rows) -> _Wording:
    """A duplicate key: the first row names the value and the row that holds it first."""
    problem = "{have} a duplicate key (the column must be unique)"
    keyvals = df[name]
    first_pos = ~keyvals.duplicated(keep="first")
    firsts = pd.Series(np.flatnonzero(first_pos.to_numpy()), index=keyvals[first_pos.to_numpy()].to_numpy())

    def first(i: int) -> str:
        v = keyvals.iloc[i]
        return f"{_fmt_value(v)}, also in {labeller.label(int(firsts.get(v, i)))}"

    fix = (
        f"Remove the duplicates from the export (keep one row per {name}), or pass "
        "drop_invalid=True to keep the first of each (the others will be reported)."
    )
    return problem, fix, first


def _order_wording(df: pd.DataFrame, spec: TableSpec, name: str, other: str) -> _Wording:
    """A time column before the one it may not precede (``end`` before ``start``)."""
    problem = f"{{have}} {name} before {other}"
    a, b = df[name], df[other]

    def first(i: int) -> str:
        ident = _identity(df, spec, i)
        return f"{ident}{other} {_fmt_value(b.iloc[i])}, {name} {_fmt_value(a.iloc[i])}"

    fix = (
        _ORDER_FIX if spec.name == "leads" else (f"Fix the export ({name} cannot precede {other}), " + _DROP_HINT + ".")
    )
    return problem, fix, first


def _rule_wording(df: pd.DataFrame, spec: TableSpec, rule_name: str) -> _Wording:
    """A row rule of the table (``RowRule``): its own phrase and fix, and the columns it shows."""
    rule = next(r for r in spec.rules if r.name == rule_name)

    def first(i: int) -> str:
        return ", ".join(f"{c} {_fmt_value(df[c].iloc[i])}" for c in rule.show if c in df.columns)

    return rule.problem, rule.fix, first


def _identity(df: pd.DataFrame, spec: TableSpec, i: int) -> str:
    for c in spec.key or spec.required[:1]:
        if c in df.columns:
            return f"{c.replace('_id', '')} {df[c].iloc[i]} "
    return ""
