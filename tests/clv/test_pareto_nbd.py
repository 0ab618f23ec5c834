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
    assert np.isfinite(m.standard_errors_).all()


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
    # Pareto/NBD has no analytic gradient: its Hessian comes from function values. The steps of 1e-4
    # used before left the standard errors 4e-5 off on CDNOW (s: 0.187287 against 0.187280); central
    # differences from a step of 0.1 extrapolated over three halvings are within 1e-7.
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
    assert np.max(np.abs(before / want - 1)) > 1e-5
