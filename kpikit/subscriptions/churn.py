"""Customer (logo) churn: per period under a named convention, pooled over periods, and as one Rate.

:func:`customer_churn` counts, per period, the customers paying at its start, joining, returning and
lost; :func:`summarise_churn` pools those counts over the periods; :func:`churn_rate` is the one
function that turns subscriptions into a churn :class:`~kpikit.stats.Rate` (the headline KPI), and
:func:`churn_rates` turns a pooled breakdown into one Rate per segment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import t
from kpikit.schemas import require_columns
from kpikit.stats import Rate, rate, rate_frame
from kpikit.subscriptions.ledger import _NEVER, SamePeriod, _Ledger, _ledger

__all__ = [
    "customer_churn",
    "summarise_churn",
    "churn_rate",
    "churn_rates",
    "churn_by_segment",
    "highest_churn",
    "MIN_CUSTOMERS",
]

#: Smallest segment (distinct customers) that is ranked, named in a chart title or in a finding.
MIN_CUSTOMERS = 30


def _check_same_period(same_period: str) -> None:
    if same_period not in ("exclude", "include", "ignore"):
        raise KpiDataError(f"same_period must be 'exclude', 'include' or 'ignore' (got {same_period!r}).")


def _segments(led: _Ledger, by: str) -> tuple[np.ndarray, pd.Index]:
    """Segment code per customer and period.

    A customer's segment in a period is the ``by`` value of their largest active subscription at the
    period start or, when they do not pay then, that of their first paid subscription started in the
    period.
    """
    df = led.subs
    require_columns(df, [by], "subscriptions", fix=f"by={by!r} names the column to break churn down by (e.g. 'plan').")
    seg_code, seg_names = pd.factorize(df[by].astype("string").fillna("(missing)"), sort=True)
    n_c, n_b = led.matrix.shape
    seg = np.full((n_c, n_b - 1), -1, dtype=np.int64)
    b = led.bounds.asi8
    s = df["start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    e = df["end"].to_numpy().astype("datetime64[ns]")
    e = np.where(np.isnat(e), _NEVER, e.astype(np.int64))
    keep = np.flatnonzero((e > s) & (df["mrr_cents"].to_numpy() > 0))
    m = df["mrr_cents"].to_numpy()[keep]
    sid = pd.factorize(df["subscription_id"].astype("string"), sort=True)[0][keep]
    code, sc = led.code[keep], seg_code[keep]
    # (a) started in the period, customer not paying at its start: the earliest start wins
    p_start = np.searchsorted(b, s[keep], side="right") - 1
    a = pd.DataFrame({"c": code, "p": p_start, "seg": sc, "s": s[keep], "m": -m, "sid": sid})
    a = a[(a["p"] >= 0) & (a["p"] < n_b - 1)]
    a = a.sort_values(["c", "p", "s", "m", "sid"]).drop_duplicates(["c", "p"])
    seg[a["c"].to_numpy(), a["p"].to_numpy()] = a["seg"].to_numpy()
    # (b) paying at the period start: the largest subscription wins (overrides (a))
    j0 = np.searchsorted(b, s[keep], side="right")
    j1 = np.minimum(np.searchsorted(b, e[keep], side="right"), n_b - 1)
    lengths = np.maximum(j1 - j0, 0)
    rep = np.repeat(np.arange(keep.size), lengths)
    offs = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    r = pd.DataFrame({"c": code[rep], "p": j0[rep] + offs, "seg": sc[rep], "m": -m[rep], "sid": sid[rep]})
    r = r.sort_values(["c", "p", "m", "sid"]).drop_duplicates(["c", "p"])
    seg[r["c"].to_numpy(), r["p"].to_numpy()] = r["seg"].to_numpy()
    return seg, pd.Index(seg_names, name=by)


def _churn_flags(led: _Ledger, same_period: SamePeriod) -> dict[str, np.ndarray]:
    """Customer x period flags of each count of :func:`customer_churn`."""
    a = led.active
    a0, a1 = a[:, :-1], a[:, 1:]
    started = led.started
    same = ~a0 & ~a1 & started
    if same_period == "ignore":
        started = started & ~same
    first = np.where(started.any(axis=1), started.argmax(axis=1), -1)
    periods = np.arange(a0.shape[1])
    returning = (first[:, None] >= 0) & (first[:, None] < periods[None, :])
    joined = ~a0 & a1
    return {
        "customers_start": a0,
        "customers_new": joined & ~returning,
        "customers_reactivated": joined & returning,
        "customers_same_period": same,
        "customers_lost": a0 & ~a1,
        "customers_end": a1,
    }


def _churn_frame(led: _Ledger, same_period: SamePeriod, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """The frame of :func:`customer_churn` from a ledger (``same_period`` already checked)."""
    flags = _churn_flags(led, same_period)
    n_p = len(led.periods)
    if by is None:
        seg, names = np.zeros((len(led.customers), n_p), dtype=np.int64), None
    else:
        # customers_end is counted in the segment held at the period start (or joined into)
        seg, names = _segments(led, by)
    n_seg = 1 if names is None else len(names)
    valid = seg >= 0
    lin = np.arange(n_p)[None, :] * n_seg + seg
    out = pd.DataFrame({"period": np.repeat(led.periods, n_seg)})
    if names is not None:
        out[by] = np.tile(np.asarray(names, dtype=object), n_p)
    for k, f in flags.items():
        out[k] = np.bincount(lin[f & valid], minlength=n_p * n_seg).astype(np.int64)
    if same_period == "include":
        out["churned"] = out["customers_lost"] + out["customers_same_period"]
        out["at_risk"] = (
            out["customers_start"] + out["customers_new"] + out["customers_reactivated"] + out["customers_same_period"]
        )
    else:
        out["churned"] = out["customers_lost"]
        out["at_risk"] = out["customers_start"]
    if names is not None:
        seen = out[list(flags)].sum(axis=1) > 0
        out = out[seen].reset_index(drop=True)
        c, k = np.nonzero(valid & (seg >= 0))
        pairs = np.unique(c * n_seg + seg[c, k])  # each customer once per segment they belonged to
        counts = np.bincount(pairs % n_seg, minlength=n_seg)
        out.attrs["customers"] = {str(name): int(n) for name, n in zip(names, counts)}
    rate_frame(out, "churned", "at_risk", "churn_rate", level=level)
    out.attrs["same_period"] = same_period
    return out


def customer_churn(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    same_period: SamePeriod = "exclude",
    by: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Customer (logo) churn rate per period.

    churn_rate = customers lost in the period / customers paying at its start. A customer is lost
    when they pay at the start of the period and not at its end (their last paying subscription has
    ended; dropping one of two subscriptions is not churn).

    Counts per period (whatever the policy): customers_start; customers_new (first paid subscription
    starts in the period, still paying at its end); customers_reactivated (former payers returning,
    paying at the end); customers_same_period (joined or returned and left within the period);
    customers_lost; customers_end. They satisfy
    ``customers_start + customers_new + customers_reactivated - customers_lost = customers_end``.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain: a period alias of :mod:`kpikit.stats.periods` ("MS" months, "QS" quarters,
        "YS" years) or another pandas offset alias whose dates start the periods ("W-MON").
    same_period : {"exclude", "include", "ignore"}
        Customers who join and leave within one period. "exclude" (ChartMogul) leaves them out of
        both counts: churned = customers_lost, at_risk = customers_start. "include" (Stripe) counts
        them as lost and adds the period's new and returning customers to the denominator:
        churned = lost + same_period, at_risk = start + new + reactivated + same_period.
        "ignore" (ProfitWell) drops those join-and-leave episodes from the data first: the rate equals
        "exclude", but the episodes no longer make a later return count as a reactivation;
        customers_same_period then reports how many were dropped.
    by : str, optional
        A subscriptions column (e.g. "plan", "interval") to break the rate down by. A customer belongs
        to the segment of their largest paying subscription at the period start (for customers who
        start in the period: of their first subscription).
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    DataFrame
        One row per period (and segment): period, [by], customers_start, customers_new,
        customers_reactivated, customers_same_period, customers_lost, customers_end, churned, at_risk,
        churn_rate, ci_low, ci_high, small_sample.

    References
    ----------
    ChartMogul Help Center, "Customer churn rate"; Stripe Billing, "Billing analytics: churn rate";
    ProfitWell (Paddle), "Churn rate". Wilson (1927) for the interval.

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 3], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-03"]),
    ...     "end": pd.to_datetime(["2025-02-10", None, "2025-02-20"]),
    ...     "amount": 10.0, "interval": "month"})
    >>> c = customer_churn(subs)
    >>> c[["customers_start", "customers_same_period", "churned", "at_risk"]].values.tolist()[1]
    [2, 1, 1, 2]
    >>> float(c["churn_rate"].iloc[1])
    0.5
    >>> customer_churn(subs, same_period="include")[["churned", "at_risk"]].values.tolist()[1]
    [2, 3]
    """
    _check_same_period(same_period)
    return _churn_frame(_ledger(subscriptions, freq, as_of), same_period, by=by, level=level)


