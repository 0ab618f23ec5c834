"""Tests of kpikit.benchmark.units: a benchmark fraction written as a percentage is refused, with the unit named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import benchmark as bm
from kpikit.errors import KpiDataError
from kpikit.stats import rate
from tests.paths import SAMPLE


def bands(p25, p50, p75, unit="fraction of sessions", metric="bounce_rate", year=2024):
    """A published table of two segments, as benchmarks.csv would hold it."""
    frame = pd.DataFrame(
        {
            "metric": metric,
            "segment": ["retail", "lead generation"],
            "source": "Survey of sites",
            "p25": p25,
            "p50": p50,
            "p75": p75,
            "value": np.nan,
            "year": year,
            "unit": unit,
        }
    )
    frame.attrs["source"] = "benchmarks.csv"
    return frame


CLIENT = {"bounce_rate": rate(620, 1000)}  # a 62% bounce rate, with its counts


def test_fraction_written_as_percent_is_refused_with_the_unit_named():
    with pytest.raises(KpiDataError) as err:
        bm.against_industry(CLIENT, bands([40, 45], [47, 55], [60, 70]))
    lines = str(err.value).splitlines()
    assert lines == [
        "benchmarks.csv, column 'p25': data rows 1, 2 hold 40, 45 for bounce_rate, a fraction (its unit is "
        "'fraction of sessions'): write 0.4 (40% as a fraction; '40%' with its sign reads as 0.4 too).",
        "benchmarks.csv, column 'p50': data rows 1, 2 hold 47, 55 for bounce_rate, a fraction (its unit is "
        "'fraction of sessions'): write 0.47 (47% as a fraction; '47%' with its sign reads as 0.47 too).",
        "benchmarks.csv, column 'p75': data rows 1, 2 hold 60, 70 for bounce_rate, a fraction (its unit is "
        "'fraction of sessions'): write 0.6 (60% as a fraction; '60%' with its sign reads as 0.6 too).",
    ]
    # written as fractions, the 62% bounce rate is above both bands: bottom quartile (lower is better),
    # where the band read as 40-60 "percent-as-number" would have made it the top quartile
    ok = bm.against_industry(CLIENT, bands([0.40, 0.45], [0.47, 0.55], [0.60, 0.70]))
    assert ok["band_verdict"].tolist() == ["bottom quartile", "middle half"]


def test_without_a_unit_the_client_says_which_side_is_a_fraction():
    # the client's rate of counts
    with pytest.raises(
        KpiDataError,
        match=r"column 'p50': data rows 1, 2 hold 47, 55 for bounce_rate, a fraction \(the client's bounce_rate is a "
        r"rate of counts \(620 of 1000\)\): write 0\.47",
    ):
        bm.against_industry(CLIENT, bands([40, 45], [47, 55], [60, 70], unit=None))
    # a rate-named KPI in [0, 1] without counts
    with pytest.raises(KpiDataError, match=r"for bounce_rate, a fraction \(the client's bounce_rate is 0\.62\)"):
        bm.against_industry({"bounce_rate": 0.62}, bands([40, 45], [47, 55], [60, 70], unit=None))
    # both sides in percent, and no counts: one unit, compared as given
    r = bm.against_industry({"bounce_rate": 62.0}, bands([40, 45], [47, 55], [60, 70], unit=None))
    assert r["band_verdict"].tolist() == ["bottom quartile", "middle half"]


def test_client_and_benchmark_in_different_units_are_refused():
    with pytest.raises(
        KpiDataError,
        match=r"benchmarks.csv, column 'unit': data row 1 says '% of sessions' for bounce_rate, but the client's "
        r"bounce_rate is a fraction \(0\.62\)\. Write the benchmark as a fraction",
    ):
        bm.against_industry(CLIENT, bands([40, 45], [47, 55], [60, 70], unit="% of sessions"))
    with pytest.raises(
        KpiDataError,
        match=r"client KPI bounce_rate: 62, but the benchmark it is compared with \(benchmarks.csv, data row 1, "
        r"bounce_rate, unit 'fraction of sessions'\) is a fraction in \[0, 1\]: give the client's bounce_rate as a "
        r"fraction \(0\.62 for 62%\)",
    ):
        bm.against_industry({"bounce_rate": 62.0}, bands([0.40, 0.45], [0.47, 0.55], [0.60, 0.70]))
    # no unit: a rate-named benchmark in [0, 1] against a client above 1
    with pytest.raises(KpiDataError, match=r"client KPI bounce_rate: 62, .*data row 1, bounce_rate\) is a fraction"):
        bm.against_industry({"bounce_rate": 62.0}, bands([0.40, 0.45], [0.47, 0.55], [0.60, 0.70], unit=None))


def test_fraction_outside_0_1_and_other_units():
    with pytest.raises(KpiDataError, match=r"column 'p25': data row 2 hold -0\.1 .*a fraction lies in \[0, 1\]"):
        bm.against_industry(CLIENT, bands([0.40, -0.1], [0.47, 0.55], [0.60, 0.70]))
    # a rate in another unit (engagements per post per follower) and a score band are compared as they are
    per_follower = bands([1.5, 2.0], [2.5, 3.0], [3.5, 4.0], unit="engagements per post per follower", metric="x_rate")
    r = bm.against_industry({"x_rate": rate(300, 1000)}, per_follower)
    assert r["position"].tolist() == ["below p25", "below p25"]
    nps = bands([20.0, 10.0], [40.0, 30.0], [60.0, 50.0], unit=None, metric="nps")
    assert bm.against_industry({"nps": 35.0}, nps)["position"].tolist() == ["p25 to median", "median to p75"]


def test_rows_left_out_are_not_checked_and_the_sample_table_passes():
    undated = bands([0.40, 45], [0.47, 55], [0.60, 70], year=[2024, None])
    r = bm.against_industry(CLIENT, undated, undated="exclude", warn=False)
    assert r["segment"].tolist() == ["retail"]
    sample = pd.read_csv(SAMPLE / "benchmarks.csv")
    client = {"bounce_rate": rate(620, 1000), "monthly_churn_rate": rate(30, 1000), "email_open_rate": 0.25}
    placed = bm.against_industry(client, sample, undated="show")
    assert len(placed) == 7 and placed["client"].notna().all()
