"""Funnels: ordered event funnels, CRM stage funnels, the social journey and landing-page tests.

Modules
-------
- ``steps``: how a funnel is specified (:data:`StepSpec`, order and count modes, :func:`step_label`).
- ``attempts``: the attempt engine (which attempts open, how far each gets, which are counted).
- ``events``: :func:`ordered_funnel` and :func:`funnel_attempts` on the canonical ``events`` table.
- ``compare``: step changes between two funnels (:func:`compare_periods`, :func:`compare_segments`,
  Newcombe intervals and Benjamini-Hochberg q-values) and readings of one funnel
  (:func:`overall_conversion`, :func:`biggest_leak`, :func:`largest_change`).
- ``stages``: CRM stage funnels by entry cohort (:func:`stage_funnel`) and the lead-to-customer rate.
- ``journey``: the social journey awareness -> engagement -> conversion -> customer.
- ``experiments``: landing-page conversion and A/B tests (frequentist and Bayesian).
- ``findings``: the funnel findings of notebook 02 in plain words.
- ``report``: notebook 02's periods (the last complete months of the data), its translatable findings,
  and the rows and matrices its sections show; ``power``: the A/B test's power and verdict.

Every step rate carries a Wilson interval and a ``small_sample`` flag; definitions and the mistakes
each KPI guards against are in ``docs/KPI_CATALOGUE.md``.

Event funnel semantics (``ordered_funnel``)
-------------------------------------------
An *attempt* opens at an event of step 1 (the anchor). From it, the attempt reaches step k when the
user did steps 1..k in order, each at or after the previous one, with step k no later than ``window``
after the anchor (a step exactly at the window edge counts). kpikit follows each attempt along the
earliest matching events (for ordered matching this is optimal: choosing an earlier event for a
step never prevents a later step). Events are ordered by user, timestamp and, among events with the
same timestamp, by funnel step (GA4 writes ``session_start`` and the first ``page_view`` with one
timestamp), then by their order in the input. One event fills at most one step of an attempt.

Order modes: ``"this"`` (other events may come between the steps), ``"strict"`` (each step is the
user's very next event after the previous step), ``"any"`` (the anchor opens the attempt; steps
2..k may then happen in any order inside the window). Every attempt that reaches step k under
"strict" reaches it under "this", and every one under "this" reaches it under "any".

Counting: ``count="users"`` counts each user once, at the furthest step any of their attempts reached
(ties: the earliest attempt, whose times are reported); ``count="totals"`` counts attempts: the
first step-1 event opens one, and the next attempt opens at the first step-1 event after the
previous attempt completed (its last step) or expired (anchor + window).

These are the conventions of Mixpanel, Amplitude and GA4 funnel explorations ("this order",
"strict order", "any order", conversion window, holding a property constant, exclusion steps); the
exact tie and re-entry rules above are kpikit's and are tested.
"""

from kpikit.funnel.compare import (
    biggest_leak,
    compare_funnels,
    compare_periods,
    compare_segments,
    largest_change,
    overall_conversion,
)
from kpikit.funnel.events import funnel_attempts, ordered_funnel
from kpikit.funnel.experiments import (
    ABTestResult,
    ab_test,
    ab_test_sessions,
    landing_page_conversion,
)
from kpikit.funnel.findings import findings
from kpikit.funnel.journey import social_journey
from kpikit.funnel.power import (
    ab_kpi,
    ab_table,
    ab_test_page,
    ab_variants,
    ab_verdict,
    detectable_difference,
    sessions_needed,
)
from kpikit.funnel.report import (
    AnalysisPeriods,
    analysis_periods,
    as_descriptions,
    breakdown_column,
    breakdown_rows,
    change_kpi,
    funnel_findings,
    funnel_table,
    in_period,
    period_change,
    stage_matrix,
    time_to_convert,
)
from kpikit.funnel.stages import lead_to_customer, lead_to_customer_rate, stage_funnel
from kpikit.funnel.steps import CountMode, OrderMode, StepSpec, step_label

__all__ = [
    "ordered_funnel",
    "funnel_attempts",
    "compare_funnels",
    "compare_periods",
    "compare_segments",
    "stage_funnel",
    "lead_to_customer",
    "lead_to_customer_rate",
    "social_journey",
    "landing_page_conversion",
    "ab_test",
    "ABTestResult",
    "ab_test_sessions",
    "overall_conversion",
    "biggest_leak",
    "largest_change",
    "findings",
    "step_label",
    "StepSpec",
    "OrderMode",
    "CountMode",
    "AnalysisPeriods",
    "analysis_periods",
    "period_change",
    "funnel_findings",
    "funnel_table",
    "breakdown_column",
    "breakdown_rows",
    "change_kpi",
    "in_period",
    "time_to_convert",
    "stage_matrix",
    "as_descriptions",
    "ab_test_page",
    "detectable_difference",
    "sessions_needed",
    "ab_variants",
    "ab_table",
    "ab_kpi",
    "ab_verdict",
]
