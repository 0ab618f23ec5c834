"""Student and teacher editions (`kpikit workshop OUT [--lang vi]`), as .ipynb and HTML."""

from __future__ import annotations

import html
import json
import re

import nbformat
import pytest

from kpikit import cli
from kpikit.i18n import t
from kpikit.workshop import (
    build_editions,
    code_comments,
    edition_html,
    student_edition,
    swap_comments,
    swap_prose,
    teacher_edition,
    workshop_notebooks,
)
from kpikit.workshop.command import main as workshop_main


def _cell(kind: str, source: str, tags=(), key=None, outputs=None):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    cell.metadata["tags"] = list(tags)
    if key:
        cell.metadata["kpikit"] = {"text": key}
    if kind == "code":
        cell.outputs = outputs or []
        cell.execution_count = 1 if outputs else None
    return cell


def _out(text: str):
    return nbformat.v4.new_output("execute_result", {"text/plain": text}, execution_count=1)


def _small_notebook() -> nbformat.NotebookNode:
    """A workshop-shaped notebook: title, parameters, an exercise, its solution, a plain cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        _cell("markdown", "# Workshop 1", key="workshop.w1_kpi_foundations.title"),
        _cell("code", 'lang = "en"\ndata_dir = "."', tags=["parameters"]),
        _cell("markdown", "**Exercise**", tags=["exercise"], key="workshop.w1_kpi_foundations.ex_pp_change"),
        _cell("code", "answer = None\nprint('asked', answer)", tags=["exercise"], outputs=[_out("asked")]),
        _cell("code", "answer = 6 * 7\nprint('solved', answer, lang)", tags=["solution"], outputs=[_out("solved 42")]),
        _cell("code", "# NBVAL_CHECK_OUTPUT\nprint('plain cell', 1 + 1)", outputs=[_out("plain cell 2")]),
    ]
    return nb


def test_student_edition_removes_solutions_and_clears_exercise_outputs():
    nb = _small_notebook()
    student = student_edition(nb)
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    asked = [c for c in student.cells if c.cell_type == "code" and "exercise" in c.metadata["tags"]]
    assert asked and all(c.outputs == [] and c.execution_count is None for c in asked)
    assert student.cells[-1].outputs  # other outputs stay
    assert student.cells[-1].source == "print('plain cell', 1 + 1)"  # the test tools' marker is not for readers
    assert student.metadata["kpikit"]["edition"] == "student"
    assert len(nb.cells) == 6 and nb.cells[3].outputs  # the input is not changed


def test_teacher_edition_keeps_everything():
    nb = _small_notebook()
    teacher = teacher_edition(nb)
    assert [c.source for c in teacher.cells][:-1] == [c.source for c in nb.cells][:-1]
    assert "NBVAL" not in teacher.cells[-1].source and "NBVAL" in nb.cells[-1].source
    assert teacher.cells[4].outputs and teacher.metadata["kpikit"]["edition"] == "teacher"


def test_swap_prose_puts_the_markdown_in_the_language():
    vi = swap_prose(_small_notebook(), "vi")
    assert vi.cells[0].source == t("workshop.w1_kpi_foundations.title", "vi").rstrip("\n")
    assert vi.cells[0].source.startswith("# Buổi 1")
    assert vi.cells[1].source == 'lang = "en"\ndata_dir = "."'  # code is not touched
    assert vi.metadata["kpikit"]["lang"] == "vi"


def test_swap_comments_translates_known_comments_only():
    comments = code_comments("vi")
    source = 'x = None  # your answer, a fraction\n# by hand\ny = "# by hand"  # a comment of my own'
    assert swap_comments(source, comments) == (
        "x = None  # câu trả lời của bạn, dạng số thập phân (0.25 nghĩa là 25%)\n"
        "# tính bằng tay\n"
        'y = "# by hand"  # a comment of my own'
    )


def test_edition_html_shows_code_and_sets_the_language():
    page = edition_html(student_edition(_small_notebook()), "vi")
    assert '<html lang="vi">' in page
    assert "plain cell" in page  # code visible
    assert "solved" not in page
    assert "<script src=" not in page  # no external script


def test_build_editions_on_a_small_notebook(tmp_path):
    src = tmp_path / "src" / "w9_small.ipynb"
    src.parent.mkdir()
    nbformat.write(_small_notebook(), src)
    results = build_editions(tmp_path / "out", lang="vi", notebooks=[src])
    assert [r.ok for r in results] == [True], results[0].error
    student = nbformat.read(tmp_path / "out" / "student" / "w9_small.ipynb", as_version=4)
    teacher = nbformat.read(tmp_path / "out" / "teacher" / "w9_small.ipynb", as_version=4)
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    assert any("solution" in c.metadata.get("tags", []) for c in teacher.cells)
    solved = next(c for c in teacher.cells if "solution" in c.metadata.get("tags", []))
    assert "solved 42 vi" in "".join(o.get("text", "") for o in solved.outputs)  # lang went in as a parameter
    for edition in ("student", "teacher"):
        assert '<html lang="vi">' in (tmp_path / "out" / edition / "w9_small.html").read_text(encoding="utf-8")
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<html lang='vi'>" in index and "student/w9_small.html" in index and "teacher/w9_small.ipynb" in index


def test_a_failing_notebook_fails_alone(tmp_path):
    bad = _small_notebook()
    bad.cells[-1].source = "raise ValueError('broken on purpose')"
    good_path, bad_path = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    nbformat.write(_small_notebook(), good_path)
    nbformat.write(bad, bad_path)
    status = workshop_main([str(tmp_path / "out"), "--notebook", str(bad_path), "--notebook", str(good_path)])
    assert status == 1
    assert (tmp_path / "out" / "teacher" / "good.html").is_file()
    assert not (tmp_path / "out" / "teacher" / "bad.html").exists()
    assert "broken on purpose" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_usage_errors_exit_2(tmp_path, capsys):
    assert workshop_main([str(tmp_path / "out"), "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert workshop_main([str(tmp_path / "out"), "--notebook", str(tmp_path / "none.ipynb")]) == 2
    assert "no notebook" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["workshop", str(tmp_path / "out"), "--lang", "xx"])


def test_the_workshop_notebooks_are_found_in_order():
    assert [p.stem for p in workshop_notebooks()][:2] == ["w1_kpi_foundations", "w2_web_and_funnels"]


@pytest.mark.notebook
def test_kpikit_workshop_lang_vi_renders_both_editions_of_a_workshop_notebook(tmp_path, capsys):
    path = workshop_notebooks()[0]
    status = cli.main(["workshop", str(tmp_path), "--lang", "vi", "--notebook", str(path)])
    assert status == 0, capsys.readouterr().err
    student = nbformat.read(tmp_path / "student" / path.name, as_version=4)
    teacher = nbformat.read(tmp_path / "teacher" / path.name, as_version=4)

    def tagged(nb, tag):
        return [c for c in nb.cells if tag in c.metadata.get("tags", [])]

    assert not tagged(student, "solution") and len(tagged(teacher, "solution")) == 3
    asked = [c for c in tagged(student, "exercise") if c.cell_type == "code"]
    assert len(asked) == 3 and all(not c.outputs for c in asked)
    # the teacher's solutions ran and were checked, in Vietnamese, with Vietnamese numbers
    verdicts = [c.outputs[-1]["data"]["text/plain"] for c in tagged(teacher, "solution")]
    assert all(v.startswith("Đúng: ") for v in verdicts), verdicts
    assert "Đúng: 74,5%." in verdicts
    assert student.cells[0].source.startswith("# Buổi 1")
    assert "**Bạn sẽ học được gì**" in student.cells[1].source
    text = json.dumps([o for c in student.cells if c.cell_type == "code" for o in c.outputs], ensure_ascii=False)
    assert "Tính bằng tay: 1.400 / 20.000 = 7,0%" in text
    assert "# tính bằng tay\nconverted = " in "\n".join(c.source for c in student.cells)
    for edition in ("student", "teacher"):
        page = (tmp_path / edition / f"{path.stem}.html").read_text(encoding="utf-8")
        assert '<html lang="vi">' in page
        assert "kk.workshop.start(" in html.unescape(re.sub(r"<[^>]+>", "", page))  # code visible
    page = (tmp_path / "student" / f"{path.stem}.html").read_text(encoding="utf-8")
    assert "# solution" not in page and "Đúng: 74,5%" not in page
