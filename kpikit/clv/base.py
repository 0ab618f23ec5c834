"""What the CLV models share: checked summary arrays, grouped rows, the model base, the purchase models' interface.

Fitting itself (log-parameters, warm starts, checks, standard errors) is :mod:`kpikit.stats.mle`'s.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from kpikit.clv.rfm import _SUMMARY_COLS, _bad_rows
from kpikit.errors import KpiDataError, KpiWarning, SmallSampleWarning
from kpikit.schemas import require_columns
from kpikit.stats.mle import INFEASIBLE, MaximumLikelihood

__all__: list[str] = []

#: What to do about a summary that lacks a column.
_SUMMARY_FIX = "Build the summary with kpikit.clv.rfm_summary (columns frequency, recency, T, monetary_value)."


@dataclass
class _Grouped:
    """Distinct (frequency, recency, T) rows with their weights; x-only terms index by ``inv``."""

    x: np.ndarray
    tx: np.ndarray
    T: np.ndarray
    w: np.ndarray
    ux: np.ndarray
    inv: np.ndarray
    n_customers: float

    @classmethod
    def of(cls, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray, n_customers: float) -> _Grouped:
        """Rows with the distinct frequencies ``ux`` and each row's index ``inv`` into them."""
        ux, inv = np.unique(x, return_inverse=True)
        return cls(x, tx, T, w, ux, inv, n_customers)


def _summary_arrays(summary: pd.DataFrame, cols=_SUMMARY_COLS, what="summary") -> list[np.ndarray]:
    if not isinstance(summary, pd.DataFrame):
        raise KpiDataError(f"{what} must be a DataFrame from kpikit.clv.rfm_summary.")
    require_columns(summary, cols, what, fix=_SUMMARY_FIX)
    out = []
    for c in cols:
        if not pd.api.types.is_numeric_dtype(summary[c]):
            raise KpiDataError(f"{what}, column {c!r}: expected numbers, got {summary[c].dtype}.")
        v = summary[c].to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            raise KpiDataError(
                f"{what}, column {c!r}: {int(bad.sum())} missing, infinite or negative value(s) ({_bad_rows(bad)}). "
                "Build the summary with kpikit.clv.rfm_summary."
            )
        out.append(v)
    return out


def _check_rft(x, tx, T, what="summary") -> None:
    bad = x != np.round(x)
    if bad.any():
        raise KpiDataError(f"{what}, column 'frequency': non-integer counts ({_bad_rows(bad)}).")
    bad = tx > T * (1 + 1e-12)
    if bad.any():
        raise KpiDataError(
            f"{what}: recency exceeds T in {int(bad.sum())} row(s) ({_bad_rows(bad)}); the last purchase cannot "
            "be after the end of observation. Check observation_end."
        )
    bad = (x == 0) & (tx > 0)
    if bad.any():
        raise KpiDataError(
            f"{what}: {int(bad.sum())} row(s) with frequency 0 but recency > 0 ({_bad_rows(bad)}); recency is "
            "measured from the first to the last purchase, so it is 0 without repeat purchases."
        )


