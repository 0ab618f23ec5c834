"""Credit per channel under one model (:func:`attribute`), and the models side by side (:func:`compare`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.attribution.heuristics import DIRECT, _heuristic_credit
from kpikit.attribution.markov import _markov_credit
from kpikit.attribution.paths import _is_paths_table, _path_touches, _touch_frame
from kpikit.errors import KpiDataError

__all__ = ["MODELS", "PATH_MODELS", "attribute", "compare"]

MODELS = ("first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay", "markov")
#: The models a paths table supports: all but time_decay, which needs the time of each touch.
PATH_MODELS = tuple(m for m in MODELS if m != "time_decay")
Model = Literal["first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay", "markov"]


def _paths_input(
    paths: pd.DataFrame,
    model: str,
    value_col: str | None,
    start: object,
    end: object,
) -> tuple[pd.DataFrame, bool]:
    """The internal frame of a paths table, and whether it carries value; what a path table cannot do is refused."""
    if model == "time_decay":
        raise KpiDataError(
            "time_decay needs the time of each touch, which a path table does not carry; use the touchpoints "
            f"table, or one of {', '.join(PATH_MODELS)}."
        )
    if start is not None or end is not None:
        raise KpiDataError(
            "start/end select paths by the time they end, which a path table does not carry: export the paths "
            "of the period you want instead."
        )
    has_value = "value" in paths.columns
    if value_col is not None and not has_value:
        raise KpiDataError(
            f"value_col={value_col!r}: the paths table has no value column; read it with "
            "kk.attribution.read_paths(..., value=<the conversion value column>)."
        )
    return _path_touches(paths), has_value


def _ending_in(t_end: pd.Series, start: object, end: object) -> np.ndarray:
    """Which touches belong to paths that end in [start, end) (either bound optional)."""
    keep = np.ones(len(t_end), dtype=bool)
    if start is not None:
        keep &= (t_end >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (t_end < pd.Timestamp(end)).to_numpy()
    return keep


def attribute(
    touchpoints: pd.DataFrame,
    model: Model = "last_touch",
    journey_col: str = "user_id",
    value_col: str | None = None,
    time_col: str = "timestamp",
    channel_col: str = "channel",
    converted_col: str = "converted",
    direct: Sequence[str] = DIRECT,
    weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
    half_life: str | pd.Timedelta = "7D",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Credit conversions (and revenue) to channels under one attribution model.

    credit(c) = sum over converting paths of w(touch) x the path's conversions for the touches of
    channel c, where each model's weights w sum to one per path (see the package notes);
    revenue(c) = the same sum with each weight times the path's conversion value. Markov:
    credit(c) = RE(c) / sum of RE x conversions, revenue(c) = RE(c) / sum of RE x total value.

    Parameters
    ----------
    touchpoints : DataFrame
        Canonical ``touchpoints`` table: user_id, timestamp, channel, converted (true on the touch
        where a conversion happened), value (revenue of that conversion). Or a paths table
        (:func:`read_paths`): each row one path weighted by its conversions (and nulls); the
        column arguments, ``half_life``, ``start`` and ``end`` then do not apply and time_decay is
        refused (a path table has no touch times).
    model : str
        One of "first_touch", "last_touch", "last_non_direct", "linear", "position_based",
        "time_decay", "markov" (see the package notes for each rule).
    journey_col : str
        Column identifying a journey (default the user).
    value_col : str, optional
        Revenue column; when given, revenue is credited with the same shares as conversions. A paths
        table with a value column credits revenue without it.
    time_col, channel_col, converted_col : str
        Columns with the touch time, its channel and whether a conversion happened on it.
    direct : sequence of str
        Channel names that mean a direct visit, for "last_non_direct".
    weights : (first, middle, last)
        Position-based weights, default 40/20/40.
    half_life : str or Timedelta
        Time-decay half-life, default 7 days.
    start, end : str or Timestamp, optional
        Keep the paths that end (convert, or have their last touch) in [start, end); their earlier
        touches count even before ``start``.

    Returns
    -------
    DataFrame
        One row per channel seen in the input: channel, conversions (credited), share, revenue (with
        ``value_col`` or a paths table's value), removal_effect (Markov only); sorted by credited
        conversions. ``conversions`` sums to the number of conversions, ``revenue`` to their total
        value.

    References
    ----------
    Google Analytics, "Attribution models"; Anderl et al. (2016), IJRM 33(3).

    Examples
    --------
    >>> tp = pd.DataFrame({"user_id": ["u", "u"], "channel": ["Paid Social", "Email"], "converted": [False, True],
    ...     "timestamp": pd.to_datetime(["2025-01-01", "2025-01-03"])})
    >>> attribute(tp, "linear").set_index("channel")["conversions"].to_dict()
    {'Email': 0.5, 'Paid Social': 0.5}
    """
    if model not in MODELS:
        raise KpiDataError(f"Unknown attribution model {model!r}; choose one of {', '.join(MODELS)}.")
    if _is_paths_table(touchpoints):
        t, with_value = _paths_input(touchpoints, model, value_col, start, end)
    else:
        t = _touch_frame(touchpoints, journey_col, time_col, channel_col, converted_col, value_col)
        t, with_value = t[_ending_in(t["t_end"], start, end)], bool(value_col)
    channels = np.unique(t["c"].to_numpy().astype(str)) if len(t) else np.array([], dtype=str)
    conv_paths = t[t["path_conv"]]
    firsts = conv_paths["pos"] == 0
    total = float(conv_paths.loc[firsts, "w"].sum())
    total_value = float(conv_paths.loc[firsts, "path_value"].sum()) if with_value else 0.0
    if model == "markov":
        out = _markov_credit(t, total, total_value, with_value)
    else:
        out = _heuristic_credit(conv_paths, channels, model, direct, weights, half_life, with_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = out["conversions"] / total if total > 0 else 0.0
    cols = (
        ["channel", "conversions", "share"]
        + (["revenue"] if with_value else [])
        + (["removal_effect"] if model == "markov" else [])
    )
    # ties broken by channel name: credits equal up to rounding (1/3 summed two ways) count as equal
    rank = out["conversions"].round(9).rename("_rank")
    out = (
        out[cols]
        .join(rank)
        .sort_values(["_rank", "channel"], ascending=[False, True], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
    out.attrs.update({"model": model, "total_conversions": total, "total_revenue": total_value if with_value else None})
    return out


def compare(
    touchpoints: pd.DataFrame,
    models: Sequence[str] | None = None,
    value: bool = False,
    **options: Any,
) -> pd.DataFrame:
    """The attribution models side by side: one row per channel, one column per model.

    Parameters
    ----------
    touchpoints : DataFrame
        As for :func:`attribute`: the touchpoints table or a paths table (:func:`read_paths`).
    models : sequence of str, optional
        Models to run; default all seven for touchpoints, the six of ``PATH_MODELS`` for a paths
        table (time_decay needs touch times).
    value : bool
        Compare credited revenue instead of conversions (needs ``value_col=``, or a paths table with
        a value column).
    **options
        Passed to :func:`attribute` (journey_col, value_col, weights, half_life, ...).

    Returns
    -------
    DataFrame
        channel, then one column per model with credited conversions (or revenue), then ``spread``
        (max - min credit across the models); sorted by the last-touch credit when present.
    """
    paths = _is_paths_table(touchpoints)
    if models is None:
        models = PATH_MODELS if paths else MODELS
    if isinstance(models, str):
        models = [models]
    col = "revenue" if value else "conversions"
    if value and not (options.get("value_col") or (paths and "value" in touchpoints.columns)):
        raise KpiDataError(
            "compare(value=True) needs value_col= naming the revenue column (for a paths table: "
            "read_paths(..., value=...))."
        )
    frames = []
    for m in models:
        a = attribute(touchpoints, m, **options)
        frames.append(a.set_index("channel")[col].rename(m))
    out = pd.concat(frames, axis=1).fillna(0.0)
    out["spread"] = out[list(models)].max(axis=1) - out[list(models)].min(axis=1)
    key = "last_touch" if "last_touch" in models else list(models)[0]
    return out.sort_values([key], ascending=False, kind="stable").rename_axis("channel").reset_index()
