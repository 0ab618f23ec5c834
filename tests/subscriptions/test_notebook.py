"""Notebook 03 (churn and renewal) rendered: the sample, a second dataset, a Stripe export alone, Vietnamese."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from tests.notebooks import output_texts, run_notebook
from tests.paths import NOTEBOOKS, SAMPLE

NOTEBOOK = NOTEBOOKS / "03_churn_and_renewal.ipynb"

# A Stripe Dashboard export of subscriptions (docs: /work/shared/EXPORT_FORMATS.md, "Stripe subscriptions")
STRIPE_MAPPING = """subscriptions:
  id: subscription_id
  Customer ID: customer_id
  Plan: plan
  Interval: interval
  Amount: amount
  Quantity: quantity
  Start Date (UTC): start
  Ended At (UTC): end
"""
SKIPPED = [
    "No surveys table in the data: the sections on satisfaction scores (NPS, CSAT, CES) and the leading "
    "indicators of churn are skipped.",
    "No support tickets table in the data: the sections on support (first-contact resolution, response times) "
    "and the leading indicators of churn are skipped.",
]


def stripe_export(subs: pd.DataFrame) -> pd.DataFrame:
    """The sample's subscriptions as Stripe writes them: its own column names, ids, price ids and statuses."""
    ended = subs["end"].fillna("")
    return pd.DataFrame(
        {
            "id": "sub_1Q" + subs["subscription_id"].str.replace("sub-", "", regex=False),
            "Customer ID": "cus_R" + subs["customer_id"].str.replace("c-", "", regex=False),
            "Customer Email": subs["customer_id"] + "@example.com",
            "Plan": "price_" + subs["plan"].str.lower().str.replace(" ", "_", regex=False),
            "Quantity": 1,
            "Currency": "gbp",
            "Interval": subs["interval"],
            "Amount": subs["amount"].map(lambda x: f"{x:.2f}"),
            "Status": np.where(subs["end"].isna(), "active", "canceled"),
            "Created (UTC)": subs["start"] + " 00:00",
            "Start Date (UTC)": subs["start"] + " 00:00",
            "Canceled At (UTC)": ended.map(lambda x: f"{x} 09:12" if x else ""),
            "Ended At (UTC)": ended.map(lambda x: f"{x} 00:00" if x else ""),
        }
    )


def run(folder, **parameters):
    """Execute notebook 03 as the renderer does (kit errors allowed), then classify it."""
    return run_notebook(NOTEBOOK, folder, **parameters)


texts = output_texts


def stripe_folder(tmp_path, subs: pd.DataFrame):
    data = tmp_path / "export"
    data.mkdir()
    stripe_export(subs).to_csv(data / "subscriptions.csv", index=False)
    (tmp_path / "mapping.yaml").write_text(STRIPE_MAPPING)
    return {"data_dir": str(data), "mapping_file": str(tmp_path / "mapping.yaml")}


@pytest.mark.notebook
def test_notebook_03_finds_planted_effects_on_second_dataset(tmp_path):
    papermill = pytest.importorskip("papermill")
    from kpikit import report, sample

    data = tmp_path / "data"
    sample.generate(data, seed=7)
    nb = tmp_path / "nb" / NOTEBOOK.name
    nb.parent.mkdir()
    shutil.copy(NOTEBOOK, nb)
    out = nb.parent / "out.ipynb"
    papermill.execute_notebook(
        str(nb),
        str(out),
        kernel_name="python3",
        cwd=str(nb.parent),
        progress_bar=False,
        parameters={"data_dir": str(data), "client": "Seed Seven", "freq": "QS", "same_period": "include"},
    )
    kpis = report.read_kpis(out)
    # planted: monthly plans churn ~6-7% a month, annual ~25% at renewal (under 2% a month on average)
    month, year = kpis["churn_by_interval"]["month"], kpis["churn_by_interval"]["year"]
    assert month["low"] > year["high"]
    assert month["value"] > 2 * year["value"]
    # planted: detractors churn about twice as often as promoters; reopened tickets churn more
    assert 1.4 < kpis["detractor_vs_promoter_churn_ratio"] < 4 and kpis["detractor_q_value"] < 0.01
    assert kpis["reopened_vs_smooth_churn_ratio"] > 1.3 and kpis["reopened_q_value"] < 0.01
    assert 0 < kpis["grr"] <= 1 and kpis["nrr"] > 0
    assert 0.5 < kpis["renewal_rate"]["value"] < 0.95  # ~25% lapse at renewal
    assert kpis["sbg_holdout_max_error"] < 0.05 and kpis["sbg_identified"] is True
    assert "no margin" in kpis["ltv_no_margin"]["variant"]
    committed = report.read_kpis(NOTEBOOK)
    assert kpis["mrr_end"] != committed["mrr_end"]


