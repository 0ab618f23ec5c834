"""Notebook 03's plain-language findings on the leading indicators of churn."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.i18n import Finding
from kpikit.satisfaction.indicators import MIN_CUSTOMERS
from kpikit.stats import Score

__all__ = ["findings"]

#: Exposure units of :func:`churn_by` -> how many make a year (for the impact of a difference).
_PER_YEAR = {
    "customer-day": 365.25,
    "customer-week": 52.18,
    "customer-month": 12.0,
    "customer-quarter": 4.0,
    "customer-year": 1.0,
}


def _nps_finding(nps_score: Score) -> Finding:
    c = nps_score.counts or {}
    return Finding(
        "NPS is {value:signed} (95% CI {low:signed} to {high:signed}, n = {n:int}; {promoters:int} promoters, "
        "{detractors:int} detractors).",
        {
            "value": nps_score.value,
            "low": nps_score.low,
            "high": nps_score.high,
            "n": nps_score.n,
            "promoters": c.get("promoters", 0),
            "detractors": c.get("detractors", 0),
        },
    )


def _group_finding(
    label: str,
    t: pd.DataFrame,
    alpha: float,
    exposure_unit: str,
    value_per_customer: float | None,
    min_customers: int | None,
) -> Finding | None:
    by = t.columns[0]
    least = min_customers if min_customers is not None else t.attrs.get("min_customers", MIN_CUSTOMERS)
    tested = t.dropna(subset=["p_value"])
    tested = tested[tested["customers"] >= least]  # a handful of customers is never named as churning most
    ref = t[t[by].astype(str) == str(t["reference"].iloc[0])]
    if tested.empty or ref.empty or int(ref["customers"].iloc[0]) < least:
        return None
    worst = tested.sort_values("churn_rate", ascending=False).iloc[0]
    ref = ref.iloc[0]
    clear = bool(worst["q_value"] < alpha)
    fields = {
        "label": label,
        "group": worst[by],
        "rate": worst["churn_rate"],
        "churned": int(worst["churned"]),
        "customers": int(worst["customers"]),
        "ref_rate": ref["churn_rate"],
        "ref": ref[by],
        "ratio": worst["ratio"] if np.isfinite(worst["ratio"]) else np.inf,
        "q": worst["q_value"],
        "unit": exposure_unit,
    }
    exposure = "exposure" in t.columns
    impact = 0.0
    if clear:
        per_year = _PER_YEAR.get(exposure_unit) if exposure else 1.0
        excess = max(float(worst["churn_rate"] - ref["churn_rate"]), 0.0) * int(worst["customers"])
        impact = None if value_per_customer is None or per_year is None else excess * value_per_customer * per_year
    if exposure and clear:
        return Finding(
            "By {label:term}: '{group:term}' customers churned at {rate:pct} per {unit:term} ({churned:int} of "
            "{customers:int} churned) against {ref_rate:pct} per {unit:term} for '{ref:term}', {ratio:ratio} as "
            "often; a clear difference ({q:qvalue}).",
            fields,
            impact,
        )
    if exposure:
        return Finding(
            "By {label:term}: '{group:term}' customers churned at {rate:pct} per {unit:term} ({churned:int} of "
            "{customers:int} churned) against {ref_rate:pct} per {unit:term} for '{ref:term}', {ratio:ratio} as "
            "often; not a clear difference at this sample size ({q:qvalue}).",
            fields,
            impact,
        )
    if clear:
        return Finding(
            "By {label:term}: '{group:term}' customers churned at {rate:pct} ({churned:int} of {customers:int} "
            "churned) against {ref_rate:pct} for '{ref:term}', {ratio:ratio} as often; a clear difference "
            "({q:qvalue}).",
            fields,
            impact,
        )
    return Finding(
        "By {label:term}: '{group:term}' customers churned at {rate:pct} ({churned:int} of {customers:int} "
        "churned) against {ref_rate:pct} for '{ref:term}', {ratio:ratio} as often; not a clear difference at "
        "this sample size ({q:qvalue}).",
        fields,
        impact,
    )


def findings(
    tables: dict[str, pd.DataFrame],
    alpha: float = 0.05,
    nps_score: Score | None = None,
    exposure_unit: str = "customer-month",
    value_per_customer: float | None = None,
    min_customers: int | None = None,
) -> list[Finding]:
    """Plain-language findings on leading indicators of churn, each with its business impact.

    Impact (for ordering a report's findings) is **revenue lost over a year** to the worst group's
    excess churn: (its churn rate - the reference group's) x its customers x ``value_per_customer``,
    per year of exposure; 0 when the difference is not clear, None without ``value_per_customer``.
    With MRR per customer it is comparable with :func:`kpikit.subscriptions.findings` (MRR lost a
    year). It counts every customer of the group as exposed, so it is an upper bound, good for
    ranking. The NPS sentence has no impact.

    Parameters
    ----------
    tables : dict
        Indicator label (e.g. "NPS group") -> :func:`churn_by` frame.
    alpha : float
        q-value threshold for calling a difference clear.
    nps_score : Score, optional
        The overall NPS, described with its interval first.
    exposure_unit : str
        Unit of the exposure of :func:`churn_by` frames built with ``exposure=``.
    value_per_customer : float, optional
        Revenue per customer per month (the ARPA), for the impact.
    min_customers : int, optional
        Groups of fewer customers are never named as churning most, nor used as the reference of a
        finding (default: each table's own, :func:`churn_by`'s ``min_customers``).

    Returns
    -------
    list of Finding
        The NPS sentence (when given), then one sentence per indicator: its worst group against the
        reference, with the ratio and whether the difference is clear.
    """
    out = [] if nps_score is None else [_nps_finding(nps_score)]
    for label, t in tables.items():
        if t is None or t.empty:
            continue
        found = _group_finding(label, t, alpha, exposure_unit, value_per_customer, min_customers)
        if found is not None:
            out.append(found)
    return out
