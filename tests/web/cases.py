"""The hand-worked cases shared by the web tests: six GA4 sessions and aggregated page rows.

Values are worked out by hand in the comments; the GA4 rule is: engaged when engagement time > 10 s,
or a key event, or 2+ page views; bounce (GA4) = not engaged; bounce (UA) = at most one interaction.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

Z = 1.959963984540054  # normal quantile of 0.975


def wilson(k, n, z=Z):
    """Wilson interval, written out: centre (k + z^2/2)/(n + z^2), half z sqrt(k(n-k)/n + z^2/4)/(n + z^2)."""
    centre = (k + z * z / 2) / (n + z * z)
    half = z * math.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def T(hms: str) -> pd.Timestamp:
    return pd.Timestamp(f"2025-03-03 {hms}")


def ev(rows):
    """Events frame from (user, session, time, event, page, engagement_msec) tuples."""
    df = pd.DataFrame(rows, columns=["user_id", "session_id", "timestamp", "event", "page", "engagement_time_msec"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df


EVENTS = ev(
    [
        # A/1: one page view, 4 s engagement: GA4 bounce; UA: one interaction (session_start,
        # user_engagement are non-interaction) -> bounce
        ("A", 1, T("10:00:00"), "session_start", "/", np.nan),
        ("A", 1, T("10:00:00"), "page_view", "/", np.nan),
        ("A", 1, T("10:00:05"), "user_engagement", "/", 4000),
        # A/2: two page views -> engaged; UA: two interactions -> not a bounce
        ("A", 2, T("11:00:00"), "page_view", "/shop", np.nan),
        ("A", 2, T("11:00:20"), "page_view", "/product/x", 20000),
        # B/1 (same ga_session_id as A/1: unique only per user): exactly 10 s -> NOT engaged
        ("B", 1, T("10:00:00"), "page_view", "/blog/a", np.nan),
        ("B", 1, T("10:00:10"), "user_engagement", "/blog/a", 10000),
        # C/5: key event on the first page -> engaged with 1 page view, 3 s; UA: 2 interactions
        ("C", 5, T("12:00:00"), "page_view", "/pricing", np.nan),
        ("C", 5, T("12:00:03"), "generate_lead", "/pricing", 3000),
        # D/7: only non-page events -> landing "(not set)", 0 page views, not engaged; UA: 0 interactions
        ("D", 7, T("13:00:00"), "session_start", None, np.nan),
        ("D", 7, T("13:00:02"), "user_engagement", None, 2000),
        # E/9: 15 s engagement with one page view -> GA4 engaged; scroll is non-interaction -> UA bounce
        ("E", 9, T("09:00:00"), "page_view", "/", np.nan),
        ("E", 9, T("09:00:30"), "scroll", "/", 15000),
    ]
)


AGG = pd.DataFrame(
    {
        "landing_page": ["/landing/a", "/blog/x", "/shop", "/tiny"],
        "sessions": [1000, 1000, 1000, 3],
        "bounces": [700, 800, 300, 3],
    }
)
