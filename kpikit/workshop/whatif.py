"""What-if tables: how an input moves a KPI, one row per value (a slider's stops in JupyterLab).

Each function returns a small frame computed by the kit's own KPI functions, so the table a learner
reads in the HTML edition is the same computation a slider shows in JupyterLab
(:meth:`kpikit.workshop.Workshop.what_if`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError

__all__ = ["interval_by_sample_size", "nps_interval_by_sample_size", "ltv_by_churn", "clv_steps"]


def _sizes(sizes: Iterable[int]) -> list[int]:
    out = [int(n) for n in sizes]
    if not out or min(out) < 1:
        raise KpiDataError(f"sample sizes must be whole numbers of at least 1; got {list(sizes)!r}.")
    return out


def interval_by_sample_size(rate: float, sizes: Iterable[int], level: float = 0.95) -> pd.DataFrame:
    """The same rate measured on samples of different sizes, with its Wilson interval each time.

    Parameters
    ----------
    rate : float
        The rate observed (a fraction in [0, 1]); each sample holds round(rate x n) successes.
    sizes : iterable of int
        The sample sizes (sessions, customers, answers).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``n``, ``successes``, ``rate``, ``ci_low``, ``ci_high`` and ``width`` (ci_high - ci_low).

    Examples
    --------
    >>> t = interval_by_sample_size(0.45, [100, 10000])
    >>> [round(w, 3) for w in t["width"]]
    [0.191, 0.019]
    """
    from kpikit.stats import proportion_ci

    if not 0.0 <= float(rate) <= 1.0:
        raise KpiDataError(f"rate must be a fraction in [0, 1]; got {rate!r}.")
    n = np.array(_sizes(sizes))
    k = np.round(float(rate) * n).astype(int)
    low, high = proportion_ci(k, n, level=level)
    frame = pd.DataFrame({"n": n, "successes": k, "rate": k / n, "ci_low": low, "ci_high": high})
    frame["width"] = frame["ci_high"] - frame["ci_low"]
    frame.attrs["level"] = level
    return frame


def nps_interval_by_sample_size(
    promoters: float, detractors: float, sizes: Iterable[int], level: float = 0.95
) -> pd.DataFrame:
    """The same NPS measured on surveys of different sizes, with its interval each time.

    Each survey of n answers holds round(promoters x n) answers of 10, round(detractors x n) of 0 and
    passives (8) for the rest, scored by :func:`kpikit.satisfaction.nps`.

    Parameters
    ----------
    promoters : float
        Share of promoters (answers 9-10).
    detractors : float
        Share of detractors (answers 0-6).
    sizes : iterable of int
        Numbers of answers.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``n``, ``nps``, ``ci_low``, ``ci_high`` and ``width`` (in NPS points).
    """
    from kpikit.satisfaction import nps

    if promoters < 0 or detractors < 0 or promoters + detractors > 1:
        raise KpiDataError(
            f"promoters and detractors are shares adding up to at most 1; got {promoters!r}, {detractors!r}."
        )
    rows = []
    for n in _sizes(sizes):
        p, d = round(promoters * n), round(detractors * n)
        score = nps([10] * p + [0] * d + [8] * (n - p - d), level=level)
        rows.append({"n": n, "nps": score.value, "ci_low": score.low, "ci_high": score.high})
    frame = pd.DataFrame(rows)
    frame["width"] = frame["ci_high"] - frame["ci_low"]
    frame.attrs["level"] = level
    return frame


def ltv_by_churn(arpa: float, churn_rates: Iterable[float], gross_margin: float | None = None) -> pd.DataFrame:
    """Subscription LTV for a range of monthly churn rates, all else equal.

    LTV = ARPA x gross margin / churn (:func:`kpikit.subscriptions.subscription_ltv`); the expected
    lifetime is 1 / churn periods.

    Parameters
    ----------
    arpa : float
        Average revenue per account per month.
    churn_rates : iterable of float
        Monthly churn rates (fractions in (0, 1]).
    gross_margin : float, optional
        Gross margin (None: the no-margin, revenue variant).

    Returns
    -------
    DataFrame
        ``churn_rate``, ``lifetime_months`` and ``ltv``.

    Examples
    --------
    >>> ltv_by_churn(30.0, [0.05, 0.04], gross_margin=0.6)["ltv"].round(2).tolist()
    [360.0, 450.0]
    """
    from kpikit.subscriptions import subscription_ltv

    rates = [float(c) for c in churn_rates]
    if not rates or min(rates) <= 0 or max(rates) > 1:
        raise KpiDataError(f"churn rates must be fractions in (0, 1]; got {rates!r}.")
    return pd.DataFrame(
        {
            "churn_rate": rates,
            "lifetime_months": [1.0 / c for c in rates],
            "ltv": [subscription_ltv(arpa, c, gross_margin=gross_margin).value for c in rates],
        }
    )


def clv_steps(
    monthly_revenue: float,
    years: float = 5.0,
    gross_margin: float = 1.0,
    monthly_churn: float = 0.0,
    annual_discount_rate: float = 0.0,
) -> pd.DataFrame:
    """From the articles' "100 x 12 x 5" to a customer value, adding what it leaves out one step at a time.

    Payments come at the start of each month while the customer stays; month t (0, 1, ...) is paid with
    probability (1 - churn)^t and is worth 1 / (1 + i)^t today, i = (1 + annual rate)^(1/12) - 1:

    - ``naive``: revenue x 12 x years;
    - ``margin``: x gross margin;
    - ``retention``: margin x sum over the 12 x years months of (1 - churn)^t;
    - ``discounting``: margin x sum of (1 - churn)^t / (1 + i)^t;
    - ``open_lifetime``: the same without the fixed lifespan, margin x (1 + i) / (i + churn).

    Parameters
    ----------
    monthly_revenue : float
        Revenue per customer per month.
    years : float
        The lifespan the naive formula assumes.
    gross_margin : float
        Gross margin, a fraction in (0, 1].
    monthly_churn : float
        Monthly churn, a fraction in [0, 1).
    annual_discount_rate : float
        Yearly discount rate (cost of capital), a fraction >= 0.

    Returns
    -------
    DataFrame
        ``step``, ``value`` and ``change`` (from the step before).

    References
    ----------
    Berger and Nasr (1998), "Customer lifetime value: marketing models and applications", Journal of
    Interactive Marketing 12(1) (retention and discounting summed period by period); Gupta and Lehmann
    (2003), "Customers as assets", Journal of Interactive Marketing 17(1) (the margin multiple of an
    open lifetime).

    Examples
    --------
    >>> clv_steps(100, 5, 0.6, 0.05, 0.10)["value"].round(0).tolist()
    [6000.0, 3600.0, 1145.0, 1013.0, 1043.0]
    """
    if not 0 < gross_margin <= 1 or not 0 <= monthly_churn < 1 or annual_discount_rate < 0 or years <= 0:
        raise KpiDataError(
            "clv_steps needs 0 < gross_margin <= 1, 0 <= monthly_churn < 1, annual_discount_rate >= 0 and years > 0."
        )
    months = int(round(12 * years))
    i = (1.0 + annual_discount_rate) ** (1 / 12) - 1.0
    t = np.arange(months)
    stay = (1.0 - monthly_churn) ** t
    base = gross_margin * monthly_revenue
    open_life = base * (1 + i) / (i + monthly_churn) if i + monthly_churn > 0 else np.inf
    values = [
        monthly_revenue * months,
        base * months,
        base * stay.sum(),
        base * (stay / (1 + i) ** t).sum(),
        open_life,
    ]
    frame = pd.DataFrame({"step": ["naive", "margin", "retention", "discounting", "open_lifetime"], "value": values})
    frame["change"] = frame["value"].diff()
    return frame
