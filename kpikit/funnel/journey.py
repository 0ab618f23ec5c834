"""The social journey: from social touchpoints to conversion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.funnel.events import _require
from kpikit.stats import (
    proportion_ci,
)

__all__ = ['social_journey']


_SOCIAL_CHANNELS = ("Organic Social", "Paid Social")


def social_journey(
    social: pd.DataFrame,
    brand: str | None = None,
    events: pd.DataFrame | None = None,
    awareness: Literal["reach", "impressions"] = "reach",
    by: str | None = None,
    start=None,
    end=None,
    social_channels: Sequence[str] = _SOCIAL_CHANNELS,
    level: float = 0.95,
) -> pd.DataFrame:
    """The social journey awareness -> engagement -> conversion -> customer, as a funnel.

    awareness = sum of ``reach`` (people who could see; or ``impressions``, times shown);
    engagement = likes + comments + shares; conversion = clicks; customer = conversions (the
    platform's reported conversions), or, when ``events`` is given, distinct users who purchased in a
    session from a social channel. rate_from_previous(k) = count_k / count_{k-1}: these are rates of
    actions per person reached, not of people, so an interval is given only where the count is a
    plausible subset (count_k <= count_{k-1}).

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date, platform, brand, reach, impressions, likes, comments,
        shares, clicks, conversions).
    brand : str, optional
        Brand to keep (the client); all rows when None.
    events : DataFrame, optional
        Canonical ``events`` table with ``channel``; gives the customer stage from the web data.
    awareness : {"reach", "impressions"}
        Which awareness measure opens the journey.
    by : str, optional
        Breakdown column of the social table (e.g. "platform"); not combined with ``events``.
    start, end : date-like, optional
        Period [start, end) on ``social.date`` (and ``events.timestamp``).

    Returns
    -------
    DataFrame
        One row per stage (per ``by``): [by], stage, measure, count, rate_from_previous, ci_low,
        ci_high.

    References
    ----------
    Avinash Kaushik, "Best social media metrics: conversation, amplification, applause, economic
    value" (2011); the awareness/engagement/conversion/customer grouping of social-media KPIs.
    """
    need = ["date", awareness, "likes", "comments", "shares", "clicks"] + ([] if events is not None else ["conversions"])
    if brand is not None:
        need.append("brand")
    if by:
        need.append(by)
    _require(social, need, "social")
    s = social
    if brand is not None:
        s = s[s["brand"] == brand]
        if s.empty:
            raise KpiDataError(f"social: no rows for brand {brand!r} (brands present: {sorted(map(str, social['brand'].unique()))}).")
    if start is not None:
        s = s[s["date"] >= pd.Timestamp(start)]
    if end is not None:
        s = s[s["date"] < pd.Timestamp(end)]
    groups = [(None, s)] if not by else list(s.groupby(by, sort=True))
    rows = []
    for g, d in groups:
        stages = [
            ("awareness", awareness, int(d[awareness].sum())),
            ("engagement", "likes + comments + shares", int(d[["likes", "comments", "shares"]].to_numpy().sum())),
            ("conversion", "clicks", int(d["clicks"].sum())),
        ]
        if events is not None and g is None:
            _require(events, ["user_id", "timestamp", "event", "channel"], "events")
            e = events
            if start is not None:
                e = e[e["timestamp"] >= pd.Timestamp(start)]
            if end is not None:
                e = e[e["timestamp"] < pd.Timestamp(end)]
            buyers = e.loc[(e["event"] == "purchase") & e["channel"].isin(list(social_channels)), "user_id"].nunique()
            stages.append(("customer", "purchasers from social channels (web events)", int(buyers)))
        else:
            stages.append(("customer", "conversions", int(d["conversions"].sum())))
        for j, (stage, measure, c) in enumerate(stages):
            row = {by: g} if by else {}
            row.update({"stage": stage, "measure": measure, "count": c, "_prev": stages[j - 1][2] if j else c})
            rows.append(row)
    f = pd.DataFrame(rows)
    k = f["count"].to_numpy(float)
    n = f["_prev"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f["rate_from_previous"] = np.where(n > 0, k / n, np.nan)
    subset = k <= n
    lo, hi = proportion_ci(np.where(subset, k, 0), n, level)
    f["ci_low"] = np.where(subset, lo, np.nan)
    f["ci_high"] = np.where(subset, hi, np.nan)
    return f.drop(columns="_prev")
