"""Subscription KPIs: MRR and its movements, churn, renewal, GRR/NRR, cohorts, ARPA, LTV.

All functions take the canonical ``subscriptions`` table (see ``kpikit.schemas``): ``customer_id``,
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
- **Periods and snapshots.** ``freq`` is a period alias of the kit's one period table,
  :mod:`kpikit.stats.periods` ("MS", "M" or "ME" months, "QS" quarters, "YS" years, "W" weeks
  starting Monday, "D" days: calendar periods labelled by their first day), or any other pandas
  offset alias whose dates start the periods ("W-MON", "2MS"). The periods run from the one holding
  the first start to the one holding ``as_of`` (see below). KPIs compare customer states at the
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

Headline rates
--------------
:func:`churn_rate` is the one function that gives customer churn as a :class:`~kpikit.stats.Rate`
(pooled over periods, or of one period); :func:`pooled_renewal_rate` does the same for contract
renewals. Notebooks and reports call them rather than building a Rate from counts. Each KPI here,
with its definition and the mistake it guards against, is listed in ``docs/KPI_CATALOGUE.md``.

References
----------
ChartMogul Help Center, "MRR movements", "Customer churn rate"; Stripe Billing docs, "Billing
analytics: churn rate"; Baremetrics, "Quick ratio"; Fader and Hardie (2007) for survival projections
(see ``kpikit.survival``).
"""

from kpikit.subscriptions.churn import (
    MIN_CUSTOMERS,
    churn_by_segment,
    churn_rate,
    churn_rates,
    customer_churn,
    highest_churn,
    summarise_churn,
)
from kpikit.subscriptions.cohorts import (
    cohort_average,
    cohort_matrix,
    cohort_retention,
    cohort_survivors,
    customer_lifetimes,
)
from kpikit.subscriptions.findings import common_mistakes, findings
from kpikit.subscriptions.ledger import Money, SamePeriod, subscription_mrr
from kpikit.subscriptions.mrr import arpa, mrr, mrr_churn, mrr_movements, quick_ratio
from kpikit.subscriptions.retention import pooled_renewal_rate, renewal_period, renewal_rate, revenue_retention
from kpikit.subscriptions.value import (
    SubscriptionLTV,
    customer_retention_cost,
    subscription_ltv,
)

__all__ = [
    "subscription_mrr",
    "mrr",
    "mrr_movements",
    "mrr_churn",
    "quick_ratio",
    "customer_churn",
    "summarise_churn",
    "churn_rate",
    "churn_rates",
    "churn_by_segment",
    "highest_churn",
    "MIN_CUSTOMERS",
    "revenue_retention",
    "renewal_rate",
    "pooled_renewal_rate",
    "renewal_period",
    "cohort_retention",
    "cohort_matrix",
    "cohort_average",
    "customer_lifetimes",
    "cohort_survivors",
    "arpa",
    "SubscriptionLTV",
    "subscription_ltv",
    "customer_retention_cost",
    "common_mistakes",
    "findings",
    "Money",
    "SamePeriod",
]
