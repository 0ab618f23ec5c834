"""kpikit.funnel.steps: how funnel steps are written and named."""

from __future__ import annotations

import pytest

from kpikit import funnel as F
from kpikit.errors import KpiDataError
from tests.funnel.logs import ORDER_LOG


def test_step_label():
    assert F.step_label("add_to_cart") == "add_to_cart"
    assert F.step_label(("page_view", {"page": "/pricing"})) == "page_view[page=/pricing]"
    # filters sorted by property; a list value means "any of"
    step = ("page_view", {"page": ["/pricing", "/plans"], "device": "mobile"})
    assert F.step_label(step) == "page_view[device=mobile, page=/pricing|/plans]"
    # no filters: the event name alone
    assert F.step_label(("purchase", {})) == "purchase"


def test_bad_steps():
    with pytest.raises(KpiDataError, match="Funnel step 1 is 3"):
        F.step_label(3)
    with pytest.raises(KpiDataError, match="steps must be a list of steps"):
        F.ordered_funnel(ORDER_LOG, "view")
    with pytest.raises(KpiDataError, match="exclude entries are \\(event, from_step, to_step\\) triples"):
        F.ordered_funnel(ORDER_LOG, ["view", "cart"], exclude=["remove"])
    with pytest.raises(KpiDataError, match="filters on column 'page'"):
        F.ordered_funnel(ORDER_LOG, ["view", ("cart", {"page": "/cart"})])
