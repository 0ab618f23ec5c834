"""Notebook 01 (bounce-rate diagnosis) rendered: the sample, a second dataset, a GA4-style export alone, Vietnamese."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from tests.notebooks import output_texts, run_notebook
from tests.paths import NOTEBOOKS, SAMPLE

NOTEBOOK = NOTEBOOKS / "01_bounce_rate_diagnosis.ipynb"

# A GA4-style events export in the client's own column names (docs: /work/shared/EXPORT_FORMATS.md)
GA4_MAPPING = """events:
  user_pseudo_id: user_id
  ga_session_id: session_id
  event_timestamp: timestamp
  event_name: event
  page_location: page
  traffic_source_source: source
  traffic_source_medium: medium
  session_default_channel_group: channel
  device_category: device
  geo_country: country
  event_value: value
  engagement_time_msec: engagement_time_msec
"""
SKIPPED = ["No benchmarks table in the data: the sections on the benchmark comparison are skipped."]


def run(folder, **parameters):
    """Execute notebook 01 as the renderer does (kit errors allowed), then classify it."""
    return run_notebook(NOTEBOOK, folder, **parameters)


texts = output_texts


def sample_sessions() -> pd.DataFrame:
    """The sample's sessions table (what the client's own export says about each session)."""
    return pd.read_csv(SAMPLE / "sessions.csv.gz", parse_dates=["start"])


@pytest.mark.notebook
def test_notebook_01_on_the_sample_gives_the_committed_kpis_and_the_clients_own_bounce_rate(tmp_path):
    import kpikit as kk

    out = run(tmp_path, data_dir=str(SAMPLE))
    assert out.status == "ok", out.error
    kpis = kk.report.notebook_kpis(out.notebook)
    committed = kk.report.notebook_kpis(nbformat.read(NOTEBOOK, as_version=4))
    assert kpis == committed  # the committed file keeps JSON keys sorted; the order recorded is the spec's
    assert list(kpis) == [k for k in kk.report.notebook_spec(NOTEBOOK.name).kpis if k in kpis]
    # by hand: the analysed period is the 182 days up to the last session (30 Dec 2024 - 29 Jun 2025); GA4's
    # bounce rate is the sessions not engaged over the sessions, from the client's own sessions table
    s = sample_sessions()
    current = s[(s["start"] >= "2024-12-30") & (s["start"] < "2025-06-30")]
    assert kpis["period"] == "2024-12-30 to 2025-06-29"
    assert kpis["sessions"] == len(current) == 7546
    bounce = kpis["bounce_rate"]
    assert (bounce["successes"], bounce["trials"]) == (int((~current["engaged"]).sum()), len(current)) == (3370, 7546)
    assert bounce["value"] == pytest.approx(3370 / 7546)
    # the change against the previous 182 days (1 Jul - 29 Dec 2024): 45.5% -> 44.7%, not significant
    previous = s[(s["start"] >= "2024-07-01") & (s["start"] < "2024-12-30")]
    before = (~previous["engaged"]).mean()
    assert kpis["bounce_rate_change"]["change"]["value"] == pytest.approx(3370 / 7546 - before, abs=1e-6)
    assert kpis["bounce_rate_change"]["p_value"] > 0.05
    # the summary opens with the client's own bounce rate, not a template figure
    summary = next(
        o.data[kk.report.SUMMARY_MIME]
        for c in out.notebook.cells
        for o in c.get("outputs", [])
        if kk.report.SUMMARY_MIME in o.get("data", {})
    )
    first = summary["cards"][0]
    assert (first["label"], first["value"]) == ("Bounce rate", "44.7%")
    assert "not significant" in first["change"]
    assert 3 <= len(summary["findings"]) <= 5
    assert summary["findings"][0].startswith("On /landing/spring-sale, mobile bounces 74% against 35% on desktop")
    shown = "\n".join(texts(out.notebook))
    assert "62%" not in shown and "Rate(" not in shown and "True" not in shown and "NaN" not in shown


def test_the_device_chart_line_counts_the_same_sessions_as_its_bars():
    import kpikit as kk
    import kpikit.web.report as nb01

    s = sample_sessions()
    current = s[(s["start"] >= "2024-12-30") & (s["start"] < "2025-06-30")]
    devices = nb01.breakdowns(current)["device"]
    # the line is all the bars' sessions together: 3,370 bounces in 7,546 sessions, the headline itself
    assert nb01.pooled_rate(devices) == pytest.approx(3370 / 7546)
    assert nb01.pooled_rate(devices) == pytest.approx(kk.web.headline(current)["bounce_rate"].value)
    # under UA's definition the line and the bars count the sessions with an interaction hit, both
    events = pd.read_csv(SAMPLE / "events.csv.gz", dtype={"user_id": str, "session_id": str}, parse_dates=["timestamp"])
    built = kk.web.sessions_from_events(events)
    built = built[(built["start"] >= "2024-12-30") & (built["start"] < "2025-06-30")]
    ua = nb01.breakdowns(built, definition="ua")["device"]
    assert nb01.pooled_rate(ua) == pytest.approx(kk.web.headline(built, definition="ua")["bounce_rate"].value)


def test_a_missing_device_is_a_note_in_the_reports_language():
    import kpikit.web.report as nb01
    from kpikit.errors import KpiDataError

    s = sample_sessions()
    desktop_only = s[s["device"] != "mobile"]
    with pytest.raises(KpiDataError, match="The sessions hold no mobile device"):
        nb01.require_devices(desktop_only, "mobile", "desktop")
    with pytest.raises(KpiDataError, match="Dữ liệu phiên không có thiết bị mobile"):
        nb01.require_devices(desktop_only, "mobile", "desktop", lang="vi")
    nb01.require_devices(s, "mobile", "desktop")


@pytest.mark.notebook
def test_notebook_01_on_a_ga4_style_events_export_alone_renders_ok_with_notes(tmp_path):
    import kpikit as kk

    events = pd.read_csv(SAMPLE / "events.csv.gz", dtype={"user_id": str, "session_id": str})
    export = events.rename(columns={v: k for k, v in (line.split(": ") for line in GA4_MAPPING.split("\n")[1:-1])})
    export = export.rename(columns=lambda c: c.strip())
    data = tmp_path / "export"
    data.mkdir()
    export.to_csv(data / "events.csv", index=False)
    (tmp_path / "mapping.yaml").write_text(GA4_MAPPING)
    out = run(tmp_path, data_dir=str(data), mapping_file=str(tmp_path / "mapping.yaml"))
    assert out.status == "ok, with notes", out.error
    assert out.notes == SKIPPED
    kpis = kk.report.notebook_kpis(out.notebook)
    committed = kk.report.notebook_kpis(nbformat.read(NOTEBOOK, as_version=4))
    # the same events under other names: the same figures
    for name in ("sessions", "bounce_rate", "bounce_rate_change", "fix_list", "largest_device_gap"):
        assert kpis[name] == committed[name], name


@pytest.mark.notebook
def test_notebook_01_in_vietnamese_has_no_english_caption_finding_or_label(tmp_path):
    import yaml

    import kpikit as kk
    from kpikit.i18n import CATALOGUE_DIR

    out = run(tmp_path, data_dir=str(SAMPLE), lang="vi")
    assert out.status == "ok", out.error
    shown = "\n".join(texts(out.notebook))
    # every English text of the notebook's catalogue (captions, chart titles, checks, notes, terms) is absent
    english = yaml.safe_load((CATALOGUE_DIR / "en" / "notebook_01.yaml").read_text())
    flat: list[str] = []

    def walk(node):
        for value in node.values():
            walk(value) if isinstance(value, dict) else flat.append(value)

    walk(english)
    words = [w.split("{")[0].strip() for w in flat]
    leaked = [w for w in words if len(w) > 12 and w in shown]
    assert not leaked, leaked[:5]
    # nor any line of the committed English report's outputs (findings, card labels, table headers)
    committed = nbformat.read(NOTEBOOK, as_version=4)
    lines = {line.strip() for text in texts(committed) for line in text.splitlines()}
    prose = [line for line in lines if len(line) > 25 and any(c.isalpha() for c in line) and " = " not in line]
    assert not [line for line in prose if line in shown][:5]
    summary = next(
        o.data[kk.report.SUMMARY_MIME]
        for c in out.notebook.cells
        for o in c.get("outputs", [])
        if kk.report.SUMMARY_MIME in o.get("data", {})
    )
    assert summary["lang"] == "vi" and summary["cards"][0]["value"] == "44,7%"
    assert summary["findings"][0].startswith("Trên /landing/spring-sale, tỷ lệ thoát trên di động là 74%")
    # the markdown prose has its Vietnamese text, for every identified cell
    from kpikit.render import translate_prose

    vi = translate_prose(committed, "01_bounce_rate_diagnosis", "vi")
    assert vi.cells[0].source == "# Chẩn đoán tỷ lệ thoát"


@pytest.mark.notebook
def test_notebook_01_finds_planted_effect_on_second_dataset(tmp_path, second_dataset):
    import kpikit as kk

    out = run(tmp_path, data_dir=str(second_dataset), client="Second Client")
    assert out.status.startswith("ok"), out.error
    kpis = kk.report.notebook_kpis(out.notebook)
    assert "/landing/spring-sale" in kpis["device_gaps_flagged"]
    gap = kpis["largest_device_gap"]
    assert gap["landing_page"] == "/landing/spring-sale" and gap["device_a"] == "mobile"
    # planted: mobile about 75% vs desktop about 35% -> a gap of roughly 40 points, clearly significant
    assert 0.25 < gap["gap"]["value"] < 0.55 and gap["q_value"] < 1e-6
    assert 0 < kpis["bounce_rate"]["value"] < 1
    assert kpis["fix_list"][0]["segment"].startswith("/landing/spring-sale")


@pytest.mark.notebook
def test_notebook_01_flags_nothing_without_the_planted_effect(tmp_path):
    import kpikit as kk
    from kpikit import sample

    data = tmp_path / "data"
    sample.generate(data, seed=7, effects=False)
    out = run(tmp_path, data_dir=str(data), definition="ua")
    assert out.status.startswith("ok"), out.error
    kpis = kk.report.notebook_kpis(out.notebook)
    assert kpis["definition"] == "ua"
    assert "/landing/spring-sale" not in kpis["device_gaps_flagged"]


@pytest.mark.notebook
def test_notebook_01_on_a_sessions_table_without_mobile_says_what_it_skips(tmp_path):
    import kpikit as kk

    # the client's own sessions export, without events, where no session is on a mobile
    data = tmp_path / "export"
    data.mkdir()
    s = sample_sessions()
    s[s["device"] != "mobile"].to_csv(data / "sessions.csv", index=False)
    out = run(tmp_path, data_dir=str(data))
    assert out.status == "ok, with notes", out.error
    assert out.notes == [
        *SKIPPED,
        "The sessions hold no mobile device (their devices: desktop, tablet), so the mobile-versus-desktop gap is "
        "skipped; set device_a and device_b to two of them.",
        "The sessions do not say which session brought each user's first lead (only sessions built from the events "
        "do), so traffic-to-lead is skipped.",
        "The folder gives sessions, not events, so view-to-contact (page views of each page) is skipped.",
    ]
    kpis = kk.report.notebook_kpis(out.notebook)
    assert "device_gaps_flagged" not in kpis and "largest_device_gap" not in kpis
    # by hand: the same 182 days, without the mobile sessions
    current = s[(s["start"] >= "2024-12-30") & (s["start"] < "2025-06-30") & (s["device"] != "mobile")]
    bounce = kpis["bounce_rate"]
    assert (bounce["successes"], bounce["trials"]) == (int((~current["engaged"]).sum()), len(current))


@pytest.mark.notebook
def test_notebook_01_without_events_or_sessions_stops_at_its_first_cell_naming_them(tmp_path):
    data = tmp_path / "empty"
    data.mkdir()
    pd.read_csv(SAMPLE / "benchmarks.csv").to_csv(data / "benchmarks.csv", index=False)
    out = run(tmp_path, data_dir=str(data))
    assert out.status == "failed"
    assert out.error.startswith("No events or sessions table in ")
    assert "01_bounce_rate_diagnosis needs one to answer its question" in out.error
