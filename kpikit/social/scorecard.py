"""The social scorecard's metrics and brand comparisons."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.social.metrics import KIND_NAMES, PER_COLUMNS, Kind, Per, engagement_rate
from kpikit.social.quality import select

__all__ = ['scorecard_metrics', 'compare_brands', 'industry_kpis', 'SCORECARD_NAMES']


_PER_LABEL = {"reach": "per reach", "impressions": "per impression", "followers": "per follower, per post"}


#: Scorecard metric names understood by :func:`scorecard_metrics`, in display order.
SCORECARD_NAMES = (
    "engagement rate", "applause rate", "conversation rate", "amplification rate", "click-through rate",
    "conversion rate", "share of voice", "audience growth rate", "followers", "reach", "impressions", "mentions",
)


def scorecard_metrics(names: Sequence[str] = SCORECARD_NAMES, per: Per = "reach") -> dict[str, str | tuple[str, str]]:
    """Metric specs over :func:`summary` columns for :func:`kpikit.benchmark.compare`.

    Rates are (numerator, denominator) count pairs, so they are tested; the engagement rates carry
    their denominator in their display name ("engagement rate (per reach)"). share of voice, audience
    growth rate, followers, reach, impressions and mentions are compared as values (untested).
    """
    if per not in PER_COLUMNS:
        raise KpiDataError(f"per must be 'reach', 'followers' or 'impressions' (got {per!r}).")
    den = PER_COLUMNS[per]
    label = _PER_LABEL[per]
    catalogue: dict[str, tuple[str, str | tuple[str, str]]] = {
        "engagement rate": (f"engagement rate ({label})", ("engagements", den)),
        "applause rate": (f"applause rate ({label})", ("likes", den)),
        "conversation rate": (f"conversation rate ({label})", ("comments", den)),
        "amplification rate": (f"amplification rate ({label})", ("shares", den)),
        "click-through rate": ("click-through rate (clicks / impressions)", ("clicks", "impressions")),
        "conversion rate": ("conversion rate (conversions / clicks)", ("conversions", "clicks")),
        "share of voice": ("share of voice", "share_of_voice"),
        "audience growth rate": ("audience growth rate", "audience_growth_rate"),
        "followers": ("followers", "followers_end"),
        "reach": ("reach", "reach"),
        "impressions": ("impressions", "impressions"),
        "mentions": ("mentions", "mentions"),
    }
    unknown = [n for n in names if n not in catalogue]
    if unknown:
        raise KpiDataError(f"unknown scorecard metric(s) {', '.join(map(repr, unknown))}; choose from {', '.join(SCORECARD_NAMES)}.")
    return dict(catalogue[n] for n in names)


def compare_brands(
    social: pd.DataFrame, a: str, b: str, *, per: Per, kind: Kind = "total", level: float = 0.95, dispersion: float = 1.0
):
    """Engagement rate of brand ``a`` minus brand ``b`` (named denominator): a RateComparison.

    Newcombe interval of the difference and pooled two-proportion z test (``kpikit.stats.compare_rates``);
    with ``dispersion`` phi > 1 (see :func:`dispersion`), z is divided by sqrt(phi) and the interval
    widened by sqrt(phi) (quasi-binomial).
    """
    import dataclasses

    from scipy import stats as _st

    from kpikit.stats import compare_rates

    if dispersion < 1:
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial test.")

    r = engagement_rate(social, per=per, kind=kind, by="brand", level=level).set_index("brand")
    num, _ = KIND_NAMES[kind]
    den = PER_COLUMNS[per]
    for brand in (a, b):
        if brand not in r.index:
            raise KpiDataError(f"social, column 'brand': {brand!r} not found (brands: {', '.join(map(str, r.index))}).")
    c = compare_rates((int(r.loc[a, num]), int(r.loc[a, den])), (int(r.loc[b, num]), int(r.loc[b, den])), level=level)
    if dispersion == 1:
        return c
    sq = math.sqrt(dispersion)
    d = c.difference
    return dataclasses.replace(
        c, low=d - sq * (d - c.low), high=d + sq * (c.high - d), z=c.z / sq, p_value=float(2 * _st.norm.sf(abs(c.z) / sq))
    )


def industry_kpis(
    social: pd.DataFrame,
    brand: str,
    metric: str = "social_engagement_rate",
    per: Per = "followers",
    by: str = "platform",
    level: float = 0.95,
) -> pd.DataFrame:
    """A brand's engagement rate per platform, shaped as the client frame of ``kk.benchmark.against_industry``.

    Published social benchmarks (Rival IQ) are medians of the engagement rate per post by follower
    per platform, hence the defaults ``per="followers"`` and ``by="platform"``.

    Returns
    -------
    DataFrame
        metric, segment (the platform), value, low, high, successes, trials, client_source.
    """
    r = engagement_rate(select(social, [brand]), per=per, by=by, level=level)
    den = PER_COLUMNS[per]
    return pd.DataFrame({
        "metric": metric,
        "segment": r[by].astype(str).to_numpy(),
        "value": r["engagement_rate"].to_numpy(dtype=float),
        "low": r["ci_low"].to_numpy(dtype=float),
        "high": r["ci_high"].to_numpy(dtype=float),
        "successes": r["engagements"].to_numpy(dtype=float),
        "trials": r[den].to_numpy(dtype=float),
        "client_source": f"computed from the social table (engagements / {den})",
    })
