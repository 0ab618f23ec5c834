"""RFM summaries of transactions (frequency, recency, T, monetary value) and calibration/holdout splits."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import (
    KpiDataError,
    KpiWarning,
    describe_rows,
)
from kpikit.schemas import require_columns, utc_naive
from kpikit.stats.periods import GRAINS

__all__ = ["rfm_summary", "calibration_holdout", "holdout_split", "DAYS_PER", "UNIT_NAMES"]


#: Length of the calendar periods used to convert between a model's time unit and CLV periods, in days.
DAYS_PER = {**{code: g.days for code, g in GRAINS.items()}, "h": 1.0 / 24.0}


#: Words for the time units, for labels.
UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years", "h": "hours"}


_SUMMARY_COLS = ("frequency", "recency", "T")


#: What to do about a transactions table that lacks a column.
_TRANSACTIONS_FIX = "Rename the export's columns or pass customer_col=/time_col=/amount_col=."


def _bad_rows(mask: np.ndarray) -> str:
    return describe_rows((np.flatnonzero(mask) + 1).tolist())


def _period_ordinals(times: pd.Series, freq: str) -> np.ndarray:
    return times.dt.to_period(freq).array.asi8


def _unit_factor(freq: str, unit: str | None) -> float:
    """How many ``unit`` make one ``freq`` period (1.0 when unit is None or equal)."""
    if unit is None or unit == freq:
        return 1.0
    fixed = {"D": 1.0, "W": 7.0, "h": 1.0 / 24.0}
    if freq not in fixed or unit not in fixed:
        raise KpiDataError(
            f"unit={unit!r} with freq={freq!r}: a unit other than freq needs both to be fixed-length "
            "periods ('h', 'D' or 'W'). Use freq='D', unit='W' for recency and T in weeks of days."
        )
    return fixed[freq] / fixed[unit]


def _validated_transactions(
    transactions, customer_col, time_col, amount_col, extra=(), refunds: str = "refuse"
) -> pd.DataFrame:
    if not isinstance(transactions, pd.DataFrame):
        raise KpiDataError("transactions must be a pandas DataFrame (the canonical transactions table).")
    require_columns(transactions, [customer_col, time_col, amount_col, *extra], "transactions", fix=_TRANSACTIONS_FIX)
    tx = transactions[[customer_col, time_col, amount_col, *extra]].reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(tx[time_col]):
        raise KpiDataError(
            f"transactions, column {time_col!r}: expected datetime64 values, got {tx[time_col].dtype}. "
            "Read the table with kpikit.io.read_table (it parses timestamps) or use pd.to_datetime."
        )
    tx[time_col] = utc_naive(tx[time_col], f"transactions, column {time_col!r}")  # tz-aware: to UTC
    for col in (customer_col, time_col):
        bad = tx[col].isna().to_numpy()
        if bad.any():
            raise KpiDataError(
                f"transactions, column {col!r}: {int(bad.sum())} missing value(s) ({_bad_rows(bad)}). "
                "Every transaction needs a customer and a timestamp; fix or remove these rows in the export."
            )
    if not pd.api.types.is_numeric_dtype(tx[amount_col]):
        raise KpiDataError(
            f"transactions, column {amount_col!r}: expected numbers, got {tx[amount_col].dtype}. "
            "Strip currency symbols and thousands separators (kpikit.io.read_table does)."
        )
    amount = tx[amount_col].to_numpy(dtype=float)
    bad = ~np.isfinite(amount)
    if bad.any():
        raise KpiDataError(
            f"transactions, column {amount_col!r}: {int(bad.sum())} missing or infinite amount(s) "
            f"({_bad_rows(bad)}). Fill them from the order system or remove the rows before the summary."
        )
    if refunds not in ("refuse", "net"):
        raise KpiDataError(f"refunds must be 'refuse' or 'net' (got {refunds!r}).")
    bad = amount < 0
    if bad.any() and refunds == "refuse":
        raise KpiDataError(
            f"transactions, column {amount_col!r}: {int(bad.sum())} negative amount(s) ({_bad_rows(bad)}). "
            "Refunds are not purchases: net them against their orders before the RFM summary, or pass "
            "refunds='net' to net each against the same customer's latest earlier purchases (reported)."
        )
    if bad.any():
        tx, report = _net_refunds(tx, customer_col, time_col, amount_col)
        _warn_refunds(report, amount_col)
        tx.attrs["refunds"] = report
    return tx


def _net_refunds(tx: pd.DataFrame, customer_col: str, time_col: str, amount_col: str) -> tuple[pd.DataFrame, dict]:
    """Net each negative amount against the same customer's latest purchases at or before it (newest first).

    A refund without an order reference is taken off the customer's most recent purchase on or
    before its time, the rest off the purchase before, and so on; purchases brought to 0 are
    cancelled (removed); what no earlier purchase can absorb is left out and counted as unmatched.
    Returns the purchases that remain (positive or zero amounts, original order) and the counts.
    """
    amount = tx[amount_col].to_numpy(dtype=float).copy()
    refund = amount < 0
    touched = tx[customer_col].isin(tx.loc[refund, customer_col].unique()).to_numpy()
    sub = tx.loc[touched]
    # time order per customer, purchases before refunds at the same instant
    order = np.lexsort((refund[touched], sub[time_col].to_numpy(), sub[customer_col].to_numpy()))
    rows = np.flatnonzero(touched)[order]
    customers = tx[customer_col].to_numpy()[rows]
    unmatched_n, unmatched_amount, stack, last = 0, 0.0, [], None
    for i, c in zip(rows, customers):
        if c != last:
            stack, last = [], c
        if not refund[i]:
            stack.append(i)
            continue
        left = -amount[i]
        while left > 0 and stack:
            j = stack[-1]
            take = min(left, amount[j])
            amount[j] -= take
            left -= take
            if amount[j] <= 0:
                stack.pop()
        if left > 0:
            unmatched_n += 1
            unmatched_amount += left
    cancelled = (~refund) & (amount <= 0) & (tx[amount_col].to_numpy(dtype=float) > 0)
    keep = ~refund & ~cancelled
    out = tx.loc[keep].assign(**{amount_col: amount[keep]}).reset_index(drop=True)
    report = {
        "refunds": int(refund.sum()),
        "refund_amount": float(-tx.loc[refund, amount_col].sum()),
        "cancelled_purchases": int(cancelled.sum()),
        "unmatched_refunds": unmatched_n,
        "unmatched_amount": float(unmatched_amount),
    }
    return out, report


def _warn_refunds(report: dict, amount_col: str) -> None:
    unmatched = (
        f"; {report['unmatched_refunds']} refund(s) with {report['unmatched_amount']:,.2f} left over had no earlier "
        "purchase of the same customer to net against and were left out"
        if report["unmatched_refunds"]
        else ""
    )
    warnings.warn(
        f"transactions, column {amount_col!r}: {report['refunds']} refund(s) totalling "
        f"{report['refund_amount']:,.2f} netted against the same customers' latest earlier purchases "
        f"(refunds='net'); {report['cancelled_purchases']} purchase(s) refunded in full were removed{unmatched}. "
        "The counts are in attrs['refunds'].",
        KpiWarning,
        stacklevel=4,
    )


def rfm_summary(
    transactions: pd.DataFrame,
    observation_end: str | pd.Timestamp | None = None,
    freq: str = "D",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    unit: str | None = None,
    keep_first: Sequence[str] | str | None = (),
    refunds: Literal["refuse", "net"] = "refuse",
) -> pd.DataFrame:
    """Recency-frequency-monetary summary, one row per customer (the input of the CLV models).

    Purchases are first grouped into periods of ``freq``; purchases in the same period count once and
    their amounts add up. Then, per customer, with periods counted from the first purchase:

    - frequency = number of purchase periods - 1 (repeat purchases),
    - recency = last purchase period - first purchase period,
    - T = period of ``observation_end`` - first purchase period,
    - monetary_value = mean amount of the repeat purchase periods (the first one excluded); 0 when
      frequency is 0.

    These are the conventions of Fader and Hardie's papers (x, t_x, T, z-bar) and of the lifetimes
    package. Transactions after ``observation_end`` are outside the window and not counted (that is
    what :func:`calibration_holdout` uses); a purchase in the period of ``observation_end`` counts.

    Refunds and cancellations exported as negative amounts without an order reference are refused by
    default (a refund is not a purchase). With ``refunds="net"`` each is netted against the same
    customer's latest purchases at or before it, newest first (over the whole table, before the
    window is applied); purchases refunded in full are removed, and a refund with no earlier purchase
    to absorb it is left out. A KpiWarning gives the counts, also in ``attrs["refunds"]`` (refunds,
    refund_amount, cancelled_purchases, unmatched_refunds, unmatched_amount).

    Parameters
    ----------
    transactions : DataFrame
        Canonical ``transactions`` table: customer_id, timestamp (tz-naive UTC), amount (>= 0; negative
        amounts only with ``refunds="net"``).
    observation_end : str or Timestamp, optional
        End of the observation window; defaults to the last transaction.
    freq : str
        Period grain as a pandas period alias: "D" days (default), "W" weeks, "M" months.
    customer_col, time_col, amount_col : str
        Column names.
    unit : str, optional
        Time unit of recency and T when it differs from ``freq`` (fixed-length periods only): with
        ``freq="D", unit="W"``, purchases are grouped by day and recency/T are days / 7, the
        convention of the CDNOW data in Fader, Hardie and Lee (2005).
    keep_first : sequence of str, str or None
        Columns whose value on the customer's first purchase is kept (e.g. ``["channel"]``, the
        acquisition channel); one name, or None for none (what :func:`segment_column` returns when
        the transactions carry no segment).
    refunds : {"refuse", "net"}
        Negative amounts: refused with a KpiDataError (default), or netted per customer (see above).

    Returns
    -------
    DataFrame
        One row per customer, sorted by customer: ``customer_col``, frequency (int), recency, T,
        monetary_value, first_purchase (timestamp), first_value (amount of the first period), and the
        ``keep_first`` columns. ``attrs["unit"]`` holds the time unit of recency and T, and
        ``attrs["refunds"]`` the netting counts when refunds were netted.

    References
    ----------
    Fader, Hardie and Lee (2005), "'Counting your customers' the easy way", Marketing Science 24(2).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
    ...     "amount": [10.0, 5.0, 20.0, 8.0]})
    >>> rfm_summary(tx, observation_end="2024-01-31")[["customer_id", "frequency", "recency", "T",
    ...     "monetary_value"]]
      customer_id  frequency  recency     T  monetary_value
    0           a          1     10.0  30.0            20.0
    1           b          0      0.0  26.0             0.0
    """
    keep_first = _columns(keep_first)
    tx = _validated_transactions(transactions, customer_col, time_col, amount_col, keep_first, refunds)
    netted = tx.attrs.get("refunds")
    factor = _unit_factor(freq, unit)
    if tx.empty:
        raise KpiDataError("transactions: the table is empty; an RFM summary needs at least one purchase.")
    end_ord, tx = _window(tx, observation_end, freq, customer_col, time_col)
    out = _per_customer(tx, end_ord, factor, customer_col, time_col, amount_col)
    if keep_first:
        # the first row per customer (rows are sorted by customer and time); missing values stay missing
        firsts = tx.drop_duplicates(customer_col, keep="first").set_index(customer_col)[keep_first]
        firsts = firsts.reindex(out[customer_col])
        for col in keep_first:
            out[col] = firsts[col].to_numpy()
    out.attrs["unit"] = unit or freq
    if netted is not None:
        out.attrs["refunds"] = netted
    return out


def _columns(names: Sequence[str] | str | None) -> list[str]:
    """A list of column names from a sequence, one name or None."""
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


def _window(tx: pd.DataFrame, observation_end, freq: str, customer_col: str, time_col: str) -> tuple[int, pd.DataFrame]:
    """The period ordinal of ``observation_end``; the purchases up to it, with ``_period``, by customer and time."""
    end = tx[time_col].max() if observation_end is None else pd.Timestamp(observation_end)
    if end.tzinfo is not None:
        raise KpiDataError("observation_end carries a time zone; pass a tz-naive UTC timestamp.")
    end_ord = int(pd.Series([end]).dt.to_period(freq).array.asi8[0])
    per = _period_ordinals(tx[time_col], freq)
    inside = per <= end_ord
    if not inside.any():
        raise KpiDataError(
            f"transactions: no purchase on or before observation_end {end} (first purchase "
            f"{tx[time_col].min()}). Choose a later observation_end."
        )
    tx = tx.loc[inside].assign(_period=per[inside])
    order = np.lexsort((tx[time_col].to_numpy(), tx[customer_col].to_numpy()))
    return end_ord, tx.iloc[order]


def _per_customer(
    tx: pd.DataFrame, end_ord: int, factor: float, customer_col: str, time_col: str, amount_col: str
) -> pd.DataFrame:
    """Frequency, recency, T, monetary value, first purchase and first value per customer (see rfm_summary)."""
    by_period = (
        tx.groupby([customer_col, "_period"], sort=True, observed=True)
        .agg(_amount=(amount_col, "sum"), _first_time=(time_col, "min"))
        .reset_index()
    )
    g = by_period.groupby(customer_col, sort=True, observed=True)
    first_p = g["_period"].min()
    last_p = g["_period"].max()
    n_periods = g["_period"].size()
    total = g["_amount"].sum()
    first_value = g["_amount"].first()
    frequency = (n_periods - 1).astype("int64")
    repeat_total = total - first_value
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_total / frequency.where(frequency > 0, 1), 0.0)
    return pd.DataFrame(
        {
            customer_col: first_p.index.to_numpy(),
            "frequency": frequency.to_numpy(),
            "recency": (last_p - first_p).to_numpy(dtype=float) * factor,
            "T": (end_ord - first_p).to_numpy(dtype=float) * factor,
            "monetary_value": np.asarray(monetary, dtype=float),
            "first_purchase": g["_first_time"].min().to_numpy(),
            "first_value": first_value.to_numpy(dtype=float),
        }
    )


def calibration_holdout(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    freq: str = "D",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    unit: str | None = None,
    keep_first: Sequence[str] | str | None = (),
    refunds: Literal["refuse", "net"] = "refuse",
) -> pd.DataFrame:
    """RFM summary of a calibration window plus what each customer did in the holdout window after it.

    Customers are those who bought on or before ``calibration_end``; their frequency, recency, T and
    monetary_value are computed on the calibration window (as :func:`rfm_summary` with
    ``observation_end=calibration_end``). Added columns:

    - frequency_holdout = number of purchase periods in (calibration_end, observation_end],
    - monetary_value_holdout = mean amount of those periods (0 when none),
    - duration_holdout = observation_end - calibration_end, in the summary's time unit.

    Customers first seen in the holdout window are not part of the validation (they have no
    calibration history); their count is in ``attrs["new_in_holdout"]``.

    Parameters
    ----------
    transactions : DataFrame
        Canonical ``transactions`` table: customer_id, timestamp (tz-naive UTC), amount (>= 0; negative
        amounts only with ``refunds="net"``).
    calibration_end, observation_end : str or Timestamp
        Ends of the calibration and holdout windows (``observation_end`` defaults to the last
        transaction); the holdout must be non-empty.
    freq : str
        Period grain as a pandas period alias: "D" days (default), "W" weeks, "M" months.
    customer_col, time_col, amount_col : str
        Column names.
    unit : str, optional
        Time unit of recency and T when it differs from ``freq`` (see :func:`rfm_summary`).
    keep_first : sequence of str, str or None
        Columns whose value on the customer's first purchase is kept (one name, or None for none).
    refunds : {"refuse", "net"}
        Negative amounts: refused (default) or netted per customer over the whole table, as
        :func:`rfm_summary` does.

    Returns
    -------
    DataFrame
        The calibration summary with the three holdout columns; ``attrs["unit"]`` (and
        ``attrs["refunds"]``) as rfm_summary.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-02-05"]),
    ...     "amount": [10.0, 20.0, 30.0]})
    >>> calibration_holdout(tx, "2024-01-31", "2024-02-29")[["frequency", "frequency_holdout",
    ...     "duration_holdout"]]
       frequency  frequency_holdout  duration_holdout
    0          1                  1              29.0
    """
    tx = _validated_transactions(transactions, customer_col, time_col, amount_col, _columns(keep_first), refunds)
    netted = tx.attrs.get("refunds")
    cal_end = pd.Timestamp(calibration_end)
    obs_end = tx[time_col].max() if observation_end is None else pd.Timestamp(observation_end)
    factor = _unit_factor(freq, unit)
    cal_ord, obs_ord = pd.Series([cal_end, obs_end]).dt.to_period(freq).array.asi8
    if obs_ord <= cal_ord:
        raise KpiDataError(
            f"calibration_end {cal_end} must be before observation_end {obs_end} (at least one {freq!r} "
            "period apart) so that there is a holdout window."
        )
    cal = rfm_summary(tx, cal_end, freq, customer_col, time_col, amount_col, unit, keep_first)
    per = _period_ordinals(tx[time_col], freq)
    hold = tx.loc[(per > cal_ord) & (per <= obs_ord)].assign(_period=per[(per > cal_ord) & (per <= obs_ord)])
    hp = hold.groupby([customer_col, "_period"], sort=True, observed=True)[amount_col].sum().reset_index()
    hg = hp.groupby(customer_col, sort=True, observed=True)[amount_col].agg(["size", "mean"])
    idx = pd.Index(cal[customer_col])
    cal["frequency_holdout"] = hg["size"].reindex(idx).fillna(0).to_numpy(dtype="int64")
    cal["monetary_value_holdout"] = hg["mean"].reindex(idx).fillna(0.0).to_numpy(dtype=float)
    cal["duration_holdout"] = float(obs_ord - cal_ord) * factor
    first_seen = tx.groupby(customer_col, observed=True)[time_col].min()
    cal.attrs["unit"] = unit or freq
    cal.attrs["new_in_holdout"] = int((~first_seen.index.isin(idx)).sum())
    if netted is not None:
        cal.attrs["refunds"] = netted
    return cal


def holdout_split(
    transactions: pd.DataFrame,
    holdout_months: int = 6,
    calibration_end: str | pd.Timestamp | None = None,
    time_col: str = "timestamp",
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Calibration end and observation end for a validation split.

    observation_end = the day of the last transaction; calibration_end = ``calibration_end`` when
    given, else observation_end minus ``holdout_months`` calendar months.

    Parameters
    ----------
    transactions : DataFrame
        Canonical ``transactions`` table (only ``time_col`` is read).
    holdout_months : int
        Length of the holdout window in calendar months, >= 1.
    calibration_end : str or Timestamp, optional
        A chosen end of the calibration window instead.
    time_col : str
        Column of the purchase timestamps.

    Returns
    -------
    tuple of Timestamp
        (calibration_end, observation_end) as day timestamps.
    """
    require_columns(transactions, [time_col], "transactions", fix=_TRANSACTIONS_FIX)
    obs = transactions[time_col].max().normalize()
    if calibration_end is not None:
        cal = pd.Timestamp(calibration_end).normalize()
    else:
        if int(holdout_months) != holdout_months or holdout_months < 1:
            raise KpiDataError(f"holdout_months must be a whole number >= 1 (got {holdout_months}).")
        cal = obs - pd.DateOffset(months=int(holdout_months))
    first = transactions[time_col].min().normalize()
    if not first < cal < obs:
        raise KpiDataError(
            f"calibration_end {cal.date()} must fall inside the data ({first.date()} to {obs.date()}); "
            "choose a shorter holdout."
        )
    return cal, obs
