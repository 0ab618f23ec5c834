"""The canonical tables of kpikit (``TABLES``): every column, its kind, range and rules, declared once."""

from __future__ import annotations

import pandas as pd

from kpikit.errors import KpiDataError, closest
from kpikit.schemas.spec import _DROP_HINT, RowRule, TableSpec, _c, _count

__all__ = ["TABLES", "table_spec"]


_SURVEY_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _survey_score_ok(df: pd.DataFrame) -> pd.Series:
    kind = df["kind"].astype(object)
    score = df["score"].astype("float64")
    ok = pd.Series(True, index=df.index)
    for k, (lo, hi) in _SURVEY_RANGES.items():
        sel = (kind == k).to_numpy(dtype=bool, copy=True)
        good = score.between(lo, hi)
        if k == "nps":
            good &= (score % 1) == 0
        ok[sel] = good[sel] | score[sel].isna()
    return ok


def _quartiles_ok(df: pd.DataFrame) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    cols = [c for c in ("p25", "p50", "p75") if c in df.columns]
    for a, b in zip(cols, cols[1:]):
        x, y = df[a].astype("float64"), df[b].astype("float64")
        ok &= ~(x > y)
    # p25 <= p75 also when p50 is missing
    if "p25" in df.columns and "p75" in df.columns:
        ok &= ~(df["p25"].astype("float64") > df["p75"].astype("float64"))
    return ok


def _has_level(df: pd.DataFrame) -> pd.Series:
    ok = pd.Series(False, index=df.index)
    for c in ("p50", "value"):
        if c in df.columns:
            ok |= df[c].notna()
    return ok


