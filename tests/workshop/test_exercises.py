"""kk.workshop.exercises / check / solution: every solution passes its check, wrong answers get hints,
and a few solutions recomputed here from data/sample with plain pandas."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError
from kpikit.i18n import t
from kpikit.workshop import EXERCISES, check, exercises, solution
from kpikit.workshop.answers import TRAPS
from kpikit.workshop.data import NOTEBOOKS
from tests.paths import SAMPLE

IDS = list(EXERCISES)


def _wrong(id: str):
    """An answer far from the solution and from every popular wrong answer."""
    right = solution(id)
    if isinstance(right, str):
        return "Nobody Ltd"
    return 3.0 * right + 7.0


def test_at_least_fifteen_exercises_listed_with_id_notebook_topic():
    table = exercises()
    assert len(table) >= 15
    assert list(table.columns[:3]) == ["id", "notebook", "topic"]
    assert table["id"].is_unique
    assert set(table["notebook"]) == set(NOTEBOOKS)  # every workshop notebook has exercises
    assert table["topic"].str.len().gt(10).all()
    assert table.loc[table["id"] == "churn-pooled", "notebook"].item() == "w3_churn_and_retention"


def test_topics_exist_in_vietnamese():
    en, vi = exercises("en"), exercises("vi")
    assert (en["id"] == vi["id"]).all()
    assert (en["topic"] != vi["topic"]).all()


@pytest.mark.parametrize("id", IDS)
def test_the_solution_passes_its_own_check(id):
    result = check(id, solution(id))
    assert result
    assert result.correct and result.answered and result.hint is None
    assert result.message.startswith("Right")


@pytest.mark.parametrize("id", IDS)
def test_a_wrong_answer_fails_with_a_hint(id):
    result = check(id, _wrong(id))
    assert not result
    assert result.answered
    assert result.hint and result.hint.startswith("Hint: ")
    # the generic hint of the exercise, and it does not give the answer away
    assert result.hint == "Hint: " + t(f"workshop.exercise.{id}.hint")
    assert str(solution(id)) not in result.hint


@pytest.mark.parametrize("id", IDS)
def test_a_popular_wrong_answer_gets_its_own_hint(id):
    right, ex = solution(id), EXERCISES[id]
    traps = TRAPS[id](SAMPLE.resolve())
    assert traps, f"exercise {id} has no popular wrong answer"
    for key, wrong in traps.items():
        if isinstance(right, str) or not ex.close(float(wrong), float(right)):
            result = check(id, wrong)
            assert not result
            assert result.hint == "Hint: " + t(f"workshop.trap.{key}"), (key, wrong)


def test_numbers_within_the_tolerance_are_right_and_outside_are_not():
    right = solution("churn-pooled")  # a share: 0.0005 either side
    assert check("churn-pooled", right + 0.0004)
    assert check("churn-pooled", round(right, 3))
    assert not check("churn-pooled", right + 0.002)
    money = solution("mrr-month")  # money: 0.1% either side
    assert check("mrr-month", money * 1.0009)
    assert not check("mrr-month", money * 1.002)


def test_a_percentage_for_a_fraction_says_so():
    result = check("churn-pooled", 100 * solution("churn-pooled"))
    assert not result
    assert result.hint == "Hint: " + t("workshop.check.percent_not_fraction")


def test_answers_of_other_types():
    assert check("churn-pooled", kk.subscriptions.churn_rate(kk.workshop.data.table("subscriptions")))  # a Rate
    assert check("churn-pooled", pd.Series([solution("churn-pooled")]))  # one-value Series
    assert check("vanity-brand", "  alder   CRATE ")  # case and spaces do not matter
    assert check("nps", "33.5").hint == "Hint: " + t("workshop.check.expects_number")
    assert check("vanity-brand", 3).hint == "Hint: " + t("workshop.check.expects_text")


def test_unanswered_is_neither_right_nor_wrong():
    for answer in (None, ...):
        result = check("nps", answer)
        assert not result and not result.answered and result.hint is None
        assert "None" in result.message


def test_an_unknown_exercise_names_the_closest():
    with pytest.raises(KpiDataError, match="churn-pooled"):
        check("churn-pool", 0.04)
    with pytest.raises(KpiDataError, match="no exercise"):
        solution("no-such-thing")


def test_the_verdict_speaks_vietnamese_with_vietnamese_numbers():
    right = check("churn-pooled", 0.0429, lang="vi")
    assert right and right.message == "Đúng: 4,3%."
    wrong = check("churn-pooled", 0.30, lang="vi")
    assert not wrong and wrong.message.startswith("Chưa đúng") and wrong.hint.startswith("Gợi ý")
    assert "30,0%" in wrong.message


def test_the_html_form_escapes_and_marks():
    html = check("vanity-brand", "<b>x</b>")._repr_html_()
    assert "&lt;b&gt;" in html and "✘" in html


# ---- solutions recomputed here from data/sample with plain pandas --------------------------------


@pytest.fixture(scope="module")
def sample():
    from kpikit.io import read_folder

    return read_folder(SAMPLE)


def test_nps_solution_by_hand(sample):
    s = sample["surveys"]
    scores = s.loc[s["kind"] == "nps", "score"]
    assert solution("nps") == pytest.approx(100 * ((scores >= 9).mean() - (scores <= 6).mean()), abs=1e-9)
    assert solution("nps") == pytest.approx(33.54, abs=0.005)


def test_bounce_pooled_solution_by_hand(sample):
    sessions = sample["sessions"]
    assert solution("bounce-pooled") == pytest.approx(1 - sessions["engaged"].mean(), abs=1e-12)
    assert solution("bounce-pooled") == pytest.approx(0.4539, abs=5e-5)


def test_share_of_voice_solution_by_hand(sample):
    social = sample["social"]
    mentions = social.groupby("brand")["mentions"].sum()
    assert solution("share-of-voice") == pytest.approx(mentions["Juniper Box"] / mentions.sum(), abs=1e-12)


def test_engagement_reach_solution_by_hand(sample):
    social = sample["social"]
    rows = social[(social["brand"] == "Juniper Box") & (social["platform"] == "Instagram")]
    engagements = (rows["likes"] + rows["comments"] + rows["shares"]).sum()
    assert solution("engagement-reach") == pytest.approx(engagements / rows["reach"].sum(), abs=1e-12)


def _paying(subs: pd.DataFrame, moment: pd.Timestamp) -> pd.Series:
    active = subs[(subs["start"] < moment) & (subs["end"].isna() | (subs["end"] >= moment)) & (subs["amount"] > 0)]
    monthly = active["amount"].where(active["interval"] == "month", (active["amount"] / 12).round(2))
    return monthly.groupby(active["customer_id"]).sum()


def test_mrr_and_churn_solutions_by_hand(sample):
    subs = sample["subscriptions"]
    last_month = subs["start"].max().to_period("M").start_time
    end = last_month + pd.offsets.MonthBegin(1)
    assert solution("mrr-month") == pytest.approx(_paying(subs, end).sum(), abs=0.005)
    # the month before the last by hand: lost = paying at its start and not at its end
    month = last_month - pd.offsets.MonthBegin(1)
    at_start, at_end = _paying(subs, month), _paying(subs, last_month)
    lost = at_start.index.difference(at_end.index)
    assert (len(lost), len(at_start)) == (89, 1982)
    table = kk.subscriptions.customer_churn(subs).set_index("period")
    assert table.loc[month, "churn_rate"] == pytest.approx(89 / 1982)
    pooled = table["customers_lost"].sum() / table["customers_start"].sum()
    assert solution("churn-pooled") == pytest.approx(pooled, abs=1e-12)


def test_subscription_ltv_solutions_are_arpa_times_margin_over_churn(sample):
    subs = sample["subscriptions"]
    last_month = subs["start"].max().to_period("M").start_time
    paying = _paying(subs, last_month + pd.offsets.MonthBegin(1))
    arpa = paying.sum() / len(paying)
    churn = solution("churn-pooled")
    assert solution("subscription-ltv") == pytest.approx(arpa * 0.6 / churn, rel=1e-3)
    assert solution("ltv-churn-cut") == pytest.approx(arpa * 0.6 / (churn - 0.01), rel=1e-3)


def test_historical_clv_solution_by_hand(sample):
    tx = sample["transactions"]
    years = (tx["timestamp"].max() - tx["timestamp"].min()) / pd.Timedelta(days=365.25)
    aov = tx["amount"].sum() / len(tx)
    frequency = len(tx) / tx["customer_id"].nunique() / years
    assert solution("historical-clv") == pytest.approx(aov * frequency * 2 * 0.4, rel=1e-6)


def test_solutions_follow_the_data_folder(second_dataset):
    # the same exercise on another dataset is that dataset's number, not the sample's
    other = solution("bounce-pooled", data_dir=second_dataset)
    sessions = pd.read_csv(second_dataset / "sessions.csv.gz")
    engaged = sessions["engaged"].astype(str).str.lower().isin(["true", "1"])
    assert other == pytest.approx(1 - engaged.mean(), abs=1e-12)
    assert not math.isclose(other, solution("bounce-pooled"), abs_tol=1e-6)
    assert check("bounce-pooled", other, data_dir=second_dataset)
