"""kpikit.batch and `kpikit batch`: config validation, fault isolation, warm kernels, resume, index,
summary, escaping and the example clients.

The runner is tested on the fixture notebooks of tests/data/batch/notebooks:
01_visits (reads visits.csv, records a bounce rate, a table and a chart), 02_sleepy (sleeps sleep_s
seconds: a cell timeout) and 03_crash (crash=True kills its own kernel). Each records whether it can see
the state (a global, a module attribute, a matplotlib setting) that every fixture notebook plants.
"""

import filecmp
import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from kpikit.batch import (
    BatchConfigError,
    TaskResult,
    check_client_name,
    load_config,
    plan_tasks,
    run_batch,
    write_batch_index,
    write_summary,
)
from kpikit.cli import main

HERE = Path(__file__).parent
FIX = HERE / "data" / "batch"
REPO = HERE.parent


def write_config(folder: Path, body: str) -> Path:
    path = folder / "batch.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fixture_tree(tmp_path_factory):
    """A copy of the fixture notebooks and data (outputs and resume edits stay in tmp)."""
    root = tmp_path_factory.mktemp("batch")
    shutil.copytree(FIX / "notebooks", root / "notebooks")
    shutil.copytree(FIX / "data", root / "data")
    return root


# ------------------------------------------------------------------------------------------------
# config validation
# ------------------------------------------------------------------------------------------------


def test_every_config_problem_is_listed_at_once(fixture_tree, tmp_path):
    cfg = write_config(tmp_path, f"""
        run: ok-run
        ouput: out
        notebook_dir: {fixture_tree / 'notebooks'}
        timeout: -1
        defaults: {{top_m: 5}}
        clients:
          - name: ../evil
            data: {fixture_tree / 'data' / 'good'}
          - name: alpha
            data: {fixture_tree / 'data' / 'nowhere'}
            notebooks: [01_visit, 02_sleepy]
            parameters: {{top_n: three, data_dir: /etc}}
            mapping_fle: m.yaml
          - name: Alpha
            data: {fixture_tree / 'data' / 'good'}
            parameters: {{sleep_s: fast}}
    """)
    with pytest.raises(BatchConfigError) as err:
        load_config(cfg)
    msg = str(err.value)
    expected = [
        "unknown key 'ouput'; did you mean 'output'?",
        "'timeout' must be a positive number of seconds or null (got -1)",
        "defaults: unknown parameter 'top_m'; did you mean 'top_n'?",
        "client '../evil': client name '../evil' contains a path separator",
        "data folder",  # alpha's missing folder
        "does not exist",
        "client 'alpha': unknown notebook '01_visit'; did you mean '01_visits'?",
        "client 'alpha': unknown key 'mapping_fle'; did you mean 'mapping'?",
        "client 'alpha': parameter 'data_dir' is set by the client's 'data' key",
        # top_n is declared by 01_visits only, which alpha does not run (unknown notebook): unknown here
        "client 'alpha': unknown parameter 'top_n'",
        "client 'Alpha': duplicate client name (also client 2)",
        "parameter 'sleep_s' must be float (got 'fast', a str)",
    ]
    for text in expected:
        assert text in msg, text
    assert len(err.value.problems) == 11  # the eleven problems above (two strings check one message)
    assert "nothing was run" in msg


def test_wrong_type_for_a_declared_parameter(fixture_tree, tmp_path):
    cfg = write_config(tmp_path, f"""
        run: r
        notebook_dir: {fixture_tree / 'notebooks'}
        clients:
          - name: alpha
            data: {fixture_tree / 'data' / 'good'}
            parameters: {{top_n: 2.5, crash: "yes"}}
    """)
    with pytest.raises(BatchConfigError) as err:
        load_config(cfg)
    assert "parameter 'top_n' must be int (got 2.5, a float)" in str(err.value)
    assert "parameter 'crash' must be bool (got 'yes', a str)" in str(err.value)
    assert len(err.value.problems) == 2


