"""The one writer of report files: whole files or nothing, several files moved into place together.

Every file a report run leaves (the report, its notebook, KPIs, workbook, PDF, error page, the index) is
written to a temporary name beside its destination and moved into place with ``os.replace``, so a
reader sees the old file or the new one, never half of one. A full disk (or quota) raises
:class:`DiskFullError`, naming the file, the space it needs and the space free.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["DiskFullError", "atomic_write", "write_together"]

#: errno values of a full disk (ENOSPC) and of a full quota (EDQUOT, where the platform has it).
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _size(n: float | None) -> str:
    units = ["bytes", "kB", "MB", "GB"]
    while n is not None and n >= 1000 and len(units) > 1:
        n, units = n / 1000, units[1:]
    return "an unknown amount" if n is None else f"{n:.0f} bytes" if units[0] == "bytes" else f"{n:.1f} {units[0]}"


class DiskFullError(OSError):
    """A report file could not be written: the disk (or the user's quota) is full.

    The message names the file, the space it needs and the space free beside it, and what to do.

    Parameters
    ----------
    path : Path
        The file that could not be written.
    needed : int
        Its size in bytes (at least this much space is needed).
    code : int
        The errno (ENOSPC, or EDQUOT for a full quota).
    """

    def __init__(self, path: Path, needed: int, code: int = errno.ENOSPC) -> None:
        self.path, self.needed = Path(path), needed
        folder = self.path.parent
        try:
            self.free: int | None = shutil.disk_usage(folder if folder.exists() else folder.parent).free
        except OSError:
            self.free = None
        what = "the disk quota is exceeded" if code != errno.ENOSPC else "no space left on the device"
        super().__init__(
            code,
            f"{what}: cannot write {self.path} (it needs {_size(needed)}; {_size(self.free)} free in {folder}). "
            "Free some space there, or write the reports to a folder on another disk, then run again.",
        )

    def __str__(self) -> str:
        return self.strerror or super().__str__()

    def __reduce__(self):  # pickled from a batch worker to the parent
        return (type(self), (self.path, self.needed, self.errno))


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (/proc), else set and restored."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would leave: the file's own, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _write_fd(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a file descriptor (the one low-level writer of report files)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _writer():
    """The low-level writer, looked up on ``kpikit.render`` (where a test replaces it to fill the disk)."""
    return getattr(sys.modules.get("kpikit.render"), "_write_fd", _write_fd)


def _stage(path: Path, data: str | bytes) -> str:
    """Write ``data`` to a temporary file beside ``path`` with ``path``'s mode; returns its name.

    Nothing is left behind when writing fails; a full disk raises :class:`DiskFullError`.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, _file_mode(path))
            _writer()(fd, raw)
        finally:
            os.close(fd)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, DiskFullError) and exc.errno in _FULL:
            raise DiskFullError(path, len(raw), exc.errno) from exc
        raise
    return tmp


@contextlib.contextmanager
def _signals_deferred():
    """SIGINT and SIGTERM wait until the block ends (main thread, POSIX), so files move in together."""
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _commit(staged: list[tuple[str, Path]], remove: Iterable[Path] = ()) -> None:
    """Move staged files into place, in order, and remove ``remove``, with interrupts deferred.

    Staged files not moved are removed on failure.
    """
    try:
        with _signals_deferred():
            for tmp, path in staged:
                os.replace(tmp, path)
            for path in remove:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file atomically: to a temporary name in the same folder, then ``os.replace``.

    A reader sees the old file or the new one, never a half-written one; the folder is created if
    needed and the temporary file is removed when writing fails. A new file gets the usual mode
    (0o666 less the umask, 0o644 under the common umask 022); an existing file keeps its mode.

    Parameters
    ----------
    path : Path
        The file to write.
    data : str or bytes
        The content (text is written as UTF-8).

    Raises
    ------
    DiskFullError
        When the disk or the quota is full (naming the file, the space needed and free); the old
        file is left as it was.
    """
    path = Path(path)
    _commit([(_stage(path, data), path)])


def write_together(contents: Iterable[tuple[Path, str | bytes]], remove: Iterable[Path] = ()) -> None:
    """Write several files as one: all are staged in full first, then moved into place in order.

    The moves (and the removal of ``remove``, files the new version no longer has) happen with
    SIGINT and SIGTERM held back for their few microseconds, so an interrupt or a full disk before
    them leaves every previous file as it was. Put the file that marks the set complete last.

    Parameters
    ----------
    contents : iterable of (Path, str or bytes)
        The files and their contents, in the order they are moved into place.
    remove : iterable of Path
        Files to remove once the others are in place (missing ones are ignored).

    Raises
    ------
    DiskFullError
        When the disk is full (nothing was replaced).
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in contents:
            path = Path(path)
            staged.append((_stage(path, data), path))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    _commit(staged, [Path(p) for p in remove])
