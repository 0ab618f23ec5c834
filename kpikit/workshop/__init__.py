"""Workshop material: exercises with checks and solutions, the articles' mistakes, what-if tables, editions.

Workshops teach KPI definitions and their pitfalls on data/sample with the notebooks of
``notebooks/workshop/`` (one per theme). This package is what they call:

- :func:`start` gives a notebook its :class:`Workshop` helper (tables, labels in the notebook's
  language, tables, checks, what-if sliders);
- :func:`exercises` lists the exercises, :func:`check` checks an answer (true when right, with a hint
  when not) and :func:`solution` computes the answer from the data with the kit's KPI functions;
- :mod:`kpikit.workshop.mistakes` computes the popular wrong numbers (teaching material, not KPIs),
  each shown beside the kit's right one as a :class:`Pair`;
- :func:`paying_at` holds the by-hand lines a notebook shows once and reuses (a notebook has no
  ``def``);
- :mod:`kpikit.workshop.whatif` builds the what-if tables (sample size vs interval, churn vs LTV, the
  steps from "100 x 12 x 5" to a customer value);
- :func:`build_editions` (``kpikit workshop OUT [--lang vi]``) writes the student and teacher editions;
- :func:`glossary` is the plain-words glossary of the reports' statistics (catalogue keys
  ``glossary.<term>``), also in ``docs/glossary.<lang>.md``.
"""

from kpikit.workshop.byhand import paying_at
from kpikit.workshop.editions import (
    EDITIONS,
    EditionResult,
    build_editions,
    code_comments,
    edition_html,
    prose_key,
    student_edition,
    swap_comments,
    swap_prose,
    teacher_edition,
    workshop_notebooks,
)
from kpikit.workshop.exercises import EXERCISES, CheckResult, Exercise, check, exercises, solution
from kpikit.workshop.glossary import GLOSSARY_TERMS, glossary, glossary_markdown
from kpikit.workshop.mistakes import (
    Pair,
    averaged_pages_mistake,
    averaged_rate,
    censoring_mistake,
    clv_mistake,
    denominator_mistake,
    last_touch_mistake,
    mrr_mistake,
    mrr_users_x_spend,
    naive_clv,
    nps_from_yes_no,
    nps_mistake,
    pairs_table,
    subscription_mistakes,
    ua_vs_ga4_mistake,
    vanity_mistake,
)
from kpikit.workshop.session import Line, Workshop, start
from kpikit.workshop.whatif import clv_steps, interval_by_sample_size, ltv_by_churn, nps_interval_by_sample_size

__all__ = [
    "start",
    "Workshop",
    "Line",
    "EXERCISES",
    "Exercise",
    "CheckResult",
    "exercises",
    "check",
    "solution",
    "paying_at",
    "Pair",
    "pairs_table",
    "subscription_mistakes",
    "mrr_users_x_spend",
    "nps_from_yes_no",
    "naive_clv",
    "averaged_rate",
    "nps_mistake",
    "mrr_mistake",
    "averaged_pages_mistake",
    "ua_vs_ga4_mistake",
    "last_touch_mistake",
    "censoring_mistake",
    "clv_mistake",
    "vanity_mistake",
    "denominator_mistake",
    "interval_by_sample_size",
    "nps_interval_by_sample_size",
    "ltv_by_churn",
    "clv_steps",
    "GLOSSARY_TERMS",
    "glossary",
    "glossary_markdown",
    "EDITIONS",
    "EditionResult",
    "workshop_notebooks",
    "prose_key",
    "code_comments",
    "swap_comments",
    "swap_prose",
    "student_edition",
    "teacher_edition",
    "edition_html",
    "build_editions",
]
