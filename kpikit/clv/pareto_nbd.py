"""The Pareto/NBD model of repeat purchases (Schmittlein, Morrison and Colombo 1987)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special as _sp

from kpikit.clv.base import _expm1_ratio, _Grouped, _log1mexp, _lse2, _PurchaseModel

__all__ = ["ParetoNBD"]


class ParetoNBD(_PurchaseModel):
    """Pareto/NBD purchase model (Schmittlein, Morrison and Colombo 1987).

    While alive, purchases are Poisson with rate lambda ~ Gamma(r, alpha); the lifetime is exponential
    with rate mu ~ Gamma(s, beta). Likelihood (Fader, Hardie and Lee 2005, note 009, eq. 22):

        L = Gamma(r+x) alpha^r beta^s / Gamma(r) x
            { 1 / ((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A0 }
        A0 = F(t_x) - F(T), with, for alpha >= beta,
            F(y) = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+y)) / (alpha+y)^(r+s+x)
        and, for alpha < beta,
            F(y) = 2F1(r+s+x, r+x; r+s+x+1; (beta-alpha)/(beta+y)) / (beta+y)^(r+s+x).

    Where scipy's 2F1(c-1, k; c; z) overflows (z near 1, large frequencies), kpikit uses Pfaff's
    transformation (1-z)^(-k) 2F1(1, k; c; z/(z-1)) in log space instead. Parameters, attributes and methods as :class:`BetaGeo`
    (params_: r, alpha, s, beta).

    References
    ----------
    Schmittlein, Morrison and Colombo (1987), Management Science 33(1); Fader, Hardie and Lee (2005),
    "A note on deriving the Pareto/NBD model and related expressions" (likelihood eq. 22, P(alive)
    eq. 18 and 23, conditional expectation eq. 41).

    Examples
    --------
    >>> m = ParetoNBD().fit(summary)  # doctest: +SKIP
    >>> m.params_.round(3)  # CDNOW: r 0.553, alpha 10.578, s 0.606, beta 11.669  # doctest: +SKIP
    """

    _names = ("r", "alpha", "s", "beta")
    _label = "Pareto/NBD"
    _gradient = "central"

    def _start(self, data):
        scale = max(float(np.average(data.T, weights=data.w)) / 4, 1e-3)
        return [1.0, scale, 1.0, scale]

    def _terms(self, params, d: _Grouped):
        r, alpha, s, beta = params
        ux, inv, x = d.ux, d.inv, d.x
        # log of Gamma(r+x) alpha^r beta^s / Gamma(r)
        c0 = (_sp.gammaln(r + ux) - _sp.gammaln(r))[inv] + r * math.log(alpha) + s * math.log(beta)
        t1 = c0 - (r + x) * np.log(alpha + d.T) - s * np.log(beta + d.T)
        rsx = r + s + x
        if alpha >= beta:
            base, k, small = alpha, np.full_like(x, s + 1.0), beta
        else:
            base, k, small = beta, r + x, alpha
        diff = abs(alpha - beta)

        def log_f(y):
            # log of 2F1(rsx, k; rsx+1; z) / (base+y)^rsx with z = diff/(base+y) in [0, 1).
            # scipy's hyp2f1 is accurate on z directly in the usual range; where it overflows (z near 1
            # with large rsx and k) fall back to Pfaff's form (1-z)^(-k) 2F1(1, k; rsx+1; z/(z-1)),
            # evaluated in log space.
            log_b = np.log(base + y)
            direct = np.log(_sp.hyp2f1(rsx, k, rsx + 1.0, diff / (base + y)))
            bad = ~np.isfinite(direct)
            if bad.any():
                log_1mz = np.log(small + y) - log_b
                w = -diff / (small + y)
                pfaff = -k * log_1mz + np.log(_sp.hyp2f1(1.0, k, rsx + 1.0, w))
                direct = np.where(bad, pfaff, direct)
            return direct - rsx * log_b

        lf_tx = log_f(d.tx)
        lf_T = log_f(d.T)
        log_a0 = lf_tx + _log1mexp(np.minimum(lf_T - lf_tx, 0.0))
        t2 = c0 + np.log(s) - np.log(rsx) + log_a0
        return t1, t2

    def _loglik(self, params, d):
        t1, t2 = self._terms(params, d)
        return _lse2(t1, t2)[0]

    def _conditional(self, params, x, tx, T, t):
        # E[Y(t)|x,t_x,T] = P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]
        r, alpha, s, beta = params
        palive = self.probability_alive(pd.DataFrame({"frequency": x, "recency": tx, "T": T})).to_numpy()
        bracket = _expm1_ratio(s - 1.0, np.log1p(t / (beta + T)))
        return palive * (r + x) * (beta + T) / (alpha + T) * bracket

    def _unconditional(self, params, t):
        # E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]
        r, alpha, s, beta = params
        return r * beta / alpha * _expm1_ratio(s - 1.0, np.log1p(t / beta))
