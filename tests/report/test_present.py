"""kpikit.report.present: formatted tables (escaped, with a stable id), findings and the title block."""

import hashlib
import re

import pandas as pd

import kpikit as kk


def table_id(html: str) -> str:
    return re.search(r'<table id="T_(kk[0-9a-f]+)"', html).group(1)


def test_table_escapes_client_strings():
    html = kk.report.table(
        pd.DataFrame({"page": ["<script>alert(1)</script>"], "rate": [0.5]}), percent=["rate"]
    ).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "50.0%" in html


def test_table_id_is_the_hash_of_the_text_it_shows():
    t = kk.report.table(pd.DataFrame({"page": ["/a"], "rate": [0.3]}), percent=["rate"])
    text = "page  rate\n  /a 30.0%"  # what the table shows: the formatted cells, index hidden
    assert repr(t) == text
    assert table_id(t.to_html()) == "kk" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def test_table_id_ignores_float_digits_that_are_not_shown():
    # 0.1 + 0.2 is 0.30000000000000004: the raw numbers (and their CSV) differ in the last digit, as
    # results may from one CPU to another, but both tables show 30.0% and 1,234.57
    a = pd.DataFrame({"page": ["/a"], "rate": [0.1 + 0.2], "value": [1234.5678]})
    b = pd.DataFrame({"page": ["/a"], "rate": [0.3], "value": [1234.5678000000001]})
    assert a.to_csv() != b.to_csv()
    html_a = kk.report.table(a, percent=["rate"]).to_html()
    html_b = kk.report.table(b, percent=["rate"]).to_html()
    assert table_id(html_a) == table_id(html_b)
    assert html_a == html_b and "30.0%" in html_a and "1,234.57" in html_a


def test_table_id_changes_with_what_the_table_shows():
    frame = pd.DataFrame({"page": ["/a"], "rate": [0.3]})
    base = table_id(kk.report.table(frame, percent=["rate"]).to_html())
    shown_differently = [
        kk.report.table(frame.assign(rate=0.31), percent=["rate"]),  # 31.0%
        kk.report.table(frame, percent=["rate"], decimals=2),  # 30.00%
        kk.report.table(frame, percent=["rate"], caption="Bounce rate"),
        kk.report.table(frame.assign(page="/b"), percent=["rate"]),
    ]
    ids = [table_id(t.to_html()) for t in shown_differently]
    assert base not in ids and len(set(ids)) == len(ids)


def test_table_formats_numbers_dates_and_missing_values():
    frame = pd.DataFrame({"n": [1234, 5], "x": [0.5, None], "day": pd.to_datetime(["2025-01-01", "2025-02-01"])})
    assert kk.report.table(frame).formatted().to_dict("list") == {
        "n": ["1,234", "5"],
        "x": ["0.50", "–"],
        "day": ["2025-01-01", "2025-02-01"],
    }
