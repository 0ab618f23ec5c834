"""Engagement quality against vanity reach, overdispersion, and the vanity-metric check."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import VanityMetricWarning
from kpikit.schemas import column_list
from kpikit.social.metrics import (
    KIND_NAMES,
    PER_COLUMNS,
    Kind,
    Per,
    awareness,
    engagement_rate,
)
from kpikit.stats import (
    fdr,
    newcombe_interval,
    two_proportion_ztest,
)

__all__ = ["engagement_quality", "vanity_check", "dispersion"]


#: Columns of :func:`engagement_quality` after by, followers_end, followers_rank, engagements and the denominator.
_QUALITY_COLUMNS = [
    "engagement_rate", "ci_low", "ci_high", "small_sample", "others_rate", "difference", "relative_gap",
    "diff_low", "diff_high", "p_value", "q_value", "engagement_rank", "vanity_gap",
]  # fmt: skip


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
    """Audience size against engagement rate: which brands have followers without engagement.

    For each brand (segment): followers at the end of the range, the total engagement rate (named
    denominator) with its interval, and a test of the brand against all other brands pooled
    (pooled two-proportion z test, Newcombe interval of the difference, Benjamini-Hochberg q-values
    across brands). ``vanity_gap`` is True for a brand with more followers than the median brand whose
    engagement rate is significantly below the others' (q < alpha) and materially so: at least
    ``min_gap`` (default 25%) below the others' rate in relative terms (with millions of people
    reached, a 5% relative gap can be "significant" and still not matter): an audience that does not
    engage.
    ``dispersion`` (see :func:`dispersion`) makes the test quasi-binomial: z / sqrt(phi), and the
    intervals of each brand's rate and of the difference widened by sqrt(phi).

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    per : {"reach", "followers", "impressions"}
        Denominator of the engagement rate (keyword only, required).
    by : str
        The segment column whose members are compared (default ``"brand"``).
    alpha : float
        False discovery rate under which a gap counts as significant.
    level : float
        Confidence level of the rate and difference intervals.
    dispersion : float
        Overdispersion factor phi >= 1 (1 = plain binomial test).
    min_gap : float
        Least relative shortfall (difference / others_rate) that flags a vanity gap.

    Returns
    -------
    DataFrame
        by, followers_end, followers_rank (1 = most), engagements, <denominator>, engagement_rate,
        ci_low, ci_high, small_sample, others_rate, difference, relative_gap (difference / others_rate),
        diff_low, diff_high, p_value, q_value, engagement_rank (1 = highest rate), vanity_gap.

    References
    ----------
    Newcombe (1998), method 10; Benjamini and Hochberg (1995); Wedderburn (1974) for the
    quasi-binomial dispersion.
    """
    rates = engagement_rate(social, per=per, kind="total", by=by, level=level, dispersion=dispersion)
    aw = awareness(social, by=by)
    out = rates.drop(columns=["kind", "per"]).merge(aw[[by, "followers_end"]], on=by, how="left")
    den = PER_COLUMNS[per]
    k = out["engagements"].to_numpy(dtype=float)
    n = out[den].to_numpy(dtype=float)
    k_rest, n_rest = k.sum() - k, n.sum() - n
    with np.errstate(divide="ignore", invalid="ignore"):
        out["others_rate"] = k_rest / n_rest
    valid = (k <= n) & (k_rest <= n_rest) & (n > 0) & (n_rest > 0)
    z, p = two_proportion_ztest(
        np.where(valid, k, 0), np.where(valid, n, 1), np.where(valid, k_rest, 0), np.where(valid, n_rest, 1)
    )
    lo, hi = newcombe_interval(
        np.where(valid, k, 0), np.where(valid, n, 1), np.where(valid, k_rest, 0), np.where(valid, n_rest, 1), level
    )
    out["difference"] = out["engagement_rate"] - out["others_rate"]
    phi = math.sqrt(dispersion)
    d = out["difference"].to_numpy()
    out["diff_low"] = np.where(valid, d - phi * (d - lo), np.nan)
    out["diff_high"] = np.where(valid, d + phi * (hi - d), np.nan)
    out["p_value"] = np.where(valid, 2 * _st.norm.sf(np.abs(z) / phi), np.nan)
    out["q_value"] = fdr(out["p_value"].to_numpy())
    out["followers_rank"] = out["followers_end"].rank(ascending=False, method="min").astype(int)
    out["engagement_rank"] = out["engagement_rate"].rank(ascending=False, method="min").astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative_gap"] = out["difference"] / out["others_rate"]
    out["vanity_gap"] = (
        (out["followers_end"] > out["followers_end"].median())
        & (out["q_value"] < alpha)
        & (out["relative_gap"] <= -min_gap)
    )
    return (
        out[[by, "followers_end", "followers_rank", "engagements", den, *_QUALITY_COLUMNS]]
        .sort_values("followers_rank", kind="mergesort")
        .reset_index(drop=True)
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

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table with several periods per account.
    per : {"reach", "followers", "impressions"}
        Denominator of the engagement rate (keyword only, required).
    kind : {"applause", "conversation", "amplification", "total"}
        Which engagement to count.
    by : str or list of str or None
        Segment columns; each account is ``by`` x platform (default ``"brand"``).
    freq : str
        Period grain of the rows compared with their account's pooled rate (default weeks).

    Returns
    -------
    float
        phi >= 1; exactly 1 when there are no degrees of freedom or no extra variation.

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


def _missing(v) -> bool:
    """True for a KPI value that is absent: None, NaN, or a mapping whose ``value`` is absent."""
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    if isinstance(v, Mapping) and "value" in v:
        return _missing(v["value"])
    return False


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


def vanity_check(
    kpis: Mapping[str, Any] | pd.DataFrame | pd.Series | Sequence[str] | str, warn: bool = True
) -> list[str]:
    """Flag a summary that reports followers, reach or impressions with no engagement or conversion KPI.

    A KPI is reach-type ("vanity") when its name speaks of followers, fans, reach, impressions, views
    or audience and nothing more; it is backed when the same summary also holds an engagement or
    conversion KPI (engagement, likes, comments, shares, clicks, CTR, conversions, sales, revenue,
    leads...). Names mixing both ("engagement rate per reach") count as engagement. Entries whose value
    is missing (None/NaN) do not count.

    Parameters
    ----------
    kpis : mapping, DataFrame, Series, sequence of str or str
        A KPI dict (name -> value), a frame (its columns, or its ``metric`` column when it has one), a
        Series (name -> value), a list of names or one name.
    warn : bool
        Emit :class:`~kpikit.errors.VanityMetricWarning` when vanity KPIs stand alone.

    Returns
    -------
    list of str
        The vanity KPIs that stand without engagement or conversion beside them (empty when fine).

    References
    ----------
    Kaushik (2011), "Best social media metrics" (audience size is not an outcome);
    docs/KPI_CATALOGUE.md, "Social media" (vanity flag).

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
