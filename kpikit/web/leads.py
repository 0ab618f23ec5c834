"""Lead rates of web traffic: traffic-to-lead per segment and view-to-contact per page.

Both rest on counts and come with Wilson intervals. A lead counts once, in the session of the user's
first lead event (``new_lead`` of :func:`~kpikit.web.sessions_from_events`); a contact counts each
submission, so a page can have more contacts than views (marked, never clipped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpikit.engine.tables import resolve
from kpikit.schemas import column_list, require_columns
from kpikit.stats import rate_frame
from kpikit.web.bounce import _require
from kpikit.web.sessions import _label

__all__ = ["traffic_to_lead", "view_to_contact"]


def traffic_to_lead(
    sessions: pd.DataFrame, by: str | Sequence[str] = "landing_page", level: float = 0.95
) -> pd.DataFrame:
    """Traffic-to-lead ratio: new leads / sessions per segment (landing page, source, channel).

    A lead is counted once, at the user's first lead event (HubSpot's convention), in the session
    where it happened: the ``new_lead`` column of :func:`~kpikit.web.sessions_from_events`.

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        Session rows with ``new_lead`` (from :func:`~kpikit.web.sessions_from_events`); lazy
        sessions are counted in their backend.
    by : str or sequence of str
        Segment columns; an empty list gives one site-wide row.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        by columns, sessions, leads, traffic_to_lead, ci_low, ci_high, small_sample; sorted by leads
        then sessions, descending.

    References
    ----------
    HubSpot, "Traffic-to-lead conversion rate".

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/contact", "/contact", "/"], "new_lead": [True, False, False]})
    >>> traffic_to_lead(s)[["landing_page", "leads", "traffic_to_lead"]].values.tolist()
    [['/contact', 1, 0.5], ['/', 0, 0.0]]
    """
    by_cols = column_list(by)
    kind, sessions = resolve(sessions, "auto", "sessions", "sessions")
    _require(
        sessions,
        [*by_cols, "new_lead"],
        "sessions",
        fix="Build sessions with kk.web.sessions_from_events(events), which marks each user's first lead.",
    )
    if kind == "ibis":
        from kpikit.web.lazy_rates import lead_counts

        out = lead_counts(sessions, by_cols)
    else:
        work = pd.DataFrame(
            {"sessions": 1, "leads": sessions["new_lead"].to_numpy(dtype=bool).astype(np.int64)}, index=sessions.index
        )
        for c in by_cols:
            work[c] = sessions[c]
        out = (
            work.groupby(by_cols, sort=True, dropna=False, observed=True).sum().reset_index()
            if by_cols
            else work.sum().to_frame().T
        )
    rate_frame(out, "leads", "sessions", "traffic_to_lead", level=level)
    return out.sort_values(["leads", "sessions"], ascending=False, kind="stable").reset_index(drop=True)


def view_to_contact(
    events: pd.DataFrame,
    contact_events: Sequence[str] = ("generate_lead",),
    page: str = "page",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    level: float = 0.95,
    page_view_event: str | Sequence[str] = "page_view",
) -> pd.DataFrame:
    """View-to-contact rate per page: contact-form submissions on the page / page views of the page.

    Counts events as the catalogue defines it. When a page has more submissions than views (repeat
    submissions), the rate exceeds 1 and has no interval: such rows are marked ``over_one``, never
    clipped. ``start`` and ``end`` (days, inclusive) restrict the events to a period.

    Parameters
    ----------
    events : DataFrame, Ibis table or path
        Canonical ``events`` table: event, the page column, and timestamp when a period is given;
        lazy events are counted in their backend.
    contact_events : sequence of str
        Event names of a contact-form submission.
    page : str
        The page column.
    start, end : str or Timestamp, optional
        First and last day of the period (inclusive); None: no bound.
    level : float
        Confidence level of the intervals.
    page_view_event : str or sequence of str
        The page-view event name(s) (GA4 "page_view"; a store log's "view").

    Returns
    -------
    DataFrame
        page, views, contacts, view_to_contact, ci_low, ci_high, small_sample, over_one; pages with at
        least one view, sorted by contacts, then views, descending.

    References
    ----------
    docs/KPI_CATALOGUE.md, "view-to-contact" (pages with the highest bounce and lowest view-to-contact first).

    Examples
    --------
    >>> e = pd.DataFrame({"event": ["page_view", "page_view", "generate_lead"], "page": ["/contact"] * 3})
    >>> float(view_to_contact(e)["view_to_contact"].iloc[0])
    0.5
    """
    views = [page_view_event] if isinstance(page_view_event, str) else list(page_view_event)
    contacts = [contact_events] if isinstance(contact_events, str) else list(contact_events)
    kind, events = resolve(events, "auto", "events", "events")
    if kind == "ibis":
        from kpikit.web.lazy_rates import page_counts

        out = page_counts(events, page, views, contacts, start, end)
    else:
        out = _page_counts(events, page, views, contacts, start, end)
    out = out.loc[out["views"] > 0].reset_index(drop=True)
    over = out["contacts"] > out["views"]
    ok = out.loc[~over].copy()
    rate_frame(ok, "contacts", "views", "view_to_contact", level=level)
    out = out.join(ok[["view_to_contact", "ci_low", "ci_high", "small_sample"]])
    out.loc[over, "view_to_contact"] = out.loc[over, "contacts"] / out.loc[over, "views"]
    out["small_sample"] = out["small_sample"].fillna(True).astype(bool)
    out["over_one"] = over.to_numpy()
    out["_label"] = out[page].astype(str)
    out = out.sort_values(["contacts", "views", "_label"], ascending=[False, False, True], kind="stable")
    return out.drop(columns="_label").reset_index(drop=True)


def _page_counts(events: pd.DataFrame, page: str, views: list, contacts: list, start, end) -> pd.DataFrame:
    """Page views and contact submissions per page of an events DataFrame, in the period (days inclusive)."""
    require_columns(events, ["event", page], _label(events, "events"))
    ev = events
    if start is not None or end is not None:
        require_columns(events, ["timestamp"], _label(events, "events"))
        day = events["timestamp"].dt.normalize()
        keep = np.ones(len(events), dtype=bool)
        if start is not None:
            keep &= (day >= pd.Timestamp(start).normalize()).to_numpy()
        if end is not None:
            keep &= (day <= pd.Timestamp(end).normalize()).to_numpy()
        ev = events.loc[keep]
    ev = ev[["event", page]]
    is_view = ev["event"].isin(views).to_numpy(dtype=bool)
    is_contact = ev["event"].isin(contacts).to_numpy(dtype=bool)
    work = pd.DataFrame({page: ev[page], "views": is_view.astype(np.int64), "contacts": is_contact.astype(np.int64)})
    return work.groupby(page, sort=True, dropna=False, observed=True).sum().reset_index()
