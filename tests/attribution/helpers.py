"""Small journeys for the tests of kpikit.attribution: touchpoints built from paths, and path tables."""

from __future__ import annotations

import pandas as pd


def touches(paths):
    """Touchpoints from [(user, [(day, channel), ...], converted, value)]."""
    rows = []
    for user, seq, conv, value in paths:
        for i, (day, ch) in enumerate(seq):
            last = i == len(seq) - 1
            rows.append(
                (
                    user,
                    pd.Timestamp("2025-01-01") + pd.Timedelta(days=day),
                    ch,
                    conv and last,
                    value if conv and last else 0.0,
                )
            )
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "channel", "converted", "value"])


def expand(table: pd.DataFrame, sep: str = ">") -> pd.DataFrame:
    """The touchpoints a path table stands for: one user per conversion and per null, value shared equally."""
    journeys = []
    for r in table.itertuples(index=False):
        seq = [(d, c.strip()) for d, c in enumerate(r.path.split(sep))]
        k, m = int(r.conversions), int(getattr(r, "nulls", 0))
        journeys += [(f"c{len(journeys) + i}", seq, True, r.value / k) for i in range(k)]
        journeys += [(f"n{len(journeys) + i}", seq, False, 0.0) for i in range(m)]
    return touches(journeys)


# P1: Paid Social (day 0) -> Email (day 7), converts 100
# P2: Paid Social -> Organic Search -> Direct, converts 50
# P3: Direct, converts 30
# P4: Paid Social, does not convert
HAND = touches(
    [
        ("u1", [(0, "Paid Social"), (7, "Email")], True, 100.0),
        ("u2", [(0, "Paid Social"), (1, "Organic Search"), (2, "Direct")], True, 50.0),
        ("u3", [(0, "Direct")], True, 30.0),
        ("u4", [(0, "Paid Social")], False, 0.0),
    ]
)

# Hand-solved three-channel chain (with a cycle A <-> B):
# paths: A,B -> conv; B,A -> null; A,C -> conv; C -> null
CHAIN = touches(
    [
        ("u1", [(0, "A"), (1, "B")], True, 10.0),
        ("u2", [(0, "B"), (1, "A")], False, 0.0),
        ("u3", [(0, "A"), (1, "C")], True, 30.0),
        ("u4", [(0, "C")], False, 0.0),
    ]
)

# A path table as attribution tools export it (4 conversions worth 180, 6 paths without one):
#   A > B          2 conversions, value 100, 1 null
#   B              1 conversion,  value  30, 2 nulls
#   A > B > Direct 1 conversion,  value  50, 0 nulls
#   Direct         0 conversions, value   0, 3 nulls
PATH_EXPORT = pd.DataFrame(
    {
        "path": ["A > B", "B", "A > B > Direct", "Direct"],
        "total_conversions": [2, 1, 1, 0],
        "total_conversion_value": [100.0, 30.0, 50.0, 0.0],
        "total_null": [1, 2, 0, 3],
    }
)
EXPORT_COLUMNS = {"conversions": "total_conversions", "value": "total_conversion_value", "nulls": "total_null"}


def export_as_read() -> pd.DataFrame:
    """PATH_EXPORT with the canonical column names (path, conversions, value, nulls), for :func:`expand`."""
    return PATH_EXPORT.rename(columns={v: k for k, v in EXPORT_COLUMNS.items()})
