"""Benchmarking against published industry figures, and the client KPIs they are compared with."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.benchmark.compare import _counts_ok, _direction
from kpikit.benchmark.units import _check_units
from kpikit.errors import KpiDataError, KpiWarning, normalise_name
from kpikit.schemas import float_values, require_columns

__all__ = ["client_kpis", "against_industry", "recorded_kpis", "missing_benchmarks", "industry_notes", "industry_table"]


def _coerce_value(v) -> dict:
    """A KPI value in any recorded form -> dict(value, low, high, successes, trials)."""
    out = {"value": np.nan, "low": np.nan, "high": np.nan, "successes": np.nan, "trials": np.nan}
    if v is None:
        return out
    if hasattr(v, "as_dict") and callable(v.as_dict):
        v = v.as_dict()
    if isinstance(v, Mapping):
        for k in out:
            if k in v and v[k] is not None:
                out[k] = float(v[k])
        return out
    try:
        out["value"] = float(v)
    except (TypeError, ValueError):
        raise KpiDataError(f"client KPI value {v!r} is not a number, a Rate/Score or a dict with 'value'.") from None
    return out


def client_kpis(
    mapping: Mapping[str, str],
    recorded: Mapping[str, Mapping] | None = None,
    recomputed: Mapping[str, Any] | None = None,
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Collect the client's own KPIs for :func:`against_industry`, saying where each one came from.

    Parameters
    ----------
    mapping : mapping
        Benchmark metric -> where to find the client's value in ``recorded``, as
        ``"<notebook stem>:<kpi key>"`` (``"01_bounce_rate_diagnosis:bounce_rate"``); a dotted key
        reaches into nested dicts (``"03_churn_and_renewal:churn.monthly"``).
    recorded : mapping, optional
        Notebook stem -> its recorded KPIs (``kk.report.read_kpis(path)``), for the notebooks whose
        ``.kpis.json`` exists.
    recomputed : mapping, optional
        Benchmark metric -> value computed in the current notebook, used when the recorded value is
        absent.
    extra : DataFrame, optional
        More client rows in the returned shape (e.g. ``kk.social.industry_kpis``: per-platform rates
        with a ``segment`` column), appended as they are.

    Returns
    -------
    DataFrame
        metric, segment, value, low, high, successes, trials, client_source ("recorded by <notebook>",
        "recomputed here" or "not available": the band is then shown without the client).
    """
    recorded = recorded or {}
    recomputed = recomputed or {}
    rows = []
    for metric, where in mapping.items():  # a few metrics
        value, src = None, "not available"
        stem, _, key = str(where).partition(":")
        kp = recorded.get(stem)
        if kp is not None and key:
            node: Any = kp
            for part in key.split("."):
                node = node.get(part) if isinstance(node, Mapping) else None
                if node is None:
                    break
            if node is not None:
                value, src = node, f"recorded by {stem}"
        if value is None and metric in recomputed and recomputed[metric] is not None:
            value, src = recomputed[metric], "recomputed here"
        rows.append({"metric": metric, "segment": None, **_coerce_value(value), "client_source": src})
    for metric, v in recomputed.items():
        if metric not in mapping and v is not None:
            rows.append({"metric": metric, "segment": None, **_coerce_value(v), "client_source": "recomputed here"})
    cols = ["metric", "segment", "value", "low", "high", "successes", "trials", "client_source"]
    out = pd.DataFrame(rows, columns=cols)
    if extra is not None and len(extra):
        missing = [c for c in ("metric", "value") if c not in extra.columns]
        if missing:
            raise KpiDataError(
                f"extra: missing column(s) {', '.join(missing)}; give rows shaped like client_kpis' output."
            )
        ext = extra.reindex(columns=cols)
        ext["client_source"] = ext["client_source"].fillna("given")
        out = pd.concat([out.astype({"segment": object}), ext.astype({"segment": object})], ignore_index=True)
    return out


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
    for c in ("segment", "low", "high", "successes", "trials"):
        if c not in out.columns:
            out[c] = np.nan if c != "segment" else None
    if "client_source" not in out.columns:
        out["client_source"] = "given"
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
      against ``tested_against`` (``scipy.stats.binomtest``); else NaN;
    - ``verdict``: "better" / "worse" when the client is clearly beyond ``tested_against``
      (significant test, or the client's interval excluding it; a point value without interval is
      taken as it is), "in line" otherwise (always inside a p25-p75 band); oriented by the metric's
      direction (lower is better for bounce, churn, cost... unless ``higher_is_better`` says
      otherwise);
    - ``band_verdict``: "top quartile" / "bottom quartile" / "middle half" (oriented by direction), for
      rows with p25 and p75.

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

    Returns
    -------
    DataFrame
        metric, segment, client, client_low, client_high, client_source, p25, p50, p75, value,
        reference, position, gap, tested_against, p_value, verdict, band_verdict, higher_is_better, source, year,
        evidence ("source and year" or "undated"), unit, note, n. ``attrs["excluded"]``: rows left out.

    References
    ----------
    Google Analytics benchmarking reports (peer p25/p50/p75 bands in GA4); each row's own source.
    """
    cl = _client_table(client)
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
    _add_verdicts(out, higher_is_better, alpha)
    for c in ("source", "year", "unit", "note", "n"):
        out[c] = merged[c].to_numpy()
    out["year"] = pd.to_numeric(out["year"]).astype("Int64")
    out["evidence"] = np.where(out["year"].isna().to_numpy(), "undated", "source and year")
    result = out[_INDUSTRY_COLUMNS].reset_index(drop=True)
    result.attrs["excluded"] = excluded
    return result


#: Columns of :func:`against_industry`, in order.
_INDUSTRY_COLUMNS = [
    "metric", "segment", "client", "client_low", "client_high", "client_source", "p25", "p50", "p75", "value",
    "reference", "position", "gap", "tested_against", "p_value", "verdict", "band_verdict", "higher_is_better",
    "source", "year", "evidence", "unit", "note", "n",
]  # fmt: skip


def _benchmark_table(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """A copy of the benchmarks table with every optional column present (empty where not given)."""
    if not isinstance(benchmarks, pd.DataFrame):
        raise KpiDataError("benchmarks: expected the canonical benchmarks table as a DataFrame.")
    require_columns(benchmarks, ["metric", "source"], "benchmarks")
    bm = benchmarks.copy()
    for c in ("segment", "p25", "p50", "p75", "value", "n", "year", "unit", "note"):
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

    The p-value is the exact binomial test of the client's counts against ``tested_against`` (the
    band edge the client lies beyond, else the reference), where the client KPI carries counts.
    """
    out = pd.DataFrame(
        {
            "metric": merged["metric"].to_numpy(),
            "segment": merged["segment"].to_numpy(),
            "client": float_values(merged["value"]),
            "client_low": float_values(merged["low"]),
            "client_high": float_values(merged["high"]),
            "client_source": merged["client_source"].to_numpy(),
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
    pvals = np.full(len(out), np.nan)
    with np.errstate(invalid="ignore"):
        ok = _counts_ok(k, n) & ~np.isnan(target) & (target > 0) & (target < 1)
    for i in np.flatnonzero(ok):  # one exact test per matched benchmark row (a handful)
        pvals[i] = _st.binomtest(int(k[i]), int(n[i]), float(target[i])).pvalue
    out["p_value"] = pvals
    return out


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
    if math.isnan(r.client) or math.isnan(r.p25) or math.isnan(r.p75):
        return ""
    if r.client > r.p75:
        return "top quartile" if hib else "bottom quartile"
    if r.client < r.p25:
        return "bottom quartile" if hib else "top quartile"
    return "middle half"


def recorded_kpis(folder: str | None) -> dict[str, dict]:
    """The KPIs other reports recorded: ``{notebook stem: kpis}`` for each ``*.kpis.json`` in ``folder``.

    ``kpikit render`` writes ``NN_name.kpis.json`` beside each report. A missing folder (or None)
    gives an empty dict, so the caller falls back to recomputing; an unreadable file is an error.

    Parameters
    ----------
    folder : str or None
        Folder of rendered reports (e.g. ``reports/sample``), or None.

    Returns
    -------
    dict
        Notebook stem (``"01_bounce_rate_diagnosis"``) -> its recorded KPIs.
    """
    import json
    from pathlib import Path

    if folder is None or not Path(folder).is_dir():
        return {}
    out: dict[str, dict] = {}
    for f in sorted(Path(folder).glob("*.kpis.json")):
        try:
            out[f.name[: -len(".kpis.json")]] = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise KpiDataError(f"{f}: not valid JSON ({e}); render the report again with kpikit render.") from None
    return out


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
) -> list[str]:
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
    list of str
        Sentences; one saying every KPI is placed when nothing is left out.
    """
    out: list[str] = []
    excluded = industry.attrs.get("excluded")
    if excluded is not None and len(excluded):
        rows = "; ".join(f"{r.metric} ({r.segment}): {r.source}" for r in excluded.itertuples(index=False))
        out.append(
            f"Left out because the source states no year (a benchmark without its year is not evidence): {rows}."
        )
    missing = missing_benchmarks(client, benchmarks)
    if missing:
        out.append(
            f"No published benchmark in the table for: {', '.join(missing)}. Add figures with their source and year "
            "to benchmarks.csv to compare them."
        )
    cl = _client_table(client)
    no_value = sorted({str(m) for m in cl.loc[cl["value"].isna(), "metric"]})
    if no_value:
        out.append(
            f"No client value available for: {', '.join(no_value)} (neither recorded by another report nor recomputable here)."
        )
    if not out:
        out.append("Every client KPI with a published benchmark is placed above, each row with its source and year.")
    return out


def industry_table(industry: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`against_industry`: the columns a reader needs, year as text.

    Parameters
    ----------
    industry : DataFrame
        Output of :func:`against_industry`.

    Returns
    -------
    DataFrame
        metric, segment, client, client_source, p25, p50, p75, value, position, verdict, source, year
        ("undated" when the source states none), note.
    """
    cols = [
        "metric",
        "segment",
        "client",
        "client_source",
        "p25",
        "p50",
        "p75",
        "value",
        "position",
        "verdict",
        "source",
        "year",
        "note",
    ]
    out = industry.reindex(columns=cols).copy()
    out["year"] = ["undated" if pd.isna(y) else str(int(y)) for y in out["year"]]
    return out
