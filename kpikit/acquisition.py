"""Acquisition economics: CAC, CPA, CTR, ROAS, marketing ROI, CAC payback, net value per transaction.

Every figure here is a ratio of money to counts (or money to money) for an explicit period; the
period is always an argument, because "CAC" without its period and its spend definition cannot be
compared with anything. Rates that rest on counts (CTR) carry a Wilson interval.

Definitions (``docs/KPI_CATALOGUE.md``, "Funnels and acquisition")
- CAC, blended: all sales and marketing spend in the period / new customers in the period.
- CAC, paid: paid-media spend / customers attributed to paid channels.
- CAC by spend category (digital, outbound, ...): that category's spend / the same new customers,
  so the categories add up to blended CAC (a split of where the money went, not separate funnels).
- CPA = cost / conversions; CTR = clicks / impressions; ROAS = attributed revenue / ad cost;
  marketing ROI = (attributed revenue - cost) / cost (gross-profit variant: revenue x margin).
- CAC payback (months) = CAC / (monthly ARPA x gross margin).
- Net value per transaction = (conversion value - labour cost - paid-reach cost) / transactions: what a
  transaction leaves after the cost of producing it; it is not CAC (it is per transaction, not per
  new customer, and includes existing customers' purchases).

Conventions shared by every function here: money inputs must be non-negative numbers; a ratio whose
denominator is zero is NaN (unknown, never 0), except CAC payback, which is inf when nothing is
earned; gross margins are fractions between 0 and 1; a period is [start, end) with ``end`` exclusive.

References: David Skok, "SaaS Metrics 2.0" (CAC, payback months); Google Ads Help, "Return on ad spend
(ROAS)"; HubSpot, "How to calculate customer acquisition cost".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import column_list, require_columns
from kpikit.stats import Rate, rate

__all__ = [
    "period_spend",
    "new_customers",
    "revenue_per_customer_month",
    "cac",
    "cpa",
    "ctr",
    "roas",
    "marketing_roi",
    "cac_payback_months",
    "net_value_per_transaction",
    "channel_economics",
    "findings",
]

ALL_CATEGORIES = ("digital", "outbound", "labour", "tools")


def _money(x: object, name: str) -> float:
    """``x`` as a float, refused when it is not a number or is negative (NaN included)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise KpiDataError(f"{name} must be a number (got {x!r}).") from None
    if math.isnan(v) or v < 0:
        raise KpiDataError(f"{name} must be a non-negative amount (got {x!r}).")
    return v


def _ratio(num: ArrayLike, den: ArrayLike) -> np.ndarray:
    """The ratio num / den where den > 0, NaN elsewhere (nothing to divide by means unknown, not 0)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _gross_margin(x: float, allow_zero: bool = True) -> float:
    """A gross margin as a fraction in [0, 1] (or (0, 1] when ``allow_zero`` is False)."""
    if not (0 <= x <= 1 if allow_zero else 0 < x <= 1):
        interval = "between 0 and 1" if allow_zero else "in (0, 1]"
        raise KpiDataError(f"gross_margin is a fraction {interval} (got {x!r}).")
    return x


def _bounds(start: str | pd.Timestamp, end: str | pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period [start, end) as Timestamps, refused unless start < end."""
    try:
        s, e = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise KpiDataError(f"start and end must be dates (got {start!r}, {end!r}).") from None
    if not s < e:
        raise KpiDataError(f"The period must have start < end (got {s.date()} to {e.date()}); end is exclusive.")
    return s, e


def period_spend(
    spend: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    by: str | Sequence[str] | None = "category",
    categories: Sequence[str] | None = None,
) -> pd.DataFrame | float:
    """Spend in the period [start, end) (rows whose ``period`` falls inside), optionally grouped.

    Parameters
    ----------
    spend : DataFrame
        Canonical ``spend`` table: period (month start), channel, category, cost.
    start, end : str or Timestamp
        Period; ``end`` is exclusive. Month rows are counted whole: use month boundaries.
    by : str or list of str or None
        Grouping ("category", "channel", ["channel", "category"]); None returns the total.
    categories : sequence of str, optional
        Keep only these categories.

    Returns
    -------
    DataFrame or float
        The ``by`` columns and cost, one row per group; the total cost when ``by`` is None.

    Examples
    --------
    >>> sp = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "category": ["digital", "labour"],
    ...     "cost": [300.0, 200.0]})
    >>> period_spend(sp, "2025-01-01", "2025-03-01", by=None)
    500.0
    """
    need = ["period", "cost"] + column_list(by) + (["category"] if categories else [])
    require_columns(spend, need, "spend")
    s, e = _bounds(start, end)
    per = pd.to_datetime(spend["period"])
    neg = np.flatnonzero((spend["cost"] < 0).to_numpy())
    if neg.size:
        raise KpiDataError(
            f"spend, column 'cost': {neg.size} negative costs ({describe_rows((neg + 1).tolist())}). "
            "Refunds and credits belong in a separate adjustment, not negative spend."
        )
    d = spend[(per >= s) & (per < e)]
    if categories:
        d = d[d["category"].isin(list(categories))]
    if by is None:
        return float(d["cost"].sum())
    return d.groupby(column_list(by), sort=True)["cost"].sum().reset_index()


