"""The plain-words glossary, in English and Vietnamese, and its docs pages."""

from __future__ import annotations

import pytest

from kpikit.i18n import has_key, t
from kpikit.workshop import GLOSSARY_TERMS, glossary, glossary_markdown
from tests.paths import ROOT

#: The statistics issue 16 names: every one must be explained.
REQUIRED = ("interval", "wilson", "q_value", "false_discovery_rate", "overdispersion", "shrinkage", "censoring", "sbg")


def test_the_required_terms_are_in_the_glossary():
    assert set(REQUIRED) <= set(GLOSSARY_TERMS)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_every_term_has_a_name_and_a_text_in_each_language(lang):
    for term in GLOSSARY_TERMS:
        assert has_key(f"glossary_name.{term}", lang), (lang, term)
        assert has_key(f"glossary.{term}", lang), (lang, term)
        assert len(t(f"glossary.{term}", lang)) > 120  # a few sentences, not a label


def test_the_vietnamese_glossary_is_vietnamese():
    en, vi = glossary("en").set_index("term"), glossary("vi").set_index("term")
    assert (en["text"] != vi["text"]).all()
    assert vi.loc["interval", "name"] == "Khoảng tin cậy"
    assert vi.loc["censoring", "name"] == "Dữ liệu bị kiểm duyệt"
    assert "tin cậy" in vi.loc["wilson", "text"]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_docs_pages_are_the_catalogue(lang):
    page = ROOT / "docs" / f"glossary.{lang}.md"
    assert page.read_text(encoding="utf-8") == glossary_markdown(lang) + "\n", (
        f"docs/glossary.{lang}.md is out of date: write it again from kk.workshop.glossary_markdown({lang!r})"
    )
    for term in GLOSSARY_TERMS:
        assert f'<a id="{term}"></a>' in page.read_text(encoding="utf-8")
