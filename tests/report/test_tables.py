"""kpikit.report.tables: client tables as REPORT_STYLE asks, checked cell by cell."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd

import kpikit as kk
from kpikit.report.columns import interval_columns
from kpikit.report.tables import client_table

FORBIDDEN = re.compile(r"\b(True|False|NaN|nan|inf|None)\b|-0\.0%|-0,0%")


def churn_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-05-01", "2025-06-01"]),
            "customers_start": [0, 2095],
            "churned": [0, 80],
            "at_risk": [0, 2095],
            "churn_rate": [np.nan, 80 / 2095],
            "ci_low": [np.nan, 0.030789027928155847],
            "ci_high": [np.nan, 0.047273780547503884],
            "small_sample": [True, False],
        }
    )


def test_labels_intervals_and_formats():
    t = client_table(churn_frame())
    cells = t.formatted()
    # verdict columns right after the row labels; value and interval in one cell (80 / 2095 = 3.8%)
    assert list(cells.columns) == [
        "Period",
        "Small sample",
        "Customers at start",
        "Churned",
        "At risk",
        "Churn rate (95% CI)",
    ]
    assert cells.iloc[1].tolist() == ["Jun 2025", "", "2,095", "80", "2,095", "3.8% (3.1–4.7)"]
    assert cells.iloc[0].tolist() == ["May 2025", "yes", "0", "0", "0", "–"]
    assert not t.unlabelled


def test_in_vietnamese():
    cells = client_table(churn_frame(), lang="vi").formatted()
    assert list(cells.columns)[-1] == "Tỷ lệ rời bỏ (KTC 95%)"
    assert cells.iloc[1].tolist() == ["thg 6 2025", "", "2.095", "80", "2.095", "3,8% (3,1–4,7)"]
    assert cells.iloc[0, 1] == "có"


def test_never_true_false_nan_inf_or_negative_zero():
    frame = pd.DataFrame(
        {
            "segment": ["a", "b", None],
            "flagged": [True, False, True],
            "difference": [-0.00001, 0.0123, np.nan],
            "quick_ratio": [np.inf, 2.5, np.nan],
            "p_value": [3.4e-13, 0.31, np.nan],
            "mean": [-0.0, 1.5, np.nan],
        }
    )
    t = client_table(frame)
    text = repr(t) + t.to_html()
    assert not FORBIDDEN.search(text), FORBIDDEN.search(text)
    cells = t.formatted()
    assert cells["Difference"].tolist() == ["0.0 pp", "+1.2 pp", "–"]
    assert cells["Quick ratio"].tolist() == ["n/a", "2.5x", "–"]
    assert cells["p-value"].tolist() == ["< 0.001", "0.310", "–"]
    assert cells["Mean"].tolist() == ["0.0", "1.5", "–"]


def test_money_in_the_reports_currency_including_decimals():
    frame = pd.DataFrame(
        {"period": pd.to_datetime(["2025-06-01"]), "mrr_start": [Decimal("66531.00")], "churn": [Decimal("2551.52")]}
    )
    cells = client_table(frame, currency="GBP").formatted()
    assert cells.iloc[0].tolist() == ["Jun 2025", "£66,531.00", "£2,551.52"]
    cells = client_table(frame, currency="VND", lang="vi").formatted()
    assert cells.iloc[0].tolist() == ["thg 6 2025", "66.531\xa0₫", "2.552\xa0₫"]


def test_intervals_of_differences_and_ratios_and_open_ends():
    frame = pd.DataFrame(
        {
            "group": ["detractor", "promoter"],
            "difference": [0.035113, 0.0],
            "diff_low": [0.024123, -0.005055],
            "diff_high": [0.046103, 0.005055],
            "ratio": [2.561592, 1.0],
            "ratio_low": [2.014066, 0.798657],
            "ratio_high": [3.257964, 1.252101],
            "median": [14.98152, np.nan],
            "median_low": [11.00616, np.nan],
            "median_high": [np.nan, np.nan],
        }
    )
    cells = client_table(frame, missing={"median": "ui.not_reached"}).formatted()
    assert cells["Difference (95% CI)"].tolist() == ["+3.5 pp (2.4–4.6)", "0.0 pp (-0.5 to 0.5)"]
    assert cells["Rate ratio (95% CI)"].tolist() == ["2.6x (2.0x–3.3x)", "1.0x (0.8x–1.3x)"]
    assert cells["Median (95% CI)"].tolist() == ["15.0 (11.0–not reached)", "not reached"]
    assert cells["Group"].tolist() == ["detractor", "promoter"]
    assert client_table(frame, lang="vi").formatted()["Nhóm"].tolist() == ["người phản đối", "người ủng hộ"]


def test_interval_pairs():
    cols = [
        "landing_page",
        "sessions",
        "bounce_rate",
        "ci_low",
        "ci_high",
        "conversion_rate",
        "conversion_ci_low",
        "conversion_ci_high",
    ]
    assert interval_columns(cols) == {
        "conversion_rate": ("conversion_ci_low", "conversion_ci_high"),
        "bounce_rate": ("ci_low", "ci_high"),
    }
    assert interval_columns(["current", "current_low", "current_high", "change", "change_low", "change_high"]) == {
        "current": ("current_low", "current_high"),
        "change": ("change_low", "change_high"),
    }


def test_wide_tables_show_eight_columns_and_keep_the_full_table_below():
    frame = kk.subscriptions.customer_churn(
        pd.DataFrame(
            {
                "customer_id": ["a", "b", "c"],
                "subscription_id": ["1", "2", "3"],
                "plan": ["p"] * 3,
                "interval": ["month"] * 3,
                "amount": [10.0] * 3,
                "start": pd.to_datetime(["2025-01-05", "2025-01-06", "2025-02-02"]),
                "end": pd.to_datetime([None, "2025-02-10", None]),
            }
        ),
        as_of="2025-03-31",
    )
    t = client_table(frame.drop(columns="small_sample"))
    assert len(t.cells.columns) == 10 and len(t.view) == 8
    # the rate and its interval are in the view whatever the width
    assert t.view[0] == "Period" and "Churn rate (95% CI)" in t.view
    html = t.to_html()
    assert (
        html.count("<table") == 2
        and "<details class='kpikit-full-table'><summary>Full table (2 more columns)</summary>" in html
    )
    chosen = client_table(frame.drop(columns="small_sample"), columns=["churned", "at_risk", "churn_rate"])
    assert chosen.view == ["Period", "Churned", "At risk", "Churn rate (95% CI)"]


def test_html_escapes_and_aligns():
    t = client_table(pd.DataFrame({"landing_page": ["<script>x</script>"], "sessions": [1200]}), caption="Pages & more")
    html = t.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<caption>Pages &amp; more</caption>" in html
    assert "style='text-align:left'>&lt;script" in html and "style='text-align:right'>1,200<" in html
    assert "overflow-x:auto" in html  # wide tables scroll inside their own box


def test_a_named_index_becomes_a_column_and_unknown_columns_read_well():
    frame = pd.DataFrame({"weird_metric": [0.5]}, index=pd.Index(["x"], name="plan"))
    t = client_table(frame)
    assert list(t.formatted().columns) == ["Plan", "Weird metric"] and t.unlabelled == ["weird_metric"]


def test_the_old_plain_tables_are_unchanged_without_lang():
    # notebooks not yet on kk.report.start keep their committed outputs
    t = kk.report.table(pd.DataFrame({"page": ["/a"], "rate": [0.3]}), percent=["rate"])
    assert isinstance(t, kk.report.Table) and repr(t) == "page  rate\n  /a 30.0%"
    c = kk.report.table(pd.DataFrame({"page": ["/a"], "rate": [0.3]}), percent=["rate"], lang="en")
    assert isinstance(c, kk.report.ClientTable) and c.formatted().iloc[0].tolist() == ["/a", "30.0%"]
