"""The social side of benchmarking: the per-brand summary, scorecard metric specs, brand comparisons.

:func:`summary` gives one row of counts and rates per brand; :func:`scorecard_metrics` names which of
its columns :func:`kpikit.benchmark.compare` tests; :func:`compare_brands` tests two brands' engagement
rates; :func:`industry_kpis` shapes a brand's rates for :func:`kpikit.benchmark.against_industry`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Sequence
from typing import Literal

import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError
from kpikit.schemas import column_list, float_values, require_columns
from kpikit.social.metrics import (
    KIND_NAMES,
    PER_COLUMNS,
    Kind,
    Per,
    _rate_columns,
    awareness,
    engagement_rate,
    widen_rate,
)
from kpikit.social.quality import dispersion as _estimate_dispersion
from kpikit.social.table import COUNT_COLUMNS, _check_values, _require_brands, _sum, _with_period, select
from kpikit.social.voice import _shares
from kpikit.stats import RateComparison, compare_rates

__all__ = ["summary", "scorecard_metrics", "compare_brands", "industry_kpis", "SCORECARD_NAMES"]


_PER_LABEL = {"reach": "per reach", "impressions": "per impression", "followers": "per follower, per post"}


#: Scorecard metric names understood by :func:`scorecard_metrics`, in display order.
SCORECARD_NAMES = (
    "engagement rate",
    "applause rate",
    "conversation rate",
    "amplification rate",
    "click-through rate",
    "conversion rate",
    "share of voice",
    "audience growth rate",
    "followers",
    "reach",
    "impressions",
    "mentions",
)


def summary(social: pd.DataFrame, by: str | Sequence[str] | None = "brand", freq: str | None = None) -> pd.DataFrame:
    """One row per segment with every social count and the main rates, ready for benchmarking.

    Only what the table holds is counted: an export without mentions has no share of voice, one
    without clicks no click-through or conversion rate (date, brand, platform and followers are needed).

    Counts: followers_start, followers_end, followers_gained, mentions, reach, impressions, posts,
    likes, comments, shares, engagements (likes + comments + shares), follower_posts
    (sum of followers x posts), clicks, conversions. Rates (no intervals here; use the dedicated
    functions for those): audience_growth_rate, share_of_voice (within the table's brands),
    engagement_rate_per_reach, engagement_rate_per_impression, engagement_rate_per_follower (per post),
    applause_rate_per_reach, conversation_rate_per_reach, amplification_rate_per_reach, ctr
    (clicks / impressions), conversion_rate (conversions / clicks).

    Feed it to :func:`kpikit.benchmark.compare` with metrics such as
    ``{"engagement rate (per reach)": ("engagements", "reach")}``.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table with every count column (clicks and conversions may be empty).
    by : str or list of str or None
        Segment columns (default ``"brand"``); share_of_voice is each segment's share of the mentions
        of its period.
    freq : str or None
        Period grain ("D", "W", "MS", "QS", "YS") or None for the whole range.

    Returns
    -------
    DataFrame
        One row per segment (and period): the awareness columns of :func:`awareness`, then the counts
        and rates above.

    References
    ----------
    See :func:`awareness`, :func:`engagement_rate`, :func:`share_of_voice`, :func:`conversion`.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"] * 2), "brand": ["A", "B"],
    ...     "platform": "Instagram", "followers": [1000, 3000], "impressions": [800, 1500],
    ...     "reach": [400, 900], "likes": [30, 40], "comments": [6, 4], "shares": [4, 1],
    ...     "mentions": [10, 30], "clicks": [8, 5], "conversions": [1, 0], "posts": [2, 1]})
    >>> summary(df)[["brand", "share_of_voice", "engagement_rate_per_reach"]].round(3).values.tolist()
    [['A', 0.25, 0.1], ['B', 0.75, 0.05]]
    """
    keys = column_list(by)
    counts = [c for c in COUNT_COLUMNS if c in social.columns]
    needed = ["date", "brand", "platform", "followers", *counts, *keys]
    require_columns(social, needed, "social")
    _check_values(social, needed, nullable=("clicks", "conversions"))
    frame, pkeys = _with_period(social, freq)
    group = pkeys + keys
    aw = awareness(social, by=keys or None, freq=freq)
    data = frame[group].copy()
    flow = [c for c in ("posts", "likes", "comments", "shares", "clicks", "conversions") if c in social.columns]
    for c in flow:
        data[c] = float_values(frame[c])
    cols = list(flow)
    if {"likes", "comments", "shares"} <= set(flow):
        data["engagements"] = data["likes"] + data["comments"] + data["shares"]
        cols.append("engagements")
    if "posts" in flow:
        data["follower_posts"] = float_values(frame["followers"]) * data["posts"]
        cols.append("follower_posts")
    if cols:
        flows = _sum(data, group, cols)
        out = aw.merge(flows, on=group, how="left") if group else pd.concat([aw, flows], axis=1)
    else:
        out = aw
    if "mentions" in out.columns:
        out = _shares(out, pkeys, level=None).drop(columns="total_mentions")
    ratios = {
        "engagement_rate_per_reach": ("engagements", "reach"),
        "engagement_rate_per_impression": ("engagements", "impressions"),
        "engagement_rate_per_follower": ("engagements", "follower_posts"),
        "applause_rate_per_reach": ("likes", "reach"),
        "conversation_rate_per_reach": ("comments", "reach"),
        "amplification_rate_per_reach": ("shares", "reach"),
        "ctr": ("clicks", "impressions"),
        "conversion_rate": ("conversions", "clicks"),
    }
    for name, (k, n) in ratios.items():
        if k in out.columns and n in out.columns:
            _rate_columns(out, k, n, name, 0.95, ci=False)
    return out


def scorecard_metrics(
    names: Sequence[str] = SCORECARD_NAMES, per: Per = "reach", available: Collection[str] | None = None
) -> dict[str, str | tuple[str, str]]:
    """Metric specs over :func:`summary` columns for :func:`kpikit.benchmark.compare`.

    Rates are (numerator, denominator) count pairs, so they are tested; the engagement rates carry
    their denominator in their display name ("engagement rate (per reach)"). share of voice, audience
    growth rate, followers, reach, impressions and mentions are compared as values (untested).

    Parameters
    ----------
    names : sequence of str
        Scorecard metrics, from :data:`SCORECARD_NAMES` (default: all of them, in display order).
    per : {"reach", "followers", "impressions"}
        Denominator of the engagement rates.
    available : collection of str, optional
        The columns of the :func:`summary` at hand: metrics whose columns it lacks (share of voice from
        an export without mentions) are left out. None keeps every metric named.

    Returns
    -------
    dict
        Display name -> summary column (a value) or (numerator, denominator) columns (a rate), in the
        order of ``names``.

    Examples
    --------
    >>> scorecard_metrics(["engagement rate", "followers"])
    {'engagement rate (per reach)': ('engagements', 'reach'), 'followers': 'followers_end'}
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
        raise KpiDataError(
            f"unknown scorecard metric(s) {', '.join(map(repr, unknown))}; choose from {', '.join(SCORECARD_NAMES)}."
        )
    specs = dict(catalogue[n] for n in names)
    if available is None:
        return specs
    have = set(available)
    return {k: v for k, v in specs.items() if all(c in have for c in ((v,) if isinstance(v, str) else v))}


