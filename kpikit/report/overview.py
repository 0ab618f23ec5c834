"""Notebook 00's overview: what a data folder holds, what was repaired, which reports it can feed, a KPI snapshot.

- :func:`health_table`: one row per canonical table, in the report's language: loaded, not provided or
  could not be used (and why), rows, dates, empty cells, and what was repaired while reading
  (:func:`repairs`, from the tables' ``attrs``: duplicate and totals rows dropped, ID spaces stripped,
  placeholders read as empty, far-future end dates read as still active, ...).
- :func:`coverage`: which analysis reports the folder can feed, from the notebooks' specs
  (:data:`kpikit.report.notebooks.NOTEBOOKS`): "ready" only when a table of each required group loaded
  and every optional table did; "ready, with notes" naming the optional tables that did not load and the
  sections they will skip; "cannot run" naming the required table that is missing or could not be used.
  By the same rule as ``kk.report.start``, so a report said to be ready starts.
- :func:`health_findings`: the same in sentences (:class:`~kpikit.i18n.Finding`), with their impact.
- :func:`snapshot`: headline KPIs, each from the kpikit function that owns its definition;
  :func:`computed_here`: the figures notebook 05 places within published ones when no report recorded them.

Any table may be a lazy Ibis table (``kk.io.lazy.open_folder`` opens a big events table so): its rows
and dates are asked of its backend in one aggregate, its sessions built there
(:func:`kpikit.web.sessions_from_events`), and only small tables come back; the health figures come
from the health table, whose row for a lazy table DuckDB computed (:mod:`kpikit.io.lazy_health`).

**Impact** (the order of the summary's findings) is counted in *reports affected*: each report that cannot
run because of a table counts 1, each report that skips sections because of it 0.1. The overall coverage
finding carries the total over the reports, so it leads when anything is missing; repairs affect no report
(impact 0); the description of what loaded has no impact and comes last.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import Finding, format_date, t
from kpikit.io.lazy import collect, is_lazy
from kpikit.report.repairs import repairs

__all__ = [
    "Snapshot",
    "snapshot",
    "computed_here",
    "data_period",
    "folder_figures",
    "repairs",
    "health_table",
    "coverage",
    "health_findings",
    "READY",
    "READY_WITH_NOTES",
    "CANNOT_RUN",
]

#: The statuses of :func:`coverage` (category values the catalogue translates as terms).
READY, READY_WITH_NOTES, CANNOT_RUN = "ready", "ready, with notes", "cannot run"

_NB = "notebook.00_data_overview"

#: Weight of a report that skips sections, against 1 for a report that cannot run (see the impact notes).
_SKIP_WEIGHT = 0.1


class _Words:
    """Catalogue texts joined with "and" (or "or") in the language a finding is written in.

    A finding field that writes itself in the finding's language (as a nested Finding does): a table's or
    a report's name comes from the catalogue, never from the English text.
    """

    def __init__(self, keys: Sequence[str], joiner: str = "ui.and", quoted: bool = False) -> None:
        self.keys = list(keys)
        self.joiner = joiner
        self.quoted = quoted
        self.template = " | ".join(self.keys)

    def text(self, lang: str = "en", currency: str | None = None, strict: bool = True) -> str:
        words = [t(k, lang) for k in self.keys]
        return _join([f"\u201c{w}\u201d" for w in words] if self.quoted else words, lang, self.joiner)

    def __repr__(self) -> str:
        return f"_Words({self.keys!r})"


def _join(items: Sequence[str], lang: str, joiner: str = "ui.and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t(joiner, lang)} " + items[-1]


# ----------------------------------------------------------------------------------------------- snapshot


class Snapshot(dict):
    """The snapshot's KPIs: a dict KPI name -> value, in order, with what each covers and what was left out.

    ``periods`` maps a KPI to the period it covers; ``notes`` maps a part the data could not feed (web,
    leads, subscriptions, surveys) to the reason.
    """

    periods: dict[str, Any]
    notes: dict[str, str]

    def check(self) -> None:
        """Stop with the figures the data could not feed, if any (the report shows this as a note).

        Raises
        ------
        KpiDataError
            Naming each part left out and why.
        """
        if self.notes:
            parts = " ".join(f"{part}: {why}" for part, why in self.notes.items())
            raise KpiDataError(f"Some snapshot figures are left out because the data cannot feed them. {parts}")


def _last_complete(frame: pd.DataFrame, data_end: pd.Timestamp, freq: str) -> pd.Series | None:
    ends = frame["period"] + pd.tseries.frequencies.to_offset(freq)
    done = frame[ends <= data_end + pd.Timedelta(days=1)]
    return None if done.empty else done.iloc[-1]


def _span(values: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    values = values.dropna()
    return (values.min(), values.max()) if len(values) else None


def _time_span(frame: Any, column: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last value of a table's column: a DataFrame's, or a lazy table's from one aggregate."""
    if not is_lazy(frame):
        return _span(frame[column])
    found = collect(frame.aggregate(lo=frame[column].min(), hi=frame[column].max())).iloc[0]
    return None if pd.isna(found["lo"]) else (pd.Timestamp(found["lo"]), pd.Timestamp(found["hi"]))


