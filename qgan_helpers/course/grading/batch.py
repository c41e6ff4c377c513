"""Grade a class: find the submissions, grade them in parallel, write the reports as results arrive.

:func:`grade_class` runs one :mod:`.job` process per submission, ``jobs`` at a time, each with its
own sandbox. A progress bar goes to stderr. Each finished submission's result is written at once
(``<out>/results/<student>__<chapter>.json``, atomically) and the reports (:mod:`.reports`) are
rewritten, so an interrupted run keeps what it graded, and a submission whose job crashes or runs
past its budget gets "not graded" rows with the reason instead of stopping the class.

Examples
--------
>>> discover([]) == []
True
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from qgan_helpers.course.grading.job import ROOT, ExerciseGrade, SubmissionResult, chapter_exercises, write_json_atomic
from qgan_helpers.course.grading.reports import Gradebook, build_gradebook, read_manual_sheet, write_reports
from qgan_helpers.course.grading.roster import Roster
from qgan_helpers.course.grading.sandbox import Limits, sandbox_package

__all__ = ["Submission", "discover", "grade_class", "load_results", "recompute"]


@dataclass(frozen=True)
class Submission:
    """One handed-in notebook: whose (the folder's name), which chapter (the file's name), where."""

    student: str
    chapter: str
    path: Path

    @property
    def result_name(self) -> str:
        return f"{self.student}__{self.chapter}.json"


def _chapters(root: Path) -> set[str]:
    return {p.stem for p in (root / "book").glob("*.ipynb")}


def discover(paths: Iterable[str | Path], *, root: str | Path | None = None,
             chapters: Iterable[str] | None = None) -> list[Submission]:
    """The submissions in ``paths``: class folders (``<class>/<student>/<chapter>.ipynb``), student folders or notebooks.

    A notebook's student is its folder's name; notebooks that are not a chapter of the course
    (``<chapter>.ipynb`` with ``book/<chapter>.ipynb`` in the repository) are skipped.

    Parameters
    ----------
    paths : iterable of path
    root : path, optional
        The course repository; default this one.
    chapters : iterable of str, optional
        Only these chapters.

    Raises
    ------
    FileNotFoundError
        If a path does not exist.
    """
    root = Path(root or ROOT)
    known = _chapters(root) if chapters is None else set(chapters) & _chapters(root)
    found: dict[tuple[str, str], Submission] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"submissions: no such file or folder {path}")
        if path.is_file():
            notebooks = [path]
        elif any(p.suffix == ".ipynb" for p in path.iterdir()):
            notebooks = sorted(path.glob("*.ipynb"))
        else:
            notebooks = sorted(path.glob("*/*.ipynb"))
        for nb in notebooks:
            if nb.stem in known and ".ipynb_checkpoints" not in nb.parts:
                sub = Submission(nb.parent.name, nb.stem, nb.resolve())
                found[(sub.student, sub.chapter)] = sub
    return sorted(found.values(), key=lambda s: (s.student, s.chapter))


def _failed(sub: Submission, why: str) -> SubmissionResult:
    result = SubmissionResult(sub.student, sub.chapter, str(sub.path), error=why)
    result.grades = [ExerciseGrade(label, "not graded", why[:500], 0.0, pts) for label, _, pts in chapter_exercises(sub.chapter)]
    return result


def load_results(out: str | Path) -> list[SubmissionResult]:
    """Every result written so far in ``<out>/results``."""
    folder = Path(out) / "results"
    return [SubmissionResult.from_json(json.loads(p.read_text(encoding="utf8"))) for p in sorted(folder.glob("*.json"))]


def recompute(out: str | Path, *, roster: Roster | None = None, canvas_ids: Mapping[str, str] | None = None,
              chapters: Iterable[str] | None = None, prefix: str = "QGAN") -> Gradebook:
    """Rebuild the reports from the results and the (filled-in) ``manual.csv``, without running anything."""
    out = Path(out)
    book = build_gradebook(load_results(out), roster=roster, manual=read_manual_sheet(out / "manual.csv"),
                           chapters=chapters)
    write_reports(book, out, canvas_ids=canvas_ids, prefix=prefix)
    return book


def grade_class(
    submissions: list[Submission],
    out: str | Path,
    *,
    jobs: int = 2,
    limits: Limits | None = None,
    roster: Roster | None = None,
    canvas_ids: Mapping[str, str] | None = None,
    notebook_budget: float = 1800.0,
    exercise_budget: float = 300.0,
    progress: bool = True,
    prefix: str = "QGAN",
    hide: Iterable[str | Path] = (),
) -> Gradebook:
    """Grade every submission (``jobs`` in parallel) and write the reports into ``out``.

    Parameters
    ----------
    submissions : list of Submission
        From :func:`discover`.
    out : str or Path
        The output folder (``results/``, ``grades.csv``, ``manual.csv``, ``totals.csv``, ``canvas.csv``).
    jobs : int
        Submissions graded at the same time (each uses about one core).
    limits : Limits, optional
        Per-cell and per-call time limits and the memory limit of each sandbox.
    roster : Roster, optional
        The class list (identities and Canvas columns).
    canvas_ids : mapping, optional
        ``{chapter or project id: Canvas assignment id}`` for existing Canvas assignments.
    notebook_budget, exercise_budget : float
        Seconds for all cells of one notebook, and for the check of one exercise.
    progress : bool
        Show a progress bar on stderr.
    hide : iterable of path
        More folders the sandboxes must not see (the repository, ``out`` and the submissions always are).

    Returns
    -------
    Gradebook

    Raises
    ------
    ValueError
        If ``jobs`` is not a positive integer.
    """
    from tqdm import tqdm

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected a positive integer, got {jobs!r}")
    limits = limits or Limits()
    out = Path(out).resolve()
    (out / "results").mkdir(parents=True, exist_ok=True)
    manual = read_manual_sheet(out / "manual.csv")  # fail early on a badly filled sheet
    chapters = sorted({s.chapter for s in submissions})
    hide = sorted({str(out), *(str(s.path.parent.parent) for s in submissions), *(str(s.path.parent) for s in submissions),
                   *(str(Path(h).resolve()) for h in hide)})
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="qgan-grading-") as tmp:
        package = sandbox_package(Path(tmp) / "package")

        def run(index: int, sub: Submission) -> SubmissionResult:
            n_ex = len(chapter_exercises(sub.chapter))
            spec = {"notebook": str(sub.path), "student": sub.student, "chapter": sub.chapter,
                    "limits": {"cell_timeout": limits.cell_timeout, "call_timeout": limits.call_timeout,
                               "memory_mb": limits.memory_mb, "file_mb": limits.file_mb},
                    "hide": hide, "slot": index, "package": str(package),
                    "notebook_budget": notebook_budget, "exercise_budget": exercise_budget,
                    "out": str(out / "results" / sub.result_name)}
            spec_path = Path(tmp) / f"spec-{index}.json"
            spec_path.write_text(json.dumps(spec), encoding="utf8")
            result_path = Path(spec["out"])
            if result_path.exists():
                result_path.unlink()
            budget = notebook_budget + n_ex * exercise_budget + 300
            try:
                proc = subprocess.run([sys.executable, "-m", "qgan_helpers.course.grading.job", str(spec_path)],
                                      capture_output=True, text=True, timeout=budget, start_new_session=True)
                tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
                why = f"the grading job failed: {tail[0][:300]}"
            except subprocess.TimeoutExpired:
                why = f"the grading job ran longer than {budget:.0f} s"
            if result_path.is_file():
                try:
                    return SubmissionResult.from_json(json.loads(result_path.read_text(encoding="utf8")))
                except (ValueError, TypeError) as exc:
                    why = f"the grading job wrote an unreadable result: {exc}"
            result = _failed(sub, why)
            write_json_atomic(result_path, result.to_json())
            return result

        results: list[SubmissionResult] = []
        bar = tqdm(total=len(submissions), desc="grading", unit="notebook", file=sys.stderr, disable=not progress)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run, i, sub): sub for i, sub in enumerate(submissions)}
            for future in as_completed(futures):
                sub = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - never lose the class over one submission
                    result = _failed(sub, f"{type(exc).__name__}: {exc}")
                    write_json_atomic(out / "results" / sub.result_name, result.to_json())
                with lock:
                    results.append(result)
                    write_reports(build_gradebook(results, roster=roster, manual=manual, chapters=chapters), out,
                                  canvas_ids=canvas_ids, prefix=prefix)
                bar.set_postfix_str(f"{sub.student}/{sub.chapter} {result.seconds:.0f}s", refresh=False)
                bar.update(1)
        bar.close()
    book = build_gradebook(results, roster=roster, manual=manual, chapters=chapters)
    write_reports(book, out, canvas_ids=canvas_ids, prefix=prefix)
    return book
