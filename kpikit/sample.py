"""Deterministic sample data: 18 months of one fictional online shop with a subscription box.

The business, "Juniper Box" by default, sells one-off products in an online shop and a monthly or
annual subscription box. :func:`generate` writes every canonical table of kpikit (DESIGN.md,
"Canonical tables") plus three client-export files and a README into a folder;
:func:`make_tables` returns the same tables as DataFrames without touching the disk.

Everything comes from one seeded ``numpy.random.Generator``: no wall clock, no hash-order
dependence, rows sorted, fixed float formats, ``"\\n"`` line ends and gzip with ``mtime=0``. The same
seed therefore gives the same bytes (``python -m kpikit.sample OUTDIR --seed 42`` regenerates the
committed ``data/sample``).

Planted effects
---------------
The data hide effects that the notebooks must find (listed with their measured numbers in the
generated README). Each has a name in :data:`EFFECTS`; ``effects=False`` sets them all to their null
value, and a dict such as ``{"checkout_leak": 0.5}`` scales one effect between null (0) and planted (1).

Sampling note
-------------
Where a planted rate matters, the Bernoulli draws use systematic sampling within strata (random
order, then a cumulative sum of the probabilities crossed by one uniform offset; Madow 1949): every
unit keeps its own probability, but the count in each stratum is the rounded sum of the
probabilities. Planted rates are thus hit within one unit for any seed, while which sessions or
customers carry them stays random.

Examples
--------
>>> import kpikit.sample as ks
>>> tables = ks.make_tables(seed=7)  # doctest: +SKIP
>>> sorted(tables)[:3]  # doctest: +SKIP
['benchmarks', 'events', 'leads']
>>> paths = ks.generate("/tmp/juniper", seed=42)  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "EFFECTS",
    "TABLES",
    "EXPORTS",
    "CHANNELS",
    "COMPETITORS",
    "generate",
    "make_tables",
    "measure_effects",
    "main",
]

#: Canonical tables written by :func:`generate`, in this order.
TABLES: tuple[str, ...] = (
    "events", "sessions", "leads", "touchpoints", "spend", "subscriptions", "transactions",
    "surveys", "tickets", "social", "benchmarks",
)

#: Client-export files written beside the canonical tables (name -> file name).
EXPORTS: dict[str, str] = {
    "ga4_bigquery_events": "ga4_bigquery_events.jsonl",
    "ua_landing_pages": "ua_landing_pages.csv",
    "ga4_landing_pages": "ga4_landing_pages.csv",
}

#: The planted effects, each scalable from 0 (absent) to 1 (as planted).
EFFECTS: dict[str, str] = {
    "mobile_bounce_gap": "/landing/spring-sale bounces ~75% on mobile vs ~35% on desktop (GA4)",
    "blog_bounce": "blog pages bounce ~70% (information pages) vs ~35-40% elsewhere",
    "ab_test": "spring-sale variant B converts ~6.3% of sessions vs ~5.0% for A",
    "checkout_leak": "begin_checkout -> purchase falls from ~65% to ~42% from the 4th-last month",
    "plan_churn": "monthly plans churn ~6-7% a month, annual plans ~25% at renewal",
    "nps_churn": "detractors (NPS 0-6) churn at about twice the promoters' monthly rate",
    "ticket_churn": "customers with support trouble (reopened tickets) churn ~1.8x as fast",
    "social_engagement": "Alder Crate: ~2.6x the client's followers, ~0.4x its engagement rate",
    "clv_channel": "Paid Social shop customers buy less often, drop out sooner, spend less",
    "attribution": "Paid Social opens journeys, Email and Direct close them",
}

#: GA4 default channel groups used throughout.
CHANNELS: tuple[str, ...] = (
    "Organic Search", "Direct", "Paid Search", "Paid Social", "Organic Social", "Email", "Referral",
)

COMPETITORS: tuple[str, ...] = ("Alder Crate", "Birch & Bloom", "Cedar Supply")

_SITE = "https://www.juniperbox.example"
_PRODUCTS = ("juniper-classic-box", "herbal-tea-set", "candle-trio", "gift-card")
_BLOGS = (
    "gift-ideas-for-her", "how-to-brew-loose-leaf-tea", "candle-care-guide",
    "subscription-box-vs-one-off",
)
_SPRING = "/landing/spring-sale"
# landing-page groups
_G_HOME, _G_SHOP, _G_PRODUCT, _G_BLOG, _G_CONTACT, _G_PRICING, _G_SPRING = range(7)
_GROUP_NAMES = ("home", "shop", "product", "blog", "contact", "pricing", "spring-sale")
_DEVICES = ("desktop", "mobile", "tablet")
_COUNTRIES = ("United Kingdom", "Ireland", "United States", "Germany", "France", "Netherlands")
_COUNTRY_P = (0.70, 0.08, 0.08, 0.05, 0.04, 0.05)

# channel -> (share of sessions, [(source, medium, weight)], P(device desktop, mobile, tablet),
#             P(landing group home, shop, product, blog, contact, pricing, spring-sale))
_CHANNEL_SPEC = {
    "Organic Search": (0.30, [("google", "organic", 0.85), ("bing", "organic", 0.10),
                              ("duckduckgo", "organic", 0.05)],
                       (0.50, 0.43, 0.07), (0.20, 0.12, 0.25, 0.33, 0.03, 0.07, 0.0)),
    "Direct": (0.18, [("(direct)", "(none)", 1.0)],
               (0.52, 0.40, 0.08), (0.55, 0.15, 0.12, 0.03, 0.07, 0.08, 0.0)),
    "Paid Search": (0.12, [("google", "cpc", 0.85), ("bing", "cpc", 0.15)],
                    (0.47, 0.46, 0.07), (0.10, 0.20, 0.17, 0.0, 0.0, 0.08, 0.45)),
    "Paid Social": (0.12, [("facebook", "paid_social", 0.45), ("instagram", "paid_social", 0.40),
                           ("tiktok", "paid_social", 0.15)],
                    (0.22, 0.72, 0.06), (0.05, 0.12, 0.18, 0.0, 0.0, 0.0, 0.65)),
    "Organic Social": (0.09, [("instagram.com", "referral", 0.5), ("facebook.com", "referral", 0.3),
                              ("tiktok.com", "referral", 0.2)],
                       (0.18, 0.77, 0.05), (0.15, 0.10, 0.25, 0.45, 0.0, 0.05, 0.0)),
    "Email": (0.11, [("newsletter", "email", 1.0)],
              (0.45, 0.47, 0.08), (0.20, 0.30, 0.25, 0.10, 0.02, 0.05, 0.08)),
    "Referral": (0.08, [("giftguide.example.com", "referral", 0.5),
                        ("boxreviews.example.org", "referral", 0.3),
                        ("parentingblog.example.net", "referral", 0.2)],
                 (0.50, 0.43, 0.07), (0.30, 0.15, 0.30, 0.15, 0.03, 0.07, 0.0)),
}

_PLANS = {  # plan -> (interval, amount per interval)
    "Box Monthly": ("month", 29.00),
    "Box Plus Monthly": ("month", 45.00),
    "Box Annual": ("year", 299.00),
}


# --------------------------------------------------------------------------------------------
# configuration and small helpers
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Config:
    seed: int
    client: str
    start: pd.Timestamp
    months: int
    sessions: int
    scale: dict[str, float]

    @property
    def end(self) -> pd.Timestamp:  # exclusive end of observation
        return self.start + pd.DateOffset(months=self.months)

    @property
    def days(self) -> int:
        return int((self.end - self.start).days)

    @property
    def leak_start(self) -> pd.Timestamp:
        return self.end - pd.DateOffset(months=4)

    def s(self, name: str) -> float:
        return self.scale[name]

    def mix(self, name: str, null: float, planted: float) -> float:
        """Interpolate a parameter between its null and planted values by the effect's scale."""
        return null + self.scale[name] * (planted - null)


def _effect_scale(effects: bool | Mapping[str, float]) -> dict[str, float]:
    if effects is True:
        return dict.fromkeys(EFFECTS, 1.0)
    if effects is False:
        return dict.fromkeys(EFFECTS, 0.0)
    if not isinstance(effects, Mapping):
        raise TypeError("effects must be True, False or a dict effect name -> scale (0..1).")
    unknown = sorted(set(effects) - set(EFFECTS))
    if unknown:
        raise ValueError(f"unknown effect(s) {unknown}; known effects: {sorted(EFFECTS)}.")
    scale = dict.fromkeys(EFFECTS, 1.0)
    for name, value in effects.items():
        value = float(value)
        if not 0.0 <= value <= 1.5:
            raise ValueError(f"effect scale for {name!r} must be between 0 and 1.5 (got {value}).")
        scale[name] = value
    return scale


