"""Client tables of notebook 05's industry section, written in the report's language.

The frames of :func:`kpikit.benchmark.against_industry` hold numbers and the kit's codes; these
functions turn them into the text a client reads: the verdict (or "context only" and why), the metric
as a reader names it, the client's figure with its interval and period, the published figure, its
source and year. Units differ from row to row (a bounce rate, an NPS, an engagement rate per follower
of 0.06%), so each cell is written by its row's unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpikit.benchmark.client import _figure, metric_label, period_text
from kpikit.i18n import format_value, has_key, t, term

__all__ = ["industry_display", "left_out", "verdict_label", "comparison_display", "self_display", "with_labels"]


def verdict_label(verdict: str, lang: str = "en") -> str:
    """A benchmark verdict of the kit ("better", "context only", "leads", "improved", ...) in a language.

    Parameters
    ----------
    verdict : str
        The verdict word as the kit's frames hold it.
    lang : str
        The report's language.

    Returns
    -------
    str
        The word in ``lang``; an unknown word as it is.

    Examples
    --------
    >>> verdict_label("context only", "vi")
    'chỉ để tham khảo'
    """
    key = f"ui.benchmark_verdict.{str(verdict).replace(' ', '_')}"
    return t(key, lang) if has_key(key) else str(verdict)


def _is_rate(row: Mapping) -> bool:
    unit = str(row.get("unit") or "")
    if unit == "points":
        return False
    values = [row.get(c) for c in ("p25", "p50", "p75", "value", "client")]
    known = [float(v) for v in values if v is not None and not pd.isna(v)]
    return all(abs(v) <= 1 for v in known)


def _number(x: Any, rate: bool, lang: str, small: bool) -> str:
    if not rate:
        return format_value(x, "num1", lang)
    if small:
        return format_value(float(x) * 100, "sig", lang) + "%"
    return format_value(x, "pct", lang)


def _published(row: Mapping, lang: str) -> str:
    rate = _is_rate(row)
    known = [abs(float(row[c])) for c in ("p25", "p50", "p75", "value") if not pd.isna(row.get(c))]
    small = rate and bool(known) and max(known) < 0.01
    if not pd.isna(row.get("p25")) and not pd.isna(row.get("p75")):
        band = t(
            "ui.benchmark_band",
            lang,
            low=_number(row["p25"], rate, lang, small),
            high=_number(row["p75"], rate, lang, small),
        )
        if not pd.isna(row.get("p50")):
            return t("ui.benchmark_band_median", lang, band=band, median=_number(row["p50"], rate, lang, small))
        return band
    reference = row.get("reference")
    return "" if pd.isna(reference) else _number(reference, rate, lang, small)


def _context_text(row: Mapping, lang: str, max_age_years: int | None) -> str:
    parts = []
    for code in [c.strip() for c in str(row.get("context") or "").split(",") if c.strip()]:
        if code == "definition":
            names = {
                side: t(f"ui.benchmark_definition.{row[f'{side}_definition']}", lang)
                if has_key(f"ui.benchmark_definition.{row[f'{side}_definition']}")
                else str(row[f"{side}_definition"])
                for side in ("benchmark", "client")
            }
            parts.append(t("ui.benchmark_context_definition", lang, **names))
        elif code == "age":
            parts.append(t("ui.benchmark_context_age", lang, year=str(int(row["year"])), years=max_age_years or 0))
        elif code == "undated":
            parts.append(t("ui.benchmark_context_undated", lang))
    return "; ".join(parts)


def industry_display(industry: pd.DataFrame, lang: str = "en", max_age_years: int | None = None) -> pd.DataFrame:
    """The client table of an industry comparison: verdict (or context only, and why), figures, source.

    Parameters
    ----------
    industry : DataFrame
        The frame of :func:`kpikit.benchmark.against_industry`.
    lang : str
        The report's language.
    max_age_years : int, optional
        The age limit the comparison used, named in "published in 2011, more than 5 years before".

    Returns
    -------
    DataFrame
        verdict, benchmark_metric, segment, client_figure, client_period, published_figure,
        benchmark_source, benchmark_context: text in ``lang``.
    """
    rows = []
    for r in industry.to_dict("records"):
        rate = _is_rate(r)
        client = {"value": r["client"], "low": r["client_low"], "high": r["client_high"], "trials": None}
        if not rate:
            client["value"] = client["value"] if pd.isna(client["value"]) else float(client["value"])
        year = t("ui.benchmark_undated", lang) if pd.isna(r["year"]) else str(int(r["year"]))
        rows.append(
            {
                "verdict": verdict_label(r["verdict"], lang),
                "benchmark_metric": metric_label(str(r["metric"]), lang),
                "segment": _segment(r["segment"], lang),
                "client_figure": _figure(client, lang) if rate else _score(client, lang),
                "client_period": period_text(r.get("client_period"), lang),
                "published_figure": _published(r, lang),
                "benchmark_source": f"{r['source']}, {year}",
                "benchmark_context": _context_text(r, lang, max_age_years),
            }
        )
    cols = [
        "verdict", "benchmark_metric", "segment", "client_figure", "client_period", "published_figure",
        "benchmark_source", "benchmark_context",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _segment(segment: Any, lang: str) -> str:
    """A benchmark segment in the report's language: the kit's own ("all sites") translated, a client's as written."""
    return "" if segment is None or pd.isna(segment) else term(str(segment), lang)


