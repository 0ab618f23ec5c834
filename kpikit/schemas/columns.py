"""The one column check of kpikit (``require_columns``) and the reading of a breakdown's ``by=``.

Both messages about missing columns, the one every kpikit function raises (``require_columns``) and the
one ``validate`` raises for a canonical table, name the closest existing columns (``kpikit.errors.closest``)
and offer a mapping example only when a column is really close (``kpikit.errors.similarity`` of 1 or
more: the same name once case and punctuation are set aside, or a column holding every word of the
canonical name), so a message never proposes mapping a merely similar-looking column.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, closest, similarity
from kpikit.schemas.spec import TableSpec

__all__ = ["require_columns", "column_list", "float_values", "utc_naive"]


#: Least ``similarity`` for a column to be listed as "closest" in a message.
_HINT_CUTOFF = 0.6

#: Least ``similarity`` for a column to be offered as a mapping example ("really close").
_MAPPING_CUTOFF = 1.0


def column_list(by: str | Sequence[str] | None) -> list[str]:
    """The ``by=`` argument of a breakdown as a list of column names: None, one name, or several.

    Parameters
    ----------
    by : str, sequence of str or None
        No breakdown (None), one column name, or several.

    Returns
    -------
    list of str
        The column names, in the order given (empty for None).

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


