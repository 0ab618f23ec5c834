"""The notebooks' helper (kk.workshop.start): labels, values, tables and checks in the notebook's language,
and the what-if slider as JupyterLab shows it."""

from __future__ import annotations

import sys
import types

import pandas as pd
import pytest

import kpikit as kk
from kpikit.errors import KpiDataError
from kpikit.workshop import Line, Workshop, start
from kpikit.workshop.session import _Slider
from tests.paths import SAMPLE


@pytest.fixture(scope="module")
def en() -> Workshop:
    return start("w1_kpi_foundations", SAMPLE, "en")


@pytest.fixture(scope="module")
def vi() -> Workshop:
    return start("w1_kpi_foundations", SAMPLE, "vi")


def test_start_checks_the_notebook_and_the_language():
    with pytest.raises(KpiDataError, match="w1_kpi_foundations"):
        start("w1_kpi_foundation", SAMPLE)
    with pytest.raises(KpiDataError):
        start("w1_kpi_foundations", SAMPLE, "xx")


def test_say_formats_numbers_in_the_language(en, vi):
    line = en.say("by_hand_rate", k=1400, n=20000, rate=0.07)
    assert isinstance(line, Line) and line == "By hand: 1,400 / 20,000 = 7.0%"
    assert repr(line) == str(line)  # shown without quotes
    assert vi.say("by_hand_rate", k=1400, n=20000, rate=0.07) == "Tính bằng tay: 1.400 / 20.000 = 7,0%"
    assert "<p" in line._repr_html_()


def test_value_writes_a_rate_with_its_interval_and_counts(en, vi):
    rate = kk.stats.rate(24, 75)
    assert en.value("renewal_rate", rate) == "Renewal rate, 24 of 75 (kpikit): 32.0% (95% CI 22.5%–43.2%; 24 of 75)"
    assert "32,0%" in vi.value("renewal_rate", rate) and "22,5%" in vi.value("renewal_rate", rate)


def test_tables_read_the_data_folder(en):
    sessions = en.tables["sessions"]
    assert len(sessions) == 20000
    sessions.loc[:, "pageviews"] = 0  # a copy: the next read is untouched
    assert en.tables["sessions"]["pageviews"].gt(0).any()
    assert "subscriptions" in list(en.tables)


def test_check_uses_the_notebooks_language(vi):
    assert vi.check("nps", None).message.startswith("Chưa có câu trả lời")


def test_table_labels_columns_and_terms_in_the_language(vi):
    steps = kk.workshop.clv_steps(100, years=5, gross_margin=0.6, monthly_churn=0.05, annual_discount_rate=0.1)
    shown = str(vi.table(steps, caption="clv_steps", counts=["value", "change"]))
    assert "chi tiêu x 12 x số năm" in shown  # the step names, translated
    assert "6.000" in shown and "3.600" in shown


def test_what_if_without_a_kernel_is_the_table(en):
    frame = kk.workshop.interval_by_sample_size(0.45, [25, 100])
    shown = en.what_if(frame, slider="n", caption="interval_by_n", pp=["width"])
    assert "Sample size" in str(shown)
    with pytest.raises(KpiDataError, match="no column"):
        en.what_if(frame, slider="size")


def test_the_slider_shows_words_not_widget_internals(en, monkeypatch):
    """With ipywidgets and a kernel, a slider over the rows; its text form is one plain line."""
    made, shown = {}, []

    class FakeWidget:
        def __init__(self, *args, **kwargs):
            made.setdefault(type(self).__name__, []).append((args, kwargs))

        def _repr_mimebundle_(self, include=None, exclude=None):
            return {
                "text/plain": "interactive(children=(SelectionSlider(...),))",
                "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
            }

    widgets = types.ModuleType("ipywidgets")
    widgets.interactive = type("interactive", (FakeWidget,), {})
    widgets.SelectionSlider = type("SelectionSlider", (FakeWidget,), {})
    monkeypatch.setitem(sys.modules, "ipywidgets", widgets)
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))

    frame = kk.workshop.ltv_by_churn(30.0, [0.02, 0.05], gross_margin=0.6)
    en.what_if(frame, slider="churn_rate", caption="ltv_by_churn")
    slider = next(s for s in shown if isinstance(s, _Slider))
    stops = made["SelectionSlider"][0][1]["options"]
    assert stops == [("2.0%", 0), ("5.0%", 1)]
    bundle = slider._repr_mimebundle_()
    assert (
        bundle["text/plain"]
        == repr(slider)
        == ("Slider over Churn rate: one row of the table below at a time (JupyterLab with ipywidgets)")
    )
    assert "application/vnd.jupyter.widget-view+json" in bundle
    # the slider's callback shows one row of the table
    show = made["interactive"][0][0][0]
    show(1)
    assert "£360.00" in str(shown[-1]) and "£900.00" not in str(shown[-1])


def test_pairs_show_as_a_table(en):
    subs = en.tables["subscriptions"]
    month = pd.Timestamp("2025-05-01")
    shown = str(en.mistakes(kk.workshop.subscription_mistakes(subs, month)[:1], caption="churn_added"))
    assert "10.2%" in shown and "202 / 1,982" in shown and "4.5%" in shown and "89 / 1,982" in shown
