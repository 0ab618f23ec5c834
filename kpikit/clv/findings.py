"""What notebook 04 finds, in plain words: translatable findings ranked by the margin they put at stake.

Two rules keep weak numbers out of the findings:

- **Identification.** When the data do not identify a fitted model's parameters (see
  :mod:`kpikit.stats.mle`), nothing that rests on that model becomes a finding: an unidentified
  purchase model takes "probably gone", CLV, the segment comparison and LTV:CAC with it; an
  unidentified spend model takes CLV, the segment comparison and LTV:CAC. A caveat says so instead.
- **Small segments.** Segments with fewer than ``min_customers`` customers are flagged in the tables
  and left out of best/worst statements, rankings and the per-segment KPIs.

**Impact** (what ranks the findings in a report's summary) is *margin a year*, in the report's
currency: for channels whose new customers return less than they cost, (CAC - LTV) x their new
customers a year; for channels above 1 but below the 3:1 rule, (CAC - LTV / 3) x new customers a year
(the spend above what the rule allows); for the weakest segment, its gap in CLV to the strongest x its
customers, a year (0 when the intervals overlap); for the holdout check, the purchases the model got
wrong, a year, x the average order x the margin; for the mean CLV against the simple formula, the
margin a year by which the formula overstates the customer base; for the caveat on an unidentified
model, the margin a year of the whole customer base (everything the forecast would describe). The
share probably gone, the concentration in the top 10% and the payback figure are descriptions: no
impact (they sort last).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.gamma_gamma import GammaGamma
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import DAYS_PER
from kpikit.clv.segments import _ranked
from kpikit.clv.validation import share_probably_gone
from kpikit.clv.value import payback_period
from kpikit.i18n import Finding

__all__ = ["findings"]

_CAVEAT = {
    True: (
        "Caveat: the purchase model ({model}) is not identified by this data, so this report does not state how "
        "many customers have stopped buying, what customers are worth, which channel is worth the least or "
        "LTV:CAC: those figures rest on it. A longer observation window, a coarser purchase grain (weeks) or "
        "the other purchase model may identify it."
    ),
    False: (
        "Caveat: the spend model ({model}) is not identified by this data, so this report does not state what "
        "customers are worth, which channel is worth the least or LTV:CAC: those figures rest on it. More "
        "repeat purchases (a longer observation window) may identify it."
    ),
}
_HORIZON = {
    "M": "{n:int} months",
    "Q": "{n:int} quarters",
    "Y": "{n:int} years",
    "W": "{n:int} weeks",
    "D": "{n:int} days",
}
_MEAN = (
    "The average customer is expected to bring {clv:money} of margin over the next {horizon} (discounted). The "
    "simple formula says {historical:money} over an assumed {lifespan:sig}-year lifespan, counting every "
    "customer as buying at the average rate throughout, although many have already stopped."
)
_GONE = "{share:pct0} of customers have probably stopped buying (probability of still buying below 50%)."
_TOP = "The top 10% of customers hold {share:pct0} of the expected future value."
_HOLDOUT = {
    (True, True): (
        "On the holdout period the model predicted {predicted:int} purchases against {actual:int} actual "
        "({error:pct} too many), within 10%, so the model tracks this customer base well."
    ),
    (True, False): (
        "On the holdout period the model predicted {predicted:int} purchases against {actual:int} actual "
        "({error:pct} too few), within 10%, so the model tracks this customer base well."
    ),
    (False, True): (
        "On the holdout period the model predicted {predicted:int} purchases against {actual:int} actual "
        "({error:pct} too many), more than 10% off: read the forecasts with caution."
    ),
    (False, False): (
        "On the holdout period the model predicted {predicted:int} purchases against {actual:int} actual "
        "({error:pct} too few), more than 10% off: read the forecasts with caution."
    ),
}
_WEAKEST = {
    True: (
        "Customers from {low} are worth the least ({low_clv:money} on average vs {high_clv:money} for {high}); "
        "the intervals do not overlap."
    ),
    False: (
        "Customers from {low} are worth the least ({low_clv:money} on average vs {high_clv:money} for {high}); "
        "the intervals overlap, so the gap is not certain."
    ),
}
_LEFT_OUT = "Segments with too few customers to compare are left out: {segments}."
_TOO_FEW = "Too few segments have enough customers to compare."
_LOSS = {
    (False, True): (
        "Paid channels return less than they cost: new customers from {channels} bring {ltv:money} of margin "
        "each over {months:int} months against a CAC of {cac:money} (LTV:CAC {ratio:ratio}), a loss of about "
        "{loss:money0} a year."
    ),
    (False, False): (
        "Paid channels return less than they cost: new customers from {channels} bring {ltv:money} of margin "
        "each over {months:int} months against a CAC of {cac:money} (LTV:CAC {ratio:ratio})."
    ),
    (True, True): (
        "At the given CAC, customers from {channels} return less than they cost: {ltv:money} of margin each over "
        "{months:int} months against {cac:money} (LTV:CAC {ratio:ratio}), a loss of about {loss:money0} a year."
    ),
    (True, False): (
        "At the given CAC, customers from {channels} return less than they cost: {ltv:money} of margin each over "
        "{months:int} months against {cac:money} (LTV:CAC {ratio:ratio})."
    ),
}
_RULE = "LTV:CAC is above 1 but below the 3:1 rule of thumb for {ratios}: these channels return more than they cost, with little room for error."
_RATIO = "{segment} ({ratio:ratio})"
_RULE_OK = "LTV:CAC meets the 3:1 rule of thumb everywhere."
_LOSS_ALL = {
    True: (
        "New customers return less than they cost: {ltv:money} of margin each over {months:int} months against a "
        "CAC of {cac:money} (LTV:CAC {ratio:ratio}), a loss of about {loss:money0} a year."
    ),
    False: (
        "New customers return less than they cost: {ltv:money} of margin each over {months:int} months against a "
        "CAC of {cac:money} (LTV:CAC {ratio:ratio})."
    ),
}
_RULE_ALL = (
    "LTV:CAC is {ratio:ratio}: new customers return more than they cost, but below the 3:1 rule of thumb, with "
    "little room for error."
)
_RULE_OK_ALL = "LTV:CAC is {ratio:ratio}, which meets the 3:1 rule of thumb."
_NOT_JUDGED = "LTV:CAC is not judged for {segments}: too few customers."
_PAYBACK = "A new customer pays back the {cac:money} CAC after {months:num1} months."
_NO_PAYBACK = "A new customer brings {value:money} of margin in {months:int} months: short of the {cac:money} CAC."


def _verdicts(clv: pd.DataFrame | None, purchases, spend_model) -> tuple[bool, bool]:
    """(purchase model identified, spend model identified), from the models or ``clv.attrs``."""
    given = (clv.attrs.get("identified") if clv is not None else None) or {}
    ok = {}
    for key, model in (("purchases", purchases), ("spend", spend_model)):
        ok[key] = bool(getattr(model, "identified_", True)) if model is not None else bool(given.get(key, True))
    return ok["purchases"], ok["spend"]


def _label(model, clv: pd.DataFrame | None, key: str, fallback: str) -> str:
    """The model's name: from the model, else from ``clv.attrs["models"]`` (:func:`customer_lifetime_value`)."""
    if model is not None:
        return getattr(model, "_label", fallback)
    named = (clv.attrs.get("models") if clv is not None else None) or {}
    return str(named.get(key, fallback))


