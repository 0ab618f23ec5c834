"""Running a batch: workers execute notebooks, a failing report fails alone."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpikit.batch.config import BatchConfig, load_config
from kpikit.batch.outputs import error_page, write_batch_index, write_summary
from kpikit.batch.plan import (
    _complete,
    _expected_seconds,
    _previous_state,
    plan_tasks,
)
from kpikit.batch.tasks import BatchResult, Task, TaskResult, _error_line, _version
from kpikit.batch.zygote import _ForkedKernel, _Zygote, _ZygoteClient

__all__ = ["run_batch", "execute_notebook"]


_WORKER: dict = {}


def _prepare_worker_imports() -> None:
    """Import what every report needs (done in the parent before the pool forks its workers)."""
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401
    import papermill.iorw  # noqa: F401
    import papermill.parameterize  # noqa: F401

    from kpikit.render import _exporter

    _exporter()


def _worker_init(events, zygote: tuple | None) -> None:
    """Pool worker start: remember the event queue; connect to the zygote (warm kernels)."""
    import warnings

    warnings.filterwarnings("ignore", message="Kernel is running over TCP")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and shuts the pool down
    _WORKER.clear()
    _WORKER.update(events=events, warm=zygote is not None, zygote=None, spare=None)
    if zygote is not None:
        from multiprocessing.util import Finalize

        _WORKER["zygote"] = _ZygoteClient(*zygote)
        Finalize(None, _worker_close, exitpriority=10)
    _prepare_worker_imports()


def _worker_close() -> None:
    spare = _WORKER.pop("spare", None)
    if spare is not None:
        spare.discard()
    z = _WORKER.pop("zygote", None)
    if z is not None:
        z.close()


def _take_kernel(cwd: str):
    """A forked kernel for this report (pre-started if possible), and pre-start the next one."""
    z: _ZygoteClient = _WORKER["zygote"]
    spare = _WORKER.get("spare")
    if spare is not None and (spare.cwd != cwd or not spare.is_alive()):
        spare.discard()
        spare = None
    kernel = spare or z.spawn(cwd)
    _WORKER["spare"] = z.spawn(cwd)
    return kernel


def _cell_label(nb, index: int | None) -> tuple[int | None, str]:
    """(1-based cell number in the original notebook, first source line) of an executed cell index."""
    if index is None:
        return None, ""
    cell = nb.cells[index]
    if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
        return None, "injected parameters"
    injected = next(
        (i for i, c in enumerate(nb.cells) if "injected-parameters" in c.get("metadata", {}).get("tags", [])), None
    )
    number = index + 1 - (1 if injected is not None and index > injected else 0)
    first = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("# NBVAL")), "")
    return number, first[:120]


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def execute_notebook(
    notebook: Path, parameters: Mapping[str, Any], timeout: float | None, kernel: _ForkedKernel | None = None
) -> tuple[Any, dict | None]:
    """Run a notebook with injected parameters; returns (executed notebook, error dict or None).

    Parameters are injected as papermill would (the same injected cell) and the cells run with
    :class:`nbclient.NotebookClient`, in the notebook's folder.

    Parameters
    ----------
    notebook : Path
        The notebook file.
    parameters : mapping
        Parameter values to inject (already checked against the notebook's parameters cell).
    timeout : float or None
        Per-cell timeout in seconds; None for none.
    kernel : forked kernel, optional
        A kernel forked from the zygote (it is discarded after the run), or None for an ordinary
        jupyter_client kernel.

    Returns
    -------
    tuple
        The executed notebook (an nbformat node, executed up to the failure if one occurred) and None,
        or an error dict with kind (exception, timeout, dead kernel, kernel start), cell (1-based in
        the original notebook), source (its first line), ename, evalue and traceback.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import (
        CellExecutionError,
        CellTimeoutError,
        DeadKernelError,
    )
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from kpikit.render import KERNEL_ARGUMENTS

    nb = load_notebook_node(str(notebook))
    nb = parameterize_notebook(nb, dict(parameters), kernel_name="python3", language="python")
    current: dict = {"index": None}

    def on_start(cell, cell_index, **_):
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        km=kernel,
        timeout=int(math.ceil(timeout)) if timeout else None,
        kernel_name="python3",
        allow_errors=False,
        startup_timeout=60,
        resources={"metadata": {"path": str(notebook.parent)}},
        on_cell_start=on_start,
        extra_arguments=list(KERNEL_ARGUMENTS),  # for kernels it starts (cold)
    )
    error = None
    try:
        if kernel is None:
            client.execute(cwd=str(notebook.parent))
        else:
            client.execute()
    except CellExecutionError as exc:
        error = {"kind": "exception", "ename": exc.ename, "evalue": exc.evalue, "traceback": _strip_ansi(exc.traceback)}
    except CellTimeoutError:
        error = {
            "kind": "timeout",
            "ename": "CellTimeoutError",
            "evalue": f"cell did not finish within {timeout:g} s",
            "traceback": "",
        }
    except DeadKernelError:
        error = {
            "kind": "dead kernel",
            "ename": "DeadKernelError",
            "evalue": "the kernel died while running this cell (crash, out of memory or os._exit)",
            "traceback": "",
        }
    except Exception as exc:  # kernel did not start, protocol errors
        detail = kernel.startup_error() if kernel is not None else ""
        error = {
            "kind": "kernel start" if current["index"] is None else "exception",
            "ename": type(exc).__name__,
            "evalue": str(exc),
            "traceback": detail or traceback.format_exc(),
        }
    finally:
        if kernel is not None:
            if client.kc is not None:
                with contextlib.suppress(Exception):
                    client.kc.stop_channels()
            kernel.discard()
    if error is not None:
        error["cell"], error["source"] = _cell_label(nb, current["index"])
    return nb, error


