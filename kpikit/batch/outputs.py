"""A batch's index page and summary table."""

from __future__ import annotations

import csv
import html
import io
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from kpikit.batch.config import BatchConfig
from kpikit.batch.tasks import BatchResult, TaskResult, _error_line, _status_counts, _version

__all__ = ["write_batch_index", "write_summary", "error_page", "print_summary"]


def error_page(client: str, notebook: str, error: Mapping[str, Any], has_notebook: bool = True) -> str:
    """A small self-contained HTML page describing a failed report; every string escaped.

    Parameters
    ----------
    client : str
        The client's name (its report folder).
    notebook : str
        The notebook's stem (``NN_name``).
    error : mapping
        The error dict of :func:`execute_notebook`: kind, cell, source, ename, evalue, traceback.
    has_notebook : bool
        Link to ``NN_name.failed.ipynb`` (the notebook executed up to the failure).

    Returns
    -------
    str
        The HTML page (``NN_name.error.html``), with a link back to the run's index.
    """
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
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(notebook)} failed for {e(client)}</title><style>{_PAGE_CSS}</style></head><body><main>"
        f"<h1>{e(notebook)} failed</h1><table class='kv'>{table}</table>{src}{tb}{link}"
        "<p><a href='../index.html'>Back to the index</a></p></main></body></html>\n"
    )


_PAGE_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2733;margin:0;background:#fafbfc}"
    "main{max-width:1200px;margin:0 auto;padding:1.5em 2em;background:#fff}"
    "h1{font-size:1.6em;margin:.2em 0 .6em}h2{font-size:1.25em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.92em}"
    "td,th{border:1px solid #d5dbe1;padding:5px 9px;text-align:left;vertical-align:top}"
    "th{background:#eef2f6}tr.failed td{background:#fde8e4}tr.notrun td{color:#777}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".status-ok{color:#1a7f37;font-weight:600}.status-failed{color:#b42318;font-weight:600}"
    ".status-unchanged{color:#1a5fb4}pre{background:#f3f5f7;padding:.8em;overflow-x:auto;white-space:pre-wrap}"
    "table.kv th{width:9em}.counts span{margin-right:1.5em}div.scroll{overflow-x:auto}"
    "p.note{background:#fff4d6;border-left:4px solid #b7791f;padding:.5em .8em}"
)


def _link(run_dir: Path, r: TaskResult, ext: str, label: str) -> str:
    """A link to one of a report's files, or "" when the file is not there (the index never links a missing file)."""
    if not (run_dir / r.client / f"{r.notebook}{ext}").is_file():
        return ""
    return f"<a href='{html.escape(quote(r.client))}/{html.escape(quote(r.notebook))}{ext}'>{label}</a>"


def write_batch_index(
    run_dir: Path,
    results: Sequence[TaskResult],
    config: BatchConfig | None = None,
    wall_s: float | None = None,
    note: str = "",
) -> Path:
    """Write ``index.html``: one row per client x notebook with status, duration, headline KPIs, links.

    An overview grid (clients x notebooks, one linked status per cell) comes first. Every string
    (client names, notebook names, KPI values, error messages) is HTML-escaped and every link is
    URL-quoted, so hostile client strings show as text. Only files that exist are linked; a failed
    report whose previous version is still there links it as "previous report".

    Parameters
    ----------
    run_dir : Path
        The run's folder (``<output>/<run>``); links are relative to it.
    results : sequence of TaskResult
        One result per report, in the order the index lists them.
    config : BatchConfig, optional
        The batch, for the page title (the run name).
    wall_s : float, optional
        The run's wall time in seconds, shown with the counts.
    note : str
        A line shown under the title (why the run stopped early, if it did).

    Returns
    -------
    Path
        The index file, written atomically.
    """
    from kpikit.report.kpis import headline_items

    e = html.escape
    run_dir = Path(run_dir)
    counts = _status_counts(results)
    rows = []
    for r in results:
        cls = {"failed": "failed", "not run": "notrun"}.get(r.status, "")
        if r.status in ("ok", "unchanged"):
            parts = [(".html", "report"), (".kpis.json", "KPIs"), (".ipynb", "notebook")]
            detail = "<br>".join(f"{e(str(k))}: {e(text)}" for k, text in headline_items(r.kpis))
        elif r.status == "failed":
            parts = [(".error.html", "error"), (".html", "previous report")]
            detail = e(_error_line(r.error))
        else:
            parts, detail = [], ""
        links = " &middot; ".join(x for x in (_link(run_dir, r, ext, label) for ext, label in parts) if x)
        dur = f"{r.duration_s:.1f} s" if r.duration_s else ""
        rows.append(
            f"<tr class='{cls}'><td>{e(r.client)}</td><td>{e(r.notebook)}</td>"
            f"<td class='status-{e(r.status.replace(' ', ''))}'>{e(r.status)}</td><td class='num'>{dur}</td>"
            f"<td>{links}</td><td>{detail}</td></tr>"
        )
    # overview: clients x notebooks, one linked status per cell
    clients = list(dict.fromkeys(r.client for r in results))
    notebooks = list(dict.fromkeys(r.notebook for r in results))
    cell = {(r.client, r.notebook): r for r in results}
    grid = []
    for c in clients:
        tds = []
        for nb in notebooks:
            r = cell.get((c, nb))
            if r is None:
                tds.append("<td></td>")
                continue
            target = {"ok": ".html", "unchanged": ".html", "failed": ".error.html"}.get(r.status)
            link = _link(run_dir, r, target, e(r.status)) if target else ""
            tds.append(f"<td class='status-{e(r.status.replace(' ', ''))}'>{link or e(r.status)}</td>")
        grid.append(f"<tr><th>{e(c)}</th>{''.join(tds)}</tr>")
    overview = (
        "<h2>Overview</h2><div class='scroll'><table class='overview'><thead><tr><th>client</th>"
        + "".join(f"<th>{e(nb)}</th>" for nb in notebooks)
        + f"</tr></thead><tbody>{''.join(grid)}</tbody></table></div>"
        "<h2>Reports</h2>"
    )
    title = f"kpikit batch: {config.run}" if config else "kpikit batch"
    count_text = "".join(f"<span>{e(k)}: {v}</span>" for k, v in sorted(counts.items()))
    wall = f"<span>wall time: {wall_s:.1f} s</span>" if wall_s is not None else ""
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{e(title)}</title>"
        f"<style>{_PAGE_CSS}</style></head><body><main><h1>{e(title)}</h1>"
        + (f"<p class='note'>{e(note[:1].upper() + note[1:])}.</p>" if note else "")
        + f"<p class='counts'>{count_text}{wall}<span>kpikit {e(_version())}</span></p>"
        "<p><a href='summary.csv'>summary.csv</a>: one row per client, the headline KPIs of every notebook.</p>"
        f"{overview}<table><thead><tr><th>client</th><th>notebook</th><th>status</th><th>duration</th><th>files</th>"
        f"<th>headline KPIs / error</th></tr></thead><tbody>{''.join(rows)}</tbody></table></main></body></html>\n"
    )
    from kpikit.render import atomic_write

    path = run_dir / "index.html"
    atomic_write(path, page)
    return path


