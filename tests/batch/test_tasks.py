"""kpikit.batch.tasks: a task's key, a result's status and the batch's exit status."""

from pathlib import Path

from kpikit.batch import BatchResult, Task, TaskResult


def test_task_key_names_client_and_notebook():
    t = Task(client="acme", notebook=Path("nbs/01_x.ipynb"), parameters={}, outdir=Path("out/acme"), input_hash="h")
    assert t.key == "acme/01_x"


def test_result_status_and_exit_status():
    ok, same, bad, skipped = (TaskResult("a", "01_x", s) for s in ("ok", "unchanged", "failed", "not run"))
    assert [r.ok for r in (ok, same, bad, skipped)] == [True, True, False, False]
    assert ok.as_dict() == {
        "client": "a",
        "notebook": "01_x",
        "status": "ok",
        "duration_s": 0.0,
        "error": None,
        "kpis": {},
        "input_hash": "",
    }
    res = BatchResult(config=None, results=[ok, same, skipped], index=Path("i"), summary=Path("s"), wall_s=1.0)
    assert res.failed == [] and res.exit_status == 0
    res.results.append(bad)
    assert res.failed == [bad] and res.exit_status == 1
