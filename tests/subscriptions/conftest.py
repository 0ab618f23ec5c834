"""The scenario fixture of the kpikit.subscriptions tests."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.subscriptions.scenario import SCENARIO, frame


@pytest.fixture
def subs() -> pd.DataFrame:
    return frame(SCENARIO)
