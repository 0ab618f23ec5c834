"""docs/KPI_CATALOGUE.md and the code agree.

Every ``kk.<domain>.<name>`` the catalogue names exists; every KPI row names exactly one function; and
every public function or class of the analysis packages is in the catalogue, as the function of a KPI
row or in its "Other public functions" list, so a new public function cannot slip in unlisted.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from tests.paths import ROOT

CATALOGUE = ROOT / "docs" / "KPI_CATALOGUE.md"
ANALYSIS_PACKAGES = [
    "stats",
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
]
#: Teaching code, not KPIs: kk.workshop computes the popular articles' wrong numbers and the notebooks'
#: by-hand lines beside the kit's KPI functions (which compute every right number), so its functions are
#: not catalogued, and no KPI row may name one.
TEACHING_PACKAGES = ["workshop"]
_REF = re.compile(r"`kk\.([a-z_]+)\.([A-Za-z_][A-Za-z0-9_]*)(?:\.([a-z_][a-z0-9_]*))?`")


def _text() -> str:
    return CATALOGUE.read_text(encoding="utf-8")


def _kpi_rows() -> list[list[str]]:
    """Cells of the rows of the KPI tables (tables whose header has a 'Function' column)."""
    rows, header = [], None
    for line in _text().splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if header is None:
            header = cells
            continue
        if set(line.replace("|", "").strip()) <= set("-: "):
            continue
        if "Function" in header:
            rows.append(dict(zip(header, cells)))
    return rows


def _resolve(domain: str, name: str):
    module = importlib.import_module(f"kpikit.{domain}")
    return getattr(module, name)


def test_catalogue_exists_and_has_kpi_rows():
    rows = _kpi_rows()
    assert len(rows) >= 60, f"only {len(rows)} KPI rows"
    for column in ("KPI", "Definition", "Formula", "Reference", "Conventions", "Mistake it guards against", "Function"):
        assert all(any(c.startswith(column) for c in r) for r in rows), f"a KPI table lacks the column {column!r}"


@pytest.mark.parametrize("domain, name, method", sorted(set(_REF.findall(CATALOGUE.read_text(encoding="utf-8")))))
def test_every_function_the_catalogue_names_exists(domain, name, method):
    obj = _resolve(domain, name)
    if method:
        obj = getattr(obj, method)
    assert callable(obj), f"kk.{domain}.{name} is not callable"


def test_each_kpi_row_names_exactly_one_function():
    bad = [r["KPI"] for r in _kpi_rows() if len(_REF.findall(r["Function"])) != 1]
    assert not bad, f"KPI rows whose Function cell does not name exactly one kk. function: {bad}"


def test_no_kpi_has_two_rows():
    names = [r["KPI"].lower() for r in _kpi_rows()]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


@pytest.mark.parametrize("package", ANALYSIS_PACKAGES)
def test_every_public_function_is_catalogued(package):
    module = importlib.import_module(f"kpikit.{package}")
    named = {(d, n) for d, n, _ in _REF.findall(_text())}
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("kpikit"):
            if not (inspect.isclass(obj) and not _is_model(obj)) and (package, name) not in named:
                missing.append(name)
    assert not missing, f"public functions of kpikit.{package} missing from docs/KPI_CATALOGUE.md: {missing}"


def _is_model(cls: type) -> bool:
    """Classes that compute something (fitted models); result containers need no catalogue entry."""
    return hasattr(cls, "fit")


def test_teaching_code_is_not_a_kpi():
    assert not set(TEACHING_PACKAGES) & set(ANALYSIS_PACKAGES)
    bad = [r["KPI"] for r in _kpi_rows() if any(d in TEACHING_PACKAGES for d, _, _ in _REF.findall(r["Function"]))]
    assert not bad, f"KPI rows naming teaching code (kk.workshop) instead of the KPI's function: {bad}"
