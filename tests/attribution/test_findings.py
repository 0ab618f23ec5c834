"""Tests of kpikit.attribution.findings: where the models disagree, in words."""

from __future__ import annotations

import pytest

from kpikit import attribution as A
from kpikit.errors import KpiDataError
from tests.attribution.helpers import HAND


def test_findings_name_openers_and_closers():
    cmp = A.compare(HAND, models=["first_touch", "last_touch", "linear", "markov"])
    text = A.findings(cmp)
    assert text[0].startswith("Direct closes journeys: last-touch gives it 2 of 3 conversions")
    assert text[1].startswith(
        "Paid Social opens journeys: first-touch credits it with 2 conversions, last-touch with 0"
    )
    assert text[2].startswith("The Markov model")


def test_findings_need_both_models():
    cmp = A.compare(HAND, models=["first_touch", "last_touch"])
    # without the Markov column its sentence is left out
    assert len(A.findings(cmp)) == 2
    with pytest.raises(KpiDataError, match="missing column\\(s\\) 'first_touch'"):
        A.findings(cmp.drop(columns="first_touch"))