def summarise_churn(churn: pd.DataFrame, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Pool a :func:`customer_churn` frame over its periods: churn per customer-period at risk.

    churn_rate = sum(churned) / sum(at_risk); each customer-period is one trial (an approximation:
    periods of one customer are not independent, so the interval is slightly optimistic).

    Parameters
    ----------
    churn : DataFrame
        The frame of :func:`customer_churn` (with the ``by`` column when ``by`` is given).
    by : str, optional
        The segment column to pool within (one row per segment); None pools everything.
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    DataFrame
        One row per segment (or one row): [by], periods, churned, at_risk, churn_rate, ci_low,
        ci_high, small_sample.

    Examples
    --------
    >>> c = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    ...     "churned": [2, 1], "at_risk": [40, 38]})
    >>> summarise_churn(c)[["periods", "churned", "at_risk"]].values.tolist()
    [[2, 3, 78]]
    """
    if by is None:
        g = pd.DataFrame(
            {
                "periods": [len(churn)],
                "churned": [int(churn["churned"].sum())],
                "at_risk": [int(churn["at_risk"].sum())],
            }
        )
    else:
        g = (
            churn.groupby(by, sort=True)
            .agg(periods=("period", "nunique"), churned=("churned", "sum"), at_risk=("at_risk", "sum"))
            .reset_index()
        )
    return rate_frame(g, "churned", "at_risk", "churn_rate", level=level)


def _summary_rate(row: pd.Series, level: float = 0.95, warn_small: bool = True, stacklevel: int = 4) -> Rate:
    """The Rate of one :func:`summarise_churn` row: churned of at_risk."""
    return rate(int(row["churned"]), int(row["at_risk"]), level=level, warn_small=warn_small, stacklevel=stacklevel)


def churn_rate(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    same_period: SamePeriod = "exclude",
    period: str | pd.Timestamp | None = None,
    as_of: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> Rate:
    """Customer (logo) churn rate as one Rate: churn per customer-period at risk, pooled over periods.

    churn_rate = sum over periods of churned / sum over periods of at_risk, with churned and at_risk
    the counts of :func:`customer_churn` under the ``same_period`` convention (for "exclude":
    customers lost in each period / customers paying at its start). With ``freq="MS"`` this is the
    average monthly churn rate, the one to put into a subscription LTV (ARPA x margin / churn). With
    ``period`` it is the rate of that one period. The Wilson interval treats each customer-period as
    one trial (periods of one customer are not independent: the pooled interval is slightly
    optimistic). A :class:`~kpikit.errors.SmallSampleWarning` is emitted when the counts are few.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain ("MS" months, "QS" quarters, "YS" years; see :func:`customer_churn`).
    same_period : {"exclude", "include", "ignore"}
        Convention for customers who join and leave within one period (see :func:`customer_churn`).
    period : str or Timestamp, optional
        The start of one period (e.g. "2025-03-01" with "MS"): the churn rate of that period alone.
        None: pooled over every period of the data.
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    Rate
        successes = customers churned, trials = customer-periods at risk.

    References
    ----------
    ChartMogul Help Center, "Customer churn rate"; Stripe Billing, "Billing analytics: churn rate";
    Wilson (1927) for the interval.

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 3], "subscription_id": ["a", "b", "c"],
    ...     "start": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-01"]),
    ...     "end": pd.to_datetime(["2025-02-10", None, "2025-03-20"]),
    ...     "amount": 10.0, "interval": "month"})
    >>> r = churn_rate(subs, as_of="2025-03-31")  # Feb: 1 of 3 lost; Mar: 1 of 2 lost
    >>> r.successes, r.trials
    (2, 5)
    >>> churn_rate(subs, period="2025-03-01", as_of="2025-03-31").value
    0.5
    """
    _check_same_period(same_period)
    led = _ledger(subscriptions, freq, as_of)
    churn = _churn_frame(led, same_period, level=level)
    if period is not None:
        i = led.boundary(period)
        if i >= len(led.periods):
            raise KpiDataError(
                f"period {pd.Timestamp(period):%Y-%m-%d} starts after the last period of the data "
                f"({led.periods[-1]:%Y-%m-%d}); choose an earlier period or a later as_of."
            )
        churn = churn.iloc[[i]]
    return _summary_rate(summarise_churn(churn, level=level).iloc[0], level=level)


def churn_rates(summary: pd.DataFrame, by: str, level: float = 0.95) -> dict[str, Rate]:
    """One churn Rate per segment of a :func:`summarise_churn` frame (for recording headline KPIs).

    Parameters
    ----------
    summary : DataFrame
        The frame of :func:`summarise_churn` with its ``by`` column.
    by : str
        The segment column; its values (as text) become the keys.
    level : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    dict of str to Rate
        Segment -> churned of at_risk, without small-sample warnings (segments may be small; each
        Rate still reports ``small_sample``).

    Examples
    --------
    >>> s = pd.DataFrame({"plan": ["A", "B"], "churned": [3, 1], "at_risk": [60, 40]})
    >>> {k: (r.successes, r.trials) for k, r in churn_rates(s, "plan").items()}
    {'A': (3, 60), 'B': (1, 40)}
    """
    return {str(r[by]): _summary_rate(r, level=level, warn_small=False) for _, r in summary.iterrows()}


def churn_by_segment(
    subscriptions: pd.DataFrame,
    by: str,
    freq: str = "MS",
    same_period: SamePeriod = "exclude",
    as_of: str | pd.Timestamp | None = None,
    min_customers: int = MIN_CUSTOMERS,
    level: float = 0.95,
) -> pd.DataFrame:
    """Churn per segment pooled over the periods, with each segment's customers and a rank by churn.

    churn_rate = customers lost / customer-periods at risk within the segment (:func:`customer_churn`
    with ``by``, pooled by :func:`summarise_churn`). ``customers`` counts the distinct customers who
    were in the segment in at least one period (a customer who changed plan counts in both). A segment
    of fewer than ``min_customers`` customers is flagged ``small_sample`` and gets no ``churn_rank``: the churn
    of a handful of customers is shown, never ranked, headlined or put in a finding. The size is counted
    in customers, not customer-periods: ten customers watched for three years give 360 customer-months
    at risk but still speak for ten customers.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    by : str
        The segment column ("plan", "interval").
    freq : str
        Period grain ("MS" months, "QS" quarters; see :func:`customer_churn`).
    same_period : {"exclude", "include", "ignore"}
        Convention for customers who join and leave within one period (see :func:`customer_churn`).
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    min_customers : int
        Smallest segment (customers) that is ranked.
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    DataFrame
        One row per segment: [by], customers, periods, churned, at_risk, churn_rate, ci_low, ci_high,
        small_sample (few events or fewer than ``min_customers`` customers), churn_rank (1 = highest
        churn among segments of ``min_customers`` or more; missing for smaller ones).

    References
    ----------
    ChartMogul Help Center, "Customer churn rate"; Wilson (1927) for the interval.

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [1, 2, 3], "subscription_id": ["a", "b", "c"],
    ...     "plan": ["A", "A", "B"], "start": pd.to_datetime(["2025-01-01"] * 3),
    ...     "end": pd.to_datetime(["2025-02-10", None, None]), "amount": 10.0, "interval": "month"})
    >>> t = churn_by_segment(subs, "plan", as_of="2025-03-31", min_customers=2)
    >>> t[["plan", "customers", "churned", "at_risk", "churn_rank"]].values.tolist()
    [['A', 2, 1, 3, 1], ['B', 1, 0, 2, <NA>]]
    """
    _check_same_period(same_period)
    if int(min_customers) != min_customers or min_customers < 1:
        raise KpiDataError(f"min_customers must be a whole number >= 1 (got {min_customers}).")
    churn = _churn_frame(_ledger(subscriptions, freq, as_of), same_period, by=by, level=level)
    out = summarise_churn(churn, by=by, level=level)
    customers = churn.attrs["customers"]
    out.insert(1, "customers", [customers[str(v)] for v in out[by]])
    small = out["customers"] < min_customers
    out["small_sample"] = out["small_sample"] | small
    ranks = out["churn_rate"].where(~small).rank(ascending=False, method="min")
    out["churn_rank"] = ranks.astype("Int64")
    out.attrs.update({"min_customers": int(min_customers), "same_period": same_period})
    return out


def highest_churn(table: pd.DataFrame, by: str, lang: str = "en") -> pd.Series:
    """The segment with the highest churn among those large enough to rank (``churn_rank`` 1 of :func:`churn_by_segment`).

    Parameters
    ----------
    table : DataFrame
        The frame of :func:`churn_by_segment`.
    by : str
        Its segment column.
    lang : str
        The language of the message when no segment is large enough (a report's note).

    Returns
    -------
    Series
        The segment's row.

    Raises
    ------
    KpiDataError
        When no segment has the minimum number of customers (the table's ``min_customers``).

    Examples
    --------
    >>> t = pd.DataFrame({"plan": ["A", "B"], "customers": [40, 3], "churn_rate": [0.05, 0.5],
    ...                   "churn_rank": pd.array([1, None], dtype="Int64")})
    >>> highest_churn(t, "plan")["plan"]
    'A'
    """
    require_columns(
        table, [by, "customers", "churn_rank"], "churn by segment", fix="Pass the frame of churn_by_segment."
    )
    ranked = table[table["churn_rank"].notna()]
    if ranked.empty:
        least = table.attrs.get("min_customers", MIN_CUSTOMERS)
        sizes = {"by": by, "min": least, "largest": int(table["customers"].max())}
        raise KpiDataError(t("subscriptions.note.no_segment_to_rank", lang, **sizes))
    return ranked.sort_values("churn_rank", kind="stable").iloc[0]
