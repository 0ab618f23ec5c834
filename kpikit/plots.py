"""Charts in one house style (seaborn), one message per chart.

House rules: the title states the finding, axes are labelled with units, the palette is colour-blind
safe (seaborn "colorblind", after Okabe and Ito), and intervals are drawn wherever they exist. Every
function returns the matplotlib ``Axes`` it drew on and takes an optional ``ax``.

Generic charts come first; each domain has its own section below.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

if TYPE_CHECKING:
    from kpikit.survival import KaplanMeier

__all__ = [
    "PALETTE",
    "use_style",
    "draw_charts_once",
    "percent_axis",
    "rate_bars",
    "trend",
    "p_chart",
    "heatmap",
    "waterfall",
    "fix_list_chart",
    "device_gap_chart",
    "funnel_chart",
    "step_change_chart",
    "time_to_convert_chart",
    "stage_heatmap",
    "attribution_chart",
    "roas_chart",
    "journey_chart",
    "mrr_waterfall",
    "survival_curves",
    "retention_projection",
    "holdout_chart",
    "clv_histogram",
    "segment_value_chart",
    "value_curve",
    "percentile_dots",
    "vanity_scatter",
    "industry_bands",
    "share_of_voice_trend",
    "self_benchmark",
]

#: The kit's colour-blind-safe palette (seaborn "colorblind").
PALETTE = sns.color_palette("colorblind")
#: Fixed colours with a meaning, used across notebooks.
GOOD, BAD, NEUTRAL, HIGHLIGHT = PALETTE[2], PALETTE[3], PALETTE[7], PALETTE[1]


def use_style() -> None:
    """Apply the house style: white grid, readable fonts, PNG output at a fixed size and dpi.

    In a notebook with the inline backend it also has each chart drawn once instead of twice (see
    :func:`draw_charts_once`).
    """
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
    draw_charts_once()


def draw_charts_once() -> bool:
    """With the inline backend, stop pyplot drawing every new chart once more after each cell.

    After every cell, pyplot's IPython hook (``post_execute``) draws each new figure on its canvas,
    and then the inline backend's own hook renders each one again, from scratch, into the PNG the
    notebook shows. With the inline backend nobody ever sees the first drawing, and it costs about a
    fifth of a kpikit notebook's run time (2.7 s of 13 s over the six sample notebooks, profiled). This
    function disconnects pyplot's hook (``pyplot.uninstall_repl_displayhook``, public API) when the
    inline backend is active; the PNGs are byte for byte the same. Switching to another backend
    (``%matplotlib widget``, ``plt.switch_backend``) or ``plt.ion()`` connects it again, so
    interactive backends keep redrawing as usual.

    Returns
    -------
    bool
        True when the hook was disconnected (False outside IPython or with another backend).
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    if not plt.get_fignums():
        # pyplot resolves its backend lazily at the first figure and connects the hook then; resolve
        # it now (with no figure open, switching to the same backend loses nothing)
        plt.switch_backend(matplotlib.get_backend())
    if "inline" not in str(matplotlib.get_backend()).lower():
        return False
    plt.uninstall_repl_displayhook()
    return True


def _ax(ax: Axes | None) -> Axes:
    """The axes to draw on: ``ax``, or those of a new figure."""
    if ax is None:
        _, ax = plt.subplots()
    return ax


def percent_axis(ax: Axes, axis: str = "x", decimals: int = 0) -> Axes:
    """Format an axis holding fractions as percentages.

    Parameters
    ----------
    ax : Axes
        The axes whose axis is formatted.
    axis : {"x", "y"}
        The axis that holds fractions.
    decimals : int
        Decimals of the percent labels.

    Returns
    -------
    Axes
        ``ax``, formatted.
    """
    fmt = mticker.PercentFormatter(xmax=1.0, decimals=decimals)
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)
    return ax


