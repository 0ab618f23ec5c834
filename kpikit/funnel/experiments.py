"""Landing-page conversion and A/B tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.funnel.events import _require
from kpikit.schemas import column_list
from kpikit.stats import (
    BayesComparison,
    RateComparison,
    bayes_compare,
    compare_rates,
    rate_frame,
)

__all__ = ['landing_page_conversion', 'ab_test', 'ABTestResult', 'ab_test_sessions']


def landing_page_conversion(
    sessions: pd.DataFrame,
    by: str | Sequence[str] = "landing_page",
    converted: str = "conversions",
    min_sessions: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Landing-page conversion rate: converting sessions / sessions, per page (and variant).

    A session converts when its ``conversions`` count is at least 1 (a boolean column works too).

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, sessions, converted_sessions, conversion_rate, ci_low,
        ci_high, small_sample; sorted by sessions, largest first.

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/a", "/a", "/b"], "conversions": [1, 0, 0]})
    >>> landing_page_conversion(s)["conversion_rate"].tolist()
    [0.5, 0.0]
    """
    keys = column_list(by)
    _require(sessions, keys + [converted], "sessions")
    conv = sessions[converted]
    if conv.isna().any():
        bad = np.flatnonzero(conv.isna().to_numpy())
        raise KpiDataError(f"sessions, column '{converted}': {bad.size} empty values ({describe_rows((bad + 1).tolist())}).")
    flag = conv.astype(bool) if conv.dtype == bool else conv.to_numpy(dtype=float) > 0
    g = pd.DataFrame({**{k: sessions[k].to_numpy() for k in keys}, "_c": np.asarray(flag, dtype=np.int64)})
    out = g.groupby(keys, sort=True, dropna=False)["_c"].agg(sessions="size", converted_sessions="sum").reset_index()
    out = out[out["sessions"] >= min_sessions]
    out = rate_frame(out, "converted_sessions", "sessions", "conversion_rate", level=level)
    return out.sort_values(["sessions"] + keys, ascending=[False] + [True] * len(keys), kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ABTestResult:
    """Frequentist and Bayesian comparison of variant B against variant A."""

    page: str | None
    comparison: RateComparison
    bayes: BayesComparison

    def as_dict(self) -> dict:
        """Plain-JSON form: rates, difference with interval, p-value, P(B > A), expected losses."""
        return {
            "page": self.page,
            "rate_a": self.comparison.b.as_dict(),
            "rate_b": self.comparison.a.as_dict(),
            "difference_b_minus_a": self.comparison.difference,
            "ci_low": self.comparison.low,
            "ci_high": self.comparison.high,
            "p_value": self.comparison.p_value,
            "prob_b_beats_a": self.bayes.prob_b_beats_a,
            "expected_loss_a": self.bayes.expected_loss_a,
            "expected_loss_b": self.bayes.expected_loss_b,
        }

    def summary(self) -> str:
        """One sentence with the result, for findings."""
        c, bz = self.comparison, self.bayes
        where = f" on {self.page}" if self.page else ""
        return (
            f"Variant B converts {c.a.value:.1%} against {c.b.value:.1%} for A{where} "
            f"({c.difference * 100:+.1f} pts, 95% CI {c.low * 100:+.1f} to {c.high * 100:+.1f}, p = {c.p_value:.3f}); "
            f"P(B > A) = {bz.prob_b_beats_a:.1%}, expected loss of choosing B {bz.expected_loss_b * 100:.2f} pts."
        )


def ab_test(
    a,
    b,
    page: str | None = None,
    prior: tuple[float, float] = (1.0, 1.0),
    draws: int = 200_000,
    seed: int = 0,
    level: float = 0.95,
) -> ABTestResult:
    """A/B comparison of two conversion rates: B - A with Newcombe's interval and a z test, plus
    P(B > A) and expected losses under independent Beta(prior) priors (Monte Carlo, seeded).

    Parameters
    ----------
    a, b : Rate or (conversions, sessions)
        The control (A) and the variant (B).
    prior : (float, float)
        Beta prior of both rates (default Beta(1, 1), uniform).
    draws, seed : int
        Monte Carlo draws and seed of the posterior comparison.

    Examples
    --------
    >>> r = ab_test((120, 2400), (150, 2380))
    >>> round(r.bayes.prob_b_beats_a, 2)
    0.97
    """
    return ABTestResult(page, compare_rates(b, a, level=level), bayes_compare(a, b, prior=prior, draws=draws, seed=seed))


def ab_test_sessions(
    sessions: pd.DataFrame,
    page: str,
    variant_col: str = "variant",
    control: str = "A",
    treatment: str = "B",
    converted: str = "conversions",
    page_col: str = "landing_page",
    **options,
) -> ABTestResult:
    """:func:`ab_test` on the sessions that landed on ``page``, split by ``variant_col``."""
    lp = landing_page_conversion(sessions[sessions[page_col] == page], by=variant_col, converted=converted)
    got = dict(zip(lp[variant_col].astype(str), zip(lp["converted_sessions"], lp["sessions"])))
    for v in (control, treatment):
        if v not in got:
            raise KpiDataError(f"sessions: no sessions of variant {v!r} on {page!r} (variants there: {sorted(got)}).")
    return ab_test(got[control], got[treatment], page=page, **options)
