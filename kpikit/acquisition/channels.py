"""Channel and campaign economics: CPA, CTR, ROAS, marketing ROI, net value per transaction, per-channel economics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.acquisition.costs import _count, _gross_margin, _money, _ratio, period_spend
from kpikit.errors import KpiDataError
from kpikit.schemas import require_columns
from kpikit.stats import Rate, rate

__all__ = ["cpa", "ctr", "roas", "marketing_roi", "net_value_per_transaction", "channel_economics"]


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
        channel, cost, conversions, revenue, in_journeys, cpa, roas, roi; one row per channel present
        in either input (channels without spend have cost 0 and NaN CPA/ROAS/ROI: organic channels are
        not free, their cost is in labour; channels with spend that never appear in ``attributed``,
        ``in_journeys`` False, have NaN CPA/ROAS/ROI: the journeys cannot show what they return).

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
    # A channel with spend that never appears in the journeys is not shown to return nothing: its
    # touchpoints may simply not be tracked (outbound calls, events, partners), so its CPA, ROAS and ROI
    # are unknown (NaN), not -100%.
    f["in_journeys"] = f.index.isin(a.index.astype(str))
    measured = (f["cost"] > 0) & f["in_journeys"]
    f["cpa"] = np.where(measured, _ratio(f["cost"], f["conversions"]), np.nan)
    f["roas"] = np.where(measured, _ratio(f["revenue"], f["cost"]), np.nan)
    f["roi"] = np.where(measured, _ratio(f["revenue"] * margin - f["cost"], f["cost"]), np.nan)
    return (
        f.reset_index().sort_values(["cost", "channel"], ascending=[False, True], kind="stable").reset_index(drop=True)
    )