def compare_brands(
    social: pd.DataFrame,
    a: str,
    b: str,
    *,
    per: Per,
    kind: Kind = "total",
    level: float = 0.95,
    dispersion: float = 1.0,
) -> RateComparison:
    """Engagement rate of brand ``a`` minus brand ``b`` (named denominator): a RateComparison.

    Newcombe interval of the difference and pooled two-proportion z test (``kpikit.stats.compare_rates``);
    with ``dispersion`` phi > 1 (see :func:`dispersion`), z is divided by sqrt(phi) and the intervals,
    of the difference and of each brand's rate (:func:`widen_rate`), widened by sqrt(phi) (quasi-binomial).

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    a, b : str
        The two brands; the difference is a minus b.
    per : {"reach", "followers", "impressions"}
        Denominator of the engagement rate (keyword only, required).
    kind : {"applause", "conversation", "amplification", "total"}
        Which engagement to count.
    level : float
        Confidence level of the difference interval.
    dispersion : float
        Overdispersion factor phi >= 1 (1 = plain binomial test).

    Returns
    -------
    RateComparison
        Both rates, their difference with its interval, z and p-value.

    References
    ----------
    Newcombe (1998), method 10; Wedderburn (1974) for the quasi-binomial dispersion.
    """
    if dispersion < 1:
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial test.")

    r = engagement_rate(social, per=per, kind=kind, by="brand", level=level).set_index("brand")
    num, _ = KIND_NAMES[kind]
    den = PER_COLUMNS[per]
    _require_brands(r.index, [a, b], "Name two brands of the social table.")
    c = compare_rates((int(r.loc[a, num]), int(r.loc[a, den])), (int(r.loc[b, num]), int(r.loc[b, den])), level=level)
    if dispersion == 1:
        return c
    sq = math.sqrt(dispersion)
    d = c.difference
    return dataclasses.replace(
        c,
        a=widen_rate(c.a, dispersion),
        b=widen_rate(c.b, dispersion),
        low=d - sq * (d - c.low),
        high=d + sq * (c.high - d),
        z=c.z / sq,
        p_value=float(2 * _st.norm.sf(abs(c.z) / sq)),
    )


