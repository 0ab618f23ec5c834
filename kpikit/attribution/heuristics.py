"""The rule-based models: each touch's share of its path's conversion, summed per channel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError

__all__ = ["DIRECT"]

#: Channel names that mean a direct visit, for "last_non_direct".
DIRECT = ("Direct", "direct", "(direct)")


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


def _heuristic_credit(
    conv_paths: pd.DataFrame,
    channels: np.ndarray,
    model: str,
    direct: Sequence[str],
    weights: tuple[float, float, float],
    half_life: str | pd.Timedelta,
    with_value: bool,
) -> pd.DataFrame:
    """Credit by a heuristic model's shares, summed per channel (channels without credit get 0).

    A touch's credited conversions are its share times its path's weight (the number of conversions
    the path stands for); its credited revenue is its share times the path's total value.
    """
    share = _weights(conv_paths, model, direct, weights, half_life)
    cred = pd.DataFrame({"channel": conv_paths["c"].to_numpy(), "conversions": share * conv_paths["w"].to_numpy()})
    if with_value:
        cred["revenue"] = share * conv_paths["path_value"].to_numpy()
    return (
        cred.groupby("channel", sort=True).sum().reindex(channels, fill_value=0.0).rename_axis("channel").reset_index()
    )
