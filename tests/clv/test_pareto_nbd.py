"""Tests of kpikit.clv.pareto_nbd: Pareto/NBD against the published CDNOW fit, the formulas, integrals and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

import kpikit.clv as clv
from tests.clv.common import _hyp2f1_series


def test_pareto_nbd_reproduces_published(cdnow_summary):
    # Paper: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
    m = clv.ParetoNBD().fit(cdnow_summary)
    assert m.params_.round(3).tolist() == [0.553, 10.578, 0.606, 11.669]
    assert round(m.log_likelihood_, 1) == -9595.0
    assert np.isfinite(m.standard_errors_).all() and m.identified_


def _log_integral_by_quad(tx, T, alpha, beta, a, b):
    # log of int_{t_x}^T (alpha+t)^-a (beta+t)^-b dt by adaptive quadrature (QUADPACK) on panels whose
    # edges are spread geometrically from t_x, the integrand scaled by its value at t_x
    def log_f(t):
        return -a * np.log1p((t - tx) / (alpha + tx)) - b * np.log1p((t - tx) / (beta + tx))

    edges = tx + np.concatenate([[0.0], np.geomspace(1e-9 * (T - tx), T - tx, 40)])
    total = sum(
        integrate.quad(lambda t: math.exp(log_f(t)), lo, hi, epsabs=0, epsrel=1e-13, limit=200)[0]
        for lo, hi in zip(edges[:-1], edges[1:])
    )
    return -a * math.log(alpha + tx) - b * math.log(beta + tx) + math.log(total)


def test_pareto_integral_by_tanh_sinh_quadrature_matches_adaptive_quadrature():
    # The integral of the likelihood over parameters from 1e-2 to 1e6 (alpha far below, near and far
    # above beta; s near 0 as on a customer base without dropout signal; up to 2,000 repeat purchases),
    # against QUADPACK: within 1e-8 of log I everywhere, 1e-10 for nine cases in ten.
    from kpikit.clv.pareto_nbd import _log_integral

    rng = np.random.default_rng(1)
    errors = []
    for k in range(150):
        alpha, beta = np.exp(rng.uniform(-4, 14, 2))
        if k % 5 == 0:
            beta = alpha * (1 + 1e-4 * rng.uniform(-1, 1))
        r, s = np.exp(rng.uniform(-4, 5, 2))
        if k % 7 == 0:
            s = np.exp(rng.uniform(-19, -10))
        x = int(rng.choice([0, 1, 2, 5, 20, 100, 2000]))
        T = float(np.exp(rng.uniform(-1, 7)))
        tx = 0.0 if x == 0 else T * rng.uniform(0, 1) ** rng.choice([1, 5, 20])
        got = _log_integral([tx], [T], alpha, beta, [r + x], [s + 1])[0]
        errors.append(abs(got - _log_integral_by_quad(tx, T, alpha, beta, r + x, s + 1)))
    assert max(errors) < 1e-8 and np.quantile(errors, 0.9) < 1e-10
    # no repeat purchase window left (t_x = T): the integral is 0
    assert _log_integral([5.0], [5.0], 2.0, 3.0, [1.5], [1.2])[0] == -np.inf


@pytest.mark.parametrize(
    "params",
    [(0.553, 10.578, 0.606, 11.669), (1.7, 258.0, 124.0, 71793.0), (0.5, 10.0, 2e-8, 3.0), (0.05, 0.3, 30.0, 2e4)],
)
def test_pareto_gradient_matches_numerical_differentiation(cdnow_published, params):
    # the analytic gradient of the total log-likelihood (quadrature nodes shared with the value) against
    # Richardson-extrapolated central differences of the value, on the log-parameters
    from scipy.differentiate import derivative

    d = clv.base._group(
        cdnow_published["frequency"].to_numpy(float),
        cdnow_published["recency"].to_numpy(),
        cdnow_published["T"].to_numpy(),
        np.ones(len(cdnow_published)),
    )
    m = clv.ParetoNBD()
    p = np.array(params)
    total, grad = m._grad(p, d)
    assert total == pytest.approx(float(np.dot(d.w, m._loglik(p, d))), rel=1e-13)

    def ll(theta_i, i):
        out = []
        for t in np.atleast_1d(theta_i).ravel():
            q = np.log(p)
            q[i] = t
            out.append(float(np.dot(d.w, m._loglik(np.exp(q), d))))
        return np.reshape(out, np.shape(theta_i))

    numeric = np.array([derivative(lambda t, i=i: ll(t, i), np.log(p[i]), initial_step=0.05).df for i in range(4)])
    np.testing.assert_allclose(grad * p, numeric, rtol=1e-7, atol=1e-6)


def _pareto_lik_integral(x, tx, T, r, alpha, s, beta):
    # Individual likelihood lam^x e^{-(lam+mu)T} + lam^x mu/(lam+mu) (e^{-(lam+mu)t_x} - e^{-(lam+mu)T})
    # and mu/(lam+mu) (e^{-(lam+mu)t_x} - e^{-(lam+mu)T}) = int_{t_x}^T mu e^{-(lam+mu)tau} dtau, so after
    # mixing over lam ~ Gamma(r, alpha), mu ~ Gamma(s, beta) in closed form, one integral over tau is left:
    # L = C [1/((alpha+T)^(r+x) (beta+T)^s) + s int_{t_x}^T (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau]
    logc = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + s * math.log(beta)
    inner, _ = integrate.quad(
        lambda tau: (alpha + tau) ** -(r + x) * (beta + tau) ** -(s + 1), tx, T, epsabs=0, epsrel=1e-12
    )
    return math.exp(logc) * ((alpha + T) ** -(r + x) * (beta + T) ** -s + s * inner)


@pytest.mark.parametrize("params", [(0.55, 10.6, 0.61, 11.7), (0.55, 10.6, 0.61, 4.0), (1.2, 3.0, 0.8, 3.0)])
def test_pareto_loglik_matches_numerical_integration_both_branches(params):
    # alpha < beta, alpha > beta and alpha == beta use different 2F1 forms
    m = clv.ParetoNBD()
    for x, tx, T in [(0, 0.0, 20.0), (2, 8.0, 20.0), (5, 19.0, 20.0), (40, 1.0, 20.0)]:
        d = clv.base._group(np.array([float(x)]), np.array([tx]), np.array([T]), np.ones(1))
        got = float(m._loglik(np.array(params), d)[0])
        assert got == pytest.approx(math.log(_pareto_lik_integral(x, tx, T, *params)), abs=1e-7)


def test_pareto_predictions_match_formulas_for_one_customer():
    r, alpha, s, beta = 0.553, 10.578, 0.606, 11.669
    m = clv.ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta, unit="W")
    x, tx, T, t = 2, 30.43, 38.86, 39.0
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})

    # P(alive) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0), alpha < beta branch, plain series
    def F(y):
        return _hyp2f1_series(r + s + x, r + x, r + s + x + 1, (beta - alpha) / (beta + y)) / (beta + y) ** (r + s + x)

    a0 = F(tx) - F(T)
    pa = 1 / (1 + s / (r + s + x) * (alpha + T) ** (r + x) * (beta + T) ** s * a0)
    assert float(m.probability_alive(one).iloc[0]) == pytest.approx(pa, rel=1e-9)
    ey = pa * (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
    assert float(m.predict_purchases(t, one).iloc[0]) == pytest.approx(ey, rel=1e-9)
    ex = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
    assert m.expected_purchases_new(t) == pytest.approx(ex, rel=1e-12)


pos = st.floats(0.05, 20.0)


@st.composite
def customers(draw):
    T = draw(st.floats(0.5, 100.0))
    x = draw(st.integers(0, 60))
    tx = 0.0 if x == 0 else draw(st.floats(0.0, 1.0)) * T
    return x, tx, T


@settings(max_examples=40, deadline=None)
@given(r=pos, alpha=pos, s=pos, beta=pos, c=customers(), t1=st.floats(0, 200), dt=st.floats(0, 200))
def test_pareto_properties(r, alpha, s, beta, c, t1, dt):
    x, tx, T = c
    m = clv.ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    p = float(m.probability_alive(one).iloc[0])
    assert 0.0 <= p <= 1.0
    y1 = float(m.predict_purchases(t1, one).iloc[0])
    y2 = float(m.predict_purchases(t1 + dt, one).iloc[0])
    assert y1 >= 0 and y2 >= y1 * (1 - 1e-9) - 1e-12


def test_pareto_standard_errors_match_an_independent_hessian(cdnow_published):
    # The Hessian comes from differences of the analytic gradient, extrapolated; it agrees with an
    # independent Hessian of the values (scipy.differentiate) within 1e-7 (4e-10 here). Plain central
    # differences of the values with steps of 1e-4 (what kpikit once used) are 3e-6 off (s: 0.1872792
    # against 0.1872797); on the hypergeometric likelihood kpikit had before its quadrature, 4e-5.
    from scipy.differentiate import hessian

    from kpikit.stats.mle import numerical_hessian

    m = clv.ParetoNBD().fit(cdnow_published)
    d = clv.base._group(
        cdnow_published["frequency"].to_numpy(float),
        cdnow_published["recency"].to_numpy(),
        cdnow_published["T"].to_numpy(),
        np.ones(len(cdnow_published)),
    )
    theta = np.log(m.params_.to_numpy())

    def ll(th):
        return m._penalised_log_likelihood(th, d)

    res = hessian(lambda X: np.apply_along_axis(ll, 0, X), theta, initial_step=0.5)
    assert (res.status == 0).all()
    want = m.params_.to_numpy() * np.sqrt(np.diag(np.linalg.inv(-res.ddf)))
    np.testing.assert_allclose(m.standard_errors_.to_numpy(), want, rtol=1e-7)
    before = m.params_.to_numpy() * np.sqrt(np.diag(np.linalg.inv(-numerical_hessian(ll, theta, step=1e-4, levels=1))))
    assert np.max(np.abs(before / want - 1)) > 1e-6
