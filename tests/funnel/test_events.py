"""kpikit.funnel.events: the ordered-funnel table (counts, conversions with intervals, times, breakdowns) and its input checks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpikit import funnel as F
from kpikit.errors import KpiDataError
from tests.funnel.logs import ORDER_LOG, STEPS, log, users


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


def test_reentry_furthest_attempt_and_ties():
    ev = log(
        [
            # attempt 1: view, cart, expires; attempt 2 (9 days later): view, cart, buy
            ("u1", "2025-01-01 00:00", "view"),
            ("u1", "2025-01-01 01:00", "cart"),
            ("u1", "2025-01-10 00:00", "view"),
            ("u1", "2025-01-10 02:00", "cart"),
            ("u1", "2025-01-10 05:00", "buy"),
            # two attempts reaching cart: the earliest one counts (cart 1 h after view)
            ("u2", "2025-01-01 00:00", "view"),
            ("u2", "2025-01-01 01:00", "cart"),
            ("u2", "2025-02-01 00:00", "view"),
            ("u2", "2025-02-01 03:00", "cart"),
        ]
    )
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


def test_breakdown_by_property_of_step_one():
    ev = log(
        [
            ("u1", "2025-01-01 00:00", "view", "mobile"),
            ("u1", "2025-01-01 01:00", "cart", "desktop"),
            ("u2", "2025-01-01 00:00", "view", "desktop"),
            ("u3", "2025-01-01 00:00", "view", "mobile"),
            ("u3", "2025-01-05 00:00", "view", "desktop"),
            ("u3", "2025-01-05 00:10", "cart", "desktop"),
        ],
        extra=["device"],
    )
    f = F.ordered_funnel(ev, ["view", "cart"], by="device")
    got = {(r.device, r.step): r.users for r in f.itertuples()}
    # desktop attempts: u2 (view), u3 (view, cart) ; mobile: u1 (view, cart), u3 (view -> cart 5 days later)
    assert got == {("desktop", 1): 2, ("desktop", 2): 1, ("mobile", 1): 2, ("mobile", 2): 2}


def test_bad_input_messages():
    ev = ORDER_LOG.copy()
    with pytest.raises(KpiDataError, match="missing column\\(s\\) 'user_id'"):
        F.ordered_funnel(ev.drop(columns="user_id"), STEPS)
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


def test_no_attempts_gives_zero_counts_not_an_error():
    ev = log([("u1", "2025-01-01", "other")])
    f = F.ordered_funnel(ev, STEPS)
    assert users(f) == [0, 0, 0] and f["conversion_from_start"].isna().all()
    assert F.ordered_funnel(ev, STEPS, by="event").empty
    assert F.ordered_funnel(ev.iloc[:0], STEPS, count="totals", exclude=[("remove", 1, 2)])["attempts"].tolist() == [
        0,
        0,
        0,
    ]


def test_tz_aware_timestamps_are_converted_to_utc_not_refused():
    # the same instants written in Ho Chi Minh City time (+07:00) give the same funnel as naive UTC
    ev = ORDER_LOG.copy()
    local = ev.assign(timestamp=ev["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Asia/Ho_Chi_Minh"))
    pd.testing.assert_frame_equal(F.ordered_funnel(local, STEPS), F.ordered_funnel(ev, STEPS))
