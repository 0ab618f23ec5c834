"""Batch report runs: many clients x many notebooks, unattended, with an index and a summary.

``kpikit batch CONFIG [--jobs N] [--resume] [--only CLIENT...] [--timeout SECONDS]`` reads a YAML batch
file, checks all of it before anything runs, renders every client x notebook in a pool of worker
processes and writes, under ``<output>/<run>/``::

    index.html                 every client x notebook: status, duration, headline KPIs, links
    summary.csv                one row per client, the headline KPIs of every notebook side by side
    batch.json                 the same results, machine-readable (read back by --resume)
    <client>/NN_name.html      the report (no code cells), title block, table of contents
    <client>/NN_name.ipynb     the executed notebook
    <client>/NN_name.kpis.json the headline KPIs, the parameters and the hash of the inputs
    <client>/NN_name.error.html and NN_name.failed.ipynb   for a failed run only

The batch file
--------------
Relative paths are relative to the batch file's folder::

    run: 2025-06                      # run name: a plain folder name under output (no separators, no ..)
    output: ../../reports             # default: reports (beside the batch file)
    notebook_dir: ../../notebooks     # where the NN_name.ipynb notebooks live
    notebooks: [01_bounce_rate_diagnosis, 02_funnel_conversion]   # default for clients: all
    timeout: 600                      # per-cell timeout in seconds (default 600)
    defaults:                         # parameter values for every client (only to notebooks declaring them)
      definition: ga4
    clients:
      - name: juniper-box             # folder name of the client's reports (no path separators, no ..)
        data: clients/juniper-box     # folder holding the client's canonical tables
        mapping: null                 # optional YAML column-mapping file
        parameters: {client: Juniper Box}   # overrides; ``client`` defaults to the name
        notebooks: [01_bounce_rate_diagnosis]   # optional: the notebooks to run for this client

Every problem is collected before anything runs (unknown keys and notebooks and parameters, each with
the closest valid name, wrong types, missing folders, unsafe client names) and raised together as a
:class:`BatchConfigError`. The batch sets each notebook's ``data_dir``, ``mapping_file`` and ``client``
parameters (paths relative to the notebook folder, so no absolute path reaches a report).

Fault isolation
---------------
Each report runs in its own kernel process. An exception, a cell timeout or a kernel that dies fails
that report alone: its error (cell, exception, message) goes to ``NN_name.error.html``, the index and
``batch.json``; the batch goes on and the exit status is 1 at the end. Outputs are written under
temporary names and moved into place only when the whole report succeeded; a failed run removes the
previous outputs of that report, so a run folder never mixes a new failure with an old report.

Resume
------
Every ``.kpis.json`` carries ``input_hash``: SHA-256 over the notebook file, the parameters passed,
every file of the client's data folder (names and bytes), the mapping file and the kpikit version.
``--resume`` skips a report whose three outputs exist and whose recorded hash equals the hash of the
current inputs; anything changed, missing or failed runs again.

Scheduling
----------
Reports run longest first (their duration in the previous run's ``batch.json``, else an estimate
from their code and chart cells), so the batch does not end with one long report running alone; the
index and summary keep the order of the batch file.

Warm kernels: a fork-based zygote
---------------------------------
Starting a kernel and importing pandas, scipy, seaborn, pandera and kpikit costs several seconds of
CPU per report, often more than a report spends on its own numbers. Re-using one kernel for several
reports would leak state (variables, module attributes, matplotlib rcParams, warning filters) from
one client's report into the next. kpikit instead starts one *zygote* per batch: a plain Python
process that imports ipykernel, IPython, numpy, pandas, scipy, matplotlib, seaborn and the kpikit
modules once, fills a few caches (the CSV parser, pandas' Styler templates, an off-screen Agg
drawing; no pyplot figure, no option or rcParams change) and then runs no notebook code at all, and
creates no thread, zmq context or event loop. For each report a pool worker asks the zygote (over a
unix socket) to ``fork()``; the child becomes a brand-new IPython kernel (``IPKernelApp`` started in
the child, on its own connection file and unix-socket transport, in the notebook's folder, with its
numpy global random state re-seeded from the OS, in its own session and killed if the zygote dies)
and is killed after that one report. Forking is copy-on-write, so every kernel begins with the
imports done and with nothing that any other report did: the zygote's memory is the same for every
child and no child's changes flow back. Each worker also asks for the kernel of its next report
while the current one runs, so kernel start-up overlaps with work. What a kernel imports while it
starts (ipykernel's debugger brings debugpy) is imported by the zygote too, so a forked kernel starts
on about 0.05 s of CPU instead of 0.2 s; and a worker takes a kernel as ready as soon as it answers
``kernel_info`` with its IOPub channel connected, without jupyter_client's wait for 0.2 s of IOPub
silence (nbclient ignores IOPub messages that are not its cell's). Charts are drawn once, not twice,
in every kpikit notebook, batch or not (:func:`kpikit.plots.draw_charts_once`). Together these took
the 16-report benchmark from 1.97x to about 2.5x the plain pool's throughput (``benchmarks/batch.py``).
The pool workers themselves are forked from the parent after it has imported nbclient, papermill and
the HTML exporter. Should the
zygote die, workers fall back to ordinary kernels; ``warm=False`` (``--cold``) uses ordinary kernels
started by jupyter_client throughout, as papermill does (and is the fallback where ``os.fork`` does not
exist).

Execution uses papermill's parameter injection (:func:`papermill.parameterize.parameterize_notebook`,
so the executed notebook has the same injected cell as ``papermill`` would write) and
:class:`nbclient.NotebookClient` with the managed kernel; the HTML comes from
:func:`kpikit.render.notebook_html`.

Example clients: ``python -m kpikit.batch --make-sample`` regenerates ``data/sample/clients/`` (three
small datasets from :func:`kpikit.sample.generate` with their own seeds and effects) byte for byte.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import difflib
import functools
import hashlib
import html
import io
import json
import math
import os
import re
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kpikit.errors import ParameterError

# kpikit.report (pandas, numpy) is imported where it is used, so that `kpikit batch` can start the
# kernel zygote before the heavy imports of the parent process.

__all__ = [
    "BatchConfigError",
    "ClientSpec",
    "BatchConfig",
    "Task",
    "TaskResult",
    "BatchResult",
    "load_config",
    "check_client_name",
    "plan_tasks",
    "input_hash",
    "run_batch",
    "write_batch_index",
    "write_summary",
    "SAMPLE_CLIENTS",
    "make_sample",
    "main",
]

DEFAULT_TIMEOUT = 600.0
_TOP_KEYS = ("run", "output", "notebook_dir", "notebooks", "timeout", "defaults", "clients")
_CLIENT_KEYS = ("name", "data", "mapping", "parameters", "notebooks")
_SET_BY_BATCH = {"data_dir": "data", "mapping_file": "mapping"}
_RESERVED_NAMES = {"index.html", "summary.csv", "batch.json"}
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f\x7f]+$")


class BatchConfigError(ParameterError):
    """A batch file with problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s), nothing was run:\n  - " + "\n  - ".join(self.problems))


