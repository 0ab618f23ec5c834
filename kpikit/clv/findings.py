"""What notebook 04 reports: findings in plain words, headline KPIs, and result dicts as tables.

Two rules keep weak numbers out of the findings and the headline KPIs:

- **Identification.** When the data do not identify a fitted model's parameters (see
  :mod:`kpikit.stats.mle`), nothing that rests on that model becomes a finding: an unidentified
  purchase model takes P(alive), "probably gone", CLV, the segment comparison and LTV:CAC with it; an
  unidentified spend model takes CLV, the segment comparison and LTV:CAC. A caveat says so instead,
  and the KPIs record the verdict.
- **Small segments.** Segments with fewer than ``min_customers`` customers are flagged in the tables
  and left out of best/worst statements, rankings and the per-segment KPIs.
"""

from __future__ import annotations

import math

import pandas as pd

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.gamma_gamma import GammaGamma
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import UNIT_NAMES
from kpikit.clv.segments import _ranked, mean_clv
from kpikit.clv.validation import share_probably_gone

__all__ = ["findings", "headline_kpis", "as_frame"]


def _verdicts(clv: pd.DataFrame, purchases, spend_model) -> tuple[bool, bool, str]:
    """(purchase model identified, spend model identified, caveat) from the models or ``clv.attrs``."""
    given = clv.attrs.get("identified", {}) if isinstance(clv.attrs.get("identified"), dict) else {}
    ok = {}
    caveats = []
    for key, model in (("purchases", purchases), ("spend", spend_model)):
        if model is not None:
            ok[key] = bool(getattr(model, "identified_", True))
            if not ok[key]:
                caveats.append(model.verdict())
        else:
            ok[key] = bool(given.get(key, True))
    caveat = " ".join(caveats) if (purchases is not None or spend_model is not None) else clv.attrs.get("caveat", "")
    return ok["purchases"], ok["spend"], caveat


def _small(table: pd.DataFrame | None, name_col: str) -> list[str]:
    if table is None or "small_sample" not in table:
        return []
    return [str(v) for v in table.loc[table["small_sample"].astype(bool), name_col]]


def _caveat_finding(purchase_ok: bool, caveat: str) -> str:
    lost = (
        "how many customers have stopped buying, what customers are worth, which segment is worth the least and LTV:CAC"
        if not purchase_ok
        else "what customers are worth, which segment is worth the least and LTV:CAC"
    )
    return (
        f"Caveat: {caveat} This report therefore does not state {lost}: those figures rest on the model. Try a "
        "longer observation window, a coarser purchase grain or the other purchase model before reading them."
    )