def _run_task(task: Task, timeout: float | None) -> TaskResult:
    """Run one report in a pool worker and write its outputs (or its error)."""
    events = _WORKER.get("events")
    if events is not None:
        events.put(("start", task.key))
    t0 = time.perf_counter()
    stem = task.notebook.stem
    result = TaskResult(client=task.client, notebook=stem, status="failed", input_hash=task.input_hash)
    try:
        kernel = None
        if _WORKER.get("warm"):
            try:
                kernel = _take_kernel(str(task.notebook.parent))
            except (OSError, RuntimeError, ValueError):  # the zygote is gone: go on with ordinary kernels
                _WORKER["warm"] = False
        nb, error = execute_notebook(task.notebook, task.parameters, timeout, kernel=kernel)
        if error is None:
            result.kpis = _write_outputs(task, nb)
            result.status = "ok"
        else:
            result.error = error
            _write_failure(task, nb, error)
    except Exception as exc:  # writing outputs failed: still a per-report failure
        result.error = {
            "kind": "internal",
            "ename": type(exc).__name__,
            "evalue": str(exc),
            "traceback": traceback.format_exc(),
            "cell": None,
            "source": "",
        }
        with contextlib.suppress(Exception):
            _write_failure(task, None, result.error)
    result.duration_s = round(time.perf_counter() - t0, 2)
    if events is not None:
        events.put(("done", task.key))
    return result


def _write_outputs(task: Task, nb) -> dict:
    from kpikit import __version__
    from kpikit.render import write_report
    from kpikit.report import to_jsonable

    stem = task.notebook.stem
    task.outdir.mkdir(parents=True, exist_ok=True)
    # the KPI file is written last: it holds the hash that marks the report complete
    kpis = write_report(
        task.outdir,
        stem,
        nb,
        {
            "notebook": stem,
            "client": task.client,
            "parameters": to_jsonable(task.parameters),
            "input_hash": task.input_hash,
            "kpikit_version": __version__,
        },
    )
    for ext in (".failed.ipynb", ".error.html"):
        (task.outdir / f"{stem}{ext}").unlink(missing_ok=True)
    return kpis


def _write_failure(task: Task, nb, error: dict) -> None:
    import nbformat

    from kpikit.render import atomic_write

    stem = task.notebook.stem
    task.outdir.mkdir(parents=True, exist_ok=True)
    for ext in (".html", ".ipynb", ".kpis.json"):  # a failed run leaves no stale report behind
        (task.outdir / f"{stem}{ext}").unlink(missing_ok=True)
    if nb is not None:
        atomic_write(task.outdir / f"{stem}.failed.ipynb", nbformat.writes(nb))
    atomic_write(task.outdir / f"{stem}.error.html", error_page(task.client, stem, error, has_notebook=nb is not None))


