"""Tests of kpikit.schemas: the table specs, the pandera schemas and validate()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.schemas import TABLES, closest_columns, schema, table_spec, validate

CANONICAL = ["events", "sessions", "leads", "touchpoints", "spend", "subscriptions", "transactions",
             "surveys", "tickets", "social", "benchmarks"]


def good_frames() -> dict[str, pd.DataFrame]:
    """One small valid frame per canonical table, with every canonical column present."""
    t = pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00"])
    return {
        "events": pd.DataFrame({"user_id": ["u1", "u2"], "timestamp": t, "event": ["page_view", "purchase"],
                                "session_id": ["s1", "s2"], "page": ["/", "/shop"], "source": ["google", "x"],
                                "medium": ["organic", "cpc"], "channel": ["Organic Search", "Paid Search"],
                                "device": ["mobile", "desktop"], "country": ["DE", "NA"],
                                "value": [np.nan, 49.0], "engagement_time_msec": [np.nan, 1200.0]}),
        "sessions": pd.DataFrame({"session_id": ["s1", "s2"], "start": t, "user_id": ["u1", "u2"],
                                  "landing_page": ["/", "/shop"], "pageviews": [1, 3],
                                  "engagement_time_s": [0.0, 42.5], "conversions": [0, 1],
                                  "engaged": [False, True], "is_new_user": [True, False],
                                  "variant": [None, "B"]}),
        "leads": pd.DataFrame({"lead_id": ["l1", "l2"], "created_at": t, "source": ["web", "event"],
                               "mql_at": [t[0] + pd.Timedelta("1D"), pd.NaT], "sql_at": [pd.NaT, pd.NaT],
                               "won_at": [t[0] + pd.Timedelta("9D"), pd.NaT], "value": [1000.0, np.nan]}),
        "touchpoints": pd.DataFrame({"user_id": ["u1", "u1"], "timestamp": t, "channel": ["Email", "Direct"],
                                     "converted": [False, True], "value": [0.0, 80.0]}),
        "spend": pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-02-01"]),
                               "channel": ["Email", "Paid Search"], "cost": [100.0, 2500.0],
                               "category": ["tools", "digital"]}),
        "subscriptions": pd.DataFrame({"customer_id": ["c1", "c2"], "subscription_id": ["s1", "s2"],
                                       "start": t, "plan": ["Box Monthly", "Box Annual"],
                                       "interval": ["month", "year"], "amount": [19.0, 190.0],
                                       "end": [t[0] + pd.Timedelta("60D"), pd.NaT], "quantity": [1, 2]}),
        "transactions": pd.DataFrame({"customer_id": ["c1", "c2"], "timestamp": t, "amount": [10.0, 0.0],
                                      "channel": ["Email", "Direct"]}),
        "surveys": pd.DataFrame({"respondent_id": ["r1", "r2", "r3"], "timestamp": list(t) + [t[0]],
                                 "kind": ["nps", "csat", "ces"], "score": [10, 5, 1],
                                 "customer_id": ["c1", None, "c2"]}),
        "tickets": pd.DataFrame({"ticket_id": ["t1", "t2"], "created_at": t, "customer_id": ["c1", "c2"],
                                 "first_response_at": t + pd.Timedelta("1h"),
                                 "solved_at": [t[0] + pd.Timedelta("2h"), pd.NaT], "agent_replies": [1, 0],
                                 "reopened_at": [pd.NaT, pd.NaT], "channel": ["email", "chat"]}),
        "social": pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-03-01"]),
                                "platform": ["Instagram", "Instagram"], "brand": ["Juniper Box", "Alder Crate"],
                                **{c: [10, 20] for c in ("followers", "impressions", "reach", "likes",
                                                          "comments", "shares", "mentions", "clicks",
                                                          "conversions", "posts")}}),
        "benchmarks": pd.DataFrame({"metric": ["bounce_rate", "email_open_rate"], "source": ["HubSpot", "Mailchimp"],
                                    "segment": ["retail", "all"], "p25": [0.20, np.nan], "p50": [np.nan, np.nan],
                                    "p75": [0.40, np.nan], "value": [0.30, 0.2271], "n": [np.nan, np.nan],
                                    "year": [np.nan, 2019], "unit": ["fraction", "fraction"], "note": ["", ""]}),
    }


# ---- specs -----------------------------------------------------------------------------------

def test_every_canonical_table_is_declared():
    assert list(TABLES) == CANONICAL
    assert kk.schemas.TABLES is TABLES


@pytest.mark.parametrize("table,required", [
    ("events", ("user_id", "timestamp", "event")),
    ("sessions", ("session_id", "start")),
    ("leads", ("lead_id", "created_at")),
    ("touchpoints", ("user_id", "timestamp", "channel")),
    ("spend", ("period", "channel", "cost")),
    ("subscriptions", ("customer_id", "subscription_id", "start")),
    ("transactions", ("customer_id", "timestamp", "amount")),
    ("surveys", ("respondent_id", "timestamp", "kind", "score")),
    ("tickets", ("ticket_id", "created_at")),
    ("social", ("date", "platform", "brand")),
    ("benchmarks", ("metric", "source")),
])
def test_required_columns(table, required):
    assert TABLES[table].required == required


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


def test_unknown_table():
    with pytest.raises(KpiDataError, match="Unknown table 'transaction'. Did you mean 'transactions'"):
        table_spec("transaction")


@pytest.mark.parametrize("table", CANONICAL)
def test_schema_is_pandera_and_accepts_good_data(table):
    s = schema(table)
    assert isinstance(s, pa.DataFrameSchema)
    assert set(s.columns) == set(TABLES[table].names)
    out = validate(good_frames()[table], table)
    schema(table).validate(out)  # canonical output passes the raw pandera schema too
    assert out.attrs == {"table": table, "source": f"{table} data"}
    for c in TABLES[table].columns:
        if c.name in out.columns:
            assert str(out[c.name].dtype) == c.dtype, c.name


def test_validate_keeps_extra_columns_and_index():
    df = good_frames()["transactions"].assign(order_note=["a", "b"])
    df.index = ["x", "y"]
    out = validate(df, "transactions")
    assert out["order_note"].tolist() == ["a", "b"] and out.index.tolist() == ["x", "y"]


def test_ids_from_numbers_are_text_without_decimals():
    df = good_frames()["transactions"].assign(customer_id=[1001.0, 1002.0])
    assert validate(df, "transactions")["customer_id"].tolist() == ["1001", "1002"]


def test_closest_columns():
    assert closest_columns("start", ["Session Start", "Landing Page", "Device"]) == ["Session Start"]
    assert closest_columns("customer_id", ["Customer ID", "Customer Name", "Plan"])[0] == "Customer ID"
    assert closest_columns("amount", ["Foo", "Bar"]) == []


# ---- rules -----------------------------------------------------------------------------------

def test_end_before_start():
    df = good_frames()["subscriptions"]
    df.loc[1, "end"] = pd.Timestamp("2024-02-01")  # starts 2024-03-02 11:00
    with pytest.raises(KpiDataError) as e:
        validate(df, "subscriptions", source="subscriptions.csv", rows=[2, 3])
    msg = str(e.value)
    assert msg.startswith("subscriptions.csv, column 'end': 1 row has end before start (file row 3; "
                          "first: subscription s2 start 2024-03-02 11:00:00, end 2024-02-01).")


def test_lead_stage_before_creation():
    df = good_frames()["leads"]
    df.loc[0, "mql_at"] = pd.Timestamp("2024-02-01")
    with pytest.raises(KpiDataError, match=r"column 'mql_at': 1 row has mql_at before created_at \(index 0; first: lead l1 "):
        validate(df, "leads")


def test_ticket_response_before_creation():
    df = good_frames()["tickets"]
    df.loc[0, "first_response_at"] = pd.Timestamp("2024-01-01")
    with pytest.raises(KpiDataError, match="column 'first_response_at': 1 row has first_response_at before created_at"):
        validate(df, "tickets")


@pytest.mark.parametrize("kind,score,ok", [
    ("nps", 0, True), ("nps", 10, True), ("nps", 11, False), ("nps", 7.5, False), ("nps", -1, False),
    ("csat", 1, True), ("csat", 5, True), ("csat", 0, False), ("csat", 6, False),
    ("ces", 7, True), ("ces", 8, False), ("ces", 0.5, False),
])
def test_survey_score_scale(kind, score, ok):
    df = pd.DataFrame({"respondent_id": ["r"], "timestamp": ["2024-03-01"], "kind": [kind], "score": [score]})
    if ok:
        assert validate(df, "surveys")["score"].tolist() == [score]
    else:
        with pytest.raises(KpiDataError, match=r"column 'score': 1 row has a score outside the scale of its kind|1 row has a score outside the scale"):
            validate(df, "surveys")


def test_survey_kind_allowed_values():
    df = pd.DataFrame({"respondent_id": ["r1", "r2"], "timestamp": ["2024-03-01"] * 2, "kind": ["NPS", "nps"],
                       "score": [9, 9]})
    with pytest.raises(KpiDataError, match=r"column 'kind': 1 row has a value outside \{nps, csat, ces\} \(index 0; first: 'NPS'\)"):
        validate(df, "surveys")


def test_benchmark_rules():
    df = good_frames()["benchmarks"]
    df.loc[0, "p25"] = 0.5  # above p75 = 0.40
    with pytest.raises(KpiDataError, match=r"column 'p25/p50/p75': 1 row has quartiles out of order"):
        validate(df, "benchmarks")
    df = good_frames()["benchmarks"]
    df.loc[1, "value"] = np.nan
    with pytest.raises(KpiDataError, match=r"column 'p50/value': 1 row has neither p50 nor value \(index 1; first: metric 'email_open_rate', source 'Mailchimp'\)"):
        validate(df, "benchmarks")


def test_spend_category_and_date_column():
    df = good_frames()["spend"]
    df.loc[0, "category"] = "marketing"
    with pytest.raises(KpiDataError, match=r"column 'category': 1 row has a value outside \{digital, outbound, labour, tools\}"):
        validate(df, "spend")
    df = good_frames()["spend"]
    df["period"] = pd.to_datetime(["2024-01-01 10:00", "2024-02-01"], format="ISO8601")
    with pytest.raises(KpiDataError, match=r"column 'period': 1 row has a time of day, but the column holds dates"):
        validate(df, "spend")


def test_counts_must_be_whole_and_non_negative():
    df = good_frames()["sessions"].assign(pageviews=[1.5, 2.0])
    with pytest.raises(KpiDataError, match=r"column 'pageviews': 1 row has a fractional value, but the column counts things \(index 0; first: 1.5\)"):
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


def test_duplicate_column_names():
    df = pd.DataFrame([["c1", "2024-03-01", 1.0, 2.0]], columns=["customer_id", "timestamp", "amount", "amount"])
    with pytest.raises(KpiDataError, match="column names 'amount' appear more than once"):
        validate(df, "transactions")


def test_allow_negative_only_relaxes_money():
    df = good_frames()["transactions"].assign(amount=[-5.0, 3.0])
    assert validate(df, "transactions", allow_negative=True)["amount"].tolist() == [-5.0, 3.0]
    df = good_frames()["sessions"].assign(pageviews=[-1, 2])
    with pytest.raises(KpiDataError, match="negative pageviews"):
        validate(df, "sessions", allow_negative=True)


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


def test_many_offending_rows_are_summarised():
    df = pd.DataFrame({"customer_id": [f"c{i}" for i in range(9)], "timestamp": ["2024-03-01"] * 9,
                       "amount": [-1.0] * 9})
    with pytest.raises(KpiDataError, match=r"9 rows have a negative amount \(file rows 2, 3, 4, 5, 6 \(and 4 more\); first: -1\)"):
        validate(df, "transactions", rows=np.arange(2, 11))


# ---- properties ------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
                min_size=1, max_size=20))
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
@given(st.lists(st.datetimes(min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
                             max_value=pd.Timestamp("2040-01-01").to_pydatetime()),
                min_size=1, max_size=10),
       st.integers(min_value=-12 * 4, max_value=14 * 4))
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
@given(st.lists(st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["n/a", "abc", "1,5", "--", "12a"])),
                min_size=1, max_size=15))
def test_text_in_a_count_column_never_becomes_nan(cells):
    df = pd.DataFrame({"session_id": [f"s{i}" for i in range(len(cells))], "start": ["2024-03-01"] * len(cells),
                       "pageviews": cells})
    bad = [i for i, c in enumerate(cells) if not c.isdigit()]
    if bad:
        with pytest.raises(KpiDataError) as e:
            validate(df, "sessions")
        assert f"index {bad[0]}" in str(e.value)
    else:
        out = validate(df, "sessions")
        assert out["pageviews"].tolist() == [int(c) for c in cells]
