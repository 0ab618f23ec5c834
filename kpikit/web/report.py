"""Notebook 01's presentation: the sessions it reads, its data checks, findings and chart labels in any language.

The numbers come from :mod:`kpikit.web` (sessions, bounce rates, diagnosis, device gap); this module
words them for the report: a data-check table whose rows are catalogue texts, the breakdowns each
data can feed (no lookup by a label the data may not hold), findings as translatable
:class:`~kpikit.i18n.Finding` objects ordered by business impact, and the charts' legends and axes
in the report's language. A section the data cannot feed raises a :class:`~kpikit.errors.KpiDataError`
whose message is the catalogue's note in the report's language (the report shows it and goes on).

The data checks are in :mod:`kpikit.web.report_checks`, the findings and their business impact in
:mod:`kpikit.web.report_findings` (both re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.i18n import format_share, t, term
from kpikit.io.lazy import collect, is_lazy
from kpikit.web.bounce import Definition, bounce_rate
from kpikit.web.report_checks import check_table
from kpikit.web.report_findings import _gap_layout, findings
from kpikit.web.sessions import NOT_SET

__all__ = [
    "BREAKDOWNS",
    "text",
    "sessions_of",
    "check_table",
    "breakdowns",
    "breakdown_table",
    "pooled_rate",
    "worst_action_page",
    "require_devices",
    "breakdown",
    "events_of",
    "with_leads",
    "fix_list_by",
    "fix_list_records",
    "fix_table",
    "fix_list_title",
    "gap_pages",
    "gap_table",
    "gap_title",
    "largest_gap",
    "change_row",
    "change_kpi",
    "findings",
    "label_chart",
]

NOTEBOOK = "01_bounce_rate_diagnosis"

#: The session columns a breakdown can be made by, in the report's order.
BREAKDOWNS = ("landing_page", "channel", "device", "country", "visitor_type")


def text(key: str, lang: str = "en", **fields: Any) -> str:
    """A text of notebook 01 from the catalogue (``notebook.01_bounce_rate_diagnosis.<key>``).

    Parameters
    ----------
    key : str
        The key under the notebook (``note.no_devices``, ``check.events``).
    lang : str
        The report's language.
    **fields
        Values of its placeholders.

    Returns
    -------
    str
    """
    return t(f"notebook.{NOTEBOOK}.{key}", lang, **fields)


def sessions_of(tables: Mapping[str, pd.DataFrame], **options: Any) -> pd.DataFrame:
    """The sessions of the report: built from the events when the folder has them, else its sessions table.

    Parameters
    ----------
    tables : mapping
        The report's tables (``rep.tables``): ``events`` or ``sessions``.
    **options
        Passed to :func:`kpikit.web.sessions_from_events` (``engaged_after``, ``key_events``,
        ``page_view_event``, ``engine``, ...).

    Returns
    -------
    DataFrame or Ibis table
        One row per session; lazy events (an Ibis table) give lazy sessions, computed once and kept
        in the backend (``persist``), since the report reads them a dozen times.
    """
    from kpikit.web.sessions import sessions_from_events

    events = tables.get("events")
    if events is not None:
        lazy = is_lazy(events) or options.get("engine") == "duckdb"
        return sessions_from_events(events, **{"persist": lazy, **options})
    return tables["sessions"]


def _with_values(sessions: Any, columns: Sequence[str]) -> list[str]:
    """The ``columns`` of the sessions that hold at least one value (one aggregate when lazy)."""
    present = [c for c in columns if c in sessions.columns]
    if not is_lazy(sessions):
        return [c for c in present if sessions[c].notna().any()]
    if not present:
        return []
    found = collect(sessions.aggregate(**{c: sessions[c].count() for c in present})).iloc[0]
    return [c for c in present if int(found[c])]


def breakdowns(sessions: pd.DataFrame, definition: Definition = "ga4", **options: Any) -> dict[str, pd.DataFrame]:
    """Bounce and engagement rates by each breakdown the sessions can feed.

    A column the sessions lack, or that holds no value, is left out (a sessions export without a
    country has no country breakdown); ``is_new_user`` becomes ``visitor_type`` ("new visitor" /
    "returning visitor", catalogue terms).

    Parameters
    ----------
    sessions : DataFrame or Ibis table
        The sessions of the analysed period (lazy sessions: one aggregate per breakdown).
    definition : {"ga4", "ua"}
        The bounce definition.
    **options
        Passed to :func:`kpikit.web.bounce_rate` (``engine``, ...).

    Returns
    -------
    dict of str to DataFrame
        Breakdown column -> its frame (:func:`kpikit.web.bounce_rate`), in the order of :data:`BREAKDOWNS`.
    """
    data = _visitor_type(sessions) if "is_new_user" in sessions.columns else sessions
    return {by: bounce_rate(data, by=by, definition=definition, **options) for by in _with_values(data, BREAKDOWNS)}


def _visitor_type(sessions: Any) -> Any:
    """The sessions with ``visitor_type``: "new visitor", "returning visitor", or (not set) without the flag."""
    if is_lazy(sessions):
        import ibis

        new = sessions.is_new_user.cast("boolean")
        kind = ibis.ifelse(new, "new visitor", "returning visitor")
        return sessions.mutate(visitor_type=ibis.ifelse(new.isnull(), NOT_SET, kind))
    new = sessions["is_new_user"].astype("boolean")
    kind = np.where(new.fillna(False).to_numpy(dtype=bool), "new visitor", "returning visitor")
    return sessions.assign(visitor_type=np.where(new.isna().to_numpy(), NOT_SET, kind))


def breakdown_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A breakdown's client table: counts of engaged and converted sessions and page views left out.

    Parameters
    ----------
    frame : DataFrame
        A frame of :func:`breakdowns`.

    Returns
    -------
    DataFrame
    """
    return frame.drop(columns=[c for c in ("engaged_sessions", "pageviews", "converted_sessions") if c in frame])


