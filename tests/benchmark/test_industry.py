"""Tests of kpikit.benchmark.industry: published bands, sources and years, the client's KPIs and where they come from."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
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
    # an undated figure is shown as context only, in the table with why, and is never a finding
    table = bm.industry_display(shown.reset_index()).set_index("segment")
    assert (
        table.loc["retail", "verdict"] == "context only"
        and table.loc["retail", "benchmark_source"] == "HubSpot, undated"
    )
    assert table.loc["retail", "benchmark_context"] == "the source states no year"
    assert "HubSpot, undated" not in " ".join(bm.findings(industry=shown.reset_index(), client="X"))


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
    assert ck["client_source"].tolist() == ["recorded by 01_bounce_rate_diagnosis", "computed here", "not available"]
    assert ck["why"].tolist() == ["", "no value", "no value"]  # 03 recorded, but not these figures
    assert ck["value"].iloc[0] == pytest.approx(0.45) and ck["trials"].iloc[0] == 1000
    r = bm.against_industry(ck, bench)
    nps = r[r["metric"] == "nps"].iloc[0]
    assert nps["verdict"] == "no client value" and nps["client_source"] == "not available"
    text = bm.findings(industry=r, client="Juniper Box")
    # 45% (450 of 1000) above the retail band 20-40%: worse (exact binomial p against 40% = 0.0013)
    assert any(
        t.startswith(
            "Juniper Box's bounce rate (retail), 45.0% (period not recorded), is worse than the published band"
        )
        and "(HubSpot, 2013)" in t
        for t in text
    )
    assert any(t.startswith("For the Net Promoter Score (test industry), the published reference") for t in text)


def test_a_benchmark_under_another_definition_or_too_old_is_context_only():
    bench = pd.DataFrame(
        {
            "metric": ["bounce_rate"] * 4,
            "segment": ["ua", "old", "recent", "undated"],
            "source": ["GA newsletter", "Survey", "Survey", "Blog"],
            "value": [0.47, 0.60, 0.60, 0.60],
            "year": [2024, 2015, 2021, np.nan],
            "note": ["Universal Analytics definition", "", "", ""],
        }
    )
    client = {"bounce_rate": rate(450, 1000)}
    r = bm.against_industry(
        client, bench, definitions={"bounce_rate": "ga4"}, max_age_years=5, as_of="2025-06-30", undated="show"
    ).set_index("segment")
    # UA's single-interaction bounce is not GA4's not-engaged share: no verdict, whatever the numbers say
    assert (r.loc["ua", "verdict"], r.loc["ua", "context"]) == ("context only", "definition")
    assert (r.loc["ua", "benchmark_definition"], r.loc["ua", "client_definition"]) == ("ua", "ga4")
    # 2025 - 2015 = 10 > 5 years: context only; 2025 - 2021 = 4: judged (45% against 60% is better, p ~ 1e-21)
    assert (r.loc["old", "verdict"], r.loc["old", "context"]) == ("context only", "age")
    assert (r.loc["recent", "verdict"], r.loc["recent", "context"]) == ("better", "")
    assert (r.loc["undated", "verdict"], r.loc["undated", "context"]) == ("context only", "undated")
    assert r.loc["old", "band_verdict"] == "" and r.loc["old", "p_value"] == pytest.approx(
        sst.binomtest(450, 1000, 0.60).pvalue
    )  # still tested and shown, only not judged
    # without an age limit, the 2015 figure is judged again
    assert bm.against_industry(client, bench.iloc[[1]])["verdict"].tolist() == ["better"]
    with pytest.raises(KpiDataError, match="max_age_years needs as_of"):
        bm.against_industry(client, bench, max_age_years=5)
    # the record form carries the reasons
    assert bm.industry_table(r.reset_index())["context"].tolist() == ["definition", "age", "", "undated"]


def test_an_overdispersed_client_rate_is_tested_quasi_binomially():
    bench = pd.DataFrame({"metric": ["rate"], "source": ["S"], "value": [0.05], "year": [2024], "unit": ["fraction"]})
    client = pd.DataFrame(
        {"metric": ["rate"], "value": [0.06], "successes": [60], "trials": [1000], "dispersion": [4.0]}
    )
    r = bm.against_industry(client, bench).iloc[0]
    # z = (60 - 1000 x 0.05) / sqrt(4 x 1000 x 0.05 x 0.95) = 10 / sqrt(190) = 0.7255; p = 2 (1 - Phi(z)) = 0.468
    assert r["p_value"] == pytest.approx(2 * sst.norm.sf(10 / math.sqrt(190)))
    assert r["p_value"] == pytest.approx(0.4682, abs=1e-4)
    # the plain binomial test would call it: p = 0.15, the same counts with phi = 1
    plain = bm.against_industry(client.assign(dispersion=1.0), bench).iloc[0]
    assert plain["p_value"] == pytest.approx(sst.binomtest(60, 1000, 0.05).pvalue)
    assert r["verdict"] == "in line" and r["trials"] == 1000


def test_the_record_form_names_each_figures_period():
    import pandas as pd

    client = bm.client_kpis(
        {"bounce_rate": "01:bounce_rate"},
        {},
        {"bounce_rate": 0.45},
        periods={"bounce_rate": (pd.Timestamp("2024-12-30"), pd.Timestamp("2025-06-29"))},
    )
    bench = pd.DataFrame({"metric": ["bounce_rate"], "source": ["S"], "value": [0.5], "year": [2024]})
    rec = bm.industry_table(bm.against_industry(client, bench))
    assert rec[["client_source", "client_period"]].values.tolist() == [["computed here", "30 Dec 2024 – 29 Jun 2025"]]
