"""A workshop notebook's helper: its tables, its language's labels, checks, tables and what-if sliders.

Every workshop notebook starts with::

    ws = kk.workshop.start("w3_churn_and_retention", data_dir, lang)

and then reads ``ws.tables["subscriptions"]``, prints labels with ``ws.say(...)`` (from the
catalogue, so a Vietnamese edition prints Vietnamese), shows tables with ``ws.table(...)`` and checks
answers with ``ws.check(id, answer)``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError, did_you_mean
from kpikit.i18n import format_interval, format_value, has_key, language, t
from kpikit.workshop.data import NOTEBOOKS, table
from kpikit.workshop.exercises import CheckResult, check
from kpikit.workshop.mistakes import Pair, pairs_table

__all__ = ["Workshop", "Line", "start"]


class Line(str):
    """One printed line of a workshop notebook: text, shown without quotes."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f"<p class='kpikit-line'>{html.escape(self)}</p>"


class _Tables(Mapping):
    """The canonical tables of the workshop's data folder, each read on first use."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = data_dir

    def __getitem__(self, name: str) -> pd.DataFrame:
        return table(name, self.data_dir)

    def __iter__(self) -> Iterator[str]:
        from kpikit.schemas import TABLES

        return iter(TABLES)

    def __len__(self) -> int:
        from kpikit.schemas import TABLES

        return len(TABLES)


class Workshop:
    """What a workshop notebook needs: its data, its language and its checks.

    Parameters
    ----------
    notebook : str
        The notebook's stem ("w1_kpi_foundations").
    data_dir : str or Path
        The data folder (relative to the notebook's folder when run there).
    lang : str
        The language of labels, tables and checks.
    currency : str
        The currency of money in the data.
    """

    def __init__(self, notebook: str, data_dir: str | Path, lang: str = "en", currency: str = "GBP") -> None:
        if notebook not in NOTEBOOKS:
            raise KpiDataError(
                f"no workshop notebook {notebook!r}{did_you_mean(notebook, list(NOTEBOOKS), 'notebooks')}"
            )
        language(lang)  # an unknown language stops here, listing the available ones
        self.notebook = notebook
        self.data_dir = data_dir
        self.lang = lang
        self.currency = currency
        self.tables = _Tables(data_dir)

    def t(self, key: str, **fields: Any) -> str:
        """A workshop label (``workshop.<key>``) in the notebook's language, placeholders filled.

        Parameters
        ----------
        key : str
            The key below ``workshop.`` ("label.by_hand").
        **fields
            The placeholders' values.

        Returns
        -------
        str
        """
        return t(f"workshop.{key}", self.lang, currency=self.currency, **fields)

    def say(self, key: str, **fields: Any) -> Line:
        """A printed line: the label ``workshop.label.<key>`` with its numbers, in the notebook's language.

        Parameters
        ----------
        key : str
            The label's key below ``workshop.label.``.
        **fields
            The placeholders' values (numbers stay numbers: the language formats them).

        Returns
        -------
        Line
        """
        return Line(self.t(f"label.{key}", **fields))

    def value(self, key: str, value: Any, spec: str | None = None) -> Line:
        """A KPI as one line: "label: value (95% CI low–high; k of n)" for a Rate or Score.

        Parameters
        ----------
        key : str
            The label's key below ``workshop.label.``.
        value : Rate, Score or float
            The value; a Rate writes its interval and counts, a Score its interval and n.
        spec : str, optional
            How a Score or a number is written (a format spec: "num1", "money", ...); default "num1"
            (a Rate is always a share).

        Returns
        -------
        Line
        """
        label = self.t(f"label.{key}")
        spec = spec or "num1"

        def fmt(x: Any, how: str = spec) -> str:
            return format_value(x, how, self.lang, self.currency)

        if hasattr(value, "successes"):
            ends = format_interval(value.low, value.high, lambda x: fmt(x, "pct"), self.lang)
            text = self.t("label.rate_value", value=value.value, interval=ends, k=value.successes, n=value.trials)
        elif hasattr(value, "n") and hasattr(value, "low"):
            ends = format_interval(value.low, value.high, fmt, self.lang)
            text = self.t("label.score_value", value=fmt(value.value), interval=ends, n=value.n)
        else:
            text = fmt(float(value))
        return Line(f"{label}: {text}")

    def line(self, finding: Any) -> Line:
        """A finding of the kit (a :class:`kpikit.i18n.Finding`) as a line in the notebook's language.

        Parameters
        ----------
        finding : Finding or str
            The finding; plain text is shown as it is.

        Returns
        -------
        Line
        """
        text = finding.text(self.lang, currency=self.currency) if hasattr(finding, "template") else str(finding)
        return Line(text)

    def check(self, id: str, answer: Any) -> CheckResult:
        """Check an answer to an exercise, on this notebook's data, in its language.

        Parameters
        ----------
        id : str
            The exercise's id.
        answer : Any
            The answer (None while not answered).

        Returns
        -------
        CheckResult
        """
        return check(id, answer, data_dir=self.data_dir, lang=self.lang)

    def _labels(self, frame: pd.DataFrame) -> dict[str, str]:
        return {
            c: t(f"workshop.column.{c}", self.lang)
            for c in map(str, frame.columns)
            if has_key(f"workshop.column.{c}") and not (has_key(f"column.{c}") and has_key(f"column.{c}", self.lang))
        }

    def labels(self, names: Iterable[str]) -> str:
        """Column names as a table of this notebook labels them, joined by commas.

        Parameters
        ----------
        names : iterable of str
            Column or KPI names ("followers_end", "reach").

        Returns
        -------
        str
            The labels in the notebook's language; a name without a label is shown as it is.
        """
        from kpikit.report.columns import humanize

        frame = pd.DataFrame(columns=list(names))
        own = self._labels(frame)
        shown = [
            own.get(c) or (t(f"column.{c}", self.lang) if has_key(f"column.{c}", self.lang) else humanize(c))
            for c in frame.columns
        ]
        return ", ".join(shown)

    def _term(self, value: Any) -> Any:
        key = f"workshop.term.{value}"
        return t(key, self.lang) if isinstance(value, str) and has_key(key) else value

    def table(self, frame: pd.DataFrame, caption: str | None = None, **options: Any) -> Any:
        """A table in the notebook's language (:func:`kpikit.report.table` with ``lang``).

        Columns the kit's catalogue does not label in the notebook's language take the workshop's own
        labels (``workshop.column.<name>``).

        Parameters
        ----------
        frame : DataFrame
            The data.
        caption : str, optional
            The caption, a key below ``workshop.caption.`` or text already in the language.
        **options
            Passed on (``percent``, ``money``, ``pp``, ``formats``, ``columns``, ...), in the frame's
            column names.

        Returns
        -------
        kpikit.report.ClientTable
        """
        from kpikit.report import table as report_table

        names = self._labels(frame)
        for option in ("percent", "money", "pp", "counts", "columns"):
            if options.get(option) is not None:
                options[option] = [names.get(c, c) for c in options[option]]
        if options.get("formats"):
            options["formats"] = {names.get(c, c): spec for c, spec in options["formats"].items()}
        if caption is not None and has_key(f"workshop.caption.{caption}"):
            caption = self.t(f"caption.{caption}")
        shown = frame.rename(columns=names)
        for column in shown.columns:
            if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column]):
                shown[column] = shown[column].map(self._term)
        shown.attrs = dict(frame.attrs)
        return report_table(shown, caption=caption, lang=self.lang, currency=self.currency, **options)

    def mistakes(self, pairs: Pair | Iterable[Pair], caption: str | None = None) -> Any:
        """Wrong and right numbers side by side (:func:`kpikit.workshop.pairs_table`).

        Parameters
        ----------
        pairs : Pair or iterable of Pair
            The mistakes.
        caption : str, optional
            A key below ``workshop.caption.``, or text.

        Returns
        -------
        kpikit.report.ClientTable
        """
        items = [pairs] if isinstance(pairs, Pair) else list(pairs)
        if caption is not None and has_key(f"workshop.caption.{caption}"):
            caption = self.t(f"caption.{caption}")
        return pairs_table(items, self.lang, self.currency, caption)

    def what_if(self, frame: pd.DataFrame, slider: str, caption: str | None = None, **options: Any) -> Any:
        """A what-if table, and in JupyterLab with ipywidgets a slider over its rows.

        The table (every row) is what an HTML edition shows; the slider, when ipywidgets is installed
        and a kernel runs the notebook, picks one row at a time.

        Parameters
        ----------
        frame : DataFrame
            One row per value of the input (:func:`kpikit.workshop.ltv_by_churn`, ...).
        slider : str
            The input column the slider moves along.
        caption : str, optional
            A key below ``workshop.caption.``, or text.
        **options
            Passed to :meth:`table`.

        Returns
        -------
        kpikit.report.ClientTable
        """
        if slider not in frame.columns:
            raise KpiDataError(f"what_if: no column {slider!r}{did_you_mean(slider, list(map(str, frame.columns)))}")
        shown = self.table(frame, caption=caption, **options)
        _slider(self, frame, slider, options)
        return shown


class _Slider:
    """A what-if slider as a notebook shows it: the widget in JupyterLab, one plain line elsewhere.

    A widget's own text form is its Python repr; this one says in words what the slider does, so an
    executed notebook or an HTML edition never shows widget internals.
    """

    def __init__(self, widget: Any, text: str) -> None:
        self.widget = widget
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = self.text
        return bundle


def _slider(ws: Workshop, frame: pd.DataFrame, column: str, options: dict) -> _Slider | None:
    """A slider over a what-if table's rows, shown when ipywidgets is installed and a kernel runs."""
    try:
        import ipywidgets
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    from kpikit.report.columns import KIND_SPECS, column_kind, humanize

    spec = KIND_SPECS.get(column_kind(frame, column), "")
    stops = [
        (format_value(v, "" if spec == "flag" else spec, ws.lang, ws.currency), i) for i, v in enumerate(frame[column])
    ]
    label = ws._labels(frame).get(column) or (
        t(f"column.{column}", ws.lang) if has_key(f"column.{column}") else humanize(column)
    )

    def show(row: int) -> None:
        display(ws.table(frame.iloc[[row]], **options))

    widget = ipywidgets.interactive(show, row=ipywidgets.SelectionSlider(options=stops, description=label))
    slider = _Slider(widget, ws.t("label.slider", column=label))
    display(slider)
    return slider


def start(notebook: str, data_dir: str | Path, lang: str = "en", currency: str = "GBP") -> Workshop:
    """The helper of a workshop notebook (see :class:`Workshop`).

    Parameters
    ----------
    notebook : str
        The notebook's stem.
    data_dir : str or Path
        The data folder.
    lang : str
        The language of labels, tables and checks.
    currency : str
        The currency of money in the data.

    Returns
    -------
    Workshop
    """
    return Workshop(notebook, data_dir, lang, currency)
