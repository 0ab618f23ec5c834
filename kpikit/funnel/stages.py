"""CRM stage funnels by entry cohort, and the lead-to-customer rate.

A lead is counted in the cohort (month, quarter, ...) of its first stage, and every later stage it
reaches is counted in that same cohort, however long it took: rates compare leads with their own
cohort, never a month's wins with another month's leads. Stage order follows the SiriusDecisions
Demand Waterfall (inquiry or lead, MQL, SAL, SQL, opportunity, won).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, describe_rows
from kpikit.funnel.events import _add_conversion
from kpikit.funnel.steps import _FIX
from kpikit.schemas import require_columns, utc_naive
from kpikit.stats import Rate, is_small_sample, rate, rate_frame
from kpikit.stats.periods import period_code

__all__ = ["stage_funnel", "lead_to_customer", "lead_to_customer_rate"]


def _stage_columns(leads: pd.DataFrame, stages: Sequence[str], stage_cols: Mapping[str, str] | None) -> list[str]:
    cols = []
    for s in stages:
        if stage_cols and s in stage_cols:
            cols.append(stage_cols[s])
        elif f"{s}_at" in leads.columns:
            cols.append(f"{s}_at")
        elif s == stages[0] and "created_at" in leads.columns:
            cols.append("created_at")
        else:
            cols.append(f"{s}_at")
    return cols


def _stage_times(
    leads: pd.DataFrame,
    stages: Sequence[str],
    stage_cols: Mapping[str, str] | None,
    skipped: str,
    check_order: bool,
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stage times of each lead, checked: columns, times, recorded, reached and skipped flags (lead x stage)."""
    cols = _stage_columns(leads, stages, stage_cols)
    require_columns(leads, cols, "leads", fix=_FIX)
    t = np.empty((len(leads), len(stages)), dtype="datetime64[ns]")
    for j, c in enumerate(cols):
        s = leads[c]
        if not pd.api.types.is_datetime64_any_dtype(s.dtype):
            raise KpiDataError(
                f"leads, column '{c}': expected datetimes (empty when the stage was not reached), got {s.dtype}."
            )
        t[:, j] = utc_naive(s, f"leads, column '{c}'").to_numpy(dtype="datetime64[ns]")  # tz-aware: to UTC
    has = ~np.isnat(t)
    if not has[:, 0].all():
        bad = np.flatnonzero(~has[:, 0])
        raise KpiDataError(
            f"leads, column '{cols[0]}': {bad.size} leads have no entry time ({describe_rows((bad + 1).tolist())}). "
            "Every lead needs the time it entered the funnel."
        )
    if check_order:
        tf = np.where(has, t, np.datetime64("NaT"))
        v = tf.view(np.int64).astype(float)
        v[~has] = np.nan
        # each recorded stage must not come before the previous recorded stage
        prev = pd.DataFrame(v).ffill(axis=1).shift(1, axis=1).to_numpy()
        bad_rows = np.flatnonzero(np.any(has & (v < prev), axis=1))
        if bad_rows.size:
            i = bad_rows[0]
            lid = leads["lead_id"].iloc[i] if "lead_id" in leads.columns else i + 1
            raise KpiDataError(
                f"leads: {bad_rows.size} leads have a stage before an earlier stage "
                f"({describe_rows((bad_rows + 1).tolist())}; first: lead {lid}). Fix the CRM export, or pass "
                "check_order=False to count them as they are."
            )
    # reached: a later recorded stage implies the earlier ones ("implied") or every stage up to k
    # must be recorded ("recorded")
    later = np.flip(np.logical_or.accumulate(np.flip(has, axis=1), axis=1), axis=1)
    if skipped == "implied":
        reached = later
    elif skipped == "recorded":
        reached = np.logical_and.accumulate(has, axis=1)
    else:
        raise KpiDataError(f"skipped must be 'implied' or 'recorded' (got {skipped!r}).")
    skipped_here = later & ~has
    return cols, t, has, reached, skipped_here


