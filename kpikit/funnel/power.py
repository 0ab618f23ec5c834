"""The A/B test of notebook 02: its page from the data, its power, its result as a table, and its verdict.

A test that is not significant is "not conclusive", never a loss or a win: the verdict says how small a
difference the test could detect at its sample size, and how many more sessions per variant it would take
to detect the difference observed (normal approximation of the two-proportion z test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from kpikit.errors import KpiDataError
from kpikit.funnel.experiments import ABTestResult
from kpikit.i18n import Finding

__all__ = [
    "ab_test_page",
    "detectable_difference",
    "sessions_needed",
    "ab_variants",
    "ab_table",
    "ab_kpi",
    "ab_verdict",
]


def ab_test_page(sessions: pd.DataFrame, variant_col: str = "variant", page_col: str = "landing_page") -> str:
    """The landing page of the A/B test: the page with the most sessions carrying a variant, among pages with two.

    Parameters
    ----------
    sessions : DataFrame
        Canonical ``sessions`` table.
    variant_col, page_col : str
        The variant and landing-page columns.

    Returns
    -------
    str

    Raises
    ------
    KpiDataError
        When the sessions carry no variant column, or no page has sessions of two variants.
    """
    if variant_col not in sessions.columns:
        raise KpiDataError(
            f"The sessions carry no '{variant_col}' column: there is no A/B test to report (add each session's "
            f"variant to the sessions table to test one)."
        )
    tested = sessions.dropna(subset=[variant_col])
    counts = tested.groupby(page_col)[variant_col].agg(["nunique", "size"])
    counts = counts[counts["nunique"] >= 2]
    if counts.empty:
        raise KpiDataError("No landing page has sessions of two variants: there is no A/B test to report.")
    return str(counts.sort_values("size", ascending=False, kind="stable").index[0])


def detectable_difference(n_a: int, n_b: int, rate: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest difference of two conversion rates a two-sided test detects with the given power.

    mdd = (z_{1 - alpha/2} + z_{power}) x sqrt(p (1 - p) (1/n_a + 1/n_b)), with p the pooled rate
    (the normal approximation of the two-proportion z test).

    Parameters
    ----------
    n_a, n_b : int
        Sessions of each variant.
    rate : float
        The pooled conversion rate (both variants together).
    alpha : float
        Significance level of the two-sided test.
    power : float
        Probability of detecting a true difference of that size.

    Returns
    -------
    float
        The difference, as a fraction (0.02 is 2 percentage points).

    References
    ----------
    Kohavi, Tang and Xu (2020), "Trustworthy Online Controlled Experiments", ch. 17 (power and sample size).

    Examples
    --------
    >>> round(detectable_difference(1000, 1000, 0.05), 4)
    0.0273
    """
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(z * np.sqrt(rate * (1 - rate) * (1 / n_a + 1 / n_b)))


