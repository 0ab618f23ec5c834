"""Survey scores: NPS, CSAT and CES with their intervals, and each customer's answers for churn analysis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kpikit.errors import KpiDataError, describe_rows
from kpikit.i18n import t
from kpikit.schemas import require_columns
from kpikit.stats import Rate, Score, proportion_ci, rate

__all__ = ["nps", "nps_group", "csat", "CES", "ces", "customer_scores", "survey_scores", "nps_teaching_example"]

#: Lowest NPS answer of a promoter, and of a passive (below: detractor).
PROMOTER_FROM, PASSIVE_FROM = 9, 7

NPS_GROUPS = ["detractor", "passive", "promoter"]

CSAT_GROUPS = ["unsatisfied (1-2)", "neutral (3)", "satisfied (4-5)"]

#: Fewest answers for the scale check of :func:`nps`: with fewer, answers that all lie within 1-5 or
#: 1-7 are scored (there is too little evidence that the survey used another scale).
SCALE_EVIDENCE_N = 20

#: The likely scale of answers that all lie within 1..top, and the functions that score it.
_OTHER_SCALES = {
    5: "kk.satisfaction.csat(scores) for satisfaction (4-5 satisfied), or kk.satisfaction.ces(scores, scale=5, "
    "high=(4, 5)) for effort",
    7: "kk.satisfaction.ces(scores) for effort (CES 2.0, 5-7 easy), or kk.satisfaction.csat(scores, scale=7, "
    "positive=(6, 7)) for satisfaction",
}


def _scores(
    scores: pd.Series | Sequence[float] | np.ndarray, low: int, high: int, what: str, integer: bool = True
) -> np.ndarray:
    """Validate scores on a low..high scale; raise naming the offending rows."""
    s = (
        scores
        if isinstance(scores, pd.Series)
        else pd.Series(np.asarray(scores, dtype=object), index=pd.RangeIndex(1, len(scores) + 1))
    )
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


def _nps_scale(v: np.ndarray, scale: str | None, what: str) -> None:
    """Refuse 0-10 answers that look like a 1-5 or 1-7 survey (see :func:`nps`), unless ``scale="0-10"`` says otherwise."""
    if scale is not None:
        if scale != "0-10":
            raise KpiDataError(
                f"scale must be None (check the answers) or '0-10' (the survey is 0-10: score it), got {scale!r}. "
                "NPS exists only on the 0-10 scale; score other scales with csat() or ces()."
            )
        return
    if v.size < SCALE_EVIDENCE_N or v.min() < 1 or v.max() > max(_OTHER_SCALES):
        return
    top = min(t for t in _OTHER_SCALES if v.max() <= t)
    detractors = int((v < PASSIVE_FROM).sum())
    nps_value = 100 * (int((v >= PROMOTER_FROM).sum()) - detractors) / v.size
    raise KpiDataError(
        f"{what}: all {v.size} answers lie within 1-{top} (none is 0 and none is above {top}): this looks like a "
        f"1-{top} survey, not the 0-10 'how likely are you to recommend us' question. Scored as NPS, {detractors} of "
        f"them would count as detractors and the NPS would read {nps_value:+.0f}. Use {_OTHER_SCALES[top]}; if the "
        "survey really is 0-10, pass scale='0-10'."
    )


def _nps_groups(v: np.ndarray) -> pd.Categorical:
    """Detractor / passive / promoter of each 0-10 answer (missing where the answer is NaN)."""
    v = np.asarray(v, dtype=float)
    labels = np.where(
        np.isnan(v), None, np.where(v >= PROMOTER_FROM, "promoter", np.where(v >= PASSIVE_FROM, "passive", "detractor"))
    )
    return pd.Categorical(labels, categories=NPS_GROUPS, ordered=True)


def nps_group(scores: pd.Series | Sequence[float] | np.ndarray, scale: Literal["0-10"] | None = None) -> pd.Series:
    """Promoter (9-10), passive (7-8) or detractor (0-6) for each 0-10 answer.

    Answers that look like a 1-5 or 1-7 survey are refused as in :func:`nps`.

    Parameters
    ----------
    scores : array-like or Series
        Whole-number answers 0..10.
    scale : {None, "0-10"}
        None checks that the answers do not come from a 1-5 or 1-7 survey (see :func:`nps`);
        "0-10" states that the survey is 0-10 and skips that check.

    Returns
    -------
    Series
        Ordered categorical (detractor < passive < promoter) named ``nps_group``, aligned with the
        input (its index when a Series).

    References
    ----------
    Reichheld (2003), "The one number you need to grow", Harvard Business Review.

    Examples
    --------
    >>> nps_group([10, 8, 6]).astype(str).tolist()
    ['promoter', 'passive', 'detractor']
    """
    v = _scores(scores, 0, 10, "NPS scores")
    _nps_scale(v, scale, "NPS scores")
    index = scores.index if isinstance(scores, pd.Series) else None
    return pd.Series(_nps_groups(v), index=index, name="nps_group")


def nps(
    scores: pd.Series | Sequence[float] | np.ndarray, level: float = 0.95, scale: Literal["0-10"] | None = None
) -> Score:
    """Net Promoter Score on the 0-10 scale, with its confidence interval.

    NPS = 100 x (promoters - detractors) / n, promoters answering 9-10 and detractors 0-6; range
    -100..100. Standard error in points: SE = 100 x sqrt((p + d - (p - d)^2) / n), with p and d the
    promoter and detractor shares (the variance of a +1/0/-1 score); interval NPS +- z SE, clipped to
    [-100, 100]. With n = 100 the 95% interval is about +-19 points: small differences in NPS are
    noise. Yes/no answers cannot give an NPS.

    The scale is checked, because NPS exists only on 0-10 and a 1-5 or 1-7 survey scored as NPS turns
    satisfied customers into detractors. Answers outside 0-10 or not whole numbers are refused. Answers
    that all lie within 1-5 (no 0, none above 5), or all within 1-7 (no 0, none above 7), from at
    least ``SCALE_EVIDENCE_N`` (20) respondents are refused as a likely 1-5 or 1-7 survey, with the
    function that scores it (:func:`csat`, :func:`ces`): on a real 0-10 survey that would take not one
    promoter and not one 0 among 20 people; even where only 10% of answers are 0 and 20% are 8-10,
    twenty answers avoid both with probability 0.7^20 < 0.001. Fewer answers are scored: too few to
    tell the scale. ``scale="0-10"`` states that the survey is 0-10 and skips this check.

    Parameters
    ----------
    scores : array-like or Series
        Whole-number answers 0..10.
    level : float
        Confidence level.
    scale : {None, "0-10"}
        None (default) refuses answers that look like a 1-5 or 1-7 survey (see above); "0-10" states
        that the survey is 0-10 and scores the answers whatever they look like.

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
    _nps_scale(v, scale, "NPS scores")
    n = v.size
    pro, det = int((v >= PROMOTER_FROM).sum()), int((v < PASSIVE_FROM).sum())
    p, d = pro / n, det / n
    value = 100 * (pro - det) / n
    se = 100 * np.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    z = float(_st.norm.ppf(0.5 + level / 2))
    return Score(
        float(value),
        float(max(value - z * se, -100.0)),
        float(min(value + z * se, 100.0)),
        n,
        "NPS",
        level,
        {"promoters": pro, "passives": n - pro - det, "detractors": det},
    )


