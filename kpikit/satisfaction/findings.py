"""Notebook 03's plain-language findings on the leading indicators of churn."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.stats import Score

__all__ = ["findings"]


def findings(
    tables: dict[str, pd.DataFrame],
    alpha: float = 0.05,
    nps_score: Score | None = None,
    exposure_unit: str = "customer-month",
) -> list[str]:
    """Plain-language findings on leading indicators of churn.

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

    Returns
    -------
    list of str
        The NPS sentence (when given), then one sentence per indicator: its worst group against the
        reference, with the ratio and whether the difference is clear.
    """
    out = []
    if nps_score is not None:
        c = nps_score.counts or {}
        out.append(
            f"NPS is {nps_score.value:+.0f} (95% CI {nps_score.low:+.0f} to {nps_score.high:+.0f}, n = {nps_score.n:,}; "
            f"{c.get('promoters', 0):,} promoters, {c.get('detractors', 0):,} detractors)."
        )
    for label, t in tables.items():
        if t is None or t.empty:
            continue
        by = t.columns[0]
        tested = t.dropna(subset=["p_value"])
        if tested.empty:
            continue
        worst = tested.sort_values("churn_rate", ascending=False).iloc[0]
        ref = t[t[by].astype(str) == str(worst["reference"])].iloc[0]
        clear = worst["q_value"] < alpha
        ratio = f"{worst['ratio']:.1f}x" if np.isfinite(worst["ratio"]) else "far above"
        unit = f" per {exposure_unit}" if "exposure" in t.columns else ""
        out.append(
            f"By {label}: '{worst[by]}' customers churned at {worst['churn_rate']:.1%}{unit} "
            f"({int(worst['churned'])} of {int(worst['customers'])} churned) against {ref['churn_rate']:.1%}{unit} for "
            f"'{ref[by]}', {ratio} as often; "
            + (
                f"a clear difference (q = {worst['q_value']:.2g})."
                if clear
                else f"not a clear difference at this sample size (q = {worst['q_value']:.2g})."
            )
        )
    return out
