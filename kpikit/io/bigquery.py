"""The shared reading of BigQuery export copies: files, records, exact duplicates, typed fields.

Google Analytics' BigQuery exports (GA4 ``events_*``, Universal Analytics ``ga_sessions_*``) reach
consultants as newline-delimited JSON extracts (64-bit integers as strings, null fields left out),
console "save as JSON" arrays (every scalar a string, explicit nulls) or Parquet (typed, nested), one
file or a folder of shards. The readers ``kpikit.io.ga4`` and ``kpikit.io.ua`` share what is common:
finding the files, reading records with their line numbers, a digest of each record that is equal for
exact duplicates in any of these forms, dropping those duplicates with a report, refusing two copies
of one record that differ, and parsing fields (64-bit integers never through float) with messages
that name the file, the field and the lines.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows

__all__: list[str] = []


_EXPORT_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz", ".parquet")


def _export_files(path, what: str = "GA4") -> list[Path]:
    """The export files: one file, a list of files, or the export files of a folder (sorted)."""
    if isinstance(path, (list, tuple)):
        files = [Path(p) for p in path]
    else:
        p = Path(path)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.name.lower().endswith(_EXPORT_SUFFIXES))
            if not files:
                raise KpiDataError(
                    f"{p}: no {what} export files (*.jsonl, *.json, *.jsonl.gz, *.parquet) in this folder."
                )
        else:
            files = [p]
    if not files:
        raise KpiDataError(f"No {what} export files given (an empty list).")
    for f in files:
        if not f.exists():
            raise KpiDataError(f"{f}: file not found.")
    return files


def _files_label(files: list[Path]) -> str:
    """How messages name the export: the file, or the folder and the number of files."""
    return files[0].name if len(files) == 1 else f"{files[0].parent} ({len(files)} files)"


def _get(d, *keys):
    """``d[k1][k2]...``, or None where a level is missing or not a mapping."""
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d


def _normalised(x):
    """A record with every scalar as text and null or empty fields left out: one form for all copies.

    NDJSON extracts write 64-bit integers as strings, a console download writes every scalar as a
    string and keeps nulls, Parquet keeps types and nulls: the same event reads the same in all three.
    """
    t = type(x)
    if t is dict or (t is not str and isinstance(x, Mapping)):
        out = {}
        for k, v in x.items():
            v = _normalised(v)
            if v is not None:
                out[str(k)] = v
        return out or None
    if t is list or t is tuple:
        items = [_normalised(v) for v in x]
        return items or None
    if x is None:
        return None
    if t is bool:
        return "true" if x else "false"
    if t is float and x.is_integer():
        return str(int(x))
    return x if t is str else str(x)


def _record_key(record: Mapping) -> str:
    """A digest of the whole record in its normalised form: equal for exact duplicates, in any copy."""
    text = json.dumps(_normalised(record) or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _read_records(f: Path) -> tuple[list, list[int]]:
    """The records of one export file and the line (or row) number of each."""
    name = f.name
    if name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            records = pq.read_table(f).to_pylist()
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise KpiDataError(
                f"{name}: not a readable Parquet file ({exc}). Re-export the table as Parquet."
            ) from None
        return records, list(range(1, len(records) + 1))
    opener = gzip.open if name.lower().endswith(".gz") else open
    try:
        with opener(f, "rt", encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise KpiDataError(
            f"{name}: not UTF-8 text; BigQuery writes UTF-8 JSON. Check that this is the export file."
        ) from None
    except (OSError, EOFError) as exc:
        raise KpiDataError(f"{name}: cannot be read ({exc}). Check the file (a truncated .gz?).") from None
    stripped = text.lstrip()
    if not stripped:
        raise KpiDataError(f"{name}: the file is empty; it holds no records.")
    if stripped.startswith("["):  # a console "save as JSON": one array of records
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise KpiDataError(
                f"{name}: not valid JSON (line {exc.lineno}: {exc.msg}). Re-download the results."
            ) from None
        return records, list(range(1, len(records) + 1))
    records, lines = [], []
    for i, line in enumerate(text.splitlines(), start=1):  # JSON lines: parsing is per line by nature
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise KpiDataError(
                f"{name}, line {i}: not valid JSON ({exc.msg} at column {exc.colno}). Export the table as "
                "newline-delimited JSON (one record per line), or remove the broken line."
            ) from None
        lines.append(i)
    return records, lines


def _flat_frame(files: list[Path], flatten, what: str) -> pd.DataFrame:
    """The flattened records of all files (object columns) with ``_file``, ``_line`` and ``_record``.

    ``_record`` holds each record as read, for the exact-duplicate check; the reader drops it after.
    """
    frames = []
    columns = list(flatten({}).keys())
    for f in files:
        records, lines = _read_records(f)
        bad = [ln for r, ln in zip(records, lines) if not isinstance(r, Mapping)]
        if bad:
            raise KpiDataError(f"{f.name}: {describe_rows(bad)} are not JSON objects; each must be one {what}.")
        flat = pd.DataFrame([flatten(r) for r in records], columns=columns, dtype=object)
        flat["_file"] = f.name
        flat["_line"] = lines
        flat["_record"] = pd.Series(records, dtype=object, index=flat.index) if records else None
        frames.append(flat)
    return pd.concat(frames, ignore_index=True)


def _fail(raw: pd.DataFrame, col: str, mask: np.ndarray, problem: str, fix: str, what: str = "events") -> NoReturn:
    """Raise KpiDataError naming the field, the first file with bad records, its lines and the first value."""
    where = raw.loc[mask, ["_file", "_line"]]
    first_file = where["_file"].iloc[0]
    rows = where.loc[where["_file"] == first_file, "_line"].tolist()
    raise KpiDataError(
        f"{first_file}, field {col!r}: {int(mask.sum())} {what} {problem} (lines "
        f"{describe_rows(rows).split(' ', 1)[1]}; first: {raw.loc[mask, col].iloc[0]!r}). {fix}"
    )


def _check_required_fields(raw: pd.DataFrame, label: str, fields: Sequence[str], shape: str, what="events") -> None:
    """Every record has each of ``fields`` (a field missing everywhere: not this kind of export)."""
    for col in fields:
        miss = raw[col].isna().to_numpy()
        if miss.all():
            raise KpiDataError(f"{label}: field {col!r} is missing in every record; this does not look like a {shape}.")
        if miss.any():
            _fail(raw, col, miss, "have no value", "Every record has one; check that the export is complete.", what)


def _drop_duplicates(
    raw: pd.DataFrame, label: str, duplicates: str, what: str, id_cols: list[str]
) -> tuple[pd.DataFrame, list[dict]]:
    """Exact duplicate records: dropped with a warning ("drop"), kept ("keep") or an error ("raise").

    Only records sharing ``id_cols`` (user, time and name of an event; visitor, visit and date of a UA
    session) can be exact duplicates: the digest of the whole record (:func:`_record_key`) is computed
    for those alone. The message says how many, which files repeat which (overlapping downloads) and
    the lines of the repeats inside one file. Returns the records kept (without ``_record``) and the
    repair as ``attrs["dropped"]`` entries (the count, the files and lines of the first 1,000
    repeats, the message).
    """
    if duplicates == "keep":
        return raw.drop(columns="_record"), []
    ids = _text(raw, id_cols[0]).fillna("")
    for col in id_cols[1:]:
        ids = ids + "\x1f" + _text(raw, col).fillna("")
    cand = np.flatnonzero(ids.duplicated(keep=False).to_numpy())
    keys = pd.Series([_record_key(r) for r in raw["_record"].to_numpy()[cand]], index=raw.index[cand], dtype=object)
    dup = np.zeros(len(raw), dtype=bool)
    dup[cand[keys.duplicated(keep="first").to_numpy()]] = True
    raw = raw.drop(columns="_record")
    n_dup = int(dup.sum())
    if not n_dup:
        return raw, []
    raw = raw.assign(_key=None)
    raw.loc[raw.index[cand], "_key"] = keys.to_numpy()
    first_file = raw.drop_duplicates("_key").set_index("_key")["_file"]
    repeats = raw.loc[dup, ["_file", "_line", "_key"]].assign(_of=lambda d: d["_key"].map(first_file).to_numpy())
    parts = []
    for (f, of), grp in repeats.groupby(["_file", "_of"], sort=False):
        if f == of:
            lines = describe_rows(grp["_line"].tolist()).replace("row", "line", 1)
            parts.append(f"{f} repeats {len(grp):,} of its own {what} ({lines})")
        else:
            parts.append(f"{f} repeats {len(grp):,} {what} of {of} (overlapping exports: the same days twice?)")
    detail = "; ".join(parts)
    if duplicates == "raise":
        raise KpiDataError(
            f"{label}: {n_dup:,} exact duplicate {what}: {detail}. Pass duplicates='drop' to keep the first copy of each."
        )
    message = f"{label}: dropped {n_dup:,} exact duplicate {what}, keeping the first copy of each: {detail}."
    warnings.warn(message, KpiWarning, stacklevel=3)
    record = {
        "column": None,
        "problem": f"exact duplicate {what}",
        "count": n_dup,
        "rows": [(f, int(ln)) for f, ln in zip(repeats["_file"].iloc[:1000], repeats["_line"].iloc[:1000])],
        "repair": "duplicate",
        "message": message,
    }
    return raw.loc[~dup].drop(columns="_key").reset_index(drop=True), [record]


def _check_conflicting_copies(
    raw: pd.DataFrame, id_cols: list[str], label: str, what: str, same: str, likely: str, across_files: bool = True
) -> None:
    """Refuse records that are the same record (same ``id_cols``) but differ in other fields.

    With ``across_files`` only pairs in different files count (one daily table may hold two events
    of one user at one time); otherwise any pair does (one UA session per visit and day).
    """
    key = _text(raw, id_cols[0])
    for col in id_cols[1:]:
        key = key + "\x1f" + _text(raw, col)  # a missing part leaves the key missing: not compared
    ok = key.notna().to_numpy()
    sub = raw.loc[ok, ["_file", "_line"]].assign(_id=key[ok].to_numpy())
    clash = sub["_id"].duplicated(keep=False)
    if across_files:
        clash &= sub.groupby("_id")["_file"].transform("nunique") > 1
    if not clash.any():
        return
    c = sub.loc[clash]
    first = c.drop_duplicates("_id").set_index("_id")
    later = c.loc[c["_id"].duplicated(keep="first")]
    a, b = later.iloc[0], first.loc[later["_id"].iloc[0]]
    raise KpiDataError(
        f"{label}: {len(later):,} {what} appear twice with {same} but different fields (first: {b['_file']} "
        f"line {b['_line']} and {a['_file']} line {a['_line']}). Two copies of the same data taken differently "
        f"({likely})? Keep one copy of each day, or pass duplicates='keep' to read every row as it is."
    )


def _integers(raw: pd.DataFrame, col: str, what: str = "events") -> pd.Series:
    """A field of 64-bit integers (JSON numbers or strings) as Int64, never through float."""
    text = raw[col].astype("str").str.strip().where(raw[col].notna())
    whole = text.str.replace(r"^([+-]?\d+)\.0*$", r"\1", regex=True)  # 3.0 from a float column
    ok = (whole.isna() | whole.str.fullmatch(r"[+-]?\d+")).to_numpy(dtype=bool, na_value=True)
    if not ok.all():
        _fail(raw, col, ~ok, "are not whole numbers", f"{col} holds integers in the export; fix the export.", what)
    if whole.isna().all():
        return pd.Series(pd.NA, index=raw.index, dtype="Int64")
    num = pd.to_numeric(whole, dtype_backend="numpy_nullable")
    if not pd.api.types.is_signed_integer_dtype(num.dtype):
        big = (pd.to_numeric(whole, errors="coerce").abs() >= 2.0**63).to_numpy(dtype=bool, na_value=False)
        _fail(raw, col, big, "are beyond the 64-bit integer range", "Check the export.", what)
    return num.astype("Int64")


def _numbers(raw: pd.DataFrame, col: str, what: str = "events") -> pd.Series:
    """A field of numbers (float), as numbers or strings; text that is not a number fails."""
    text = raw[col]
    num = pd.to_numeric(text.astype("str").where(text.notna()), errors="coerce")
    bad = (num.isna() & text.notna()).to_numpy()
    if bad.any():
        _fail(raw, col, bad, "are not numbers", "Fix the export; this field holds numbers.", what)
    return num.astype(float)


def _text(raw: pd.DataFrame, col: str) -> pd.Series:
    """A field as text, missing values kept missing."""
    return raw[col].astype("str").where(raw[col].notna())


def _flags(raw: pd.DataFrame, col: str, fix: str, what: str = "events", problem: str = "are not 1/0") -> pd.Series:
    """A 1/0 (or true/false) field, as text or integers, as a nullable boolean; other values fail."""
    txt = raw[col].astype("str").str.strip().str.lower().where(raw[col].notna())
    known = {"1": True, "0": False, "true": True, "false": False, "1.0": True, "0.0": False}
    bad = (txt.notna() & ~txt.isin(list(known))).to_numpy()
    if bad.any():
        _fail(raw, col, bad, problem, fix, what)
    return txt.map(known).astype("boolean")
