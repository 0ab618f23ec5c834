"""kpikit.sample.marketing: leads, spend, touchpoints, social and benchmark tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

import kpikit.sample as ks


def test_leads_stages(t42):
    leads = t42["leads"]
    assert len(leads) == 2_000 and leads["lead_id"].is_unique
    stages = ["lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"]
    assert (leads["lead_at"] == leads["created_at"]).all()
    skipped = leads["sql_at"].notna() & leads["sal_at"].isna()
    assert 5 <= skipped.sum() <= 100  # a few leads skip SAL
    for a, b in zip(stages, stages[1:]):
        both = leads[a].notna() & leads[b].notna()
        assert (leads.loc[both, b] >= leads.loc[both, a]).all(), (a, b)
    for later in ("sql_at", "opportunity_at", "won_at"):
        assert leads.loc[leads[later].notna(), "mql_at"].notna().all()
    assert leads.loc[leads["won_at"].notna(), "value"].gt(0).all()
    assert leads.loc[leads["won_at"].isna(), "value"].isna().all()
    web = t42["events"]["event"].eq("generate_lead").sum()
    assert (leads["channel"].isin(ks.CHANNELS)).sum() == web


def test_spend_and_touchpoints(t42):
    sp, tp = t42["spend"], t42["touchpoints"]
    assert set(sp["category"]) == {"digital", "outbound", "labour", "tools"}
    assert (sp["period"].dt.day == 1).all() and sp["period"].nunique() == 18
    assert sp["cost"].gt(0).all()
    assert not sp.duplicated(["period", "channel", "category"]).any()
    n = tp.groupby("user_id").size()
    assert 4_900 <= len(n) <= 5_000 and n.between(1, 6).all()
    assert (tp.groupby("user_id")["converted"].sum() <= 1).all()
    last = tp.sort_values(["user_id", "timestamp"]).groupby("user_id").tail(1)
    assert tp.loc[tp["converted"]].index.isin(last.index).all()  # conversion on the last touch only


def test_social_table(t42):
    so = t42["social"]
    assert set(so["brand"]) == {"Juniper Box", *ks.COMPETITORS}
    assert set(so["platform"]) == {"Instagram", "TikTok", "Facebook", "LinkedIn"}
    assert not so.duplicated(["date", "platform", "brand"]).any()
    assert (so["impressions"] >= so["reach"]).all()
    client = so["brand"] == "Juniper Box"
    assert so.loc[client, ["clicks", "conversions"]].notna().all().all()
    assert so.loc[~client, ["clicks", "conversions"]].isna().all().all()


def test_benchmarks_rows_carry_sources(t42):
    b = t42["benchmarks"]
    assert b["source"].str.len().gt(5).all()
    assert (b["year"].notna() | b["note"].str.contains("no publication year")).all()
    vals = b[["p25", "p50", "p75", "value"]]
    flat = vals.to_numpy().ravel()
    flat = flat[~np.isnan(flat)]
    assert ((flat >= 0) & (flat <= 1)).all()  # fractions, not percentages
    assert (b["p50"].notna() | b["value"].notna()).all()
    rng = b.dropna(subset=["p25", "p75"])
    assert (rng["p25"] <= rng["p75"]).all()
    got = {(r.metric, r.segment): (r.value if pd.notna(r.value) else r.p50) for r in b.itertuples()}
    assert got[("bounce_rate", "all sites")] == 0.47
    assert got[("email_open_rate", "all non-labeled accounts")] == 0.2271
    assert got[("social_engagement_rate", "TikTok")] == 0.0569
    assert got[("monthly_churn_rate", "B2C subscriptions")] == 0.0677
