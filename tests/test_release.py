"""The student release: no solution text anywhere in it, no way to a solution, and Run All works with every stub untouched.

One module-scoped release of every chapter is built (about 2 s). Two light chapters (devices,
measurement) are executed top to bottom from it, in one kernel each, with the release's own package
first on the path: about 20-60 s each on 2 shared cores.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from qgan_helpers.course.checks import STUDENT_EDITION_NOTE, exercise
from qgan_helpers.course.release import (
    RELEASE_NOTE,
    _toc_chapters,
    build_release,
    package_overlaps,
    release_fingerprints,
    release_leaks,
    release_notebook,
    student_package,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return build_release(tmp_path_factory.mktemp("student") / "release")


def test_the_release_has_every_chapter_and_no_solutions(release):
    chapters = sorted(p.name for p in _toc_chapters(ROOT))  # every chapter the table of contents lists
    assert sorted(p.name for p in release.notebooks) == chapters
    assert not (release.folder / "qgan_helpers" / "course" / "solutions").exists()
    assert not (release.folder / "qgan_helpers" / "course" / "grading").exists()
    assert (release.folder / "qgan_helpers" / "course" / "checks" / "devices.py").is_file()
    assert (release.folder / "qgan_helpers" / "checkpoints" / "patch_digit0_seed0.pt").is_file()
    assert (release.folder / "qgan_helpers" / "results" / "patch_quality.json").is_file()
    assert (release.folder / "README.md").is_file()
    assert "solutions/*.py" not in (release.folder / "pyproject.toml").read_text()
    for nb in release.notebooks:  # the instructor repository's Colab install cell is not in the release
        assert "google.colab" not in nb.read_text(), nb.name
    with zipfile.ZipFile(release.zip_path) as zf:
        names = zf.namelist()
    assert "release/book/devices.ipynb" in names and not any("/solutions/" in n for n in names)


def test_no_solution_text_or_pointer_in_any_release_file(release):
    assert release_leaks(release.folder, zip_path=release.zip_path) == []


def test_the_leak_search_is_not_vacuous(release, tmp_path):
    prints = release_fingerprints()
    assert sum(bool(lines) for lines in prints.values()) >= 30  # most solutions have lines to look for
    copy = tmp_path / "release"
    shutil.copytree(release.folder / "book", copy / "book")
    solution = ROOT / "qgan_helpers" / "course" / "solutions" / "ex_devices_bell.py"
    (copy / "notes.py").write_text(solution.read_text())  # a solution copied in
    nb = json.loads((copy / "book" / "tips.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "source": "ex_slope.load_solution()"})
    (copy / "book" / "tips.ipynb").write_text(json.dumps(nb))
    (copy / "qgan_helpers" / "course" / "solutions").mkdir(parents=True)
    found = release_leaks(copy)
    assert any(f.startswith("notes.py: text of ex_devices_bell.py") for f in found)
    assert "book/tips.ipynb: a pointer to a solution: ex_slope.load_solution(" in found
    assert "qgan_helpers/course/solutions: a solutions folder" in found


def test_release_notebooks_drop_solutions_self_tests_and_pointers(release):
    for path in release.notebooks:
        text = path.read_text()
        assert "{solution}" not in text and "load_solution" not in text and ".solution()" not in text, path.name
        nb = json.loads(text)
        assert nb["metadata"]["qgan"] == {"release": "student", "chapter": path.stem}
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None
    devices = json.loads((release.folder / "book" / "devices.ipynb").read_text())
    text = "\n".join("".join(c["source"]) for c in devices["cells"])
    assert "`ex_bell.hint()` prints a hint." in text and 'exercise("ex-devices-bell")' in text
    assert release.replaced["training.ipynb"] >= 1 and RELEASE_NOTE in (release.folder / "book" / "training.ipynb").read_text()


def test_release_notebook_replaces_cells_that_use_a_solution_and_what_depends_on_them():
    def code(src, tags=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "outputs": [{"x": 1}], "source": src}

    nb = {"metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {},
         "source": "Intro\n\n````{solution} ex-a-b\n:class: dropdown\n\n"
                   "```{literalinclude} ../qgan_helpers/course/solutions/ex_a_b.py\n```\n````\n\nAfter"},
        code("assert ex.check(ex.load_solution()).status == 'correct'", tags=["remove-cell"]),
        code("f = ex.load_solution()\nn = f(2)"),
        code("print(n + 1)"),
        code("n = 5\nprint(n)"),
        code("print(n)"),
    ]}
    out = release_notebook(nb, chapter="x")
    assert [c["cell_type"] for c in out["cells"]] == ["markdown", "markdown", "code", "code"]
    assert out["cells"][0]["source"] == "Intro\n\nAfter"
    assert out["cells"][1]["source"] == RELEASE_NOTE
    assert [c["source"] for c in out["cells"][2:]] == ["n = 5\nprint(n)", "print(n)"]
    assert all(c["outputs"] == [] for c in out["cells"][2:])
    assert nb["cells"][2]["outputs"] == [{"x": 1}]  # the input is not modified
    with pytest.raises(TypeError, match=r"^notebook: expected a notebook dict with a list of 'cells', got list"):
        release_notebook([])


def test_student_package_says_solutions_are_not_included(tmp_path):
    pkg = student_package(tmp_path)
    assert not (pkg / "course" / "solutions").exists() and not (pkg / "course" / "grading").exists()
    code = (
        "import qgan_helpers.course.checks as c\n"
        "ex = c.exercise('ex-devices-bell')\n"
        "assert ex.solution() == '[ex-devices-bell] ' + c.STUDENT_EDITION_NOTE\n"
        "try:\n    ex.load_solution()\nexcept c.SolutionNotShipped as e:\n    print('refused:', e)\n"
        "print(c.__file__)\n"
    )
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"refused: [ex-devices-bell] {STUDENT_EDITION_NOTE}" in out.stdout
    assert str(tmp_path) in out.stdout
    assert exercise("ex-devices-bell").load_solution()  # the instructor's copy still has them
    with pytest.raises(FileNotFoundError, match=r"^source: expected the qgan_helpers package folder"):
        student_package(tmp_path, source=tmp_path / "nope")


def test_package_overlaps_name_exercises_the_library_answers():
    overlaps = package_overlaps()
    assert "ex_born_bas" in overlaps and "born/bars_stripes.py" in overlaps["ex_born_bas"]
    assert all(not f.startswith("course/solutions/") for files in overlaps.values() for f in files)


@pytest.mark.parametrize("chapter", ["devices", "measurement"])
def test_run_all_of_a_release_notebook_with_stubs_untouched(release, chapter, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(release.folder, folder, ignore=shutil.ignore_patterns("*.zip"))
    nb = nbformat.read(folder / "book" / f"{chapter}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import qgan_helpers, qgan_helpers.course.checks as _c\nprint('PACKAGE', qgan_helpers.__file__, _c.solutions_available())"))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(folder)  # the kernel imports the release's package, not the instructor's
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(folder / "book")}}).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = old
    last = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert f"PACKAGE {folder / 'qgan_helpers' / '__init__.py'} False" in last
    checks = [o.get("text", "") for c in nb.cells if c.cell_type == "code" and ".check(" in c.source for o in c.outputs]
    assert checks and all("not attempted" in t for t in checks if "] " in t)
