"""What the batch tests share: the fixture folder, a batch-file writer, a hostile client string.

The runner is tested on the fixture notebooks of tests/data/batch/notebooks: 01_visits (reads
visits.csv, records a bounce rate, a table and a chart), 02_sleepy (sleeps sleep_s seconds: a cell
timeout) and 03_crash (crash=True kills its own kernel). Each records whether it can see the state (a
global, a module attribute, a matplotlib setting) that every fixture notebook plants.
"""

import textwrap
from pathlib import Path

from tests.paths import TEST_DATA

FIX = TEST_DATA / "batch"
HOSTILE = "<script>alert(1)</script>"


def write_config(folder: Path, body: str) -> Path:
    path = folder / "batch.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path
