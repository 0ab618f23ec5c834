"""Customer-success KPIs: NPS, CSAT, CES, FCR, response times, health score, and churn by indicator.

The survey and support scores are leading indicators of churn: this package computes each of them
with its interval and links them to churn per customer group.

Modules
-------
- ``scores``: survey scores (:func:`nps`, :func:`nps_group`, :func:`csat`, :func:`ces`) and each
  customer's answers (:func:`customer_scores`);
- ``support``: the ``tickets`` table (:func:`fcr`, :func:`first_response_time`,
  :func:`support_profile`);
- ``health``: the customer health score (:func:`health_score`);
- ``indicators``: churn per group of a leading indicator (:func:`churn_by`);
- ``findings``: plain-language findings (:func:`findings`).

Conventions
-----------
Scores keep their own scale (NPS -100..100, CES 1..7); shares are fractions with Wilson intervals.
Scores outside the scale raise :class:`~kpikit.errors.KpiDataError` naming the rows (index labels of
a Series, 1-based positions of a list or array): an 11 on a 0-10 scale or a 0 on a 1-5 scale means
the export mixed scales, and averaging it in would be a silent wrong number. Churn here is a flag per
customer (e.g. from ``kk.subscriptions.customer_lifetimes``); the period churn rate of a subscription
business is ``kk.subscriptions.churn_rate``. Each KPI is listed in ``docs/KPI_CATALOGUE.md``.

References
----------
Reichheld (2003), "The one number you need to grow", Harvard Business Review (NPS); the American
Customer Satisfaction Index and vendor docs (Zendesk, Qualtrics) for CSAT; Dixon, Freeman and Toman
(2010), "Stop trying to delight your customers", HBR, and Gartner's CES 2.0 (1-7 agreement scale);
SQM Group and Zendesk for first contact resolution.
"""

from kpikit.satisfaction.findings import findings
from kpikit.satisfaction.health import health_score
from kpikit.satisfaction.indicators import MIN_CUSTOMERS, churn_by, group_comparison
from kpikit.satisfaction.scores import (
    CES,
    ces,
    csat,
    customer_scores,
    nps,
    nps_group,
    nps_teaching_example,
    survey_scores,
)
from kpikit.satisfaction.support import fcr, first_response_time, support_profile

__all__ = [
    "nps",
    "nps_group",
    "csat",
    "CES",
    "ces",
    "fcr",
    "first_response_time",
    "health_score",
    "customer_scores",
    "support_profile",
    "churn_by",
    "group_comparison",
    "survey_scores",
    "nps_teaching_example",
    "MIN_CUSTOMERS",
    "findings",
]
