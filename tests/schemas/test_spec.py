"""Tests of kpikit.schemas.spec: how a table is declared (keys, kinds, ranges, dtypes)."""

from __future__ import annotations

import pytest

from kpikit.schemas import TABLES, ColumnSpec, TableSpec


def test_keys_kinds_and_ranges():
    assert TABLES["sessions"].key == ("session_id",)
    assert TABLES["leads"].key == ("lead_id",)
    assert TABLES["subscriptions"].key == ("subscription_id",)
    assert TABLES["tickets"].key == ("ticket_id",)
    assert TABLES["transactions"].of_kind("money") == ("amount",)
    assert TABLES["benchmarks"].of_kind("percent") == ("p25", "p50", "p75", "value")
    assert TABLES["subscriptions"].column("quantity").min == 1
    assert TABLES["subscriptions"].column("end").not_before == "start"
    assert TABLES["spend"].column("category").allowed == ("digital", "outbound", "labour", "tools")
    assert TABLES["subscriptions"].column("interval").allowed == ("month", "year", "week", "day")
    stages = [c.name for c in TABLES["leads"].columns if c.not_before == "created_at"]
    assert stages == ["lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"]


def test_table_spec_methods_on_a_small_table():
    spec = TableSpec(
        "orders",
        "One row per order.",
        (
            ColumnSpec("order_id", "id", True, unique=True),
            ColumnSpec("placed_at", "timestamp", True),
            ColumnSpec("total", "money", min=0),
            ColumnSpec("items", "int", min=1),
            ColumnSpec("shipped_at", "timestamp", not_before="placed_at"),
        ),
        time_column="placed_at",
    )
    assert spec.required == ("order_id", "placed_at")
    assert spec.optional == ("total", "items", "shipped_at")
    assert spec.names == ("order_id", "placed_at", "total", "items", "shipped_at")
    assert spec.key == ("order_id",)
    assert spec.of_kind("timestamp") == ("placed_at", "shipped_at")
    assert spec.of_kind("money", "int") == ("total", "items")
    assert spec.of_kind("bool") == ()
    assert spec.has("total") and not spec.has("Total")
    assert spec.column("shipped_at").not_before == "placed_at"
    with pytest.raises(KeyError, match="table 'orders' has no column 'amount'"):
        spec.column("amount")


@pytest.mark.parametrize(
    "kind,dtype",
    [
        ("id", "str"),
        ("str", "str"),
        ("category", "str"),
        ("int", "Int64"),
        ("float", "float64"),
        ("money", "float64"),
        ("percent", "float64"),
        ("bool", "boolean"),
        ("timestamp", "datetime64[ns]"),
        ("date", "datetime64[ns]"),
    ],
)
def test_column_dtype_by_kind(kind, dtype):
    assert ColumnSpec("x", kind).dtype == dtype


def test_required_columns_are_not_nullable():
    assert not ColumnSpec("x", "id", required=True).nullable
    assert ColumnSpec("x", "id").nullable


def test_only_a_subscriptions_end_is_open_ended():
    open_ended = [(t.name, c.name) for t in TABLES.values() for c in t.columns if c.open_end]
    assert open_ended == [("subscriptions", "end")]
    assert not ColumnSpec("x", "timestamp").open_end
