"""kpikit.satisfaction.health: the customer health score."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit import satisfaction as ksat
from kpikit.errors import KpiDataError


def test_health_score_weights_and_bands():
    c = pd.DataFrame({"usage": [90, 40, 60], "nps": [80, 20, 80], "support": [100, 50, 100]})
    h = ksat.health_score(c, {"usage": 2, "nps": 1, "support": 1})
    # (2 x 90 + 80 + 100) / 4 = 90; (80 + 20 + 50) / 4 = 37.5; (120 + 80 + 100) / 4 = 75
    assert h["health_score"].tolist() == pytest.approx([90, 37.5, 75])
    assert h["band"].tolist() == ["green", "red", "green"]
    assert ksat.health_score(c, {"usage": 1}, bands=(50, 95))["band"].tolist() == ["yellow", "red", "yellow"]
    bad = c.copy()
    bad.loc[1, "nps"] = 140
    with pytest.raises(KpiDataError, match=r"column 'nps'.*outside 0-100 \(row 1\)"):
        ksat.health_score(bad, {"nps": 1})
