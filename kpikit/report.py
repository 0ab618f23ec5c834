"""Notebook helpers: parameter checks, headline KPIs, findings, tables and title blocks.

Why parameters are checked here: papermill injects values without looking at them (a misspelt name is
only logged, ``-p top_n 12.5`` runs and fails later). kpikit treats a notebook's ``parameters`` cell as
its declared interface: every parameter is an annotated assignment with a comment,

    top_n: int = 10                            # how many entry pages to list (>= 1)
    definition: Literal["ga4", "ua"] = "ga4"   # bounce-rate definition

and :func:`parameter_spec` reads names, types, allowed values, defaults and help from it (with
``ast``, nothing is executed). The render and batch commands check overrides against it before a
kernel starts, and the notebook checks its own values right after the parameters cell with
:func:`check_parameters`, so an interactive run gets the same errors.

Why KPIs travel inside the notebook: :func:`record_kpis` displays the headline KPIs and embeds them as
a JSON output of MIME type ``application/vnd.kpikit.kpis+json``. ``kpikit render`` extracts them into
``NN_name.kpis.json`` beside the HTML. No file paths or environment variables reach the kernel, and an
interactive run records the same thing.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as _dt
import difflib
import html
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpikit.errors import ParameterError

__all__ = [
    "KPI_MIME",
    "ParamSpec",
    "parameter_spec",
    "parameters_cell",
    "validate_parameters",
    "parse_cli_value",
    "check_parameters",
    "to_jsonable",
    "record_kpis",
    "read_kpis",
    "notebook_kpis",
    "show_findings",
    "table",
    "header",
]

KPI_MIME = "application/vnd.kpikit.kpis+json"

_SCALARS = {"str": str, "int": int, "float": float, "bool": bool, "dict": dict, "list": list}


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """One declared notebook parameter.

    ``kind`` is one of str, int, float, bool, dict, list, literal; ``item`` the element type of a
    list; ``choices`` the allowed values of a Literal; ``optional`` whether None is allowed.
    """

    name: str
    kind: str
    default: Any
    help: str = ""
    optional: bool = False
    choices: tuple = ()
    item: str | None = None
    annotation: str = ""

    def describe(self) -> str:
        """The declared type in words, for error messages."""
        if self.kind == "literal":
            t = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind == "list" and self.item:
            t = f"a list of {self.item}"
        else:
            t = self.kind
        return t + (" or None" if self.optional else "")


def parameters_cell(notebook: str | Path | Mapping) -> str:
    """Source of the cell tagged ``parameters`` in a notebook file (or notebook dict)."""
    nb = notebook if isinstance(notebook, Mapping) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell.get("source", "")
            return "".join(src) if isinstance(src, list) else src
    name = notebook if not isinstance(notebook, Mapping) else "notebook"
    raise ParameterError(f"{name}: no code cell is tagged 'parameters'; tag the parameters cell so it can be rendered.")


def _parse_annotation(node: ast.expr, name: str) -> dict:
    """Turn an annotation AST into kind/optional/choices/item."""
    # X | None, None | X
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [node.left, node.right]
        nones = [p for p in parts if isinstance(p, ast.Constant) and p.value is None]
        others = [p for p in parts if p not in nones]
        if len(nones) == 1 and len(others) == 1:
            d = _parse_annotation(others[0], name)
            d["optional"] = True
            return d
    if isinstance(node, ast.Name) and node.id in _SCALARS:
        return {"kind": node.id, "optional": False, "choices": (), "item": None}
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        head = node.value.id
        inner = node.slice
        if head == "Literal":
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            choices = tuple(ast.literal_eval(e) for e in elts)
            return {"kind": "literal", "optional": None in choices, "choices": tuple(c for c in choices if c is not None), "item": None}
        if head == "Optional":
            d = _parse_annotation(inner, name)
            d["optional"] = True
            return d
        if head == "list" and isinstance(inner, ast.Name) and inner.id in _SCALARS:
            return {"kind": "list", "optional": False, "choices": (), "item": inner.id}
        if head == "dict":
            return {"kind": "dict", "optional": False, "choices": (), "item": None}
    raise ParameterError(
        f"parameter {name!r}: annotation {ast.unparse(node)!r} is not supported; use str, int, float, "
        "bool, dict, list[str], X | None or Literal[...]."
    )


def parameter_spec(notebook: str | Path | Mapping) -> dict[str, ParamSpec]:
    """Declared parameters of a notebook, read from its ``parameters`` cell without running it.

    Each parameter must be an annotated assignment with a literal default; the trailing comment is its
    help text. Imports (``from typing import Literal``) and comments are allowed; anything else is an
    error, so the interface cannot drift into logic.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...        "source": "top_n: int = 10  # entry pages to list"}]}
    >>> spec = parameter_spec(nb)
    >>> spec["top_n"].kind, spec["top_n"].default, spec["top_n"].help
    ('int', 10, 'entry pages to list')
    """
    src = parameters_cell(notebook)
    lines = src.splitlines()
    tree = ast.parse(src)
    spec: dict[str, ParamSpec] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None):
            raise ParameterError(
                f"parameters cell line {stmt.lineno}: {ast.unparse(stmt)!r} is not an annotated assignment "
                "(name: type = default  # help); keep the parameters cell declarative."
            )
        name = stmt.target.id
        info = _parse_annotation(stmt.annotation, name)
        try:
            default = ast.literal_eval(stmt.value)
        except ValueError:
            raise ParameterError(f"parameter {name!r}: its default must be a literal value.") from None
        line = lines[stmt.end_lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line[stmt.end_col_offset:] else ""
        spec[name] = ParamSpec(name=name, default=default, help=help_text, annotation=ast.unparse(stmt.annotation), **info)
    return spec


def _type_ok(p: ParamSpec, value: Any) -> bool:
    if value is None:
        return p.optional
    if p.kind == "literal":
        return value in p.choices
    if p.kind == "bool":
        return isinstance(value, (bool, np.bool_))
    if p.kind == "int":
        return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if p.kind == "float":
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if p.kind == "list":
        if not isinstance(value, (list, tuple)):
            return False
        return p.item is None or all(_type_ok(ParamSpec("", p.item, None), v) for v in value)
    return isinstance(value, _SCALARS[p.kind])


def validate_parameters(spec: Mapping[str, ParamSpec], values: Mapping[str, Any], source: str = "notebook") -> list[str]:
    """Problems with parameter overrides: unknown names (with the closest declared name) and wrong types.

    Returns a list of messages (empty when all is well), so callers can report every problem at once.
    """
    problems = []
    for name, value in values.items():
        if name not in spec:
            close = difflib.get_close_matches(name, list(spec), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; declared: {', '.join(spec)}"
            problems.append(f"{source}: unknown parameter {name!r}{hint}")
            continue
        p = spec[name]
        if not _type_ok(p, value):
            problems.append(f"{source}: parameter {name!r} must be {p.describe()} (got {value!r}, a {type(value).__name__})")
    return problems


def parse_cli_value(p: ParamSpec, text: str) -> Any:
    """Parse a command-line string by the parameter's declared type.

    Raises ParameterError when the text does not parse as the declared type (``12.5`` for an int).
    JSON/YAML-like text is accepted for lists and dicts (``'["a", "b"]'``).
    """
    if p.optional and text in ("None", "null", ""):
        return None
    try:
        if p.kind == "str":
            return text
        if p.kind == "int":
            return int(text)
        if p.kind == "float":
            return float(text)
        if p.kind == "bool":
            low = text.lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError(text)
        if p.kind == "literal":
            for c in p.choices:
                if str(c) == text:
                    return c
            raise ValueError(text)
        if p.kind in ("list", "dict"):
            import yaml

            value = yaml.safe_load(text)
            if p.kind == "list" and isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if p.kind == "list" and p.item and isinstance(value, list):
                item = ParamSpec(p.name, p.item, None)
                value = [parse_cli_value(item, v) if isinstance(v, str) else v for v in value]
            return value
    except ValueError:
        raise ParameterError(f"parameter {p.name!r} must be {p.describe()} (got {text!r}).") from None
    return text


def check_parameters(notebook: str | Path, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Check a running notebook's parameter values against its ``parameters`` cell.

    Call right after the parameters cell: ``params = kk.report.check_parameters("01_x.ipynb",
    globals())``. Every problem is listed at once in a :class:`~kpikit.errors.ParameterError`.

    Returns
    -------
    dict
        The declared parameters and their values, in declaration order (for the report's title block).
    """
    spec = parameter_spec(notebook)
    missing = [n for n in spec if n not in namespace]
    values = {n: namespace[n] for n in spec if n in namespace}
    problems = validate_parameters(spec, values, source=str(notebook))
    problems += [f"{notebook}: parameter {n!r} is not defined; run the parameters cell first" for n in missing]
    if problems:
        raise ParameterError("Invalid notebook parameters:\n  - " + "\n  - ".join(problems))
    return values


