"""Grade students' notebooks with the exercise checks: run each notebook, collect every verdict.

A student hands in a chapter notebook (``devices.ipynb``) with the stubs filled in.
:func:`grade_notebook` runs it top to bottom in a fresh kernel and then asks, for every
``{exercise}`` of the notebook, the same check the student ran (:mod:`qgan_helpers.checks`) about
the answer the notebook defines -- so a printed "correct" that was typed in, or a cell that was
never re-run, does not count; what counts is what the notebook computes. Errors in cells do not
stop the run (a student's broken cell costs that exercise, not the rest).

The book's hidden cells (tag ``remove-cell``) are dropped before the run: they test the book itself
(the reference solutions, the page's results), not the student, and cost time.

Command line::

    python -m qgan_helpers.grading submissions/*/devices.ipynb --cwd book --csv grades.csv

The checks are for learning, not for exams: the notebook runs arbitrary student code (run the
grader in a container or a throw-away account) and a determined student can fool it.

Examples
--------
>>> cell = grading_cell(["ex-devices-bell"])
>>> cell.splitlines()[-1]
"_qgan_grade(['ex-devices-bell'])"
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["Grade", "MARKER", "exercise_labels", "grading_cell", "grade_notebook", "grade", "to_csv", "main"]

#: Prefix of the line the grading cell prints (followed by JSON).
MARKER = "QGAN-GRADES:"
_EXERCISE_LABEL = re.compile(r"^(?:`{3,}|:{3,})\{exercise\}[^\n]*\n(?::\w[\w-]*:[^\n]*\n)*?:label:\s*(\S+)", re.M)
_DROPPED_TAGS = ("remove-cell",)


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
        "not graded" when the notebook could not be run to the end (the reason says why).
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

    Parameters
    ----------
    notebook : str, Path or dict
        A path to an ``.ipynb`` file or the parsed notebook (nbformat 4 JSON).

    Returns
    -------
    list of str

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


def grading_cell(labels: Sequence[str]) -> str:
    """The code cell appended to a notebook: re-checks every exercise's answer and prints the verdicts.

    For each label it looks up the answer under the exercise's ``answer_name`` in the notebook's
    namespace (absent: "not attempted") and runs the exercise's check on it.

    Parameters
    ----------
    labels : sequence of str
        Exercise labels.

    Returns
    -------
    str
        Python source that prints one line: :data:`MARKER` followed by a JSON list of
        ``{"label", "status", "reason"}``.

    Raises
    ------
    TypeError
        If ``labels`` is a string or holds a non-string.

    Examples
    --------
    >>> grading_cell([]).count("\\n") > 3
    True
    """
    if isinstance(labels, str) or not all(isinstance(x, str) for x in labels):
        raise TypeError(f"labels: expected a sequence of label strings, got {labels!r}")
    return (
        "def _qgan_grade(labels):\n"
        "    import json as _json\n"
        "    from qgan_helpers.checks import exercise as _exercise\n"
        "    rows = []\n"
        "    for label in labels:\n"
        "        ex = _exercise(label)\n"
        "        if ex.answer_name not in globals():\n"
        "            rows.append({'label': label, 'status': 'not attempted',\n"
        "                         'reason': f'{ex.answer_name} is not defined'})\n"
        "            continue\n"
        "        result = ex.check(globals()[ex.answer_name], verbose=False)\n"
        "        rows.append({'label': label, 'status': result.status, 'reason': result.reason})\n"
        f"    print({MARKER!r} + _json.dumps(rows))\n"
        f"_qgan_grade({list(labels)!r})\n"
    )


def _parse_grades(outputs: Iterable[dict]) -> list[dict] | None:
    for output in outputs:
        if output.get("output_type") == "stream":
            for line in "".join(output.get("text", "")).splitlines():
                if line.startswith(MARKER):
                    return json.loads(line[len(MARKER):])
    return None


def grade_notebook(
    notebook: str | Path,
    *,
    timeout: int = 600,
    kernel_name: str = "python3",
    labels: Sequence[str] | None = None,
    cwd: str | Path | None = None,
) -> list[Grade]:
    """Run a student's notebook and return the verdict on each of its exercises.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file.
    timeout : int
        Seconds allowed per cell (positive).
    kernel_name : str
        The Jupyter kernel to run it with.
    labels : sequence of str, optional
        The exercises to grade; default those the notebook's ``{exercise}`` directives name (a
        student who deleted the exercise text still gets graded when you pass the chapter's labels).
    cwd : str or Path, optional
        The folder the notebook runs in; default its own folder. The chapters find the repository's
        shipped checkpoints as ``../checkpoints``, so run handed-in chapters in the repository's
        ``book`` folder (``cwd="book"``) wherever the files are.

    Returns
    -------
    list of Grade
        One per label, in order. If the kernel dies or the grading cell cannot run, every
        exercise is "not graded" with the reason.

    Raises
    ------
    FileNotFoundError
        If the notebook or ``cwd`` does not exist.
    ValueError
        If ``timeout`` is not a positive integer.

    Examples
    --------
    >>> grade_notebook("missing.ipynb")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    FileNotFoundError: notebook: expected an .ipynb file, got missing.ipynb (no such file)
    """
    import nbformat
    from nbclient import NotebookClient

    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    path = Path(notebook)
    raw = _notebook(path)
    folder = path.resolve().parent if cwd is None else Path(cwd).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"cwd: expected an existing folder to run the notebook in, got {cwd}")
    labels = list(exercise_labels(raw) if labels is None else labels)
    if not labels:
        return []
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    nb.cells = [c for c in nb.cells if not set(c.get("metadata", {}).get("tags", [])) & set(_DROPPED_TAGS)]
    nb.cells.append(nbformat.v4.new_code_cell(grading_cell(labels)))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    try:
        client.execute()
        rows = _parse_grades(nb.cells[-1].get("outputs", []))
        problem = "the grading cell printed no verdicts"
        if rows is None:
            errors = [o for o in nb.cells[-1].get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                problem = f"the grading cell raised {errors[0].get('ename')}: {errors[0].get('evalue')}"
    except Exception as exc:  # noqa: BLE001 - a dead kernel, a timeout: report, do not crash the batch
        rows, problem = None, f"the notebook could not be run: {type(exc).__name__}: {exc}"
    if rows is None:
        return [Grade(str(notebook), label, "not graded", problem) for label in labels]
    return [Grade(str(notebook), r["label"], r["status"], r["reason"]) for r in rows]


def grade(notebooks: Iterable[str | Path], **kwargs: Any) -> list[Grade]:
    """:func:`grade_notebook` for several notebooks (keyword arguments are passed on).

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
    >>> print(to_csv([Grade("a.ipynb", "ex-a-b", "correct")]).strip())
    notebook,label,status,reason
    a.ipynb,ex-a-b,correct,
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


def main(argv: list[str] | None = None) -> int:
    """``python -m qgan_helpers.grading NOTEBOOK... [--csv FILE]``: print a summary; exit 0."""
    parser = argparse.ArgumentParser(prog="python -m qgan_helpers.grading", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", help="students' .ipynb files")
    parser.add_argument("--csv", default=None, help="write every verdict to this CSV file")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--cwd", default=None, help="run every notebook in this folder (e.g. book)")
    args = parser.parse_args(argv)
    rows = grade(args.notebooks, timeout=args.timeout, cwd=args.cwd)
    for notebook in args.notebooks:
        mine = [r for r in rows if r.notebook == str(notebook)]
        n_ok = sum(r.status == "correct" for r in mine)
        print(f"{notebook}: {n_ok}/{len(mine)} correct")
        for r in mine:
            print(f"  {r.label}: {r.status}" + (f" ({r.reason})" if r.reason else ""))
    if args.csv:
        to_csv(rows, args.csv)
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
