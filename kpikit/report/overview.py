"""Notebook 00's overview: a KPI snapshot, the data period, the folder's health in words.

Which notebooks the data can feed is :func:`kpikit.report.notebooks.notebook_coverage`, computed from the
notebooks' specs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["snapshot", "data_period", "health_findings"]


def _last_complete(frame: pd.DataFrame, data_end: pd.Timestamp, freq: str) -> pd.Series | None:
    ends = frame["period"] + pd.tseries.frequencies.to_offset(freq)
    done = frame[ends <= data_end + pd.Timedelta(days=1)]
    return None if done.empty else done.iloc[-1]


def snapshot(tables: Mapping[str, pd.DataFrame], freq: str = "MS", level: float = 0.95) -> dict[str, Any]:
    """Headline KPIs of a client's data, each from its kpikit function, for the data overview.

    Computed where the tables allow: sessions, bounce rate and session conversion rate
    (:func:`kpikit.web.headline`, GA4 definition); leads and lead-to-customer rate
    (:func:`kpikit.funnel.lead_to_customer_rate`); MRR and paying customers at the end of the last complete
    period (:func:`kpikit.subscriptions.mrr`) and that period's logo churn
    (:func:`kpikit.subscriptions.churn_rate`, ChartMogul convention); NPS
    (:func:`kpikit.satisfaction.nps`). Rates are ``Rate``, NPS a ``Score``.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Canonical tables by name (:func:`kpikit.io.read_folder`); sessions are built from events when
        only events are present.
    freq : str
        Period grain of MRR and churn ("MS" months, "QS" quarters).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
        KPI name -> value, ready for :func:`record_kpis`.
    """
    import warnings

    from kpikit import funnel, satisfaction, subscriptions, web

    out: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sessions = tables.get("sessions")
        if (sessions is None or sessions.empty) and tables.get("events") is not None:
            sessions = web.sessions_from_events(tables["events"])
        if sessions is not None and len(sessions):
            h = web.headline(sessions, level=level)
            out["sessions"] = h["sessions"]
            out["bounce_rate"] = h["bounce_rate"]
            if "conversion_rate" in h:
                out["session_conversion_rate"] = h["conversion_rate"]
        leads = tables.get("leads")
        if leads is not None and len(leads):
            ltc = funnel.lead_to_customer_rate(leads, level=level)
            out["leads"] = ltc.trials
            out["lead_to_customer_rate"] = ltc
        subs = tables.get("subscriptions")
        if subs is not None and len(subs):
            # The data's end is its latest start (kpikit.subscriptions' default as_of): later end
            # dates are scheduled cancellations, not yet churn.
            data_end = subs["start"].max()
            mrr = _last_complete(subscriptions.mrr(subs, freq=freq), data_end, freq)
            if mrr is not None:
                out["mrr_period"] = mrr["period"]
                out["mrr"] = float(mrr["mrr"])
                out["paying_customers"] = int(mrr["customers"])
            churn = _last_complete(subscriptions.customer_churn(subs, freq=freq, level=level), data_end, freq)
            if churn is not None and churn["at_risk"] > 0:
                out["logo_churn"] = subscriptions.churn_rate(subs, freq=freq, period=churn["period"], level=level)
        surveys = tables.get("surveys")
        if surveys is not None and len(surveys):
            scores = surveys.loc[surveys["kind"] == "nps", "score"]
            if len(scores):
                out["nps"] = satisfaction.nps(scores, level=level)
    return out


def data_period(tables: Mapping[str, pd.DataFrame]) -> str:
    """The span of the data as text ("2024-01-01 to 2025-06-30"), from each table's main time column.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Canonical tables by name; a table's time column is the one :data:`kpikit.schemas.TABLES`
        names for it.

    Returns
    -------
    str
        "no dated rows" when no table has a dated row.
    """
    from kpikit.schemas import TABLES

    lows, highs = [], []
    for name, frame in tables.items():
        col = TABLES[name].time_column if name in TABLES else None
        if col and col in frame.columns and frame[col].notna().any():
            lows.append(frame[col].min())
            highs.append(frame[col].max())
    if not lows:
        return "no dated rows"
    return f"{min(lows):%Y-%m-%d} to {max(highs):%Y-%m-%d}"


def health_findings(health: pd.DataFrame) -> list[str]:
    """Plain-words summary of a folder health table: what loaded, what failed validation, what is missing.

    Parameters
    ----------
    health : DataFrame
        A folder's health table (``tables.health`` of :func:`kpikit.io.read_folder`, or
        :func:`kpikit.io.folder_health`): table, file, status
        (ok, invalid, missing), rows, problem.

    Returns
    -------
    list of str
        One sentence per finding.
    """
    out = []
    ok = health[health["status"] == "ok"]
    if len(ok):
        out.append(
            f"{len(ok)} of {len(health)} canonical tables loaded and passed validation: "
            + ", ".join(f"{t} ({int(r):,} rows)" for t, r in zip(ok["table"], ok["rows"]))
            + "."
        )
    for _, row in health[health["status"] == "invalid"].iterrows():
        out.append(f"{row['table']} ({row['file']}) failed validation and was not used: {row['problem']}")
    missing = health.loc[health["status"] == "missing", "table"].tolist()
    if missing:
        out.append(
            "Not in the folder: " + ", ".join(missing) + ". The notebooks that need them cannot run on this data."
        )
    return out
