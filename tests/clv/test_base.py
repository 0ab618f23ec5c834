"""Tests of kpikit.clv.base: what the models share (grouping and weights, refusing bad or unidentified summaries)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpikit.clv as clv
from kpikit.errors import ConvergenceError, KpiDataError, SmallSampleWarning


def test_grouping_and_weights_give_the_same_fit(cdnow_published):
    base = cdnow_published.iloc[:600]
    doubled = pd.concat([base, base], ignore_index=True)
    doubled.attrs["unit"] = "W"
    a = clv.BetaGeo().fit(base, weights=np.full(len(base), 2.0))
    b = clv.BetaGeo().fit(doubled)
    np.testing.assert_allclose(a.params_.to_numpy(), b.params_.to_numpy(), rtol=1e-6)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-10)
    assert b.n_customers_ == 1200 and b.n_distinct_rows_ == a.n_distinct_rows_


def test_models_refuse_unidentified_or_invalid_summaries():
    no_repeat = pd.DataFrame(
        {"frequency": [0, 0, 0], "recency": [0.0, 0.0, 0.0], "T": [10.0, 20.0, 5.0], "monetary_value": [0.0, 0.0, 0.0]}
    )
    for model in (clv.BetaGeo(), clv.ParetoNBD()):
        with pytest.raises(KpiDataError, match="no customer made a repeat purchase"):
            model.fit(no_repeat)
    with pytest.raises(KpiDataError, match="Gamma-Gamma: no repeat buyers"):
        clv.GammaGamma().fit(no_repeat)
    bad = pd.DataFrame({"frequency": [1, 2], "recency": [5.0, 30.0], "T": [10.0, 20.0]})
    with pytest.raises(KpiDataError, match=r"recency exceeds T in 1 row\(s\) \(row 2\)"):
        clv.BetaGeo().fit(bad)
    with pytest.raises(KpiDataError, match="missing column"):
        clv.BetaGeo().fit(bad.drop(columns="T"))
    zero_spend = pd.DataFrame({"frequency": [1, 2], "monetary_value": [0.0, 3.0]})
    with pytest.raises(KpiDataError, match="repeat buyer\\(s\\) with zero spend"):
        clv.GammaGamma().fit(zero_spend)
    with pytest.raises(KpiDataError, match="not fitted"):
        clv.BetaGeo().probability_alive(bad)
    tiny = pd.DataFrame({"frequency": [1, 0, 2, 0], "recency": [3.0, 0.0, 8.0, 0.0], "T": [10.0, 9.0, 12.0, 4.0]})
    # 4 customers cannot identify 4 parameters: warned first, then a ConvergenceError with a suggestion
    with pytest.warns(SmallSampleWarning, match="only 2 repeat buyers"):
        with pytest.raises(ConvergenceError, match="BG/NBD did not converge.*try penalizer=0.001"):
            clv.BetaGeo().fit(tiny)


@pytest.mark.parametrize("Model", [clv.BetaGeo, clv.ParetoNBD, clv.GammaGamma])
def test_models_share_the_fitting_interface(Model, cdnow_published):
    m = Model()
    assert m.fit(cdnow_published) is m
    assert isinstance(m.params_, pd.Series) and m.params_.index.tolist() == list(Model._names)
    assert isinstance(m.standard_errors_, pd.Series) and m.standard_errors_.index.tolist() == list(Model._names)
    assert np.isfinite(m.log_likelihood_) and m.converged_ and m.iterations_ > 0
    table = m.summary()
    assert table.columns.tolist() == ["parameter", "estimate", "standard_error", "ci_low", "ci_high"]
    assert table["parameter"].tolist() == list(Model._names)


def test_large_data_start_from_a_subsample_fit(cdnow_published, monkeypatch):
    # Above 2 x _WARM_START_ROWS distinct rows the fit starts from a fit on every k-th row; the optimum
    # is the same. Shrink the threshold so that CDNOW's distinct rows take that path.
    plain = clv.BetaGeo().fit(cdnow_published)
    calls = []
    real = clv.base._subsample
    monkeypatch.setattr(clv.base, "_WARM_START_ROWS", 200)
    monkeypatch.setattr(clv.base, "_subsample", lambda data, step: calls.append(step) or real(data, step))
    warm = clv.BetaGeo().fit(cdnow_published)
    assert calls and calls[0] == plain.n_distinct_rows_ // 200
    np.testing.assert_allclose(warm.params_, plain.params_, rtol=1e-6)
    assert warm.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12)
