"""The committed workshop notebooks: objectives first, by-hand cells, every mistake pair, what-if tables,
exercises with solutions tagged, prose from the catalogue, thin cells (no def or class)."""

from __future__ import annotations

import re

import nbformat
import pytest

from kpikit.i18n import t
from kpikit.workshop import EXERCISES, code_comments, prose_key, workshop_notebooks
from kpikit.workshop.data import NOTEBOOKS
from tests.paths import NOTEBOOKS as NOTEBOOK_DIR

PATHS = workshop_notebooks()
STEMS = [p.stem for p in PATHS]

#: Each popular mistake of issue 16 and the code that shows it as a wrong/right pair in a notebook.
MISTAKES = {
    "churn from customers added": r"subscription_mistakes\(",
    "renewal inverted 75 / 24": r"wrong=75 / 24, right=24 / 75",
    "expansion MRR as average add-on x all customers": r"subscription_mistakes\(subs, month\), caption",
    "MRR as users x average spend": r"mrr_mistake\(",
    "NPS from yes/no answers": r"nps_mistake\(",
    "CLV as 100 x 12 x 5": r"clv_steps\(100, ",
    "CLV as ARPA x 12 x 5 on the data": r"clv_mistake\(",
    "averaged page bounce rates": r"averaged_pages_mistake\(",
    "UA bounce read as GA4": r"ua_vs_ga4_mistake\(",
    "last touch only": r"last_touch_mistake\(",
    "vanity follower counts": r"vanity_mistake\(",
    "per-follower vs per-reach engagement": r"denominator_mistake\(",
}


def _read(path):
    return nbformat.read(path, as_version=4)


def _code(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def test_one_notebook_per_theme():
    assert STEMS == list(NOTEBOOKS)
    assert all(p.parent == NOTEBOOK_DIR / "workshop" for p in PATHS)


@pytest.mark.parametrize("path", PATHS, ids=STEMS)
def test_opens_with_title_and_learning_objectives_then_parameters(path):
    nb = _read(path)
    assert nb.cells[0].source.startswith("# ")
    assert prose_key(nb.cells[1]) == f"workshop.{path.stem}.objectives"
    assert nb.cells[1].source.startswith("**What you will learn**")
    assert "parameters" in _tags(nb.cells[2])
    assert 'lang: Literal["en", "vi"] = "en"' in nb.cells[2].source
    assert "data_dir" in nb.cells[2].source


@pytest.mark.parametrize("path", PATHS, ids=STEMS)
def test_markdown_is_the_english_catalogue(path):
    for cell in _read(path).cells:
        if cell.cell_type == "markdown":
            key = prose_key(cell)
            assert key, f"{path.name}: a markdown cell without its catalogue key: {cell.source[:60]!r}"
            assert cell.source == t(key, "en").rstrip("\n"), f"{path.name}: {key} differs from the catalogue"
            assert t(key, "vi") != t(key, "en"), f"{key} is not translated"


@pytest.mark.parametrize("path", PATHS, ids=STEMS)
def test_code_cells_are_thin_and_outputs_clean(path):
    for cell in _read(path).cells:
        if cell.cell_type != "code":
            continue
        assert not re.search(r"^\s*(def|class|lambda)\b", cell.source, re.M), cell.source[:80]
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name}: {out.get('ename')}"
            text = str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"\d\.\d{12,}", text), text[:200]
            assert not re.search(r"\b[A-Z]\w*\(\w+=", text), text[:200]  # no object reprs


@pytest.mark.parametrize("path", PATHS, ids=STEMS)
def test_kpis_computed_by_hand_beside_kpikit(path):
    nb = _read(path)
    by_hand = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith("# by hand")]
    assert len(by_hand) >= 3, f"{path.name} has {len(by_hand)} by-hand cells"
    code = _code(nb)
    assert code.count("kk.") > len(by_hand)


@pytest.mark.parametrize("path", PATHS, ids=STEMS)
def test_exercises_ask_check_and_have_tagged_solutions(path):
    nb = _read(path)
    ids = [e for e, ex in EXERCISES.items() if ex.notebook == path.stem]
    assert ids
    for id in ids:
        asks = [c for c in nb.cells if "exercise" in _tags(c) and c.cell_type == "code" and f'"{id}"' in c.source]
        solves = [c for c in nb.cells if "solution" in _tags(c) and f'"{id}"' in c.source]
        prompt = [c for c in nb.cells if "exercise" in _tags(c) and c.cell_type == "markdown" and f"`{id}`" in c.source]
        assert len(asks) == len(solves) == len(prompt) == 1, id
        assert "= None" in asks[0].source and f'ws.check("{id}"' in asks[0].source
        assert asks[0].outputs[0]["data"]["text/plain"].startswith("Not answered yet")
        assert solves[0].outputs[-1]["data"]["text/plain"].startswith("Right: "), id
    # no check of an exercise that does not exist
    for id in re.findall(r'ws\.check\("([\w-]+)"', _code(nb)):
        assert EXERCISES[id].notebook == path.stem


def test_at_least_fifteen_solutions_in_all():
    solutions = sum(1 for p in PATHS for c in _read(p).cells if "solution" in _tags(c))
    assert solutions >= 15


@pytest.mark.parametrize("mistake", MISTAKES)
def test_every_mistake_pair_is_shown(mistake):
    code = "\n".join(_code(_read(p)) for p in PATHS)
    assert re.search(MISTAKES[mistake], code), mistake


def test_what_if_tables_on_churn_to_ltv_and_sample_size_to_interval():
    code = "\n".join(_code(_read(p)) for p in PATHS)
    assert re.search(r"ws\.what_if\(by_size, slider=", code)
    assert re.search(r"ws\.what_if\(by_churn, slider=", code)


@pytest.mark.parametrize("path", PATHS, ids=STEMS)
def test_every_code_comment_has_its_translation(path):
    comments = code_comments("vi")
    for cell in _read(path).cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.split("\n"):
            found = re.search(r"#\s(.*)$", line)
            if found and not found.group(1).startswith(("NBVAL", "noqa")):
                assert found.group(1) in comments, f"{path.name}: no workshop.comment entry for {found.group(1)!r}"
