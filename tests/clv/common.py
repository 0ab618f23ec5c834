"""Helpers shared by the tests of kpikit.clv: CDNOW paths, transactions by hand, the Gauss series of 2F1."""

from __future__ import annotations

import pandas as pd

from tests.paths import TEST_DATA

CDNOW = TEST_DATA / "cdnow"

#: Fader, Hardie and Lee (2005): the BG/NBD estimates on CDNOW (weeks).
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _tx(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "amount": [float(r[2]) for r in rows],
            "channel": [r[3] if len(r) > 3 else "Direct" for r in rows],
        }
    )


def _hyp2f1_series(a, b, c, z, terms=4000):
    # Gauss series sum_n (a)_n (b)_n / (c)_n z^n / n!, |z| < 1
    total, term = 1.0, 1.0
    for n in range(terms):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
    return total
