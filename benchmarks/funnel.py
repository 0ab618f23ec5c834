"""Benchmark: kpikit.funnel.ordered_funnel against the same funnel in DuckDB SQL.

The same synthetic event log (default 10M events, about 1M users, 60 days) is held in one pandas
DataFrame; kpikit computes a 5-step "this order" funnel with a 7-day window and unique-user counting,
and DuckDB computes it in SQL on the same DataFrame in the same process (registered, no copy to disk).
The SQL follows kpikit's semantics exactly: for every step-1 event (an attempt), the earliest next
step at or after the previous one (ASOF joins on a (timestamp, step) key), no later than 7 days after
step 1; per user the furthest attempt. The script prints both times, their ratio, the peak resident
memory of each phase above the data's baseline, and asserts that the counts are identical.

Run: ``.venv/bin/python benchmarks/funnel.py`` (full size) or ``--events 1000000`` for a quick run.
Needs ``duckdb`` (pip install duckdb).
"""

from __future__ import annotations

import argparse
import gc
import os
import threading
import time

import numpy as np
import pandas as pd

import kpikit.funnel as kf

STEPS = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]
OTHER = ["page_view", "scroll", "user_engagement"]
# event mix: later funnel steps are rarer, as in web data
WEIGHTS = {
    "session_start": 0.20,
    "page_view": 0.35,
    "scroll": 0.12,
    "user_engagement": 0.13,
    "view_item": 0.10,
    "add_to_cart": 0.05,
    "begin_checkout": 0.03,
    "purchase": 0.02,
}


def make_events(n_events: int, n_users: int, seed: int = 0, string_ids: bool = False) -> pd.DataFrame:
    """A synthetic event log: users active around a personal start date, events spread over days."""
    rng = np.random.default_rng(seed)
    names = list(WEIGHTS)
    p = np.array([WEIGHTS[n] for n in names])
    user = rng.integers(0, n_users, n_events)
    start = rng.integers(0, 50 * 86400, n_users)  # each user's first activity (seconds)
    offset = rng.exponential(3 * 86400, n_events).astype(np.int64)
    secs = start[user] + offset
    ts = pd.Timestamp("2025-01-01").value + secs * 1_000_000_000
    codes = rng.choice(len(names), size=n_events, p=p)
    event = pd.Series(pd.Categorical.from_codes(codes, names)).astype("str")
    uid = pd.Series(user).map("u{:07d}".format).astype("str") if string_ids else user
    return pd.DataFrame({"user_id": uid, "timestamp": pd.to_datetime(ts), "event": event})


def duckdb_sql(steps: list[str], window_days: int) -> str:
    """The funnel in SQL with kpikit's semantics (ordered, earliest next step, furthest attempt)."""
    case = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(steps))
    names = ", ".join(f"'{s}'" for s in steps)
    parts = [
        f"ev AS (SELECT user_id, epoch(timestamp)::BIGINT AS t, "
        f"epoch(timestamp)::BIGINT * 8 + (CASE event {case} END) AS k, "
        f"CASE event {case} END AS r FROM events WHERE event IN ({names}))",
    ]
    for j in range(len(steps)):
        parts.append(f"s{j + 1} AS (SELECT user_id, k, t FROM ev WHERE r = {j})")
    parts.append("a1 AS (SELECT user_id, k AS k1, t AS t1 FROM s1)")
    for j in range(2, len(steps) + 1):
        prev = ", ".join(f"a.k{i}" for i in range(1, j)) + ", a.t1"
        parts.append(
            f"a{j} AS (SELECT a.user_id, {prev}, "
            f"CASE WHEN s.t <= a.t1 + {window_days * 86400} THEN s.k END AS k{j} "
            f"FROM a{j - 1} a ASOF LEFT JOIN s{j} s ON a.user_id = s.user_id AND a.k{j - 1} < s.k)"
        )
    n = len(steps)
    depth = "1 + " + " + ".join(f"(k{j} IS NOT NULL)::INT" for j in range(2, n + 1))
    parts.append(f"d AS (SELECT user_id, max({depth}) AS depth FROM a{n} GROUP BY user_id)")
    sel = ", ".join(f"count(*) FILTER (WHERE depth >= {j}) AS step{j}" for j in range(1, n + 1))
    return "WITH " + ",\n".join(parts) + f"\nSELECT {sel} FROM d"


class PeakRSS:
    """Samples the process's resident memory every few milliseconds; the peak above the start."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.page = os.sysconf("SC_PAGE_SIZE")

    def _rss(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self.page

    def __enter__(self):
        gc.collect()
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._rss())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="number of events (default 10M)")
    ap.add_argument("--users", type=int, default=None, help="number of users (default events / 10)")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's own)")
    ap.add_argument("--string-ids", action="store_true", help="string user ids instead of integers")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each engine; the best time is kept")
    args = ap.parse_args(argv)
    import duckdb

    n_users = args.users or max(args.events // 10, 1)
    t0 = time.perf_counter()
    events = make_events(args.events, n_users, string_ids=args.string_ids)
    mb = events.memory_usage(deep=True).sum() / 2**20
    print(
        f"data: {len(events):,} events, {events['user_id'].nunique():,} users, {mb:,.0f} MB in pandas "
        f"(generated in {time.perf_counter() - t0:.1f} s); funnel of {len(STEPS)} steps, 7-day window, this order"
    )

    kk_times, kk_peak = [], 0
    for _ in range(args.repeat):
        with PeakRSS() as mem:
            t = time.perf_counter()
            funnel = kf.ordered_funnel(events, STEPS, window="7D", order="this", count="users")
            kk_times.append(time.perf_counter() - t)
        kk_peak = max(kk_peak, mem.peak - mem.start)
    kk_counts = funnel["users"].tolist()

    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.register("events", events)
    sql = duckdb_sql(STEPS, 7)
    db_times, db_peak = [], 0
    for _ in range(args.repeat):
        with PeakRSS() as mem:
            t = time.perf_counter()
            row = con.execute(sql).fetchall()[0]
            db_times.append(time.perf_counter() - t)
        db_peak = max(db_peak, mem.peak - mem.start)
    db_counts = [int(v) for v in row]

    kt, dt = min(kk_times), min(db_times)
    print(f"kpikit {kf.__name__}.ordered_funnel: {kt:6.2f} s, peak memory +{kk_peak / 2**20:,.0f} MB")
    print(f"DuckDB {duckdb.__version__} SQL ({threads} threads): {dt:6.2f} s, peak memory +{db_peak / 2**20:,.0f} MB")
    print(f"ratio kpikit / DuckDB: {kt / dt:.2f} (below 1 = kpikit faster)")
    print(f"users per step: {kk_counts}")
    assert kk_counts == db_counts, f"counts differ: kpikit {kk_counts} vs DuckDB {db_counts}"
    print("counts identical: yes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
