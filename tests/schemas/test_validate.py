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


def test_repairs_are_reported_in_a_warning_at_the_caller_and_in_attrs():
    df = good_frames()["transactions"].assign(customer_id=[" c1", "c2 "])
    with pytest.warns(KpiWarning) as w:
        out = validate(df, "transactions", source="t.csv", rows=[2, 3])
    assert str(w[0].message) == (
        "t.csv: repaired values: t.csv, column 'customer_id': 2 values had surrounding spaces (stripped) "
        "(file rows 2, 3; first: ' c1')."
    )
    assert w[0].filename == __file__
    assert out["customer_id"].tolist() == ["c1", "c2"]
    [rep] = out.attrs["repaired"]
    assert (rep["column"], rep["count"], rep["rows"]) == ("customer_id", 2, [2, 3])


def test_inferred_choices_are_in_attrs():
    df = good_frames()["transactions"].assign(timestamp=["03/04/2024", "13/04/2024"], amount=["1,5", "2"])
    out = validate(df, "transactions", decimal="auto")
    assert out.attrs["inferred"] == {"dayfirst": True, "decimal": ","}
    assert out["amount"].tolist() == [1.5, 2.0]
    assert "inferred" not in validate(good_frames()["transactions"], "transactions").attrs
