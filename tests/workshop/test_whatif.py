"""What-if tables: the same computation a slider shows, worked out by hand."""

from __future__ import annotations

import math

import pytest

from kpikit.errors import KpiDataError
from kpikit.workshop import clv_steps, interval_by_sample_size, ltv_by_churn, nps_interval_by_sample_size

Z95 = 1.959963984540054


def _wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_interval_by_sample_size_is_wilson_on_each_size():
    table = interval_by_sample_size(0.45, [25, 100, 400, 10000])
    assert table["successes"].tolist() == [11, 45, 180, 4500]  # round(0.45 x n)
    for row in table.itertuples():
        low, high = _wilson(row.successes, row.n)
        assert row.ci_low == pytest.approx(low, abs=1e-9)
        assert row.ci_high == pytest.approx(high, abs=1e-9)
        assert row.width == pytest.approx(high - low)
    # four times the sample, about half the width
    assert table["width"].iloc[2] / table["width"].iloc[1] == pytest.approx(0.5, abs=0.02)


def test_interval_by_sample_size_refuses_bad_input():
    with pytest.raises(KpiDataError):
        interval_by_sample_size(1.5, [10])
    with pytest.raises(KpiDataError):
        interval_by_sample_size(0.5, [0, 10])


def test_nps_interval_by_sample_size():
    table = nps_interval_by_sample_size(0.5, 0.2, [100, 400, 1600])
    assert table["nps"].tolist() == pytest.approx([30.0, 30.0, 30.0])
    assert (table["ci_low"] < 30).all() and (table["ci_high"] > 30).all()
    assert table["width"].iloc[0] == pytest.approx(30.6, abs=0.1)  # about +-15 points on 100 answers
    assert table["width"].iloc[1] / table["width"].iloc[0] == pytest.approx(0.5, abs=0.02)
    with pytest.raises(KpiDataError):
        nps_interval_by_sample_size(0.7, 0.5, [100])


def test_ltv_by_churn():
    table = ltv_by_churn(30.0, [0.05, 0.04, 0.02], gross_margin=0.6)
    assert table["ltv"].tolist() == pytest.approx([360.0, 450.0, 900.0])  # 30 x 0.6 / churn
    assert table["lifetime_months"].tolist() == pytest.approx([20.0, 25.0, 50.0])
    assert ltv_by_churn(30.0, [0.05])["ltv"].iloc[0] == pytest.approx(600.0)  # revenue: no margin
    with pytest.raises(KpiDataError):
        ltv_by_churn(30.0, [0.0])


def test_clv_steps_from_100_x_12_x_5():
    steps = clv_steps(100, years=5, gross_margin=0.6, monthly_churn=0.05, annual_discount_rate=0.10)
    values = dict(zip(steps["step"], steps["value"]))
    assert values["naive"] == pytest.approx(6000.0)  # 100 x 12 x 5
    assert values["margin"] == pytest.approx(3600.0)  # x 60%
    # 60 a month while the customer stays: 60 x (1 - 0.95^60) / 0.05
    assert values["retention"] == pytest.approx(60 * (1 - 0.95**60) / 0.05)
    i = 1.1 ** (1 / 12) - 1
    assert values["discounting"] == pytest.approx(sum(60 * 0.95**t / (1 + i) ** t for t in range(60)))
    assert values["open_lifetime"] == pytest.approx(60 * (1 + i) / (i + 0.05))
    assert round(values["discounting"]) == 1013
    assert steps["change"].iloc[1] == pytest.approx(-2400.0)
    with pytest.raises(KpiDataError):
        clv_steps(100, gross_margin=0)
