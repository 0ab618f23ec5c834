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
from kpikit.render.index import read_report

__all__ = []


#: How long a run waits for another run that is writing the index (it takes well under a second).
OUTPUTS_WAIT = 60.0


def result_from_disk(run_dir: Path, client: str, stem: str, record: Mapping | None = None) -> TaskResult:
    """A report's status as its files show it, with what ``record`` (its batch.json entry) adds.

    The three outputs make it ``ok`` (``ok, with notes`` when its notebook lists notes; ``unchanged``
    if the record says so) with the KPIs of its ``.kpis.json``; an error page newer than them (or
    alone) makes it ``failed``; nothing, ``not run`` (:func:`kpikit.render.read_report`).
    """
    rec = dict(record or {})
    status, _, kpis = read_report(Path(run_dir) / client, stem)
    duration = float(rec.get("duration_s") or 0.0)
    if status == "failed":
        error = rec.get("error") if rec.get("status") == "failed" else None
        error = error or {"kind": "", "ename": "", "evalue": "see the error page", "cell": None, "source": ""}
        return TaskResult(client, stem, "failed", duration, error=error, input_hash=rec.get("input_hash") or "")
    if status in ("ok", "ok, with notes"):
        saved = _saved(Path(run_dir) / client / f"{stem}.kpis.json")
        if saved is not None:
            status = "unchanged" if rec.get("status") == "unchanged" else status
            hashed = str(saved.get("input_hash") or rec.get("input_hash") or "")
            return TaskResult(client, stem, status, duration, kpis=kpis, input_hash=hashed)
    return TaskResult(client, stem, "not run")


def _saved(path: Path) -> dict | None:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


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
