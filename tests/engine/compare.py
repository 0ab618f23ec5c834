"""Comparing a lazy result with the pandas path's: the same rows and the same numbers.

Counts, flags and text must be equal; floats equal to 1e-12 relative (a backend sums in another
order). Allowed differences, documented in kpikit.web.lazy_sessions: session ids are text on the
lazy path, and a segment column that pandas keeps as a categorical comes back as text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.io.lazy import collect


def normalised(frame) -> pd.DataFrame:
    """A pandas result or a lazy one, as plain columns: categoricals and session ids as text."""
    out = collect(frame).copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype) or c == "session_id":
            out[c] = out[c].astype("str")
    return out


def assert_same(expected, got, key: str | list[str] | None = None) -> None:
    """Assert that ``got`` (lazy or not) holds exactly the rows and values of ``expected``."""
    a, b = normalised(expected), normalised(got)
    assert list(a.columns) == list(b.columns), f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    assert len(a) == len(b), f"{len(a)} rows vs {len(b)}"
    if key is not None:
        a = a.sort_values(key, kind="stable").reset_index(drop=True)
        b = b.sort_values(key, kind="stable").reset_index(drop=True)
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_float_dtype(x.dtype) or pd.api.types.is_float_dtype(y.dtype):
            xs, ys = x.to_numpy(dtype=float, na_value=np.nan), y.to_numpy(dtype=float, na_value=np.nan)
            assert np.allclose(xs, ys, rtol=1e-12, atol=0, equal_nan=True), f"column {c!r}: {xs} vs {ys}"
        elif pd.api.types.is_datetime64_any_dtype(x.dtype) or pd.api.types.is_timedelta64_dtype(x.dtype):
            assert (x.isna() == y.isna()).all() and (x[x.notna()] == y[y.notna()]).all(), f"column {c!r} differs"
        else:
            xs = x.astype(object).where(x.notna(), None).tolist()
            ys = y.astype(object).where(y.notna(), None).tolist()
            if pd.api.types.is_integer_dtype(x.dtype) or pd.api.types.is_bool_dtype(x.dtype):
                ys = [None if v is None else type(xs[i])(v) if xs[i] is not None else v for i, v in enumerate(ys)]
            assert [str(v) for v in xs] == [str(v) for v in ys], f"column {c!r}: {xs[:8]} vs {ys[:8]}"
