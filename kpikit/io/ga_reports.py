"""Reader of GA landing-page report downloads (Universal Analytics and GA4 CSV) into aggregated sessions.

A report download holds no sessions, only one row per landing page with counts and rates formatted
for people ("3,215", "45.20%", "00:01:23", "$1,290.00"). ``read_landing_page_report`` finds the
landing-page table among the file's blocks, maps the interface's column names onto canonical ones,
parses the values and turns rates back into counts, so that ``kpikit.web.bounce_rate`` can weight
pages by their sessions (counts in, counts out).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, closest, describe_rows

__all__ = ["read_landing_page_report"]


#: Column names of the UA and GA4 interfaces (lower case) -> canonical names.
_LP_COLUMNS = {
    "landing page": "landing_page",
    "landing page + query string": "landing_page",
    "sessions": "sessions",
    "bounce rate": "bounce_rate",
    "engaged sessions": "engaged_sessions",
    "engagement rate": "engagement_rate",
    "pages / session": "pages_per_session",
    "pages/session": "pages_per_session",
    "views per session": "pages_per_session",
    "avg. session duration": "session_duration_mean_s",
    "average session duration": "session_duration_mean_s",
    "average engagement time per session": "engagement_time_mean_s",
    "average engagement time per active user": "engagement_time_per_user_s",
    "% new sessions": "new_session_share",
    "new users": "new_users",
    "active users": "active_users",
    "total users": "total_users",
    "users": "users",
    "goal conversion rate": "goal_conversion_rate",
    "goal completions": "conversions",
    "key events": "conversions",
    "conversions": "conversions",
    "goal value": "goal_value",
    "total revenue": "revenue",
}


_LP_COUNTS = {"sessions", "engaged_sessions", "new_users", "active_users", "total_users", "users", "conversions"}


_LP_RATES = {"bounce_rate", "engagement_rate", "new_session_share", "goal_conversion_rate"}


_LP_TIMES = {"session_duration_mean_s", "engagement_time_mean_s", "engagement_time_per_user_s"}


_LP_MONEY = {"goal_value", "revenue"}


def _snake(name: str) -> str:
    """A column name as snake_case ("Avg. Time on Page" -> "avg_time_on_page")."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_") or "column"


