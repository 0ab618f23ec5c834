"""Subscription KPIs: MRR and its movements, churn, renewal, GRR/NRR, cohorts, ARPA, LTV.

All functions take the canonical ``subscriptions`` table (DESIGN.md): ``customer_id``,
``subscription_id``, ``plan``, ``interval`` (month/year, also week/day), ``amount`` (per interval),
optional ``quantity`` (seats, default 1), ``start`` and ``end`` (empty while active).

Conventions (shared by every function here)
-------------------------------------------
- **Dates and states.** ``start`` is the first day of service, ``end`` the first day without it (the
  cancellation's effective date; empty while active). A subscription with ``end == start`` was never
  active and is ignored. Events count in the period their date falls in: a subscription starting on
  1 February is new in February, one ending on 1 February churns in February. The state at a period
  boundary ``b`` is the state after every event dated before ``b``: a subscription counts there when
  ``start < b <= end``.
- **Paying customer.** A customer is paying at ``t`` when their MRR at ``t`` is above zero; free plans
  and trials (amount 0) are not paying customers.
- **MRR of one subscription** is its amount normalised to a month, in integer cents, rounded once
  (half up) per subscription: ``month: amount``, ``year: amount / 12``, ``week: amount x 52 / 12``,
  ``day: amount x 365 / 12``, times ``quantity``. Every total is a sum of these integer cents, so all
  identities (the MRR bridge in particular) hold exactly; no float drift.
- **Periods and snapshots.** ``freq`` is a pandas offset alias ("MS" months, "QS" quarters, "YS"
  years, "W-MON" weeks). The periods run from the one holding the first start to the one holding
  ``as_of`` (see below). KPIs compare customer states at the
  period boundaries: the state "at the start of period p" is the snapshot at its first instant, "at
  its end" the snapshot at the first instant of the next period. The last period may be partial when
  ``as_of`` falls before its end.
- **as_of** (the last day of the data) defaults to the latest ``start`` in the table: exports are
  taken on a day when customers still sign up, while ``end`` dates can lie in the future (a
  cancellation effective at the end of the paid term). Ends after ``as_of`` are scheduled, not
  yet churn. Pass ``as_of`` explicitly when you know the extraction date.
- **Money.** Money columns come back as exact ``decimal.Decimal`` values in currency units by default
  (``money="decimal"``); ``money="cents"`` gives int64 cents and ``money="float"`` floats (for charts;
  floats are not guaranteed to reconcile to the last bit).

References
----------
ChartMogul Help Center, "MRR movements", "Customer churn rate"; Stripe Billing docs, "Billing
analytics: churn rate"; Baremetrics, "Quick ratio"; Fader and Hardie (2007) for survival projections
(see ``kpikit.survival``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import require_columns
from kpikit.stats import Rate, rate, rate_frame

__all__ = [
    "subscription_mrr",
    "mrr",
    "mrr_movements",
    "mrr_churn",
    "quick_ratio",
    "customer_churn",
    "summarise_churn",
    "revenue_retention",
    "renewal_rate",
    "cohort_retention",
    "cohort_matrix",
    "cohort_average",
    "customer_lifetimes",
    "cohort_survivors",
    "churn_rates",
    "arpa",
    "SubscriptionLTV",
    "subscription_ltv",
    "customer_retention_cost",
    "common_mistakes",
    "findings",
]

Money = Literal["decimal", "cents", "float"]
SamePeriod = Literal["exclude", "include", "ignore"]

_TWELFTHS = {"month": 12, "year": 1, "week": 52, "day": 365}
_MOVEMENTS = ["new", "expansion", "contraction", "churn", "reactivation"]
_NEVER = np.iinfo(np.int64).max  # "no end yet", as int64 nanoseconds


# --------------------------------------------------------------------------------------- input


def _rows(mask: np.ndarray, frame: pd.DataFrame) -> str:
    return describe_rows([str(i) for i in frame.index[np.asarray(mask)]])


def _validate(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """Check the columns kpikit.subscriptions needs; return a clean working copy."""
    required = ["customer_id", "subscription_id", "start", "amount", "interval"]
    require_columns(subscriptions, required, "subscriptions", fix=(
        f"The table needs {', '.join(required)} and optionally end, plan, quantity. Map the export's "
        "names with kk.read_table(..., columns={...})."))
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


def _ledger(subscriptions: pd.DataFrame, freq: str, as_of=None, validated: bool = False) -> _Ledger:
    df = subscriptions if validated else _validate(subscriptions)
    if df.empty:
        raise KpiDataError("subscriptions is empty: there is nothing to measure.")
    try:
        offset = to_offset(freq)
    except ValueError:
        raise KpiDataError(f"freq must be a pandas offset alias such as 'MS', 'QS' or 'YS' (got {freq!r}).") from None
    if as_of is None:
        as_of = df["start"].max()
    as_of = pd.Timestamp(as_of)
    first = offset.rollback(df["start"].min().normalize())
    last = offset.rollback(as_of.normalize())
    if last < first:
        raise KpiDataError(f"as_of ({as_of:%Y-%m-%d}) is before the first subscription starts.")
    bounds = pd.date_range(first, last, freq=offset)
    bounds = bounds.append(pd.DatetimeIndex([bounds[-1] + offset]))
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


# --------------------------------------------------------------------------------------- MRR


def mrr(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    at: Literal["start", "end"] = "end",
    as_of=None,
    money: Money = "decimal",
) -> pd.DataFrame:
    """MRR, paying customers and ARPA per period.

    MRR = sum over active subscriptions of their monthly-normalised amount (see the module notes);
    ARPA = MRR / paying customers. Trials and free plans (amount 0) are not counted.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain (pandas offset alias): "MS", "QS", "YS".
    at : {"end", "start"}
        Snapshot at the end of each period (default, as ChartMogul's monthly MRR) or at its start.
        A customer starting or leaving on the first day of a period counts in that period.
    as_of : date, optional
        Last date of the data; default the latest start in the table.
    money : {"decimal", "cents", "float"}
        Type of the money columns.

    Returns
    -------
    DataFrame
        period, mrr, customers, arpa (arpa always float, currency per customer per month).

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2], "subscription_id": ["a", "b"],
    ...     "start": pd.to_datetime(["2025-01-01", "2025-01-10"]), "end": pd.NaT,
    ...     "amount": [29.0, 120.0], "interval": ["month", "year"]})
    >>> mrr(subs, money="cents")[["mrr", "customers"]].values.tolist()
    [[3900, 2]]
    """
    led = _ledger(subscriptions, freq, as_of)
    snap = led.matrix[:, 1:] if at == "end" else led.matrix[:, :-1]
    total = snap.sum(axis=0)
    customers = (snap > 0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        arpa_ = np.where(customers > 0, total / 100.0 / customers, np.nan)
    return pd.DataFrame(
        {"period": led.periods, "mrr": _money(total, money), "customers": customers, "arpa": arpa_}
    )


def arpa(subscriptions: pd.DataFrame, freq: str = "MS", at: Literal["start", "end"] = "end", as_of=None) -> pd.DataFrame:
    """Average revenue per account per period: ARPA = MRR / paying customers (currency per month).

    Returns the frame of :func:`mrr` with float money (period, mrr, customers, arpa).

    References
    ----------
    ChartMogul Help Center, "Average revenue per account (ARPA)".
    """
    return mrr(subscriptions, freq=freq, at=at, as_of=as_of, money="float")


def mrr_movements(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    as_of=None,
    money: Money = "decimal",
    by_customer: bool = False,
) -> pd.DataFrame:
    """The MRR bridge per period: new, expansion, contraction, churn and reactivation.

    For each customer, MRR at the start of the period (m0) is compared with MRR at its end (m1):

    - new: m0 = 0 < m1 and the customer's first paid subscription starts in the period;
    - reactivation: m0 = 0 < m1 and the customer paid before (a returning former payer);
    - expansion: 0 < m0 < m1, amount m1 - m0; contraction: 0 < m1 < m0, amount m0 - m1;
    - churn: m0 > 0 = m1, amount m0 (only when the customer's last paying subscription is gone:
      dropping one of two subscriptions is contraction).

    so that, exactly (integer cents),
    ``mrr_start + new + expansion + reactivation - contraction - churn = mrr_end``.
    Changes inside a period net out (an upgrade and a downgrade within one month leave no movement; a
    customer who joins and leaves within one period moves no MRR). Annual plans count as amount / 12.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain (pandas offset alias).
    as_of : date, optional
        Last date of the data (default: the latest start in the table).
    money : {"decimal", "cents", "float"}
        Type of the money columns: exact decimals in currency (default), int64 cents, or floats.
    by_customer : bool
        Return one row per customer and period with a movement (customer_id, period, movement,
        amount) instead of the period totals: the audit trail of the bridge.

    Returns
    -------
    DataFrame
        One row per period: period, mrr_start, new, expansion, contraction, churn, reactivation,
        mrr_end (money), customers_start, customers_end.

    References
    ----------
    ChartMogul Help Center, "MRR movements" (new, expansion, contraction, churn, reactivation).

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 1, 2], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2025-01-01", "2025-02-15", "2025-01-05"]),
    ...     "end": pd.to_datetime(["2025-02-15", None, "2025-02-20"]),
    ...     "amount": [10.0, 25.0, 120.0], "interval": ["month", "month", "year"]})
    >>> m = mrr_movements(subs, money="cents")
    >>> m.loc[1, ["mrr_start", "expansion", "churn", "mrr_end"]].tolist()
    [2000, 1500, 1000, 2500]
    """
    led = _ledger(subscriptions, freq, as_of)
    m0, m1 = led.matrix[:, :-1], led.matrix[:, 1:]
    periods = np.arange(m0.shape[1])
    returning = led.first_period[:, None] < periods[None, :]
    flows = {
        "new": np.where((m0 == 0) & (m1 > 0) & ~returning, m1, 0),
        "expansion": np.where((m0 > 0) & (m1 > m0), m1 - m0, 0),
        "contraction": np.where((m1 > 0) & (m1 < m0), m0 - m1, 0),
        "churn": np.where((m0 > 0) & (m1 == 0), m0, 0),
        "reactivation": np.where((m0 == 0) & (m1 > 0) & returning, m1, 0),
    }
    if by_customer:
        rows = []
        for name, f in flows.items():
            c, p = np.nonzero(f)
            rows.append(pd.DataFrame({"customer_id": led.customers[c], "period": led.periods[p],
                                      "movement": name, "amount": f[c, p]}))
        out = pd.concat(rows, ignore_index=True).sort_values(["period", "customer_id", "movement"])
        out["amount"] = _money(out["amount"].to_numpy(), money)
        return out.reset_index(drop=True)
    start, end = m0.sum(axis=0), m1.sum(axis=0)
    sums = {k: v.sum(axis=0) for k, v in flows.items()}
    check = start + sums["new"] + sums["expansion"] + sums["reactivation"] - sums["contraction"] - sums["churn"]
    if not np.array_equal(check, end):  # pragma: no cover - guaranteed by construction
        raise AssertionError("MRR bridge does not reconcile; please report this as a kpikit bug.")
    out = pd.DataFrame({"period": led.periods, "mrr_start": _money(start, money)})
    for k in ["new", "expansion", "contraction", "churn", "reactivation"]:
        out[k] = _money(sums[k], money)
    out["mrr_end"] = _money(end, money)
    out["customers_start"] = (m0 > 0).sum(axis=0)
    out["customers_end"] = (m1 > 0).sum(axis=0)
    return out


def mrr_churn(subscriptions: pd.DataFrame, freq: str = "MS", as_of=None) -> pd.DataFrame:
    """Gross and net MRR churn per period.

    gross_mrr_churn = (churn + contraction) / mrr_start;
    net_mrr_churn = (churn + contraction - expansion - reactivation) / mrr_start (negative when
    existing and returning customers add more than is lost: "negative churn").

    Returns
    -------
    DataFrame
        period, mrr_start, churn, contraction, expansion, reactivation (floats, currency),
        gross_mrr_churn, net_mrr_churn (fractions; NaN when mrr_start is 0).

    References
    ----------
    ChartMogul Help Center, "Gross MRR churn rate", "Net MRR churn rate".
    """
    mv = mrr_movements(subscriptions, freq=freq, as_of=as_of, money="cents")
    start = mv["mrr_start"].to_numpy(dtype=float)
    lost = (mv["churn"] + mv["contraction"]).to_numpy(dtype=float)
    gained = (mv["expansion"] + mv["reactivation"]).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gross = np.where(start > 0, lost / start, np.nan)
        net = np.where(start > 0, (lost - gained) / start, np.nan)
    out = mv[["period", "mrr_start", "churn", "contraction", "expansion", "reactivation"]].copy()
    for c in ["mrr_start", "churn", "contraction", "expansion", "reactivation"]:
        out[c] = out[c] / 100.0
    out["gross_mrr_churn"] = gross
    out["net_mrr_churn"] = net
    return out


def quick_ratio(movements: pd.DataFrame, reactivation: bool = True) -> pd.DataFrame:
    """SaaS quick ratio per period: MRR gained over MRR lost.

    quick_ratio = (new + expansion [+ reactivation]) / (contraction + churn). Above 4 is the usual
    sign of efficient growth (Mamoon Hamid); infinite when nothing was lost.

    Parameters
    ----------
    movements : DataFrame
        The frame of :func:`mrr_movements` (any ``money`` type).
    reactivation : bool
        Count reactivation MRR as gained (Baremetrics and ChartMogul do; some investors do not).

    Returns
    -------
    DataFrame
        period, gained, lost (floats, currency), quick_ratio.

    References
    ----------
    Mamoon Hamid (Social Capital), "The SaaS quick ratio"; Baremetrics, "Quick ratio".
    """
    cols = ["new", "expansion", "contraction", "churn", "reactivation"]
    f = {c: movements[c].astype(float).to_numpy() for c in cols}
    gained = f["new"] + f["expansion"] + (f["reactivation"] if reactivation else 0.0)
    lost = f["contraction"] + f["churn"]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(lost > 0, gained / lost, np.where(gained > 0, np.inf, np.nan))
    return pd.DataFrame({"period": movements["period"].to_numpy(), "gained": gained, "lost": lost, "quick_ratio": q})


# --------------------------------------------------------------------------------------- churn


def _segments(led: _Ledger, by: str) -> tuple[np.ndarray, pd.Index]:
    """Segment code per customer and period: their largest active subscription's ``by`` value at the
    period start, or (not paying then) that of their first paid subscription started in the period."""
    df = led.subs
    if by not in df.columns:
        raise KpiDataError(f"subscriptions has no column {by!r} to break churn down by; columns: {list(df.columns)}.")
    seg_code, seg_names = pd.factorize(df[by].astype("string").fillna("(missing)"), sort=True)
    n_c, n_b = led.matrix.shape
    seg = np.full((n_c, n_b - 1), -1, dtype=np.int64)
    b = led.bounds.asi8
    s = df["start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    e = df["end"].to_numpy().astype("datetime64[ns]")
    e = np.where(np.isnat(e), _NEVER, e.astype(np.int64))
    keep = np.flatnonzero((e > s) & (df["mrr_cents"].to_numpy() > 0))
    m = df["mrr_cents"].to_numpy()[keep]
    sid = pd.factorize(df["subscription_id"].astype("string"), sort=True)[0][keep]
    code, sc = led.code[keep], seg_code[keep]
    # (a) started in the period, customer not paying at its start: the earliest start wins
    p_start = np.searchsorted(b, s[keep], side="right") - 1
    a = pd.DataFrame({"c": code, "p": p_start, "seg": sc, "s": s[keep], "m": -m, "sid": sid})
    a = a[(a["p"] >= 0) & (a["p"] < n_b - 1)]
    a = a.sort_values(["c", "p", "s", "m", "sid"]).drop_duplicates(["c", "p"])
    seg[a["c"].to_numpy(), a["p"].to_numpy()] = a["seg"].to_numpy()
    # (b) paying at the period start: the largest subscription wins (overrides (a))
    j0 = np.searchsorted(b, s[keep], side="right")
    j1 = np.minimum(np.searchsorted(b, e[keep], side="right"), n_b - 1)
    lengths = np.maximum(j1 - j0, 0)
    rep = np.repeat(np.arange(keep.size), lengths)
    offs = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    r = pd.DataFrame({"c": code[rep], "p": j0[rep] + offs, "seg": sc[rep], "m": -m[rep], "sid": sid[rep]})
    r = r.sort_values(["c", "p", "m", "sid"]).drop_duplicates(["c", "p"])
    seg[r["c"].to_numpy(), r["p"].to_numpy()] = r["seg"].to_numpy()
    return seg, pd.Index(seg_names, name=by)


def customer_churn(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    same_period: SamePeriod = "exclude",
    by: str | None = None,
    as_of=None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Customer (logo) churn rate per period.

    churn_rate = customers lost in the period / customers paying at its start. A customer is lost
    when they pay at the start of the period and not at its end (their last paying subscription has
    ended; dropping one of two subscriptions is not churn).

    Counts per period (whatever the policy): customers_start; customers_new (first paid subscription
    starts in the period, still paying at its end); customers_reactivated (former payers returning,
    paying at the end); customers_same_period (joined or returned and left within the period);
    customers_lost; customers_end. They satisfy
    ``customers_start + customers_new + customers_reactivated - customers_lost = customers_end``.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain as a pandas offset alias ("MS" months, "QS" quarters, "YS" years).
    same_period : {"exclude", "include", "ignore"}
        Customers who join and leave within one period. "exclude" (ChartMogul) leaves them out of
        both counts: churned = customers_lost, at_risk = customers_start. "include" (Stripe) counts
        them as lost and adds the period's new and returning customers to the denominator:
        churned = lost + same_period, at_risk = start + new + reactivated + same_period.
        "ignore" (ProfitWell) drops those join-and-leave episodes from the data first: the rate equals
        "exclude", but the episodes no longer make a later return count as a reactivation;
        customers_same_period then reports how many were dropped.
    by : str, optional
        A subscriptions column (e.g. "plan", "interval") to break the rate down by. A customer belongs
        to the segment of their largest paying subscription at the period start (for customers who
        start in the period: of their first subscription).
    as_of : date, optional
        Last date of the data (default: the latest start in the table).
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    DataFrame
        One row per period (and segment): period, [by], customers_start, customers_new,
        customers_reactivated, customers_same_period, customers_lost, customers_end, churned, at_risk,
        churn_rate, ci_low, ci_high, small_sample.

    References
    ----------
    ChartMogul Help Center, "Customer churn rate"; Stripe Billing, "Billing analytics: churn rate";
    ProfitWell (Paddle), "Churn rate". Wilson (1927) for the interval.

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 3], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-03"]),
    ...     "end": pd.to_datetime(["2025-02-10", None, "2025-02-20"]),
    ...     "amount": 10.0, "interval": "month"})
    >>> c = customer_churn(subs)
    >>> c[["customers_start", "customers_same_period", "churned", "at_risk"]].values.tolist()[1]
    [2, 1, 1, 2]
    >>> float(c["churn_rate"].iloc[1])
    0.5
    >>> customer_churn(subs, same_period="include")[["churned", "at_risk"]].values.tolist()[1]
    [2, 3]
    """
    if same_period not in ("exclude", "include", "ignore"):
        raise KpiDataError(f"same_period must be 'exclude', 'include' or 'ignore' (got {same_period!r}).")
    led = _ledger(subscriptions, freq, as_of)
    a = led.active
    a0, a1 = a[:, :-1], a[:, 1:]
    started = led.started
    same = ~a0 & ~a1 & started
    if same_period == "ignore":
        started = started & ~same
    first = np.where(started.any(axis=1), started.argmax(axis=1), -1)
    periods = np.arange(a0.shape[1])
    returning = (first[:, None] >= 0) & (first[:, None] < periods[None, :])
    joined = ~a0 & a1
    flags = {
        "customers_start": a0,
        "customers_new": joined & ~returning,
        "customers_reactivated": joined & returning,
        "customers_same_period": same,
        "customers_lost": a0 & ~a1,
        "customers_end": a1,
    }
    if by is None:
        seg, names = np.zeros(a0.shape, dtype=np.int64), None
    else:
        seg, names = _segments(led, by)
        # customers_end is counted in the segment held at the period start (or joined into)
    n_seg = 1 if names is None else len(names)
    n_p = a0.shape[1]
    counts = {}
    valid = seg >= 0
    lin = (np.arange(n_p)[None, :] * n_seg + seg)
    for k, f in flags.items():
        sel = f & valid
        counts[k] = np.bincount(lin[sel], minlength=n_p * n_seg)
    out = pd.DataFrame({"period": np.repeat(led.periods, n_seg)})
    if names is not None:
        out[by] = np.tile(np.asarray(names, dtype=object), n_p)
    for k, v in counts.items():
        out[k] = v.astype(np.int64)
    if same_period == "include":
        out["churned"] = out["customers_lost"] + out["customers_same_period"]
        out["at_risk"] = (out["customers_start"] + out["customers_new"] + out["customers_reactivated"]
                          + out["customers_same_period"])
    else:
        out["churned"] = out["customers_lost"]
        out["at_risk"] = out["customers_start"]
    if names is not None:
        seen = out[list(flags)].sum(axis=1) > 0
        out = out[seen].reset_index(drop=True)
    rate_frame(out, "churned", "at_risk", "churn_rate", level=level)
    out.attrs["same_period"] = same_period
    return out


