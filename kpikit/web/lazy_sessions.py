"""Sessions from events as one Ibis expression: ``sessions_from_events`` on DuckDB, Spark, BigQuery, ...

The same columns and the same rules as the pandas path (:mod:`kpikit.web.sessions`), written as a
group-by over the events and a few windows over the sessions, so that the sessions of a year of
events stay in the backend: nothing runs until an aggregate (``bounce_rate``, ``diagnose``, ...)
asks for a small table, and the backend computes only the columns that aggregate reads.

Where pandas uses the order of the rows (ties of time: the first event in the data wins), the
lazy path uses ``_row`` when the table has it (DataFrames and Parquet files opened by kpikit), which
gives identical results; a table without it (CSV, JSON, a warehouse table: rows without an order)
breaks ties by the values themselves: the smallest page, source or session id. Session ids are
text on this path (the input's id when unique across users, else ``"<user_id>-<session_id>"``).
"""

from __future__ import annotations

from kpikit.engine.tables import count, epoch_ns, first_by, register
from kpikit.io.lazy import ROW, collect
from kpikit.web.lazy_checks import prepare
from kpikit.web.session_arrays import NOT_SET

__all__: list[str] = []

_TRAFFIC = ("source", "medium", "campaign", "channel")
_ATTRIBUTES = ("source", "medium", "campaign", "channel", "device", "country")


def _has_value(col):
    """Where a column holds a value: not null and, for text, not empty."""
    if col.type().is_string():
        return col.notnull() & (col != "")
    return col.notnull()


def _flag(col):
    """A flag column (boolean or 1/0) as a boolean expression."""
    return col if col.type().is_boolean() else col == 1


def _text(col):
    """A value as text, as ``str()`` writes it for the ids kpikit joins (integers without ".0")."""
    return col.cast("string")


class _Build:
    """The pieces of one lazy sessionisation: the events, the session key and the tie-break keys."""

    def __init__(self, ev, backend: str, use_sid: bool, opts):
        self.ev, self.backend, self.use_sid, self.opts = ev, backend, use_sid, opts
        self.has_row = ROW in ev.columns

    def keys(self, *tiebreak):
        """Sort keys of "the first event": time, then the row order (or, without one, ``tiebreak``)."""
        ev = self.ev
        if self.has_row:
            return [ev.timestamp, ev[ROW]]
        return [ev.timestamp, *[c.cast("string").fill_null("") for c in tiebreak]]

    def first(self, values: dict, where, *tiebreak):
        return first_by(self.backend, values, self.keys(*tiebreak), where)


def _session_keys(ev, use_sid: bool, timeout_s: float, backend: str):
    """The events with the session key columns: ``session_id`` as given, or the timeout rule's ``_snum``."""
    import ibis

    if use_sid:
        return ev, ["user_id", "session_id"]
    order = [ev.timestamp, ev[ROW]] if ROW in ev.columns else [ev.timestamp]
    w = ibis.window(group_by=ev.user_id, order_by=order)
    ev = ev.mutate(_ns=epoch_ns(backend, ev.timestamp))
    ev = ev.mutate(_gap=ev._ns - ev._ns.lag().over(w))
    new = ev._gap.isnull() | (ev._gap > int(round(timeout_s * 1e9)))
    ev = ev.mutate(_new=ibis.ifelse(new, 1, 0))
    w = ibis.window(group_by=ev.user_id, order_by=[ev.timestamp, ev[ROW]] if ROW in ev.columns else [ev.timestamp])
    ev = ev.mutate(_snum=ev._new.cumsum().over(w)).drop("_ns", "_gap", "_new")
    return ev, ["user_id", "_snum"]


