"""Notebook 03's subscription findings, and the articles' common mistakes beside the right computation."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import Finding, t
from kpikit.stats import compare_rates
from kpikit.subscriptions.churn import _churn_frame
from kpikit.subscriptions.ledger import _ledger
from kpikit.subscriptions.retention import _renewals_rate, renewal_rate

__all__ = ["common_mistakes", "findings"]


def _formula(mistake: str, side: str, value: float, lang: str, currency: str | None, **counts: float) -> str:
    """A mistake's wrong or right formula with its counts and result, in ``lang``."""
    return t(f"subscriptions.mistake.{mistake}.{side}", lang, currency=currency, value=value, **counts)


def common_mistakes(
    subscriptions: pd.DataFrame,
    period: str | pd.Timestamp,
    freq: str = "MS",
    as_of: str | pd.Timestamp | None = None,
    lang: str = "en",
    currency: str | None = None,
) -> pd.DataFrame:
    """The three classic errors of popular churn articles next to the right number, on the same data.

    For one period (a period start for ``freq``):
    1. churn from customers *added*: new customers / customers at start, vs lost / at start;
    2. renewal ratio inverted: active annual contracts / contracts renewed, vs renewed / due (left out
       when no contract comes up for renewal in the period, e.g. without annual plans);
    3. expansion MRR as "average add-on x number of customers": (expansion MRR / expanding customers)
       x customers at start, vs the sum of each expanding customer's MRR increase.

    Each formula is written out with its counts and its result in the report's language (catalogue
    entries ``subscriptions.mistake.<id>.wrong`` / ``.right``), so a reader sees how each number is made.

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    period : str or Timestamp
        Start of the period to show (a period start for ``freq``, e.g. the last one of the data).
    freq : str
        Period grain: "MS" months, "QS" quarters, "YS" years.
    as_of : str or Timestamp, optional
        Last date of the data (default: the latest start in the table).
    lang : str
        The language of the formulas (a language of :mod:`kpikit.i18n`).
    currency : str, optional
        ISO code of the amounts' currency, for the money in the formulas.

    Returns
    -------
    DataFrame
        mistake, wrong, right (numbers: shares, a ratio, money), wrong_formula, right_formula (text, with
        the counts and the result).

    References
    ----------
    ``docs/KPI_CATALOGUE.md`` ("Mistakes"); ChartMogul Help Center, "Customer churn rate" and "MRR
    movements".
    """
    led = _ledger(subscriptions, freq, as_of)
    i = led.boundary(period)
    if i >= len(led.periods):
        raise KpiDataError("period must not be the boundary after the last period.")
    counts = _churn_frame(led, "exclude").iloc[i]
    start = int(counts["customers_start"])
    added = int(counts["customers_new"] + counts["customers_reactivated"])
    lost = int(counts["customers_lost"])
    ren = renewal_rate(led.subs, period=(led.bounds[i], led.bounds[i + 1]), as_of=led.as_of)
    due, renewed = int(ren["contracts_due"].iloc[0]), int(ren["contracts_renewed"].iloc[0])
    subs = led.subs
    annual_active = int(
        (
            (subs["interval"] == "year")
            & (subs["start"] < led.bounds[i + 1])
            & (subs["end"].isna() | (subs["end"] >= led.bounds[i + 1]))
        ).sum()
    )
    m0, m1 = led.matrix[:, i], led.matrix[:, i + 1]
    up = (m0 > 0) & (m1 > m0)
    expansion = (m1 - m0)[up].sum() / 100.0
    avg_addon = expansion / up.sum() if up.any() else 0.0
    formula = partial(_formula, lang=lang, currency=currency)
    wrong_churn, right_churn = (added / start, lost / start) if start else (np.nan, np.nan)
    inverted, renewal = (annual_active / renewed if renewed else np.nan), (renewed / due if due else np.nan)
    renewal_row = (
        "renewal rate inverted",
        inverted,
        renewal,
        formula("renewal_inverted", "wrong", inverted, active=annual_active, renewed=renewed),
        formula("renewal_inverted", "right", renewal, renewed=renewed, due=due),
    )
    rows = [
        (
            "churn counted from customers added",
            wrong_churn,
            right_churn,
            formula("churn_added", "wrong", wrong_churn, added=added, start=start),
            formula("churn_added", "right", right_churn, lost=lost, start=start),
        ),
        *([renewal_row] if due else []),  # no contract due in the period: nothing to invert
        (
            "expansion MRR multiplied",
            avg_addon * start,
            expansion,
            formula("expansion_multiplied", "wrong", avg_addon * start, addon=avg_addon, start=start),
            formula("expansion_multiplied", "right", expansion, expanding=int(up.sum())),
        ),
    ]
    return pd.DataFrame(rows, columns=["mistake", "wrong", "right", "wrong_formula", "right_formula"])