@dataclasses.dataclass(frozen=True)
class ClientSpec:
    """One client of a batch: report folder name, data folder, mapping file, overrides, notebooks."""

    name: str
    data_dir: Path
    mapping_file: Path | None
    parameters: dict
    notebooks: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class BatchConfig:
    """A validated batch file (see the module docstring for its keys)."""

    path: Path
    run: str
    output: Path
    notebook_dir: Path
    notebooks: dict  # stem -> Path, in order
    timeout: float | None
    defaults: dict
    clients: tuple[ClientSpec, ...]

    @property
    def run_dir(self) -> Path:
        """The folder of this run's outputs: ``<output>/<run>``."""
        return self.output / self.run


@dataclasses.dataclass(frozen=True)
class Task:
    """One report to render: a client's notebook with its parameters."""

    client: str
    notebook: Path
    parameters: dict
    outdir: Path
    input_hash: str

    @property
    def key(self) -> str:
        return f"{self.client}/{self.notebook.stem}"


@dataclasses.dataclass
class TaskResult:
    """Outcome of one report: status ``ok``, ``failed``, ``unchanged`` (skipped by --resume) or ``not run``."""

    client: str
    notebook: str
    status: str
    duration_s: float = 0.0
    error: dict | None = None
    kpis: dict = dataclasses.field(default_factory=dict)
    input_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "unchanged")

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class BatchResult:
    """Outcome of a batch: every result, the index and summary paths, the exit status."""

    config: BatchConfig
    results: list
    index: Path
    summary: Path
    wall_s: float

    @property
    def failed(self) -> list:
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_status(self) -> int:
        return 1 if self.failed else 0


# --------------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------------


def _closest(name: str, valid: Iterable[str]) -> str:
    valid = list(valid)
    close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else f"; valid: {', '.join(valid)}"


def check_client_name(name: Any) -> str | None:
    """Why ``name`` cannot be a client's report folder, or None when it can.

    A client name is one folder name under ``<output>/<run>/``: no path separators, no ``..``, not
    absolute, not hidden (leading dot), no control characters, no leading/trailing spaces, at most
    100 characters, and not one of the run's own files (index.html, summary.csv, batch.json). Any
    other text is allowed (it is escaped wherever it is shown).

    Examples
    --------
    >>> check_client_name("acme-eu") is None
    True
    >>> check_client_name("../etc")
    "'../etc' contains a path separator ('/' or '\\\\\\\\'); use a plain folder name such as 'acme-eu'"
    """
    if not isinstance(name, str) or not name:
        return f"{name!r} is not a non-empty string"
    fix = "; use a plain folder name such as 'acme-eu'"
    if os.path.isabs(name) or "/" in name or "\\" in name:
        return f"{name!r} contains a path separator ('/' or '\\\\'){fix}"
    if ".." in name:
        return f"{name!r} contains '..'{fix}"
    if name.startswith("."):
        return f"{name!r} starts with a dot (a hidden folder){fix}"
    if not _SAFE_NAME.match(name):
        return f"{name!r} contains control characters{fix}"
    if name != name.strip():
        return f"{name!r} has leading or trailing spaces{fix}"
    if len(name) > 100:
        return f"{name[:20]!r}... is longer than 100 characters{fix}"
    if name.lower() in _RESERVED_NAMES:
        return f"{name!r} is the name of one of the run's own files{fix}"
    return None


def _notebook_key(name: Any, known: Mapping[str, Path]) -> str | None:
    if not isinstance(name, str):
        return None
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    return stem if stem in known else None


def _type_name(value: Any) -> str:
    return type(value).__name__


