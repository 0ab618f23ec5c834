"""The house style: palette, seaborn theme, one draw per chart, text drawn as written, and the shared axis helpers.

Text from data is drawn as written. Matplotlib reads any text holding two ``$`` as mathtext, so a
page path such as ``/promo/$10_off_$50`` used as a tick label, a title or a legend entry stops the
drawing with a ValueError (or is typeset as a formula). Every chart is wrapped by :func:`_plain_text`,
which turns math parsing off for the text the chart shows: titles, axis labels, annotations, legend
entries and the tick labels the chart gives (pages, categories). It is done per text, not with
``rcParams["text.parse_math"] = False``, because matplotlib writes the tick labels of a log axis
(journey_chart, vanity_scatter) as mathtext (powers of ten as ``$10^{2}$``); those keep their math.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

if TYPE_CHECKING:
    pass

__all__ = [
    "PALETTE",
    "use_style",
    "draw_charts_once",
    "sharp_charts",
    "chart_title",
    "percent_axis",
    "count_axis",
    "set_language",
    "chart_language",
    "chart_text",
    "GOOD",
    "BAD",
    "NEUTRAL",
    "HIGHLIGHT",
]


#: The language the kit's charts write their own words in (axis labels, legend entries, month ticks):
#: set by ``kk.report.start`` for the report it renders; English otherwise.
_CHART_LANGUAGE = ["en"]


def set_language(lang: str) -> None:
    """Write the kit's own chart words (axis labels, legends, month ticks) in ``lang`` from now on.

    ``kk.report.start`` calls it with the report's language; the words come from the catalogues'
    ``findings`` section, keyed by the English text, like the findings' templates.

    Parameters
    ----------
    lang : str
        A language code of :func:`kpikit.i18n.languages`.
    """
    from kpikit.i18n import language

    language(lang)  # refuses a language without a catalogue
    _CHART_LANGUAGE[0] = lang


def chart_language() -> str:
    """The language the kit's charts write their own words in.

    Returns
    -------
    str
    """
    return _CHART_LANGUAGE[0]


def chart_text(template: str, **fields: object) -> str:
    """One of the kit's chart words in the charts' language, its ``{field:spec}`` placeholders filled.

    Parameters
    ----------
    template : str
        The English text (the catalogue key), e.g. ``"customers still active"``.
    **fields
        Values of the placeholders.

    Returns
    -------
    str

    Examples
    --------
    >>> chart_text("customers still active")
    'customers still active'
    """
    from kpikit.i18n import render_template, translate_template

    lang = _CHART_LANGUAGE[0]
    return render_template(translate_template(template, lang), fields, lang, source=template)


def month_ticks(ax: Axes, axis: str = "x") -> None:
    """Write the month ticks of a date axis as the charts' language abbreviates them ("Jun 2025").

    Parameters
    ----------
    ax : Axes
        The chart.
    axis : {"x", "y"}
        The date axis.
    """
    import matplotlib.dates as mdates

    from kpikit.i18n import format_month

    lang = _CHART_LANGUAGE[0]
    fmt = mticker.FuncFormatter(lambda v, _pos: format_month(mdates.num2date(v).date(), lang))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


#: The kit's colour-blind-safe palette (seaborn "colorblind").
PALETTE = sns.color_palette("colorblind")


#: Fixed colours with a meaning, used across notebooks.
GOOD, BAD, NEUTRAL, HIGHLIGHT = PALETTE[2], PALETTE[3], PALETTE[7], PALETTE[1]


def use_style() -> None:
    """Apply the house style: white grid, readable fonts, PNG output at a fixed size and dpi.

    In a notebook with the inline backend it also has each chart drawn once instead of twice (see
    :func:`draw_charts_once`), as a PNG at twice its pixel size carrying its title as alt text (see
    :func:`sharp_charts`).
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
    sharp_charts()


