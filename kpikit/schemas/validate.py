"""``validate(df, table)``: convert a frame to canonical dtypes and check it against its table.

What is repaired, each with its count in a ``KpiWarning`` and in ``frame.attrs["repaired"]``:
surrounding spaces of IDs (stripped); the placeholders "null", "NULL", "N/A", "None", "-" (and the
others of ``kpikit.schemas.ids.MISSING_WORDS``) in ID columns (read as empty); a column of whole
IDs written as "1001.0" (read as "1001"); far-future "no end yet" dates (9999-12-31) in an
open-ended column such as ``subscriptions.end`` (read as empty: still active).

What is refused, with a ``KpiDataError`` naming the file, the column, the rows and the fix: IDs whose
digits are lost (Excel's "1.23457E+11", floats of 2**53 and more); dates before 1678 (0001-01-01),
and from 2262 on outside open-ended columns; counts beyond the 64-bit range; slash dates whose day
and month order no value of the file tells; numbers whose decimal mark no value of the file tells
("12,500" meaning 12500 or 12.5), and files mixing both marks.
"""

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
from kpikit.schemas.problems import _agree, _message, _pandera_problems, _Problem, _repair_lines, _Rows
from kpikit.schemas.spec import TableSpec
from kpikit.schemas.tables import table_spec

__all__ = ["validate"]


