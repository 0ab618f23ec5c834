"""kpikit.sample.config: effect scaling, argument checks, the business's settings."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit.sample as ks
from kpikit.sample.config import _config, _effect_scale
from tests.sample.helpers import checkout


def test_effect_scaling_and_validation():
    half = ks.make_tables(seed=3, sessions=20_000, effects={"checkout_leak": 0.5})
    before, after, _ = checkout(half)
    assert 0.50 <= after <= 0.57  # midway between 65% and 42%: 53.5%
    assert 0.62 <= before <= 0.68
    with pytest.raises(ValueError, match="unknown effect.*checkout_leek"):
        ks.make_tables(effects={"checkout_leek": 1.0})
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        ks.make_tables(seed=-1)
    with pytest.raises(ValueError, match="months must be at least 6"):
        ks.make_tables(months=3)


def test_other_client_name_and_period():
    t = ks.make_tables(seed=5, client="Oak & Ivy", start="2023-04-01", months=12, sessions=3_000)
    assert "Oak & Ivy" in set(t["social"]["brand"])
    assert t["sessions"]["start"].min() >= pd.Timestamp("2023-04-01")
    assert t["sessions"]["start"].max() < pd.Timestamp("2024-04-01")
    assert len(t["sessions"]) == 3_000


def test_effect_scale_true_false_and_partial():
    assert set(_effect_scale(True).values()) == {1.0} and set(_effect_scale(True)) == set(ks.EFFECTS)
    assert set(_effect_scale(False).values()) == {0.0}
    partial = _effect_scale({"ab_test": 0.25})
    assert partial["ab_test"] == 0.25 and partial["checkout_leak"] == 1.0
    with pytest.raises(TypeError, match="effects must be True, False or a dict"):
        _effect_scale("all")
    with pytest.raises(ValueError, match="effect scale for 'ab_test' must be between 0 and 1.5"):
        _effect_scale({"ab_test": 2.0})


def test_config_dates_by_hand():
    cfg = _config(42, "Juniper Box", "2024-01-01", 18, 20_000, {"checkout_leak": 0.5})
    assert cfg.end == pd.Timestamp("2025-07-01")
    assert cfg.days == 366 + 181  # 2024 is a leap year; January to June 2025 has 181 days
    assert cfg.leak_start == pd.Timestamp("2025-03-01")
    assert cfg.epoch == 1_704_067_200  # 2024-01-01 00:00:00 UTC
    assert cfg.mix("checkout_leak", 0.65, 0.42) == pytest.approx(0.535)
    assert cfg.mix("ab_test", 0.050, 0.063) == 0.063


def test_config_rejects_bad_arguments():
    with pytest.raises(ValueError, match="sessions must be at least 1000"):
        _config(42, "x", "2024-01-01", 18, 999, True)
    with pytest.raises(ValueError, match="start must be a naive date"):
        _config(42, "x", "2024-01-01 12:00", 18, 20_000, True)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        _config(True, "x", "2024-01-01", 18, 20_000, True)