def _span(social: pd.DataFrame, brand: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    dates = social.loc[social["brand"] == brand, "date"]
    return (pd.Timestamp(dates.min()), pd.Timestamp(dates.max()))


def industry_kpis(
    social: pd.DataFrame,
    brand: str,
    metric: str = "social_engagement_rate",
    per: Per = "followers",
    by: str = "platform",
    level: float = 0.95,
    dispersion: float | Literal["estimate"] = 1.0,
) -> pd.DataFrame:
    """A brand's engagement rate per platform, shaped as the client frame of ``kk.benchmark.against_industry``.

    Published social benchmarks (Rival IQ) are medians of the engagement rate per post by follower
    per platform, hence the defaults ``per="followers"`` and ``by="platform"``. A table without the
    columns of that denominator (followers and posts) gives no rows: nothing to place.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    brand : str
        The brand whose rates are shaped (the client).
    metric : str
        Metric name the rows carry, as the benchmarks table names it.
    per : {"reach", "followers", "impressions"}
        Denominator of the engagement rate.
    by : str
        Segment column, matched with the benchmarks' ``segment`` (default ``"platform"``).
    level : float
        Confidence level of the interval.
    dispersion : float or "estimate"
        Overdispersion factor phi >= 1 of the rate: the interval is widened by sqrt(phi), and the row
        carries phi so that the test against the published figure is quasi-binomial. "estimate" takes
        :func:`dispersion` of the whole table with the same ``per``.

    Returns
    -------
    DataFrame
        metric, segment (the platform), value, low, high, successes, trials, client_source, origin,
        client_period (the first and last date of the brand's rows), dispersion.

    References
    ----------
    Rival IQ, "Social Media Industry Benchmark Report" (engagement rate per post by follower).
    """
    cols = ["metric", "segment", "value", "low", "high", "successes", "trials", "client_source", "origin",
            "client_period", "dispersion"]  # fmt: skip
    needed = ("followers", "posts") if per == "followers" else (per,)
    if any(c not in social.columns or social[c].isna().any() for c in (*needed, "likes", "comments", "shares")):
        return pd.DataFrame(columns=cols)
    if dispersion == "estimate":
        dispersion = _estimate_dispersion(social, per=per)
    r = engagement_rate(select(social, [brand]), per=per, by=by, level=level, dispersion=dispersion)
    den = PER_COLUMNS[per]
    return pd.DataFrame(
        {
            "metric": metric,
            "segment": r[by].astype(str).to_numpy(),
            "value": r["engagement_rate"].to_numpy(dtype=float),
            "low": r["ci_low"].to_numpy(dtype=float),
            "high": r["ci_high"].to_numpy(dtype=float),
            "successes": r["engagements"].to_numpy(dtype=float),
            "trials": r[den].to_numpy(dtype=float),
            "client_source": f"computed from the social table (engagements / {den})",
            "origin": "computed",
            "client_period": [_span(social, brand)] * len(r),
            "dispersion": float(dispersion),
        }
    )
