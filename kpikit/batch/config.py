"""The batch file: loaded and checked as a whole before anything runs (keys: docs/batch.md)."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kpikit.errors import BatchConfigError, ParameterError, did_you_mean

__all__ = ["BatchConfigError", "ClientSpec", "BatchConfig", "load_config", "check_client_name", "DEFAULT_TIMEOUT"]


DEFAULT_TIMEOUT = 600.0


_TOP_KEYS = ("run", "output", "notebook_dir", "notebooks", "timeout", "pdf", "defaults", "clients")


_CLIENT_KEYS = ("name", "data", "mapping", "parameters", "notebooks")


_SET_BY_BATCH = {"data_dir": "data", "mapping_file": "mapping"}


_RESERVED_NAMES = {"index.html", "summary.csv", "batch.json"}


_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f\x7f]+$")


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
    """A validated batch file (docs/batch.md describes its keys)."""

    path: Path
    run: str
    output: Path
    notebook_dir: Path
    notebooks: dict  # stem -> Path, in order
    timeout: float | None
    defaults: dict
    clients: tuple[ClientSpec, ...]
    pdf: bool = False  # also print every report to PDF (headless Chromium)

    @property
    def run_dir(self) -> Path:
        """The folder of this run's outputs: ``<output>/<run>``."""
        return self.output / self.run