def read_landing_page_report(
    path: str | Path,
    kind: Literal["auto", "ua", "ga4"] = "auto",
    decimal: str = ".",
    columns: Mapping[str, str] | None = None,
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Read a GA4 or Universal Analytics landing-page report download (CSV) into aggregated rows.

    Handles the shapes of real downloads: "#" comment header blocks (UA: view, report and date range
    YYYYMMDD-YYYYMMDD; GA4: Account, Property, Start date, End date), several blocks in one file (the
    landing-page table is the block whose first column is "Landing Page", "Landing page" or
    "Landing page + query string"), thousands separators ("3,215"), percentages ("45.20%") or
    fractions (GA4), durations as HH:MM:SS, currency symbols, an unlabelled totals row or a "Grand
    total" row (moved to ``attrs["totals"]``), and Excel's trailing-comma padding.

    Counts are kept as counts: bounces = sessions - engaged sessions when the report has engaged
    sessions (GA4, exact); otherwise round(sessions x bounce rate), exact up to the report's rounding
    of the rate (UA's two decimals: within sessions x 0.00005). pageviews = round(pages per session x
    sessions).

    Parameters
    ----------
    path : str or Path
        The CSV download.
    kind : {"auto", "ua", "ga4"}
        Which tool exported it; "auto" decides from the comment header and column names. Sets the
        bounce definition (``attrs["definition"]``) used by :func:`kpikit.web.bounce_rate`.
    decimal : {".", ","}
        Decimal mark of a localised interface ("2.546" and "99,88%" with decimal=",").
    columns : mapping, optional
        Extra column names (e.g. a translated interface) -> canonical names (landing_page, sessions,
        bounce_rate, engaged_sessions, pages_per_session, conversions, ...).
    encoding : str
        Text encoding (UTF-8 with or without BOM by default).

    Returns
    -------
    DataFrame
        landing_page, any secondary dimension, sessions, bounces, bounce_rate (as reported), and what
        the report has of engaged_sessions, pageviews, pages_per_session, engagement_time_mean_s,
        session_duration_mean_s, conversions, revenue, ... ``attrs``: source, definition, date_range,
        totals (the report's totals row as a dict, or None).

    References
    ----------
    The CSV downloads of Universal Analytics' Behavior > Site Content > Landing Pages report and of
    GA4's Engagement > Landing page report; Google Analytics Help, "[GA4] Analytics dimensions and
    metrics" (the GA4 column names).

    Examples
    --------
    >>> ua = read_landing_page_report("data/sample/ua_landing_pages.csv")  # doctest: +SKIP
    >>> kk.web.bounce_rate(ua, by="landing_page", definition="ua")  # doctest: +SKIP
    """
    p = Path(path)
    name = p.name
    if decimal not in (".", ","):
        raise KpiDataError(f"decimal must be '.' or ',' (got {decimal!r}).")
    lines = _read_lines(p, encoding)
    comments = [ln.lstrip("#").strip() for ln in lines if ln.startswith("#")]
    mapping = {**_LP_COLUMNS, **{k.strip().lower(): v for k, v in (columns or {}).items()}}
    raw, header, file_line = _landing_page_table(lines, mapping, name)
    canon = _canonical_names(raw.columns, mapping)
    raw = raw.rename(columns=canon)
    if "sessions" not in raw.columns:
        close = closest("Sessions", list(canon), n=2, cutoff=0.4)
        raise KpiDataError(
            f"{name}: no 'Sessions' column in the landing-page table (columns: {', '.join(header)})."
            + (f" Closest: {close}." if close else "")
            + " Add it to the report, or map it with columns={...}."
        )
    kind = _report_kind(kind, comments, raw.columns, header)
    out, totals, line_no = _parse_table(raw, decimal, file_line, name)
    out = _add_counts(out, line_no, name)
    out.attrs.update({"source": name, "definition": kind, "date_range": _date_range(comments), "totals": totals})
    return out


def _read_lines(p: Path, encoding: str) -> list[str]:
    """The file's lines; a line of only separators is blank (Excel pads every line with commas)."""
    name = p.name
    try:
        text = p.read_text(encoding=encoding)
    except FileNotFoundError:
        raise KpiDataError(f"{p}: file not found.") from None
    except UnicodeDecodeError:
        raise KpiDataError(
            f"{name}: not {encoding} text; pass encoding='cp1252' or 'latin-1' if Excel re-saved it."
        ) from None
    lines = ["" if not ln.replace(",", "").replace(";", "").strip() else ln for ln in text.splitlines()]
    if not any(lines):
        raise KpiDataError(f"{name}: the file is empty.")
    return lines


def _landing_page_table(
    lines: list[str], mapping: Mapping[str, str], name: str
) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """The landing-page block of the file as text cells, its header and the file line of each row.

    The block starts at the first header line whose first cell maps to landing_page and ends at the
    next blank or comment line. Unnamed columns with no data (Excel's padding) are dropped.
    """
    header_at = None
    for i, ln in enumerate(lines):
        if not ln.strip() or ln.startswith("#"):
            continue
        first = next(csv.reader([ln]))[0].strip().lower()
        if mapping.get(first) == "landing_page":
            header_at = i
            break
    if header_at is None:
        raise KpiDataError(
            f"{name}: no landing-page table found (looked for a header starting with 'Landing Page', "
            "'Landing page' or 'Landing page + query string'). Download the Landing Pages report, or map "
            "your column with columns={'Your Column': 'landing_page'}."
        )
    stop = header_at + 1
    while stop < len(lines) and lines[stop].strip() and not lines[stop].startswith("#"):
        stop += 1
    rows = list(csv.reader(lines[header_at:stop]))
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    if not body:
        raise KpiDataError(f"{name}: the landing-page table has a header but no data rows.")
    width = len(header)
    body = [r + [""] * (width - len(r)) if len(r) < width else r for r in body]
    if any(len(r) > width and any(c.strip() for c in r[width:]) for r in body):
        bad = [header_at + 2 + i for i, r in enumerate(body) if len(r) > width and any(c.strip() for c in r[width:])]
        raise KpiDataError(f"{name}: {describe_rows(bad)} have more cells than the header; check the separators.")
    raw = pd.DataFrame([r[:width] for r in body], columns=header, dtype=object)
    raw = raw.loc[:, [bool(h) or raw.iloc[:, j].str.strip().ne("").any() for j, h in enumerate(header)]]
    file_line = np.arange(len(raw)) + header_at + 2
    return raw, header, file_line


def _canonical_names(headers: pd.Index, mapping: Mapping[str, str]) -> dict[str, str]:
    """Header -> canonical name: the mapping, UA's per-goal columns, else snake_case; duplicates numbered."""
    canon: dict[str, str] = {}
    for j, h in enumerate(headers):
        key = str(h).strip().lower()
        target = mapping.get(key)
        if target is None and re.search(r"\(goal \d+ completions\)$", key):
            target = "conversions"
        if target is None and re.search(r"\(goal \d+ conversion rate\)$", key):
            target = "goal_conversion_rate"
        if target is None and re.search(r"\(goal \d+ value\)$", key):
            target = "goal_value"
        if target is None:
            target = _snake(str(h))
        if target in canon.values():
            target = f"{target}_{j}"
        canon[h] = target
    return canon


def _report_kind(kind: str, comments: list[str], columns: pd.Index, header: list[str]) -> str:
    """The report kind, "ua" or "ga4": as given, or read from the comment header and columns for "auto"."""
    if kind == "auto":
        blob = " ".join(comments).lower()
        if (
            "account:" in blob
            or "property:" in blob
            or "engaged_sessions" in columns
            or "landing page + query string" in [h.lower() for h in header]
        ):
            kind = "ga4"
        else:
            kind = "ua"
    if kind not in ("ua", "ga4"):
        raise KpiDataError(f"kind must be 'auto', 'ua' or 'ga4' (got {kind!r}).")
    return kind


def _value_kind(col: str) -> str | None:
    """How a canonical column's cells are parsed: "count", "rate", "time", "money", "number", or None (text)."""
    if col in _LP_COUNTS:
        return "count"
    if col in _LP_RATES:
        return "rate"
    if col in _LP_TIMES:
        return "time"
    if col in _LP_MONEY:
        return "money"
    if col == "pages_per_session":
        return "number"
    return None


def _parse_column(
    raw: pd.DataFrame, col: str, what: str, decimal: str, total_mask: pd.Series, file_line: np.ndarray, name: str
) -> pd.Series:
    """The cells of one column as numbers of kind ``what``; cells that are not one fail (totals rows aside)."""
    thousands = "," if decimal == "." else "."
    s = raw[col].astype(str).str.strip().str.strip('"')
    empty = s.eq("") | s.str.lower().isin(["(not set)", "n/a", "--"])
    t = s.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    if what == "time":
        hms = t.str.fullmatch(r"\d+:\d{2}:\d{2}")
        parts = t.where(hms, "0:0:0").str.split(":", expand=True).astype(float)
        secs = parts[0] * 3600 + parts[1] * 60 + parts[2]
        num = pd.Series(np.where(hms, secs, np.nan), index=s.index)
        plain = ~hms & ~empty
        num[plain] = pd.to_numeric(
            t[plain].str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False), errors="coerce"
        )
    else:
        pct = t.str.endswith("%")
        t = t.str.replace(r"^[^\d\-.,]+|[^\d.,%]+$", "", regex=True) if what == "money" else t
        t = t.str.rstrip("%").str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False)
        num = pd.to_numeric(t.where(~empty), errors="coerce")
        if what == "rate":
            num = num.where(~pct, num / 100)
    bad = (num.isna() & ~empty & ~total_mask).to_numpy().copy()
    if what == "count":
        bad |= ((num != np.round(num)) | (num < 0)).fillna(False).to_numpy() & ~total_mask.to_numpy()
    if bad.any():
        lines_bad = file_line[bad].tolist()
        kind_word = {
            "count": "whole numbers",
            "rate": "rates (45.2% or 0.452)",
            "time": "durations (HH:MM:SS or seconds)",
            "money": "amounts",
            "number": "numbers",
        }[what]
        raise KpiDataError(
            f"{name}, column {col!r}: {int(bad.sum())} values are not {kind_word} (file {describe_rows(lines_bad)}; "
            f"first: {raw.loc[bad, col].iloc[0]!r}). Check the decimal mark (decimal=',' for '2.546' and "
            "'99,88%') or fix the cell."
        )
    return num


