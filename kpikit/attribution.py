"""Attribution: who gets the credit for a conversion, under heuristic models and a Markov chain.

Paths
-----
Touchpoints are grouped into journeys by ``journey_col`` (the user) and ordered by time. Each touch
with ``converted`` true closes a converting path made of the touches since the journey's previous
conversion (that touch included); touches after the last conversion form a path that did not
convert. The total to distribute is the number of converting paths (and, with ``value_col``, the sum
of the values on the converting touches). Every model splits each conversion over its path with
weights that sum to one, so the credits of every model sum to the total.

Models
------
- ``first_touch`` / ``last_touch``: all credit to the first / last touch of the path.
- ``last_non_direct``: all credit to the last touch that is not a direct visit; to the last touch when
  the whole path is direct (the Google Analytics rule).
- ``linear``: 1/n to each of the n touches.
- ``position_based``: 40% first, 40% last, 20% shared by the middle touches (weights are a
  parameter); with two touches first and last share in proportion to their weights (50/50).
- ``time_decay``: weight 2^(-(t_conversion - t_touch) / half_life), normalised per path (half-life
  7 days by default, as Google Analytics).
- ``markov``: first-order Markov chain over channels with states start, conversion and null built
  from all paths (converting and not). The removal effect of channel c is
  RE(c) = 1 - P(conversion | c removed) / P(conversion), where removing c sends every transition into
  c to null; credit(c) = RE(c) / sum RE x total. Absorption probabilities are solved exactly from the
  chain's linear system (no simulation), so the result is deterministic.

References: Google Analytics, "Attribution models" (first/last click, linear, position-based,
time-decay with a 7-day half-life); Anderl, Becker, von Wangenheim and Schumann (2016), "Mapping the
customer journey: lessons learned from graph-based online attribution modeling", International
Journal of Research in Marketing 33(3) (Markov removal effects).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import require_columns

__all__ = ["MODELS", "attribute", "compare", "markov_removal_effects", "findings"]

MODELS = ("first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay", "markov")
Model = Literal["first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay", "markov"]
DIRECT = ("Direct", "direct", "(direct)")
_FIX = "Map them with kk.read_table(..., columns=...) or pass the names as keyword arguments."


def _paths(
    touchpoints: pd.DataFrame,
    journey_col: str,
    time_col: str,
    channel_col: str,
    converted_col: str,
    value_col: str | None,
) -> pd.DataFrame:
    """One row per touch, checked and ordered, with its path: position, length, outcome, value and end time.

    Columns: j (journey), t (time), c (channel), conv, v (value), path (path number), pos (0-based
    position in the path), n (path length), path_conv, path_value, t_end (the path's last touch).
    """
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
    return t


def _weights(
    t: pd.DataFrame,
    model: str,
    direct: Sequence[str],
    weights: tuple[float, float, float],
    half_life: str | pd.Timedelta,
) -> np.ndarray:
    """Each touch's share of its path's conversion under a heuristic model (shares sum to 1 per path)."""
    pos, n = t["pos"].to_numpy(), t["n"].to_numpy()
    first, last = pos == 0, pos == n - 1
    if model == "first_touch":
        return first.astype(float)
    if model == "last_touch":
        return last.astype(float)
    if model == "linear":
        return 1.0 / n
    if model == "last_non_direct":
        nd = ~t["c"].isin(list(direct)).to_numpy()
        # last non-direct touch of the path; the last touch if every touch is direct
        idx = pd.Series(np.where(nd, pos, -1)).groupby(t["path"].to_numpy()).transform("max").to_numpy()
        target = np.where(idx >= 0, idx, n - 1)
        return (pos == target).astype(float)
    if model == "position_based":
        wf, wm, wl = weights
        if min(weights) < 0 or not np.isclose(wf + wm + wl, 1.0):
            raise KpiDataError(f"position_based weights must be non-negative and sum to 1 (got {weights}).")
        w = np.where(n == 1, 1.0, 0.0)
        two = n == 2
        w = np.where(two & first, wf / (wf + wl), w)
        w = np.where(two & last, wl / (wf + wl), w)
        many = n >= 3
        w = np.where(many & first, wf, w)
        w = np.where(many & last, wl, w)
        w = np.where(many & ~first & ~last, wm / np.maximum(n - 2, 1), w)
        return w
    # time_decay (attribute has checked the model name)
    hl = pd.Timedelta(half_life)
    if hl <= pd.Timedelta(0):
        raise KpiDataError(f"half_life must be positive (got {half_life!r}).")
    age = (t["t_end"] - t["t"]).to_numpy(dtype="timedelta64[ns]").astype(np.float64) / hl.value
    raw = np.exp2(-age)
    return raw / pd.Series(raw).groupby(t["path"].to_numpy()).transform("sum").to_numpy()


def markov_removal_effects(
    paths: Sequence[Sequence[str]] | pd.DataFrame, converted: Sequence[bool] | None = None
) -> pd.DataFrame:
    """Removal effects of a first-order Markov chain over channels, solved exactly.

    The chain has states start, each channel, conversion and null (both absorbing). Transition
    probabilities are the observed transition counts normalised per state. P(conversion) is the
    probability of absorption in conversion from start, x = (I - Q)^-1 r, with Q the transitions
    among transient states and r those into conversion. Removing channel c sends every transition
    into c to null. RE(c) = 1 - P_without_c / P.

    Parameters
    ----------
    paths : list of channel sequences, or the internal path frame
        One sequence per path.
    converted : list of bool
        Whether each path ended in a conversion.

    Returns
    -------
    DataFrame
        channel, removal_effect, conversion_probability_without (P with the channel removed); the
        overall P(conversion) is in ``.attrs["conversion_probability"]``.

    Examples
    --------
    >>> re = markov_removal_effects([["A", "B"], ["B"]], [True, False])
    >>> re.set_index("channel")["removal_effect"].round(3).to_dict()
    {'A': 0.5, 'B': 1.0}
    """
    if isinstance(paths, pd.DataFrame):
        t = paths
        chan = t["c"].to_numpy()
        pos, n = t["pos"].to_numpy(), t["n"].to_numpy()
        pconv = t["path_conv"].to_numpy()
    else:
        if converted is None or len(converted) != len(paths):
            raise KpiDataError("markov_removal_effects needs one converted flag per path.")
        lens = np.array([len(p) for p in paths])
        if (lens == 0).any():
            raise KpiDataError("Every path needs at least one touch.")
        chan = np.array([str(c) for p in paths for c in p], dtype=object)
        n = np.repeat(lens, lens)
        pos = np.concatenate([np.arange(k) for k in lens]) if len(lens) else np.empty(0, dtype=int)
        pconv = np.repeat(np.asarray(converted, dtype=bool), lens)
    channels, cc = np.unique(chan.astype(str), return_inverse=True)
    m = channels.size
    START, CONV, NULL = m, m + 1, m + 2
    src = np.where(pos == 0, START, np.roll(cc, 1))
    dst = cc
    last = pos == n - 1
    src = np.concatenate([src, cc[last]])
    dst = np.concatenate([dst, np.where(pconv[last], CONV, NULL)])
    counts = np.zeros((m + 3, m + 3))
    np.add.at(counts, (src, dst), 1.0)
    out_tot = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        P = np.where(out_tot > 0, counts / out_tot, 0.0)
    transient = list(range(m)) + [START]

    def p_conv(removed: int | None) -> float:
        Q = P[np.ix_(transient, transient)].copy()
        r = P[transient, CONV].copy()
        if removed is not None:
            Q[:, removed] = 0.0  # transitions into the removed channel go to null
            r[removed] = 0.0
            Q[removed, :] = 0.0
        A = np.eye(len(transient)) - Q
        try:
            x = np.linalg.solve(A, r)
        except np.linalg.LinAlgError:
            x = np.linalg.lstsq(A, r, rcond=None)[0]
        return float(x[-1])

    base = p_conv(None)
    without = np.array([p_conv(i) for i in range(m)])  # one small solve per channel, not per user
    with np.errstate(divide="ignore", invalid="ignore"):
        re = np.where(base > 0, 1.0 - without / base, 0.0)
    re = np.clip(re, 0.0, 1.0)
    f = pd.DataFrame(
        {"channel": channels.astype(object), "removal_effect": re, "conversion_probability_without": without}
    )
    f.attrs["conversion_probability"] = base
    return f


def _markov_credit(t: pd.DataFrame, total: float, total_value: float, value_col: str | None) -> pd.DataFrame:
    """Credit in proportion to the Markov removal effects: RE(c) / sum of RE x the totals."""
    re = markov_removal_effects(t)
    s = re["removal_effect"].sum()
    share = re["removal_effect"] / s if s > 0 else re["removal_effect"] * 0.0
    out = pd.DataFrame({"channel": re["channel"].to_numpy(), "conversions": share.to_numpy() * total})
    if value_col:
        out["revenue"] = share.to_numpy() * total_value
    out["removal_effect"] = re["removal_effect"].to_numpy()
    return out


def _heuristic_credit(
    conv_paths: pd.DataFrame,
    channels: np.ndarray,
    model: str,
    direct: Sequence[str],
    weights: tuple[float, float, float],
    half_life: str | pd.Timedelta,
    value_col: str | None,
) -> pd.DataFrame:
    """Credit by a heuristic model's weights, summed per channel (channels without credit get 0)."""
    w = _weights(conv_paths, model, direct, weights, half_life)
    cred = pd.DataFrame({"channel": conv_paths["c"].to_numpy(), "conversions": w})
    if value_col:
        cred["revenue"] = w * conv_paths["path_value"].to_numpy()
    out = (
        cred.groupby("channel", sort=True).sum().reindex(channels, fill_value=0.0).rename_axis("channel").reset_index()
    )
    return out


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

    credit(c) = sum over converting paths of w(touch) for the touches of channel c, where each model's
    weights w sum to one per path (see the module notes); revenue(c) = the same sum with each weight
    times the path's conversion value. Markov: credit(c) = RE(c) / sum of RE x conversions.

    Parameters
    ----------
    touchpoints : DataFrame
        Canonical ``touchpoints`` table: user_id, timestamp, channel, converted (true on the touch
        where a conversion happened), value (revenue of that conversion).
    model : str
        One of "first_touch", "last_touch", "last_non_direct", "linear", "position_based",
        "time_decay", "markov" (see the module notes for each rule).
    journey_col : str
        Column identifying a journey (default the user).
    value_col : str, optional
        Revenue column; when given, revenue is credited with the same shares as conversions.
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
        One row per channel seen in the touchpoints: channel, conversions (credited), share,
        revenue (with ``value_col``), removal_effect (Markov only); sorted by credited conversions.
        ``conversions`` sums to the number of conversions, ``revenue`` to their total value.

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
    t = _paths(touchpoints, journey_col, time_col, channel_col, converted_col, value_col)
    if start is not None:
        t = t[t["t_end"] >= pd.Timestamp(start)]
    if end is not None:
        t = t[t["t_end"] < pd.Timestamp(end)]
    channels = np.unique(t["c"].to_numpy().astype(str)) if len(t) else np.array([], dtype=str)
    conv_paths = t[t["path_conv"]]
    total = float(conv_paths.loc[conv_paths["pos"] == 0].shape[0])
    total_value = float(conv_paths.loc[conv_paths["pos"] == 0, "path_value"].sum()) if value_col else 0.0
    if model == "markov":
        out = _markov_credit(t, total, total_value, value_col)
    else:
        out = _heuristic_credit(conv_paths, channels, model, direct, weights, half_life, value_col)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = out["conversions"] / total if total > 0 else 0.0
    cols = (
        ["channel", "conversions", "share"]
        + (["revenue"] if value_col else [])
        + (["removal_effect"] if model == "markov" else [])
    )
    out = (
        out[cols].sort_values(["conversions", "channel"], ascending=[False, True], kind="stable").reset_index(drop=True)
    )
    out.attrs.update({"model": model, "total_conversions": total, "total_revenue": total_value if value_col else None})
    return out


def compare(
    touchpoints: pd.DataFrame,
    models: Sequence[str] = MODELS,
    value: bool = False,
    **options: Any,
) -> pd.DataFrame:
    """The attribution models side by side: one row per channel, one column per model.

    Parameters
    ----------
    touchpoints : DataFrame
        As for :func:`attribute`.
    models : sequence of str
        Models to run (default all seven).
    value : bool
        Compare credited revenue instead of conversions (needs ``value_col=``).
    **options
        Passed to :func:`attribute` (journey_col, value_col, weights, half_life, ...).

    Returns
    -------
    DataFrame
        channel, then one column per model with credited conversions (or revenue), then ``spread``
        (max - min credit across the models); sorted by the last-touch credit when present.
    """
    if isinstance(models, str):
        models = [models]
    col = "revenue" if value else "conversions"
    if value and not options.get("value_col"):
        raise KpiDataError("compare(value=True) needs value_col= naming the revenue column.")
    frames = []
    for m in models:
        a = attribute(touchpoints, m, **options)
        frames.append(a.set_index("channel")[col].rename(m))
    out = pd.concat(frames, axis=1).fillna(0.0)
    out["spread"] = out[list(models)].max(axis=1) - out[list(models)].min(axis=1)
    key = "last_touch" if "last_touch" in models else list(models)[0]
    return out.sort_values([key], ascending=False, kind="stable").rename_axis("channel").reset_index()


def findings(
    comparison: pd.DataFrame, first: str = "first_touch", last: str = "last_touch", data_driven: str = "markov"
) -> list[str]:
    """Where the models disagree, in words.

    The channel that last-touch credits most above first-touch (it closes journeys), the one it
    credits most below (it opens them), and the channels the Markov model moves the most credit to
    and away from, against last-touch.

    Parameters
    ----------
    comparison : DataFrame
        The output of :func:`compare` with at least the ``first`` and ``last`` models.
    first, last : str
        The model columns read as first-touch and last-touch.
    data_driven : str
        The model column read as the data-driven view; its sentence is left out when absent.

    Returns
    -------
    list of str
        One sentence per finding.
    """
    require_columns(
        comparison, [first, last], "attribution comparison", fix="Run kk.attribution.compare with both models."
    )
    c = comparison.set_index("channel")
    out = []
    total = c[last].sum()
    diff = (c[last] - c[first]).sort_values()
    opener, closer = diff.index[0], diff.index[-1]
    if diff.iloc[-1] > 0:
        out.append(
            f"{closer} closes journeys: last-touch gives it {c.loc[closer, last]:.0f} of {total:.0f} conversions, "
            f"first-touch only {c.loc[closer, first]:.0f}."
        )
    if diff.iloc[0] < 0:
        out.append(
            f"{opener} opens journeys: first-touch credits it with {c.loc[opener, first]:.0f} conversions, "
            f"last-touch with {c.loc[opener, last]:.0f}; judged on last touch alone it looks "
            f"{c.loc[opener, first] / max(c.loc[opener, last], 1e-9):.1f}x weaker than it is."
        )
    if data_driven in c.columns:
        d = (c[data_driven] - c[last]).sort_values()
        out.append(
            f"The Markov model (removal effects) moves the most credit to {d.index[-1]} "
            f"({d.iloc[-1]:+.0f} conversions against last-touch) and away from {d.index[0]} ({d.iloc[0]:+.0f})."
        )
    return out
