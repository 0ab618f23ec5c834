"""Notebook 03's subscription findings, and the articles' common mistakes beside the right computation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.stats import compare_rates
from kpikit.subscriptions.churn import _churn_frame
from kpikit.subscriptions.ledger import _ledger
from kpikit.subscriptions.retention import _renewals_rate, renewal_rate

__all__ = ["common_mistakes", "findings"]


def common_mistakes(
    subscriptions: pd.DataFrame,
    period: str | pd.Timestamp,
    freq: str = "MS",
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The three classic errors of popular churn articles next to the right number, on the same data.

    For one period (a period start for ``freq``):
    1. churn from customers *added*: new customers / customers at start, vs lost / at start;
    2. renewal ratio inverted: active annual contracts / contracts renewed, vs renewed / due;
    3. expansion MRR as "average add-on x number of customers": (expansion MRR / expanding customers)
       x customers at start, vs the sum of each expanding customer's MRR increase.

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

    Returns
    -------
    DataFrame
        mistake, wrong, right, wrong_formula, right_formula.

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
    rows = [
        (
            "churn counted from customers added",
            added / start if start else np.nan,
            lost / start if start else np.nan,
            f"added / start = {added} / {start}",
            f"lost / start = {lost} / {start}",
        ),
        (
            "renewal rate inverted",
            annual_active / renewed if renewed else np.nan,
            renewed / due if due else np.nan,
            f"active annual / renewed = {annual_active} / {renewed}",
            f"renewed / due = {renewed} / {due}",
        ),
        (
            "expansion MRR multiplied",
            avg_addon * start,
            expansion,
            f"average add-on x customers = {avg_addon:.2f} x {start}",
            f"sum of increases of the {int(up.sum())} expanding customers",
        ),
    ]
    return pd.DataFrame(rows, columns=["mistake", "wrong", "right", "wrong_formula", "right_formula"])


def findings(
    churn_by_interval: pd.DataFrame | None = None,
    retention: pd.DataFrame | None = None,
    renewal: pd.DataFrame | None = None,
    movements: pd.DataFrame | None = None,
    by: str = "interval",
    alpha: float = 0.05,
) -> list[str]:
    """Plain-language findings from computed subscription KPIs.

    Parameters
    ----------
    churn_by_interval : DataFrame, optional
        :func:`summarise_churn` output with a ``by`` column (two or more segments): the highest and
        lowest churn are compared with a two-proportion test.
    retention : DataFrame, optional
        :func:`revenue_retention` output; the latest row is described.
    renewal : DataFrame, optional
        :func:`renewal_rate` output (rows with contracts due are pooled).
    movements : DataFrame, optional
        :func:`mrr_movements` output; the change over the whole span is described.
    by : str
        The segment column of ``churn_by_interval``.
    alpha : float
        p-value threshold for calling a churn difference clear.

    Returns
    -------
    list of str
        One sentence per finding, in the order MRR, churn by segment, retention, renewal.
    """
    out: list[str] = []
    if movements is not None and len(movements):
        first = float(movements["mrr_start"].iloc[0])
        last = float(movements["mrr_end"].iloc[-1])
        churned = float(movements["churn"].astype(float).sum())
        new = float(movements["new"].astype(float).sum())
        out.append(
            f"MRR went from {first:,.2f} to {last:,.2f} over {len(movements)} periods; new customers added "
            f"{new:,.2f} and churn took away {churned:,.2f} of monthly revenue."
        )
    if churn_by_interval is not None and len(churn_by_interval) >= 2:
        c = churn_by_interval.sort_values("churn_rate", ascending=False)
        hi, lo = c.iloc[0], c.iloc[-1]
        cmp = compare_rates((int(hi["churned"]), int(hi["at_risk"])), (int(lo["churned"]), int(lo["at_risk"])))
        verdict = "a clear difference" if cmp.p_value < alpha else "not a clear difference at this sample size"
        out.append(
            f"{by} '{hi[by]}' churns {hi['churn_rate']:.1%} per period (95% CI {hi['ci_low']:.1%}-{hi['ci_high']:.1%}) "
            f"against {lo['churn_rate']:.1%} for '{lo[by]}' ({lo['ci_low']:.1%}-{lo['ci_high']:.1%}): "
            f"{verdict} (p = {cmp.p_value:.2g})."
        )
    if retention is not None and len(retention):
        r = retention.iloc[-1]
        out.append(
            f"Of the customers paying on {r['base_period']:%Y-%m-%d}, {r['logo_retention']:.1%} still pay on "
            f"{r['end_period']:%Y-%m-%d}; gross revenue retention is {r['grr']:.1%} and net revenue retention "
            f"{r['nrr']:.1%}" + (" (expansion more than offsets losses)." if r["nrr"] > 1 else ".")
        )
    if renewal is not None and renewal["contracts_due"].sum() > 0:
        r = _renewals_rate(renewal, warn_small=False)
        out.append(
            f"{r.successes} of {r.trials} contracts up for renewal renewed: a renewal rate of {r.value:.1%} "
            f"(95% CI {r.low:.1%}-{r.high:.1%})."
        )
    return out
