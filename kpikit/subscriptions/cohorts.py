"""Cohort retention, customer lifetimes for survival analysis, and cohort survivor counts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas import require_columns
from kpikit.stats import rate_frame
from kpikit.subscriptions.ledger import _add_months, _as_of, _ledger, _validate

__all__ = ["cohort_retention", "cohort_matrix", "cohort_average", "customer_lifetimes", "cohort_survivors"]


def cohort_retention(
    subscriptions: pd.DataFrame,
    freq: str = "MS",
    kind: Literal["logo", "revenue"] = "logo",
    as_of: str | pd.Timestamp | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Cohort retention in tidy form: one row per cohort and age.

    Cohort = period of the customer's first paid subscription. Age k = the end of the k-th period
    after the cohort's (age 0: end of the joining period, so customers who join and leave at once
    show there). Logo: retention = cohort customers paying at that date / cohort size (with Wilson
    interval). Revenue: retention = cohort MRR at that date / cohort starting MRR (MRR of each
    customer's first paid subscriptions), expansion included, so it can exceed 100%.
    Cells not yet observed are absent.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    freq : str
        Period grain of cohorts and ages: "MS" months, "QS" quarters, "YS" years.
    kind : {"logo", "revenue"}
        Retention of customers (logo) or of the cohort's starting MRR (revenue).
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    level : float
        Confidence level of the Wilson interval (logo).

    Returns
    -------
    DataFrame
        cohort, age, cohort_size, base, retained, retention, and for logo ci_low, ci_high,
        small_sample (revenue: base and retained in currency floats).

    References
    ----------
    ChartMogul Help Center, "Cohort analysis"; Fader and Hardie (2007) on reading cohort survival.
    """
    if kind not in ("logo", "revenue"):
        raise KpiDataError(f"kind must be 'logo' or 'revenue' (got {kind!r}).")
    led = _ledger(subscriptions, freq, as_of)
    n_p = len(led.periods)
    cust = np.flatnonzero(led.first_period >= 0)
    coh = led.first_period[cust]
    ages = np.arange(n_p)
    rows_c = np.repeat(cust, n_p)
    rows_coh = np.repeat(coh, n_p)
    rows_age = np.tile(ages, cust.size)
    obs = rows_coh + rows_age + 1 <= n_p
    rows_c, rows_coh, rows_age = rows_c[obs], rows_coh[obs], rows_age[obs]
    snap = led.matrix[rows_c, rows_coh + rows_age + 1]
    size = np.bincount(coh, minlength=n_p)
    if kind == "logo":
        val, base_per = (snap > 0).astype(np.int64), np.ones(cust.size, dtype=np.int64)
    else:
        df = led.subs
        s = df["start"].to_numpy().astype("datetime64[ns]")
        e = df["end"].to_numpy().astype("datetime64[ns]")
        paid = (np.isnat(e) | (e > s)) & (df["mrr_cents"].to_numpy() > 0)
        s_paid = pd.Series(np.where(paid, s, np.datetime64("NaT")))
        first_start = s_paid.groupby(led.code).transform("min").to_numpy()
        init = paid & (s == first_start)
        init_mrr = np.bincount(
            led.code[init], weights=df["mrr_cents"].to_numpy()[init], minlength=len(led.customers)
        ).astype(np.int64)
        val, base_per = snap, init_mrr[cust]
    key = rows_coh * n_p + rows_age
    retained = np.bincount(key, weights=val, minlength=n_p * n_p)
    base_coh = np.bincount(coh, weights=base_per, minlength=n_p)
    seen = np.bincount(key, minlength=n_p * n_p) > 0
    k = np.flatnonzero(seen)
    out = pd.DataFrame({"cohort": led.periods[k // n_p], "age": k % n_p, "cohort_size": size[k // n_p]})
    if kind == "logo":
        out["base"] = base_coh[k // n_p].astype(np.int64)
        out["retained"] = retained[k].astype(np.int64)
        rate_frame(out, "retained", "base", "retention", level=level)
    else:
        out["base"] = base_coh[k // n_p] / 100.0
        out["retained"] = retained[k] / 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            out["retention"] = np.where(out["base"] > 0, out["retained"] / out["base"], np.nan)
    out.attrs["kind"] = kind
    return out.sort_values(["cohort", "age"]).reset_index(drop=True)


def cohort_matrix(cohorts: pd.DataFrame, value: str = "retention", label: str = "%Y-%m") -> pd.DataFrame:
    """Pivot a :func:`cohort_retention` frame into the triangle (rows cohorts, columns ages).

    Row labels are the cohort start formatted with ``label`` followed by the cohort size, e.g.
    "2024-03 (n=212)"; unobserved cells are NaN.

    Parameters
    ----------
    cohorts : DataFrame
        The frame of :func:`cohort_retention`.
    value : str
        The column shown in the cells (e.g. "retention", "retained").
    label : str
        ``strftime`` format of the cohort start in the row labels.

    Returns
    -------
    DataFrame
        Rows cohorts (oldest first), columns ages.
    """
    c = cohorts.copy()
    c["row"] = c["cohort"].dt.strftime(label) + " (n=" + c["cohort_size"].astype(str) + ")"
    m = c.pivot(index="row", columns="age", values=value)
    order = c.drop_duplicates("row").sort_values("cohort")["row"]
    m = m.loc[order]
    m.index.name = "cohort"
    m.columns.name = "age"
    return m


def cohort_average(cohorts: pd.DataFrame, min_age: int | None = None, level: float = 0.95) -> pd.DataFrame:
    """Retention by age averaged over cohorts, weighted by cohort size (sum retained / sum base).

    Only cohorts old enough count: at each age, the cohorts observed at that age; with ``min_age``,
    only cohorts observed at least through ``min_age`` (the same cohorts at every age up to it, so the
    curve does not jump when young cohorts drop out).

    Parameters
    ----------
    cohorts : DataFrame
        The frame of :func:`cohort_retention`.
    min_age : int, optional
        Keep only cohorts observed through this age (and ages up to it).
    level : float
        Confidence level of the Wilson interval (logo frames).

    Returns
    -------
    DataFrame
        age, cohorts, base, retained, retention (and ci_low, ci_high, small_sample for logo frames).
    """
    c = cohorts
    if min_age is not None:
        oldest = c.groupby("cohort")["age"].transform("max")
        c = c[oldest >= min_age]
        c = c[c["age"] <= min_age]
        if c.empty:
            raise KpiDataError(f"No cohort is observed through age {min_age}; lower min_age.")
    g = (
        c.groupby("age")
        .agg(cohorts=("cohort", "nunique"), base=("base", "sum"), retained=("retained", "sum"))
        .reset_index()
    )
    if cohorts.attrs.get("kind", "logo") == "logo" and "ci_low" in cohorts:
        g["base"] = g["base"].astype(np.int64)
        g["retained"] = g["retained"].astype(np.int64)
        return rate_frame(g, "retained", "base", "retention", level=level)
    g["retention"] = g["retained"] / g["base"]
    return g


def customer_lifetimes(
    subscriptions: pd.DataFrame,
    as_of: str | pd.Timestamp | None = None,
    unit: Literal["D", "M"] = "M",
) -> pd.DataFrame:
    """One row per paying customer: first paid spell, for survival analysis.

    A spell runs from the customer's first paid start until the first moment they hold no paying
    subscription (gaps between overlapping or back-to-back subscriptions do not end it). duration =
    spell end (or ``as_of`` while still paying) - first start; churned = the spell ended by ``as_of``
    (otherwise right-censored). Segment columns come from the first subscription (largest MRR on
    ties): plan, interval. Later returns (reactivations) are not part of the first spell;
    ``reactivated`` flags them.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table); spells still running then
        are censored.
    unit : {"M", "D"}
        Duration in months (days / 30.4375) or days.

    Returns
    -------
    DataFrame
        customer_id, start, end, duration, churned, plan, interval, mrr (first MRR, float currency),
        active (paying at as_of), reactivated.
    """
    df = _validate(subscriptions)
    as_of = _as_of(df, as_of)
    d = df[(df["mrr_cents"] > 0) & (df["end"].isna() | (df["end"] > df["start"])) & (df["start"] <= as_of)].copy()
    if d.empty:
        raise KpiDataError("No paying subscription starts by as_of; nothing to measure.")
    d["_end"] = d["end"].fillna(pd.Timestamp.max.floor("D"))
    d = d.sort_values(["customer_id", "start", "_end"], kind="stable")
    prev_max = d.groupby("customer_id")["_end"].cummax().groupby(d["customer_id"]).shift()
    new_spell = prev_max.isna() | (d["start"] > prev_max)
    spell = new_spell.astype(int).groupby(d["customer_id"]).cumsum()
    first = d[spell == 1]
    firsts = d.sort_values(["customer_id", "start", "mrr_cents"], ascending=[True, True, False]).drop_duplicates(
        "customer_id"
    )
    g = first.groupby("customer_id").agg(start=("start", "min"), end=("_end", "max"))
    g["churned"] = g["end"] <= as_of
    g["end"] = g["end"].where(g["churned"])
    stop = g["end"].fillna(as_of)
    days = (stop - g["start"]) / pd.Timedelta(days=1)
    g["duration"] = days / 30.4375 if unit == "M" else days
    f = firsts.set_index("customer_id")
    g["plan"] = f["plan"] if "plan" in f else pd.NA
    g["interval"] = f["interval"]
    g["mrr"] = f["mrr_cents"] / 100.0
    act = d[(d["start"] <= as_of) & (d["_end"] > as_of)]["customer_id"].unique()
    g["active"] = g.index.isin(act)
    g["reactivated"] = (spell.groupby(d["customer_id"]).max() > 1).reindex(g.index).to_numpy()
    g = g.reset_index()
    return g[["customer_id", "start", "end", "duration", "churned", "plan", "interval", "mrr", "active", "reactivated"]]


def cohort_survivors(
    subscriptions: pd.DataFrame,
    periods: int,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    cohort_months: int = 3,
    where: dict | None = None,
    period_months: int = 1,
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Customers of one acquisition cohort still paying at the start of periods 0..``periods``.

    The input of :class:`kpikit.survival.ShiftedBetaGeometric`. The cohort is the customers whose
    first paid subscription starts in ``[start, end)`` (default: the first ``cohort_months`` calendar
    months of the data), optionally only those whose first subscription matches ``where`` (e.g.
    ``{"interval": "month"}``). A customer is alive at the start of period t when their first paid
    spell (see :func:`customer_lifetimes`) lasts past start + t x ``period_months`` calendar months
    (a monthly subscriber who pays twice, Jan 1 to Mar 1, is alive at t = 0 and 1). Returns come
    back as new spells and are not counted, so the counts never increase.

    Every customer must be observed through the last period: the cohort's last start plus
    ``periods`` periods must not pass ``as_of``; otherwise the counts would mix censored customers
    with churned ones, so a KpiDataError says how many periods are available.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    periods : int
        Number of periods after joining to count survivors for.
    start, end : str or Timestamp, optional
        The cohort's first paid starts, ``[start, end)``; default the first ``cohort_months``
        calendar months of the data.
    cohort_months : int
        Length of the default cohort window in calendar months.
    where : dict, optional
        Column -> value filters on the first subscription (columns of :func:`customer_lifetimes`).
    period_months : int
        Calendar months per period.
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).

    Returns
    -------
    DataFrame
        period (0..periods), survivors, share (survivors / cohort size). ``attrs`` hold cohort start,
        end and size.
    """
    life = customer_lifetimes(subscriptions, as_of=as_of, unit="D")
    df_as_of = _as_of(_validate(subscriptions), as_of)
    if start is None:
        start = life["start"].min().to_period("M").start_time
    start = pd.Timestamp(start)
    end = pd.Timestamp(end) if end is not None else start + pd.DateOffset(months=cohort_months)
    sel = (life["start"] >= start) & (life["start"] < end)
    require_columns(
        life,
        list(where or {}),
        "customer_lifetimes (the columns where= filters on)",
        fix="where= filters on the first subscription's plan, interval, mrr, active or reactivated.",
    )
    for col, val in (where or {}).items():
        sel &= life[col] == val
    c = life[sel]
    if c.empty:
        raise KpiDataError(f"No customer starts between {start:%Y-%m-%d} and {end:%Y-%m-%d} with {where or {}}.")
    last_needed = _add_months(np.array([c["start"].max().to_datetime64()]), np.array([periods * period_months]))[0]
    if last_needed > df_as_of.to_datetime64():
        have = 0
        while (
            _add_months(np.array([c["start"].max().to_datetime64()]), np.array([(have + 1) * period_months]))[0]
            <= df_as_of.to_datetime64()
        ):
            have += 1
        raise KpiDataError(
            f"The cohort starting {start:%Y-%m-%d}..{end:%Y-%m-%d} is observed for {have} full periods only "
            f"(as_of {df_as_of:%Y-%m-%d}); ask for periods <= {have} or choose an earlier cohort."
        )
    s = c["start"].to_numpy().astype("datetime64[ns]")
    stop = np.where(c["churned"].to_numpy(), c["end"].to_numpy().astype("datetime64[ns]"), np.datetime64("NaT"))
    counts = []
    for t in range(periods + 1):  # a loop over periods, not customers
        due = _add_months(s, np.full(s.size, t * period_months))
        alive = np.isnat(stop) | (stop > due)
        counts.append(int(alive.sum()) if t else int(s.size))
    out = pd.DataFrame({"period": np.arange(periods + 1), "survivors": counts})
    out["share"] = out["survivors"] / out["survivors"].iloc[0]
    out.attrs.update({"cohort_start": start, "cohort_end": end, "customers": int(s.size)})
    return out
