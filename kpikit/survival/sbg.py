"""The shifted-beta-geometric retention model and its survivor tables (see :mod:`kpikit.survival`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from kpikit.errors import ConvergenceError, KpiDataError, describe_rows
from kpikit.i18n import t as _text
from kpikit.stats.mle import MaximumLikelihood

__all__ = ["ShiftedBetaGeometric", "FADER_HARDIE_2007", "pooled_survivors", "holdout_error"]

#: Fader and Hardie (2007), Table 1: customers (of 1,000 acquired in year 0) alive at the start of
#: years 0..12, for the "regular" and "high end" segments. The paper fits the sBG on years 0-7.
FADER_HARDIE_2007 = {
    "regular": [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173],
    "high_end": [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
}


# --------------------------------------------------------------------------------------- sBG


def _sbg_survival(alpha: float, beta: float, t: np.ndarray) -> np.ndarray:
    """S(t) = B(alpha, beta + t) / B(alpha, beta)."""
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


@dataclass
class _Cohort:
    """What the sBG likelihood reads: customers lost in periods 1..n and those alive when observation ends.

    ``alive_end`` is, for one cohort, its survivors after period n; for several cohorts observed for
    different lengths, an array over ages 0..n: the customers alive when their cohort's data end at that
    age (right-censored there).
    """

    churned: np.ndarray
    alive_end: float | np.ndarray
    n: int


def _survivor_table(survivors: ArrayLike | pd.DataFrame) -> np.ndarray:
    """A checked cohort-by-age table from a wide frame or 2-D array (columns: ages) or a long frame."""
    if isinstance(survivors, pd.DataFrame) and {"cohort", "period", "survivors"} <= set(survivors.columns):
        survivors = survivors.pivot(index="cohort", columns="period", values="survivors")
    if isinstance(survivors, pd.DataFrame) and list(survivors.columns) != list(range(survivors.shape[1])):
        raise KpiDataError(f"A survivor table's columns are the ages 0, 1, 2, ... (got {list(survivors.columns)[:6]}).")
    tab = np.array(survivors, dtype=float, ndmin=2)
    gaps = np.isnan(tab)
    with np.errstate(invalid="ignore"):
        bad = {
            "have a missing count before a known one (each cohort needs its size and consecutive ages, missing "
            "only after its data end)": gaps[:, 0] | (gaps[:, :-1] & ~gaps[:, 1:]).any(axis=1),
            "are not whole, non-negative counts of customers alive": (~gaps & ((tab < 0) | (tab % 1 != 0))).any(axis=1),
            "increase (a cohort only loses customers: do not mix cohorts in one row or count reactivations); "
            "survivors must not increase": (np.diff(tab, axis=1) > 0).any(axis=1),
        }
    if tab.ndim != 2 or tab.size == 0:
        raise KpiDataError("A survivor table has one row per cohort and one column per age (0, 1, 2, ...).")
    for what, rows in bad.items():
        if rows.any():
            raise KpiDataError(f"survivors: the cohorts in {describe_rows(np.flatnonzero(rows) + 1)} {what}.")
    return tab


def _table_data(tab: np.ndarray) -> _Cohort:
    """The likelihood's counts of a cohort-by-age table: losses per period and survivors censored per age."""
    last = (~np.isnan(tab)).sum(axis=1) - 1  # the last age observed, per cohort
    n = int(last.max())
    filled = np.where(np.isnan(tab), 0.0, tab)
    observed = np.arange(1, n + 1)[None, :] <= last[:, None]
    churned = ((filled[:, :n] - filled[:, 1 : n + 1]) * observed).sum(axis=0)
    alive_end = np.bincount(last, weights=filled[np.arange(tab.shape[0]), last], minlength=n + 1)
    return _Cohort(churned, alive_end, n)


