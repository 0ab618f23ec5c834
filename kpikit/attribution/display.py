"""Attribution results in the shape a report draws: each model's credit as shares, for a heat map."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import term
from kpikit.schemas import require_columns

__all__ = ["share_matrix"]


def share_matrix(comparison: pd.DataFrame, models: Sequence[str] | None = None, lang: str = "en") -> pd.DataFrame:
    """Channel x model matrix of each model's share of the credited conversions (each column sums to 1).

    Every model distributes the same total, so shares compare the models directly: a channel whose
    share is high under first touch and low under last touch opens journeys.

    Parameters
    ----------
    comparison : DataFrame
        :func:`kpikit.attribution.compare`: channel, one column per model (, spread).
    models : sequence of str, optional
        The model columns, in order; default every column but channel and spread.
    lang : str
        The language of the model labels (the kit's model names are translated; channels are the client's).

    Returns
    -------
    DataFrame
        One row per channel (sorted by the mean share, largest first), one column per model label.

    Raises
    ------
    KpiDataError
        When a model column is missing or no conversion was credited.

    Examples
    --------
    >>> c = pd.DataFrame({"channel": ["Email", "Search"], "first_touch": [1.0, 3.0], "last_touch": [3.0, 1.0]})
    >>> share_matrix(c).round(2).to_dict("list")
    {'first touch': [0.25, 0.75], 'last touch': [0.75, 0.25]}
    """
    models = list(models or [c for c in comparison.columns if c not in ("channel", "spread")])
    require_columns(comparison, ["channel", *models], "attribution comparison")
    credit = comparison.set_index("channel")[models].astype(float)
    totals = credit.sum()
    if (totals <= 0).any():
        raise KpiDataError("No conversion was credited in the period: there is no attribution to compare.")
    shares = credit / totals
    shares = shares.loc[shares.mean(axis=1).sort_values(ascending=False, kind="stable").index]
    shares.index = [str(c) for c in shares.index]
    shares.columns = [term(m, lang) for m in models]
    return shares
