"""Tests of kpikit.clv: published CDNOW results, hand-computed cases, properties and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

import kpikit.clv as clv
from kpikit.errors import ConvergenceError, KpiDataError, SmallSampleWarning

CDNOW = Path(__file__).parent / "data" / "cdnow"


# ---------------------------------------------------------------------------------------------
# CDNOW reference data (Fader, Hardie and Lee 2005): 2,357 customers, calibration weeks 1-39
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    tx = pd.read_csv(
        CDNOW / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"date": str},
    )
    tx["timestamp"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def cdnow_published() -> pd.DataFrame:
    # Published calibration summary: x, t_x, T in weeks (2 decimals), zbar in dollars (2 decimals).
    s = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    s = s.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    s.attrs["unit"] = "W"
    return s


@pytest.fixture(scope="module")
def cdnow_summary(cdnow_transactions) -> pd.DataFrame:
    # Calibration ends 1997-09-30: day 272 of the year = 38.86 weeks after 1997-01-01.
    return clv.rfm_summary(cdnow_transactions, "1997-09-30", freq="D", unit="W")


def test_rfm_summary_reproduces_published_cdnow_summary(cdnow_summary, cdnow_published):
    ours, pub = cdnow_summary, cdnow_published
    assert len(ours) == 2357
    assert ours.attrs["unit"] == "W"
    assert ours["customer_id"].tolist() == pub["ID"].tolist()
    assert (ours["frequency"].to_numpy() == pub["frequency"].to_numpy()).all()
    assert int((ours["frequency"] > 0).sum()) == 946
    # the published values are rounded to 2 decimals
    for col in ("recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[col].to_numpy(), pub[col].to_numpy(), atol=0.005 + 1e-9, rtol=0)
    # customer 1 (master id 00004): purchases 1997-01-01 (29.33), 01-18 (29.73), 08-02 (14.96) in the
    # window; x = 2, t_x = 213 days / 7 = 30.43, T = 272 / 7 = 38.86, zbar = (29.73 + 14.96) / 2 = 22.345
    row = ours.iloc[0]
    assert row["frequency"] == 2
    assert row["recency"] == pytest.approx(213 / 7)
    assert row["T"] == pytest.approx(272 / 7)
    assert row["monetary_value"] == pytest.approx(22.345)
    assert row["first_value"] == pytest.approx(29.33)


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_summary, cdnow_published):
    # Paper: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    for summary in (cdnow_summary, cdnow_published):
        m = clv.BetaGeo().fit(summary)
        assert m.params_.round(3).tolist() == [0.243, 4.414, 0.793, 2.426]
        assert round(m.log_likelihood_, 1) == -9582.4
        assert m.n_customers_ == 2357
        assert m.unit_ == "W"
    assert m.n_distinct_rows_ < 2357  # identical (x, t_x, T) rows are grouped
    se = m.standard_errors_
    assert (se > 0).all() and (se < m.params_).all()
    table = m.summary()
    assert table.columns.tolist() == ["parameter", "estimate", "standard_error", "ci_low", "ci_high"]
    assert (table["ci_low"] < table["estimate"]).all() and (table["estimate"] < table["ci_high"]).all()


def test_bgnbd_conditional_expectation_published_customer(cdnow_summary):
    # Fader, Hardie and Lee (2005), section 4: a customer with x = 2, t_x = 30.43, T = 38.86 is
    # expected to make 1.226 purchases in the next 39 weeks.
    m = clv.BetaGeo().fit(cdnow_summary)
    one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    assert round(float(m.predict_purchases(39, one).iloc[0]), 3) == 1.226


def test_pareto_nbd_reproduces_published(cdnow_summary):
    # Paper: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
    m = clv.ParetoNBD().fit(cdnow_summary)
    assert m.params_.round(3).tolist() == [0.553, 10.578, 0.606, 11.669]
    assert round(m.log_likelihood_, 1) == -9595.0
    assert np.isfinite(m.standard_errors_).all()


def test_gamma_gamma_reproduces_fader_hardie_2013(cdnow_summary):
    # Note 025: p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers.
    gg = clv.GammaGamma().fit(cdnow_summary)
    assert gg.params_.round(2).tolist() == [6.25, 3.74, 15.44]
    assert gg.n_customers_ == 946
    # expected spend of customer 1 (x = 2, zbar = 22.345):
    # p (gamma + x zbar) / (p x + q - 1)
    p, q, v = gg.params_
    one = pd.DataFrame({"frequency": [2, 0], "monetary_value": [22.345, 0.0]})
    got = gg.expected_spend(one).to_numpy()
    assert got[0] == pytest.approx(p * (v + 2 * 22.345) / (2 * p + q - 1))
    assert got[1] == pytest.approx(p * v / (q - 1)) == pytest.approx(gg.mean_spend())
    # CDNOW: mean spend per repeat purchase implied by the model, 6.25 x 15.44 / 2.74 = 35.2
    assert gg.mean_spend() == pytest.approx(6.25 * 15.44 / 2.74, rel=2e-3)
    # the independence assumption holds roughly (Fader and Hardie report a correlation of 0.11)
    assert round(clv.spend_frequency_correlation(cdnow_summary), 2) == 0.11


# ---------------------------------------------------------------------------------------------
# rfm_summary and calibration_holdout by hand
# ---------------------------------------------------------------------------------------------


def _tx(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "amount": [float(r[2]) for r in rows],
            "channel": [r[3] if len(r) > 3 else "Direct" for r in rows],
        }
    )


def test_rfm_same_day_single_purchase_and_observation_end():
    tx = _tx([
        ("a", "2024-01-01 09:00", 10, "Email"),
        ("a", "2024-01-01 17:00", 5, "Direct"),   # same day: one purchase period worth 15
        ("a", "2024-01-11 12:00", 20),
        ("a", "2024-01-21 08:00", 40),
        ("b", "2024-01-05 10:00", 8, "Paid Social"),  # single purchase
        ("c", "2024-01-10", 7),
        ("c", "2024-01-31 23:00", 9),             # on the observation end day: counts
        ("c", "2024-02-02", 100),                 # after observation end: outside the window
    ])
    s = clv.rfm_summary(tx, observation_end="2024-01-31", keep_first=["channel"])
    s = s.set_index("customer_id")
    # a: periods 01-01, 01-11, 01-21 -> frequency 2, recency 20 days, T = 30 days,
    #    monetary = (20 + 40) / 2 = 30; first period worth 10 + 5 = 15; first channel Email
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value", "first_value"]].tolist() == [2, 20.0, 30.0, 30.0, 15.0]
    assert s.loc["a", "channel"] == "Email"
    assert s.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01 09:00")
    # b: single purchase -> frequency 0, recency 0, monetary 0, T = 31 - 5 = 26
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0.0, 26.0, 0.0]
    # c: 01-10 and 01-31 -> frequency 1, recency 21, T 21, monetary 9 (02-02 ignored)
    assert s.loc["c", ["frequency", "recency", "T", "monetary_value"]].tolist() == [1, 21.0, 21.0, 9.0]
    assert s["frequency"].dtype == np.int64
    # a missing channel on the first purchase stays missing (not filled from a later row)
    gap = clv.rfm_summary(tx.assign(channel=[None, "Direct", "Email", "Email", None, "Referral", "Referral", "Referral"]),
                          observation_end="2024-01-31", keep_first=["channel"]).set_index("customer_id")
    assert pd.isna(gap.loc["a", "channel"]) and pd.isna(gap.loc["b", "channel"]) and gap.loc["c", "channel"] == "Referral"


def test_rfm_weekly_periods_and_unit_conversion():
    tx = _tx([("a", "2024-01-01", 10), ("a", "2024-01-03", 10), ("a", "2024-01-15", 6)])
    # weeks (Monday-Sunday): 01-01 and 01-03 share a week -> frequency 1, recency 2 weeks
    w = clv.rfm_summary(tx, observation_end="2024-01-29", freq="W")
    assert w[["frequency", "recency", "T", "monetary_value"]].iloc[0].tolist() == [1, 2.0, 4.0, 6.0]
    assert w.attrs["unit"] == "W"
    # days, expressed in weeks: recency 14 / 7 = 2, T 28 / 7 = 4, frequency 2 (distinct days)
    d = clv.rfm_summary(tx, observation_end="2024-01-29", freq="D", unit="W")
    assert d[["frequency", "recency", "T"]].iloc[0].tolist() == [2, 2.0, 4.0]
    with pytest.raises(KpiDataError, match="fixed-length"):
        clv.rfm_summary(tx, freq="M", unit="W")


def test_calibration_holdout_by_hand():
    tx = _tx([
        ("a", "2024-01-01", 10), ("a", "2024-01-11", 20),
        ("a", "2024-02-05", 30), ("a", "2024-02-05", 6), ("a", "2024-02-20", 12),
        ("b", "2024-01-20", 5),
        ("n", "2024-02-10", 50),  # first seen in the holdout: not part of the validation
    ])
    ch = clv.calibration_holdout(tx, "2024-01-31", "2024-02-29").set_index("customer_id")
    assert list(ch.index) == ["a", "b"]
    # a: calibration 01-01, 01-11 -> frequency 1, recency 10, T 30; holdout days 02-05 (36), 02-20 (12)
    assert ch.loc["a", ["frequency", "recency", "T"]].tolist() == [1, 10.0, 30.0]
    assert ch.loc["a", ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]].tolist() == [2, 24.0, 29.0]
    assert ch.loc["b", ["frequency_holdout", "monetary_value_holdout"]].tolist() == [0, 0.0]
    assert ch.attrs["new_in_holdout"] == 1
    with pytest.raises(KpiDataError, match="before observation_end"):
        clv.calibration_holdout(tx, "2024-02-29", "2024-02-29")


def test_historical_clv_by_hand():
    tx = _tx([("a", "2024-01-01", 10), ("a", "2024-07-01", 30), ("b", "2025-01-01", 20)])
    h = clv.historical_clv(tx, lifespan_years=3, margin=0.5)
    # aov = 60 / 3 = 20; years = 366 days / 365.25; frequency = 3 / 2 / years; clv = 20 x f x 3 x 0.5
    years = 366 / 365.25
    assert h["aov"] == pytest.approx(20.0)
    assert h["purchase_frequency"] == pytest.approx(1.5 / years)
    assert h["clv"] == pytest.approx(20 * 1.5 / years * 3 * 0.5)


# ---------------------------------------------------------------------------------------------
# Predictions against the formulas, computed independently
# ---------------------------------------------------------------------------------------------

BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)


def _hyp2f1_series(a, b, c, z, terms=4000):
    # Gauss series sum_n (a)_n (b)_n / (c)_n z^n / n!, |z| < 1
    total, term = 1.0, 1.0
    for n in range(terms):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
    return total


def test_bgnbd_predictions_match_formulas_for_one_customer():
    r, alpha, a, b = BG.values()
    m = clv.BetaGeo.from_params(**BG, unit="W")
    x, tx, T, t = 4, 30.0, 38.0, 52.0
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    # P(alive) = 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))
    pa = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))
    assert float(m.probability_alive(one).iloc[0]) == pytest.approx(pa, rel=1e-12)
    # eq. 10 written as in the paper, with the plain Gauss series
    z = t / (alpha + T + t)
    h = _hyp2f1_series(r + x, b + x, a + b + x - 1, z)
    ey = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * h) * pa
    assert float(m.predict_purchases(t, one).iloc[0]) == pytest.approx(ey, rel=1e-9)
    # eq. 7: E[X(t)] = (a + b - 1) / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; t / (alpha + t))]
    ex = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * _hyp2f1_series(r, b, a + b - 1, t / (alpha + t)))
    assert m.expected_purchases_new(t) == pytest.approx(ex, rel=1e-9)


def _bgnbd_lik_integrals(x, tx, T, r, alpha, a, b):
    # The individual likelihood (1-p)^x lam^x e^{-lam T} + [x>0] p (1-p)^(x-1) lam^x e^{-lam t_x},
    # mixed over lam ~ Gamma(r, alpha) and p ~ Beta(a, b). Two one-dimensional checks: numerically
    # over lam (p integrated in closed form), and numerically over p (lam in closed form).
    gpdf = stats.gamma(r, scale=1 / alpha).pdf
    e1 = math.exp(special.betaln(a, b + x) - special.betaln(a, b))
    e2 = math.exp(special.betaln(a + 1, b + x - 1) - special.betaln(a, b)) if x > 0 else 0.0
    over_lam, _ = integrate.quad(lambda lam: (e1 * lam**x * math.exp(-lam * T) + e2 * lam**x * math.exp(-lam * tx)) * gpdf(lam),
                                 0, np.inf, epsabs=0, epsrel=1e-11, limit=200)

    def lam_part(y):  # E[lam^x e^{-lam y}]
        return math.exp(special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) - (r + x) * math.log(alpha + y))

    bpdf = stats.beta(a, b).pdf
    over_p, _ = integrate.quad(lambda p: ((1 - p) ** x * lam_part(T) + (p * (1 - p) ** (x - 1) * lam_part(tx) if x > 0 else 0.0)) * bpdf(p),
                               0, 1, epsabs=0, epsrel=1e-11, limit=200)
    return over_lam, over_p


def _pareto_lik_integral(x, tx, T, r, alpha, s, beta):
    # Individual likelihood lam^x e^{-(lam+mu)T} + lam^x mu/(lam+mu) (e^{-(lam+mu)t_x} - e^{-(lam+mu)T})
    # and mu/(lam+mu) (e^{-(lam+mu)t_x} - e^{-(lam+mu)T}) = int_{t_x}^T mu e^{-(lam+mu)tau} dtau, so after
    # mixing over lam ~ Gamma(r, alpha), mu ~ Gamma(s, beta) in closed form, one integral over tau is left:
    # L = C [1/((alpha+T)^(r+x) (beta+T)^s) + s int_{t_x}^T (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau]
    logc = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + s * math.log(beta)
    inner, _ = integrate.quad(lambda tau: (alpha + tau) ** -(r + x) * (beta + tau) ** -(s + 1), tx, T, epsabs=0, epsrel=1e-12)
    return math.exp(logc) * ((alpha + T) ** -(r + x) * (beta + T) ** -s + s * inner)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_bgnbd_loglik_matches_numerical_integration():
    params = np.array(list(BG.values()))
    m = clv.BetaGeo()
    for x, tx, T in [(0, 0.0, 30.0), (3, 12.0, 30.0), (12, 29.0, 30.0)]:
        d = clv.base._group(np.array([float(x)]), np.array([tx]), np.array([T]), np.ones(1))
        got = float(m._loglik(params, d)[0])
        for value in _bgnbd_lik_integrals(x, tx, T, *params):
            assert got == pytest.approx(math.log(value), abs=1e-7)


@pytest.mark.parametrize("params", [(0.55, 10.6, 0.61, 11.7), (0.55, 10.6, 0.61, 4.0), (1.2, 3.0, 0.8, 3.0)])
def test_pareto_loglik_matches_numerical_integration_both_branches(params):
    # alpha < beta, alpha > beta and alpha == beta use different 2F1 forms
    m = clv.ParetoNBD()
    for x, tx, T in [(0, 0.0, 20.0), (2, 8.0, 20.0), (5, 19.0, 20.0), (40, 1.0, 20.0)]:
        d = clv.base._group(np.array([float(x)]), np.array([tx]), np.array([T]), np.ones(1))
        got = float(m._loglik(np.array(params), d)[0])
        assert got == pytest.approx(math.log(_pareto_lik_integral(x, tx, T, *params)), abs=1e-7)


def test_pareto_predictions_match_formulas_for_one_customer():
    r, alpha, s, beta = 0.553, 10.578, 0.606, 11.669
    m = clv.ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta, unit="W")
    x, tx, T, t = 2, 30.43, 38.86, 39.0
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    # P(alive) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0), alpha < beta branch, plain series
    def F(y):
        return _hyp2f1_series(r + s + x, r + x, r + s + x + 1, (beta - alpha) / (beta + y)) / (beta + y) ** (r + s + x)
    a0 = F(tx) - F(T)
    pa = 1 / (1 + s / (r + s + x) * (alpha + T) ** (r + x) * (beta + T) ** s * a0)
    assert float(m.probability_alive(one).iloc[0]) == pytest.approx(pa, rel=1e-9)
    ey = pa * (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
    assert float(m.predict_purchases(t, one).iloc[0]) == pytest.approx(ey, rel=1e-9)
    ex = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
    assert m.expected_purchases_new(t) == pytest.approx(ex, rel=1e-12)


def test_customer_lifetime_value_by_hand():
    m = clv.BetaGeo.from_params(**BG)
    gg = clv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    s = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [3, 0], "recency": [20.0, 0.0],
                      "T": [30.0, 30.0], "monetary_value": [40.0, 0.0]})
    s.attrs["unit"] = "W"
    out = clv.customer_lifetime_value(m, gg, s, horizon=3, freq="M", discount_rate=0.02, margin=0.4)
    assert out.columns.tolist() == ["customer_id", "p_alive", "expected_purchases", "expected_spend", "clv"]
    week_per_month = 365.25 / 12 / 7
    cum = [m.predict_purchases(k * week_per_month, s).to_numpy() for k in (0, 1, 2, 3)]
    spend = gg.expected_spend(s).to_numpy()
    # sum_k (E[Y(k)] - E[Y(k-1)]) / 1.02^k x spend x margin
    want = sum((cum[k] - cum[k - 1]) / 1.02**k for k in (1, 2, 3)) * spend * 0.4
    np.testing.assert_allclose(out["clv"].to_numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(out["expected_purchases"].to_numpy(), cum[3], rtol=1e-12)
    # without discounting, CLV = margin x spend x expected purchases over the horizon
    flat = clv.customer_lifetime_value(m, gg, s, horizon=3, freq="M", discount_rate=0.0, margin=1.0)
    np.testing.assert_allclose(flat["clv"].to_numpy(), cum[3] * spend, rtol=1e-12)
    # new customer: first order + discounted repeat value; payback by interpolation
    curve = clv.new_customer_value(m, gg, first_order_value=30.0, horizon=3, freq="M", discount_rate=0.0, unit="W")
    assert curve["cumulative_value"].iloc[0] == pytest.approx(30.0)
    assert curve["cumulative_value"].iloc[3] == pytest.approx(30 + gg.mean_spend() * m.expected_purchases_new(3 * week_per_month))
    v1, v2 = curve["cumulative_value"].iloc[1:3]
    cac = (v1 + v2) / 2
    assert clv.payback_period(curve, cac) == pytest.approx(1.5)
    assert math.isnan(clv.payback_period(curve, 1e6))
    assert clv.payback_period(curve, 10.0) == 0.0
    with pytest.raises(KpiDataError, match="unit"):
        no_unit = s.copy()
        no_unit.attrs = {}
        clv.customer_lifetime_value(m, gg, no_unit, horizon=3)


def test_ltv_cac_and_segments():
    frame = pd.DataFrame({"channel": ["A"] * 3 + ["B"] * 2, "clv": [10.0, 20.0, 30.0, 5.0, 7.0]})
    seg = clv.clv_by_segment(frame, "channel")
    # A: mean 20, sd 10, n 3 -> half width t_{0.975, 2} x 10 / sqrt(3)
    a = seg.set_index("channel").loc["A"]
    assert a["clv"] == 20.0 and a["customers"] == 3 and a["total"] == 60.0
    assert a["ci_high"] - 20.0 == pytest.approx(stats.t.ppf(0.975, 2) * 10 / math.sqrt(3))
    assert bool(a["small_sample"])
    r = clv.ltv_cac(pd.Series({"A": 90.0, "B": 40.0}), pd.Series({"A": 30.0, "B": 20.0}),
                    payback=pd.Series({"A": 6.0, "B": 14.0}))
    # A: 90 / 30 = 3 with payback 6 months -> meets 3:1 and < 12 months; B: 40 / 20 = 2
    assert r["ltv_cac"].tolist() == [3.0, 2.0]
    assert r["meets_rule"].tolist() == [True, False]
    # segments without a CAC (organic) are left out; none in common is an error
    assert clv.ltv_cac(pd.Series({"A": 90.0, "B": 40.0}), pd.Series({"A": 30.0}))["segment"].tolist() == ["A"]
    with pytest.raises(KpiDataError, match="no segment has both an LTV and a CAC"):
        clv.ltv_cac(pd.Series({"A": 90.0}), pd.Series({"C": 30.0}))
    with pytest.raises(KpiDataError, match="no positive CAC for segment"):
        clv.ltv_cac(pd.Series({"A": 90.0}), pd.Series({"A": 0.0}))


def test_acquisition_cost():
    spend = pd.DataFrame({"channel": ["Paid Search", "Paid Social", "Organic Search"], "cost": [900.0, 400.0, 0.0]})
    new = pd.DataFrame({"channel": ["Organic Search", "Paid Search", "Paid Social"], "new_customers": [50, 30, 8]})
    # 900 / 30 = 30, 400 / 8 = 50; Organic Search has no spend -> no CAC
    assert clv.acquisition_cost(spend, new).to_dict() == {"Paid Search": 30.0, "Paid Social": 50.0}
    assert clv.acquisition_cost(None, new, cac=45.0).to_dict() == {"Organic Search": 45.0, "Paid Search": 45.0, "Paid Social": 45.0}
    # overall: (900 + 400) / (30 + 8) = 34.21
    assert clv.acquisition_cost(spend, new, overall=True).to_dict() == {"paid channels": pytest.approx(1300 / 38)}
    assert clv.acquisition_cost(spend, new, cac=45.0, overall=True).to_dict() == {"all": 45.0}
    with pytest.raises(KpiDataError, match="spend but no new customers for segment\\(s\\) Paid Social"):
        clv.acquisition_cost(spend, new[new["channel"] != "Paid Social"])


def test_new_customer_values_and_splits():
    m = clv.BetaGeo.from_params(**BG)
    gg = clv.GammaGamma.from_params(p=6.25, q=3.74, v=15.44)
    s = pd.DataFrame({"frequency": [1, 0, 2], "recency": [5.0, 0.0, 9.0], "T": [10.0, 10.0, 10.0],
                      "monetary_value": [20.0, 0.0, 30.0], "first_value": [10.0, 30.0, 20.0], "channel": ["A", "A", "B"]})
    s.attrs["unit"] = "W"
    out = clv.new_customer_values(m, gg, s, by="channel", cac=pd.Series({"A": 25.0}), horizon=6, margin=0.5)
    base = clv.new_customer_value(m, gg, 0.0, horizon=6, margin=0.5, unit="W")
    repeat = float(base["cumulative_value"].iloc[-1])
    # A: mean first order (10 + 30) / 2 = 20 -> ltv = 0.5 x 20 + repeat; B: 0.5 x 20 + repeat
    assert out["segment"].tolist() == ["A", "B"] and out["customers"].tolist() == [2, 1]
    np.testing.assert_allclose(out["ltv"], [10 + repeat, 10 + repeat])
    curve_a = base.assign(cumulative_value=base["cumulative_value"] + 10.0)
    assert out["payback_months"].iloc[0] == pytest.approx(clv.payback_period(curve_a, 25.0), nan_ok=True)
    assert math.isnan(out["payback_months"].iloc[1])
    # a curve from 10 to 20 crosses 15 halfway through period 1
    toy = pd.DataFrame({"period": [0, 1, 2], "cumulative_value": [10.0, 20.0, 25.0]})
    assert clv.payback_title(toy, 15.0, "GBP") == "A new customer pays back the GBP 15.00 CAC after 0.5 months"
    assert clv.payback_title(toy, 30.0) == "A new customer brings 25.00 of margin in 2 months: short of the 30.00 CAC"
    tx = _tx([("a", "2024-01-05 10:00", 1), ("b", "2024-09-30 18:00", 1)])
    cal, obs = clv.holdout_split(tx, holdout_months=3)
    assert (cal, obs) == (pd.Timestamp("2024-06-30"), pd.Timestamp("2024-09-30"))
    with pytest.raises(KpiDataError, match="must fall inside the data"):
        clv.holdout_split(tx, calibration_end="2025-01-01")
    seg = clv.rfm_segments(pd.DataFrame({"frequency": [0, 0, 3, 3], "recency": [0.0, 0.0, 9.0, 2.0], "T": [10.0, 4.0, 10.0, 10.0]}))
    # one-time: since last 10 and 4 (median 7); repeat: since last 1 and 8 (median 4.5)
    assert seg.tolist() == ["one-time, lapsed", "one-time, recent", "repeat, recent", "repeat, lapsed"]


def test_holdout_check_on_cdnow(cdnow_transactions):
    ch = clv.calibration_holdout(cdnow_transactions, "1997-09-30", "1998-06-30", unit="W")
    m = clv.BetaGeo().fit(ch)
    buckets = clv.holdout_check(m, ch, max_frequency=7)
    assert buckets["frequency"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert buckets["customers"].sum() == 2357
    assert buckets["customers"].iloc[0] == 2357 - 946
    totals = clv.holdout_totals(m, ch)
    # actual: distinct (customer, day) purchases from 1997-10-01 to 1998-06-30, counted with plain pandas
    later = cdnow_transactions[cdnow_transactions["timestamp"] > "1997-09-30"]
    assert totals["actual"] == len(later.drop_duplicates(["customer_id", "date"])) == 1882
    assert totals["predicted"] == pytest.approx(float(m.predict_purchases(273 / 7, ch).sum()))
    assert totals["relative_error"] == pytest.approx(totals["predicted"] / 1882 - 1)
    # conditional expectations rise with calibration frequency, as in FHL 2005 figure 3
    assert (np.diff(buckets["predicted"].to_numpy()) > 0).all()
    grid = clv.probability_alive_matrix(m, T=39.0, max_frequency=5, recency_steps=3)
    assert grid.shape == (6, 4)
    assert grid.iloc[0, 0] == 1.0 and grid.iloc[0, 1:].isna().all()
    # more recent last purchase -> more likely alive
    assert (np.diff(grid.iloc[1:].to_numpy(), axis=1) > 0).all()


def test_penalizer_shrinks_the_parameters(cdnow_published):
    plain = clv.BetaGeo().fit(cdnow_published)
    pen = clv.BetaGeo(penalizer=0.05).fit(cdnow_published)
    # the L2 penalty pulls the parameters towards 0 and costs likelihood
    assert float((pen.params_**2).sum()) < float((plain.params_**2).sum())
    assert pen.log_likelihood_ < plain.log_likelihood_
    with pytest.raises(KpiDataError, match="penalizer must be a non-negative number"):
        clv.BetaGeo(penalizer=-1)


def test_grouping_and_weights_give_the_same_fit(cdnow_published):
    base = cdnow_published.iloc[:600]
    doubled = pd.concat([base, base], ignore_index=True)
    doubled.attrs["unit"] = "W"
    a = clv.BetaGeo().fit(base, weights=np.full(len(base), 2.0))
    b = clv.BetaGeo().fit(doubled)
    np.testing.assert_allclose(a.params_.to_numpy(), b.params_.to_numpy(), rtol=1e-6)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-10)
    assert b.n_customers_ == 1200 and b.n_distinct_rows_ == a.n_distinct_rows_


def test_analytic_gradient_matches_finite_differences(cdnow_published):
    d = clv.base._group(cdnow_published["frequency"].to_numpy(float), cdnow_published["recency"].to_numpy(),
                   cdnow_published["T"].to_numpy(), np.ones(len(cdnow_published)))
    for model, theta in [(clv.BetaGeo(), np.log([0.3, 5.0, 0.7, 2.0])), (clv.BetaGeo(penalizer=0.1), np.log([0.3, 5.0, 1.3, 2.0]))]:
        _, g = model._objective(theta, d, True)
        np.testing.assert_allclose(g, model._fd_grad(theta, d), rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

pos = st.floats(0.05, 20.0)


@st.composite
def customers(draw):
    T = draw(st.floats(0.5, 100.0))
    x = draw(st.integers(0, 60))
    tx = 0.0 if x == 0 else draw(st.floats(0.0, 1.0)) * T
    return x, tx, T


@settings(max_examples=60, deadline=None)
@given(r=pos, alpha=pos, a=pos, b=pos, c=customers(), t1=st.floats(0, 200), dt=st.floats(0, 200))
def test_bgnbd_properties(r, alpha, a, b, c, t1, dt):
    x, tx, T = c
    m = clv.BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b)
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    p = float(m.probability_alive(one).iloc[0])
    assert 0.0 <= p <= 1.0
    if x == 0:
        assert p == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet
    if abs(a - 1) > 1e-3:
        y1 = float(m.predict_purchases(t1, one).iloc[0])
        y2 = float(m.predict_purchases(t1 + dt, one).iloc[0])
        assert y1 >= 0 and y2 >= y1 * (1 - 1e-9) - 1e-12  # more holdout time never lowers expected purchases


@settings(max_examples=40, deadline=None)
@given(r=pos, alpha=pos, s=pos, beta=pos, c=customers(), t1=st.floats(0, 200), dt=st.floats(0, 200))
def test_pareto_properties(r, alpha, s, beta, c, t1, dt):
    x, tx, T = c
    m = clv.ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    one = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    p = float(m.probability_alive(one).iloc[0])
    assert 0.0 <= p <= 1.0
    y1 = float(m.predict_purchases(t1, one).iloc[0])
    y2 = float(m.predict_purchases(t1 + dt, one).iloc[0])
    assert y1 >= 0 and y2 >= y1 * (1 - 1e-9) - 1e-12


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 90), st.floats(1, 500)), min_size=1, max_size=40))
def test_rfm_summary_invariants(rows):
    tx = pd.DataFrame({
        "customer_id": [f"c{c}" for c, _, _ in rows],
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta([d for _, d, _ in rows], unit="D"),
        "amount": [a for _, _, a in rows],
    })
    s = clv.rfm_summary(tx, observation_end="2024-04-30")
    assert len(s) == tx["customer_id"].nunique()
    assert (s["recency"] <= s["T"]).all() and (s["recency"] >= 0).all()
    assert ((s["frequency"] == 0) == (s["recency"] == 0)).all()
    assert ((s["frequency"] == 0) <= (s["monetary_value"] == 0)).all()
    # revenue reconciles: first periods + repeat periods = all amounts
    total = (s["first_value"] + s["monetary_value"] * s["frequency"]).sum()
    assert total == pytest.approx(tx["amount"].sum())


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_bad_transactions_are_named():
    good = _tx([("a", "2024-01-01", 10), ("a", "2024-01-05", 20)])
    with pytest.raises(KpiDataError, match=r"missing column\(s\) 'amount'"):
        clv.rfm_summary(good.drop(columns="amount"))
    with pytest.raises(KpiDataError, match=r"column 'amount': 1 negative amount\(s\) \(row 2\)"):
        clv.rfm_summary(good.assign(amount=[10.0, -5.0]))
    with pytest.raises(KpiDataError, match="time zone"):
        clv.rfm_summary(good.assign(timestamp=good["timestamp"].dt.tz_localize("Europe/Paris")))
    with pytest.raises(KpiDataError, match="expected datetime64"):
        clv.rfm_summary(good.assign(timestamp=["2024-01-01", "2024-01-05"]))
    with pytest.raises(KpiDataError, match=r"column 'customer_id': 1 missing value\(s\) \(row 1\)"):
        clv.rfm_summary(good.assign(customer_id=[None, "a"]))
    with pytest.raises(KpiDataError, match="no purchase on or before observation_end"):
        clv.rfm_summary(good, observation_end="2023-01-01")


def test_models_refuse_unidentified_or_invalid_summaries():
    no_repeat = pd.DataFrame({"frequency": [0, 0, 0], "recency": [0.0, 0.0, 0.0], "T": [10.0, 20.0, 5.0],
                              "monetary_value": [0.0, 0.0, 0.0]})
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


def test_headline_kpis_by_hand():
    values = pd.DataFrame({"clv": [10.0, 30.0, 20.0, 40.0], "p_alive": [0.9, 0.2, 0.5, 0.4]})
    purchases, spend = clv.ParetoNBD(), clv.GammaGamma()
    purchases.params_ = pd.Series({"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 12.0})
    spend.params_ = pd.Series({"p": 6.0, "q": 4.0, "v": 15.0})
    by_channel = pd.DataFrame({"channel": ["Email", "Paid Social", "Organic"], "clv": [30.0, 12.5, 20.0]})
    ratios = pd.DataFrame({"segment": ["Email", "Paid Social"], "ltv_cac": [3.0, 0.8], "payback_months": [4.0, np.nan]})
    totals = {"actual": 100, "predicted": 95.0, "relative_error": -0.05}
    k = clv.headline_kpis({"clv": 55.0}, values, totals, purchases=purchases, spend_model=spend,
                          by_segment=by_channel, ratios=ratios)
    # mean 25 of 4 values; s = sqrt((15^2 + 5^2 + 5^2 + 15^2) / 3) = sqrt(500/3); t(0.975, 3) = 3.182446305
    half = 3.182446305284263 * math.sqrt(500 / 3) / 2
    assert (k["mean_clv"].value, k["mean_clv"].low, k["mean_clv"].high) == pytest.approx((25.0, 25 - half, 25 + half))
    assert k["total_clv"] == 100.0 and k["historical_clv"] == 55.0
    assert k["share_probably_gone"] == 0.5  # P(alive) 0.2 and 0.4 are below 0.5; 0.5 itself is not
    assert k["model"] == "pareto" and k["purchase_params"] == {"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    assert (k["holdout_actual"], k["holdout_predicted"], k["holdout_relative_error"]) == (100, 95.0, -0.05)
    assert k["clv_by_channel"] == {"Email": 30.0, "Paid Social": 12.5, "Organic": 20.0}
    assert k["lowest_clv_channel"] == "Paid Social"
    assert k["ltv_cac"] == {"Email": 3.0, "Paid Social": 0.8}
    assert k["payback_months"] == {"Email": 4.0}  # Paid Social never pays back within the horizon


# ---------------------------------------------------------------------------------------------
# Notebook 04 on a second dataset
# ---------------------------------------------------------------------------------------------

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_clv_forecasting.ipynb"


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_committed_notebook_passes_its_holdout_check_on_sample_data():
    from kpikit import report

    kpis = report.read_kpis(NOTEBOOK)  # the notebook is committed executed on data/sample
    assert kpis["model"] == "bgnbd"
    assert abs(kpis["holdout_relative_error"]) < 0.10
    assert kpis["lowest_clv_channel"] == "Paid Social"


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_finds_planted_clv_effect_on_second_dataset(render, second_dataset):
    from kpikit import report

    res = render("04_clv_forecasting.ipynb", data_dir=str(second_dataset), client="Second Client", horizon=24)
    kpis = report.read_kpis(res.ipynb)
    # planted (data/sample/README.md): Paid Social customers buy less often and spend less per order
    assert kpis["lowest_clv_channel"] == "Paid Social"
    others = [v for k, v in kpis["clv_by_channel"].items() if k != "Paid Social"]
    assert kpis["clv_by_channel"]["Paid Social"] < 0.85 * min(others)
    # the data follow BG/NBD, so the holdout check passes: total purchases within 10%
    assert abs(kpis["holdout_relative_error"]) < 0.10
    assert kpis["model"] == "bgnbd" and 0 < kpis["share_probably_gone"] < 1


@pytest.mark.notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_runs_pareto_with_given_cac(render):
    from kpikit import report

    res = render("04_clv_forecasting.ipynb", model="pareto", cac=40.0, freq="W")
    kpis = report.read_kpis(res.ipynb)
    assert kpis["model"] == "pareto"
    assert set(kpis["purchase_params"]) == {"r", "alpha", "s", "beta"}
    # weekly grain: holdout purchases = distinct (customer, week) after the calibration week, for the
    # customers seen by 2024-12-30 (the last day 2025-06-30 minus 6 months), counted with plain pandas
    tx = pd.read_csv(Path(__file__).resolve().parent.parent / "data" / "sample" / "transactions.csv", parse_dates=["timestamp"])
    week = tx["timestamp"].dt.to_period("W")
    cal_week = pd.Period("2024-12-30", "W")
    known = set(tx.loc[week <= cal_week, "customer_id"])
    later = tx.loc[(week > cal_week) & tx["customer_id"].isin(known)].assign(week=week)
    assert kpis["holdout_actual"] == later.drop_duplicates(["customer_id", "week"]).shape[0]
    assert kpis["holdout_relative_error"] == pytest.approx(kpis["holdout_predicted"] / kpis["holdout_actual"] - 1)
    # one given CAC for every channel: LTV:CAC = LTV / 40 for all seven channels
    assert len(kpis["ltv_cac"]) == 7
