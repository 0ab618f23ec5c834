"""kpikit.stats: intervals, comparisons, FDR, against reference values."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

import kpikit as kk
from kpikit.errors import KpiDataError, SmallSampleWarning
from kpikit.stats import (
    bayes_compare,
    control_limits,
    mean_ci,
    newcombe_interval,
    proportion_ci,
    rate_frame,
    shrink_rates,
    two_proportion_ztest,
)


def test_wilson_reference_150_of_2380():
    # Issue reference: Wilson 95% for 150/2380 = [0.053949, 0.073510].
    r = kk.rate(150, 2380)
    assert r.value == pytest.approx(150 / 2380)
    assert r.low == pytest.approx(0.053949, abs=5e-7)
    assert r.high == pytest.approx(0.073510, abs=5e-7)
    assert float(r) == r.value
    assert (r.successes, r.trials, r.method, r.level) == (150, 2380, "wilson", 0.95)


def test_wilson_by_hand_small_case():
    # 2/4 at z = 1.959964: centre (2 + z^2/2)/(4 + z^2) = 0.5; half = z*sqrt(1 + z^2/4)/(4 + z^2)
    z = 1.959963984540054
    half = z * math.sqrt(2 * 2 / 4 + z**2 / 4) / (4 + z**2)
    low, high = proportion_ci(2, 4)
    assert float(low) == pytest.approx(0.5 - half)
    assert float(high) == pytest.approx(0.5 + half)


@pytest.mark.parametrize("method,scipy_method", [("wilson", "wilson"), ("exact", "exact")])
@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 10), (10, 10), (37, 1000)])
def test_intervals_agree_with_scipy(method, scipy_method, k, n):
    low, high = proportion_ci(k, n, method=method)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method=scipy_method)
    assert float(low) == pytest.approx(ci.low, abs=1e-9)
    assert float(high) == pytest.approx(ci.high, abs=1e-9)


def test_jeffreys_interval_quantiles():
    # Jeffreys: Beta(k + 1/2, n - k + 1/2) equal-tailed; 150/2380 -> [0.05379, 0.07332]
    low, high = proportion_ci(150, 2380, method="jeffreys")
    assert float(low) == pytest.approx(0.0537895, abs=1e-6)
    assert float(high) == pytest.approx(0.0733227, abs=1e-6)
    low0, _ = proportion_ci(0, 20, method="jeffreys")
    assert float(low0) == 0.0


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


def test_zero_trials_raise():
    with pytest.raises(KpiDataError, match="at least one trial"):
        kk.rate(0, 0)


def test_bad_counts_raise():
    with pytest.raises(KpiDataError, match="between 0 and trials"):
        kk.rate(11, 10)
    with pytest.raises(KpiDataError, match="whole count"):
        kk.rate(0.5, 10)


def test_small_sample_warns_and_large_does_not():
    with pytest.warns(SmallSampleWarning, match="small sample"):
        r = kk.rate(3, 12)
    assert r.small_sample
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not kk.rate(150, 2380).small_sample


def test_rate_reprs():
    r = kk.rate(150, 2380)
    assert repr(r) == "Rate(0.0630, wilson 95% CI [0.0539, 0.0735], 150/2380)"
    assert str(r) == "6.3% (95% CI 5.4% to 7.4%; 150 of 2,380)"
    assert "<strong>6.3%</strong>" in r._repr_html_()


def test_rate_frame_adds_columns_and_nan_for_empty():
    import pandas as pd

    f = rate_frame(pd.DataFrame({"k": [150, 0], "n": [2380, 0]}), "k", "n", "rate")
    assert f.loc[0, "ci_low"] == pytest.approx(0.053949, abs=5e-7)
    assert np.isnan(f.loc[1, "rate"]) and np.isnan(f.loc[1, "ci_low"])
    assert f["small_sample"].tolist() == [False, True]


def test_mean_ci_by_hand():
    # values 1..5: mean 3, s = sqrt(2.5), t_{4,0.975} = 2.776445 -> half 1.963243
    s = mean_ci([1, 2, 3, 4, 5])
    assert s.value == 3 and s.high - 3 == pytest.approx(2.7764451 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)


def test_control_limits_by_hand():
    # centre = 30/300 = 0.1; n = 100: 3*sqrt(0.1*0.9/100) = 0.09 -> [0.01, 0.19]; 0.25 is a signal
    lim = control_limits([5, 25, 0], [100, 100, 100])
    assert lim["centre"].iloc[0] == pytest.approx(0.1)
    assert lim["lcl"].iloc[0] == pytest.approx(0.01)
    assert lim["ucl"].iloc[0] == pytest.approx(0.19)
    assert lim["signal"].tolist() == [False, True, True]


def test_shrinkage_pulls_small_segments_towards_pooled_rate():
    k = np.array([3, 400, 500, 450, 0])
    n = np.array([3, 1000, 1000, 1000, 2])
    shrunk, a, b = shrink_rates(k, n)
    pooled = 853 / 3006
    assert abs(shrunk[0] - pooled) < abs(1.0 - pooled)  # 3/3 is pulled well below 100%
    assert shrunk[0] < 0.6
    assert shrunk[1] == pytest.approx(0.4, abs=0.01)  # large segments barely move


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from(["wilson", "jeffreys", "exact"]))
def test_interval_contains_estimate_and_stays_in_unit_range(kn, method):
    k, n = kn
    low, high = proportion_ci(k, n, method=method)
    assert 0.0 <= float(low) <= k / n + 1e-12 <= float(high) + 2e-12 <= 1.0 + 2e-12


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_newcombe_contains_difference(a, b):
    low, high = newcombe_interval(a[0], a[1], b[0], b[1])
    d = a[0] / a[1] - b[0] / b[1]
    assert float(low) <= d + 1e-12 and d - 1e-12 <= float(high)
    assert -1 - 1e-12 <= float(low) and float(high) <= 1 + 1e-12
