"""A recorded KPI as text or HTML, through its registry entry: one figure, a segment table, a result.

The same functions format a KPI inside the notebook (cards, the KPI table) and, from kpis.json, in
index.html and summary.csv: they take the JSON form :func:`kpikit.report.to_jsonable` records (a Rate
is ``{"value", "low", "high", "successes", "trials", ...}``), so the two can never disagree.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from kpikit.i18n import MISSING, format_value, t
from kpikit.report.columns import COLUMN_KINDS, KIND_SPECS
from kpikit.report.registry import KPIS, KpiSpec, kpi_spec
from kpikit.report.tables import column_label

__all__ = ["figure", "format_kpi", "kpi_html", "kpi_label", "headline_kpis", "HEADLINE_UNITS"]

#: The units a report's headline shows: business figures, not settings, model parameters or p values.
HEADLINE_UNITS = ("share", "money", "count", "duration", "ratio", "score")


def kpi_label(name: str, lang: str = "en") -> str:
    """A KPI's label in a language ("Gross revenue retention").

    Parameters
    ----------
    name : str
        The KPI's registry name.
    lang : str
        The report's language.

    Returns
    -------
    str
    """
    return t(kpi_spec(name).label, lang)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _end(x: Any, spec: str, lang: str, currency: str | None) -> str:
    """One end of an interval: a share's without its % sign, others as the value."""
    if spec in ("pct", "pct0", "pp"):
        return format_value(float(x) * 100, "num1", lang)
    if spec == "signed":
        return format_value(x, "signed", lang)
    return format_value(x, spec, lang, currency)


def figure(value: Any, spec: str, lang: str = "en", currency: str | None = None) -> tuple[str, str]:
    """One figure as (value, interval) text.

    ``({"value": 0.447, "low": 0.435, "high": 0.458}, "pct")`` gives ("44.7%", "43.5–45.8").

    Parameters
    ----------
    value : Any
        A number, text, or a mapping with ``value`` (and ``low``/``high``) as a Rate or Score records.
    spec : str
        The format spec of :mod:`kpikit.i18n` (``pct``, ``money``, ``signed``, ...).
    lang : str
        The report's language.
    currency : str, optional
        The report's currency.

    Returns
    -------
    tuple of str
        The interval is "" when the figure has none.
    """
    if isinstance(value, Mapping) and "value" in value:
        main = figure(value["value"], spec, lang, currency)[0]
        low, high = value.get("low"), value.get("high")
        if _is_number(low) and _is_number(high) and math.isfinite(low) and math.isfinite(high):
            sep = f" {t('ui.interval_to', lang)} " if min(low, high) < 0 else "–"
            return main, f"{_end(low, spec, lang, currency)}{sep}{_end(high, spec, lang, currency)}"
        return main, ""
    if value is None:
        return MISSING, ""
    if isinstance(value, bool):
        return t("ui.badge_yes", lang) if value else t("ui.badge_no", lang), ""
    if isinstance(value, str) and spec not in ("month", "date", "period", "quarter"):
        return format_value(value, "term", lang), ""
    return format_value(value, spec or "num", lang, currency), ""


def _joined(value: str, interval: str) -> str:
    return f"{value} ({interval})" if interval else value


def _field_spec(field: str, entry: KpiSpec, value: Any) -> str:
    kind = COLUMN_KINDS.get(field)
    if kind is not None:
        return KIND_SPECS[kind] if kind not in ("text", "verdict", "flag") else ""
    if isinstance(value, Mapping) and "trials" in value:
        return "pct"
    return "num"


def _rows(name: str, value: Any, lang: str, currency: str | None) -> list[tuple[str, str]]:
    """The (label, text) rows of a structured KPI."""
    entry = kpi_spec(name)
    if entry.shape == "by_segment" and isinstance(value, Mapping):
        return [
            (format_value(k, "term", lang), _joined(*figure(v, entry.format, lang, currency))) for k, v in value.items()
        ]
    if entry.shape == "list" and isinstance(value, list):
        return [(str(i + 1), format_value(v, "term", lang)) for i, v in enumerate(value)]
    if entry.shape == "fields" and isinstance(value, Mapping):
        return [
            (column_label(k, lang), _joined(*figure(v, _field_spec(k, entry, v), lang, currency)))
            for k, v in value.items()
            if not (isinstance(v, Mapping) and "value" not in v)
        ]
    if entry.shape == "records" and isinstance(value, list):
        rows = []
        for i, rec in enumerate(value):
            if isinstance(rec, Mapping):
                parts = [
                    f"{column_label(k, lang)}: {_joined(*figure(v, _field_spec(k, entry, v), lang, currency))}"
                    for k, v in rec.items()
                ]
                rows.append((str(i + 1), "; ".join(parts)))
        return rows
    return []


