"""The ``kpikit`` command.

``kpikit render NOTEBOOK... [-p NAME VALUE]... [-o OUTDIR] [--timeout SECONDS] [--pdf]`` executes
notebooks with papermill and writes, per notebook, the executed ``.ipynb``, an HTML report without code,
the recorded ``.kpis.json``, the report's Excel workbook and (``--pdf``) a PDF printed by headless
Chromium, then refreshes ``OUTDIR/index.html``. ``-p`` values are parsed by the type the notebook's
parameters cell declares; an unknown name, a wrong type, prose missing from the report language's
catalogue or ``--pdf`` without Chromium stops before anything runs. Each report is "ok", "ok, with
notes" (its skipped sections listed) or "failed" (with the notebook's own message).

``kpikit batch CONFIG [--jobs N] [--resume] [--only CLIENT...] [--timeout SECONDS] [--pdf]`` renders
every client x notebook of a YAML batch file into ``<output>/<run>/`` with an index and a summary (see
:mod:`kpikit.batch` and docs/batch.md); the whole file is checked before anything runs.

Exit status: 0 all rendered; 1 a notebook failed (the others still render) or the disk is full; 2 bad
parameters, batch file or usage; 75 another batch is writing the same clients into the run folder; 130
/ 143 stopped by SIGINT (Ctrl-C) / SIGTERM, after keeping the finished reports and writing the index.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpikit.errors import KpiDataError, ParameterError

__all__ = ["main"]


def _render(args: argparse.Namespace) -> int:
    from kpikit.batch.config import _yaml_surprises
    from kpikit.render import pdf_problem
    from kpikit.report import parameter_spec, parse_cli_value, validate_parameters

    notebooks = [Path(n) for n in args.notebooks]
    missing = [str(n) for n in notebooks if not n.is_file()]
    if missing:
        print(f"kpikit render: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.pdf and pdf_problem():
        print(f"kpikit render: {pdf_problem()}", file=sys.stderr)
        return 2
    # Parse and check every notebook's parameters before running any of them.
    plans = []
    problems = []
    for nb in notebooks:
        spec = parameter_spec(nb)
        values = {}
        for name, text in args.parameters:
            p = spec.get(name)
            if p is None:  # leave it for validate_parameters to report with the closest name
                values[name] = text
                continue
            try:
                values[name] = parse_cli_value(p, text)
            except ParameterError as exc:
                problems.append(f"{nb.name}: {exc}")
                continue
            problems += _yaml_surprises(values[name], f"{nb.name}: parameter {name!r}")  # {since: 2025-01-01}
        plans.append((nb, values))
        problems += [p for p in validate_parameters(spec, values, source=nb.name) if "unknown parameter" in p]
    if problems:
        print("kpikit render: invalid parameters, nothing was run:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return 2
    untranslated = [p for nb, values in plans for p in _prose_problems(nb, values)]
    if untranslated:
        print(
            "kpikit render: text missing in the report's language, nothing was run:\n  - "
            + "\n  - ".join(untranslated),
            file=sys.stderr,
        )
        return 2

    return _render_all(plans, args)


def _prose_problems(notebook: Path, values: dict) -> list[str]:
    """The notebook's prose and parameter descriptions in the report's language, checked before anything runs."""
    import nbformat

    from kpikit.errors import KpiDataError
    from kpikit.render.prose import report_language, translate_prose
    from kpikit.report.params import parameter_help, parameter_spec

    lang = report_language(notebook, values)
    problems = []
    for check in (
        lambda: translate_prose(nbformat.read(notebook, as_version=4), notebook.stem, lang),
        lambda: parameter_help(parameter_spec(notebook), notebook.stem, lang),
    ):
        try:
            check()
        except KpiDataError as exc:
            problems.append(f"{notebook.name}: {exc}")
    return problems


def _render_all(plans: list, args: argparse.Namespace) -> int:
    """Render the checked notebooks one after the other, then the index; Ctrl-C and a full disk stop the rest.

    On SIGINT or SIGTERM the running notebook's kernel is killed with its process group, the finished
    reports are kept (a report is replaced only once its new version is complete), the index is
    written for what exists and the exit status is 130 / 143.
    """
    from kpikit.batch.interrupt import (
        RunInterrupted,
        SignalGuard,
        keep_signal_handlers,
        kill_child_groups,
        stop_kernels,
    )
    from kpikit.render import DiskFullError, render_notebook, write_index

    outdir = Path(args.output)
    results, stop = [], None
    keep_signal_handlers()  # nbclient would otherwise turn Ctrl-C into a failed notebook and go on
    with SignalGuard(on_signal=kill_child_groups) as guard:  # the running kernel dies at once
        try:
            for nb, values in plans:
                print(f"rendering {nb.name} ...", flush=True)
                try:
                    res = render_notebook(nb, outdir, parameters=values, timeout=args.timeout, pdf=args.pdf)
                except (ParameterError, KpiDataError) as exc:
                    print(f"kpikit render: {exc}", file=sys.stderr)
                    return 2
                results.append(res)
                if res.ok:
                    print(f"  {res.status} in {res.duration_s:.1f} s: {res.html}")
                    for note in res.notes:
                        print(f"    note: {note}")
                else:
                    print(f"  FAILED after {res.duration_s:.1f} s: {res.error}", file=sys.stderr)
                    if res.error_page is not None:
                        print(f"    details: {res.error_page}", file=sys.stderr)
        except RunInterrupted:
            stop_kernels()
        except DiskFullError as exc:
            stop = f"kpikit render: {exc}"
        with guard.polling():
            try:
                print(f"index: {write_index(outdir, title=args.title, results=results)}")
            except DiskFullError as exc:
                stop = f"kpikit render: {exc}"
    if stop:
        print(stop, file=sys.stderr)
        return 1
    if guard.signum is not None:
        name = RunInterrupted(guard.signum).signal_name
        print(
            f"kpikit render: interrupted by {name} after {sum(r.ok for r in results)} of {len(plans)} "
            "notebooks; the finished reports are kept",
            file=sys.stderr,
        )
        return 128 + guard.signum
    failed = [r for r in results if not r.ok]
    if failed:
        print(
            f"{len(failed)} of {len(results)} notebooks failed: {', '.join(r.notebook.name for r in failed)}",
            file=sys.stderr,
        )
        return 1
    return 0


def _batch(args: argparse.Namespace) -> int:
    from kpikit.batch.command import run_from_args

    return run_from_args(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``kpikit`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
    from kpikit import __version__

    parser = argparse.ArgumentParser(prog="kpikit", description="kpikit: KPI reports from notebooks.")
    parser.add_argument("--version", action="version", version=f"kpikit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="execute notebooks and write HTML reports, executed notebooks and KPIs")
    r.add_argument("notebooks", nargs="+", help="notebook file(s) to render")
    r.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="override a parameter (repeatable); parsed by its declared type",
    )
    r.add_argument("-o", "--output", default="reports/interactive", help="output folder (default: reports/interactive)")
    r.add_argument("--timeout", type=float, default=None, help="per-cell timeout in seconds")
    r.add_argument("--title", default="kpikit reports", help="title of the index page")
    r.add_argument("--pdf", action="store_true", help="also print each report to NN_name.pdf (needs Chromium)")
    r.set_defaults(func=_render)
    b = sub.add_parser("batch", help="render many clients x notebooks from a YAML batch file, with index and summary")
    from kpikit.batch.command import add_arguments

    add_arguments(b)
    b.set_defaults(func=_batch)
    from kpikit.workshop import command as workshop

    w = sub.add_parser("workshop", help="write the workshop's student and teacher editions (.ipynb and HTML)")
    workshop.add_arguments(w).set_defaults(func=workshop.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kpikit`` command (``render`` and ``batch``).

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (see the module docstring): 0 all rendered, 1 a notebook failed, 2 bad
        parameters, batch file or usage, 75 clients locked by another batch, 130 / 143 interrupted.
    """
    from kpikit.batch.interrupt import exit_on_signals, restore_signals

    previous = exit_on_signals()  # a Ctrl-C before a run's own handling starts: exit 130, quietly
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    finally:
        restore_signals(previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
