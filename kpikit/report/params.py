"""Declared notebook parameters: read from the parameters cell, checked before and during a run."""

from __future__ import annotations

import ast
import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kpikit.errors import MissingTranslationError, ParameterError, did_you_mean

__all__ = [
    "ParamSpec",
    "parameter_spec",
    "parameter_key",
    "parameter_help",
    "parameters_cell",
    "validate_parameters",
    "parse_cli_value",
    "check_parameters",
]


_SCALARS = {"str": str, "int": int, "float": float, "bool": bool, "dict": dict, "list": list}


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """One declared notebook parameter.

    ``kind`` is one of str, int, float, bool, dict, list, literal; ``item`` the element type of a
    list; ``choices`` the allowed values of a Literal; ``optional`` whether None is allowed.
    """

    name: str
    kind: str
    default: Any
    help: str = ""
    optional: bool = False
    choices: tuple = ()
    item: str | None = None
    annotation: str = ""

    def describe(self) -> str:
        """The declared type in words, for error messages."""
        if self.kind == "literal":
            t = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind == "list" and self.item:
            t = f"a list of {self.item}"
        else:
            t = self.kind
        return t + (" or None" if self.optional else "")


def parameters_cell(notebook: str | Path | Mapping) -> str:
    """Source of the cell tagged ``parameters`` in a notebook file (or notebook dict).

    Parameters
    ----------
    notebook : str, Path or mapping
        A notebook file or an already-read notebook.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        When no code cell is tagged ``parameters``.
    """
    nb = notebook if isinstance(notebook, Mapping) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell.get("source", "")
            return "".join(src) if isinstance(src, list) else src
    name = notebook if not isinstance(notebook, Mapping) else "notebook"
    raise ParameterError(f"{name}: no code cell is tagged 'parameters'; tag the parameters cell so it can be rendered.")


def _parse_annotation(node: ast.expr, name: str) -> dict:
    """Turn an annotation AST into kind/optional/choices/item."""
    # X | None, None | X
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [node.left, node.right]
        nones = [p for p in parts if isinstance(p, ast.Constant) and p.value is None]
        others = [p for p in parts if p not in nones]
        if len(nones) == 1 and len(others) == 1:
            d = _parse_annotation(others[0], name)
            d["optional"] = True
            return d
    if isinstance(node, ast.Name) and node.id in _SCALARS:
        return {"kind": node.id, "optional": False, "choices": (), "item": None}
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        head = node.value.id
        inner = node.slice
        if head == "Literal":
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            choices = tuple(ast.literal_eval(e) for e in elts)
            return {
                "kind": "literal",
                "optional": None in choices,
                "choices": tuple(c for c in choices if c is not None),
                "item": None,
            }
        if head == "Optional":
            d = _parse_annotation(inner, name)
            d["optional"] = True
            return d
        if head == "list" and isinstance(inner, ast.Name) and inner.id in _SCALARS:
            return {"kind": "list", "optional": False, "choices": (), "item": inner.id}
        if head == "dict":
            return {"kind": "dict", "optional": False, "choices": (), "item": None}
    raise ParameterError(
        f"parameter {name!r}: annotation {ast.unparse(node)!r} is not supported; use str, int, float, "
        "bool, dict, list[str], X | None or Literal[...]."
    )


