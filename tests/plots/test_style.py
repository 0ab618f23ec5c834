"""kpikit.plots.style: the public names, and charts drawn once under the inline backend."""

from __future__ import annotations

import pytest

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
    twice, png_twice, _ = _run_chart_in_kernel(
        "import kpikit.plots.style as style\nstyle.draw_charts_once = lambda: False\nkp.use_style()"
    )
    assert (once, twice) == (2, 3)
    assert len(png_once) == 1 and png_once == png_twice
    assert interactive == "True"  # interactive mode itself is untouched


def test_draw_charts_once_does_nothing_outside_ipython():
    assert kp.draw_charts_once() is False
