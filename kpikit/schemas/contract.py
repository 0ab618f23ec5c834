"""The pandera schema of each canonical table, built from ``TABLES``."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from kpikit.schemas.spec import RowRule
from kpikit.schemas.tables import table_spec

__all__ = ["schema"]


def _err(code: str, column: str, arg: str = "") -> str:
    # The error string pandera reports for a failed check; parsed back in _pandera_problems.
    return f"kk|{code}|{column}|{arg}"


def _not_before(col: str, other: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        if col not in df.columns or other not in df.columns:
            return pd.Series(True, index=df.index)
        return ~(df[col] < df[other]).fillna(False).astype(bool)

    return check


def _rule_check(rule: RowRule) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        if not all(c in df.columns for c in rule.needs):
            return pd.Series(True, index=df.index)
        return rule.check(df).fillna(True).astype(bool)

    return check


def schema(table: str, allow_negative: bool = False) -> pa.DataFrameSchema:
    """The pandera schema of a canonical table, built from ``TABLES``.

    Parameters
    ----------
    table : str
        Canonical table name (a key of ``TABLES``).
    allow_negative : bool
        Drop the ``>= 0`` check of money columns (amount, cost, value), for data that keeps refunds.

    Returns
    -------
    pandera.DataFrameSchema
        Columns with canonical dtypes, nullability, ranges, allowed values and uniqueness; optional
        columns are ``required=False``; unknown columns are allowed (``strict=False``); cross-column
        rules ("not before", survey score ranges, quartile order) are DataFrame-level checks.
        The schema checks frames already in canonical dtypes: use ``validate`` (or
        ``kpikit.io.read_table``) for raw frames, which converts them first and words the errors.

    Examples
    --------
    >>> import kpikit as kk
    >>> s = kk.schemas.schema("spend")
    >>> sorted(s.columns)
    ['category', 'channel', 'cost', 'period']
    """
    spec = table_spec(table)
    cols = {}
    frame_checks = []
    for c in spec.columns:
        checks = []
        lo = c.min
        if lo is not None and not (allow_negative and c.kind == "money"):
            checks.append(pa.Check(lambda s, lo=lo: s >= lo, error=_err("min", c.name, str(lo))))
        if c.max is not None:
            checks.append(pa.Check(lambda s, hi=c.max: s <= hi, error=_err("max", c.name, str(c.max))))
        if c.allowed is not None:
            allowed = list(c.allowed)
            checks.append(pa.Check(lambda s, a=allowed: s.isin(a), error=_err("isin", c.name)))
        cols[c.name] = pa.Column(
            c.dtype,
            checks=checks,
            nullable=c.nullable,
            unique=c.unique,
            report_duplicates="exclude_first",
            required=c.required,
        )
        if c.not_before is not None:
            frame_checks.append(pa.Check(_not_before(c.name, c.not_before), error=_err("order", c.name, c.not_before)))
    for rule in spec.rules:
        frame_checks.append(pa.Check(_rule_check(rule), error=_err("rule", rule.column, rule.name)))
    return pa.DataFrameSchema(cols, checks=frame_checks, strict=False, coerce=False, name=spec.name)