def check_client_name(name: Any) -> str | None:
    r"""Why ``name`` cannot be a client's report folder, or None when it can.

    A client name is one folder name under ``<output>/<run>/``: no path separators, no ``..``, not
    absolute, not hidden (leading dot), no control characters, no leading/trailing spaces, at most
    100 characters, and not one of the run's own files (index.html, summary.csv, batch.json). Any
    other text is allowed (it is escaped wherever it is shown).

    Parameters
    ----------
    name : Any
        The name from the batch file (any YAML value).

    Returns
    -------
    str or None
        The reason, ending with the fix; None for a safe name.

    Examples
    --------
    >>> check_client_name("acme-eu") is None
    True
    >>> check_client_name("../etc")
    "'../etc' contains a path separator ('/' or '\\\\'); use a plain folder name such as 'acme-eu'"
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


def _yaml_surprises(value: Any, where: str) -> list[str]:
    """Values YAML read as something other than what a notebook parameter can receive as written.

    Unquoted ``2025-01-01`` is a date and ``2025-01-01 10:00`` a timestamp, ``!!set`` a set,
    ``!!binary`` bytes, and a mapping key may be a number: papermill would hand the notebook these as
    text in its own form (or merge keys such as ``1`` and ``true``) while the batch checks and records
    another type, silently. Each is named with where it is (``parameter 'thresholds', key 'since'``)
    and the fix.
    """
    import datetime

    if value is None or isinstance(value, (str, int, float, bool)):
        return []
    if isinstance(value, list):
        return [m for i, v in enumerate(value) for m in _yaml_surprises(v, f"{where}, item {i + 1}")]
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            if not isinstance(k, str):
                out.append(
                    f"{where}: the key {k!r} is a YAML {_type_name(k)}, not text; quote it ('{k}': ...), "
                    "as the notebook receives keys as text"
                )
            out += _yaml_surprises(v, f"{where}, key {str(k)!r}")
        return out
    if isinstance(value, (datetime.date, datetime.datetime)):
        what = "timestamp" if isinstance(value, datetime.datetime) else "date"
        return [
            f"{where}: the unquoted {value} is a YAML {what}, not text; write it in quotes ('{value}'): "
            "parameters take dates as text"
        ]
    kind = {set: "set (!!set)", bytes: "binary value (!!binary)"}.get(type(value), _type_name(value))
    return [f"{where} is a YAML {kind}; parameters take text, numbers, booleans, null, lists and mappings"]


class _Checker:
    """Reads the parts of one batch file, collecting every problem in ``problems``.

    ``base`` is the batch file's folder (relative paths start there); ``known`` the notebooks of
    ``notebook_dir`` (stem -> path) and ``specs`` their declared parameters, once found.
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.problems: list[str] = []
        self.known: dict[str, Path] = {}
        self.specs: dict[str, dict] = {}

    def top_keys(self, raw: Mapping) -> None:
        """Unknown top-level keys, each with the closest valid key."""
        for key in raw:
            if key not in _TOP_KEYS:
                self.problems.append(f"unknown key {key!r}{did_you_mean(str(key), _TOP_KEYS)}")

    def run_name(self, run: Any) -> str:
        """The run name as text (a plain folder name under ``output``)."""
        if run is None:
            self.problems.append("missing key 'run' (the run name, e.g. run: 2025-06)")
        else:
            why = check_client_name(run if isinstance(run, str) else str(run))
            if not isinstance(run, (str, int)) or isinstance(run, bool):
                self.problems.append(f"'run' must be a string (got {run!r}, a {_type_name(run)})")
            elif why:
                self.problems.append(f"run name {why.replace('folder name', 'run name')}")
        return str(run) if run is not None else ""

    def path(self, value: Any, what: str, default: str | None = None) -> Path | None:
        """A path value resolved against the batch file's folder; None when absent or not text."""
        if value is None:
            value = default
        if value is None:
            return None
        if not isinstance(value, str):
            self.problems.append(f"{what} must be a path string (got {value!r}, a {_type_name(value)})")
            return None
        p = Path(value).expanduser()
        return (p if p.is_absolute() else (self.base / p)).resolve()

    def notebooks(self, nb_dir: Path | None) -> None:
        """Find the notebooks of ``notebook_dir`` and read their declared parameters."""
        if nb_dir is not None:
            if not nb_dir.is_dir():
                self.problems.append(
                    f"notebook_dir {str(nb_dir)!r} is not a folder; set notebook_dir: to the folder of the NN_name.ipynb notebooks"
                )
            else:
                from kpikit.render import list_notebooks

                self.known = {p.stem: p for p in list_notebooks(nb_dir)}
                if not self.known:
                    self.problems.append(f"notebook_dir {str(nb_dir)!r} holds no NN_name.ipynb notebooks")

        from kpikit.report import parameter_spec

        for stem, nbp in self.known.items():
            try:
                self.specs[stem] = parameter_spec(nbp)
            except (ParameterError, SyntaxError) as exc:
                self.problems.append(f"notebook {nbp.name}: {exc}")

    def pdf(self, pdf: Any) -> bool:
        """Whether to print the reports to PDF (true or false)."""
        if not isinstance(pdf, bool):
            self.problems.append(f"'pdf' must be true or false (got {pdf!r})")
            return False
        return pdf

    def timeout(self, timeout: Any) -> float | None:
        """The per-cell timeout in seconds (None: no timeout)."""
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
            self.problems.append(f"'timeout' must be a positive number of seconds or null (got {timeout!r})")
            timeout = DEFAULT_TIMEOUT
        return None if timeout is None else float(timeout)

    def notebook_list(self, value: Any, where: str) -> tuple[str, ...] | None:
        """Notebook stems of a ``notebooks:`` list (``.ipynb`` optional), or None when it is not given."""
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problems.append(f"{where}: 'notebooks' must be a list of notebook names (got a {_type_name(value)})")
            return None
        out = []
        for name in value:
            key = _notebook_key(name, self.known)
            if key is None:
                if self.known:
                    self.problems.append(
                        f"{where}: unknown notebook {name!r}{did_you_mean(str(name), list(self.known))}"
                    )
            elif key not in out:
                out.append(key)
        return tuple(out)

    def params(self, values: Any, where: str, notebooks: Sequence[str]) -> dict:
        """Parameter values checked against the notebooks that declare them."""
        from kpikit.report import validate_parameters

        if values is None:
            return {}
        if not isinstance(values, dict):
            self.problems.append(f"{where}: parameters must be a mapping name: value (got a {_type_name(values)})")
            return {}
        declared: dict[str, list[str]] = {}
        for stem in notebooks:
            for name in self.specs.get(stem, {}):
                declared.setdefault(name, []).append(stem)
        for name, value in values.items():
            if name in _SET_BY_BATCH:
                self.problems.append(
                    f"{where}: parameter {name!r} is set by the client's {_SET_BY_BATCH[name]!r} key; remove it from the parameters"
                )
                continue
            if name not in declared:
                self.problems.append(
                    f"{where}: unknown parameter {name!r}{did_you_mean(str(name), list(declared))} (not declared by {', '.join(notebooks) or 'any notebook'})"
                )
                continue
            surprises = _yaml_surprises(value, f"{where}: parameter {name!r}")
            if surprises:
                self.problems += surprises
                continue
            for stem in declared[name]:
                for msg in validate_parameters(self.specs[stem], {name: value}, source=f"{where}, notebook {stem}"):
                    self.problems.append(msg)
        return dict(values)

    def clients(self, clients_raw: Any, default_nbs: tuple[str, ...]) -> list[ClientSpec]:
        """Every client with a safe name (the others are problems)."""
        clients: list[ClientSpec] = []
        if not isinstance(clients_raw, list) or not clients_raw:
            self.problems.append("'clients' must be a non-empty list of clients (each with name: and data:)")
            clients_raw = []
        seen: dict[str, int] = {}
        for i, c in enumerate(clients_raw, start=1):
            if not isinstance(c, dict):
                self.problems.append(f"client {i}: must be a mapping with keys {', '.join(_CLIENT_KEYS)} (got {c!r})")
                continue
            spec = self.client(i, c, seen, default_nbs)
            if spec is not None:
                clients.append(spec)
        return clients

    def client(self, i: int, c: Mapping, seen: dict[str, int], default_nbs: tuple[str, ...]) -> ClientSpec | None:
        """One client's entry (number ``i``); None when its name is unsafe."""
        name = c.get("name")
        where = f"client {name!r}" if isinstance(name, str) else f"client {i}"
        for key in c:
            if key not in _CLIENT_KEYS:
                self.problems.append(f"{where}: unknown key {key!r}{did_you_mean(str(key), _CLIENT_KEYS)}")
        why = check_client_name(name)
        if why:
            self.problems.append(f"{where}: client name {why}")
        elif name.lower() in seen:
            self.problems.append(
                f"{where}: duplicate client name (also client {seen[name.lower()]}); names must differ (ignoring case)"
            )
        else:
            seen[name.lower()] = i
        data = self.path(c.get("data"), f"{where}: 'data'")
        if c.get("data") is None:
            self.problems.append(f"{where}: missing key 'data' (the folder holding the client's tables)")
        elif data is not None and not data.is_dir():
            self.problems.append(
                f"{where}: data folder {str(data)!r} does not exist; fix the path (relative to {self.base})"
            )
        mapping = self.path(c.get("mapping"), f"{where}: 'mapping'")
        if mapping is not None and not mapping.is_file():
            self.problems.append(f"{where}: mapping file {str(mapping)!r} does not exist")
        nbs = self.notebook_list(c.get("notebooks"), where)
        nbs = default_nbs if nbs is None else nbs
        params = self.params(c.get("parameters"), where, nbs)
        if why:
            return None
        return ClientSpec(name=name, data_dir=data or Path(), mapping_file=mapping, parameters=params, notebooks=nbs)


