"""Benchmark: sessions from 10M GA4-style events and bounce rate by landing page, kpikit vs DuckDB.

Generates GA4-style events (about 5 per session, 2 sessions per user: 10M events, about 1M users),
in time order as exports come, then computes ``kk.web.sessions_from_events`` +
``kk.web.bounce_rate(by="landing_page")`` and the same computation in DuckDB SQL, in the same process:

- ``duckdb``: SQL straight over the same in-memory pandas DataFrame (the like-for-like comparison);
- ``duckdb-native``: the same SQL over a native DuckDB table the events were copied into first (the
  copy is timed separately and left out): DuckDB at its best.

Prints each time, the ratios and each engine's memory (the process's peak resident set size while the
engine ran, sampled every 5 ms, and its increase over the size before the run), and asserts the
results are identical: the bounce table (counts exactly, floats to 1e-12 relative) and every column of
every session. ``--engine NAME`` runs one engine alone in a fresh process, for a clean whole-process
peak memory figure.

Target (issue 3): kpikit no slower than DuckDB, peak memory under 3 GB.

Usage::

    .venv/bin/python benchmarks/sessions.py                 # 10M events (needs a few GB of RAM)
    .venv/bin/python benchmarks/sessions.py --events 1e6    # quick run
    .venv/bin/python benchmarks/sessions.py --engine kpikit # one engine in a fresh process (memory)

DuckDB is not a kpikit dependency: ``pip install duckdb`` to run this script.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sys
import threading
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import kpikit as kk

PAGES_LANDING = (
    ["/", "/shop", "/pricing", "/contact", "/landing/spring-sale"]
    + [f"/product/item-{i:03d}" for i in range(60)]
    + [f"/blog/post-{i:03d}" for i in range(140)]
)
EVENTS_LATER = np.array(
    ["page_view", "user_engagement", "scroll", "view_item", "add_to_cart", "purchase", "generate_lead"]
)
EVENT_P = np.array([0.42, 0.25, 0.15, 0.10, 0.05, 0.015, 0.015])
CHANNELS = [
    ("google", "organic", "Organic Search"),
    ("(direct)", "(none)", "Direct"),
    ("google", "cpc", "Paid Search"),
    ("facebook", "paid_social", "Paid Social"),
    ("instagram", "social", "Organic Social"),
    ("newsletter", "email", "Email"),
    ("partner.example", "referral", "Referral"),
]
DEVICES = ["desktop", "mobile", "tablet"]
COUNTRIES = ["United States", "United Kingdom", "Germany", "France", "Canada", "Australia", "(not set)"]


def _categorical(labels: list[str], codes: np.ndarray) -> pd.Categorical:
    """Categorical of labels[codes] built from codes (labels may repeat)."""
    uniq, inverse = np.unique(np.asarray(labels), return_inverse=True)
    return pd.Categorical.from_codes(inverse[codes], categories=uniq.tolist())


def generate_events(n_events: int = 10_000_000, seed: int = 0) -> pd.DataFrame:
    """GA4-style events: about ``n_events`` rows, 5 events per session, 2 sessions per user.

    Each session opens with session_start and page_view at the same timestamp (as in GA4 exports),
    then 0+ later events at strictly increasing times. engagement_time_msec is missing on the first two
    events and set on later ones. Strings of few values are categoricals; user_id is a GA4-like
    pseudo id string; session_id is ga_session_id (start in epoch seconds, unique only per user).
    """
    rng = np.random.default_rng(seed)
    n_sess = max(1, n_events // 5)
    n_users = max(1, n_sess // 2)
    extra = rng.poisson(3.0, n_sess)  # later events per session: mean 3, so 5 events per session
    size = 2 + extra
    n = int(size.sum())
    pos = np.arange(n) - np.repeat(np.cumsum(size) - size, size)

    user = rng.integers(0, n_users, n_sess)
    t0 = np.int64(1_717_200_000) + rng.integers(0, 30 * 86_400, n_sess)  # June 2024, seconds
    gaps = rng.exponential(25.0, n).round(3) + 0.001
    gaps[pos < 2] = 0.0
    offset = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[np.cumsum(size) - size], size)
    ts_ns = np.repeat(t0, size) * 1_000_000_000 + np.round(offset * 1e9).astype(np.int64)

    ev_code = rng.choice(len(EVENTS_LATER), n, p=EVENT_P)
    event = pd.Categorical.from_codes(
        np.where(pos == 0, len(EVENTS_LATER), np.where(pos == 1, 0, ev_code)),
        categories=[*EVENTS_LATER.tolist(), "session_start"],
    )
    p_land = rng.dirichlet(np.full(len(PAGES_LANDING), 0.5))
    landing = rng.choice(len(PAGES_LANDING), n_sess, p=p_land)
    page_code = np.where(pos <= 1, np.repeat(landing, size), rng.integers(0, len(PAGES_LANDING), n))
    page = pd.Categorical.from_codes(page_code, categories=PAGES_LANDING)

    eng = rng.integers(200, 12_000, n).astype(float)
    eng[pos < 2] = np.nan

    ch = np.repeat(rng.choice(len(CHANNELS), n_sess, p=[0.35, 0.2, 0.15, 0.1, 0.08, 0.07, 0.05]), size)
    dev = np.repeat(rng.choice(3, n_sess, p=[0.45, 0.5, 0.05]), size)
    ctry = np.repeat(rng.choice(len(COUNTRIES), n_sess), size)
    uid_num = np.repeat(user, size)
    uid = pd.Series(
        pc.binary_join_element_wise(
            pc.cast(pa.array(uid_num), pa.string()),
            pc.cast(pa.array(1_700_000_000 + uid_num % 97_001), pa.string()),
            ".",
        ),
        dtype="str",
    )
    cat = pd.Categorical.from_codes
    return pd.DataFrame(
        {
            "user_id": uid,
            "session_id": np.repeat(t0, size),
            "timestamp": ts_ns.view("datetime64[ns]"),
            "event": event,
            "page": page,
            "source": _categorical([c[0] for c in CHANNELS], ch),
            "medium": _categorical([c[1] for c in CHANNELS], ch),
            "channel": cat(ch, categories=[c[2] for c in CHANNELS]),
            "device": cat(dev, categories=DEVICES),
            "country": cat(ctry, categories=COUNTRIES),
            "engagement_time_msec": eng,
        }
    )


# --------------------------------------------------------------------------------------------------
# the two engines

NON_INTERACTION = "'" + "', '".join(kk.web.DEFAULT_NON_INTERACTION_EVENTS) + "'"
KEY_EVENTS = "'" + "', '".join(kk.web.DEFAULT_KEY_EVENTS) + "'"

# The same definitions as kk.web.sessions_from_events (GA4 semantics; ga_session_id is unique only per
# user, so a session is (user_id, session_id) and its id "<user_id>-<session_id>").
SQL_SESSIONS = f"""
CREATE OR REPLACE TEMP TABLE sessions AS
WITH s AS (
  SELECT
    user_id || '-' || CAST(session_id AS VARCHAR) AS session_id,
    user_id,
    min(timestamp) AS start,
    max(timestamp) AS "end",
    coalesce(CAST(arg_min(page, timestamp) FILTER (WHERE event = 'page_view') AS VARCHAR), '(not set)') AS landing_page,
    CAST(arg_min(source, timestamp) AS VARCHAR) AS source,
    CAST(arg_min(medium, timestamp) AS VARCHAR) AS medium,
    CAST(arg_min(channel, timestamp) AS VARCHAR) AS channel,
    CAST(arg_min(device, timestamp) AS VARCHAR) AS device,
    CAST(arg_min(country, timestamp) AS VARCHAR) AS country,
    count(*) AS events,
    count(*) FILTER (WHERE event = 'page_view') AS pageviews,
    coalesce(sum(engagement_time_msec), 0) / 1000.0 AS engagement_time_s,
    count(*) FILTER (WHERE event IN ({KEY_EVENTS})) AS conversions,
    count(*) FILTER (WHERE event = 'page_view' OR event NOT IN ({NON_INTERACTION})) <= 1 AS single_interaction,
    min(timestamp) FILTER (WHERE event = 'generate_lead') AS first_lead_at
  FROM ev
  GROUP BY user_id, session_id
)
SELECT * EXCLUDE (first_lead_at),
  coalesce(first_lead_at = min(first_lead_at) OVER (PARTITION BY user_id), false) AS new_lead,
  (engagement_time_s > 10 OR conversions > 0 OR pageviews >= 2) AS engaged,
  start = min(start) OVER (PARTITION BY user_id) AS is_new_user