def new_customers(
    table: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    by: str | None = None,
    channels: Sequence[str] | None = None,
    channel_col: str = "channel",
) -> int | pd.DataFrame:
    """Customers whose first appearance (first purchase or subscription start) falls in [start, end).

    A customer seen before ``start`` is an existing customer, not a new one.

    Parameters
    ----------
    table : DataFrame
        Transactions (timestamp) or subscriptions (``time_col="start"``), one row per purchase.
    start, end : str or Timestamp
        The period; ``end`` exclusive.
    customer_col, time_col : str
        Columns with the customer and the time of each row.
    by : str, optional
        Column of the first row (e.g. the acquisition ``channel``) to count per value.
    channels : sequence of str, optional
        Count only customers whose first row's ``channel_col`` is one of these (e.g. the paid
        channels, for paid CAC).
    channel_col : str
        Column holding the channel, for ``channels``.

    Returns
    -------
    int or DataFrame
        The count, or one row per ``by`` value with ``new_customers``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-12-20", "2025-01-05", "2025-01-10"])})
    >>> new_customers(tx, "2025-01-01", "2025-02-01")
    1
    """
    need = [customer_col, time_col] + ([by] if by else []) + ([channel_col] if channels is not None else [])
    require_columns(table, need, "new_customers")
    s, e = _bounds(start, end)
    first = table.sort_values(time_col, kind="stable").drop_duplicates(customer_col, keep="first")
    first = first[(first[time_col] >= s) & (first[time_col] < e)]
    if channels is not None:
        first = first[first[channel_col].isin(list(channels))]
    if by is None:
        return int(len(first))
    return first.groupby(by, sort=True).size().rename("new_customers").reset_index()


def revenue_per_customer_month(
    transactions: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
) -> float:
    """Average monthly revenue per active customer in [start, end).

    revenue_per_customer_month = revenue / active customers / months, where active customers bought
    at least once in the period and months = days / (365.25 / 12).

    The transaction-business stand-in for ARPA in CAC payback (subscription businesses use MRR /
    paying customers instead).

    Parameters
    ----------
    transactions : DataFrame
        Canonical ``transactions`` table: customer_id, timestamp, amount.
    start, end : str or Timestamp
        The period; ``end`` exclusive.
    customer_col, time_col, amount_col : str
        Column names.

    Returns
    -------
    float
        Revenue per active customer per month (average month of 365.25 / 12 days).

    References
    ----------
    David Skok, "SaaS Metrics 2.0" (ARPA in the CAC payback).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [30.0, 60.0, 30.0],
    ...     "timestamp": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-02-10"])})
    >>> round(revenue_per_customer_month(tx, "2025-01-01", "2025-03-01"), 2)
    30.95
    """
    require_columns(transactions, (customer_col, time_col, amount_col), "transactions")
    s, e = _bounds(start, end)
    d = transactions[(transactions[time_col] >= s) & (transactions[time_col] < e)]
    n = d[customer_col].nunique()
    if n == 0:
        raise KpiDataError(f"transactions: no purchases between {s.date()} and {e.date()}; choose a period with data.")
    months = (e - s).days / (365.25 / 12)
    return float(d[amount_col].sum()) / n / months


