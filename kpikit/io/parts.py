"""A table in several files: finding its parts in a folder, and combining them without counting a row twice.

A table may come whole, ``<table>.csv`` (or ``.csv.gz``, ``.parquet``, ``.xlsx``), or in parts:

- files named ``<table>_<anything>`` or ``<table>-<anything>`` with one of those suffixes
  (``events_2024-01.csv.gz``, ``spend-google.csv``), beside the whole file or without it;
- every file with one of those suffixes in a ``<table>/`` subfolder (``events/2024-02.parquet``).

Names match case-insensitively; hidden files and Excel's lock files (``~$...``) are ignored. One
name in two formats (``spend.csv`` and ``spend.parquet``) is one export saved twice: an ambiguity
that ``read_folder`` reports instead of reading either.

Combining parts (monthly downloads, one file per ad account):

- rows of a later part equal in every column to a row of an earlier part are the same rows downloaded
  twice (overlapping date ranges): dropped, with a KpiWarning naming both files, the count and the
  dates, and an entry of ``attrs["dropped"]``;
- rows of two parts equal on the columns that identify a record (``kpikit.io.duplicates._IDENTITY``:
  the key, or e.g. period, channel and category for spend, plus the extra text columns such as an
  account) but different elsewhere are two versions of one record: refused, with both files, the
  overlapping dates and the first differing column, since kpikit cannot tell which download is right;
- parts whose dates overlap but that share no row are separate segments (a site, a store, an ad
  account each): combined, with a KpiWarning saying so, since two downloads of one period whose
  every row changed would look the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.io.duplicates import _group_ids, _identity
from kpikit.schemas import TABLES, TableSpec

__all__ = []


@dataclass
class _Part:
    """One file of a table, read: its name in messages, the validated frame, each row's file row."""

    name: str
    frame: pd.DataFrame
    rows: np.ndarray


def _suffix(name: str, suffixes: tuple[str, ...]) -> str | None:
    """The suffix of ``suffixes`` that ``name`` ends with (the longest), or None."""
    low = name.lower()
    hits = [s for s in suffixes if low.endswith(s)]
    return max(hits, key=len) if hits else None


def _table_files(folder: Path, suffixes: tuple[str, ...]) -> dict[str, list[Path]]:
    """Each canonical table's files in ``folder``: whole, named parts, then the files of its subfolder."""
    entries = sorted(folder.iterdir(), key=lambda p: p.name.lower())
    files = [p for p in entries if p.is_file() and not p.name.startswith((".", "~$"))]
    found: dict[str, list[Path]] = {}
    for table in TABLES:
        whole, named = [], []
        for p in files:
            suffix = _suffix(p.name, suffixes)
            if suffix is None:
                continue
            stem = p.name[: -len(suffix)].lower()
            if stem == table:
                whole.append((suffixes.index(suffix), p))
            elif re.fullmatch(rf"{table}[_-].+", stem):
                named.append(p)
        sub = [p for p in entries if p.is_dir() and p.name.lower() == table]
        inside = [
            q
            for d in sub
            for q in sorted(d.iterdir(), key=lambda p: p.name.lower())
            if q.is_file() and not q.name.startswith((".", "~$")) and _suffix(q.name, suffixes)
        ]
        paths = [p for _, p in sorted(whole, key=lambda t: t[0])] + named + inside
        if paths:
            found[table] = paths
    return found


