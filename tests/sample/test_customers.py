"""kpikit.sample.customers: subscriptions, surveys, tickets and shop transactions."""

from __future__ import annotations

import pandas as pd

import kpikit.sample as ks


def test_subscription_quirks(t42):
    s = t42["subscriptions"]
    assert set(s["plan"]) == {"Box Monthly", "Box Annual", "Box Plus Monthly"}
    assert s["subscription_id"].is_unique and 2_800 <= s["customer_id"].nunique() <= 3_000
    assert (s["end"].dropna() >= s.loc[s["end"].notna(), "start"]).all()
    assert set(s.loc[s["interval"] == "year", "plan"]) == {"Box Annual"}
    assert (s.loc[s["plan"] == "Box Annual", "amount"] == 299.0).all()
    # upgrade/downgrade: one subscription ends the day the customer's next one starts
    pairs = s.merge(s, on="customer_id", suffixes=("", "_next"))
    switch = pairs[(pairs["end"] == pairs["start_next"]) & (pairs["plan"] != pairs["plan_next"])]
    assert switch["customer_id"].nunique() >= 50
    # two subscriptions at once
    overlap = pairs[
        (pairs["subscription_id"] < pairs["subscription_id_next"])
        & (pairs["start_next"] < pairs["end"].fillna(pd.Timestamp("2025-07-01")))
        & (pairs["start_next"] > pairs["start"])
    ]
    assert overlap["customer_id"].nunique() >= 50
    # reactivation: a gap of at least 14 days between one subscription's end and the next start
    react = pairs[(pairs["start_next"] - pairs["end"]).dt.days >= 14]
    assert react["customer_id"].nunique() >= 50
    # join and leave within one calendar month
    same = s["end"].notna() & (s["end"].dt.to_period("M") == s["start"].dt.to_period("M"))
    assert same.sum() >= 20


def test_surveys_and_tickets(t42):
    sv, tk = t42["surveys"], t42["tickets"]
    assert sv["respondent_id"].is_unique and set(sv["kind"]) == {"nps", "csat", "ces"}
    for kind, lo, hi in (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7)):
        sc = sv.loc[sv["kind"] == kind, "score"]
        assert sc.between(lo, hi).all() and len(sc) > 200, kind
    assert sv["customer_id"].isin(t42["subscriptions"]["customer_id"]).all()
    assert tk["ticket_id"].is_unique and tk["customer_id"].isin(t42["subscriptions"]["customer_id"]).all()
    assert (tk["first_response_at"].dropna() >= tk.loc[tk["first_response_at"].notna(), "created_at"]).all()
    solved = tk.dropna(subset=["solved_at"])
    assert (solved["solved_at"] >= solved["first_response_at"]).all()
    reo = tk.dropna(subset=["reopened_at", "solved_at"])
    assert len(reo) > 100 and (reo["reopened_at"] < reo["solved_at"]).all()


def test_transactions_are_buy_till_you_die_like(t42):
    tx = t42["transactions"]
    per = tx.groupby("customer_id").size()
    assert len(per) == 4_000
    assert (per == 1).mean() > 0.35 and per.max() >= 15  # many one-off buyers, a few heavy buyers
    assert tx["amount"].gt(0).all() and tx["channel"].isin(ks.CHANNELS).all()
    assert (tx.groupby("customer_id")["channel"].nunique() == 1).all()
