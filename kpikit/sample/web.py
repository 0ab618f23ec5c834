"""Sample web events and sessions with GA4 semantics.

The sessions are built step by step, in the order the generator draws its random numbers: visits
(which user, when), traffic (channel, source, device, landing page), what each session does (A/B
variant, funnel depth, forms, bounce, extra pages), its GA4 events and their engagement times. The
sessions table is then derived from the events under GA4's engaged-session rule
(:func:`kpikit.web.sessions.is_engaged`), and checked against the bounces the generator planted.
"""

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
    _Config,
)
from kpikit.sample.draws import (
    _codes,
    _cumsum_within,
    _growth_uniform,
    _pick,
    _position_in_runs,
    _systematic,
    _ts,
)
from kpikit.web.sessions import is_engaged

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
    b[_G_SPRING] = [
        cfg.mix("mobile_bounce_gap", 0.45, 0.35),
        cfg.mix("mobile_bounce_gap", 0.45, 0.75),
        cfg.mix("mobile_bounce_gap", 0.45, 0.55),
    ]
    return b


def _web(rng: np.random.Generator, cfg: _Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GA4-like events of ``cfg.sessions`` sessions, and the sessions table derived from them.

    Each helper below draws from ``rng`` in turn: calling them in another order changes every later
    draw, and with it the committed data/sample.
    """
    n = int(cfg.sessions)
    user, rank, start_s = _visits(rng, cfg, n)
    user_ids, user_country = _visitors(rng, cfg, user, start_s)
    is_new = rank == 0
    ch, source, medium, device, group = _traffic(rng, is_new)
    landing = _landing_pages(rng, group)
    spring = group == _G_SPRING
    variant = _ab_variants(rng, spring)
    after = start_s >= int((cfg.leak_start - cfg.start).total_seconds())
    b_sess = _bounce_targets(cfg)[group, device]
    steps = _funnel_steps(rng, cfg, group, device, variant, after, b_sess)
    depth = steps[0].astype(int) + steps[1] + steps[2] + steps[3]
    lead, signup = _forms(rng, group, depth)
    plain = (depth == 0) & ~lead & ~signup
    bounced = _bounces(rng, group, device, b_sess, plain)
    browse, funnel_page, scroll, ue = _pages(rng, landing, group, plain, bounced)
    sess, slot, event, page = _event_rows(rng, landing, group, steps, lead, signup, browse, funnel_page, scroll, ue)
    msec, carries, pv, conversions = _engagement(rng, sess, slot, event, bounced)
    ev_s = start_s[sess] + _event_offsets(rng, sess, msec, carries)
    value = _purchase_values(rng, event, sess, spring)
    cols = _session_columns(cfg, user_ids[user], start_s, landing, source, medium, ch, device, user_country[user])
    events = _events_frame(cfg, cols, sess, ev_s, event, page, value, msec, carries)
    sessions = _sessions_frame(cols, sess, msec, carries, pv, conversions, bounced, is_new, variant)
    return events, sessions


# --- visits and traffic ---------------------------------------------------------------------
def _visits(rng: np.random.Generator, cfg: _Config, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per session: its user, its rank among the user's sessions (0 = first) and its start (s since start)."""
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
    rank[order] = _position_in_runs(per_user)  # sorted by user, every user has a run of sessions
    room = cfg.days - per_user[user]
    day = np.floor(x * room).astype(np.int64) + rank
    hour_w = np.array([1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 6, 5], dtype=float)  # 06..21 UTC
    hour = 6 + rng.choice(16, size=n, p=hour_w / hour_w.sum())
    start_s = day * 86400 + hour * 3600 + rng.integers(0, 3600, size=n)
    return user, rank, start_s


def _visitors(
    rng: np.random.Generator, cfg: _Config, user: np.ndarray, start_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per user: a GA4 user_pseudo_id (``<random>.<first visit in epoch seconds>``) and a country."""
    n_users = int(user.max()) + 1  # users are 0..n_users-1, each with at least one session
    first_start = np.full(n_users, np.iinfo(np.int64).max)
    np.minimum.at(first_start, user, start_s)
    uid_num = rng.choice(2_000_000_000 - 100_000_000, size=n_users, replace=False) + 100_000_000
    user_ids = pd.Series(uid_num.astype(str)).str.cat((first_start + cfg.epoch).astype(str), sep=".").to_numpy(object)
    user_country = _pick(rng, _COUNTRIES, _COUNTRY_P, n_users)
    return user_ids, user_country


def _traffic(rng: np.random.Generator, is_new: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per session: channel code, source, medium, device code and landing-page group."""
    n = is_new.size
    # channel: returning sessions lean to Direct and Email
    ch_p = np.array([_CHANNEL_SPEC[c][0] for c in CHANNELS])
    ch_ret = ch_p * np.array([0.8, 1.8, 0.7, 0.6, 0.8, 1.8, 0.7])
    ch = np.where(is_new, rng.choice(7, size=n, p=ch_p / ch_p.sum()), rng.choice(7, size=n, p=ch_ret / ch_ret.sum()))
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
    return ch, source, medium, device, group


def _landing_pages(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """Landing page per session from its group (one product or blog page drawn within those groups)."""
    landing = np.empty(group.size, dtype=object)
    landing[group == _G_HOME] = "/"
    landing[group == _G_SHOP] = "/shop"
    landing[group == _G_CONTACT] = "/contact"
    landing[group == _G_PRICING] = "/pricing"
    landing[group == _G_SPRING] = _SPRING
    mp = group == _G_PRODUCT
    landing[mp] = _pick(rng, [f"/product/{s}" for s in _PRODUCTS], (0.4, 0.25, 0.2, 0.15), int(mp.sum()))
    mb = group == _G_BLOG
    landing[mb] = _pick(rng, [f"/blog/{s}" for s in _BLOGS], (0.35, 0.3, 0.2, 0.15), int(mb.sum()))
    return landing


def _ab_variants(rng: np.random.Generator, spring: np.ndarray) -> np.ndarray:
    """A/B variant of the spring-sale sessions, half each; empty elsewhere."""
    variant = np.full(spring.size, "", dtype=object)
    variant[spring] = np.where(_systematic(rng, np.full(int(spring.sum()), 0.5)), "B", "A")
    return variant


# --- what each session does -----------------------------------------------------------------
def _funnel_steps(
    rng: np.random.Generator,
    cfg: _Config,
    group: np.ndarray,
    device: np.ndarray,
    variant: np.ndarray,
    after: np.ndarray,
    b_sess: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Funnel steps reached: (view_item, add_to_cart, begin_checkout, purchase) flags per session."""
    n = group.size
    spring = group == _G_SPRING
    period = after.astype(np.int64)
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
    return d1, d2, d3, d4


def _forms(rng: np.random.Generator, group: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lead form and sign-up flags of the sessions that enter no funnel step."""
    lead_p = np.array([0.015, 0.005, 0.005, 0.012, 0.30, 0.08, 0.0])[group]
    lead = (depth == 0) & _systematic(rng, np.where(depth == 0, lead_p, 0.0), group)
    sign_p = np.array([0.01, 0.005, 0.003, 0.003, 0.0, 0.06, 0.0])[group]
    signup = (depth == 0) & ~lead & _systematic(rng, np.where((depth == 0) & ~lead, sign_p, 0.0), group)
    return lead, signup


def _bounces(
    rng: np.random.Generator, group: np.ndarray, device: np.ndarray, b_sess: np.ndarray, plain: np.ndarray
) -> np.ndarray:
    """Bounced sessions: among the plain ones (no funnel, no form), enough to hit each segment's target."""
    # bounced sessions are one page, <= 10 s, no conversion
    seg = _codes(group, device)
    seg_plain = np.bincount(seg, weights=plain, minlength=seg.max() + 1)
    seg_bounce = np.bincount(seg, weights=b_sess, minlength=seg.max() + 1)  # = target x n
    p_bounce = np.where(plain, seg_bounce[seg] / np.maximum(seg_plain[seg], 1), 0.0)
    return plain & _systematic(rng, p_bounce, seg)


def _pages(
    rng: np.random.Generator, landing: np.ndarray, group: np.ndarray, plain: np.ndarray, bounced: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per session: extra browse page views, the product page of its funnel, scroll and user_engagement flags."""
    n = group.size
    # browse page views (extra pages before the funnel / form)
    browse = np.zeros(n, dtype=np.int64)
    plain_eng = plain & ~bounced
    single = plain_eng & (rng.random(n) < 0.4)  # engaged by time on one page
    browse[plain_eng & ~single] = 1 + rng.poisson(1.5, size=int((plain_eng & ~single).sum()))
    conv = ~plain
    browse[conv] = rng.poisson(1.0, size=int(conv.sum()))
    prod_landing = group == _G_PRODUCT
    funnel_page = np.where(
        prod_landing, landing, _pick(rng, [f"/product/{s}" for s in _PRODUCTS], (0.45, 0.25, 0.2, 0.1), n)
    )
    scroll = rng.random(n) < np.where(bounced, 0.3, 0.55)
    ue = ~bounced | (rng.random(n) < 0.6)
    return browse, funnel_page, scroll, ue


# --- events ---------------------------------------------------------------------------------
def _event_rows(
    rng: np.random.Generator,
    landing: np.ndarray,
    group: np.ndarray,
    steps: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    lead: np.ndarray,
    signup: np.ndarray,
    browse: np.ndarray,
    funnel_page: np.ndarray,
    scroll: np.ndarray,
    ue: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The events in session order: (session index, slot, event name, page) per event row."""
    d1, d2, d3, d4 = steps
    n = landing.size
    prod_landing = group == _G_PRODUCT
    # one block per slot, then sort by (session, slot, sub)
    blocks = []

    def add(mask, slot, event, page, reps=None):
        idx = np.flatnonzero(mask)
        if reps is not None:
            idx = np.repeat(idx, reps[idx])
            sub = _position_in_runs(reps[mask])
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
    browse_pages = np.array(
        ["/", "/shop", "/about", "/pricing"] + [f"/product/{s}" for s in _PRODUCTS] + [f"/blog/{s}" for s in _BLOGS],
        dtype=object,
    )
    bp = browse_pages[rng.choice(browse_pages.size, size=nb, p=np.array([3, 4, 1, 1, 3, 2, 2, 1, 1, 1, 1, 1]) / 21)]
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
    return sess, slot, event, page


def _engagement(
    rng: np.random.Generator, sess: np.ndarray, slot: np.ndarray, event: np.ndarray, bounced: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Engagement time (ms) per event, the events that carry it, and page views and conversions per session.

    Session totals are constrained: a bounced session stays under 10 s, a session that only time can
    make engaged (GA4 rule) gets more than 10 s.
    """
    n = bounced.size
    m = sess.size
    # engagement time (ms) per event after the first page_view
    median_ms = {
        "page_view": 12_000,
        "scroll": 6_000,
        "view_item": 1_500,
        "add_to_cart": 15_000,
        "begin_checkout": 5_000,
        "purchase": 60_000,
        "generate_lead": 45_000,
        "sign_up": 30_000,
        "user_engagement": 10_000,
        "session_start": 0,
    }
    med = pd.Series(event).map(median_ms).to_numpy(float)
    raw = med * np.exp(rng.normal(0.0, 0.7, size=m))
    carries = slot > 2
    raw[~carries] = 0.0
    total = np.bincount(sess, weights=raw, minlength=n)
    pv = np.bincount(sess, weights=(event == "page_view"), minlength=n)
    conversions = np.bincount(sess, weights=np.isin(event, ("purchase", "generate_lead")), minlength=n)
    need_time = ~bounced & ~is_engaged(0.0, conversions, pv)  # engaged by time or not at all
    target = np.where(
        bounced,
        rng.uniform(0.0, 9_900.0, size=n),
        np.where(need_time, 10_600.0 + rng.lognormal(np.log(20_000), 0.8, size=n), total),
    )
    factor = np.where(total > 0, target / np.where(total > 0, total, 1.0), 0.0)
    msec = np.floor(raw * factor[sess]).astype(np.int64)
    return msec, carries, pv, conversions


def _event_offsets(rng: np.random.Generator, sess: np.ndarray, msec: np.ndarray, carries: np.ndarray) -> np.ndarray:
    """Seconds from the session start to each event: its engagement time plus some idle seconds."""
    idle = rng.geometric(0.15, size=sess.size) - 1
    gap = np.where(carries, np.maximum(1, -(-msec // 1000) + idle), 0)
    first_row = np.r_[True, sess[1:] != sess[:-1]]
    return _cumsum_within(gap, first_row)


def _purchase_values(rng: np.random.Generator, event: np.ndarray, sess: np.ndarray, spring: np.ndarray) -> np.ndarray:
    """Order value on purchase events (spring-sale orders a little larger), NaN elsewhere."""
    value = np.full(event.size, np.nan)
    buy = event == "purchase"
    spring_buy = spring[sess[buy]]
    value[buy] = np.round(np.where(spring_buy, 18.0, 15.0) + rng.gamma(4.0, 11.0, size=int(buy.sum())), 2)
    return value


# --- the two tables -------------------------------------------------------------------------
def _session_columns(
    cfg: _Config,
    user_id: np.ndarray,
    start_s: np.ndarray,
    landing: np.ndarray,
    source: np.ndarray,
    medium: np.ndarray,
    ch: np.ndarray,
    device: np.ndarray,
    country: np.ndarray,
) -> dict[str, np.ndarray]:
    """The sessions table's attribute columns (session_id ... country), one value per session."""
    # ids: GA4 session key (user_pseudo_id, ga_session_id = session start in epoch seconds)
    ga_sid = start_s + cfg.epoch
    session_ids = pd.Series(user_id).str.cat(ga_sid.astype(str), sep="-").to_numpy(object)
    return {
        "session_id": session_ids,
        "user_id": user_id,
        "start": _ts(start_s, cfg.start),
        "landing_page": landing,
        "source": source,
        "medium": medium,
        "channel": np.asarray(CHANNELS, dtype=object)[ch],
        "device": np.asarray(_DEVICES, dtype=object)[device],
        "country": country,
    }


def _events_frame(
    cfg: _Config,
    cols: dict[str, np.ndarray],
    sess: np.ndarray,
    ev_s: np.ndarray,
    event: np.ndarray,
    page: np.ndarray,
    value: np.ndarray,
    msec: np.ndarray,
    carries: np.ndarray,
) -> pd.DataFrame:
    """The events table, sorted by time (events of one session keep their order)."""
    events = pd.DataFrame(
        {
            "user_id": cols["user_id"][sess],
            "session_id": cols["session_id"][sess],
            "timestamp": _ts(ev_s, cfg.start),
            "event": event,
            "page": page,
            **{c: cols[c][sess] for c in ("source", "medium", "channel", "device", "country")},
            "value": value,
            "engagement_time_msec": pd.array(np.where(carries, msec, 0), dtype="Int64"),
        }
    )
    events.loc[~carries, "engagement_time_msec"] = pd.NA
    events["_order"] = np.arange(sess.size)
    return (
        events.sort_values(["timestamp", "session_id", "_order"], kind="mergesort")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _sessions_frame(
    cols: dict[str, np.ndarray],
    sess: np.ndarray,
    msec: np.ndarray,
    carries: np.ndarray,
    pv: np.ndarray,
    conversions: np.ndarray,
    bounced: np.ndarray,
    is_new: np.ndarray,
    variant: np.ndarray,
) -> pd.DataFrame:
    """The sessions table: ``cols`` plus the counts and the GA4 engaged flag derived from the events."""
    eng_s = np.bincount(sess, weights=np.where(carries, msec, 0), minlength=bounced.size) / 1000.0
    engaged = is_engaged(eng_s, conversions, pv)
    if not np.array_equal(engaged, ~bounced):  # construction invariant
        raise AssertionError("sample generator: engaged flags disagree with the GA4 rule")
    sessions = pd.DataFrame(
        {
            **cols,
            "pageviews": pv.astype(np.int64),
            "engagement_time_s": np.round(eng_s, 3),
            "conversions": conversions.astype(np.int64),
            "engaged": engaged,
            "is_new_user": is_new,
            "variant": variant,
        }
    )
    return sessions.sort_values(["start", "session_id"], kind="mergesort").reset_index(drop=True)
