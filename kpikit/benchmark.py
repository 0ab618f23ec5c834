"""Benchmarking: the client against competitors, against the industry, and against itself.

Three questions close every KPI review, and each has its own honest answer here:

- :func:`compare`: client versus a set of peers (competitors) per metric: peer median and
  quartiles, the client's percentile rank among the peers, the gap to the median and, for metrics
  that rest on counts, a test of the client against the pooled peers with Benjamini-Hochberg control
  across metrics, so a visible gap that is noise is called "not significant".
- :func:`against_industry`: the client placed within published p25/p50/p75 bands (or beside a
  published single figure), every row carrying the figure's source and year. A benchmark without
  its source and year is not evidence, so such rows are refused.
- :func:`against_self`: each period against the previous one and the same period a year before, with
  tests when counts exist.

The five steps of benchmarking as the notebook teaches them: choose the key metrics, set specific
goals, track the actions, give the metrics values, benchmark against yourself and competitors.
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

from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.schemas import column_list, require_columns
from kpikit.stats import fdr, newcombe_interval, two_proportion_ztest

__all__ = [
    "VERDICTS",
    "percentile_rank",
    "compare",
    "scorecard",
    "style_scorecard",
    "client_kpis",
    "against_industry",
    "against_self",
    "findings",
    "recorded_kpis",
    "missing_benchmarks",
    "headline",
    "industry_notes",
    "industry_table",
]

Ties = Literal["mean", "weak", "strict", "rank"]

#: The verdict words of :func:`compare`, in display order.
VERDICTS = ("leads", "in line", "not significant", "lags")

#: Metric-name patterns where lower values are better (used when ``higher_is_better`` is not given).
_LOWER_IS_BETTER = re.compile(r"(bounce|churn|cost|\bcac\b|\bcpa\b|\bcpc\b|\bcpm\b|response time|time to|unsubscribe|complaint|refund|detractor)")


def _floats(col) -> np.ndarray:
    """A numeric column or value (numpy or nullable dtype) as a float array, missing as NaN."""
    x = pd.to_numeric(pd.Series(col), errors="coerce")
    return x.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _norm(name: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _lower_better(name: str) -> bool:
    return bool(_LOWER_IS_BETTER.search(str(name).lower().replace("_", " ")))


def _direction(higher_is_better, metric: str) -> bool:
    """True when higher is better for this metric."""
    if higher_is_better is None:
        return not _lower_better(metric)
    if isinstance(higher_is_better, Mapping):
        if metric in higher_is_better:
            return bool(higher_is_better[metric])
        normed = {_norm(k): bool(v) for k, v in higher_is_better.items()}
        if _norm(metric) in normed:
            return normed[_norm(metric)]
        return not _lower_better(metric)
    return bool(higher_is_better)


# ---------------------------------------------------------------------------------------------
# percentile rank


def percentile_rank(values: Sequence[float] | np.ndarray, score: float, kind: Ties = "mean") -> float:
    """Percentile rank of ``score`` among ``values`` (0-100), with a named tie convention.

    With ``n`` values, ``below`` of them below the score and ``equal`` equal to it:

    - "mean" (default): 100 (below + equal / 2) / n, the mid-rank convention: a tie counts half,
      so a client equal to every peer sits at 50;
    - "weak": 100 (below + equal) / n, the share at or below (the empirical CDF);
    - "strict": 100 below / n, the share strictly below;
    - "rank": scipy's default, the average percentage ranking of the score among the values.

    Computed with ``scipy.stats.percentileofscore``. NaN values are ignored; an empty set gives NaN.

    References
    ----------
    ``scipy.stats.percentileofscore`` documentation (kinds "rank", "weak", "strict", "mean").

    Examples
    --------
    >>> percentile_rank([1, 2, 2, 3], 2)            # 1 below, 2 equal: (1 + 2/2) / 4
    50.0
    >>> percentile_rank([1, 2, 2, 3], 2, kind="weak")
    75.0
    """
    if kind not in ("mean", "weak", "strict", "rank"):
        raise KpiDataError(f"kind must be 'mean', 'weak', 'strict' or 'rank' (got {kind!r}).")
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0 or score is None or (isinstance(score, float) and math.isnan(score)):
        return float("nan")
    return float(_st.percentileofscore(v, float(score), kind=kind))


# ---------------------------------------------------------------------------------------------
# client vs peers


def _metric_specs(metrics) -> dict[str, tuple[str, ...]]:
    """Normalise the ``metrics`` argument to name -> (column,) or (numerator, denominator)."""
    if isinstance(metrics, str):
        metrics = [metrics]
    if isinstance(metrics, Mapping):
        items = list(metrics.items())
    else:
        items = [(m, m) for m in metrics]
    specs: dict[str, tuple[str, ...]] = {}
    for name, spec in items:
        if isinstance(spec, str):
            specs[str(name)] = (spec,)
        elif isinstance(spec, (tuple, list)) and len(spec) == 2 and all(isinstance(s, str) for s in spec):
            specs[str(name)] = (spec[0], spec[1])
        else:
            raise KpiDataError(
                f"metric {name!r}: spec {spec!r} must be a column name (a value compared as it is) or a "
                "(numerator, denominator) pair of count columns (a rate, tested)."
            )
    if not specs:
        raise KpiDataError("metrics is empty: name at least one metric to compare.")
    return specs


def _as_frame(x, name: str) -> pd.DataFrame:
    if isinstance(x, pd.DataFrame):
        return x
    if isinstance(x, pd.Series):
        return x.to_frame().T.reset_index(drop=True)
    if isinstance(x, Mapping):
        return pd.DataFrame([dict(x)])
    raise KpiDataError(f"{name}: expected a DataFrame or a mapping of column -> value, got {type(x).__name__}.")


def _check_columns(frame: pd.DataFrame, cols: Sequence[str], name: str) -> None:
    require_columns(frame, cols, name, fix="Name only columns the frame has in metrics= and by=.")


def _counts_ok(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (~np.isnan(k)) & (~np.isnan(n)) & (k >= 0) & (n > 0) & (k <= n) & (k == np.floor(k)) & (n == np.floor(n))


def compare(
    client,
    peers: pd.DataFrame,
    metrics: Mapping[str, str | tuple[str, str]] | Sequence[str],
    higher_is_better: bool | Mapping[str, bool] | None = True,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    ties: Ties = "mean",
    level: float = 0.95,
    dispersion: float | Mapping[str, float] = 1.0,
) -> pd.DataFrame:
    """Client against peers, per metric: rank, gap to the peer median, a test and a verdict in words.

    For each metric (and segment of ``by``):

    - ``client``: the client's value; ``peer_median``, ``peer_p25``, ``peer_p75``: quartiles of the
      peers' values (numpy's linear interpolation), ``n_peers``;
    - ``percentile_rank``: the client's rank among the peers' values (0-100, ties by ``ties``, see
      :func:`percentile_rank`); ``standing``: the same oriented so that 100 is best (for metrics where
      lower is better it is 100 - rank);
    - ``gap`` = client - peer median, ``gap_relative`` = gap / peer median;
    - for a rate given as (numerator, denominator) counts: ``peers_pooled`` = sum of the peers'
      numerators / sum of their denominators, ``difference`` = client - pooled with Newcombe's
      interval (``diff_low``, ``diff_high``), ``p_value`` of the pooled two-proportion z test and
      ``q_value``, the Benjamini-Hochberg adjustment across all tested rows of the result;
    - ``verdict``: "leads" or "lags" when the test is significant (q < alpha) in the better or worse
      direction; otherwise "not significant" when the client sits outside the peers' p25-p75 band (a
      visible gap that the counts do not support) and "in line" when inside it. A metric without
      counts is not tested (``tested`` False): it leads (lags) when it is outside the peers' band on
      the better (worse) side and ranks at or above the 75th (at or below the 25th) percentile of
      standing, else it is in line (with three peers, beating two of them is not leading).
      ``verdict_text`` says it in a sentence.

    Parameters
    ----------
    client : DataFrame or mapping
        The client's row (one row per segment of ``by``) holding the metric columns.
    peers : DataFrame
        One row per peer (and segment) holding the same columns.
    metrics : mapping or sequence
        Name -> column (compared as it is) or name -> (numerator, denominator) count columns (a rate,
        tested). A list of column names compares those columns untested.
    higher_is_better : bool, mapping or None
        Direction of each metric: one bool for all, a mapping metric -> bool, or None to infer it from
        the name (bounce, churn, cost, CAC, CPA... are lower-is-better).
    by : str or list of str, optional
        Segment columns (e.g. ``"platform"``): the comparison is made within each segment.
    alpha : float
        False discovery rate for the verdicts.
    ties : {"mean", "weak", "strict", "rank"}
        Tie convention of the percentile rank (default "mean", mid-rank).
    level : float
        Confidence level of the difference interval.
    dispersion : float or mapping
        Overdispersion factor phi >= 1 of the counts (one for all metrics, or metric -> phi; missing
        metrics get 1). With phi > 1 the test is quasi-binomial: z / sqrt(phi), and the Newcombe
        half-widths are multiplied by sqrt(phi). Rates of large audiences (social reach, web sessions
        over many weeks) vary more than a binomial; estimate phi from period rows (e.g.
        ``kk.social.dispersion``) rather than trusting a p-value of 1e-300. Default 1 (binomial).

    Returns
    -------
    DataFrame
        One row per (segment,) metric: by..., metric, client, peer_median, peer_p25, peer_p75, n_peers,
        percentile_rank, standing, gap, gap_relative, higher_is_better, tested, client_successes,
        client_trials, peers_successes, peers_trials, peers_pooled, difference, diff_low, diff_high,
        dispersion, p_value, q_value, significant, verdict, verdict_text.

    References
    ----------
    Newcombe (1998), method 10; Benjamini and Hochberg (1995); Wedderburn (1974) and McCullagh and
    Nelder (1989, ch. 4.5) for the quasi-binomial dispersion; Google Analytics benchmarking (peer
    medians and GA4's p25/p50/p75 bands) for the peer statistics.

    Examples
    --------
    >>> peers = pd.DataFrame({"brand": ["B", "C", "D"], "eng": [40, 30, 20], "reach": [1000] * 3})
    >>> client = {"brand": "A", "eng": 80, "reach": 1000}
    >>> r = compare(client, peers, {"engagement rate": ("eng", "reach")})
    >>> row = r.iloc[0]
    >>> float(row["client"]), float(row["peer_median"]), float(row["percentile_rank"]), row["verdict"]
    (0.08, 0.03, 100.0, 'leads')
    """
    specs = _metric_specs(metrics)
    keys = column_list(by)
    cl = _as_frame(client, "client")
    pe = _as_frame(peers, "peers")
    cols = [c for s in specs.values() for c in s]
    _check_columns(cl, cols + keys, "client")
    _check_columns(pe, cols + keys, "peers")
    if len(pe) == 0:
        raise KpiDataError("peers: no rows; give at least one competitor to compare against.")
    if keys:
        dup = cl.duplicated(keys, keep=False).to_numpy()
    else:
        dup = np.array([len(cl) > 1] * len(cl))
    if dup.any():
        raise KpiDataError(
            f"client: {int(dup.sum())} rows share a segment ({describe_rows(cl.index[dup])}); give one client row "
            f"per segment of by={keys or None} (aggregate first, e.g. with kk.social.summary)."
        )
    rows = []
    seg_items = [((), cl, pe)] if not keys else [
        (k if isinstance(k, tuple) else (k,), g, pe.merge(g[keys], on=keys, how="inner"))
        for k, g in cl.groupby(keys, sort=True, observed=True)
    ]
    for seg, crow, prow in seg_items:  # loop over segments and metrics: a handful of rows
        for name, spec in specs.items():
            hib = _direction(higher_is_better, name)
            rec: dict[str, Any] = dict(zip(keys, seg))
            rec["metric"] = name
            if len(spec) == 2:
                k_c = float(_floats(crow[spec[0]])[0])
                n_c = float(_floats(crow[spec[1]])[0])
                kp = _floats(prow[spec[0]])
                npp = _floats(prow[spec[1]])
                cval = k_c / n_c if n_c else float("nan")
                with np.errstate(divide="ignore", invalid="ignore"):
                    pvals = np.where(npp > 0, kp / npp, np.nan)
                ok = bool(_counts_ok(np.array([k_c]), np.array([n_c]))[0]) and bool(_counts_ok(kp, npp).all()) and len(kp) > 0
                rec.update(client_successes=k_c, client_trials=n_c, peers_successes=kp.sum(), peers_trials=npp.sum())
                rec["tested"] = ok
            else:
                cval = float(_floats(crow[spec[0]])[0])
                pvals = _floats(prow[spec[0]])
                rec.update(client_successes=np.nan, client_trials=np.nan, peers_successes=np.nan, peers_trials=np.nan)
                rec["tested"] = False
            finite = pvals[~np.isnan(pvals)]
            rec["client"] = cval
            rec["n_peers"] = int(finite.size)
            if finite.size:
                rec["peer_p25"], rec["peer_median"], rec["peer_p75"] = (float(q) for q in np.quantile(finite, [0.25, 0.5, 0.75]))
            else:
                rec["peer_p25"] = rec["peer_median"] = rec["peer_p75"] = np.nan
            pr = percentile_rank(finite, cval, kind=ties)
            rec["percentile_rank"] = pr
            rec["standing"] = pr if hib else (100.0 - pr if not math.isnan(pr) else pr)
            rec["higher_is_better"] = hib
            rows.append(rec)
    out = pd.DataFrame(rows)
    out["gap"] = out["client"] - out["peer_median"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["gap_relative"] = np.where(out["peer_median"] != 0, out["gap"] / out["peer_median"], np.nan)
    t = out["tested"].to_numpy(dtype=bool)
    k1 = np.where(t, out["client_successes"], 0.0)
    n1 = np.where(t, out["client_trials"], 1.0)
    k2 = np.where(t, out["peers_successes"], 0.0)
    n2 = np.where(t, out["peers_trials"], 1.0)
    z, _ = two_proportion_ztest(k1, n1, k2, n2)
    lo, hi = newcombe_interval(k1, n1, k2, n2, level)
    if isinstance(dispersion, Mapping):
        phi = np.array([float(dispersion.get(m, 1.0)) for m in out["metric"]])
    else:
        phi = np.full(len(out), float(dispersion))
    if np.any(phi < 1) or np.any(np.isnan(phi)):
        raise KpiDataError(f"dispersion must be >= 1 (got {dispersion!r}); 1 is the plain binomial test.")
    sq = np.sqrt(phi)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["peers_pooled"] = np.where(t, k2 / n2, np.nan)
        d = k1 / n1 - k2 / n2
        out["difference"] = np.where(t, d, np.nan)
    out["diff_low"] = np.where(t, d - sq * (d - lo), np.nan)
    out["diff_high"] = np.where(t, d + sq * (hi - d), np.nan)
    out["p_value"] = np.where(t, 2 * _st.norm.sf(np.abs(z) / sq), np.nan)
    out["dispersion"] = phi
    out["q_value"] = fdr(out["p_value"].to_numpy())
    out["significant"] = t & (out["q_value"].to_numpy() < alpha)
    verdicts, texts = [], []
    for r in out.itertuples(index=False):  # one row per metric: a handful
        v, txt = _verdict(r, alpha)
        verdicts.append(v)
        texts.append(txt)
    out["verdict"] = verdicts
    out["verdict_text"] = texts
    cols = [*keys, "metric", "client", "peer_median", "peer_p25", "peer_p75", "n_peers", "percentile_rank", "standing",
            "gap", "gap_relative", "higher_is_better", "tested", "client_successes", "client_trials", "peers_successes",
            "peers_trials", "peers_pooled", "difference", "diff_low", "diff_high", "dispersion", "p_value", "q_value",
            "significant", "verdict", "verdict_text"]
    return out[cols]


def _fmt(x: float, pct: bool) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if pct:
        return f"{x:.2%}" if abs(x) < 0.1 else f"{x:.1%}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def _verdict(r, alpha: float) -> tuple[str, str]:
    """Verdict word and sentence for one row of :func:`compare`."""
    pct = bool(r.tested) or (0 <= abs(r.client) <= 1 and 0 <= abs(r.peer_median) <= 1)
    outside_good = (r.client > r.peer_p75) if r.higher_is_better else (r.client < r.peer_p25)
    outside_bad = (r.client < r.peer_p25) if r.higher_is_better else (r.client > r.peer_p75)
    c, m = _fmt(r.client, pct), _fmt(r.peer_median, pct)
    if math.isnan(r.client):
        return "not significant", f"{r.metric}: the client's value is unknown; nothing to compare."
    if r.n_peers == 0:
        return "not significant", f"{r.metric}: no peer values (unknown for the competitors); nothing to compare."
    if r.tested:
        pooled = _fmt(r.peers_pooled, True)
        qtxt = "q < 1e-300" if r.q_value == 0 else f"q = {r.q_value:.2g}"
        diff = f"{r.difference * 100:+.2f} pts (95% CI {r.diff_low * 100:+.2f} to {r.diff_high * 100:+.2f}), {qtxt}"
        if r.q_value < alpha:
            good = (r.difference > 0) == bool(r.higher_is_better)
            word = "leads" if good else "lags"
            return word, f"{r.metric}: {word} at {c} against {pooled} for the peers pooled; {diff}."
        if outside_good or outside_bad:
            return "not significant", (
                f"{r.metric}: {c} looks {'better' if outside_good else 'worse'} than the peer median {m}, "
                f"but the counts do not support it: {diff}."
            )
        return "in line", f"{r.metric}: {c}, in line with the peer median {m}; {diff}."
    if outside_good and r.standing >= 75:
        return "leads", f"{r.metric}: {c}, beyond the peers' quartile range on the better side (median {m}; no test, no counts)."
    if outside_bad and r.standing <= 25:
        return "lags", f"{r.metric}: {c}, beyond the peers' quartile range on the worse side (median {m}; no test, no counts)."
    side = "above" if r.client > r.peer_median else ("below" if r.client < r.peer_median else "at")
    return "in line", f"{r.metric}: {c}, {side} the peer median {m} and within the peers' quartile range (no test, no counts)."


def scorecard(
    client,
    peers: pd.DataFrame,
    metrics: Mapping[str, str | tuple[str, str]] | Sequence[str],
    label: str = "brand",
    client_name: str | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Wide scorecard: one row per metric, the client, each peer, the peer median and the verdict.

    Runs :func:`compare` (``kwargs`` are passed on) and adds one column per peer (named by the
    ``label`` column) with the peer's value of the metric. Columns: metric, <client name>, <peer 1>,
    ..., peer median, percentile rank, gap, q-value, significance ("*" when significant at the FDR,
    "ns" when tested and not, "untested" otherwise), verdict, verdict_text.
    """
    if kwargs.get("by"):
        raise KpiDataError("scorecard is one row per metric; for segments use compare(..., by=...) directly.")
    res = compare(client, peers, metrics, **kwargs)
    specs = _metric_specs(metrics)
    pe = _as_frame(peers, "peers")
    cl = _as_frame(client, "client")
    cname = client_name or (str(cl[label].iloc[0]) if label in cl.columns else "client")
    if label not in pe.columns:
        raise KpiDataError(f"peers: no {label!r} column to name the peers; pass label= the column holding their names.")
    wide = pd.DataFrame({"metric": res["metric"], cname: res["client"]})
    for _, prow in pe.iterrows():  # one column per peer (a few competitors)
        vals = []
        for spec in specs.values():
            if len(spec) == 2:
                k, n = _floats([prow[spec[0]], prow[spec[1]]])
                vals.append(k / n if n else np.nan)
            else:
                vals.append(float(_floats([prow[spec[0]]])[0]))
        wide[str(prow[label])] = vals
    wide["peer median"] = res["peer_median"].to_numpy()
    wide["percentile rank"] = res["percentile_rank"].to_numpy()
    wide["gap"] = res["gap"].to_numpy()
    wide["q-value"] = res["q_value"].to_numpy()
    wide["significance"] = np.where(res["significant"], "*", np.where(res["tested"], "ns", "untested"))
    wide["verdict"] = res["verdict"].to_numpy()
    wide["verdict_text"] = res["verdict_text"].to_numpy()
    wide.attrs["client"] = cname
    wide.attrs["peers"] = [str(x) for x in pe[label]]
    return wide


_VERDICT_COLOURS = {
    "leads": "background-color: #c6e9d9",          # light of the palette's green (#029e73)
    "lags": "background-color: #f6d5c1",           # light of the palette's vermilion (#d55e00)
    "not significant": "background-color: #ececec",
    "in line": "",
}


def style_scorecard(card: pd.DataFrame, percent_metrics: Sequence[str] | None = None, uuid: str = "scorecard"):
    """Style a :func:`scorecard` frame: rates as %, verdict cells coloured, text escaped, fixed uuid.

    ``percent_metrics``: metric rows shown as percentages (default: rows whose values all lie in
    [0, 1]). The fixed ``uuid`` keeps the HTML identical between runs (nbval).
    """
    value_cols = [c for c in card.columns if c not in ("metric", "percentile rank", "q-value", "significance", "verdict", "verdict_text")]
    shown = card.drop(columns=["verdict_text"])
    if percent_metrics is None:
        vals = card[value_cols].drop(columns=["gap"]).abs()
        pm = card["metric"][(vals <= 1).all(axis=1)].tolist()
    else:
        pm = list(percent_metrics)
    sty = shown.style.set_uuid(uuid).hide(axis="index")
    def _number(v):
        return "–" if pd.isna(v) else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}")

    for i, m in enumerate(card["metric"]):
        fmt = "{:.2%}" if m in pm else _number
        sty = sty.format(fmt, subset=pd.IndexSlice[[i], value_cols], na_rep="–")
    sty = sty.format("{:.0f}", subset=["percentile rank"], na_rep="–")
    sty = sty.format("{:.2g}", subset=["q-value"], na_rep="–")
    sty = sty.format(escape="html", subset=["metric", "significance", "verdict"])
    sty = sty.format_index(escape="html", axis=1)
    sty = sty.map(lambda v: _VERDICT_COLOURS.get(v, ""), subset=["verdict"])
    return sty


