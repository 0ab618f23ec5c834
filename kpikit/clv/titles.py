"""Chart titles of notebook 04 that state the finding, or stay neutral when the model is not identified.

A chart title is read as a conclusion ("Frequent buyers who went quiet are probably gone"). When the
data do not identify the model a chart rests on, the title describes the chart instead and says the
model is not identified. Titles are translatable :class:`~kpikit.i18n.Finding` objects (no impact):
``title.text(lang, currency)`` writes them in a report's language.
"""

from __future__ import annotations

import math

import pandas as pd

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.findings import _verdicts
from kpikit.clv.gamma_gamma import GammaGamma
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.segments import _ranked
from kpikit.clv.value import payback_period
from kpikit.i18n import Finding

__all__ = ["titles", "payback_title"]

_HOLDOUT = "Holdout purchases: the model is {error:pct} off in total"
_ALIVE = "Frequent buyers who went quiet are probably gone"
_ALIVE_NEUTRAL = "Probability that a customer still buys, by repeat purchases and recency (model not identified)"
_SKEWED = "Most customers are worth little: median {median:money} vs mean {mean:money}"
_SPREAD = "Predicted margin per customer: median {median:money}, mean {mean:money}"
_DISTRIBUTION_NEUTRAL = "Predicted margin per customer (models not identified: no conclusion)"
_LOWEST = "{segment} customers are worth the least: {clv:money} each"
_SEGMENTS_NEUTRAL = "Mean predicted margin per customer, by segment"
_PAYBACK = "A new customer pays back the {cac:money} CAC after {months:num1} months"
_NO_PAYBACK = "A new customer brings {value:money} of margin in {months:int} months: short of the {cac:money} CAC"
_PAYBACK_NEUTRAL = "Cumulative margin of a new customer against the CAC (models not identified)"


def payback_title(curve: pd.DataFrame, cac: float, currency: str | None = None) -> Finding:
    """Chart title stating whether and when a new customer's cumulative margin covers the CAC.

    Parameters
    ----------
    curve : DataFrame
        The frame of :func:`new_customer_value` over months.
    cac : float
        Acquisition cost per new customer.
    currency : str, optional
        ISO code of the amounts (a report writes them in its own currency).

    Returns
    -------
    Finding
        "A new customer pays back the ... CAC after N months", or what it brings short of the CAC.

    Examples
    --------
    >>> curve = pd.DataFrame({"period": [0, 1, 2], "cumulative_value": [10.0, 20.0, 30.0]})
    >>> str(payback_title(curve, 25.0)), str(payback_title(curve, 50.0))
    ('A new customer pays back the 25.00 CAC after 1.5 months', 'A new customer brings 30.00 of margin in 2 months: short of the 50.00 CAC')
    """
    pb = payback_period(curve, cac)
    if math.isnan(pb):
        fields = {
            "value": float(curve["cumulative_value"].iloc[-1]),
            "months": int(curve["period"].iloc[-1]),
            "cac": cac,
        }
        return Finding(_NO_PAYBACK, fields, currency=currency)
    return Finding(_PAYBACK, {"cac": cac, "months": pb}, currency=currency)


def titles(
    purchases: BetaGeo | ParetoNBD | None = None,
    spend_model: GammaGamma | None = None,
    *,
    totals: dict | None = None,
    clv: pd.DataFrame | None = None,
    by_segment: pd.DataFrame | None = None,
    segment_col: str | None = None,
    curve: pd.DataFrame | None = None,
    cac: float | None = None,
    currency: str | None = None,
) -> dict[str, Finding]:
    """Chart titles that state the finding, built from the numbers; neutral where a model is not identified.

    Parameters
    ----------
    purchases : BetaGeo or ParetoNBD, optional
        The fitted purchase model ("alive" title; its verdict gates the others).
    spend_model : GammaGamma, optional
        The fitted spend model (its verdict gates "distribution", "segments" and "payback").
    totals : dict, optional
        Output of :func:`holdout_totals` ("holdout").
    clv : DataFrame, optional
        Output of :func:`customer_lifetime_value` ("distribution"; its ``attrs`` carry the verdicts
        when the models are not given).
    by_segment : DataFrame, optional
        Output of :func:`clv_by_segment` ("segments").
    segment_col : str, optional
        Its segment column (default: its first column).
    curve : DataFrame, optional
        Output of :func:`new_customer_value` ("payback", with ``cac``).
    cac : float, optional
        The CAC of the payback chart.
    currency : str, optional
        ISO code of the amounts.

    Returns
    -------
    dict of str to Finding
        "holdout", "alive", "distribution", "segments", "payback": each present when its inputs are given.

    Examples
    --------
    >>> str(titles(totals={"relative_error": -0.031})["holdout"])
    'Holdout purchases: the model is 3.1% off in total'
    """
    purchase_ok, spend_ok = _verdicts(clv if clv is not None else by_segment, purchases, spend_model)
    both = purchase_ok and spend_ok
    out: dict[str, Finding] = {}
    if totals is not None:
        out["holdout"] = Finding(_HOLDOUT, {"error": abs(totals["relative_error"])})
    if purchases is not None:
        out["alive"] = Finding(_ALIVE if purchase_ok else _ALIVE_NEUTRAL)
    if clv is not None:
        median, mean = float(clv["clv"].median()), float(clv["clv"].mean())
        template = (_SKEWED if median < 0.8 * mean else _SPREAD) if both else _DISTRIBUTION_NEUTRAL
        out["distribution"] = Finding(template, {"median": median, "mean": mean}, currency=currency)
    if by_segment is not None:
        ranked = _ranked(by_segment)
        if both and len(ranked) > 1:
            low = ranked.iloc[0]
            label = segment_col or str(by_segment.columns[0])
            out["segments"] = Finding(_LOWEST, {"segment": low[label], "clv": low["clv"]}, currency=currency)
        else:
            out["segments"] = Finding(_SEGMENTS_NEUTRAL)
    if curve is not None and cac is not None:
        out["payback"] = payback_title(curve, cac, currency) if both else Finding(_PAYBACK_NEUTRAL)
    return out
