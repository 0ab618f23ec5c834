"""Notebook 00 (data overview) on the report framework: the sample, a second dataset, a client's one-table
export through a mapping file, Vietnamese, and wrong parameters."""

from __future__ import annotations

import html
import re

import nbformat
import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import ParameterError
from kpikit.i18n import messages
from kpikit.render import render_notebook
from kpikit.report import KPI_MIME, SUMMARY_MIME
from tests.notebooks import run_notebook
from tests.paths import NOTEBOOKS, SAMPLE

NB = "00_data_overview.ipynb"
NEW_KPIS = ["tables_loaded", "rows_loaded", "months_covered", "reports_ready"]
SNAPSHOT_KPIS = ["sessions", "bounce_rate", "session_conversion_rate", "leads", "lead_to_customer_rate"]
SNAPSHOT_KPIS += ["mrr_period", "mrr", "paying_customers", "logo_churn", "nps"]


def run(tmp_path, **parameters):
    """Execute notebook 00 as the renderer does (the kit's data errors allowed) and classify the run."""
    return run_notebook(NOTEBOOKS / NB, tmp_path, **parameters)


def outputs_text(nb, appendix: bool = True) -> str:
    """Every word the code cells show (text, and HTML without its tags and styles); not the markdown prose.

    ``appendix=False`` leaves out the consultant's appendix (the output of ``rep.finish()``).
    """
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if not appendix and KPI_MIME in data:
                continue
            parts.append(str(data.get("text/plain", "")))
            page = re.sub(r"<style>.*?</style>", " ", str(data.get("text/html", "")), flags=re.S)
            parts.append(html.unescape(re.sub(r"<[^>]+>", " ", page)))
            parts.append(str(out.get("text", "")))
    return "\n".join(parts)


def summary(nb) -> dict:
    return next(
        o["data"][SUMMARY_MIME] for c in nb.cells for o in c.get("outputs", []) if SUMMARY_MIME in o.get("data", {})
    )


def stripe_export(folder):
    """The sample's subscriptions as a Stripe-like Dashboard export, with the faults of a real one.

    Stripe's column names (mapped by a mapping file), IDs padded with a space, 9999-12-31 for "no end yet"
    and 3 rows exported twice: once repaired, the same subscriptions as the sample's.
    """
    folder.mkdir()
    src = pd.read_csv(SAMPLE / "subscriptions.csv", dtype=str, keep_default_na=False)
    export = pd.DataFrame(
        {
            "id": src["subscription_id"],
            "Customer ID": " " + src["customer_id"],
            "Plan": src["plan"],
            "Interval": src["interval"],
            "Amount": src["amount"],
            "Start Date (UTC)": src["start"] + " 00:00",
            "Ended At (UTC)": src["end"].replace("", "9999-12-31"),
        }
    )
    pd.concat([export, export.head(3)]).to_csv(folder / "subscriptions.csv", index=False)
    mapping = folder / "stripe_mapping.yaml"
    mapping.write_text(
        "subscriptions:\n  id: subscription_id\n  Customer ID: customer_id\n  Plan: plan\n  Interval: interval\n"
        "  Amount: amount\n  Start Date (UTC): start\n  Ended At (UTC): end\n"
    )
    return folder, mapping


@pytest.fixture(scope="module")
def one_table(tmp_path_factory):
    """Notebook 00 run on a folder holding only a Stripe-like subscriptions export, in English and Vietnamese."""
    base = tmp_path_factory.mktemp("stripe")
    data, mapping = stripe_export(base / "data")
    runs = {}
    for lang in ("en", "vi"):
        where = base / lang
        where.mkdir()
        runs[lang] = run(where, data_dir=str(data), mapping_file=str(mapping), lang=lang)
    return runs