def _aggregates(b: _Build) -> dict:
    """The per-session aggregates (one group-by over the events)."""
    ev, opts = b.ev, b.opts
    is_pv = ev.event.isin(list(opts.page_view_events))
    is_key = ev.event.isin(list(opts.key_events))
    out = {"start": ev.timestamp.min(), "end": ev.timestamp.max()}
    if b.has_row:
        out["_first_row"] = ev[ROW].min()
    if "page" in ev.columns:
        out["_landing"] = b.first({"page": ev.page}, is_pv, ev.page).page
    out["pageviews"] = ev.count(where=is_pv)
    traffic = [c for c in _TRAFFIC if c in ev.columns]
    if traffic:
        carriers = [c for c in ("source", "medium") if c in ev.columns] or traffic[:1]
        has = _has_value(ev[carriers[0]])
        if len(carriers) == 2:
            has = has | _has_value(ev[carriers[1]])
        values = {c: ev[c] for c in traffic}
        tie = [ev[c] for c in traffic]
        out["_t_any"] = ev.count(where=has)
        out["_t_carry"] = b.first(values, has, *tie)
        out["_t_first"] = b.first(values, None, *tie)
    for c in ("device", "country"):
        if c in ev.columns:
            has = _has_value(ev[c])
            out[f"_{c}_any"] = ev.count(where=has)
            out[f"_{c}_carry"] = b.first({c: ev[c]}, has, ev[c])[c]
            out[f"_{c}_first"] = b.first({c: ev[c]}, None, ev[c])[c]
    out["events"] = ev.count()
    by_name = (is_pv | ~ev.event.isin(list(opts.non_interaction_events))) & ev.event.notnull()
    if "interaction" in ev.columns:
        import ibis

        flag = _flag(ev.interaction)
        by_name = ibis.ifelse(ev.interaction.notnull(), flag, by_name)
    out["interactions"] = ev.count(where=by_name)
    if "engagement_time_msec" in ev.columns:
        out["engagement_time_s"] = ev.engagement_time_msec.fill_null(0).sum().cast("float64") / 1000.0
    out["conversions"] = ev.count(where=is_key)
    if "value" in ev.columns:
        out["value"] = ev.value.cast("float64").fill_null(0.0).sum()
    is_lead = ev.event.isin(list(opts.lead_events)) if opts.lead_events else None
    if is_lead is not None:
        out["_lead_ts"] = ev.timestamp.min(where=is_lead)
        if b.has_row:
            out["_lead_row"] = b.first({"r": ev[ROW]}, is_lead).r
    if opts.first_visit_events:
        out["_fv"] = ev.count(where=ev.event.isin(list(opts.first_visit_events)))
    if "ga_session_number" in ev.columns:
        num = ev.ga_session_number
        num = num if num.type().is_numeric() else num.try_cast("float64")
        out["_gsn1"] = ev.count(where=num == 1)
    if "new_user" in ev.columns:
        out["_nu_known"] = ev.new_user.count()
        out["_nu_true"] = ev.count(where=_flag(ev.new_user))
    if "session_engaged" in ev.columns and opts.engaged_flag == "export":
        out["_se_known"] = ev.session_engaged.count()
        out["_se_true"] = ev.count(where=_flag(ev.session_engaged))
    return out


def _first_per_user(s, name: str, order: str, tie: str, only_set: bool = False):
    """``s`` with ``name``: whether each session is its user's first by ``order`` (ties: the smallest ``tie``).

    With ``only_set``, sessions where ``order`` is null are never first (a user without a lead).
    """
    import ibis

    w = ibis.window(group_by=s.user_id)
    s = s.mutate(_m=s[order].min().over(w))
    hit = s[order] == s._m
    s = s.mutate(_r=ibis.ifelse(hit, s[tie], ibis.null(s[tie].type())).min().over(w))
    s = s.mutate(**{name: (hit & (s[tie] == s._r)).fill_null(False)})
    return s.drop("_m", "_r")


def build(t, opts, split: str, source: str):
    """The lazy sessions of the events table ``t`` (an Ibis table), checked as the pandas path checks."""
    import ibis

    from kpikit.engine.tables import backend_name

    backend = backend_name(t)
    prep = prepare(t, split, opts.duplicates, opts.first_visit_events, source)
    ev, key = _session_keys(prep.events, prep.use_sid, opts.timeout_s, backend)
    b = _Build(ev, backend, prep.use_sid, opts)
    s = ev.group_by(key).aggregate(**_aggregates(b))
    cols = s.columns
    if "engagement_time_s" not in cols:
        span = epoch_ns(backend, s.end) - epoch_ns(backend, s.start)
        s = s.mutate(engagement_time_s=span.cast("float64") / 1e9)
    rule = (s.engagement_time_s > opts.engaged_s) | (s.conversions > 0) | (s.pageviews >= 2)
    s = s.mutate(_rule=rule)
    if "_se_known" in cols:
        s = s.mutate(engaged=ibis.ifelse(s._se_known > 0, s._se_true > 0, s._rule))
    else:
        s = s.mutate(engaged=s._rule)
    s = s.mutate(_sid_text=_text(s[key[1]]))
    base = s  # one group-by, no window: what most aggregates read (see kpikit.engine.tables.narrow)
    s, new_rule = _new_users(s, prep, "_first_row" if b.has_row else "_sid_text")
    if "_lead_ts" in cols:
        s = _first_per_user(s, "new_lead", "_lead_ts", "_lead_row" if b.has_row else "_sid_text")
    else:
        s = s.mutate(new_lead=ibis.literal(False))
    s = s.mutate(session_id=_session_id(s, key, prep.use_sid))
    public = s.select(_public_columns(s))
    lean = base.select(_public_columns(base, lean=True))
    register(
        public,
        {
            "set_aside": prep.set_aside,
            "split": "session_id" if prep.use_sid else "timeout",
            "engaged_after_s": opts.engaged_s,
            "key_events": list(opts.key_events),
            "page_view_event": list(opts.page_view_events),
            "source": source,
            "duplicates_dropped": prep.duplicates_dropped,
            "new_user_rule": new_rule,
            "engaged_from_export": lambda: _engaged_counts(base),
            "engaged_disagree": lambda: _engaged_counts(base),
            "_lean": lean,
            "_duplicates": opts.duplicates,
        },
    )
    return public


