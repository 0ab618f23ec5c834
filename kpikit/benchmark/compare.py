"""Benchmarking against competitors: percentile ranks, comparisons under FDR control, the scorecard.

Also the conventions the other benchmark modules share: a metric's direction (lower is better for
bounce, churn, cost...), metric names compared case- and punctuation-insensitively, valid counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError, describe_rows, normalise_name
from kpikit.schemas import column_list, float_values, require_columns
from kpikit.stats import fdr, newcombe_interval, two_proportion_ztest

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = ["VERDICTS", "percentile_rank", "compare", "scorecard", "style_scorecard", "Ties"]


Ties = Literal["mean", "weak", "strict", "rank"]


#: The verdict words of :func:`compare`, in display order.
VERDICTS = ("leads", "in line", "not significant", "lags")


#: Metric-name patterns where lower values are better (used when ``higher_is_better`` is not given).
_LOWER_IS_BETTER = re.compile(
    r"(bounce|churn|cost|\bcac\b|\bcpa\b|\bcpc\b|\bcpm\b|response time|time to|unsubscribe|complaint|refund|detractor)"
)


def _lower_better(name: str) -> bool:
    return bool(_LOWER_IS_BETTER.search(str(name).lower().replace("_", " ")))


def _direction(higher_is_better, metric: str) -> bool:
    """True when higher is better for this metric."""
    if higher_is_better is None:
        return not _lower_better(metric)
    if isinstance(higher_is_better, Mapping):
        if metric in higher_is_better:
            return bool(higher_is_better[metric])
        normed = {normalise_name(k): bool(v) for k, v in higher_is_better.items()}
        if normalise_name(metric) in normed:
            return normed[normalise_name(metric)]
        return not _lower_better(metric)
    return bool(higher_is_better)


def percentile_rank(values: Sequence[float] | np.ndarray, score: float, kind: Ties = "mean") -> float:
    """Percentile rank of ``score`` among ``values`` (0-100), with a named tie convention.

    With ``n`` values, ``below`` of them below the score and ``equal`` equal to it:

    - "mean" (default): 100 (below + equal / 2) / n, the mid-rank convention: a tie counts half,
      so a client equal to every peer sits at 50;
    - "weak": 100 (below + equal) / n, the share at or below (the empirical CDF);
    - "strict": 100 below / n, the share strictly below;
    - "rank": scipy's default, the average percentage ranking of the score among the values.

    Computed with ``scipy.stats.percentileofscore``. NaN values are ignored; an empty set gives NaN.

    Parameters
    ----------
    values : sequence of float or ndarray
        The peers' values.
    score : float
        The client's value.
    kind : {"mean", "weak", "strict", "rank"}
        Tie convention (see above).

    Returns
    -------
    float
        Percentile rank between 0 and 100 (NaN without values or without a score).

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


