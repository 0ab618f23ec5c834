"""The catalogue of hostile exports, folders (issue 13, items 1 and 3): a table in several files whose
dates overlap (a month downloaded twice, one file per ad account), the GA4-style events export doubled,
and folders where one broken table must never stop the others.
"""

from __future__ import annotations

import re
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.io import folder_health, read_folder
from tests.io.hostile import BOMB, SPEND, TX, Case, check, csv, gz, parquet
from tests.paths import SAMPLE

needs_sample = pytest.mark.skipif(not (SAMPLE / "events.csv.gz").exists(), reason="data/sample not generated yet")


def _events(*rows: str) -> bytes:
    return csv("user_id,timestamp,event,page", *rows)


JAN_FEB = _events(
    "u1,2024-01-10 10:00:00,page_view,/",
    "u2,2024-01-20 12:00:00,page_view,/shop",
    "u1,2024-02-01 10:00:00,page_view,/",
    "u3,2024-02-02 11:00:00,purchase,/checkout",
)
FEB_MAR = _events(
    "u1,2024-02-01 10:00:00,page_view,/",
    "u3,2024-02-02 11:00:00,purchase,/checkout",
    "u4,2024-03-05 09:00:00,page_view,/blog",
)


FOLDER_CASES = [
    Case(
        "events: two downloads that overlap by a month: the repeated rows dropped",
        {"events_2024-01-02.csv": JAN_FEB, "events_2024-02-03.csv": FEB_MAR},
        "events",
        values={"user_id": ["u1", "u2", "u1", "u3", "u4"], "page": ["/", "/shop", "/", "/checkout", "/blog"]},
        repairs={"duplicates_dropped": 2},
        warns="events: dropped 2 rows of events_2024-02-03.csv that repeat rows of events_2024-01-02.csv in every "
        "column (events_2024-02-03.csv rows 2, 3, 2024-02-01 10:00:00 to 2024-02-02 11:00:00): the files overlap, "
        'and each row is counted once. Pass duplicates="keep" to keep them.',
    ),
    Case(
        "events: two overlapping downloads that disagree: refused with both files and the dates",
        {
            "events_a.csv": JAN_FEB,
            "events_b.csv": _events("u1,2024-02-01 10:00:00,page_view,/home", "u4,2024-03-05 09:00:00,page_view,/"),
        },
        "events",
        error="events: events_a.csv and events_b.csv overlap from 2024-02-01 10:00:00 to 2024-02-02 11:00:00 and "
        "disagree there: 1 row of events_b.csv has the same user_id, timestamp and event as a row of events_a.csv "
        "but differs in column 'page' (first: events_b.csv row 2, '/home'; events_a.csv row 4, '/'). kpikit cannot "
        "tell which download is right: keep each date in one file only (remove the overlapping dates from the older "
        "download)",
    ),
    Case(
        "spend: one file per ad platform over the same months: added up as segments",
        {
            "spend_google.csv": csv(SPEND, "2024-01-01,Paid Search,100", "2024-02-01,Paid Search,110"),
            "spend_meta.csv": csv(SPEND, "2024-01-01,Paid Social,80", "2024-02-01,Paid Social,90"),
        },
        "spend",
        values={
            "channel": ["Paid Search", "Paid Search", "Paid Social", "Paid Social"],
            "cost": [100.0, 110.0, 80.0, 90.0],
        },
        warns="spend: parts cover the same dates but share no row (spend_google.csv and spend_meta.csv, 2024-01-01 "
        "to 2024-02-01): they are read as separate segments",
    ),
    Case(
        "spend: two accounts of one channel without an account column: refused",
        {
            "spend_bing.csv": csv(SPEND, "2024-01-01,Paid Search,30"),
            "spend_google.csv": csv(SPEND, "2024-01-01,Paid Search,100"),
        },
        "spend",
        error="spend: spend_bing.csv and spend_google.csv overlap from 2024-01-01 and disagree there: 1 row of "
        "spend_google.csv has the same period and channel as a row of spend_bing.csv but differs in column "
        "'cost' (first: spend_google.csv row 2, 100.0; spend_bing.csv row 2, 30.0). kpikit cannot tell which download "
        "is right: keep each date in one file only (remove the overlapping dates from the older download); if the "
        "files are separate accounts or stores, add a column naming the account to each",
    ),
    Case(
        "spend: two accounts of one channel with an account column: added up",
        {
            "spend_bing.csv": csv("period,channel,account,cost", "2024-01-01,Paid Search,Bing Ads,30"),
            "spend_google.csv": csv("period,channel,account,cost", "2024-01-01,Paid Search,Google Ads,100"),
        },
        "spend",
        values={"account": ["Bing Ads", "Google Ads"], "cost": [30.0, 100.0]},
        warns="they are read as separate segments",
    ),
    Case(
        "transactions: a subfolder of monthly files",
        {
            "transactions/2024-01.csv": csv(TX, "c1,2024-01-05 10:00,5", "c2,2024-01-20 11:00,7"),
            "transactions/2024-02.csv": csv(TX, "c1,2024-02-03 09:00,6"),
        },
        "transactions",
        values={"customer_id": ["c1", "c2", "c1"], "amount": [5.0, 7.0, 6.0]},
    ),
    Case(
        "transactions: the whole file and a later month beside it",
        {
            "transactions.csv": csv(TX, "c1,2024-01-05 10:00,5"),
            "transactions-2024-07.csv": csv(TX, "c2,2024-07-01 10:00,8"),
        },
        "transactions",
        values={"customer_id": ["c1", "c2"], "amount": [5.0, 8.0]},
    ),
    Case(
        "sessions: one session in two parts with different starts: refused",
        {
            "sessions_a.csv": csv("session_id,start", "s1,2024-03-01 10:00", "s2,2024-03-01 11:00"),
            "sessions_b.csv": csv("session_id,start", "s2,2024-03-01 11:30", "s3,2024-03-02 09:00"),
        },
        "sessions",
        error="1 row of sessions_b.csv has the same session_id as a row of sessions_a.csv but differs in column "
        "'start' (first: sessions_b.csv row 2, 2024-03-01 11:30:00; sessions_a.csv row 3, 2024-03-01 11:00:00).",
    ),
    Case(
        "events: repeated rows across parts, duplicates='raise'",
        {"events_2024-01-02.csv": JAN_FEB, "events_2024-02-03.csv": FEB_MAR},
        "events",
        kwargs={"duplicates": "raise"},
        error="events: 2 rows of events_2024-02-03.csv repeat rows of events_2024-01-02.csv in every column "
        "(events_2024-02-03.csv rows 2, 3, 2024-02-01 10:00:00 to 2024-02-02 11:00:00): the two files overlap.",
    ),
    Case(
        "events: repeated rows across parts, duplicates='keep'",
        {"events_2024-01-02.csv": JAN_FEB, "events_2024-02-03.csv": FEB_MAR},
        "events",
        kwargs={"duplicates": "keep"},
        values={"user_id": ["u1", "u2", "u1", "u3", "u1", "u3", "u4"]},
    ),
    Case(
        "spend: one name in two formats is one export saved twice",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100"), "spend.parquet": parquet(pd.DataFrame({"a": [1]}))},
        "spend",
        error="spend.csv, spend.parquet all hold table 'spend' under one name in different formats",
    ),
    Case(
        "spend: Excel's lock file beside the data is ignored",
        {"spend.csv": csv(SPEND, "2024-01-01,Email,100"), "~$spend.xlsx": b"lock"},
        "spend",
        values={"cost": [100.0]},
    ),
    Case(
        "transactions: a bad value in one part names that part",
        {
            "transactions/2024-01.csv": csv(TX, "c1,2024-01-05 10:00,5"),
            "transactions/2024-02.csv": csv(TX, "c1,2024-02-03 09:00,six"),
        },
        "transactions",
        error="transactions/2024-02.csv, column 'amount': 1 row",
    ),
    Case(
        "transactions: a part with its own repeated row and a repeated part",
        {
            "transactions_a.csv": csv(TX, "c1,2024-01-05 10:00,5", "c1,2024-01-05 10:00,5"),
            "transactions_b.csv": csv(TX, "c1,2024-01-05 10:00,5", "c2,2024-01-06 10:00,9"),
        },
        "transactions",
        values={"amount": [5.0, 9.0]},
        repairs={"duplicates_dropped": 2},
        warns="transactions_a.csv: dropped 1 exact duplicate row (file row 3;",
    ),
]


