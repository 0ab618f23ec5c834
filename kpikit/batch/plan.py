"""Planning a batch: one task per client and notebook, input hashes for --resume, the order reports run in.

A notebook that reads other reports of its client (it declares a ``reports_dir`` parameter, as
notebook 05 does to place the client's own bounce rate, churn and NPS within published figures) gets
that client's report folder as ``reports_dir``, runs after the reports it reads (:func:`task_dependencies`,
:class:`Schedule`), and its input hash includes theirs, so ``--resume`` renders it again whenever one of
them changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpikit.batch.config import BatchConfig, BatchConfigError, ClientSpec
from kpikit.batch.tasks import Task
from kpikit.errors import did_you_mean

__all__ = ["plan_tasks", "input_hash", "task_dependencies", "Schedule", "REPORTS_PARAMETER", "SOURCES_PARAMETER"]

#: The parameter by which a notebook asks for its client's report folder (injected per client).
REPORTS_PARAMETER = "reports_dir"
#: The parameter naming which reports such a notebook reads (``{"metric": "<notebook stem>:<kpi>"}``).
SOURCES_PARAMETER = "client_kpi_sources"


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _folder_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            h.update(rel.as_posix().encode() + b"\0" + _file_digest(p).encode() + b"\n")
    return h.hexdigest()


def input_hash(notebook: Path, parameters: Mapping[str, Any], data_dir: Path, mapping_file: Path | None = None) -> str:
    """SHA-256 of a report's inputs: notebook bytes, parameters, data folder files, mapping file, kpikit version.

    A report's ``.kpis.json`` records it; ``--resume`` skips the report while it is unchanged.

    Parameters
    ----------
    notebook : Path
        The notebook file.
    parameters : mapping
        The parameter values passed to the notebook (as JSON, keys sorted).
    data_dir : Path
        The client's data folder: every file's relative name and bytes (hidden files left out).
    mapping_file : Path, optional
        The client's column-mapping file.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    return _hash_inputs(notebook, parameters, _folder_digest(data_dir), mapping_file)


def _hash_inputs(notebook: Path, parameters: Mapping[str, Any], data_digest: str, mapping_file: Path | None) -> str:
    """:func:`input_hash` with the data folder's digest already computed (once per client)."""
    from kpikit import __version__
    from kpikit.report import to_jsonable

    h = hashlib.sha256()
    h.update(b"kpikit " + __version__.encode() + b"\n")
    h.update(b"notebook " + _file_digest(notebook).encode() + b"\n")
    h.update(b"parameters " + json.dumps(to_jsonable(dict(parameters)), sort_keys=True).encode() + b"\n")
    h.update(b"data " + data_digest.encode() + b"\n")
    if mapping_file is not None:
        h.update(b"mapping " + _file_digest(mapping_file).encode() + b"\n")
    return h.hexdigest()


def _rel(path: Path, start: Path) -> str:
    return os.path.relpath(Path(path).resolve(), Path(start).resolve())


def plan_tasks(config: BatchConfig, only: Sequence[str] | None = None) -> list[Task]:
    """Every report of the batch (client-major order), with its parameters and input hash.

    ``data_dir``, ``mapping_file`` and ``client`` are set per client (paths relative to the notebook
    folder); the defaults and the client's overrides are passed only to notebooks that declare them. A
    notebook declaring ``reports_dir`` gets the client's report folder (after the defaults, so a default
    never points every client at one folder; a client's own override wins), and its input hash
    includes those of the client's reports it reads (:func:`task_dependencies`).

    Parameters
    ----------
    config : BatchConfig
        The checked batch (see :func:`load_config`).
    only : sequence of str, optional
        Plan only these clients.

    Returns
    -------
    list of Task
        One task per client x notebook.

    Raises
    ------
    BatchConfigError
        When ``only`` names a client the batch does not have (with the closest name).
    """
    from kpikit.report import parameter_spec

    tasks = []
    for c in select_clients(config, only):
        digest = _folder_digest(c.data_dir)
        planned = []
        for stem in c.notebooks:
            nb = config.notebooks[stem]
            spec = parameter_spec(nb)
            values: dict[str, Any] = {}
            if "data_dir" in spec:
                values["data_dir"] = _rel(c.data_dir, nb.parent)
            if "mapping_file" in spec:
                values["mapping_file"] = None if c.mapping_file is None else _rel(c.mapping_file, nb.parent)
            if "client" in spec:
                values["client"] = c.name
            values.update({k: v for k, v in config.defaults.items() if k in spec})
            if REPORTS_PARAMETER in spec:  # this client's own reports, never another client's
                values[REPORTS_PARAMETER] = _rel(config.run_dir / c.name, nb.parent)
            values.update({k: v for k, v in c.parameters.items() if k in spec})
            h = _hash_inputs(nb, values, digest, c.mapping_file)
            planned.append(
                Task(client=c.name, notebook=nb, parameters=values, outdir=config.run_dir / c.name, input_hash=h)
            )
        tasks += _with_dependency_hashes(planned)
    return tasks


def _with_dependency_hashes(tasks: list[Task]) -> list[Task]:
    """One client's tasks, a report that reads others hashed with their input hashes (for --resume)."""
    import dataclasses

    deps = task_dependencies(tasks)
    hashes = {t.key: t.input_hash for t in tasks}
    out = []
    for t in tasks:
        if deps[t.key]:
            h = hashlib.sha256(t.input_hash.encode())
            for key in deps[t.key]:
                h.update(b"\nreads " + key.encode() + b" " + hashes[key].encode())
            t = dataclasses.replace(t, input_hash=h.hexdigest())
        out.append(t)
    return out


