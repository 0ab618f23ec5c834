"""kpikit.render and the `kpikit render` command on a minimal notebook."""

import errno
import json
import os
import shutil
import signal
import stat
from pathlib import Path

import pytest

from kpikit.cli import main
from kpikit.errors import ParameterError
from kpikit.render import DiskFullError, atomic_write, render_notebook, write_index, write_report
from tests.batch.helpers import alive, inject_enospc, marked_processes, short_tmpdir, slow_tree, start, wait_for
from tests.paths import TEST_DATA

MINIMAL = TEST_DATA / "notebooks" / "minimal.ipynb"

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process checks read /proc (Linux)")


@pytest.fixture
def notebook(tmp_path):
    nb = tmp_path / "nbs" / "minimal.ipynb"
    nb.parent.mkdir()
    shutil.copy(MINIMAL, nb)
    return nb


def test_render_writes_report_notebook_and_kpis(notebook, tmp_path, capfd):
    out = tmp_path / "out"
    res = render_notebook(notebook, out, parameters={"n": 4, "client": "<script>alert(1)</script>"})
    assert res.ok, res.error
    assert "running over TCP" not in capfd.readouterr().err  # the kernel's start-up log stays quiet
    assert sorted(p.name for p in out.iterdir()) == ["minimal.html", "minimal.ipynb", "minimal.kpis.json"]
    record = json.loads((out / "minimal.kpis.json").read_text())
    assert record["kpis"]["share"]["successes"] == 4 and record["kpis"]["share"]["trials"] == 10
    assert record["parameters"] == {"n": 4, "client": "<script>alert(1)</script>"}
    page = (out / "minimal.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "check_parameters" not in page  # code cells are excluded


def test_wrong_parameter_name_or_type_stops_before_running(notebook, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ParameterError) as err:
        render_notebook(notebook, out, parameters={"clinet": "x", "n": "four"})
    msg = str(err.value)
    assert "unknown parameter 'clinet'; did you mean 'client'?" in msg
    assert "parameter 'n' must be int (got 'four', a str)" in msg
    assert not out.exists()


def test_cli_rejects_bad_value_with_exit_2(notebook, tmp_path, capsys):
    code = main(["render", str(notebook), "-p", "n", "12.5", "-o", str(tmp_path / "o")])
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


def test_failed_run_keeps_previous_outputs_and_reports(notebook, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["render", str(notebook), "-o", str(out)]) == 0
    before = (out / "minimal.html").read_bytes()
    code = main(["render", str(notebook), "-p", "mode", "fail", "-o", str(out)])
    assert code == 1
    assert "RuntimeError" in capsys.readouterr().err
    assert (out / "minimal.html").read_bytes() == before
    assert (out / "minimal.failed.ipynb").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    index = (out / "index.html").read_text()
    assert "minimal" in index and "failed" in index


def test_index_escapes_names(tmp_path):
    (tmp_path / "<img src=x onerror=alert(1)>.html").write_text("x")
    page = write_index(tmp_path).read_text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_atomic_write_replaces_whole_files_and_list_notebooks_keeps_numbered_ones(tmp_path):
    from kpikit.render import atomic_write, list_notebooks

    atomic_write(tmp_path / "sub" / "02_b.ipynb", "{}")
    atomic_write(tmp_path / "sub" / "01_a.ipynb", b"{}")
    atomic_write(tmp_path / "sub" / "01_a.ipynb", "new")
    (tmp_path / "sub" / "scratch.ipynb").write_text("{}")
    assert (tmp_path / "sub" / "01_a.ipynb").read_text() == "new"
    assert [p.name for p in list_notebooks(tmp_path / "sub")] == ["01_a.ipynb", "02_b.ipynb"]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["01_a.ipynb", "02_b.ipynb", "scratch.ipynb"]


def test_new_files_get_the_usual_mode_and_existing_files_keep_theirs(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.html", "x")
        assert stat.S_IMODE((tmp_path / "a.html").stat().st_mode) == 0o644  # not mkstemp's 0600
        os.umask(0o027)
        atomic_write(tmp_path / "b.html", b"x")
        assert stat.S_IMODE((tmp_path / "b.html").stat().st_mode) == 0o640
        (tmp_path / "a.html").chmod(0o600)  # chosen by its owner: a rewrite keeps it, as open() would
        atomic_write(tmp_path / "a.html", "y")
        assert stat.S_IMODE((tmp_path / "a.html").stat().st_mode) == 0o600
    finally:
        os.umask(old)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the injection finds file names in /proc")
def test_a_full_disk_keeps_the_previous_report_whole_and_names_the_file(tmp_path, monkeypatch):
    import nbformat

    nb = nbformat.read(MINIMAL, as_version=4)
    write_report(tmp_path, "minimal", nb, {"run": 1})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    inject_enospc(monkeypatch, lambda path: "/.minimal.html." in path)
    with pytest.raises(DiskFullError) as err:
        write_report(tmp_path, "minimal", nb, {"run": 2})
    assert err.value.errno == errno.ENOSPC and isinstance(err.value, OSError)
    msg = str(err.value)
    assert msg.startswith(f"no space left on the device: cannot write {tmp_path / 'minimal.html'} (it needs ")
    assert f"free in {tmp_path}). Free some space there" in msg
    # nothing was replaced, not even the notebook written before the page: the three files go together
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the injection finds file names in /proc")
def test_render_command_on_a_full_disk_exits_1_with_the_message(notebook, tmp_path, monkeypatch, capsys):
    inject_enospc(monkeypatch, lambda path: "/.minimal.html." in path)
    assert main(["render", str(notebook), "-o", str(tmp_path / "out")]) == 1
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
