"""Reader of the GA4 BigQuery export (NDJSON, JSON or Parquet copies) into canonical events.

Each exported row is one event with nested records (``event_params``, ``device``, ``geo``, the
session's traffic source). ``read_ga4_bigquery`` flattens them into the canonical ``events`` table
that ``kpikit.web.sessions_from_events`` sessionises, and says which file and line hold a bad value.
"""

from __future__ import annotations

import gzip
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, NoReturn

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows

__all__ = ["read_ga4_bigquery"]


_GA4_FILE_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz", ".parquet")


def _ga4_files(path) -> list[Path]:
    """The export files: one file, a list of files, or the export files of a folder (sorted)."""
    if isinstance(path, (list, tuple)):
        files = [Path(p) for p in path]
    else:
        p = Path(path)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.name.lower().endswith(_GA4_FILE_SUFFIXES))
            if not files:
                raise KpiDataError(f"{p}: no GA4 export files (*.jsonl, *.json, *.jsonl.gz, *.parquet) in this folder.")
        else:
            files = [p]
    for f in files:
        if not f.exists():
            raise KpiDataError(f"{f}: file not found.")
    return files


def _ga4_value(v):
    """The value of an event parameter: whichever of string/int/float/double_value is set."""
    if not isinstance(v, Mapping):
        return v
    for key in ("string_value", "int_value", "float_value", "double_value"):
        x = v.get(key)
        if x is not None:
            return x
    return None


def _get(d, *keys):
    """``d[k1][k2]...``, or None where a level is missing or not a mapping."""
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d


def _flatten_ga4(record: Mapping) -> dict:
    """One exported event as a flat dict of the fields kpikit reads (raw values, not yet parsed)."""
    params = record.get("event_params") or []
    flat = {p.get("key"): _ga4_value(p.get("value")) for p in params if isinstance(p, Mapping)}
    last_click = _get(record, "session_traffic_source_last_click", "cross_channel_campaign") or {}
    collected = record.get("collected_traffic_source") or {}
    return {
        "user_pseudo_id": record.get("user_pseudo_id"),
        "ga4_user_id": record.get("user_id"),
        "event_timestamp": record.get("event_timestamp"),
        "event_name": record.get("event_name"),
        "event_date": record.get("event_date"),
        "ga_session_id": flat.get("ga_session_id"),
        "ga_session_number": flat.get("ga_session_number"),
        "page_location": flat.get("page_location"),
        "entrances": flat.get("entrances"),
        "engagement_time_msec": flat.get("engagement_time_msec"),
        "session_engaged": flat.get("session_engaged"),
        "source": last_click.get("source") or flat.get("source") or collected.get("manual_source"),
        "medium": last_click.get("medium") or flat.get("medium") or collected.get("manual_medium"),
        "channel": last_click.get("default_channel_group"),
        "device": _get(record, "device", "category"),
        "country": _get(record, "geo", "country"),
        "value": flat.get("value") if flat.get("value") is not None else _get(record, "ecommerce", "purchase_revenue"),
    }


def _read_ga4_records(f: Path) -> tuple[list[dict], list[int]]:
    """The event records of one file and the line (or row) number of each."""
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
        raise KpiDataError(f"{name}: the file is empty; it holds no events.")
    if stripped.startswith("["):  # a console "save as JSON": one array of events
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise KpiDataError(
                f"{name}: not valid JSON (line {exc.lineno}: {exc.msg}). Re-download the results."
            ) from None
        lines = list(range(1, len(records) + 1))
    else:
        records, lines = [], []
        for i, line in enumerate(text.splitlines(), start=1):  # JSON lines: parsing is per line by nature
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise KpiDataError(
                    f"{name}, line {i}: not valid JSON ({exc.msg} at column {exc.colno}). Export the events "
                    "table as newline-delimited JSON (one event per line), or remove the broken line."
                ) from None
            lines.append(i)
    bad = [ln for r, ln in zip(records, lines) if not isinstance(r, Mapping)]
    if bad:
        raise KpiDataError(f"{name}: {describe_rows(bad)} are not JSON objects; each line must be one event object.")
    return records, lines