@pytest.mark.notebook
def test_notebook_03_on_the_sample_reads_the_latest_renewals_and_fits_every_monthly_cohort(tmp_path):
    import kpikit as kk

    out = run(tmp_path, data_dir=str(SAMPLE))
    assert out.status == "ok", out.error
    kpis = kk.report.notebook_kpis(out.notebook)
    committed = kk.report.read_kpis(NOTEBOOK)
    # recorded in the spec's order (the committed file's JSON has its keys sorted, so only the values compare)
    assert list(kpis) == [k for k in kk.report.notebook_spec(NOTEBOOK.name).kpis if k in kpis]
    assert kpis == committed
    # the renewal period from the data: Q2 2025, the latest quarter with contracts due (70 of 94 renewed)
    assert (kpis["renewal_rate"]["successes"], kpis["renewal_rate"]["trials"]) == (70, 94)
    # the sBG on all 18 monthly cohorts (2,262 customers), fitted on their first six months: identified
    assert kpis["sbg_identified"] is True
    assert (round(kpis["sbg_alpha"], 3), round(kpis["sbg_beta"], 2)) == (0.749, 9.12)
    assert round(kpis["sbg_holdout_max_error"], 4) == 0.0335
    shown = "\n".join(texts(out.notebook))
    assert "Jan 2024  £3,917.84     £0.00 n/a (no losses)" in shown  # the quick ratio of a month without losses
    assert " inf" not in shown and "Rate(" not in shown and "3.4134988492225246e-13" not in shown
    # every leading indicator's table is shown, the groups compared in KPIs included
    for indicator in ("NPS group", "CSAT", "support experience", "first response time"):
        assert f"Churn per customer-month by {indicator} (" in shown, indicator
    # the common mistakes show each formula with its counts and result
    assert "renewed / due = 27 / 33 = 81.8%" in shown and "added / start = 185 / 2,095 = 8.8%" in shown
    # the NPS teaching example is labelled, in the method notes, and recorded as no KPI
    cells = out.notebook.cells
    method = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "Method notes" in c.source)
    teaching = next(i for i, c in enumerate(cells) if "nps_teaching_example" in c.source)
    assert teaching > method
    caption = texts(nbformat_cell(cells[teaching]))[0].splitlines()[0]
    assert caption.startswith("Teaching example with made-up answers, not the NPS of Juniper Box")
    assert kpis["nps"]["n"] == 1735  # the client's NPS is its own surveys'


def nbformat_cell(cell):
    import nbformat

    return nbformat.v4.new_notebook(cells=[cell])


@pytest.mark.notebook
def test_notebook_03_with_the_previous_renewal_quarter_and_first_cohort_gives_the_previous_figures(tmp_path):
    # before issue 14: renewals of 2025Q1 and the sBG on the first three months' monthly customers only
    import kpikit as kk

    out = run(tmp_path, data_dir=str(SAMPLE), renewal_period="2025Q1", sbg_cohorts="first")
    kpis = kk.report.notebook_kpis(out.notebook)
    assert (kpis["renewal_rate"]["successes"], kpis["renewal_rate"]["trials"]) == (65, 82)
    # the figures recorded before (1.09903453, 14.4409718, 0.0135241515): the optimiser stops within its
    # tolerance, so another machine's fit agrees to about 1e-5, far inside the standard errors (1.25, 18.6)
    assert kpis["sbg_alpha"] == pytest.approx(1.09903453316439, rel=1e-4)
    assert kpis["sbg_beta"] == pytest.approx(14.440971822918357, rel=1e-4)
    assert kpis["sbg_holdout_max_error"] == pytest.approx(0.013524151480471598, rel=1e-4)
    assert kpis["sbg_identified"] is False


