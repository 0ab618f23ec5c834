"""Tests of kpikit.schemas.convert: the value parser (ids, counts, numbers, money, timestamps)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit.errors import KpiDataError
from kpikit.schemas import validate
from tests.schemas.frames import good_frames


def test_ids_from_numbers_are_text_without_decimals():
    df = good_frames()["transactions"].assign(customer_id=[1001.0, 1002.0])
    assert validate(df, "transactions")["customer_id"].tolist() == ["1001", "1002"]


def test_counts_must_be_whole_and_non_negative():
    df = good_frames()["sessions"].assign(pageviews=[1.5, 2.0])
    with pytest.raises(
        KpiDataError,
        match=r"column 'pageviews': 1 row has a fractional value, but the column counts things \(index 0; first: 1.5\)",
    ):
        validate(df, "sessions")
    df = good_frames()["sessions"].assign(pageviews=[-1, 2])
    with pytest.raises(KpiDataError, match=r"column 'pageviews': 1 row has a negative pageviews"):
        validate(df, "sessions")
    df = good_frames()["subscriptions"].assign(quantity=[0, 1])
    with pytest.raises(KpiDataError, match=r"column 'quantity': 1 row has a value below the minimum 1"):
        validate(df, "subscriptions")


def test_wrong_dtype_columns_are_named():
    df = good_frames()["transactions"].assign(amount=[True, False])
    with pytest.raises(KpiDataError, match="column 'amount': 2 rows have a true/false value, not a number"):
        validate(df, "transactions")
    df = good_frames()["transactions"].assign(timestamp=[1710249731, 1710249732])
    with pytest.raises(KpiDataError, match=r"column 'timestamp': 2 rows have a number, not a date .*unit='s'"):
        validate(df, "transactions")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    )
)
def test_formatted_money_parses_back_exactly(values):
    """'{:,.2f}' (1,234.50), the same with decimal comma (1.234,50), and a currency symbol all give the value."""
    floats = [float(v) for v in values]
    us = [f"${v:,.2f}" for v in values]
    eu = [f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") + " €" for v in values]
    base = {"customer_id": ["c"] * len(values), "timestamp": ["2024-03-01"] * len(values)}
    a = validate(pd.DataFrame({**base, "amount": us}), "transactions")["amount"].tolist()
    b = validate(pd.DataFrame({**base, "amount": eu}), "transactions", decimal=",")["amount"].tolist()
    assert a == pytest.approx(floats, rel=0, abs=1e-6)
    assert b == pytest.approx(floats, rel=0, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.datetimes(
            min_value=pd.Timestamp("2000-01-01").to_pydatetime(), max_value=pd.Timestamp("2040-01-01").to_pydatetime()
        ),
        min_size=1,
        max_size=10,
    ),
    st.integers(min_value=-12 * 4, max_value=14 * 4),
)
def test_aware_timestamps_become_the_same_instant_in_utc(moments, quarter_hours):
    offset = pd.Timedelta(minutes=15 * quarter_hours)
    sign = "+" if quarter_hours >= 0 else "-"
    mins = abs(15 * quarter_hours)
    suffix = f"{sign}{mins // 60:02d}:{mins % 60:02d}"
    local = [pd.Timestamp(m).floor("s") for m in moments]
    text = [t.strftime("%Y-%m-%dT%H:%M:%S") + suffix for t in local]
    df = pd.DataFrame({"ticket_id": [f"t{i}" for i in range(len(text))], "created_at": text})
    out = validate(df, "tickets")["created_at"]
    assert out.tolist() == [t - offset for t in local]  # local time minus its offset = UTC


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["n/a", "abc", "1,5", "--", "12a"])),
        min_size=1,
        max_size=15,
    )
)
def test_text_in_a_count_column_never_becomes_nan(cells):
    df = pd.DataFrame(
        {"session_id": [f"s{i}" for i in range(len(cells))], "start": ["2024-03-01"] * len(cells), "pageviews": cells}
    )
    bad = [i for i, c in enumerate(cells) if not c.isdigit()]
    if bad:
        with pytest.raises(KpiDataError) as e:
            validate(df, "sessions")
        assert f"index {bad[0]}" in str(e.value)
    else:
        out = validate(df, "sessions")
        assert out["pageviews"].tolist() == [int(c) for c in cells]