def parameter_spec(notebook: str | Path | Mapping) -> dict[str, ParamSpec]:
    """Declared parameters of a notebook, read from its ``parameters`` cell without running it.

    Each parameter must be an annotated assignment with a literal default; the trailing comment is its
    help text. Imports (``from typing import Literal``) and comments are allowed; anything else is an
    error, so the interface cannot drift into logic.

    Parameters
    ----------
    notebook : str, Path or mapping
        A notebook file or an already-read notebook.

    Returns
    -------
    dict of str to ParamSpec
        In declaration order.

    Raises
    ------
    ParameterError
        When a statement is not an annotated assignment, an annotation is not supported (str, int,
        float, bool, dict, list[X], X | None, Literal[...]) or a default is not a literal.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...        "source": "top_n: int = 10  # entry pages to list"}]}
    >>> spec = parameter_spec(nb)
    >>> spec["top_n"].kind, spec["top_n"].default, spec["top_n"].help
    ('int', 10, 'entry pages to list')
    """
    src = parameters_cell(notebook)
    lines = src.splitlines()
    tree = ast.parse(src)
    spec: dict[str, ParamSpec] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None):
            raise ParameterError(
                f"parameters cell line {stmt.lineno}: {ast.unparse(stmt)!r} is not an annotated assignment "
                "(name: type = default  # help); keep the parameters cell declarative."
            )
        name = stmt.target.id
        info = _parse_annotation(stmt.annotation, name)
        try:
            default = ast.literal_eval(stmt.value)
        except ValueError:
            raise ParameterError(f"parameter {name!r}: its default must be a literal value.") from None
        line = lines[stmt.end_lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line[stmt.end_col_offset :] else ""
        spec[name] = ParamSpec(
            name=name, default=default, help=help_text, annotation=ast.unparse(stmt.annotation), **info
        )
    return spec


def parameter_key(notebook: str, name: str) -> str:
    """The catalogue key of a parameter's description: ``notebook.<notebook>.parameter.<name>``.

    Parameters
    ----------
    notebook : str
        The notebook's stem, e.g. "03_churn_and_renewal".
    name : str
        The parameter's name.

    Returns
    -------
    str
    """
    return f"notebook.{notebook}.parameter.{name}"


def parameter_help(spec: Mapping[str, ParamSpec], notebook: str, lang: str) -> dict[str, str]:
    """Each parameter's description in ``lang``: English is the parameters cell's own comment.

    Other languages take the catalogue entry ``notebook.<notebook>.parameter.<name>``.

    Parameters
    ----------
    spec : mapping of str to ParamSpec
        The notebook's declared parameters (:func:`parameter_spec`).
    notebook : str
        The notebook's stem, the catalogue's ``notebook.<notebook>`` section.
    lang : str
        The report's language.

    Returns
    -------
    dict of str to str
        Parameter name -> description, in declaration order.

    Raises
    ------
    MissingTranslationError
        When the language's catalogue lacks a parameter's entry (naming every missing key).
    """
    from kpikit.i18n import SOURCE_LANGUAGE, language, messages

    language(lang)  # an unknown language stops here, listing the available ones
    if lang == SOURCE_LANGUAGE:
        return {n: p.help for n, p in spec.items()}
    catalogue = messages(lang)
    keys = {n: parameter_key(notebook, n) for n in spec}
    missing = [k for k in keys.values() if k not in catalogue]
    if missing:
        raise MissingTranslationError(
            f"{notebook}: the {lang!r} catalogue has no description of the parameter"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(repr(k) for k in missing)
            + f"; add {'them' if len(missing) > 1 else 'it'} to kpikit/i18n/{lang}/ (the English text is the "
            "comment of that parameter in the notebook's parameters cell)."
        )
    return {n: catalogue[k] for n, k in keys.items()}


def _type_ok(p: ParamSpec, value: Any) -> bool:
    if value is None:
        return p.optional
    if p.kind == "literal":
        return value in p.choices
    if p.kind == "bool":
        return isinstance(value, (bool, np.bool_))
    if p.kind == "int":
        return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if p.kind == "float":
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if p.kind == "list":
        if not isinstance(value, (list, tuple)):
            return False
        return p.item is None or all(_type_ok(ParamSpec("", p.item, None), v) for v in value)
    return isinstance(value, _SCALARS[p.kind])


def validate_parameters(
    spec: Mapping[str, ParamSpec], values: Mapping[str, Any], source: str = "notebook"
) -> list[str]:
    """Problems with parameter overrides: unknown names (with the closest declared name) and wrong types.

    Parameters
    ----------
    spec : mapping of str to ParamSpec
        The declared parameters (:func:`parameter_spec`).
    values : mapping
        Parameter name -> value to check.
    source : str
        What the messages start with (a notebook name, a batch-file client).

    Returns
    -------
    list of str
        One message per problem, empty when all is well, so callers can report every problem at once.
    """
    problems = []
    for name, value in values.items():
        if name not in spec:
            problems.append(f"{source}: unknown parameter {name!r}{did_you_mean(name, list(spec), what='declared')}")
            continue
        p = spec[name]
        if not _type_ok(p, value):
            problems.append(
                f"{source}: parameter {name!r} must be {p.describe()} (got {value!r}, a {type(value).__name__})"
            )
    return problems


def parse_cli_value(p: ParamSpec, text: str) -> Any:
    """Parse a command-line string by the parameter's declared type.

    JSON/YAML-like text is accepted for lists and dicts (``'["a", "b"]'``); a list may also be
    comma-separated (``0.4,0.8``), its items parsed by the declared item type. ``None``, ``null`` or
    an empty string give None for an optional parameter.

    Parameters
    ----------
    p : ParamSpec
        The declared parameter.
    text : str
        The value as typed on the command line.

    Returns
    -------
    Any
        The typed value.

    Raises
    ------
    ParameterError
        When the text does not parse as the declared type (``12.5`` for an int).
    """
    if p.optional and text in ("None", "null", ""):
        return None
    try:
        if p.kind == "str":
            return text
        if p.kind == "int":
            return int(text)
        if p.kind == "float":
            return float(text)
        if p.kind == "bool":
            low = text.lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError(text)
        if p.kind == "literal":
            for c in p.choices:
                if str(c) == text:
                    return c
            raise ValueError(text)
        if p.kind in ("list", "dict"):
            import yaml

            value = yaml.safe_load(text)
            if p.kind == "list" and isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if p.kind == "list" and p.item and isinstance(value, list):
                item = ParamSpec(p.name, p.item, None)
                value = [parse_cli_value(item, v) if isinstance(v, str) else v for v in value]
            return value
    except ValueError:
        raise ParameterError(f"parameter {p.name!r} must be {p.describe()} (got {text!r}).") from None
    return text


def check_parameters(notebook: str | Path, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Check a running notebook's parameter values against its ``parameters`` cell.

    Call right after the parameters cell: ``params = kk.report.check_parameters("01_x.ipynb",
    globals())``. Every problem is listed at once in a :class:`~kpikit.errors.ParameterError`.

    Parameters
    ----------
    notebook : str or Path
        The notebook file (relative to the notebook's own folder, where it runs).
    namespace : mapping
        The notebook's variables (``globals()``).

    Returns
    -------
    dict
        The declared parameters and their values, in declaration order (for the report's title block).
    """
    spec = parameter_spec(notebook)
    missing = [n for n in spec if n not in namespace]
    values = {n: namespace[n] for n in spec if n in namespace}
    problems = validate_parameters(spec, values, source=str(notebook))
    problems += [f"{notebook}: parameter {n!r} is not defined; run the parameters cell first" for n in missing]
    if problems:
        raise ParameterError("Invalid notebook parameters:\n  - " + "\n  - ".join(problems))
    return values