def pooled_survivors(survivors: ArrayLike | pd.DataFrame) -> np.ndarray:
    """Several cohorts' survivors as one cohort: all customers times the chained retention, age by age.

    N x S(t), N the customers of all cohorts, S(0) = 1 and S(t) = S(t - 1) x sum_c n_c(t) / sum_c n_c(t - 1)
    over the cohorts observed at age t (Kaplan-Meier at cohort level: a cohort whose data end leaves the
    risk set, it is not lost). One cohort's counts come back as they are; the curve stops where no
    customer of the cohorts observed at that age was alive a period earlier.

    Parameters
    ----------
    survivors : array-like or DataFrame
        One cohort's counts (1-D), or a cohort-by-age table (see :meth:`ShiftedBetaGeometric.fit`).

    Returns
    -------
    ndarray
        Customers alive at the start of periods 0, 1, ... as one cohort of N.

    References
    ----------
    Kaplan and Meier (1958); Fader and Hardie (2007) on pooling cohorts of one contract type.

    Examples
    --------
    >>> pooled_survivors([[100, 80, 70], [50, 45, np.nan]]).round(3).tolist()  # S(1) = 125/150, S(2) x 70/80
    [150.0, 125.0, 109.375]
    """
    tab = _survivor_table(survivors) if np.ndim(survivors) > 1 or isinstance(survivors, pd.DataFrame) else None
    if tab is None:
        return np.asarray(survivors, dtype=float)
    if tab.shape[0] == 1:
        return tab[0, ~np.isnan(tab[0])]
    out = [float(tab[:, 0].sum())]
    for t in range(1, tab.shape[1]):
        seen = ~np.isnan(tab[:, t])
        before = tab[seen, t - 1].sum()
        if not seen.any() or before <= 0:
            break
        out.append(out[-1] * tab[seen, t].sum() / before)
    return np.array(out)


def holdout_error(projection: pd.DataFrame, lang: str = "en") -> float:
    """How far a projection strays on the periods it was not fitted on, as a share of the cohort.

    error = max over held-out periods with an actual count of |predicted - actual| / actual at period 0.

    Parameters
    ----------
    projection : DataFrame
        :meth:`ShiftedBetaGeometric.projection` with ``actual``.
    lang : str
        The language of the message when no period is held out (a report's note).

    Returns
    -------
    float
        The largest gap, a share of the cohort (0.02 = two customers in a hundred).

    Raises
    ------
    KpiDataError
        No held-out period has an actual count (the cohorts are too young for a check).
    """
    if "actual" not in projection.columns:
        raise KpiDataError("The projection has no actual counts to check it against; pass actual= to projection().")
    held = projection[~projection["fitted"].astype(bool) & projection["actual"].notna()]
    if held.empty:
        fitted = int(projection.loc[projection["fitted"].astype(bool), "period"].max())
        raise KpiDataError(_text("survival.note.no_holdout", lang, periods=fitted))
    return float(held["error"].abs().max() / projection["actual"].iloc[0])


