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


def test_repairs_are_worded_with_their_count_rows_and_first_value():
    from kpikit.schemas.problems import _agree, _Repair, _repair_lines, _Rows

    rows = _Rows(np.arange(2, 8), in_file=True)
    raw = pd.Series([" a", "b", "c ", "d", " e", "f"])
    rep = _Repair(
        "customer_id", np.array([1, 0, 1, 0, 1, 0], dtype=bool), "had surrounding spaces", lambda i: repr(raw[i])
    )
    [line] = _repair_lines("c.csv", [rep], rows)
    assert (
        line["message"]
        == "c.csv, column 'customer_id': 3 values had surrounding spaces (file rows 2, 4, 6; first: ' a')."
    )
    assert (line["count"], line["rows"], line["repair"]) == (3, [2, 4, 6], "had surrounding spaces")
    assert _agree("{was} read", 1) == "was read" and _agree("{was} read", 2) == "were read"
    assert _repair_lines("c.csv", [_Repair("x", np.zeros(6, dtype=bool), "nothing")], rows) == []
