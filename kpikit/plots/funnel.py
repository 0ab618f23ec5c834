"""Charts of funnels, attribution and acquisition (notebook 02)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

if TYPE_CHECKING:
    pass
from kpikit.plots.generic import heatmap
from kpikit.plots.style import BAD, HIGHLIGHT, NEUTRAL, PALETTE, _ax, _plain_text

__all__ = [
    "funnel_chart",
    "step_change_chart",
    "time_to_convert_chart",
    "stage_heatmap",
    "attribution_chart",
    "roas_chart",
    "journey_chart",
]


def _step_names(frame: pd.DataFrame) -> list[str]:
    return [str(s) for s in frame["step_name"]]


@_plain_text
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
        ax.text(r[cnt] + top * 0.01, i, label, va="center", fontsize=10)
    ax.set_xlim(0, top * 1.6)
    ax.set_xlabel(f"{cnt} reaching the step (count)")
    if title is None and leak >= 0:
        title = (
            f"Biggest leak: {data.loc[leak - 1, 'step_name']} -> {data.loc[leak, 'step_name']} "
            f"({data.loc[leak, 'conversion_from_previous']:.0%} continue)"
        )
    ax.set_title(title or "Funnel")
    return ax


@_plain_text
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


@_plain_text
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
            fontsize=10,
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


@_plain_text
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


@_plain_text
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
    ax.legend(title="model", frameon=False, fontsize=10)
    if title is None:
        w = comparison.loc[comparison["spread"].idxmax()]
        title = (
            f"The models disagree most on {w['channel']} ({w[models].min():.0f} to {w[models].max():.0f} conversions)"
        )
    ax.set_title(title)
    return ax


@_plain_text
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


@_plain_text
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
    ax.set_yticks(y, [f"{s}\n({m})" for s, m in zip(d["stage"], d["measure"])], fontsize=10)
    ax.invert_yaxis()
    for i, r in d.iterrows():
        lab = f" {int(r['count']):,}" + (f"  ({r['rate_from_previous']:.2%} of previous)" if i else "")
        ax.text(max(r["count"], 1), i, lab, va="center", fontsize=10)
    ax.set_xlim(1, float(d["count"].max()) * 50)
    ax.set_xlabel("count (log scale)")
    if title is None and len(d) > 1:
        overall = d["count"].iloc[-1] / d["count"].iloc[0] if d["count"].iloc[0] else float("nan")
        title = f"{overall:.3%} of the people reached become customers"
    ax.set_title(title or "Social journey")
    return ax
