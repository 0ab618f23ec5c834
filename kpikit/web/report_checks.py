"""Notebook 01's data checks, worded in the report's language: what was read and how sessions were built.

Each row is a catalogue text (``notebook.01_bounce_rate_diagnosis.check.*``) with its value formatted
for the language and a status that is a catalogue term (``check ok``, ``check note``, ``check problem``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpikit.i18n import format_count, format_date, format_share, t
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
    events: pd.DataFrame | None,
    sessions: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Checks of the events and of the sessions built from them, worded in the report's language.

    Parameters
    ----------
    events : DataFrame or None
        The events the sessions were built from; None when the folder gave a sessions table only.
    sessions : DataFrame
        The sessions (output of :func:`kpikit.web.sessions_from_events`, whose ``attrs`` say how
        they were built, or the folder's sessions table).
    reference : DataFrame, optional
        A sessions table of the folder to compare the rebuilt sessions with (count and engaged flag).
    lang : str
        The report's language.

    Returns
    -------
    DataFrame
        check, value, status (``check ok`` / ``check note`` / ``check problem``, catalogue terms), note.
    """
    rows: list[dict] = []
    n_sessions = len(sessions)
    if events is None:
        _check(rows, "sessions", format_count(n_sessions, lang), "ok" if n_sessions else "problem", lang, "given")
    else:
        n = len(events)
        _check(rows, "events", format_count(n, lang), "ok" if n else "problem", lang)
        ts = events["timestamp"]
        dates = t("ui.period_range", lang, start=format_date(ts.min(), lang), end=format_date(ts.max(), lang))
        _check(rows, "event_dates", dates, "ok", lang)
        _check(rows, "users", format_count(events["user_id"].nunique(), lang), "ok", lang)
        dup = int(sessions.attrs.get("duplicates_dropped", 0))
        status, note = ("ok", "") if dup == 0 else ("note", "duplicates")
        _check(rows, "duplicates", format_count(dup, lang), status, lang, note)
        aside = int(sessions.attrs.get("set_aside", 0))
        share = format_share(aside / max(n, 1), lang)
        status, note = ("ok", "") if aside == 0 else ("note", "set_aside")
        _check(rows, "set_aside", format_count(aside, lang), status, lang, note, share=share)
        split = "split_timeout" if sessions.attrs.get("split") == "timeout" else "split_session_id"
        _check(rows, "sessions", format_count(n_sessions, lang), "ok" if n_sessions else "problem", lang, split)
        _rule_rows(rows, sessions, lang)
    if "landing_page" in sessions.columns:
        no_pv = int((sessions["landing_page"].astype(str) == NOT_SET).sum())
        share = format_share(no_pv / max(n_sessions, 1), lang)
        status, note = ("ok", "") if no_pv == 0 else ("note", "no_page_view")
        _check(rows, "no_page_view", format_count(no_pv, lang), status, lang, note, share=share)
    for col in _ATTRIBUTES:
        if col in sessions.columns:
            miss = int(sessions[col].isna().sum() + (sessions[col].astype(str) == NOT_SET).sum())
            if miss:
                _check(rows, f"missing_{col}", format_count(miss, lang), "note", lang)
    if events is not None and reference is not None and "session_id" in reference.columns:
        _reference_rows(rows, sessions, reference, lang)
    return pd.DataFrame(rows, columns=["check", "value", "status", "note"])


def _rule_rows(rows: list, sessions: pd.DataFrame, lang: str) -> None:
    """How new users and engaged sessions were counted (attrs of the sessions)."""
    rule = sessions.attrs.get("new_user_rule")
    if rule == "first session in the data":
        _check(rows, "new_users", _text("rule.first_session", lang), "note", lang, "first_session")
    elif rule:
        _check(rows, "new_users", _text("rule.export", lang, rule=str(rule).replace(" or ", " / ")), "ok", lang)
    n_flag = int(sessions.attrs.get("engaged_from_export", 0))
    if n_flag:
        differ = int(sessions.attrs.get("engaged_disagree", 0))
        status, note = ("ok", "") if differ == 0 else ("note", "engaged_differ")
        _check(rows, "engaged_flag", format_count(n_flag, lang), status, lang, note, n=differ)


def _reference_rows(rows: list, sessions: pd.DataFrame, reference: pd.DataFrame, lang: str) -> None:
    """The rebuilt sessions against the folder's own sessions table."""
    keep = ["session_id", *(["engaged"] if "engaged" in reference.columns else [])]
    common = sessions.merge(reference[keep], on="session_id", how="inner", suffixes=("", "_reference"))
    same = len(reference) == len(sessions) == len(common)
    value = _text("check_value.reference", lang, built=len(sessions), given=len(reference), matched=len(common))
    _check(rows, "reference", value, "ok" if same else "problem", lang)
    if "engaged_reference" in common.columns and len(common):
        agree = float(
            (common["engaged"].to_numpy(dtype=bool) == common["engaged_reference"].to_numpy(dtype=bool)).mean()
        )
        status, note = ("ok", "") if agree == 1 else ("problem", "engaged_agrees")
        _check(rows, "engaged_agrees", format_share(agree, lang), status, lang, note)
