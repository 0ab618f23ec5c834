"""The Pareto/NBD model of repeat purchases (Schmittlein, Morrison and Colombo 1987).

The likelihood holds an integral that the papers write with Gauss's hypergeometric function 2F1.
scipy's ``hyp2f1`` is slow (milliseconds per call) and loses accuracy where its argument is near 1 with
large parameters, which is where the estimates of a real customer base often go, and it has no
derivatives in its parameters. kpikit evaluates the integral itself (see :func:`_log_integral`): by
Gauss-Legendre quadrature where the integrand varies little, by tanh-sinh quadrature on a change of
variable that removes its steep decay elsewhere; about 1e-10 relative accuracy or better over the whole
parameter range, one vectorised pass over the customers, and the exact gradient of the likelihood from
the same nodes, so the fit runs on analytic gradients.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special as _sp

from kpikit.clv.base import _expm1_ratio, _Grouped, _lse2, _PurchaseModel

__all__ = ["ParetoNBD"]


def _tanh_sinh(n: int = 20, h: float = 0.15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tanh-sinh nodes u in (0, 1), 1 - u (accurate near 1) and weights, 2 n + 1 of each.

    u_k = (1 + tanh(pi/2 sinh(k h))) / 2, w_k = h pi/4 cosh(k h) / cosh^2(pi/2 sinh(k h)), k = -n..n
    (Takahasi and Mori 1974). The defaults reach u within 5e-14 of both ends.
    """
    k = np.arange(-n, n + 1) * h
    s = np.pi / 2 * np.sinh(k)
    e = np.exp(-2 * np.abs(s))
    u = np.where(s < 0, e / (1 + e), 1 / (1 + e))
    um = np.where(s > 0, e / (1 + e), 1 / (1 + e))
    w = h * np.pi / 2 * np.cosh(k) * 2 * e / (1 + e) ** 2
    return u, um, w


_TS = _tanh_sinh()
#: The tanh-sinh nodes below u = 1/2 (v from its lower end) and above (v from 1).
_TS_LOWER = _TS[0] <= 0.5
_TS_U_LOW = _TS[0][_TS_LOWER][None, None, :]
_TS_UM_HIGH = _TS[1][~_TS_LOWER][None, None, :]
_TS_LOG_W = np.log(_TS[2])[None, None, :]

#: Gauss-Legendre nodes and log-weights on (0, 1), for integrands that vary little over their range.
_GL_X, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_GL_U = ((_GL_X + 1) / 2)[None, :]
_GL_LOG_W = np.log(_GL_WEIGHTS / 2)[None, :]

#: Rows whose log-integrand changes by at most this much over the range take the 16 Gauss-Legendre nodes
#: (error below 1e-11 there); the others the 82 tanh-sinh nodes of two mapped panels.
_EASY = 12.0

#: Rows per chunk of the quadrature.
_QUAD_CHUNK = 512


