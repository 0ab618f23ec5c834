"""Share of voice: a brand's mentions among all brands' mentions, the one computation of it.

:func:`share_of_voice` (per period, with intervals), :func:`kpikit.social.summary` (a column of the
benchmarking summary) and the notebook's titles all take their shares from :func:`_shares` and
:func:`_pooled_share` here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas import column_list, require_columns
from kpikit.social.table import _check_values, _require_brands, _sum, _with_period
from kpikit.stats import rate_frame

__all__ = ["share_of_voice"]


def _shares(counts: pd.DataFrame, within: list[str], level: float | None = 0.95) -> pd.DataFrame:
    """Add total_mentions and share_of_voice = mentions / total_mentions, in place.

    ``total_mentions`` sums the ``mentions`` of the rows that share the ``within`` columns (all rows
    when ``within`` is empty). With a ``level``, the share gets its Wilson interval (ci_low, ci_high,
    small_sample); with None, the share alone. A total of 0 gives NaN, never 0.
    """
    if within:
        counts["total_mentions"] = counts.groupby(within, sort=False, observed=True)["mentions"].transform("sum")
    else:
        counts["total_mentions"] = counts["mentions"].sum()
    if level is not None:
        return rate_frame(counts, "mentions", "total_mentions", "share_of_voice", level=level)
    k = counts["mentions"].to_numpy(dtype=float)
    n = counts["total_mentions"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["share_of_voice"] = np.where(n > 0, k / n, np.nan)
    return counts


def _pooled_share(sov: pd.DataFrame) -> pd.Series:
    """Each brand's share of voice pooled over the periods of a :func:`share_of_voice` frame.

    sum(mentions) / sum(total_mentions) per brand, largest first (ties in brand order).
    """
    pooled = sov.groupby("brand", sort=True)[["mentions", "total_mentions"]].sum()
    return (pooled["mentions"] / pooled["total_mentions"]).sort_values(ascending=False, kind="mergesort")


def share_of_voice(
    social: pd.DataFrame,
    freq: str | None = "MS",
    by: str | Sequence[str] | None = None,
    brands: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of voice per brand and period: brand mentions / mentions of all brands in the set.

    share_of_voice = mentions(brand) / sum over brands(mentions), within each period (and segment),
    with a Wilson interval treating each mention as a draw from the conversation about the set.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date, brand, mentions).
    freq : str or None
        Period grain ("MS" months by default; "W", "QS", ...); None for the whole range.
    by : str or list of str or None
        Extra segment columns (e.g. ``"platform"``) within which shares are computed.
    brands : sequence of str, optional
        The competitive set (client and competitors). Default: every brand in the table. A brand not
        in the table is an error (a typo would otherwise inflate everyone else's share).
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        [period], by..., brand, mentions, total_mentions, share_of_voice, ci_low, ci_high,
        small_sample. Shares of one period sum to 1.

    Raises
    ------
    KpiDataError
        When the table has no mentions column: the message says the share of voice is skipped.

    References
    ----------
    docs/KPI_CATALOGUE.md, "Social media"; Nielsen/Buzz-monitoring usage of "share of voice" as the brand's
    share of the category's conversation.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-05"] * 3), "brand": ["A", "B", "C"],
    ...     "mentions": [30, 50, 20]})
    >>> share_of_voice(df, freq=None)["share_of_voice"].tolist()
    [0.3, 0.5, 0.2]
    """
    if "mentions" not in social.columns:
        raise KpiDataError(
            "The social table has no mentions (the export carries none): the share of voice section is skipped. "
            "Export the brands' mentions from a social listening tool to add it."
        )
    keys = column_list(by)
    needed = ["date", "brand", "mentions", *keys]
    require_columns(social, needed, "social")
    _check_values(social, needed)
    frame = social
    if brands is not None:
        brands = list(brands)
        _require_brands(social["brand"].unique(), brands, "Fix the spelling in `brands`.")
        frame = social[social["brand"].isin(brands)]
    frame, pkeys = _with_period(frame, freq)
    group = pkeys + keys
    out = _sum(frame, group + ["brand"], ["mentions"])
    return _shares(out, group, level=level)
