"""Where the workshop finds its notebooks and data, and the tables it reads once per folder."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from kpikit.errors import KpiDataError

__all__ = ["ROOT", "SAMPLE_DIR", "NOTEBOOK_DIR", "NOTEBOOKS", "table", "ua_sessions"]

#: The repository kpikit is installed from (``pip install -e .``): notebooks and data/sample live there.
ROOT = Path(__file__).resolve().parents[2]

#: The sample data every exercise's solution is computed from by default.
SAMPLE_DIR = ROOT / "data" / "sample"

#: The workshop notebooks.
NOTEBOOK_DIR = ROOT / "notebooks" / "workshop"

#: The workshop notebooks by theme, in teaching order (file stem -> the tables it reads).
NOTEBOOKS: dict[str, tuple[str, ...]] = {
    "w1_kpi_foundations": ("subscriptions", "surveys", "sessions"),
    "w2_web_and_funnels": ("sessions", "events", "touchpoints"),
    "w3_churn_and_retention": ("subscriptions",),
    "w4_customer_lifetime_value": ("subscriptions", "transactions"),
    "w5_social_and_benchmarking": ("social", "benchmarks"),
}


def _folder(data_dir: str | Path | None) -> Path:
    folder = Path(data_dir) if data_dir is not None else SAMPLE_DIR
    if not folder.is_dir():
        raise KpiDataError(
            f"no data folder {str(folder)!r}: the workshop runs on data/sample (or a folder of the same "
            "canonical tables); pass data_dir as the notebooks' parameter, relative to notebooks/workshop."
        )
    return folder.resolve()


@functools.lru_cache(maxsize=32)
def _read(folder: Path, name: str) -> pd.DataFrame:
    from kpikit.io import read_folder

    tables = read_folder(folder, tables=[name])
    if name not in tables:
        problem = tables.problems.get(name, f"no {name} file in the folder")
        raise KpiDataError(f"{folder}: the workshop needs the {name} table: {problem}")
    return tables[name]


def table(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """A canonical table of a data folder, read once per folder and table (a copy each call).

    Parameters
    ----------
    name : str
        The canonical table ("subscriptions", "sessions", ...).
    data_dir : str or Path, optional
        The data folder (default: data/sample).

    Returns
    -------
    DataFrame
        A copy, so an exercise that changes it changes nothing else.

    Raises
    ------
    KpiDataError
        When the folder does not exist or lacks the table.
    """
    return _read(_folder(data_dir), name).copy()


@functools.lru_cache(maxsize=8)
def _ua(folder: Path) -> pd.DataFrame:
    from kpikit.web import sessions_from_events

    return sessions_from_events(_read(folder, "events"))


def ua_sessions(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Sessions built from the events (they carry what both the GA4 and the UA bounce rules need).

    Parameters
    ----------
    data_dir : str or Path, optional
        The data folder (default: data/sample).

    Returns
    -------
    DataFrame
        :func:`kpikit.web.sessions_from_events` of the folder's events (a copy).
    """
    return _ua(_folder(data_dir)).copy()
