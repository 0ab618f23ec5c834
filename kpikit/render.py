"""Render notebooks into client-ready reports: papermill to execute, nbconvert for HTML without code.

One render writes three files into the output folder, each moved into place only once complete:

- ``NN_name.ipynb``: the executed notebook (parameters injected by papermill);
- ``NN_name.html``: the report without code cells (nbconvert ``exclude_input``);
- ``NN_name.kpis.json``: the headline KPIs recorded by :func:`kpikit.report.record_kpis`.

Parameters are checked against the notebook's ``parameters`` cell before a kernel starts (papermill
does not check them). A failed run leaves the previous good outputs untouched and writes the executed
notebook as ``NN_name.failed.ipynb`` so the failing cell can be read; the caller gets a
:class:`RenderResult` with ``ok=False`` and the error text.

Notebooks run with their own folder as working directory, so their relative default paths
(``../data/sample``) resolve the same in JupyterLab, under nbval and here.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError
from kpikit.report import parameter_spec, read_kpis, to_jsonable, validate_parameters

__all__ = ["RenderResult", "render_notebook", "notebook_html", "write_index", "atomic_write", "list_notebooks"]


@dataclass
class RenderResult:
    """Outcome of one render."""

    notebook: Path
    ok: bool
    ipynb: Path | None = None
    html: Path | None = None
    kpis_path: Path | None = None
    kpis: dict = field(default_factory=dict)
    error: str = ""
    duration_s: float = 0.0


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file atomically: to a temporary name in the same folder, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def list_notebooks(folder: str | Path) -> list[Path]:
    """The numbered notebooks of a folder (``NN_name.ipynb``), in order."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def _title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "kpikit report"


def notebook_html(nb, title: str | None = None) -> str:
    """HTML of an executed notebook without code cells (inputs and prompts excluded)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    nb.metadata["title"] = title or _title_of(nb)
    body, _ = exporter.from_notebook_node(nb)
    return body


def render_notebook(
    notebook: str | Path,
    outdir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    kernel_name: str = "python3",
    timeout: float | None = None,
) -> RenderResult:
    """Execute a notebook with parameters and write its report, executed notebook and KPIs.

    Parameters
    ----------
    notebook : path
        The notebook to run.
    outdir : path
        Folder for the outputs (created if needed).
    parameters : mapping, optional
        Overrides of the notebook's declared parameters, already typed (see
        :func:`kpikit.report.parse_cli_value` for command-line text).
    kernel_name : str
        Jupyter kernel to run.
    timeout : float, optional
        Per-cell execution timeout in seconds.

    Returns
    -------
    RenderResult

    Raises
    ------
    ParameterError
        When an override has an unknown name or the wrong type (before anything runs).
    """
    import nbformat
    import papermill as pm

    notebook = Path(notebook).resolve()
    outdir = Path(outdir)
    parameters = dict(parameters or {})
    problems = validate_parameters(parameter_spec(notebook), parameters, source=notebook.name)
    if problems:
        raise ParameterError("Invalid parameters, nothing was run:\n  - " + "\n  - ".join(problems))

    outdir.mkdir(parents=True, exist_ok=True)
    stem = notebook.stem
    result = RenderResult(notebook=notebook, ok=False)
    t0 = time.perf_counter()
    fd, tmp_nb = tempfile.mkstemp(prefix=f".{stem}.", suffix=".ipynb", dir=outdir)
    os.close(fd)
    try:
        try:
            pm.execute_notebook(
                str(notebook),
                tmp_nb,
                parameters=parameters,
                kernel_name=kernel_name,
                cwd=str(notebook.parent),
                execution_timeout=timeout,
                progress_bar=False,
                log_output=False,
                report_mode=False,
            )
        except Exception as exc:  # papermill raises PapermillExecutionError, timeouts, dead kernels
            result.error = _error_text(exc)
            if Path(tmp_nb).exists() and Path(tmp_nb).stat().st_size:
                os.replace(tmp_nb, outdir / f"{stem}.failed.ipynb")
            return result
        nb = nbformat.read(tmp_nb, as_version=4)
        kpis = read_kpis(Path(tmp_nb))
        page = notebook_html(nb)
        ipynb_path, html_path, kpis_path = outdir / f"{stem}.ipynb", outdir / f"{stem}.html", outdir / f"{stem}.kpis.json"
        atomic_write(html_path, page)
        record = {"notebook": notebook.name, "parameters": to_jsonable(parameters), "kpis": kpis}
        atomic_write(kpis_path, json.dumps(record, indent=2, sort_keys=True) + "\n")
        os.replace(tmp_nb, ipynb_path)
        (outdir / f"{stem}.failed.ipynb").unlink(missing_ok=True)
        result.ok, result.ipynb, result.html, result.kpis_path, result.kpis = True, ipynb_path, html_path, kpis_path, kpis
        return result
    finally:
        Path(tmp_nb).unlink(missing_ok=True)
        result.duration_s = time.perf_counter() - t0


def _error_text(exc: BaseException) -> str:
    """A short readable error: papermill's execution errors carry the exception name and value."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f" (cell {cell})" if cell else ""
    return f"{ename}{where}: {evalue}".strip()


def write_index(outdir: str | Path, title: str = "kpikit reports", results: list[RenderResult] | None = None) -> Path:
    """Write ``index.html`` linking every report in ``outdir``, with status and headline KPIs.

    The index lists the reports present in the folder (so repeated single renders keep it whole),
    plus failures passed in ``results``. Every string is escaped.
    """
    outdir = Path(outdir)
    failed = {r.notebook.stem: r for r in (results or []) if not r.ok}
    rows = []
    stems = sorted({p.name[: -len(".html")] for p in outdir.glob("*.html") if p.name != "index.html"} | set(failed))
    for stem in stems:
        if stem in failed:
            rows.append(
                f"<tr class='failed'><td>{html.escape(stem)}</td><td>failed</td>"
                f"<td><a href='{html.escape(stem)}.failed.ipynb'>executed notebook</a></td>"
                f"<td>{html.escape(failed[stem].error)}</td></tr>"
            )
            continue
        kpis_file = outdir / f"{stem}.kpis.json"
        kpis = json.loads(kpis_file.read_text(encoding="utf-8")).get("kpis", {}) if kpis_file.exists() else {}
        summary = "; ".join(f"{k}: {_short(v)}" for k, v in list(kpis.items())[:6])
        rows.append(
            f"<tr><td><a href='{html.escape(stem)}.html'>{html.escape(stem)}</a></td><td>ok</td>"
            f"<td><a href='{html.escape(stem)}.kpis.json'>KPIs</a></td><td>{html.escape(summary)}</td></tr>"
        )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
        "tr.failed{background:#fde0dc}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table><thead><tr><th>report</th><th>status</th><th>files</th>"
        f"<th>headline KPIs</th></tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )
    path = outdir / "index.html"
    atomic_write(path, page)
    return path


def _short(v: Any) -> str:
    if isinstance(v, dict) and "value" in v:
        x = v["value"]
        if isinstance(x, float) and "trials" in v:
            return f"{x:.1%}"
        return f"{x:,.4g}" if isinstance(x, (int, float)) else str(x)
    if isinstance(v, float):
        return f"{v:,.4g}"
    return str(v)
