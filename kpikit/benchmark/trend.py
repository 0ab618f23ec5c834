"""Benchmarking against oneself: the previous period and the same period a year ago."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import column_list, float_values, require_columns, utc_naive
from kpikit.stats import fdr, newcombe_interval, period_code, periods_per_year, two_proportion_ztest

__all__ = ["against_self"]


def against_self(
    series: pd.DataFrame,
    date: str = "period",
    value: str | None = None,
    successes: str | None = None,
    trials: str | None = None,
    count: str | None = None,
    freq: str = "MS",
    periods: Sequence[Literal["previous", "year_ago"]] = ("previous", "year_ago"),
    by: str | Sequence[str] | None = None,
    higher_is_better: bool = True,
    alpha: float = 0.05,
    level: float = 0.95,
    latest_only: bool = False,
    dispersion: float = 1.0,
) -> pd.DataFrame:
    """Each period against the previous period and the same period a year before, with tests.

    Give exactly one of:

    - ``successes`` and ``trials`` (a rate): value = k / n; change tested with the pooled
      two-proportion z test, Newcombe interval of the difference;
    - ``count`` (events in equal-length periods, e.g. mentions): change tested with the exact
      conditional binomial test of k1 / (k1 + k2) = 1/2 (two Poisson counts, equal exposure);
    - ``value`` (no counts): change shown, not tested.

    Rows are first summed within periods of ``freq``: counts add up, and a
    ``value`` column is summed too (pass one row per period to keep your own aggregation). "previous"
    is the period just before; "year_ago" is 12 months (4 quarters, 52 weeks, 364 days: same weekday)
    before. Benjamini-Hochberg q-values are computed across all tested rows of the result.
    ``dispersion`` (phi >= 1, see :func:`compare`) makes the rate and count tests quasi-likelihood
    tests: z / sqrt(phi) (for counts, the normal approximation of the conditional test with its
    variance times phi), intervals widened by sqrt(phi).

    Parameters
    ----------
    series : DataFrame
        One row per date (and segment) holding the date and the value or count columns.
    date : str
        Datetime column (default ``"period"``).
    value, count : str, optional
        A value column (shown, untested) or an event-count column (tested); see above.
    successes, trials : str, optional
        Numerator and denominator count columns of a rate (tested); give both.
    freq : str
        Period grain (:mod:`kpikit.stats.periods`): "D", "W", "MS"/"M"/"ME", "QS"/"Q"/"QE",
        "YS"/"Y"/"YE". Periods are labelled by their first day whatever the alias.
    periods : sequence of {"previous", "year_ago"}
        Which comparisons to make, in output order.
    by : str or list of str, optional
        Segment columns; each segment is compared with itself.
    higher_is_better : bool
        Direction of the metric, for the verdict.
    alpha : float
        False discovery rate for the verdicts.
    level : float
        Confidence level of the difference interval.
    latest_only : bool
        Keep only the latest period (of each segment).
    dispersion : float
        Overdispersion factor phi >= 1 (1 = plain binomial / Poisson tests).

    Returns
    -------
    DataFrame
        One row per (segment,) period and comparison with a reference in the data: by..., period,
        comparison, reference_period, value, reference_value, change, relative_change, diff_low,
        diff_high, p_value, q_value, verdict ("improved" / "worsened" when q < alpha, "no significant
        change" when tested and not, "up" / "down" / "flat" untested), trials (the period's denominator
        for a rate, else NaN: with the change, the size of the move in counts).

    References
    ----------
    Newcombe (1998), method 10; Przyborowski and Wilenski (1940) for the conditional test of two
    Poisson counts; Benjamini and Hochberg (1995).

    Examples
    --------
    >>> s = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "k": [50, 80], "n": [1000, 1000]})
    >>> r = against_self(s, successes="k", trials="n", periods=("previous",))
    >>> row = r.iloc[0]
    >>> float(row["value"]), float(row["reference_value"]), row["verdict"]
    (0.08, 0.05, 'improved')
    """
    _check_arguments(value, count, successes, trials, periods, dispersion)
    code = period_code(freq)
    keys = column_list(by)
    cols = [c for c in (value, count, successes, trials) if c is not None]
    _check_series(series, date, cols, keys, value)
    if isinstance(series[date].dtype, pd.DatetimeTZDtype):  # tz-aware dates are converted to UTC
        series = series.assign(**{date: utc_naive(series[date], f"series, column {date!r}")})
    m = _paired_periods(series, date, cols, keys, code, periods, periods_per_year(freq))
    out = _changes(m, keys, value, count, successes, trials, level, dispersion)
    if latest_only and len(out):
        latest = out.groupby(keys, sort=False)["period"].transform("max") if keys else out["period"].max()
        out = out[out["period"] == latest]
    out = _self_verdicts(out.reset_index(drop=True), alpha, higher_is_better)
    order = {c: i for i, c in enumerate(periods)}
    out = out.sort_values(
        [*keys, "period", "comparison"], key=lambda s: s.map(order) if s.name == "comparison" else s, kind="mergesort"
    )
    return out[[*keys, *_SELF_COLUMNS]].reset_index(drop=True)


#: Columns of :func:`against_self` after the segment columns.
_SELF_COLUMNS = [
    "period", "comparison", "reference_period", "value", "reference_value", "change", "relative_change",
    "diff_low", "diff_high", "p_value", "q_value", "verdict", "trials",
]  # fmt: skip


def _check_arguments(
    value: str | None,
    count: str | None,
    successes: str | None,
    trials: str | None,
    periods: Sequence[str],
    dispersion: float,
) -> None:
    """Refuse a dispersion below 1, other than one kind of column, or unknown comparisons."""
    if not dispersion >= 1:
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial test.")
    modes = [x is not None for x in (value, count)] + [successes is not None or trials is not None]
    if sum(modes) != 1 or ((successes is None) != (trials is None)):
        raise KpiDataError("against_self: give exactly one of value=, count=, or successes= with trials=.")
    bad = [p for p in periods if p not in ("previous", "year_ago")]
    if bad or not periods:
        raise KpiDataError(f"periods must name 'previous' and/or 'year_ago' (got {list(periods)!r}).")


def _changes(
    m: pd.DataFrame,
    keys: list[str],
    value: str | None,
    count: str | None,
    successes: str | None,
    trials: str | None,
    level: float,
    dispersion: float,
) -> pd.DataFrame:
    """Each paired period's value, its reference value, the change, its interval and p-value (untested: NaN)."""
    out = m[keys].copy()
    out["period"] = m["_p"].dt.start_time
    out["trials"] = m[trials].to_numpy(dtype=float) if successes is not None else np.nan
    out["comparison"] = m["comparison"]
    out["reference_period"] = m["reference_period"]
    if successes is not None:
        _rate_change(out, m, successes, trials, level, dispersion)
    elif count is not None:
        _count_change(out, m, count, dispersion)
    else:
        nanv = np.full(len(m), np.nan)
        out["value"], out["reference_value"] = m[value].to_numpy(dtype=float), m[f"{value}_ref"].to_numpy(dtype=float)
        out["change"] = out["value"] - out["reference_value"]
        out["diff_low"], out["diff_high"], out["p_value"] = nanv, nanv, nanv
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative_change"] = np.where(out["reference_value"] != 0, out["change"] / out["reference_value"], np.nan)
    return out


