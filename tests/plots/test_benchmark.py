"""The benchmark charts of kpikit.plots drawn from kpikit.benchmark and kpikit.social outputs."""

from __future__ import annotations

import pandas as pd

from kpikit import benchmark as bm
from kpikit.stats import rate
from tests.benchmark.helpers import peer_table, published_benchmarks


def test_charts_draw_what_they_are_given():
    bench = published_benchmarks()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kpikit import plots

    client = {"brand": "A", "k": 1200, "n": 10_000, "followers": 5000}
    peers = peer_table([800, 900, 1000], [10_000] * 3).assign(followers=[10_000, 3_000, 4_000])
    res = bm.compare(client, peers, {"conversion rate": ("k", "n"), "followers": "followers"})
    ax = plots.percentile_dots(res, "A leads on conversion")
    assert ax.get_title() == "A leads on conversion"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["conversion rate", "followers"]
    quality = pd.DataFrame(
        {
            "brand": ["A", "B"],
            "followers_end": [1000, 50_000],
            "engagement_rate": [0.04, 0.01],
            "ci_low": [0.03, 0.008],
            "ci_high": [0.05, 0.012],
            "vanity_gap": [False, True],
        }
    )
    ax = plots.vanity_scatter(quality, "B: many followers, little engagement")
    assert ax.get_xscale() == "log" and len(ax.texts) == 2
    ind = bm.against_industry({"bounce_rate": rate(450, 1000)}, bench)
    axes = plots.industry_bands(ind, "Bounce against published bands")
    assert (
        len(axes) == 3 and "Google Analytics benchmarking newsletter, 2011" in axes[0].get_yticklabels()[0].get_text()
    )
    plt.close("all")
