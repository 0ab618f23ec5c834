"""The public API is documented: every public function and method has type hints and a numpydoc
Parameters section naming each of its parameters, and every subpackage has an explicit ``__all__``.

"Public" means listed in a module's ``__all__`` (for subpackages, their ``__init__``'s); for a public
class, its public methods too. Run one domain with ``pytest tests/test_api.py -k web``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re

import pytest

import kpikit

MODULES = ["kpikit", *(f"kpikit.{m}" for m in kpikit._SUBMODULES), "kpikit.batch"]


def documented_parameters(doc: str) -> set[str]:
    """Names in a numpydoc Parameters section (``a, b : int`` documents both)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    names: set[str] = set()
    inside = False
    for i, line in enumerate(lines):
        underlined = i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip() or "x")
        if underlined and line.strip():
            inside = line.strip() == "Parameters"
            continue
        if not inside or not line or line[0].isspace() or re.fullmatch(r"-{3,}", line.strip()):
            continue
        head = line.split(" : ")[0].rstrip(":").strip()
        names |= {n.strip().lstrip("*") for n in head.split(",") if n.strip()}
    return names


def _own_functions(module):
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isfunction(obj) and obj.__module__.startswith("kpikit"):
            yield f"{module.__name__}.{name}", obj
        elif inspect.isclass(obj) and obj.__module__.startswith("kpikit"):
            if not dataclasses.is_dataclass(obj) and "__init__" in obj.__dict__:
                yield f"{module.__name__}.{name}", obj
            for meth_name, meth in vars(obj).items():
                if meth_name.startswith("_") or not inspect.isfunction(meth):
                    continue
                yield f"{module.__name__}.{name}.{meth_name}", meth


def _parameters(obj) -> list[inspect.Parameter]:
    target = obj.__init__ if inspect.isclass(obj) else obj
    params = list(inspect.signature(target).parameters.values())
    return [p for p in params if p.name not in ("self", "cls")]


def public_callables():
    seen = set()
    for mod_name in MODULES:
        module = importlib.import_module(mod_name)
        for qual, obj in _own_functions(module):
            key = (getattr(obj, "__module__", ""), getattr(obj, "__qualname__", qual))
            if key in seen:
                continue
            seen.add(key)
            yield qual, obj


CALLABLES = sorted(public_callables(), key=lambda t: t[0])


@pytest.mark.parametrize("mod_name", MODULES)
def test_module_has_explicit_all(mod_name):
    module = importlib.import_module(mod_name)
    assert isinstance(getattr(module, "__all__", None), (list, tuple)), f"{mod_name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{mod_name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("qual, obj", CALLABLES, ids=[q for q, _ in CALLABLES])
def test_public_callable_has_type_hints(qual, obj):
    params = _parameters(obj)
    untyped = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    assert not untyped, f"{qual}: parameters without a type hint: {untyped}"
    if not inspect.isclass(obj) and obj.__name__ != "__init__":
        assert inspect.signature(obj).return_annotation is not inspect.Signature.empty, f"{qual}: no return type hint"


@pytest.mark.parametrize("qual, obj", CALLABLES, ids=[q for q, _ in CALLABLES])
def test_public_callable_documents_its_parameters(qual, obj):
    assert inspect.getdoc(obj), f"{qual} has no docstring"
    names = [p.name for p in _parameters(obj)]
    if not names:
        return
    documented = documented_parameters(obj.__doc__ or "")
    missing = [n for n in names if n not in documented]
    assert not missing, f"{qual}: Parameters section lacks {missing} (numpydoc: 'name : type' lines)"


def test_documented_parameters_reads_numpydoc():
    doc = """Summary.

    Parameters
    ----------
    successes, trials : int
        Counts.
    level : float, optional
        Confidence.
    **kwargs
        Passed on.

    Returns
    -------
    Rate
    """
    assert documented_parameters(doc) == {"successes", "trials", "level", "kwargs"}
