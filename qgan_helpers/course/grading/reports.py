"""The grader's output files: verdicts, the manual-grading sheet, per-student totals, a Canvas gradebook.

:func:`write_reports` writes, into the output folder:

``grades.csv``
    One row per student and exercise: ``student, name, chapter, exercise, status, reason, points,
    max_points``.
``manual.csv``
    The manual-grading sheet: one row per student and written item or project
    (:mod:`.manual`), with the rubric, the prompt and the student's written text. Fill in
    ``points`` (and ``comment``); the next run keeps what is filled in.
``totals.csv``
    Per student and chapter: automatic points, manual points, total and maximum; the projects; the
    grand total, its maximum and percentage, how many manual items are still blank, and problems
    (submissions the grader could not run, folders not on the roster).
``canvas.csv``
    Canvas's gradebook import format: ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
    column per assignment (a chapter, or a project) named ``<prefix> <chapter>``, or
    ``<name> (<Canvas assignment id>)`` for an existing assignment, and a second row ``Points
    Possible``. Blank manual items count as 0 here; ``totals.csv`` says which are blank.

Examples
--------
>>> canvas_header(["devices"], {"devices": "4711"}, prefix="QGAN")
['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', 'QGAN devices (4711)']
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qgan_helpers.course.grading.job import SubmissionResult
from qgan_helpers.course.grading.manual import MANUAL_ITEMS, ManualItem
from qgan_helpers.course.grading.roster import Roster, Student

__all__ = ["Gradebook", "build_gradebook", "write_reports", "read_manual_sheet", "canvas_header", "MANUAL_COLUMNS"]

MANUAL_COLUMNS = ["student", "name", "chapter", "item", "kind", "max_points", "points", "comment", "rubric",
                  "prompt", "answer", "notebook"]
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _write_csv(path: Path, header: list[str], rows: Iterable[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf8")
    os.replace(tmp, path)


def _num(x: float) -> str:
    return f"{x:g}"


def read_manual_sheet(path: str | Path) -> dict[tuple[str, str], tuple[float | None, str]]:
    """``{(student, item): (points or None, comment)}`` from a (partly) filled manual-grading sheet.

    Raises
    ------
    ValueError
        If a ``points`` cell is not a number between 0 and the row's ``max_points`` (the message names
        the row).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = p.write_text("student,item,max_points,points,comment\\nada,devices-discussion,2,1.5,ok\\nbob,devices-discussion,2,,\\n")
    >>> read_manual_sheet(p)
    {('ada', 'devices-discussion'): (1.5, 'ok'), ('bob', 'devices-discussion'): (None, '')}
    """
    path = Path(path)
    if not path.is_file():
        return {}
    out: dict[tuple[str, str], tuple[float | None, str]] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))), start=2):
        student, item = (row.get("student") or "").strip(), (row.get("item") or "").strip()
        raw = (row.get("points") or "").strip()
        points = None
        if raw:
            try:
                points = float(raw)
                top = float(row.get("max_points") or "inf")
            except ValueError as exc:
                raise ValueError(f"manual sheet {path}, line {line}: points must be a number, got {raw!r}") from exc
            if not 0 <= points <= top:
                raise ValueError(f"manual sheet {path}, line {line}: points {raw} is not between 0 and {top:g} "
                                 f"({student}, {item})")
        out[(student, item)] = (points, (row.get("comment") or "").strip())
    return out


@dataclass
class Gradebook:
    """Everything the reports show, computed once (see :func:`build_gradebook`)."""

    students: list[Student]
    chapters: list[str]
    results: dict[tuple[str, str], SubmissionResult]
    exercise_max: dict[str, float]
    items: list[ManualItem]
    manual: dict[tuple[str, str], tuple[float | None, str]]
    unmatched: set[str] = field(default_factory=set)

    def chapter_items(self, chapter: str) -> list[ManualItem]:
        return [i for i in self.items if i.chapter == chapter and i.kind != "project"]

    def projects(self) -> list[ManualItem]:
        return [i for i in self.items if i.kind == "project"]

    def auto_points(self, student: str, chapter: str) -> float:
        result = self.results.get((student, chapter))
        return sum(g.points for g in result.grades) if result else 0.0

    def manual_points(self, student: str, items: list[ManualItem]) -> tuple[float, int]:
        """(points filled in, number of items still blank)."""
        total, blank = 0.0, 0
        for item in items:
            points = self.manual.get((student, item.id), (None, ""))[0]
            if points is None:
                blank += 1
            else:
                total += points
        return total, blank

    def chapter_max(self, chapter: str) -> float:
        return self.exercise_max.get(chapter, 0.0) + sum(i.max_points for i in self.chapter_items(chapter))


def build_gradebook(
    results: Iterable[SubmissionResult],
    *,
    roster: Roster | None = None,
    manual: Mapping[tuple[str, str], tuple[float | None, str]] | None = None,
    chapters: Iterable[str] | None = None,
) -> Gradebook:
    """Combine submission results, a roster and the manual sheet into one :class:`Gradebook`.

    Students are the roster's (also those who handed nothing in: 0 points) plus every submission
    folder not on the roster (listed in ``unmatched``). Chapters are ``chapters`` or those handed in.
    """
    from qgan_helpers.course.grading.job import chapter_exercises

    by_key: dict[tuple[str, str], SubmissionResult] = {}
    students: dict[str, Student] = {s.key: s for s in (roster.students if roster else [])}
    unmatched: set[str] = set()
    for result in results:
        student = roster.find(result.student) if roster else None
        if student is None:
            student = students.get(result.student) or Student(result.student)
            if roster:
                unmatched.add(result.student)
        students.setdefault(student.key, student)
        by_key[(student.key, result.chapter)] = result
    chapter_list = sorted(set(chapters) if chapters is not None else {c for _, c in by_key})
    exercise_max = {c: sum(p for _, _, p in chapter_exercises(c)) for c in chapter_list}
    items = [i for i in MANUAL_ITEMS if i.chapter in chapter_list]
    return Gradebook(sorted(students.values(), key=lambda s: (s.name or s.key).lower()), chapter_list, by_key,
                     exercise_max, items, dict(manual or {}), unmatched)


def canvas_header(chapters: list[str], ids: Mapping[str, str] | None = None, *, prefix: str = "QGAN",
                  projects: list[str] = ()) -> list[str]:
    """The header of the Canvas gradebook CSV: identity columns, then one column per assignment."""
    ids = ids or {}

    def column(key: str, name: str) -> str:
        return f"{name} ({ids[key]})" if ids.get(key) else name

    cols = [column(c, f"{prefix} {c}") for c in chapters]
    cols += [column(p, f"{prefix} {p.replace('-', ' ')}") for p in projects]
    return CANVAS_IDENTITY + cols


def write_reports(
    book: Gradebook,
    out: str | Path,
    *,
    canvas_ids: Mapping[str, str] | None = None,
    prefix: str = "QGAN",
) -> dict[str, Path]:
    """Write ``grades.csv``, ``manual.csv``, ``totals.csv`` and ``canvas.csv`` into ``out``; return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.csv" for name in ("grades", "manual", "totals", "canvas")}

    rows = []
    for (key, chapter), result in sorted(book.results.items()):
        name = next((s.name for s in book.students if s.key == key), "")
        for g in result.grades:
            rows.append([key, name, chapter, g.label, g.status, g.reason, _num(g.points), _num(g.max_points)])
    _write_csv(paths["grades"], ["student", "name", "chapter", "exercise", "status", "reason", "points",
                                 "max_points"], rows)

    rows = []
    for student in book.students:
        for item in book.items:
            result = book.results.get((student.key, item.chapter))
            points, comment = book.manual.get((student.key, item.id), (None, ""))
            answer = "\n\n".join(result.written)[:4000] if result else ""
            rows.append([student.key, student.name, item.chapter, item.id, item.kind, _num(item.max_points),
                         "" if points is None else _num(points), comment, item.rubric_text(), item.prompt, answer,
                         result.notebook if result else ""])
    _write_csv(paths["manual"], MANUAL_COLUMNS, rows)

    projects = book.projects()
    header = ["student", "name", "section"]
    for c in book.chapters:
        header += [f"{c} auto", f"{c} manual", f"{c} total", f"{c} max"]
    header += [f"{p.id} total" for p in projects] + ["total", "max", "percent", "manual blank", "problems"]
    canvas_rows = [["Points Possible", "", "", "", ""] + [_num(book.chapter_max(c)) for c in book.chapters]
                   + [_num(p.max_points) for p in projects]]
    rows = []
    grand_max = sum(book.chapter_max(c) for c in book.chapters) + sum(p.max_points for p in projects)
    for student in book.students:
        row = [student.key, student.name, student.section]
        canvas = [student.name or student.key, student.canvas_id, student.sis_user_id,
                  student.sis_login_id or student.key, student.section]
        total, blanks, problems = 0.0, 0, []
        for c in book.chapters:
            auto = book.auto_points(student.key, c)
            manual, blank = book.manual_points(student.key, book.chapter_items(c))
            result = book.results.get((student.key, c))
            if result is None:
                problems.append(f"{c}: nothing handed in")
            elif result.error or any(g.status == "not graded" for g in result.grades):
                problems.append(f"{c}: not fully graded")
            row += [_num(auto), _num(manual), _num(auto + manual), _num(book.chapter_max(c))]
            canvas.append(_num(auto + manual))
            total += auto + manual
            blanks += blank
        for p in projects:
            points, blank = book.manual_points(student.key, [p])
            row.append(_num(points))
            canvas.append(_num(points))
            total += points
            blanks += blank
        if student.key in book.unmatched:
            problems.append("folder not on the roster")
        percent = 100 * total / grand_max if grand_max else 0.0
        rows.append(row + [_num(total), _num(grand_max), f"{percent:.1f}", str(blanks), "; ".join(problems)])
        canvas_rows.append(canvas)
    _write_csv(paths["totals"], header, rows)
    _write_csv(paths["canvas"], canvas_header(book.chapters, canvas_ids, prefix=prefix,
                                              projects=[p.id for p in projects]), canvas_rows)
    return paths
