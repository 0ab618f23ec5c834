"""A batch task and its result: one client and notebook."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kpikit.batch.config import BatchConfig

__all__ = ["Task", "TaskResult", "BatchResult"]


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
        """``client/NN_name``, as progress lines and messages name the report."""
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
        """Whether the report is good: rendered now (``ok``) or skipped by --resume (``unchanged``)."""
        return self.status in ("ok", "unchanged")

    def as_dict(self) -> dict:
        """The result as a plain dict (for ``batch.json``).

        Returns
        -------
        dict
            client, notebook, status, duration_s, error, kpis, input_hash.
        """
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
        """The results whose status is ``failed``."""
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_status(self) -> int:
        """1 when a report failed, else 0 (the command's exit status)."""
        return 1 if self.failed else 0


def _version() -> str:
    from kpikit import __version__

    return __version__


def _error_line(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    where = f"cell {error['cell']}: " if error.get("cell") else ""
    return f"{where}{error.get('ename', '')}: {str(error.get('evalue', '')).splitlines()[0] if error.get('evalue') else ''}"


def _status_counts(results: Iterable[TaskResult]) -> dict[str, int]:
    """How many results have each status."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
