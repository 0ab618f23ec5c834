"""Share of voice: a brand's mentions among all brands' mentions."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas import column_list
from kpikit.social.metrics import _check, _sum, _with_period
from kpikit.stats import (
    rate_frame,
)

__all__ = ['share_of_voice']


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

    Returns
    -------
    DataFrame
        [period], by..., brand, mentions, total_mentions, share_of_voice, ci_low, ci_high,
        small_sample. Shares of one period sum to 1.

    References
    ----------
    KPI catalogue, "Social media"; Nielsen/Buzz-monitoring usage of "share of voice" as the brand's
    share of the category's conversation.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-01-05"] * 3), "brand": ["A", "B", "C"],
    ...     "mentions": [30, 50, 20]})
    >>> share_of_voice(df, freq=None)["share_of_voice"].tolist()
    [0.3, 0.5, 0.2]
    """
    keys = column_list(by)
    _check(social, ["date", "brand", "mentions", *keys])
    frame = social
    if brands is not None:
        brands = list(brands)
        present = set(social["brand"].unique())
        unknown = [b for b in brands if b not in present]
        if unknown:
            raise KpiDataError(
                f"social, column 'brand': {', '.join(repr(b) for b in unknown)} not found (brands present: "
                f"{', '.join(sorted(map(str, present)))}). Fix the spelling in `brands`."
            )
        frame = social[social["brand"].isin(brands)]
    frame, pkeys = _with_period(frame, freq)
    group = pkeys + keys
    out = _sum(frame, group + ["brand"], ["mentions"])
    if group:
        out["total_mentions"] = out.groupby(group, sort=False, observed=True)["mentions"].transform("sum")
    else:
        out["total_mentions"] = out["mentions"].sum()
    return rate_frame(out, "mentions", "total_mentions", "share_of_voice", level=level)
