"""The KPIs other reports recorded for the same client, read back with their periods.

Notebook 05 places the client's own KPIs (bounce rate, churn, NPS) within published figures. Those
figures are measured by notebooks 01 and 03 over their own periods; 05 reads what they recorded rather
than computing a second, different value of the same KPI. Three things must hold for that:

- **the right files**: ``kpikit render`` and ``kpikit batch`` write ``NN_name.kpis.json`` (the KPIs
  under its ``"kpis"`` key, beside ``notebook`` and ``parameters``) and the executed ``NN_name.ipynb``
  into the client's report folder; a folder of executed notebooks (``notebooks/`` itself, committed
  executed on the sample) is read from the notebooks' KPI outputs;
- **the same client**: a report is used only when it read the same data folder as the report asking
  (its injected ``data_dir``, else the default of its parameters cell); another client's reports, or
  the sample's, are set aside with the reason;
- **the period**: each KPI keeps the period of the report that recorded it (the report's own record of
  its KPIs' periods when it writes one, else the period on its summary card, else the report's
  ``period`` KPI), so two values of one KPI in two reports always carry the reason they differ.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.errors import KpiDataError

__all__ = ["RecordedKpis", "RecordedReport", "recorded_kpis"]

#: MIME type of a notebook's recorded KPIs (the same string as ``kpikit.report.KPI_MIME``).
KPI_MIME = "application/vnd.kpikit.kpis+json"
#: MIME type of a report's summary (cards with their periods), as ``kpikit.report.SUMMARY_MIME``.
SUMMARY_MIME = "application/vnd.kpikit.summary+json"
#: MIME type of a report's KPI periods (KPI name -> period), when the report framework records them.
PERIODS_MIME = "application/vnd.kpikit.periods+json"

_ISO_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+to\s+(\d{4}-\d{2}-\d{2})\s*$")
_STEM = re.compile(r"^\d\d_[A-Za-z0-9_]+$")
_DAY = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}$")
_MONTH = re.compile(r"^[A-Z][a-z]{2} \d{4}$")
_QUARTER = re.compile(r"^Q[1-4] \d{4}$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class RecordedReport:
    """One report's recorded KPIs.

    ``periods`` maps a KPI to its period: text as the report wrote it ("Jan 2024 – Jun 2025") or a
    (start, end) pair of Timestamps. ``data_dir`` is the data folder the report read, resolved.
    """

    name: str
    path: Path
    kpis: dict
    periods: dict = field(default_factory=dict)
    data_dir: Path | None = None


class RecordedKpis(Mapping):
    """The usable reports of a folder: ``recorded["01_bounce_rate_diagnosis"]`` is that report's KPIs.

    ``reports`` holds every report read (usable ones), ``skipped`` the reports set aside (name ->
    reason: ``"other data"`` with the folder it read, or ``"unknown data"``), ``folder`` the folder
    (None when none was given) and ``found`` whether it exists.

    Parameters
    ----------
    folder : Path or None
        The folder read.
    reports : mapping
        Name -> RecordedReport, the usable ones.
    skipped : mapping
        Name -> (reason, the data folder it read or None).
    found : bool
        Whether the folder exists.
    """

    def __init__(
        self,
        folder: Path | None,
        reports: Mapping[str, RecordedReport] | None = None,
        skipped: Mapping[str, tuple[str, Path | None]] | None = None,
        found: bool = False,
    ) -> None:
        self.folder = folder
        self.reports = dict(reports or {})
        self.skipped = dict(skipped or {})
        self.found = found

    def __getitem__(self, name: str) -> dict:
        return self.reports[name].kpis

    def __iter__(self) -> Iterator[str]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)

    def period(self, name: str, kpi: str) -> Any:
        """The period of a recorded KPI: text, a (start, end) pair, or None when the report recorded none.

        Parameters
        ----------
        name : str
            The report (notebook stem).
        kpi : str
            The KPI's name; a dotted key takes its first part's period.

        Returns
        -------
        str, tuple or None
        """
        report = self.reports.get(name)
        if report is None:
            return None
        return report.periods.get(kpi.split(".")[0])


def _bound(text: str, end: bool) -> pd.Timestamp | None:
    """One side of a period as an English report writes it: "30 Dec 2024", "Jun 2025", "Q1 2025", "2025"."""
    text = text.strip()
    if _DAY.match(text):
        return pd.Timestamp(text)
    if not (_MONTH.match(text) or _QUARTER.match(text) or _YEAR.match(text)):
        return None
    if _QUARTER.match(text):  # "Q1 2025" -> "2025Q1"
        text = f"{text[3:]}{text[:2]}"
    try:
        period = pd.Period(text)
    except ValueError:
        return None
    return period.end_time.normalize() if end else period.start_time


def _period_value(value: Any) -> Any:
    """A recorded period as a (start, end) pair of Timestamps when it can be read, else as text.

    "2024-12-30 to 2025-06-29", a pair, and the English text of a report's cards ("Jan 2024 – Jun 2025"
    from 1 Jan 2024 to 30 Jun 2025, "Q1 2025", "30 Dec 2024 – 29 Jun 2025") become pairs, so the report
    reading them writes the period in its own language; other text is kept as it is.
    """
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return (pd.Timestamp(value[0]), pd.Timestamp(value[1]))
    if isinstance(value, str):
        m = _ISO_RANGE.match(value)
        if m:
            return (pd.Timestamp(m.group(1)), pd.Timestamp(m.group(2)))
        parts = value.split(" \u2013 ")
        if len(parts) <= 2:
            start, end = _bound(parts[0], end=False), _bound(parts[-1], end=True)
            if start is not None and end is not None:
                return (start, end)
        return value.strip() or None
    return None


def _outputs(nb: Mapping, mime: str) -> list:
    return [
        o["data"][mime]
        for c in nb.get("cells", [])
        for o in c.get("outputs", [])
        if isinstance(o.get("data"), Mapping) and mime in o["data"]
    ]


def _notebook_kpis(nb: Mapping) -> dict:
    out: dict = {}
    for data in _outputs(nb, KPI_MIME):
        if isinstance(data, Mapping):
            out.update(data)
    return out


def _same_months(months: tuple, exact: tuple) -> bool:
    """Whether a period of whole months starts and ends in the months of an exact (start, end) pair."""
    return all(a.to_period("M") == b.to_period("M") for a, b in zip(months, exact))


def _periods(record: Mapping, nb: Mapping | None, kpis: Mapping) -> dict:
    """Each KPI's period: the report's own record, else its summary card, else its ``period`` KPI.

    A card names whole months ("Dec 2024 – Jun 2025"); when the report's ``period`` KPI gives the exact
    dates within those months (30 Dec 2024 to 29 Jun 2025), the exact dates are kept.
    """
    out: dict = {}
    fallback = _period_value(kpis.get("period")) if isinstance(kpis.get("period"), str) else None
    if fallback is not None:
        out.update(dict.fromkeys(kpis, fallback))
    exact = fallback if isinstance(fallback, tuple) else None
    if nb is not None:
        for summary in _outputs(nb, SUMMARY_MIME):
            for card in summary.get("cards", []) if isinstance(summary, Mapping) else []:
                value = _period_value(card.get("period")) if isinstance(card, Mapping) else None
                if isinstance(value, tuple) and exact is not None and _same_months(value, exact):
                    value = exact
                if value is not None:
                    out[str(card.get("name"))] = value
        for periods in _outputs(nb, PERIODS_MIME):
            if isinstance(periods, Mapping):
                out.update({k: v for k, v in ((k, _period_value(v)) for k, v in periods.items()) if v is not None})
    recorded = record.get("periods")
    if isinstance(recorded, Mapping):
        out.update({k: v for k, v in ((k, _period_value(v)) for k, v in recorded.items()) if v is not None})
    return out


def _cell_default(nb: Mapping, name: str) -> Any:
    """The default of a parameter in a notebook's ``parameters`` cell (None when absent or not a literal)."""
    for cell in nb.get("cells", []):
        if "parameters" not in (cell.get("metadata", {}).get("tags") or []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return None
        for node in tree.body:
            target = (
                node.target
                if isinstance(node, ast.AnnAssign)
                else (node.targets[0] if isinstance(node, ast.Assign) else None)
            )
            if isinstance(target, ast.Name) and target.id == name and node.value is not None:
                try:
                    return ast.literal_eval(node.value)
                except ValueError:
                    return None
    return None


def _ran_in(papermill: Mapping, folder: Path, name: str, in_place: bool) -> Path:
    """The folder a report ran in: its notebook's folder as papermill recorded it (``input_path``).

    ``kpikit render`` records the notebook's absolute path. A notebook read without a ``.kpis.json``
    (``in_place``) whose relative ``input_path`` names its own file was executed in place (``papermill
    NB.ipynb NB.ipynb`` in its folder, as the committed notebooks are): the folder it is read from.
    Otherwise (``kpikit batch``, whose reports keep their source's stale ``input_path`` and run in the
    notebooks folder, as the report reading them does), the current folder.
    """
    recorded = str(papermill.get("input_path") or "")
    if recorded and Path(recorded).is_absolute():
        return Path(recorded).parent
    if in_place and recorded and Path(recorded).name == f"{name}.ipynb":
        return (folder / Path(recorded).parent).resolve()
    return Path.cwd()


def _data_dir(
    parameters: Mapping, nb: Mapping | None, folder: Path, name: str = "", in_place: bool = False
) -> Path | None:
    """The data folder a report read, resolved: the value passed to it, else its parameters cell's default.

    A relative folder is relative to the folder the report ran in (:func:`_ran_in`).
    """
    value = parameters.get("data_dir")
    papermill = (nb or {}).get("metadata", {}).get("papermill", {}) if nb is not None else {}
    if value is None and nb is not None:
        value = (papermill.get("parameters") or {}).get("data_dir")
        if value is None:
            value = _cell_default(nb, "data_dir")
    if not isinstance(value, str) or not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = _ran_in(papermill, folder, name, in_place) / path
    return path.resolve()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise KpiDataError(f"{path}: not valid JSON ({e}); render the report again with kpikit render.") from None


def _candidates(folder: Path) -> dict[str, tuple[dict, Mapping | None, Path]]:
    """Report name -> (record, executed notebook or None, file read), ``.kpis.json`` files first."""
    out: dict[str, tuple[dict, Mapping | None, Path]] = {}
    for f in sorted(folder.glob("*.kpis.json")):
        name = f.name[: -len(".kpis.json")]
        data = _read_json(f)
        if not isinstance(data, Mapping):
            raise KpiDataError(f"{f}: expected a JSON object of recorded KPIs; render the report again.")
        record = dict(data) if isinstance(data.get("kpis"), Mapping) else {"kpis": dict(data)}
        nb_path = folder / f"{name}.ipynb"
        out[name] = (record, _read_json(nb_path) if nb_path.is_file() else None, f)
    for f in sorted(folder.glob("*.ipynb")):
        name = f.stem
        if name in out or not _STEM.match(name):
            continue
        nb = _read_json(f)
        kpis = _notebook_kpis(nb) if isinstance(nb, Mapping) else {}
        if kpis:
            params = nb.get("metadata", {}).get("papermill", {}).get("parameters") or {}
            out[name] = ({"kpis": kpis, "parameters": dict(params)}, nb, f)
    return out


def recorded_kpis(folder: str | Path | None, data_dir: str | Path | None = None) -> RecordedKpis:
    """The KPIs other reports recorded for this client, with their periods: ``{notebook stem: kpis}``.

    Reads every ``NN_name.kpis.json`` of ``folder`` (what ``kpikit render`` and ``kpikit batch`` write:
    the KPIs under ``"kpis"``, beside ``notebook`` and ``parameters``; a bare mapping of KPIs is read as
    it is) and every executed ``NN_name.ipynb`` without one (the KPI outputs of a notebook executed in
    place, such as the committed sample notebooks). With ``data_dir``, a report is used only when it
    read that same data folder: the ``data_dir`` passed to it (kpis.json or papermill's record), else
    its parameters cell's default, relative to the folder it ran in. Reports of other data (another
    client, the sample) are listed in ``skipped``, never used.

    Parameters
    ----------
    folder : str, Path or None
        The folder of this client's rendered reports (``reports/<run>/<client>``), or None.
    data_dir : str or Path, optional
        The data folder of the report asking; None uses every report found.

    Returns
    -------
    RecordedKpis
        A mapping notebook stem -> its recorded KPIs, with ``period(stem, kpi)``, ``reports``,
        ``skipped``, ``folder`` and ``found``.

    Raises
    ------
    KpiDataError
        For a file that is not valid JSON.
    """
    if folder is None:
        return RecordedKpis(None)
    root = Path(folder).expanduser()
    if not root.is_dir():
        return RecordedKpis(root, found=False)
    want = Path(data_dir).expanduser().resolve() if data_dir is not None else None
    reports: dict[str, RecordedReport] = {}
    skipped: dict[str, tuple[str, Path | None]] = {}
    for name, (record, nb, path) in _candidates(root).items():
        read = _data_dir(record.get("parameters") or {}, nb, root, name, in_place=path.suffix == ".ipynb")
        if want is not None and read is None:
            skipped[name] = ("unknown data", None)
            continue
        if want is not None and read != want:
            skipped[name] = ("other data", read)
            continue
        kpis = dict(record["kpis"])
        reports[name] = RecordedReport(name, path, kpis, _periods(record, nb, kpis), read)
    return RecordedKpis(root, reports, skipped, found=True)
