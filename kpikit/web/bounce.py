"""Bounce and engagement rates per segment, the site headline, and their change over time.

The two bounce definitions (``Definition``) live here: GA4's non-engaged sessions and Universal
Analytics' single-interaction sessions. ``bounce_rate`` takes session rows or the aggregated rows of
a report download (counts in, counts out); ``headline``, ``period_change`` and ``trend`` build on it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.engine.tables import check_columns, label, resolve
from kpikit.errors import KpiDataError, describe_rows
from kpikit.io.lazy import collect, is_lazy
from kpikit.schemas import column_list, require_columns
from kpikit.stats import (
    compare_rates,
    control_limits,
    period_start,
    rate,
    rate_frame,
)
from kpikit.web.sessions import _label, _row_labels

__all__ = ["Definition", "bounce_rate", "headline", "split_periods", "period_change", "trend"]


#: The bounce definitions: "ga4" (non-engaged sessions) and "ua" (single-interaction sessions).
Definition = Literal["ga4", "ua"]


def _check_definition(definition: str) -> None:
    """Raise KpiDataError unless ``definition`` is one of the two bounce definitions."""
    if definition not in ("ga4", "ua"):
        raise KpiDataError(
            f"definition must be 'ga4' (non-engaged sessions) or 'ua' (single-interaction sessions); got {definition!r}."
        )


def _is_aggregated(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` holds aggregated report rows (sessions and bounces counts), not session rows."""
    return "sessions" in frame.columns and "bounces" in frame.columns and "session_id" not in frame.columns


def _missing_flag_fix(definition: str) -> str:
    """The fix offered when session rows lack the flag ``definition`` needs."""
    if definition == "ga4":
        return (
            "Build sessions with kk.web.sessions_from_events(events), or add an 'engaged' column "
            "(engagement time > 10 s, a key event, or 2+ page views)."
        )
    return (
        "The Universal Analytics bounce needs each session's interaction hits: build sessions "
        "with kk.web.sessions_from_events(events), which adds 'single_interaction'."
    )


def _require(frame, columns, what: str, fix: str = "") -> None:
    """:func:`kpikit.schemas.require_columns` for a DataFrame or an Ibis table."""
    if is_lazy(frame):
        check_columns(frame, columns, label(frame, what), fix=fix)
    else:
        require_columns(frame, columns, _label(frame, what), fix=fix)


def _bounced(sessions: pd.DataFrame, definition: Definition) -> np.ndarray:
    """Whether each session bounced under ``definition``, from its ``engaged`` or ``single_interaction`` flag."""
    source = _label(sessions, "sessions")
    col = "engaged" if definition == "ga4" else "single_interaction"
    if col not in sessions.columns:
        fix = _missing_flag_fix(definition)
        raise KpiDataError(f"{source}: column {col!r} is missing, needed for definition={definition!r}. {fix}")
    values = sessions[col]
    if values.isna().any():
        bad = values.isna().to_numpy()
        raise KpiDataError(
            f"{source}, column {col!r}: {int(bad.sum())} sessions have no value "
            f"({describe_rows(_row_labels(sessions, bad))}). Fill them from the events or drop these sessions first."
        )
    if not (pd.api.types.is_bool_dtype(values) or set(pd.unique(values)) <= {0, 1}):  # True == 1, False == 0
        raise KpiDataError(
            f"{source}, column {col!r} must hold True/False (got values such as {values.iloc[0]!r}). "
            "Read the table with kk.read_table(path, 'sessions') to parse booleans."
        )
    arr = values.to_numpy(dtype=bool)
    return ~arr if definition == "ga4" else arr


