"""Paths: a touchpoints table, or an aggregated path table (:func:`read_paths`), as one row per touch.

Both inputs become the same internal frame: one row per touch of each path, carrying the path's
weight. A path built from touchpoints weighs 1; a row of a path table is one path weighted by its
count (a path with 10,000 conversions is one path of weight 10,000, not 10,000 rows). Every model
reads only this frame, so the same journeys give the same credits from either input.

Columns of the internal frame: j (journey or path-table entry), t (touch time; NaT for path
tables), c (channel), conv (a conversion on this touch), v (its value), path (path number), pos
(0-based position in the path), n (path length), path_conv, path_value (the path's conversion
value: for a path-table entry, the total value of its conversions), t_end (the path's last touch)
and w (the number of paths the row stands for).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import float_values, require_columns

__all__ = ["read_paths"]

_FIX = "Map them with kk.read_table(..., columns=...) or pass the names as keyword arguments."
_PATHS_FIX = "Name the export's columns: read_paths(frame, path=..., conversions=..., value=..., nulls=...)."
#: Separators that contain a shorter one (">"), checked longest first: "A -> B" split on ">" would
#: leave a channel "A -".
_LONGER_SEPARATORS = (">>>", "->", "=>", ">>", "||")
#: Separators that path exports use, suggested when ``sep`` occurs in no path.
_OTHER_SEPARATORS = (">", "|", "→", "»")


def _is_paths_table(frame: object) -> bool:
    """Whether ``frame`` is a paths table (the shape :func:`read_paths` returns): ``channels`` and ``conversions``."""
    return isinstance(frame, pd.DataFrame) and "channels" in frame.columns and "conversions" in frame.columns


def _touch_frame(
    touchpoints: pd.DataFrame,
    journey_col: str,
    time_col: str,
    channel_col: str,
    converted_col: str,
    value_col: str | None,
) -> pd.DataFrame:
    """One row per touch of the touchpoints table, checked and ordered, with its path (weight 1)."""
    need = [journey_col, time_col, channel_col, converted_col] + ([value_col] if value_col else [])
    require_columns(touchpoints, need, "touchpoints", fix=_FIX)
    for c in (journey_col, time_col, channel_col):
        bad = np.flatnonzero(touchpoints[c].isna().to_numpy())
        if bad.size:
            raise KpiDataError(
                f"touchpoints, column '{c}': {bad.size} empty values ({describe_rows((bad + 1).tolist())}). "
                "Fill or drop them explicitly (e.g. channel '(unknown)')."
            )
    conv = touchpoints[converted_col]
    if conv.dtype != bool:
        vals = set(pd.unique(conv.dropna()))
        if conv.isna().any() or not vals <= {0, 1}:
            raise KpiDataError(
                f"touchpoints, column '{converted_col}': expected true/false, got values {sorted(map(str, vals))[:5]}"
                f"{' and empty cells' if conv.isna().any() else ''}."
            )
    t = pd.DataFrame(
        {
            "j": touchpoints[journey_col].to_numpy(),
            "t": touchpoints[time_col].to_numpy(),
            "c": touchpoints[channel_col].astype(str).to_numpy(),
            "conv": conv.to_numpy(dtype=bool),
            "v": touchpoints[value_col].to_numpy(dtype=float) if value_col else 0.0,
        }
    )
    if value_col and np.isnan(t.loc[t["conv"], "v"]).any():
        raise KpiDataError(
            f"touchpoints, column '{value_col}': converting touches without a value; fill 0 where no revenue."
        )
    t["jc"] = pd.factorize(t["j"])[0]
    t = t.sort_values(["jc", "t"], kind="stable").reset_index(drop=True)
    ci = t["conv"].astype(np.int64)
    t["k"] = ci.groupby(t["jc"]).cumsum() - ci  # index of the conversion this touch leads to
    t["path"] = pd.factorize(pd.MultiIndex.from_arrays([t["jc"], t["k"]]))[0] if len(t) else np.empty(0, dtype=np.int64)
    g = t.groupby("path", sort=False)
    t["pos"] = g.cumcount()
    t["n"] = g["c"].transform("size")
    t["path_conv"] = g["conv"].transform("any")
    t["path_value"] = g["v"].transform("sum") if value_col else 0.0
    t["t_end"] = g["t"].transform("max")
    t["w"] = 1.0
    return t


def read_paths(
    frame: pd.DataFrame,
    path: str = "path",
    conversions: str = "conversions",
    value: str | None = None,
    nulls: str | None = None,
    sep: str = ">",
    name: str | None = None,
) -> pd.DataFrame:
    """Read an aggregated path table (one row per distinct path with its counts) into a paths table.

    Attribution tools and analytics suites export journeys aggregated: one row per distinct path
    ("Paid Search > Email > Direct") with its total conversions, their total value and the number of
    paths that did not convert (ChannelAttribution's ``path``, ``total_conversions``,
    ``total_conversion_value``, ``total_null``; a conversion-path report's path, conversions and
    conversion value). The paths table returned is accepted by :func:`attribute`, :func:`compare`
    and :func:`markov_removal_effects` as it is: each row is one path weighted by its counts, never
    expanded into one row per conversion.

    Spaces around the separator and around channel names are ignored ("A > B", "A>B" and
    ``sep=" > "`` read the same). A row whose path appears twice is kept as its own weighted path;
    the credits are the same as with the rows summed. Nothing is dropped or repaired: empty paths,
    empty steps, missing or negative counts, a value without conversions and a separator that the
    paths do not use are refused with the rows named.

    Parameters
    ----------
    frame : DataFrame
        The export as read (e.g. ``pd.read_csv``), one row per distinct path.
    path : str
        Column of the paths, channels joined by ``sep``.
    conversions : str
        Column of the number of conversions that followed the path (non-negative; fractions
        allowed, e.g. conversions credited by another model).
    value : str, optional
        Column of the total conversion value of the path's conversions (non-negative; empty only
        where the path has no conversion). Without it no revenue is credited.
    nulls : str, optional
        Column of the number of times the path occurred without a conversion. Without it the table
        holds converting paths only, which the Markov model warns about (its removal effects then
        ignore the journeys that failed).
    sep : str
        The separator between channels (">" by default, as ChannelAttribution and conversion-path
        reports write paths); surrounding spaces are ignored.
    name : str, optional
        Name of the export in messages (default: ``frame.attrs["source"]``, else "paths").

    Returns
    -------
    DataFrame
        The paths table, one row per row of ``frame`` in its order: path (channels joined by
        " > "), channels (tuple of channel names), length, conversions, then value and nulls when
        given (float). ``attrs``: table "paths", source, sep.

    Raises
    ------
    KpiDataError
        Naming the column, the rows (1-based, as in the table) and the fix.

    References
    ----------
    ChannelAttribution (R and Python package), documentation of ``markov_model`` and
    ``heuristic_models`` (the aggregated path format).

    Examples
    --------
    >>> raw = pd.DataFrame({"path": ["Paid Search > Email", "Email"], "conv": [3, 1], "rev": [120.0, 30.0],
    ...                     "null": [10, 4]})
    >>> p = read_paths(raw, conversions="conv", value="rev", nulls="null")
    >>> p[["path", "length", "conversions", "value", "nulls"]].values.tolist()
    [['Paid Search > Email', 2, 3.0, 120.0, 10.0], ['Email', 1, 1.0, 30.0, 4.0]]
    """
    what = name or (frame.attrs.get("source") if isinstance(frame, pd.DataFrame) else None) or "paths"
    require_columns(frame, [path, conversions] + [c for c in (value, nulls) if c], what, fix=_PATHS_FIX)
    s = _separator(sep)
    steps = _split(frame[path].to_numpy(dtype=object), s, what, path)
    conv = _counts(frame[conversions], what, conversions)
    out = pd.DataFrame(
        {
            "path": pd.Series([" > ".join(x) for x in steps], dtype="str"),
            "channels": pd.Series(steps, dtype=object),
            "length": np.array([len(x) for x in steps], dtype=np.int64),
            "conversions": conv,
        }
    )
    if value:
        out["value"] = _values(frame[value], conv, what, value, conversions)
    if nulls:
        out["nulls"] = _counts(frame[nulls], what, nulls)
    out.attrs = {"table": "paths", "source": what, "sep": s}
    return out


def _separator(sep: object) -> str:
    """The separator without its surrounding spaces; a blank one is refused (it would split channel names)."""
    if not isinstance(sep, str) or not sep.strip():
        raise KpiDataError(
            f"sep must be the text between two channels, e.g. '>' (got {sep!r}); spaces alone would split "
            "channel names such as 'Paid Search'."
        )
    return sep.strip()


def _split(raw: np.ndarray, sep: str, what: str, col: str) -> list[tuple[str, ...]]:
    """Each path as a tuple of channel names; empty paths, empty steps and a wrong separator are refused."""
    _check_separator(raw, sep, what, col)
    steps: list[tuple[str, ...]] = []
    empty, blank, other = [], [], []
    for i, v in enumerate(raw, start=1):  # one split per distinct path
        if isinstance(v, (list, tuple)):
            parts = tuple(str(p).strip() for p in v)
        elif isinstance(v, str):
            parts = tuple(p.strip() for p in v.split(sep))
        else:
            (empty if v is None or (np.ndim(v) == 0 and pd.isna(v)) else other).append(i)
            steps.append(())
            continue
        if not any(parts):
            empty.append(i)
        elif not all(parts):
            blank.append(i)
        steps.append(parts)
    if other:
        raise KpiDataError(
            f"{what}, column '{col}': {len(other)} values are not text ({describe_rows(other)}; first: "
            f"{raw[other[0] - 1]!r}). A path is text such as 'Paid Search > Email > Direct'."
        )
    if empty:
        raise KpiDataError(
            f"{what}, column '{col}': {len(empty)} empty paths ({describe_rows(empty)}). A path needs at least one "
            "channel: drop these rows, or name the channel the export left out (e.g. '(unknown)')."
        )
    if blank:
        first = str(raw[blank[0] - 1])
        hint = f", or pass sep={sep * 2!r} if the export separates channels with it" if sep * 2 in first else ""
        raise KpiDataError(
            f"{what}, column '{col}': {len(blank)} paths have an empty step between separators ({describe_rows(blank)}; "
            f"first: {first!r}). Remove the doubled, leading or trailing {sep!r}{hint}."
        )
    return steps


def _check_separator(raw: np.ndarray, sep: str, what: str, col: str) -> None:
    """Refuse a separator that the paths do not use, or that is part of the longer one they use ('->' for '>')."""
    text = [(i, v) for i, v in enumerate(raw, start=1) if isinstance(v, str)]
    using = [(i, v) for i, v in text if sep in v]
    for longer in _LONGER_SEPARATORS:
        if longer != sep and sep in longer and using:
            if all(v.count(sep) == v.count(longer) * longer.count(sep) for _, v in using):
                rows = [i for i, _ in using]
                raise KpiDataError(
                    f"{what}, column '{col}': the paths separate channels with {longer!r}, not {sep!r} "
                    f"({describe_rows(rows)}; first: {using[0][1]!r}); split on {sep!r} they would leave pieces "
                    f"of {longer!r} in channel names. Pass sep={longer!r}."
                )
    if using:
        return
    for other in _OTHER_SEPARATORS:
        hits = [(i, v) for i, v in text if other in v]
        if other != sep and hits:
            raise KpiDataError(
                f"{what}, column '{col}': no path contains the separator {sep!r}, but {len(hits)} contain {other!r} "
                f"({describe_rows([i for i, _ in hits])}; first: {hits[0][1]!r}). Pass sep={other!r}."
            )


def _counts(col: pd.Series, what: str, name: str) -> np.ndarray:
    """A column of path counts as floats: empty, non-numeric, infinite or negative counts are refused."""
    x = float_values(col)
    missing = col.isna().to_numpy()
    rows = lambda m: describe_rows((np.flatnonzero(m) + 1).tolist())  # noqa: E731
    first = lambda m: col.to_numpy(dtype=object)[np.flatnonzero(m)[0]]  # noqa: E731
    if missing.any():
        raise KpiDataError(
            f"{what}, column '{name}': {int(missing.sum())} empty counts ({rows(missing)}). Write 0 where the "
            "path had none."
        )
    notnum = np.isnan(x)
    if notnum.any():
        raise KpiDataError(
            f"{what}, column '{name}': {int(notnum.sum())} values are not numbers ({rows(notnum)}; first: "
            f"{first(notnum)!r}). Read the export with its number format (e.g. pd.read_csv(..., thousands=','))."
        )
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        raise KpiDataError(
            f"{what}, column '{name}': {int(bad.sum())} counts are negative or infinite ({rows(bad)}; first: "
            f"{first(bad)!r}). A count of paths is a number >= 0: check the export."
        )
    return x


def _values(col: pd.Series, conv: np.ndarray, what: str, name: str, conv_name: str) -> np.ndarray:
    """The total conversion value of each path: empty only without conversions, never negative."""
    x = float_values(col)
    missing = col.isna().to_numpy()
    rows = lambda m: describe_rows((np.flatnonzero(m) + 1).tolist())  # noqa: E731
    first = lambda m: col.to_numpy(dtype=object)[np.flatnonzero(m)[0]]  # noqa: E731
    notnum = np.isnan(x) & ~missing
    if notnum.any():
        raise KpiDataError(
            f"{what}, column '{name}': {int(notnum.sum())} values are not numbers ({rows(notnum)}; first: "
            f"{first(notnum)!r}). Read the export with its number format (e.g. pd.read_csv(..., thousands=','))."
        )
    need = missing & (conv > 0)
    if need.any():
        raise KpiDataError(
            f"{what}, column '{name}': {int(need.sum())} paths with conversions have no value ({rows(need)}). "
            "Write 0 where the conversions had no value."
        )
    x = np.where(missing, 0.0, x)
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        raise KpiDataError(
            f"{what}, column '{name}': {int(bad.sum())} values are negative or infinite ({rows(bad)}; first: "
            f"{first(bad)!r}). Credit is split from non-negative totals: net refunds before aggregating the paths."
        )
    orphan = (x > 0) & (conv == 0)
    if orphan.any():
        raise KpiDataError(
            f"{what}, column '{name}': {int(orphan.sum())} paths have a value but no conversion in '{conv_name}' "
            f"({rows(orphan)}; first: {first(orphan)!r}). Check that the right columns are named."
        )
    return x


def _path_touches(paths: pd.DataFrame) -> pd.DataFrame:
    """The internal frame of a paths table: each row's converting paths and non-converting paths, weighted.

    A row with conversions > 0 gives a converting path of weight ``conversions`` carrying the row's
    total value; a row with nulls > 0 a non-converting path of weight ``nulls``; a row with neither a
    path of weight 0 (its channels are listed with no credit). Rows: the sum of the path lengths, at
    most twice over, whatever the counts.
    """
    what = paths.attrs.get("source") or "paths table"
    steps = _table_steps(paths["channels"], what)
    conv = _counts(paths["conversions"], what, "conversions")
    null = _counts(paths["nulls"], what, "nulls") if "nulls" in paths.columns else np.zeros(len(paths))
    val = _values(paths["value"], conv, what, "value", "conversions") if "value" in paths.columns else None
    lens = np.array([len(s) for s in steps], dtype=np.int64)
    rows = np.arange(len(paths))
    conv_rows, null_rows = rows[conv > 0], rows[(null > 0) | (conv <= 0)]
    entry_row = np.concatenate([conv_rows, null_rows])
    entry_conv = np.r_[np.ones(conv_rows.size, dtype=bool), np.zeros(null_rows.size, dtype=bool)]
    entry_w = np.r_[conv[conv_rows], null[null_rows]]
    entry_val = np.r_[val[conv_rows] if val is not None else np.zeros(conv_rows.size), np.zeros(null_rows.size)]
    flat = np.array([c for s in steps for c in s], dtype=object)
    offsets = np.cumsum(lens) - lens
    rep = lens[entry_row]
    pos = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
    n = np.repeat(rep, rep)
    last = pos == n - 1
    path_conv = np.repeat(entry_conv, rep)
    path_value = np.repeat(entry_val, rep)
    path_id = np.repeat(np.arange(entry_row.size), rep)
    no_time = np.full(pos.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.DataFrame(
        {
            "j": path_id,
            "t": no_time,
            "c": flat[np.repeat(offsets[entry_row], rep) + pos] if pos.size else np.empty(0, dtype=object),
            "conv": path_conv & last,
            "v": np.where(path_conv & last, path_value, 0.0),
            "path": path_id,
            "pos": pos,
            "n": n,
            "path_conv": path_conv,
            "path_value": path_value,
            "t_end": no_time,
            "w": np.repeat(entry_w, rep),
        }
    )


def _table_steps(channels: pd.Series, what: str) -> list[tuple[str, ...]]:
    """The ``channels`` of a paths table built by hand: each a non-empty sequence of non-empty names."""
    steps, bad = [], []
    for i, s in enumerate(channels, start=1):
        ok = isinstance(s, (Sequence, np.ndarray)) and not isinstance(s, str) and len(s) > 0
        parts = tuple(str(c).strip() for c in s) if ok else ()
        if not ok or not all(parts):
            bad.append(i)
        steps.append(parts)
    if bad:
        raise KpiDataError(
            f"{what}, column 'channels': {len(bad)} rows are not a non-empty sequence of channel names "
            f"({describe_rows(bad)}; first: {channels.iloc[bad[0] - 1]!r}). Build the table with "
            "kk.attribution.read_paths."
        )
    return steps
