"""Rows exported twice: what each table does with exact duplicate rows, and which columns identify a row.

An exact duplicate is a row equal to an earlier row in every column of the export (extra columns
included). Under ``duplicates="auto"`` (the default of ``read_table``) each table does what its
rows allow:

==============================================  =========================================================
table                                           exact duplicate rows
==============================================  =========================================================
sessions, leads, subscriptions, tickets         dropped: the key (session_id, ...) says they are one
                                                record. Rows equal on the key but different elsewhere
                                                stay an error (two versions of one record).
social, benchmarks                              dropped: one row per date, platform and brand (one per
                                                published figure) by construction.
events, touchpoints, transactions, surveys      dropped when the time column carries times of day (two
                                                equal records to the second are one record exported
                                                twice); refused when it holds dates only, since two
                                                equal purchases (events, answers) on one day may both
                                                be real.
spend                                           refused: a cost row has no key, and two equal costs of
                                                one channel on one date may both be real.
==============================================  =========================================================

``duplicates="drop"`` drops them for every table, ``"keep"`` keeps them, ``"raise"`` refuses them.
Every drop is reported: a KpiWarning with the count and the file rows, and ``attrs["dropped"]``.

``_IDENTITY`` names the columns that identify a row of each table when the parts of one table (a
folder of monthly downloads) are combined: rows of two parts equal on them but different elsewhere are
two versions of one record, which kpikit refuses to choose between.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.schemas import TableSpec

__all__ = []


#: What ``duplicates="auto"`` does with exact duplicate rows of each table (see the module docstring).
_AUTO: dict[str, str] = {
    "events": "timed",
    "sessions": "drop",
    "leads": "drop",
    "touchpoints": "timed",
    "spend": "raise",
    "subscriptions": "drop",
    "transactions": "timed",
    "surveys": "timed",
    "tickets": "drop",
    "social": "drop",
    "benchmarks": "drop",
}


#: What two equal rows of a timed table may both be, when its times are dates only.
_RECORDS = {"events": "events", "touchpoints": "touches", "transactions": "purchases", "surveys": "answers"}


#: The columns that identify one record of each table across the parts of a folder.
_IDENTITY: dict[str, tuple[str, ...]] = {
    "events": ("user_id", "session_id", "timestamp", "event"),
    "sessions": ("session_id",),
    "leads": ("lead_id",),
    "touchpoints": ("user_id", "timestamp", "channel"),
    "spend": ("period", "channel", "category"),
    "subscriptions": ("subscription_id",),
    "transactions": ("customer_id", "timestamp"),
    "surveys": ("respondent_id", "timestamp", "kind"),
    "tickets": ("ticket_id",),
    "social": ("date", "platform", "brand"),
    "benchmarks": ("metric", "segment", "source", "year"),
}


def _group_ids(frame: pd.DataFrame) -> np.ndarray:
    """One integer per row, equal for rows equal in every column of ``frame`` (missing equals missing).

    Each column is factorised and the codes combined (and factorised again, so that they stay below
    the number of rows): exact, with no hashing collisions.
    """
    codes = np.zeros(len(frame), dtype=np.int64)
    size = 1  # codes lie in range(size)
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        try:
            k, uniques = pd.factorize(col, use_na_sentinel=False)
        except TypeError:  # unhashable cells (lists in a Parquet column): compare their text
            k, uniques = pd.factorize(col.astype(str), use_na_sentinel=False)
        m = max(len(uniques), 1)
        if size * m >= 2**62:  # keep the combined codes within int64
            codes, uniq = pd.factorize(codes)
            size = max(len(uniq), 1)
        codes = codes * m + k.astype(np.int64)
        size *= m
    return pd.factorize(codes)[0].astype(np.int64)


def _exact(frame: pd.DataFrame, spec: TableSpec | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact duplicate rows: a mask of the later copies, and for every row the position of its first copy.

    Rows equal in every column are equal on the table's identity columns too: those few columns are
    compared first, and every column only for the rows that share their identity with another row
    (a few in the usual export), which keeps a file of millions of events to one cheap pass.
    """
    wanted = _IDENTITY[spec.name] if spec is not None else ()
    ident = [i for i, c in enumerate(frame.columns) if c in wanted]
    frame = frame.reset_index(drop=True)
    frame.columns = range(frame.shape[1])  # names may repeat before validation
    n = len(frame)
    first = np.arange(n)
    cand = _group_dup(frame[ident]) if 0 < len(ident) < frame.shape[1] else np.ones(n, dtype=bool)
    if cand.any():
        pos = np.flatnonzero(cand)
        gid = _group_ids(frame.iloc[pos])
        _, first_pos = np.unique(gid, return_index=True)
        first[pos] = pos[first_pos[gid]]
    return first != np.arange(n), first


def _group_dup(frame: pd.DataFrame) -> np.ndarray:
    """Rows that share their values (every column of ``frame``) with another row."""
    gid = _group_ids(frame)
    counts = np.bincount(gid) if len(gid) else np.zeros(0, dtype=np.int64)
    return counts[gid] > 1


def _refusal(spec: TableSpec, out: pd.DataFrame) -> str:
    """Why ``duplicates="auto"`` refuses the exact duplicates of this table, or "" when it drops them."""
    rule = _AUTO[spec.name]
    if rule == "drop":
        return ""
    if rule == "raise":
        return (
            "A spend row has no key, so kpikit cannot tell a period exported twice from two equal costs of one "
            "channel on one date"
        )
    t = spec.time_column
    times = out[t].dropna() if t in out.columns else pd.Series([], dtype="datetime64[ns]")
    if (times != times.dt.normalize()).any():
        return ""
    return f"Its {t} values carry no time of day, so two equal rows may be two real {_RECORDS[spec.name]} on one day"


def _identity(spec: TableSpec, frame: pd.DataFrame) -> list[str]:
    """The columns that identify a row of ``frame``.

    The table's identity columns present, and for tables without a key the extra text columns the
    client added (an account, a store, a campaign).
    """
    cols = [c for c in _IDENTITY[spec.name] if c in frame.columns]
    if spec.key:
        return cols
    extra = [c for c in frame.columns if not spec.has(c) and _is_text(frame[c])]
    return cols + extra


def _is_text(s: pd.Series) -> bool:
    """Whether an extra column holds labels rather than measures (not every value reads as a number)."""
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return False
    v = s.dropna().astype("str").str.strip()
    v = v[v != ""]
    if v.empty:
        return False
    cleaned = v.str.replace(r"[$€£¥₹%,\s']", "", regex=True)
    return bool(pd.to_numeric(cleaned, errors="coerce").isna().any())