def load_config(path: str | Path) -> BatchConfig:
    """Read and validate a batch file; every problem is reported at once.

    Raises
    ------
    BatchConfigError
        Listing every problem: YAML syntax, unknown keys, unknown notebooks and parameter names (with
        the closest valid name), wrong types, missing data folders or mapping files, unsafe or
        duplicate client names.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise BatchConfigError(str(path), [f"no such batch file: {path}"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BatchConfigError(str(path), [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise BatchConfigError(str(path), ["the batch file must be a mapping with keys " + ", ".join(_TOP_KEYS)])
    base = path.parent
    problems: list[str] = []

    for key in raw:
        if key not in _TOP_KEYS:
            problems.append(f"unknown key {key!r}{_closest(key, _TOP_KEYS)}")

    run = raw.get("run")
    if run is None:
        problems.append("missing key 'run' (the run name, e.g. run: 2025-06)")
    else:
        why = check_client_name(run if isinstance(run, str) else str(run))
        if not isinstance(run, (str, int)) or isinstance(run, bool):
            problems.append(f"'run' must be a string (got {run!r}, a {_type_name(run)})")
        elif why:
            problems.append(f"run name {why.replace('folder name', 'run name')}")
    run = str(run) if run is not None else ""

    def _path(value: Any, what: str, default: str | None = None) -> Path | None:
        if value is None:
            value = default
        if value is None:
            return None
        if not isinstance(value, str):
            problems.append(f"{what} must be a path string (got {value!r}, a {_type_name(value)})")
            return None
        p = Path(value).expanduser()
        return (p if p.is_absolute() else (base / p)).resolve()

    output = _path(raw.get("output"), "'output'", "reports")
    nb_dir = _path(raw.get("notebook_dir"), "'notebook_dir'", "notebooks")
    known: dict[str, Path] = {}
    if nb_dir is not None:
        if not nb_dir.is_dir():
            problems.append(f"notebook_dir {str(nb_dir)!r} is not a folder; set notebook_dir: to the folder of the NN_name.ipynb notebooks")
        else:
            from kpikit.render import list_notebooks

            known = {p.stem: p for p in list_notebooks(nb_dir)}
            if not known:
                problems.append(f"notebook_dir {str(nb_dir)!r} holds no NN_name.ipynb notebooks")

    from kpikit.report import parameter_spec, validate_parameters

    specs: dict[str, dict] = {}
    for stem, nbp in known.items():
        try:
            specs[stem] = parameter_spec(nbp)
        except (ParameterError, SyntaxError) as exc:
            problems.append(f"notebook {nbp.name}: {exc}")

    timeout = raw.get("timeout", DEFAULT_TIMEOUT)
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        problems.append(f"'timeout' must be a positive number of seconds or null (got {timeout!r})")
        timeout = DEFAULT_TIMEOUT

    def _notebook_list(value: Any, where: str) -> tuple[str, ...] | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            problems.append(f"{where}: 'notebooks' must be a list of notebook names (got a {_type_name(value)})")
            return None
        out = []
        for name in value:
            key = _notebook_key(name, known)
            if key is None:
                if known:
                    problems.append(f"{where}: unknown notebook {name!r}{_closest(str(name), known)}")
            elif key not in out:
                out.append(key)
        return tuple(out)

    default_nbs = _notebook_list(raw.get("notebooks"), "top level")
    if default_nbs is None:
        default_nbs = tuple(known)

    def _check_params(values: Any, where: str, notebooks: Sequence[str]) -> dict:
        if values is None:
            return {}
        if not isinstance(values, dict):
            problems.append(f"{where}: parameters must be a mapping name: value (got a {_type_name(values)})")
            return {}
        declared: dict[str, list[str]] = {}
        for stem in notebooks:
            for name in specs.get(stem, {}):
                declared.setdefault(name, []).append(stem)
        for name, value in values.items():
            if name in _SET_BY_BATCH:
                problems.append(f"{where}: parameter {name!r} is set by the client's {_SET_BY_BATCH[name]!r} key; remove it from the parameters")
                continue
            if name not in declared:
                problems.append(f"{where}: unknown parameter {name!r}{_closest(str(name), declared)} (not declared by {', '.join(notebooks) or 'any notebook'})")
                continue
            for stem in declared[name]:
                for msg in validate_parameters(specs[stem], {name: value}, source=f"{where}, notebook {stem}"):
                    problems.append(msg)
        return dict(values)

    defaults_raw = raw.get("defaults")
    defaults = _check_params(defaults_raw, "defaults", tuple(known)) if specs else {}

    clients_raw = raw.get("clients")
    clients: list[ClientSpec] = []
    if not isinstance(clients_raw, list) or not clients_raw:
        problems.append("'clients' must be a non-empty list of clients (each with name: and data:)")
        clients_raw = []
    seen: dict[str, int] = {}
    for i, c in enumerate(clients_raw, start=1):
        if not isinstance(c, dict):
            problems.append(f"client {i}: must be a mapping with keys {', '.join(_CLIENT_KEYS)} (got {c!r})")
            continue
        name = c.get("name")
        where = f"client {name!r}" if isinstance(name, str) else f"client {i}"
        for key in c:
            if key not in _CLIENT_KEYS:
                problems.append(f"{where}: unknown key {key!r}{_closest(str(key), _CLIENT_KEYS)}")
        why = check_client_name(name)
        if why:
            problems.append(f"{where}: client name {why}")
        elif name.lower() in seen:
            problems.append(f"{where}: duplicate client name (also client {seen[name.lower()]}); names must differ (ignoring case)")
        else:
            seen[name.lower()] = i
        data = _path(c.get("data"), f"{where}: 'data'")
        if c.get("data") is None:
            problems.append(f"{where}: missing key 'data' (the folder holding the client's tables)")
        elif data is not None and not data.is_dir():
            problems.append(f"{where}: data folder {str(data)!r} does not exist; fix the path (relative to {base})")
        mapping = _path(c.get("mapping"), f"{where}: 'mapping'")
        if mapping is not None and not mapping.is_file():
            problems.append(f"{where}: mapping file {str(mapping)!r} does not exist")
        nbs = _notebook_list(c.get("notebooks"), where)
        nbs = default_nbs if nbs is None else nbs
        params = _check_params(c.get("parameters"), where, nbs)
        if not why:
            clients.append(ClientSpec(name=name, data_dir=data or Path(), mapping_file=mapping, parameters=params, notebooks=nbs))
    if problems:
        raise BatchConfigError(str(path), problems)
    return BatchConfig(
        path=path.resolve(),
        run=run,
        output=output.resolve(),
        notebook_dir=nb_dir.resolve(),
        notebooks=known,
        timeout=None if timeout is None else float(timeout),
        defaults=defaults,
        clients=tuple(clients),
    )


# --------------------------------------------------------------------------------------------------
# Plan and input hashes
# --------------------------------------------------------------------------------------------------


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


def input_hash(notebook: Path, parameters: Mapping[str, Any], data_dir: Path, mapping_file: Path | None = None, _data_digest: str | None = None) -> str:
    """SHA-256 of a report's inputs: notebook bytes, parameters, data folder files, mapping file, kpikit version."""
    from kpikit import __version__
    from kpikit.report import to_jsonable

    h = hashlib.sha256()
    h.update(b"kpikit " + __version__.encode() + b"\n")
    h.update(b"notebook " + _file_digest(notebook).encode() + b"\n")
    h.update(b"parameters " + json.dumps(to_jsonable(dict(parameters)), sort_keys=True).encode() + b"\n")
    h.update(b"data " + (_data_digest or _folder_digest(data_dir)).encode() + b"\n")
    if mapping_file is not None:
        h.update(b"mapping " + _file_digest(mapping_file).encode() + b"\n")
    return h.hexdigest()


