"""Charts of customer lifetime value (notebook 04)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

if TYPE_CHECKING:
    pass
from kpikit.plots.style import BAD, HIGHLIGHT, NEUTRAL, PALETTE, _ax, _interval_bars, _plain_text, chart_text

__all__ = ["holdout_chart", "clv_histogram", "segment_value_chart", "value_curve"]


@_plain_text
def holdout_chart(buckets: pd.DataFrame, title: str, unit_label: str | None = None, ax: Axes | None = None) -> Axes:
    """Calibration vs holdout: mean actual and predicted holdout purchases per calibration frequency.

    Parameters
    ----------
    buckets : DataFrame
        The frame of :func:`kpikit.clv.holdout_check` (frequency, actual, predicted).
    title : str
        Chart title (the finding).
    unit_label : str, optional
        Name of the holdout period in the axis label (default "holdout period", in the charts' language).
    ax : Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    ax = _ax(ax)
    x = np.arange(len(buckets))
    ax.bar(x - 0.2, buckets["actual"], width=0.4, color=PALETTE[0], label=chart_text("actual"))
    ax.bar(x + 0.2, buckets["predicted"], width=0.4, color=PALETTE[1], label=chart_text("model"))
    ax.set_xticks(x, [str(v) for v in buckets["frequency"]])
    ax.set_xlabel(chart_text("repeat purchases in the calibration period"))
    ax.set_ylabel(
        chart_text("mean purchases per customer in the {unit}", unit=unit_label or chart_text("holdout period"))
    )
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


@_plain_text
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
    ax.axvline(
        float(np.mean(v)),
        color=HIGHLIGHT,
        linestyle="--",
        linewidth=1.5,
        label=chart_text("mean {value:num}", value=float(np.mean(v))),
    )
    ax.axvline(
        float(np.median(v)),
        color=NEUTRAL,
        linestyle=":",
        linewidth=1.5,
        label=chart_text("median {value:num}", value=float(np.median(v))),
    )
    ax.legend(frameon=False)
    ax.set_xlabel(
        chart_text("expected margin per customer ({currency}), top 1% not shown", currency=currency).replace(" ()", "")
    )
    ax.set_ylabel(chart_text("customers"))
    ax.set_title(title)
    return ax


@_plain_text
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


@_plain_text
def value_curve(
    curve: pd.DataFrame,
    title: str,
    cac: float | None = None,
    currency: str = "",
    xlabel: str | None = None,
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
    xlabel : str, optional
        Label of the period axis (default "months since the first purchase", in the charts' language).
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
        label=chart_text("cumulative margin"),
    )
    if cac is not None:
        ax.axhline(cac, color=BAD, linestyle="--", linewidth=1, label=chart_text("CAC {cac:num}", cac=cac))
    ax.set_xlabel(chart_text("months since the first purchase") if xlabel is None else xlabel)
    ax.set_ylabel(chart_text("margin per new customer ({currency})", currency=currency).replace(" ()", ""))
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax
