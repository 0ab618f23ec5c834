"""kpikit.report.outcome: skipped sections, dependent skips and fatal errors, on notebooks run in a real kernel."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import kpikit as kk
from kpikit.report.outcome import ALLOWED_ERROR_NAMES, NOTE_CLASS, allowed_error_names, assigned_names, classify
from tests.paths import NOTEBOOKS, SAMPLE

SETUP = 'from kpikit.errors import ConvergenceError, KpiDataError\ndef load():\n    raise KpiDataError("No surveys table in the data: the NPS section is skipped.")'


def run(sources, setup_tag=0, cwd=None):
    """Execute small notebook cells as the renderer does (kit errors allowed); the executed notebook."""
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if setup_tag is not None:
        cells[setup_tag].metadata["tags"] = ["setup"]
    nb = nbformat.v4.new_notebook(cells=cells)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_error_names=list(ALLOWED_ERROR_NAMES),
        resources={"metadata": {"path": str(cwd)}} if cwd else {},
    )
    try:
        client.execute()
    except CellExecutionError:
        pass  # a fatal error stops the run; classify reads what ran
    return nb


def errors(nb):
    return [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


def test_allowed_errors_are_the_kits_data_errors_and_name_error():
    assert {
        "KpiDataError",
        "ParameterError",
        "MissingTableError",
        "MissingTranslationError",
        "ConvergenceError",
    } <= set(ALLOWED_ERROR_NAMES)
    assert ALLOWED_ERROR_NAMES[-1] == "NameError" and "KeyError" not in ALLOWED_ERROR_NAMES
    for name in kk._SUBMODULES:  # every error class the kit defines, wherever, is allowed
        getattr(kk, name)
    assert set(allowed_error_names()) == set(ALLOWED_ERROR_NAMES)


def test_assigned_names_of_a_cell():
    src = "a, (b, *c) = f()\nfor i in x:\n    d += 1\nwith open(p) as fh: pass\nimport numpy as np\nfrom x import y as z\n"
    src += "def g():\n    inner = 1\nclass K: pass\nif (w := 3): pass\n[q for q in x]\n%matplotlib inline\ne = 1"
    assert assigned_names(src) == {"a", "b", "c", "i", "d", "fh", "np", "z", "g", "K", "w", "e"}
    assert assigned_names("this is not python (") == set()


def test_a_skipped_section_and_its_dependent_cells():
    nb = run(
        [
            SETUP,
            "x = 41",
            "surveys = load()",
            "nps = len(surveys)",
            "print(nps)",
            'raise ConvergenceError("The sBG model did not converge on this cohort.")',
            "print(x + 1)",
        ]
    )
    assert len(errors(nb)) == 4  # the run went on after each allowed error
    out = classify(nb)
    assert (out.status, out.error, out.skipped) == ("ok, with notes", "", [2, 3, 4, 5])
    assert out.notes == [
        "No surveys table in the data: the NPS section is skipped.",
        "The sBG model did not converge on this cohort.",
    ]
    cells = out.notebook.cells
    note = cells[2].outputs[0]
    assert note.output_type == "display_data" and note.data["text/plain"] == out.notes[0]
    assert (
        note.data["text/html"]
        == f"<div class='{NOTE_CLASS}' role='note'>No surveys table in the data: the NPS section is skipped.</div>"
    )
    assert cells[3].outputs == [] and cells[4].outputs == []  # dependent skips: silent
    assert cells[6].outputs[0].text == "42\n" and not errors(out.notebook)
    assert len(errors(nb)) == 4  # the input notebook is not changed


def test_a_fatal_error_gives_its_own_message():
    nb = run([SETUP, 'd = {"source": 1}', 'd["channel"]', "print('never runs')"])
    out = classify(nb)
    assert (out.status, out.error, out.notes) == ("failed", "KeyError: 'channel'", [])
    assert out.notebook.cells[3].get("outputs") == []


def test_a_data_error_in_the_setup_cell_fails_the_report_with_its_text():
    nb = run(
        [
            "from kpikit.errors import KpiDataError\nraise KpiDataError(\"No subscriptions table in 'x': 03 needs one.\")",
            "1",
        ]
    )
    out = classify(nb)
    assert (out.status, out.error) == ("failed", "No subscriptions table in 'x': 03 needs one.")


def test_a_name_error_of_its_own_is_fatal():
    out = classify(run(["x = 1", "print(y)"], setup_tag=None))
    assert (out.status, out.error) == ("failed", "NameError: name 'y' is not defined")


def test_papermills_error_banners_go_unless_the_report_failed():
    # a notebook on the report framework (its kk.report.start cell is tagged setup): a kit error skips a section
    setup = nbformat.v4.new_code_cell("rep = kk.report.start(...)")
    setup.metadata["tags"] = ["setup"]
    banner = nbformat.v4.new_markdown_cell("An Exception was encountered")
    banner.metadata["tags"] = ["papermill-error-cell-tag"]
    skipped = nbformat.v4.new_code_cell("t = load()")
    skipped.outputs = [
        nbformat.v4.new_output("error", ename="MissingTableError", evalue="No tickets table.", traceback=[])
    ]
    nb = nbformat.v4.new_notebook(cells=[banner, setup, skipped])
    out = classify(nb)
    assert out.status == "ok, with notes" and [c.cell_type for c in out.notebook.cells] == ["code", "code"]
    assert out.notes == ["No tickets table."]
    skipped.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])]
    out = classify(nb)
    assert out.status == "failed" and out.error == "ValueError: bad" and len(out.notebook.cells) == 3
    assert (out.cell, out.ename) == (2, "ValueError")  # where the report failed, for its error page


def test_off_the_framework_every_error_is_fatal():
    # without a setup cell the renderer allows no error, so the run stopped at this one: no section was
    # skipped, the cells after it never ran, and the report failed with the notebook's own message
    skipped = nbformat.v4.new_code_cell("t = load()")
    skipped.outputs = [
        nbformat.v4.new_output("error", ename="MissingTableError", evalue="No tickets table.", traceback=[])
    ]
    out = classify(nbformat.v4.new_notebook(cells=[skipped, nbformat.v4.new_code_cell("print(t)")]))
    assert (out.status, out.error, out.notes, out.cell) == ("failed", "No tickets table.", [], 0)


@pytest.mark.notebook
def test_notebook_03_on_its_required_table_alone(tmp_path):
    """03 from a folder holding only subscriptions: the satisfaction and support sections become notes."""
    from papermill.parameterize import parameterize_notebook

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SAMPLE / "subscriptions.csv", data / "subscriptions.csv")
    shutil.copy(NOTEBOOKS / "03_churn_and_renewal.ipynb", tmp_path / "03_churn_and_renewal.ipynb")
    nb = nbformat.read(tmp_path / "03_churn_and_renewal.ipynb", as_version=4)
    nb = parameterize_notebook(nb, {"data_dir": str(data)})
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_error_names=list(ALLOWED_ERROR_NAMES),
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    out = classify(nb)
    assert out.status == "ok, with notes", out.error
    assert out.notes == [
        "No surveys table in the data: the sections on satisfaction scores (NPS, CSAT, CES) and the leading "
        "indicators of churn are skipped.",
        "No support tickets table in the data: the sections on support (first-contact resolution, response times) "
        "and the leading indicators of churn are skipped.",
    ]
    assert not errors(out.notebook)
    # the rest rendered: the subscription KPIs are those of the full sample, the satisfaction ones are absent
    kpis = kk.report.notebook_kpis(out.notebook)
    full = kk.report.read_kpis(NOTEBOOKS / "03_churn_and_renewal.ipynb")  # the committed run on the whole sample
    subscription_kpis = [
        "mrr_end",
        "churn_by_interval",
        "churn_by_plan",
        "grr",
        "nrr",
        "renewal_rate",
        "customer_churn_monthly",
        "ltv",
        "ltv_no_margin",
        "arpa",
        "sbg_alpha",
        "sbg_beta",
    ]
    assert sorted(kpis) == sorted([*subscription_kpis, "sbg_identified", "sbg_holdout_max_error"])
    assert {k: kpis[k] for k in ("mrr_end", "grr", "nrr", "renewal_rate", "arpa")} == {
        k: full[k] for k in ("mrr_end", "grr", "nrr", "renewal_rate", "arpa")
    }
    summary = next(
        o.data for c in out.notebook.cells for o in c.get("outputs", []) if kk.report.SUMMARY_MIME in o.get("data", {})
    )
    cards = summary[kk.report.SUMMARY_MIME]["cards"]
    assert [c["name"] for c in cards] == ["mrr_end", "customer_churn_monthly", "grr", "nrr", "renewal_rate"]
    assert summary[kk.report.SUMMARY_MIME]["findings"][0].startswith("Over 12 months, gross revenue retention is 57.9%")
    notes = [
        c
        for c in out.notebook.cells
        if any(
            o.get("data", {}).get("text/html", "").startswith(f"<div class='{NOTE_CLASS}'")
            for o in c.get("outputs", [])
        )
    ]
    assert len(notes) == 2 and all('rep.tables["' in c.source for c in notes)
