"""Hand-built subscription histories shared by the tests of kpikit.subscriptions (arithmetic in the comments)."""

from __future__ import annotations

import pandas as pd

COLS = ["customer_id", "subscription_id", "plan", "interval", "amount", "start", "end"]


def frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLS)
    df["start"] = pd.to_datetime(df["start"])
    df["end"] = pd.to_datetime(df["end"])
    return df


# Scenario A, monthly grain, periods Jan..Apr 2025 (boundaries Jan 1, Feb 1, Mar 1, Apr 1, May 1).
# A subscription counts at boundary b when start < b <= end.
#   c1  Monthly 20 from Jan 10                         F20 M20 A20 Y20           new Jan
#   c2  Plus 30 from Jan 1 + Monthly 15 Jan 15-Mar 10  F45 M45 A30 Y30           new Jan, contraction 15 Mar
#   c3  Annual 120 (10/month) Jan 5-Feb 20             F10 M0                    new Jan, churn 10 Feb
#   c4  Monthly 10 Jan 2-Feb 10, 25 Feb 10-25, 12 from Feb 25  F10 M12 A12 Y12   expansion 2 Feb (nets)
#   c5  Monthly 50 Jan 3-Feb 1, 40 from Mar 20         F50 M0 A40 Y40            churn 50 Feb, reactivation 40 Mar
#   c6  Monthly 99 Feb 3-Feb 17                        (never at a boundary)     same-period Feb
#   c7  Annual 1200 (100/month) Jan 1-Apr 1, Monthly 60 from Apr 1  F100 M100 A100 Y60  contraction 40 Apr
SCENARIO = [
    ("c1", "s1", "Box Monthly", "month", 20.00, "2025-01-10", None),
    ("c2", "s2a", "Box Plus Monthly", "month", 30.00, "2025-01-01", None),
    ("c2", "s2b", "Box Monthly", "month", 15.00, "2025-01-15", "2025-03-10"),
    ("c3", "s3", "Box Annual", "year", 120.00, "2025-01-05", "2025-02-20"),
    ("c4", "s4a", "Box Monthly", "month", 10.00, "2025-01-02", "2025-02-10"),
    ("c4", "s4b", "Box Monthly", "month", 25.00, "2025-02-10", "2025-02-25"),
    ("c4", "s4c", "Box Monthly", "month", 12.00, "2025-02-25", None),
    ("c5", "s5a", "Box Monthly", "month", 50.00, "2025-01-03", "2025-02-01"),
    ("c5", "s5b", "Box Monthly", "month", 40.00, "2025-03-20", None),
    ("c6", "s6", "Box Monthly", "month", 99.00, "2025-02-03", "2025-02-17"),
    ("c7", "s7a", "Box Annual", "year", 1200.00, "2025-01-01", "2025-04-01"),
    ("c7", "s7b", "Box Monthly", "month", 60.00, "2025-04-01", None),
]

AS_OF = "2025-04-30"


RENEWALS = [
    ("r1", "a1", "Box Annual", "year", 120.00, "2024-02-01", None),  # due 2025-02-01, renewed
    ("r2", "a2", "Box Annual", "year", 240.00, "2024-03-01", "2025-03-01"),  # due 2025-03-01, not renewed
    ("r3", "a3", "Box Annual", "year", 120.00, "2024-06-01", None),  # due 2025-06-01 (Q2)
    ("r4", "a4", "Box Annual", "year", 120.00, "2024-01-15", "2024-09-01"),  # cancelled mid-term: never due
    ("r5", "a5", "Box Annual", "year", 600.00, "2024-02-10", "2025-02-10"),  # due, replaced the same day
    ("r5", "m5", "Box Monthly", "month", 55.00, "2025-02-10", None),
    ("r6", "a6", "Box Annual", "year", 1200.00, "2023-03-05", None),  # due 2024-03-05 and 2025-03-05
]
