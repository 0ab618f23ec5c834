"""The workshop's exercises: list them, check an answer (with a hint when it is wrong), give the solution.

Every exercise's answer is computed from the data by the kit's KPI functions
(:mod:`kpikit.workshop.answers`), never typed in: ``solution("churn-pooled")`` is the churn rate of the
data's months pooled, on data/sample, or on any folder of the same tables passed as ``data_dir``. A wrong
answer gets a hint, the specific one when it matches a popular mistake (churn from customers added,
an inverted ratio, a percentage given for a fraction, ...). Texts come from the catalogue
(``workshop.exercise.<id>.*``, ``workshop.trap.<key>``, ``workshop.check.*``), so a check answers
in the workshop's language.
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpikit.errors import KpiDataError, did_you_mean
from kpikit.i18n import format_value, t
from kpikit.workshop.answers import SOLVERS, TRAPS
from kpikit.workshop.data import _folder

__all__ = ["Exercise", "CheckResult", "EXERCISES", "exercises", "check", "solution"]

Kind = Literal["share", "money", "number", "text"]


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is, what kind of answer it takes and how close an answer must be.

    Parameters
    ----------
    id : str
        The exercise's id ("churn-pooled").
    notebook : str
        The workshop notebook it belongs to (file stem).
    kind : {"share", "money", "number", "text"}
        A share is a fraction (0.25 for 25%); text is compared without case or extra spaces.
    abs_tol : float
        An answer within this distance of the solution is right.
    rel_tol : float
        ... or within this fraction of the solution.
    """

    id: str
    notebook: str
    kind: Kind
    abs_tol: float = 0.0
    rel_tol: float = 0.0

    def topic(self, lang: str = "en") -> str:
        """What the exercise asks, in a few words.

        Parameters
        ----------
        lang : str
            A language code.

        Returns
        -------
        str
        """
        return t(f"workshop.exercise.{self.id}.topic", lang)

    def close(self, answer: float, expected: float) -> bool:
        """Whether a numeric answer is right within the tolerances.

        Parameters
        ----------
        answer : float
            The answer.
        expected : float
            The solution.

        Returns
        -------
        bool
        """
        return math.isclose(answer, expected, rel_tol=self.rel_tol, abs_tol=self.abs_tol)


def _share(id: str, notebook: str) -> Exercise:
    return Exercise(id, notebook, "share", abs_tol=0.0005)


def _money(id: str, notebook: str, rel_tol: float = 0.001) -> Exercise:
    return Exercise(id, notebook, "money", abs_tol=0.01, rel_tol=rel_tol)


#: Every exercise, in the order of the notebooks.
EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in [
        _share("renewal-quarter", "w1_kpi_foundations"),
        Exercise("nps", "w1_kpi_foundations", "number", abs_tol=0.15),
        Exercise("pp-change", "w1_kpi_foundations", "number", abs_tol=0.01),
        _share("bounce-pooled", "w2_web_and_funnels"),
        _share("bounce-ua", "w2_web_and_funnels"),
        _share("checkout", "w2_web_and_funnels"),
        _share("position-based", "w2_web_and_funnels"),
        _share("churn-pooled", "w3_churn_and_retention"),
        _money("mrr-month", "w3_churn_and_retention"),
        _money("expansion-month", "w3_churn_and_retention"),
        Exercise("median-lifetime", "w3_churn_and_retention", "number", abs_tol=0.05),
        _money("subscription-ltv", "w4_customer_lifetime_value", rel_tol=0.005),
        _money("ltv-churn-cut", "w4_customer_lifetime_value", rel_tol=0.005),
        _money("historical-clv", "w4_customer_lifetime_value"),
        _money("mean-clv", "w4_customer_lifetime_value", rel_tol=0.01),
        _share("engagement-reach", "w5_social_and_benchmarking"),
        Exercise("engagement-ratio", "w5_social_and_benchmarking", "number", abs_tol=0.01),
        _share("share-of-voice", "w5_social_and_benchmarking"),
        Exercise("vanity-brand", "w5_social_and_benchmarking", "text"),
    ]
}


def exercises(lang: str = "en") -> pd.DataFrame:
    """Every exercise: its id, notebook, topic and kind of answer.

    Parameters
    ----------
    lang : str
        The language of the topics.

    Returns
    -------
    DataFrame
        ``id``, ``notebook``, ``topic``, ``kind``, in the notebooks' order.

    Examples
    --------
    >>> table = exercises()
    >>> len(table) >= 15, table.loc[0, "id"]
    (True, 'renewal-quarter')
    """
    rows = [{"id": e.id, "notebook": e.notebook, "topic": e.topic(lang), "kind": e.kind} for e in EXERCISES.values()]
    return pd.DataFrame(rows, columns=["id", "notebook", "topic", "kind"])


def _exercise(id: str) -> Exercise:
    if id not in EXERCISES:
        raise KpiDataError(f"no exercise {id!r}{did_you_mean(id, list(EXERCISES), 'exercises')}")
    return EXERCISES[id]


