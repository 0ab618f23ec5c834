"""Charts of competitor, industry and self benchmarks (notebook 05)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
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
    _plain_text,
    chart_text,
    count_axis,
    month_ticks,
    percent_axis,
)

__all__ = ["percentile_dots", "vanity_scatter", "industry_bands", "share_of_voice_trend", "self_benchmark"]


def _verdict_label(verdict: str) -> str:
    """A verdict of a legend in the charts' language (each written out, so the catalogue test sees it)."""
    words = {
        "leads": chart_text("leads"),
        "lags": chart_text("lags"),
        "not significant": chart_text("not significant"),
        "in line": chart_text("in line"),
        "improved vs previous period": chart_text("improved vs previous period"),
        "worsened vs previous period": chart_text("worsened vs previous period"),
    }
    return words.get(verdict, verdict)


_VERDICT_PALETTE = {"leads": GOOD, "lags": BAD, "not significant": NEUTRAL, "in line": PALETTE[0]}


@_plain_text
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
    ax.axvspan(25, 75, color=NEUTRAL, alpha=0.12, linewidth=0, label=chart_text("peers' middle half"))
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
                label=_verdict_label(verdict),
                edgecolor="black" if verdict in ("leads", "lags") else "none",
                linewidth=1.2,
            )
    ax.set_yticks(y, [str(v) for v in data[label]])
    ax.invert_yaxis()
    ax.set_xlim(-5, 105)
    ax.set_xlabel(chart_text("standing among competitors (percentile, 100 = best)"))
    ax.set_ylabel("")
    ax.legend(frameon=False, fontsize=10, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax


@_plain_text
def vanity_scatter(
    quality: pd.DataFrame,
    title: str,
    label: str = "brand",
    x: str = "followers_end",
    y: str = "engagement_rate",
    highlight: Sequence | None = None,
    ylabel: str | None = None,
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
    ylabel : str, optional
        Label of the rate axis (default "engagement rate", in the charts' language).
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
        ax.annotate(str(lab), (xi, yi), textcoords="offset points", xytext=(8, 6), fontsize=10)
    if data[x].max() >= 10 * max(data[x].min(), 1):
        ax.set_xscale("log")
    else:
        count_axis(ax, "x")
    percent_axis(ax, "y", decimals=1)
    ax.set_xlabel(chart_text("followers at the end of the period (people)"))
    ax.set_ylabel(chart_text("engagement rate") if ylabel is None else ylabel)
    ax.set_title(title)
    return ax


@_plain_text
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
        ax.set_yticks([0], [f"{r.metric}{seg}\n{r.source}, {year}"], fontsize=10)
        ax.set_ylim(-0.6, 0.6)
        ax.set_xlim(lo - pad, hi + pad)
        if pct:
            span = (hi + pad) - (lo - pad)
            percent_axis(ax, "x", decimals=3 if span < 0.002 else 2 if span < 0.02 else 1)
        ax.grid(axis="y", visible=False)
    axes[-1].set_xlabel(
        chart_text("value (band = published p25-p75, tick = published median or figure, dot = client with 95% CI)")
    )
    axes[0].set_title(title)
    fig.tight_layout()
    return axes


def _month_axis(ax) -> None:
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    month_ticks(ax)
    ax.tick_params(axis="x", rotation=0, labelsize=10)


@_plain_text
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
    ax.set_ylabel(chart_text("share of voice (% of the set's mentions)"))
    ax.legend(frameon=False, fontsize=10, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax


@_plain_text
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
    ax.plot(data[x], v, marker="o", markersize=4, color=PALETTE[0], label=chart_text("observed"))
    ax.fill_between(
        data[x],
        low,
        high,
        color=PALETTE[0],
        alpha=0.2,
        linewidth=0,
        label=chart_text("95% interval (x{factor:num1} for dispersion)", factor=sq)
        if dispersion > 1
        else chart_text("95% interval"),
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
                label=_verdict_label(f"{verdict} vs previous period"),
            )
    percent_axis(ax, "y", decimals=1)
    _month_axis(ax)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=10, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title)
    return ax
