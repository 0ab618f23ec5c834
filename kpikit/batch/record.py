"""The run's own files (batch.json, summary.csv, index.html), merged with what the run folder holds.

Several runs may write one run folder, one after the other or at the same time (two ``--only`` runs,
two people): each writes these three files under the folder's outputs lock, from its own results and,
for every other report, from the folder itself. A report's status there comes from its files: the
three outputs make it ``ok`` (or ``unchanged``), an error page newer than them ``failed``, nothing
``not run``; ``batch.json`` adds the duration and the error it recorded. So the index always matches
the files on disk, and a later run keeps the earlier runs' reports and statuses (docs/batch.md, "Two
runs into one folder").
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Mapping
from pathlib import Path

from kpikit.batch.config import BatchConfig
from kpikit.batch.lock import FolderLock, RunLockError, outputs_lock_path
from kpikit.batch.outputs import write_batch_index, write_summary
from kpikit.batch.plan import _previous_state
from kpikit.batch.tasks import TaskResult, _version

__all__ = []


#: How long a run waits for another run that is writing the index (it takes well under a second).
OUTPUTS_WAIT = 60.0


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def result_from_disk(run_dir: Path, client: str, stem: str, record: Mapping | None = None) -> TaskResult:
    """A report's status as its files show it, with what ``record`` (its batch.json entry) adds.

    The three outputs make it ``ok`` (``unchanged`` if the record says so) with the KPIs of its
    ``.kpis.json``; an error page newer than them (or alone) makes it ``failed``; nothing, ``not run``.
    """
    rec = dict(record or {})
    folder = Path(run_dir) / client
    kpis_time = _mtime(folder / f"{stem}.kpis.json")
    complete = kpis_time is not None and all((folder / f"{stem}{ext}").is_file() for ext in (".html", ".ipynb"))
    error_time = _mtime(folder / f"{stem}.error.html")
    duration = float(rec.get("duration_s") or 0.0)
    if error_time is not None and (not complete or error_time >= kpis_time):
        error = rec.get("error") if rec.get("status") == "failed" else None
        error = error or {"kind": "", "ename": "", "evalue": "see the error page", "cell": None, "source": ""}
        return TaskResult(client, stem, "failed", duration, error=error, input_hash=rec.get("input_hash") or "")
    if complete:
        try:
            saved = json.loads((folder / f"{stem}.kpis.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        if isinstance(saved, dict):
            status = rec["status"] if rec.get("status") in ("ok", "unchanged") else "ok"
            return TaskResult(
                client,
                stem,
                status,
                duration,
                kpis=saved.get("kpis") or {},
                input_hash=str(saved.get("input_hash") or rec.get("input_hash") or ""),
            )
    return TaskResult(client, stem, "not run")


def merged_results(cfg: BatchConfig, results: Mapping[tuple[str, str], TaskResult]) -> list[TaskResult]:
    """Every report of the run folder: this run's results, the rest from the folder (see the module docstring).

    The batch file's reports come first, in its order; reports of the folder that this batch file
    does not name (another batch file wrote them) follow, as long as their files are there.
    """
    previous = _previous_state(cfg.run_dir)
    ordered = []
    for c in cfg.clients:
        for stem in c.notebooks:
            key = (c.name, stem)
            ordered.append(results[key] if key in results else result_from_disk(cfg.run_dir, *key, previous.get(key)))
    configured = {(r.client, r.notebook) for r in ordered}
    for key, rec in previous.items():
        if key not in configured:
            r = result_from_disk(cfg.run_dir, *key, rec)
            if r.status != "not run":
                ordered.append(r)
    return ordered


def write_run_files(
    cfg: BatchConfig,
    results: Mapping[tuple[str, str], TaskResult],
    wall_s: float,
    clients: list[str],
    interrupted: str | None = None,
    stopped: str = "",
) -> tuple[list[TaskResult], Path, Path]:
    """Write batch.json, summary.csv and index.html under the run folder's outputs lock.

    Returns (every report of the folder, the index, the summary). ``clients`` are the clients this
    run rendered; ``interrupted`` the signal that stopped it; ``stopped`` why it stopped early.
    """
    from kpikit.render import atomic_write
    from kpikit.report import to_jsonable

    run_dir = cfg.run_dir
    try:
        lock = FolderLock.acquire(outputs_lock_path(run_dir), wait=OUTPUTS_WAIT)
    except RunLockError as exc:
        raise RunLockError(
            f"{run_dir}: could not write index.html, summary.csv and batch.json: another kpikit batch has "
            f"been writing them for {OUTPUTS_WAIT:.0f} s ({exc}). The reports of this run are in place; "
            "the next run that ends writes the index with them.",
            exc.holder,
        ) from None
    try:
        ordered = merged_results(cfg, results)
        state = {
            "run": cfg.run,
            "config": str(cfg.path),
            "kpikit_version": _version(),
            "written_by": {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "at": time.strftime("%Y-%m-%d %H:%M:%S"),
                "clients": clients,
                "interrupted": interrupted,
                "stopped": stopped,
            },
            "results": [{k: v for k, v in r.as_dict().items() if k != "kpis"} for r in ordered],
        }
        atomic_write(run_dir / "batch.json", json.dumps(to_jsonable(state), indent=2) + "\n")
        summary = write_summary(run_dir, ordered, cfg)
        index = write_batch_index(run_dir, ordered, cfg, wall_s=wall_s, note=stopped)
    finally:
        lock.release()
    return ordered, index, summary