def _rel(path: Path, start: Path) -> str:
    return os.path.relpath(Path(path).resolve(), Path(start).resolve())


def plan_tasks(config: BatchConfig, only: Sequence[str] | None = None) -> list[Task]:
    """Every report of the batch (client-major order), with its parameters and input hash.

    ``data_dir``, ``mapping_file`` and ``client`` are set per client (paths relative to the notebook
    folder); the defaults and the client's overrides are passed only to notebooks that declare them.
    """
    from kpikit.report import parameter_spec

    names = [c.name for c in config.clients]
    if only:
        unknown = [o for o in only if o not in names]
        if unknown:
            raise BatchConfigError(str(config.path), [f"--only: unknown client {o!r}{_closest(o, names)}" for o in unknown])
    tasks = []
    for c in config.clients:
        if only and c.name not in only:
            continue
        digest = _folder_digest(c.data_dir)
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
            for source in (config.defaults, c.parameters):
                values.update({k: v for k, v in source.items() if k in spec})
            h = input_hash(nb, values, c.data_dir, c.mapping_file, _data_digest=digest)
            tasks.append(Task(client=c.name, notebook=nb, parameters=values, outdir=config.run_dir / c.name, input_hash=h))
    return tasks


def _complete(task: Task) -> bool:
    stem = task.notebook.stem
    paths = [task.outdir / f"{stem}{ext}" for ext in (".ipynb", ".html", ".kpis.json")]
    if not all(p.is_file() for p in paths):
        return False
    try:
        record = json.loads(paths[2].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return record.get("input_hash") == task.input_hash


# --------------------------------------------------------------------------------------------------
# Warm kernels: the zygote (see the module docstring)
# --------------------------------------------------------------------------------------------------

_PRELOAD = (
    # what a kernel imports while it starts (ipykernel.debugger brings debugpy: 0.12 s of a forked
    # kernel's 0.17 s start-up when left to each kernel)
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython", "IPython.core.completerlib",
    "IPython.extensions.storemagic", "sqlite3", "tornado.queues", "tornado.platform.asyncio",
    # what the notebooks import
    "numpy", "pandas", "scipy", "scipy.stats",
    "scipy.optimize", "scipy.special", "matplotlib", "matplotlib.pyplot", "seaborn", "yaml", "pandera",
    "kpikit", "kpikit.errors", "kpikit.stats", "kpikit.schemas", "kpikit.io", "kpikit.web", "kpikit.funnel",
    "kpikit.attribution", "kpikit.acquisition", "kpikit.subscriptions", "kpikit.survival", "kpikit.clv",
    "kpikit.satisfaction", "kpikit.social", "kpikit.benchmark", "kpikit.plots", "kpikit.report",
)


def _die_with_parent() -> None:
    """Linux: get SIGKILL when the parent process dies (PR_SET_PDEATHSIG), so nothing is orphaned."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _warm_up() -> None:  # pragma: no cover - runs in the zygote
    """Exercise lazy code paths once (CSV parser, Styler templates, Agg drawing) so kernels start warm.

    Only caches are filled: no pyplot figure (the backend stays unresolved, so each kernel enables
    the inline backend itself), no option or rcParams change, warnings suppressed and their
    filters restored.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(Exception):
            import pandas as pd

            df = pd.read_csv(io.StringIO("n,page,day\n1,/a,2024-01-01\n2,/b,2024-01-02\n"), parse_dates=["day"])
            df.groupby("page", as_index=False)["n"].sum().merge(df, on="page")
            df.to_html()
            df.style.format({"n": "{:.1f}"}).hide(axis="index").to_html()
        with contextlib.suppress(Exception):
            from matplotlib.figure import Figure

            fig = Figure(figsize=(3, 2))
            ax = fig.subplots()
            import seaborn as sns

            sns.barplot(x=["a", "b"], y=[1.0, 2.0], ax=ax)
            ax.set_title("warm-up")
            fig.savefig(io.BytesIO(), format="png")


def _zygote_main(sock_path: str) -> None:  # pragma: no cover - runs in its own process; exercised by the batch tests
    """The zygote: import once, then fork a fresh kernel per request (JSON lines on a unix socket)."""
    import importlib
    import selectors
    import socket
    import warnings

    _die_with_parent()
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)  # listen first: workers connect while the imports run
    srv.listen(64)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # what ipykernel sets; lazy in mpl
    # debugpy (imported by ipykernel.debugger) warns on stderr about frozen modules at import; the
    # variable silences that check for the import only and is removed before any kernel forks
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in _PRELOAD:
            try:
                importlib.import_module(name)
            except Exception:  # a broken module fails in the notebook that imports it, as usual
                sys.modules.pop(name, None)
    os.environ.pop("PYDEVD_DISABLE_FILE_VALIDATION", None)
    _warm_up()
    children: set[int] = set()

    def reap(*_):
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)

    signal.signal(signal.SIGCHLD, reap)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, "accept")
    sel.register(0, selectors.EVENT_READ, "parent")  # EOF on stdin: the batch is over (or died)
    buffers: dict = {}
    running = True
    while running:
        for key, _ in sel.select():
            if key.data == "accept":
                conn, _ = srv.accept()
                buffers[conn] = b""
                sel.register(conn, selectors.EVENT_READ, "conn")
            elif key.data == "parent":
                if not os.read(0, 4096):
                    running = False
            else:
                conn = key.fileobj
                data = conn.recv(65536)
                if not data:
                    sel.unregister(conn)
                    conn.close()
                    buffers.pop(conn, None)
                    continue
                buffers[conn] += data
                while b"\n" in buffers[conn]:
                    line, buffers[conn] = buffers[conn].split(b"\n", 1)
                    req = json.loads(line)
                    pid = os.fork()
                    if pid == 0:
                        sel.close()
                        srv.close()
                        for c in buffers:
                            c.close()
                        _kernel_child(req)  # never returns
                    children.add(pid)
                    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    for pid in list(children):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    os._exit(0)


