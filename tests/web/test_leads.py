"""Tests of kpikit.web.leads: traffic-to-lead per landing page and view-to-contact per page."""

from __future__ import annotations

import numpy as np

from kpikit import web
from tests.web.cases import T, ev


def test_traffic_to_lead_and_view_to_contact(sessions):
    t2l = web.traffic_to_lead(sessions).set_index("landing_page")
    assert t2l.loc["/pricing", "leads"] == 1 and t2l.loc["/pricing", "traffic_to_lead"] == 1.0
    assert t2l["leads"].sum() == 1
    e = ev(
        [
            ("A", 1, T("10:00:00"), "page_view", "/contact", np.nan),
            ("A", 1, T("10:00:05"), "generate_lead", "/contact", np.nan),
            ("B", 1, T("10:00:00"), "page_view", "/contact", np.nan),
            ("B", 2, T("12:00:00"), "page_view", "/contact", np.nan),
            ("B", 2, T("12:00:30"), "page_view", "/contact", np.nan),
            ("B", 2, T("12:00:40"), "generate_lead", "/contact", np.nan),  # B's first lead: counted
            ("B", 3, T("14:00:00"), "generate_lead", "/contact", np.nan),  # B's second lead: not new
        ]
    )
    v = web.view_to_contact(e).set_index("page")
    # 3 submissions / 4 views on /contact
    assert v.loc["/contact", "view_to_contact"] == 0.75
    s = web.sessions_from_events(e)
    assert s["new_lead"].tolist() == [True, False, True, False]


def test_view_to_contact_with_a_store_logs_event_names():
    e = ev(
        [
            ("A", 1, T("10:00:00"), "view", "/contact", np.nan),
            ("A", 1, T("10:00:05"), "contact_form", "/contact", np.nan),
            ("B", 1, T("10:00:00"), "view", "/contact", np.nan),
            ("B", 1, T("10:01:00"), "page_view", "/contact", np.nan),  # not this log's page view
        ]
    )
    v = web.view_to_contact(e, contact_events="contact_form", page_view_event="view").set_index("page")
    # 1 submission / 2 views
    assert v.loc["/contact", ["views", "contacts", "view_to_contact"]].tolist() == [2, 1, 0.5]
