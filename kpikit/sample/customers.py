"""Sample subscribers, transactions, tickets and surveys."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.sample.config import _PLANS, CHANNELS, _Config
from kpikit.sample.draws import _add_months, _codes, _growth_uniform, _pick, _systematic, _ts

__all__ = []


# --------------------------------------------------------------------------------------------
# subscriptions, surveys, tickets
# --------------------------------------------------------------------------------------------
def _customers_box(rng: np.random.Generator, cfg: _Config, n: int = 3_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Subscription customers with latent NPS class and support trouble; returns subs + latent info."""
    obs_end = np.datetime64(cfg.end.date(), "D")
    start = np.datetime64(cfg.start.date(), "D") + np.sort(
        np.floor(_growth_uniform(rng, n) * (cfg.days - 1)).astype(np.int64)
    )
    cust = np.array([f"c-{i:05d}" for i in range(1, n + 1)], dtype=object)
    plan = _pick(rng, tuple(_PLANS), (0.55, 0.20, 0.25), n)
    cls = _pick(rng, ("promoter", "passive", "detractor"), (0.5, 0.3, 0.2), n)
    trouble = _systematic(rng, np.full(n, 0.12))
    m_nps = np.select(
        [cls == "promoter", cls == "detractor"], [cfg.mix("nps_churn", 1.0, 0.65), cfg.mix("nps_churn", 1.0, 1.7)], 1.0
    )
    m_t = np.where(trouble, cfg.mix("ticket_churn", 1.0, 1.8), 1.0)
    mult = m_nps * m_t
    mult = mult / mult.mean()
    h_month = np.where(plan == "Box Plus Monthly", 0.055, 0.06) * mult
    renewal_churn = cfg.mix("plan_churn", 1.0 - (1.0 - 0.065) ** 12, 0.25)
    h_year = np.minimum(0.95, renewal_churn * mult)
    annual = plan == "Box Annual"
    # annual: lapse at the first renewal drawn systematically (the planted rate), later ones geometric
    due = _add_months(start, np.full(n, 12)) <= obs_end
    lapse1 = _systematic(rng, np.where(annual, h_year, 0.0), _codes(annual, due))
    years = np.where(lapse1, 1, 1 + rng.geometric(h_year))
    months = np.where(annual, 12 * years, rng.geometric(np.minimum(h_month, 0.9)))
    # a few annual plans cancelled mid-term
    mid = annual & (rng.random(n) < 0.03)
    months = np.where(mid, months - 12 + rng.integers(1, 12, size=n), months)
    end = _add_months(start, months)
    # join and leave within the same calendar month (monthly plans starting early in a month)
    dom = (start - start.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    quick = ~annual & (dom <= 18) & (rng.random(n) < 0.04)
    end = np.where(quick, start + rng.integers(3, 10, size=n).astype("timedelta64[D]"), end)

    subs = [pd.DataFrame({"customer_id": cust, "plan": plan, "start": start, "end": end})]
    # upgrades / downgrades / switch to annual: first subscription ends, the next starts that day
    months_alive = months
    can = ~quick & ~annual & (months_alive >= 3)
    u = rng.random(n)
    switch_to = np.where(
        (plan == "Box Monthly") & (u < 0.08),
        "Box Plus Monthly",
        np.where(
            (plan == "Box Plus Monthly") & (u < 0.10),
            "Box Monthly",
            np.where((plan == "Box Monthly") & (u > 0.97), "Box Annual", ""),
        ),
    )
    sw = can & (switch_to != "")
    at = _add_months(start, rng.integers(1, np.maximum(months_alive - 1, 2)))
    sw &= at < obs_end
    new_end = np.where(switch_to == "Box Annual", _add_months(at, 12 * rng.geometric(h_year)), end)
    subs[0].loc[sw, "end"] = at[sw]
    subs.append(pd.DataFrame({"customer_id": cust[sw], "plan": switch_to[sw], "start": at[sw], "end": new_end[sw]}))
    # a concurrent second box (a gift) for some customers
    gift = ~quick & (rng.random(n) < 0.05)
    g_start = start + rng.integers(0, 60, size=n).astype("timedelta64[D]")
    gift &= g_start < np.minimum(end, obs_end)
    g_end = _add_months(g_start, rng.geometric(np.minimum(h_month, 0.9)))
    subs.append(
        pd.DataFrame({"customer_id": cust[gift], "plan": "Box Monthly", "start": g_start[gift], "end": g_end[gift]})
    )
    # reactivation after churning
    final_end = np.maximum(np.where(sw, new_end, end), np.where(gift, g_end, end))
    react_start = final_end + rng.integers(20, 180, size=n).astype("timedelta64[D]")
    react = (rng.random(n) < 0.10) & (react_start < obs_end)
    r_end = _add_months(react_start, rng.geometric(np.minimum(h_month, 0.9)))
    subs.append(
        pd.DataFrame(
            {"customer_id": cust[react], "plan": "Box Monthly", "start": react_start[react], "end": r_end[react]}
        )
    )
    s = pd.concat(subs, ignore_index=True)
    s = s[s["start"] < obs_end].copy()
    s["end"] = s["end"].where(s["end"] <= obs_end)  # still active at the end of observation: empty
    s["interval"] = s["plan"].map({p: v[0] for p, v in _PLANS.items()})
    s["amount"] = s["plan"].map({p: v[1] for p, v in _PLANS.items()}).astype(float)
    s["start"] = s["start"].astype("datetime64[ns]")
    s["end"] = s["end"].astype("datetime64[ns]")
    s = s.sort_values(["start", "customer_id", "plan"], kind="mergesort").reset_index(drop=True)
    s.insert(1, "subscription_id", [f"sub-{i:05d}" for i in range(1, len(s) + 1)])
    s = s[["customer_id", "subscription_id", "plan", "interval", "amount", "start", "end"]]
    latent = pd.DataFrame(
        {
            "customer_id": cust,
            "nps_class": cls,
            "trouble": trouble,
            "plan": plan,
            "first_start": start.astype("datetime64[ns]"),
        }
    )
    return s, latent


def _lifetimes(subs: pd.DataFrame, obs_end: pd.Timestamp) -> pd.DataFrame:
    """Customer first start, last end (NaT if active) from subscriptions."""
    active = subs["end"].isna()
    g = subs.assign(_end=subs["end"].fillna(obs_end)).groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "first_start": g["start"].min(),
            "last_end": g["_end"].max(),
            "active": active.groupby(subs["customer_id"]).any(),
        }
    )
    out["churned"] = ~out["active"]
    return out


