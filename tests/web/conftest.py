"""The sessions of the hand-worked events, as a fixture for the web tests."""

from __future__ import annotations

import pytest

from kpikit import web
from tests.web.cases import EVENTS


@pytest.fixture
def sessions():
    return web.sessions_from_events(EVENTS)
