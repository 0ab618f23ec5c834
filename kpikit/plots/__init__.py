"""Charts in one house style (seaborn), one message per chart.

House rules: the title states the finding, axes are labelled with units, the palette is colour-blind
safe (seaborn "colorblind", after Okabe and Ito), and intervals are drawn wherever they exist. Every
function returns the matplotlib ``Axes`` it drew on and takes an optional ``ax``.

Generic charts come first; each domain has its own section below.
"""

from kpikit.plots.benchmark import industry_bands, percentile_dots, self_benchmark, share_of_voice_trend, vanity_scatter
from kpikit.plots.clv import clv_histogram, holdout_chart, segment_value_chart, value_curve
from kpikit.plots.funnel import (
    attribution_chart,
    funnel_chart,
    journey_chart,
    roas_chart,
    stage_heatmap,
    step_change_chart,
    time_to_convert_chart,
)
from kpikit.plots.generic import heatmap, p_chart, rate_bars, trend, waterfall
from kpikit.plots.style import (
    BAD,
    GOOD,
    HIGHLIGHT,
    NEUTRAL,
    PALETTE,
    chart_title,
    draw_charts_once,
    percent_axis,
    set_language,
    sharp_charts,
    use_style,
)
from kpikit.plots.subscriptions import mrr_waterfall, retention_projection, survival_curves
from kpikit.plots.web import device_gap_chart, fix_list_chart

__all__ = [
    "PALETTE",
    "use_style",
    "draw_charts_once",
    "sharp_charts",
    "chart_title",
    "percent_axis",
    "set_language",
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
    "GOOD",
    "BAD",
    "NEUTRAL",
    "HIGHLIGHT",
]