def _cohorts(entry: np.ndarray, cohort: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Each lead's entry cohort: codes into the sorted cohort labels ("2025-01", "2025Q1"; "all" for None)."""
    if cohort is None:
        coh = np.zeros(len(entry), dtype=np.int64)
        coh_labels = np.array(["all"], dtype=object)
    else:
        per = pd.PeriodIndex(pd.DatetimeIndex(entry), freq=period_code(cohort, "cohort"))
        coh, coh_labels = pd.factorize(per, sort=True)
        coh_labels = np.asarray(coh_labels.astype(str), dtype=object)
    return coh, coh_labels


def _cohort_rows(
    stages: list[str],
    coh: np.ndarray,
    coh_labels: np.ndarray,
    t: np.ndarray,
    has: np.ndarray,
    reached: np.ndarray,
    skipped_here: np.ndarray,
) -> list[dict]:
    """One record per cohort and stage: leads reached, previous and first counts, skipped, median days."""
    n_c = coh_labels.size
    rows = []
    cnt = np.vstack([np.bincount(coh, weights=reached[:, j], minlength=n_c) for j in range(len(stages))]).T
    skp = np.vstack([np.bincount(coh, weights=skipped_here[:, j], minlength=n_c) for j in range(len(stages))]).T
    days = {}
    for j in range(1, len(stages)):
        both = has[:, j] & has[:, j - 1]
        d = (t[both, j] - t[both, j - 1]) / np.timedelta64(1, "D")
        days[j] = pd.Series(d).groupby(coh[both]).median()
    for c in range(n_c):
        for j, s in enumerate(stages):
            rows.append(
                {
                    "cohort": coh_labels[c],
                    "stage": s,
                    "leads": int(cnt[c, j]),
                    "_prev": int(cnt[c, j - 1]) if j else int(cnt[c, 0]),
                    "_first": int(cnt[c, 0]),
                    "skipped": int(skp[c, j]),
                    "median_days_from_previous": float(days[j].get(c, np.nan)) if j else np.nan,
                }
            )
    return rows


def stage_funnel(
    leads: pd.DataFrame,
    stages: Sequence[str] = ("lead", "mql", "sal", "sql", "opportunity", "won"),
    cohort: str | None = "M",
    skipped: Literal["implied", "recorded"] = "implied",
    stage_cols: Mapping[str, str] | None = None,
    check_order: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """CRM stage funnel by entry cohort: leads reaching each stage, with stage conversion.

    conversion_from_previous(k) = leads reaching stage k / leads reaching stage k-1;
    conversion_from_start(k) = leads reaching k / leads in the cohort (at the last stage this is
    the lead-to-customer rate). Median days between stages use leads with both timestamps.

    Parameters
    ----------
    leads : DataFrame
        Canonical ``leads`` table: one row per lead with a timestamp per stage (``<stage>_at``,
        NaT when not reached). The first stage uses ``lead_at``, or ``created_at`` when absent.
    stages : sequence of str
        Stage names in funnel order (SiriusDecisions order: SAL before SQL).
    cohort : str or None
        Period grain of the entry cohort, any alias of :mod:`kpikit.stats.periods` ("M" or "MS" months,
        "Q" or "QS" quarters, "W" weeks, "D", "Y"); None for one overall row set ("all").
    skipped : {"implied", "recorded"}
        A lead whose export skips a stage (sql_at set, sal_at empty). "implied" (default): reaching a
        later stage implies the earlier ones, so it counts at SAL. "recorded": a lead counts at stage
        k only with timestamps for every stage up to k, so it stops at MQL. Either way the
        ``skipped`` column counts such leads at each stage.
    stage_cols : mapping, optional
        Stage name -> column name, for exports with other names.
    check_order : bool
        Raise when a recorded stage comes before an earlier recorded stage.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per cohort and stage: cohort, stage, leads, conversion_from_previous (+ _low, _high),
        conversion_from_start (+ _low, _high), skipped, median_days_from_previous, small_sample.

    References
    ----------
    SiriusDecisions Demand Waterfall (2006, revised 2012): inquiry, MQL, SAL, SQL, won.

    Examples
    --------
    >>> leads = pd.DataFrame({"lead_id": [1, 2], "created_at": pd.to_datetime(["2025-01-03", "2025-01-09"]),
    ...     "won_at": pd.to_datetime(["2025-02-01", None])})
    >>> stage_funnel(leads, stages=("lead", "won"))["leads"].tolist()
    [2, 1]
    """
    stages = list(stages)
    if len(stages) < 2:
        raise KpiDataError("stage_funnel needs at least two stages.")
    _, t, has, reached, skipped_here = _stage_times(leads, stages, stage_cols, skipped, check_order)
    coh, coh_labels = _cohorts(t[:, 0], cohort)
    rows = _cohort_rows(stages, coh, coh_labels, t, has, reached, skipped_here)
    f = pd.DataFrame(rows)
    k = f["leads"].to_numpy(float)
    _add_conversion(f, "conversion_from_previous", k, f["_prev"].to_numpy(float), level)
    _add_conversion(f, "conversion_from_start", k, f["_first"].to_numpy(float), level)
    f["small_sample"] = is_small_sample(k, f["_prev"].to_numpy(float))
    return f[
        [
            "cohort",
            "stage",
            "leads",
            "conversion_from_previous",
            "conversion_from_previous_low",
            "conversion_from_previous_high",
            "conversion_from_start",
            "conversion_from_start_low",
            "conversion_from_start_high",
            "skipped",
            "median_days_from_previous",
            "small_sample",
        ]
    ]


def lead_to_customer(
    leads: pd.DataFrame,
    cohort: str | None = "M",
    won_stage: str = "won",
    first_stage: str = "lead",
    stage_cols: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Lead-to-customer rate per entry cohort: won / leads of the same cohort, with Wilson interval.

    lead_to_customer = leads of the cohort that reached ``won_stage`` / leads that entered in the
    cohort. Young cohorts have not had time to close; read their rate as a lower bound.

    Parameters
    ----------
    leads : DataFrame
        Canonical ``leads`` table (see :func:`stage_funnel`).
    cohort : str or None
        Period grain of the entry cohort ("M", "Q", ...; see :func:`stage_funnel`); None for all leads.
    won_stage, first_stage : str
        The stage that makes a customer and the stage that makes a lead.
    stage_cols : mapping, optional
        Stage name -> column name, for exports with other names.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        cohort, leads, won, lead_to_customer, ci_low, ci_high, small_sample.

    References
    ----------
    SiriusDecisions Demand Waterfall (2006, revised 2012): the lead-to-customer (won) conversion.
    """
    f = stage_funnel(leads, stages=(first_stage, won_stage), cohort=cohort, stage_cols=stage_cols, level=level)
    leads_n = f[f["stage"] == first_stage].set_index("cohort")["leads"]
    won = f[f["stage"] == won_stage].set_index("cohort")["leads"]
    out = pd.DataFrame(
        {"cohort": leads_n.index, "leads": leads_n.to_numpy(), "won": won.reindex(leads_n.index).to_numpy()}
    )
    return rate_frame(out, "won", "leads", "lead_to_customer", level=level)


def lead_to_customer_rate(
    leads: pd.DataFrame,
    won_stage: str = "won",
    first_stage: str = "lead",
    stage_cols: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> Rate:
    """Lead-to-customer rate over all leads, as one :class:`~kpikit.stats.Rate` (a report's headline).

    lead_to_customer_rate = leads that reached ``won_stage`` / all leads, with a Wilson interval: the
    single-row :func:`lead_to_customer` with ``cohort=None``. Leads that are still open count as not
    won, so recent data pulls the rate down.

    Parameters
    ----------
    leads : DataFrame
        Canonical ``leads`` table (see :func:`stage_funnel`).
    won_stage, first_stage : str
        The stage that makes a customer and the stage that makes a lead.
    stage_cols : mapping, optional
        Stage name -> column name, for exports with other names.
    level : float
        Confidence level of the interval.

    Returns
    -------
    Rate
        successes = leads won, trials = leads.

    References
    ----------
    SiriusDecisions Demand Waterfall (2006, revised 2012): the lead-to-customer (won) conversion.

    Examples
    --------
    >>> leads = pd.DataFrame({"lead_id": [1, 2], "created_at": pd.to_datetime(["2025-01-03", "2025-01-09"]),
    ...     "won_at": pd.to_datetime(["2025-02-01", None])})
    >>> r = lead_to_customer_rate(leads)
    >>> r.successes, r.trials, float(r)
    (1, 2, 0.5)
    """
    row = lead_to_customer(
        leads, cohort=None, won_stage=won_stage, first_stage=first_stage, stage_cols=stage_cols, level=level
    ).iloc[0]
    return rate(int(row["won"]), int(row["leads"]), level=level, warn_small=False)
