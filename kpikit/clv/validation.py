"""Checking and reading a fitted purchase model: holdout purchases, the P(alive) grid, customers probably gone."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import DAYS_PER
from kpikit.schemas import require_columns

__all__ = ["holdout_check", "holdout_totals", "probability_alive_matrix"]

_CALHOLD_FIX = "Build it with kpikit.clv.calibration_holdout."


def holdout_check(model: BetaGeo | ParetoNBD, calhold: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Calibration vs holdout: mean actual and predicted holdout purchases per calibration frequency.

    Customers are grouped by their calibration frequency (0, 1, ..., ``max_frequency``+); predicted is
    the mean of E[Y(duration_holdout) | frequency, recency, T] in the group (Fader, Hardie and Lee 2005,
    figure 3).

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Purchase model fitted on the calibration window.
    calhold : DataFrame
        Output of :func:`calibration_holdout`.
    max_frequency : int
        Calibration frequencies from this one up form the last group.

    Returns
    -------
    DataFrame
        frequency (label, the last "N+"), customers, actual, predicted.
    """
    require_columns(calhold, ["frequency_holdout", "duration_holdout"], "calibration/holdout summary", fix=_CALHOLD_FIX)
    pred = model.predict_purchases(calhold["duration_holdout"].to_numpy(dtype=float), calhold).to_numpy()
    f = np.minimum(calhold["frequency"].to_numpy(dtype=int), max_frequency)
    frame = pd.DataFrame({"bucket": f, "actual": calhold["frequency_holdout"].to_numpy(dtype=float), "predicted": pred})
    g = (
        frame.groupby("bucket", sort=True)
        .agg(customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
        .reset_index()
    )
    labels = [f"{b}+" if b == max_frequency else str(b) for b in g["bucket"]]
    return pd.DataFrame(
        {
            "frequency": labels,
            "customers": g["customers"].to_numpy(),
            "actual": g["actual"].to_numpy(),
            "predicted": g["predicted"].to_numpy(),
        }
    )


def holdout_totals(model: BetaGeo | ParetoNBD, calhold: pd.DataFrame) -> dict:
    """Total holdout purchases: actual, predicted, and the relative error (predicted / actual - 1).

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Purchase model fitted on the calibration window.
    calhold : DataFrame
        Output of :func:`calibration_holdout`.

    Returns
    -------
    dict
        customers, actual, predicted, relative_error (NaN without actual purchases) and holdout_days
        (the length of the holdout window in days).
    """
    require_columns(calhold, ["frequency_holdout", "duration_holdout"], "calibration/holdout summary", fix=_CALHOLD_FIX)
    pred = float(model.predict_purchases(calhold["duration_holdout"].to_numpy(dtype=float), calhold).sum())
    actual = float(calhold["frequency_holdout"].sum())
    return {
        "customers": int(len(calhold)),
        "actual": actual,
        "predicted": pred,
        "relative_error": pred / actual - 1 if actual > 0 else math.nan,
        "holdout_days": float(calhold["duration_holdout"].max()) * DAYS_PER[calhold.attrs.get("unit", "D")],
    }


def probability_alive_matrix(
    model: BetaGeo | ParetoNBD, T: float, max_frequency: int = 10, recency_steps: int = 10
) -> pd.DataFrame:
    """P(alive) over a grid of frequency (rows, 0..max_frequency) and recency (columns) at a given T.

    Recency runs from 0 to T in ``recency_steps`` equal steps (column labels rounded). Cells with
    frequency 0 and recency > 0 are impossible and left NaN.

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Fitted purchase model.
    T : float
        Age of the customers (time since the first purchase), in the model's time unit.
    max_frequency : int
        Largest frequency (last row).
    recency_steps : int
        Number of recency steps between 0 and T.

    Returns
    -------
    DataFrame
        Index frequency, columns recency (labels), values P(alive).
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


def share_probably_gone(p_alive: ArrayLike, threshold: float = 0.5) -> float:
    """Share of customers who have probably stopped buying: P(alive) below ``threshold``.

    share = #{customers with P(alive) < threshold} / #customers. A customer exactly at the threshold
    counts as alive.

    Parameters
    ----------
    p_alive : array-like
        P(alive) per customer (:meth:`BetaGeo.probability_alive`, or the ``p_alive`` column of
        :func:`customer_lifetime_value`).
    threshold : float
        P(alive) below which a customer counts as probably gone.

    Returns
    -------
    float
        A share in [0, 1] (NaN without customers).

    References
    ----------
    Fader, Hardie and Lee (2005), "'Counting your customers' the easy way", Marketing Science 24(2)
    (P(alive) under the BG/NBD model).

    Examples
    --------
    >>> share_probably_gone([0.9, 0.2, 0.5, 0.4])
    0.5
    """
    p = np.asarray(p_alive, dtype=float)
    return float(np.mean(p < threshold)) if p.size else math.nan
