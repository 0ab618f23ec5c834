"""Social KPIs per brand and period: awareness, engagement, clicks, conversion, customer signals.

Every rate here is pooled over rows (sum of numerators / sum of denominators) and carries a Wilson
interval; an engagement rate always names its denominator (``per``).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.schemas import column_list, float_values, require_columns
from kpikit.social.table import _check_values, _sum, _with_period
from kpikit.stats import (
    Rate,
    is_small_sample,
    proportion_ci,
    rate_frame,
)

__all__ = [
    "awareness",
    "engagement_rate",
    "engagement",
    "click_through_rate",
    "conversion",
    "customer",
    "Per",
    "Kind",
    "KIND_COLUMNS",
    "KIND_NAMES",
    "PER_COLUMNS",
    "widen_rate",
]


Per = Literal["reach", "followers", "impressions"]


Kind = Literal["applause", "conversation", "amplification", "total"]


#: Numerator columns of each engagement kind; total = likes + comments + shares.
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "applause": ("likes",),
    "conversation": ("comments",),
    "amplification": ("shares",),
    "total": ("likes", "comments", "shares"),
}


#: Output names: (numerator column, rate column) of each engagement kind.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "applause": ("likes", "applause_rate"),
    "conversation": ("comments", "conversation_rate"),
    "amplification": ("shares", "amplification_rate"),
    "total": ("engagements", "engagement_rate"),
}


#: Denominator column of each ``per`` choice.
PER_COLUMNS: dict[str, str] = {"reach": "reach", "impressions": "impressions", "followers": "follower_posts"}


def _engagements(frame: pd.DataFrame, kind: str) -> np.ndarray:
    return sum(float_values(frame[c]) for c in KIND_COLUMNS[kind]).astype("int64")


def _rate_columns(frame: pd.DataFrame, k: str, n: str, name: str, level: float, ci: bool = True) -> pd.DataFrame:
    """Add a rate (and, with ci, ci_low/ci_high/small_sample). Rows where k > n get no interval."""
    kv = frame[k].to_numpy(dtype=float)
    nv = frame[n].to_numpy(dtype=float)
    over = kv > nv
    if not ci:
        with np.errstate(divide="ignore", invalid="ignore"):
            frame[name] = np.where(nv > 0, kv / nv, np.nan)
        return frame
    if over.any():
        warnings.warn(
            f"{int(over.sum())} row(s) have more {k} than {n} (e.g. engagement from people outside the "
            f"denominator); their {name} is shown without an interval. Consider another denominator.",
            KpiWarning,
            stacklevel=3,
        )
    low, high = proportion_ci(np.where(over, 0, kv), nv, level=level)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame[name] = np.where(nv > 0, kv / nv, np.nan)
    frame["ci_low"] = np.where(over, np.nan, low)
    frame["ci_high"] = np.where(over, np.nan, high)
    frame["small_sample"] = is_small_sample(np.minimum(kv, nv), nv)
    return frame


def _widen(frame: pd.DataFrame, name: str, dispersion: float) -> pd.DataFrame:
    """Widen a rate's interval for overdispersion (quasi-binomial), in place.

    Each side of the Wilson interval is stretched by sqrt(phi) around the rate and kept within [0, 1]:
    low' = max(0, r - sqrt(phi) (r - low)), high' = min(1, r + sqrt(phi) (high - r)). phi = 1 leaves
    it as it is.
    """
    if not dispersion >= 1:
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial interval.")
    if dispersion == 1:
        return frame
    sq = float(np.sqrt(dispersion))
    r = frame[name].to_numpy(dtype=float)
    frame["ci_low"] = np.clip(r - sq * (r - frame["ci_low"].to_numpy(dtype=float)), 0.0, 1.0)
    frame["ci_high"] = np.clip(r + sq * (frame["ci_high"].to_numpy(dtype=float) - r), 0.0, 1.0)
    return frame


def widen_rate(value: Rate, dispersion: float) -> Rate:
    """A Rate whose interval carries the overdispersion phi the data show (quasi-binomial).

    Each side of the interval is stretched by sqrt(phi) around the rate, within [0, 1]:
    low' = max(0, r - sqrt(phi) (r - low)), high' = min(1, r + sqrt(phi) (high - r)), as the
    quasi-binomial variance phi p (1 - p) / n widens a Wald interval by sqrt(phi).

    Parameters
    ----------
    value : Rate
        The rate with its binomial (Wilson) interval.
    dispersion : float
        phi >= 1 (:func:`kpikit.social.dispersion`); 1 returns ``value`` unchanged.

    Returns
    -------
    Rate
        The same counts and value; the interval widened; ``method`` names the widening.

    References
    ----------
    Wedderburn (1974); McCullagh and Nelder (1989), Generalized Linear Models, 2nd ed., ch. 4.5.

    Examples
    --------
    >>> from kpikit.stats import rate
    >>> r = widen_rate(rate(100, 1000), 4.0)    # Wilson 0.0829-0.1202, each side twice as far from 0.1
    >>> round(r.low, 4), round(r.high, 4), r.method
    (0.0658, 0.1403, 'wilson, quasi-binomial (phi 4)')
    """
    if not dispersion >= 1:
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial interval.")
    if dispersion == 1:
        return value
    sq = math.sqrt(dispersion)
    v = value.value
    return dataclasses.replace(
        value,
        low=max(0.0, v - sq * (v - value.low)),
        high=min(1.0, v + sq * (value.high - v)),
        method=f"{value.method}, quasi-binomial (phi {dispersion:.3g})",
    )


def awareness(social: pd.DataFrame, by: str | Sequence[str] | None = "brand", freq: str | None = None) -> pd.DataFrame:
    """Awareness KPIs: mentions, reach, impressions and audience growth, per segment (and period).

    audience_growth_rate = followers_gained / followers_start, with
    followers_gained = followers_end - followers_start.

    Followers are a level per account (``brand`` x ``platform``): ``followers_end`` is the count on
    the account's last date in the period; ``followers_start`` is the count on its last date of the
    previous period, or on its first date when there is no previous period (so growth during the
    very first row is not seen). Accounts are then summed within each segment. Mentions, reach and
    impressions are summed over rows (reach summed over days counts a person once per day seen);
    those the table does not have (an export without mentions) are left out of the result.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date, platform, brand, followers, reach, impressions, mentions).
    by : str or list of str or None
        Segment columns (default ``"brand"``); None for one row overall.
    freq : str or None
        Period grain ("D", "W", "MS", "QS", "YS"); None for the whole date range.

    Returns
    -------
    DataFrame
        One row per segment (and period): [period], by..., mentions, reach, impressions,
        followers_start, followers_end, followers_gained, audience_growth_rate (NaN when the start is 0).

    References
    ----------
    Kaushik, "Best social media metrics: conversation, amplification, applause, economic value"
    (Occam's Razor, 2011) for the stages; Hootsuite, "Audience growth rate".

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-31"]), "brand": "A",
    ...     "platform": "Instagram", "followers": [1000, 1050], "reach": [300, 200],
    ...     "impressions": [500, 400], "mentions": [3, 4]})
    >>> awareness(df)[["followers_gained", "audience_growth_rate"]].iloc[0].tolist()
    [50.0, 0.05]
    """
    keys = column_list(by)
    flow_cols = [c for c in ("mentions", "reach", "impressions") if c in social.columns]
    needed = ["date", "brand", "platform", "followers", *flow_cols, *keys]
    require_columns(social, needed, "social")
    _check_values(social, needed)
    frame, pkeys = _with_period(social, freq)
    account = ["brand", "platform"]
    levels = frame[account + pkeys + ["date", "followers"]].copy()
    levels["followers"] = float_values(levels["followers"]).astype("int64")
    levels = levels.sort_values(account + ["date"], kind="mergesort")
    g = levels.groupby(account + pkeys, sort=True, observed=True)["followers"]
    per_acct = pd.concat([g.first().rename("first"), g.last().rename("followers_end")], axis=1).reset_index()
    prev_end = per_acct.groupby(account, sort=False)["followers_end"].shift(1)
    per_acct["followers_start"] = prev_end.fillna(per_acct["first"]).astype("int64")
    # attach the segment keys of each account (keys may include brand/platform or other columns)
    seg_keys = [k for k in keys if k not in account]
    if seg_keys:
        # a non-account key (e.g. country) must be constant per account row group: take it from rows
        acct_keys = frame[account + pkeys + seg_keys].drop_duplicates()
        dup = acct_keys.duplicated(account + pkeys, keep=False)
        if dup.any():
            raise KpiDataError(
                f"social: by={keys!r} splits one account's follower series ({describe_rows(acct_keys.index[dup])}); "
                "followers are a level per brand x platform, so segment by brand, platform or period."
            )
        per_acct = per_acct.merge(acct_keys, on=account + pkeys, how="left")
    group = pkeys + keys
    if group:
        fol = (
            per_acct.groupby(group, sort=True, observed=True)[["followers_start", "followers_end"]].sum().reset_index()
        )
    else:
        fol = per_acct[["followers_start", "followers_end"]].sum().to_frame().T.reset_index(drop=True)
    flows = (
        _sum(frame, group, flow_cols)
        if flow_cols
        else frame[group].drop_duplicates().sort_values(group).reset_index(drop=True)
    )
    if group:
        out = flows.merge(fol, on=group, how="left")
    else:
        out = pd.concat([flows, fol], axis=1) if flow_cols else fol
    out["followers_gained"] = (out["followers_end"] - out["followers_start"]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["audience_growth_rate"] = np.where(
            out["followers_start"] > 0, out["followers_gained"] / out["followers_start"], np.nan
        )
    return out


def _engagement_counts(frame: pd.DataFrame, group: list[str], kind: str, per: str) -> pd.DataFrame:
    num, _ = KIND_NAMES[kind]
    data = frame[group].copy()
    data[num] = _engagements(frame, kind)
    if per == "followers":
        data["follower_posts"] = float_values(frame["followers"]).astype("int64") * float_values(frame["posts"]).astype(
            "int64"
        )
    else:
        data[per] = float_values(frame[per]).astype("int64")
    den = PER_COLUMNS[per]
    if group:
        return data.groupby(group, sort=True, observed=True)[[num, den]].sum().reset_index()
    return data[[num, den]].sum().to_frame().T.reset_index(drop=True)


def _check_per(per, kind) -> None:
    if per not in PER_COLUMNS:
        raise KpiDataError(
            f"per must be 'reach', 'followers' or 'impressions' (got {per!r}): name the denominator of the "
            "engagement rate explicitly, since the three differ by an order of magnitude."
        )
    if kind not in KIND_COLUMNS:
        raise KpiDataError(f"kind must be one of {', '.join(KIND_COLUMNS)} (got {kind!r}).")


def engagement_rate(
    social: pd.DataFrame,
    *,
    per: Per,
    kind: Kind = "total",
    by: str | Sequence[str] | None = "brand",
    freq: str | None = None,
    level: float = 0.95,
    dispersion: float = 1.0,
) -> pd.DataFrame:
    """Engagement rate with its denominator named, per segment (and period), with Wilson intervals.

    rate = sum(engagements) / sum(denominator), where engagements are likes ("applause"), comments
    ("conversation"), shares ("amplification") or their sum ("total"), and the denominator is

    - ``per="reach"``: people reached (the usual per-post "engagement rate by reach");
    - ``per="impressions"``: times shown;
    - ``per="followers"``: follower-posts, sum(followers x posts): each post's audience at the time
      it went out, so the rate is engagements per post per follower, pooled. Rival IQ's published
      benchmarks ("engagement rate per post by follower") use this denominator.

    The denominator has no default: the three differ by an order of magnitude, and a rate without its
    denominator cannot be compared with anything. Rows where engagements exceed the denominator (a
    viral post reaching non-followers) keep their rate but get no interval, with a warning.

    Engagement counts vary far more from week to week than a binomial would allow (content,
    algorithms), so a report that estimates the overdispersion phi (:func:`kpikit.social.dispersion`)
    passes it as ``dispersion``: each side of the Wilson interval is then stretched by sqrt(phi)
    around the rate, within [0, 1] (quasi-binomial; see :func:`widen_rate`).

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    per : {"reach", "followers", "impressions"}
        Denominator (keyword only, required).
    kind : {"applause", "conversation", "amplification", "total"}
        Which engagement to count.
    by : str or list of str or None
        Segment columns (default ``"brand"``).
    freq : str or None
        Period grain ("D", "W", "MS", "QS", "YS") or None for the whole range.
    level : float
        Confidence level of the interval.
    dispersion : float
        Overdispersion factor phi >= 1 the interval carries (1 = the Wilson interval as it is).

    Returns
    -------
    DataFrame
        One row per segment: [period], by..., kind, per, <numerator> (likes, comments, shares or
        engagements), <denominator> (reach, impressions or follower_posts), <rate> (applause_rate,
        conversation_rate, amplification_rate or engagement_rate), ci_low, ci_high, small_sample.

    References
    ----------
    Kaushik (2011), "Best social media metrics" (applause, conversation, amplification rates);
    Rival IQ, "Social Media Industry Benchmark Report" (engagement rate per post by follower).

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"] * 2), "brand": ["A", "B"],
    ...     "platform": "Instagram", "followers": [1000, 5000], "posts": [2, 1], "reach": [400, 900],
    ...     "impressions": [800, 1500], "likes": [30, 40], "comments": [6, 4], "shares": [4, 1]})
    >>> engagement_rate(df, per="reach")["engagement_rate"].round(4).tolist()
    [0.1, 0.05]
    """
    _check_per(per, kind)
    keys = column_list(by)
    needed = ["date", *KIND_COLUMNS[kind], *(("followers", "posts") if per == "followers" else (per,)), *keys]
    require_columns(social, needed, "social")
    _check_values(social, needed)
    frame, pkeys = _with_period(social, freq)
    group = pkeys + keys
    out = _engagement_counts(frame, group, kind, per)
    num, name = KIND_NAMES[kind]
    out.insert(len(group), "kind", kind)
    out.insert(len(group) + 1, "per", per)
    return _widen(_rate_columns(out, num, PER_COLUMNS[per], name, level), name, dispersion)


def engagement(
    social: pd.DataFrame,
    *,
    per: Per,
    by: str | Sequence[str] | None = "brand",
    freq: str | None = None,
    level: float = 0.95,
    dispersion: float = 1.0,
) -> pd.DataFrame:
    """All four engagement rates (applause, conversation, amplification, total), long format.

    Same definitions as :func:`engagement_rate`; one row per segment and kind with generic column
    names, so kinds stack for a chart.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    per : {"reach", "followers", "impressions"}
        Denominator of every rate (keyword only, required).
    by : str or list of str or None
        Segment columns (default ``"brand"``).
    freq : str or None
        Period grain ("D", "W", "MS", "QS", "YS") or None for the whole range.
    level : float
        Confidence level of the intervals.
    dispersion : float
        Overdispersion factor phi >= 1 the intervals carry (see :func:`engagement_rate`).

    Returns
    -------
    DataFrame
        [period], by..., kind, per, engagements, denominator, rate, ci_low, ci_high, small_sample;
        kinds in the order applause, conversation, amplification, total.

    References
    ----------
    Kaushik (2011), "Best social media metrics" (applause, conversation, amplification rates).
    """
    parts = []
    for kind in KIND_COLUMNS:  # four kinds, a fixed small loop
        r = engagement_rate(social, per=per, kind=kind, by=by, freq=freq, level=level, dispersion=dispersion)
        num, name = KIND_NAMES[kind]
        parts.append(r.rename(columns={num: "engagements", PER_COLUMNS[per]: "denominator", name: "rate"}))
    return pd.concat(parts, ignore_index=True)


def click_through_rate(
    social: pd.DataFrame,
    by: str | Sequence[str] | None = ("brand", "platform"),
    freq: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Click-through rate from social: clicks / impressions, per segment, with Wilson intervals.

    ctr = sum(clicks) / sum(impressions). Empty clicks cells (unknown, e.g. for a competitor) keep
    their segment's rate unknown (NaN), never 0.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date, clicks, impressions).
    by : str or list of str or None
        Segment columns (default brand and platform).
    freq : str or None
        Period grain ("D", "W", "MS", "QS", "YS") or None for the whole range.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        [period], by..., clicks, impressions, ctr, ci_low, ci_high, small_sample.

    References
    ----------
    Google Ads Help, "Clickthrough rate (CTR)": clicks divided by impressions.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]), "brand": "A", "platform": "Instagram",
    ...     "clicks": [20], "impressions": [1000]})
    >>> click_through_rate(df)["ctr"].tolist()
    [0.02]
    """
    keys = column_list(by)
    needed = ["date", "clicks", "impressions", *keys]
    require_columns(social, needed, "social")
    _check_values(social, needed, nullable=("clicks",))
    frame, pkeys = _with_period(social, freq)
    out = _sum(frame, pkeys + keys, ["clicks", "impressions"])
    return _rate_columns(out, "clicks", "impressions", "ctr", level)


