"""kpikit.render.page: what reaches a report's HTML, on executed notebooks written here (no kernel)."""

import re

import nbformat
import pytest

from kpikit.render import chart_alt, notebook_html, print_ready
from kpikit.render.page import DEFAULT_ALT, REPORT_CSS

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def image(meta=None, plain="<Figure size 768x432 with 1 Axes>"):
    out = nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": plain})
    out.metadata = meta or {}
    return out


def code(*outputs, tags=()):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = list(outputs)
    cell.metadata["tags"] = list(tags)
    return cell


def executed(cells, parameters=None):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["papermill"] = {"parameters": parameters or {}}
    return nb


def html_output(html, display_id=None):
    return nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "x"})


def alts(page):
    return re.findall(r'<img [^>]*alt="([^"]*)"', page)


def test_stderr_never_reaches_the_page_and_stdout_does():
    cell = code(
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: a consultant-only warning\n"),
        nbformat.v4.new_output("stream", name="stdout", text="printed for the reader\n"),
    )
    nb = executed([nbformat.v4.new_markdown_cell("# Report"), cell])
    page = notebook_html(nb)
    assert "consultant-only warning" not in page and "printed for the reader" in page
    assert nb.cells[1].outputs[0].name == "stderr"  # the notebook itself is not changed


def test_every_chart_image_has_its_title_as_alt_text():
    cells = [
        nbformat.v4.new_markdown_cell("# Report"),
        code(image()),  # under the title only: the title is its heading
        nbformat.v4.new_markdown_cell("## 2. Churn by plan\n\nWhich plans lose customers."),
        code(image({"image/png": {"width": 400, "height": 200, "alt": "Box Monthly churns most: 5.7% per month"}})),
        code(image(plain="Customer churn per month, 95% CI")),
        code(image()),
    ]
    page = notebook_html(executed(cells))
    assert alts(page) == [
        "Report",
        "Box Monthly churns most: 5.7% per month",
        "Customer churn per month, 95% CI",
        "2. Churn by plan",
    ]
    assert re.search(r'<img [^>]*alt="Box[^>]*height="200"[^>]*width="400"', page)  # a 2x PNG keeps its size
    assert chart_alt({"data": {"image/png": PNG, "text/plain": "<Figure size 640x480 with 2 Axes>"}}) == DEFAULT_ALT


def test_title_language_and_direction_come_from_the_report():
    nb = executed([nbformat.v4.new_markdown_cell("# Churn and renewal")], {"client": "Juniper Box", "lang": "vi"})
    page = notebook_html(nb)
    assert "<title>Churn and renewal – Juniper Box</title>" in page
    assert '<html lang="vi" dir="ltr">' in page
    page = notebook_html(nb, "Tỷ lệ rời bỏ", lang="xx")  # a language without a catalogue: English page
    assert '<html lang="en" dir="ltr">' in page and "<title>Tỷ lệ rời bỏ – Juniper Box</title>" in page


def framework_notebook():
    title = "<header class='kpikit-titleblock kpikit-generated' lang='en' dir='ltr'><p>Q?</p></header>"
    summary = "<section class='kpikit-summary' lang='en' dir='ltr'><h2>Summary</h2></section>"
    return executed(
        [
            nbformat.v4.new_markdown_cell("# Churn and renewal"),
            code(tags=["parameters"]),
            code(html_output(title), html_output(summary), tags=["setup"]),
            nbformat.v4.new_markdown_cell("## 1. MRR\n\nText."),
            nbformat.v4.new_markdown_cell("## 2. Churn\n\nText."),
            code(html_output("<details class='kpikit-appendix'><summary>For the consultant</summary>x</details>")),
        ],
        {"client": "Juniper Box"},
    )


def test_a_framework_notebook_keeps_its_own_title_block_and_its_summary_comes_before_section_1():
    page = notebook_html(framework_notebook())
    body = page[page.index("<main>") :]
    assert body.count("kpikit-titleblock") == 1  # the framework's, no renderer block beside it
    positions = [body.index(x) for x in ("kpikit-titleblock", "kpikit-summary", "kpikit-toc", 'id="1.-MRR"')]
    assert positions == sorted(positions)
    assert body.index("Churn and renewal") < positions[0]


def test_a_notebook_off_the_framework_gets_a_title_block_with_a_parameter_table():
    nb = executed(
        [nbformat.v4.new_markdown_cell("# Bounce rate"), nbformat.v4.new_markdown_cell("## 1. Data\n\nx")],
        {"client": "Acme", "key_events": ["purchase", "generate_lead"], "as_of": None, "data_dir": "../data/sample"},
    )
    page = notebook_html(nb)
    block = re.search(r"<header class='kpikit-titleblock'>.*?</header>", page, re.S).group(0)
    assert "<tr><th>key_events</th><td>purchase, generate_lead</td></tr>" in block
    assert "<tr><th>as_of</th><td>none</td></tr>" in block and "<td>../data/sample</td>" in block
    assert "[" not in block and '"' not in block.replace("class=", "")  # no Python or JSON repr
    assert page.index("Bounce rate") < page.index("kpikit-titleblock") < page.index('id="1.-Data"')


def test_the_workbook_named_in_the_appendix_is_linked_and_print_opens_collapsed_parts():
    nb = framework_notebook()
    nb.cells[-1].outputs = [
        html_output(
            "<details class='kpikit-appendix'><summary>For the consultant</summary>"
            "<p>Every table is in the Excel workbook 03_churn_and_renewal.xlsx (17 sheets).</p></details>"
        )
    ]
    page = notebook_html(nb, workbook="03_churn_and_renewal.xlsx")
    assert (
        "workbook <a class='kpikit-workbook' href='03_churn_and_renewal.xlsx' download>03_churn_and_renewal.xlsx</a>"
        in page
    )
    assert "<details open" not in page and page.count("<details") == print_ready(page).count("<details open")


@pytest.mark.parametrize(
    "rule",
    [
        "@page{size:A4",
        "thead{display:table-header-group}",
        "tr,img,svg,.kpikit-card,.kpikit-note,figure,.jp-RenderedImage{break-inside:avoid}",
        "h1,h2,h3,h4,caption,summary{break-after:avoid}",
        "details::details-content{content-visibility:visible",
        "html,body,body.jp-Notebook,main{background:#fff !important}",
    ],
)
def test_the_print_style_keeps_tables_headings_and_charts_whole(rule):
    assert rule in REPORT_CSS.replace("\n", "")
