"""Charts of the bounce-rate diagnosis (notebook 01)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

if TYPE_CHECKING:
    pass
from kpikit.plots.style import HIGHLIGHT, NEUTRAL, PALETTE, _ax, _plain_text, percent_axis

__all__ = ["fix_list_chart", "device_gap_chart"]


@_plain_text
def fix_list_chart(diagnosis: pd.DataFrame, top: int = 10, title: str | None = None, ax: Axes | None = None) -> Axes:
    """The bounce-rate fix list: excess bounces of the top segments, the flagged ones highlighted.

    Excess bounces are observed minus expected at the reference rate (:func:`kpikit.web.diagnose`);
    flagged segments are drawn in the highlight colour, information pages in grey. Each bar is
    labelled with the segment's bounce rate and its 95% interval.

    Parameters
    ----------
    diagnosis : DataFrame
        The frame of :func:`kpikit.web.diagnose` (segment, excess_bounces, bounce_rate, ci_low,
        ci_high, flagged, goal), in the order to draw.
    top : int
        Number of segments drawn (the first rows).
    title : str, optional
        Chart title; by default it names the segment that costs most.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    d = diagnosis.head(top).reset_index(drop=True)
    y = np.arange(len(d))
    colours = [
        HIGHLIGHT if f else (NEUTRAL if g == "information" else PALETTE[0]) for f, g in zip(d["flagged"], d["goal"])
    ]
    ax.barh(y, d["excess_bounces"], color=colours, alpha=0.9)
    ax.set_yticks(y, [str(s) for s in d["segment"]])
    ax.invert_yaxis()
    ax.axvline(0, color="dimgray", linewidth=1)
    span = float(np.nanmax(np.abs(d["excess_bounces"]))) if len(d) else 1.0
    for i, r in d.iterrows():
        x = r["excess_bounces"]
        ax.text(
            x + (span * 0.02 if x >= 0 else -span * 0.02),
            i,
            f"{r['bounce_rate']:.0%} ({r['ci_low']:.0%}-{r['ci_high']:.0%})",
            va="center",
            ha="left" if x >= 0 else "right",
            fontsize=10,
        )
    ax.set_xlim(min(-span * 0.1, float(d["excess_bounces"].min()) * 1.4 if len(d) else 0), span * 1.45)
    ax.set_xlabel("bounces above (+) or below (-) the reference rate (sessions)")
    if title is None:
        flagged = d[d["flagged"]]
        title = (
            f"Fix first: {flagged['segment'].iloc[0]} ({flagged['excess_bounces'].iloc[0]:,.0f} extra bounces)"
            if len(flagged)
            else "No segment bounces significantly above the reference"
        )
    ax.set_title(title)
    return ax


@_plain_text
def device_gap_chart(
    gaps: pd.DataFrame,
    a: str = "mobile",
    b: str = "desktop",
    top: int = 8,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bounce rate of devices ``a`` and ``b`` per landing page, flagged pages (significant gap) marked.

    Dots with their 95% Wilson intervals, joined by a line per page (:func:`kpikit.web.device_gap`).

    Parameters
    ----------
    gaps : DataFrame
        The frame of :func:`kpikit.web.device_gap`: the page column first, then
        ``<device>_bounces``, ``<device>_sessions``, ``<device>_bounce_rate``, ``gap`` and ``flagged``.
    a, b : str
        The two devices compared (``a`` in the highlight colour).
    top : int
        Number of pages drawn (the first rows).
    title : str, optional
        Chart title; by default it names the first flagged page and its gap.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    from kpikit.stats import proportion_ci

    ax = _ax(ax)
    d = gaps.head(top).reset_index(drop=True)
    page = d.columns[0]
    y = np.arange(len(d))
    for dev, colour, off in ((a, HIGHLIGHT, -0.12), (b, PALETTE[0], 0.12)):
        k, n = d[f"{dev}_bounces"].to_numpy(float), d[f"{dev}_sessions"].to_numpy(float)
        low, high = proportion_ci(k, n)
        rate = k / n
        ax.errorbar(
            rate,
            y + off,
            xerr=np.vstack([rate - low, high - rate]),
            fmt="o",
            color=colour,
            ecolor=colour,
            elinewidth=1,
            capsize=2,
            label=f"{dev}",
        )
    for i, r in d.iterrows():
        ax.plot(
            [r[f"{a}_bounce_rate"], r[f"{b}_bounce_rate"]], [i - 0.12, i + 0.12], color=NEUTRAL, linewidth=1, zorder=0
        )
    ax.set_yticks(y, [("* " if f else "") + str(p) for p, f in zip(d[page], d["flagged"])])
    ax.invert_yaxis()
    percent_axis(ax, "x")
    ax.set_xlabel("bounce rate (% of sessions, 95% CI); * = significant gap (FDR 5%)")
    ax.legend(frameon=False, fontsize=10)
    if title is None:
        flagged = d[d["flagged"]]
        title = (
            f"{flagged[page].iloc[0]}: {a} bounces {flagged['gap'].iloc[0] * 100:+.0f} pts vs {b}"
            if len(flagged)
            else f"No significant {a}-vs-{b} bounce gap"
        )
    ax.set_title(title)
    return ax
