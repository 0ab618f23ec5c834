"""kpikit.render and the `kpikit render` command on a minimal notebook."""

import json
import shutil

import pytest

from kpikit.cli import main
from kpikit.errors import ParameterError
from kpikit.render import render_notebook, write_index
from tests.paths import TEST_DATA

MINIMAL = TEST_DATA / "notebooks" / "minimal.ipynb"


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
