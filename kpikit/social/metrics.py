"""Social KPIs per brand and period: awareness, engagement, clicks, conversion, customer signals."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.schemas import column_list, require_columns
from kpikit.stats import (
    is_small_sample,
    proportion_ci,
    rate_frame,
)

__all__ = ['COUNT_COLUMNS', 'awareness', 'engagement_rate', 'engagement', 'click_through_rate', 'conversion', 'customer', 'summary', 'Per', 'Kind', 'KIND_COLUMNS', 'KIND_NAMES', 'PER_COLUMNS']


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


def _missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    if isinstance(v, Mapping) and "value" in v:
        return _missing(v["value"])
    return False