def validate(
    df: pd.DataFrame,
    table: str,
    source: str | None = None,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
    mapping: Mapping[str, str] | None = None,
    decimal: str | None = None,
    tz: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Sequence[str] | None = None,
    allow_negative: bool = False,
    drop_invalid: bool = False,
) -> pd.DataFrame:
    """Convert a frame to the canonical dtypes of ``table`` and check it against its schema.

    Column names must already be canonical (``kpikit.io.read_table`` maps them). Values are parsed
    by the kind of their column: IDs as exact text, numbers ("1,234.50"), money ("$1,234.50"),
    percentages ("45%" -> 0.45), booleans (true/false, 1/0, yes/no), timestamps (ISO 8601, "... UTC",
    day-month dates in the file's order, or ``date_format``; offsets converted to UTC). What does not
    parse is an error, never a silent NaN; repairs are reported (the module docstring lists them and
    what is refused). Then the table's pandera schema checks ranges, allowed values, required
    values, unique keys and the order of time columns.

    Parameters
    ----------
    df : DataFrame
        The data, with canonical column names; extra columns are kept unchanged.
    table : str
        Canonical table name (see ``TABLES``).
    source : str, optional
        Name in messages (a file name); default ``"<table> data"``.
    rows : sequence of int, optional
        The file row number of each row of ``df`` (for messages); without it, index labels.
    mapping : dict, optional
        The column mapping applied before (it words missing-column errors).
    decimal : {None, ".", ",", "auto"}
        Decimal mark of numbers written as text; the other mark (and spaces) may group thousands.
        ``"."``: "1,234" is 1234, "12,5" an error suggesting ``decimal=","``; ``","`` the reverse.
        None decides from the whole frame's values ("3.5" proves ".", "3,5" proves ",", a count
        "12,500" proves "," groups thousands): a frame proving "," is refused with the fix
        ``decimal=","``, one proving both marks is refused, and "12,500" in a measure with nothing
        proving either is a question. ``"auto"``: as None, but a frame proving "," is read so.
    tz : str, optional
        IANA zone of naive timestamps ("Europe/Berlin"), also for columns mixing them with aware ones.
    date_format : str, optional
        strftime format of time columns not in ISO 8601 ("%d/%m/%Y"); a value not matching it is an error.
    dayfirst : bool, optional
        Order of day and month in slash dates such as 03/04/2024 (True: 3 April). None infers it
        from the frame's time columns (25/03/2024 proves day first); when every date is ambiguous
        the column is refused with the question. ``date_format``, when given, decides instead.
    na_values : sequence of str, optional
        Extra markers meaning "no value" (e.g. ["n/a", "-"]); empty cells always are.
    allow_negative : bool
        Accept negative money values (refunds).
    drop_invalid : bool
        Drop rows that fail a row-level check instead of raising, reported in a ``KpiWarning`` and
        ``.attrs["dropped"]``. Column-level problems (missing columns, mixed currencies, questions
        about the decimal mark or the order of dates) still raise.

    Returns
    -------
    DataFrame
        Canonical dtypes (see ``kpikit.schemas``). ``.attrs``: ``table``, ``source``; ``repaired``
        (column, repair, count, rows, message); ``inferred`` (``dayfirst``, ``decimal`` read from values).

    Raises
    ------
    KpiDataError
        "<source>, column '<col>': <n> rows <problem> (file rows ...; first: <value>). <Fix>." (a line each)

    Warns
    -----
    KpiWarning
        Values repaired ("<source>, column '<col>': <n> values <repair> (file rows ...)"); rows dropped.

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
    labeller, work = _labeller(df, source, rows), df.reset_index(drop=True)
    _check_names(df, spec, source, mapping)
    conv = _Converter(work, spec, decimal, tz, date_format, na_values, dayfirst)
    out = {c.name: conv.convert(work[c.name], c) for c in spec.columns if c.name in work.columns}
    kept = _Kept(work.assign(**out) if out else work.copy(), labeller, source, drop_invalid)
    kept.handle(conv.problems)
    try:
        schema(spec.name, allow_negative=allow_negative).validate(kept.frame, lazy=True)
    except SchemaErrors as err:
        raw = work.iloc[kept.positions].reset_index(drop=True)
        kept.handle(_pandera_problems(err, kept.frame, spec, kept.labeller, raw))
    return _reported(df, spec.name, kept, conv, labeller, rows is None)


def _reported(df: pd.DataFrame, table: str, kept: _Kept, conv: _Converter, labeller: _Rows, relabel: bool):
    """The validated frame with its attrs; the repairs and the dropped rows reported in KpiWarnings."""
    source = kept.source
    repaired = _repair_lines(source, conv.repairs, labeller)
    if repaired:
        lines = "; ".join(r["message"] for r in repaired)
        warnings.warn(f"{source}: repaired values: {lines}", KpiWarning, stacklevel=3)
    if kept.dropped:
        warnings.warn(kept.drop_report(len(df)), KpiWarning, stacklevel=3)
    work = kept.frame
    if relabel:
        work.index = df.index[kept.positions]
    work.attrs = {"table": table, "source": source}
    if kept.dropped:
        work.attrs["dropped"] = kept.dropped
    if repaired:
        work.attrs["repaired"] = repaired
    if conv.inferred:
        work.attrs["inferred"] = dict(conv.inferred)
    return work


def _labeller(df: pd.DataFrame, source: str, rows: Sequence[int] | np.ndarray | None) -> _Rows:
    """How messages name the rows of ``df``: its file row numbers when given, else its index labels."""
    if not isinstance(df, pd.DataFrame):
        raise KpiDataError(f"{source}: expected a pandas DataFrame, got {type(df).__name__}.")
    if rows is None:
        return _Rows(list(df.index), in_file=False)
    rows = np.asarray(rows)
    if len(rows) != len(df):
        raise ValueError("rows must give one row number per row of df")
    return _Rows(rows, in_file=True)


def _check_names(df: pd.DataFrame, spec: TableSpec, source: str, mapping: Mapping[str, str] | None) -> None:
    """Raise when a column name appears twice or a required column of ``spec`` is missing."""
    dup = pd.Index(df.columns)[pd.Index(df.columns).duplicated()].unique()
    if len(dup):
        raise KpiDataError(
            f"{source}: column names {', '.join(repr(str(d)) for d in dup)} appear more than once. "
            "Rename or drop the duplicates (or fix the mapping) so each name is used once."
        )
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise KpiDataError(_missing_column_message(source, spec, missing, [str(c) for c in df.columns], mapping))


class _Kept:
    """The rows of a frame still kept while its problems are handled.

    ``frame`` holds them (with a fresh RangeIndex), ``positions`` their positions in the input,
    ``labeller`` their names in messages and ``dropped`` the log of what ``drop_invalid`` removed.
    """

    def __init__(self, frame: pd.DataFrame, labeller: _Rows, source: str, drop_invalid: bool):
        self.frame = frame
        self.positions = np.arange(len(frame))
        self.labeller = labeller
        self.source = source
        self.drop_invalid = drop_invalid
        self.dropped: list[dict[str, Any]] = []

    def handle(self, problems: list[_Problem]) -> None:
        """Raise the problems as one KpiDataError, or (``drop_invalid``) drop their rows and log them.

        Column-level problems, and problems that cannot be dropped, raise even with ``drop_invalid``.
        """
        if not problems:
            return
        fatal = [p for p in problems if not p.droppable or not p.bad.any()]
        if fatal or not self.drop_invalid:
            raise KpiDataError(_message(self.source, fatal if self.drop_invalid else problems, self.labeller))
        keep = np.ones(len(self.frame), dtype=bool)
        for p in problems:
            pos = np.flatnonzero(p.bad & keep)
            if len(pos):
                self.dropped.append(
                    {
                        "column": p.column,
                        "problem": _agree(p.problem, len(pos)),
                        "count": int(len(pos)),
                        "rows": [_plain(x) for x in self.labeller.labels[pos]],
                    }
                )
            keep &= ~p.bad
        self.frame = self.frame[keep].reset_index(drop=True)
        self.positions = self.positions[keep]
        self.labeller = _Rows(self.labeller.labels[keep], self.labeller.in_file)

    def drop_report(self, n_input: int) -> str:
        """The warning on the rows dropped from ``n_input``; a KpiDataError when none is left."""
        n_drop = sum(d["count"] for d in self.dropped)
        if len(self.frame) == 0:
            raise KpiDataError(
                f"{self.source}: every row failed validation ({n_drop} rows); nothing is left to analyse. "
                "Fix the export."
            )
        reasons = "; ".join(f"{d['count']} in '{d['column']}' {d['problem']}" for d in self.dropped)
        return f"{self.source}: dropped {n_drop} of {n_input} rows (drop_invalid=True): {reasons}."


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x
