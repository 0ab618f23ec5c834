"""The HTML page of a report: an executed notebook without code, readable on any screen and on paper.

What reaches the page (docs/reports.md, section 7):

- the notebook's markdown and outputs, without code cells, prompts or any script (the page loads
  nothing from elsewhere and opens offline);
- no stderr stream: warnings are for the consultant in JupyterLab, the report shows notes;
- every chart image with an alt text, its title (:func:`chart_alt`);
- ``<title>`` "Churn and renewal – Juniper Box" and ``<html lang dir>`` from the report's language;
- the title block and table of contents: for a notebook on ``kk.report.start`` the framework's own
  title block and summary (the ``setup`` cell's outputs) stay where they are, under the title, and
  the contents follow them; other notebooks get the renderer's title block after their title cell;
- the Excel workbook named in the appendix becomes a link to ``NN_name.xlsx`` beside the page;
- one style sheet (:data:`REPORT_CSS`) for 1280 px, 400 px (tables scroll in their own box, with a
  shadow on the side that has more) and A4 paper (no grey background, rows and charts not cut,
  table headers repeated, headings kept with what follows, collapsed parts printed open).
"""

from __future__ import annotations

import copy
import functools
import html
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kpikit.report import notebook_kpis, to_jsonable

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["REPORT_CSS", "SETUP_TAG", "notebook_html", "print_ready", "chart_alt", "is_framework_notebook"]

#: Tag of the ``kk.report.start`` cell: a notebook with one is on the report framework.
SETUP_TAG = "setup"

#: Alt text of a chart whose title is unknown (a chart not drawn by kk.plots, under no heading).
DEFAULT_ALT = "Chart"

_IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")

#: matplotlib's plain-text form of a figure, which says nothing about the chart.
_FIGURE_REPR = re.compile(r"^<(Figure|matplotlib\.\w+\.\w+)( size [\d.]+x[\d.]+)?[^>]*>$")

_ALT = "{{ output.metadata.get('kpikit', {}).get('alt', '') | escape_html }}"

