"""The ``Report`` object a notebook builds while it runs: ``rep = kk.report.start(name, globals())``.

``start`` checks the parameters, reads the data folder, stops on a missing required table, shows the
title block and a summary placeholder. The sections then record KPIs (``rep.kpi``), findings
(``rep.findings``), cards (``rep.card``) and client tables (``rep.table``); ``rep.finish()`` records
the KPI JSON, writes the consultant appendix and the Excel workbook, and fills the summary in place.
See docs/reports.md.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.i18n import Finding, by_impact, format_count, format_date, format_month, format_period, language, t, term
from kpikit.report.kpiformat import figure, format_kpi, kpi_label
from kpikit.report.kpis import KPI_MIME, to_jsonable
from kpikit.report.loading import ReportTables, _check_required, _read
from kpikit.report.notebooks import NotebookSpec, notebook_spec
from kpikit.report.params import check_parameters, parameter_help, parameter_spec
from kpikit.report.registry import kpi_spec
from kpikit.report.summary import Card, appendix_html, findings_html, placeholder_html, summary_html, title_block
from kpikit.report.tables import ClientTable, client_table

__all__ = ["Report", "ReportTables", "start", "SUMMARY_MIME", "MAX_CARDS", "SUMMARY_FINDINGS"]

#: MIME type of the summary's JSON (cards and ranked findings), beside its HTML.
SUMMARY_MIME = "application/vnd.kpikit.summary+json"
#: At most this many KPI cards in a summary.
MAX_CARDS = 6
#: The summary shows this many findings, highest impact first.
SUMMARY_FINDINGS = 5


def _joined(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t('ui.and', lang)} " + items[-1]


def _file_hash(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:16]


def _hash_text(row: pd.Series, path: Path) -> str:
    """A loaded table's content hash: its one file's, else the health row's own (a lazy table's parts), else ""."""
    if path.is_file():
        return _file_hash(path)
    given = row.get("hash")
    return str(given) if isinstance(given, str) else ""


def _param_text(value: Any, lang: str) -> str:
    if value is None:
        return t("ui.none", lang)
    if isinstance(value, bool):
        return t("ui.badge_yes", lang) if value else t("ui.badge_no", lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or t("ui.none", lang)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or t("ui.none", lang)
    return str(value)


class Report:
    """A report being built by its notebook (what :func:`start` returns).

    Parameters
    ----------
    spec : NotebookSpec
        The notebook's declaration.
    parameters : mapping
        The checked parameter values (``lang``, ``client``, ``currency`` are read when declared).
    tables : mapping
        What :func:`kpikit.io.read_folder` returned (with its ``health`` frame), or
        :func:`kpikit.io.lazy.open_folder` for a notebook with an ``engine`` parameter: its events may
        then be an Ibis table, read by aggregates only (the data period, the appendix's rows).
    data_dir : str
        The data folder (for the files' content hashes).
    help : mapping, optional
        Parameter name -> its meaning (the parameters cell's comments), for the appendix.
    defaults : mapping, optional
        Parameter name -> its declared default (the render command in the appendix names the others).
    """

    def __init__(
        self,
        spec: NotebookSpec,
        parameters: Mapping[str, Any],
        tables: Mapping[str, pd.DataFrame],
        data_dir: str,
        help: Mapping[str, str] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        self.parameters = dict(parameters)
        self.lang = str(self.parameters.get("lang", "en"))
        language(self.lang)  # an unknown language stops here, listing the available ones
        self.client = self.parameters.get("client")
        self.currency = self.parameters.get("currency")
        self.data_dir = data_dir
        self.help = dict(help or {})
        self.defaults = dict(defaults or {})
        self.health = getattr(tables, "health", None)
        self.problems = dict(getattr(tables, "problems", {}))
        notes = {name: self._missing_note(name) for name in spec.optional if name not in tables}
        self.tables = ReportTables(tables, notes, spec.tables)
        self._kpis: dict[str, Any] = {}
        self._periods: dict[str, str] = {}
        self._changes: dict[str, dict] = {}
        self._findings: list[tuple[Finding, str]] = []
        self._cards: list[str] = []
        self._tables: list[tuple[str, ClientTable]] = []

    @property
    def summary_id(self) -> str:
        """The display id of the summary placeholder."""
        return f"kpikit-summary-{self.spec.name}"

    def _missing_note(self, name: str) -> str:
        sections = _joined([t(key, self.lang) for key in dict.fromkeys(self.spec.optional[name])], self.lang)
        key = "ui.invalid_table" if name in self.problems else "ui.missing_table"
        return t(key, self.lang, table=t(f"table.{name}", self.lang), sections=sections)

    def text(self, key: str, **fields: Any) -> str:
        """A text of this notebook from the catalogue (``notebook.<name>.<key>``), in the report's language.

        Parameters
        ----------
        key : str
            The key under the notebook (``caption.mrr_bridge``, ``chart.churn_trend``).
        **fields
            Values of its placeholders (numbers are formatted for the language).

        Returns
        -------
        str
        """
        return t(f"notebook.{self.spec.name}.{key}", self.lang, currency=self.currency, **fields)

    @property
    def data_period(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last day of the required tables' main time columns, or None without dated rows."""
        from kpikit.schemas import TABLES

        if "_data_period" in self.__dict__:
            return self._data_period
        lows, highs = [], []
        # the required tables' span; a notebook that requires none (notebook 00) spans every table read
        for name in {n for g in self.spec.required for n in g} or set(self.tables):
            span = _time_span(self.tables.get(name), TABLES[name].time_column)
            if span is not None:
                lows.append(span[0])
                highs.append(span[1])
        self._data_period = (min(lows), max(highs)) if lows else None
        return self._data_period

    def period_text(self, period: Any) -> str:
        """A period in the report's language: "Q1 2025", "Jun 2025", "Jul 2024 – Jul 2025".

        Parameters
        ----------
        period : Any
            A (start, end) pair, a date or Timestamp (its month), a pandas Period, text pandas reads as
            a period ("2025Q1"), other text as it is, or None ("").

        Returns
        -------
        str
        """
        if period is None:
            return ""
        if isinstance(period, tuple) and len(period) == 2:
            a, b = (self.period_text(p) for p in period)
            return a if a == b else t("ui.period_range", self.lang, start=a, end=b)
        if isinstance(period, str):
            try:
                return format_period(pd.Period(period), self.lang)
            except ValueError:
                return period
        if isinstance(period, pd.Period):
            return format_period(period, self.lang)
        return format_month(period, self.lang)

    def _default_period(self, name: str) -> str:
        if kpi_spec(name).period in ("data", "analysis") and self.data_period is not None:
            return self.period_text(self.data_period)
        return ""

    def kpi(self, name: str, value: Any, change: Any = None, period: Any = None) -> Any:
        """Record a KPI (the order of calls is the order in kpis.json).

        Parameters
        ----------
        name : str
            Its registry name (:data:`kpikit.report.registry.KPIS`), declared in the notebook's spec.
        value : Any
            A Rate, Score, number, text, or a mapping segment -> value.
        change : Any, optional
            Its change against the previous period: a number (in the KPI's unit; a share's in
            fractions, shown as pp), or a comparison with ``difference`` and ``p_value``/``q_value``
            (or an interval). A card marks the direction only when the change is significant (for an
            exact figure such as MRR, any change is).
        period : Any, optional
            The period it covers (see :meth:`period_text`); default the data period for KPIs of the
            data or analysis period.

        Returns
        -------
        Any
            ``value``, unchanged.
        """
        kpi_spec(name)
        if name not in self.spec.kpis:
            raise ValueError(f"{self.spec.name} does not declare the KPI {name!r}; add it to its NOTEBOOKS entry.")
        self._kpis[name] = value
        self._periods[name] = self.period_text(period) if period is not None else self._default_period(name)
        if change is not None:
            self._changes[name] = _change(change)
        return value

    def finding(self, text: str, impact: float | None = None) -> None:
        """Record one finding; see :meth:`findings`.

        Parameters
        ----------
        text : str
            A :class:`~kpikit.i18n.Finding` (translatable), or a plain English sentence (English reports only).
        impact : float, optional
            Its business impact (overrides the finding's own).
        """
        if not isinstance(text, Finding):
            escaped = str(text).replace("{", "{{").replace("}", "}}")
            text = Finding(escaped, impact=impact)
        elif impact is not None:
            text = Finding(text.template, text.fields, impact, text.currency)
        written = text.text(self.lang, currency=self.currency)  # a missing translation stops here, in its section
        self._findings.append((text, written))

    def model(self, name: str, fitted: Any) -> bool:
        """Record whether a fitted model is identified by the data; if not, say so here and in the findings.

        A model whose parameters the data do not pin down (see ``kpikit.stats.MaximumLikelihood``) must not
        be read as evidence: its verdict is shown as a caveat where the model is, and recorded as a finding.

        Parameters
        ----------
        name : str
            The model's KPI prefix: records ``<name>_identified`` (a registry KPI).
        fitted : MaximumLikelihood
            The fitted model (``identified_`` and ``verdict()``).

        Returns
        -------
        bool
            Whether the model is identified.
        """
        identified = bool(fitted.identified_)
        self.kpi(f"{name}_identified", identified)
        if not identified:
            from IPython.display import display

            verdict = fitted.verdict()
            self.finding(verdict)
            written = verdict.text(self.lang, currency=self.currency)
            display(
                {"text/html": f"<div class='kpikit-note'>{html.escape(written)}</div>", "text/plain": written}, raw=True
            )
        return identified

    def findings(self, items: Iterable[str], title: str | None = None, show: bool = True) -> None:
        """Record findings and show them as a list; the summary keeps the ones of highest impact.

        Parameters
        ----------
        items : iterable of str
            :class:`~kpikit.i18n.Finding` objects (a domain's ``findings`` function returns them).
        title : str, optional
            The list's heading (default: the catalogue's "Findings"; "" for none).
        show : bool
            Display the list here.
        """
        start = len(self._findings)
        for item in items:
            self.finding(item)
        if show:
            from IPython.display import display

            written = [w for _, w in self._findings[start:]]
            heading = t("ui.findings", self.lang) if title is None else title
            text = "\n".join([heading] * bool(heading) + [f"- {w}" for w in written])
            display({"text/html": findings_html(written, self.lang, heading or None), "text/plain": text}, raw=True)

    def card(self, *names: str) -> None:
        """Put recorded KPIs on the summary's cards, in this order (3 to 6 per report).

        A card whose KPI is not recorded by :meth:`finish` (its section was skipped) is left out.

        Parameters
        ----------
        *names : str
            KPI names of the registry.
        """
        for name in names:
            kpi_spec(name)
            if name not in self._cards:
                self._cards.append(name)
        if len(self._cards) > MAX_CARDS:
            raise ValueError(f"a summary holds at most {MAX_CARDS} cards; got {', '.join(self._cards)}")

    def table(
        self, frame: pd.DataFrame, caption: str | None = None, sheet: str | None = None, **options: Any
    ) -> ClientTable:
        """Show a client table (:func:`kpikit.report.tables.client_table`) and keep it for the workbook.

        Parameters
        ----------
        frame : DataFrame
            The data.
        caption : str, optional
            Its caption, in the report's language.
        sheet : str, optional
            Its sheet name in the Excel workbook (default: the caption, else "Table N").
        **options
            Passed to :func:`~kpikit.report.tables.client_table` (``percent``, ``money``, ``columns``,
            ``freq``, ``missing``, ...).

        Returns
        -------
        ClientTable
        """
        table = client_table(frame, lang=self.lang, currency=self.currency, caption=caption, **options)
        name = sheet or caption or f"{t('ui.table', self.lang)} {len(self._tables) + 1}"
        self._tables.append((name, table))
        return table

    def show_kpis(self, *names: str, caption: str | None = None) -> ClientTable:
        """A table of recorded KPIs: label, value with its interval, period.

        Parameters
        ----------
        *names : str
            The KPIs to show (default: every one recorded so far).
        caption : str, optional
            The caption.

        Returns
        -------
        ClientTable
        """
        names = names or tuple(self._kpis)
        rows = [
            {
                "kpi": kpi_label(n, self.lang),
                "value": format_kpi(n, self._kpis[n], self.lang, self.currency),
                "kpi_period": self._periods.get(n, ""),
            }
            for n in names
            if n in self._kpis
        ]
        frame = pd.DataFrame(rows, columns=["kpi", "value", "kpi_period"])
        formats = dict.fromkeys(frame.columns, "verdict")  # text as written, kit terms translated
        return client_table(frame, lang=self.lang, currency=self.currency, caption=caption, formats=formats)

    def cards(self) -> list[Card]:
        """The summary's cards, from the KPIs recorded so far.

        Returns
        -------
        list of Card
        """
        out = []
        for name in self._cards:
            if name not in self._kpis:
                continue
            entry = kpi_spec(name)
            data = to_jsonable(self._kpis[name])
            value, interval = figure(data, entry.format, self.lang, self.currency)
            if entry.unit == "money" and isinstance(data, (int, float)) and abs(data) >= 1000:
                value = figure(data, "money0", self.lang, self.currency)[0]
            level = int(round(100 * float(data.get("level", 0.95)))) if isinstance(data, Mapping) else 95
            interval = t("ui.card_interval", self.lang, level=str(level), interval=interval) if interval else ""
            change, mark, good = _change_parts(self._changes.get(name), entry, bool(interval), self.lang, self.currency)
            out.append(
                Card(name, kpi_label(name, self.lang), value, interval, change, mark, good, self._periods.get(name, ""))
            )
        return out

    def finish(self) -> dict:
        """Record the KPIs, write the appendix and the workbook, and fill the summary under the title.

        Returns
        -------
        dict
            The KPIs as JSON (what ``kpikit render`` writes to ``NN_name.kpis.json``).
        """
        from IPython.display import display, update_display

        from kpikit import __version__
        from kpikit.report.excel import XLSX_MIME, workbook_bytes

        data = to_jsonable(dict(self._kpis))
        json.dumps(data, allow_nan=False)  # fail here, in the notebook, not in the renderer
        cards = self.cards()
        top = by_impact([f for f, _ in self._findings], SUMMARY_FINDINGS)
        written = [next(w for f, w in self._findings if f is item) for item in top]
        html_summary, text_summary = summary_html(cards, written, self.lang)
        summary_json = {"lang": self.lang, "cards": [c.as_dict() for c in cards], "findings": written}
        update_display(
            {"text/html": html_summary, "text/plain": text_summary, SUMMARY_MIME: summary_json},
            raw=True,
            display_id=self.summary_id,
        )
        bundle: dict[str, Any] = {KPI_MIME: data}
        workbook = None
        if self._tables:
            bundle[XLSX_MIME] = base64.b64encode(workbook_bytes(self._tables)).decode("ascii")
            workbook = t("ui.workbook", self.lang, n=len(self._tables), name=f"{self.spec.name}.xlsx")
        html_app, text_app = appendix_html(
            self._parameter_rows(),
            self._file_rows(),
            list(self.tables.notes.values()),
            self._command(),
            __version__,
            workbook,
            self.lang,
        )
        bundle.update({"text/html": html_app, "text/plain": text_app})
        display(bundle, raw=True)
        return data

    def _parameter_rows(self) -> list[tuple[str, str, str]]:
        return [(n, _param_text(v, self.lang), self.help.get(n, "")) for n, v in self.parameters.items()]

    def _file_rows(self) -> list[dict[str, str]]:
        rows = []
        health = self.health if self.health is not None else pd.DataFrame(columns=["table", "file", "status"])
        for _, h in health.iterrows():
            ok = h["status"] == "ok"
            dates = ""
            if ok and not pd.isna(h.get("date_from")):
                dates = t(
                    "ui.period_range",
                    self.lang,
                    start=format_date(h["date_from"], self.lang),
                    end=format_date(h["date_to"], self.lang),
                )
            path = Path(self.data_dir) / str(h["file"])
            rows.append(
                {
                    "table": t(f"table.{h['table']}", self.lang),
                    "file": str(h["file"]),
                    "rows": format_count(h["rows"], self.lang) if ok else "",
                    "dates": dates,
                    "hash": _hash_text(h, path) if ok else "",
                    "status": term(h["status"], self.lang),
                }
            )
        return rows

    def _command(self) -> str:
        parts = ["kpikit", "render", f"notebooks/{self.spec.name}.ipynb"]
        for name, value in self.parameters.items():
            if name not in ("data_dir", "client") and name in self.defaults and self.defaults[name] == value:
                continue
            text = json.dumps(value) if isinstance(value, (list, dict)) else ("None" if value is None else str(value))
            parts += ["-p", name, text]
        return " ".join(shlex.quote(p) for p in parts)


def _time_span(frame: Any, col: str | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last value of a table's time column, or None without one; a lazy table's from one aggregate."""
    from kpikit.io.lazy import collect, is_lazy

    if frame is None or not col or col not in frame.columns:
        return None
    if is_lazy(frame):
        found = collect(frame.aggregate(lo=frame[col].min(), hi=frame[col].max())).iloc[0]
        return None if pd.isna(found["lo"]) else (pd.Timestamp(found["lo"]), pd.Timestamp(found["hi"]))
    if not frame[col].notna().any():
        return None
    return frame[col].min(), frame[col].max()


def _change(change: Any) -> dict:
    """A change as {value, low, high, p, significant}."""
    if isinstance(change, (int, float)):
        return {"value": float(change), "significant": None}
    d = to_jsonable(change)
    if not isinstance(d, Mapping):
        raise ValueError(f"a KPI's change is a number or a comparison, not {type(change).__name__}")

    def pick(*keys: str) -> float | None:
        return next((float(d[k]) for k in keys if isinstance(d.get(k), (int, float))), None)

    value = pick("difference", "change", "value")
    if value is None:
        raise ValueError("a KPI's change needs a 'difference', 'change' or 'value'")
    low, high, p = (
        pick("ci_low", "change_low", "low"),
        pick("ci_high", "change_high", "high"),
        pick("q_value", "p_value"),
    )
    significant = (
        p < 0.05 if p is not None else ((low > 0 or high < 0) if low is not None and high is not None else None)
    )
    return {"value": value, "low": low, "high": high, "p": p, "significant": significant}


def _change_parts(
    change: dict | None, entry: Any, estimated: bool, lang: str, currency: str | None
) -> tuple[str, str | None, bool | None]:
    """(text, mark, good) of a card's change; the mark only when the change is significant."""
    from kpikit.i18n import format_money, format_pp, format_signed

    if change is None:
        return "", None, None
    x = change["value"]
    if entry.unit == "share":
        text = format_pp(x, lang)
    elif entry.unit == "money":
        text = ("-" if x < 0 else "+") + format_money(abs(x), currency, lang)
    else:
        text = format_signed(x, lang, 0 if entry.unit == "count" else 1)
    significant = change["significant"] if change["significant"] is not None else (not estimated and x != 0)
    key = "ui.change_vs_previous" if significant or change["significant"] is None else "ui.change_not_significant"
    text = t(key, lang, change=text)
    if not significant or x == 0:
        return text, None, None
    mark = "up" if x > 0 else "down"
    good = None if entry.direction == "neither" else (x > 0) == (entry.direction == "higher")
    return text, mark, good


def start(notebook: str, namespace: Mapping[str, Any]) -> Report:
    """Start a report: check parameters, read the data, show the title block and the summary placeholder.

    Call it in the cell after the parameters cell (tag that cell ``setup``)::

        rep = kk.report.start("03_churn_and_renewal", globals())

    Parameters
    ----------
    notebook : str
        The notebook's stem or file name (it runs in its own folder).
    namespace : mapping
        The notebook's variables (``globals()``): the declared parameters, ``data_dir`` and
        ``mapping_file`` among them; ``lang`` (default "en"), ``client`` and ``currency`` when declared.

    Returns
    -------
    Report

    Raises
    ------
    ParameterError
        For parameters that do not match the parameters cell.
    KpiDataError
        When a required table is missing or invalid (naming it and what to provide), or the data
        folder cannot be read.
    """
    from IPython.display import display

    from kpikit.plots.style import set_language, use_style

    spec = notebook_spec(notebook)
    path = f"{spec.name}.ipynb"
    params = check_parameters(path, namespace)
    if "data_dir" not in params:
        raise ValueError(f"{path}: the parameters cell must declare data_dir (and mapping_file) for kk.report.start")
    declared = parameter_spec(path)
    # a notebook that nets refunds (refunds="net") reads negative amounts; it refuses them otherwise
    # a notebook that declares engine (01, 02) may open its events lazily; the others read into pandas
    engine = params.get("engine", "auto") if "engine" in params else None
    tables = _read(spec, params["data_dir"], params.get("mapping_file"), params.get("refunds") == "net", engine)
    _check_required(spec, tables, params["data_dir"])
    rep = Report(
        spec,
        params,
        tables,
        params["data_dir"],
        parameter_help(declared, spec.name, str(params.get("lang", "en"))),
        {n: p.default for n, p in declared.items()},
    )
    use_style()
    set_language(rep.lang)  # the kit's own chart words (axis labels, legends, month ticks) in the report's language
    period = rep.period_text(rep.data_period) if rep.data_period else None
    question = t(spec.question, rep.lang)
    meta = " · ".join(str(x) for x in (rep.client, period) if x)
    display(
        {"text/html": title_block(question, rep.client, period, rep.lang), "text/plain": f"{question}\n{meta}"},
        raw=True,
    )
    pending = {"text/html": placeholder_html(rep.lang), "text/plain": t("ui.summary_pending", rep.lang)}
    display(pending, raw=True, display_id=rep.summary_id)
    return rep
