"""kpikit.batch.command: ``kpikit batch`` exit codes and the example clients."""

import filecmp

from kpikit.batch import make_sample
from kpikit.cli import main
from tests.batch.helpers import write_config
from tests.paths import ROOT


def test_cli_bad_config_exits_2_and_runs_nothing(fixture_tree, tmp_path, capsys):
    cfg = write_config(
        tmp_path,
        f"""
        run: r
        output: {tmp_path / "out"}
        notebook_dir: {fixture_tree / "notebooks"}
        clients: [{{name: a, data: {fixture_tree / "data" / "good"}, notebooks: [04_nothing]}}]
    """,
    )
    assert main(["batch", str(cfg), "--no-progress"]) == 2
    assert "unknown notebook '04_nothing'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_refuses_zero_jobs(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "batch.yaml"), "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_sample_clients_regenerate_byte_for_byte(tmp_path):
    make_sample(tmp_path)
    committed = ROOT / "data" / "sample" / "clients"
    for name in ("juniper-box", "harbor-tea", "quill-paper"):
        fresh = sorted(p.name for p in (tmp_path / name).iterdir())
        assert fresh == sorted(p.name for p in (committed / name).iterdir())
        match, mismatch, errors = filecmp.cmpfiles(tmp_path / name, committed / name, fresh, shallow=False)
        assert mismatch == [] and errors == [], (name, mismatch, errors)
    size = sum(p.stat().st_size for p in (ROOT / "data" / "sample").rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024
