"""kpikit.stats.compare: Newcombe, the z test, the Bayesian comparison and FDR against reference values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpikit as kk
from kpikit.stats import (
    bayes_compare,
    newcombe_interval,
    two_proportion_ztest,
)


def test_compare_rates_reference():
    # Issue reference: pooled z 1.9504, p 0.0511, Newcombe [-0.000086, 0.026227].
    c = kk.compare_rates((150, 2380), (120, 2400))
    assert c.difference == pytest.approx(150 / 2380 - 120 / 2400)
    assert c.z == pytest.approx(1.9504, abs=5e-5)
    assert c.p_value == pytest.approx(0.0511, abs=5e-5)
    assert c.low == pytest.approx(-0.000086, abs=5e-7)
    assert c.high == pytest.approx(0.026227, abs=5e-7)
    assert c.relative_change == pytest.approx((150 / 2380) / (120 / 2400) - 1)


def test_compare_rates_accepts_rate_objects():
    a, b = kk.rate(150, 2380), kk.rate(120, 2400)
    assert kk.compare_rates(a, b).z == pytest.approx(kk.compare_rates((150, 2380), (120, 2400)).z)


def test_ztest_degenerate_is_no_difference():
    z, p = two_proportion_ztest(0, 10, 0, 20)
    assert float(z) == 0.0 and float(p) == 1.0


def test_bayes_reference():
    # Issue reference: 150/2380 (B) vs 120/2400 (A) gives P(B > A) about 0.975.
    res = bayes_compare((120, 2400), (150, 2380), seed=1)
    assert res.prob_b_beats_a == pytest.approx(0.975, abs=0.005)
    assert res.expected_loss_b < res.expected_loss_a
    assert bayes_compare((120, 2400), (150, 2380), seed=1) == res  # seeded: deterministic


def test_fdr_by_hand():
    # BH: sorted p 0.01, 0.03, 0.04, 0.2 (m = 4): p*m/rank = 0.04, 0.06, 0.0533, 0.2 -> monotone
    # from the top: 0.2, 0.0533, 0.0533, 0.04.
    q = kk.fdr([0.01, 0.04, 0.03, 0.2])
    assert q.tolist() == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    q2 = kk.fdr([0.01, np.nan, 0.2])
    assert np.isnan(q2[1]) and q2[0] == pytest.approx(0.02) and q2[2] == pytest.approx(0.2)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_contains_difference(a, b):
    low, high = newcombe_interval(a[0], a[1], b[0], b[1])
    d = a[0] / a[1] - b[0] / b[1]
    assert float(low) <= d + 1e-12 and d - 1e-12 <= float(high)
    assert -1 - 1e-12 <= float(low) and float(high) <= 1 + 1e-12
