"""Cohort retention, customer lifetimes for survival analysis, and cohort survivor counts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import t as _text
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


#: Calendar months (or days) in one billing period of each interval, for cohort survivors.
_PERIOD = {"month": ("months", 1), "year": ("months", 12), "week": ("days", 7), "day": ("days", 1)}
#: Interval order when two intervals have as many customers (the shorter period gives more data).
_ORDER = ("month", "week", "day", "year")


def _advance(starts: np.ndarray, k: int, step: tuple[str, int]) -> np.ndarray:
    """Each start plus k billing periods (months clipped to the target month's length)."""
    unit, n = step
    if unit == "months":
        return _add_months(starts, np.full(starts.size, k * n))
    return starts + np.timedelta64(k * n, "D")


def _survivor_interval(life: pd.DataFrame, interval: str | None, where: dict | None) -> str:
    """The billing interval of the cohorts: ``interval``, the one ``where`` names, or the one with most customers."""
    named = (where or {}).get("interval")
    if interval is not None and named is not None and named != interval:
        raise KpiDataError(f"interval={interval!r} and where={{'interval': {named!r}}} disagree; give one of them.")
    chosen = interval if interval is not None else named
    counts = life["interval"].value_counts()
    if chosen is None:
        ranked = sorted(counts.index, key=lambda i: (-counts[i], _ORDER.index(i) if i in _ORDER else len(_ORDER)))
        return str(ranked[0])
    if chosen not in _PERIOD:
        raise KpiDataError(f"interval must be one of {sorted(_PERIOD)} (got {chosen!r}).")
    if chosen not in counts.index:
        have = ", ".join(f"{i} ({n})" for i, n in counts.items())
        raise KpiDataError(f"No paying customer starts on a {chosen} plan; the customers' first plans are: {have}.")
    return chosen


def _observed_ages(starts: np.ndarray, as_of: pd.Timestamp, step: tuple[str, int], limit: int | None) -> int:
    """How many full periods after its latest start a group of customers is observed for (up to ``limit``)."""
    latest, stop, k = np.array([starts.max()]), as_of.to_datetime64(), 0
    while (limit is None or k < limit) and _advance(latest, k + 1, step)[0] <= stop:
        k += 1
    return k


def _survivor_customers(
    life: pd.DataFrame, chosen: str, where: dict | None, start, end, months: int | None
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """The customers counted (first plan of ``chosen`` interval, matching ``where``, starting in the window)."""
    sel = life["interval"] == chosen
    for col, val in (where or {}).items():
        sel &= life[col] == val
    c = life[sel]
    if c.empty:
        raise KpiDataError(f"No customer's first plan is billed every {chosen} and matches {where}.")
    first = pd.Timestamp(start) if start is not None else c["start"].min().to_period("M").start_time
    if end is not None:
        last = pd.Timestamp(end)
    else:  # the first cohort only, or every customer
        last = first + pd.DateOffset(months=months) if months else life["start"].max() + pd.Timedelta(days=1)
    c = c[(c["start"] >= first) & (c["start"] < last)]
    if c.empty:
        where_text = f" with {where}" if where else ""
        raise KpiDataError(
            f"No customer on a {chosen} plan starts between {first:%Y-%m-%d} and {last:%Y-%m-%d}{where_text}."
        )
    return c, first, last


def _cohort_counts(
    c: pd.DataFrame, first: pd.Timestamp, months: int, as_of: pd.Timestamp, step: tuple[str, int], periods: int | None
) -> pd.DataFrame:
    """Survivors of each cohort of ``months`` calendar months from ``first``, at each age it is observed for."""
    base = first.year * 12 + first.month - 1
    month = base + ((c["start"].dt.year * 12 + c["start"].dt.month - 1 - base) // months) * months
    cohort = pd.to_datetime(pd.DataFrame({"year": month // 12, "month": month % 12 + 1, "day": 1}))
    rows = []
    for when, g in c.groupby(cohort, sort=True):
        s = g["start"].to_numpy().astype("datetime64[ns]")
        stop = np.where(g["churned"].to_numpy(), g["end"].to_numpy().astype("datetime64[ns]"), np.datetime64("NaT"))
        for t in range(_observed_ages(s, as_of, step, periods) + 1):  # a loop over ages, not customers
            alive = int((np.isnat(stop) | (stop > _advance(s, t, step))).sum()) if t else int(s.size)
            rows.append((when, t, alive, alive / s.size))
    return pd.DataFrame(rows, columns=["cohort", "period", "survivors", "share"])


def cohort_survivors(
    subscriptions: pd.DataFrame,
    periods: int | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    cohort_months: int | None = None,
    where: dict | None = None,
    period_months: int | None = None,
    as_of: str | pd.Timestamp | None = None,
    interval: str | None = None,
    cohorts: Literal["first", "all"] = "first",
    lang: str = "en",
) -> pd.DataFrame:
    """Customers of acquisition cohorts still paying at the start of each billing period after joining.

    The input of :class:`kpikit.survival.ShiftedBetaGeometric`. Customers are counted by their first
    paid subscription: its billing ``interval`` (default: the interval with most customers, so annual
    and monthly customers, who can leave at different moments, are never mixed) sets the period
    (a month, a year, a week or a day; ``period_months`` overrides it in calendar months). A customer
    is alive at the start of period t when their first paid spell (see :func:`customer_lifetimes`)
    lasts past start + t periods (a monthly subscriber who pays twice, Jan 1 to Mar 1, is alive at
    t = 0 and 1). Returns come back as new spells and are not counted, so counts never increase.

    ``cohorts="first"``: one cohort, the customers whose first paid subscription starts in
    ``[start, end)`` (default: the first ``cohort_months``, 3, calendar months of that interval's
    customers). ``cohorts="all"``: every cohort of ``cohort_months`` (default 1) calendar months within
    ``[start, end)`` (default: all the data), for fitting several cohorts together.

    A cohort is counted at age t only when every one of its customers is observed then (its latest
    start plus t periods is not after ``as_of``), so censored customers are never counted as lost;
    ages after that are left out (the sBG fit treats the cohort's survivors as right-censored there).

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    periods : int, optional
        The last age counted (None: as far as the data go).
    start, end : str or Timestamp, optional
        First paid starts of the customers counted, ``[start, end)``.
    cohort_months : int, optional
        Length of a cohort in calendar months (default 3 for ``cohorts="first"``, 1 for "all").
    where : dict, optional
        Column -> value filters on the first subscription (columns of :func:`customer_lifetimes`);
        ``{"interval": ...}`` chooses the interval as ``interval`` does.
    period_months : int, optional
        Calendar months per period (default: the billing interval's own period).
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    interval : {"month", "year", "week", "day"}, optional
        The billing interval of the customers counted (default: the one with most customers).
    cohorts : {"first", "all"}
        One cohort (the first) or every cohort.
    lang : str
        The language of the message when the cohorts are too young (a report's note).

    Returns
    -------
    DataFrame
        cohort (its first day), period (age 0, 1, ...), survivors, share (survivors / cohort size);
        ``attrs`` hold interval, cohorts, customers, cohort_start, cohort_end.

    Raises
    ------
    KpiDataError
        No customer in the window, or no cohort observed for two full periods (the model needs two).

    References
    ----------
    Fader and Hardie (2007), "How to project customer retention", Journal of Interactive Marketing 21(1).
    """
    if cohorts not in ("first", "all"):
        raise KpiDataError(f"cohorts must be 'first' or 'all' (got {cohorts!r}).")
    life = customer_lifetimes(subscriptions, as_of=as_of, unit="D")
    df_as_of = _as_of(_validate(subscriptions), as_of)
    require_columns(
        life,
        list(where or {}),
        "customer_lifetimes (the columns where= filters on)",
        fix="where= filters on the first subscription's plan, interval, mrr, active or reactivated.",
    )
    chosen = _survivor_interval(life, interval, where)
    step = ("months", int(period_months)) if period_months else _PERIOD[chosen]
    months = int(cohort_months or (3 if cohorts == "first" else 1))
    c, first, last = _survivor_customers(life, chosen, where, start, end, months if cohorts == "first" else None)
    out = _cohort_counts(c, first, months, df_as_of, step, periods)
    if out["period"].max() < 2:
        unit = _text(f"subscriptions.period_unit.{'other' if period_months else chosen}", lang)
        kind = _text(f"subscriptions.billing.{chosen}", lang)
        young = {"kind": kind, "unit": unit, "periods": int(out["period"].max()), "as_of": df_as_of}
        raise KpiDataError(_text("subscriptions.note.cohorts_too_young", lang, **young))
    out.attrs.update(
        {
            "interval": chosen,
            "cohorts": int(out["cohort"].nunique()),
            "customers": int(len(c)),
            "cohort_start": first,
            "cohort_end": last,
        }
    )
    return out
