"""RFM segments, their profiles, and CLV by segment with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.clv.base import _SUMMARY_FIX, _summary_arrays
from kpikit.schemas import require_columns

__all__ = ["rfm_segments", "segment_profile", "clv_by_segment"]


def rfm_segments(summary: pd.DataFrame) -> pd.Series:
    """Four plain RFM segments, for reading the model's results against a familiar grid.

    days (or units) since the last purchase = T - recency. Customers with frequency 0 are "one-time";
    the others "repeat". Each group splits at its own median time since the last purchase into
    "recent" and "lapsed": "one-time, recent", "one-time, lapsed", "repeat, recent", "repeat, lapsed".

    Parameters
    ----------
    summary : DataFrame
        RFM summary (frequency, recency, T) from :func:`rfm_summary`.

    Returns
    -------
    Series
        The segment of each customer (str), aligned with ``summary`` (name "rfm_segment").
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
    """Per segment: customers, share, mean frequency, recency, T, time since last purchase, monetary value.

    Parameters
    ----------
    summary : DataFrame
        RFM summary from :func:`rfm_summary` with the segment column.
    by : str
        Segment column (e.g. "rfm_segment", "channel").

    Returns
    -------
    DataFrame
        One row per segment: ``by``, customers, share, frequency, recency, T, since_last, monetary_value.
    """
    require_columns(summary, [by, "frequency", "recency", "T", "monetary_value"], "summary", fix=_SUMMARY_FIX)
    d = summary.assign(since_last=summary["T"] - summary["recency"])
    g = d.groupby(by, sort=True, observed=True)
    out = g.agg(
        customers=("frequency", "size"),
        frequency=("frequency", "mean"),
        recency=("recency", "mean"),
        T=("T", "mean"),
        since_last=("since_last", "mean"),
        monetary_value=("monetary_value", "mean"),
    ).reset_index()
    out.insert(2, "share", out["customers"] / out["customers"].sum())
    return out


def clv_by_segment(clv: pd.DataFrame, by: str, value: str = "clv", level: float = 0.95) -> pd.DataFrame:
    """Mean CLV per segment with a Student-t interval, customers and total.

    mean +/- t(level, n - 1) x sd / sqrt(n) per segment (no interval for a single customer).

    Parameters
    ----------
    clv : DataFrame
        Output of :func:`customer_lifetime_value` with the segment column.
    by : str
        Segment column.
    value : str
        Column to average.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        segment column, customers, mean (``value``), ci_low, ci_high, total, small_sample (< 30).
    """
    require_columns(
        clv, [by, value], "clv", fix="Pass the frame of kpikit.clv.customer_lifetime_value with the segment column."
    )
    g = clv.groupby(by, sort=True, observed=True)[value]
    n = g.size().to_numpy(dtype=float)
    mean = g.mean().to_numpy()
    sd = g.std(ddof=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = _st.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    return pd.DataFrame(
        {
            by: g.size().index.to_numpy(),
            "customers": n.astype(int),
            value: mean,
            "ci_low": mean - half,
            "ci_high": mean + half,
            "total": g.sum().to_numpy(),
            "small_sample": n < 30,
        }
    )
