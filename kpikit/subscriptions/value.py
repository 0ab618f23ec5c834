"""Subscription LTV and customer retention cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kpikit.errors import KpiDataError
from kpikit.stats import Rate

__all__ = ["SubscriptionLTV", "subscription_ltv", "customer_retention_cost"]


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

    Parameters
    ----------
    arpa : float
        Average revenue per account per period (e.g. per month, :func:`arpa`).
    churn_rate : float or Rate
        Customer churn rate per the same period (e.g. :func:`churn_rate` with ``freq="MS"``), in (0, 1].
    gross_margin : float, optional
        Gross margin as a fraction in (0, 1]; None gives the no-margin (revenue) variant.

    Returns
    -------
    SubscriptionLTV
        value, low, high (from the churn interval; NaN for a plain float churn), the inputs and the
        variant's name.

    References
    ----------
    ChartMogul Help Center, "Customer lifetime value (LTV)"; Baremetrics, "LTV".

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
    variant = (
        "ARPA x gross margin / churn" if gross_margin is not None else "ARPA / churn (no margin: revenue, not profit)"
    )
    return SubscriptionLTV(float(v), float(low), float(high), float(arpa), c, gross_margin, variant)


def customer_retention_cost(retention_spend: float, customers_retained: int) -> float:
    """Customer retention cost = retention spend in the period / customers retained in the period.

    Customers retained = customers paying at the start of the period and still paying at its end.

    Parameters
    ----------
    retention_spend : float
        Spend on keeping customers in the period (customer success, retention offers), >= 0.
    customers_retained : int
        Customers paying at the start of the period and still paying at its end, > 0.

    Returns
    -------
    float
        Currency per retained customer.

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
