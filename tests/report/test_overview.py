"""kpikit.report.overview: notebook 00's health table, repairs, coverage, findings and KPI snapshot."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError
from kpikit.i18n import messages, t
from kpikit.report import overview as ov
from kpikit.report.notebooks import NOTEBOOKS
from kpikit.report.params import parameter_spec
from kpikit.schemas import TABLES
from tests.paths import NOTEBOOKS as NOTEBOOK_DIR
from tests.paths import SAMPLE

ANALYSIS = [name for name, spec in NOTEBOOKS.items() if spec.required]


def health(problems: dict[str, str] | None = None, **status: str) -> pd.DataFrame:
    """A health table of every canonical table: those named ok (10 rows, Jan 2024 - Jun 2025) or invalid."""
    rows = []
    for name in TABLES:
        s = status.get(name, "missing")
        ok = s == "ok"
        rows.append(
            {
                "table": name,
                "file": "" if s == "missing" else f"{name}.csv",
                "status": s,
                "rows": 10 if ok else pd.NA,
                "columns": 3 if ok else pd.NA,
                "date_from": pd.Timestamp("2024-01-01") if ok else pd.NaT,
                "date_to": pd.Timestamp("2025-06-30") if ok else pd.NaT,
                "missing_values": 0 if ok else pd.NA,
                "problem": (problems or {}).get(name, "" if s != "invalid" else f"{name}.csv: bad dates."),
            }
        )
    return pd.DataFrame(rows)


def readiness(cov: pd.DataFrame) -> dict[str, str]:
    return dict(zip(cov["notebook"], cov["readiness"]))


# ----------------------------------------------------------------------------------------------- coverage


def test_every_report_is_ready_when_every_table_loaded():
    cov = ov.coverage(health(**dict.fromkeys(TABLES, "ok")))
    assert list(cov["notebook"]) == ANALYSIS and "00_data_overview" not in set(cov["notebook"])
    assert set(cov["readiness"]) == {ov.READY}
    assert (cov["coverage_notes"] == "").all()
    row = cov.set_index("notebook").loc["03_churn_and_renewal"]
    assert row["report_title"] == "03 Churn and renewal"
    assert row["reads_tables"] == "subscriptions, surveys, support tickets"


def test_a_folder_with_subscriptions_alone_feeds_03_with_notes_and_nothing_else():
    cov = ov.coverage(health(subscriptions="ok")).set_index("notebook")
    assert readiness(cov.reset_index()) == {
        "01_bounce_rate_diagnosis": ov.CANNOT_RUN,
        "02_funnel_conversion": ov.CANNOT_RUN,
        "03_churn_and_renewal": ov.READY_WITH_NOTES,
        "04_clv_forecasting": ov.CANNOT_RUN,
        "05_competitor_benchmarking": ov.CANNOT_RUN,
    }
    # the optional tables missing, each with the sections it takes away (notebook 03's spec)
    assert cov.loc["03_churn_and_renewal", "coverage_notes"] == (
        "no surveys table: the sections on satisfaction scores (NPS, CSAT, CES) and the leading indicators of "
        "churn are skipped; no support tickets table: the sections on support (first-contact resolution, "
        "response times) and the leading indicators of churn are skipped"
    )
    # a required group of alternatives is named whole; a single required table by its reader's name
    assert cov.loc["01_bounce_rate_diagnosis", "coverage_notes"] == "no events or sessions table"
    assert cov.loc["02_funnel_conversion", "coverage_notes"] == "no events table"
    assert cov.loc["05_competitor_benchmarking", "coverage_notes"] == "no social media table"
    assert cov.loc["02_funnel_conversion", "reads_tables"] == "subscriptions"  # what it would read


def test_a_table_that_failed_its_checks_is_not_there():
    # invalid required table: cannot run, naming it; invalid optional table: ready with notes, naming it
    cov = ov.coverage(health(subscriptions="invalid", sessions="ok", events="invalid")).set_index("notebook")
    assert cov.loc["03_churn_and_renewal", "readiness"] == ov.CANNOT_RUN
    assert cov.loc["03_churn_and_renewal", "coverage_notes"] == "the subscriptions table could not be used"
    assert cov.loc["02_funnel_conversion", "coverage_notes"] == "the events table could not be used"
    # sessions stand in for events in 01, whose benchmarks table is optional
    assert cov.loc["01_bounce_rate_diagnosis", "readiness"] == ov.READY_WITH_NOTES
    assert cov.loc["01_bounce_rate_diagnosis", "reads_tables"] == "sessions"
    cov = ov.coverage(health(subscriptions="ok", tickets="ok", surveys="invalid")).set_index("notebook")
    assert cov.loc["03_churn_and_renewal", "readiness"] == ov.READY_WITH_NOTES
    assert cov.loc["03_churn_and_renewal", "coverage_notes"].startswith(
        "the surveys table could not be used: the sections on satisfaction scores"
    )
    # a table said to have loaded but holding no rows does not count either
    h = health(subscriptions="ok")
    h.loc[h["table"] == "subscriptions", "rows"] = 0
    assert ov.coverage(h).set_index("notebook").loc["03_churn_and_renewal", "readiness"] == ov.CANNOT_RUN


def test_coverage_in_vietnamese():
    cov = ov.coverage(health(subscriptions="ok"), lang="vi").set_index("notebook")
    assert cov.loc["03_churn_and_renewal", "report_title"] == "03 Rời bỏ và gia hạn"
    assert cov.loc["01_bounce_rate_diagnosis", "coverage_notes"] == "không có bảng sự kiện hoặc phiên truy cập"
    assert cov.loc["03_churn_and_renewal", "coverage_notes"].startswith(
        "không có bảng khảo sát: bỏ qua các phần về điểm hài lòng (NPS, CSAT, CES) và "
    )
    # the statuses stay the kit's categories; the client table writes them as the catalogue's terms
    assert kk.i18n.term(ov.READY_WITH_NOTES, "vi") == "sẵn sàng, có ghi chú"
    assert kk.i18n.term(ov.CANNOT_RUN, "vi") == "không chạy được"


def tiny_folder(path, invalid=(), **tables):
    """A data folder holding the first rows of sample tables (``name=rows``), and invalid ones."""
    path.mkdir()
    for name, n in tables.items():
        source = next(SAMPLE.glob(f"{name}.csv*"))
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        frame.head(n).to_csv(path / f"{name}.csv", index=False)
    for name in invalid:
        spec = TABLES[name]
        (path / f"{name}.csv").write_text(
            ",".join(spec.required) + "\n" + ",".join(["not a date"] * len(spec.required))
        )
    return path


@pytest.fixture
def quiet(monkeypatch):
    """kk.report.start without a kernel: its displays go nowhere; run from the notebooks folder.

    The report's chart style is set for these tests only (start sets matplotlib's rcParams for the
    notebook it runs in; later tests draw with the defaults).
    """
    import IPython.display as ipd
    import matplotlib

    monkeypatch.setattr(ipd, "display", lambda *a, **k: None)
    monkeypatch.chdir(NOTEBOOK_DIR)
    with matplotlib.rc_context():
        yield


@pytest.mark.parametrize(
    "tables, invalid",
    [
        ({"subscriptions": 200}, ()),
        ({"sessions": 200, "surveys": 50}, ("subscriptions",)),
        ({"sessions": 200, "social": 100, "transactions": 200, "subscriptions": 200}, ("events", "surveys")),
    ],
)
def test_coverage_agrees_with_what_each_report_does_when_it_starts(tmp_path, quiet, tables, invalid):
    """Never "ready" for a report that then stops: coverage and kk.report.start apply one rule (issue 14)."""
    data = tiny_folder(tmp_path / "data", invalid, **tables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov = ov.coverage(kk.io.folder_health(data)).set_index("notebook")
    for name in ANALYSIS:
        params = {n: p.default for n, p in parameter_spec(f"{name}.ipynb").items()}
        params.update(data_dir=str(data), mapping_file=None)
        status = cov.loc[name, "readiness"]
        if status == ov.CANNOT_RUN:
            with pytest.raises(KpiDataError, match=name):
                kk.report.start(name, params)
            continue
        rep = kk.report.start(name, params)
        skipped = sorted(rep.tables.notes)
        assert skipped == sorted(x for x in NOTEBOOKS[name].optional if x not in rep.tables), name
        assert (status == ov.READY_WITH_NOTES) == bool(skipped), name


# ----------------------------------------------------------------------------------------------- repairs


@pytest.fixture
def repaired(tmp_path):
    """A folder with a subscriptions export needing three repairs and a sessions export that fails."""
    (tmp_path / "subscriptions.csv").write_text(
        "customer_id,subscription_id,plan,interval,amount,start,end\n"
        " c1,s1,Basic,month,10.00,2024-01-01,9999-12-31\n"
        "c2,s2,Basic,month,10.00,2024-01-01,2024-03-01\n"
        "c2,s2,Basic,month,10.00,2024-01-01,2024-03-01\n"
        "c3 ,s3,Basic,month,10.00,2024-02-01,\n"
    )
    (tmp_path / "sessions.csv").write_text("session_id,start\ns1,not a date\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kk.io.read_folder(tmp_path)


def test_repairs_are_listed_by_kind_with_their_counts(repaired):
    found = ov.repairs(repaired)
    # file row 4 repeats row 3; ' c1' and 'c3 ' lose their spaces; 9999-12-31 reads as still active
    assert list(zip(found["kind"], found["count"])) == [("duplicate_rows", 1), ("spaces", 2), ("open_ended_dates", 1)]
    assert set(found["table"]) == {"subscriptions"}
    assert list(found["column"].iloc[1:]) == ["customer_id", "end"]
    assert "file rows 2, 5" in found["message"].iloc[1]
    assert ov.repairs({}).empty and list(ov.repairs({}).columns) == ["table", "kind", "column", "count", "message"]


def test_rows_repeated_across_parts_and_totals_rows_are_repairs_too(tmp_path):
    (tmp_path / "spend_jan.csv").write_text("period,channel,cost\n2024-01-01,Email,10\n2024-01-02,Email,12\n")
    (tmp_path / "spend_feb.csv").write_text("period,channel,cost\n2024-01-02,Email,12\n2024-02-01,Email,9\n")
    (tmp_path / "leads.csv").write_text("lead_id,created_at\nl1,2024-01-01\nl2,2024-01-02\nTotal,\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = kk.io.read_folder(tmp_path)
    found = ov.repairs(tables).set_index("table")
    assert (found.loc["spend", "kind"], found.loc["spend", "count"]) == ("overlapping_rows", 1)
    assert (found.loc["leads", "kind"], found.loc["leads", "count"]) == ("totals_rows", 1)


def test_health_table_shows_what_was_repaired_and_why_a_table_failed(repaired):
    table = ov.health_table(repaired.health, repaired).set_index("table")
    subs, sessions = table.loc["subscriptions"], table.loc["sessions"]
    assert (subs["status"], subs["rows"], subs["empty_cells"]) == ("ok", 3, 2)
    assert subs["date_range"] == "1 Jan 2024 – 1 Feb 2024"
    assert subs["repairs_made"] == (
        "duplicate rows dropped: 1; IDs with surrounding spaces, stripped: 2; far-future end dates (such as "
        "9999-12-31), read as still active: 1"
    )
    assert subs["load_problem"] == "" and "dropped 1 exact duplicate row" in subs["repair_details"]
    assert sessions["status"] == "invalid" and pd.isna(sessions["rows"])
    assert sessions["load_problem"].startswith("sessions.csv, column 'start': 1 row has a date that cannot be read")
    assert table.loc["events", "status"] == "missing" and table.loc["events", "file"] == ""
    assert len(table) == len(TABLES)
    vi = ov.health_table(repaired.health, repaired, lang="vi").set_index("table")
    assert vi.loc["thuê bao", "date_range"] == "1 thg 1, 2024 – 1 thg 2, 2024"
    assert vi.loc["thuê bao", "repairs_made"].startswith("dòng trùng lặp đã bỏ: 1; mã (ID) có khoảng trắng thừa")
    # the client table: labels, the status as a term, no code names
    shown = kk.report.client_table(ov.health_table(repaired.health, repaired, lang="vi"), lang="vi").formatted()
    assert list(shown.columns)[:3] == ["Bảng", "Trạng thái", "Tệp"] and "không dùng được" in set(shown["Trạng thái"])


def test_folder_figures():
    h = health(subscriptions="ok", events="ok", sessions="invalid")
    h.loc[h["table"] == "events", ["date_from", "date_to"]] = [pd.Timestamp("2023-11-15"), pd.Timestamp("2024-02-01")]
    f = ov.folder_figures(h)
    # Nov 2023 to Jun 2025: 2 + 12 + 6 months
    assert f == {
        "tables_loaded": 2,
        "rows_loaded": 20,
        "span": (pd.Timestamp("2023-11-15"), pd.Timestamp("2025-06-30")),
        "months_covered": 20,
    }
    assert ov.folder_figures(health())["months_covered"] == 0 and ov.folder_figures(health())["span"] is None


# ----------------------------------------------------------------------------------------------- findings


def test_health_findings_rank_the_tables_by_the_reports_they_block():
    h = health(
        {"subscriptions": "subscriptions.csv: dropped 3 exact duplicate rows."}, subscriptions="ok", sessions="invalid"
    )
    found = kk.report.health_findings(h)
    assert [str(f) for f in found] == [
        "1 of the 5 reports can run on this data, 1 of them with sections skipped.",
        "No events table in the data: “Bounce-rate diagnosis” and “Funnel conversion” cannot run.",
        "The sessions table could not be used (see the data health table): “Bounce-rate diagnosis” cannot run.",
        "No transactions table in the data: “CLV forecasting” cannot run.",
        "No social media table in the data: “Competitor benchmarking” cannot run.",
        "No surveys table in the data: sections are skipped in “Churn and renewal”.",
        "No support tickets table in the data: sections are skipped in “Churn and renewal”.",
        "1 of 1 tables needed repairs while they were read (subscriptions); the data health table counts each one.",
        "1 of 11 tables loaded and passed their checks: 10 rows, dated Jan 2024 to Jun 2025.",
    ]
    # impact: reports that cannot run count 1, reports that skip sections 0.1; the total leads
    assert [f.impact for f in found[:-1]] == pytest.approx([4.1, 2, 1, 1, 1, 0.1, 0.1, 0])
    assert found[-1].impact is None
    assert kk.i18n.by_impact(found, 2) == found[:2]


def test_health_findings_when_everything_loaded():
    found = kk.report.health_findings(health(**dict.fromkeys(TABLES, "ok")))
    assert [str(f) for f in found] == [
        "All 5 reports can run on this data, each in full.",
        "No table needed repairs while it was read.",
        "11 of 11 tables loaded and passed their checks: 110 rows, dated Jan 2024 to Jun 2025.",
    ]
    assert str(kk.report.health_findings(health())[0]) == "None of the 5 reports can run on this data."


def test_health_findings_name_repairs_from_the_tables(repaired):
    found = kk.report.health_findings(repaired.health, repaired)
    assert "1 of 1 tables needed repairs while they were read (subscriptions)" in found[-2]
    assert found[-2].impact == 0


def test_health_findings_in_vietnamese_carry_no_english():
    h = health({"subscriptions": "x"}, subscriptions="ok", sessions="invalid")
    found = kk.report.health_findings(h)
    vi = [f.text("vi") for f in found]
    assert vi[1] == (
        "Dữ liệu không có bảng sự kiện: báo cáo “Chẩn đoán tỷ lệ thoát” và “Chuyển đổi qua phễu” không chạy được."
    )
    assert vi[-1] == "1 trên 11 bảng đã tải và đạt yêu cầu kiểm tra: tổng cộng 10 dòng, từ thg 1 2024 đến thg 6 2025."
    english = {m for k, m in messages("en").items() if k.startswith(("table.", "notebook.")) and " " in m}
    for text in vi:
        assert not [m for m in english if m in text], text
        assert " cannot run" not in text and " table" not in text


# ----------------------------------------------------------------------------------------------- snapshot


def test_data_period_spans_every_table():
    tables = {
        "sessions": pd.DataFrame({"start": pd.to_datetime(["2025-02-03", "2025-03-04"])}),
        "transactions": pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-05 10:00", "2025-02-01 00:00"])}),
    }
    assert kk.report.data_period(tables) == "2025-01-05 to 2025-03-04"
    assert kk.report.data_period({}) == "no dated rows"


def test_snapshot_on_small_hand_built_tables():
    # 4 sessions, 2 engaged (1 with a conversion): bounce 2/4, conversion 1/4.
    sessions = pd.DataFrame(
        {
            "session_id": list("abcd"),
            "start": pd.to_datetime(["2025-01-02", "2025-01-03", "2025-02-01", "2025-03-31"]),
            "engaged": [True, True, False, False],
            "conversions": [1, 0, 0, 0],
            "pageviews": [3, 2, 1, 1],
            "engagement_time_s": [30.0, 12.0, 0.0, 2.0],
        }
    )
    # NPS: 2 promoters, 1 passive, 1 detractor of 4 -> 100 * (2 - 1) / 4 = 25.
    surveys = pd.DataFrame(
        {
            "kind": ["nps"] * 4 + ["csat"],
            "score": [10, 9, 7, 3, 5],
            "timestamp": pd.to_datetime(["2025-02-01", "2025-02-05", "2025-03-01", "2025-04-01", "2025-06-01"]),
        }
    )
    snap = kk.report.snapshot({"sessions": sessions, "surveys": surveys})
    assert snap["sessions"] == 4
    assert (snap["bounce_rate"].successes, snap["bounce_rate"].trials) == (2, 4)
    assert (snap["session_conversion_rate"].successes, snap["session_conversion_rate"].trials) == (1, 4)
    assert snap["nps"].value == pytest.approx(25.0)
    assert "mrr" not in snap and "leads" not in snap
    # each figure over its own table's dates: the NPS over the NPS answers only (not the CSAT one)
    assert snap.periods["bounce_rate"] == (pd.Timestamp("2025-01-02"), pd.Timestamp("2025-03-31"))
    assert snap.periods["nps"] == (pd.Timestamp("2025-02-01"), pd.Timestamp("2025-04-01"))
    assert snap.notes == {}
    snap.check()  # nothing left out: no error


def test_a_part_the_data_cannot_feed_is_left_out_with_a_note():
    sessions = pd.DataFrame({"session_id": ["a"], "start": [pd.Timestamp("2025-01-02")], "engaged": [True]})
    # 20 answers within 1-5 are a 1-5 survey, not NPS: nps() refuses them, the other figures are still computed
    surveys = pd.DataFrame(
        {"kind": ["nps"] * 20, "score": [1, 2, 3, 4, 5] * 4, "timestamp": pd.Timestamp("2025-01-01")}
    )
    snap = kk.report.snapshot({"sessions": sessions, "surveys": surveys})
    assert snap["sessions"] == 1 and "nps" not in snap
    assert list(snap.notes) == ["surveys"]
    with pytest.raises(KpiDataError, match="Some snapshot figures are left out .* surveys: "):
        snap.check()


def test_snapshot_on_sample_data():
    tables = kk.io.read_folder(SAMPLE)
    snap = kk.report.snapshot(tables)
    assert snap["sessions"] == len(tables["sessions"])
    assert 0.35 < float(snap["bounce_rate"]) < 0.55  # planted: site-wide GA4 bounce around 45%
    assert snap["mrr_period"] == pd.Timestamp("2025-06-01")
    assert snap.periods["mrr"] == pd.Period("2025-06", "M") == snap.periods["logo_churn"]
    assert snap["logo_churn"].trials > 1000 and 0 < float(snap["logo_churn"]) < 0.1
    assert -100 <= snap["nps"].value <= 100
    quarterly = kk.report.snapshot(tables, freq="QS")
    assert quarterly.periods["mrr"] == pd.Period("2025Q2", "Q")
    assert quarterly["mrr_period"] == pd.Timestamp("2025-04-01")


def test_catalogue_texts_of_the_overview_exist_in_both_languages():
    kinds = ["duplicate_rows", "overlapping_rows", "totals_rows", "monthly_totals", "invalid_rows", "other_rows"]
    kinds += ["spaces", "placeholders", "decimal_ids", "open_ended_dates", "segments", "other_values"]
    for lang in ("en", "vi"):
        for kind in kinds:
            assert "3" in t(f"notebook.00_data_overview.repair.{kind}", lang, n=3)
        for name in ("tables_loaded", "rows_loaded", "months_covered", "reports_ready"):
            assert kk.report.kpi_label(name, lang)


def test_computed_here_gives_notebook_05_its_figures_with_their_periods():
    sessions = pd.DataFrame(
        {
            "session_id": ["s1", "s2", "s3", "s4"],
            "start": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-02-03", "2025-03-30"]),
            "pageviews": [1, 3, 1, 2],
            "engagement_time_s": [2.0, 40.0, 3.0, 30.0],
            "conversions": [0, 0, 0, 1],
            "engaged": [False, True, False, True],
        }
    )
    # NPS answers 10, 9, 7, 3 and 0 (another kind of answer is left out): 2 promoters, 2 detractors of 5 = 0
    surveys = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(
                ["2025-01-02", "2025-01-09", "2025-02-01", "2025-02-14", "2025-03-01", "2025-04-01"]
            ),
            "kind": ["nps", "nps", "nps", "nps", "nps", "csat"],
            "score": [10.0, 9.0, 7.0, 3.0, 0.0, 5.0],
        }
    )
    here = ov.computed_here({"sessions": sessions, "surveys": surveys})
    assert list(here) == ["bounce_rate", "nps"]  # no subscriptions table: no churn, and no note
    # GA4: 2 of 4 sessions not engaged
    assert (here["bounce_rate"].successes, here["bounce_rate"].trials) == (2, 4)
    assert here.periods["bounce_rate"] == (pd.Timestamp("2025-01-05"), pd.Timestamp("2025-03-30"))
    assert here["nps"].value == 0.0 and here["nps"].n == 5
    assert here.periods["nps"] == (pd.Timestamp("2025-01-02"), pd.Timestamp("2025-03-01"))
    # the UA definition needs each session's interaction hits: the figure is left out, with the reason
    ua = ov.computed_here({"sessions": sessions}, bounce_definition="ua")
    assert "bounce_rate" not in ua and "single_interaction" in ua.notes["bounce_rate"]


# ------------------------------------------------------------------------------ lazy events (issue #17)


@pytest.fixture(scope="module")
def parquet_folder(tmp_path_factory):
    """data/sample with its events as quarterly Parquet parts (events/2024Q1.parquet ...) and no sessions table,
    so the snapshot builds sessions from the events."""
    folder = tmp_path_factory.mktemp("parquet_sample")
    for path in SAMPLE.iterdir():
        if path.is_file() and path.name.endswith((".csv", ".csv.gz")) and not path.name.startswith("sessions"):
            if not path.name.startswith("events"):
                (folder / path.name).write_bytes(path.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = kk.read_table(SAMPLE / "events.csv.gz", "events")
    (folder / "events").mkdir()
    for quarter, part in events.groupby(events["timestamp"].dt.to_period("Q").astype(str)):
        part.to_parquet(folder / "events" / f"{quarter}.parquet", index=False)
    return folder, events


@pytest.fixture(scope="module")
def eager_and_lazy(parquet_folder):
    from kpikit.io.lazy import open_folder

    folder, _ = parquet_folder
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return open_folder(folder, engine="pandas"), open_folder(folder, engine="duckdb")


def test_overview_of_lazy_events_equals_the_pandas_one(parquet_folder, eager_and_lazy):
    from kpikit.io.lazy import is_lazy

    _, events = parquet_folder
    eager, lazy = eager_and_lazy
    assert not is_lazy(eager["events"]) and is_lazy(lazy["events"])
    figures = ov.folder_figures(lazy.health)
    assert figures == ov.folder_figures(eager.health)
    ok = lazy.health[lazy.health["status"] == "ok"].set_index("table")["rows"]
    assert ok["events"] == len(events) and figures["rows_loaded"] == int(ok.sum())
    pd.testing.assert_frame_equal(ov.health_table(lazy.health, lazy), ov.health_table(eager.health, eager))
    row = ov.health_table(lazy.health, lazy, lang="en").set_index("file").filter(like="events/", axis=0)
    assert row["rows"].tolist() == [len(events)]
    pd.testing.assert_frame_equal(ov.coverage(lazy.health), ov.coverage(eager.health))
    texts = [f.text() for f in ov.health_findings(lazy.health, lazy)]
    assert texts == [f.text() for f in ov.health_findings(eager.health, eager)]
    assert ov.data_period(lazy) == ov.data_period(eager) == "2024-01-01 to 2025-06-30"


def test_snapshot_of_lazy_events_equals_the_pandas_one(parquet_folder, eager_and_lazy):
    _, events = parquet_folder
    eager, lazy = eager_and_lazy
    snap, ref = kk.report.snapshot(lazy), kk.report.snapshot(eager)
    assert list(snap) == list(ref) and snap.notes == ref.notes == {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sessions = kk.read_table(SAMPLE / "sessions.csv.gz", "sessions")
    # the sample's sessions table is the sessionised events: the lazy path finds the same sessions
    assert snap["sessions"] == len(sessions)
    assert (snap["bounce_rate"].successes, snap["bounce_rate"].trials) == (
        ref["bounce_rate"].successes,
        ref["bounce_rate"].trials,
    )
    for name in ref:
        assert float(snap[name].value if hasattr(snap[name], "value") else snap[name]) == pytest.approx(
            float(ref[name].value if hasattr(ref[name], "value") else ref[name])
        ), name
    assert snap.periods == ref.periods
    assert snap.periods["sessions"] == (events["timestamp"].min(), events["timestamp"].max())


def test_notebook_00_reads_parquet_events_lazily(parquet_folder, tmp_path):
    from tests.notebooks import output_texts, run_notebook

    folder, events = parquet_folder
    run = run_notebook(NOTEBOOK_DIR / "00_data_overview.ipynb", tmp_path, data_dir=str(folder), engine="duckdb")
    assert run.status == "ok", run.error
    shown = "\n".join(output_texts(run.notebook))
    line = next(x for x in shown.splitlines() if "events/2024Q1.parquet ... events/2025Q2.parquet (6 files)" in x)
    assert f"{len(events):,}" in line and "loaded" in line