def _parse_table(
    raw: pd.DataFrame, decimal: str, file_line: np.ndarray, name: str
) -> tuple[pd.DataFrame, dict | None, np.ndarray]:
    """The parsed page rows, the totals row (a dict, or None) and the file line of each page row.

    The totals row is the one with an empty landing page (UA) or "Grand total" (GA4). Every page row
    needs sessions, and a bounce rate within 0-100% when the report has one.
    """
    lp = raw["landing_page"].astype(str).str.strip()
    total_mask = (lp == "") | lp.str.lower().isin(["grand total", "total", "totals"])
    out = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        what = _value_kind(col)
        if col == "landing_page":
            out[col] = lp
        elif what is not None:
            out[col] = _parse_column(raw, col, what, decimal, total_mask, file_line, name)
        else:
            out[col] = raw[col].astype(str).str.strip()  # a secondary dimension or an unknown column: text
    totals = out.loc[total_mask].iloc[0].to_dict() if total_mask.any() else None
    out = out.loc[~total_mask].reset_index(drop=True)
    line_no = file_line[~total_mask.to_numpy()]
    if out.empty:
        raise KpiDataError(f"{name}: the landing-page table has only a totals row, no pages.")
    if out["sessions"].isna().any():
        bad = out["sessions"].isna().to_numpy()
        raise KpiDataError(
            f"{name}, column 'sessions': {int(bad.sum())} rows have no value (file {describe_rows(line_no[bad].tolist())})."
        )
    if "bounce_rate" in out.columns:
        br = out["bounce_rate"]
        bad = (br.isna() | (br < 0) | (br > 1)).to_numpy() & ~((out["sessions"] == 0).to_numpy())
        if bad.any():
            raise KpiDataError(
                f"{name}, column 'bounce_rate': {int(bad.sum())} rows are missing or outside 0-100% "
                f"(file {describe_rows(line_no[bad].tolist())}; first: {br[bad].iloc[0]!r})."
            )
    return out, totals, line_no


