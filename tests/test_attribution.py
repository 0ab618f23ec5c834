"""Tests of kpikit.attribution: each heuristic model by hand, the Markov model against a hand-solved
chain, and the invariant that every model's credits sum to the total."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpikit import attribution as A
from kpikit.errors import KpiDataError


def touches(paths):
    """Touchpoints from [(user, [(day, channel), ...], converted, value)]."""
    rows = []
    for user, seq, conv, value in paths:
        for i, (day, ch) in enumerate(seq):
            last = i == len(seq) - 1
            rows.append(
                (
                    user,
                    pd.Timestamp("2025-01-01") + pd.Timedelta(days=day),
                    ch,
                    conv and last,
                    value if conv and last else 0.0,
                )
            )
    return pd.DataFrame(rows, columns=["user_id", "timestamp", "channel", "converted", "value"])


# P1: Paid Social (day 0) -> Email (day 7), converts 100
# P2: Paid Social -> Organic Search -> Direct, converts 50
# P3: Direct, converts 30
# P4: Paid Social, does not convert
HAND = touches(
    [
        ("u1", [(0, "Paid Social"), (7, "Email")], True, 100.0),
        ("u2", [(0, "Paid Social"), (1, "Organic Search"), (2, "Direct")], True, 50.0),
        ("u3", [(0, "Direct")], True, 30.0),
        ("u4", [(0, "Paid Social")], False, 0.0),
    ]
)


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


# Hand-solved three-channel chain (with a cycle A <-> B):
# paths: A,B -> conv; B,A -> null; A,C -> conv; C -> null
# start: A 1/2, B 1/4, C 1/4; A: B 1/3, C 1/3, null 1/3; B: conv 1/2, A 1/2; C: conv 1/2, null 1/2
# c = 1/2; b = 1/2 + a/2; a = b/3 + c/3  =>  a = 2/5, b = 7/10; P(conv) = 1/5 + 7/40 + 1/8 = 1/2
# remove A: P = 1/4 x 1/2 + 1/4 x 1/2 = 1/4 -> RE 1/2
# remove B: a = 1/6; P = 1/12 + 1/8 = 5/24 -> RE 7/12
# remove C: a = 1/5, b = 3/5; P = 1/10 + 3/20 = 1/4 -> RE 1/2
# credits (2 conversions): A = 2 x (1/2)/(19/12) = 12/19, B = 14/19, C = 12/19
CHAIN = touches(
    [
        ("u1", [(0, "A"), (1, "B")], True, 10.0),
        ("u2", [(0, "B"), (1, "A")], False, 0.0),
        ("u3", [(0, "A"), (1, "C")], True, 30.0),
        ("u4", [(0, "C")], False, 0.0),
    ]
)


def test_markov_against_hand_solved_chain():
    re = A.markov_removal_effects([["A", "B"], ["B", "A"], ["A", "C"], ["C"]], [True, False, True, False])
    assert re.attrs["conversion_probability"] == pytest.approx(0.5)
    assert re.set_index("channel")["removal_effect"].to_dict() == pytest.approx({"A": 0.5, "B": 7 / 12, "C": 0.5})
    a = A.attribute(CHAIN, "markov", value_col="value").set_index("channel")
    assert a["conversions"].to_dict() == pytest.approx({"A": 12 / 19, "B": 14 / 19, "C": 12 / 19}, rel=1e-12)
    assert a["revenue"].to_dict() == pytest.approx({"A": 40 * 6 / 19, "B": 40 * 7 / 19, "C": 40 * 6 / 19}, rel=1e-12)
    assert a["removal_effect"].to_dict() == pytest.approx({"A": 0.5, "B": 7 / 12, "C": 0.5})
    # deterministic: same input, bit-identical output
    pd.testing.assert_frame_equal(A.attribute(CHAIN, "markov"), A.attribute(CHAIN, "markov"))


def test_multiple_conversions_per_user_split_paths():
    # one user converts twice: [Email] -> conv, then [Paid Search, Direct] -> conv, then [Display] (open)
    tp = touches([("u", [(0, "Email")], True, 5.0)])
    tp2 = touches([("u", [(1, "Paid Search"), (2, "Direct")], True, 7.0)])
    tp3 = touches([("u", [(3, "Display")], False, 0.0)])
    tp = pd.concat([tp, tp2, tp3], ignore_index=True)
    c = A.attribute(tp, "first_touch", value_col="value").set_index("channel")
    assert c["conversions"].to_dict() == {"Email": 1.0, "Paid Search": 1.0, "Direct": 0.0, "Display": 0.0}
    assert c["revenue"].to_dict() == {"Email": 5.0, "Paid Search": 7.0, "Direct": 0.0, "Display": 0.0}


def test_compare_and_findings():
    cmp = A.compare(HAND, models=["first_touch", "last_touch", "linear", "markov"])
    assert list(cmp.columns) == ["channel", "first_touch", "last_touch", "linear", "markov", "spread"]
    row = cmp.set_index("channel").loc["Paid Social"]
    assert row["first_touch"] == 2.0 and row["last_touch"] == 0.0 and row["spread"] == pytest.approx(2.0)
    assert cmp[["first_touch", "last_touch", "linear", "markov"]].sum().tolist() == pytest.approx([3.0] * 4)
    text = A.findings(cmp)
    assert text[0].startswith("Direct closes journeys: last-touch gives it 2 of 3 conversions")
    assert text[1].startswith(
        "Paid Social opens journeys: first-touch credits it with 2 conversions, last-touch with 0"
    )
    assert text[2].startswith("The Markov model")


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
def test_every_model_credits_sum_to_the_total(js):
    tp = touches([(f"u{i}", sorted(seq), conv, val) for i, (seq, conv, val) in enumerate(js)])
    n_conv = sum(conv for _, conv, _ in js)
    revenue = sum(val for _, conv, val in js if conv)
    for m in A.MODELS:
        a = A.attribute(tp, m, value_col="value")
        assert (a["conversions"] >= -1e-12).all()
        assert a["conversions"].sum() == pytest.approx(n_conv, abs=1e-9), m
        assert a["revenue"].sum() == pytest.approx(revenue, abs=1e-6), m


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


def test_findings_need_both_models():
    cmp = A.compare(HAND, models=["first_touch", "last_touch"])
    # without the Markov column its sentence is left out
    assert len(A.findings(cmp)) == 2
    with pytest.raises(KpiDataError, match="missing column\\(s\\) 'first_touch'"):
        A.findings(cmp.drop(columns="first_touch"))
