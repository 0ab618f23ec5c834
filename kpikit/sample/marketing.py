"""Sample leads, touchpoints, spend, social and benchmark rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.benchmark.published import published_benchmarks
from kpikit.sample.config import CHANNELS, _Config
from kpikit.sample.draws import _cumsum_within, _growth_uniform, _pick, _position_in_runs, _systematic, _ts

__all__ = []


# --------------------------------------------------------------------------------------------
# CRM leads, touchpoints, spend
# --------------------------------------------------------------------------------------------
def _leads(rng: np.random.Generator, cfg: _Config, events: pd.DataFrame, total: int = 2_000) -> pd.DataFrame:
    web = events.loc[events["event"] == "generate_lead", ["timestamp", "source", "channel"]]
    n_off = max(0, total - len(web))
    off_ch = _pick(rng, ("Outbound", "Events", "Partners"), (0.5, 0.3, 0.2), n_off)
    off_src = np.where(
        off_ch == "Outbound",
        _pick(rng, ("linkedin-outreach", "cold-email"), (0.6, 0.4), n_off),
        np.where(off_ch == "Events", _pick(rng, ("gift-fair", "trade-show"), (0.5, 0.5), n_off), "corporate-partner"),
    )
    off_t = _ts(np.floor(_growth_uniform(rng, n_off) * cfg.days * 86400), cfg.start)
    leads = pd.DataFrame(
        {
            "created_at": np.concatenate([web["timestamp"].to_numpy("datetime64[ns]"), off_t]),
            "source": np.concatenate([web["source"].to_numpy(object), off_src]),
            "channel": np.concatenate([web["channel"].to_numpy(object), off_ch]),
        }
    )
    leads = leads.sort_values(["created_at", "channel", "source"], kind="mergesort").reset_index(drop=True)
    k = len(leads)
    ch = leads["channel"].to_numpy(object)
    created = leads["created_at"].to_numpy("datetime64[ns]")

    def delay(mean_days):
        return (rng.exponential(mean_days, size=k) * 86400 + 3600).astype(np.int64).astype("timedelta64[s]")

    p_mql = np.select([ch == "Outbound", ch == "Events", ch == "Partners"], [0.45, 0.60, 0.75], 0.65)
    mql = rng.random(k) < p_mql
    sal = mql & (rng.random(k) < 0.70)
    skip = mql & ~sal & (rng.random(k) < 0.08)  # straight to SQL, SAL never recorded
    sql = (sal & (rng.random(k) < 0.60)) | skip
    opp = sql & (rng.random(k) < 0.50)
    won = opp & (rng.random(k) < 0.35)
    t_mql = created + delay(3)
    t_sal = t_mql + delay(2)
    t_sql = np.where(skip, t_mql, t_sal) + delay(5)
    t_opp = t_sql + delay(10)
    t_won = t_opp + delay(20)
    end = np.datetime64(cfg.end.to_datetime64(), "ns")
    nat = np.datetime64("NaT", "ns")

    def stage(reached, t):
        return np.where(reached & (t < end), t, nat).astype("datetime64[ns]")

    mql_at, sal_at, sql_at = stage(mql, t_mql), stage(sal, t_sal), stage(sql, t_sql)
    # a later stage exists only if the earlier ones (other than a skipped SAL) were reached in time
    sql_at = np.where(np.isnat(mql_at) | (~skip & np.isnat(sal_at)), nat, sql_at)
    opp_at = np.where(np.isnat(sql_at), nat, stage(opp, t_opp))
    won_at = np.where(np.isnat(opp_at), nat, stage(won, t_won))
    value = np.where(~np.isnat(won_at), np.round(rng.lognormal(np.log(2400), 0.6, size=k), -1), np.nan)
    leads.insert(0, "lead_id", [f"L{i:05d}" for i in range(1, k + 1)])
    leads["lead_at"] = created
    leads["mql_at"] = mql_at
    leads["sal_at"] = sal_at
    leads["sql_at"] = sql_at
    leads["opportunity_at"] = opp_at
    leads["won_at"] = won_at
    leads["value"] = value
    return leads


def _touchpoints(rng: np.random.Generator, cfg: _Config, user_ids: np.ndarray, n_users: int = 5_000) -> pd.DataFrame:
    n_users = min(n_users, len(user_ids))
    users = np.sort(rng.choice(user_ids, size=n_users, replace=False))
    length = rng.choice(np.arange(1, 7), size=n_users, p=[0.30, 0.22, 0.18, 0.13, 0.10, 0.07])
    conv = _systematic(rng, 0.10 + 0.06 * (length - 1))
    s = cfg.s("attribution")
    ch = np.asarray(CHANNELS, dtype=object)
    #            OrgS  Dir   PaidS PSoc  OSoc  Email Ref
    first = np.array([0.22, 0.06, 0.14, 0.30, 0.12, 0.08, 0.08])
    mid = np.array([0.20, 0.15, 0.15, 0.12, 0.10, 0.20, 0.08])
    close = np.array([0.15, 0.30, 0.15, 0.02, 0.03, 0.30, 0.05])
    noclose = np.array([0.20, 0.10, 0.12, 0.25, 0.15, 0.10, 0.08])
    flat = (first + mid + close + noclose) / 4

    def dist(d):
        d = flat + s * (d - flat)
        return d / d.sum()

    uid = np.repeat(users, length)
    j = np.repeat(length, length)
    pos = _position_in_runs(length)
    last = pos == j - 1
    conv_t = np.repeat(conv, length)
    c = np.empty(j.size, dtype=np.int64)
    for mask, d in (
        (~last & (pos == 0), first),
        (~last & (pos > 0), mid),
        (last & conv_t, close),
        (last & ~conv_t, noclose),
    ):
        c[mask] = rng.choice(7, size=int(mask.sum()), p=dist(d))
    start = np.floor(rng.random(n_users) * (cfg.days - 45) * 86400).astype(np.int64)
    gaps = np.where(pos == 0, 0, np.minimum(rng.exponential(3 * 86400, size=j.size), 7 * 86400)).astype(np.int64)
    t = np.repeat(start, length) + _cumsum_within(gaps, pos == 0)
    converted = last & conv_t
    value = np.where(converted, np.round(15 + rng.gamma(4.0, 11.0, size=j.size), 2), 0.0)
    tp = pd.DataFrame(
        {"user_id": uid, "timestamp": _ts(t, cfg.start), "channel": ch[c], "converted": converted, "value": value}
    )
    return tp.sort_values(["user_id", "timestamp"], kind="mergesort").reset_index(drop=True)


def _spend(rng: np.random.Generator, cfg: _Config) -> pd.DataFrame:
    periods = pd.date_range(cfg.start, periods=cfg.months, freq="MS")
    trend = 1.0 + 0.3 * np.arange(cfg.months) / max(cfg.months - 1, 1)
    lines = [  # channel, category, monthly base cost, grows with the business
        ("Paid Search", "digital", 5500.0, True),
        ("Paid Social", "digital", 4500.0, True),
        ("Referral", "digital", 600.0, True),
        ("Email", "tools", 350.0, False),
        ("Email", "labour", 900.0, False),
        ("Organic Search", "labour", 2500.0, False),
        ("Organic Social", "labour", 1800.0, False),
        ("Organic Social", "tools", 120.0, False),
        ("Outbound", "outbound", 3200.0, False),
        ("Partners", "outbound", 400.0, True),
    ]
    rows = []
    for channel, category, base, grows in lines:
        noise = rng.uniform(0.9, 1.1, size=cfg.months)
        cost = base * noise * (trend if grows else 1.0)
        rows.append(
            pd.DataFrame({"period": periods, "channel": channel, "category": category, "cost": np.round(cost, 2)})
        )
    fair = periods.month.isin([3, 9])  # trade fairs in March and September
    rows.append(
        pd.DataFrame(
            {
                "period": periods[fair],
                "channel": "Events",
                "category": "outbound",
                "cost": np.round(8000.0 * rng.uniform(0.9, 1.1, size=int(fair.sum())), 2),
            }
        )
    )
    spend = pd.concat(rows, ignore_index=True)
    return spend.sort_values(["period", "channel", "category"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# social and benchmarks
# --------------------------------------------------------------------------------------------
def _social(rng: np.random.Generator, cfg: _Config) -> pd.DataFrame:
    weeks = cfg.days // 7
    dates = cfg.start + pd.to_timedelta(7 * np.arange(weeks), unit="D")
    # platform -> followers at start, weekly growth, engagement per follower per post, posts/week,
    #             reach share of followers per post, mentions per week
    plat = {
        "Instagram": (18_000, 0.006, 0.0065, 4.0, 0.22, 12.0),
        "TikTok": (9_000, 0.012, 0.062, 3.0, 0.35, 8.0),
        "Facebook": (12_000, 0.002, 0.0009, 3.0, 0.08, 6.0),
        "LinkedIn": (2_000, 0.004, 0.0060, 1.0, 0.15, 2.0),
    }
    # brand -> follower multiple, engagement multiple, mention multiple
    brands = {
        cfg.client: (1.0, 1.0, 1.0),
        "Alder Crate": (2.6, cfg.mix("social_engagement", 1.0, 0.4), 2.0),
        "Birch & Bloom": (0.6, 1.1, 0.6),
        "Cedar Supply": (1.2, 0.85, 1.1),
    }
    rows = []
    for brand, (fm, em, mm) in brands.items():  # loop over 4 brands x 4 platforms
        for platform, (f0, g, e, posts_w, rshare, ment) in plat.items():
            w = np.arange(weeks)
            followers = np.round(f0 * fm * np.exp(g * w) * np.exp(np.cumsum(rng.normal(0, 0.002, weeks))))
            posts = rng.poisson(posts_w, size=weeks)
            rate = e * em * followers * posts
            likes = rng.poisson(rate * 0.86)
            comments = rng.poisson(rate * 0.09)
            shares = rng.poisson(rate * 0.05)
            reach = np.round(followers * rshare * np.sqrt(posts) * rng.lognormal(0, 0.15, weeks)).astype(np.int64)
            impressions = np.round(reach * rng.uniform(1.4, 1.9, weeks)).astype(np.int64)
            mentions = rng.poisson(ment * mm, size=weeks)
            if brand == cfg.client:
                clicks = rng.binomial(impressions, 0.004).astype(float)
                conversions = rng.binomial(clicks.astype(np.int64), 0.03).astype(float)
            else:  # a competitor's clicks and sales are not observable
                clicks = np.full(weeks, np.nan)
                conversions = np.full(weeks, np.nan)
            rows.append(
                pd.DataFrame(
                    {
                        "date": dates,
                        "platform": platform,
                        "brand": brand,
                        "followers": followers.astype(np.int64),
                        "impressions": impressions,
                        "reach": reach,
                        "likes": likes,
                        "comments": comments,
                        "shares": shares,
                        "mentions": mentions,
                        "clicks": pd.array(clicks, dtype="Int64"),
                        "conversions": pd.array(conversions, dtype="Int64"),
                        "posts": posts,
                    }
                )
            )
    social = pd.concat(rows, ignore_index=True)
    social["date"] = social["date"].astype("datetime64[ns]")
    return social.sort_values(["date", "platform", "brand"], kind="mergesort").reset_index(drop=True)


def _benchmarks() -> pd.DataFrame:
    """Published reference points (rates as fractions): the kit's bundled figures, each with its source and year."""
    out = published_benchmarks()
    out.attrs.clear()
    return out
