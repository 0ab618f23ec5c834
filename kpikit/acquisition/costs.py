"""Acquisition costs: spend of a period, new customers, CAC (blended, paid, per channel), CAC payback.

kpikit's one home of CAC: notebook 02 (acquisition economics) and notebook 04 (LTV:CAC) both take their
CAC from here, and :func:`kpikit.acquisition.definitions_in_use` writes the definitions they use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from kpikit.errors import KpiDataError, describe_rows
from kpikit.i18n import Finding
from kpikit.schemas import column_list, require_columns

__all__ = [
    "period_spend",
    "new_customers",
    "revenue_per_customer_month",
    "cac",
    "channel_cac",
    "paid_cac",
    "cac_payback_months",
]


ALL_CATEGORIES = ("digital", "outbound", "labour", "tools")
_CHANNEL_FIX = "Pass the table of kpikit.acquisition.channel_cac."

#: Why CAC per channel cannot be computed: the note of a report whose LTV:CAC section is skipped.
_NO_SPEND = (
    "CAC per channel needs the spend table (period, channel, category, cost) or a known CAC per new customer "
    "(cac), and there is neither: LTV:CAC and payback are skipped."
)
_NO_CHANNEL = (
    "The transactions carry no '{column}' column (each customer's acquisition channel), so spend cannot be "
    "divided among the customers each channel brought: LTV:CAC and payback are skipped. Map the export's channel "
    "column in the mapping file, or give a known CAC per new customer with cac."
)
_NO_PAID_SPEND = (
    "The spend table has no spend in the categories {categories} between {start:date} and {last:date}: CAC per "
    "channel cannot be computed, so LTV:CAC and payback are skipped. Name the paid-media categories of your spend "
    "table (spend_categories), or give cac."
)
_OTHER_NAMES = (
    "None of the spend table's channels ({spend_channels}) is a channel of the transactions ({channels}): CAC per "
    "channel cannot be computed. Use the same channel names in both tables (map them in the mapping file)."
)


def _money(x: object, name: str) -> float:
    """``x`` as a float, refused when it is not a number or is negative (NaN included)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise KpiDataError(f"{name} must be a number (got {x!r}).") from None
    if math.isnan(v) or v < 0:
        raise KpiDataError(f"{name} must be a non-negative amount (got {x!r}).")
    return v


def _ratio(num: ArrayLike, den: ArrayLike) -> np.ndarray:
    """The ratio num / den where den > 0, NaN elsewhere (nothing to divide by means unknown, not 0)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _gross_margin(x: float, allow_zero: bool = True) -> float:
    """A gross margin as a fraction in [0, 1] (or (0, 1] when ``allow_zero`` is False)."""
    if not (0 <= x <= 1 if allow_zero else 0 < x <= 1):
        interval = "between 0 and 1" if allow_zero else "in (0, 1]"
        raise KpiDataError(f"gross_margin is a fraction {interval} (got {x!r}).")
    return x


def _bounds(start: str | pd.Timestamp, end: str | pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period [start, end) as Timestamps, refused unless start < end."""
    try:
        s, e = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise KpiDataError(f"start and end must be dates (got {start!r}, {end!r}).") from None
    if not s < e:
        raise KpiDataError(f"The period must have start < end (got {s.date()} to {e.date()}); end is exclusive.")
    return s, e


def period_spend(
    spend: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    by: str | Sequence[str] | None = "category",
    categories: Sequence[str] | None = None,
) -> pd.DataFrame | float:
    """Spend in the period [start, end) (rows whose ``period`` falls inside), optionally grouped.

    Parameters
    ----------
    spend : DataFrame
        Canonical ``spend`` table: period (month start), channel, category, cost.
    start, end : str or Timestamp
        Period; ``end`` is exclusive. Month rows are counted whole: use month boundaries.
    by : str or list of str or None
        Grouping ("category", "channel", ["channel", "category"]); None returns the total.
    categories : sequence of str, optional
        Keep only these categories.

    Returns
    -------
    DataFrame or float
        The ``by`` columns and cost, one row per group; the total cost when ``by`` is None.

    Examples
    --------
    >>> sp = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "category": ["digital", "labour"],
    ...     "cost": [300.0, 200.0]})
    >>> period_spend(sp, "2025-01-01", "2025-03-01", by=None)
    500.0
    """
    need = ["period", "cost"] + column_list(by) + (["category"] if categories else [])
    require_columns(spend, need, "spend")
    s, e = _bounds(start, end)
    per = pd.to_datetime(spend["period"])
    neg = np.flatnonzero((spend["cost"] < 0).to_numpy())
    if neg.size:
        raise KpiDataError(
            f"spend, column 'cost': {neg.size} negative costs ({describe_rows((neg + 1).tolist())}). "
            "Refunds and credits belong in a separate adjustment, not negative spend."
        )
    d = spend[(per >= s) & (per < e)]
    if categories:
        d = d[d["category"].isin(list(categories))]
    if by is None:
        return float(d["cost"].sum())
    return d.groupby(column_list(by), sort=True)["cost"].sum().reset_index()


