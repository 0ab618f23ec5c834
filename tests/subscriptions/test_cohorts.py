"""kpikit.subscriptions.cohorts: cohort retention, customer lifetimes and cohort survivors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import subscriptions as ks
from kpikit.errors import KpiDataError
from tests.subscriptions.scenario import AS_OF, frame


def test_cohort_retention_logo_and_revenue(subs):
    c = ks.cohort_retention(subs, as_of=AS_OF)
    jan = c[c["cohort"] == "2025-01-01"]
    # Jan cohort c1 c2 c3 c4 c5 c7: paying at end of Jan 6, Feb 4, Mar 5 (c5 back), Apr 5
    assert jan["retained"].tolist() == [6, 4, 5, 5]
    assert jan["cohort_size"].unique().tolist() == [6]
    feb = c[c["cohort"] == "2025-02-01"]
    assert feb["retained"].tolist() == [0, 0, 0]  # c6 left within its joining month
    rev = ks.cohort_retention(subs, kind="revenue", as_of=AS_OF)
    rjan = rev[rev["cohort"] == "2025-01-01"]
    # starting MRR: c1 20 + c2 30 (its first sub only) + c3 10 + c4 10 + c5 50 + c7 100 = 220
    assert rjan["base"].iloc[0] == pytest.approx(220)
    assert rjan["retention"].tolist() == pytest.approx([235 / 220, 177 / 220, 202 / 220, 162 / 220])
    avg = ks.cohort_average(c)
    # weighted by cohort size: age 0 (6 + 0) / 7, age 3 only Jan: 5 / 6
    assert avg["retention"].tolist() == pytest.approx([6 / 7, 4 / 7, 5 / 7, 5 / 6])
    assert ks.cohort_average(c, min_age=3)["retention"].tolist() == pytest.approx([1, 4 / 6, 5 / 6, 5 / 6])
    mat = ks.cohort_matrix(c)
    assert mat.index.tolist() == ["2025-01 (n=6)", "2025-02 (n=1)"]  # cohorts with customers only
    assert np.isnan(mat.loc["2025-02 (n=1)", 3])


def test_customer_lifetimes_first_spell(subs):
    life = ks.customer_lifetimes(subs, as_of=AS_OF, unit="D").set_index("customer_id")
    assert life.loc["c5", "duration"] == 29  # Jan 3 -> Feb 1
    assert bool(life.loc["c5", "churned"]) and bool(life.loc["c5", "reactivated"]) and bool(life.loc["c5", "active"])
    assert not life.loc["c7", "churned"]  # annual -> monthly back to back is one spell
    assert life.loc["c7", "duration"] == (pd.Timestamp(AS_OF) - pd.Timestamp("2025-01-01")).days
    assert life.loc["c2", "plan"] == "Box Plus Monthly"
    assert life.loc["c6", "duration"] == 14 and bool(life.loc["c6", "churned"])
    assert life.loc["c3", "interval"] == "year"


# Survivors by hand (as_of 2025-05-15). Monthly customers: Jan cohort m1 (from Jan 1, still paying),
# m2 (Jan 10 - Mar 10), m3 (Jan 5 - Feb 5); Feb cohort m4 (from Feb 1), m5 (Feb 20 - Apr 1). One annual a1.
SURVIVORS = [
    ("m1", "s1", "Box Monthly", "month", 10.0, "2025-01-01", None),
    ("m2", "s2", "Box Monthly", "month", 10.0, "2025-01-10", "2025-03-10"),
    ("m3", "s3", "Box Monthly", "month", 10.0, "2025-01-05", "2025-02-05"),
    ("m4", "s4", "Box Monthly", "month", 10.0, "2025-02-01", None),
    ("m5", "s5", "Box Monthly", "month", 10.0, "2025-02-20", "2025-04-01"),
    ("a1", "s6", "Box Annual", "year", 120.0, "2025-01-01", None),
]


def test_cohort_survivors_of_every_cohort_each_censored_where_its_data_end():
    subs = frame(SURVIVORS)
    t = ks.cohort_survivors(subs, cohorts="all", as_of="2025-05-15")
    wide = t.pivot(index="cohort", columns="period", values="survivors")
    # the interval with most customers is month (5 against 1). Jan cohort, latest start Jan 10: observed
    # through age 4 (May 10). Age 1 (Feb 1/10/5): m1, m2 alive, m3 ended Feb 5 -> 2; age 2: m2 ends Mar 10 -> 1.
    # Feb cohort, latest start Feb 20: through age 2 (Apr 20). Age 1: m4, m5 (ends Apr 1 > Mar 20) -> 2;
    # age 2 (Apr 20): m5 gone -> 1
    assert wide.loc["2025-01-01"].tolist() == [3, 2, 1, 1, 1]
    assert wide.loc["2025-02-01"].dropna().tolist() == [2, 2, 1]
    assert t.attrs["interval"] == "month" and t.attrs["cohorts"] == 2 and t.attrs["customers"] == 5
    assert t.loc[t["cohort"] == "2025-02-01", "share"].tolist() == pytest.approx([1, 1, 0.5])
    # at most 3 ages asked for
    assert ks.cohort_survivors(subs, periods=3, cohorts="all", as_of="2025-05-15")["period"].max() == 3
    # one cohort of the first three months: latest start Feb 20, through age 2: 5, 4 (m3 gone), 2 (m2, m5 gone)
    first = ks.cohort_survivors(subs, as_of="2025-05-15")
    assert first["survivors"].tolist() == [5, 4, 2] and first["cohort"].nunique() == 1


def test_cohort_survivors_says_when_cohorts_are_too_young_for_a_model():
    subs = frame(SURVIVORS)
    # the one annual customer is observed for no full year by May 2025
    with pytest.raises(KpiDataError, match=r"annual plans are observed for at most 0 full year\(s\) by 15 May 2025"):
        ks.cohort_survivors(subs, interval="year", cohorts="all", as_of="2025-05-15")
    with pytest.raises(
        KpiDataError, match="Các nhóm khách hàng dùng gói theo năm mới được quan sát tối đa 0 năm trọn vẹn"
    ):
        ks.cohort_survivors(subs, interval="year", cohorts="all", as_of="2025-05-15", lang="vi")
    with pytest.raises(KpiDataError, match="No paying customer starts on a week plan"):
        ks.cohort_survivors(subs, interval="week", as_of="2025-05-15")
    with pytest.raises(KpiDataError, match="disagree"):
        ks.cohort_survivors(subs, interval="year", where={"interval": "month"}, as_of="2025-05-15")


def test_cohort_survivors_of_the_sample_first_cohort_as_before():
    # the first three months' monthly customers of data/sample, fitted in notebook 03 before several
    # cohorts were fitted together (tests/test_survival.py: NOTEBOOK_03_COHORT)
    from kpikit.io import read_table
    from tests.paths import SAMPLE

    subs = read_table(SAMPLE / "subscriptions.csv", "subscriptions")
    first = ks.cohort_survivors(subs, periods=6)
    assert first["survivors"].tolist() == [284, 261, 246, 234, 219, 205, 194]
    assert first.attrs["interval"] == "month" and first.attrs["cohort_end"] == pd.Timestamp("2024-04-01")