def _score(client: Mapping, lang: str) -> str:
    if pd.isna(client["value"]):
        return ""
    text = format_value(client["value"], "num1", lang)
    low, high = client.get("low"), client.get("high")
    if pd.isna(low) or pd.isna(high):
        return text
    sep = f" {t('ui.interval_to', lang)} " if min(low, high) < 0 else "–"
    return f"{text} ({format_value(low, 'num1', lang)}{sep}{format_value(high, 'num1', lang)})"


def left_out(industry: pd.DataFrame, client: pd.DataFrame, benchmarks: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """What the industry comparison leaves out, for a client table: undated rows and KPIs without a benchmark.

    Parameters
    ----------
    industry : DataFrame
        The frame of :func:`kpikit.benchmark.against_industry` (its ``attrs["excluded"]``).
    client : DataFrame
        The client KPIs given to it (:func:`kpikit.benchmark.client_kpis`).
    benchmarks : DataFrame
        The benchmarks table given to it.
    lang : str
        The report's language.

    Returns
    -------
    DataFrame
        benchmark_metric, segment, benchmark_source, benchmark_context (why it is left out); empty when
        nothing is.
    """
    from kpikit.benchmark.industry import missing_benchmarks

    rows = []
    excluded = industry.attrs.get("excluded")
    for r in (excluded if excluded is not None else pd.DataFrame()).to_dict("records"):
        rows.append(
            {
                "benchmark_metric": metric_label(str(r["metric"]), lang),
                "segment": _segment(r["segment"], lang),
                "benchmark_source": str(r["source"]),
                "benchmark_context": t("ui.benchmark_left_out_undated", lang),
            }
        )
    for metric in missing_benchmarks(client, benchmarks):
        rows.append(
            {
                "benchmark_metric": metric_label(metric, lang),
                "segment": "",
                "benchmark_source": "",
                "benchmark_context": t("ui.benchmark_left_out_no_benchmark", lang),
            }
        )
    return pd.DataFrame(rows, columns=["benchmark_metric", "segment", "benchmark_source", "benchmark_context"])


def with_labels(frame: pd.DataFrame, lang: str = "en", column: str = "metric") -> pd.DataFrame:
    """A copy of a benchmark frame whose metric names read as a reader says them, in ``lang`` (for charts).

    Parameters
    ----------
    frame : DataFrame
        A frame of :func:`kpikit.benchmark.compare` or :func:`kpikit.benchmark.against_industry`.
    lang : str
        The report's language.
    column : str
        The column of metric names.

    Returns
    -------
    DataFrame
    """
    out = frame.copy()
    out[column] = [metric_label(str(m), lang) for m in out[column]]
    return out


_SHARES = ("rate", "share of voice")


def _scorecard_figure(x: Any, metric: str, tested: bool, lang: str, small: bool = False) -> str:
    if x is None or pd.isna(x):
        return ""
    if tested or any(w in metric for w in _SHARES):
        return _number(x, True, lang, small)
    return format_value(x, "int", lang)


def _difference(r: Mapping, lang: str) -> str:
    d, lo, hi = r.get("difference"), r.get("diff_low"), r.get("diff_high")
    if d is None or pd.isna(d):
        return ""
    small = max(abs(float(x)) for x in (d, lo, hi) if not pd.isna(x)) < 0.01
    spec = "sig" if small else "num1"

    def pts(x: float) -> str:
        return format_value(float(x) * 100, spec, lang)

    text = t("ui.pp_value", lang, value=("+" if d > 0 else "") + pts(d))
    if pd.isna(lo) or pd.isna(hi):
        return text
    sep = f" {t('ui.interval_to', lang)} " if min(lo, hi) < 0 else "–"
    return f"{text} ({pts(lo)}{sep}{pts(hi)})"


def comparison_display(comparison: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The client table of a competitor comparison: verdict, metric, client, peers, gap, q-value, standing.

    Parameters
    ----------
    comparison : DataFrame
        Output of :func:`kpikit.benchmark.compare`.
    lang : str
        The report's language.

    Returns
    -------
    DataFrame
        verdict, benchmark_metric, client_figure, peer_median_figure, peers_pooled_figure, difference_figure
        (client minus the peers pooled, in pp, with its interval, for tested rates), q_value, peer_standing:
        text in ``lang`` (q_value a number).
    """
    rows = []
    for r in comparison.to_dict("records"):
        metric, tested = str(r["metric"]), bool(r["tested"])
        values = [abs(float(r[c])) for c in ("client", "peer_median", "peers_pooled") if not pd.isna(r[c])]
        small = bool(values) and min(values) < 0.01
        rows.append(
            {
                "verdict": verdict_label(r["verdict"], lang),
                "benchmark_metric": metric_label(metric, lang),
                "client_figure": _scorecard_figure(r["client"], metric, tested, lang, small),
                "peer_median_figure": _scorecard_figure(r["peer_median"], metric, tested, lang, small),
                "peers_pooled_figure": _scorecard_figure(r["peers_pooled"], metric, tested, lang, small)
                if tested
                else "",
                "difference_figure": _difference(r, lang) if tested else "",
                "q_value": r["q_value"],
                "peer_standing": "" if pd.isna(r["standing"]) else format_value(r["standing"], "num1", lang),
            }
        )
    cols = [
        "verdict", "benchmark_metric", "client_figure", "peer_median_figure", "peers_pooled_figure", "difference_figure",
        "q_value", "peer_standing",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def self_display(self_trend: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The client table of :func:`kpikit.benchmark.against_self` for a rate: each month against its references.

    Parameters
    ----------
    self_trend : DataFrame
        Output of :func:`kpikit.benchmark.against_self` (a rate: values in [0, 1]).
    lang : str
        The report's language.

    Returns
    -------
    DataFrame
        period, verdict, self_compared_with, self_reference_period, client_figure, self_reference_figure,
        difference_figure, q_value.
    """
    rows = []
    for r in self_trend.to_dict("records"):
        small = max(abs(float(r["value"])), abs(float(r["reference_value"]))) < 0.01
        rows.append(
            {
                "period": r["period"],
                "verdict": verdict_label(r["verdict"], lang),
                "self_compared_with": t(f"ui.benchmark_compared_with.{r['comparison']}", lang),
                "self_reference_period": r["reference_period"],
                "client_figure": _number(r["value"], True, lang, small),
                "self_reference_figure": _number(r["reference_value"], True, lang, small),
                "difference_figure": _difference({**r, "difference": r["change"]}, lang),
                "q_value": r["q_value"],
            }
        )
    cols = [
        "period", "verdict", "self_compared_with", "self_reference_period", "client_figure", "self_reference_figure",
        "difference_figure", "q_value",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)
