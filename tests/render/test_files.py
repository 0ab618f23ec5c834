"""kpikit.render.files: whole files or nothing, the usual modes, several files moved in together, a full disk."""

import errno
import os
import stat
from pathlib import Path

import nbformat
import pytest

from kpikit.render import DiskFullError, atomic_write, list_notebooks, write_report, write_together
from tests.batch.helpers import inject_enospc
from tests.paths import TEST_DATA

MINIMAL = TEST_DATA / "notebooks" / "minimal.ipynb"


def test_atomic_write_replaces_whole_files_and_list_notebooks_keeps_numbered_ones(tmp_path):
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


def test_write_together_moves_every_file_in_and_removes_the_stale_ones(tmp_path):
    (tmp_path / "r.pdf").write_text("old pdf")
    write_together([(tmp_path / "r.html", "<p>new</p>"), (tmp_path / "r.kpis.json", "{}")], remove=[tmp_path / "r.pdf"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.kpis.json"]
    assert (tmp_path / "r.html").read_text() == "<p>new</p>"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the injection finds file names in /proc")
def test_a_full_disk_keeps_the_previous_report_whole_and_names_the_file(tmp_path, monkeypatch):
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
    # nothing was replaced, not even the notebook written before the page: the files go together
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