def read_ga4_bigquery(
    path: str | Path | Sequence[str | Path], duplicates: Literal["drop", "keep", "raise"] = "drop"
) -> pd.DataFrame:
    """Read a GA4 BigQuery export (events_YYYYMMDD rows) into the canonical ``events`` table.

    Accepts newline-delimited JSON (.jsonl/.json, optionally .gz; 64-bit integers as strings or
    numbers), a console "save as JSON" array, and Parquet with the nested columns; a list of files or
    a folder of shards. Flattens ``event_params`` and the nested records:

    ====================  =====================================================================
    canonical column      from
    ====================  =====================================================================
    user_id               user_pseudo_id (the site's own user_id goes to ``ga4_user_id``)
    session_id            event_params.ga_session_id (Int64; unique only per user)
    timestamp             event_timestamp (microseconds since epoch, UTC) as tz-naive UTC
    event                 event_name
    page                  path of event_params.page_location (query string and host dropped)
    source, medium,       session_traffic_source_last_click.cross_channel_campaign, else event_params
    channel               source/medium, else collected_traffic_source manual_source/manual_medium;
                          channel = default_channel_group. (traffic_source is the user's first touch
                          and is not used for sessions.)
    device, country       device.category, geo.country
    value                 event_params.value, else ecommerce.purchase_revenue
    engagement_time_msec  event_params.engagement_time_msec
    ====================  =====================================================================

    Also kept: page_location, entrances, session_engaged (boolean; "1"/"0" or 1/0), ga_session_number,
    event_date, ga4_user_id. Events without user_pseudo_id or ga_session_id are kept with missing
    values; :func:`kpikit.web.sessions_from_events` sets them aside and says how many.

    Parameters
    ----------
    path : str, Path, list of them, or a folder
        The export file(s).
    duplicates : {"drop", "keep", "raise"}
        Exact duplicate events (identical in every field) occur in exports. "drop" (default) keeps the
        first and warns with the count (``attrs["duplicates_dropped"]``).

    Returns
    -------
    DataFrame
        Canonical events, in file order; ``attrs`` source, duplicates_dropped.

    Raises
    ------
    KpiDataError
        Invalid JSON (names the file and line), missing event_timestamp or event_name, values that are
        not numbers where numbers are expected.

    References
    ----------
    Google Analytics Help, "[GA4] BigQuery Export schema".

    Examples
    --------
    >>> events = read_ga4_bigquery("data/sample/ga4_bigquery_events.jsonl")  # doctest: +SKIP
    >>> sessions = kk.web.sessions_from_events(events)  # doctest: +SKIP
    """
    if duplicates not in ("drop", "keep", "raise"):
        raise KpiDataError(f"duplicates must be 'drop', 'keep' or 'raise' (got {duplicates!r}).")
    files = _ga4_files(path)
    raw = _flat_records(files)
    label = files[0].name if len(files) == 1 else f"{files[0].parent} ({len(files)} files)"
    if raw.empty:
        raise KpiDataError(f"{label}: the export holds no events.")
    _check_required_fields(raw, label)
    events = _canonical_events(raw)
    events, n_dup = _handle_duplicates(events, raw, label, duplicates)
    events.attrs["source"] = label
    events.attrs["table"] = "events"
    events.attrs["duplicates_dropped"] = n_dup if duplicates == "drop" else 0
    return events


def _flat_records(files: list[Path]) -> pd.DataFrame:
    """The flattened events of all files, as text (object) columns, with ``_file`` and ``_line``."""
    frames = []
    for f in files:
        records, lines = _read_ga4_records(f)
        flat = pd.DataFrame([_flatten_ga4(r) for r in records], columns=list(_flatten_ga4({}).keys()), dtype=object)
        flat["_file"] = f.name
        flat["_line"] = lines
        frames.append(flat)
    return pd.concat(frames, ignore_index=True)


def _fail(raw: pd.DataFrame, col: str, mask: np.ndarray, problem: str, fix: str) -> NoReturn:
    """Raise KpiDataError naming the field, the first file with bad events, its lines and the first value."""
    where = raw.loc[mask, ["_file", "_line"]]
    first_file = where["_file"].iloc[0]
    rows = where.loc[where["_file"] == first_file, "_line"].tolist()
    raise KpiDataError(
        f"{first_file}, field {col!r}: {int(mask.sum())} events {problem} (lines "
        f"{describe_rows(rows).split(' ', 1)[1]}; first: {raw.loc[mask, col].iloc[0]!r}). {fix}"
    )


