"""What the purchase and spend models share: grouped customer rows, warm starts and the model base."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize as _opt
from scipy import stats as _st

from kpikit.clv.rfm import _SUMMARY_COLS, _bad_rows, _require_columns
from kpikit.errors import (
    ConvergenceError,
    KpiDataError,
    SmallSampleWarning,
)

__all__ = []


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


def _summary_arrays(summary: pd.DataFrame, cols=_SUMMARY_COLS, what="summary") -> list[np.ndarray]:
    if not isinstance(summary, pd.DataFrame):
        raise KpiDataError(f"{what} must be a DataFrame from kpikit.clv.rfm_summary.")
    _require_columns(summary, cols, what)
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
    ux, inv = np.unique(gx, return_inverse=True)
    return _Grouped(gx, np.asarray(tx, dtype=float)[first], np.asarray(T, dtype=float)[first], w, ux, inv, float(w.sum()))


#: Above twice this many distinct rows, fits start from a fit on a subsample of this size.
_WARM_START_ROWS = 50_000


def _subsample(data: _Grouped, step: int) -> _Grouped:
    """Every ``step``-th distinct row, weights scaled so the subsample stands for all customers."""
    x = data.x[::step]
    w = data.w[::step] * (data.n_customers / data.w[::step].sum())
    ux, inv = np.unique(x, return_inverse=True)
    return _Grouped(x, data.tx[::step], data.T[::step], w, ux, inv, float(w.sum()))


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


class _Model:
    """Shared fitting machinery: log-parameter L-BFGS-B, Hessian standard errors, summary table."""

    _names: tuple[str, ...] = ()
    _label = "model"

    def __init__(self, penalizer: float = 0.0):
        if not penalizer >= 0:
            raise KpiDataError("penalizer must be a non-negative number (0 = plain maximum likelihood).")
        self.penalizer = float(penalizer)

    # Subclasses define _names, _label, _has_grad, _start(data) -> initial parameters,
    # _loglik(params, data) -> per-row log-likelihood and, when _has_grad, _grad(params, data) ->
    # (total log-likelihood, gradient vector), both weighted sums over the grouped rows.

    def _objective(self, theta, data, with_grad: bool):
        params = np.exp(theta)
        if with_grad:
            total, gsum = self._grad(params, data)  # weighted sums over rows
        else:
            total = _dot(data.w, self._loglik(params, data))
        value = -total / data.n_customers + self.penalizer * float(np.sum(params**2))
        if not np.isfinite(value):
            value = 1e300
        if not with_grad:
            return value
        grad = -gsum / data.n_customers + 2 * self.penalizer * params
        grad = grad * params  # chain rule for log-parameters
        if not np.all(np.isfinite(grad)):
            grad = np.zeros_like(grad)
        return value, grad

    def _fd_grad(self, theta, data, h=1e-6):
        g = np.empty_like(theta)
        for i in range(theta.size):
            e = np.zeros_like(theta)
            e[i] = h
            g[i] = (self._objective(theta + e, data, False) - self._objective(theta - e, data, False)) / (2 * h)
        return g

    def _fit_data(self, data, initial_params=None):
        if initial_params is None and data.w.size > 2 * _WARM_START_ROWS:
            # Warm start: fit a systematic subsample first (every k-th distinct row, weights scaled
            # by k), then refine on all rows from there. Same optimum, far fewer full-data
            # iterations when every row is distinct (continuous recency and T).
            try:
                initial_params, _ = self._fit_data(_subsample(data, data.w.size // _WARM_START_ROWS))
            except ConvergenceError:
                initial_params = None  # the subsample could not identify the model; start as usual
        theta0 = np.log(np.asarray(initial_params if initial_params is not None else self._start(data), dtype=float))
        analytic = self._has_grad
        if analytic:
            fun = lambda th: self._objective(th, data, True)  # noqa: E731
            jac = True
        else:
            fun = lambda th: self._objective(th, data, False)  # noqa: E731
            jac = lambda th: self._fd_grad(th, data)  # noqa: E731
        with np.errstate(all="ignore"):
            res = _opt.minimize(
                fun, theta0, jac=jac, method="L-BFGS-B", bounds=[(-20.0, 20.0)] * theta0.size,
                options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
            )
        params = np.exp(res.x)
        ok = np.isfinite(res.fun) and res.fun < 1e299
        near_bound = np.any(np.abs(res.x) > 19.5)
        gnorm = np.max(np.abs(jac(res.x) if not analytic else fun(res.x)[1]))
        if not ok or near_bound or gnorm > 1e-3:
            raise ConvergenceError(
                f"{self._label} did not converge ({res.message}; parameters "
                f"{ {k: round(float(v), 6) for k, v in zip(self._names, params)} }). The data may not identify the model: check "
                "that enough customers made repeat purchases and that the time unit is sensible (weeks or "
                "days, not seconds); try penalizer=0.001 or the other purchase model."
            )
        return params, res

    def _finish(self, params, data, res):
        self.params_ = pd.Series(params, index=list(self._names), name="estimate")
        with np.errstate(all="ignore"):
            self.log_likelihood_ = _dot(data.w, self._loglik(params, data))
        self.n_customers_ = int(round(data.n_customers))
        self.n_distinct_rows_ = int(data.w.size)
        self.iterations_ = int(res.nit)
        self.standard_errors_ = self._standard_errors(params, data)
        return self

    def _total_ll(self, theta, data):
        with np.errstate(all="ignore"):
            return _dot(data.w, self._loglik(np.exp(theta), data)) - data.n_customers * self.penalizer * float(
                np.sum(np.exp(theta) ** 2)
            )

    def _hessian_from_grad(self, theta, data, h=1e-5):
        """Hessian of the total penalised log-likelihood by central differences of the analytic gradient."""
        k = theta.size
        H = np.empty((k, k))
        for i in range(k):
            e = np.zeros(k)
            e[i] = h
            gp = -self._objective(theta + e, data, True)[1] * data.n_customers
            gm = -self._objective(theta - e, data, True)[1] * data.n_customers
            H[:, i] = (gp - gm) / (2 * h)
        return (H + H.T) / 2

    def _standard_errors(self, params, data) -> pd.Series:
        theta = np.log(params)
        k = theta.size
        h = 1e-4
        H = np.empty((k, k))
        if self._has_grad:
            with np.errstate(all="ignore"):
                H = self._hessian_from_grad(theta, data)
            return self._se_from_hessian(params, H)
        f0 = self._total_ll(theta, data)
        for i in range(k):
            for j in range(i, k):
                ei = np.zeros(k)
                ej = np.zeros(k)
                ei[i] = h
                ej[j] = h
                if i == j:
                    v = (self._total_ll(theta + ei, data) - 2 * f0 + self._total_ll(theta - ei, data)) / h**2
                else:
                    v = (
                        self._total_ll(theta + ei + ej, data) - self._total_ll(theta + ei - ej, data)
                        - self._total_ll(theta - ei + ej, data) + self._total_ll(theta - ei - ej, data)
                    ) / (4 * h**2)
                H[i, j] = H[j, i] = v
        return self._se_from_hessian(params, H)

    def _se_from_hessian(self, params, H) -> pd.Series:
        k = params.size
        try:
            cov_log = np.linalg.inv(-H)
            with np.errstate(invalid="ignore"):
                se_log = np.sqrt(np.diag(cov_log))  # NaN where the likelihood is flat (not identified)
        except np.linalg.LinAlgError:
            se_log = np.full(k, np.nan)
        self._se_log = se_log
        return pd.Series(params * se_log, index=list(self._names), name="standard_error")

    @classmethod
    def from_params(cls, unit: str | None = None, **params: float):
        """A model with given parameters (e.g. published ones) instead of fitted ones.

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
        m.log_likelihood_ = math.nan
        m.n_customers_ = 0
        m.unit_ = unit
        return m

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise KpiDataError(f"{self._label} is not fitted yet: call .fit(summary) first.")

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameter table: estimate, standard error and an interval computed on the log scale.

        low/high = estimate x exp(-/+ z se_log), with se_log = standard_error / estimate (delta method),
        so the interval stays positive like the parameter.
        """
        self._check_fitted()
        z = float(_st.norm.ppf(0.5 + level / 2))
        est = self.params_.to_numpy()
        return pd.DataFrame(
            {
                "parameter": list(self._names),
                "estimate": est,
                "standard_error": self.standard_errors_.to_numpy(),
                "ci_low": est * np.exp(-z * self._se_log),
                "ci_high": est * np.exp(z * self._se_log),
            }
        )

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(penalizer={self.penalizer})"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        if not self.n_customers_:
            return f"{type(self).__name__}({ps}; given, not fitted)"
        return f"{type(self).__name__}({ps}; log-likelihood {self.log_likelihood_:.2f}, n={self.n_customers_:,})"


class _PurchaseModel(_Model):
    """BG/NBD and Pareto/NBD share data handling, fit and the prediction interface."""

    def fit(self, summary: pd.DataFrame, weights=None, initial_params: Sequence[float] | None = None):
        """Fit by maximum likelihood on an RFM summary.

        Parameters
        ----------
        summary : DataFrame
            Output of :func:`rfm_summary` (frequency, recency, T in one time unit).
        weights : array-like, optional
            Number of customers each row stands for (default 1 each), for pre-aggregated data.
        initial_params : sequence of float, optional
            Starting values in the order of the parameter names.

        Returns
        -------
        self
            With ``params_``, ``log_likelihood_`` (total, unpenalised), ``standard_errors_``,
            ``n_customers_``, ``n_distinct_rows_``, ``unit_``.

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
        params, res = self._fit_data(data, initial_params)
        self.unit_ = summary.attrs.get("unit")
        return self._finish(params, data, res)

    def log_likelihood(self, summary: pd.DataFrame, weights=None) -> float:
        """Total log-likelihood of a summary at the model's parameters (fitted or given)."""
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
        ux, inv = np.unique(x, return_inverse=True)
        return _Grouped(x, tx, T, np.ones_like(x), ux, inv, float(x.size))

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive | frequency, recency, T): probability that each customer has not dropped out yet.

        Returns a Series aligned with ``summary``'s index, values in [0, 1].
        """
        x, tx, T = self._rows(summary)
        with np.errstate(all="ignore"):
            t1, t2 = self._terms(self.params_.to_numpy(), self._per_row_data(x, tx, T))
            p = np.exp(t1 - np.logaddexp(t1, t2))
        return pd.Series(np.clip(p, 0.0, 1.0), index=summary.index, name="p_alive")

    def predict_purchases(self, t, summary: pd.DataFrame) -> pd.Series:
        """Conditional expected number of purchases in the next ``t`` time units, per customer.

        E[Y(t) | frequency, recency, T]; ``t`` is a number or an array aligned with ``summary`` (in the
        summary's time unit). Returns a Series aligned with ``summary``'s index.
        """
        x, tx, T = self._rows(summary)
        t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        if np.any(~np.isfinite(t) | (t < 0)):
            raise KpiDataError("t must be finite and non-negative (a duration in the summary's time unit).")
        with np.errstate(all="ignore"):
            y = self._conditional(self.params_.to_numpy(), x, tx, T, t)
        return pd.Series(y, index=summary.index, name="expected_purchases")

    def expected_purchases_new(self, t) -> np.ndarray | float:
        """E[X(t)]: expected purchases of a newly acquired customer in the ``t`` time units after
        their first purchase (repeat purchases only)."""
        self._check_fitted()
        t_arr = np.asarray(t, dtype=float)
        with np.errstate(all="ignore"):
            out = self._unconditional(self.params_.to_numpy(), t_arr)
        return float(out) if np.ndim(out) == 0 else out
