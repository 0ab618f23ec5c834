"""Shared fixtures: the second generated dataset and notebook rendering for notebook tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import NOTEBOOKS


@pytest.fixture(autouse=True)
def _charts_in_english():
    """A test that starts a report in another language leaves the kit's chart words in English for the next."""
    yield
    from kpikit.plots.style import set_language

    set_language("en")


def pytest_configure(config):
    config.addinivalue_line("markers", "notebook: renders a notebook with papermill (slower)")


@pytest.fixture(scope="session")
def second_dataset(tmp_path_factory) -> Path:
    """A second sample dataset (seed 7, another client name), generated once per test session."""
    from kpikit.sample import generate

    out = tmp_path_factory.mktemp("seed7")
    generate(out, seed=7, client="Second Client")
    return out


@pytest.fixture(scope="session")
def render(tmp_path_factory):
    """Render a notebook of notebooks/ with parameters; returns the RenderResult (asserted ok)."""
    from kpikit.render import render_notebook

    def _render(name: str, **parameters):
        out = tmp_path_factory.mktemp(Path(name).stem)
        res = render_notebook(NOTEBOOKS / name, out, parameters=parameters, timeout=600)
        assert res.ok, res.error
        return res

    return _render
