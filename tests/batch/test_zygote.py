"""kpikit.batch.zygote: warm forked kernels leak no state and give the same KPIs as cold ones."""

from kpikit.batch import run_batch
from tests.batch.helpers import write_config


def test_no_state_leaks_between_reports(fault_run):
    res, _ = fault_run
    # every fixture notebook plants a global, a kpikit module attribute and an rcParam; 2 workers ran
    # 9 reports, so each worker ran several in a row: none may see another's state
    leaks = [r.kpis["leaks"] for r in res.results if r.status == "ok"]
    assert len(leaks) == 6
    assert all(v == {"global": False, "module_attr": False, "rcparam": False} for v in leaks)
    assert all(r.kpis.get("cwd_is_notebook_dir", True) for r in res.results if r.status == "ok")


def test_warm_and_cold_kernels_give_the_same_kpis(fixture_tree, fault_run):
    res, run_dir = fault_run
    cold_dir = fixture_tree / "cold"
    cold_dir.mkdir(exist_ok=True)
    cfg = write_config(
        cold_dir,
        f"""
        run: cold
        output: {fixture_tree / "reports"}
        notebook_dir: {fixture_tree / "notebooks"}
        notebooks: [01_visits]
        clients: [{{name: alpha, data: {fixture_tree / "data" / "good"}}}]
    """,
    )
    cold = run_batch(cfg, jobs=1, warm=False, progress=False)
    assert cold.exit_status == 0
    warm = next(r for r in res.results if r.client == "alpha" and r.notebook == "01_visits")
    assert cold.results[0].kpis == warm.kpis