def _yearly_margin(historical: dict | None) -> float | None:
    """Margin a year of the customer base by the simple formula's inputs (revenue / years x margin)."""
    if not historical or not {"revenue", "years_observed", "margin"} <= set(historical):
        return None
    return historical["revenue"] / historical["years_observed"] * historical["margin"]


def _small(table: pd.DataFrame | None, name_col: str) -> list[str]:
    if table is None or "small_sample" not in table:
        return []
    return [str(v) for v in table.loc[table["small_sample"].astype(bool), name_col]]


def findings(
    historical: dict | None = None,
    clv: pd.DataFrame | None = None,
    totals: dict | None = None,
    by_segment: pd.DataFrame | None = None,
    segment_col: str = "channel",
    ratios: pd.DataFrame | None = None,
    horizon: int = 12,
    freq: str = "M",
    currency: str | None = None,
    *,
    purchases: BetaGeo | ParetoNBD | None = None,
    spend_model: GammaGamma | None = None,
    curve: pd.DataFrame | None = None,
    cac: float | None = None,
) -> list[Finding]:
    """Notebook 04's findings, from whichever results a section has (each part is optional).

    With ``clv``: the caveat when a model is not identified, else the average CLV against the simple
    formula (needs ``historical``), the share probably gone and the concentration in the top 10%; with
    ``totals``: the holdout check; with ``by_segment``: the weakest segment against the strongest; with
    ``ratios``: channels that return less than they cost (LTV:CAC below 1), those below the 3:1 rule,
    those too small to judge; with ``curve`` and ``cac``: the payback. Findings that rest on a model the
    data do not identify are left out (see the module notes); impacts are margin a year (module notes).

    Parameters
    ----------
    historical : dict, optional
        Output of :func:`historical_clv` (also the average order and margin of the holdout's impact).
    clv : DataFrame, optional
        Output of :func:`customer_lifetime_value` (``clv`` and ``p_alive`` per customer; its ``attrs``
        carry the models' verdicts when ``purchases`` and ``spend_model`` are not given).
    totals : dict, optional
        Output of :func:`holdout_totals`.
    by_segment : DataFrame, optional
        Output of :func:`clv_by_segment` over ``segment_col``.
    segment_col : str
        The segment column of ``by_segment``.
    ratios : DataFrame, optional
        Output of :func:`ltv_cac` (with a CAC table of ``kk.acquisition.channel_cac``, it brings the new
        customers a year that the impact needs; the LTV's horizon comes from :func:`new_customer_values`,
        24 months when unknown).
    horizon : int
        Horizon of ``clv``, in ``freq`` periods.
    freq : str
        Period of the horizon ("M" months, "Q", "Y", "W", "D").
    currency : str, optional
        ISO code of the amounts (a report writes them in its own currency).
    purchases : BetaGeo or ParetoNBD, optional
        The fitted purchase model (its identification verdict is used).
    spend_model : GammaGamma, optional
        The fitted spend model.
    curve : DataFrame, optional
        Output of :func:`new_customer_value` (monthly), for the payback.
    cac : float, optional
        The CAC the payback is measured against (the paid CAC of ``kk.acquisition``).

    Returns
    -------
    list of Finding
        Translatable sentences (``str()`` is the English text) with their impact.
    """
    purchase_ok, spend_ok = _verdicts(clv, purchases, spend_model)
    both = purchase_ok and spend_ok
    out: list[Finding] = []
    if clv is not None:
        out += _value_findings(historical, clv, purchases, spend_model, purchase_ok, spend_ok, horizon, freq, currency)
    if totals is not None:
        out.append(_holdout_finding(totals, historical, currency))
    if both and by_segment is not None:
        out += _segment_findings(by_segment, segment_col, horizon, freq, currency)
    if both and ratios is not None:
        out += _ratio_findings(ratios, currency)
    if both and curve is not None and cac is not None:
        out.append(_payback_finding(curve, cac, currency))
    return out


