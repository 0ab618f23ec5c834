"""Running a batch: workers execute notebooks, a failing report fails alone.

Each report runs as ``kpikit render`` runs it (:mod:`kpikit.render.run`): its prose in the report's
language, the kit's data errors allowed in a notebook on the report framework (a skipped section
becomes a note), :func:`kpikit.report.outcome.classify` on the result, and the cleaned notebook
written with :func:`kpikit.render.write_report` (report, notebook, KPIs, workbook, and the PDF when
the run asks for it).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpikit.batch.config import BatchConfig, load_config
from kpikit.batch.interrupt import (
    RunInterrupted,
    SignalGuard,
    die_with_parent,
    keep_signal_handlers,
    kill_child_groups,
    private_temp_dir,
    stop_processes,
    sweep_stale_temp_dirs,
)
from kpikit.batch.lock import lock_clients, release_all
from kpikit.batch.plan import Schedule, _complete, _expected_seconds, _previous_state, plan_tasks, select_clients
from kpikit.batch.record import write_run_files
from kpikit.batch.tasks import BatchResult, Task, TaskResult
from kpikit.batch.zygote import _ForkedKernel, _Zygote, _ZygoteClient

__all__ = ["run_batch", "execute_notebook"]


_WORKER: dict = {}


def _prepare_worker_imports() -> None:
    """Import what every report needs (done in the parent before the pool forks its workers)."""
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401
    import papermill.iorw  # noqa: F401
    import papermill.parameterize  # noqa: F401

    from kpikit.render.page import _exporter

    _exporter()


def _worker_init(events, zygote: tuple | None, stop, parent: int, pdf: bool = False) -> None:
    """Pool worker start: signals, the event queue and the stop flag; connect to the zygote (warm kernels)."""
    import warnings

    warnings.filterwarnings("ignore", message="Kernel is running over TCP")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops the workers
    signal.signal(signal.SIGTERM, _worker_stop)
    die_with_parent(signal.SIGTERM)  # the parent killed outright: stop all the same
    if os.getppid() != parent:
        os._exit(1)
    keep_signal_handlers()
    _WORKER.clear()
    _WORKER.update(events=events, stop=stop, warm=zygote is not None, zygote=None, spare=None, kernel=None, pdf=pdf)
    if zygote is not None:
        from multiprocessing.util import Finalize

        _WORKER["zygote"] = _ZygoteClient(*zygote)
        Finalize(None, _worker_close, exitpriority=10)
    _prepare_worker_imports()


def _worker_stop(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: kill its kernels' process groups and exit at once, writing nothing more.

    A report being moved into place is not cut: the move holds SIGTERM back for its few microseconds.
    """
    try:
        for key in ("kernel", "spare"):
            kernel = _WORKER.get(key)
            if kernel is not None:
                with contextlib.suppress(Exception):
                    kernel.shutdown_kernel()
                with contextlib.suppress(Exception):
                    kernel.cleanup_resources()
        kill_child_groups()  # ordinary (cold) kernels
    finally:
        os._exit(128 + signum)


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


