"""Grade handed-in notebooks: each in a sandbox, in parallel, with points, totals and a Canvas gradebook.

The command an instructor runs (``make grade`` does the same)::

    python -m qgan_helpers.grading submissions/ --out grades/ --jobs 2 --roster roster.csv

``submissions/`` holds one folder per student (named by login) with the chapter notebooks they
handed in (``submissions/ada/devices.ipynb``). Each notebook runs in its own throw-away sandbox
(no network, the course repository and the other submissions hidden, per-cell time limit, memory
limit), and the course's checks run in the grader's own process on what the notebook's answers
compute (:mod:`qgan_helpers.course.grading`): printed verdicts, hooks or replaced checks count for
nothing. ``grades/`` then holds ``grades.csv`` (every exercise), ``manual.csv`` (written answers and
projects with their rubrics: fill in ``points``), ``totals.csv`` (per student and chapter) and
``canvas.csv`` (Canvas's gradebook import format). After filling in ``manual.csv``::

    python -m qgan_helpers.grading totals --out grades/ --roster roster.csv

rewrites the totals and the gradebook without running anything again.

From Python, :func:`grade_notebook` grades one notebook and :func:`grade` several (as before), and
:func:`exercise_labels` lists a notebook's exercises.

Examples
--------
>>> print(to_csv([Grade("a.ipynb", "ex-a-b", "correct")]).strip())
notebook,label,status,reason
a.ipynb,ex-a-b,correct,
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Grade", "exercise_labels", "grade_notebook", "grade", "to_csv", "main"]

_EXERCISE_LABEL = re.compile(r"^(?:`{3,}|:{3,})\{exercise\}[^\n]*\n(?::\w[\w-]*:[^\n]*\n)*?:label:\s*(\S+)", re.M)


@dataclass(frozen=True)
class Grade:
    """The verdict on one exercise of one notebook.

    Attributes
    ----------
    notebook : str
        The notebook's path as given.
    label : str
        The exercise label, e.g. ``"ex-devices-bell"``.
    status : {"correct", "not yet", "not attempted", "not graded"}
        "not graded" when the grader could not check it (the reason says why).
    reason : str
        Why it is not correct (empty when correct).
    """

    notebook: str
    label: str
    status: str
    reason: str = ""


def _notebook(notebook: Any) -> dict:
    if isinstance(notebook, (str, Path)):
        path = Path(notebook)
        if not path.is_file():
            raise FileNotFoundError(f"notebook: expected an .ipynb file, got {notebook} (no such file)")
        return json.loads(path.read_text(encoding="utf8"))
    if isinstance(notebook, dict) and isinstance(notebook.get("cells"), list):
        return notebook
    raise TypeError(f"notebook: expected a path or a notebook dict with 'cells', got {type(notebook).__name__}")


def exercise_labels(notebook: str | Path | dict) -> list[str]:
    """The labels of the ``{exercise}`` directives in a notebook's Markdown cells, in order.

    Raises
    ------
    FileNotFoundError
        If the path does not exist.
    TypeError
        If ``notebook`` is neither a path nor a notebook dict.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "markdown", "source": "```{exercise}\\n:label: ex-a-b\\n\\nDo.\\n```"}]}
    >>> exercise_labels(nb)
    ['ex-a-b']
    """
    labels = []
    for cell in _notebook(notebook)["cells"]:
        if cell.get("cell_type") == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            labels += _EXERCISE_LABEL.findall(source)
    return labels


def grade_notebook(
    notebook: str | Path,
    *,
    timeout: int = 120,
    chapter: str | None = None,
    student: str | None = None,
    memory_mb: int = 10240,
    cwd: str | Path | None = None,
) -> list[Grade]:
    """Grade one notebook in a sandbox (see :mod:`qgan_helpers.course.grading.job`).

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file, named after its chapter (``devices.ipynb``).
    timeout : int
        Seconds allowed per cell and per call of an answer (positive).
    chapter : str, optional
        The chapter; default the file name.
    student : str, optional
        Default the notebook's folder name.
    memory_mb : int
        The sandbox's memory limit.
    cwd : str or Path, optional
        Ignored (kept for old calls): the sandbox lays out the course's files itself.

    Returns
    -------
    list of Grade
        One per exercise of the chapter, in order.

    Raises
    ------
    FileNotFoundError
        If the notebook does not exist.
    ValueError
        If ``timeout`` is not a positive integer.

    Examples
    --------
    >>> grade_notebook("missing.ipynb")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    FileNotFoundError: notebook: expected an .ipynb file, got missing.ipynb (no such file)
    """
    from qgan_helpers.course.grading.job import grade_submission
    from qgan_helpers.course.grading.sandbox import Limits

    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"notebook: expected an .ipynb file, got {notebook} (no such file)")
    limits = Limits(cell_timeout=timeout, call_timeout=timeout, memory_mb=memory_mb)
    result = grade_submission(path, student=student or path.resolve().parent.name, chapter=chapter, limits=limits)
    if result.error and not result.grades:
        return []
    return [Grade(str(notebook), g.label, g.status, g.reason) for g in result.grades]


def grade(notebooks: Iterable[str | Path], **kwargs: Any) -> list[Grade]:
    """:func:`grade_notebook` for several notebooks, one after the other (the command line runs them in parallel).

    Examples
    --------
    >>> grade([])
    []
    """
    rows: list[Grade] = []
    for notebook in notebooks:
        rows += grade_notebook(notebook, **kwargs)
    return rows


def to_csv(rows: Iterable[Grade], file: str | Path | None = None) -> str:
    """The grades as CSV (columns notebook, label, status, reason); also written to ``file`` if given.

    Examples
    --------
    >>> to_csv([]).strip()
    'notebook,label,status,reason'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["notebook", "label", "status", "reason"])
    for row in rows:
        if not isinstance(row, Grade):
            raise TypeError(f"rows: expected Grade objects, got {type(row).__name__}")
        writer.writerow([row.notebook, row.label, row.status, row.reason])
    text = buffer.getvalue()
    if file is not None:
        Path(file).write_text(text, encoding="utf8")
    return text