# ---------------------------------------------------------------------------------------------
# client vs the industry


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
            raise KpiDataError(f"extra: missing column(s) {', '.join(missing)}; give rows shaped like client_kpis' output.")
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
            metric, segment = (k if isinstance(k, tuple) else (k, None))
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
    client,
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
    if not isinstance(benchmarks, pd.DataFrame):
        raise KpiDataError("benchmarks: expected the canonical benchmarks table as a DataFrame.")
    _check_columns(benchmarks, ["metric", "source"], "benchmarks")
    bm = benchmarks.copy()
    for c in ("segment", "p25", "p50", "p75", "value", "n", "year", "unit", "note"):
        if c not in bm.columns:
            bm[c] = np.nan
    alias = {_norm(k): _norm(v) for k, v in (aliases or {}).items()}
    cl["_key"] = [alias.get(_norm(m), _norm(m)) for m in cl["metric"]]
    bm["_key"] = [_norm(m) for m in bm["metric"]]
    seg_empty = bm["segment"].isna() | (bm["segment"].astype(str).str.strip() == "")
    if segments is not None:
        wanted = {_norm(s) for s in segments}
        bm = bm[seg_empty | bm["segment"].map(lambda s: _norm(s) in wanted)]
        seg_empty = seg_empty.loc[bm.index]
    if not keep_missing:
        cl = cl[cl["value"].notna()]
    cl = cl.assign(_seg=["" if (s is None or (not isinstance(s, str) and pd.isna(s)) or str(s).strip() == "") else _norm(s)
                         for s in cl["segment"]])
    bm = bm.assign(_seg=["" if e else _norm(s) for s, e in zip(bm["segment"], seg_empty)])
    merged = cl.drop(columns=["segment"]).merge(bm.drop(columns=["metric"]), on="_key", how="inner", suffixes=("", "_bm"))
    merged = merged[(merged["_seg"] == "") | (merged["_seg"] == merged["_seg_bm"])]
    if merged.empty:
        empty = pd.DataFrame(columns=["metric", "segment", "client", "client_low", "client_high", "client_source", "p25", "p50",
                                     "p75", "value", "reference", "position", "gap", "tested_against", "p_value", "verdict", "band_verdict",
                                     "higher_is_better", "source", "year", "evidence", "unit", "note", "n"])
        empty.attrs["excluded"] = pd.DataFrame(columns=["metric", "segment", "source", "reason"])
        return empty
    src_missing = (merged["source"].isna() | (merged["source"].astype(str).str.strip() == "")).to_numpy()
    if src_missing.any():
        first = merged[src_missing].iloc[0]
        raise KpiDataError(
            f"benchmarks: {int(src_missing.sum())} row(s) used for the comparison have no source (first: metric "
            f"{first['metric']!r}, segment {first['segment']!r}). A benchmark without its source is not evidence: "
            "add the source to the table, or remove the row."
        )
    year_missing = merged["year"].isna().to_numpy()
    excluded = pd.DataFrame(columns=["metric", "segment", "source", "reason"])
    if year_missing.any():
        lines = [f"{m} ({sg}): {src}" for m, sg, src in zip(merged["metric"][year_missing], merged["segment"][year_missing],
                                                          merged["source"][year_missing])]
        if undated == "raise":
            raise KpiDataError(
                f"benchmarks: {int(year_missing.sum())} row(s) used for the comparison have no year ("
                + "; ".join(lines[:3]) + ("; ..." if len(lines) > 3 else "")
                + "). A benchmark without its year is not evidence: add the year, remove the row, or pass "
                "undated='exclude' (left out, listed) or undated='show' (shown, flagged as undated)."
            )
        if undated == "exclude":
            excluded = pd.DataFrame({
                "metric": merged["metric"][year_missing].to_numpy(),
                "segment": merged["segment"][year_missing].to_numpy(),
                "source": merged["source"][year_missing].to_numpy(),
                "reason": "the source states no year",
            })
            if warn:
                warnings.warn(
                    f"{int(year_missing.sum())} benchmark row(s) left out because their source states no year: "
                    + "; ".join(lines) + ". Pass undated='show' to show them flagged.",
                    KpiWarning,
                    stacklevel=2,
                )
            merged = merged[~year_missing]
        elif undated != "show":
            raise KpiDataError(f"undated must be 'raise', 'exclude' or 'show' (got {undated!r}).")
    out = pd.DataFrame({
        "metric": merged["metric"].to_numpy(),
        "segment": merged["segment"].to_numpy(),
        "client": _floats(merged["value"]),
        "client_low": _floats(merged["low"]),
        "client_high": _floats(merged["high"]),
        "client_source": merged["client_source"].to_numpy(),
        "p25": _floats(merged["p25"]),
        "p50": _floats(merged["p50"]),
        "p75": _floats(merged["p75"]),
        "value": _floats(merged["value_bm"]),
    })
    out["reference"] = np.where(~np.isnan(out["p50"]), out["p50"], out["value"])
    out["gap"] = out["client"] - out["reference"]
    # what the client is tested against: the band edge it lies beyond, else the reference
    band = ~np.isnan(out["p25"].to_numpy()) & ~np.isnan(out["p75"].to_numpy())
    c = out["client"].to_numpy()
    target = np.where(band & (c > out["p75"]), out["p75"], np.where(band & (c < out["p25"]), out["p25"], out["reference"]))
    out["tested_against"] = target
    k = _floats(merged["successes"])
    n = _floats(merged["trials"])
    pvals = np.full(len(out), np.nan)
    with np.errstate(invalid="ignore"):
        ok = _counts_ok(k, n) & ~np.isnan(target) & (target > 0) & (target < 1)
    for i in np.flatnonzero(ok):  # one exact test per matched benchmark row (a handful)
        pvals[i] = _st.binomtest(int(k[i]), int(n[i]), float(target[i])).pvalue
    out["p_value"] = pvals
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
    for c in ("source", "year", "unit", "note", "n"):
        out[c] = merged[c].to_numpy()
    out["year"] = pd.to_numeric(out["year"]).astype("Int64")
    out["evidence"] = np.where(out["year"].isna().to_numpy(), "undated", "source and year")
    cols = ["metric", "segment", "client", "client_low", "client_high", "client_source", "p25", "p50", "p75", "value",
            "reference", "position", "gap", "tested_against", "p_value", "verdict", "band_verdict", "higher_is_better", "source", "year",
            "evidence", "unit", "note", "n"]
    result = out[cols].reset_index(drop=True)
    result.attrs["excluded"] = excluded
    return result


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