def test_committed_notebook_on_the_sample_reads_every_table_and_every_report_is_ready():
    nb = nbformat.read(NOTEBOOKS / NB, as_version=4)
    kpis = kk.report.notebook_kpis(nb)
    assert sorted(kpis) == sorted(NEW_KPIS + SNAPSHOT_KPIS)  # the snapshot's KPIs kept, four new ones
    assert kpis["tables_loaded"] == 11 and kpis["reports_ready"] == 5 and kpis["months_covered"] == 18
    assert kpis["rows_loaded"] == sum(len(t) for t in kk.io.read_folder(SAMPLE).values())
    assert kpis["mrr"] == 69774.8 and kpis["paying_customers"] == 2200 and kpis["sessions"] == 20000
    top = summary(nb)
    assert [c["name"] for c in top["cards"]] == NEW_KPIS
    assert top["cards"][2]["period"] == "Jan 2024 – Jun 2025"
    assert top["findings"][0] == "All 5 reports can run on this data, each in full."
    assert [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"][0] == "# Data overview"


def test_every_markdown_cell_is_keyed_and_has_its_vietnamese_prose():
    nb = nbformat.read(NOTEBOOKS / NB, as_version=4)
    keys = [c.metadata.get("kpikit", {}).get("text") for c in nb.cells if c.cell_type == "markdown"]
    assert keys[0] == "title" and None not in keys and len(set(keys)) == len(keys)
    vi = messages("vi")
    for key in keys:
        prose = vi.get(f"notebook.00_data_overview.prose.{key}")
        assert prose, key
    title = vi["notebook.00_data_overview.prose.title"]
    assert title.strip() == "# Tổng quan dữ liệu"


@pytest.mark.notebook
def test_notebook_00_renders_on_second_dataset_with_non_default_parameter(render, second_dataset):
    res = render(NB, data_dir=str(second_dataset), client="Second Client", freq="QS")
    kpis = res.kpis
    assert kpis["sessions"] > 1000
    assert kpis["mrr_period"].endswith("T00:00:00") and kpis["mrr_period"][5:7] in ("01", "04", "07", "10")
    assert kpis["tables_loaded"] == 11 and kpis["reports_ready"] == 5
    page = res.html.read_text()
    assert "Second Client" in page and "kpikit-summary" in page
    # The seed-7 data differs from the committed sample.
    committed = kk.report.read_kpis(NOTEBOOKS / NB)
    assert kpis["sessions"] != committed["sessions"] or kpis["bounce_rate"] != committed["bounce_rate"]


@pytest.mark.notebook
def test_notebook_00_on_a_clients_one_table_export_through_a_mapping_file(one_table):
    out = one_table["en"]
    assert out.status == "ok", out.error  # every section of 00 renders; nothing is skipped
    kpis = kk.report.notebook_kpis(out.notebook)
    assert {k: kpis[k] for k in NEW_KPIS} == {
        "tables_loaded": 1,
        "rows_loaded": 3298,
        "months_covered": 18,
        "reports_ready": 1,
    }
    # once repaired, the export is the sample's subscriptions: the same MRR, customers and churn
    committed = kk.report.read_kpis(NOTEBOOKS / NB)
    for name in ("mrr_period", "mrr", "paying_customers", "logo_churn"):
        assert kpis[name] == committed[name], name
    assert "sessions" not in kpis and "nps" not in kpis
    text = outputs_text(out.notebook)
    # the health table: what was repaired, each with its count
    assert "duplicate rows dropped: 3; IDs with surrounding spaces, stripped: 3,298; far-future end dates" in text
    assert "read as still active: 2,271" in text
    # the coverage table: only 03 can run, with the sections it will skip; the others name what they lack
    cov = next(
        line for line in text.splitlines() if line.strip().startswith("03 Churn and renewal") and "ready" in line
    )
    assert "ready, with notes" in cov and "no surveys table" in cov
    for line in ("01 Bounce-rate diagnosis", "02 Funnel conversion", "04 CLV forecasting", "05 Competitor"):
        row = next(x for x in text.splitlines() if x.strip().startswith(line) and "cannot run" in x)
        assert "no " in row
    top = summary(out.notebook)
    assert top["findings"][:2] == [
        "1 of the 5 reports can run on this data, 1 of them with sections skipped.",
        "No events table in the data: “Bounce-rate diagnosis” and “Funnel conversion” cannot run.",
    ]
    assert [c["value"] for c in top["cards"]] == ["1", "3,298", "18", "1"]


@pytest.mark.notebook
def test_notebook_00_in_vietnamese_has_no_english_headings_or_findings(one_table):
    out = one_table["vi"]
    assert out.status == "ok", out.error
    # file names are the client's; the appendix shows the parameters cell's comments (see the report)
    text = re.sub(r"[\w.-]+\.(csv|gz|parquet|xlsx|yaml)\b", " ", outputs_text(out.notebook, appendix=False))
    # every catalogue text English and Vietnamese write differently: none of the English ones is shown
    en, vi = messages("en"), messages("vi")
    literal = re.compile(r"\{[^}]*\}")
    english = set()
    for key, message in en.items():
        if vi.get(key) == message:
            continue
        english |= {p.strip() for p in literal.split(message) if len(p.strip()) >= 6 and re.search(r"[a-z]{3}", p)}
    shown = sorted(p for p in english if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text))
    assert not shown, shown
    # the findings are the Vietnamese ones of the English run, none of the English ones
    findings = summary(out.notebook)["findings"]
    assert findings[0] == "1 trên 5 báo cáo chạy được trên dữ liệu này, trong đó 1 báo cáo phải bỏ qua một số phần."
    for finding in summary(one_table["en"].notebook)["findings"]:
        assert finding not in text
    assert "thg 1 2024 – thg 6 2025" in text and "3.298" in text  # dates and numbers as vi_VN writes them
    setup = next(c for c in out.notebook.cells if "setup" in c.metadata.get("tags", []))
    title = setup.outputs[0]["data"]["text/html"]
    assert "lang='vi'" in title and "Thư mục dữ liệu này có những gì" in title


def test_notebook_00_wrong_parameter_stops_with_clear_message(tmp_path):
    with pytest.raises(ParameterError) as err:
        render_notebook(NOTEBOOKS / NB, tmp_path / "o", parameters={"data_dri": "x", "freq": "W"})
    assert "unknown parameter 'data_dri'; did you mean 'data_dir'?" in str(err.value)
    assert "parameter 'freq' must be one of 'MS', 'QS' (got 'W', a str)" in str(err.value)
