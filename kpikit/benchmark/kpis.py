"""Headline KPIs of a benchmark: the client's gap to its peers and its position against the industry.

Each returns a plain mapping with a ``value`` and, where the data give one, its interval (``low``,
``high``), so a report's card shows it as "+9.2 pp (8.6 to 9.8)" or "1.4x (1.3–1.5)", plus the fields a
reader needs to check it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpikit.benchmark.client import period_text
from kpikit.errors import KpiDataError
from kpikit.schemas import TABLES

__all__ = ["gap_to_peers", "industry_position", "table_spans"]


def _pick(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    name = frame["metric"].astype(str)
    exact = frame[name == metric]
    return exact if len(exact) else frame[name.str.startswith(metric)]


def gap_to_peers(comparison: pd.DataFrame, metric: str = "engagement rate") -> dict:
    """The client's tested gap to its competitors pooled on one metric of :func:`compare`.

    Parameters
    ----------
    comparison : DataFrame
        Output of :func:`kpikit.benchmark.compare`.
    metric : str
        The metric, or the start of its name ("engagement rate" finds "engagement rate (per reach)").

    Returns
    -------
    dict
        value (client minus peers pooled, a difference of rates), low, high (its interval), q_value,
        client, peers (the two rates), metric, verdict.

    Raises
    ------
    KpiDataError
        When the comparison has no tested row of that metric.

    Examples
    --------
    >>> c = pd.DataFrame({"metric": ["engagement rate (per reach)"], "tested": [True], "client": [0.16],
    ...     "peers_pooled": [0.07], "difference": [0.09], "diff_low": [0.08], "diff_high": [0.10],
    ...     "q_value": [0.001], "verdict": ["leads"]})
    >>> gap_to_peers(c)["value"]
    0.09
    """
    rows = _pick(comparison, metric)
    rows = rows[rows["tested"].astype(bool)]
    if rows.empty:
        raise KpiDataError(
            f"No tested {metric} in the comparison with competitors (its counts are missing): the gap to the "
            "competitors is not shown."
        )
    r = rows.iloc[0]
    return {
        "value": float(r["difference"]),
        "low": float(r["diff_low"]),
        "high": float(r["diff_high"]),
        "q_value": float(r["q_value"]),
        "client": float(r["client"]),
        "peers": float(r["peers_pooled"]),
        "metric": str(r["metric"]),
        "verdict": str(r["verdict"]),
    }


def industry_position(industry: pd.DataFrame, metric: str = "social_engagement_rate") -> dict:
    """The client's main figure against its published reference, as a relative gap: client / published - 1.

    The main row is the one of ``metric`` where the client's figure rests on the most counts (for the
    social engagement rate, the platform with the largest audience reached by its posts).

    Parameters
    ----------
    industry : DataFrame
        Output of :func:`kpikit.benchmark.against_industry` (with its ``trials``).
    metric : str
        The benchmark metric.

    Returns
    -------
    dict
        value (client / reference - 1: +0.385 is 38.5% above the published figure), low, high (the
        client's interval, relative to the reference alike), segment, client, reference, verdict, context,
        source, year, client_period (text).

    Raises
    ------
    KpiDataError
        When no row of ``metric`` has both a client figure and a published reference.
    """
    rows = industry[(industry["metric"].astype(str) == metric) & industry["client"].notna()]
    rows = rows[rows["reference"].notna() & (rows["reference"] > 0)]
    if rows.empty:
        raise KpiDataError(
            f"No published figure to place the client's {metric} against (no row of the benchmarks for it, or no "
            "client figure): the position against the industry is not shown."
        )
    r = rows.sort_values("trials", ascending=False, na_position="last", kind="mergesort").iloc[0]
    ref = float(r["reference"])
    out: dict[str, Any] = {"value": float(r["client"]) / ref - 1}
    if pd.notna(r["client_low"]) and pd.notna(r["client_high"]):
        out.update(low=float(r["client_low"]) / ref - 1, high=float(r["client_high"]) / ref - 1)
    out.update(
        segment=None if pd.isna(r["segment"]) else str(r["segment"]),
        client=float(r["client"]),
        reference=ref,
        verdict=str(r["verdict"]),
        context=str(r["context"] or ""),
        source=str(r["source"]),
        year=None if pd.isna(r["year"]) else int(r["year"]),
        client_period=period_text(r["client_period"]),
    )
    return out


def table_spans(tables: Mapping[str, pd.DataFrame | None], which: Mapping[str, str]) -> dict[str, Any]:
    """The period each metric computed from a table covers: the first and last date of the table.

    Parameters
    ----------
    tables : mapping
        Canonical tables by name (a report's ``rep.tables``); missing ones are skipped.
    which : mapping
        Metric -> the table it is computed from ({"bounce_rate": "sessions"}).

    Returns
    -------
    dict
        Metric -> (first, last) Timestamps of the table's time column (:data:`kpikit.schemas.TABLES`).

    Examples
    --------
    >>> s = pd.DataFrame({"start": pd.to_datetime(["2025-01-03", "2025-03-30"])})
    >>> table_spans({"sessions": s}, {"bounce_rate": "sessions", "nps": "surveys"})
    {'bounce_rate': (Timestamp('2025-01-03 00:00:00'), Timestamp('2025-03-30 00:00:00'))}
    """
    out: dict[str, Any] = {}
    for metric, name in which.items():
        frame = tables.get(name)
        col = TABLES[name].time_column if name in TABLES else None
        if frame is None or col is None or col not in frame.columns or not frame[col].notna().any():
            continue
        out[metric] = (pd.Timestamp(frame[col].min()), pd.Timestamp(frame[col].max()))
    return out