def format_kpi(name: str, value: Any, lang: str = "en", currency: str | None = None) -> str:
    """A recorded KPI as one line of text, in full (a segment table is never cut to its first items).

    Parameters
    ----------
    name : str
        The KPI's registry name.
    value : Any
        Its value as recorded (the JSON form, or the object given to ``rep.kpi``).
    lang : str
        The report's language.
    currency : str, optional
        The report's currency.

    Returns
    -------
    str

    Examples
    --------
    >>> format_kpi("bounce_rate", {"value": 0.4466, "low": 0.4354, "high": 0.4578, "trials": 7546})
    '44.7% (43.5–45.8)'
    >>> format_kpi("churn_by_interval", {"month": {"value": 0.0565, "low": 0.0527, "high": 0.0606}, "year": 0.0085}, "vi")
    'tháng: 5,7% (5,3–6,1); năm: 0,9%'
    """
    from kpikit.report.kpis import to_jsonable

    value = to_jsonable(value)
    entry = kpi_spec(name)
    if (
        entry.shape == "value"
        or not isinstance(value, (Mapping, list))
        or (isinstance(value, Mapping) and "value" in value)
    ):
        return _joined(*figure(value, entry.format, lang, currency))
    rows = _rows(name, value, lang, currency)
    if entry.shape in ("list",):
        return ", ".join(text for _, text in rows) or MISSING
    if entry.shape == "records":
        return " | ".join(text for _, text in rows) or MISSING
    return "; ".join(f"{label}: {text}" for label, text in rows) or MISSING


def kpi_html(name: str, value: Any, lang: str = "en", currency: str | None = None) -> str:
    """A recorded KPI as HTML: its figure, or a small two-column table for a structured result.

    Parameters
    ----------
    name : str
        The KPI's registry name.
    value : Any
        Its value as recorded.
    lang : str
        The report's language.
    currency : str, optional
        The report's currency.

    Returns
    -------
    str
        Escaped HTML.
    """
    from kpikit.report.kpis import to_jsonable

    value = to_jsonable(value)
    entry = kpi_spec(name)
    simple = (
        entry.shape == "value"
        or not isinstance(value, (Mapping, list))
        or (isinstance(value, Mapping) and "value" in value)
    )
    if simple:
        return html.escape(format_kpi(name, value, lang, currency))
    rows = "".join(
        f"<tr><th scope='row' style='text-align:left'>{html.escape(a)}</th><td style='text-align:right'>{html.escape(b)}</td></tr>"
        for a, b in _rows(name, value, lang, currency)
    )
    return f"<table class='kpikit-kpi-detail'><tbody>{rows}</tbody></table>" if rows else MISSING


def headline_kpis(
    kpis: Mapping[str, Any],
    order: tuple[str, ...] | list[str] = (),
    lang: str = "en",
    currency: str | None = None,
    n: int = 6,
) -> list[dict[str, str]]:
    """The headline of a report that has no summary cards: its first single business figures, labelled.

    KPIs of the registry whose shape is one figure and whose unit is in :data:`HEADLINE_UNITS`, in
    ``order`` (the notebook's declared KPIs) and then as recorded, each written through its entry: the
    same label, value and interval as a card would show ("Bounce rate", "44.7%", "95% CI 43.5–45.8").

    Parameters
    ----------
    kpis : mapping
        The recorded KPIs (their JSON form).
    order : sequence of str
        KPI names to take first, in this order.
    lang : str
        The report's language.
    currency : str, optional
        The report's currency.
    n : int
        At most this many.

    Returns
    -------
    list of dict
        ``name``, ``label``, ``value``, ``interval`` (with its level, or ""), ``period`` ("").

    Examples
    --------
    >>> headline_kpis({"definition": "ga4", "bounce_rate": {"value": 0.4466, "low": 0.4354, "high": 0.4578}})
    [{'name': 'bounce_rate', 'label': 'Bounce rate', 'value': '44.7%', 'interval': '95% CI 43.5–45.8', 'period': ''}]
    """
    names = [k for k in order if k in kpis] + [k for k in kpis if k not in order]
    out: list[dict[str, str]] = []
    for name in names:
        entry = KPIS.get(name)
        value = kpis[name]
        if entry is None or entry.shape != "value" or entry.unit not in HEADLINE_UNITS:
            continue
        if isinstance(value, list) or (isinstance(value, Mapping) and "value" not in value) or isinstance(value, bool):
            continue
        shown, interval = figure(value, entry.format, lang, currency)
        if interval:
            level = value.get("level", 0.95) if isinstance(value, Mapping) else 0.95
            level = level if isinstance(level, (int, float)) else 0.95
            interval = t("ui.card_interval", lang, level=str(int(round(100 * level))), interval=interval)
        out.append({"name": name, "label": kpi_label(name, lang), "value": shown, "interval": interval, "period": ""})
        if len(out) == n:
            break
    return out
