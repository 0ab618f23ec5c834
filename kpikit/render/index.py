"""One index page for ``kpikit render`` and ``kpikit batch``, and the error page of a failed report.

Each report is one row: its client, notebook, status ("ok", "ok, with notes" with the notes,
"failed" with the notebook's own message and a link to its error page, "unchanged", "not run"), how
long it took, its title and question, its headline KPIs (the summary's cards, else its first business
figures from the KPI registry: "Gross revenue retention (GRR) 57.9%, Jul 2024 – Jul 2025") and links
to the files that exist (report, PDF, Excel workbook, KPIs, notebook). Rows are grouped by client,
under the client's name. The page has a viewport meta and reads on a 400 px phone (each row becomes a
card); every string is escaped and every link URL-quoted; it loads no script.

What a row shows comes from the report's files (:func:`read_report`): the three outputs make it "ok",
an error page newer than them "failed"; the executed notebook's ``metadata.kpikit`` adds its notes,
title, question, cards and duration (:func:`kpikit.render.outputs.report_meta`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kpikit.i18n import direction, t

__all__ = [
    "IndexEntry",
    "read_report",
    "report_status",
    "headline",
    "index_page",
    "page_language",
    "write_index",
    "error_page",
]

#: The columns of the reports table (catalogue ``index.col_<name>``).
_COLUMNS = ("client", "notebook", "status", "duration", "report", "detail", "files")
#: The CSS class of each status (the text may hold a comma and spaces).
STATUS_CLASS = {
    "ok": "ok",
    "ok, with notes": "notes",
    "failed": "failed",
    "unchanged": "unchanged",
    "not run": "notrun",
}


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def report_status(folder: Path, stem: str) -> str:
    """A report's status as its files show it: "ok", "failed" or "not run".

    The three outputs (``.html``, ``.ipynb``, ``.kpis.json``) make it ok; an error page newer than
    them (or alone) failed; anything else not run.

    Parameters
    ----------
    folder : Path
        The folder of the report's files.
    stem : str
        The notebook's stem.

    Returns
    -------
    str
    """
    folder = Path(folder)
    kpis_time = _mtime(folder / f"{stem}.kpis.json")
    complete = kpis_time is not None and all((folder / f"{stem}{ext}").is_file() for ext in (".html", ".ipynb"))
    error_time = _mtime(folder / f"{stem}.error.html")
    if error_time is not None and (not complete or error_time >= kpis_time):
        return "failed"
    return "ok" if complete else "not run"


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_report(folder: Path, stem: str) -> tuple[str, dict, dict]:
    """(status, record, KPIs) of a report from its files.

    The record is the executed notebook's ``metadata.kpikit`` (the failed notebook's for a failed
    report; empty for reports written before kpikit kept one); the status is "ok, with notes" when
    the record lists notes.

    Parameters
    ----------
    folder : Path
        The folder of the report's files.
    stem : str
        The notebook's stem.

    Returns
    -------
    tuple
        (status, record, KPIs).
    """
    folder = Path(folder)
    status = report_status(folder, stem)
    if status == "not run":
        return status, {}, {}
    notebook = _json(folder / (f"{stem}.failed.ipynb" if status == "failed" else f"{stem}.ipynb"))
    meta = (notebook or {}).get("metadata", {}).get("kpikit") if isinstance(notebook, Mapping) else None
    meta = dict(meta) if isinstance(meta, Mapping) else {}
    kpis: dict = {}
    if status == "ok":
        saved = _json(folder / f"{stem}.kpis.json")
        kpis = dict(saved.get("kpis") or {}) if isinstance(saved, Mapping) else {}
        if meta.get("notes"):
            status = "ok, with notes"
    return status, meta, kpis


def headline(meta: Mapping[str, Any], kpis: Mapping[str, Any], stem: str, n: int = 6) -> list[dict[str, str]]:
    """A report's headline KPIs: its summary cards, else its first business figures through the registry.

    Parameters
    ----------
    meta : mapping
        The report's record (its ``summary`` cards, ``lang``, ``currency``).
    kpis : mapping
        Its recorded KPIs.
    stem : str
        The notebook's stem (its declared KPIs come first).
    n : int
        At most this many.

    Returns
    -------
    list of dict
        ``name`` (the KPI), ``label``, ``value``, ``interval``, ``period`` (and ``change`` for a card), all text.
    """
    from kpikit.report import NOTEBOOKS
    from kpikit.report.kpiformat import headline_kpis

    cards = (meta.get("summary") or {}).get("cards") if isinstance(meta.get("summary"), Mapping) else None
    if cards:
        keys = ("name", "label", "value", "interval", "period", "change")
        return [{k: str(c.get(k) or "") for k in keys} for c in cards[:n] if isinstance(c, Mapping)]
    spec = NOTEBOOKS.get(stem)
    lang, currency = str(meta.get("lang") or "en"), meta.get("currency")
    found: list[dict[str, str]] = []
    for language in dict.fromkeys((lang, "en")):
        try:
            found = headline_kpis(kpis, spec.kpis if spec else (), language, currency, n)
            break
        except Exception:  # a language (or catalogue) without the labels: try English, then the names
            continue
    period = next((v for k in ("data_period", "period") if isinstance(v := kpis.get(k), str) and v), "")
    for item in found:
        item["period"] = period
    if found or not kpis:
        return found
    # KPIs outside the registry (a notebook of the client's own): name and value as recorded
    from kpikit.report import headline_items

    return [{"name": k, "label": k, "value": text, "interval": "", "period": ""} for k, text in headline_items(kpis, n)]


@dataclass
class IndexEntry:
    """One report of an index: where its files are, its status and what the row shows about it.

    ``folder`` is the folder of its files relative to the index ("" beside it); ``client`` the
    first column (the batch's client folder, or the client's name for ``kpikit render``).
    """

    folder: str
    client: str
    notebook: str
    status: str
    duration_s: float | None = None
    error: str = ""
    meta: dict = field(default_factory=dict)
    kpis: dict = field(default_factory=dict)

    @property
    def display_client(self) -> str:
        """The client's name as the report shows it (its ``client`` parameter), else the first column."""
        return str(self.meta.get("client") or self.client)


