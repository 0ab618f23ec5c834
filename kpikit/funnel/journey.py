"""The social journey: awareness, engagement, conversion and customers from social media, as one funnel.

The stages are sums over the ``social`` table (reach or impressions, engagements, clicks, reported
conversions), optionally closed by the buyers the web events attribute to social channels. They count
actions, not people, so the stage rates are read as ratios, with an interval only where a stage can be
a subset of the previous one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.funnel.steps import _FIX
from kpikit.schemas import require_columns
from kpikit.stats import proportion_ci

__all__ = ["social_journey"]


_SOCIAL_CHANNELS = ("Organic Social", "Paid Social")


def _in_period(
    frame: pd.DataFrame, col: str, start: str | pd.Timestamp | None, end: str | pd.Timestamp | None
) -> pd.DataFrame:
    """The rows of ``frame`` whose ``col`` falls in [start, end) (either bound may be open)."""
    if start is not None:
        frame = frame[frame[col] >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame[col] < pd.Timestamp(end)]
    return frame


def _social_buyers(
    events: pd.DataFrame,
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
    social_channels: Sequence[str],
) -> int:
    """Distinct users of the web events who purchased in [start, end) in a session from a social channel.

    Lazy events (an Ibis table) are counted in their backend; only the count comes back.
    """
    from kpikit.io.lazy import collect, is_lazy

    if is_lazy(events):
        from kpikit.engine.tables import check_columns, count

        check_columns(events, ["user_id", "timestamp", "event", "channel"], "events", fix=_FIX)
        e = events
        if start is not None:
            e = e.filter(e.timestamp >= pd.Timestamp(start).to_pydatetime())
        if end is not None:
            e = e.filter(e.timestamp < pd.Timestamp(end).to_pydatetime())
        e = e.filter((e.event == "purchase") & e.channel.isin(list(social_channels)))
        return count(collect(e.aggregate(n=e.user_id.nunique()))["n"].iloc[0])
    require_columns(events, ["user_id", "timestamp", "event", "channel"], "events", fix=_FIX)
    e = _in_period(events, "timestamp", start, end)
    buyers = e.loc[(e["event"] == "purchase") & e["channel"].isin(list(social_channels)), "user_id"].nunique()
    return int(buyers)


def social_journey(
    social: pd.DataFrame,
    brand: str | None = None,
    events: pd.DataFrame | None = None,
    awareness: Literal["reach", "impressions"] = "reach",
    by: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
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
    start, end : str or Timestamp, optional
        Period [start, end) on ``social.date`` (and ``events.timestamp``).
    social_channels : sequence of str
        The web channels that count as social for the customer stage.
    level : float
        Confidence level of the intervals.

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
    need = ["date", awareness, "likes", "comments", "shares", "clicks"] + (
        [] if events is not None else ["conversions"]
    )
    if brand is not None:
        need.append("brand")
    if by:
        need.append(by)
    require_columns(social, need, "social", fix=_FIX)
    s = social
    if brand is not None:
        s = s[s["brand"] == brand]
        if s.empty:
            raise KpiDataError(
                f"social: no rows for brand {brand!r} (brands present: {sorted(map(str, social['brand'].unique()))})."
            )
    s = _in_period(s, "date", start, end)
    groups = [(None, s)] if not by else list(s.groupby(by, sort=True))
    rows = []
    for g, d in groups:
        stages = [
            ("awareness", awareness, int(d[awareness].sum())),
            ("engagement", "likes + comments + shares", int(d[["likes", "comments", "shares"]].to_numpy().sum())),
            ("conversion", "clicks", int(d["clicks"].sum())),
        ]
        if events is not None and g is None:
            buyers = _social_buyers(events, start, end, social_channels)
            stages.append(("customer", "purchasers from social channels (web events)", buyers))
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
