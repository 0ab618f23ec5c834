"""The client's own KPIs for an industry comparison: where each one comes from, and its period.

A KPI another report measured (the bounce rate of notebook 01, the churn and NPS of notebook 03) is
taken from what that report recorded for this client, with that report's period. Only when no report
recorded it is it computed here, from the data at hand, with the period it covers; the table says
which, and why (no report folder, no report of that notebook for this client's data, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpikit.benchmark.names import metric_name
from kpikit.benchmark.recorded import RecordedKpis
from kpikit.errors import KpiDataError
from kpikit.i18n import format_date, format_value, has_key, t

__all__ = ["client_kpis", "client_kpi_table", "period_text", "metric_label"]

#: Columns of :func:`client_kpis`, in order.
CLIENT_COLUMNS = [
    "metric", "segment", "value", "low", "high", "successes", "trials", "client_source", "origin", "report",
    "client_period", "definition", "why", "dispersion",
]  # fmt: skip


def _coerce_value(v: Any) -> dict:
    """A KPI value in any recorded form -> dict(value, low, high, successes, trials)."""
    out = {"value": np.nan, "low": np.nan, "high": np.nan, "successes": np.nan, "trials": np.nan}
    if v is None:
        return out
    if hasattr(v, "as_dict") and callable(v.as_dict):
        v = v.as_dict()
    if isinstance(v, Mapping):
        for k in out:
            if isinstance(v.get(k), (int, float)) and not isinstance(v.get(k), bool):
                out[k] = float(v[k])
        return out
    try:
        out["value"] = float(v)
    except (TypeError, ValueError):
        raise KpiDataError(f"client KPI value {v!r} is not a number, a Rate/Score or a dict with 'value'.") from None
    return out


def _lookup(kpis: Mapping, key: str) -> Any:
    node: Any = kpis
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            return None
    return node


def _why_not_recorded(recorded: Mapping | None, stem: str) -> str:
    """Why a report's KPI is not available as recorded: a short code (see :func:`client_kpis`)."""
    if not isinstance(recorded, RecordedKpis):
        return "no value" if recorded and stem in recorded else ("no report" if recorded else "no folder")
    if recorded.folder is None:
        return "no folder"
    if not recorded.found:
        return "folder not found"
    if stem in recorded.skipped:
        return recorded.skipped[stem][0]
    return "no value" if stem in recorded.reports else "no report"


