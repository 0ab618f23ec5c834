"""kpikit.report.overview: notebook 00's helpers (snapshot, data period, health findings); coverage is in test_notebooks."""

import pandas as pd
import pytest

import kpikit as kk
from tests.paths import SAMPLE


def test_health_findings_name_problems():
    health = pd.DataFrame(
        {
            "table": ["events", "leads", "spend"],
            "file": ["events.csv", "leads.csv", ""],
            "status": ["ok", "invalid", "missing"],
            "rows": [10, None, None],
            "problem": ["", "leads.csv, column 'created_at': bad date", ""],
        }
    )
    lines = kk.report.health_findings(health)
    assert lines[0] == "1 of 3 canonical tables loaded and passed validation: events (10 rows)."
    assert "leads (leads.csv) failed validation and was not used: leads.csv, column 'created_at'" in lines[1]
    assert lines[2].startswith("Not in the folder: spend.")


def test_data_period_spans_every_table():
    tables = {
        "sessions": pd.DataFrame({"start": pd.to_datetime(["2025-02-03", "2025-03-04"])}),
        "transactions": pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-05 10:00", "2025-02-01 00:00"])}),
    }
    assert kk.report.data_period(tables) == "2025-01-05 to 2025-03-04"
    assert kk.report.data_period({}) == "no dated rows"


def test_snapshot_on_small_hand_built_tables():
    # 4 sessions, 2 engaged (1 with a conversion): bounce 2/4, conversion 1/4.
    sessions = pd.DataFrame(
        {
            "session_id": list("abcd"),
            "engaged": [True, True, False, False],
            "conversions": [1, 0, 0, 0],
            "pageviews": [3, 2, 1, 1],
            "engagement_time_s": [30.0, 12.0, 0.0, 2.0],
        }
    )
    # NPS: 2 promoters, 1 passive, 1 detractor of 4 -> 100 * (2 - 1) / 4 = 25.
    surveys = pd.DataFrame({"kind": ["nps"] * 4 + ["csat"], "score": [10, 9, 7, 3, 5]})
    snap = kk.report.snapshot({"sessions": sessions, "surveys": surveys})
    assert snap["sessions"] == 4
    assert (snap["bounce_rate"].successes, snap["bounce_rate"].trials) == (2, 4)
    assert (snap["session_conversion_rate"].successes, snap["session_conversion_rate"].trials) == (1, 4)
    assert snap["nps"].value == pytest.approx(25.0)
    assert "mrr" not in snap and "leads" not in snap


def test_snapshot_on_sample_data():
    tables = kk.io.read_folder(SAMPLE)
    snap = kk.report.snapshot(tables)
    assert snap["sessions"] == len(tables["sessions"])
    assert 0.35 < float(snap["bounce_rate"]) < 0.55  # planted: site-wide GA4 bounce around 45%
    assert snap["mrr_period"] == pd.Timestamp("2025-06-01")
    assert snap["logo_churn"].trials > 1000 and 0 < float(snap["logo_churn"]) < 0.1
    assert -100 <= snap["nps"].value <= 100
