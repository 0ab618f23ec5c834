"""kpikit.i18n.catalogue: every key and finding template in every language; adding a language is one file."""

from __future__ import annotations

import ast
import shutil
import string

import pytest

import kpikit.i18n.catalogue as cat
from kpikit.errors import KpiDataError, MissingTranslationError
from kpikit.i18n import (
    direction,
    format_month,
    format_share,
    language,
    languages,
    messages,
    t,
    term,
    translate_template,
)
from tests.paths import NOTEBOOKS, ROOT


def finding_templates() -> dict[str, str]:
    """Every literal template of a ``Finding(...)`` call in kpikit, with where it is."""
    out = {}
    for path in sorted((ROOT / "kpikit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if (
                name == "Finding"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                out[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return out


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_kit_words_its_findings_as_templates():
    found = finding_templates()
    # the two domains of notebook 03 write theirs through Finding (11 templates between them)
    assert sum("subscriptions" in where for where in found.values()) == 6
    assert sum("satisfaction" in where for where in found.values()) == 5


def notebook_prose() -> dict[str, str]:
    """The English prose of the analysis notebooks: ``notebook.<stem>.prose.<id>`` -> the markdown cell's text.

    A markdown cell carrying ``metadata.kpikit.text`` is written in English in the notebook itself; other
    languages have it under that key (the renderer swaps it in, kpikit.render.prose).
    """
    import nbformat

    from kpikit.render.prose import prose_key

    out = {}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("kpikit")
            if cell.cell_type == "markdown" and isinstance(meta, dict) and meta.get("text"):
                out[prose_key(path.stem, str(meta["text"]))] = cell.source
    return out


def headings(markdown: str) -> list[str]:
    """The levels of a markdown text's headings, in order ("##", "###", ...)."""
    return [line.split(" ", 1)[0] for line in markdown.splitlines() if line.startswith("#") and " " in line]


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != "en"])
def test_every_english_key_has_an_entry_in_each_language(lang):
    en, other = messages("en"), messages(lang)
    missing = sorted(set(en) - set(other))
    assert not missing, f"the {lang} catalogue lacks {missing}"
    # beyond English's keys, another language holds only the notebooks' prose and parameter descriptions
    # (English: the notebooks' markdown cells and parameters-cell comments, tests/i18n/test_parameters.py)
    extra = sorted(k for k in set(other) - set(en) if ".prose." not in k and ".parameter." not in k)
    assert not extra, f"the {lang} catalogue has keys English does not: {extra}"
    different = [k for k in en if fields(en[k]) != fields(other[k])]
    assert not different, f"the {lang} catalogue: placeholders differ from English in {different}"


def test_english_prose_is_the_notebooks_own_markdown():
    # one English text per cell: a catalogue copy of a notebook's markdown would drift from it
    assert not [k for k in messages("en") if ".prose." in k]


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != "en"])
def test_every_identified_markdown_cell_has_its_prose_in_each_language(lang):
    english, other = notebook_prose(), messages(lang)
    assert english, "no notebook carries kpikit.text ids"
    # each identified cell is translated (else a report in this language stops before it runs) ...
    missing = sorted(set(english) - set(other))
    assert not missing, f"the {lang} catalogue lacks the prose of {missing}"
    # ... and each prose entry belongs to a cell (a renamed id or notebook leaves an orphan)
    orphans = sorted(k for k in other if ".prose." in k and k not in english)
    assert not orphans, f"the {lang} catalogue has prose no notebook cell carries: {orphans}"
    # the translation keeps the cell's headings, so the contents and their anchors have the same shape
    shapes = [k for k in english if headings(english[k]) != headings(other[k])]
    assert not shapes, f"the {lang} prose has other headings than the notebook in {shapes}"


@pytest.mark.parametrize("lang", [lang for lang in languages() if lang != "en"])
def test_every_finding_template_has_an_entry_in_each_language(lang):
    for template, where in finding_templates().items():
        try:
            translated = translate_template(template, lang)
        except MissingTranslationError:
            pytest.fail(f"the {lang} catalogue has no translation of the template at {where}: {template!r}")
        assert fields(translated) == fields(template), where


