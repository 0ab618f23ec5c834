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

import contextlib
import errno
import functools
import html
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpikit.errors import ParameterError
from kpikit.report import (
    notebook_kpis,
    parameter_spec,
    to_jsonable,
    validate_parameters,
)
from kpikit.report.kpis import headline_items

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = [
    "KERNEL_ARGUMENTS",
    "RenderResult",
    "DiskFullError",
    "render_notebook",
    "notebook_html",
    "write_report",
    "write_index",
    "atomic_write",
    "list_notebooks",
]


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


#: errno values of a full disk (ENOSPC) and of a full quota (EDQUOT, where the platform has it).
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _size(n: float | None) -> str:
    units = ["bytes", "kB", "MB", "GB"]
    while n is not None and n >= 1000 and len(units) > 1:
        n, units = n / 1000, units[1:]
    return "an unknown amount" if n is None else f"{n:.0f} bytes" if units[0] == "bytes" else f"{n:.1f} {units[0]}"


class DiskFullError(OSError):
    """A report file could not be written: the disk (or the user's quota) is full.

    The message names the file, the space it needs and the space free beside it, and what to do.

    Parameters
    ----------
    path : Path
        The file that could not be written.
    needed : int
        Its size in bytes (at least this much space is needed).
    code : int
        The errno (ENOSPC, or EDQUOT for a full quota).
    """

    def __init__(self, path: Path, needed: int, code: int = errno.ENOSPC) -> None:
        self.path, self.needed = Path(path), needed
        folder = self.path.parent
        try:
            self.free: int | None = shutil.disk_usage(folder if folder.exists() else folder.parent).free
        except OSError:
            self.free = None
        what = "the disk quota is exceeded" if code != errno.ENOSPC else "no space left on the device"
        super().__init__(
            code,
            f"{what}: cannot write {self.path} (it needs {_size(needed)}; {_size(self.free)} free in {folder}). "
            "Free some space there, or write the reports to a folder on another disk, then run again.",
        )

    def __str__(self) -> str:
        return self.strerror or super().__str__()

    def __reduce__(self):  # pickled from a batch worker to the parent
        return (type(self), (self.path, self.needed, self.errno))


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (/proc), else set and restored."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would leave: the file's own, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _write_fd(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a file descriptor (the one low-level writer of report files)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _stage(path: Path, data: str | bytes) -> str:
    """Write ``data`` to a temporary file beside ``path`` with ``path``'s mode; returns its name.

    Nothing is left behind when writing fails; a full disk raises :class:`DiskFullError`.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, _file_mode(path))
            _write_fd(fd, raw)
        finally:
            os.close(fd)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, DiskFullError) and exc.errno in _FULL:
            raise DiskFullError(path, len(raw), exc.errno) from exc
        raise
    return tmp


@contextlib.contextmanager
def _signals_deferred():
    """SIGINT and SIGTERM wait until the block ends (main thread, POSIX), so files move in together."""
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _commit(staged: list[tuple[str, Path]]) -> None:
    """Move staged files into place, in order, with interrupts deferred; unmoved ones are removed on failure."""
    try:
        with _signals_deferred():
            for tmp, path in staged:
                os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file atomically: to a temporary name in the same folder, then ``os.replace``.

    A reader sees the old file or the new one, never a half-written one; the folder is created if
    needed and the temporary file is removed when writing fails. A new file gets the usual mode
    (0o666 less the umask, 0o644 under the common umask 022); an existing file keeps its mode.

    Parameters
    ----------
    path : Path
        The file to write.
    data : str or bytes
        The content (text is written as UTF-8).

    Raises
    ------
    DiskFullError
        When the disk or the quota is full (naming the file, the space needed and free); the old
        file is left as it was.
    """
    path = Path(path)
    _commit([(_stage(path, data), path)])


def list_notebooks(folder: str | Path) -> list[Path]:
    """The numbered notebooks of a folder (``NN_name.ipynb``), in order.

    Parameters
    ----------
    folder : str or Path
        The folder to look in (not its subfolders).

    Returns
    -------
    list of Path
    """
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def _title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "kpikit report"


