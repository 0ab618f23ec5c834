"""Warm kernels: a zygote process that imports once and forks one fresh kernel per report.

docs/batch.md ("Warm kernels: a fork-based zygote") explains why and how.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

from kpikit.batch.interrupt import die_with_parent, private_temp_dir

__all__ = []


_PRELOAD = (
    # what a kernel imports while it starts (ipykernel.debugger brings debugpy: 0.12 s of a forked
    # kernel's 0.17 s start-up when left to each kernel)
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.queues",
    "tornado.platform.asyncio",
    # what the notebooks import
    "numpy",
    "pandas",
    "scipy",
    "scipy.stats",
    "scipy.optimize",
    "scipy.special",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "yaml",
    "pandera",
    "kpikit",
    "kpikit.errors",
    "kpikit.stats",
    "kpikit.schemas",
    "kpikit.io",
    "kpikit.web",
    "kpikit.funnel",
    "kpikit.attribution",
    "kpikit.acquisition",
    "kpikit.subscriptions",
    "kpikit.survival",
    "kpikit.clv",
    "kpikit.satisfaction",
    "kpikit.social",
    "kpikit.benchmark",
    "kpikit.plots",
    "kpikit.report",
)


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

    children: set[int] = set()

    def stop(*_):  # SIGTERM (the batch or a scheduler ending the job, or the batch's death): kernels too
        for pid in list(children):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    die_with_parent(signal.SIGTERM)
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
                try:
                    data = conn.recv(65536)
                except OSError:  # the worker was stopped (its unread reply resets the connection)
                    data = b""
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
                        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the zygote's stop()
                        sel.close()
                        srv.close()
                        for c in buffers:
                            c.close()
                        _kernel_child(req)  # never returns
                    children.add(pid)
                    try:
                        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                    except OSError:  # the worker is gone: so is the use of this kernel
                        for kill in (os.killpg, os.kill):  # its group, or itself before setsid()
                            with contextlib.suppress(OSError):
                                kill(pid, signal.SIGKILL)
    stop()


def _kernel_child(req: dict) -> None:  # pragma: no cover - runs in the forked kernel process
    code = 1
    try:
        os.setsid()
        parent = os.getppid()
        die_with_parent(signal.SIGKILL)
        if os.getppid() != parent:  # the zygote died before the line above took effect
            os._exit(1)
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

        self.tmp = private_temp_dir("k")  # connection files hold the kernels' keys
        self.sock_path = os.path.join(self.tmp, "zygote.sock")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from kpikit.batch.zygote import _zygote_main; _zygote_main({self.sock_path!r})"],
            stdin=subprocess.PIPE,
            start_new_session=True,
        )

    def close(self) -> None:
        """End the zygote and its kernels (at most about a second; closing twice does nothing).

        First EOF on its stdin (it kills its kernels' process groups), else SIGKILL to its process
        group (its kernels die with it: they asked for PR_SET_PDEATHSIG).
        """
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=1)
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
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
        write_connection_file(
            cf,
            ip=os.path.join(self.folder, f"s{stem}"),
            transport="ipc",
            key=os.urandom(16).hex().encode(),
            kernel_name="python3",
        )
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
        for p in [self.connection_file, self.connection_file + ".error"] + [
            os.path.join(folder, f"s{stem}-{i}") for i in range(1, 6)
        ]:
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
