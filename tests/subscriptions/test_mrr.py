"""kpikit.subscriptions.mrr: MRR, ARPA, the MRR bridge, MRR churn and the quick ratio (bridge property on random histories)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit import subscriptions as ks
from tests.subscriptions.scenario import AS_OF, frame


def test_mrr_movements_every_kind(subs):
    m = ks.mrr_movements(subs, as_of=AS_OF, money="cents")
    assert m["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    cols = ["mrr_start", "new", "expansion", "contraction", "churn", "reactivation", "mrr_end"]
    got = (m[cols] // 100).values.tolist()
    assert got == [
        [0, 235, 0, 0, 0, 0, 235],  # new: 20 + 45 + 10 + 10 + 50 + 100
        [235, 0, 2, 0, 60, 0, 177],  # c4 10 -> 12; churn c3 10 + c5 50
        [177, 0, 0, 15, 0, 40, 202],  # c2 drops one of two subs (contraction); c5 returns
        [202, 0, 0, 40, 0, 0, 162],  # c7 annual 100/month -> monthly 60
    ]
    assert m["customers_start"].tolist() == [0, 6, 4, 5]
    assert m["customers_end"].tolist() == [6, 4, 5, 5]


def test_mrr_movements_decimal_is_exact_and_default(subs):
    m = ks.mrr_movements(subs, as_of=AS_OF)
    assert isinstance(m["mrr_end"].iloc[1], Decimal)
    assert m["mrr_end"].iloc[1] == Decimal("177.00")
    lhs = m["mrr_start"] + m["new"] + m["expansion"] + m["reactivation"] - m["contraction"] - m["churn"]
    assert (lhs == m["mrr_end"]).all()
    f = ks.mrr_movements(subs, as_of=AS_OF, money="float")
    assert f["churn"].tolist() == [0.0, 60.0, 0.0, 0.0]


def test_mrr_movements_by_customer_audit_trail(subs):
    t = ks.mrr_movements(subs, as_of=AS_OF, money="cents", by_customer=True)
    feb = t[t["period"] == "2025-02-01"].set_index("customer_id")
    assert feb["movement"].to_dict() == {"c3": "churn", "c4": "expansion", "c5": "churn"}
    assert feb["amount"].to_dict() == {"c3": 1000, "c4": 200, "c5": 5000}
    totals = t.groupby(["period", "movement"])["amount"].sum()
    assert totals[(pd.Timestamp("2025-03-01"), "reactivation")] == 4000


def test_quarterly_grain_nets_within_period_changes(subs):
    # Q1: start 0 -> Apr 1: 202, all new (c5 left and came back inside Q1... then Q2 start)
    m = ks.mrr_movements(subs, freq="QS", as_of=AS_OF, money="cents")
    assert (m[["mrr_start", "new", "churn", "contraction", "mrr_end"]] // 100).values.tolist() == [
        [0, 202, 0, 0, 202],
        [202, 0, 0, 40, 162],
    ]


def test_mrr_snapshot_and_arpa(subs):
    m = ks.mrr(subs, as_of=AS_OF, money="cents")
    assert m["mrr"].tolist() == [23500, 17700, 20200, 16200]
    assert m["customers"].tolist() == [6, 4, 5, 5]
    assert m["arpa"].tolist() == pytest.approx([235 / 6, 177 / 4, 202 / 5, 162 / 5])
    start = ks.mrr(subs, at="start", as_of=AS_OF, money="cents")
    assert start["mrr"].tolist() == [0, 23500, 17700, 20200]
    assert ks.arpa(subs, as_of=AS_OF)["arpa"].iloc[1] == pytest.approx(44.25)


def test_mrr_churn_gross_and_net(subs):
    c = ks.mrr_churn(subs, as_of=AS_OF)
    # Feb: gross (60 + 0) / 235, net (60 - 2) / 235; Mar: gross 15 / 177, net (15 - 40) / 177 < 0
    assert c["gross_mrr_churn"].iloc[1] == pytest.approx(60 / 235)
    assert c["net_mrr_churn"].iloc[1] == pytest.approx(58 / 235)
    assert c["gross_mrr_churn"].iloc[2] == pytest.approx(15 / 177)
    assert c["net_mrr_churn"].iloc[2] == pytest.approx(-25 / 177)
    assert np.isnan(c["gross_mrr_churn"].iloc[0])


def test_quick_ratio_reactivation_switch(subs):
    m = ks.mrr_movements(subs, as_of=AS_OF)
    q = ks.quick_ratio(m)
    assert q["quick_ratio"].iloc[1] == pytest.approx(2 / 60)
    assert q["quick_ratio"].iloc[2] == pytest.approx(40 / 15)
    assert ks.quick_ratio(m, reactivation=False)["quick_ratio"].iloc[2] == 0.0
    # Jan: 235 gained, nothing lost: no ratio (missing, never infinite; a report reads "n/a (no losses)")
    assert np.isnan(q["quick_ratio"].iloc[0]) and q["lost"].iloc[0] == 0 and q["gained"].iloc[0] == 235


@st.composite
def histories(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        cust = f"c{draw(st.integers(0, 7))}"
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=draw(st.integers(0, 400)))
        length = draw(st.one_of(st.none(), st.integers(0, 300)))
        end = None if length is None else start + pd.Timedelta(days=length)
        interval = draw(st.sampled_from(["month", "year", "week"]))
        cents = draw(st.integers(0, 500_000))
        rows.append((cust, f"s{i}", draw(st.sampled_from(["A", "B"])), interval, cents / 100, start, end))
    return frame(rows)


@settings(max_examples=30, deadline=None)
@given(histories(), st.sampled_from(["MS", "QS", "W-MON"]))
def test_movements_reconcile_exactly_on_random_histories(df, freq):
    m = ks.mrr_movements(df, freq=freq, money="cents")
    lhs = m["mrr_start"] + m["new"] + m["expansion"] + m["reactivation"] - m["contraction"] - m["churn"]
    assert (lhs == m["mrr_end"]).all()
    assert (m["mrr_start"].iloc[1:].to_numpy() == m["mrr_end"].iloc[:-1].to_numpy()).all()
    d = ks.mrr_movements(df, freq=freq)
    dl = d["mrr_start"] + d["new"] + d["expansion"] + d["reactivation"] - d["contraction"] - d["churn"]
    assert (dl == d["mrr_end"]).all()
    snap = ks.mrr(df, freq=freq, money="cents")
    assert (snap["mrr"].to_numpy() == m["mrr_end"].to_numpy()).all()
    for policy in ("exclude", "include", "ignore"):
        c = ks.customer_churn(df, freq=freq, same_period=policy)
        assert ((c["churned"] <= c["at_risk"]) & (c["churned"] >= 0)).all()
        r = c["churn_rate"].dropna()
        assert ((r >= 0) & (r <= 1)).all()
        assert (
            c["customers_start"] + c["customers_new"] + c["customers_reactivated"] - c["customers_lost"]
            == c["customers_end"]
        ).all()
        assert (c["customers_end"].to_numpy() == m["customers_end"].to_numpy()).all()
