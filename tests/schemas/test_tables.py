"""Tests of kpikit.schemas.tables: the canonical tables, their required columns and their row rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError
from kpikit.schemas import TABLES, table_spec, validate
from tests.schemas.frames import CANONICAL, good_frames


def test_every_canonical_table_is_declared():
    assert list(TABLES) == CANONICAL
    assert kk.schemas.TABLES is TABLES


@pytest.mark.parametrize(
    "table,required",
    [
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
    ],
)
def test_required_columns(table, required):
    assert TABLES[table].required == required


def test_unknown_table():
    with pytest.raises(KpiDataError, match="Unknown table 'transaction'. Did you mean 'transactions'"):
        table_spec("transaction")


def test_end_before_start():
    df = good_frames()["subscriptions"]
    df.loc[1, "end"] = pd.Timestamp("2024-02-01")  # starts 2024-03-02 11:00
    with pytest.raises(KpiDataError) as e:
        validate(df, "subscriptions", source="subscriptions.csv", rows=[2, 3])
    msg = str(e.value)
    assert msg.startswith(
        "subscriptions.csv, column 'end': 1 row has end before start (file row 3; "
        "first: subscription s2 start 2024-03-02 11:00:00, end 2024-02-01)."
    )


def test_lead_stage_before_creation():
    df = good_frames()["leads"]
    df.loc[0, "mql_at"] = pd.Timestamp("2024-02-01")
    with pytest.raises(
        KpiDataError, match=r"column 'mql_at': 1 row has mql_at before created_at \(index 0; first: lead l1 "
    ):
        validate(df, "leads")


def test_ticket_response_before_creation():
    df = good_frames()["tickets"]
    df.loc[0, "first_response_at"] = pd.Timestamp("2024-01-01")
    with pytest.raises(KpiDataError, match="column 'first_response_at': 1 row has first_response_at before created_at"):
        validate(df, "tickets")


@pytest.mark.parametrize(
    "kind,score,ok",
    [
        ("nps", 0, True),
        ("nps", 10, True),
        ("nps", 11, False),
        ("nps", 7.5, False),
        ("nps", -1, False),
        ("csat", 1, True),
        ("csat", 5, True),
        ("csat", 0, False),
        ("csat", 6, False),
        ("ces", 7, True),
        ("ces", 8, False),
        ("ces", 0.5, False),
    ],
)
def test_survey_score_scale(kind, score, ok):
    df = pd.DataFrame({"respondent_id": ["r"], "timestamp": ["2024-03-01"], "kind": [kind], "score": [score]})
    if ok:
        assert validate(df, "surveys")["score"].tolist() == [score]
    else:
        with pytest.raises(
            KpiDataError,
            match=r"column 'score': 1 row has a score outside the scale of its kind|1 row has a score outside the scale",
        ):
            validate(df, "surveys")


def test_survey_kind_allowed_values():
    df = pd.DataFrame(
        {"respondent_id": ["r1", "r2"], "timestamp": ["2024-03-01"] * 2, "kind": ["NPS", "nps"], "score": [9, 9]}
    )
    with pytest.raises(
        KpiDataError, match=r"column 'kind': 1 row has a value outside \{nps, csat, ces\} \(index 0; first: 'NPS'\)"
    ):
        validate(df, "surveys")


def test_benchmark_rules():
    df = good_frames()["benchmarks"]
    df.loc[0, "p25"] = 0.5  # above p75 = 0.40
    with pytest.raises(KpiDataError, match=r"column 'p25/p50/p75': 1 row has quartiles out of order"):
        validate(df, "benchmarks")
    df = good_frames()["benchmarks"]
    df.loc[1, "value"] = np.nan
    with pytest.raises(
        KpiDataError,
        match=r"column 'p50/value': 1 row has neither p50 nor value \(index 1; first: metric 'email_open_rate', source 'Mailchimp'\)",
    ):
        validate(df, "benchmarks")


def test_spend_category_and_date_column():
    df = good_frames()["spend"]
    df.loc[0, "category"] = "marketing"
    with pytest.raises(
        KpiDataError, match=r"column 'category': 1 row has a value outside \{digital, outbound, labour, tools\}"
    ):
        validate(df, "spend")
    df = good_frames()["spend"]
    df["period"] = pd.to_datetime(["2024-01-01 10:00", "2024-02-01"], format="ISO8601")
    with pytest.raises(KpiDataError, match=r"column 'period': 1 row has a time of day, but the column holds dates"):
        validate(df, "spend")


def test_unknown_table_without_a_close_name_lists_the_tables():
    with pytest.raises(KpiDataError) as e:
        table_spec("zzz")
    assert str(e.value) == (
        "Unknown table 'zzz'. Canonical tables: events, sessions, leads, touchpoints, spend, "
        "subscriptions, transactions, surveys, tickets, social, benchmarks."
    )
    with pytest.raises(KpiDataError, match=r"Unknown table 'Sessions'. Did you mean 'sessions'\?"):
        table_spec("Sessions")
    with pytest.raises(KpiDataError, match=r"Unknown table None\. Canonical tables"):
        table_spec(None)
