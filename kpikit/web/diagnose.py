"""Bounce-rate diagnosis: page goals, the ranked fix list, the top entry pages and the device gap.

Each page is read against its goal (an information page may be read and left; an action page should
lead somewhere), each segment against the site rate or a benchmark with a test and a false-discovery
control, and small segments are shrunk before they are ranked, so the fix list names the pages that
cost the most bounces and are not noise.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError
from kpikit.schemas import column_list
from kpikit.stats import (
    Rate,
    fdr,
    newcombe_interval,
    proportion_ci,
    shrink_rates,
    two_proportion_ztest,
)
from kpikit.web.bounce import Definition, _check_definition, _require, bounce_rate

__all__ = [
    "INFORMATION_PATTERNS",
    "page_goal",
    "diagnose",
    "top_entry_pages",
    "device_gap",
    "Goal",
]


#: Default URL patterns of information pages (everything else is an action page).
INFORMATION_PATTERNS: tuple[str, ...] = (
    r"^/(?:blog|news|article|articles|guide|guides|help|faq|docs|support|about|contact|press|careers)(?:/|$|\?)",
)


#: A page's goal: "information" (reading and leaving is fine) or "action" (the visitor should act).
Goal = Literal["information", "action"]


def page_goal(pages: pd.Series | Sequence[str], page_goals: Mapping[str, str] | None = None) -> pd.Series:
    """Goal of each page: "information" (read and leave is fine) or "action" (the visitor should act).

    Rules, first match wins: an exact page in ``page_goals``; a glob pattern in ``page_goals``
    ("/blog/*", in mapping order); the default URL patterns of :data:`INFORMATION_PATTERNS` (blog,
    news, help, FAQ, docs, about, contact pages are information); otherwise "action" (home, shop,
    product, pricing and landing pages).

    Parameters
    ----------
    pages : Series or sequence of str
        Page paths ("/blog/a").
    page_goals : mapping, optional
        Page or glob pattern -> "information" / "action", e.g. ``{"/docs/*": "action"}``.

    Returns
    -------
    Series
        The goal of each page, named "goal", indexed 0..n-1.

    Examples
    --------
    >>> page_goal(["/", "/blog/a", "/docs", "/pricing"], {"/docs": "action"}).tolist()
    ['action', 'information', 'action', 'action']
    """
    p = pd.Series(pages, dtype=object).reset_index(drop=True)
    goals = pd.Series([None] * len(p), dtype=object)
    text = p.astype(str)
    for pattern in INFORMATION_PATTERNS:
        goals[text.str.contains(pattern, regex=True)] = "information"
    if page_goals:
        bad = {k: v for k, v in page_goals.items() if v not in ("information", "action")}
        if bad:
            raise KpiDataError(
                f"page_goals values must be 'information' or 'action' (got {bad}); e.g. "
                "page_goals={'/blog/*': 'information', '/landing/*': 'action'}."
            )
        pattern_items = [(k, v) for k, v in page_goals.items() if any(ch in k for ch in "*?[")]
        # later patterns are applied first so that the first matching pattern wins
        for pat, goal in reversed(pattern_items):
            goals[text.str.match(fnmatch.translate(pat))] = goal
        exact = {k: v for k, v in page_goals.items() if not any(ch in k for ch in "*?[")}
        hit = text.isin(list(exact))
        goals[hit] = text[hit].map(exact)
    return goals.fillna("action").rename("goal")


def _thresholds(thresholds, information_thresholds) -> dict:
    """The (watch, high) thresholds per goal, checked: ``{"action": (w, h) or None, "information": ...}``."""
    if isinstance(thresholds, Mapping):
        th = {"action": thresholds.get("action"), "information": thresholds.get("information")}
    else:
        th = {"action": thresholds, "information": information_thresholds}
    for goal, t in th.items():
        if t is None:
            continue
        t = tuple(float(x) for x in t)
        if len(t) != 2 or not 0 <= t[0] <= t[1] <= 1:
            raise KpiDataError(
                f"thresholds for {goal} pages must be two rates (watch, high) with 0 <= watch <= high <= 1 "
                f"(got {t}); e.g. thresholds=(0.5, 0.7)."
            )
        th[goal] = t
    return th


def _binom_two_sided(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Exact binomial two-sided p-value (doubling the smaller tail), vectorised."""
    lower = _st.binom.cdf(k, n, p)
    upper = _st.binom.sf(k - 1, n, p)
    return np.minimum(1.0, 2 * np.minimum(lower, upper))