def pooled_rate(frame: pd.DataFrame) -> float:
    """The bounce rate of all the rows of a breakdown together: their bounces over their sessions.

    The "overall" line of a breakdown's chart, so that it counts the same sessions, under the same
    definition, as the bars (each session is in exactly one row of a breakdown).

    Parameters
    ----------
    frame : DataFrame
        A frame of :func:`kpikit.web.bounce_rate` (``bounces`` and ``sessions``).

    Returns
    -------
    float
    """
    sessions = float(frame["sessions"].sum())
    return float(frame["bounces"].sum()) / sessions if sessions else float("nan")


def worst_action_page(pages: pd.DataFrame, goals: Sequence[str], lang: str = "en") -> pd.Series:
    """The action page that bounces most among those with enough sessions to read alone.

    Parameters
    ----------
    pages : DataFrame
        The landing-page breakdown (:func:`kpikit.web.bounce_rate` by ``landing_page``).
    goals : sequence of str
        Each page's goal ("action" / "information"), in the rows' order (:func:`kpikit.web.page_goal`).
    lang : str
        The report's language (of the note when there is no such page).

    Returns
    -------
    Series
        The page's row.

    Raises
    ------
    KpiDataError
        When no action page has enough sessions (the chart's section is skipped with that note).
    """
    action = pages[(np.asarray(goals) == "action") & ~pages["small_sample"].to_numpy(dtype=bool)]
    if action.empty:
        raise KpiDataError(text("note.no_action_page", lang))
    return action.sort_values("bounce_rate", ascending=False, kind="mergesort").iloc[0]


