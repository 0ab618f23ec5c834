"""Sample web events and sessions with GA4 semantics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.sample.config import (
    _BLOGS,
    _CHANNEL_SPEC,
    _COUNTRIES,
    _COUNTRY_P,
    _DEVICES,
    _G_BLOG,
    _G_CONTACT,
    _G_HOME,
    _G_PRICING,
    _G_PRODUCT,
    _G_SHOP,
    _G_SPRING,
    _PRODUCTS,
    _SPRING,
    CHANNELS,
    _codes,
    _Config,
    _growth_uniform,
    _pick,
    _systematic,
    _ts,
)

__all__ = []


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
