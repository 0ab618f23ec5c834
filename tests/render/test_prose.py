"""kpikit.render.prose: markdown prose swapped by language before the notebook runs, strictly."""

import nbformat
import pytest

import kpikit.i18n.catalogue as catalogue
from kpikit.cli import main
from kpikit.errors import MissingTranslationError
from kpikit.render import prose_key, translate_prose
from tests.render.conftest import FRAMEWORK_CELLS, notebook

VI = """language: {name: Tiếng Việt, locale: vi_VN, direction: ltr}
notebook:
  07_fixture:
    prose:
      visits: "## 1. Lượt truy cập\\n\\nCó bao nhiêu lượt truy cập."
      surveys: "## 2. Khảo sát\\n\\nKhách hàng nói gì."
    parameter:
      client: tên khách hàng hiển thị trong tiêu đề
      lang: ngôn ngữ của báo cáo
      mode: chế độ lỗi của notebook thử nghiệm
"""


def _index_section(lang: str) -> str:
    """The kit's ``index:`` catalogue section in ``lang`` (YAML text), as its files hold it."""
    return (catalogue.CATALOGUE_DIR / lang / "index.yaml").read_text(encoding="utf-8")


@pytest.fixture
def temporary_catalogue(tmp_path, monkeypatch):
    """A catalogue folder of its own: English and a Vietnamese file with the fixture notebook's prose.

    Each also carries the kit's own ``index`` section, which the index page written after the render needs.
    """
    folder = tmp_path / "i18n"
    folder.mkdir()
    english = "language: {name: English, locale: en_GB, direction: ltr}\n"
    (folder / "en.yaml").write_text(english + _index_section("en"), encoding="utf-8")
    (folder / "vi.yaml").write_text(VI + _index_section("vi"), encoding="utf-8")
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", folder)
    return folder


@pytest.fixture
def fixture_nb(tmp_path):
    return notebook(tmp_path / "nbs" / "07_fixture.ipynb", FRAMEWORK_CELLS)


def sources(nb):
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def test_vietnamese_prose_replaces_the_identified_cells_and_english_stays_as_written(temporary_catalogue, fixture_nb):
    nb = nbformat.read(fixture_nb, as_version=4)
    assert translate_prose(nb, "07_fixture", "en") is nb
    vi = translate_prose(nb, "07_fixture", "vi")
    assert sources(vi) == [
        "# Fixture report\n\nA notebook written by the renderer's tests.",  # no id: as written
        "## 1. Lượt truy cập\n\nCó bao nhiêu lượt truy cập.",
        "## 2. Khảo sát\n\nKhách hàng nói gì.",
        "## 3. Chart",
    ]
    assert sources(nb)[1] == "## 1. Visits\n\nHow many visits came."  # the notebook itself is not changed
    assert prose_key("07_fixture", "visits") == "notebook.07_fixture.prose.visits"


def test_a_missing_entry_names_its_key(temporary_catalogue, fixture_nb):
    (temporary_catalogue / "vi.yaml").write_text(VI.replace("      surveys:", "      other:"), encoding="utf-8")
    nb = nbformat.read(fixture_nb, as_version=4)
    with pytest.raises(MissingTranslationError, match="'notebook.07_fixture.prose.surveys'"):
        translate_prose(nb, "07_fixture", "vi")


def test_render_in_vietnamese_runs_the_translated_notebook(temporary_catalogue, fixture_nb, tmp_path):
    out = tmp_path / "out"
    assert main(["render", str(fixture_nb), "-p", "lang", "vi", "-o", str(out)]) == 0
    page = (out / "07_fixture.html").read_text()
    assert "Lượt truy cập" in page and "How many visits came" not in page
    assert '<html lang="vi" dir="ltr">' in page
    executed = nbformat.read(out / "07_fixture.ipynb", as_version=4)
    assert "## 2. Khảo sát" in sources(executed)[2]
    assert executed.metadata["papermill"]["input_path"] == str(fixture_nb.resolve())
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # the translated source is gone


def test_render_stops_before_anything_runs_when_prose_is_missing(temporary_catalogue, fixture_nb, tmp_path, capsys):
    (temporary_catalogue / "vi.yaml").write_text(VI.replace("      visits:", "      other:"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["render", str(fixture_nb), "-p", "lang", "vi", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        "text missing in the report's language, nothing was run" in err and "'notebook.07_fixture.prose.visits'" in err
    )
    assert not out.exists()


def test_render_stops_before_anything_runs_when_a_parameter_description_is_missing(
    temporary_catalogue, fixture_nb, tmp_path, capsys
):
    # the consultant appendix describes each parameter in the report's language: a gap stops the render
    (temporary_catalogue / "vi.yaml").write_text(VI.replace("      mode:", "      other:"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["render", str(fixture_nb), "-p", "lang", "vi", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nothing was run" in err and "'notebook.07_fixture.parameter.mode'" in err
    assert not out.exists()