def new_customers(
    table: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    by: str | None = None,
    channels: Sequence[str] | None = None,
    channel_col: str = "channel",
) -> int | pd.DataFrame:
    """Customers whose first appearance (first purchase or subscription start) falls in [start, end).

    A customer seen before ``start`` is an existing customer, not a new one.

    Parameters
    ----------
    table : DataFrame
        Transactions (timestamp) or subscriptions (``time_col="start"``), one row per purchase.
    start, end : str or Timestamp
        The period; ``end`` exclusive.
    customer_col, time_col : str
        Columns with the customer and the time of each row.
    by : str, optional
        Column of the first row (e.g. the acquisition ``channel``) to count per value.
    channels : sequence of str, optional
        Count only customers whose first row's ``channel_col`` is one of these (e.g. the paid
        channels, for paid CAC).
    channel_col : str
        Column holding the channel, for ``channels``.

    Returns
    -------
    int or DataFrame
        The count, or one row per ``by`` value with ``new_customers``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-12-20", "2025-01-05", "2025-01-10"])})
    >>> new_customers(tx, "2025-01-01", "2025-02-01")
    1
    """
    need = [customer_col, time_col] + ([by] if by else []) + ([channel_col] if channels is not None else [])
    require_columns(table, need, "new_customers")
    s, e = _bounds(start, end)
    first = table.sort_values(time_col, kind="stable").drop_duplicates(customer_col, keep="first")
    first = first[(first[time_col] >= s) & (first[time_col] < e)]
    if channels is not None:
        first = first[first[channel_col].isin(list(channels))]
    if by is None:
        return int(len(first))
    return first.groupby(by, sort=True).size().rename("new_customers").reset_index()


def revenue_per_customer_month(
    transactions: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
) -> float:
    """Average monthly revenue per active customer in [start, end).

    revenue_per_customer_month = revenue / active customers / months, where active customers bought
    at least once in the period and months = days / (365.25 / 12).

    The transaction-business stand-in for ARPA in CAC payback (subscription businesses use MRR /
    paying customers instead).

    Parameters
    ----------
    transactions : DataFrame
        Canonical ``transactions`` table: customer_id, timestamp, amount.
    start, end : str or Timestamp
        The period; ``end`` exclusive.
    customer_col, time_col, amount_col : str
        Column names.

    Returns
    -------
    float
        Revenue per active customer per month (average month of 365.25 / 12 days).

    References
    ----------
    David Skok, "SaaS Metrics 2.0" (ARPA in the CAC payback).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [30.0, 60.0, 30.0],
    ...     "timestamp": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-02-10"])})
    >>> round(revenue_per_customer_month(tx, "2025-01-01", "2025-03-01"), 2)
    30.95
    """
    require_columns(transactions, (customer_col, time_col, amount_col), "transactions")
    s, e = _bounds(start, end)
    d = transactions[(transactions[time_col] >= s) & (transactions[time_col] < e)]
    n = d[customer_col].nunique()
    if n == 0:
        raise KpiDataError(f"transactions: no purchases between {s.date()} and {e.date()}; choose a period with data.")
    months = (e - s).days / (365.25 / 12)
    return float(d[amount_col].sum()) / n / months


