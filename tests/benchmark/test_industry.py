"""Tests of kpikit.benchmark.industry: published bands, sources and years, the client's KPIs and where they come from."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats as sst

from kpikit import benchmark as bm
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.stats import Score, rate


def test_against_industry_bands_and_tests(bench):
    client = {"Bounce rate": rate(450, 1000), "NPS": Score(25.0, 10.0, 40.0, 200, "nps")}
    r = bm.against_industry(client, bench).set_index("segment")
    # all sites: 45% vs 47%, exact binomial p = 0.21: in line, position below
    assert r.loc["all sites", "p_value"] == pytest.approx(sst.binomtest(450, 1000, 0.47).pvalue)
    assert r.loc["all sites", "verdict"] == "in line" and r.loc["all sites", "position"] == "below"
    assert r.loc["all sites", "gap"] == pytest.approx(-0.02)
    # retail 20-40%: 45% is above p75, tested against 0.40: p = 0.0013 -> worse (lower is better)
    assert r.loc["retail", "tested_against"] == 0.40
    assert r.loc["retail", "p_value"] == pytest.approx(sst.binomtest(450, 1000, 0.40).pvalue)
    assert (r.loc["retail", "position"], r.loc["retail", "verdict"], r.loc["retail", "band_verdict"]) == (
        "above p75",
        "worse",
        "bottom quartile",
    )
    assert math.isnan(r.loc["retail", "reference"])  # no published median: no invented one
    # landing pages 70-90%: 45% below p25 -> better, top quartile
    assert (r.loc["landing pages", "verdict"], r.loc["landing pages", "band_verdict"]) == ("better", "top quartile")
    # NPS 25 (CI 10-40) within 20-60: in line, between p25 and the median
    assert (r.loc["test industry", "position"], r.loc["test industry", "verdict"]) == ("p25 to median", "in line")
    assert r["source"].notna().all() and r["year"].notna().all()
    assert r.loc["retail", "year"] == 2013


def test_against_industry_segments_and_aliases(bench):
    r = bm.against_industry({"site bounce": 0.3}, bench, segments=["Retail"], aliases={"site bounce": "bounce_rate"})
    assert r["segment"].tolist() == ["retail"]
    # a point value without interval inside the band: in line
    assert r["verdict"].tolist() == ["in line"]
    seg = bm.against_industry({("bounce_rate", "landing pages"): 0.95}, bench)
    assert seg["segment"].tolist() == ["landing pages"] and seg["verdict"].tolist() == ["worse"]


def test_benchmark_without_source_or_year_is_refused(bench):
    no_year = bench.assign(year=[2011, np.nan, 2013, 2020])
    with pytest.raises(
        KpiDataError,
        match=r"1 row\(s\) used for the comparison have no year \(bounce_rate \(retail\): HubSpot\).*not evidence",
    ):
        bm.against_industry({"bounce_rate": 0.45}, no_year)
    no_source = bench.assign(source=["GA", "", "HubSpot", "x"])
    with pytest.raises(KpiDataError, match="have no source.*segment 'retail'"):
        bm.against_industry({"bounce_rate": 0.45}, no_source)
    # rows not used for the comparison are not checked
    assert len(bm.against_industry({"nps": 30}, no_year)) == 1


def test_undated_benchmarks_excluded_or_flagged(bench):
    no_year = bench.assign(year=[2011, np.nan, 2013, 2020])
    with pytest.warns(
        KpiWarning, match=r"1 benchmark row\(s\) left out because their source states no year: bounce_rate \(retail\)"
    ):
        r = bm.against_industry({"bounce_rate": 0.45}, no_year, undated="exclude")
    assert r["segment"].tolist() == ["all sites", "landing pages"]
    assert r.attrs["excluded"][["segment", "reason"]].values.tolist() == [["retail", "the source states no year"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = bm.against_industry({"bounce_rate": 0.45}, no_year, undated="exclude", warn=False)
    assert len(quiet.attrs["excluded"]) == 1
    assert "Left out because the source states no year" in bm.industry_notes(quiet, {"bounce_rate": 0.45}, no_year)[0]
    shown = bm.against_industry({"bounce_rate": 0.45}, no_year, undated="show").set_index("segment")
    assert shown.loc["retail", "evidence"] == "undated" and shown.loc["all sites", "evidence"] == "source and year"
    assert "(HubSpot, undated)" in " ".join(bm.findings(industry=shown.reset_index(), client="X"))


def test_client_kpis_sources_and_missing_value(bench):
    recorded = {
        "01_bounce_rate_diagnosis": {"bounce_rate": rate(450, 1000).as_dict()},
        "03_churn_and_renewal": {"churn": {}},
    }
    mapping = {
        "bounce_rate": "01_bounce_rate_diagnosis:bounce_rate",
        "monthly_churn": "03_churn_and_renewal:churn.monthly",
        "nps": "03_churn_and_renewal:nps",
    }
    ck = bm.client_kpis(mapping, recorded, recomputed={"monthly_churn": 0.05})
    assert ck["client_source"].tolist() == ["recorded by 01_bounce_rate_diagnosis", "recomputed here", "not available"]
    assert ck["value"].iloc[0] == pytest.approx(0.45) and ck["trials"].iloc[0] == 1000
    r = bm.against_industry(ck, bench)
    nps = r[r["metric"] == "nps"].iloc[0]
    assert nps["verdict"] == "no client value" and nps["client_source"] == "not available"
    text = bm.findings(industry=r, client="Juniper Box")
    assert any(
        t.startswith("bounce_rate (retail): Juniper Box at 45.00% is worse") and "(HubSpot, 2013)" in t for t in text
    )
    assert any("nps (test industry)" in t and "not available" in t for t in text)
