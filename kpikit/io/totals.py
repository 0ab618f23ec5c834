"""Totals and summary rows inside exports: labelled, unlabelled, and monthly totals inside daily spend.

Exports made for people end with (or start with) a row that sums the others: "Total", "Grand total"
in a pivot or an Exploration, an unlabelled row after the data in a Google Analytics download, a
month's total typed under the daily costs of a spend sheet. Read as data, such a row doubles what it
sums. Three shapes are recognised:

- **labelled**: a cell reading Total, Totals, Grand total, Subtotal or Sum (any case, an optional
  trailing ":") in the file's first column, or in any id, label or time column of the table;
- **unlabelled**: every id, label, category, flag and time column empty, and each count or money value
  of the row equal to the sum of that column over the other rows (as Google Analytics writes it);
- **monthly total in daily spend**: a spend row whose cost equals the sum of the other rows of its
  channel in that month, where those rows are daily (three of them or more, on three dates or more)
  and the row sits on a date the channel already has, or on the first or last day of the month.

Each is dropped with a warning naming the rows (``totals="drop"``), kept (``"keep"``, for a brand or
channel really called "Total") or refused (``"raise"``). A monthly total that cannot be told apart
from a daily row (two rows of one month each equal to the sum of the others) is always refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.schemas import TableSpec

__all__ = []


#: Cell values (stripped, lower-cased, trailing ":" removed) that label a totals row.
_LABELS = frozenset({"total", "totals", "grand total", "grand totals", "subtotal", "sub-total", "sub total", "sum"})


#: The longest cell that may hold a label ("grand totals:" with some spaces around).
_LONGEST = 16


_SUMMED_KINDS = ("int", "money")


_DIMENSION_KINDS = ("id", "str", "category", "bool", "timestamp", "date")


def _labels_in(s: pd.Series) -> np.ndarray:
    """Where a column holds a totals label (text cells only; any case, spacing and trailing ":").

    Only the short cells are looked at, and each distinct one once, so that a column of millions of
    event names or timestamps costs one pass.
    """
    if pd.api.types.is_object_dtype(s.dtype):
        text = s.map(lambda v: v if isinstance(v, str) else None)
    elif pd.api.types.is_string_dtype(s.dtype):
        text = s
    else:
        return np.zeros(len(s), dtype=bool)
    text = text.astype("str")
    short = (text.str.len() <= _LONGEST).fillna(False).to_numpy(dtype=bool)
    if not short.any():
        return np.zeros(len(s), dtype=bool)
    values = pd.Series(text[short].unique(), dtype="str").dropna()
    norm = values.str.strip().str.lower().str.rstrip(":").str.strip().str.replace(r"\s+", " ", regex=True)
    hits = values[norm.isin(_LABELS).to_numpy(dtype=bool)]
    out = np.zeros(len(s), dtype=bool)
    if len(hits):
        out[short] = text[short].isin(hits).to_numpy(dtype=bool)
    return out


def _label_columns(frame: pd.DataFrame, spec: TableSpec) -> list[str]:
    """Where a totals label may stand: the first column, and the table's id, label and time columns."""
    cols = [str(frame.columns[0])] if frame.shape[1] else []
    wanted = spec.of_kind("id", "str", "category", "timestamp", "date")
    return cols + [c for c in frame.columns if c in wanted and c not in cols]


def _labelled(frame: pd.DataFrame, spec: TableSpec) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """Rows labelled as totals: a mask, and for each such row (position) its column and label."""
    found: dict[int, tuple[str, str]] = {}
    for col in _label_columns(frame, spec):
        raw = frame[col]
        for pos in np.flatnonzero(_labels_in(raw)):
            found.setdefault(int(pos), (col, str(raw.iloc[int(pos)]).strip()))
    mask = np.zeros(len(frame), dtype=bool)
    mask[list(found)] = True
    return mask, found


