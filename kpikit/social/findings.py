"""Notebook 05's social findings in words, with their business impact, its chart titles and headline KPIs.

**Impact unit: audience interactions a month**, as :mod:`kpikit.benchmark.findings` counts it, so the
two domains' findings rank together: the client's engagement gap against the other brands is
|difference| x the client's denominator a month (engagements gained or missed); a change in share of
voice is |change| x the mentions of the set in the latest month. A gap within noise has impact 0; a
competitor's vanity gap describes the market, not the client's results, and has none (it sorts last).
"""

from __future__ import annotations

import warnings

import pandas as pd

from kpikit.errors import KpiWarning
from kpikit.i18n import Finding
from kpikit.social.metrics import PER_COLUMNS, Per, awareness, widen_rate
from kpikit.social.quality import engagement_quality
from kpikit.social.scorecard import compare_brands
from kpikit.social.table import _require_brands
from kpikit.social.voice import _pooled_share, share_of_voice
from kpikit.stats import RateComparison, compare_rates, rate

__all__ = ["findings", "headline_kpis", "titles"]


def headline_kpis(social: pd.DataFrame, client: str, *, per: Per, dispersion: float = 1.0, level: float = 0.95) -> dict:
    """The headline social KPIs of a benchmarking report, for ``kk.report.record_kpis``.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table of the client and its competitors.
    client : str
        The client's brand as written in the ``brand`` column.
    per : {"reach", "followers", "impressions"}
        Denominator of the engagement rates (keyword only, required).
    dispersion : float
        Overdispersion factor phi >= 1 of the engagement rates (see :func:`dispersion`): their
        intervals are widened by sqrt(phi) and their tests are quasi-binomial.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
        engagement_per (the denominator), engagement_rate (client Rate, its interval widened by
        sqrt(phi)), share_of_voice (client Rate over the whole range; absent without mentions),
        audience_growth_rate (float), most_followed_brand, vanity_gap_brands (list),
        client_vs_most_followed (the client's engagement rate minus the most-followed brand's, as
        :func:`compare_brands` tests it: a dict with ``value`` (the difference) and its ``low``/``high``
        interval, so a report shows "+9.2 pp (8.6–9.8)", with ``difference``, ``z``, ``p_value``,
        ``level``, the two rates ``client`` and ``most_followed`` and the ``brand``; None when the client
        is the most followed), dispersion.
    """
    q = engagement_quality(social, per=per, dispersion=dispersion, level=level)
    _require_brands(q["brand"], [client], "Pass the client's brand as the social table writes it.")
    c = q[q["brand"] == client].iloc[0]
    den = PER_COLUMNS[per]
    aw = awareness(social).set_index("brand")
    top = str(q.iloc[0]["brand"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        out: dict = {
            "engagement_per": per,
            "engagement_rate": widen_rate(rate(int(c["engagements"]), int(c[den]), level=level), dispersion),
        }
        if "mentions" in social.columns:
            sov = share_of_voice(social, freq=None, level=level)
            sv = sov[sov["brand"] == client].iloc[0]
            out["share_of_voice"] = rate(int(sv["mentions"]), int(sv["total_mentions"]), level=level)
        out.update(
            {
                "audience_growth_rate": float(aw.loc[client, "audience_growth_rate"]),
                "most_followed_brand": top,
                "vanity_gap_brands": [str(b) for b in q.loc[q["vanity_gap"], "brand"]],
                "client_vs_most_followed": (
                    None
                    if top == client
                    else _versus(compare_brands(social, client, top, per=per, level=level, dispersion=dispersion), top)
                ),
                "dispersion": float(dispersion),
            }
        )
    return out


def _versus(c: RateComparison, brand: str) -> dict:
    """A brand-to-brand comparison as a KPI: the difference as its value, with its interval and test."""
    return {
        "value": float(c.difference),
        "low": float(c.low),
        "high": float(c.high),
        "difference": float(c.difference),
        "z": float(c.z),
        "p_value": float(c.p_value),
        "level": float(c.level),
        "client": float(c.a.value),
        "most_followed": float(c.b.value),
        "brand": brand,
    }


def titles(
    quality: pd.DataFrame | None = None, sov: pd.DataFrame | None = None, client: str | None = None
) -> dict[str, Finding]:
    """Chart titles that state the finding, built from the numbers (``.text(lang)`` in a language).

    Parameters
    ----------
    quality : DataFrame, optional
        Output of :func:`engagement_quality`.
    sov : DataFrame, optional
        Output of :func:`share_of_voice` with periods (a ``period`` column).
    client : str, optional
        The client's brand; the share-of-voice title needs it.

    Returns
    -------
    dict of str to Finding
        "quality" and "sov" titles, each present when its frame (and, for "sov", the client) is given.
    """
    out: dict[str, Finding] = {}
    if quality is not None:
        flagged = quality.loc[quality["vanity_gap"], "brand"].astype(str).tolist()
        if flagged:
            out["quality"] = Finding(
                "{brands}: more followers, but a clearly lower engagement rate", {"brands": ", ".join(flagged)}
            )
        else:
            best = quality.sort_values("engagement_rank").iloc[0]
            out["quality"] = Finding(
                "No large audience without engagement; {brand} engages best", {"brand": str(best["brand"])}
            )
    if sov is not None and client is not None and "period" in sov.columns:
        share = _pooled_share(sov)
        leader = str(share.index[0])
        fields = {"leader": leader, "share": float(share.iloc[0]), "client": client}
        if leader == client:
            out["sov"] = Finding("{leader} leads the conversation ({share:pct0})", fields)
        else:
            fields["mine"] = float(share.get(client, float("nan")))
            out["sov"] = Finding("{leader} leads the conversation ({share:pct0}); {client} holds {mine:pct0}", fields)
    return out


def _share(x: float) -> Finding:
    """A rate as text: "16.2%", or four significant digits below 1% ("0.08676%", a rate per follower)."""
    if abs(x) >= 0.01:
        return Finding("{share_value:pct}", {"share_value": float(x)})
    return Finding("{rate_pct:sig}%", {"rate_pct": float(x) * 100})


def _points(x: float) -> Finding:
    """A difference of two rates in percentage points, as precise as :func:`_share`."""
    if abs(x) >= 0.01:
        return Finding("{gap_value:pp}", {"gap_value": float(x)})
    return Finding("{sign}{gap_pts:sig} pp", {"sign": "+" if x > 0 else "", "gap_pts": float(x) * 100})


def _vanity_findings(q: pd.DataFrame, by: str) -> list[Finding]:
    out = []
    for _, r in q[q["vanity_gap"]].iterrows():
        out.append(
            Finding(
                "{brand} has the #{rank:int} audience ({followers:int} followers) but an engagement rate of {rate} "
                "against {others} for the others (difference {diff}, 95% CI {low} to {high}; {q:qvalue}): "
                "a large audience that does not engage.",
                {
                    "brand": str(r[by]),
                    "rank": int(r["followers_rank"]),
                    "followers": float(r["followers_end"]),
                    "rate": _share(r["engagement_rate"]),
                    "others": _share(r["others_rate"]),
                    "diff": _points(r["difference"]),
                    "low": _points(r["diff_low"]),
                    "high": _points(r["diff_high"]),
                    "q": float(r["q_value"]),
                },
            )
        )
    return out


def _client_finding(q: pd.DataFrame, client: str, by: str, alpha: float) -> Finding:
    r = q[q[by] == client].iloc[0]
    fields = {
        "client": client,
        "rate": _share(r["engagement_rate"]),
        "low": _share(r["ci_low"]),
        "high": _share(r["ci_high"]),
        "others": _share(r["others_rate"]),
        "erank": int(r["engagement_rank"]),
        "frank": int(r["followers_rank"]),
    }
    sig = pd.notna(r["q_value"]) and r["q_value"] < alpha
    if sig and r["difference"] > 0:
        return Finding(
            "{client}'s engagement rate is {rate} (95% CI {low} to {high}), above the other brands' {others}; it "
            "ranks #{erank:int} on engagement and #{frank:int} on followers.",
            fields,
        )
    if sig:
        return Finding(
            "{client}'s engagement rate is {rate} (95% CI {low} to {high}), below the other brands' {others}; it "
            "ranks #{erank:int} on engagement and #{frank:int} on followers.",
            fields,
        )
    return Finding(
        "{client}'s engagement rate is {rate} (95% CI {low} to {high}), not significantly different from the other "
        "brands' {others}; it ranks #{erank:int} on engagement and #{frank:int} on followers.",
        fields,
    )


def _sov_finding(sov: pd.DataFrame, client: str, alpha: float) -> Finding | None:
    s = sov[sov["brand"] == client].sort_values("period")
    if len(s) < 2:
        return None
    a, b = s.iloc[0], s.iloc[-1]
    c = compare_rates((int(b["mentions"]), int(b["total_mentions"])), (int(a["mentions"]), int(a["total_mentions"])))
    fields = {
        "client": client,
        "first": float(a["share_of_voice"]),
        "first_month": a["period"],
        "last": float(b["share_of_voice"]),
        "last_month": b["period"],
        "diff": c.difference,
        "p": c.p_value,
    }
    if c.p_value < alpha:
        return Finding(
            "{client}'s share of voice moved from {first:pct} ({first_month:month}) to {last:pct} ({last_month:month}), "
            "{diff:pp} (a significant change, {p:pvalue}).",
            fields,
            impact=abs(c.difference) * float(b["total_mentions"]),
        )
    return Finding(
        "{client}'s share of voice moved from {first:pct} ({first_month:month}) to {last:pct} ({last_month:month}), "
        "{diff:pp} (within noise, {p:pvalue}).",
        fields,
        impact=0.0,
    )


def findings(
    quality: pd.DataFrame | None = None,
    sov: pd.DataFrame | None = None,
    client: str | None = None,
    by: str = "brand",
    alpha: float = 0.05,
) -> list[Finding]:
    """Plain-words findings from :func:`engagement_quality` (and a :func:`share_of_voice` trend).

    Findings name the brands with an audience that does not engage (``vanity_gap``), the client's
    engagement rate against the others with its ranks, and the client's latest share of voice against
    its first. Impacts (audience interactions a month, see the module notes): the share-of-voice change
    when significant, 0 within noise; the vanity gaps and the client's ranks describe, without impact
    (the competitor scorecard carries the client's engagement gap and its impact).

    Parameters
    ----------
    quality : DataFrame, optional
        Output of :func:`engagement_quality`.
    sov : DataFrame, optional
        Output of :func:`share_of_voice` with periods (a ``period`` column).
    client : str, optional
        The client's brand; without it only the vanity-gap findings are written.
    by : str
        The segment column of ``quality`` (default ``"brand"``).
    alpha : float
        Significance level of the client's comparison and of the share-of-voice change.

    Returns
    -------
    list of Finding
        Vanity gaps first.
    """
    out = _vanity_findings(quality, by) if quality is not None else []
    if quality is not None and client is not None and client in set(quality[by]):
        out.append(_client_finding(quality, client, by, alpha))
    if sov is not None and client is not None and "period" in sov.columns:
        found = _sov_finding(sov, client, alpha)
        if found is not None:
            out.append(found)
    return out
