"""kpikit.report.document: the Report a notebook builds (start, kpi, findings, cards, tables, finish)."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, MissingTableError, MissingTranslationError
from kpikit.i18n import Finding
from kpikit.report import KPI_MIME, SUMMARY_MIME, XLSX_MIME, parameter_spec
from kpikit.stats import compare_rates, rate
from tests.paths import NOTEBOOKS, SAMPLE

NB = "03_churn_and_renewal.ipynb"
REPR = re.compile(r"\b(None|True|False|nan|inf)\b|Timestamp\(|Rate\(|Score\(|array\(|\{'|\['")


@pytest.fixture(autouse=True)
def _house_style_put_back():
    """kk.report.start applies the charts' house style (as a notebook wants): put it back after each test."""
    import matplotlib

    with matplotlib.rc_context():
        yield


@pytest.fixture
def shown(monkeypatch):
    """What the report displays: (bundle, display_id) of display() and update_display() calls."""
    import IPython.display as ipd

    calls = {"display": [], "update": []}
    monkeypatch.setattr(
        ipd, "display", lambda obj, raw=False, display_id=None: calls["display"].append((obj, display_id))
    )
    monkeypatch.setattr(
        ipd, "update_display", lambda obj, raw=False, display_id=None: calls["update"].append((obj, display_id))
    )
    return calls


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A notebook folder with notebook 03 and a data folder holding only its required table."""
    shutil.copy(NOTEBOOKS / NB, tmp_path / NB)
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SAMPLE / "subscriptions.csv", data / "subscriptions.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def namespace(folder, **overrides):
    ns = {name: p.default for name, p in parameter_spec(folder / NB).items()}
    return {**ns, "data_dir": str(folder / "data"), **overrides}


def test_a_missing_required_table_stops_the_report_naming_it(folder, shown):
    (folder / "data" / "subscriptions.csv").unlink()
    with pytest.raises(
        KpiDataError, match=r"No subscriptions table in '.*data': 03_churn_and_renewal needs one"
    ) as err:
        kk.report.start("03_churn_and_renewal", namespace(folder))
    assert "subscriptions.csv" in str(err.value) and "customer_id, subscription_id, start" in str(err.value)
    assert "mapping_file" in str(err.value)


def test_an_invalid_required_table_stops_the_report_with_its_problem(folder, shown):
    (folder / "data" / "subscriptions.csv").write_text("customer_id,subscription_id,start\nc1,s1,not a date\n")
    with pytest.raises(
        KpiDataError, match=r"needs the subscriptions table, and the one in .* could not be used: subscriptions.csv"
    ):
        kk.report.start("03_churn_and_renewal", namespace(folder))


def test_start_shows_the_title_block_and_a_summary_placeholder(folder, shown):
    rep = kk.report.start("03_churn_and_renewal", namespace(folder, client="Acme <Ltd>"))
    (title, _), (pending, display_id) = shown["display"]
    assert "How fast do subscribers leave, who leaves, and what predicts it?" in title["text/html"]
    assert "Acme &lt;Ltd&gt;" in title["text/html"] and "kpikit-generated" in title["text/html"]
    # the sample's subscriptions start from January 2024 to June 2025
    assert "Period covered:</strong> Jan 2024 – Jun 2025" in title["text/html"]
    assert display_id == rep.summary_id == "kpikit-summary-03_churn_and_renewal"
    assert "kpikit-pending" in pending["text/html"]
    assert (rep.lang, rep.currency) == ("en", "GBP")


def test_a_missing_optional_table_raises_its_one_line_note(folder, shown):
    rep = kk.report.start("03_churn_and_renewal", namespace(folder))
    assert "subscriptions" in rep.tables and "surveys" not in rep.tables and rep.tables.get("tickets") is None
    with pytest.raises(MissingTableError) as err:
        rep.tables["surveys"]
    assert str(err.value) == (
        "No surveys table in the data: the sections on satisfaction scores (NPS, CSAT, CES) and the leading "
        "indicators of churn are skipped."
    )
    assert isinstance(err.value, KpiDataError)
    with pytest.raises(KeyError, match="not a table this notebook declares"):
        rep.tables["events"]


def test_the_note_is_in_the_reports_language(folder, shown):
    rep = kk.report.start("03_churn_and_renewal", namespace(folder, lang="vi"))
    with pytest.raises(MissingTableError, match=r"^Dữ liệu không có bảng yêu cầu hỗ trợ: bỏ qua các phần về chăm sóc"):
        rep.tables["tickets"]
    assert "Giai đoạn dữ liệu:</strong> thg 1 2024 – thg 6 2025" in shown["display"][0][0]["text/html"]


def test_kpis_must_be_registered_and_declared(folder, shown):
    rep = kk.report.start("03_churn_and_renewal", namespace(folder))
    with pytest.raises(ValueError, match="not in the registry"):
        rep.kpi("gross_retention", 0.5)
    with pytest.raises(ValueError, match="does not declare the KPI 'bounce_rate'"):
        rep.kpi("bounce_rate", 0.5)
    assert rep.kpi("grr", 0.58) == 0.58


def test_cards_mark_a_change_only_when_it_is_significant(folder, shown):
    rep = kk.report.start("03_churn_and_renewal", namespace(folder))
    rep.kpi("mrr_end", 69774.8, change=3243.8, period="2025-06")  # an exact figure: any change is real
    rep.kpi("grr", 0.5787, period=(pd.Timestamp("2024-07-01"), pd.Timestamp("2025-07-01")))
    # 65/82 against 70/94: a difference of +4.8 points, far from significant
    rep.kpi("renewal_rate", rate(65, 82), change=compare_rates((65, 82), (70, 94)), period="2025Q1")
    # churn 80/2095 against 120/2095: -1.9 points, p < 0.01
    rep.kpi("customer_churn_monthly", rate(80, 2095), change=compare_rates((80, 2095), (120, 2095)))
    rep.card("mrr_end", "customer_churn_monthly", "grr", "renewal_rate", "nps")
    cards = {c.name: c for c in rep.cards()}
    assert "nps" not in cards  # not recorded: its section was skipped
    mrr = cards["mrr_end"]
    assert (mrr.value, mrr.change, mrr.mark, mrr.good, mrr.period) == (
        "£69,775",
        "+£3,243.80 vs previous period",
        "up",
        True,
        "Jun 2025",
    )
    churn = cards["customer_churn_monthly"]
    assert (churn.value, churn.interval, churn.change, churn.mark, churn.good) == (
        "3.8%",
        "95% CI 3.1–4.7",
        "-1.9 pp vs previous period",
        "down",
        True,  # lower churn is good news
    )
    renewal = cards["renewal_rate"]
    assert (renewal.change, renewal.mark, renewal.period) == (
        "+4.8 pp vs previous period (not significant)",
        None,
        "Q1 2025",
    )
    assert (cards["grr"].value, cards["grr"].period, cards["grr"].change) == ("57.9%", "Jul 2024 – Jul 2025", "")
    with pytest.raises(ValueError, match="at most 6 cards"):
        rep.card("nrr", "arpa", "ltv")


def test_finish_records_the_kpis_fills_the_summary_and_writes_the_appendix(folder, shown):
    rep = kk.report.start("03_churn_and_renewal", namespace(folder))
    churn = rate(80, 2095)
    rep.kpi("mrr_end", 69774.8, change=3243.8)
    rep.kpi("customer_churn_monthly", churn)
    rep.kpi("churn_by_interval", {"month": rate(754, 13341), "year": rate(45, 5289)})
    rep.card("mrr_end", "customer_churn_monthly")
    rep.findings([Finding("plain")], show=False)
    for i in range(6):
        rep.finding(f"Finding {i} {{x}}", impact=float(i))
    rep.table(kk.subscriptions.mrr_movements(rep.tables["subscriptions"]).tail(3), caption="MRR bridge")
    data = rep.finish()
    # the same JSON, of the same MIME type, as record_kpis: kpikit render and the batch read it unchanged
    expected = kk.report.record_kpis(
        {
            "mrr_end": 69774.8,
            "customer_churn_monthly": churn,
            "churn_by_interval": {"month": rate(754, 13341), "year": rate(45, 5289)},
        },
        display=False,
    )
    assert data == expected
    ((summary, summary_id),) = shown["update"]
    assert summary_id == rep.summary_id and summary[SUMMARY_MIME]["cards"][0]["value"] == "£69,775"
    html = summary["text/html"]
    assert html.startswith("<section class='kpikit-summary'") and html.count("class='kpikit-card'") == 2
    # the five findings of highest impact, highest first; the plain one (no impact) is left out
    assert summary[SUMMARY_MIME]["findings"] == [f"Finding {i} {{x}}" for i in (5, 4, 3, 2, 1)]
    bundle = shown["display"][-1][0]
    assert bundle[KPI_MIME] == data and XLSX_MIME in bundle
    appendix = bundle["text/html"]
    assert appendix.startswith("<details class='kpikit-appendix'")
    assert "<td style='text-align:left'>data_dir</td>" in appendix and "subscriptions.csv" in appendix
    assert "<td style='text-align:left'>3,298</td>" in appendix  # rows of the sample's subscriptions
    assert re.search(r"<td style='text-align:left'>[0-9a-f]{16}</td>", appendix)  # the content hash
    assert "kpikit " + kk.__version__ in appendix and "kpikit render notebooks/03_churn_and_renewal.ipynb" in appendix
    assert "No surveys table in the data" in appendix
    # no Python text in the values (the parameters' own comments may say "None")
    values = re.findall(r"<tr><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td>", appendix)
    assert "none" in values and not [v for v in values if REPR.search(v)]
    assert "-p mapping_file" not in appendix  # the render command names only what differs from the defaults


def test_a_plain_english_finding_cannot_go_into_a_vietnamese_report(folder, shown):
    rep = kk.report.start("03_churn_and_renewal", namespace(folder, lang="vi"))
    with pytest.raises(MissingTranslationError, match="no translation of the finding template 'Churn is high.'"):
        rep.finding("Churn is high.")
    rep.findings(
        kk.subscriptions.findings(renewal=kk.subscriptions.renewal_rate(rep.tables["subscriptions"], period="2025Q1"))
    )
    html = shown["display"][-1][0]["text/html"]
    assert "<h3>Phát hiện</h3>" in html and "65 trên 82 hợp đồng đến hạn đã được gia hạn" in html


def test_an_unidentified_model_is_recorded_and_becomes_a_caveat_finding(folder, shown):
    import warnings

    from kpikit.survival import ShiftedBetaGeometric
    from tests.test_survival import NOTEBOOK_03_COHORT

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sbg = ShiftedBetaGeometric().fit(NOTEBOOK_03_COHORT)
    rep = kk.report.start("03_churn_and_renewal", namespace(folder, lang="vi"))
    assert rep.model("sbg", sbg) is False
    assert rep.finish()["sbg_identified"] is False
    note = [obj for obj, _ in shown["display"] if "kpikit-note" in str(obj.get("text/html", ""))]
    assert note[0]["text/plain"].startswith(
        "sBG: dữ liệu chưa đủ để xác định alpha (ước lượng 1,099, sai số chuẩn 1,249"
    )