_ORDER_FIX = "Fix the export (a stage cannot come before the record exists), " + _DROP_HINT + "."


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "events",
            "One row per tracked event (GA4-like): who, when, what, where.",
            (
                _c("user_id", "id", True, description="pseudonymous user (GA4 user_pseudo_id)"),
                _c("timestamp", "timestamp", True, description="when the event happened (UTC)"),
                _c("event", "str", True, description="event name (page_view, purchase, ...)"),
                _c("session_id", "id"),
                _c("page", "str"),
                _c("source", "str"),
                _c("medium", "str"),
                _c("channel", "str"),
                _c("device", "str"),
                _c("country", "str"),
                _c("value", "money", min=0, description="monetary value of the event"),
                _c("engagement_time_msec", "float", min=0),
            ),
            time_column="timestamp",
        ),
        TableSpec(
            "sessions",
            "One row per web session.",
            (
                _c("session_id", "id", True, unique=True),
                _c("start", "timestamp", True, description="session start (UTC)"),
                _c("user_id", "id"),
                _c("landing_page", "str"),
                _c("source", "str"),
                _c("medium", "str"),
                _c("channel", "str"),
                _c("device", "str"),
                _c("country", "str"),
                _count("pageviews"),
                _c("engagement_time_s", "float", min=0),
                _count("conversions"),
                _c("engaged", "bool"),
                _c("is_new_user", "bool"),
                _c("variant", "str", description="A/B test variant, empty when not in a test"),
            ),
            time_column="start",
        ),
        TableSpec(
            "leads",
            "One row per CRM lead, with the time it reached each stage (empty if never).",
            (
                _c("lead_id", "id", True, unique=True),
                _c("created_at", "timestamp", True),
                _c("source", "str"),
                _c("channel", "str"),
                *(
                    _c(s, "timestamp", not_before="created_at")
                    for s in ("lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at")
                ),
                _c("value", "money", min=0),
            ),
            time_column="created_at",
        ),
        TableSpec(
            "touchpoints",
            "One row per marketing touch of a user's journey.",
            (
                _c("user_id", "id", True),
                _c("timestamp", "timestamp", True),
                _c("channel", "str", True),
                _c("converted", "bool"),
                _c("value", "money", min=0),
            ),
            time_column="timestamp",
        ),
        TableSpec(
            "spend",
            "Marketing and sales cost per period and channel.",
            (
                _c("period", "date", True, description="first day of the period"),
                _c("channel", "str", True),
                _c("cost", "money", True, min=0),
                _c("category", "category", allowed=("digital", "outbound", "labour", "tools")),
            ),
            time_column="period",
        ),
        TableSpec(
            "subscriptions",
            "One row per subscription; end is empty while it is active.",
            (
                _c("customer_id", "id", True),
                _c("subscription_id", "id", True, unique=True),
                _c("start", "timestamp", True),
                _c("plan", "str"),
                _c("interval", "category", allowed=("month", "year", "week", "day")),
                _c("amount", "money", min=0, description="price per interval"),
                _c(
                    "end",
                    "timestamp",
                    not_before="start",
                    open_end=True,
                    description="when it ended; empty (or a 9999-12-31 style marker) while active",
                ),
                _c("quantity", "int", min=1),
            ),
            time_column="start",
        ),
        TableSpec(
            "transactions",
            "One row per purchase.",
            (
                _c("customer_id", "id", True),
                _c("timestamp", "timestamp", True),
                _c("amount", "money", True, min=0),
                _c("channel", "str"),
            ),
            time_column="timestamp",
        ),
        TableSpec(
            "surveys",
            "One row per survey answer (NPS 0-10, CSAT 1-5, CES 1-7).",
            (
                _c("respondent_id", "id", True),
                _c("timestamp", "timestamp", True),
                _c("kind", "category", True, allowed=("nps", "csat", "ces")),
                _c("score", "float", True),
                _c("customer_id", "id"),
            ),
            time_column="timestamp",
            rules=(
                RowRule(
                    "score_range",
                    ("kind", "score"),
                    "score",
                    _survey_score_ok,
                    "{have} a score outside the scale of their kind (nps: whole numbers 0-10, csat: 1-5, ces: 1-7)",
                    "Check the survey kind of these rows or rescale the scores in the export, " + _DROP_HINT + ".",
                    ("kind", "score"),
                ),
            ),
        ),
        TableSpec(
            "tickets",
            "One row per support ticket.",
            (
                _c("ticket_id", "id", True, unique=True),
                _c("created_at", "timestamp", True),
                _c("customer_id", "id"),
                _c("first_response_at", "timestamp", not_before="created_at"),
                _c("solved_at", "timestamp", not_before="created_at"),
                _count("agent_replies"),
                _c("reopened_at", "timestamp"),
                _c("channel", "str"),
            ),
            time_column="created_at",
        ),
        TableSpec(
            "social",
            "Social media figures per date, platform and brand (the client and competitors).",
            (
                _c("date", "date", True),
                _c("platform", "str", True),
                _c("brand", "str", True),
                *(
                    _count(n)
                    for n in (
                        "followers",
                        "impressions",
                        "reach",
                        "likes",
                        "comments",
                        "shares",
                        "mentions",
                        "clicks",
                        "conversions",
                        "posts",
                    )
                ),
            ),
            time_column="date",
        ),
        TableSpec(
            "benchmarks",
            "Published industry figures: quartiles or a single value, with their source.",
            (
                _c("metric", "str", True),
                _c("source", "str", True),
                _c("segment", "str"),
                _c("p25", "percent"),
                _c("p50", "percent"),
                _c("p75", "percent"),
                _c("value", "percent"),
                _c("n", "int", min=0),
                _c("year", "int", min=1900, max=2100),
                _c("unit", "str"),
                _c("note", "str"),
            ),
            time_column=None,
            rules=(
                RowRule(
                    "quartile_order",
                    ("p25",),
                    "p25/p50/p75",
                    _quartiles_ok,
                    "{have} quartiles out of order (p25 <= p50 <= p75 must hold)",
                    "Check these rows against their published source, " + _DROP_HINT + ".",
                    ("metric", "p25", "p50", "p75"),
                ),
                RowRule(
                    "needs_level",
                    ("metric",),
                    "p50/value",
                    _has_level,
                    "{have} neither p50 nor value",
                    "Give each benchmark a median (p50) or a single value, " + _DROP_HINT + ".",
                    ("metric", "source"),
                ),
            ),
        ),
    )
}


def table_spec(table: str) -> TableSpec:
    """The ``TableSpec`` of a canonical table; a KpiDataError naming the canonical tables if unknown.

    Parameters
    ----------
    table : str
        Canonical table name (a key of ``TABLES``).

    Returns
    -------
    TableSpec

    Raises
    ------
    KpiDataError
        For an unknown name, with the closest canonical table and the list of them.

    Examples
    --------
    >>> table_spec("transactions").required
    ('customer_id', 'timestamp', 'amount')
    """
    try:
        return TABLES[table]
    except (KeyError, TypeError):
        close = closest(str(table), TABLES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KpiDataError(f"Unknown table {table!r}.{hint} Canonical tables: {', '.join(TABLES)}.") from None
