"""The one column check of kpikit (``require_columns``) and the reading of a breakdown's ``by=``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas.spec import TableSpec

__all__ = ['closest_columns', 'require_columns', 'column_list']


def column_list(by: str | Sequence[str] | None) -> list[str]:
    """The ``by=`` argument of a breakdown as a list of column names: None, one name, or several.

    Examples
    --------
    >>> column_list(None), column_list("channel"), column_list(("channel", "device"))
    ([], ['channel'], ['channel', 'device'])
    """
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def require_columns(frame, columns: Sequence[str], what: str, fix: str = "") -> None:
    """Raise KpiDataError when ``frame`` lacks any of ``columns``: the check every kpikit function
    makes on its input frame, with one message shape.

    The message names the table (``what``), each missing column with the closest existing names, and
    the fix (by default: map the export's columns with ``kk.read_table(..., columns=...)``).

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"Session Start": [1]}), ["session_id", "start"], "sessions")
    Traceback (most recent call last):
    ...
    kpikit.errors.KpiDataError: sessions: missing column(s) 'session_id', 'start' (closest to 'session_id': 'Session Start'; closest to 'start': 'Session Start'; columns present: 'Session Start'). Map the export's columns onto the canonical names with kk.read_table(..., columns={...}) or a mapping file. For example: columns={'Session Start': 'session_id'}.
    """
    if not isinstance(frame, pd.DataFrame):
        raise KpiDataError(f"{what} must be a pandas DataFrame (got {type(frame).__name__}).")
    present = [str(c) for c in frame.columns]
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if not missing:
        return
    hints, mapping = [], {}
    for c in missing:
        close = [x for x in closest_columns(c, present, n=2) if x not in columns]
        if close:
            hints.append(f"closest to {c!r}: " + ", ".join(repr(x) for x in close))
            mapping.setdefault(close[0], c)
    shown = ", ".join(repr(c) for c in present[:20]) + (", ..." if len(present) > 20 else "")
    detail = "; ".join(hints + [f"columns present: {shown or 'none'}"])
    fix = fix or ("Map the export's columns onto the canonical names with kk.read_table(..., columns={...}) "
                  "or a mapping file.")
    example = f" For example: columns={mapping!r}." if mapping else ""
    raise KpiDataError(f"{what}: missing column(s) {', '.join(repr(c) for c in missing)} ({detail}). {fix}{example}")


def closest_columns(name: str, available: Sequence[str], n: int = 3) -> list[str]:
    """The columns of ``available`` most like ``name`` (difflib on normalised names, containment first).

    Examples
    --------
    >>> closest_columns("start", ["Session Start", "Landing Page", "Device"])
    ['Session Start']
    """
    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9]+", "_", str(s).lower()).strip("_")

    target = norm(name)
    scored = []
    for col in available:
        c = norm(col)
        if not c:
            continue
        ratio = difflib.SequenceMatcher(None, target, c).ratio()
        tokens = set(c.split("_"))
        if target == c:
            score = 2.0
        elif target in tokens or set(target.split("_")) <= tokens:
            score = 1.0 + ratio
        elif target in c or c in target:
            score = 0.8 + ratio / 2
        else:
            score = ratio
        if score >= 0.6:
            scored.append((-score, str(col)))
    return [c for _, c in sorted(scored)[:n]]


def _missing_column_message(source: str, spec: TableSpec, missing: Sequence[str],
                            available: Sequence[str], mapping: Mapping[str, str] | None) -> str:
    parts = []
    mapping = dict(mapping or {})
    inverse = {v: k for k, v in mapping.items()}
    for col in missing:
        if col in inverse:
            parts.append(
                f"{source}: required column '{col}' is missing: the mapping renames "
                f"'{inverse[col]}' to '{col}', but there is no column '{inverse[col]}'. "
                f"Columns present: {', '.join(repr(str(a)) for a in available) or 'none'}."
            )
            continue
        close = [c for c in closest_columns(col, available) if c not in mapping]
        if close:
            hint = (f"Closest existing columns: {', '.join(repr(c) for c in close)}. If '{close[0]}' "
                    f"holds it, map it: columns={{\"{close[0]}\": \"{col}\"}} (or add "
                    f"\"{close[0]}\": {col} under '{spec.name}:' in the mapping file).")
        else:
            hint = (f"Columns present: {', '.join(repr(str(a)) for a in available) or 'none'}. "
                    f"Map the column that holds it, e.g. columns={{\"Your Column\": \"{col}\"}}.")
        what = spec.column(col).description
        what = f" ({what})" if what else ""
        parts.append(f"{source}: required column '{col}'{what} is missing. {hint}")
    if len(parts) > 1:
        parts.append(f"Table '{spec.name}' requires: {', '.join(spec.required)}.")
    return "\n".join(parts)
