"""Tests of kpikit.schemas.validate: names checked, rows dropped and reported, attrs set."""

from __future__ import annotations

import pandas as pd
import pytest

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.schemas import validate
from tests.schemas.frames import good_frames


def test_validate_keeps_extra_columns_and_index():
    df = good_frames()["transactions"].assign(order_note=["a", "b"])
    df.index = ["x", "y"]
    out = validate(df, "transactions")
    assert out["order_note"].tolist() == ["a", "b"] and out.index.tolist() == ["x", "y"]


def test_duplicate_column_names():
    df = pd.DataFrame([["c1", "2024-03-01", 1.0, 2.0]], columns=["customer_id", "timestamp", "amount", "amount"])
    with pytest.raises(KpiDataError, match="column names 'amount' appear more than once"):
        validate(df, "transactions")


def test_drop_invalid_attrs_and_warning():
    df = good_frames()["sessions"]
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)  # duplicate s1 at index 2
    df.loc[1, "pageviews"] = -2
    with pytest.warns(KpiWarning, match=r"dropped 2 of 3 rows"):
        out = validate(df, "sessions", drop_invalid=True)
    assert out["session_id"].tolist() == ["s1"]
    assert {d["column"]: d["rows"] for d in out.attrs["dropped"]} == {"session_id": [2], "pageviews": [1]}


def test_drop_invalid_all_rows_is_an_error():
    df = good_frames()["transactions"].assign(amount=[-1.0, -2.0])
    with pytest.raises(KpiDataError, match="every row failed validation"):
        validate(df, "transactions", drop_invalid=True)
