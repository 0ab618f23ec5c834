"""kpikit.sample.readme: the generated README."""

from __future__ import annotations

from kpikit.sample.config import _config
from kpikit.sample.readme import _command, _effects_note


def test_readme_lists_effects_with_numbers(gen42):
    text = (gen42 / "README.md").read_text(encoding="utf-8")
    assert "python -m kpikit.sample data/sample --seed 42" in text
    for phrase in (
        "Spring-sale landing page",
        "Checkout leak",
        "A/B test",
        "Detractors churn",
        "reopened ticket",
        "Alder Crate",
        "Paid Social",
        "| events.csv.gz | events | ",
    ):
        assert phrase in text, phrase


def test_regenerate_command_names_only_what_differs():
    assert _command(_config(42, "Juniper Box", "2024-01-01", 18, 20_000, True)) == (
        "python -m kpikit.sample data/sample --seed 42"
    )
    assert _command(_config(3, "Oak", "2024-01-01", 18, 3_000, False)) == (
        'python -m kpikit.sample OUTDIR --seed 3 --client "Oak" --sessions 3000 --no-effects'
    )
    # what the command line cannot say (months, start, scaled effects) is a Python call
    call = _command(_config(5, "Juniper Box", "2024-01-01", 12, 20_000, True))
    assert call.startswith(
        "# in Python: kpikit.sample.generate(OUTDIR, seed=5, client='Juniper Box', "
        "start='2024-01-01', months=12, sessions=20000, effects={"
    )


def test_effects_note_in_a_few_words():
    assert _effects_note(_config(1, "x", "2024-01-01", 18, 1_000, True)) == "all planted"
    assert _effects_note(_config(1, "x", "2024-01-01", 18, 1_000, False)) == "none (effects=False)"
    note = _effects_note(_config(1, "x", "2024-01-01", 18, 1_000, {"ab_test": 0.5}))
    assert note.startswith("scaled: mobile_bounce_gap=1, ") and "ab_test=0.5" in note