def summarise_churn(churn: pd.DataFrame, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Pool a :func:`customer_churn` frame over its periods: churn per customer-period at risk.

    churn_rate = sum(churned) / sum(at_risk); each customer-period is one trial (an approximation:
    periods of one customer are not independent, so the interval is slightly optimistic).

    Returns
    -------
    DataFrame
        One row per segment (or one row): [by], periods, churned, at_risk, churn_rate, ci_low,
        ci_high, small_sample.
    """
    if by is None:
        g = pd.DataFrame({"periods": [len(churn)], "churned": [int(churn["churned"].sum())],
                          "at_risk": [int(churn["at_risk"].sum())]})
    else:
        g = (churn.groupby(by, sort=True)
             .agg(periods=("period", "nunique"), churned=("churned", "sum"), at_risk=("at_risk", "sum"))
             .reset_index())
    return rate_frame(g, "churned", "at_risk", "churn_rate", level=level)


# --------------------------------------------------------------------------------------- retention


def _boundary_index(led: _Ledger, when) -> int:
    ts = pd.Timestamp(when)
    hits = np.flatnonzero(led.bounds == ts)
    if hits.size == 0:
        raise KpiDataError(
            f"{ts:%Y-%m-%d} is not a period start for this freq; use one of "
            f"{[f'{d:%Y-%m-%d}' for d in led.periods[:3]]} ... {led.periods[-1]:%Y-%m-%d}."
        )
    return int(hits[0])


def revenue_retention(
    subscriptions: pd.DataFrame,
    base_period=None,
    horizon: int = 12,
    freq: str = "MS",
    as_of=None,
    level: float = 0.95,
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
    base_period : date, optional
        Start of the base period (a period start for ``freq``). None: every base period with a full
        horizon of data.
    horizon : int
        Number of periods between base and measurement (12 with "MS": annual GRR/NRR).
    freq : str
        Period grain.

    Returns
    -------
    DataFrame
        One row per base period: base_period, end_period, customers, customers_retained,
        base_mrr, current_mrr, retained_mrr (floats, currency), grr, nrr, logo_retention, ci_low,
        ci_high, small_sample.

    References
    ----------
    KeyBanc Capital Markets SaaS Survey (gross and net dollar retention); ChartMogul, "Net MRR
    retention".
    """
    if int(horizon) != horizon or horizon < 1:
        raise KpiDataError(f"horizon must be a whole number of periods >= 1 (got {horizon!r}).")
    led = _ledger(subscriptions, freq, as_of)
    n_b = len(led.bounds)
    if base_period is None:
        bases = list(range(0, n_b - horizon))
        if not bases:
            raise KpiDataError(f"The data span {n_b - 1} periods, fewer than horizon={horizon}.")
    else:
        i = _boundary_index(led, base_period)
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
        rows.append({
            "base_period": led.bounds[i], "end_period": led.bounds[i + horizon],
            "customers": int(sel.sum()), "customers_retained": int((sel & (c > 0)).sum()),
            "base_mrr": b[sel].sum() / 100.0, "current_mrr": c[sel].sum() / 100.0,
            "retained_mrr": np.minimum(b[sel], c[sel]).sum() / 100.0,
        })
    out = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["grr"] = np.where(out["base_mrr"] > 0, out["retained_mrr"] / out["base_mrr"], np.nan)
        out["nrr"] = np.where(out["base_mrr"] > 0, out["current_mrr"] / out["base_mrr"], np.nan)
    return rate_frame(out, "customers_retained", "customers", "logo_retention", level=level)


def _add_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Add whole months to datetime64[ns] values, clipping the day to the target month's length."""
    d = dates.astype("datetime64[ns]")
    ym = d.astype("datetime64[M]")
    day = (d.astype("datetime64[D]") - ym.astype("datetime64[D]")).astype(np.int64)
    tod = d - d.astype("datetime64[D]").astype("datetime64[ns]")
    target = ym + months.astype(np.int64)
    dim = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]").astype("datetime64[ns]") + np.minimum(day, dim - 1).astype("timedelta64[D]") + tod