def require_devices(sessions: pd.DataFrame, a: str, b: str, lang: str = "en") -> None:
    """Check that the sessions hold both devices compared by the device gap; else say so.

    Parameters
    ----------
    sessions : DataFrame
        The sessions of the analysed period.
    a, b : str
        The devices compared ("mobile", "desktop").
    lang : str
        The report's language.

    Raises
    ------
    KpiDataError
        When the sessions have no device column or lack one of the two devices (the device-gap
        section is skipped with that note, in the report's language).
    """
    if "device" not in sessions.columns:
        raise KpiDataError(text("note.no_device_column", lang))
    if is_lazy(sessions):
        devices = collect(sessions.select("device").distinct())["device"]
    else:
        devices = pd.Series(sessions["device"].unique())
    have = sorted(str(d) for d in devices.dropna())
    absent = [d for d in (a, b) if d not in have]
    if absent:
        raise KpiDataError(text("note.device_absent", lang, device=absent[0], a=a, b=b, have=", ".join(have) or "–"))


def fix_list_records(diagnosis: pd.DataFrame, top: int = 5) -> list[dict]:
    """The first ``top`` flagged segments of the fix list, as the report records them.

    Parameters
    ----------
    diagnosis : DataFrame
        Output of :func:`kpikit.web.diagnose`.
    top : int
        How many flagged segments.

    Returns
    -------
    list of dict
        segment, sessions, bounce_rate, excess_bounces, q_value (rounded to 6 decimals).
    """
    cols = ["segment", "sessions", "bounce_rate", "excess_bounces", "q_value"]
    return diagnosis.loc[diagnosis["flagged"], cols].head(top).round(6).to_dict("records")


def largest_gap(gaps: pd.DataFrame) -> dict | None:
    """The first page whose first device bounces significantly more than the second, or None.

    Parameters
    ----------
    gaps : DataFrame
        Output of :func:`kpikit.web.device_gap`.

    Returns
    -------
    dict or None
        The page (under the frame's page column), ``device_a`` and ``device_b``, ``gap`` (value, low,
        high), ``q_value``, and each device's bounce rate (value, successes = bounces, trials = sessions).
    """
    page, a, b = _gap_layout(gaps)
    flagged = gaps.loc[gaps["flagged"].astype(bool) & (gaps["gap"] > 0)]
    if flagged.empty:
        return None
    r = flagged.iloc[0]

    def rate(device: str) -> dict:
        n, k = int(r[f"{device}_sessions"]), int(r[f"{device}_bounces"])
        return {"value": round(float(r[f"{device}_bounce_rate"]), 6), "successes": k, "trials": n}

    return {
        page: str(r[page]),
        "device_a": a,
        "device_b": b,
        "gap": {k: round(float(r[c]), 6) for k, c in (("value", "gap"), ("low", "gap_low"), ("high", "gap_high"))},
        "q_value": round(float(r["q_value"]), 6),
        "device_a_bounce_rate": rate(a),
        "device_b_bounce_rate": rate(b),
    }


def change_row(change: pd.DataFrame, metric: str = "bounce_rate") -> dict | None:
    """One metric's change against the previous period (:func:`kpikit.web.period_change`), for a card.

    Parameters
    ----------
    change : DataFrame
        Output of :func:`kpikit.web.period_change`.
    metric : str
        The metric's row.

    Returns
    -------
    dict or None
        change, change_low, change_high, p_value (6 decimals); None without a previous period.
    """
    row = change.loc[change["metric"] == metric]
    if row.empty or pd.isna(row["change"].iloc[0]):
        return None
    return row[["change", "change_low", "change_high", "p_value"]].iloc[0].astype(float).round(6).to_dict()


def change_kpi(change: pd.DataFrame, metric: str = "bounce_rate") -> dict | None:
    """One metric's change against the previous period as the report records it: the change with its interval.

    Parameters
    ----------
    change : DataFrame
        Output of :func:`kpikit.web.period_change`.
    metric : str
        The metric's row.

    Returns
    -------
    dict or None
        ``change`` (value, low, high) and ``p_value``; None without a previous period.
    """
    row = change_row(change, metric)
    if row is None:
        return None
    return {
        "change": {"value": row["change"], "low": row["change_low"], "high": row["change_high"]},
        "p_value": row["p_value"],
    }


