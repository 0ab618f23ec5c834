"""Tests of kpikit.schemas.dates: offsets to UTC, slash dates in the file's order, dates pandas cannot hold."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kpikit.errors import KpiDataError, KpiWarning
from kpikit.schemas import validate

T = pd.Timestamp


def subs(start, end=None) -> pd.DataFrame:
    n = len(start)
    df = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "subscription_id": [f"s{i}" for i in range(n)]})
    df["start"] = start
    if end is not None:
        df["end"] = end
    return df


def tx(times) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "timestamp": times, "amount": [1.0] * n})


@pytest.mark.parametrize("marker", ["9999-12-31", "2999-12-31", "9999-12-31 23:59:59", "2262-06-01", "31/12/9999"])
def test_far_future_end_dates_mean_still_active(marker):
    df = subs(["2024-01-15", "2024-02-15"], [marker, "2024-05-01"])
    with pytest.warns(KpiWarning) as w:
        out = validate(df, "subscriptions")
    assert out["end"].isna().tolist() == [True, False] and out["end"].iloc[1] == T("2024-05-01")
    msg = " ".join(str(x.message) for x in w)
    assert "column 'end': 1 value was a far-future date (a 'no end yet' marker such as 9999-12-31), read as" in msg
    assert f"still active (empty) (index 0; first: {marker!r})" in msg
    assert out.attrs["repaired"][0]["count"] == 1


def test_far_future_end_among_nanosecond_values():
    # a nanosecond value makes pandas parse the column at ns resolution, where 9999 cannot be held
    df = subs(["2024-01-15 00:00:00.000000001", "2024-02-15"], ["9999-12-31", "2024-05-01 10:00:00.123456789"])
    with pytest.warns(KpiWarning, match="1 value was a far-future date"):
        out = validate(df, "subscriptions")
    assert out["end"].isna().iloc[0] and out["end"].iloc[1] == T("2024-05-01 10:00:00.123456789")
    assert out["start"].iloc[0] == T("2024-01-15 00:00:00.000000001")


@pytest.mark.parametrize(
    "end",
    [
        np.array(["9999-12-31", "2024-05-01"], dtype="datetime64[us]"),
        pd.Series([dt.datetime(9999, 12, 31), dt.datetime(2024, 5, 1)], dtype=object),  # Excel cells
        pd.Series(np.array(["9999-12-31", "2024-05-01"], dtype="datetime64[s]")).dt.tz_localize("UTC"),
    ],
)
def test_far_future_end_in_date_columns(end):
    with pytest.warns(KpiWarning, match="1 value was a far-future date"):
        out = validate(subs(["2024-01-15", "2024-02-15"], end), "subscriptions")
    assert out["end"].isna().tolist() == [True, False] and out["end"].dtype == "datetime64[ns]"


def test_far_future_dates_elsewhere_are_errors():
    df = pd.DataFrame({"ticket_id": ["t1", "t2"], "created_at": ["2024-01-01"] * 2, "solved_at": ["9999-12-31", None]})
    with pytest.raises(KpiDataError) as e:
        validate(df, "tickets")
    msg = str(e.value)
    assert "column 'solved_at': 1 row has a date from the year 2262 on, which no real solved_at can be" in msg
    assert "(index 0; first: '9999-12-31')" in msg and "na_values=['9999-12-31']" in msg
    out = validate(df, "tickets", na_values=["9999-12-31"])
    assert out["solved_at"].isna().all()


@pytest.mark.parametrize(
    "start",
    [
        ["0001-01-01", "2024-01-01"],
        ["1600-06-30 12:00", "2024-01-01"],
        np.array(["0001-01-01", "2024-01-01"], dtype="datetime64[us]"),
        pd.Series([dt.datetime(1, 1, 1), dt.datetime(2024, 1, 1)], dtype=object),
    ],
)
def test_dates_before_1678_are_refused(start):
    with pytest.raises(KpiDataError) as e:
        validate(subs(start), "subscriptions")
    msg = str(e.value)
    assert "column 'start': 1 row has a date before the year 1678, which pandas cannot hold" in msg
    assert "(index 0; first: " in msg and "blank these cells in the export or pass na_values=[" in msg


def test_offsets_are_converted_to_utc_without_asking():
    times = ["2024-01-15T10:00:00+01:00", "2024-07-15T10:00:00+02:00", "2024-07-15T10:00:00Z", "2024-07-15 10:00-0530"]
    out = validate(tx(times), "transactions")["timestamp"]
    assert out.tolist() == [T("2024-01-15 09:00"), T("2024-07-15 08:00"), T("2024-07-15 10:00"), T("2024-07-15 15:30")]


def test_bigquery_utc_suffix():
    out = validate(tx(["2019-10-01 00:00:00 UTC", "2019-10-01 10:15:30.123456 UTC"]), "transactions")["timestamp"]
    assert out.tolist() == [T("2019-10-01 00:00:00"), T("2019-10-01 10:15:30.123456")]


def test_aware_and_naive_values_still_need_tz():
    with pytest.raises(KpiDataError, match=r"1 row has no UTC offset while the others have one \(mixed time zones"):
        validate(tx(["2024-01-15T10:00:00+01:00", "2024-01-15T11:00:00+01:00", "2024-01-15 12:00"]), "transactions")


def test_tz_aware_frame_columns_are_converted():
    berlin = pd.to_datetime(["2024-01-15 10:00", "2024-07-15 10:00"]).tz_localize("Europe/Berlin")
    out = validate(tx(berlin), "transactions")["timestamp"]
    assert out.tolist() == [T("2024-01-15 09:00"), T("2024-07-15 08:00")] and out.dt.tz is None


@pytest.mark.parametrize(
    "times,expected,dayfirst",
    [
        (["03/04/2024", "25/04/2024"], [T("2024-04-03"), T("2024-04-25")], True),
        (["03/04/2024", "04/25/2024"], [T("2024-03-04"), T("2024-04-25")], False),
        (["03.04.2024 14:30", "25.04.2024 09:05:59"], [T("2024-04-03 14:30"), T("2024-04-25 09:05:59")], True),
        (["3/4/2024 2:05 PM", "4/25/2024 12:10 AM"], [T("2024-03-04 14:05"), T("2024-04-25 00:10")], False),
        (["03/04/24", "25/04/99"], [T("2024-04-03"), T("1999-04-25")], True),
        (["2024-03-04", "25-04-2024"], [T("2024-03-04"), T("2024-04-25")], True),
    ],
)
def test_slash_dates_take_the_order_their_values_prove(times, expected, dayfirst):
    out = validate(tx(times), "transactions")
    assert out["timestamp"].tolist() == expected
    assert out.attrs["inferred"] == {"dayfirst": dayfirst}


def test_the_order_is_the_files():
    # start holds only ambiguous dates; end proves day first
    out = validate(subs(["03/04/2024", "05/06/2024"], ["25/12/2024", None]), "subscriptions")
    assert out["start"].tolist() == [T("2024-04-03"), T("2024-06-05")]


def test_every_date_ambiguous_is_a_question():
    df = tx(["03/04/2024", "05/06/2024", "01/01/2024"])
    with pytest.raises(KpiDataError) as e:
        validate(df, "transactions", drop_invalid=True)  # a question is not a row to drop
    msg = str(e.value)
    assert msg.startswith(
        "transactions data, column 'timestamp': 2 rows have a date such as '03/04/2024' that reads 3 April "
        "day first and March 4 month first; no date in the file has a day above 12 to tell which (index 0, 1;"
    )
    assert "Pass dayfirst=True if the file writes day/month/year (3 April), dayfirst=False if it writes" in msg
    assert 'date_format="%d/%m/%Y"' in msg
    assert validate(df, "transactions", dayfirst=True)["timestamp"].tolist()[:2] == [T("2024-04-03"), T("2024-06-05")]
    assert validate(df, "transactions", dayfirst=False)["timestamp"].tolist()[:2] == [T("2024-03-04"), T("2024-05-06")]
    # dates that read the same either way need no answer
    assert validate(tx(["01/01/2024", "07/07/2024"]), "transactions")["timestamp"].iloc[1] == T("2024-07-07")


def test_a_file_proving_both_orders_is_refused():
    df = subs(["25/03/2024", "26/03/2024", "03/27/2024"])
    with pytest.raises(KpiDataError) as e:
        validate(df, "subscriptions")
    msg = str(e.value)
    assert (
        "column 'start': 1 row has a date that only reads month first, while other dates of the file only read" in msg
    )
    assert "day first (e.g. '25/03/2024' in column 'start') (index 2; first: '03/27/2024')" in msg
    assert "cannot be read" not in msg  # one problem per row


def test_dayfirst_given_and_a_value_that_does_not_fit():
    with pytest.raises(KpiDataError, match=r"1 row has a date that cannot be read .*dayfirst=True"):
        validate(tx(["03/04/2024", "04/25/2024"]), "transactions", dayfirst=True)
    with pytest.raises(KpiDataError, match="dayfirst must be True, False or None"):
        validate(tx(["03/04/2024"]), "transactions", dayfirst="yes")


def test_date_format_mismatches_are_errors_not_dropped_rows():
    df = tx(["01/03/2024", "2024-03-02", "15/03/2024"])
    with pytest.raises(KpiDataError) as e:
        validate(df, "transactions", date_format="%d/%m/%Y")
    assert "1 row has a date that cannot be read (index 1; first: '2024-03-02'). They do not match" in str(e.value)
    with pytest.warns(KpiWarning, match=r"dropped 1 of 3 rows \(drop_invalid=True\)"):
        out = validate(df, "transactions", date_format="%d/%m/%Y", drop_invalid=True)
    assert out["timestamp"].tolist() == [T("2024-03-01"), T("2024-03-15")]
    assert out.attrs["dropped"][0]["rows"] == [1]


def test_date_format_with_offsets_converts_to_utc():
    out = validate(
        tx(["01/03/2024 10:00 +0100", "01/07/2024 10:00 +0200"]), "transactions", date_format="%d/%m/%Y %H:%M %z"
    )
    assert out["timestamp"].tolist() == [T("2024-03-01 09:00"), T("2024-07-01 08:00")]
    with pytest.raises(KpiDataError, match="date_format='%Q' is not a format pandas can use"):
        validate(tx(["01/03/2024"]), "transactions", date_format="%Q")
