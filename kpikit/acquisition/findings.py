"""Findings on acquisition economics, as translatable sentences with their business impact."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.i18n import Finding

__all__ = ["findings"]


_BLENDED = "Blended CAC is {cac:money0} ({spend:money0} of spend over {customers:int} new customers)."
_SPLIT = "Of that, per new customer: {parts}."
_SPLIT_PART = "{category:term} {cac:money0}"
_PAID = "Paid CAC (paid media over paid-attributed customers) is {cac:money0}."
_PAYBACK = {
    True: "CAC is paid back in {months:num1} months, within the 12-month rule of thumb.",
    False: "CAC is paid back in {months:num1} months, beyond the 12-month rule of thumb.",
}
_ROAS = "Best return on spend: {best} (ROAS {best_roas:num1}); weakest: {worst} (ROAS {worst_roas:num1})."
_LOSING = "Channels whose attributed revenue does not cover their cost (ROI < 0): {channels}."
_UNTRACKED = (
    "{channels} had spend but never appear in the customer journeys: what they return cannot be measured "
    "from them (their touchpoints may not be tracked)."
)


def findings(
    cac_table: pd.DataFrame,
    economics: pd.DataFrame | None = None,
    payback_months: float | None = None,
    currency: str | None = None,
) -> list[Finding]:
    """Findings on acquisition economics, from :func:`cac` and :func:`channel_economics`.

    Blended CAC with its spend and customers, the split by category, paid CAC, the payback against
    the 12-month rule of thumb, the best and weakest ROAS, and the channels with negative ROI.

    Impact (to rank findings): money lost over the period of the tables, in the report's currency: for
    channels with negative ROI, their cost less the revenue (times the margin, when the economics were
    computed with one) they earned back; for a payback beyond 12 months, the CAC not earned back in a
    year (CAC x (1 - 12 / payback months)) times the period's new customers; 0 for a payback within 12
    months; descriptions (CAC figures, ROAS) have none.

    Parameters
    ----------
    cac_table : DataFrame
        Result of :func:`cac`.
    economics : DataFrame, optional
        Result of :func:`channel_economics`.
    payback_months : float, optional
        Result of :func:`cac_payback_months`.
    currency : str, optional
        ISO code of the amounts (a report writes them in its own currency).

    Returns
    -------
    list of Finding
        One translatable sentence per finding (``str()`` is the English text).
    """
    out = []
    c = cac_table.set_index("variant")

    def known(v: str) -> bool:
        return v in c.index and not np.isnan(c.loc[v, "cac"])

    if known("blended"):
        b = c.loc["blended"]
        fields = {"cac": b["cac"], "spend": b["spend"], "customers": int(b["customers"])}
        out.append(Finding(_BLENDED, fields, currency=currency))
    parts = [Finding(_SPLIT_PART, {"category": v, "cac": c.loc[v, "cac"]}) for v in ("digital", "outbound") if known(v)]
    if parts:
        out.append(Finding(_SPLIT, {"parts": parts}, currency=currency))
    if known("paid"):
        out.append(Finding(_PAID, {"cac": c.loc["paid", "cac"]}, currency=currency))
    if payback_months is not None and np.isfinite(payback_months):
        within = payback_months <= 12
        impact = None
        if known("blended"):
            b = c.loc["blended"]
            impact = 0.0 if within else float(b["cac"] * (1 - 12 / payback_months) * b["customers"])
        out.append(Finding(_PAYBACK[within], {"months": payback_months}, impact, currency))
    if economics is not None:
        out += _economics_findings(economics, currency)
    return out


def _economics_findings(economics: pd.DataFrame, currency: str | None) -> list[Finding]:
    """The best and weakest ROAS, and the channels whose revenue does not cover their cost."""
    out = []
    e = economics.dropna(subset=["roas"])
    e = e[e["cost"] > 0]
    if len(e):
        best, worst = e.loc[e["roas"].idxmax()], e.loc[e["roas"].idxmin()]
        fields = {
            "best": best["channel"],
            "best_roas": best["roas"],
            "worst": worst["channel"],
            "worst_roas": worst["roas"],
        }
        out.append(Finding(_ROAS, fields, currency=currency))
    losing = e[e["roi"] < 0]
    if len(losing):
        lost = float((-losing["roi"] * losing["cost"]).sum())  # cost - margin earned back = -roi x cost
        names = ", ".join(map(str, losing["channel"]))
        out.append(Finding(_LOSING, {"channels": names}, lost, currency))
    if "in_journeys" in economics.columns:  # spend the journeys cannot account for: said, never scored
        untracked = economics[(economics["cost"] > 0) & ~economics["in_journeys"].astype(bool)]
        if len(untracked):
            out.append(Finding(_UNTRACKED, {"channels": ", ".join(map(str, untracked["channel"]))}))
    return out
