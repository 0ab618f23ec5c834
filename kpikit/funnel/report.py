"""What notebook 02 reads off the funnel results: its periods, its findings in any language, the A/B verdict.

- :func:`analysis_periods`: the analysed and the comparison period, from the data unless set (the last
  complete months of the events, and as many months just before them).
- :func:`period_change`: :func:`~kpikit.funnel.compare_periods` on those periods, or a clear note when the
  data hold no comparison period.
- :func:`funnel_findings`: the funnel's findings as translatable sentences, with their business impact
  (users who did not complete the funnel because a step got worse).
- The A/B test's page, power and verdict are in :mod:`kpikit.funnel.power`.
- :func:`in_period`, :func:`breakdown_rows`, :func:`time_to_convert` and :func:`stage_matrix`: the rows,
  tables and matrices the report's sections and charts show.
- :func:`as_descriptions`: findings kept as descriptions (no business impact of their own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.funnel.compare import _count_column, biggest_leak, compare_periods, largest_change
from kpikit.funnel.report_lazy import has_rows, time_span, took_facts
from kpikit.i18n import Finding, t, term
from kpikit.io.lazy import is_lazy
from kpikit.schemas import require_columns
from kpikit.stats import proportion_ci

__all__ = [
    "AnalysisPeriods",
    "analysis_periods",
    "period_change",
    "funnel_findings",
    "funnel_table",
    "in_period",
    "change_kpi",
    "breakdown_column",
    "breakdown_rows",
    "time_to_convert",
    "stage_matrix",
    "as_descriptions",
]

#: The label of a breakdown value the events do not record (as Google Analytics writes it).
NOT_SET = "(not set)"


@dataclass(frozen=True)
class AnalysisPeriods:
    """The analysed period [start, end) and the comparison period [previous_start, previous_end)."""

    start: pd.Timestamp
    end: pd.Timestamp
    previous_start: pd.Timestamp
    previous_end: pd.Timestamp

    @property
    def current(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """(start, end) of the analysed period, ``end`` exclusive."""
        return self.start, self.end

    @property
    def previous(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """(start, end) of the comparison period, ``end`` exclusive."""
        return self.previous_start, self.previous_end

    @property
    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of the analysed period (for titles and KPI periods)."""
        return self.start, self.end - pd.Timedelta(days=1)

    @property
    def previous_span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of the comparison period."""
        return self.previous_start, self.previous_end - pd.Timedelta(days=1)


def _month_start(x: pd.Timestamp) -> pd.Timestamp:
    return x.to_period("M").to_timestamp()


def analysis_periods(
    events: pd.DataFrame | Any,
    months: int = 4,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    previous_start: str | pd.Timestamp | None = None,
    previous_end: str | pd.Timestamp | None = None,
    time_col: str = "timestamp",
) -> AnalysisPeriods:
    """The analysed period and the comparison period, from the data unless set.

    By default the analysed period is the last ``months`` complete calendar months of the events: a month
    is complete when the events reach its last day or the day before it (an export often stops on the
    evening before the month ends); the comparison period is as long and ends where the analysed one
    starts. A period set by hand is kept as given (``end`` exclusive). When the data begin later, the
    analysed period starts with the data's first whole month.

    Parameters
    ----------
    events : DataFrame or Ibis table
        Canonical ``events`` table; lazy events are asked for their first and last time only.
    months : int
        Length of the default analysed period in months (at least 1).
    start, end : str or Timestamp, optional
        The analysed period, ``end`` exclusive; None: from the data.
    previous_start, previous_end : str or Timestamp, optional
        The comparison period, ``previous_end`` exclusive; None: as long as the analysed period, just
        before it.
    time_col : str
        The events' time column.

    Returns
    -------
    AnalysisPeriods

    Raises
    ------
    KpiDataError
        Without dated events, or when the analysed period is empty or holds no event.

    Examples
    --------
    >>> ev = pd.DataFrame({"timestamp": pd.to_datetime(["2024-11-03 10:00", "2025-06-29 22:00"])})
    >>> p = analysis_periods(ev)
    >>> str(p.start.date()), str(p.end.date()), str(p.previous_start.date())
    ('2025-03-01', '2025-07-01', '2024-11-01')
    """
    if int(months) < 1:
        raise KpiDataError(f"months must be at least 1 (got {months!r}).")
    if not is_lazy(events):
        require_columns(events, [time_col], "events")
    span = time_span(events, time_col)
    if span is None:
        raise KpiDataError("events: no dated rows, so there is no period to analyse.")
    first, last = span[0].normalize(), span[1].normalize()
    stop = pd.Timestamp(end) if end is not None else _month_start(last + pd.Timedelta(days=2))
    if start is not None:
        begin = pd.Timestamp(start)
    else:
        begin = stop - pd.DateOffset(months=int(months))
        whole = first if first.day <= 2 else _month_start(first) + pd.DateOffset(months=1)
        begin = max(begin, _month_start(whole))
    if begin >= stop or not has_rows(events, time_col, begin, stop):
        raise KpiDataError(
            f"No events between {begin.date()} and {stop.date()} (the events run from {first.date()} to "
            f"{last.date()}): the report needs at least one complete month of events, or a period set inside them."
        )
    p_end = pd.Timestamp(previous_end) if previous_end is not None else begin
    if previous_start is not None:
        p_start = pd.Timestamp(previous_start)
    elif begin.day == 1 and stop.day == 1:
        p_start = p_end - pd.DateOffset(months=(stop.year - begin.year) * 12 + stop.month - begin.month)
    else:
        p_start = p_end - (stop - begin)
    return AnalysisPeriods(begin, stop, pd.Timestamp(p_start), p_end)


def period_change(
    events: pd.DataFrame | Any, steps: list, periods: AnalysisPeriods, time_col: str = "timestamp", **options: object
) -> pd.DataFrame:
    """Each step's conversion in the analysed period against the comparison period.

    :func:`~kpikit.funnel.compare_periods` on the two periods of :func:`analysis_periods`.

    Parameters
    ----------
    events : DataFrame or Ibis table
        Canonical ``events`` table (lazy events stay in their backend).
    steps : list
        The funnel steps.
    periods : AnalysisPeriods
        The two periods.
    time_col : str
        The events' time column.
    **options
        Passed to :func:`~kpikit.funnel.compare_periods` (window, order, count, engine, ...).

    Returns
    -------
    DataFrame
        As :func:`~kpikit.funnel.compare_periods`.

    Raises
    ------
    KpiDataError
        When no event falls in the comparison period (the data begin after it).
    """
    if not has_rows(events, time_col, periods.previous_start, periods.previous_end):
        span = time_span(events, time_col)
        raise KpiDataError(
            f"The events begin on {span[0] if span else periods.start:%Y-%m-%d}: there is no comparison period before "
            f"{periods.start:%Y-%m-%d} of the same length, so the change against the previous period is not reported."
        )
    return compare_periods(
        events, steps, periods.current, periods.previous, time_col=time_col, **options
    )  # fmt: skip


_OVERALL = {
    "users": "{rate:pct} of the {n:int} users who did '{first}' reached '{last}' (95% CI {low:pct} to {high:pct}).",
    "attempts": "{rate:pct} of the {n:int} attempts that began with '{first}' reached '{last}' (95% CI {low:pct} to "
    "{high:pct}).",
}
_LEAK = (
    "The biggest leak is '{previous}' -> '{step}': only {rate:pct} continue (95% CI {low:pct} to {high:pct}), "
    "{lost:int} lost at that step."
)
_FELL = (
    "'{previous}' -> '{step}' fell from {before:pct} to {after:pct} ({diff:pp}, 95% CI {low:pp} to {high:pp}, "
    "{q:qvalue}): about {lost:int} fewer completed the funnel in the period than at the previous rate."
)
_ROSE = "'{previous}' -> '{step}' rose from {before:pct} to {after:pct} ({diff:pp}, 95% CI {low:pp} to {high:pp}, {q:qvalue})."
_STABLE = (
    "No step's conversion changed significantly against the previous period (Benjamini-Hochberg, 5% false discovery "
    "rate)."
)
_SEGMENTS = "By {by:term}, overall conversion ranges from {low:pct} ({low_name}) to {high:pct} ({high_name})."


def _step_name(funnel: pd.DataFrame, step: int) -> str:
    return str(funnel.loc[funnel["step"] == step, "step_name"].iloc[0])


def _lost_completions(funnel: pd.DataFrame, row: pd.Series) -> float:
    """Completions lost to a step's drop: the drop x the step's trials x the conversion onwards."""
    cnt = _count_column(funnel)
    at = funnel.set_index("step")[cnt]
    reached, last = float(at.get(row["step"], 0)), float(at.iloc[-1])
    onwards = last / reached if reached > 0 else 0.0
    return float(-row["difference"] * row["trials_current"] * onwards)


def funnel_findings(
    funnel: pd.DataFrame,
    comparison: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    by: str | None = None,
    overview: bool = True,
) -> list[Finding]:
    """The funnel's findings, as translatable sentences with their business impact.

    The overall conversion and the biggest leak (descriptions: no impact; left out with
    ``overview=False``, for a section that adds only its own findings); each step whose conversion
    changed significantly against the previous period (Benjamini-Hochberg q < 0.05), or that none did;
    and the range of overall conversion across the breakdown's segments (small segments left out when
    others are large enough; a segment the events do not record reads "(not set)").

    Impact: the funnel's completions lost over the analysed period to a step that got worse,
    -difference x the users at the step before (this period) x the share of the step's users who then
    completed the funnel; 0 for a step that got better or no significant change. A leak that did not
    change is where the funnel always loses people, not a loss of this period: it has no impact.

    Parameters
    ----------
    funnel : DataFrame
        :func:`~kpikit.funnel.ordered_funnel` without ``by``, for the analysed period.
    comparison : DataFrame, optional
        :func:`period_change` (or :func:`~kpikit.funnel.compare_periods`) on the same steps.
    segments : DataFrame, optional
        :func:`~kpikit.funnel.ordered_funnel` with ``by``.
    by : str, optional
        The breakdown column of ``segments``.
    overview : bool
        Include the overall conversion and the biggest leak.

    Returns
    -------
    list of Finding
    """
    out = _overview_findings(funnel) if overview else []
    if comparison is not None and not comparison.empty:
        out += _change_findings(funnel, comparison)
    if segments is not None and by:
        out += _segment_findings(segments, by)
    return out


def _overview_findings(funnel: pd.DataFrame) -> list[Finding]:
    cnt = _count_column(funnel)
    first, last = funnel.iloc[0], funnel.iloc[-1]
    out = [
        Finding(
            _OVERALL[cnt],
            {
                "rate": last["conversion_from_start"],
                "n": int(first[cnt]),
                "first": first["step_name"],
                "last": last["step_name"],
                "low": last["conversion_from_start_low"],
                "high": last["conversion_from_start_high"],
            },
        )
    ]
    if len(funnel) > 1:
        leak = biggest_leak(funnel)
        fields = {
            "previous": _step_name(funnel, int(leak["step"]) - 1),
            "step": leak["step_name"],
            "rate": leak["conversion_from_previous"],
            "low": leak["conversion_from_previous_low"],
            "high": leak["conversion_from_previous_high"],
            "lost": int(leak["drop_off"]),
        }
        out.append(Finding(_LEAK, fields))
    return out


def _change_findings(funnel: pd.DataFrame, comparison: pd.DataFrame) -> list[Finding]:
    sig = comparison[comparison["significant"].fillna(False).astype(bool)]
    if sig.empty:
        return [Finding(_STABLE, impact=0.0)]
    out = []
    for _, r in sig.sort_values("q_value").iterrows():
        fields = {
            "previous": _step_name(funnel, int(r["step"]) - 1),
            "step": r["step_name"],
            "before": r["rate_previous"],
            "after": r["rate_current"],
            "diff": r["difference"],
            "low": r["ci_low"],
            "high": r["ci_high"],
            "q": r["q_value"],
        }
        if r["difference"] < 0:
            lost = _lost_completions(funnel, r)
            out.append(Finding(_FELL, {**fields, "lost": round(lost)}, impact=lost))
        else:
            out.append(Finding(_ROSE, fields, impact=0.0))
    return out


def _segment_findings(segments: pd.DataFrame, by: str) -> list[Finding]:
    rows = breakdown_rows(segments, by).dropna(subset=["conversion_from_start"])
    rows = rows[~rows["small_sample"]] if (~rows["small_sample"]).any() else rows
    if len(rows) < 2:
        return []
    hi = rows.loc[rows["conversion_from_start"].idxmax()]
    lo = rows.loc[rows["conversion_from_start"].idxmin()]
    fields = {
        "by": by,
        "low": lo["conversion_from_start"],
        "low_name": Finding("{name:term}", {"name": lo[by]}),
        "high": hi["conversion_from_start"],
        "high_name": Finding("{name:term}", {"name": hi[by]}),
    }
    return [Finding(_SEGMENTS, fields)]


def change_kpi(comparison: pd.DataFrame) -> dict | None:
    """The largest significant step change as a KPI: the step, both rates and the difference with its interval.

    Parameters
    ----------
    comparison : DataFrame
        :func:`period_change` (or :func:`~kpikit.funnel.compare_periods`).

    Returns
    -------
    dict or None
        step_name, rate_previous, rate_current, difference ({value, low, high}), q_value; None when
        no step changed significantly.
    """
    largest = largest_change(comparison)
    if largest is None:
        return None
    diff = {"value": largest["difference"], "low": largest["ci_low"], "high": largest["ci_high"]}
    keys = ("step_name", "rate_previous", "rate_current")
    return {**{k: largest[k] for k in keys}, "difference": diff, "q_value": largest["q_value"]}


def breakdown_column(events: pd.DataFrame, by: str) -> str:
    """The breakdown column, checked: the events must carry it.

    Parameters
    ----------
    events : DataFrame
        Canonical ``events`` table.
    by : str
        The column to break the funnel down by.

    Returns
    -------
    str
        ``by``.

    Raises
    ------
    KpiDataError
        When the events have no such column (naming the ones they have).
    """
    if by not in events.columns:
        raise KpiDataError(
            f"The events carry no '{by}' column: the breakdown by segment is skipped (set breakdown to a column of "
            f"the events: {', '.join(map(str, events.columns))})."
        )
    return by


def breakdown_rows(segments: pd.DataFrame, by: str, lang: str = "en") -> pd.DataFrame:
    """The last step of a broken-down funnel, one row per segment; a segment not recorded reads "(not set)".

    Parameters
    ----------
    segments : DataFrame
        :func:`~kpikit.funnel.ordered_funnel` with ``by``.
    by : str
        The breakdown column.
    lang : str
        The language of the "(not set)" label.

    Returns
    -------
    DataFrame
        The rows of the last step, ``by`` as text (a missing value as "(not set)" in ``lang``).
    """
    require_columns(segments, [by, "step"], "funnel")
    rows = segments[segments["step"] == segments["step"].max()].copy()
    rows[by] = [term(NOT_SET, lang) if pd.isna(v) else str(v) for v in rows[by]]
    return rows.reset_index(drop=True)


def funnel_table(funnel: pd.DataFrame) -> pd.DataFrame:
    """A funnel result for a client table: the times between steps in minutes, the small-sample flag left out.

    Parameters
    ----------
    funnel : DataFrame
        :func:`~kpikit.funnel.ordered_funnel` without ``by``.

    Returns
    -------
    DataFrame
        step, step_name, the count, conversions with their intervals, drop_off, drop_off_rate and
        median_minutes, p75_minutes, p90_minutes (time from the previous step).
    """
    out = funnel.drop(columns=["small_sample"])
    for q in ("median", "p75", "p90"):
        out[f"{q}_minutes"] = out.pop(f"{q}_time_from_previous") / _UNIT["minutes"]
    return out


def in_period(table: pd.DataFrame, periods: AnalysisPeriods, time_col: str) -> pd.DataFrame:
    """The rows of a table whose ``time_col`` falls in the analysed period [start, end).

    Parameters
    ----------
    table : DataFrame
        Any table with a time column.
    periods : AnalysisPeriods
        The periods of the report.
    time_col : str
        The time column.

    Returns
    -------
    DataFrame

    Raises
    ------
    KpiDataError
        When no row falls in the period.
    """
    require_columns(table, [time_col], "table")
    rows = table[(table[time_col] >= periods.start) & (table[time_col] < periods.end)]
    if rows.empty:
        raise KpiDataError(
            f"No rows between {periods.start:%Y-%m-%d} and {periods.end:%Y-%m-%d} in the table's '{time_col}' "
            f"column: this section has nothing to show for the analysed period."
        )
    return rows


_BANDS = [("minutes", 10), ("hours", 1), ("hours", 6), ("days", 1), ("days", 3)]
_UNIT = {"minutes": pd.Timedelta(minutes=1), "hours": pd.Timedelta(hours=1), "days": pd.Timedelta(days=1)}


def _band_label(unit: str, n: float, lang: str) -> str:
    return t(f"funnel.within_{unit}", lang, n=n)


def time_to_convert(
    attempts: pd.DataFrame | Any,
    window: str | pd.Timedelta | None,
    lang: str = "en",
    first: int = 1,
    last: int | None = None,
) -> pd.DataFrame:
    """The share of converting attempts that took at most 10 minutes, 1 hour, 6 hours, 1 day, 3 days, the window.

    Cumulative shares of the attempts that reached step ``last``, each with a Wilson interval: a
    reading of the time to convert without a log scale.

    Parameters
    ----------
    attempts : DataFrame or Ibis table
        :func:`~kpikit.funnel.funnel_attempts` (``step_<k>_at`` columns); lazy attempts (of lazy
        events) are counted in their backend (:func:`kpikit.funnel.report_lazy.took_facts`).
    window : str or Timedelta or None
        The funnel's conversion window (the last band); None: the longest time taken.
    lang : str
        The language of the band labels.
    first : int
        The step the time is counted from.
    last : int, optional
        The step it is counted to; default the last step.

    Returns
    -------
    DataFrame
        within (label), converted (count within), share, ci_low, ci_high; ``attrs``: converted (the
        converting attempts), median_hours (their median time) and median_text (it in words: minutes
        under two hours, hours under two days, else days).

    Raises
    ------
    KpiDataError
        When no attempt reached the last step.
    """
    cols = [c for c in attempts.columns if c.startswith("step_") and c.endswith("_at")]
    last = last or len(cols)
    limit = pd.Timedelta(window) if window is not None else None
    # counted where the attempts are: in pandas, or in the backend for lazy attempts
    facts = took_facts(attempts, f"step_{first}_at", f"step_{last}_at", limit, [n * _UNIT[u] for u, n in _BANDS])
    if facts["n"] == 0:
        raise KpiDataError("No attempt reached the last step in the period: there is no time to convert to show.")
    limit = facts["limit"]
    bands = [(u, n) for u, n in _BANDS if n * _UNIT[u] < limit]
    days = limit / _UNIT["days"]
    bands.append(("days", days) if days >= 1 else ("hours", limit / _UNIT["hours"]))
    k = facts["within"]
    low, high = proportion_ci(k, np.full(k.size, facts["n"]))
    frame = pd.DataFrame(
        {
            "within": [_band_label(u, n, lang) for u, n in bands],
            "converted": k,
            "share": k / facts["n"],
            "ci_low": low,
            "ci_high": high,
        }
    )
    frame.attrs["converted"] = facts["n"]
    median = facts["median"]
    unit = "minutes" if median < pd.Timedelta(hours=2) else "hours" if median < pd.Timedelta(days=2) else "days"
    frame.attrs["median_hours"] = float(median / _UNIT["hours"])
    frame.attrs["median_text"] = t(f"funnel.{unit}", lang, n=float(median / _UNIT[unit]))
    return frame


def stage_matrix(stages: pd.DataFrame, value: str = "conversion_from_previous", lang: str = "en") -> pd.DataFrame:
    """Entry cohort x stage matrix of a stage-funnel rate, stages labelled in the report's language.

    The first stage (every lead, 100%) is left out.

    Parameters
    ----------
    stages : DataFrame
        :func:`~kpikit.funnel.stage_funnel` (cohort, stage and ``value`` columns).
    value : str
        The rate drawn.
    lang : str
        The language of the stage labels.

    Returns
    -------
    DataFrame
        One row per cohort (as text), one column per stage after the first.
    """
    order = list(dict.fromkeys(stages["stage"]))
    m = stages.pivot(index="cohort", columns="stage", values=value)[order[1:]]
    m.index = [str(i) for i in m.index]
    m.columns = [term(c, lang) for c in m.columns]
    return m


def as_descriptions(findings: Iterable[str]) -> list[Finding]:
    """Findings kept as descriptions: the same sentences without a business impact (they sort last).

    Notebook 02 ranks its summary by the funnel completions lost; figures of another section that are
    measured in money (acquisition economics on one period's attributed revenue) are shown in full but
    do not compete in that ranking.

    Parameters
    ----------
    findings : iterable of str
        Findings (:class:`~kpikit.i18n.Finding`; plain text is kept as written).

    Returns
    -------
    list of Finding
    """
    out = []
    for f in findings:
        if isinstance(f, Finding):
            out.append(Finding(f.template, f.fields, None, f.currency))
        else:
            out.append(Finding(str(f).replace("{", "{{").replace("}", "}}")))
    return out
