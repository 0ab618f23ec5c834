"""Benchmark: `kpikit batch` against a plain papermill + nbconvert process pool, same reports.

Builds N reports (default 16): the notebooks of notebooks/ over the clients of
data/sample/batch.yaml, client after client, repeating the clients (same data, new names) when the
three of them do not make N. Then, with the same number of worker processes (default: the cores):

1. ``kpikit batch`` on a temporary batch file (run as the command, so its start-up counts);
2. a plain pool: ``concurrent.futures.ProcessPoolExecutor``, each task running
   ``papermill.execute_notebook`` (fresh kernel per report, as papermill does), then
   ``nbconvert.HTMLExporter(exclude_input=True)`` for the HTML, and writing the recorded KPIs.

It prints both wall times, reports per minute and the throughput ratio, and checks that every
report's KPI JSON is identical in the two runs (exit status 1 if not). Target (issue 8): at least 2x.

Usage::

    .venv/bin/python benchmarks/batch.py                 # 16 reports, jobs = cores
    .venv/bin/python benchmarks/batch.py --reports 6 --jobs 2
    .venv/bin/python benchmarks/batch.py --notebooks 00_data_overview   # light reports: fixed costs dominate
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def plain_task(nb: str, params: dict, out_dir: str) -> tuple[str, float]:
    """One report the plain way: papermill, then nbconvert, then the KPIs beside it."""
    import papermill as pm
    from nbconvert import HTMLExporter

    from kpikit.report import read_kpis

    t0 = time.perf_counter()
    nb = Path(nb)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ipynb = out / nb.name
    pm.execute_notebook(
        str(nb),
        str(ipynb),
        parameters=params,
        kernel_name="python3",
        cwd=str(nb.parent),
        progress_bar=False,
        log_output=False,
    )
    body, _ = HTMLExporter(exclude_input=True).from_filename(str(ipynb))
    (out / f"{nb.stem}.html").write_text(body, encoding="utf-8")
    (out / f"{nb.stem}.kpis.json").write_text(json.dumps({"kpis": read_kpis(ipynb)}, indent=2, sort_keys=True))
    return str(ipynb), time.perf_counter() - t0


def build_config(workdir: Path, reports: int, only_notebooks: list[str] | None = None) -> tuple[Path, list]:
    """A batch file with exactly ``reports`` reports over the sample clients; returns it and the plan."""
    import yaml

    from kpikit.batch import load_config, plan_tasks

    sample = load_config(REPO / "data" / "sample" / "batch.yaml")
    notebooks = [n for n in sample.notebooks if not only_notebooks or n in only_notebooks]
    clients = []
    left, i = reports, 0
    while left > 0:
        base = sample.clients[i % len(sample.clients)]
        take = notebooks[: min(left, len(notebooks))]
        name = base.name if i < len(sample.clients) else f"{base.name}-{i // len(sample.clients) + 1}"
        params = dict(base.parameters)
        clients.append({"name": name, "data": str(base.data_dir), "parameters": params, "notebooks": take})
        left -= len(take)
        i += 1
    cfg = {
        "run": "bench",
        "output": str(workdir / "kpikit"),
        "notebook_dir": str(sample.notebook_dir),
        "timeout": 900,
        "clients": clients,
    }
    path = workdir / "batch.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path, plan_tasks(load_config(path))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=16)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--notebooks",
        nargs="+",
        default=None,
        metavar="NN_name",
        help="only these notebooks (default: all of notebooks/)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="run both this many times (alternating); report the best")
    ap.add_argument("--keep", action="store_true", help="keep the output folder")
    args = ap.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="kpikit-bench-"))
    cfg, tasks = build_config(workdir, args.reports, args.notebooks)
    print(
        f"kpikit batch benchmark: {len(tasks)} reports ({len({t.notebook.name for t in tasks})} notebooks x "
        f"{len({t.client for t in tasks})} clients), {args.jobs} workers, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    print(f"work folder: {workdir}")

    t_kpikit_all, t_plain_all, durations = [], [], []
    mismatches: list[str] = []
    for rep in range(args.repeat):  # alternate the two, so a busy moment does not favour one
        shutil.rmtree(workdir / "kpikit", ignore_errors=True)
        shutil.rmtree(workdir / "plain", ignore_errors=True)

        # 1. kpikit batch, as the command
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "kpikit.batch", str(cfg), "--jobs", str(args.jobs), "--no-progress"],
            capture_output=True,
            text=True,
        )
        t_kpikit_all.append(time.perf_counter() - t0)
        print(f"run {rep + 1}: " + proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "")
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            print("kpikit batch failed", file=sys.stderr)
            return 1

        # 2. the plain pool
        t0 = time.perf_counter()
        with cf.ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = [
                pool.submit(plain_task, str(t.notebook), t.parameters, str(workdir / "plain" / t.client)) for t in tasks
            ]
            durations = [f.result()[1] for f in futures]
        t_plain_all.append(time.perf_counter() - t0)
        print(f"run {rep + 1}: plain pool {t_plain_all[-1]:.1f} s", flush=True)

        # identical KPIs
        for t in tasks:
            a = json.loads((workdir / "kpikit" / "bench" / t.client / f"{t.notebook.stem}.kpis.json").read_text())[
                "kpis"
            ]
            b = json.loads((workdir / "plain" / t.client / f"{t.notebook.stem}.kpis.json").read_text())["kpis"]
            if a != b and t.key not in mismatches:
                mismatches.append(t.key)
    t_kpikit, t_plain = min(t_kpikit_all), min(t_plain_all)

    n = len(tasks)
    print()
    if args.repeat > 1:
        print(
            f"best of {args.repeat} runs each (kpikit: {', '.join(f'{x:.1f}' for x in t_kpikit_all)} s; "
            f"plain: {', '.join(f'{x:.1f}' for x in t_plain_all)} s)"
        )
    print(f"{'':28s}{'wall time':>12s}{'reports/min':>14s}")
    print(f"{'kpikit batch (warm kernels)':28s}{t_kpikit:11.1f}s{n / t_kpikit * 60:14.1f}")
    print(f"{'papermill + nbconvert pool':28s}{t_plain:11.1f}s{n / t_plain * 60:14.1f}")
    print(
        f"throughput ratio: {t_plain / t_kpikit:.2f}x (target >= 2x); plain pool mean per report {sum(durations) / n:.1f} s"
    )
    print(
        f"KPI JSON identical for {n - len(mismatches)} of {n} reports"
        + (f"; DIFFERENT: {', '.join(mismatches)}" if mismatches else "")
    )
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
