"""kpikit.satisfaction.indicators: churn by group of a leading indicator, shares and rates per exposure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import satisfaction as ksat
from kpikit.errors import KpiDataError
from kpikit.stats import compare_rates


def test_churn_by_share_matches_compare_rates():
    c = pd.DataFrame(
        {
            "g": ["det"] * 50 + ["pro"] * 200 + [None] * 10,
            "churned": [True] * 20 + [False] * 30 + [True] * 40 + [False] * 160 + [True] * 10,
        }
    )
    r = ksat.churn_by(c, "g", reference="pro").set_index("g")
    # det 20/50 = 40%, pro 40/200 = 20%, missing group 10/10
    assert r.loc["det", "churn_rate"] == 0.4 and r.loc["pro", "churn_rate"] == 0.2
    assert r.loc["(none)", "customers"] == 10
    cmp = compare_rates((20, 50), (40, 200))
    assert r.loc["det", "difference"] == pytest.approx(0.2)
    assert (r.loc["det", "diff_low"], r.loc["det", "diff_high"]) == pytest.approx((cmp.low, cmp.high))
    assert r.loc["det", "p_value"] == pytest.approx(cmp.p_value)
    assert r.loc["det", "ratio"] == pytest.approx(2.0)
    assert np.isnan(r.loc["pro", "p_value"])
    ex = ksat.churn_by(c, "g", missing="exclude")
    assert ex.attrs["excluded"] == 10 and "(none)" not in set(ex["g"])


def test_churn_by_exposure_rate_and_exact_test():
    # det: 8 churned over 100 months; pro: 10 churned over 500 months -> 0.08 vs 0.02 per month
    c = pd.DataFrame(
        {
            "g": ["det"] * 20 + ["pro"] * 50,
            "churned": [True] * 8 + [False] * 12 + [True] * 10 + [False] * 40,
            "months": [5.0] * 20 + [10.0] * 50,
        }
    )
    r = ksat.churn_by(c, "g", exposure="months").set_index("g")
    assert r.loc["det", "churn_rate"] == pytest.approx(0.08)
    assert r.loc["det", "ratio"] == pytest.approx(4.0)
    from scipy import stats

    assert r.loc["det", "p_value"] == pytest.approx(stats.binomtest(8, 18, 100 / 600).pvalue)
    # Garwood interval for 8 events: chi2(0.025, 16) / 2 = 3.4538, chi2(0.975, 18) / 2 = 15.7632
    assert r.loc["det", "ci_low"] == pytest.approx(3.4538 / 100, rel=1e-3)
    assert r.loc["det", "ci_high"] == pytest.approx(15.7632 / 100, rel=1e-3)
    text = ksat.findings({"NPS group": r.reset_index()}, nps_score=ksat.nps([10, 9, 0, 5]), min_customers=20)
    assert text[0].startswith("NPS is +0")
    assert "'det' customers churned at 8.0% per customer-month" in text[1] and "4.0x" in text[1]


def test_churn_by_bad_input():
    with pytest.raises(KpiDataError, match="no column 'nps_group'"):
        ksat.churn_by(pd.DataFrame({"churned": [True]}), "nps_group")
    with pytest.raises(KpiDataError, match=r"must be True/False.*row 1"):
        ksat.churn_by(pd.DataFrame({"g": ["a", "b"], "churned": [True, None]}), "g")


def test_group_comparison_reads_a_group_or_says_it_is_absent():
    # det 30 of 100 churned, pro 15 of 100: ratio 2.0 to the reference
    c = pd.DataFrame(
        {
            "nps_group": ["detractor"] * 100 + ["promoter"] * 100,
            "churned": [1] * 30 + [0] * 70 + [1] * 15 + [0] * 85,
        }
    )
    by = ksat.churn_by(c, "nps_group", reference="promoter")
    row = ksat.group_comparison(by, "detractor")
    assert (row["churned"], row["customers"], round(float(row["ratio"]), 6)) == (30, 100, 2.0)
    with pytest.raises(KpiDataError, match=r"No passives among the customers with an NPS answer \(200\)"):
        ksat.group_comparison(by, "passive")
    with pytest.raises(KpiDataError, match="Promoters are the reference group"):
        ksat.group_comparison(by, "promoter")
    # no detractor at all: churn_by itself says the reference is there but the group is not
    only_pro = ksat.churn_by(c[c["nps_group"] == "promoter"], "nps_group", reference="promoter")
    with pytest.raises(KpiDataError, match="No detractors among the customers with an NPS answer"):
        ksat.group_comparison(only_pro, "detractor")
    # in a Vietnamese report the note is Vietnamese
    with pytest.raises(KpiDataError, match=r"Không có người phản đối trong số khách hàng có câu trả lời NPS \(100\)"):
        ksat.group_comparison(only_pro, "detractor", lang="vi")
    with pytest.raises(KpiDataError, match="^Người ủng hộ là nhóm tham chiếu"):
        ksat.group_comparison(by, "promoter", lang="vi")
    # a reference nobody of which churned: no ratio to read
    calm = c.assign(churned=[1] * 30 + [0] * 70 + [0] * 100)
    with pytest.raises(KpiDataError, match="No promoters churned"):
        ksat.group_comparison(ksat.churn_by(calm, "nps_group", reference="promoter"), "detractor")


def test_churn_by_says_when_a_group_or_every_value_is_missing():
    c = pd.DataFrame({"support_experience": ["smooth"] * 40 + ["multi-reply"] * 40, "churned": [0, 1] * 40})
    with pytest.raises(KpiDataError, match=r"No customers with a reopened ticket among the customers with a support"):
        ksat.churn_by(c, "support_experience", reference="reopened")
    none = pd.DataFrame({"nps_group": [None] * 5, "churned": [0, 1, 0, 1, 0]})
    with pytest.raises(KpiDataError, match="None of the 5 customers has an NPS answer"):
        ksat.churn_by(none, "nps_group", missing="exclude")
