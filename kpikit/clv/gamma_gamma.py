"""The Gamma-Gamma model of spend per transaction (Fader and Hardie 2013)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special as _sp

from kpikit.clv.base import _dot, _Grouped, _Model, _summary_arrays, _weights
from kpikit.clv.rfm import _bad_rows
from kpikit.errors import ConvergenceError, KpiDataError, SmallSampleWarning

__all__ = ["GammaGamma", "spend_frequency_correlation"]


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

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters added to the mean negative log-likelihood; 0 (the default) is
        plain maximum likelihood. A penalty pulls the estimates towards 0 (and ``v`` is in currency
        units, so even a small one moves it far); a penalised fit warns and reports its penalty.

    Attributes
    ----------
    params_ : Series
        p, q, v.
    identified_ : bool
        Every parameter identified by the data (see :mod:`kpikit.stats.mle`).

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
    _gradient = "analytic"

    def fit(
        self,
        summary: pd.DataFrame,
        weights: ArrayLike | None = None,
        initial_params: Sequence[float] | None = None,
    ) -> GammaGamma:
        """Fit on the repeat buyers of an RFM summary (frequency > 0; monetary_value > 0 required).

        Parameters
        ----------
        summary : DataFrame
            Output of :func:`rfm_summary` (frequency, monetary_value).
        weights : array-like, optional
            Number of customers each row stands for (default 1 each), for pre-aggregated data.
        initial_params : sequence of float, optional
            Starting values of p, q, v (default 1, 2 and the mean spend).

        Returns
        -------
        self
            With ``params_``, ``log_likelihood_``, ``standard_errors_``, ``iterations_``,
            ``converged_``, ``n_customers_`` (the repeat buyers), ``n_distinct_rows_``, ``unit_``.

        Raises
        ------
        KpiDataError
            No repeat buyers, or a repeat buyer with zero spend.
        ConvergenceError
            The optimiser failed (often q <= 1: spend too heavy-tailed; look for outliers).
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
            warnings.warn(
                f"Gamma-Gamma: only {int(rep.sum())} repeat buyers; the parameters will be uncertain.",
                SmallSampleWarning,
                stacklevel=2,
            )
        frame = pd.DataFrame({"x": x[rep], "m": m[rep], "w": w[rep]}).groupby(["x", "m"], sort=False).sum()
        gx = frame.index.get_level_values(0).to_numpy(dtype=float)
        # the grouped rows carry (x, z-bar) in the (x, tx) slots; T is unused
        data = _Grouped.of(
            gx,
            frame.index.get_level_values(1).to_numpy(dtype=float),
            np.zeros_like(gx),
            frame["w"].to_numpy(dtype=float),
            float(frame["w"].sum()),
        )
        self.unit_ = summary.attrs.get("unit")
        return self._fit(data, initial_params)

    def _start(self, data):
        mean = float(np.average(data.tx, weights=data.w))
        return [1.0, 2.0, mean]

    def _unidentified_advice(self) -> str:
        return (
            "Check for outlier orders and for enough repeat buyers. A penalizer would make the estimates look "
            "settled only by pulling them towards 0."
        )

    def _loglik(self, params, d):
        p, q, v = params
        x, z = d.x, d.tx  # tx holds z-bar here
        px = p * x
        return (
            _sp.gammaln(px + q)
            - _sp.gammaln(px)
            - _sp.gammaln(q)
            + q * math.log(v)
            + px * np.log(x)
            + (px - 1) * np.log(z)
            - (px + q) * np.log(v + x * z)
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

        E[Z | x, z-bar] = p (v + x z-bar) / (p x + q - 1); customers without repeat purchases get the
        population mean p v / (q - 1). Needs q > 1.

        Parameters
        ----------
        summary : DataFrame
            RFM summary (frequency, monetary_value) of the customers.

        Returns
        -------
        Series
            Aligned with ``summary``'s index (name "expected_spend"), in the currency of the amounts.
        """
        self._check_fitted()
        x, m = _summary_arrays(summary, ("frequency", "monetary_value"))
        p, q, v = self.params_.to_numpy()
        if q <= 1:
            raise ConvergenceError(
                f"Gamma-Gamma: q = {q:.3f} <= 1, so expected spend is infinite; the spend data is too "
                "heavy-tailed. Look for outlier orders (a handful of very large ones), or value customers by their "
                "observed mean spend instead."
            )
        m_eff = np.where(x > 0, m, 0.0)
        out = p * (v + x * m_eff) / (p * x + q - 1)
        return pd.Series(out, index=summary.index, name="expected_spend")

    def mean_spend(self) -> float:
        """Population mean value of a purchase, p v / (q - 1) (infinite unless q > 1).

        Returns
        -------
        float
            The mean spend per repeat purchase, in the currency of the amounts.
        """
        self._check_fitted()
        p, q, v = self.params_.to_numpy()
        return float(p * v / (q - 1)) if q > 1 else math.inf


def spend_frequency_correlation(summary: pd.DataFrame) -> float:
    """Pearson correlation of frequency and monetary_value among repeat buyers.

    The Gamma-Gamma model assumes spend per purchase is independent of how often a customer buys;
    a correlation near 0 (Fader and Hardie report 0.11 for CDNOW) supports it.

    Parameters
    ----------
    summary : DataFrame
        RFM summary (frequency, monetary_value).

    Returns
    -------
    float
        The correlation over customers with frequency > 0; NaN with fewer than 3 of them.

    References
    ----------
    Fader and Hardie (2013), "The Gamma-Gamma model of monetary value", brucehardie.com/notes/025.
    """
    x, m = _summary_arrays(summary, ("frequency", "monetary_value"))
    rep = x > 0
    if rep.sum() < 3:
        return math.nan
    return float(np.corrcoef(x[rep], m[rep])[0, 1])
