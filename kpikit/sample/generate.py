"""Writing a sample folder: ``python -m kpikit.sample OUTDIR --seed N``."""

from __future__ import annotations

import argparse
import pathlib
from collections.abc import Mapping, Sequence

import numpy as np

from kpikit.sample.build import _build
from kpikit.sample.config import EXPORTS, TABLES, _config
from kpikit.sample.exports import (
    _FORMATS,
    _GZIPPED,
    _as_text,
    _csv_bytes,
    _ga4_bigquery_jsonl,
    _ga4_landing_pages,
    _gzip,
    _ua_end,
    _ua_landing_pages,
    _write,
)
from kpikit.sample.readme import _readme

__all__ = ["generate", "main"]


def generate(
    outdir: str | pathlib.Path,
    seed: int = 42,
    client: str = "Juniper Box",
    start: str = "2024-01-01",
    months: int = 18,
    sessions: int = 20_000,
    effects: bool | Mapping[str, float] = True,
) -> dict[str, pathlib.Path]:
    """Write the sample business into ``outdir``, byte for byte reproducibly.

    Writes ``<table>.csv`` for every table of :data:`TABLES` (``<table>.csv.gz`` for the large
    events, sessions and touchpoints tables: gzip with ``mtime=0`` and no file name in the header),
    the client exports of :data:`EXPORTS` and ``README.md`` (files, row counts,
    conventions and the planted effects measured on the data). Existing files of the same names
    are replaced (each written to a temporary name, then renamed); other files are left alone.

    Parameters
    ----------
    outdir : str or Path
        Folder to write (created if missing).
    seed, client, start, months, sessions, effects
        As in :func:`make_tables`.

    Returns
    -------
    dict of str to Path
        Table or export name (and ``"readme"``) -> written file.

    Examples
    --------
    >>> paths = generate("/tmp/sample7", seed=7)  # doctest: +SKIP
    >>> paths["events"].name  # doctest: +SKIP
    'events.csv.gz'
    """
    cfg = _config(seed, client, start, months, sessions, effects)
    tables = _build(cfg)
    out = pathlib.Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, pathlib.Path] = {}
    files: dict[str, str] = {}
    for name in TABLES:
        data = _csv_bytes(_as_text(tables[name], _FORMATS.get(name, {})))
        fname = f"{name}.csv.gz" if name in _GZIPPED else f"{name}.csv"
        if name in _GZIPPED:
            data = _gzip(data)
        _write(out / fname, data)
        paths[name] = out / fname
        files[name] = fname
    # the tenth child of the seed: the nine before it are the tables' generators (build._build)
    export_rng = np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(10)[9])
    exports = {
        "ga4_bigquery_events": _ga4_bigquery_jsonl(export_rng, tables["events"], tables["sessions"]),
        "ua_landing_pages": _ua_landing_pages(tables["events"], tables["sessions"], cfg),
        "ga4_landing_pages": _ga4_landing_pages(tables["events"], tables["sessions"], cfg),
    }
    sizes = {
        "ga4_bigquery_events": exports["ga4_bigquery_events"].count(b"\n"),
        "ua_landing_pages": tables["sessions"]
        .loc[tables["sessions"]["start"] < _ua_end(cfg), "landing_page"]
        .nunique(),
        "ga4_landing_pages": tables["sessions"]["landing_page"].nunique(),
    }
    for name, data in exports.items():
        _write(out / EXPORTS[name], data)
        paths[name] = out / EXPORTS[name]
    _write(out / "README.md", _readme(cfg, tables, files, sizes))
    paths["readme"] = out / "README.md"
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m kpikit.sample OUTDIR [--seed N] [--client NAME] [--sessions N] [--no-effects]``.

    Writes the folder with :func:`generate` and prints one line per written file.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``None`` reads them from ``sys.argv``.

    Returns
    -------
    int
        The exit code: 0 when the folder was written (bad arguments exit through argparse with 2).
    """
    parser = argparse.ArgumentParser(
        prog="python -m kpikit.sample",
        description="Write the deterministic kpikit sample data (all canonical tables) into OUTDIR.",
    )
    parser.add_argument("outdir", help="folder to write, e.g. data/sample")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42: the committed data)")
    parser.add_argument("--client", default="Juniper Box", help='business name (default "Juniper Box")')
    parser.add_argument("--sessions", type=int, default=20_000, help="number of web sessions (default 20000)")
    parser.add_argument("--no-effects", action="store_true", help="generate without the planted effects")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error("--seed must be a non-negative integer")
    paths = generate(
        args.outdir, seed=args.seed, client=args.client, sessions=args.sessions, effects=not args.no_effects
    )
    for name, path in paths.items():
        print(f"{name:22s} {path}")
    return 0
