"""kpikit.render.run and ``kpikit render``: ok, ok with notes, failed with the notebook's own message."""

import json
import os
import shutil
import signal
from pathlib import Path

import nbformat
import pytest

from kpikit.cli import main
from kpikit.errors import ParameterError
from kpikit.render import cell_label, error_message, execution_options, render_notebook, write_index
from kpikit.report.outcome import NOTE_CLASS
from tests.batch.helpers import alive, inject_enospc, marked_processes, short_tmpdir, slow_tree, start, wait_for
from tests.paths import TEST_DATA
from tests.render.conftest import notebook

MINIMAL = TEST_DATA / "notebooks" / "minimal.ipynb"

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process checks read /proc (Linux)")


@pytest.fixture
def minimal(tmp_path):
    nb = tmp_path / "nbs" / "minimal.ipynb"
    nb.parent.mkdir()
    shutil.copy(MINIMAL, nb)
    return nb


def test_render_writes_report_notebook_and_kpis(minimal, tmp_path, capfd):
    out = tmp_path / "out"
    res = render_notebook(minimal, out, parameters={"n": 4, "client": "<script>alert(1)</script>"})
    assert (res.ok, res.status, res.notes) == (True, "ok", [])
    assert "running over TCP" not in capfd.readouterr().err  # the kernel's start-up log stays quiet
    assert sorted(p.name for p in out.iterdir()) == ["minimal.html", "minimal.ipynb", "minimal.kpis.json"]
    record = json.loads((out / "minimal.kpis.json").read_text())
    assert record["kpis"]["share"]["successes"] == 4 and record["kpis"]["share"]["trials"] == 10
    assert record == {"notebook": "minimal.ipynb", "parameters": {"n": 4, "client": "<script>alert(1)</script>"}} | {
        "kpis": record["kpis"]
    }
    page = (out / "minimal.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "check_parameters" not in page  # code cells are excluded
    meta = nbformat.read(out / "minimal.ipynb", as_version=4).metadata["kpikit"]
    assert (meta["status"], meta["client"], meta["title"], meta["lang"]) == (
        "ok",
        "<script>alert(1)</script>",
        "Minimal report",
        "en",
    )


def test_wrong_parameter_name_or_type_stops_before_running(minimal, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ParameterError) as err:
        render_notebook(minimal, out, parameters={"clinet": "x", "n": "four"})
    msg = str(err.value)
    assert "unknown parameter 'clinet'; did you mean 'client'?" in msg
    assert "parameter 'n' must be int (got 'four', a str)" in msg
    assert not out.exists()


def test_cli_rejects_bad_value_with_exit_2(minimal, tmp_path, capsys):
    code = main(["render", str(minimal), "-p", "n", "12.5", "-o", str(tmp_path / "o")])
    assert code == 2
    assert "parameter 'n' must be int (got '12.5')" in capsys.readouterr().err


def test_cli_refuses_a_yaml_date_inside_a_dict_parameter(tmp_path, capsys):
    nb = tmp_path / "05_slow.ipynb"
    shutil.copy(TEST_DATA / "batch" / "slow" / "05_slow.ipynb", nb)
    code = main(["render", str(nb), "-p", "thresholds", "{since: 2025-01-01}", "-o", str(tmp_path / "o")])
    assert code == 2
    assert (
        "05_slow.ipynb: parameter 'thresholds', key 'since': the unquoted 2025-01-01 is a YAML date, not text; "
        "write it in quotes ('2025-01-01')" in capsys.readouterr().err
    )
    assert not (tmp_path / "o").exists()


def test_failed_run_keeps_previous_outputs_and_shows_its_message(minimal, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["render", str(minimal), "-o", str(out)]) == 0
    before = (out / "minimal.html").read_bytes()
    code = main(["render", str(minimal), "-p", "mode", "fail", "-o", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "FAILED after" in err and ": RuntimeError: planted failure" in err and "(cell" not in err
    assert (out / "minimal.html").read_bytes() == before
    assert (out / "minimal.failed.ipynb").exists() and (out / "minimal.error.html").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    index = (out / "index.html").read_text()
    assert "<td class='status-failed'>failed</td>" in index and "RuntimeError: planted failure" in index
    assert "href='minimal.error.html'" in index and "href='minimal.html'>previous report</a>" in index
    page = (out / "minimal.error.html").read_text()
    assert "<p class='message'>RuntimeError: planted failure</p>" in page and "<td>cell 3</td>" in page
    # a good run again: the error page and failed notebook go with the same move
    assert main(["render", str(minimal), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "minimal.html", "minimal.ipynb", "minimal.kpis.json"]


def test_a_framework_notebook_with_a_skipped_section_is_ok_with_notes(framework_notebook, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["render", str(framework_notebook), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "  ok, with notes in " in printed
    assert "    note: No surveys table in the data: the satisfaction section is skipped." in printed
    executed = nbformat.read(out / "07_fixture.ipynb", as_version=4)
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert executed.metadata["kpikit"]["notes"] == [
        "No surveys table in the data: the satisfaction section is skipped."
    ]
    page = (out / "07_fixture.html").read_text()
    assert f'<div class="{NOTE_CLASS}" role="note">No surveys table in the data' in page.replace("'", '"')
    assert "NameError" not in page and "Traceback" not in page
    assert "a consultant-only warning" not in page  # stderr is for JupyterLab, not the report
    assert "a consultant-only warning" in (out / "07_fixture.ipynb").read_text()  # still in the notebook
    index = (out / "index.html").read_text()
    assert "<td class='status-notes'>ok, with notes</td>" in index
    assert "<ul class='notes'><li>No surveys table in the data: the satisfaction section is skipped.</li></ul>" in index


def test_a_plain_key_error_fails_the_report_with_its_own_message(framework_notebook, tmp_path):
    res = render_notebook(framework_notebook, tmp_path / "out", parameters={"mode": "keyerror"})
    assert (res.ok, res.status, res.error) == (False, "failed", "KeyError: 'channel'")
    assert res.error_page == tmp_path / "out" / "07_fixture.error.html"
    page = res.error_page.read_text()
    assert "<p class='message'>KeyError: &#x27;channel&#x27;</p>" in page and "<td>cell 5</td>" in page


def test_a_data_error_in_the_setup_cell_stops_the_run_there(framework_notebook, tmp_path):
    res = render_notebook(framework_notebook, tmp_path / "out", parameters={"mode": "nodata"})
    assert res.error == "No visits table in 'data': the fixture needs one to answer its question."
    failed = nbformat.read(tmp_path / "out" / "07_fixture.failed.ipynb", as_version=4)
    ran = [i for i, c in enumerate(failed.cells) if c.cell_type == "code" and c.get("execution_count")]
    setup = next(i for i, c in enumerate(failed.cells) if "setup" in c.metadata.get("tags", []))
    assert max(ran) == setup  # nothing after the setup cell ran
    assert failed.metadata["kpikit"]["status"] == "failed" and failed.metadata["kpikit"]["error"] == res.error


def test_a_notebook_off_the_framework_stops_at_its_first_data_error(tmp_path):
    nb = notebook(
        tmp_path / "08_plain.ipynb",
        [
            "from kpikit.errors import KpiDataError\nraise KpiDataError(\"visits.csv, column 'sessions': not numbers\")",
            "print('never runs')",
        ],
    )
    assert execution_options(nbformat.read(nb, as_version=4)) == {}
    res = render_notebook(nb, tmp_path / "out")
    assert (res.status, res.error) == ("failed", "visits.csv, column 'sessions': not numbers")


def test_cell_labels_count_the_notebooks_own_cells():
    cells = [nbformat.v4.new_markdown_cell("banner"), nbformat.v4.new_code_cell("x = 1")]
    cells[0].metadata["tags"] = ["papermill-error-cell-tag"]
    injected = nbformat.v4.new_code_cell("n = 2")
    injected.metadata["tags"] = ["injected-parameters"]
    nb = nbformat.v4.new_notebook(cells=[cells[0], nbformat.v4.new_markdown_cell("# T"), injected, cells[1]])
    assert cell_label(nb, 3) == (2, "x = 1") and cell_label(nb, 2) == (None, "injected parameters")
    assert error_message({"ename": "KpiDataError", "evalue": "No tickets table."}) == "No tickets table."
    assert error_message({"ename": "KeyError", "evalue": "'channel'"}) == "KeyError: 'channel'"
    assert error_message({"message": "given", "ename": "KeyError"}) == "given"


def test_index_escapes_names_and_lists_only_reports(tmp_path):
    stem = "<img src=x onerror=alert(1)>"
    for ext, data in ((".html", "x"), (".ipynb", "{}"), (".kpis.json", '{"kpis": {"top": "<b>x</b>"}}')):
        (tmp_path / f"{stem}{ext}").write_text(data)
    (tmp_path / "notes.html").write_text("a page that is not a report")
    page = write_index(tmp_path).read_text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "<b>x" not in page
    assert "notes" not in page.split("<tbody>")[1]
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in page


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the injection finds file names in /proc")
def test_render_command_on_a_full_disk_exits_1_with_the_message(minimal, tmp_path, monkeypatch, capsys):
    inject_enospc(monkeypatch, lambda path: "/.minimal.html." in path)
    assert main(["render", str(minimal), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"kpikit render: no space left on the device: cannot write {tmp_path / 'out' / 'minimal.html'}" in err
    assert "Traceback" not in err and not (tmp_path / "out" / "minimal.html").exists()


@LINUX
def test_ctrl_c_during_render_keeps_finished_reports_and_writes_the_index(tmp_path, request):
    root = slow_tree(tmp_path)
    nbs, out = root / "notebooks", root / "out"
    quick = shutil.copy(nbs / "05_slow.ipynb", nbs / "04_quick.ipynb")  # a small report that finishes
    slow = nbs / "05_slow.ipynb"  # its defaults: wait two minutes, say when it starts
    slow.write_text(
        slow.read_text()
        .replace("sleep_s: float = 0.0", "sleep_s: float = 120.0")
        .replace('started_dir: str = \\"\\"', f'started_dir: str = \\"{root / "started"}\\"')
    )
    out.mkdir()
    for ext, data in ((".html", "<p>good</p>"), (".ipynb", "{}"), (".kpis.json", '{"kpis": {}}')):
        (out / f"05_slow{ext}").write_text(data)  # the previous good report of 05_slow
    mark = f"render-{os.getpid()}"
    tmpdir = short_tmpdir(request)
    proc = start(["kpikit.cli", "render", quick, slow, "-o", out], root, mark, tmpdir)
    try:
        kernel = int(wait_for(lambda: list((root / "started").iterdir()), what="05_slow to start")[0].read_text())
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "interrupted by SIGINT after 1 of 2 notebooks; the finished reports are kept" in stderr
    assert "Traceback" not in stderr
    assert marked_processes(mark) == [] and not alive(kernel) and list(tmpdir.iterdir()) == []
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["04_quick.html", "04_quick.ipynb", "04_quick.kpis.json", "index.html"]
        + ["05_slow.html", "05_slow.ipynb", "05_slow.kpis.json"]
    )  # no temporary file, no failed notebook
    assert (out / "05_slow.html").read_text() == "<p>good</p>"  # the previous report, untouched
    index = (out / "index.html").read_text()
    assert "href='04_quick.html'" in index and "href='05_slow.html'" in index


@pytest.mark.notebook
def test_notebook_03_on_its_required_table_alone_and_without_it(churn_on_subscriptions):
    root, codes = churn_on_subscriptions
    assert codes == [0, 1]
    notes = nbformat.read(root / "notes" / "03_churn_and_renewal.ipynb", as_version=4).metadata["kpikit"]
    assert notes["status"] == "ok, with notes"
    assert notes["notes"][0].startswith("No surveys table in the data: the sections on satisfaction scores")
    assert notes["notes"][1].startswith("No support tickets table in the data: the sections on support")
    index = (root / "notes" / "index.html").read_text()
    assert "<td class='status-notes'>ok, with notes</td>" in index and "No support tickets table" in index
    assert "Gross revenue retention (GRR)</span>: <span class='kpi-value'>57.9%" in index
    page = (root / "notes" / "03_churn_and_renewal.html").read_text()
    assert page.count(f'class="{NOTE_CLASS}"') + page.count(f"class='{NOTE_CLASS}'") >= 2
    assert "Traceback" not in page and "MissingTableError" not in page
    failed = (root / "failed" / "index.html").read_text()
    message = f"No subscriptions table in &#x27;{root / 'none'}&#x27;: 03_churn_and_renewal needs one"
    assert "<td class='status-failed'>failed</td>" in failed and message in failed
    assert "KeyError" not in failed and "(cell" not in failed
    assert message in (root / "failed" / "03_churn_and_renewal.error.html").read_text()
