"""kpikit.batch.interrupt: Ctrl-C and SIGTERM stop a real batch, keep every good report, leave nothing behind.

Each test interrupts ``python -m kpikit.batch`` re-running a batch whose reports were all good before:
every 05_slow report of the re-run waits two minutes, so the signal always lands while two of them run
and one has not started. No wait here is timed: each polls, with a bound, for what must happen.
"""

import json
import os
import shutil
import signal
import stat
from pathlib import Path

import pytest

from kpikit.batch import run_batch
from kpikit.batch.interrupt import RunInterrupted, SignalGuard, private_temp_dir, sweep_stale_temp_dirs
from tests.batch.helpers import (
    alive,
    assert_index_matches_disk,
    group_processes,
    marked_processes,
    short_tmpdir,
    slow_tree,
    start,
    wait_for,
    write_config,
)

CONFIG = """
    run: r
    output: OUT
    notebook_dir: notebooks
    clients:
      - {name: a, data: data/good, parameters: {sleep_s: SLEEP, started_dir: STARTED}}
      - {name: b, data: data/good, parameters: {sleep_s: SLEEP, started_dir: STARTED}}
      - {name: c, data: data/good, notebooks: [05_slow], parameters: {sleep_s: SLEEP, started_dir: STARTED}}
"""

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process checks read /proc (Linux)")


def _two(folder):
    found = list(folder.iterdir())
    return found if len(found) >= 2 else None


def _config(root, out, sleep):
    body = CONFIG.replace("OUT", str(out)).replace("SLEEP", str(sleep)).replace("STARTED", str(root / "started"))
    return write_config(root, body)


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """Clients a and b rendered once, all good (c has never run): the folder a re-run starts from."""
    root = slow_tree(tmp_path_factory.mktemp("interrupt"))
    res = run_batch(_config(root, root / "good", 0.0), jobs=2, only=["a", "b"], progress=False)
    assert [r.status for r in res.results] == ["ok", "ok", "ok", "ok", "not run"]
    return root


@LINUX
@pytest.mark.parametrize(
    "sig, to_group, cold",
    [(signal.SIGINT, True, False), (signal.SIGTERM, False, True)],
    ids=["ctrl-c to the terminal's process group, warm kernels", "sigterm to the batch process alone, cold kernels"],
)
def test_interrupted_rerun_stops_everything_and_keeps_every_good_report(
    good_run, tmp_path, request, sig, to_group, cold
):
    root = good_run
    for p in (root / "started").iterdir():
        p.unlink()
    out = tmp_path / "out"
    shutil.copytree(root / "good", out)
    run_dir = out / "r"
    before = {p.relative_to(run_dir): p.read_bytes() for p in run_dir.glob("*/05_slow.*")}
    assert len(before) == 6  # a and b: html, ipynb, kpis.json
    cfg = _config(root, out, 120)
    tmpdir = short_tmpdir(request)
    mark = f"interrupt-{os.getpid()}-{sig}"
    args = ["kpikit.batch", cfg, "--jobs", "2", "--no-progress"] + (["--cold"] if cold else [])
    proc = start(args, root, mark, tmpdir)
    try:
        markers = wait_for(lambda: _two(root / "started"), what="two 05_slow reports to be running")
        # the run-scoped table cache holds client data: private while it exists
        caches = wait_for(lambda: list(tmpdir.glob("kpikit-tables-*")), what="the table cache folder")
        assert stat.S_IMODE(caches[0].stat().st_mode) == 0o700
        kernels = [int(p.read_text()) for p in markers]
        if to_group:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 128 + sig, stderr
    assert f"interrupted by {signal.Signals(sig).name}" in stdout and "Traceback" not in stderr
    # nothing of the batch runs on: its process group, its workers, zygote and kernels are gone
    assert group_processes(proc.pid) == []
    assert marked_processes(mark) == []
    assert [k for k in kernels if alive(k)] == []  # the kernels that were running the two reports
    assert list(tmpdir.iterdir()) == []  # the table cache and the kernels' connection files are removed
    # the index, the summary and batch.json are written for what exists, and match the disk
    status = assert_index_matches_disk(run_dir)
    assert status["c/05_slow"] == "not run"  # it never finished and never existed
    assert status["a/01_visits"] == status["b/01_visits"] == "ok"
    # no 05_slow re-render finished: the good reports of the first run are all still there, untouched
    assert status["a/05_slow"] == status["b/05_slow"] == "ok"
    assert {p.relative_to(run_dir): p.read_bytes() for p in run_dir.glob("*/05_slow.*")} == before
    assert json.loads((run_dir / "a" / "05_slow.kpis.json").read_text())["kpis"]["waited"] is False
    assert not list(run_dir.rglob("*.error.html"))  # an interrupted report is not a failed one
    record = json.loads((run_dir / "batch.json").read_text())
    assert record["written_by"]["interrupted"] == signal.Signals(sig).name
    # reports are created with the usual permissions (0o666 less the umask), not 0600
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE((run_dir / "a" / "01_visits.html").stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE((run_dir / "index.html").stat().st_mode) == 0o666 & ~umask


def test_signal_guard_records_the_first_signal_and_raises_only_outside_polling():
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with SignalGuard() as guard:
        with guard.polling():
            os.kill(os.getpid(), signal.SIGTERM)
            assert guard.signum == signal.SIGTERM  # recorded, not raised
        with pytest.raises(RunInterrupted) as err:
            guard.check()
        assert err.value.exit_status == 143 and err.value.signal_name == "SIGTERM"
        os.kill(os.getpid(), signal.SIGINT)  # later signals are recorded as the first and ignored
        assert guard.signum == signal.SIGTERM
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers  # restored
    with SignalGuard(), pytest.raises(RunInterrupted) as err:
        os.kill(os.getpid(), signal.SIGINT)  # outside polling: raised where the run is
    assert err.value.exit_status == 130


def test_private_temp_dirs_are_0700_and_a_killed_runs_are_swept(tmp_path, monkeypatch):
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = private_temp_dir("tables")
    assert stat.S_IMODE(os.stat(mine).st_mode) == 0o700
    # a folder named after a process that has ended (a run killed with SIGKILL) is removed
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / os.path.basename(mine).replace(f"-{os.getpid()}-", f"-{int(dead.stdout)}-")
    stale.mkdir()
    (stale / "visits-0123.pkl").write_bytes(b"client data")
    other = tmp_path / "kpikit-tables-otherhost-1-abc"  # another host's: left alone
    other.mkdir()
    assert sweep_stale_temp_dirs() == [stale]
    assert os.path.isdir(mine) and other.is_dir() and not stale.exists()