# ---------------------------------------------------------------------------------------------
# client vs itself

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


# ---------------------------------------------------------------------------------------------
# findings


def findings(
    comparison: pd.DataFrame | None = None,
    industry: pd.DataFrame | None = None,
    self_trend: pd.DataFrame | None = None,
    client: str = "The client",
    metric_label: str = "",
) -> list[str]:
    """Plain-words findings from :func:`compare`, :func:`against_industry` and :func:`against_self`.

    One sentence per leading/lagging metric and per visible-but-not-significant gap; one per industry
    row placed clearly better or worse (with its source and year); one per latest-period change vs
    the previous period and the year before.
    """
    out: list[str] = []
    if comparison is not None and len(comparison):
        lead = comparison[comparison["verdict"] == "leads"]["metric"].tolist()
        lag = comparison[comparison["verdict"] == "lags"]["metric"].tolist()
        ns = comparison[comparison["verdict"] == "not significant"]["metric"].tolist()
        if lead:
            out.append(f"{client} leads its competitors on {', '.join(lead)}.")
        if lag:
            out.append(f"{client} lags its competitors on {', '.join(lag)}.")
        if ns:
            out.append(f"Gaps on {', '.join(ns)} look real on a chart but are within noise; do not act on them yet.")
        for t in comparison.loc[comparison["verdict"].isin(["leads", "lags"]), "verdict_text"]:
            out.append(t)
    if industry is not None and len(industry):
        for r in industry.itertuples(index=False):
            seg = f" ({r.segment})" if isinstance(r.segment, str) and r.segment else ""
            fmt = (lambda x: f"{x:.2%}") if (r.unit != "points" and (math.isnan(r.reference) or abs(r.reference) <= 1)) else (lambda x: f"{x:,.4g}")
            if not math.isnan(r.p25) and not math.isnan(r.p75):
                ref = f"band {fmt(r.p25)} to {fmt(r.p75)}" + (f" (median {fmt(r.p50)})" if not math.isnan(r.p50) else "")
            else:
                ref = fmt(r.reference)
            src = f"{r.source}, {r.year}" if not pd.isna(r.year) else f"{r.source}, undated"
            if r.verdict in ("better", "worse"):
                val = fmt(r.client)
                out.append(f"{r.metric}{seg}: {client} at {val} is {r.verdict} than the published {ref} ({src}).")
            elif r.verdict == "no client value":
                out.append(f"{r.metric}{seg}: the published reference is {ref} ({src}); {client}'s own value is not available here.")
    if self_trend is not None and len(self_trend):
        latest = self_trend[self_trend["period"] == self_trend["period"].max()]
        for r in latest.itertuples(index=False):
            what = "the previous period" if r.comparison == "previous" else "the same period a year before"
            pct = 0 <= abs(r.value) <= 1 and 0 <= abs(r.reference_value) <= 1 and not float(r.value).is_integer()
            v = f"{r.value:.2%}" if pct else f"{r.value:,.0f}"
            rv = f"{r.reference_value:.2%}" if pct else f"{r.reference_value:,.0f}"
            q = f", q = {r.q_value:.2g}" if not math.isnan(r.q_value) else ""
            label = f"{metric_label} in " if metric_label else "In "
            out.append(f"{label}{r.period:%b %Y}: {v} against {rv} in {what} ({r.verdict}{q}).")
    return out


