"""Tests of kpikit.web.bounce: bounce rates under both definitions, aggregated rows, the headline,
the period change and the p-chart trend."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpikit import web
from kpikit.errors import KpiDataError
from tests.web.cases import wilson


def test_bounce_rate_both_definitions(sessions):
    ga4 = web.bounce_rate(sessions).iloc[0]
    # GA4: not engaged = A/1, B/1, D/7 -> 3 / 6
    assert (ga4["sessions"], ga4["bounces"], ga4["bounce_rate"]) == (6, 3, 0.5)
    low, high = wilson(3, 6)
    assert ga4["ci_low"] == pytest.approx(low, abs=1e-12) and ga4["ci_high"] == pytest.approx(high, abs=1e-12)
    assert ga4["engagement_rate"] == 0.5
    # pages per session (1+2+1+1+0+1)/6 = 1; engagement time mean 54/6 = 9, median of 2,3,4,10,15,20 = 7
    assert ga4["pages_per_session"] == 1.0
    assert ga4["engagement_time_mean_s"] == 9.0 and ga4["engagement_time_median_s"] == 7.0
    assert ga4["conversion_rate"] == pytest.approx(1 / 6)
    ua = web.bounce_rate(sessions, definition="ua")
    # UA: exactly one interaction hit = A/1, B/1, E/9; D/7 has no interaction hit and is no UA session
    # (UA's totals.visits is null for it): 3 / 5
    assert (ua["sessions"].iloc[0], ua["bounces"].iloc[0], ua["bounce_rate"].iloc[0]) == (5, 3, 0.6)
    assert ua.attrs["no_interaction_sessions"] == 1


def test_bounce_rate_by_segment_and_missing_segment_kept():
    s = pd.DataFrame(
        {
            "landing_page": ["/", "/", "/blog", None],
            "engaged": [True, False, False, True],
        }
    )
    r = web.bounce_rate(s, by="landing_page")
    # "/": 1 of 2; "/blog": 1 of 1; missing page: 0 of 1, kept as its own row
    assert r["sessions"].tolist() == [2, 1, 1]
    assert r["bounces"].tolist() == [1, 1, 0]
    assert r["ci_low"].iloc[0] == pytest.approx(0.094531, abs=1e-6)  # wilson(1, 2)
    assert r["ci_high"].iloc[0] == pytest.approx(0.905469, abs=1e-6)
    assert r["small_sample"].all()
    assert list(r.columns[:6]) == ["landing_page", "sessions", "bounces", "bounce_rate", "ci_low", "ci_high"]


def test_bounce_rate_aggregated_rows_counts_in_counts_out():
    rows = pd.DataFrame({"landing_page": ["/", "/", "/blog"], "sessions": [100, 50, 30], "bounces": [40, 10, 21]})
    r = web.bounce_rate(rows, by="landing_page")
    # "/": (40 + 10) / (100 + 50) = 1/3; "/blog": 21 / 30 = 0.7
    assert r["sessions"].tolist() == [150, 30] and r["bounces"].tolist() == [50, 21]
    assert r["bounce_rate"].tolist() == [pytest.approx(1 / 3), 0.7]
    low, high = wilson(21, 30)
    assert r["ci_low"].iloc[1] == pytest.approx(low) and r["ci_high"].iloc[1] == pytest.approx(high)
    rows.attrs["definition"] = "ua"
    rows.attrs["source"] = "ua_landing_pages.csv"
    with pytest.raises(KpiDataError, match="ua_landing_pages.csv holds Universal Analytics.*definition='ua'"):
        web.bounce_rate(rows)
    assert web.bounce_rate(rows, definition="ua")["bounces"].iloc[0] == 71
    bad = pd.DataFrame({"sessions": [10], "bounces": [12]})
    with pytest.raises(KpiDataError, match="more bounces than sessions"):
        web.bounce_rate(bad)


def test_bounce_rate_bad_input():
    s = pd.DataFrame({"landing_page": ["/"], "engaged": [True]})
    with pytest.raises(KpiDataError, match="'single_interaction' is missing.*sessions_from_events"):
        web.bounce_rate(s, definition="ua")
    with pytest.raises(KpiDataError, match="definition must be 'ga4'"):
        web.bounce_rate(s, definition="GA4")
    with pytest.raises(
        KpiDataError, match=r"missing column\(s\) 'device' \(columns present: 'landing_page', 'engaged'\)"
    ):
        web.bounce_rate(s, by="device")
    with pytest.raises(KpiDataError, match=r"'engaged': 1 sessions have no value \(row 2\)"):
        web.bounce_rate(pd.DataFrame({"engaged": [True, None]}))


def test_headline_and_period_change():
    days = pd.to_datetime(["2025-01-01"] * 4 + ["2025-01-08"] * 4)
    s = pd.DataFrame(
        {
            "start": days,
            "engaged": [False, False, False, True, False, True, True, True],
            "conversions": [0, 0, 0, 1, 0, 0, 1, 1],
        }
    )
    h = web.headline(s)
    assert h["sessions"] == 8 and float(h["bounce_rate"]) == 0.5 and float(h["conversion_rate"]) == 3 / 8
    cur, prev, b = web.split_periods(s, "2025-01-05", "2025-01-11")
    # a 7-day period; the previous 7 days are 2024-12-29 .. 2025-01-04
    assert (len(cur), len(prev), b["days"]) == (4, 4, 7)
    assert b["previous_start"] == pd.Timestamp("2024-12-29")
    c = web.period_change(cur, prev).set_index("metric")
    # bounce 1/4 now vs 3/4 before: change -0.5; pooled p = 0.5, se = sqrt(.25 * (1/4 + 1/4)) = 0.35355,
    # z = -1.41421, two-sided p = 0.15730
    assert c.loc["bounce_rate", "change"] == -0.5
    assert c.loc["bounce_rate", "p_value"] == pytest.approx(0.157299, abs=1e-6)
    assert not c.loc["bounce_rate", "significant"]
    with pytest.raises(KpiDataError, match="No sessions between"):
        web.split_periods(s, "2026-01-01", "2026-02-01")


def test_trend_control_limits():
    start = pd.to_datetime(["2025-03-03"] * 10 + ["2025-03-10"] * 20)  # two Mondays
    s = pd.DataFrame({"start": start, "engaged": [False] * 5 + [True] * 5 + [False] * 4 + [True] * 16})
    t = web.trend(s, freq="W")
    # week 1: 5 of 10; week 2: 4 of 20; centre 9/30 = 0.3; UCL week 1 = 0.3 + 3 sqrt(0.21/10) = 0.734741
    assert t["bounce_rate"].tolist() == [0.5, 0.2]
    assert t["centre"].iloc[0] == pytest.approx(0.3)
    assert t["ucl"].iloc[0] == pytest.approx(0.3 + 3 * math.sqrt(0.21 / 10))
    assert t["lcl"].iloc[0] == 0.0
    assert not t["signal"].any()
    assert t["period"].tolist() == [pd.Timestamp("2025-03-03"), pd.Timestamp("2025-03-10")]


def test_trend_accepts_the_period_aliases_of_stats_periods():
    start = pd.to_datetime(["2025-01-15", "2025-01-31", "2025-02-01", "2025-04-30"])
    s = pd.DataFrame({"start": start, "engaged": [False, True, False, False]})
    # months: January 1 of 2 bounced, February 1 of 1, April 1 of 1; "MS", "M" and "ME" are one grain
    months = web.trend(s, freq="MS")
    assert months["period"].tolist() == [
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2025-02-01"),
        pd.Timestamp("2025-04-01"),
    ]
    assert months["bounce_rate"].tolist() == [0.5, 1.0, 1.0]
    pd.testing.assert_frame_equal(web.trend(s, freq="M"), months)
    pd.testing.assert_frame_equal(web.trend(s, freq="ME"), months)
    # quarters: Q1 holds 3 sessions (2 bounced), Q2 one (bounced)
    quarters = web.trend(s, freq="QE")
    assert quarters["period"].tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-04-01")]
    assert quarters["bounces"].tolist() == [2, 1] and quarters["sessions"].tolist() == [3, 1]
    with pytest.raises(KpiDataError, match="freq must be a period alias"):
        web.trend(s, freq="fortnight")
