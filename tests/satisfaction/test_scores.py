"""kpikit.satisfaction.scores: NPS, CSAT and CES with hand-computed intervals, and each customer's answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit import satisfaction as ksat
from kpikit.errors import KpiDataError
from kpikit.satisfaction.scores import SCALE_EVIDENCE_N
from kpikit.stats import rate


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
    s = ksat.nps(scores, scale="0-10")  # the scale confirmed: any 0-10 answers are scored
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


def test_customer_scores_last_answer():
    s = pd.DataFrame(
        {
            "respondent_id": range(5),
            "customer_id": ["a", "a", "b", "b", "c"],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-01-05", "2025-01-06", "2025-01-07"]),
            "kind": ["nps", "nps", "nps", "csat", "ces"],
            "score": [3, 9, 7, 2, 6],
        }
    )
    w = ksat.customer_scores(s).set_index("customer_id")
    assert w.loc["a", "nps"] == 9 and w.loc["a", "nps_group"] == "promoter"
    assert w.loc["b", "nps_group"] == "passive" and w.loc["b", "csat_group"] == "unsatisfied (1-2)"
    assert np.isnan(w.loc["c", "nps"]) and w.loc["c", "ces"] == 6
    assert ksat.customer_scores(s, how="first").set_index("customer_id").loc["a", "nps_group"] == "detractor"
    bad = s.copy()
    bad.loc[3, "score"] = 6  # csat 6 on a 1-5 scale
    with pytest.raises(KpiDataError, match=r"surveys \(csat\) score: 1 responses are outside the 1-5 scale \(row 3"):
        ksat.customer_scores(bad)


def test_customer_scores_groups_as_nps_group_and_rounds_means_down():
    answers = [0, 6, 7, 8, 9, 10]
    s = pd.DataFrame(
        {
            "customer_id": [f"c{a}" for a in answers],
            "kind": "nps",
            "score": answers,
            "timestamp": pd.Timestamp("2025-01-01"),
        }
    )
    w = ksat.customer_scores(s).set_index("customer_id")
    assert (
        w.loc[[f"c{a}" for a in answers], "nps_group"].astype(str).tolist()
        == ksat.nps_group(answers).astype(str).tolist()
    )
    # mean of 8 and 9 is 8.5, rounded down to 8: a passive, not a promoter
    m = pd.DataFrame(
        {
            "customer_id": ["x", "x"],
            "kind": "nps",
            "score": [8, 9],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        }
    )
    assert ksat.customer_scores(m, how="mean").loc[0, "nps_group"] == "passive"
    assert ksat.customer_scores(m, how="last").loc[0, "nps_group"] == "promoter"


def test_nps_refuses_a_1_to_5_survey():
    # 40 CSAT-style answers 1-5: 32 of them (1-5 all count) are "detractors", NPS -100
    five = [5] * 20 + [4] * 12 + [3] * 5 + [2] * 2 + [1]
    with pytest.raises(
        KpiDataError,
        match=r"NPS scores: all 40 answers lie within 1-5 \(none is 0 and none is above 5\): this looks like a 1-5 "
        r"survey.*40 of them would count as detractors and the NPS would read -100\. "
        r"Use kk\.satisfaction\.csat\(scores\).*pass scale='0-10'",
    ):
        ksat.nps(five)
    with pytest.raises(KpiDataError, match="looks like a 1-5 survey"):
        ksat.nps_group(five)
    # the survey really was 0-10 (a very unhappy base): scored when the caller says so
    assert ksat.nps(five, scale="0-10").value == -100.0
    assert ksat.csat(five).successes == 32


def test_nps_refuses_a_1_to_7_survey():
    # 30 CES 2.0 answers 1-7: as NPS, 1-6 are detractors (26) and 7 a passive (4): NPS -87
    seven = [7] * 4 + [6] * 8 + [5] * 10 + [4] * 5 + [2] * 3
    with pytest.raises(
        KpiDataError,
        match=r"all 30 answers lie within 1-7 \(none is 0 and none is above 7\).*26 of them would count as "
        r"detractors and the NPS would read -87\. Use kk\.satisfaction\.ces\(scores\)",
    ):
        ksat.nps(seven)
    assert ksat.nps(seven, scale="0-10").value == pytest.approx(-100 * 26 / 30)
    with pytest.raises(KpiDataError, match="scale must be None .* or '0-10'.*got '1-7'"):
        ksat.nps(seven, scale="1-7")


def test_nps_scale_evidence_rule():
    # fewer than 20 answers: too few to tell the scale, scored
    assert ksat.nps([3] * 19).value == -100.0
    assert SCALE_EVIDENCE_N == 20
    # one 0, or one answer above 7, and the answers are a 0-10 survey
    assert ksat.nps([0] + [5] * 39).value == -100.0
    assert ksat.nps([8] + [5] * 39).value == pytest.approx(-97.5)
    with pytest.raises(KpiDataError, match="looks like a 1-5 survey"):
        ksat.nps([3] * 20)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_nps_scale_check_refuses_only_answers_within_1_to_7(scores):
    looks_other = len(scores) >= 20 and min(scores) >= 1 and max(scores) <= 7
    if looks_other:
        with pytest.raises(KpiDataError, match=f"looks like a 1-{5 if max(scores) <= 5 else 7} survey"):
            ksat.nps(scores)
    else:
        assert ksat.nps(scores).value == ksat.nps(scores, scale="0-10").value


def test_ces_interval_stays_within_the_scale():
    # 7, 7, 6: mean 6.667, sd 0.5774, t(0.975, 2) = 4.3027: 6.667 +- 1.434 -> 5.232 to 8.10, cut at 7
    c = ksat.ces([7, 7, 6])
    assert c.mean.low == pytest.approx(20 / 3 - 4.302653 * np.sqrt(1 / 3) / np.sqrt(3), rel=1e-6)
    assert c.mean.high == 7.0
    assert ksat.ces([1, 1, 2]).mean.low == 1.0
    # five answers of 7: no spread, so the Wilson interval of (mean - 1) / 6 = 1 with n = 5:
    # low = n / (n + z^2) = 5 / 8.8415 = 0.56551 -> 1 + 6 x 0.56551 = 4.393
    c = ksat.ces([7] * 5)
    assert (c.mean.low, c.mean.high) == pytest.approx((1 + 6 * 5 / (5 + 1.959964**2), 7.0), rel=1e-6)
    # five answers of 4: p = 0.5, Wilson half-width z sqrt(n/4 + z^2/4) / (n + z^2) = 1.959964 x sqrt(1.25 +
    # 0.960365) / 8.841459 = 0.329576 of the 0-1 scale, x 6 -> 4 +- 1.977458
    c = ksat.ces([4] * 5)
    assert (c.mean.low, c.mean.high) == pytest.approx((4 - 1.977458, 4 + 1.977458), rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=2, max_size=40))
def test_ces_interval_is_within_1_and_7_and_holds_the_mean(scores):
    m = ksat.ces(scores).mean
    assert 1 <= m.low <= m.value <= m.high <= 7


def test_survey_scores_scores_the_kinds_present():
    s = pd.DataFrame({"kind": ["nps"] * 4 + ["ces"] * 3, "score": [10, 9, 8, 3, 7, 5, 2]})
    scores = ksat.survey_scores(s)
    assert list(scores) == ["nps", "ces_mean", "ces_share_5_7"]  # no CSAT answer: no CSAT
    assert scores["nps"].value == 25.0  # (2 - 1) / 4
    assert scores["ces_mean"].value == pytest.approx(14 / 3) and scores["ces_share_5_7"].successes == 2
    with pytest.raises(KpiDataError, match="holds no NPS, CSAT or CES answer"):
        ksat.survey_scores(s.iloc[:0])
    with pytest.raises(KpiDataError, match="Bảng khảo sát không có câu trả lời NPS, CSAT hay CES nào"):
        ksat.survey_scores(s.iloc[:0], lang="vi")


def test_nps_teaching_example_is_labelled_and_worked_by_hand():
    t = ksat.nps_teaching_example()
    assert t.attrs["teaching_example"] and set(t["example"]) == {"teaching example"}
    assert t[["answers", "promoters", "detractors"]].values.tolist() == [
        [100, 60, 40],
        [400, 240, 160],
        [1600, 960, 640],
    ]
    # SE = 100 x sqrt((0.6 + 0.4 - 0.2^2) / n): 9.80 at n = 100, halving as n quadruples
    half = 1.959964 * 100 * np.sqrt(0.96 / np.array([100, 400, 1600]))
    assert (t["nps"] - t["ci_low"]).tolist() == pytest.approx(half.tolist(), rel=1e-6)
    with pytest.raises(KpiDataError, match="add up to at most 1"):
        ksat.nps_teaching_example(promoters=0.7, detractors=0.5)