def _check_series(series: pd.DataFrame, date: str, cols: list[str], keys: list[str], value: str | None) -> None:
    """Refuse a series without its columns, with non-dates, or with empty, non-numeric or negative counts."""
    require_columns(
        series,
        [date, *cols, *keys],
        "series",
        fix="Name columns the series has in date=, value=, count=, successes=, trials= and by=.",
    )
    if not pd.api.types.is_datetime64_any_dtype(series[date]):
        raise KpiDataError(
            f"series, column {date!r}: expected datetimes (got {series[date].dtype}); convert with pd.to_datetime."
        )
    for c in cols:
        x = float_values(series[c])
        badrows = np.isnan(x)
        if c != value:
            badrows = badrows | (x < 0)
        if badrows.any():
            raise KpiDataError(
                f"series, column {c!r}: {int(badrows.sum())} empty, non-numeric or negative value(s) "
                f"({describe_rows(series.index[badrows])}). Fix the data; counts must be >= 0."
            )


def _paired_periods(
    series: pd.DataFrame, date: str, cols: list[str], keys: list[str], code: str, periods: Sequence[str], per_year: int
) -> pd.DataFrame:
    """Sums per (segment,) period of grain ``code``, each beside its reference period's sums (``<col>_ref``).

    One row per period and comparison whose reference period is in the data: "previous" is one
    period before, "year_ago" ``per_year`` periods before. Columns: keys..., _p (the Period), the
    sums, their ``_ref`` twins, comparison, reference_period (its first day).
    """
    data = series[keys].copy()
    for c in cols:
        data[c] = float_values(series[c])
    data["_p"] = series[date].dt.to_period(code)
    agg = data.groupby(keys + ["_p"], sort=True, observed=True)[cols].sum().reset_index()
    step = {"previous": 1, "year_ago": per_year}
    parts = []
    for comp in periods:  # at most two comparisons
        ref = agg.copy()
        ref["_p"] = ref["_p"] + step[comp]
        m = agg.merge(ref, on=keys + ["_p"], how="inner", suffixes=("", "_ref"))
        m["comparison"] = comp
        m["reference_period"] = (m["_p"] - step[comp]).dt.start_time
        parts.append(m)
    return pd.concat(parts, ignore_index=True)