def breakdown(frames: Mapping[str, pd.DataFrame], by: str, lang: str = "en") -> pd.DataFrame:
    """One breakdown of :func:`breakdowns`, or a note (in the report's language) when the sessions lack it.

    Parameters
    ----------
    frames : mapping
        Output of :func:`breakdowns`.
    by : str
        The breakdown ("landing_page", "device", ...).
    lang : str
        The report's language.

    Returns
    -------
    DataFrame

    Raises
    ------
    KpiDataError
        When the sessions hold no such column (the section is skipped with that note).
    """
    if by not in frames:
        raise KpiDataError(text("note.no_breakdown", lang, column=t(f"column.{by}", lang)))
    return frames[by]


def events_of(tables: Mapping[str, pd.DataFrame], lang: str = "en") -> pd.DataFrame:
    """The report's events, or a note (in the report's language) when the folder gave sessions only.

    Parameters
    ----------
    tables : mapping
        The report's tables.
    lang : str
        The report's language.

    Returns
    -------
    DataFrame

    Raises
    ------
    KpiDataError
        Without an events table (the page-level section is skipped with that note).
    """
    events = tables.get("events")
    if events is None:
        raise KpiDataError(text("note.no_events", lang))
    return events


def with_leads(sessions: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The sessions, when they say which session brought each user's first lead; else a note.

    Parameters
    ----------
    sessions : DataFrame
        The sessions of the analysed period.
    lang : str
        The report's language.

    Returns
    -------
    DataFrame
        ``sessions``, unchanged.

    Raises
    ------
    KpiDataError
        When the sessions carry no ``new_lead`` flag (a sessions export, not sessions built from events):
        the traffic-to-lead section is skipped with that note.
    """
    if "new_lead" not in sessions.columns:
        raise KpiDataError(text("note.no_leads", lang))
    return sessions


def fix_list_by(sessions: pd.DataFrame) -> list[str]:
    """The segments the fix list ranks: landing pages, and devices when the sessions have them.

    Parameters
    ----------
    sessions : DataFrame
        The sessions of the analysed period.

    Returns
    -------
    list of str
    """
    return _with_values(sessions, ("landing_page", "device"))


def fix_table(diagnosis: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The fix list for a client table: its first rows (every flagged one, at least ``top``), levels as terms.

    Parameters
    ----------
    diagnosis : DataFrame
        Output of :func:`kpikit.web.diagnose`.
    top : int
        The fewest rows shown.

    Returns
    -------
    DataFrame
        segment, flagged, level ("bounce high", "bounce watch", "bounce ok" or "no threshold", catalogue
        terms), goal, sessions, bounce_rate with its interval, excess_bounces, q_value.
    """
    cols = ["segment", "flagged", "level", "goal", "sessions", "bounce_rate", "ci_low", "ci_high", "excess_bounces"]
    out = diagnosis.head(max(top, int(diagnosis["flagged"].sum())))[[*cols, "q_value"]].copy()
    out["level"] = out["level"].map(lambda v: v if v == "no threshold" else f"bounce {v}")
    return out


def fix_list_title(diagnosis: pd.DataFrame, lang: str = "en") -> str:
    """The fix-list chart's title: the segment that costs most, or that none is flagged.

    Parameters
    ----------
    diagnosis : DataFrame
        Output of :func:`kpikit.web.diagnose`.
    lang : str
        The report's language.

    Returns
    -------
    str
    """
    flagged = diagnosis.loc[diagnosis["flagged"].astype(bool)]
    if flagged.empty:
        return text("chart.fix_list_none", lang)
    first = flagged.iloc[0]
    return text("chart.fix_list", lang, segment=first["segment"], excess=first["excess_bounces"])


def gap_pages(gaps: pd.DataFrame) -> list[str]:
    """The pages whose first device bounces significantly more than the second.

    Parameters
    ----------
    gaps : DataFrame
        Output of :func:`kpikit.web.device_gap`.

    Returns
    -------
    list of str
    """
    page = gaps.columns[0]
    return gaps.loc[gaps["flagged"].astype(bool) & (gaps["gap"] > 0), page].astype(str).tolist()


def gap_table(gaps: pd.DataFrame) -> pd.DataFrame:
    """A device-gap frame for a client table: the two devices' columns under one name each (A and B).

    Parameters
    ----------
    gaps : DataFrame
        Output of :func:`kpikit.web.device_gap`.

    Returns
    -------
    DataFrame
        page, flagged, gap with its interval, q_value, each device's bounce rate, sessions and
        conversion rate.
    """
    page, a, b = _gap_layout(gaps)
    out = gaps.rename(columns={c: c.replace(f"{a}_", "device_a_", 1) for c in gaps.columns if c.startswith(f"{a}_")})
    out = out.rename(columns={c: c.replace(f"{b}_", "device_b_", 1) for c in out.columns if c.startswith(f"{b}_")})
    keep = [page, "flagged", "gap", "gap_low", "gap_high", "q_value", "device_a_bounce_rate", "device_b_bounce_rate"]
    keep += ["device_a_sessions", "device_b_sessions", "device_a_conversion_rate", "device_b_conversion_rate"]
    return out[[c for c in keep if c in out.columns]]


def gap_title(gaps: pd.DataFrame, lang: str = "en") -> str:
    """The device-gap chart's title: the first page with a significant gap, or that there is none.

    Parameters
    ----------
    gaps : DataFrame
        Output of :func:`kpikit.web.device_gap`.
    lang : str
        The report's language.

    Returns
    -------
    str
    """
    page, a, b = _gap_layout(gaps)
    flagged = gaps.loc[gaps["flagged"].astype(bool)]
    if flagged.empty:
        return text("chart.device_gap_none", lang, a=a, b=b)
    first = flagged.iloc[0]
    return text("chart.device_gap", lang, page=first[page], a=a, b=b, gap=first["gap"])


def label_chart(
    ax: Any,
    lang: str = "en",
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: bool = False,
    tick_terms: bool = False,
    percent: str | None = None,
    decimals: int = 0,
) -> Any:
    """Word a chart in the report's language: title, axis labels, legend entries and percent ticks.

    The kit's charts write some labels of their own (a legend's "control limits", an axis label);
    this replaces them with the catalogue's text and formats a percent axis for the language's locale.

    Parameters
    ----------
    ax : Axes
        The chart.
    lang : str
        The report's language.
    title, xlabel, ylabel : str, optional
        Texts to set (already in the report's language).
    legend : bool
        Write each legend entry as the catalogue's term for it ("control limits", "mobile"); entries
        that are not terms of the kit (a client's own labels) stay as drawn.
    tick_terms : bool
        Write the y-axis tick labels (a bar chart's categories) as the catalogue's terms, likewise.
    percent : {"x", "y"}, optional
        The axis holding fractions, formatted as percentages in the language.
    decimals : int
        Decimals of the percent ticks.

    Returns
    -------
    Axes
    """
    from matplotlib.ticker import FuncFormatter

    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if legend and ax.get_legend() is not None:
        for entry in ax.get_legend().get_texts():
            entry.set_text(term(entry.get_text(), lang))
    if tick_terms:
        ax.set_yticks(ax.get_yticks(), [term(label.get_text(), lang) for label in ax.get_yticklabels()])
    if percent:
        fmt = FuncFormatter(lambda v, _pos: format_share(v, lang, decimals))
        (ax.xaxis if percent == "x" else ax.yaxis).set_major_formatter(fmt)
    return ax
