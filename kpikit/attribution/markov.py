"""The Markov model: removal effects of a first-order chain over channels, solved exactly, and its credit."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.attribution.paths import _is_paths_table, _path_touches
from kpikit.errors import KpiDataError, KpiWarning

__all__ = ["markov_removal_effects"]


def markov_removal_effects(
    paths: Sequence[Sequence[str]] | pd.DataFrame, converted: Sequence[bool] | None = None
) -> pd.DataFrame:
    """Removal effects of a first-order Markov chain over channels, solved exactly.

    The chain has states start, each channel, conversion and null (both absorbing). Transition
    probabilities are the observed transition counts normalised per state; a path of a paths table
    adds its count to each of its transitions. P(conversion) is the probability of absorption in
    conversion from start, x = (I - Q)^-1 r, with Q the transitions among transient states and r
    those into conversion. Removing channel c sends every transition into c to null.
    RE(c) = 1 - P_without_c / P. A chain without any non-converting path gets a KpiWarning: its
    removal effects ignore the journeys that failed.

    Parameters
    ----------
    paths : list of channel sequences, or a paths table
        One sequence per path (with ``converted``), or the paths table of :func:`read_paths`, whose
        rows are weighted by their conversions and nulls.
    converted : list of bool, optional
        Whether each path ended in a conversion (with a list of sequences only).

    Returns
    -------
    DataFrame
        channel, removal_effect, conversion_probability_without (P with the channel removed); the
        overall P(conversion) is in ``.attrs["conversion_probability"]``.

    References
    ----------
    Anderl, Becker, von Wangenheim and Schumann (2016), "Mapping the customer journey: lessons
    learned from graph-based online attribution modeling", IJRM 33(3).

    Examples
    --------
    >>> re = markov_removal_effects([["A", "B"], ["B"]], [True, False])
    >>> re.set_index("channel")["removal_effect"].round(3).to_dict()
    {'A': 0.5, 'B': 1.0}
    """
    if _is_paths_table(paths):
        if converted is not None:
            raise KpiDataError("markov_removal_effects: a paths table carries its own counts; leave converted out.")
        return _removal_effects(_path_touches(paths))
    if isinstance(paths, pd.DataFrame):
        raise KpiDataError(
            "markov_removal_effects takes a paths table (kk.attribution.read_paths) or lists of channels with "
            "converted flags; for a touchpoints table use kk.attribution.attribute(touchpoints, 'markov')."
        )
    if converted is None or len(converted) != len(paths):
        raise KpiDataError("markov_removal_effects needs one converted flag per path.")
    lens = np.array([len(p) for p in paths], dtype=np.int64)
    if (lens == 0).any():
        raise KpiDataError("Every path needs at least one touch.")
    pos = np.concatenate([np.arange(k) for k in lens]) if len(lens) else np.empty(0, dtype=np.int64)
    t = pd.DataFrame(
        {
            "c": np.array([str(c) for p in paths for c in p], dtype=object),
            "pos": pos,
            "n": np.repeat(lens, lens),
            "path_conv": np.repeat(np.asarray(converted, dtype=bool), lens),
            "w": 1.0,
        }
    )
    return _removal_effects(t)


def _removal_effects(t: pd.DataFrame) -> pd.DataFrame:
    """Removal effects from the internal frame (rows ordered by path, then position; ``w`` weights each path)."""
    chan = t["c"].to_numpy()
    pos, n = t["pos"].to_numpy(), t["n"].to_numpy()
    pconv, w = t["path_conv"].to_numpy(dtype=bool), t["w"].to_numpy(dtype=float)
    channels, cc = np.unique(chan.astype(str), return_inverse=True)
    m = channels.size
    START, CONV, NULL = m, m + 1, m + 2
    last = pos == n - 1
    if len(t) and not (w[last & ~pconv] > 0).any():
        warnings.warn(
            "Markov removal effects from converting paths only: the chain holds no path that did not convert, so "
            "every channel on a converting path looks indispensable. Include the journeys without a conversion "
            "(touchpoints of users who did not convert, or read_paths(..., nulls=...)).",
            KpiWarning,
            stacklevel=3,
        )
    src = np.concatenate([np.where(pos == 0, START, np.roll(cc, 1)), cc[last]])
    dst = np.concatenate([cc, np.where(pconv[last], CONV, NULL)])
    counts = np.zeros((m + 3, m + 3))
    np.add.at(counts, (src, dst), np.concatenate([w, w[last]]))
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


def _markov_credit(t: pd.DataFrame, total: float, total_value: float, with_value: bool) -> pd.DataFrame:
    """Credit in proportion to the Markov removal effects: RE(c) / sum of RE x the totals.

    Conversions and value are split with the same shares (the value of all conversions, not each
    path's own value: see the package notes).
    """
    re = _removal_effects(t)
    s = re["removal_effect"].sum()
    share = re["removal_effect"] / s if s > 0 else re["removal_effect"] * 0.0
    out = pd.DataFrame({"channel": re["channel"].to_numpy(), "conversions": share.to_numpy() * total})
    if with_value:
        out["revenue"] = share.to_numpy() * total_value
    out["removal_effect"] = re["removal_effect"].to_numpy()
    return out
