"""Client tables: labels from the catalogue, value and interval in one cell, numbers by locale.

:func:`client_table` is what ``rep.table`` (and ``kk.report.table(..., lang=...)``) shows:

- headers are the catalogue's column labels ("Churn rate", not ``churn_rate``);
- a value and its interval share a cell, "5.7% (5.3–6.1)", under "Churn rate (95% CI)";
- shares, money (the report's currency, through Babel), counts, percentage points, p and q values
  ("< 0.001"), months ("Jun 2025") each by their kind (:mod:`kpikit.report.columns`);
- never True/False (a badge or a blank), NaN (a dash), inf ("n/a") or -0.0%;
- text left-aligned, numbers right-aligned; the verdict columns right after the row labels;
- at most ``max_columns`` columns in the client view, the full table collapsed below it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from kpikit.i18n import MISSING, format_value, has_key, t
from kpikit.report.columns import KIND_SPECS, ROW_LABELS, column_kind, humanize, interval_columns

__all__ = ["ClientTable", "client_table", "column_label"]

_NUMERIC_KINDS = {"share", "pp", "money", "count", "number", "duration", "ratio", "p_value"}


def column_label(column: str, lang: str = "en") -> str:
    """The header of a column: its catalogue label, or the name made readable when it has none.

    Parameters
    ----------
    column : str
        The column's name.
    lang : str
        The report's language.

    Returns
    -------
    str
    """
    key = f"column.{column}"
    return t(key, lang) if has_key(key) else humanize(column)


class ClientTable:
    """A table formatted for a client (what :func:`client_table` returns).

    Shows as HTML in Jupyter and in reports (escaped; the client view, then the full table in a
    collapsed ``<details>`` when columns were left out of the view) and as aligned text where only
    text is shown. ``frame`` is the data as given (for the Excel workbook), ``kinds`` each column's kind.

    Parameters
    ----------
    frame : DataFrame
        The data as given (its columns are canonical names).
    cells : DataFrame
        Every shown column's cells as text, headed by labels.
    kinds : mapping
        Column name -> its kind (:data:`~kpikit.report.columns.KIND_SPECS`).
    view : list of str
        The labels of the client view's columns.
    caption : str, optional
        The caption.
    lang : str
        The report's language.
    unlabelled : list of str
        Columns that have no catalogue label (shown with a readable form of their name).
    source : mapping
        Label -> the column it shows.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        cells: pd.DataFrame,
        kinds: Mapping[str, str],
        view: list[str],
        caption: str | None,
        lang: str,
        unlabelled: list[str],
        source: Mapping[str, str],
    ) -> None:
        self.frame = frame
        self.cells = cells
        self.kinds = dict(kinds)
        self.view = view
        self.caption = caption
        self.lang = lang
        self.unlabelled = unlabelled
        self.source = dict(source)

    def formatted(self, full: bool = False) -> pd.DataFrame:
        """The shown cells as text, headers as labels.

        Parameters
        ----------
        full : bool
            Every column, not only the client view.

        Returns
        -------
        DataFrame
        """
        return self.cells if full else self.cells[self.view]

    def _html_table(self, cells: pd.DataFrame, caption: str | None) -> str:
        e = html.escape
        head = "".join(f"<th scope='col' style='text-align:{self._align(c)}'>{e(str(c))}</th>" for c in cells.columns)
        rows = []
        for row in cells.itertuples(index=False):
            tds = "".join(
                f"<td class='kpikit-{self._align(c)}' style='text-align:{self._align(c)}'>{self._cell_html(c, v)}</td>"
                for c, v in zip(cells.columns, row)
            )
            rows.append(f"<tr>{tds}</tr>")
        cap = f"<caption>{e(caption)}</caption>" if caption else ""
        return (
            "<div class='kpikit-table-wrap' style='overflow-x:auto;max-width:100%'>"
            f"<table class='kpikit-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )

    def _align(self, label: str) -> str:
        kind = self.kinds.get(self.source.get(label, ""), "text")
        return "right" if kind in _NUMERIC_KINDS else "center" if kind == "flag" else "left"

    def _cell_html(self, label: str, value: str) -> str:
        if self.kinds.get(self.source.get(label, "")) == "flag" and value:
            return f"<span class='kpikit-badge'>{html.escape(value)}</span>"
        return html.escape(value)

    def to_html(self) -> str:
        """The HTML of the table: the client view, then the full table collapsed when wider.

        Returns
        -------
        str
        """
        out = self._html_table(self.formatted(), self.caption)
        hidden = len(self.cells.columns) - len(self.view)
        if hidden:
            summary = t("ui.full_table", self.lang, n=hidden)
            out += (
                f"<details class='kpikit-full-table'><summary>{html.escape(summary)}</summary>"
                f"{self._html_table(self.cells, None)}</details>"
            )
        return out

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.formatted().to_string(index=False) if len(self.cells) else ""
        hidden = len(self.cells.columns) - len(self.view)
        if hidden:
            text += "\n" + t("ui.full_table", self.lang, n=hidden)
        return f"{self.caption}\n{text}" if self.caption else text


def _kinds(
    frame: pd.DataFrame, overrides: Mapping[str, Iterable[str]], formats: Mapping[str, str] | None
) -> dict[str, str]:
    kinds = {c: column_kind(frame, c) for c in frame.columns}
    for kind, cols in overrides.items():
        kinds.update({c: kind for c in cols if c in frame.columns})
    for c, spec in (formats or {}).items():
        if c in frame.columns:
            kinds[c] = spec
    return kinds


def _format_column(values: pd.Series, kind: str, lang: str, currency: str | None, freq: str | None) -> list[str]:
    if kind == "flag":
        yes = t("ui.badge_yes", lang)
        return [yes if (v is True or (not pd.isna(v) and bool(v))) else "" for v in values]
    spec = KIND_SPECS.get(kind, kind)
    if kind == "month" and freq and freq.upper()[:1] in ("Q", "Y", "A"):
        spec = "quarter" if freq.upper()[:1] == "Q" else "period"
    return [format_value(v, spec, lang, currency) for v in values]


def _interval_ends(values: pd.Series, kind: str, lang: str, currency: str | None) -> list[str]:
    """How an interval's end is written: shares without their % sign ("43.5"), others as values."""
    if kind == "share":
        return [MISSING if pd.isna(v) else format_value(float(v) * 100, "num1", lang) for v in values]
    if kind == "pp":
        return [MISSING if pd.isna(v) else format_value(float(v) * 100, "num1", lang) for v in values]
    return _format_column(values, kind, lang, currency, None)


def _lead(columns: list[str], kinds: Mapping[str, str]) -> list[str]:
    """The row labels: the leading text, date and row-label columns."""
    lead = []
    for c in columns:
        if kinds[c] not in ("text", "month", "date") and c not in ROW_LABELS:
            break
        lead.append(c)
    return lead


def _order(columns: list[str], kinds: Mapping[str, str]) -> list[str]:
    """Row labels first, then the verdict columns, then the rest in order."""
    lead = _lead(columns, kinds)
    verdicts = [c for c in columns if c not in lead and kinds[c] in ("verdict", "flag")]
    return lead + verdicts + [c for c in columns if c not in lead and c not in verdicts]


def _view(order: list[str], kinds: Mapping[str, str], merged: set[str], max_columns: int) -> list[str]:
    """The client view: labels, verdicts, values with intervals, then rates, then the rest, up to the width."""
    if len(order) <= max_columns:
        return order
    lead = _lead(order, kinds)
    ranked = (
        lead
        + [c for c in order if c not in lead and (kinds[c] in ("verdict", "text") or c in merged)]
        + [c for c in order if c not in lead and c not in merged and kinds[c] in ("share", "pp", "ratio", "p_value")]
    )
    ranked += [c for c in order if c not in ranked]
    keep = set(ranked[:max_columns])
    return [c for c in order if c in keep]


def client_table(
    frame: pd.DataFrame,
    *,
    lang: str = "en",
    currency: str | None = None,
    caption: str | None = None,
    percent: Iterable[str] = (),
    money: Iterable[str] = (),
    pp: Iterable[str] = (),
    counts: Iterable[str] = (),
    formats: Mapping[str, str] | None = None,
    columns: Iterable[str] | None = None,
    freq: str | None = None,
    missing: Mapping[str, str] | None = None,
    max_columns: int = 8,
) -> ClientTable:
    """A frame formatted for a client, as REPORT_STYLE asks (see the module notes).

    Parameters
    ----------
    frame : DataFrame
        The data; a named index becomes the first column, an unnamed one is left out.
    lang : str
        The report's language (labels, numbers, dates).
    currency : str, optional
        ISO code of money columns (the report's ``currency``).
    caption : str, optional
        The caption above the table (already in the report's language).
    percent, money, pp, counts : iterable of str
        Columns holding shares, amounts, percentage-point differences or counts, where the column
        registry does not already say so.
    formats : mapping, optional
        Column -> a kind of :data:`~kpikit.report.columns.KIND_SPECS` or a format spec of
        :mod:`kpikit.i18n` ("pct0", "money0", ...), overriding the rest.
    columns : iterable of str, optional
        The columns of the client view, in the frame's names (default: labels, verdicts and values
        with intervals, then the others, up to ``max_columns``).
    freq : str, optional
        The grain of period columns ("QS" writes "Q1 2025" for a quarter start).
    missing : mapping, optional
        Column -> catalogue key of what a missing value means there (``ui.not_reached`` for a
        median lifetime that more than half the customers have not reached); default a dash.
    max_columns : int
        The widest client view.

    Returns
    -------
    ClientTable
    """
    data = frame.reset_index() if any(n is not None for n in frame.index.names) else frame.reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    overrides = {"share": percent, "money": money, "pp": pp, "count": counts}
    kinds = _kinds(data, overrides, formats)
    numeric = {c for c, k in kinds.items() if k in _NUMERIC_KINDS}
    merged = interval_columns(list(data.columns), numeric)
    ends = {e for pair in merged.values() for e in pair}
    shown = [c for c in data.columns if c not in ends]
    order = _order(shown, kinds)
    level = int(round(100 * float(frame.attrs.get("level", 0.95))))
    cells: dict[str, list[str]] = {}
    source: dict[str, str] = {}
    unlabelled = []
    for c in order:
        text = _format_column(data[c], kinds[c], lang, currency, freq)
        if missing and c in missing:
            na = t(missing[c], lang)
            text = [na if pd.isna(v) else s for v, s in zip(data[c], text)]
        label = column_label(c, lang)
        if not has_key(f"column.{c}"):
            unlabelled.append(c)
        if c in merged:
            lo, hi = merged[c]
            low, high = (
                _interval_ends(data[lo], kinds[c], lang, currency),
                _interval_ends(data[hi], kinds[c], lang, currency),
            )
            if missing and c in missing:  # an open end: "15.0 (11.0–not reached)"
                na = t(missing[c], lang)
                low = [na if pd.isna(x) else s for x, s in zip(data[lo], low)]
                high = [na if pd.isna(x) else s for x, s in zip(data[hi], high)]
            text = [
                s if pd.isna(v) else _with_interval(s, a, b, x, y, lang)
                for v, s, a, b, x, y in zip(data[c], text, low, high, data[lo], data[hi])
            ]
            label = t("ui.with_interval", lang, label=label, level=str(level))
        while label in cells:  # two columns with one label: keep both, told apart by their names
            label = f"{label} ({c})"
        cells[label] = text
        source[label] = c
    table = pd.DataFrame(cells, columns=list(cells))
    if columns is not None:
        wanted = set(columns) | set(_lead(order, kinds))
        view_src = [c for c in order if c in wanted]
    else:
        view_src = _view(order, kinds, set(merged), max_columns)
    view = [lbl for lbl, src in source.items() if src in view_src]
    return ClientTable(data, table, kinds, view, caption, lang, unlabelled, source)


def _with_interval(value: str, low: str, high: str, raw_low: Any, raw_high: Any, lang: str) -> str:
    """A value with its interval, "5.7% (5.3–6.1)"; the value alone when an end is missing."""
    if value == MISSING or low == MISSING or high == MISSING:
        return value
    negative = (not pd.isna(raw_low) and float(raw_low) < 0) or (not pd.isna(raw_high) and float(raw_high) < 0)
    sep = f" {t('ui.interval_to', lang)} " if negative else "–"
    return f"{value} ({low}{sep}{high})"
