"""Errors and warnings raised by kpikit.

``KpiDataError`` is raised for bad input: a file, a column or values that kpikit cannot use. Its
message names the source, the column, the first offending rows and a fix, so a consultant can act on
it without reading code. Warnings are for results that are computed but deserve caution.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "KpiDataError",
    "ConvergenceError",
    "ParameterError",
    "KpiWarning",
    "SmallSampleWarning",
    "VanityMetricWarning",
    "describe_rows",
]


class KpiDataError(ValueError):
    """Input data that kpikit cannot use as it is.

    The message says where (file, column), what (the first offending rows) and how to fix it.
    """


class ParameterError(KpiDataError):
    """A notebook or function parameter with a wrong name, type or value."""


class ConvergenceError(RuntimeError):
    """A statistical model could not be fitted (optimiser failed or model not identified)."""


class KpiWarning(UserWarning):
    """Base class of kpikit's warnings."""


class SmallSampleWarning(KpiWarning):
    """A rate or score rests on so few observations that its interval is wide."""


class VanityMetricWarning(KpiWarning):
    """A summary leans on reach-type metrics without engagement or conversion beside them."""


def describe_rows(rows: Sequence[int], limit: int = 5) -> str:
    """Format row numbers for an error message: ``"rows 3, 7, 9 (and 12 more)"``.

    Parameters
    ----------
    rows : sequence of int
        Row numbers as the user sees them (file line numbers or 1-based positions).
    limit : int
        How many to show before summarising the rest.

    Examples
    --------
    >>> describe_rows([3, 7, 9, 11, 12, 15, 20], limit=3)
    'rows 3, 7, 9 (and 4 more)'
    """
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    word = "row" if len(rows) == 1 else "rows"
    more = f" (and {len(rows) - limit} more)" if len(rows) > limit else ""
    return f"{word} {shown}{more}"