def _has_rows(frame: Any) -> bool:
    """Whether a table has a row (a lazy table is asked for one row, never counted)."""
    if frame is None:
        return False
    if is_lazy(frame):
        return len(collect(frame.select(frame.columns[0]).limit(1))) > 0
    return len(frame) > 0


def _in_memory(tables: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables read into pandas: only they carry what their reader repaired (``attrs``)."""
    return {name: tables[name] for name in tables if isinstance(tables[name], pd.DataFrame)}


def _web(tables: Mapping[str, pd.DataFrame], out: Snapshot, level: float) -> None:
    from kpikit import web

    sessions, when = tables.get("sessions"), None
    if _has_rows(sessions):
        when = _time_span(sessions, "start")
    elif _has_rows(tables.get("events")):
        # a lazy events table is sessionised by its backend; the headline's counts come back
        sessions = web.sessions_from_events(tables["events"])
        when = _time_span(tables["events"], "timestamp")
    else:
        return
    h = web.headline(sessions, level=level)
    names = [("sessions", "sessions"), ("bounce_rate", "bounce_rate"), ("session_conversion_rate", "conversion_rate")]
    for name, key in names:
        if key in h:
            out[name], out.periods[name] = h[key], when


def _leads(tables: Mapping[str, pd.DataFrame], out: Snapshot, level: float) -> None:
    from kpikit import funnel

    leads = tables.get("leads")
    if not _has_rows(leads):
        return
    ltc = funnel.lead_to_customer_rate(leads, level=level)
    when = _time_span(leads, "created_at")
    out["leads"], out["lead_to_customer_rate"] = ltc.trials, ltc
    out.periods.update(leads=when, lead_to_customer_rate=when)


def _subscriptions(tables: Mapping[str, pd.DataFrame], out: Snapshot, level: float, freq: str) -> None:
    from kpikit import subscriptions

    subs = tables.get("subscriptions")
    if not _has_rows(subs):
        return
    # The data's end is its latest start (kpikit.subscriptions' default as_of): later end dates are
    # scheduled cancellations, not yet churn.
    data_end = subs["start"].max()
    mrr = _last_complete(subscriptions.mrr(subs, freq=freq), data_end, freq)
    if mrr is not None:
        period = pd.Period(mrr["period"], freq=freq[0])
        out["mrr_period"] = mrr["period"]
        out["mrr"] = float(mrr["mrr"])
        out["paying_customers"] = int(mrr["customers"])
        out.periods.update(mrr=period, paying_customers=period)
    churn = _last_complete(subscriptions.customer_churn(subs, freq=freq, level=level), data_end, freq)
    if churn is not None and churn["at_risk"] > 0:
        out["logo_churn"] = subscriptions.churn_rate(subs, freq=freq, period=churn["period"], level=level)
        out.periods["logo_churn"] = pd.Period(churn["period"], freq=freq[0])


def _surveys(tables: Mapping[str, pd.DataFrame], out: Snapshot, level: float) -> None:
    from kpikit import satisfaction

    surveys = tables.get("surveys")
    if not _has_rows(surveys):
        return
    answers = surveys[surveys["kind"] == "nps"]
    if len(answers):
        out["nps"] = satisfaction.nps(answers["score"], level=level)
        out.periods["nps"] = _span(answers["timestamp"])


def snapshot(tables: Mapping[str, pd.DataFrame], freq: str = "MS", level: float = 0.95) -> Snapshot:
    """Headline KPIs of a client's data, each from its kpikit function, for the data overview.

    Computed where the tables allow: sessions, bounce rate and session conversion rate
    (:func:`kpikit.web.headline`, GA4 definition); leads and lead-to-customer rate
    (:func:`kpikit.funnel.lead_to_customer_rate`); MRR and paying customers at the end of the last complete
    period (:func:`kpikit.subscriptions.mrr`) and that period's logo churn
    (:func:`kpikit.subscriptions.churn_rate`, ChartMogul convention); NPS
    (:func:`kpikit.satisfaction.nps`). Rates are ``Rate``, NPS a ``Score``. A part the data cannot feed
    (a ``KpiDataError``: NPS answers on a 1-5 scale, sessions without what the bounce rate needs) is left
    out and named in ``notes``; the other parts are computed.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Canonical tables by name (:func:`kpikit.io.read_folder`, or a report's ``rep.tables``); sessions
        are built from events when only events are present.
    freq : str
        Period grain of MRR and churn ("MS" months, "QS" quarters).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Snapshot
        A dict KPI name -> value (ready for ``rep.kpi`` or :func:`record_kpis`), with ``periods`` (KPI
        name -> the period it covers: a (first, last) pair of dates, or the pandas Period of MRR and
        churn) and ``notes`` (part -> the data error that left it out).
    """
    out = Snapshot()
    out.periods, out.notes = {}, {}
    parts: list[tuple[str, Callable[[], None]]] = [
        ("web", lambda: _web(tables, out, level)),
        ("leads", lambda: _leads(tables, out, level)),
        ("subscriptions", lambda: _subscriptions(tables, out, level, freq)),
        ("surveys", lambda: _surveys(tables, out, level)),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for part, compute in parts:
            try:
                compute()
            except KpiDataError as e:
                out.notes[part] = str(e)
    return out


def computed_here(tables: Mapping[str, pd.DataFrame], bounce_definition: str = "ga4", level: float = 0.95) -> Snapshot:
    """The client's bounce rate, monthly churn and NPS computed from a folder's tables (notebook 05).

    Used only where no report of the client recorded the figure: the bounce rate (:func:`kpikit.web.headline`),
    the monthly customer churn rate (:func:`kpikit.subscriptions.churn_rate`, notebook 03's pooled rate), the
    NPS (:func:`kpikit.satisfaction.nps`). An absent table gives no figure; one that cannot feed it, a note.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Canonical tables by name (a report's ``rep.tables``).
    bounce_definition : {"ga4", "ua"}
        Bounce definition (UA needs sessions with ``single_interaction``).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Snapshot
        bounce_rate, monthly_churn_rate and nps where the data feed them, with ``periods`` (the (first,
        last) dates each covers) and ``notes``.
    """
    from kpikit import satisfaction, subscriptions, web

    out = Snapshot()
    out.periods, out.notes = {}, {}
    parts = {
        "bounce_rate": ("sessions", "start", None, lambda f: web.headline(f, bounce_definition, level)["bounce_rate"]),
        "monthly_churn_rate": ("subscriptions", "start", None, lambda f: subscriptions.churn_rate(f, level=level)),
        "nps": ("surveys", "timestamp", "nps", lambda f: satisfaction.nps(f["score"], level=level)),
    }
    for name, (table, when, kind, compute) in parts.items():
        frame = tables.get(table)
        frame = frame[frame["kind"] == kind] if frame is not None and kind is not None else frame
        if not _has_rows(frame):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[name], out.periods[name] = compute(frame), _time_span(frame, when)
        except KpiDataError as e:
            out.notes[name] = str(e)
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

    spans = [
        _time_span(f, TABLES[n].time_column)
        for n, f in tables.items()
        if n in TABLES and TABLES[n].time_column in f.columns
    ]
    lows, highs = [s[0] for s in spans if s], [s[1] for s in spans if s]
    if not lows:
        return "no dated rows"
    return f"{min(lows):%Y-%m-%d} to {max(highs):%Y-%m-%d}"


# ----------------------------------------------------------------------------------------------- health


def _usable(health: pd.DataFrame) -> pd.DataFrame:
    return health[(health["status"] == "ok") & (health["rows"].fillna(0) > 0)]


def folder_figures(health: pd.DataFrame) -> dict[str, Any]:
    """The figures of a folder's cards: tables loaded, rows read, the span of the dates and its months.

    Parameters
    ----------
    health : DataFrame
        The folder's health table (``rep.health``, ``read_folder(...).health`` or
        :func:`kpikit.io.folder_health`).

    Returns
    -------
    dict
        ``tables_loaded`` and ``rows_loaded`` (tables that loaded with rows), ``span`` (first and last date
        of their main time columns, or None) and ``months_covered`` (calendar months from the first to the
        last, both counted: 1 Jan 2024 to 30 Jun 2025 is 18; 0 without dates).

    Examples
    --------
    >>> h = pd.DataFrame({"status": ["ok", "ok", "missing"], "rows": [10, 5, None],
    ...                   "date_from": pd.to_datetime(["2024-01-03", "2024-03-01", None]),
    ...                   "date_to": pd.to_datetime(["2025-06-30", "2024-04-02", None])})
    >>> f = folder_figures(h)
    >>> f["tables_loaded"], f["rows_loaded"], f["months_covered"]
    (2, 15, 18)
    """
    ok = _usable(health)
    lows, highs = ok["date_from"].dropna(), ok["date_to"].dropna()
    span = (lows.min(), highs.max()) if len(lows) and len(highs) else None
    months = 0 if span is None else (span[1].year - span[0].year) * 12 + span[1].month - span[0].month + 1
    return {"tables_loaded": len(ok), "rows_loaded": int(ok["rows"].sum()), "span": span, "months_covered": int(months)}


def _repair_summary(found: pd.DataFrame, lang: str) -> str:
    """One table's repairs in a few words: "duplicate rows dropped: 3; IDs with spaces stripped: 3,298"."""
    counts = found.groupby("kind", sort=False)["count"].sum()
    return "; ".join(t(f"{_NB}.repair.{kind}", lang, n=int(n)) for kind, n in counts.items())


def health_table(
    health: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None, lang: str = "en"
) -> pd.DataFrame:
    """The folder's health for a client table: one row per canonical table, in the report's language.

    Parameters
    ----------
    health : DataFrame
        The folder's health table (``rep.health`` or ``read_folder(...).health``).
    tables : mapping of str to DataFrame, optional
        The tables that loaded, for what was repaired in each (their ``attrs``, :func:`repairs`).
    lang : str
        The report's language (table names, dates, repairs).

    Returns
    -------
    DataFrame
        table (its name in the language), status (``ok``, ``missing``, ``invalid``: the catalogue's terms
        "loaded", "not provided", "could not be used"), file, rows, date_range, empty_cells, repairs_made
        (what was repaired, in words), load_problem (why the table could not be used: the reader's
        message, naming the file, the column, the rows and the fix) and repair_details (the reader's own
        sentences on each repair, for the consultant).
    """
    found = repairs(_in_memory(tables or {}))
    out = []
    for _, h in health.iterrows():
        ok = h["status"] == "ok"
        mine = found[found["table"] == h["table"]]
        dates = ""
        if ok and not pd.isna(h["date_from"]):
            start, end = format_date(h["date_from"], lang), format_date(h["date_to"], lang)
            dates = start if start == end else t("ui.period_range", lang, start=start, end=end)
        out.append(
            {
                "table": t(f"table.{h['table']}", lang),
                "status": h["status"],
                "file": h["file"] or "",
                "rows": h["rows"] if ok else pd.NA,
                "date_range": dates,
                "empty_cells": h["missing_values"] if ok else pd.NA,
                "repairs_made": _repair_summary(mine, lang) if len(mine) else "",
                "load_problem": "" if ok else (h["problem"] or ""),
                "repair_details": " ".join(mine["message"]) if len(mine) else (h["problem"] if ok else ""),
            }
        )
    frame = pd.DataFrame(out)
    for col in ("rows", "empty_cells"):
        frame[col] = frame[col].astype("Int64")
    return frame


# ----------------------------------------------------------------------------------------------- coverage


def _states(health: pd.DataFrame) -> dict[str, str]:
    """Each table's state: ok (loaded, with rows), missing or invalid."""
    usable = set(_usable(health)["table"])
    return {
        str(h["table"]): "ok" if h["table"] in usable else ("missing" if h["status"] == "missing" else "invalid")
        for _, h in health.iterrows()
    }


def _analysis_specs() -> dict[str, Any]:
    from kpikit.report.notebooks import NOTEBOOKS

    return {name: spec for name, spec in NOTEBOOKS.items() if spec.required}


def _why(tables: Sequence[str], states: Mapping[str, str], lang: str) -> str:
    """Why tables are not usable: "no events or sessions table", "the events table could not be used"."""
    missing = [x for x in tables if states.get(x, "missing") == "missing"]
    names = [t(f"table.{x}", lang) for x in missing]
    parts = [t(f"{_NB}.coverage.no_table", lang, table=_join(names, lang, f"{_NB}.coverage.or"))] if missing else []
    parts += [
        t(f"{_NB}.coverage.invalid_table", lang, table=t(f"table.{x}", lang))
        for x in tables
        if states.get(x) == "invalid"
    ]
    return "; ".join(parts)


def coverage(health: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Which analysis reports a folder can feed, from the notebooks' specs, in the report's language.

    A report is ``"cannot run"`` when one of its required groups has no table that loaded (named: missing
    or could not be used); ``"ready, with notes"`` when it can run but an optional table did not load
    (named, with the sections the report will skip); ``"ready"`` when every table it declares loaded.
    The rule is ``kk.report.start``'s: a table that failed its checks counts as not there.

    Parameters
    ----------
    health : DataFrame
        The folder's health table (``rep.health``, ``read_folder(...).health`` or
        :func:`kpikit.io.folder_health`).
    lang : str
        The report's language (titles, table names, sections).

    Returns
    -------
    DataFrame
        report_title (its number and title), readiness (:data:`READY`, :data:`READY_WITH_NOTES` or
        :data:`CANNOT_RUN`), reads_tables (the tables it will read), coverage_notes (what it lacks and, for
        an optional table, the sections skipped), notebook (its file stem).
    """
    states = _states(health)
    rows = []
    for name, spec in _analysis_specs().items():
        unmet = [g for g in spec.required if not any(states.get(x) == "ok" for x in g)]
        lacking = [x for x in spec.optional if states.get(x) != "ok"]
        if unmet:
            status, notes = CANNOT_RUN, "; ".join(_why(g, states, lang) for g in unmet)
        elif lacking:
            status = READY_WITH_NOTES
            notes = "; ".join(
                t(
                    f"{_NB}.coverage.skips",
                    lang,
                    why=_why([x], states, lang),
                    sections=_join([t(k, lang) for k in dict.fromkeys(spec.optional[x])], lang),
                )
                for x in lacking
            )
        else:
            status, notes = READY, ""
        uses = [t(f"table.{x}", lang) for x in spec.tables if states.get(x) == "ok"]
        rows.append(
            {
                "report_title": f"{name[:2]} {t(spec.title, lang)}",
                "readiness": status,
                "reads_tables": ", ".join(uses),
                "coverage_notes": notes,
                "notebook": name,
            }
        )
    return pd.DataFrame(rows, columns=["report_title", "readiness", "reads_tables", "coverage_notes", "notebook"])


def _affected(table: str, states: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The reports a table that did not load stops (required, no alternative loaded) and cuts (optional)."""
    blocked, cut = [], []
    for name, spec in _analysis_specs().items():
        if any(table in g and not any(states.get(x) == "ok" for x in g) for g in spec.required):
            blocked.append(name)
        elif table in spec.optional and all(any(states.get(x) == "ok" for x in g) for g in spec.required):
            cut.append(name)
    return blocked, cut


def _table_finding(table: str, state: str, blocked: list[str], cut: list[str]) -> Finding:
    """One table that did not load, with the reports it stops and those it cuts sections from."""
    name = _Words([f"table.{table}"])
    if state == "missing":
        problem = Finding("No {table} table in the data", {"table": name})
    else:
        problem = Finding("The {table} table could not be used (see the data health table)", {"table": name})
    fields = {
        "problem": problem,
        "blocked": _Words([f"notebook.{n}.title" for n in blocked], quoted=True),
        "cut": _Words([f"notebook.{n}.title" for n in cut], quoted=True),
    }
    impact = len(blocked) + _SKIP_WEIGHT * len(cut)
    if blocked and cut:
        return Finding("{problem}: {blocked} cannot run, and sections are skipped in {cut}.", fields, impact)
    if blocked:
        return Finding("{problem}: {blocked} cannot run.", fields, impact)
    return Finding("{problem}: sections are skipped in {cut}.", fields, impact)


def _coverage_finding(cov: pd.DataFrame) -> Finding:
    """How many reports the data can feed; its impact is the total over the reports (see the module notes)."""
    total = len(cov)
    blocked = int((cov["readiness"] == CANNOT_RUN).sum())
    noted = int((cov["readiness"] == READY_WITH_NOTES).sum())
    fields = {"ready": total - blocked, "total": total, "noted": noted}
    impact = blocked + _SKIP_WEIGHT * noted
    if blocked == total:
        return Finding("None of the {total:int} reports can run on this data.", fields, impact)
    if noted:
        return Finding(
            "{ready:int} of the {total:int} reports can run on this data, {noted:int} of them with sections skipped.",
            fields,
            impact,
        )
    if blocked:
        return Finding("{ready:int} of the {total:int} reports can run on this data, each in full.", fields, impact)
    return Finding("All {total:int} reports can run on this data, each in full.", fields, impact)


def _loaded_finding(health: pd.DataFrame) -> Finding:
    figures = folder_figures(health)
    fields = {"loaded": figures["tables_loaded"], "total": len(health), "rows": figures["rows_loaded"]}
    if figures["span"] is None:
        return Finding("{loaded:int} of {total:int} tables loaded and passed their checks: {rows:int} rows.", fields)
    fields.update(start=figures["span"][0], end=figures["span"][1])
    return Finding(
        "{loaded:int} of {total:int} tables loaded and passed their checks: {rows:int} rows, dated {start:month} "
        "to {end:month}.",
        fields,
    )


def _repairs_finding(health: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None) -> Finding:
    ok = _usable(health)
    if tables is not None:
        repaired = list(dict.fromkeys(repairs(_in_memory(tables))["table"]))
    else:
        repaired = [str(x) for x, problem in zip(ok["table"], ok["problem"]) if problem]
    if not repaired:
        return Finding("No table needed repairs while it was read.")
    fields = {"n": len(repaired), "loaded": len(ok), "tables": _Words([f"table.{x}" for x in repaired])}
    return Finding(
        "{n:int} of {loaded:int} tables needed repairs while they were read ({tables}); the data health table "
        "counts each one.",
        fields,
        0.0,
    )


def health_findings(health: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None) -> list[Finding]:
    """A folder's health in sentences: which reports it can feed, what stops the others, what was repaired.

    In order: how many reports can run (impact: the reports affected in all); each table that is missing
    or could not be used, with the reports it stops and those it cuts sections from (impact: reports
    stopped + 0.1 x reports cut; highest first; a table no runnable report uses is not a finding); the
    tables repaired while read (impact 0); what loaded, its rows and dates (no impact: a description).

    Parameters
    ----------
    health : DataFrame
        The folder's health table (``rep.health``, ``read_folder(...).health`` or
        :func:`kpikit.io.folder_health`): table, file, status (ok, missing, invalid), rows, date_from,
        date_to, problem.
    tables : mapping of str to DataFrame, optional
        The tables that loaded (their ``attrs`` say what was repaired, :func:`repairs`); without them, a
        table that loaded with a ``problem`` in the health table counts as repaired.

    Returns
    -------
    list of Finding
    """
    states = _states(health)
    cov = coverage(health)
    out = [_coverage_finding(cov)]
    lacking = []
    for name, state in states.items():
        if state != "ok":
            blocked, cut = _affected(name, states)
            if blocked or cut:
                lacking.append(_table_finding(name, state, blocked, cut))
    out += sorted(lacking, key=lambda f: -(f.impact or 0.0))
    return out + [_repairs_finding(health, tables), _loaded_finding(health)]
