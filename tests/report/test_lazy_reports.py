"""Notebooks 01 and 02 on a folder of Parquet partitions: engine="duckdb" gives the report engine="pandas" gives.

The sample's events are written as three Parquet parts (events/part-0.parquet ...) beside its other
tables. Rendered with engine="duckdb" the events are opened lazily (DuckDB reads the parts in place)
and every section is computed in the backend; rendered with engine="pandas" they are read into
memory. Both reports must show the same figures, exactly: the KPIs, every table of the Excel
workbook, and the hand-checkable ones (the sample's 7,546 sessions and 3,370 bounces of notebook 01,
the funnel's step counts of notebook 02 against :func:`kpikit.funnel.ordered_funnel` on the events).
"""

from __future__ import annotations

import io
import shutil

import nbformat
import pandas as pd
import pytest

import kpikit as kk
from kpikit.io.lazy import is_lazy
from kpikit.report.excel import excel_from_notebook
from kpikit.report.loading import _read
from tests.notebooks import output_texts, run_notebook
from tests.paths import NOTEBOOKS, SAMPLE

TABLES = ["benchmarks", "sessions", "leads", "social", "touchpoints", "spend", "transactions", "subscriptions"]
PARTS = 3


def write_partitioned(folder):
    """The sample's tables in ``folder``, its events as Parquet parts in ``folder/events/``; the events frame."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in SAMPLE.iterdir():
        if f.is_file() and f.name.split(".")[0] in TABLES:
            shutil.copy(f, folder / f.name)
    events = kk.io.read_folder(SAMPLE, tables=["events"])["events"]
    (folder / "events").mkdir()
    n = len(events)
    for i in range(PARTS):
        events.iloc[i * n // PARTS : (i + 1) * n // PARTS].to_parquet(folder / "events" / f"part-{i}.parquet")
    return events


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lazy") / "data"
    events = write_partitioned(folder)
    return folder, events


@pytest.fixture(scope="module")
def rendered(data, tmp_path_factory):
    """Render a notebook on the partitioned folder with an engine, once per module."""
    done = {}

    def render(notebook: str, engine: str):
        if (notebook, engine) not in done:
            out = run_notebook(
                NOTEBOOKS / f"{notebook}.ipynb", tmp_path_factory.mktemp(engine), data_dir=str(data[0]), engine=engine
            )
            done[notebook, engine] = out
        return done[notebook, engine]

    return render


def workbook(nb) -> dict[str, pd.DataFrame]:
    """Every sheet of the Excel workbook the report embedded."""
    return pd.read_excel(io.BytesIO(excel_from_notebook(nb)), sheet_name=None)


def assert_same_workbook(lazy: dict, eager: dict) -> None:
    assert list(lazy) == list(eager)
    for name in eager:
        # counts compare exactly; rates and intervals to the last bits of a float sum's order
        pd.testing.assert_frame_equal(lazy[name], eager[name], check_exact=False, rtol=1e-9, obj=name)


def appendix(nb) -> str:
    return next(t for t in output_texts(nb) if t.startswith("For the consultant"))


@pytest.mark.notebook
def test_notebook_01_on_parquet_parts_gives_the_same_report_with_duckdb_as_with_pandas(rendered):
    lazy, eager = rendered("01_bounce_rate_diagnosis", "duckdb"), rendered("01_bounce_rate_diagnosis", "pandas")
    assert (lazy.status, lazy.notes) == ("ok", []), lazy.error
    assert (eager.status, eager.notes) == ("ok", []), eager.error
    kpis = kk.report.notebook_kpis(lazy.notebook)
    assert kpis == kk.report.notebook_kpis(eager.notebook)
    # the headline: the sample's sessions of 30 Dec 2024 - 29 Jun 2025 and GA4's bounces among them
    # (tests/web/test_notebook.py derives both from the client's own sessions table)
    assert kpis["period"] == "2024-12-30 to 2025-06-29"
    assert kpis["sessions"] == 7546
    assert (kpis["bounce_rate"]["successes"], kpis["bounce_rate"]["trials"]) == (3370, 7546)
    first = kpis["fix_list"][0]  # the fix list's first flagged segment, as tests/web/test_notebook.py finds it
    assert (first["segment"], first["sessions"]) == ("/landing/spring-sale / mobile", 511)
    books = workbook(lazy.notebook), workbook(eager.notebook)
    assert_same_workbook(*books)
    pages = books[0]["The 5 most visited entry pages"]
    assert pages["Sessions"].sum() > 0 and len(pages) == 5
    assert pages["Sessions"].tolist() == books[1]["The 5 most visited entry pages"]["Sessions"].tolist()
    fixes = books[0]["The fix list, by bounces above"]
    assert fixes["Sessions"].tolist() == books[1]["The fix list, by bounces above"]["Sessions"].tolist()
    checks = books[0]["Data checks, before any figure"].set_index("Check")["Value"]
    assert checks["Events"] == "97,771"
    # the sessions rebuilt in DuckDB match the client's sessions table one for one
    assert (
        checks["Rebuilt sessions against the sessions table"] == "20,000 rebuilt, 20,000 in the table, 20,000 matched"
    )
    assert checks["Engaged flag agrees with the sessions table"] == "100.0%"
    # every text of the report is the same, up to the consultant's appendix (the engine, the files' hash)
    texts = [t for t in output_texts(lazy.notebook) if not t.startswith("For the consultant")]
    assert len(texts) > 10
    assert texts == [t for t in output_texts(eager.notebook) if not t.startswith("For the consultant")]
    assert "engine = duckdb" in appendix(lazy.notebook)


@pytest.mark.notebook
def test_notebook_02_on_parquet_parts_gives_the_same_funnel_with_duckdb_as_with_pandas(rendered, data):
    lazy, eager = rendered("02_funnel_conversion", "duckdb"), rendered("02_funnel_conversion", "pandas")
    assert (lazy.status, lazy.notes) == ("ok", []), lazy.error
    assert (eager.status, eager.notes) == ("ok", []), eager.error
    kpis = kk.report.notebook_kpis(lazy.notebook)
    assert kpis == kk.report.notebook_kpis(eager.notebook)
    books = workbook(lazy.notebook), workbook(eager.notebook)
    assert_same_workbook(*books)
    # the funnel's step counts, by hand: ordered_funnel in pandas on the events of Mar-Jun 2025
    steps = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]
    expected = kk.funnel.ordered_funnel(data[1], steps, window="7D", start="2025-03-01", end="2025-07-01")
    funnel = next(frame for name, frame in books[0].items() if name.startswith("Funnel"))
    assert funnel["Users"].tolist() == expected["users"].tolist()
    assert expected["users"].iloc[0] > expected["users"].iloc[-1] > 0
    assert funnel["Conversion from the first step"].tolist() == pytest.approx(
        expected["conversion_from_start"].tolist(), rel=1e-12
    )
    overall = kpis["funnel_conversion"]
    assert (overall["successes"], overall["trials"]) == (expected["users"].iloc[-1], expected["users"].iloc[0])


def test_auto_opens_the_events_lazily_beyond_kpikit_lazy_bytes_and_reads_the_sample_into_pandas(data, monkeypatch):
    spec = kk.report.notebook_spec("01_bounce_rate_diagnosis")
    small = _read(spec, str(SAMPLE), None, engine="auto")
    assert small.engines == {"events": "pandas"} and isinstance(small["events"], pd.DataFrame)
    monkeypatch.setenv("KPIKIT_LAZY_BYTES", "1KB")
    big = _read(spec, str(data[0]), None, engine="auto")
    assert big.engines == {"events": "duckdb"} and is_lazy(big["events"])
    assert isinstance(big["sessions"], pd.DataFrame)  # only the events are opened lazily
    row = big.health.set_index("table").loc["events"]
    assert (row["status"], int(row["rows"])) == ("ok", 97771)
    # a notebook without the engine parameter reads the folder into pandas, whatever the size
    plain = _read(kk.report.notebook_spec("03_churn_and_renewal"), str(SAMPLE), None)
    assert not hasattr(plain, "engines")


def test_start_passes_the_engine_and_reads_the_data_period_of_lazy_events(data, monkeypatch, tmp_path):
    import IPython.display as ipd
    import matplotlib

    # kk.report.start applies the charts' house style, as a notebook wants: put it back after the test
    with matplotlib.rc_context():
        _start_on_lazy_events(data, monkeypatch, tmp_path, ipd)


def _start_on_lazy_events(data, monkeypatch, tmp_path, ipd):
    shown = []
    monkeypatch.setattr(ipd, "display", lambda obj, raw=False, display_id=None: shown.append(obj))
    shutil.copy(NOTEBOOKS / "01_bounce_rate_diagnosis.ipynb", tmp_path)
    monkeypatch.chdir(tmp_path)
    params = kk.report.parameter_spec(tmp_path / "01_bounce_rate_diagnosis.ipynb")
    namespace = {n: p.default for n, p in params.items()}
    rep = kk.report.start("01_bounce_rate_diagnosis", {**namespace, "data_dir": str(data[0]), "engine": "duckdb"})
    assert is_lazy(rep.tables["events"])
    sessions = pd.read_csv(SAMPLE / "sessions.csv.gz", parse_dates=["start"])
    low, high = rep.data_period
    assert (low, high) == (data[1]["timestamp"].min(), data[1]["timestamp"].max())
    assert low.normalize() == sessions["start"].min().normalize()
    assert "Jan 2024 – Jun 2025" in shown[0]["text/plain"]
    files = {r["table"]: r for r in rep._file_rows()}
    assert files["events"]["rows"] == "97,771" and files["events"]["status"] == "loaded"
    assert "part-0.parquet" in files["events"]["file"]


def test_committed_notebooks_01_and_02_still_declare_the_engine_they_pass_on():
    for name in ("01_bounce_rate_diagnosis", "02_funnel_conversion"):
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "engine=engine" in code or '"engine": engine' in code