_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block extra_css %}<style type="text/css">{{ resources.kpikit_css }}</style>{% endblock extra_css %}
{% block markdowncell scoped %}
{{ super() }}
{%- if cell.metadata.get("kpikit_title_cell") %}
<!--kpikit-after-title-->
{%- endif -%}
{%- endblock markdowncell %}
"""

_REPORT_CSS = """
body.jp-Notebook{background:#fafbfc}
main{max-width:1100px;margin:0 auto;padding:1em 2.5em 3em;background:#fff;box-shadow:0 0 4px rgba(0,0,0,.06)}
.kpikit-titleblock{border-bottom:2px solid #0072B2;padding:.6em 0 .8em;margin-bottom:1em;font-size:.92em;color:#33414e}
.kpikit-titleblock .kpikit-meta span{margin-right:1.6em}
.kpikit-titleblock details{margin-top:.4em}.kpikit-titleblock summary{cursor:pointer;color:#0072B2}
.kpikit-titleblock table{border-collapse:collapse;margin-top:.4em}
.kpikit-titleblock td,.kpikit-titleblock th{border:1px solid #d5dbe1;padding:2px 8px;text-align:left;font-family:monospace}
nav.kpikit-toc{background:#f3f6f9;border-left:3px solid #0072B2;padding:.6em 1.2em;margin:0 0 1.5em;
  font-family:var(--jp-content-font-family,system-ui,sans-serif);font-size:.95em;line-height:1.6}
nav.kpikit-toc ol{margin:.3em 0;padding-left:0;list-style:none}nav.kpikit-toc li.h3{margin-left:1.4em;font-size:.95em}
nav.kpikit-toc a{color:#0060a0;text-decoration:none}nav.kpikit-toc a:hover{text-decoration:underline}
.jp-RenderedHTMLCommon table{border-collapse:collapse;font-size:.9em;margin:.6em 0}
.jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon td{padding:4px 9px;border-bottom:1px solid #e1e6eb}
.jp-RenderedHTMLCommon thead th{background:#eef2f6;border-bottom:2px solid #c9d2db}
.jp-RenderedHTMLCommon tbody tr:nth-child(even){background:#f8fafc}
.jp-RenderedImage img,.jp-OutputArea-output img{max-width:100%;height:auto}
@media print{main{box-shadow:none;max-width:none}nav.kpikit-toc{page-break-after:avoid}}
"""


@functools.lru_cache(maxsize=1)
def _exporter():
    """One HTML exporter per process (loading templates and CSS is the slow part of an export).

    It leaves out code cells and prompts, and the template's external scripts (require.js, MathJax,
    mermaid from a CDN): reports are self-contained and open offline without third-party requests.
    """
    import jinja2
    from nbconvert import HTMLExporter

    return HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        extra_loaders=[jinja2.DictLoader({"kpikit_report.html.j2": _TEMPLATE})],
        template_file="kpikit_report.html.j2",
    )


def _title_block(client: str | None, period: str | None, parameters: Mapping[str, Any]) -> str:
    from kpikit import __version__

    e = html.escape
    meta = []
    if client:
        meta.append(f"<span><strong>Client:</strong> {e(str(client))}</span>")
    if period:
        meta.append(f"<span><strong>Data period:</strong> {e(str(period))}</span>")
    meta.append(f"<span><strong>Generated by</strong> kpikit {e(__version__)}</span>")
    rows = "".join(
        f"<tr><th>{e(str(k))}</th><td>{e(json.dumps(to_jsonable(v), ensure_ascii=False))}</td></tr>"
        for k, v in parameters.items()
    )
    details = f"<details><summary>Parameters of this report</summary><table>{rows}</table></details>" if rows else ""
    return f"<header class='kpikit-titleblock'><div class='kpikit-meta'>{''.join(meta)}</div>{details}</header>"


_HEADING = re.compile(r"<h([23]) id=\"([^\"]+)\">(.*?)(?:<a class=\"anchor-link\"[^>]*>.*?</a>)?</h\1>", re.S)


def _toc(body: str) -> str:
    items = []
    for level, anchor, inner in _HEADING.findall(body):
        text = html.escape(html.unescape(re.sub(r"<[^>]+>", "", inner)).strip())
        items.append(
            f"<li class='h{level}'><a href='#{html.escape(html.unescape(anchor), quote=True)}'>{text}</a></li>"
        )
    if len(items) < 2:
        return ""
    return f"<nav class='kpikit-toc' aria-label='Contents'><strong>Contents</strong><ol>{''.join(items)}</ol></nav>"


def _period_of(kpis: Mapping[str, Any]) -> str | None:
    for key in ("data_period", "period"):
        v = kpis.get(key)
        if isinstance(v, str) and v:
            return v
        if isinstance(v, Mapping) and v.get("start") and v.get("end"):
            return f"{v['start']} to {v['end']}"
    return None


def notebook_html(
    nb: NotebookNode,
    title: str | None = None,
    *,
    client: str | None = None,
    period: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> str:
    """HTML report of an executed notebook: no code cells, a title block and a table of contents.

    The title block shows the client, the data period and the generation details (kpikit version and
    the parameters the report was rendered with); by default they come from the notebook (papermill's
    parameter metadata; ``data_period`` or ``period`` among the recorded KPIs). A notebook that shows
    its own block with :func:`kpikit.report.header` keeps that one. Title block and table of contents
    (the notebook's ``##``/``###`` headings) follow the notebook's first (title) cell. Every string is
    escaped; the page loads no external script.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (its metadata gets the title; its cells are not changed).
    title : str, optional
        The page title (default: the first ``# `` heading of a markdown cell).
    client : str, optional
        The client shown in the title block (default: the ``client`` parameter).
    period : str, optional
        The data period shown (default: the recorded ``data_period`` or ``period`` KPI).
    parameters : mapping, optional
        The parameters listed in the title block (default: papermill's record in the metadata).

    Returns
    -------
    str
        The HTML page.
    """
    params = dict(
        parameters if parameters is not None else nb.metadata.get("papermill", {}).get("parameters", {}) or {}
    )
    kpis = notebook_kpis(nb)
    client = client if client is not None else params.get("client")
    period = period if period is not None else _period_of(kpis)
    nb.metadata["title"] = title or _title_of(nb)
    # a notebook that shows its own title block (kk.report.header) keeps it; others get one here
    has_header = any(
        "kpikit-generated" in str(o.get("data", {}).get("text/html", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    block = "" if has_header else _title_block(client, period, params)
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is not None:
        first.metadata["kpikit_title_cell"] = True
    try:
        body, _ = _exporter().from_notebook_node(nb, resources={"kpikit_css": _REPORT_CSS})
    finally:
        if first is not None:
            del first.metadata["kpikit_title_cell"]
    marker = "<!--kpikit-after-title-->"
    # title block and contents go after the notebook's title cell (or at the top of the page)
    if marker not in body:
        body = body.replace("<main>", "<main>\n" + marker, 1)
    return body.replace(marker, block + _toc(body), 1)


#: Arguments of every kernel kpikit starts: its own log shows errors only, because ipykernel 7 warns
#: "running over TCP without encryption" on every start of the usual local set-up. Cell output
#: (warnings included) is not affected.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)


@contextlib.contextmanager
def _quiet_papermill():
    """Silence papermill's own parameter warnings while it runs a notebook.

    papermill's parser does not read annotated parameters (``x: Literal[...] = ...``), so it logs
    "Unable to parse line" and "Passed unknown parameter" for values it injects correctly. kpikit has
    already checked every parameter against the declared cell, so those lines are noise in a batch log.
    """
    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


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
            with _quiet_papermill():
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
                    extra_arguments=list(KERNEL_ARGUMENTS),
                )
        except Exception as exc:  # papermill raises PapermillExecutionError, timeouts, dead kernels
            if isinstance(exc, OSError) and exc.errno in _FULL:  # it saves the notebook as it runs
                raise DiskFullError(outdir / f"{stem}.ipynb", os.stat(tmp_nb).st_size, exc.errno) from exc
            result.error = _error_text(exc)
            if Path(tmp_nb).exists() and Path(tmp_nb).stat().st_size:
                os.chmod(tmp_nb, _file_mode(outdir / f"{stem}.failed.ipynb"))
                os.replace(tmp_nb, outdir / f"{stem}.failed.ipynb")
            return result
        nb = nbformat.read(tmp_nb, as_version=4)
        kpis = write_report(outdir, stem, nb, {"notebook": notebook.name, "parameters": to_jsonable(parameters)})
        (outdir / f"{stem}.failed.ipynb").unlink(missing_ok=True)
        result.ok, result.kpis = True, kpis
        result.ipynb, result.html, result.kpis_path = (
            outdir / f"{stem}{ext}" for ext in (".ipynb", ".html", ".kpis.json")
        )
        return result
    finally:
        Path(tmp_nb).unlink(missing_ok=True)
        result.duration_s = time.perf_counter() - t0


def write_report(outdir: Path, stem: str, nb: NotebookNode, record: Mapping[str, Any]) -> dict:
    """Write one executed notebook's three outputs together, replacing the previous ones only when all are ready.

    ``stem.ipynb``, ``stem.html`` (no code) and ``stem.kpis.json`` (``record`` plus the recorded
    KPIs, whose presence marks the report complete) are first written in full under temporary names,
    then moved into place one after the other (the KPI file last) with SIGINT and SIGTERM held back
    for those few microseconds. An interrupt or a full disk before that leaves the previous report
    whole. Used by ``kpikit render`` and ``kpikit batch``, so both write the same files.

    Parameters
    ----------
    outdir : Path
        The output folder.
    stem : str
        The notebook's stem (``NN_name``), the outputs' file name.
    nb : NotebookNode
        The executed notebook.
    record : mapping
        What the ``.kpis.json`` file records besides the KPIs (notebook, parameters, ...).

    Returns
    -------
    dict
        The recorded KPIs.

    Raises
    ------
    DiskFullError
        When the disk is full (the previous outputs are left as they were).
    """
    import nbformat

    outdir = Path(outdir)
    kpis = notebook_kpis(nb)
    contents = [
        (outdir / f"{stem}.ipynb", nbformat.writes(nb)),
        (outdir / f"{stem}.html", notebook_html(nb)),
        (outdir / f"{stem}.kpis.json", json.dumps({**record, "kpis": kpis}, indent=2, sort_keys=True) + "\n"),
    ]
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in contents:
            staged.append((_stage(path, data), path))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    _commit(staged)
    return kpis


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

    Parameters
    ----------
    outdir : str or Path
        The folder of the reports.
    title : str
        The page title.
    results : list of RenderResult, optional
        This run's results; the failed ones are listed with their error.

    Returns
    -------
    Path
        The index file.
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
        summary = "; ".join(f"{k}: {text}" for k, text in headline_items(kpis))
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
