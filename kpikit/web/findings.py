"""What notebook 01 shows around the numbers: data checks, the benchmark reference, findings, headline KPIs.

The findings are sentences written from the outputs of :mod:`kpikit.web.bounce` and
:mod:`kpikit.web.diagnose` (never typed by hand in the notebook); ``headline_kpis`` is what the report
records as JSON beside the notebook.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError
from kpikit.schemas import require_columns
from kpikit.web.bounce import Definition
from kpikit.web.sessions import _SESSION_ATTRIBUTES, NOT_SET, _label

__all__ = ["benchmark_reference", "data_checks", "findings", "headline_kpis"]


def data_checks(events: pd.DataFrame, sessions: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Checks of the events and of the sessions built from them, as a table to show before any KPI.

    Parameters
    ----------
    events : DataFrame
        The events the sessions were built from.
    sessions : DataFrame
        Output of :func:`sessions_from_events` (its ``attrs["set_aside"]`` is reported).
    reference : DataFrame, optional
        A sessions table exported by the client (e.g. sessions.csv) to compare with: session count and
        agreement of ``engaged`` on the sessions both have.

    Returns
    -------
    DataFrame
        check, value, status ("ok" / "note" / "problem"), note.

    Examples
    --------
    >>> kk.report.table(data_checks(events, sessions_from_events(events)))  # doctest: +SKIP
    """
    rows = []

    def add(check, value, status, note=""):
        rows.append({"check": check, "value": value, "status": status, "note": note})

    add("events", f"{len(events):,}", "ok" if len(events) else "problem")
    ts = events["timestamp"]
    add("event dates", f"{ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d}", "ok")
    add("users", f"{events['user_id'].nunique():,}", "ok")
    dup = int(sessions.attrs.get("duplicates_dropped", 0)) or int(events.duplicated().sum())
    add(
        "exact duplicate events",
        f"{dup:,}",
        "ok" if dup == 0 else "note",
        "" if dup == 0 else "identical in every column; dropped before the sessions were built, the first copy kept",
    )
    aside = int(sessions.attrs.get("set_aside", 0))
    add(
        "events set aside (no user or session id)",
        f"{aside:,}",
        "ok" if aside == 0 else "note",
        "" if aside == 0 else f"{aside / max(len(events), 1):.2%} of events cannot be sessionised",
    )
    add(
        "sessions",
        f"{len(sessions):,}",
        "ok" if len(sessions) else "problem",
        f"split by {sessions.attrs.get('split', 'session_id')}",
    )
    _rule_checks(sessions, add)
    if "landing_page" in sessions.columns:
        no_pv = int((sessions["landing_page"] == NOT_SET).sum())
        add(
            "sessions without a page view",
            f"{no_pv:,}",
            "ok" if no_pv == 0 else "note",
            "" if no_pv == 0 else f"landing page '{NOT_SET}' ({no_pv / max(len(sessions), 1):.1%} of sessions)",
        )
    for col in _SESSION_ATTRIBUTES:
        if col in sessions.columns:
            miss = int(sessions[col].isna().sum() + (sessions[col].astype(str) == NOT_SET).sum())
            if miss:
                add(f"sessions with {col} missing or (not set)", f"{miss:,}", "note")
    if reference is not None and "session_id" in reference.columns:
        common = sessions.merge(
            reference[["session_id", *([c for c in ("engaged",) if c in reference.columns])]],
            on="session_id",
            how="inner",
            suffixes=("", "_reference"),
        )
        status = "ok" if len(reference) == len(sessions) == len(common) else "problem"
        add("sessions vs reference table", f"{len(sessions):,} vs {len(reference):,} ({len(common):,} matched)", status)
        if "engaged_reference" in common.columns and len(common):
            agree = float(
                (common["engaged"].to_numpy(dtype=bool) == common["engaged_reference"].to_numpy(dtype=bool)).mean()
            )
            add(
                "engaged agrees with reference",
                f"{agree:.2%}",
                "ok" if agree == 1 else "problem",
                "" if agree == 1 else "check engaged_after and key_events against the client's GA4 settings",
            )
    return pd.DataFrame(rows, columns=["check", "value", "status", "note"])