def client_kpis(
    mapping: Mapping[str, str],
    recorded: Mapping[str, Mapping] | None = None,
    recomputed: Mapping[str, Any] | None = None,
    extra: pd.DataFrame | None = None,
    periods: Mapping[str, Any] | None = None,
    definitions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Collect the client's own KPIs for :func:`against_industry`: each one's value, source and period.

    For each benchmark metric of ``mapping``, the value the named report recorded for this client
    (:func:`kpikit.benchmark.recorded_kpis`), with that report's period; else the value computed here
    (``recomputed``) with its period (``periods``); else nothing ("not available").

    Parameters
    ----------
    mapping : mapping
        Benchmark metric -> where to find the client's value in ``recorded``, as
        ``"<notebook stem>:<kpi key>"`` (``"01_bounce_rate_diagnosis:bounce_rate"``); a dotted key
        reaches into nested dicts (``"03_churn_and_renewal:churn.monthly"``).
    recorded : mapping, optional
        Notebook stem -> its recorded KPIs: what :func:`kpikit.benchmark.recorded_kpis` returns (which
        also knows each KPI's period and why a report was not used), or a plain dict.
    recomputed : mapping, optional
        Benchmark metric -> value computed in the current report, used when no report recorded it.
    extra : DataFrame, optional
        More client rows in the returned shape (e.g. ``kk.social.industry_kpis``: per-platform rates
        with a ``segment`` column), appended as they are.
    periods : mapping, optional
        Benchmark metric -> the period of its ``recomputed`` value (text or a (start, end) pair).
    definitions : mapping, optional
        Benchmark metric -> the definition of its ``recomputed`` value ("ga4", "ua"). A recorded value
        takes the ``definition`` its report recorded, when it records one.

    Returns
    -------
    DataFrame
        metric, segment, value, low, high, successes, trials, client_source ("recorded by <notebook>",
        "computed here" or "not available"), origin ("recorded", "computed", "missing"), report (the
        notebook that recorded it), client_period, definition, why (when not recorded: "no folder",
        "folder not found", "no report", "no value", "other data" or "unknown data"), dispersion.

    Examples
    --------
    >>> recorded = {"01_bounce_rate_diagnosis": {"bounce_rate": {"value": 0.45, "successes": 450, "trials": 1000}}}
    >>> ck = client_kpis({"bounce_rate": "01_bounce_rate_diagnosis:bounce_rate", "nps": "03_churn_and_renewal:nps"}, recorded)
    >>> ck[["metric", "value", "client_source"]].values.tolist()
    [['bounce_rate', 0.45, 'recorded by 01_bounce_rate_diagnosis'], ['nps', nan, 'not available']]
    """
    recomputed, periods, definitions = recomputed or {}, periods or {}, definitions or {}
    rows = []
    for metric, where in mapping.items():  # a few metrics
        stem, _, key = str(where).partition(":")
        kp = recorded.get(stem) if recorded else None
        node = _lookup(kp, key) if kp is not None and key else None
        row = {"metric": metric, "segment": None, "report": stem, "why": "", "dispersion": 1.0}
        if node is not None:
            period = recorded.period(stem, key) if isinstance(recorded, RecordedKpis) else None
            definition = kp.get("definition") if isinstance(kp.get("definition"), str) else None
            row.update(_coerce_value(node), client_source=f"recorded by {stem}", origin="recorded")
            row.update(client_period=period, definition=definition)
        else:
            row["why"] = _why_not_recorded(recorded, stem)
            value = recomputed.get(metric)
            origin = "computed" if value is not None else "missing"
            row.update(_coerce_value(value), origin=origin)
            row["client_source"] = "computed here" if value is not None else "not available"
            row.update(client_period=periods.get(metric), definition=definitions.get(metric))
        rows.append(row)
    for metric, v in recomputed.items():
        if metric not in mapping and v is not None:
            rows.append(
                {"metric": metric, "segment": None, **_coerce_value(v), "client_source": "computed here",
                 "origin": "computed", "report": "", "client_period": periods.get(metric),
                 "definition": definitions.get(metric), "why": "", "dispersion": 1.0}
            )  # fmt: skip
    out = pd.DataFrame(rows, columns=CLIENT_COLUMNS)
    if extra is not None and len(extra):
        missing = [c for c in ("metric", "value") if c not in extra.columns]
        if missing:
            raise KpiDataError(
                f"extra: missing column(s) {', '.join(missing)}; give rows shaped like client_kpis' output."
            )
        ext = extra.reindex(columns=CLIENT_COLUMNS)
        ext["client_source"] = ext["client_source"].fillna("given")
        ext["origin"] = ext["origin"].fillna("computed")
        ext["dispersion"] = ext["dispersion"].fillna(1.0)
        ext["why"] = ext["why"].fillna("")
        out = pd.concat([out.astype({"segment": object}), ext.astype({"segment": object})], ignore_index=True)
    return out


def period_text(period: Any, lang: str = "en") -> str:
    """A KPI's period in a language: a (start, end) pair as "30 Dec 2024 – 29 Jun 2025", text as it is.

    Parameters
    ----------
    period : Any
        Text, a (start, end) pair of dates, or None ("").
    lang : str
        The report's language.

    Returns
    -------
    str

    Examples
    --------
    >>> period_text((pd.Timestamp("2024-12-30"), pd.Timestamp("2025-06-29")))
    '30 Dec 2024 – 29 Jun 2025'
    """
    if isinstance(period, tuple) and len(period) == 2:
        a, b = (format_date(p, lang) for p in period)
        return a if a == b else t("ui.period_range", lang, start=a, end=b)
    if period is None or (not isinstance(period, str) and pd.isna(period)):
        return ""
    return str(period)


def metric_label(metric: str, lang: str = "en") -> str:
    """A benchmark metric as a reader names it, capitalised ("bounce_rate" -> "Bounce rate"); a client's own as it is.

    Parameters
    ----------
    metric : str
        The metric's name in the benchmark frames.
    lang : str
        The report's language.

    Returns
    -------
    str
    """
    text = metric_name(metric).text(lang)
    return text[:1].upper() + text[1:]


def _report_label(stem: str, lang: str) -> str:
    key = f"notebook.{stem}.title"
    return t(key, lang) if has_key(key) else stem


def _figure(row: Mapping, lang: str) -> str:
    """The client's value with its interval, as its unit needs.

    "44.7% (43.5–45.8)" for a rate, "0.08676% (0.0801–0.0934)" for a rate below 1%, "33.4 (28.0 to 38.8)"
    for a score.
    """
    value = row["value"]
    if pd.isna(value):
        return ""
    rate = not pd.isna(row.get("trials")) or abs(float(value)) <= 1
    small = rate and abs(float(value)) < 0.01

    def number(x: float) -> str:
        if not rate:
            return format_value(x, "num1", lang)
        return format_value(x * 100, "sig" if small else "num1", lang)

    text = (
        number(value) + ("%" if small else "")
        if rate and small
        else (format_value(value, "pct", lang) if rate else number(value))
    )
    low, high = row.get("low"), row.get("high")
    if pd.isna(low) or pd.isna(high):
        return text
    sep = f" {t('ui.interval_to', lang)} " if min(low, high) < 0 else "–"
    return f"{text} ({number(low)}{sep}{number(high)})"


def _text(x: Any) -> str:
    return "" if x is None or (not isinstance(x, str) and pd.isna(x)) else str(x)


def _source(row: Mapping, lang: str, folder: str) -> str:
    origin, why, stem = row["origin"], _text(row.get("why")), _text(row.get("report"))
    report = _report_label(stem, lang) if stem else ""
    if origin == "recorded":
        return t("ui.benchmark_recorded_by", lang, report=report)
    if origin == "computed" and not stem:
        return t("ui.benchmark_computed_here", lang)
    reason = t(f"ui.benchmark_why_{why.replace(' ', '_')}", lang, report=report, folder=folder) if why else ""
    key = "ui.benchmark_computed_because" if origin == "computed" else "ui.benchmark_missing_because"
    return t(key, lang, reason=reason)


def client_kpi_table(kpis: pd.DataFrame, lang: str = "en", folder: str | None = None) -> pd.DataFrame:
    """Where each of the client's own figures comes from, for a client table: figure, period, source.

    Parameters
    ----------
    kpis : DataFrame
        The frame of :func:`client_kpis`.
    lang : str
        The report's language.
    folder : str, optional
        The report folder read, named in the reasons.

    Returns
    -------
    DataFrame
        benchmark_metric, segment, client_figure, client_period, client_kpi_source: text in ``lang``.
    """
    rows = []
    for r in kpis.to_dict("records"):
        seg = r.get("segment")
        rows.append(
            {
                "benchmark_metric": metric_label(str(r["metric"]), lang),
                "segment": "" if seg is None or (not isinstance(seg, str) and pd.isna(seg)) else str(seg),
                "client_figure": _figure(r, lang),
                "client_period": period_text(r.get("client_period"), lang),
                "client_kpi_source": _source(r, lang, f"'{folder}'" if folder else ""),
            }
        )
    return pd.DataFrame(
        rows, columns=["benchmark_metric", "segment", "client_figure", "client_period", "client_kpi_source"]
    )
