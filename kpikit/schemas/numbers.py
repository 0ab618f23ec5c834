"""Numbers: counts, measures, money and percentages from text, Excel cells and numeric columns.

Text is read with one decimal mark for the whole file. ``decimal="."`` or ``","`` says which; without
it (``decimal=None``) the values decide: "3.5", "0.25" or "1,234,567" prove ".", "3,5", "12,50" or
"1.234.567" prove ","; in a count column "12,500" proves "," groups thousands (a count is whole),
and so does "£12,500" (the pound, yen and rupee are written with "." as decimal mark; "$" and "€"
prove nothing: Latin America and the euro area write both).
A file that proves "," is refused with the fix ``decimal=","`` (``decimal="auto"`` reads it so); a
value such as "12,500" in a measure or money column, with nothing in the file to tell whether it is
12500 or 12.5, is a question, never a guess; a file that proves both marks is refused.

Counts (kind "int") never pass through a float where it would change them: values of 2**53 and more
are read from their digits, and counts beyond the 64-bit range are an error.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpikit.schemas.ids import _number_cells, _spread, _strings
from kpikit.schemas.spec import _DROP_HINT, NUMBER_KINDS, ColumnSpec

__all__ = []


_CURRENCY = "$€£¥₹"


_CURRENCY_RE = f"[{re.escape(_CURRENCY)}]"


_INT_TEXT = r"[+-]?\d+"


_POINT_CURRENCY = "[£¥₹]"  # currencies written only with "." as decimal mark (UK, Japan and China, India)


_INT64_MAX = 2**63 - 1


_FLOAT_EXACT = 2**53


def _thousands(decimal: str) -> str:
    """The characters that may group thousands when ``decimal`` is the decimal mark (a regex class)."""
    return "[,'\u00a0\u202f ]" if decimal == "." else "[.'\u00a0\u202f ]"


def _number_pattern(decimal: str) -> str:
    """A number written with ``decimal`` as decimal mark; thousands groups start with 1-9 ("0,125" is no group)."""
    thousands = _thousands(decimal)
    d = re.escape(decimal)
    return (
        rf"[+-]?(?:(?:[1-9]\d{{0,2}}(?:{thousands}\d{{3}})+|\d+)(?:{d}\d*)?|{d}\d+)"
        rf"(?:[eE][+-]?\d+)?"
    )


def _other(mark: str) -> str:
    return "," if mark == "." else "."


@dataclass
class _NumberText:
    """The text cells of one number column, cleaned once and classified by decimal mark.

    Masks ending in ``_t`` run over the text cells (``todo`` rows of the column), in order.
    """

    values: np.ndarray  # float64 over the column: the number cells (Excel) filled in
    numbers: np.ndarray  # where the column holds number cells
    todo: np.ndarray  # where it holds text to read
    text: pd.Series  # cleaned text of the todo cells (currency and % removed)
    plain_t: np.ndarray  # plain integers ("12", "-3"): any decimal mark reads them
    pct_t: np.ndarray
    dot_t: np.ndarray  # readable with "." as decimal mark
    comma_t: np.ndarray  # readable with ","
    proves_t: dict[str, np.ndarray]  # cells that only one mark reads ("." / ",")
    ambiguous_t: np.ndarray  # cells both marks read, differently ("12,500", "1.234")


class _NumberParser:
    """The number kinds ("int", "float", "money", "percent") of ``_Converter``."""

    def _number(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        for test, what in ((pd.api.types.is_bool_dtype, "a true/false value"), (_is_datetime, "a date")):
            if test(s.dtype):
                self._problem(
                    col,
                    s.notna().to_numpy(dtype=bool, copy=True),
                    f"{{have}} {what}, not a number",
                    "Map a numeric column to it instead.",
                    s,
                    droppable=False,
                )
                return pd.Series(np.nan, index=s.index, dtype="Int64" if spec.kind == "int" else "float64")
        if pd.api.types.is_numeric_dtype(s.dtype):
            if spec.kind == "int":
                return self._counts_from_numbers(s, spec)
            values = s.to_numpy(dtype="float64", na_value=np.nan)
            exact: dict[int, int] = {}
        else:
            values, exact = self._parse_numbers(s, spec)
        values = pd.Series(values, index=s.index)
        if spec.kind == "int":
            return self._counts(values, exact, s, spec)
        inf = np.isinf(values.to_numpy())
        if inf.any():
            self._problem(col, inf, "{have} an infinite value", "Fix the export, " + _DROP_HINT + ".", s)
        return values

    # -- counts ---------------------------------------------------------------------------------
    def _counts_from_numbers(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        """A numeric column (int64, uint64, float, nullable) as ``Int64`` without passing integers through float."""
        if pd.api.types.is_integer_dtype(s.dtype):
            notna = s.notna().to_numpy(dtype=bool, copy=True)
            if pd.api.types.is_unsigned_integer_dtype(s.dtype):
                raw = s.to_numpy(dtype=np.uint64, na_value=0)
                over = notna & (raw > np.uint64(_INT64_MAX))
                self._beyond_int64(over, s, spec.name)
                data = np.where(over, 0, raw).astype(np.int64)
                return pd.Series(pd.arrays.IntegerArray(data, ~notna | over), index=s.index)
            return s.astype("Int64")
        return self._counts(pd.Series(s.to_numpy(dtype="float64", na_value=np.nan), index=s.index), {}, s, spec)

    def _counts(self, values: pd.Series, exact: dict[int, int], raw: pd.Series, spec: ColumnSpec) -> pd.Series:
        """Float readings (and the exact integers of those of 2**53 and more) as ``Int64``."""
        col = spec.name
        v = values.to_numpy(dtype="float64")
        frac = np.isfinite(v) & (np.mod(v, 1) != 0)
        if frac.any():
            self._problem(
                col,
                frac,
                "{have} a fractional value, but the column counts things",
                f"'{col}' counts things: fix the export, " + _DROP_HINT + ".",
                raw,
            )
        big = np.isfinite(v) & (np.abs(v) >= _FLOAT_EXACT) & ~frac
        over = np.zeros(len(v), dtype=bool)
        for i in np.flatnonzero(big):
            exact.setdefault(int(i), int(v[i]))
            over[i] = not (-_INT64_MAX - 1 <= exact[int(i)] <= _INT64_MAX)
        self._beyond_int64(over | np.isinf(v), raw, col)
        valid = np.isfinite(v) & ~frac & ~over
        data = np.where(valid & ~big, v, 0).astype(np.int64)
        for i in np.flatnonzero(big & ~over):
            data[i] = exact[int(i)]
        return pd.Series(pd.arrays.IntegerArray(data, ~valid), index=values.index)

    def _beyond_int64(self, over: np.ndarray, raw: pd.Series, col: str) -> None:
        if over.any():
            self._problem(
                col,
                over,
                "{have} a count beyond the 64-bit integer range (±9,223,372,036,854,775,807)",
                f"No real count is this large: check that the right column is mapped to '{col}' (an ID or "
                "a phone number?), or fix the export, " + _DROP_HINT + ".",
                raw,
            )

    # -- text ----------------------------------------------------------------------------------
    def _parse_numbers(self, s: pd.Series, spec: ColumnSpec) -> tuple[np.ndarray, dict[int, int]]:
        """Numbers from text and from the number cells of an object column, with the file's decimal mark.

        Returns the float readings and, for counts, the exact integer of each reading of 2**53 or more.
        """
        nt = self._number_text(spec.name)
        values = nt.values.copy()
        exact: dict[int, int] = {}
        if spec.kind == "int" and nt.numbers.any():
            for i in np.flatnonzero(nt.numbers & (np.abs(np.nan_to_num(values)) >= _FLOAT_EXACT)):
                exact[int(i)] = _exact_int(s.iloc[i])
        if not nt.todo.any():
            return values, exact
        mark, ok_t = self._read_mark(nt, s, spec)
        tt = nt.text
        rest = ~nt.plain_t
        if rest.any():
            clean = tt[rest].where(ok_t[rest], "0").str.replace(_thousands(mark), "", regex=True)
            if mark == ",":
                clean = clean.str.replace(",", ".", regex=False)
            tt = tt.copy()
            tt[rest] = clean.to_numpy(dtype=object)
        try:
            nums = tt.astype("float64").to_numpy(dtype="float64", copy=True)
        except (ValueError, TypeError):  # forms a plain cast does not take ("12.", "1e5" in some engines)
            nums = np.array(pd.to_numeric(tt, errors="coerce"), dtype="float64")
        nums[nt.pct_t] = nums[nt.pct_t] / 100.0
        nums[~ok_t] = np.nan
        values[nt.todo] = nums
        if spec.kind == "int":
            pos = np.flatnonzero(nt.todo)
            for j in np.flatnonzero(np.isfinite(nums) & (np.abs(nums) >= _FLOAT_EXACT)):
                t = tt.iloc[j]
                if re.fullmatch(_INT_TEXT, t):
                    exact[int(pos[j])] = int(t)
        return values, exact

    def _number_text(self, col: str) -> _NumberText:
        """The cleaned and classified text of a number column of the frame (computed once)."""
        if col in self._numbers:
            return self._numbers[col]
        s = self._frame[col]
        spec = self._spec.column(col)
        empty = self._blank(s)
        obj = pd.api.types.is_object_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype)
        if obj:
            s = s.astype(object)
        numbers = _number_cells(s) & ~empty if obj else np.zeros(len(s), dtype=bool)
        values = np.full(len(s), np.nan)
        if numbers.any():
            values[numbers] = np.array([float(v) for v in s[numbers]], dtype="float64")
        todo = ~numbers & ~empty
        tt = _strings(s[todo]).str.strip().reset_index(drop=True)
        plain = tt.str.fullmatch(_INT_TEXT).fillna(False).to_numpy(dtype=bool, copy=True)
        pointed = np.zeros(len(tt), dtype=bool)
        if not plain.all():
            tt = tt.str.replace("\u00a0", " ", regex=False)
            pointed = tt.str.contains(_POINT_CURRENCY).to_numpy(dtype=bool, na_value=False)
            tt = self._strip_currency(tt, todo, s, spec)
        tt, pct = self._strip_percent(tt, todo, s, spec, plain)
        dot, comma, marked = plain.copy(), plain.copy(), np.zeros(len(tt), dtype=bool)
        rest = ~plain
        if rest.any():
            for mask, mark in ((dot, "."), (comma, ",")):
                mask[rest] = tt[rest].str.fullmatch(_number_pattern(mark)).to_numpy(dtype=bool, na_value=False)
            marked[rest] = tt[rest].str.contains("[.,]").to_numpy(dtype=bool, na_value=False)
        ambiguous = dot & comma & marked
        proves = {".": dot & ~comma, ",": comma & ~dot}
        if pointed.any():  # £1,000: the pound, yen and rupee are written with "." as decimal mark
            proves["."] = proves["."] | (ambiguous & pointed)
            ambiguous = ambiguous & ~pointed
        if spec.kind == "int" and ambiguous.any():  # a count is whole: "12,500" groups thousands
            has_comma = tt.str.contains(",", regex=False).to_numpy(dtype=bool, copy=True)
            proves["."] = proves["."] | (ambiguous & has_comma)
            proves[","] = proves[","] | (ambiguous & ~has_comma)
            ambiguous = np.zeros(len(tt), dtype=bool)
        nt = _NumberText(values, numbers, todo, tt, plain, pct, dot, comma, proves, ambiguous)
        self._numbers[col] = nt
        return nt

    def _file_marks(self) -> dict[str, list[tuple[str, int]]]:
        """For "." and ",": the (column, position) of the cells of the file that only that mark reads."""
        if self._marks is None:
            self._marks = {".": [], ",": []}
            for c in self._spec.columns:
                if c.kind in NUMBER_KINDS and c.name in self._frame.columns:
                    s = self._frame[c.name]
                    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
                        continue
                    nt = self._number_text(c.name)
                    pos = np.flatnonzero(nt.todo)
                    for mark in (".", ","):
                        self._marks[mark] += [(c.name, int(p)) for p in pos[nt.proves_t[mark]]]
        return self._marks

    def _read_mark(self, nt: _NumberText, s: pd.Series, spec: ColumnSpec) -> tuple[str, np.ndarray]:
        """The decimal mark for this column's text and which cells it reads; problems for the others."""
        marks = self._file_marks()
        proven = [m for m in (".", ",") if marks[m]]
        if self.decimal in (".", ","):
            mark = self.decimal
        elif len(proven) == 2:
            mark = "." if len(marks["."]) >= len(marks[","]) else ","
            self._mixed_marks(nt, s, spec, mark, marks)
        elif proven:
            mark = proven[0] if self.decimal == "auto" else "."
        else:
            mark = "." if self.decimal is None else "."
            if nt.ambiguous_t.any():
                self._ambiguous_numbers(nt, s, spec)
        ok = nt.dot_t if mark == "." else nt.comma_t
        other = _other(mark)
        bad_other = ~ok & (nt.comma_t if mark == "." else nt.dot_t)
        if marks[other] and not marks[mark]:  # the file proves the other mark: "12,500" is suspect too
            bad_other |= nt.ambiguous_t | nt.proves_t[other]
            ok = ok & ~bad_other
        if len(proven) == 2 and self.decimal not in (".", ","):
            bad_other[:] = False  # worded by _mixed_marks
        if bad_other.any():
            self._problem(
                spec.name,
                _spread(nt.todo, bad_other),
                f'{{have}} a number written in another format than decimal="{mark}"',
                f"They look like numbers written with '{other}' as decimal mark: pass "
                f'decimal="{other}" to read them.',
                s,
            )
        text = ~ok & ~bad_other & ~(nt.comma_t if mark == "." else nt.dot_t)
        if text.any():
            self._problem(
                spec.name,
                _spread(nt.todo, text),
                "{have} text in a numeric column (mixed types)",
                f"Clean the export (blank or fix these cells; pass na_values=[...] if a "
                f"marker such as 'n/a' means no value), or map another column to '{spec.name}'.",
                s,
            )
        return mark, ok

    def _ambiguous_numbers(self, nt: _NumberText, s: pd.Series, spec: ColumnSpec) -> None:
        """A question: "12,500" with nothing in the file saying which mark is the decimal one."""
        example = nt.text[nt.ambiguous_t].iloc[0]
        sep = "," if "," in example else "."
        grouped = float(example.replace(sep, ""))
        decimal_reading = float(example.replace(sep, "."))
        self._problem(
            spec.name,
            _spread(nt.todo, nt.ambiguous_t),
            f"{{have}} a number such as '{example}' that reads {_plain(grouped)} if '{sep}' groups thousands "
            f"and {_plain(decimal_reading)} if it is the decimal mark; no other number in the file tells which",
            f'Pass decimal="{_other(sep)}" if {example} means {_plain(grouped)}, or decimal="{sep}" if it '
            f"means {_plain(decimal_reading)}.",
            s,
            droppable=False,
        )

    def _mixed_marks(
        self, nt: _NumberText, s: pd.Series, spec: ColumnSpec, mark: str, marks: dict[str, list[tuple[str, int]]]
    ) -> None:
        """A file proving both decimal marks: the cells written the minority's way, and one of the majority's."""
        other = _other(mark)
        bad = nt.proves_t[other]
        if not bad.any():
            return
        col, pos = marks[mark][0]
        seen = self._number_text(col)
        example = seen.text.iloc[int(np.searchsorted(np.flatnonzero(seen.todo), pos))]
        self._problem(
            spec.name,
            _spread(nt.todo, bad),
            f"{{have}} a number written with '{other}' as decimal mark, while the file's other numbers "
            f"use '{mark}' (e.g. '{example}' in column '{col}')",
            "The file mixes number formats: export it again with one decimal mark, or pass "
            f'decimal="{mark}" and drop_invalid=True to drop the rows written the other way.',
            s,
            droppable=False,
        )

    def _strip_currency(self, tt: pd.Series, todo: np.ndarray, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        """Currency symbols removed: only money columns may hold them, and one currency per column."""
        col = spec.name
        has_cur = tt.str.contains(_CURRENCY_RE, regex=True).to_numpy(dtype=bool, copy=True)
        if not has_cur.any():
            return tt
        if spec.kind != "money":
            self._problem(
                col,
                _spread(todo, has_cur),
                "{have} a currency amount, but the column is not a money column",
                f"Check that the right column is mapped to '{col}', or strip the currency symbols in the export.",
                s,
            )
        else:
            symbols = set("".join(tt[has_cur].str.findall(_CURRENCY_RE).map("".join)))
            if len(symbols) > 1:
                self._problem(
                    col,
                    _spread(todo, has_cur),
                    f"{{have}} a currency symbol, and the column mixes currencies ({', '.join(sorted(symbols))})",
                    "Convert the amounts to one currency before reading them.",
                    s,
                    droppable=False,
                )
        tt = tt.str.replace(_CURRENCY_RE, "", regex=True).str.strip()
        return tt.str.replace(r"^([+-])\s+", r"\1", regex=True)

    def _strip_percent(
        self, tt: pd.Series, todo: np.ndarray, s: pd.Series, spec: ColumnSpec, plain: np.ndarray
    ) -> tuple[pd.Series, np.ndarray]:
        """Trailing "%" removed (only percent columns may hold them), and where it was."""
        col = spec.name
        if plain.all():
            return tt, np.zeros(len(tt), dtype=bool)
        pct = tt.str.endswith("%").to_numpy(dtype=bool, copy=True)
        if pct.any():
            if spec.kind != "percent":
                self._problem(
                    col,
                    _spread(todo, pct),
                    "{have} a percentage, but the column expects plain numbers",
                    f"Check that the right column is mapped to '{col}', or write the values without '%'.",
                    s,
                )
            tt = tt.str.replace(r"\s*%$", "", regex=True)
        return tt, pct


def _is_datetime(dtype: object) -> bool:
    return pd.api.types.is_datetime64_any_dtype(dtype)


def _plain(x: float) -> str:
    """A reading for a message: 12500 or 12.5, never 12500.0."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _exact_int(v: object) -> int:
    """The integer of a number cell: ints and Decimals exactly, floats as they are held."""
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, decimal.Decimal) and v.is_finite():
        return int(v)
    return int(float(v))  # type: ignore[arg-type]
