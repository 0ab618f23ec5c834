"""Hostile exports for the catalogue tests of kpikit.io (``test_hostile_files``, ``test_hostile_totals``,
``test_hostile_folder``): writing them, and checking the one right ending of each case."""

from __future__ import annotations

import gzip
import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from kpikit.errors import KpiDataError, KpiWarning


def csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx(**sheets: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf) as w:
        for name, frame in sheets.items():
            frame.to_excel(w, sheet_name=name, index=False)
    return buf.getvalue()


def parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


TX = "customer_id,timestamp,amount"
SPEND = "period,channel,cost"
DATA = pd.DataFrame(
    {"customer_id": ["c1", "c2"], "timestamp": ["2024-03-01 10:00", "2024-03-02 11:00"], "amount": [5, 7]}
)
# about 2 MB of sessions that gzip to a few KB: a small stand-in for a file that inflates to gigabytes
BOMB = gz(b"session_id,start\n" + b"s1,2024-01-01\n" * 150_000)


@dataclass
class Case:
    """One hostile export: its files, what read_table (or read_folder) is asked, and the one right ending."""

    id: str
    files: dict[str, bytes]
    table: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    values: dict[str, list] | None = None  # column -> the exact values read
    repairs: dict[str, int] = field(default_factory=dict)  # attrs counts: duplicates_dropped, totals_dropped
    warns: str | None = None  # text of the KpiWarning reporting the repair (None: no KpiWarning at all)
    error: str | None = None  # text of the KpiDataError
    env: dict[str, str] = field(default_factory=dict)


def plain(s: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return [f"{t:%Y-%m-%d}" if t == t.normalize() else f"{t:%Y-%m-%d %H:%M:%S}" for t in s]
    return [None if (not isinstance(v, str) and pd.isna(v)) else v for v in s.tolist()]


def check(case: Case, read) -> None:
    """Run ``read`` and assert the case's ending: an error text, or values, repair counts and warning."""
    if case.error is not None:
        with pytest.raises(KpiDataError) as e:
            read()
        assert case.error in str(e.value), str(e.value)
        return
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        df = read()
    texts = [str(w.message) for w in rec if issubclass(w.category, KpiWarning)]
    for col, expected in (case.values or {}).items():
        assert plain(df[col]) == expected, col
    for key in ("duplicates_dropped", "totals_dropped"):
        assert df.attrs.get(key, 0) == case.repairs.get(key, 0), (key, df.attrs)
    if case.warns is None:
        assert texts == []
    else:
        assert any(case.warns in t for t in texts), texts
