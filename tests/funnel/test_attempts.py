"""kpikit.funnel.attempts: event-funnel semantics on hand-built logs (order modes, window, re-entry, totals,
hold constant, exclusions, ties) and against a brute-force reference."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpikit import funnel as F
from tests.funnel.logs import ORDER_LOG, STEPS, log, users


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
    assert users(F.ordered_funnel(ORDER_LOG, ["view", "cart"], window=pd.Timedelta("7D") + pd.Timedelta("1s"))) == [
        5,
        4,
    ]
    assert users(F.ordered_funnel(ORDER_LOG, ["view", "cart"], window=None)) == [5, 4]
    # one second less drops u3 as well
    assert users(F.ordered_funnel(ORDER_LOG, ["view", "cart"], window=pd.Timedelta("7D") - pd.Timedelta("1s"))) == [
        5,
        2,
    ]


def test_totals_count_each_attempt_after_completion_or_expiry():
    ev = log(
        [
            # attempt 1 completes at 02:00; a view at 01:30 is inside it (no new attempt);
            # a view at 03:00 opens attempt 2 (reaches cart)
            ("u1", "2025-01-01 00:00", "view"),
            ("u1", "2025-01-01 01:00", "cart"),
            ("u1", "2025-01-01 01:30", "view"),
            ("u1", "2025-01-01 02:00", "buy"),
            ("u1", "2025-01-01 03:00", "view"),
            ("u1", "2025-01-01 04:00", "cart"),
            # attempt expires (window 1 day) at 2025-01-02 00:00; the view at 12:00 is inside; view on
            # 2025-01-03 opens attempt 2
            ("u2", "2025-01-01 00:00", "view"),
            ("u2", "2025-01-01 12:00", "view"),
            ("u2", "2025-01-03 00:00", "view"),
        ]
    )
    f = F.ordered_funnel(ev, STEPS, window="1D", count="totals")
    assert f.columns[2] == "attempts"
    # attempts: u1 (3 steps), u1 (2 steps), u2 (1), u2 (1) -> 4, 2, 1
    assert f["attempts"].tolist() == [4, 2, 1]
    assert users(F.ordered_funnel(ev, STEPS, window="1D")) == [2, 1, 1]


def test_hold_constant():
    ev = log(
        [
            ("u1", "2025-01-01 00:00", "view", "mobile"),
            ("u1", "2025-01-01 01:00", "cart", "desktop"),
            ("u1", "2025-01-01 02:00", "buy", "desktop"),
            ("u2", "2025-01-01 00:00", "view", "mobile"),
            ("u2", "2025-01-01 01:00", "cart", "mobile"),
            ("u2", "2025-01-01 02:00", "buy", "desktop"),
        ],
        extra=["device"],
    )
    assert users(F.ordered_funnel(ev, STEPS)) == [2, 2, 2]
    # holding device constant: u1's cart is on another device (stops at view); u2 stops at cart
    assert users(F.ordered_funnel(ev, STEPS, hold_constant="device")) == [2, 1, 0]


def test_exclusion_voids_the_attempt():
    ev = log(
        [
            # u1: removes between cart and buy -> this attempt is void; no other attempt -> not counted
            ("u1", "2025-01-01 00:00", "view"),
            ("u1", "2025-01-01 01:00", "cart"),
            ("u1", "2025-01-01 01:30", "remove"),
            ("u1", "2025-01-01 02:00", "buy"),
            # u2: removes before cart (between view and cart is not excluded, only 2 -> 3)
            ("u2", "2025-01-01 00:00", "view"),
            ("u2", "2025-01-01 00:30", "remove"),
            ("u2", "2025-01-01 01:00", "cart"),
            ("u2", "2025-01-01 02:00", "buy"),
            # u3: void first attempt (reached cart, removed within the window), clean second attempt later
            ("u3", "2025-01-01 00:00", "view"),
            ("u3", "2025-01-01 01:00", "cart"),
            ("u3", "2025-01-01 03:00", "remove"),
            ("u3", "2025-01-20 00:00", "view"),
            ("u3", "2025-01-20 01:00", "cart"),
            ("u3", "2025-01-20 02:00", "buy"),
            # u4: remove after the window of an attempt that stopped at cart -> not voided
            ("u4", "2025-01-01 00:00", "view"),
            ("u4", "2025-01-01 01:00", "cart"),
            ("u4", "2025-01-09 00:00", "remove"),
        ]
    )
    plain = F.ordered_funnel(ev, STEPS)
    assert users(plain) == [4, 4, 3]
    f = F.ordered_funnel(ev, STEPS, exclude=[("remove", 2, 3)])
    # u1 removed; u2, u3 (second attempt), u4 (cart) remain: view 3, cart 3, buy 2
    assert users(f) == [3, 3, 2]
    a = F.funnel_attempts(ev, STEPS, exclude=[("remove", 2, 3)]).set_index("user_id")
    assert a.loc["u3", "step_1_at"] == pd.Timestamp("2025-01-20")


def test_step_with_property_filter_and_same_timestamp():
    ev = log(
        [
            # page_view and session_start share a timestamp and arrive in the "wrong" order
            ("u1", "2025-01-01 00:00", "page_view", "/pricing"),
            ("u1", "2025-01-01 00:00", "session_start", None),
            ("u1", "2025-01-01 00:05", "page_view", "/contact"),
            ("u2", "2025-01-01 00:00", "session_start", None),
            ("u2", "2025-01-01 00:01", "page_view", "/blog"),
        ],
        extra=["page"],
    )
    steps = ["session_start", ("page_view", {"page": "/pricing"})]
    f = F.ordered_funnel(ev, steps)
    assert users(f) == [2, 1]
    assert f["step_name"].tolist() == ["session_start", "page_view[page=/pricing]"]
    f = F.ordered_funnel(ev, ["session_start", ("page_view", {"page": ["/pricing", "/blog"]})])
    assert users(f) == [2, 2]


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
                        if (
                            all(names[c] == steps[j + 1] for j, c in enumerate(combo))
                            and times[combo[-1]] <= times[i] + window
                        ):
                            ok = True
                            break
                else:
                    ok = all(
                        any(names[c] == steps[j] and times[c] <= times[i] + window for c in later) for j in range(1, k)
                    )
                if not ok:
                    break
                depth = k
            best = max(best, depth)
        if best:
            out[u] = best
    return out


event_logs = st.lists(
    st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 12), st.sampled_from(EVENTS)),
    min_size=0,
    max_size=14,
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
        assert np.all(u >= 0)
    assert np.all(res["any"] >= res["this"]) and np.all(res["this"] >= res["strict"])
    tot = F.ordered_funnel(ev, REF_STEPS, window=w, count="totals")["attempts"].to_numpy()
    assert np.all(np.diff(tot) <= 0) and tot[0] >= res["this"][0]