def findings(
    historical: dict,
    clv: pd.DataFrame,
    totals: dict,
    by_segment: pd.DataFrame | None = None,
    segment_col: str = "channel",
    ratios: pd.DataFrame | None = None,
    horizon: int = 12,
    freq: str = "M",
    currency: str = "",
    *,
    purchases: BetaGeo | ParetoNBD | None = None,
    spend_model: GammaGamma | None = None,
) -> list[str]:
    """Plain-language findings built from the CLV results (for ``kk.report.show_findings``).

    Findings that rest on a model the data do not identify are replaced by one caveat (see the module
    docstring); segments flagged ``small_sample`` (:func:`clv_by_segment`, :func:`ltv_cac`) are left
    out of the best/worst and LTV:CAC statements, which say so.

    Parameters
    ----------
    historical : dict
        Output of :func:`historical_clv`.
    clv : DataFrame
        Output of :func:`customer_lifetime_value` (``clv`` and ``p_alive`` per customer; its ``attrs``
        carry the models' verdicts when ``purchases`` and ``spend_model`` are not given).
    totals : dict
        Output of :func:`holdout_totals`.
    by_segment : DataFrame, optional
        Output of :func:`clv_by_segment` over ``segment_col``.
    segment_col : str
        The segment column of ``by_segment``.
    ratios : DataFrame, optional
        Output of :func:`ltv_cac`.
    horizon : int
        Horizon of ``clv``, in ``freq`` periods.
    freq : str
        Period of the horizon ("M" months...).
    currency : str
        Currency label put before amounts (with its trailing space, "" for none).
    purchases : BetaGeo or ParetoNBD, optional
        The fitted purchase model (its identification verdict is used).
    spend_model : GammaGamma, optional
        The fitted spend model.

    Returns
    -------
    list of str
        One sentence per finding: average CLV against the simple formula, share probably gone,
        concentration in the top 10%, the holdout check, the weakest segment, LTV:CAC; or the caveat
        and the holdout check when a model is not identified.
    """
    purchase_ok, spend_ok, caveat = _verdicts(clv, purchases, spend_model)
    unit = UNIT_NAMES.get(freq, freq)
    out = []
    if not (purchase_ok and spend_ok):
        out.append(_caveat_finding(purchase_ok, caveat))
    if purchase_ok and spend_ok:
        out.append(
            f"The average customer is expected to bring {currency}{float(clv['clv'].mean()):,.2f} of margin over the "
            f"next {horizon} {unit} (discounted). The simple formula says {currency}{historical['clv']:,.2f} over an "
            f"assumed {historical['lifespan_years']:g}-year lifespan, counting every customer as buying at the "
            "average rate throughout, although many have already stopped."
        )
    if purchase_ok:
        gone = share_probably_gone(clv["p_alive"])
        out.append(f"{gone:.0%} of customers have probably stopped buying (P(alive) below 50%).")
    if purchase_ok and spend_ok:
        top = clv["clv"].sort_values(ascending=False)
        n10 = max(1, int(round(0.1 * len(top))))
        share = float(top.iloc[:n10].sum() / top.sum()) if top.sum() > 0 else math.nan
        out.append(f"The top 10% of customers hold {share:.0%} of the expected future value.")
    out.append(_holdout_finding(totals))
    if purchase_ok and spend_ok:
        out.extend(_segment_findings(by_segment, segment_col, ratios, currency))
    return out


def _holdout_finding(totals: dict) -> str:
    err = totals["relative_error"]
    verdict = (
        "within 10%, so the model tracks this customer base well"
        if abs(err) <= 0.10
        else ("more than 10% off: read the forecasts with caution")
    )
    return (
        f"On the holdout period the model predicted {totals['predicted']:,.0f} purchases against "
        f"{totals['actual']:,.0f} actual ({err:+.1%}), {verdict}."
    )


def _segment_findings(by_segment, segment_col: str, ratios, currency: str) -> list[str]:
    """The weakest against the strongest segment, and LTV:CAC, among segments that are not small."""
    out = []
    if by_segment is not None:
        seg = _ranked(by_segment)
        small = _small(by_segment, segment_col)
        left_out = (
            f" ({len(small)} segment(s) with too few customers to compare are left out: {', '.join(small)}.)"
            if small
            else ""
        )
        if len(seg) > 1:
            lo, hi = seg.iloc[0], seg.iloc[-1]
            separated = lo["ci_high"] < hi["ci_low"]
            out.append(
                f"Customers from {lo[segment_col]} are worth the least ({currency}{lo['clv']:,.2f} on average vs "
                f"{currency}{hi['clv']:,.2f} for {hi[segment_col]}); "
                + (
                    "the intervals do not overlap."
                    if separated
                    else "the intervals overlap, so the gap is not certain."
                )
                + left_out
            )
        elif small:
            out.append(f"Too few segments have enough customers to compare.{left_out}")
    if ratios is not None:
        small = _small(ratios, "segment")
        kept = ratios[~ratios["small_sample"].astype(bool)] if "small_sample" in ratios else ratios
        weak = kept.loc[kept["ltv_cac"] < 3, "segment"].tolist()
        if weak:
            out.append(f"LTV:CAC is below the 3:1 rule of thumb for {', '.join(weak)}.")
        elif len(kept):
            out.append("LTV:CAC meets the 3:1 rule of thumb everywhere.")
        if small:
            out.append(f"LTV:CAC is not judged for {', '.join(small)}: too few customers.")
    return out


