"""Notebook 01's data checks, worded in the report's language: what was read and how sessions were built.

Each row is a catalogue text (``notebook.01_bounce_rate_diagnosis.check.*``) with its value formatted
for the language and a status that is a catalogue term (``check ok``, ``check note``, ``check problem``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpikit.engine.tables import count, narrow
from kpikit.i18n import format_count, format_date, format_share, t
from kpikit.io.lazy import collect, is_lazy
from kpikit.web.sessions import NOT_SET

__all__ = ["check_table"]

NOTEBOOK = "01_bounce_rate_diagnosis"

_ATTRIBUTES = ("source", "medium", "channel", "device", "country")


def _text(key: str, lang: str, **fields: Any) -> str:
    return t(f"notebook.{NOTEBOOK}.{key}", lang, **fields)


def _check(rows: list, key: str, value: str, status: str, lang: str, note: str = "", **fields: Any) -> None:
    rows.append(
        {
            "check": _text(f"check.{key}", lang),
            "value": value,
            "status": f"check {status}",
            "note": _text(f"check_note.{note}", lang, **fields) if note else "",
        }
    )


def check_table(
    events: Any,
    sessions: Any,
    reference: pd.DataFrame | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Checks of the events and of the sessions built from them, worded in the report's language.

    Every count is computed where the tables are: in pandas for DataFrames, in the backend for lazy
    (Ibis) events and sessions, where only the counts come back.

    Parameters
    ----------
    events : DataFrame, Ibis table or None
        The events the sessions were built from; None when the folder gave a sessions table only.
    sessions : DataFrame or Ibis table
        The sessions (output of :func:`kpikit.web.sessions_from_events`, whose attrs, or
        ``kk.engine.attrs`` when lazy, say how they were built, or the folder's sessions table).
    reference : DataFrame, optional
        A sessions table of the folder to compare the rebuilt sessions with (count and engaged flag).
    lang : str
        The report's language.

    Returns
    -------
    DataFrame
        check, value, status (``check ok`` / ``check note`` / ``check problem``, catalogue terms), note.
    """
    from kpikit.engine.tables import attrs

    rows: list[dict] = []
    info = attrs(sessions)
    found = _session_counts(sessions)
    n_sessions = found["n"]
    if events is None:
        _check(rows, "sessions", format_count(n_sessions, lang), "ok" if n_sessions else "problem", lang, "given")
    else:
        ev = _event_counts(events)
        n = ev["n"]
        _check(rows, "events", format_count(n, lang), "ok" if n else "problem", lang)
        dates = t("ui.period_range", lang, start=format_date(ev["lo"], lang), end=format_date(ev["hi"], lang))
        _check(rows, "event_dates", dates, "ok", lang)
        _check(rows, "users", format_count(ev["users"], lang), "ok", lang)
        dup = int(info.get("duplicates_dropped", 0))
        status, note = ("ok", "") if dup == 0 else ("note", "duplicates")
        _check(rows, "duplicates", format_count(dup, lang), status, lang, note)
        aside = int(info.get("set_aside", 0))
        share = format_share(aside / max(n, 1), lang)
        status, note = ("ok", "") if aside == 0 else ("note", "set_aside")
        _check(rows, "set_aside", format_count(aside, lang), status, lang, note, share=share)
        split = "split_timeout" if info.get("split") == "timeout" else "split_session_id"
        _check(rows, "sessions", format_count(n_sessions, lang), "ok" if n_sessions else "problem", lang, split)
        _rule_rows(rows, info, lang)
    if "no_page_view" in found:
        no_pv = found["no_page_view"]
        share = format_share(no_pv / max(n_sessions, 1), lang)
        status, note = ("ok", "") if no_pv == 0 else ("note", "no_page_view")
        _check(rows, "no_page_view", format_count(no_pv, lang), status, lang, note, share=share)
    for col in _ATTRIBUTES:
        if found.get(col):
            _check(rows, f"missing_{col}", format_count(found[col], lang), "note", lang)
    if events is not None and reference is not None and "session_id" in reference.columns:
        _reference_rows(rows, sessions, reference, n_sessions, lang)
    return pd.DataFrame(rows, columns=["check", "value", "status", "note"])