def _customer_spans(
    cfg: _Config, subs: pd.DataFrame, latent: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.datetime64]:
    """Each latent customer's first start and last end (observation end if active), and that end."""
    life = _lifetimes(subs, cfg.end).reindex(latent["customer_id"])
    t0 = life["first_start"].to_numpy("datetime64[s]")
    t1 = life["last_end"].to_numpy("datetime64[s]")
    return t0, t1, np.datetime64(cfg.end.to_datetime64(), "s")


def _tickets(rng: np.random.Generator, cfg: _Config, subs: pd.DataFrame, latent: pd.DataFrame) -> pd.DataFrame:
    t0, t1, end = _customer_spans(cfg, subs, latent)
    trouble = latent["trouble"].to_numpy(bool)
    span = (t1 - t0).astype(np.int64)
    months = span / (30.44 * 86400)
    k = np.where(trouble, 1 + rng.poisson(0.15 * months), rng.poisson(0.07 * months))
    idx = np.repeat(np.arange(len(latent)), k)
    first_of = np.r_[True, idx[1:] != idx[:-1]] if idx.size else np.zeros(0, bool)
    created = t0[idx] + np.floor(rng.random(idx.size) * np.maximum(span[idx] - 3600, 1)).astype(np.int64).astype(
        "timedelta64[s]"
    )
    tr = trouble[idx]

    def hours(med, sig):
        return (rng.lognormal(np.log(med), sig, size=idx.size) * 3600).astype(np.int64).astype("timedelta64[s]")

    first_resp = created + np.where(tr, hours(6.0, 0.9), hours(2.5, 0.9))
    reopened = (tr & first_of) | (rng.random(idx.size) < 0.02)
    replies = np.where(reopened, 2 + rng.poisson(1.5, size=idx.size), 1 + rng.poisson(np.where(tr, 0.9, 0.4)))
    first_solve = first_resp + hours(6.0, 1.0)
    reopened_at = first_solve + hours(36.0, 0.7)
    solved = np.where(reopened, reopened_at + hours(8.0, 0.8), first_solve)
    nat = np.datetime64("NaT", "s")
    keep = created < end
    tk = pd.DataFrame(
        {
            "customer_id": latent["customer_id"].to_numpy(object)[idx],
            "created_at": created.astype("datetime64[ns]"),
            "first_response_at": np.where(first_resp < end, first_resp, nat).astype("datetime64[ns]"),
            "solved_at": np.where(solved < end, solved, nat).astype("datetime64[ns]"),
            "agent_replies": replies.astype(np.int64),
            "reopened_at": np.where(reopened & (reopened_at < end), reopened_at, nat).astype("datetime64[ns]"),
            "channel": _pick(rng, ("email", "chat", "phone"), (0.55, 0.35, 0.10), idx.size),
        }
    )[keep]
    tk = tk.sort_values(["created_at", "customer_id"], kind="mergesort").reset_index(drop=True)
    tk.insert(0, "ticket_id", [f"T{i:05d}" for i in range(1, len(tk) + 1)])
    return tk


