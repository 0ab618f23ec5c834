"""Dates and timestamps: ISO 8601, slash dates in the file's order, UTC offsets, open-ended sentinels.

- ISO 8601 ("2024-03-01", "2024-03-01 14:30:00", "2024-03-01T14:30:00.123Z"), and BigQuery's CSV
  style "2019-10-01 00:00:00 UTC".
- Values with explicit UTC offsets are instants: converted to UTC, whatever mix of offsets a column
  holds (a year of Europe/Berlin times has +01:00 and +02:00). Naive values are kept (taken as UTC)
  or localised with ``tz``; a column mixing aware and naive values needs ``tz`` for the naive ones.
- Day-month dates with the year last ("25/03/2024", "25.03.2024", "25-03-2024", two-digit years as
  POSIX ``%y`` reads them: 00-68 are 2000-2068, 69-99 are 1969-1999; a time may follow, with AM/PM).
  Their order is the file's: ``dayfirst=True/False`` says it; otherwise a date whose first field is
  above 12 proves day first, one whose second field is above 12 proves month first, anywhere in the
  file's time columns. When no date tells (every date like 03/04/2024), the column is refused with
  the question; a file that proves both orders is refused.
- ``date_format``: the strftime layout of every value; a value that does not match it is an error.
- Dates pandas cannot hold (before 1678, from 2262 on) never raise a raw OutOfBoundsDatetime. In an
  open-ended column (``ColumnSpec.open_end``: a subscription's ``end``), a date from the year 2262
  on (9999-12-31, 2999-12-31) is the exporting system's "no end yet" marker: read as empty (still
  active) and counted. Anywhere else such dates, and any date before 1678 (0001-01-01), are errors
  that say how to mark a missing date.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas.ids import _is_text_dtype, _number_cells, _spread, _strings
from kpikit.schemas.spec import _DROP_HINT, TIME_KINDS, ColumnSpec

__all__ = []


_TZ_SUFFIX = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$"


# the same test written for pyarrow's fast regex path (fullmatch, ASCII classes)
_TZ_SUFFIX_TEST = r".*[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? *(Z|[+-][0-9]{2}(:?[0-9]{2})?)"


_UTC_WORD = r"([0-9])\s*(?:UTC|GMT)$"


_DAY_MONTH = (
    r"^(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([AaPp][Mm]))?)?$"
)


_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


_LAST_YEAR, _FIRST_YEAR = 2261, 1678  # pandas' nanosecond timestamps run from 1677-09-21 to 2262-04-11


class _Parsed:
    """The readings of a column's filled cells, gathered from several parsers, as nanosecond timestamps.

    ``late`` and ``early`` mark dates from 2262 on and before 1678, kept out of ``values``.
    """

    def __init__(self, n: int):
        self.values = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        self.failed = np.zeros(n, dtype=bool)
        self.late = np.zeros(n, dtype=bool)
        self.early = np.zeros(n, dtype=bool)
        self.naive = np.zeros(n, dtype=bool)

    def put(self, where: np.ndarray, p: pd.Series, naive: bool = False) -> None:
        """The readings ``p`` (naive, any unit; NaT where unreadable) of the cells ``where``."""
        pos = np.flatnonzero(where)
        years = p.dt.year.to_numpy(dtype="float64", na_value=np.nan)
        late, early = years > _LAST_YEAR, years < _FIRST_YEAR
        ok = p.notna().to_numpy(dtype=bool, copy=True) & ~late & ~early
        self.values[pos[ok]] = p[ok].to_numpy().astype("datetime64[ns]")
        self.late[pos[late]] = True
        self.early[pos[early]] = True
        self.failed[pos] = ~ok & ~late & ~early
        self.naive[pos[ok]] = naive

    def out_of_range(self, cells: pd.Series) -> None:
        """Unreadable cells whose year pandas cannot hold are out of range, not unreadable."""
        for i in np.flatnonzero(self.failed):
            m = _YEAR.search(cells.iloc[i])
            year = int(m.group(1)) if m else _FIRST_YEAR
            if year > _LAST_YEAR or year < _FIRST_YEAR:
                self.failed[i] = False
                self.late[i], self.early[i] = year > _LAST_YEAR, year < _FIRST_YEAR


class _TimeParser:
    """The time kinds ("timestamp", "date") of ``_Converter``."""

    def _time(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return self._time_from_datetimes(s, spec)
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
        txt, empty = self._time_text(col)
        if pd.api.types.is_object_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
            nums = _number_cells(s.astype(object)) & ~empty
            if nums.any():
                self._problem(
                    col,
                    nums,
                    "{have} a number, not a date",
                    "Convert them in the export (Excel: format the cells as dates), or map a date column.",
                    s,
                )
                empty = empty | nums
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        todo = ~empty
        if not todo.any():
            return self._finish_time(out, s, spec)
        sub = txt[todo]
        parsed = _Parsed(len(sub))
        if self.date_format is not None:
            done = self._parse_with_format(sub, parsed)
        else:
            done = self._parse_text(sub, parsed, spec, s, todo)
        if not done:
            return out
        parsed.out_of_range(sub)
        values = pd.Series(parsed.values, index=sub.index)
        if self.tz is not None and parsed.naive.any():
            values[parsed.naive] = self._localise(values[parsed.naive], col)
        out[todo] = values.to_numpy()
        self._out_of_range(spec, s, _spread(todo, parsed.late), _spread(todo, parsed.early))
        if parsed.failed.any():
            self._unreadable(col, _spread(todo, parsed.failed), s)
        return self._finish_time(out, s, spec)

    def _time_text(self, col: str) -> tuple[pd.Series, np.ndarray]:
        """A time column of the frame as stripped text (str dtype), and where it is empty (computed once)."""
        if col not in self._times:
            s = self._frame[col]
            empty = self._blank(s)
            if _is_text_dtype(s.dtype):
                txt = s.str.strip()
            else:
                obj = s.astype(object)
                txt = _strings(obj.where(~pd.Series(empty, index=s.index), None)).str.strip()
            self._times[col] = (txt, empty)
        return self._times[col]

    def _time_from_datetimes(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        """A datetime column (any unit; aware ones converted to UTC), with the dates pandas cannot hold named."""
        aware = isinstance(s.dtype, pd.DatetimeTZDtype)
        naive = s.dt.tz_convert("UTC").dt.tz_localize(None) if aware else s
        parsed = _Parsed(len(s))
        filled = s.notna().to_numpy(dtype=bool, copy=True)
        parsed.put(filled, naive[filled], naive=not aware)
        out = pd.Series(parsed.values, index=s.index)
        if self.tz is not None and not aware:
            out = self._localise(out, spec.name)
        self._out_of_range(spec, s, parsed.late, parsed.early)
        return self._finish_time(out, s, spec)

    def _parse_text(self, sub: pd.Series, parsed: _Parsed, spec: ColumnSpec, raw: pd.Series, todo: np.ndarray) -> bool:
        """ISO 8601 (with or without offsets), then day-month dates; False when the column is refused whole."""
        col = spec.name
        if sub.str.endswith(("UTC", "GMT")).any():
            sub = sub.str.replace(_UTC_WORD, r"\1+00:00", regex=True)
        aware = sub.str.fullmatch(_TZ_SUFFIX_TEST).fillna(False).to_numpy(dtype=bool, copy=True)
        if aware.any():
            if self.tz is None and not aware.all():
                self._aware_and_naive(col, raw, todo, aware, sub)
                return False
            p = pd.to_datetime(sub[aware], format="ISO8601", errors="coerce", utc=True)
            parsed.put(aware, p.dt.tz_localize(None))
        if (~aware).any():
            parsed.put(~aware, pd.to_datetime(sub[~aware], format="ISO8601", errors="coerce"), naive=True)
        maybe = parsed.failed.copy()
        if maybe.any():
            maybe[maybe] = sub[maybe].str.match(r"\d{1,2}[/.-]\d{1,2}[/.-]\d").to_numpy(dtype=bool, na_value=False)
        if maybe.any():
            self._day_month(sub, maybe, parsed, spec, raw, todo)
        return True

    def _parse_with_format(self, sub: pd.Series, parsed: _Parsed) -> bool:
        fmt = self.date_format
        aware = "%z" in fmt or "%Z" in fmt
        try:
            p = pd.to_datetime(sub, format=fmt, errors="coerce", utc=aware)
        except ValueError as e:
            raise KpiDataError(f"date_format={fmt!r} is not a format pandas can use ({e}).") from None
        parsed.put(np.ones(len(sub), dtype=bool), p.dt.tz_localize(None) if aware else p, naive=not aware)
        return True

    # -- day-month dates ---------------------------------------------------------------------------
    def _fields(self, col: str) -> tuple[np.ndarray, pd.DataFrame] | None:
        """Positions and fields of the day-month dates of a time column (computed once; None if it has none).

        Fields: first, sep, second, sep, year, hour, minute, second, fraction, am/pm.
        """
        if col not in self._day_month_fields:
            txt, empty = self._time_text(col)
            cand = ~empty & txt.str.match(r"\d{1,2}[/.-]\d{1,2}[/.-]\d").fillna(False).to_numpy(dtype=bool)
            found = None
            if cand.any():
                g = txt[cand].str.extract(_DAY_MONTH)
                ok = (g[1] == g[3]) & ~((g[1] == "-") & (g[4].str.len() == 2))
                ok = ok.fillna(False).to_numpy(dtype=bool)
                if ok.any():
                    found = (np.flatnonzero(cand)[ok], g[ok].reset_index(drop=True))
            self._day_month_fields[col] = found
        return self._day_month_fields[col]

    def _date_order(self) -> dict[bool, list[tuple[str, int]]]:
        """Cells of the file's time columns that prove day first (True) or month first (False)."""
        if self._order is None:
            self._order = {True: [], False: []}
            for c in self._spec.columns:
                if c.kind in TIME_KINDS and c.name in self._frame.columns:
                    s = self._frame[c.name]
                    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
                        continue
                    found = self._fields(c.name)
                    if found is None:
                        continue
                    pos, g = found
                    a, b = g[0].astype(int).to_numpy(), g[2].astype(int).to_numpy()
                    self._order[True] += [(c.name, int(p)) for p in pos[(a > 12) & (b <= 12)]]
                    self._order[False] += [(c.name, int(p)) for p in pos[(b > 12) & (a <= 12)]]
        return self._order

    def _day_month(
        self, sub: pd.Series, maybe: np.ndarray, parsed: _Parsed, spec: ColumnSpec, raw: pd.Series, todo: np.ndarray
    ) -> None:
        """Read the day-month dates among the cells ``maybe`` in the file's order, or ask which it is."""
        found = self._fields(spec.name)
        if found is None:
            return
        pos, g = found
        at = np.flatnonzero(todo)
        keep = np.isin(pos, at[maybe])
        pos, g = pos[keep], g[keep].reset_index(drop=True)
        where = np.zeros(len(sub), dtype=bool)
        where[np.searchsorted(at, pos)] = True
        a, b = g[0].astype(int).to_numpy(), g[2].astype(int).to_numpy()
        first, asked = self._day_first(spec, raw, pos, a, b)
        if first is None:  # refused whole: the cells are not "unreadable"
            parsed.failed[where] = False
            return
        day, month = (g[0], g[2]) if first else (g[2], g[0])
        year = g[4].where(
            g[4].str.len() == 4, (g[4].astype(int) + np.where(g[4].astype(int) < 69, 2000, 1900)).astype(str)
        )
        hour = g[5].fillna("0").astype(int)
        pm = g[9].fillna("").str.lower()
        bad_hour = ((pm != "") & ((hour > 12) | (hour == 0))).to_numpy(dtype=bool)
        hour = np.where(pm == "pm", hour % 12 + 12, np.where(pm == "am", hour % 12, hour))
        iso = (
            year
            + "-"
            + month.str.zfill(2)
            + "-"
            + day.str.zfill(2)
            + " "
            + pd.Series(hour).astype(str).str.zfill(2)
            + ":"
            + g[6].fillna("00")
            + ":"
            + g[7].fillna("00")
            + ("." + g[8]).fillna("")
        )
        p = pd.to_datetime(iso, format="ISO8601", errors="coerce")
        p[bad_hour] = pd.NaT
        parsed.put(where, p.set_axis(sub.index[where]), naive=True)
        parsed.failed[np.flatnonzero(where)[asked]] = False  # worded by the problem already

    def _day_first(
        self, spec: ColumnSpec, raw: pd.Series, pos: np.ndarray, a: np.ndarray, b: np.ndarray
    ) -> tuple[bool | None, np.ndarray]:
        """The file's order of day and month, and the dates a problem already names.

        None when the order cannot be told (the question is recorded as a problem).
        """
        none = np.zeros(len(a), dtype=bool)
        if self.dayfirst is not None:
            return bool(self.dayfirst), none
        order = self._date_order()
        n = len(raw)
        if order[True] and order[False]:
            first = len(order[True]) >= len(order[False])
            col, p = order[first][0]
            example = self._time_text(col)[0].iloc[p]
            minority = (b > 12) & (a <= 12) if first else (a > 12) & (b <= 12)
            if minority.any():
                bad = np.zeros(n, dtype=bool)
                bad[pos[minority]] = True
                self._problem(
                    spec.name,
                    bad,
                    f"{{have}} a date that only reads {'month' if first else 'day'} first, while other dates of "
                    f"the file only read {'day' if first else 'month'} first (e.g. '{example}' in column '{col}')",
                    "The file mixes day-first and month-first dates: export it again in one layout (ISO 8601, "
                    "2024-03-25, is safest), or pass dayfirst=True or False and drop_invalid=True to drop the "
                    "rows that do not fit.",
                    raw,
                    droppable=False,
                )
            self.inferred["dayfirst"] = first
            return first, minority
        if order[True] or order[False]:
            self.inferred["dayfirst"] = bool(order[True])
            return bool(order[True]), none
        unclear = (a != b) & (a <= 12) & (b <= 12)
        if not unclear.any():
            return True, none  # every date reads the same either way (01/01/2024)
        bad = np.zeros(n, dtype=bool)
        bad[pos[unclear]] = True
        example = self._time_text(spec.name)[0].iloc[pos[unclear][0]]
        x, y = int(a[unclear][0]), int(b[unclear][0])
        sep = re.search(r"[/.-]", example).group(0)
        as_day, as_month = pd.Timestamp(2000, y, x), pd.Timestamp(2000, x, y)
        self._problem(
            spec.name,
            bad,
            f"{{have}} a date such as '{example}' that reads {x} {as_day:%B} day first and {as_month:%B} {y} "
            "month first; no date in the file has a day above 12 to tell which",
            f"Pass dayfirst=True if the file writes day{sep}month{sep}year ({x} {as_day:%B}), dayfirst=False if "
            f'it writes month{sep}day{sep}year ({as_month:%B} {y}), or the exact layout as date_format="%d{sep}%m{sep}%Y".',
            raw,
            droppable=False,
        )
        return None, unclear

    # -- what could not be read ---------------------------------------------------------------------
    def _unreadable(self, col: str, bad: np.ndarray, raw: pd.Series) -> None:
        fmt = self.date_format
        if fmt:
            fix = f"They do not match date_format={fmt!r}: fix the export or the format"
        elif self.dayfirst is not None:
            fix = (
                f"They do not read as {'day' if self.dayfirst else 'month'}-first dates (dayfirst={self.dayfirst}) "
                "or ISO 8601: fix the export, or pass date_format for this layout"
            )
        else:
            fix = (
                "Write dates as ISO 8601 (2024-03-01 or 2024-03-01 14:30:00), or pass "
                'date_format (e.g. date_format="%d/%m/%Y %H:%M") to read this layout'
            )
        self._problem(col, bad, "{have} a date that cannot be read", fix + ", " + _DROP_HINT + ".", raw)

    def _out_of_range(self, spec: ColumnSpec, raw: pd.Series, late: np.ndarray, early: np.ndarray) -> None:
        """Dates from 2262 on (an open end's "no end yet" marker, or an error) and before 1678 (an error)."""
        col = spec.name
        if late.any() and spec.open_end:
            self._repair(
                col,
                late,
                "{was} a far-future date (a 'no end yet' marker such as 9999-12-31), read as still active (empty)",
                raw,
            )
        elif late.any():
            example = _example(raw, late)
            self._problem(
                col,
                late,
                f"{{have}} a date from the year {_LAST_YEAR + 1} on, which no real {col} can be and pandas cannot hold",
                f"If it marks 'no date yet', blank these cells in the export or pass na_values=[{example!r}]; "
                "otherwise fix the export, " + _DROP_HINT + ".",
                raw,
            )
        if early.any():
            example = _example(raw, early)
            self._problem(
                col,
                early,
                f"{{have}} a date before the year {_FIRST_YEAR}, which pandas cannot hold (timestamps run from "
                "1677-09-21 to 2262-04-11)",
                f"Some systems write {example} for 'no date': blank these cells in the export or pass "
                f"na_values=[{example!r}]; otherwise fix the export, " + _DROP_HINT + ".",
                raw,
            )

    def _aware_and_naive(self, col: str, raw: pd.Series, todo: np.ndarray, aware: np.ndarray, sub: pd.Series) -> None:
        """A column mixing values with and without UTC offset: the naive ones' zone is unknown."""
        offsets = sub[aware].str.extract(_TZ_SUFFIX, expand=False).str.replace("Z", "+00:00", regex=False)
        kinds = ", ".join(sorted(set(offsets.dropna())))
        naive_minority = (~aware).sum() <= aware.sum()
        bad = _spread(todo, ~aware if naive_minority else aware)
        problem = (
            "{have} no UTC offset while the others have one"
            if naive_minority
            else "{have} a UTC offset while the others have none"
        ) + f" (mixed time zones: {kinds} and no offset)"
        fix = (
            'Pass tz="<zone>" (the zone of the values without offset, e.g. '
            'tz="Europe/Berlin", or tz="UTC") so kpikit can convert every value to UTC, '
            "or fix the export."
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
        out = out.astype("datetime64[ns]")
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


def _example(raw: pd.Series, bad: np.ndarray) -> str:
    """The first offending value as the file writes it (a date cell as its ISO date)."""
    v = raw.iloc[int(np.flatnonzero(bad)[0])]
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (int, float)):
        return str(v)
    ts = pd.Timestamp(v)
    return f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"
