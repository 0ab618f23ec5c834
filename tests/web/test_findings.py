"""Tests of kpikit.web.findings: findings in plain words, headline KPIs, benchmark reference, data checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import web
from kpikit.errors import KpiDataError, KpiWarning
from tests.web.cases import AGG, EVENTS


def test_findings_from_numbers():
    d = web.diagnose(AGG, by="landing_page")
    rows = pd.DataFrame(
        {"landing_page": ["/p", "/p"], "device": ["mobile", "desktop"], "sessions": [100, 100], "bounces": [75, 35]}
    )
    g = web.device_gap(rows)
    h = web.headline(AGG)
    text = web.findings(
        headline=h,
        diagnosis=d,
        gaps=g,
        benchmark={"value": 0.47, "source": "Google Analytics benchmarking newsletter", "year": 2011},
    )
    assert text[0].startswith("The site's bounce rate is 60.0% (95% CI")
    assert (
        "above the published reference of 47% (Google Analytics benchmarking newsletter, 2011), a Universal" in text[0]
    )
    assert any(t.startswith("1 segment to fix first, costing about 100 bounces") and "/landing/a" in t for t in text)
    assert any("Information pages bounce above the site rate (/blog/x)" in t for t in text)
    assert any(t.startswith("On /p, mobile bounces 75% against 35% on desktop (+40 points") for t in text)


def test_headline_kpis_record_what_the_report_shows():
    h = web.headline(AGG)
    d = web.diagnose(AGG, by="landing_page")
    rows = pd.DataFrame(
        {
            "landing_page": ["/p", "/p", "/q", "/q"],
            "device": ["mobile", "desktop", "mobile", "desktop"],
            "sessions": [100, 100, 100, 100],
            "bounces": [75, 35, 20, 60],
        }
    )
    g = web.device_gap(rows)  # /p: mobile 75% vs desktop 35% (+40 points); /q: mobile better (-40 points)
    change = pd.DataFrame(
        {
            "metric": ["bounce_rate", "engagement_rate"],
            "change": [0.0123456789, -0.01],
            "change_low": [-0.01, -0.02],
            "change_high": [0.03, 0.0],
            "p_value": [0.2, 0.1],
        }
    )
    trend = pd.DataFrame({"signal": [False, True, True, False]})
    period = {"start": pd.Timestamp("2025-01-01"), "end": pd.Timestamp("2025-06-30")}
    k = web.headline_kpis(h, change=change, trend=trend, diagnosis=d, gaps=g, period=period, definition="ua", top=1)
    assert k["period"] == "2025-01-01 to 2025-06-30" and k["definition"] == "ua"
    assert k["sessions"] == h["sessions"] and k["bounce_rate"] is h["bounce_rate"]
    assert k["bounce_rate_change"] == {"change": 0.012346, "change_low": -0.01, "change_high": 0.03, "p_value": 0.2}
    assert k["weeks_outside_control_limits"] == 2
    flagged = d.loc[d["flagged"]]
    assert len(k["fix_list"]) == 1 and k["fix_list"][0]["segment"] == flagged["segment"].iloc[0]
    assert set(k["fix_list"][0]) == {"segment", "sessions", "bounce_rate", "excess_bounces", "q_value"}
    # only gaps where the first device (mobile) bounces more count
    assert k["device_gaps_flagged"] == ["/p"]
    gap = k["largest_device_gap"]
    assert (gap["landing_page"], gap["gap"], gap["mobile_bounce_rate"], gap["desktop_bounce_rate"]) == (
        "/p",
        0.4,
        0.75,
        0.35,
    )
    assert (gap["mobile_sessions"], gap["desktop_sessions"]) == (100, 100)
    none = web.headline_kpis(h, change=change, trend=trend, diagnosis=d, gaps=g.iloc[1:], period=period)
    assert none["largest_device_gap"] is None and none["device_gaps_flagged"] == []


def test_benchmark_reference_and_data_checks(sessions):
    b = pd.DataFrame(
        {
            "metric": ["bounce_rate", "bounce_rate"],
            "segment": ["all sites", "retail"],
            "source": ["GA", "HubSpot"],
            "p25": [np.nan, 0.2],
            "p50": [np.nan, np.nan],
            "p75": [np.nan, 0.4],
            "value": [0.47, np.nan],
            "year": [2011, np.nan],
        }
    )
    assert web.benchmark_reference(b)["value"] == 0.47
    r = web.benchmark_reference(b, segment="retail")
    assert (r["value"], r["low"], r["high"]) == (pytest.approx(0.3), 0.2, 0.4)
    with pytest.raises(KpiDataError, match="no row for metric='bounce_rate', segment='blogs'"):
        web.benchmark_reference(b, segment="blogs")
    checks = web.data_checks(EVENTS, sessions).set_index("check")
    assert checks.loc["sessions", "value"] == "6"
    assert checks.loc["sessions without a page view", "value"] == "1"


def test_data_checks_say_which_rules_counted(sessions):
    checks = web.data_checks(EVENTS, sessions).set_index("check")
    # EVENTS has no first_visit and no ga_session_number: the fallback is named and marked
    assert checks.loc["new users counted by", ["value", "status"]].tolist() == ["first session in the data", "note"]
    assert "engaged taken from the export's session_engaged" not in checks.index
    e = EVENTS.assign(ga_session_number=1, session_engaged=pd.array([False] * 13, dtype="boolean"))
    s = web.sessions_from_events(e)
    checks = web.data_checks(e, s).set_index("check")
    assert checks.loc["new users counted by", ["value", "status"]].tolist() == ["ga_session_number", "ok"]
    # A/2, C/5, E/9 are engaged by the rule but flagged 0 by the export
    row = checks.loc["engaged taken from the export's session_engaged"]
    assert row["value"] == "6 sessions" and row["status"] == "note" and row["note"].startswith("3 of them differ")
    doubled = pd.concat([EVENTS, EVENTS], ignore_index=True)
    with pytest.warns(KpiWarning):
        s2 = web.sessions_from_events(doubled)
    assert web.data_checks(doubled, s2).set_index("check").loc["exact duplicate events", "value"] == "13"