def _systematic(rng: np.random.Generator, p: np.ndarray, strata: np.ndarray | None = None) -> np.ndarray:
    """Bernoulli(p_i) draws whose count per stratum is the rounded sum of p (systematic sampling)."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    n = p.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    order = np.lexsort((rng.random(n), strata))
    ps, st = p[order], strata[order]
    first = np.r_[True, st[1:] != st[:-1]]
    group = np.cumsum(first) - 1
    cs = np.cumsum(ps)
    base = (cs - ps)[first]
    u = rng.random(int(first.sum()))
    hi = cs - base[group] + u[group]
    chosen = np.floor(hi) > np.floor(hi - ps)
    out = np.empty(n, dtype=bool)
    out[order] = chosen
    return out


def _codes(*arrays: np.ndarray) -> np.ndarray:
    """Integer stratum code from several key arrays (deterministic)."""
    code = np.zeros(len(arrays[0]), dtype=np.int64)
    for a in arrays:
        c, uniques = pd.factorize(np.asarray(a), sort=True)
        code = code * (len(uniques) + 1) + c
    return code


def _pick(rng: np.random.Generator, options: Sequence, p: Sequence[float], size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def _growth_uniform(rng: np.random.Generator, size: int, g: float = 0.5) -> np.ndarray:
    """Draws in [0, 1) with density proportional to 1 + g x (a business that grows)."""
    f = rng.random(size)
    return (-1.0 + np.sqrt(1.0 + 2.0 * g * f * (1.0 + g / 2.0))) / g


def _add_months(dates: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Add k calendar months to datetime64[D] dates, clipping the day to the month's length."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    ym = dates.astype("datetime64[M]")
    day = (dates - ym.astype("datetime64[D]")).astype(np.int64)
    new = ym + np.asarray(k, dtype=np.int64)
    length = ((new + 1).astype("datetime64[D]") - new.astype("datetime64[D]")).astype(np.int64)
    return new.astype("datetime64[D]") + np.minimum(day, length - 1)


def _ts(seconds: np.ndarray, origin: pd.Timestamp) -> np.ndarray:
    """Seconds since origin -> datetime64[ns] (whole seconds)."""
    base = np.datetime64(origin.to_datetime64(), "s")
    return (base + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")).astype("datetime64[ns]")


# --------------------------------------------------------------------------------------------
# web: sessions and GA4-like events
# --------------------------------------------------------------------------------------------
def _bounce_targets(cfg: _Config) -> np.ndarray:
    """GA4 bounce rate target per landing group x device (desktop, mobile, tablet)."""
    b = np.empty((7, 3))
    b[_G_HOME] = 0.40
    b[_G_SHOP] = 0.35
    b[_G_PRODUCT] = 0.38
    b[_G_BLOG] = cfg.mix("blog_bounce", 0.40, 0.70)
    b[_G_CONTACT] = 0.30
    b[_G_PRICING] = 0.35
    b[_G_SPRING] = [cfg.mix("mobile_bounce_gap", 0.45, 0.35), cfg.mix("mobile_bounce_gap", 0.45, 0.75),
                    cfg.mix("mobile_bounce_gap", 0.45, 0.55)]
    return b


def _web(rng: np.random.Generator, cfg: _Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = int(cfg.sessions)
    n_users = max(1, int(round(n * 0.6)))
    # every user has one session; the rest go to a pool of returning users (skewed)
    pool = rng.choice(n_users, size=max(1, n_users // 4), replace=False)
    weight = rng.gamma(0.8, size=pool.size)
    user = np.concatenate([np.arange(n_users), rng.choice(pool, size=n - n_users, p=weight / weight.sum())])
    per_user = np.bincount(user, minlength=n_users)
    # distinct days per user: sorted draws + rank (k draws in [0, D - k) plus 0..k-1)
    x = _growth_uniform(rng, n)
    order = np.lexsort((x, user))
    rank = np.empty(n, dtype=np.int64)
    first_of_user = np.r_[True, user[order][1:] != user[order][:-1]]
    start_pos = np.maximum.accumulate(np.where(first_of_user, np.arange(n), 0))
    rank[order] = np.arange(n) - start_pos
    room = cfg.days - per_user[user]
    day = np.floor(x * room).astype(np.int64) + rank
    hour_w = np.array([1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 6, 5], dtype=float)  # 06..21 UTC
    hour = 6 + rng.choice(16, size=n, p=hour_w / hour_w.sum())
    start_s = day * 86400 + hour * 3600 + rng.integers(0, 3600, size=n)
    is_new = rank == 0

    # user attributes: id (GA4 pseudo id), country, usual device
    first_start = np.full(n_users, np.iinfo(np.int64).max)
    np.minimum.at(first_start, user, start_s)
    epoch0 = int(cfg.start.timestamp())
    uid_num = rng.choice(2_000_000_000 - 100_000_000, size=n_users, replace=False) + 100_000_000
    user_ids = pd.Series(uid_num.astype(str)).str.cat((first_start + epoch0).astype(str), sep=".").to_numpy(object)
    user_country = _pick(rng, _COUNTRIES, _COUNTRY_P, n_users)

    # channel: returning sessions lean to Direct and Email
    ch_p = np.array([_CHANNEL_SPEC[c][0] for c in CHANNELS])
    ch_ret = ch_p * np.array([0.8, 1.8, 0.7, 0.6, 0.8, 1.8, 0.7])
    ch = np.where(is_new, rng.choice(7, size=n, p=ch_p / ch_p.sum()),
                  rng.choice(7, size=n, p=ch_ret / ch_ret.sum()))
    source = np.empty(n, dtype=object)
    medium = np.empty(n, dtype=object)
    device = np.empty(n, dtype=np.int64)
    group = np.empty(n, dtype=np.int64)
    for ci, cname in enumerate(CHANNELS):  # loop over 7 channels
        m = ch == ci
        k = int(m.sum())
        _, sm, dev_p, land_p = _CHANNEL_SPEC[cname]
        j = rng.choice(len(sm), size=k, p=np.array([w for *_, w in sm]) / sum(w for *_, w in sm))
        source[m] = np.array([s for s, _, _ in sm], dtype=object)[j]
        medium[m] = np.array([md for _, md, _ in sm], dtype=object)[j]
        device[m] = rng.choice(3, size=k, p=dev_p)
        group[m] = rng.choice(7, size=k, p=np.asarray(land_p) / sum(land_p))
    country = user_country[user]

    landing = np.empty(n, dtype=object)
    landing[group == _G_HOME] = "/"
    landing[group == _G_SHOP] = "/shop"
    landing[group == _G_CONTACT] = "/contact"
    landing[group == _G_PRICING] = "/pricing"
    landing[group == _G_SPRING] = _SPRING
    mp = group == _G_PRODUCT
    landing[mp] = _pick(rng, [f"/product/{s}" for s in _PRODUCTS], (0.4, 0.25, 0.2, 0.15), int(mp.sum()))
    mb = group == _G_BLOG
    landing[mb] = _pick(rng, [f"/blog/{s}" for s in _BLOGS], (0.35, 0.3, 0.2, 0.15), int(mb.sum()))

    spring = group == _G_SPRING
    variant = np.full(n, "", dtype=object)
    variant[spring] = np.where(_systematic(rng, np.full(int(spring.sum()), 0.5)), "B", "A")
    after = start_s >= int((cfg.leak_start - cfg.start).total_seconds())
    period = after.astype(np.int64)

    # --- funnel depth: 1 view_item, 2 add_to_cart, 3 begin_checkout, 4 purchase --------------
    bt = _bounce_targets(cfg)
    b_sess = bt[group, device]
    p1_by_group = np.array([0.25, 0.40, 0.50, 0.05, 0.02, 0.15, 0.0])
    p1 = np.where(spring, 0.5 * (1.0 - b_sess), p1_by_group[group])
    p3 = 0.6
    p4 = np.where(after, cfg.mix("checkout_leak", 0.65, 0.42), 0.65)
    p2 = np.full(n, 0.5)
    targets = {"A": 0.050, "B": cfg.mix("ab_test", 0.050, 0.063)}
    for v, target in targets.items():  # calibrate add_to_cart so each variant converts at target
        m = variant == v
        if m.any():
            p2[m] = min(1.0, target / float(np.mean(p1[m] * p3 * p4[m])))
    vcode = _codes(variant, period)
    d1 = _systematic(rng, p1, _codes(group, device, variant))
    d2 = d1 & _systematic(rng, np.where(d1, p2, 0.0), vcode)
    d3 = d2 & _systematic(rng, np.where(d2, p3, 0.0), vcode)
    d4 = d3 & _systematic(rng, np.where(d3, p4, 0.0), vcode)
    depth = d1.astype(int) + d2 + d3 + d4

    lead_p = np.array([0.015, 0.005, 0.005, 0.012, 0.30, 0.08, 0.0])[group]
    lead = (depth == 0) & _systematic(rng, np.where(depth == 0, lead_p, 0.0), group)
    sign_p = np.array([0.01, 0.005, 0.003, 0.003, 0.0, 0.06, 0.0])[group]
    signup = (depth == 0) & ~lead & _systematic(rng, np.where((depth == 0) & ~lead, sign_p, 0.0), group)

    # --- engaged or bounced: bounced sessions are one page, <= 10 s, no conversion -----------
    plain = (depth == 0) & ~lead & ~signup
    seg = _codes(group, device)
    seg_plain = np.bincount(seg, weights=plain, minlength=seg.max() + 1)
    seg_bounce = np.bincount(seg, weights=b_sess, minlength=seg.max() + 1)  # = target x n
    p_bounce = np.where(plain, seg_bounce[seg] / np.maximum(seg_plain[seg], 1), 0.0)
    bounced = plain & _systematic(rng, p_bounce, seg)

    # browse page views (extra pages before the funnel / form)
    browse = np.zeros(n, dtype=np.int64)
    plain_eng = plain & ~bounced
    single = plain_eng & (rng.random(n) < 0.4)  # engaged by time on one page
    browse[plain_eng & ~single] = 1 + rng.poisson(1.5, size=int((plain_eng & ~single).sum()))
    conv = ~plain
    browse[conv] = rng.poisson(1.0, size=int(conv.sum()))
    prod_landing = group == _G_PRODUCT
    funnel_page = np.where(prod_landing, landing,
                           _pick(rng, [f"/product/{s}" for s in _PRODUCTS], (0.45, 0.25, 0.2, 0.1), n))
    scroll = rng.random(n) < np.where(bounced, 0.3, 0.55)
    ue = ~bounced | (rng.random(n) < 0.6)

    # --- assemble events: one block per slot, then sort by (session, slot, sub) -------------
    blocks = []

    def add(mask, slot, event, page, reps=None):
        idx = np.flatnonzero(mask)
        if reps is not None:
            idx = np.repeat(idx, reps[idx])
            sub = np.arange(idx.size) - np.repeat(np.cumsum(reps[mask]) - reps[mask], reps[mask])
        else:
            sub = np.zeros(idx.size, dtype=np.int64)
        pg = page[idx] if isinstance(page, np.ndarray) else np.full(idx.size, page, dtype=object)
        blocks.append((idx, np.full(idx.size, slot), sub, np.full(idx.size, event, dtype=object), pg))

    everyone = np.ones(n, dtype=bool)
    add(everyone, 1, "session_start", landing)
    add(everyone, 2, "page_view", landing)
    on_landing = prod_landing & d1 & (browse == 0)  # view_item fires on the product landing page
    add(on_landing, 3, "view_item", landing)
    add(scroll, 4, "scroll", landing)
    nb = int(browse.sum())
    browse_pages = np.array(["/", "/shop", "/about", "/pricing"] + [f"/product/{s}" for s in _PRODUCTS]
                            + [f"/blog/{s}" for s in _BLOGS], dtype=object)
    bp = browse_pages[rng.choice(browse_pages.size, size=nb,
                                 p=np.array([3, 4, 1, 1, 3, 2, 2, 1, 1, 1, 1, 1]) / 21)]
    add(browse > 0, 5, "page_view", None, reps=browse)
    blocks[-1] = blocks[-1][:4] + (bp,)
    add(d1 & ~on_landing, 6, "page_view", funnel_page)
    add(d1 & ~on_landing, 7, "view_item", funnel_page)
    add(d2, 8, "add_to_cart", funnel_page)
    add(d3, 9, "page_view", "/checkout")
    add(d3, 10, "begin_checkout", "/checkout")
    add(d4, 11, "page_view", "/checkout/thank-you")
    add(d4, 12, "purchase", "/checkout/thank-you")
    add(lead & ((group != _G_CONTACT) | (browse > 0)), 13, "page_view", "/contact")
    add(lead, 14, "generate_lead", "/contact")
    add(signup, 15, "page_view", "/account/sign-up")
    add(signup, 16, "sign_up", "/account/sign-up")
    add(ue, 17, "user_engagement", np.full(n, None, dtype=object))

    sess = np.concatenate([b[0] for b in blocks])
    slot = np.concatenate([b[1] for b in blocks])
    sub = np.concatenate([b[2] for b in blocks])
    event = np.concatenate([b[3] for b in blocks])
    page = np.concatenate([b[4] for b in blocks])
    o = np.lexsort((sub, slot, sess))
    sess, slot, event, page = sess[o], slot[o], event[o], page[o]
    page = pd.Series(page).ffill().to_numpy(object)  # user_engagement: the page being left
    m = sess.size

    # engagement time (ms) per event after the first page_view; session totals constrained
    median_ms = {"page_view": 12_000, "scroll": 6_000, "view_item": 1_500, "add_to_cart": 15_000,
                 "begin_checkout": 5_000, "purchase": 60_000, "generate_lead": 45_000,
                 "sign_up": 30_000, "user_engagement": 10_000, "session_start": 0}
    med = pd.Series(event).map(median_ms).to_numpy(float)
    raw = med * np.exp(rng.normal(0.0, 0.7, size=m))
    carries = slot > 2
    raw[~carries] = 0.0
    total = np.bincount(sess, weights=raw, minlength=n)
    pv = np.bincount(sess, weights=(event == "page_view"), minlength=n)
    conversions = np.bincount(sess, weights=np.isin(event, ("purchase", "generate_lead")), minlength=n)
    need_time = ~bounced & (conversions == 0) & (pv < 2)
    target = np.where(bounced, rng.uniform(0.0, 9_900.0, size=n),
                      np.where(need_time, 10_600.0 + rng.lognormal(np.log(20_000), 0.8, size=n), total))
    factor = np.where(total > 0, target / np.where(total > 0, total, 1.0), 0.0)
    msec = np.floor(raw * factor[sess]).astype(np.int64)
    idle = rng.geometric(0.15, size=m) - 1
    gap = np.where(carries, np.maximum(1, -(-msec // 1000) + idle), 0)
    first_row = np.r_[True, sess[1:] != sess[:-1]]
    cs = np.cumsum(gap)
    offset = cs - np.maximum.accumulate(np.where(first_row, cs - gap, 0))
    ev_s = start_s[sess] + offset

    value = np.full(m, np.nan)
    buy = event == "purchase"
    spring_buy = spring[sess[buy]]
    value[buy] = np.round(np.where(spring_buy, 18.0, 15.0) + rng.gamma(4.0, 11.0, size=int(buy.sum())), 2)

    # ids: GA4 session key (user_pseudo_id, ga_session_id = session start in epoch seconds)
    ga_sid = start_s + epoch0
    session_ids = pd.Series(user_ids[user]).str.cat(ga_sid.astype(str), sep="-").to_numpy(object)
    ch_names = np.asarray(CHANNELS, dtype=object)
    dev_names = np.asarray(_DEVICES, dtype=object)
    events = pd.DataFrame({
        "user_id": user_ids[user][sess],
        "session_id": session_ids[sess],
        "timestamp": _ts(ev_s, cfg.start),
        "event": event,
        "page": page,
        "source": source[sess],
        "medium": medium[sess],
        "channel": ch_names[ch][sess],
        "device": dev_names[device][sess],
        "country": country[sess],
        "value": value,
        "engagement_time_msec": pd.array(np.where(carries, msec, 0), dtype="Int64"),
    })
    events.loc[~carries, "engagement_time_msec"] = pd.NA
    events["_order"] = np.arange(m)

    # sessions from the events (GA4 rule), plus the session attributes
    eng_s = np.bincount(sess, weights=np.where(carries, msec, 0), minlength=n) / 1000.0
    engaged = (eng_s > 10.0) | (conversions > 0) | (pv >= 2)
    if not np.array_equal(engaged, ~bounced):  # construction invariant
        raise AssertionError("sample generator: engaged flags disagree with the GA4 rule")
    sessions = pd.DataFrame({
        "session_id": session_ids,
        "user_id": user_ids[user],
        "start": _ts(start_s, cfg.start),
        "landing_page": landing,
        "source": source,
        "medium": medium,
        "channel": ch_names[ch],
        "device": dev_names[device],
        "country": country,
        "pageviews": pv.astype(np.int64),
        "engagement_time_s": np.round(eng_s, 3),
        "conversions": conversions.astype(np.int64),
        "engaged": engaged,
        "is_new_user": is_new,
        "variant": variant,
    })
    sessions = sessions.sort_values(["start", "session_id"], kind="mergesort").reset_index(drop=True)
    events = (events.sort_values(["timestamp", "session_id", "_order"], kind="mergesort")
              .drop(columns="_order").reset_index(drop=True))
    return events, sessions


# --------------------------------------------------------------------------------------------
# CRM leads, touchpoints, spend
# --------------------------------------------------------------------------------------------
def _leads(rng: np.random.Generator, cfg: _Config, events: pd.DataFrame, total: int = 2_000) -> pd.DataFrame:
    web = events.loc[events["event"] == "generate_lead", ["timestamp", "source", "channel"]]
    n_off = max(0, total - len(web))
    off_ch = _pick(rng, ("Outbound", "Events", "Partners"), (0.5, 0.3, 0.2), n_off)
    off_src = np.where(off_ch == "Outbound", _pick(rng, ("linkedin-outreach", "cold-email"), (0.6, 0.4), n_off),
                       np.where(off_ch == "Events", _pick(rng, ("gift-fair", "trade-show"), (0.5, 0.5), n_off),
                                "corporate-partner"))
    off_t = _ts(np.floor(_growth_uniform(rng, n_off) * cfg.days * 86400), cfg.start)
    leads = pd.DataFrame({
        "created_at": np.concatenate([web["timestamp"].to_numpy("datetime64[ns]"), off_t]),
        "source": np.concatenate([web["source"].to_numpy(object), off_src]),
        "channel": np.concatenate([web["channel"].to_numpy(object), off_ch]),
    })
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
    pos = np.arange(j.size) - np.repeat(np.cumsum(length) - length, length)
    last = pos == j - 1
    conv_t = np.repeat(conv, length)
    c = np.empty(j.size, dtype=np.int64)
    for mask, d in ((~last & (pos == 0), first), (~last & (pos > 0), mid),
                    (last & conv_t, close), (last & ~conv_t, noclose)):
        c[mask] = rng.choice(7, size=int(mask.sum()), p=dist(d))
    start = np.floor(rng.random(n_users) * (cfg.days - 45) * 86400).astype(np.int64)
    gaps = np.where(pos == 0, 0, np.minimum(rng.exponential(3 * 86400, size=j.size), 7 * 86400)).astype(np.int64)
    cs = np.cumsum(gaps)
    offset = cs - np.repeat(cs[pos == 0] - gaps[pos == 0], length)
    t = np.repeat(start, length) + offset
    converted = last & conv_t
    value = np.where(converted, np.round(15 + rng.gamma(4.0, 11.0, size=j.size), 2), 0.0)
    tp = pd.DataFrame({"user_id": uid, "timestamp": _ts(t, cfg.start), "channel": ch[c],
                       "converted": converted, "value": value})
    return tp.sort_values(["user_id", "timestamp"], kind="mergesort").reset_index(drop=True)


def _spend(rng: np.random.Generator, cfg: _Config) -> pd.DataFrame:
    periods = pd.date_range(cfg.start, periods=cfg.months, freq="MS")
    trend = 1.0 + 0.3 * np.arange(cfg.months) / max(cfg.months - 1, 1)
    lines = [  # channel, category, monthly base cost, grows with the business
        ("Paid Search", "digital", 5500.0, True), ("Paid Social", "digital", 4500.0, True),
        ("Referral", "digital", 600.0, True), ("Email", "tools", 350.0, False),
        ("Email", "labour", 900.0, False), ("Organic Search", "labour", 2500.0, False),
        ("Organic Social", "labour", 1800.0, False), ("Organic Social", "tools", 120.0, False),
        ("Outbound", "outbound", 3200.0, False), ("Partners", "outbound", 400.0, True),
    ]
    rows = []
    for channel, category, base, grows in lines:
        noise = rng.uniform(0.9, 1.1, size=cfg.months)
        cost = base * noise * (trend if grows else 1.0)
        rows.append(pd.DataFrame({"period": periods, "channel": channel, "category": category,
                                  "cost": np.round(cost, 2)}))
    fair = periods.month.isin([3, 9])  # trade fairs in March and September
    rows.append(pd.DataFrame({"period": periods[fair], "channel": "Events", "category": "outbound",
                              "cost": np.round(8000.0 * rng.uniform(0.9, 1.1, size=int(fair.sum())), 2)}))
    spend = pd.concat(rows, ignore_index=True)
    return spend.sort_values(["period", "channel", "category"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# subscriptions, surveys, tickets
# --------------------------------------------------------------------------------------------
def _customers_box(rng: np.random.Generator, cfg: _Config, n: int = 3_000):
    """Subscription customers with latent NPS class and support trouble; returns subs + latent info."""
    start = (np.datetime64(cfg.start.date(), "D")
             + np.sort(np.floor(_growth_uniform(rng, n) * (cfg.days - 1)).astype(np.int64)))
    cust = np.array([f"c-{i:05d}" for i in range(1, n + 1)], dtype=object)
    plan = _pick(rng, tuple(_PLANS), (0.55, 0.20, 0.25), n)
    cls = _pick(rng, ("promoter", "passive", "detractor"), (0.5, 0.3, 0.2), n)
    trouble = _systematic(rng, np.full(n, 0.12))
    m_nps = np.select([cls == "promoter", cls == "detractor"],
                      [cfg.mix("nps_churn", 1.0, 0.65), cfg.mix("nps_churn", 1.0, 1.7)], 1.0)
    m_t = np.where(trouble, cfg.mix("ticket_churn", 1.0, 1.8), 1.0)
    mult = m_nps * m_t
    mult = mult / mult.mean()
    h_month = np.where(plan == "Box Plus Monthly", 0.055, 0.06) * mult
    renewal_churn = cfg.mix("plan_churn", 1.0 - (1.0 - 0.065) ** 12, 0.25)
    h_year = np.minimum(0.95, renewal_churn * mult)
    annual = plan == "Box Annual"
    # annual: lapse at the first renewal drawn systematically (the planted rate), later ones geometric
    due = _add_months(start, np.full(n, 12)) <= np.datetime64(cfg.end.date(), "D")
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

    obs_end = np.datetime64(cfg.end.date(), "D")
    subs = [pd.DataFrame({"customer_id": cust, "plan": plan, "start": start, "end": end})]
    # upgrades / downgrades / switch to annual: first subscription ends, the next starts that day
    months_alive = months
    can = ~quick & ~annual & (months_alive >= 3)
    u = rng.random(n)
    switch_to = np.where((plan == "Box Monthly") & (u < 0.08), "Box Plus Monthly",
                         np.where((plan == "Box Plus Monthly") & (u < 0.10), "Box Monthly",
                                  np.where((plan == "Box Monthly") & (u > 0.97), "Box Annual", "")))
    sw = can & (switch_to != "")
    at = _add_months(start, rng.integers(1, np.maximum(months_alive - 1, 2)))
    sw &= at < obs_end
    new_end = np.where(switch_to == "Box Annual", _add_months(at, 12 * rng.geometric(h_year)), end)
    subs[0].loc[sw, "end"] = at[sw]
    subs.append(pd.DataFrame({"customer_id": cust[sw], "plan": switch_to[sw], "start": at[sw],
                              "end": new_end[sw]}))
    # a concurrent second box (a gift) for some customers
    gift = ~quick & (rng.random(n) < 0.05)
    g_start = start + rng.integers(0, 60, size=n).astype("timedelta64[D]")
    gift &= g_start < np.minimum(end, obs_end)
    g_end = _add_months(g_start, rng.geometric(np.minimum(h_month, 0.9)))
    subs.append(pd.DataFrame({"customer_id": cust[gift], "plan": "Box Monthly", "start": g_start[gift],
                              "end": g_end[gift]}))
    # reactivation after churning
    final_end = np.maximum(np.where(sw, new_end, end), np.where(gift, g_end, end))
    react_start = final_end + rng.integers(20, 180, size=n).astype("timedelta64[D]")
    react = (rng.random(n) < 0.10) & (react_start < obs_end)
    r_end = _add_months(react_start, rng.geometric(np.minimum(h_month, 0.9)))
    subs.append(pd.DataFrame({"customer_id": cust[react], "plan": "Box Monthly",
                              "start": react_start[react], "end": r_end[react]}))
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
    latent = pd.DataFrame({"customer_id": cust, "nps_class": cls, "trouble": trouble, "plan": plan,
                           "first_start": start.astype("datetime64[ns]")})
    return s, latent


def _lifetimes(subs: pd.DataFrame, obs_end: pd.Timestamp) -> pd.DataFrame:
    """Customer first start, last end (NaT if active) from subscriptions."""
    active = subs["end"].isna()
    g = subs.assign(_end=subs["end"].fillna(obs_end)).groupby("customer_id", sort=True)
    out = pd.DataFrame({"first_start": g["start"].min(), "last_end": g["_end"].max(),
                        "active": active.groupby(subs["customer_id"]).any()})
    out["churned"] = ~out["active"]
    return out


def _tickets(rng: np.random.Generator, cfg: _Config, subs: pd.DataFrame, latent: pd.DataFrame) -> pd.DataFrame:
    life = _lifetimes(subs, cfg.end).reindex(latent["customer_id"])
    trouble = latent["trouble"].to_numpy(bool)
    t0 = life["first_start"].to_numpy("datetime64[s]")
    t1 = life["last_end"].to_numpy("datetime64[s]")
    span = (t1 - t0).astype(np.int64)
    months = span / (30.44 * 86400)
    k = np.where(trouble, 1 + rng.poisson(0.15 * months), rng.poisson(0.07 * months))
    idx = np.repeat(np.arange(len(latent)), k)
    first_of = np.r_[True, idx[1:] != idx[:-1]] if idx.size else np.zeros(0, bool)
    created = t0[idx] + np.floor(rng.random(idx.size) * np.maximum(span[idx] - 3600, 1)).astype(np.int64).astype("timedelta64[s]")
    tr = trouble[idx]
    hours = lambda med, sig: (rng.lognormal(np.log(med), sig, size=idx.size) * 3600).astype(np.int64).astype("timedelta64[s]")  # noqa: E731
    first_resp = created + np.where(tr, hours(6.0, 0.9), hours(2.5, 0.9))
    reopened = (tr & first_of) | (rng.random(idx.size) < 0.02)
    replies = np.where(reopened, 2 + rng.poisson(1.5, size=idx.size),
                       1 + rng.poisson(np.where(tr, 0.9, 0.4)))
    first_solve = first_resp + hours(6.0, 1.0)
    reopened_at = first_solve + hours(36.0, 0.7)
    solved = np.where(reopened, reopened_at + hours(8.0, 0.8), first_solve)
    end = np.datetime64(cfg.end.to_datetime64(), "s")
    nat = np.datetime64("NaT", "s")
    keep = created < end
    tk = pd.DataFrame({
        "customer_id": latent["customer_id"].to_numpy(object)[idx],
        "created_at": created.astype("datetime64[ns]"),
        "first_response_at": np.where(first_resp < end, first_resp, nat).astype("datetime64[ns]"),
        "solved_at": np.where(solved < end, solved, nat).astype("datetime64[ns]"),
        "agent_replies": replies.astype(np.int64),
        "reopened_at": np.where(reopened & (reopened_at < end), reopened_at, nat).astype("datetime64[ns]"),
        "channel": _pick(rng, ("email", "chat", "phone"), (0.55, 0.35, 0.10), idx.size),
    })[keep]
    tk = tk.sort_values(["created_at", "customer_id"], kind="mergesort").reset_index(drop=True)
    tk.insert(0, "ticket_id", [f"T{i:05d}" for i in range(1, len(tk) + 1)])
    return tk


def _surveys(rng: np.random.Generator, cfg: _Config, subs: pd.DataFrame, latent: pd.DataFrame,
             tickets: pd.DataFrame) -> pd.DataFrame:
    life = _lifetimes(subs, cfg.end).reindex(latent["customer_id"])
    n = len(latent)
    cust = latent["customer_id"].to_numpy(object)
    cls = latent["nps_class"].to_numpy(object)
    t0 = life["first_start"].to_numpy("datetime64[s]")
    t1 = life["last_end"].to_numpy("datetime64[s]")
    end = np.datetime64(cfg.end.to_datetime64(), "s")
    parts = []
    for lo, hi, p in ((40, 60, 0.55), (220, 260, 0.35)):  # two NPS waves per customer
        t = t0 + (rng.integers(lo * 86400, hi * 86400, size=n)).astype("timedelta64[s]")
        ok = (t < t1) & (t < end) & (rng.random(n) < p)
        score = np.select(
            [cls == "promoter", cls == "passive"],
            [rng.choice([9, 10], size=n, p=[0.45, 0.55]), rng.choice([7, 8], size=n)],
            rng.choice(7, size=n, p=[0.04, 0.03, 0.05, 0.08, 0.12, 0.25, 0.43]),
        )
        parts.append(pd.DataFrame({"customer_id": cust[ok], "timestamp": t[ok], "kind": "nps",
                                   "score": score[ok]}))
    # CSAT and CES after solved tickets
    solved = tickets.dropna(subset=["solved_at"])
    k = len(solved)
    bad = (solved["reopened_at"].notna() | (solved["agent_replies"] >= 3)).to_numpy(bool)
    t = solved["solved_at"].to_numpy("datetime64[s]") + rng.integers(3600, 48 * 3600, size=k).astype("timedelta64[s]")
    csat = np.where(bad, rng.choice(np.arange(1, 6), size=k, p=[0.25, 0.25, 0.25, 0.15, 0.10]),
                    rng.choice(np.arange(1, 6), size=k, p=[0.03, 0.05, 0.12, 0.35, 0.45]))
    ok = (rng.random(k) < 0.40) & (t < end)
    parts.append(pd.DataFrame({"customer_id": solved["customer_id"].to_numpy(object)[ok], "timestamp": t[ok],
                               "kind": "csat", "score": csat[ok]}))
    t2 = t + rng.integers(60, 600, size=k).astype("timedelta64[s]")
    ces = np.where(bad, rng.choice(np.arange(1, 8), size=k, p=[0.2, 0.2, 0.2, 0.15, 0.1, 0.1, 0.05]),
                   rng.choice(np.arange(1, 8), size=k, p=[0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.3]))
    ok2 = ok & (rng.random(k) < 0.6) & (t2 < end)
    parts.append(pd.DataFrame({"customer_id": solved["customer_id"].to_numpy(object)[ok2], "timestamp": t2[ok2],
                               "kind": "ces", "score": ces[ok2]}))
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
    tx = pd.DataFrame({"customer_id": np.array([f"c-{10001 + i:05d}" for i in range(n)], dtype=object)[ci],
                       "timestamp": _ts(secs, cfg.start), "amount": amount,
                       "channel": np.asarray(CHANNELS, dtype=object)[ch][ci]})
    return tx.sort_values(["timestamp", "customer_id"], kind="mergesort").reset_index(drop=True)


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
            rows.append(pd.DataFrame({
                "date": dates, "platform": platform, "brand": brand,
                "followers": followers.astype(np.int64), "impressions": impressions, "reach": reach,
                "likes": likes, "comments": comments, "shares": shares, "mentions": mentions,
                "clicks": pd.array(clicks, dtype="Int64"), "conversions": pd.array(conversions, dtype="Int64"),
                "posts": posts,
            }))
    social = pd.concat(rows, ignore_index=True)
    social["date"] = social["date"].astype("datetime64[ns]")
    return social.sort_values(["date", "platform", "brand"], kind="mergesort").reset_index(drop=True)


def _benchmarks() -> pd.DataFrame:
    """Published reference points (rates as fractions), each row with its source and year.

    The year is left empty where the source does not state one; ``note`` then says so.
    """
    nan = np.nan
    hub = "HubSpot, average bounce rates by site type (compilation published as an infographic)"
    hub_note = ("published as a {} range (p25/p75 hold its ends; value is the range midpoint); "
                "the source states no publication year")
    mc = "Mailchimp, Email Marketing Benchmarks by industry (data last updated October 2019)"
    riq = "Rival IQ, Social Media Industry Benchmark Report"
    rec = "Recurly Research, Churn Rate Benchmarks (recurly.com/research/churn-rate-benchmarks)"
    rec_note = ("monthly churn rate reported for the segment, from a sample of 1,500+ subscription sites "
                "over 19 months; "
                "the page states no publication year")
    rows = [
        # metric, segment, source, p25, p50, p75, value, n, year, unit, note
        ("bounce_rate", "all sites", "Google Analytics Benchmarking Newsletter", nan, nan, nan, 0.47, nan,
         2011, "fraction of sessions", "average across participating sites; Universal Analytics definition"),
        ("bounce_rate", "retail", hub, 0.20, nan, 0.40, 0.30, nan, nan, "fraction of sessions",
         hub_note.format("20-40%")),
        ("bounce_rate", "lead generation", hub, 0.30, nan, 0.50, 0.40, nan, nan, "fraction of sessions",
         hub_note.format("30-50%")),
        ("bounce_rate", "landing pages", hub, 0.70, nan, 0.90, 0.80, nan, nan, "fraction of sessions",
         hub_note.format("70-90%")),
        ("email_open_rate", "all non-labeled accounts", mc, nan, nan, nan, 0.2271, nan, 2019,
         "fraction of delivered emails", "average unique open rate; accounts that set no industry"),
        ("email_click_rate", "all non-labeled accounts", mc, nan, nan, nan, 0.0291, nan, 2019,
         "fraction of delivered emails", "average click rate; accounts that set no industry"),
        ("social_engagement_rate", "TikTok", riq, nan, 0.0569, nan, nan, nan, 2022,
         "engagements per post per follower", "median across industries"),
        ("social_engagement_rate", "Instagram", riq, nan, 0.0047, nan, nan, nan, 2022,
         "engagements per post per follower", "median across industries"),
        ("social_engagement_rate", "Facebook", riq, nan, 0.0006, nan, nan, nan, 2022,
         "engagements per post per follower", "median across industries"),
        ("monthly_churn_rate", "B2B subscriptions", rec, nan, nan, nan, 0.0491, nan, nan,
         "fraction of subscribers per month", rec_note),
        ("monthly_churn_rate", "B2C subscriptions", rec, nan, nan, nan, 0.0677, nan, nan,
         "fraction of subscribers per month", rec_note),
    ]
    cols = ["metric", "segment", "source", "p25", "p50", "p75", "value", "n", "year", "unit", "note"]
    b = pd.DataFrame(rows, columns=cols)
    b["n"] = pd.array(b["n"], dtype="Int64")
    b["year"] = pd.array(b["year"], dtype="Int64")
    return b


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def _config(seed, client, start, months, sessions, effects) -> _Config:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (got {seed!r}).")
    if int(months) < 6:
        raise ValueError(f"months must be at least 6 (got {months!r}): the checkout leak needs 4 months.")
    if int(sessions) < 1_000:
        raise ValueError(f"sessions must be at least 1000 (got {sessions!r}).")
    ts = pd.Timestamp(start)
    if ts != ts.normalize() or ts.tzinfo is not None:
        raise ValueError(f"start must be a naive date such as '2024-01-01' (got {start!r}).")
    return _Config(int(seed), str(client), ts, int(months), int(sessions), _effect_scale(effects))


def _build(cfg: _Config) -> dict[str, pd.DataFrame]:
    # one child generator per table, so that changing one table's code leaves the others unchanged
    names = ("web", "leads", "touchpoints", "spend", "subs", "tickets", "surveys", "transactions", "social")
    rngs = dict(zip(names, (np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(len(names)))))
    events, sessions = _web(rngs["web"], cfg)
    leads = _leads(rngs["leads"], cfg, events)
    touch = _touchpoints(rngs["touchpoints"], cfg, np.sort(sessions["user_id"].unique().astype(object)))
    spend = _spend(rngs["spend"], cfg)
    subs, latent = _customers_box(rngs["subs"], cfg)
    tickets = _tickets(rngs["tickets"], cfg, subs, latent)
    surveys = _surveys(rngs["surveys"], cfg, subs, latent, tickets)
    tx = _transactions(rngs["transactions"], cfg)
    social = _social(rngs["social"], cfg)
    return {
        "events": events, "sessions": sessions, "leads": leads, "touchpoints": touch, "spend": spend,
        "subscriptions": subs, "transactions": tx, "surveys": surveys, "tickets": tickets,
        "social": social, "benchmarks": _benchmarks(),
    }


def make_tables(
    seed: int = 42,
    client: str = "Juniper Box",
    start: str = "2024-01-01",
    months: int = 18,
    sessions: int = 20_000,
    effects: bool | Mapping[str, float] = True,
) -> dict[str, pd.DataFrame]:
    """Build every canonical table of the sample business in memory.

    Same arguments and same content as :func:`generate`, without writing files. Timestamps are
    tz-naive UTC ``datetime64[ns]``; stage, end and reopen times that did not happen are ``NaT``.

    Parameters
    ----------
    seed : int
        Seed of the numpy generator; the same seed gives the same tables.
    client : str
        Name of the business (the client brand in ``social``).
    start : str
        First day of the observation window (a date).
    months : int
        Length of the window in months (at least 6; the checkout leak covers its last 4 months).
    sessions : int
        Number of web sessions (users are about 60% of sessions).
    effects : bool or dict
        ``True``: every effect of :data:`EFFECTS` as planted; ``False``: none; a dict
        ``{effect: scale}`` scales the named effects (0 = absent, 1 = planted), others planted.

    Returns
    -------
    dict of str to DataFrame
        Table name -> frame, for the names in :data:`TABLES`.

    Examples
    --------
    >>> t = make_tables(seed=1, sessions=2_000)  # doctest: +SKIP
    >>> t["sessions"]["engaged"].mean().round(2)  # doctest: +SKIP
    """
    return _build(_config(seed, client, start, months, sessions, effects))


# --------------------------------------------------------------------------------------------
# writing: canonical CSVs, client exports, README
# --------------------------------------------------------------------------------------------
_DATETIME, _DATE = "datetime", "date"
_FORMATS: dict[str, dict[str, str]] = {
    "events": {"timestamp": _DATETIME, "value": "%.2f"},
    "sessions": {"start": _DATETIME, "engagement_time_s": "%.3f"},
    "leads": {c: _DATETIME for c in ("created_at", "lead_at", "mql_at", "sal_at", "sql_at",
                                      "opportunity_at", "won_at")} | {"value": "%.2f"},
    "touchpoints": {"timestamp": _DATETIME, "value": "%.2f"},
    "spend": {"period": _DATE, "cost": "%.2f"},
    "subscriptions": {"start": _DATE, "end": _DATE, "amount": "%.2f"},
    "transactions": {"timestamp": _DATETIME, "amount": "%.2f"},
    "surveys": {"timestamp": _DATETIME},
    "tickets": {c: _DATETIME for c in ("created_at", "first_response_at", "solved_at", "reopened_at")},
    "social": {"date": _DATE},
    "benchmarks": {"p25": "%.4f", "p50": "%.4f", "p75": "%.4f", "value": "%.4f"},
}
_GZIPPED = frozenset({"events", "sessions", "touchpoints"})


def _as_text(df: pd.DataFrame, formats: Mapping[str, str]) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        s = df[col]
        kind = formats.get(col)
        if kind in (_DATETIME, _DATE):
            fmt = "%Y-%m-%d %H:%M:%S" if kind == _DATETIME else "%Y-%m-%d"
            out[col] = s.dt.strftime(fmt).astype(object).where(s.notna(), "")
        elif kind is not None:
            v = s.to_numpy(dtype=float, na_value=np.nan)
            txt = np.char.mod(kind, np.nan_to_num(v)).astype(object)
            txt[np.isnan(v)] = ""
            out[col] = txt
        elif pd.api.types.is_bool_dtype(s):
            out[col] = np.where(s.to_numpy(bool), "true", "false").astype(object)
        else:
            out[col] = s.astype(object).where(s.notna(), "").astype(str).to_numpy(object)
    return pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in out.items()}, columns=df.columns, dtype=object)


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _gzip(data: bytes) -> bytes:
    # mtime=0 and no file name in the header: identical bytes for identical content (same zlib)
    return gzip.compress(data, compresslevel=6, mtime=0)


def _write(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _ua_number(x: float) -> str:
    s = f"{int(round(x)):,}"
    return f'"{s}"' if "," in s else s


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _session_facts(events: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Per session: duration (s), UA single-interaction flag, revenue."""
    interactive = ~events["event"].isin(["session_start", "page_view", "user_engagement", "scroll"])
    g = events.assign(_i=interactive, _rev=events["value"].fillna(0.0)).groupby("session_id", sort=False)
    facts = pd.DataFrame({
        "duration_s": (g["timestamp"].max() - g["timestamp"].min()).dt.total_seconds(),
        "interactions": g["_i"].sum(),
        "revenue": g["_rev"].sum(),
    })
    out = sessions.set_index("session_id").join(facts)
    out["ua_bounce"] = (out["pageviews"] + out["interactions"]) <= 1
    return out.reset_index()


