"""Notebook 05's benchmark findings in plain words and its one-line chart headlines."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["findings", "headline"]


def findings(
    comparison: pd.DataFrame | None = None,
    industry: pd.DataFrame | None = None,
    self_trend: pd.DataFrame | None = None,
    client: str = "The client",
    metric_label: str = "",
) -> list[str]:
    """Plain-words findings from :func:`compare`, :func:`against_industry` and :func:`against_self`.

    One sentence per leading/lagging metric and per visible-but-not-significant gap; one per industry
    row placed clearly better or worse (with its source and year); one per latest-period change vs
    the previous period and the year before.

    Parameters
    ----------
    comparison : DataFrame, optional
        Output of :func:`compare`.
    industry : DataFrame, optional
        Output of :func:`against_industry`.
    self_trend : DataFrame, optional
        Output of :func:`against_self`.
    client : str
        The client's name in the sentences.
    metric_label : str
        What ``self_trend`` measures ("Juniper Box's engagement rate"), opening its sentences.

    Returns
    -------
    list of str
        Sentences: competitors first, then the industry, then the client against itself.
    """
    out: list[str] = []
    if comparison is not None and len(comparison):
        lead = comparison[comparison["verdict"] == "leads"]["metric"].tolist()
        lag = comparison[comparison["verdict"] == "lags"]["metric"].tolist()
        ns = comparison[comparison["verdict"] == "not significant"]["metric"].tolist()
        if lead:
            out.append(f"{client} leads its competitors on {', '.join(lead)}.")
        if lag:
            out.append(f"{client} lags its competitors on {', '.join(lag)}.")
        if ns:
            out.append(f"Gaps on {', '.join(ns)} look real on a chart but are within noise; do not act on them yet.")
        for t in comparison.loc[comparison["verdict"].isin(["leads", "lags"]), "verdict_text"]:
            out.append(t)
    if industry is not None and len(industry):
        for r in industry.itertuples(index=False):
            seg = f" ({r.segment})" if isinstance(r.segment, str) and r.segment else ""
            fmt = (
                (lambda x: f"{x:.2%}")
                if (r.unit != "points" and (math.isnan(r.reference) or abs(r.reference) <= 1))
                else (lambda x: f"{x:,.4g}")
            )
            if not math.isnan(r.p25) and not math.isnan(r.p75):
                ref = f"band {fmt(r.p25)} to {fmt(r.p75)}" + (
                    f" (median {fmt(r.p50)})" if not math.isnan(r.p50) else ""
                )
            else:
                ref = fmt(r.reference)
            src = f"{r.source}, {r.year}" if not pd.isna(r.year) else f"{r.source}, undated"
            if r.verdict in ("better", "worse"):
                val = fmt(r.client)
                out.append(f"{r.metric}{seg}: {client} at {val} is {r.verdict} than the published {ref} ({src}).")
            elif r.verdict == "no client value":
                out.append(
                    f"{r.metric}{seg}: the published reference is {ref} ({src}); {client}'s own value is not available here."
                )
    if self_trend is not None and len(self_trend):
        latest = self_trend[self_trend["period"] == self_trend["period"].max()]
        for r in latest.itertuples(index=False):
            what = "the previous period" if r.comparison == "previous" else "the same period a year before"
            pct = 0 <= abs(r.value) <= 1 and 0 <= abs(r.reference_value) <= 1 and not float(r.value).is_integer()
            v = f"{r.value:.2%}" if pct else f"{r.value:,.0f}"
            rv = f"{r.reference_value:.2%}" if pct else f"{r.reference_value:,.0f}"
            q = f", q = {r.q_value:.2g}" if not math.isnan(r.q_value) else ""
            label = f"{metric_label} in " if metric_label else "In "
            out.append(f"{label}{r.period:%b %Y}: {v} against {rv} in {what} ({r.verdict}{q}).")
    return out


def headline(frame: pd.DataFrame, client: str = "The client", label: str = "") -> str:
    """One-line finding for a chart title, from :func:`compare`, :func:`against_industry` or :func:`against_self`.

    Parameters
    ----------
    frame : DataFrame
        Output of one of the three functions (recognised by its columns).
    client : str
        The client's name in the title.
    label : str
        For :func:`against_self`: what the series measures (default the client's name).

    Returns
    -------
    str
        The title; empty for an unrecognised or empty frame.
    """
    if "standing" in frame.columns:
        lead = int((frame["verdict"] == "leads").sum())
        lag = int((frame["verdict"] == "lags").sum())
        n = len(frame)
        if not lead and not lag:
            return f"{client} is not clearly ahead or behind its competitors on any of {n} metrics"
        return f"{client} leads on {lead} of {n} metrics and lags on {lag}"
    if "tested_against" in frame.columns:
        known = frame[frame["verdict"].isin(["better", "worse", "in line"])]
        if known.empty:
            return f"Published benchmarks for {client}'s KPIs (no client value to place)"
        b, w, i = ((known["verdict"] == v).sum() for v in ("better", "worse", "in line"))
        return f"{client} against {len(known)} published references: better on {b}, worse on {w}, in line on {i}"
    if "comparison" in frame.columns and len(frame):
        latest = frame[frame["period"] == frame["period"].max()]
        short = {"no significant change": "noise", "improved": "improved", "worsened": "worse"}
        parts = []
        for r in latest.itertuples(index=False):
            chg = f"{r.change * 100:+.1f} pts" if abs(r.value) <= 1 else f"{r.change:+,.0f}"
            parts.append(f"{chg} vs {r.reference_period:%b %Y} ({short.get(r.verdict, r.verdict)})")
        return f"{label or client}, {latest['period'].iloc[0]:%b %Y}: " + ", ".join(parts)
    return ""
