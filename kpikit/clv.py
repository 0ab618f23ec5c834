"""Customer lifetime value: RFM summaries, buy-till-you-die models and discounted CLV.

"What is a customer worth?" has a popular answer, average order x frequency x lifespan
(:func:`historical_clv`), that ignores customers who silently stop buying. The buy-till-you-die
models answer it properly for non-contractual businesses (a shop, not a subscription):

- :class:`BetaGeo`, the BG/NBD model (Fader, Hardie and Lee 2005): while alive, a customer buys as a
  Poisson process with rate lambda ~ Gamma(r, alpha); after each purchase they drop out with
  probability p ~ Beta(a, b).
- :class:`ParetoNBD`, the Pareto/NBD model (Schmittlein, Morrison and Colombo 1987): purchases as
  above; the lifetime is exponential with rate mu ~ Gamma(s, beta), so dropout can happen at any time.
- :class:`GammaGamma` (Fader and Hardie 2013): the value of each repeat purchase is
  Gamma(p, nu) with nu ~ Gamma(q, gamma), independent of the purchase process.
- :func:`customer_lifetime_value`: expected purchases per future period x expected spend x margin,
  discounted per period.

All models read the RFM summary of :func:`rfm_summary` (columns ``frequency``, ``recency``, ``T``,
``monetary_value``) in one time unit; the time unit of the fitted parameters is that of the summary
(``summary.attrs["unit"]``).

Fitting
-------
The log-likelihoods are written in log space with ``scipy.special`` (``gammaln``, ``betaln``,
``hyp2f1``) and maximised over the logarithms of the parameters (so they stay positive) with L-BFGS-B.
BG/NBD and Gamma-Gamma use analytic gradients; Pareto/NBD uses central finite differences. Identical
(frequency, recency, T) rows are grouped first (their count becomes a weight), so the cost of a fit
grows with the number of distinct rows, not of customers. Standard errors come from the numerical
Hessian of the log-likelihood at the optimum (log-parameter scale, mapped back by the delta method);
``summary()`` shows them with intervals computed on the log scale, which stay positive.

This module is kpikit's own implementation from the papers' formulas.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting your customers' the easy way: an
alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "A note on deriving the Pareto/NBD model and
related expressions", brucehardie.com/notes/009.
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987), "Counting your customers: who are they and
what will they do next?", Management Science 33(1), 1-24.
Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary value",
brucehardie.com/notes/025.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize as _opt
from scipy import special as _sp
from scipy import stats as _st

from kpikit.errors import ConvergenceError, KpiDataError, SmallSampleWarning, describe_rows
from kpikit.schemas import require_columns
from kpikit.stats import mean_ci

__all__ = [
    "rfm_summary",
    "calibration_holdout",
    "historical_clv",
    "BetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "customer_lifetime_value",
    "new_customer_value",
    "payback_period",
    "new_customer_values",
    "acquisition_cost",
    "payback_title",
    "holdout_split",
    "rfm_segments",
    "segment_profile",
    "holdout_check",
    "as_frame",
    "holdout_totals",
    "probability_alive_matrix",
    "clv_by_segment",
    "ltv_cac",
    "spend_frequency_correlation",
    "findings",
    "headline_kpis",
]

#: Length of the calendar periods used to convert between a model's time unit and CLV periods, in days.
DAYS_PER = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Q": 365.25 / 4.0, "Y": 365.25, "h": 1.0 / 24.0}

#: Words for the time units, for labels.
UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years", "h": "hours"}

_SUMMARY_COLS = ("frequency", "recency", "T")


# --------------------------------------------------------------------------------------------------
# RFM summary
# --------------------------------------------------------------------------------------------------


def _require_columns(frame: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    require_columns(frame, cols, what, fix="Rename the export's columns or pass customer_col=/time_col=/amount_col=.")


def _bad_rows(mask: np.ndarray) -> str:
    return describe_rows((np.flatnonzero(mask) + 1).tolist())


def _period_ordinals(times: pd.Series, freq: str) -> np.ndarray:
    return times.dt.to_period(freq).array.asi8


def _unit_factor(freq: str, unit: str | None) -> float:
    """How many ``unit`` make one ``freq`` period (1.0 when unit is None or equal)."""
    if unit is None or unit == freq:
        return 1.0
    fixed = {"D": 1.0, "W": 7.0, "h": 1.0 / 24.0}
    if freq not in fixed or unit not in fixed:
        raise KpiDataError(
            f"unit={unit!r} with freq={freq!r}: a unit other than freq needs both to be fixed-length "
            "periods ('h', 'D' or 'W'). Use freq='D', unit='W' for recency and T in weeks of days."
        )
    return fixed[freq] / fixed[unit]


def _validated_transactions(transactions, customer_col, time_col, amount_col, extra=()) -> pd.DataFrame:
    if not isinstance(transactions, pd.DataFrame):
        raise KpiDataError("transactions must be a pandas DataFrame (the canonical transactions table).")
    _require_columns(transactions, [customer_col, time_col, amount_col, *extra], "transactions")
    tx = transactions[[customer_col, time_col, amount_col, *extra]].reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(tx[time_col]):
        raise KpiDataError(
            f"transactions, column {time_col!r}: expected datetime64 values, got {tx[time_col].dtype}. "
            "Read the table with kpikit.io.read_table (it parses timestamps) or use pd.to_datetime."
        )
    if getattr(tx[time_col].dt, "tz", None) is not None:
        raise KpiDataError(
            f"transactions, column {time_col!r}: timestamps carry a time zone; kpikit expects tz-naive UTC. "
            "Convert with .dt.tz_convert('UTC').dt.tz_localize(None)."
        )
    for col in (customer_col, time_col):
        bad = tx[col].isna().to_numpy()
        if bad.any():
            raise KpiDataError(
                f"transactions, column {col!r}: {int(bad.sum())} missing value(s) ({_bad_rows(bad)}). "
                "Every transaction needs a customer and a timestamp; fix or remove these rows in the export."
            )
    if not pd.api.types.is_numeric_dtype(tx[amount_col]):
        raise KpiDataError(
            f"transactions, column {amount_col!r}: expected numbers, got {tx[amount_col].dtype}. "
            "Strip currency symbols and thousands separators (kpikit.io.read_table does)."
        )
    amount = tx[amount_col].to_numpy(dtype=float)
    bad = ~np.isfinite(amount)
    if bad.any():
        raise KpiDataError(
            f"transactions, column {amount_col!r}: {int(bad.sum())} missing or infinite amount(s) "
            f"({_bad_rows(bad)}). Fill them from the order system or remove the rows before the summary."
        )
    bad = amount < 0
    if bad.any():
        raise KpiDataError(
            f"transactions, column {amount_col!r}: {int(bad.sum())} negative amount(s) ({_bad_rows(bad)}). "
            "Refunds are not purchases: net them against their orders before the RFM summary."
        )
    return tx


def rfm_summary(
    transactions: pd.DataFrame,
    observation_end=None,
    freq: str = "D",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    unit: str | None = None,
    keep_first: Sequence[str] = (),
) -> pd.DataFrame:
    """Recency-frequency-monetary summary, one row per customer (the input of the CLV models).

    Purchases are first grouped into periods of ``freq``; purchases in the same period count once and
    their amounts add up. Then, per customer, with periods counted from the first purchase:

    - frequency = number of purchase periods - 1 (repeat purchases),
    - recency = last purchase period - first purchase period,
    - T = period of ``observation_end`` - first purchase period,
    - monetary_value = mean amount of the repeat purchase periods (the first one excluded); 0 when
      frequency is 0.

    These are the conventions of Fader and Hardie's papers (x, t_x, T, z-bar) and of the lifetimes
    package. Transactions after ``observation_end`` are outside the window and not counted (that is
    what :func:`calibration_holdout` uses); a purchase in the period of ``observation_end`` counts.

    Parameters
    ----------
    transactions : DataFrame
        Canonical ``transactions`` table: customer_id, timestamp (tz-naive UTC), amount (>= 0).
    observation_end : timestamp-like, optional
        End of the observation window; defaults to the last transaction.
    freq : str
        Period grain as a pandas period alias: "D" days (default), "W" weeks, "M" months.
    customer_col, time_col, amount_col : str
        Column names.
    unit : str, optional
        Time unit of recency and T when it differs from ``freq`` (fixed-length periods only): with
        ``freq="D", unit="W"``, purchases are grouped by day and recency/T are days / 7, the
        convention of the CDNOW data in Fader, Hardie and Lee (2005).
    keep_first : sequence of str
        Columns whose value on the customer's first purchase is kept (e.g. ``["channel"]``, the
        acquisition channel).

    Returns
    -------
    DataFrame
        One row per customer, sorted by customer: ``customer_col``, frequency (int), recency, T,
        monetary_value, first_purchase (timestamp), first_value (amount of the first period), and the
        ``keep_first`` columns. ``attrs["unit"]`` holds the time unit of recency and T.

    References
    ----------
    Fader, Hardie and Lee (2005), "'Counting your customers' the easy way", Marketing Science 24(2).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
    ...     "amount": [10.0, 5.0, 20.0, 8.0]})
    >>> rfm_summary(tx, observation_end="2024-01-31")[["customer_id", "frequency", "recency", "T",
    ...     "monetary_value"]]
      customer_id  frequency  recency     T  monetary_value
    0           a          1     10.0  30.0            20.0
    1           b          0      0.0  26.0             0.0
    """
    keep_first = list(keep_first)
    tx = _validated_transactions(transactions, customer_col, time_col, amount_col, keep_first)
    factor = _unit_factor(freq, unit)
    if tx.empty:
        raise KpiDataError("transactions: the table is empty; an RFM summary needs at least one purchase.")
    end = tx[time_col].max() if observation_end is None else pd.Timestamp(observation_end)
    if end.tzinfo is not None:
        raise KpiDataError("observation_end carries a time zone; pass a tz-naive UTC timestamp.")
    end_ord = int(pd.Series([end]).dt.to_period(freq).array.asi8[0])
    per = _period_ordinals(tx[time_col], freq)
    inside = per <= end_ord
    if not inside.any():
        raise KpiDataError(
            f"transactions: no purchase on or before observation_end {end} (first purchase "
            f"{tx[time_col].min()}). Choose a later observation_end."
        )
    tx = tx.loc[inside].assign(_period=per[inside])
    order = np.lexsort((tx[time_col].to_numpy(), tx[customer_col].to_numpy()))
    tx = tx.iloc[order]
    by_period = tx.groupby([customer_col, "_period"], sort=True, observed=True).agg(
        _amount=(amount_col, "sum"), _first_time=(time_col, "min")
    ).reset_index()
    g = by_period.groupby(customer_col, sort=True, observed=True)
    first_p = g["_period"].min()
    last_p = g["_period"].max()
    n_periods = g["_period"].size()
    total = g["_amount"].sum()
    first_value = g["_amount"].first()
    frequency = (n_periods - 1).astype("int64")
    repeat_total = total - first_value
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_total / frequency.where(frequency > 0, 1), 0.0)
    out = pd.DataFrame(
        {
            customer_col: first_p.index.to_numpy(),
            "frequency": frequency.to_numpy(),
            "recency": (last_p - first_p).to_numpy(dtype=float) * factor,
            "T": (end_ord - first_p).to_numpy(dtype=float) * factor,
            "monetary_value": np.asarray(monetary, dtype=float),
            "first_purchase": g["_first_time"].min().to_numpy(),
            "first_value": first_value.to_numpy(dtype=float),
        }
    )
    if keep_first:
        # the first row per customer (rows are sorted by customer and time); missing values stay missing
        firsts = tx.drop_duplicates(customer_col, keep="first").set_index(customer_col)[keep_first]
        firsts = firsts.reindex(out[customer_col])
        for col in keep_first:
            out[col] = firsts[col].to_numpy()
    out.attrs["unit"] = unit or freq
    return out


def calibration_holdout(
    transactions: pd.DataFrame,
    calibration_end,
    observation_end=None,
    freq: str = "D",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
    unit: str | None = None,
    keep_first: Sequence[str] = (),
) -> pd.DataFrame:
    """RFM summary of a calibration window plus what each customer did in the holdout window after it.

    Customers are those who bought on or before ``calibration_end``; their frequency, recency, T and
    monetary_value are computed on the calibration window (as :func:`rfm_summary` with
    ``observation_end=calibration_end``). Added columns:

    - frequency_holdout = number of purchase periods in (calibration_end, observation_end],
    - monetary_value_holdout = mean amount of those periods (0 when none),
    - duration_holdout = observation_end - calibration_end, in the summary's time unit.

    Customers first seen in the holdout window are not part of the validation (they have no
    calibration history); their count is in ``attrs["new_in_holdout"]``.

    Parameters
    ----------
    calibration_end, observation_end : timestamp-like
        Ends of the calibration and holdout windows (``observation_end`` defaults to the last
        transaction); the holdout must be non-empty.
    Other parameters as :func:`rfm_summary`.

    Returns
    -------
    DataFrame
        The calibration summary with the three holdout columns; ``attrs["unit"]`` as rfm_summary.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-02-05"]),
    ...     "amount": [10.0, 20.0, 30.0]})
    >>> calibration_holdout(tx, "2024-01-31", "2024-02-29")[["frequency", "frequency_holdout",
    ...     "duration_holdout"]]
       frequency  frequency_holdout  duration_holdout
    0          1                  1              29.0
    """
    tx = _validated_transactions(transactions, customer_col, time_col, amount_col, list(keep_first))
    cal_end = pd.Timestamp(calibration_end)
    obs_end = tx[time_col].max() if observation_end is None else pd.Timestamp(observation_end)
    factor = _unit_factor(freq, unit)
    cal_ord, obs_ord = pd.Series([cal_end, obs_end]).dt.to_period(freq).array.asi8
    if obs_ord <= cal_ord:
        raise KpiDataError(
            f"calibration_end {cal_end} must be before observation_end {obs_end} (at least one {freq!r} "
            "period apart) so that there is a holdout window."
        )
    cal = rfm_summary(tx, cal_end, freq, customer_col, time_col, amount_col, unit, keep_first)
    per = _period_ordinals(tx[time_col], freq)
    hold = tx.loc[(per > cal_ord) & (per <= obs_ord)].assign(_period=per[(per > cal_ord) & (per <= obs_ord)])
    hp = hold.groupby([customer_col, "_period"], sort=True, observed=True)[amount_col].sum().reset_index()
    hg = hp.groupby(customer_col, sort=True, observed=True)[amount_col].agg(["size", "mean"])
    idx = pd.Index(cal[customer_col])
    cal["frequency_holdout"] = hg["size"].reindex(idx).fillna(0).to_numpy(dtype="int64")
    cal["monetary_value_holdout"] = hg["mean"].reindex(idx).fillna(0.0).to_numpy(dtype=float)
    cal["duration_holdout"] = float(obs_ord - cal_ord) * factor
    first_seen = tx.groupby(customer_col, observed=True)[time_col].min()
    cal.attrs["unit"] = unit or freq
    cal.attrs["new_in_holdout"] = int((~first_seen.index.isin(idx)).sum())
    return cal


def historical_clv(
    transactions: pd.DataFrame,
    lifespan_years: float = 3.0,
    margin: float = 1.0,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
) -> dict:
    """The popular formula: average order value x purchases per customer per year x lifespan x margin.

    aov = revenue / orders; purchase_frequency = orders / customers / observed years (first to last
    transaction in the table); clv = aov x purchase_frequency x lifespan_years x margin. Undiscounted,
    with a lifespan chosen by hand and every customer treated as active for all of it: it is shown
    next to the model-based CLV to teach its limits.

    Returns
    -------
    dict
        customers, orders, revenue, years_observed, aov, purchase_frequency (orders per customer per
        year), lifespan_years, margin, clv.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 30.0, 20.0],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-07-01", "2024-12-31"])})
    >>> round(historical_clv(tx, lifespan_years=2)["clv"], 2)  # 20 x (3 orders / 2 customers / (365 / 365.25) years) x 2
    60.04
    """
    tx = _validated_transactions(transactions, customer_col, time_col, amount_col)
    if lifespan_years <= 0 or not 0 < margin <= 1:
        raise KpiDataError("lifespan_years must be positive and margin in (0, 1].")
    span_days = (tx[time_col].max() - tx[time_col].min()) / pd.Timedelta(days=1)
    years = max(span_days, 1.0) / 365.25
    orders = len(tx)
    customers = int(tx[customer_col].nunique())
    revenue = float(tx[amount_col].sum())
    aov = revenue / orders
    pf = orders / customers / years
    return {
        "customers": customers,
        "orders": orders,
        "revenue": revenue,
        "years_observed": years,
        "aov": aov,
        "purchase_frequency": pf,
        "lifespan_years": float(lifespan_years),
        "margin": float(margin),
        "clv": aov * pf * lifespan_years * margin,
    }


# --------------------------------------------------------------------------------------------------
# Model plumbing
# --------------------------------------------------------------------------------------------------


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


def _expm1_ratio(k, L):
    """(1 - exp(-k L)) / k, with its limit L as k -> 0."""
    k = np.asarray(k, dtype=float)
    safe = np.where(np.abs(k) < 1e-10, 1.0, k)
    return np.where(np.abs(k) < 1e-10, L, -np.expm1(-k * L) / safe)


def _log_bg_h(k, m, c, a, t, base):
    """log of (base/(base+t))^k 2F1(k, m; c; t/(base+t)), the bracketed term of the BG/NBD expectations.

    scipy's hyp2f1 on z = t/(base+t) in [0, 1) directly; where that overflows (large k, z near 1) the
    Pfaff form 2F1(k, a-1; c; -t/base) (with c - m = a - 1) is used instead.
    """
    t = np.asarray(t, dtype=float)
    z = t / (base + t)
    with np.errstate(all="ignore"):
        out = k * np.log1p(-z) + np.log(_sp.hyp2f1(k, m, c, z))
        bad = ~np.isfinite(out)
        if np.any(bad):
            out = np.where(bad, np.log(_sp.hyp2f1(k, a - 1, c, -t / base)), out)
    return out


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
        L2 penalty on the parameters added to the mean negative log-likelihood (0 = maximum likelihood).

    Attributes
    ----------
    params_ : Series
        r, alpha, a, b.
    log_likelihood_ : float
        Total log-likelihood at the estimate (without the penalty).
    standard_errors_ : Series
        From the Hessian (delta method).

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
    _has_grad = True

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
        c = a + b + x - 1
        # the bracket and (a-1) share their sign; clip round-off below 0
        return np.maximum(c / (a - 1) * -np.expm1(_log_bg_h(r + x, b + x, c, a, t, alpha + T)) * palive, 0.0)

    def _unconditional(self, params, t):
        # E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]  (eq. 7)
        r, alpha, a, b = params
        return np.maximum((a + b - 1) / (a - 1) * -np.expm1(_log_bg_h(r, b, a + b - 1, a, t, alpha)), 0.0)


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
    _has_grad = False

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


# --------------------------------------------------------------------------------------------------
# CLV and diagnostics
# --------------------------------------------------------------------------------------------------


def _model_unit(summary, model, unit) -> str:
    u = unit or (summary.attrs.get("unit") if summary is not None else None) or getattr(model, "unit_", None)
    if u is None:
        raise KpiDataError(
            "The summary's time unit is unknown (no attrs['unit']): pass unit='D' or 'W' (the unit the model "
            "was fitted in)."
        )
    if u not in DAYS_PER:
        raise KpiDataError(f"unit {u!r} is not supported for CLV periods; use one of {sorted(DAYS_PER)}.")
    return u


def _check_clv_args(horizon, freq, discount_rate, margin):
    if int(horizon) != horizon or horizon < 1:
        raise KpiDataError(f"horizon must be a positive whole number of {freq!r} periods (got {horizon}).")
    if freq not in DAYS_PER:
        raise KpiDataError(f"freq {freq!r} is not supported; use one of {sorted(DAYS_PER)}.")
    if not 0 <= discount_rate < 1:
        raise KpiDataError(f"discount_rate is a rate per period in [0, 1) (got {discount_rate}); 0.01 = 1% a month.")
    if not 0 < margin <= 1:
        raise KpiDataError(f"margin is the gross margin as a fraction in (0, 1] (got {margin}).")


def customer_lifetime_value(
    purchase_model: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon: int = 12,
    freq: str = "M",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    unit: str | None = None,
) -> pd.DataFrame:
    """Discounted expected margin of each customer's future purchases over a horizon.

    CLV_i = margin x E[Z_i] x sum_{k=1..horizon} (E[Y_i(k)] - E[Y_i(k-1)]) / (1 + d)^k

    with E[Y_i(k)] the conditional expected purchases by the end of period k (periods of ``freq``,
    converted to the model's time unit with 7 days a week and 365.25/12 days a month), E[Z_i] the
    Gamma-Gamma expected spend and d the discount rate per period (end-of-period discounting). This is
    the residual value of existing customers; the value of a new customer is :func:`new_customer_value`.

    Parameters
    ----------
    purchase_model : BetaGeo or ParetoNBD
        Fitted on the same kind of summary.
    spend_model : GammaGamma
        Fitted.
    summary : DataFrame
        RFM summary (from :func:`rfm_summary`) of the customers to value.
    horizon : int
        Number of ``freq`` periods.
    freq : {"D", "W", "M", "Q", "Y"}
        Period of the horizon and of the discount rate.
    discount_rate : float
        Discount rate per period (0.01 a month is about 12.7% a year).
    margin : float
        Gross margin as a fraction of revenue (1.0 = revenue).
    unit : str, optional
        Time unit of the summary; defaults to ``summary.attrs["unit"]``.

    Returns
    -------
    DataFrame
        Same index as ``summary``: the customer column(s) kept (any non-model column), p_alive,
        expected_purchases (over the horizon), expected_spend, clv.

    References
    ----------
    Fader, Hardie and Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis",
    Journal of Marketing Research 42(4) (discounted expected transactions).

    Examples
    --------
    >>> customer_lifetime_value(bgf, ggf, summary, horizon=12, freq="M")  # doctest: +SKIP
    """
    _check_clv_args(horizon, freq, discount_rate, margin)
    u = _model_unit(summary, purchase_model, unit)
    step = DAYS_PER[freq] / DAYS_PER[u]
    k = np.arange(1, int(horizon) + 1)
    cum = np.column_stack([np.zeros(len(summary))] + [purchase_model.predict_purchases(step * i, summary).to_numpy() for i in k])
    per_period = np.diff(cum, axis=1)
    disc = (1.0 + discount_rate) ** -k
    spend = spend_model.expected_spend(summary).to_numpy()
    keep = [c for c in summary.columns if c not in ("frequency", "recency", "T", "monetary_value")
            and not str(c).endswith("_holdout")]
    out = summary[keep].copy()
    out["p_alive"] = purchase_model.probability_alive(summary).to_numpy()
    out["expected_purchases"] = cum[:, -1]
    out["expected_spend"] = spend
    out["clv"] = margin * spend * (per_period @ disc)
    out.attrs = dict(summary.attrs)
    return out


def new_customer_value(
    purchase_model: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    first_order_value: float,
    horizon: int = 24,
    freq: str = "M",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    unit: str | None = None,
) -> pd.DataFrame:
    """Cumulative discounted margin of a newly acquired customer, period by period.

    value(k) = margin x [first_order_value + E[Z] sum_{j<=k} (E[X(j)] - E[X(j-1)]) / (1 + d)^j]

    with E[X] the expected repeat purchases of a new customer and E[Z] = p v / (q - 1) the population
    mean spend. The first order is counted undiscounted at acquisition.

    Returns
    -------
    DataFrame
        One row per period 0..horizon: period, expected_purchases (cumulative repeat purchases),
        cumulative_value.
    """
    _check_clv_args(horizon, freq, discount_rate, margin)
    u = _model_unit(None, purchase_model, unit)
    step = DAYS_PER[freq] / DAYS_PER[u]
    k = np.arange(0, int(horizon) + 1)
    ex = np.asarray(purchase_model.expected_purchases_new(step * k), dtype=float)
    inc = np.diff(ex, prepend=0.0)
    value = margin * (first_order_value + spend_model.mean_spend() * np.cumsum(inc * (1.0 + discount_rate) ** -k))
    return pd.DataFrame({"period": k, "expected_purchases": ex, "cumulative_value": value})


def payback_period(curve: pd.DataFrame, cac: float) -> float:
    """First period at which a new customer's cumulative value covers the CAC (NaN if not within the curve).

    ``curve`` is the frame of :func:`new_customer_value`. Linear interpolation inside the period.
    """
    v = curve["cumulative_value"].to_numpy(dtype=float)
    p = curve["period"].to_numpy(dtype=float)
    if cac <= v[0]:
        return 0.0
    hit = np.flatnonzero(v >= cac)
    if hit.size == 0:
        return math.nan
    j = int(hit[0])
    return float(p[j - 1] + (cac - v[j - 1]) / (v[j] - v[j - 1]) * (p[j] - p[j - 1]))


def _as_series(obj, value: str):
    """A Series by segment from a Series, or from a two-column frame (segment, ``value``)."""
    if obj is None or isinstance(obj, pd.Series):
        return obj
    if isinstance(obj, pd.DataFrame):
        _require_columns(obj, [value], "segment table")
        key = [c for c in obj.columns if c != value][0]
        return obj.set_index(key)[value]
    return pd.Series(obj)


def acquisition_cost(spend=None, new_customers=None, cac: float | None = None, overall: bool = False) -> pd.Series:
    """CAC per segment: spend / new customers, or one given CAC for every segment.

    Parameters
    ----------
    spend, new_customers : Series indexed by segment (e.g. acquisition channel), or frames
        Acquisition spend and new customers per segment over the same period (frames as returned by
        ``kk.acquisition.period_spend(..., by="channel")`` and ``kk.acquisition.new_customers(...,
        by="channel")``: a segment column and a cost / new_customers column). Segments without
        spend (organic channels) get no CAC: their cost sits in overheads, not in a channel.
    cac : float, optional
        A known blended CAC; when given it is used for every segment of ``new_customers`` (or as
        the single segment "all").
    overall : bool
        Return one value instead: sum of spend / sum of new customers over the segments with spend
        (index "paid channels"), or ``cac`` (index "all").

    Returns
    -------
    Series
        cac per segment (name "cac").

    Examples
    --------
    >>> acquisition_cost(pd.Series({"Paid Search": 900.0, "Organic Search": 0.0}),
    ...                  pd.Series({"Paid Search": 30, "Organic Search": 50})).to_dict()
    {'Paid Search': 30.0}
    """
    spend = _as_series(spend, "cost")
    new_customers = _as_series(new_customers, "new_customers")
    if cac is not None:
        if not cac > 0:
            raise KpiDataError(f"cac must be a positive amount per new customer (got {cac}).")
        idx = new_customers.index if new_customers is not None and not overall else pd.Index(["all"])
        return pd.Series(float(cac), index=idx, name="cac")
    if spend is None or new_customers is None:
        raise KpiDataError("acquisition_cost: pass cac, or spend and new_customers per segment to derive it.")
    sp = pd.Series(spend, dtype=float)
    sp = sp[sp > 0]
    nc = pd.Series(new_customers, dtype=float).reindex(sp.index)
    if nc.isna().any() or (nc <= 0).any():
        missing = [str(i) for i in nc.index[nc.isna() | (nc <= 0)]]
        raise KpiDataError(
            f"acquisition_cost: spend but no new customers for segment(s) {', '.join(missing)}; CAC is undefined "
            "there. Check that the spend channels use the same names as the transactions' channel column."
        )
    if sp.empty:
        raise KpiDataError("acquisition_cost: no positive spend in any segment; pass cac= instead.")
    if overall:
        return pd.Series([float(sp.sum() / nc.sum())], index=["paid channels"], name="cac")
    return (sp / nc).rename("cac")


def payback_title(curve: pd.DataFrame, cac: float, currency: str = "") -> str:
    """Chart title stating whether and when a new customer's cumulative margin covers the CAC."""
    pb = payback_period(curve, cac)
    end = float(curve["cumulative_value"].iloc[-1])
    horizon = int(curve["period"].iloc[-1])
    money = f"{currency} " if currency else ""
    if math.isnan(pb):
        return (f"A new customer brings {money}{end:,.2f} of margin in {horizon} months: "
                f"short of the {money}{cac:,.2f} CAC")
    return f"A new customer pays back the {money}{cac:,.2f} CAC after {pb:.1f} months"


def new_customer_values(
    purchase_model: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    by: str | None = None,
    cac: pd.Series | float | None = None,
    horizon: int = 24,
    freq: str = "M",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    unit: str | None = None,
) -> pd.DataFrame:
    """Value at the horizon and CAC payback of a new customer, per segment.

    For each segment of ``summary[by]`` (or all customers) the curve of :func:`new_customer_value`
    with the segment's mean first order (``first_value``); returns its value at the horizon (``ltv``)
    and, when ``cac`` is given, the payback period. The repeat-purchase and spend models are shared by
    all segments: only the first order differs here, so segment differences in repeat behaviour show
    in :func:`clv_by_segment`, not here.

    Returns
    -------
    DataFrame
        segment, customers, first_order_value, ltv, payback_months (NaN without a CAC or when the
        value does not reach it within the horizon).
    """
    _require_columns(summary, ["first_value"] + ([by] if by else []), "summary")
    if by is None:
        g = pd.DataFrame({"seg": "all", "v": summary["first_value"]}).groupby("seg")["v"]
    else:
        g = summary.groupby(by, sort=True, observed=True)["first_value"]
    fov = g.mean()
    base = new_customer_value(purchase_model, spend_model, 0.0, horizon, freq, discount_rate, margin,
                              unit or summary.attrs.get("unit"))
    repeat = base["cumulative_value"].to_numpy()
    if cac is None:
        cac_s = pd.Series(np.nan, index=fov.index)
    elif isinstance(cac, pd.Series):
        cac_s = cac.astype(float).reindex(fov.index)
    else:
        cac_s = pd.Series(float(cac), index=fov.index)
    paybacks = []
    for seg, v in fov.items():  # one curve per segment (a handful), not per customer
        c = cac_s.get(seg)
        if c is None or not np.isfinite(c):
            paybacks.append(math.nan)
            continue
        paybacks.append(payback_period(base.assign(cumulative_value=repeat + margin * v), float(c)))
    return pd.DataFrame({"segment": fov.index.astype(str), "customers": g.size().to_numpy(),
                         "first_order_value": fov.to_numpy(), "ltv": repeat[-1] + margin * fov.to_numpy(),
                         "payback_months": paybacks})


def ltv_cac(ltv, cac, payback=None) -> pd.DataFrame:
    """LTV:CAC ratio per segment (or overall) with the rule-of-thumb flag.

    ratio = ltv / cac. The common rule of thumb (Skok, "SaaS metrics 2.0") asks for LTV:CAC >= 3 and a
    CAC payback under 12 months; ``meets_rule`` says whether both hold (the payback part only when
    payback is known). Segments without a CAC (organic channels) are left out.

    Parameters
    ----------
    ltv : float, Series indexed by segment, or the frame of :func:`new_customer_values`
        Value of a newly acquired customer (the frame brings its payback_months too).
    cac : float or Series indexed by segment
        Acquisition cost per new customer (see :func:`acquisition_cost`).
    payback : float or Series, optional
        Payback periods (months), when ``ltv`` is not the frame.

    Returns
    -------
    DataFrame
        segment, ltv, cac, ltv_cac, payback_months, meets_rule.

    Examples
    --------
    >>> ltv_cac(pd.Series({"Paid Search": 90.0}), pd.Series({"Paid Search": 30.0}))["ltv_cac"].tolist()
    [3.0]
    """
    if isinstance(ltv, pd.DataFrame):
        _require_columns(ltv, ["segment", "ltv"], "ltv")
        frame = ltv.set_index("segment")
        if payback is None and "payback_months" in frame:
            payback = frame["payback_months"]
        ltv = frame["ltv"]
    ltv_s = ltv if isinstance(ltv, pd.Series) else pd.Series([float(ltv)], index=["all"])
    if isinstance(cac, pd.Series):
        keep = [i for i in ltv_s.index if i in cac.index]
        if not keep:
            raise KpiDataError(
                f"ltv_cac: no segment has both an LTV and a CAC (LTV: {', '.join(map(str, ltv_s.index))}; "
                f"CAC: {', '.join(map(str, cac.index))})."
            )
        ltv_s = ltv_s.loc[keep]
        cac_s = cac.astype(float).reindex(ltv_s.index)
    else:
        cac_s = pd.Series(float(cac), index=ltv_s.index)
    if (cac_s <= 0).any() or cac_s.isna().any():
        bad = [str(i) for i in cac_s.index[(cac_s <= 0) | cac_s.isna()]]
        raise KpiDataError(f"ltv_cac: no positive CAC for segment(s) {', '.join(bad)}; pass a CAC for each.")
    if payback is None:
        pbv = np.full(len(ltv_s), np.nan)
    elif isinstance(payback, pd.Series):
        pbv = payback.reindex(ltv_s.index).to_numpy(dtype=float)
    else:
        pbv = np.full(len(ltv_s), float(payback))
    ratio = ltv_s.to_numpy(dtype=float) / cac_s.to_numpy(dtype=float)
    # payback unknown counts as failing only when it was asked for but not reached within the horizon
    pay_ok = np.where(np.isnan(pbv), payback is None, pbv <= 12)
    return pd.DataFrame({"segment": ltv_s.index.astype(str), "ltv": ltv_s.to_numpy(dtype=float),
                         "cac": cac_s.to_numpy(dtype=float), "ltv_cac": ratio, "payback_months": pbv,
                         "meets_rule": (ratio >= 3) & pay_ok})


def holdout_split(transactions: pd.DataFrame, holdout_months: int = 6, calibration_end=None,
                  time_col: str = "timestamp") -> tuple[pd.Timestamp, pd.Timestamp]:
    """Calibration end and observation end for a validation split.

    observation_end = the day of the last transaction; calibration_end = ``calibration_end`` when
    given, else observation_end minus ``holdout_months`` calendar months.

    Returns
    -------
    (calibration_end, observation_end) as day timestamps.
    """
    _require_columns(transactions, [time_col], "transactions")
    obs = transactions[time_col].max().normalize()
    if calibration_end is not None:
        cal = pd.Timestamp(calibration_end).normalize()
    else:
        if int(holdout_months) != holdout_months or holdout_months < 1:
            raise KpiDataError(f"holdout_months must be a whole number >= 1 (got {holdout_months}).")
        cal = obs - pd.DateOffset(months=int(holdout_months))
    first = transactions[time_col].min().normalize()
    if not first < cal < obs:
        raise KpiDataError(
            f"calibration_end {cal.date()} must fall inside the data ({first.date()} to {obs.date()}); "
            "choose a shorter holdout."
        )
    return cal, obs


def rfm_segments(summary: pd.DataFrame) -> pd.Series:
    """Four plain RFM segments, for reading the model's results against a familiar grid.

    days (or units) since the last purchase = T - recency. Customers with frequency 0 are "one-time";
    the others "repeat". Each group splits at its own median time since the last purchase into
    "recent" and "lapsed": "one-time, recent", "one-time, lapsed", "repeat, recent", "repeat, lapsed".

    Returns
    -------
    Series of str aligned with ``summary`` (name "rfm_segment").
    """
    x, tx, T = _summary_arrays(summary)
    since = T - tx
    rep = x > 0
    out = np.empty(x.size, dtype=object)
    for mask, name in ((rep, "repeat"), (~rep, "one-time")):  # two groups
        if mask.any():
            med = np.median(since[mask])
            out[mask] = np.where(since[mask] <= med, f"{name}, recent", f"{name}, lapsed")
    return pd.Series(out, index=summary.index, name="rfm_segment", dtype="str")


def segment_profile(summary: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per segment: customers, share, mean frequency, recency, T, time since last purchase, monetary value."""
    _require_columns(summary, [by, "frequency", "recency", "T", "monetary_value"], "summary")
    d = summary.assign(since_last=summary["T"] - summary["recency"])
    g = d.groupby(by, sort=True, observed=True)
    out = g.agg(customers=("frequency", "size"), frequency=("frequency", "mean"), recency=("recency", "mean"),
                T=("T", "mean"), since_last=("since_last", "mean"), monetary_value=("monetary_value", "mean")).reset_index()
    out.insert(2, "share", out["customers"] / out["customers"].sum())
    return out


def as_frame(result: dict) -> pd.DataFrame:
    """A one-row frame of a result dict (historical_clv, holdout_totals), for display."""
    return pd.DataFrame([dict(result)])


def holdout_check(
    model: BetaGeo | ParetoNBD, calhold: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Calibration vs holdout: mean actual and predicted holdout purchases per calibration frequency.

    Customers are grouped by their calibration frequency (0, 1, ..., ``max_frequency``+); predicted is
    the mean of E[Y(duration_holdout) | frequency, recency, T] in the group (Fader, Hardie and Lee 2005,
    figure 3).

    Returns
    -------
    DataFrame
        frequency (label, the last "N+"), customers, actual, predicted.
    """
    _require_columns(calhold, ["frequency_holdout", "duration_holdout"], "calibration/holdout summary")
    pred = model.predict_purchases(calhold["duration_holdout"].to_numpy(dtype=float), calhold).to_numpy()
    f = np.minimum(calhold["frequency"].to_numpy(dtype=int), max_frequency)
    frame = pd.DataFrame({"bucket": f, "actual": calhold["frequency_holdout"].to_numpy(dtype=float), "predicted": pred})
    g = frame.groupby("bucket", sort=True).agg(customers=("actual", "size"), actual=("actual", "mean"),
                                               predicted=("predicted", "mean")).reset_index()
    labels = [f"{b}+" if b == max_frequency else str(b) for b in g["bucket"]]
    return pd.DataFrame({"frequency": labels, "customers": g["customers"].to_numpy(),
                         "actual": g["actual"].to_numpy(), "predicted": g["predicted"].to_numpy()})


def holdout_totals(model: BetaGeo | ParetoNBD, calhold: pd.DataFrame) -> dict:
    """Total holdout purchases: actual, predicted, and the relative error (predicted / actual - 1)."""
    _require_columns(calhold, ["frequency_holdout", "duration_holdout"], "calibration/holdout summary")
    pred = float(model.predict_purchases(calhold["duration_holdout"].to_numpy(dtype=float), calhold).sum())
    actual = float(calhold["frequency_holdout"].sum())
    return {"customers": int(len(calhold)), "actual": actual, "predicted": pred,
            "relative_error": pred / actual - 1 if actual > 0 else math.nan}


def probability_alive_matrix(
    model: BetaGeo | ParetoNBD, T: float, max_frequency: int = 10, recency_steps: int = 10
) -> pd.DataFrame:
    """P(alive) over a grid of frequency (rows, 0..max_frequency) and recency (columns) at a given T.

    Recency runs from 0 to T in ``recency_steps`` equal steps (column labels rounded). Cells with
    frequency 0 and recency > 0 are impossible and left NaN.
    """
    f = np.arange(0, int(max_frequency) + 1, dtype=float)
    rec = np.linspace(0.0, float(T), int(recency_steps) + 1)
    ff, rr = np.meshgrid(f, rec, indexing="ij")
    grid = pd.DataFrame({"frequency": ff.ravel(), "recency": rr.ravel(), "T": np.full(ff.size, float(T))})
    valid = ~((grid["frequency"] == 0) & (grid["recency"] > 0))
    p = np.full(len(grid), np.nan)
    p[valid.to_numpy()] = model.probability_alive(grid.loc[valid]).to_numpy()
    labels = [f"{v:.0f}" for v in rec]
    out = pd.DataFrame(p.reshape(ff.shape), index=pd.Index(f.astype(int), name="frequency"), columns=labels)
    out.columns.name = "recency"
    return out


def clv_by_segment(clv: pd.DataFrame, by: str, value: str = "clv", level: float = 0.95) -> pd.DataFrame:
    """Mean CLV per segment with a Student-t interval, customers and total.

    Returns
    -------
    DataFrame
        segment column, customers, mean (``value``), ci_low, ci_high, total, small_sample (< 30).
    """
    _require_columns(clv, [by, value], "clv")
    g = clv.groupby(by, sort=True, observed=True)[value]
    n = g.size().to_numpy(dtype=float)
    mean = g.mean().to_numpy()
    sd = g.std(ddof=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = _st.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    return pd.DataFrame({by: g.size().index.to_numpy(), "customers": n.astype(int), value: mean,
                         "ci_low": mean - half, "ci_high": mean + half, "total": g.sum().to_numpy(),
                         "small_sample": n < 30})


def spend_frequency_correlation(summary: pd.DataFrame) -> float:
    """Pearson correlation of frequency and monetary_value among repeat buyers.

    The Gamma-Gamma model assumes spend per purchase is independent of how often a customer buys;
    a correlation near 0 (Fader and Hardie report 0.11 for CDNOW) supports it.
    """
    x, m = _summary_arrays(summary, ("frequency", "monetary_value"))
    rep = x > 0
    if rep.sum() < 3:
        return math.nan
    return float(np.corrcoef(x[rep], m[rep])[0, 1])


def findings(
    historical: dict,
    clv: pd.DataFrame,
    totals: dict,
    by_segment: pd.DataFrame | None = None,
    segment_col: str = "channel",
    ratios: pd.DataFrame | None = None,
    horizon: int = 12,
    freq: str = "M",
    currency: str = "",
) -> list[str]:
    """Plain-language findings built from the CLV results (for ``kk.report.show_findings``)."""
    unit = UNIT_NAMES.get(freq, freq)
    out = []
    mean_clv = float(clv["clv"].mean())
    out.append(
        f"The average customer is expected to bring {currency}{mean_clv:,.2f} of margin over the next {horizon} "
        f"{unit} (discounted). The simple formula says {currency}{historical['clv']:,.2f} over an assumed "
        f"{historical['lifespan_years']:g}-year lifespan, counting every customer as buying at the average rate "
        "throughout, although many have already stopped."
    )
    alive = clv["p_alive"].to_numpy()
    out.append(f"{np.mean(alive < 0.5):.0%} of customers have probably stopped buying (P(alive) below 50%).")
    top = clv["clv"].sort_values(ascending=False)
    n10 = max(1, int(round(0.1 * len(top))))
    share = float(top.iloc[:n10].sum() / top.sum()) if top.sum() > 0 else math.nan
    out.append(f"The top 10% of customers hold {share:.0%} of the expected future value.")
    err = totals["relative_error"]
    verdict = "within 10%, so the model tracks this customer base well" if abs(err) <= 0.10 else (
        "more than 10% off: read the forecasts with caution")
    out.append(
        f"On the holdout period the model predicted {totals['predicted']:,.0f} purchases against "
        f"{totals['actual']:,.0f} actual ({err:+.1%}), {verdict}."
    )
    if by_segment is not None and len(by_segment) > 1:
        seg = by_segment.sort_values("clv")
        lo, hi = seg.iloc[0], seg.iloc[-1]
        separated = lo["ci_high"] < hi["ci_low"]
        out.append(
            f"Customers from {lo[segment_col]} are worth the least ({currency}{lo['clv']:,.2f} on average vs "
            f"{currency}{hi['clv']:,.2f} for {hi[segment_col]}); "
            + ("the intervals do not overlap." if separated else "the intervals overlap, so the gap is not certain.")
        )
    if ratios is not None:
        weak = ratios.loc[ratios["ltv_cac"] < 3, "segment"].tolist()
        if weak:
            out.append(f"LTV:CAC is below the 3:1 rule of thumb for {', '.join(weak)}.")
        else:
            out.append("LTV:CAC meets the 3:1 rule of thumb everywhere.")
    return out


def headline_kpis(
    historical: dict,
    clv: pd.DataFrame,
    totals: dict,
    *,
    purchases: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    by_segment: pd.DataFrame,
    ratios: pd.DataFrame,
    segment_col: str = "channel",
    level: float = 0.95,
) -> dict:
    """The headline KPIs of a CLV forecast, for ``kk.report.record_kpis``.

    Parameters
    ----------
    historical : dict
        Output of :func:`historical_clv`.
    clv : DataFrame
        Output of :func:`customer_lifetime_value` (``clv`` and ``p_alive`` per customer).
    totals : dict
        Output of :func:`holdout_totals` (actual, predicted, relative_error).
    purchases, spend_model : fitted models
        The purchase model (BetaGeo or ParetoNBD) and the GammaGamma spend model.
    by_segment : DataFrame
        Output of :func:`clv_by_segment` over ``segment_col``.
    ratios : DataFrame
        Output of :func:`ltv_cac`.

    Returns
    -------
    dict
        historical_clv; mean_clv (Score: mean CLV with its t interval); total_clv; share_probably_gone
        (share of customers with P(alive) < 0.5); model ("bgnbd" or "pareto"); purchase_params and
        spend_params; holdout_actual, holdout_predicted, holdout_relative_error; clv_by_channel
        (segment -> mean CLV) and lowest_clv_channel; ltv_cac (segment -> ratio); payback_months
        (segment -> months, only where the curve pays back). The channel keys keep these names
        whatever ``segment_col`` is.
    """
    lowest = by_segment.sort_values("clv").iloc[0]
    return {
        "historical_clv": historical["clv"],
        "mean_clv": mean_ci(clv["clv"], level=level, name="clv"),
        "total_clv": float(clv["clv"].sum()),
        "share_probably_gone": float((clv["p_alive"] < 0.5).mean()),
        "model": "pareto" if isinstance(purchases, ParetoNBD) else "bgnbd",
        "purchase_params": purchases.params_.to_dict(),
        "spend_params": spend_model.params_.to_dict(),
        "holdout_actual": totals["actual"],
        "holdout_predicted": totals["predicted"],
        "holdout_relative_error": totals["relative_error"],
        "clv_by_channel": dict(zip(by_segment[segment_col], by_segment["clv"])),
        "lowest_clv_channel": str(lowest[segment_col]),
        "ltv_cac": dict(zip(ratios["segment"], ratios["ltv_cac"])),
        "payback_months": {k: v for k, v in zip(ratios["segment"], ratios["payback_months"]) if not pd.isna(v)},
    }
