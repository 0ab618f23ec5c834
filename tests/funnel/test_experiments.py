"""kpikit.funnel.experiments: landing-page conversion and A/B tests against a reference."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import funnel as F
from kpikit.errors import KpiDataError


def test_landing_page_conversion_and_ab_reference():
    s = pd.DataFrame(
        {
            "landing_page": ["/x"] * 4 + ["/y"] * 2,
            "variant": ["A", "A", "B", "B", None, None],
            "conversions": [0, 1, 2, 1, 0, 0],
        }
    )
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
    sessions = pd.DataFrame(
        {
            "landing_page": ["/l"] * 4800 + ["/o"],
            "variant": ["A"] * 2400 + ["B"] * 2400 + [None],
            "conversions": [1] * 120 + [0] * 2280 + [1] * 150 + [0] * 2250 + [0],
        }
    )
    r2 = F.ab_test_sessions(sessions, "/l")
    assert r2.comparison.a.successes == 150 and r2.comparison.a.trials == 2400
    with pytest.raises(KpiDataError, match="variant 'C'"):
        F.ab_test_sessions(sessions, "/l", treatment="C")
