"""Charts in one house style (seaborn), one message per chart.

House rules: the title states the finding, axes are labelled with units, the palette is colour-blind
safe (seaborn "colorblind", after Okabe and Ito), and intervals are drawn wherever they exist. Every
function returns the matplotlib ``Axes`` it drew on and takes an optional ``ax``.

Generic charts come first; each domain has its own section below.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

__all__ = [
    "PALETTE",
    "use_style",
    "percent_axis",
    "rate_bars",
    "trend",
    "p_chart",
    "heatmap",
    "waterfall",
]

#: The kit's colour-blind-safe palette (seaborn "colorblind").
PALETTE = sns.color_palette("colorblind")
#: Fixed colours with a meaning, used across notebooks.
GOOD, BAD, NEUTRAL, HIGHLIGHT = PALETTE[2], PALETTE[3], PALETTE[7], PALETTE[1]


def use_style() -> None:
    """Apply the house style: white grid, readable fonts, PNG output at a fixed size and dpi."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    plt.rcParams.update(
        {
            "figure.figsize": (8.0, 4.5),
            "figure.dpi": 96,
            "savefig.dpi": 96,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.titlelocation": "left",
            "svg.hashsalt": "kpikit",
        }
    )


def _ax(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def percent_axis(ax, axis: str = "x", decimals: int = 0):
    """Format an axis holding fractions as percentages."""
    fmt = mticker.PercentFormatter(xmax=1.0, decimals=decimals)
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)
    return ax


def rate_bars(
    frame: pd.DataFrame,
    label: str,
    value: str,
    title: str,
    xlabel: str,
    low: str = "ci_low",
    high: str = "ci_high",
    reference: float | None = None,
    reference_label: str = "overall",
    highlight: Sequence | None = None,
    ax=None,
):
    """Horizontal bars of a rate per segment with their confidence intervals.

    Parameters
    ----------
    frame : DataFrame
        One row per segment with ``label``, ``value``, ``low`` and ``high`` columns (fractions).
    reference : float, optional
        A vertical line (e.g. the site-wide rate) to read the bars against.
    highlight : sequence, optional
        Labels drawn in the highlight colour (the finding); others are neutral.
    """
    ax = _ax(ax)
    data = frame.reset_index(drop=True)
    y = np.arange(len(data))
    hl = set(highlight or [])
    colours = [HIGHLIGHT if lab in hl else PALETTE[0] for lab in data[label]]
    ax.barh(y, data[value], color=colours, alpha=0.85)
    err = np.vstack([data[value] - data[low], data[high] - data[value]])
    ax.errorbar(data[value], y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=3)
    ax.set_yticks(y, [str(v) for v in data[label]])
    ax.invert_yaxis()
    if reference is not None:
        ax.axvline(reference, color=NEUTRAL, linestyle="--", linewidth=1)
        ax.text(reference, -0.6, f" {reference_label} {reference:.0%}", color="dimgray", fontsize=9, va="bottom")
    percent_axis(ax, "x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


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
    ax=None,
):
    """A rate or value over time, with its confidence band when ``low``/``high`` are given."""
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


def p_chart(periods, limits: pd.DataFrame, title: str, ylabel: str, ax=None):
    """p-chart of a rate over periods with its centre line and 3-sigma control limits.

    ``limits`` is the frame of :func:`kpikit.stats.control_limits`; points outside the limits (signals)
    are drawn in the highlight colour.
    """
    ax = _ax(ax)
    periods = pd.Index(periods)
    ax.plot(periods, limits["rate"], marker="o", markersize=4, color=PALETTE[0], label="observed")
    ax.step(periods, limits["ucl"], where="mid", color=NEUTRAL, linestyle="--", linewidth=1, label="control limits")
    ax.step(periods, limits["lcl"], where="mid", color=NEUTRAL, linestyle="--", linewidth=1)
    ax.axhline(float(limits["centre"].iloc[0]), color="dimgray", linewidth=1, label="centre")
    sig = limits["signal"].to_numpy()
    if sig.any():
        ax.scatter(periods[sig], limits["rate"][sig], color=HIGHLIGHT, zorder=5, s=40, label="signal")
    percent_axis(ax, "y")
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    ax.legend(frameon=False, fontsize=9)
    ax.set_title(title)
    return ax


def heatmap(matrix: pd.DataFrame, title: str, xlabel: str, ylabel: str, percent: bool = True, ax=None, **kwargs):
    """Annotated heat map (cohort triangles, P(alive) grids); NaN cells stay blank."""
    ax = _ax(ax)
    fmt = ".0%" if percent else ".2g"
    sns.heatmap(matrix, annot=matrix.shape[1] <= 20, fmt=fmt, cmap="viridis", ax=ax, cbar=True, **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def waterfall(labels: Sequence[str], changes: Sequence[float], title: str, ylabel: str, start_label: str = "start", end_label: str = "end", start: float = 0.0, ax=None):
    """Waterfall from ``start`` through signed ``changes`` to the end total (e.g. MRR movements)."""
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


# ---- web ----


# ---- funnel ----


# ---- subscriptions ----


# ---- clv ----


# ---- social/benchmark ----