def _flatten_kpi(prefix: str, v: Any, out: dict) -> None:
    if isinstance(v, dict) and "value" in v:
        out[prefix] = v["value"]
        for a, b in (("low", "ci_low"), ("high", "ci_high")):
            if a in v:
                out[f"{prefix}.{b}"] = v[a]
    elif isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (dict, list)):
                out[f"{prefix}.{k}"] = json.dumps(x, sort_keys=True, ensure_ascii=False)
            else:
                out[f"{prefix}.{k}"] = x
    elif isinstance(v, list):
        out[prefix] = json.dumps(v, ensure_ascii=False)
    else:
        out[prefix] = v


def _csv_safe(v: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (a client string starting with = + - @)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return "" if v is None else v


def write_summary(run_dir: Path, results: Sequence[TaskResult], config: BatchConfig | None = None) -> Path:
    """Write ``summary.csv``: one row per client, columns ``<notebook>.<kpi>`` (and ``.ci_low``/``.ci_high``).

    Rates and scores give their value and interval columns; other dicts one column per key. A
    ``failed`` column names the notebooks that failed. Text that a spreadsheet would run as a formula
    is prefixed with ``'``.

    Parameters
    ----------
    run_dir : Path
        The run's folder (``<output>/<run>``).
    results : sequence of TaskResult
        One result per report; clients keep their first appearance's order.
    config : BatchConfig, optional
        The batch (not needed for the table; accepted for symmetry with :func:`write_batch_index`).

    Returns
    -------
    Path
        The summary file, written atomically.
    """
    clients: list[str] = []
    rows: dict[str, dict] = {}
    columns: list[str] = []
    for r in results:
        if r.client not in rows:
            clients.append(r.client)
            rows[r.client] = {"client": r.client, "failed": []}
        row = rows[r.client]
        if r.status == "failed":
            row["failed"].append(r.notebook)
        flat: dict = {}
        for k, v in (r.kpis or {}).items():
            _flatten_kpi(f"{r.notebook}.{k}", v, flat)
        for k in flat:
            if k not in columns:
                columns.append(k)
        row.update(flat)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["client", "failed"] + columns)
    for c in clients:
        row = rows[c]
        w.writerow([_csv_safe(c), " ".join(row["failed"])] + [_csv_safe(row.get(col)) for col in columns])
    from kpikit.render import atomic_write

    path = Path(run_dir) / "summary.csv"
    atomic_write(path, buf.getvalue())
    return path


def print_summary(res: BatchResult, file: TextIO | None = None) -> None:
    """The final summary of a batch on the terminal: counts, wall time, failures, index and summary paths.

    Parameters
    ----------
    res : BatchResult
        The finished batch.
    file : text stream, optional
        Where to print (default: standard output).
    """
    file = file or sys.stdout
    counts = _status_counts(res.results)
    ran = [r for r in res.results if r.status in ("ok", "failed")]
    print(
        f"kpikit batch {res.config.run}: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f" in {res.wall_s:.1f} s"
        + (f" ({len(ran) / res.wall_s * 60:.1f} reports/minute)" if ran and res.wall_s else ""),
        file=file,
    )
    for r in res.failed:
        print(f"  FAILED {r.client}/{r.notebook}: {_error_line(r.error)}", file=file)
    if res.stopped:
        print(f"  STOPPED: {res.stopped}", file=file)
    print(f"index:   {res.index}\nsummary: {res.summary}", file=file)
