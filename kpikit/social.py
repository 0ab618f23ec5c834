"""Social media KPIs: awareness, engagement, conversion, customer, share of voice, the vanity check.

The ``social`` table (DESIGN.md "Canonical tables") has one row per account (``brand`` x
``platform``) and date: ``followers`` is a level (the audience on that date); ``impressions``,
``reach``, ``likes``, ``comments``, ``shares``, ``mentions``, ``clicks``, ``conversions`` and
``posts`` are flows (counts during the row's day or week).

Stages, after the KPI catalogue ("Social media"):

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
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, VanityMetricWarning, describe_rows
from kpikit.schemas import column_list, require_columns
from kpikit.stats import fdr, is_small_sample, newcombe_interval, proportion_ci, rate_frame, two_proportion_ztest

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
]

#: Flow and level columns of the social table that must be non-negative whole counts.
COUNT_COLUMNS = (
    "followers", "impressions", "reach", "likes", "comments", "shares", "mentions", "clicks",
    "conversions", "posts",
)

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

_PERIOD_CODES = {"D": "D", "W": "W", "MS": "M", "M": "M", "ME": "M", "QS": "Q", "Q": "Q", "QE": "Q", "YS": "Y", "Y": "Y", "YE": "Y", "AS": "Y"}


# ---------------------------------------------------------------------------------------------
# input checks and grouping


def _floats(col) -> np.ndarray:
    """A numeric column (numpy or nullable extension dtype) as a float array, missing as NaN."""
    x = pd.to_numeric(pd.Series(col), errors="coerce")
    return x.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _check(social: pd.DataFrame, columns: Sequence[str], table: str = "social", nullable: Sequence[str] = ()) -> None:
    """Raise KpiDataError for missing columns, empty cells or negative / fractional counts.

    Columns in ``nullable`` may hold empty cells (unknown, e.g. a competitor's clicks); they stay
    unknown (NaN) in every sum they enter, never 0.
    """
    require_columns(social, columns, table, fix=(
        f"Read the export with kk.read_table(path, '{table}', columns=...) so its columns get the canonical names."))
    if len(social) == 0:
        raise KpiDataError(f"{table}: the table has no rows; check the file or the period filter.")
    for c in columns:
        col = social[c]
        bad = col.isna().to_numpy()
        if bad.any() and c not in nullable:
            rows = social.index[bad]
            raise KpiDataError(
                f"{table}, column '{c}': {bad.sum()} empty value(s) ({describe_rows(rows)}). "
                "Fill them in the export (0 where nothing happened) or filter those rows out explicitly."
            )
        if c in COUNT_COLUMNS:
            x = _floats(col)
            known = ~np.isnan(x)
            bad = (~known & ~col.isna().to_numpy()) | (known & ((x < 0) | (x != np.floor(x))))
            if bad.any():
                rows = social.index[bad]
                first = col[bad].iloc[0]
                first = first.item() if hasattr(first, "item") else first
                raise KpiDataError(
                    f"{table}, column '{c}': {bad.sum()} value(s) are not non-negative whole counts "
                    f"({describe_rows(rows)}; first: {first!r}). Social KPIs rest on counts: fix the export."
                )
    if "date" in columns and not pd.api.types.is_datetime64_any_dtype(social["date"]):
        raise KpiDataError(
            f"{table}, column 'date': expected datetimes, got {social['date'].dtype}. "
            "Read the file with kk.read_table(path, 'social') or convert with pd.to_datetime first."
        )


def _with_period(social: pd.DataFrame, freq: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Add a ``period`` column (period start) when ``freq`` is given; return frame and period keys."""
    if freq is None:
        return social, []
    code = _PERIOD_CODES.get(freq)
    if code is None:
        raise KpiDataError(f"freq must be one of {', '.join(sorted(_PERIOD_CODES))} or None (got {freq!r}).")
    out = social.copy()
    out["period"] = out["date"].dt.to_period(code).dt.start_time
    return out, ["period"]


def _sum(frame: pd.DataFrame, keys: list[str], columns: Sequence[str]) -> pd.DataFrame:
    """Sums of count columns per group; a group with an unknown (empty) cell sums to NaN, not 0."""
    cols = list(dict.fromkeys(columns))
    data = frame[keys].copy()
    for c in cols:
        data[c] = _floats(frame[c])
    if keys:
        out = data.groupby(keys, sort=True, dropna=False, observed=True)[cols].sum(skipna=False).reset_index()
    else:
        out = data[cols].sum(skipna=False).to_frame().T.reset_index(drop=True)
    for c in cols:
        if not out[c].isna().any():
            out[c] = out[c].astype("int64")
    return out


def _engagements(frame: pd.DataFrame, kind: str) -> np.ndarray:
    return sum(_floats(frame[c]) for c in KIND_COLUMNS[kind]).astype("int64")


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


# ---------------------------------------------------------------------------------------------
# awareness


def awareness(social: pd.DataFrame, by: str | Sequence[str] | None = "brand", freq: str | None = None) -> pd.DataFrame:
    """Awareness KPIs: mentions, reach, impressions and audience growth, per segment (and period).

    audience_growth_rate = followers_gained / followers_start, with
    followers_gained = followers_end - followers_start.

    Followers are a level per account (``brand`` x ``platform``): ``followers_end`` is the count on
    the account's last date in the period; ``followers_start`` is the count on its last date of the
    previous period, or on its first date when there is no previous period (so growth during the
    very first row is not seen). Accounts are then summed within each segment. Mentions, reach and
    impressions are summed over rows (reach summed over days counts a person once per day seen).

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
    _check(social, ["date", "brand", "platform", "followers", "reach", "impressions", "mentions", *keys])
    frame, pkeys = _with_period(social, freq)
    account = ["brand", "platform"]
    levels = frame[account + pkeys + ["date", "followers"]].copy()
    levels["followers"] = _floats(levels["followers"]).astype("int64")
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
        fol = per_acct.groupby(group, sort=True, observed=True)[["followers_start", "followers_end"]].sum().reset_index()
    else:
        fol = per_acct[["followers_start", "followers_end"]].sum().to_frame().T.reset_index(drop=True)
    flows = _sum(frame, group, ["mentions", "reach", "impressions"])
    out = flows.merge(fol, on=group, how="left") if group else pd.concat([flows, fol], axis=1)
    out["followers_gained"] = (out["followers_end"] - out["followers_start"]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["audience_growth_rate"] = np.where(out["followers_start"] > 0, out["followers_gained"] / out["followers_start"], np.nan)
    return out


# ---------------------------------------------------------------------------------------------
# engagement


def _engagement_counts(frame: pd.DataFrame, group: list[str], kind: str, per: str) -> pd.DataFrame:
    num, _ = KIND_NAMES[kind]
    data = frame[group].copy()
    data[num] = _engagements(frame, kind)
    if per == "followers":
        data["follower_posts"] = _floats(frame["followers"]).astype("int64") * _floats(frame["posts"]).astype("int64")
    else:
        data[per] = _floats(frame[per]).astype("int64")
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
    _check(social, needed)
    frame, pkeys = _with_period(social, freq)
    group = pkeys + keys
    out = _engagement_counts(frame, group, kind, per)
    num, name = KIND_NAMES[kind]
    out.insert(len(group), "kind", kind)
    out.insert(len(group) + 1, "per", per)
    return _rate_columns(out, num, PER_COLUMNS[per], name, level)


def engagement(
    social: pd.DataFrame,
    *,
    per: Per,
    by: str | Sequence[str] | None = "brand",
    freq: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """All four engagement rates (applause, conversation, amplification, total), long format.

    Same definitions as :func:`engagement_rate`; one row per segment and kind with columns
    [period], by..., kind, per, engagements, denominator, rate, ci_low, ci_high, small_sample
    (generic names, so kinds stack for a chart).
    """
    parts = []
    for kind in KIND_COLUMNS:  # four kinds, a fixed small loop
        r = engagement_rate(social, per=per, kind=kind, by=by, freq=freq, level=level)
        num, name = KIND_NAMES[kind]
        parts.append(r.rename(columns={num: "engagements", PER_COLUMNS[per]: "denominator", name: "rate"}))
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# conversion and customer stages


def click_through_rate(
    social: pd.DataFrame, by: str | Sequence[str] | None = ("brand", "platform"), freq: str | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Click-through rate from social: clicks / impressions, per segment, with Wilson intervals.

    Returns
    -------
    DataFrame
        [period], by..., clicks, impressions, ctr, ci_low, ci_high, small_sample.
    """
    keys = column_list(by)
    _check(social, ["date", "clicks", "impressions", *keys], nullable=("clicks",))
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

    Returns
    -------
    DataFrame
        [period], by..., clicks, conversions, [base], conversion_rate, ci_low, ci_high, small_sample.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02"]), "brand": "A",
    ...     "platform": ["Instagram", "TikTok"], "clicks": [200, 50], "conversions": [10, 1]})
    >>> conversion(df)["conversion_rate"].tolist()
    [0.05, 0.02]
    """
    if base not in ("clicks", "reach", "impressions"):
        raise KpiDataError(f"base must be 'clicks', 'reach' or 'impressions' (got {base!r}).")
    keys = column_list(by)
    _check(social, ["date", "clicks", "conversions", base, *keys], nullable=("clicks", "conversions"))
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
    scale : (int, int)
        Lowest and highest possible rating (1-5 stars by default).
    positive_min : int
        Lowest rating counted as positive (4 of 5 stars, as CSAT counts 4-5).

    Returns
    -------
    DataFrame
        by..., reviews, rating_mean, rating_low, rating_high, positive, positive_rate, ci_low,
        ci_high, small_sample.

    Examples
    --------
    >>> r = pd.DataFrame({"brand": "A", "rating": [5, 4, 3, 5]})
    >>> customer(r)[["reviews", "rating_mean", "positive_rate"]].iloc[0].tolist()
    [4.0, 4.25, 0.75]
    """
    from scipy import stats as _st

    keys = column_list(by)
    _check(reviews, [rating, *keys], table="reviews")
    x = pd.Series(_floats(reviews[rating]), index=reviews.index)
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
        {"reviews": g["_r"].count(), "rating_mean": g["_r"].mean(), "_sd": g["_r"].std(ddof=1), "positive": g["_pos"].sum()}
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
    return out[[*keys, "reviews", "rating_mean", "rating_low", "rating_high", "positive", "positive_rate", "ci_low", "ci_high", "small_sample"]]