def cac(
    spend: pd.DataFrame,
    new_customers: int,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    paid_customers: int | None = None,
    paid_categories: Sequence[str] = ("digital",),
    blended_categories: Sequence[str] = ALL_CATEGORIES,
    split: Sequence[str] = ("digital", "outbound"),
) -> pd.DataFrame:
    """Customer acquisition cost for the period [start, end): blended, paid, and split by category.

    blended = spend in ``blended_categories`` / new customers;
    paid = spend in ``paid_categories`` / paid-attributed customers;
    <category> = that category's spend / new customers (the categories of ``blended_categories`` add
    up to the blended CAC).

    Parameters
    ----------
    spend : DataFrame
        Canonical ``spend`` table.
    new_customers : int
        New customers acquired in the period (see :func:`new_customers`).
    start, end : str or Timestamp
        The period; ``end`` exclusive.
    paid_customers : int, optional
        Customers attributed to paid channels (e.g. credited conversions of paid channels from
        ``kk.attribution``); without it the paid row is left out.
    paid_categories : sequence of str
        Spend categories that count as paid media (default digital).
    blended_categories : sequence of str
        Spend counted in blended CAC (default all: digital, outbound, labour, tools). HubSpot and
        Skok include sales and marketing salaries; drop "labour" to get a media-only figure.
    split : sequence of str
        Categories to report separately (digital vs outbound).

    Returns
    -------
    DataFrame
        variant, spend, customers, cac; rows "blended", "paid" (when paid_customers is given), and one
        per ``split`` category. cac is NaN when there are no customers.

    References
    ----------
    David Skok, "SaaS Metrics 2.0"; HubSpot, "Customer acquisition cost".

    Examples
    --------
    >>> sp = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-01-01"]), "channel": ["Paid Search", "Sales"],
    ...     "category": ["digital", "outbound"], "cost": [3000.0, 1000.0]})
    >>> cac(sp, 40, "2025-01-01", "2025-02-01").set_index("variant")["cac"].to_dict()
    {'blended': 100.0, 'digital': 75.0, 'outbound': 25.0}
    """
    n = _count(new_customers, "new_customers")
    by_cat = period_spend(spend, start, end, by="category").set_index("category")["cost"]
    rows = [("blended", float(by_cat.reindex(list(blended_categories)).fillna(0).sum()), n)]
    if paid_customers is not None:
        rows.append(
            (
                "paid",
                float(by_cat.reindex(list(paid_categories)).fillna(0).sum()),
                _count(paid_customers, "paid_customers", whole=False),
            )
        )
    rows += [(c, float(by_cat.get(c, 0.0)), n) for c in split]
    f = pd.DataFrame(rows, columns=["variant", "spend", "customers"])
    f["cac"] = _ratio(f["spend"], f["customers"])
    return f


def _count(x: object, name: str, whole: bool = True) -> float:
    """A count checked like money (a non-negative number), and whole unless ``whole`` is False."""
    v = _money(x, name)
    if whole and not float(v).is_integer():
        raise KpiDataError(f"{name} must be a whole number of customers (got {x!r}).")
    return int(v) if whole else v


def cpa(cost: float, conversions: float) -> float:
    """Cost per acquisition (conversion): cost / conversions; NaN with no conversions.

    CPA = cost / conversions, where a conversion is any counted action (a purchase, a sign-up), not
    only a new customer: CPA is not CAC.

    Parameters
    ----------
    cost : float
        Media cost in the period (a non-negative amount).
    conversions : float
        Conversions in the period (credited conversions may be fractional).

    Returns
    -------
    float

    References
    ----------
    Google Ads Help, "Cost per acquisition (CPA)".

    Examples
    --------
    >>> cpa(500.0, 20)
    25.0
    """
    c, k = _money(cost, "cost"), _money(conversions, "conversions")
    return float(_ratio(c, k))


def ctr(clicks: int, impressions: int, level: float = 0.95) -> Rate:
    """Click-through rate: clicks / impressions, with its Wilson interval.

    CTR = clicks / impressions.

    Parameters
    ----------
    clicks, impressions : int
        Counts; ``clicks <= impressions``.
    level : float
        Confidence level of the interval.

    Returns
    -------
    Rate

    References
    ----------
    Google Ads Help, "Clickthrough rate (CTR)"; Wilson (1927).

    Examples
    --------
    >>> round(float(ctr(30, 1000)), 3)
    0.03
    """
    return rate(clicks, impressions, level=level)


def roas(revenue: float, cost: float) -> float:
    """Return on ad spend: attributed revenue / ad cost (a ratio, 4.0 = 400%); NaN when cost is 0.

    ROAS = attributed revenue / ad cost.

    Parameters
    ----------
    revenue : float
        Revenue attributed to the ads (a non-negative amount).
    cost : float
        Ad cost of the same period and channels.

    Returns
    -------
    float

    References
    ----------
    Google Ads Help, "Return on ad spend (ROAS)".

    Examples
    --------
    >>> roas(2000.0, 500.0)
    4.0
    """
    r, c = _money(revenue, "revenue"), _money(cost, "cost")
    return float(_ratio(r, c))