@pytest.mark.parametrize("case", FOLDER_CASES, ids=[c.id for c in FOLDER_CASES])
def test_hostile_folder(case: Case, tmp_path):
    for name, data in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)

    def read() -> pd.DataFrame:
        tables = read_folder(tmp_path, tables=[case.table], **case.kwargs)
        if case.table in tables.problems:
            assert tables.health.set_index("table").loc[case.table, "status"] == "invalid"
            raise KpiDataError(tables.problems[case.table])
        return tables[case.table]

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="table '.*' not loaded", category=KpiWarning)
        check(case, read)


@needs_sample
def test_a_doubled_ga4_style_events_export_gives_the_single_files_bounce_rate(tmp_path):
    # today's bug: every event twice made every session "engaged" (two page views): bounce 0% instead of 45%
    shutil.copy(SAMPLE / "events.csv.gz", tmp_path / "events_1.csv.gz")
    shutil.copy(SAMPLE / "events.csv.gz", tmp_path / "events_2.csv.gz")
    with pytest.warns(KpiWarning, match=r"events: dropped 97771 rows of events_2.csv.gz that repeat rows of events_1"):
        doubled = read_folder(tmp_path, tables=["events"])["events"]
    single = read_folder(SAMPLE, tables=["events"])["events"]
    assert len(doubled) == len(single) == 97771
    assert doubled.attrs["duplicates_dropped"] == 97771
    rate = kk.web.bounce_rate(kk.web.sessions_from_events(doubled))
    reference = kk.web.bounce_rate(kk.web.sessions_from_events(single))
    assert (rate["sessions"].iloc[0], rate["bounces"].iloc[0]) == (20000, 9078)
    assert rate["bounce_rate"].iloc[0] == reference["bounce_rate"].iloc[0] == pytest.approx(0.4539)