def csat(
    scores: pd.Series | Sequence[float] | np.ndarray,
    scale: int = 5,
    positive: Sequence[int] = (4, 5),
    level: float = 0.95,
) -> Rate:
    """Customer satisfaction: share of responses in the positive set (default 4-5 on 1-5).

    CSAT = responses in ``positive`` / responses, with its Wilson interval.

    Parameters
    ----------
    scores : array-like or Series
        Whole-number answers 1..scale.
    scale : int
        Top of the scale (answers 1..scale).
    positive : sequence of int
        Answers counted as satisfied.
    level : float
        Confidence level of the Wilson interval.

    Returns
    -------
    Rate
        Satisfied answers of all answers.

    References
    ----------
    American Customer Satisfaction Index; Zendesk and Qualtrics documentation on CSAT (top-two-box).

    Examples
    --------
    >>> r = csat([5, 4, 4, 3, 1, 5, 2, 4, 5, 5], positive=(4, 5))
    >>> r.successes, r.trials, r.value
    (7, 10, 0.7)
    """
    pos = {int(x) for x in positive}
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
        """Plain-JSON form.

        Returns
        -------
        dict
            mean and share_high (their own plain forms), scale and the high answers.
        """
        return {
            "mean": self.mean.as_dict(),
            "share_high": self.share_high.as_dict(),
            "scale": self.scale,
            "high": list(self.high),
        }

    def __str__(self) -> str:
        return f"CES {self.mean} ; {self.share_high.value:.1%} answered {min(self.high)}-{max(self.high)}"