def execute_notebook(
    notebook: Path, parameters: Mapping[str, Any], timeout: float | None, kernel: _ForkedKernel | None = None
) -> tuple[Any, dict | None]:
    """Run a notebook with injected parameters; returns (executed notebook, error dict or None).

    Parameters are injected as papermill would (the same injected cell), the notebook's prose is
    swapped into the report's language (:func:`kpikit.render.translate_prose`), and the cells run with
    :class:`nbclient.NotebookClient`, in the notebook's folder, with the kit's data errors allowed in
    a notebook on the report framework (:func:`kpikit.render.execution_options`): such an error leaves
    an error output (a skipped section, which :func:`kpikit.report.outcome.classify` turns into a
    note) and is not an error of the run.

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
        or an error dict with kind (exception, timeout, dead kernel, kernel start, language), cell
        (1-based in the original notebook), source (its first line), ename, evalue and traceback. A
        language error (prose missing from the catalogue) comes back before anything ran, with the
        notebook as read.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import (
        CellExecutionError,
        CellTimeoutError,
        DeadKernelError,
    )
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from kpikit.errors import KpiDataError
    from kpikit.render import KERNEL_ARGUMENTS, cell_label, execution_options, translate_prose
    from kpikit.render.prose import report_language

    nb = load_notebook_node(str(notebook))
    try:
        nb = translate_prose(nb, notebook.stem, report_language(notebook, parameters))
    except KpiDataError as exc:  # MissingTranslationError, or a language without a catalogue
        error = {"kind": "language", "ename": type(exc).__name__, "evalue": str(exc), "message": str(exc)}
        return nb, {**error, "traceback": "", "cell": None, "source": "before the first cell"}
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
        **execution_options(nb),
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
        error["cell"], error["source"] = cell_label(nb, current["index"])
    return nb, error


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def _run_task(task: Task, timeout: float | None) -> TaskResult | None:
    """Run one report in a pool worker and write its outputs (or its error); None when the run is stopping."""
    from kpikit.render import DiskFullError

    stop = _WORKER.get("stop")
    if stop is not None and stop.is_set():  # the disk is full: the rest of the queue does not start
        return None
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
                kernel = _WORKER["kernel"] = _take_kernel(str(task.notebook.parent))
            except (OSError, RuntimeError, ValueError):  # the zygote is gone: go on with ordinary kernels
                _WORKER["warm"] = False
        nb, error = execute_notebook(task.notebook, task.parameters, timeout, kernel=kernel)
        _WORKER["kernel"] = None
        result.status, result.kpis, result.error = _finish(task, nb, error, time.perf_counter() - t0)
    except Exception as exc:  # writing outputs failed: still a per-report failure
        full = isinstance(exc, DiskFullError)
        result.status = "failed"
        result.error = {
            "kind": "disk full" if full else "internal",
            "ename": type(exc).__name__,
            "evalue": str(exc),
            "traceback": "" if full else traceback.format_exc(),
            "cell": None,
            "source": "",
        }
        if full and stop is not None:
            stop.set()
        with contextlib.suppress(Exception):
            _finish(task, None, result.error, time.perf_counter() - t0)
    result.duration_s = round(time.perf_counter() - t0, 2)
    if events is not None:
        events.put(("done", task.key))
    return result


def _finish(task: Task, nb: Any, error: dict | None, duration: float) -> tuple[str, dict, dict | None]:
    """Classify an executed report and write its files (as ``kpikit render`` does): (status, KPIs, error)."""
    from kpikit import __version__
    from kpikit.render import conclude
    from kpikit.report import to_jsonable

    record = {
        "notebook": task.notebook.stem,
        "client": task.client,
        "parameters": to_jsonable(task.parameters),
        "input_hash": task.input_hash,
        "kpikit_version": __version__,
    }
    task.outdir.mkdir(parents=True, exist_ok=True)
    # the KPI file is written last: it holds the hash that marks the report complete; the error page
    # and failed notebook of an earlier attempt go with the same move, and a failure keeps the
    # previous good report (the index links it as the previous report beside the error)
    status, _, kpis, error = conclude(
        nb if (error or {}).get("kind") not in ("language", "disk full", "internal") else None,
        error,
        task.notebook,
        task.outdir,
        task.parameters,
        record,
        duration,
        pdf=bool(_WORKER.get("pdf")),
        client=task.client,
    )
    return status, kpis, error


def run_batch(
    config: BatchConfig | str | Path,
    jobs: int | None = None,
    resume: bool = False,
    only: Sequence[str] | None = None,
    timeout: float | None = None,
    warm: bool = True,
    progress: bool = True,
    pdf: bool | None = None,
) -> BatchResult:
    """Render every client x notebook of a batch; write reports, index.html, summary.csv, batch.json.

    On SIGINT (Ctrl-C) or SIGTERM the run stops scheduling, stops every worker and kernel with their
    process groups, removes its temporary folders, writes the index, summary and batch.json for what
    exists and raises :class:`RunInterrupted` (its ``result`` is the BatchResult). A report is
    replaced only once its new version is complete, so an interrupt never loses a good report.
    docs/batch.md describes interrupts, re-runs, concurrent runs and a full disk.

    Parameters
    ----------
    config : BatchConfig or path
        The batch (a path is read with :func:`load_config`, which raises on any problem).
    jobs : int, optional
        Worker processes (default: the number of CPU cores).
    resume : bool
        Skip reports whose outputs are complete and whose inputs are unchanged.
    only : list of str, optional
        Client names to run; the index still lists the others from the run folder.
    timeout : float, optional
        Per-cell timeout in seconds (default: the batch file's ``timeout``).
    warm : bool
        Fork kernels from a pre-imported zygote (default) instead of starting each from scratch.
    progress : bool
        Show a progress bar on stderr.
    pdf : bool, optional
        Also print every report to ``NN_name.pdf`` with headless Chromium (default: the batch
        file's ``pdf`` key, else no).

    Returns
    -------
    BatchResult
        ``exit_status`` is 1 when a report failed or a full disk stopped the run.

    Raises
    ------
    BatchConfigError
        A bad batch file or ``only``, or PDFs asked for without Chromium installed (nothing was run).
    RunLockError
        Another run is writing the same clients into the run folder (nothing was run).
    RunInterrupted
        SIGINT or SIGTERM stopped the run (after the index was written).
    DiskFullError
        The disk filled up while the index, summary or batch.json was written.
    """
    from kpikit.io.cache import CACHE_ENV

    t0 = time.perf_counter()
    result = None
    with SignalGuard() as guard:
        with guard.polling():
            sweep_stale_temp_dirs()  # what runs killed outright (SIGKILL) left behind
            # One run-scoped cache of validated tables (kpikit.io): the notebooks of a client parse and
            # validate each export once. Entries are keyed by file content and options, so a report sees
            # exactly what it would read itself. It holds client data: private (0700), removed on every exit.
            cache_dir = private_temp_dir("tables")
            previous_env = os.environ.get(CACHE_ENV)
            os.environ[CACHE_ENV] = cache_dir
        started: dict = {}  # the zygote, once _run starts it
        try:
            result = _run(config, jobs, resume, only, timeout, progress, warm, guard, t0, started, pdf)
        except RunInterrupted:
            pass
        finally:
            with guard.polling():
                if started.get("zygote") is not None:
                    started["zygote"].close()
                if previous_env is None:
                    os.environ.pop(CACHE_ENV, None)
                else:
                    os.environ[CACHE_ENV] = previous_env
                shutil.rmtree(cache_dir, ignore_errors=True)
    if guard.signum is not None:
        raise RunInterrupted(guard.signum, result)
    return result


def _run(
    config: BatchConfig | str | Path,
    jobs: int | None,
    resume: bool,
    only: Sequence[str] | None,
    timeout: float | None,
    progress: bool,
    warm: bool,
    guard: SignalGuard,
    t0: float,
    started: dict,
    pdf: bool | None = None,
) -> BatchResult:
    """Lock the clients, plan, skip what --resume allows, run the rest, then write batch.json, summary, index."""
    from kpikit.batch.config import BatchConfigError
    from kpikit.render import pdf_problem

    cfg = config if isinstance(config, BatchConfig) else load_config(config)
    pdf = cfg.pdf if pdf is None else pdf
    if pdf and pdf_problem():
        raise BatchConfigError(str(cfg.path), [pdf_problem()])
    clients = [c.name for c in select_clients(cfg, only)]
    timeout = cfg.timeout if timeout is None else timeout
    with guard.polling():
        cfg.run_dir.mkdir(parents=True, exist_ok=True)
        locks = lock_clients(cfg.run_dir, clients)
    results: dict[tuple[str, str], TaskResult] = {}
    planned, stopped, zygote = None, "", None
    try:
        try:
            with guard.polling():
                # The zygote starts now (a run refused by a lock starts nothing); its imports run while
                # this process hashes the inputs.
                if warm and hasattr(os, "fork") and guard.signum is None:
                    zygote = started["zygote"] = _Zygote()
            guard.check()
            tasks = plan_tasks(cfg, only=only)
            planned = len(tasks)
            previous = _previous_state(cfg.run_dir)
            results, todo = _skip_unchanged(tasks, previous, resume)
            with guard.polling():
                if todo and guard.signum is None:
                    stopped = _run_pool(todo, cfg, jobs, timeout, progress, zygote, previous, guard, results, pdf)
        except RunInterrupted:
            pass
        with guard.polling():
            if zygote is not None:
                zygote.close()  # no kernel outlives the run, whatever stopped it
            _remove_temp_files(cfg.run_dir, clients)
            interrupted = signal.Signals(guard.signum).name if guard.signum else None
            if interrupted:
                stopped = _interrupt_note(interrupted, planned, results)
            wall = time.perf_counter() - t0
            ordered, index, summary = write_run_files(cfg, results, wall, clients, interrupted, stopped)
    finally:
        release_all(locks)
    return BatchResult(
        config=cfg,
        results=ordered,
        index=index,
        summary=summary,
        wall_s=wall,
        ran=frozenset(results),
        interrupted=interrupted,
        stopped=stopped,
    )


def _interrupt_note(name: str, planned: int | None, results: Mapping) -> str:
    if planned is None:
        return f"interrupted by {name} before any report ran"
    left = planned - len(results)
    return (
        f"interrupted by {name}: {left} of the {planned} reports of this run did not finish; "
        "they keep their earlier result, if any (run again with --resume to finish)"
    )


def _remove_temp_files(run_dir: Path, clients: Sequence[str]) -> None:
    """Remove temporary files a stopped worker left in the folders of the clients this run holds."""
    for name in clients:
        for p in (run_dir / name).glob(".*.tmp"):
            p.unlink(missing_ok=True)


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
    guard: SignalGuard,
    results: dict[tuple[str, str], TaskResult],
    pdf: bool = False,
) -> str:
    """Run the tasks in a pool of forked workers, longest first, into ``results``; why it stopped early, or "".

    A report that reads other reports of its client (notebook 05) starts once they have finished
    (:class:`kpikit.batch.plan.Schedule`). It stops scheduling when a signal arrives (then stops the
    workers, see :func:`stop_processes`) or when the disk is full (then the reports running finish
    and the rest do not start).
    """
    import concurrent.futures as cf
    import multiprocessing as mp

    from tqdm.auto import tqdm

    from kpikit.render import error_message

    # longest first (LPT scheduling), so no long report starts last while the other workers idle;
    # a report reading others of its client waits for them
    schedule = Schedule(todo, cost=lambda t: _expected_seconds(t, previous))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    # Workers are forked from this process once the imports they need are done here (cheaper
    # than each worker importing them); no thread runs yet (tqdm's monitor thread is off).
    zygote_addr = (zygote.sock_path, zygote.proc.pid) if zygote else None
    _prepare_worker_imports()
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    events, stop = ctx.Queue(), ctx.Event()
    running: list[str] = []
    shown = stopped = ""
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
    pool = cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=ctx,
        initializer=_worker_init,
        initargs=(events, zygote_addr, stop, os.getpid(), pdf),
    )
    futures: dict = {}
    procs: list = []
    pending: set = set()
    finished = False

    def submit_ready() -> None:
        for t in schedule.ready(idle=not pending):
            f = pool.submit(_run_task, t, timeout)
            futures[f] = t
            pending.add(f)
        procs[:] = list((getattr(pool, "_processes", None) or {}).values())  # forked at the first submit

    try:
        submit_ready()
        while pending and guard.signum is None:
            done, pending = cf.wait(pending, timeout=0.3, return_when=cf.FIRST_COMPLETED)
            _drain_events(events, running)
            for f in done:
                schedule.done(futures[f])
                r = None if f.cancelled() else _future_result(f, futures[f])
                if r is None:  # not started: the run is stopping
                    continue
                results[(r.client, r.notebook)] = r
                bar.update(1)
                if progress and r.status == "failed":
                    bar.write(f"FAILED {futures[f].key}: {error_message(r.error)}", file=sys.stderr)
                if (r.error or {}).get("kind") == "disk full" and not stopped:
                    stopped = f"the disk is full ({r.client}/{r.notebook} could not be written), so the reports not yet started were not run"
                    stop.set()
                    for p in pending:
                        p.cancel()
            if not stopped and guard.signum is None:
                submit_ready()
            postfix = ("running: " + ", ".join(running)) if running else ""
            if postfix != shown:
                bar.set_postfix_str(postfix, refresh=False)
                shown = postfix
        finished = not pending
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted (or an error here): stop now, keep what came back
            _stop_pool(pool, procs, stop, futures, results)
        bar.close()
    return stopped


def _stop_pool(pool: Any, procs: list, stop: Any, futures: Mapping, results: dict[tuple[str, str], TaskResult]) -> None:
    """Stop the pool and its workers now, keeping in ``results`` the reports that finished."""
    stop.set()
    pool.shutdown(wait=False, cancel_futures=True)
    stop_processes(procs)
    for f, t in futures.items():
        key = (t.client, t.notebook.stem)
        if key not in results and f.done() and not f.cancelled() and f.exception() is None and f.result():
            results[key] = f.result()


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


def _future_result(future: Any, t: Task) -> TaskResult | None:
    """A finished task's result (None: not started); a worker process that died fails this report."""
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