def _rule_checks(sessions: pd.DataFrame, add) -> None:
    """Data-check rows saying which rule counted new users and engaged sessions (attrs of the sessions)."""
    rule = sessions.attrs.get("new_user_rule")
    if rule == "first session in the data":
        add(
            "new users counted by",
            rule,
            "note",
            "no first_visit events or ga_session_number: a returning user's first session in this window counts as new",
        )
    elif rule:
        add("new users counted by", rule, "ok")
    n_flag = int(sessions.attrs.get("engaged_from_export", 0))
    if n_flag:
        differ = int(sessions.attrs.get("engaged_disagree", 0))
        add(
            "engaged taken from the export's session_engaged",
            f"{n_flag:,} sessions",
            "ok" if differ == 0 else "note",
            "" if differ == 0 else f"{differ:,} of them differ from kpikit's rule (another engagement threshold?)",
        )


def benchmark_reference(benchmarks: pd.DataFrame, metric: str = "bounce_rate", segment: str | None = None) -> dict:
    """One published reference point from a canonical ``benchmarks`` table.

    Picks the row with ``metric`` (and ``segment`` when given; else the first row of the metric) and
    returns its median (p50, else value; the middle of p25 and p75 when only they are given), range
    (p25, p75) and source.

    Parameters
    ----------
    benchmarks : DataFrame
        Canonical ``benchmarks`` table: metric, source, and p50 or value (p25, p75, segment, year
        when known).
    metric : str
        The metric to look up.
    segment : str, optional
        The segment of that metric (e.g. "retail"); None: the metric's first row.

    Returns
    -------
    dict
        metric, segment, value, low, high, source, year.

    Examples
    --------
    >>> b = pd.DataFrame({"metric": ["bounce_rate"], "segment": ["all sites"], "value": [0.47],
    ...                   "source": ["Google Analytics Benchmarking Newsletter"], "year": [2011]})
    >>> benchmark_reference(b)["value"]
    0.47
    """
    require_columns(benchmarks, ["metric", "source"], _label(benchmarks, "benchmarks"))
    rows = benchmarks.loc[benchmarks["metric"].astype(str) == metric]
    if segment is not None and "segment" in rows.columns:
        rows = rows.loc[rows["segment"].astype(str) == segment]
    if rows.empty:
        have = (
            benchmarks.loc[benchmarks["metric"].astype(str) == metric, "segment"].astype(str).tolist()
            if "segment" in benchmarks.columns
            else []
        )
        raise KpiDataError(
            f"benchmarks has no row for metric={metric!r}"
            + (f", segment={segment!r}" if segment else "")
            + (
                f"; segments of that metric: {have}."
                if have
                else f"; metrics: {sorted(set(benchmarks['metric'].astype(str)))}."
            )
        )
    r = rows.iloc[0]

    def val(c):
        return float(r[c]) if c in r.index and pd.notna(r[c]) else float("nan")

    value = val("p50") if not np.isnan(val("p50")) else val("value")
    if np.isnan(value) and not np.isnan(val("p25")) and not np.isnan(val("p75")):
        value = (val("p25") + val("p75")) / 2
    return {
        "metric": metric,
        "segment": None if "segment" not in r.index or pd.isna(r["segment"]) else str(r["segment"]),
        "value": value,
        "low": val("p25"),
        "high": val("p75"),
        "source": str(r["source"]),
        "year": None if "year" not in r.index or pd.isna(r["year"]) else int(r["year"]),
    }


def _gap_layout(gaps: pd.DataFrame) -> tuple[str, str, str]:
    """(page column, device a, device b) of a :func:`device_gap` table, read from its columns."""
    a, b = (c.removesuffix("_bounce_rate") for c in gaps.columns if c.endswith("_bounce_rate"))
    return gaps.columns[0], a, b