@pytest.mark.notebook
def test_notebook_03_from_a_stripe_export_alone(tmp_path):
    # the sample's subscriptions in Stripe's own columns, plus a price of three customers who all left at
    # once: churn by plan shows it, flagged, and ranks the plans large enough to rank
    import kpikit as kk

    subs = pd.read_csv(SAMPLE / "subscriptions.csv", dtype=str)
    subs["amount"] = subs["amount"].astype(float)
    tiny = pd.DataFrame(
        {
            "customer_id": [f"c-9990{i}" for i in range(3)],
            "subscription_id": [f"sub-9990{i}" for i in range(3)],
            "plan": "Box Deluxe",
            "interval": "month",
            "amount": 99.0,
            "start": "2025-01-01",
            "end": "2025-02-01",
        }
    )
    out = run(tmp_path, **stripe_folder(tmp_path, pd.concat([subs, tiny], ignore_index=True)))
    assert out.status == "ok, with notes", out.error
    assert out.notes == SKIPPED
    kpis = kk.report.notebook_kpis(out.notebook)
    assert "renewal_rate" in kpis and kpis["sbg_identified"] is True
    assert kpis["churn_by_plan"]["price_box_deluxe"]["value"] == 1.0  # 3 of 3
    by_plan = next(t for t in texts(out.notebook) if t.startswith("Churn per customer-period at risk, by plan"))
    rows = {line.split()[0]: line.split() for line in by_plan.splitlines()[2:]}
    assert rows["price_box_deluxe"][1] == "yes" and rows["price_box_deluxe"][-1] == "–"  # flagged, no rank
    assert rows["price_box_monthly"][-1] == "1"


@pytest.mark.notebook
@pytest.mark.parametrize(
    ("interval", "notes"),
    [
        (
            "month",
            [
                "The subscriptions hold no annual contracts (their billing intervals: month): a renewal rate measures "
                "contracts that come up for renewal, so there is none to report."
            ],
        ),
        (
            "year",
            [
                "No group of 30 customers or more has lost half of its customers yet: the median lifetime is not "
                "reached, so none is singled out.",
                "The cohorts of customers on annual plans are observed for at most 1 full year(s) by 29 Jun 2025: a "
                "retention model needs at least two periods of one cohort, so it is not fitted.",
            ],
        ),
    ],
)
def test_notebook_03_from_a_stripe_export_of_one_billing_interval(tmp_path, interval, notes):
    import kpikit as kk

    subs = pd.read_csv(SAMPLE / "subscriptions.csv", dtype=str)
    subs["amount"] = subs["amount"].astype(float)
    out = run(tmp_path, **stripe_folder(tmp_path, subs[subs["interval"] == interval]))
    assert out.status == "ok, with notes", out.error
    assert out.notes == notes + SKIPPED
    kpis = kk.report.notebook_kpis(out.notebook)
    assert list(kpis["churn_by_interval"]) == [interval]
    assert ("renewal_rate" in kpis) == (interval == "year") and ("sbg_alpha" in kpis) == (interval == "month")


@pytest.mark.notebook
def test_notebook_03_without_detractors_or_reopened_tickets_says_so_and_goes_on(tmp_path):
    # a client whose survey has no answer below 7 and whose tickets were never reopened: the two comparisons
    # that name those groups become notes, everything else renders (their tables and the other indicators)
    import re

    import kpikit as kk

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SAMPLE / "subscriptions.csv", data / "subscriptions.csv")
    surveys = pd.read_csv(SAMPLE / "surveys.csv")
    surveys[(surveys["kind"] != "nps") | (surveys["score"] >= 7)].to_csv(data / "surveys.csv", index=False)
    tickets = pd.read_csv(SAMPLE / "tickets.csv")
    tickets.assign(reopened_at=None).to_csv(data / "tickets.csv", index=False)
    out = run(tmp_path, data_dir=str(data))
    assert out.status == "ok, with notes", out.error
    assert len(out.notes) == 2
    assert re.fullmatch(
        r"No detractors among the customers with an NPS answer \([\d,]+\): their churn cannot be compared with that "
        r"of promoters\.",
        out.notes[0],
    )
    assert re.fullmatch(
        r"No customers with a reopened ticket among the customers with a support ticket \([\d,]+\): their churn cannot "
        r"be compared with that of customers whose tickets were all solved at first contact\.",
        out.notes[1],
    )
    kpis = kk.report.notebook_kpis(out.notebook)
    assert not {"detractor_vs_promoter_churn_ratio", "detractor_q_value", "reopened_vs_smooth_churn_ratio"} & set(kpis)
    assert {"nps", "fcr", "ltv", "arpa"} <= set(kpis) and kpis["nps"]["value"] > 34  # no detractors: a higher NPS
    shown = "\n".join(texts(out.notebook))
    assert "Churn per customer-month by NPS group (" in shown and "Churn per customer-month by CSAT (" in shown