@pytest.mark.parametrize(
    "name, problem",
    [
        ("..", "contains '..'"),
        ("a..b", "contains '..'"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("/etc", "path separator"),
        (".hidden", "starts with a dot"),
        ("tab\there", "control characters"),
        (" padded", "leading or trailing spaces"),
        ("index.html", "one of the run's own files"),
        ("", "not a non-empty string"),
        (7, "not a non-empty string"),
    ],
)
def test_unsafe_client_names_are_refused(name, problem):
    assert problem in check_client_name(name)


@pytest.mark.parametrize("name", ["acme-eu", "Quill & Paper", "<img src=x onerror=alert(1)>", "=SUM(A1)"])
def test_other_client_names_are_allowed(name):
    assert check_client_name(name) is None


def test_run_name_cannot_leave_the_output_folder(fixture_tree, tmp_path):
    cfg = write_config(tmp_path, f"""
        run: ../../tmp/x
        notebook_dir: {fixture_tree / 'notebooks'}
        clients: [{{name: a, data: {fixture_tree / 'data' / 'good'}}}]
    """)
    with pytest.raises(BatchConfigError, match="run name '../../tmp/x' contains a path separator"):
        load_config(cfg)


def test_plan_sets_paths_client_and_only_declared_parameters(fixture_tree, tmp_path):
    (tmp_path / "conf").mkdir()
    cfg = write_config(tmp_path / "conf", f"""
        run: plan
        output: ../reports
        notebook_dir: {fixture_tree / 'notebooks'}
        notebooks: [01_visits, 02_sleepy.ipynb]
        defaults: {{top_n: 2}}
        clients:
          - name: alpha
            data: {fixture_tree / 'data' / 'good'}
            parameters: {{client: Alpha & Co, sleep_s: 0.5}}
          - name: beta
            data: {fixture_tree / 'data' / 'good'}
            notebooks: [03_crash]
    """)
    c = load_config(cfg)
    assert c.run_dir == (tmp_path / "reports" / "plan").resolve()
    tasks = plan_tasks(c)
    assert [t.key for t in tasks] == ["alpha/01_visits", "alpha/02_sleepy", "beta/03_crash"]
    # data_dir relative to the notebook folder; defaults and overrides only where declared
    assert tasks[0].parameters == {"data_dir": "../data/good", "mapping_file": None, "client": "Alpha & Co", "top_n": 2}
    assert tasks[1].parameters == {"data_dir": "../data/good", "mapping_file": None, "client": "Alpha & Co", "sleep_s": 0.5}
    assert tasks[2].parameters == {"data_dir": "../data/good", "mapping_file": None, "client": "beta"}
    assert tasks[2].outdir == c.run_dir / "beta"
    assert len({t.input_hash for t in tasks}) == 3
    with pytest.raises(BatchConfigError, match="--only: unknown client 'alpah'; did you mean 'alpha'?"):
        plan_tasks(c, only=["alpah"])


def test_cli_bad_config_exits_2_and_runs_nothing(fixture_tree, tmp_path, capsys):
    cfg = write_config(tmp_path, f"""
        run: r
        output: {tmp_path / 'out'}
        notebook_dir: {fixture_tree / 'notebooks'}
        clients: [{{name: a, data: {fixture_tree / 'data' / 'good'}, notebooks: [04_nothing]}}]
    """)
    assert main(["batch", str(cfg), "--no-progress"]) == 2
    assert "unknown notebook '04_nothing'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------------
# a batch with a corrupt export, a cell timeout and a dead kernel
# ------------------------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def fault_run(fixture_tree):
    out = fixture_tree / "reports"
    cfg = write_config(fixture_tree, f"""
        run: faults
        output: {out}
        notebook_dir: notebooks
        timeout: 3
        defaults: {{top_n: 5}}
        clients:
          - name: alpha
            data: data/good
          - name: beta
            data: data/good
            parameters: {{sleep_s: 60}}
          - name: gamma
            data: data/corrupt
            parameters: {{crash: true, client: "{HOSTILE}"}}
    """)
    res = run_batch(cfg, jobs=2, progress=False)
    return res, out / "faults"


def test_faults_fail_alone_and_exit_nonzero(fault_run):
    res, run_dir = fault_run
    status = {f"{r.client}/{r.notebook}": r.status for r in res.results}
    assert status == {
        "alpha/01_visits": "ok", "alpha/02_sleepy": "ok", "alpha/03_crash": "ok",
        "beta/01_visits": "ok", "beta/02_sleepy": "failed", "beta/03_crash": "ok",
        "gamma/01_visits": "failed", "gamma/02_sleepy": "ok", "gamma/03_crash": "failed",
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
    assert not [p for p in run_dir.rglob(".*")]  # no temporary files left


def test_index_marks_the_three_failures_and_links_errors(fault_run):
    _, run_dir = fault_run
    page = (run_dir / "index.html").read_text()
    rows = re.findall(r"<tr class='(\w*)'>(.*?)</tr>", page)
    failed = [r for cls, r in rows if cls == "failed"]
    assert len(rows) == 9 and len(failed) == 3
    assert "href='beta/02_sleepy.error.html'" in page and "CellTimeoutError" in page
    assert "href='gamma/03_crash.error.html'" in page and "DeadKernelError" in page
    assert "href='alpha/01_visits.html'" in page
    # the overview grid: one linked status per client x notebook
    assert "<tr><th>gamma</th><td class='status-failed'><a href='gamma/01_visits.error.html'>failed</a></td>" in page
    # headline KPIs of a good report: 165 bounces of 425 sessions = 38.8%
    assert "bounce_rate: 38.8% (34.3% to 43.5%)" in page
    err = (run_dir / "gamma" / "01_visits.error.html").read_text()
    assert "KpiDataError" in err and "cell 6" in err and "visits = pd.read_csv" in err


def test_summary_has_one_row_per_client(fault_run):
    import pandas as pd

    _, run_dir = fault_run
    s = pd.read_csv(run_dir / "summary.csv", keep_default_na=False)
    assert list(s["client"]) == ["alpha", "beta", "gamma"]
    assert list(s["failed"]) == ["", "02_sleepy", "01_visits 03_crash"]
    assert float(s.loc[0, "01_visits.bounce_rate"]) == pytest.approx(165 / 425)
    assert s.loc[0, "01_visits.sessions"] == "425"
    assert s.loc[2, "02_sleepy.client"] == HOSTILE  # plain text in a CSV
    assert s.loc[2, "01_visits.bounce_rate"] == ""  # failed: no KPI
    state = json.loads((run_dir / "batch.json").read_text())
    assert [r["status"] for r in state["results"]].count("failed") == 3


def test_no_state_leaks_between_reports(fault_run):
    res, _ = fault_run
    # every fixture notebook plants a global, a kpikit module attribute and an rcParam; 2 workers ran
    # 9 reports, so each worker ran several in a row: none may see another's state
    leaks = [r.kpis["leaks"] for r in res.results if r.status == "ok"]
    assert len(leaks) == 6
    assert all(v == {"global": False, "module_attr": False, "rcparam": False} for v in leaks)
    assert all(r.kpis.get("cwd_is_notebook_dir", True) for r in res.results if r.status == "ok")


def test_reports_escape_hostile_strings_and_load_no_external_script(fault_run):
    _, run_dir = fault_run
    page = (run_dir / "gamma" / "02_sleepy.html").read_text()
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    alpha = (run_dir / "alpha" / "01_visits.html").read_text()
    # landing pages from the data show as text, in the table and in the title block
    assert "<img src=x" not in alpha and "&lt;img src=x onerror=alert(1)&gt;" in alpha
    assert "<script>alert(1)" not in alpha and "&lt;script&gt;alert(1)&lt;/script&gt;" in alpha
    assert not re.search(r"<script[^>]+src=", alpha)  # no CDN script: reports work offline
    assert "Data period:</strong> 2025-01-01 to 2025-01-31" in alpha
    toc = re.search(r"<nav class=.kpikit-toc.*?</nav>", alpha, re.S).group(0)
    assert [m for m in re.findall(r">([^<>]+)</a></li>", toc)] == ["Data", "Headline KPIs", "Landing pages"]
    assert "def " not in alpha and "check_parameters" not in alpha  # no code cells


def test_warm_and_cold_kernels_give_the_same_kpis(fixture_tree, fault_run):
    res, run_dir = fault_run
    cold_dir = fixture_tree / "cold"
    cold_dir.mkdir(exist_ok=True)
    cfg = write_config(cold_dir, f"""
        run: cold
        output: {fixture_tree / 'reports'}
        notebook_dir: {fixture_tree / 'notebooks'}
        notebooks: [01_visits]
        clients: [{{name: alpha, data: {fixture_tree / 'data' / 'good'}}}]
    """)
    cold = run_batch(cfg, jobs=1, warm=False, progress=False)
    assert cold.exit_status == 0
    warm = next(r for r in res.results if r.client == "alpha" and r.notebook == "01_visits")
    assert cold.results[0].kpis == warm.kpis


def test_resume_reruns_only_what_changed(fixture_tree, tmp_path):
    nbs = tmp_path / "notebooks"
    shutil.copytree(fixture_tree / "notebooks", nbs)
    data = tmp_path / "data"
    shutil.copytree(FIX / "data" / "good", data / "a")
    shutil.copytree(FIX / "data" / "good", data / "b")
    body = f"""
        run: r
        output: {tmp_path / 'out'}
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
        "a/01_visits": "ok", "a/02_sleepy": "ok", "b/01_visits": "unchanged", "b/02_sleepy": "ok"}
    assert third.results[0].kpis["sessions"] == 435  # 425 + the appended row
    unchanged = tmp_path / "out" / "r" / "b" / "01_visits.kpis.json"
    assert unchanged.stat().st_mtime_ns == mtimes[unchanged]

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


# ------------------------------------------------------------------------------------------------
# index and summary writers, escaping
# ------------------------------------------------------------------------------------------------


def test_index_escapes_and_quotes_client_strings(tmp_path):
    evil = "<img src=x onerror=alert(1)>"
    results = [
        TaskResult(client=evil, notebook="01_x", status="ok", duration_s=1.25,
                   kpis={"top_page": HOSTILE, "share": {"value": 0.25, "low": 0.1, "high": 0.4, "trials": 8, "successes": 2}}),
        TaskResult(client="b'c", notebook="01_x", status="failed", duration_s=2.0,
                   error={"kind": "exception", "cell": 3, "ename": "KpiDataError", "evalue": f"bad page {HOSTILE}"}),
    ]
    page = write_batch_index(tmp_path, results).read_text()
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "top_page: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "href='%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E/01_x.html'" in page  # URL-quoted link
    assert "href='b%27c/01_x.error.html'" in page  # a quote cannot end the attribute
    assert "share: 25.0% (10.0% to 40.0%)" in page and "1.2 s" in page
    assert "cell 3: KpiDataError: bad page &lt;script&gt;" in page


def test_summary_flattens_kpis_and_neutralises_formulas(tmp_path):
    results = [
        TaskResult(client="=HYPERLINK(\"http://x\")", notebook="01_x", status="ok",
                   kpis={"share": {"value": 0.25, "low": 0.1, "high": 0.4}, "n": 8, "by": {"a": 1, "b": [1, 2]}, "note": "-1+2"}),
        TaskResult(client="b", notebook="01_x", status="failed"),
        TaskResult(client="b", notebook="02_y", status="ok", kpis={"m": 1.5}),
    ]
    text = write_summary(tmp_path, results).read_text()
    assert text.splitlines() == [
        "client,failed,01_x.share,01_x.share.ci_low,01_x.share.ci_high,01_x.n,01_x.by.a,01_x.by.b,01_x.note,02_y.m",
        "\"'=HYPERLINK(\"\"http://x\"\")\",,0.25,0.1,0.4,8,1,\"[1, 2]\",'-1+2,",
        "b,01_x,,,,,,,,1.5",
    ]


# ------------------------------------------------------------------------------------------------
# the example clients
# ------------------------------------------------------------------------------------------------


def test_sample_batch_config_is_valid():
    cfg = load_config(REPO / "data" / "sample" / "batch.yaml")
    assert [c.name for c in cfg.clients] == ["juniper-box", "harbor-tea", "quill-paper"]
    assert cfg.run_dir == (REPO / "reports" / "sample-batch").resolve()
    tasks = plan_tasks(cfg)
    assert len(tasks) == 3 * len(cfg.notebooks)
    assert tasks[0].parameters["data_dir"] == "../data/sample/clients/juniper-box"


def test_sample_clients_regenerate_byte_for_byte(tmp_path):
    from kpikit.batch import make_sample

    make_sample(tmp_path)
    committed = REPO / "data" / "sample" / "clients"
    for name in ("juniper-box", "harbor-tea", "quill-paper"):
        fresh = sorted(p.name for p in (tmp_path / name).iterdir())
        assert fresh == sorted(p.name for p in (committed / name).iterdir())
        match, mismatch, errors = filecmp.cmpfiles(tmp_path / name, committed / name, fresh, shallow=False)
        assert mismatch == [] and errors == [], (name, mismatch, errors)
    size = sum(p.stat().st_size for p in (REPO / "data" / "sample").rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024
