"""Inventory of the exercises: every ``{exercise}`` of the book has a check, a hint, a solution and a stub.

The exercises are discovered from the notebooks (``book/**/*.ipynb``), so a new chapter is covered as
soon as it exists. For every exercise label this module asserts: the label is unique and names its
chapter (``ex-<notebook>-<name>``); a checker is registered in :mod:`qgan_helpers.course.checks` with a
non-empty hint; the reference solution file exists and defines the answer; the same notebook has a
``{solution}`` dropdown that includes exactly that file; a stub cell gets the exercise, defines the
answer and calls ``.check(``; a hidden cell checks the reference solution; the exercise text tells
the learner about ``.hint()`` and ``.solution()``; and the instructor guide references the label.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from qgan_helpers.course.checks import all_exercises, exercise

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
GUIDE = BOOK / "instructors.md"
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}", re.M)
SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}\s+(\S+)", re.M)
LITERALINCLUDE = re.compile(r"\{literalinclude\}\s+(\S+)")


def notebooks() -> list[Path]:
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def cells(path: Path) -> list[dict]:
    out = []
    for cell in json.loads(path.read_text())["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        out.append({**cell, "source": source, "tags": cell.get("metadata", {}).get("tags", [])})
    return out


def exercise_cells(path: Path) -> list[tuple[str | None, str]]:
    """``(label or None, directive text)`` of every ``{exercise}`` directive in a notebook's Markdown."""
    found = []
    for cell in cells(path):
        if cell["cell_type"] != "markdown":
            continue
        for match in EXERCISE.finditer(cell["source"]):
            body = cell["source"][match.start():]
            fence = match.group(1)
            end = body.find("\n" + fence, len(fence))
            body = body if end < 0 else body[:end]
            label = re.search(r"^:label:\s*(\S+)", body, re.M)
            found.append((label.group(1) if label else None, body))
    return found


def book_exercises() -> list[tuple[str, Path, str]]:
    """``(label, notebook, directive text)`` for every labelled exercise of the book."""
    return [(label, path, body) for path in notebooks() for label, body in exercise_cells(path) if label]


EXERCISES = book_exercises()
LABELS = [label for label, _, _ in EXERCISES]


def test_the_book_has_exercises_and_every_chapter_at_least_three():
    assert len(EXERCISES) >= 20
    for path in notebooks():
        assert len(exercise_cells(path)) >= 3, f"{path.name} has fewer than 3 exercises"


def test_every_exercise_has_a_label():
    for path in notebooks():
        for label, body in exercise_cells(path):
            assert label, f"{path.name}: an exercise without :label::\n{body[:200]}"


def test_labels_are_unique_and_name_their_chapter():
    assert len(LABELS) == len(set(LABELS)), sorted(x for x in LABELS if LABELS.count(x) > 1)
    for label, path, _ in EXERCISES:
        assert re.fullmatch(rf"ex-{re.escape(path.stem)}-[a-z0-9]+(-[a-z0-9]+)*", label), (label, path.name)


def test_exercises_are_numbered():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "sphinx_exercise" in config["sphinx"]["extra_extensions"]
    # sphinx-exercise numbers every exercise ("Exercise 2.1") unless numfig is off or it says :nonumber:
    assert config["sphinx"].get("config", {}).get("numfig", True) is not False
    for label, path, body in EXERCISES:
        assert ":nonumber:" not in body, f"{label} in {path.name} is not numbered"


def test_every_registered_exercise_and_solution_file_is_in_the_book():
    registered = {ex.label for ex in all_exercises()}
    assert registered - set(LABELS) == set(), "registered in qgan_helpers.course.checks but not in any notebook"
    files = {p.stem for p in (ROOT / "qgan_helpers" / "course" / "solutions").glob("ex_*.py")}
    assert files - {label.replace("-", "_") for label in LABELS} == set(), "solution files without an exercise"


