"""Defaults of a social benchmark taken from the data: whose brand it is, which denominator, how long.

A client's export names its brands and carries the columns its tool exports; a report reading it should
not assume the sample's brand names or columns. These functions decide from the table itself and say
what they could not decide, with the fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, normalise_name
from kpikit.schemas import float_values, require_columns

__all__ = ["client_brand", "engagement_denominator", "period_months", "competitor_brands"]

#: Columns only a brand's own account exports (competitors' are not visible from outside).
OWN_COLUMNS = ("clicks", "conversions")


def client_brand(social: pd.DataFrame, client: str | None) -> str:
    """The client's brand as the social table writes it.

    In order: ``client`` itself when it is a brand of the table; the brand whose name matches it once
    case and punctuation are ignored ("juniper-box" is "Juniper Box"); else the one brand whose rows
    carry clicks or conversions, which only an account's owner can export (competitors' are empty).

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (brand; clicks and conversions when exported).
    client : str or None
        The client's name (the report's ``client``).

    Returns
    -------
    str

    Raises
    ------
    KpiDataError
        When no brand can be told to be the client's, naming the brands present and the fix.

    Examples
    --------
    >>> df = pd.DataFrame({"brand": ["Oak & Ivy", "Rival"], "clicks": [12, None]})
    >>> client_brand(df, "oak-ivy"), client_brand(df, None)
    ('Oak & Ivy', 'Oak & Ivy')
    """
    require_columns(social, ["brand"], "social")
    brands = [str(b) for b in pd.unique(social["brand"].dropna())]
    if client is not None and str(client) in brands:
        return str(client)
    if client is not None:
        same = [b for b in brands if normalise_name(b) == normalise_name(client)]
        if len(same) == 1:
            return same[0]
    own = [c for c in OWN_COLUMNS if c in social.columns]
    if own:
        has = np.zeros(len(social), dtype=bool)
        for c in own:
            has |= ~np.isnan(float_values(social[c]))
        owners = [str(b) for b in pd.unique(social.loc[has, "brand"])]
        if len(owners) == 1:
            return owners[0]
    raise KpiDataError(
        f"social, column 'brand': cannot tell which brand is the client's ({client!r} is not one of "
        f"{', '.join(sorted(brands))}). Pass client= the brand as the table writes it."
    )


def competitor_brands(social: pd.DataFrame, brand: str, competitors: Sequence[str] = ()) -> list[str]:
    """The competitors to compare with: those named, else every other brand of the table.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    brand : str
        The client's brand.
    competitors : sequence of str
        Competitor brands as the table writes them; empty for every other brand.

    Returns
    -------
    list of str

    Raises
    ------
    KpiDataError
        When the table holds no other brand to compare with.
    """
    named = [str(c) for c in competitors if str(c) != brand]
    if named:
        return named
    others = sorted(str(b) for b in pd.unique(social["brand"].dropna()) if str(b) != brand)
    if not others:
        raise KpiDataError(
            f"social, column 'brand': only {brand!r} is in the table; a competitor benchmark needs the competitors' "
            "rows too (export them from your social listening or competitive analytics tool)."
        )
    return others


def engagement_denominator(social: pd.DataFrame, per: str = "auto") -> str:
    """The denominator of the engagement rates: the one asked for, or the best the table allows.

    ``"auto"`` takes reach (people reached) when every row has it, else impressions, else followers
    with posts (engagements per post per follower, as Rival IQ publishes its benchmarks).

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table.
    per : {"auto", "reach", "impressions", "followers"}
        The denominator wanted.

    Returns
    -------
    str
        "reach", "impressions" or "followers".

    Raises
    ------
    KpiDataError
        When the table lacks the column(s) of the denominator asked for, or of any denominator.

    Examples
    --------
    >>> engagement_denominator(pd.DataFrame({"impressions": [10], "followers": [5], "posts": [1]}))
    'impressions'
    """
    need = {"reach": ("reach",), "impressions": ("impressions",), "followers": ("followers", "posts")}

    def complete(cols: tuple[str, ...]) -> bool:
        return all(c in social.columns and social[c].notna().all() for c in cols)

    if per != "auto":
        if per not in need:
            raise KpiDataError(f"per must be 'auto', 'reach', 'impressions' or 'followers' (got {per!r}).")
        if not complete(need[per]):
            raise KpiDataError(
                f"social: engagement per {per} needs the column(s) {', '.join(need[per])} filled on every row; "
                f"the table has {', '.join(map(str, social.columns))}. Choose another engagement_per."
            )
        return per
    for name, cols in need.items():
        if complete(cols):
            return name
    raise KpiDataError(
        "social: no denominator for an engagement rate (reach, impressions, or followers with posts) on every "
        "row; export one of them (mapping_file names the export's columns)."
    )


def period_months(social: pd.DataFrame) -> float:
    """How many months the table's dates cover (30.4375-day months), the last row's own span included.

    The span runs from the first date to the last date plus the table's usual step between dates
    (a week for weekly rows), so 78 weekly rows cover 546 days, 17.94 months.

    Parameters
    ----------
    social : DataFrame
        Canonical ``social`` table (date).

    Returns
    -------
    float

    Examples
    --------
    >>> round(period_months(pd.DataFrame({"date": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20"])})), 4)
    0.6899
    """
    require_columns(social, ["date"], "social")
    dates = pd.Series(pd.unique(social["date"].dropna())).sort_values()
    if dates.empty:
        raise KpiDataError("social: no dated rows.")
    step = dates.diff().dropna().median() if len(dates) > 1 else pd.Timedelta(days=1)
    return float(((dates.iloc[-1] - dates.iloc[0]) + step).days / 30.4375)
