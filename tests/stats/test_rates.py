"""kpikit.stats.rates: Wilson, Jeffreys and exact intervals against references, Rate and rate_frame."""

from __future__ import annotations

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
    proportion_ci,
    rate_frame,
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


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from(["wilson", "jeffreys", "exact"]),
)
def test_interval_contains_estimate_and_stays_in_unit_range(kn, method):
    k, n = kn
    low, high = proportion_ci(k, n, method=method)
    assert 0.0 <= float(low) <= k / n + 1e-12 <= float(high) + 2e-12 <= 1.0 + 2e-12