def to_jsonable(value: Any) -> Any:
    """Convert KPI values (Rate, Score, numpy/pandas scalars, frames, dataclasses) to plain JSON types.

    NaN and infinities become None, so the output is strict JSON.
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
        text = "\n".join(f"{k}: {a}" + (f" ({b})" if b else "") for k, (a, b) in ((k, _kpi_cell(v)) for k, v in kpis.items()))
        _display({KPI_MIME: data, "text/html": table_html, "text/plain": text}, raw=True)
    return data


def read_kpis(path: str | Path) -> dict:
    """Headline KPIs of a rendered notebook (.ipynb) or a ``.kpis.json`` file.

    For a notebook, the KPIs of every :func:`record_kpis` output are merged in cell order.
    """
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    return notebook_kpis(data) if path.suffix == ".ipynb" else data


def notebook_kpis(nb: Mapping) -> dict:
    """Headline KPIs recorded in an executed notebook (a dict or nbformat node), merged in cell order."""
    out: dict = {}
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []):
            if KPI_MIME in o.get("data", {}):
                out.update(o["data"][KPI_MIME])
    return out


def show_findings(findings: Iterable[str], title: str = "Findings") -> None:
    """Display plain-words findings as a bulleted list; client strings are escaped, never run."""
    from IPython.display import HTML, display

    items = "".join(f"<li>{html.escape(str(f))}</li>" for f in findings)
    display(HTML(f"<div class='kpikit-findings'><h3>{html.escape(title)}</h3><ul>{items}</ul></div>"))


class Table:
    """A formatted table for notebooks and HTML reports (what :func:`table` returns).

    Shows as escaped HTML in Jupyter and in the rendered report, and as aligned text (the same
    formatting) where only text is shown, so nbval compares meaningful, stable output.
    """

    def __init__(self, frame: pd.DataFrame, formats: Mapping[str, Any], caption: str | None, hide_index: bool):
        self.frame = frame
        self.formats = dict(formats)
        self.caption = caption
        self.hide_index = hide_index

    def formatted(self) -> pd.DataFrame:
        """The frame with every formatted column as text (missing values as an en dash)."""
        out = self.frame.copy()
        for c, f in self.formats.items():
            out[c] = [("–" if pd.isna(v) else f.format(v)) for v in self.frame[c]]
        return out

    def styler(self):
        """The pandas Styler behind the HTML (escaped, with a content-derived id so output is stable)."""
        import hashlib

        digest = hashlib.sha1(self.frame.to_csv().encode("utf-8")).hexdigest()[:10]
        sty = self.frame.style.set_uuid(f"kk{digest}").format(self.formats, escape="html", na_rep="–")
        sty = sty.format_index(escape="html", axis=1)
        sty = sty.hide(axis="index") if self.hide_index else sty.format_index(escape="html", axis=0)
        if self.caption:
            sty = sty.set_caption(html.escape(self.caption))
        return sty

    def _repr_html_(self) -> str:
        return self.styler().to_html()

    def __repr__(self) -> str:
        text = self.formatted().to_string(index=not self.hide_index)
        return f"{self.caption}\n{text}" if self.caption else text

    def to_html(self) -> str:
        """The HTML of the table."""
        return self._repr_html_()


def table(
    frame: pd.DataFrame,
    percent: Iterable[str] = (),
    decimals: int = 1,
    caption: str | None = None,
    hide_index: bool = True,
) -> Table:
    """A readable table: percentages formatted, numbers with separators, dates as dates, text escaped.

    Parameters
    ----------
    frame : DataFrame
        The data to show.
    percent : iterable of str
        Columns holding fractions, shown as percentages with ``decimals`` places.
    decimals : int
        Decimal places of percentages (floats get at least two).
    caption : str, optional
        Caption above the table.
    hide_index : bool
        Leave the index out (tidy frames carry their keys as columns).

    Returns
    -------
    Table
        Shown as escaped HTML in Jupyter and in reports: a landing page named ``<script>`` shows as
        text.
    """
    percent = [c for c in percent if c in frame.columns]
    fmt: dict[str, Any] = {c: f"{{:.{decimals}%}}" for c in percent}
    for c in frame.columns:
        if c in fmt:
            continue
        col = frame[c]
        if pd.api.types.is_bool_dtype(col):
            continue
        if pd.api.types.is_float_dtype(col):
            fmt[c] = f"{{:,.{max(decimals, 2)}f}}"
        elif pd.api.types.is_integer_dtype(col):
            fmt[c] = "{:,}"
        elif pd.api.types.is_datetime64_any_dtype(col):
            midnight = col.dropna().dt.normalize().eq(col.dropna()).all()
            fmt[c] = "{:%Y-%m-%d}" if midnight else "{:%Y-%m-%d %H:%M}"
    return Table(frame, fmt, caption, hide_index)


def header(title: str, client: str, period: str | None = None, parameters: Mapping[str, Any] | None = None) -> None:
    """Display the report's title block: title, client, data period and generation details.

    Every string is escaped. Generation details are the kpikit version and the parameters, never the
    wall-clock time (reports are reproducible).
    """
    from IPython.display import HTML, display

    from kpikit import __version__

    bits = [f"<h1>{html.escape(title)}</h1>", f"<p class='kpikit-client'><strong>Client:</strong> {html.escape(client)}"]
    if period:
        bits.append(f" &middot; <strong>Data period:</strong> {html.escape(period)}")
    bits.append("</p>")
    details = f"kpikit {html.escape(__version__)}"
    if parameters:
        details += "; parameters: " + ", ".join(f"{html.escape(str(k))}={html.escape(repr(v))}" for k, v in parameters.items())
    bits.append(f"<p class='kpikit-generated'><small>Generated by {details}</small></p>")
    display(HTML("".join(bits)))


# --------------------------------------------------------------------------------------------------
# The data overview (notebook 00): what the data can feed, and a one-screen KPI snapshot.

#: Which tables each notebook needs (all of ``required``; at least one of each ``any_of`` group) and
#: which ones enrich it.
NOTEBOOK_NEEDS: dict[str, dict[str, tuple]] = {
    "01_bounce_rate_diagnosis": {"any_of": (("events", "sessions"),), "optional": ("leads", "benchmarks")},
    "02_funnel_conversion": {"any_of": (("events",),), "optional": ("sessions", "leads", "touchpoints", "spend", "social")},
    "03_churn_and_renewal": {"any_of": (("subscriptions",),), "optional": ("surveys", "tickets", "spend")},
    "04_clv_forecasting": {"any_of": (("transactions",),), "optional": ("spend",)},
    "05_competitor_benchmarking": {"any_of": (("social",),), "optional": ("benchmarks",)},
}


def notebook_coverage(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Which notebooks the loaded tables can feed: one row per notebook.

    Returns
    -------
    DataFrame
        notebook, ready (bool), uses (tables present that it reads), missing (what it still needs,
        or optional tables that would enrich it).
    """
    present = {name for name, frame in tables.items() if frame is not None and len(frame)}
    rows = []
    for nb, need in NOTEBOOK_NEEDS.items():
        groups = need["any_of"]
        ready = all(any(t in present for t in g) for g in groups)
        uses = sorted({t for g in groups for t in g if t in present} | (set(need["optional"]) & present))
        lacking = [" or ".join(g) for g in groups if not any(t in present for t in g)]
        optional = [t for t in need["optional"] if t not in present]
        missing = "needs " + ", ".join(lacking) if lacking else ("would use " + ", ".join(optional) if optional else "")
        rows.append({"notebook": nb, "ready": ready, "uses": ", ".join(uses), "missing": missing})
    return pd.DataFrame(rows)