def _rate_change(
    out: pd.DataFrame, m: pd.DataFrame, successes: str, trials: str, level: float, dispersion: float
) -> None:
    """Rates k / n of each period and its reference, their difference, Newcombe interval and z-test p-value."""
    sq = math.sqrt(dispersion)
    k1, n1 = m[successes].to_numpy(dtype=float), m[trials].to_numpy(dtype=float)
    k2, n2 = m[f"{successes}_ref"].to_numpy(dtype=float), m[f"{trials}_ref"].to_numpy(dtype=float)
    if np.any(k1 > n1) or np.any(k2 > n2):
        raise KpiDataError(
            f"series: {successes!r} exceeds {trials!r} in some periods; the numerator must be part of the denominator."
        )
    ok = (n1 > 0) & (n2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"], out["reference_value"] = k1 / n1, k2 / n2
    z, _ = two_proportion_ztest(np.where(ok, k1, 0), np.where(ok, n1, 1), np.where(ok, k2, 0), np.where(ok, n2, 1))
    lo, hi = newcombe_interval(
        np.where(ok, k1, 0), np.where(ok, n1, 1), np.where(ok, k2, 0), np.where(ok, n2, 1), level
    )
    d = (out["value"] - out["reference_value"]).to_numpy()
    out["change"] = d
    out["diff_low"] = np.where(ok, d - sq * (d - lo), np.nan)
    out["diff_high"] = np.where(ok, d + sq * (hi - d), np.nan)
    out["p_value"] = np.where(ok, 2 * _st.norm.sf(np.abs(z) / sq), np.nan)


def _count_change(out: pd.DataFrame, m: pd.DataFrame, count: str, dispersion: float) -> None:
    """Counts of each period and its reference, their change and the conditional test of k1 / (k1 + k2) = 1/2.

    Exact binomial test when ``dispersion`` is 1; else its normal approximation with the variance times phi.
    """
    sq = math.sqrt(dispersion)
    nanv = np.full(len(m), np.nan)
    k1, k2 = m[count].to_numpy(dtype=float), m[f"{count}_ref"].to_numpy(dtype=float)
    tot = k1 + k2
    out["value"], out["reference_value"] = k1, k2
    out["change"] = k1 - k2
    out["diff_low"], out["diff_high"] = nanv, nanv
    if dispersion == 1:
        lower = _st.binom.cdf(k1, tot, 0.5)
        upper = _st.binom.sf(k1 - 1, tot, 0.5)
        out["p_value"] = np.where(tot > 0, np.minimum(1.0, 2 * np.minimum(lower, upper)), np.nan)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            zc = (k1 - tot / 2) / np.sqrt(tot / 4)
        out["p_value"] = np.where(tot > 0, 2 * _st.norm.sf(np.abs(zc) / sq), np.nan)


def _self_verdicts(out: pd.DataFrame, alpha: float, higher_is_better: bool) -> pd.DataFrame:
    """Add q_value (Benjamini-Hochberg over the tested rows) and the verdict word, in place."""
    out["q_value"] = fdr(out["p_value"].to_numpy())
    tested = out["p_value"].notna().to_numpy()
    sig = tested & (out["q_value"].to_numpy() < alpha)
    good = (out["change"].to_numpy() > 0) == higher_is_better
    untested = np.where(out["change"] > 0, "up", np.where(out["change"] < 0, "down", "flat"))
    out["verdict"] = np.where(
        sig, np.where(good, "improved", "worsened"), np.where(tested, "no significant change", untested)
    )
    return out
