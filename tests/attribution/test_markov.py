"""Tests of kpikit.attribution.markov: removal effects against chains solved by hand, from touchpoints and path tables."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from kpikit import attribution as A
from kpikit.errors import KpiDataError, KpiWarning
from tests.attribution.helpers import CHAIN, EXPORT_COLUMNS, PATH_EXPORT

# CHAIN: paths A,B -> conv; B,A -> null; A,C -> conv; C -> null
# start: A 1/2, B 1/4, C 1/4; A: B 1/3, C 1/3, null 1/3; B: conv 1/2, A 1/2; C: conv 1/2, null 1/2
# c = 1/2; b = 1/2 + a/2; a = b/3 + c/3  =>  a = 2/5, b = 7/10; P(conv) = 1/5 + 7/40 + 1/8 = 1/2
# remove A: P = 1/4 x 1/2 + 1/4 x 1/2 = 1/4 -> RE 1/2
# remove B: a = 1/6; P = 1/12 + 1/8 = 5/24 -> RE 7/12
# remove C: a = 1/5, b = 3/5; P = 1/10 + 3/20 = 1/4 -> RE 1/2
# credits (2 conversions): A = 2 x (1/2)/(19/12) = 12/19, B = 14/19, C = 12/19


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


# helpers.PATH_EXPORT as a weighted chain (transitions counted once per conversion and per null):
#   start -> A 2+1+1 = 4, -> B 1+2 = 3, -> Direct 3 (of 10)
#   A -> B 4 (of 4); B -> conv 2+1 = 3, -> Direct 1, -> null 1+2 = 3 (of 7); Direct -> conv 1, -> null 3 (of 4)
# d = 1/4; b = 3/7 + d/7 = 13/28; a = b = 13/28; P = 0.4 a + 0.3 b + 0.3 d = 0.4
# remove A: P = 0.3 x 13/28 + 0.3 x 1/4 = 3/14      -> RE = 1 - (3/14)/(2/5) = 13/28
# remove B: a = b = 0; P = 0.3 x 1/4 = 3/40          -> RE = 1 - (3/40)/(2/5) = 13/16
# remove Direct: b = a = 3/7; P = 0.7 x 3/7 = 0.3    -> RE = 1/4
# sum RE = (52 + 91 + 28) / 112 = 171/112; credits of 4 conversions: 4 x 52/171, 4 x 91/171, 4 x 28/171
HAND_RE = {"A": 13 / 28, "B": 13 / 16, "Direct": 1 / 4}
HAND_SHARE = {"A": 52 / 171, "B": 91 / 171, "Direct": 28 / 171}


def test_markov_on_a_path_table_against_the_absorbing_chain_by_hand():
    paths = A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS)
    re = A.markov_removal_effects(paths)
    assert re.attrs["conversion_probability"] == pytest.approx(0.4, rel=1e-12)
    assert re.set_index("channel")["removal_effect"].to_dict() == pytest.approx(HAND_RE, rel=1e-12)
    assert re.set_index("channel")["conversion_probability_without"].to_dict() == pytest.approx(
        {"A": 3 / 14, "B": 3 / 40, "Direct": 0.3}, rel=1e-12
    )
    a = A.attribute(paths, "markov").set_index("channel")
    assert a["conversions"].to_dict() == pytest.approx({c: 4 * s for c, s in HAND_SHARE.items()}, rel=1e-12)
    assert a["removal_effect"].to_dict() == pytest.approx(HAND_RE, rel=1e-12)


def test_markov_value_follows_the_conversion_shares():
    # kpikit's rule: value credited with the conversion removal effects over all conversions' value
    # (180 over 4 conversions): every channel earns 45 per credited conversion, although B closes
    # the paths worth 100 and 30 and Direct the one worth 50
    a = A.attribute(A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS), "markov").set_index("channel")
    assert a["revenue"].to_dict() == pytest.approx({c: 180 * s for c, s in HAND_SHARE.items()}, rel=1e-12)
    assert (a["revenue"] / a["conversions"]).tolist() == pytest.approx([45.0] * 3, rel=1e-12)


def test_converting_paths_only_warn():
    only_conv = A.read_paths(PATH_EXPORT, **{k: v for k, v in EXPORT_COLUMNS.items() if k != "nulls"})
    with pytest.warns(KpiWarning, match="from converting paths only.*read_paths\\(\\.\\.\\., nulls=\\.\\.\\.\\)"):
        re = A.markov_removal_effects(only_conv)
    # converting paths only: P(conversion) is 1 and the chain forgets the six failed journeys;
    # start -> A 3/4, -> B 1/4; A -> B 1; B -> conv 3/4, -> Direct 1/4; Direct -> conv 1
    # removing B leaves nothing (RE 1); removing A leaves start -> B (RE 3/4); removing Direct
    # leaves B -> conv 3/4 (RE 1/4)
    assert re.attrs["conversion_probability"] == pytest.approx(1.0)
    assert re.set_index("channel")["removal_effect"].to_dict() == pytest.approx({"A": 0.75, "B": 1.0, "Direct": 0.25})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A.markov_removal_effects(A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS))  # with nulls: no warning


def test_markov_input_errors():
    paths = A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS)
    with pytest.raises(KpiDataError, match="carries its own counts; leave converted out"):
        A.markov_removal_effects(paths, [True] * 4)
    with pytest.raises(KpiDataError, match="for a touchpoints table use kk.attribution.attribute"):
        A.markov_removal_effects(CHAIN)
    with pytest.raises(KpiDataError, match="one converted flag per path"):
        A.markov_removal_effects([["A"], ["B"]], [True])
    with pytest.raises(KpiDataError, match="at least one touch"):
        A.markov_removal_effects([["A"], []], [True, False])