@needs_sample
def test_every_event_twice_in_one_file_gives_the_same_bounce_rate(tmp_path):
    raw = pd.read_csv(SAMPLE / "events.csv.gz", dtype=str, keep_default_na=False)
    pd.concat([raw, raw]).to_csv(tmp_path / "events.csv.gz", index=False)
    with pytest.warns(KpiWarning, match=r"events.csv.gz: dropped 97771 exact duplicate rows \(file rows 97773, "):
        events = read_folder(tmp_path, tables=["events"])["events"]
    rate = kk.web.bounce_rate(kk.web.sessions_from_events(events))
    assert (rate["sessions"].iloc[0], rate["bounces"].iloc[0]) == (20000, 9078)


def _broken_folder(path):
    (path / "sessions.csv").write_bytes(csv("session_id,start", "s1,2024-03-01 10:00", "s2,2024-03-02 11:00"))
    (path / "spend.csv").write_bytes(csv(SPEND, "2024-01-01,Email,100", "2024-02-01,Email,120"))
    (path / "leads.csv").write_bytes(csv("lead_id,created_at", "L1,2024-01-01"))
    (path / "transactions.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")  # unreadable
    (path / "surveys.csv").write_bytes(csv("respondent_id,timestamp,kind,score", "R1,2024-01-04,nps,11"))  # bad value
    (path / "subscriptions.csv").write_bytes(
        csv("customer_id,subscription_id,start,end", "c1,sub1,2024-01-01,0001-01-01")  # out-of-range date
    )
    (path / "tickets.csv.gz").write_bytes(gz(csv("ticket_id,created_at", "T1,2024-01-02"))[:-9])  # truncated
    (path / "events.csv.gz").write_bytes(BOMB)  # inflates past the limit of the test


