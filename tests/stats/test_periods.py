"""kpikit.stats.periods: the one period table, every alias of a grain giving the same buckets."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit.errors import KpiDataError
from kpikit.stats.periods import GRAINS, grain, period_code, period_start, periods_per_year, start_alias

TIMES = pd.Series(
    pd.to_datetime(["2024-12-31 23:59", "2025-01-01 00:00", "2025-02-14 10:00", "2025-05-31 00:00", "2025-06-02 00:00"])
)


@pytest.mark.parametrize(
    "aliases, code",
    [
        (("MS", "M", "ME"), "M"),
        (("QS", "Q", "QE"), "Q"),
        (("YS", "Y", "YE", "AS", "A"), "Y"),
        (("W", "W-SUN"), "W"),
        (("D",), "D"),
    ],
)
def test_aliases_of_a_grain_give_one_code_and_the_same_buckets(aliases, code):
    assert {period_code(a) for a in aliases} == {code}
    buckets = {tuple(period_start(TIMES, a)) for a in aliases}
    assert len(buckets) == 1


def test_period_starts_by_hand():
    assert period_start(TIMES, "ME").dt.strftime("%Y-%m-%d").tolist() == [
        "2024-12-01",
        "2025-01-01",
        "2025-02-01",
        "2025-05-01",
        "2025-06-01",
    ]
    assert period_start(TIMES, "QS").dt.strftime("%Y-%m-%d").tolist() == [
        "2024-10-01",
        "2025-01-01",
        "2025-01-01",
        "2025-04-01",
        "2025-04-01",
    ]
    # weeks start on Monday: 2025-06-02 is a Monday, 2025-05-31 a Saturday
    assert period_start(TIMES, "W").dt.strftime("%Y-%m-%d").tolist()[-2:] == ["2025-05-26", "2025-06-02"]
    assert period_start(TIMES, "D").iloc[0] == pd.Timestamp("2024-12-31")


def test_steps_to_the_same_period_a_year_ago():
    assert [periods_per_year(a) for a in ("D", "W", "MS", "QE", "YS")] == [364, 52, 12, 4, 1]
    assert (start_alias("ME"), start_alias("Q"), start_alias("W")) == ("MS", "QS", "W-MON")
    assert grain("QE") is GRAINS["Q"] and grain("QE").name == "quarter"


@pytest.mark.parametrize("bad", ["H", "month", "2MS", None, 3])
def test_unknown_alias_is_refused_with_the_accepted_ones(bad):
    with pytest.raises(KpiDataError, match=r"freq must be a period alias: D, W, W-SUN, MS"):
        period_code(bad)


def test_error_names_the_parameter():
    with pytest.raises(KpiDataError, match="cohort must be a period alias"):
        period_code("fortnight", name="cohort")


def test_mean_lengths_in_days_follow_the_gregorian_year():
    # 365.25 days a year: a month is 30.4375 days, a quarter 91.3125
    assert [GRAINS[c].days for c in "DWMQY"] == [1.0, 7.0, 30.4375, 91.3125, 365.25]
