"""Canonical tables of kpikit: their columns, types, ranges and rules, as data and as pandera schemas.

Every table that kpikit's analyses take (``events``, ``sessions``, ``leads``, ...) is declared once,
in ``TABLES``: for each column its *kind* (what values it holds), whether it is required, and the
rules its values follow (ranges, allowed values, uniqueness, "not before" another time column).
From that one declaration come

- the pandera ``DataFrameSchema`` of each table (``schema("events")``),
- the parsing ``kpikit.io.read_table`` applies (which columns expect numbers, money, percentages,
  booleans or timestamps), and
- ``validate(df, table)``, which converts a frame to canonical dtypes and checks it, raising
  ``KpiDataError`` messages that name the source, the column, the offending rows and the fix.

Canonical dtypes
----------------
=============  ====================================================================================
kind           dtype after ``validate`` / ``read_table``
=============  ====================================================================================
id, str,       pandas' default string dtype (``str``; missing values are NaN). Numbers in an id
category       column become their text ("1001", never "1001.0").
int            ``Int64`` (nullable integer), whether or not values are missing.
float, money,  ``float64``.
percent
bool           ``boolean`` (nullable boolean), from true/false, 1/0, yes/no (any case).
timestamp,     ``datetime64[ns]``, tz-naive UTC. Aware values are converted to UTC and the zone is
date           dropped; naive values are kept as they are (assumed UTC, or pass ``tz=`` to say
               which zone they are in). Date columns hold midnights.
=============  ====================================================================================

Columns the spec does not know are kept unchanged. Optional columns are checked when present.
Empty cells are missing values, allowed only in optional columns.

Examples
--------
>>> import kpikit as kk
>>> kk.schemas.TABLES["sessions"].required
('session_id', 'start')
>>> kk.schemas.TABLES["transactions"].column("amount").kind
'money'
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from kpikit.errors import KpiDataError, KpiWarning, describe_rows

__all__ = [
    "Kind",
    "ColumnSpec",
    "RowRule",
    "TableSpec",
    "TABLES",
    "schema",
    "validate",
    "table_spec",
    "closest_columns",
    "require_columns",
    "column_list",
    "NUMBER_KINDS",
    "TIME_KINDS",
    "TEXT_KINDS",
]

Kind = Literal["id", "str", "category", "int", "float", "money", "percent", "bool", "timestamp", "date"]

NUMBER_KINDS = frozenset({"int", "float", "money", "percent"})
TIME_KINDS = frozenset({"timestamp", "date"})
TEXT_KINDS = frozenset({"id", "str", "category"})

_DTYPES = {
    "id": "str", "str": "str", "category": "str", "int": "Int64", "float": "float64",
    "money": "float64", "percent": "float64", "bool": "boolean", "timestamp": "datetime64[ns]",
    "date": "datetime64[ns]",
}

_DROP_HINT = "or pass drop_invalid=True to drop these rows (they will be reported)"


# ----------------------------------------------------------------------------------------------
# Declarations
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table.

    Attributes
    ----------
    name : str
        Canonical column name.
    kind : str
        What the values are: "id", "str", "category" (text from ``allowed``), "int", "float",
        "money" (currency symbols accepted), "percent" ("45%" read as 0.45), "bool", "timestamp",
        "date".
    required : bool
        The table cannot be used without this column. Required columns may not hold empty cells.
    unique : bool
        Values identify rows (a key).
    min, max : float or None
        Inclusive range of the values.
    allowed : tuple of str or None
        The only values a "category" column may hold.
    not_before : str or None
        For time columns: the column this one may not precede (``end`` not before ``start``).
    description : str
        What the column means, for documentation and error messages.
    """

    name: str
    kind: Kind
    required: bool = False
    unique: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    not_before: str | None = None
    description: str = ""

    @property
    def nullable(self) -> bool:
        """Optional columns may hold empty cells; required ones may not."""
        return not self.required

    @property
    def dtype(self) -> str:
        """The canonical pandas dtype of the column."""
        return _DTYPES[self.kind]


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of one row (e.g. a score range that depends on the survey kind).

    ``check(frame)`` returns a boolean Series, True where the row is valid; it is only applied when
    all of ``needs`` are present. ``column`` is the column named in error messages, ``problem`` the
    phrase after "<n> rows" (with ``{be}`` for is/are), ``show`` the columns quoted for the first
    offending row.
    """

    name: str
    needs: tuple[str, ...]
    column: str
    check: Callable[[pd.DataFrame], pd.Series]
    problem: str
    fix: str
    show: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns, its main time column and its cross-column rules."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    time_column: str | None = None
    rules: tuple[RowRule, ...] = field(default_factory=tuple)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        """Names of the optional columns."""
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def names(self) -> tuple[str, ...]:
        """All canonical column names, required first as declared."""
        return tuple(c.name for c in self.columns)

    @property
    def key(self) -> tuple[str, ...]:
        """Columns whose values must be unique."""
        return tuple(c.name for c in self.columns if c.unique)

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name`` (KeyError if the table has no such column)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def has(self, name: str) -> bool:
        """Whether ``name`` is a canonical column of the table."""
        return any(c.name == name for c in self.columns)

    def of_kind(self, *kinds: str) -> tuple[str, ...]:
        """Names of the columns of the given kinds, e.g. ``of_kind("money")``."""
        return tuple(c.name for c in self.columns if c.kind in kinds)


def _c(name: str, kind: Kind, required: bool = False, **kw: Any) -> ColumnSpec:
    return ColumnSpec(name, kind, required, **kw)


def _count(name: str) -> ColumnSpec:
    return ColumnSpec(name, "int", min=0)


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
                _c("end", "timestamp", not_before="start"),
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
                    "{have} a score outside the scale of their kind "
                    "(nps: whole numbers 0-10, csat: 1-5, ces: 1-7)",
                    "Check the survey kind of these rows or rescale the scores in the export, "
                    + _DROP_HINT + ".",
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
                    for n in ("followers", "impressions", "reach", "likes", "comments", "shares",
                              "mentions", "clicks", "conversions", "posts")
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
    """The ``TableSpec`` of ``table``; a KpiDataError naming the canonical tables if unknown."""
    try:
        return TABLES[table]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(table), list(TABLES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KpiDataError(
            f"Unknown table {table!r}.{hint} Canonical tables: {', '.join(TABLES)}."
        ) from None


# ----------------------------------------------------------------------------------------------
# pandera schemas
# ----------------------------------------------------------------------------------------------

def _err(code: str, column: str, arg: str = "") -> str:
    # The error string pandera reports for a failed check; parsed back in _pandera_problems.
    return f"kk|{code}|{column}|{arg}"


def _not_before(col: str, other: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        if col not in df.columns or other not in df.columns:
            return pd.Series(True, index=df.index)
        return ~(df[col] < df[other]).fillna(False).astype(bool)

    return check


def _rule_check(rule: RowRule) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        if not all(c in df.columns for c in rule.needs):
            return pd.Series(True, index=df.index)
        return rule.check(df).fillna(True).astype(bool)

    return check


def schema(table: str, allow_negative: bool = False) -> pa.DataFrameSchema:
    """The pandera schema of a canonical table, built from ``TABLES``.

    Parameters
    ----------
    table : str
        Canonical table name (a key of ``TABLES``).
    allow_negative : bool
        Drop the ``>= 0`` check of money columns (amount, cost, value), for data that keeps refunds.

    Returns
    -------
    pandera.DataFrameSchema
        Columns with canonical dtypes, nullability, ranges, allowed values and uniqueness; optional
        columns are ``required=False``; unknown columns are allowed (``strict=False``); cross-column
        rules ("not before", survey score ranges, quartile order) are DataFrame-level checks.
        The schema checks frames already in canonical dtypes: use ``validate`` (or
        ``kpikit.io.read_table``) for raw frames, which converts them first and words the errors.

    Examples
    --------
    >>> import kpikit as kk
    >>> s = kk.schemas.schema("spend")
    >>> sorted(s.columns)
    ['category', 'channel', 'cost', 'period']
    """
    spec = table_spec(table)
    cols = {}
    frame_checks = []
    for c in spec.columns:
        checks = []
        lo = c.min
        if lo is not None and not (allow_negative and c.kind == "money"):
            checks.append(pa.Check(lambda s, lo=lo: s >= lo, error=_err("min", c.name, str(lo))))
        if c.max is not None:
            checks.append(pa.Check(lambda s, hi=c.max: s <= hi, error=_err("max", c.name, str(c.max))))
        if c.allowed is not None:
            allowed = list(c.allowed)
            checks.append(pa.Check(lambda s, a=allowed: s.isin(a), error=_err("isin", c.name)))
        cols[c.name] = pa.Column(
            c.dtype,
            checks=checks,
            nullable=c.nullable,
            unique=c.unique,
            report_duplicates="exclude_first",
            required=c.required,
        )
        if c.not_before is not None:
            frame_checks.append(
                pa.Check(_not_before(c.name, c.not_before), error=_err("order", c.name, c.not_before))
            )
    for rule in spec.rules:
        frame_checks.append(pa.Check(_rule_check(rule), error=_err("rule", rule.column, rule.name)))
    return pa.DataFrameSchema(cols, checks=frame_checks, strict=False, coerce=False, name=spec.name)


# ----------------------------------------------------------------------------------------------
# Problems and their messages
# ----------------------------------------------------------------------------------------------

@dataclass
class _Problem:
    column: str
    bad: np.ndarray  # boolean, one per row of the frame being checked
    problem: str  # phrase after "<n> rows", with {be}/{have} for agreement
    fix: str
    first: Callable[[int], str] | None = None  # position -> description of that row
    droppable: bool = True


def _agree(phrase: str, n: int) -> str:
    return phrase.replace("{be}", "is" if n == 1 else "are").replace("{have}", "has" if n == 1 else "have")


def _fmt_value(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "(empty)"
    if isinstance(v, pd.Timestamp):
        return v.isoformat(sep=" ") if (v.hour or v.minute or v.second) else v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v)) if abs(v) < 1e15 else repr(v)
    return repr(v) if isinstance(v, str) else str(v)


class _Rows:
    """Row identification for messages: file row numbers, or index labels for DataFrames."""

    def __init__(self, labels: Sequence[Any] | np.ndarray, in_file: bool):
        self.labels = np.asarray(labels, dtype=object)
        self.in_file = in_file

    def describe(self, positions: np.ndarray, limit: int = 5) -> str:
        labels = self.labels[positions]
        if self.in_file:
            return "file " + describe_rows([int(x) for x in labels], limit=limit)
        shown = ", ".join(str(x) for x in labels[:limit])
        more = f" (and {len(labels) - limit} more)" if len(labels) > limit else ""
        return f"index {shown}{more}"

    def label(self, position: int) -> str:
        lab = self.labels[position]
        return f"file row {int(lab)}" if self.in_file else f"index {lab}"


def _message(source: str, problems: Sequence[_Problem], rows: _Rows) -> str:
    lines = []
    for p in problems:
        pos = np.flatnonzero(p.bad)
        n = len(pos)
        if n:
            first = p.first(int(pos[0])) if p.first is not None else ""
            detail = f" ({rows.describe(pos)}" + (f"; first: {first})" if first else ")")
            lines.append(f"{source}, column '{p.column}': {n} {'row' if n == 1 else 'rows'} "
                         f"{_agree(p.problem, n)}{detail}. {p.fix}")
        else:  # a column-level problem without specific rows
            lines.append(f"{source}, column '{p.column}': {_agree(p.problem, 2)}. {p.fix}")
    if len(lines) == 1:
        return lines[0]
    return f"{source}: {len(lines)} problems\n" + "\n".join(f"- {line}" for line in lines)


def column_list(by: str | Sequence[str] | None) -> list[str]:
    """The ``by=`` argument of a breakdown as a list of column names: None, one name, or several.

    Examples
    --------
    >>> column_list(None), column_list("channel"), column_list(("channel", "device"))
    ([], ['channel'], ['channel', 'device'])
    """
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def require_columns(frame, columns: Sequence[str], what: str, fix: str = "") -> None:
    """Raise KpiDataError when ``frame`` lacks any of ``columns``: the check every kpikit function
    makes on its input frame, with one message shape.

    The message names the table (``what``), each missing column with the closest existing names, and
    the fix (by default: map the export's columns with ``kk.read_table(..., columns=...)``).

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"Session Start": [1]}), ["session_id", "start"], "sessions")
    Traceback (most recent call last):
    ...
    kpikit.errors.KpiDataError: sessions: missing column(s) 'session_id', 'start' (closest to 'session_id': 'Session Start'; closest to 'start': 'Session Start'; columns present: 'Session Start'). Map the export's columns onto the canonical names with kk.read_table(..., columns={...}) or a mapping file. For example: columns={'Session Start': 'session_id'}.
    """
    if not isinstance(frame, pd.DataFrame):
        raise KpiDataError(f"{what} must be a pandas DataFrame (got {type(frame).__name__}).")
    present = [str(c) for c in frame.columns]
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if not missing:
        return
    hints, mapping = [], {}
    for c in missing:
        close = [x for x in closest_columns(c, present, n=2) if x not in columns]
        if close:
            hints.append(f"closest to {c!r}: " + ", ".join(repr(x) for x in close))
            mapping.setdefault(close[0], c)
    shown = ", ".join(repr(c) for c in present[:20]) + (", ..." if len(present) > 20 else "")
    detail = "; ".join(hints + [f"columns present: {shown or 'none'}"])
    fix = fix or ("Map the export's columns onto the canonical names with kk.read_table(..., columns={...}) "
                  "or a mapping file.")
    example = f" For example: columns={mapping!r}." if mapping else ""
    raise KpiDataError(f"{what}: missing column(s) {', '.join(repr(c) for c in missing)} ({detail}). {fix}{example}")


def closest_columns(name: str, available: Sequence[str], n: int = 3) -> list[str]:
    """The columns of ``available`` most like ``name`` (difflib on normalised names, containment first).

    Examples
    --------
    >>> closest_columns("start", ["Session Start", "Landing Page", "Device"])
    ['Session Start']
    """
    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9]+", "_", str(s).lower()).strip("_")

    target = norm(name)
    scored = []
    for col in available:
        c = norm(col)
        if not c:
            continue
        ratio = difflib.SequenceMatcher(None, target, c).ratio()
        tokens = set(c.split("_"))
        if target == c:
            score = 2.0
        elif target in tokens or set(target.split("_")) <= tokens:
            score = 1.0 + ratio
        elif target in c or c in target:
            score = 0.8 + ratio / 2
        else:
            score = ratio
        if score >= 0.6:
            scored.append((-score, str(col)))
    return [c for _, c in sorted(scored)[:n]]


def _missing_column_message(source: str, spec: TableSpec, missing: Sequence[str],
                            available: Sequence[str], mapping: Mapping[str, str] | None) -> str:
    parts = []
    mapping = dict(mapping or {})
    inverse = {v: k for k, v in mapping.items()}
    for col in missing:
        if col in inverse:
            parts.append(
                f"{source}: required column '{col}' is missing: the mapping renames "
                f"'{inverse[col]}' to '{col}', but there is no column '{inverse[col]}'. "
                f"Columns present: {', '.join(repr(str(a)) for a in available) or 'none'}."
            )
            continue
        close = [c for c in closest_columns(col, available) if c not in mapping]
        if close:
            hint = (f"Closest existing columns: {', '.join(repr(c) for c in close)}. If '{close[0]}' "
                    f"holds it, map it: columns={{\"{close[0]}\": \"{col}\"}} (or add "
                    f"\"{close[0]}\": {col} under '{spec.name}:' in the mapping file).")
        else:
            hint = (f"Columns present: {', '.join(repr(str(a)) for a in available) or 'none'}. "
                    f"Map the column that holds it, e.g. columns={{\"Your Column\": \"{col}\"}}.")
        what = spec.column(col).description
        what = f" ({what})" if what else ""
        parts.append(f"{source}: required column '{col}'{what} is missing. {hint}")
    if len(parts) > 1:
        parts.append(f"Table '{spec.name}' requires: {', '.join(spec.required)}.")
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------------
# Conversion of one column to its canonical dtype
# ----------------------------------------------------------------------------------------------

_CURRENCY = "$€£¥₹"
_CURRENCY_RE = f"[{re.escape(_CURRENCY)}]"
_TZ_SUFFIX = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$"
# the same test written for pyarrow's fast regex path (fullmatch, ASCII classes)
_TZ_SUFFIX_TEST = r".*[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? *(Z|[+-][0-9]{2}(:?[0-9]{2})?)"


_PLAIN = {".": r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", ",": r"[+-]?[0-9]+([eE][+-]?[0-9]+)?"}


def _number_pattern(decimal: str) -> str:
    thousands = "[,'\u00a0\u202f ]" if decimal == "." else "[.'\u00a0\u202f ]"
    d = re.escape(decimal)
    return (rf"[+-]?(?:(?:\d{{1,3}}(?:{thousands}\d{{3}})+|\d+)(?:{d}\d*)?|{d}\d+)"
            rf"(?:[eE][+-]?\d+)?")


def _is_text_dtype(dtype: Any) -> bool:
    return pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)


def _empty_mask(s: pd.Series) -> np.ndarray:
    isna = s.isna().to_numpy(dtype=bool, copy=True)
    if _is_text_dtype(s.dtype):
        blank = (s == "") | s.str.isspace()
        return isna | blank.fillna(False).to_numpy(dtype=bool, copy=True)
    if pd.api.types.is_object_dtype(s.dtype):
        return isna | s.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool, copy=True)
    return isna


def _first_value(values: pd.Series) -> Callable[[int], str]:
    return lambda i: _fmt_value(values.iloc[i])


class _Converter:
    """Turns raw columns into canonical dtypes, collecting problems instead of coercing."""

    def __init__(self, decimal: str, tz: str | None, date_format: str | None,
                 na_values: Sequence[str] | None):
        if decimal not in (".", ","):
            raise KpiDataError(f"decimal must be '.' or ',', not {decimal!r}.")
        self.decimal = decimal
        self.tz = tz
        self.date_format = date_format
        self.na_values = set(na_values or ())
        self.problems: list[_Problem] = []
        self._raw = pd.Series(dtype=object)  # the column being converted (for messages)

    # -- helpers -------------------------------------------------------------------------------
    def _problem(self, col: str, bad: np.ndarray, problem: str, fix: str, raw: pd.Series,
                 droppable: bool = True) -> None:
        self.problems.append(_Problem(col, np.asarray(bad, dtype=bool), problem, fix,
                                      _first_value(raw), droppable))

    def _blank(self, s: pd.Series) -> np.ndarray:
        empty = _empty_mask(s)
        if self.na_values:
            empty |= s.astype(object).isin(self.na_values).to_numpy(dtype=bool, copy=True)
        return empty

    def convert(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        self._raw = s
        if spec.kind in TEXT_KINDS:
            return self._text(s, spec)
        if spec.kind in NUMBER_KINDS:
            return self._number(s, spec)
        if spec.kind == "bool":
            return self._bool(s, spec)
        return self._time(s, spec)

    # -- text ----------------------------------------------------------------------------------
    def _text(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        empty = self._blank(s)
        if pd.api.types.is_bool_dtype(s.dtype):
            out = s.astype(object).map(str, na_action="ignore")
        elif pd.api.types.is_numeric_dtype(s.dtype):
            v = s.astype("float64")
            whole = (v % 1 == 0).fillna(True).all()
            out = (v.astype("Int64") if whole else v).astype(str).astype(object)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            out = s.astype(str).astype(object)
        elif _is_text_dtype(s.dtype):
            out = s.astype("str")
            return out.where(~empty) if empty.any() else out
        else:
            out = s.astype(object).map(_text_of, na_action="ignore")
        out = pd.Series(out.to_numpy(dtype=object), index=s.index)
        out[empty] = np.nan
        return out.astype("str")

    # -- numbers -------------------------------------------------------------------------------
    def _number(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_bool_dtype(s.dtype):
            self._problem(col, s.notna().to_numpy(dtype=bool, copy=True), "{have} a true/false value, not a number",
                          "Map a numeric column to it instead.", s, droppable=False)
            return pd.Series(np.nan, index=s.index, dtype="float64")
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            self._problem(col, s.notna().to_numpy(dtype=bool, copy=True), "{have} a date, not a number",
                          "Map a numeric column to it instead.", s, droppable=False)
            return pd.Series(np.nan, index=s.index, dtype="float64")
        if pd.api.types.is_numeric_dtype(s.dtype):
            values = s.astype("float64")
        else:
            values = self._parse_numbers(s, spec)
        values = pd.Series(values.to_numpy(dtype="float64"), index=s.index)
        if spec.kind == "int":
            frac = (values % 1 != 0) & values.notna() & np.isfinite(values)
            if frac.any():
                self._problem(col, frac.to_numpy(), "{have} a fractional value, but the column counts things",
                              f"'{col}' counts things: fix the export, " + _DROP_HINT + ".", s)
                values = values.where(~frac)
            return values.astype("Int64")
        inf = np.isinf(values.to_numpy())
        if inf.any():
            self._problem(col, inf, "{have} an infinite value", "Fix the export, " + _DROP_HINT + ".", s)
        return values

    def _parse_numbers(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        empty = self._blank(s)
        obj = s.astype(object) if pd.api.types.is_object_dtype(s.dtype) else s
        is_num = obj.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool),
                         na_action="ignore").fillna(False).to_numpy(dtype=bool, copy=True) \
            if pd.api.types.is_object_dtype(s.dtype) else np.zeros(len(s), dtype=bool)
        result = np.full(len(s), np.nan)
        if is_num.any():
            result[is_num] = obj[is_num].astype("float64").to_numpy()
        todo = ~is_num & ~empty
        if not todo.any():
            return pd.Series(result, index=s.index)
        tt = _strings(s[todo]).str.strip()
        # fast path: plain numbers ("12", "-3.5", "1e3") need no cleaning
        plain = tt.str.fullmatch(_PLAIN[self.decimal]).fillna(False).to_numpy(dtype=bool, copy=True)
        if plain.any():
            result[np.flatnonzero(todo)[plain]] = tt[plain].astype("float64").to_numpy()
            todo[np.flatnonzero(todo)[plain]] = False
            if not todo.any():
                return pd.Series(result, index=s.index)
            tt = tt[~plain]
        tt = tt.str.replace("\u00a0", " ", regex=False)

        # currency symbols: only in money columns, one currency per column
        has_cur = tt.str.contains(_CURRENCY_RE, regex=True).to_numpy(dtype=bool, copy=True)
        if has_cur.any():
            if spec.kind != "money":
                bad = np.zeros(len(s), dtype=bool)
                bad[np.flatnonzero(todo)[has_cur]] = True
                self._problem(col, bad, "{have} a currency amount, but the column is not a money column",
                              f"Check that the right column is mapped to '{col}', or strip the "
                              "currency symbols in the export.", s)
            else:
                symbols = set("".join(tt[has_cur].str.findall(_CURRENCY_RE).map("".join)))
                if len(symbols) > 1:
                    bad = np.zeros(len(s), dtype=bool)
                    bad[np.flatnonzero(todo)[has_cur]] = True
                    self._problem(col, bad, f"{{have}} a currency symbol, and the column mixes currencies ({', '.join(sorted(symbols))})",
                                  "Convert the amounts to one currency before reading them.", s,
                                  droppable=False)
            tt = tt.str.replace(_CURRENCY_RE, "", regex=True).str.strip()
            tt = tt.str.replace(r"^([+-])\s+", r"\1", regex=True)

        # percentages: only in percent columns
        pct = tt.str.endswith("%").to_numpy(dtype=bool, copy=True)
        if pct.any():
            if spec.kind != "percent":
                bad = np.zeros(len(s), dtype=bool)
                bad[np.flatnonzero(todo)[pct]] = True
                self._problem(col, bad, "{have} a percentage, but the column expects plain numbers",
                              f"Check that the right column is mapped to '{col}', or write the "
                              "values without '%'.", s)
            tt = tt.str.replace(r"\s*%$", "", regex=True)

        pattern = _number_pattern(self.decimal)
        ok = tt.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool, copy=True)
        thousands = r"[,'\u00a0\u202f ]" if self.decimal == "." else r"[.'\u00a0\u202f ]"
        clean = tt.where(ok, "0").str.replace(thousands, "", regex=True)
        if self.decimal == ",":
            clean = clean.str.replace(",", ".", regex=False)
        nums = np.array(pd.to_numeric(clean, errors="coerce"), dtype="float64")
        nums[pct] = nums[pct] / 100.0
        nums[~ok] = np.nan
        result[np.flatnonzero(todo)] = nums
        if not ok.all():
            bad = np.zeros(len(s), dtype=bool)
            bad[np.flatnonzero(todo)[~ok]] = True
            other = "," if self.decimal == "." else "."
            alt_ok = tt[~ok].str.fullmatch(_number_pattern(other)).fillna(False)
            if alt_ok.all():
                fix = (f"They look like numbers written with '{other}' as decimal mark: pass "
                       f"decimal=\"{other}\" to read them.")
                problem = f"{{have}} a number written in another format than decimal=\"{self.decimal}\""
            else:
                fix = (f"Clean the export (blank or fix these cells; pass na_values=[...] if a "
                       f"marker such as 'n/a' means no value), or map another column to '{col}'.")
                problem = "{have} text in a numeric column (mixed types)"
            self.problems.append(_Problem(col, bad, problem, fix, _first_value(s)))
        return pd.Series(result, index=s.index)

    # -- booleans ------------------------------------------------------------------------------
    def _bool(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_bool_dtype(s.dtype):
            return s.astype("boolean")
        empty = self._blank(s)
        if _is_text_dtype(s.dtype):
            key = s.str.strip().str.lower().astype(object)
        else:
            key = s.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
        table = {"true": True, "1": True, "yes": True, "1.0": True,
                 "false": False, "0": False, "no": False, "0.0": False}
        mapped = key.map(table)
        bad = (mapped.isna().to_numpy(dtype=bool, copy=True)) & ~empty
        if bad.any():
            self._problem(col, bad, "{have} a value that is not true/false",
                          f"Write '{col}' as true/false, 1/0 or yes/no, " + _DROP_HINT + ".", s)
        out = pd.Series(mapped.to_numpy(dtype=object), index=s.index)
        out[empty | bad] = None
        return out.astype("boolean")

    # -- times ---------------------------------------------------------------------------------
    def _time(self, s: pd.Series, spec: ColumnSpec) -> pd.Series:
        col = spec.name
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out = s
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                out = s.dt.tz_convert("UTC").dt.tz_localize(None)
            elif self.tz is not None:
                out = self._localise(s, col)
            return self._finish_time(out, s, spec)
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            self._problem(col, s.notna().to_numpy(dtype=bool, copy=True), "{have} a number, not a date",
                          "Convert them first (e.g. pd.to_datetime(df[col], unit='s') for epoch "
                          "seconds, unit='us' for GA4 event_timestamp) or map a date column.",
                          s, droppable=False)
            return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        empty = self._blank(s)
        if pd.api.types.is_object_dtype(s.dtype):
            obj = s.astype(object)
            nums = obj.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool),
                           na_action="ignore").fillna(False).to_numpy(dtype=bool, copy=True)
            if nums.any():
                self._problem(col, nums, "{have} a number, not a date",
                              "Convert them in the export (Excel: format the cells as dates), "
                              "or map a date column.", s)
            empty = empty | nums
            txt = _strings(obj.where(~pd.Series(empty, index=s.index), None))
        else:
            txt = s.astype("str")
        txt = txt.str.strip()
        todo = ~empty
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        if not todo.any():
            return self._finish_time(out, s, spec)
        sub = txt[todo]
        if self.date_format is not None:
            parsed, failed = self._parse_with_format(sub, col, s, todo)
        else:
            parsed, failed = self._parse_iso(sub, col, s, todo)
        if parsed is None:
            return out
        out[todo] = parsed.to_numpy()
        if failed.any():
            bad = np.zeros(len(s), dtype=bool)
            bad[np.flatnonzero(todo)[failed]] = True
            fmt = self.date_format
            fix = (f"They do not match date_format={fmt!r}: fix the export or the format"
                   if fmt else
                   "Write dates as ISO 8601 (2024-03-01 or 2024-03-01 14:30:00), or pass "
                   "date_format (e.g. date_format=\"%d/%m/%Y %H:%M\") to read this layout")
            self._problem(col, bad, "{have} a date that cannot be read", fix + ", " + _DROP_HINT + ".", s)
        return self._finish_time(out, s, spec)

    def _parse_iso(self, sub: pd.Series, col: str, raw: pd.Series, todo: np.ndarray):
        aware = sub.str.fullmatch(_TZ_SUFFIX_TEST).fillna(False).to_numpy(dtype=bool, copy=True)
        offsets = sub[aware].str.extract(_TZ_SUFFIX, expand=False) if aware.any() else None
        failed = np.zeros(len(sub), dtype=bool)
        result = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns]")
        if aware.any():
            norm = offsets.str.replace("Z", "+00:00", regex=False)
            norm = norm.where(norm.str.len() != 3, norm + ":00")
            norm = norm.str.replace(r"^([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
            kinds = sorted(set(norm))
            if self.tz is None and (not aware.all() or len(kinds) > 1):
                self._mixed_zones(col, raw, todo, aware, norm, kinds)
                return None, failed
            p = pd.to_datetime(sub[aware], format="ISO8601", errors="coerce", utc=True)
            result[aware] = p.dt.tz_localize(None).astype("datetime64[ns]").to_numpy()
            failed[aware] = p.isna().to_numpy()
        if (~aware).any():
            p = pd.to_datetime(sub[~aware], format="ISO8601", errors="coerce")
            failed[~aware] = p.isna().to_numpy()
            p = p.astype("datetime64[ns]")
            if self.tz is not None:
                p = self._localise(p, col)
            result[~aware] = p.to_numpy()
        return result, failed

    def _parse_with_format(self, sub: pd.Series, col: str, raw: pd.Series, todo: np.ndarray):
        try:
            p = pd.to_datetime(sub, format=self.date_format, errors="coerce")
        except ValueError as e:  # mixed offsets under %z
            if "Mixed timezones" not in str(e):
                raise
            if self.tz is None:
                self.problems.append(_Problem(
                    col, np.zeros(len(raw), dtype=bool),
                    "holds values with different UTC offsets (mixed time zones)",
                    "Pass tz=\"<zone>\" (e.g. tz=\"Europe/Berlin\") to accept them and convert "
                    "all to UTC.", None, droppable=False))
                return None, np.zeros(len(sub), dtype=bool)
            p = pd.to_datetime(sub, format=self.date_format, errors="coerce", utc=True)
        failed = p.isna().to_numpy()
        if isinstance(p.dtype, pd.DatetimeTZDtype):
            p = p.dt.tz_convert("UTC").dt.tz_localize(None)
        elif self.tz is not None:
            p = self._localise(p.astype("datetime64[ns]"), col)
        return p.astype("datetime64[ns]"), failed

    def _mixed_zones(self, col: str, raw: pd.Series, todo: np.ndarray, aware: np.ndarray,
                     norm: pd.Series, kinds: list[str]) -> None:
        pos = np.flatnonzero(todo)
        bad = np.zeros(len(raw), dtype=bool)
        if not aware.all():
            # name the minority: the values without an offset when most have one, and vice versa
            naive_minority = (~aware).sum() <= aware.sum()
            bad[pos[~aware if naive_minority else aware]] = True
            problem = (("{have} no UTC offset while the others have one" if naive_minority else
                        "{have} a UTC offset while the others have none")
                       + f" (mixed time zones: {', '.join(kinds)} and no offset)")
            fix = ("Pass tz=\"<zone>\" (the zone of the values without offset, e.g. "
                   "tz=\"Europe/Berlin\", or tz=\"UTC\") so kpikit can convert every value to UTC, "
                   "or fix the export.")
        else:
            common = norm.value_counts().index[0]
            full = np.zeros(len(aware), dtype=bool)
            full[aware] = (norm != common).to_numpy(dtype=bool, copy=True)
            bad[pos[full]] = True
            problem = (f"{{have}} another UTC offset than the column's most common one, {common} "
                       f"(mixed time zones: {', '.join(kinds)})")
            fix = ("If these are local times of one zone with daylight saving, pass "
                   "tz=\"<zone>\" (e.g. tz=\"Europe/Berlin\", or tz=\"UTC\") to accept the offsets; "
                   "kpikit converts every value to UTC.")
        self._problem(col, bad, problem, fix, raw, droppable=False)

    def _localise(self, s: pd.Series, col: str) -> pd.Series:
        try:
            loc = s.dt.tz_localize(self.tz, ambiguous="NaT", nonexistent="NaT")
        except Exception as e:  # unknown zone name
            raise KpiDataError(f"tz={self.tz!r} is not a time zone name pandas knows ({e}). "
                               "Use an IANA name such as \"Europe/Berlin\" or \"UTC\".") from None
        lost = (loc.isna() & s.notna()).to_numpy(dtype=bool, copy=True)
        if lost.any():
            # s may be a subset of the column; its index holds positions in the column
            bad = np.zeros(len(self._raw), dtype=bool)
            bad[np.asarray(s.index[lost], dtype=np.int64)] = True
            self._problem(col, bad, f"{{have}} a local time that does not exist or is ambiguous in "
                          f"{self.tz} (a daylight-saving change)",
                          "Give these times an explicit UTC offset in the export, " + _DROP_HINT + ".",
                          self._raw)
        return loc.dt.tz_convert("UTC").dt.tz_localize(None)

    def _finish_time(self, out: pd.Series, raw: pd.Series, spec: ColumnSpec) -> pd.Series:
        try:
            out = out.astype("datetime64[ns]")
        except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
            self._problem(spec.name, np.zeros(len(out), dtype=bool),
                          "holds dates outside 1677-2262", "Fix the export.", raw, droppable=False)
            return pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        if spec.kind == "date":
            timed = (out.notna() & (out != out.dt.normalize())).to_numpy(dtype=bool, copy=True)
            if timed.any():
                self._problem(spec.name, timed, "{have} a time of day, but the column holds dates",
                              f"Map a date column to '{spec.name}', or floor the values to days "
                              f"(df[\"{spec.name}\"].dt.floor(\"D\")) before reading.", raw)
        return out


def _strings(s: pd.Series) -> pd.Series:
    """Values as pandas ``str`` dtype: text kept, other objects written out (dates in ISO form)."""
    if _is_text_dtype(s.dtype):
        return s
    return s.astype(object).map(_text_of, na_action="ignore").astype("str")


def _text_of(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (pd.Timestamp,)) or hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


# ----------------------------------------------------------------------------------------------
# validate
# ----------------------------------------------------------------------------------------------

def _pandera_problems(err: SchemaErrors, df: pd.DataFrame, spec: TableSpec,
                      labeller: _Rows) -> list[_Problem]:
    fc = err.failure_cases
    problems: list[_Problem] = []
    n = len(df)
    seen: set[tuple[str, str]] = set()
    for (col, check), grp in fc.groupby(["column", "check"], sort=False, dropna=False):
        idx = pd.to_numeric(grp["index"], errors="coerce").dropna().astype(int).unique()
        bad = np.zeros(n, dtype=bool)
        bad[idx[(idx >= 0) & (idx < n)]] = True
        check = str(check)
        if check.startswith("kk|"):
            _, code, name, arg = check.split("|", 3)
        else:
            code, name, arg = check, str(col), ""
        if (code, name + arg) in seen:  # frame-level checks are reported once per column
            continue
        seen.add((code, name + arg))
        values = df[name] if name in df.columns else None
        first = _first_value(values) if values is not None else None
        if code == "min":
            lo = float(arg)
            is_money = spec.has(name) and spec.column(name).kind == "money"
            if lo == 0:
                problem = f"{{have}} a negative {name}"
                if is_money:
                    fix = ("Filter refunds out (or net them against their purchases), pass "
                           "allow_negative=True if negative amounts are intended, "
                           + _DROP_HINT + ".")
                else:
                    fix = "Fix the export, " + _DROP_HINT + "."
            else:
                problem = f"{{have}} a value below the minimum {_fmt_value(lo)}"
                fix = "Fix the export, " + _DROP_HINT + "."
        elif code == "max":
            problem = f"{{have}} a value above the maximum {_fmt_value(float(arg))}"
            fix = "Fix the export, " + _DROP_HINT + "."
        elif code == "isin":
            allowed = spec.column(name).allowed or ()
            problem = f"{{have}} a value outside {{{', '.join(allowed)}}}"
            fix = (f"Map the export's values onto {', '.join(repr(a) for a in allowed)} "
                   f"(e.g. df[\"{name}\"].replace({{...}})), " + _DROP_HINT + ".")
        elif code == "not_nullable":
            problem = "{be} empty, but the column is required"
            fix = f"Fill '{name}' in the export, " + _DROP_HINT + "."
        elif code == "field_uniqueness":
            problem = "{have} a duplicate key (the column must be unique)"
            keyvals = df[name]
            first_pos = ~keyvals.duplicated(keep="first")
            firsts = pd.Series(np.flatnonzero(first_pos.to_numpy()),
                               index=keyvals[first_pos.to_numpy()].to_numpy())

            def first(i: int, keyvals=keyvals, firsts=firsts) -> str:  # noqa: ANN001
                v = keyvals.iloc[i]
                return f"{_fmt_value(v)}, also in {labeller.label(int(firsts.get(v, i)))}"

            fix = (f"Remove the duplicates from the export (keep one row per {name}), or pass "
                   "drop_invalid=True to keep the first of each (the others will be reported).")
        elif code == "order":
            other = arg
            problem = f"{{have}} {name} before {other}"
            a, b = df[name], df[other]

            def first(i: int, a=a, b=b, other=other, name=name) -> str:  # noqa: ANN001
                ident = _identity(df, spec, i)
                return f"{ident}{other} {_fmt_value(b.iloc[i])}, {name} {_fmt_value(a.iloc[i])}"

            fix = _ORDER_FIX if spec.name == "leads" else (
                f"Fix the export ({name} cannot precede {other}), " + _DROP_HINT + ".")
        elif code == "rule":
            rule = next(r for r in spec.rules if r.name == arg)
            problem, fix = rule.problem, rule.fix

            def first(i: int, rule=rule) -> str:  # noqa: ANN001
                return ", ".join(f"{c} {_fmt_value(df[c].iloc[i])}" for c in rule.show if c in df.columns)
        elif code.startswith("dtype") or code.startswith("column_in_dataframe"):
            problems.append(_Problem(str(col), np.zeros(n, dtype=bool),
                                     f"has dtype {df[col].dtype if col in df.columns else '?'}, "
                                     f"expected {spec.column(str(col)).dtype}",
                                     "Read the data with kpikit.io.read_table, which converts it.",
                                     None, droppable=False))
            continue
        else:
            problem = f"fail the check {check}"
            fix = "Fix the export, " + _DROP_HINT + "."
        problems.append(_Problem(name, bad, problem, fix, first))
    return problems


def _identity(df: pd.DataFrame, spec: TableSpec, i: int) -> str:
    for c in spec.key or spec.required[:1]:
        if c in df.columns:
            return f"{c.replace('_id', '')} {df[c].iloc[i]} "
    return ""


def validate(
    df: pd.DataFrame,
    table: str,
    source: str | None = None,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
    mapping: Mapping[str, str] | None = None,
    decimal: str = ".",
    tz: str | None = None,
    date_format: str | None = None,
    na_values: Sequence[str] | None = None,
    allow_negative: bool = False,
    drop_invalid: bool = False,
) -> pd.DataFrame:
    """Convert a frame to the canonical dtypes of ``table`` and check it against its schema.

    Column names must already be canonical (``kpikit.io.read_table`` maps them). Values are parsed
    by the kind of their column: numbers ("1,234.50"; "1.234,50" with ``decimal=","``), money with
    currency symbols ("$1,234.50", "€12,50"), percentages ("45%" -> 0.45, percent columns only),
    booleans (true/false, 1/0, yes/no), timestamps (ISO 8601, or ``date_format``; aware values to
    UTC, naive ones localised with ``tz`` when given). Anything that does not parse is an error,
    never a silent NaN. Then the pandera schema of the table checks ranges, allowed values,
    required values, unique keys and the order of time columns.

    Parameters
    ----------
    df : DataFrame
        The data, with canonical column names; extra columns are kept unchanged.
    table : str
        Canonical table name (see ``TABLES``).
    source : str, optional
        Name used in error messages (a file name); default ``"<table> data"``.
    rows : sequence of int, optional
        The row number in the source file of each row of ``df`` (for messages). Without it,
        messages name index labels.
    mapping : dict, optional
        The column mapping applied before (only used to word missing-column errors).
    decimal : {".", ","}
        Decimal mark of numbers written as text; the other mark (and spaces) may group thousands
        in groups of three. So with "." a value "1,234" is 1234, and a column holding "12,5" is an
        error that suggests ``decimal=","`` (kpikit does not guess the convention per value).
    tz : str, optional
        IANA zone of naive timestamps (e.g. "Europe/Berlin"): they are localised and converted to
        UTC. Passing it also accepts columns that mix offsets or aware and naive values.
    date_format : str, optional
        strftime format of timestamp columns when they are not ISO 8601 (e.g. "%d/%m/%Y").
    na_values : sequence of str, optional
        Extra markers meaning "no value" (e.g. ["n/a", "-"]); empty cells always are.
    allow_negative : bool
        Accept negative money values (refunds) in amount/cost/value columns.
    drop_invalid : bool
        Drop rows that fail a row-level check instead of raising; a ``KpiWarning`` says how many
        and why, and ``.attrs["dropped"]`` lists them (column, problem, count, rows). Column-level
        problems (missing columns, mixed time zones, mixed currencies) still raise.

    Returns
    -------
    DataFrame
        A new frame with canonical dtypes (see the module docstring); ``.attrs["table"]`` and
        ``.attrs["source"]`` are set.

    Raises
    ------
    KpiDataError
        "<source>, column '<col>': <n> rows <problem> (file rows ...; first: <value>). <Fix>."
        One line per problem when there are several.

    Examples
    --------
    >>> import pandas as pd, kpikit as kk
    >>> raw = pd.DataFrame({"customer_id": ["c1"], "timestamp": ["2024-03-01T10:00:00+01:00"],
    ...                     "amount": ["$1,234.50"]})
    >>> out = kk.schemas.validate(raw, "transactions")
    >>> out["timestamp"].iloc[0], out["amount"].iloc[0]
    (Timestamp('2024-03-01 09:00:00'), np.float64(1234.5))
    """
    spec = table_spec(table)
    source = source or f"{spec.name} data"
    if not isinstance(df, pd.DataFrame):
        raise KpiDataError(f"{source}: expected a pandas DataFrame, got {type(df).__name__}.")
    original_index = df.index
    if rows is None:
        labeller = _Rows(list(df.index), in_file=False)
    else:
        rows = np.asarray(rows)
        if len(rows) != len(df):
            raise ValueError("rows must give one row number per row of df")
        labeller = _Rows(rows, in_file=True)

    dup = pd.Index(df.columns)[pd.Index(df.columns).duplicated()].unique()
    if len(dup):
        raise KpiDataError(
            f"{source}: column names {', '.join(repr(str(d)) for d in dup)} appear more than once. "
            "Rename or drop the duplicates (or fix the mapping) so each name is used once."
        )
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise KpiDataError(_missing_column_message(source, spec, missing, [str(c) for c in df.columns],
                                                   mapping))

    work = df.reset_index(drop=True)
    conv = _Converter(decimal, tz, date_format, na_values)
    out = {c.name: conv.convert(work[c.name], c) for c in spec.columns if c.name in work.columns}
    work = work.assign(**out) if out else work.copy()

    dropped: list[dict[str, Any]] = []
    positions = np.arange(len(work))  # original position of each remaining row

    def handle(problems: list[_Problem]) -> None:
        nonlocal work, positions, labeller
        if not problems:
            return
        fatal = [p for p in problems if not p.droppable or not p.bad.any()]
        if fatal or not drop_invalid:
            raise KpiDataError(_message(source, fatal if drop_invalid else problems, labeller))
        keep = np.ones(len(work), dtype=bool)
        for p in problems:
            pos = np.flatnonzero(p.bad & keep)
            if len(pos):
                dropped.append({
                    "column": p.column, "problem": _agree(p.problem, len(pos)),
                    "count": int(len(pos)), "rows": [_plain(x) for x in labeller.labels[pos]],
                })
            keep &= ~p.bad
        work = work[keep].reset_index(drop=True)
        positions = positions[keep]
        labeller = _Rows(labeller.labels[keep], labeller.in_file)

    handle(conv.problems)
    try:
        schema(spec.name, allow_negative=allow_negative).validate(work, lazy=True)
    except SchemaErrors as err:
        handle(_pandera_problems(err, work, spec, labeller))

    if dropped:
        n_drop = sum(d["count"] for d in dropped)
        if len(work) == 0:
            raise KpiDataError(f"{source}: every row failed validation ({n_drop} rows); nothing is "
                               "left to analyse. Fix the export.")
        reasons = "; ".join(f"{d['count']} in '{d['column']}' {d['problem']}" for d in dropped)
        warnings.warn(f"{source}: dropped {n_drop} of {len(df)} rows (drop_invalid=True): {reasons}.",
                      KpiWarning, stacklevel=3)
    if rows is None:
        work.index = original_index[positions]
    work.attrs = {"table": spec.name, "source": source}
    if dropped:
        work.attrs["dropped"] = dropped
    return work


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x
