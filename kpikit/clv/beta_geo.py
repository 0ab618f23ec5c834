"""The BG/NBD model of repeat purchases (Fader, Hardie and Lee 2005)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special as _sp

from kpikit.clv.base import _CHUNK, _dot, _Grouped, _lse2, _PurchaseModel

__all__ = ["BetaGeo"]


def _one_minus_bg_h(k, m, c, a, t, base):
    """1 - (base/(base+t))^k 2F1(k, m; c; z) with z = t/(base+t): the bracket of the BG/NBD expectations.

    Where that term is positive it is computed in log space, with scipy's hyp2f1 on z in [0, 1), and
    the bracket as -expm1(log term), accurate for small t; where hyp2f1 on z overflows (large k, z
    near 1) the whole term is Pfaff's form 2F1(k, a-1; c; -t/base) (with c - m = a - 1). When
    c = a + b + x - 1 < 0 the term can be negative and the bracket is taken directly, 1 - term.
    """
    t = np.asarray(t, dtype=float)
    z = t / (base + t)
    with np.errstate(all="ignore"):
        direct = _sp.hyp2f1(k, m, c, z)
        log_term = k * np.log1p(-z) + np.log(direct)
        pfaff = None
        bad = ~np.isfinite(log_term)
        if np.any(bad):
            pfaff = _sp.hyp2f1(k, a - 1, c, -t / base)
            log_term = np.where(bad, np.log(pfaff), log_term)
        out = -np.expm1(log_term)
        negative = ~np.isfinite(out)
        if np.any(negative):  # the term is negative (c < 0): no log, no cancellation either
            if pfaff is None:
                pfaff = _sp.hyp2f1(k, a - 1, c, -t / base)
            term = np.where(np.isfinite(direct), np.exp(k * np.log1p(-z)) * direct, pfaff)
            out = np.where(negative, 1.0 - term, out)
    return out


def _bg_expectation(k, m, c, a, t, base):
    """The BG/NBD expectation c / (a - 1) x [1 - (base/(base+t))^k 2F1(k, m; c; t/(base+t))].

    It is E[X(t)] with k = r, m = b, c = a + b - 1, base = alpha, and E[Y(t) | x, t_x, T] / P(alive)
    with k = r + x, m = b + x, c = a + b + x - 1, base = alpha + T. It is 0 purchases in t = 0. At c = 0
    (a + b + x = 1) the product is 0 x infinity; its limit, from the series of 2F1 (c (c+1)_(n-1) =
    (c)_n), is -k m z (1-z)^k 2F1(k+1, m+1; 2; z) / (a - 1).
    """
    t = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        out = c / (a - 1) * _one_minus_bg_h(k, m, c, a, t, base)
        at_zero = np.asarray(c) == 0
        if np.any(at_zero):
            z = t / (base + t)
            limit = -k * m * z * np.exp(k * np.log1p(-z)) * _sp.hyp2f1(k + 1, m + 1, 2.0, z) / (a - 1)
            out = np.where(at_zero, limit, out)
    return np.where(t == 0, 0.0, out)


class BetaGeo(_PurchaseModel):
    """BG/NBD purchase model (Fader, Hardie and Lee 2005).

    While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) (alpha in the
    summary's time unit); after any purchase they drop out with probability p ~ Beta(a, b). For a
    customer with x repeat purchases, last at t_x, observed for T (paper eq. 6):

        L = B(a, b+x)/B(a, b) Gamma(r+x)/Gamma(r) alpha^r / (alpha+T)^(r+x)
            + [x > 0] B(a+1, b+x-1)/B(a, b) Gamma(r+x)/Gamma(r) alpha^r / (alpha+t_x)^(r+x)

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters added to the mean negative log-likelihood; 0 (the default) is
        plain maximum likelihood. A penalty pulls every estimate towards 0 and so changes P(alive) and
        CLV; kpikit never applies one by itself, and a penalised fit warns and reports its penalty.

    Attributes
    ----------
    params_ : Series
        r, alpha, a, b.
    log_likelihood_ : float
        Total log-likelihood at the estimate (without the penalty).
    standard_errors_ : Series
        From the Hessian (delta method).
    identified_, identification_ : bool, DataFrame
        Whether the data identify every parameter, and the verdict per parameter (see
        :mod:`kpikit.stats.mle`): a fit whose dropout parameters are not identified warns
        (IdentificationWarning) and its P(alive) and CLV are not findings.

    References
    ----------
    Fader, Hardie and Lee (2005), "'Counting your customers' the easy way: an alternative to the
    Pareto/NBD model", Marketing Science 24(2), 275-284: eq. 6 (likelihood), 7 (E[X(t)]),
    10 (conditional expectation); P(alive) from Fader, Hardie and Lee (2008), brucehardie.com note 021.

    Examples
    --------
    >>> m = BetaGeo().fit(summary)  # doctest: +SKIP
    >>> m.params_.round(3)  # CDNOW: r 0.243, alpha 4.414, a 0.793, b 2.426  # doctest: +SKIP
    """

    _names = ("r", "alpha", "a", "b")
    _label = "BG/NBD"
    _gradient = "analytic"

    def _start(self, data):
        return [1.0, max(float(np.average(data.T, weights=data.w)) / 4, 1e-3), 1.0, 1.0]

    def _terms(self, params, d: _Grouped):
        r, alpha, a, b = params
        ux, inv, x = d.ux, d.inv, d.x
        lg = _sp.gammaln(r + ux) - _sp.gammaln(r) + r * math.log(alpha)
        b0 = _sp.betaln(a, b)
        bt1 = _sp.betaln(a, b + ux) - b0
        bt2 = np.where(ux > 0, _sp.betaln(a + 1, np.where(ux > 0, b + ux - 1, 1.0)) - b0, -np.inf)
        rx = r + x
        t1 = lg[inv] + bt1[inv] - rx * np.log(alpha + d.T)
        t2 = lg[inv] + bt2[inv] - rx * np.log(alpha + d.tx)
        return t1, t2

    def _loglik(self, params, d):
        t1, t2 = self._terms(params, d)
        return _lse2(t1, t2)[0]

    def _grad(self, params, d):
        # Total log-likelihood and its gradient (weighted sums over rows). With w2 = share of the
        # "dropped out after the last purchase" term in each row's likelihood, w1 = 1 - w2:
        # dr = psi(r+x) - psi(r) + log alpha - w1 log(alpha+T) - w2 log(alpha+t_x)
        # dalpha = r/alpha - (r+x) (w1/(alpha+T) + w2/(alpha+t_x))
        # da = psi(a+b) - psi(a+b+x) + w2/a
        # db = psi(a+b) - psi(b) - psi(a+b+x) + psi(b+x) - w2/(b+x-1)
        # Terms that depend on x only are summed per distinct x (weights wx); the rest per row, in
        # chunks that stay in the CPU cache.
        r, alpha, a, b = params
        ux, inv = d.ux, d.inv
        wx = np.bincount(inv, weights=d.w, minlength=ux.size)
        lg = _sp.gammaln(r + ux) - _sp.gammaln(r) + r * math.log(alpha)
        b0 = _sp.betaln(a, b)
        pos = ux > 0
        bt1 = _sp.betaln(a, b + ux) - b0
        bt2 = np.where(pos, _sp.betaln(a + 1, np.where(pos, b + ux - 1, 1.0)) - b0, -np.inf)
        psi_ab = _sp.digamma(a + b)
        psi_abx = _sp.digamma(a + b + ux)
        inv_bx1 = np.where(pos, 1.0 / np.where(pos, b + ux - 1, 1.0), 0.0)
        total = _dot(wx, lg)
        dr = _dot(wx, _sp.digamma(r + ux) - _sp.digamma(r) + math.log(alpha))
        dalpha = d.n_customers * r / alpha
        da = _dot(wx, psi_ab - psi_abx)
        db = _dot(wx, psi_ab - _sp.digamma(b) - psi_abx + _sp.digamma(b + ux))
        sw2 = 0.0
        for lo in range(0, d.x.size, _CHUNK):
            sl = slice(lo, lo + _CHUNK)
            w, iv = d.w[sl], inv[sl]
            rx = r + d.x[sl]
            ia_T = 1.0 / (alpha + d.T[sl])
            ia_t = 1.0 / (alpha + d.tx[sl])
            lat = -np.log(ia_T)
            lax = -np.log(ia_t)
            lse, w2 = _lse2(bt1[iv] - rx * lat, bt2[iv] - rx * lax)
            ww2 = w * w2
            ww1 = w - ww2
            total += _dot(w, lse)
            dr -= _dot(ww1, lat) + _dot(ww2, lax)
            dalpha -= _dot(ww1 * rx, ia_T) + _dot(ww2 * rx, ia_t)
            sw2 += float(ww2.sum())
            db -= _dot(ww2, inv_bx1[iv])
        da += sw2 / a
        return total, np.array([dr, dalpha, da, db])

    def _conditional(self, params, x, tx, T, t):
        # E[Y(t)|x,t_x,T] = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
        #                   2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] P(alive)    (FHL 2005 eq. 10)
        r, alpha, a, b = params
        palive = self.probability_alive(pd.DataFrame({"frequency": x, "recency": tx, "T": T})).to_numpy()
        # the bracket and (a-1) share their sign; clip round-off below 0
        return np.maximum(_bg_expectation(r + x, b + x, a + b + x - 1, a, t, alpha + T) * palive, 0.0)

    def _unconditional(self, params, t):
        # E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]  (eq. 7)
        r, alpha, a, b = params
        return np.maximum(_bg_expectation(r, b, a + b - 1, a, t, alpha), 0.0)
