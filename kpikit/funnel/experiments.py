"""Landing-page conversion and A/B tests of landing-page variants.

A session converts when it has at least one conversion; a page's (or variant's) conversion rate is
converting sessions / sessions with a Wilson interval. An A/B test reports the frequentist comparison
(Newcombe interval of B - A, pooled z test) and the Bayesian one (P(B > A) and the expected loss of
each choice under Beta priors) side by side, so a reader sees both the evidence and the risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.funnel.steps import _FIX
from kpikit.schemas import column_list, require_columns
from kpikit.stats import BayesComparison, Rate, RateComparison, bayes_compare, compare_rates, rate_frame

__all__ = ["landing_page_conversion", "ab_test", "ABTestResult", "ab_test_sessions"]


def landing_page_conversion(
    sessions: pd.DataFrame,
    by: str | Sequence[str] = "landing_page",
    converted: str = "conversions",
    min_sessions: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Landing-page conversion rate: converting sessions / sessions, per page (and variant).

    conversion_rate = sessions with at least one conversion / sessions, with a Wilson interval. A
    session converts when its ``conversions`` count is at least 1 (a boolean column works too), so a
    session with three purchases counts once.

    Parameters
    ----------
    sessions : DataFrame
        Canonical ``sessions`` table (landing_page, conversions; ``variant`` for tests).
    by : str or list of str
        Grouping columns (default the landing page; add "variant" for an A/B split).
    converted : str
        Column with the session's conversion count (or a boolean).
    min_sessions : int
        Leave out groups with fewer sessions.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, sessions, converted_sessions, conversion_rate, ci_low,
        ci_high, small_sample; sorted by sessions, largest first.

    References
    ----------
    Google Analytics 4, "Session conversion rate"; Wilson (1927).

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/a", "/a", "/b"], "conversions": [1, 0, 0]})
    >>> landing_page_conversion(s)["conversion_rate"].tolist()
    [0.5, 0.0]
    """
    keys = column_list(by)
    require_columns(sessions, keys + [converted], "sessions", fix=_FIX)
    conv = sessions[converted]
    if conv.isna().any():
        bad = np.flatnonzero(conv.isna().to_numpy())
        raise KpiDataError(
            f"sessions, column '{converted}': {bad.size} empty values ({describe_rows((bad + 1).tolist())})."
        )
    flag = conv.astype(bool) if conv.dtype == bool else conv.to_numpy(dtype=float) > 0
    g = pd.DataFrame({**{k: sessions[k].to_numpy() for k in keys}, "_c": np.asarray(flag, dtype=np.int64)})
    out = g.groupby(keys, sort=True, dropna=False)["_c"].agg(sessions="size", converted_sessions="sum").reset_index()
    out = out[out["sessions"] >= min_sessions]
    out = rate_frame(out, "converted_sessions", "sessions", "conversion_rate", level=level)
    return out.sort_values(["sessions"] + keys, ascending=[False] + [True] * len(keys), kind="stable").reset_index(
        drop=True
    )


@dataclass(frozen=True)
class ABTestResult:
    """Frequentist and Bayesian comparison of variant B against variant A.

    Attributes
    ----------
    page : str or None
        The landing page tested.
    comparison : RateComparison
        B against A (``comparison.a`` is B, ``comparison.b`` is A): difference, interval, z, p-value.
    bayes : BayesComparison
        P(B > A) and the expected loss of choosing A or B.
    """

    page: str | None
    comparison: RateComparison
    bayes: BayesComparison

    def as_dict(self) -> dict:
        """Plain-JSON form: rates, difference with interval, p-value, P(B > A), expected losses.

        Returns
        -------
        dict
            page, rate_a, rate_b (as :meth:`~kpikit.stats.Rate.as_dict`), difference_b_minus_a, ci_low,
            ci_high, p_value, prob_b_beats_a, expected_loss_a, expected_loss_b.
        """
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
        """One sentence with the result, for findings.

        Returns
        -------
        str
        """
        c, bz = self.comparison, self.bayes
        where = f" on {self.page}" if self.page else ""
        return (
            f"Variant B converts {c.a.value:.1%} against {c.b.value:.1%} for A{where} "
            f"({c.difference * 100:+.1f} pts, 95% CI {c.low * 100:+.1f} to {c.high * 100:+.1f}, p = {c.p_value:.3f}); "
            f"P(B > A) = {bz.prob_b_beats_a:.1%}, expected loss of choosing B {bz.expected_loss_b * 100:.2f} pts."
        )


def ab_test(
    a: Rate | tuple[int, int],
    b: Rate | tuple[int, int],
    page: str | None = None,
    prior: tuple[float, float] = (1.0, 1.0),
    draws: int = 200_000,
    seed: int = 0,
    level: float = 0.95,
) -> ABTestResult:
    """A/B comparison of two conversion rates, frequentist and Bayesian.

    difference = rate_B - rate_A with Newcombe's interval and the pooled two-proportion z test; and,
    with independent Beta(prior) priors updated by the counts, P(B > A) and the expected loss of
    choosing each variant, E[max(rate_other - rate_chosen, 0)] (Monte Carlo, seeded).

    Parameters
    ----------
    a, b : Rate or (conversions, sessions)
        The control (A) and the variant (B).
    page : str, optional
        The landing page tested, for the summary sentence.
    prior : (float, float)
        Beta prior of both rates (default Beta(1, 1), uniform).
    draws, seed : int
        Monte Carlo draws and seed of the posterior comparison.
    level : float
        Confidence level of the difference interval.

    Returns
    -------
    ABTestResult

    References
    ----------
    Newcombe (1998), method 10; Kohavi, Tang and Xu (2020), "Trustworthy Online Controlled
    Experiments"; Stucchio (2015), "Bayesian A/B testing at VWO" (expected loss).

    Examples
    --------
    >>> r = ab_test((120, 2400), (150, 2380))
    >>> round(r.bayes.prob_b_beats_a, 2)
    0.97
    """
    return ABTestResult(
        page, compare_rates(b, a, level=level), bayes_compare(a, b, prior=prior, draws=draws, seed=seed)
    )


def ab_test_sessions(
    sessions: pd.DataFrame,
    page: str,
    variant_col: str = "variant",
    control: str = "A",
    treatment: str = "B",
    converted: str = "conversions",
    page_col: str = "landing_page",
    **options: Any,
) -> ABTestResult:
    """:func:`ab_test` on the sessions that landed on ``page``, split by ``variant_col``.

    Each variant's rate is converting sessions / sessions on that page (see
    :func:`landing_page_conversion`).

    Parameters
    ----------
    sessions : DataFrame
        Canonical ``sessions`` table with a variant column.
    page : str
        The landing page tested.
    variant_col : str
        Column holding the variant of each session.
    control, treatment : str
        The variant values of A (control) and B (treatment).
    converted : str
        Column with the session's conversion count (or a boolean).
    page_col : str
        Column holding the landing page.
    **options
        Passed to :func:`ab_test` (prior, draws, seed, level).

    Returns
    -------
    ABTestResult

    References
    ----------
    Kohavi, Tang and Xu (2020), "Trustworthy Online Controlled Experiments".
    """
    lp = landing_page_conversion(sessions[sessions[page_col] == page], by=variant_col, converted=converted)
    got = dict(zip(lp[variant_col].astype(str), zip(lp["converted_sessions"], lp["sessions"])))
    for v in (control, treatment):
        if v not in got:
            raise KpiDataError(f"sessions: no sessions of variant {v!r} on {page!r} (variants there: {sorted(got)}).")
    return ab_test(got[control], got[treatment], page=page, **options)
