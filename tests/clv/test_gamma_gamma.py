"""Tests of kpikit.clv.gamma_gamma: the Gamma-Gamma model against Fader and Hardie (2013)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

import kpikit.clv as clv


def test_gamma_gamma_reproduces_fader_hardie_2013(cdnow_summary):
    # Note 025: p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers.
    gg = clv.GammaGamma().fit(cdnow_summary)
    assert gg.params_.round(2).tolist() == [6.25, 3.74, 15.44]
    assert gg.n_customers_ == 946
    # expected spend of customer 1 (x = 2, zbar = 22.345):
    # p (gamma + x zbar) / (p x + q - 1)
    p, q, v = gg.params_
    one = pd.DataFrame({"frequency": [2, 0], "monetary_value": [22.345, 0.0]})
    got = gg.expected_spend(one).to_numpy()
    assert got[0] == pytest.approx(p * (v + 2 * 22.345) / (2 * p + q - 1))
    assert got[1] == pytest.approx(p * v / (q - 1)) == pytest.approx(gg.mean_spend())
    # CDNOW: mean spend per repeat purchase implied by the model, 6.25 x 15.44 / 2.74 = 35.2
    assert gg.mean_spend() == pytest.approx(6.25 * 15.44 / 2.74, rel=2e-3)
    # the independence assumption holds roughly (Fader and Hardie report a correlation of 0.11)
    assert round(clv.spend_frequency_correlation(cdnow_summary), 2) == 0.11


def test_gamma_gamma_standard_errors_match_the_hessian_by_hand(cdnow_published):
    # Derivatives of each repeat buyer's log f(z-bar | x) in (p, q, v), with u = v + x z-bar:
    #   dp = x [psi(px+q) - psi(px) + log x + log z - log u], dq = psi(px+q) - psi(q) + log v - log u,
    #   dv = q/v - (px+q)/u; dpp = x^2 [psi1(px+q) - psi1(px)], dpq = x psi1(px+q), dpv = -x/u,
    #   dqq = psi1(px+q) - psi1(q), dqv = 1/v - 1/u, dvv = -q/v^2 + (px+q)/u^2.
    # In theta = log(p, q, v): H_theta = D H D + diag(D g), D = diag(p, q, v); se = estimate x se(theta).
    gg = clv.GammaGamma().fit(cdnow_published)
    p, q, v = gg.params_
    rep = cdnow_published[cdnow_published["frequency"] > 0]
    x, z = rep["frequency"].to_numpy(float), rep["monetary_value"].to_numpy(float)
    psi, psi1 = special.digamma, lambda a: special.polygamma(1, a)
    px, u = p * x, v + x * z
    g = np.array(
        [
            np.sum(x * (psi(px + q) - psi(px) + np.log(x) + np.log(z) - np.log(u))),
            np.sum(psi(px + q) - psi(q) + np.log(v) - np.log(u)),
            np.sum(q / v - (px + q) / u),
        ]
    )
    hpq, hpv, hqv = np.sum(x * psi1(px + q)), np.sum(-x / u), np.sum(1 / v - 1 / u)
    H = np.array(
        [
            [np.sum(x**2 * (psi1(px + q) - psi1(px))), hpq, hpv],
            [hpq, np.sum(psi1(px + q) - psi1(q)), hqv],
            [hpv, hqv, np.sum(-q / v**2 + (px + q) / u**2)],
        ]
    )
    D = np.diag([p, q, v])
    H_theta = D @ H @ D + np.diag(g * [p, q, v])
    want = np.array([p, q, v]) * np.sqrt(np.diag(np.linalg.inv(-H_theta)))
    np.testing.assert_allclose(gg.standard_errors_.to_numpy(), want, rtol=1e-8)