def _part_name(folder: Path, path: Path) -> str:
    """A part's name in messages: its path relative to the data folder."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name


def _same_name(folder: Path, paths: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    """The files of ``paths`` that share their name (suffix aside) with another: one export saved twice."""
    stems: dict[str, list[Path]] = {}
    for p in paths:
        key = _part_name(folder, p)[: -len(_suffix(p.name, suffixes) or "")].lower()
        stems.setdefault(key, []).append(p)
    return [p for group in stems.values() if len(group) > 1 for p in group]


def _files_label(names: list[str]) -> str:
    """The files of a table for the health table: all names, or the first and last of many."""
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]} ... {names[-1]} ({len(names)} files)"


def _span(times: pd.Series) -> str:
    """The dates of ``times`` for messages: "2024-03-01 to 2024-03-31" (times of day when they have them)."""
    t = times.dropna()
    if t.empty:
        return "no dates"
    lo, hi = t.min(), t.max()
    fmt = "%Y-%m-%d" if (t == t.dt.normalize()).all() else "%Y-%m-%d %H:%M:%S"
    return f"{lo:{fmt}}" if lo == hi else f"{lo:{fmt}} to {hi:{fmt}}"


def _combine(parts: list[_Part], spec: TableSpec, duplicates: str) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """The parts as one table: rows repeated across parts dropped, versions of one record refused.

    Returns the table, the records of the rows dropped (for ``attrs["dropped"]``) and the notes to
    warn about (the repairs' messages, and parts read as separate segments).
    """
    frames = [p.frame for p in parts]
    combined = pd.concat(frames, ignore_index=True, sort=False)
    part = np.repeat(np.arange(len(parts)), [len(f) for f in frames])
    rows = np.concatenate([np.asarray(p.rows, dtype=object) for p in parts])
    combined.attrs = {}
    shared: set[tuple[int, int]] = set()
    records: list[dict[str, Any]] = []
    gid = _group_ids(combined)
    _, first_pos = np.unique(gid, return_index=True)
    first = first_pos[gid]
    dup = (first != np.arange(len(combined))) & (part[first] != part)
    if dup.any():
        shared = {(int(part[first[i]]), int(part[i])) for i in np.flatnonzero(dup)}
        if duplicates != "keep":
            records = _repeated(parts, spec, combined, part, rows, first, dup, duplicates)
            combined, part, rows = combined[~dup].reset_index(drop=True), part[~dup], rows[~dup]
            dup = np.zeros(len(combined), dtype=bool)
    # rows kept as exact copies (duplicates="keep") are not two versions of one record
    distinct = ~dup
    _conflicts(parts, spec, combined[distinct].reset_index(drop=True), part[distinct], rows[distinct])
    notes = [r["message"] for r in records]
    segments = _segments(parts, spec, shared)
    if segments:
        notes.append(segments)
    return combined, records, notes


def _repeated(
    parts: list[_Part],
    spec: TableSpec,
    combined: pd.DataFrame,
    part: np.ndarray,
    rows: np.ndarray,
    first: np.ndarray,
    dup: np.ndarray,
    duplicates: str,
) -> list[dict[str, Any]]:
    """The records (and messages) of the rows of later parts that repeat rows of earlier parts."""
    time = spec.time_column
    out = []
    pairs = pd.DataFrame({"earlier": part[first][dup], "later": part[dup], "pos": np.flatnonzero(dup)})
    for (a, b), grp in pairs.groupby(["earlier", "later"], sort=True):
        pos = grp["pos"].to_numpy()
        when = f", {_span(combined[time].iloc[pos])}" if time in combined.columns else ""
        n = len(pos)
        where = f"{parts[b].name} {describe_rows([_plain(r) for r in rows[pos]])}"
        if duplicates == "raise":
            raise KpiDataError(
                f"{spec.name}: {n} rows of {parts[b].name} repeat rows of {parts[a].name} in every column ({where}"
                f"{when}): the two files overlap. Remove the overlapping dates from one of them, or pass "
                'duplicates="drop" to drop the repeated rows (they will be reported).'
            )
        repeat = "row of {} that repeats a row" if n == 1 else "rows of {} that repeat rows"
        message = (
            f"{spec.name}: dropped {n} {repeat.format(parts[b].name)} of {parts[a].name} in every column ({where}"
            f'{when}): the files overlap, and each row is counted once. Pass duplicates="keep" to keep them.'
        )
        out.append(
            {
                "column": None,
                "problem": f"repeat rows of {parts[a].name} in every column",
                "count": n,
                "rows": [_plain(r) for r in rows[pos][:1000]],
                "file": parts[b].name,
                "repair": "duplicate_rows_across_parts",
                "message": message,
            }
        )
    return out


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _conflicts(parts: list[_Part], spec: TableSpec, combined: pd.DataFrame, part: np.ndarray, rows: np.ndarray) -> None:
    """Refuse rows of two parts that are two versions of one record (equal identity, different values)."""
    ident = _identity(spec, combined)
    if not ident or len(parts) < 2:
        return
    gid = _group_ids(combined[ident])
    spread = pd.Series(part).groupby(gid).transform("nunique").to_numpy()
    clash = spread > 1
    if not clash.any():
        return
    i = int(np.flatnonzero(clash)[0])
    same = np.flatnonzero((gid == gid[i]) & (part != part[i]))
    j = int(same[0])
    a, b = int(part[i]), int(part[j])
    n = int((clash & (part == b) & np.isin(gid, gid[part == a])).sum())
    differ = [c for c in combined.columns if not _same(combined[c].iloc[i], combined[c].iloc[j])]
    col = differ[0] if differ else ident[0]
    time = spec.time_column
    head = f"{parts[a].name} and {parts[b].name} disagree"
    if time in combined.columns:
        lo = max(combined[time][part == a].min(), combined[time][part == b].min())
        hi = min(combined[time][part == a].max(), combined[time][part == b].max())
        if lo <= hi:
            head = f"{parts[a].name} and {parts[b].name} overlap from {_span(pd.Series([lo, hi]))} and disagree there"
    key = ", ".join(ident[:-1]) + (" and " if len(ident) > 1 else "") + ident[-1]
    hint = (
        ""
        if spec.key
        else (
            "; if the files are separate accounts or stores, add a column naming the account to each, so that their "
            "rows can be told apart"
        )
    )
    raise KpiDataError(
        f"{spec.name}: {head}: {n} "
        f"{'row' if n == 1 else 'rows'} of {parts[b].name} {'has' if n == 1 else 'have'} the same {key} as a row of "
        f"{parts[a].name} but {'differs' if n == 1 else 'differ'} in column '{col}' (first: {parts[b].name} row {_plain(rows[j])}, "
        f"{_show(combined[col].iloc[j])}; {parts[a].name} row {_plain(rows[i])}, {_show(combined[col].iloc[i])}). "
        f"kpikit cannot tell which download is right: keep each date in one file only (remove the overlapping "
        f"dates from the older download){hint}."
    )


def _same(x: Any, y: Any) -> bool:
    if pd.isna(x) and pd.isna(y):
        return True
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return str(x) == str(y)


def _show(v: Any) -> str:
    if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)):
        return "(empty)"
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}" if v == v.normalize() else f"{v:%Y-%m-%d %H:%M:%S}"
    return repr(v) if isinstance(v, str) else str(v)


def _segments(parts: list[_Part], spec: TableSpec, shared: set[tuple[int, int]]) -> str:
    """The note on parts whose dates overlap but that share no row: read as separate segments."""
    time = spec.time_column
    if time is None or len(parts) < 2:
        return ""
    spans = [(p.frame[time].min(), p.frame[time].max()) if time in p.frame.columns else (None, None) for p in parts]
    pairs = []
    for a in range(len(parts)):
        for b in range(a + 1, len(parts)):
            (lo_a, hi_a), (lo_b, hi_b) = spans[a], spans[b]
            if lo_a is None or lo_b is None or pd.isna(lo_a) or pd.isna(lo_b) or (a, b) in shared:
                continue
            lo, hi = max(lo_a, lo_b), min(hi_a, hi_b)
            if lo <= hi:
                pairs.append(f"{parts[a].name} and {parts[b].name}, {_span(pd.Series([lo, hi]))}")
    if not pairs:
        return ""
    more = f"; and {len(pairs) - 3} more pairs" if len(pairs) > 3 else ""
    return (
        f"{spec.name}: parts cover the same dates but share no row ({'; '.join(pairs[:3])}{more}): they are read "
        "as separate segments (a site, a store or an ad account each) and added up. If they are two downloads of "
        "the same period, keep one of them."
    )
