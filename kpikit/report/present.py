"""What a report shows: header, formatted tables, findings."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpikit.report.tables import ClientTable, client_table

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = ["show_findings", "table", "header", "Table"]


def show_findings(findings: Iterable[str], title: str = "Findings") -> None:
    """Display plain-words findings as a bulleted list; client strings are escaped, never run.

    Parameters
    ----------
    findings : iterable of str
        One sentence each (a domain's ``findings`` function writes them from the numbers).
    title : str
        The heading above the list.
    """
    from IPython.display import HTML, display

    items = "".join(f"<li>{html.escape(str(f))}</li>" for f in findings)
    display(HTML(f"<div class='kpikit-findings'><h3>{html.escape(title)}</h3><ul>{items}</ul></div>"))


class Table:
    """A formatted table for notebooks and HTML reports (what :func:`table` returns).

    Shows as escaped HTML in Jupyter and in the rendered report, and as aligned text (the same
    formatting) where only text is shown, so nbval compares meaningful, stable output.

    The HTML element's id is derived from the text the table shows (its caption and formatted cells,
    as ``repr`` writes them), not from the raw numbers: the last digits of a float, which differ across
    CPUs and libraries, change no id, so the same displayed table has the same id on every machine.

    Parameters
    ----------
    frame : DataFrame
        The data to show.
    formats : mapping
        Column -> format string (``"{:.1%}"``), applied to non-missing values.
    caption : str or None
        Caption above the table.
    hide_index : bool
        Leave the index out.
    """

    def __init__(self, frame: pd.DataFrame, formats: Mapping[str, Any], caption: str | None, hide_index: bool) -> None:
        self.frame = frame
        self.formats = dict(formats)
        self.caption = caption
        self.hide_index = hide_index

    def formatted(self) -> pd.DataFrame:
        """The frame with every formatted column as text (missing values as an en dash).

        Returns
        -------
        DataFrame
        """
        out = self.frame.copy()
        for c, f in self.formats.items():
            out[c] = [("–" if pd.isna(v) else f.format(v)) for v in self.frame[c]]
        return out

    def styler(self) -> Styler:
        """The pandas Styler behind the HTML (escaped, with a content-derived id so output is stable).

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        import hashlib

        # the id hashes the text the table shows (its repr: caption and formatted cells), so float
        # digits that no reader sees (and that differ across CPUs) cannot change it
        digest = hashlib.sha1(repr(self).encode("utf-8")).hexdigest()[:10]
        sty = self.frame.style.set_uuid(f"kk{digest}").format(self.formats, escape="html", na_rep="–")
        sty = sty.format_index(escape="html", axis=1)
        sty = sty.hide(axis="index") if self.hide_index else sty.format_index(escape="html", axis=0)
        if self.caption:
            sty = sty.set_caption(html.escape(self.caption))
        return sty

    def _repr_html_(self) -> str:
        return self.styler().to_html()

    def __repr__(self) -> str:
        text = self.formatted().to_string(index=not self.hide_index)
        return f"{self.caption}\n{text}" if self.caption else text

    def to_html(self) -> str:
        """The HTML of the table.

        Returns
        -------
        str
        """
        return self._repr_html_()


def table(
    frame: pd.DataFrame,
    percent: Iterable[str] = (),
    decimals: int = 1,
    caption: str | None = None,
    hide_index: bool = True,
    *,
    lang: str | None = None,
    currency: str | None = None,
    **options: Any,
) -> Table | ClientTable:
    """A readable table: percentages formatted, numbers with separators, dates as dates, text escaped.

    With ``lang`` (what ``rep.table`` passes), the table is a client table
    (:func:`kpikit.report.tables.client_table`): catalogue labels, value and interval in one cell,
    money in the report's currency, numbers and dates by the language's locale, no True/False/NaN, at
    most about 8 columns in view. Without it, the plain formatting of the notebooks not yet built on
    ``kk.report.start`` (code names as headers; their committed outputs stay as they are).

    Parameters
    ----------
    frame : DataFrame
        The data to show.
    percent : iterable of str
        Columns holding fractions, shown as percentages with ``decimals`` places.
    decimals : int
        Decimal places of percentages (floats get at least two).
    caption : str, optional
        Caption above the table.
    hide_index : bool
        Leave the index out (tidy frames carry their keys as columns).
    lang : str, optional
        The report's language: gives a client table.
    currency : str, optional
        The currency of money columns (client tables).
    **options
        Passed to :func:`~kpikit.report.tables.client_table` (``money``, ``pp``, ``columns``, ``freq``, ...).

    Returns
    -------
    Table or ClientTable
        Shown as escaped HTML in Jupyter and in reports: a landing page named ``<script>`` shows as
        text.
    """
    if lang is not None:
        return client_table(frame, lang=lang, currency=currency, caption=caption, percent=percent, **options)
    if options or currency is not None:
        raise TypeError(
            f"table() got client-table options without lang: {', '.join([*options, *(['currency'] if currency else [])])}"
        )
    percent = [c for c in percent if c in frame.columns]
    fmt: dict[str, Any] = dict.fromkeys(percent, f"{{:.{decimals}%}}")
    for c in frame.columns:
        if c in fmt:
            continue
        col = frame[c]
        if pd.api.types.is_bool_dtype(col):
            continue
        if pd.api.types.is_float_dtype(col):
            fmt[c] = f"{{:,.{max(decimals, 2)}f}}"
        elif pd.api.types.is_integer_dtype(col):
            fmt[c] = "{:,}"
        elif pd.api.types.is_datetime64_any_dtype(col):
            midnight = col.dropna().dt.normalize().eq(col.dropna()).all()
            fmt[c] = "{:%Y-%m-%d}" if midnight else "{:%Y-%m-%d %H:%M}"
    return Table(frame, fmt, caption, hide_index)


def header(title: str, client: str, period: str | None = None, parameters: Mapping[str, Any] | None = None) -> None:
    """Display the report's title block: title, client, data period and generation details.

    Every string is escaped. Generation details are the kpikit version and the parameters, never the
    wall-clock time (reports are reproducible).

    Parameters
    ----------
    title : str
        The report's title.
    client : str
        The client's name.
    period : str, optional
        The data period as text (:func:`kpikit.report.data_period`).
    parameters : mapping, optional
        The parameters the report ran with (:func:`kpikit.report.check_parameters` returns them).
    """
    from IPython.display import HTML, display

    from kpikit import __version__

    bits = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='kpikit-client'><strong>Client:</strong> {html.escape(client)}",
    ]
    if period:
        bits.append(f" &middot; <strong>Data period:</strong> {html.escape(period)}")
    bits.append("</p>")
    details = f"kpikit {html.escape(__version__)}"
    if parameters:
        details += "; parameters: " + ", ".join(
            f"{html.escape(str(k))}={html.escape(repr(v))}" for k, v in parameters.items()
        )
    bits.append(f"<p class='kpikit-generated'><small>Generated by {details}</small></p>")
    display(HTML("".join(bits)))