def _close_names(
    name: str, present: Sequence[str], exclude: Collection[str] = (), n: int = 3
) -> tuple[list[str], str | None]:
    """The columns closest to ``name`` and the one to offer as a mapping example.

    The closest columns of ``present`` (best first, those in ``exclude`` left out) have a similarity of
    at least 0.6; the best of them is offered as a mapping example only when it is really close (1 or
    more), else None.
    """
    close = closest(name, [p for p in present if p not in exclude], n=n, cutoff=_HINT_CUTOFF)
    mappable = close[0] if close and similarity(name, close[0]) >= _MAPPING_CUTOFF else None
    return close, mappable


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str, fix: str = "") -> None:
    """Raise KpiDataError when ``frame`` lacks any of ``columns``: the one column check of kpikit.

    Every kpikit function checks its input frame with it, so the message has one shape: the table
    (``what``), each missing column with the closest existing names, the columns present, and the fix
    (by default: map the export's columns with ``kk.read_table(..., columns=...)``). A mapping example
    is added only for columns that are really close to a missing name (the same name once case and
    punctuation are set aside, or a column holding every word of it: "Session Start" for ``start``);
    a merely similar name ("Session Start" for ``session_id``) is listed as closest, never proposed.

    Parameters
    ----------
    frame : DataFrame
        The input to check (anything else is an error too).
    columns : iterable of str
        The columns the caller needs.
    what : str
        The name of the input in the message (a table, an argument: "sessions", "client").
    fix : str
        The fix sentence, when mapping columns is not the right advice.

    Raises
    ------
    KpiDataError
        When ``frame`` is not a DataFrame or lacks a column.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"Session Start": [1]}), ["session_id", "start"], "sessions")
    Traceback (most recent call last):
    ...
    kpikit.errors.KpiDataError: sessions: missing column(s) 'session_id', 'start' (closest to 'session_id': 'Session Start'; closest to 'start': 'Session Start'; columns present: 'Session Start'). Map the export's columns onto the canonical names with kk.read_table(..., columns={...}) or a mapping file. For example: columns={'Session Start': 'start'}.
    """
    if not isinstance(frame, pd.DataFrame):
        raise KpiDataError(f"{what} must be a pandas DataFrame (got {type(frame).__name__}).")
    columns = list(dict.fromkeys(columns))
    present = [str(c) for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return
    hints, mapping = [], {}
    for c in missing:
        close, mappable = _close_names(c, present, exclude=columns, n=2)
        if close:
            hints.append(f"closest to {c!r}: " + ", ".join(repr(x) for x in close))
        if mappable is not None:
            mapping.setdefault(mappable, c)
    shown = ", ".join(repr(c) for c in present[:20]) + (", ..." if len(present) > 20 else "")
    detail = "; ".join(hints + [f"columns present: {shown or 'none'}"])
    fix = fix or (
        "Map the export's columns onto the canonical names with kk.read_table(..., columns={...}) or a mapping file."
    )
    example = f" For example: columns={mapping!r}." if mapping else ""
    raise KpiDataError(f"{what}: missing column(s) {', '.join(repr(c) for c in missing)} ({detail}). {fix}{example}")


def _missing_column_message(
    source: str,
    spec: TableSpec,
    missing: Sequence[str],
    available: Sequence[str],
    mapping: Mapping[str, str] | None,
) -> str:
    """The message of ``validate`` for required columns of a canonical table that a frame lacks.

    Per column: the mapping that names an absent column, or the closest existing columns with a
    mapping example when one is really close (the same rule as ``require_columns``).
    """
    parts = []
    mapping = dict(mapping or {})
    inverse = {v: k for k, v in mapping.items()}
    present = ", ".join(repr(str(a)) for a in available) or "none"
    for col in missing:
        if col in inverse:
            parts.append(
                f"{source}: required column '{col}' is missing: the mapping renames "
                f"'{inverse[col]}' to '{col}', but there is no column '{inverse[col]}'. "
                f"Columns present: {present}."
            )
            continue
        close, mappable = _close_names(col, [str(a) for a in available], exclude=mapping)
        listed = f"Closest existing columns: {', '.join(repr(c) for c in close)}. " if close else ""
        if mappable is not None:
            hint = (
                f'{listed}If \'{mappable}\' holds it, map it: columns={{"{mappable}": "{col}"}} (or add '
                f"\"{mappable}\": {col} under '{spec.name}:' in the mapping file)."
            )
        else:
            hint = (
                listed or f"Columns present: {present}. "
            ) + f'Map the column that holds it, e.g. columns={{"Your Column": "{col}"}}.'
        what = spec.column(col).description
        what = f" ({what})" if what else ""
        parts.append(f"{source}: required column '{col}'{what} is missing. {hint}")
    if len(parts) > 1:
        parts.append(f"Table '{spec.name}' requires: {', '.join(spec.required)}.")
    return "\n".join(parts)


def float_values(values: object) -> np.ndarray:
    """A numeric column or value (numpy or nullable dtype) as a float array; missing or non-numeric as NaN.

    For checks that then name the NaN rows: callers must treat NaN as a problem to report (or as
    "missing" where the column is optional), never drop it silently.

    Parameters
    ----------
    values : Series, array-like or scalar
        The values.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> float_values(pd.Series([1, None, "x"], dtype=object)).tolist()
    [1.0, nan, nan]
    """
    x = pd.to_numeric(pd.Series(values), errors="coerce")
    return x.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def utc_naive(times: pd.Series, what: str = "timestamps") -> pd.Series:
    """Timestamps as kpikit computes with them: tz-naive UTC ``datetime64[ns]``.

    A tz-aware column (a DataFrame built by hand, a Parquet file with zones) is converted to UTC and its
    zone dropped, never refused; a naive column is taken as UTC already and returned unchanged. Every
    kpikit function that takes times reads them through this function.

    Parameters
    ----------
    times : Series of datetime64
        Timestamps, naive or tz-aware.
    what : str
        The column, for the error message ("events, column 'timestamp'").

    Returns
    -------
    Series of datetime64[ns]
        Same index; naive UTC.

    Raises
    ------
    KpiDataError
        When the values are not datetimes.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2025-03-30 01:30", "2025-03-30 03:30"])).dt.tz_localize("Europe/Berlin")
    >>> utc_naive(t).dt.strftime("%H:%M").tolist()
    ['00:30', '01:30']
    """
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return times.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise KpiDataError(
            f"{what}: expected datetimes (got {times.dtype}); read the table with kk.read_table, which parses "
            "them, or convert with pd.to_datetime."
        )
    return times
