"""Charts any notebook uses: rates with intervals, trends, p-charts, heat maps, waterfalls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

if TYPE_CHECKING:
    pass
from kpikit.plots.style import (
    BAD,
    GOOD,
    HIGHLIGHT,
    NEUTRAL,
    PALETTE,
    _ax,
    _interval_bars,
    _plain_text,
    chart_text,
    percent_axis,
)

__all__ = ["rate_bars", "trend", "p_chart", "heatmap", "waterfall"]


@_plain_text
def rate_bars(
    frame: pd.DataFrame,
    label: str,
    value: str,
    title: str,
    xlabel: str,
    low: str = "ci_low",
    high: str = "ci_high",
    reference: float | None = None,
    reference_label: str | None = None,
    highlight: Sequence | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of a rate per segment with their confidence intervals.

    Parameters
    ----------
    frame : DataFrame
        One row per segment with ``label``, ``value``, ``low`` and ``high`` columns (fractions).
    label, value : str
        Columns of the segment names and of the rate.
    title : str
        Chart title (the finding).
    xlabel : str
        Label of the rate axis, with its unit.
    low, high : str
        Columns of the interval's bounds.
    reference : float, optional
        A vertical line (e.g. the site-wide rate) to read the bars against.
    reference_label : str, optional
        Text beside the reference line (its value follows as a percentage); default "overall", in the
        charts' language.
    highlight : sequence, optional
        Labels drawn in the highlight colour (the finding); others are neutral.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    data = frame.reset_index(drop=True)
    _interval_bars(ax, data, label, value, low, high, highlight)
    if reference is not None:
        ax.axvline(reference, color=NEUTRAL, linestyle="--", linewidth=1)
        ax.text(
            reference,
            -0.6,
            " " + chart_text("{label} {rate:pct0}", label=reference_label or chart_text("overall"), rate=reference),
            color="dimgray",
            fontsize=10,
            va="bottom",
        )
    percent_axis(ax, "x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


@_plain_text
def trend(
    frame: pd.DataFrame,
    x: str,
    value: str,
    title: str,
    ylabel: str,
    low: str | None = "ci_low",
    high: str | None = "ci_high",
    hue: str | None = None,
    percent: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """A rate or value over time, with its confidence band when ``low``/``high`` are given.

    Parameters
    ----------
    frame : DataFrame
        One row per period (and ``hue`` group).
    x, value : str
        Columns of the periods and of the plotted value.
    title : str
        Chart title (the finding).
    ylabel : str
        Label of the value axis, with its unit.
    low, high : str, optional
        Columns of the band's bounds; no band when None or absent from the frame.
    hue : str, optional
        Column whose groups get one line each (and a legend).
    percent : bool
        Format the value axis as percentages (values are fractions).
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    groups = [(None, frame)] if hue is None else list(frame.groupby(hue, sort=True))
    for i, (name, g) in enumerate(groups):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(g[x], g[value], marker="o", markersize=3, color=colour, label=None if name is None else str(name))
        if low and high and low in g and high in g:
            ax.fill_between(g[x], g[low], g[high], color=colour, alpha=0.2, linewidth=0)
    if hue is not None:
        ax.legend(title=hue, frameon=False)
    if percent:
        percent_axis(ax, "y")
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


@_plain_text
def p_chart(
    periods: pd.Index | Sequence,
    limits: pd.DataFrame,
    title: str,
    ylabel: str,
    decimals: int = 1,
    ax: Axes | None = None,
) -> Axes:
    """p-chart of a rate over periods with its centre line and 3-sigma control limits.

    Points outside the limits (signals) are drawn in the highlight colour.

    Parameters
    ----------
    periods : Index or sequence
        The x positions, one per row of ``limits``.
    limits : DataFrame
        The frame of :func:`kpikit.stats.control_limits` (rate, centre, lcl, ucl, signal).
    title : str
        Chart title (the finding).
    ylabel : str
        Label of the rate axis, with its unit.
    decimals : int
        Decimals of the percent labels (a narrow band needs 1).
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    periods = pd.Index(periods)
    ax.plot(periods, limits["rate"], marker="o", markersize=4, color=PALETTE[0], label=chart_text("observed"))
    ax.step(
        periods,
        limits["ucl"],
        where="mid",
        color=NEUTRAL,
        linestyle="--",
        linewidth=1,
        label=chart_text("control limits"),
    )
    ax.step(periods, limits["lcl"], where="mid", color=NEUTRAL, linestyle="--", linewidth=1)
    ax.axhline(float(limits["centre"].iloc[0]), color="dimgray", linewidth=1, label=chart_text("centre"))
    sig = limits["signal"].to_numpy()
    if sig.any():
        ax.scatter(periods[sig], limits["rate"][sig], color=HIGHLIGHT, zorder=5, s=40, label=chart_text("signal"))
    percent_axis(ax, "y", decimals=decimals)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    ax.legend(frameon=False, fontsize=10, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax


@_plain_text
def heatmap(
    matrix: pd.DataFrame,
    title: str,
    xlabel: str,
    ylabel: str,
    percent: bool = True,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Annotated heat map (cohort triangles, P(alive) grids); NaN cells stay blank.

    Parameters
    ----------
    matrix : DataFrame
        The cell values; its index and columns label the rows and columns.
    title : str
        Chart title (the finding).
    xlabel, ylabel : str
        Axis labels.
    percent : bool
        Annotate cells as percentages (fractions) instead of plain numbers.
    ax : Axes, optional
        Axes to draw on; a new figure when None.
    **kwargs
        Passed on to :func:`seaborn.heatmap` (e.g. ``vmin``, ``vmax``).

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    fmt = ".0%" if percent else ".2g"
    sns.heatmap(matrix, annot=matrix.shape[1] <= 20, fmt=fmt, cmap="viridis", ax=ax, cbar=True, **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


@_plain_text
def waterfall(
    labels: Sequence[str],
    changes: Sequence[float],
    title: str,
    ylabel: str,
    start_label: str = "start",
    end_label: str = "end",
    start: float = 0.0,
    ax: Axes | None = None,
) -> Axes:
    """Waterfall from ``start`` through signed ``changes`` to the end total (e.g. MRR movements).

    Gains are drawn in the "good" colour, losses in the "bad" one, the two totals in grey.

    Parameters
    ----------
    labels : sequence of str
        Name of each change.
    changes : sequence of float
        Signed changes, in the order drawn.
    title : str
        Chart title (the finding).
    ylabel : str
        Label of the value axis, with its unit.
    start_label, end_label : str
        Names of the first and last bars (the totals).
    start : float
        The starting total.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    changes = np.asarray(changes, dtype=float)
    cum = start + np.concatenate([[0.0], np.cumsum(changes)])
    names = [start_label, *labels, end_label]
    bottoms = [0.0, *np.minimum(cum[:-1], cum[1:]), 0.0]
    heights = [start, *np.abs(changes), cum[-1]]
    colours = [NEUTRAL, *[GOOD if c >= 0 else BAD for c in changes], NEUTRAL]
    ax.bar(names, heights, bottom=bottoms, color=colours)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=30)
    return ax