def diagnose(
    sessions: pd.DataFrame,
    by: str | Sequence[str] = ("landing_page", "device"),
    page_goals: Mapping[str, str] | None = None,
    thresholds: tuple[float, float] | Mapping[str, tuple[float, float] | None] = (0.5, 0.7),
    min_sessions: int = 30,
    benchmark: float | Rate | Mapping[str, float] | None = None,
    definition: Definition = "ga4",
    alpha: float = 0.05,
    information_thresholds: tuple[float, float] | None = None,
    page: str = "landing_page",
    level: float = 0.95,
) -> pd.DataFrame:
    """Rank pages and segments by the bounces they cost, tested and read against each page's goal.

    For each segment with n sessions and k bounces, against the reference rate p0 (the site rate, or
    ``benchmark``):

    - expected_bounces = n p0; excess_bounces = k - n p0 (the bounces the segment costs);
    - shrunk_rate: empirical-Bayes beta-binomial posterior mean (``kpikit.stats.shrink_rates``), so a
      page with 3 sessions and 3 bounces does not look like a 100% page; ranking uses
      shrunk_excess = n (shrunk_rate - p0), largest first;
    - test: against the site, the segment versus the rest of the site (pooled two-proportion z test);
      against a benchmark, the exact binomial test of k ~ Binomial(n, p0); q-values by
      Benjamini-Hochberg over all tested segments (false discovery rate ``alpha``);
    - goal of the page (:func:`page_goal`) and its thresholds (watch, high): a rate at or above
      "watch" is worth a look, at or above "high" is high. Information pages have no thresholds by
      default (a high bounce can be fine for them); pass ``information_thresholds`` to set some.
    - flagged: at least ``min_sessions`` sessions, the page's goal has thresholds, and either the rate
      is significantly above the reference (q < alpha) and at or above "watch", or the whole interval
      is at or above "high". Every row gets a plain-words reason.
    - order: flagged segments first (the fix list), each group by shrunk_excess, then sessions.

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        Session rows, or aggregated report rows (sessions, bounces counts).
    by : str or sequence of str
        Segment columns; must include ``page`` for goals to be known (else all rows are "action").
    page_goals : mapping, optional
        Page or glob pattern -> "information" / "action"; see :func:`page_goal`.
    thresholds : (watch, high) or mapping goal -> (watch, high) or None
        Rule-of-thumb levels for action pages (default 50% worth a look, 70% high).
    min_sessions : int
        Segments with fewer sessions are ranked (after shrinkage) but never flagged.
    benchmark : float, Rate, mapping goal -> float, or None
        Reference rate instead of the site rate (e.g. a published benchmark).
    definition : {"ga4", "ua"}
        Bounce definition.
    alpha : float
        False discovery rate for the q-values.
    information_thresholds : (watch, high), optional
        Thresholds for information pages when ``thresholds`` is a tuple.
    page : str
        The page column among ``by`` whose goal is read.
    level : float
        Confidence level of each segment's interval.

    Returns
    -------
    DataFrame
        One row per segment, ranked: rank, segment (the by values joined by " / "), the by columns,
        goal, sessions, bounces, bounce_rate, ci_low, ci_high, small_sample, reference_rate,
        expected_bounces, excess_bounces, shrunk_rate, shrunk_excess, z, p_value, q_value, level
        ("ok", "watch", "high", or "no threshold"), flagged, reason.

    References
    ----------
    Efron (2010), Large-Scale Inference (empirical Bayes); Benjamini and Hochberg (1995); HubSpot,
    "What is bounce rate?" (the 50%/70% rule of thumb and reference ranges by site type).

    Examples
    --------
    >>> rows = pd.DataFrame({"landing_page": ["/landing/a", "/blog/x", "/shop"],
    ...                      "sessions": [1000, 1000, 1000], "bounces": [700, 800, 300]})
    >>> d = diagnose(rows, by="landing_page")
    >>> d[["landing_page", "goal", "flagged"]].values.tolist()[0]
    ['/landing/a', 'action', True]
    """
    _check_definition(definition)
    by_cols = column_list(by)
    if not by_cols:
        raise KpiDataError("diagnose needs at least one segment column in by=, e.g. by=('landing_page',).")
    if not 0 < alpha < 1:
        raise KpiDataError(f"alpha must be between 0 and 1 (got {alpha!r}).")
    th = _thresholds(thresholds, information_thresholds)
    r = bounce_rate(sessions, by=by_cols, definition=definition, level=level)
    total_n, total_k = int(r["sessions"].sum()), int(r["bounces"].sum())
    if total_n == 0:
        raise KpiDataError("sessions is empty: nothing to diagnose.")
    goal = page_goal(r[page], page_goals) if page in r.columns else pd.Series(["action"] * len(r), dtype=object)
    r.insert(len(by_cols), "goal", goal.to_numpy())
    ref_name = _test_against_reference(r, total_n, total_k, benchmark)
    enough, above = _flag(r, th, min_sessions, alpha)
    r.insert(0, "segment", _segment_labels(r, by_cols))
    r["reason"] = _reasons(r, enough, above, min_sessions, ref_name, alpha)
    r = _fix_list_order(r)
    r.attrs.update(site_rate=total_k / total_n, reference=ref_name, definition=definition)
    return r


