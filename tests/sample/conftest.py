"""Generated sample folders and their tables, each made once per test session."""

from __future__ import annotations

import pathlib

import pandas as pd
import pytest

import kpikit.sample as ks
from tests.sample.helpers import read_tables


@pytest.fixture(scope="session")
def gen42(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("seed42")
    ks.generate(out, seed=42)
    return out


@pytest.fixture(scope="session")
def gen7(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("seed7")
    ks.generate(out, seed=7)
    return out


@pytest.fixture(scope="session")
def gen7_cli(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("seed7cli")
    assert ks.main([str(out), "--seed", "7"]) == 0
    return out


@pytest.fixture(scope="session")
def t42(gen42) -> dict[str, pd.DataFrame]:
    return read_tables(gen42)


@pytest.fixture(scope="session")
def t7(gen7) -> dict[str, pd.DataFrame]:
    return read_tables(gen7)


@pytest.fixture(scope="session")
def t42_null() -> dict[str, pd.DataFrame]:
    return ks.make_tables(seed=42, effects=False)