_TEMPLATE = (
    r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_css %}<style type="text/css">{{ resources.kpikit_css }}</style>{% endblock html_head_css %}
{% block stream_stderr %}{% endblock stream_stderr %}
{% block markdowncell scoped %}
{{ super() }}
{%- if cell.metadata.get("kpikit_anchor") %}
<!--kpikit-after-title-->
{%- endif -%}
{%- endblock markdowncell %}
{% block codecell scoped %}
{{ super() }}
{%- if cell.metadata.get("kpikit_anchor") %}
<!--kpikit-after-title-->
{%- endif -%}
{%- endblock codecell %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="ALT"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}
{%- set height=output | get_metadata('height', 'image/png') -%}
{%- if height is not none %} height={{ height | escape_html }}{%- endif %}>
</div>
{%- endblock data_png %}
{% block data_jpg scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/jpeg;base64,{{ output.data['image/jpeg'] | escape_html }}" alt="ALT"
{%- set width=output | get_metadata('width', 'image/jpeg') -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}
{%- set height=output | get_metadata('height', 'image/jpeg') -%}
{%- if height is not none %} height={{ height | escape_html }}{%- endif %}>
</div>
{%- endblock data_jpg %}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
<img src="data:image/svg+xml;base64,{{ output.data['image/svg+xml'] | text_base64 | escape_html }}" alt="ALT">
</div>
{%- endblock data_svg %}
"""
).replace("ALT", _ALT)

#: The report's style sheet: screen (wide and narrow) and A4 paper.
REPORT_CSS = """
body.jp-Notebook{background:#fafbfc;margin:0}
main{max-width:1100px;margin:0 auto;padding:1em 2.5em 3em;background:#fff;box-shadow:0 0 4px rgba(0,0,0,.06);box-sizing:border-box}
main p,main li,main dd,main h1,main h2,main h3,main h4,main summary{overflow-wrap:break-word}
main pre{white-space:pre-wrap;overflow-wrap:anywhere}
.kpikit-titleblock{border-bottom:2px solid #0072B2;padding:.6em 0 .8em;margin-bottom:1em;font-size:.92em;color:#33414e}
.kpikit-titleblock .kpikit-meta span{margin-right:1.6em;display:inline-block}
.kpikit-titleblock.kpikit-generated .kpikit-meta span{margin-right:0}
.kpikit-titleblock details{margin-top:.4em}.kpikit-titleblock summary{cursor:pointer;color:#0072B2}
.kpikit-titleblock table{border-collapse:collapse;margin-top:.4em}
.kpikit-titleblock td,.kpikit-titleblock th{border:1px solid #d5dbe1;padding:2px 8px;text-align:left}
nav.kpikit-toc{background:#f3f6f9;border-left:3px solid #0072B2;padding:.6em 1.2em;margin:0 0 1.5em;
  font-family:var(--jp-content-font-family,system-ui,sans-serif);font-size:.95em;line-height:1.6}
nav.kpikit-toc ol{margin:.3em 0;padding-left:0;list-style:none}nav.kpikit-toc li.h3{margin-left:1.4em;font-size:.95em}
nav.kpikit-toc a{color:#0060a0;text-decoration:none}nav.kpikit-toc a:hover{text-decoration:underline}
.jp-RenderedHTMLCommon table{border-collapse:collapse;font-size:.9em;margin:.6em 0;table-layout:auto}
.jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon td{padding:4px 9px;border-bottom:1px solid #e1e6eb}
.jp-RenderedHTMLCommon thead th{background:rgba(0,60,120,.07);border-bottom:2px solid #c9d2db}
.jp-RenderedHTMLCommon tbody tr:nth-child(even){background:rgba(0,60,120,.025)}
.jp-RenderedImage img,.jp-OutputArea-output img{max-width:100%;height:auto}
.jp-OutputArea-output{max-width:100%;overflow-x:auto}
.jp-RenderedMarkdown table{display:block;max-width:100%;overflow-x:auto}
.kpikit-table-wrap,.jp-RenderedHTML.jp-OutputArea-output,.jp-RenderedMarkdown table{
  background:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)) left center/2.5em 100% no-repeat local,
  linear-gradient(to left,#fff 30%,rgba(255,255,255,0)) right center/2.5em 100% no-repeat local,
  radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.22),rgba(0,0,0,0)) left center/.9em 100% no-repeat scroll,
  radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.22),rgba(0,0,0,0)) right center/.9em 100% no-repeat scroll}
.jp-RenderedHTMLCommon caption{caption-side:top;text-align:left;font-weight:600;padding:.2em 0;position:sticky;left:0;max-width:calc(100vw - 2.5em)}
.kpikit-table td.kpikit-right{white-space:nowrap}
@media (max-width:640px){
  main{padding:.6em .8em 2em;box-shadow:none}
  .jp-Cell{padding:0}
  .jp-RenderedHTMLCommon table{font-size:.85em}
  .jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon td{padding:3px 6px}
  main .kpikit-card{flex-basis:9em;max-width:none}
  main .kpikit-card-value{font-size:1.35em}
}
@page{size:A4;margin:15mm 13mm 16mm}
@media print{
  html,body,body.jp-Notebook,main{background:#fff !important}
  main{box-shadow:none;max-width:none;margin:0;padding:0}
  .jp-Cell{padding:0}
  .jp-OutputArea-output,.kpikit-table-wrap,.jp-RenderedMarkdown table{overflow:visible !important;background:none !important}
  .jp-RenderedHTMLCommon table{width:100%;font-size:8pt}
  .jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon td{padding:2px 4px;overflow-wrap:anywhere;hyphens:auto}
  .jp-RenderedHTMLCommon tbody tr:nth-child(even){background:none}
  thead{display:table-header-group}
  tr,img,svg,.kpikit-card,.kpikit-note,figure,.jp-RenderedImage{break-inside:avoid}
  h1,h2,h3,h4,caption,summary{break-after:avoid}
  .jp-MarkdownCell:has(h2:last-child),.jp-MarkdownCell:has(h3:last-child){break-after:avoid}
  nav.kpikit-toc{break-inside:avoid}
  details::details-content{content-visibility:visible;display:contents}
  details>summary{list-style:none;font-weight:600}
  a{color:inherit;text-decoration:none}
}
"""


def is_framework_notebook(nb: Mapping) -> bool:
    """Whether a notebook is on the report framework: a code cell tagged ``setup`` (its ``kk.report.start``).

    Parameters
    ----------
    nb : mapping
        A notebook (an nbformat node or its JSON).

    Returns
    -------
    bool
    """
    return any(
        c.get("cell_type") == "code" and SETUP_TAG in c.get("metadata", {}).get("tags", []) for c in nb.get("cells", [])
    )


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


def _title_of(nb: Mapping) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in _text(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "kpikit report"


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _title_block(client: str | None, period: str | None, parameters: Mapping[str, Any]) -> str:
    """The renderer's title block, for notebooks not on the report framework."""
    from kpikit import __version__

    e = html.escape
    meta = []
    if client:
        meta.append(f"<span><strong>Client:</strong> {e(str(client))}</span>")
    if period:
        meta.append(f"<span><strong>Data period:</strong> {e(str(period))}</span>")
    meta.append(f"<span><strong>Generated by</strong> kpikit {e(__version__)}</span>")
    rows = "".join(f"<tr><th>{e(str(k))}</th><td>{e(_param_text(v))}</td></tr>" for k, v in parameters.items())
    details = f"<details><summary>Parameters of this report</summary><table>{rows}</table></details>" if rows else ""
    return f"<header class='kpikit-titleblock'><div class='kpikit-meta'>{''.join(meta)}</div>{details}</header>"


def _param_text(value: Any) -> str:
    """A parameter value as plain text (never a Python repr): lists joined, None as "none"."""
    value = to_jsonable(value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_param_text(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_param_text(v)}" for k, v in value.items()) or "none"
    return str(value)


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


def chart_alt(output: Mapping, heading: str | None = None) -> str:
    """The alt text of a chart output: its title.

    In order: the title a chart carries in its output's metadata (``metadata[<image type>]["alt"]``,
    as kk.plots writes it), else its plain-text form when that is not matplotlib's
    ``<Figure size ...>`` (a chart whose text form is its title), else the heading of the section
    it is in, else "Chart".

    Parameters
    ----------
    output : mapping
        A ``display_data`` or ``execute_result`` output holding an image.
    heading : str, optional
        The text of the last heading above the output.

    Returns
    -------
    str
    """
    meta = output.get("metadata", {}) or {}
    for mime in _IMAGE_MIMES:
        alt = (meta.get(mime) or {}).get("alt") if isinstance(meta.get(mime), Mapping) else None
        if isinstance(alt, str) and alt.strip():
            return alt.strip()
    plain = _text(output.get("data", {}).get("text/plain", "")).strip()
    if plain and not _FIGURE_REPR.match(plain) and "\n" not in plain:
        return plain
    return heading or DEFAULT_ALT


def _heading_of(cell: Mapping) -> str | None:
    found = None
    for line in _text(cell.get("source", "")).splitlines():
        m = re.match(r"^#{1,4}\s+(.+?)\s*#*\s*$", line)
        if m:
            found = re.sub(r"[*_`]", "", m.group(1)).strip()
    return found


def _page_copy(nb: NotebookNode) -> NotebookNode:
    """The notebook as the page shows it: no stderr streams, each image's alt text in its metadata."""
    page = copy.deepcopy(nb)
    heading = None
    for cell in page.cells:
        if cell.cell_type == "markdown":
            heading = _heading_of(cell) or heading
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            if out.get("output_type") in ("display_data", "execute_result") and any(
                m in out.get("data", {}) for m in _IMAGE_MIMES
            ):
                out.setdefault("metadata", {})["kpikit"] = {"alt": chart_alt(out, heading)}
            outputs.append(out)
        if "outputs" in cell:
            cell.outputs = outputs
    return page


def _link_workbook(body: str, workbook: str) -> str:
    """The workbook's file name in the appendix becomes a link to the file beside the page."""
    start = body.find("kpikit-appendix")
    if start < 0:
        return body
    name = html.escape(workbook)
    at = body.find(name, start)
    if at < 0:
        return body
    link = f"<a class='kpikit-workbook' href='{html.escape(quote(workbook))}' download>{name}</a>"
    return body[:at] + link + body[at + len(name) :]


def notebook_html(
    nb: NotebookNode,
    title: str | None = None,
    *,
    client: str | None = None,
    period: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    lang: str | None = None,
    workbook: str | None = None,
) -> str:
    """HTML report of an executed notebook: no code cells, a title block and a table of contents.

    A notebook on the report framework (a cell tagged ``setup``) shows its own title block and
    summary under its title; the contents follow them. Other notebooks get a title block here (the
    client, the data period, the kpikit version and the parameters as a table; a notebook that shows
    its own block with :func:`kpikit.report.header` keeps that one) after their title cell. Every
    string is escaped; the page loads no script. See the module notes for what else the page holds.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (it is not changed).
    title : str, optional
        The report's title (default: the first ``# `` heading of a markdown cell); the page's
        ``<title>`` adds the client ("Churn and renewal – Juniper Box").
    client : str, optional
        The client (default: the ``client`` parameter).
    period : str, optional
        The data period a renderer-side title block shows (default: the recorded ``data_period`` or
        ``period`` KPI).
    parameters : mapping, optional
        The report's parameters (default: papermill's record in the metadata).
    lang : str, optional
        The report's language (default: the ``lang`` parameter, else English): ``<html lang dir>``.
    workbook : str, optional
        The file name of the report's Excel workbook, written beside the page: the appendix links it.

    Returns
    -------
    str
        The HTML page.
    """
    from kpikit.i18n import direction

    params = dict(
        parameters if parameters is not None else nb.metadata.get("papermill", {}).get("parameters", {}) or {}
    )
    client = client if client is not None else params.get("client")
    lang = str(lang or params.get("lang") or "en")
    try:
        text_direction = direction(lang)
    except Exception:  # a language without a catalogue: the report itself says so; the page stays readable
        lang, text_direction = "en", "ltr"
    page = _page_copy(nb)
    heading = title or _title_of(page)
    page.metadata["title"] = f"{heading} – {client}" if client else heading
    framework = is_framework_notebook(page)
    # a notebook that shows its own title block (kk.report.start, kk.report.header) keeps it
    has_header = any(
        "kpikit-generated" in _text(o.get("data", {}).get("text/html", ""))
        for c in page.cells
        for o in c.get("outputs", [])
    )
    block = ""
    if not has_header:
        block = _title_block(client, period if period is not None else _period_of(notebook_kpis(nb)), params)
    anchor = None
    if framework:
        anchor = next(c for c in page.cells if c.cell_type == "code" and SETUP_TAG in c.metadata.get("tags", []))
    else:
        anchor = next((c for c in page.cells if c.cell_type == "markdown"), None)
    if anchor is not None:
        anchor.metadata["kpikit_anchor"] = True
    body, _ = _exporter().from_notebook_node(page, resources={"kpikit_css": REPORT_CSS})
    body = re.sub(
        r"<html lang=\"[^\"]*\">",
        f'<html lang="{html.escape(lang, quote=True)}" dir="{text_direction}">',
        body,
        count=1,
    )
    marker = "<!--kpikit-after-title-->"
    # title block (old notebooks) and contents go after the anchor cell (or at the top of the page)
    if marker not in body:
        body = body.replace("<main>", "<main>\n" + marker, 1)
    body = body.replace(marker, block + _toc(body), 1)
    if workbook:
        body = _link_workbook(body, workbook)
    return body


def print_ready(page: str) -> str:
    """The page as it is printed to PDF: every collapsed part (``<details>``) open.

    Parameters
    ----------
    page : str
        A report page of :func:`notebook_html`.

    Returns
    -------
    str
    """
    return re.sub(r"<details(?![^>]*\bopen\b)", "<details open", page)