def _read_yaml(path: Path) -> dict:
    """The batch file as a mapping; a missing file, bad YAML or another shape is a BatchConfigError."""
    import yaml

    if not path.is_file():
        raise BatchConfigError(str(path), [f"no such batch file: {path}"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BatchConfigError(str(path), [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise BatchConfigError(str(path), ["the batch file must be a mapping with keys " + ", ".join(_TOP_KEYS)])
    return raw


def load_config(path: str | Path) -> BatchConfig:
    """Read and validate a batch file; every problem is reported at once.

    The keys are described in docs/batch.md ("The batch file"). Relative paths are relative to the
    batch file's folder.

    Parameters
    ----------
    path : str or Path
        The YAML batch file.

    Returns
    -------
    BatchConfig
        The checked batch: absolute paths, the notebooks of ``notebook_dir`` and every client.

    Raises
    ------
    BatchConfigError
        Listing every problem: YAML syntax, unknown keys, unknown notebooks and parameter names (with
        the closest valid name), wrong types, missing data folders or mapping files, unsafe or
        duplicate client names.
    """
    path = Path(path)
    raw = _read_yaml(path)
    check = _Checker(path.parent)
    check.top_keys(raw)
    run = check.run_name(raw.get("run"))
    output = check.path(raw.get("output"), "'output'", "reports")
    nb_dir = check.path(raw.get("notebook_dir"), "'notebook_dir'", "notebooks")
    check.notebooks(nb_dir)
    timeout = check.timeout(raw.get("timeout", DEFAULT_TIMEOUT))
    pdf = check.pdf(raw.get("pdf", False))
    default_nbs = check.notebook_list(raw.get("notebooks"), "top level")
    if default_nbs is None:
        default_nbs = tuple(check.known)
    defaults = check.params(raw.get("defaults"), "defaults", tuple(check.known)) if check.specs else {}
    clients = check.clients(raw.get("clients"), default_nbs)
    if check.problems:
        raise BatchConfigError(str(path), check.problems)
    return BatchConfig(
        path=path.resolve(),
        run=run,
        output=output.resolve(),
        notebook_dir=nb_dir.resolve(),
        notebooks=check.known,
        timeout=timeout,
        defaults=defaults,
        clients=tuple(clients),
        pdf=pdf,
    )
