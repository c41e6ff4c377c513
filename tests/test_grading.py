"""Grading students' notebooks: what the notebook computes is graded, errors do not stop the run."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import nbformat
import pytest

from qgan_helpers.checks import expect, register
from qgan_helpers.grading import MARKER, Grade, exercise_labels, grade, grade_notebook, grading_cell, main, to_csv

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def directive(label: str) -> str:
    return f"```{{exercise}}\n:label: {label}\n\nDo it.\n```"


def student_notebook(path: Path) -> Path:
    """A handed-in notebook: one exercise solved, one wrong, one untouched, one deleted, one broken cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        md("# Devices (a student's copy)"),
        code("from pathlib import Path\nfrom qgan_helpers.checks import exercise"),
        md(directive("ex-devices-density-memory")),
        code('ex_mem = exercise("ex-devices-density-memory")\n\n'
             "def density_matrix_bytes(n_qubits):\n"
             "    # reads a file of the folder the notebook runs in (the grader's cwd): 'x' -> factor 1\n"
             "    return 16 * 4**n_qubits * len(Path('class.txt').read_text())\n\n"
             "ex_mem.check(density_matrix_bytes)"),
        # the book's hidden self-test: fails in a solved notebook, so the grader drops it
        code('assert ex_mem.check(density_matrix_bytes, verbose=False).status == "not attempted"',
             metadata={"tags": ["remove-cell"]}),
        md(directive("ex-devices-shots-expval")),
        code("def expval_from_samples(samples):\n    return 0.5  # wrong"),
        # a typed-in verdict does not count: the grader re-checks what the notebook defines
        code("print('[ex-devices-shots-expval] correct')"),
        md(directive("ex-devices-bell")),
        code("def bell_probabilities():\n    ...  # your code here"),
        code("1 / 0  # a broken cell does not stop the grading"),
        md(directive("ex-devices-broadcast")),  # the student deleted the stub cell: not defined
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, list[Grade]]:
    course = tmp_path_factory.mktemp("course")
    (course / "class.txt").write_text("x")
    (course / "alice").mkdir()
    path = student_notebook(course / "alice" / "alice.ipynb")
    return path, grade_notebook(path, timeout=120, cwd=course)  # run where class.txt is


def test_labels_come_from_the_exercise_directives(tmp_path):
    path = student_notebook(tmp_path / "nb.ipynb")
    assert exercise_labels(path) == [
        "ex-devices-density-memory", "ex-devices-shots-expval", "ex-devices-bell", "ex-devices-broadcast"
    ]
    directive_lines = ["::::{exercise} A title\n", ":class: x\n", ":label: ex-q-r\n"]
    nb = {"cells": [{"cell_type": "markdown", "source": directive_lines},
                    {"cell_type": "code", "source": ":label: ex-not-markdown"}]}
    assert exercise_labels(nb) == ["ex-q-r"]


def test_grades_what_the_notebook_computes(graded):
    path, rows = graded
    got = {r.label: (r.status, r.reason) for r in rows}
    assert [r.label for r in rows] == exercise_labels(path)
    assert all(r.notebook == str(path) for r in rows)
    assert got["ex-devices-density-memory"] == ("correct", "")
    assert got["ex-devices-shots-expval"][0] == "not yet"  # despite the printed "correct"
    assert "0.5" in got["ex-devices-shots-expval"][1]  # the checker's reason, e.g. "... got 0.5 ..."
    assert got["ex-devices-bell"] == ("not attempted", "")
    assert got["ex-devices-broadcast"] == ("not attempted", "batch_expvals is not defined")