def run_batch(
    config: BatchConfig | str | Path,
    jobs: int | None = None,
    resume: bool = False,
    only: Sequence[str] | None = None,
    timeout: float | None = None,
    warm: bool = True,
    progress: bool = True,
) -> BatchResult:
    """Render every client x notebook of a batch; write reports, index.html, summary.csv, batch.json.

    Parameters
    ----------
    config : BatchConfig or path
        The batch (a path is read with :func:`load_config`, which raises on any problem).
    jobs : int, optional
        Worker processes (default: the number of CPU cores).
    resume : bool
        Skip reports whose outputs are complete and whose inputs are unchanged.
    only : list of str, optional
        Client names to run; the index still lists the others from the previous run.
    timeout : float, optional
        Per-cell timeout in seconds (default: the batch file's ``timeout``).
    warm : bool
        Fork kernels from a pre-imported zygote (default) instead of starting each from scratch.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    BatchResult
        ``exit_status`` is 1 when a report failed.
    """
    from kpikit.io.cache import CACHE_ENV

    t0 = time.perf_counter()
    # One run-scoped cache of validated tables (kpikit.io): the notebooks of a client parse and
    # validate each export once. Entries are keyed by file content and options, so a report sees
    # exactly what it would read itself; the folder is removed when the run ends.
    cache_dir = tempfile.mkdtemp(prefix="kpikit-tables-")
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = cache_dir
    # The zygote starts first: its imports run while this process reads the config and prepares.
    zygote = _Zygote() if warm and hasattr(os, "fork") else None
    try:
        return _run(config, jobs, resume, only, timeout, progress, zygote, t0)
    finally:
        if zygote is not None:
            zygote.close()
        if previous is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = previous
        shutil.rmtree(cache_dir, ignore_errors=True)


def _run(
    config: BatchConfig | str | Path,
    jobs: int | None,
    resume: bool,
    only: Sequence[str] | None,
    timeout: float | None,
    progress: bool,
    zygote: _Zygote | None,
    t0: float,
) -> BatchResult:
    """Plan, skip what --resume allows, run the rest in the pool, then write batch.json, summary, index."""
    cfg = config if isinstance(config, BatchConfig) else load_config(config)
    tasks = plan_tasks(cfg, only=only)
    timeout = cfg.timeout if timeout is None else timeout
    run_dir = cfg.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    previous = _previous_state(run_dir)
    results, todo = _skip_unchanged(tasks, previous, resume)
    if todo:
        results.update(_run_pool(todo, cfg, jobs, timeout, progress, zygote, previous))
    ordered = _ordered_results(cfg, results, previous)
    wall = time.perf_counter() - t0
    state = {
        "run": cfg.run,
        "config": str(cfg.path),
        "kpikit_version": _version(),
        "results": [{k: v for k, v in r.as_dict().items() if k != "kpis"} for r in ordered],
    }
    from kpikit.render import atomic_write
    from kpikit.report import to_jsonable

    atomic_write(run_dir / "batch.json", json.dumps(to_jsonable(state), indent=2) + "\n")
    summary = write_summary(run_dir, ordered, cfg)
    index = write_batch_index(run_dir, ordered, cfg, wall_s=wall)
    return BatchResult(config=cfg, results=ordered, index=index, summary=summary, wall_s=wall)


def _skip_unchanged(
    tasks: Sequence[Task], previous: Mapping, resume: bool
) -> tuple[dict[tuple[str, str], TaskResult], list[Task]]:
    """(results of the reports --resume skips, as ``unchanged``; the tasks left to run)."""
    results: dict[tuple[str, str], TaskResult] = {}
    todo = []
    for t in tasks:
        if resume and _complete(t):
            old = previous.get((t.client, t.notebook.stem), {})
            record = json.loads((t.outdir / f"{t.notebook.stem}.kpis.json").read_text(encoding="utf-8"))
            results[(t.client, t.notebook.stem)] = TaskResult(
                client=t.client,
                notebook=t.notebook.stem,
                status="unchanged",
                duration_s=float(old.get("duration_s", 0.0) or 0.0),
                kpis=record.get("kpis", {}),
                input_hash=t.input_hash,
            )
        else:
            todo.append(t)
    return results, todo


