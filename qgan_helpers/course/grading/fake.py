"""A fake class, to try the grader before the real one hands anything in.

:func:`make_fake_class` writes ``<out>/submissions/<student>/<chapter>.ipynb`` for a number of
students, made from the release notebooks: each exercise is either solved (with the reference
solution, in a new cell after the stub), wrong (a function that returns 0) or left untouched, in a
pattern that varies by student; some students write an answer to the chapter's written question. It
also writes a roster in Canvas's export format and returns the expected verdicts, so the totals can
be checked by hand.

Command line::

    python -m qgan_helpers.course.grading.fake _build/fake-class --students 10 --chapters devices,measurement
    python -m qgan_helpers.grading _build/fake-class/submissions --roster _build/fake-class/roster.csv --out _build/fake-class/grades

Examples
--------
>>> expected_status(0, 0), expected_status(1, 0), expected_status(2, 0)
('correct', 'not yet', 'not attempted')
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

__all__ = ["expected_status", "make_fake_class", "main"]

_STATUS = ("correct", "not yet", "not attempted")


def expected_status(student: int, exercise: int) -> str:
    """The verdict the fake class's student number ``student`` gets on exercise number ``exercise`` of a chapter."""
    return _STATUS[(student + 2 * exercise) % 3]


def _code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}


def make_fake_class(out: str | Path, *, students: int = 10, chapters: tuple[str, ...] = ("devices", "measurement"),
                    root: str | Path | None = None) -> dict[tuple[str, str], str]:
    """Write a fake class and its roster; return ``{(student, exercise label): expected status}``.

    Parameters
    ----------
    out : str or Path
        Folder for ``submissions/`` and ``roster.csv``.
    students : int
        How many students (positive).
    chapters : tuple of str
        The chapters every student hands in.
    root : str or Path, optional
        The course repository; default this one.

    Raises
    ------
    ValueError
        If ``students`` is not a positive integer.
    """
    from qgan_helpers.course.checks import exercise
    from qgan_helpers.course.grading.job import ROOT, chapter_exercises
    from qgan_helpers.course.student_notebooks import release_notebook

    if isinstance(students, bool) or not isinstance(students, int) or students < 1:
        raise ValueError(f"students: expected a positive integer, got {students!r}")
    root = Path(root or ROOT)
    out = Path(out)
    expected: dict[tuple[str, str], str] = {}
    names = [f"s{k:03d}" for k in range(students)]
    for chapter in chapters:
        release = release_notebook(json.loads((root / "book" / f"{chapter}.ipynb").read_text()), chapter=chapter)
        exercises = chapter_exercises(chapter, root)
        for k, name in enumerate(names):
            cells = []
            for cell in release["cells"]:
                cells.append(cell)
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                for j, (label, answer, _) in enumerate(exercises):
                    if cell["cell_type"] != "code" or f'exercise("{label}")' not in source:
                        continue
                    status = expected_status(k, j)
                    expected[(name, label)] = status
                    if status == "correct":
                        cells.append(_code_cell(exercise(label).solution_source()))
                    elif status == "not yet":
                        cells.append(_code_cell(f"def {answer}(*args, **kwargs):\n    return 0\n"))
            if k % 2 == 0:
                cells.append({"cell_type": "markdown", "metadata": {},
                              "source": f"**My answer ({name}):** 13 qubits, since 16 * 4**13 bytes = 2**30 bytes."})
            folder = out / "submissions" / name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{chapter}.ipynb").write_text(json.dumps({**release, "cells": cells}, indent=1), encoding="utf8")
    with open(out / "roster.csv", "w", newline="", encoding="utf8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"])
        writer.writerow(["    Points Possible", "", "", "", ""])
        for k, name in enumerate(names):
            writer.writerow([f"Student, Number {k}", str(1000 + k), f"U{k:05d}", name, f"Section {k % 2 + 1}"])
    return expected


def main(argv: list[str] | None = None) -> int:
    """``python -m qgan_helpers.course.grading.fake OUT [--students N] [--chapters a,b]``."""
    parser = argparse.ArgumentParser(prog="python -m qgan_helpers.course.grading.fake", description=__doc__.split("\n")[0])
    parser.add_argument("out", help="folder for submissions/ and roster.csv")
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--chapters", default="devices,measurement")
    args = parser.parse_args(argv)
    expected = make_fake_class(args.out, students=args.students, chapters=tuple(args.chapters.split(",")))
    correct = sum(s == "correct" for s in expected.values())
    print(f"wrote {args.students} students x {len(args.chapters.split(','))} chapters to {args.out}/submissions "
          f"({correct} of {len(expected)} exercises solved) and {args.out}/roster.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
