"""RFM segments, their profiles and CLV by segment, and the P(alive) matrix."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.clv.base import _summary_arrays
from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import _require_columns

__all__ = ['rfm_segments', 'segment_profile', 'as_frame', 'probability_alive_matrix', 'clv_by_segment', 'spend_frequency_correlation']


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
