"""The funnel findings of notebook 02, in plain words generated from the numbers.

Each sentence quotes a rate with its interval (or a change with its q-value), so a finding never
claims more than the data supports.
"""

from __future__ import annotations

import pandas as pd

from kpikit.funnel.compare import _count_column, biggest_leak

__all__ = ["findings"]


def _fmt_td(td: pd.Timedelta | None) -> str:
    """A duration in the unit a reader expects: seconds, minutes, hours or days."""
    if pd.isna(td):
        return "n/a"
    s = pd.Timedelta(td).total_seconds()
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def findings(
    funnel: pd.DataFrame,
    comparison: pd.DataFrame | None = None,
    labels: tuple[str, str] = ("current", "previous"),
    segments: pd.DataFrame | None = None,
    by: str | None = None,
) -> list[str]:
    """Plain-language findings from an ordered funnel, a period comparison and a breakdown.

    In order: the overall conversion with its interval; the biggest leak (lowest step conversion)
    with the people lost and the median time taken; each significantly changed step between the
    periods (or that none changed); and the range of overall conversion across the segments (small
    segments left out when others are large enough).

    Parameters
    ----------
    funnel : DataFrame
        Result of :func:`~kpikit.funnel.ordered_funnel` without ``by``.
    comparison : DataFrame, optional
        Result of :func:`~kpikit.funnel.compare_periods` on the same steps.
    labels : (str, str)
        The labels the comparison was built with (current, previous).
    segments : DataFrame, optional
        Result of :func:`~kpikit.funnel.ordered_funnel` with ``by``.
    by : str, optional
        The breakdown column of ``segments``; without it the breakdown sentence is left out.

    Returns
    -------
    list of str
        One sentence per finding.
    """
    out = []
    cnt = _count_column(funnel)
    first, last = funnel.iloc[0], funnel.iloc[-1]
    out.append(
        f"{last['conversion_from_start']:.1%} of the {int(first[cnt]):,} {cnt} who did "
        f"'{first['step_name']}' reached '{last['step_name']}' (95% CI {last['conversion_from_start_low']:.1%} "
        f"to {last['conversion_from_start_high']:.1%})."
    )
    leak = biggest_leak(funnel)
    prev_name = _step_name(funnel, leak["step"] - 1)
    out.append(
        f"The biggest leak is '{prev_name}' -> '{leak['step_name']}': only {leak['conversion_from_previous']:.1%} "
        f"continue (95% CI {leak['conversion_from_previous_low']:.1%} to {leak['conversion_from_previous_high']:.1%}), "
        f"{int(leak['drop_off']):,} {cnt} lost; the median time taken is {_fmt_td(leak['median_time_from_previous'])}."
    )
    if comparison is not None and not comparison.empty:
        la, lb = labels
        sig = comparison[comparison["significant"]]
        if sig.empty:
            out.append(
                f"No step's conversion changed significantly between {lb} and {la} (Benjamini-Hochberg, 5% FDR)."
            )
        for _, r in sig.sort_values("q_value").iterrows():
            prev_name = _step_name(funnel, r["step"] - 1)
            word = "fell" if r["difference"] < 0 else "rose"
            out.append(
                f"'{prev_name}' -> '{r['step_name']}' {word} from {r[f'rate_{lb}']:.1%} ({lb}) to "
                f"{r[f'rate_{la}']:.1%} ({la}): {r['difference'] * 100:+.1f} pts (95% CI {r['ci_low'] * 100:+.1f} "
                f"to {r['ci_high'] * 100:+.1f}, q = {r['q_value']:.2g})."
            )
    if segments is not None and by:
        lastseg = segments[segments["step"] == segments["step"].max()].dropna(subset=["conversion_from_start"])
        lastseg = lastseg[~lastseg["small_sample"]] if (~lastseg["small_sample"]).any() else lastseg
        if len(lastseg) >= 2:
            hi = lastseg.loc[lastseg["conversion_from_start"].idxmax()]
            lo = lastseg.loc[lastseg["conversion_from_start"].idxmin()]
            out.append(
                f"By {by}, overall conversion ranges from {lo['conversion_from_start']:.1%} ({lo[by]}) to "
                f"{hi['conversion_from_start']:.1%} ({hi[by]})."
            )
    return out


def _step_name(funnel: pd.DataFrame, step: int) -> str:
    """The name of step number ``step`` (1-based) of a funnel result."""
    return funnel.loc[funnel["step"] == step, "step_name"].iloc[0]