def _ts_nodes(r0, L, p, q, D: float):
    """Tanh-sinh nodes (rows, 82) in rho = log y and their log-weights, for two panels of [r0, r0 + L].

    The range is cut where the integrand's decay rate, (p - 1) + q y/(y + D), reaches the geometric mean
    of its values at the ends; each panel [s, s + W] is mapped by v = exp(-lam (rho - s)), lam the decay
    rate at s (at least 1/W), so that the integral over it is (1 - v_W)/lam int_0^1 exp(psi(rho) - log v) du
    with v = v_W + (1 - v_W) u and v_W = exp(-lam W): an integrand that is flat where exp(psi) decays at
    that rate, whatever the rate.
    """
    r0, L, p, q = (v[:, None, None] for v in (r0, L, p, q))
    y0 = np.exp(r0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y1 = y0 * np.exp(L)
        lo = np.maximum((p - 1) + q * y0 / (y0 + D), 1.0 / L)
        c = np.sqrt(lo * np.maximum((p - 1) + q * y1 / (y1 + D), lo)) - p + 1
        yb = D * c / (q - c)
        split = (c > 0) & (c < q) & (yb > y0) & (yb < y1)
        w1 = np.where(split, np.log(np.where(split, yb, 1.0) / y0), 0.0)
        starts = np.concatenate([r0, r0 + w1], axis=1)
        widths = np.concatenate([w1, L - w1], axis=1)  # not (r0 + L) - rb: L may be below r0's last digit
        empty = widths <= 0
        widths[empty] = 1.0
        ys = np.exp(starts)
        lam = np.maximum((p - 1) + q * ys / (ys + D), 1.0 / widths)
        decay = np.minimum(lam * widths, 700.0)  # v_W below exp(-700) is 0 for the sum (and no subnormals)
        delta = -np.expm1(-decay)
        log_v = np.empty((r0.shape[0], 2, _TS[0].size))
        k = _TS_U_LOW.shape[2]
        np.log(np.exp(-decay) + delta * _TS_U_LOW, out=log_v[:, :, :k])
        np.log(1.0 - delta * _TS_UM_HIGH, out=log_v[:, :, k:])  # 1 - u is exact there
        rho = starts - log_v / lam
        log_w = _TS_LOG_W + np.where(empty, -np.inf, np.log(delta / lam)) - log_v
    n = r0.shape[0]
    return rho.reshape(n, -1), log_w.reshape(n, -1)


def _gl_nodes(r0, L):
    """Gauss-Legendre nodes (rows, 16) in rho over [r0, r0 + L] and their log-weights (log w + log L)."""
    return r0[:, None] + L[:, None] * _GL_U, _GL_LOG_W + np.log(L)[:, None]


def _log_integral(tx, T, alpha: float, beta: float, a, b, grad: bool = False):
    """Log I and, with ``grad``, the derivatives of log I, for I = int_{t_x}^T (alpha+t)^-a (beta+t)^-b dt.

    With m = min(alpha, beta), D = |alpha - beta| and y = t + m, the integrand is y^-p (y + D)^-q (p the
    exponent of the smaller parameter). On rho = log y its log is psi(rho) = (1 - p) rho - q log(e^rho + D),
    concave, with a decay rate that rises from (p - 1) + q y/(y + D) at t_x to its value at T. Where that
    rate times the range in rho is at most 12, 16 Gauss-Legendre nodes in rho integrate it within 1e-11;
    elsewhere (steep decay) :func:`_ts_nodes` maps two panels so that tanh-sinh quadrature (82 nodes)
    does. Derivatives come from the same nodes: d log I / da = -E[log(alpha + t)], d log I / d alpha =
    -a E[1/(alpha + t)], and the same for b and beta, with E the mean over the nodes weighted by their
    share of I.

    Returns log I (rows,) and, with ``grad``, a (4, rows) array of d log I / d(a, alpha, b, beta).
    """
    tx, T, a, b = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(tx, T, a, b))
    m, D = min(alpha, beta), abs(alpha - beta)
    alpha_small = alpha <= beta
    p, q = (a, b) if alpha_small else (b, a)
    y0 = m + tx
    L = np.log1p((T - tx) / y0)
    y1 = m + T
    steep = np.maximum(np.abs((p - 1) + q * y0 / (y0 + D)), np.abs((p - 1) + q * y1 / (y1 + D))) * L
    log_i = np.full(tx.size, -np.inf)
    dlog = np.zeros((4, tx.size))
    for gauss, rows in ((True, np.flatnonzero((steep <= _EASY) & (L > 0))), (False, np.flatnonzero(steep > _EASY))):
        if not rows.size:
            continue
        r0 = np.log(y0[rows])
        rho, lw = _gl_nodes(r0, L[rows]) if gauss else _ts_nodes(r0, L[rows], p[rows], q[rows], D)
        out = _node_sum(rho, lw, p[rows], q[rows], D, grad)
        if not grad:
            log_i[rows] = out
            continue
        log_i[rows], (e_log_near, e_log_far, e_inv_near, e_inv_far) = out
        if alpha_small:  # alpha + t = y, beta + t = y + D
            la, ia, lb, ib = e_log_near, e_inv_near, e_log_far, e_inv_far
        else:
            la, ia, lb, ib = e_log_far, e_inv_far, e_log_near, e_inv_near
        dlog[:, rows] = [-la, -a[rows] * ia, -lb, -b[rows] * ib]
    return (log_i, dlog) if grad else log_i


