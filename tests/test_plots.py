"""kpikit.plots: the generic charts draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import kpikit.plots as kp
from kpikit.stats import control_limits


def test_every_public_name_exists():
    for name in kp.__all__:
        assert hasattr(kp, name), name


def test_waterfall_bars_by_hand():
    # start 100, +20, -5, +10 -> end 125; bars: start [0,100], +20 [100,120], -5 [115,120], +10 [115,125], end [0,125]
    ax = kp.waterfall(["new", "churn", "expansion"], [20, -5, 10], title="MRR bridge", ylabel="MRR (EUR)", start=100)
    bars = ax.patches
    assert [b.get_y() for b in bars] == pytest.approx([0, 100, 115, 115, 0])
    assert [b.get_height() for b in bars] == pytest.approx([100, 20, 5, 10, 125])
    assert ax.get_title() == "MRR bridge"


def test_rate_bars_draw_values_and_intervals():
    frame = pd.DataFrame({"page": ["/a", "/b"], "rate": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]})
    ax = kp.rate_bars(
        frame, "page", "rate", title="Bounce by page", xlabel="bounce rate", reference=0.35, highlight=["/b"]
    )
    widths = [b.get_width() for b in ax.patches]
    assert widths == pytest.approx([0.2, 0.5])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["/a", "/b"]
    assert ax.patches[1].get_facecolor()[:3] == pytest.approx(kp.HIGHLIGHT)


def test_segment_value_chart_sorts_bars_and_highlights():
    frame = pd.DataFrame(
        {
            "channel": ["Email", "Direct", "Paid Social"],
            "clv": [20.0, 50.0, 35.0],
            "ci_low": [15.0, 40.0, 30.0],
            "ci_high": [25.0, 60.0, 40.0],
        }
    )
    ax = kp.segment_value_chart(frame, "channel", title="CLV by channel", xlabel="CLV (GBP)", highlight=["Paid Social"])
    # largest value on top: Direct 50, Paid Social 35, Email 20
    assert [b.get_width() for b in ax.patches] == pytest.approx([50.0, 35.0, 20.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Direct", "Paid Social", "Email"]
    assert ax.patches[1].get_facecolor()[:3] == pytest.approx(kp.HIGHLIGHT)
    assert ax.patches[0].get_facecolor()[:3] == pytest.approx(kp.PALETTE[0])
    assert ax.get_xlabel() == "CLV (GBP)" and ax.get_title() == "CLV by channel"


def test_p_chart_marks_signals():
    lim = control_limits([5, 25, 10], [100, 100, 100])
    ax = kp.p_chart(pd.date_range("2025-01-06", periods=3, freq="W-MON"), lim, title="t", ylabel="rate")
    signal = [c for c in ax.collections if c.get_label() == "signal"]
    assert len(signal) == 1 and len(signal[0].get_offsets()) == int(lim["signal"].sum()) == 1


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
def test_inline_charts_are_drawn_once_not_twice():
    # use_style disconnects pyplot's post-cell redraw: the chart is laid out once for the tight
    # bounding box and drawn once into its PNG (2 draws). Without that (draw_charts_once replaced
    # by a no-op), pyplot's hook, which runs before the inline backend's, draws it a third time
    # into a canvas nobody sees. The PNG is the same either way.
    once, png_once, interactive = _run_chart_in_kernel("kp.use_style()")
    twice, png_twice, _ = _run_chart_in_kernel(
        "import kpikit.plots.style as style\nstyle.draw_charts_once = lambda: False\nkp.use_style()"
    )
    assert (once, twice) == (2, 3)
    assert len(png_once) == 1 and png_once == png_twice
    assert interactive == "True"  # interactive mode itself is untouched


def test_draw_charts_once_does_nothing_outside_ipython():
    assert kp.draw_charts_once() is False
