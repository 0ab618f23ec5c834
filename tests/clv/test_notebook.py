"""Notebook 04 (CLV forecasting): the committed run, a client's own export, an unidentified model, Vietnamese."""

from __future__ import annotations

import html
import re
import shutil
import string
import sys

import nbformat
import pandas as pd
import pytest

from tests.notebooks import run_notebook
from tests.paths import NOTEBOOKS, SAMPLE

NB = "04_clv_forecasting.ipynb"
NOTEBOOK = NOTEBOOKS / NB


def run(where, **parameters):
    """Execute notebook 04 as the renderer does (the kit's data errors allowed) and classify the run."""
    return run_notebook(NOTEBOOK, where, **parameters)


def outputs_text(nb) -> str:
    """Every word the code cells show (text, and HTML without its tags and styles), not the appendix."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if "application/vnd.kpikit.kpis+json" in data:
                continue  # rep.finish(): the consultant's appendix (parameter names, file names)
            if "text/html" in data:
                body = re.sub(r"<style.*?</style>", " ", "".join(data["text/html"]), flags=re.S)
                parts.append(html.unescape(re.sub(r"<[^>]+>", " ", body)))
            elif "text/plain" in data:
                parts.append("".join(data["text/plain"]))
            elif "text" in out:
                parts.append("".join(out["text"]))
    return "\n".join(parts)


def summary(nb) -> dict:
    from kpikit.report import SUMMARY_MIME

    return next(
        o["data"][SUMMARY_MIME] for c in nb.cells for o in c.get("outputs", []) if SUMMARY_MIME in o.get("data", {})
    )


def shopify_export(folder):
    """The sample's purchases as a Shopify-like orders export: no channel, no spend, the shop's own columns."""
    folder.mkdir(parents=True)
    tx = pd.read_csv(SAMPLE / "transactions.csv", dtype=str)
    export = pd.DataFrame(
        {
            "Name": [f"#{1001 + i}" for i in range(len(tx))],
            "Email": tx["customer_id"] + "@example.com",
            "Created at": tx["timestamp"] + " +0000",
            "Total": tx["amount"],
            "Financial Status": "paid",
        }
    )
    export.to_csv(folder / "transactions.csv", index=False)
    mapping = folder / "shopify_mapping.yaml"
    mapping.write_text("transactions:\n  Email: customer_id\n  Created at: timestamp\n  Total: amount\n")
    return folder, mapping


@pytest.fixture(scope="module")
def shopify(tmp_path_factory):
    """Notebook 04 run on a folder holding only a Shopify-like orders export, in English and Vietnamese."""
    base = tmp_path_factory.mktemp("shopify")
    data, mapping = shopify_export(base / "data")
    return {lang: run(base / lang, data_dir=str(data), mapping_file=str(mapping), lang=lang) for lang in ("en", "vi")}


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_committed_notebook_leads_with_paid_channels_that_return_less_than_they_cost():
    from kpikit import report

    kpis = report.read_kpis(NOTEBOOK)  # the notebook is committed executed on data/sample
    assert kpis["model"] == "bgnbd"
    assert kpis["purchase_model_identified"] is True and kpis["spend_model_identified"] is True
    assert abs(kpis["holdout_relative_error"]) < 0.10
    assert kpis["lowest_clv_channel"] == "Paid Social"
    # the interval of the mean CLV is taken on the log scale: its ends multiply to the mean squared
    m = kpis["mean_clv"]
    assert 0 < m["low"] < m["value"] < m["high"] and m["low"] * m["high"] == pytest.approx(m["value"] ** 2)
    # CAC per channel comes from kk.acquisition: Paid Search's digital spend / its new customers
    assert kpis["ltv_cac"]["Paid Search"] == pytest.approx(54.85 / (114180.53 / 615), abs=1e-3)
    assert kpis["lowest_ltv_cac"] == {"value": kpis["ltv_cac"]["Paid Search"], "segment": "Paid Search"}
    nb = nbformat.read(NOTEBOOK, as_version=4)
    s = summary(nb)
    assert [c["name"] for c in s["cards"]] == [
        "mean_clv",
        "historical_clv",
        "lowest_ltv_cac",
        "holdout_relative_error",
        "share_probably_gone",
    ]
    # the answer first: paid channels lose money, before any payback figure
    assert s["findings"][0].startswith("Paid channels return less than they cost: new customers from Paid Search")
    assert not any("pays back" in f or "short of the" in f for f in s["findings"][:1])
    text = outputs_text(nb)
    assert "Definitions in use (Jan 2024 – Jun 2025): CAC = paid-media spend (digital) / new customers" in text
    assert "= £220,155 / 1,676 = £131.36" in text  # the paid channels' spend over their new customers
    assert "Paid Search, Paid Social, Referral" in text


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_04_on_a_shopify_export_alone_skips_the_channel_and_ltv_cac_sections(shopify):
    from kpikit import report

    out = shopify["en"]
    assert out.status == "ok, with notes", out.error
    # one note per skipped section (the cells after it that need its results are skipped silently)
    assert out.notes == [
        "The transactions carry no 'channel' column (each customer's acquisition channel or segment), so the "
        "sections by channel are skipped. Map the export's channel column in the mapping file, or name another "
        "column of the transactions with segment_col.",
        "No spend table in the data: the sections on LTV:CAC and payback are skipped.",
    ]
    kpis = report.notebook_kpis(out.notebook)
    committed = report.read_kpis(NOTEBOOK)
    # the rest rendered, with the figures of the whole sample (the same purchases under the shop's names)
    for name in ("historical_clv", "mean_clv", "total_clv", "share_probably_gone", "holdout_relative_error"):
        assert kpis[name] == committed[name], name
    assert not {"clv_by_channel", "lowest_clv_channel", "ltv_cac", "payback_months", "lowest_ltv_cac"} & set(kpis)
    cards = [c["name"] for c in summary(out.notebook)["cards"]]
    assert cards == ["mean_clv", "historical_clv", "holdout_relative_error", "share_probably_gone"]


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_04_in_vietnamese_has_no_english_headings_or_findings(shopify):
    from kpikit.i18n import messages

    out = shopify["vi"]
    assert out.status == "ok, with notes", out.error
    text = outputs_text(out.notebook)
    assert "biên lợi nhuận" in text and "Một khách hàng trung bình" in text
    # the notes of the skipped sections are in Vietnamese too
    assert out.notes[0].startswith("Dữ liệu giao dịch không có cột 'channel' (kênh thu hút")
    assert len(out.notes) == 2 and not any("skipped" in n or "table" in n for n in out.notes)
    english = [v for k, v in messages("en").items() if k.startswith("notebook.04_clv_forecasting.")]
    for module in ("kpikit.clv.findings", "kpikit.clv.titles"):
        mod = sys.modules[module]
        for name, value in vars(mod).items():
            values = value.values() if isinstance(value, dict) else [value]
            english += [v for v in values if name.startswith("_") and isinstance(v, str) and "{" in v]
    for message in english:
        for literal, *_ in string.Formatter().parse(message):
            words = literal.strip(" ,.:;()")
            if len(words) > 12:
                assert words not in text, f"English left in the Vietnamese report: {words!r}"


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_finds_planted_clv_effect_on_second_dataset(render, second_dataset):
    from kpikit import report

    res = render(NB, data_dir=str(second_dataset), client="Second Client", horizon=24, cac=40.0)
    kpis = report.read_kpis(res.ipynb)
    # planted (data/sample/README.md): Paid Social customers buy less often and spend less per order
    assert kpis["lowest_clv_channel"] == "Paid Social"
    others = [v for k, v in kpis["clv_by_channel"].items() if k != "Paid Social"]
    assert kpis["clv_by_channel"]["Paid Social"] < 0.85 * min(others)
    # the data follow BG/NBD, so the holdout check passes: total purchases within 10%
    assert abs(kpis["holdout_relative_error"]) < 0.10
    assert kpis["model"] == "bgnbd" and 0 < kpis["share_probably_gone"] < 1
    # one given CAC for every channel: an LTV:CAC for each of the seven channels
    assert len(kpis["ltv_cac"]) == 7


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_runs_pareto_and_says_when_it_is_not_identified(tmp_path):
    from kpikit import report

    out = run(tmp_path, data_dir=str(SAMPLE), model="pareto", freq="W")
    assert out.status == "ok, with notes", out.error
    kpis = report.notebook_kpis(out.notebook)
    assert kpis["model"] == "pareto"
    assert set(kpis["purchase_params"]) == {"r", "alpha", "s", "beta"}
    # The sample's customers drop out after purchases (BG/NBD): Pareto/NBD's dropout rates come out
    # homogeneous, s and beta running off together, so its dropout process is not identified. The report
    # says so instead of stating who has stopped buying, what customers are worth or LTV:CAC.
    assert kpis["purchase_model_identified"] is False
    assert not {"share_probably_gone", "mean_clv", "ltv_cac", "lowest_clv_channel", "lowest_ltv_cac"} & set(kpis)
    assert all(n.startswith("Not reported: ") and "do not identify s" in n for n in out.notes)
    findings = summary(out.notebook)["findings"]
    assert findings[0].startswith("Caveat: the purchase model (Pareto/NBD) is not identified by this data")
    assert any(f.startswith("Pareto/NBD: the data do not identify s") for f in findings)
    text = outputs_text(out.notebook)
    assert "have probably stopped buying" not in text and "return less than they cost" not in text
    # no statement of the weakest channel (the caveat names what it does not state: "which channel is worth
    # the least"); the charts' neutral titles are checked in tests/clv/test_findings.py
    assert "are worth the least" not in text
    # weekly grain: holdout purchases = distinct (customer, week) after the calibration week, for the
    # customers seen by 2024-12-30 (the last day 2025-06-30 minus 6 months), counted with plain pandas
    tx = pd.read_csv(SAMPLE / "transactions.csv", parse_dates=["timestamp"])
    week = tx["timestamp"].dt.to_period("W")
    cal_week = pd.Period("2024-12-30", "W")
    known = set(tx.loc[week <= cal_week, "customer_id"])
    later = tx.loc[(week > cal_week) & tx["customer_id"].isin(known)].assign(week=week)
    assert kpis["holdout_actual"] == later.drop_duplicates(["customer_id", "week"]).shape[0]
    assert kpis["holdout_relative_error"] == pytest.approx(kpis["holdout_predicted"] / kpis["holdout_actual"] - 1)


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_04_nets_refunds_on_request(tmp_path):
    from kpikit import report

    # the sample plus one refund of 5.00 with no order reference, on a customer's latest purchase
    data = tmp_path / "data"
    data.mkdir()
    tx = pd.read_csv(SAMPLE / "transactions.csv")
    refund = tx.sort_values("timestamp").iloc[[-1]].assign(amount=-5.0)
    pd.concat([tx, refund]).to_csv(data / "transactions.csv", index=False)
    for name in ("spend.csv",):
        shutil.copy(SAMPLE / name, data / name)
    out = run(tmp_path / "run", data_dir=str(data), refunds="net")
    assert out.status == "ok", out.error
    kpis = report.notebook_kpis(out.notebook)
    # historical CLV = revenue / customers / years x lifespan x margin: the same orders, 5.00 less revenue
    revenue = float(tx["amount"].sum())
    committed = report.read_kpis(NOTEBOOK)
    assert kpis["historical_clv"] == pytest.approx(committed["historical_clv"] * (revenue - 5.0) / revenue, rel=1e-12)


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_04_with_a_given_cac_and_no_channel_values_new_customers_as_one_group(tmp_path):
    from kpikit import report

    data, mapping = shopify_export(tmp_path / "data")
    out = run(tmp_path / "run", data_dir=str(data), mapping_file=str(mapping), cac=40.0, lang="vi")
    assert out.status == "ok, with notes", out.error
    assert len(out.notes) == 1 and out.notes[0].startswith("Dữ liệu giao dịch không có cột 'channel'")
    kpis = report.notebook_kpis(out.notebook)
    assert set(kpis["ltv_cac"]) == {"all"} and kpis["lowest_ltv_cac"]["segment"] == "all"
    text = outputs_text(out.notebook)
    assert "CAC = 40,00\xa0£ mỗi khách hàng mới, theo giá trị được nhập cho báo cáo này" in text
    assert "khách hàng mới mang lại nhiều hơn chi phí thu hút" in text and " all " not in text
