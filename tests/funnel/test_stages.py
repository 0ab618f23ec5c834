"""kpikit.funnel.stages: CRM stage funnels by entry cohort and the lead-to-customer rate."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpikit import funnel as F
from kpikit.errors import KpiDataError


def _leads():
    t = pd.to_datetime
    return pd.DataFrame(
        {
            "lead_id": [1, 2, 3, 4, 5],
            "created_at": t(["2025-01-05", "2025-01-10", "2025-01-20", "2025-02-03", "2025-02-10"]),
            "mql_at": t(["2025-01-06", "2025-01-12", None, "2025-02-05", "2025-02-11"]),
            "sal_at": t(["2025-01-08", None, None, "2025-02-06", None]),
            "sql_at": t(["2025-01-10", "2025-01-15", None, "2025-02-09", None]),
            "won_at": t(["2025-01-30", None, None, None, None]),
        }
    )


def test_stage_funnel_implied_and_recorded():
    stages = ("lead", "mql", "sal", "sql", "won")
    f = F.stage_funnel(_leads(), stages=stages, cohort="M")
    jan = f[f["cohort"] == "2025-01"].set_index("stage")
    # January: 3 leads; MQL 2 (leads 1, 2); SAL implied for lead 2 (it has sql_at) -> 2; SQL 2; won 1
    assert jan["leads"].tolist() == [3, 2, 2, 2, 1]
    assert jan.loc["sal", "skipped"] == 1
    assert jan.loc["won", "conversion_from_start"] == pytest.approx(1 / 3)
    assert jan.loc["mql", "conversion_from_previous"] == pytest.approx(2 / 3)
    # median days lead -> MQL in January: lead 1 1 day, lead 2 2 days -> 1.5
    assert jan.loc["mql", "median_days_from_previous"] == pytest.approx(1.5)
    # MQL -> SAL only for lead 1 (2 days): lead 2 has no SAL time
    assert jan.loc["sal", "median_days_from_previous"] == pytest.approx(2.0)
    rec = F.stage_funnel(_leads(), stages=stages, cohort="M", skipped="recorded")
    jan_r = rec[rec["cohort"] == "2025-01"].set_index("stage")
    # recorded: lead 2 stops at MQL
    assert jan_r["leads"].tolist() == [3, 2, 1, 1, 1]
    feb = f[f["cohort"] == "2025-02"].set_index("stage")
    assert feb["leads"].tolist() == [2, 2, 1, 1, 0]
    total = F.stage_funnel(_leads(), stages=stages, cohort=None)
    assert total["leads"].tolist() == [5, 4, 3, 3, 1]
    ltc = F.lead_to_customer(_leads(), cohort="M")
    assert ltc["lead_to_customer"].tolist() == pytest.approx([1 / 3, 0.0])
    assert ltc["won"].tolist() == [1, 0]


def test_stage_funnel_bad_input():
    bad = _leads()
    bad.loc[0, "sql_at"] = pd.Timestamp("2025-01-01")  # before its MQL
    with pytest.raises(KpiDataError, match="stage before an earlier stage \\(row 1; first: lead 1\\)"):
        F.stage_funnel(bad, stages=("lead", "mql", "sal", "sql", "won"))
    assert F.stage_funnel(bad, stages=("lead", "mql", "sal", "sql", "won"), check_order=False)["leads"].iloc[0] == 3
    with pytest.raises(KpiDataError, match="missing column\\(s\\) 'opportunity_at'"):
        F.stage_funnel(_leads())


def test_stage_funnel_cohort_grains_read_through_the_period_table():
    stages = ("lead", "mql", "won")
    months = F.stage_funnel(_leads(), stages=stages, cohort="M")
    # every month alias of kpikit.stats.periods gives the same cohorts, labelled as before
    for alias in ("MS", "ME"):
        pd.testing.assert_frame_equal(F.stage_funnel(_leads(), stages=stages, cohort=alias), months)
    quarters = F.stage_funnel(_leads(), stages=stages, cohort="Q")
    # all five leads entered in January-February 2025: one quarter
    assert quarters["cohort"].unique().tolist() == ["2025Q1"]
    assert quarters["leads"].tolist() == [5, 4, 1]
    for alias in ("QS", "QE"):
        pd.testing.assert_frame_equal(F.stage_funnel(_leads(), stages=stages, cohort=alias), quarters)
    weeks = F.stage_funnel(_leads(), stages=stages, cohort="W")
    # 2025-01-05 is a Sunday: the week Monday 2024-12-30 to Sunday 2025-01-05
    assert weeks["cohort"].iloc[0] == "2024-12-30/2025-01-05"
    assert F.stage_funnel(_leads(), stages=stages, cohort="Y")["cohort"].unique().tolist() == ["2025"]
    with pytest.raises(KpiDataError, match="cohort must be a period alias"):
        F.stage_funnel(_leads(), stages=stages, cohort="fortnight")


def test_lead_to_customer_rate():
    # five leads, one won (lead 1)
    r = F.lead_to_customer_rate(_leads())
    assert (r.successes, r.trials) == (1, 5)
    assert float(r) == pytest.approx(0.2)
    z = 1.959963984540054
    centre = (1 + z**2 / 2) / (5 + z**2)
    half = z * math.sqrt(1 * 4 / 5 + z**2 / 4) / (5 + z**2)
    assert r.low == pytest.approx(centre - half) and r.high == pytest.approx(centre + half)
    # the same numbers as the per-cohort table summed over its cohorts
    by_month = F.lead_to_customer(_leads(), cohort="M")
    assert (by_month["won"].sum(), by_month["leads"].sum()) == (1, 5)
    # another column name for the won stage
    renamed = _leads().rename(columns={"won_at": "closed_won"})
    assert F.lead_to_customer_rate(renamed, stage_cols={"won": "closed_won"}) == r