def _new_users(s, prep, tie: str):
    """``is_new_user`` by the pandas path's rules, and the rule's name."""
    import ibis

    new = ibis.literal(False)
    rules = []
    if "_fv" in s.columns:
        new = s._fv > 0
        if prep.has_first_visit:
            rules.append("first_visit")
    if prep.has_session_number:
        new = new | (s._gsn1 > 0)
        rules.append("ga_session_number")
    if prep.has_new_user_flag:
        new = ibis.ifelse(s._nu_known > 0, s._nu_true > 0, new)
        rules.insert(0, "new_user flag")
    if rules:
        return s.mutate(is_new_user=new), " or ".join(rules)
    return _first_per_user(s, "is_new_user", "start", tie), "first session in the data"


def _session_id(s, key: list[str], use_sid: bool):
    """The session id as text: the input's when unique across users, else ``"<user_id>-<session_id>"``."""
    import ibis

    joined = _text(s.user_id) + "-" + _text(s[key[1]])
    if not use_sid:
        return joined
    ids = s.select(key)
    unique = ids.aggregate(n=ids.count(), d=ids[key[1]].nunique())
    is_unique = (unique.n == unique.d).as_scalar()
    return ibis.ifelse(is_unique, _text(s[key[1]]), joined)


def _public_columns(s, lean: bool = False) -> list:
    """The columns of the pandas path's sessions, in its order, from the aggregate's internal ones.

    ``lean``: without the columns that need a window over each user's sessions or a query of their
    own (session_id, new_lead, is_new_user), which a backend cannot always leave out when an
    aggregate does not read them.
    """
    import ibis

    cols = [s.user_id, s.start, s.end] if lean else [s.session_id, s.user_id, s.start, s.end]
    if "_landing" in s.columns:
        cols.append(ibis.ifelse(s.pageviews > 0, s._landing, ibis.literal(NOT_SET)).name("landing_page"))
    for c in _ATTRIBUTES:
        if c in _TRAFFIC and "_t_any" in s.columns and c in s._t_carry.type().names:
            cols.append(ibis.ifelse(s._t_any > 0, s._t_carry[c], s._t_first[c]).name(c))
        elif f"_{c}_any" in s.columns:
            cols.append(ibis.ifelse(s[f"_{c}_any"] > 0, s[f"_{c}_carry"], s[f"_{c}_first"]).name(c))
    cols += [s.events, s.pageviews, s.interactions, s.engagement_time_s, s.conversions]
    if "value" in s.columns:
        cols.append(s.value)
    if lean:
        return [*cols, s.engaged, (s.interactions == 1).name("single_interaction")]
    cols += [s.new_lead, s.engaged, (s.interactions == 1).name("single_interaction"), s.is_new_user]
    return cols


def _engaged_counts(internal) -> dict:
    """How many sessions took ``engaged`` from the export's flag, and how many of those differ from the rule."""
    if "_se_known" not in internal.columns:
        return {"engaged_from_export": 0, "engaged_disagree": 0}
    known = internal._se_known > 0
    differ = known & ((internal._se_true > 0) != internal._rule)
    row = collect(internal.aggregate(k=known.sum(), d=differ.sum())).iloc[0]
    return {"engaged_from_export": count(row["k"]), "engaged_disagree": count(row["d"])}
