"""Tests of kpikit.schemas.ids: ID columns read as exact text, repairs counted, lost digits refused."""

from __future__ import annotations

import decimal
import warnings

import numpy as np
import pandas as pd
import pytest

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.schemas import validate
from kpikit.schemas.ids import MISSING_WORDS, _exact_text, _text_of

BIG = 2**53 + 1  # the first integer a float64 cannot hold: float(BIG) == BIG - 1


def surveys(customer_id) -> pd.DataFrame:
    n = len(customer_id)
    return pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(n)],
            "timestamp": ["2024-03-01"] * n,
            "kind": ["nps"] * n,
            "score": [9] * n,
            "customer_id": customer_id,
        }
    )


def quiet_validate(df: pd.DataFrame, table: str = "surveys", **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        return validate(df, table, **kw)


def test_float_of_big_integer_is_not_the_integer():
    # why IDs never pass through float: 2**53 + 1 and 2**53 + 2 ... collapse
    assert float(BIG) == float(BIG - 1)
    assert len({float(BIG + i) for i in range(50)}) == 26  # the issue: 50 customers became 26


@pytest.mark.parametrize(
    "values,dtype",
    [
        ([BIG + i for i in range(50)], "int64"),
        ([BIG + i for i in range(50)], "Int64"),
        ([2**63 + i for i in range(50)], "uint64"),
        ([2**64 + i for i in range(50)], object),  # Python ints of any size
        ([decimal.Decimal(2**70 + i) for i in range(50)], object),
    ],
)
def test_big_integer_ids_keep_every_digit(values, dtype):
    out = quiet_validate(surveys(pd.Series(values, dtype=dtype)))
    assert out["customer_id"].tolist() == [str(int(v)) for v in values]
    assert out["customer_id"].nunique() == 50


def test_ids_from_floats_with_a_missing_value_have_no_decimals():
    out = quiet_validate(surveys([1001.0, np.nan, 1003.0]))
    assert out["customer_id"].tolist()[::2] == ["1001", "1003"] and pd.isna(out["customer_id"].iloc[1])
    out = quiet_validate(surveys(pd.array([1001, None, 1003], dtype="Int64")))
    assert out["customer_id"].tolist()[::2] == ["1001", "1003"]


def test_float_ids_from_2_53_on_are_refused():
    df = surveys(np.array([1001.0, float(BIG), 7.0]))
    with pytest.raises(KpiDataError) as e:
        validate(df, "surveys")
    msg = str(e.value)
    assert "column 'customer_id': 1 row has an ID stored as a floating-point number of 2**53" in msg
    # the cell is quoted as the float it is (2**53 + 1 became 2**53)
    assert "(index 1; first: 9007199254740992.0)" in msg and "cannot be recovered" in msg


def test_text_ids_keep_leading_zeros_and_strip_spaces_with_a_count():
    df = surveys([" 00123", "00123", "0456 ", "\t0456", "0789\u00a0", "x\u200b"])
    with pytest.warns(KpiWarning, match=r"column 'customer_id': 5 values had surrounding spaces \(stripped\)"):
        out = validate(df, "surveys")
    assert out["customer_id"].tolist() == ["00123", "00123", "0456", "0456", "0789", "x"]
    rep = out.attrs["repaired"]
    assert [(r["column"], r["count"], r["rows"]) for r in rep] == [("customer_id", 5, [0, 2, 3, 4, 5])]


@pytest.mark.parametrize("word", ["null", "NULL", "N/A", "n/a", "None", "-", "#N/A", "nan", "(null)"])
def test_placeholder_words_are_missing_values(word):
    df = surveys(["c1", word, " c1 "])
    with pytest.warns(KpiWarning) as w:
        out = validate(df, "surveys")
    assert out["customer_id"].tolist()[::2] == ["c1", "c1"] and pd.isna(out["customer_id"].iloc[1])
    text = " ".join(str(x.message) for x in w)
    assert f"1 value was a placeholder for no value ({word!r}), read as empty (index 1" in text
    assert word.lower() in MISSING_WORDS


def test_a_placeholder_in_a_required_id_is_an_empty_required_value():
    df = pd.DataFrame({"customer_id": ["c1", "NULL"], "timestamp": ["2024-03-01"] * 2, "amount": [1.0, 2.0]})
    with pytest.raises(KpiDataError, match=r"column 'customer_id': 1 row is empty, .*\(index 1; first: 'NULL'\)"):
        validate(df, "transactions")


def test_whole_ids_written_as_decimals_are_read_whole_and_counted():
    df = surveys(["1001.0", None, "1003.0", "1004"])
    with pytest.warns(KpiWarning, match=r"2 values were written as a decimal \('1001.0'"):
        out = validate(df, "surveys")
    assert out["customer_id"].tolist()[::2] == ["1001", "1003"] and out["customer_id"].iloc[3] == "1004"
    # a column that also holds other text keeps its text
    assert quiet_validate(surveys(["1001.0", "v2.0"]))["customer_id"].tolist() == ["1001.0", "v2.0"]
    # beyond 2**53 the decimals came from a float: refused
    with pytest.raises(KpiDataError, match=r"1 row has an ID written as a decimal number of 2\*\*53 or more"):
        validate(surveys(["1001.0", "9007199254740993.0"]), "surveys")


@pytest.mark.parametrize("cell", ["1.23457E+11", "1,23457E+11", "4.5e+15", "1E+12"])
def test_scientific_notation_ids_are_refused(cell):
    with pytest.raises(KpiDataError) as e:
        validate(surveys(["c1", cell]), "surveys")
    msg = str(e.value)
    assert "column 'customer_id': 1 row has an ID in scientific notation" in msg
    assert f"(index 1; first: {cell!r})" in msg and "Export the IDs again as text" in msg


def test_ids_that_only_look_numeric_are_kept():
    cells = ["1e5", "E+12", "nano", "N-17", "-17", "0x1F", "2024-03-01"]
    assert quiet_validate(surveys(cells))["customer_id"].tolist() == cells


def test_text_of_cells():
    assert [_text_of(v) for v in (12, 12.0, 1.5, True, decimal.Decimal("1.50"), b"ab")] == [
        "12",
        "12",
        "1.5",
        "True",
        "1.5",
        "ab",
    ]
    text, is_text, imprecise = _exact_text(pd.Series([1.0, float(BIG), "a", None], dtype=object))
    assert text.tolist()[:3] == ["1", str(BIG - 1), "a"] and pd.isna(text.iloc[3])
    assert is_text.tolist() == [False, False, True, False] and imprecise.tolist() == [False, True, False, False]


def test_category_and_str_columns_take_numbers_exactly():
    df = pd.DataFrame({"session_id": ["a", "b"], "start": ["2024-03-01"] * 2, "landing_page": [BIG, 7]})
    assert validate(df, "sessions")["landing_page"].tolist() == [str(BIG), "7"]