def _event_counts(events: Any) -> dict:
    """Events, their first and last time and their users: {n, lo, hi, users}."""
    if not is_lazy(events):
        ts = events["timestamp"]
        return {"n": len(events), "lo": ts.min(), "hi": ts.max(), "users": int(events["user_id"].nunique())}
    e = events
    row = collect(e.aggregate(n=e.count(), lo=e.timestamp.min(), hi=e.timestamp.max(), users=e.user_id.nunique()))
    row = row.iloc[0]
    return {"n": count(row["n"]), "lo": pd.Timestamp(row["lo"]), "hi": pd.Timestamp(row["hi"]),
            "users": count(row["users"])}  # fmt: skip


def _session_counts(sessions: Any) -> dict:
    """Sessions, those without a page view, and those missing each attribute: {n, no_page_view, source, ...}."""
    attributes = [c for c in _ATTRIBUTES if c in sessions.columns]
    if not is_lazy(sessions):
        out = {"n": len(sessions)}
        if "landing_page" in sessions.columns:
            out["no_page_view"] = int((sessions["landing_page"].astype(str) == NOT_SET).sum())
        for col in attributes:
            out[col] = int(sessions[col].isna().sum() + (sessions[col].astype(str) == NOT_SET).sum())
        return out
    read = [c for c in ("landing_page", *attributes) if c in sessions.columns]
    s = narrow(sessions, read) if read else sessions  # the lean sessions: no window over each user's sessions
    aggs = {"n": s.count()}
    if "landing_page" in read:
        aggs["no_page_view"] = s.count(where=s.landing_page.cast("string") == NOT_SET)
    for col in attributes:
        aggs[col] = s.count(where=s[col].isnull() | (s[col].cast("string") == NOT_SET))
    row = collect(s.aggregate(**aggs))
    return {k: count(v) for k, v in row.iloc[0].items()}


def _rule_rows(rows: list, info: dict, lang: str) -> None:
    """How new users and engaged sessions were counted (the sessions' attrs)."""
    rule = info.get("new_user_rule")
    if rule == "first session in the data":
        _check(rows, "new_users", _text("rule.first_session", lang), "note", lang, "first_session")
    elif rule:
        _check(rows, "new_users", _text("rule.export", lang, rule=str(rule).replace(" or ", " / ")), "ok", lang)
    n_flag = int(info.get("engaged_from_export", 0))
    if n_flag:
        differ = int(info.get("engaged_disagree", 0))
        status, note = ("ok", "") if differ == 0 else ("note", "engaged_differ")
        _check(rows, "engaged_flag", format_count(n_flag, lang), status, lang, note, n=differ)


def _reference_rows(rows: list, sessions: Any, reference: pd.DataFrame, n_sessions: int, lang: str) -> None:
    """The rebuilt sessions against the folder's own sessions table (matched on session_id)."""
    has_engaged = "engaged" in reference.columns
    common, agree = _matches(sessions, reference, has_engaged)
    same = len(reference) == n_sessions == common
    value = _text("check_value.reference", lang, built=n_sessions, given=len(reference), matched=common)
    _check(rows, "reference", value, "ok" if same else "problem", lang)
    if has_engaged and common:
        share = agree / common
        status, note = ("ok", "") if agree == common else ("problem", "engaged_agrees")
        _check(rows, "engaged_agrees", format_share(share, lang), status, lang, note)


def _matches(sessions: Any, reference: pd.DataFrame, has_engaged: bool) -> tuple[int, int]:
    """Sessions found in the reference, and among them those whose engaged flag agrees with it."""
    keep = ["session_id", *(["engaged"] if has_engaged else [])]
    if not is_lazy(sessions):
        common = sessions.merge(reference[keep], on="session_id", how="inner", suffixes=("", "_reference"))
        if not has_engaged:
            return len(common), 0
        same = common["engaged"].to_numpy(dtype=bool) == common["engaged_reference"].to_numpy(dtype=bool)
        return len(common), int(same.sum())
    from kpikit.engine.tables import from_pandas

    # lazy session ids are text: the reference's are compared as text too
    ref = from_pandas(reference[keep].rename(columns={"engaged": "engaged_reference"}), order=False)
    ref = ref.mutate(session_id=ref.session_id.cast("string"))
    built = sessions.select("session_id", *(["engaged"] if has_engaged else []))
    joined = built.mutate(session_id=built.session_id.cast("string")).inner_join(ref, "session_id")
    aggs = {"common": joined.count()}
    if has_engaged:
        aggs["agree"] = joined.count(where=joined.engaged == joined.engaged_reference)
    row = collect(joined.aggregate(**aggs)).iloc[0]
    return count(row["common"]), count(row.get("agree", 0))
