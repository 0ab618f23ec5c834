"""The repairs ``read_table`` makes to one export, each reported: exact duplicate rows and totals rows.

``_Repairs.before`` sets aside, on the raw frame (canonical names, values as the file holds them),
the totals rows (``kpikit.io.totals``) and the exact duplicate rows (``kpikit.io.duplicates``);
``_Repairs.after`` takes the validated table and decides what the values alone can tell: whether the
table's duplicates may be dropped (times of day), and the monthly total rows of daily spend. Each
repair is a KpiWarning naming the file, the count and the file rows, and an entry of
``attrs["dropped"]`` beside those of ``drop_invalid`` (``column``, ``problem``, ``count``, ``rows``
(the first 1,000), plus ``repair`` and ``message``); ``attrs["duplicates_dropped"]`` and
``attrs["totals_dropped"]`` hold the counts. Nothing repaired, nothing added. A repair that would be
a guess is a KpiDataError.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.io.duplicates import _exact, _refusal
from kpikit.io.totals import _labelled, _monthly, _unlabelled
from kpikit.schemas import TableSpec

__all__ = []


_DUPLICATES = ("auto", "drop", "keep", "raise")


_TOTALS = ("drop", "keep", "raise")


def _where(labels: np.ndarray | list, in_file: bool, limit: int = 5) -> str:
    """Rows as messages name them: "file rows 4, 9" or "index 'a', 'b'"."""
    labels = [x.item() if isinstance(x, np.generic) else x for x in labels]
    if in_file:
        return "file " + describe_rows([int(x) for x in labels], limit=limit)
    more = f" (and {len(labels) - limit} more)" if len(labels) > limit else ""
    return "index " + ", ".join(repr(x) if isinstance(x, str) else str(x) for x in labels[:limit]) + more


def _one(label: Any, in_file: bool) -> str:
    """One row as messages name it: "file row 4" or "index 'a'"."""
    label = label.item() if isinstance(label, np.generic) else label
    return f"file row {int(label)}" if in_file else f"index {label!r}"


def _row_text(frame: pd.DataFrame, pos: int, limit: int = 6) -> str:
    """The first values of a row, for messages: "'2024-01-01', 'Email', '100'"."""
    vals = frame.iloc[pos, :limit].tolist()
    shown = ", ".join("(empty)" if v is None or (not isinstance(v, str) and pd.isna(v)) else repr(v) for v in vals)
    return shown + (", ..." if frame.shape[1] > limit else "")


#: How many row numbers a repair keeps in ``attrs`` (pandas copies ``attrs`` with every operation).
_KEPT_ROWS = 1000


#: Each repair: the phrase after "<n> rows" in ``attrs["dropped"]``, and why the rows were dropped.
_WHY = {
    "totals_rows": ("are totals rows", "a totals row sums other rows and would count them twice"),
    "monthly_totals": (
        "are monthly totals inside daily rows",
        "each one's cost equals the sum of the other rows of its channel in that month",
    ),
    "duplicate_rows": ("repeat an earlier row in every column", "each one repeats an earlier row in every column"),
}


def _record(frame: pd.DataFrame, records: list[dict[str, Any]]) -> None:
    """Add dropped rows to ``frame.attrs["dropped"]``, and the counts ``duplicates_dropped``, ``totals_dropped``."""
    frame.attrs["dropped"] = [*frame.attrs.get("dropped", []), *records]
    repairs = [d for d in frame.attrs["dropped"] if "repair" in d]
    dup = sum(d["count"] for d in repairs if d["repair"].startswith("duplicate"))
    frame.attrs["duplicates_dropped"] = dup
    frame.attrs["totals_dropped"] = sum(d["count"] for d in repairs) - dup


@dataclass
class _Repairs:
    """The repairs of one export: what was set aside before validation, and the reports."""

    spec: TableSpec
    source: str
    labels: np.ndarray  # each raw row's file row number (or index label)
    in_file: bool
    duplicates: str = "auto"
    totals: str = "drop"
    decimal: str | None = "."
    records: list[dict[str, Any]] = field(default_factory=list)
    dup_rows: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dup_text: str = ""

    def __post_init__(self) -> None:
        if self.duplicates not in _DUPLICATES:
            raise KpiDataError(
                f"duplicates must be one of {', '.join(map(repr, _DUPLICATES))}, not {self.duplicates!r}."
            )
        if self.totals not in _TOTALS:
            raise KpiDataError(f"totals must be one of {', '.join(map(repr, _TOTALS))}, not {self.totals!r}.")

    def before(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        """The raw frame without its totals rows and exact duplicates, and the labels of the rows kept."""
        keep = np.ones(len(frame), dtype=bool)
        if self.totals != "keep" and len(frame):
            labelled, found = _labelled(frame, self.spec)
            unlabelled = _unlabelled(frame, self.spec, labelled, self.decimal)
            tot = labelled | unlabelled
            if tot.any():
                p = int(np.flatnonzero(tot)[0])
                first = (
                    f"{found[p][1]!r} in column '{found[p][0]}'"
                    if labelled[p]
                    else "no label, and each count and amount equals the sum of its column"
                )
                col = found[int(np.flatnonzero(labelled)[0])][0] if labelled.any() else None
                self._report("totals_rows", self.labels[tot], "totals row", first, col)
                keep &= ~tot
        if self.duplicates != "keep":
            sub = frame[keep]
            dup, first = _exact(sub, self.spec)
            if dup.any():
                pos = np.flatnonzero(keep)
                i = int(np.flatnonzero(dup)[0])
                self.dup_rows = self.labels[pos[dup]]
                self.dup_text = (
                    f"{_one(self.labels[pos[i]], self.in_file)} repeats "
                    f"{_one(self.labels[pos[first[i]]], self.in_file)}: {_row_text(sub, i)}"
                )
                if self.duplicates == "raise":
                    raise KpiDataError(
                        self._dup_message('Pass duplicates="drop" to drop them (they will be reported).')
                    )
                keep[pos[dup]] = False
        if len(frame) and not keep.any():
            raise KpiDataError(f"{self.source} holds only totals rows: no data rows. Export the table again.")
        return frame[keep], self.labels[keep]

    def after(self, out: pd.DataFrame, labels: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """The validated table with its monthly totals dropped and its repairs reported in ``attrs``."""
        if self.in_file and "dropped" in out.attrs:  # rows that drop_invalid removed (validate's records)
            gone = [r for d in out.attrs["dropped"] for r in d["rows"]]
            labels = labels[~np.isin(labels, np.asarray(gone, dtype=labels.dtype))]
        elif not self.in_file:
            labels = np.asarray(out.index, dtype=object)
        if len(self.dup_rows):
            why = _refusal(self.spec, out) if self.duplicates == "auto" else ""
            if why:
                raise KpiDataError(
                    self._dup_message(
                        f'{why}. If they were exported twice, remove them or pass duplicates="drop" (they will be '
                        'reported); if they are separate records, pass duplicates="keep".'
                    )
                )
            self._report("duplicate_rows", self.dup_rows, "exact duplicate row", self.dup_text, None)
        if self.spec.name == "spend" and self.totals != "keep":
            out, labels = self._monthly(out, labels)
        if self.records:
            _record(out, self.records)
        return out, labels

    def warn(self) -> None:
        """One KpiWarning per repair (the caller re-emits them at the user's line)."""
        for r in self.records:
            warnings.warn(r["message"], KpiWarning, stacklevel=2)

    def _monthly(self, out: pd.DataFrame, labels: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        drop, ambiguous = _monthly(out)
        if ambiguous.any():
            raise KpiDataError(
                f"{self.source}, column 'cost': {int(ambiguous.sum())} rows each equal the sum of the other rows of "
                f"their channel and month ({_where(labels[ambiguous], self.in_file)}; first: "
                f"{out['channel'].iloc[int(np.flatnonzero(ambiguous)[0])]!r}, {out['cost'][ambiguous].iloc[0]:,.2f}), "
                "so kpikit cannot tell a monthly total from a daily cost. Remove the monthly total rows from the "
                'export, or pass totals="keep" if every row is a real cost.'
            )
        if drop.any():
            p = int(np.flatnonzero(drop)[0])
            first = f"{out['channel'].iloc[p]!r}, {out['period'].iloc[p]:%Y-%m-%d}, cost {out['cost'].iloc[p]:,.2f}"
            self._report("monthly_totals", labels[drop], "monthly total row", first, "cost")
            out = out[~drop].reset_index(drop=True) if self.in_file else out[~drop]
            labels = labels[~drop]
        return out, labels

    def _report(self, kind: str, rows: np.ndarray, what: str, detail: str, column: str | None) -> None:
        """Record one repair (``rows``: their labels), or refuse it when the caller asked for ``"raise"``."""
        n = len(rows)
        problem, why = _WHY[kind]
        what = what if n == 1 else what + "s"
        where = f"{_where(rows, self.in_file)}; first: {detail}"
        option = "duplicates" if kind.startswith("duplicate") else "totals"
        if option == "totals" and self.totals == "raise":
            raise KpiDataError(
                f"{self.source}: {n} {what} ({where}): {why}. Remove them from the export, or pass "
                'totals="drop" to drop them (they will be reported).'
            )
        message = f'{self.source}: dropped {n} {what} ({where}): {why}. Pass {option}="keep" to keep them.'
        self.records.append(
            {
                "column": column,
                "problem": problem,
                "count": n,
                "rows": [x.item() if isinstance(x, np.generic) else x for x in rows[:_KEPT_ROWS]],
                "repair": kind,
                "message": message,
            }
        )

    def _dup_message(self, fix: str) -> str:
        n = len(self.dup_rows)
        return (
            f"{self.source}: {n} {'row repeats' if n == 1 else 'rows repeat'} an earlier row in every column "
            f"({_where(self.dup_rows, self.in_file)}; first: {self.dup_text}). {fix}"
        )
