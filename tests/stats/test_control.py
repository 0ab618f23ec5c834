"""kpikit.stats.control: p-chart limits and empirical-Bayes shrinkage."""

from __future__ import annotations

import numpy as np
import pytest

from kpikit.stats import (
    control_limits,
    shrink_rates,
)


def test_control_limits_by_hand():
    # centre = 30/300 = 0.1; n = 100: 3*sqrt(0.1*0.9/100) = 0.09 -> [0.01, 0.19]; 0.25 is a signal
    lim = control_limits([5, 25, 0], [100, 100, 100])
    assert lim["centre"].iloc[0] == pytest.approx(0.1)
    assert lim["lcl"].iloc[0] == pytest.approx(0.01)
    assert lim["ucl"].iloc[0] == pytest.approx(0.19)
    assert lim["signal"].tolist() == [False, True, True]


def test_shrinkage_pulls_small_segments_towards_pooled_rate():
    k = np.array([3, 400, 500, 450, 0])
    n = np.array([3, 1000, 1000, 1000, 2])
    shrunk, a, b = shrink_rates(k, n)
    pooled = 853 / 3006
    assert abs(shrunk[0] - pooled) < abs(1.0 - pooled)  # 3/3 is pulled well below 100%
    assert shrunk[0] < 0.6
    assert shrunk[1] == pytest.approx(0.4, abs=0.01)  # large segments barely move
