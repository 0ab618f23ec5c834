"""What a run of a notebook amounts to: ok, ok with notes (skipped sections), or failed, and why.

The renderer executes a notebook with the kit's data errors allowed (nbclient's ``allow_error_names``
set to :data:`ALLOWED_ERROR_NAMES`), then calls :func:`classify` on the executed notebook:

- a cell whose error is a ``KpiDataError`` or ``ConvergenceError`` (or a subclass) is a **skipped
  section**: its error output becomes a note (the error's message, in the client's terms);
- a later cell failing with a ``NameError`` for a name assigned in a skipped cell is skipped with it,
  silently (the note already says why);
- any other error, or any error in a cell tagged ``setup`` (the ``kk.report.start`` cell), fails the
  report, whose message is the exception's own text (never "KeyError (cell 3)").

Only notebooks on the report framework (a cell tagged ``setup``) have sections that may be skipped: the
renderer allows the kit's errors in them alone, and :func:`classify` reads every error of any other
notebook as fatal (a notebook not yet on ``kk.report.start`` stops at its first error, as it always did).

Pure functions: the input notebook is not changed.
"""

from __future__ import annotations

import ast
import copy
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kpikit.errors import ConvergenceError, KpiDataError

__all__ = ["ALLOWED_ERROR_NAMES", "NOTE_CLASS", "Outcome", "classify", "allowed_error_names", "assigned_names"]

#: The CSS class of the note that replaces a skipped section's error.
NOTE_CLASS = "kpikit-note"

#: Tag of the cell whose failure fails the report whatever the error (the ``kk.report.start`` cell).
SETUP_TAG = "setup"

#: Tag papermill gives the error banners it inserts when a run raised.
PAPERMILL_BANNER_TAG = "papermill-error-cell-tag"

_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")


def _subclasses(cls: type) -> list[type]:
    out = [cls]
    for sub in cls.__subclasses__():
        out += _subclasses(sub)
    return out


def allowed_error_names() -> tuple[str, ...]:
    """Names of the errors a section may end with: every KpiDataError and ConvergenceError subclass, NameError.

    Computed from the classes loaded now (the kit's error classes all live in :mod:`kpikit.errors`).

    Returns
    -------
    tuple of str
    """
    names = {c.__name__ for base in (KpiDataError, ConvergenceError) for c in _subclasses(base)}
    return tuple(sorted(names)) + ("NameError",)


#: For nbclient's ``allow_error_names``: the errors after which a run goes on.
ALLOWED_ERROR_NAMES: tuple[str, ...] = allowed_error_names()


@dataclass
class Outcome:
    """A run's outcome: its status, the notes of skipped sections, the fatal error and the cleaned notebook.

    ``cell`` is the index (in the executed notebook) of the cell whose error failed the report and
    ``ename`` that error's name ("" when the run stopped without one).
    """

    status: str
    notes: list[str] = field(default_factory=list)
    error: str = ""
    notebook: Any = None
    skipped: list[int] = field(default_factory=list)
    cell: int | None = None
    ename: str = ""

    @property
    def ok(self) -> bool:
        """Whether the report rendered (possibly with notes)."""
        return self.status != "failed"


def _source(cell: Mapping) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # IPython missing or a cell it cannot transform: parse what is there
        return source


def assigned_names(source: str) -> set[str]:
    r"""The global names a cell's code assigns (assignments, loops, imports, definitions, ``with ... as``).

    Parameters
    ----------
    source : str
        The cell's code (IPython magics are transformed first).

    Returns
    -------
    set of str

    Examples
    --------
    >>> sorted(assigned_names("a, (b, c) = f()\nfor i in x: d += 1\nimport numpy as np\ndef g(): e = 1"))
    ['a', 'b', 'c', 'd', 'g', 'i', 'np']
    """
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set()
    names: set[str] = set()

    def targets(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                targets(elt)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(child.name)
                continue
            if isinstance(child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                continue
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    targets(target)
            elif isinstance(child, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
                targets(child.target)
            elif isinstance(child, ast.withitem) and child.optional_vars is not None:
                targets(child.optional_vars)
            elif isinstance(child, ast.NamedExpr):
                targets(child.target)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name.split(".")[0]) for a in child.names if a.name != "*")
            visit(child)

    visit(tree)
    return names


def _note_output(message: str) -> dict:
    import nbformat

    div = f"<div class='{NOTE_CLASS}' role='note'>{html.escape(message)}</div>"
    return nbformat.v4.new_output("display_data", data={"text/html": div, "text/plain": message})


def _message(output: Mapping) -> str:
    """An error's message for the reader: the kit's own text as it is, others with their name."""
    ename, evalue = output.get("ename", ""), output.get("evalue", "")
    kit = ename != "NameError" and ename in allowed_error_names()
    if kit and evalue:
        return evalue
    return f"{ename}: {evalue}" if evalue else ename


def classify(nb: Mapping) -> Outcome:
    """Classify the errors of an executed notebook and clean it for the report.

    Parameters
    ----------
    nb : mapping
        The executed notebook (an nbformat NotebookNode), run with :data:`ALLOWED_ERROR_NAMES` allowed.

    Returns
    -------
    Outcome
        ``status`` "ok", "ok, with notes" or "failed"; ``notes`` the skipped sections' messages in
        order; ``error`` the first fatal error's message; ``notebook`` a copy in which each skipped
        cell's error output is a note (HTML ``<div class="kpikit-note">`` and text) and each dependent
        cell has no output; ``skipped`` the indexes of skipped cells. Papermill's error banners are
        dropped unless the report failed. ``cell`` and ``ename`` locate the fatal error. In a notebook
        with no cell tagged ``setup`` (not on the report framework) every error is fatal.
    """
    out = copy.deepcopy(nb)
    framework = any(SETUP_TAG in c.get("metadata", {}).get("tags", []) for c in out["cells"])
    allowed = (set(allowed_error_names()) - {"NameError"}) if framework else set()
    notes: list[str] = []
    skipped: list[int] = []
    gone: set[str] = set()
    fatal, fatal_cell, fatal_name = "", None, ""
    for i, cell in enumerate(out["cells"]):
        if cell.get("cell_type") != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            if cell.get("metadata", {}).get("papermill", {}).get("exception") and not fatal:
                fatal, fatal_cell = "the run stopped in this notebook without an error message (a time-out?)", i
            continue
        err = errors[0]
        setup = SETUP_TAG in cell.get("metadata", {}).get("tags", [])
        missing = _NAME_ERROR.search(err.get("evalue", "")) if err.get("ename") == "NameError" else None
        if err.get("ename") in allowed and not setup:
            message = _message(err)
            cell["outputs"] = [_note_output(message) if o.get("output_type") == "error" else o for o in cell["outputs"]]
            notes.append(message)
            skipped.append(i)
            gone |= assigned_names(_source(cell))
        elif missing and missing.group(1) in gone and not setup and framework:
            cell["outputs"] = []
            skipped.append(i)
            gone |= assigned_names(_source(cell))
        elif not fatal:
            fatal, fatal_cell, fatal_name = _message(err), i, err.get("ename", "")
    if not fatal:
        out["cells"] = [c for c in out["cells"] if PAPERMILL_BANNER_TAG not in c.get("metadata", {}).get("tags", [])]
    status = "failed" if fatal else ("ok, with notes" if notes else "ok")
    return Outcome(status, list(dict.fromkeys(notes)), fatal, out, skipped, fatal_cell, fatal_name)
