"""kpikit.batch.run: a failing report fails alone (exception, cell timeout, dead kernel); --resume; a full disk."""

import json
import re
import shutil
from pathlib import Path

import pytest

from kpikit.batch import load_config, plan_tasks, run_batch
from kpikit.cli import main
from tests.batch.helpers import FIX, assert_index_matches_disk, inject_enospc, slow_tree, write_config


def test_faults_fail_alone_and_exit_nonzero(fault_run):
    res, run_dir = fault_run
    status = {f"{r.client}/{r.notebook}": r.status for r in res.results}
    assert status == {
        "alpha/01_visits": "ok",
        "alpha/02_sleepy": "ok",
        "alpha/03_crash": "ok",
        "beta/01_visits": "ok",
        "beta/02_sleepy": "failed",
        "beta/03_crash": "ok",
        "gamma/01_visits": "failed",
        "gamma/02_sleepy": "ok",
        "gamma/03_crash": "failed",
    }
    assert res.exit_status == 1
    errors = {f"{r.client}/{r.notebook}": r.error for r in res.failed}
    assert errors["beta/02_sleepy"]["kind"] == "timeout" and errors["beta/02_sleepy"]["cell"] == 6
    assert errors["gamma/01_visits"]["ename"] == "KpiDataError"
    assert "column 'sessions': not numbers (first: '1,20O')" in errors["gamma/01_visits"]["evalue"]
    assert errors["gamma/01_visits"]["cell"] == 6  # the reading cell, counted in the original notebook
    assert errors["gamma/03_crash"]["kind"] == "dead kernel" and errors["gamma/03_crash"]["cell"] == 6
    for r in res.results:  # each report: either the three outputs, or the error page and failed notebook
        names = {p.name for p in (run_dir / r.client).glob(f"{r.notebook}.*")}
        if r.status == "ok":
            assert names == {f"{r.notebook}.html", f"{r.notebook}.ipynb", f"{r.notebook}.kpis.json"}
        else:
            assert names == {f"{r.notebook}.error.html", f"{r.notebook}.failed.ipynb"}
    assert not list(run_dir.rglob(".*"))  # no temporary files left


