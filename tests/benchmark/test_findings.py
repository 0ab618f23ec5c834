"""Tests of kpikit.benchmark.findings: findings as translatable templates with their business impact, and the chart headlines."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats as sst

from kpikit import benchmark as bm
from kpikit.i18n import Finding, by_impact
from tests.benchmark.helpers import peer_table


def comparison():
    client = {"brand": "A", "k": 1200, "n": 10_000, "k2": 12, "n2": 100}
    peers = peer_table([800, 900, 1000], [10_000] * 3).assign(k2=[8, 9, 10], n2=[100] * 3)
    return bm.compare(client, peers, {"conversion rate": ("k", "n"), "small test": ("k2", "n2")})


def test_findings_from_comparison_carry_the_gap_and_its_monthly_impact():
    res = comparison()
    lead, noise = bm.findings(res, client="Juniper Box", months=2)
    assert isinstance(lead, Finding)
    # 1200/10000 = 12.0% against 2700/30000 = 9.0% pooled: +3.0 pp, Newcombe 95% CI 2.30 to 3.73 pp
    assert str(lead) == (
        "Juniper Box leads its competitors on conversion rate: 12.0% against 9.0% for the competitors pooled, "
        "a difference of +3.0 pp (95% CI +2.3 pp to +3.7 pp; q < 0.001)."
    )
    # impact: 3.0 pp of the client's 10,000 trials over 2 months = 150 conversions a month
    assert lead.impact == 150.0
    # 12/100 against 27/300: a gap the counts do not support, impact 0 (ranks below any real gap)
    assert str(noise) == "Gaps on small test look real on a chart but are within noise; do not act on them yet."
    assert noise.impact == 0.0
    assert by_impact([noise, lead]) == [lead, noise]


def test_findings_in_vietnamese_have_no_english_left():
    lead, _ = bm.findings(comparison(), client="Juniper Box", months=2)
    vi = lead.text("vi")
    assert vi.startswith("Juniper Box dẫn trước các đối thủ về conversion rate: 12,0% so với 9,0%")
    assert "+3,0 điểm %" in vi and "leads" not in vi and "against" not in vi


def test_headline_of_each_kind_of_frame():
    res = comparison()
    # conversion rate leads (significant), small test is not significant
    assert str(bm.headline(res, "Juniper Box")) == "Juniper Box leads on 1 of 2 metrics and lags on 0"
    assert str(bm.headline(res.iloc[1:], "Juniper Box")) == (
        "Juniper Box is not clearly ahead or behind its competitors on any of 1 metrics"
    )
    industry = bm.against_industry(
        {"bounce_rate": 0.45, "nps": 70.0},
        pd.DataFrame(
            {
                "metric": ["bounce_rate", "nps"],
                "source": ["S", "T"],
                "p25": [0.2, 20.0],
                "p75": [0.4, 60.0],
                "year": [2020, 2021],
            }
        ),
    )
    # bounce 45% above the 20-40% band (lower is better): worse; NPS 70 above 20-60: better
    assert str(bm.headline(industry, "X")) == (
        "X against 2 published references: better on 1, worse on 1, in line on 0; 0 more shown as context only"
    )
    trend = bm.against_self(
        pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "k": [50, 80], "n": [1000, 1000]}),
        successes="k",
        trials="n",
        periods=("previous",),
    )
    # 8% against 5%: +3.0 pts, significant
    assert str(bm.headline(trend, label="Rate")) == "Rate, Feb 2025: +3.0 pp against Jan 2025 (improved)"
    assert bm.headline(trend, label="Rate").text("vi") == "Rate, thg 2 2025: +3,0 điểm % so với thg 1 2025 (cải thiện)"
    assert str(bm.headline(pd.DataFrame({"x": [1]}))) == ""


def test_findings_of_the_trend_name_the_latest_month_and_its_impact():
    trend = bm.against_self(
        pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "k": [50, 80], "n": [1000, 1000]}),
        successes="k",
        trials="n",
        periods=("previous",),
    )
    (found,) = bm.findings(self_trend=trend, metric_label="Rate")
    # 80/1000 against 50/1000, z test: one comparison, q = p
    q = float(trend["q_value"].iloc[0])
    assert q < 0.01
    assert str(found) == (
        f"Rate in Feb 2025: 8.0% against 5.0% the month before, a significant improvement (+3.0 pp, q = {q:.3f})."
    )
    assert found.impact == 30.0  # 3 pp of February's 1,000
    # a count trend (mentions) makes no claim of this kind: no finding
    counts = bm.against_self(
        pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "mentions": [100, 130]}),
        count="mentions",
        periods=("previous",),
    )
    assert counts["q_value"].iloc[0] == sst.binomtest(130, 230, 0.5).pvalue
    assert bm.findings(self_trend=counts.assign(value=[0.5], reference_value=[0.4]))[0].impact is None


def test_industry_findings_name_clear_verdicts_and_never_a_context_only_figure():
    bench = pd.DataFrame(
        {
            "metric": ["bounce_rate", "bounce_rate"],
            "segment": ["all sites", "retail"],
            "source": ["GA newsletter", "Survey"],
            "value": [0.47, 0.55],
            "year": [2011, 2024],
            "note": ["Universal Analytics definition", ""],
        }
    )
    client = bm.client_kpis(
        {"bounce_rate": "01_x:bounce_rate"},
        {},
        {"bounce_rate": {"value": 0.45, "low": 0.44, "high": 0.46, "successes": 4500, "trials": 10_000}},
        periods={"bounce_rate": (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))},
        definitions={"bounce_rate": "ga4"},
    )
    ind = bm.against_industry(client, bench, max_age_years=5, as_of="2025-06-30")
    # the UA figure of 2011 is context only: shown in the table with why, never a finding
    (better,) = bm.findings(industry=ind, client="Acme")
    table = bm.industry_display(ind, max_age_years=5).set_index("segment")
    assert table.loc["all sites", "verdict"] == "context only"
    assert table.loc["all sites", "benchmark_context"] == (
        "measured under another definition (Universal Analytics, the client's is GA4); "
        "published in 2011, more than 5 years before the data"
    )
    # 45% against 55% (2024, same definition): better; 10 pp of 10,000 sessions over the 90 days (2.957 months)
    assert str(better) == (
        "Acme's bounce rate (retail), 45.0% (1 Jan 2025 to 31 Mar 2025), is better than the published 55.0% "
        "(Survey, 2024)."
    )
    assert better.impact == pytest.approx(0.10 * 10_000 / (90 / 30.4375))
    assert better.text("vi").startswith("Về tỷ lệ thoát (bán lẻ), Acme đạt 45,0%")
