"""Customer (logo) churn per period under a named convention."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.stats import rate, rate_frame
from kpikit.subscriptions.ledger import _NEVER, SamePeriod, _Ledger, _ledger

__all__ = ['customer_churn', 'summarise_churn', 'churn_rates']


def _segments(led: _Ledger, by: str) -> tuple[np.ndarray, pd.Index]:
    """Segment code per customer and period: their largest active subscription's ``by`` value at the
    period start, or (not paying then) that of their first paid subscription started in the period."""
    df = led.subs
    if by not in df.columns:
        raise KpiDataError(f"subscriptions has no column {by!r} to break churn down by; columns: {list(df.columns)}.")
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


def customer_churn(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    same_period: SamePeriod = "exclude",
    by: str | None = None,
    as_of=None,
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
        Period grain as a pandas offset alias ("MS" months, "QS" quarters, "YS" years).
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
    as_of : date, optional
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
    if same_period not in ("exclude", "include", "ignore"):
        raise KpiDataError(f"same_period must be 'exclude', 'include' or 'ignore' (got {same_period!r}).")
    led = _ledger(subscriptions, freq, as_of)
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
    flags = {
        "customers_start": a0,
        "customers_new": joined & ~returning,
        "customers_reactivated": joined & returning,
        "customers_same_period": same,
        "customers_lost": a0 & ~a1,
        "customers_end": a1,
    }
    if by is None:
        seg, names = np.zeros(a0.shape, dtype=np.int64), None
    else:
        seg, names = _segments(led, by)
        # customers_end is counted in the segment held at the period start (or joined into)
    n_seg = 1 if names is None else len(names)
    n_p = a0.shape[1]
    counts = {}
    valid = seg >= 0
    lin = (np.arange(n_p)[None, :] * n_seg + seg)
    for k, f in flags.items():
        sel = f & valid
        counts[k] = np.bincount(lin[sel], minlength=n_p * n_seg)
    out = pd.DataFrame({"period": np.repeat(led.periods, n_seg)})
    if names is not None:
        out[by] = np.tile(np.asarray(names, dtype=object), n_p)
    for k, v in counts.items():
        out[k] = v.astype(np.int64)
    if same_period == "include":
        out["churned"] = out["customers_lost"] + out["customers_same_period"]
        out["at_risk"] = (out["customers_start"] + out["customers_new"] + out["customers_reactivated"]
                          + out["customers_same_period"])
    else:
        out["churned"] = out["customers_lost"]
        out["at_risk"] = out["customers_start"]
    if names is not None:
        seen = out[list(flags)].sum(axis=1) > 0
        out = out[seen].reset_index(drop=True)
    rate_frame(out, "churned", "at_risk", "churn_rate", level=level)
    out.attrs["same_period"] = same_period
    return out


def summarise_churn(churn: pd.DataFrame, by: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Pool a :func:`customer_churn` frame over its periods: churn per customer-period at risk.

    churn_rate = sum(churned) / sum(at_risk); each customer-period is one trial (an approximation:
    periods of one customer are not independent, so the interval is slightly optimistic).

    Returns
    -------
    DataFrame
        One row per segment (or one row): [by], periods, churned, at_risk, churn_rate, ci_low,
        ci_high, small_sample.
    """
    if by is None:
        g = pd.DataFrame({"periods": [len(churn)], "churned": [int(churn["churned"].sum())],
                          "at_risk": [int(churn["at_risk"].sum())]})
    else:
        g = (churn.groupby(by, sort=True)
             .agg(periods=("period", "nunique"), churned=("churned", "sum"), at_risk=("at_risk", "sum"))
             .reset_index())
    return rate_frame(g, "churned", "at_risk", "churn_rate", level=level)


def churn_rates(summary: pd.DataFrame, by: str) -> dict:
    """Turn a :func:`summarise_churn` frame into ``{segment: Rate}`` (for recording headline KPIs)."""
    return {str(r[by]): rate(int(r["churned"]), int(r["at_risk"]), warn_small=False) for _, r in summary.iterrows()}
