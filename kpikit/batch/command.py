"""The ``kpikit batch`` command and the example clients."""

from __future__ import annotations

import argparse
import errno
import shutil
import sys
import tempfile
from pathlib import Path

from kpikit.batch.config import BatchConfigError
from kpikit.batch.outputs import print_summary
from kpikit.batch.run import run_batch

__all__ = ["SAMPLE_CLIENTS", "EXIT_LOCKED", "make_sample", "main", "add_arguments", "run_from_args"]


#: The example clients of data/sample/batch.yaml: folder name -> generate() arguments.
SAMPLE_CLIENTS: dict[str, dict] = {
    "juniper-box": {"seed": 101, "client": "Juniper Box", "sessions": 3000, "effects": True},
    "harbor-tea": {"seed": 202, "client": "Harbor Tea Co", "sessions": 3000, "effects": True},
    "quill-paper": {"seed": 303, "client": "Quill & Paper", "sessions": 3000, "effects": False},
}


def make_sample(dest: str | Path | None = None) -> dict[str, Path]:
    """(Re)generate the example clients' data under ``data/sample/clients/`` byte for byte.

    Each client folder holds the canonical tables of :func:`kpikit.sample.generate` (with the
    arguments of :data:`SAMPLE_CLIENTS`) gzip-compressed as ``<table>.csv.gz`` (``mtime=0``, so the
    bytes are reproducible), its two small landing-page exports and its README; the large BigQuery
    extract is left out to keep data/sample under 10 MB.

    Parameters
    ----------
    dest : str or Path, optional
        The folder to write the client folders into (default: ``data/sample/clients`` of the
        repository). Existing client folders there are replaced.

    Returns
    -------
    dict
        Client folder name -> folder.
    """
    import gzip

    from kpikit import sample

    dest = Path(dest) if dest is not None else Path(__file__).resolve().parent.parent / "data" / "sample" / "clients"
    out = {}
    for name, kwargs in SAMPLE_CLIENTS.items():
        folder = dest / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            for key, path in sorted(sample.generate(tmp, **kwargs).items()):
                path = Path(path)
                if path.name == "ga4_bigquery_events.jsonl":
                    continue
                if key in sample.TABLES and path.suffix == ".csv":
                    with open(path, "rb") as src, open(folder / (path.name + ".gz"), "wb") as raw:
                        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                            shutil.copyfileobj(src, gz)
                else:
                    shutil.copyfile(path, folder / path.name)
        out[name] = folder
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``kpikit batch`` arguments to a parser (used by ``kpikit batch`` and ``python -m kpikit.batch``).

    Parameters
    ----------
    p : argparse.ArgumentParser
        The parser (or sub-command parser) to extend.
    """
    p.add_argument("config", help="YAML batch file (see docs/batch.md)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: number of cores)")
    p.add_argument("--resume", action="store_true", help="skip reports whose outputs are complete and inputs unchanged")
    p.add_argument("--only", nargs="+", metavar="CLIENT", default=None, help="run only these clients")
    p.add_argument(
        "--timeout", type=float, default=None, help="per-cell timeout in seconds (default: the batch file's, else 600)"
    )
    p.add_argument(
        "--cold", action="store_true", help="start every kernel from scratch instead of forking warm kernels"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print each report to NN_name.pdf with headless Chromium (as the batch file's pdf: true)",
    )


#: Exit status when another run holds the clients' reports (EX_TEMPFAIL: nothing was run, try again later).
EXIT_LOCKED = 75


def run_from_args(args: argparse.Namespace) -> int:
    """Run ``kpikit batch`` from parsed arguments and print the summary.

    Parameters
    ----------
    args : argparse.Namespace
        The arguments of :func:`add_arguments`.

    Returns
    -------
    int
        The exit status: 0 ok; 1 a report failed, or a full disk stopped the run; 2 bad batch file,
        ``--jobs``, or PDFs asked for without Chromium (nothing was run); 75 another run is writing the same clients into the run folder (nothing was
        run); 130 / 143 stopped by SIGINT (Ctrl-C) / SIGTERM, after writing the index for what exists.
    """
    from kpikit.batch.interrupt import RunInterrupted
    from kpikit.batch.lock import RunLockError
    from kpikit.render import DiskFullError

    if args.jobs is not None and args.jobs < 1:
        print("kpikit batch: --jobs must be at least 1", file=sys.stderr)
        return 2
    if getattr(args, "pdf", False):
        from kpikit.render import pdf_problem

        if pdf_problem():
            print(f"kpikit batch: {pdf_problem()}", file=sys.stderr)
            return 2
    try:
        res = run_batch(
            args.config,
            jobs=args.jobs,
            resume=args.resume,
            only=args.only,
            timeout=args.timeout,
            warm=not args.cold,
            progress=not args.no_progress,
            pdf=True if getattr(args, "pdf", False) else None,
        )
    except BatchConfigError as exc:
        print(f"kpikit batch: {exc}", file=sys.stderr)
        return 2
    except RunLockError as exc:
        print(f"kpikit batch: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except DiskFullError as exc:
        print(
            f"kpikit batch: {exc} The reports already written are kept; run again with --resume "
            "to render only the rest.",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:  # a full disk where the run creates its folders or lock files
        if exc.errno not in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise
        print(
            f"kpikit batch: no space left to write {exc.filename or 'the run folder'}: {exc.strerror}; free some space, then run again.",
            file=sys.stderr,
        )
        return 1
    except RunInterrupted as exc:
        if exc.result is not None:
            print_summary(exc.result)
        else:
            print(f"kpikit batch: interrupted by {exc.signal_name} before anything ran", file=sys.stderr)
        return exc.exit_status
    print_summary(res)
    if any((r.error or {}).get("kind") == "disk full" for r in res.failed):
        print("kpikit batch: free some space, then run again with --resume to render only the rest.", file=sys.stderr)
    return res.exit_status


def main(argv: list[str] | None = None) -> int:
    """``python -m kpikit.batch CONFIG ...`` (same as ``kpikit batch``) or ``--make-sample [DEST]``.

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (see :func:`run_from_args`); 0 after ``--make-sample``.
    """
    from kpikit.batch.interrupt import exit_on_signals, restore_signals

    previous = exit_on_signals()
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        restore_signals(previous)


def _main(argv: list[str]) -> int:
    if argv and argv[0] == "--make-sample":
        folders = make_sample(argv[1] if len(argv) > 1 else None)
        for name, folder in folders.items():
            print(f"{name}: {folder}")
        return 0
    p = argparse.ArgumentParser(prog="python -m kpikit.batch", description="Render notebooks for many clients.")
    add_arguments(p)
    return run_from_args(p.parse_args(argv))
