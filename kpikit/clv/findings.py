"""What notebook 04 reports: findings in plain words, headline KPIs, and result dicts as tables."""

from __future__ import annotations

import math

import pandas as pd

from kpikit.clv.beta_geo import BetaGeo
from kpikit.clv.gamma_gamma import GammaGamma
from kpikit.clv.pareto_nbd import ParetoNBD
from kpikit.clv.rfm import UNIT_NAMES
from kpikit.clv.validation import share_probably_gone
from kpikit.stats import mean_ci

__all__ = ["findings", "headline_kpis", "as_frame"]


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
) -> list[str]:
    """Plain-language findings built from the CLV results (for ``kk.report.show_findings``).

    Parameters
    ----------
    historical : dict
        Output of :func:`historical_clv`.
    clv : DataFrame
        Output of :func:`customer_lifetime_value` (``clv`` and ``p_alive`` per customer).
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

    Returns
    -------
    list of str
        One sentence per finding: average CLV against the simple formula, share probably gone,
        concentration in the top 10%, the holdout check, the weakest segment, LTV:CAC.
    """
    unit = UNIT_NAMES.get(freq, freq)
    out = []
    mean_clv = float(clv["clv"].mean())
    out.append(
        f"The average customer is expected to bring {currency}{mean_clv:,.2f} of margin over the next {horizon} "
        f"{unit} (discounted). The simple formula says {currency}{historical['clv']:,.2f} over an assumed "
        f"{historical['lifespan_years']:g}-year lifespan, counting every customer as buying at the average rate "
        "throughout, although many have already stopped."
    )
    gone = share_probably_gone(clv["p_alive"])
    out.append(f"{gone:.0%} of customers have probably stopped buying (P(alive) below 50%).")
    top = clv["clv"].sort_values(ascending=False)
    n10 = max(1, int(round(0.1 * len(top))))
    share = float(top.iloc[:n10].sum() / top.sum()) if top.sum() > 0 else math.nan
    out.append(f"The top 10% of customers hold {share:.0%} of the expected future value.")
    err = totals["relative_error"]
    verdict = (
        "within 10%, so the model tracks this customer base well"
        if abs(err) <= 0.10
        else ("more than 10% off: read the forecasts with caution")
    )
    out.append(
        f"On the holdout period the model predicted {totals['predicted']:,.0f} purchases against "
        f"{totals['actual']:,.0f} actual ({err:+.1%}), {verdict}."
    )
    if by_segment is not None and len(by_segment) > 1:
        seg = by_segment.sort_values("clv")
        lo, hi = seg.iloc[0], seg.iloc[-1]
        separated = lo["ci_high"] < hi["ci_low"]
        out.append(
            f"Customers from {lo[segment_col]} are worth the least ({currency}{lo['clv']:,.2f} on average vs "
            f"{currency}{hi['clv']:,.2f} for {hi[segment_col]}); "
            + ("the intervals do not overlap." if separated else "the intervals overlap, so the gap is not certain.")
        )
    if ratios is not None:
        weak = ratios.loc[ratios["ltv_cac"] < 3, "segment"].tolist()
        if weak:
            out.append(f"LTV:CAC is below the 3:1 rule of thumb for {', '.join(weak)}.")
        else:
            out.append("LTV:CAC meets the 3:1 rule of thumb everywhere.")
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
        Output of :func:`clv_by_segment` over ``segment_col``.
    ratios : DataFrame
        Output of :func:`ltv_cac`.
    segment_col : str
        The segment column of ``by_segment``.
    level : float
        Confidence level of the mean CLV's interval.

    Returns
    -------
    dict
        historical_clv; mean_clv (Score: mean CLV with its t interval); total_clv; share_probably_gone
        (share of customers with P(alive) < 0.5); model ("bgnbd" or "pareto"); purchase_params and
        spend_params; holdout_actual, holdout_predicted, holdout_relative_error; clv_by_channel
        (segment -> mean CLV) and lowest_clv_channel; ltv_cac (segment -> ratio); payback_months
        (segment -> months, only where the curve pays back). The channel keys keep these names
        whatever ``segment_col`` is.
    """
    lowest = by_segment.sort_values("clv").iloc[0]
    return {
        "historical_clv": historical["clv"],
        "mean_clv": mean_ci(clv["clv"], level=level, name="clv"),
        "total_clv": float(clv["clv"].sum()),
        "share_probably_gone": share_probably_gone(clv["p_alive"]),
        "model": "pareto" if isinstance(purchases, ParetoNBD) else "bgnbd",
        "purchase_params": purchases.params_.to_dict(),
        "spend_params": spend_model.params_.to_dict(),
        "holdout_actual": totals["actual"],
        "holdout_predicted": totals["predicted"],
        "holdout_relative_error": totals["relative_error"],
        "clv_by_channel": dict(zip(by_segment[segment_col], by_segment["clv"])),
        "lowest_clv_channel": str(lowest[segment_col]),
        "ltv_cac": dict(zip(ratios["segment"], ratios["ltv_cac"])),
        "payback_months": {k: v for k, v in zip(ratios["segment"], ratios["payback_months"]) if not pd.isna(v)},
    }


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
