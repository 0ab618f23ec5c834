"""Tests of kpikit.attribution.heuristics: each rule-based model by hand, on touchpoints and on a path table."""

from __future__ import annotations

import numpy as np
import pytest

from kpikit import attribution as A
from kpikit.errors import KpiDataError
from tests.attribution.helpers import EXPORT_COLUMNS, HAND, PATH_EXPORT


def credits(model, **kw):
    return A.attribute(HAND, model, **kw).set_index("channel")["conversions"].to_dict()


def test_first_and_last_touch():
    assert credits("first_touch") == {"Paid Social": 2.0, "Direct": 1.0, "Email": 0.0, "Organic Search": 0.0}
    assert credits("last_touch") == {"Direct": 2.0, "Email": 1.0, "Organic Search": 0.0, "Paid Social": 0.0}


def test_last_non_direct():
    # P1 -> Email; P2 -> Organic Search (Direct skipped); P3 all direct -> Direct
    assert credits("last_non_direct") == {"Direct": 1.0, "Email": 1.0, "Organic Search": 1.0, "Paid Social": 0.0}


def test_linear_with_revenue():
    a = A.attribute(HAND, "linear", value_col="value").set_index("channel")
    # Paid Social 1/2 + 1/3; Email 1/2; Organic Search 1/3; Direct 1/3 + 1
    assert a["conversions"].to_dict() == pytest.approx(
        {"Paid Social": 5 / 6, "Email": 0.5, "Organic Search": 1 / 3, "Direct": 4 / 3}
    )
    # revenue: Paid Social 50 + 50/3; Email 50; Organic Search 50/3; Direct 50/3 + 30
    assert a["revenue"].to_dict() == pytest.approx(
        {"Paid Social": 200 / 3, "Email": 50.0, "Organic Search": 50 / 3, "Direct": 140 / 3}
    )
    assert a["share"].sum() == pytest.approx(1.0)


def test_position_based():
    # P1 two touches: 40/(40+40) each = 0.5; P2: 0.4 / 0.2 / 0.4; P3: 1
    assert credits("position_based") == pytest.approx(
        {"Paid Social": 0.9, "Email": 0.5, "Organic Search": 0.2, "Direct": 1.4}
    )
    # custom weights 30/40/30 on P2: 0.3, 0.4, 0.3
    c = credits("position_based", weights=(0.3, 0.4, 0.3))
    assert c == pytest.approx({"Paid Social": 0.8, "Email": 0.5, "Organic Search": 0.4, "Direct": 1.3})
    with pytest.raises(KpiDataError, match="sum to 1"):
        credits("position_based", weights=(0.5, 0.5, 0.5))


def test_time_decay():
    # P1: Paid Social 7 days before the conversion -> weight 2^-1 = 0.5, Email 1 -> 1/3, 2/3
    # P2: ages 2, 1, 0 days -> 2^(-2/7), 2^(-1/7), 1, normalised
    w = np.array([2 ** (-2 / 7), 2 ** (-1 / 7), 1.0])
    w = w / w.sum()
    c = credits("time_decay")
    assert c["Email"] == pytest.approx(2 / 3)
    assert c["Paid Social"] == pytest.approx(1 / 3 + w[0])
    assert c["Organic Search"] == pytest.approx(w[1])
    assert c["Direct"] == pytest.approx(w[2] + 1)
    # a one-day half-life: P1 Paid Social weight 2^-7
    c1 = credits("time_decay", half_life="1D")
    assert c1["Email"] == pytest.approx(1 / (1 + 2**-7))
    with pytest.raises(KpiDataError, match="half_life must be positive"):
        credits("time_decay", half_life="-1D")


# The path table of helpers.PATH_EXPORT, worked by hand (4 conversions worth 180):
#   A > B          x2, value 100 | B x1, value 30 | A > B > Direct x1, value 50
HAND_PATHS = {
    # first: A opens 2 + 1 conversions (100 + 50), B opens 1 (30)
    "first_touch": ({"A": 3.0, "B": 1.0, "Direct": 0.0}, {"A": 150.0, "B": 30.0, "Direct": 0.0}),
    # last: B closes 2 + 1 (100 + 30), Direct 1 (50)
    "last_touch": ({"A": 0.0, "B": 3.0, "Direct": 1.0}, {"A": 0.0, "B": 130.0, "Direct": 50.0}),
    # last non-direct: B, also on A > B > Direct
    "last_non_direct": ({"A": 0.0, "B": 4.0, "Direct": 0.0}, {"A": 0.0, "B": 180.0, "Direct": 0.0}),
    # linear: A > B gives 1 + 1 (50 + 50); B gives 1 (30); A > B > Direct 1/3 each (50/3 each)
    "linear": (
        {"A": 4 / 3, "B": 7 / 3, "Direct": 1 / 3},
        {"A": 50 + 50 / 3, "B": 50 + 30 + 50 / 3, "Direct": 50 / 3},
    ),
    # position-based 40/20/40: A > B 0.5/0.5 x2; B 1; A > B > Direct 0.4/0.2/0.4 (20/10/20)
    "position_based": ({"A": 1.4, "B": 2.2, "Direct": 0.4}, {"A": 70.0, "B": 90.0, "Direct": 20.0}),
}


@pytest.mark.parametrize("model", sorted(HAND_PATHS))
def test_each_rule_on_a_path_table_by_hand(model):
    paths = A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS)
    a = A.attribute(paths, model).set_index("channel")
    conversions, revenue = HAND_PATHS[model]
    assert a["conversions"].to_dict() == pytest.approx(conversions, rel=1e-12)
    assert a["revenue"].to_dict() == pytest.approx(revenue, rel=1e-12)
    assert a.attrs["total_conversions"] == 4.0 and a.attrs["total_revenue"] == 180.0
    assert a["share"].sum() == pytest.approx(1.0)
