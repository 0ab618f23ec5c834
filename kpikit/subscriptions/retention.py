"""Gross and net revenue retention, and the contract renewal rate (per period and as one Rate)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import has_key, t, term
from kpikit.stats import Rate, rate, rate_frame
from kpikit.stats.periods import period_code
from kpikit.subscriptions.ledger import (
    _TWELFTHS,
    _add_months,
    _as_of,
    _ledger,
    _offset,
    _period_bounds,
    _validate,
)

__all__ = ["revenue_retention", "renewal_rate", "pooled_renewal_rate", "renewal_period"]


def revenue_retention(
    subscriptions: pd.DataFrame,
    base_period: str | pd.Timestamp | None = None,
    horizon: int = 12,
    freq: str = "MS",
    as_of: str | pd.Timestamp | None = None,
    level: float = 0.95,
    lang: str = "en",
) -> pd.DataFrame:
    """Gross and net revenue retention (GRR, NRR) of the customers paying at a base date.

    For the customers paying at the start of ``base_period`` (base MRR b_i > 0) and their MRR
    ``horizon`` periods later (c_i, 0 if gone):
    GRR = sum(min(c_i, b_i)) / sum(b_i) (capped per customer, <= 100%);
    NRR = sum(c_i) / sum(b_i) (expansion counts, can exceed 100%).
    Customers who join after the base date never count. Logo retention (customers still paying /
    customers at base) comes with its Wilson interval.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    base_period : str or Timestamp, optional
        Start of the base period (a period start for ``freq``). None: every base period with a full
        horizon of data.
    horizon : int
        Number of periods between base and measurement (12 with "MS": annual GRR/NRR).
    freq : str
        Period grain: "MS" months, "QS" quarters, "YS" years.
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    level : float
        Confidence level of the Wilson interval of logo retention.
    lang : str
        The language of the message when the history is too short (a report's note).

    Returns
    -------
    DataFrame
        One row per base period: base_period, end_period, customers, customers_retained,
        base_mrr, current_mrr, retained_mrr (floats, currency), grr, nrr, logo_retention, ci_low,
        ci_high, small_sample. A KpiDataError says so when the data are shorter than the horizon or no
        customer pays at any base date.

    References
    ----------
    KeyBanc Capital Markets SaaS Survey (gross and net dollar retention); ChartMogul, "Net MRR
    retention".

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 2], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2024-12-01", "2024-12-01", "2025-02-01"]),
    ...     "end": pd.to_datetime(["2025-02-15", None, None]),
    ...     "amount": [10.0, 20.0, 5.0], "interval": "month"})
    >>> r = revenue_retention(subs, "2025-01-01", horizon=2, as_of="2025-03-31").iloc[0]
    >>> float(r["grr"]), float(r["nrr"])  # base 30; customer 2 keeps 20 and adds 5
    (0.6666666666666666, 0.8333333333333334)
    """
    if int(horizon) != horizon or horizon < 1:
        raise KpiDataError(f"horizon must be a whole number of periods >= 1 (got {horizon!r}).")
    led = _ledger(subscriptions, freq, as_of)
    n_b = len(led.bounds)
    if base_period is None:
        bases = list(range(0, n_b - horizon))
        if not bases:
            raise KpiDataError(t("subscriptions.note.history_too_short", lang, periods=n_b - 1, horizon=horizon))
    else:
        i = led.boundary(base_period)
        if i + horizon >= n_b:
            raise KpiDataError(
                f"base_period {pd.Timestamp(base_period):%Y-%m-%d} + {horizon} periods is past the end of "
                f"the data ({led.bounds[-1]:%Y-%m-%d}); choose an earlier base or a shorter horizon."
            )
        bases = [i]
    rows = []
    for i in bases:
        b, c = led.matrix[:, i], led.matrix[:, i + horizon]
        sel = b > 0
        rows.append(
            {
                "base_period": led.bounds[i],
                "end_period": led.bounds[i + horizon],
                "customers": int(sel.sum()),
                "customers_retained": int((sel & (c > 0)).sum()),
                "base_mrr": b[sel].sum() / 100.0,
                "current_mrr": c[sel].sum() / 100.0,
                "retained_mrr": np.minimum(b[sel], c[sel]).sum() / 100.0,
            }
        )
    out = pd.DataFrame(rows)
    if not (out["customers"] > 0).any():
        raise KpiDataError(t("subscriptions.note.no_base_customer", lang, horizon=horizon))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["grr"] = np.where(out["base_mrr"] > 0, out["retained_mrr"] / out["base_mrr"], np.nan)
        out["nrr"] = np.where(out["base_mrr"] > 0, out["current_mrr"] / out["base_mrr"], np.nan)
    return rate_frame(out, "customers_retained", "customers", "logo_retention", level=level)


def _contracts(full: pd.DataFrame, interval: str | None) -> pd.DataFrame:
    """The contracts that can come up for renewal: of ``interval`` (None: all), of positive length."""
    df = full
    if interval is not None:
        if interval not in _TWELFTHS:
            raise KpiDataError(f"interval must be one of {sorted(_TWELFTHS)} or None (got {interval!r}).")
        df = df[df["interval"] == interval]
    return df[(df["end"].isna() | (df["end"] > df["start"]))]


def _renewals_due(df: pd.DataFrame, full: pd.DataFrame, as_of: pd.Timestamp, grace_ns: int) -> pd.DataFrame:
    """One row per renewal date up to ``as_of`` of the contracts ``df``: date, renewed, value.

    ``full`` is every subscription: a replacement started by the same customer counts even when it
    is of another interval.
    """
    step = df["interval"].map({"month": 1, "year": 12}).to_numpy()
    if np.isnan(step.astype(float)).any():
        raise KpiDataError(
            "renewal_rate handles month and year contracts; filter week/day plans out or pass interval=."
        )
    step = step.astype(np.int64)
    s = df["start"].to_numpy().astype("datetime64[ns]")
    e = df["end"].to_numpy().astype("datetime64[ns]")
    stop = np.where(np.isnat(e), np.datetime64(as_of.to_datetime64(), "ns"), np.minimum(e, as_of.to_datetime64()))
    months_span = (stop.astype("datetime64[M]") - s.astype("datetime64[M]")).astype(np.int64)
    n_renewals = np.maximum(months_span // step + 1, 0)
    rep = np.repeat(np.arange(len(df)), n_renewals)
    k = np.arange(n_renewals.sum()) - np.repeat(np.cumsum(n_renewals) - n_renewals, n_renewals) + 1
    r = _add_months(s[rep], k * step[rep])
    e_rep = e[rep]
    due = (r <= as_of.to_datetime64()) & (np.isnat(e_rep) | (e_rep >= r))
    rep, r, e_rep = rep[due], r[due], e_rep[due]
    runs_on = np.isnat(e_rep) | (e_rep.astype(np.int64) > r.astype(np.int64) + grace_ns)
    # plan change at renewal: same customer starts another subscription in [end, end + grace]
    starts = full[["customer_id", "subscription_id", "start"]].rename(columns={"subscription_id": "other"})
    cand = pd.DataFrame(
        {
            "row": np.arange(rep.size),
            "customer_id": df["customer_id"].to_numpy()[rep],
            "sid": df["subscription_id"].to_numpy()[rep],
            "end": e_rep,
        }
    )
    cand = cand[~runs_on & ~np.isnat(e_rep)]
    replaced = np.zeros(rep.size, dtype=bool)
    if not cand.empty:
        j = cand.merge(starts, on="customer_id")
        hit = (j["other"] != j["sid"]) & (j["start"] >= j["end"]) & (j["start"] <= j["end"] + pd.Timedelta(grace_ns))
        replaced[j.loc[hit, "row"].unique()] = True
    value = df["mrr_cents"].to_numpy()[rep] / 100.0
    return pd.DataFrame({"date": r, "renewed": runs_on | replaced, "value": value})


def _period_range(period: str | pd.Period | tuple) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[lo, hi)`` of a period written as "2025Q1", "2025-03", "2025", a Period or a (start, end) pair."""
    if isinstance(period, tuple):
        return pd.Timestamp(period[0]), pd.Timestamp(period[1])
    try:
        p = period if isinstance(period, pd.Period) else pd.Period(period)
    except (ValueError, TypeError):
        raise KpiDataError(
            f"period {period!r} is not a period; use e.g. '2025Q1', '2025-03', '2025' or a (start, end) pair."
        ) from None
    return p.start_time, (p + 1).start_time


