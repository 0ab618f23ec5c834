"""Tests of kpikit.funnel: event-funnel semantics on hand-built logs, stage funnels, A/B tests."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpikit import funnel as F
from kpikit.errors import KpiDataError
from kpikit.stats import two_proportion_ztest


def log(rows, extra=None):
    """Event log from (user, timestamp, event[, extra...]) tuples."""
    cols = ["user_id", "timestamp", "event"] + list(extra or [])
    f = pd.DataFrame(rows, columns=cols)
    f["timestamp"] = pd.to_datetime(f["timestamp"], format="ISO8601")
    return f


STEPS = ["view", "cart", "buy"]

# u1: view, other, cart, buy (next day)            -> this 3, strict 1 ("other" comes between)
# u2: cart, view, buy                              -> this 1 (cart before view), any 3
# u3: view, cart exactly 7 days later              -> this 2 (window edge counts), strict 2
# u4: view, buy, cart                              -> this 2, any 3
# u5: view, then cart 7 days and 1 second later    -> 1 (outside the window)
ORDER_LOG = log([
    ("u1", "2025-01-01 10:00:00", "view"), ("u1", "2025-01-01 10:05:00", "other"),
    ("u1", "2025-01-01 10:10:00", "cart"), ("u1", "2025-01-02 10:00:00", "buy"),
    ("u2", "2025-01-01 10:00:00", "cart"), ("u2", "2025-01-01 10:01:00", "view"),
    ("u2", "2025-01-01 10:02:00", "buy"),
    ("u3", "2025-01-01 10:00:00", "view"), ("u3", "2025-01-08 10:00:00", "cart"),
    ("u4", "2025-01-01 10:00:00", "view"), ("u4", "2025-01-01 11:00:00", "buy"),
    ("u4", "2025-01-01 12:00:00", "cart"),
    ("u5", "2025-01-01 10:00:00", "view"), ("u5", "2025-01-08 10:00:01", "cart"),
])


def users(frame):
    return frame["users"].tolist()


def test_this_order():
    f = F.ordered_funnel(ORDER_LOG, STEPS, window="7D", order="this")
    # view: u1, u2, u3, u4, u5 = 5; cart: u1, u3, u4 = 3; buy: u1 = 1
    assert users(f) == [5, 3, 1]
    assert f["step_name"].tolist() == STEPS
    # conversion_from_previous = 3/5, 1/3; from start 1/5
    assert f["conversion_from_previous"].tolist()[1:] == pytest.approx([0.6, 1 / 3])
    assert f["conversion_from_start"].iloc[-1] == pytest.approx(0.2)
    assert f["drop_off"].tolist() == [0, 2, 2]
    assert f["drop_off_rate"].iloc[1] == pytest.approx(0.4)
    # Wilson interval of 3/5: centre (3 + 1.92)/ (5 + 3.84) ...; compare with scipy-free hand value
    z = 1.959963984540054
    centre = (3 + z**2 / 2) / (5 + z**2)
    half = z * math.sqrt(3 * 2 / 5 + z**2 / 4) / (5 + z**2)
    assert f["conversion_from_previous_low"].iloc[1] == pytest.approx(centre - half)
    assert f["conversion_from_previous_high"].iloc[1] == pytest.approx(centre + half)


def test_strict_order():
    f = F.ordered_funnel(ORDER_LOG, STEPS, order="strict")
    # u1 fails at cart ("other" between); u3 view -> cart directly; u4 view -> buy (not cart);
    # u5 out of window; u2's view is followed by buy -> cart: u3 only; buy: nobody
    assert users(f) == [5, 1, 0]


def test_any_order():
    f = F.ordered_funnel(ORDER_LOG, STEPS, order="any")
    # step 1 opens the attempt: u2's cart came before its view, so u2 reaches only 1 step;
    # u4 did buy then cart: reaches 3. cart: u1, u3, u4; buy: u1, u4
    assert users(f) == [5, 3, 2]


def test_window_edge():
    # u3's cart is exactly 7 days after its view: counted; u5's is 1 second later: not counted
    assert users(F.ordered_funnel(ORDER_LOG, ["view", "cart"], window="7D")) == [5, 3]
    # one second more lets u5 in; no window at all as well (u2's cart still precedes its view)
    assert users(F.ordered_funnel(ORDER_LOG, ["view", "cart"], window=pd.Timedelta("7D") + pd.Timedelta("1s"))) == [5, 4]
    assert users(F.ordered_funnel(ORDER_LOG, ["view", "cart"], window=None)) == [5, 4]
    # one second less drops u3 as well
    assert users(F.ordered_funnel(ORDER_LOG, ["view", "cart"], window=pd.Timedelta("7D") - pd.Timedelta("1s"))) == [5, 2]


def test_reentry_furthest_attempt_and_ties():
    ev = log([
        # attempt 1: view, cart, expires; attempt 2 (9 days later): view, cart, buy
        ("u1", "2025-01-01 00:00", "view"), ("u1", "2025-01-01 01:00", "cart"),
        ("u1", "2025-01-10 00:00", "view"), ("u1", "2025-01-10 02:00", "cart"), ("u1", "2025-01-10 05:00", "buy"),
        # two attempts reaching cart: the earliest one counts (cart 1 h after view)
        ("u2", "2025-01-01 00:00", "view"), ("u2", "2025-01-01 01:00", "cart"),
        ("u2", "2025-02-01 00:00", "view"), ("u2", "2025-02-01 03:00", "cart"),
    ])
    a = F.funnel_attempts(ev, STEPS).set_index("user_id")
    assert a.loc["u1", "steps_reached"] == 3
    assert a.loc["u1", "step_1_at"] == pd.Timestamp("2025-01-10 00:00")
    assert a.loc["u2", "steps_reached"] == 2
    assert a.loc["u2", "step_1_at"] == pd.Timestamp("2025-01-01 00:00")
    f = F.ordered_funnel(ev, STEPS)
    assert users(f) == [2, 2, 1]
    # time view -> cart of the counted attempts: u1 2 h, u2 1 h -> median 1.5 h
    assert f["median_time_from_previous"].iloc[1] == pd.Timedelta("90min")
    # p90 by linear interpolation: 1 h + 0.9 x 1 h = 1 h 54 min
    assert f["p90_time_from_previous"].iloc[1] == pd.Timedelta("114min")
    assert pd.isna(f["median_time_from_previous"].iloc[0])


def test_totals_count_each_attempt_after_completion_or_expiry():
    ev = log([
        # attempt 1 completes at 02:00; a view at 01:30 is inside it (no new attempt);
        # a view at 03:00 opens attempt 2 (reaches cart)
        ("u1", "2025-01-01 00:00", "view"), ("u1", "2025-01-01 01:00", "cart"), ("u1", "2025-01-01 01:30", "view"),
        ("u1", "2025-01-01 02:00", "buy"), ("u1", "2025-01-01 03:00", "view"), ("u1", "2025-01-01 04:00", "cart"),
        # attempt expires (window 1 day) at 2025-01-02 00:00; the view at 12:00 is inside; view on
        # 2025-01-03 opens attempt 2
        ("u2", "2025-01-01 00:00", "view"), ("u2", "2025-01-01 12:00", "view"), ("u2", "2025-01-03 00:00", "view"),
    ])
    f = F.ordered_funnel(ev, STEPS, window="1D", count="totals")
    assert f.columns[2] == "attempts"
    # attempts: u1 (3 steps), u1 (2 steps), u2 (1), u2 (1) -> 4, 2, 1
    assert f["attempts"].tolist() == [4, 2, 1]
    assert users(F.ordered_funnel(ev, STEPS, window="1D")) == [2, 1, 1]


def test_hold_constant():
    ev = log([
        ("u1", "2025-01-01 00:00", "view", "mobile"), ("u1", "2025-01-01 01:00", "cart", "desktop"),
        ("u1", "2025-01-01 02:00", "buy", "desktop"),
        ("u2", "2025-01-01 00:00", "view", "mobile"), ("u2", "2025-01-01 01:00", "cart", "mobile"),
        ("u2", "2025-01-01 02:00", "buy", "desktop"),
    ], extra=["device"])
    assert users(F.ordered_funnel(ev, STEPS)) == [2, 2, 2]
    # holding device constant: u1's cart is on another device (stops at view); u2 stops at cart
    assert users(F.ordered_funnel(ev, STEPS, hold_constant="device")) == [2, 1, 0]


def test_exclusion_voids_the_attempt():
    ev = log([
        # u1: removes between cart and buy -> this attempt is void; no other attempt -> not counted
        ("u1", "2025-01-01 00:00", "view"), ("u1", "2025-01-01 01:00", "cart"),
        ("u1", "2025-01-01 01:30", "remove"), ("u1", "2025-01-01 02:00", "buy"),
        # u2: removes before cart (between view and cart is not excluded, only 2 -> 3)
        ("u2", "2025-01-01 00:00", "view"), ("u2", "2025-01-01 00:30", "remove"),
        ("u2", "2025-01-01 01:00", "cart"), ("u2", "2025-01-01 02:00", "buy"),
        # u3: void first attempt (reached cart, removed within the window), clean second attempt later
        ("u3", "2025-01-01 00:00", "view"), ("u3", "2025-01-01 01:00", "cart"), ("u3", "2025-01-01 03:00", "remove"),
        ("u3", "2025-01-20 00:00", "view"), ("u3", "2025-01-20 01:00", "cart"), ("u3", "2025-01-20 02:00", "buy"),
        # u4: remove after the window of an attempt that stopped at cart -> not voided
        ("u4", "2025-01-01 00:00", "view"), ("u4", "2025-01-01 01:00", "cart"), ("u4", "2025-01-09 00:00", "remove"),
    ])
    plain = F.ordered_funnel(ev, STEPS)
    assert users(plain) == [4, 4, 3]
    f = F.ordered_funnel(ev, STEPS, exclude=[("remove", 2, 3)])
    # u1 removed; u2, u3 (second attempt), u4 (cart) remain: view 3, cart 3, buy 2
    assert users(f) == [3, 3, 2]
    a = F.funnel_attempts(ev, STEPS, exclude=[("remove", 2, 3)]).set_index("user_id")
    assert a.loc["u3", "step_1_at"] == pd.Timestamp("2025-01-20")


def test_step_with_property_filter_and_same_timestamp():
    ev = log([
        # page_view and session_start share a timestamp and arrive in the "wrong" order
        ("u1", "2025-01-01 00:00", "page_view", "/pricing"), ("u1", "2025-01-01 00:00", "session_start", None),
        ("u1", "2025-01-01 00:05", "page_view", "/contact"),
        ("u2", "2025-01-01 00:00", "session_start", None), ("u2", "2025-01-01 00:01", "page_view", "/blog"),
    ], extra=["page"])
    steps = ["session_start", ("page_view", {"page": "/pricing"})]
    f = F.ordered_funnel(ev, steps)
    assert users(f) == [2, 1]
    assert f["step_name"].tolist() == ["session_start", "page_view[page=/pricing]"]
    f = F.ordered_funnel(ev, ["session_start", ("page_view", {"page": ["/pricing", "/blog"]})])
    assert users(f) == [2, 2]


def test_breakdown_by_property_of_step_one():
    ev = log([
        ("u1", "2025-01-01 00:00", "view", "mobile"), ("u1", "2025-01-01 01:00", "cart", "desktop"),
        ("u2", "2025-01-01 00:00", "view", "desktop"),
        ("u3", "2025-01-01 00:00", "view", "mobile"),
        ("u3", "2025-01-05 00:00", "view", "desktop"), ("u3", "2025-01-05 00:10", "cart", "desktop"),
    ], extra=["device"])
    f = F.ordered_funnel(ev, ["view", "cart"], by="device")
    got = {(r.device, r.step): r.users for r in f.itertuples()}
    # desktop attempts: u2 (view), u3 (view, cart) ; mobile: u1 (view, cart), u3 (view -> cart 5 days later)
    assert got == {("desktop", 1): 2, ("desktop", 2): 1, ("mobile", 1): 2, ("mobile", 2): 2}


def test_period_restriction_and_comparison():
    rows = []
    # period 1 (January): 10 users view, 8 cart, 6 buy; period 2 (February): 10 view, 8 cart, 2 buy
    for p, month, buyers in ((1, "2025-01", 6), (2, "2025-02", 2)):
        for i in range(10):
            u = f"p{p}u{i}"
            rows.append((u, f"{month}-10 00:00", "view"))
            if i < 8:
                rows.append((u, f"{month}-10 01:00", "cart"))
            if i < buyers:
                rows.append((u, f"{month}-10 02:00", "buy"))
    ev = log(rows)
    cmp = F.compare_periods(ev, STEPS, current=("2025-02-01", "2025-03-01"), previous=("2025-01-01", "2025-02-01"))
    assert cmp["step"].tolist() == [2, 3]
    assert cmp["users_current"].tolist() == [8, 2] and cmp["trials_current"].tolist() == [10, 8]
    assert cmp["users_previous"].tolist() == [8, 6]
    assert cmp["difference"].tolist() == pytest.approx([0.0, 2 / 8 - 6 / 8])
    z, p = two_proportion_ztest(2, 8, 6, 8)
    # pooled p = 8/16 = 0.5; se = sqrt(0.25 x (1/8 + 1/8)) = 0.25; z = -0.5 / 0.25 = -2
    assert float(z) == pytest.approx(-2.0)
    assert cmp["z"].iloc[1] == pytest.approx(-2.0)
    assert cmp["p_value"].iloc[1] == pytest.approx(float(p))
    # BH over two tests: q of the smaller p = min(p x 2 / 1, ...) = 2 x 0.0455 = 0.091; the other p = 1
    assert cmp["q_value"].iloc[1] == pytest.approx(min(2 * float(p), 1.0))
    assert cmp["p_value"].iloc[0] == pytest.approx(1.0)
    ch = F.largest_change(cmp)
    # step 3 (buy) q = 0.091 > 0.05: nothing significant at 5% FDR with these small counts
    assert ch is None
    big = F.compare_funnels(*(F.ordered_funnel(log([(f"{p}{i}", "2025-01-01", "view") for i in range(100)]
                                                    + [(f"{p}{i}", "2025-01-01 01:00", "cart") for i in range(k)]), ["view", "cart"])
                               for p, k in (("x", 20), ("y", 60))), labels=("current", "previous"))
    ch = F.largest_change(big)
    assert ch["step_name"] == "cart" and ch["difference"] == pytest.approx(-0.4)
    assert ch["rate_previous"] == pytest.approx(0.6) and ch["rate_current"] == pytest.approx(0.2)
    assert float(F.overall_conversion(F.ordered_funnel(ev, STEPS))) == pytest.approx(8 / 20)


def test_compare_segments_and_findings():
    ev = log([(f"m{i}", "2025-01-01", "view", "mobile") for i in range(40)]
             + [(f"m{i}", "2025-01-01 01:00", "cart", "mobile") for i in range(10)]
             + [(f"d{i}", "2025-01-01", "view", "desktop") for i in range(40)]
             + [(f"d{i}", "2025-01-01 01:00", "cart", "desktop") for i in range(30)], extra=["device"])
    f = F.ordered_funnel(ev, ["view", "cart"], by="device")
    c = F.compare_segments(f, "device", "mobile", "desktop")
    assert c["rate_mobile"].iloc[0] == pytest.approx(0.25) and c["rate_desktop"].iloc[0] == pytest.approx(0.75)
    assert bool(c["significant"].iloc[0])
    total = F.ordered_funnel(ev, ["view", "cart"])
    text = F.findings(total, segments=f, by="device")
    assert text[0].startswith("50.0% of the 80 users who did 'view' reached 'cart'")
    assert "'view' -> 'cart'" in text[1] and "40 users lost" in text[1]
    assert "25.0% (mobile)" in text[2] and "75.0% (desktop)" in text[2]
    with pytest.raises(KpiDataError, match="no segment 'tablet'"):
        F.compare_segments(f, "device", "tablet", "desktop")


def test_bad_input_messages():
    ev = ORDER_LOG.copy()
    with pytest.raises(KpiDataError, match="missing column\\(s\\) 'user_id'"):
        F.ordered_funnel(ev.drop(columns="user_id"), STEPS)
    aware = ev.assign(timestamp=ev["timestamp"].dt.tz_localize("Europe/Berlin"))
    with pytest.raises(KpiDataError, match="time zone"):
        F.ordered_funnel(aware, STEPS)
    nat = ev.copy()
    nat.loc[2, "timestamp"] = pd.NaT
    with pytest.raises(KpiDataError, match="1 rows have no timestamp \\(row 3"):
        F.ordered_funnel(nat, STEPS)
    with pytest.raises(KpiDataError, match="order must be"):
        F.ordered_funnel(ev, STEPS, order="loose")
    with pytest.raises(KpiDataError, match="Funnel step 2"):
        F.ordered_funnel(ev, ["view", 3])
    with pytest.raises(KpiDataError, match="window must be"):
        F.ordered_funnel(ev, STEPS, window="soon")
    with pytest.raises(KpiDataError, match="from_step < to_step"):
        F.ordered_funnel(ev, STEPS, exclude=[("remove", 3, 2)])
    with pytest.raises(KpiDataError, match="distinct steps"):
        F.ordered_funnel(ev, ["view", "cart", "cart"], order="any")
    nouser = ev.astype({"user_id": object})
    nouser.loc[0, "user_id"] = None
    with pytest.raises(KpiDataError, match="no user id"):
        F.ordered_funnel(nouser, STEPS)


# ---- property tests against a brute-force reference ---------------------------------------------

EVENTS = ["a", "b", "c", "x"]
REF_STEPS = ["a", "b", "c"]


def _reference_depths(ev: pd.DataFrame, steps, window: pd.Timedelta, order: str) -> dict:
    """Furthest step per user by brute force over all event combinations (no greedy shortcut)."""
    rank = {s: i for i, s in enumerate(steps)}
    ev = ev.assign(_r=ev["event"].map(rank).fillna(len(steps)), _row=np.arange(len(ev)))
    out = {}
    for u, g in ev.groupby("user_id"):
        g = g.sort_values(["timestamp", "_r", "_row"])
        names, times = g["event"].tolist(), g["timestamp"].tolist()
        best = 0
        for i, name in enumerate(names):
            if name != steps[0]:
                continue
            depth = 1
            later = list(range(i + 1, len(names)))
            for k in range(2, len(steps) + 1):
                ok = False
                if order == "strict":
                    idx = list(range(i, i + k))
                    ok = idx[-1] < len(names) and all(names[idx[j]] == steps[j] for j in range(k))
                    ok = ok and times[idx[-1]] <= times[i] + window
                elif order == "this":
                    for combo in itertools.combinations(later, k - 1):
                        if all(names[c] == steps[j + 1] for j, c in enumerate(combo)) and times[combo[-1]] <= times[i] + window:
                            ok = True
                            break
                else:
                    ok = all(any(names[c] == steps[j] and times[c] <= times[i] + window for c in later) for j in range(1, k))
                if not ok:
                    break
                depth = k
            best = max(best, depth)
        if best:
            out[u] = best
    return out


event_logs = st.lists(
    st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 12), st.sampled_from(EVENTS)),
    min_size=0, max_size=14,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=event_logs, order=st.sampled_from(["this", "strict", "any"]), window_h=st.integers(0, 8))
def test_matches_brute_force_reference(rows, order, window_h):
    ev = pd.DataFrame(rows, columns=["user_id", "hour", "event"])
    ev["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(ev["hour"], unit="h")
    w = pd.Timedelta(hours=window_h)
    ref = _reference_depths(ev, REF_STEPS, w, order)
    got = F.funnel_attempts(ev, REF_STEPS, window=w, order=order)
    assert dict(zip(got["user_id"], got["steps_reached"])) == ref


@settings(max_examples=100, deadline=None)
@given(rows=event_logs, window_h=st.integers(0, 8))
def test_properties_monotone_and_order_modes(rows, window_h):
    ev = pd.DataFrame(rows, columns=["user_id", "hour", "event"])
    ev["timestamp"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(ev["hour"], unit="h")
    w = pd.Timedelta(hours=window_h)
    res = {o: F.ordered_funnel(ev, REF_STEPS, window=w, order=o)["users"].to_numpy() for o in ("strict", "this", "any")}
    for o, u in res.items():
        assert np.all(np.diff(u) <= 0), o  # users never increase along the steps
        assert np.all((u >= 0))
    assert np.all(res["any"] >= res["this"]) and np.all(res["this"] >= res["strict"])
    tot = F.ordered_funnel(ev, REF_STEPS, window=w, count="totals")["attempts"].to_numpy()
    assert np.all(np.diff(tot) <= 0) and tot[0] >= res["this"][0]


# ---- stage funnel ----------------------------------------------------------------------------

def _leads():
    t = pd.to_datetime
    return pd.DataFrame({
        "lead_id": [1, 2, 3, 4, 5],
        "created_at": t(["2025-01-05", "2025-01-10", "2025-01-20", "2025-02-03", "2025-02-10"]),
        "mql_at": t(["2025-01-06", "2025-01-12", None, "2025-02-05", "2025-02-11"]),
        "sal_at": t(["2025-01-08", None, None, "2025-02-06", None]),
        "sql_at": t(["2025-01-10", "2025-01-15", None, "2025-02-09", None]),
        "won_at": t(["2025-01-30", None, None, None, None]),
    })


def test_stage_funnel_implied_and_recorded():
    stages = ("lead", "mql", "sal", "sql", "won")
    f = F.stage_funnel(_leads(), stages=stages, cohort="M")
    jan = f[f["cohort"] == "2025-01"].set_index("stage")
    # January: 3 leads; MQL 2 (leads 1, 2); SAL implied for lead 2 (it has sql_at) -> 2; SQL 2; won 1
    assert jan["leads"].tolist() == [3, 2, 2, 2, 1]
    assert jan.loc["sal", "skipped"] == 1
    assert jan.loc["won", "conversion_from_start"] == pytest.approx(1 / 3)
    assert jan.loc["mql", "conversion_from_previous"] == pytest.approx(2 / 3)
    # median days lead -> MQL in January: lead 1 1 day, lead 2 2 days -> 1.5
    assert jan.loc["mql", "median_days_from_previous"] == pytest.approx(1.5)
    # MQL -> SAL only for lead 1 (2 days): lead 2 has no SAL time
    assert jan.loc["sal", "median_days_from_previous"] == pytest.approx(2.0)
    rec = F.stage_funnel(_leads(), stages=stages, cohort="M", skipped="recorded")
    jan_r = rec[rec["cohort"] == "2025-01"].set_index("stage")
    # recorded: lead 2 stops at MQL
    assert jan_r["leads"].tolist() == [3, 2, 1, 1, 1]
    feb = f[f["cohort"] == "2025-02"].set_index("stage")
    assert feb["leads"].tolist() == [2, 2, 1, 1, 0]
    total = F.stage_funnel(_leads(), stages=stages, cohort=None)
    assert total["leads"].tolist() == [5, 4, 3, 3, 1]
    ltc = F.lead_to_customer(_leads(), cohort="M")
    assert ltc["lead_to_customer"].tolist() == pytest.approx([1 / 3, 0.0])
    assert ltc["won"].tolist() == [1, 0]


def test_stage_funnel_bad_input():
    bad = _leads()
    bad.loc[0, "sql_at"] = pd.Timestamp("2025-01-01")  # before its MQL
    with pytest.raises(KpiDataError, match="stage before an earlier stage \\(row 1; first: lead 1\\)"):
        F.stage_funnel(bad, stages=("lead", "mql", "sal", "sql", "won"))
    assert F.stage_funnel(bad, stages=("lead", "mql", "sal", "sql", "won"), check_order=False)["leads"].iloc[0] == 3
    with pytest.raises(KpiDataError, match="missing column\\(s\\) 'opportunity_at'"):
        F.stage_funnel(_leads())


# ---- social journey, landing pages, A/B -----------------------------------------------------

def test_social_journey():
    social = pd.DataFrame({
        "date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"]),
        "platform": ["Instagram", "TikTok", "Instagram"], "brand": ["Us", "Us", "Them"],
        "reach": [1000, 3000, 99999], "impressions": [2000, 5000, 1], "likes": [50, 100, 0],
        "comments": [5, 10, 0], "shares": [5, 30, 0], "clicks": [20, 40, 0], "conversions": [2, 3, 0],
    })
    f = F.social_journey(social, brand="Us")
    # reach 4000 -> engagements 200 -> clicks 60 -> conversions 5
    assert f["count"].tolist() == [4000, 200, 60, 5]
    assert f["rate_from_previous"].tolist() == pytest.approx([1.0, 0.05, 0.3, 5 / 60])
    byp = F.social_journey(social, brand="Us", by="platform")
    assert byp[byp.platform == "TikTok"]["count"].tolist() == [3000, 140, 40, 3]
    ev = log([("a", "2025-01-01", "purchase", "Paid Social"), ("a", "2025-01-02", "purchase", "Organic Social"),
              ("b", "2025-01-01", "purchase", "Email"), ("c", "2025-01-01", "page_view", "Paid Social")], extra=["channel"])
    f = F.social_journey(social, brand="Us", events=ev)
    assert f["count"].tolist() == [4000, 200, 60, 1]
    with pytest.raises(KpiDataError, match="no rows for brand 'Nobody'"):
        F.social_journey(social, brand="Nobody")


def test_landing_page_conversion_and_ab_reference():
    s = pd.DataFrame({
        "landing_page": ["/x"] * 4 + ["/y"] * 2,
        "variant": ["A", "A", "B", "B", None, None],
        "conversions": [0, 1, 2, 1, 0, 0],
    })
    lp = F.landing_page_conversion(s)
    assert lp["landing_page"].tolist() == ["/x", "/y"]
    assert lp["converted_sessions"].tolist() == [3, 0] and lp["conversion_rate"].tolist() == [0.75, 0.0]
    lpv = F.landing_page_conversion(s[s.landing_page == "/x"], by=["landing_page", "variant"])
    assert lpv["conversion_rate"].tolist() == [0.5, 1.0]
    # reference from the issue: A 120/2400, B 150/2380 -> P(B > A) about 0.975
    r = F.ab_test((120, 2400), (150, 2380), seed=0)
    assert r.bayes.prob_b_beats_a == pytest.approx(0.975, abs=0.005)
    assert r.comparison.difference == pytest.approx(150 / 2380 - 120 / 2400)
    # same seed, same answer
    assert F.ab_test((120, 2400), (150, 2380), seed=0).bayes == r.bayes
    assert "P(B > A) = 97." in r.summary()
    d = r.as_dict()
    assert d["rate_a"]["successes"] == 120 and d["rate_b"]["successes"] == 150
    sessions = pd.DataFrame({"landing_page": ["/l"] * 4800 + ["/o"], "variant": ["A"] * 2400 + ["B"] * 2400 + [None],
                             "conversions": [1] * 120 + [0] * 2280 + [1] * 150 + [0] * 2250 + [0]})
    r2 = F.ab_test_sessions(sessions, "/l")
    assert r2.comparison.a.successes == 150 and r2.comparison.a.trials == 2400
    with pytest.raises(KpiDataError, match="variant 'C'"):
        F.ab_test_sessions(sessions, "/l", treatment="C")


# ---- planted effects: the checkout leak of the sample business ----------------------------------

CHECKOUT_STEPS = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]


@pytest.mark.parametrize("effects", [True, False])
def test_checkout_leak_found_only_when_planted(effects):
    from kpikit.sample import make_tables

    ev = make_tables(seed=7, effects=effects)["events"]
    ev = ev.assign(timestamp=pd.to_datetime(ev["timestamp"]))
    cmp = F.compare_periods(ev, CHECKOUT_STEPS, ("2025-03-01", "2025-07-01"), ("2024-11-01", "2025-03-01"))
    change = F.largest_change(cmp)
    if effects:
        assert change["step_name"] == "purchase" and change["difference"] < -0.1
    else:
        assert change is None or change["step_name"] != "purchase"


@pytest.mark.notebook
def test_notebook_02_finds_the_checkout_leak_on_second_dataset(render, second_dataset):
    from kpikit.report import read_kpis

    res = render("02_funnel_conversion.ipynb", data_dir=str(second_dataset), client="Second Client", window="3D",
                 stage_cohort="M")
    kpis = read_kpis(res.ipynb)
    change = kpis["largest_period_change"]
    # planted: begin_checkout -> purchase about 65% before 2025-03-01, about 42% after
    assert change["step_name"] == "purchase"
    assert change["rate_previous"] > 0.55 and change["rate_current"] < 0.5
    assert change["q_value"] < 0.01
    assert 0 < kpis["funnel_conversion"]["value"] < 1
    assert kpis["ab_test"]["page"] == "/landing/spring-sale" and kpis["ab_test"]["rate_b"]["trials"] > 500
    assert kpis["cac_blended"] > 0


def test_funnel_charts_title_states_the_finding():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kpikit import plots

    f = F.ordered_funnel(ORDER_LOG, STEPS)  # 5 -> 3 (60%) -> 1 (33%)
    ax = plots.funnel_chart(f)
    assert ax.get_title() == "Biggest leak: cart -> buy (33% continue)"
    plt.close("all")


def test_no_attempts_gives_zero_counts_not_an_error():
    ev = log([("u1", "2025-01-01", "other")])
    f = F.ordered_funnel(ev, STEPS)
    assert users(f) == [0, 0, 0] and f["conversion_from_start"].isna().all()
    assert F.ordered_funnel(ev, STEPS, by="event").empty
    assert F.ordered_funnel(ev.iloc[:0], STEPS, count="totals", exclude=[("remove", 1, 2)])["attempts"].tolist() == [0, 0, 0]
