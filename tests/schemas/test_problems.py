"""Tests of kpikit.schemas.problems: the wording of KpiDataError messages (rows, first value)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit.errors import KpiDataError
from kpikit.schemas import validate


def test_many_offending_rows_are_summarised():
    df = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(9)], "timestamp": ["2024-03-01"] * 9, "amount": [-1.0] * 9}
    )
    with pytest.raises(
        KpiDataError, match=r"9 rows have a negative amount \(file rows 2, 3, 4, 5, 6 \(and 4 more\); first: -1\)"
    ):
        validate(df, "transactions", rows=np.arange(2, 11))
