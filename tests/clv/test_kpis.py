"""Tests of kpikit.clv.kpis and the segment helpers: what a report records, and the notes of skipped sections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpikit.clv as clv
from kpikit.errors import KpiDataError
from tests.clv.test_findings import _models


def test_require_identified_stops_a_section_with_its_note_in_the_reports_language():
    purchases, spend = _models()
    clv.require_identified(purchases, spend, what="the mean CLV")  # both identified: nothing happens
    purchases, spend = _models(identified=False)
    with pytest.raises(KpiDataError) as err:
        clv.require_identified(purchases, spend, what="the mean CLV")
    assert str(err.value) == (
        "Not reported: the mean CLV, because the data do not identify the model. Pareto/NBD: the data do not "
        "identify s (estimate 0.6, standard error 0.7: its standard error exceeds the estimate). Results that rest "
        "on it are not findings."
    )
    clv.require_identified(spend_model=spend, what="the spend")  # the spend model alone is identified
    with pytest.raises(KpiDataError) as err:
        clv.require_identified(purchases, what="CLV trung bình", lang="vi")
    assert str(err.value).startswith("Không báo cáo CLV trung bình, vì dữ liệu chưa đủ để xác định mô hình. Pareto/NBD")
    assert "estimate" not in str(err.value) and "0,6" in str(err.value)


def test_segment_column_and_the_note_when_there_is_none():
    tx = pd.DataFrame({"customer_id": ["a", "b"], "channel": ["Email", None], "region": [None, None]})
    assert clv.segment_column(tx) == "channel" and clv.segment_column(tx, "region") is None
    assert clv.segment_column(tx, "shop") is None and clv.segment_column(tx, None) is None
    clv.require_segment("channel")
    with pytest.raises(KpiDataError, match=r"^The transactions carry no 'region' column .* are skipped\."):
        clv.require_segment(None, "region")
    with pytest.raises(KpiDataError, match=r"^Dữ liệu giao dịch không có cột 'channel'"):
        clv.require_segment(None, lang="vi")
    # clv_by_segment says the same when called without the column
    values = pd.DataFrame({"customer_id": ["a"], "clv": [1.0]})
    with pytest.raises(KpiDataError, match=r"^The transactions carry no 'channel' column"):
        clv.clv_by_segment(values, None)


def test_segment_kpis_leave_out_small_segments_and_missing_values():
    t = pd.DataFrame(
        {
            "segment": ["A", "B", "C", "D"],
            "ltv_cac": [0.5, 2.0, 0.1, 1.5],
            "payback_months": [np.nan, 8.0, 3.0, 14.0],
            "small_sample": [False, False, True, False],
        }
    )
    assert clv.segment_kpi(t, "ltv_cac") == {"A": 0.5, "B": 2.0, "D": 1.5}
    assert clv.segment_kpi(t, "payback_months") == {"B": 8.0, "D": 14.0}  # A never pays back; C is small
    assert clv.segment_kpi(t, "ltv_cac", lowest=True) == {"value": 0.5, "segment": "A"}
    assert clv.lowest_segment(t, "payback_months") == "B"
    with pytest.raises(KpiDataError, match="No segment has enough customers"):
        clv.segment_kpi(t.assign(small_sample=True), "ltv_cac", lowest=True)


def test_top_customers_keeps_the_readers_columns():
    v = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "channel": ["Email", "Ads", "Ads"],
            "first_purchase": pd.to_datetime(["2024-01-01"] * 3),
            "frequency": [1, 2, 3],
            "p_alive": [0.5, 0.9, 0.2],
            "expected_purchases": [1.0, 3.0, 0.5],
            "expected_spend": [20.0, 30.0, 10.0],
            "clv": [3.0, 9.0, 1.0],
        }
    )
    top = clv.top_customers(v, 2)
    assert top.columns.tolist() == ["customer_id", "channel", "p_alive", "expected_purchases", "expected_spend", "clv"]
    assert top["customer_id"].tolist() == ["b", "a"]
    with pytest.raises(KpiDataError, match="top_n"):
        clv.top_customers(v, 0)
