"""kpikit.report.excel: the report's workbook, one sheet per table, reproducible bytes."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from kpikit.report.excel import XLSX_MIME, excel_from_notebook, sheet_name, workbook_bytes
from kpikit.report.tables import client_table


def tables():
    churn = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-05-01", "2025-06-01"]),
            "churn_rate": [np.nan, 0.0382],
            "ci_low": [np.nan, 0.0308],
            "ci_high": [np.nan, 0.0473],
            "small_sample": [True, False],
        }
    )
    money = pd.DataFrame({"plan": ["Box"], "mrr": [Decimal("66531.00")], "quick_ratio": [np.inf]})
    return [
        ("Churn per period: all plans", client_table(churn)),
        ("Churn per period: all plans", client_table(money, currency="GBP")),
    ]


def test_one_sheet_per_table_with_labels_and_raw_numbers():
    wb = load_workbook(io.BytesIO(workbook_bytes(tables())))
    assert wb.sheetnames == ["Churn per period all plans", "Churn per period all plans (2)"]
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["Period", "Churn rate", "95% CI, low", "95% CI, high", "Small sample"]
    assert ws["B3"].value == 0.0382 and ws["B3"].number_format == "0.0%" and ws["B2"].value is None
    assert ws["A3"].value.year == 2025 and ws["A3"].number_format == "mmm yyyy"
    ws = wb.worksheets[1]
    assert ws["B2"].value == 66531.0 and ws["C2"].value is None  # a Decimal as a number; inf left empty


def test_the_same_tables_give_the_same_bytes():
    assert workbook_bytes(tables()) == workbook_bytes(tables())


def test_sheet_names_follow_excels_rules():
    taken: set[str] = set()
    assert sheet_name("A/B test: [results]?", taken) == "AB test results"
    long = "x" * 40
    assert sheet_name(long, taken) == "x" * 31 and sheet_name(long, taken) == "x" * 27 + " (2)"
    assert sheet_name("ab test results", taken) == "ab test results (2)"  # Excel compares names without case


def test_the_renderer_gets_the_workbook_back_from_the_notebook():
    data = workbook_bytes(tables())
    text = base64.b64encode(data).decode("ascii")
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {XLSX_MIME: text}}]}]}
    assert excel_from_notebook(nb) == data
    assert excel_from_notebook({"cells": []}) is None