FROM s
"""

SQL_BOUNCE = """
SELECT landing_page,
  count(*) AS sessions,
  count(*) FILTER (WHERE NOT engaged) AS bounces,
  count(*) FILTER (WHERE engaged) AS engaged_sessions,
  sum(pageviews) AS pageviews,
  avg(engagement_time_s) AS engagement_time_mean_s,
  median(engagement_time_s) AS engagement_time_median_s,
  count(*) FILTER (WHERE conversions > 0) AS converted_sessions
FROM sessions
GROUP BY landing_page
ORDER BY landing_page
"""

COUNT_COLUMNS = ["sessions", "bounces", "engaged_sessions", "pageviews", "converted_sessions"]
FLOAT_COLUMNS = ["engagement_time_mean_s", "engagement_time_median_s"]
SESSION_COLUMNS = [
    "session_id",
    "user_id",
    "start",
    "end",
    "landing_page",
    "source",
    "medium",
    "channel",
    "device",
    "country",
    "events",
    "pageviews",
    "engagement_time_s",
    "conversions",
    "new_lead",
    "engaged",
    "single_interaction",
    "is_new_user",
]


def run_kpikit(events: pd.DataFrame):
    sessions = kk.web.sessions_from_events(events)
    return sessions, kk.web.bounce_rate(sessions, by="landing_page")


def run_duckdb(events: pd.DataFrame, threads: int):
    """DuckDB SQL straight over the pandas DataFrame (the same data as kpikit's)."""
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    con.register("ev", events)
    con.execute(SQL_SESSIONS)
    return con, con.execute(SQL_BOUNCE).df()


def load_duckdb_native(events: pd.DataFrame, threads: int):
    """A DuckDB connection with the events copied into a native DuckDB table (the load is not timed)."""
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    con.register("src", events)
    con.execute("CREATE TABLE ev AS SELECT * FROM src")
    con.unregister("src")
    return con


def run_duckdb_native(con):
    """The same SQL over DuckDB's own table: DuckDB at its best, data already inside it."""
    con.execute(SQL_SESSIONS)
    return con.execute(SQL_BOUNCE).df()


class PeakRSS:
    """Peak resident set size of this process while a block runs (sampled every 5 ms), in bytes."""

    def __init__(self):
        self.page = os.sysconf("SC_PAGE_SIZE")

    def rss(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self.page

    def __enter__(self):
        gc.collect()
        self.before = self.peak = self.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def increase(self) -> int:
        return self.peak - self.before


def compare(
    k_bounce: pd.DataFrame, d_bounce: pd.DataFrame, k_sessions: pd.DataFrame | None, d_sessions: pd.DataFrame | None
) -> None:
    """Assert identical results: counts exactly, floats to 1e-12 relative."""
    a = k_bounce.assign(landing_page=k_bounce["landing_page"].astype(str)).set_index("landing_page").sort_index()
    b = d_bounce.set_index("landing_page").sort_index()
    assert list(a.index) == list(b.index), "different landing pages"
    for c in COUNT_COLUMNS:
        assert (a[c].to_numpy(np.int64) == b[c].to_numpy(np.int64)).all(), f"bounce table: column {c} differs"
    for c in FLOAT_COLUMNS:
        assert np.allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, atol=0), f"bounce table: {c} differs"
    assert np.allclose(a["bounce_rate"], b["bounces"] / b["sessions"], rtol=1e-15, atol=0)
    if k_sessions is None:
        return
    x = k_sessions[SESSION_COLUMNS].assign(session_id=lambda f: f["session_id"].astype(str))
    x = x.sort_values("session_id").reset_index(drop=True)
    y = d_sessions[SESSION_COLUMNS].sort_values("session_id").reset_index(drop=True)
    assert len(x) == len(y), f"{len(x)} vs {len(y)} sessions"
    for c in SESSION_COLUMNS:
        xs, ys = x[c], y[c]
        if c in ("start", "end"):
            same = (xs.to_numpy("datetime64[ns]") == ys.to_numpy("datetime64[ns]")).all()
        elif c == "engagement_time_s":
            same = np.array_equal(xs.to_numpy(float), ys.to_numpy(float))
        elif xs.dtype == bool or c in ("events", "pageviews", "conversions"):
            same = (xs.to_numpy(np.int64) == ys.to_numpy(np.int64)).all()
        else:
            same = (xs.astype(str).to_numpy() == ys.astype(str).to_numpy()).all()
        assert same, f"sessions: column {c} differs"


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=float, default=1e7, help="number of events (default 1e7)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--engine",
        choices=["both", "kpikit", "duckdb", "duckdb-native"],
        default="both",
        help="run one engine alone (in this fresh process) for a clean whole-process memory figure",
    )
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="DuckDB threads (default: all cores)")
    ap.add_argument("--no-session-check", action="store_true", help="compare the bounce table only")
    args = ap.parse_args(argv)

    import duckdb

    t0 = time.perf_counter()
    events = generate_events(int(args.events), seed=args.seed)
    # exports come in time order, not grouped by session
    events = events.iloc[np.argsort(events["timestamp"].to_numpy(), kind="stable")].reset_index(drop=True)
    gen_s = time.perf_counter() - t0
    print(
        f"kpikit {kk.__version__}, duckdb {duckdb.__version__}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    print(
        f"events: {len(events):,} ({events['user_id'].nunique():,} users), generated in {gen_s:.1f} s, "
        f"{_gb(events.memory_usage(deep=True).sum())} in memory"
    )

    results = {}
    if args.engine in ("both", "kpikit"):
        with PeakRSS() as mem:
            t = time.perf_counter()
            k_sessions, k_bounce = run_kpikit(events)
            results["kpikit"] = (time.perf_counter() - t, mem)
        print(f"kpikit: {len(k_sessions):,} sessions, {len(k_bounce)} landing pages")
    if args.engine in ("both", "duckdb"):
        with PeakRSS() as mem:
            t = time.perf_counter()
            con, d_bounce = run_duckdb(events, args.threads)
            results["duckdb"] = (time.perf_counter() - t, mem)
        print(
            f"duckdb ({args.threads} threads): {con.execute('SELECT count(*) FROM sessions').fetchone()[0]:,} sessions"
        )
    if args.engine in ("both", "duckdb-native"):
        t = time.perf_counter()
        native = load_duckdb_native(events, args.threads)
        load_s = time.perf_counter() - t
        with PeakRSS() as mem:
            t = time.perf_counter()
            n_bounce = run_duckdb_native(native)
            results["duckdb-native"] = (time.perf_counter() - t, mem)
        print(f"duckdb-native: events copied into a DuckDB table first in {load_s:.2f} s (not timed)")

    print()
    print(f"{'engine':<14} {'time (s)':>9} {'peak RSS during run':>20} {'increase':>10}")
    for name, (secs, mem) in results.items():
        print(f"{name:<14} {secs:>9.2f} {_gb(mem.peak):>20} {_gb(mem.increase):>10}")
    for ref in ("duckdb", "duckdb-native"):
        if "kpikit" in results and ref in results:
            ratio = results["kpikit"][0] / results[ref][0]
            print(f"ratio kpikit / {ref} time: {ratio:.2f} ({'kpikit faster' if ratio < 1 else ref + ' faster'})")
    if "kpikit" in results and "duckdb-native" in results:
        compare(k_bounce, n_bounce, None, None)
    if "kpikit" in results and "duckdb" in results:
        t = time.perf_counter()
        d_sessions = None if args.no_session_check else con.execute("SELECT * FROM sessions").df()
        fetch = time.perf_counter() - t
        compare(k_bounce, d_bounce, None if args.no_session_check else k_sessions, d_sessions)
        checked = "bounce table" if args.no_session_check else f"bounce table and all {len(k_sessions):,} sessions"
        print(
            f"results identical ({checked}; counts exact, floats to 1e-12 relative)"
            + (
                ""
                if args.no_session_check
                else f"; fetching DuckDB's sessions into pandas took {fetch:.2f} s (not timed)"
            )
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"process peak RSS (data generation included): {_gb(peak)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
