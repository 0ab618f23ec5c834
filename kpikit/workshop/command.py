"""The ``kpikit workshop OUT [--lang vi]`` command: student and teacher editions of the workshop.

``kpikit.cli`` adds the subcommand with :func:`add_arguments` and runs it with :func:`run`.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``workshop`` subcommand's arguments to its parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser (``sub.add_parser("workshop", ...)``).

    Returns
    -------
    argparse.ArgumentParser
        The same parser, so that ``add_arguments(...).set_defaults(func=run)`` reads in one line.
    """
    from kpikit.i18n import SOURCE_LANGUAGE, languages

    parser.description = (
        "Run the workshop notebooks once and write a student edition (code, no solutions, exercise "
        "outputs cleared) and a teacher edition (with solutions), as .ipynb and HTML, into OUT/student/ "
        "and OUT/teacher/, with OUT/index.html linking them."
    )
    parser.add_argument("out", metavar="OUT", help="output folder")
    parser.add_argument(
        "--lang",
        default=SOURCE_LANGUAGE,
        choices=languages(),
        help=f"language of the headings, prose, labels and tables (default: {SOURCE_LANGUAGE})",
    )
    parser.add_argument(
        "--notebook",
        dest="notebooks",
        action="append",
        default=None,
        metavar="PATH",
        help="build only this workshop notebook (repeatable; default: all of notebooks/workshop)",
    )
    parser.add_argument("--data-dir", default=None, help="data folder for the notebooks (default: data/sample)")
    parser.add_argument("--timeout", type=float, default=None, help="per-cell timeout in seconds")
    return parser


def run(args: argparse.Namespace) -> int:
    """Build the editions the arguments ask for and say where they are.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of :func:`add_arguments`.

    Returns
    -------
    int
        0 when every notebook's editions were written, 1 when a notebook failed (the others are
        still written), 2 for a usage error (an unknown data folder or notebook).
    """
    from pathlib import Path

    from kpikit.errors import KpiDataError
    from kpikit.workshop.editions import build_editions

    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        print(f"kpikit workshop: no data folder {args.data_dir!r}.", file=sys.stderr)
        return 2
    missing = [p for p in args.notebooks or [] if not Path(p).is_file()]
    if missing:
        print(f"kpikit workshop: no notebook {', '.join(map(repr, missing))}.", file=sys.stderr)
        return 2
    try:
        results = build_editions(
            args.out, lang=args.lang, notebooks=args.notebooks, data_dir=args.data_dir, timeout=args.timeout
        )
    except KpiDataError as exc:
        print(f"kpikit workshop: {exc}", file=sys.stderr)
        return 2
    for r in results:
        if r.ok:
            print(f"{r.notebook.stem}: " + ", ".join(str(p) for files in r.files.values() for p in files))
        else:
            print(f"{r.notebook.stem}: FAILED: {r.error}", file=sys.stderr)
    print(f"index: {Path(args.out) / 'index.html'}")
    return 0 if all(r.ok for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    """Run the command on its own (``python -m kpikit.workshop.command OUT``).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status of :func:`run`.
    """
    parser = add_arguments(argparse.ArgumentParser(prog="kpikit workshop"))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