def _kernel_child(req: dict) -> None:  # pragma: no cover - runs in the forked kernel process
    code = 1
    try:
        os.setsid()
        _die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        os.chdir(req["cwd"])
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()  # fresh global state, as in a newly started interpreter
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = [sys.executable, "-f", req["connection_file"]]
        app = IPKernelApp.instance()
        app.initialize(["-f", req["connection_file"], "--HistoryManager.hist_file=:memory:"])  # as nbclient does
        app.start()
        code = 0
    except BaseException:
        with contextlib.suppress(Exception):
            Path(req["connection_file"] + ".error").write_text(traceback.format_exc())
    finally:
        os._exit(code)


class _Zygote:
    """The batch's zygote process (started by the parent, shared by all workers through a unix socket)."""

    def __init__(self) -> None:
        import subprocess

        self.tmp = tempfile.mkdtemp(prefix="kpikit-k-")
        self.sock_path = os.path.join(self.tmp, "zygote.sock")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from kpikit.batch import _zygote_main; _zygote_main({self.sock_path!r})"],
            stdin=subprocess.PIPE, start_new_session=True,
        )

    def close(self) -> None:
        """End the zygote: EOF on its stdin (it kills its kernels' process groups), else SIGKILL
        (its kernels die with it: they asked for PR_SET_PDEATHSIG)."""
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=1)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


