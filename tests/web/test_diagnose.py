"""Tests of kpikit.web.diagnose: page goals, the ranked fix list, top entry pages and the device gap."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpikit import web
from kpikit.errors import KpiDataError
from tests.paths import SAMPLE
from tests.web.cases import AGG

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")


def test_page_goal_rules():
    g = web.page_goal(
        ["/", "/blog/a", "/contact", "/docs/x", "/landing/spring-sale", "/help-me"],
        {"/docs/*": "action", "/help-me": "information"},
    )
    assert g.tolist() == ["action", "information", "information", "action", "action", "information"]
    with pytest.raises(KpiDataError, match="must be 'information' or 'action'"):
        web.page_goal(["/"], {"/": "sales"})


def test_diagnose_ranks_excess_bounces_with_goals():
    d = web.diagnose(AGG, by="landing_page")
    site = 1803 / 3003  # 0.600400
    assert d.attrs["site_rate"] == pytest.approx(site)
    row = d.set_index("landing_page").loc["/landing/a"]
    # expected 1000 x 0.6004 = 600.40; excess 700 - 600.40 = 99.60
    assert row["excess_bounces"] == pytest.approx(700 - 1000 * site)
    # vs the rest of the site: p1 = 0.7, p2 = 1103/2003 = 0.550674, pooled 0.600400,
    # se = sqrt(0.6004 x 0.3996 x (1/1000 + 1/2003)) = 0.018966, z = 0.149326 / 0.018966 = 7.873
    assert row["z"] == pytest.approx(7.873, abs=2e-3)
    assert row["flagged"] and row["level"] == "high" and row["goal"] == "action"
    assert row["reason"].startswith("Fix: 70% bounce on 1,000 sessions")
    # the fix list starts with the flagged action page
    assert d["landing_page"].iloc[0] == "/landing/a" and d["rank"].iloc[0] == 1
    blog = d.set_index("landing_page").loc["/blog/x"]
    assert blog["goal"] == "information" and not blog["flagged"] and blog["level"] == "no threshold"
    assert "information page" in blog["reason"]
    tiny = d.set_index("landing_page").loc["/tiny"]
    # 3 of 3 is 100% raw, but shrinkage pulls it towards the common level and it is never flagged
    assert tiny["shrunk_rate"] < 0.9 and not tiny["flagged"] and "Too few sessions" in tiny["reason"]
    assert d.index[d["landing_page"] == "/tiny"][0] > d.index[d["landing_page"] == "/landing/a"][0]
    shop = d.set_index("landing_page").loc["/shop"]
    assert shop["level"] == "ok" and not shop["flagged"]
    # q-values: Benjamini-Hochberg over the 4 tests
    assert (d["q_value"] >= d["p_value"] - 1e-15).all()


def test_diagnose_information_thresholds_and_benchmark():
    d = web.diagnose(AGG, by="landing_page", information_thresholds=(0.7, 0.75)).set_index("landing_page")
    assert d.loc["/blog/x", "flagged"] and d.loc["/blog/x", "level"] == "high"
    d = web.diagnose(AGG, by="landing_page", benchmark=0.5).set_index("landing_page")
    # excess against 50%: 700 - 500 = 200; /shop 300 - 500 = -200
    assert d.loc["/landing/a", "excess_bounces"] == 200 and d.loc["/shop", "excess_bounces"] == -200
    assert d.loc["/landing/a", "reference_rate"] == 0.5 and d.loc["/landing/a", "p_value"] < 1e-30
    d = web.diagnose(AGG, by="landing_page", benchmark={"action": 0.4, "information": 0.8}).set_index("landing_page")
    assert d.loc["/blog/x", "excess_bounces"] == pytest.approx(0.0)
    with pytest.raises(KpiDataError, match="thresholds for action pages"):
        web.diagnose(AGG, by="landing_page", thresholds=(0.8, 0.5))


def test_device_gap_hand_computed():
    rows = pd.DataFrame(
        {
            "landing_page": ["/p", "/p", "/q", "/q", "/q"],
            "device": ["mobile", "desktop", "mobile", "desktop", "tablet"],
            "sessions": [100, 100, 40, 40, 5],
            "bounces": [75, 35, 20, 18, 1],
        }
    )
    g = web.device_gap(rows).set_index("landing_page")
    # /p: 0.75 - 0.35 = 0.40; pooled 0.55, se = sqrt(0.55 x 0.45 x 0.02) = 0.070356, z = 5.6854
    assert g.loc["/p", "gap"] == pytest.approx(0.40)
    assert g.loc["/p", "z"] == pytest.approx(0.40 / math.sqrt(0.55 * 0.45 * 0.02))
    assert g.loc["/p", "flagged"] and g.loc["/p", "direction"] == "mobile worse"
    assert g.loc["/q", "gap"] == pytest.approx(0.05) and not g.loc["/q", "flagged"]
    # mobile share of /q: 40 / 85
    assert g.loc["/q", "mobile_share"] == pytest.approx(40 / 85)
    assert g.index[0] == "/p"


def test_top_entry_pages(sessions):
    top = web.top_entry_pages(sessions, n=2)
    # "/" lands 2 sessions (A/1, E/9), then "(not set)", "/blog/a", "/pricing", "/shop" with 1 each
    assert top["landing_page"].astype(str).tolist() == ["/", "(not set)"]
    assert top["share"].iloc[0] == pytest.approx(2 / 6)


@needs_sample
def test_library_finds_the_sample_effect():
    from kpikit import io

    events = io.read_folder(SAMPLE, tables=["events"])["events"]
    s = web.sessions_from_events(events)
    gaps = web.device_gap(s).set_index("landing_page")
    # planted: /landing/spring-sale bounces ~75% on mobile vs ~35% on desktop (data/sample/README.md)
    row = gaps.loc["/landing/spring-sale"]
    assert row["flagged"] and 0.3 < row["gap"] < 0.5
    assert gaps["flagged"].sum() == 1
    d = web.diagnose(s)
    assert d["segment"].iloc[0] == "/landing/spring-sale / mobile" and d["flagged"].iloc[0]
    # blog pages bounce ~70% but are information pages: never flagged
    blog = d[d["landing_page"].astype(str).str.startswith("/blog/")]
    assert blog["bounces"].sum() / blog["sessions"].sum() > 0.6 and not blog["flagged"].any()