def renewal_rate(
    subscriptions: pd.DataFrame,
    period=None,
    freq: str = "QS",
    interval: str | None = "year",
    grace: str = "0D",
    as_of=None,
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
    period : str, Period, (start, end) tuple, optional
        One period to measure ("2025Q1", "2025-03", "2025", or a (start, end) pair, end exclusive).
        None: one row per period of ``freq``.
    freq : str
        Period grain when ``period`` is None.
    interval : {"year", "month", ...} or None
        Contracts of this billing interval only (default annual contracts); None for all.
    grace : str
        Pandas timedelta string: how late a renewal or replacement may come (default "0D").

    Returns
    -------
    DataFrame
        period, period_end, contracts_due, contracts_renewed, renewal_rate, ci_low, ci_high,
        small_sample, value_due, value_renewed, value_renewal_rate (money as floats, per month).

    References
    ----------
    Gainsight, "Renewal rate"; KPI_CATALOGUE "Mistakes": 24 renewed of 75 due is 32%, not 75 / 24.

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
    df = full
    if as_of is None:
        as_of = df["start"].max()
    as_of = pd.Timestamp(as_of)
    try:
        grace_ns = pd.Timedelta(grace).value
    except ValueError:
        raise KpiDataError(f"grace must be a timedelta string such as '0D' or '7D' (got {grace!r}).") from None
    if interval is not None:
        if interval not in _TWELFTHS:
            raise KpiDataError(f"interval must be one of {sorted(_TWELFTHS)} or None (got {interval!r}).")
        df = df[df["interval"] == interval]
    df = df[(df["end"].isna() | (df["end"] > df["start"]))]
    step = df["interval"].map({"month": 1, "year": 12}).to_numpy()
    if np.isnan(step.astype(float)).any():
        raise KpiDataError("renewal_rate handles month and year contracts; filter week/day plans out or pass interval=.")
    step = step.astype(np.int64)
    s = df["start"].to_numpy().astype("datetime64[ns]")
    e = df["end"].to_numpy().astype("datetime64[ns]")
    stop = np.where(np.isnat(e), np.datetime64(as_of.to_datetime64(), "ns"), np.minimum(e, as_of.to_datetime64()))
    months_span = ((stop.astype("datetime64[M]") - s.astype("datetime64[M]")).astype(np.int64))
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
    cand = pd.DataFrame({"row": np.arange(rep.size), "customer_id": df["customer_id"].to_numpy()[rep],
                         "sid": df["subscription_id"].to_numpy()[rep], "end": e_rep})
    cand = cand[~runs_on & ~np.isnat(e_rep)]
    replaced = np.zeros(rep.size, dtype=bool)
    if not cand.empty:
        j = cand.merge(starts, on="customer_id")
        hit = (j["other"] != j["sid"]) & (j["start"] >= j["end"]) & (j["start"] <= j["end"] + pd.Timedelta(grace_ns))
        replaced[j.loc[hit, "row"].unique()] = True
    renewed = runs_on | replaced
    value = df["mrr_cents"].to_numpy()[rep] / 100.0
    due_frame = pd.DataFrame({"date": r, "renewed": renewed, "value": value})
    if period is not None:
        if isinstance(period, tuple):
            lo, hi = pd.Timestamp(period[0]), pd.Timestamp(period[1])
        else:
            try:
                p = period if isinstance(period, pd.Period) else pd.Period(period)
            except (ValueError, TypeError):
                raise KpiDataError(
                    f"period {period!r} is not a period; use e.g. '2025Q1', '2025-03', '2025' or a (start, end) pair."
                ) from None
            lo, hi = p.start_time, (p + 1).start_time
        sel = (due_frame["date"] >= lo) & (due_frame["date"] < hi)
        g = due_frame[sel]
        out = pd.DataFrame({"period": [lo], "period_end": [hi], "contracts_due": [len(g)],
                            "contracts_renewed": [int(g["renewed"].sum())],
                            "value_due": [g["value"].sum()], "value_renewed": [g.loc[g["renewed"], "value"].sum()]})
        out.attrs["partial_period"] = bool(hi > as_of + pd.Timedelta(days=1))
    else:
        offset = to_offset(freq)
        lo = offset.rollback(df["start"].min().normalize()) if len(df) else offset.rollback(as_of.normalize())
        bounds = pd.date_range(lo, offset.rollback(as_of.normalize()), freq=offset)
        bounds = bounds.append(pd.DatetimeIndex([bounds[-1] + offset]))
        pidx = np.searchsorted(bounds.asi8, due_frame["date"].to_numpy().astype(np.int64), side="right") - 1
        due_frame["p"] = pidx
        agg = due_frame.groupby("p").agg(contracts_due=("renewed", "size"), contracts_renewed=("renewed", "sum"),
                                         value_due=("value", "sum"))
        agg["value_renewed"] = due_frame[due_frame["renewed"]].groupby("p")["value"].sum()
        agg = agg.reindex(np.arange(len(bounds) - 1), fill_value=0).fillna(0.0)
        out = pd.DataFrame({"period": bounds[:-1], "period_end": bounds[1:]})
        for c in ["contracts_due", "contracts_renewed", "value_due", "value_renewed"]:
            out[c] = agg[c].to_numpy()
        out["contracts_due"] = out["contracts_due"].astype(np.int64)
        out["contracts_renewed"] = out["contracts_renewed"].astype(np.int64)
    rate_frame(out, "contracts_renewed", "contracts_due", "renewal_rate", level=level)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value_renewal_rate"] = np.where(out["value_due"] > 0, out["value_renewed"] / out["value_due"], np.nan)
    return out


# --------------------------------------------------------------------------------------- cohorts


def cohort_retention(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    kind: Literal["logo", "revenue"] = "logo",
    as_of=None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Cohort retention in tidy form: one row per cohort and age.

    Cohort = period of the customer's first paid subscription. Age k = the end of the k-th period
    after the cohort's (age 0: end of the joining period, so customers who join and leave at once
    show there). Logo: retention = cohort customers paying at that date / cohort size (with Wilson
    interval). Revenue: retention = cohort MRR at that date / cohort starting MRR (MRR of each
    customer's first paid subscriptions), expansion included, so it can exceed 100%.
    Cells not yet observed are absent.

    Returns
    -------
    DataFrame
        cohort, age, cohort_size, base, retained, retention, and for logo ci_low, ci_high,
        small_sample (revenue: base and retained in currency floats).

    References
    ----------
    ChartMogul Help Center, "Cohort analysis"; Fader and Hardie (2007) on reading cohort survival.
    """
    if kind not in ("logo", "revenue"):
        raise KpiDataError(f"kind must be 'logo' or 'revenue' (got {kind!r}).")
    led = _ledger(subscriptions, freq, as_of)
    n_p = len(led.periods)
    cust = np.flatnonzero(led.first_period >= 0)
    coh = led.first_period[cust]
    ages = np.arange(n_p)
    rows_c = np.repeat(cust, n_p)
    rows_coh = np.repeat(coh, n_p)
    rows_age = np.tile(ages, cust.size)
    obs = rows_coh + rows_age + 1 <= n_p
    rows_c, rows_coh, rows_age = rows_c[obs], rows_coh[obs], rows_age[obs]
    snap = led.matrix[rows_c, rows_coh + rows_age + 1]
    size = np.bincount(coh, minlength=n_p)
    if kind == "logo":
        val, base_per = (snap > 0).astype(np.int64), np.ones(cust.size, dtype=np.int64)
    else:
        df = led.subs
        s = df["start"].to_numpy().astype("datetime64[ns]")
        e = df["end"].to_numpy().astype("datetime64[ns]")
        paid = (np.isnat(e) | (e > s)) & (df["mrr_cents"].to_numpy() > 0)
        s_paid = pd.Series(np.where(paid, s, np.datetime64("NaT")))
        first_start = s_paid.groupby(led.code).transform("min").to_numpy()
        init = paid & (s == first_start)
        init_mrr = np.bincount(led.code[init], weights=df["mrr_cents"].to_numpy()[init],
                               minlength=len(led.customers)).astype(np.int64)
        val, base_per = snap, init_mrr[cust]
    key = rows_coh * n_p + rows_age
    retained = np.bincount(key, weights=val, minlength=n_p * n_p)
    base_coh = np.bincount(coh, weights=base_per, minlength=n_p)
    seen = np.bincount(key, minlength=n_p * n_p) > 0
    k = np.flatnonzero(seen)
    out = pd.DataFrame({"cohort": led.periods[k // n_p], "age": k % n_p, "cohort_size": size[k // n_p]})
    if kind == "logo":
        out["base"] = base_coh[k // n_p].astype(np.int64)
        out["retained"] = retained[k].astype(np.int64)
        rate_frame(out, "retained", "base", "retention", level=level)
    else:
        out["base"] = base_coh[k // n_p] / 100.0
        out["retained"] = retained[k] / 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            out["retention"] = np.where(out["base"] > 0, out["retained"] / out["base"], np.nan)
    out.attrs["kind"] = kind
    return out.sort_values(["cohort", "age"]).reset_index(drop=True)


def cohort_matrix(cohorts: pd.DataFrame, value: str = "retention", label: str = "%Y-%m") -> pd.DataFrame:
    """Pivot a :func:`cohort_retention` frame into the triangle (rows cohorts, columns ages).

    Row labels are the cohort start formatted with ``label`` followed by the cohort size, e.g.
    "2024-03 (n=212)"; unobserved cells are NaN.
    """
    c = cohorts.copy()
    c["row"] = c["cohort"].dt.strftime(label) + " (n=" + c["cohort_size"].astype(str) + ")"
    m = c.pivot(index="row", columns="age", values=value)
    order = c.drop_duplicates("row").sort_values("cohort")["row"]
    m = m.loc[order]
    m.index.name = "cohort"
    m.columns.name = "age"
    return m


def cohort_average(cohorts: pd.DataFrame, min_age: int | None = None, level: float = 0.95) -> pd.DataFrame:
    """Retention by age averaged over cohorts, weighted by cohort size (sum retained / sum base).

    Only cohorts old enough count: at each age, the cohorts observed at that age; with ``min_age``,
    only cohorts observed at least through ``min_age`` (the same cohorts at every age up to it, so the
    curve does not jump when young cohorts drop out).

    Returns
    -------
    DataFrame
        age, cohorts, base, retained, retention (and ci_low, ci_high, small_sample for logo frames).
    """
    c = cohorts
    if min_age is not None:
        oldest = c.groupby("cohort")["age"].transform("max")
        c = c[oldest >= min_age]
        c = c[c["age"] <= min_age]
        if c.empty:
            raise KpiDataError(f"No cohort is observed through age {min_age}; lower min_age.")
    g = c.groupby("age").agg(cohorts=("cohort", "nunique"), base=("base", "sum"), retained=("retained", "sum")).reset_index()
    if cohorts.attrs.get("kind", "logo") == "logo" and "ci_low" in cohorts:
        g["base"] = g["base"].astype(np.int64)
        g["retained"] = g["retained"].astype(np.int64)
        return rate_frame(g, "retained", "base", "retention", level=level)
    g["retention"] = g["retained"] / g["base"]
    return g


def customer_lifetimes(
    subscriptions: pd.DataFrame,
    as_of=None,
    unit: Literal["D", "M"] = "M",
) -> pd.DataFrame:
    """One row per paying customer: first paid spell, for survival analysis.

    A spell runs from the customer's first paid start until the first moment they hold no paying
    subscription (gaps between overlapping or back-to-back subscriptions do not end it). duration =
    spell end (or ``as_of`` while still paying) - first start; churned = the spell ended by ``as_of``
    (otherwise right-censored). Segment columns come from the first subscription (largest MRR on
    ties): plan, interval. Later returns (reactivations) are not part of the first spell;
    ``reactivated`` flags them.

    Parameters
    ----------
    unit : {"M", "D"}
        Duration in months (days / 30.4375) or days.

    Returns
    -------
    DataFrame
        customer_id, start, end, duration, churned, plan, interval, mrr (first MRR, float currency),
        active (paying at as_of), reactivated.
    """
    df = _validate(subscriptions)
    if as_of is None:
        as_of = df["start"].max()
    as_of = pd.Timestamp(as_of)
    d = df[(df["mrr_cents"] > 0) & (df["end"].isna() | (df["end"] > df["start"])) & (df["start"] <= as_of)].copy()
    if d.empty:
        raise KpiDataError("No paying subscription starts by as_of; nothing to measure.")
    d["_end"] = d["end"].fillna(pd.Timestamp.max.floor("D"))
    d = d.sort_values(["customer_id", "start", "_end"], kind="stable")
    prev_max = d.groupby("customer_id")["_end"].cummax().groupby(d["customer_id"]).shift()
    new_spell = prev_max.isna() | (d["start"] > prev_max)
    spell = new_spell.astype(int).groupby(d["customer_id"]).cumsum()
    first = d[spell == 1]
    firsts = d.sort_values(["customer_id", "start", "mrr_cents"], ascending=[True, True, False]).drop_duplicates("customer_id")
    g = first.groupby("customer_id").agg(start=("start", "min"), end=("_end", "max"))
    g["churned"] = g["end"] <= as_of
    g["end"] = g["end"].where(g["churned"])
    stop = g["end"].fillna(as_of)
    days = (stop - g["start"]) / pd.Timedelta(days=1)
    g["duration"] = days / 30.4375 if unit == "M" else days
    f = firsts.set_index("customer_id")
    g["plan"] = f["plan"] if "plan" in f else pd.NA
    g["interval"] = f["interval"]
    g["mrr"] = f["mrr_cents"] / 100.0
    act = d[(d["start"] <= as_of) & (d["_end"] > as_of)]["customer_id"].unique()
    g["active"] = g.index.isin(act)
    g["reactivated"] = (spell.groupby(d["customer_id"]).max() > 1).reindex(g.index).to_numpy()
    g = g.reset_index()
    return g[["customer_id", "start", "end", "duration", "churned", "plan", "interval", "mrr", "active", "reactivated"]]


def cohort_survivors(
    subscriptions: pd.DataFrame,
    periods: int,
    start=None,
    end=None,
    cohort_months: int = 3,
    where: dict | None = None,
    period_months: int = 1,
    as_of=None,
) -> pd.DataFrame:
    """Customers of one acquisition cohort still paying at the start of periods 0..``periods``.

    The input of :class:`kpikit.survival.ShiftedBetaGeometric`. The cohort is the customers whose
    first paid subscription starts in ``[start, end)`` (default: the first ``cohort_months`` calendar
    months of the data), optionally only those whose first subscription matches ``where`` (e.g.
    ``{"interval": "month"}``). A customer is alive at the start of period t when their first paid
    spell (see :func:`customer_lifetimes`) lasts past start + t x ``period_months`` calendar months
    (a monthly subscriber who pays twice, Jan 1 to Mar 1, is alive at t = 0 and 1). Returns come
    back as new spells and are not counted, so the counts never increase.

    Every customer must be observed through the last period: the cohort's last start plus
    ``periods`` periods must not pass ``as_of``; otherwise the counts would mix censored customers
    with churned ones, so a KpiDataError says how many periods are available.

    Returns
    -------
    DataFrame
        period (0..periods), survivors, share (survivors / cohort size). ``attrs`` hold cohort start,
        end and size.
    """
    life = customer_lifetimes(subscriptions, as_of=as_of, unit="D")
    df_as_of = pd.Timestamp(as_of) if as_of is not None else _validate(subscriptions)["start"].max()
    if start is None:
        start = life["start"].min().to_period("M").start_time
    start = pd.Timestamp(start)
    end = pd.Timestamp(end) if end is not None else start + pd.DateOffset(months=cohort_months)
    sel = (life["start"] >= start) & (life["start"] < end)
    for col, val in (where or {}).items():
        if col not in life.columns:
            raise KpiDataError(f"where: unknown column {col!r}; use one of {list(life.columns)}.")
        sel &= life[col] == val
    c = life[sel]
    if c.empty:
        raise KpiDataError(f"No customer starts between {start:%Y-%m-%d} and {end:%Y-%m-%d} with {where or {}}.")
    last_needed = _add_months(np.array([c["start"].max().to_datetime64()]), np.array([periods * period_months]))[0]
    if last_needed > df_as_of.to_datetime64():
        have = 0
        while _add_months(np.array([c["start"].max().to_datetime64()]), np.array([(have + 1) * period_months]))[0] <= df_as_of.to_datetime64():
            have += 1
        raise KpiDataError(
            f"The cohort starting {start:%Y-%m-%d}..{end:%Y-%m-%d} is observed for {have} full periods only "
            f"(as_of {df_as_of:%Y-%m-%d}); ask for periods <= {have} or choose an earlier cohort."
        )
    s = c["start"].to_numpy().astype("datetime64[ns]")
    stop = np.where(c["churned"].to_numpy(), c["end"].to_numpy().astype("datetime64[ns]"), np.datetime64("NaT"))
    counts = []
    for t in range(periods + 1):  # a loop over periods, not customers
        due = _add_months(s, np.full(s.size, t * period_months))
        alive = np.isnat(stop) | (stop > due)
        counts.append(int(alive.sum()) if t else int(s.size))
    out = pd.DataFrame({"period": np.arange(periods + 1), "survivors": counts})
    out["share"] = out["survivors"] / out["survivors"].iloc[0]
    out.attrs.update({"cohort_start": start, "cohort_end": end, "customers": int(s.size)})
    return out


def churn_rates(summary: pd.DataFrame, by: str) -> dict:
    """Turn a :func:`summarise_churn` frame into ``{segment: Rate}`` (for recording headline KPIs)."""
    return {str(r[by]): rate(int(r["churned"]), int(r["at_risk"]), warn_small=False) for _, r in summary.iterrows()}


# --------------------------------------------------------------------------------------- value


@dataclass(frozen=True)
class SubscriptionLTV:
    """Subscription lifetime value with the inputs it rests on and the variant named."""

    value: float
    low: float
    high: float
    arpa: float
    churn_rate: float
    gross_margin: float | None
    variant: str

    def __float__(self) -> float:
        return float(self.value)

    def as_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


def subscription_ltv(arpa: float, churn_rate: float | Rate, gross_margin: float | None = None) -> SubscriptionLTV:
    """Subscription LTV = ARPA x gross margin / churn rate (same time unit for ARPA and churn).

    With ``gross_margin=None`` the no-margin variant ARPA / churn is returned and labelled as such: it
    is revenue per customer lifetime, not profit, and overstates what a customer is worth. When
    ``churn_rate`` is a :class:`~kpikit.stats.Rate`, the interval follows from its interval
    (ARPA x margin / high, ARPA x margin / low).

    Examples
    --------
    >>> ltv = subscription_ltv(50.0, 0.05, gross_margin=0.6)
    >>> round(ltv.value, 2), ltv.variant
    (600.0, 'ARPA x gross margin / churn')
    >>> subscription_ltv(50.0, 0.05).variant
    'ARPA / churn (no margin: revenue, not profit)'
    """
    c = float(churn_rate)
    if not 0 < c <= 1:
        raise KpiDataError(f"churn_rate must be in (0, 1] (got {c}); with no churn the formula has no finite value.")
    if gross_margin is not None and not 0 < gross_margin <= 1:
        raise KpiDataError(f"gross_margin must be a fraction in (0, 1] (got {gross_margin}); 60% is 0.6.")
    m = 1.0 if gross_margin is None else float(gross_margin)
    v = arpa * m / c
    if isinstance(churn_rate, Rate):
        low = arpa * m / churn_rate.high if churn_rate.high > 0 else np.nan
        high = arpa * m / churn_rate.low if churn_rate.low > 0 else np.inf
    else:
        low = high = np.nan
    variant = "ARPA x gross margin / churn" if gross_margin is not None else "ARPA / churn (no margin: revenue, not profit)"
    return SubscriptionLTV(float(v), float(low), float(high), float(arpa), c, gross_margin, variant)


def customer_retention_cost(retention_spend: float, customers_retained: int) -> float:
    """Customer retention cost = retention spend in the period / customers retained in the period.

    Customers retained = customers paying at the start of the period and still paying at its end.

    Examples
    --------
    >>> customer_retention_cost(12_000.0, 800)
    15.0
    """
    if customers_retained <= 0:
        raise KpiDataError("customers_retained must be positive: no customer was retained to spread the cost over.")
    if retention_spend < 0:
        raise KpiDataError("retention_spend must be >= 0.")
    return float(retention_spend) / customers_retained


# --------------------------------------------------------------------------------------- teaching


def common_mistakes(subscriptions: pd.DataFrame, period, freq: str = "MS", as_of=None) -> pd.DataFrame:
    """The three classic errors of popular churn articles next to the right number, on the same data.

    For one period (a period start for ``freq``):
    1. churn from customers *added*: new customers / customers at start, vs lost / at start;
    2. renewal ratio inverted: active annual contracts / contracts renewed, vs renewed / due;
    3. expansion MRR as "average add-on x number of customers": (expansion MRR / expanding customers)
       x customers at start, vs the sum of each expanding customer's MRR increase.

    Returns
    -------
    DataFrame
        mistake, wrong, right, wrong_formula, right_formula.
    """
    led = _ledger(subscriptions, freq, as_of)
    i = _boundary_index(led, period)
    if i >= len(led.periods):
        raise KpiDataError("period must not be the boundary after the last period.")
    a0, a1 = led.active[:, i], led.active[:, i + 1]
    start = int(a0.sum())
    added = int((~a0 & a1).sum())
    lost = int((a0 & ~a1).sum())
    ren = renewal_rate(led.subs, period=(led.bounds[i], led.bounds[i + 1]), as_of=led.as_of)
    due, renewed = int(ren["contracts_due"].iloc[0]), int(ren["contracts_renewed"].iloc[0])
    subs = led.subs
    annual_active = int(((subs["interval"] == "year") & (subs["start"] < led.bounds[i + 1])
                         & (subs["end"].isna() | (subs["end"] >= led.bounds[i + 1]))).sum())
    m0, m1 = led.matrix[:, i], led.matrix[:, i + 1]
    up = (m0 > 0) & (m1 > m0)
    expansion = (m1 - m0)[up].sum() / 100.0
    avg_addon = expansion / up.sum() if up.any() else 0.0
    rows = [
        ("churn counted from customers added", added / start if start else np.nan, lost / start if start else np.nan,
         f"added / start = {added} / {start}", f"lost / start = {lost} / {start}"),
        ("renewal rate inverted", annual_active / renewed if renewed else np.nan, renewed / due if due else np.nan,
         f"active annual / renewed = {annual_active} / {renewed}", f"renewed / due = {renewed} / {due}"),
        ("expansion MRR multiplied", avg_addon * start, expansion,
         f"average add-on x customers = {avg_addon:.2f} x {start}",
         f"sum of increases of the {int(up.sum())} expanding customers"),
    ]
    return pd.DataFrame(rows, columns=["mistake", "wrong", "right", "wrong_formula", "right_formula"])


def findings(
    churn_by_interval: pd.DataFrame | None = None,
    retention: pd.DataFrame | None = None,
    renewal: pd.DataFrame | None = None,
    movements: pd.DataFrame | None = None,
    by: str = "interval",
    alpha: float = 0.05,
) -> list[str]:
    """Plain-language findings from computed subscription KPIs.

    Parameters
    ----------
    churn_by_interval : DataFrame, optional
        :func:`summarise_churn` output with a ``by`` column (two or more segments): the highest and
        lowest churn are compared with a two-proportion test.
    retention : DataFrame, optional
        :func:`revenue_retention` output; the latest row is described.
    renewal : DataFrame, optional
        :func:`renewal_rate` output (rows with contracts due are pooled).
    movements : DataFrame, optional
        :func:`mrr_movements` output; the change over the whole span is described.
    """
    from kpikit.stats import compare_rates

    out: list[str] = []
    if movements is not None and len(movements):
        first = float(movements["mrr_start"].iloc[0])
        last = float(movements["mrr_end"].iloc[-1])
        churned = float(movements["churn"].astype(float).sum())
        new = float(movements["new"].astype(float).sum())
        out.append(
            f"MRR went from {first:,.2f} to {last:,.2f} over {len(movements)} periods; new customers added "
            f"{new:,.2f} and churn took away {churned:,.2f} of monthly revenue."
        )
    if churn_by_interval is not None and len(churn_by_interval) >= 2:
        c = churn_by_interval.sort_values("churn_rate", ascending=False)
        hi, lo = c.iloc[0], c.iloc[-1]
        cmp = compare_rates((int(hi["churned"]), int(hi["at_risk"])), (int(lo["churned"]), int(lo["at_risk"])))
        verdict = "a clear difference" if cmp.p_value < alpha else "not a clear difference at this sample size"
        out.append(
            f"{by} '{hi[by]}' churns {hi['churn_rate']:.1%} per period (95% CI {hi['ci_low']:.1%}-{hi['ci_high']:.1%}) "
            f"against {lo['churn_rate']:.1%} for '{lo[by]}' ({lo['ci_low']:.1%}-{lo['ci_high']:.1%}): "
            f"{verdict} (p = {cmp.p_value:.2g})."
        )
    if retention is not None and len(retention):
        r = retention.iloc[-1]
        out.append(
            f"Of the customers paying on {r['base_period']:%Y-%m-%d}, {r['logo_retention']:.1%} still pay on "
            f"{r['end_period']:%Y-%m-%d}; gross revenue retention is {r['grr']:.1%} and net revenue retention "
            f"{r['nrr']:.1%}" + (" (expansion more than offsets losses)." if r["nrr"] > 1 else ".")
        )
    if renewal is not None and renewal["contracts_due"].sum() > 0:
        due = int(renewal["contracts_due"].sum())
        ren = int(renewal["contracts_renewed"].sum())
        r = rate(ren, due, warn_small=False)
        out.append(
            f"{ren} of {due} contracts up for renewal renewed: a renewal rate of {r.value:.1%} "
            f"(95% CI {r.low:.1%}-{r.high:.1%})."
        )
    return out
