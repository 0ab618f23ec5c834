"""kpikit.render.index: one index for render and batch, statuses from the files, headline KPIs labelled."""

import json
import os
import time

import nbformat

from kpikit.render import IndexEntry, error_page, headline, read_report, report_status
from kpikit.render.index import index_page

CARD = {
    "name": "grr",
    "label": "Gross revenue retention (GRR)",
    "value": "57.9%",
    "interval": "",
    "change": "",
    "mark": None,
    "good": None,
    "period": "Jul 2024 – Jul 2025",
}


def report(folder, stem, kpis, meta=None, failed=False):
    """The files of a report (and, with ``failed``, an error page newer than them)."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    if meta is not None:
        nb.metadata["kpikit"] = meta
    (folder / f"{stem}.html").write_text("<html></html>")
    nbformat.write(nb, folder / f"{stem}.ipynb")
    (folder / f"{stem}.kpis.json").write_text(json.dumps({"kpis": kpis}))
    if failed:
        old = time.time() - 60
        os.utime(folder / f"{stem}.kpis.json", (old, old))
        (folder / f"{stem}.error.html").write_text("<html></html>")
        nbformat.write(
            nbformat.v4.new_notebook(metadata={"kpikit": {"error": "No tickets table."}}),
            folder / f"{stem}.failed.ipynb",
        )


def test_status_notes_and_record_come_from_the_files(tmp_path):
    report(tmp_path, "01_a", {"sessions": 12}, {"status": "ok", "notes": []})
    report(tmp_path, "02_b", {"sessions": 3}, {"status": "ok, with notes", "notes": ["No surveys table."]})
    report(tmp_path, "03_c", {"sessions": 3}, {"status": "ok"}, failed=True)
    assert read_report(tmp_path, "01_a")[0] == "ok"
    status, meta, kpis = read_report(tmp_path, "02_b")
    assert (status, meta["notes"], kpis) == ("ok, with notes", ["No surveys table."], {"sessions": 3})
    status, meta, kpis = read_report(tmp_path, "03_c")
    assert (status, meta, kpis) == ("failed", {"error": "No tickets table."}, {})
    assert report_status(tmp_path, "04_missing") == "not run"
    (tmp_path / "01_a.ipynb").unlink()
    assert report_status(tmp_path, "01_a") == "not run"


def test_headline_is_the_summary_cards_else_registry_figures_else_the_recorded_names():
    assert headline({"summary": {"cards": [CARD]}}, {"grr": 0.579}, "03_churn_and_renewal") == [
        {k: str(CARD[k]) for k in ("name", "label", "value", "interval", "period")} | {"change": ""}
    ]
    kpis = {
        "period": "2025-01-01 to 2025-06-30",
        "definition": "ga4",
        "bounce_rate": {"value": 0.4466, "low": 0.4354, "high": 0.4578, "trials": 7546, "successes": 3370},
        "sessions": 7546,
        "fix_list": [{"segment": "/a / mobile"}],
    }
    assert headline({"lang": "en"}, kpis, "01_bounce_rate_diagnosis") == [
        {
            "name": "sessions",
            "label": "Sessions",
            "value": "7,546",
            "interval": "",
            "period": "2025-01-01 to 2025-06-30",
        },
        {
            "name": "bounce_rate",
            "label": "Bounce rate",
            "value": "44.7%",
            "interval": "95% CI 43.5–45.8",
            "period": "2025-01-01 to 2025-06-30",
        },
    ]
    vi = headline({"lang": "vi"}, {"bounce_rate": {"value": 0.4466, "low": 0.4354, "high": 0.4578}}, "01_x")
    assert (vi[0]["label"], vi[0]["value"]) == ("Tỷ lệ thoát", "44,7%")
    assert headline({}, {"visits_total": 12}, "09_own") == [
        {"name": "visits_total", "label": "visits_total", "value": "12", "interval": "", "period": ""}
    ]


def test_the_index_groups_by_client_and_shows_status_question_notes_error_and_links(tmp_path):
    report(
        tmp_path / "juniper",
        "03_churn_and_renewal",
        {"grr": 0.579},
        {
            "notes": ["No surveys table."],
            "summary": {"cards": [CARD]},
            "question": "Who leaves?",
            "title": "Churn and renewal",
            "client": "Juniper Box",
        },
    )
    report(tmp_path / "juniper", "04_clv_forecasting", {}, {}, failed=True)
    entries = [
        IndexEntry(
            "juniper",
            "juniper",
            "03_churn_and_renewal",
            "ok, with notes",
            12.34,
            meta=read_report(tmp_path / "juniper", "03_churn_and_renewal")[1],
        ),
        IndexEntry(
            "juniper",
            "juniper",
            "04_clv_forecasting",
            "failed",
            2.0,
            "No transactions table in 'x'.",
            {"client": "Juniper Box"},
        ),
        IndexEntry("quill", "<b>quill</b>", "01_bounce_rate_diagnosis", "not run"),
    ]
    page = index_page(tmp_path, "kpikit batch: r", entries, overview=True)
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in page
    assert "<tr class='group'><th colspan='7' scope='rowgroup'>Juniper Box (juniper)</th></tr>" in page
    assert (
        "<tr class='notes'><td>juniper</td><td>03_churn_and_renewal</td><td class='status-notes'>ok, with notes</td><td class='num'>12.3 s</td>"
        in page
    )
    assert (
        "<a href='juniper/03_churn_and_renewal.html'>Churn and renewal</a><div class='question'>Who leaves?</div>"
        in page
    )
    assert "<ul class='notes'><li>No surveys table.</li></ul>" in page
    assert (
        "<span class='kpi-label'>Gross revenue retention (GRR)</span>: <span class='kpi-value'>57.9%</span> <span class='kpi-extra'>Jul 2024 – Jul 2025</span>"
        in page
    )
    assert "<p class='error'>No transactions table in &#x27;x&#x27;.</p>" in page
    assert "href='juniper/04_clv_forecasting.error.html'>error page</a>" in page
    assert "href='juniper/04_clv_forecasting.html'>previous report</a>" in page
    assert "&lt;b&gt;quill&lt;/b&gt;" in page and "<b>quill" not in page
    assert "<td class='status-notrun'>not run</td>" in page
    # every link names a file that is there
    import re
    from urllib.parse import unquote

    assert all((tmp_path / unquote(h)).is_file() for h in re.findall(r"href='([^']+)'", page))


def test_a_reports_own_words_carry_its_language(tmp_path):
    report(tmp_path, "03_churn_and_renewal", {"grr": 0.579}, {"lang": "vi", "title": "Rời bỏ và gia hạn"})
    report(tmp_path, "01_bounce_rate_diagnosis", {}, {"title": "Bounce-rate diagnosis"})
    entries = [
        IndexEntry("", "", stem, *read_report(tmp_path, stem)[:1], 1.0, "", *read_report(tmp_path, stem)[1:])
        for stem in ("01_bounce_rate_diagnosis", "03_churn_and_renewal")
    ]
    # reports in two languages: the page is English, the Vietnamese report's own words are marked
    page = index_page(tmp_path, "kpikit reports", entries)
    assert page.startswith("<!DOCTYPE html><html lang='en' dir='ltr'>")
    assert "<td class='report' lang='vi'><a href='03_churn_and_renewal.html'>Rời bỏ và gia hạn</a>" in page
    assert "<td class='detail' lang='vi'>" in page
    assert "<td class='report'><a href='01_bounce_rate_diagnosis.html'>Bounce-rate diagnosis</a>" in page


def test_the_index_of_vietnamese_reports_is_in_vietnamese(tmp_path):
    report(tmp_path, "03_churn_and_renewal", {"grr": 0.579}, {"lang": "vi", "title": "Rời bỏ và gia hạn"})
    status, meta, kpis = read_report(tmp_path, "03_churn_and_renewal")
    entry = IndexEntry("", "", "03_churn_and_renewal", status, 1.0, "", meta, kpis)
    page = index_page(tmp_path, "kpikit", [entry], overview=True, wall_s=1234.5)
    assert page.startswith("<!DOCTYPE html><html lang='vi' dir='ltr'>")
    assert "<th>khách hàng</th><th>notebook</th><th>trạng thái</th><th>thời gian chạy</th>" in page
    assert "<td class='status-ok'>hoàn tất</td>" in page and "<span>hoàn tất: 1</span>" in page
    assert "<span>tổng thời gian: 1.234,5 giây</span>" in page  # vi-VN number format
    assert "<h2>Tổng quan</h2>" in page and "<h2>Các báo cáo</h2>" in page
    assert ">báo cáo</a>" in page  # the link to the report file
    assert "<td class='report'><a href='03_churn_and_renewal.html'>Rời bỏ và gia hạn</a>" in page  # no lang mark
    for english in ("headline KPIs", "wall time", ">ok<", "Overview"):
        assert english not in page


def test_the_error_page_opens_with_the_notebooks_own_message():
    page = error_page(
        "Acme",
        "03_churn_and_renewal",
        {
            "kind": "exception",
            "cell": 3,
            "ename": "KpiDataError",
            "evalue": "No subscriptions table in 'x'.",
            "source": "rep = ...",
        },
        index="index.html",
    )
    assert "<p class='message'>No subscriptions table in &#x27;x&#x27;.</p>" in page
    assert "<td>cell 3</td>" in page and "<a href='index.html'>Back to the index</a>" in page