def _value_findings(historical, clv, purchases, spend_model, purchase_ok, spend_ok, horizon, freq, currency):
    out = []
    if not (purchase_ok and spend_ok):
        if not purchase_ok:
            model = _label(purchases, clv, "purchases", "BG/NBD")
        else:
            model = _label(spend_model, clv, "spend", "Gamma-Gamma")
        out.append(Finding(_CAVEAT[not purchase_ok], {"model": model}, _yearly_margin(historical), currency))
        if not purchase_ok:
            return out
    if purchase_ok and spend_ok and historical is not None:
        per_year = 365.25 / (DAYS_PER.get(freq, 30.4375) * horizon)
        mean = float(clv["clv"].mean())
        overstated = (historical["clv"] / historical["lifespan_years"] - mean * per_year) * len(clv)
        fields = {
            "clv": mean,
            "horizon": Finding(_HORIZON.get(freq, _HORIZON["M"]), {"n": horizon}),
            "historical": historical["clv"],
            "lifespan": historical["lifespan_years"],
        }
        out.append(Finding(_MEAN, fields, max(overstated, 0.0), currency))
    out.append(Finding(_GONE, {"share": share_probably_gone(clv["p_alive"])}))
    if purchase_ok and spend_ok:
        top = clv["clv"].sort_values(ascending=False)
        n10 = max(1, int(round(0.1 * len(top))))
        share = float(top.iloc[:n10].sum() / top.sum()) if top.sum() > 0 else math.nan
        out.append(Finding(_TOP, {"share": share}))
    return out


def _holdout_finding(totals: dict, historical: dict | None, currency: str | None) -> Finding:
    """The holdout check; impact: purchases mispredicted a year x average order x margin."""
    err = totals["relative_error"]
    fields = {"predicted": totals["predicted"], "actual": totals["actual"], "error": abs(err)}
    impact = None
    if historical is not None and totals.get("holdout_days"):
        wrong = abs(totals["predicted"] - totals["actual"]) * 365.25 / totals["holdout_days"]
        impact = wrong * historical["aov"] * historical["margin"]
    return Finding(_HOLDOUT[(abs(err) <= 0.10, err >= 0)], fields, impact, currency)