def sessions_needed(rate_a: float, rate_b: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Sessions per variant a two-sided test needs to detect the difference of two rates with the given power.

    n = (z_{1 - alpha/2} + z_{power})^2 x (p_a (1 - p_a) + p_b (1 - p_b)) / (p_b - p_a)^2; inf when the
    rates are equal.

    Parameters
    ----------
    rate_a, rate_b : float
        The two conversion rates.
    alpha : float
        Significance level of the two-sided test.
    power : float
        Probability of detecting the difference.

    Returns
    -------
    float

    References
    ----------
    Kohavi, Tang and Xu (2020), "Trustworthy Online Controlled Experiments", ch. 17.

    Examples
    --------
    >>> round(sessions_needed(0.05, 0.06))
    8155
    """
    d = rate_b - rate_a
    if d == 0:
        return float("inf")
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(z**2 * (rate_a * (1 - rate_a) + rate_b * (1 - rate_b)) / d**2)


def _power_figures(ab: ABTestResult, power: float) -> dict:
    a, b = ab.comparison.b, ab.comparison.a  # the comparison is B against A
    alpha = 1 - ab.comparison.level
    pooled = (a.successes + b.successes) / (a.trials + b.trials)
    needed = sessions_needed(a.value, b.value, alpha, power)
    return {
        "mdd": detectable_difference(a.trials, b.trials, pooled, alpha, power),
        "more": max(0.0, needed - min(a.trials, b.trials)),
        "per_variant": min(a.trials, b.trials),
    }


def ab_variants(ab: ABTestResult) -> pd.DataFrame:
    """The two variants of an A/B test: sessions, converting sessions and conversion rate with its interval.

    Parameters
    ----------
    ab : ABTestResult
        :func:`~kpikit.funnel.ab_test_sessions` (or ``ab_test``).

    Returns
    -------
    DataFrame
        test_variant ("A", "B"), sessions, converted_sessions, conversion_rate, ci_low, ci_high.
    """
    rows = []
    for name, r in (("A", ab.comparison.b), ("B", ab.comparison.a)):
        rows.append(
            {
                "test_variant": name,
                "sessions": int(r.trials),
                "converted_sessions": int(r.successes),
                "conversion_rate": r.value,
                "ci_low": r.low,
                "ci_high": r.high,
            }
        )
    return pd.DataFrame(rows)


def ab_table(ab: ABTestResult, power: float = 0.8) -> pd.DataFrame:
    """The A/B test as one row: B minus A with its interval, p-value, P(B > A) and the test's power.

    Parameters
    ----------
    ab : ABTestResult
        :func:`~kpikit.funnel.ab_test_sessions` (or ``ab_test``).
    power : float
        The power at which the smallest detectable difference is given.

    Returns
    -------
    DataFrame
        verdict, difference, diff_low, diff_high, p_value, prob_b_beats_a, detectable_difference,
        sessions_needed (more sessions per variant to detect the observed difference; 0 when significant).
    """
    c = ab.comparison
    figures = _power_figures(ab, power)
    significant = c.p_value < 1 - c.level
    verdict = ("b_wins" if c.difference > 0 else "a_wins") if significant else "not_conclusive"
    row = {
        "verdict": verdict,
        "difference": c.difference,
        "diff_low": c.low,
        "diff_high": c.high,
        "p_value": c.p_value,
        "prob_b_beats_a": ab.bayes.prob_b_beats_a,
        "detectable_difference": figures["mdd"],
        "sessions_needed": 0 if significant else round(figures["more"]),
    }
    return pd.DataFrame([row])


def ab_kpi(ab: ABTestResult, power: float = 0.8) -> dict:
    """The A/B test as a KPI: page, verdict, both rates, B minus A with its interval, p-value, P(B > A), power.

    Parameters
    ----------
    ab : ABTestResult
        :func:`~kpikit.funnel.ab_test_sessions` (or ``ab_test``).
    power : float
        The power of the smallest detectable difference.

    Returns
    -------
    dict
        page, verdict, rate_a and rate_b (as ``Rate.as_dict``), difference ({value, low, high}), p_value,
        prob_b_beats_a, detectable_difference.
    """
    row = ab_table(ab, power).iloc[0]
    c = ab.comparison
    return {
        "page": ab.page,
        "verdict": row["verdict"],
        "rate_a": c.b.as_dict(),
        "rate_b": c.a.as_dict(),
        "difference": {"value": c.difference, "low": c.low, "high": c.high},
        "p_value": c.p_value,
        "prob_b_beats_a": ab.bayes.prob_b_beats_a,
        "detectable_difference": float(row["detectable_difference"]),
    }


_AB_WIN = (
    "On {page}, variant {winner} converts better: B {b:pct} against A {a:pct} ({diff:pp}, 95% CI {low:pp} to "
    "{high:pp}, {p:pvalue}); P(B > A) = {prob:pct}."
)
_AB_OPEN = (
    "The A/B test on {page} is not conclusive: B converts {b:pct} against {a:pct} for A ({diff:pp}, 95% CI {low:pp} "
    "to {high:pp}, {p:pvalue}). With {n:int} sessions per variant it detects a difference of {mdd:pp} or more "
    "(80% power); to detect the observed difference would take about {more:int} more sessions per variant."
)


def ab_verdict(ab: ABTestResult, power: float = 0.8) -> Finding:
    """The A/B test's verdict, with its power when it is not conclusive; never a winner without evidence.

    Impact: the conversions the worse variant cost over the test (the difference x the worse variant's
    sessions) when the test is significant; 0 when it is not (running it longer is the action).

    Parameters
    ----------
    ab : ABTestResult
        :func:`~kpikit.funnel.ab_test_sessions` (or ``ab_test``).
    power : float
        The power of the smallest detectable difference quoted.

    Returns
    -------
    Finding
    """
    c = ab.comparison
    a, b = c.b, c.a
    fields = {
        "page": ab.page or "",
        "a": a.value,
        "b": b.value,
        "diff": c.difference,
        "low": c.low,
        "high": c.high,
        "p": c.p_value,
    }
    if c.p_value < 1 - c.level:
        loser = a if c.difference > 0 else b
        impact = abs(c.difference) * loser.trials
        winner = "B" if c.difference > 0 else "A"
        return Finding(_AB_WIN, {**fields, "winner": winner, "prob": ab.bayes.prob_b_beats_a}, impact=impact)
    figures = _power_figures(ab, power)
    more = figures["more"]
    fields.update(n=figures["per_variant"], mdd=figures["mdd"], more=round(more) if np.isfinite(more) else 0)
    return Finding(_AB_OPEN, fields, impact=0.0)