class ShiftedBetaGeometric(MaximumLikelihood):
    """Shifted-beta-geometric (sBG) model of contractual retention (Fader and Hardie 2007).

    Each customer churns at the end of each period with probability theta, constant for that
    customer; theta ~ Beta(alpha, beta) across customers. Then

    - P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), t = 1, 2, ...
    - S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)
    - retention rate r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), rising with t
      because the churn-prone customers leave first.

    Fitted by maximum likelihood to the counts alive at the start of periods 0..n of one cohort,
    LL = sum_{t=1..n} (n_{t-1} - n_t) log P(T = t) + n_n log S(n), or of several cohorts each censored
    where its data end (:meth:`fit`), on log(alpha) and log(beta) with BFGS from three starting points,
    by kpikit's fitting base (:class:`kpikit.stats.mle.MaximumLikelihood`).

    Parameters
    ----------
    max_iter : int
        Largest number of optimiser iterations from each starting point.

    Attributes
    ----------
    params_ : Series
        alpha and beta.
    standard_errors_ : Series
        From the Hessian of the log-likelihood in (log alpha, log beta), delta method.
    log_likelihood_ : float
        LL at the estimates.
    converged_ : bool
        The optimiser reported success or stopped on a flat gradient.
    identified_ : bool
        Both parameters identified by the data: neither ran off to 0 or infinity, each standard error
        is below its estimate and the information matrix is positive definite. The sample's first
        monthly cohort alone (six months of 284 customers) is not: alpha 1.099 with standard error
        1.249, beta 14.44 with 18.59; its 18 monthly cohorts together are.
    identification_ : DataFrame
        The verdict per parameter (parameter, estimate, standard_error, identified, reason);
        ``verdict()`` says it in a sentence.
    survivors_ : ndarray
        The counts fitted on (several cohorts: their customers as one cohort, :func:`pooled_survivors`).
    cohorts_ : int
        The number of cohorts fitted on.

    References
    ----------
    Fader and Hardie (2007), "How to project customer retention", Journal of Interactive Marketing
    21(1), 76-90, Table 1 and section 4.

    Examples
    --------
    >>> m = ShiftedBetaGeometric().fit(FADER_HARDIE_2007["regular"][:8])
    >>> m.params_.round(3).tolist()
    [0.704, 1.182]
    >>> m.summary().round(3).to_dict("records")[0]  # doctest: +NORMALIZE_WHITESPACE
    {'parameter': 'alpha', 'estimate': 0.704, 'standard_error': 0.066, 'ci_low': 0.587, 'ci_high': 0.845,
     'identified': True, 'reason': ''}
    """

    _names = ("alpha", "beta")
    _label = "sBG"
    _fit_args = "survivors"
    _method = "BFGS"
    _log_bound = None
    _max_log_param = 25.0
    _gradient = "optimiser"
    _max_gradient = None

    def __init__(self, max_iter: int = 1000) -> None:
        self.max_iter = max_iter

    def _options(self) -> dict:
        return {"maxiter": self.max_iter, "gtol": 1e-9}

    def _starts(self, data: _Cohort) -> list:
        return [[1.0, 1.0], [0.5, 2.0], [2.0, 10.0]]

    def _objective(self, theta: np.ndarray, data: _Cohort, with_grad: bool = False) -> float:
        a, b = np.exp(theta)
        t = np.arange(1, data.n + 1)
        logp = special.betaln(a + 1, b + t - 1) - special.betaln(a, b)
        if np.ndim(data.alive_end) == 0:  # one cohort: its survivors after period n
            logs = special.betaln(a, b + data.n) - special.betaln(a, b)
            return -float(np.dot(data.churned, logp) + data.alive_end * logs)
        logs = special.betaln(a, b + np.arange(data.n + 1)) - special.betaln(a, b)  # censored at each age
        return -float(np.dot(data.churned, logp) + np.dot(data.alive_end, logs))

    def _log_likelihood(self, theta: np.ndarray, data: _Cohort) -> float:
        return -self._objective(theta, data)

    def _not_converged(self, params, res) -> str:
        return (
            "The sBG fit did not converge (the likelihood could not be evaluated at its optimum). This happens "
            "when retention is flat (no heterogeneity) or there are too few periods; try more periods or a "
            "constant-churn (geometric) projection."
        )

    def _unidentified_advice(self) -> str:
        return (
            "Retention may be nearly flat (customers alike in their churn) or the periods too few: fit more "
            "periods or several cohorts, or read the projection as a constant-churn one, trusted only as far "
            "as its check on held-out periods goes."
        )

    def fit(
        self, survivors: ArrayLike | pd.DataFrame, initial_params: Sequence[float] | None = None
    ) -> ShiftedBetaGeometric:
        """Fit alpha and beta to the customers alive at the start of periods 0..n, of one cohort or several.

        Several cohorts observed for different lengths (customers who joined in different months) come as
        a cohort-by-age table, missing after each cohort's data end. Each cohort contributes its losses in
        each period it is observed for and its survivors at its last observed age, right-censored there:
        LL = sum_t D_t log P(T = t) + sum_t C_t log S(t), D_t the customers of all cohorts lost in period t,
        C_t those alive when their cohort's data end at age t (one cohort: C_n = n_n).

        Parameters
        ----------
        survivors : array-like of int, 2-D array or DataFrame
            One cohort's non-increasing counts (first = cohort size, at least periods 0-2); or a table:
            2-D, or a frame whose columns are the ages 0, 1, 2, ..., or a long frame with ``cohort``,
            ``period`` and ``survivors`` (:func:`kpikit.subscriptions.cohort_survivors`).
        initial_params : sequence of float, optional
            Starting alpha and beta (default: three starting points, (1, 1), (0.5, 2) and (2, 10)).

        Returns
        -------
        self
            With ``params_``, ``standard_errors_``, ``log_likelihood_``, ``iterations_``,
            ``converged_``, ``survivors_`` (one cohort's counts; for several, all their customers as
            one cohort, :func:`pooled_survivors`) and ``cohorts_`` (how many).

        Raises
        ------
        KpiDataError
            Counts that are not whole, increase, have gaps, or are too few.
        ConvergenceError
            No customer churned, or the likelihood cannot be evaluated at the optimum.

        Warns
        -----
        IdentificationWarning
            The data do not pin down alpha or beta (``identified_`` is False; see the class notes).
        """
        table = np.ndim(survivors) > 1 or isinstance(survivors, pd.DataFrame)
        tab = _survivor_table(survivors) if table else None
        if tab is not None and tab.shape[0] == 1:
            survivors, tab = tab[0, ~np.isnan(tab[0])], None
        if tab is not None:
            data = _table_data(tab)
            if data.n < 2:
                raise KpiDataError(
                    "survivors needs the counts alive at the start of at least periods 0, 1 and 2 of one cohort "
                    f"(the {tab.shape[0]} cohorts are observed for {data.n} period at most)."
                )
            if tab[:, 0].sum() <= 0:
                raise KpiDataError("The cohorts have no customers (every size at age 0 is 0).")
            self.survivors_, self.cohorts_ = pooled_survivors(tab), tab.shape[0]
        else:
            s = np.asarray(survivors, dtype=float)
            if s.ndim != 1 or s.size < 3:
                raise KpiDataError("survivors needs the counts alive at the start of at least periods 0, 1 and 2.")
            if np.isnan(s).any():
                raise KpiDataError("survivors must be whole, non-negative counts of customers alive.")
            _survivor_table(s)  # whole, non-negative, not increasing
            if s[0] <= 0:
                raise KpiDataError("survivors[0] (the cohort size) must be positive.")
            data = _Cohort(-np.diff(s), s[-1], s.size - 1)
            self.survivors_, self.cohorts_ = s, 1
        if data.churned.sum() == 0:
            raise ConvergenceError(
                "No customer churned in the data: the sBG model is not identified. "
                "Use a longer window or a larger cohort."
            )
        return self._fit(data, initial_params)

    def predict_survival(self, periods: ArrayLike) -> np.ndarray:
        """S(t) for each t in ``periods``: the share of the cohort still active at the start of t.

        Parameters
        ----------
        periods : array-like
            Periods t >= 0 since the cohort started.

        Returns
        -------
        ndarray
            S(t) = B(alpha, beta + t) / B(alpha, beta), one per period.
        """
        self._check_fitted()
        t = np.asarray(periods, dtype=float)
        return _sbg_survival(self.params_["alpha"], self.params_["beta"], t)

    def predict_retention(self, periods: ArrayLike) -> np.ndarray:
        """Period retention rate r_t = (beta + t - 1) / (alpha + beta + t - 1), t >= 1.

        Parameters
        ----------
        periods : array-like
            Periods t >= 1.

        Returns
        -------
        ndarray
            The share of customers active at the start of period t - 1 who are still active at t.
        """
        self._check_fitted()
        t = np.asarray(periods, dtype=float)
        if np.any(t < 1):
            raise KpiDataError("Retention rates are defined for periods t >= 1 (r_t = S(t) / S(t - 1)).")
        a, b = self.params_["alpha"], self.params_["beta"]
        return (b + t - 1) / (a + b + t - 1)

    def predict_survivors(self, periods: ArrayLike) -> np.ndarray:
        """Expected customers alive at the start of each period: cohort size x S(t).

        Parameters
        ----------
        periods : array-like
            Periods t >= 0.

        Returns
        -------
        ndarray
            Expected customers, one per period.
        """
        self._check_fitted()
        return self.survivors_[0] * self.predict_survival(periods)

    def projection(self, periods: int, actual: ArrayLike | None = None) -> pd.DataFrame:
        """Tidy table of the projection for periods 0..``periods``, beside ``actual`` counts if given.

        Parameters
        ----------
        periods : int
            Last period projected.
        actual : array-like or DataFrame, optional
            Customers actually alive at the start of periods 0, 1, ... (the fitted ones and later): one
            cohort's counts, or a cohort-by-age table (see :meth:`fit`), pooled as one cohort by
            :func:`pooled_survivors`.

        Returns
        -------
        DataFrame
            period, predicted (customers), predicted_survival, fitted (period used in the fit), and
            actual / error (predicted - actual) when ``actual`` is given.
        """
        self._check_fitted()
        t = np.arange(int(periods) + 1)
        out = pd.DataFrame(
            {
                "period": t,
                "predicted": self.predict_survivors(t),
                "predicted_survival": self.predict_survival(t),
                "fitted": t < self.survivors_.size,
            }
        )
        if actual is not None:
            act = np.full(t.size, np.nan)
            a = pooled_survivors(actual)[: t.size]
            act[: a.size] = a
            out["actual"] = act
            out["error"] = out["predicted"] - out["actual"]
        return out

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            flag = "" if getattr(self, "identified_", True) else "; not identified"
            return (
                f"ShiftedBetaGeometric(alpha={self.params_['alpha']:.3f}, beta={self.params_['beta']:.3f}, "
                f"LL={self.log_likelihood_:.2f}{flag})"
            )
        return "ShiftedBetaGeometric(unfitted)"
