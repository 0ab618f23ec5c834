"""Web analytics: sessions from events, bounce and engagement rates, and bounce-rate diagnosis.

The question this module answers is the one clients ask most: "our bounce rate is 62%, is that bad?".
It builds sessions from raw events with Google Analytics 4 semantics, computes bounce and engagement
rates with their intervals for any breakdown, and ranks pages and segments by the bounces they cost,
with each page read against its goal (information or action).

Definitions (see docs/KPI_CATALOGUE.md, "Web analytics")
--------------------------------------------------------
- Session (GA4): the events of one ``user_pseudo_id`` + ``ga_session_id``; without a session id, a new
  session starts after ``timeout`` (30 min) of inactivity.
- Engaged session (GA4): engagement time over ``engaged_after`` (10 s), or a key event, or two or more
  page views. Bounce rate (GA4) = 1 - engagement rate = non-engaged sessions / sessions.
- Bounce rate (Universal Analytics): sessions with exactly one interaction hit / sessions with an
  interaction hit, where page views and interaction events count and non-interaction events do not.
- Session source, medium and channel (GA4): the export's session traffic-source record, else the
  session's first event that carries a source; new users: first_visit or ga_session_number 1.

Modules
-------
- ``sessions``: sessions from events (ids, timeout rule, landing page, attributes, counts, engagement,
  the export's engaged flag, new users; event names as parameters) and :func:`is_engaged`, the one
  GA4 engaged-session rule of kpikit; ``session_arrays`` holds its array helpers.
- ``bounce``: the bounce definitions, bounce and engagement rates per segment, headline, period
  change and p-chart trend.
- ``diagnose``: page goals, the ranked fix list, top entry pages, the device gap.
- ``leads``: traffic-to-lead per segment and view-to-contact per page.
- ``findings``: data checks, the benchmark reference, findings in plain words, headline KPIs.

The readers of Google Analytics exports live in :mod:`kpikit.io` (``read_ga4_bigquery``,
``read_ua_bigquery``, ``read_landing_page_report``) with GA4's ``default_channel_group``, and are
re-exported here.

References: Google Analytics Help, "[GA4] Engagement rate and bounce rate" and "[GA4] Engaged
sessions"; "Bounce rate" (Universal Analytics help, archived); Google Analytics Help, "[GA4]
BigQuery Export schema".
"""

from kpikit.io.ga4 import default_channel_group, read_ga4_bigquery
from kpikit.io.ga_reports import read_landing_page_report
from kpikit.io.ua import read_ua_bigquery
from kpikit.web.bounce import Definition, bounce_rate, headline, period_change, split_periods, trend
from kpikit.web.diagnose import (
    INFORMATION_PATTERNS,
    Goal,
    device_gap,
    diagnose,
    page_goal,
    top_entry_pages,
)
from kpikit.web.findings import benchmark_reference, findings, headline_kpis
from kpikit.web.lazy_rates import data_checks
from kpikit.web.leads import traffic_to_lead, view_to_contact
from kpikit.web.sessions import (
    DEFAULT_FIRST_VISIT_EVENTS,
    DEFAULT_KEY_EVENTS,
    DEFAULT_NON_INTERACTION_EVENTS,
    ENGAGED_AFTER_S,
    NOT_SET,
    is_engaged,
    sessions_from_events,
)

__all__ = [
    "ENGAGED_AFTER_S",
    "is_engaged",
    "DEFAULT_KEY_EVENTS",
    "DEFAULT_NON_INTERACTION_EVENTS",
    "DEFAULT_FIRST_VISIT_EVENTS",
    "NOT_SET",
    "sessions_from_events",
    "bounce_rate",
    "headline",
    "split_periods",
    "INFORMATION_PATTERNS",
    "period_change",
    "trend",
    "page_goal",
    "diagnose",
    "top_entry_pages",
    "device_gap",
    "traffic_to_lead",
    "view_to_contact",
    "benchmark_reference",
    "data_checks",
    "findings",
    "headline_kpis",
    "read_ga4_bigquery",
    "read_ua_bigquery",
    "default_channel_group",
    "read_landing_page_report",
    "Goal",
    "Definition",
]
