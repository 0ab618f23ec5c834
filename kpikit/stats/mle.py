"""The one fitting base of kpikit's maximum-likelihood models: log-parameters, warm starts, checks, standard errors.

BG/NBD, Pareto/NBD and Gamma-Gamma (``kpikit.clv``) and the shifted-beta-geometric model
(``kpikit.survival``) are fitted the same way:

- **Log-parameters.** Every parameter is positive, so the optimiser works on theta = log(parameter):
  no constraint to enforce, and a step of h on theta is a relative change of h in every parameter.
- **Starting values and warm starts.** A fit starts from the caller's ``initial_params``; else, for a
  model that can subsample its data and data that are large, from a fit on a subsample; else from the
  model's own starting values (several are tried and the best optimum kept).
- **Checks.** A fit is refused (``ConvergenceError``, with the model's advice) when the objective is
  not finite at the optimum or the gradient at the optimum is not small (the optimiser did not reach
  a maximum). ``converged_`` records whether the optimiser reported success or ended on a flat
  gradient.
- **Standard errors.** The Hessian of the log-likelihood in theta (:func:`numerical_hessian`:
  central differences with Richardson extrapolation, or differences of the analytic gradient where a
  model has one), inverted to the covariance of theta; the standard error of a parameter is
  estimate x se(theta) (delta method). A Hessian that is not finite, or whose inverse has a negative
  diagonal, leaves NaN standard errors: the data do not identify that parameter.
- **Identification.** A maximum the optimiser did reach may still not be pinned down by the data. A
  parameter is *not identified* when its log ran to the edge of its range (|log parameter| above
  ``_max_log_param``: the likelihood keeps rising towards 0 or infinity), when its standard error
  exceeds its estimate (se(log parameter) > 1: the 95% interval spans a factor of more than 50), or
  when the information matrix -H is singular or not positive definite (Cholesky fails, or its
  smallest eigenvalue is below 1e-10 of its largest; the parameters loading on that direction are
  named). The fit is returned, with ``identified_`` False, the per-parameter verdict in
  ``identification_`` and an :class:`~kpikit.errors.IdentificationWarning` naming the parameters and
  the reasons; ``verdict()`` says it in a sentence for a caption. Results that rest on such a
  parameter are illustrations, not findings (Rothenberg 1971; Gelman et al. 2013, section 4.3 on weakly
  identified models).
- **The same attributes.** ``params_`` and ``standard_errors_`` (Series indexed by parameter name),
  ``log_likelihood_``, ``iterations_``, ``converged_``, ``identified_``, ``identification_``, and
  ``summary()``: a tidy table with an interval computed on the log scale, so it stays positive like the
  parameter, and each parameter's verdict.

References
----------
Nocedal, J. and Wright, S. J. (2006), *Numerical Optimization*, 2nd ed., Springer: section 8.1
(finite-difference derivatives).
Richardson, L. F. (1911), "The approximate arithmetical solution by finite differences of physical
problems", Philosophical Transactions of the Royal Society A 210, 307-357 (extrapolation to zero step).
Casella, G. and Berger, R. L. (2002), *Statistical Inference*, 2nd ed.: section 10.1 (observed
information, delta method).
Rothenberg, T. J. (1971), "Identification in parametric models", Econometrica 39(3), 577-591
(local identification and a non-singular information matrix).
Gelman, A. et al. (2013), *Bayesian Data Analysis*, 3rd ed., CRC Press: section 4.3.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize
from scipy import stats as _st

from kpikit.errors import ConvergenceError, IdentificationWarning, KpiDataError
from kpikit.i18n import Finding

__all__ = ["MaximumLikelihood", "numerical_hessian"]

#: Objective value standing for a point where the likelihood cannot be evaluated.
INFEASIBLE = 1e300

#: Above this standard error of a log-parameter (se / estimate), the parameter is not identified.
MAX_SE_LOG = 1.0

#: Why a parameter is not identified (translatable: kpikit/i18n/<lang>/findings_stats.yaml).
_REASONS = {
    "edge_zero": Finding("ran to the edge of its range (towards 0)"),
    "edge_infinity": Finding("ran to the edge of its range (towards infinity)"),
    "singular": Finding("the information matrix is singular or not positive definite"),
    "standard_error": Finding("its standard error exceeds the estimate"),
}
_PARAMETER = "{parameter} (estimate {estimate:sig}, standard error {se:sig}: {reasons})"
_IDENTIFIED = "{model}: every parameter is identified by the data (each standard error below its estimate)."
_NOT_IDENTIFIED = (
    "{model}: the data do not identify {parameters}. Results that rest on it are not findings.",
    "{model}: the data do not identify {parameters}. Results that rest on them are not findings.",
)

#: Eigenvalues of the information matrix below this share of the largest count as zero (singular).
_SINGULAR = 1e-10

#: Default first steps (log scale) and number of Richardson levels of :func:`numerical_hessian`.
_STEP_WITH_GRADIENT, _LEVELS_WITH_GRADIENT = 0.01, 2
_STEP_VALUES_ONLY, _LEVELS_VALUES_ONLY = 0.1, 3


def _central_hessian(f, theta, h, grad, f0) -> np.ndarray:
    """One central-difference Hessian with steps ``h`` (error a series in even powers of h)."""
    k = theta.size
    H = np.empty((k, k))
    if grad is not None:
        for i in range(k):
            e = np.zeros(k)
            e[i] = h[i]
            H[:, i] = (np.asarray(grad(theta + e)) - np.asarray(grad(theta - e))) / (2 * h[i])
        return H
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        H[i, i] = (f(theta + ei) - 2 * f0 + f(theta - ei)) / h[i] ** 2
        for j in range(i + 1, k):
            ej = np.zeros(k)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)) / (
                4 * h[i] * h[j]
            )
    return H


def numerical_hessian(
    f: Callable[[np.ndarray], float],
    theta: ArrayLike,
    grad: Callable[[np.ndarray], ArrayLike] | None = None,
    step: float | ArrayLike | None = None,
    levels: int | None = None,
) -> np.ndarray:
    """Hessian of a smooth function by central differences, extrapolated to zero step (Richardson).

    With values only, each entry is a central second difference (the diagonal
    (f(x+h_i) - 2 f(x) + f(x-h_i)) / h_i^2, the off-diagonal four-point formula); with a gradient,
    column i is (grad(x + h_i e_i) - grad(x - h_i e_i)) / (2 h_i). Both have errors in even powers of
    the steps, so the estimates D(h), D(h/2), D(h/4), ... are combined level by level,
    (4^m D(h/2) - D(h)) / (4^m - 1), which removes the h^2, h^4, ... terms in turn and leaves round-off
    small because the steps need not be tiny. The result is symmetrised.

    Used on the log-parameter scale, where a step of h is a relative change of h in each parameter,
    the defaults give about 9 significant digits on kpikit's models (see ``tests/stats/test_mle.py``):
    the first step is 0.1 with three levels from values, 0.01 with two levels from a gradient.

    Parameters
    ----------
    f : callable
        Scalar function of a 1-D array (a total log-likelihood of log-parameters).
    theta : array-like
        The point (1-D).
    grad : callable, optional
        The gradient of ``f`` (1-D array); when given, the Hessian is taken from it (more accurate, and
        2 k evaluations per level instead of 2 k^2).
    step : float or array-like, optional
        First step, one for all coordinates or one per coordinate (default 0.1, or 0.01 with ``grad``).
    levels : int, optional
        Number of halvings of the step combined by extrapolation (default 3, or 2 with ``grad``).

    Returns
    -------
    ndarray
        The k x k symmetric Hessian (non-finite entries when ``f`` is not finite near ``theta``).

    References
    ----------
    Nocedal and Wright (2006), Numerical Optimization, section 8.1; Richardson (1911).

    Examples
    --------
    >>> H = numerical_hessian(lambda x: x[0] ** 2 * x[1] + 3 * x[1] ** 3, [1.0, 2.0])
    >>> np.round(H, 9).tolist()  # exact: [[2 x1, 2 x0], [2 x0, 18 x1]]
    [[4.0, 2.0], [2.0, 36.0]]
    """
    theta = np.asarray(theta, dtype=float).ravel()
    levels = int(levels or (_LEVELS_WITH_GRADIENT if grad is not None else _LEVELS_VALUES_ONLY))
    first = step if step is not None else (_STEP_WITH_GRADIENT if grad is not None else _STEP_VALUES_ONLY)
    h = np.broadcast_to(np.asarray(first, dtype=float), theta.shape).copy()
    if levels < 1 or not np.all(np.isfinite(h) & (h > 0)):
        raise KpiDataError("numerical_hessian needs positive finite steps and at least one level.")
    f0 = None if grad is not None else f(theta)
    table = [_central_hessian(f, theta, h / 2**j, grad, f0) for j in range(levels)]
    for m in range(1, levels):
        factor = 4.0**m
        table = [(factor * table[j + 1] - table[j]) / (factor - 1) for j in range(len(table) - 1)]
    H = table[0]
    return (H + H.T) / 2


def _singular_directions(H: np.ndarray) -> tuple[bool, np.ndarray]:
    """Whether the information matrix -H is singular or not positive definite, and which parameters load on it.

    Returns (singular, mask): ``mask`` marks the parameters whose component in an eigenvector of a
    zero or negative eigenvalue is at least 0.3 in absolute value (all of them when -H is not finite).
    """
    k = H.shape[0]
    if not np.all(np.isfinite(H)):
        return True, np.ones(k, dtype=bool)
    info = -(H + H.T) / 2
    vals, vecs = np.linalg.eigh(info)
    top = float(np.max(np.abs(vals))) if vals.size else 0.0
    weak = vals <= _SINGULAR * top if top > 0 else np.ones(k, dtype=bool)
    try:
        np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        weak |= vals <= 0
    if not weak.any():
        return False, np.zeros(k, dtype=bool)
    return True, np.any(np.abs(vecs[:, weak]) >= 0.3, axis=1)


def _log_scale_errors(H: np.ndarray) -> np.ndarray:
    """Standard errors of the log-parameters from the Hessian of the log-likelihood; NaN where not identified.

    When -H is exactly singular, the parameters on its null directions get NaN and the others their
    standard errors within the identified directions (from the pseudo-inverse).
    """
    k = H.shape[0]
    if not np.all(np.isfinite(H)):
        return np.full(k, np.nan)
    try:
        cov = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        _, flat = _singular_directions(H)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(np.linalg.pinv(-H)))
        return np.where(flat, np.nan, se)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.diag(cov))  # NaN where the likelihood is flat or curves the wrong way


class MaximumLikelihood:
    """Base class of kpikit's maximum-likelihood models (BG/NBD, Pareto/NBD, Gamma-Gamma, sBG).

    A model's public ``fit(...)`` checks its input, builds its data and calls ``self._fit(data,
    initial_params)``, which returns the fitted model. The base does the rest (see the module
    docstring): starting values and warm starts, the optimiser on log-parameters, the checks, the
    Hessian standard errors, and the fitted attributes. A subclass defines:

    - ``_names`` (parameter names) and ``_label`` (the model's name in messages), ``_fit_args``
      (what ``fit`` takes, for the "not fitted" message);
    - ``_objective(theta, data, with_grad)``: the value minimised (and its gradient when ``with_grad``);
    - ``_log_likelihood(theta, data)``: the total log-likelihood reported as ``log_likelihood_``;
      ``_penalised_log_likelihood`` (default: the same) is what the Hessian is taken of;
    - ``_score(theta, data)``: the gradient of the latter, when ``_gradient == "analytic"``;
    - ``_starts(data)``: starting parameter values (tried in turn, the best optimum kept);
    - optionally ``_subsample(data)`` (data for a warm-start fit, or None), ``_options()`` (optimiser
      options), ``_not_converged(params, res)`` (the message of a refused fit) and
      ``_unidentified_advice()`` (what to try when a parameter is not identified).

    Class attributes set the optimiser: ``_method`` (scipy.optimize.minimize method), ``_log_bound``
    (bounds +/- on each log-parameter, or None), ``_max_log_param`` (a fit with a larger |log-parameter|
    is refused), ``_gradient`` ("analytic": the objective returns its gradient; "central": central
    differences of the objective; "optimiser": the optimiser's own differences) and ``_max_gradient``
    (largest accepted |gradient| component of the objective at the optimum, or None: not checked).

    Attributes
    ----------
    params_ : Series
        Estimates, indexed by parameter name.
    standard_errors_ : Series
        Standard errors (delta method from the log-scale Hessian), NaN where not identified.
    log_likelihood_ : float
        Total log-likelihood at the estimates (without any penalty).
    iterations_ : int
        Optimiser iterations of the final fit.
    converged_ : bool
        The optimiser reported success, or stopped with a gradient norm below 1e-4.
    identified_ : bool
        Every parameter is identified by the data (see the module docstring).
    identification_ : DataFrame
        One row per parameter: parameter, estimate, standard_error, identified, reason ("" when
        identified; else why not, e.g. "standard error exceeds the estimate").
    """

    _names: tuple[str, ...] = ()
    _label = "model"
    _fit_args = "data"
    _method = "L-BFGS-B"
    _log_bound: float | None = 20.0
    _max_log_param = 19.5
    _gradient: Literal["analytic", "central", "optimiser"] = "central"
    _max_gradient: float | None = 1e-3
    _stacklevel = 4  # IdentificationWarning points at the caller of fit (fit -> _fit -> _identify)

    # ------------------------------------------------------------------ hooks (see the class docstring)

    def _objective(self, theta: np.ndarray, data: Any, with_grad: bool) -> Any:
        raise NotImplementedError

    def _log_likelihood(self, theta: np.ndarray, data: Any) -> float:
        raise NotImplementedError

    def _penalised_log_likelihood(self, theta: np.ndarray, data: Any) -> float:
        return self._log_likelihood(theta, data)

    def _score(self, theta: np.ndarray, data: Any) -> np.ndarray:
        raise NotImplementedError

    def _starts(self, data: Any) -> list[Sequence[float]]:
        raise NotImplementedError

    def _subsample(self, data: Any) -> Any:
        return None

    def _options(self) -> dict:
        return {}

    def _not_converged(self, params: np.ndarray, res: optimize.OptimizeResult) -> str:
        shown = {k: round(float(v), 6) for k, v in zip(self._names, params)}
        return f"{self._label} did not converge ({res.message}; parameters {shown})."

    def _unidentified_advice(self) -> str:
        return "More data, or a simpler model, would pin it down."

    # ------------------------------------------------------------------ fitting

    def _fd_grad(self, theta: np.ndarray, data: Any, h: float = 1e-6) -> np.ndarray:
        """Central-difference gradient of the objective (for models without an analytic one)."""
        g = np.empty_like(theta)
        for i in range(theta.size):
            e = np.zeros_like(theta)
            e[i] = h
            g[i] = (self._objective(theta + e, data, False) - self._objective(theta - e, data, False)) / (2 * h)
        return g

    def _starting_values(self, data: Any, initial_params: Sequence[float] | None) -> list[Sequence[float]]:
        """The caller's values; else the optimum on a subsample (large data); else the model's own starts."""
        if initial_params is not None:
            return [initial_params]
        sub = self._subsample(data)
        if sub is not None:
            # Warm start: the optimum on the subsample is close to the full-data one, so the full fit
            # needs far fewer iterations over all rows.
            try:
                return [np.exp(self._optimum(sub, None).x)]
            except ConvergenceError:
                pass  # the subsample could not identify the model; start as usual
        return self._starts(data)

    def _minimise(self, theta0: np.ndarray, data: Any) -> optimize.OptimizeResult:
        if self._gradient == "analytic":
            fun, jac = (lambda th: self._objective(th, data, True)), True
        else:
            fun = lambda th: self._objective(th, data, False)  # noqa: E731
            jac = (lambda th: self._fd_grad(th, data)) if self._gradient == "central" else None
        bounds = None if self._log_bound is None else [(-self._log_bound, self._log_bound)] * theta0.size
        with np.errstate(all="ignore"):
            return optimize.minimize(fun, theta0, jac=jac, method=self._method, bounds=bounds, options=self._options())

    def _objective_gradient(self, theta: np.ndarray, data: Any) -> np.ndarray:
        with np.errstate(all="ignore"):
            if self._gradient == "analytic":
                return np.asarray(self._objective(theta, data, True)[1])
            return self._fd_grad(theta, data)

    def _at_edge(self, theta: np.ndarray) -> np.ndarray:
        """Log-parameters that ran to the edge of their range (the likelihood rises towards 0 or infinity)."""
        return np.abs(theta) > self._max_log_param

    def _check_optimum(self, res: optimize.OptimizeResult, data: Any) -> None:
        """Refuse an optimum that is not finite or not flat (a log-parameter at the edge need not be flat)."""
        finite = bool(np.isfinite(res.fun) and res.fun < INFEASIBLE)
        steep = False
        if finite and self._max_gradient is not None:
            grad = np.abs(self._objective_gradient(res.x, data))
            steep = bool(np.max(np.where(self._at_edge(res.x), 0.0, grad)) > self._max_gradient)
        if not finite or steep:
            raise ConvergenceError(self._not_converged(np.exp(res.x), res))

    def _optimum(self, data: Any, initial_params: Sequence[float] | None) -> optimize.OptimizeResult:
        """Minimise the objective from each starting value, keep the best optimum and check it."""
        best = None
        for start in self._starting_values(data, initial_params):
            res = self._minimise(np.log(np.asarray(start, dtype=float)), data)
            if best is None or res.fun < best.fun:
                best = res
        self._check_optimum(best, data)
        return best

    def _fit(self, data: Any, initial_params: Sequence[float] | None = None) -> Self:
        """Fit on ``data`` (already checked) and set the fitted attributes; returns self."""
        res = self._optimum(data, initial_params)
        theta = res.x
        self.params_ = pd.Series(np.exp(theta), index=list(self._names), name="estimate")
        with np.errstate(all="ignore"):
            self.log_likelihood_ = float(self._log_likelihood(theta, data))
        self.iterations_ = int(res.nit)
        jac = getattr(res, "jac", None)
        self.converged_ = bool(res.success) or (jac is not None and float(np.linalg.norm(jac)) < 1e-4)
        H = self._hessian(theta, data)
        self._set_standard_errors(H)
        self._identify(theta, H)
        return self

    def _hessian(self, theta: np.ndarray, data: Any) -> np.ndarray:
        """Hessian of the (penalised) total log-likelihood in the log-parameters."""
        f = lambda th: self._penalised_log_likelihood(th, data)  # noqa: E731
        grad = (lambda th: self._score(th, data)) if self._gradient == "analytic" else None
        with np.errstate(all="ignore"):
            return numerical_hessian(f, theta, grad=grad)

    def _set_standard_errors(self, H: np.ndarray) -> None:
        self._se_log = _log_scale_errors(H)
        self.standard_errors_ = pd.Series(
            self.params_.to_numpy() * self._se_log, index=list(self._names), name="standard_error"
        )

    # ------------------------------------------------------------------ identification

    def _identify(self, theta: np.ndarray, H: np.ndarray) -> None:
        """Set ``identification_`` and ``identified_``; warn (IdentificationWarning) when a parameter is not identified."""
        reasons: list[list[Finding]] = [[] for _ in self._names]
        for i in np.flatnonzero(self._at_edge(theta)):
            reasons[i].append(_REASONS["edge_zero" if theta[i] < 0 else "edge_infinity"])
        singular, loads = _singular_directions(H)
        if singular:
            for i in np.flatnonzero(loads | ~np.isfinite(self._se_log)):
                reasons[i].append(_REASONS["singular"])
        for i in np.flatnonzero(np.isfinite(self._se_log) & (self._se_log > MAX_SE_LOG)):
            reasons[i].append(_REASONS["standard_error"])
        self._reasons = reasons
        self._set_identification(["; ".join(r) for r in reasons])
        if not self.identified_:
            warnings.warn(
                f"{self.verdict()} {self._unidentified_advice()}", IdentificationWarning, stacklevel=self._stacklevel
            )

    def _set_identification(self, reasons: Sequence[str]) -> None:
        self.identification_ = pd.DataFrame(
            {
                "parameter": list(self._names),
                "estimate": self.params_.to_numpy(),
                "standard_error": self.standard_errors_.to_numpy(),
                "identified": [not r for r in reasons],
                "reason": list(reasons),
            }
        )
        self.identified_ = bool(self.identification_["identified"].all())

    def verdict(self) -> Finding:
        """The identification verdict in one plain sentence (for a caption or a finding), translatable.

        Returns
        -------
        Finding
            "<model>: every parameter is identified by the data ..." or "<model>: the data do not
            identify <parameter> (estimate x, standard error y: <reason>), ... Results that rest on it
            are not findings." (``str()`` is the English text; ``.text("vi")`` the Vietnamese).
        """
        self._check_fitted()
        if self.identified_:
            return Finding(_IDENTIFIED, {"model": self._label})
        reasons = getattr(self, "_reasons", None) or [[] for _ in self._names]
        parts = [
            Finding(
                _PARAMETER,
                {"parameter": name, "estimate": est, "se": se, "reasons": why or [_REASONS["standard_error"]]},
            )
            for name, est, se, why, ok in zip(
                self._names,
                self.identification_["estimate"],
                self.identification_["standard_error"],
                reasons,
                self.identification_["identified"],
            )
            if not ok
        ]
        return Finding(_NOT_IDENTIFIED[len(parts) > 1], {"model": self._label, "parameters": parts})

    # ------------------------------------------------------------------ results

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise KpiDataError(f"{self._label} is not fitted yet. Call fit({self._fit_args}) first.")

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Parameter table: estimate, standard error and an interval computed on the log scale.

        ci_low, ci_high = estimate x exp(-/+ z se_log), with se_log = standard_error / estimate (the
        standard error of log(estimate), delta method) and z the normal quantile of ``level``, so the
        interval stays positive like the parameter.

        Parameters
        ----------
        level : float
            Confidence level of the interval.

        Returns
        -------
        DataFrame
            One row per parameter: parameter, estimate, standard_error, ci_low, ci_high, identified
            (bool) and reason (why not, "" when identified); see ``identification_``.
        """
        self._check_fitted()
        z = float(_st.norm.ppf(0.5 + level / 2))
        est = self.params_.to_numpy()
        verdict = getattr(self, "identification_", None)
        return pd.DataFrame(
            {
                "parameter": list(self._names),
                "estimate": est,
                "standard_error": self.standard_errors_.to_numpy(),
                "ci_low": est * np.exp(-z * self._se_log),
                "ci_high": est * np.exp(z * self._se_log),
                "identified": True if verdict is None else verdict["identified"].to_numpy(),
                "reason": "" if verdict is None else verdict["reason"].to_numpy(),
            }
        )
