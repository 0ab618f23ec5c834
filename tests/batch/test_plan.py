"""kpikit.batch.plan: one task per client x notebook, the parameters it gets, the input hash."""

import pytest

from kpikit.batch import BatchConfigError, input_hash, load_config, plan_tasks
from tests.batch.helpers import FIX, write_config
from tests.paths import ROOT


def test_plan_sets_paths_client_and_only_declared_parameters(fixture_tree, tmp_path):
    (tmp_path / "conf").mkdir()
    cfg = write_config(
        tmp_path / "conf",
        f"""
        run: plan
        output: ../reports
        notebook_dir: {fixture_tree / "notebooks"}
        notebooks: [01_visits, 02_sleepy.ipynb]
        defaults: {{top_n: 2}}
        clients:
          - name: alpha
            data: {fixture_tree / "data" / "good"}
            parameters: {{client: Alpha & Co, sleep_s: 0.5}}
          - name: beta
            data: {fixture_tree / "data" / "good"}
            notebooks: [03_crash]
    """,
    )
    c = load_config(cfg)
    assert c.run_dir == (tmp_path / "reports" / "plan").resolve()
    tasks = plan_tasks(c)
    assert [t.key for t in tasks] == ["alpha/01_visits", "alpha/02_sleepy", "beta/03_crash"]
    # data_dir relative to the notebook folder; defaults and overrides only where declared
    assert tasks[0].parameters == {"data_dir": "../data/good", "mapping_file": None, "client": "Alpha & Co", "top_n": 2}
    assert tasks[1].parameters == {
        "data_dir": "../data/good",
        "mapping_file": None,
        "client": "Alpha & Co",
        "sleep_s": 0.5,
    }
    assert tasks[2].parameters == {"data_dir": "../data/good", "mapping_file": None, "client": "beta"}
    assert tasks[2].outdir == c.run_dir / "beta"
    assert len({t.input_hash for t in tasks}) == 3
    # the planned hash is input_hash of the task's inputs
    alpha = c.clients[0]
    assert tasks[0].input_hash == input_hash(tasks[0].notebook, tasks[0].parameters, alpha.data_dir, alpha.mapping_file)
    with pytest.raises(BatchConfigError, match="--only: unknown client 'alpah'; did you mean 'alpha'?"):
        plan_tasks(c, only=["alpah"])
    assert [t.key for t in plan_tasks(c, only=["beta"])] == ["beta/03_crash"]


def test_input_hash_changes_with_each_input(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(FIX / "data" / "good", data)
    nb = FIX / "notebooks" / "01_visits.ipynb"
    mapping = tmp_path / "m.yaml"
    mapping.write_text("sessions: {visits: sessions}\n")
    base = input_hash(nb, {"top_n": 2}, data)
    assert len(base) == 64 and base == input_hash(nb, {"top_n": 2}, data)
    (data / ".hidden").write_text("editor state")  # hidden files are not inputs
    assert input_hash(nb, {"top_n": 2}, data) == base
    changed = [
        input_hash(FIX / "notebooks" / "02_sleepy.ipynb", {"top_n": 2}, data),
        input_hash(nb, {"top_n": 3}, data),
        input_hash(nb, {"top_n": 2}, data, mapping),
    ]
    (data / "extra.csv").write_text("x\n1\n")
    changed.append(input_hash(nb, {"top_n": 2}, data))
    assert len({base, *changed}) == 5


def test_sample_batch_config_is_valid():
    cfg = load_config(ROOT / "data" / "sample" / "batch.yaml")
    assert [c.name for c in cfg.clients] == ["juniper-box", "harbor-tea", "quill-paper"]
    assert cfg.run_dir == (ROOT / "reports" / "sample-batch").resolve()
    tasks = plan_tasks(cfg)
    assert len(tasks) == 3 * len(cfg.notebooks)
    assert tasks[0].parameters["data_dir"] == "../data/sample/clients/juniper-box"
