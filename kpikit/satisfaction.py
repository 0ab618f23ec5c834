"""Customer-success KPIs: NPS, CSAT, CES, first contact resolution, response times, health score,
and the link from these leading indicators to churn.

Scores keep their own scale (NPS -100..100, CES 1..7); shares are fractions with Wilson intervals.
Scores outside the scale raise :class:`~kpikit.errors.KpiDataError` naming the rows (index labels of
a Series, 1-based positions of a list or array): an 11 on a 0-10 scale or a 0 on a 1-5 scale means
the export mixed scales, and averaging it in would be a silent wrong number.

References
----------
Reichheld (2003), "The one number you need to grow", Harvard Business Review (NPS); the American
Customer Satisfaction Index and vendor docs (Zendesk, Qualtrics) for CSAT; Dixon, Freeman and Toman
(2010), "Stop trying to delight your customers", HBR, and Gartner's CES 2.0 (1-7 agreement scale);
SQM Group and Zendesk for first contact resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError, describe_rows
from kpikit.schemas import require_columns
from kpikit.stats import (
    Rate,
    Score,
    fdr,
    newcombe_interval,
    rate,
    rate_frame,
    two_proportion_ztest,
)

__all__ = [
    "nps",
    "nps_group",
    "csat",
    "CES",
    "ces",
    "fcr",
    "first_response_time",
    "health_score",
    "customer_scores",
    "support_profile",
    "churn_by",
    "findings",
]


def _scores(scores, low: int, high: int, what: str, integer: bool = True) -> np.ndarray:
    """Validate scores on a low..high scale; raise naming the offending rows."""
    s = scores if isinstance(scores, pd.Series) else pd.Series(np.asarray(scores, dtype=object),
                                                               index=pd.RangeIndex(1, len(scores) + 1))
    if len(s) == 0:
        raise KpiDataError(f"{what}: no responses; there is nothing to score.")
    v = pd.to_numeric(s, errors="coerce")
    missing = v.isna() & s.isna()
    notnum = v.isna() & ~s.isna()
    if missing.any():
        raise KpiDataError(
            f"{what}: {int(missing.sum())} responses are empty ({describe_rows(list(s.index[missing]))}). "
            "Drop unanswered rows first (e.g. scores.dropna()); they are not a score."
        )
    if notnum.any():
        raise KpiDataError(
            f"{what}: {int(notnum.sum())} responses are not numbers ({describe_rows(list(s.index[notnum]))}; "
            f"first: {s[notnum].iloc[0]!r}). Map text answers to the {low}-{high} scale first."
        )
    bad = (v < low) | (v > high) | ((v % 1 != 0) if integer else False)
    if bad.any():
        raise KpiDataError(
            f"{what}: {int(bad.sum())} responses are outside the {low}-{high} scale "
            f"({describe_rows(list(s.index[bad]))}; first: {float(v[bad].iloc[0]):g}). Check that the export "
            f"uses the {low}-{high} scale (not another survey's) and remove or fix these rows."
        )
    return v.to_numpy(dtype=float)


def nps_group(scores) -> pd.Series:
    """Promoter (9-10), passive (7-8) or detractor (0-6) for each 0-10 answer.

    Returns an ordered categorical Series (detractor < passive < promoter) aligned with the input.
    """
    v = _scores(scores, 0, 10, "NPS scores")
    labels = np.where(v >= 9, "promoter", np.where(v >= 7, "passive", "detractor"))
    index = scores.index if isinstance(scores, pd.Series) else None
    return pd.Series(pd.Categorical(labels, categories=["detractor", "passive", "promoter"], ordered=True),
                     index=index, name="nps_group")


def nps(scores, level: float = 0.95) -> Score:
    """Net Promoter Score on the 0-10 scale, with its confidence interval.

    NPS = 100 x (promoters - detractors) / n, promoters answering 9-10 and detractors 0-6; range
    -100..100. Standard error in points: SE = 100 x sqrt((p + d - (p - d)^2) / n), with p and d the
    promoter and detractor shares (the variance of a +1/0/-1 score); interval NPS +- z SE, clipped to
    [-100, 100]. With n = 100 the 95% interval is about +-19 points: small differences in NPS are
    noise. Yes/no answers cannot give an NPS.

    Parameters
    ----------
    scores : array-like or Series
        Whole-number answers 0..10.
    level : float
        Confidence level.

    Returns
    -------
    Score
        name "NPS", value in points, low/high, n, counts {"promoters", "passives", "detractors"}.

    References
    ----------
    Reichheld (2003), HBR; the SE formula is the standard error of the mean of the +1/0/-1 recoded
    answers (e.g. Rocks (2016), "The NPS confidence interval").

    Examples
    --------
    >>> s = nps([10] * 60 + [3] * 40)
    >>> s.value, round(s.value - s.low, 1)
    (20.0, 19.2)
    """
    v = _scores(scores, 0, 10, "NPS scores")
    n = v.size
    pro, det = int((v >= 9).sum()), int((v <= 6).sum())
    p, d = pro / n, det / n
    value = 100 * (pro - det) / n
    se = 100 * np.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    z = float(_st.norm.ppf(0.5 + level / 2))
    return Score(float(value), float(max(value - z * se, -100.0)), float(min(value + z * se, 100.0)), n, "NPS", level,
                 {"promoters": pro, "passives": n - pro - det, "detractors": det})


def csat(scores, scale: int = 5, positive: Sequence[int] = (4, 5), level: float = 0.95) -> Rate:
    """Customer satisfaction: share of responses in the positive set (default 4-5 on 1-5).

    CSAT = responses in ``positive`` / responses, with its Wilson interval.

    Parameters
    ----------
    scale : int
        Top of the scale (answers 1..scale).
    positive : sequence of int
        Answers counted as satisfied.

    Examples
    --------
    >>> r = csat([5, 4, 4, 3, 1, 5, 2, 4, 5, 5], positive=(4, 5))
    >>> r.successes, r.trials, r.value
    (7, 10, 0.7)
    """
    pos = set(int(x) for x in positive)
    if not pos or min(pos) < 1 or max(pos) > scale:
        raise KpiDataError(f"positive must be answers within 1..{scale} (got {tuple(positive)}).")
    v = _scores(scores, 1, scale, f"CSAT scores (1-{scale})")
    k = int(np.isin(v, list(pos)).sum())
    return rate(k, v.size, level=level, warn_small=False)


@dataclass(frozen=True)
class CES:
    """Customer effort score: the mean on the scale and the share of easy (high) answers."""

    mean: Score
    share_high: Rate
    scale: int
    high: tuple

    def __float__(self) -> float:
        return float(self.mean.value)

    def as_dict(self) -> dict:
        """Plain-JSON form."""
        return {"mean": self.mean.as_dict(), "share_high": self.share_high.as_dict(), "scale": self.scale,
                "high": list(self.high)}

    def __str__(self) -> str:
        return f"CES {self.mean} ; {self.share_high.value:.1%} answered {min(self.high)}-{max(self.high)}"


def ces(scores, scale: int = 7, high: Sequence[int] = (5, 6, 7), level: float = 0.95) -> CES:
    """Customer effort score (CES 2.0, 1-7 agreement with "the company made it easy to handle my issue").

    Mean on the 1-``scale`` scale with a Student-t interval, and the share answering in ``high``
    (default 5-7) with a Wilson interval. Higher is easier.

    Examples
    --------
    >>> c = ces([7, 6, 5, 5, 3, 2, 7, 4])
    >>> round(c.mean.value, 3), c.share_high.successes, c.share_high.trials
    (4.875, 5, 8)
    """
    v = _scores(scores, 1, scale, f"CES scores (1-{scale})")
    if v.size < 2:
        raise KpiDataError("CES needs at least 2 responses for an interval.")
    m = v.mean()
    half = float(_st.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    mean = Score(float(m), float(m - half), float(m + half), int(v.size), "CES", level)
    share = rate(int(np.isin(v, list(high)).sum()), int(v.size), level=level, warn_small=False)
    return CES(mean, share, scale, tuple(int(x) for x in high))


def _tickets(tickets: pd.DataFrame, need: Sequence[str]) -> pd.DataFrame:
    require_columns(tickets, need, "tickets", fix="Map the help-desk export onto ticket_id, customer_id, "
                    "created_at, first_response_at, solved_at, agent_replies, reopened_at.")
    for c in need:
        if c.endswith("_at") and not pd.api.types.is_datetime64_any_dtype(tickets[c]):
            if tickets[c].isna().all():
                continue
            raise KpiDataError(f"tickets, column '{c}': expected datetimes, got {tickets[c].dtype}; read the "
                               "table with kk.read_table(path, 'tickets').")
    return tickets


def fcr(tickets: pd.DataFrame, reopen_within: str = "7D", by: str | None = None, level: float = 0.95):
    """First contact resolution: solved tickets resolved with one agent reply and not reopened.

    FCR = solved tickets with agent_replies == 1 and no reopening within ``reopen_within`` of
    solved_at / solved tickets. Unsolved tickets are not in the base (they are not resolved yet).

    Parameters
    ----------
    tickets : DataFrame
        Canonical ``tickets`` table (solved_at, agent_replies, reopened_at).
    reopen_within : str
        Pandas timedelta: a reopening later than this after solving counts as a new contact.
    by : str, optional
        A column to break down by (returns a frame).

    Returns
    -------
    Rate, or DataFrame (by, solved, first_contact, fcr, ci_low, ci_high, small_sample) when ``by``.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": [1, 2, 3, 4],
    ...     "solved_at": pd.to_datetime(["2025-01-02", "2025-01-02", "2025-01-03", None]),
    ...     "agent_replies": [1, 1, 3, 1],
    ...     "reopened_at": pd.to_datetime(["2025-01-04", None, None, None])})
    >>> r = fcr(t)
    >>> r.successes, r.trials
    (1, 3)
    """
    t = _tickets(tickets, ["solved_at", "agent_replies", "reopened_at"])
    try:
        window = pd.Timedelta(reopen_within)
    except ValueError:
        raise KpiDataError(f"reopen_within must be a timedelta string such as '7D' (got {reopen_within!r}).") from None
    replies = pd.to_numeric(t["agent_replies"], errors="coerce")
    solved = t["solved_at"].notna()
    bad = solved & (replies.isna() | (replies < 0))
    if bad.any():
        raise KpiDataError(
            f"tickets, column 'agent_replies': {int(bad.sum())} solved tickets have no or a negative reply count "
            f"({describe_rows(list(t.index[bad]))}). Fix the export."
        )
    reopened = t["reopened_at"].notna() & (t["reopened_at"] <= t["solved_at"] + window)
    first = solved & (replies == 1) & ~reopened
    if by is None:
        return rate(int(first.sum()), int(solved.sum()), level=level, warn_small=False)
    g = (pd.DataFrame({by: t[by], "solved": solved.astype(int), "first_contact": first.astype(int)})
         .groupby(by, sort=True, observed=True).sum().reset_index())
    return rate_frame(g, "first_contact", "solved", "fcr", level=level)


def first_response_time(
    tickets: pd.DataFrame,
    percentiles: Sequence[float] = (0.75, 0.9),
    unit: Literal["h", "min", "D"] = "h",
    by: str | None = None,
) -> pd.DataFrame:
    """First response time: creation to first agent reply, median and percentiles.

    Times are skewed (a few tickets wait days), so the median leads and the mean is shown beside it.
    Tickets without a first response are counted in ``unanswered``, not dropped silently.

    Returns
    -------
    DataFrame
        One row (or one per group): [by], tickets, answered, unanswered, median, one column per
        percentile (p75, p90 by default), mean (in ``unit``).

    Examples
    --------
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2025-01-01 08:00"] * 4),
    ...     "first_response_at": pd.to_datetime(["2025-01-01 09:00", "2025-01-01 10:00",
    ...                                          "2025-01-01 14:00", None])})
    >>> first_response_time(t)[["answered", "unanswered", "median"]].values.tolist()
    [[3.0, 1.0, 2.0]]
    """
    t = _tickets(tickets, ["created_at", "first_response_at"])
    delta = (t["first_response_at"] - t["created_at"]) / pd.Timedelta(1, unit=unit)
    neg = delta < 0
    if neg.any():
        raise KpiDataError(
            f"tickets, column 'first_response_at': {int(neg.sum())} tickets are answered before they were "
            f"created ({describe_rows(list(t.index[neg]))}). Check time zones of the two columns."
        )
    frame = pd.DataFrame({"g": t[by] if by else "all", "x": delta})
    grp = frame.groupby("g", sort=True, observed=True)["x"]
    out = pd.DataFrame({"tickets": grp.size(), "answered": grp.count()})
    out["unanswered"] = out["tickets"] - out["answered"]
    out["median"] = grp.median()
    for q in percentiles:
        out[f"p{int(round(q * 100))}"] = grp.quantile(q)
    out["mean"] = grp.mean()
    out = out.reset_index().rename(columns={"g": by}) if by else out.reset_index(drop=True)
    out.attrs["unit"] = unit
    return out


def health_score(
    components: pd.DataFrame,
    weights: dict[str, float],
    bands: tuple[float, float] = (50, 75),
) -> pd.DataFrame:
    """Customer health score: weighted average of 0-100 component scores, with red/yellow/green bands.

    health = sum_k w_k x score_k / sum_k w_k (weights normalised to sum to 1); band "red" below
    bands[0], "yellow" below bands[1], "green" otherwise.

    Parameters
    ----------
    components : DataFrame
        One row per customer, one 0-100 column per component named in ``weights``.
    weights : dict
        Component column -> non-negative weight (at least one positive).
    bands : (red_below, green_from)

    Returns
    -------
    DataFrame
        The components frame with ``health_score`` and ``band`` added (a copy).

    Examples
    --------
    >>> c = pd.DataFrame({"usage": [90, 40], "nps": [80, 20], "support": [100, 50]})
    >>> health_score(c, {"usage": 2, "nps": 1, "support": 1})[["health_score", "band"]].values.tolist()
    [[90.0, 'green'], [37.5, 'red']]
    """
    if not weights:
        raise KpiDataError("weights must name at least one component column.")
    missing = [k for k in weights if k not in components.columns]
    if missing:
        raise KpiDataError(f"components: missing column(s) {missing}; columns are {list(components.columns)}.")
    w = pd.Series(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise KpiDataError(f"weights must be >= 0 with a positive total (got {weights}).")
    if not bands[0] <= bands[1]:
        raise KpiDataError(f"bands must be (red_below, green_from) with red_below <= green_from (got {bands}).")
    vals = components[list(w.index)].apply(pd.to_numeric, errors="coerce")
    for col in w.index:
        bad = vals[col].isna() | (vals[col] < 0) | (vals[col] > 100)
        if bad.any():
            raise KpiDataError(
                f"components, column '{col}': {int(bad.sum())} values are missing or outside 0-100 "
                f"({describe_rows(list(components.index[bad]))}). Rescale each component to 0-100 first."
            )
    out = components.copy()
    out["health_score"] = vals.to_numpy() @ (w / w.sum()).to_numpy()
    out["band"] = np.where(out["health_score"] < bands[0], "red",
                           np.where(out["health_score"] < bands[1], "yellow", "green"))
    return out


# --------------------------------------------------------------------------------------- leading indicators


def customer_scores(surveys: pd.DataFrame, how: Literal["last", "first", "mean"] = "last") -> pd.DataFrame:
    """One row per customer with their NPS, CSAT and CES answer (last, first or mean response).

    Validates each kind on its scale. Adds ``nps_group`` (detractor / passive / promoter) from the
    chosen NPS answer (with ``how="mean"`` the mean is rounded down before grouping).

    Returns
    -------
    DataFrame
        customer_id, nps, csat, ces (NaN where the customer did not answer that survey), nps_group,
        csat_group ("unsatisfied (1-2)", "neutral (3)", "satisfied (4-5)").
    """
    need = ["customer_id", "kind", "score", "timestamp"]
    require_columns(surveys, need, "surveys")
    s = surveys.dropna(subset=["customer_id"])
    scales = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
    unknown = ~s["kind"].isin(list(scales))
    if unknown.any():
        raise KpiDataError(f"surveys, column 'kind': {int(unknown.sum())} rows are not nps/csat/ces "
                           f"({describe_rows(list(s.index[unknown]))}).")
    for kind, (lo, hi) in scales.items():
        sub = s.loc[s["kind"] == kind, "score"]
        if len(sub):
            _scores(sub, lo, hi, f"surveys ({kind}) score")
    s = s.sort_values(["customer_id", "timestamp"], kind="stable")
    g = s.groupby(["customer_id", "kind"])["score"]
    agg = {"last": g.last(), "first": g.first(), "mean": g.mean()}.get(how)
    if agg is None:
        raise KpiDataError(f"how must be 'last', 'first' or 'mean' (got {how!r}).")
    wide = agg.unstack("kind").reindex(columns=list(scales)).reset_index()
    wide.columns.name = None
    n = np.floor(wide["nps"])
    wide["nps_group"] = pd.Categorical(
        np.where(n.isna(), None, np.where(n >= 9, "promoter", np.where(n >= 7, "passive", "detractor"))),
        categories=["detractor", "passive", "promoter"], ordered=True)
    c = np.floor(wide["csat"])
    wide["csat_group"] = pd.Categorical(
        np.where(c.isna(), None, np.where(c >= 4, "satisfied (4-5)", np.where(c >= 3, "neutral (3)", "unsatisfied (1-2)"))),
        categories=["unsatisfied (1-2)", "neutral (3)", "satisfied (4-5)"], ordered=True)
    return wide


def support_profile(
    tickets: pd.DataFrame,
    reopen_within: str = "7D",
    response_bands: tuple[float, float] = (4.0, 24.0),
) -> pd.DataFrame:
    """One row per customer summarising their support experience.

    Columns: customer_id, tickets, solved, first_contact (solved at first contact, as :func:`fcr`),
    fcr_share, reopened (any ticket reopened), max_replies, median_response_h, support_experience
    ("smooth": every solved ticket solved at first contact; "reopened": a ticket was reopened;
    "multi-reply" otherwise), response_band (median first response under ``response_bands[0]``
    hours, up to ``response_bands[1]``, or slower; missing when no ticket was answered).
    """
    t = _tickets(tickets, ["customer_id", "created_at", "first_response_at", "solved_at", "agent_replies", "reopened_at"])
    window = pd.Timedelta(reopen_within)
    t = t.dropna(subset=["customer_id"])
    solved = t["solved_at"].notna()
    replies = pd.to_numeric(t["agent_replies"], errors="coerce")
    reopened_any = t["reopened_at"].notna()
    reopened_win = reopened_any & (t["reopened_at"] <= t["solved_at"] + window)
    f = pd.DataFrame({
        "customer_id": t["customer_id"], "tickets": 1, "solved": solved.astype(int),
        "first_contact": (solved & (replies == 1) & ~reopened_win).astype(int),
        "reopened": reopened_any, "max_replies": replies,
        "response_h": (t["first_response_at"] - t["created_at"]) / pd.Timedelta(hours=1),
    })
    g = f.groupby("customer_id").agg(tickets=("tickets", "sum"), solved=("solved", "sum"),
                                     first_contact=("first_contact", "sum"), reopened=("reopened", "any"),
                                     max_replies=("max_replies", "max"), median_response_h=("response_h", "median"))
    g["fcr_share"] = np.where(g["solved"] > 0, g["first_contact"] / g["solved"].where(g["solved"] > 0), np.nan)
    g["support_experience"] = np.where(g["reopened"], "reopened",
                                       np.where(g["first_contact"] == g["solved"], "smooth", "multi-reply"))
    lo, hi = response_bands
    h = g["median_response_h"]
    band = np.where(h < lo, f"< {lo:g} h", np.where(h <= hi, f"{lo:g}-{hi:g} h", f"> {hi:g} h"))
    g["response_band"] = pd.Series(band, index=g.index).where(h.notna())
    return g.reset_index()


def churn_by(
    customers: pd.DataFrame,
    by: str,
    churned: str = "churned",
    exposure: str | None = None,
    reference: str | None = None,
    missing_label: str = "(none)",
    missing: Literal["group", "exclude"] = "group",
    level: float = 0.95,
) -> pd.DataFrame:
    """Churn per group of a leading indicator (NPS group, CSAT, support experience), each group
    compared with a reference group.

    Two measures:

    - ``exposure=None``: churn share = churned customers / customers in the group (Wilson interval);
      difference to the reference with Newcombe's interval and a pooled two-proportion z test; ratio
      with the Katz log interval.
    - ``exposure="months"`` (a column of time at risk per customer, e.g. the ``duration`` of
      ``kk.subscriptions.customer_lifetimes``): churn rate per unit of exposure = churned / sum of
      exposure (exact Poisson interval, Garwood 1936), rate ratio to the reference with a log-normal
      interval and the exact conditional test (given k1 + k2 events, k1 ~ Binomial(k1 + k2,
      e1 / (e1 + e2)) under equal rates). This removes the bias of groups observed for different
      lengths of time; prefer it when tenure differs.

    The reference defaults to the group with the lowest churn among groups with at least one churned
    customer (a ratio to zero is undefined). p-values of all comparisons get
    Benjamini-Hochberg q-values. Customers without a value of ``by`` (e.g. never surveyed) form the
    ``missing_label`` group with ``missing="group"``; with ``missing="exclude"`` they are left out
    and their number is in ``result.attrs["excluded"]`` (they often differ: customers who churn
    early are never surveyed, so comparing them with respondents mixes two questions).

    Returns
    -------
    DataFrame
        [by], customers, churned, (exposure,) churn_rate, ci_low, ci_high, small_sample, reference,
        difference, diff_low, diff_high, ratio, ratio_low, ratio_high, p_value, q_value.

    References
    ----------
    Newcombe (1998); Katz et al. (1978), Biometrics 34 (ratio interval); Garwood (1936),
    Biometrika 28 (Poisson interval); Przyborowski and Wilenski (1940) (conditional rate test).

    Examples
    --------
    >>> c = pd.DataFrame({"g": ["a"] * 100 + ["b"] * 100, "churned": [1] * 30 + [0] * 70 + [1] * 15 + [0] * 85})
    >>> r = churn_by(c, "g")
    >>> r[["g", "churned", "customers"]].values.tolist(), round(float(r["ratio"].iloc[0]), 2)
    ([['a', 30, 100], ['b', 15, 100]], 2.0)
    """
    need = [by, churned] + ([exposure] if exposure else [])
    for c in need:
        if c not in customers.columns:
            raise KpiDataError(f"customers has no column {c!r}; columns: {list(customers.columns)}.")
    ch = customers[churned]
    bad = ch.isna() | ~ch.isin([0, 1, True, False])
    if bad.any():
        raise KpiDataError(f"column {churned!r} must be True/False for every customer "
                           f"({describe_rows(list(customers.index[bad]))} are not).")
    if missing not in ("group", "exclude"):
        raise KpiDataError(f"missing must be 'group' or 'exclude' (got {missing!r}).")
    excluded = int(customers[by].isna().sum()) if missing == "exclude" else 0
    if excluded:
        customers = customers[customers[by].notna()]
        ch = ch[customers.index]
    key = customers[by]
    if isinstance(key.dtype, pd.CategoricalDtype):
        if key.isna().any() and missing_label not in key.cat.categories:
            key = key.cat.add_categories([missing_label])
        key = key.fillna(missing_label)
    else:
        key = key.astype("string").fillna(missing_label)
    f = pd.DataFrame({by: key, "churned": ch.astype(int)})
    if exposure:
        e = pd.to_numeric(customers[exposure], errors="coerce")
        bad = e.isna() | (e < 0)
        if bad.any():
            raise KpiDataError(f"column {exposure!r}: {int(bad.sum())} exposures are missing or negative "
                               f"({describe_rows(list(customers.index[bad]))}).")
        f["exposure"] = e.to_numpy(dtype=float)
    agg = {"customers": ("churned", "size"), "churned": ("churned", "sum")}
    if exposure:
        agg["exposure"] = ("exposure", "sum")
    g = f.groupby(by, sort=True, observed=True).agg(**agg).reset_index()
    g = g[g["customers"] > 0].reset_index(drop=True)
    k = g["churned"].to_numpy(dtype=float)
    alpha = 1 - level
    if exposure:
        ex = g["exposure"].to_numpy(dtype=float)
        if (ex <= 0).any():
            raise KpiDataError(f"Every group needs positive total {exposure!r}; a group has none.")
        g["churn_rate"] = k / ex
        g["ci_low"] = np.where(k > 0, _st.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / ex
        g["ci_high"] = _st.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / ex
        g["small_sample"] = k < 5
    else:
        rate_frame(g, "churned", "customers", "churn_rate", level=level)
    if reference is None:
        with_events = g[g["churned"] > 0]
        pool = with_events if not with_events.empty else g
        reference = pool.loc[pool["churn_rate"].idxmin(), by]
    labels = g[by].astype(object).to_numpy()
    if reference not in set(labels):
        raise KpiDataError(f"reference {reference!r} is not a group of {by!r}: {list(labels)}.")
    is_ref = labels == reference
    ref = g[is_ref].iloc[0]
    k2 = np.float64(ref["churned"])
    z = float(_st.norm.ppf(0.5 + level / 2))
    g["reference"] = str(reference)
    g["difference"] = g["churn_rate"] - ref["churn_rate"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = g["churn_rate"].to_numpy() / ref["churn_rate"]
        if exposure:
            se = np.sqrt(1 / k + 1 / k2)
            e2 = float(ref["exposure"])
            g["diff_low"] = g["difference"] - z * np.sqrt(k / ex**2 + k2 / e2**2)
            g["diff_high"] = g["difference"] + z * np.sqrt(k / ex**2 + k2 / e2**2)
            p = np.array([
                _st.binomtest(int(ki), int(ki + k2), ei / (ei + e2)).pvalue if ki + k2 > 0 else 1.0
                for ki, ei in zip(k, ex)  # one test per group (a handful), not per customer
            ])
        else:
            n1, n2 = g["customers"].to_numpy(dtype=float), float(ref["customers"])
            se = np.sqrt(1 / k - 1 / n1 + 1 / k2 - 1 / n2)
            lo, hi = newcombe_interval(k, n1, k2, n2, level)
            g["diff_low"], g["diff_high"] = lo, hi
            p = two_proportion_ztest(k, n1, k2, n2)[1]
        g["ratio"] = ratio
        g["ratio_low"] = np.where((k > 0) & (k2 > 0), ratio * np.exp(-z * se), np.nan)
        g["ratio_high"] = np.where((k > 0) & (k2 > 0), ratio * np.exp(z * se), np.nan)
    g["p_value"] = np.where(is_ref, np.nan, p)
    g["q_value"] = fdr(g["p_value"].to_numpy())
    g.attrs["measure"] = "per exposure" if exposure else "share"
    g.attrs["excluded"] = excluded
    return g


def findings(
    tables: dict[str, pd.DataFrame],
    alpha: float = 0.05,
    nps_score: Score | None = None,
    exposure_unit: str = "customer-month",
) -> list[str]:
    """Plain-language findings on leading indicators of churn.

    Parameters
    ----------
    tables : dict
        Indicator label (e.g. "NPS group") -> :func:`churn_by` frame.
    alpha : float
        q-value threshold for calling a difference clear.
    nps_score : Score, optional
        The overall NPS, described with its interval first.
    exposure_unit : str
        Unit of the exposure of :func:`churn_by` frames built with ``exposure=``.
    """
    out = []
    if nps_score is not None:
        c = nps_score.counts or {}
        out.append(
            f"NPS is {nps_score.value:+.0f} (95% CI {nps_score.low:+.0f} to {nps_score.high:+.0f}, n = {nps_score.n:,}; "
            f"{c.get('promoters', 0):,} promoters, {c.get('detractors', 0):,} detractors)."
        )
    for label, t in tables.items():
        if t is None or t.empty:
            continue
        by = t.columns[0]
        tested = t.dropna(subset=["p_value"])
        if tested.empty:
            continue
        worst = tested.sort_values("churn_rate", ascending=False).iloc[0]
        ref = t[t[by].astype(str) == str(worst["reference"])].iloc[0]
        clear = worst["q_value"] < alpha
        ratio = f"{worst['ratio']:.1f}x" if np.isfinite(worst["ratio"]) else "far above"
        unit = f" per {exposure_unit}" if "exposure" in t.columns else ""
        out.append(
            f"By {label}: '{worst[by]}' customers churned at {worst['churn_rate']:.1%}{unit} "
            f"({int(worst['churned'])} of {int(worst['customers'])} churned) against {ref['churn_rate']:.1%}{unit} for "
            f"'{ref[by]}', {ratio} as often; "
            + (f"a clear difference (q = {worst['q_value']:.2g})." if clear else
               f"not a clear difference at this sample size (q = {worst['q_value']:.2g}).")
        )
    return out
