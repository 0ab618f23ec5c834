"""What the readers repaired while reading a folder, from the tables' ``attrs``: notebook 00's health section."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["repairs"]


#: Each repair's kind, by the phrase the reader's record carries (``attrs["repaired"]``).
_VALUE_REPAIRS = (
    ("surrounding spaces", "spaces"),
    ("placeholder for no value", "placeholders"),
    ("written as a decimal", "decimal_ids"),
    ("far-future date", "open_ended_dates"),
)
#: Each dropped-rows record's kind, by its ``repair`` (``attrs["dropped"]``); without one, drop_invalid.
_ROW_REPAIRS = {
    "duplicate_rows": "duplicate_rows",
    "duplicate": "duplicate_rows",
    "duplicate_rows_across_parts": "overlapping_rows",
    "totals_rows": "totals_rows",
    "monthly_totals": "monthly_totals",
}


def repairs(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """What was repaired in each table while it was read, one row per repair, from the tables' ``attrs``.

    Kinds: ``duplicate_rows`` (exact copies of a row dropped), ``overlapping_rows`` (rows repeated across
    the parts of a table dropped), ``totals_rows`` and ``monthly_totals`` (rows summing other rows
    dropped), ``invalid_rows`` (rows dropped with ``drop_invalid=True``), ``spaces`` (IDs with
    surrounding spaces stripped), ``placeholders`` ("null", "N/A" ... read as empty), ``decimal_ids``
    ("1001.0" read as "1001"), ``open_ended_dates`` (9999-12-31 end dates read as still active),
    ``segments`` (parts added up as separate segments), ``other_values``.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The tables that loaded (:func:`kpikit.io.read_folder`, or a report's ``rep.tables``).

    Returns
    -------
    DataFrame
        table, kind, column (None for whole rows), count, message (the reader's own sentence, naming the
        file and its rows).
    """
    rows = []
    for name in tables:
        attrs = tables[name].attrs
        for d in attrs.get("dropped", []):
            kind = _ROW_REPAIRS.get(d.get("repair", ""), "invalid_rows" if "repair" not in d else "other_rows")
            rows.append((name, kind, d.get("column"), int(d["count"]), d.get("message") or d.get("problem", "")))
        for r in attrs.get("repaired", []):
            kind = next((k for phrase, k in _VALUE_REPAIRS if phrase in r.get("repair", "")), "other_values")
            rows.append((name, kind, r.get("column"), int(r["count"]), r.get("message", "")))
        for note in attrs.get("notes", []):
            if "separate segments" in note:
                rows.append((name, "segments", None, len(attrs.get("parts", [])), note))
    return pd.DataFrame(rows, columns=["table", "kind", "column", "count", "message"])
