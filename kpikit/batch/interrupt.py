"""Ctrl-C and SIGTERM: stop everything a run started, keep what is finished, leave no client data behind.

docs/batch.md ("Interrupts") describes the behaviour. The parts: :class:`SignalGuard` turns the first
SIGINT or SIGTERM into a flag (or an exception where a run can stop at any point), the helpers stop
processes and their process groups within seconds, and the run's private temporary folders are named
after their process so that the next run removes what a killed one (SIGKILL) could not.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["RunInterrupted", "SignalGuard"]


#: The signals a run stops on: Ctrl-C, and a scheduler ending the job.
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM after it stopped its processes and wrote what exists.

    ``exit_status`` is the command's exit status, 128 plus the signal number (130, 143).

    Parameters
    ----------
    signum : int
        The signal that stopped the run.
    result : object, optional
        What the run finished (a :class:`~kpikit.batch.BatchResult` for ``kpikit batch``), or None.
    """

    def __init__(self, signum: int, result: Any = None) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum, self.result = signum, result

    @property
    def signal_name(self) -> str:
        """``SIGINT`` or ``SIGTERM``."""
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        """128 plus the signal number: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


class SignalGuard:
    """Handle SIGINT and SIGTERM while a run is in progress (main thread only; elsewhere it does nothing).

    The first signal is recorded in ``signum``. While raising (the default) it also raises
    :class:`RunInterrupted` where the run is, which suits phases that only read; inside
    :meth:`polling` it is only recorded and the run checks ``signum`` at its next step, so that it
    never stops half-way through starting or stopping a process or writing a file. Later signals are
    recorded and ignored: stopping takes a few seconds and is not to be cut short.

    Parameters
    ----------
    on_signal : callable, optional
        Called (with no argument) by the first signal before anything else, e.g. to kill kernels at
        once, before the code they serve notices and starts to shut them down politely.
    """

    def __init__(self, on_signal: Callable[[], Any] | None = None) -> None:
        self.signum: int | None = None
        self._raising = True
        self._previous: dict = {}
        self._on_signal = on_signal

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for s in SIGNALS:
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: Any) -> None:
        first = self.signum is None
        if first:
            self.signum = signum
            if self._on_signal is not None:
                with contextlib.suppress(Exception):
                    self._on_signal()
        if first and self._raising:
            raise RunInterrupted(signum)

    @contextlib.contextmanager
    def polling(self) -> Iterator[None]:
        """Within this block a signal is only recorded; the caller looks at ``signum``."""
        before, self._raising = self._raising, False
        try:
            yield
        finally:
            self._raising = before

    def check(self) -> None:
        """Raise :class:`RunInterrupted` if a signal has arrived.

        Raises
        ------
        RunInterrupted
            When SIGINT or SIGTERM was received.
        """
        if self.signum is not None:
            raise RunInterrupted(self.signum)


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Linux: receive ``sig`` when the parent process ends (PR_SET_PDEATHSIG), so nothing is orphaned."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(sig))


def stop_processes(procs: Sequence[Any], grace: float = 5.0) -> None:
    """Stop multiprocessing processes: SIGTERM, up to ``grace`` seconds to exit, then SIGKILL.

    A batch worker's SIGTERM handler kills its kernels' process groups and exits at once; SIGKILL is
    for one that does not answer.
    """
    from multiprocessing.connection import wait

    live = [p for p in procs if p.pid and not wait([p.sentinel], 0)]
    for sig, limit in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        for p in live:
            with contextlib.suppress(OSError):
                os.kill(p.pid, sig)
        deadline = time.monotonic() + limit
        while live and time.monotonic() < deadline:
            ended = wait([p.sentinel for p in live], max(0.0, deadline - time.monotonic()))
            live = [p for p in live if p.sentinel not in ended]
        if not live:
            return


def _own_children() -> list[tuple[int, int]]:
    """(pid, process group) of this process's live child processes (Linux /proc; elsewhere none)."""
    me, out = os.getpid(), []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as fh:
                    data = fh.read()
            except OSError:
                continue
            fields = data[data.rindex(")") + 2 :].split()
            if int(fields[1]) == me and fields[0] != "Z":
                out.append((int(entry.name), int(fields[2])))
    return out