def _group(x, tx, T, weights) -> _Grouped:
    """Collapse identical (x, t_x, T) rows, summing their weights (hash-based, O(n))."""
    cx, ux_ = pd.factorize(x)
    ct, ut = pd.factorize(tx)
    cT, uT = pd.factorize(T)
    if len(ux_) * len(ut) * len(uT) < 2**62:
        key = (cx.astype(np.int64) * len(ut) + ct) * len(uT) + cT
        codes, uniq = pd.factorize(key)
    else:  # pragma: no cover - astronomically many distinct values
        frame = pd.DataFrame({"a": cx, "b": ct, "c": cT})
        codes = frame.groupby(["a", "b", "c"], sort=False).ngroup().to_numpy()
    first = np.full(codes.max() + 1, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(codes.size)[::-1]  # first row of each group
    w = np.bincount(codes, weights=weights)
    gx = np.asarray(x, dtype=float)[first]
    return _Grouped.of(gx, np.asarray(tx, dtype=float)[first], np.asarray(T, dtype=float)[first], w, float(w.sum()))


#: Above twice this many distinct rows, fits start from a fit on a subsample of this size.
_WARM_START_ROWS = 50_000


def _subsample(data: _Grouped, step: int) -> _Grouped:
    """Every ``step``-th distinct row, weights scaled so the subsample stands for all customers."""
    w = data.w[::step] * (data.n_customers / data.w[::step].sum())
    return _Grouped.of(data.x[::step], data.tx[::step], data.T[::step], w, float(w.sum()))


def _weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise KpiDataError(f"weights must be {n} finite non-negative numbers, one per summary row.")
    return w


#: Rows per chunk in the row-level likelihood sums (small enough to stay in the CPU cache).
_CHUNK = 32_768


def _dot(a, b) -> float:
    """Sum of a * b without BLAS (a threaded BLAS dot stalls on a busy machine for these sizes)."""
    return float(np.add.reduce(np.multiply(a, b)))


def _lse2(t1, t2):
    """log(exp(t1) + exp(t2)) and the share exp(t2) / (exp(t1) + exp(t2)); t2 may be -inf.

    Written out (max + log1p(exp(-|t1 - t2|))) because np.logaddexp is several times slower.
    """
    with np.errstate(invalid="ignore"):
        e = np.exp(-np.abs(t1 - t2))
        m = np.maximum(t1, t2)
        lse = m + np.log1p(e)
        share2 = np.where(t2 >= t1, 1.0, e) / (1.0 + e)
    return lse, share2


def _log1mexp(d):
    """log(1 - exp(d)) for d <= 0, accurately."""
    d = np.asarray(d, dtype=float)
    small = d > -math.log(2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(small, np.log(-np.expm1(d)), np.log1p(-np.exp(d)))


def _expm1_ratio(k, L):
    """(1 - exp(-k L)) / k, with its limit L as k -> 0."""
    k = np.asarray(k, dtype=float)
    safe = np.where(np.abs(k) < 1e-10, 1.0, k)
    return np.where(np.abs(k) < 1e-10, L, -np.expm1(-k * L) / safe)


class _Model(MaximumLikelihood):
    """What the CLV models add to the fitting base: grouped rows, the optional L2 penalty, ``from_params``.

    The objective is the mean negative log-likelihood over customers plus ``penalizer`` x the sum of
    the squared parameters, minimised over the log-parameters with L-BFGS-B (bounds +/- 20). The
    penalty is 0 unless the caller sets it: a penalty makes a fit converge on data that do not identify
    the model by pulling every parameter towards 0, so it changes the estimates and everything computed
    from them. kpikit never applies one by itself and never recommends one; a penalised fit warns
    (KpiWarning), and shows its penalty in ``repr`` and in ``summary().attrs["penalizer"]``. Fits on
    more than ``2 x _WARM_START_ROWS`` distinct rows start from a fit on every k-th distinct row.
    Subclasses define ``_names``, ``_label``, ``_gradient``, ``_start(data)`` (initial parameters),
    ``_loglik(params, data)`` (per-row log-likelihood) and, with ``_gradient = "analytic"``,
    ``_grad(params, data)`` (total log-likelihood and its gradient, weighted sums over the rows).
    """

    _fit_args = "summary"
    _method = "L-BFGS-B"
    _log_bound = 20.0
    _max_log_param = 19.5
    _max_gradient = 1e-3
    _stacklevel = 5  # fit -> _Model._fit -> MaximumLikelihood._fit -> _identify

    def __init__(self, penalizer: float = 0.0) -> None:
        if not penalizer >= 0:
            raise KpiDataError("penalizer must be a non-negative number (0 = plain maximum likelihood).")
        self.penalizer = float(penalizer)

    def _options(self) -> dict:
        return {"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20}

    def _starts(self, data: _Grouped) -> list:
        return [self._start(data)]

    def _subsample(self, data: _Grouped) -> _Grouped | None:
        if data.w.size <= 2 * _WARM_START_ROWS:
            return None
        return _subsample(data, data.w.size // _WARM_START_ROWS)

    def _objective(self, theta, data, with_grad: bool):
        params = np.exp(theta)
        if with_grad:
            total, gsum = self._grad(params, data)  # weighted sums over rows
        else:
            total = _dot(data.w, self._loglik(params, data))
        value = -total / data.n_customers + self.penalizer * float(np.sum(params**2))
        if not np.isfinite(value):
            value = INFEASIBLE
        if not with_grad:
            return value
        grad = -gsum / data.n_customers + 2 * self.penalizer * params
        grad = grad * params  # chain rule for log-parameters
        if not np.all(np.isfinite(grad)):
            grad = np.zeros_like(grad)
        return value, grad

    def _log_likelihood(self, theta, data) -> float:
        return _dot(data.w, self._loglik(np.exp(theta), data))

    def _penalised_log_likelihood(self, theta, data) -> float:
        return self._log_likelihood(theta, data) - data.n_customers * self.penalizer * float(np.sum(np.exp(theta) ** 2))

    def _score(self, theta, data) -> np.ndarray:
        return -self._objective(theta, data, True)[1] * data.n_customers

    def _not_converged(self, params, res) -> str:
        return (
            super()._not_converged(params, res) + " The data may not identify the model: check that enough customers "
            "made repeat purchases and that the time unit is sensible (weeks or days, not seconds); try the other "
            "purchase model or a longer observation window."
        )

    def _unidentified_advice(self) -> str:
        return (
            "Try a longer observation window, a coarser purchase grain (freq='W') or the other purchase model "
            "(BG/NBD or Pareto/NBD). A penalizer would make the estimates look settled only by pulling them "
            "towards 0."
        )

    def _fit(self, data: _Grouped, initial_params=None):
        if self.penalizer > 0:
            warnings.warn(
                f"{self._label} fitted with penalizer={self.penalizer:g}: the estimates are pulled towards 0, so they "
                "are not maximum-likelihood estimates and every result computed from them carries the penalty.",
                KpiWarning,
                stacklevel=3,
            )
        super()._fit(data, initial_params)
        self.n_customers_ = int(round(data.n_customers))
        self.n_distinct_rows_ = int(data.w.size)
        return self

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameter table with log-scale intervals and each parameter's identification verdict.

        As :meth:`kpikit.stats.mle.MaximumLikelihood.summary`; ``attrs["penalizer"]`` holds the penalty
        of the fit (0: plain maximum likelihood).

        Parameters
        ----------
        level : float
            Confidence level of the interval.

        Returns
        -------
        DataFrame
            parameter, estimate, standard_error, ci_low, ci_high, identified, reason.
        """
        out = super().summary(level)
        out.attrs["penalizer"] = self.penalizer
        return out

    @classmethod
    def from_params(cls, unit: str | None = None, **params: float) -> Self:
        """A model with given parameters (e.g. published ones) instead of fitted ones.

        Parameters
        ----------
        unit : str, optional
            Time unit of the parameters ("D", "W", ...), as ``summary.attrs["unit"]`` of a fit.
        **params : float
            Every parameter of the model by name, all positive.

        Returns
        -------
        model
            With ``params_`` set, NaN standard errors and log-likelihood, ``n_customers_`` 0.

        Examples
        --------
        >>> from kpikit.clv import BetaGeo
        >>> BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, unit="W")  # doctest: +ELLIPSIS
        BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426...)
        """
        if sorted(params) != sorted(cls._names) or not all(np.isfinite(v) and v > 0 for v in params.values()):
            raise KpiDataError(f"{cls._label} needs positive parameters {', '.join(cls._names)} (got {params}).")
        m = cls()
        m.params_ = pd.Series([float(params[k]) for k in cls._names], index=list(cls._names), name="estimate")
        m.standard_errors_ = pd.Series(np.nan, index=list(cls._names), name="standard_error")
        m._se_log = np.full(len(cls._names), np.nan)
        m._set_identification([""] * len(cls._names))  # given values: no data to judge them by
        m.log_likelihood_ = math.nan
        m.n_customers_ = 0
        m.unit_ = unit
        return m

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(penalizer={self.penalizer})"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        if not self.n_customers_:
            return f"{type(self).__name__}({ps}; given, not fitted)"
        pen = f", penalizer={self.penalizer:g}" if self.penalizer > 0 else ""
        flag = "" if getattr(self, "identified_", True) else "; not identified"
        return f"{type(self).__name__}({ps}; log-likelihood {self.log_likelihood_:.2f}, n={self.n_customers_:,}{pen}{flag})"


class _PurchaseModel(_Model):
    """BG/NBD and Pareto/NBD share data handling, fit and the prediction interface.

    Subclasses add ``_terms(params, data)`` (the two log-terms of each row's likelihood: alive, and
    dropped out after the last purchase), ``_conditional(params, x, tx, T, t)`` (E[Y(t) | x, t_x, T]) and
    ``_unconditional(params, t)`` (E[X(t)]).
    """

    def fit(
        self,
        summary: pd.DataFrame,
        weights: ArrayLike | None = None,
        initial_params: Sequence[float] | None = None,
    ) -> _PurchaseModel:
        """Fit by maximum likelihood on an RFM summary.

        Parameters
        ----------
        summary : DataFrame
            Output of :func:`rfm_summary` (frequency, recency, T in one time unit).
        weights : array-like, optional
            Number of customers each row stands for (default 1 each), for pre-aggregated data.
        initial_params : sequence of float, optional
            Starting values in the order of the parameter names (default: the model's own, or a fit on
            a subsample when there are more than 100,000 distinct rows).

        Returns
        -------
        self
            With ``params_``, ``log_likelihood_`` (total, unpenalised), ``standard_errors_``,
            ``iterations_``, ``converged_``, ``n_customers_``, ``n_distinct_rows_``, ``unit_``.

        Raises
        ------
        KpiDataError
            Invalid summary, or no repeat buyers (the model cannot be identified).
        ConvergenceError
            The optimiser failed; the message suggests what to try.
        """
        x, tx, T = _summary_arrays(summary)
        _check_rft(x, tx, T)
        w = _weights(weights, x.size)
        if not np.any((x > 0) & (w > 0)):
            raise KpiDataError(
                f"{self._label}: no customer made a repeat purchase (frequency is 0 for all {x.size} rows), so "
                "the purchase and dropout processes cannot be told apart. Use a longer observation window or "
                "a finer time grain (freq='D')."
            )
        if float(np.sum(w * (x > 0))) < 30:
            warnings.warn(
                f"{self._label}: only {int(np.sum(w * (x > 0)))} repeat buyers; the parameters will be uncertain.",
                SmallSampleWarning,
                stacklevel=2,
            )
        data = _group(x, tx, T, w)
        self.unit_ = summary.attrs.get("unit")
        return self._fit(data, initial_params)

    def log_likelihood(self, summary: pd.DataFrame, weights: ArrayLike | None = None) -> float:
        """Total log-likelihood of a summary at the model's parameters (fitted or given).

        Parameters
        ----------
        summary : DataFrame
            RFM summary (frequency, recency, T) in the model's time unit.
        weights : array-like, optional
            Number of customers each row stands for (default 1 each).

        Returns
        -------
        float
            The sum over customers of the log-likelihood (no penalty).
        """
        x, tx, T = self._rows(summary)
        data = _group(x, tx, T, _weights(weights, x.size))
        with np.errstate(all="ignore"):
            return _dot(data.w, self._loglik(self.params_.to_numpy(), data))

    def _rows(self, summary, cols=_SUMMARY_COLS):
        self._check_fitted()
        x, tx, T = _summary_arrays(summary, cols)
        _check_rft(x, tx, T)
        return x, tx, T

    def _per_row_data(self, x, tx, T):
        return _Grouped.of(x, tx, T, np.ones_like(x), float(x.size))

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive | frequency, recency, T): probability that each customer has not dropped out yet.

        P(alive) = L_alive / L, the share of the likelihood of the customer's history that comes from
        "still alive at T" (for BG/NBD, FHL 2008 note 021; for Pareto/NBD, FHL 2005 note 009 eq. 18).

        Parameters
        ----------
        summary : DataFrame
            RFM summary (frequency, recency, T) in the model's time unit.

        Returns
        -------
        Series
            Aligned with ``summary``'s index (name "p_alive"), values in [0, 1].
        """
        x, tx, T = self._rows(summary)
        with np.errstate(all="ignore"):
            t1, t2 = self._terms(self.params_.to_numpy(), self._per_row_data(x, tx, T))
            p = np.exp(t1 - np.logaddexp(t1, t2))
        return pd.Series(np.clip(p, 0.0, 1.0), index=summary.index, name="p_alive")

    def predict_purchases(self, t: float | ArrayLike, summary: pd.DataFrame) -> pd.Series:
        """Conditional expected number of purchases in the next ``t`` time units, per customer.

        E[Y(t) | frequency, recency, T] (BG/NBD: FHL 2005 eq. 10; Pareto/NBD: FHL 2005 note 009 eq. 41).

        Parameters
        ----------
        t : float or array-like
            Duration in the summary's time unit, >= 0: one for all customers or one per row of
            ``summary``.
        summary : DataFrame
            RFM summary (frequency, recency, T) of the customers.

        Returns
        -------
        Series
            Aligned with ``summary``'s index (name "expected_purchases"); 0 where ``t`` is 0.
        """
        x, tx, T = self._rows(summary)
        t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        if np.any(~np.isfinite(t) | (t < 0)):
            raise KpiDataError("t must be finite and non-negative (a duration in the summary's time unit).")
        with np.errstate(all="ignore"):
            y = self._conditional(self.params_.to_numpy(), x, tx, T, t)
        return pd.Series(y, index=summary.index, name="expected_purchases")

    def expected_purchases_new(self, t: float | ArrayLike) -> np.ndarray | float:
        """E[X(t)]: expected repeat purchases of a new customer in the ``t`` time units after the first purchase.

        Parameters
        ----------
        t : float or array-like
            Duration(s) in the model's time unit, >= 0.

        Returns
        -------
        float or ndarray
            One value per ``t`` (a float for a scalar ``t``).
        """
        self._check_fitted()
        t_arr = np.asarray(t, dtype=float)
        with np.errstate(all="ignore"):
            out = self._unconditional(self.params_.to_numpy(), t_arr)
        return float(out) if np.ndim(out) == 0 else out
