"""The subscription ledger: validated subscriptions, each one's MRR, and customers' MRR per period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import require_columns
from kpikit.stats.periods import period_code, start_alias

__all__ = ["subscription_mrr", "Money", "SamePeriod"]


Money = Literal["decimal", "cents", "float"]


SamePeriod = Literal["exclude", "include", "ignore"]


_TWELFTHS = {"month": 12, "year": 1, "week": 52, "day": 365}


_MOVEMENTS = ["new", "expansion", "contraction", "churn", "reactivation"]


_NEVER = np.iinfo(np.int64).max  # "no end yet", as int64 nanoseconds


def _rows(mask: np.ndarray, frame: pd.DataFrame) -> str:
    return describe_rows([str(i) for i in frame.index[np.asarray(mask)]])


def _validate(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """Check the columns kpikit.subscriptions needs; return a clean working copy."""
    required = ["customer_id", "subscription_id", "start", "amount", "interval"]
    require_columns(
        subscriptions,
        required,
        "subscriptions",
        fix=(
            f"The table needs {', '.join(required)} and optionally end, plan, quantity. Map the export's "
            "names with kk.read_table(..., columns={...})."
        ),
    )
    df = subscriptions.copy()
    if "end" not in df.columns:
        df["end"] = pd.NaT
    for col in ("start", "end"):
        if not pd.api.types.is_datetime64_any_dtype(df[col]):
            if col == "end" and df[col].isna().all():
                df[col] = pd.to_datetime(df[col])
                continue
            raise KpiDataError(
                f"subscriptions, column '{col}': expected datetimes, got {df[col].dtype}. "
                "Read the table with kk.read_table(path, 'subscriptions') or convert with pd.to_datetime."
            )
        if getattr(df[col].dt, "tz", None) is not None:
            df[col] = df[col].dt.tz_convert("UTC").dt.tz_localize(None)
        df[col] = df[col].astype("datetime64[ns]")
    bad = df["start"].isna().to_numpy()
    if bad.any():
        raise KpiDataError(
            f"subscriptions, column 'start': {int(bad.sum())} rows have no start date ({_rows(bad, df)}). "
            "Every subscription needs a start; fix the export."
        )
    bad = (df["end"].notna() & (df["end"] < df["start"])).to_numpy()
    if bad.any():
        i = np.flatnonzero(bad)[0]
        raise KpiDataError(
            f"subscriptions, column 'end': {int(bad.sum())} rows end before they start ({_rows(bad, df)}; "
            f"first: customer {df['customer_id'].iloc[i]} starts {df['start'].iloc[i]:%Y-%m-%d}, ends "
            f"{df['end'].iloc[i]:%Y-%m-%d}). Fix the export."
        )
    amount = pd.to_numeric(df["amount"], errors="coerce")
    bad = (amount.isna() | (amount < 0)).to_numpy()
    if bad.any():
        raise KpiDataError(
            f"subscriptions, column 'amount': {int(bad.sum())} rows are missing, not numbers or negative "
            f"({_rows(bad, df)}). Amounts are the recurring price per interval (>= 0); refunds and "
            "credits belong elsewhere."
        )
    cents = np.rint(amount.to_numpy(dtype=float) * 100)
    bad = np.abs(cents - amount.to_numpy(dtype=float) * 100) > 1e-6 * np.maximum(1, cents)
    if bad.any():
        raise KpiDataError(
            f"subscriptions, column 'amount': {int(bad.sum())} rows have fractions of a cent "
            f"({_rows(bad, df)}). Round amounts to cents in the export so MRR stays exact."
        )
    interval = df["interval"].astype("string").str.strip().str.lower()
    bad = (~interval.isin(list(_TWELFTHS))).fillna(True).to_numpy(dtype=bool)
    if bad.any():
        i = np.flatnonzero(bad)[0]
        raise KpiDataError(
            f"subscriptions, column 'interval': {int(bad.sum())} rows are not one of "
            f"{sorted(_TWELFTHS)} ({_rows(bad, df)}; first: {df['interval'].iloc[i]!r}). "
            "Map the billing period names to month/year (e.g. 'monthly' -> 'month')."
        )
    if "quantity" in df.columns:
        qty = pd.to_numeric(df["quantity"], errors="coerce")
        bad = (qty.isna() | (qty < 1) | (qty % 1 != 0)).to_numpy()
        if bad.any():
            raise KpiDataError(
                f"subscriptions, column 'quantity': {int(bad.sum())} rows are not whole numbers >= 1 "
                f"({_rows(bad, df)}). Fix the export or drop the column."
            )
        qty = qty.to_numpy(dtype=np.int64)
    else:
        qty = np.ones(len(df), dtype=np.int64)
    if df["customer_id"].isna().any() or df["subscription_id"].isna().any():
        bad = (df["customer_id"].isna() | df["subscription_id"].isna()).to_numpy()
        raise KpiDataError(
            f"subscriptions: {int(bad.sum())} rows have no customer_id or subscription_id ({_rows(bad, df)})."
        )
    dup = df["subscription_id"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise KpiDataError(
            f"subscriptions, column 'subscription_id': {int(dup.sum())} rows share an id ({_rows(dup, df)}). "
            "Each subscription must appear once; a plan change is a new subscription."
        )
    df["interval"] = interval.astype(object)
    twelfths = cents.astype(np.int64) * qty * interval.map(_TWELFTHS).to_numpy(dtype=np.int64)
    df["mrr_cents"] = (twelfths + 6) // 12  # round half up, once per subscription
    return df


def subscription_mrr(subscriptions: pd.DataFrame) -> pd.Series:
    """MRR of each subscription in integer cents (the rounding rule of this module).

    mrr_cents = round_half_up(amount_cents x quantity x k / 12) with k = 12 (month), 1 (year),
    52 (week), 365 (day).

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.

    Returns
    -------
    Series
        ``mrr_cents`` (int64) aligned with the table's rows.

    References
    ----------
    ChartMogul Help Center, "MRR" (annual plans count as amount / 12).

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2], "subscription_id": ["a", "b"],
    ...     "start": pd.to_datetime(["2025-01-01"] * 2), "amount": [29.0, 100.0],
    ...     "interval": ["month", "year"]})
    >>> subscription_mrr(subs).tolist()
    [2900, 833]
    """
    return _validate(subscriptions)["mrr_cents"].rename("mrr_cents")


@dataclass
class _Ledger:
    """Customer x boundary MRR matrix and the per-period flags every KPI here is built from."""

    subs: pd.DataFrame
    bounds: pd.DatetimeIndex  # P + 1 boundaries: period p is [bounds[p], bounds[p + 1])
    customers: pd.Index
    code: np.ndarray  # customer code of each subscription
    matrix: np.ndarray  # C x (P + 1) int64 cents: MRR at each boundary
    started: np.ndarray  # C x P bool: a paid subscription of positive length starts in period p
    first_period: np.ndarray  # C int: period of the first paid start (-1: never paid)
    as_of: pd.Timestamp

    @property
    def periods(self) -> pd.DatetimeIndex:
        return self.bounds[:-1]

    @property
    def active(self) -> np.ndarray:
        return self.matrix > 0

    def boundary(self, when) -> int:
        """Index of the boundary (period start) ``when``; KpiDataError naming valid starts otherwise."""
        ts = pd.Timestamp(when)
        hits = np.flatnonzero(self.bounds == ts)
        if hits.size == 0:
            raise KpiDataError(
                f"{ts:%Y-%m-%d} is not a period start for this freq; use one of "
                f"{[f'{d:%Y-%m-%d}' for d in self.periods[:3]]} ... {self.periods[-1]:%Y-%m-%d}."
            )
        return int(hits[0])


def _offset(freq: str) -> pd.DateOffset:
    """The period-start offset of ``freq``.

    A grain of the kit's period table (:mod:`kpikit.stats.periods`: "MS", "M", "ME", "QS", "Q", "QE", "YS",
    "Y", "YE", "W", "D", ...) gives the calendar periods of that grain, labelled by their first day; any
    other pandas offset alias ("W-MON", "2MS") is used as written, its dates being the period starts.
    """
    try:
        period_code(freq)
    except KpiDataError:
        pass
    else:
        freq = start_alias(freq)
    try:
        return to_offset(freq)
    except (ValueError, TypeError):
        raise KpiDataError(f"freq must be a pandas offset alias such as 'MS', 'QS' or 'YS' (got {freq!r}).") from None


def _period_bounds(first: pd.Timestamp, last: pd.Timestamp, offset: pd.DateOffset) -> pd.DatetimeIndex:
    """Boundaries of the periods from the one holding ``first`` to the one holding ``last``.

    P + 1 boundaries for P periods: period p is ``[bounds[p], bounds[p + 1])``.
    """
    bounds = pd.date_range(offset.rollback(first.normalize()), offset.rollback(last.normalize()), freq=offset)
    return bounds.append(pd.DatetimeIndex([bounds[-1] + offset]))


def _as_of(df: pd.DataFrame, as_of) -> pd.Timestamp:
    """The last day of the data: ``as_of`` when given, else the latest start (see the package notes)."""
    return pd.Timestamp(df["start"].max() if as_of is None else as_of)


def _ledger(subscriptions: pd.DataFrame, freq: str, as_of=None) -> _Ledger:
    """Validate ``subscriptions`` and build the customer x boundary ledger of ``freq`` up to ``as_of``."""
    df = _validate(subscriptions)
    if df.empty:
        raise KpiDataError("subscriptions is empty: there is nothing to measure.")
    offset = _offset(freq)
    as_of = _as_of(df, as_of)
    if offset.rollback(as_of.normalize()) < offset.rollback(df["start"].min().normalize()):
        raise KpiDataError(f"as_of ({as_of:%Y-%m-%d}) is before the first subscription starts.")
    bounds = _period_bounds(df["start"].min(), as_of, offset)
    code, customers = pd.factorize(df["customer_id"], sort=True)
    n_c, n_b = len(customers), len(bounds)
    b = bounds.asi8
    s = df["start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    e = df["end"].to_numpy().astype("datetime64[ns]")
    e = np.where(np.isnat(e), _NEVER, e.astype(np.int64))
    keep = (e > s) & (df["mrr_cents"].to_numpy() > 0) & (s < b[-1])
    # active at boundary b when start < b <= end: the state after every event dated before b
    j0 = np.searchsorted(b, s[keep], side="right")  # first boundary after the start
    j1 = np.searchsorted(b, e[keep], side="right")  # first boundary after the end (exclusive)
    diff = np.zeros((n_c, n_b + 1), dtype=np.int64)
    m = df["mrr_cents"].to_numpy(dtype=np.int64)[keep]
    np.add.at(diff, (code[keep], j0), m)
    np.add.at(diff, (code[keep], j1), -m)
    matrix = np.cumsum(diff[:, :n_b], axis=1)
    period_of_start = np.searchsorted(b, s[keep], side="right") - 1
    started = np.zeros((n_c, n_b - 1), dtype=bool)
    inside = (period_of_start >= 0) & (period_of_start < n_b - 1)
    started[code[keep][inside], period_of_start[inside]] = True
    first_period = np.where(started.any(axis=1), started.argmax(axis=1), -1)
    return _Ledger(df, bounds, pd.Index(customers), code, matrix, started, first_period, as_of)


def _money(cents: np.ndarray, money: Money):
    cents = np.asarray(cents, dtype=np.int64)
    if money == "cents":
        return cents
    if money == "float":
        return cents / 100.0
    if money == "decimal":
        return np.array([Decimal(int(c)).scaleb(-2) for c in cents], dtype=object)
    raise KpiDataError(f"money must be 'decimal', 'cents' or 'float' (got {money!r}).")


def _add_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Add whole months to datetime64[ns] values, clipping the day to the target month's length."""
    d = dates.astype("datetime64[ns]")
    ym = d.astype("datetime64[M]")
    day = (d.astype("datetime64[D]") - ym.astype("datetime64[D]")).astype(np.int64)
    tod = d - d.astype("datetime64[D]").astype("datetime64[ns]")
    target = ym + months.astype(np.int64)
    dim = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return (
        target.astype("datetime64[D]").astype("datetime64[ns]")
        + np.minimum(day, dim - 1).astype("timedelta64[D]")
        + tod
    )
