"""kpikit.stats.scores: the mean with its t interval."""

from __future__ import annotations

import math

import pytest

from kpikit.stats import (
    mean_ci,
)


def test_mean_ci_by_hand():
    # values 1..5: mean 3, s = sqrt(2.5), t_{4,0.975} = 2.776445 -> half 1.963243
    s = mean_ci([1, 2, 3, 4, 5])
    assert s.value == 3 and s.high - 3 == pytest.approx(2.7764451 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)
