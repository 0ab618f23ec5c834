"""The HTML a report opens and closes with: title block, summary (cards and findings), appendix.

Pure functions from already-formatted parts to HTML and text; every client string is escaped. The
``Report`` object (:mod:`kpikit.report.document`) gathers the parts while the notebook runs.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from kpikit.i18n import direction, t

__all__ = ["Card", "SUMMARY_CSS", "title_block", "summary_html", "placeholder_html", "appendix_html", "findings_html"]

#: Styles of the summary and the appendix, so they read well in JupyterLab before any report CSS.
SUMMARY_CSS = (
    ".kpikit-question{font-size:1.15em;margin:.3em 0}.kpikit-summary{margin:1em 0 1.5em}.kpikit-cards{display:flex;flex-wrap:wrap;gap:.8em;margin:.6em 0 1em}"
    ".kpikit-card{flex:1 1 11em;max-width:16em;border:1px solid #d5dbe1;border-top:3px solid #0072B2;"
    "border-radius:4px;padding:.6em .8em;background:#fff}"
    ".kpikit-card-label{font-size:.85em;color:#33414e}.kpikit-card-value{font-size:1.6em;font-weight:600;margin:.15em 0}"
    ".kpikit-card-interval,.kpikit-card-period{font-size:.8em;color:#5a6875}.kpikit-card-change{font-size:.85em}"
    ".kpikit-good{color:#00734d}.kpikit-bad{color:#b3461f}"
    ".kpikit-findings li{margin:.3em 0}.kpikit-note{border-left:3px solid #E69F00;padding:.3em .8em;background:#fff8e6}"
    ".kpikit-badge{display:inline-block;padding:0 .45em;border-radius:.7em;background:#eef2f6;font-size:.85em}"
)


@dataclass(frozen=True)
class Card:
    """One KPI card, every part already written in the report's language.

    ``mark`` is "up" or "down" only when the change is significant; ``good`` says whether that
    direction is good news for this KPI (None when the KPI has no better direction).
    """

    name: str
    label: str
    value: str
    interval: str = ""
    change: str = ""
    mark: str | None = None
    good: bool | None = None
    period: str = ""

    def as_dict(self) -> dict:
        """Plain-JSON form (for the summary's JSON output, read by the index)."""
        return asdict(self)


def _wrap(lang: str, cls: str, body: str) -> str:
    return f"<{cls[0]} class='{cls[1]}' lang='{html.escape(lang)}' dir='{direction(lang)}'>{body}</{cls[0]}>"


def title_block(question: str, client: str | None, period: str | None, lang: str) -> str:
    """The title block under the report's heading: the question, the client, the period covered.

    Parameters
    ----------
    question : str
        The question the report answers, in plain words.
    client : str, optional
        The client's name.
    period : str, optional
        The period the data covers ("Jan 2024 – Jun 2025").
    lang : str
        The report's language.

    Returns
    -------
    str
        ``<header class='kpikit-titleblock kpikit-generated'>`` (the renderer adds no block of its own
        when this one is present).
    """
    e = html.escape
    meta = []
    if client:
        meta.append(f"<span><strong>{e(t('ui.client', lang))}:</strong> {e(str(client))}</span>")
    if period:
        meta.append(f"<span><strong>{e(t('ui.period_covered', lang))}:</strong> {e(period)}</span>")
    body = f"<p class='kpikit-question'>{e(question)}</p><p class='kpikit-meta'>{' &middot; '.join(meta)}</p>"
    return _wrap(lang, ("header", "kpikit-titleblock kpikit-generated"), body)


def placeholder_html(lang: str) -> str:
    """What the summary shows until the report's last cell has run.

    Parameters
    ----------
    lang : str
        The report's language.

    Returns
    -------
    str
    """
    return _wrap(
        lang,
        ("section", "kpikit-summary kpikit-pending"),
        f"<p><em>{html.escape(t('ui.summary_pending', lang))}</em></p>",
    )


def _card_html(card: Card) -> str:
    e = html.escape
    parts = [
        f"<div class='kpikit-card-label'>{e(card.label)}</div>",
        f"<div class='kpikit-card-value'>{e(card.value)}</div>",
    ]
    if card.interval:
        parts.append(f"<div class='kpikit-card-interval'>{e(card.interval)}</div>")
    if card.change:
        arrow = {"up": "▲ ", "down": "▼ "}.get(card.mark or "", "")
        tone = "" if card.mark is None or card.good is None else (" kpikit-good" if card.good else " kpikit-bad")
        parts.append(f"<div class='kpikit-card-change{tone}'>{arrow}{e(card.change)}</div>")
    if card.period:
        parts.append(f"<div class='kpikit-card-period'>{e(card.period)}</div>")
    return f"<div class='kpikit-card' data-kpi='{e(card.name)}'>{''.join(parts)}</div>"


def findings_html(findings: Iterable[str], lang: str, title: str | None = None, ordered: bool = False) -> str:
    """Findings as an escaped list.

    Parameters
    ----------
    findings : iterable of str
        The sentences, already in the report's language.
    lang : str
        The report's language.
    title : str, optional
        A heading above the list.
    ordered : bool
        A numbered list (the summary's findings are ranked).

    Returns
    -------
    str
    """
    tag = "ol" if ordered else "ul"
    items = "".join(f"<li>{html.escape(str(f))}</li>" for f in findings)
    head = f"<h3>{html.escape(title)}</h3>" if title else ""
    return _wrap(lang, ("div", "kpikit-findings"), f"{head}<{tag}>{items}</{tag}>")


def summary_html(cards: Sequence[Card], findings: Sequence[str], lang: str) -> tuple[str, str]:
    """The summary section: KPI cards, then the findings ranked by impact.

    Parameters
    ----------
    cards : sequence of Card
        3 to 6 cards.
    findings : sequence of str
        The findings to show, highest impact first, in the report's language.
    lang : str
        The report's language.

    Returns
    -------
    tuple of str
        (HTML, plain text).
    """
    e = html.escape
    body = [f"<style>{SUMMARY_CSS}</style>", f"<h2>{e(t('ui.summary', lang))}</h2>"]
    body.append(f"<div class='kpikit-cards'>{''.join(_card_html(c) for c in cards)}</div>")
    if findings:
        body.append(findings_html(findings, lang, t("ui.key_findings", lang), ordered=True))
    text = [t("ui.summary", lang)]
    for c in cards:
        line = f"- {c.label}: {c.value}" + (f" ({c.interval})" if c.interval else "")
        line += (f"; {c.change}" if c.change else "") + (f"; {c.period}" if c.period else "")
        text.append(line)
    text += [f"{i}. {f}" for i, f in enumerate(findings, 1)]
    return _wrap(lang, ("section", "kpikit-summary"), "".join(body)), "\n".join(text)


def _rows_html(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    e = html.escape
    head = "".join(f"<th scope='col' style='text-align:left'>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{e(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table class='kpikit-appendix-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def appendix_html(
    parameters: Sequence[tuple[str, str, str]],
    files: Sequence[Mapping[str, str]],
    notes: Sequence[str],
    command: str,
    version: str,
    workbook: str | None,
    lang: str,
) -> tuple[str, str]:
    """The consultant's appendix, collapsed: parameters, data files, notes, how to render, version.

    Parameters
    ----------
    parameters : sequence of (name, value, meaning)
        The parameters the report ran with, values already as text (never a Python repr).
    files : sequence of mapping
        One per table read: table, file, rows, dates, hash, status (all text).
    notes : sequence of str
        Tables that were not used and why, in the report's language.
    command : str
        The command line that renders the report again.
    version : str
        The kpikit version.
    workbook : str, optional
        A sentence about the Excel workbook of the report's tables.
    lang : str
        The report's language.

    Returns
    -------
    tuple of str
        (HTML, plain text).
    """
    e = html.escape
    parts = [f"<summary>{e(t('ui.appendix', lang))}</summary>"]
    parts.append(f"<h4>{e(t('ui.parameters', lang))}</h4>")
    parts.append(_rows_html([t("ui.parameter", lang), t("ui.value", lang), t("ui.meaning", lang)], parameters))
    parts.append(f"<h4>{e(t('ui.data_files', lang))}</h4>")
    keys = ("table", "file", "rows", "dates", "hash", "status")
    labels = [t(f"ui.file_{k}", lang) for k in keys]
    parts.append(_rows_html(labels, [[f.get(k, "") for k in keys] for f in files]))
    if notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    if workbook:
        parts.append(f"<p>{e(workbook)}</p>")
    parts.append(f"<p>{e(t('ui.render_again', lang))}</p><pre>{e(command)}</pre>")
    parts.append(f"<p class='kpikit-generated-by'>{e(t('ui.generated_by', lang, version=version))}</p>")
    text = [t("ui.appendix", lang)]
    text += [f"  {n} = {v}" for n, v, _ in parameters]
    text += [
        f"  {f.get('table', '')}: {f.get('file', '')} {f.get('rows', '')} {f.get('hash', '')}".rstrip() for f in files
    ]
    text += [f"  {n}" for n in notes]
    text.append("  " + t("ui.generated_by", lang, version=version))
    return _wrap(lang, ("details", "kpikit-appendix"), "".join(parts)), "\n".join(text)