def _numbers(s: pd.Series, decimal: str) -> np.ndarray:
    """Numbers of a raw column, read leniently (currency, thousands separators); NaN where unreadable.

    Only for comparing a candidate totals row with the column's sum: the value parser of
    ``kpikit.schemas`` still reads and checks every value the table keeps.
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    obj = s.astype(object)
    num = obj.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
    text = obj.where(~num.astype(bool)).astype("str").str.strip()
    text = text.str.replace(r"[$€£¥₹\s\u00a0\u202f']", "", regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    out = np.array(pd.to_numeric(text, errors="coerce"), dtype="float64")
    n = num.to_numpy(dtype=bool)
    out[n] = obj[n].astype("float64").to_numpy()
    return out


def _empty(s: pd.Series) -> np.ndarray:
    """Where a raw column is empty: missing, or text of spaces only."""
    e = s.isna().to_numpy(dtype=bool, copy=True)
    if pd.api.types.is_object_dtype(s.dtype):
        text = s[~e].map(lambda v: isinstance(v, str) and not v.strip())
        e[~e] = text.to_numpy(dtype=bool)
    elif pd.api.types.is_string_dtype(s.dtype):
        e |= (s.str.strip() == "").fillna(True).to_numpy(dtype=bool)
    return e


def _unlabelled(frame: pd.DataFrame, spec: TableSpec, exclude: np.ndarray, decimal: str | None) -> np.ndarray:
    """Rows with an empty dimension whose counts and money equal the sums of the other rows."""
    dims = [c for c in spec.of_kind(*_DIMENSION_KINDS) if c in frame.columns]
    summed = [c for c in spec.of_kind(*_SUMMED_KINDS) if c in frame.columns]
    if not dims or not summed:
        return np.zeros(len(frame), dtype=bool)
    cand = ~exclude
    for c in dims:  # rows still candidates only: most columns are full and end the search at once
        if not cand.any():
            return cand
        pos = np.flatnonzero(cand)
        cand[pos] = _empty(frame[c].iloc[pos])
    others = ~cand & ~exclude
    if not others.any():
        return np.zeros(len(frame), dtype=bool)
    found = np.zeros(len(frame), dtype=bool)
    for mark in (decimal,) if decimal in (".", ",") else (".", ","):  # the decimal mark, or either when unsaid
        ok = cand.copy()
        checked = np.zeros(len(frame), dtype=bool)
        for c in summed:
            x = _numbers(frame[c], mark)
            total = np.nansum(x[others])
            n = int(np.isfinite(x[others]).sum())
            tol = 1e-9 * abs(total) + (0.005 * n if spec.column(c).kind == "money" else 0.0)
            filled = cand & ~_empty(frame[c])
            ok &= ~filled | (np.abs(x - total) <= tol)
            checked |= filled
        found |= ok & checked
    return found


def _monthly(out: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Monthly total rows inside daily spend (validated): the rows to drop, and the ambiguous ones.

    Ambiguous: two or more rows of one channel and month each equal the sum of the others.
    """
    none = np.zeros(len(out), dtype=bool)
    if len(out) < 3 or not {"period", "channel", "cost"} <= set(out.columns):
        return none, none
    day = out["period"].dt.normalize()
    g = pd.DataFrame(
        {
            "channel": out["channel"].astype(object).fillna("").to_numpy(),
            "month": day.dt.to_period("M").to_numpy(),
            "day": day.to_numpy(),
            "cost": out["cost"].to_numpy(dtype="float64", na_value=np.nan),
        }
    )
    by = g.groupby(["channel", "month"], sort=False, dropna=False)
    total = by["cost"].transform("sum").to_numpy()
    n = by["cost"].transform("size").to_numpy()
    days = by["day"].transform("nunique").to_numpy()
    same_day = g.groupby(["channel", "day"], sort=False, dropna=False)["cost"].transform("size").to_numpy()
    d = pd.DatetimeIndex(g["day"])
    edge = (d.day == 1) | d.is_month_end
    cost = g["cost"].to_numpy()
    tol = 1e-9 * np.abs(total) + 0.005 * (n - 1)
    match = (n >= 4) & (days >= 3) & (cost > 0) & (np.abs(2 * cost - total) <= tol) & ((same_day >= 2) | edge)
    hits = pd.Series(match).groupby([g["channel"], g["month"]], sort=False, dropna=False).transform("sum")
    ambiguous = match & (hits.to_numpy() >= 2)
    return match & ~ambiguous, ambiguous


def _describe_label(found: dict[int, tuple[str, str]], pos: int) -> str:
    col, label = found[pos]
    return f"{label!r} in column '{col}'"
