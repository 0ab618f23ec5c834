"""The import rule of kpikit's layers, checked on every import statement (function-level ones too).

    errors, i18n <- stats <- schemas <- io <- engine <- domain packages <- plots <- report <- render <- batch, cli

Domain packages (web, funnel, attribution, acquisition, subscriptions, survival, clv, satisfaction,
social, benchmark) never import each other: what two of them share moves down into ``stats`` or
``schemas``. ``engine`` (where a computation runs: pandas, DuckDB, or any Ibis backend) sits between
``io`` and the domains, which hand it their lazy inputs. ``i18n`` (findings as translatable templates, message catalogues, number formats) sits at
the bottom beside ``errors`` so that every domain can word its findings through it. ``sample`` (the generator) sits above the domains because it applies their rules (the GA4
engaged-session rule); ``workshop`` sits beside ``report``. Nothing in kpikit imports tests or notebooks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGE = ROOT / "kpikit"

DOMAINS = {
    "web",
    "funnel",
    "attribution",
    "acquisition",
    "subscriptions",
    "survival",
    "clv",
    "satisfaction",
    "social",
    "benchmark",
}
BASE = {"errors", "i18n", "stats", "schemas", "io", "engine"}

#: unit -> the units it may import (besides itself and the root package's __version__)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "i18n": {"errors"},
    "stats": {"errors", "i18n"},
    "schemas": {"errors", "i18n", "stats"},
    "io": {"errors", "i18n", "stats", "schemas"},
    "engine": {"errors", "i18n", "stats", "schemas", "io"},
    **{d: set(BASE) for d in DOMAINS},
    "plots": BASE | DOMAINS,
    "report": BASE | DOMAINS | {"plots"},
    "workshop": BASE | DOMAINS | {"plots", "report", "i18n"},
    "sample": BASE | DOMAINS,
    "render": BASE | DOMAINS | {"plots", "report", "i18n"},
    "batch": BASE | DOMAINS | {"plots", "report", "render", "sample", "i18n"},
    "cli": BASE | DOMAINS | {"plots", "report", "render", "batch", "sample", "workshop", "i18n"},
}


def _unit(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _targets(node: ast.AST) -> list[str]:
    """The kpikit units an import statement reaches."""
    out = []
    if isinstance(node, ast.Import):
        for a in node.names:
            parts = a.name.split(".")
            if parts[0] == "kpikit" and len(parts) > 1:
                out.append(parts[1])
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        parts = node.module.split(".")
        if parts[0] == "kpikit":
            if len(parts) > 1:
                out.append(parts[1])
            else:  # from kpikit import web, __version__
                out += [
                    a.name for a in node.names if (PACKAGE / a.name).exists() or (PACKAGE / f"{a.name}.py").exists()
                ]
    return out


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in _modules()}
    assert units <= set(ALLOWED), f"units without a layer in tests/test_layers.py: {sorted(units - set(ALLOWED))}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layers(path):
    unit = _unit(path)
    tree = ast.parse(path.read_text())
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            bad.append(f"line {node.lineno}: relative import (write kpikit.{unit}.<module>)")
            continue
        for target in _targets(node):
            if target != unit and target not in ALLOWED[unit]:
                bad.append(f"line {node.lineno}: kpikit.{unit} imports kpikit.{target}")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n.split(".")[0] in ("tests", "notebooks") for n in names):
                bad.append(f"line {node.lineno}: imports tests or notebooks")
    assert not bad, f"{path.relative_to(ROOT)}:\n" + "\n".join(bad)


def test_the_rule_catches_a_domain_importing_another(tmp_path):
    tree = ast.parse("from kpikit.subscriptions import mrr\nimport kpikit.stats\n")
    reached = [t for n in ast.walk(tree) for t in _targets(n)]
    assert reached == ["subscriptions", "stats"]
    assert "subscriptions" not in ALLOWED["satisfaction"] and "stats" in ALLOWED["satisfaction"]
