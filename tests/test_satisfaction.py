"""Tests of kpikit.satisfaction with hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit import satisfaction as ksat
from kpikit.errors import KpiDataError
from kpikit.stats import compare_rates, rate


def test_nps_reference_60_promoters_40_detractors():
    s = ksat.nps([9] * 30 + [10] * 30 + [0] * 10 + [6] * 30)
    # p = 0.6, d = 0.4: SE = 100 x sqrt((1.0 - 0.04) / 100) = 9.798; 1.96 x 9.798 = 19.20
    assert s.value == 20.0
    assert s.value - s.low == pytest.approx(19.20, abs=0.01)
    assert s.high - s.value == pytest.approx(19.20, abs=0.01)
    assert s.counts == {"promoters": 60, "passives": 0, "detractors": 40}
    assert s.name == "NPS" and s.n == 100


def test_nps_mixed_by_hand():
    s = ksat.nps(pd.Series([10, 9, 8, 7, 6, 0, 10, 9, 3, 5]))
    # 4 promoters, 2 passives, 4 detractors: NPS 0; SE = 100 sqrt(0.8 / 10) = 28.28
    assert s.value == 0.0
    assert s.high == pytest.approx(1.959964 * 28.2843, rel=1e-4)
    assert ksat.nps([10] * 5).high == 100.0  # clipped to the scale
    g = ksat.nps_group([10, 8, 6])
    assert g.astype(str).tolist() == ["promoter", "passive", "detractor"]


def test_nps_out_of_scale_names_rows():
    with pytest.raises(KpiDataError, match=r"2 responses are outside the 0-10 scale \(rows r2, r4; first: 11"):
        ksat.nps(pd.Series([10, 11, 3, 12], index=["r1", "r2", "r3", "r4"]))
    with pytest.raises(KpiDataError, match=r"outside the 0-10 scale \(row 2"):
        ksat.nps([7, 7.5])
    with pytest.raises(KpiDataError, match=r"empty \(row 3\).*dropna"):
        ksat.nps([7, 8, None])
    with pytest.raises(KpiDataError, match="not numbers"):
        ksat.nps(["yes", "no"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_nps_in_range_and_interval_contains_value(scores):
    s = ksat.nps(scores)
    assert -100 <= s.low <= s.value <= s.high <= 100
    c = s.counts
    assert c["promoters"] + c["passives"] + c["detractors"] == len(scores)


def test_csat_by_hand_and_scale():
    r = ksat.csat([5, 4, 4, 3, 1, 5, 2, 4, 5, 5])
    assert (r.successes, r.trials) == (7, 10)
    w = rate(7, 10, warn_small=False)
    assert (r.low, r.high) == pytest.approx((w.low, w.high))
    r7 = ksat.csat([7, 6, 5, 1], scale=7, positive=(6, 7))
    assert (r7.successes, r7.trials) == (2, 4)
    with pytest.raises(KpiDataError, match=r"outside the 1-5 scale \(row 2; first: 0"):
        ksat.csat([5, 0, 3])
    with pytest.raises(KpiDataError, match="positive must be"):
        ksat.csat([5, 4], positive=(6,))


def test_ces_mean_and_share():
    c = ksat.ces([7, 6, 5, 5, 3, 2, 7, 4])
    # mean 39 / 8 = 4.875; 5 answers in 5-7
    assert c.mean.value == pytest.approx(4.875)
    assert (c.share_high.successes, c.share_high.trials) == (5, 8)
    sd = np.std([7, 6, 5, 5, 3, 2, 7, 4], ddof=1)
    assert c.mean.high - c.mean.value == pytest.approx(2.364624 * sd / np.sqrt(8), rel=1e-5)
    with pytest.raises(KpiDataError, match="outside the 1-7 scale"):
        ksat.ces([8, 5])


def tickets_frame():
    ts = pd.Timestamp("2025-01-01 08:00")
    h = pd.Timedelta(hours=1)
    d = pd.Timedelta(days=1)
    return pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
        "customer_id": ["a", "a", "b", "c", "c", "d"],
        "created_at": [ts] * 6,
        "first_response_at": [ts + 1 * h, ts + 2 * h, ts + 3 * h, ts + 30 * h, ts + 5 * h, pd.NaT],
        "solved_at": [ts + d, ts + d, ts + d, ts + 2 * d, ts + d, pd.NaT],
        "agent_replies": [1, 1, 2, 1, 1, 0],
        # t2 reopened 3 days after solving, t5 reopened 10 days after
        "reopened_at": [pd.NaT, ts + 4 * d, pd.NaT, pd.NaT, ts + 11 * d, pd.NaT],
        "channel": ["email", "chat", "email", "chat", "email", "chat"],
    })


def test_fcr_reopen_window():
    t = tickets_frame()
    # solved 5 (t6 open); one reply: t1 t2 t4 t5; t2 reopened within 7 days -> FCR 3/5
    r = ksat.fcr(t)
    assert (r.successes, r.trials) == (3, 5)
    # with a 14-day window t5's reopening counts too -> 2/5
    assert ksat.fcr(t, reopen_within="14D").successes == 2
    by = ksat.fcr(t, by="channel").set_index("channel")
    assert by.loc["email", ["first_contact", "solved"]].tolist() == [2, 3]
    assert by.loc["chat", ["first_contact", "solved"]].tolist() == [1, 2]


def test_first_response_time_percentiles():
    t = tickets_frame()
    f = ksat.first_response_time(t).iloc[0]
    # answered: 1, 2, 3, 30, 5 hours; one unanswered
    assert (f["tickets"], f["answered"], f["unanswered"]) == (6, 5, 1)
    assert f["median"] == 3.0
    assert f["p90"] == pytest.approx(np.quantile([1, 2, 3, 30, 5], 0.9))
    assert f["mean"] == pytest.approx(41 / 5)
    bad = t.copy()
    bad.loc[2, "first_response_at"] = bad.loc[2, "created_at"] - pd.Timedelta(hours=1)
    with pytest.raises(KpiDataError, match=r"answered before they were created \(row 2\)"):
        ksat.first_response_time(bad)


def test_support_profile_per_customer():
    p = ksat.support_profile(tickets_frame()).set_index("customer_id")
    assert p.loc["a", ["tickets", "solved", "first_contact"]].tolist() == [2, 2, 1]
    assert p.loc["a", "support_experience"] == "reopened"
    assert p.loc["b", "support_experience"] == "multi-reply"
    assert p.loc["c", "support_experience"] == "reopened"  # reopened after 10 days is still a reopening
    assert p.loc["c", "median_response_h"] == pytest.approx(17.5)
    assert p.loc["c", "response_band"] == "4-24 h"
    assert p.loc["a", "response_band"] == "< 4 h"
    assert pd.isna(p.loc["d", "response_band"])  # never answered: no band, left out of comparisons


def test_health_score_weights_and_bands():
    c = pd.DataFrame({"usage": [90, 40, 60], "nps": [80, 20, 80], "support": [100, 50, 100]})
    h = ksat.health_score(c, {"usage": 2, "nps": 1, "support": 1})
    # (2 x 90 + 80 + 100) / 4 = 90; (80 + 20 + 50) / 4 = 37.5; (120 + 80 + 100) / 4 = 75
    assert h["health_score"].tolist() == pytest.approx([90, 37.5, 75])
    assert h["band"].tolist() == ["green", "red", "green"]
    assert ksat.health_score(c, {"usage": 1}, bands=(50, 95))["band"].tolist() == ["yellow", "red", "yellow"]
    bad = c.copy()
    bad.loc[1, "nps"] = 140
    with pytest.raises(KpiDataError, match=r"column 'nps'.*outside 0-100 \(row 1\)"):
        ksat.health_score(bad, {"nps": 1})


def test_customer_scores_last_answer():
    s = pd.DataFrame({
        "respondent_id": range(5), "customer_id": ["a", "a", "b", "b", "c"],
        "timestamp": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-01-05", "2025-01-06", "2025-01-07"]),
        "kind": ["nps", "nps", "nps", "csat", "ces"], "score": [3, 9, 7, 2, 6],
    })
    w = ksat.customer_scores(s).set_index("customer_id")
    assert w.loc["a", "nps"] == 9 and w.loc["a", "nps_group"] == "promoter"
    assert w.loc["b", "nps_group"] == "passive" and w.loc["b", "csat_group"] == "unsatisfied (1-2)"
    assert np.isnan(w.loc["c", "nps"]) and w.loc["c", "ces"] == 6
    assert ksat.customer_scores(s, how="first").set_index("customer_id").loc["a", "nps_group"] == "detractor"
    bad = s.copy()
    bad.loc[3, "score"] = 6  # csat 6 on a 1-5 scale
    with pytest.raises(KpiDataError, match=r"surveys \(csat\) score: 1 responses are outside the 1-5 scale \(row 3"):
        ksat.customer_scores(bad)


def test_churn_by_share_matches_compare_rates():
    c = pd.DataFrame({"g": ["det"] * 50 + ["pro"] * 200 + [None] * 10,
                      "churned": [True] * 20 + [False] * 30 + [True] * 40 + [False] * 160 + [True] * 10})
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
    c = pd.DataFrame({"g": ["det"] * 20 + ["pro"] * 50,
                      "churned": [True] * 8 + [False] * 12 + [True] * 10 + [False] * 40,
                      "months": [5.0] * 20 + [10.0] * 50})
    r = ksat.churn_by(c, "g", exposure="months").set_index("g")
    assert r.loc["det", "churn_rate"] == pytest.approx(0.08)
    assert r.loc["det", "ratio"] == pytest.approx(4.0)
    from scipy import stats

    assert r.loc["det", "p_value"] == pytest.approx(stats.binomtest(8, 18, 100 / 600).pvalue)
    # Garwood interval for 8 events: chi2(0.025, 16) / 2 = 3.4538, chi2(0.975, 18) / 2 = 15.7632
    assert r.loc["det", "ci_low"] == pytest.approx(3.4538 / 100, rel=1e-3)
    assert r.loc["det", "ci_high"] == pytest.approx(15.7632 / 100, rel=1e-3)
    text = ksat.findings({"NPS group": r.reset_index()}, nps_score=ksat.nps([10, 9, 0, 5]))
    assert text[0].startswith("NPS is +0")
    assert "'det' customers churned at 8.0% per customer-month" in text[1] and "4.0x" in text[1]


def test_churn_by_bad_input():
    with pytest.raises(KpiDataError, match="no column 'nps_group'"):
        ksat.churn_by(pd.DataFrame({"churned": [True]}), "nps_group")
    with pytest.raises(KpiDataError, match=r"must be True/False.*row 1"):
        ksat.churn_by(pd.DataFrame({"g": ["a", "b"], "churned": [True, None]}), "g")
