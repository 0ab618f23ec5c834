"""kpikit.render.outputs: a report's files together (workbook included), and its record for the index."""

import base64
import json

import nbformat
import pandas as pd

from kpikit.render import effective_parameters, report_meta, write_failure, write_report
from kpikit.report import KPI_MIME, SUMMARY_MIME, XLSX_MIME, client_table, workbook_bytes
from tests.paths import NOTEBOOKS


def executed(workbook=None, summary=None):
    """An executed notebook whose last cell holds the KPI JSON (and a workbook, and a summary)."""
    data = {KPI_MIME: {"sessions": 12}, "text/plain": "kpis"}
    if workbook is not None:
        data[XLSX_MIME] = base64.b64encode(workbook).decode("ascii")
    cell = nbformat.v4.new_code_cell("rep.finish()")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
    if summary is not None:
        cell.outputs.append(nbformat.v4.new_output("display_data", data={SUMMARY_MIME: summary, "text/plain": "s"}))
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Churn and renewal"), cell])


def test_the_workbook_is_saved_beside_the_report_and_stale_files_go(tmp_path):
    book = workbook_bytes([("Churn", client_table(pd.DataFrame({"plan": ["Box"], "churn_rate": [0.05]})))])
    for name in ("r.pdf", "r.error.html", "r.failed.ipynb"):
        (tmp_path / name).write_text("from an earlier run")
    meta = {"title": "Churn and renewal", "client": "Juniper Box", "lang": "en", "status": "ok", "notes": []}
    kpis = write_report(tmp_path, "r", executed(book), {"notebook": "r.ipynb"}, meta=meta)
    assert kpis == {"sessions": 12}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb", "r.kpis.json", "r.xlsx"]
    assert (tmp_path / "r.xlsx").read_bytes() == book
    record = nbformat.read(tmp_path / "r.ipynb", as_version=4).metadata["kpikit"]
    assert (record["workbook"], record["pdf"], record["client"]) == ("r.xlsx", None, "Juniper Box")
    assert json.loads((tmp_path / "r.kpis.json").read_text()) == {"notebook": "r.ipynb", "kpis": {"sessions": 12}}
    assert "<title>Churn and renewal – Juniper Box</title>" in (tmp_path / "r.html").read_text()
    # the next version has no tables: its workbook would be stale
    write_report(tmp_path, "r", executed(), {"notebook": "r.ipynb"}, meta=meta)
    assert not (tmp_path / "r.xlsx").exists()


def test_a_failure_keeps_the_report_and_writes_its_error_page_and_notebook(tmp_path):
    write_report(tmp_path, "r", executed(), {"notebook": "r.ipynb"})
    before = (tmp_path / "r.html").read_bytes()
    error = {"kind": "exception", "cell": 3, "ename": "KpiDataError", "evalue": "No x.", "message": "No x."}
    page = write_failure(tmp_path, "r", executed(), error, {"status": "failed", "error": "No x."}, client="Acme")
    assert page == tmp_path / "r.error.html" and "<p class='message'>No x.</p>" in page.read_text()
    assert (tmp_path / "r.html").read_bytes() == before
    assert nbformat.read(tmp_path / "r.failed.ipynb", as_version=4).metadata["kpikit"]["error"] == "No x."
    write_failure(tmp_path, "r", None, error)  # it never ran: no notebook of an earlier attempt stays
    assert not (tmp_path / "r.failed.ipynb").exists()


def test_the_record_reads_title_and_question_in_the_reports_language_and_its_summary():
    summary = {"lang": "vi", "cards": [{"name": "grr", "label": "GRR", "value": "57,9%"}], "findings": ["a"]}
    nb = executed(summary=summary)
    meta = report_meta(nb, "03_churn_and_renewal", {"client": "Juniper Box", "lang": "vi", "currency": "GBP"}, "ok")
    assert meta["summary"] == summary and meta["currency"] == "GBP" and meta["lang"] == "vi"
    assert meta["title"] != "Churn and renewal" and meta["question"]  # the Vietnamese catalogue's
    en = report_meta(nb, "03_churn_and_renewal", {"client": None}, "failed", error="No x.", duration_s=1.234)
    assert (en["title"], en["client"], en["error"], en["duration_s"]) == ("Churn and renewal", "", "No x.", 1.23)
    assert en["question"] == "How fast do subscribers leave, who leaves, and what predicts it?"
    own = report_meta(nb, "09_own", {}, "ok")
    assert (own["title"], own["question"]) == ("Churn and renewal", "")  # the notebook's own heading


def test_effective_parameters_are_the_declared_defaults_with_the_overrides():
    values = effective_parameters(NOTEBOOKS / "03_churn_and_renewal.ipynb", {"client": "Acme"})
    assert values["client"] == "Acme" and values["data_dir"] == "../data/sample" and values["lang"] == "en"
