"""Tests of kpikit.benchmark.findings: the findings in words and the chart headlines."""

from __future__ import annotations

import pandas as pd
from scipy import stats as sst

from kpikit import benchmark as bm
from tests.benchmark.helpers import peer_table


def test_findings_from_comparison():
    client = {"brand": "A", "k": 1200, "n": 10_000, "k2": 12, "n2": 100}
    peers = peer_table([800, 900, 1000], [10_000] * 3).assign(k2=[8, 9, 10], n2=[100] * 3)
    res = bm.compare(client, peers, {"conversion rate": ("k", "n"), "small test": ("k2", "n2")})
    text = bm.findings(res, client="Juniper Box")
    assert text[0] == "Juniper Box leads its competitors on conversion rate."
    assert text[1].startswith("Gaps on small test look real on a chart but are within noise")


def test_headline_of_each_kind_of_frame():
    client = {"brand": "A", "k": 1200, "n": 10_000, "k2": 12, "n2": 100}
    peers = peer_table([800, 900, 1000], [10_000] * 3).assign(k2=[8, 9, 10], n2=[100] * 3)
    res = bm.compare(client, peers, {"conversion rate": ("k", "n"), "small test": ("k2", "n2")})
    # conversion rate leads (significant), small test is not significant
    assert bm.headline(res, "Juniper Box") == "Juniper Box leads on 1 of 2 metrics and lags on 0"
    assert bm.headline(res.iloc[1:], "Juniper Box") == (
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
    assert bm.headline(industry, "X") == "X against 2 published references: better on 1, worse on 1, in line on 0"
    trend = bm.against_self(
        pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "k": [50, 80], "n": [1000, 1000]}),
        successes="k",
        trials="n",
        periods=("previous",),
    )
    # 8% against 5%: +3.0 pts, significant
    assert bm.headline(trend, label="Rate") == "Rate, Feb 2025: +3.0 pts vs Jan 2025 (improved)"
    assert bm.headline(pd.DataFrame({"x": [1]})) == ""


def test_findings_of_the_trend_name_the_latest_period():
    trend = bm.against_self(
        pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "mentions": [100, 130]}),
        count="mentions",
        periods=("previous",),
    )
    text = bm.findings(self_trend=trend, metric_label="Mentions")
    # 130 of 230 under p = 1/2, one test: q = p
    q = sst.binomtest(130, 230, 0.5).pvalue
    assert text == [
        f"Mentions in Feb 2025: 130 against 100 in the previous period (no significant change, q = {q:.2g})."
    ]