def _one_period(due: pd.DataFrame, period: str | pd.Period | tuple, as_of: pd.Timestamp) -> pd.DataFrame:
    """Renewal counts of the renewal dates in one period (one row)."""
    lo, hi = _period_range(period)
    g = due[(due["date"] >= lo) & (due["date"] < hi)]
    out = pd.DataFrame(
        {
            "period": [lo],
            "period_end": [hi],
            "contracts_due": [len(g)],
            "contracts_renewed": [int(g["renewed"].sum())],
            "value_due": [g["value"].sum()],
            "value_renewed": [g.loc[g["renewed"], "value"].sum()],
        }
    )
    out.attrs["partial_period"] = bool(hi > as_of + pd.Timedelta(days=1))
    return out


def _per_period(due: pd.DataFrame, first: pd.Timestamp, freq: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Renewal counts per period of ``freq``, from the one holding ``first`` to the one holding ``as_of``."""
    bounds = _period_bounds(first, as_of, _offset(freq))
    due = due.assign(p=np.searchsorted(bounds.asi8, due["date"].to_numpy().astype(np.int64), side="right") - 1)
    agg = due.groupby("p").agg(
        contracts_due=("renewed", "size"), contracts_renewed=("renewed", "sum"), value_due=("value", "sum")
    )
    agg["value_renewed"] = due[due["renewed"]].groupby("p")["value"].sum()
    agg = agg.reindex(np.arange(len(bounds) - 1), fill_value=0).fillna(0.0)
    out = pd.DataFrame({"period": bounds[:-1], "period_end": bounds[1:]})
    for c in ["contracts_due", "contracts_renewed", "value_due", "value_renewed"]:
        out[c] = agg[c].to_numpy()
    out["contracts_due"] = out["contracts_due"].astype(np.int64)
    out["contracts_renewed"] = out["contracts_renewed"].astype(np.int64)
    return out


def renewal_rate(
    subscriptions: pd.DataFrame,
    period: str | pd.Period | tuple | None = None,
    freq: str = "QS",
    interval: str | None = "year",
    grace: str = "0D",
    as_of: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Renewal rate: contracts renewed / contracts up for renewal in the period (logo and value).

    A subscription comes up for renewal at each anniversary of its start (start + k intervals,
    k >= 1) while it is still running then (no end before that date). It is renewed when it runs past
    the renewal date (end empty or later than the date plus ``grace``), or when the same customer
    starts another subscription between its end and its end plus ``grace`` (a plan change at renewal).
    The base is the contracts due, not all active customers (writing active / renewed inverts the
    ratio). Only renewal dates up to ``as_of`` count.

    value_renewal_rate = value renewed / value due, where value is the monthly-normalised amount of
    the contract that came due (expansion at renewal is not counted; see :func:`revenue_retention`).

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    period : str, Period, (start, end) tuple, optional
        One period to measure ("2025Q1", "2025-03", "2025", or a (start, end) pair, end exclusive).
        None: one row per period of ``freq``.
    freq : str
        Period grain when ``period`` is None ("QS" quarters, "MS" months, "YS" years).
    interval : {"year", "month", ...} or None
        Contracts of this billing interval only (default annual contracts); None for all.
    grace : str
        Pandas timedelta string: how late a renewal or replacement may come (default "0D").
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    DataFrame
        period, period_end, contracts_due, contracts_renewed, renewal_rate, ci_low, ci_high,
        small_sample, value_due, value_renewed, value_renewal_rate (money as floats, per month).

    References
    ----------
    Gainsight, "Renewal rate"; ``docs/KPI_CATALOGUE.md`` ("Mistakes"): 24 renewed of 75 due is 32%,
    not 75 / 24.

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 3], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-06-01"]),
    ...     "end": pd.to_datetime([None, "2025-03-01", None]),
    ...     "amount": [120.0, 240.0, 120.0], "interval": "year"})
    >>> renewal_rate(subs, "2025Q1", as_of="2025-06-30")[["contracts_due", "contracts_renewed"]].values.tolist()
    [[2, 1]]
    """
    full = _validate(subscriptions)
    as_of = _as_of(full, as_of)
    try:
        grace_ns = pd.Timedelta(grace).value
    except ValueError:
        raise KpiDataError(f"grace must be a timedelta string such as '0D' or '7D' (got {grace!r}).") from None
    df = _contracts(full, interval)
    due = _renewals_due(df, full, as_of, grace_ns)
    if period is not None:
        out = _one_period(due, period, as_of)
    else:
        out = _per_period(due, df["start"].min() if len(df) else as_of, freq, as_of)
    rate_frame(out, "contracts_renewed", "contracts_due", "renewal_rate", level=level)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value_renewal_rate"] = np.where(out["value_due"] > 0, out["value_renewed"] / out["value_due"], np.nan)
    return out


def _renewals_rate(renewals: pd.DataFrame, level: float = 0.95, warn_small: bool = True, stacklevel: int = 4) -> Rate:
    """Contracts renewed of contracts due, summed over the rows of a :func:`renewal_rate` frame."""
    return rate(
        int(renewals["contracts_renewed"].sum()),
        int(renewals["contracts_due"].sum()),
        level=level,
        warn_small=warn_small,
        stacklevel=stacklevel,
    )


def pooled_renewal_rate(
    subscriptions: pd.DataFrame,
    period: str | pd.Period | tuple | None = None,
    freq: str = "QS",
    interval: str | None = "year",
    grace: str = "0D",
    as_of: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> Rate:
    """Contract renewal rate as one Rate: contracts renewed / contracts due, over one period or all.

    renewal_rate = sum of contracts_renewed / sum of contracts_due over the rows of
    :func:`renewal_rate` (same rules: a contract is due at each anniversary up to ``as_of``, renewed
    when it runs on or is replaced within ``grace``). With ``period`` it is that period's rate; with
    None it pools every renewal date of the data. A :class:`~kpikit.errors.SmallSampleWarning` is
    emitted when the counts are few; with no contract due there is no rate and a KpiDataError says so.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    period : str, Period, (start, end) tuple, optional
        One period ("2025Q1", "2025-03", "2025", or a (start, end) pair, end exclusive); None: all.
    freq : str
        Period grain when ``period`` is None (it does not change the pooled rate).
    interval : {"year", "month", ...} or None
        Contracts of this billing interval only (default annual contracts); None for all.
    grace : str
        Pandas timedelta string: how late a renewal or replacement may come (default "0D").
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    Rate
        successes = contracts renewed, trials = contracts due.

    References
    ----------
    Gainsight, "Renewal rate"; Wilson (1927) for the interval.

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 3], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-06-01"]),
    ...     "end": pd.to_datetime([None, "2025-03-01", None]),
    ...     "amount": [120.0, 240.0, 120.0], "interval": "year"})
    >>> r = pooled_renewal_rate(subs, "2025Q1", as_of="2025-06-30")
    >>> r.successes, r.trials, r.value
    (1, 2, 0.5)
    """
    renewals = renewal_rate(
        subscriptions, period=period, freq=freq, interval=interval, grace=grace, as_of=as_of, level=level
    )
    return _renewals_rate(renewals, level=level)


def renewal_period(
    subscriptions: pd.DataFrame,
    period: str | pd.Period | None = None,
    freq: str = "QS",
    interval: str | None = "year",
    as_of: str | pd.Timestamp | None = None,
    lang: str = "en",
) -> pd.Period:
    """The period whose renewals a report shows: the one asked for, or the latest with contracts due.

    Default: the latest complete period of ``freq`` (a quarter) in which at least one contract of
    ``interval`` came up for renewal (see :func:`renewal_rate`); the period holding ``as_of`` counts as
    complete when ``as_of`` is its last day, and is used only when no complete period had a contract due.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    period : str or Period, optional
        The period asked for ("2025Q1", "2025-03", "2025"); it must have a contract due.
    freq : str
        The grain of the default period ("QS" quarters, "MS" months, "YS" years).
    interval : {"year", "month", ...} or None
        Contracts of this billing interval only (default annual contracts); None for all.
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    lang : str
        The language of the error's message (a report's note), a language of :mod:`kpikit.i18n`.

    Returns
    -------
    Period

    Raises
    ------
    KpiDataError
        When the subscriptions hold no contract of ``interval``, or none came up for renewal (in
        ``period``, or at all by ``as_of``).

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 3], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-06-01"]),
    ...     "end": pd.to_datetime([None, "2025-03-01", None]),
    ...     "amount": [120.0, 240.0, 120.0], "interval": "year"})
    >>> renewal_period(subs, as_of="2025-06-30")  # Q2 2025 is complete and has c's renewal
    Period('2025Q2', 'Q-DEC')
    >>> renewal_period(subs, as_of="2025-06-29")  # Q2 is not complete yet
    Period('2025Q1', 'Q-DEC')
    """
    full = _validate(subscriptions)
    end = _as_of(full, as_of)
    df = _contracts(full, interval)
    kind = t(f"subscriptions.billing.{interval}", lang) if has_key(f"subscriptions.billing.{interval}") else ""
    if df.empty:
        have = ", ".join(term(i, lang) for i in sorted(full["interval"].dropna().unique()))
        raise KpiDataError(t("subscriptions.note.no_contracts", lang, kind=kind, intervals=have))
    due = _renewals_due(df, full, end, 0)
    if period is not None:
        lo, hi = _period_range(period)
        if not ((due["date"] >= lo) & (due["date"] < hi)).any():
            raise KpiDataError(t("subscriptions.note.none_due_in_period", lang, kind=kind, period=period, as_of=end))
        return period if isinstance(period, pd.Period) else pd.Period(period)
    if due.empty:
        raise KpiDataError(t("subscriptions.note.none_due_yet", lang, kind=kind, as_of=end))
    code = period_code(freq)
    periods = due["date"].dt.to_period(code)
    current = end.to_period(code)
    complete = periods[(periods < current) | (end.normalize() == current.end_time.normalize())]
    return (complete if len(complete) else periods).max()