class _ZygoteClient:
    """A worker's connection to the zygote: asks it to fork kernels."""

    def __init__(self, sock_path: str, zygote_pid: int) -> None:
        import socket

        self.folder = os.path.dirname(sock_path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.sock.connect(sock_path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                try:
                    os.kill(zygote_pid, 0)
                except OSError:
                    raise RuntimeError("the kernel zygote exited before it accepted connections") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("the kernel zygote did not start within 120 s") from None
                time.sleep(0.05)
        self.reader = self.sock.makefile("rb")
        self.count = 0

    def spawn(self, cwd: str) -> _ForkedKernel:
        from jupyter_client.connect import write_connection_file

        self.count += 1
        stem = f"{os.getpid()}-{self.count}"
        cf = os.path.join(self.folder, f"k{stem}.json")
        write_connection_file(cf, ip=os.path.join(self.folder, f"s{stem}"), transport="ipc",
                              key=os.urandom(16).hex().encode(), kernel_name="python3")
        self.sock.sendall(json.dumps({"cwd": cwd, "connection_file": cf}).encode() + b"\n")
        line = self.reader.readline()
        if not line:
            raise RuntimeError("the kernel zygote is gone")
        return _ForkedKernel(json.loads(line)["pid"], cf, cwd)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.reader.close()
            self.sock.close()


class _ForkedKernel:
    """The parts of a KernelManager nbclient uses, for a kernel forked by the zygote."""

    has_kernel = True

    def __init__(self, pid: int, connection_file: str, cwd: str):
        self.pid, self.connection_file, self.cwd = pid, connection_file, cwd
        try:
            self.pidfd: int | None = os.pidfd_open(pid)
        except (OSError, AttributeError):
            self.pidfd = None

    def is_alive(self) -> bool:
        if self.pidfd is None:
            try:
                os.kill(self.pid, 0)
            except OSError:
                return False
            return True
        return not select.select([self.pidfd], [], [], 0)[0]

    def interrupt_kernel(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGINT)

    def shutdown_kernel(self, now: bool = True, restart: bool = False) -> None:
        if self.is_alive():
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)

    def cleanup_resources(self, restart: bool = False) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        folder = os.path.dirname(self.connection_file)
        stem = os.path.basename(self.connection_file)[1:-5]
        for p in [self.connection_file, self.connection_file + ".error"] + [os.path.join(folder, f"s{stem}-{i}") for i in range(1, 6)]:
            with contextlib.suppress(OSError):
                os.unlink(p)

    def discard(self) -> None:
        self.shutdown_kernel()
        self.cleanup_resources()

    def startup_error(self) -> str:
        p = Path(self.connection_file + ".error")
        return p.read_text() if p.exists() else ""

    def client(self):
        from jupyter_client.asynchronous.client import AsyncKernelClient

        km = self

        class _Client(AsyncKernelClient):
            async def _async_is_alive(self) -> bool:  # the process, not the heartbeat
                return km.is_alive()

            is_alive = _async_is_alive

            async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
                """Ready once the kernel answers ``kernel_info`` and its IOPub channel delivers.

                jupyter_client's version then waits until IOPub has been quiet for 0.2 s, which is
                0.2 s of idle time at the start of every report (a tenth of a small report). It is
                not needed: nbclient reads only the IOPub messages of the cell it runs and ignores
                the rest, so whatever the handshake left on IOPub is harmless.
                """
                from queue import Empty

                deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
                while True:
                    if not km.is_alive():
                        raise RuntimeError("Kernel died before replying to kernel_info")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
                    self.kernel_info()
                    try:
                        reply = await self.shell_channel.get_msg(timeout=1)
                    except Empty:
                        continue
                    if reply["msg_type"] != "kernel_info_reply":
                        continue
                    try:  # the kernel's busy/idle status for that request proves IOPub is connected
                        await self.iopub_channel.get_msg(timeout=0.5)
                    except Empty:
                        continue  # subscribed too late for it: ask again
                    self._handle_kernel_info_reply(reply)
                    return

            wait_for_ready = _async_wait_for_ready

        kc = _Client(connection_file=self.connection_file)
        kc.load_connection_file()
        return kc


# --------------------------------------------------------------------------------------------------
# Worker side
# --------------------------------------------------------------------------------------------------

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
    injected = next((i for i, c in enumerate(nb.cells) if "injected-parameters" in c.get("metadata", {}).get("tags", [])), None)
    number = index + 1 - (1 if injected is not None and index > injected else 0)
    first = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("# NBVAL")), "")
    return number, first[:120]


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def execute_notebook(notebook: Path, parameters: Mapping[str, Any], timeout: float | None, kernel=None):
    """Run a notebook with injected parameters; returns (executed notebook, error dict or None).

    ``kernel`` is a forked kernel from the zygote, or None for an ordinary jupyter_client kernel.
    The error dict has kind (exception, timeout, dead kernel, kernel start), cell, source, ename,
    evalue and traceback.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from kpikit.render import KERNEL_ARGUMENTS

    nb = load_notebook_node(str(notebook))
    nb = parameterize_notebook(nb, dict(parameters), kernel_name="python3", language="python")
    current: dict = {"index": None}

    def on_start(cell, cell_index, **_):
        current["index"] = cell_index

    client = NotebookClient(
        nb, km=kernel, timeout=int(math.ceil(timeout)) if timeout else None, kernel_name="python3",
        allow_errors=False, startup_timeout=60, resources={"metadata": {"path": str(notebook.parent)}},
        on_cell_start=on_start, extra_arguments=list(KERNEL_ARGUMENTS),  # for kernels it starts (cold)
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
        error = {"kind": "timeout", "ename": "CellTimeoutError", "evalue": f"cell did not finish within {timeout:g} s", "traceback": ""}
    except DeadKernelError:
        error = {"kind": "dead kernel", "ename": "DeadKernelError", "evalue": "the kernel died while running this cell (crash, out of memory or os._exit)", "traceback": ""}
    except Exception as exc:  # kernel did not start, protocol errors
        detail = kernel.startup_error() if kernel is not None else ""
        error = {"kind": "kernel start" if current["index"] is None else "exception", "ename": type(exc).__name__,
                 "evalue": str(exc), "traceback": detail or traceback.format_exc()}
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
        result.error = {"kind": "internal", "ename": type(exc).__name__, "evalue": str(exc), "traceback": traceback.format_exc(), "cell": None, "source": ""}
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
    kpis = write_report(task.outdir, stem, nb, {
        "notebook": stem, "client": task.client, "parameters": to_jsonable(task.parameters),
        "input_hash": task.input_hash, "kpikit_version": __version__,
    })
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


def error_page(client: str, notebook: str, error: Mapping[str, Any], has_notebook: bool = True) -> str:
    """A small self-contained HTML page describing a failed report; every string escaped."""
    e = html.escape
    cell = error.get("cell")
    where = f"cell {cell}" if cell else (error.get("source") or "before the first cell")
    rows = [("client", client), ("notebook", notebook), ("failure", error.get("kind", "")), ("where", where),
            ("exception", error.get("ename", "")), ("message", error.get("evalue", ""))]
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in rows)
    src = f"<h2>Cell source (first line)</h2><pre>{e(error.get('source', ''))}</pre>" if cell else ""
    tb = f"<h2>Traceback</h2><pre>{e(error.get('traceback', ''))}</pre>" if error.get("traceback") else ""
    link = f"<p><a href='{e(quote(notebook))}.failed.ipynb'>The executed notebook up to the failure</a></p>" if has_notebook else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(notebook)} failed for {e(client)}</title><style>{_PAGE_CSS}</style></head><body><main>"
        f"<h1>{e(notebook)} failed</h1><table class='kv'>{table}</table>{src}{tb}{link}"
        "<p><a href='../index.html'>Back to the index</a></p></main></body></html>\n"
    )


# --------------------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------------------


def _previous_state(run_dir: Path) -> dict:
    p = run_dir / "batch.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        return {(r["client"], r["notebook"]): r for r in data.get("results", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


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
    import shutil

    from kpikit.io import CACHE_ENV

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


def _run(config, jobs, resume, only, timeout, progress, zygote, t0) -> BatchResult:
    import concurrent.futures as cf
    import multiprocessing as mp

    cfg = config if isinstance(config, BatchConfig) else load_config(config)
    tasks = plan_tasks(cfg, only=only)
    timeout = cfg.timeout if timeout is None else timeout
    run_dir = cfg.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    previous = _previous_state(run_dir)

    results: dict[tuple[str, str], TaskResult] = {}
    todo = []
    for t in tasks:
        if resume and _complete(t):
            old = previous.get((t.client, t.notebook.stem), {})
            record = json.loads((t.outdir / f"{t.notebook.stem}.kpis.json").read_text(encoding="utf-8"))
            results[(t.client, t.notebook.stem)] = TaskResult(
                client=t.client, notebook=t.notebook.stem, status="unchanged",
                duration_s=float(old.get("duration_s", 0.0) or 0.0), kpis=record.get("kpis", {}), input_hash=t.input_hash)
        else:
            todo.append(t)

    if todo:
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
        running: list[str] = []
        shown = ""
        tqdm.monitor_interval = 0
        bar = tqdm(total=len(todo), desc=f"kpikit batch {cfg.run}", unit="report", disable=not progress, file=sys.stderr, dynamic_ncols=True, mininterval=0.5)
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init, initargs=(events, zygote_addr)) as pool:
            futures = {pool.submit(_run_task, t, timeout): t for t in todo}
            pending = set(futures)
            try:
                while pending:
                    done, pending = cf.wait(pending, timeout=0.3, return_when=cf.FIRST_COMPLETED)
                    while True:
                        try:
                            kind, key = events.get_nowait()
                        except Exception:
                            break
                        if kind == "start":
                            running.append(key)
                        elif key in running:
                            running.remove(key)
                    for f in done:
                        t = futures[f]
                        try:
                            r = f.result()
                        except Exception as exc:  # a worker process died: this report fails alone
                            r = TaskResult(client=t.client, notebook=t.notebook.stem, status="failed", input_hash=t.input_hash,
                                           error={"kind": "worker", "ename": type(exc).__name__, "evalue": str(exc), "traceback": "", "cell": None, "source": ""})
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

    # the index lists every configured report: this run's results, else the previous run's
    ordered: list[TaskResult] = []
    for c in cfg.clients:
        for stem in c.notebooks:
            key = (c.name, stem)
            if key in results:
                ordered.append(results[key])
            elif key in previous:
                old = {k: previous[key].get(k) for k in ("status", "duration_s", "error", "input_hash")}
                kfile = run_dir / c.name / f"{stem}.kpis.json"
                kpis = json.loads(kfile.read_text(encoding="utf-8")).get("kpis", {}) if kfile.is_file() else {}
                status = old["status"] if (old["status"] == "failed" or kfile.is_file()) else "not run"
                ordered.append(TaskResult(client=c.name, notebook=stem, status=status, duration_s=old["duration_s"] or 0.0,
                                          error=old["error"], kpis=kpis, input_hash=old["input_hash"] or ""))
            else:
                ordered.append(TaskResult(client=c.name, notebook=stem, status="not run"))
    wall = time.perf_counter() - t0
    state = {"run": cfg.run, "config": str(cfg.path), "kpikit_version": _version(),
             "results": [{k: v for k, v in r.as_dict().items() if k != "kpis"} for r in ordered]}
    from kpikit.render import atomic_write
    from kpikit.report import to_jsonable

    atomic_write(run_dir / "batch.json", json.dumps(to_jsonable(state), indent=2) + "\n")
    summary = write_summary(run_dir, ordered, cfg)
    index = write_batch_index(run_dir, ordered, cfg, wall_s=wall)
    return BatchResult(config=cfg, results=ordered, index=index, summary=summary, wall_s=wall)


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


def _version() -> str:
    from kpikit import __version__

    return __version__


def _error_line(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    where = f"cell {error['cell']}: " if error.get("cell") else ""
    return f"{where}{error.get('ename', '')}: {str(error.get('evalue', '')).splitlines()[0] if error.get('evalue') else ''}"


# --------------------------------------------------------------------------------------------------
# Index and summary
# --------------------------------------------------------------------------------------------------

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
)


def write_batch_index(run_dir: Path, results: Sequence[TaskResult], config: BatchConfig | None = None, wall_s: float | None = None) -> Path:
    """Write ``index.html``: one row per client x notebook with status, duration, headline KPIs, links.

    Every string (client names, notebook names, KPI values, error messages) is HTML-escaped and every
    link is URL-quoted, so hostile client strings show as text.
    """
    from kpikit.report import headline_items

    e = html.escape
    run_dir = Path(run_dir)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    rows = []
    for r in results:
        base = f"{quote(r.client)}/{quote(r.notebook)}"
        cls = {"failed": "failed", "not run": "notrun"}.get(r.status, "")
        if r.status in ("ok", "unchanged"):
            links = f"<a href='{e(base)}.html'>report</a> &middot; <a href='{e(base)}.kpis.json'>KPIs</a> &middot; <a href='{e(base)}.ipynb'>notebook</a>"
            kpis = "<br>".join(f"{e(str(k))}: {e(text)}" for k, text in headline_items(r.kpis))
            detail = kpis
        elif r.status == "failed":
            links = f"<a href='{e(base)}.error.html'>error</a>"
            detail = e(_error_line(r.error))
        else:
            links, detail = "", ""
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
            base = f"{quote(r.client)}/{quote(r.notebook)}"
            target = {"ok": ".html", "unchanged": ".html", "failed": ".error.html"}.get(r.status)
            label = e(r.status)
            tds.append(f"<td class='status-{e(r.status.replace(' ', ''))}'>" + (f"<a href='{e(base)}{target}'>{label}</a>" if target else label) + "</td>")
        grid.append(f"<tr><th>{e(c)}</th>{''.join(tds)}</tr>")
    overview = (
        "<h2>Overview</h2><div class='scroll'><table class='overview'><thead><tr><th>client</th>"
        + "".join(f"<th>{e(nb)}</th>" for nb in notebooks) + f"</tr></thead><tbody>{''.join(grid)}</tbody></table></div>"
        "<h2>Reports</h2>"
    )
    title = f"kpikit batch: {config.run}" if config else "kpikit batch"
    count_text = "".join(f"<span>{e(k)}: {v}</span>" for k, v in sorted(counts.items()))
    wall = f"<span>wall time: {wall_s:.1f} s</span>" if wall_s is not None else ""
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{e(title)}</title>"
        f"<style>{_PAGE_CSS}</style></head><body><main><h1>{e(title)}</h1>"
        f"<p class='counts'>{count_text}{wall}<span>kpikit {e(_version())}</span></p>"
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


# --------------------------------------------------------------------------------------------------
# Example clients
# --------------------------------------------------------------------------------------------------

#: The example clients of data/sample/batch.yaml: folder name -> generate() arguments.
SAMPLE_CLIENTS: dict[str, dict] = {
    "juniper-box": {"seed": 101, "client": "Juniper Box", "sessions": 3000, "effects": True},
    "harbor-tea": {"seed": 202, "client": "Harbor Tea Co", "sessions": 3000, "effects": True},
    "quill-paper": {"seed": 303, "client": "Quill & Paper", "sessions": 3000, "effects": False},
}


def make_sample(dest: str | Path | None = None) -> dict[str, Path]:
    """(Re)generate the example clients' data under ``data/sample/clients/`` byte for byte.

    Each client folder holds the canonical tables of :func:`kpikit.sample.generate` (with the
    arguments of :data:`SAMPLE_CLIENTS`) gzip-compressed as ``<table>.csv.gz`` (``mtime=0``, so the
    bytes are reproducible), its two small landing-page exports and its README; the large BigQuery
    extract is left out to keep data/sample under 10 MB. Returns client folder name -> folder.
    """
    import gzip

    from kpikit import sample

    dest = Path(dest) if dest is not None else Path(__file__).resolve().parent.parent / "data" / "sample" / "clients"
    out = {}
    for name, kwargs in SAMPLE_CLIENTS.items():
        folder = dest / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            for key, path in sorted(sample.generate(tmp, **kwargs).items()):
                path = Path(path)
                if path.name == "ga4_bigquery_events.jsonl":
                    continue
                if key in sample.TABLES and path.suffix == ".csv":
                    with open(path, "rb") as src, open(folder / (path.name + ".gz"), "wb") as raw:
                        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                            shutil.copyfileobj(src, gz)
                else:
                    shutil.copyfile(path, folder / path.name)
        out[name] = folder
    return out


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def print_summary(res: BatchResult, file=None) -> None:
    """The final summary of a batch on the terminal."""
    file = file or sys.stdout
    counts: dict[str, int] = {}
    for r in res.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    ran = [r for r in res.results if r.status in ("ok", "failed")]
    print(f"kpikit batch {res.config.run}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
          + f" in {res.wall_s:.1f} s" + (f" ({len(ran) / res.wall_s * 60:.1f} reports/minute)" if ran and res.wall_s else ""), file=file)
    for r in res.failed:
        print(f"  FAILED {r.client}/{r.notebook}: {_error_line(r.error)}", file=file)
    print(f"index:   {res.index}\nsummary: {res.summary}", file=file)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``kpikit batch`` arguments."""
    p.add_argument("config", help="YAML batch file (see kpikit.batch)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: number of cores)")
    p.add_argument("--resume", action="store_true", help="skip reports whose outputs are complete and inputs unchanged")
    p.add_argument("--only", nargs="+", metavar="CLIENT", default=None, help="run only these clients")
    p.add_argument("--timeout", type=float, default=None, help="per-cell timeout in seconds (default: the batch file's, else 600)")
    p.add_argument("--cold", action="store_true", help="start every kernel from scratch instead of forking warm kernels")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_from_args(args: argparse.Namespace) -> int:
    """Run ``kpikit batch`` from parsed arguments; returns the exit status (0 ok, 1 a report failed, 2 bad config)."""
    if args.jobs is not None and args.jobs < 1:
        print("kpikit batch: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        res = run_batch(args.config, jobs=args.jobs, resume=args.resume, only=args.only, timeout=args.timeout,
                        warm=not args.cold, progress=not args.no_progress)
    except BatchConfigError as exc:
        print(f"kpikit batch: {exc}", file=sys.stderr)
        return 2
    print_summary(res)
    return res.exit_status


def main(argv: list[str] | None = None) -> int:
    """``python -m kpikit.batch CONFIG ...`` (same as ``kpikit batch``) or ``--make-sample [DEST]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--make-sample":
        folders = make_sample(argv[1] if len(argv) > 1 else None)
        for name, folder in folders.items():
            print(f"{name}: {folder}")
        return 0
    p = argparse.ArgumentParser(prog="python -m kpikit.batch", description="Render notebooks for many clients.")
    add_arguments(p)
    return run_from_args(p.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