_PAGE_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2733;margin:0;background:#fafbfc}"
    "main{max-width:1200px;margin:0 auto;padding:1.5em 2em;background:#fff;box-sizing:border-box}"
    "h1{font-size:1.6em;margin:.2em 0 .6em}h2{font-size:1.25em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.92em}"
    "td,th{border:1px solid #d5dbe1;padding:5px 9px;text-align:left;vertical-align:top}"
    "th{background:#eef2f6}tr.failed td{background:#fde8e4}tr.notrun td{color:#777}tr.notes td{background:#fffaf0}"
    "tr.group th{background:#dde6ef;font-size:1.05em}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".status-ok{color:#1a7f37;font-weight:600}.status-failed{color:#b42318;font-weight:600}"
    ".status-notes{color:#9a5b00;font-weight:600}.status-unchanged{color:#1a5fb4}"
    "pre{background:#f3f5f7;padding:.8em;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}"
    "table.kv th{width:9em}.counts span{margin-right:1.5em;display:inline-block}div.scroll{overflow-x:auto;max-width:100%}"
    "p.note{background:#fff4d6;border-left:4px solid #b7791f;padding:.5em .8em}"
    "p.message{font-size:1.1em;background:#fde8e4;border-left:4px solid #b42318;padding:.6em .9em;overflow-wrap:anywhere}"
    ".question{color:#4a5866;font-size:.92em}ul.kpis,ul.notes{margin:0;padding-left:1.1em}"
    "ul.kpis li{margin:.1em 0}.kpi-value{font-weight:600}.kpi-extra{color:#5a6875;font-size:.9em}"
    "ul.notes li,p.error{color:#7a4a00;margin:.1em 0}p.error{color:#b42318;margin:0;overflow-wrap:anywhere}"
    "td,th{overflow-wrap:break-word}"
    "@media (max-width:700px){main{padding:.8em .7em}"
    "table.reports,table.reports tbody,table.reports tr,table.reports td,table.reports th{display:block;width:auto}"
    "table.reports{border:none}table.reports thead{display:none}"
    "table.reports tr{border:1px solid #d5dbe1;border-radius:4px;margin:.7em 0;padding:.3em .6em}"
    "table.reports tr.group{border:none;padding:0;margin-top:1.2em}"
    "table.reports td{border:none;padding:.15em 0}table.reports td:nth-child(1),table.reports td:nth-child(2){display:none}"
    "table.reports td:nth-child(3),table.reports td:nth-child(4){display:inline-block;margin-right:1em}}"
    "@media print{body,main{background:#fff}table.reports tr{break-inside:avoid}}"
)


