"""Tests of kpikit.benchmark: percentile ranks with ties, the significance logic, industry bands, self."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

from kpikit import benchmark as bm
from kpikit.errors import KpiDataError, KpiWarning
from kpikit.stats import Score, fdr, rate

# ---------------------------------------------------------------------------------------------
# percentile ranks


def test_percentile_rank_tie_conventions():
    peers = [3000, 4000, 4000, 5000]
    # client 4000: 1 peer below, 2 equal, of 4
    assert bm.percentile_rank(peers, 4000) == 50.0                  # mean: (1 + 2/2) / 4
    assert bm.percentile_rank(peers, 4000, kind="weak") == 75.0     # (1 + 2) / 4
    assert bm.percentile_rank(peers, 4000, kind="strict") == 25.0   # 1 / 4
    assert bm.percentile_rank(peers, 4000, kind="rank") == 62.5     # scipy's average ranking
    assert bm.percentile_rank([5, 5, 5], 5) == 50.0                 # equal to all: the middle
    assert bm.percentile_rank([1, 2, 3], 10) == 100.0
    assert math.isnan(bm.percentile_rank([], 1.0))
    with pytest.raises(KpiDataError, match="kind must be"):
        bm.percentile_rank([1], 1, kind="median")  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=12), st.integers(0, 20))
def test_percentile_rank_properties(values, score):
    r = bm.percentile_rank(values, score)
    assert 0 <= r <= 100
    # mean convention is the midpoint of strict and weak, and orientation flips exactly
    assert r == pytest.approx((bm.percentile_rank(values, score, "strict") + bm.percentile_rank(values, score, "weak")) / 2)
    flipped = bm.percentile_rank([-v for v in values], -score)
    assert r + flipped == pytest.approx(100.0)


# ---------------------------------------------------------------------------------------------
# compare: noise vs a real gap


def _peers(k, n):
    return pd.DataFrame({"brand": ["B", "C", "D"], "k": k, "n": n})


def test_visible_gap_that_is_noise():
    client = {"brand": "A", "k": 12, "n": 100}
    r = bm.compare(client, _peers([8, 9, 10], [100] * 3), {"conversion rate": ("k", "n")}).iloc[0]
    # peers 0.08, 0.09, 0.10: median 0.09, p25 0.085, p75 0.095; client 0.12 above them all
    assert (r["peer_median"], r["peer_p25"], r["peer_p75"]) == pytest.approx((0.09, 0.085, 0.095))
    assert r["percentile_rank"] == 100.0 and r["gap"] == pytest.approx(0.03)
    # pooled peers 27/300 = 0.09; pooled all 39/400 = 0.0975
    # se = sqrt(0.0975 x 0.9025 x (1/100 + 1/300)) = 0.0342527; z = 0.03 / 0.0342527 = 0.87584
    assert r["peers_pooled"] == pytest.approx(0.09)
    assert r["p_value"] == pytest.approx(2 * sst.norm.sf(0.03 / math.sqrt(0.0975 * 0.9025 * (1 / 100 + 1 / 300))))
    assert r["p_value"] == pytest.approx(0.3811, abs=1e-4)
    assert r["tested"] and not r["significant"]
    assert r["verdict"] == "not significant"
    assert "counts do not support it" in r["verdict_text"]


def test_same_gap_with_enough_data_is_real():
    client = {"brand": "A", "k": 1200, "n": 10_000}
    r = bm.compare(client, _peers([800, 900, 1000], [10_000] * 3), {"conversion rate": ("k", "n")}).iloc[0]
    # same rates, 100x the counts: z = 0.03 / 0.00342527 = 8.7584
    assert r["p_value"] == pytest.approx(2 * sst.norm.sf(8.7584), rel=1e-3)
    assert r["significant"] and r["verdict"] == "leads"
    assert r["diff_low"] > 0 and r["verdict_text"].startswith("conversion rate: leads at 12.0%")


def test_lower_is_better_metric_and_inferred_direction():
    client = {"brand": "A", "b": 300, "s": 1000}
    peers = _peers([450, 450, 450], [1000] * 3).rename(columns={"k": "b", "n": "s"})
    explicit = bm.compare(client, peers, {"exit share": ("b", "s")}, higher_is_better={"exit share": False}).iloc[0]
    inferred = bm.compare(client, peers, {"Bounce rate": ("b", "s")}, higher_is_better=None).iloc[0]
    for r in (explicit, inferred):
        assert not r["higher_is_better"]
        assert r["verdict"] == "leads"             # 30% bounce against 45%: lower is better
        assert r["percentile_rank"] == 0.0 and r["standing"] == 100.0


def test_fdr_across_metrics_changes_the_verdict():
    # client 125/1000 vs peers 100/1000 each: p = 0.0263 alone (z = 0.025 / 0.011252 = 2.2218)
    row = {"brand": "A", "k0": 125, "n0": 1000}
    peers = pd.DataFrame({"brand": ["B", "C", "D"], "k0": [100] * 3, "n0": [1000] * 3})
    alone = bm.compare(row, peers, {"m0": ("k0", "n0")}).iloc[0]
    assert alone["p_value"] == pytest.approx(0.0263, abs=2e-4)
    assert alone["verdict"] == "leads"
    # with four more metrics where the client equals the peers (p = 1), BH gives q = 0.0263 x 5 / 1
    for i in range(1, 5):
        row[f"k{i}"], row[f"n{i}"] = 100, 1000
        peers[f"k{i}"], peers[f"n{i}"] = 100, 1000
    many = bm.compare(row, peers, {f"m{i}": (f"k{i}", f"n{i}") for i in range(5)})
    assert many["q_value"].to_numpy() == pytest.approx(fdr(many["p_value"].to_numpy()))
    assert many["q_value"].iloc[0] == pytest.approx(alone["p_value"] * 5)
    assert many["verdict"].tolist() == ["not significant"] + ["in line"] * 4


def test_untested_metric_uses_quartile_band():
    peers = pd.DataFrame({"brand": ["B", "C", "D"], "followers": [10_000, 3_000, 4_000]})
    r = bm.compare({"brand": "A", "followers": 5_000}, peers, ["followers"]).iloc[0]
    # peers: p25 3500, median 4000, p75 7000; client 5000 inside; 2 of 3 below: rank 66.7
    assert (r["peer_p25"], r["peer_median"], r["peer_p75"]) == (3500, 4000, 7000)
    assert r["percentile_rank"] == pytest.approx(200 / 3)
    assert not r["tested"] and math.isnan(r["p_value"])
    assert r["verdict"] == "in line" and "no test" in r["verdict_text"]
    big = bm.compare({"brand": "A", "followers": 20_000}, peers, ["followers"]).iloc[0]
    assert big["verdict"] == "leads"


def test_compare_by_segment():
    client = pd.DataFrame({"platform": ["IG", "TT"], "k": [12, 1200], "n": [100, 10_000]})
    peers = pd.DataFrame({"brand": ["B", "C", "B", "C"], "platform": ["IG", "IG", "TT", "TT"], "k": [9, 9, 900, 900], "n": [100, 100, 10_000, 10_000]})
    r = bm.compare(client, peers, {"rate": ("k", "n")}, by="platform").set_index("platform")
    assert r.loc["IG", "peer_median"] == pytest.approx(0.09) and r.loc["IG", "n_peers"] == 2
    assert r.loc["IG", "verdict"] == "not significant" and r.loc["TT", "verdict"] == "leads"


def test_compare_bad_input():
    peers = _peers([8, 9, 10], [100] * 3)
    with pytest.raises(KpiDataError, match="client: missing column"):
        bm.compare({"brand": "A", "k": 1}, peers, {"r": ("k", "n")})
    with pytest.raises(KpiDataError, match="spec"):
        bm.compare({"brand": "A", "k": 1, "n": 2}, peers, {"r": ("k",)})
    with pytest.raises(KpiDataError, match="one client row"):
        bm.compare(pd.DataFrame({"k": [1, 2], "n": [5, 5]}), peers, {"r": ("k", "n")})


def test_counts_that_are_not_counts_are_not_tested():
    # numerator above the denominator (e.g. engagements from non-followers): compared, not tested
    r = bm.compare({"brand": "A", "k": 150, "n": 100}, _peers([8, 9, 10], [100] * 3), {"r": ("k", "n")}).iloc[0]
    assert r["client"] == pytest.approx(1.5) and not r["tested"] and r["verdict"] == "leads"


def test_scorecard_wide_and_styled():
    client = {"brand": "A", "k": 1200, "n": 10_000, "followers": 5000}
    peers = _peers([800, 900, 1000], [10_000] * 3).assign(followers=[10_000, 3_000, 4_000])
    card = bm.scorecard(client, peers, {"conversion rate": ("k", "n"), "followers": "followers"})
    assert list(card.columns[:5]) == ["metric", "A", "B", "C", "D"]
    assert card["B"].tolist() == pytest.approx([0.08, 10_000])
    assert card["significance"].tolist() == ["*", "untested"]
    html1 = bm.style_scorecard(card).to_html()
    html2 = bm.style_scorecard(card).to_html()
    assert html1 == html2 and "T_scorecard" in html1
    assert "12.00%" in html1 and "#c6e9d9" in html1  # the leading metric coloured


# ---------------------------------------------------------------------------------------------
# industry bands


@pytest.fixture
def bench() -> pd.DataFrame:
    return pd.DataFrame({
        "metric": ["bounce_rate", "bounce_rate", "bounce_rate", "nps"],
        "segment": ["all sites", "retail", "landing pages", "test industry"],
        "source": ["Google Analytics benchmarking newsletter", "HubSpot", "HubSpot", "test fixture"],
        "p25": [np.nan, 0.20, 0.70, 20.0],
        "p50": [np.nan, np.nan, np.nan, 40.0],
        "p75": [np.nan, 0.40, 0.90, 60.0],
        "value": [0.47, np.nan, np.nan, np.nan],
        "n": [np.nan] * 4,
        "year": [2011, 2013, 2013, 2020],
    })


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
    assert (r.loc["retail", "position"], r.loc["retail", "verdict"], r.loc["retail", "band_verdict"]) == ("above p75", "worse", "bottom quartile")
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
    with pytest.raises(KpiDataError, match=r"1 row\(s\) used for the comparison have no year \(bounce_rate \(retail\): HubSpot\).*not evidence"):
        bm.against_industry({"bounce_rate": 0.45}, no_year)
    no_source = bench.assign(source=["GA", "", "HubSpot", "x"])
    with pytest.raises(KpiDataError, match="have no source.*segment 'retail'"):
        bm.against_industry({"bounce_rate": 0.45}, no_source)
    # rows not used for the comparison are not checked
    assert len(bm.against_industry({"nps": 30}, no_year)) == 1


def test_undated_benchmarks_excluded_or_flagged(bench):
    no_year = bench.assign(year=[2011, np.nan, 2013, 2020])
    with pytest.warns(KpiWarning, match=r"1 benchmark row\(s\) left out because their source states no year: bounce_rate \(retail\)"):
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
    recorded = {"01_bounce_rate_diagnosis": {"bounce_rate": rate(450, 1000).as_dict()}, "03_churn_and_renewal": {"churn": {}}}
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
    assert any(t.startswith("bounce_rate (retail): Juniper Box at 45.00% is worse") and "(HubSpot, 2013)" in t for t in text)
    assert any("nps (test industry)" in t and "not available" in t for t in text)


# ---------------------------------------------------------------------------------------------
# against self


def test_against_self_rates():
    s = pd.DataFrame({
        "period": pd.to_datetime(["2024-01-01", "2024-12-01", "2025-01-01"]),
        "k": [50, 60, 80], "n": [1000, 1000, 1000],
    })
    r = bm.against_self(s, successes="k", trials="n").set_index("comparison")
    assert list(r.index) == ["previous", "year_ago"] and (r["period"] == pd.Timestamp("2025-01-01")).all()
    # vs Dec 2024: 8% vs 6%: p = 140/2000 = 0.07, se = sqrt(0.07 x 0.93 x 0.002) = 0.011411, z = 1.7527
    assert r.loc["previous", "change"] == pytest.approx(0.02)
    assert r.loc["previous", "p_value"] == pytest.approx(2 * sst.norm.sf(0.02 / math.sqrt(0.07 * 0.93 * 0.002)))
    # vs Jan 2024: 8% vs 5%: p = 0.065, se = 0.011025, z = 2.7211
    assert r.loc["year_ago", "reference_period"] == pd.Timestamp("2024-01-01")
    assert r.loc["year_ago", "p_value"] == pytest.approx(2 * sst.norm.sf(0.03 / math.sqrt(0.065 * 0.935 * 0.002)))
    # BH over the two: q(year_ago) = 2 x p, q(previous) = p
    assert r.loc["year_ago", "q_value"] == pytest.approx(2 * r.loc["year_ago", "p_value"])
    assert r.loc["year_ago", "verdict"] == "improved" and r.loc["previous", "verdict"] == "no significant change"
    worse = bm.against_self(s, successes="k", trials="n", higher_is_better=False)
    assert worse["verdict"].tolist() == ["no significant change", "worsened"]


def test_against_self_counts_and_daily_rows():
    days = pd.date_range("2025-01-01", "2025-02-28", freq="D")
    jan, feb = days.month == 1, days.month == 2
    mentions = np.where(jan, 0, 0)
    mentions[np.flatnonzero(jan)[:10]] = 10      # January: 100 mentions
    mentions[np.flatnonzero(feb)[:13]] = 10      # February: 130 mentions
    s = pd.DataFrame({"date": days, "mentions": mentions})
    r = bm.against_self(s, date="date", count="mentions", periods=("previous",)).iloc[0]
    assert (r["value"], r["reference_value"], r["change"]) == (130, 100, 30)
    # exact conditional test: 130 of 230 under p = 1/2
    assert r["p_value"] == pytest.approx(sst.binomtest(130, 230, 0.5).pvalue)
    assert r["relative_change"] == pytest.approx(0.3)


def test_against_self_value_is_untested_and_bad_input():
    s = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "followers": [100.0, 90.0]})
    r = bm.against_self(s, value="followers", periods=("previous",)).iloc[0]
    assert r["verdict"] == "down" and math.isnan(r["p_value"])
    with pytest.raises(KpiDataError, match="exactly one of"):
        bm.against_self(s, value="followers", count="followers")
    with pytest.raises(KpiDataError, match="periods must name"):
        bm.against_self(s, value="followers", periods=("last_week",))  # type: ignore[arg-type]
    with pytest.raises(KpiDataError, match=r"column 'followers': 1 empty"):
        bm.against_self(s.assign(followers=[1.0, np.nan]), value="followers")


def test_findings_from_comparison():
    client = {"brand": "A", "k": 1200, "n": 10_000, "k2": 12, "n2": 100}
    peers = _peers([800, 900, 1000], [10_000] * 3).assign(k2=[8, 9, 10], n2=[100] * 3)
    res = bm.compare(client, peers, {"conversion rate": ("k", "n"), "small test": ("k2", "n2")})
    text = bm.findings(res, client="Juniper Box")
    assert text[0] == "Juniper Box leads its competitors on conversion rate."
    assert text[1].startswith("Gaps on small test look real on a chart but are within noise")


# ---------------------------------------------------------------------------------------------
# charts of the social/benchmark section of kpikit.plots


def test_charts_draw_what_they_are_given(bench):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kpikit import plots

    client = {"brand": "A", "k": 1200, "n": 10_000, "followers": 5000}
    peers = _peers([800, 900, 1000], [10_000] * 3).assign(followers=[10_000, 3_000, 4_000])
    res = bm.compare(client, peers, {"conversion rate": ("k", "n"), "followers": "followers"})
    ax = plots.percentile_dots(res, "A leads on conversion")
    assert ax.get_title() == "A leads on conversion"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["conversion rate", "followers"]
    quality = pd.DataFrame({"brand": ["A", "B"], "followers_end": [1000, 50_000], "engagement_rate": [0.04, 0.01],
                            "ci_low": [0.03, 0.008], "ci_high": [0.05, 0.012], "vanity_gap": [False, True]})
    ax = plots.vanity_scatter(quality, "B: many followers, little engagement")
    assert ax.get_xscale() == "log" and len(ax.texts) == 2
    ind = bm.against_industry({"bounce_rate": rate(450, 1000)}, bench)
    axes = plots.industry_bands(ind, "Bounce against published bands")
    assert len(axes) == 3 and "Google Analytics benchmarking newsletter, 2011" in axes[0].get_yticklabels()[0].get_text()
    plt.close("all")


def test_dispersion_turns_a_binomially_real_gap_into_noise():
    client = {"brand": "A", "k": 1200, "n": 10_000}
    peers = _peers([800, 900, 1000], [10_000] * 3)
    plain = bm.compare(client, peers, {"r": ("k", "n")}).iloc[0]
    quasi = bm.compare(client, peers, {"r": ("k", "n")}, dispersion={"r": 100.0}).iloc[0]
    # z = 8.7584 binomial; with phi = 100, z / 10 = 0.87584: p = 0.381 as in the small-sample case
    assert quasi["p_value"] == pytest.approx(2 * sst.norm.sf(plain["difference"] / math.sqrt(0.0975 * 0.9025 * (1 / 10_000 + 1 / 30_000)) / 10))
    assert quasi["verdict"] == "not significant" and plain["verdict"] == "leads"
    assert quasi["diff_high"] - quasi["difference"] == pytest.approx(10 * (plain["diff_high"] - plain["difference"]))
    with pytest.raises(KpiDataError, match="dispersion must be >= 1"):
        bm.compare(client, peers, {"r": ("k", "n")}, dispersion=0.5)


# ---------------------------------------------------------------------------------------------
# notebook 05 on other data


@pytest.mark.notebook
def test_notebook_finds_planted_competitor_effect(second_dataset, render):
    res = render("05_competitor_benchmarking.ipynb", data_dir=str(second_dataset), client="Second Client", reports_dir=None)
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
    res = render("05_competitor_benchmarking.ipynb", data_dir=str(tmp_path), reports_dir=None,
                 engagement_per="followers", undated_benchmarks="show")
    k = res.kpis
    assert k["engagement_per"] == "followers"
    # without the effect Alder Crate is still the largest audience, but its engagement per follower is
    # within a few percent of the others': no longer flagged
    assert k["most_followed_brand"] == "Alder Crate"
    assert "Alder Crate" not in k["vanity_gap_brands"]
    # undated rows are shown, flagged, never without their source
    assert any(row["year"] == "undated" for row in k["industry"])
