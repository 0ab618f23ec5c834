"""Charts of MRR, survival and retention projections (notebook 03)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

if TYPE_CHECKING:
    from kpikit.survival import KaplanMeier
from kpikit.plots.generic import waterfall
from kpikit.plots.style import HIGHLIGHT, NEUTRAL, PALETTE, _ax, _plain_text, chart_text, count_axis, percent_axis

__all__ = ["mrr_waterfall", "survival_curves", "retention_projection"]


@_plain_text
def mrr_waterfall(
    movements: pd.DataFrame, currency: str = "", title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Waterfall of the MRR bridge over the frame's periods: start, the five movements, end.

    The movements are new, expansion, reactivation, contraction and churn
    (``kpikit.subscriptions.mrr_movements`` output, any money type).

    Parameters
    ----------
    movements : DataFrame
        The frame of :func:`kpikit.subscriptions.mrr_movements` (period, mrr_start, mrr_end and one
        column per movement).
    currency : str
        Currency written in the axis label.
    title : str, optional
        Chart title; by default it states the largest gain and the largest loss.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    f = {
        c: float(movements[c].astype(float).sum()) for c in ["new", "expansion", "reactivation", "contraction", "churn"]
    }
    start = float(movements["mrr_start"].iloc[0])
    end = float(movements["mrr_end"].iloc[-1])
    keys = ["new", "expansion", "reactivation", "contraction", "churn"]
    words = {
        "new": chart_text("new"),
        "expansion": chart_text("expansion"),
        "reactivation": chart_text("reactivation"),
        "contraction": chart_text("contraction"),
        "churn": chart_text("churn"),
    }
    labels = [words[k] for k in keys]
    changes = [f["new"], f["expansion"], f["reactivation"], -f["contraction"], -f["churn"]]
    if title is None:
        moved = {
            "start": start,
            "end": end,
            "gain": words[max(keys[:3], key=lambda k: f[k])],
            "loss": words[max(keys[3:], key=lambda k: f[k])],
        }
        title = (
            chart_text("MRR grew from {start:int} to {end:int}: {gain} added most, {loss} took most", **moved)
            if end >= start
            else chart_text("MRR fell from {start:int} to {end:int}: {gain} added most, {loss} took most", **moved)
        )
    first, last = movements["period"].iloc[0], movements["period"].iloc[-1]
    ax = waterfall(
        labels,
        changes,
        title=title,
        ylabel=chart_text("MRR {currency} per month", currency=currency or "").replace("  ", " "),
        start_label=chart_text("start {month}", month=f"{first:%Y-%m}"),
        end_label=chart_text("end {month}", month=f"{last:%Y-%m}"),
        start=start,
        ax=ax,
    )
    count_axis(ax, "y")
    return ax


@_plain_text
def survival_curves(km: KaplanMeier, title: str, xlabel: str | None = None, ax: Axes | None = None) -> Axes:
    """Kaplan-Meier step curves per group with their confidence bands and median markers.

    Parameters
    ----------
    km : KaplanMeier
        The result of :func:`kpikit.survival.kaplan_meier`.
    title : str
        Chart title (the finding).
    xlabel : str, optional
        Label of the time axis, with its unit (default "months since first payment", in the charts' language).
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    meds = km.medians.set_index("group")
    for i, (g, c) in enumerate(km.curve.groupby("group", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        m = meds.loc[g, "median"]
        lab = (
            chart_text("{group} (median {median:num1})", group=g, median=m)
            if np.isfinite(m)
            else chart_text("{group} (median not reached)", group=g)
        )
        ax.step(c["time"], c["survival"], where="post", color=colour, label=lab)
        ax.fill_between(
            c["time"], c["ci_low"].fillna(0.0), c["ci_high"], step="post", color=colour, alpha=0.15, linewidth=0
        )
    ax.axhline(0.5, color=NEUTRAL, linestyle=":", linewidth=1)
    percent_axis(ax, "y")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(chart_text("months since first payment") if xlabel is None else xlabel)
    ax.set_ylabel(chart_text("customers still paying (95% CI)"))
    ax.legend(frameon=False, fontsize=10)
    ax.set_title(title)
    return ax


@_plain_text
def retention_projection(
    projection: pd.DataFrame, title: str, xlabel: str | None = None, ax: Axes | None = None
) -> Axes:
    """SBG projection against actual survivors: fitted periods shaded, held-out periods to compare.

    Parameters
    ----------
    projection : DataFrame
        ``ShiftedBetaGeometric.projection(periods, actual=...)``: period, predicted, fitted and
        (optionally) actual.
    title : str
        Chart title (the finding).
    xlabel : str, optional
        Label of the period axis (default "period since start", in the charts' language).
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    p = projection
    ax.plot(p["period"], p["predicted"], color=PALETTE[0], label=chart_text("sBG projection"))
    if "actual" in p:
        ax.scatter(
            p.loc[p["fitted"], "period"],
            p.loc[p["fitted"], "actual"],
            color="black",
            s=18,
            zorder=5,
            label=chart_text("actual (fitted)"),
        )
        held = p[~p["fitted"] & p["actual"].notna()]
        ax.scatter(
            held["period"],
            held["actual"],
            facecolors="none",
            edgecolors=HIGHLIGHT,
            s=30,
            zorder=5,
            label=chart_text("actual (held out)"),
        )
    last_fit = p.loc[p["fitted"], "period"].max()
    ax.axvspan(-0.5, last_fit + 0.5, color=NEUTRAL, alpha=0.12, linewidth=0)
    ax.set_xlabel(chart_text("period since start") if xlabel is None else xlabel)
    ax.set_ylabel(chart_text("customers still active"))
    ax.legend(frameon=False, fontsize=10)
    ax.set_title(title)
    return ax