def findings(
    headline: Mapping | None = None,
    change: pd.DataFrame | None = None,
    trend: pd.DataFrame | None = None,
    diagnosis: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    benchmark: Mapping | None = None,
    top: int = 3,
    definition: Definition = "ga4",
) -> list[str]:
    """Findings in plain words, written from the numbers of this module's functions.

    Parameters
    ----------
    headline : dict, optional
        Output of :func:`headline`.
    change : DataFrame, optional
        Output of :func:`period_change`.
    trend : DataFrame, optional
        Output of :func:`trend` (signals of the p-chart).
    diagnosis : DataFrame, optional
        Output of :func:`diagnose` (flagged segments, information pages).
    gaps : DataFrame, optional
        Output of :func:`device_gap`.
    benchmark : dict, optional
        Output of :func:`benchmark_reference`, to place the site rate.
    top : int
        How many flagged segments and gaps to name.
    definition : {"ga4", "ua"}
        The bounce definition the numbers were computed with (named in the headline sentence).

    Returns
    -------
    list of str
        One sentence per finding, in the order of the arguments.

    Examples
    --------
    >>> from kpikit.web.bounce import headline
    >>> s = pd.DataFrame({"engaged": [True, False, False, True]})
    >>> findings(headline=headline(s))[0][:46]
    "The site's bounce rate is 50.0% (95% CI 15.0% "
    """
    out: list[str] = []
    if headline:
        out.append(_headline_finding(headline, benchmark, definition))
    if change is not None and len(change):
        out += _change_findings(change)
    if trend is not None and len(trend):
        out.append(_trend_finding(trend))
    if diagnosis is not None and len(diagnosis):
        out += _diagnosis_findings(diagnosis, top)
    if gaps is not None and len(gaps):
        out += _gap_findings(gaps, top)
    return out


def _headline_finding(headline: Mapping, benchmark: Mapping | None, definition: str) -> str:
    """The site's bounce rate with its interval, placed against a published reference when given."""
    name = "GA4 (non-engaged sessions)" if definition == "ga4" else "Universal Analytics (single-interaction sessions)"
    br = headline["bounce_rate"]
    s = (
        f"The site's bounce rate is {br.value:.1%} (95% CI {br.low:.1%} to {br.high:.1%}) on "
        f"{br.trials:,} sessions, by the {name} definition."
    )
    if benchmark and not np.isnan(benchmark.get("value", np.nan)):
        ref = benchmark["value"]
        pos = "above" if br.low > ref else "below" if br.high < ref else "in line with"
        s += (
            f" That is {pos} the published reference of {ref:.0%} ({benchmark['source']}"
            + (f", {benchmark['year']}" if benchmark.get("year") else "")
            + ")"
        )
        year = benchmark.get("year")
        if definition == "ga4" and year and int(year) < 2020:
            s += ", a Universal Analytics-era figure, so read it as context rather than a like-for-like target"
        s += "."
    return s


def _change_findings(change: pd.DataFrame) -> list[str]:
    """The bounce-rate change against the previous period (real or chance), and a real conversion change."""
    out: list[str] = []
    row = change.loc[change["metric"] == "bounce_rate"]
    if len(row) and pd.notna(row["change"].iloc[0]):
        r = row.iloc[0]
        if r["significant"]:
            verb = "rose" if r["change"] > 0 else "fell"
            out.append(
                f"Bounce rate {verb} {abs(r['change']) * 100:.1f} points against the previous period "
                f"({r['previous']:.1%} to {r['current']:.1%}; 95% CI of the change {r['change_low'] * 100:+.1f} "
                f"to {r['change_high'] * 100:+.1f} points): a real change, worth explaining."
            )
        else:
            out.append(
                f"Bounce rate moved {r['change'] * 100:+.1f} points against the previous period "
                f"({r['previous']:.1%} to {r['current']:.1%}), within what chance alone produces "
                f"(p = {r['p_value']:.2f}): not news."
            )
    row = change.loc[change["metric"] == "conversion_rate"]
    if len(row) and pd.notna(row["change"].iloc[0]) and row["significant"].iloc[0]:
        r = row.iloc[0]
        out.append(
            f"Session conversion rate {'rose' if r['change'] > 0 else 'fell'} from {r['previous']:.1%} to "
            f"{r['current']:.1%} ({r['change'] * 100:+.1f} points, 95% CI {r['change_low'] * 100:+.1f} to "
            f"{r['change_high'] * 100:+.1f}): a change that bounce rate alone would not show."
        )
    return out


