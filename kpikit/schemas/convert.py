"""The value parser: raw columns (text from CSV, Excel cells, Parquet types) to canonical dtypes.

``_Converter`` parses each canonical column by its kind (text, numbers, booleans, times) and collects
what does not parse as problems (column, rows, phrase, fix) instead of coercing it to a missing value;
``kpikit.schemas.validate`` turns them into one ``KpiDataError`` or, with ``drop_invalid``, drops the rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas.problems import _first_value, _Problem
from kpikit.schemas.spec import _DROP_HINT, NUMBER_KINDS, TEXT_KINDS, ColumnSpec

__all__ = []


_CURRENCY = "$€£¥₹"


_CURRENCY_RE = f"[{re.escape(_CURRENCY)}]"


_TZ_SUFFIX = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$"


# the same test written for pyarrow's fast regex path (fullmatch, ASCII classes)
_TZ_SUFFIX_TEST = r".*[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? *(Z|[+-][0-9]{2}(:?[0-9]{2})?)"


_PLAIN = {".": r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", ",": r"[+-]?[0-9]+([eE][+-]?[0-9]+)?"}


def _thousands(decimal: str) -> str:
    """The characters that may group thousands when ``decimal`` is the decimal mark (a regex class)."""
    return "[,'\u00a0\u202f ]" if decimal == "." else "[.'\u00a0\u202f ]"


def _number_pattern(decimal: str) -> str:
    thousands = _thousands(decimal)
    d = re.escape(decimal)
    return (
        rf"[+-]?(?:(?:\d{{1,3}}(?:{thousands}\d{{3}})+|\d+)(?:{d}\d*)?|{d}\d+)"
        rf"(?:[eE][+-]?\d+)?"
    )


def _number_cells(obj: pd.Series) -> np.ndarray:
    """Where an object column holds numbers, not text (booleans are not numbers): Excel cells."""
    return (
        obj.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool), na_action="ignore")
        .fillna(False)
        .to_numpy(dtype=bool, copy=True)
    )


def _spread(todo: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """A mask over the whole column from ``sub``, a mask over its ``todo`` rows."""
    bad = np.zeros(len(todo), dtype=bool)
    bad[np.flatnonzero(todo)[sub]] = True
    return bad


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


class _Converter:
    """Turns raw columns into canonical dtypes, collecting problems instead of coercing."""

    def __init__(self, decimal: str, tz: str | None, date_format: str | None, na_values: Sequence[str] | None):
        if decimal not in (".", ","):
            raise KpiDataError(f"decimal must be '.' or ',', not {decimal!r}.")
        self.decimal = decimal
        self.tz = tz
        self.date_format = date_format
        self.na_values = set(na_values or ())
        self.problems: list[_Problem] = []
        self._raw = pd.Series(dtype=object)  # the column being converted (for messages)

    # -- helpers -------------------------------------------------------------------------------
    def _problem(
        self, col: str, bad: np.ndarray, problem: str, fix: str, raw: pd.Series, droppable: bool = True
    ) -> None:
        self.problems.append(_Problem(col, np.asarray(bad, dtype=bool), problem, fix, _first_value(raw), droppable))

    def _blank(self, s: pd.Series) -> np.ndarray:
        empty = _empty_mask(s)
        if self.na_values:
            empty |= s.astype(object).isin(self.na_values).to_numpy(dtype=bool, copy=True)
        return empty

    def convert(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        self._raw = s
        if spec.kind in TEXT_KINDS:
            return self._text(s, spec)
        if spec.kind in NUMBER_KINDS:
            return self._number(s, spec)
        if spec.kind == "bool":
            return self._bool(s, spec)
        return self._time(s, spec)

    # -- text ----------------------------------------------------------------------------------
    def _text(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        empty = self._blank(s)
        if pd.api.types.is_bool_dtype(s.dtype):
            out = s.astype(object).map(str, na_action="ignore")
        elif pd.api.types.is_numeric_dtype(s.dtype):
            v = s.astype("float64")
            whole = (v % 1 == 0).fillna(True).all()
            out = (v.astype("Int64") if whole else v).astype(str).astype(object)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            out = s.astype(str).astype(object)
        elif _is_text_dtype(s.dtype):
            out = s.astype("str")
            return out.where(~empty) if empty.any() else out
        else:
            out = s.astype(object).map(_text_of, na_action="ignore")
        out = pd.Series(out.to_numpy(dtype=object), index=s.index)
        out[empty] = np.nan
        return out.astype("str")

    # -- numbers -------------------------------------------------------------------------------
    def _number(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_bool_dtype(s.dtype):
            self._problem(
                col,
                s.notna().to_numpy(dtype=bool, copy=True),
                "{have} a true/false value, not a number",
                "Map a numeric column to it instead.",
                s,
                droppable=False,
            )
            return pd.Series(np.nan, index=s.index, dtype="float64")
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            self._problem(
                col,
                s.notna().to_numpy(dtype=bool, copy=True),
                "{have} a date, not a number",
                "Map a numeric column to it instead.",
                s,
                droppable=False,
            )
            return pd.Series(np.nan, index=s.index, dtype="float64")
        if pd.api.types.is_numeric_dtype(s.dtype):
            values = s.astype("float64")
        else:
            values = self._parse_numbers(s, spec)
        values = pd.Series(values.to_numpy(dtype="float64"), index=s.index)
        if spec.kind == "int":
            frac = (values % 1 != 0) & values.notna() & np.isfinite(values)
            if frac.any():
                self._problem(
                    col,
                    frac.to_numpy(),
                    "{have} a fractional value, but the column counts things",
                    f"'{col}' counts things: fix the export, " + _DROP_HINT + ".",
                    s,
                )
                values = values.where(~frac)
            return values.astype("Int64")
        inf = np.isinf(values.to_numpy())
        if inf.any():
            self._problem(col, inf, "{have} an infinite value", "Fix the export, " + _DROP_HINT + ".", s)
        return values

    def _parse_numbers(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        """Numbers from text and from the number cells of an object column.

        Plain numbers take a fast path; then currency symbols, percentages and thousands separators are
        read where the column's kind allows them.
        """
        empty = self._blank(s)
        obj = s.astype(object) if pd.api.types.is_object_dtype(s.dtype) else s
        is_num = _number_cells(obj) if pd.api.types.is_object_dtype(s.dtype) else np.zeros(len(s), dtype=bool)
        result = np.full(len(s), np.nan)
        if is_num.any():
            result[is_num] = obj[is_num].astype("float64").to_numpy()
        todo = ~is_num & ~empty
        if not todo.any():
            return pd.Series(result, index=s.index)
        tt = _strings(s[todo]).str.strip()
        # fast path: plain numbers ("12", "-3.5", "1e3") need no cleaning
        plain = tt.str.fullmatch(_PLAIN[self.decimal]).fillna(False).to_numpy(dtype=bool, copy=True)
        if plain.any():
            result[np.flatnonzero(todo)[plain]] = tt[plain].astype("float64").to_numpy()
            todo[np.flatnonzero(todo)[plain]] = False
            if not todo.any():
                return pd.Series(result, index=s.index)
            tt = tt[~plain]
        tt = tt.str.replace("\u00a0", " ", regex=False)
        tt = self._strip_currency(tt, todo, s, spec)
        tt, pct = self._strip_percent(tt, todo, s, spec)
        result[np.flatnonzero(todo)] = self._parse_formatted(tt, pct, todo, s, spec)
        return pd.Series(result, index=s.index)

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
        self, tt: pd.Series, todo: np.ndarray, s: pd.Series, spec: ColumnSpec
    ) -> tuple[pd.Series, np.ndarray]:
        """Trailing "%" removed (only percent columns may hold them), and where it was."""
        col = spec.name
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

    def _parse_formatted(
        self, tt: pd.Series, pct: np.ndarray, todo: np.ndarray, s: pd.Series, spec: ColumnSpec
    ) -> np.ndarray:
        """Numbers with thousands separators and the decimal mark of ``decimal``.

        What does not read is a problem that says whether the other decimal mark would read it.
        """
        col = spec.name
        ok = tt.str.fullmatch(_number_pattern(self.decimal)).fillna(False).to_numpy(dtype=bool, copy=True)
        clean = tt.where(ok, "0").str.replace(_thousands(self.decimal), "", regex=True)
        if self.decimal == ",":
            clean = clean.str.replace(",", ".", regex=False)
        nums = np.array(pd.to_numeric(clean, errors="coerce"), dtype="float64")
        nums[pct] = nums[pct] / 100.0
        nums[~ok] = np.nan
        if not ok.all():
            other = "," if self.decimal == "." else "."
            alt_ok = tt[~ok].str.fullmatch(_number_pattern(other)).fillna(False)
            if alt_ok.all():
                fix = (
                    f"They look like numbers written with '{other}' as decimal mark: pass "
                    f'decimal="{other}" to read them.'
                )
                problem = f'{{have}} a number written in another format than decimal="{self.decimal}"'
            else:
                fix = (
                    f"Clean the export (blank or fix these cells; pass na_values=[...] if a "
                    f"marker such as 'n/a' means no value), or map another column to '{col}'."
                )
                problem = "{have} text in a numeric column (mixed types)"
            self._problem(col, _spread(todo, ~ok), problem, fix, s)
        return nums

    # -- booleans ------------------------------------------------------------------------------
    def _bool(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_bool_dtype(s.dtype):
            return s.astype("boolean")
        empty = self._blank(s)
        if _is_text_dtype(s.dtype):
            key = s.str.strip().str.lower().astype(object)
        else:
            key = s.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
        table = {
            "true": True,
            "1": True,
            "yes": True,
            "1.0": True,
            "false": False,
            "0": False,
            "no": False,
            "0.0": False,
        }
        mapped = key.map(table)
        bad = (mapped.isna().to_numpy(dtype=bool, copy=True)) & ~empty
        if bad.any():
            self._problem(
                col,
                bad,
                "{have} a value that is not true/false",
                f"Write '{col}' as true/false, 1/0 or yes/no, " + _DROP_HINT + ".",
                s,
            )
        out = pd.Series(mapped.to_numpy(dtype=object), index=s.index)
        out[empty | bad] = None
        return out.astype("boolean")

    # -- times ---------------------------------------------------------------------------------
    def _time(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out = s
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                out = s.dt.tz_convert("UTC").dt.tz_localize(None)
            elif self.tz is not None:
                out = self._localise(s, col)
            return self._finish_time(out, s, spec)
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            self._problem(
                col,
                s.notna().to_numpy(dtype=bool, copy=True),
                "{have} a number, not a date",
                "Convert them first (e.g. pd.to_datetime(df[col], unit='s') for epoch "
                "seconds, unit='us' for GA4 event_timestamp) or map a date column.",
                s,
                droppable=False,
            )
            return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        empty = self._blank(s)
        if pd.api.types.is_object_dtype(s.dtype):
            obj = s.astype(object)
            nums = _number_cells(obj)
            if nums.any():
                self._problem(
                    col,
                    nums,
                    "{have} a number, not a date",
                    "Convert them in the export (Excel: format the cells as dates), or map a date column.",
                    s,
                )
            empty = empty | nums
            txt = _strings(obj.where(~pd.Series(empty, index=s.index), None))
        else:
            txt = s.astype("str")
        txt = txt.str.strip()
        todo = ~empty
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        if not todo.any():
            return self._finish_time(out, s, spec)
        sub = txt[todo]
        if self.date_format is not None:
            parsed, failed = self._parse_with_format(sub, col, s, todo)
        else:
            parsed, failed = self._parse_iso(sub, col, s, todo)
        if parsed is None:
            return out
        out[todo] = parsed.to_numpy()
        if failed.any():
            bad = _spread(todo, failed)
            fmt = self.date_format
            fix = (
                f"They do not match date_format={fmt!r}: fix the export or the format"
                if fmt
                else "Write dates as ISO 8601 (2024-03-01 or 2024-03-01 14:30:00), or pass "
                'date_format (e.g. date_format="%d/%m/%Y %H:%M") to read this layout'
            )
            self._problem(col, bad, "{have} a date that cannot be read", fix + ", " + _DROP_HINT + ".", s)
        return self._finish_time(out, s, spec)

    def _parse_iso(self, sub: pd.Series, col: str, raw: pd.Series, todo: np.ndarray):
        aware = sub.str.fullmatch(_TZ_SUFFIX_TEST).fillna(False).to_numpy(dtype=bool, copy=True)
        offsets = sub[aware].str.extract(_TZ_SUFFIX, expand=False) if aware.any() else None
        failed = np.zeros(len(sub), dtype=bool)
        result = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns]")
        if aware.any():
            norm = offsets.str.replace("Z", "+00:00", regex=False)
            norm = norm.where(norm.str.len() != 3, norm + ":00")
            norm = norm.str.replace(r"^([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
            kinds = sorted(set(norm))
            if self.tz is None and (not aware.all() or len(kinds) > 1):
                self._mixed_zones(col, raw, todo, aware, norm, kinds)
                return None, failed
            p = pd.to_datetime(sub[aware], format="ISO8601", errors="coerce", utc=True)
            result[aware] = p.dt.tz_localize(None).astype("datetime64[ns]").to_numpy()
            failed[aware] = p.isna().to_numpy()
        if (~aware).any():
            p = pd.to_datetime(sub[~aware], format="ISO8601", errors="coerce")
            failed[~aware] = p.isna().to_numpy()
            p = p.astype("datetime64[ns]")
            if self.tz is not None:
                p = self._localise(p, col)
            result[~aware] = p.to_numpy()
        return result, failed

    def _parse_with_format(self, sub: pd.Series, col: str, raw: pd.Series, todo: np.ndarray):
        try:
            p = pd.to_datetime(sub, format=self.date_format, errors="coerce")
        except ValueError as e:  # mixed offsets under %z
            if "Mixed timezones" not in str(e):
                raise
            if self.tz is None:
                self.problems.append(
                    _Problem(
                        col,
                        np.zeros(len(raw), dtype=bool),
                        "holds values with different UTC offsets (mixed time zones)",
                        'Pass tz="<zone>" (e.g. tz="Europe/Berlin") to accept them and convert all to UTC.',
                        None,
                        droppable=False,
                    )
                )
                return None, np.zeros(len(sub), dtype=bool)
            p = pd.to_datetime(sub, format=self.date_format, errors="coerce", utc=True)
        failed = p.isna().to_numpy()
        if isinstance(p.dtype, pd.DatetimeTZDtype):
            p = p.dt.tz_convert("UTC").dt.tz_localize(None)
        elif self.tz is not None:
            p = self._localise(p.astype("datetime64[ns]"), col)
        return p.astype("datetime64[ns]"), failed

    def _mixed_zones(
        self, col: str, raw: pd.Series, todo: np.ndarray, aware: np.ndarray, norm: pd.Series, kinds: list[str]
    ) -> None:
        pos = np.flatnonzero(todo)
        bad = np.zeros(len(raw), dtype=bool)
        if not aware.all():
            # name the minority: the values without an offset when most have one, and vice versa
            naive_minority = (~aware).sum() <= aware.sum()
            bad[pos[~aware if naive_minority else aware]] = True
            problem = (
                "{have} no UTC offset while the others have one"
                if naive_minority
                else "{have} a UTC offset while the others have none"
            ) + f" (mixed time zones: {', '.join(kinds)} and no offset)"
            fix = (
                'Pass tz="<zone>" (the zone of the values without offset, e.g. '
                'tz="Europe/Berlin", or tz="UTC") so kpikit can convert every value to UTC, '
                "or fix the export."
            )
        else:
            common = norm.value_counts().index[0]
            full = np.zeros(len(aware), dtype=bool)
            full[aware] = (norm != common).to_numpy(dtype=bool, copy=True)
            bad[pos[full]] = True
            problem = (
                f"{{have}} another UTC offset than the column's most common one, {common} "
                f"(mixed time zones: {', '.join(kinds)})"
            )
            fix = (
                "If these are local times of one zone with daylight saving, pass "
                'tz="<zone>" (e.g. tz="Europe/Berlin", or tz="UTC") to accept the offsets; '
                "kpikit converts every value to UTC."
            )
        self._problem(col, bad, problem, fix, raw, droppable=False)

    def _localise(self, s: pd.Series, col: str) -> pd.Series:
        try:
            loc = s.dt.tz_localize(self.tz, ambiguous="NaT", nonexistent="NaT")
        except Exception as e:  # unknown zone name
            raise KpiDataError(
                f"tz={self.tz!r} is not a time zone name pandas knows ({e}). "
                'Use an IANA name such as "Europe/Berlin" or "UTC".'
            ) from None
        lost = (loc.isna() & s.notna()).to_numpy(dtype=bool, copy=True)
        if lost.any():
            # s may be a subset of the column; its index holds positions in the column
            bad = np.zeros(len(self._raw), dtype=bool)
            bad[np.asarray(s.index[lost], dtype=np.int64)] = True
            self._problem(
                col,
                bad,
                f"{{have}} a local time that does not exist or is ambiguous in {self.tz} (a daylight-saving change)",
                "Give these times an explicit UTC offset in the export, " + _DROP_HINT + ".",
                self._raw,
            )
        return loc.dt.tz_convert("UTC").dt.tz_localize(None)

    def _finish_time(self, out: pd.Series, raw: pd.Series, spec: ColumnSpec) -> pd.Series:
        try:
            out = out.astype("datetime64[ns]")
        except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
            self._problem(
                spec.name,
                np.zeros(len(out), dtype=bool),
                "holds dates outside 1677-2262",
                "Fix the export.",
                raw,
                droppable=False,
            )
            return pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        if spec.kind == "date":
            timed = (out.notna() & (out != out.dt.normalize())).to_numpy(dtype=bool, copy=True)
            if timed.any():
                self._problem(
                    spec.name,
                    timed,
                    "{have} a time of day, but the column holds dates",
                    f"Map a date column to '{spec.name}', or floor the values to days "
                    f'(df["{spec.name}"].dt.floor("D")) before reading.',
                    raw,
                )
        return out


def _strings(s: pd.Series) -> pd.Series:
    """Values as pandas ``str`` dtype: text kept, other objects written out (dates in ISO form)."""
    if _is_text_dtype(s.dtype):
        return s
    return s.astype(object).map(_text_of, na_action="ignore").astype("str")


def _text_of(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (pd.Timestamp,)) or hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)