def _connection_file(pid: int) -> str | None:
    """The connection file a kernel process was started with (``-f FILE`` on its command line)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return None
    i = args.index("-f") if "-f" in args else -1
    return args[i + 1] if 0 <= i < len(args) - 1 and args[i + 1].endswith(".json") else None


def kill_child_groups() -> None:
    """SIGKILL every child process of this one that leads its own process group, with its group.

    Those are the kernels jupyter_client started (each in a session of its own); the connection
    file each was started with (it holds the kernel's key) is removed too.
    """
    for pid, pgid in _own_children():
        if pid == pgid:
            connection = _connection_file(pid)
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
            if connection:
                with contextlib.suppress(OSError):
                    os.unlink(connection)


def exit_on_signals() -> dict:
    """Until a run's own handling starts: SIGINT and SIGTERM end the process quietly with 130 / 143.

    The command line installs this first (importing the kit takes a second or two), so a Ctrl-C that
    early ends the program without a traceback; nothing has started that needs stopping. Returns
    the previous handlers, for :func:`restore_signals`.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for s in SIGNALS:
            previous[s] = signal.signal(s, _exit_now)
    return previous


def _exit_now(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def restore_signals(previous: dict) -> None:
    """Put back the handlers :func:`exit_on_signals` replaced."""
    for s, handler in previous.items():
        signal.signal(s, handler)


def stop_kernels(wait: float = 5.0) -> None:
    """Kill the kernels this process started with jupyter_client, with what they started; end nbclient's tasks.

    jupyter_client starts each kernel in a session of its own (so a terminal's Ctrl-C does not reach
    it): every child process leading its own process group is killed with its group. Where /proc
    is missing, a kernel ends by itself within a second of this process (ipykernel watches its
    parent). nbclient's pending tasks are then cancelled and run to their end (at most ``wait``
    seconds), so that they tidy up now rather than at exit.
    """
    import asyncio

    kill_child_groups()
    with contextlib.suppress(Exception):
        from jupyter_core.utils import ensure_event_loop

        loop = ensure_event_loop()
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()] if not loop.is_running() else []
        for t in tasks:
            t.cancel()
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks, timeout=wait))
        for t in tasks:  # their errors (the kernel died, as it should) are expected: mark them seen
            if t.done() and not t.cancelled():
                t.exception()


def keep_signal_handlers() -> None:
    """Keep nbclient from taking over SIGINT and SIGTERM while it runs a notebook in this thread.

    Its handlers stop the kernel and let the run go on as a failed report; ``kpikit render`` and the
    batch workers handle these signals themselves (stop everything, keep what is finished).
    """
    with contextlib.suppress(Exception):
        from jupyter_core.utils import ensure_event_loop

        def refuse(sig: int, callback: Any, *args: Any) -> None:
            raise RuntimeError("kpikit handles this signal")

        ensure_event_loop().add_signal_handler = refuse


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:12] or "host"


_TEMP_NAME = re.compile(r"^kpikit-(?:tables|k)-(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-")


def private_temp_dir(kind: str) -> str:
    """A new temporary folder only this user can open (mode 0700): ``kpikit-<kind>-<host>-<pid>-...``.

    The name lets :func:`sweep_stale_temp_dirs` find it should its run be killed outright.
    """
    path = tempfile.mkdtemp(prefix=f"kpikit-{kind}-{_host()}-{os.getpid()}-")
    os.chmod(path, 0o700)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def sweep_stale_temp_dirs() -> list[Path]:
    """Remove this user's kpikit temporary folders whose run, on this host, has ended (killed by SIGKILL).

    A run removes its folders on every exit it can see; SIGKILL and a power cut are the exits it
    cannot, and the table cache holds client data. Returns the folders removed.
    """
    removed = []
    host, uid = _host(), os.getuid() if hasattr(os, "getuid") else None
    with contextlib.suppress(OSError):
        for entry in os.scandir(tempfile.gettempdir()):
            m = _TEMP_NAME.match(entry.name)
            if not m or m["host"] != host or _alive(int(m["pid"])):
                continue
            with contextlib.suppress(OSError):
                if uid is None or entry.stat(follow_symlinks=False).st_uid == uid:
                    shutil.rmtree(entry.path)
                    removed.append(Path(entry.path))
    return removed