def _inline_shell():
    """The IPython shell when charts go through the inline backend (resolved now if pyplot has not yet), else None."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return None
    if not plt.get_fignums():
        # pyplot resolves its backend lazily at the first figure and connects the hook then; resolve
        # it now (with no figure open, switching to the same backend loses nothing)
        plt.switch_backend(matplotlib.get_backend())
    return shell if "inline" in str(matplotlib.get_backend()).lower() else None


def chart_title(fig: Figure) -> str:
    """The title a chart shows: its figure title, else its axes' titles joined by "; " ("" for none).

    Parameters
    ----------
    fig : Figure
        The chart.

    Returns
    -------
    str
    """
    titles = []
    if getattr(fig, "_suptitle", None) is not None:
        titles.append(fig._suptitle.get_text())
    if not any(t.strip() for t in titles):
        titles = [ax.get_title(loc) for ax in fig.get_axes() for loc in ("left", "center", "right")]
    return "; ".join(" ".join(t.split()) for t in titles if t.strip())


def sharp_charts() -> bool:
    """With the inline backend, show each chart as a PNG at twice its pixel size, with its title as alt text.

    The PNG has twice the pixels of the chart's size (``figure.dpi`` 96: an 8 x 4.5 inch chart is
    1536 x 864 pixels) and its output's metadata keeps the size it is shown at (768 x 432), so the
    chart is sharp on high-density screens and on paper and takes the same room as before. The
    metadata also holds ``alt``, the chart's title (:func:`chart_title`), which the rendered report
    uses as the image's alt text.

    Returns
    -------
    bool
        True when the PNG format was set (False outside IPython or with another backend).
    """
    shell = _inline_shell()
    if shell is None:
        return False
    from IPython.core.pylabtools import retina_figure
    from matplotlib_inline.backend_inline import InlineBackend

    options = dict(InlineBackend.instance().print_figure_kwargs)

    def png(fig: Figure):
        drawn = retina_figure(fig, base64=True, **options)
        if drawn is None:  # an empty figure shows nothing
            return None
        data, meta = drawn
        title = chart_title(fig)
        return (data, {**meta, "alt": title}) if title else (data, meta)

    shell.display_formatter.formatters["image/png"].for_type(Figure, png)
    return True


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
    if _inline_shell() is None:
        return False
    plt.uninstall_repl_displayhook()
    return True


#: Tick formatters that write numbers as mathtext (powers of ten, offsets, SI prefixes); the labels of
#: every other formatter (labels given with the ticks, categories, dates, percentages) are drawn as written.
_MATH_FORMATTERS = (mticker.LogFormatter, mticker.ScalarFormatter, mticker.EngFormatter)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _no_mathtext(ax: Axes) -> None:
    """Draw the text of ``ax`` as written: math parsing off for every text but number tick labels.

    Titles, axis labels, annotations, legend entries and tick labels given by the chart (categories,
    pages, dates, percentages) are drawn literally; the tick labels of matplotlib's number formatters
    (a log axis writes powers of ten as ``$10^{2}$``) and the axis offset text keep their mathtext.
    """
    numbers = set()
    for axis in (ax.xaxis, ax.yaxis):
        numbers.add(id(axis.offsetText))
        major = (axis.get_major_formatter(), axis.get_major_ticks())
        for formatter, ticks in (major, (axis.get_minor_formatter(), axis.get_minor_ticks())):
            if isinstance(formatter, _MATH_FORMATTERS):
                numbers.update(id(label) for tick in ticks for label in (tick.label1, tick.label2))
    for text in ax.findobj(Text):
        text.set_parse_math(id(text) in numbers)


def _plain_text(chart: Callable[_P, _R]) -> Callable[_P, _R]:
    """Wrap a chart function so that the text it shows from data is drawn as written (see the module notes).

    The chart runs with math parsing off (``rcParams["text.parse_math"]``, put back afterwards), so text
    measured while it draws (seaborn's tick-label overlap test, ``tight_layout``) is read as written;
    then :func:`_no_mathtext` sets each text of the Axes it returns (or of each of an array of them):
    literal, except the tick labels of number formatters, which get their mathtext back.
    """

    @functools.wraps(chart)
    def drawn(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        # only this setting is set and put back: rc_context would restore every setting, and undo
        # what pyplot sets when the chart's figure is the session's first (the backend, interactive mode)
        parse_math = plt.rcParams["text.parse_math"]
        plt.rcParams["text.parse_math"] = False
        try:
            out = chart(*args, **kwargs)
        finally:
            plt.rcParams["text.parse_math"] = parse_math
        for ax in [out] if isinstance(out, Axes) else np.ravel(np.asarray(out, dtype=object)):
            if isinstance(ax, Axes):
                _no_mathtext(ax)
        return out

    return drawn


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
    lang = _CHART_LANGUAGE[0]
    if lang == "en":
        fmt = mticker.PercentFormatter(xmax=1.0, decimals=decimals)
    else:  # the language's decimal mark and percent sign ("44,7%")
        from kpikit.i18n import format_share

        fmt = mticker.FuncFormatter(lambda v, _pos: format_share(v, lang, decimals))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)
    return ax


def count_axis(ax: Axes, axis: str = "y") -> Axes:
    """Format an axis holding counts or amounts with the charts' language's thousands separator.

    Parameters
    ----------
    ax : Axes
        The axes whose axis is formatted.
    axis : {"x", "y"}
        The axis that holds counts.

    Returns
    -------
    Axes
        ``ax``, formatted.
    """
    lang = _CHART_LANGUAGE[0]
    if lang == "en":
        fmt = mticker.StrMethodFormatter("{x:,.0f}")
    else:
        from kpikit.i18n import format_count

        fmt = mticker.FuncFormatter(lambda v, _pos: format_count(round(v), lang))
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