def test_resume_reruns_only_what_changed(fixture_tree, tmp_path):
    nbs = tmp_path / "notebooks"
    shutil.copytree(fixture_tree / "notebooks", nbs)
    data = tmp_path / "data"
    shutil.copytree(FIX / "data" / "good", data / "a")
    shutil.copytree(FIX / "data" / "good", data / "b")
    body = f"""
        run: r
        output: {tmp_path / "out"}
        notebook_dir: notebooks
        notebooks: [01_visits, 02_sleepy]
        clients:
          - {{name: a, data: data/a}}
          - {{name: b, data: data/b, parameters: {{sleep_s: SLEEP}}}}
    """
    cfg = write_config(tmp_path, body.replace("SLEEP", "0.0"))
    first = run_batch(cfg, jobs=1, progress=False)
    assert [r.status for r in first.results] == ["ok"] * 4
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "out" / "r").rglob("*.kpis.json")}

    # nothing changed: nothing runs
    again = run_batch(cfg, jobs=1, resume=True, progress=False)
    assert [r.status for r in again.results] == ["unchanged"] * 4
    assert again.results[0].kpis == first.results[0].kpis  # the index still shows the KPIs

    # change b's parameter and a's data: b/02 and a/01 + a/02 run again, b/01 does not
    write_config(tmp_path, body.replace("SLEEP", "0.01"))
    with open(data / "a" / "visits.csv", "a") as fh:
        fh.write("2025-02-01,/,10,5\n")
    third = run_batch(cfg, jobs=1, resume=True, progress=False)
    assert {f"{r.client}/{r.notebook}": r.status for r in third.results} == {
        "a/01_visits": "ok",
        "a/02_sleepy": "ok",
        "b/01_visits": "unchanged",
        "b/02_sleepy": "ok",
    }
    assert third.results[0].kpis["sessions"] == 435  # 425 + the appended row
    unchanged = tmp_path / "out" / "r" / "b" / "01_visits.kpis.json"
    assert unchanged.stat().st_mtime_ns == mtimes[unchanged]

    # --only: the index still lists the other client, from the previous run
    only = run_batch(cfg, jobs=1, resume=True, only=["b"], progress=False)
    assert {f"{r.client}/{r.notebook}": r.status for r in only.results} == {
        "a/01_visits": "ok",
        "a/02_sleepy": "ok",
        "b/01_visits": "unchanged",
        "b/02_sleepy": "unchanged",
    }
    assert only.results[0].kpis["sessions"] == 435

    # what --resume looks at, without another run: an edited notebook changes the hash, a missing
    # output makes a report incomplete
    from kpikit.batch.plan import _complete

    before = {t.key: t for t in plan_tasks(load_config(cfg))}
    assert all(_complete(t) for t in before.values())
    nb = nbs / "02_sleepy.ipynb"
    nb.write_text(nb.read_text().replace("Sleepy report", "Sleepy report, edited"))
    after = {t.key: t for t in plan_tasks(load_config(cfg))}
    assert [k for k in after if after[k].input_hash != before[k].input_hash] == ["a/02_sleepy", "b/02_sleepy"]
    (tmp_path / "out" / "r" / "b" / "01_visits.html").unlink()
    assert [k for k, t in after.items() if not _complete(t)] == ["a/02_sleepy", "b/01_visits", "b/02_sleepy"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the injection finds file names in /proc")
def test_a_full_disk_stops_the_run_with_a_clear_message_and_no_traceback(tmp_path, monkeypatch, capsys):
    root = slow_tree(tmp_path)
    cfg = write_config(
        root,
        f"""
        run: r
        output: {root / "out"}
        notebook_dir: notebooks
        notebooks: [05_slow]
        clients: [{{name: a, data: data/good}}, {{name: b, data: data/good}}, {{name: c, data: data/good}}]
    """,
    )
    run_dir = root / "out" / "r"
    inject_enospc(monkeypatch, lambda path: f"{run_dir}/b/" in path)  # b's report and b's error page
    assert main(["batch", str(cfg), "--jobs", "1", "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    # which file, how much space it needs and how much is free, and what to do
    needs = re.search(
        rf"cannot write {re.escape(str(run_dir))}/b/05_slow\.ipynb \(it needs ([\d.]+) kB; (.+) free in ", out
    )
    assert needs and float(needs[1]) > 1, out
    assert "Free some space there, or write the reports to a folder on another disk" in out
    assert "STOPPED: the disk is full (b/05_slow could not be written), so the reports not yet started" in out
    assert "run again with --resume to render only the rest" in err
    # a's report is whole, b failed without leaving a part of a file, c did not start
    status = assert_index_matches_disk(run_dir)
    assert status == {"a/05_slow": "ok", "b/05_slow": "failed", "c/05_slow": "not run"}
    assert list((run_dir / "b").iterdir()) == [] and not (run_dir / "c").exists()
    record = json.loads((run_dir / "batch.json").read_text())
    assert record["results"][1]["error"]["kind"] == "disk full"

    # the disk fills up as the index is written: the message names it, the reports stay
    index = (run_dir / "index.html").read_bytes()
    inject_enospc(monkeypatch, lambda path: f"{run_dir}/.index.html." in path)
    assert main(["batch", str(cfg), "--resume", "--only", "a", "--cold", "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert f"cannot write {run_dir}/index.html (it needs" in err and "Traceback" not in out + err
    assert "reports already written are kept; run again with --resume" in err
    assert (run_dir / "index.html").read_bytes() == index and (run_dir / "a" / "05_slow.html").is_file()
    assert not list(run_dir.rglob(".*"))


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed (apt-get install chromium)")
def test_a_batch_with_pdf_true_prints_each_report_and_the_index_links_it(fixture_tree, tmp_path):
    cfg = write_config(
        tmp_path,
        f"""
        run: pdfs
        output: {tmp_path / "out"}
        notebook_dir: {fixture_tree / "notebooks"}
        notebooks: [01_visits]
        pdf: true
        clients:
          - {{name: alpha, data: {fixture_tree / "data" / "good"}}}
    """,
    )
    res = run_batch(cfg, jobs=1, progress=False, warm=False)
    assert [r.status for r in res.results] == ["ok"]
    assert (tmp_path / "out" / "pdfs" / "alpha" / "01_visits.pdf").read_bytes().startswith(b"%PDF-")
    assert "<a href='alpha/01_visits.pdf'>PDF</a>" in (tmp_path / "out" / "pdfs" / "index.html").read_text()


def test_a_report_reading_its_clients_reports_runs_after_them(tmp_path):
    import nbformat

    def notebook(path, parameters, code):
        cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), nbformat.v4.new_code_cell(parameters)]
        cells[1].metadata["tags"] = ["parameters"]
        cells.append(nbformat.v4.new_code_cell(code))
        nbformat.write(nbformat.v4.new_notebook(cells=cells), path)

    (tmp_path / "nbs").mkdir()
    (tmp_path / "data").mkdir()
    plain = 'data_dir: str = "."  # data\nclient: str = "x"  # client\n'
    # 01 takes a while; 05 (expected longer, so first in line) reads 01's KPIs from the client's folder
    notebook(
        tmp_path / "nbs" / "01_slow.ipynb",
        plain,
        'import time\nimport kpikit as kk\ntime.sleep(3)\n_ = kk.report.record_kpis({"n": 7})',
    )
    notebook(
        tmp_path / "nbs" / "05_reader.ipynb",
        plain + 'reports_dir: str | None = None  # reports\nclient_kpi_sources: dict = {"n": "01_slow:n"}  # sources\n',
        "import json, pathlib\nimport kpikit as kk\n"
        'saved = pathlib.Path(reports_dir, "01_slow.kpis.json")\n'
        '_ = kk.report.record_kpis({"read": json.loads(saved.read_text())["kpis"]["n"] if saved.exists() else None})',
    )
    cfg = write_config(
        tmp_path,
        f"""
        run: r
        output: {tmp_path / "out"}
        notebook_dir: nbs
        clients:
          - {{name: a, data: data}}
    """,
    )
    res = run_batch(cfg, jobs=2, progress=False, warm=False)
    assert {r.notebook: r.status for r in res.results} == {"01_slow": "ok", "05_reader": "ok"}
    assert next(r for r in res.results if r.notebook == "05_reader").kpis == {"read": 7}