def _trend_finding(trend: pd.DataFrame) -> str:
    """The periods outside the p-chart's control limits, or that there are none."""
    sig = trend.loc[trend["signal"]]
    if len(sig):
        weeks = ", ".join(f"{p:%Y-%m-%d} ({v:.0%})" for p, v in zip(sig["period"].head(5), sig["bounce_rate"].head(5)))
        return (
            f"{len(sig)} of {len(trend)} periods fall outside the control limits: {weeks}; look at what "
            "changed then (campaigns, releases, tracking)."
        )
    return (
        f"All {len(trend)} periods stay within the p-chart's control limits: the weekly ups and "
        "downs are ordinary variation."
    )


def _diagnosis_findings(diagnosis: pd.DataFrame, top: int) -> list[str]:
    """The fix list in one sentence, and the information pages that bounce above the site rate."""
    out: list[str] = []
    flagged = diagnosis.loc[diagnosis["flagged"]]
    if len(flagged):
        total_excess = flagged["excess_bounces"].sum()
        names = "; ".join(
            f"{r.segment} ({r.bounce_rate:.0%} on {r.sessions:,} sessions, {r.excess_bounces:,.0f} extra bounces)"
            for r in flagged.head(top).itertuples()
        )
        what = "1 segment" if len(flagged) == 1 else f"{len(flagged)} segments"
        out.append(f"{what} to fix first, costing about {total_excess:,.0f} bounces above the reference rate: {names}.")
    else:
        out.append("No action page or segment bounces significantly above the reference rate and the thresholds.")
    info = diagnosis.loc[
        (diagnosis["goal"] == "information")
        & (diagnosis["level"] == "no threshold")
        & (diagnosis["bounce_rate"] > diagnosis["reference_rate"])
        & (np.nan_to_num(diagnosis["q_value"].to_numpy(dtype=float), nan=1.0) < 0.05)
    ]
    if len(info):
        pages = sorted(set(info["landing_page"] if "landing_page" in info.columns else info["segment"]))
        shown = ", ".join(pages[:top]) + (f" and {len(pages) - top} more" if len(pages) > top else "")
        out.append(
            f"Information pages bounce above the site rate ({shown}), which is expected for pages whose "
            "goal is to answer a question; they are not on the fix list."
        )
    return out


def _gap_findings(gaps: pd.DataFrame, top: int) -> list[str]:
    """One sentence per significant device gap (the first ``top``), or that there is none."""
    out: list[str] = []
    flagged = gaps.loc[gaps["flagged"]]
    page_col, a, b = _gap_layout(gaps)
    for r in flagged.head(top).to_dict("records"):
        out.append(
            f"On {r[page_col]}, {a} bounces {r[f'{a}_bounce_rate']:.0%} against {r[f'{b}_bounce_rate']:.0%} on {b} "
            f"({r['gap'] * 100:+.0f} points, 95% CI {r['gap_low'] * 100:+.0f} to {r['gap_high'] * 100:+.0f}; "
            f"q = {r['q_value']:.2g}) on {int(r[f'{a}_sessions']):,} {a} sessions: check the {a} layout of this page."
        )
    if flagged.empty:
        out.append(f"No landing page shows a significant {a}-versus-{b} bounce gap.")
    return out