def _run_pool(
    todo: list[Task],
    cfg: BatchConfig,
    jobs: int | None,
    timeout: float | None,
    progress: bool,
    zygote: _Zygote | None,
    previous: Mapping,
) -> dict[tuple[str, str], TaskResult]:
    """Run the tasks in a pool of forked workers, longest first, with a progress bar; a result per task."""
    import concurrent.futures as cf
    import multiprocessing as mp

    from tqdm.auto import tqdm

    # longest first (LPT scheduling), so no long report starts last while the other workers idle
    todo.sort(key=lambda t: _expected_seconds(t, previous), reverse=True)

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    # Workers are forked from this process once the imports they need are done here (cheaper
    # than each worker importing them); no thread runs yet (tqdm's monitor thread is off).
    zygote_addr = (zygote.sock_path, zygote.proc.pid) if zygote else None
    _prepare_worker_imports()
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    events = ctx.Queue()
    results: dict[tuple[str, str], TaskResult] = {}
    running: list[str] = []
    shown = ""
    tqdm.monitor_interval = 0
    bar = tqdm(
        total=len(todo),
        desc=f"kpikit batch {cfg.run}",
        unit="report",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=0.5,
    )
    with cf.ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_worker_init, initargs=(events, zygote_addr)
    ) as pool:
        futures = {pool.submit(_run_task, t, timeout): t for t in todo}
        pending = set(futures)
        try:
            while pending:
                done, pending = cf.wait(pending, timeout=0.3, return_when=cf.FIRST_COMPLETED)
                _drain_events(events, running)
                for f in done:
                    t = futures[f]
                    r = _future_result(f, t)
                    results[(t.client, t.notebook.stem)] = r
                    bar.update(1)
                    if progress and r.status == "failed":
                        bar.write(f"FAILED {t.key}: {_error_line(r.error)}", file=sys.stderr)
                postfix = ("running: " + ", ".join(running)) if running else ""
                if postfix != shown:
                    bar.set_postfix_str(postfix, refresh=False)
                    shown = postfix
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    bar.close()
    return results


def _drain_events(events: Any, running: list[str]) -> None:
    """Apply the workers' ("start" | "done", task key) events to the list of running reports."""
    while True:
        try:
            kind, key = events.get_nowait()
        except Exception:
            break
        if kind == "start":
            running.append(key)
        elif key in running:
            running.remove(key)


def _future_result(future: Any, t: Task) -> TaskResult:
    """A finished task's result; a worker process that died fails this report alone."""
    try:
        return future.result()
    except Exception as exc:
        return TaskResult(
            client=t.client,
            notebook=t.notebook.stem,
            status="failed",
            input_hash=t.input_hash,
            error={
                "kind": "worker",
                "ename": type(exc).__name__,
                "evalue": str(exc),
                "traceback": "",
                "cell": None,
                "source": "",
            },
        )


def _ordered_results(
    cfg: BatchConfig, results: Mapping[tuple[str, str], TaskResult], previous: Mapping
) -> list[TaskResult]:
    """Every configured report in batch-file order: this run's result, else the previous run's, else "not run"."""
    ordered: list[TaskResult] = []
    for c in cfg.clients:
        for stem in c.notebooks:
            key = (c.name, stem)
            if key in results:
                ordered.append(results[key])
            elif key in previous:
                old = {k: previous[key].get(k) for k in ("status", "duration_s", "error", "input_hash")}
                kfile = cfg.run_dir / c.name / f"{stem}.kpis.json"
                kpis = json.loads(kfile.read_text(encoding="utf-8")).get("kpis", {}) if kfile.is_file() else {}
                status = old["status"] if (old["status"] == "failed" or kfile.is_file()) else "not run"
                ordered.append(
                    TaskResult(
                        client=c.name,
                        notebook=stem,
                        status=status,
                        duration_s=old["duration_s"] or 0.0,
                        error=old["error"],
                        kpis=kpis,
                        input_hash=old["input_hash"] or "",
                    )
                )
            else:
                ordered.append(TaskResult(client=c.name, notebook=stem, status="not run"))
    return ordered
