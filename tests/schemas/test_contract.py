"""Tests of kpikit.schemas.contract: the pandera schema of each canonical table."""

from __future__ import annotations

import pandera.pandas as pa
import pytest

from kpikit.errors import KpiDataError
from kpikit.schemas import TABLES, schema, validate
from tests.schemas.frames import CANONICAL, good_frames


@pytest.mark.parametrize("table", CANONICAL)
def test_schema_is_pandera_and_accepts_good_data(table):
    s = schema(table)
    assert isinstance(s, pa.DataFrameSchema)
    assert set(s.columns) == set(TABLES[table].names)
    out = validate(good_frames()[table], table)
    schema(table).validate(out)  # canonical output passes the raw pandera schema too
    assert out.attrs == {"table": table, "source": f"{table} data"}
    for c in TABLES[table].columns:
        if c.name in out.columns:
            assert str(out[c.name].dtype) == c.dtype, c.name


def test_allow_negative_only_relaxes_money():
    df = good_frames()["transactions"].assign(amount=[-5.0, 3.0])
    assert validate(df, "transactions", allow_negative=True)["amount"].tolist() == [-5.0, 3.0]
    df = good_frames()["sessions"].assign(pageviews=[-1, 2])
    with pytest.raises(KpiDataError, match="negative pageviews"):
        validate(df, "sessions", allow_negative=True)