def _reads(task: Task) -> set[str] | None:
    """The notebook stems a report reads the KPIs of; None: every other report of its client.

    Read from its ``client_kpi_sources`` parameter (``"01_bounce_rate_diagnosis:bounce_rate"`` names
    notebook 01), the value the task passes or else the notebook's default.
    """
    from kpikit.report import parameter_spec

    spec = parameter_spec(task.notebook)
    if SOURCES_PARAMETER not in spec:
        return None
    sources = task.parameters.get(SOURCES_PARAMETER, spec[SOURCES_PARAMETER].default)
    if not isinstance(sources, Mapping):
        return None
    return {str(v).partition(":")[0] for v in sources.values()}


def task_dependencies(tasks: Sequence[Task]) -> dict[str, tuple[str, ...]]:
    """Which reports of the run each report must wait for: those of its client it reads.

    A notebook that declares ``reports_dir`` reads its client's reports named in its
    ``client_kpi_sources`` (every other report of the client, when it has no such parameter, except
    those that read reports themselves). Only the tasks given count: a report that ``--resume``
    skips, or that another run renders, is not waited for.

    Parameters
    ----------
    tasks : sequence of Task
        The reports of a run (any clients).

    Returns
    -------
    dict
        Task key (``client/NN_name``) -> the keys of the tasks it runs after, in the given order.
    """
    from kpikit.report import parameter_spec

    readers = {t.key for t in tasks if REPORTS_PARAMETER in parameter_spec(t.notebook)}
    out: dict[str, tuple[str, ...]] = {}
    for t in tasks:
        if t.key not in readers:
            out[t.key] = ()
            continue
        wanted = _reads(t)
        out[t.key] = tuple(
            o.key
            for o in tasks
            if o.client == t.client
            and o.key != t.key
            and (o.notebook.stem in wanted if wanted is not None else o.key not in readers)
        )
    return out


class Schedule:
    """The order a run starts its reports in: longest first, a report only once those it reads have finished.

    ``ready()`` hands out the tasks whose dependencies (:func:`task_dependencies`, within these tasks)
    have all finished, longest expected first; ``done(task)`` marks one finished, whatever its outcome
    (a report that failed is not waited for again: the one reading it notes the missing figures).

    Parameters
    ----------
    tasks : sequence of Task
        The reports to run.
    cost : callable, optional
        Task -> its expected seconds (longest first); default the plan order.

    Examples
    --------
    >>> schedule = Schedule([])
    >>> schedule.ready(), schedule.pending
    ([], 0)
    """

    def __init__(self, tasks: Sequence[Task], cost: Any = None) -> None:
        self._waiting = list(tasks)
        self._deps = task_dependencies(self._waiting)
        self._finished: set[str] = set()
        self._cost = cost

    @property
    def pending(self) -> int:
        """How many tasks have not been handed out yet."""
        return len(self._waiting)

    def ready(self, idle: bool = False) -> list[Task]:
        """The tasks that may start now (each handed out once), longest expected first.

        Parameters
        ----------
        idle : bool
            Nothing is running: if no task is ready then, the waiting ones read each other (a cycle
            in their sources) and all start, each noting the figures it lacks, rather than none.

        Returns
        -------
        list of Task
        """
        go = [t for t in self._waiting if all(k in self._finished for k in self._deps[t.key])]
        if idle and not go:
            go = list(self._waiting)
        self._waiting = [t for t in self._waiting if t not in go]
        if self._cost is not None:
            go.sort(key=self._cost, reverse=True)
        return go

    def done(self, task: Task) -> None:
        """Mark a task finished (rendered, failed or not started because the run stops).

        Parameters
        ----------
        task : Task
            The task.
        """
        self._finished.add(task.key)


def select_clients(config: BatchConfig, only: Sequence[str] | None = None) -> list[ClientSpec]:
    """The clients a run renders: all of them, or those ``--only`` names (in batch-file order).

    Raises
    ------
    BatchConfigError
        When ``only`` names a client the batch does not have (with the closest name).
    """
    names = [c.name for c in config.clients]
    unknown = [o for o in only or () if o not in names]
    if unknown:
        raise BatchConfigError(
            str(config.path), [f"--only: unknown client {o!r}{did_you_mean(o, names)}" for o in unknown]
        )
    return [c for c in config.clients if not only or c.name in only]


def _complete(task: Task) -> bool:
    """Whether a report's three outputs exist for the task's inputs and no later attempt failed."""
    stem = task.notebook.stem
    paths = [task.outdir / f"{stem}{ext}" for ext in (".ipynb", ".html", ".kpis.json")]
    if not all(p.is_file() for p in paths) or (task.outdir / f"{stem}.error.html").exists():
        return False
    try:
        record = json.loads(paths[2].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return record.get("input_hash") == task.input_hash


def _previous_state(run_dir: Path) -> dict:
    p = run_dir / "batch.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        return {(r["client"], r["notebook"]): r for r in data.get("results", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _expected_seconds(task: Task, previous: Mapping) -> float:
    """Expected run time of a report: its previous duration, else a guess from its cells.

    The guess, 0.25 s per code cell plus 0.75 s per cell that draws a chart, matched the sample
    notebooks' durations well enough to order them; only the order of the runs depends on it.
    """
    old = previous.get((task.client, task.notebook.stem), {})
    if old.get("duration_s") and old.get("status") in ("ok", "unchanged", "failed"):
        return float(old["duration_s"])
    return _cell_cost(task.notebook)


@functools.lru_cache(maxsize=256)
def _cell_cost(notebook: Path) -> float:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return 0.0
    code = ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    charts = sum(1 for src in code if any(k in src for k in ("kk.plots.", "plots.", "sns.", "plt.", ".plot(")))
    return 0.25 * len(code) + 0.75 * charts
