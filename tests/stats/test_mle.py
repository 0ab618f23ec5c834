"""Tests of kpikit.stats.mle: the Hessian by Richardson extrapolation, and the fitting base on a model
whose maximum-likelihood estimates and observed information are known in closed form."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

from kpikit.errors import ConvergenceError, IdentificationWarning, KpiDataError, KpiWarning
from kpikit.stats.mle import MaximumLikelihood, numerical_hessian

# ---------------------------------------------------------------------------------------------
# numerical_hessian
# ---------------------------------------------------------------------------------------------


def _f(x):
    # f = exp(x0) x1^2 + log(1 + x1^2) sin(x0) - 2 x0 x1
    return np.exp(x[0]) * x[1] ** 2 + np.log1p(x[1] ** 2) * np.sin(x[0]) - 2 * x[0] * x[1]


def _grad(x):
    return np.array(
        [
            np.exp(x[0]) * x[1] ** 2 + np.log1p(x[1] ** 2) * np.cos(x[0]) - 2 * x[1],
            2 * np.exp(x[0]) * x[1] + 2 * x[1] / (1 + x[1] ** 2) * np.sin(x[0]) - 2 * x[0],
        ]
    )


def _hess(x):
    # by hand from _grad
    e, s, c, q = np.exp(x[0]), np.sin(x[0]), np.cos(x[0]), 1 + x[1] ** 2
    h00 = e * x[1] ** 2 - np.log(q) * s
    h01 = 2 * e * x[1] + 2 * x[1] / q * c - 2
    h11 = 2 * e + 2 * (1 - x[1] ** 2) / q**2 * s
    return np.array([[h00, h01], [h01, h11]])


@pytest.mark.parametrize("x", [[0.3, -1.2], [-2.0, 0.5], [1.5, 3.0]])
def test_hessian_matches_the_hessian_by_hand(x):
    want = _hess(np.array(x))
    # from values: three levels from a step of 0.1; from the gradient: two levels from 0.01
    np.testing.assert_allclose(numerical_hessian(_f, x), want, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(numerical_hessian(_f, x, grad=_grad), want, rtol=1e-8, atol=1e-8)
    # extrapolation is what makes the large steps accurate: one plain central difference at 0.1 is not
    plain = numerical_hessian(_f, x, step=0.1, levels=1)
    assert np.max(np.abs(plain - want)) > 1e-4
    h = numerical_hessian(_f, x)
    assert np.array_equal(h, h.T)


def test_hessian_of_a_quadratic_and_per_coordinate_steps():
    A = np.array([[4.0, -1.0, 0.5], [-1.0, 3.0, 0.0], [0.5, 0.0, 2.0]])
    f = lambda x: 0.5 * x @ A @ x + x.sum()  # noqa: E731
    np.testing.assert_allclose(numerical_hessian(f, [0.1, 0.2, 0.3], step=[0.5, 0.01, 0.2]), A, atol=1e-9)
    with pytest.raises(KpiDataError, match="positive finite steps"):
        numerical_hessian(f, [0.0, 0.0, 0.0], step=0.0)
    # a function that is not finite next to the point gives a non-finite Hessian (no silent number)
    g = lambda x: np.log(x[0]) + x[1] ** 2  # noqa: E731
    with np.errstate(all="ignore"):
        assert not np.all(np.isfinite(numerical_hessian(g, [0.05, 1.0])))


# ---------------------------------------------------------------------------------------------
# The fitting base on the gamma distribution: y_i ~ Gamma(shape k, rate lam)
# ---------------------------------------------------------------------------------------------
# LL(k, lam) = n k log lam - n gammaln(k) + (k - 1) sum log y - lam sum y. At the maximum, lam = k / mean(y)
# and log k - digamma(k) = log mean(y) - mean(log y). In theta = (log k, log lam), where the score is 0,
#   d2 LL / dtheta_k^2 = -n k^2 trigamma(k),  d2 LL / dtheta_k dtheta_lam = n k,  d2 LL / dtheta_lam^2 = -n k
# (the score terms of the chain rule vanish at the maximum), so se(theta) = sqrt(diag(inv(-H))) by hand.


class _Gamma(MaximumLikelihood):
    _names = ("shape", "rate")
    _label = "Gamma"
    _fit_args = "y"

    def __init__(self, gradient="analytic", subsample_every=None):
        self._gradient = gradient
        self.subsample_every = subsample_every
        self.subsample_fits = 0

    def fit(self, y, initial_params=None):
        y = np.asarray(y, dtype=float)
        return self._fit(y, initial_params)

    def _starts(self, y):
        return [[1.0, 1.0 / y.mean()]]

    def _options(self):
        return {"ftol": 1e-15, "gtol": 1e-10}

    def _log_likelihood(self, theta, y):
        k, lam = np.exp(theta)
        n = y.size
        return n * k * np.log(lam) - n * special.gammaln(k) + (k - 1) * np.log(y).sum() - lam * y.sum()

    def _score(self, theta, y):
        k, lam = np.exp(theta)
        n = y.size
        return np.array([k * (n * np.log(lam) - n * special.digamma(k) + np.log(y).sum()), n * k - lam * y.sum()])

    def _objective(self, theta, y, with_grad):
        value = -self._log_likelihood(theta, y) / y.size
        return (value, -self._score(theta, y) / y.size) if with_grad else value

    def _subsample(self, y):
        if self.subsample_every is None or y.size < 200:  # small data: no warm start
            return None
        self.subsample_fits += 1
        return y[:: self.subsample_every]


@pytest.fixture(scope="module")
def gamma_sample():
    return np.random.default_rng(5).gamma(2.5, 1 / 0.8, 400)


def _gamma_by_hand(y):
    n = y.size
    k = optimize.brentq(
        lambda k: np.log(k) - special.digamma(k) - (np.log(y.mean()) - np.log(y).mean()), 1e-3, 1e3, xtol=1e-15
    )
    lam = k / y.mean()
    H = np.array([[-n * k**2 * special.polygamma(1, k), n * k], [n * k, -n * k]])
    se_log = np.sqrt(np.diag(np.linalg.inv(-H)))
    return np.array([k, lam]), se_log


@pytest.mark.parametrize("gradient", ["analytic", "central"])
def test_base_fits_and_standard_errors_match_the_closed_form(gamma_sample, gradient):
    params, se_log = _gamma_by_hand(gamma_sample)
    m = _Gamma(gradient).fit(gamma_sample)
    assert isinstance(m.params_, pd.Series) and m.params_.index.tolist() == ["shape", "rate"]
    np.testing.assert_allclose(m.params_.to_numpy(), params, rtol=1e-6)
    assert m.converged_ and m.iterations_ > 0
    assert m.log_likelihood_ == pytest.approx(m._log_likelihood(np.log(params), gamma_sample), abs=1e-8)
    # delta method: se = estimate x se(log estimate); the Hessian is taken at the fitted point
    _, se_here = _gamma_by_hand_at(gamma_sample, m.params_.to_numpy())
    np.testing.assert_allclose(m.standard_errors_.to_numpy(), m.params_.to_numpy() * se_here, rtol=1e-8)
    np.testing.assert_allclose(m.standard_errors_.to_numpy(), params * se_log, rtol=1e-5)


def _gamma_by_hand_at(y, params):
    # the exact Hessian at any point (with the score terms of the chain rule), for the fitted point
    n = y.size
    k, lam = params
    dk = n * np.log(lam) - n * special.digamma(k) + np.log(y).sum()
    H = np.array([[k * dk - n * k**2 * special.polygamma(1, k), n * k], [n * k, -lam * y.sum()]])
    return H, np.sqrt(np.diag(np.linalg.inv(-H)))


def test_summary_is_a_tidy_table_with_log_scale_intervals(gamma_sample):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentificationWarning)  # 400 draws identify both parameters
        m = _Gamma().fit(gamma_sample)
    t = m.summary(level=0.9)
    cols = ["parameter", "estimate", "standard_error", "ci_low", "ci_high", "identified", "reason"]
    assert t.columns.tolist() == cols
    assert m.identified_ and t["identified"].tolist() == [True, True] and t["reason"].tolist() == ["", ""]
    assert m.verdict() == "Gamma: every parameter is identified by the data (each standard error below its estimate)."
    assert t["parameter"].tolist() == ["shape", "rate"]
    se_log = m.standard_errors_ / m.params_
    z = 1.6448536269514722  # normal quantile 0.95
    np.testing.assert_allclose(t["ci_low"], m.params_ * np.exp(-z * se_log), rtol=1e-12)
    np.testing.assert_allclose(t["ci_high"], m.params_ * np.exp(z * se_log), rtol=1e-12)
    with pytest.raises(KpiDataError, match=r"Gamma is not fitted yet. Call fit\(y\) first"):
        _Gamma().summary()


def test_warm_starts_reach_the_same_optimum(gamma_sample):
    plain = _Gamma().fit(gamma_sample)
    given = _Gamma().fit(gamma_sample, initial_params=[5.0, 3.0])
    np.testing.assert_allclose(given.params_, plain.params_, rtol=1e-6)
    warm = _Gamma(subsample_every=4)
    warm.fit(gamma_sample)
    assert warm.subsample_fits >= 1
    np.testing.assert_allclose(warm.params_, plain.params_, rtol=1e-6)
    # starting from the caller's values skips the subsample fit
    again = _Gamma(subsample_every=4)
    again.fit(gamma_sample, initial_params=plain.params_.to_numpy())
    assert again.subsample_fits == 0


def test_optima_at_the_edge_are_returned_flagged_and_not_finite_ones_refused():
    class _Runaway(_Gamma):
        # the likelihood keeps rising as the shape grows: the optimum sits at the bound (log shape 20)
        def _log_likelihood(self, theta, y):
            return float(np.exp(theta[0]) - (theta[1] - 1.0) ** 2)

        def _score(self, theta, y):
            return np.array([np.exp(theta[0]), -2 * (theta[1] - 1.0)])

    r = _Runaway()
    r._label = "Runaway"
    with pytest.warns(
        IdentificationWarning,
        match=r"Runaway: the data do not identify shape \(estimate 485,200,000, standard error –: ran to the edge of its range \(towards infinity\)",
    ):
        r.fit(np.ones(3))
    assert not r.identified_ and issubclass(IdentificationWarning, KpiWarning)
    v = r.identification_.set_index("parameter")
    # shape: at the bound, and -H = diag(-e^20, 2) is not positive definite along it; rate: identified,
    # se(log rate) = sqrt(1 / 2) from the curvature 2
    assert v.loc["shape", "reason"] == (
        "ran to the edge of its range (towards infinity); the information matrix is singular or not positive definite"
    )
    assert bool(v.loc["rate", "identified"]) and v.loc["rate", "reason"] == ""
    assert r.standard_errors_["rate"] == pytest.approx(np.e * np.sqrt(0.5), rel=1e-6)
    assert r.summary()["identified"].tolist() == [False, True]

    class _Nowhere(_Gamma):
        def _objective(self, theta, y, with_grad):
            return (np.inf, np.zeros(2)) if with_grad else np.inf

    with pytest.raises(ConvergenceError, match="did not converge"):
        _Nowhere().fit(np.ones(3))


def test_flat_likelihood_gives_nan_standard_errors(gamma_sample):
    class _Flat(_Gamma):
        # the rate is not identified: the likelihood does not depend on it
        def _log_likelihood(self, theta, y):
            return float(-((theta[0] - 0.5) ** 2))

        def _score(self, theta, y):
            return np.array([-2 * (theta[0] - 0.5), 0.0])

    with pytest.warns(IdentificationWarning, match="do not identify rate"):
        m = _Flat().fit(gamma_sample)
    assert np.isnan(m.standard_errors_["rate"]) and np.isnan(m.summary()["ci_high"].iloc[1])
    # the information matrix diag(2, 0) is singular along the rate only: the shape keeps its standard
    # error, se(log shape) = sqrt(1 / 2), and its verdict
    assert m.standard_errors_["shape"] == pytest.approx(m.params_["shape"] * np.sqrt(0.5), rel=1e-6)
    assert m.identification_["identified"].tolist() == [True, False]
    assert m.identification_["reason"].iloc[1] == "the information matrix is singular or not positive definite"


def test_a_standard_error_above_the_estimate_is_flagged_as_by_hand():
    # Two draws from a gamma: the closed-form information gives se(log shape) and se(log rate); a
    # parameter is flagged exactly when its se(log) exceeds 1 (standard error above the estimate).
    y = np.array([0.2, 3.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = _Gamma().fit(y)
    _, se_log = _gamma_by_hand_at(y, m.params_.to_numpy())
    assert se_log.tolist() == pytest.approx((m.standard_errors_ / m.params_).tolist(), rel=1e-6)
    assert se_log[0] < 1 < se_log[1]  # by hand: 0.864 and 1.166
    assert m.identification_["identified"].tolist() == [True, False]
    assert m.identification_["reason"].tolist() == ["", "its standard error exceeds the estimate"]
    (w,) = [c for c in caught if issubclass(c.category, IdentificationWarning)]
    assert "shape (estimate" not in str(w.message) and "rate (estimate 0.51" in str(w.message)
    assert m.verdict().endswith("Results that rest on it are not findings.")
    # ten times the same draws: se(log) shrinks by sqrt(10) below 1, nothing is flagged
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentificationWarning)
        assert _Gamma().fit(np.tile(y, 10)).identified_