def _key(d: str | Path | None) -> str:
    return str(_folder(d))


@functools.lru_cache(maxsize=128)
def _solved(id: str, folder: str) -> Any:
    return SOLVERS[id](folder)


@functools.lru_cache(maxsize=128)
def _trapped(id: str, folder: str) -> dict:
    return TRAPS[id](folder)


def solution(id: str, data_dir: str | Path | None = None) -> float | str:
    """The answer of an exercise, computed from the data by the kit's KPI functions.

    Parameters
    ----------
    id : str
        The exercise's id (:func:`exercises` lists them).
    data_dir : str or Path, optional
        The data folder (default: data/sample).

    Returns
    -------
    float or str
        A fraction for shares, an amount for money, a name for text answers.

    Raises
    ------
    KpiDataError
        For an unknown exercise (naming the closest id) or a folder without the tables it needs.
    """
    return _solved(_exercise(id).id, _key(data_dir))


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` says about an answer: true when it is right, with a hint when it is not.

    Parameters
    ----------
    id : str
        The exercise.
    correct : bool
        Whether the answer is right.
    answered : bool
        False while the answer is still ``None`` (or ``...``).
    message : str
        The verdict, in the workshop's language.
    hint : str or None
        What to look at again (None when right).
    """

    id: str
    correct: bool
    answered: bool
    message: str
    hint: str | None = None

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        mark, colour = ("✔", "#1b7f3b") if self.correct else ("✘", "#b03a2e") if self.answered else ("…", "#6b7785")
        hint = f"<div style='margin-top:.3em'>{html.escape(self.hint)}</div>" if self.hint else ""
        return (
            f"<div class='kpikit-check' style='border-left:4px solid {colour};padding:.4em .8em'>"
            f"<strong style='color:{colour}'>{mark}</strong> {html.escape(self.message)}{hint}</div>"
        )


def _number(answer: Any) -> float | None:
    if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray, list, tuple)):
        values = np.asarray(answer, dtype=object).ravel()
        if values.size != 1:
            return None
        answer = values[0]
    if isinstance(answer, (bool, str)):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _normalise(text: Any) -> str:
    return " ".join(str(text).casefold().split())


def _spec(kind: Kind) -> str:
    return {"share": "pct", "money": "money", "number": "num", "text": ""}[kind]


def _verdict(ex: Exercise, answer: Any, expected: Any, traps: dict, lang: str) -> tuple[bool, str | None]:
    """(correct, hint key) of an answered exercise."""
    if ex.kind == "text":
        if not isinstance(answer, str):
            return False, "workshop.check.expects_text"
        if _normalise(answer) == _normalise(expected):
            return True, None
        trap = next((k for k, v in traps.items() if _normalise(v) == _normalise(answer)), None)
        return False, f"workshop.trap.{trap}" if trap else f"workshop.exercise.{ex.id}.hint"
    value = _number(answer)
    if value is None:
        return False, "workshop.check.expects_number"
    if ex.close(value, expected):
        return True, None
    for key, wrong in traps.items():
        if ex.close(value, wrong):
            return False, f"workshop.trap.{key}"
    if ex.kind == "share" and ex.close(value / 100.0, expected):
        return False, "workshop.check.percent_not_fraction"
    return False, f"workshop.exercise.{ex.id}.hint"


def check(id: str, answer: Any, data_dir: str | Path | None = None, lang: str = "en") -> CheckResult:
    """Check an answer: true when right (numbers within the exercise's tolerance), with a hint when not.

    Parameters
    ----------
    id : str
        The exercise's id.
    answer : Any
        The learner's answer: a number (a ``Rate`` or ``Score`` counts as its value), a one-value
        Series, or text; ``None`` (or ``...``) while not answered yet.
    data_dir : str or Path, optional
        The data folder the answer was computed on (default: data/sample).
    lang : str
        The language of the verdict and hint.

    Returns
    -------
    CheckResult
        True when the answer is right; ``hint`` says what to look at when it is not (the specific
        mistake when the answer is a known wrong one). It never gives the solution away.

    Raises
    ------
    KpiDataError
        For an unknown exercise (naming the closest id).

    Examples
    --------
    >>> bool(check("churn-pooled", solution("churn-pooled")))
    True
    >>> print(check("churn-pooled", 0.0883).hint)
    Hint: ...
    """
    ex = _exercise(id)
    if answer is None or answer is Ellipsis:
        return CheckResult(id, False, False, t("workshop.check.unanswered", lang))
    folder = _key(data_dir)
    expected = _solved(id, folder)
    correct, hint_key = _verdict(ex, answer, expected, _trapped(id, folder), lang)
    shown = answer if ex.kind == "text" else _number(answer)
    text = format_value(shown, _spec(ex.kind), lang, "GBP") if shown is not None else "–"
    if correct:
        return CheckResult(id, True, True, t("workshop.check.right", lang, answer=text))
    hint = t("workshop.check.hint", lang, hint=t(hint_key, lang)) if hint_key else None
    return CheckResult(id, False, True, t("workshop.check.wrong", lang, answer=text), hint)