@pytest.mark.notebook
def test_notebook_03_in_vietnamese_writes_its_notes_in_vietnamese(tmp_path):
    # a monthly-only Stripe export: the renewal section and the two missing tables' sections become notes,
    # written in the report's language like the rest of it
    subs = pd.read_csv(SAMPLE / "subscriptions.csv", dtype=str)
    subs["amount"] = subs["amount"].astype(float)
    out = run(tmp_path, lang="vi", **stripe_folder(tmp_path, subs[subs["interval"] == "month"]))
    assert out.status == "ok, with notes", out.error
    assert out.notes[0] == (
        "Dữ liệu thuê bao không có hợp đồng theo năm nào (các kỳ thanh toán có trong dữ liệu: tháng): tỷ lệ gia hạn "
        "đo các hợp đồng đến hạn gia hạn, nên không có tỷ lệ nào để báo cáo."
    )
    assert len(out.notes) == 3
    english = {" the ", " and ", " table ", " skipped", " sections "}
    assert not [note for note in out.notes if any(word in f" {note} " for word in english)], out.notes


def test_notebook_03_prose_is_all_in_the_vietnamese_catalogue():
    import nbformat

    from kpikit.i18n import messages
    from kpikit.render.prose import prose_ids, translate_prose

    nb = nbformat.read(NOTEBOOK, as_version=4)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    ids = prose_ids(nb)
    assert len(ids) == len(markdown) == len(set(ids))  # every markdown cell has its text id, once
    prefix = f"notebook.{NOTEBOOK.stem}.prose."
    assert sorted(ids) == sorted(k.removeprefix(prefix) for k in messages("vi") if k.startswith(prefix))
    vi = [c.source for c in translate_prose(nb, NOTEBOOK.stem, "vi").cells if c.cell_type == "markdown"]
    # the same sections, numbered alike, in Vietnamese
    assert [line.split(" ")[1] for line in vi if line.startswith("## ")] == [
        c.source.split(" ")[1] for c in markdown if c.source.startswith("## ")
    ]
    assert vi[0] == "# Rời bỏ và gia hạn" and "Ghi chú phương pháp" in vi[-1]


@pytest.mark.notebook
def test_notebook_03_in_vietnamese_has_no_english_caption_or_finding(tmp_path):
    import nbformat

    import kpikit as kk

    out = run(tmp_path, data_dir=str(SAMPLE), lang="vi")
    assert out.status == "ok", out.error
    shown = "\n".join(texts(out.notebook))
    english = nbformat.read(NOTEBOOK, as_version=4)  # the committed run: the same report in English
    lines = {line.strip() for text in texts(english) for line in text.splitlines()}
    words = [line for line in lines if len(line) > 25 and any(c.isalpha() for c in line) and " = " not in line]
    # captions, findings, card labels and table headers of the English report appear nowhere in Vietnamese
    # (the appendix's parameter lines "name = value" and the mistakes' formulas are code, not prose)
    leaked = [line for line in words if line in shown and not line.startswith(("added /", "lost /", "renewed /"))]
    assert not leaked, leaked[:5]
    summary = next(
        o.data[kk.report.SUMMARY_MIME]
        for c in out.notebook.cells
        for o in c.get("outputs", [])
        if kk.report.SUMMARY_MIME in o.get("data", {})
    )
    assert summary["lang"] == "vi" and summary["findings"][0].startswith("Sau 12 tháng, tỷ lệ giữ chân doanh thu gộp")
    assert "Ví dụ minh hoạ với câu trả lời giả định, không phải NPS của Juniper Box" in shown
    assert "đã gia hạn / đến hạn gia hạn = 27 / 33 = 81,8%" in shown  # the mistakes' formulas too
    headings = [c.source for c in out.notebook.cells if c.cell_type == "markdown"]
    assert headings[1].startswith("## 1. MRR và các biến động")  # the prose, swapped as the renderer does
