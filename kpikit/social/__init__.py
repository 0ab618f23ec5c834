"""Social media KPIs: awareness, engagement, conversion, customer, share of voice, the vanity check.

The ``social`` table (``kpikit.schemas.TABLES["social"]``) has one row per account (``brand`` x
``platform``) and date: ``followers`` is a level (the audience on that date); ``impressions``,
``reach``, ``likes``, ``comments``, ``shares``, ``mentions``, ``clicks``, ``conversions`` and
``posts`` are flows (counts during the row's day or week).

Stages, after the KPI catalogue (docs/KPI_CATALOGUE.md, "Social media"):

- awareness: mentions, audience growth rate (followers gained / followers at the start), reach
  (people who could see) and impressions (times shown);
- engagement: applause (likes), conversation (comments), amplification (shares) and their total,
  always as a rate with a named denominator (``per="reach" | "followers" | "impressions"``);
  strength grows from applause to amplification;
- conversion: clicks and conversions from social, conversion rate per platform;
- customer: reviews and rating;
- share of voice: brand mentions / all mentions of the competitive set, per period.

Rates are pooled over rows (sum of numerators / sum of denominators), never averages of row ratios,
and carry Wilson intervals (``kpikit.stats``). Follower counts, reach and impressions alone are vanity
metrics: :func:`vanity_check` says when a summary leans on them.

Modules: ``table`` (count columns, checks, :func:`select`, period sums), ``metrics`` (awareness,
engagement, click-through, conversion, customer), ``voice`` (share of voice, its one computation),
``quality`` (engagement quality, overdispersion, the vanity check), ``scorecard`` (:func:`summary`,
scorecard specs, brand comparisons, industry rows), ``choose`` (the client's brand, the competitors,
the engagement denominator and the months covered, from the data) and ``findings`` (notebook 05's
words and headline).

Overdispersion: weekly engagement rates vary far more than a binomial count would, so a report
estimates phi (:func:`dispersion`) and passes it on: every engagement interval is then widened by
sqrt(phi) and every engagement test is quasi-binomial (:func:`widen_rate`).

Periods (``freq``) are read through :mod:`kpikit.stats.periods`: "D", "W", "MS"/"M"/"ME",
"QS"/"Q"/"QE", "YS"/"Y"/"YE"; a period is labelled by its first day.
"""

from kpikit.social.choose import client_brand, competitor_brands, engagement_denominator, period_months
from kpikit.social.display import engagement_table, for_report
from kpikit.social.findings import findings, headline_kpis, titles
from kpikit.social.metrics import (
    KIND_COLUMNS,
    KIND_NAMES,
    PER_COLUMNS,
    Kind,
    Per,
    awareness,
    click_through_rate,
    conversion,
    customer,
    engagement,
    engagement_rate,
    widen_rate,
)
from kpikit.social.quality import dispersion, engagement_quality, vanity_check
from kpikit.social.scorecard import (
    SCORECARD_NAMES,
    compare_brands,
    industry_kpis,
    scorecard_metrics,
    summary,
)
from kpikit.social.table import COUNT_COLUMNS, select
from kpikit.social.voice import share_of_voice

__all__ = [
    "COUNT_COLUMNS",
    "awareness",
    "engagement_rate",
    "engagement",
    "click_through_rate",
    "conversion",
    "customer",
    "share_of_voice",
    "summary",
    "engagement_quality",
    "vanity_check",
    "findings",
    "select",
    "scorecard_metrics",
    "compare_brands",
    "dispersion",
    "industry_kpis",
    "headline_kpis",
    "titles",
    "Per",
    "Kind",
    "KIND_COLUMNS",
    "KIND_NAMES",
    "PER_COLUMNS",
    "SCORECARD_NAMES",
    "client_brand",
    "competitor_brands",
    "engagement_denominator",
    "period_months",
    "widen_rate",
    "engagement_table",
    "for_report",
]
