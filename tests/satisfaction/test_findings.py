"""kpikit.satisfaction.findings: sentences built from churn_by frames and the NPS."""

from __future__ import annotations

import pandas as pd

from kpikit import satisfaction as ksat


def test_findings_say_when_a_difference_is_not_clear():
    # a: 3 of 20 churned (15%), b: 2 of 20 (10%): ratio 1.5, far from clear with 40 customers
    c = pd.DataFrame({"g": ["a"] * 20 + ["b"] * 20, "churned": [True] * 3 + [False] * 17 + [True] * 2 + [False] * 18})
    by = ksat.churn_by(c, "g", min_customers=20)
    one_group = ksat.churn_by(c[c["g"] == "a"], "g")  # nothing to compare with: no sentence
    text = ksat.findings({"plan": by, "empty": by.iloc[:0], "missing": None, "alone": one_group})
    assert len(text) == 1
    assert text[0].startswith("By plan: 'a' customers churned at 15.0% (3 of 20 churned) against 10.0% for 'b', 1.5x")
    assert "not a clear difference at this sample size" in text[0]
    # the NPS comes first, with its counts: 2 promoters and 1 detractor of 4 answers -> +25
    text = ksat.findings({}, nps_score=ksat.nps([10, 9, 8, 3]))
    assert text[0].startswith("NPS is +25") and "2 promoters, 1 detractors" in text[0]


def test_groups_below_the_minimum_size_are_never_named_in_a_finding():
    # a: 9 of 12 churned (75%), b: 30 of 300 (10%), c: 20 of 100 (20%). With the default minimum of 30
    # customers, 'a' is flagged and left out: the finding names 'c' against 'b' (20.0% vs 10.0%, 2.0x)
    c = pd.DataFrame(
        {
            "g": ["a"] * 12 + ["b"] * 300 + ["c"] * 100,
            "churned": [True] * 9 + [False] * 3 + [True] * 30 + [False] * 270 + [True] * 20 + [False] * 80,
        }
    )
    by = ksat.churn_by(c, "g", reference="b")
    assert by["small_sample"].tolist() == [True, False, False] and by.attrs["min_customers"] == 30
    text = ksat.findings({"plan": by})
    assert text[0].startswith("By plan: 'c' customers churned at 20.0% (20 of 100 churned) against 10.0% for 'b', 2.0x")
    # with a minimum of 10, the 12 customers of 'a' may be named
    assert ksat.findings({"plan": by}, min_customers=10)[0].startswith("By plan: 'a' customers churned at 75.0%")
    # a reference group below the minimum: no finding at all
    assert ksat.findings({"plan": ksat.churn_by(c, "g", reference="a")}) == []
