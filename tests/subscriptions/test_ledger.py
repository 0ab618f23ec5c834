"""kpikit.subscriptions.ledger: validation of the subscriptions table, the MRR of one subscription, period grains."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import subscriptions as ks
from kpikit.errors import KpiDataError
from tests.subscriptions.scenario import AS_OF, frame


def test_subscription_mrr_rounds_once_per_subscription():
    df = frame(
        [
            ("a", "1", "p", "year", 100.00, "2025-01-01", None),  # 10000 / 12 = 833.33 -> 833
            ("a", "2", "p", "year", 100.06, "2025-01-01", None),  # 10006 / 12 = 833.83 -> 834
            ("b", "3", "p", "year", 0.06, "2025-01-01", None),  # 6 / 12 = 0.5 -> 1 (half up)
            ("b", "4", "p", "month", 19.99, "2025-01-01", None),  # 1999
            ("b", "5", "p", "week", 10.00, "2025-01-01", None),  # 1000 x 52 / 12 = 4333.33 -> 4333
        ]
    )
    assert ks.subscription_mrr(df).tolist() == [833, 834, 1, 1999, 4333]


def test_bad_input_messages(subs):
    bad = subs.copy()
    bad.loc[3, "end"] = pd.Timestamp("2024-12-01")
    with pytest.raises(KpiDataError, match=r"column 'end': 1 rows end before they start \(row 3; first: customer c3"):
        ks.mrr_movements(bad)
    bad = subs.copy()
    bad.loc[0, "interval"] = "monthly"
    with pytest.raises(KpiDataError, match=r"column 'interval'.*'monthly'.*'monthly' -> 'month'"):
        ks.customer_churn(bad)
    bad = subs.copy()
    bad.loc[1, "amount"] = 10.005
    with pytest.raises(KpiDataError, match="fractions of a cent"):
        ks.mrr(bad)
    bad = subs.copy()
    bad.loc[2, "amount"] = -5
    with pytest.raises(KpiDataError, match=r"column 'amount'.*row 2"):
        ks.mrr(bad)
    with pytest.raises(
        KpiDataError,
        match=r"subscriptions: missing column\(s\) 'interval'.*needs customer_id, subscription_id, start, amount, interval",
    ):
        ks.mrr(subs.drop(columns="interval"))
    with pytest.raises(KpiDataError, match="is not a period"):
        ks.renewal_rate(subs, "first quarter")
    with pytest.raises(KpiDataError, match="same_period must be"):
        ks.customer_churn(subs, same_period="stripe")
    dup = pd.concat([subs, subs.iloc[[0]]], ignore_index=True)
    with pytest.raises(KpiDataError, match="share an id"):
        ks.mrr(dup)
    text = subs.assign(start=subs["start"].astype(str))
    with pytest.raises(KpiDataError, match="expected datetimes"):
        ks.mrr(text)


@pytest.mark.parametrize(
    "alias, canonical",
    [("M", "MS"), ("ME", "MS"), ("Q", "QS"), ("QE", "QS"), ("Y", "YS"), ("YE", "YS"), ("A", "YS"), ("W", "W-MON")],
)
def test_every_alias_of_a_grain_gives_the_same_calendar_periods(subs, alias, canonical):
    # the grain is read through kpikit.stats.periods: month-end, quarter-end and year-end aliases
    # bucket into the same calendar periods as their start aliases; "W" weeks start on Monday
    a = ks.customer_churn(subs, freq=alias, as_of=AS_OF)
    b = ks.customer_churn(subs, freq=canonical, as_of=AS_OF)
    pd.testing.assert_frame_equal(a, b)
    assert (
        ks.mrr(subs, freq=alias, as_of=AS_OF)["mrr"].tolist()
        == ks.mrr(subs, freq=canonical, as_of=AS_OF)["mrr"].tolist()
    )


def test_months_are_labelled_by_their_first_day_and_other_offsets_are_kept(subs):
    m = ks.mrr(subs, freq="ME", as_of=AS_OF)
    assert m["period"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]
    # offsets outside the period table are used as written: two-month periods from Jan 1
    two = ks.mrr(subs, freq="2MS", as_of=AS_OF, money="cents")
    assert two["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-03"]
    assert two["mrr"].tolist() == [17700, 16200]  # MRR on Mar 1 and May 1 (see test_mrr_snapshot_and_arpa)
    with pytest.raises(KpiDataError, match="freq must be a pandas offset alias"):
        ks.mrr(subs, freq="monthly")
