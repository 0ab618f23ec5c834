"""kpikit.plots.generic: the generic charts draw what they are given."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit.plots as kp
from kpikit.stats import control_limits


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


def test_p_chart_marks_signals():
    lim = control_limits([5, 25, 10], [100, 100, 100])
    ax = kp.p_chart(pd.date_range("2025-01-06", periods=3, freq="W-MON"), lim, title="t", ylabel="rate")
    signal = [c for c in ax.collections if c.get_label() == "signal"]
    assert len(signal) == 1 and len(signal[0].get_offsets()) == int(lim["signal"].sum()) == 1