def _test_against_reference(r: pd.DataFrame, total_n: int, total_k: int, benchmark) -> str:
    """Add each segment's reference rate, expected and excess bounces, shrunk rate and test to ``r``.

    Against the site (``benchmark`` None): the segment versus the rest of the site, pooled
    two-proportion z test. Against a benchmark (one rate, or one per goal): the exact binomial test.
    q-values by Benjamini-Hochberg over all segments. Returns the reference's name, "site" or
    "benchmark".
    """
    n = r["sessions"].to_numpy(dtype=float)
    k = r["bounces"].to_numpy(dtype=float)
    if benchmark is None:
        ref = np.full(len(r), total_k / total_n)
        z, p = two_proportion_ztest(k, n, total_k - k, total_n - n)
        # a segment holding all sessions cannot be compared with the rest
        p = np.where(total_n - n > 0, p, np.nan)
        z = np.where(total_n - n > 0, z, np.nan)
        ref_name = "site"
    else:
        if isinstance(benchmark, Mapping):
            missing = set(r["goal"]) - set(benchmark)
            if missing:
                raise KpiDataError(f"benchmark has no rate for goal(s) {sorted(missing)}; give one per goal.")
            ref = r["goal"].map(dict(benchmark)).to_numpy(dtype=float)
        else:
            ref = np.full(len(r), float(benchmark))
        if np.any((ref <= 0) | (ref >= 1)):
            raise KpiDataError(f"benchmark rates must lie strictly between 0 and 1 (got {benchmark!r}).")
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (k - n * ref) / np.sqrt(n * ref * (1 - ref))
        p = _binom_two_sided(k, n, ref)
        ref_name = "benchmark"
    q = fdr(p)
    shrunk, _, _ = shrink_rates(k, n)
    r["reference_rate"] = ref
    r["expected_bounces"] = n * ref
    r["excess_bounces"] = k - n * ref
    r["shrunk_rate"] = shrunk
    r["shrunk_excess"] = n * (shrunk - ref)
    r["z"], r["p_value"], r["q_value"] = z, p, q
    return ref_name


