"""``validate(df, table)``: convert a frame to canonical dtypes and check it against its table."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.schemas.columns import _missing_column_message
from kpikit.schemas.contract import schema
from kpikit.schemas.convert import _Converter
from kpikit.schemas.problems import _agree, _message, _pandera_problems, _Problem, _Rows
from kpikit.schemas.tables import table_spec

__all__ = ['validate']


def validate(
    df: pd.DataFrame,
    table: str,
    source: str | None = None,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
    mapping: Mapping[str, str] | None = None,
    decimal: str = ".",
    tz: str | None = None,
    date_format: str | None = None,
    na_values: Sequence[str] | None = None,
    allow_negative: bool = False,
    drop_invalid: bool = False,
) -> pd.DataFrame:
    """Convert a frame to the canonical dtypes of ``table`` and check it against its schema.

    Column names must already be canonical (``kpikit.io.read_table`` maps them). Values are parsed
    by the kind of their column: numbers ("1,234.50"; "1.234,50" with ``decimal=","``), money with
    currency symbols ("$1,234.50", "€12,50"), percentages ("45%" -> 0.45, percent columns only),
    booleans (true/false, 1/0, yes/no), timestamps (ISO 8601, or ``date_format``; aware values to
    UTC, naive ones localised with ``tz`` when given). Anything that does not parse is an error,
    never a silent NaN. Then the pandera schema of the table checks ranges, allowed values,
    required values, unique keys and the order of time columns.

    Parameters
    ----------
    df : DataFrame
        The data, with canonical column names; extra columns are kept unchanged.
    table : str
        Canonical table name (see ``TABLES``).
    source : str, optional
        Name used in error messages (a file name); default ``"<table> data"``.
    rows : sequence of int, optional
        The row number in the source file of each row of ``df`` (for messages). Without it,
        messages name index labels.
    mapping : dict, optional
        The column mapping applied before (only used to word missing-column errors).
    decimal : {".", ","}
        Decimal mark of numbers written as text; the other mark (and spaces) may group thousands
        in groups of three. So with "." a value "1,234" is 1234, and a column holding "12,5" is an
        error that suggests ``decimal=","`` (kpikit does not guess the convention per value).
    tz : str, optional
        IANA zone of naive timestamps (e.g. "Europe/Berlin"): they are localised and converted to
        UTC. Passing it also accepts columns that mix offsets or aware and naive values.
    date_format : str, optional
        strftime format of timestamp columns when they are not ISO 8601 (e.g. "%d/%m/%Y").
    na_values : sequence of str, optional
        Extra markers meaning "no value" (e.g. ["n/a", "-"]); empty cells always are.
    allow_negative : bool
        Accept negative money values (refunds) in amount/cost/value columns.
    drop_invalid : bool
        Drop rows that fail a row-level check instead of raising; a ``KpiWarning`` says how many
        and why, and ``.attrs["dropped"]`` lists them (column, problem, count, rows). Column-level
        problems (missing columns, mixed time zones, mixed currencies) still raise.

    Returns
    -------
    DataFrame
        A new frame with canonical dtypes (see the module docstring); ``.attrs["table"]`` and
        ``.attrs["source"]`` are set.

    Raises
    ------
    KpiDataError
        "<source>, column '<col>': <n> rows <problem> (file rows ...; first: <value>). <Fix>."
        One line per problem when there are several.

    Examples
    --------
    >>> import pandas as pd, kpikit as kk
    >>> raw = pd.DataFrame({"customer_id": ["c1"], "timestamp": ["2024-03-01T10:00:00+01:00"],
    ...                     "amount": ["$1,234.50"]})
    >>> out = kk.schemas.validate(raw, "transactions")
    >>> out["timestamp"].iloc[0], out["amount"].iloc[0]
    (Timestamp('2024-03-01 09:00:00'), np.float64(1234.5))
    """
    spec = table_spec(table)
    source = source or f"{spec.name} data"
    if not isinstance(df, pd.DataFrame):
        raise KpiDataError(f"{source}: expected a pandas DataFrame, got {type(df).__name__}.")
    original_index = df.index
    if rows is None:
        labeller = _Rows(list(df.index), in_file=False)
    else:
        rows = np.asarray(rows)
        if len(rows) != len(df):
            raise ValueError("rows must give one row number per row of df")
        labeller = _Rows(rows, in_file=True)

    dup = pd.Index(df.columns)[pd.Index(df.columns).duplicated()].unique()
    if len(dup):
        raise KpiDataError(
            f"{source}: column names {', '.join(repr(str(d)) for d in dup)} appear more than once. "
            "Rename or drop the duplicates (or fix the mapping) so each name is used once."
        )
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise KpiDataError(_missing_column_message(source, spec, missing, [str(c) for c in df.columns],
                                                   mapping))

    work = df.reset_index(drop=True)
    conv = _Converter(decimal, tz, date_format, na_values)
    out = {c.name: conv.convert(work[c.name], c) for c in spec.columns if c.name in work.columns}
    work = work.assign(**out) if out else work.copy()

    dropped: list[dict[str, Any]] = []
    positions = np.arange(len(work))  # original position of each remaining row

    def handle(problems: list[_Problem]) -> None:
        nonlocal work, positions, labeller
        if not problems:
            return
        fatal = [p for p in problems if not p.droppable or not p.bad.any()]
        if fatal or not drop_invalid:
            raise KpiDataError(_message(source, fatal if drop_invalid else problems, labeller))
        keep = np.ones(len(work), dtype=bool)
        for p in problems:
            pos = np.flatnonzero(p.bad & keep)
            if len(pos):
                dropped.append({
                    "column": p.column, "problem": _agree(p.problem, len(pos)),
                    "count": int(len(pos)), "rows": [_plain(x) for x in labeller.labels[pos]],
                })
            keep &= ~p.bad
        work = work[keep].reset_index(drop=True)
        positions = positions[keep]
        labeller = _Rows(labeller.labels[keep], labeller.in_file)

    handle(conv.problems)
    try:
        schema(spec.name, allow_negative=allow_negative).validate(work, lazy=True)
    except SchemaErrors as err:
        handle(_pandera_problems(err, work, spec, labeller))

    if dropped:
        n_drop = sum(d["count"] for d in dropped)
        if len(work) == 0:
            raise KpiDataError(f"{source}: every row failed validation ({n_drop} rows); nothing is "
                               "left to analyse. Fix the export.")
        reasons = "; ".join(f"{d['count']} in '{d['column']}' {d['problem']}" for d in dropped)
        warnings.warn(f"{source}: dropped {n_drop} of {len(df)} rows (drop_invalid=True): {reasons}.",
                      KpiWarning, stacklevel=3)
    if rows is None:
        work.index = original_index[positions]
    work.attrs = {"table": spec.name, "source": source}
    if dropped:
        work.attrs["dropped"] = dropped
    return work


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x
