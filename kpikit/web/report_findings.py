"""Notebook 01's findings: sentences written from the numbers of :mod:`kpikit.web`, in any language.

Each finding is a :class:`~kpikit.i18n.Finding` (its English template is the catalogue key of its
translations) with its business impact, in **sessions of the analysed period** that the finding
explains: the bounces above the site rate of the flagged segments; the bounces a device gap adds on its
pages (the gap times the first device's sessions); the bounces (or conversions) a significant change
against the previous period adds or removes; the bounces of the weeks outside the p-chart's limits beyond
the centre line. A change that is not significant and pages that bounce as their goal allows have
impact 0; the site's rate itself is a description (no impact), shown first on the report's cards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpikit.i18n import Finding

__all__ = ["findings"]


def _gap_layout(gaps: pd.DataFrame) -> tuple[str, str, str]:
    """(page column, device a, device b) of a :func:`kpikit.web.device_gap` frame, read from its columns."""
    a, b = (c.removesuffix("_bounce_rate") for c in gaps.columns if c.endswith("_bounce_rate"))
    return gaps.columns[0], a, b


def findings(evidence: Mapping[str, Any], top: int = 3) -> list[Finding]:
    """The report's findings, from what each section computed (sections the data could not feed are absent).

    Parameters
    ----------
    evidence : mapping
        Any of ``headline`` (:func:`kpikit.web.headline`), ``definition``, ``benchmark``
        (:func:`kpikit.web.benchmark_reference`), ``change`` (:func:`kpikit.web.period_change`),
        ``trend`` (:func:`kpikit.web.trend`), ``diagnosis`` (:func:`kpikit.web.diagnose`), ``gaps``
        (:func:`kpikit.web.device_gap`).
    top : int
        How many flagged segments and device gaps to name.

    Returns
    -------
    list of Finding
        Impact in sessions of the analysed period (see the module notes).
    """
    out: list[Finding] = []
    head = evidence.get("headline")
    if head:
        out.append(_headline(head, evidence.get("benchmark"), evidence.get("definition", "ga4")))
    change = evidence.get("change")
    if change is not None and len(change):
        sessions = float(head["sessions"]) if head else 0.0
        out += _changes(change, sessions)
    trend = evidence.get("trend")
    if trend is not None and len(trend):
        out.append(_trend(trend))
    diagnosis = evidence.get("diagnosis")
    if diagnosis is not None and len(diagnosis):
        out += _diagnosis(diagnosis, top)
    gaps = evidence.get("gaps")
    if gaps is not None and len(gaps):
        out += _gaps(gaps, top)
    return out


def _headline(head: Mapping, benchmark: Mapping | None, definition: str) -> Finding:
    br = head["bounce_rate"]
    fields = {
        "rate": br.value,
        "low": br.low,
        "high": br.high,
        "sessions": br.trials,
        "definition": f"{definition} definition",
    }
    if not benchmark or np.isnan(benchmark.get("value", np.nan)):
        return Finding(
            "The site's bounce rate is {rate:pct} (95% CI {low:pct} to {high:pct}) on {sessions:int} sessions, "
            "by the {definition:term} definition.",
            fields,
        )
    ref = float(benchmark["value"])
    fields.update(
        ref=ref,
        source=benchmark["source"],
        position="above reference"
        if br.low > ref
        else "below reference"
        if br.high < ref
        else "in line with reference",
    )
    if definition == "ga4" and benchmark.get("year") and int(benchmark["year"]) < 2020:
        return Finding(
            "The site's bounce rate is {rate:pct} (95% CI {low:pct} to {high:pct}) on {sessions:int} sessions, "
            "by the {definition:term} definition: {position:term} the published reference of {ref:pct0} "
            "({source}, {year}), a Universal Analytics-era figure to read as context, not as a target.",
            {**fields, "year": str(benchmark["year"])},
        )
    return Finding(
        "The site's bounce rate is {rate:pct} (95% CI {low:pct} to {high:pct}) on {sessions:int} sessions, "
        "by the {definition:term} definition: {position:term} the published reference of {ref:pct0} ({source}).",
        fields,
    )


def _changes(change: pd.DataFrame, sessions: float) -> list[Finding]:
    out = []
    r = change.loc[change["metric"] == "bounce_rate"]
    if len(r) and pd.notna(r["change"].iloc[0]):
        r = r.iloc[0]
        fields = {
            "previous": r["previous"],
            "current": r["current"],
            "change": r["change"],
            "low": r["change_low"],
            "high": r["change_high"],
            "p": r["p_value"],
        }
        impact = abs(float(r["change"])) * sessions
        if r["significant"] and r["change"] > 0:
            out.append(
                Finding(
                    "Bounce rate rose {change:pp} against the previous period ({previous:pct} to {current:pct}; 95% "
                    "CI of the change {low:pp} to {high:pp}): a real change, worth explaining.",
                    fields,
                    impact=impact,
                )
            )
        elif r["significant"]:
            out.append(
                Finding(
                    "Bounce rate fell {change:pp} against the previous period ({previous:pct} to {current:pct}; 95% "
                    "CI of the change {low:pp} to {high:pp}): a real change, worth explaining.",
                    fields,
                    impact=impact,
                )
            )
        else:
            out.append(
                Finding(
                    "Bounce rate moved {change:pp} against the previous period ({previous:pct} to {current:pct}), "
                    "within what chance alone produces ({p:pvalue}): not news.",
                    fields,
                    impact=0.0,
                )
            )
    r = change.loc[change["metric"] == "conversion_rate"]
    if len(r) and pd.notna(r["change"].iloc[0]) and bool(r["significant"].iloc[0]):
        r = r.iloc[0]
        fields = {"previous": r["previous"], "current": r["current"], "change": r["change"]}
        fields.update(low=r["change_low"], high=r["change_high"])
        impact = abs(float(r["change"])) * sessions
        if r["change"] > 0:
            out.append(
                Finding(
                    "Session conversion rate rose from {previous:pct} to {current:pct} ({change:pp}, 95% CI {low:pp} "
                    "to {high:pp}): a change that bounce rate alone would not show.",
                    fields,
                    impact=impact,
                )
            )
        else:
            out.append(
                Finding(
                    "Session conversion rate fell from {previous:pct} to {current:pct} ({change:pp}, 95% CI {low:pp} "
                    "to {high:pp}): a change that bounce rate alone would not show.",
                    fields,
                    impact=impact,
                )
            )
    return out


def _trend(trend: pd.DataFrame) -> Finding:
    signals = trend.loc[trend["signal"].astype(bool)]
    if len(signals):
        return Finding(
            "{n:int} of {weeks:int} weeks fall outside the control limits, the first in the week of {first:date}: "
            "look at what changed then (campaigns, releases, tracking).",
            {"n": len(signals), "weeks": len(trend), "first": signals["period"].iloc[0]},
            impact=float((signals["bounces"] - signals["centre"] * signals["sessions"]).abs().sum()),
        )
    return Finding(
        "All {weeks:int} weeks stay within the p-chart's control limits: the weekly ups and downs are ordinary "
        "variation.",
        {"weeks": len(trend)},
        impact=0.0,
    )


def _diagnosis(diagnosis: pd.DataFrame, top: int) -> list[Finding]:
    out = []
    flagged = diagnosis.loc[diagnosis["flagged"].astype(bool)]
    if len(flagged):
        excess = float(flagged["excess_bounces"].sum())
        first = flagged.iloc[0]
        fields = {"n": len(flagged), "excess": excess, "segment": first["segment"], "rate": first["bounce_rate"]}
        fields.update(sessions=first["sessions"], first_excess=first["excess_bounces"])
        others = [str(s) for s in flagged["segment"].iloc[1:top]]
        if others:
            out.append(
                Finding(
                    "{n:int} segments to fix first, costing about {excess:int} bounces above the site rate; the "
                    "largest: {segment} ({rate:pct0} bounce on {sessions:int} sessions, {first_excess:int} extra "
                    "bounces), then {others}.",
                    {**fields, "others": "; ".join(others)},
                    impact=excess,
                )
            )
        else:
            out.append(
                Finding(
                    "{n:int} segment to fix first: {segment}, {rate:pct0} bounce on {sessions:int} sessions, about "
                    "{first_excess:int} bounces above the site rate.",
                    fields,
                    impact=excess,
                )
            )
    else:
        out.append(
            Finding(
                "No action page or segment bounces significantly above the site rate and the thresholds.", impact=0.0
            )
        )
    q = np.nan_to_num(diagnosis["q_value"].to_numpy(dtype=float), nan=1.0)
    info = diagnosis.loc[
        (diagnosis["goal"] == "information")
        & (diagnosis["level"] == "no threshold")
        & (diagnosis["bounce_rate"] > diagnosis["reference_rate"])
        & (q < 0.05)
    ]
    if len(info):
        pages = sorted(set(info["landing_page"] if "landing_page" in info.columns else info["segment"]))
        out.append(
            Finding(
                "{n:int} information pages bounce above the site rate ({pages}), as pages that answer a question in "
                "one view may: they are not on the fix list.",
                {"n": len(pages), "pages": ", ".join(pages[:top]) + (" …" if len(pages) > top else "")},
                impact=0.0,
            )
        )
    return out


def _gaps(gaps: pd.DataFrame, top: int) -> list[Finding]:
    page, a, b = _gap_layout(gaps)
    flagged = gaps.loc[gaps["flagged"].astype(bool)]
    out = []
    for r in flagged.head(top).to_dict("records"):
        extra = float(r["gap"]) * float(r[f"{a}_sessions"])
        out.append(
            Finding(
                "On {page}, {a:term} bounces {rate_a:pct0} against {rate_b:pct0} on {b:term} ({gap:pp}, 95% CI "
                "{low:pp} to {high:pp}; {q:qvalue}), on {sessions:int} {a:term} sessions: check this page's "
                "{a:term} layout.",
                {
                    "page": r[page],
                    "a": a,
                    "b": b,
                    "rate_a": r[f"{a}_bounce_rate"],
                    "rate_b": r[f"{b}_bounce_rate"],
                    "gap": r["gap"],
                    "low": r["gap_low"],
                    "high": r["gap_high"],
                    "q": r["q_value"],
                    "sessions": r[f"{a}_sessions"],
                },
                impact=abs(extra),
            )
        )
    if flagged.empty:
        out.append(
            Finding(
                "No landing page shows a significant {a:term}-versus-{b:term} bounce gap.", {"a": a, "b": b}, impact=0.0
            )
        )
    return out