def test_a_notebook_that_cannot_finish_is_not_graded(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [md(directive("ex-devices-bell")), code("import os\nos._exit(1)  # the kernel dies")]
    path = tmp_path / "dead.ipynb"
    nbformat.write(nb, path)
    rows = grade_notebook(path, timeout=60)
    assert [(r.label, r.status) for r in rows] == [("ex-devices-bell", "not graded")]
    assert rows[0].reason.startswith("the notebook could not be run") or "grading cell" in rows[0].reason


def test_no_exercises_means_no_kernel(tmp_path):
    path = tmp_path / "empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[md("# nothing to grade")]), path)
    assert grade_notebook(path) == []
    assert grade([]) == []


@register("ex-demo-grading-square", "Square a number", "Multiply it by itself.", "square")
def _check_square(square):
    expect(callable(square), "square should be a function")
    expect(square(3) == 9, f"square(3) should be 9, got {square(3)!r}")


@register("ex-demo-grading-cube", "Cube a number", "x * x * x.", "cube")
def _check_cube(cube):
    expect(cube(2) == 8, "cube(2) should be 8")


def test_grading_cell_prints_json_for_each_label():
    namespace: dict = {"square": lambda x: x + x}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(grading_cell(["ex-demo-grading-square", "ex-demo-grading-cube"]), namespace)
    line = out.getvalue().strip()
    assert line.startswith(MARKER) and "\n" not in line
    assert json.loads(line[len(MARKER):]) == [
        {"label": "ex-demo-grading-square", "status": "not yet", "reason": "square(3) should be 9, got 6"},
        {"label": "ex-demo-grading-cube", "status": "not attempted", "reason": "cube is not defined"},
    ]
    namespace["square"] = lambda x: x * x
    with contextlib.redirect_stdout(out := io.StringIO()):
        exec(grading_cell(["ex-demo-grading-square"]), namespace)
    assert json.loads(out.getvalue()[len(MARKER):])[0]["status"] == "correct"


def test_csv_and_command_line(tmp_path, capsys):
    rows = [Grade("a.ipynb", "ex-a-b", "correct"), Grade("a.ipynb", "ex-a-c", "not yet", "too small")]
    text = to_csv(rows, tmp_path / "g.csv")
    assert (tmp_path / "g.csv").read_text() == text
    assert text.splitlines() == [
        "notebook,label,status,reason", "a.ipynb,ex-a-b,correct,", "a.ipynb,ex-a-c,not yet,too small"
    ]
    assert to_csv([Grade("a, b.ipynb", "ex-a-b", "not yet", 'say "hi"')]).splitlines()[1] == (
        '"a, b.ipynb",ex-a-b,not yet,"say ""hi"""'
    )
    empty = tmp_path / "empty.ipynb"  # no exercises: the command line runs without starting a kernel
    nbformat.write(nbformat.v4.new_notebook(cells=[md("# no exercises")]), empty)
    assert main([str(empty), "--csv", str(tmp_path / "cli.csv"), "--timeout", "60"]) == 0
    assert f"{empty}: 0/0 correct" in capsys.readouterr().out
    assert (tmp_path / "cli.csv").read_text() == "notebook,label,status,reason\n"


def test_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^notebook: expected an .ipynb file, got .*missing.ipynb"):
        grade_notebook(tmp_path / "missing.ipynb")
    with pytest.raises(TypeError, match=r"^notebook: expected a path or a notebook dict with 'cells', got list"):
        exercise_labels([1, 2])
    with pytest.raises(TypeError, match=r"^notebook: expected a path or a notebook dict with 'cells', got dict"):
        exercise_labels({"no": "cells"})
    path = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(FileNotFoundError, match=r"^cwd: expected an existing folder to run the notebook in, got"):
        grade_notebook(path, cwd=tmp_path / "nope")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=r"^timeout: expected a positive number of seconds, got"):
            grade_notebook(path, timeout=bad)
    with pytest.raises(TypeError, match=r"^labels: expected a sequence of label strings, got 'ex-a-b'"):
        grading_cell("ex-a-b")
    with pytest.raises(TypeError, match=r"^labels: expected a sequence of label strings, got \[1\]"):
        grading_cell([1])
    with pytest.raises(TypeError, match=r"^rows: expected Grade objects, got tuple"):
        to_csv([("a", "b", "c", "d")])
