"""Fixtures of the kpikit.benchmark tests: a small published-benchmarks table."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.benchmark.helpers import published_benchmarks


@pytest.fixture
def bench() -> pd.DataFrame:
    return published_benchmarks()
