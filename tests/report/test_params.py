"""kpikit.report.params: the parameters cell read as a declared interface, overrides checked and parsed."""

import json

import pytest

from kpikit.errors import ParameterError
from kpikit.report import check_parameters, parameter_spec, parameters_cell, parse_cli_value, validate_parameters


def nb_with(source: str) -> dict:
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# T"},
            {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": source},
        ]
    }


CELL = """from typing import Literal
data_dir: str = "../data/sample"          # folder with the canonical tables
mapping_file: str | None = None           # YAML column mapping, or None
definition: Literal["ga4", "ua"] = "ga4"  # bounce-rate definition
top_n: int = 5                            # entry pages to list
thresholds: list[float] = [0.5, 0.7]      # bounce thresholds
level: float = 0.95                       # confidence level
weekly: bool = True                       # weekly trend
"""


def test_parameters_cell_is_the_tagged_cell():
    assert parameters_cell(nb_with(CELL)) == CELL


def test_parameter_spec_reads_types_defaults_help():
    spec = parameter_spec(nb_with(CELL))
    assert list(spec) == ["data_dir", "mapping_file", "definition", "top_n", "thresholds", "level", "weekly"]
    assert spec["definition"].kind == "literal" and spec["definition"].choices == ("ga4", "ua")
    assert spec["mapping_file"].optional and spec["mapping_file"].kind == "str"
    assert spec["thresholds"].item == "float" and spec["thresholds"].default == [0.5, 0.7]
    assert spec["top_n"].help == "entry pages to list"


def test_parameter_spec_rejects_logic_and_missing_tag():
    with pytest.raises(ParameterError, match="not an annotated assignment"):
        parameter_spec(nb_with("x = compute()\n"))
    with pytest.raises(ParameterError, match="not supported"):
        parameter_spec(nb_with("x: set = 1\n"))
    with pytest.raises(ParameterError, match="tagged 'parameters'"):
        parameter_spec({"cells": [{"cell_type": "code", "metadata": {}, "source": "x: int = 1"}]})


def test_validate_lists_every_problem_with_closest_name():
    spec = parameter_spec(nb_with(CELL))
    problems = validate_parameters(
        spec, {"top_n": 12.5, "defintion": "ga4", "definition": "ga5", "weekly": 1, "level": 1, "mapping_file": None}
    )
    assert problems == [
        "notebook: parameter 'top_n' must be int (got 12.5, a float)",
        "notebook: unknown parameter 'defintion'; did you mean 'definition'?",
        "notebook: parameter 'definition' must be one of 'ga4', 'ua' (got 'ga5', a str)",
        "notebook: parameter 'weekly' must be bool (got 1, a int)",
    ]


def test_validate_lists_the_declared_names_when_none_is_close():
    spec = parameter_spec(nb_with("top_n: int = 5  # n\nlevel: float = 0.95  # level\n"))
    assert validate_parameters(spec, {"zzz": 1}, source="nb.ipynb") == [
        "nb.ipynb: unknown parameter 'zzz'; declared: top_n, level"
    ]


def test_parse_cli_value_by_declared_type():
    spec = parameter_spec(nb_with(CELL))
    assert parse_cli_value(spec["top_n"], "12") == 12
    assert parse_cli_value(spec["level"], "0.9") == 0.9
    assert parse_cli_value(spec["weekly"], "false") is False
    assert parse_cli_value(spec["mapping_file"], "None") is None
    assert parse_cli_value(spec["thresholds"], "[0.4, 0.8]") == [0.4, 0.8]
    assert parse_cli_value(spec["thresholds"], "0.4,0.8") == [0.4, 0.8]  # items typed, not strings
    with pytest.raises(ParameterError, match="'thresholds' must be a list of float"):
        parse_cli_value(spec["thresholds"], "0.4,high")
    with pytest.raises(ParameterError, match="'top_n' must be int"):
        parse_cli_value(spec["top_n"], "12.5")
    with pytest.raises(ParameterError, match="one of 'ga4', 'ua'"):
        parse_cli_value(spec["definition"], "ga5")


def test_check_parameters_against_namespace(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb_with(CELL)))
    ns = {
        "data_dir": "x",
        "mapping_file": None,
        "definition": "ua",
        "top_n": 3,
        "thresholds": [0.4],
        "level": 0.9,
        "weekly": False,
        "other": 1,
    }
    assert check_parameters(path, ns)["definition"] == "ua"
    ns["top_n"] = "3"
    with pytest.raises(ParameterError, match="'top_n' must be int"):
        check_parameters(path, ns)
