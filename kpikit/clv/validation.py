"""Checking a fitted model on held-out time."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import _require_columns

__all__ = ['holdout_check', 'holdout_totals']


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