def _check_required_fields(raw: pd.DataFrame, label: str) -> None:
    """Every event has an event_timestamp and an event_name (a field missing everywhere: not an export)."""
    for col in ("event_timestamp", "event_name"):
        miss = raw[col].isna().to_numpy()
        if miss.all():
            raise KpiDataError(
                f"{label}: field {col!r} is missing in every event; this does not look like a GA4 BigQuery "
                "export (expected event_timestamp, event_name, event_params, user_pseudo_id)."
            )
        if miss.any():
            _fail(raw, col, miss, "have no value", "Every GA4 event has one; check that the export is complete.")


def _numeric(raw: pd.DataFrame, col: str) -> pd.Series:
    """A field parsed as numbers (64-bit integers come as strings or numbers); text that is not one fails."""
    text = raw[col]
    num = pd.to_numeric(text.astype("str").where(text.notna()), errors="coerce")
    bad = (num.isna() & text.notna()).to_numpy()
    if bad.any():
        _fail(raw, col, bad, "are not numbers", "Fix the export; this field holds integers in GA4.")
    return num


def _text(raw: pd.DataFrame, col: str) -> pd.Series:
    """A field as text, missing values kept missing."""
    return raw[col].astype("str").where(raw[col].notna())


def _canonical_events(raw: pd.DataFrame) -> pd.DataFrame:
    """The flattened fields parsed into the canonical events columns (see :func:`read_ga4_bigquery`)."""
    us = _numeric(raw, "event_timestamp")
    ts = pd.to_datetime(us.astype("int64"), unit="us")
    sid = _numeric(raw, "ga_session_id")
    if (sid.dropna() != np.round(sid.dropna())).any():
        _fail(
            raw,
            "ga_session_id",
            (sid != np.round(sid)).fillna(False).to_numpy(),
            "are not whole numbers",
            "ga_session_id is the session start in epoch seconds.",
        )
    engaged_raw = raw["session_engaged"].astype("str").str.strip().str.lower().where(raw["session_engaged"].notna())
    engaged_map = {"1": True, "0": False, "true": True, "false": False, "1.0": True, "0.0": False}
    bad = (engaged_raw.notna() & ~engaged_raw.isin(list(engaged_map))).to_numpy()
    if bad.any():
        _fail(raw, "session_engaged", bad, "are not 1/0", "GA4 writes session_engaged as '1' or '0'.")
    location = _text(raw, "page_location")
    path_only = location.str.extract(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)", expand=False)
    path_only = path_only.where(path_only.isna() | (path_only != ""), "/")
    return pd.DataFrame(
        {
            "user_id": _text(raw, "user_pseudo_id"),
            "session_id": sid.astype("Int64"),
            "timestamp": ts,
            "event": raw["event_name"].astype("str"),
            "page": path_only,
            "source": _text(raw, "source"),
            "medium": _text(raw, "medium"),
            "channel": _text(raw, "channel"),
            "device": _text(raw, "device"),
            "country": _text(raw, "country"),
            "value": _numeric(raw, "value").astype(float),
            "engagement_time_msec": _numeric(raw, "engagement_time_msec").astype(float),
            "page_location": location,
            "entrances": _numeric(raw, "entrances").astype("Int64"),
            "session_engaged": engaged_raw.map(engaged_map).astype("boolean"),
            "ga_session_number": _numeric(raw, "ga_session_number").astype("Int64"),
            "event_date": _text(raw, "event_date"),
            "ga4_user_id": _text(raw, "ga4_user_id"),
        }
    )


def _handle_duplicates(
    events: pd.DataFrame, raw: pd.DataFrame, label: str, duplicates: str
) -> tuple[pd.DataFrame, int]:
    """Exact duplicate events: dropped with a warning ("drop"), kept ("keep") or an error ("raise").

    Returns the events and the number of duplicates found.
    """
    dup = events.duplicated(keep="first").to_numpy()
    n_dup = int(dup.sum())
    if n_dup:
        lines = raw.loc[dup, "_line"].tolist()
        if duplicates == "raise":
            raise KpiDataError(
                f"{label}: {n_dup} exact duplicate events ({describe_rows(lines)}). Pass duplicates='drop' to "
                "keep the first of each."
            )
        if duplicates == "drop":
            warnings.warn(
                f"{label}: dropped {n_dup} exact duplicate events ({describe_rows(lines)}).", KpiWarning, stacklevel=3
            )
            events = events.loc[~dup].reset_index(drop=True)
    return events, n_dup
