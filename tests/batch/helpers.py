"""What the batch tests share: the fixture folder, a batch-file writer, a hostile client string.

The runner is tested on the fixture notebooks of tests/data/batch/notebooks: 01_visits (reads
visits.csv, records a bounce rate, a table and a chart), 02_sleepy (sleeps sleep_s seconds: a cell
timeout) and 03_crash (crash=True kills its own kernel). Each records whether it can see the state (a
global, a module attribute, a matplotlib setting) that every fixture notebook plants.
"""

import textwrap
from pathlib import Path

from tests.paths import TEST_DATA

FIX = TEST_DATA / "batch"
HOSTILE = "<script>alert(1)</script>"


def write_config(folder: Path, body: str) -> Path:
    path = folder / "batch.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# --- running a batch or render as a real subprocess, and checking what it leaves ---------------------

SLOW = FIX / "slow" / "05_slow.ipynb"  # writes <started_dir>/<client>.started, then waits


def slow_tree(root: Path) -> Path:
    """``root`` with notebooks 01_visits and 05_slow, the fixture data and a folder for start markers."""
    import shutil

    (root / "notebooks").mkdir(parents=True)
    shutil.copy(FIX / "notebooks" / "01_visits.ipynb", root / "notebooks")
    shutil.copy(SLOW, root / "notebooks")
    shutil.copytree(FIX / "data", root / "data")
    (root / "started").mkdir()
    return root


def short_tmpdir(request) -> Path:
    """A short private TMPDIR for a child run (unix socket paths must stay under 108 bytes), removed after."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="kt", dir="/tmp" if Path("/tmp").is_dir() else None))
    request.addfinalizer(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def start(args: list, cwd: Path, mark: str, tmpdir: Path):
    """Start ``python -m <args>`` in a new session (its own process group), every descendant marked by
    the environment variable KPIKIT_TEST_MARK=<mark> and using ``tmpdir`` as its temporary folder."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, KPIKIT_TEST_MARK=mark, TMPDIR=str(tmpdir))
    return subprocess.Popen(
        [sys.executable, "-m", *map(str, args)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(predicate, limit: float = 120.0, what: str = "a condition"):
    """Poll ``predicate`` until it is true (bounded: fails after ``limit`` seconds)."""
    import time

    deadline = time.monotonic() + limit
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"waited {limit:g} s for {what}"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def marked_processes(mark: str) -> list[int]:
    """Live processes carrying KPIKIT_TEST_MARK=<mark>: the run, its workers, zygote and kernels."""
    out = []
    needle = f"KPIKIT_TEST_MARK={mark}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if needle in environ.split(b"\0") and alive(int(entry.name)):
                out.append(int(entry.name))
    return out


def group_processes(pgid: int) -> list[int]:
    """Live processes of a process group."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                out.append(int(entry.name))
    return out


def assert_index_matches_disk(run_dir: Path) -> dict:
    """index.html, summary.csv and batch.json agree with each other and with the files on disk.

    Every link of the index names a file that exists; every complete report on disk is listed as ok
    or unchanged with its link; every error page is listed as failed; no temporary or lock file is
    left. Returns {"client/notebook": status} from the index.
    """
    import csv
    import json
    import re
    from urllib.parse import unquote

    page = (run_dir / "index.html").read_text(encoding="utf-8")
    for href in re.findall(r"href='([^']+)'", page):
        assert (run_dir / unquote(href)).is_file(), f"index.html links {href}, which is not on disk"
    rows = re.findall(r"<tr class='\w*'><td>([^<]*)</td><td>([^<]*)</td><td class='status-\w+'>([^<]*)</td>", page)
    status = {f"{c}/{n}": s for c, n, s in rows}
    record = json.loads((run_dir / "batch.json").read_text(encoding="utf-8"))
    assert {f"{r['client']}/{r['notebook']}": r["status"] for r in record["results"]} == status
    for key, s in status.items():
        folder, stem = run_dir / key.split("/")[0], key.split("/")[1]
        complete = all((folder / f"{stem}{ext}").is_file() for ext in (".html", ".ipynb", ".kpis.json"))
        if s in ("ok", "unchanged"):
            assert complete and f"href='{key}.html'" in page, key
        elif s == "failed":
            assert (folder / f"{stem}.error.html").is_file() or "disk full" in json.dumps(record), key
        else:
            assert not complete and not (folder / f"{stem}.error.html").exists(), key
    with open(run_dir / "summary.csv", newline="", encoding="utf-8") as fh:
        clients = [row["client"] for row in csv.DictReader(fh)]
    assert clients == list(dict.fromkeys(k.split("/")[0] for k in status))
    assert not list(run_dir.rglob(".*")), "temporary or lock files left behind"
    return status


def inject_enospc(monkeypatch, match) -> None:
    """Make kpikit's report writer fail with ENOSPC ("No space left on device") for the temporary files
    whose path ``match`` accepts. Batch workers forked afterwards inherit it."""
    import errno
    import os

    import kpikit.render as render

    real = render._write_fd

    def write(fd: int, data: bytes) -> None:
        if match(os.readlink(f"/proc/self/fd/{fd}")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, data)

    monkeypatch.setattr(render, "_write_fd", write)
