"""kpikit.i18n.formats: numbers, money, shares and dates by the language's locale, worked by hand."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest

from kpikit.errors import KpiDataError
from kpikit.i18n import (
    format_count,
    format_date,
    format_money,
    format_month,
    format_number,
    format_p,
    format_period,
    format_pp,
    format_ratio,
    format_share,
    format_signed,
    format_value,
    render_template,
)

NBSP = "\xa0"


def test_shares_in_english_and_vietnamese():
    # 0.447 is 44.7 %: a point in English, a comma in Vietnamese, no space before the sign in either
    assert format_share(0.447) == "44.7%"
    assert format_share(0.447, "vi") == "44,7%"
    assert format_share(0.447, decimals=0) == "45%"
    assert format_share(1.0) == "100.0%"
    assert format_share(12.3456) == "1,234.6%"  # a share above 1 keeps its group separator
    assert format_share(12.3456, "vi") == "1.234,6%"


def test_halves_round_up_as_readers_expect():
    # 0.0565 is exactly 5.65 %: 5.7 %, not Babel's default round-half-even 5.6 %
    assert format_share(0.0565) == "5.7%"
    assert format_number(2.25, decimals=1) == "2.3"
    assert format_money(0.125, "GBP") == "£0.13"


def test_no_negative_zero_and_no_nan_or_inf():
    assert format_share(-0.0001) == "0.0%"
    assert format_share(-0.00049, decimals=1) == "0.0%"
    assert format_pp(-0.00001) == "0.0 pp"
    assert format_money(-0.001, "GBP") == "£0.00"
    for f in (format_share, format_count, format_number, format_pp, format_ratio, format_p):
        assert f(float("nan")) == "–" and f(None) == "–"
    assert format_share(math.inf) == "n/a" and format_ratio(math.inf) == "n/a"
    assert format_ratio(math.inf, "vi") == "không áp dụng"
    assert format_month(pd.NaT) == "–"


def test_money_with_the_currency_of_the_report():
    assert format_money(1234.5, "GBP") == "£1,234.50"
    # VND has no minor unit: 1,234,567.5 rounds to 1.234.568, the symbol after a no-break space
    assert format_money(1234567.5, "VND", "vi") == f"1.234.568{NBSP}₫"
    assert format_money(1234.5, "GBP", "vi") == f"1.234,50{NBSP}£"
    assert format_money(1234.5, "USD") == "US$1,234.50"  # en_GB: the dollar is named
    assert format_money(69774.8, "GBP", decimals=0) == "£69,775"
    assert format_money(Decimal("3917.84"), "GBP") == "£3,917.84"  # the MRR ledger's Decimals
    assert format_money(-1234.5, "EUR") == "-€1,234.50"
    assert format_money(1234.5) == "1,234.50"  # no currency: the amount alone


def test_counts_and_numbers():
    assert format_count(1234567) == "1,234,567"
    assert format_count(1234567, "vi") == "1.234.567"
    assert format_count(2200.0) == "2,200"
    # by size: 2 decimals below 100, 1 below 1,000, none above
    assert [format_number(x) for x in (4.94, 443.704, 12345.6)] == ["4.94", "443.7", "12,346"]
    assert format_number(1234.5, "vi", 1) == "1.234,5"


def test_percentage_points_are_signed():
    # a 23.2-point drop (0.6544 -> 0.4222) and a 2.3-point rise
    assert format_pp(0.4222 - 0.6544) == "-23.2 pp"
    assert format_pp(0.023) == "+2.3 pp"
    assert format_pp(0.023, "vi") == "+2,3 điểm %"


def test_p_and_q_values():
    assert format_p(3.4134988492225246e-13) == "< 0.001"
    assert format_p(3.4e-13, "vi") == "< 0,001"
    assert format_p(0.312014) == "0.312"
    assert format_p(0.0014) == "0.001"  # 0.0014 is not below 0.001
    assert format_p(0.0124, name="q") == "q = 0.012"
    assert format_p(1e-9, name="p") == "p < 0.001"


def test_ratios_and_signed_scores():
    assert format_ratio(2.561591869565988) == "2.6x"
    assert format_ratio(2.561591869565988, "vi") == "2,6 lần"
    assert format_signed(33.54) == "+34"
    assert format_signed(-2.51, decimals=1) == "-2.5"
    assert format_signed(0.0) == "+0"  # an NPS of zero reads +0


def test_months_dates_and_periods():
    assert format_month("2025-06-01") == "Jun 2025"
    assert format_month(pd.Timestamp("2025-06-15"), "vi") == "thg 6 2025"
    assert format_month(dt.date(2024, 9, 1)) == "Sept 2024"  # en_GB's abbreviation
    assert format_date("2025-06-30") == "30 Jun 2025"
    assert format_date(pd.Timestamp("2025-06-30 13:45"), "vi") == "30 thg 6, 2025"
    assert format_period("2025Q1") == "Q1 2025"
    assert format_period(pd.Period("2025-03", "M"), "vi") == "thg 3 2025"
    assert format_period(pd.Timestamp("2025-04-01"), freq="QS") == "Q2 2025"
    assert format_period("2025") == "2025"


def test_format_value_by_spec_and_terms():
    assert format_value(0.5786704263648837, "pct") == "57.9%"
    assert format_value("detractor", "term", "vi") == "người phản đối"
    assert format_value("Box Monthly", "term", "vi") == "Box Monthly"  # the client's own label
    assert format_value(True, "") == "True" and format_value(3.5, "") == "3.50"
    with pytest.raises(KpiDataError, match="unknown format spec 'percent'"):
        format_value(0.5, "percent")


def test_render_template_fills_placeholders_per_language():
    fields = {"n": 1650, "k": 2082, "r": 0.79251, "m": 2043.44}
    text = "{n:int} of {k:int} ({r:pct}), {m:money}"
    assert render_template(text, fields, "en", "GBP") == "1,650 of 2,082 (79.3%), £2,043.44"
    assert render_template(text, fields, "vi", "VND") == f"1.650 of 2.082 (79,3%), 2.043{NBSP}₫"
    with pytest.raises(KpiDataError, match="needs a value for 'k'"):
        render_template(text, {"n": 1}, "en")
