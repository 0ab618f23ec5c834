"""Benchmarking against oneself: the previous period and the same period a year ago."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.benchmark.compare import _check_columns, _floats
from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import column_list
from kpikit.stats import fdr, newcombe_interval, two_proportion_ztest

__all__ = ['against_self']


_PERIOD_CODES = {"D": "D", "W": "W", "MS": "M", "M": "M", "QS": "Q", "Q": "Q", "YS": "Y", "Y": "Y"}


_YEAR_STEPS = {"D": 364, "W": 52, "M": 12, "Q": 4, "Y": 1}


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

    Rows are first summed within periods of ``freq`` (D, W, MS, QS, YS): counts add up, and a
    ``value`` column is summed too (pass one row per period to keep your own aggregation). "previous"
    is the period just before; "year_ago" is 12 months (4 quarters, 52 weeks, 364 days: same weekday)
    before. Benjamini-Hochberg q-values are computed across all tested rows of the result.
    ``dispersion`` (phi >= 1, see :func:`compare`) makes the rate and count tests quasi-likelihood
    tests: z / sqrt(phi) (for counts, the normal approximation of the conditional test with its
    variance times phi), intervals widened by sqrt(phi).

    Returns
    -------
    DataFrame
        One row per (segment,) period and comparison with a reference in the data: by..., period,
        comparison, reference_period, value, reference_value, change, relative_change, diff_low,
        diff_high, p_value, q_value, verdict ("improved" / "worsened" when q < alpha, "no significant
        change" when tested and not, "up" / "down" / "flat" untested).

    Examples
    --------
    >>> s = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "k": [50, 80], "n": [1000, 1000]})
    >>> r = against_self(s, successes="k", trials="n", periods=("previous",))
    >>> row = r.iloc[0]
    >>> float(row["value"]), float(row["reference_value"]), row["verdict"]
    (0.08, 0.05, 'improved')
    """
    if not dispersion >= 1:
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial test.")
    sq = math.sqrt(dispersion)
    modes = [x is not None for x in (value, count)] + [successes is not None or trials is not None]
    if sum(modes) != 1 or ((successes is None) != (trials is None)):
        raise KpiDataError("against_self: give exactly one of value=, count=, or successes= with trials=.")
    bad = [p for p in periods if p not in ("previous", "year_ago")]
    if bad or not periods:
        raise KpiDataError(f"periods must name 'previous' and/or 'year_ago' (got {list(periods)!r}).")
    code = _PERIOD_CODES.get(freq)
    if code is None:
        raise KpiDataError(f"freq must be one of {', '.join(_PERIOD_CODES)} (got {freq!r}).")
    keys = column_list(by)
    cols = [c for c in (value, count, successes, trials) if c is not None]
    _check_columns(series, [date, *cols, *keys], "series")
    if not pd.api.types.is_datetime64_any_dtype(series[date]):
        raise KpiDataError(f"series, column {date!r}: expected datetimes (got {series[date].dtype}); convert with pd.to_datetime.")
    for c in cols:
        x = _floats(series[c])
        badrows = np.isnan(x)
        if c != value:
            badrows = badrows | (x < 0)
        if badrows.any():
            raise KpiDataError(
                f"series, column {c!r}: {int(badrows.sum())} empty, non-numeric or negative value(s) "
                f"({describe_rows(series.index[badrows])}). Fix the data; counts must be >= 0."
            )
    data = series[keys].copy()
    for c in cols:
        data[c] = _floats(series[c])
    data["_p"] = series[date].dt.to_period(code)
    agg = data.groupby(keys + ["_p"], sort=True, observed=True)[cols].sum().reset_index()
    step = {"previous": 1, "year_ago": _YEAR_STEPS[code]}
    parts = []
    for comp in periods:  # at most two comparisons
        ref = agg.copy()
        ref["_p"] = ref["_p"] + step[comp]
        m = agg.merge(ref, on=keys + ["_p"], how="inner", suffixes=("", "_ref"))
        m["comparison"] = comp
        m["reference_period"] = (m["_p"] - step[comp]).dt.start_time
        parts.append(m)
    m = pd.concat(parts, ignore_index=True)
    out = m[keys].copy()
    out["period"] = m["_p"].dt.start_time
    out["comparison"] = m["comparison"]
    out["reference_period"] = m["reference_period"]
    nanv = np.full(len(m), np.nan)
    if successes is not None:
        k1, n1 = m[successes].to_numpy(dtype=float), m[trials].to_numpy(dtype=float)
        k2, n2 = m[f"{successes}_ref"].to_numpy(dtype=float), m[f"{trials}_ref"].to_numpy(dtype=float)
        if np.any(k1 > n1) or np.any(k2 > n2):
            raise KpiDataError(f"series: {successes!r} exceeds {trials!r} in some periods; the numerator must be part of the denominator.")
        ok = (n1 > 0) & (n2 > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"], out["reference_value"] = k1 / n1, k2 / n2
        z, _ = two_proportion_ztest(np.where(ok, k1, 0), np.where(ok, n1, 1), np.where(ok, k2, 0), np.where(ok, n2, 1))
        lo, hi = newcombe_interval(np.where(ok, k1, 0), np.where(ok, n1, 1), np.where(ok, k2, 0), np.where(ok, n2, 1), level)
        d = (out["value"] - out["reference_value"]).to_numpy()
        out["change"] = d
        out["diff_low"] = np.where(ok, d - sq * (d - lo), np.nan)
        out["diff_high"] = np.where(ok, d + sq * (hi - d), np.nan)
        out["p_value"] = np.where(ok, 2 * _st.norm.sf(np.abs(z) / sq), np.nan)
    elif count is not None:
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
    else:
        out["value"], out["reference_value"] = m[value].to_numpy(dtype=float), m[f"{value}_ref"].to_numpy(dtype=float)
        out["change"] = out["value"] - out["reference_value"]
        out["diff_low"], out["diff_high"], out["p_value"] = nanv, nanv, nanv
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative_change"] = np.where(out["reference_value"] != 0, out["change"] / out["reference_value"], np.nan)
    if latest_only and len(out):
        latest = out.groupby(keys, sort=False)["period"].transform("max") if keys else out["period"].max()
        out = out[out["period"] == latest]
    out = out.reset_index(drop=True)
    out["q_value"] = fdr(out["p_value"].to_numpy())
    tested = out["p_value"].notna().to_numpy()
    sig = tested & (out["q_value"].to_numpy() < alpha)
    good = (out["change"].to_numpy() > 0) == higher_is_better
    untested = np.where(out["change"] > 0, "up", np.where(out["change"] < 0, "down", "flat"))
    out["verdict"] = np.where(sig, np.where(good, "improved", "worsened"), np.where(tested, "no significant change", untested))
    order = {c: i for i, c in enumerate(periods)}
    out = out.sort_values([*keys, "period", "comparison"], key=lambda s: s.map(order) if s.name == "comparison" else s, kind="mergesort")
    cols = [*keys, "period", "comparison", "reference_period", "value", "reference_value", "change", "relative_change",
            "diff_low", "diff_high", "p_value", "q_value", "verdict"]
    return out[cols].reset_index(drop=True)
