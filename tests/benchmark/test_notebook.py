"""Notebook 05 (competitor benchmarking) rendered on other data: it finds a planted effect, and no effect where none is."""

from __future__ import annotations

import pytest


@pytest.mark.notebook
def test_notebook_finds_planted_competitor_effect(second_dataset, render):
    res = render(
        "05_competitor_benchmarking.ipynb", data_dir=str(second_dataset), client="Second Client", reports_dir=None
    )
    k = res.kpis
    # planted: Alder Crate has clearly more followers than the client but a clearly lower engagement rate
    assert k["client"] == "Second Client"
    assert k["most_followed_brand"] == "Alder Crate"
    assert "Alder Crate" in k["vanity_gap_brands"]
    c = k["client_vs_most_followed"]
    assert c["difference"] > 0 and c["low"] > 0 and c["p_value"] < 0.001
    assert k["dispersion"] > 1
    assert k["industry"] and all(row["source"] and row["year"] != "undated" for row in k["industry"])


@pytest.mark.notebook
def test_notebook_without_the_effect_does_not_find_it(tmp_path, render):
    from kpikit.sample import generate

    generate(tmp_path, seed=7, effects=False)
    res = render(
        "05_competitor_benchmarking.ipynb",
        data_dir=str(tmp_path),
        reports_dir=None,
        engagement_per="followers",
        undated_benchmarks="show",
    )
    k = res.kpis
    assert k["engagement_per"] == "followers"
    # without the effect Alder Crate is still the largest audience, but its engagement per follower is
    # within a few percent of the others': no longer flagged
    assert k["most_followed_brand"] == "Alder Crate"
    assert "Alder Crate" not in k["vanity_gap_brands"]
    # undated rows are shown, flagged, never without their source
    assert any(row["year"] == "undated" for row in k["industry"])


def social_export(folder):
    """The sample's social table as a social tool exports it: its own column names, no reach, no mentions.

    The client's brand is renamed (the report's default ``client`` is then not one of the brands): the
    report must find it as the only brand with its own clicks and conversions. Only the required table.
    """
    import pandas as pd

    from tests.paths import SAMPLE

    folder.mkdir()
    src = pd.read_csv(SAMPLE / "social.csv", dtype=str, keep_default_na=False)
    names = {
        "date": "Date", "platform": "Network", "brand": "Profile", "followers": "Followers",
        "impressions": "Impressions", "likes": "Reactions", "comments": "Comments", "shares": "Shares",
        "clicks": "Link Clicks", "conversions": "Conversions", "posts": "Published Posts",
    }  # fmt: skip
    export = src[list(names)].rename(columns=names)
    export["Profile"] = export["Profile"].replace({"Juniper Box": "Acme Outdoors"})
    export.to_csv(folder / "social.csv", index=False)
    mapping = folder / "social_tool.yaml"
    mapping.write_text("social:\n" + "".join(f"  {theirs}: {ours}\n" for ours, theirs in names.items()))
    return folder, mapping, src


@pytest.fixture(scope="module")
def export_runs(tmp_path_factory):
    """Notebook 05 rendered from a folder holding only a social export, in English and Vietnamese."""
    from kpikit.render import render_notebook
    from tests.paths import NOTEBOOKS

    base = tmp_path_factory.mktemp("social-export")
    data, mapping, src = social_export(base / "data")
    runs = {
        lang: render_notebook(
            NOTEBOOKS / "05_competitor_benchmarking.ipynb",
            base / lang,
            parameters={"data_dir": str(data), "mapping_file": str(mapping), "lang": lang},
            timeout=600,
        )
        for lang in ("en", "vi")
    }
    return runs, src


@pytest.mark.notebook
def test_notebook_on_a_social_export_alone_through_a_mapping_file(export_runs):
    runs, src = export_runs
    res = runs["en"]
    assert res.ok and res.status == "ok, with notes", res.error
    # without mentions the share of voice section is skipped with its note; the rest renders
    assert len(res.notes) == 1 and "no mentions" in res.notes[0] and "share of voice" in res.notes[0]
    k = res.kpis
    assert k["client"] == "Acme Outdoors"  # the only brand with its own clicks and conversions
    assert k["engagement_per"] == "impressions"  # no reach column: per impression
    assert "share_of_voice" not in k
    # the client's engagement rate is its pooled likes, comments and shares over its impressions
    mine = src[src["brand"] == "Juniper Box"]
    engagements = sum(mine[c].astype(int).sum() for c in ("likes", "comments", "shares"))
    impressions = mine["impressions"].astype(int).sum()
    rate = k["engagement_rate"]
    assert (rate["successes"], rate["trials"]) == (engagements, impressions)
    assert rate["value"] == pytest.approx(engagements / impressions)
    # the notebooks folder holds the sample's reports: never used for another client's data
    bounce = [row for row in k["industry"] if row["metric"] == "bounce_rate"]
    assert bounce and all(row["verdict"] == "no client value" and row["client"] is None for row in bounce)
    assert not any("recorded by" in str(row["client_source"]) for row in k["industry"])


@pytest.mark.notebook
def test_notebook_on_a_social_export_in_vietnamese_shows_no_english(export_runs):
    import html
    import re

    import nbformat

    import kpikit as kk
    from kpikit.i18n import messages
    from kpikit.report import KPI_MIME

    runs, _ = export_runs
    res = runs["vi"]
    assert res.ok and res.status == "ok, with notes", res.error
    nb = nbformat.read(res.ipynb, as_version=4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if KPI_MIME in data:  # the consultant's appendix (the parameters cell's comments)
                continue
            page = re.sub(r"<style>.*?</style>", " ", str(data.get("text/html", "")), flags=re.S)
            parts += [html.unescape(re.sub(r"<[^>]+>", " ", page)), str(out.get("text", ""))]
    text = "\n".join(parts)
    for source in kk.benchmark.published_benchmarks()["source"].unique():  # proper names, as published
        text = text.replace(source, " ")
    en, vi = messages("en"), messages("vi")
    literal = re.compile(r"\{[^}]*\}")
    english = set()
    for key, message in en.items():
        if vi.get(key) == message:
            continue
        english |= {p.strip() for p in literal.split(message) if len(p.strip()) >= 6 and re.search(r"[a-z]{3}", p)}
    shown = sorted(p for p in english if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text))
    assert not shown, shown
    assert "tụt lại" in text or "dẫn trước" in text  # the verdicts, in Vietnamese
