"""Notebook 04's KPIs: the figures a report records per section, and the check that a model is identified.

A report records each KPI where it is computed (``rep.kpi``), so a section the data cannot feed never
takes the others down. Figures that rest on a fitted model are recorded only when the data identify
it: :func:`require_identified` stops the section's KPI cell with a note otherwise (the caveat itself is
a finding, see :mod:`kpikit.clv.findings`). Per-segment KPIs leave out segments flagged
``small_sample``: a mean of a handful of customers is not a headline.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.findings import _verdicts
from kpikit.clv.gamma_gamma import GammaGamma
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.segments import _ranked, mean_clv
from kpikit.clv.validation import share_probably_gone
from kpikit.errors import KpiDataError
from kpikit.i18n import Finding

__all__ = ["require_identified", "segment_kpi", "lowest_segment", "headline_kpis", "as_frame"]


_NOT_REPORTED = "Not reported: {what}, because the data do not identify the model. {verdicts}"


def require_identified(
    purchases: BetaGeo | ParetoNBD | None = None,
    spend_model: GammaGamma | None = None,
    what: str = "these figures",
    lang: str = "en",
) -> None:
    """Stop (a KpiDataError: the section's note) when a model a figure rests on is not identified.

    Parameters
    ----------
    purchases : BetaGeo or ParetoNBD, optional
        The fitted purchase model, when the figures rest on it.
    spend_model : GammaGamma, optional
        The fitted spend model, when the figures rest on it.
    what : str
        What is not reported, in the report's language ("the mean CLV"; a notebook passes its
        catalogue text).
    lang : str
        The report's language (the note and the models' verdicts are written in it).

    Raises
    ------
    KpiDataError
        "Not reported: <what>, because the data do not identify the model. <verdict>"; nothing when
        every model given is identified.
    """
    verdicts = [m.verdict() for m in (purchases, spend_model) if m is not None and not getattr(m, "identified_", True)]
    if verdicts:
        written = " ".join(v.text(lang) for v in verdicts)
        raise KpiDataError(Finding(_NOT_REPORTED, {"what": what, "verdicts": written}).text(lang))


def _label_column(table: pd.DataFrame) -> str:
    return str(table.columns[0])


def segment_kpi(table: pd.DataFrame, value: str = "clv", lowest: bool = False) -> Any:
    """A per-segment KPI from a segment table: segment -> value, or the lowest segment and its value.

    Segments flagged ``small_sample`` and missing values are left out (a payback not reached within
    the horizon is no figure).

    Parameters
    ----------
    table : DataFrame
        :func:`clv_by_segment` or :func:`ltv_cac` output (the segment in its first column).
    value : str
        The column to report ("clv", "ltv_cac", "payback_months").
    lowest : bool
        Return ``{"value", "segment"}`` of the segment with the lowest value instead.

    Returns
    -------
    dict
        Segment -> value in the table's order, or the lowest as ``{"value": ..., "segment": ...}``.

    Raises
    ------
    KpiDataError
        With ``lowest``, when no segment is large enough to rank.

    Examples
    --------
    >>> t = pd.DataFrame({"segment": ["A", "B", "C"], "ltv_cac": [0.5, 2.0, 0.1], "small_sample": [False, False, True]})
    >>> segment_kpi(t, "ltv_cac"), segment_kpi(t, "ltv_cac", lowest=True)
    ({'A': 0.5, 'B': 2.0}, {'value': 0.5, 'segment': 'A'})
    """
    label = _label_column(table)
    keep = ~table["small_sample"].astype(bool) if "small_sample" in table else pd.Series(True, index=table.index)
    rows = table[keep & table[value].notna()]
    if not lowest:
        return {str(k): float(v) for k, v in zip(rows[label], rows[value])}
    if rows.empty:
        raise KpiDataError(f"No segment has enough customers to rank by {value}; the lowest is not reported.")
    row = rows.loc[rows[value].astype(float).idxmin()]
    return {"value": float(row[value]), "segment": str(row[label])}


def lowest_segment(table: pd.DataFrame, value: str = "clv") -> str:
    """The name of the segment with the lowest value among those large enough to rank.

    Parameters
    ----------
    table : DataFrame
        :func:`clv_by_segment` output (segment in its first column, ``small_sample``).
    value : str
        The column to rank by.

    Returns
    -------
    str

    Raises
    ------
    KpiDataError
        When no segment is large enough to rank.
    """
    return segment_kpi(table, value, lowest=True)["segment"]


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
    purchase_ok, spend_ok = _verdicts(clv, purchases, spend_model)
    caveat = " ".join(str(m.verdict()) for m in (purchases, spend_model) if not getattr(m, "identified_", True))
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