def bounce_rate(
    sessions: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    definition: Definition = "ga4",
    level: float = 0.95,
) -> pd.DataFrame:
    """Bounce rate per segment with its interval, plus engagement rate, pages per session and time.

    GA4: bounce_rate = non-engaged sessions / sessions = 1 - engagement rate.
    Universal Analytics: bounce_rate = single-interaction sessions / sessions with an interaction hit.
    The interval is Wilson's (``kpikit.stats.proportion_ci``).

    Session rows may be a DataFrame, the lazy sessions of :func:`sessions_from_events`, any Ibis
    table of sessions, or the path of a sessions file: the backend sums the counts per segment, and
    the same table as for a DataFrame comes back (the segment column as text where pandas would
    keep a categorical; on BigQuery the median is approximate).

    Parameters
    ----------
    sessions : DataFrame, Ibis table or path
        Session rows (from :func:`sessions_from_events` or a canonical ``sessions`` table), or
        aggregated rows of a report download with ``sessions`` and ``bounces`` counts (see
        :func:`read_landing_page_report`): counts in, counts out.
    by : str or list of str, optional
        Segment columns (e.g. "landing_page", ["landing_page", "device"]). None: one site-wide row.
        Missing segment values form their own row (never dropped).
    definition : {"ga4", "ua"}
        Bounce definition. Session rows need ``engaged`` (ga4) or ``single_interaction`` (ua). Under
        "ua", sessions whose ``interactions`` is 0 are not sessions (UA counts a session only with an
        interaction hit: totals.visits) and are left out, counted in ``attrs["no_interaction_sessions"]``.
        Aggregated rows carry the definition of the tool that exported them (``attrs["definition"]``);
        asking for the other one raises.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row per segment (sorted by the segment columns): the ``by`` columns, sessions, bounces,
        bounce_rate, ci_low, ci_high, small_sample, engaged_sessions, engagement_rate, pageviews,
        pages_per_session, engagement_time_mean_s, engagement_time_median_s, converted_sessions,
        conversion_rate (session conversion rate: sessions with a key event / sessions). Columns whose
        input is absent are NaN (e.g. the median for aggregated rows).

    References
    ----------
    Google Analytics Help, "[GA4] Engagement rate and bounce rate"; Wilson (1927).

    Examples
    --------
    >>> s = pd.DataFrame({"landing_page": ["/", "/", "/blog"], "engaged": [True, False, False],
    ...                   "single_interaction": [False, True, True]})
    >>> bounce_rate(s, by="landing_page")[["landing_page", "sessions", "bounces", "bounce_rate"]].to_dict("list")
    {'landing_page': ['/', '/blog'], 'sessions': [2, 1], 'bounces': [1, 1], 'bounce_rate': [0.5, 1.0]}
    """
    _check_definition(definition)
    by_cols = column_list(by)
    kind, sessions = resolve(sessions, "auto", "sessions", "sessions")
    _require(sessions, by_cols, "sessions", fix="Pass existing column names in by=.")
    if kind == "ibis":
        if _is_aggregated(sessions):  # a report download: a few rows
            return bounce_rate(collect(sessions), by_cols, definition, level)
        from kpikit.web.lazy_rates import bounce_counts

        out, not_ua = bounce_counts(sessions, by_cols, definition, _missing_flag_fix(definition))
        out = _finish_rates(out, by_cols, definition, level)
        out.attrs["no_interaction_sessions"] = not_ua
        return out
    if _is_aggregated(sessions):
        return _bounce_rate_aggregated(sessions, by_cols, definition, level)

    sessions, not_ua = _ua_sessions(sessions, definition)
    bounced = _bounced(sessions, definition)
    n = len(sessions)
    cols: dict[str, np.ndarray] = {"sessions": np.ones(n, dtype=np.int64), "bounces": bounced.astype(np.int64)}
    if "engaged" in sessions.columns and sessions["engaged"].notna().all():
        cols["engaged_sessions"] = sessions["engaged"].to_numpy(dtype=bool).astype(np.int64)
    if "pageviews" in sessions.columns:
        cols["pageviews"] = sessions["pageviews"].to_numpy(dtype=float, na_value=np.nan)
    if "conversions" in sessions.columns:
        cols["converted_sessions"] = (sessions["conversions"].to_numpy(dtype=float, na_value=0.0) > 0).astype(np.int64)
    has_time = "engagement_time_s" in sessions.columns
    if has_time:
        cols["_time"] = sessions["engagement_time_s"].to_numpy(dtype=float, na_value=np.nan)
    work = pd.DataFrame(cols, index=sessions.index)
    for c in by_cols:
        work[c] = sessions[c]
    if by_cols:
        g = work.groupby(by_cols, sort=True, dropna=False, observed=True)
        sums = g[[c for c in work.columns if c not in by_cols and c != "_time"]].sum()
        if has_time:
            sums["engagement_time_mean_s"] = g["_time"].mean()
            sums["engagement_time_median_s"] = g["_time"].median()
        out = sums.reset_index()
    else:
        out = work.drop(columns="_time", errors="ignore").sum().to_frame().T
        if has_time:
            out["engagement_time_mean_s"] = np.nanmean(cols["_time"]) if n else np.nan
            out["engagement_time_median_s"] = np.nanmedian(cols["_time"]) if n else np.nan
    out = _finish_rates(out, by_cols, definition, level)
    out.attrs["no_interaction_sessions"] = not_ua
    return out