def marketing_roi(revenue: float, cost: float, gross_margin: float | None = None) -> float:
    """Marketing ROI: (attributed revenue - cost) / cost.

    With ``gross_margin`` the gross-profit variant: (revenue x margin - cost) / cost, which is the one
    to use for decisions (revenue ROI flatters low-margin products).

    Parameters
    ----------
    revenue : float
        Attributed revenue (a non-negative amount).
    cost : float
        Marketing cost of the same period and channels.
    gross_margin : float, optional
        Gross margin as a fraction between 0 and 1, for the gross-profit variant.

    Returns
    -------
    float
        NaN when the cost is 0.

    References
    ----------
    Farris, Bendle, Pfeifer and Reibstein (2010), "Marketing Metrics", 2nd ed., return on marketing
    investment.

    Examples
    --------
    >>> marketing_roi(2000.0, 500.0)
    3.0
    >>> marketing_roi(2000.0, 500.0, gross_margin=0.4)
    0.6
    """
    r, c = _money(revenue, "revenue"), _money(cost, "cost")
    if gross_margin is not None:
        r *= _gross_margin(gross_margin)
    return float(_ratio(r - c, c))


def cac_payback_months(cac: float, arpa_monthly: float, gross_margin: float = 1.0) -> float:
    """Months to earn back CAC: CAC / (monthly ARPA x gross margin); inf when nothing is earned.

    Skok's rule of thumb: under 12 months.

    Parameters
    ----------
    cac : float
        Customer acquisition cost (see :func:`cac`).
    arpa_monthly : float
        Monthly revenue per account (see :func:`revenue_per_customer_month`).
    gross_margin : float
        Gross margin as a fraction in (0, 1] (default 1: revenue payback).

    Returns
    -------
    float
        Months; inf when the margin per month is 0.

    References
    ----------
    David Skok, "SaaS Metrics 2.0" (months to recover CAC).

    Examples
    --------
    >>> cac_payback_months(300.0, 50.0, gross_margin=0.6)
    10.0
    """
    c, a = _money(cac, "cac"), _money(arpa_monthly, "arpa_monthly")
    m = a * _gross_margin(gross_margin, allow_zero=False)
    return c / m if m > 0 else float("inf")


def net_value_per_transaction(value: float, labour_cost: float, paid_reach_cost: float, transactions: int) -> float:
    """(conversion value - labour cost - paid-reach cost) / transactions.

    What one transaction leaves after the labour and paid reach that produced the period's
    transactions. A seed article calls it "real acquisition value"; it is not CAC: it is per
    transaction (repeat purchases included), not per new customer, and nets value against cost.

    Parameters
    ----------
    value : float
        Conversion value of the period's transactions.
    labour_cost : float
        Labour cost of producing them.
    paid_reach_cost : float
        Paid reach (media) cost of the period.
    transactions : int
        Transactions in the period (at least one).

    Returns
    -------
    float
        May be negative when the costs exceed the value.

    References
    ----------
    kpikit's definition (see ``docs/KPI_CATALOGUE.md``); it nets value against cost per transaction.

    Examples
    --------
    >>> net_value_per_transaction(10000.0, 2000.0, 3000.0, 100)
    50.0
    """
    v = _money(value, "value")
    lab, paid = _money(labour_cost, "labour_cost"), _money(paid_reach_cost, "paid_reach_cost")
    n = _count(transactions, "transactions")
    if n == 0:
        raise KpiDataError("net_value_per_transaction needs at least one transaction in the period.")
    return (v - lab - paid) / n


