"""kpikit.subscriptions.cohorts: cohort retention and customer lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import subscriptions as ks
from tests.subscriptions.scenario import AS_OF


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
