"""The input checks of ``sessions_from_events`` on an Ibis table: bad values, ids, duplicate events.

The pandas path checks a DataFrame in memory; here every check is a query, written so that the
common case costs almost nothing: a check for something that should not be there (a missing time,
a negative engagement time) stops at the first row that has it, and on Parquet files DuckDB answers
it from the files' statistics without reading them. Only when a problem exists is it counted and
its first rows listed.

Exact duplicate events (identical in every column) are found in two steps, as on the pandas path:
events sharing a user, a timestamp and an event name are candidates (one aggregate, which in
clean data finds none), and only those are compared in every column.

Cost, and what was tried (10M GA4-style events in Parquet, DuckDB 2.0, CPU seconds in one process):
the sessions + bounce query itself 4.4-4.8; this candidate aggregate 6.4; grouping by one 64-bit
hash of (user_id, timestamp, event) instead 4.2; sorting that hash and comparing neighbours 3.2;
hashing alone 0.8; a ``count(DISTINCT ...)`` per session inside the sessions aggregate 13.8. A
per-session 64-bit Bloom mask (``bit_count(bit_or(1 << hash % 64)) < count(*)`` can only be true
where a session may hold a duplicate, never false where it does) adds 1.3 to the sessions
aggregate but marks 15% of sessions for an exact check. Any separate pass over every event keeps
the lazy path near 2x the plain query; reaching 1.5x means folding such a test into the first
aggregate that materialises and checking exactly only the sessions it marks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from kpikit.engine.tables import check_columns, count, scalar
from kpikit.errors import KpiDataError, KpiWarning, describe_rows
from kpikit.io.lazy import ROW, collect

__all__: list[str] = []

#: Above this many candidate rows, the exact duplicate check compares every event (one aggregate)
#: instead of joining the candidates back.
_CANDIDATE_ROWS = 2_000_000


@dataclass(frozen=True)
class _Prepared:
    """The events a lazy sessionisation works on, and what the checks found."""

    events: object
    use_sid: bool
    set_aside: int
    duplicates_dropped: int
    has_first_visit: bool
    has_session_number: bool
    has_new_user_flag: bool


def _exists(table, condition) -> bool:
    """Whether any row satisfies ``condition`` (the query stops at the first one)."""
    return bool(scalar(table.filter(condition).limit(1).count()))


def _where(table, condition, source: str, what: str, n: int | None = None) -> str:
    """The first rows where ``condition`` holds, for a message: positions, file rows, or example values."""
    rows = table.filter(condition)
    n = n if n is not None else int(scalar(rows.count()))
    if ROW in table.columns:
        first = collect(rows.select(ROW).order_by(ROW).limit(5))[ROW].tolist()
        return _row_text(table, first, n)
    cols = [c for c in ("user_id", "timestamp", "event") if c in table.columns]
    sample = collect(rows.select(cols).limit(3))
    examples = "; ".join(", ".join(f"{c}={v!r}" for c, v in r.items()) for r in sample.to_dict("records"))
    return f"{n:,} {what}, e.g. {examples}"


def _row_text(table, first: list[int], n: int) -> str:
    """``_row`` values as the user sees them: 1-based positions of a DataFrame, or rows of Parquet files."""
    files = _parquet_files(table)
    more = f" (and {n - len(first)} more)" if n > len(first) else ""
    if files is None:
        return describe_rows([r + 1 for r in first]) + more
    by_file: dict[str, list[int]] = {}
    for r in first:
        i = r >> 40
        name = files[i] if i < len(files) else f"file {i + 1}"
        by_file.setdefault(name, []).append((r & (2**40 - 1)) + 1)
    return "; ".join(f"{name} {describe_rows(rows)}" for name, rows in by_file.items()) + more


def _parquet_files(table) -> list[str] | None:
    """The Parquet files a lazy table reads (in ``_row`` order), or None when it reads none."""
    from kpikit.io.lazy import _FILES

    for op in table.op().find(lambda node: hasattr(node, "name")):
        files = _FILES.get(getattr(op, "name", None))
        if files is not None:
            return files
    return None


def _check_schema(t, source: str) -> None:
    """Refuse a table whose columns cannot be read as events (types), before any query runs."""
    check_columns(t, ["user_id", "timestamp", "event"], source)
    ts = t.timestamp.type()
    if not ts.is_timestamp():
        raise KpiDataError(
            f"{source}, column 'timestamp' has type {ts}, not a timestamp. Open the files with "
            "kk.io.lazy.scan(path, 'events'), which parses times, or cast the column first."
        )
    if ts.timezone not in (None, "UTC", "Etc/UTC"):
        raise KpiDataError(
            f"{source}, column 'timestamp' is time-zone aware ({ts.timezone}); kpikit works on UTC: convert it to UTC first."
        )
    for col in ("engagement_time_msec", "value"):
        if col in t.columns and not t[col].type().is_numeric():
            raise KpiDataError(
                f"{source}, column {col!r} holds {t[col].type()} values, not numbers. Open the files with "
                "kk.io.lazy.scan(path, 'events'), which parses numbers."
            )
    for col in ("session_engaged", "interaction", "new_user"):
        if col in t.columns and not (t[col].type().is_boolean() or t[col].type().is_integer()):
            raise KpiDataError(
                f"{source}, column {col!r} must hold True/False or 1/0 (got {t[col].type()} values). Read GA exports "
                "with kk.io.read_ga4_bigquery or kk.io.read_ua_bigquery, which parse it."
            )


class _Facts:
    """How many events satisfy each of a few conditions, asked of the backend as cheaply as it allows.

    Tables read from Parquet files are asked one condition at a time, with queries that stop at the
    first matching row (DuckDB skips the row groups whose statistics rule the condition out, so the
    usual answer, "none", costs almost nothing); other tables (in memory, CSV, a warehouse) answer
    every condition in one pass. Counts are fetched only where a message needs them.
    """

    def __init__(self, t, conditions: dict):
        self.t, self.conditions = t, conditions
        self.counts: dict[str, int] = {}
        self.exists: dict[str, bool] = {}
        if _parquet_files(t) is None and conditions:
            row = collect(t.aggregate(_n=t.count(), **{k: t.count(where=c) for k, c in conditions.items()})).iloc[0]
            self.total = int(row["_n"])
            self.counts = {k: int(row[k]) for k in conditions}

    def any(self, key: str) -> bool:
        if key in self.counts:
            return self.counts[key] > 0
        if key not in self.exists:
            self.exists[key] = _exists(self.t, self.conditions[key])
        return self.exists[key]

    def count(self, key: str) -> int:
        if key not in self.counts:
            self.counts[key] = int(scalar(self.t.filter(self.conditions[key]).count())) if self.any(key) else 0
        return self.counts[key]

    def n(self) -> int:
        if not hasattr(self, "total"):
            self.total = int(scalar(self.t.count()))
        return self.total


def _conditions(t, first_visit_events) -> dict:
    """The conditions :class:`_Facts` is asked about, for the columns ``t`` has."""
    c = {"ts_null": t.timestamp.isnull(), "user_null": t.user_id.isnull()}
    if "session_id" in t.columns:
        c["sid_set"] = t.session_id.notnull()
        c["key_null"] = t.user_id.isnull() | t.session_id.isnull()
    if "engagement_time_msec" in t.columns:
        c["eng_neg"] = t.engagement_time_msec < 0
    for col in ("session_engaged", "interaction", "new_user"):
        if col in t.columns and t[col].type().is_integer():
            c[f"bad_{col}"] = t[col].notnull() & ~t[col].isin([0, 1])
    if first_visit_events:
        c["first_visit"] = t.event.isin(list(first_visit_events))
    if "ga_session_number" in t.columns:
        c["session_number"] = t.ga_session_number.notnull()
    if "new_user" in t.columns:
        c["new_user_flag"] = t.new_user.notnull()
    return c


def _check_values(t, facts: _Facts, source: str) -> None:
    """Refuse missing times, negative engagement times and flags other than 1/0."""
    if facts.any("ts_null"):
        where = _where(t, t.timestamp.isnull(), source, "events")
        raise KpiDataError(
            f"{source}, column 'timestamp': events have no time ({where}). Fix the export or drop these events first."
        )
    if "eng_neg" in facts.conditions and facts.any("eng_neg"):
        n = facts.count("eng_neg")
        raise KpiDataError(
            f"{source}, column 'engagement_time_msec': {n} negative values "
            f"({_where(t, t.engagement_time_msec < 0, source, 'events', n)}). "
            "Engagement time cannot be negative; fix the export."
        )
    for col in ("session_engaged", "interaction", "new_user"):
        key = f"bad_{col}"
        if key in facts.conditions and facts.any(key):
            raise KpiDataError(
                f"{source}, column {col!r} must hold True/False or 1/0 "
                f"({_where(t, facts.conditions[key], source, 'events')}). "
                "Read GA exports with kk.io.read_ga4_bigquery or kk.io.read_ua_bigquery, which parse it."
            )


def _usable(t, facts: _Facts, split: str, source: str) -> tuple[object, bool, int]:
    """The events that can be sessionised, whether sessions follow session_id, and how many were set aside."""
    has_sid = "sid_set" in facts.conditions and facts.any("sid_set")
    if split == "session_id" and not has_sid:
        raise KpiDataError(f"{source}: split='session_id' needs a non-empty 'session_id' column; use split='timeout'.")
    use_sid = has_sid and split != "timeout"
    key = "key_null" if use_sid else "user_null"
    if not facts.any(key):
        return t, use_sid, 0
    set_aside, total = facts.count(key), facts.n()
    why = "no user_id or session_id" if use_sid else "no user_id"
    warnings.warn(
        f"{source}: {set_aside:,} of {total:,} events have {why} and cannot be sessionised; "
        "they are set aside (counted in attrs['set_aside']).",
        KpiWarning,
        stacklevel=4,
    )
    return t.filter(~facts.conditions[key]), use_sid, set_aside


def _drop_duplicates(t, duplicates: str, source: str) -> tuple[object, int]:
    """Exact duplicate events (identical in every column but ``_row``): dropped with a warning, refused, or kept."""
    if duplicates == "keep":
        return t, 0
    cols = [c for c in t.columns if c != ROW]
    keyed = t.mutate(_h=t.user_id.hash())  # a hash groups faster than the text; a collision is only a candidate
    cand = keyed.group_by(["_h", "timestamp", "event"]).aggregate(_n=keyed.count()).filter(lambda g: g._n > 1)
    stats = collect(cand.aggregate(groups=cand.count(), rows=cand._n.sum()))
    if int(stats["groups"].iloc[0]) == 0:
        return t, 0
    rows = int(stats["rows"].iloc[0])
    if rows <= _CANDIDATE_ROWS:
        pool = keyed.semi_join(cand, _same(keyed, cand, ["_h", "timestamp", "event"])).drop("_h")
    else:
        pool = t
    aggs = {"_n": pool.count()}
    if ROW in t.columns:
        aggs["_first"] = pool[ROW].min()
    groups = pool.group_by(cols).aggregate(**aggs).filter(lambda g: g._n > 1)
    n = count(scalar((groups._n - 1).sum()))
    if n == 0:
        return t, 0
    where = _duplicate_rows(pool, groups, cols, n)
    if duplicates == "raise":
        raise KpiDataError(
            f"{source}: {n:,} exact duplicate events, identical in every column ({where}). Pass "
            "duplicates='drop' to keep the first copy of each, or remove them from the export."
        )
    warnings.warn(
        f"{source}: dropped {n:,} exact duplicate events, identical in every column ({where}); the first copy of "
        "each is kept (attrs['duplicates_dropped']). A doubled export would otherwise make every session engaged.",
        KpiWarning,
        stacklevel=4,
    )
    if ROW in t.columns:
        return t.group_by(cols).aggregate(**{ROW: t[ROW].min()}).select(t.columns), n
    return t.distinct(), n


def _same(left, right, cols: list[str]) -> list:
    """Join predicates equal on ``cols``, missing values equal to each other (as in a group-by)."""
    return [left[c].identical_to(right[c]) for c in cols]


def _duplicate_rows(pool, groups, cols: list[str], n: int) -> str:
    """The dropped copies for the message: their positions (the first copy of each kept), or examples."""
    if ROW not in pool.columns:
        sample = collect(groups.select([c for c in ("user_id", "timestamp", "event") if c in cols]).limit(3))
        examples = "; ".join(", ".join(f"{c}={v!r}" for c, v in r.items()) for r in sample.to_dict("records"))
        return f"e.g. {examples}"
    joined = pool.inner_join(groups, _same(pool, groups, cols)).select(ROW, "_first")
    copies = joined.filter(joined[ROW] != joined._first).select(ROW).order_by(ROW).limit(5)
    return _row_text(pool, collect(copies)[ROW].tolist(), n)


def prepare(t, split: str, duplicates: str, first_visit_events, source: str) -> _Prepared:
    """Every input check of a lazy sessionisation, in the pandas path's order; the events to sessionise."""
    _check_schema(t, source)
    facts = _Facts(t, _conditions(t, first_visit_events))
    _check_values(t, facts, source)
    usable, use_sid, set_aside = _usable(t, facts, split, source)
    clean, dropped = _drop_duplicates(usable, duplicates, source)
    # whether the sessionised events have them at all: the rule that counts new users
    has = {k: k in facts.conditions and facts.any(k) for k in ("first_visit", "session_number", "new_user_flag")}
    if set_aside or dropped:
        kept = _conditions(clean, first_visit_events)
        has = {k: v and _exists(clean, kept[k]) for k, v in has.items()}
    return _Prepared(
        clean, use_sid, set_aside, dropped, has["first_visit"], has["session_number"], has["new_user_flag"]
    )
