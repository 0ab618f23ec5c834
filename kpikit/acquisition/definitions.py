"""The one line a report shows to say which CAC and CPA it uses, so two reports of one client reconcile.

Notebook 02 (acquisition economics, its analysis period) and notebook 04 (LTV:CAC, the whole data
period) quote acquisition costs over different periods and for different purposes. Each shows
:func:`definitions_in_use` beside its CAC table: the definition of each figure, its spend and customers,
and the period, so a reader of both reports sees why two CACs differ (their periods and their bases)
instead of two unexplained numbers.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kpikit.i18n import Finding

__all__ = ["definitions_in_use"]

_LINE = "Definitions in use ({start:month} – {last:month}): {paid}; {blended}; {cpa}."
_PAID_CHANNELS = (
    "CAC = paid-media spend ({categories}) / new customers of the paid channels ({channels}) = "
    "{spend:money0} / {customers:int} = {cac:money}"
)
_PAID_COUNT = (
    "CAC = paid-media spend ({categories}) / paid-attributed new customers = {spend:money0} / {customers:sig} = "
    "{cac:money}"
)
_PAID_GIVEN = "CAC = {cac:money} per new customer, as given for this report (the same for every channel)"
_PAID_NONE = "paid CAC is not computed (no paid-attributed new customers)"
_BLENDED = (
    "blended CAC = all sales and marketing spend / all new customers = {spend:money0} / {customers:int} = {cac:money}"
)
_BLENDED_NONE = "blended CAC is not computed here (no spend table)"
_CPA = "CPA = cost / conversions of any kind, not only new customers = {cpa:money}"
_CPA_NONE = "CPA (cost per conversion of any kind, not only new customers) is not computed in this report"
_CATEGORY = "{category:term}"


def _figure(row: Any) -> dict | None:
    """spend, customers, cac of a row or dict, or None when its CAC is unknown."""
    if row is None:
        return None
    d = {k: row[k] for k in ("spend", "customers", "cac")}
    return d if d["cac"] is not None and math.isfinite(float(d["cac"])) else None


def _pooled_cpa(cpa: float | pd.DataFrame | None) -> float | None:
    if cpa is None:
        return None
    if isinstance(cpa, pd.DataFrame):
        paid = cpa[cpa["cost"] > 0]
        conversions = float(paid["conversions"].sum())
        return float(paid["cost"].sum()) / conversions if conversions > 0 else None
    value = float(cpa)
    return value if math.isfinite(value) else None


def definitions_in_use(costs: pd.DataFrame, cpa: float | pd.DataFrame | None = None) -> Finding:
    """The line that says which CAC and CPA a report uses, with their figures and period.

    "Definitions in use (Jan 2024 – Jun 2025): CAC = paid-media spend (digital) / new customers of the
    paid channels (Paid Search, Paid Social, Referral) = £220,155 / 1,676 = £131.36; blended CAC = all
    sales and marketing spend / all new customers = ...; CPA = cost / conversions of any kind, not only
    new customers = ...". Paid CAC, blended CAC and CPA answer different questions and differ by
    design; a report states which one it quotes, over which period, so that two reports of one client
    reconcile (notebook 02 over its analysis period, notebook 04 over the whole data).

    Parameters
    ----------
    costs : DataFrame
        The table of :func:`kpikit.acquisition.channel_cac` (paid and blended CAC in its ``attrs``, or a
        CAC given for the report), or of :func:`kpikit.acquisition.cac` (its "paid" and "blended" rows).
    cpa : float or DataFrame, optional
        The report's CPA, or the table of :func:`kpikit.acquisition.channel_economics` (pooled: cost /
        conversions over the channels with cost); None when the report computes none.

    Returns
    -------
    Finding
        The line (English text; ``.text("vi")`` in Vietnamese; money in the report's currency). It is a
        definition, not a finding: its impact is None.

    Examples
    --------
    >>> sp = pd.DataFrame({"period": pd.to_datetime(["2025-01-01"] * 2), "channel": ["Ads", "Team"],
    ...     "category": ["digital", "labour"], "cost": [300.0, 100.0]})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "channel": ["Ads", "Ads", "Ads", "Organic"],
    ...     "timestamp": pd.to_datetime(["2025-01-03", "2025-01-09", "2025-01-20", "2025-01-30"])})
    >>> from kpikit.acquisition import channel_cac
    >>> print(definitions_in_use(channel_cac(sp, tx)))  # doctest: +NORMALIZE_WHITESPACE
    Definitions in use (Jan 2025 – Jan 2025): CAC = paid-media spend (digital) / new customers of the paid
    channels (Ads) = 300 / 3 = 100.00; blended CAC = all sales and marketing spend / all new customers =
    400 / 4 = 100.00; CPA (cost per conversion of any kind, not only new customers) is not computed in
    this report.
    """
    a = costs.attrs
    if "variant" in costs.columns:
        rows = costs.set_index("variant")
        paid = _figure(rows.loc["paid"]) if "paid" in rows.index else None
        blended = _figure(rows.loc["blended"]) if "blended" in rows.index else None
        channels, categories, given = a.get("paid_channels"), a.get("paid_categories", ["digital"]), None
    else:
        paid, blended = _figure(a.get("paid")), _figure(a.get("blended"))
        channels, categories, given = a.get("channels"), a.get("categories", ["digital"]), a.get("given")
    cats = [Finding(_CATEGORY, {"category": c}) for c in categories]
    if given is not None:
        paid_part = Finding(_PAID_GIVEN, {"cac": given})
    elif paid is None:
        paid_part = Finding(_PAID_NONE)
    elif channels is not None:
        paid_part = Finding(_PAID_CHANNELS, {**paid, "categories": cats, "channels": ", ".join(map(str, channels))})
    else:
        paid_part = Finding(_PAID_COUNT, {**paid, "categories": cats})
    blended_part = Finding(_BLENDED, blended) if blended is not None else Finding(_BLENDED_NONE)
    pooled = _pooled_cpa(cpa)
    cpa_part = Finding(_CPA, {"cpa": pooled}) if pooled is not None else Finding(_CPA_NONE)
    start, end = pd.Timestamp(a["start"]), pd.Timestamp(a["end"])
    fields = {"start": start, "last": end - pd.Timedelta(days=1), "paid": paid_part, "blended": blended_part}
    return Finding(_LINE, {**fields, "cpa": cpa_part})