# ---------------------------------------------------------------------------------------------
# share of voice


def share_of_voice(
    social: pd.DataFrame,
    freq: str | None = "MS",
    by: str | Sequence[str] | None = None,
    brands: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of voice per brand and period: brand mentions / mentions of all brands in the set.

    share_of_voice = mentions(brand) / sum over brands(mentions), within each period (and segment),
    with a Wilson interval treating each mention as a draw from the conversation about the set.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date, brand, mentions).
    freq : str or None
        Period grain ("MS" months by default; "W", "QS", ...); None for the whole range.
    by : str or list of str or None
        Extra segment columns (e.g. ``"platform"``) within which shares are computed.
    brands : sequence of str, optional
        The competitive set (client and competitors). Default: every brand in the table. A brand not
        in the table is an error (a typo would otherwise inflate everyone else's share).

    Returns
    -------
    DataFrame
        [period], by..., brand, mentions, total_mentions, share_of_voice, ci_low, ci_high,
        small_sample. Shares of one period sum to 1.

    References
    ----------
    KPI catalogue, "Social media"; Nielsen/Buzz-monitoring usage of "share of voice" as the brand's
    share of the category's conversation.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-05"] * 3), "brand": ["A", "B", "C"],
    ...     "mentions": [30, 50, 20]})
    >>> share_of_voice(df, freq=None)["share_of_voice"].tolist()
    [0.3, 0.5, 0.2]
    """
    keys = column_list(by)
    _check(social, ["date", "brand", "mentions", *keys])
    frame = social
    if brands is not None:
        brands = list(brands)
        present = set(social["brand"].unique())
        unknown = [b for b in brands if b not in present]
        if unknown:
            raise KpiDataError(
                f"social, column 'brand': {', '.join(repr(b) for b in unknown)} not found (brands present: "
                f"{', '.join(sorted(map(str, present)))}). Fix the spelling in `brands`."
            )
        frame = social[social["brand"].isin(brands)]
    frame, pkeys = _with_period(frame, freq)
    group = pkeys + keys
    out = _sum(frame, group + ["brand"], ["mentions"])
    if group:
        out["total_mentions"] = out.groupby(group, sort=False, observed=True)["mentions"].transform("sum")
    else:
        out["total_mentions"] = out["mentions"].sum()
    return rate_frame(out, "mentions", "total_mentions", "share_of_voice", level=level)


# ---------------------------------------------------------------------------------------------
# summary and engagement quality


def summary(social: pd.DataFrame, by: str | Sequence[str] | None = "brand", freq: str | None = None) -> pd.DataFrame:
    """One row per segment with every social count and the main rates, ready for benchmarking.

    Counts: followers_start, followers_end, followers_gained, mentions, reach, impressions, posts,
    likes, comments, shares, engagements (likes + comments + shares), follower_posts
    (sum of followers x posts), clicks, conversions. Rates (no intervals here; use the dedicated
    functions for those): audience_growth_rate, share_of_voice (within the table's brands),
    engagement_rate_per_reach, engagement_rate_per_impression, engagement_rate_per_follower (per post),
    applause_rate_per_reach, conversation_rate_per_reach, amplification_rate_per_reach, ctr
    (clicks / impressions), conversion_rate (conversions / clicks).

    Feed it to :func:`kpikit.benchmark.compare` with metrics such as
    ``{"engagement rate (per reach)": ("engagements", "reach")}``.
    """
    keys = column_list(by)
    _check(social, ["date", "brand", "platform", *COUNT_COLUMNS, *keys], nullable=("clicks", "conversions"))
    frame, pkeys = _with_period(social, freq)
    group = pkeys + keys
    aw = awareness(social, by=keys or None, freq=freq)
    data = frame[group].copy()
    for c in ("posts", "likes", "comments", "shares", "clicks", "conversions"):
        data[c] = _floats(frame[c])
    data["engagements"] = data["likes"] + data["comments"] + data["shares"]
    data["follower_posts"] = _floats(frame["followers"]) * data["posts"]
    cols = ["posts", "likes", "comments", "shares", "engagements", "follower_posts", "clicks", "conversions"]
    flows = _sum(data, group, cols)
    out = aw.merge(flows, on=group, how="left") if group else pd.concat([aw, flows], axis=1)
    total_mentions = (
        out.groupby(pkeys, sort=False)["mentions"].transform("sum") if pkeys else out["mentions"].sum()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_of_voice"] = out["mentions"] / total_mentions
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
        _rate_columns(out, k, n, name, 0.95, ci=False)
    return out


def engagement_quality(
    social: pd.DataFrame,
    *,
    per: Per,
    by: str = "brand",
    alpha: float = 0.05,
    level: float = 0.95,
    dispersion: float = 1.0,
    min_gap: float = 0.25,
) -> pd.DataFrame:
    """Audience size against engagement rate: who has followers without engagement?

    For each brand (segment): followers at the end of the range, the total engagement rate (named
    denominator) with its interval, and a test of the brand against all other brands pooled
    (pooled two-proportion z test, Newcombe interval of the difference, Benjamini-Hochberg q-values
    across brands). ``vanity_gap`` is True for a brand with more followers than the median brand whose
    engagement rate is significantly below the others' (q < alpha) and materially so: at least
    ``min_gap`` (default 25%) below the others' rate in relative terms (with millions of people
    reached, a 5% relative gap can be "significant" and still not matter): an audience that does not
    engage.
    ``dispersion`` (see :func:`dispersion`) makes the test quasi-binomial: z / sqrt(phi) and the
    difference interval widened by sqrt(phi).

    Returns
    -------
    DataFrame
        by, followers_end, followers_rank (1 = most), engagements, <denominator>, engagement_rate,
        ci_low, ci_high, small_sample, others_rate, difference, relative_gap (difference / others_rate),
        diff_low, diff_high, p_value, q_value, engagement_rank (1 = highest rate), vanity_gap.
    """
    rates = engagement_rate(social, per=per, kind="total", by=by, level=level)
    aw = awareness(social, by=by)
    out = rates.drop(columns=["kind", "per"]).merge(aw[[by, "followers_end"]], on=by, how="left")
    den = PER_COLUMNS[per]
    k = out["engagements"].to_numpy(dtype=float)
    n = out[den].to_numpy(dtype=float)
    k_rest, n_rest = k.sum() - k, n.sum() - n
    with np.errstate(divide="ignore", invalid="ignore"):
        out["others_rate"] = k_rest / n_rest
    valid = (k <= n) & (k_rest <= n_rest) & (n > 0) & (n_rest > 0)
    z, p = two_proportion_ztest(np.where(valid, k, 0), np.where(valid, n, 1), np.where(valid, k_rest, 0), np.where(valid, n_rest, 1))
    lo, hi = newcombe_interval(np.where(valid, k, 0), np.where(valid, n, 1), np.where(valid, k_rest, 0), np.where(valid, n_rest, 1), level)
    out["difference"] = out["engagement_rate"] - out["others_rate"]
    if dispersion < 1:
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial test.")
    phi = math.sqrt(dispersion)
    d = out["difference"].to_numpy()
    out["diff_low"] = np.where(valid, d - phi * (d - lo), np.nan)
    out["diff_high"] = np.where(valid, d + phi * (hi - d), np.nan)
    from scipy import stats as _st

    out["p_value"] = np.where(valid, 2 * _st.norm.sf(np.abs(z) / phi), np.nan)
    out["q_value"] = fdr(out["p_value"].to_numpy())
    out["followers_rank"] = out["followers_end"].rank(ascending=False, method="min").astype(int)
    out["engagement_rank"] = out["engagement_rate"].rank(ascending=False, method="min").astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative_gap"] = out["difference"] / out["others_rate"]
    out["vanity_gap"] = (
        (out["followers_end"] > out["followers_end"].median()) & (out["q_value"] < alpha) & (out["relative_gap"] <= -min_gap)
    )
    cols = [by, "followers_end", "followers_rank", "engagements", den, "engagement_rate", "ci_low", "ci_high", "small_sample",
            "others_rate", "difference", "relative_gap", "diff_low", "diff_high", "p_value", "q_value", "engagement_rank", "vanity_gap"]
    return out[cols].sort_values("followers_rank", kind="mergesort").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# selection, scorecard metrics, brand comparison


def select(
    social: pd.DataFrame,
    brands: Sequence[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Rows of the given brands between ``start`` and ``end`` (inclusive dates), checked.

    A brand missing from the table is an error naming the brands present (a typo must not silently
    drop a competitor); an empty selection is an error naming the table's date range.
    """
    _check(social, ["date", "brand"])
    mask = np.ones(len(social), dtype=bool)
    if brands is not None:
        present = set(social["brand"].unique())
        unknown = [b for b in brands if b not in present]
        if unknown:
            raise KpiDataError(
                f"social, column 'brand': {', '.join(repr(b) for b in unknown)} not found (brands present: "
                f"{', '.join(sorted(map(str, present)))}). Fix the brand names (client / competitors parameters)."
            )
        mask &= social["brand"].isin(list(brands)).to_numpy()
    if start is not None:
        mask &= (social["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        mask &= (social["date"] < pd.Timestamp(end) + pd.Timedelta(days=1)).to_numpy()
    out = social[mask]
    if out.empty:
        raise KpiDataError(
            f"social: no rows between {start} and {end} for the chosen brands (the table covers "
            f"{social['date'].min():%Y-%m-%d} to {social['date'].max():%Y-%m-%d}). Adjust the period."
        )
    return out


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


def dispersion(
    social: pd.DataFrame,
    *,
    per: Per,
    kind: Kind = "total",
    by: str | Sequence[str] | None = "brand",
    freq: str = "W",
) -> float:
    """Overdispersion factor of an engagement rate: how much more it varies than a binomial would.

    phi = X^2 / df, the Pearson statistic of the period rows (one per account and period of ``freq``)
    around their account's pooled rate: X^2 = sum_t (k_t - n_t p_a)^2 / (n_t p_a (1 - p_a)),
    df = rows - accounts, accounts being ``by`` x platform. Floored at 1 (never narrower than binomial).

    Social counts are large (millions of people reached), so binomial tests call tiny gaps
    significant; real rates move from week to week with content and algorithms. Passing ``phi`` as
    ``dispersion=`` to :func:`kpikit.benchmark.compare` widens intervals by sqrt(phi) and divides z by
    sqrt(phi) (quasi-binomial inference).

    References
    ----------
    Wedderburn (1974), "Quasi-likelihood functions, generalized linear models, and the Gauss-Newton
    method", Biometrika 61; McCullagh and Nelder (1989), Generalized Linear Models, 2nd ed., ch. 4.5.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-06", "2025-01-13"]), "brand": "A",
    ...     "platform": "Instagram", "reach": [100, 100], "likes": [10, 30], "comments": 0, "shares": 0})
    >>> dispersion(df, per="reach")   # (10-20)^2/16 + (30-20)^2/16 = 12.5 on 1 df
    12.5
    """
    keys = column_list(by)
    group = list(dict.fromkeys([*keys, "platform"]))
    r = engagement_rate(social, per=per, kind=kind, by=group, freq=freq)
    num, _ = KIND_NAMES[kind]
    den = PER_COLUMNS[per]
    r = r[r[den] > 0]
    g = r.groupby(group, sort=False, observed=True)
    p = g[num].transform("sum") / g[den].transform("sum")
    var = r[den] * p * (1 - p)
    ok = var > 0
    x2 = float((((r[num] - r[den] * p) ** 2)[ok] / var[ok]).sum())
    df = int(ok.sum()) - int(r[ok].groupby(group, sort=False, observed=True).ngroups)
    if df <= 0:
        return 1.0
    return max(1.0, x2 / df)


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


def headline_kpis(social: pd.DataFrame, client: str, *, per: Per, dispersion: float = 1.0, level: float = 0.95) -> dict:
    """The headline social KPIs of a benchmarking report, for ``kk.report.record_kpis``.

    Returns
    -------
    dict
        engagement_per (the denominator), engagement_rate (client Rate), share_of_voice (client Rate over
        the whole range), audience_growth_rate (float), most_followed_brand, vanity_gap_brands (list),
        client_vs_most_followed (RateComparison of engagement rates, client minus the most-followed
        brand; None when the client is the most followed), dispersion.
    """
    from kpikit.stats import rate as _rate

    q = engagement_quality(social, per=per, dispersion=dispersion, level=level)
    if client not in set(q["brand"]):
        raise KpiDataError(f"social, column 'brand': client {client!r} not found (brands: {', '.join(map(str, q['brand']))}).")
    c = q[q["brand"] == client].iloc[0]
    den = PER_COLUMNS[per]
    sov = share_of_voice(social, freq=None, level=level)
    sv = sov[sov["brand"] == client].iloc[0]
    aw = awareness(social).set_index("brand")
    top = str(q.iloc[0]["brand"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        out = {
            "engagement_per": per,
            "engagement_rate": _rate(int(c["engagements"]), int(c[den]), level=level),
            "share_of_voice": _rate(int(sv["mentions"]), int(sv["total_mentions"]), level=level),
            "audience_growth_rate": float(aw.loc[client, "audience_growth_rate"]),
            "most_followed_brand": top,
            "vanity_gap_brands": [str(b) for b in q.loc[q["vanity_gap"], "brand"]],
            "client_vs_most_followed": (
                None if top == client else compare_brands(social, client, top, per=per, level=level, dispersion=dispersion)
            ),
            "dispersion": float(dispersion),
        }
    return out


def titles(quality: pd.DataFrame | None = None, sov: pd.DataFrame | None = None, client: str | None = None) -> dict[str, str]:
    """Chart titles that state the finding, built from the numbers.

    Keys: "quality" (from :func:`engagement_quality`) and "sov" (from a :func:`share_of_voice` trend
    with periods), when those frames are given.
    """
    out: dict[str, str] = {}
    if quality is not None:
        flagged = quality.loc[quality["vanity_gap"], "brand"].astype(str).tolist()
        if flagged:
            out["quality"] = f"{', '.join(flagged)}: more followers, but a clearly lower engagement rate"
        else:
            best = quality.sort_values("engagement_rank").iloc[0]
            out["quality"] = f"No large audience without engagement; {best['brand']} engages best"
    if sov is not None and client is not None and "period" in sov.columns:
        pooled = sov.groupby("brand", sort=True)[["mentions", "total_mentions"]].sum()
        share = (pooled["mentions"] / pooled["total_mentions"]).sort_values(ascending=False, kind="mergesort")
        leader = str(share.index[0])
        mine = share.get(client, float("nan"))
        lead = f"{leader} leads the conversation ({share.iloc[0]:.0%})"
        out["sov"] = lead if leader == client else f"{lead}; {client} holds {mine:.0%}"
    return out


# ---------------------------------------------------------------------------------------------
# vanity check

_VANITY = re.compile(r"\b(followers?|fans|reach|impressions?|views?|audience|page ?likes)\b")
_SUBSTANCE = re.compile(
    r"\b(engagements?|engaged|likes|comments?|shares|applause|conversation|amplification|clicks?|ctr|"
    r"click through|conversions?|converted|sales|revenue|leads?|signups?|sign ups?|orders?|purchases?|"
    r"roas|roi|cpa)\b"
)


def _normalise(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()
    return s.replace("share of voice", "sov").replace("page likes", "pagelikes")


def _classify(name: str) -> str:
    s = _normalise(name)
    if _SUBSTANCE.search(s):
        return "substance"
    if _VANITY.search(s) or "pagelikes" in s:
        return "vanity"
    return "other"


def vanity_check(kpis, warn: bool = True) -> list[str]:
    """Flag a summary that reports followers, reach or impressions with no engagement or conversion KPI.

    A KPI is reach-type ("vanity") when its name speaks of followers, fans, reach, impressions, views
    or audience and nothing more; it is backed when the same summary also holds an engagement or
    conversion KPI (engagement, likes, comments, shares, clicks, CTR, conversions, sales, revenue,
    leads...). Names mixing both ("engagement rate per reach") count as engagement. Entries whose value
    is missing (None/NaN) do not count.

    Parameters
    ----------
    kpis : mapping, DataFrame, Series or sequence of str
        A KPI dict (name -> value), a frame (its columns, or its ``metric`` column when it has one) or
        a list of names.
    warn : bool
        Emit :class:`~kpikit.errors.VanityMetricWarning` when vanity KPIs stand alone.

    Returns
    -------
    list of str
        The vanity KPIs that stand without engagement or conversion beside them (empty when fine).

    Examples
    --------
    >>> vanity_check({"followers": 12000, "engagement rate per reach": 0.04}, warn=False)
    []
    >>> vanity_check(["followers", "impressions", "share of voice"], warn=False)
    ['followers', 'impressions']
    """
    if isinstance(kpis, pd.DataFrame):
        names = list(kpis["metric"]) if "metric" in kpis.columns else [str(c) for c in kpis.columns]
    elif isinstance(kpis, pd.Series):
        names = [str(k) for k, v in kpis.items() if not _missing(v)]
    elif isinstance(kpis, Mapping):
        names = [str(k) for k, v in kpis.items() if not _missing(v)]
    elif isinstance(kpis, str):
        names = [kpis]
    else:
        names = [str(k) for k in kpis]
    kinds = {n: _classify(n) for n in names}
    vanity = [n for n in names if kinds[n] == "vanity"]
    if not vanity or any(k == "substance" for k in kinds.values()):
        return []
    if warn:
        warnings.warn(
            f"This summary reports {', '.join(vanity)} without any engagement or conversion KPI beside "
            "them. Audience size and reach say who could have seen you, not who cared or acted: add an "
            "engagement rate (with its denominator) or a conversion KPI.",
            VanityMetricWarning,
            stacklevel=2,
        )
    return vanity


def _missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    if isinstance(v, Mapping) and "value" in v:
        return _missing(v["value"])
    return False


# ---------------------------------------------------------------------------------------------
# findings


def findings(quality: pd.DataFrame, sov: pd.DataFrame | None = None, client: str | None = None, by: str = "brand") -> list[str]:
    """Plain-words findings from :func:`engagement_quality` (and a :func:`share_of_voice` trend).

    Sentences name the brands with an audience that does not engage (``vanity_gap``), the client's
    engagement rate against the others, and the client's latest share of voice against its first.
    """
    out: list[str] = []
    q = quality
    for _, r in q[q["vanity_gap"]].iterrows():
        out.append(
            f"{r[by]} has the #{int(r['followers_rank'])} audience ({r['followers_end']:,.0f} followers) but an "
            f"engagement rate of {r['engagement_rate']:.2%} against {r['others_rate']:.2%} for the others "
            f"(difference {r['difference'] * 100:+.2f} pts, 95% CI {r['diff_low'] * 100:+.2f} to {r['diff_high'] * 100:+.2f}; "
            f"q {'< 1e-300' if r['q_value'] == 0 else '= ' + format(r['q_value'], '.2g')}): a large audience that does not engage."
        )
    if client is not None and client in set(q[by]):
        r = q[q[by] == client].iloc[0]
        sig = pd.notna(r["q_value"]) and r["q_value"] < 0.05
        word = ("above" if r["difference"] > 0 else "below") if sig else "not significantly different from"
        out.append(
            f"{client}'s engagement rate is {r['engagement_rate']:.2%} (95% CI {r['ci_low']:.2%} to {r['ci_high']:.2%}), "
            f"{word} the other brands' {r['others_rate']:.2%}; it ranks #{int(r['engagement_rank'])} on engagement "
            f"and #{int(r['followers_rank'])} on followers."
        )
    if sov is not None and client is not None and "period" in sov.columns:
        s = sov[sov["brand"] == client].sort_values("period")
        if len(s) >= 2:
            a, b = s.iloc[0], s.iloc[-1]
            from kpikit.stats import compare_rates

            c = compare_rates((int(b["mentions"]), int(b["total_mentions"])), (int(a["mentions"]), int(a["total_mentions"])))
            verdict = "a significant change" if c.p_value < 0.05 else "within noise"
            out.append(
                f"{client}'s share of voice moved from {a['share_of_voice']:.1%} ({a['period']:%b %Y}) to "
                f"{b['share_of_voice']:.1%} ({b['period']:%b %Y}), {c.difference * 100:+.1f} pts ({verdict}, p = {c.p_value:.2g})."
            )
    return out
