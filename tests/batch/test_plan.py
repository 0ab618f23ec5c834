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


# --- reports that read other reports of their client (notebook 05) ---------------------------------


def _notebook(path, parameters: str) -> None:
    """A notebook whose parameters cell is ``parameters`` (and one cell after it)."""
    import nbformat

    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("x = 1")]), path)


@pytest.fixture
def reading_tree(tmp_path):
    """Notebooks 01, 03 and 04 (plain) and 05 (reads 01 and 03 through client_kpi_sources), data of two clients."""
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    plain = 'data_dir: str = "."  # data\nclient: str = "x"  # client\n'
    for stem in ("01_bounce", "03_churn", "04_clv"):
        _notebook(nbs / f"{stem}.ipynb", plain)
    _notebook(
        nbs / "05_bench.ipynb",
        plain + 'reports_dir: str | None = "."  # reports\n'
        'client_kpi_sources: dict = {"bounce_rate": "01_bounce:bounce_rate", "nps": "03_churn:nps"}  # sources\n',
    )
    for name in ("alpha", "beta"):
        (tmp_path / "data" / name).mkdir(parents=True)
        (tmp_path / "data" / name / "social.csv").write_text(f"brand\n{name}\n")
    cfg = write_config(
        tmp_path,
        """
        run: reading
        output: reports
        notebook_dir: notebooks
        defaults: {reports_dir: /one/folder/for/everyone}
        clients:
          - name: alpha
            data: data/alpha
          - name: beta
            data: data/beta
        """,
    )
    return tmp_path, cfg


def test_a_report_reading_others_gets_its_own_clients_report_folder(reading_tree):
    root, cfg = reading_tree
    tasks = {t.key: t for t in plan_tasks(load_config(cfg))}
    # the client's own report folder, relative to the notebooks, whatever the batch defaults say
    assert tasks["alpha/05_bench"].parameters["reports_dir"] == "../reports/reading/alpha"
    assert tasks["beta/05_bench"].parameters["reports_dir"] == "../reports/reading/beta"
    # notebooks that do not declare the parameter do not get it
    assert "reports_dir" not in tasks["alpha/01_bounce"].parameters
    # the folder is where the batch writes that client's reports
    assert (root / "notebooks" / tasks["alpha/05_bench"].parameters["reports_dir"]).resolve() == tasks[
        "alpha/05_bench"
    ].outdir


def test_dependencies_are_the_reports_named_in_the_sources_of_the_same_client(reading_tree):
    from kpikit.batch.plan import task_dependencies

    _, cfg = reading_tree
    tasks = plan_tasks(load_config(cfg))
    deps = task_dependencies(tasks)
    assert deps["alpha/05_bench"] == ("alpha/01_bounce", "alpha/03_churn")  # not 04, not beta's
    assert deps["beta/05_bench"] == ("beta/01_bounce", "beta/03_churn")
    assert deps["alpha/01_bounce"] == () and deps["alpha/04_clv"] == ()
    # --only keeps a client's dependencies within that client
    only = plan_tasks(load_config(cfg), only=["beta"])
    assert task_dependencies(only)["beta/05_bench"] == ("beta/01_bounce", "beta/03_churn")
    # a report --resume skips is not waited for
    assert task_dependencies([t for t in only if t.notebook.stem != "01_bounce"])["beta/05_bench"] == ("beta/03_churn",)


def test_the_input_hash_of_a_reading_report_changes_with_the_reports_it_reads(reading_tree):
    root, cfg = reading_tree
    before = {t.key: t.input_hash for t in plan_tasks(load_config(cfg))}
    # 05's own inputs are unchanged, but the notebook 01 it reads changes: 05 must render again
    nb = root / "notebooks" / "01_bounce.ipynb"
    nb.write_text(nb.read_text().replace("x = 1", "x = 2"))
    after = {t.key: t.input_hash for t in plan_tasks(load_config(cfg))}
    assert after["alpha/01_bounce"] != before["alpha/01_bounce"]
    assert after["alpha/05_bench"] != before["alpha/05_bench"]
    # a report it does not read (04) changes nothing for it
    nb4 = root / "notebooks" / "04_clv.ipynb"
    nb4.write_text(nb4.read_text().replace("x = 1", "x = 3"))
    again = {t.key: t.input_hash for t in plan_tasks(load_config(cfg))}
    assert again["alpha/05_bench"] == after["alpha/05_bench"] and again["alpha/04_clv"] != after["alpha/04_clv"]


def test_the_schedule_starts_a_reading_report_only_after_those_it_reads(reading_tree):
    from kpikit.batch.plan import Schedule

    _, cfg = reading_tree
    tasks = plan_tasks(load_config(cfg), only=["alpha"])
    by_key = {t.key: t for t in tasks}
    # 05 expected longest: it still waits for 01 and 03
    cost = {"alpha/05_bench": 9.0, "alpha/01_bounce": 1.0, "alpha/03_churn": 3.0, "alpha/04_clv": 2.0}
    schedule = Schedule(tasks, cost=lambda t: cost[t.key])
    first = [t.key for t in schedule.ready()]
    assert first == ["alpha/03_churn", "alpha/04_clv", "alpha/01_bounce"]  # longest first
    assert schedule.ready() == [] and schedule.pending == 1  # each task is handed out once
    schedule.done(by_key["alpha/03_churn"])
    schedule.done(by_key["alpha/04_clv"])
    assert schedule.ready() == []  # 01 is still running
    schedule.done(by_key["alpha/01_bounce"])  # finished (a failure counts as finished too)
    assert [t.key for t in schedule.ready()] == ["alpha/05_bench"] and schedule.pending == 0


def test_the_sample_batch_points_notebook_05_at_each_clients_reports():
    cfg = load_config(ROOT / "data" / "sample" / "batch.yaml")
    tasks = {t.key: t for t in plan_tasks(cfg)}
    t = tasks["harbor-tea/05_competitor_benchmarking"]
    assert t.parameters["reports_dir"] == "../reports/sample-batch/harbor-tea"
    from kpikit.batch.plan import task_dependencies

    assert task_dependencies(list(tasks.values()))[t.key] == (
        "harbor-tea/01_bounce_rate_diagnosis",
        "harbor-tea/03_churn_and_renewal",
    )


def test_reports_that_read_each_other_still_start_once_nothing_else_runs(reading_tree):
    from kpikit.batch.plan import Schedule

    _, cfg = reading_tree
    tasks = [t for t in plan_tasks(load_config(cfg), only=["alpha"]) if t.notebook.stem != "04_clv"]
    schedule = Schedule(tasks)
    schedule._deps["alpha/01_bounce"] = ("alpha/05_bench",)  # a cycle: 05 reads 01, 01 reads 05
    assert [t.key for t in schedule.ready()] == ["alpha/03_churn"]
    assert schedule.ready(idle=False) == []  # 03 runs: the cycle waits
    schedule.done(tasks[1])
    # nothing runs and nothing is ready: both start rather than none (each notes what it lacks)
    assert sorted(t.key for t in schedule.ready(idle=True)) == ["alpha/01_bounce", "alpha/05_bench"]
