"""Tests of kpikit.schemas.numbers: one decimal mark per file, questions instead of guesses, exact counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.schemas import validate
from kpikit.schemas.numbers import _number_pattern


def tx(amounts, **more) -> pd.DataFrame:
    n = len(amounts)
    return pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(n)], "timestamp": ["2024-03-01"] * n, "amount": amounts, **more}
    )


def sessions(pageviews, **more) -> pd.DataFrame:
    n = len(pageviews)
    return pd.DataFrame(
        {"session_id": [f"s{i}" for i in range(n)], "start": ["2024-03-01"] * n, "pageviews": pageviews, **more}
    )


@pytest.mark.parametrize(
    "cell,dot,comma",
    [
        ("12", True, True),
        ("12.5", True, False),
        ("12,5", False, True),
        ("12,500", True, True),  # 12500 or 12.5
        ("1,234,567", True, False),
        ("1.234.567", False, True),
        ("1,234.50", True, False),
        ("1.234,50", False, True),
        ("0,125", False, True),  # a thousands group never starts with 0
        ("0.125", True, False),
        ("1 234,5", False, True),
        (".5", True, False),
    ],
)
def test_number_patterns(cell, dot, comma):
    import re

    assert bool(re.fullmatch(_number_pattern("."), cell)) is dot
    assert bool(re.fullmatch(_number_pattern(","), cell)) is comma


def test_a_value_proving_the_decimal_comma_refuses_the_file_by_default():
    # "3,5" proves ","; "12,500" is then read neither as 12500 nor dropped silently: it is named too
    df = tx(["12,500", "3,5", "7"])
    with pytest.raises(KpiDataError) as e:
        validate(df, "transactions")
    msg = str(e.value)
    assert "column 'amount': 2 rows have a number written in another format than decimal=\".\" (index 0, 1" in msg
    assert 'pass decimal="," to read them' in msg
    assert validate(df, "transactions", decimal=",")["amount"].tolist() == [12.5, 3.5, 7.0]
    out = validate(df, "transactions", decimal="auto")
    assert out["amount"].tolist() == [12.5, 3.5, 7.0] and out.attrs["inferred"] == {"decimal": ","}


def test_evidence_comes_from_the_whole_file():
    # the amounts alone are ambiguous; the count column proves that "." groups thousands (decimal ",")
    df = tx(["12,500", "3,250"], quantity=["1.200", "7"])  # quantity is no transactions column: ignored
    with pytest.raises(KpiDataError, match="a number such as '12,500' that reads 12500 if ',' groups thousands"):
        validate(df, "transactions")
    subs = pd.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "subscription_id": ["s1", "s2"],
            "start": ["2024-03-01"] * 2,
            "amount": ["12,500", "3,250"],
            "quantity": ["1.200", "7"],
        }
    )
    out = validate(subs, "subscriptions", decimal="auto")
    assert out["amount"].tolist() == [12.5, 3.25] and out["quantity"].tolist() == [1200, 7]


def test_an_ambiguous_value_with_nothing_to_tell_is_a_question():
    df = tx(["12,500", "7"])
    with pytest.raises(KpiDataError) as e:
        validate(df, "transactions", drop_invalid=True)  # a question is not a row to drop
    msg = str(e.value)
    assert msg.startswith(
        "transactions data, column 'amount': 1 row has a number such as '12,500' that reads 12500 if ',' "
        "groups thousands and 12.5 if it is the decimal mark; no other number in the file tells which (index 0"
    )
    assert 'Pass decimal="." if 12,500 means 12500, or decimal="," if it means 12.5.' in msg
    assert validate(df, "transactions", decimal=".")["amount"].tolist() == [12500.0, 7.0]
    assert validate(df, "transactions", decimal=",")["amount"].tolist() == [12.5, 7.0]
    # "1.234" asks the same question the other way round
    with pytest.raises(KpiDataError, match=r"'1.234' that reads 1234 if '.' groups thousands and 1.234 if"):
        validate(tx(["1.234"]), "transactions")


def test_a_count_is_whole_so_its_separator_groups_thousands():
    assert validate(sessions(["12,500", "3"]), "sessions")["pageviews"].tolist() == [12500, 3]
    with pytest.raises(KpiDataError, match=r"2 rows have a number written in another format than decimal=\"\.\""):
        validate(sessions(["12.500", "1.000"]), "sessions")
    assert validate(sessions(["12.500", "1.000"]), "sessions", decimal=",")["pageviews"].tolist() == [12500, 1000]


def test_a_file_proving_both_marks_is_refused():
    subs = pd.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "subscription_id": ["s1", "s2"],
            "start": ["2024-03-01"] * 2,
            "amount": ["9.50", "2,75"],
            "quantity": ["1,200", "3"],
        }
    )
    with pytest.raises(KpiDataError) as e:
        validate(subs, "subscriptions", drop_invalid=True)
    msg = str(e.value)
    assert "column 'amount': 1 row has a number written with ',' as decimal mark, while the file's other" in msg
    assert "(e.g. '9.50' in column 'amount')" in msg and "(index 1; first: '2,75')" in msg
    # the caller's say: "." and drop the row written the other way
    with pytest.warns(KpiWarning, match=r"dropped 1 of 2 rows .*1 in 'amount' has a number written in another"):
        out = validate(subs, "subscriptions", decimal=".", drop_invalid=True)
    assert out["amount"].tolist() == [9.5] and out["quantity"].tolist() == [1200]


def test_decimal_is_checked():
    with pytest.raises(KpiDataError, match='decimal must be ".", ",", "auto" or None'):
        validate(tx(["1"]), "transactions", decimal=";")


@pytest.mark.parametrize(
    "cells,expected",
    [
        (["9007199254740993", "1"], [9007199254740993, 1]),  # float64 would give ...992
        (["9,223,372,036,854,775,807", "0"], [2**63 - 1, 0]),
        (pd.Series([2**53 + 1, 2], dtype="int64"), [2**53 + 1, 2]),
        (pd.Series([2**53 + 1, None], dtype="Int64"), [2**53 + 1, None]),
        (pd.Series([2**53 + 1, 3], dtype="uint64"), [2**53 + 1, 3]),
        (pd.Series([2**53 + 1, 4], dtype=object), [2**53 + 1, 4]),  # Excel cells: Python ints
    ],
)
def test_counts_keep_every_digit(cells, expected):
    out = validate(sessions(cells), "sessions")["pageviews"]
    assert str(out.dtype) == "Int64"
    assert [None if pd.isna(v) else int(v) for v in out] == expected


@pytest.mark.parametrize(
    "cells",
    [
        ["99999999999999999999", "1"],
        ["9223372036854775808", "1"],
        ["1e20", "1"],
        pd.Series([2**64 - 1, 1], dtype="uint64"),
        pd.Series([1e19, 1.0]),
        pd.Series([2**70, 1], dtype=object),
    ],
)
def test_counts_beyond_64_bits_are_refused(cells):
    with pytest.raises(KpiDataError) as e:
        validate(sessions(cells), "sessions")
    msg = str(e.value)
    assert "column 'pageviews': 1 row has a count beyond the 64-bit integer range" in msg
    assert "(index 0; first: " in msg and "No real count is this large" in msg


def test_fractional_counts_and_infinities():
    with pytest.raises(KpiDataError, match="1 row has a fractional value, but the column counts things"):
        validate(sessions(["2.5", "1"]), "sessions")
    with pytest.raises(KpiDataError, match="column 'amount': 1 row has an infinite value"):
        validate(tx([np.inf, 1.0]), "transactions")


def test_the_pound_yen_and_rupee_prove_the_decimal_point():
    assert validate(tx(["-£1,000", "£7"]), "transactions", allow_negative=True)["amount"].tolist() == [-1000.0, 7.0]
    assert validate(tx(["¥12,500"]), "transactions")["amount"].tolist() == [12500.0]
    for sign in ("$", "€"):
        with pytest.raises(KpiDataError, match="a number such as '12,500' that reads 12500"):
            validate(tx([f"{sign}12,500"]), "transactions")