def _flag(r: pd.DataFrame, th: dict, min_sessions: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Add each segment's threshold ``level`` and ``flagged`` to ``r``.

    Returns (enough sessions to judge, significantly above the reference), one flag per row.
    """
    n = r["sessions"].to_numpy(dtype=float)
    ref = r["reference_rate"].to_numpy()
    q = r["q_value"].to_numpy()
    rate_v = r["bounce_rate"].to_numpy()
    watch = np.array([th[g][0] if th.get(g) else np.nan for g in r["goal"]])
    high = np.array([th[g][1] if th.get(g) else np.nan for g in r["goal"]])
    has_th = ~np.isnan(watch)
    level_lab = np.where(
        ~has_th, "no threshold", np.where(rate_v >= high, "high", np.where(rate_v >= watch, "watch", "ok"))
    )
    r["level"] = level_lab
    enough = n >= min_sessions
    above = (np.nan_to_num(q, nan=1.0) < alpha) & (rate_v > ref)
    flagged = enough & has_th & ((above & (rate_v >= watch)) | (r["ci_low"].to_numpy() >= high))
    r["flagged"] = flagged
    return enough, above


def _segment_labels(r: pd.DataFrame, by_cols: list[str]) -> pd.Series:
    """Each segment's name: its ``by`` values joined by " / "."""
    return r[by_cols].astype(str).agg(" / ".join, axis=1) if len(by_cols) > 1 else r[by_cols[0]].astype(str)


def _fix_list_order(r: pd.DataFrame) -> pd.DataFrame:
    """Rank the segments: flagged rows first, each group by shrunk excess, then by volume."""
    # shrunk excess to a thousandth of a bounce, so float noise does not order ties
    r["_key"] = r["shrunk_excess"].round(3)
    r = r.sort_values(["flagged", "_key", "sessions"], ascending=[False, False, False], kind="stable").drop(
        columns="_key"
    )
    r = r.reset_index(drop=True)
    r.insert(0, "rank", np.arange(1, len(r) + 1))
    return r


def _reasons(r: pd.DataFrame, enough, above, min_sessions: int, ref_name: str, alpha: float) -> list[str]:
    """One plain-words sentence per segment: why it is, or is not, on the fix list."""
    reasons = []
    for i, row in enumerate(r.itertuples(index=False)):  # one sentence per segment row (tens of rows)
        what = (
            f"{row.bounce_rate:.0%} bounce on {row.sessions:,} sessions "
            f"(95% CI {row.ci_low:.0%} to {row.ci_high:.0%}) vs {ref_name} {row.reference_rate:.0%}"
        )
        if not enough[i]:
            reasons.append(f"Too few sessions to judge ({row.sessions} < {min_sessions}); ranked after shrinkage only.")
        elif row.flagged:
            line = "'high'" if row.level == "high" else "'worth a look'"
            sig = (
                f"significantly above (q = {row.q_value:.2g})"
                if above[i]
                else "its whole interval is above the high line"
            )
            reasons.append(
                f"Fix: {what}; about {row.excess_bounces:,.0f} more bounces than at the {ref_name} rate, "
                f"{sig}; an {row.goal} page in the {line} zone."
            )
        elif row.goal == "information" and row.level == "no threshold":
            reasons.append(
                f"Fine for its goal: {what}; an information page, where reading one page and leaving can be success."
            )
        elif row.level == "ok":
            reasons.append(f"OK: {what}; below the {row.goal}-page 'worth a look' line.")
        else:
            reasons.append(
                f"Watch: {what}; in the {row.level!s} zone but not significantly above the {ref_name} rate "
                f"at FDR {alpha:.0%} (q = {row.q_value:.2g})."
            )
    return reasons


def top_entry_pages(
    sessions: pd.DataFrame, n: int = 5, definition: Definition = "ga4", page: str = "landing_page", level: float = 0.95
) -> pd.DataFrame:
    """The ``n`` landing pages with most sessions, with share of sessions, bounce and conversion.

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        Session rows, or aggregated report rows (sessions, bounces counts).
    n : int
        How many pages, at least 1.
    definition : {"ga4", "ua"}
        Bounce definition.
    page : str
        The landing-page column.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        The columns of :func:`bounce_rate` by ``page`` plus share (sessions / all sessions) and
        conversion_ci_low, conversion_ci_high (Wilson interval of the session conversion rate),
        sorted by sessions (ties by page).

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/", "/", "/shop"], "engaged": [True, False, True]})
    >>> top_entry_pages(s, n=1)[["landing_page", "sessions", "share"]].values.tolist()
    [['/', 2, 0.6666666666666666]]
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise KpiDataError(f"n must be a whole number >= 1 (got {n!r}).")
    r = bounce_rate(sessions, by=page, definition=definition, level=level)
    r.insert(2, "share", r["sessions"] / r["sessions"].sum())
    if r["converted_sessions"].notna().all():
        low, high = _wilson(r["converted_sessions"], r["sessions"], level)
        r["conversion_ci_low"], r["conversion_ci_high"] = low, high
    r["_label"] = r[page].astype(str)
    r = r.sort_values(["sessions", "_label"], ascending=[False, True], kind="stable").head(n)
    return r.drop(columns="_label").reset_index(drop=True)


def _wilson(k, n, level):
    """Wilson interval (low, high) of k successes in n trials, arrays in."""
    return proportion_ci(np.asarray(k, dtype=float), np.asarray(n, dtype=float), level=level)


def device_gap(
    sessions: pd.DataFrame,
    a: str = "mobile",
    b: str = "desktop",
    page: str = "landing_page",
    device: str = "device",
    definition: Definition = "ga4",
    min_sessions: int = 30,
    alpha: float = 0.05,
    level: float = 0.95,
) -> pd.DataFrame:
    """Mobile-versus-desktop bounce gap per landing page, with its interval and a test.

    gap = bounce_rate(a) - bounce_rate(b) with Newcombe's interval; pooled two-proportion z test;
    Benjamini-Hochberg q-values over the pages where both devices have ``min_sessions``.

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        Session rows, or aggregated report rows, with the ``page`` and ``device`` columns.
    a, b : str
        The two devices compared (gap = a - b).
    page, device : str
        The page and device columns.
    definition : {"ga4", "ua"}
        Bounce definition.
    min_sessions : int
        Pages where either device has fewer sessions are shown but not tested.
    alpha : float
        False discovery rate for the q-values.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per page with both devices present, ranked by the bounces the gap costs
        (``{a}_sessions`` x gap, largest first): page, sessions (all devices), ``{a}_share``,
        ``{a}_sessions``, ``{a}_bounces``, ``{a}_bounce_rate``, ``{a}_conversion_rate``, the same for
        ``b``, gap, gap_low, gap_high, z, p_value, q_value, tested (both devices have min_sessions),
        flagged (tested and q < alpha), direction ("{a} worse" / "{b} worse").

    References
    ----------
    Newcombe (1998), method 10; Benjamini and Hochberg (1995).

    Examples
    --------
    >>> rows = pd.DataFrame({"landing_page": ["/p", "/p"], "device": ["mobile", "desktop"],
    ...                      "sessions": [100, 100], "bounces": [75, 35]})
    >>> g = device_gap(rows)
    >>> round(float(g["gap"].iloc[0]), 2), bool(g["flagged"].iloc[0])
    (0.4, True)
    """
    _check_definition(definition)
    _require(sessions, [page, device], "sessions")
    r = bounce_rate(sessions, by=[page, device], definition=definition, level=level)
    total = r.groupby(page, sort=True, dropna=False)["sessions"].sum().rename("sessions")
    keep = ["sessions", "bounces", "bounce_rate", "conversion_rate"]
    ra = r.loc[r[device] == a, [page, *keep]].set_index(page).add_prefix(f"{a}_")
    rb = r.loc[r[device] == b, [page, *keep]].set_index(page).add_prefix(f"{b}_")
    if ra.empty or rb.empty:
        present = sorted(map(str, r[device].dropna().unique()))
        raise KpiDataError(f"device_gap needs sessions with {device}={a!r} and {device}={b!r}; the data has {present}.")
    out = total.to_frame().join(ra, how="inner").join(rb, how="inner").reset_index()
    out.insert(2, f"{a}_share", out[f"{a}_sessions"] / out["sessions"])
    k1, n1 = out[f"{a}_bounces"].to_numpy(float), out[f"{a}_sessions"].to_numpy(float)
    k2, n2 = out[f"{b}_bounces"].to_numpy(float), out[f"{b}_sessions"].to_numpy(float)
    out["gap"] = k1 / n1 - k2 / n2
    out["gap_low"], out["gap_high"] = newcombe_interval(k1, n1, k2, n2, level)
    out["z"], out["p_value"] = two_proportion_ztest(k1, n1, k2, n2)
    tested = (n1 >= min_sessions) & (n2 >= min_sessions)
    out["q_value"] = fdr(np.where(tested, out["p_value"], np.nan))
    out["tested"] = tested
    out["flagged"] = tested & (out["q_value"].fillna(1.0) < alpha).to_numpy()
    out["direction"] = np.where(out["gap"] > 0, f"{a} worse", np.where(out["gap"] < 0, f"{b} worse", "no gap"))
    out["_cost"] = n1 * out["gap"]
    out = out.sort_values(["_cost", page], ascending=[False, True], kind="stable").drop(columns="_cost")
    return out.reset_index(drop=True)
