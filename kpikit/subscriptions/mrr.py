"""MRR, ARPA, MRR movements, gross and net MRR churn and the quick ratio."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kpikit.subscriptions.ledger import _MOVEMENTS, Money, _ledger, _money

__all__ = ["mrr", "mrr_movements", "mrr_churn", "quick_ratio", "arpa"]


def mrr(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    at: Literal["start", "end"] = "end",
    as_of: str | pd.Timestamp | None = None,
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
        Period grain: "MS" months, "QS" quarters, "YS" years (see the package notes).
    at : {"end", "start"}
        Snapshot at the end of each period (default, as ChartMogul's monthly MRR) or at its start.
        A customer starting or leaving on the first day of a period counts in that period.
    as_of : str or Timestamp, optional
        Last date of the data; default the latest start in the table.
    money : {"decimal", "cents", "float"}
        Type of the money columns.

    Returns
    -------
    DataFrame
        period, mrr, customers, arpa (arpa always float, currency per customer per month).

    References
    ----------
    ChartMogul Help Center, "Monthly recurring revenue (MRR)".

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
    return pd.DataFrame({"period": led.periods, "mrr": _money(total, money), "customers": customers, "arpa": arpa_})


def arpa(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    at: Literal["start", "end"] = "end",
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Average revenue per account per period: ARPA = MRR / paying customers (currency per month).

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain: "MS" months, "QS" quarters, "YS" years.
    at : {"end", "start"}
        Snapshot at the end of each period (default) or at its start.
    as_of : str or Timestamp, optional
        Last date of the data; default the latest start in the table.

    Returns
    -------
    DataFrame
        The frame of :func:`mrr` with float money: period, mrr, customers, arpa.

    References
    ----------
    ChartMogul Help Center, "Average revenue per account (ARPA)".
    """
    return mrr(subscriptions, freq=freq, at=at, as_of=as_of, money="float")


def mrr_movements(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    as_of: str | pd.Timestamp | None = None,
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
        Period grain: "MS" months, "QS" quarters, "YS" years.
    as_of : str or Timestamp, optional
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
            rows.append(
                pd.DataFrame(
                    {"customer_id": led.customers[c], "period": led.periods[p], "movement": name, "amount": f[c, p]}
                )
            )
        out = pd.concat(rows, ignore_index=True).sort_values(["period", "customer_id", "movement"])
        out["amount"] = _money(out["amount"].to_numpy(), money)
        return out.reset_index(drop=True)
    start, end = m0.sum(axis=0), m1.sum(axis=0)
    sums = {k: v.sum(axis=0) for k, v in flows.items()}
    check = start + sums["new"] + sums["expansion"] + sums["reactivation"] - sums["contraction"] - sums["churn"]
    if not np.array_equal(check, end):  # pragma: no cover - guaranteed by construction
        raise AssertionError("MRR bridge does not reconcile; please report this as a kpikit bug.")
    out = pd.DataFrame({"period": led.periods, "mrr_start": _money(start, money)})
    for k in _MOVEMENTS:
        out[k] = _money(sums[k], money)
    out["mrr_end"] = _money(end, money)
    out["customers_start"] = (m0 > 0).sum(axis=0)
    out["customers_end"] = (m1 > 0).sum(axis=0)
    return out


def mrr_churn(subscriptions: pd.DataFrame, freq: str = "MS", as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Gross and net MRR churn per period.

    gross_mrr_churn = (churn + contraction) / mrr_start;
    net_mrr_churn = (churn + contraction - expansion - reactivation) / mrr_start (negative when
    existing and returning customers add more than is lost: "negative churn").

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain: "MS" months, "QS" quarters, "YS" years.
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).

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
    sign of efficient growth (Mamoon Hamid). A period in which nothing was lost has no ratio: it is
    missing (NaN), never infinite, and a report writes it "n/a (no losses)" (``lost`` shows why).

    Parameters
    ----------
    movements : DataFrame
        The frame of :func:`mrr_movements` (any ``money`` type).
    reactivation : bool
        Count reactivation MRR as gained (Baremetrics and ChartMogul do; some investors do not).

    Returns
    -------
    DataFrame
        period, gained, lost (floats, currency), quick_ratio (missing where lost is 0).

    References
    ----------
    Mamoon Hamid (Social Capital), "The SaaS quick ratio"; Baremetrics, "Quick ratio".
    """
    f = {c: movements[c].astype(float).to_numpy() for c in _MOVEMENTS}
    gained = f["new"] + f["expansion"] + (f["reactivation"] if reactivation else 0.0)
    lost = f["contraction"] + f["churn"]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(lost > 0, gained / lost, np.nan)
    return pd.DataFrame({"period": movements["period"].to_numpy(), "gained": gained, "lost": lost, "quick_ratio": q})
