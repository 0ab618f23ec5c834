"""A batch's index page and summary table, written by the same index writer as ``kpikit render``'s.

The index (:func:`kpikit.render.index.index_page`) lists every report with its status, duration,
question, headline KPIs (labelled through the KPI registry) or notes or the notebook's own error
message, and links; a batch adds the clients x notebooks overview, the counts and the wall time.
summary.csv has the same headline KPIs, one row per client, with the same labels and formats.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from kpikit.batch.config import BatchConfig
from kpikit.batch.tasks import BatchResult, TaskResult, _status_counts, _version
from kpikit.render.index import IndexEntry, error_page, headline, read_report

__all__ = ["write_batch_index", "write_summary", "error_page", "print_summary"]


def _entry(run_dir: Path, r: TaskResult) -> IndexEntry:
    """The index row of one result: its status and error from the run, its record and KPIs from its files."""
    from kpikit.render import error_message

    _, meta, kpis = read_report(Path(run_dir) / r.client, r.notebook) if r.status != "not run" else ("", {}, {})
    error = error_message(r.error) if r.status == "failed" else ""
    return IndexEntry(r.client, r.client, r.notebook, r.status, r.duration_s or None, error, meta, r.kpis or kpis)


def write_batch_index(
    run_dir: Path,
    results: Sequence[TaskResult],
    config: BatchConfig | None = None,
    wall_s: float | None = None,
    note: str = "",
) -> Path:
    """Write ``index.html``: the overview grid, then one row per client x notebook (:mod:`kpikit.render.index`).

    Each row shows the status ("ok, with notes" with the notes, "failed" with the notebook's own
    message and its error page), the duration, the report's title and question, its headline KPIs
    labelled through the KPI registry, and links to the files that exist. Every string is
    HTML-escaped and every link URL-quoted, so hostile client strings show as text; a failed report
    whose previous version is still there links it as "previous report".

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
    from kpikit.render import atomic_write
    from kpikit.render.index import index_page

    run_dir = Path(run_dir)
    title = f"kpikit batch: {config.run}" if config else "kpikit batch"
    entries = [_entry(run_dir, r) for r in results]
    page = index_page(
        run_dir,
        title,
        entries,
        note=note,
        extra=[f"kpikit {_version()}"],
        overview=True,
        summary_link=True,
        wall_s=wall_s,
    )
    path = run_dir / "index.html"
    atomic_write(path, page)
    return path


#: A cell that is a plain number ("-3.2%", "1,234.5"): a spreadsheet reads it as one, not as a formula.
_NUMBER = re.compile(r"^[-+]?[\d.,\u00a0\u202f ]+%?$")


def _csv_safe(v: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (a client string starting with = + - @)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(v):
        return "'" + v
    return "" if v is None else v


_PARTS = (("value", ""), ("interval", ", 95% CI"), ("period", ", period"))


def write_summary(run_dir: Path, results: Sequence[TaskResult], config: BatchConfig | None = None) -> Path:
    """Write ``summary.csv``: one row per client, the headline KPIs of every report as the index shows them.

    Columns: ``client`` (its report folder), ``client name``, ``failed`` (the notebooks that failed),
    then for each report and headline KPI "<report title>: <KPI label>" (the value, as the index and
    the report's cards write it: "57.9%", "£69,775"), with ", 95% CI" and ", period" columns where
    any client has one. Labels and formats come from the KPI registry in the report's language (the
    first client's, for the header). Text that a spreadsheet would run as a formula is prefixed with
    ``'``; the recorded values themselves are in each report's ``NN_name.kpis.json``.

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
    from kpikit.render import atomic_write

    clients: list[str] = []
    rows: dict[str, dict] = {}
    kpis: dict[tuple[str, str], dict[str, str]] = {}  # (notebook, kpi) -> part -> header, in first-seen order
    for r in results:
        row = rows.setdefault(r.client, {"failed": [], "name": ""})
        if r.client not in clients:
            clients.append(r.client)
        if r.status == "failed":
            row["failed"].append(r.notebook)
        if r.status in ("failed", "not run"):
            continue
        entry = _entry(run_dir, r)
        row["name"] = row["name"] or str(entry.meta.get("client") or "")
        title = str(entry.meta.get("title") or r.notebook)
        for item in headline(entry.meta, entry.kpis, r.notebook):
            key = (r.notebook, item.get("name") or item["label"])
            for part, suffix in _PARTS:
                if item.get(part):
                    kpis.setdefault(key, {}).setdefault(part, f"{title}: {item['label']}{suffix}")
                    row[(*key, part)] = item[part]
    order = [(*key, part) for key, parts in kpis.items() for part, _ in _PARTS if part in parts]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["client", "client name", "failed"] + [kpis[k[:2]][k[2]] for k in order])
    for c in clients:
        row = rows[c]
        cells = [_csv_safe(row.get(k)) for k in order]
        w.writerow([_csv_safe(c), _csv_safe(row["name"]), " ".join(row["failed"]), *cells])
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
    from kpikit.render import error_message

    file = file or sys.stdout
    counts = _status_counts(res.results)
    ran = [r for r in res.results if r.status in ("ok", "ok, with notes", "failed")]
    print(
        f"kpikit batch {res.config.run}: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f" in {res.wall_s:.1f} s"
        + (f" ({len(ran) / res.wall_s * 60:.1f} reports/minute)" if ran and res.wall_s else ""),
        file=file,
    )
    for r in res.results:
        if r.status == "ok, with notes" and (res.ran is None or (r.client, r.notebook) in res.ran):
            _, meta, _ = read_report(Path(res.config.run_dir) / r.client, r.notebook)
            for n in meta.get("notes") or []:
                print(f"  NOTE {r.client}/{r.notebook}: {n}", file=file)
    for r in res.failed:
        print(f"  FAILED {r.client}/{r.notebook}: {error_message(r.error)}", file=file)
    if res.stopped:
        print(f"  STOPPED: {res.stopped}", file=file)
    print(f"index:   {res.index}\nsummary: {res.summary}", file=file)
