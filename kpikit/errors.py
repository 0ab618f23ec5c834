"""Errors and warnings raised by kpikit.

``KpiDataError`` is raised for bad input: a file, a column or values that kpikit cannot use. Its
message names the source, the column, the first offending rows and a fix, so a consultant can act on
it without reading code. Warnings are for results that are computed but deserve caution.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

__all__ = [
    "KpiDataError",
    "ConvergenceError",
    "ParameterError",
    "BatchConfigError",
    "MissingTableError",
    "MissingTranslationError",
    "KpiWarning",
    "SmallSampleWarning",
    "VanityMetricWarning",
    "IdentificationWarning",
    "describe_rows",
    "closest",
    "similarity",
    "did_you_mean",
    "normalise_name",
]


class KpiDataError(ValueError):
    """Input data that kpikit cannot use as it is.

    The message says where (file, column), what (the first offending rows) and how to fix it.
    """


class ParameterError(KpiDataError):
    """A notebook or function parameter with a wrong name, type or value."""


class BatchConfigError(ParameterError):
    """A batch file with problems; ``problems`` lists every one of them.

    Parameters
    ----------
    source : str
        The batch file (or what was checked), named at the start of the message.
    problems : sequence of str
        Every problem found, one message each.
    """

    def __init__(self, source: str, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__(
            f"{source}: {len(self.problems)} problem(s), nothing was run:\n  - " + "\n  - ".join(self.problems)
        )


class MissingTableError(KpiDataError):
    """An optional table of a report is not in the data folder (or failed its checks).

    Its message is the report's one-line note ("No surveys table: the NPS and CSAT sections are
    skipped."); the renderer shows it in place of the sections that need the table.
    """


class MissingTranslationError(KpiDataError):
    """A message catalogue has no entry for a key or finding template in the report's language."""


class ConvergenceError(RuntimeError):
    """A statistical model could not be fitted (optimiser failed or model not identified)."""


class KpiWarning(UserWarning):
    """Base class of kpikit's warnings."""


class SmallSampleWarning(KpiWarning):
    """A rate or score rests on so few observations that its interval is wide."""


class VanityMetricWarning(KpiWarning):
    """A summary leans on reach-type metrics without engagement or conversion beside them."""


class IdentificationWarning(KpiWarning):
    """A fitted model's data do not pin down one of its parameters.

    Raised when a parameter ran to the edge of its range, its standard error exceeds its estimate, or
    the information matrix is singular: the fit is returned (``identified_`` is False) but what rests
    on that parameter is not evidence.
    """


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


def normalise_name(name: object) -> str:
    """A name lower-cased with every run of other characters as one ``_``: how kpikit compares names.

    Parameters
    ----------
    name : object
        A column, metric or parameter name.

    Returns
    -------
    str

    Examples
    --------
    >>> normalise_name("Bounce Rate (%)")
    'bounce_rate'
    """
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def similarity(name: str, candidate: str) -> float:
    """How alike two names are, after lower-casing and reducing punctuation to ``_``: 0 to 2.

    2 for the same normalised name; 1 to 2 when every word of ``name`` is a word of ``candidate``
    ("start" and "Session Start"); 0.8 to 1.3 when one contains the other; otherwise difflib's ratio
    (0 to 1). Scores of 1 and above are "really close": safe to offer as a mapping example.

    Parameters
    ----------
    name : str
        The name asked for.
    candidate : str
        A name that exists.

    Returns
    -------
    float

    Examples
    --------
    >>> similarity("customer_id", "Customer ID"), similarity("start", "Session Start") >= 1
    (2.0, True)
    """
    target, c = normalise_name(name), normalise_name(candidate)
    if not target or not c:
        return 0.0
    if target == c:
        return 2.0
    ratio = difflib.SequenceMatcher(None, target, c).ratio()
    if set(target.split("_")) <= set(c.split("_")):
        return 1.0 + ratio
    if (target in c or c in target) and min(len(target), len(c)) >= 3:  # 'n' is in every name
        return 0.8 + ratio / 2
    return ratio


def closest(name: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The candidates most like ``name``, best first: the one "did you mean" of kpikit.

    Parameters
    ----------
    name : str
        The name that was not found (a column, a parameter, a table, a notebook).
    candidates : iterable of str
        The names that exist.
    n : int
        At most this many names.
    cutoff : float
        Least :func:`similarity` to be listed; 1.0 keeps only really close names.

    Returns
    -------
    list of str

    Examples
    --------
    >>> closest("start", ["Session Start", "Landing Page", "Device"])
    ['Session Start']
    >>> closest("top_n", ["top_n", "min_sessions", "thresholds"], n=1)
    ['top_n']
    """
    scored = [(-similarity(name, c), i, str(c)) for i, c in enumerate(candidates)]
    return [c for s, _, c in sorted(scored) if -s >= cutoff][:n]


def did_you_mean(name: str, candidates: Sequence[str], what: str = "valid") -> str:
    """A message tail: ``"; did you mean 'x'?"``, or the valid names when none is close.

    Parameters
    ----------
    name : str
        The name that was not found.
    candidates : sequence of str
        The names that exist.
    what : str
        The word before the list of valid names ("valid", "declared", ...).

    Returns
    -------
    str

    Examples
    --------
    >>> did_you_mean("top_m", ["top_n", "freq"])
    "; did you mean 'top_n'?"
    >>> did_you_mean("zzz", ["top_n", "freq"], what="declared")
    '; declared: top_n, freq'
    """
    close = closest(name, candidates, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; {what}: {', '.join(map(str, candidates))}"