def _surveys(
    rng: np.random.Generator, cfg: _Config, subs: pd.DataFrame, latent: pd.DataFrame, tickets: pd.DataFrame
) -> pd.DataFrame:
    t0, t1, end = _customer_spans(cfg, subs, latent)
    n = len(latent)
    cust = latent["customer_id"].to_numpy(object)
    cls = latent["nps_class"].to_numpy(object)
    parts = []
    for lo, hi, p in ((40, 60, 0.55), (220, 260, 0.35)):  # two NPS waves per customer
        t = t0 + (rng.integers(lo * 86400, hi * 86400, size=n)).astype("timedelta64[s]")
        ok = (t < t1) & (t < end) & (rng.random(n) < p)
        score = np.select(
            [cls == "promoter", cls == "passive"],
            [rng.choice([9, 10], size=n, p=[0.45, 0.55]), rng.choice([7, 8], size=n)],
            rng.choice(7, size=n, p=[0.04, 0.03, 0.05, 0.08, 0.12, 0.25, 0.43]),
        )
        parts.append(pd.DataFrame({"customer_id": cust[ok], "timestamp": t[ok], "kind": "nps", "score": score[ok]}))
    # CSAT and CES after solved tickets
    solved = tickets.dropna(subset=["solved_at"])
    k = len(solved)
    bad = (solved["reopened_at"].notna() | (solved["agent_replies"] >= 3)).to_numpy(bool)
    t = solved["solved_at"].to_numpy("datetime64[s]") + rng.integers(3600, 48 * 3600, size=k).astype("timedelta64[s]")
    csat = np.where(
        bad,
        rng.choice(np.arange(1, 6), size=k, p=[0.25, 0.25, 0.25, 0.15, 0.10]),
        rng.choice(np.arange(1, 6), size=k, p=[0.03, 0.05, 0.12, 0.35, 0.45]),
    )
    ok = (rng.random(k) < 0.40) & (t < end)
    parts.append(
        pd.DataFrame(
            {
                "customer_id": solved["customer_id"].to_numpy(object)[ok],
                "timestamp": t[ok],
                "kind": "csat",
                "score": csat[ok],
            }
        )
    )
    t2 = t + rng.integers(60, 600, size=k).astype("timedelta64[s]")
    ces = np.where(
        bad,
        rng.choice(np.arange(1, 8), size=k, p=[0.2, 0.2, 0.2, 0.15, 0.1, 0.1, 0.05]),
        rng.choice(np.arange(1, 8), size=k, p=[0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.3]),
    )
    ok2 = ok & (rng.random(k) < 0.6) & (t2 < end)
    parts.append(
        pd.DataFrame(
            {
                "customer_id": solved["customer_id"].to_numpy(object)[ok2],
                "timestamp": t2[ok2],
                "kind": "ces",
                "score": ces[ok2],
            }
        )
    )
    sv = pd.concat(parts, ignore_index=True)
    sv["timestamp"] = sv["timestamp"].astype("datetime64[ns]")
    sv["score"] = sv["score"].astype(np.int64)
    sv = sv.sort_values(["timestamp", "customer_id", "kind"], kind="mergesort").reset_index(drop=True)
    sv.insert(0, "respondent_id", [f"R{i:06d}" for i in range(1, len(sv) + 1)])
    return sv[["respondent_id", "customer_id", "timestamp", "kind", "score"]]


