"""Fixtures of the batch tests: a copy of the fixture tree and one batch run with three faults.

Both are package-scoped: the run takes a while, and test_outputs, test_run and test_zygote all read it.
"""

import shutil

import pytest

from kpikit.batch import run_batch
from tests.batch.helpers import FIX, HOSTILE, write_config


@pytest.fixture(scope="package")
def fixture_tree(tmp_path_factory):
    """A copy of the fixture notebooks and data (outputs and resume edits stay in tmp)."""
    root = tmp_path_factory.mktemp("batch")
    shutil.copytree(FIX / "notebooks", root / "notebooks")
    shutil.copytree(FIX / "data", root / "data")
    return root


@pytest.fixture(scope="package")
def fault_run(fixture_tree):
    """A batch with a corrupt export, a cell timeout and a dead kernel: (BatchResult, run folder)."""
    out = fixture_tree / "reports"
    cfg = write_config(
        fixture_tree,
        f"""
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
    """,
    )
    res = run_batch(cfg, jobs=2, progress=False)
    return res, out / "faults"
