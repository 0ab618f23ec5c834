"""Hand-built event logs shared by the funnel tests."""

from __future__ import annotations

import pandas as pd


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
ORDER_LOG = log(
    [
        ("u1", "2025-01-01 10:00:00", "view"),
        ("u1", "2025-01-01 10:05:00", "other"),
        ("u1", "2025-01-01 10:10:00", "cart"),
        ("u1", "2025-01-02 10:00:00", "buy"),
        ("u2", "2025-01-01 10:00:00", "cart"),
        ("u2", "2025-01-01 10:01:00", "view"),
        ("u2", "2025-01-01 10:02:00", "buy"),
        ("u3", "2025-01-01 10:00:00", "view"),
        ("u3", "2025-01-08 10:00:00", "cart"),
        ("u4", "2025-01-01 10:00:00", "view"),
        ("u4", "2025-01-01 11:00:00", "buy"),
        ("u4", "2025-01-01 12:00:00", "cart"),
        ("u5", "2025-01-01 10:00:00", "view"),
        ("u5", "2025-01-08 10:00:01", "cart"),
    ]
)


def users(frame):
    return frame["users"].tolist()


def device_log():
    """40 mobile users (10 reach cart) and 40 desktop users (30 reach cart), with a ``device`` column."""
    return log(
        [(f"m{i}", "2025-01-01", "view", "mobile") for i in range(40)]
        + [(f"m{i}", "2025-01-01 01:00", "cart", "mobile") for i in range(10)]
        + [(f"d{i}", "2025-01-01", "view", "desktop") for i in range(40)]
        + [(f"d{i}", "2025-01-01 01:00", "cart", "desktop") for i in range(30)],
        extra=["device"],
    )