# --------------------------------------------------------------------------------------------
# shop transactions (BG/NBD-like buy-till-you-die)
# --------------------------------------------------------------------------------------------
def _transactions(rng: np.random.Generator, cfg: _Config, n: int = 4_000) -> pd.DataFrame:
    ch_p = np.array([0.28, 0.12, 0.15, 0.20, 0.08, 0.10, 0.07])
    ch = rng.choice(7, size=n, p=ch_p)
    ps = ch == CHANNELS.index("Paid Social")
    s = cfg.s("clv_channel")
    # purchase rate per day: Gamma(r, 1/alpha); dropout after each repeat purchase: Beta(a, b)
    lam = rng.gamma(0.9, 1.0 / 110.0, size=n) * np.where(ps, 1.0 - 0.4 * s, 1.0)
    p_a = np.where(ps, 1.0 + 0.5 * s, 1.0)
    p_b = np.where(ps, 3.5 - 1.0 * s, 3.5)
    p_drop = rng.beta(p_a, p_b)
    nu = rng.gamma(4.0, 1.0 / 24.0, size=n) / np.where(ps, 1.0 - 0.25 * s, 1.0)  # spend scale per customer
    horizon = float(cfg.days)
    t = np.sort(rng.random(n)) * (horizon - 30.0)  # first purchase (acquisition), days since start
    cust_idx, times = [np.arange(n)], [t.copy()]
    alive = np.ones(n, dtype=bool)
    cur = t.copy()
    for _ in range(400):  # loop over purchase number, vectorised over customers
        nxt = cur + rng.exponential(1.0, size=n) / lam
        buy = alive & (nxt < horizon)
        if not buy.any():
            break
        cust_idx.append(np.flatnonzero(buy))
        times.append(nxt[buy])
        cur = np.where(buy, nxt, cur)
        alive = buy & (rng.random(n) >= p_drop)
    ci = np.concatenate(cust_idx)
    tt = np.concatenate(times)
    amount = np.maximum(1.0, np.round(rng.gamma(5.0, 1.0, size=ci.size) / nu[ci], 2))
    secs = np.floor(tt * 86400).astype(np.int64)
    tx = pd.DataFrame(
        {
            "customer_id": np.array([f"c-{10001 + i:05d}" for i in range(n)], dtype=object)[ci],
            "timestamp": _ts(secs, cfg.start),
            "amount": amount,
            "channel": np.asarray(CHANNELS, dtype=object)[ch][ci],
        }
    )
    return tx.sort_values(["timestamp", "customer_id"], kind="mergesort").reset_index(drop=True)