def cac(
    spend: pd.DataFrame,
    new_customers: int,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    paid_customers: int | pd.DataFrame | None = None,
    paid_categories: Sequence[str] = ("digital",),
    blended_categories: Sequence[str] = ALL_CATEGORIES,
    split: Sequence[str] = ("digital", "outbound"),
) -> pd.DataFrame:
    """Customer acquisition cost for the period [start, end): blended, paid, and split by category.

    blended = spend in ``blended_categories`` / new customers;
    paid = spend in ``paid_categories`` / paid-attributed customers;
    <category> = that category's spend / new customers (the categories of ``blended_categories`` add
    up to the blended CAC).

    The kit's paid CAC divides the paid-media spend *of the paid channels* by the new customers *those
    channels* brought: pass the table of :func:`channel_cac` as ``paid_customers`` and both sides come
    from the same channels and period. A number of paid customers is taken as the customers of every
    channel with spend in ``paid_categories`` (the numerator is all of that spend).

    Parameters
    ----------
    spend : DataFrame
        Canonical ``spend`` table.
    new_customers : int
        New customers acquired in the period (see :func:`new_customers`).
    start, end : str or Timestamp
        The period; ``end`` exclusive.
    paid_customers : int or DataFrame, optional
        The table of :func:`channel_cac` (paid = its spend / its new customers, the same channels on
        both sides), or the customers attributed to paid channels (e.g. credited conversions of paid
        channels from ``kk.attribution``); without it the paid row is left out.
    paid_categories : sequence of str
        Spend categories that count as paid media (default digital).
    blended_categories : sequence of str
        Spend counted in blended CAC (default all: digital, outbound, labour, tools). HubSpot and
        Skok include sales and marketing salaries; drop "labour" to get a media-only figure.
    split : sequence of str
        Categories to report separately (digital vs outbound).

    Returns
    -------
    DataFrame
        variant, spend, customers, cac; rows "blended", "paid" (when paid_customers is given), and one
        per ``split`` category. cac is NaN when there are no customers. ``attrs``: start, end,
        paid_categories, blended_categories and paid_channels (the channels of a :func:`channel_cac`
        table, else None), which :func:`definitions_in_use` writes out.

    References
    ----------
    David Skok, "SaaS Metrics 2.0"; HubSpot, "Customer acquisition cost".

    Examples
    --------
    >>> sp = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-01-01"]), "channel": ["Paid Search", "Sales"],
    ...     "category": ["digital", "outbound"], "cost": [3000.0, 1000.0]})
    >>> cac(sp, 40, "2025-01-01", "2025-02-01").set_index("variant")["cac"].to_dict()
    {'blended': 100.0, 'digital': 75.0, 'outbound': 25.0}
    """
    n = _count(new_customers, "new_customers")
    by_cat = period_spend(spend, start, end, by="category").set_index("category")["cost"]
    rows = [("blended", float(by_cat.reindex(list(blended_categories)).fillna(0).sum()), n)]
    channels = None
    if isinstance(paid_customers, pd.DataFrame):
        require_columns(paid_customers, ["spend", "new_customers"], "paid_customers", fix=_CHANNEL_FIX)
        channels = [str(c) for c in paid_customers.iloc[:, 0]]
        paid_spend = float(paid_customers["spend"].sum())
        rows.append(("paid", paid_spend, _count(paid_customers["new_customers"].sum(), "paid_customers")))
    elif paid_customers is not None:
        paid_spend = float(by_cat.reindex(list(paid_categories)).fillna(0).sum())
        rows.append(("paid", paid_spend, _count(paid_customers, "paid_customers", whole=False)))
    rows += [(c, float(by_cat.get(c, 0.0)), n) for c in split]
    f = pd.DataFrame(rows, columns=["variant", "spend", "customers"])
    f["cac"] = _ratio(f["spend"], f["customers"])
    s, e = _bounds(start, end)
    f.attrs = {
        "start": s,
        "end": e,
        "paid_categories": list(paid_categories),
        "blended_categories": list(blended_categories),
        "paid_channels": channels,
    }
    return f


#: :func:`cac` under another name, for functions whose ``cac`` argument hides it.
_cac_table = cac


