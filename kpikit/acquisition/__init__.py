"""Acquisition economics: CAC, CPA, CTR, ROAS, marketing ROI, CAC payback, net value per transaction.

Every figure here is a ratio of money to counts (or money to money) for an explicit period; the
period is always an argument, because "CAC" without its period and its spend definition cannot be
compared with anything. Rates that rest on counts (CTR) carry a Wilson interval.

Definitions (``docs/KPI_CATALOGUE.md``, "Funnels and acquisition")
- CAC, blended: all sales and marketing spend in the period / new customers in the period.
- CAC, paid: paid-media spend / customers attributed to paid channels.
- CAC per channel (:func:`channel_cac`): each paid channel's spend / the new customers it brought; its
  paid CAC is the paid channels' spend / their new customers. Notebook 02 and notebook 04 (LTV:CAC) take
  their CAC from here, and :func:`definitions_in_use` writes the line that says which one a report uses.
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

from kpikit.acquisition.channels import channel_economics, cpa, ctr, marketing_roi, net_value_per_transaction, roas
from kpikit.acquisition.costs import (
    cac,
    cac_payback_months,
    channel_cac,
    new_customers,
    paid_cac,
    period_spend,
    revenue_per_customer_month,
)
from kpikit.acquisition.definitions import definitions_in_use
from kpikit.acquisition.findings import findings

__all__ = [
    "period_spend",
    "new_customers",
    "revenue_per_customer_month",
    "cac",
    "channel_cac",
    "paid_cac",
    "definitions_in_use",
    "cpa",
    "ctr",
    "roas",
    "marketing_roi",
    "cac_payback_months",
    "net_value_per_transaction",
    "channel_economics",
    "findings",
]