# ---------------------------------------------------------------------------------------------
# helpers for the notebook


def recorded_kpis(folder: str | None) -> dict[str, dict]:
    """The KPIs other reports recorded: ``{notebook stem: kpis}`` for each ``*.kpis.json`` in ``folder``.

    ``kpikit render`` writes ``NN_name.kpis.json`` beside each report. A missing folder (or None)
    gives an empty dict, so the caller falls back to recomputing; an unreadable file is an error.
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


def missing_benchmarks(client, benchmarks: pd.DataFrame, aliases: Mapping[str, str] | None = None) -> list[str]:
    """Client KPIs (with a value) that have no row at all in the benchmarks table.

    Say so in the report rather than leave the KPI out silently: the fix is a published figure with
    its source and year in the table.
    """
    cl = _client_table(client)
    cl = cl[cl["value"].notna()]
    alias = {_norm(k): _norm(v) for k, v in (aliases or {}).items()}
    have = {_norm(m) for m in benchmarks["metric"]}
    return sorted({str(m) for m in cl["metric"] if alias.get(_norm(m), _norm(m)) not in have})


def headline(frame: pd.DataFrame, client: str = "The client", label: str = "") -> str:
    """One-line finding for a chart title, from :func:`compare` or :func:`against_self` output."""
    if "standing" in frame.columns:
        lead = int((frame["verdict"] == "leads").sum())
        lag = int((frame["verdict"] == "lags").sum())
        n = len(frame)
        if not lead and not lag:
            return f"{client} is not clearly ahead or behind its competitors on any of {n} metrics"
        return f"{client} leads on {lead} of {n} metrics and lags on {lag}"
    if "tested_against" in frame.columns:
        known = frame[frame["verdict"].isin(["better", "worse", "in line"])]
        if known.empty:
            return f"Published benchmarks for {client}'s KPIs (no client value to place)"
        b, w, i = ((known["verdict"] == v).sum() for v in ("better", "worse", "in line"))
        return f"{client} against {len(known)} published references: better on {b}, worse on {w}, in line on {i}"
    if "comparison" in frame.columns and len(frame):
        latest = frame[frame["period"] == frame["period"].max()]
        short = {"no significant change": "noise", "improved": "improved", "worsened": "worse"}
        parts = []
        for r in latest.itertuples(index=False):
            chg = f"{r.change * 100:+.1f} pts" if abs(r.value) <= 1 else f"{r.change:+,.0f}"
            parts.append(f"{chg} vs {r.reference_period:%b %Y} ({short.get(r.verdict, r.verdict)})")
        return f"{label or client}, {latest['period'].iloc[0]:%b %Y}: " + ", ".join(parts)
    return ""


def industry_notes(industry: pd.DataFrame, client, benchmarks: pd.DataFrame) -> list[str]:
    """What an industry comparison leaves out, in words: undated rows, KPIs without benchmark, missing values.

    ``industry`` is the output of :func:`against_industry` (its ``attrs["excluded"]``), ``client`` the
    client KPIs given to it.
    """
    out: list[str] = []
    excluded = industry.attrs.get("excluded")
    if excluded is not None and len(excluded):
        rows = "; ".join(f"{r.metric} ({r.segment}): {r.source}" for r in excluded.itertuples(index=False))
        out.append(f"Left out because the source states no year (a benchmark without its year is not evidence): {rows}.")
    missing = missing_benchmarks(client, benchmarks)
    if missing:
        out.append(
            f"No published benchmark in the table for: {', '.join(missing)}. Add figures with their source and year "
            "to benchmarks.csv to compare them."
        )
    cl = _client_table(client)
    no_value = sorted({str(m) for m in cl.loc[cl["value"].isna(), "metric"]})
    if no_value:
        out.append(f"No client value available for: {', '.join(no_value)} (neither recorded by another report nor recomputable here).")
    if not out:
        out.append("Every client KPI with a published benchmark is placed above, each row with its source and year.")
    return out


def industry_table(industry: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`against_industry`: the columns a reader needs, year as text.

    Columns: metric, segment, client, client_source, p25, p50, p75, value, position, verdict, source,
    year ("undated" when the source states none), note.
    """
    cols = ["metric", "segment", "client", "client_source", "p25", "p50", "p75", "value", "position", "verdict", "source", "year", "note"]
    out = industry.reindex(columns=cols).copy()
    out["year"] = ["undated" if pd.isna(y) else str(int(y)) for y in out["year"]]
    return out
