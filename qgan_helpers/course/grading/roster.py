"""Who a submission belongs to: the submission's folder, matched against a roster.

Submissions are laid out one folder per student, named by the student's login (or any id the
roster has): ``submissions/<student>/<chapter>.ipynb``. A roster is a CSV; Canvas's own gradebook
export works as it is (columns ``Student, ID, SIS User ID, SIS Login ID, Section``; its
"Points Possible" row is skipped). A folder matches a roster row when its name equals, ignoring case,
the row's ``folder``, ``SIS Login ID``, ``SIS User ID``, ``ID``, ``login`` or ``email`` (the part
before ``@`` too). Without a roster, the folder name is the identity.

Examples
--------
>>> import io
>>> roster = read_roster(io.StringIO('Student,ID,SIS User ID,SIS Login ID,Section\\n"Lovelace, Ada",17,s017,ada,A\\n'))
>>> roster.find("ADA").name, roster.find("s017").canvas_id
('Lovelace, Ada', '17')
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

__all__ = ["Student", "Roster", "read_roster"]

_KEYS = ("folder", "sis login id", "sis user id", "id", "login", "email", "username")


@dataclass(frozen=True)
class Student:
    """One student as the gradebook knows them.

    Attributes
    ----------
    key : str
        The identity used in the grader's files (the roster's login, or the folder name).
    name : str
        Display name (Canvas "Student": "Last, First").
    canvas_id, sis_user_id, sis_login_id, section : str
        The Canvas columns (empty when unknown).
    """

    key: str
    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


@dataclass
class Roster:
    """The class list; :meth:`find` maps a submission folder to a :class:`Student`."""

    students: list[Student] = field(default_factory=list)
    _index: dict[str, Student] = field(default_factory=dict, repr=False)

    def add(self, student: Student, keys: list[str]) -> None:
        self.students.append(student)
        for key in keys:
            key = key.strip().lower()
            if key:
                self._index.setdefault(key, student)
                if "@" in key:
                    self._index.setdefault(key.split("@")[0], student)

    def find(self, folder: str) -> Student | None:
        """The student whose identifiers include ``folder`` (ignoring case), or None."""
        return self._index.get(folder.strip().lower())

    def __len__(self) -> int:
        return len(self.students)


def read_roster(source: str | Path | IO[str]) -> Roster:
    """Read a roster CSV (Canvas gradebook export, or any CSV with a ``folder``/``login``/``email`` column).

    Parameters
    ----------
    source : str, Path or file
        The CSV.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If no column can identify a student (none of folder, SIS Login ID, SIS User ID, ID, login, email).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"roster: expected a CSV file, got {source} (no such file)")
        handle: IO[str] = io.StringIO(path.read_text(encoding="utf-8-sig"))
    else:
        handle = source
    reader = csv.DictReader(handle)
    columns = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    if not any(k in columns for k in _KEYS):
        raise ValueError(f"roster: expected a column that identifies students (one of {', '.join(_KEYS)}), "
                         f"got {reader.fieldnames}")
    roster = Roster()

    def get(row: dict, name: str) -> str:
        col = columns.get(name)
        return (row.get(col) or "").strip() if col else ""

    for row in reader:
        name = get(row, "student") or get(row, "name")
        if name.lower() in ("points possible", "student, test") or not any(get(row, k) for k in _KEYS):
            continue
        key = get(row, "sis login id") or get(row, "login") or get(row, "folder") or get(row, "sis user id") \
            or get(row, "id") or get(row, "email")
        student = Student(key, name, get(row, "id"), get(row, "sis user id"), get(row, "sis login id"),
                          get(row, "section"))
        roster.add(student, [get(row, k) for k in _KEYS])
    return roster
