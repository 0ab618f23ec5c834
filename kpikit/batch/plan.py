"""Planning a batch: one task per client and notebook, input hashes for --resume."""

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

__all__ = ["plan_tasks", "input_hash"]


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
    folder); the defaults and the client's overrides are passed only to notebooks that declare them.

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
            h = _hash_inputs(nb, values, digest, c.mapping_file)
            tasks.append(
                Task(client=c.name, notebook=nb, parameters=values, outdir=config.run_dir / c.name, input_hash=h)
            )
    return tasks


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
