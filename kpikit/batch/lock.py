"""Locks in a run folder: one writer per client, one writer of the index at a time.

docs/batch.md ("Two runs into one folder") explains the choice. A lock is an exclusive ``flock`` on a
small file that records its holder (pid, host, start time, command). The operating system releases
the lock when its process ends, however it ends, so a lock left by a dead process is taken over
without asking; the file is removed when its holder lets go.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["RunLockError"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


class RunLockError(RuntimeError):
    """Another process holds a lock of the run folder; the message names it and what to do.

    Parameters
    ----------
    message : str
        The whole message.
    holder : dict
        What the lock file records of its holder (pid, host, started, command); may be empty.
    """

    def __init__(self, message: str, holder: dict) -> None:
        super().__init__(message)
        self.holder = holder


def _holder_text(holder: dict) -> str:
    if not holder:
        return "another process (it has not recorded itself yet)"
    text = f"pid {holder.get('pid')} on host {holder.get('host')}"
    if holder.get("started"):
        text += f", since {holder['started']}"
    if holder.get("command"):
        text += f": {holder['command']}"
    return text


def _read_holder(fd: int) -> dict:
    with contextlib.suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096)
        os.lseek(fd, 0, os.SEEK_SET)
        value = json.loads(data.decode("utf-8")) if data.strip() else {}
        return value if isinstance(value, dict) else {}
    return {}


def _try_lock(fd: int, path: Path) -> str:
    """``locked``; ``busy`` (another process holds it); ``moved`` (the file was removed or replaced: retry)."""
    if fcntl is None:  # pragma: no cover - no advisory locks here: runs are not kept apart
        return "locked"
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return "busy"
    except OSError as exc:  # a file system without locks (some network mounts): runs are not kept apart
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)):
            return "locked"
        raise
    try:  # the holder before us removes the file as it lets go: then lock the file now at that path
        same = os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        same = False
    return "locked" if same else "moved"


def _command() -> str:
    """How this process was started, for the holder's record (``kpikit batch b.yaml --only acme``)."""
    if not sys.argv or not sys.argv[0]:
        return ""
    prog = "python -m kpikit.batch" if sys.argv[0].endswith("__main__.py") else Path(sys.argv[0]).name
    return " ".join([prog, *sys.argv[1:]])


class FolderLock:
    """An exclusive lock on ``path`` held by this process (see the module docstring)."""

    def __init__(self, path: Path, fd: int, previous: dict) -> None:
        self.path, self.fd = path, fd
        #: The record of a holder whose process had ended (its lock was taken over), else empty.
        self.previous = previous

    @classmethod
    def acquire(cls, path: Path, wait: float = 0.0) -> FolderLock:
        """Take the lock, waiting up to ``wait`` seconds; RunLockError (naming the holder) if it stays taken."""
        deadline = time.monotonic() + wait
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                state = _try_lock(fd, path)
                if state == "locked":
                    return cls._claim(fd, path, _read_holder(fd))
                holder = _read_holder(fd)
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
            if state == "busy" and time.monotonic() >= deadline:
                raise RunLockError(_holder_text(holder), holder)
            if state == "busy":
                time.sleep(0.1)

    @classmethod
    def _claim(cls, fd: int, path: Path, previous: dict) -> FolderLock:
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": _command(),
        }
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(record) + "\n").encode("utf-8"))
        return cls(path, fd, previous)

    def release(self) -> None:
        """Remove the lock file and let go (removed first, so no one locks a file about to vanish)."""
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1


def client_lock_path(run_dir: Path, client: str) -> Path:
    """The lock file of one client's reports (client names never start with a dot)."""
    return Path(run_dir) / f".kpikit-client-{client}.lock"


def outputs_lock_path(run_dir: Path) -> Path:
    """The lock file of the run's own files: index.html, summary.csv, batch.json."""
    return Path(run_dir) / ".kpikit-outputs.lock"


def lock_clients(run_dir: Path, clients: Iterable[str]) -> list[FolderLock]:
    """Lock every client's reports in the run folder, or none: RunLockError names the client and holder."""
    held: list[FolderLock] = []
    try:
        for name in sorted(set(clients)):
            try:
                held.append(FolderLock.acquire(client_lock_path(run_dir, name)))
            except RunLockError as exc:
                raise RunLockError(
                    f"{run_dir}: the reports of client {name!r} are being written by another kpikit batch "
                    f"({exc}); nothing was run. Wait for that run to end, or leave {name!r} out with --only. "
                    "(A lock whose process has ended is taken over by itself.)",
                    exc.holder,
                ) from None
    except BaseException:
        release_all(held)
        raise
    return held


def release_all(locks: Iterable[FolderLock]) -> None:
    """Release locks (each at most once)."""
    for lock in locks:
        lock.release()
