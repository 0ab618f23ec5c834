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
    """Outcome of a batch: every report of the run folder, the index and summary paths, the exit status.

    ``results`` lists every report the index lists (this run's and, merged in, the rest of the run
    folder's); ``ran`` the (client, notebook) keys this run rendered (None: all of them).
    ``interrupted`` names the signal that stopped the run (``SIGINT``, ``SIGTERM``) and ``stopped``
    says why it stopped early (an interrupt, a full disk), if it did.
    """

    config: BatchConfig
    results: list
    index: Path
    summary: Path
    wall_s: float
    ran: frozenset | None = None
    interrupted: str | None = None
    stopped: str = ""

    @property
    def failed(self) -> list:
        """The results of this run whose status is ``failed``."""
        return [
            r for r in self.results if r.status == "failed" and (self.ran is None or (r.client, r.notebook) in self.ran)
        ]

    @property
    def exit_status(self) -> int:
        """128 + the signal number when interrupted (130, 143); else 1 when a report failed or the run stopped early; else 0."""
        if self.interrupted:
            import signal

            return 128 + int(signal.Signals[self.interrupted])
        return 1 if self.failed or self.stopped else 0


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