def _last_complete(frame: pd.DataFrame, data_end: pd.Timestamp, freq: str) -> pd.Series | None:
    ends = frame["period"] + pd.tseries.frequencies.to_offset(freq)
    done = frame[ends <= data_end + pd.Timedelta(days=1)]
    return None if done.empty else done.iloc[-1]


def snapshot(tables: Mapping[str, pd.DataFrame], freq: str = "MS", level: float = 0.95) -> dict[str, Any]:
    """Headline KPIs of a client's data, each from its kpikit function, for the data overview.

    Computed where the tables allow: sessions, bounce rate and session conversion rate
    (:func:`kpikit.web.headline`, GA4 definition); leads and lead-to-customer rate
    (:func:`kpikit.funnel.lead_to_customer`); MRR and paying customers at the end of the last complete
    period and that period's logo churn (:func:`kpikit.subscriptions.mrr`,
    :func:`kpikit.subscriptions.customer_churn`, ChartMogul convention); NPS
    (:func:`kpikit.satisfaction.nps`). Rates are ``Rate``, NPS a ``Score``.

    Returns
    -------
    dict
        KPI name -> value, ready for :func:`record_kpis`.
    """
    import warnings

    from kpikit import funnel, satisfaction, subscriptions, web
    from kpikit.stats import rate

    out: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sessions = tables.get("sessions")
        if (sessions is None or sessions.empty) and tables.get("events") is not None:
            sessions = web.sessions_from_events(tables["events"])
        if sessions is not None and len(sessions):
            h = web.headline(sessions, level=level)
            out["sessions"] = h["sessions"]
            out["bounce_rate"] = h["bounce_rate"]
            if "conversion_rate" in h:
                out["session_conversion_rate"] = h["conversion_rate"]
        leads = tables.get("leads")
        if leads is not None and len(leads):
            ltc = funnel.lead_to_customer(leads, cohort=None, level=level).iloc[0]
            out["leads"] = int(ltc["leads"])
            out["lead_to_customer_rate"] = rate(int(ltc["won"]), int(ltc["leads"]), level=level)
        subs = tables.get("subscriptions")
        if subs is not None and len(subs):
            # The data's end is its latest start (kpikit.subscriptions' default as_of): later end
            # dates are scheduled cancellations, not yet churn.
            data_end = subs["start"].max()
            mrr = _last_complete(subscriptions.mrr(subs, freq=freq), data_end, freq)
            if mrr is not None:
                out["mrr_period"] = mrr["period"]
                out["mrr"] = float(mrr["mrr"])
                out["paying_customers"] = int(mrr["customers"])
            churn = _last_complete(subscriptions.customer_churn(subs, freq=freq, level=level), data_end, freq)
            if churn is not None and churn["at_risk"] > 0:
                out["logo_churn"] = rate(int(churn["churned"]), int(churn["at_risk"]), level=level)
        surveys = tables.get("surveys")
        if surveys is not None and len(surveys):
            scores = surveys.loc[surveys["kind"] == "nps", "score"]
            if len(scores):
                out["nps"] = satisfaction.nps(scores, level=level)
    return out


