"""Notebook 05's social tables as a client reads them: labelled columns, rates with their intervals.

A social frame's columns (``brand``, ``followers_end``, ``vanity_gap``) get their labels from the
catalogue through :func:`for_report`, which names them ``social_<column>``; the engagement rates of
every kind become one row per brand with each rate and its interval in one cell
(:func:`engagement_table`), written as precisely as they need (a rate per follower of 0.06% keeps
its digits).
"""

from __future__ import annotations

import pandas as pd

from kpikit.i18n import format_value, t
from kpikit.social.metrics import KIND_COLUMNS, Per, engagement

__all__ = ["engagement_table", "for_report", "REPORT_COLUMNS"]

#: Social columns shown under a label of their own (``column.social_<name>`` in the catalogue).
REPORT_COLUMNS = (
    "brand", "platform", "followers", "followers_start", "followers_end", "followers_gained", "followers_rank",
    "audience_growth_rate", "mentions", "reach", "impressions", "engagements", "follower_posts", "clicks",
    "conversions", "others_rate", "relative_gap", "engagement_rank", "vanity_gap",
)  # fmt: skip


def for_report(frame: pd.DataFrame) -> pd.DataFrame:
    """A social frame with its columns renamed for a client table (``brand`` -> ``social_brand``).

    Parameters
    ----------
    frame : DataFrame
        A frame of :mod:`kpikit.social` (awareness, engagement quality, conversion, ...).

    Returns
    -------
    DataFrame
        The same data; the columns of :data:`REPORT_COLUMNS` prefixed with ``social_``.
    """
    return frame.rename(columns={c: f"social_{c}" for c in REPORT_COLUMNS if c in frame.columns})


def _cell(rate: float, low: float, high: float, lang: str) -> str:
    if pd.isna(rate):
        return ""
    small = abs(float(rate)) < 0.01
    if small:
        text = format_value(float(rate) * 100, "sig", lang) + "%"
    else:
        text = format_value(rate, "pct", lang)
    if pd.isna(low) or pd.isna(high):
        return text
    spec = "sig" if small else "num1"
    return f"{text} ({format_value(low * 100, spec, lang)}–{format_value(high * 100, spec, lang)})"


def engagement_table(social: pd.DataFrame, *, per: Per, dispersion: float = 1.0, lang: str = "en") -> pd.DataFrame:
    """Each brand's applause, conversation, amplification and total engagement rates, for a client table.

    The rates of :func:`kpikit.social.engagement` (pooled, with the named denominator), each cell the
    rate and its 95% interval widened by sqrt(``dispersion``) ("16.2% (15.5–16.9)").

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    per : {"reach", "followers", "impressions"}
        Denominator of every rate (keyword only).
    dispersion : float
        Overdispersion factor phi >= 1 the intervals carry.
    lang : str
        The report's language.

    Returns
    -------
    DataFrame
        social_brand, then one text column per kind: social_applause, social_conversation,
        social_amplification, social_engagement.
    """
    long = engagement(social, per=per, dispersion=dispersion)
    out = pd.DataFrame({"social_brand": sorted(long["brand"].astype(str).unique())})
    for kind in KIND_COLUMNS:
        part = long[long["kind"] == kind].set_index(long["brand"].astype(str)[long["kind"] == kind])
        name = "social_engagement" if kind == "total" else f"social_{kind}"
        out[name] = [
            _cell(part.loc[b, "rate"], part.loc[b, "ci_low"], part.loc[b, "ci_high"], lang) for b in out["social_brand"]
        ]
    out.attrs["caption_per"] = t(f"ui.social_per.{per}", lang)
    return out
