"""RFM segments, their profiles, and mean CLV (overall and by segment) with intervals that stay positive."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _st

from kpikit.clv.base import _SUMMARY_FIX, _summary_arrays
from kpikit.errors import KpiDataError
from kpikit.i18n import Finding
from kpikit.schemas import require_columns
from kpikit.stats import Score

__all__ = [
    "rfm_segments",
    "segment_profile",
    "clv_by_segment",
    "mean_clv",
    "segment_column",
    "require_segment",
    "top_customers",
    "MIN_CUSTOMERS",
]

#: Segments with fewer customers are flagged in segment tables and left out of rankings, best/worst and
#: headline KPIs (the notebooks' "small sample" threshold).
MIN_CUSTOMERS = 30


def _log_interval(mean, sd, n, level: float):
    """Interval of a mean of non-negative values, computed on the log scale: mean x exp(-/+ t se / mean).

    se = sd / sqrt(n); se / mean is the standard error of log(mean) (delta method); t is Student's
    quantile with n - 1 degrees of freedom. Both ends stay positive; a mean of 0 gets [0, 0]; fewer than
    two values get no interval (NaN).
    """
    mean, sd, n = (np.asarray(v, dtype=float) for v in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = _st.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
        spread = np.exp(t * sd / np.sqrt(n) / mean)
        low = np.where(mean > 0, mean / spread, 0.0)
        high = np.where(mean > 0, mean * spread, 0.0)
    few = n < 2
    return np.where(few, np.nan, low), np.where(few, np.nan, high)


def mean_clv(values: ArrayLike | pd.DataFrame, level: float = 0.95, column: str = "clv") -> Score:
    """Mean CLV with a confidence interval that stays positive (computed on the log scale).

    mean x exp(-/+ t(level, n - 1) x se / mean), se = sd / sqrt(n): the Student-t interval of log(mean)
    by the delta method, mapped back. CLV is never negative and its distribution is skewed (most
    customers worth little, a few worth much), so the symmetric interval mean +/- t se can fall below 0
    on a small segment; this one cannot, and it is wider above the mean than below, as the sampling
    distribution of a skewed mean is. On thousands of customers the two agree to a fraction of a
    percent.

    Parameters
    ----------
    values : array-like or DataFrame
        CLV per customer (non-negative), or the frame of :func:`customer_lifetime_value`.
    level : float
        Confidence level of the interval.
    column : str
        The column read when ``values`` is a frame.

    Returns
    -------
    Score
        value (the mean), low, high, n (customers), name "clv".

    References
    ----------
    Casella, G. and Berger, R. L. (2002), *Statistical Inference*, 2nd ed., section 5.5.4 (delta
    method); the same log-scale interval kpikit gives the fitted models' parameters.

    Examples
    --------
    >>> s = mean_clv([0.0, 0.0, 1.0, 2.0, 30.0])
    >>> round(s.value, 2), round(s.low, 2), round(s.high, 2)  # the t interval would be [-9.67, 22.87]
    (6.6, 0.56, 77.71)
    """
    if isinstance(values, pd.DataFrame):
        require_columns(values, [column], "clv", fix="Pass the frame of kpikit.clv.customer_lifetime_value.")
        values = values[column]
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size < 2:
        raise KpiDataError(f"A mean CLV with an interval needs at least 2 customers (got {x.size}).")
    if (x < 0).any():
        raise KpiDataError(
            f"clv: {int((x < 0).sum())} negative value(s); CLV from kpikit.clv.customer_lifetime_value is never "
            "negative. For a quantity that can be negative use kpikit.stats.mean_ci."
        )
    m, sd = float(x.mean()), float(x.std(ddof=1))
    low, high = _log_interval(m, sd, x.size, level)
    return Score(m, float(low), float(high), int(x.size), "clv", level)


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


def clv_by_segment(
    clv: pd.DataFrame, by: str, value: str = "clv", level: float = 0.95, min_customers: int = MIN_CUSTOMERS
) -> pd.DataFrame:
    """Mean CLV per segment with an interval that stays positive, customers, total and rank.

    Per segment, the interval of :func:`mean_clv`: mean x exp(-/+ t(level, n - 1) x se / mean) (none for
    a single customer). Segments with fewer than ``min_customers`` customers are flagged
    (``small_sample``) and get no rank: a mean of a handful of customers is not a finding.

    Parameters
    ----------
    clv : DataFrame
        Output of :func:`customer_lifetime_value` with the segment column.
    by : str
        Segment column.
    value : str
        Column to average (non-negative values).
    level : float
        Confidence level of the interval.
    min_customers : int
        Smallest segment that is ranked (and that :func:`findings` and :func:`headline_kpis` report).

    Returns
    -------
    DataFrame
        segment column, customers, mean (``value``), ci_low, ci_high, total, small_sample (fewer than
        ``min_customers``), rank (1 = highest mean among the segments that are not small; missing for
        small ones).

    Examples
    --------
    >>> frame = pd.DataFrame({"channel": ["a"] * 40 + ["b"] * 3, "clv": [2.0, 4.0] * 20 + [0.0, 1.0, 50.0]})
    >>> clv_by_segment(frame, "channel")[["channel", "customers", "small_sample", "rank"]]
      channel  customers  small_sample  rank
    0       a         40         False     1
    1       b          3          True  <NA>
    """
    _require_segment(clv, by)
    require_columns(clv, [value], "clv", fix="Pass the frame of kpikit.clv.customer_lifetime_value.")
    if int(min_customers) != min_customers or min_customers < 1:
        raise KpiDataError(f"min_customers must be a whole number >= 1 (got {min_customers}).")
    g = clv.groupby(by, sort=True, observed=True)[value]
    n = g.size().to_numpy(dtype=float)
    mean = g.mean().to_numpy()
    low, high = _log_interval(mean, g.std(ddof=1).to_numpy(), n, level)
    small = n < min_customers
    rank = pd.Series(np.where(small, np.nan, mean)).rank(ascending=False, method="min").astype("Int64")
    out = pd.DataFrame(
        {
            by: g.size().index.to_numpy(),
            "customers": n.astype(int),
            value: mean,
            "ci_low": low,
            "ci_high": high,
            "total": g.sum().to_numpy(),
            "small_sample": small,
            "rank": rank.array,
        }
    )
    out.attrs = {k: v for k, v in clv.attrs.items() if k in ("identified", "caveat")}
    return out


_NO_SEGMENT = (
    "The transactions carry no '{column}' column (each customer's acquisition channel or segment), so the "
    "sections by channel are skipped. Map the export's channel column in the mapping file, or name another "
    "column of the transactions with segment_col."
)


def _require_segment(frame: pd.DataFrame, by: str | None) -> None:
    """A clear, client-facing error when the segment column is not there (the section by segment is skipped)."""
    if by is not None and by in frame.columns:
        return
    raise KpiDataError(str(Finding(_NO_SEGMENT, {"column": by or "channel"})))


def require_segment(segment: str | None, name: str | None = "channel", lang: str = "en") -> None:
    """Stop a section by segment with its note, in the report's language, when there is no segment column.

    Parameters
    ----------
    segment : str or None
        What :func:`segment_column` returned (None when the transactions carry no segment).
    name : str or None
        The segment column the report asked for (its ``segment_col``), named in the note.
    lang : str
        The report's language.

    Raises
    ------
    KpiDataError
        "The transactions carry no 'channel' column ..., so the sections by channel are skipped. ..." (the
        section's note), when ``segment`` is None.

    Examples
    --------
    >>> require_segment("channel")  # a segment column: nothing happens
    """
    if segment is None:
        raise KpiDataError(Finding(_NO_SEGMENT, {"column": name or "channel"}).text(lang))


def segment_column(transactions: pd.DataFrame, name: str | None = "channel") -> str | None:
    """The segment column to break CLV down by: ``name`` when the transactions carry it with values, else None.

    Notebook 04's channel sections need each customer's acquisition channel; a shop export often has
    none. With None, :func:`rfm_summary` keeps no segment, :func:`new_customer_values` values all
    customers as one segment, and :func:`clv_by_segment` stops with a note that the sections by channel
    are skipped.

    Parameters
    ----------
    transactions : DataFrame
        The transactions (or any frame with the column).
    name : str or None
        The column to use (default "channel").

    Returns
    -------
    str or None

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a"], "channel": ["Email"]})
    >>> segment_column(tx), segment_column(tx, "region"), segment_column(tx.assign(channel=None))
    ('channel', None, None)
    """
    if name is None or name not in transactions.columns or transactions[name].isna().all():
        return None
    return name


def top_customers(clv: pd.DataFrame, n: int = 10, value: str = "clv") -> pd.DataFrame:
    """The ``n`` customers of highest CLV, with the columns a reader needs (those the frame has).

    Parameters
    ----------
    clv : DataFrame
        Output of :func:`customer_lifetime_value` (with ``rfm_segment`` and a segment column when added).
    n : int
        How many customers (>= 1).
    value : str
        The column to rank by.

    Returns
    -------
    DataFrame
        Up to ``n`` rows, highest ``value`` first: the customer column, any segment columns (text columns
        other than the customer's), p_alive, expected_purchases, expected_spend and ``value``.

    Examples
    --------
    >>> v = pd.DataFrame({"customer_id": ["a", "b", "c"], "p_alive": [0.5, 0.9, 0.2], "clv": [3.0, 9.0, 1.0]})
    >>> top_customers(v, 2)["customer_id"].tolist()
    ['b', 'a']
    """
    if int(n) != n or n < 1:
        raise KpiDataError(f"n (top_n) must be a whole number >= 1 (got {n}).")
    require_columns(clv, [value], "clv", fix="Pass the frame of kpikit.clv.customer_lifetime_value.")
    numbers = ["p_alive", "expected_purchases", "expected_spend", value]
    labels = [c for c in clv.columns if c not in numbers and not pd.api.types.is_numeric_dtype(clv[c])]
    labels = [c for c in labels if not pd.api.types.is_datetime64_any_dtype(clv[c])]
    return clv.nlargest(int(n), value)[labels + [c for c in numbers if c in clv.columns]].reset_index(drop=True)


def _ranked(table: pd.DataFrame, value: str = "clv") -> pd.DataFrame:
    """The rows of a segment table that may be ranked (not ``small_sample``), from the lowest ``value`` up."""
    keep = ~table["small_sample"].astype(bool) if "small_sample" in table else pd.Series(True, index=table.index)
    return table.loc[keep].sort_values(value)
