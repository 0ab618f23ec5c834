"""Notebook 05's benchmark findings in plain words, with their business impact, and its chart headlines.

**Impact unit: audience interactions a month.** A finding's impact is the number of the KPI's own
counted events (engagements, mentions, sessions, customers) a month by which the client is ahead or
behind the comparison: |rate gap| x the client's denominator a month (its reach for an engagement rate
per reach, its follower-posts for a rate per follower, its sessions for a bounce rate). For the
notebook's social KPIs this ranks an engagement gap on a large audience above one on a small audience,
and a gap of any size above one within noise. A comparison that is not clear (within noise) has impact
0; a description (no client value) has none and sorts last. A benchmark shown as context only gives no
finding at all.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kpikit.benchmark.names import metric_name as _name
from kpikit.i18n import Finding

__all__ = ["findings", "headline"]


def _rate(x: float, small: bool | None = None) -> Finding:
    """A rate as text: "16.2%", or four significant digits for rates below 1% ("0.08676%" per follower).

    ``small`` forces the precise form (so two rates of one sentence are written alike).
    """
    if small is None:
        small = abs(float(x)) < 0.01
    if not small:
        return Finding("{share_value:pct}", {"share_value": float(x)})
    return Finding("{rate_pct:sig}%", {"rate_pct": float(x) * 100})


def _points(x: float, small: bool) -> Finding:
    """A difference of two rates in percentage points: "+6.1 pp", or "0.3196 pp" between rates below 1%."""
    if not small:
        return Finding("{gap_value:pp}", {"gap_value": float(x)})
    return Finding("{sign}{gap_pts:sig} pp", {"sign": "+" if x > 0 else "", "gap_pts": float(x) * 100})


def _value(x: float, rate: bool) -> Finding:
    return _rate(x) if rate else Finding("{figure:num}", {"figure": float(x)})


def _months_of(period: Any, default: float | None) -> float | None:
    """The length of a (start, end) period in months (30.4375 days), else ``default``."""
    if isinstance(period, tuple) and len(period) == 2:
        return max((pd.Timestamp(period[1]) - pd.Timestamp(period[0])).days + 1, 1) / 30.4375
    return default


def _per_month(gap: float, trials: float, months: float | None) -> float | None:
    if math.isnan(gap) or math.isnan(trials):
        return None
    return abs(gap) * trials / (months if months and months > 0 else 1.0)


def _comparison_findings(comparison: pd.DataFrame, client: str, months: float | None) -> list[Finding]:
    out: list[Finding] = []
    for r in comparison.itertuples(index=False):
        if r.verdict not in ("leads", "lags"):
            continue
        fields: dict[str, Any] = {"client": client, "metric": _name(r.metric)}
        if r.tested:
            small = min(abs(r.client), abs(r.peers_pooled)) < 0.01
            fields.update(
                value=_rate(r.client, small),
                peers=_rate(r.peers_pooled, small),
                diff=_points(r.difference, small),
                low=_points(r.diff_low, small),
                high=_points(r.diff_high, small),
                q=r.q_value,
            )
            impact = _per_month(r.difference, r.client_trials, months)
            if r.verdict == "leads":
                found = Finding(
                    "{client} leads its competitors on {metric}: {value} against {peers} for the competitors "
                    "pooled, a difference of {diff} (95% CI {low} to {high}; {q:qvalue}).",
                    fields,
                    impact=impact,
                )
            else:
                found = Finding(
                    "{client} lags its competitors on {metric}: {value} against {peers} for the competitors "
                    "pooled, a difference of {diff} (95% CI {low} to {high}; {q:qvalue}).",
                    fields,
                    impact=impact,
                )
            out.append(found)
            continue
        rate = abs(r.client) <= 1 and abs(r.peer_median) <= 1 and not float(r.client).is_integer()
        fields.update(value=_value(r.client, rate), median=_value(r.peer_median, rate))
        if r.verdict == "leads":
            found = Finding(
                "{client} leads its competitors on {metric}: {value} against a competitor median of {median}, "
                "beyond their quartile range (a value without counts, not tested).",
                fields,
            )
        else:
            found = Finding(
                "{client} lags its competitors on {metric}: {value} against a competitor median of {median}, "
                "beyond their quartile range (a value without counts, not tested).",
                fields,
            )
        out.append(found)
    noise = [_name(m) for m in comparison.loc[comparison["verdict"] == "not significant", "metric"]]
    if noise:
        out.append(
            Finding(
                "Gaps on {metrics} look real on a chart but are within noise; do not act on them yet.",
                {"metrics": noise},
                impact=0.0,
            )
        )
    return out


def _reference(r: Any) -> Finding:
    rate = str(getattr(r, "unit", "") or "") != "points" and all(
        abs(v) <= 1 for v in (r.p25, r.p50, r.p75, r.value) if not pd.isna(v)
    )
    if not pd.isna(r.p25) and not pd.isna(r.p75):
        low, high = _value(r.p25, rate), _value(r.p75, rate)
        if not pd.isna(r.p50):
            return Finding(
                "band {low} to {high} (median {median})", {"low": low, "high": high, "median": _value(r.p50, rate)}
            )
        return Finding("band {low} to {high}", {"low": low, "high": high})
    return _value(r.reference, rate)


def _period(period: Any) -> Finding:
    if isinstance(period, tuple) and len(period) == 2:
        return Finding("{start:date} to {end:date}", {"start": period[0], "end": period[1]})
    if isinstance(period, str) and period:
        return Finding("over {period}", {"period": period})
    return Finding("period not recorded")


def _industry_findings(industry: pd.DataFrame, client: str, months: float | None) -> list[Finding]:
    """The clear verdicts against published figures; context-only rows are not findings (their table says why)."""
    out: list[Finding] = []
    for r in industry.itertuples(index=False):
        if str(getattr(r, "context", "") or "") or r.verdict == "context only":
            continue
        seg = Finding(" ({segment:term})", {"segment": r.segment}) if isinstance(r.segment, str) and r.segment else ""
        year = "undated" if pd.isna(r.year) else str(int(r.year))
        rate = str(r.unit or "") != "points" and (pd.isna(r.client) or abs(r.client) <= 1)
        fields: dict[str, Any] = {
            "metric": _name(str(r.metric)),
            "where": seg,
            "client": client,
            "reference": _reference(r),
            "source": str(r.source),
            "year": year,
        }
        if r.verdict == "no client value":
            out.append(
                Finding(
                    "For the {metric}{where}, the published reference is {reference} ({source}, {year}); "
                    "{client}'s own value is not available here.",
                    fields,
                )
            )
        elif r.verdict in ("better", "worse"):
            fields.update(value=_value(r.client, rate), period=_period(r.client_period))
            trials = float(getattr(r, "trials", float("nan")))
            impact = _per_month(r.client - r.tested_against, trials, _months_of(r.client_period, months))
            template = (
                "{client}'s {metric}{where}, {value} ({period}), is better than the published {reference} "
                "({source}, {year})."
                if r.verdict == "better"
                else "{client}'s {metric}{where}, {value} ({period}), is worse than the published {reference} "
                "({source}, {year})."
            )
            out.append(Finding(template, fields, impact=impact))
    return out


def _self_finding(comparison: str, verdict: str, fields: dict, impact: float | None) -> Finding | None:
    """The finding of one latest-period comparison (None for an untested value: no claim)."""
    if comparison == "previous" and verdict == "improved":
        return Finding(
            "{label} in {period:month}: {value} against {reference} the month before, a significant improvement "
            "({diff}, {q:qvalue}).",
            fields,
            impact=impact,
        )
    if comparison == "previous" and verdict == "worsened":
        return Finding(
            "{label} in {period:month}: {value} against {reference} the month before, a significant deterioration "
            "({diff}, {q:qvalue}).",
            fields,
            impact=impact,
        )
    if comparison == "previous" and verdict == "no significant change":
        return Finding(
            "{label} in {period:month}: {value} against {reference} the month before, within noise ({q:qvalue}).",
            fields,
            impact=impact,
        )
    if comparison == "year_ago" and verdict == "improved":
        return Finding(
            "{label} in {period:month}: {value} against {reference} a year before, a significant improvement "
            "({diff}, {q:qvalue}).",
            fields,
            impact=impact,
        )
    if comparison == "year_ago" and verdict == "worsened":
        return Finding(
            "{label} in {period:month}: {value} against {reference} a year before, a significant deterioration "
            "({diff}, {q:qvalue}).",
            fields,
            impact=impact,
        )
    if comparison == "year_ago" and verdict == "no significant change":
        return Finding(
            "{label} in {period:month}: {value} against {reference} a year before, within noise ({q:qvalue}).",
            fields,
            impact=impact,
        )
    return None


def _self_findings(self_trend: pd.DataFrame, label: Any) -> list[Finding]:
    out: list[Finding] = []
    latest = self_trend[self_trend["period"] == self_trend["period"].max()]
    for r in latest.itertuples(index=False):
        significant = r.verdict in ("improved", "worsened")
        trials = float(getattr(r, "trials", float("nan")))
        impact = (_per_month(r.change, trials, 1.0) if significant else 0.0) if not math.isnan(trials) else None
        small = min(abs(r.value), abs(r.reference_value)) < 0.01
        fields = {
            "label": label,
            "period": r.period,
            "value": _rate(r.value, small),
            "reference": _rate(r.reference_value, small),
            "diff": _points(r.change, small),
            "q": r.q_value,
        }
        found = _self_finding(r.comparison, r.verdict, fields, impact)
        if found is not None:
            out.append(found)
    return out


def findings(
    comparison: pd.DataFrame | None = None,
    industry: pd.DataFrame | None = None,
    self_trend: pd.DataFrame | None = None,
    client: str = "The client",
    metric_label: str | Finding = "",
    months: float | None = None,
) -> list[Finding]:
    """Plain-words findings from :func:`compare`, :func:`against_industry` and :func:`against_self`.

    One finding per metric on which the client leads or lags its competitors and one for the gaps
    within noise; one per industry row placed clearly better or worse, each with its source, year and
    the period of the client's figure (a published figure shown as context only, measured under another
    definition or too old, is never a finding: the industry table says why); one per comparison of the
    latest period with the previous one and the year before. Each carries its business impact in
    audience interactions a month (see the module notes); it ranks the summary's findings.

    Parameters
    ----------
    comparison : DataFrame, optional
        Output of :func:`compare` (rates with counts are tested; the impact uses the client's counts).
    industry : DataFrame, optional
        Output of :func:`against_industry` (rows with ``trials`` get an impact).
    self_trend : DataFrame, optional
        Output of :func:`against_self` (its ``trials`` column gives the impact).
    client : str
        The client's name in the sentences.
    metric_label : str or Finding
        What ``self_trend`` measures ("Juniper Box's engagement rate"); a Finding is written in the
        report's language.
    months : float, optional
        Length of the period the counts of ``comparison`` and ``industry`` cover, in months (impacts
        are per month); None takes them as one month.

    Returns
    -------
    list of Finding
        Competitors first, then the industry, then the client against itself.
    """
    out: list[Finding] = []
    if comparison is not None and len(comparison):
        out += _comparison_findings(comparison, client, months)
    if industry is not None and len(industry):
        out += _industry_findings(industry, client, months)
    if self_trend is not None and len(self_trend):
        label = metric_label or Finding("{client}'s figure", {"client": client})
        out += _self_findings(self_trend, label)
    return out


def headline(frame: pd.DataFrame, client: str = "The client", label: str | Finding = "") -> Finding:
    """One-line finding for a chart title, from :func:`compare`, :func:`against_industry` or :func:`against_self`.

    Parameters
    ----------
    frame : DataFrame
        Output of one of the three functions (recognised by its columns).
    client : str
        The client's name in the title.
    label : str or Finding
        For :func:`against_self`: what the series measures (default the client's name).

    Returns
    -------
    Finding
        The title (``.text(lang)`` in a language); empty for an unrecognised or empty frame.
    """
    if "standing" in frame.columns:
        lead = int((frame["verdict"] == "leads").sum())
        lag = int((frame["verdict"] == "lags").sum())
        n = len(frame)
        if not lead and not lag:
            return Finding(
                "{client} is not clearly ahead or behind its competitors on any of {n:int} metrics",
                {"client": client, "n": n},
            )
        return Finding(
            "{client} leads on {lead:int} of {n:int} metrics and lags on {lag:int}",
            {"client": client, "lead": lead, "n": n, "lag": lag},
        )
    if "tested_against" in frame.columns:
        known = frame[frame["verdict"].isin(["better", "worse", "in line"])]
        context = int((frame["verdict"] == "context only").sum())
        if known.empty:
            return Finding(
                "Published benchmarks for {client}'s KPIs: {context:int} shown as context only, none to judge by",
                {"client": client, "context": context},
            )
        b, w, i = (int((known["verdict"] == v).sum()) for v in ("better", "worse", "in line"))
        return Finding(
            "{client} against {n:int} published references: better on {b:int}, worse on {w:int}, in line on "
            "{i:int}; {context:int} more shown as context only",
            {"client": client, "n": len(known), "b": b, "w": w, "i": i, "context": context},
        )
    if "comparison" in frame.columns and len(frame):
        latest = frame[frame["period"] == frame["period"].max()]
        parts = [_self_part(r) for r in latest.itertuples(index=False)]
        return Finding(
            "{label}, {period:month}: {parts}",
            {"label": label or client, "period": latest["period"].iloc[0], "parts": parts},
        )
    return Finding("{metric_name}", {"metric_name": ""})


def _self_part(r: Any) -> Finding:
    small = min(abs(r.value), abs(r.reference_value)) < 0.01
    fields = {"diff": _points(r.change, small), "ref": r.reference_period}
    if r.verdict == "improved":
        return Finding("{diff} against {ref:month} (improved)", fields)
    if r.verdict == "worsened":
        return Finding("{diff} against {ref:month} (worse)", fields)
    return Finding("{diff} against {ref:month} (noise)", fields)