def _node_sum(rho, lw, p, q, D: float, grad: bool):
    """Log of sum_k exp(lw_k + psi(rho_k)) per row; with ``grad`` also the node-share means.

    The means, weighted by each node's share of the sum, are of log y, log(y + D), 1/y and 1/(y + D).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = np.exp(rho)
        log_yd = np.log(y + D) if D > 0 else rho
        lw = lw + (1 - p)[:, None] * rho
        lw -= q[:, None] * log_yd
        top = lw.max(axis=1, keepdims=True)
        finite = np.isfinite(top)
        top[~finite] = 0.0
        lw -= top
        np.maximum(lw, -700.0, out=lw)  # terms below exp(-700) of the largest do not count (no subnormals)
        share = np.exp(lw, out=lw)
        total = share.sum(axis=1, keepdims=True)
        log_i = np.where(finite, top + np.log(total), -np.inf)[:, 0]
    if not grad:
        return log_i
    share *= np.where(finite, 1.0 / np.where(finite, total, 1.0), 0.0)
    e_inv_far = np.einsum("ij,ij->i", share, 1.0 / (y + D)) if D > 0 else None
    e_inv_near = np.einsum("ij,ij->i", share, np.reciprocal(y, out=y))
    means = (
        np.einsum("ij,ij->i", share, rho),
        np.einsum("ij,ij->i", share, log_yd),
        e_inv_near,
        e_inv_near if e_inv_far is None else e_inv_far,
    )
    return log_i, means


class ParetoNBD(_PurchaseModel):
    """Pareto/NBD purchase model (Schmittlein, Morrison and Colombo 1987).

    While alive, purchases are Poisson with rate lambda ~ Gamma(r, alpha); the lifetime is exponential
    with rate mu ~ Gamma(s, beta). Likelihood of a customer with x repeat purchases, the last at t_x,
    observed for T (Fader, Hardie and Lee 2005, note 009, eq. 22, with its 2F1 terms written as the
    integral they come from):

        L = Gamma(r+x) alpha^r beta^s / Gamma(r) x
            { 1 / ((alpha+T)^(r+x) (beta+T)^s) + s int_{t_x}^T (alpha+t)^-(r+x) (beta+t)^-(s+1) dt }

    The integral is computed by quadrature with its derivatives (see :func:`_log_integral`), so the fit
    uses the analytic gradient of the log-likelihood. Parameters, attributes and methods as
    :class:`BetaGeo` (params_: r, alpha, s, beta).

    References
    ----------
    Schmittlein, Morrison and Colombo (1987), Management Science 33(1); Fader, Hardie and Lee (2005),
    "A note on deriving the Pareto/NBD model and related expressions" (likelihood eq. 22, P(alive)
    eq. 18 and 23, conditional expectation eq. 41); Takahasi, H. and Mori, M. (1974), "Double
    exponential formulas for numerical integration", Publ. RIMS Kyoto Univ. 9(3), 721-741.

    Examples
    --------
    >>> m = ParetoNBD().fit(summary)  # doctest: +SKIP
    >>> m.params_.round(3)  # CDNOW: r 0.553, alpha 10.578, s 0.606, beta 11.669  # doctest: +SKIP
    """

    _names = ("r", "alpha", "s", "beta")
    _label = "Pareto/NBD"
    _gradient = "analytic"

    def _start(self, data):
        scale = max(float(np.average(data.T, weights=data.w)) / 4, 1e-3)
        return [1.0, scale, 1.0, scale]

    def _options(self) -> dict:
        # When the data hold little dropout signal the likelihood rises towards s -> 0 (or s, beta -> infinity)
        # ever more slowly, and each quasi-Newton step moves log s by less than 1: stop once an iteration
        # improves the mean log-likelihood by less than 1e-12 of itself (1e-15 for the other models). The
        # estimates of an identified fit do not move in their first five digits (CDNOW); an unidentified one
        # is flagged either way.
        return {**super()._options(), "ftol": 1e-12}

    def _chunks(self, params, d: _Grouped, grad: bool):
        """Per chunk of rows: (slice, c0, t1, log I[, d log I]) with c0 = log Gamma(r+x) alpha^r beta^s / Gamma(r)."""
        r, alpha, s, beta = params
        lg = _sp.gammaln(r + d.ux) - _sp.gammaln(r)
        for lo in range(0, d.x.size, _QUAD_CHUNK):
            sl = slice(lo, lo + _QUAD_CHUNK)
            x, tx, T = d.x[sl], d.tx[sl], d.T[sl]
            c0 = lg[d.inv[sl]] + r * math.log(alpha) + s * math.log(beta)
            t1 = c0 - (r + x) * np.log(alpha + T) - s * np.log(beta + T)
            quad = _log_integral(tx, T, alpha, beta, r + x, s + 1.0, grad)
            yield (sl, c0, t1, *quad) if grad else (sl, c0, t1, quad)

    def _terms(self, params, d: _Grouped):
        s = params[2]
        parts = [(t1, c0 + math.log(s) + log_i) for _, c0, t1, log_i in self._chunks(params, d, False)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _loglik(self, params, d):
        t1, t2 = self._terms(params, d)
        return _lse2(t1, t2)[0]

    def _grad(self, params, d: _Grouped):
        # Total log-likelihood and its gradient (weighted sums over rows). Each row's log-likelihood is
        # c0 + log(exp(t1') + exp(t2')) with t1' = -(r+x) log(alpha+T) - s log(beta+T) and
        # t2' = log s + log I; w2 is the share of the second term:
        # dr = psi(r+x) - psi(r) + log alpha - w1 log(alpha+T) + w2 dlogI/da
        # dalpha = r/alpha - w1 (r+x)/(alpha+T) + w2 dlogI/dalpha
        # ds = log beta - w1 log(beta+T) + w2 (1/s + dlogI/db)
        # dbeta = s/beta - w1 s/(beta+T) + w2 dlogI/dbeta
        r, alpha, s, beta = params
        wx = np.bincount(d.inv, weights=d.w, minlength=d.ux.size)
        total = 0.0
        g = np.zeros(4)
        g[0] = float(np.dot(wx, _sp.digamma(r + d.ux) - _sp.digamma(r))) + d.n_customers * math.log(alpha)
        g[1] = d.n_customers * r / alpha
        g[2] = d.n_customers * math.log(beta)
        g[3] = d.n_customers * s / beta
        for sl, c0, t1, log_i, dlog_i in self._chunks(params, d, True):
            w, x, T = d.w[sl], d.x[sl], d.T[sl]
            lse, w2 = _lse2(t1, c0 + math.log(s) + log_i)
            ww2 = w * w2
            ww1 = w - ww2
            total += float(np.dot(w, lse))
            g[0] += float(-np.dot(ww1, np.log(alpha + T)) + np.dot(ww2, dlog_i[0]))
            g[1] += float(-np.dot(ww1, (r + x) / (alpha + T)) + np.dot(ww2, dlog_i[1]))
            g[2] += float(-np.dot(ww1, np.log(beta + T)) + np.dot(ww2, 1.0 / s + dlog_i[2]))
            g[3] += float(-np.dot(ww1, s / (beta + T)) + np.dot(ww2, dlog_i[3]))
        return total, g

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
