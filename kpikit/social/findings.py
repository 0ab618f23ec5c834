"""Notebook 05's social findings in words, its chart titles and its recorded headline KPIs."""

from __future__ import annotations

import warnings

import pandas as pd

from kpikit.errors import KpiWarning
from kpikit.social.metrics import PER_COLUMNS, Per, awareness
from kpikit.social.quality import engagement_quality
from kpikit.social.scorecard import compare_brands
from kpikit.social.table import _require_brands
from kpikit.social.voice import _pooled_share, share_of_voice
from kpikit.stats import compare_rates, rate

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
        Overdispersion factor phi >= 1 of the engagement tests (see :func:`dispersion`).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
        engagement_per (the denominator), engagement_rate (client Rate), share_of_voice (client Rate over
        the whole range), audience_growth_rate (float), most_followed_brand, vanity_gap_brands (list),
        client_vs_most_followed (RateComparison of engagement rates, client minus the most-followed
        brand; None when the client is the most followed), dispersion.
    """
    q = engagement_quality(social, per=per, dispersion=dispersion, level=level)
    _require_brands(q["brand"], [client], "Pass the client's brand as the social table writes it.")
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
            "engagement_rate": rate(int(c["engagements"]), int(c[den]), level=level),
            "share_of_voice": rate(int(sv["mentions"]), int(sv["total_mentions"]), level=level),
            "audience_growth_rate": float(aw.loc[client, "audience_growth_rate"]),
            "most_followed_brand": top,
            "vanity_gap_brands": [str(b) for b in q.loc[q["vanity_gap"], "brand"]],
            "client_vs_most_followed": (
                None
                if top == client
                else compare_brands(social, client, top, per=per, level=level, dispersion=dispersion)
            ),
            "dispersion": float(dispersion),
        }
    return out


def titles(
    quality: pd.DataFrame | None = None, sov: pd.DataFrame | None = None, client: str | None = None
) -> dict[str, str]:
    """Chart titles that state the finding, built from the numbers.

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
    dict of str to str
        "quality" and "sov" titles, each present when its frame (and, for "sov", the client) is given.
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
        share = _pooled_share(sov)
        leader = str(share.index[0])
        mine = share.get(client, float("nan"))
        lead = f"{leader} leads the conversation ({share.iloc[0]:.0%})"
        out["sov"] = lead if leader == client else f"{lead}; {client} holds {mine:.0%}"
    return out


def findings(
    quality: pd.DataFrame, sov: pd.DataFrame | None = None, client: str | None = None, by: str = "brand"
) -> list[str]:
    """Plain-words findings from :func:`engagement_quality` (and a :func:`share_of_voice` trend).

    Sentences name the brands with an audience that does not engage (``vanity_gap``), the client's
    engagement rate against the others, and the client's latest share of voice against its first.

    Parameters
    ----------
    quality : DataFrame
        Output of :func:`engagement_quality`.
    sov : DataFrame, optional
        Output of :func:`share_of_voice` with periods (a ``period`` column).
    client : str, optional
        The client's brand; without it only the vanity-gap sentences are written.
    by : str
        The segment column of ``quality`` (default ``"brand"``).

    Returns
    -------
    list of str
        Sentences, vanity gaps first.
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
            c = compare_rates(
                (int(b["mentions"]), int(b["total_mentions"])), (int(a["mentions"]), int(a["total_mentions"]))
            )
            verdict = "a significant change" if c.p_value < 0.05 else "within noise"
            out.append(
                f"{client}'s share of voice moved from {a['share_of_voice']:.1%} ({a['period']:%b %Y}) to "
                f"{b['share_of_voice']:.1%} ({b['period']:%b %Y}), {c.difference * 100:+.1f} pts ({verdict}, p = {c.p_value:.2g})."
            )
    return out
