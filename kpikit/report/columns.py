"""What kind of value each canonical column of the kit's result frames holds.

A client table formats a column by its kind: ``share`` as "44.7%", ``pp`` as "+2.3 pp", ``money`` in
the report's currency, ``count`` as a whole number, ``p_value`` as "< 0.001", ``month`` as "Jun 2025",
``flag`` as a badge (never True/False), ``text`` through the catalogue's terms. The header is the
catalogue's ``column.<name>`` label. A column the registry does not know is read from its dtype.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["COLUMN_KINDS", "KIND_SPECS", "ROW_LABELS", "column_kind", "interval_columns", "humanize"]

#: Columns that label a table's rows whatever their type (they lead the table like text columns do).
ROW_LABELS = frozenset({"age", "period", "rank", "step"})

#: The format spec of each kind (``flag`` is a badge, written by the table itself).
KIND_SPECS = {
    "share": "pct",
    "pp": "pp",
    "money": "money",
    "count": "int",
    "number": "num",
    "duration": "num1",
    "ratio": "ratio",
    "p_value": "p",
    "month": "month",
    "date": "date",
    "text": "term",
    "verdict": "term",
    "flag": "flag",
}

_KINDS: dict[str, tuple[str, ...]] = {
    "share": (
        "churn_rate",
        "gross_mrr_churn",
        "net_mrr_churn",
        "grr",
        "nrr",
        "logo_retention",
        "renewal_rate",
        "value_renewal_rate",
        "retention",
        "predicted_survival",
        "bounce_rate",
        "engagement_rate",
        "conversion_rate",
        "share",
        "rate",
        "relative_error",
        "p_alive",
        "rate_current",
        "rate_previous",
        "prob_b_beats_a",
    ),
    "pp": ("difference", "change", "gap", "detectable_difference"),
    "money": (
        "mrr",
        "mrr_start",
        "mrr_end",
        "new",
        "expansion",
        "contraction",
        "churn",
        "reactivation",
        "base_mrr",
        "current_mrr",
        "retained_mrr",
        "value_due",
        "value_renewed",
        "gained",
        "lost",
        "arpa",
        "amount",
        "revenue",
        "cost",
        "spend",
        "cac",
        "clv",
        "ltv",
    ),
    "count": (
        "customers",
        "customers_start",
        "customers_end",
        "customers_new",
        "customers_reactivated",
        "customers_same_period",
        "customers_lost",
        "customers_retained",
        "churned",
        "at_risk",
        "periods",
        "contracts_due",
        "contracts_renewed",
        "age",
        "cohorts",
        "base",
        "retained",
        "events",
        "censored",
        "tickets",
        "answered",
        "unanswered",
        "sessions",
        "bounces",
        "users",
        "rows",
        "sessions_needed",
    ),
    "number": ("predicted", "actual", "error", "exposure", "wrong", "right"),
    "duration": (
        "median",
        "p75",
        "p90",
        "mean",
        "median_minutes",
        "p75_minutes",
        "p90_minutes",
        "median_days_from_previous",
    ),
    "ratio": ("ratio", "quick_ratio"),
    "p_value": ("p_value", "q_value"),
    "month": ("period", "period_end", "base_period", "end_period"),
    "text": (
        "interval",
        "plan",
        "group",
        "channel",
        "nps_group",
        "csat_group",
        "support_experience",
        "response_band",
        "reference",
        "mistake",
        "wrong_formula",
        "right_formula",
        "segment",
        "landing_page",
        "device",
        "country",
        "table",
        "file",
    ),
    "verdict": ("verdict", "status"),
    "flag": ("small_sample", "fitted", "flagged", "significant"),
}

#: Canonical column name -> its kind (see :data:`KIND_SPECS`).
COLUMN_KINDS: dict[str, str] = {name: kind for kind, names in _KINDS.items() for name in names}


def column_kind(frame: pd.DataFrame, column: str) -> str:
    """The kind of a column: from :data:`COLUMN_KINDS`, else from its dtype.

    Parameters
    ----------
    frame : DataFrame
        The frame holding the column.
    column : str
        The column's name.

    Returns
    -------
    str
        A key of :data:`KIND_SPECS`.
    """
    col = frame[column]
    known = COLUMN_KINDS.get(column)
    dated = pd.api.types.is_datetime64_any_dtype(col) or (
        col.dtype == object and col.map(lambda v: hasattr(v, "to_timestamp") or hasattr(v, "year")).all()
    )
    if known is not None and (known not in ("month", "date") or dated):
        return known
    if pd.api.types.is_bool_dtype(col):
        return "flag"
    if pd.api.types.is_datetime64_any_dtype(col):
        days = col.dropna()
        return "month" if len(days) and (days.dt.normalize().eq(days) & days.dt.day.eq(1)).all() else "date"
    if pd.api.types.is_integer_dtype(col):
        return "count"
    if pd.api.types.is_numeric_dtype(col):
        return "number"
    return "text"


def interval_columns(columns: list[str], numeric: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """The value columns whose interval the frame carries: value -> (low, high).

    Pairs: ``x`` with ``x_low``/``x_high``; ``difference`` with ``diff_low``/``diff_high``; ``x_rate``
    (or ``x``) with ``x_ci_low``/``x_ci_high``; and the bare ``ci_low``/``ci_high`` with the nearest
    numeric column before them that has no interval of its own.

    Parameters
    ----------
    columns : list of str
        The frame's columns, in order.
    numeric : set of str, optional
        The numeric columns (default: every column but those of a text or month kind).

    Returns
    -------
    dict

    Examples
    --------
    >>> interval_columns(["plan", "churn_rate", "ci_low", "ci_high", "difference", "diff_low", "diff_high"])
    {'difference': ('diff_low', 'diff_high'), 'churn_rate': ('ci_low', 'ci_high')}
    """
    cols = [str(c) for c in columns]
    out: dict[str, tuple[str, str]] = {}
    for c in cols:
        if not c.endswith("_low") or c == "ci_low" or f"{c[:-4]}_high" not in cols:
            continue
        stem = c[:-4]
        if stem == "diff":
            value = "difference"
        elif stem.endswith("_ci"):
            value = f"{stem[:-3]}_rate" if f"{stem[:-3]}_rate" in cols else stem[:-3]
        else:
            value = stem
        if value in cols and value not in out:
            out[value] = (c, f"{stem}_high")
    if "ci_low" in cols and "ci_high" in cols:
        ends = {e for pair in out.values() for e in pair}
        before = [
            c
            for c in cols[: cols.index("ci_low")]
            if c not in ends
            and c not in out
            and (c in numeric if numeric is not None else COLUMN_KINDS.get(c) not in ("text", "month", "flag"))
        ]
        if before:
            out[before[-1]] = ("ci_low", "ci_high")
    return out


def humanize(column: str) -> str:
    """A readable header for a column the catalogue does not know: "customers_start" -> "Customers start".

    Parameters
    ----------
    column : str
        The column's name.

    Returns
    -------
    str
    """
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]
