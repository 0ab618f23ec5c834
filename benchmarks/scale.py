"""Benchmark: kpikit on event exports beyond memory (DuckDB over Parquet), against hand-written DuckDB SQL.

Four measurements, each engine in a fresh process (so that its peak memory is its own), each printed
with the hand-written DuckDB SQL query over the same data in the same run and the ratio of the times:

1. ``sessions``: GA4-style events in Parquet partitions (default 30M events, about 11M sessions);
   ``kk.web.sessions_from_events(folder)`` + ``kk.web.bounce_rate(sessions, by="landing_page")`` on the
   lazy path, against one SQL query computing the same bounce table (same session rules) with
   ``read_parquet``. Target: at most 1.5x the query's time, peak memory under 3 GB.
2. ``big``: the same at 100M events (default): kpikit's time and peak memory (it must complete).
3. ``memory``: 2.4M events in a pandas DataFrame: kpikit's pandas path (and its DuckDB path on the same
   frame, ``engine="duckdb"``) against the SQL query over the same DataFrame. Target: pandas within 1.5x.
4. ``funnel``: 30M events in Parquet, a 5-step "this order" funnel with a 7-day window, unique users:
   ``kk.funnel.ordered_funnel(folder, ...)`` against DuckDB SQL with ASOF joins. Target: within 1.5x.

The results are compared (bounce tables: counts exactly, floats to 1e-9 relative; funnel counts
exactly). The Parquet files are written once into ``--folder``
and reused (default the system temporary folder, ``kpikit-scale``). Peak memory is the process's maximum resident set size (``ru_maxrss``), data generation
excluded (the data are read from the files in the measuring process; ``VmHWM``).

Usage::

    .venv/bin/python benchmarks/scale.py                       # full size: 30M, 100M, 2.4M, 30M events
    .venv/bin/python benchmarks/scale.py --events 1000000 --big 0 --memory-events 300000 --funnel-events 1000000
    .venv/bin/python benchmarks/scale.py --only sessions       # one measurement

DuckDB uses every core and kpikit's memory limit (``kpikit.io.lazy.DEFAULT_DUCKDB_MEMORY``, 2 GB) unless
``--threads`` / ``--memory-limit`` say otherwise; both engines get the same settings.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FUNNEL_STEPS = ["session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"]
CHUNK = 5_000_000  # events generated and written per Parquet part

# --------------------------------------------------------------------------------------------------
# data


def write_sessions_data(folder: Path, n_events: int, seed: int = 0) -> Path:
    """GA4-style events (benchmarks/sessions.py's generator) as Parquet parts, users distinct per part."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from sessions import generate_events

    out = folder / f"events_{n_events}"
    if (out / "_done").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    left, part = n_events, 0
    while left > 0:
        n = min(CHUNK, left)
        ev = generate_events(n, seed=seed + part)
        ev = ev.iloc[np.argsort(ev["timestamp"].to_numpy(), kind="stable")].reset_index(drop=True)
        table = pa.Table.from_pandas(ev, preserve_index=False)
        uid = pc.binary_join_element_wise(f"p{part}", pc.cast(table["user_id"].combine_chunks(), pa.string()), "-")
        table = table.set_column(table.schema.get_field_index("user_id"), "user_id", uid)
        us = [pa.field(f.name, pa.timestamp("us")) if f.name == "timestamp" else f for f in table.schema]
        table = table.cast(pa.schema(us), safe=False)  # GA4 keeps microseconds
        pq.write_table(table, out / f"events_{part:03d}.parquet", row_group_size=1_000_000)
        left -= n
        part += 1
    (out / "_done").write_text("")
    return out


def write_funnel_data(folder: Path, n_events: int, seed: int = 0) -> Path:
    """The funnel benchmark's events (benchmarks/funnel.py's generator, string user ids) as Parquet parts."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from funnel import make_events

    out = folder / f"funnel_{n_events}"
    if (out / "_done").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    left, part = n_events, 0
    while left > 0:
        n = min(CHUNK, left)
        ev = make_events(n, max(n // 10, 1), seed=seed + part, string_ids=True)
        ev["user_id"] = f"p{part}-" + ev["user_id"]
        table = pa.Table.from_pandas(ev, preserve_index=False)
        table = table.cast(pa.schema([pa.field("user_id", pa.string()), pa.field("timestamp", pa.timestamp("us")),
                                      pa.field("event", pa.string())]))  # fmt: skip
        pq.write_table(table, out / f"events_{part:03d}.parquet", row_group_size=1_000_000)
        left -= n
        part += 1
    (out / "_done").write_text("")
    return out


# --------------------------------------------------------------------------------------------------
# the hand-written queries


def bounce_sql(source: str) -> str:
    """Bounce rate by landing page of the sessions of ``source`` (GA4 rules, as kpikit's), in one query."""
    import kpikit as kk

    key = "'" + "', '".join(kk.web.DEFAULT_KEY_EVENTS) + "'"
    return f"""
WITH s AS (
  SELECT
    coalesce(arg_min(page, timestamp) FILTER (WHERE event = 'page_view'), '(not set)') AS landing_page,
    count(*) FILTER (WHERE event = 'page_view') AS pageviews,
    coalesce(sum(engagement_time_msec), 0) / 1000.0 AS engagement_time_s,
    count(*) FILTER (WHERE event IN ({key})) AS conversions
  FROM {source}
  GROUP BY user_id, session_id
)
SELECT landing_page,
  count(*) AS sessions,
  count(*) FILTER (WHERE NOT (engagement_time_s > 10 OR conversions > 0 OR pageviews >= 2)) AS bounces,
  sum(pageviews) AS pageviews,
  avg(engagement_time_s) AS engagement_time_mean_s,
  median(engagement_time_s) AS engagement_time_median_s,
  count(*) FILTER (WHERE conversions > 0) AS converted_sessions
FROM s
GROUP BY landing_page
ORDER BY landing_page
"""


def _parquet(folder: Path) -> str:
    return f"read_parquet('{folder}/*.parquet')"


def _duckdb(args):
    import duckdb

    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    if args.memory_limit:
        con.execute(f"SET memory_limit = '{args.memory_limit}'")
    return con


def _kpikit_connection(args) -> None:
    from kpikit.io.lazy import connect

    connect(threads=args.threads, memory_limit=args.memory_limit)


# --------------------------------------------------------------------------------------------------
# one measurement, in this process


def measure(kind: str, engine: str, data: Path, args) -> dict:
    """Run one engine on one measurement; the result table as records and the time."""
    import kpikit as kk

    t = time.perf_counter()
    if kind in ("sessions", "big"):
        if engine == "kpikit":
            _kpikit_connection(args)
            sessions = kk.web.sessions_from_events(data)
            out = kk.web.bounce_rate(sessions, by="landing_page")
        else:
            out = _duckdb(args).execute(bounce_sql(_parquet(data))).df()
    elif kind == "memory":
        events = pd.read_parquet(data)
        if args.memory_events < len(events):
            events = events.iloc[: args.memory_events]
        for c in ("event", "page", "source", "medium", "channel", "device", "country"):
            events[c] = events[c].astype("category")
        t = time.perf_counter()
        if engine in ("kpikit", "kpikit-duckdb"):
            if engine == "kpikit-duckdb":
                _kpikit_connection(args)
            sessions = kk.web.sessions_from_events(events, engine="duckdb" if engine == "kpikit-duckdb" else "pandas")
            out = kk.web.bounce_rate(sessions, by="landing_page")
        else:
            con = _duckdb(args)
            con.register("ev", events)
            out = con.execute(bounce_sql("ev")).df()
    else:
        from funnel import duckdb_sql

        if engine == "kpikit":
            _kpikit_connection(args)
            out = kk.funnel.ordered_funnel(data, FUNNEL_STEPS, window="7D", order="this", count="users")
            out = pd.DataFrame({"users": out["users"]})
        else:
            con = _duckdb(args)
            con.execute(f"CREATE VIEW events AS SELECT * FROM {_parquet(data)}")
            row = con.execute(duckdb_sql(FUNNEL_STEPS, 7)).fetchall()[0]
            out = pd.DataFrame({"users": [int(v) for v in row]})
    secs = time.perf_counter() - t
    cols = [c for c in ("landing_page", "sessions", "bounces", "engagement_time_mean_s", "users") if c in out.columns]
    table = out[cols].assign(**({"landing_page": out["landing_page"].astype(str)} if "landing_page" in cols else {}))
    return {"seconds": secs, "table": table.to_dict("list")}


def _peak_rss() -> int:
    """This process's peak resident set size in bytes: VmHWM, which a fresh process does not inherit
    (``ru_maxrss`` keeps the parent's peak across fork and exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_child(kind: str, engine: str, data: Path, args) -> dict:
    """One measurement in a fresh process: its time, its peak memory and its result."""
    cmd = [sys.executable, __file__, "--child", kind, engine, str(data), "--memory-events", str(args.memory_events)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.memory_limit:
        cmd += ["--memory-limit", args.memory_limit]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{kind}/{engine} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def same(a: dict, b: dict) -> bool:
    """Whether two result tables agree: counts exactly, floats to 1e-9 relative."""
    x, y = pd.DataFrame(a["table"]), pd.DataFrame(b["table"])
    key = "landing_page" if "landing_page" in x.columns else None
    if key:
        x, y = x.sort_values(key).reset_index(drop=True), y.sort_values(key).reset_index(drop=True)
    if list(x.columns) != list(y.columns) or len(x) != len(y):
        return False
    for c in x.columns:
        if c == "engagement_time_mean_s":
            if not np.allclose(x[c].to_numpy(float), y[c].to_numpy(float), rtol=1e-9, atol=0):
                return False
        elif x[c].astype(str).tolist() != y[c].astype(str).tolist():
            return False
    return True


def report(title: str, runs: dict, target: float | None) -> None:
    ref = runs.get("duckdb-sql")
    print(f"\n{title}")
    print(f"  {'engine':<16} {'time (s)':>9} {'peak RSS':>10} {'ratio to SQL':>13}")
    for name, r in runs.items():
        ratio = f"{r['seconds'] / ref['seconds']:.2f}" if ref else "-"
        print(f"  {name:<16} {r['seconds']:>9.2f} {r['peak_gb']:>8.2f} GB {ratio:>13}")
    if ref:
        for name, r in runs.items():
            if name != "duckdb-sql":
                print(f"  {name} vs duckdb-sql: results {'identical' if same(r, ref) else 'DIFFER'}")
        if target and "kpikit" in runs:
            ratio = runs["kpikit"]["seconds"] / ref["seconds"]
            print(f"  target kpikit <= {target}x the query: {'met' if ratio <= target else 'NOT met'} ({ratio:.2f}x)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=float, default=30e6, help="events of the sessions measurement (default 30M)")
    ap.add_argument("--big", type=float, default=100e6, help="events of the completion run (default 100M; 0: skip)")
    ap.add_argument("--memory-events", type=float, default=2.4e6, help="events of the in-memory run (default 2.4M)")
    ap.add_argument("--funnel-events", type=float, default=30e6, help="events of the funnel run (default 30M)")
    ap.add_argument("--only", choices=["sessions", "big", "memory", "funnel"], action="append")
    ap.add_argument(
        "--folder",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kpikit-scale",
        help="where the Parquet files are kept",
    )
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads for both engines (default all cores)")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory limit for both engines (default kpikit's, 2GB)")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "ENGINE", "DATA"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.memory_events = int(args.memory_events)
    if args.memory_limit is None:
        from kpikit.io.lazy import DEFAULT_DUCKDB_MEMORY

        args.memory_limit = os.environ.get("KPIKIT_DUCKDB_MEMORY") or DEFAULT_DUCKDB_MEMORY

    if args.child:
        kind, engine, data = args.child
        out = measure(kind, engine, Path(data), args)
        out["peak_gb"] = _peak_rss() / 1e9
        print(json.dumps(out, default=str))
        return 0

    import duckdb
    import ibis

    import kpikit as kk

    print(
        f"kpikit {kk.__version__}, ibis {ibis.__version__}, duckdb {duckdb.__version__}, pandas {pd.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, threads {args.threads or 'all'}, "
        f"memory limit {args.memory_limit or 'DuckDB default'}"
    )
    todo = args.only or ["sessions", "big", "memory", "funnel"]
    if args.big <= 0 and "big" in todo:
        todo.remove("big")
    for kind in todo:
        n = int({"sessions": args.events, "big": args.big, "memory": args.memory_events,
                 "funnel": args.funnel_events}[kind])  # fmt: skip
        t = time.perf_counter()
        if kind == "funnel":
            data = write_funnel_data(args.folder, n)
        else:
            data = write_sessions_data(args.folder, max(n, int(args.memory_events)) if kind == "memory" else n)
        size = sum(p.stat().st_size for p in data.glob("*.parquet")) / 1e9
        print(f"\n[{kind}] data: {data} ({size:.2f} GB of Parquet, ready in {time.perf_counter() - t:.1f} s)")
        engines = {
            "sessions": ["kpikit", "duckdb-sql"],
            "big": ["kpikit", "duckdb-sql"],
            "memory": ["kpikit", "kpikit-duckdb", "duckdb-sql"],
            "funnel": ["kpikit", "duckdb-sql"],
        }[kind]
        runs = {e: run_child(kind, e, data, args) for e in engines}
        if kind in ("sessions", "big"):
            n_sessions = sum(runs["duckdb-sql"]["table"]["sessions"])
            title = f"{kind}: {n:,} events, {n_sessions:,} sessions; sessions + bounce rate by landing page"
        elif kind == "memory":
            title = f"memory: {args.memory_events:,} events in a pandas DataFrame; sessions + bounce by landing page"
        else:
            title = f"funnel: {n:,} events, {len(FUNNEL_STEPS)} steps, 7-day window, users per step "
            title += str(runs["duckdb-sql"]["table"]["users"])
        report(title, runs, {"sessions": 1.5, "memory": 1.5, "funnel": 1.5}.get(kind))
        if kind in ("sessions", "big"):
            print(f"  target peak memory under 3 GB: {'met' if runs['kpikit']['peak_gb'] < 3 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