def test_one_bad_table_never_stops_read_folder_or_folder_health(tmp_path):
    _broken_folder(tmp_path)
    with pytest.warns(KpiWarning) as rec:
        tables = read_folder(tmp_path, max_bytes=1_000_000)
    failed = ["events", "subscriptions", "surveys", "tickets", "transactions"]
    assert sorted(re.match(r"table '(\w+)' not loaded: ", str(w.message)).group(1) for w in rec) == failed
    assert sorted(tables) == ["leads", "sessions", "spend"]
    assert tables["spend"]["cost"].tolist() == [100.0, 120.0]
    health = folder_health(tmp_path, max_bytes=1_000_000).set_index("table")
    assert health["status"].to_dict() == {
        "events": "invalid",
        "sessions": "ok",
        "leads": "ok",
        "touchpoints": "missing",
        "spend": "ok",
        "subscriptions": "invalid",
        "transactions": "invalid",
        "surveys": "invalid",
        "tickets": "invalid",
        "social": "missing",
        "benchmarks": "missing",
    }
    problem = health["problem"]
    assert problem["transactions"].startswith("transactions.xlsx is not a readable Excel workbook")
    assert problem["surveys"].startswith("surveys.csv, column 'score': 1 row")
    assert problem["subscriptions"].startswith("subscriptions.csv, column 'end': 1 row")
    assert "0001-01-01" in problem["subscriptions"]
    assert problem["tickets"].startswith("tickets.csv.gz is not a readable gzip file")
    assert problem["events"].startswith("events.csv.gz inflates to more than 976.6 KB (max_bytes=1000000)")
    assert (problem[["sessions", "spend", "leads"]] == "").all()
    assert health.loc["spend", "rows"] == 2
    with pytest.raises(KpiDataError, match="events.csv.gz inflates to more than"):  # strict: the first failure
        read_folder(tmp_path, strict=True, max_bytes=1_000_000)
    # only what the caller asked for raises: the good tables read strictly
    assert sorted(read_folder(tmp_path, tables=["sessions", "spend"], strict=True)) == ["sessions", "spend"]


def test_an_unexpected_error_in_one_table_is_reported_not_raised(tmp_path, monkeypatch):
    # whatever goes wrong inside a reader (here pandas raising in the middle of one table), the folder goes on
    _broken_folder(tmp_path)
    import kpikit.io.folder as folder

    real = folder._read

    def flaky(source, table, *args):
        if table == "spend":
            raise np.linalg.LinAlgError("something deep inside numpy")
        return real(source, table, *args)

    monkeypatch.setattr(folder, "_read", flaky)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpiWarning)
        tables = read_folder(tmp_path, max_bytes=1_000_000)
    assert sorted(tables) == ["leads", "sessions"]
    assert tables.problems["spend"].startswith(
        "spend.csv could not be read: LinAlgError: something deep inside numpy. Check the values this names"
    )
    with pytest.raises(KpiDataError, match="spend.csv could not be read: LinAlgError") as e:
        read_folder(tmp_path, tables=["spend"], strict=True)
    assert isinstance(e.value.__cause__, np.linalg.LinAlgError)


def test_read_folder_names_an_unknown_option(tmp_path):
    with pytest.raises(KpiDataError, match="read_folder has no option 'decimals'; did you mean 'decimal'?"):
        read_folder(tmp_path, decimals=",")


def test_warnings_of_a_folder_point_at_the_caller(tmp_path):
    (tmp_path / "spend.csv").write_bytes(csv(SPEND, "2024-01-01,Email,100", "2024-01-01,Total,100"))
    with pytest.warns(KpiWarning, match="dropped 1 totals row") as rec:
        read_folder(tmp_path)
    assert rec[0].filename == __file__
