"""Tests of kpikit.benchmark.compare: percentile ranks with ties, the significance logic, the scorecard."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

from kpikit import benchmark as bm
from kpikit.errors import KpiDataError
from kpikit.stats import fdr
from tests.benchmark.helpers import peer_table


def test_percentile_rank_tie_conventions():
    peers = [3000, 4000, 4000, 5000]
    # client 4000: 1 peer below, 2 equal, of 4
    assert bm.percentile_rank(peers, 4000) == 50.0  # mean: (1 + 2/2) / 4
    assert bm.percentile_rank(peers, 4000, kind="weak") == 75.0  # (1 + 2) / 4
    assert bm.percentile_rank(peers, 4000, kind="strict") == 25.0  # 1 / 4
    assert bm.percentile_rank(peers, 4000, kind="rank") == 62.5  # scipy's average ranking
    assert bm.percentile_rank([5, 5, 5], 5) == 50.0  # equal to all: the middle
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
    assert r == pytest.approx(
        (bm.percentile_rank(values, score, "strict") + bm.percentile_rank(values, score, "weak")) / 2
    )
    flipped = bm.percentile_rank([-v for v in values], -score)
    assert r + flipped == pytest.approx(100.0)


def test_visible_gap_that_is_noise():
    client = {"brand": "A", "k": 12, "n": 100}
    r = bm.compare(client, peer_table([8, 9, 10], [100] * 3), {"conversion rate": ("k", "n")}).iloc[0]
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
    r = bm.compare(client, peer_table([800, 900, 1000], [10_000] * 3), {"conversion rate": ("k", "n")}).iloc[0]
    # same rates, 100x the counts: z = 0.03 / 0.00342527 = 8.7584
    assert r["p_value"] == pytest.approx(2 * sst.norm.sf(8.7584), rel=1e-3)
    assert r["significant"] and r["verdict"] == "leads"
    assert r["diff_low"] > 0 and r["verdict_text"].startswith("conversion rate: leads at 12.0%")


def test_lower_is_better_metric_and_inferred_direction():
    client = {"brand": "A", "b": 300, "s": 1000}
    peers = peer_table([450, 450, 450], [1000] * 3).rename(columns={"k": "b", "n": "s"})
    explicit = bm.compare(client, peers, {"exit share": ("b", "s")}, higher_is_better={"exit share": False}).iloc[0]
    inferred = bm.compare(client, peers, {"Bounce rate": ("b", "s")}, higher_is_better=None).iloc[0]
    for r in (explicit, inferred):
        assert not r["higher_is_better"]
        assert r["verdict"] == "leads"  # 30% bounce against 45%: lower is better
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
    peers = pd.DataFrame(
        {
            "brand": ["B", "C", "B", "C"],
            "platform": ["IG", "IG", "TT", "TT"],
            "k": [9, 9, 900, 900],
            "n": [100, 100, 10_000, 10_000],
        }
    )
    r = bm.compare(client, peers, {"rate": ("k", "n")}, by="platform").set_index("platform")
    assert r.loc["IG", "peer_median"] == pytest.approx(0.09) and r.loc["IG", "n_peers"] == 2
    assert r.loc["IG", "verdict"] == "not significant" and r.loc["TT", "verdict"] == "leads"


def test_compare_bad_input():
    peers = peer_table([8, 9, 10], [100] * 3)
    with pytest.raises(KpiDataError, match="client: missing column"):
        bm.compare({"brand": "A", "k": 1}, peers, {"r": ("k", "n")})
    with pytest.raises(KpiDataError, match="spec"):
        bm.compare({"brand": "A", "k": 1, "n": 2}, peers, {"r": ("k",)})
    with pytest.raises(KpiDataError, match="one client row"):
        bm.compare(pd.DataFrame({"k": [1, 2], "n": [5, 5]}), peers, {"r": ("k", "n")})


def test_counts_that_are_not_counts_are_not_tested():
    # numerator above the denominator (e.g. engagements from non-followers): compared, not tested
    r = bm.compare({"brand": "A", "k": 150, "n": 100}, peer_table([8, 9, 10], [100] * 3), {"r": ("k", "n")}).iloc[0]
    assert r["client"] == pytest.approx(1.5) and not r["tested"] and r["verdict"] == "leads"


def test_dispersion_turns_a_binomially_real_gap_into_noise():
    client = {"brand": "A", "k": 1200, "n": 10_000}
    peers = peer_table([800, 900, 1000], [10_000] * 3)
    plain = bm.compare(client, peers, {"r": ("k", "n")}).iloc[0]
    quasi = bm.compare(client, peers, {"r": ("k", "n")}, dispersion={"r": 100.0}).iloc[0]
    # z = 8.7584 binomial; with phi = 100, z / 10 = 0.87584: p = 0.381 as in the small-sample case
    assert quasi["p_value"] == pytest.approx(
        2 * sst.norm.sf(plain["difference"] / math.sqrt(0.0975 * 0.9025 * (1 / 10_000 + 1 / 30_000)) / 10)
    )
    assert quasi["verdict"] == "not significant" and plain["verdict"] == "leads"
    assert quasi["diff_high"] - quasi["difference"] == pytest.approx(10 * (plain["diff_high"] - plain["difference"]))
    with pytest.raises(KpiDataError, match="dispersion must be >= 1"):
        bm.compare(client, peers, {"r": ("k", "n")}, dispersion=0.5)


def test_scorecard_wide_and_styled():
    client = {"brand": "A", "k": 1200, "n": 10_000, "followers": 5000}
    peers = peer_table([800, 900, 1000], [10_000] * 3).assign(followers=[10_000, 3_000, 4_000])
    card = bm.scorecard(client, peers, {"conversion rate": ("k", "n"), "followers": "followers"})
    assert list(card.columns[:5]) == ["metric", "A", "B", "C", "D"]
    assert card["B"].tolist() == pytest.approx([0.08, 10_000])
    assert card["significance"].tolist() == ["*", "untested"]
    html1 = bm.style_scorecard(card).to_html()
    html2 = bm.style_scorecard(card).to_html()
    assert html1 == html2 and "T_scorecard" in html1
    assert "12.00%" in html1 and "#c6e9d9" in html1  # the leading metric coloured