def _interval_bars(
    ax: Axes, data: pd.DataFrame, label: str, value: str, low: str, high: str, highlight: Sequence | None
) -> None:
    """Horizontal bars of ``value`` per row, top to bottom, with interval whiskers; ``highlight`` labels coloured."""
    y = np.arange(len(data))
    hl = set(highlight or [])
    colours = [HIGHLIGHT if lab in hl else PALETTE[0] for lab in data[label]]
    ax.barh(y, data[value], color=colours, alpha=0.85)
    err = np.vstack([data[value] - data[low], data[high] - data[value]])
    ax.errorbar(data[value], y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=3)
    ax.set_yticks(y, [str(v) for v in data[label]])
    ax.invert_yaxis()


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
    reference_label : str
        Text beside the reference line (its value follows as a percentage).
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
    ax.plot(periods, limits["rate"], marker="o", markersize=4, color=PALETTE[0], label="observed")
    ax.step(periods, limits["ucl"], where="mid", color=NEUTRAL, linestyle="--", linewidth=1, label="control limits")
    ax.step(periods, limits["lcl"], where="mid", color=NEUTRAL, linestyle="--", linewidth=1)
    ax.axhline(float(limits["centre"].iloc[0]), color="dimgray", linewidth=1, label="centre")
    sig = limits["signal"].to_numpy()
    if sig.any():
        ax.scatter(periods[sig], limits["rate"][sig], color=HIGHLIGHT, zorder=5, s=40, label="signal")
    percent_axis(ax, "y", decimals=decimals)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax


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


# ---- web ----


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
            fontsize=8,
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
    ax.legend(frameon=False, fontsize=9)
    if title is None:
        flagged = d[d["flagged"]]
        title = (
            f"{flagged[page].iloc[0]}: {a} bounces {flagged['gap'].iloc[0] * 100:+.0f} pts vs {b}"
            if len(flagged)
            else f"No significant {a}-vs-{b} bounce gap"
        )
    ax.set_title(title)
    return ax


# ---- funnel ----


def _step_names(frame: pd.DataFrame) -> list[str]:
    return [str(s) for s in frame["step_name"]]


