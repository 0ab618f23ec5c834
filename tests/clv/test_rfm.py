"""Tests of kpikit.clv.rfm: the RFM summary against the published CDNOW summary, by hand, properties, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpikit.clv as clv
from kpikit.errors import KpiDataError, KpiWarning
from tests.clv.common import _tx


def test_rfm_summary_reproduces_published_cdnow_summary(cdnow_summary, cdnow_published):
    ours, pub = cdnow_summary, cdnow_published
    assert len(ours) == 2357
    assert ours.attrs["unit"] == "W"
    assert ours["customer_id"].tolist() == pub["ID"].tolist()
    assert (ours["frequency"].to_numpy() == pub["frequency"].to_numpy()).all()
    assert int((ours["frequency"] > 0).sum()) == 946
    # the published values are rounded to 2 decimals
    for col in ("recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[col].to_numpy(), pub[col].to_numpy(), atol=0.005 + 1e-9, rtol=0)
    # customer 1 (master id 00004): purchases 1997-01-01 (29.33), 01-18 (29.73), 08-02 (14.96) in the
    # window; x = 2, t_x = 213 days / 7 = 30.43, T = 272 / 7 = 38.86, zbar = (29.73 + 14.96) / 2 = 22.345
    row = ours.iloc[0]
    assert row["frequency"] == 2
    assert row["recency"] == pytest.approx(213 / 7)
    assert row["T"] == pytest.approx(272 / 7)
    assert row["monetary_value"] == pytest.approx(22.345)
    assert row["first_value"] == pytest.approx(29.33)


def test_rfm_same_day_single_purchase_and_observation_end():
    tx = _tx(
        [
            ("a", "2024-01-01 09:00", 10, "Email"),
            ("a", "2024-01-01 17:00", 5, "Direct"),  # same day: one purchase period worth 15
            ("a", "2024-01-11 12:00", 20),
            ("a", "2024-01-21 08:00", 40),
            ("b", "2024-01-05 10:00", 8, "Paid Social"),  # single purchase
            ("c", "2024-01-10", 7),
            ("c", "2024-01-31 23:00", 9),  # on the observation end day: counts
            ("c", "2024-02-02", 100),  # after observation end: outside the window
        ]
    )
    s = clv.rfm_summary(tx, observation_end="2024-01-31", keep_first=["channel"])
    s = s.set_index("customer_id")
    # a: periods 01-01, 01-11, 01-21 -> frequency 2, recency 20 days, T = 30 days,
    #    monetary = (20 + 40) / 2 = 30; first period worth 10 + 5 = 15; first channel Email
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value", "first_value"]].tolist() == [
        2,
        20.0,
        30.0,
        30.0,
        15.0,
    ]
    assert s.loc["a", "channel"] == "Email"
    assert s.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01 09:00")
    # b: single purchase -> frequency 0, recency 0, monetary 0, T = 31 - 5 = 26
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0.0, 26.0, 0.0]
    # c: 01-10 and 01-31 -> frequency 1, recency 21, T 21, monetary 9 (02-02 ignored)
    assert s.loc["c", ["frequency", "recency", "T", "monetary_value"]].tolist() == [1, 21.0, 21.0, 9.0]
    assert s["frequency"].dtype == np.int64
    # a missing channel on the first purchase stays missing (not filled from a later row)
    gap = clv.rfm_summary(
        tx.assign(channel=[None, "Direct", "Email", "Email", None, "Referral", "Referral", "Referral"]),
        observation_end="2024-01-31",
        keep_first=["channel"],
    ).set_index("customer_id")
    assert (
        pd.isna(gap.loc["a", "channel"]) and pd.isna(gap.loc["b", "channel"]) and gap.loc["c", "channel"] == "Referral"
    )


def test_rfm_weekly_periods_and_unit_conversion():
    tx = _tx([("a", "2024-01-01", 10), ("a", "2024-01-03", 10), ("a", "2024-01-15", 6)])
    # weeks (Monday-Sunday): 01-01 and 01-03 share a week -> frequency 1, recency 2 weeks
    w = clv.rfm_summary(tx, observation_end="2024-01-29", freq="W")
    assert w[["frequency", "recency", "T", "monetary_value"]].iloc[0].tolist() == [1, 2.0, 4.0, 6.0]
    assert w.attrs["unit"] == "W"
    # days, expressed in weeks: recency 14 / 7 = 2, T 28 / 7 = 4, frequency 2 (distinct days)
    d = clv.rfm_summary(tx, observation_end="2024-01-29", freq="D", unit="W")
    assert d[["frequency", "recency", "T"]].iloc[0].tolist() == [2, 2.0, 4.0]
    with pytest.raises(KpiDataError, match="fixed-length"):
        clv.rfm_summary(tx, freq="M", unit="W")


def test_calibration_holdout_by_hand():
    tx = _tx(
        [
            ("a", "2024-01-01", 10),
            ("a", "2024-01-11", 20),
            ("a", "2024-02-05", 30),
            ("a", "2024-02-05", 6),
            ("a", "2024-02-20", 12),
            ("b", "2024-01-20", 5),
            ("n", "2024-02-10", 50),  # first seen in the holdout: not part of the validation
        ]
    )
    ch = clv.calibration_holdout(tx, "2024-01-31", "2024-02-29").set_index("customer_id")
    assert list(ch.index) == ["a", "b"]
    # a: calibration 01-01, 01-11 -> frequency 1, recency 10, T 30; holdout days 02-05 (36), 02-20 (12)
    assert ch.loc["a", ["frequency", "recency", "T"]].tolist() == [1, 10.0, 30.0]
    assert ch.loc["a", ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]].tolist() == [2, 24.0, 29.0]
    assert ch.loc["b", ["frequency_holdout", "monetary_value_holdout"]].tolist() == [0, 0.0]
    assert ch.attrs["new_in_holdout"] == 1
    with pytest.raises(KpiDataError, match="before observation_end"):
        clv.calibration_holdout(tx, "2024-02-29", "2024-02-29")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 90), st.floats(1, 500)), min_size=1, max_size=40))
def test_rfm_summary_invariants(rows):
    tx = pd.DataFrame(
        {
            "customer_id": [f"c{c}" for c, _, _ in rows],
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta([d for _, d, _ in rows], unit="D"),
            "amount": [a for _, _, a in rows],
        }
    )
    s = clv.rfm_summary(tx, observation_end="2024-04-30")
    assert len(s) == tx["customer_id"].nunique()
    assert (s["recency"] <= s["T"]).all() and (s["recency"] >= 0).all()
    assert ((s["frequency"] == 0) == (s["recency"] == 0)).all()
    assert ((s["frequency"] == 0) <= (s["monetary_value"] == 0)).all()
    # revenue reconciles: first periods + repeat periods = all amounts
    total = (s["first_value"] + s["monetary_value"] * s["frequency"]).sum()
    assert total == pytest.approx(tx["amount"].sum())


def test_bad_transactions_are_named():
    good = _tx([("a", "2024-01-01", 10), ("a", "2024-01-05", 20)])
    with pytest.raises(KpiDataError, match=r"missing column\(s\) 'amount'"):
        clv.rfm_summary(good.drop(columns="amount"))
    with pytest.raises(KpiDataError, match=r"column 'amount': 1 negative amount\(s\) \(row 2\)"):
        clv.rfm_summary(good.assign(amount=[10.0, -5.0]))
    with pytest.raises(KpiDataError, match="expected datetime64"):
        clv.rfm_summary(good.assign(timestamp=["2024-01-01", "2024-01-05"]))
    with pytest.raises(KpiDataError, match=r"column 'customer_id': 1 missing value\(s\) \(row 1\)"):
        clv.rfm_summary(good.assign(customer_id=[None, "a"]))
    with pytest.raises(KpiDataError, match="no purchase on or before observation_end"):
        clv.rfm_summary(good, observation_end="2023-01-01")


def test_refunds_are_refused_by_default_and_netted_per_customer_on_request():
    tx = _tx(
        [
            ("a", "2024-01-01", 10),
            ("a", "2024-01-10", 30),
            ("a", "2024-01-20", -35),  # refund without an order: takes the 30 (cancelled), then 5 of the 10
            ("a", "2024-01-25", 5),
            ("b", "2024-01-05", 8),
            ("b", "2024-01-02", -3),  # before b's first purchase: nothing to net against
            ("c", "2024-01-03", 4),
            ("c", "2024-01-03", -1),  # same instant: the purchase comes first, 4 - 1 = 3
        ]
    )
    with pytest.raises(KpiDataError, match=r"3 negative amount\(s\) \(rows 3, 6, 8\).*refunds='net'"):
        clv.rfm_summary(tx, observation_end="2024-01-31")
    with pytest.warns(KpiWarning, match=r"3 refund\(s\) totalling 39\.00 netted.*1 purchase\(s\) refunded in full"):
        s = clv.rfm_summary(tx, observation_end="2024-01-31", refunds="net")
    assert s.attrs["refunds"] == {
        "refunds": 3,
        "refund_amount": 39.0,
        "cancelled_purchases": 1,
        "unmatched_refunds": 1,
        "unmatched_amount": 3.0,
    }
    a, b, c = (s.set_index("customer_id").loc[k] for k in "abc")
    # a: 5 left of the 10 on Jan 1, the 30 of Jan 10 cancelled, the 5 of Jan 25 a repeat purchase
    assert (a["frequency"], a["recency"], a["first_value"], a["monetary_value"]) == (1, 24.0, 5.0, 5.0)
    assert (b["frequency"], b["first_value"]) == (0, 8.0) and (c["frequency"], c["first_value"]) == (0, 3.0)
    # the same netting in the calibration/holdout split and the historical formula (revenue 5 + 5 + 8 + 3)
    with pytest.warns(KpiWarning, match="netted"):
        ch = clv.calibration_holdout(tx, "2024-01-15", "2024-01-31", refunds="net")
    assert ch.attrs["refunds"]["cancelled_purchases"] == 1
    assert ch.set_index("customer_id").loc["a", "frequency_holdout"] == 1
    with pytest.warns(KpiWarning, match="netted"):
        h = clv.historical_clv(tx, refunds="net")
    assert (h["orders"], h["revenue"]) == (4, 21.0)  # four orders left
    with pytest.raises(KpiDataError, match="refunds must be 'refuse' or 'net'"):
        clv.rfm_summary(tx, refunds="drop")


def test_tz_aware_purchase_times_are_converted_to_utc_before_the_day_is_taken():
    # 00:30 on 2 January in Paris (+01:00) is 23:30 on 1 January in UTC: the same day as the 10:00 purchase,
    # so this customer has no repeat purchase (frequency counts distinct later days).
    tx = _tx([("a", "2024-01-01 10:00", 10), ("a", "2024-01-02 00:30", 20), ("b", "2024-01-10 12:00", 5)])
    paris = tx.assign(timestamp=tx["timestamp"].dt.tz_localize("Europe/Paris"))
    s = clv.rfm_summary(paris, freq="D").set_index("customer_id")
    assert s.loc["a", "frequency"] == 0
    assert s.loc["a", "T"] == 9.0  # first purchase 1 Jan (UTC), observation end 10 Jan
    naive = clv.rfm_summary(tx, freq="D").set_index("customer_id")
    assert naive.loc["a", "frequency"] == 1  # read naive (as UTC), 2 January is a second day