@pytest.mark.parametrize("label,path", [(label, path) for label, path, _ in EXERCISES], ids=LABELS)
def test_exercise_has_check_hint_solution_and_stub(label: str, path: Path):
    ex = exercise(label)  # KeyError when no checker is registered
    assert all(h.strip() for h in ex.hints), f"{label}: empty hint"
    assert ex.title.strip(), f"{label}: empty title"

    # the reference solution: a file that defines the answer
    assert ex.solution_path.is_file(), f"{label}: no solution file {ex.solution_path.name}"
    tree = ast.parse(ex.solution_source())
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert ex.answer_name in defined, f"{ex.solution_path.name} does not define {ex.answer_name}"

    nb_cells = cells(path)
    # the dropdown solution in the same notebook includes exactly that file
    solutions = [c["source"] for c in nb_cells if c["cell_type"] == "markdown" and SOLUTION.search(c["source"])]
    mine = [s for s in solutions if any(m.group(2) == label for m in SOLUTION.finditer(s))]
    assert len(mine) == 1, f"{label}: expected one {{solution}} {label} in {path.name}, found {len(mine)}"
    includes = [(path.parent / inc).resolve() for inc in LITERALINCLUDE.findall(mine[0])]
    assert includes == [ex.solution_path.resolve()], f"{label}: the solution should include {ex.solution_path}"
    assert ":class: dropdown" in mine[0], f"{label}: the solution should be a dropdown"

    # the stub: gets the exercise, defines the answer, calls .check(
    stubs = [
        c["source"]
        for c in nb_cells
        if c["cell_type"] == "code" and "remove-cell" not in c["tags"] and f'exercise("{label}")' in c["source"]
    ]
    assert len(stubs) == 1, f"{label}: expected one visible code cell with exercise({label!r}), found {len(stubs)}"
    var = re.search(rf'(\w+)\s*=\s*exercise\("{re.escape(label)}"\)', stubs[0])
    assert var, f"{label}: the stub cell should assign exercise({label!r}) to a variable"
    var = var.group(1)
    assert f"{var}.check(" in stubs[0] or f"{var}(" in stubs[0], f"{label}: the stub cell does not call .check("
    assert re.search(rf"^(def {ex.answer_name}\(|{ex.answer_name}\s*=)", stubs[0], re.M), (
        f"{label}: the stub cell should define {ex.answer_name}"
    )

    # the published page ships the untouched stub: the answer's body is only `...` (a docstring or
    # `pass` at most), which the check reports as "not attempted" (qgan_helpers.course.checks.is_stub). This
    # is checked here, statically, so that no cell of the notebook fails once a learner solves it.
    tree = ast.parse(stubs[0])
    answer_nodes = [
        n for n in tree.body
        if (isinstance(n, ast.FunctionDef) and n.name == ex.answer_name)
        or (isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == ex.answer_name for t in n.targets))
    ]
    assert len(answer_nodes) == 1, f"{label}: the stub cell should define {ex.answer_name} once"
    node = answer_nodes[0]
    body = node.body if isinstance(node, ast.FunctionDef) else [ast.Expr(node.value)]
    filler = [
        b for b in body
        if not (isinstance(b, ast.Pass) or (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)
                                            and (b.value.value is Ellipsis or isinstance(b.value.value, str))))
    ]
    assert not filler and any(isinstance(b, ast.Expr) and b.value.value is Ellipsis for b in body
                              if isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)), (
        f"{label}: the stub of {ex.answer_name} should be `...` only, found {ast.unparse(node)[:120]!r}"
    )
    stub_fn = {}
    exec(compile(ast.Module(body=[node], type_ignores=[]), "<stub>", "exec"), stub_fn)
    assert ex.check(stub_fn[ex.answer_name], verbose=False).status == "not attempted", f"{label}: stub not 'not attempted'"

    # a hidden self-test runs the reference solution through the check (nbval fails if it breaks)
    hidden = [c["source"] for c in nb_cells if c["cell_type"] == "code" and "remove-cell" in c["tags"]]
    assert any(f"{var}.load_solution()" in s and f"{var}.check(" in s for s in hidden), (
        f"{label}: no remove-cell cell checks {var}.load_solution()"
    )

    # the exercise text tells the learner where the hint and the solution are
    body = next(b for lab, p, b in EXERCISES if lab == label)
    assert f"{var}.hint()" in body and f"{var}.solution()" in body, (
        f"{label}: the exercise text should mention {var}.hint() and {var}.solution()"
    )


def guide_references() -> set[str]:
    text = GUIDE.read_text()
    refs = set(re.findall(r"\{(?:ref|numref)\}`[^`<]*<([^>`]+)>`", text))
    refs |= set(re.findall(r"\{(?:ref|numref)\}`([^`<>]+)`", text))
    return refs


def test_guide_reference_parser():
    assert GUIDE.is_file(), "book/instructors.md is missing"
    text = "{numref}`Exercise %s <ex-a-b>` and {ref}`ex-c-d` and {ref}`text <ex-e-f>`"
    refs = set(re.findall(r"\{(?:ref|numref)\}`[^`<]*<([^>`]+)>`", text))
    refs |= set(re.findall(r"\{(?:ref|numref)\}`([^`<>]+)`", text))
    assert refs == {"ex-a-b", "ex-c-d", "ex-e-f"}


@pytest.mark.parametrize("label", LABELS)
def test_instructor_guide_assigns_every_exercise(label: str):
    assert label in guide_references(), f"book/instructors.md does not reference {label}"


def test_instructor_guide_references_only_existing_exercises():
    refs = {r for r in guide_references() if r.startswith("ex-")}
    assert refs - set(LABELS) == set(), "book/instructors.md references exercises that do not exist"