def _add_counts(out: pd.DataFrame, line_no: np.ndarray, name: str) -> pd.DataFrame:
    """Add bounces (and pageviews) as counts; columns ordered: text columns, sessions, bounces, the rest.

    bounces = sessions - engaged sessions when the report has them (GA4, exact), else
    round(sessions x bounce rate); pageviews = round(pages per session x sessions).
    """
    if "engaged_sessions" in out.columns and out["engaged_sessions"].notna().all():
        out["bounces"] = out["sessions"] - out["engaged_sessions"]
    elif "bounce_rate" in out.columns:
        out["bounces"] = np.round(out["sessions"] * out["bounce_rate"].fillna(0))
    else:
        raise KpiDataError(
            f"{name}: the report has neither 'Bounce rate' nor 'Engaged sessions', so bounces cannot be "
            "counted. Add one of these metrics to the report before downloading."
        )
    bad = ((out["bounces"] < 0) | (out["bounces"] > out["sessions"])).to_numpy()
    if bad.any():
        raise KpiDataError(
            f"{name}: {int(bad.sum())} rows have more engaged sessions than sessions (file {describe_rows(line_no[bad].tolist())})."
        )
    out["sessions"] = out["sessions"].astype(np.int64)
    out["bounces"] = out["bounces"].astype(np.int64)
    if "pages_per_session" in out.columns:
        out["pageviews"] = np.round(out["pages_per_session"] * out["sessions"])
    lead = ["landing_page"] + [
        c for c in out.columns if c not in ("landing_page", "sessions", "bounces") and out[c].dtype == object
    ]
    rest = [c for c in out.columns if c not in lead and c not in ("sessions", "bounces")]
    return out[[*lead, "sessions", "bounces", *rest]]


def _date_range(comments: list[str]) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The report's date range from its comment header: UA's "YYYYMMDD-YYYYMMDD", GA4's start and end dates."""
    dates = None
    for c in comments:
        m = re.fullmatch(r"(\d{8})-(\d{8})", c)
        if m:
            dates = (pd.Timestamp(m.group(1)), pd.Timestamp(m.group(2)))
    start = next(
        (
            re.search(r"\d{8}", c).group(0)
            for c in comments
            if c.lower().startswith("start date") and re.search(r"\d{8}", c)
        ),
        None,
    )
    end = next(
        (
            re.search(r"\d{8}", c).group(0)
            for c in comments
            if c.lower().startswith("end date") and re.search(r"\d{8}", c)
        ),
        None,
    )
    if start and end:
        dates = (pd.Timestamp(start), pd.Timestamp(end))
    return dates