def _counts_ok(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (~np.isnan(k)) & (~np.isnan(n)) & (k >= 0) & (n > 0) & (k <= n) & (k == np.floor(k)) & (n == np.floor(n))


def compare(
    client: pd.DataFrame | Mapping[str, Any],
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
    cl, pe = _compare_frames(client, peers, specs, keys)
    rows = [
        _metric_record(dict(zip(keys, seg)), name, spec, crow, prow, _direction(higher_is_better, name), ties)
        for seg, crow, prow in _segments(cl, pe, keys)  # loop over segments and metrics: a handful of rows
        for name, spec in specs.items()
    ]
    out = pd.DataFrame(rows)
    out["gap"] = out["client"] - out["peer_median"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["gap_relative"] = np.where(out["peer_median"] != 0, out["gap"] / out["peer_median"], np.nan)
    _test_counts(out, dispersion, level)
    _add_verdicts(out, alpha)
    return out[[*keys, *_COMPARE_COLUMNS]]


#: Columns of :func:`compare` after the segment columns.
_COMPARE_COLUMNS = [
    "metric", "client", "peer_median", "peer_p25", "peer_p75", "n_peers", "percentile_rank", "standing",
    "gap", "gap_relative", "higher_is_better", "tested", "client_successes", "client_trials", "peers_successes",
    "peers_trials", "peers_pooled", "difference", "diff_low", "diff_high", "dispersion", "p_value", "q_value",
    "significant", "verdict", "verdict_text",
]  # fmt: skip


def _compare_frames(
    client, peers, specs: dict[str, tuple[str, ...]], keys: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The client and peer frames of :func:`compare`, checked: columns present, peers, one client row per segment."""
    cl = _as_frame(client, "client")
    pe = _as_frame(peers, "peers")
    cols = [c for s in specs.values() for c in s]
    fix = "Name only columns the frame has in metrics= and by=."
    require_columns(cl, cols + keys, "client", fix=fix)
    require_columns(pe, cols + keys, "peers", fix=fix)
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
    return cl, pe


def _segments(cl: pd.DataFrame, pe: pd.DataFrame, keys: list[str]) -> list[tuple[tuple, pd.DataFrame, pd.DataFrame]]:
    """(segment values, client rows, peer rows) for each segment of ``keys``; one segment without keys."""
    if not keys:
        return [((), cl, pe)]
    return [
        (k if isinstance(k, tuple) else (k,), g, pe.merge(g[keys], on=keys, how="inner"))
        for k, g in cl.groupby(keys, sort=True, observed=True)
    ]


def _metric_record(
    rec: dict[str, Any], name: str, spec: tuple[str, ...], crow: pd.DataFrame, prow: pd.DataFrame, hib: bool, ties: Ties
) -> dict[str, Any]:
    """One row of :func:`compare` before the tests: client value, peer quartiles, rank and the counts."""
    rec["metric"] = name
    if len(spec) == 2:
        k_c = float(float_values(crow[spec[0]])[0])
        n_c = float(float_values(crow[spec[1]])[0])
        kp = float_values(prow[spec[0]])
        npp = float_values(prow[spec[1]])
        cval = k_c / n_c if n_c else float("nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            pvals = np.where(npp > 0, kp / npp, np.nan)
        ok = bool(_counts_ok(np.array([k_c]), np.array([n_c]))[0]) and bool(_counts_ok(kp, npp).all()) and len(kp) > 0
        rec.update(client_successes=k_c, client_trials=n_c, peers_successes=kp.sum(), peers_trials=npp.sum())
        rec["tested"] = ok
    else:
        cval = float(float_values(crow[spec[0]])[0])
        pvals = float_values(prow[spec[0]])
        rec.update(client_successes=np.nan, client_trials=np.nan, peers_successes=np.nan, peers_trials=np.nan)
        rec["tested"] = False
    finite = pvals[~np.isnan(pvals)]
    rec["client"] = cval
    rec["n_peers"] = int(finite.size)
    if finite.size:
        rec["peer_p25"], rec["peer_median"], rec["peer_p75"] = (
            float(q) for q in np.quantile(finite, [0.25, 0.5, 0.75])
        )
    else:
        rec["peer_p25"] = rec["peer_median"] = rec["peer_p75"] = np.nan
    pr = percentile_rank(finite, cval, kind=ties)
    rec["percentile_rank"] = pr
    rec["standing"] = pr if hib else (100.0 - pr if not math.isnan(pr) else pr)
    rec["higher_is_better"] = hib
    return rec


def _test_counts(out: pd.DataFrame, dispersion: float | Mapping[str, float], level: float) -> None:
    """Add peers_pooled, difference, diff_low, diff_high, p_value and dispersion to :func:`compare` rows.

    Rows with valid counts (``tested``) get the pooled two-proportion z test and Newcombe's interval,
    quasi-binomial when the metric's dispersion phi exceeds 1; the others get NaN.
    """
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


def _add_verdicts(out: pd.DataFrame, alpha: float) -> None:
    """Add q_value (Benjamini-Hochberg over the tested rows), significant, verdict and verdict_text."""
    out["q_value"] = fdr(out["p_value"].to_numpy())
    out["significant"] = out["tested"].to_numpy(dtype=bool) & (out["q_value"].to_numpy() < alpha)
    verdicts = [_verdict(r, alpha) for r in out.itertuples(index=False)]  # one row per metric: a handful
    out["verdict"] = [v for v, _ in verdicts]
    out["verdict_text"] = [txt for _, txt in verdicts]


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
        return (
            "leads",
            f"{r.metric}: {c}, beyond the peers' quartile range on the better side (median {m}; no test, no counts).",
        )
    if outside_bad and r.standing <= 25:
        return (
            "lags",
            f"{r.metric}: {c}, beyond the peers' quartile range on the worse side (median {m}; no test, no counts).",
        )
    side = "above" if r.client > r.peer_median else ("below" if r.client < r.peer_median else "at")
    return (
        "in line",
        f"{r.metric}: {c}, {side} the peer median {m} and within the peers' quartile range (no test, no counts).",
    )


def scorecard(
    client: pd.DataFrame | Mapping[str, Any],
    peers: pd.DataFrame,
    metrics: Mapping[str, str | tuple[str, str]] | Sequence[str],
    label: str = "brand",
    client_name: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Wide scorecard: one row per metric, the client, each peer, the peer median and the verdict.

    Runs :func:`compare` (``kwargs`` are passed on) and adds one column per peer (named by the
    ``label`` column) with the peer's value of the metric. Columns: metric, <client name>, <peer 1>,
    ..., peer median, percentile rank, gap, q-value, significance ("*" when significant at the FDR,
    "ns" when tested and not, "untested" otherwise), verdict, verdict_text.

    Parameters
    ----------
    client : DataFrame or mapping
        The client's one row holding the metric columns.
    peers : DataFrame
        One row per peer holding the same columns and the ``label`` column.
    metrics : mapping or sequence
        Metric specs, as for :func:`compare`.
    label : str
        Column naming the client and the peers (default ``"brand"``).
    client_name : str, optional
        Column title of the client; default its ``label`` value, else "client".
    **kwargs
        Passed on to :func:`compare` (``higher_is_better``, ``alpha``, ``dispersion``...); not ``by``.

    Returns
    -------
    DataFrame
        One row per metric, columns as above; ``attrs["client"]`` and ``attrs["peers"]`` hold the names.

    References
    ----------
    See :func:`compare`.
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
                k, n = float_values([prow[spec[0]], prow[spec[1]]])
                vals.append(k / n if n else np.nan)
            else:
                vals.append(float(float_values([prow[spec[0]]])[0]))
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
    "leads": "background-color: #c6e9d9",  # light of the palette's green (#029e73)
    "lags": "background-color: #f6d5c1",  # light of the palette's vermilion (#d55e00)
    "not significant": "background-color: #ececec",
    "in line": "",
}


def style_scorecard(
    card: pd.DataFrame, percent_metrics: Sequence[str] | None = None, uuid: str = "scorecard"
) -> Styler:
    """Style a :func:`scorecard` frame: rates as %, verdict cells coloured, text escaped, fixed uuid.

    Parameters
    ----------
    card : DataFrame
        Output of :func:`scorecard`.
    percent_metrics : sequence of str, optional
        Metric rows shown as percentages (default: rows whose values all lie in [0, 1]).
    uuid : str
        Fixed table id; it keeps the HTML identical between runs (nbval).

    Returns
    -------
    pandas.io.formats.style.Styler
        The styled scorecard, without the verdict_text column.
    """
    value_cols = [
        c
        for c in card.columns
        if c not in ("metric", "percentile rank", "q-value", "significance", "verdict", "verdict_text")
    ]
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