def _ua_sessions(sessions: pd.DataFrame, definition: str) -> tuple[pd.DataFrame, int]:
    """Under "ua", the session rows UA counts as sessions: those with an interaction hit.

    A session without one has a null totals.visits in UA's own export and is in no UA report; rows
    without an ``interactions`` column are all kept. Returns the rows and how many were left out.
    """
    if definition != "ua" or "interactions" not in sessions.columns:
        return sessions, 0
    counted = sessions["interactions"].to_numpy(dtype=float, na_value=1.0) > 0
    if counted.all():
        return sessions, 0
    return sessions.loc[counted], int((~counted).sum())


def _finish_rates(out: pd.DataFrame, by_cols: list[str], definition: str, level: float) -> pd.DataFrame:
    for c in ("sessions", "bounces", "engaged_sessions", "converted_sessions"):
        if c in out.columns:
            out[c] = out[c].astype(np.int64)
    rate_frame(out, "bounces", "sessions", "bounce_rate", level=level)
    n = out["sessions"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if "engaged_sessions" not in out.columns and definition == "ga4":
            out["engaged_sessions"] = out["sessions"] - out["bounces"]
        out["engagement_rate"] = out["engaged_sessions"] / n if "engaged_sessions" in out.columns else np.nan
        out["pages_per_session"] = out["pageviews"] / n if "pageviews" in out.columns else np.nan
        out["conversion_rate"] = out["converted_sessions"] / n if "converted_sessions" in out.columns else np.nan
    for c in (
        "engaged_sessions",
        "pageviews",
        "engagement_time_mean_s",
        "engagement_time_median_s",
        "converted_sessions",
    ):
        if c not in out.columns:
            out[c] = np.nan
    order = [
        *by_cols,
        "sessions",
        "bounces",
        "bounce_rate",
        "ci_low",
        "ci_high",
        "small_sample",
        "engaged_sessions",
        "engagement_rate",
        "pageviews",
        "pages_per_session",
        "engagement_time_mean_s",
        "engagement_time_median_s",
        "converted_sessions",
        "conversion_rate",
    ]
    out = out[order].reset_index(drop=True)
    out.attrs["definition"] = definition
    return out


def _bounce_rate_aggregated(rows: pd.DataFrame, by_cols: list[str], definition: str, level: float) -> pd.DataFrame:
    source = _label(rows, "aggregated rows")
    exported = rows.attrs.get("definition")
    if exported is not None and exported != definition:
        names = {"ga4": "GA4 (non-engaged sessions)", "ua": "Universal Analytics (single-interaction sessions)"}
        raise KpiDataError(
            f"{source} holds {names[exported]} bounces, which cannot be turned into the {definition!r} "
            f"definition; pass definition={exported!r} and say which definition the report uses."
        )
    for c in ("sessions", "bounces"):
        v = pd.to_numeric(rows[c], errors="coerce")
        bad = v.isna() | (v < 0) | (v != np.round(v))
        if bad.any():
            raise KpiDataError(
                f"{source}, column {c!r}: {int(bad.sum())} rows are not whole non-negative counts "
                f"({describe_rows(_row_labels(rows, bad))}; first: {rows[c][bad].iloc[0]!r}). "
                "Aggregated rows need counts; convert a rate with bounces = round(sessions * rate)."
            )
    over = rows["bounces"].to_numpy(dtype=float) > rows["sessions"].to_numpy(dtype=float)
    if over.any():
        raise KpiDataError(
            f"{source}: {int(over.sum())} rows have more bounces than sessions "
            f"({describe_rows(_row_labels(rows, over))}). Check the column mapping."
        )
    work = pd.DataFrame({"sessions": rows["sessions"].astype(np.int64), "bounces": rows["bounces"].astype(np.int64)})
    for c in ("engaged_sessions", "pageviews", "converted_sessions"):
        if c in rows.columns:
            work[c] = pd.to_numeric(rows[c]).astype(float)
    if "engagement_time_mean_s" in rows.columns:
        work["_time_total"] = pd.to_numeric(rows["engagement_time_mean_s"]).astype(float) * work["sessions"]
    for c in by_cols:
        work[c] = rows[c]
    if by_cols:
        out = work.groupby(by_cols, sort=True, dropna=False, observed=True).sum(min_count=1).reset_index()
    else:
        out = work.sum(min_count=1).to_frame().T
    if "_time_total" in out.columns:
        out["engagement_time_mean_s"] = out["_time_total"] / out["sessions"]
    out = out.drop(columns="_time_total", errors="ignore")
    return _finish_rates(out, by_cols, definition, level)


def headline(sessions: pd.DataFrame, definition: Definition = "ga4", level: float = 0.95) -> dict:
    """Site-wide headline: bounce and engagement rate (``Rate`` with interval), sessions and averages.

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        Session rows or aggregated report rows, as :func:`bounce_rate` takes them.
    definition : {"ga4", "ua"}
        Bounce definition.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
        sessions (int), bounce_rate (Rate), engagement_rate (Rate; under "ua" the GA4 engagement rate
        when ``engaged`` is present), pages_per_session, engagement_time_mean_s,
        engagement_time_median_s, conversion_rate (Rate, when conversions are known).

    Examples
    --------
    >>> s = pd.DataFrame({"engaged": [True, False, False, True]})
    >>> h = headline(s)
    >>> h["sessions"], float(h["bounce_rate"])
    (4, 0.5)
    """
    row = bounce_rate(sessions, definition=definition, level=level).iloc[0]
    n = int(row["sessions"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict = {"sessions": n, "bounce_rate": rate(int(row["bounces"]), n, level=level)}
        if not np.isnan(row["engaged_sessions"]):
            out["engagement_rate"] = rate(int(row["engaged_sessions"]), n, level=level)
        if not np.isnan(row["converted_sessions"]):
            out["conversion_rate"] = rate(int(row["converted_sessions"]), n, level=level)
    for c in ("pages_per_session", "engagement_time_mean_s", "engagement_time_median_s"):
        if not np.isnan(row[c]):
            out[c] = float(row[c])
    return out


def split_periods(
    sessions: pd.DataFrame,
    start_date: str | pd.Timestamp | None = None,
    end_date: str | pd.Timestamp | None = None,
    default_days: int = 91,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Split sessions into the analysed period and the period of equal length just before it.

    Dates are inclusive calendar days on ``start``. ``end_date=None``: the day of the last session;
    ``start_date=None``: ``default_days`` days up to ``end_date``.

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        Session rows with a ``start`` timestamp; lazy sessions give two lazy tables.
    start_date : str or Timestamp, optional
        First day of the analysed period; None: ``default_days`` days up to ``end_date``.
    end_date : str or Timestamp, optional
        Last day of the analysed period (inclusive); None: the day of the last session.
    default_days : int
        Length of the analysed period in days when ``start_date`` is None.

    Returns
    -------
    (current, previous, bounds)
        The two session frames and a dict with start, end, previous_start, previous_end (dates,
        inclusive) and days.

    Examples
    --------
    >>> s = pd.DataFrame({"start": pd.to_datetime(["2025-01-01", "2025-01-05", "2025-01-09"])})
    >>> cur, prev, b = split_periods(s, "2025-01-05", "2025-01-09")
    >>> len(cur), len(prev), str(b["previous_start"].date())
    (2, 1, '2024-12-31')
    """
    if is_lazy(sessions):
        from kpikit.web.lazy_rates import split

        return split(sessions, start_date, end_date, default_days)
    require_columns(sessions, ["start"], _label(sessions, "sessions"))
    start_col = sessions["start"]
    if len(sessions) == 0:
        raise KpiDataError("sessions is empty: there is no period to analyse.")
    end = pd.Timestamp(end_date).normalize() if end_date is not None else start_col.max().normalize()
    start = (
        pd.Timestamp(start_date).normalize() if start_date is not None else end - pd.Timedelta(days=default_days - 1)
    )
    if start > end:
        raise KpiDataError(f"start_date {start.date()} is after end_date {end.date()}; swap them.")
    days = (end - start).days + 1
    prev_end = start - pd.Timedelta(days=1)
    prev_start = prev_end - pd.Timedelta(days=days - 1)
    day = start_col.dt.normalize()
    current = sessions.loc[(day >= start) & (day <= end)]
    previous = sessions.loc[(day >= prev_start) & (day <= prev_end)]
    if len(current) == 0:
        raise KpiDataError(
            f"No sessions between {start.date()} and {end.date()} (data: {start_col.min().date()} to "
            f"{start_col.max().date()}). Choose start_date/end_date inside the data."
        )
    bounds = {"start": start, "end": end, "previous_start": prev_start, "previous_end": prev_end, "days": days}
    return current, previous, bounds


def period_change(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    definition: Definition = "ga4",
    level: float = 0.95,
) -> pd.DataFrame:
    """Bounce, engagement and conversion rate now vs the previous period, with the change tested.

    change = current - previous (percentage points as a fraction) with Newcombe's interval and the
    pooled two-proportion z test (``kpikit.stats.compare_rates``).

    Parameters
    ----------
    current, previous : DataFrame or Ibis table
        Sessions of the analysed period and of the period before it (see :func:`split_periods`);
        ``previous`` may be empty.
    definition : {"ga4", "ua"}
        Bounce definition.
    level : float
        Confidence level of the intervals; a change is significant when p < 1 - level.

    Returns
    -------
    DataFrame
        One row per metric (bounce_rate, engagement_rate, conversion_rate where known): metric,
        current, current_low, current_high, current_sessions, previous, previous_low, previous_high,
        previous_sessions, change, change_low, change_high, p_value, significant. Previous columns
        are NaN when the previous period has no sessions.

    Examples
    --------
    >>> now = pd.DataFrame({"engaged": [True] * 3 + [False]})
    >>> before = pd.DataFrame({"engaged": [True] + [False] * 3})
    >>> float(period_change(now, before).set_index("metric").loc["bounce_rate", "change"])
    -0.5
    """
    cur = bounce_rate(current, definition=definition, level=level).iloc[0]
    if is_lazy(previous):
        prev = bounce_rate(previous, definition=definition, level=level).iloc[0]
        prev = prev if int(prev["sessions"]) > 0 else None
    else:
        prev = bounce_rate(previous, definition=definition, level=level).iloc[0] if len(previous) else None
    rows = []
    for metric, col in (
        ("bounce_rate", "bounces"),
        ("engagement_rate", "engaged_sessions"),
        ("conversion_rate", "converted_sessions"),
    ):
        if np.isnan(float(cur[col])):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = rate(int(cur[col]), int(cur["sessions"]), level=level)
            row = {
                "metric": metric,
                "current": a.value,
                "current_low": a.low,
                "current_high": a.high,
                "current_sessions": a.trials,
            }
            if prev is not None and int(prev["sessions"]) > 0 and not np.isnan(float(prev[col])):
                b = rate(int(prev[col]), int(prev["sessions"]), level=level)
                c = compare_rates(a, b, level=level)
                row.update(
                    {
                        "previous": b.value,
                        "previous_low": b.low,
                        "previous_high": b.high,
                        "previous_sessions": b.trials,
                        "change": c.difference,
                        "change_low": c.low,
                        "change_high": c.high,
                        "p_value": c.p_value,
                    }
                )
        rows.append(row)
    out = pd.DataFrame(
        rows,
        columns=[
            "metric",
            "current",
            "current_low",
            "current_high",
            "current_sessions",
            "previous",
            "previous_low",
            "previous_high",
            "previous_sessions",
            "change",
            "change_low",
            "change_high",
            "p_value",
        ],
    )
    out["significant"] = out["p_value"].lt(1 - level).fillna(False).astype(bool)
    return out


def trend(
    sessions: pd.DataFrame,
    freq: str = "W",
    definition: Definition = "ga4",
    sigmas: float = 3.0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Bounce rate per period with its interval and p-chart control limits.

    Each period's limits are centre +- sigmas sqrt(centre (1 - centre) / n_t), centre = all bounces /
    all sessions (``kpikit.stats.control_limits``). A period outside its limits is a signal; inside
    is the normal wobble of a rate and not news.

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        Session rows with a ``start`` timestamp (and ``engaged`` or ``single_interaction``).
    freq : str
        Period grain as a period alias of ``kpikit.stats.periods``: "W" (weeks starting Monday), "D",
        "M" (or "MS", "ME"), "Q" (or "QS", "QE"), "Y" (or "YS", "YE").
    definition : {"ga4", "ua"}
        Bounce definition.
    sigmas : float
        Width of the control limits in standard errors (3 is Shewhart's choice).
    level : float
        Confidence level of each period's interval.

    Returns
    -------
    DataFrame
        period (start of the period), sessions, bounces, bounce_rate, ci_low, ci_high, small_sample,
        centre, lcl, ucl, signal.

    References
    ----------
    Montgomery, Introduction to Statistical Quality Control (p-chart).

    Examples
    --------
    >>> s = pd.DataFrame({"start": pd.to_datetime(["2025-03-03"] * 2 + ["2025-03-10"] * 2),
    ...                   "engaged": [False, True, True, True]})
    >>> trend(s)[["bounce_rate", "centre"]].values.tolist()
    [[0.5, 0.25], [0.0, 0.25]]
    """
    _require(sessions, ["start"], "sessions")
    if is_lazy(sessions):
        from kpikit.web.lazy_rates import with_period

        s = with_period(sessions, freq)
    else:
        s = sessions.assign(period=period_start(sessions["start"], freq))
    r = bounce_rate(s, by="period", definition=definition, level=level)
    r = r[["period", "sessions", "bounces", "bounce_rate", "ci_low", "ci_high", "small_sample"]]
    lim = control_limits(r["bounces"], r["sessions"], sigmas=sigmas)
    return pd.concat([r, lim[["centre", "lcl", "ucl", "signal"]]], axis=1)
