"""Tests of kpikit.attribution.credit: attribute and compare on touchpoints and on path tables, which agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit import attribution as A
from kpikit.errors import KpiDataError
from tests.attribution.helpers import EXPORT_COLUMNS, HAND, PATH_EXPORT, expand, export_as_read, touches


def test_multiple_conversions_per_user_split_paths():
    # one user converts twice: [Email] -> conv, then [Paid Search, Direct] -> conv, then [Display] (open)
    tp = touches([("u", [(0, "Email")], True, 5.0)])
    tp2 = touches([("u", [(1, "Paid Search"), (2, "Direct")], True, 7.0)])
    tp3 = touches([("u", [(3, "Display")], False, 0.0)])
    tp = pd.concat([tp, tp2, tp3], ignore_index=True)
    c = A.attribute(tp, "first_touch", value_col="value").set_index("channel")
    assert c["conversions"].to_dict() == {"Email": 1.0, "Paid Search": 1.0, "Direct": 0.0, "Display": 0.0}
    assert c["revenue"].to_dict() == {"Email": 5.0, "Paid Search": 7.0, "Direct": 0.0, "Display": 0.0}


def test_compare():
    cmp = A.compare(HAND, models=["first_touch", "last_touch", "linear", "markov"])
    assert list(cmp.columns) == ["channel", "first_touch", "last_touch", "linear", "markov", "spread"]
    row = cmp.set_index("channel").loc["Paid Social"]
    assert row["first_touch"] == 2.0 and row["last_touch"] == 0.0 and row["spread"] == pytest.approx(2.0)
    assert cmp[["first_touch", "last_touch", "linear", "markov"]].sum().tolist() == pytest.approx([3.0] * 4)
    assert list(A.compare(HAND).columns) == ["channel", *A.MODELS, "spread"]


def test_bad_input():
    with pytest.raises(KpiDataError, match="Unknown attribution model 'shapley'"):
        A.attribute(HAND, "shapley")
    with pytest.raises(KpiDataError, match="missing column\\(s\\) 'channel'"):
        A.attribute(HAND.drop(columns="channel"), "linear")
    bad = HAND.astype({"converted": object})
    bad.loc[0, "converted"] = "maybe"
    with pytest.raises(KpiDataError, match="column 'converted': expected true/false"):
        A.attribute(bad, "linear")
    nochan = HAND.copy()
    nochan.loc[1, "channel"] = None
    with pytest.raises(KpiDataError, match="column 'channel': 1 empty values \\(row 2\\)"):
        A.attribute(nochan, "linear")
    with pytest.raises(KpiDataError, match="value_col"):
        A.compare(HAND, value=True)


def test_period_keeps_paths_ending_inside():
    # HAND: u1 converts on day 7, u2 on day 2, u3 on day 0; u4's open path ends on day 0
    a = A.attribute(HAND, "first_touch", start="2025-01-02", end="2025-01-09")
    # paths of u1 (day 7) and u2 (day 2): both opened by Paid Social
    assert a.set_index("channel")["conversions"].to_dict() == {
        "Paid Social": 2.0,
        "Direct": 0.0,
        "Email": 0.0,
        "Organic Search": 0.0,
    }


journeys = st.lists(
    st.tuples(
        st.lists(
            st.tuples(
                st.integers(0, 30), st.sampled_from(["Direct", "Email", "Paid Social", "Organic Search", "Referral"])
            ),
            min_size=1,
            max_size=6,
        ),
        st.booleans(),
        st.floats(0, 500, allow_nan=False),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None)
@given(js=journeys)
@pytest.mark.filterwarnings("ignore:Markov removal effects from converting paths only")
def test_every_model_credits_sum_to_the_total(js):
    tp = touches([(f"u{i}", sorted(seq), conv, val) for i, (seq, conv, val) in enumerate(js)])
    n_conv = sum(conv for _, conv, _ in js)
    revenue = sum(val for _, conv, val in js if conv)
    for m in A.MODELS:
        a = A.attribute(tp, m, value_col="value")
        assert (a["conversions"] >= -1e-12).all()
        assert a["conversions"].sum() == pytest.approx(n_conv, abs=1e-9), m
        assert a["revenue"].sum() == pytest.approx(revenue, abs=1e-6), m


def _same_credits(paths: pd.DataFrame, tp: pd.DataFrame) -> None:
    """Every model that a path table supports gives the path table's credits from its expanded touchpoints."""
    for m in A.PATH_MODELS:
        weighted = A.attribute(paths, m)
        expanded = A.attribute(tp, m, value_col="value")
        assert weighted["channel"].tolist() == expanded["channel"].tolist(), m
        for col in ["conversions", "share", "revenue"] + (["removal_effect"] if m == "markov" else []):
            np.testing.assert_allclose(weighted[col], expanded[col], rtol=1e-12, atol=1e-9, err_msg=f"{m} {col}")
        assert weighted.attrs == expanded.attrs