def _per_year(movements: pd.DataFrame | None) -> float:
    """Periods per year of a period table (12 for months, 4 for quarters)."""
    if movements is None or len(movements) < 2:
        return 12.0
    days = pd.Series(movements["period"]).diff().dt.days.median()
    return 365.25 / days if days and days > 0 else 12.0


def _months(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _segment_finding(c: pd.DataFrame, by: str, alpha: float, arpa: float | None, per_year: float) -> Finding:
    """The highest against the lowest churn of the segments; impact: MRR lost a year above the pooled rate."""
    hi, lo = c.iloc[0], c.iloc[-1]
    cmp = compare_rates((int(hi["churned"]), int(hi["at_risk"])), (int(lo["churned"]), int(lo["at_risk"])))
    fields = {
        "by": by,
        "high": hi[by],
        "high_rate": hi["churn_rate"],
        "high_low": hi["ci_low"],
        "high_high": hi["ci_high"],
        "low": lo[by],
        "low_rate": lo["churn_rate"],
        "low_low": lo["ci_low"],
        "low_high": lo["ci_high"],
        "p": cmp.p_value,
    }
    if cmp.p_value >= alpha:
        return Finding(
            "Churn by {by:term}: {by:term} '{high:term}' churns {high_rate:pct} per period (95% CI "
            "{high_low:pct}-{high_high:pct}) against {low_rate:pct} for '{low:term}' ({low_low:pct}-{low_high:pct}): "
            "not a clear difference at this sample size ({p:pvalue}).",
            fields,
            impact=0.0,
        )
    pooled = c["churned"].sum() / c["at_risk"].sum()
    periods = hi["periods"] if "periods" in c.columns and hi["periods"] > 0 else 1
    excess = max(hi["churn_rate"] - pooled, 0.0) * hi["at_risk"] / periods * per_year
    return Finding(
        "Churn by {by:term}: {by:term} '{high:term}' churns {high_rate:pct} per period (95% CI "
        "{high_low:pct}-{high_high:pct}) against {low_rate:pct} for '{low:term}' ({low_low:pct}-{low_high:pct}): "
        "a clear difference ({p:pvalue}).",
        fields,
        impact=None if arpa is None else excess * arpa,
    )


def _retention_finding(r: pd.Series, currency: str | None) -> Finding:
    """The latest GRR and NRR; impact: the base's MRR lost to churn and contraction, per 12 months."""
    months = max(_months(r["base_period"], r["end_period"]), 1)
    lost = float(r["base_mrr"]) - float(r["retained_mrr"]) if "retained_mrr" in r.index else None
    fields = {
        "months": months,
        "grr": r["grr"],
        "nrr": r["nrr"],
        "base": r["base_period"],
        "end": r["end_period"],
        "lost": lost,
        "base_mrr": r.get("base_mrr"),
        "logo": r["logo_retention"],
    }
    impact = None if lost is None else lost * 12 / months
    if r["nrr"] > 1:
        return Finding(
            "Over {months:int} months, gross revenue retention is {grr:pct} and net revenue retention {nrr:pct}, "
            "expansion more than offsetting the losses: churn and contraction took {lost:money} of the "
            "{base_mrr:money} monthly revenue of the customers paying on {base:date}, and {logo:pct} of those "
            "customers still pay on {end:date}.",
            fields,
            impact,
            currency,
        )
    return Finding(
        "Over {months:int} months, gross revenue retention is {grr:pct} and net revenue retention {nrr:pct}: "
        "churn and contraction took {lost:money} of the {base_mrr:money} monthly revenue of the customers paying "
        "on {base:date}, and {logo:pct} of those customers still pay on {end:date}.",
        fields,
        impact,
        currency,
    )


def _renewal_finding(renewal: pd.DataFrame) -> Finding:
    """Contracts renewed of those due; impact: MRR not renewed, per 12 months of renewal windows."""
    r = _renewals_rate(renewal, warn_small=False)
    due = renewal[renewal["contracts_due"] > 0]
    impact = None
    if {"value_due", "value_renewed", "period", "period_end"} <= set(due.columns):
        months = max(_months(due["period"].min(), due["period_end"].max()), 1)
        impact = float(due["value_due"].sum() - due["value_renewed"].sum()) * 12 / months
    return Finding(
        "{renewed:int} of {due:int} contracts up for renewal renewed: a renewal rate of {rate:pct} "
        "(95% CI {low:pct}-{high:pct}).",
        {"renewed": r.successes, "due": r.trials, "rate": r.value, "low": r.low, "high": r.high},
        impact,
    )


def findings(
    churn_by_interval: pd.DataFrame | None = None,
    retention: pd.DataFrame | None = None,
    renewal: pd.DataFrame | None = None,
    movements: pd.DataFrame | None = None,
    by: str = "interval",
    alpha: float = 0.05,
    currency: str | None = None,
) -> list[Finding]:
    """Plain-language findings from computed subscription KPIs, each with its business impact.

    Impact (for ordering a report's findings) is **MRR lost over a year**, in the subscriptions'
    currency: for retention, the MRR the base customers lost to churn and contraction, scaled to 12
    months; for a churn difference between segments, the MRR lost a year by the highest-churn segment
    above the pooled rate (customers lost in excess x the latest ARPA; 0 when the difference is not
    clear); for renewals, the MRR of contracts not renewed, scaled to 12 months. The MRR bridge is a
    description, with no impact (it sorts last).

    Parameters
    ----------
    churn_by_interval : DataFrame, optional
        :func:`churn_by_segment` (or :func:`summarise_churn`) output with a ``by`` column: the highest
        and lowest churn of the segments large enough to rank (a ``churn_rank``; every segment of a
        frame without one) are compared with a two-proportion test when there are two or more.
    retention : DataFrame, optional
        :func:`revenue_retention` output; the latest row is described.
    renewal : DataFrame, optional
        :func:`renewal_rate` output (rows with contracts due are pooled).
    movements : DataFrame, optional
        :func:`mrr_movements` output; the change over the whole span is described (its last period
        also gives the ARPA of the segment finding's impact).
    by : str
        The segment column of ``churn_by_interval``.
    alpha : float
        p-value threshold for calling a churn difference clear.
    currency : str, optional
        ISO code of the amounts (the report's ``currency``), for the money in the sentences.

    Returns
    -------
    list of Finding
        One per finding, in the order MRR, churn by segment, retention, renewal; ``str(f)`` is the
        English sentence, ``f.text("vi")`` the Vietnamese one.
    """
    out: list[Finding] = []
    arpa = None
    if movements is not None and len(movements):
        last = movements.iloc[-1]
        if float(last["customers_end"]) > 0:
            arpa = float(last["mrr_end"]) / float(last["customers_end"])
        fields = {
            "first": float(movements["mrr_start"].iloc[0]),
            "last": float(last["mrr_end"]),
            "periods": len(movements),
            "new": float(movements["new"].astype(float).sum()),
            "churned": float(movements["churn"].astype(float).sum()),
        }
        out.append(
            Finding(
                "MRR went from {first:money} to {last:money} over {periods:int} periods; new customers added "
                "{new:money} and churn took away {churned:money} of monthly revenue.",
                fields,
                None,
                currency,
            )
        )
    ranked = churn_by_interval
    if ranked is not None and "churn_rank" in ranked.columns:
        ranked = ranked[ranked["churn_rank"].notna()]  # segments too small to rank are not compared
    if ranked is not None and len(ranked) >= 2:
        c = ranked.sort_values("churn_rate", ascending=False)
        out.append(_segment_finding(c, by, alpha, arpa, _per_year(movements)))
    if retention is not None and len(retention):
        out.append(_retention_finding(retention.iloc[-1], currency))
    if renewal is not None and renewal["contracts_due"].sum() > 0:
        out.append(_renewal_finding(renewal))
    return out