def _href(folder: str, name: str) -> str:
    return html.escape(quote(f"{folder}/{name}" if folder else name))


def _say(key: str, lang: str, **fields: Any) -> str:
    """One of the index page's own words (catalogue ``index.<key>``) in the page's language."""
    return t(f"index.{key}", lang, **fields)


def page_language(entries: Sequence[IndexEntry]) -> str:
    """The index page's language: the reports' language when they all share one, else English.

    Parameters
    ----------
    entries : sequence of IndexEntry
        The reports the page lists.

    Returns
    -------
    str
        A language code ("en", "vi", ...).
    """
    langs = {str(x.meta.get("lang") or "en") for x in entries}
    return langs.pop() if len(langs) == 1 else "en"


def _link(root: Path, entry: IndexEntry, ext: str, label: str) -> str:
    """A link to one of a report's files, or "" when it is not there (the index never links a missing file)."""
    name = f"{entry.notebook}{ext}"
    if not (root / entry.folder / name).is_file():
        return ""
    return f"<a href='{_href(entry.folder, name)}'>{html.escape(label)}</a>"


def _kpi_items(items: Sequence[Mapping[str, str]]) -> str:
    e = html.escape
    out = []
    for item in items:
        extra = " · ".join(x for x in (item.get("interval"), item.get("change"), item.get("period")) if x)
        out.append(
            f"<li><span class='kpi-label'>{e(item.get('label', ''))}</span>: "
            f"<span class='kpi-value'>{e(item.get('value', ''))}</span>"
            + (f" <span class='kpi-extra'>{e(extra)}</span>" if extra else "")
            + "</li>"
        )
    return f"<ul class='kpis'>{''.join(out)}</ul>" if out else ""


def _row(root: Path, entry: IndexEntry, lang: str = "en") -> str:
    e = html.escape
    status = entry.status
    cls = STATUS_CLASS.get(status, "other")
    title = str(entry.meta.get("title") or entry.notebook)
    if status in ("ok", "ok, with notes", "unchanged"):
        files = [
            (".html", _say("link_report", lang)),
            (".pdf", "PDF"),
            (".xlsx", "Excel"),
            (".kpis.json", _say("link_kpis", lang)),
            (".ipynb", _say("link_notebook", lang)),
        ]
    elif status == "failed":
        files = [
            (".error.html", _say("link_error", lang)),
            (".failed.ipynb", _say("link_notebook", lang)),
            (".html", _say("link_previous", lang)),
        ]
    else:
        files = []
    links = " &middot; ".join(x for x in (_link(root, entry, ext, label) for ext, label in files) if x)
    report = _link(root, entry, ".html", title) if status != "failed" else ""
    report = report or e(title)
    question = entry.meta.get("question")
    report += f"<div class='question'>{e(str(question))}</div>" if question else ""
    detail = ""
    if status == "failed":
        page = _link(root, entry, ".error.html", _say("what_happened", lang))
        detail = f"<p class='error'>{e(entry.error or entry.meta.get('error') or _status(status, lang))}</p>" + (
            f"<p>{page}</p>" if page else ""
        )
    elif status != "not run":
        notes = entry.meta.get("notes") or []
        if notes:
            detail += "<ul class='notes'>" + "".join(f"<li>{e(str(n))}</li>" for n in notes) + "</ul>"
        detail += _kpi_items(headline(entry.meta, entry.kpis, entry.notebook))
    duration = entry.duration_s if entry.duration_s else entry.meta.get("duration_s")
    dur = f"{float(duration):.1f} s" if duration else ""
    # the report's own words (title, question, KPIs, notes) are in its language, marked when the page's differs
    report_lang = str(entry.meta.get("lang") or "en")
    own = f" lang='{e(report_lang)}'" if report_lang != lang else ""
    return (
        f"<tr class='{cls}'><td>{e(entry.client)}</td><td>{e(entry.notebook)}</td>"
        f"<td class='status-{cls}'>{e(_status(status, lang))}</td><td class='num'>{dur}</td>"
        f"<td class='report'{own}>{report}</td><td class='detail'{own}>{detail}</td><td class='files'>{links}</td></tr>"
    )