def test_vietnamese_uses_the_marketers_terms():
    assert t("kpi.bounce_rate", "vi") == "Tỷ lệ thoát"
    assert t("kpi.renewal_rate", "vi") == "Tỷ lệ gia hạn"
    assert t("kpi.customer_churn_monthly", "vi").startswith("Tỷ lệ rời bỏ")
    assert t("kpi.mrr", "vi") == "Doanh thu định kỳ hàng tháng (MRR)"
    assert "chi phí thu hút khách hàng" in t("kpi.cac_blended", "vi").lower()
    assert "giá trị lâu dài của khách hàng" in t("kpi.ltv", "vi").lower()
    assert "tỷ lệ chuyển đổi" in t("kpi.funnel_conversion", "vi").lower()
    assert "tỷ lệ bỏ cuộc" in t("kpi.biggest_leak_step", "vi").lower()


def test_unknown_language_lists_the_available_ones():
    with pytest.raises(KpiDataError, match=r"no message catalogue for language 'fr'; available: en, vi"):
        t("kpi.grr", "fr")


def test_unknown_key_suggests_the_closest():
    with pytest.raises(MissingTranslationError, match=r"no message 'kpi.bounce_rat'.*did you mean 'kpi.bounce_rate'"):
        t("kpi.bounce_rat")


def test_terms_translate_the_kits_categories_and_keep_the_clients_words():
    assert term("detractor", "vi") == "người phản đối"
    assert term("< 4 h", "vi") == "< 4 giờ"
    assert term("Box Monthly", "vi") == "Box Monthly"
    assert term(3, "vi") == "3"


@pytest.fixture
def catalogue_dir(tmp_path, monkeypatch):
    """A copy of the catalogues that a test may add a language to."""
    for path in cat.CATALOGUE_DIR.iterdir():
        if path.is_dir() and any(path.glob("*.yaml")):
            shutil.copytree(path, tmp_path / path.name)
        elif path.suffix == ".yaml":
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(cat, "CATALOGUE_DIR", tmp_path)
    yield tmp_path
    cat._load.cache_clear()


def test_a_right_to_left_language_is_one_more_file(catalogue_dir):
    (catalogue_dir / "fa.yaml").write_text(
        "language:\n  name: فارسی\n  locale: fa_IR\n  direction: rtl\n"
        'kpi:\n  bounce_rate: "نرخ پرش"\n'
        'findings:\n  "{n:int} of {k:int}": "{n:int} از {k:int}"\n',
        encoding="utf-8",
    )
    assert languages() == ["en", "fa", "vi"]
    assert direction("fa") == "rtl" and language("fa")["locale"] == "fa_IR"
    assert t("kpi.bounce_rate", "fa") == "نرخ پرش"
    assert format_share(0.447, "fa") == "44.7%" and format_month("2025-06-01", "fa") == "ژوئن 2025"
    # strict by default: a key the new language lacks stops the report; strict=False falls back to English
    with pytest.raises(MissingTranslationError, match="fa.yaml has no entry 'kpi.grr'"):
        t("kpi.grr", "fa")
    assert t("kpi.grr", "fa", strict=False) == "Gross revenue retention (GRR)"
    assert translate_template("{n:int} of {k:int}", "fa") == "{n:int} از {k:int}"


def test_a_catalogue_entry_must_be_text(catalogue_dir):
    (catalogue_dir / "xx.yaml").write_text(
        "language:\n  name: X\n  locale: en_GB\n  direction: ltr\nui:\n  badge_yes: yes\n"
    )
    with pytest.raises(KpiDataError, match="'ui.badge_yes' is True, not text; quote it"):
        t("ui.badge_yes", "xx")
    (catalogue_dir / "yy.yaml").write_text("language:\n  name: Y\n  locale: en_GB\n  direction: down\n")
    with pytest.raises(KpiDataError, match="direction"):
        t("ui.and", "yy")


def test_a_catalogue_folder_merges_its_files_and_refuses_a_key_twice(catalogue_dir):
    (catalogue_dir / "zz").mkdir()
    (catalogue_dir / "zz" / "language.yaml").write_text("language:\n  name: Z\n  locale: en_GB\n  direction: ltr\n")
    (catalogue_dir / "zz" / "a.yaml").write_text('kpi:\n  grr: "GRR (zz)"\n')
    (catalogue_dir / "zz" / "b.yaml").write_text('kpi:\n  nrr: "NRR (zz)"\n')
    assert "zz" in languages()
    assert (t("kpi.grr", "zz"), t("kpi.nrr", "zz")) == ("GRR (zz)", "NRR (zz)")
    cat._load.cache_clear()
    (catalogue_dir / "zz" / "c.yaml").write_text('kpi:\n  grr: "again"\n')
    with pytest.raises(KpiDataError, match=r"'kpi.grr' is in both a.yaml and c.yaml"):
        t("kpi.grr", "zz")
