"""Where the repository's folders are, for every test module (tests/<domain>/test_*.py included)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SAMPLE = ROOT / "data" / "sample"
TEST_DATA = ROOT / "tests" / "data"