def _canvas_ids(text: str | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    for part in (text or "").split(","):
        if part.strip():
            key, sep, value = part.partition("=")
            if not sep or not key.strip() or not value.strip().isdigit():
                raise SystemExit(f"--canvas-ids: expected CHAPTER=NUMBER[,...], got {part!r}")
            ids[key.strip()] = value.strip()
    return ids


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qgan_helpers.grading", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", nargs="+", help="class folder(s) (<student>/<chapter>.ipynb), student "
                        "folders or notebooks; or the word 'totals' to recompute the reports only")
    parser.add_argument("--out", default="grades", help="output folder (default: grades)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at the same time (default 2)")
    parser.add_argument("--roster", default=None, help="class list CSV (e.g. Canvas's gradebook export)")
    parser.add_argument("--chapters", default=None, help="only these chapters, comma-separated")
    parser.add_argument("--canvas-ids", default=None, help="existing Canvas assignments: devices=123,project-tips=456")
    parser.add_argument("--prefix", default="QGAN", help="Canvas column names: '<prefix> <chapter>' (default QGAN)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    parser.add_argument("--call-timeout", type=int, default=60, help="seconds per call of an answer by a check (default 60)")
    parser.add_argument("--memory", type=int, default=10240, help="memory limit of each sandbox in MiB (default 10240)")
    parser.add_argument("--hide", action="append", default=[], help="another folder the sandboxes must not see")
    parser.add_argument("--csv", default=None, help="also write every verdict as notebook,label,status,reason")
    parser.add_argument("--cwd", default=None, help=argparse.SUPPRESS)  # accepted for old command lines; unused
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m qgan_helpers.grading SUBMISSIONS... [--out DIR] [--jobs N] ...``; see the module's description.

    Returns 0 when every submission was graded, 1 when some could not be (their rows say why).
    """
    from qgan_helpers.course.grading.batch import discover, grade_class, recompute
    from qgan_helpers.course.grading.roster import read_roster
    from qgan_helpers.course.grading.sandbox import Limits, isolation_available

    args = _parser().parse_args(argv)
    roster = read_roster(args.roster) if args.roster else None
    chapters = [c.strip() for c in args.chapters.split(",")] if args.chapters else None
    ids = _canvas_ids(args.canvas_ids)
    if args.submissions == ["totals"]:
        book = recompute(args.out, roster=roster, canvas_ids=ids, chapters=chapters, prefix=args.prefix)
        print(f"recomputed {len(book.students)} students x {len(book.chapters)} chapters in {args.out}")
        return 0
    subs = discover(args.submissions, chapters=chapters)
    if not isolation_available():
        print("WARNING: no isolation (not root, or no unshare): each notebook runs in a throw-away folder with "
              "time and memory limits, but can read and write what this user can and use the network. "
              "Run the grader as root in a container or VM.", file=sys.stderr)
    limits = Limits(cell_timeout=args.timeout, call_timeout=args.call_timeout, memory_mb=args.memory)
    book = grade_class(subs, args.out, jobs=args.jobs, limits=limits, roster=roster, canvas_ids=ids,
                       progress=not args.quiet, prefix=args.prefix, hide=args.hide)
    failed = 0
    for (student, chapter), result in sorted(book.results.items()):
        n_ok = sum(g.status == "correct" for g in result.grades)
        bad = [g for g in result.grades if g.status == "not graded"]
        failed += bool(bad or result.error)
        print(f"{student}/{chapter}: {n_ok}/{len(result.grades)} correct ({result.seconds:.0f} s)"
              + (f", {len(bad)} not graded" if bad else ""))
    if args.csv:
        to_csv([Grade(r.notebook, g.label, g.status, g.reason) for r in book.results.values() for g in r.grades], args.csv)
    print(f"wrote {args.out}/grades.csv, manual.csv, totals.csv and canvas.csv "
          f"({len(subs)} notebooks, {len(book.students)} students)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
