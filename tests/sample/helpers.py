"""Reading a generated sample folder back, and measuring its planted effects with plain pandas.

The effect measures recompute every rate from the tables themselves (independently of
``kpikit.sample.measure_effects``), with thresholds in the tests wide enough for sampling noise and
narrow enough that a missing effect fails.
"""

from __future__ import annotations

import pathlib

import pandas as pd

import kpikit.sample as ks

SPRING = "/landing/spring-sale"


def read_tables(folder: pathlib.Path) -> dict[str, pd.DataFrame]:
    """Read the canonical tables back with plain pandas."""
    dates = {
        "events": ["timestamp"],
        "sessions": ["start"],
        "leads": ["created_at", "lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"],
        "touchpoints": ["timestamp"],
        "spend": ["period"],
        "subscriptions": ["start", "end"],
        "transactions": ["timestamp"],
        "surveys": ["timestamp"],
        "tickets": ["created_at", "first_response_at", "solved_at", "reopened_at"],
        "social": ["date"],
        "benchmarks": [],
    }
    out = {}
    for name, cols in dates.items():
        path = folder / f"{name}.csv.gz"
        if not path.exists():
            path = folder / f"{name}.csv"
        # ids as text: GA4 user_pseudo_id values ("244481062.1704096312") look like numbers
        out[name] = pd.read_csv(
            path,
            parse_dates=cols,
            keep_default_na=False,
            na_values=[""],
            dtype={"variant": str, "user_id": str, "session_id": str},
        )
    out["sessions"]["variant"] = out["sessions"]["variant"].fillna("")
    return out


def file_bytes(folder: pathlib.Path) -> dict[str, bytes]:
    """Every file of a folder by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def bounce(s: pd.DataFrame) -> float:
    return float(1 - s["engaged"].mean())


def web_effects(t):
    s = t["sessions"]
    sp = s[s["landing_page"] == SPRING]
    blog = s["landing_page"].str.startswith("/blog/")
    ab = sp.groupby("variant")["conversions"].apply(lambda c: float((c > 0).mean()))
    return {
        "spring_n": len(sp),
        "mobile": bounce(sp[sp["device"] == "mobile"]),
        "desktop": bounce(sp[sp["device"] == "desktop"]),
        "blog": bounce(s[blog]),
        "site": bounce(s),
        "A": ab["A"],
        "B": ab["B"],
    }


def checkout(t, leak="2025-03-01"):
    e = t["events"]
    bc = e[e["event"] == "begin_checkout"]
    bought = bc["session_id"].isin(e.loc[e["event"] == "purchase", "session_id"])
    after = bc["timestamp"] >= pd.Timestamp(leak)
    return float(bought[~after].mean()), float(bought[after].mean()), int(bc.loc[after, "user_id"].nunique())


def customer_months(subs: pd.DataFrame, end="2025-07-01") -> pd.DataFrame:
    g = subs.assign(_end=subs["end"].fillna(pd.Timestamp(end))).groupby("customer_id")
    active = subs["end"].isna().groupby(subs["customer_id"]).any()  # any subscription still running
    life = pd.DataFrame({"start": g["start"].min(), "end": g["_end"].max(), "churned": ~active})
    life["months"] = (life["end"] - life["start"]).dt.days / 30.4375
    return life


def churn_by(life: pd.DataFrame, mask) -> float:
    return float(life.loc[mask, "churned"].sum() / life.loc[mask, "months"].sum())


def sub_effects(t):
    subs = t["subscriptions"]
    end = pd.Timestamp("2025-07-01")
    monthly = subs["interval"] == "month"
    months = (subs["end"].fillna(end) - subs["start"]).dt.days / 30.4375
    monthly_hazard = float(subs.loc[monthly, "end"].notna().sum() / months[monthly].sum())
    ann = subs[~monthly]
    due = ann[ann["start"] + pd.DateOffset(years=1) <= end]
    lapsed = due["end"].notna() & (due["end"] <= due["start"] + pd.DateOffset(years=1))
    life = customer_months(subs)
    nps = t["surveys"][t["surveys"]["kind"] == "nps"].sort_values("timestamp").groupby("customer_id")["score"].last()
    det = life.index.isin(nps.index[nps <= 6])
    pro = life.index.isin(nps.index[nps >= 9])
    reo = life.index.isin(t["tickets"].loc[t["tickets"]["reopened_at"].notna(), "customer_id"])
    return {
        "monthly": monthly_hazard,
        "annual_renewal": float(lapsed.mean()),
        "annual_due": len(due),
        "nps_ratio": churn_by(life, det) / churn_by(life, pro),
        "reopen_ratio": churn_by(life, reo) / churn_by(life, ~reo),
    }


def social_effects(t, client="Juniper Box"):
    so = t["social"]
    last = so[so["date"] == so["date"].max()].groupby("brand")["followers"].sum()
    eng = so.groupby("brand")[["likes", "comments", "shares"]].sum().sum(axis=1)
    rate = eng / (so["followers"] * so["posts"]).groupby(so["brand"]).sum()
    return last["Alder Crate"] / last[client], rate["Alder Crate"] / rate[client]


def clv_effects(t):
    tx = t["transactions"]
    pc = tx.groupby("customer_id").agg(n=("amount", "size"), spend=("amount", "sum"), ch=("channel", "first"))
    ps = pc["ch"] == "Paid Social"
    return pc.loc[ps, "spend"].mean() / pc.loc[~ps, "spend"].mean(), pc.loc[ps, "n"].mean() / pc.loc[~ps, "n"].mean()


def touch_shares(t):
    tp = t["touchpoints"]
    j = tp[tp["user_id"].isin(tp.loc[tp["converted"], "user_id"])].sort_values(["user_id", "timestamp"])
    first = j.groupby("user_id")["channel"].first().value_counts(normalize=True)
    last = j.groupby("user_id")["channel"].last().value_counts(normalize=True)
    return first.reindex(ks.CHANNELS, fill_value=0), last.reindex(ks.CHANNELS, fill_value=0)