def channel_economics(
    spend: pd.DataFrame,
    attributed: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    conversions_col: str = "conversions",
    revenue_col: str | None = "revenue",
    categories: Sequence[str] | None = ("digital", "outbound"),
    gross_margin: float | None = None,
) -> pd.DataFrame:
    """Cost, credited conversions and revenue per channel, with CPA, ROAS and ROI.

    cpa = cost / conversions, roas = revenue / cost, roi = (revenue x margin - cost) / cost, each
    per channel and NaN for channels without spend (or, for CPA, without conversions).

    Parameters
    ----------
    spend : DataFrame
        Canonical ``spend`` table.
    attributed : DataFrame
        One row per channel with credited conversions (and revenue): the output of
        ``kk.attribution.attribute`` for the same period.
    start, end : str or Timestamp
        The spend period [start, end).
    conversions_col : str
        Column of ``attributed`` with the credited conversions.
    revenue_col : str, optional
        Column of ``attributed`` with the credited revenue; None (or absent) gives NaN revenue.
    categories : sequence of str, optional
        Spend categories counted as channel cost (default digital and outbound: media and outbound
        sales; labour and tools are overheads).
    gross_margin : float, optional
        Gross margin between 0 and 1, for the gross-profit ROI variant.

    Returns
    -------
    DataFrame
        channel, cost, conversions, revenue, cpa, roas, roi; one row per channel present in either
        input (channels without spend have cost 0 and NaN CPA/ROAS/ROI: organic channels are not free,
        their cost is in labour).

    References
    ----------
    Google Ads Help, "Cost per acquisition (CPA)" and "Return on ad spend (ROAS)"; Farris et al. (2010),
    "Marketing Metrics" (ROI).
    """
    require_columns(
        attributed, ["channel", conversions_col], "attributed", fix="Pass the output of kk.attribution.attribute."
    )
    margin = _gross_margin(gross_margin) if gross_margin is not None else 1.0
    cost = period_spend(spend, start, end, by="channel", categories=categories).set_index("channel")["cost"]
    a = attributed.set_index("channel")
    idx = sorted(set(cost.index.astype(str)) | set(a.index.astype(str)))
    f = pd.DataFrame(index=pd.Index(idx, name="channel"))
    f["cost"] = cost.reindex(idx).fillna(0.0).to_numpy()
    f["conversions"] = a[conversions_col].reindex(idx).fillna(0.0).to_numpy()
    f["revenue"] = (
        a[revenue_col].reindex(idx).fillna(0.0).to_numpy() if revenue_col and revenue_col in a.columns else np.nan
    )
    has_cost = f["cost"] > 0
    f["cpa"] = np.where(has_cost, _ratio(f["cost"], f["conversions"]), np.nan)
    f["roas"] = _ratio(f["revenue"], f["cost"])
    f["roi"] = _ratio(f["revenue"] * margin - f["cost"], f["cost"])
    return (
        f.reset_index().sort_values(["cost", "channel"], ascending=[False, True], kind="stable").reset_index(drop=True)
    )


def findings(
    cac_table: pd.DataFrame, economics: pd.DataFrame | None = None, payback_months: float | None = None
) -> list[str]:
    """Findings on acquisition economics in words, from :func:`cac` and :func:`channel_economics`.

    Blended CAC with its spend and customers, the split by category, paid CAC, the payback against
    the 12-month rule of thumb, the best and weakest ROAS, and the channels with negative ROI.

    Parameters
    ----------
    cac_table : DataFrame
        Result of :func:`cac`.
    economics : DataFrame, optional
        Result of :func:`channel_economics`.
    payback_months : float, optional
        Result of :func:`cac_payback_months`.

    Returns
    -------
    list of str
        One sentence per finding.
    """
    out = []
    c = cac_table.set_index("variant")
    if "blended" in c.index and not np.isnan(c.loc["blended", "cac"]):
        b = c.loc["blended"]
        out.append(
            f"Blended CAC is {b['cac']:,.0f} ({b['spend']:,.0f} of spend over {int(b['customers']):,} new customers)."
        )
    parts = [
        f"{v} {c.loc[v, 'cac']:,.0f}" for v in ("digital", "outbound") if v in c.index and not np.isnan(c.loc[v, "cac"])
    ]
    if parts:
        out.append("Of that, per new customer: " + ", ".join(parts) + ".")
    if "paid" in c.index and not np.isnan(c.loc["paid", "cac"]):
        out.append(f"Paid CAC (paid media over paid-attributed customers) is {c.loc['paid', 'cac']:,.0f}.")
    if payback_months is not None and np.isfinite(payback_months):
        verdict = "within" if payback_months <= 12 else "beyond"
        out.append(f"CAC is paid back in {payback_months:.1f} months, {verdict} the 12-month rule of thumb.")
    if economics is not None:
        e = economics.dropna(subset=["roas"])
        e = e[e["cost"] > 0]
        if not e.empty:
            best, worst = e.loc[e["roas"].idxmax()], e.loc[e["roas"].idxmin()]
            out.append(
                f"Best return on spend: {best['channel']} (ROAS {best['roas']:.1f}); weakest: {worst['channel']} (ROAS {worst['roas']:.1f})."
            )
            losing = e[e["roi"] < 0]["channel"].tolist()
            if losing:
                out.append(
                    "Channels whose attributed revenue does not cover their cost (ROI < 0): "
                    + ", ".join(map(str, losing))
                    + "."
                )
    return out
