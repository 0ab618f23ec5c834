"""IDs and the exact text of cells: an ID is a string, always, and never passes through a float.

How each input reaches an ID column as text:

- text (CSV cells, string columns): kept as written, leading zeros included; surrounding spaces are
  stripped and counted; the placeholders in ``MISSING_WORDS`` ("null", "N/A", "None", "-", ...) are
  missing values, counted; a whole column of integers written as decimals ("1001.0", what a float
  column with an empty cell becomes when a spreadsheet or pandas writes it) is read as integers,
  counted; IDs in Excel's scientific notation ("1.23457E+11") are refused: their digits are lost.
- integers of any width (int64, uint64, pandas Int64/UInt64, Python ints of any size, Decimal):
  their exact digits.
- floats: whole values below 2**53 as integers ("1001", never "1001.0"); from 2**53 on a float no
  longer holds every integer, so such an ID is refused (its last digits may already be lost).

The helpers that write any cell as exact text (``_exact_text``, ``_strings``) serve the other
parsers too.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from typing import Any

import numpy as np
import pandas as pd

from kpikit.schemas.spec import _DROP_HINT, ColumnSpec

__all__ = ["MISSING_WORDS"]


MISSING_WORDS = frozenset({"null", "none", "n/a", "#n/a", "nan", "nil", "(null)", "-", "--"})
"""Placeholders an export writes for "no ID" (compared ignoring case); read as missing values."""


_FLOAT_EXACT = 2**53  # from here on, not every integer has a float


_SCIENTIFIC = r"[+-]?\d(?:[.,]\d+)?[eE]\+\d{1,3}"  # how Excel shows and saves long numbers


_DECIMAL_ZERO = r"[+-]?\d+(?:\.0+)?"


_EDGE_CHARS = "\u200b\ufeff"  # zero-width space and a stray byte-order mark: invisible, not whitespace


# the cells an ID column's text needs a close look at: edge spaces, a placeholder's first letter,
# scientific notation, a trailing ".0" (one pass of pyarrow's regex engine over the column)
_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
_LOOK = f"^[{_SPACE}]|[{_SPACE}]$|^[nN#(-]|[eE][+]|[.]0+$"  # literal characters: pyarrow's engine takes them


def _is_text_dtype(dtype: Any) -> bool:
    return pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)


def _empty_mask(s: pd.Series) -> np.ndarray:
    isna = s.isna().to_numpy(dtype=bool, copy=True)
    if _is_text_dtype(s.dtype):
        blank = (s == "") | s.str.isspace()
        return isna | blank.fillna(False).to_numpy(dtype=bool, copy=True)
    if pd.api.types.is_object_dtype(s.dtype):
        return isna | s.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool, copy=True)
    return isna


def _number_cells(obj: pd.Series) -> np.ndarray:
    """Where an object column holds numbers, not text (booleans are not numbers): Excel cells."""
    return (
        obj.map(
            lambda v: isinstance(v, (int, float, np.number, decimal.Decimal)) and not isinstance(v, (bool, np.bool_)),
            na_action="ignore",
        )
        .fillna(False)
        .to_numpy(dtype=bool, copy=True)
    )


def _at(n: int, positions: np.ndarray) -> np.ndarray:
    """A mask of length ``n``, True at ``positions``."""
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    return mask


def _spread(todo: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """A mask over the whole column from ``sub``, a mask over its ``todo`` rows."""
    bad = np.zeros(len(todo), dtype=bool)
    bad[np.flatnonzero(todo)[sub]] = True
    return bad


def _strings(s: pd.Series) -> pd.Series:
    """Values as pandas ``str`` dtype: text kept, other objects written out exactly (dates in ISO form)."""
    if _is_text_dtype(s.dtype):
        return s
    return s.astype(object).map(_text_of, na_action="ignore").astype("str")


def _text_of(v: Any) -> str:
    """One cell as exact text: whole numbers without ".0", Decimals in full, dates in ISO form."""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() else repr(f)
    if isinstance(v, decimal.Decimal):
        if v.is_finite() and v == v.to_integral_value():
            return str(int(v))
        return format(v.normalize(), "f") if v.is_finite() else str(v)
    if isinstance(v, (bytes, bytearray)):
        try:
            return bytes(v).decode("utf-8")
        except UnicodeDecodeError:
            return repr(bytes(v))
    if isinstance(v, (pd.Timestamp, _dt.date, _dt.time)):
        return v.isoformat()
    return str(v)


def _exact_text(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """The column as exact text (object values, None where missing), and two masks.

    The masks: where its cells were text, and where they were floats of 2**53 or more (whose last
    digits may be lost).
    """
    n = len(s)
    missing = s.isna().to_numpy(dtype=bool, copy=True)
    imprecise = np.zeros(n, dtype=bool)
    out = np.full(n, None, dtype=object)
    dtype = s.dtype
    if _is_text_dtype(dtype):
        out[~missing] = s[~missing].to_numpy(dtype=object)
        return pd.Series(out, index=s.index), ~missing, imprecise
    if pd.api.types.is_bool_dtype(dtype):
        out[~missing] = [str(bool(v)) for v in s[~missing]]
    elif pd.api.types.is_integer_dtype(dtype):
        unsigned = pd.api.types.is_unsigned_integer_dtype(dtype)
        out[~missing] = s[~missing].to_numpy(dtype=np.uint64 if unsigned else np.int64).astype(str)
    elif pd.api.types.is_float_dtype(dtype):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(v) & (np.mod(v, 1) == 0)
        small = whole & (np.abs(v) < _FLOAT_EXACT)
        out[small] = v[small].astype(np.int64).astype(str)
        other = ~missing & ~small
        out[other] = [_text_of(x) for x in v[other]]
        imprecise = whole & ~small
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        out[~missing] = s[~missing].astype(str).to_numpy(dtype=object)
    else:
        values = s.astype(object).to_numpy()
        text = np.zeros(n, dtype=bool)
        for i in np.flatnonzero(~missing):
            v = values[i]
            if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
                imprecise[i] = abs(float(v)) >= _FLOAT_EXACT
            text[i] = isinstance(v, str)
            out[i] = _text_of(v)
        return pd.Series(out, index=s.index), text, imprecise
    return pd.Series(out, index=s.index), np.zeros(n, dtype=bool), imprecise


class _IdParser:
    """The text kinds ("id", "str", "category") of ``_Converter``."""

    def _text(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        if spec.kind == "id":
            return self._id(s, spec)
        empty = self._blank(s)
        if _is_text_dtype(s.dtype):
            out = s.astype("str")
            return out.where(~empty) if empty.any() else out
        text, _, _ = _exact_text(s)
        text[empty] = None
        return text.astype("str")

    def _id(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        """An ID column as exact text; repairs counted, lost digits refused."""
        col = spec.name
        empty = self._blank(s)
        if _is_text_dtype(s.dtype):
            return self._id_text(s, ~empty, s, col).astype("str")
        text, is_text, imprecise = _exact_text(s)
        text[empty] = None
        imprecise &= ~empty
        if imprecise.any():
            self._problem(
                col,
                imprecise,
                "{have} an ID stored as a floating-point number of 2**53 (9,007,199,254,740,992) or more, "
                "whose last digits may already be lost",
                "Keep IDs as text or whole numbers in the export (Excel: format the column as Text; "
                "Parquet: int64 or string; pandas: read CSV files with dtype=str, or .astype('Int64') "
                "before an empty cell turns the column into floats); the lost digits cannot be "
                "recovered, " + _DROP_HINT + ".",
                s,
            )
        todo = is_text & ~empty
        if todo.any():
            cells = pd.Series(text[todo].to_numpy(dtype=object), dtype="str")
            text[todo] = self._id_text(cells, np.ones(len(cells), dtype=bool), s, col, todo).to_numpy(dtype=object)
        return text.astype("str")

    def _id_text(
        self, cells: pd.Series, filled: np.ndarray, raw: pd.Series, col: str, todo: np.ndarray | None = None
    ) -> pd.Series:
        """ID cells written as text: spaces stripped, placeholders empty, "1001.0" whole, 1.2E+11 refused.

        ``cells`` has str dtype; ``filled`` marks the cells to read (the others are empty), ``todo``
        where the cells sit in the column (None: they are the column). One regular expression
        screens the column; only the cells it flags are looked at closely.
        """
        todo = np.ones(len(cells), dtype=bool) if todo is None else todo
        look = cells.str.contains(_LOOK).to_numpy(dtype=bool, na_value=False) & filled
        if not look.any():
            return cells.where(filled) if not filled.all() else cells
        sub = cells[look]
        stripped = sub.str.strip()
        if any(stripped.str.contains(c, regex=False).any() for c in _EDGE_CHARS):
            stripped = stripped.str.strip(_EDGE_CHARS + " \t\r\n\u00a0")
        at = np.flatnonzero(look)
        blank = (stripped == "").to_numpy(dtype=bool, na_value=False)
        spaced = (stripped != sub).to_numpy(dtype=bool, na_value=False) & ~blank
        if spaced.any():
            self._repair(col, _spread(todo, _at(len(cells), at[spaced])), "had surrounding spaces (stripped)", raw)
        word = stripped.str.lower().isin(MISSING_WORDS).to_numpy(dtype=bool, copy=True)
        if word.any():
            shown = ", ".join(repr(w) for w in pd.unique(stripped[word])[:4])
            what = f"{{was}} a placeholder for no value ({shown}), read as empty"
            self._repair(col, _spread(todo, _at(len(cells), at[word])), what, raw)
        filled = filled & ~_at(len(cells), at[word | blank])
        sci = stripped.str.fullmatch(_SCIENTIFIC).to_numpy(dtype=bool, na_value=False) & ~word
        if sci.any():
            self._problem(
                col,
                _spread(todo, _at(len(cells), at[sci])),
                "{have} an ID in scientific notation, as Excel shows long numbers (1.23457E+11): "
                "its last digits are lost",
                "Export the IDs again as text (from the source system, or in Excel format the column as "
                "Text before saving; when opening a CSV use Data > From Text/CSV with the column type "
                "Text): the digits cannot be recovered from this file, " + _DROP_HINT + ".",
                raw,
            )
        out = cells.copy()
        out[look] = stripped.to_numpy(dtype=object)
        ends = _at(len(cells), at[stripped.str.fullmatch(r".*\.0+").to_numpy(dtype=bool, na_value=False)])
        if (ends & filled).any():
            out = self._whole_from_decimals(out, filled, ends & filled, todo, raw, col)
        return out.where(filled) if not filled.all() else out

    def _whole_from_decimals(
        self, cells: pd.Series, filled: np.ndarray, ends: np.ndarray, todo: np.ndarray, raw: pd.Series, col: str
    ) -> pd.Series:
        """A column of integers written as decimals ("1001.0") read as integers, and counted.

        Only when every filled cell of the column is a whole number ("1001" or "1001.0"): an ID
        column that also holds "v1.0" keeps its text. ``ends`` marks the cells ending in ".0".
        """
        whole = cells.str.fullmatch(_DECIMAL_ZERO).to_numpy(dtype=bool, na_value=False)
        if not whole[filled].all():
            return cells
        fixed = cells.str.replace(r"\.0+$", "", regex=True)
        big = np.zeros(len(cells), dtype=bool)
        long = ends & (fixed.str.len().to_numpy(dtype=np.int64, na_value=0) >= 16)
        for i in np.flatnonzero(long):
            big[i] = abs(int(fixed.iloc[i])) >= _FLOAT_EXACT
        if big.any():
            self._problem(
                col,
                _spread(todo, big),
                "{have} an ID written as a decimal number of 2**53 or more ('...0.0', a float column "
                "saved as text), whose last digits may already be lost",
                "Export the IDs again as text or whole numbers (a float column cannot hold every digit "
                "of such IDs), " + _DROP_HINT + ".",
                raw,
            )
        self._repair(
            col,
            _spread(todo, ends & ~big),
            "{was} written as a decimal ('1001.0', as a number column with empty cells is saved), "
            "read as a whole number ('1001')",
            raw,
        )
        return fixed
