"""kpikit.plots.style: the public names, charts drawn once under the inline backend, and data text drawn as written."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text

import kpikit.plots as kp


def _run_chart_in_kernel(setup: str):
    """Draw one chart in a real IPython kernel (inline backend); (Figure.draw calls, PNG, hook off)."""
    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import pandas as pd\nimport matplotlib.pyplot as plt\nfrom matplotlib.figure import Figure\n"
        "import kpikit.plots as kp\ncalls = []\n_draw = Figure.draw\n"
        "Figure.draw = lambda self, renderer: (calls.append(1), _draw(self, renderer))[1]\n" + setup,
        'frame = pd.DataFrame({"page": ["/a", "/b"], "rate": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]})\n'
        '_ = kp.rate_bars(frame, "page", "rate", title="Bounce by page", xlabel="bounce rate")',
        "print(len(calls), plt.isinteractive())",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    png = [o["data"]["image/png"] for o in nb.cells[1].outputs if "image/png" in o.get("data", {})]
    draws, interactive = nb.cells[2].outputs[0]["text"].split()
    return int(draws), png, interactive


@pytest.mark.notebook
def test_inline_charts_are_twice_as_sharp_and_carry_their_title_as_alt_text():
    import base64
    import struct

    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import pandas as pd\nimport kpikit.plots as kp\nkp.use_style()",
        'frame = pd.DataFrame({"page": ["/a", "/b"], "rate": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]})\n'
        '_ = kp.rate_bars(frame, "page", "rate", title="Bounce by page:  /b  bounces most", xlabel="bounce rate")',
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    (out,) = [o for o in nb.cells[1].outputs if "image/png" in o.get("data", {})]
    png = base64.b64decode(out["data"]["image/png"])
    pixels = struct.unpack(">II", png[16:24])  # the PNG header's width and height
    meta = out["metadata"]["image/png"]
    # twice the pixels of the size it is shown at (bbox "tight" trims the 768 x 432 chart a little)
    assert (meta["width"], meta["height"]) == (pixels[0] // 2, pixels[1] // 2) and 600 < meta["width"] <= 768
    assert meta["alt"] == "Bounce by page: /b bounces most"  # the title, its spaces as one


def test_the_chart_title_is_the_figure_title_else_its_axes_titles():
    fig, (left, right) = plt.subplots(1, 2)
    assert kp.chart_title(fig) == ""
    left.set_title("Churn falls", loc="left")
    right.set_title("GRR 58%")
    assert kp.chart_title(fig) == "Churn falls; GRR 58%"
    fig.suptitle("Retention improves\nafter the price change")
    assert kp.chart_title(fig) == "Retention improves after the price change"
    plt.close(fig)


def test_sharp_charts_does_nothing_outside_ipython():
    assert kp.sharp_charts() is False


def test_every_public_name_exists():
    for name in kp.__all__:
        assert hasattr(kp, name), name


@pytest.mark.notebook
def test_inline_charts_are_drawn_once_not_twice():
    # use_style disconnects pyplot's post-cell redraw: the chart is laid out once for the tight
    # bounding box and drawn once into its PNG (2 draws). Without that (draw_charts_once replaced
    # by a no-op), pyplot's hook, which runs before the inline backend's, draws it a third time
    # into a canvas nobody sees. The PNG is the same either way.
    once, png_once, interactive = _run_chart_in_kernel("kp.use_style()")
    twice, png_twice, still_interactive = _run_chart_in_kernel(
        "import kpikit.plots.style as style\nstyle.draw_charts_once = lambda: False\nkp.use_style()"
    )
    assert (once, twice) == (2, 3)
    assert len(png_once) == 1 and png_once == png_twice
    assert interactive == "True"  # interactive mode itself is untouched
    # a chart that is the session's first figure leaves pyplot's interactive mode on (the chart's own
    # setting is put back alone, not every setting as they were before pyplot chose its backend)
    assert still_interactive == "True"


def test_draw_charts_once_does_nothing_outside_ipython():
    assert kp.draw_charts_once() is False


# Text with dollar signs, as client data holds it: each would be read as mathtext and stop the drawing.
PAGE = "/promo/$10_off_$50"
OTHER = "/sale/$5_$9"


def _web_and_funnel_charts():
    """(name, call) for the charts of notebooks 01 and 02 that show text from data, drawn with dollar labels."""
    pages = pd.DataFrame({"page": [PAGE, OTHER], "rate": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]})
    diagnosis = pd.DataFrame(
        {
            "segment": [PAGE, OTHER],
            "excess_bounces": [120.0, -30.0],
            "bounce_rate": [0.6, 0.3],
            "ci_low": [0.55, 0.25],
            "ci_high": [0.65, 0.35],
            "flagged": [True, False],
            "goal": ["action", "information"],
        }
    )
    gaps = pd.DataFrame(
        {
            "landing_page": [PAGE, OTHER],
            "mobile_bounces": [60, 20],
            "mobile_sessions": [100, 100],
            "mobile_bounce_rate": [0.6, 0.2],
            "desktop_bounces": [30, 20],
            "desktop_sessions": [100, 100],
            "desktop_bounce_rate": [0.3, 0.2],
            "gap": [0.3, 0.0],
            "flagged": [True, False],
        }
    )
    funnel = pd.DataFrame(
        {
            "step": [1, 2],
            "step_name": [f"page_view[page={PAGE}]", "purchase $$"],
            "users": [1000, 200],
            "conversion_from_previous": [1.0, 0.2],
            "conversion_from_previous_low": [1.0, 0.18],
            "conversion_from_previous_high": [1.0, 0.22],
        }
    )
    change = pd.DataFrame(
        {"step_name": [PAGE, OTHER], "difference": [0.05, -0.01], "ci_low": [0.02, -0.03], "ci_high": [0.08, 0.01]}
    ).assign(significant=[True, False])
    journey = pd.DataFrame(
        {
            "stage": ["awareness $", "customer $"],
            "measure": [PAGE, OTHER],
            "count": [100000, 50],
            "rate_from_previous": [None, 0.0005],
        }
    )
    return [
        ("rate_bars", lambda: kp.rate_bars(pages, "page", "rate", title=f"Fix {PAGE}", xlabel="rate ($ and $)")),
        ("fix_list_chart", lambda: kp.fix_list_chart(diagnosis)),
        ("device_gap_chart", lambda: kp.device_gap_chart(gaps)),
        ("funnel_chart", lambda: kp.funnel_chart(funnel)),
        ("step_change_chart", lambda: kp.step_change_chart(change)),
        ("journey_chart", lambda: kp.journey_chart(journey, title=f"{PAGE} journey")),
    ]


def _other_charts():
    """(name, call) for the other charts that show text from data, drawn with dollar labels."""
    from kpikit.survival import kaplan_meier

    pages = pd.DataFrame({"page": [PAGE, OTHER], "rate": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]})
    peers = pd.DataFrame({"metric": [PAGE, OTHER], "standing": [80.0, 20.0], "verdict": ["leads", "lags"]})
    brands = pd.DataFrame(
        {
            "brand": ["Shop $1 $2", "B"],
            "followers_end": [100, 100000],
            "engagement_rate": [0.05, 0.01],
            "ci_low": [0.04, 0.009],
            "ci_high": [0.06, 0.011],
            "vanity_gap": [False, True],
        }
    )
    industry = pd.DataFrame(
        {
            "metric": ["bounce_rate"],
            "segment": [PAGE],
            "source": ["Survey of $1M to $5M sites"],
            "year": [2024],
            "p25": [0.2],
            "p50": [0.3],
            "p75": [0.4],
            "value": [float("nan")],
            "reference": [0.3],
            "client": [0.35],
            "client_low": [0.3],
            "client_high": [0.4],
            "verdict": ["in line"],
            "unit": ["fraction of sessions"],
        }
    )
    periods = pd.to_datetime(["2025-01-01", "2025-04-01", "2025-07-01"])
    sov = pd.DataFrame(
        {
            "brand": ["$A$"] * 3 + ["$B$"] * 3,
            "period": list(periods) * 2,
            "share_of_voice": [0.4, 0.5, 0.6, 0.6, 0.5, 0.4],
        }
    ).assign(ci_low=lambda d: d["share_of_voice"] - 0.05, ci_high=lambda d: d["share_of_voice"] + 0.05)
    credit = pd.DataFrame({"channel": [PAGE, OTHER], "first_touch": [2.0, 1.0], "last_touch": [0.0, 3.0]})
    credit["spread"] = (credit["first_touch"] - credit["last_touch"]).abs()
    roas = pd.DataFrame({"channel": [PAGE, OTHER], "cost": [10.0, 20.0], "roas": [2.0, 0.5]})
    km = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 0], by=[PAGE] * 3 + [OTHER] * 3)
    return [
        ("percentile_dots", lambda: kp.percentile_dots(peers, title=f"{PAGE} leads")),
        ("vanity_scatter", lambda: kp.vanity_scatter(brands, title="$1 $2")),
        ("industry_bands", lambda: kp.industry_bands(industry, title=f"{PAGE} in line")),
        ("share_of_voice_trend", lambda: kp.share_of_voice_trend(sov, title="$A$ leads", client="$A$")),
        ("attribution_chart", lambda: kp.attribution_chart(credit)),
        ("roas_chart", lambda: kp.roas_chart(roas)),
        ("trend", lambda: kp.trend(sov, "period", "share_of_voice", title="t", ylabel="$ share $", hue="brand")),
        (
            "heatmap",
            lambda: kp.heatmap(pd.DataFrame([[0.1, 0.2]], index=[PAGE], columns=["$a$", OTHER]), "h", "x", "y"),
        ),
        ("waterfall", lambda: kp.waterfall([PAGE, OTHER], [5.0, -2.0], title="w", ylabel="MRR ($ per $)")),
        ("segment_value_chart", lambda: kp.segment_value_chart(pages, "page", "v", "CLV ($)", value="rate")),
        ("survival_curves", lambda: kp.survival_curves(km, title=f"{PAGE} churns first")),
    ]


CHARTS = _web_and_funnel_charts() + _other_charts()


@pytest.mark.parametrize("name, draw", CHARTS, ids=[n for n, _ in CHARTS])
def test_dollar_signs_in_data_are_drawn_as_written(name, draw):
    plt.close("all")
    out = draw()
    axes = list(out) if not hasattr(out, "figure") else [out]
    axes[0].figure.savefig(io.BytesIO(), format="png")  # mathtext would raise a ValueError here
    shown = [t.get_text() for ax in axes for t in ax.findobj(lambda a: hasattr(a, "get_parse_math"))]
    assert any("$" in t for t in shown), "the test drew no text with a dollar sign"
    literal = [t for ax in axes for t in ax.findobj(lambda a: hasattr(a, "get_parse_math")) if "$" in t.get_text()]
    if name in ("journey_chart", "vanity_scatter"):  # the log axis keeps matplotlib's own mathtext tick labels
        ticks = [t for t in axes[0].get_xticklabels() if t.get_text()]
        assert ticks and all(t.get_parse_math() and "mathdefault" in t.get_text() for t in ticks)
        literal = [t for t in literal if "mathdefault" not in t.get_text()]
    assert literal and not any(t.get_parse_math() for t in literal)
    plt.close("all")


@pytest.mark.parametrize("name, draw", CHARTS, ids=[n for n, _ in CHARTS])
def test_every_text_of_a_chart_is_at_least_10_pt(name, draw):
    # REPORT_STYLE: text of at least 10 pt, so a chart stays readable at its size on paper and on a phone
    plt.close("all")
    with plt.rc_context():  # the house style, put back after the test
        kp.use_style()
        out = draw()
        fig = (list(out) if not hasattr(out, "figure") else [out])[0].figure
        fig.savefig(io.BytesIO(), format="png")
        small = {(t.get_text(), t.get_size()) for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()}
        small = {(text, size) for text, size in small if size < 10}
    plt.close("all")
    assert not small, f"{name} draws text under 10 pt: {sorted(small)}"


def test_without_the_wrapper_a_dollar_label_breaks_the_chart():
    frame = pd.DataFrame({"page": [PAGE], "rate": [0.2], "ci_low": [0.1], "ci_high": [0.3]})
    ax = kp.rate_bars.__wrapped__(frame, "page", "rate", title="t", xlabel="x")
    with pytest.raises(ValueError):
        ax.figure.savefig(io.BytesIO(), format="png")
    ax = kp.rate_bars(frame, "page", "rate", title="t", xlabel="x")
    ax.figure.savefig(io.BytesIO(), format="png")
    assert [t.get_text() for t in ax.get_yticklabels()] == [PAGE]
    plt.close("all")
