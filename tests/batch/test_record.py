"""kpikit.batch.record: runs into one folder merge their index and summary; statuses come from the disk."""

import csv
import json
import os
import signal
import time
from pathlib import Path

import pytest

from kpikit.batch.command import EXIT_LOCKED
from kpikit.batch.record import result_from_disk
from tests.batch.helpers import (
    assert_index_matches_disk,
    marked_processes,
    short_tmpdir,
    slow_tree,
    start,
    wait_for,
    write_config,
)

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process checks read /proc (Linux)")


def _report(folder, stem, kpis, input_hash="h1"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.html").write_text("<html></html>")
    (folder / f"{stem}.ipynb").write_text("{}")
    (folder / f"{stem}.kpis.json").write_text(json.dumps({"kpis": kpis, "input_hash": input_hash}))


def test_a_reports_status_comes_from_its_files(tmp_path):
    _report(tmp_path / "a", "01_x", {"n": 3})
    ok = result_from_disk(tmp_path, "a", "01_x", {"status": "unchanged", "duration_s": 2.5})
    assert (ok.status, ok.kpis, ok.duration_s, ok.input_hash) == ("unchanged", {"n": 3}, 2.5, "h1")
    # no batch.json record (another run wrote it and was stopped before its record): still ok
    assert result_from_disk(tmp_path, "a", "01_x").status == "ok"
    # an error page newer than the report: the latest attempt failed (the report is the previous one)
    error = tmp_path / "a" / "01_x.error.html"
    error.write_text("<html></html>")
    old = time.time() - 60
    os.utime(tmp_path / "a" / "01_x.kpis.json", (old, old))
    failed = result_from_disk(tmp_path, "a", "01_x", {"status": "failed", "error": {"ename": "KpiDataError"}})
    assert failed.status == "failed" and failed.error == {"ename": "KpiDataError"} and failed.kpis == {}
    # a report newer than the error page replaced it
    os.utime(error, (old - 60, old - 60))
    assert result_from_disk(tmp_path, "a", "01_x", {"status": "failed"}).status == "ok"
    # a record whose files are gone, or a report missing one of its three files: not run
    assert result_from_disk(tmp_path, "b", "01_x", {"status": "ok"}).status == "not run"
    (tmp_path / "a" / "01_x.ipynb").unlink()
    error.unlink()
    assert result_from_disk(tmp_path, "a", "01_x", {"status": "ok"}).status == "not run"


@LINUX
def test_two_only_runs_into_one_folder_both_count_and_a_third_on_the_same_client_is_refused(tmp_path, request):
    root = slow_tree(tmp_path)
    release = root / "release"
    cfg = write_config(
        root,
        f"""
        run: r
        output: {root / "out"}
        notebook_dir: notebooks
        notebooks: [05_slow]
        defaults: {{sleep_s: 120, started_dir: {root / "started"}, release_file: {release}}}
        clients:
          - {{name: a, data: data/good}}
          - {{name: b, data: data/good}}
    """,
    )
    tmpdir, mark = short_tmpdir(request), f"concurrent-{os.getpid()}"
    # ordinary kernels (--cold): for one small report each, cheaper than a zygote per run
    runs = {c: start(["kpikit.batch", cfg, "--only", c, "--cold", "--no-progress"], root, mark, tmpdir) for c in "ab"}
    try:
        # both runs are rendering at the same time
        wait_for(lambda: {p.name for p in (root / "started").iterdir()} == {"a.started", "b.started"}, what="a and b")
        # a third run for client a is refused before it runs anything, naming the run that holds a
        third = start(["kpikit.batch", cfg, "--only", "a", "--no-progress"], root, mark, tmpdir)
        _, err = third.communicate(timeout=120)
        assert third.returncode == EXIT_LOCKED, err
        assert "the reports of client 'a' are being written by another kpikit batch" in err
        assert f"pid {runs['a'].pid} on host" in err and "--only a" in err and "nothing was run" in err
        release.write_text("go")
        outputs = {c: p.communicate(timeout=120) for c, p in runs.items()}
    finally:
        for p in runs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    assert {c: p.returncode for c, p in runs.items()} == {"a": 0, "b": 0}, outputs
    # whichever ended last, the index and the summary list both clients' reports as ok
    run_dir = root / "out" / "r"
    assert assert_index_matches_disk(run_dir) == {"a/05_slow": "ok", "b/05_slow": "ok"}
    with open(run_dir / "summary.csv", newline="") as fh:
        rows = csv.DictReader(fh)  # columns "<report title>: <KPI>", as the index labels them
        assert [(r["client"], r["Slow report: client"], r["Slow report: waited"]) for r in rows] == [
            ("a", "a", "True"),
            ("b", "b", "True"),
        ]
    assert marked_processes(mark) == [] and list(tmpdir.iterdir()) == []