def headline_kpis(
    headline: Mapping,
    *,
    change: pd.DataFrame,
    trend: pd.DataFrame,
    diagnosis: pd.DataFrame,
    gaps: pd.DataFrame,
    period: Mapping,
    definition: Definition = "ga4",
    top: int = 5,
) -> dict:
    """The headline KPIs of a bounce-rate diagnosis, for ``kk.report.record_kpis``.

    Parameters
    ----------
    headline, change, trend, diagnosis, gaps : dict or DataFrame
        Outputs of :func:`headline`, :func:`period_change`, :func:`trend`, :func:`diagnose` and
        :func:`device_gap` over the analysed period.
    period : dict
        The analysed period as :func:`split_periods` returns it (``start`` and ``end``).
    definition : {"ga4", "ua"}
        The bounce definition the numbers were computed with (recorded beside them).
    top : int
        How many flagged segments of the fix list to record.

    Returns
    -------
    dict
        period ("YYYY-MM-DD to YYYY-MM-DD"), definition, sessions, bounce_rate and engagement_rate
        (Rate), bounce_rate_change (change, change_low, change_high, p_value against the previous
        period), weeks_outside_control_limits, fix_list (the first ``top`` flagged segments: segment,
        sessions, bounce_rate, excess_bounces, q_value), device_gaps_flagged (pages whose first
        device bounces significantly more), largest_device_gap (the first of them, or None). Numbers
        from frames are rounded to 6 decimals so that the recorded JSON is stable.

    Examples
    --------
    >>> from kpikit.web.bounce import headline
    >>> from kpikit.web.diagnose import device_gap, diagnose
    >>> s = pd.DataFrame({"engaged": [True, False, False, True]})
    >>> rows = pd.DataFrame({"landing_page": ["/p", "/p", "/q", "/q"], "device": ["mobile", "desktop"] * 2,
    ...                      "sessions": [40, 40, 40, 40], "bounces": [20, 18, 19, 21]})
    >>> k = headline_kpis(headline(s), change=pd.DataFrame({"metric": [], "change": []}),
    ...                   trend=pd.DataFrame({"signal": [False, True]}), gaps=device_gap(rows),
    ...                   diagnosis=diagnose(rows, by="landing_page"),
    ...                   period={"start": pd.Timestamp("2025-01-01"), "end": pd.Timestamp("2025-01-31")})
    >>> k["period"], k["sessions"], k["weeks_outside_control_limits"], k["fix_list"], k["largest_device_gap"]
    ('2025-01-01 to 2025-01-31', 4, 1, [], None)
    """
    row = change.loc[change["metric"] == "bounce_rate"]
    delta = (
        row[["change", "change_low", "change_high", "p_value"]].iloc[0].astype(float).round(6).to_dict()
        if len(row)
        else None
    )
    fix_cols = ["segment", "sessions", "bounce_rate", "excess_bounces", "q_value"]
    flagged = gaps.loc[gaps["flagged"] & (gaps["gap"] > 0)]
    page_col, a, b = _gap_layout(gaps)
    gap_cols = [
        page_col,
        "gap",
        "gap_low",
        "gap_high",
        "q_value",
        f"{a}_bounce_rate",
        f"{b}_bounce_rate",
        f"{a}_sessions",
        f"{b}_sessions",
    ]
    return {
        "period": f"{period['start']:%Y-%m-%d} to {period['end']:%Y-%m-%d}",
        "definition": definition,
        "sessions": headline["sessions"],
        "bounce_rate": headline["bounce_rate"],
        "engagement_rate": headline.get("engagement_rate"),
        "bounce_rate_change": delta,
        "weeks_outside_control_limits": int(trend["signal"].sum()),
        "fix_list": diagnosis.loc[diagnosis["flagged"], fix_cols].head(top).round(6).to_dict("records"),
        "device_gaps_flagged": flagged[page_col].astype(str).tolist(),
        "largest_device_gap": flagged.head(1)[gap_cols].round(6).to_dict("records")[0] if len(flagged) else None,
    }
