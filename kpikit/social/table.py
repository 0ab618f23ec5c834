"""The social table itself: its count columns, the value checks, brand and date selection, period sums.

Every social KPI reads the canonical ``social`` table through these helpers: the columns are checked
with :func:`kpikit.schemas.require_columns`, then :func:`_check_values` refuses empty cells, counts that
are not non-negative whole numbers and dates that are not datetimes; :func:`_with_period` buckets rows
into periods through :mod:`kpikit.stats.periods`; :func:`_sum` adds counts up while keeping an unknown
cell unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import TABLES, float_values, require_columns, utc_naive
from kpikit.stats import period_start

__all__ = ["COUNT_COLUMNS", "select"]


#: Flow and level columns of the social table that must be non-negative whole counts (its count columns).
COUNT_COLUMNS = TABLES["social"].of_kind("int")


def _check_values(
    social: pd.DataFrame, columns: Sequence[str], table: str = "social", nullable: Sequence[str] = ()
) -> None:
    """Raise KpiDataError for an empty table, empty cells, negative / fractional counts or non-dates.

    The columns must exist (check them first with :func:`kpikit.schemas.require_columns`). Columns in
    ``nullable`` may hold empty cells (unknown, e.g. a competitor's clicks); they stay unknown (NaN) in
    every sum they enter, never 0.
    """
    if len(social) == 0:
        raise KpiDataError(f"{table}: the table has no rows; check the file or the period filter.")
    for c in columns:
        col = social[c]
        bad = col.isna().to_numpy()
        if bad.any() and c not in nullable:
            rows = social.index[bad]
            raise KpiDataError(
                f"{table}, column '{c}': {bad.sum()} empty value(s) ({describe_rows(rows)}). "
                "Fill them in the export (0 where nothing happened) or filter those rows out explicitly."
            )
        if c in COUNT_COLUMNS:
            x = float_values(col)
            known = ~np.isnan(x)
            bad = (~known & ~col.isna().to_numpy()) | (known & ((x < 0) | (x != np.floor(x))))
            if bad.any():
                rows = social.index[bad]
                first = col[bad].iloc[0]
                first = first.item() if hasattr(first, "item") else first
                raise KpiDataError(
                    f"{table}, column '{c}': {bad.sum()} value(s) are not non-negative whole counts "
                    f"({describe_rows(rows)}; first: {first!r}). Social KPIs rest on counts: fix the export."
                )
    if "date" in columns and not pd.api.types.is_datetime64_any_dtype(social["date"]):
        raise KpiDataError(
            f"{table}, column 'date': expected datetimes, got {social['date'].dtype}. "
            "Read the file with kk.read_table(path, 'social') or convert with pd.to_datetime first."
        )


def _require_brands(present: Iterable, brands: Sequence[str], fix: str) -> None:
    """Raise KpiDataError naming the brands of ``brands`` that are not in ``present`` (and those present)."""
    present = set(present)
    unknown = [b for b in brands if b not in present]
    if unknown:
        raise KpiDataError(
            f"social, column 'brand': {', '.join(repr(b) for b in unknown)} not found (brands present: "
            f"{', '.join(sorted(map(str, present)))}). {fix}"
        )


def _with_period(social: pd.DataFrame, freq: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Add a ``period`` column (period start) when ``freq`` is given; return frame and period keys."""
    if freq is None:
        return social, []
    out = social.copy()
    out["period"] = period_start(utc_naive(out["date"], "social, column 'date'"), freq)  # tz-aware: to UTC
    return out, ["period"]


def _sum(frame: pd.DataFrame, keys: list[str], columns: Sequence[str]) -> pd.DataFrame:
    """Sums of count columns per group; a group with an unknown (empty) cell sums to NaN, not 0."""
    cols = list(dict.fromkeys(columns))
    data = frame[keys].copy()
    for c in cols:
        data[c] = float_values(frame[c])
    if keys:
        out = data.groupby(keys, sort=True, dropna=False, observed=True)[cols].sum(skipna=False).reset_index()
    else:
        out = data[cols].sum(skipna=False).to_frame().T.reset_index(drop=True)
    for c in cols:
        if not out[c].isna().any():
            out[c] = out[c].astype("int64")
    return out


def select(
    social: pd.DataFrame,
    brands: Sequence[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Rows of the given brands between ``start`` and ``end`` (inclusive dates), checked.

    A brand missing from the table is an error naming the brands present (a typo must not silently
    drop a competitor); an empty selection is an error naming the table's date range.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (at least date and brand).
    brands : sequence of str, optional
        Brands to keep (the client and its competitors); None keeps every brand.
    start, end : str or Timestamp, optional
        First and last day kept, both included; None leaves that side open.

    Returns
    -------
    DataFrame
        The selected rows, with the table's index.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-05", "2025-02-05"]), "brand": ["A", "B"]})
    >>> select(df, brands=["B"])["brand"].tolist()
    ['B']
    """
    require_columns(social, ["date", "brand"], "social")
    _check_values(social, ["date", "brand"])
    if isinstance(social["date"].dtype, pd.DatetimeTZDtype):  # tz-aware dates are converted to UTC
        social = social.assign(date=utc_naive(social["date"], "social, column 'date'"))
    mask = np.ones(len(social), dtype=bool)
    if brands is not None:
        _require_brands(social["brand"].unique(), brands, "Fix the brand names (client / competitors parameters).")
        mask &= social["brand"].isin(list(brands)).to_numpy()
    if start is not None:
        mask &= (social["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        mask &= (social["date"] < pd.Timestamp(end) + pd.Timedelta(days=1)).to_numpy()
    out = social[mask]
    if out.empty:
        raise KpiDataError(
            f"social: no rows between {start} and {end} for the chosen brands (the table covers "
            f"{social['date'].min():%Y-%m-%d} to {social['date'].max():%Y-%m-%d}). Adjust the period."
        )
    return out