def ces(
    scores: pd.Series | Sequence[float] | np.ndarray,
    scale: int = 7,
    high: Sequence[int] = (5, 6, 7),
    level: float = 0.95,
) -> CES:
    """Customer effort score (CES 2.0, 1-7 agreement with "the company made it easy to handle my issue").

    Mean on the 1-``scale`` scale with a Student-t interval, and the share answering in ``high``
    (default 5-7) with a Wilson interval. Higher is easier.

    The mean's interval stays within the scale: the t interval is cut at 1 and ``scale`` (the mean
    cannot lie outside, so the cut interval covers it whenever the uncut one does). When every answer is
    the same the t interval has no width; it is then the Wilson interval of the mean rescaled to 0-1,
    (mean - 1) / (scale - 1), whose variance bound p(1 - p) is the largest any answers with that mean can
    have: five answers of 7 give 4.39 to 7, not 7 to 7.

    Parameters
    ----------
    scores : array-like or Series
        Whole-number answers 1..scale (at least 2).
    scale : int
        Top of the scale.
    high : sequence of int
        Answers counted as "easy".
    level : float
        Confidence level of both intervals.

    Returns
    -------
    CES
        ``mean`` (a Score) and ``share_high`` (a Rate).

    References
    ----------
    Dixon, Freeman and Toman (2010), "Stop trying to delight your customers", HBR; Gartner, CES 2.0.

    Examples
    --------
    >>> c = ces([7, 6, 5, 5, 3, 2, 7, 4])
    >>> round(c.mean.value, 3), c.share_high.successes, c.share_high.trials
    (4.875, 5, 8)
    """
    v = _scores(scores, 1, scale, f"CES scores (1-{scale})")
    if v.size < 2:
        raise KpiDataError("CES needs at least 2 responses for an interval.")
    m = float(v.mean())
    if np.ptp(v) > 0:
        half = float(_st.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
        lower, upper = max(m - half, 1.0), min(m + half, float(scale))
    else:  # one answer repeated: no spread to estimate, so bound it (see above)
        p = (m - 1) / (scale - 1) if scale > 1 else 0.0
        lo, hi = proportion_ci(p * v.size, v.size, level)
        lower, upper = 1 + (scale - 1) * float(lo), 1 + (scale - 1) * float(hi)
    mean = Score(m, float(lower), float(upper), int(v.size), "CES", level)
    share = rate(int(np.isin(v, list(high)).sum()), int(v.size), level=level, warn_small=False)
    return CES(mean, share, scale, tuple(int(x) for x in high))


def customer_scores(surveys: pd.DataFrame, how: Literal["last", "first", "mean"] = "last") -> pd.DataFrame:
    """One row per customer with their NPS, CSAT and CES answer (last, first or mean response).

    Validates each kind on its scale. Adds ``nps_group`` (detractor / passive / promoter) from the
    chosen NPS answer (with ``how="mean"`` the mean is rounded down before grouping).

    Parameters
    ----------
    surveys : DataFrame
        Canonical ``surveys`` table: customer_id, timestamp, kind (nps/csat/ces), score.
    how : {"last", "first", "mean"}
        Which of a customer's answers to each survey to keep.

    Returns
    -------
    DataFrame
        customer_id, nps, csat, ces (NaN where the customer did not answer that survey), nps_group,
        csat_group ("unsatisfied (1-2)", "neutral (3)", "satisfied (4-5)").

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b"], "kind": ["nps", "nps", "csat"],
    ...     "score": [3, 9, 4], "timestamp": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-05"])})
    >>> w = customer_scores(s)
    >>> float(w.loc[0, "nps"]), w.loc[0, "nps_group"], w.loc[1, "csat_group"]
    (9.0, 'promoter', 'satisfied (4-5)')
    """
    require_columns(surveys, ["customer_id", "kind", "score", "timestamp"], "surveys")
    s = surveys.dropna(subset=["customer_id"])
    scales = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
    unknown = ~s["kind"].isin(list(scales))
    if unknown.any():
        raise KpiDataError(
            f"surveys, column 'kind': {int(unknown.sum())} rows are not nps/csat/ces "
            f"({describe_rows(list(s.index[unknown]))})."
        )
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
    wide["nps_group"] = _nps_groups(np.floor(wide["nps"].to_numpy(dtype=float, na_value=np.nan)))
    c = np.floor(wide["csat"])
    wide["csat_group"] = pd.Categorical(
        np.where(c.isna(), None, np.where(c >= 4, CSAT_GROUPS[2], np.where(c >= 3, CSAT_GROUPS[1], CSAT_GROUPS[0]))),
        categories=CSAT_GROUPS,
        ordered=True,
    )
    return wide


def survey_scores(surveys: pd.DataFrame, lang: str = "en") -> dict[str, Score | Rate]:
    """The overall score of each kind of survey the table holds: NPS, CSAT, CES (mean and share 5-7).

    Each kind present is scored by its own function (:func:`nps`, :func:`csat`, :func:`ces`); a kind with
    no answer is left out, so a business that runs only an NPS survey gets its NPS.

    Parameters
    ----------
    surveys : DataFrame
        Canonical ``surveys`` table: kind (nps/csat/ces), score.
    lang : str
        The language of the message when there is no answer (a report's note).

    Returns
    -------
    dict
        KPI name -> value, for the kinds present, in this order: ``nps`` (Score), ``csat`` (Rate),
        ``ces_mean`` (Score) and ``ces_share_5_7`` (Rate).

    Raises
    ------
    KpiDataError
        When the table holds no answer of any kind.

    Examples
    --------
    >>> s = pd.DataFrame({"kind": ["nps"] * 3 + ["csat"] * 2, "score": [10, 9, 3, 5, 2]})
    >>> {k: round(float(v), 2) for k, v in survey_scores(s).items()}
    {'nps': 33.33, 'csat': 0.5}
    """
    require_columns(surveys, ["kind", "score"], "surveys")
    answers = {kind: surveys.loc[surveys["kind"] == kind, "score"] for kind in ("nps", "csat", "ces")}
    out: dict[str, Score | Rate] = {}
    if len(answers["nps"]):
        out["nps"] = nps(answers["nps"])
    if len(answers["csat"]):
        out["csat"] = csat(answers["csat"])
    if len(answers["ces"]):
        effort = ces(answers["ces"])
        out["ces_mean"], out["ces_share_5_7"] = effort.mean, effort.share_high
    if not out:
        raise KpiDataError(t("satisfaction.note.no_answers", lang))
    return out


def nps_teaching_example(
    promoters: float = 0.6, detractors: float = 0.4, sizes: Sequence[int] = (100, 400, 1600), level: float = 0.95
) -> pd.DataFrame:
    """A made-up survey for teaching how wide an NPS interval is: never a client's NPS.

    For each number of answers in ``sizes``, a survey with these shares of promoters (answering 10) and
    detractors (answering 0) is scored by :func:`nps`: the score stays the same while its interval
    halves each time the answers quadruple. Every row is labelled "teaching example".

    Parameters
    ----------
    promoters, detractors : float
        Shares of promoters and detractors (the rest are passives).
    sizes : sequence of int
        Numbers of answers.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        example ("teaching example"), answers, promoters, detractors, nps, ci_low, ci_high;
        ``attrs["teaching_example"]`` is True.

    Examples
    --------
    >>> t = nps_teaching_example()
    >>> t["nps"].tolist(), (t["nps"] - t["ci_low"]).round(1).tolist()
    ([20.0, 20.0, 20.0], [19.2, 9.6, 4.8])
    """
    if not (0 <= promoters and 0 <= detractors and promoters + detractors <= 1):
        raise KpiDataError("promoters and detractors are shares between 0 and 1 that add up to at most 1.")
    rows = []
    for n in sizes:
        pro, det = round(promoters * n), round(detractors * n)
        score = nps([10] * pro + [8] * (n - pro - det) + [0] * det, level=level, scale="0-10")
        rows.append(("teaching example", n, pro, det, score.value, score.low, score.high))
    out = pd.DataFrame(rows, columns=["example", "answers", "promoters", "detractors", "nps", "ci_low", "ci_high"])
    out.attrs.update({"teaching_example": True, "level": level})
    return out
