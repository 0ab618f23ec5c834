"""Rates over time and across many segments: p-chart control limits and empirical-Bayes shrinkage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["control_limits", "shrink_rates"]


def control_limits(successes: ArrayLike, trials: ArrayLike, sigmas: float = 3.0) -> pd.DataFrame:
    """p-chart: centre line and per-period control limits for a rate observed over time.

    centre = sum(k) / sum(n); limits = centre +- sigmas sqrt(centre (1 - centre) / n_t), clipped to
    [0, 1]. A period outside its limits is a signal; inside is common-cause variation.

    Parameters
    ----------
    successes, trials : array-like of int
        Counts per period, in time order.
    sigmas : float
        Width of the limits in standard errors (3 is the usual p-chart).

    References
    ----------
    Montgomery, Introduction to Statistical Quality Control, chapter on control charts for attributes.

    Returns
    -------
    DataFrame
        Columns rate, centre, lcl, ucl, signal (one row per input period).
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    centre = k.sum() / n.sum()
    half = sigmas * np.sqrt(centre * (1 - centre) / n)
    r = k / n
    lcl, ucl = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return pd.DataFrame({"rate": r, "centre": centre, "lcl": lcl, "ucl": ucl, "signal": (r < lcl) | (r > ucl)})


def shrink_rates(successes: ArrayLike, trials: ArrayLike) -> tuple[np.ndarray, float, float]:
    """Empirical-Bayes beta-binomial shrinkage of many segment rates towards their common level.

    Fits a Beta(a, b) prior to the segments by maximum marginal likelihood (beta-binomial) and returns
    posterior means (k + a) / (n + a + b): segments with few trials move towards the overall rate, so
    a page with 3 sessions cannot top a ranking.

    Parameters
    ----------
    successes, trials : array-like of int
        Counts per segment.

    Returns
    -------
    (shrunk, a, b) : posterior means and the fitted prior parameters.

    References
    ----------
    Efron (2010), Large-Scale Inference, ch. 1; Robinson (2017), Introduction to Empirical Bayes.
    """
    from scipy import optimize, special

    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = n > 0
    kk, nn = k[keep], n[keep]
    p0 = kk.sum() / nn.sum() if nn.sum() else 0.5
    p0 = min(max(p0, 1e-6), 1 - 1e-6)

    def nll(theta: np.ndarray) -> float:
        mu = special.expit(theta[0])
        s = math.exp(theta[1])
        a, b = mu * s, (1 - mu) * s
        return -np.sum(special.betaln(kk + a, nn - kk + b) - special.betaln(a, b))

    if kk.size >= 2:
        res = optimize.minimize(
            nll,
            x0=[special.logit(p0), math.log(10.0)],
            method="Nelder-Mead",
            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 2000},
        )
        mu, s = special.expit(res.x[0]), math.exp(min(res.x[1], 30.0))
    else:
        mu, s = p0, 1e12  # one segment: nothing to learn the spread from; stay at the pooled rate
    a, b = mu * s, (1 - mu) * s
    with np.errstate(divide="ignore", invalid="ignore"):
        shrunk = (k + a) / (n + a + b)
    return shrunk, float(a), float(b)
