"""kpikit.sample.generate: the folder written, byte for byte reproducible, and the committed data/sample."""

from __future__ import annotations

import gzip

import kpikit.sample as ks
from tests.paths import SAMPLE
from tests.sample.helpers import file_bytes


def test_same_seed_gives_identical_bytes(gen7, gen7_cli):
    a, b = file_bytes(gen7), file_bytes(gen7_cli)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs between two runs with seed 7"


def test_files_written_are_the_expected_set(gen42):
    gz = ("events", "sessions", "touchpoints")
    expected = {f"{t}.csv.gz" for t in gz} | {
        "README.md",
        "ga4_bigquery_events.jsonl",
        "ua_landing_pages.csv",
        "ga4_landing_pages.csv",
    }
    expected |= {f"{t}.csv" for t in ks.TABLES if t not in gz}
    assert set(file_bytes(gen42)) == expected


def test_different_seed_gives_different_data(gen42, gen7, t42, t7):
    a, b = file_bytes(gen42), file_bytes(gen7)
    for name in ("events.csv.gz", "sessions.csv.gz", "subscriptions.csv", "transactions.csv", "social.csv"):
        assert a[name] != b[name]
    assert not t42["sessions"]["session_id"].isin(t7["sessions"]["session_id"]).any()
    # the benchmarks are published numbers: the same whatever the seed
    assert a["benchmarks.csv"] == b["benchmarks.csv"]


def test_committed_sample_equals_fresh_generation(gen42):
    """data/sample must be exactly `python -m kpikit.sample data/sample --seed 42` (never hand-edited).

    Gzipped files are compared on their content: the compressed bytes depend on the zlib build.
    """
    fresh, committed = file_bytes(gen42), file_bytes(SAMPLE)
    # other files may live there (batch.yaml belongs to the batch runner); ours must all be present
    assert set(fresh) <= set(committed), f"missing in data/sample: {sorted(set(fresh) - set(committed))}"
    for name, data in fresh.items():
        if name.endswith(".gz"):
            assert gzip.decompress(committed[name]) == gzip.decompress(data), name
        else:
            assert committed[name] == data, f"data/sample/{name} differs from a fresh generation"


def test_committed_sample_under_10_mb():
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 10 * 1024 * 1024, f"data/sample holds {total / 1e6:.1f} MB"