def conversion(
    social: pd.DataFrame,
    by: str | Sequence[str] | None = ("brand", "platform"),
    freq: str | None = None,
    base: Literal["clicks", "reach", "impressions"] = "clicks",
    level: float = 0.95,
) -> pd.DataFrame:
    """Conversion from social: clicks, conversions and conversion rate per segment (platform).

    conversion_rate = conversions / base, where base is clicks (default: conversions per visit
    from social, as web analytics counts them), reach or impressions.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date, clicks, conversions and the base column).
    by : str or list of str or None
        Segment columns (default brand and platform).
    freq : str or None
        Period grain ("D", "W", "MS", "QS", "YS") or None for the whole range.
    base : {"clicks", "reach", "impressions"}
        Denominator of the conversion rate.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        [period], by..., clicks, conversions, [base], conversion_rate, ci_low, ci_high, small_sample.

    Raises
    ------
    KpiDataError
        When the table has no clicks or conversions at all (a competitive export without them): the
        message says the conversion section is skipped and what to export.

    References
    ----------
    docs/KPI_CATALOGUE.md, "Social media" (conversion stage); Kaushik (2011), "Best social media
    metrics" (economic value).

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02"]), "brand": "A",
    ...     "platform": ["Instagram", "TikTok"], "clicks": [200, 50], "conversions": [10, 1]})
    >>> conversion(df)["conversion_rate"].tolist()
    [0.05, 0.02]
    """
    if base not in ("clicks", "reach", "impressions"):
        raise KpiDataError(f"base must be 'clicks', 'reach' or 'impressions' (got {base!r}).")
    absent = [c for c in dict.fromkeys(("clicks", "conversions", base)) if c not in social.columns]
    if absent or social["conversions"].isna().all():
        raise KpiDataError(
            "The social table holds no conversions from social posts (no "
            + ", ".join(absent or ["conversions"])
            + " in the export): the conversion section is skipped. Export clicks and conversions (your own "
            "accounts' analytics have them) to add it."
        )
    keys = column_list(by)
    needed = ["date", "clicks", "conversions", base, *keys]
    require_columns(social, needed, "social")
    _check_values(social, needed, nullable=("clicks", "conversions"))
    frame, pkeys = _with_period(social, freq)
    out = _sum(frame, pkeys + keys, ["clicks", "conversions", base])
    return _rate_columns(out, "conversions", base, "conversion_rate", level)


