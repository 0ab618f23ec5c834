"""Benchmarking against published industry figures: the client placed within bands, or shown as context only.

A published figure is evidence for a better/worse verdict only when it measures the same thing at a
comparable time. A row measured under another definition (Universal Analytics' bounce rate against a
GA4 one), published more than ``max_age_years`` before the client's data, or whose source states no
year (shown on request) is **context only**: it is placed beside the client, and the table says why it
gets no verdict.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.benchmark.client import _coerce_value
from kpikit.benchmark.compare import _counts_ok, _direction
from kpikit.benchmark.units import _check_units
from kpikit.errors import KpiDataError, KpiWarning, normalise_name
from kpikit.i18n import Finding
from kpikit.schemas import float_values, require_columns

__all__ = ["against_industry", "missing_benchmarks", "industry_notes", "industry_table", "DEFINITION_MARKERS"]

#: Definitions a benchmark row can be measured under, recognised in its ``definition`` column (when the
#: table has one), else in its note, source or unit: Universal Analytics and GA4 bounce rates differ
#: (UA: single-interaction sessions; GA4: sessions not engaged).
DEFINITION_MARKERS: dict[str, re.Pattern] = {
    "ua": re.compile(r"universal analytics|\bua\b", re.IGNORECASE),
    "ga4": re.compile(r"\bga4\b|google analytics 4", re.IGNORECASE),
}


def _client_table(client) -> pd.DataFrame:
    if isinstance(client, pd.DataFrame):
        if "metric" not in client.columns or "value" not in client.columns:
            raise KpiDataError("client: a frame needs 'metric' and 'value' columns (see kk.benchmark.client_kpis).")
        out = client.copy()
    elif isinstance(client, Mapping):
        rows = []
        for k, v in client.items():
            metric, segment = k if isinstance(k, tuple) else (k, None)
            rows.append({"metric": metric, "segment": segment, **_coerce_value(v)})
        out = pd.DataFrame(rows)
    else:
        raise KpiDataError(f"client: expected a mapping metric -> value or a frame, got {type(client).__name__}.")
    for c in ("segment", "low", "high", "successes", "trials", "client_period", "definition"):
        if c not in out.columns:
            out[c] = np.nan if c in ("low", "high", "successes", "trials") else None
    if "client_source" not in out.columns:
        out["client_source"] = "given"
    if "dispersion" not in out.columns:
        out["dispersion"] = 1.0
    out["dispersion"] = out["dispersion"].astype(float).fillna(1.0)
    return out


def against_industry(
    client: pd.DataFrame | Mapping[str, Any],
    benchmarks: pd.DataFrame,
    segments: Sequence[str] | None = None,
    higher_is_better: bool | Mapping[str, bool] | None = None,
    aliases: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    keep_missing: bool = True,
    undated: Literal["raise", "exclude", "show"] = "raise",
    warn: bool = True,
    definitions: Mapping[str, str] | None = None,
    max_age_years: int | None = None,
    as_of: str | pd.Timestamp | int | None = None,
) -> pd.DataFrame:
    """Place the client within published p25/p50/p75 bands (or beside a single published figure).

    For each benchmark row whose metric matches a client KPI (names compared case- and
    punctuation-insensitively; ``aliases`` maps client names to benchmark names):

    - ``reference`` = p50 when given, else ``value`` (a published average or median); NaN for a
      band published without its median (e.g. "retail 20-40%");
    - ``position``: "below p25", "p25 to median", "median to p75", "above p75" for a band; "above"
      / "below" / "at" the reference for a single figure;
    - ``gap`` = client - reference;
    - ``tested_against``: the band edge the client lies beyond (p75 above the band, p25 below it),
      else the reference;
    - ``p_value``: where the client KPI carries counts, the exact binomial test of the client's rate
      against ``tested_against`` (``scipy.stats.binomtest``); when its row carries a ``dispersion``
      phi > 1 (an overdispersed rate, see ``kk.social.dispersion``), the quasi-binomial test
      z = (k - n p0) / sqrt(phi n p0 (1 - p0)) instead; else NaN;
    - ``verdict``: "better" / "worse" when the client is clearly beyond ``tested_against``
      (significant test, or the client's interval excluding it; a point value without interval is
      taken as it is), "in line" otherwise (always inside a p25-p75 band); oriented by the metric's
      direction (lower is better for bounce, churn, cost... unless ``higher_is_better`` says
      otherwise);
    - ``band_verdict``: "top quartile" / "bottom quartile" / "middle half" (oriented by direction), for
      rows with p25 and p75;
    - ``context``: why a row is **context only** (verdict "context only", no band verdict), the reasons
      joined by ", ": "definition" (the benchmark's definition, from its ``definition`` column or
      :data:`DEFINITION_MARKERS` in its note, source or unit, differs from the client's: ``definitions``
      or the client frame's ``definition`` column), "age" (published more than ``max_age_years`` before
      ``as_of``), "undated" (shown with ``undated="show"``); "" otherwise.

    Every row carries ``source`` and ``year``: a matched benchmark row without a source is refused with a
    KpiDataError (a benchmark without its source and year is not evidence). Rows whose source states no
    year follow ``undated``: "raise" (default), "exclude" (left out with a KpiWarning naming them; the
    result's ``attrs["excluded"]`` lists them) or "show" (kept; ``evidence`` says "undated").

    Both sides must be in one unit, rates and shares being fractions in [0, 1]: a benchmark fraction
    written as a percentage (47 for 0.47), a client KPI above 1 against a fraction, or a fraction
    against a percent unit is refused with the unit named (the rules: ``kpikit.benchmark.units``).

    Parameters
    ----------
    client : mapping or DataFrame
        Metric -> value (float, Rate, Score or dict with value/low/high/successes/trials; a key may be a
        (metric, segment) tuple to match a segment only), or a frame with metric, value and optional
        segment, low, high, successes, trials, client_source columns (:func:`client_kpis`).
    benchmarks : DataFrame
        Canonical ``benchmarks`` table: metric, segment, source, p25, p50, p75, value, n, year (unit,
        note optional).
    segments : sequence of str, optional
        Benchmark segments to keep (e.g. the client's industry: ``["all sites", "retail", "B2C"]``);
        rows with an empty segment are always kept. Default: all segments.
    higher_is_better : bool, mapping or None
        Direction of each metric: one bool for all, a mapping metric -> bool, or None (default) to
        infer it from the name (bounce, churn, cost... are lower-is-better).
    aliases : mapping, optional
        Client metric name -> benchmark metric name, for KPIs named differently in the two tables.
    alpha : float
        Significance level of the exact binomial test.
    keep_missing : bool
        Keep matched benchmark rows for client KPIs whose value is missing (the band is shown without
        the client value, ``verdict`` "no client value").
    undated : {"raise", "exclude", "show"}
        What to do with matched rows that have a source but no year (see above).
    warn : bool
        Emit the KpiWarning naming rows left out by ``undated="exclude"``. Pass False only when the
        caller reports ``attrs["excluded"]`` itself (e.g. with :func:`industry_notes`).
    definitions : mapping, optional
        Client metric -> the definition its value is measured under ("ga4", "ua"), where the client
        frame has no ``definition`` column.
    max_age_years : int, optional
        A benchmark published more than this many years before ``as_of`` is context only; None: no
        age limit.
    as_of : str, Timestamp or int, optional
        The date (or year) the client's figures describe (the end of its data); needed with
        ``max_age_years``.

    Returns
    -------
    DataFrame
        metric, segment, client, client_low, client_high, client_source, client_period, p25, p50, p75,
        value, reference, position, gap, tested_against, p_value, verdict, band_verdict, context,
        client_definition, benchmark_definition, higher_is_better, source, year, evidence ("source and
        year" or "undated"), unit, note, n, trials (the client's counts, where it has them).
        ``attrs["excluded"]``: rows left out.

    References
    ----------
    Google Analytics benchmarking reports (peer p25/p50/p75 bands in GA4); each row's own source;
    Google Analytics Help, "[GA4] Bounce rate" (GA4's bounce rate is the share of sessions not engaged,
    not Universal Analytics' single-interaction sessions); McCullagh and Nelder (1989), ch. 4.5, for
    the quasi-binomial test.
    """
    if max_age_years is not None and as_of is None:
        raise KpiDataError("against_industry: max_age_years needs as_of, the date the client's figures describe.")
    cl = _client_table(client)
    if definitions:
        given = {normalise_name(k): v for k, v in definitions.items()}
        cl["definition"] = [
            d if isinstance(d, str) and d else given.get(normalise_name(m))
            for m, d in zip(cl["metric"], cl["definition"])
        ]
    bm = _benchmark_table(benchmarks)
    merged = _match(cl, bm, segments, aliases, keep_missing)
    if merged.empty:
        empty = pd.DataFrame(columns=_INDUSTRY_COLUMNS)
        empty.attrs["excluded"] = pd.DataFrame(columns=["metric", "segment", "source", "reason"])
        return empty
    _require_sources(merged)
    merged, excluded = _undated(merged, undated, warn)
    _check_units(merged, benchmarks.attrs.get("source") or "benchmarks table")
    out = _placed(merged)
    for c in ("source", "year", "unit", "note", "n"):
        out[c] = merged[c].to_numpy()
    out["year"] = pd.to_numeric(out["year"]).astype("Int64")
    out["client_definition"] = [d if isinstance(d, str) and d else None for d in merged["definition"]]
    out["benchmark_definition"] = [_benchmark_definition(r) for r in merged.to_dict("records")]
    out["context"] = _context(out, max_age_years, as_of)
    _add_verdicts(out, higher_is_better, alpha)
    out["evidence"] = np.where(out["year"].isna().to_numpy(), "undated", "source and year")
    result = out[_INDUSTRY_COLUMNS].reset_index(drop=True)
    result.attrs["excluded"] = excluded
    return result


#: Columns of :func:`against_industry`, in order.
_INDUSTRY_COLUMNS = [
    "metric", "segment", "client", "client_low", "client_high", "client_source", "client_period", "p25", "p50",
    "p75", "value", "reference", "position", "gap", "tested_against", "p_value", "verdict", "band_verdict",
    "context", "client_definition", "benchmark_definition", "higher_is_better", "source", "year", "evidence",
    "unit", "note", "n", "trials",
]  # fmt: skip


def _benchmark_definition(row: Mapping) -> str | None:
    """The definition a matched benchmark row is measured under: its ``definition`` cell, else a marker in its text."""
    given = row.get("definition_bm")
    if isinstance(given, str) and given.strip():
        return given.strip().lower()
    text = " ".join(str(row.get(c)) for c in ("note", "source", "unit") if isinstance(row.get(c), str))
    for name, pattern in DEFINITION_MARKERS.items():
        if pattern.search(text):
            return name
    return None


def _year_of(as_of: str | pd.Timestamp | int) -> int:
    if isinstance(as_of, (int, np.integer)) and not isinstance(as_of, bool):
        return int(as_of)
    return int(pd.Timestamp(as_of).year)


def _context(out: pd.DataFrame, max_age_years: int | None, as_of: Any) -> list[str]:
    """Why each row is context only: "definition", "age", "undated" (joined by ", "), or ""."""
    year_now = _year_of(as_of) if max_age_years is not None else None
    reasons = []
    for r in out.itertuples(index=False):  # a handful of matched rows
        why = []
        cdef, bdef = r.client_definition, r.benchmark_definition
        if (
            isinstance(cdef, str)
            and isinstance(bdef, str)
            and cdef
            and bdef
            and normalise_name(cdef) != normalise_name(bdef)
        ):
            why.append("definition")
        if pd.isna(r.year):
            why.append("undated")
        elif year_now is not None and year_now - int(r.year) > max_age_years:
            why.append("age")
        reasons.append(", ".join(why))
    return reasons


def _benchmark_table(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """A copy of the benchmarks table with every optional column present (empty where not given)."""
    if not isinstance(benchmarks, pd.DataFrame):
        raise KpiDataError("benchmarks: expected the canonical benchmarks table as a DataFrame.")
    require_columns(benchmarks, ["metric", "source"], "benchmarks")
    bm = benchmarks.copy()
    for c in ("segment", "p25", "p50", "p75", "value", "n", "year", "unit", "note", "definition"):
        if c not in bm.columns:
            bm[c] = np.nan
    bm["_row"] = np.arange(1, len(bm) + 1)  # the table's data rows, numbered from 1, for messages
    return bm


def _match(
    cl: pd.DataFrame,
    bm: pd.DataFrame,
    segments: Sequence[str] | None,
    aliases: Mapping[str, str] | None,
    keep_missing: bool,
) -> pd.DataFrame:
    """Client KPI rows joined with the benchmark rows of the same metric (and segment, when the client gives one).

    Names are compared after :func:`normalise_name`; a benchmark row with an empty segment matches every client
    row of its metric; ``segments`` keeps only those benchmark segments (and the empty ones).
    """
    alias = {normalise_name(k): normalise_name(v) for k, v in (aliases or {}).items()}
    cl["_key"] = [alias.get(normalise_name(m), normalise_name(m)) for m in cl["metric"]]
    bm["_key"] = [normalise_name(m) for m in bm["metric"]]
    seg_empty = bm["segment"].isna() | (bm["segment"].astype(str).str.strip() == "")
    if segments is not None:
        wanted = {normalise_name(s) for s in segments}
        bm = bm[seg_empty | bm["segment"].map(lambda s: normalise_name(s) in wanted)]
        seg_empty = seg_empty.loc[bm.index]
    if not keep_missing:
        cl = cl[cl["value"].notna()]
    cl = cl.assign(
        _seg=[
            "" if (s is None or (not isinstance(s, str) and pd.isna(s)) or str(s).strip() == "") else normalise_name(s)
            for s in cl["segment"]
        ]
    )
    bm = bm.assign(_seg=["" if e else normalise_name(s) for s, e in zip(bm["segment"], seg_empty)])
    merged = cl.drop(columns=["segment"]).merge(
        bm.rename(columns={"metric": "metric_bm"}), on="_key", how="inner", suffixes=("", "_bm")
    )
    return merged[(merged["_seg"] == "") | (merged["_seg"] == merged["_seg_bm"])]


def _require_sources(merged: pd.DataFrame) -> None:
    """Refuse matched benchmark rows without a source: a benchmark without its source is not evidence."""
    src_missing = (merged["source"].isna() | (merged["source"].astype(str).str.strip() == "")).to_numpy()
    if src_missing.any():
        first = merged[src_missing].iloc[0]
        raise KpiDataError(
            f"benchmarks: {int(src_missing.sum())} row(s) used for the comparison have no source (first: metric "
            f"{first['metric']!r}, segment {first['segment']!r}). A benchmark without its source is not evidence: "
            "add the source to the table, or remove the row."
        )


def _undated(merged: pd.DataFrame, undated: str, warn: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the ``undated`` rule of :func:`against_industry` to matched rows without a year.

    Returns the rows kept and the rows left out (metric, segment, source, reason).
    """
    year_missing = merged["year"].isna().to_numpy()
    excluded = pd.DataFrame(columns=["metric", "segment", "source", "reason"])
    if year_missing.any():
        lines = [
            f"{m} ({sg}): {src}"
            for m, sg, src in zip(
                merged["metric"][year_missing], merged["segment"][year_missing], merged["source"][year_missing]
            )
        ]
        if undated == "raise":
            raise KpiDataError(
                f"benchmarks: {int(year_missing.sum())} row(s) used for the comparison have no year ("
                + "; ".join(lines[:3])
                + ("; ..." if len(lines) > 3 else "")
                + "). A benchmark without its year is not evidence: add the year, remove the row, or pass "
                "undated='exclude' (left out, listed) or undated='show' (shown, flagged as undated)."
            )
        if undated == "exclude":
            excluded = pd.DataFrame(
                {
                    "metric": merged["metric"][year_missing].to_numpy(),
                    "segment": merged["segment"][year_missing].to_numpy(),
                    "source": merged["source"][year_missing].to_numpy(),
                    "reason": "the source states no year",
                }
            )
            if warn:
                warnings.warn(
                    f"{int(year_missing.sum())} benchmark row(s) left out because their source states no year: "
                    + "; ".join(lines)
                    + ". Pass undated='show' to show them flagged.",
                    KpiWarning,
                    stacklevel=3,
                )
            merged = merged[~year_missing]
        elif undated != "show":
            raise KpiDataError(f"undated must be 'raise', 'exclude' or 'show' (got {undated!r}).")
    return merged, excluded


def _placed(merged: pd.DataFrame) -> pd.DataFrame:
    """The client beside each matched figure: values, reference, gap, the edge tested against and the p-value.

    The p-value tests the client's counts against ``tested_against`` (the band edge the client lies
    beyond, else the reference), where the client KPI carries counts (:func:`_binomial_p`).
    """
    out = pd.DataFrame(
        {
            "metric": merged["metric"].to_numpy(),
            "segment": merged["segment"].to_numpy(),
            "client": float_values(merged["value"]),
            "client_low": float_values(merged["low"]),
            "client_high": float_values(merged["high"]),
            "client_source": merged["client_source"].to_numpy(),
            "client_period": merged["client_period"].to_numpy(),
            "p25": float_values(merged["p25"]),
            "p50": float_values(merged["p50"]),
            "p75": float_values(merged["p75"]),
            "value": float_values(merged["value_bm"]),
        }
    )
    out["reference"] = np.where(~np.isnan(out["p50"]), out["p50"], out["value"])
    out["gap"] = out["client"] - out["reference"]
    # what the client is tested against: the band edge it lies beyond, else the reference
    band = ~np.isnan(out["p25"].to_numpy()) & ~np.isnan(out["p75"].to_numpy())
    c = out["client"].to_numpy()
    target = np.where(
        band & (c > out["p75"]), out["p75"], np.where(band & (c < out["p25"]), out["p25"], out["reference"])
    )
    out["tested_against"] = target
    k = float_values(merged["successes"])
    n = float_values(merged["trials"])
    out["trials"] = n
    phi = float_values(merged["dispersion"])
    pvals = np.full(len(out), np.nan)
    with np.errstate(invalid="ignore"):
        ok = _counts_ok(k, n) & ~np.isnan(target) & (target > 0) & (target < 1)
    for i in np.flatnonzero(ok):  # one test per matched benchmark row (a handful)
        pvals[i] = _binomial_p(int(k[i]), int(n[i]), float(target[i]), float(phi[i]))
    out["p_value"] = pvals
    return out


def _binomial_p(k: int, n: int, p0: float, phi: float = 1.0) -> float:
    """Two-sided p-value of k successes in n against p0: exact binomial, or quasi-binomial when phi > 1.

    Quasi-binomial: z = (k - n p0) / sqrt(phi n p0 (1 - p0)), p = 2 (1 - Phi(|z|)) (McCullagh and
    Nelder 1989, ch. 4.5): the binomial variance inflated by the overdispersion the data show.
    """
    if not phi > 1:
        return float(_st.binomtest(k, n, p0).pvalue)
    z = (k - n * p0) / math.sqrt(phi * n * p0 * (1 - p0))
    return float(2 * _st.norm.sf(abs(z)))


def _add_verdicts(out: pd.DataFrame, higher_is_better: bool | Mapping[str, bool] | None, alpha: float) -> None:
    """Add higher_is_better, position, verdict and band_verdict to the rows of :func:`_placed`."""
    hib = np.array([_direction(higher_is_better, m) for m in out["metric"]])
    out["higher_is_better"] = hib
    positions, verdicts, bands = [], [], []
    for i, r in enumerate(out.itertuples(index=False)):  # a handful of rows
        positions.append(_position(r))
        verdicts.append(_industry_verdict(r, bool(hib[i]), alpha))
        bands.append(_band_verdict(r, bool(hib[i])))
    out["position"] = positions
    out["verdict"] = verdicts
    out["band_verdict"] = bands


def _position(r) -> str:
    c = r.client
    if math.isnan(c):
        return "no client value"
    if not math.isnan(r.p25) and not math.isnan(r.p75):
        med = r.p50 if not math.isnan(r.p50) else (r.p25 + r.p75) / 2
        if c < r.p25:
            return "below p25"
        if c > r.p75:
            return "above p75"
        return "p25 to median" if c <= med else "median to p75"
    if math.isnan(r.reference):
        return "no reference"
    return "above" if c > r.reference else ("below" if c < r.reference else "at")


def _industry_verdict(r, hib: bool, alpha: float) -> str:
    c, ref = r.client, r.tested_against
    if math.isnan(c):
        return "no client value"
    if r.context:
        return "context only"
    band = not math.isnan(r.p25) and not math.isnan(r.p75)
    if band and r.p25 <= c <= r.p75:
        return "in line"
    if math.isnan(ref):
        return "no reference"
    if not math.isnan(r.p_value):
        clear = r.p_value < alpha
    elif not math.isnan(r.client_low) and not math.isnan(r.client_high):
        clear = not (r.client_low <= ref <= r.client_high)
    else:
        clear = c != ref
    if not clear:
        return "in line"
    return "better" if (c > ref) == hib else "worse"


def _band_verdict(r, hib: bool) -> str:
    if r.context or math.isnan(r.client) or math.isnan(r.p25) or math.isnan(r.p75):
        return ""
    if r.client > r.p75:
        return "top quartile" if hib else "bottom quartile"
    if r.client < r.p25:
        return "bottom quartile" if hib else "top quartile"
    return "middle half"


def missing_benchmarks(
    client: pd.DataFrame | Mapping[str, Any], benchmarks: pd.DataFrame, aliases: Mapping[str, str] | None = None
) -> list[str]:
    """Client KPIs (with a value) that have no row at all in the benchmarks table.

    Say so in the report rather than leave the KPI out silently: the fix is a published figure with
    its source and year in the table.

    Parameters
    ----------
    client : mapping or DataFrame
        The client KPIs, as given to :func:`against_industry`.
    benchmarks : DataFrame
        Canonical ``benchmarks`` table.
    aliases : mapping, optional
        Client metric name -> benchmark metric name.

    Returns
    -------
    list of str
        Client metric names without any benchmark row, sorted.
    """
    cl = _client_table(client)
    cl = cl[cl["value"].notna()]
    alias = {normalise_name(k): normalise_name(v) for k, v in (aliases or {}).items()}
    have = {normalise_name(m) for m in benchmarks["metric"]}
    return sorted({str(m) for m in cl["metric"] if alias.get(normalise_name(m), normalise_name(m)) not in have})


def industry_notes(
    industry: pd.DataFrame, client: pd.DataFrame | Mapping[str, Any], benchmarks: pd.DataFrame
) -> list[Finding]:
    """What an industry comparison leaves out, in words: undated rows, KPIs without benchmark, missing values.

    Parameters
    ----------
    industry : DataFrame
        Output of :func:`against_industry` (its ``attrs["excluded"]`` lists the rows left out).
    client : mapping or DataFrame
        The client KPIs given to :func:`against_industry`.
    benchmarks : DataFrame
        The benchmarks table given to :func:`against_industry`.

    Returns
    -------
    list of Finding
        Sentences (translatable, no business impact); one saying every KPI is placed when nothing is
        left out.
    """
    out: list[Finding] = []
    excluded = industry.attrs.get("excluded")
    if excluded is not None and len(excluded):
        rows = "; ".join(f"{r.metric} ({r.segment}): {r.source}" for r in excluded.itertuples(index=False))
        out.append(
            Finding(
                "Left out because the source states no year (a benchmark without its year is not evidence): {rows}.",
                {"rows": rows},
            )
        )
    missing = missing_benchmarks(client, benchmarks)
    if missing:
        out.append(
            Finding(
                "No published benchmark in the table for: {metrics}. Add figures with their source and year "
                "to benchmarks.csv to compare them.",
                {"metrics": ", ".join(missing)},
            )
        )
    cl = _client_table(client)
    no_value = sorted({str(m) for m in cl.loc[cl["value"].isna(), "metric"]})
    if no_value:
        out.append(
            Finding(
                "No client value available for: {metrics} (neither recorded by another report nor computable here).",
                {"metrics": ", ".join(no_value)},
            )
        )
    if not out:
        out.append(
            Finding("Every client KPI with a published benchmark is placed above, each row with its source and year.")
        )
    return out


def industry_table(industry: pd.DataFrame) -> pd.DataFrame:
    """The record form of :func:`against_industry`: the columns a reader needs, year and period as text.

    Parameters
    ----------
    industry : DataFrame
        Output of :func:`against_industry`.

    Returns
    -------
    DataFrame
        metric, segment, client, client_source, client_period (text), p25, p50, p75, value, position,
        verdict, context, source, year ("undated" when the source states none), note.
    """
    from kpikit.benchmark.client import period_text

    cols = [
        "metric", "segment", "client", "client_source", "client_period", "p25", "p50", "p75", "value", "position",
        "verdict", "context", "source", "year", "note",
    ]  # fmt: skip
    out = industry.reindex(columns=cols).copy()
    out["year"] = ["undated" if pd.isna(y) else str(int(y)) for y in out["year"]]
    out["client_period"] = [period_text(p) for p in out["client_period"]]
    out["context"] = out["context"].fillna("")
    return out