def data_period(tables: Mapping[str, pd.DataFrame]) -> str:
    """The span of the data as text ("2024-01-01 to 2025-06-30"), from each table's main time column."""
    from kpikit.schemas import TABLES

    lows, highs = [], []
    for name, frame in tables.items():
        col = TABLES[name].time_column if name in TABLES else None
        if col and col in frame.columns and frame[col].notna().any():
            lows.append(frame[col].min())
            highs.append(frame[col].max())
    if not lows:
        return "no dated rows"
    return f"{min(lows):%Y-%m-%d} to {max(highs):%Y-%m-%d}"


def health_findings(health: pd.DataFrame) -> list[str]:
    """Plain-words summary of a folder health table (see :func:`kpikit.io.folder_health`)."""
    out = []
    ok = health[health["status"] == "ok"]
    if len(ok):
        out.append(f"{len(ok)} of {len(health)} canonical tables loaded and passed validation: "
                   + ", ".join(f"{t} ({int(r):,} rows)" for t, r in zip(ok["table"], ok["rows"])) + ".")
    for _, row in health[health["status"] == "invalid"].iterrows():
        out.append(f"{row['table']} ({row['file']}) failed validation and was not used: {row['problem']}")
    missing = health.loc[health["status"] == "missing", "table"].tolist()
    if missing:
        out.append("Not in the folder: " + ", ".join(missing) + ". The notebooks that need them cannot run on this data.")
    return out


def kpi_text(value: Any) -> str:
    """One recorded KPI (as read back from JSON) as short text for an index page or a log.

    Rates show as a percentage with their interval, large numbers with thousands separators, ISO
    midnight timestamps as dates, and nested values as JSON cut to 60 characters.

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
    """The ``n`` KPIs an index shows for a report, as (name, text): single figures (rates, scores,
    numbers, labels) before nested tables, each group in recorded order."""
    def simple(v):
        return not isinstance(v, (Mapping, list)) or (isinstance(v, Mapping) and "value" in v)

    ordered = [k for k, v in kpis.items() if simple(v)] + [k for k, v in kpis.items() if not simple(v)]
    return [(k, kpi_text(kpis[k])) for k in ordered[:n]]
