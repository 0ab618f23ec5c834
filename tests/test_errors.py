"""kpikit.errors: row descriptions and the one closest-name helper."""

from __future__ import annotations

import pytest

from kpikit.errors import closest, describe_rows, did_you_mean, similarity


def test_describe_rows_singular_plural_and_more():
    assert describe_rows([7]) == "row 7"
    assert describe_rows([1, 2, 3, 4, 5, 6, 7], limit=5) == "rows 1, 2, 3, 4, 5 (and 2 more)"


@pytest.mark.parametrize(
    "name, candidate, at_least, below",
    [
        ("customer_id", "Customer ID", 2.0, 2.01),  # same normalised name
        ("start", "Session Start", 1.0, 2.0),  # every word of the name is a word of the column
        ("amount", "Amount (GBP)", 1.0, 2.0),
        ("session_id", "Session Start", 0.0, 1.0),  # shares a word only: not really close
        ("cost", "Landing Page", 0.0, 0.6),
    ],
)
def test_similarity_bands(name, candidate, at_least, below):
    assert at_least <= similarity(name, candidate) < below


def test_closest_orders_by_similarity_and_applies_the_cutoff():
    cols = ["Landing Page", "Session Start", "Start Date", "Device"]
    assert closest("start", cols) == ["Start Date", "Session Start"]
    assert closest("start", cols, n=1) == ["Start Date"]
    assert closest("session_id", cols, cutoff=1.0) == []
    assert closest("zzz", cols) == []


def test_did_you_mean_offers_the_close_name_or_lists_the_valid_ones():
    assert did_you_mean("min_sesions", ["min_sessions", "top_n"]) == "; did you mean 'min_sessions'?"
    assert did_you_mean("colour", ["top_n", "freq"], what="declared") == "; declared: top_n, freq"


def test_a_one_letter_name_is_not_close_by_containment():
    assert did_you_mean("clinet", ["client", "n", "mode"]) == "; did you mean 'client'?"


def test_identification_warning_is_a_kpi_warning():
    from kpikit import errors

    assert issubclass(errors.IdentificationWarning, errors.KpiWarning) and "IdentificationWarning" in errors.__all__
