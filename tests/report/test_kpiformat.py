"""kpikit.report.kpiformat: a recorded KPI as text or HTML through its registry entry, never as a repr."""

from __future__ import annotations

from kpikit.report.kpiformat import format_kpi, kpi_html, kpi_label
from kpikit.stats import compare_rates, rate

BASELINE_AB = {
    "ci_high": 0.03143372486523126,
    "ci_low": -0.0051151021618117375,
    "difference_b_minus_a": 0.013079755448128297,
    "p_value": 0.15661921150207647,
    "page": "/landing/spring-sale",
    "rate_a": {"value": 0.048859934853420196, "low": 0.03814645679028257, "high": 0.0623871451062261, "trials": 1228},
}


def test_single_figures_by_unit():
    assert format_kpi("bounce_rate", rate(3370, 7546)) == "44.7% (43.5–45.8)"
    assert format_kpi("arpa", 31.715818181818182, currency="GBP") == "£31.72"
    assert format_kpi("arpa", 31.715818181818182, "vi", "VND") == "32\xa0₫"
    assert format_kpi("nps", {"value": 33.54, "low": 29.89, "high": 37.19, "n": 1735}) == "+34 (+30–+37)"
    assert format_kpi("detractor_q_value", 3.4134988492225246e-13) == "< 0.001"
    assert format_kpi("sessions", 20000, "vi") == "20.000"
    assert format_kpi("mrr_period", "2025-06-01T00:00:00") == "Jun 2025"
    assert format_kpi("definition", "ga4") == "ga4" and format_kpi("largest_device_gap", None) == "–"
    assert format_kpi("ltv", {"value": 443.70, "low": 414.65, "high": 474.89, "variant": "x"}, currency="GBP") == (
        "£443.70 (£414.65–£474.89)"
    )


def test_segments_are_never_cut_to_their_first_items():
    plans = {f"Plan {i}": rate(10 + i, 100) for i in range(6)}
    text = format_kpi("churn_by_plan", plans)
    assert text.count(";") == 5 and "Plan 5: 15.0% (9.3–23.3)" in text
    html = kpi_html("churn_by_plan", plans)
    assert html.count("<tr>") == 6 and "Plan 5" in html


def test_structured_results_render_as_small_tables_not_reprs():
    cmp = compare_rates((80, 2095), (120, 2095))
    html = kpi_html("largest_period_change", cmp)
    assert "RateComparison(" not in html and "<table class='kpikit-kpi-detail'>" in html
    text = format_kpi("ab_test", BASELINE_AB)
    assert "p-value: 0.157" in text and "/landing/spring-sale" in text and "{" not in text
    records = [{"segment": "/landing/spring-sale / mobile", "sessions": 511, "bounce_rate": 0.74364, "q_value": 0.0}]
    assert (
        format_kpi("fix_list", records)
        == "Segment: /landing/spring-sale / mobile; Sessions: 511; Bounce rate: 74.4%; q-value (FDR): < 0.001"
    )
    assert format_kpi("vanity_gap_brands", ["Alder Crate", "Birch & Co"]) == "Alder Crate, Birch & Co"
    assert "Birch &amp; Co" in kpi_html("vanity_gap_brands", ["Alder Crate", "Birch & Co"])
    assert (
        format_kpi("scorecard", {"followers": "in line", "share of voice": "leads"})
        == "followers: in line; share of voice: leads"
    )


def test_labels_come_from_the_catalogue():
    assert kpi_label("grr") == "Gross revenue retention (GRR)"
    assert kpi_label("grr", "vi") == "Tỷ lệ giữ chân doanh thu gộp (GRR)"
