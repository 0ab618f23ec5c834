"""Tests of kpikit.clv.beta_geo: BG/NBD against Fader, Hardie and Lee (2005), the formulas, integrals and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

import kpikit.clv as clv
from kpikit.errors import KpiDataError, KpiWarning
from tests.clv.common import BG, _hyp2f1_series


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_summary, cdnow_published):
    # Paper: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    for summary in (cdnow_summary, cdnow_published):
        m = clv.BetaGeo().fit(summary)
        assert m.params_.round(3).tolist() == [0.243, 4.414, 0.793, 2.426]
        assert round(m.log_likelihood_, 1) == -9582.4
        assert m.n_customers_ == 2357
        assert m.unit_ == "W"
    assert m.n_distinct_rows_ < 2357  # identical (x, t_x, T) rows are grouped
    se = m.standard_errors_
    assert (se > 0).all() and (se < m.params_).all()
    table = m.summary()
    assert table.columns.tolist()[:5] == ["parameter", "estimate", "standard_error", "ci_low", "ci_high"]
    assert table["identified"].all()
    assert (table["ci_low"] < table["estimate"]).all() and (table["estimate"] < table["ci_high"]).all()


def test_bgnbd_conditional_expectation_published_customer(cdnow_summary):
    # Fader, Hardie and Lee (2005), section 4: a customer with x = 2, t_x = 30.43, T = 38.86 is
    # expected to make 1.226 purchases in the next 39 weeks.
    m = clv.BetaGeo().fit(cdnow_summary)
    one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    assert round(float(m.predict_purchases(39, one).iloc[0]), 3) == 1.226


def test_bgnbd_predictions_match_formulas_for_one_customer():
    r, alpha, a, b = BG.values()
    m = clv.BetaGeo.from_params(**BG, unit="W")
    x, tx, T, t = 4, 30.0, 38.0, 52.0
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    # P(alive) = 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))
    pa = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))
    assert float(m.probability_alive(one).iloc[0]) == pytest.approx(pa, rel=1e-12)
    # eq. 10 written as in the paper, with the plain Gauss series
    z = t / (alpha + T + t)
    h = _hyp2f1_series(r + x, b + x, a + b + x - 1, z)
    ey = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * h) * pa
    assert float(m.predict_purchases(t, one).iloc[0]) == pytest.approx(ey, rel=1e-9)
    # eq. 7: E[X(t)] = (a + b - 1) / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; t / (alpha + t))]
    ex = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * _hyp2f1_series(r, b, a + b - 1, t / (alpha + t)))
    assert m.expected_purchases_new(t) == pytest.approx(ex, rel=1e-9)


def _bgnbd_lik_integrals(x, tx, T, r, alpha, a, b):
    # The individual likelihood (1-p)^x lam^x e^{-lam T} + [x>0] p (1-p)^(x-1) lam^x e^{-lam t_x},
    # mixed over lam ~ Gamma(r, alpha) and p ~ Beta(a, b). Two one-dimensional checks: numerically
    # over lam (p integrated in closed form), and numerically over p (lam in closed form).
    gpdf = stats.gamma(r, scale=1 / alpha).pdf
    e1 = math.exp(special.betaln(a, b + x) - special.betaln(a, b))
    e2 = math.exp(special.betaln(a + 1, b + x - 1) - special.betaln(a, b)) if x > 0 else 0.0
    over_lam, _ = integrate.quad(
        lambda lam: (e1 * lam**x * math.exp(-lam * T) + e2 * lam**x * math.exp(-lam * tx)) * gpdf(lam),
        0,
        np.inf,
        epsabs=0,
        epsrel=1e-11,
        limit=200,
    )

    def lam_part(y):  # E[lam^x e^{-lam y}]
        return math.exp(
            special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) - (r + x) * math.log(alpha + y)
        )

    bpdf = stats.beta(a, b).pdf
    over_p, _ = integrate.quad(
        lambda p: ((1 - p) ** x * lam_part(T) + (p * (1 - p) ** (x - 1) * lam_part(tx) if x > 0 else 0.0)) * bpdf(p),
        0,
        1,
        epsabs=0,
        epsrel=1e-11,
        limit=200,
    )
    return over_lam, over_p


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_bgnbd_loglik_matches_numerical_integration():
    params = np.array(list(BG.values()))
    m = clv.BetaGeo()
    for x, tx, T in [(0, 0.0, 30.0), (3, 12.0, 30.0), (12, 29.0, 30.0)]:
        d = clv.base._group(np.array([float(x)]), np.array([tx]), np.array([T]), np.ones(1))
        got = float(m._loglik(params, d)[0])
        for value in _bgnbd_lik_integrals(x, tx, T, *params):
            assert got == pytest.approx(math.log(value), abs=1e-7)


def test_penalizer_shrinks_the_parameters(cdnow_published):
    plain = clv.BetaGeo().fit(cdnow_published)
    with pytest.warns(KpiWarning, match="penalizer=0.05"):
        pen = clv.BetaGeo(penalizer=0.05).fit(cdnow_published)
    # the L2 penalty pulls the parameters towards 0 and costs likelihood
    assert float((pen.params_**2).sum()) < float((plain.params_**2).sum())
    assert pen.log_likelihood_ < plain.log_likelihood_
    with pytest.raises(KpiDataError, match="penalizer must be a non-negative number"):
        clv.BetaGeo(penalizer=-1)


def test_analytic_gradient_matches_finite_differences(cdnow_published):
    d = clv.base._group(
        cdnow_published["frequency"].to_numpy(float),
        cdnow_published["recency"].to_numpy(),
        cdnow_published["T"].to_numpy(),
        np.ones(len(cdnow_published)),
    )
    for model, theta in [
        (clv.BetaGeo(), np.log([0.3, 5.0, 0.7, 2.0])),
        (clv.BetaGeo(penalizer=0.1), np.log([0.3, 5.0, 1.3, 2.0])),
    ]:
        _, g = model._objective(theta, d, True)
        np.testing.assert_allclose(g, model._fd_grad(theta, d), rtol=1e-5, atol=1e-8)


pos = st.floats(0.05, 20.0)


@st.composite
def customers(draw):
    T = draw(st.floats(0.5, 100.0))
    x = draw(st.integers(0, 60))
    tx = 0.0 if x == 0 else draw(st.floats(0.0, 1.0)) * T
    return x, tx, T


@settings(max_examples=60, deadline=None)
@given(r=pos, alpha=pos, a=pos, b=pos, c=customers(), t1=st.floats(0, 200), dt=st.floats(0, 200))
# found by hypothesis: a + b + x = 1 made E[Y(t)] 0 x infinity (NaN)
@example(r=1.0, alpha=1.0, a=0.5, b=0.5, c=(0, 0.0, 1.0), t1=0.0, dt=1.0)
def test_bgnbd_properties(r, alpha, a, b, c, t1, dt):
    x, tx, T = c
    m = clv.BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b)
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    p = float(m.probability_alive(one).iloc[0])
    assert 0.0 <= p <= 1.0
    if x == 0:
        assert p == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet
    if abs(a - 1) > 1e-3:
        y1 = float(m.predict_purchases(t1, one).iloc[0])
        y2 = float(m.predict_purchases(t1 + dt, one).iloc[0])
        assert y1 >= 0 and y2 >= y1 * (1 - 1e-9) - 1e-12  # more holdout time never lowers expected purchases


def _bgnbd_expected_no_repeat(r, alpha, a, b, T, t):
    # A customer without repeat purchases (x = 0) observed for T: with lam ~ Gamma(r, alpha),
    # p ~ Beta(a, b), E[purchases in (T, T+t] | lam, p, alive] = (1 - e^{-lam p t}) / p (FHL 2005, eq. 8
    # from T on, the process being memoryless) and P(history | lam, p) = e^{-lam T}. Integrating lam in
    # closed form leaves one integral over p:
    # E[Y(t)] = int_0^1 [(alpha/(alpha+T))^r - (alpha/(alpha+T+pt))^r] / p f(p) dp / (alpha/(alpha+T))^r
    # (T = 0 gives E[X(t)] of a new customer).
    f = stats.beta(a, b).pdf
    num, _ = integrate.quad(
        lambda p: ((alpha / (alpha + T)) ** r - (alpha / (alpha + T + p * t)) ** r) / p * f(p),
        0,
        1,
        epsabs=0,
        epsrel=1e-11,
        limit=400,
    )
    return num / (alpha / (alpha + T)) ** r


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("a, b", [(0.5, 0.5), (0.3, 0.3), (0.45, 0.3), (1.5, 0.5)])
def test_bgnbd_expectations_when_a_plus_b_is_at_most_one(a, b):
    # E[Y(t)] = (a+b+x-1)/(a-1) [1 - ... 2F1(r+x, b+x; a+b+x-1; z)] P(alive) is 0 x infinity when
    # a + b + x = 1, and its 2F1 is negative when a + b + x < 1 (both only for x = 0); they were NaN.
    r, alpha = 1.0, 1.0
    m = clv.BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b)
    one = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [1.0]})
    assert float(m.predict_purchases(0.0, one).iloc[0]) == 0.0 and m.expected_purchases_new(0.0) == 0.0
    for t in (0.5, 1.0, 100.0):
        want = _bgnbd_expected_no_repeat(r, alpha, a, b, 1.0, t)
        assert float(m.predict_purchases(t, one).iloc[0]) == pytest.approx(want, rel=1e-7)
        assert m.expected_purchases_new(t) == pytest.approx(_bgnbd_expected_no_repeat(r, alpha, a, b, 0.0, t), rel=1e-7)
    # a + b = 1 (c = 0 exactly) is the limit of its neighbours
    if a + b == 1:
        y = float(m.predict_purchases(1.0, one).iloc[0])
        near = [
            clv.BetaGeo.from_params(r=r, alpha=alpha, a=a + d, b=b).predict_purchases(1.0, one).iloc[0]
            for d in (-1e-7, 1e-7)
        ]
        assert y == pytest.approx(float(np.mean(near)), rel=1e-6)


def _hessian_by_scipy(model, data, theta):
    # an independent reference: scipy.differentiate.hessian (adaptive, 8th-order differences)
    from scipy.differentiate import hessian

    res = hessian(
        lambda X: np.apply_along_axis(lambda th: model._penalised_log_likelihood(th, data), 0, X),
        theta,
        initial_step=0.5,
    )
    assert (res.status == 0).all()
    return res.ddf


def test_bgnbd_standard_errors_match_an_independent_hessian(cdnow_published):
    m = clv.BetaGeo().fit(cdnow_published)
    d = clv.base._group(
        cdnow_published["frequency"].to_numpy(float),
        cdnow_published["recency"].to_numpy(),
        cdnow_published["T"].to_numpy(),
        np.ones(len(cdnow_published)),
    )
    H = _hessian_by_scipy(m, d, np.log(m.params_.to_numpy()))
    want = m.params_.to_numpy() * np.sqrt(np.diag(np.linalg.inv(-H)))
    np.testing.assert_allclose(m.standard_errors_.to_numpy(), want, rtol=1e-7)
