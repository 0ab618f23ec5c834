"""kpikit.i18n.finding: a finding is its English text, renders in any language, and sorts by impact."""

from __future__ import annotations

import copy
import pickle

import pytest

from kpikit.errors import MissingTranslationError
from kpikit.i18n import Finding, by_impact

RENEWAL = "{renewed:int} of {due:int} contracts up for renewal renewed: a renewal rate of {rate:pct} (95% CI {low:pct}-{high:pct})."
FIELDS = {"renewed": 65, "due": 82, "rate": 65 / 82, "low": 0.69283427034787, "high": 0.866336096272559}


def test_a_finding_is_its_english_text():
    f = Finding(RENEWAL, FIELDS, impact=1696.0)
    # 65 / 82 = 0.79268 -> 79.3%; Wilson interval 69.3%-86.6%
    assert f == "65 of 82 contracts up for renewal renewed: a renewal rate of 79.3% (95% CI 69.3%-86.6%)."
    assert isinstance(f, str) and "79.3%" in f and f.template == RENEWAL and f.impact == 1696.0
    assert " ".join([f, "Next."]).endswith("Next.")


def test_a_finding_in_vietnamese_formats_numbers_for_vi_vn():
    f = Finding(RENEWAL, {**FIELDS, "renewed": 1650, "due": 2082})
    assert f.text("vi") == (
        "1.650 trên 2.082 hợp đồng đến hạn đã được gia hạn: tỷ lệ gia hạn 79,3% (KTC 95% 69,3%-86,6%)."
    )


def test_money_follows_the_currency_given_to_the_text():
    mrr = (
        "MRR went from {first:money} to {last:money} over {periods:int} periods; new customers added "
        "{new:money} and churn took away {churned:money} of monthly revenue."
    )
    f = Finding(mrr, {"first": 0.0, "last": 69774.8, "periods": 18, "new": 96112.4, "churned": 26312.4}, currency="GBP")
    assert str(f).startswith("MRR went from £0.00 to £69,774.80 over 18 periods")
    assert f.text("vi", currency="VND").startswith("Qua 18 kỳ, MRR đi từ 0\xa0₫ đến 69.775\xa0₫")


def test_a_template_without_a_translation_stops_in_strict_mode_only():
    f = Finding("Churn is {x:pct}.", {"x": 0.043})
    with pytest.raises(MissingTranslationError, match="vi/ has no translation of the finding template 'Churn is"):
        f.text("vi")
    assert f.text("vi", strict=False) == "Churn is 4,3%."


def test_copies_and_pickles_keep_the_template():
    f = Finding(RENEWAL, FIELDS, impact=2.0, currency="GBP")
    for g in (copy.copy(f), copy.deepcopy(f), pickle.loads(pickle.dumps(f))):
        assert g == f and g.template == RENEWAL and g.fields == FIELDS and g.impact == 2.0 and g.currency == "GBP"


def test_findings_sort_by_impact_unknown_last():
    a, b, c = Finding("a", impact=1.0), Finding("b", impact=5.0), Finding("c", impact=float("nan"))
    assert c.impact is None
    assert by_impact([c, "plain text", a, b]) == ["b", "a", "c", "plain text"]
    assert by_impact([a, b, c], n=1) == ["b"]
    # equal impacts keep their order
    assert by_impact([Finding("x", impact=0.0), Finding("y", impact=0.0)]) == ["x", "y"]