def funnel_chart(funnel: pd.DataFrame, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Users per funnel step as bars, each with its conversion from the previous step; the biggest leak highlighted.

    Each bar is labelled with its count and its conversion from the previous step (and interval);
    the biggest leak is the step with the lowest conversion from the previous one.

    Parameters
    ----------
    funnel : DataFrame
        One funnel of :func:`kpikit.funnel.ordered_funnel` (no ``by``): step, step_name, users (or
        attempts), conversion_from_previous and its low/high bounds.
    title : str, optional
        Chart title; by default it names the biggest leak.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    data = funnel.reset_index(drop=True)
    cnt = "users" if "users" in data.columns else "attempts"
    later = data[data["step"] > 1]
    leak = int(later["conversion_from_previous"].idxmin()) if len(later) else -1
    y = np.arange(len(data))
    colours = [HIGHLIGHT if i == leak else PALETTE[0] for i in y]
    ax.barh(y, data[cnt], color=colours, alpha=0.9)
    ax.set_yticks(y, _step_names(data))
    ax.invert_yaxis()
    top = float(data[cnt].max()) if len(data) else 1.0
    for i, r in data.iterrows():
        label = f" {int(r[cnt]):,}"
        if r["step"] > 1:
            label += (
                f"  ({r['conversion_from_previous']:.0%} of previous, "
                f"{r['conversion_from_previous_low']:.0%}-{r['conversion_from_previous_high']:.0%})"
            )
        ax.text(r[cnt] + top * 0.01, i, label, va="center", fontsize=9)
    ax.set_xlim(0, top * 1.6)
    ax.set_xlabel(f"{cnt} reaching the step (count)")
    if title is None and leak >= 0:
        title = (
            f"Biggest leak: {data.loc[leak - 1, 'step_name']} -> {data.loc[leak, 'step_name']} "
            f"({data.loc[leak, 'conversion_from_previous']:.0%} continue)"
        )
    ax.set_title(title or "Funnel")
    return ax


def step_change_chart(
    comparison: pd.DataFrame,
    labels: tuple[str, str] = ("current", "previous"),
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Change of each step's conversion between two funnels, with its interval; significant steps highlighted.

    The change is ``labels[0]`` minus ``labels[1]`` in percentage points with the Newcombe interval;
    steps significant after Benjamini-Hochberg (q < 0.05) are drawn in the highlight colour.

    Parameters
    ----------
    comparison : DataFrame
        The frame of :func:`kpikit.funnel.compare_funnels` / ``compare_periods`` (step_name,
        difference, ci_low, ci_high, significant).
    labels : tuple of str
        Names of the two funnels compared: (current, previous).
    title : str, optional
        Chart title; by default it names the step that changed most significantly.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    d = comparison.reset_index(drop=True)
    y = np.arange(len(d))
    colours = [HIGHLIGHT if s else PALETTE[0] for s in d["significant"]]
    ax.scatter(d["difference"] * 100, y, color=colours, s=50, zorder=3)
    err = np.vstack([(d["difference"] - d["ci_low"]) * 100, (d["ci_high"] - d["difference"]) * 100])
    ax.errorbar(d["difference"] * 100, y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=3)
    ax.axvline(0, color=NEUTRAL, linewidth=1)
    ax.set_yticks(y, [f"-> {s}" for s in d["step_name"]])
    ax.invert_yaxis()
    ax.set_xlabel(f"step conversion, {labels[0]} minus {labels[1]} (percentage points, 95% CI)")
    if title is None:
        sig = d[d["significant"]]
        if len(sig):
            w = sig.loc[sig["difference"].abs().idxmax()]
            title = f"Step -> {w['step_name']} changed by {w['difference'] * 100:+.0f} pts ({labels[1]} to {labels[0]})"
        else:
            title = f"No step changed significantly between {labels[1]} and {labels[0]}"
    ax.set_title(title)
    return ax


def time_to_convert_chart(
    attempts: pd.DataFrame,
    first: int = 1,
    last: int | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Distribution of the time from step ``first`` to step ``last``, in hours on a log axis, median marked.

    Only the attempts that reached step ``last`` count; times under a minute are shown at one minute.

    Parameters
    ----------
    attempts : DataFrame
        The frame of :func:`kpikit.funnel.funnel_attempts` (``step_<k>_at`` columns).
    first : int
        The step the time is counted from.
    last : int, optional
        The step the time is counted to; by default the final step.
    title : str, optional
        Chart title; by default it states the median time.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    cols = [c for c in attempts.columns if c.startswith("step_") and c.endswith("_at")]
    last = last or len(cols)
    d = (attempts[f"step_{last}_at"] - attempts[f"step_{first}_at"]).dropna().dt.total_seconds() / 3600
    d = d.clip(lower=1 / 60)  # under a minute shown at one minute (log axis)
    if len(d):
        bins = np.logspace(np.log10(d.min()), np.log10(max(d.max(), d.min() * 1.01)), 30)
        ax.hist(d, bins=bins, color=PALETTE[0], alpha=0.85)
        med = float(d.median())
        ax.axvline(med, color=HIGHLIGHT, linestyle="--", linewidth=1.5)
        ax.text(
            med,
            ax.get_ylim()[1] * 0.95,
            f" median {med * 60:.0f} min" if med < 2 else f" median {med:.1f} h",
            color="dimgray",
            fontsize=9,
            va="top",
            bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0},
        )
        ax.set_xscale("log")
        if title is None:
            title = (
                f"Half of the conversions take under {med * 60:.0f} minutes"
                if med < 2
                else f"Half of the conversions take under {med:.1f} hours"
            )
    ax.set_xlabel(f"time from step {first} to step {last} (hours, log scale)")
    ax.set_ylabel("attempts (count)")
    ax.set_title(title or "Time to convert")
    return ax


def stage_heatmap(
    stages: pd.DataFrame, value: str = "conversion_from_previous", title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Cohort x stage heat map of a stage-funnel rate (:func:`kpikit.funnel.stage_funnel`).

    Parameters
    ----------
    stages : DataFrame
        The frame of :func:`kpikit.funnel.stage_funnel` (cohort, stage and ``value`` columns).
    value : str
        The rate column drawn (a fraction, colour scale 0 to 1).
    title : str, optional
        Chart title; by default it names the weakest stage step on average over the cohorts.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    m = stages.pivot(index="cohort", columns="stage", values=value)
    m = m[list(dict.fromkeys(stages["stage"]))]
    if title is None:
        worst = m.iloc[:, 1:].mean().idxmin()
        title = f"Across cohorts, the weakest stage step is -> {worst} ({m[worst].mean():.0%} on average)"
    return heatmap(m, title=title, xlabel="stage", ylabel="entry cohort", ax=ax, vmin=0, vmax=1)


def attribution_chart(
    comparison: pd.DataFrame,
    models: Sequence[str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Credited conversions per channel under each model, as grouped bars (:func:`kpikit.attribution.compare`).

    Parameters
    ----------
    comparison : DataFrame
        The frame of :func:`kpikit.attribution.compare`: channel, one column per model, spread.
    models : sequence of str, optional
        The model columns drawn; by default every column but channel and spread.
    title : str, optional
        Chart title; by default it names the channel the models disagree on most.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    models = list(models or [c for c in comparison.columns if c not in ("channel", "spread")])
    long = comparison.melt(id_vars="channel", value_vars=models, var_name="model", value_name="credited")
    sns.barplot(data=long, y="channel", x="credited", hue="model", palette=PALETTE[: len(models)], ax=ax)
    ax.set_xlabel("credited conversions (count)")
    ax.set_ylabel("")
    ax.legend(title="model", frameon=False, fontsize=8)
    if title is None:
        w = comparison.loc[comparison["spread"].idxmax()]
        title = (
            f"The models disagree most on {w['channel']} ({w[models].min():.0f} to {w[models].max():.0f} conversions)"
        )
    ax.set_title(title)
    return ax


def roas_chart(economics: pd.DataFrame, title: str | None = None, ax: Axes | None = None) -> Axes:
    """ROAS per channel with the break-even line ROAS = 1; channels below it highlighted.

    Channels without cost are left out; bars are sorted from the highest ROAS down.

    Parameters
    ----------
    economics : DataFrame
        The frame of :func:`kpikit.acquisition.channel_economics` (channel, cost, roas).
    title : str, optional
        Chart title; by default it names the channel with the highest ROAS.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    d = economics[economics["cost"] > 0].sort_values("roas", ascending=False).reset_index(drop=True)
    y = np.arange(len(d))
    colours = [BAD if r < 1 else PALETTE[0] for r in d["roas"]]
    ax.barh(y, d["roas"], color=colours)
    ax.set_yticks(y, [str(c) for c in d["channel"]])
    ax.invert_yaxis()
    ax.axvline(1.0, color=NEUTRAL, linestyle="--", linewidth=1)
    ax.set_xlabel("ROAS: attributed revenue / cost (ratio; 1 = break-even)")
    if title is None and len(d):
        title = f"{d.loc[0, 'channel']} returns the most per unit of spend (ROAS {d.loc[0, 'roas']:.1f})"
    ax.set_title(title or "Return on ad spend")
    return ax


def journey_chart(journey: pd.DataFrame, title: str | None = None, ax: Axes | None = None) -> Axes:
    """The social journey (awareness -> engagement -> conversion -> customer) on a log count axis.

    Each stage is labelled with its count and its rate from the previous one
    (:func:`kpikit.funnel.social_journey`).

    Parameters
    ----------
    journey : DataFrame
        The frame of :func:`kpikit.funnel.social_journey` (stage, measure, count, rate_from_previous).
    title : str, optional
        Chart title; by default it states the share of people reached who become customers.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    d = journey.reset_index(drop=True)
    y = np.arange(len(d))
    ax.barh(y, d["count"].clip(lower=1), color=PALETTE[0])
    ax.set_xscale("log")
    ax.set_yticks(y, [f"{s}\n({m})" for s, m in zip(d["stage"], d["measure"])], fontsize=8)
    ax.invert_yaxis()
    for i, r in d.iterrows():
        lab = f" {int(r['count']):,}" + (f"  ({r['rate_from_previous']:.2%} of previous)" if i else "")
        ax.text(max(r["count"], 1), i, lab, va="center", fontsize=9)
    ax.set_xlim(1, float(d["count"].max()) * 50)
    ax.set_xlabel("count (log scale)")
    if title is None and len(d) > 1:
        overall = d["count"].iloc[-1] / d["count"].iloc[0] if d["count"].iloc[0] else float("nan")
        title = f"{overall:.3%} of the people reached become customers"
    ax.set_title(title or "Social journey")
    return ax


# ---- subscriptions ----


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
    labels = ["new", "expansion", "reactivation", "contraction", "churn"]
    changes = [f["new"], f["expansion"], f["reactivation"], -f["contraction"], -f["churn"]]
    if title is None:
        gain = max(labels[:3], key=lambda k: f[k])
        loss = max(labels[3:], key=lambda k: f[k])
        verb = "grew" if end >= start else "fell"
        title = f"MRR {verb} from {start:,.0f} to {end:,.0f}: {gain} added most, {loss} took most"
    first, last = movements["period"].iloc[0], movements["period"].iloc[-1]
    ax = waterfall(
        labels,
        changes,
        title=title,
        ylabel=f"MRR {currency}".strip() + " per month",
        start_label=f"start {first:%Y-%m}",
        end_label=f"end {last:%Y-%m}",
        start=start,
        ax=ax,
    )
    ax.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    return ax


def survival_curves(
    km: KaplanMeier, title: str, xlabel: str = "months since first payment", ax: Axes | None = None
) -> Axes:
    """Kaplan-Meier step curves per group with their confidence bands and median markers.

    Parameters
    ----------
    km : KaplanMeier
        The result of :func:`kpikit.survival.kaplan_meier`.
    title : str
        Chart title (the finding).
    xlabel : str
        Label of the time axis, with its unit.
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
        lab = f"{g} (median {m:.1f})" if np.isfinite(m) else f"{g} (median not reached)"
        ax.step(c["time"], c["survival"], where="post", color=colour, label=lab)
        ax.fill_between(
            c["time"], c["ci_low"].fillna(0.0), c["ci_high"], step="post", color=colour, alpha=0.15, linewidth=0
        )
    ax.axhline(0.5, color=NEUTRAL, linestyle=":", linewidth=1)
    percent_axis(ax, "y")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("customers still paying (95% CI)")
    ax.legend(frameon=False, fontsize=9)
    ax.set_title(title)
    return ax


def retention_projection(
    projection: pd.DataFrame, title: str, xlabel: str = "period since start", ax: Axes | None = None
) -> Axes:
    """SBG projection against actual survivors: fitted periods shaded, held-out periods to compare.

    Parameters
    ----------
    projection : DataFrame
        ``ShiftedBetaGeometric.projection(periods, actual=...)``: period, predicted, fitted and
        (optionally) actual.
    title : str
        Chart title (the finding).
    xlabel : str
        Label of the period axis.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    p = projection
    ax.plot(p["period"], p["predicted"], color=PALETTE[0], label="sBG projection")
    if "actual" in p:
        ax.scatter(
            p.loc[p["fitted"], "period"],
            p.loc[p["fitted"], "actual"],
            color="black",
            s=18,
            zorder=5,
            label="actual (fitted)",
        )
        held = p[~p["fitted"] & p["actual"].notna()]
        ax.scatter(
            held["period"],
            held["actual"],
            facecolors="none",
            edgecolors=HIGHLIGHT,
            s=30,
            zorder=5,
            label="actual (held out)",
        )
    last_fit = p.loc[p["fitted"], "period"].max()
    ax.axvspan(-0.5, last_fit + 0.5, color=NEUTRAL, alpha=0.12, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("customers still active")
    ax.legend(frameon=False, fontsize=9)
    ax.set_title(title)
    return ax


# ---- clv ----


def holdout_chart(
    buckets: pd.DataFrame, title: str, unit_label: str = "holdout period", ax: Axes | None = None
) -> Axes:
    """Calibration vs holdout: mean actual and predicted holdout purchases per calibration frequency.

    Parameters
    ----------
    buckets : DataFrame
        The frame of :func:`kpikit.clv.holdout_check` (frequency, actual, predicted).
    title : str
        Chart title (the finding).
    unit_label : str
        Name of the holdout period in the axis label.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    x = np.arange(len(buckets))
    ax.bar(x - 0.2, buckets["actual"], width=0.4, color=PALETTE[0], label="actual")
    ax.bar(x + 0.2, buckets["predicted"], width=0.4, color=PALETTE[1], label="model")
    ax.set_xticks(x, [str(v) for v in buckets["frequency"]])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel(f"mean purchases per customer in the {unit_label}")
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


def clv_histogram(
    clv: pd.DataFrame, title: str, currency: str = "", value: str = "clv", ax: Axes | None = None
) -> Axes:
    """Distribution of customer lifetime values, with the mean and median marked (top 1% not drawn).

    Parameters
    ----------
    clv : DataFrame
        One row per customer with the ``value`` column.
    title : str
        Chart title (the finding).
    currency : str
        Currency written in the axis label.
    value : str
        The column of lifetime values.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    v = clv[value].to_numpy(dtype=float)
    upper = float(np.quantile(v, 0.99)) if v.size else 1.0
    sns.histplot(v[v <= upper], bins=40, color=PALETTE[0], ax=ax)
    ax.axvline(float(np.mean(v)), color=HIGHLIGHT, linestyle="--", linewidth=1.5, label=f"mean {np.mean(v):,.2f}")
    ax.axvline(float(np.median(v)), color=NEUTRAL, linestyle=":", linewidth=1.5, label=f"median {np.median(v):,.2f}")
    ax.legend(frameon=False)
    ax.set_xlabel(f"expected margin per customer ({currency}), top 1% not shown".strip())
    ax.set_ylabel("customers")
    ax.set_title(title)
    return ax


def segment_value_chart(
    frame: pd.DataFrame,
    label: str,
    title: str,
    xlabel: str,
    value: str = "clv",
    low: str = "ci_low",
    high: str = "ci_high",
    highlight: Sequence | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of a money value per segment (e.g. mean CLV per channel) with 95% intervals.

    Bars are sorted from the largest value down.

    Parameters
    ----------
    frame : DataFrame
        One row per segment with ``label``, ``value``, ``low`` and ``high`` columns.
    label : str
        Column of the segment names.
    title : str
        Chart title (the finding).
    xlabel : str
        Label of the value axis, with its unit.
    value, low, high : str
        Columns of the value and of its interval's bounds.
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
    data = frame.sort_values(value, ascending=False).reset_index(drop=True)
    _interval_bars(ax, data, label, value, low, high, highlight)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def value_curve(
    curve: pd.DataFrame,
    title: str,
    cac: float | None = None,
    currency: str = "",
    xlabel: str = "months since the first purchase",
    ax: Axes | None = None,
) -> Axes:
    """Cumulative discounted margin of a new customer over time, with the CAC line (payback where they cross).

    Parameters
    ----------
    curve : DataFrame
        The frame of :func:`kpikit.clv.new_customer_value` (period, cumulative_value).
    title : str
        Chart title (the finding).
    cac : float, optional
        Customer acquisition cost, drawn as a horizontal line.
    currency : str
        Currency written in the axis label.
    xlabel : str
        Label of the period axis.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    ax.plot(
        curve["period"],
        curve["cumulative_value"],
        marker="o",
        markersize=3,
        color=PALETTE[0],
        label="cumulative margin",
    )
    if cac is not None:
        ax.axhline(cac, color=BAD, linestyle="--", linewidth=1, label=f"CAC {cac:,.2f}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"margin per new customer ({currency})".replace(" ()", ""))
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


# ---- social/benchmark ----


_VERDICT_PALETTE = {"leads": GOOD, "lags": BAD, "not significant": NEUTRAL, "in line": PALETTE[0]}


def percentile_dots(comparison: pd.DataFrame, title: str, label: str = "metric", ax: Axes | None = None) -> Axes:
    """Dot plot of the client's standing among peers per metric (0 = worst, 100 = best).

    Dots use the ``standing`` column (percentile rank oriented so that 100 is best) and are coloured
    by ``verdict``; the peers' middle half (25-75) is shaded. Significant verdicts are ringed.

    Parameters
    ----------
    comparison : DataFrame
        The frame of :func:`kpikit.benchmark.compare` (standing, verdict and ``label``).
    title : str
        Chart title (the finding).
    label : str
        Column of the metric names.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    data = comparison.reset_index(drop=True)
    y = np.arange(len(data))
    ax.axvspan(25, 75, color=NEUTRAL, alpha=0.12, linewidth=0, label="peers' middle half")
    ax.axvline(50, color="dimgray", linestyle="--", linewidth=1)
    for verdict, colour in _VERDICT_PALETTE.items():
        m = (data["verdict"] == verdict).to_numpy()
        if m.any():
            ax.scatter(
                data.loc[m, "standing"],
                y[m],
                s=90,
                color=colour,
                zorder=3,
                label=verdict,
                edgecolor="black" if verdict in ("leads", "lags") else "none",
                linewidth=1.2,
            )
    ax.set_yticks(y, [str(v) for v in data[label]])
    ax.invert_yaxis()
    ax.set_xlim(-5, 105)
    ax.set_xlabel("standing among competitors (percentile, 100 = best)")
    ax.set_ylabel("")
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax


def vanity_scatter(
    quality: pd.DataFrame,
    title: str,
    label: str = "brand",
    x: str = "followers_end",
    y: str = "engagement_rate",
    highlight: Sequence | None = None,
    ylabel: str = "engagement rate",
    ax: Axes | None = None,
) -> Axes:
    """Audience size against engagement rate, one labelled point per brand with its interval.

    Brands with ``vanity_gap`` (and any in ``highlight``) are drawn in the highlight colour. The x axis
    is logarithmic when audiences differ tenfold or more.

    Parameters
    ----------
    quality : DataFrame
        The frame of :func:`kpikit.social.engagement_quality` (followers_end, engagement_rate,
        ci_low, ci_high, optionally vanity_gap).
    title : str
        Chart title (the finding).
    label : str
        Column of the brand names.
    x, y : str
        Columns of the audience size and of the rate.
    highlight : sequence, optional
        Brands drawn in the highlight colour besides those with a vanity gap.
    ylabel : str
        Label of the rate axis.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    data = quality.reset_index(drop=True)
    hl = set(highlight or [])
    flagged = data["vanity_gap"].to_numpy(dtype=bool) if "vanity_gap" in data else np.zeros(len(data), bool)
    colours = [HIGHLIGHT if (f or lab in hl) else PALETTE[0] for lab, f in zip(data[label], flagged)]
    err = np.vstack([data[y] - data["ci_low"], data["ci_high"] - data[y]])
    ax.errorbar(data[x], data[y], yerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=3, zorder=2)
    ax.scatter(data[x], data[y], s=110, color=colours, zorder=3)
    for xi, yi, lab in zip(data[x], data[y], data[label]):
        ax.annotate(str(lab), (xi, yi), textcoords="offset points", xytext=(8, 6), fontsize=9)
    if data[x].max() >= 10 * max(data[x].min(), 1):
        ax.set_xscale("log")
    else:
        ax.xaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    percent_axis(ax, "y", decimals=1)
    ax.set_xlabel("followers at the end of the period (people)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def industry_bands(
    industry: pd.DataFrame, title: str, axes: Sequence[Axes] | np.ndarray | None = None
) -> Sequence[Axes] | np.ndarray:
    """Published bands with the client placed in them: one panel per benchmark row (own scale).

    Each panel shows the p25-p75 band (bar), the median or single published figure (black tick), and
    the client (dot with its interval; none when the client's value is missing). Panel labels carry
    each row's source and year. Rates (unit not "points") are drawn as percentages.

    Parameters
    ----------
    industry : DataFrame
        The frame of :func:`kpikit.benchmark.against_industry`.
    title : str
        Title of the first panel (the finding).
    axes : sequence of Axes, optional
        One axes per row to draw on; by default a new figure with one panel per row.

    Returns
    -------
    array of Axes
        The panels drawn on (``axes`` when given).
    """
    data = industry.reset_index(drop=True)
    n = len(data)
    if axes is None:
        fig, axes = plt.subplots(n, 1, figsize=(8.0, 0.9 * n + 0.9), squeeze=False)
        axes = axes[:, 0]
    else:
        fig = axes[0].figure
    for ax, r in zip(axes, data.itertuples(index=False)):
        pct = str(getattr(r, "unit", "")) != "points"
        vals = [v for v in (r.p25, r.p50, r.p75, r.value, r.client, r.client_low, r.client_high) if pd.notna(v)]
        lo, hi = min(vals), max(vals)
        pad = (hi - lo) * 0.25 or abs(hi) * 0.1 or 0.05
        if pd.notna(r.p25) and pd.notna(r.p75):
            ax.barh(0, r.p75 - r.p25, left=r.p25, height=0.5, color=PALETTE[0], alpha=0.35)
        if pd.notna(r.reference):
            ax.plot([r.reference, r.reference], [-0.3, 0.3], color="black", linewidth=2)
        if pd.notna(r.client):
            colour = GOOD if r.verdict == "better" else BAD if r.verdict == "worse" else PALETTE[0]
            if pd.notna(r.client_low) and pd.notna(r.client_high):
                ax.errorbar(
                    [r.client],
                    [0],
                    xerr=[[r.client - r.client_low], [r.client_high - r.client]],
                    fmt="none",
                    ecolor="black",
                    elinewidth=1,
                    capsize=3,
                )
            ax.scatter([r.client], [0], s=70, color=colour, zorder=3)
        seg = f" ({r.segment})" if isinstance(r.segment, str) and r.segment else ""
        year = "undated" if pd.isna(r.year) else str(int(r.year))
        ax.set_yticks([0], [f"{r.metric}{seg}\n{r.source}, {year}"], fontsize=8)
        ax.set_ylim(-0.6, 0.6)
        ax.set_xlim(lo - pad, hi + pad)
        if pct:
            span = (hi + pad) - (lo - pad)
            percent_axis(ax, "x", decimals=3 if span < 0.002 else 2 if span < 0.02 else 1)
        ax.grid(axis="y", visible=False)
    axes[-1].set_xlabel("value (band = published p25-p75, tick = published median or figure, dot = client with 95% CI)")
    axes[0].set_title(title)
    fig.tight_layout()
    return axes


def _month_axis(ax) -> None:
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.tick_params(axis="x", rotation=0, labelsize=9)


def share_of_voice_trend(sov: pd.DataFrame, title: str, client: str | None = None, ax: Axes | None = None) -> Axes:
    """Share of voice per brand and period (from :func:`kpikit.social.share_of_voice`), 95% bands.

    The client's line is drawn thicker; the legend sits outside the plot so it hides no line.

    Parameters
    ----------
    sov : DataFrame
        The frame of :func:`kpikit.social.share_of_voice` (brand, period, share_of_voice, ci_low,
        ci_high).
    title : str
        Chart title (the finding).
    client : str, optional
        The client's brand, drawn thicker.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    for i, (brand, g) in enumerate(sov.groupby("brand", sort=True)):
        colour = PALETTE[i % len(PALETTE)]
        width = 2.6 if brand == client else 1.3
        ax.plot(
            g["period"], g["share_of_voice"], marker="o", markersize=3, linewidth=width, color=colour, label=str(brand)
        )
        ax.fill_between(g["period"], g["ci_low"], g["ci_high"], color=colour, alpha=0.15, linewidth=0)
    percent_axis(ax, "y")
    _month_axis(ax)
    ax.set_xlabel("")
    ax.set_ylabel("share of voice (% of the set's mentions)")
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax


def self_benchmark(
    series: pd.DataFrame,
    changes: pd.DataFrame,
    title: str,
    ylabel: str,
    x: str = "period",
    value: str = "engagement_rate",
    dispersion: float = 1.0,
    ax: Axes | None = None,
) -> Axes:
    """A rate over periods with its interval and the periods that changed significantly marked.

    The band is widened by sqrt(``dispersion``) so it matches the quasi-binomial tests of
    ``changes``. Periods whose change against the previous period is significant are ringed (green
    improved, vermilion worsened).

    Parameters
    ----------
    series : DataFrame
        One row per period with ``x``, ``value``, ``ci_low`` and ``ci_high`` (binomial interval).
    changes : DataFrame
        The frame of :func:`kpikit.benchmark.against_self` (comparison, period, value, verdict).
    title : str
        Chart title (the finding).
    ylabel : str
        Label of the rate axis.
    x, value : str
        Columns of the periods and of the rate.
    dispersion : float
        Quasi-binomial dispersion of the rate; 1 leaves the band as it is.
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    data = series.sort_values(x)
    sq = float(np.sqrt(dispersion))
    v = data[value].to_numpy(dtype=float)
    low = v - sq * (v - data["ci_low"].to_numpy(dtype=float))
    high = v + sq * (data["ci_high"].to_numpy(dtype=float) - v)
    ax.plot(data[x], v, marker="o", markersize=4, color=PALETTE[0], label="observed")
    ax.fill_between(
        data[x],
        low,
        high,
        color=PALETTE[0],
        alpha=0.2,
        linewidth=0,
        label="95% interval" + (f" (x{sq:.1f} for dispersion)" if dispersion > 1 else ""),
    )
    prev = changes[changes["comparison"] == "previous"]
    for verdict, colour in (("improved", GOOD), ("worsened", BAD)):
        m = prev[prev["verdict"] == verdict]
        if len(m):
            ax.scatter(
                m["period"],
                m["value"],
                s=120,
                facecolor="none",
                edgecolor=colour,
                linewidth=2,
                zorder=4,
                label=f"{verdict} vs previous period",
            )
    percent_axis(ax, "y", decimals=1)
    _month_axis(ax)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax
