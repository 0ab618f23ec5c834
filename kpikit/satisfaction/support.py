"""Support KPIs from the ``tickets`` table: first contact resolution, first response time, experience."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.i18n import t as _text
from kpikit.schemas import require_columns, utc_naive
from kpikit.stats import Rate, rate, rate_frame

__all__ = ["fcr", "first_response_time", "support_profile"]


def _tickets(tickets: pd.DataFrame, need: Sequence[str]) -> pd.DataFrame:
    """Check that ``tickets`` has the columns ``need`` and that its ``*_at`` columns are datetimes."""
    require_columns(
        tickets,
        need,
        "tickets",
        fix="Map the help-desk export onto ticket_id, customer_id, "
        "created_at, first_response_at, solved_at, agent_replies, reopened_at.",
    )
    for c in need:
        if c.endswith("_at") and not pd.api.types.is_datetime64_any_dtype(tickets[c]):
            if tickets[c].isna().all():
                continue
            raise KpiDataError(
                f"tickets, column '{c}': expected datetimes, got {tickets[c].dtype}; read the "
                "table with kk.read_table(path, 'tickets')."
            )
    aware = [c for c in need if c.endswith("_at") and isinstance(tickets[c].dtype, pd.DatetimeTZDtype)]
    if aware:  # tz-aware times are converted to UTC, never refused
        tickets = tickets.assign(**{c: utc_naive(tickets[c], f"tickets, column '{c}'") for c in aware})
    return tickets


def _first_contact(t: pd.DataFrame, reopen_within: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The first-contact rule of :func:`fcr`, per ticket: (solved, replies, solved at first contact).

    A ticket is solved at first contact when it is solved with one agent reply and not reopened within
    ``reopen_within`` of being solved.
    """
    try:
        window = pd.Timedelta(reopen_within)
    except ValueError:
        raise KpiDataError(f"reopen_within must be a timedelta string such as '7D' (got {reopen_within!r}).") from None
    replies = pd.to_numeric(t["agent_replies"], errors="coerce")
    solved = t["solved_at"].notna()
    bad = solved & (replies.isna() | (replies < 0))
    if bad.any():
        raise KpiDataError(
            f"tickets, column 'agent_replies': {int(bad.sum())} solved tickets have no or a negative reply count "
            f"({describe_rows(list(t.index[bad]))}). Fix the export."
        )
    reopened = t["reopened_at"].notna() & (t["reopened_at"] <= t["solved_at"] + window)
    return solved, replies, solved & (replies == 1) & ~reopened


def fcr(
    tickets: pd.DataFrame, reopen_within: str = "7D", by: str | None = None, level: float = 0.95
) -> Rate | pd.DataFrame:
    """First contact resolution: solved tickets resolved with one agent reply and not reopened.

    FCR = solved tickets with agent_replies == 1 and no reopening within ``reopen_within`` of
    solved_at / solved tickets. Unsolved tickets are not in the base (they are not resolved yet).

    Parameters
    ----------
    tickets : DataFrame
        Canonical ``tickets`` table (solved_at, agent_replies, reopened_at).
    reopen_within : str
        Pandas timedelta: a reopening later than this after solving counts as a new contact.
    by : str, optional
        A column to break down by (returns a frame).
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    Rate, or DataFrame (by, solved, first_contact, fcr, ci_low, ci_high, small_sample) when ``by``.

    References
    ----------
    SQM Group, "First call resolution"; Zendesk, "First contact resolution".

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": [1, 2, 3, 4],
    ...     "solved_at": pd.to_datetime(["2025-01-02", "2025-01-02", "2025-01-03", None]),
    ...     "agent_replies": [1, 1, 3, 1],
    ...     "reopened_at": pd.to_datetime(["2025-01-04", None, None, None])})
    >>> r = fcr(t)
    >>> r.successes, r.trials
    (1, 3)
    """
    t = _tickets(tickets, ["solved_at", "agent_replies", "reopened_at"])
    solved, _, first = _first_contact(t, reopen_within)
    if by is None:
        return rate(int(first.sum()), int(solved.sum()), level=level, warn_small=False)
    g = (
        pd.DataFrame({by: t[by], "solved": solved.astype(int), "first_contact": first.astype(int)})
        .groupby(by, sort=True, observed=True)
        .sum()
        .reset_index()
    )
    return rate_frame(g, "first_contact", "solved", "fcr", level=level)


def first_response_time(
    tickets: pd.DataFrame,
    percentiles: Sequence[float] = (0.75, 0.9),
    unit: Literal["h", "min", "D"] = "h",
    by: str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """First response time: creation to first agent reply, median and percentiles.

    Times are skewed (a few tickets wait days), so the median leads and the mean is shown beside it.
    Tickets without a first response are counted in ``unanswered``, not dropped silently.

    Parameters
    ----------
    tickets : DataFrame
        Canonical ``tickets`` table (created_at, first_response_at).
    percentiles : sequence of float
        Quantiles to report besides the median, as fractions (0.9 gives column ``p90``).
    unit : {"h", "min", "D"}
        Unit of the times.
    by : str, optional
        A column to break down by (one row per group); a KpiDataError says so when the tickets lack it.
    lang : str
        The language of that message (a report's note).

    Returns
    -------
    DataFrame
        One row (or one per group): [by], tickets, answered, unanswered, median, one column per
        percentile (p75, p90 by default), mean (in ``unit``).

    References
    ----------
    Zendesk, "First reply time".

    Examples
    --------
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2025-01-01 08:00"] * 4),
    ...     "first_response_at": pd.to_datetime(["2025-01-01 09:00", "2025-01-01 10:00",
    ...                                          "2025-01-01 14:00", None])})
    >>> first_response_time(t)[["answered", "unanswered", "median"]].values.tolist()
    [[3.0, 1.0, 2.0]]
    """
    t = _tickets(tickets, ["created_at", "first_response_at"])
    if by is not None and by not in t.columns:
        raise KpiDataError(_text("satisfaction.note.no_breakdown_column", lang, by=by))
    delta = (t["first_response_at"] - t["created_at"]) / pd.Timedelta(1, unit=unit)
    neg = delta < 0
    if neg.any():
        raise KpiDataError(
            f"tickets, column 'first_response_at': {int(neg.sum())} tickets are answered before they were "
            f"created ({describe_rows(list(t.index[neg]))}). Check time zones of the two columns."
        )
    frame = pd.DataFrame({"g": t[by] if by else "all", "x": delta})
    grp = frame.groupby("g", sort=True, observed=True)["x"]
    out = pd.DataFrame({"tickets": grp.size(), "answered": grp.count()})
    out["unanswered"] = out["tickets"] - out["answered"]
    out["median"] = grp.median()
    for q in percentiles:
        out[f"p{int(round(q * 100))}"] = grp.quantile(q)
    out["mean"] = grp.mean()
    out = out.reset_index().rename(columns={"g": by}) if by else out.reset_index(drop=True)
    out.attrs["unit"] = unit
    return out


def support_profile(
    tickets: pd.DataFrame,
    reopen_within: str = "7D",
    response_bands: tuple[float, float] = (4.0, 24.0),
) -> pd.DataFrame:
    """One row per customer summarising their support experience.

    Columns: customer_id, tickets, solved, first_contact (solved at first contact, as :func:`fcr`),
    fcr_share, reopened (any ticket reopened), max_replies, median_response_h, support_experience
    ("smooth": every solved ticket solved at first contact; "reopened": a ticket was reopened;
    "multi-reply" otherwise), response_band (median first response under ``response_bands[0]``
    hours, up to ``response_bands[1]``, or slower; missing when no ticket was answered).

    Parameters
    ----------
    tickets : DataFrame
        Canonical ``tickets`` table (all its columns but ticket_id).
    reopen_within : str
        Pandas timedelta of the first-contact rule (see :func:`fcr`).
    response_bands : (float, float)
        Hours separating the fast, middle and slow response bands.

    Returns
    -------
    DataFrame
        One row per customer with the columns above.

    Examples
    --------
    >>> ts = pd.Timestamp("2025-01-01 08:00")
    >>> t = pd.DataFrame({"customer_id": ["a", "a"], "created_at": [ts, ts],
    ...     "first_response_at": [ts + pd.Timedelta(hours=1), ts + pd.Timedelta(hours=3)],
    ...     "solved_at": [ts + pd.Timedelta(days=1)] * 2, "agent_replies": [1, 2], "reopened_at": pd.NaT})
    >>> support_profile(t)[["tickets", "first_contact", "support_experience", "response_band"]].values.tolist()
    [[2, 1, 'multi-reply', '< 4 h']]
    """
    t = _tickets(
        tickets, ["customer_id", "created_at", "first_response_at", "solved_at", "agent_replies", "reopened_at"]
    )
    t = t.dropna(subset=["customer_id"])
    solved, replies, first = _first_contact(t, reopen_within)
    f = pd.DataFrame(
        {
            "customer_id": t["customer_id"],
            "tickets": 1,
            "solved": solved.astype(int),
            "first_contact": first.astype(int),
            "reopened": t["reopened_at"].notna(),
            "max_replies": replies,
            "response_h": (t["first_response_at"] - t["created_at"]) / pd.Timedelta(hours=1),
        }
    )
    g = f.groupby("customer_id").agg(
        tickets=("tickets", "sum"),
        solved=("solved", "sum"),
        first_contact=("first_contact", "sum"),
        reopened=("reopened", "any"),
        max_replies=("max_replies", "max"),
        median_response_h=("response_h", "median"),
    )
    g["fcr_share"] = np.where(g["solved"] > 0, g["first_contact"] / g["solved"].where(g["solved"] > 0), np.nan)
    g["support_experience"] = np.where(
        g["reopened"], "reopened", np.where(g["first_contact"] == g["solved"], "smooth", "multi-reply")
    )
    lo, hi = response_bands
    h = g["median_response_h"]
    band = np.where(h < lo, f"< {lo:g} h", np.where(h <= hi, f"{lo:g}-{hi:g} h", f"> {hi:g} h"))
    g["response_band"] = pd.Series(band, index=g.index).where(h.notna())
    return g.reset_index()
