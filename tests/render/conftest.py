"""Fixtures of the renderer's tests: small notebooks written here, and the sample rendered once.

``sample_reports`` renders the six sample notebooks on data/sample with ``kpikit render`` (what ``make
reports`` does) into one folder with its index; the clean-report and browser tests read it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from tests.paths import NOTEBOOKS

#: The sample notebooks, in order.
SAMPLE_NOTEBOOKS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

PARAMETERS = """client: str = "Fixture Client"  # client name shown in the title
lang: str = "en"  # language of the report
mode: str = "plain"  # "keyerror" raises a plain KeyError; "nodata" fails the setup cell
"""

SETUP = """import warnings
import kpikit as kk
from kpikit.errors import KpiDataError, MissingTableError

params = kk.report.check_parameters(NAME, globals())
if mode == "nodata":
    raise KpiDataError("No visits table in 'data': the fixture needs one to answer its question.")


def load_surveys():
    raise MissingTableError("No surveys table in the data: the satisfaction section is skipped.")
"""


def notebook(path: Path, cells: list, name: str | None = None) -> Path:
    """Write a notebook: a ``# Title`` markdown cell, the parameters cell, then ``cells``.

    Each item of ``cells`` is code (a str), ``("md", text)`` or ``("md", text, text_id)`` (a markdown
    cell carrying ``metadata.kpikit.text``), or ``("setup", code)`` (a code cell tagged setup).
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# Fixture report\n\nA notebook written by the renderer's tests."))
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb.cells.append(params)
    for item in cells:
        if isinstance(item, str):
            nb.cells.append(nbformat.v4.new_code_cell(item))
        elif item[0] == "setup":
            cell = nbformat.v4.new_code_cell(item[1].replace("NAME", repr(name or path.name)))
            cell.metadata["tags"] = ["setup"]
            nb.cells.append(cell)
        else:
            cell = nbformat.v4.new_markdown_cell(item[1])
            if len(item) > 2:
                cell.metadata["kpikit"] = {"text": item[2]}
            nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


#: A notebook on the report framework: a skipped section, a chart, a warning on stderr, KPIs.
FRAMEWORK_CELLS = [
    ("setup", SETUP),
    ("md", "## 1. Visits\n\nHow many visits came.", "visits"),
    'warnings.warn("a consultant-only warning")\nvisits = 40\nif mode == "keyerror":\n    {"source": 1}["channel"]',
    ("md", "## 2. Surveys\n\nWhat customers said.", "surveys"),
    "surveys = load_surveys()",
    "answers = len(surveys)",
    ("md", "## 3. Chart"),
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 2))\n_ = ax.bar(['a', 'b'], [visits, 2])\n"
    "_ = ax.set_title('Visits by source')\nplt.show()",
    '_ = kk.report.record_kpis({"sessions": visits, "bounce_rate": kk.rate(10, visits, warn_small=False)})',
]


@pytest.fixture
def framework_notebook(tmp_path) -> Path:
    """A small notebook on the report framework in its own folder (see :data:`FRAMEWORK_CELLS`)."""
    return notebook(tmp_path / "nbs" / "07_fixture.ipynb", FRAMEWORK_CELLS)


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory) -> Path:
    """The six sample notebooks rendered on data/sample by ``kpikit render`` (as ``make reports``), with the index."""
    from kpikit.cli import main

    out = tmp_path_factory.mktemp("sample-reports")
    main(["render", *(str(NOTEBOOKS / n) for n in SAMPLE_NOTEBOOKS), "-o", str(out), "--title", "kpikit reports"])
    return out


@pytest.fixture(scope="session")
def churn_on_subscriptions(tmp_path_factory) -> Path:
    """Notebook 03 rendered from a folder holding only the subscriptions table, then from one without it."""
    from kpikit.cli import main
    from tests.paths import SAMPLE

    root = tmp_path_factory.mktemp("churn")
    (root / "subs").mkdir()
    (root / "none").mkdir()
    shutil.copy(SAMPLE / "subscriptions.csv", root / "subs" / "subscriptions.csv")
    (root / "none" / "README.txt").write_text("no tables here\n")
    nb = str(NOTEBOOKS / "03_churn_and_renewal.ipynb")
    codes = [
        main(["render", nb, "-p", "data_dir", str(root / "subs"), "-o", str(root / "notes")]),
        main(["render", nb, "-p", "data_dir", str(root / "none"), "-o", str(root / "failed")]),
    ]
    return root, codes