def _ua_landing_pages(events: pd.DataFrame, sessions: pd.DataFrame, cfg: _Config) -> bytes:
    end = cfg.start + pd.DateOffset(months=6)
    s = _session_facts(events, sessions)
    s = s[s["start"] < end]
    g = s.groupby("landing_page", sort=True)
    t = pd.DataFrame({
        "sessions": g.size(), "new": g["is_new_user"].sum(), "bounces": g["ua_bounce"].sum(),
        "pv": g["pageviews"].sum(), "dur": g["duration_s"].sum(), "conv": g["conversions"].sum(),
        "rev": g["revenue"].sum(),
    }).reset_index()
    t = t.sort_values(["sessions", "landing_page"], ascending=[False, True], kind="mergesort")

    def row(label, r):
        n = r["sessions"]
        return ",".join([
            label, _ua_number(n), f"{100 * r['new'] / n:.2f}%", _ua_number(r["new"]),
            f"{100 * r['bounces'] / n:.2f}%", f"{r['pv'] / n:.2f}", _hms(r["dur"] / n),
            f"{100 * r['conv'] / n:.2f}%", _ua_number(r["conv"]), f'"£{r["rev"]:,.2f}"',
        ])

    last = (end - pd.Timedelta(days=1)).strftime("%Y%m%d")
    lines = ["# " + "-" * 40, f"# {cfg.client} - All Web Site Data", "# Landing Pages",
             f"# {cfg.start.strftime('%Y%m%d')}-{last}", "# " + "-" * 40, "",
             "Landing Page,Sessions,% New Sessions,New Users,Bounce Rate,Pages / Session,"
             "Avg. Session Duration,Goal Conversion Rate,Goal Completions,Goal Value"]
    lines += [row(r["landing_page"], r) for _, r in t.iterrows()]  # one row per landing page
    lines.append(row("", t[["sessions", "new", "bounces", "pv", "dur", "conv", "rev"]].sum()))
    lines += ["", "Day Index,Sessions"]
    days = s.groupby(s["start"].dt.normalize()).size()
    days = days.reindex(pd.date_range(cfg.start, end - pd.Timedelta(days=1), freq="D"), fill_value=0)
    lines += [f"{d.month}/{d.day}/{d.strftime('%y')},{_ua_number(v)}" for d, v in days.items()]
    lines.append(f",{_ua_number(days.sum())}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ga4_landing_pages(events: pd.DataFrame, sessions: pd.DataFrame, cfg: _Config) -> bytes:
    s = _session_facts(events, sessions)
    g = s.groupby("landing_page", sort=True)
    t = pd.DataFrame({"sessions": g.size(), "engaged": g["engaged"].sum(),
                      "eng": g["engagement_time_s"].sum(), "conv": g["conversions"].sum(),
                      "rev": g["revenue"].sum()}).reset_index()
    t = t.sort_values(["sessions", "landing_page"], ascending=[False, True], kind="mergesort")

    def row(label, r):
        n = r["sessions"]
        return ",".join([label, str(int(n)), str(int(r["engaged"])), f"{1 - r['engaged'] / n:.6f}",
                         f"{r['eng'] / n:.6f}", str(int(r["conv"])), f"{r['rev']:.2f}"])

    last = (cfg.end - pd.Timedelta(days=1)).strftime("%Y%m%d")
    lines = ["# " + "-" * 40, f"# Account: {cfg.client}", f"# Property: {cfg.client} - GA4",
             "# All Users", f"# Start date: {cfg.start.strftime('%Y%m%d')}", f"# End date: {last}",
             "# " + "-" * 40,
             "Landing page + query string,Sessions,Engaged sessions,Bounce rate,"
             "Average engagement time per session,Key events,Total revenue"]
    lines.append(row("Grand total", t[["sessions", "engaged", "eng", "conv", "rev"]].sum()))
    lines += [row(r["landing_page"], r) for _, r in t.iterrows()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ga4_bigquery_jsonl(rng: np.random.Generator, events: pd.DataFrame, sessions: pd.DataFrame,
                        n_sessions: int = 300) -> bytes:
    """The first sessions as a BigQuery newline-delimited JSON extract (64-bit ints as strings)."""
    first = sessions.iloc[:n_sessions]
    ev = events[events["session_id"].isin(first["session_id"])].reset_index(drop=True)
    sess = first.set_index("session_id")
    # the user's first-touch source (traffic_source) = source of the user's first session overall
    first_touch = sessions.drop_duplicates("user_id").set_index("user_id")[["source", "medium", "channel"]]
    engaged = sess["engaged"].reindex(ev["session_id"]).to_numpy(bool)
    ts_us = (ev["timestamp"].astype("datetime64[s]").astype(np.int64).to_numpy() * 1_000_000
             + rng.integers(0, 1_000_000, size=len(ev)))
    # session_start and the first page_view share one timestamp
    is_first_pv = (ev["event"] == "page_view") & ~ev.duplicated(["session_id", "event"])
    start_us = pd.Series(ts_us).where(ev["event"] == "session_start").groupby(ev["session_id"]).transform("first")
    ts_us = np.where(is_first_pv, start_us.to_numpy(), ts_us).astype(np.int64)
    local_date = (ev["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Europe/London").dt.strftime("%Y%m%d"))
    session_number = sessions.assign(_n=sessions.groupby("user_id").cumcount() + 1).set_index("session_id")["_n"]
    campaign = {"organic": "(organic)", "(none)": "(direct)", "referral": "(referral)", "email": "newsletter",
                "cpc": "spring_sale", "paid_social": "spring_sale"}
    no_sid = int(np.flatnonzero(ev["event"] == "user_engagement")[3])
    dup = int(np.flatnonzero(ev["event"] == "page_view")[10])
    sid_arr = ev["session_id"].str.rsplit("-", n=1).str[1].astype(np.int64).to_numpy()
    number = session_number.reindex(ev["session_id"]).to_numpy(np.int64)
    ft_source = first_touch["source"].reindex(ev["user_id"]).to_numpy(object)
    ft_medium = first_touch["medium"].reindex(ev["user_id"]).to_numpy(object)
    first_pv = is_first_pv.to_numpy(bool)
    dates = local_date.to_numpy(object)
    msec = ev["engagement_time_msec"]
    has_msec = msec.notna().to_numpy(bool)
    msec = msec.fillna(0).astype(np.int64).to_numpy()
    lines = []
    for i, e in enumerate(ev.itertuples(index=False)):  # a few thousand rows: readable over fast
        sid = int(sid_arr[i])
        params = []
        if i != no_sid:
            params.append({"key": "ga_session_id", "value": {"int_value": str(sid)}})
        params.append({"key": "ga_session_number", "value": {"int_value": str(int(number[i]))}})
        params.append({"key": "page_location", "value": {"string_value": _SITE + e.page}})
        if first_pv[i]:
            params.append({"key": "entrances", "value": {"int_value": "1"}})
        if has_msec[i]:
            params.append({"key": "engagement_time_msec", "value": {"int_value": str(int(msec[i]))}})
        later = e.event != "session_start" and not first_pv[i]
        params.append({"key": "session_engaged", "value": {"string_value": "1" if engaged[i] and later else "0"}})
        if e.event == "purchase":
            params.append({"key": "value", "value": {"double_value": float(e.value)}})
            params.append({"key": "currency", "value": {"string_value": "GBP"}})
        obj = {
            "event_date": dates[i],
            "event_timestamp": str(int(ts_us[i])),
            "event_name": e.event,
            "event_params": params,
            "user_pseudo_id": e.user_id,
            "device": {"category": e.device},
            "geo": {"country": e.country},
            "traffic_source": {"name": campaign.get(ft_medium[i], "(referral)"), "medium": ft_medium[i],
                               "source": ft_source[i]},
            "session_traffic_source_last_click": {"cross_channel_campaign": {
                "source": e.source, "medium": e.medium, "default_channel_group": e.channel}},
        }
        if e.event == "purchase":
            obj["ecommerce"] = {"purchase_revenue": float(e.value), "transaction_id": f"T-{sid}"}
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        lines.append(line)
        if i == dup:
            lines.append(line)  # an exact duplicate event, as exports sometimes contain
    return ("\n".join(lines) + "\n").encode("utf-8")


def measure_effects(tables: Mapping[str, pd.DataFrame], leak_start: str | pd.Timestamp | None = None) -> dict[str, float]:
    """Measure the planted effects in a set of sample tables with plain pandas.

    Used for the README and the tests; kpikit's domain modules compute the same quantities with
    intervals. Rates are fractions.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Output of :func:`make_tables`.
    leak_start : date, optional
        First day of the checkout leak; by default four months before the last event's month end.

    Returns
    -------
    dict
        Effect measurements, e.g. ``spring_bounce_mobile``, ``checkout_to_purchase_after``.
    """
    s = tables["sessions"]
    e = tables["events"]
    out: dict[str, float] = {}
    out["sessions"] = float(len(s))
    out["users"] = float(s["user_id"].nunique())
    out["site_bounce"] = float(1 - s["engaged"].mean())
    sp = s[s["landing_page"] == _SPRING]
    out["spring_sessions"] = float(len(sp))
    for d in _DEVICES:
        out[f"spring_bounce_{d}"] = float(1 - sp.loc[sp["device"] == d, "engaged"].mean())
        out[f"spring_sessions_{d}"] = float((sp["device"] == d).sum())
    blog = s["landing_page"].str.startswith("/blog/")
    out["blog_bounce"] = float(1 - s.loc[blog, "engaged"].mean())
    out["other_bounce"] = float(1 - s.loc[~blog & (s["landing_page"] != _SPRING), "engaged"].mean())
    for v in ("A", "B"):
        sv = sp[sp["variant"] == v]
        out[f"ab_sessions_{v}"] = float(len(sv))
        out[f"ab_conversions_{v}"] = float((sv["conversions"] > 0).sum())
        out[f"ab_rate_{v}"] = out[f"ab_conversions_{v}"] / max(len(sv), 1)
    if leak_start is None:
        last = e["timestamp"].max()
        leak_start = (last.to_period("M").to_timestamp() - pd.DateOffset(months=3))
    leak_start = pd.Timestamp(leak_start)
    out["leak_start"] = leak_start.strftime("%Y-%m-%d")  # type: ignore[assignment]
    bc = e[e["event"] == "begin_checkout"][["session_id", "timestamp"]]
    buy = set(e.loc[e["event"] == "purchase", "session_id"])
    bc = bc.assign(bought=bc["session_id"].isin(buy), after=bc["timestamp"] >= leak_start)
    for name, part in (("before", bc[~bc["after"]]), ("after", bc[bc["after"]])):
        out[f"checkout_sessions_{name}"] = float(len(part))
        out[f"checkout_to_purchase_{name}"] = float(part["bought"].mean())
        out[f"checkout_users_{name}"] = float(e[(e["event"] == "begin_checkout")
                                               & ((e["timestamp"] >= leak_start) == (name == "after"))]["user_id"].nunique())
    # subscriptions: monthly hazard by plan type, renewal churn of annual plans
    sub = tables["subscriptions"]
    end = sub["start"].max().to_period("M").to_timestamp() + pd.DateOffset(months=1)
    dur_m = (sub["end"].fillna(end) - sub["start"]).dt.days / 30.4375
    ended = sub["end"].notna()
    monthly = sub["interval"] == "month"
    out["monthly_plan_churn"] = float(ended[monthly].sum() / dur_m[monthly].sum())
    annual = sub[~monthly]
    due = annual["start"] + pd.DateOffset(years=1) <= end
    renewed_due = annual[due]
    lapsed = renewed_due["end"].notna() & (renewed_due["end"] <= renewed_due["start"] + pd.DateOffset(years=1))
    out["annual_first_renewal_churn"] = float(lapsed.mean()) if len(renewed_due) else float("nan")
    out["annual_due_first_renewal"] = float(len(renewed_due))
    # customers: monthly hazard by NPS class (latest answer) and by reopened ticket
    life = _lifetimes(sub, end)
    months = (life["last_end"] - life["first_start"]).dt.days / 30.4375
    nps = tables["surveys"][tables["surveys"]["kind"] == "nps"].groupby("customer_id")["score"].last()
    cls = pd.cut(nps, [-1, 6, 8, 10], labels=["detractor", "passive", "promoter"])
    for c in ("promoter", "passive", "detractor"):
        ids = cls.index[cls == c]
        out[f"churn_{c}"] = float(life.loc[ids, "churned"].sum() / months[ids].sum())
        out[f"customers_{c}"] = float(len(ids))
    out["churn_ratio_detractor_promoter"] = out["churn_detractor"] / out["churn_promoter"]
    reo = set(tables["tickets"].loc[tables["tickets"]["reopened_at"].notna(), "customer_id"])
    r = life.index.isin(list(reo))
    out["churn_reopened"] = float(life.loc[r, "churned"].sum() / months[r].sum())
    out["churn_not_reopened"] = float(life.loc[~r, "churned"].sum() / months[~r].sum())
    out["customers_reopened"] = float(r.sum())
    # social: followers and engagement per post per follower
    so = tables["social"]
    last = so[so["date"] == so["date"].max()].groupby("brand")["followers"].sum()
    eng = so.groupby("brand")[["likes", "comments", "shares"]].sum().sum(axis=1)
    per = (so["followers"] * so["posts"]).groupby(so["brand"]).sum()
    client = [b for b in so["brand"].unique() if b not in COMPETITORS][0]
    for b, key in ((client, "client"), ("Alder Crate", "alder")):
        out[f"followers_{key}"] = float(last[b])
        out[f"engagement_rate_{key}"] = float(eng[b] / per[b])
    # transactions: Paid Social customers vs others
    tx = tables["transactions"]
    pc = tx.groupby("customer_id").agg(n=("amount", "size"), spend=("amount", "sum"), channel=("channel", "first"))
    ps = pc["channel"] == "Paid Social"
    out["tx_customers"] = float(len(pc))
    out["tx_spend_per_customer_paid_social"] = float(pc.loc[ps, "spend"].mean())
    out["tx_spend_per_customer_other"] = float(pc.loc[~ps, "spend"].mean())
    out["tx_orders_per_customer_paid_social"] = float(pc.loc[ps, "n"].mean())
    out["tx_orders_per_customer_other"] = float(pc.loc[~ps, "n"].mean())
    # touchpoints: first vs last touch shares of converting journeys
    tp = tables["touchpoints"]
    conv_users = tp.loc[tp["converted"], "user_id"]
    j = tp[tp["user_id"].isin(conv_users)]
    firsts = j.groupby("user_id")["channel"].first()
    lasts = j.groupby("user_id")["channel"].last()
    for c, key in (("Paid Social", "paid_social"), ("Email", "email"), ("Direct", "direct")):
        out[f"first_touch_share_{key}"] = float((firsts == c).mean())
        out[f"last_touch_share_{key}"] = float((lasts == c).mean())
    return out


def _readme(cfg: _Config, tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
            sizes: Mapping[str, int]) -> bytes:
    m = measure_effects(tables, cfg.leak_start)
    pct = lambda x: f"{100 * x:.1f}%"  # noqa: E731
    seed_note = "" if cfg.seed == 42 else f" (this folder was generated with seed {cfg.seed})"
    effects_note = ("all planted" if all(v == 1.0 for v in cfg.scale.values())
                    else "none (effects=False)" if not any(cfg.scale.values())
                    else "scaled: " + ", ".join(f"{k}={v:g}" for k, v in cfg.scale.items()))
    last_day = (cfg.end - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    default = (cfg.client == "Juniper Box" and cfg.sessions == 20_000 and cfg.months == 18
               and cfg.start == pd.Timestamp("2024-01-01"))
    planted = all(v == 1.0 for v in cfg.scale.values())
    command = f"python -m kpikit.sample {'data/sample' if default and planted else 'OUTDIR'} --seed {cfg.seed}"
    command += f' --client "{cfg.client}"' if cfg.client != "Juniper Box" else ""
    command += f" --sessions {cfg.sessions}" if cfg.sessions != 20_000 else ""
    command += " --no-effects" if not any(cfg.scale.values()) else ""
    if cfg.months != 18 or cfg.start != pd.Timestamp("2024-01-01") or not (planted or not any(cfg.scale.values())):
        command = (f"# in Python: kpikit.sample.generate(OUTDIR, seed={cfg.seed}, client={cfg.client!r}, "
                   f"start={cfg.start.strftime('%Y-%m-%d')!r}, months={cfg.months}, sessions={cfg.sessions}, "
                   f"effects={dict(cfg.scale)!r})")
    L = [
        f"# Sample data: {cfg.client}",
        "",
        f"Synthetic data of one fictional business, **{cfg.client}**: an online shop that also sells a",
        "subscription box (Box Monthly, Box Plus Monthly, Box Annual), observed from "
        f"{cfg.start.strftime('%Y-%m-%d')} to {last_day}.",
        "Every file is generated by `kpikit.sample`; do not edit by hand (a test compares this folder",
        "with a fresh generation).",
        "",
        "Regenerate (byte for byte)" + seed_note + ":",
        "",
        "```",
        command,
        "```",
        "",
        f"Effects: {effects_note}. In Python, `kpikit.sample.make_tables(...)` with the same arguments",
        "returns the same tables as DataFrames; `effects=False` gives the business without the planted",
        "effects.",
        "",
        "## Files",
        "",
        "| file | table | rows | columns |",
        "|---|---|---:|---|",
    ]
    for name in TABLES:
        t = tables[name]
        L.append(f"| {files[name]} | {name} | {len(t):,} | {', '.join(t.columns)} |")
    L += [
        f"| {EXPORTS['ga4_bigquery_events']} | GA4 BigQuery export (first 300 sessions) | {sizes['ga4_bigquery_events']:,} | "
        "one JSON event per line |",
        f"| {EXPORTS['ua_landing_pages']} | Universal Analytics Landing Pages download (first 6 months) | "
        f"{sizes['ua_landing_pages']:,} | Landing Page, Sessions, % New Sessions, New Users, Bounce Rate, "
        "Pages / Session, Avg. Session Duration, Goal Conversion Rate, Goal Completions, Goal Value |",
        f"| {EXPORTS['ga4_landing_pages']} | GA4 Landing page report download (whole period) | "
        f"{sizes['ga4_landing_pages']:,} | Landing page + query string, Sessions, Engaged sessions, Bounce rate, "
        "Average engagement time per session, Key events, Total revenue |",
        "",
        "Rows of the export files are data rows (totals rows excluded).",
        "",
        "## Conventions",
        "",
        "- Timestamps are UTC without a zone, written `YYYY-MM-DD HH:MM:SS`; dates `YYYY-MM-DD`. An empty",
        "  cell is a missing value: a CRM stage not reached, a subscription still active (`end`), a",
        "  ticket never reopened, a competitor's clicks and conversions (not observable).",
        "- Money is in GBP with two decimals. Rates in `benchmarks` are fractions (0.47, not 47%).",
        "- `events` follows GA4: `session_start` and the first `page_view` share a timestamp;",
        "  `engagement_time_msec` is the engagement since the previous report and is empty on",
        "  `session_start` and on the first `page_view`. `user_id` is a GA4-style `user_pseudo_id`;",
        "  `session_id` is `<user_id>-<ga_session_id>` (ga_session_id = session start in epoch seconds).",
        "  Read ids as text: `244481062.1704096312` looks like a number to a CSV reader (kpikit's",
        "  readers do this; with plain pandas pass `dtype={\"user_id\": str}`).",
        "- `sessions` is derived from `events` under the GA4 rules: `engagement_time_s` = sum of",
        "  `engagement_time_msec` / 1000; `pageviews` = page_view events; `conversions` = purchase +",
        "  generate_lead events; `engaged` = engagement_time_s > 10 or conversions > 0 or pageviews >= 2;",
        "  GA4 bounce = not engaged. `variant` (A/B) is set only for sessions landing on",
        f"  {_SPRING}. `is_new_user` marks a user's first session.",
        "- `leads`: `lead_at` equals `created_at`; web leads are the `generate_lead` events (source and",
        "  channel of their session); the others come from Outbound, Events and Partners. Some leads",
        "  skip SAL (`sql_at` set, `sal_at` empty). `value` is the deal value of won leads.",
        "- `touchpoints`: one journey per user (1-6 touches); `converted` is true on the converting",
        "  journey's last touch, which carries the order `value` (0 elsewhere).",
        "- `subscriptions` (customers `c-00001`...): an upgrade, downgrade or switch to annual is one",
        "  subscription ending and the next starting the same day; some customers hold a second box at",
        "  once, some return after churning, some join and leave within one calendar month.",
        "- `transactions` (shop customers `c-10001`...; a separate set of customers): the first row of",
        "  a customer is the acquisition purchase; `channel` is the customer's acquisition channel.",
        "- `surveys`: NPS (0-10) about 40-60 and 220-260 days after a subscriber starts; CSAT (1-5) and",
        "  CES (1-7, 7 = easiest) after solved tickets. `tickets.solved_at` is the final solve; a",
        "  reopened ticket was first solved, reopened at `reopened_at`, then solved again.",
        "- `social`: weekly rows (week starting on `date`) per platform and brand; followers at the",
        "  week's end; engagement = likes + comments + shares.",
        "- `benchmarks`: published reference points only, each row naming its source and year (empty",
        "  where the source states none, said in `note`); HubSpot's ranges sit in p25/p75 with their",
        "  midpoint in `value`.",
        "",
        "## Planted effects (measured on this data with plain pandas)" if planted else
        f"## Effects, {effects_note} (measured on this data with plain pandas; the planted values are absent "
        "or scaled)",
        "",
        f"- **Spring-sale landing page, mobile vs desktop (web):** {int(m['spring_sessions']):,} sessions land on",
        f"  {_SPRING}; GA4 bounce {pct(m['spring_bounce_mobile'])} on mobile "
        f"({int(m['spring_sessions_mobile']):,} sessions) vs {pct(m['spring_bounce_desktop'])} on desktop "
        f"({int(m['spring_sessions_desktop']):,}), tablet {pct(m['spring_bounce_tablet'])}.",
        f"- **Blog pages bounce high but are information pages:** {pct(m['blog_bounce'])} GA4 bounce on "
        f"/blog/* vs {pct(m['other_bounce'])} on the other pages (spring sale excluded). Site-wide GA4 "
        f"bounce: {pct(m['site_bounce'])}.",
        f"- **A/B test on {_SPRING}:** variant B converts {pct(m['ab_rate_B'])} of sessions "
        f"({int(m['ab_conversions_B'])}/{int(m['ab_sessions_B']):,}) vs A {pct(m['ab_rate_A'])} "
        f"({int(m['ab_conversions_A'])}/{int(m['ab_sessions_A']):,}): a modest lift, planted 6.3% vs 5.0%.",
        "- **Checkout leak (funnel session -> view_item -> add_to_cart -> begin_checkout -> purchase):** the",
        f"  begin_checkout -> purchase step converts {pct(m['checkout_to_purchase_before'])} of checkouts before "
        f"{m['leak_start']} ({int(m['checkout_sessions_before']):,} checkout sessions) and "
        f"{pct(m['checkout_to_purchase_after'])} from {m['leak_start']} on "
        f"({int(m['checkout_sessions_after']):,} checkout sessions, {int(m['checkout_users_after']):,} users).",
        f"- **Monthly plans churn faster than annual:** monthly subscriptions end at "
        f"{pct(m['monthly_plan_churn'])} per subscription-month; annual subscriptions due for their first",
        f"  renewal ({int(m['annual_due_first_renewal'])}) lapsed at {pct(m['annual_first_renewal_churn'])} "
        "(planted: 25% at renewal, few mid-term cancellations).",
        "- **Detractors churn about twice as fast as promoters:** customers whose latest NPS answer is 0-6",
        f"  churn at {pct(m['churn_detractor'])} per customer-month ({int(m['customers_detractor'])} customers), "
        f"promoters (9-10) at {pct(m['churn_promoter'])} ({int(m['customers_promoter'])}), passives at "
        f"{pct(m['churn_passive'])}: ratio {m['churn_ratio_detractor_promoter']:.2f}.",
        f"- **Poor support, more churn:** customers with a reopened ticket ({int(m['customers_reopened'])}) "
        f"churn at {pct(m['churn_reopened'])} per customer-month vs {pct(m['churn_not_reopened'])} for the others.",
        f"- **Competitor with more followers, lower engagement (social):** Alder Crate ends with "
        f"{int(m['followers_alder']):,} followers vs {int(m['followers_client']):,} for {cfg.client}, but",
        f"  its engagement per post per follower is {100 * m['engagement_rate_alder']:.2f}% vs "
        f"{100 * m['engagement_rate_client']:.2f}% (all platforms pooled).",
        f"- **CLV by acquisition channel (transactions, BG/NBD-like):** {int(m['tx_customers']):,} shop customers; "
        f"Paid Social customers spend {m['tx_spend_per_customer_paid_social']:.2f} GBP each over the period",
        f"  ({m['tx_orders_per_customer_paid_social']:.2f} orders) vs {m['tx_spend_per_customer_other']:.2f} GBP "
        f"({m['tx_orders_per_customer_other']:.2f} orders) for the other channels.",
        f"- **Attribution (touchpoints):** Paid Social is the first touch of "
        f"{pct(m['first_touch_share_paid_social'])} of converting journeys but the last touch of "
        f"{pct(m['last_touch_share_paid_social'])};",
        f"  Email and Direct are the last touch of {pct(m['last_touch_share_email'])} and "
        f"{pct(m['last_touch_share_direct'])} (first touch {pct(m['first_touch_share_email'])} and "
        f"{pct(m['first_touch_share_direct'])}).",
        "",
        "Generation model: purchases per shop customer follow BG/NBD (Fader, Hardie and Lee 2005):",
        "a Gamma(shape 0.9, rate 110) purchase rate per day, Beta(1, 3.5) dropout after each repeat purchase",
        "(Paid Social: rate x0.6, Beta(1.5, 2.5)); spend per order Gamma(5, nu) with nu ~ Gamma(4, 24) as in",
        "the Gamma-Gamma model (Fader and Hardie 2013), Paid Social orders x0.75.",
        "",
        "## Client export files",
        "",
        f"- `{EXPORTS['ga4_bigquery_events']}`: the first 300 sessions as a GA4 BigQuery newline-delimited",
        "  JSON extract (64-bit integers as strings, `event_date` in Europe/London, microsecond",
        "  `event_timestamp`). Planted quirks: one exact duplicate event (the 11th page_view, written",
        "  twice) and one event without `ga_session_id` (the 4th user_engagement).",
        f"- `{EXPORTS['ua_landing_pages']}`: Universal Analytics Landing Pages download for the first six months",
        "  (comment header, quoted thousands, percentages, HH:MM:SS durations, an unlabelled totals row,",
        "  then a `Day Index,Sessions` section with M/D/YY dates and its own total). UA bounce =",
        "  sessions with a single interaction hit (one page view and no ecommerce/lead/sign-up event).",
        f"- `{EXPORTS['ga4_landing_pages']}`: GA4 landing-page report download for the whole period",
        "  (comment lines, raw numbers, bounce rate as a fraction, engagement time in seconds, a",
        "  `Grand total` row first).",
        "",
        "## Benchmarks: sources",
        "",
    ]
    for r in tables["benchmarks"].itertuples(index=False):
        year = "year not stated" if pd.isna(r.year) else str(r.year)
        L.append(f"- {r.metric} ({r.segment}): {r.source}; {year}.")
    return ("\n".join(L) + "\n").encode("utf-8")


def generate(
    outdir: str | pathlib.Path,
    seed: int = 42,
    client: str = "Juniper Box",
    start: str = "2024-01-01",
    months: int = 18,
    sessions: int = 20_000,
    effects: bool | Mapping[str, float] = True,
) -> dict[str, pathlib.Path]:
    """Write the sample business into ``outdir``, byte for byte reproducibly.

    Writes ``<table>.csv`` for every table of :data:`TABLES` (``<table>.csv.gz`` for the large
    events, sessions and touchpoints tables: gzip with ``mtime=0`` and no file name in the header),
    the client exports of :data:`EXPORTS` and ``README.md`` (files, row counts,
    conventions and the planted effects measured on the data). Existing files of the same names
    are replaced (each written to a temporary name, then renamed); other files are left alone.

    Parameters
    ----------
    outdir : str or Path
        Folder to write (created if missing).
    seed, client, start, months, sessions, effects
        As in :func:`make_tables`.

    Returns
    -------
    dict of str to Path
        Table or export name (and ``"readme"``) -> written file.

    Examples
    --------
    >>> paths = generate("/tmp/sample7", seed=7)  # doctest: +SKIP
    >>> paths["events"].name  # doctest: +SKIP
    'events.csv.gz'
    """
    cfg = _config(seed, client, start, months, sessions, effects)
    tables = _build(cfg)
    out = pathlib.Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, pathlib.Path] = {}
    files: dict[str, str] = {}
    for name in TABLES:
        data = _csv_bytes(_as_text(tables[name], _FORMATS.get(name, {})))
        fname = f"{name}.csv.gz" if name in _GZIPPED else f"{name}.csv"
        if name in _GZIPPED:
            data = _gzip(data)
        _write(out / fname, data)
        paths[name] = out / fname
        files[name] = fname
    export_rng = np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(10)[9])
    exports = {
        "ga4_bigquery_events": _ga4_bigquery_jsonl(export_rng, tables["events"], tables["sessions"]),
        "ua_landing_pages": _ua_landing_pages(tables["events"], tables["sessions"], cfg),
        "ga4_landing_pages": _ga4_landing_pages(tables["events"], tables["sessions"], cfg),
    }
    sizes = {
        "ga4_bigquery_events": exports["ga4_bigquery_events"].count(b"\n"),
        "ua_landing_pages": tables["sessions"].loc[
            tables["sessions"]["start"] < cfg.start + pd.DateOffset(months=6), "landing_page"].nunique(),
        "ga4_landing_pages": tables["sessions"]["landing_page"].nunique(),
    }
    for name, data in exports.items():
        _write(out / EXPORTS[name], data)
        paths[name] = out / EXPORTS[name]
    _write(out / "README.md", _readme(cfg, tables, files, sizes))
    paths["readme"] = out / "README.md"
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m kpikit.sample OUTDIR [--seed N] [--client NAME] [--no-effects]``."""
    parser = argparse.ArgumentParser(
        prog="python -m kpikit.sample",
        description="Write the deterministic kpikit sample data (all canonical tables) into OUTDIR.",
    )
    parser.add_argument("outdir", help="folder to write, e.g. data/sample")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42: the committed data)")
    parser.add_argument("--client", default="Juniper Box", help='business name (default "Juniper Box")')
    parser.add_argument("--sessions", type=int, default=20_000, help="number of web sessions (default 20000)")
    parser.add_argument("--no-effects", action="store_true", help="generate without the planted effects")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error("--seed must be a non-negative integer")
    paths = generate(args.outdir, seed=args.seed, client=args.client, sessions=args.sessions,
                     effects=not args.no_effects)
    for name, path in paths.items():
        print(f"{name:22s} {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
