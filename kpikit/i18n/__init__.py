"""Languages of the reports: findings as templates, message catalogues, numbers and dates by locale.

``kpikit.i18n`` sits at the bottom of the layers beside ``errors``, so every domain can word its
findings through it:

- :class:`Finding`: a finding's English text (a ``str``) with its template, numbers and business impact;
  ``finding.text("vi")`` writes it in Vietnamese.
- :func:`t`: a catalogue message (KPI labels, column headers, report wording) in a language.
- ``format_share``, ``format_money``, ``format_p``, ...: numbers, money and dates by the language's
  Babel locale (``en`` is ``en_GB``: "44.7%", "£1,234.50", "30 Jun 2025"; ``vi`` is ``vi_VN``: "44,7%",
  "1.234.568 ₫", "30 thg 6, 2025"). The currency is always the report's own ``currency`` parameter.

The catalogues are folders ``kpikit/i18n/<lang>/`` of YAML files, one per area (see
:mod:`kpikit.i18n.catalogue`); a new language is one more folder, or one file ``<lang>.yaml``.
"""

from kpikit.i18n.catalogue import (
    CATALOGUE_DIR,
    SOURCE_LANGUAGE,
    direction,
    has_key,
    language,
    languages,
    messages,
    t,
    term,
    translate_template,
)
from kpikit.i18n.finding import Finding, by_impact
from kpikit.i18n.formats import (
    MISSING,
    SPECS,
    format_count,
    format_date,
    format_interval,
    format_money,
    format_month,
    format_number,
    format_p,
    format_period,
    format_pp,
    format_ratio,
    format_share,
    format_signed,
    format_value,
    render_template,
)

__all__ = [
    "CATALOGUE_DIR",
    "SOURCE_LANGUAGE",
    "MISSING",
    "SPECS",
    "Finding",
    "by_impact",
    "languages",
    "language",
    "direction",
    "messages",
    "has_key",
    "t",
    "term",
    "translate_template",
    "render_template",
    "format_share",
    "format_pp",
    "format_signed",
    "format_money",
    "format_count",
    "format_number",
    "format_ratio",
    "format_p",
    "format_month",
    "format_date",
    "format_period",
    "format_interval",
    "format_value",
]