def test_a_path_table_credits_as_its_expanded_touchpoints():
    paths = A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS)
    tp = expand(export_as_read())
    # journeys x touches: A > B 3 x 2, B 3 x 1, A > B > Direct 1 x 3, Direct 3 x 1
    assert len(tp) == 15 and tp["user_id"].nunique() == 10
    _same_credits(paths, tp)
    # first and last touch (and Markov: the same transition counts) agree to the last bit
    for m in ("first_touch", "last_touch", "markov"):
        pd.testing.assert_frame_equal(
            A.attribute(paths, m)[["channel", "conversions", "revenue"]],
            A.attribute(tp, m, value_col="value")[["channel", "conversions", "revenue"]],
            check_exact=True,
        )
    cmp = A.compare(paths)
    assert list(cmp.columns) == ["channel", *A.PATH_MODELS, "spread"]
    pd.testing.assert_frame_equal(cmp, A.compare(tp, models=A.PATH_MODELS), rtol=1e-12)
    value = A.compare(paths, value=True, models=["first_touch", "linear"]).set_index("channel")
    assert value["first_touch"].to_dict() == {"A": 150.0, "B": 30.0, "Direct": 0.0}


path_tables = st.lists(
    st.tuples(
        st.lists(st.sampled_from(["Direct", "Email", "Paid Social", "Referral"]), min_size=1, max_size=5),
        st.integers(0, 6),
        st.integers(0, 6),
        st.integers(0, 400),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(rows=path_tables)
@pytest.mark.filterwarnings("ignore:Markov removal effects from converting paths only")
def test_any_path_table_credits_as_its_expanded_touchpoints(rows):
    rows = [r for r in rows if r[1] + r[2] > 0] or [(["Email"], 1, 0, 10)]
    table = pd.DataFrame(
        {
            "path": [" > ".join(seq) for seq, *_ in rows],
            "conversions": [k for _, k, _, _ in rows],
            "value": [float(v * k) for _, k, _, v in rows],  # v per conversion
            "nulls": [m for _, _, m, _ in rows],
        }
    )
    _same_credits(A.read_paths(table, value="value", nulls="nulls"), expand(table))


def test_what_a_path_table_cannot_do_is_refused():
    paths = A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS)
    with pytest.raises(KpiDataError, match="time_decay needs the time of each touch"):
        A.attribute(paths, "time_decay")
    with pytest.raises(KpiDataError, match="time_decay needs the time"):
        A.compare(paths, models=["linear", "time_decay"])
    with pytest.raises(KpiDataError, match="start/end select paths by the time they end"):
        A.attribute(paths, "linear", start="2025-01-01")
    bare = A.read_paths(PATH_EXPORT, conversions="total_conversions")
    with pytest.raises(KpiDataError, match="value_col='value': the paths table has no value column"):
        A.attribute(bare, "linear", value_col="value")
    with pytest.raises(KpiDataError, match=r"compare\(value=True\) needs .*read_paths\(\.\.\., value=\.\.\.\)"):
        A.compare(bare, value=True)
    assert "revenue" not in A.attribute(bare, "linear").columns
