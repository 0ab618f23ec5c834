"""Parameter descriptions by language: English is the parameters cell's comments, others the catalogue."""

from __future__ import annotations

import html

import pytest

from kpikit.errors import MissingTranslationError
from kpikit.i18n import languages, messages
from kpikit.report.params import parameter_help, parameter_key, parameter_spec
from kpikit.report.summary import appendix_html
from tests.paths import NOTEBOOKS

ANALYSIS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
OTHERS = [lang for lang in languages() if lang != "en"]


def declared() -> dict[str, str]:
    """``notebook.<stem>.parameter.<name>`` -> the English comment, for every analysis notebook's parameter."""
    return {parameter_key(p.stem, n): s.help for p in ANALYSIS for n, s in parameter_spec(p).items()}


def test_the_analysis_notebooks_are_all_covered():
    stems = [p.stem for p in ANALYSIS]
    assert stems[:6] == [
        "00_data_overview",
        "01_bounce_rate_diagnosis",
        "02_funnel_conversion",
        "03_churn_and_renewal",
        "04_clv_forecasting",
        "05_competitor_benchmarking",
    ]
    # every parameter carries its English description in the notebook itself
    assert not [k for k, v in declared().items() if not v], "a parameter has no comment in its parameters cell"


def test_english_descriptions_are_the_notebooks_own_comments():
    assert not [k for k in messages("en") if ".parameter." in k]
    spec = parameter_spec(NOTEBOOKS / "03_churn_and_renewal.ipynb")
    assert parameter_help(spec, "03_churn_and_renewal", "en") == {n: s.help for n, s in spec.items()}


@pytest.mark.parametrize("lang", OTHERS)
def test_every_parameter_has_its_description_in_each_language(lang):
    english, other = declared(), messages(lang)
    missing = sorted(set(english) - set(other))
    assert not missing, f"the {lang} catalogue lacks the description of {missing}"
    orphans = sorted(k for k in other if ".parameter." in k and k not in english)
    assert not orphans, f"the {lang} catalogue describes parameters no notebook declares: {orphans}"
    # a translation, not a copy of the English comment
    copied = sorted(k for k in english if other[k].strip() == english[k].strip())
    assert not copied, f"the {lang} descriptions are the English text in {copied}"


def test_a_missing_description_stops_naming_its_key(monkeypatch):
    import kpikit.i18n as i18n

    full = messages("vi")
    key = parameter_key("03_churn_and_renewal", "renewal_period")
    monkeypatch.setattr(i18n, "messages", lambda lang: {k: v for k, v in full.items() if k != key})
    spec = parameter_spec(NOTEBOOKS / "03_churn_and_renewal.ipynb")
    with pytest.raises(MissingTranslationError, match=key.replace(".", r"\.")):
        parameter_help(spec, "03_churn_and_renewal", "vi")


def test_the_vietnamese_appendix_describes_the_parameters_in_vietnamese():
    spec = parameter_spec(NOTEBOOKS / "03_churn_and_renewal.ipynb")
    meaning = parameter_help(spec, "03_churn_and_renewal", "vi")
    assert meaning["renewal_period"] == messages("vi")["notebook.03_churn_and_renewal.parameter.renewal_period"]
    assert meaning["renewal_period"].startswith("kỳ có các lượt gia hạn được báo cáo")
    rows = [(n, str(s.default), meaning[n]) for n, s in spec.items()]
    page, _ = appendix_html(rows, [], [], "kpikit render notebooks/03_churn_and_renewal.ipynb", "0", None, "vi")
    # the headings and every description are Vietnamese; no English comment is left
    assert "<th scope='col' style='text-align:left'>Ý nghĩa</th>" in page
    assert "<th scope='col' style='text-align:left'>Tham số</th>" in page
    for name, s in spec.items():
        assert html.escape(meaning[name]) in page
        assert html.escape(s.help) not in page, name