def headline_kpis(
    historical: dict,
    clv: pd.DataFrame,
    totals: dict,
    *,
    purchases: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    by_segment: pd.DataFrame,
    ratios: pd.DataFrame,
    segment_col: str = "channel",
    level: float = 0.95,
) -> dict:
    """The headline KPIs of a CLV forecast, for ``kk.report.record_kpis``.

    Parameters
    ----------
    historical : dict
        Output of :func:`historical_clv`.
    clv : DataFrame
        Output of :func:`customer_lifetime_value` (``clv`` and ``p_alive`` per customer).
    totals : dict
        Output of :func:`holdout_totals` (actual, predicted, relative_error).
    purchases, spend_model : fitted models
        The purchase model (BetaGeo or ParetoNBD) and the GammaGamma spend model.
    by_segment : DataFrame
        Output of :func:`clv_by_segment` over ``segment_col`` (segments flagged ``small_sample`` are
        left out of the per-segment KPIs).
    ratios : DataFrame
        Output of :func:`ltv_cac` (rows flagged ``small_sample`` left out likewise).
    segment_col : str
        The segment column of ``by_segment``.
    level : float
        Confidence level of the mean CLV's interval.

    Returns
    -------
    dict
        historical_clv; mean_clv (Score: mean CLV with its log-scale interval, :func:`mean_clv`);
        total_clv; share_probably_gone (share of customers with P(alive) < 0.5); model ("bgnbd" or
        "pareto"); purchase_params and spend_params; purchase_model_identified and
        spend_model_identified (the identification verdicts); holdout_actual, holdout_predicted,
        holdout_relative_error; clv_by_channel (segment -> mean CLV) and lowest_clv_channel; ltv_cac
        (segment -> ratio); payback_months (segment -> months, only where the curve pays back). The
        channel keys keep these names whatever ``segment_col`` is. When a model is not identified, the
        KPIs that rest on it are left out and ``model_caveat`` says why (see the module docstring).
    """
    purchase_ok, spend_ok, caveat = _verdicts(clv, purchases, spend_model)
    seg = _ranked(by_segment)
    listed = by_segment.loc[seg.index.sort_values()]  # the ranked segments in the table's order
    kept = ratios[~ratios["small_sample"].astype(bool)] if "small_sample" in ratios else ratios
    values = purchase_ok and spend_ok
    out = {
        "historical_clv": historical["clv"],
        "mean_clv": mean_clv(clv["clv"], level=level) if values else None,
        "total_clv": float(clv["clv"].sum()) if values else None,
        "share_probably_gone": share_probably_gone(clv["p_alive"]) if purchase_ok else None,
        "model": "pareto" if isinstance(purchases, ParetoNBD) else "bgnbd",
        "purchase_params": purchases.params_.to_dict(),
        "spend_params": spend_model.params_.to_dict(),
        "purchase_model_identified": purchase_ok,
        "spend_model_identified": spend_ok,
        "holdout_actual": totals["actual"],
        "holdout_predicted": totals["predicted"],
        "holdout_relative_error": totals["relative_error"],
        "clv_by_channel": dict(zip(listed[segment_col], listed["clv"])) if values else None,
        "lowest_clv_channel": str(seg.iloc[0][segment_col]) if values and len(seg) else None,
        "ltv_cac": dict(zip(kept["segment"], kept["ltv_cac"])) if values else None,
        "payback_months": (
            {k: v for k, v in zip(kept["segment"], kept["payback_months"]) if not pd.isna(v)} if values else None
        ),
    }
    if not values:
        out["model_caveat"] = caveat
    return {k: v for k, v in out.items() if v is not None}


def as_frame(result: dict) -> pd.DataFrame:
    """A one-row frame of a result dict (historical_clv, holdout_totals), for display.

    Parameters
    ----------
    result : dict
        The result to show.

    Returns
    -------
    DataFrame
        One row, one column per key.
    """
    return pd.DataFrame([dict(result)])
