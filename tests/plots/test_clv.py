"""kpikit.plots.clv: the CLV charts draw what they are given."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit.plots as kp


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