def _whole_months(table: pd.DataFrame, time_col: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The whole calendar months a table's times span: [first day of the first month, first day after the last)."""
    times = table[time_col].dropna()
    if times.empty:
        raise KpiDataError(f"the customers table has no {time_col!r} values; pass start and end.")
    first = times.min().to_period("M").to_timestamp()
    return first, (times.max().to_period("M") + 1).to_timestamp()


def _given_cac(
    customers: pd.DataFrame, cac: float, start, end, key: str, channel_col: str | None, customer_col: str, time_col: str
) -> pd.DataFrame:
    """Every channel of the customers (or "all") at one known CAC."""
    value = _money(cac, "cac")
    if value <= 0:
        raise KpiDataError(f"cac must be a positive amount per new customer (got {cac!r}).")
    if channel_col is not None and channel_col in customers.columns:
        table = new_customers(customers, start, end, customer_col, time_col, by=channel_col).rename(
            columns={channel_col: key}
        )
    else:
        table = pd.DataFrame(
            {key: ["all"], "new_customers": [new_customers(customers, start, end, customer_col, time_col)]}
        )
    table.insert(1, "spend", np.nan)
    table["cac"] = value
    return table


def channel_cac(
    spend: pd.DataFrame | None,
    customers: pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    categories: Sequence[str] = ("digital",),
    channels: Sequence[str] | None = None,
    cac: float | None = None,
    channel_col: str | None = "channel",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    blended_categories: Sequence[str] = ALL_CATEGORIES,
    lang: str = "en",
) -> pd.DataFrame:
    """CAC per acquisition channel: each paid channel's spend / the new customers it brought.

    cac(channel) = spend of the channel in ``categories`` over [start, end) / customers whose first
    purchase in [start, end) came through the channel (the ``channel_col`` of their first row). The paid
    channels are those with spend in ``categories`` in the period (or ``channels``); organic channels
    have no media spend and no CAC here (their cost sits in labour and tools: blended CAC counts it).
    Paid CAC = the table's spend / its new customers, the same channels on both sides; blended CAC =
    all spend in ``blended_categories`` / all new customers (both by :func:`cac`, kept in ``attrs``).

    With ``cac`` given, no spend is read: every channel of the customers (or one row "all" when they
    carry no channel) gets that CAC.

    Parameters
    ----------
    spend : DataFrame or None
        Canonical ``spend`` table (period, channel, category, cost); None only with ``cac``.
    customers : DataFrame
        Transactions (or subscriptions with ``time_col="start"``): customer, time and channel columns.
    start, end : str or Timestamp, optional
        The period, ``end`` exclusive; default the whole calendar months the customers' times span
        (spend rows are months: a period cut inside a month would drop that month's spend).
    categories : sequence of str
        Spend categories that count as paid media (default digital).
    channels : sequence of str, optional
        The paid channels (default: every channel with spend in ``categories`` in the period).
    cac : float, optional
        A known CAC per new customer, used for every channel instead of the spend.
    channel_col : str or None
        Column of ``customers`` with the acquisition channel; None (or absent) when they carry none.
    customer_col, time_col : str
        Customer and time columns of ``customers``.
    blended_categories : sequence of str
        Spend counted in blended CAC (default all categories).
    lang : str
        Language of the errors' messages: they are a report's notes when its LTV:CAC section is skipped.

    Returns
    -------
    DataFrame
        ``channel_col`` (or "channel"), spend, new_customers, cac (NaN for a channel with spend and no
        new customer), one row per paid channel. ``attrs``: start, end, categories, given (the given
        CAC, or None), paid and blended (dicts of spend, customers, cac; blended None with a given CAC)
        and channels.

    Raises
    ------
    KpiDataError
        Without spend and without ``cac``; without a channel column (CAC per channel needs each
        customer's channel); without spend in ``categories`` in the period; when no spend channel is
        a channel of the customers (the names differ).

    References
    ----------
    David Skok, "SaaS Metrics 2.0" (CAC by channel); HubSpot, "How to calculate customer acquisition cost".

    Examples
    --------
    >>> sp = pd.DataFrame({"period": pd.to_datetime(["2025-01-01"] * 3), "channel": ["Ads", "Ads", "Sales team"],
    ...     "category": ["digital", "labour", "outbound"], "cost": [300.0, 50.0, 100.0]})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "channel": ["Ads", "Ads", "Ads", "Organic"],
    ...     "timestamp": pd.to_datetime(["2025-01-03", "2025-01-09", "2025-01-20", "2025-01-30"])})
    >>> channel_cac(sp, tx)
      channel  spend  new_customers    cac
    0     Ads  300.0              3  100.0
    """
    require_columns(customers, [customer_col, time_col], "customers")
    s, e = _bounds(start, end) if start is not None and end is not None else _whole_months(customers, time_col)
    key = channel_col or "channel"
    has_channel = channel_col is not None and channel_col in customers.columns
    if cac is not None:
        table = _given_cac(customers, cac, s, e, key, channel_col, customer_col, time_col)
        table.attrs = {
            "start": s,
            "end": e,
            "categories": list(categories),
            "given": float(table["cac"].iloc[0]),
            "blended": None,
            "channels": [str(c) for c in table[key]],
        }
        table.attrs["paid"] = {
            "spend": np.nan,
            "customers": int(table["new_customers"].sum()),
            "cac": table.attrs["given"],
        }
        return table
    if spend is None:
        raise KpiDataError(Finding(_NO_SPEND).text(lang))
    if not has_channel:
        raise KpiDataError(Finding(_NO_CHANNEL, {"column": key}).text(lang))
    paid = period_spend(spend, s, e, by="channel", categories=categories).set_index("channel")["cost"]
    paid = paid[paid > 0] if channels is None else paid.reindex(list(channels)).fillna(0.0)
    if not (paid > 0).any():
        cats = [Finding("{category:term}", {"category": c}) for c in categories]
        fields = {"categories": cats, "start": s, "last": e - pd.Timedelta(days=1)}
        raise KpiDataError(Finding(_NO_PAID_SPEND, fields).text(lang))
    new = new_customers(customers, s, e, customer_col, time_col, by=channel_col).set_index(channel_col)["new_customers"]
    if not paid.index.isin(new.index).any():
        names = {"spend_channels": ", ".join(map(str, paid.index)), "channels": ", ".join(map(str, new.index))}
        raise KpiDataError(Finding(_OTHER_NAMES, names).text(lang))
    n = new.reindex(paid.index).fillna(0).astype(int)
    table = pd.DataFrame({key: paid.index.astype(str), "spend": paid.to_numpy(), "new_customers": n.to_numpy()})
    table["cac"] = _ratio(table["spend"], table["new_customers"])
    total = _cac_table(
        spend,
        new_customers(customers, s, e, customer_col, time_col),
        s,
        e,
        paid_customers=table,
        paid_categories=categories,
        blended_categories=blended_categories,
        split=(),
    ).set_index("variant")
    table.attrs = {"start": s, "end": e, "categories": list(categories), "given": None, "channels": list(table[key])}
    for variant in ("paid", "blended"):
        row = total.loc[variant]
        table.attrs[variant] = {
            "spend": float(row["spend"]),
            "customers": int(row["customers"]),
            "cac": float(row["cac"]),
        }
    return table


def paid_cac(costs: pd.DataFrame) -> float:
    """The paid CAC of a :func:`channel_cac` table (its spend / its new customers), or the CAC it was given.

    Parameters
    ----------
    costs : DataFrame
        The table of :func:`channel_cac`.

    Returns
    -------
    float

    Examples
    --------
    >>> sp = pd.DataFrame({"period": pd.to_datetime(["2025-01-01"] * 2), "channel": ["Ads", "Search"],
    ...     "category": ["digital", "digital"], "cost": [300.0, 100.0]})
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "channel": ["Ads", "Ads", "Search", "Organic"],
    ...     "timestamp": pd.to_datetime(["2025-01-03", "2025-01-09", "2025-01-20", "2025-01-30"])})
    >>> paid_cac(channel_cac(sp, tx))  # (300 + 100) / (2 + 1)
    133.33333333333334
    """
    paid = costs.attrs.get("paid")
    if not paid:
        raise KpiDataError("paid_cac: pass the table of kpikit.acquisition.channel_cac (its attrs hold the paid CAC).")
    return float(paid["cac"])


def _count(x: object, name: str, whole: bool = True) -> float:
    """A count checked like money (a non-negative number), and whole unless ``whole`` is False."""
    v = _money(x, name)
    if whole and not float(v).is_integer():
        raise KpiDataError(f"{name} must be a whole number of customers (got {x!r}).")
    return int(v) if whole else v


def cac_payback_months(cac: float, arpa_monthly: float, gross_margin: float = 1.0) -> float:
    """Months to earn back CAC: CAC / (monthly ARPA x gross margin); inf when nothing is earned.

    Skok's rule of thumb: under 12 months.

    Parameters
    ----------
    cac : float
        Customer acquisition cost (see :func:`cac`).
    arpa_monthly : float
        Monthly revenue per account (see :func:`revenue_per_customer_month`).
    gross_margin : float
        Gross margin as a fraction in (0, 1] (default 1: revenue payback).

    Returns
    -------
    float
        Months; inf when the margin per month is 0.

    References
    ----------
    David Skok, "SaaS Metrics 2.0" (months to recover CAC).

    Examples
    --------
    >>> cac_payback_months(300.0, 50.0, gross_margin=0.6)
    10.0
    """
    c, a = _money(cac, "cac"), _money(arpa_monthly, "arpa_monthly")
    m = a * _gross_margin(gross_margin, allow_zero=False)
    return c / m if m > 0 else float("inf")
