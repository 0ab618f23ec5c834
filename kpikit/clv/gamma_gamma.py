"""The Gamma-Gamma model of spend per transaction (Fader and Hardie 2013)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special as _sp

from kpikit.clv.base import _dot, _Grouped, _Model, _summary_arrays, _weights
from kpikit.clv.rfm import _bad_rows
from kpikit.errors import (
    ConvergenceError,
    KpiDataError,
    SmallSampleWarning,
)

__all__ = ['GammaGamma']


class GammaGamma(_Model):
    """Gamma-Gamma model of the value of repeat purchases (Fader and Hardie 2013).

    Each repeat purchase of a customer is worth Z ~ Gamma(p, nu); across customers nu ~ Gamma(q, gamma)
    (``v`` in ``params_`` is gamma, in currency units). The mean z-bar of x purchases is Gamma(px, nu x),
    so its marginal density is

        f(z-bar | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q x^(px) z-bar^(px-1) / (gamma + x z-bar)^(px+q)

    and the expected spend per purchase of a customer is the weighted mean

        E[Z | x, z-bar] = (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * z-bar = p (gamma + x z-bar)/(px+q-1).

    Only repeat buyers (frequency > 0) inform the model; the fit uses them and says how many
    (``n_customers_``). The model assumes spend is independent of purchase frequency: check with
    :func:`spend_frequency_correlation`.

    Attributes
    ----------
    params_ : Series
        p, q, v.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary value",
    brucehardie.com/notes/025 (CDNOW: p 6.25, q 3.74, gamma 15.44).

    Examples
    --------
    >>> gg = GammaGamma().fit(summary)  # doctest: +SKIP
    >>> gg.expected_spend(summary)  # doctest: +SKIP
    """

    _names = ("p", "q", "v")
    _label = "Gamma-Gamma"
    _has_grad = True

    def fit(self, summary: pd.DataFrame, weights=None, initial_params: Sequence[float] | None = None):
        """Fit on the repeat buyers of an RFM summary (frequency > 0; monetary_value > 0 required).

        Returns self with ``params_``, ``log_likelihood_``, ``standard_errors_``, ``n_customers_``.
        Raises KpiDataError without repeat buyers, ConvergenceError when the optimiser fails (often
        q <= 1: spend too heavy-tailed; look for outliers).
        """
        x, m = _summary_arrays(summary, ("frequency", "monetary_value"))
        w = _weights(weights, x.size)
        rep = (x > 0) & (w > 0)
        if not rep.any():
            raise KpiDataError(
                "Gamma-Gamma: no repeat buyers (frequency > 0) in the summary; the model of repeat spend needs "
                "some. Use a longer observation window."
            )
        bad = rep & (m <= 0)
        if bad.any():
            raise KpiDataError(
                f"summary, column 'monetary_value': {int(bad.sum())} repeat buyer(s) with zero spend "
                f"({_bad_rows(bad)}). The Gamma-Gamma model needs positive amounts: remove free orders "
                "before the summary."
            )
        if int(rep.sum()) < 30:
            warnings.warn(f"Gamma-Gamma: only {int(rep.sum())} repeat buyers; the parameters will be uncertain.",
                          SmallSampleWarning, stacklevel=2)
        frame = pd.DataFrame({"x": x[rep], "m": m[rep], "w": w[rep]}).groupby(["x", "m"], sort=False).sum()
        gx = frame.index.get_level_values(0).to_numpy(dtype=float)
        ux, inv = np.unique(gx, return_inverse=True)
        data = _Grouped(gx, frame.index.get_level_values(1).to_numpy(dtype=float), np.zeros_like(gx),
                        frame["w"].to_numpy(dtype=float), ux, inv, float(frame["w"].sum()))
        params, res = self._fit_data(data, initial_params)
        self.unit_ = summary.attrs.get("unit")
        return self._finish(params, data, res)

    def _start(self, data):
        mean = float(np.average(data.tx, weights=data.w))
        return [1.0, 2.0, mean]

    def _loglik(self, params, d):
        p, q, v = params
        x, z = d.x, d.tx  # tx holds z-bar here
        px = p * x
        return (
            _sp.gammaln(px + q) - _sp.gammaln(px) - _sp.gammaln(q) + q * math.log(v)
            + px * np.log(x) + (px - 1) * np.log(z) - (px + q) * np.log(v + x * z)
        )

    def _grad(self, params, d):
        p, q, v = params
        x, z = d.x, d.tx
        px = p * x
        lvz = np.log(v + x * z)
        ll = self._loglik(params, d)
        dig = _sp.digamma(px + q)
        dp = x * (dig - _sp.digamma(px) + np.log(x) + np.log(z) - lvz)
        dq = dig - _sp.digamma(q) + math.log(v) - lvz
        dv = q / v - (px + q) / (v + x * z)
        w = d.w
        return _dot(w, ll), np.array([_dot(w, dp), _dot(w, dq), _dot(w, dv)])

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected value of each customer's future purchases, E[Z | frequency, monetary_value].

        Customers without repeat purchases get the population mean p v / (q - 1). Needs q > 1.
        """
        self._check_fitted()
        x, m = _summary_arrays(summary, ("frequency", "monetary_value"))
        p, q, v = self.params_.to_numpy()
        if q <= 1:
            raise ConvergenceError(
                f"Gamma-Gamma: q = {q:.3f} <= 1, so expected spend is infinite; the spend data is too "
                "heavy-tailed. Look for outlier orders, or refit with penalizer=0.001."
            )
        m_eff = np.where(x > 0, m, 0.0)
        out = p * (v + x * m_eff) / (p * x + q - 1)
        return pd.Series(out, index=summary.index, name="expected_spend")

    def mean_spend(self) -> float:
        """Population mean value of a purchase, p v / (q - 1) (needs q > 1)."""
        self._check_fitted()
        p, q, v = self.params_.to_numpy()
        return float(p * v / (q - 1)) if q > 1 else math.inf
