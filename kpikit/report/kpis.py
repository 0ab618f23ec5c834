"""Headline KPIs recorded inside the notebook as JSON, read back, and written as text."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KPI_MIME", "to_jsonable", "record_kpis", "read_kpis", "notebook_kpis", "kpi_text", "headline_items"]


KPI_MIME = "application/vnd.kpikit.kpis+json"


def to_jsonable(value: Any) -> Any:
    """Convert KPI values (Rate, Score, numpy/pandas scalars, frames, dataclasses) to plain JSON types.

    NaN and infinities become None, so the output is strict JSON.

    Parameters
    ----------
    value : Any
        A KPI value or a container of them. Objects with ``as_dict()`` (Rate, Score) and dataclasses
        become dicts, frames lists of row dicts, timestamps ISO text; anything unknown its ``str``.

    Returns
    -------
    Any
        The same value made of dict, list, str, int, float, bool and None only.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"n": np.int64(3), "x": float("nan"), "ok": np.bool_(True)})
    {'n': 3, 'x': None, 'ok': True}
    """
    if hasattr(value, "as_dict") and callable(value.as_dict):
        return to_jsonable(value.as_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return to_jsonable(value.to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if value is None or isinstance(value, (str, int)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _kpi_cell(v: Any) -> tuple[str, str]:
    """(value, interval) text of one KPI for the display table."""
    if hasattr(v, "low") and hasattr(v, "high") and hasattr(v, "value"):
        is_rate = hasattr(v, "trials")
        fmt = (lambda x: f"{x:.1%}") if is_rate else (lambda x: f"{x:,.1f}")
        return fmt(v.value), f"{fmt(v.low)} to {fmt(v.high)}"
    if isinstance(v, (pd.Timestamp, _dt.date)):
        return (f"{v:%Y-%m-%d}" if not isinstance(v, _dt.datetime) or v == pd.Timestamp(v).normalize() else str(v)), ""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return f"{v:,}", ""
    if isinstance(v, (float, np.floating)):
        return (f"{v:,.2f}" if abs(v) >= 100 else f"{v:.4g}"), ""
    if isinstance(v, Mapping):
        return ", ".join(f"{k}: {x}" for k, x in list(v.items())[:4]), ""
    return str(v), ""


def record_kpis(kpis: Mapping[str, Any], display: bool = True) -> dict:
    """Record a notebook's headline KPIs: show them and embed them as JSON in the cell's output.

    Parameters
    ----------
    kpis : mapping
        Name -> value (Rate, Score, number, string, dict, list).
    display : bool
        Show the table (and embed the JSON). ``False`` only converts.

    Returns
    -------
    dict
        The JSON-ready KPIs, as :func:`read_kpis` returns them from the rendered notebook.
    """
    data = to_jsonable(dict(kpis))
    json.dumps(data, allow_nan=False)  # fail here, in the notebook, not in the renderer
    if display:
        from IPython.display import display as _display

        rows = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>"
            for k, (a, b) in ((k, _kpi_cell(v)) for k, v in kpis.items())
        )
        table_html = (
            "<table class='kpikit-kpis'><thead><tr><th>KPI</th><th>value</th><th>95% interval</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )
        text = "\n".join(
            f"{k}: {a}" + (f" ({b})" if b else "") for k, (a, b) in ((k, _kpi_cell(v)) for k, v in kpis.items())
        )
        _display({KPI_MIME: data, "text/html": table_html, "text/plain": text}, raw=True)
    return data


def read_kpis(path: str | Path) -> dict:
    """Headline KPIs of a rendered notebook (.ipynb) or a ``.kpis.json`` file.

    For a notebook, the KPIs of every :func:`record_kpis` output are merged in cell order.

    Parameters
    ----------
    path : str or Path
        An executed notebook (``.ipynb``) or a ``.kpis.json`` file written by ``kpikit render``.

    Returns
    -------
    dict
        KPI name -> JSON value for a notebook; the whole record (notebook, parameters, ``kpis``, ...)
        for a ``.kpis.json`` file.
    """
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    return notebook_kpis(data) if path.suffix == ".ipynb" else data


def notebook_kpis(nb: Mapping) -> dict:
    """Headline KPIs recorded in an executed notebook (a dict or nbformat node), merged in cell order.

    Parameters
    ----------
    nb : mapping
        The executed notebook: its outputs of MIME type :data:`KPI_MIME` are read.

    Returns
    -------
    dict
        KPI name -> JSON value; a later :func:`record_kpis` output overrides an earlier name.
    """
    out: dict = {}
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []):
            if KPI_MIME in o.get("data", {}):
                out.update(o["data"][KPI_MIME])
    return out


def kpi_text(value: Any) -> str:
    """One recorded KPI (as read back from JSON) as short text for an index page or a log.

    Rates show as a percentage with their interval, large numbers with thousands separators, ISO
    midnight timestamps as dates, and nested values as JSON cut to 60 characters.

    Parameters
    ----------
    value : Any
        A recorded KPI: a Rate or Score dict (``value``, ``low``, ``high``), a number, text, a
        mapping or a list.

    Returns
    -------
    str

    Examples
    --------
    >>> kpi_text({"value": 0.0382, "low": 0.0308, "high": 0.0473, "successes": 80, "trials": 2095})
    '3.8% (3.1% to 4.7%)'
    >>> kpi_text(69774.8), kpi_text("2025-06-01T00:00:00")
    ('69,775', '2025-06-01')
    """
    if isinstance(value, Mapping) and "value" in value:
        x = value["value"]
        if isinstance(x, float) and "trials" in value:
            text = f"{x:.1%}"
            if isinstance(value.get("low"), (int, float)) and isinstance(value.get("high"), (int, float)):
                text += f" ({value['low']:.1%} to {value['high']:.1%})"
            return text
        return kpi_text(x)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, str) and len(value) == 19 and value.endswith("T00:00:00"):
        return value[:10]
    if isinstance(value, (Mapping, list)):
        s = json.dumps(value, ensure_ascii=False)
        return s if len(s) <= 60 else s[:57] + "..."
    return str(value)


def headline_items(kpis: Mapping[str, Any], n: int = 6) -> list[tuple[str, str]]:
    """The ``n`` KPIs an index shows for a report, as (name, text).

    Single figures (rates, scores, numbers, labels) come before nested tables, each group in
    recorded order; each value is written by :func:`kpi_text`.

    Parameters
    ----------
    kpis : mapping
        Recorded KPIs (name -> JSON value), as :func:`read_kpis` returns them.
    n : int
        How many to show.

    Returns
    -------
    list of (str, str)
    """

    def simple(v):
        return not isinstance(v, (Mapping, list)) or (isinstance(v, Mapping) and "value" in v)

    ordered = [k for k, v in kpis.items() if simple(v)] + [k for k, v in kpis.items() if not simple(v)]
    return [(k, kpi_text(kpis[k])) for k in ordered[:n]]
