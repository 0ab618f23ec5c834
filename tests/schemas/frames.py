"""Small valid frames of every canonical table, shared by the tests of kpikit.schemas."""

from __future__ import annotations

import numpy as np
import pandas as pd

CANONICAL = [
    "events",
    "sessions",
    "leads",
    "touchpoints",
    "spend",
    "subscriptions",
    "transactions",
    "surveys",
    "tickets",
    "social",
    "benchmarks",
]


def good_frames() -> dict[str, pd.DataFrame]:
    """One small valid frame per canonical table, with every canonical column present."""
    t = pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00"])
    return {
        "events": pd.DataFrame(
            {
                "user_id": ["u1", "u2"],
                "timestamp": t,
                "event": ["page_view", "purchase"],
                "session_id": ["s1", "s2"],
                "page": ["/", "/shop"],
                "source": ["google", "x"],
                "medium": ["organic", "cpc"],
                "channel": ["Organic Search", "Paid Search"],
                "device": ["mobile", "desktop"],
                "country": ["DE", "NA"],
                "value": [np.nan, 49.0],
                "engagement_time_msec": [np.nan, 1200.0],
            }
        ),
        "sessions": pd.DataFrame(
            {
                "session_id": ["s1", "s2"],
                "start": t,
                "user_id": ["u1", "u2"],
                "landing_page": ["/", "/shop"],
                "pageviews": [1, 3],
                "engagement_time_s": [0.0, 42.5],
                "conversions": [0, 1],
                "engaged": [False, True],
                "is_new_user": [True, False],
                "variant": [None, "B"],
            }
        ),
        "leads": pd.DataFrame(
            {
                "lead_id": ["l1", "l2"],
                "created_at": t,
                "source": ["web", "event"],
                "mql_at": [t[0] + pd.Timedelta("1D"), pd.NaT],
                "sql_at": [pd.NaT, pd.NaT],
                "won_at": [t[0] + pd.Timedelta("9D"), pd.NaT],
                "value": [1000.0, np.nan],
            }
        ),
        "touchpoints": pd.DataFrame(
            {
                "user_id": ["u1", "u1"],
                "timestamp": t,
                "channel": ["Email", "Direct"],
                "converted": [False, True],
                "value": [0.0, 80.0],
            }
        ),
        "spend": pd.DataFrame(
            {
                "period": pd.to_datetime(["2024-01-01", "2024-02-01"]),
                "channel": ["Email", "Paid Search"],
                "cost": [100.0, 2500.0],
                "category": ["tools", "digital"],
            }
        ),
        "subscriptions": pd.DataFrame(
            {
                "customer_id": ["c1", "c2"],
                "subscription_id": ["s1", "s2"],
                "start": t,
                "plan": ["Box Monthly", "Box Annual"],
                "interval": ["month", "year"],
                "amount": [19.0, 190.0],
                "end": [t[0] + pd.Timedelta("60D"), pd.NaT],
                "quantity": [1, 2],
            }
        ),
        "transactions": pd.DataFrame(
            {"customer_id": ["c1", "c2"], "timestamp": t, "amount": [10.0, 0.0], "channel": ["Email", "Direct"]}
        ),
        "surveys": pd.DataFrame(
            {
                "respondent_id": ["r1", "r2", "r3"],
                "timestamp": list(t) + [t[0]],
                "kind": ["nps", "csat", "ces"],
                "score": [10, 5, 1],
                "customer_id": ["c1", None, "c2"],
            }
        ),
        "tickets": pd.DataFrame(
            {
                "ticket_id": ["t1", "t2"],
                "created_at": t,
                "customer_id": ["c1", "c2"],
                "first_response_at": t + pd.Timedelta("1h"),
                "solved_at": [t[0] + pd.Timedelta("2h"), pd.NaT],
                "agent_replies": [1, 0],
                "reopened_at": [pd.NaT, pd.NaT],
                "channel": ["email", "chat"],
            }
        ),
        "social": pd.DataFrame(
            {
                "date": pd.to_datetime(["2024-03-01", "2024-03-01"]),
                "platform": ["Instagram", "Instagram"],
                "brand": ["Juniper Box", "Alder Crate"],
                **{
                    c: [10, 20]
                    for c in (
                        "followers",
                        "impressions",
                        "reach",
                        "likes",
                        "comments",
                        "shares",
                        "mentions",
                        "clicks",
                        "conversions",
                        "posts",
                    )
                },
            }
        ),
        "benchmarks": pd.DataFrame(
            {
                "metric": ["bounce_rate", "email_open_rate"],
                "source": ["HubSpot", "Mailchimp"],
                "segment": ["retail", "all"],
                "p25": [0.20, np.nan],
                "p50": [np.nan, np.nan],
                "p75": [0.40, np.nan],
                "value": [0.30, 0.2271],
                "n": [np.nan, np.nan],
                "year": [np.nan, 2019],
                "unit": ["fraction", "fraction"],
                "note": ["", ""],
            }
        ),
    }
