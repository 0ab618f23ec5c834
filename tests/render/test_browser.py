"""The sample reports and their index in a real browser (Playwright driving Debian's Chromium).

On every report of a notebook on the report framework (03 at least): no horizontal overflow at 1280 px,
at 400 px and printed on A4 (``document.documentElement.scrollWidth`` within the page's width), wide
tables scrolling in their own box with a shadow as the cue and body text keeping its width on a
phone, an alt text on every chart image, the summary before section 1 under one title block. The
index: no overflow at 400 px, each report a card.

Skips, naming what is missing, without Chromium or Playwright; CI sets ``KPIKIT_REQUIRE_BROWSER=1``
(.ci/run), where a missing browser fails instead.
"""

import os
import shutil

import nbformat
import pytest

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
REQUIRED = os.environ.get("KPIKIT_REQUIRE_BROWSER") == "1"
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None

MISSING = (
    "Chromium is not installed (apt-get install chromium)"
    if CHROMIUM is None
    else "Playwright is not installed (pip install -e '.[test]')"
    if sync_playwright is None
    else ""
)
pytestmark = [pytest.mark.notebook, pytest.mark.skipif(bool(MISSING) and not REQUIRED, reason=MISSING or "ok")]

#: The printable width of an A4 page under the report's margins (210 mm - 2 x 13 mm), in CSS pixels.
A4_WIDTH = round((210 - 26) / 25.4 * 96)

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_browser_is_there():
    assert not MISSING, f"KPIKIT_REQUIRE_BROWSER=1 but {MISSING}"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield b
        b.close()


def _open(browser, path, width, print_media=False):
    # a phone honours the page's viewport meta (without one it would lay the page out 980 px wide)
    phone = width <= 400 and not print_media
    page = browser.new_page(
        viewport={"width": width, "height": 900}, is_mobile=phone, device_scale_factor=2 if phone else 1
    )
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    if print_media:
        page.emulate_media(media="print")
    return page, errors


def framework_reports(folder):
    """The sample reports of notebooks on the report framework (a cell tagged setup)."""
    from kpikit.render import is_framework_notebook

    names = []
    for nb in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        if ".failed" not in nb.name and is_framework_notebook(nbformat.read(nb, as_version=4)):
            names.append(nb.stem)
    return names


def test_reports_fit_1280_px_400_px_and_a4_paper(sample_reports, browser):
    names = framework_reports(sample_reports)
    assert "03_churn_and_renewal" in names
    for name in names:
        path = sample_reports / f"{name}.html"
        for width, printed in ((1280, False), (400, False), (A4_WIDTH, True)):
            page, errors = _open(browser, path, width, printed)
            assert page.evaluate(OVERFLOW) <= 0, f"{name} overflows at {width} px{' (print)' if printed else ''}"
            assert errors == [], name
            page.close()


def test_on_a_phone_tables_scroll_in_their_own_box_with_a_cue_and_text_keeps_its_width(sample_reports, browser):
    page, _ = _open(browser, sample_reports / "03_churn_and_renewal.html", 400)
    # every collapsed part opened, as a reader may (a closed one lays nothing out to scroll)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    facts = page.evaluate(
        """() => {
        const wide = [...document.querySelectorAll('main table')].filter(t => t.scrollWidth > 380);
        const boxes = wide.map(t => {
            let el = t.parentElement;
            while (el && getComputedStyle(el).overflowX !== 'auto' && getComputedStyle(el).overflowX !== 'scroll') el = el.parentElement;
            return el ? {scrolls: el.scrollWidth > el.clientWidth, cue: getComputedStyle(el).backgroundImage} : null;
        });
        const text = [...document.querySelectorAll('.jp-RenderedMarkdown p')].map(p => p.getBoundingClientRect().width);
        return {wide: wide.length, boxes, text};
    }"""
    )
    assert facts["wide"] > 0  # 03 has tables wider than a phone
    assert all(b is not None and b["scrolls"] and "gradient" in b["cue"] for b in facts["boxes"]), facts["boxes"]
    assert min(facts["text"]) >= 330  # body text uses the phone's width (400 px less the margins)
    page.close()


def _charts(notebook) -> int:
    """How many chart images the executed notebook holds."""
    nb = nbformat.read(notebook, as_version=4)
    mimes = ("image/png", "image/jpeg", "image/svg+xml")
    return sum(any(m in o.get("data", {}) for m in mimes) for c in nb.cells for o in c.get("outputs", []))


def test_every_chart_has_alt_text_and_the_summary_comes_before_section_1(sample_reports, browser):
    for name in framework_reports(sample_reports):
        charts = _charts(sample_reports / f"{name}.ipynb")
        page, _ = _open(browser, sample_reports / f"{name}.html", 1280)
        facts = page.evaluate(
            """() => {
            const imgs = [...document.querySelectorAll('main img')];
            const summary = document.querySelector('section.kpikit-summary');
            const first = [...document.querySelectorAll('main h2[id]')].find(h => /^1\\./.test(h.textContent.trim()));
            return {
                images: imgs.length,
                noAlt: imgs.filter(i => !(i.getAttribute('alt') || '').trim() || i.getAttribute('alt') === 'Chart').length,
                decoded: imgs.every(i => i.complete && i.naturalWidth > 0),
                summaryFirst: !!(summary && first && (summary.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)),
                titleBlocks: document.querySelectorAll('.kpikit-titleblock').length,
                appendixClosed: [...document.querySelectorAll('details.kpikit-appendix')].every(d => !d.open),
                lang: document.documentElement.lang, dir: document.documentElement.dir,
            };
        }"""
        )
        # every chart reaches the page (00, the data overview, has none), each with an alt text of its own
        # (its title or its section's heading, never the generic "Chart")
        assert facts["images"] == charts and facts["noAlt"] == 0 and facts["decoded"], (name, charts, facts)
        assert charts > 0 or name == "00_data_overview", name
        assert facts["summaryFirst"] and facts["titleBlocks"] == 1 and facts["appendixClosed"], (name, facts)
        assert (facts["lang"], facts["dir"]) == ("en", "ltr")
        page.close()


def test_the_index_reads_on_a_phone(sample_reports, browser):
    for width in (1280, 400):
        page, errors = _open(browser, sample_reports / "index.html", width)
        assert page.evaluate(OVERFLOW) <= 0 and errors == []
        if width == 400:
            shown = page.evaluate(
                "[...document.querySelectorAll('table.reports tr:not(.group) td:nth-child(5)')]"
                ".map(td => [getComputedStyle(td).display, td.getBoundingClientRect().width])"
            )
            assert shown and all(d == "block" and w >= 330 for d, w in shown), shown  # each report a card
        page.close()
