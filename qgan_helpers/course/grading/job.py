"""Grade one submission: run it in a sandbox, then run the course's checks on what it defined.

:func:`grade_submission` is the whole life of one handed-in notebook:

1. its code cells (without the book's hidden cells, tag ``remove-cell``) run one by one in a
   :class:`~.sandbox.Sandbox`, each with a time limit. A cell that raises is recorded and the run
   goes on. A cell that runs past its limit, or kills the kernel, is recorded; the sandbox is
   restarted, the cells that ran before it are run again, and the run goes on after it: a runaway
   cell costs the exercises that need it, not the notebook;
2. for each exercise of the chapter (taken from the *instructor's* notebook, so deleting an
   exercise's text does not skip it) the grader asks the sandbox what the notebook defines under
   the answer's name and runs the course's checker **in this process** on a
   :class:`~.remote.RemoteFunction` (each call runs the student's function in a forked child of
   the sandbox, with its own time limit) or on the decoded value;
3. the student's written text (Markdown cells that are not in the release notebook) is collected
   for the manual-grading sheet.

Printed verdicts, hooks, replaced checks or files the notebook writes play no part: only the data
the student's functions return to the checker's calls do.

Command line (used by :mod:`.batch`, one process per submission)::

    python -m qgan_helpers.course.grading.job SPEC.json

Examples
--------
>>> chapter_of("submissions/ada/devices.ipynb")
'devices'
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ExerciseGrade", "SubmissionResult", "chapter_exercises", "chapter_of", "grade_submission", "main"]

ROOT = Path(__file__).resolve().parents[3]
MAX_NOTEBOOK_BYTES = 50 * 2**20
_REMOTE_LINE = re.compile(r"\s*\(line \d+ of (remote|sandbox|codec|__init__)\.py\)$")


@dataclass
class ExerciseGrade:
    """The verdict on one exercise of one submission.

    Attributes
    ----------
    label : str
    status : {"correct", "not yet", "not attempted", "not graded"}
        "not graded": the grader could not run the check (the reason says why); look at it.
    reason : str
    points : float
        Points earned (``max_points`` when correct, else 0).
    max_points : float
    seconds : float
        Time the check took.
    """

    label: str
    status: str
    reason: str = ""
    points: float = 0.0
    max_points: float = 1.0
    seconds: float = 0.0


@dataclass
class SubmissionResult:
    """Everything the grader found out about one submission (written as JSON by the job)."""

    student: str
    chapter: str
    notebook: str
    grades: list[ExerciseGrade] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0
    isolated: bool = False
    error: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SubmissionResult:
        out = cls(**{k: v for k, v in data.items() if k != "grades"})
        out.grades = [ExerciseGrade(**g) for g in data.get("grades", [])]
        return out


def chapter_of(notebook: str | Path) -> str:
    """The chapter a submission belongs to: its file name (``devices.ipynb`` -> ``"devices"``)."""
    return Path(notebook).stem


def chapter_exercises(chapter: str, root: str | Path | None = None) -> list[tuple[str, str, float]]:
    """``(label, answer name, points)`` of every exercise of a chapter, from the instructor's notebook.

    Points come from the exercise cell's metadata (``{"qgan": {"points": 2}}``) when present,
    otherwise from the exercise's registration (:attr:`~qgan_helpers.course.checks.Exercise.points`, default 1).

    Raises
    ------
    FileNotFoundError
        If the chapter has no notebook in ``<root>/book``.

    Examples
    --------
    >>> chapter_exercises("devices")[0]
    ('ex-devices-bell', 'bell_probabilities', 1.0)
    """
    from qgan_helpers.course.checks import exercise
    from qgan_helpers.course.grading.cli import exercise_labels

    path = Path(root or ROOT) / "book" / f"{chapter}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"chapter: no chapter notebook {path}")
    nb = json.loads(path.read_text(encoding="utf8"))
    out = []
    for cell in nb["cells"]:
        for label in exercise_labels({"cells": [cell]}):
            ex = exercise(label)
            points = (cell.get("metadata", {}).get("qgan") or {}).get("points", ex.points)
            out.append((label, ex.answer_name, float(points)))
    return out


def _code_cells(nb: dict) -> list[str]:
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if source.strip():
            cells.append(source)
    return cells


def written_text(submission: dict, release: dict | None) -> list[str]:
    """The Markdown the student wrote: cells of the submission that are not in the release notebook.

    Examples
    --------
    >>> md = lambda s: {"cell_type": "markdown", "source": s}
    >>> written_text({"cells": [md("# Title"), md("My answer: 15 qubits.")]}, {"cells": [md("# Title")]})
    ['My answer: 15 qubits.']
    """
    def text(cell: dict) -> str:
        src = cell.get("source", "")
        return (src if isinstance(src, str) else "".join(src)).strip()

    given = {text(c) for c in (release or {}).get("cells", []) if c.get("cell_type") == "markdown"}
    return [text(c)[:20000] for c in submission.get("cells", [])
            if c.get("cell_type") == "markdown" and text(c) and text(c) not in given]


def _run_cells(sandbox: Any, cells: list[str], budget: float) -> list[dict]:
    """Run every cell; restart after a runaway or fatal cell and replay the cells before it."""
    from qgan_helpers.course.grading.sandbox import SandboxError, SandboxTimeout

    outcomes: list[dict] = []
    ran: list[int] = []  # cells run in the current sandbox, in order
    deadline = time.monotonic() + budget
    restarts = 0
    sandbox.start()
    for i, source in enumerate(cells):
        if time.monotonic() > deadline or restarts > 5:
            outcomes.append({"cell": i, "status": "skipped", "error": "the notebook ran out of its time budget"})
            continue
        t0 = time.monotonic()
        try:
            result = sandbox.run_cell(source)
            outcomes.append({"cell": i, "status": "ok" if result["ok"] else "error", "error": result["error"],
                             "seconds": round(time.monotonic() - t0, 2)})
            ran.append(i)
            continue
        except SandboxTimeout:
            outcomes.append({"cell": i, "status": "timeout", "seconds": round(time.monotonic() - t0, 2),
                             "error": f"ran longer than {sandbox.limits.cell_timeout:.0f} s"})
        except SandboxError as exc:
            outcomes.append({"cell": i, "status": "crashed", "error": str(exc), "seconds": round(time.monotonic() - t0, 2)})
        restarts += 1
        replay = list(ran)
        ran = []
        try:
            sandbox.start()
            for j in replay:
                result = sandbox.run_cell(cells[j])
                ran.append(j)
        except SandboxError as exc:  # a cell that ran before fails now: mark it, go on without it
            if len(ran) < len(replay):
                outcomes[replay[len(ran)]].update(status="crashed", error=f"on the re-run after cell {i}: {exc}")
            try:
                sandbox.start()
                for j in ran:
                    sandbox.run_cell(cells[j])
            except SandboxError:
                ran = []
    return outcomes


def _defining_cell(cells: list[str], name: str) -> int | None:
    from qgan_helpers.course.student_notebooks import _names

    found = None
    for i, source in enumerate(cells):
        if name in _names(source)[0]:
            found = i
    return found


def _grade_exercise(sandbox: Any, label: str, name: str, points: float, cells: list[str], outcomes: list[dict],
                    budget: float) -> ExerciseGrade:
    from qgan_helpers.course.checks import CheckResult, exercise
    from qgan_helpers.course.grading.remote import RemoteFunction, decode_value
    from qgan_helpers.course.grading.sandbox import SandboxError

    t0 = time.monotonic()
    ex = exercise(label)

    def done(result: CheckResult | None, status: str = "", reason: str = "") -> ExerciseGrade:
        status = result.status if result is not None else status
        reason = result.reason if result is not None else reason
        reason = _REMOTE_LINE.sub("", reason).replace("your code raised RemoteTimeout: ", "it ran too long: ")
        earned = points if status == "correct" else 0.0
        return ExerciseGrade(label, status, reason, earned, points, round(time.monotonic() - t0, 2))

    try:
        info, blobs = sandbox.answer_info(name)
    except SandboxError as exc:
        sandbox.start()  # a stuck or dead kernel: the next exercise gets a fresh one (its cells re-run)
        for source in [cells[o["cell"]] for o in outcomes if o["status"] in ("ok", "error")]:
            try:
                sandbox.run_cell(source)
            except SandboxError:
                break
        return done(None, "not yet", f"{name} could not be inspected: {exc}")
    if not info["defined"]:
        where = _defining_cell(cells, name)
        failed = next((o for o in outcomes if o["cell"] == where and o["status"] != "ok"), None)
        if failed is not None:
            return done(None, "not yet", f"{name} is not defined: the cell that defines it (code cell {where + 1}) "
                                         f"{'raised ' if failed['status'] == 'error' else ''}{failed['error']}")
        return done(None, "not attempted", f"{name} is not defined")
    if info.get("stub"):
        return done(CheckResult(label, "not attempted"))
    if not info.get("callable"):
        try:
            value = decode_value(info.get("value"), blobs)
        except Exception as exc:  # noqa: BLE001 - malformed data
            return done(None, "not yet", f"{name} is not data the grader can read: {exc}")
        return done(ex.check(value, verbose=False))
    try:
        conn = sandbox.open_answer(name)
    except SandboxError as exc:
        return done(None, "not graded", f"the grader could not call {name}: {exc}")
    try:
        answer = RemoteFunction(conn, name, sandbox.limits.call_timeout, time.monotonic() + budget)
        return done(ex.check(answer, verbose=False))
    finally:
        conn.close()


def grade_submission(
    notebook: str | Path,
    *,
    student: str,
    chapter: str | None = None,
    limits: Any = None,
    hide: list[Path] | None = None,
    slot: int = 0,
    package: str | Path | None = None,
    notebook_budget: float = 1800.0,
    exercise_budget: float = 300.0,
    root: str | Path | None = None,
) -> SubmissionResult:
    """Run one submission in a sandbox and check each of its chapter's exercises (see the module's description).

    Parameters
    ----------
    notebook : str or Path
        The handed-in ``.ipynb``.
    student : str
        The student's identity (for the result).
    chapter : str, optional
        Default :func:`chapter_of` the file name.
    limits : Limits, optional
        Time and memory limits (:class:`~.sandbox.Limits`).
    hide : list of Path, optional
        Folders the sandbox must not see (with isolation); the repository is always hidden.
    slot : int
        Distinguishes parallel sandboxes.
    package : str or Path, optional
        A prepared sandbox package (:func:`~.sandbox.sandbox_package`); default: made now.
    notebook_budget, exercise_budget : float
        Seconds for running all cells, and for checking one exercise.
    root : str or Path, optional
        The course repository (instructor notebooks); default this one.

    Returns
    -------
    SubmissionResult
        Never raises for a bad submission: problems become verdicts and ``error``.
    """
    from qgan_helpers.course.grading.sandbox import Limits, Sandbox, sandbox_package

    t0 = time.monotonic()
    root = Path(root or ROOT)
    chapter = chapter or chapter_of(notebook)
    result = SubmissionResult(student, chapter, str(notebook))
    try:
        exercises = chapter_exercises(chapter, root)
    except (FileNotFoundError, KeyError) as exc:
        result.error = f"not a chapter of the course: {exc}"
        return result
    path = Path(notebook)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
        nb = json.loads(path.read_text(encoding="utf8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("not a notebook (no list of cells)")
    except (OSError, ValueError) as exc:
        result.error = f"the notebook could not be read: {exc}"
        result.grades = [ExerciseGrade(label, "not attempted", f"unreadable notebook: {exc}", 0.0, pts)
                         for label, _, pts in exercises]
        return result
    from qgan_helpers.course.student_notebooks import release_notebook

    result.written = written_text(nb, release_notebook(json.loads((root / "book" / f"{chapter}.ipynb").read_text())))
    cells = _code_cells(nb)
    limits = limits or Limits()
    files: dict[str, Path] = {}  # the package copy carries its data (checkpoints, results)
    hidden = [root, path.resolve().parent, *(hide or []), Path("/root"), Path("/home")]
    sandbox = None
    work = None
    try:
        if package is None:
            import tempfile

            work = Path(tempfile.mkdtemp(prefix="qgan-package-"))
            package = sandbox_package(work)
        sandbox = Sandbox(Path(package), files=files, cwd="book", limits=limits, hide=hidden, slot=slot)
        result.isolated = sandbox.isolated
        result.cells = _run_cells(sandbox, cells, notebook_budget)
        for label, name, points in exercises:
            try:
                result.grades.append(_grade_exercise(sandbox, label, name, points, cells, result.cells, exercise_budget))
            except Exception as exc:  # noqa: BLE001 - a grader fault: say so, go on with the next exercise
                result.grades.append(ExerciseGrade(label, "not graded", f"grader error: {type(exc).__name__}: {exc}",
                                                   0.0, points))
    except Exception as exc:  # noqa: BLE001 - the sandbox could not be made or started
        result.error = f"{type(exc).__name__}: {exc}"
        result.error += "\n" + traceback.format_exc(limit=3)
        done = {g.label for g in result.grades}
        result.grades += [ExerciseGrade(label, "not graded", f"the sandbox failed: {type(exc).__name__}: {exc}", 0.0, pts)
                          for label, _, pts in exercises if label not in done]
    finally:
        if sandbox is not None:
            sandbox.close()
        if work is not None:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    result.seconds = round(time.monotonic() - t0, 2)
    return result


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file and a rename (readers never see half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """``python -m qgan_helpers.course.grading.job SPEC.json``: grade one submission, write its result JSON."""
    from qgan_helpers.course.grading.sandbox import Limits

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m qgan_helpers.course.grading.job SPEC.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(args[0]).read_text(encoding="utf8"))
    import resource

    memory = int(spec["limits"]["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    result = grade_submission(
        spec["notebook"], student=spec["student"], chapter=spec.get("chapter"), limits=Limits(**spec["limits"]),
        hide=[Path(p) for p in spec.get("hide", [])], slot=int(spec.get("slot", 0)), package=spec.get("package"),
        notebook_budget=float(spec.get("notebook_budget", 1800)), exercise_budget=float(spec.get("exercise_budget", 300)),
    )
    write_json_atomic(spec["out"], result.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
