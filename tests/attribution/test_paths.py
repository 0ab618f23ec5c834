"""Tests of kpikit.attribution.paths: read_paths reads aggregated path exports, weighted, and refuses bad ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpikit import attribution as A
from kpikit.attribution.paths import _path_touches
from kpikit.errors import KpiDataError
from tests.attribution.helpers import EXPORT_COLUMNS, PATH_EXPORT


def test_read_paths_shape_and_values():
    p = A.read_paths(PATH_EXPORT, **EXPORT_COLUMNS)
    assert list(p.columns) == ["path", "channels", "length", "conversions", "value", "nulls"]
    assert p["channels"].tolist() == [("A", "B"), ("B",), ("A", "B", "Direct"), ("Direct",)]
    assert p["length"].tolist() == [2, 1, 3, 1]
    assert p["conversions"].tolist() == [2.0, 1.0, 1.0, 0.0]
    assert p["value"].tolist() == [100.0, 30.0, 50.0, 0.0]
    assert p["nulls"].tolist() == [1.0, 2.0, 0.0, 3.0]
    assert p.attrs == {"table": "paths", "source": "paths", "sep": ">"}
    # value and nulls are optional
    bare = A.read_paths(PATH_EXPORT, conversions="total_conversions")
    assert list(bare.columns) == ["path", "channels", "length", "conversions"]


def test_spaces_around_the_separator_and_names_are_ignored():
    frame = pd.DataFrame({"path": ["Paid Search>Email", " Paid Search  >  Email ", "Paid Search > Email"], "n": 1})
    for sep in (">", " > ", ">  "):
        p = A.read_paths(frame, conversions="n", sep=sep)
        assert p["channels"].tolist() == [("Paid Search", "Email")] * 3
        assert p["path"].tolist() == ["Paid Search > Email"] * 3
    # another separator, and paths given as sequences
    piped = A.read_paths(
        pd.DataFrame({"path": ["Email | Direct", ["Email", "Direct"]], "n": [1, 2]}), "path", "n", sep="|"
    )
    assert piped["channels"].tolist() == [("Email", "Direct")] * 2


def test_weights_are_not_expanded():
    # a path with a trillion conversions is one weighted path: two rows in the internal frame
    big = pd.DataFrame({"path": ["Paid Search > Email"], "conversions": [10**12], "nulls": [3 * 10**12]})
    p = A.read_paths(big, nulls="nulls")
    t = _path_touches(p)
    assert len(t) == 4  # 2 touches, once converting (weight 1e12) and once not (weight 3e12)
    assert t["w"].tolist() == [1e12, 1e12, 3e12, 3e12]
    a = A.attribute(p, "linear").set_index("channel")
    assert a["conversions"].to_dict() == {"Email": 5e11, "Paid Search": 5e11}
    # a path that neither converted nor failed adds its channels with no credit
    none = pd.DataFrame({"path": ["A", "B"], "conversions": [2, 0], "nulls": [1, 0]})
    credit = A.attribute(A.read_paths(none, nulls="nulls"), "first_touch").set_index("channel")["conversions"]
    assert credit.to_dict() == {"A": 2.0, "B": 0.0}


@pytest.mark.parametrize(
    "paths, message",
    [
        (["A > B", None, "B"], r"paths, column 'path': 1 empty paths \(row 2\)\. A path needs at least one channel"),
        (["A > B", "  ", ""], r"2 empty paths \(rows 2, 3\)"),
        (["A > > B", "B >"], r"2 paths have an empty step between separators \(rows 1, 2; first: 'A > > B'\)"),
        (["A >> B", "B"], r"separate channels with '>>', not '>' \(row 1; first: 'A >> B'\).*Pass sep='>>'"),
        (
            ["C > D", "A >> B"],
            r"empty step.*\(row 2; first: 'A >> B'\)\. Remove the doubled, leading or trailing '>', or pass sep='>>'",
        ),
        (["A -> B", "B -> C -> A"], r"separate channels with '->', not '>' \(rows 1, 2; first: 'A -> B'\).*sep='->'"),
        (
            ["A | B", "C"],
            r"no path contains the separator '>', but 1 contain '\|' \(row 1; first: 'A \| B'\)\. Pass sep='\|'",
        ),
        (["A > B", 7], r"1 values are not text \(row 2; first: 7\)"),
    ],
)
def test_bad_paths_are_refused(paths, message):
    with pytest.raises(KpiDataError, match=message):
        A.read_paths(pd.DataFrame({"path": paths, "conversions": 1}))


def test_single_channel_paths_need_no_separator():
    p = A.read_paths(pd.DataFrame({"path": ["Email", "Direct"], "conversions": [1, 2]}))
    assert p["channels"].tolist() == [("Email",), ("Direct",)]


@pytest.mark.parametrize("sep", ["", "   ", None])
def test_blank_separator_is_refused(sep):
    with pytest.raises(KpiDataError, match="spaces alone would split channel names"):
        A.read_paths(pd.DataFrame({"path": ["Paid Search Email"], "conversions": [1]}), sep=sep)


@pytest.mark.parametrize(
    "column, values, message",
    [
        (
            "total_conversions",
            [2, -1, 1, 0],
            r"column 'total_conversions': 1 counts are negative or infinite \(row 2; first: -1\)",
        ),
        ("total_null", [1, 2, np.inf, 3], r"column 'total_null': 1 counts are negative or infinite \(row 3"),
        ("total_conversions", [2, None, 1, 0], r"column 'total_conversions': 1 empty counts \(row 2\)\. Write 0"),
        ("total_null", ["1", "2", "1,234", "3"], r"1 values are not numbers \(row 3; first: '1,234'\).*thousands=','"),
        (
            "total_conversion_value",
            [100.0, -30.0, 50.0, 0.0],
            r"values are negative or infinite \(row 2; first: -30\.0\)\. .*net refunds",
        ),
        ("total_conversion_value", [100.0, None, 50.0, 0.0], r"1 paths with conversions have no value \(row 2\)"),
        (
            "total_conversion_value",
            [100.0, 30.0, 50.0, 5.0],
            r"1 paths have a value but no conversion in 'total_conversions' \(row 4",
        ),
    ],
)
def test_bad_counts_and_values_are_refused(column, values, message):
    bad = PATH_EXPORT.assign(**{column: values})
    with pytest.raises(KpiDataError, match=message):
        A.read_paths(bad, **EXPORT_COLUMNS, name=None)


def test_value_may_be_empty_where_nothing_converted_and_missing_columns_are_named():
    p = A.read_paths(PATH_EXPORT.assign(total_conversion_value=[100.0, 30.0, 50.0, None]), **EXPORT_COLUMNS)
    assert p["value"].tolist() == [100.0, 30.0, 50.0, 0.0]
    with pytest.raises(KpiDataError, match=r"ga export: missing column\(s\) 'Conversions'.*read_paths\(frame, path="):
        A.read_paths(PATH_EXPORT, conversions="Conversions", name="ga export")


def test_a_hand_built_paths_table_is_checked():
    table = pd.DataFrame({"channels": [("A", "B"), ()], "conversions": [1.0, 1.0]})
    with pytest.raises(KpiDataError, match=r"column 'channels': 1 rows are not a non-empty sequence.*row 2"):
        A.attribute(table, "linear")
    with pytest.raises(KpiDataError, match=r"column 'conversions': 1 counts are negative"):
        A.attribute(pd.DataFrame({"channels": [("A",)], "conversions": [-1.0]}), "linear")