def _segment_findings(by_segment, segment_col: str, horizon: int, freq: str, currency) -> list[Finding]:
    """The weakest against the strongest segment, among segments that are not small."""
    out = []
    seg = _ranked(by_segment)
    small = _small(by_segment, segment_col)
    if len(seg) > 1:
        lo, hi = seg.iloc[0], seg.iloc[-1]
        separated = bool(lo["ci_high"] < hi["ci_low"])
        per_year = 365.25 / (DAYS_PER.get(freq, 30.4375) * horizon)
        gap = (hi["clv"] - lo["clv"]) * lo["customers"] * per_year if separated else 0.0
        fields = {"low": lo[segment_col], "low_clv": lo["clv"], "high": hi[segment_col], "high_clv": hi["clv"]}
        out.append(Finding(_WEAKEST[separated], fields, gap, currency))
    elif small:
        out.append(Finding(_TOO_FEW))
    if small:
        out.append(Finding(_LEFT_OUT, {"segments": ", ".join(small)}))
    return out


def _ratio_findings(ratios: pd.DataFrame, currency: str | None) -> list[Finding]:
    """Channels returning less than they cost, below the 3:1 rule, or too small to judge.

    Without segments (one row "all": a CAC given for every customer, no channel column), the same
    statements are made of new customers as a whole.
    """
    out = []
    small = _small(ratios, "segment")
    kept = ratios[~ratios["small_sample"].astype(bool)] if "small_sample" in ratios else ratios
    whole = kept["segment"].astype(str).tolist() == ["all"]
    years, given = ratios.attrs.get("years"), ratios.attrs.get("given") is not None
    counts = kept["new_customers"] if "new_customers" in kept else None
    per_year = counts / years if counts is not None and years else None
    losing = kept[kept["ltv_cac"] < 1]
    if len(losing):
        w = (counts if counts is not None else losing.get("customers", pd.Series(1.0, index=kept.index))).loc[
            losing.index
        ]
        ltv, cost = np.average(losing["ltv"], weights=w), np.average(losing["cac"], weights=w)
        loss = (
            float(((losing["cac"] - losing["ltv"]) * per_year.loc[losing.index]).sum())
            if per_year is not None
            else None
        )
        fields = {
            "channels": ", ".join(losing["segment"]),
            "ltv": ltv,
            "cac": cost,
            "ratio": ltv / cost,
            "months": ratios.attrs.get("horizon") or 24,  # new_customer_values' default when the LTV came without it
            "loss": loss,
        }
        template = _LOSS_ALL[loss is not None] if whole else _LOSS[(given, loss is not None)]
        out.append(Finding(template, fields, loss, currency))
    weak = kept[(kept["ltv_cac"] >= 1) & (kept["ltv_cac"] < 3)]
    if len(weak):
        excess = (
            float(((weak["cac"] - weak["ltv"] / 3) * per_year.loc[weak.index]).sum()) if per_year is not None else None
        )
        if whole:
            out.append(Finding(_RULE_ALL, {"ratio": float(weak["ltv_cac"].iloc[0])}, excess, currency))
        else:
            pairs = zip(weak["segment"], weak["ltv_cac"])
            ratios_text = [Finding(_RATIO, {"segment": s, "ratio": r}) for s, r in pairs]
            out.append(Finding(_RULE, {"ratios": ratios_text}, excess, currency))
    if len(kept) and not len(losing) and not len(weak):
        ratio = float(kept["ltv_cac"].iloc[0])
        out.append(Finding(_RULE_OK_ALL, {"ratio": ratio}, 0.0) if whole else Finding(_RULE_OK, impact=0.0))
    if small:
        out.append(Finding(_NOT_JUDGED, {"segments": ", ".join(small)}))
    return out


def _payback_finding(curve: pd.DataFrame, cac: float, currency: str | None) -> Finding:
    pb = payback_period(curve, cac)
    if math.isnan(pb):
        fields = {
            "value": float(curve["cumulative_value"].iloc[-1]),
            "months": int(curve["period"].iloc[-1]),
            "cac": cac,
        }
        return Finding(_NO_PAYBACK, fields, currency=currency)
    return Finding(_PAYBACK, {"cac": cac, "months": pb}, currency=currency)
