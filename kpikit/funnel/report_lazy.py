"""Notebook 02's readings of lazy events and attempts: the few figures it needs, asked of the backend.

When the report's events are an Ibis table (a folder of Parquet parts opened by DuckDB, a warehouse
table), :mod:`kpikit.funnel.report` asks the backend for what it reads off the events or the
attempts, and only those small answers come back to pandas:

- :func:`time_span`: the first and last time of a column (one aggregate);
- :func:`has_rows`: whether any row falls in [start, end) (one aggregate);
- :func:`took_facts`: how long the converting attempts took (count, longest, median) and how many
  took at most each band's duration (two aggregates); the same numbers as the pandas path's, the
  median the mean of the two middle values as pandas takes it (DuckDB and Spark; BigQuery's is its
  approximate quantile).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpikit.engine.tables import backend_name, check_columns, count, epoch_ns
from kpikit.io.lazy import collect, is_lazy

__all__ = ["time_span", "has_rows", "took_facts"]


def _bounded(table: Any, col: str, start: Any, end: Any) -> Any:
    """The rows of a lazy table whose ``col`` is in [start, end) (either bound may be None)."""
    if start is not None:
        table = table.filter(table[col] >= pd.Timestamp(start).to_pydatetime())
    if end is not None:
        table = table.filter(table[col] < pd.Timestamp(end).to_pydatetime())
    return table


def time_span(table: Any, col: str, what: str = "events") -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last value of a time column, or None when it holds none.

    Parameters
    ----------
    table : DataFrame or Ibis table
        The table.
    col : str
        Its time column.
    what : str
        How a message names the table.

    Returns
    -------
    tuple of Timestamp, or None

    Examples
    --------
    >>> ev = pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-02", "2025-03-04"])})
    >>> [str(t.date()) for t in time_span(ev, "timestamp")]
    ['2025-01-02', '2025-03-04']
    """
    if not is_lazy(table):
        times = pd.to_datetime(table[col]).dropna()
        return None if times.empty else (times.min(), times.max())
    check_columns(table, [col], what)
    row = collect(table.aggregate(lo=table[col].min(), hi=table[col].max())).iloc[0]
    return None if pd.isna(row["lo"]) else (pd.Timestamp(row["lo"]), pd.Timestamp(row["hi"]))


def has_rows(table: Any, col: str, start: Any, end: Any) -> bool:
    """Whether any row's ``col`` falls in [start, end).

    Parameters
    ----------
    table : DataFrame or Ibis table
        The table.
    col : str
        Its time column.
    start, end : Timestamp or None
        The bounds (``end`` exclusive); None leaves that side open.

    Returns
    -------
    bool

    Examples
    --------
    >>> ev = pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-02"])})
    >>> has_rows(ev, "timestamp", "2025-01-01", "2025-02-01"), has_rows(ev, "timestamp", "2025-02-01", None)
    (True, False)
    """
    if not is_lazy(table):
        times = table[col]
        keep = pd.Series(True, index=times.index)
        if start is not None:
            keep &= times >= pd.Timestamp(start)
        if end is not None:
            keep &= times < pd.Timestamp(end)
        return bool(keep.any())
    inside = _bounded(table, col, start, end)
    return count(collect(inside.aggregate(n=inside.count()))["n"].iloc[0]) > 0


def took_facts(
    attempts: Any, first_col: str, last_col: str, limit: pd.Timedelta | None, bands: Sequence[pd.Timedelta]
) -> dict:
    """How long the attempts that reached ``last_col`` took from ``first_col``, as counts.

    Parameters
    ----------
    attempts : DataFrame or Ibis table
        :func:`~kpikit.funnel.funnel_attempts` (``step_<k>_at`` columns).
    first_col, last_col : str
        The step-time columns the time is counted between.
    limit : Timedelta or None
        The last band (the conversion window); None: the longest time taken.
    bands : sequence of Timedelta
        The shorter bands, each counted when below the limit.

    Returns
    -------
    dict
        ``n`` (attempts that converted), ``limit`` (Timedelta), ``bands`` (the durations counted, the
        limit last), ``within`` (how many took at most each, int array), ``median`` (Timedelta, NaT
        when none converted).

    Examples
    --------
    >>> at = pd.DataFrame({"step_1_at": pd.to_datetime(["2025-01-01 10:00"] * 2),
    ...                    "step_2_at": pd.to_datetime(["2025-01-01 10:05", "2025-01-02 10:00"])})
    >>> f = took_facts(at, "step_1_at", "step_2_at", pd.Timedelta("7D"), [pd.Timedelta("1h")])
    >>> f["n"], f["within"].tolist(), str(f["median"])
    (2, [1, 2], '0 days 12:02:30')
    """
    if not is_lazy(attempts):
        took = (attempts[last_col] - attempts[first_col]).dropna()
        limit = limit if limit is not None else (took.max() if len(took) else pd.NaT)
        kept = [d for d in bands if pd.notna(limit) and d < limit] + [limit]
        within = np.array([int((took <= d).sum()) for d in kept])
        return {"n": len(took), "limit": limit, "bands": kept, "within": within, "median": took.median()}
    check_columns(attempts, [first_col, last_col], "attempts")
    backend = backend_name(attempts)
    done = attempts.filter(attempts[first_col].notnull() & attempts[last_col].notnull())
    ns = (epoch_ns(backend, done[last_col]) - epoch_ns(backend, done[first_col])).name("took")
    took = done.select(ns)
    head = collect(took.aggregate(n=took.count(), longest=took.took.max(), median=took.took.median())).iloc[0]
    n = count(head["n"])
    if limit is None:
        limit = pd.Timedelta(int(head["longest"]), "ns") if n else pd.NaT
    kept = [d for d in bands if pd.notna(limit) and d < limit] + [limit]
    if n:
        counted = {f"b{i}": took.count(where=took.took <= int(d.value)) for i, d in enumerate(kept)}
        row = collect(took.aggregate(**counted)).iloc[0]
        within = np.array([count(row[f"b{i}"]) for i in range(len(kept))])
    else:
        within = np.zeros(len(kept), dtype=int)
    median = pd.Timedelta(float(head["median"]), "ns") if n else pd.NaT
    return {"n": n, "limit": limit, "bands": kept, "within": within, "median": median}
