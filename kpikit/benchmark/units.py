"""Units of an industry comparison: a benchmark fraction written as a percentage is refused, not compared.

Rates and shares are fractions in [0, 1] across kpikit (a bounce rate of 0.62, not 62). A published
figure typed as 47 instead of 0.47 would otherwise place a 62% bounce rate in the top quartile. The
check runs where a client KPI meets its benchmark rows (:func:`kpikit.benchmark.against_industry`),
because only there is it known which unit each side is in: the benchmark row's ``unit`` column, the
client's counts, the metric's name.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from kpikit.errors import KpiDataError, describe_rows

__all__: list[str] = []

#: Units of the benchmarks table's ``unit`` column: a percentage, or a fraction (a rate or share in [0, 1]).
_PERCENT_UNIT = re.compile(r"%|\bper ?cent|\bpercentage|\bpct\b", re.IGNORECASE)
_FRACTION_UNIT = re.compile(r"\b(fraction|share|proportion)\b", re.IGNORECASE)
#: Metric names (normalised) that name a rate or a share.
_RATE_NAME = re.compile(r"(^|_)(rate|share|ratio|percentage)(_|$)")
_BAND_COLUMNS = {"p25": "p25", "p50": "p50", "p75": "p75", "value": "value_bm"}


def _unit_kind(unit: object) -> str | None:
    """The kind of a benchmark row's unit text: "percent", "fraction" or "other"; None when it gives none."""
    if unit is None or (not isinstance(unit, str) and pd.isna(unit)) or not str(unit).strip():
        return None
    if _PERCENT_UNIT.search(str(unit)):
        return "percent"
    return "fraction" if _FRACTION_UNIT.search(str(unit)) else "other"


def _check_units(merged: pd.DataFrame, source: str) -> None:
    """Refuse a comparison whose two sides are not in one unit: the guard against a 47 read as 47 (not 47%).

    A matched benchmark row is a fraction when its unit says so ("fraction of sessions"), or, without a
    unit, when the client's KPI is a rate of counts or a rate-named KPI in [0, 1]. Its p25/p50/p75/value
    must then lie in [0, 1]; a client KPI above 1 against a fraction, or a fraction client KPI against a
    unit in percent, is refused too. Rows with another unit ("engagements per post per follower",
    "points") are compared as they are.
    """
    problems: dict[tuple[str, str, str], dict[int, float]] = {}
    others: list[str] = []
    for r in merged.to_dict("records"):  # a handful of matched rows
        kind, unit, client, metric = _unit_kind(r["unit"]), r["unit"], _number(r["value"]), r["metric_bm"]
        band = {c: _number(r[k]) for c, k in _BAND_COLUMNS.items() if not math.isnan(_number(r[k]))}
        counts = not (math.isnan(_number(r["successes"])) or math.isnan(_number(r["trials"])))
        rate_named = bool(_RATE_NAME.search(r["_key"]))
        client_fraction = counts or (rate_named and 0 <= client <= 1)
        if kind == "fraction":
            why = f"its unit is {unit!r}"
        elif kind is None and counts:
            why = f"the client's {r['metric']} is a rate of counts ({_number(r['successes']):g} of {_number(r['trials']):g})"
        elif kind is None and client_fraction and any(v > 1 for v in band.values()):
            why = f"the client's {r['metric']} is {client:g}"
        else:
            why = ""
        for col, v in band.items():
            if why and not 0 <= v <= 1:
                problems.setdefault((col, metric, why), {})[int(r["_row"])] = v
        if kind == "percent" and client_fraction:
            others.append(
                f"{source}, column 'unit': data row {int(r['_row'])} says {unit!r} for {metric}, but the client's "
                f"{r['metric']} is a fraction ({client:g}). Write the benchmark as a fraction (0.47 for 47%) with a "
                "unit such as 'fraction of sessions', so that both sides are in one unit."
            )
        fraction_band = kind == "fraction" or (kind is None and rate_named and band and max(band.values()) <= 1)
        if fraction_band and not math.isnan(client) and not 0 <= client <= 1:
            fix = f"({client / 100:g} for {client:g}%)" if 1 < client <= 100 else "in [0, 1]"
            others.append(
                f"client KPI {r['metric']}: {client:g}, but the benchmark it is compared with ({source}, data row "
                f"{int(r['_row'])}, {metric}{f', unit {unit!r}' if kind else ''}) is a fraction in [0, 1]: give the "
                f"client's {r['metric']} as a fraction {fix}."
            )
    lines = [_fraction_problem(source, col, metric, why, found) for (col, metric, why), found in problems.items()]
    if lines or others:
        raise KpiDataError("\n".join(lines + others))


def _number(x: object) -> float:
    """A cell as a float: NaN for None, NA and NaN."""
    return float("nan") if x is None or pd.isna(x) else float(x)


def _fraction_problem(source: str, col: str, metric: str, why: str, found: dict[int, float]) -> str:
    """One line of :func:`_check_units`: the rows of ``col`` that hold a fraction metric outside [0, 1]."""
    rows = sorted(found)
    values = ", ".join(f"{found[row]:g}" for row in rows[:5]) + (" ..." if len(rows) > 5 else "")
    first = found[rows[0]]
    if 1 < first <= 100:
        fix = (
            f"write {first / 100:g} ({first:g}% as a fraction; '{first:g}%' with its sign reads as {first / 100:g} too)"
        )
    else:
        fix = "a fraction lies in [0, 1]: check the figure against its source"
    return (
        f"{source}, column '{col}': data {describe_rows(rows)} hold {values} for {metric}, a fraction ({why}): {fix}."
    )
