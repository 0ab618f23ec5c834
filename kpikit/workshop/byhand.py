"""By-hand lines a workshop notebook shows once and then reuses, as functions (teaching code, not KPIs).

A notebook holds no ``def``: when it needs the same few lines of pandas again (each customer's MRR at
the start and at the end of a month, for churn and for revenue retention), it shows them once in a
cell and calls the same lines from here afterwards. The KPIs themselves come from the kit's domain
functions (:func:`kpikit.subscriptions.mrr`, ...), which these lines are checked against in the tests.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["paying_at"]


def paying_at(subscriptions: pd.DataFrame, moment: str | pd.Timestamp) -> pd.Series:
    """Each paying customer's monthly recurring amount at a moment, the way workshop 3 computes it by hand.

    A subscription counts when start < moment <= end (or it has no end) and its amount is above zero;
    an annual amount counts as amount / 12, rounded to the penny. The sum of the result is the MRR at
    that moment (:func:`kpikit.subscriptions.mrr` at a month's end gives the same number).

    Parameters
    ----------
    subscriptions : DataFrame
        Canonical ``subscriptions`` table.
    moment : str or Timestamp
        The moment (a month's first day is the end of the month before).

    Returns
    -------
    Series
        Monthly amount per ``customer_id``, customers paying at the moment only.

    Examples
    --------
    >>> subs = pd.DataFrame(
    ...     {
    ...         "customer_id": ["a", "a", "b"],
    ...         "interval": ["month", "year", "month"],
    ...         "amount": [30.0, 120.0, 25.0],
    ...         "start": pd.to_datetime(["2025-01-05", "2025-01-10", "2025-01-20"]),
    ...         "end": pd.to_datetime([None, None, "2025-01-25"]),
    ...     }
    ... )
    >>> paying_at(subs, "2025-02-01").to_dict()
    {'a': 40.0}
    """
    moment = pd.Timestamp(moment)
    subs = subscriptions
    active = subs[(subs["start"] < moment) & (subs["end"].isna() | (subs["end"] >= moment)) & (subs["amount"] > 0)]
    monthly = active["amount"].where(active["interval"] == "month", (active["amount"] / 12).round(2))
    return monthly.groupby(active["customer_id"]).sum()