def customer(
    reviews: pd.DataFrame,
    by: str | Sequence[str] | None = "brand",
    rating: str = "rating",
    scale: tuple[int, int] = (1, 5),
    positive_min: int = 4,
    level: float = 0.95,
) -> pd.DataFrame:
    """Customer-stage KPIs from reviews: number of reviews, mean rating and share of positive ratings.

    rating_mean with a Student-t interval (mean +- t s / sqrt(n)); positive_rate = reviews rated
    >= ``positive_min`` / reviews, with a Wilson interval (ci_low, ci_high).

    Parameters
    ----------
    reviews : DataFrame
        One row per review with a ``rating`` column on ``scale`` (and the ``by`` columns).
    by : str or list of str or None
        Segment columns (default ``"brand"``); None for one row overall.
    rating : str
        Name of the rating column.
    scale : (int, int)
        Lowest and highest possible rating (1-5 stars by default).
    positive_min : int
        Lowest rating counted as positive (4 of 5 stars, as CSAT counts 4-5).
    level : float
        Confidence level of both intervals.

    Returns
    -------
    DataFrame
        by..., reviews, rating_mean, rating_low, rating_high, positive, positive_rate, ci_low,
        ci_high, small_sample.

    References
    ----------
    docs/KPI_CATALOGUE.md, "Social media" (customer stage); the positive share follows the CSAT
    convention (top two boxes of five).

    Examples
    --------
    >>> r = pd.DataFrame({"brand": "A", "rating": [5, 4, 3, 5]})
    >>> customer(r)[["reviews", "rating_mean", "positive_rate"]].iloc[0].tolist()
    [4.0, 4.25, 0.75]
    """
    from scipy import stats as _st

    keys = column_list(by)
    require_columns(reviews, [rating, *keys], "reviews")
    _check_values(reviews, [rating, *keys], table="reviews")
    x = pd.Series(float_values(reviews[rating]), index=reviews.index)
    bad = (x.isna() | (x < scale[0]) | (x > scale[1])).to_numpy()
    if bad.any():
        raise KpiDataError(
            f"reviews, column '{rating}': {bad.sum()} rating(s) outside {scale[0]}-{scale[1]} or not numbers "
            f"({describe_rows(reviews.index[bad])}; first: {reviews[rating][bad].iloc[0]}). "
            "Pass scale=(low, high) for another rating scale."
        )
    data = reviews[keys].copy()
    data["_r"] = x.to_numpy(dtype=float)
    data["_pos"] = (x >= positive_min).to_numpy().astype("int64")
    g = data.groupby(keys, sort=True, observed=True) if keys else data.groupby(np.zeros(len(data)))
    out = pd.DataFrame(
        {
            "reviews": g["_r"].count(),
            "rating_mean": g["_r"].mean(),
            "_sd": g["_r"].std(ddof=1),
            "positive": g["_pos"].sum(),
        }
    )
    out = out.reset_index() if keys else out.reset_index(drop=True)
    n = out["reviews"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = _st.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * out["_sd"].to_numpy() / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    out["rating_low"] = out["rating_mean"] - half
    out["rating_high"] = out["rating_mean"] + half
    out = out.drop(columns="_sd")
    out["reviews"] = out["reviews"].astype(float)
    out = rate_frame(out, "positive", "reviews", "positive_rate", level=level)
    return out[
        [
            *keys,
            "reviews",
            "rating_mean",
            "rating_low",
            "rating_high",
            "positive",
            "positive_rate",
            "ci_low",
            "ci_high",
            "small_sample",
        ]
    ]
