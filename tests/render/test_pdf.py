"""kpikit.render.pdf and ``--pdf``: A4 PDFs through headless Chromium, a clear message without it."""

import re
import shutil

import pytest

from kpikit.cli import main
from kpikit.render import chromium_path, pdf_problem, print_pdf, render_notebook
from kpikit.render.pdf import CHROMIUM_ENV
from tests.paths import TEST_DATA

MINIMAL = TEST_DATA / "notebooks" / "minimal.ipynb"
needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="Chromium is not installed (apt-get install chromium)"
)


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    """A PATH without any browser on it."""
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_without_chromium_the_message_says_how_to_install_it(no_chromium, monkeypatch):
    assert chromium_path() is None
    msg = pdf_problem()
    assert "no chromium or google-chrome on PATH" in msg and "sudo apt-get install chromium" in msg
    assert "brew install --cask chromium" in msg and f"set {CHROMIUM_ENV} to its path" in msg
    monkeypatch.setenv(CHROMIUM_ENV, "/opt/nowhere/chrome")
    assert f"{CHROMIUM_ENV}='/opt/nowhere/chrome' is not an executable" in pdf_problem()


def test_render_and_batch_with_pdf_stop_before_rendering_without_chromium(no_chromium, tmp_path, capsys):
    nb = tmp_path / "minimal.ipynb"
    shutil.copy(MINIMAL, nb)
    assert main(["render", str(nb), "--pdf", "-o", str(tmp_path / "out")]) == 2
    assert "kpikit render: --pdf prints each report with headless Chromium" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["batch", str(tmp_path / "batch.yaml"), "--pdf"]) == 2  # checked before the batch file
    assert "kpikit batch: --pdf prints each report" in capsys.readouterr().err


@needs_chromium
def test_a_page_prints_to_an_a4_pdf():
    data = print_pdf(
        "<!DOCTYPE html><html><head><style>@page{size:A4}</style></head><body><h1>Report</h1></body></html>"
    )
    assert data.startswith(b"%PDF-")
    box = [float(x) for x in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data).group(1).split()]
    assert box[2] == pytest.approx(595.3, abs=0.5) and box[3] == pytest.approx(841.9, abs=0.5)  # A4 in points


@needs_chromium
def test_render_with_pdf_writes_it_beside_the_report_and_a_later_render_without_removes_it(tmp_path):
    nb = tmp_path / "nbs" / "minimal.ipynb"
    nb.parent.mkdir()
    shutil.copy(MINIMAL, nb)
    out = tmp_path / "out"
    res = render_notebook(nb, out, pdf=True)
    assert res.pdf == out / "minimal.pdf" and res.pdf.read_bytes().startswith(b"%PDF-")
    assert main(["render", str(nb), "-o", str(out)]) == 0  # no --pdf: the old PDF would not match the report
    assert not (out / "minimal.pdf").exists()


def test_a_pdf_that_cannot_be_printed_fails_the_report_and_keeps_the_previous_one(tmp_path, monkeypatch):
    import kpikit.render.pdf as pdf

    nb = tmp_path / "nbs" / "minimal.ipynb"
    nb.parent.mkdir()
    shutil.copy(MINIMAL, nb)
    out = tmp_path / "out"
    assert render_notebook(nb, out).ok
    before = (out / "minimal.html").read_bytes()

    def broken(page, timeout=pdf.PRINT_TIMEOUT):
        raise pdf.PdfError("Chromium could not print the report (exit status 1): out of memory")

    monkeypatch.setattr(pdf, "print_pdf", broken)
    res = render_notebook(nb, out, pdf=True)
    assert (res.ok, res.status) == (False, "failed")
    assert res.error == "Chromium could not print the report (exit status 1): out of memory"
    assert (out / "minimal.html").read_bytes() == before and not (out / "minimal.pdf").exists()
    assert "out of memory" in (out / "minimal.error.html").read_text()