def _status(status: str, lang: str) -> str:
    """A status in the page's language ("ok, with notes" -> "ổn, có ghi chú")."""
    key = STATUS_CLASS.get(status)
    return _say(f"status_{key}", lang) if key else status


def _overview(root: Path, entries: Sequence[IndexEntry], lang: str = "en") -> str:
    """Clients x notebooks, one linked status per cell."""
    e = html.escape
    clients = list(dict.fromkeys(x.client for x in entries))
    notebooks = list(dict.fromkeys(x.notebook for x in entries))
    cell = {(x.client, x.notebook): x for x in entries}
    rows = []
    for c in clients:
        tds = []
        for nb in notebooks:
            x = cell.get((c, nb))
            if x is None:
                tds.append("<td></td>")
                continue
            cls = STATUS_CLASS.get(x.status, "other")
            target = ".error.html" if x.status == "failed" else ".html" if x.status != "not run" else None
            link = _link(root, x, target, _status(x.status, lang)) if target else ""
            tds.append(f"<td class='status-{cls}'>{link or e(_status(x.status, lang))}</td>")
        rows.append(f"<tr><th>{e(c)}</th>{''.join(tds)}</tr>")
    head = "".join(f"<th>{e(nb)}</th>" for nb in notebooks)
    return (
        f"<h2>{e(_say('overview', lang))}</h2><div class='scroll'><table class='overview'><thead><tr>"
        f"<th>{e(_say('col_client', lang))}</th>"
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def index_page(
    root: Path,
    title: str,
    entries: Sequence[IndexEntry],
    *,
    note: str = "",
    extra: Iterable[str] = (),
    overview: bool = False,
    summary_link: bool = False,
    wall_s: float | None = None,
    lang: str | None = None,
) -> str:
    """The index page: counts, (an overview grid), then one row per report, grouped by client.

    Parameters
    ----------
    root : Path
        The folder the index is written to (links are relative to it; only files there are linked).
    title : str
        The page title.
    entries : sequence of IndexEntry
        The reports, in the order listed.
    note : str
        A line shown under the title (why a run stopped early, if it did).
    extra : iterable of str
        More items for the counts line (text, escaped here): wall time, version.
    overview : bool
        Show the clients x notebooks grid first.
    summary_link : bool
        Link ``summary.csv`` (written beside the index).
    wall_s : float, optional
        The run's wall time in seconds, shown with the counts.
    lang : str, optional
        The page's language; by default the reports' language when they all share one, else English
        (:func:`page_language`). The reports' own words keep their language.

    Returns
    -------
    str
    """
    e = html.escape
    lang = lang or page_language(entries)
    counts: dict[str, int] = {}
    for x in entries:
        counts[x.status] = counts.get(x.status, 0) + 1
    count_text = "".join(f"<span>{e(_status(k, lang))}: {v}</span>" for k, v in sorted(counts.items()))
    if wall_s is not None:
        count_text += f"<span>{e(_say('wall_time', lang, seconds=wall_s))}</span>"
    count_text += "".join(f"<span>{e(x)}</span>" for x in extra)
    rows, current = [], None
    for x in entries:
        if x.client != current:
            current = x.client
            name = x.display_client
            label = name if name == x.client or not x.client else f"{name} ({x.client})"
            if label:
                rows.append(f"<tr class='group'><th colspan='7' scope='rowgroup'>{e(label)}</th></tr>")
        rows.append(_row(root, x, lang))
    summary = (
        f"<p><a href='summary.csv'>summary.csv</a>: {e(_say('summary_csv', lang))}</p>"
        if summary_link and (root / "summary.csv").is_file()
        else ""
    )
    return (
        f"<!DOCTYPE html><html lang='{e(lang)}' dir='{e(direction(lang))}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{e(title)}</title>"
        f"<style>{_PAGE_CSS}</style></head><body><main><h1>{e(title)}</h1>"
        + (f"<p class='note'>{e(note[:1].upper() + note[1:])}.</p>" if note else "")
        + f"<p class='counts'>{count_text}</p>{summary}"
        + (_overview(root, entries, lang) + f"<h2>{e(_say('reports', lang))}</h2>" if overview else "")
        + "<div class='scroll'><table class='reports'><thead><tr>"
        + "".join(f"<th>{e(_say(f'col_{c}', lang))}</th>" for c in _COLUMNS)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></main></body></html>\n"
    )


def write_index(outdir: str | Path, title: str = "kpikit reports", results: Sequence[Any] | None = None) -> Path:
    """Write ``index.html`` for a folder of reports rendered by ``kpikit render``: one row per report.

    The index lists the reports whose files are in the folder (so repeated single renders keep it
    whole), each as its files show it (:func:`read_report`); ``results`` adds this run's durations
    and the messages of its failures. The same writer and layout as the batch index.

    Parameters
    ----------
    outdir : str or Path
        The folder of the reports.
    title : str
        The page title.
    results : list of RenderResult, optional
        This run's results.

    Returns
    -------
    Path
        The index file.
    """
    from kpikit import __version__
    from kpikit.render.files import atomic_write

    outdir = Path(outdir)
    now = {Path(r.notebook).stem: r for r in (results or [])}
    stems = {p.name[: -len(".kpis.json")] for p in outdir.glob("*.kpis.json")}
    stems |= {p.name[: -len(".error.html")] for p in outdir.glob("*.error.html")}
    stems |= {
        p.name[: -len(".html")] for p in outdir.glob("*.html") if p.name != "index.html" and p.name.count(".") == 1
    }
    stems |= {s for s, r in now.items() if not r.ok}
    entries = []
    for stem in sorted(stems):
        status, meta, kpis = read_report(outdir, stem)
        r = now.get(stem)
        if status == "not run" and r is None:
            continue
        if r is not None and not r.ok and status != "failed":
            status = "failed"  # its error page could not be written: still listed, with the message
        client = str(meta.get("client") or "")
        entries.append(
            IndexEntry(
                "", client, stem, status, r.duration_s if r is not None else None, r.error if r else "", meta, kpis
            )
        )
    page = index_page(outdir, title, entries, extra=[f"kpikit {__version__}"])
    path = outdir / "index.html"
    atomic_write(path, page)
    return path


def error_page(
    client: str, notebook: str, error: Mapping[str, Any], has_notebook: bool = True, index: str = "../index.html"
) -> str:
    """A small self-contained HTML page describing a failed report; every string escaped.

    It opens with the notebook's own message (the ``KpiDataError`` text) and gives the details
    below: where it stopped, the exception and its traceback.

    Parameters
    ----------
    client : str
        The client's name.
    notebook : str
        The notebook's stem (``NN_name``).
    error : mapping
        The error dict: kind, cell, source, ename, evalue, message, traceback.
    has_notebook : bool
        Link to ``NN_name.failed.ipynb`` (the notebook executed up to the failure).
    index : str
        The link back to the index, relative to the page.

    Returns
    -------
    str
        The HTML page (``NN_name.error.html``).
    """
    from kpikit.render.run import error_message

    e = html.escape
    cell = error.get("cell")
    where = f"cell {cell}" if cell else (error.get("source") or "before the first cell")
    rows = [
        ("client", client),
        ("notebook", notebook),
        ("failure", error.get("kind", "")),
        ("where", where),
        ("exception", error.get("ename", "")),
        ("message", error.get("evalue", "")),
    ]
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in rows)
    src = f"<h2>Cell source (first line)</h2><pre>{e(error.get('source', ''))}</pre>" if cell else ""
    tb = f"<h2>Traceback</h2><pre>{e(error.get('traceback', ''))}</pre>" if error.get("traceback") else ""
    link = (
        f"<p><a href='{e(quote(notebook))}.failed.ipynb'>The executed notebook up to the failure</a></p>"
        if has_notebook
        else ""
    )
    message = error_message(error)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(notebook)} failed for {e(client)}</title><style>{_PAGE_CSS}</style></head><body><main>"
        f"<h1>{e(notebook)} failed</h1>"
        + (f"<p class='message'>{e(message)}</p>" if message else "")
        + f"<h2>Details</h2><div class='scroll'><table class='kv'>{table}</table></div>{src}{tb}{link}"
        f"<p><a href='{e(index)}'>Back to the index</a></p></main></body></html>\n"
    )
