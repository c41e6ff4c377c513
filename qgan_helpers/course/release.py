"""The student release: the notebooks and the package students receive, with every solution removed.

``make student`` builds the student *site* (:mod:`qgan_helpers.course.edition`) and, next to it, the
*release*: what a student downloads, clones or opens on a hub. :func:`build_release` writes::

    _build/student/release/          the folder behind every student route (nbgitpuller, Binder, Colab, zip)
        README.md                    how to install and run it
        book/<chapter>.ipynb         the release notebooks (see :func:`release_notebook`)
        qgan_helpers/                the package without ``solutions/`` and without the instructor tools
                                     (with its data: the checkpoints and results the chapters read)
        requirements.txt, pyproject.toml, postBuild (Binder), .gitignore
    _build/student/qgan-course-student.zip   the same folder as one download

A release notebook is its instructor notebook without anything of a solution
(:func:`~qgan_helpers.course.student_notebooks.release_notebook`, importable from here too). In the
student package :meth:`~qgan_helpers.course.checks.Exercise.solution` says that solutions
are not included and ``load_solution()`` raises :class:`~qgan_helpers.course.checks.SolutionNotShipped`.

:func:`release_leaks` proves the result: no line or search word of any reference solution, and no
pointer to one, in any file of the release (the zip's members included).

Examples
--------
>>> nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source":
...     "Check it; `ex.hint()` prints a hint and `ex.solution()` a solution."}], "metadata": {}}
>>> release_notebook(nb)["cells"][0]["source"]
'Check it; `ex.hint()` prints a hint.'
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qgan_helpers.course.leaks import _html_variants, book_texts, solution_fingerprints
from qgan_helpers.course.student_notebooks import RELEASE_NOTE, _source, release_notebook

__all__ = [
    "ROOT",
    "RELEASE_NOTE",
    "ZIP_NAME",
    "release_notebook",
    "student_package",
    "build_release",
    "release_leaks",
    "taught_texts",
    "release_fingerprints",
    "package_overlaps",
    "Release",
]

ROOT = Path(__file__).resolve().parents[2]
ZIP_NAME = "qgan-course-student.zip"
# Instructor-only parts of the package: the solutions and the tools that build releases and grade.
_EXCLUDED = (
    "course/solutions", "course/grading", "course/release.py", "course/edition.py", "course/leaks.py",
    "course/student_notebooks.py", "grading.py",
)


def _excluded(rel: Path) -> bool:
    text = rel.as_posix()
    return any(text == e or text.startswith(e + "/") for e in _EXCLUDED) or "__pycache__" in rel.parts


def student_package(dest: str | Path, *, source: str | Path | None = None) -> Path:
    """Copy the helper package without its solutions and instructor tools to ``dest/qgan_helpers``.

    Parameters
    ----------
    dest : str or Path
        The folder to copy into (created).
    source : str or Path, optional
        The package folder; default this installation's ``qgan_helpers``.

    Returns
    -------
    Path
        The copied package folder.

    Raises
    ------
    FileNotFoundError
        If ``source`` is not a package folder (no ``__init__.py``).

    Examples
    --------
    >>> import tempfile
    >>> pkg = student_package(tempfile.mkdtemp())
    >>> (pkg / "course" / "checks").is_dir(), (pkg / "course" / "solutions").exists()
    (True, False)
    """
    src = Path(source) if source is not None else ROOT / "qgan_helpers"
    if not (src / "__init__.py").is_file():
        raise FileNotFoundError(f"source: expected the qgan_helpers package folder, got {src}")
    out = Path(dest) / "qgan_helpers"
    if out.exists():
        shutil.rmtree(out)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if _excluded(rel) or path.suffix in {".pyc", ".pyo"} or not path.is_file():
            continue
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return out


_README = """# Quantum generative models for image generation -- student edition

The chapters are the notebooks in `book/`. Every exercise has a stub (`...`) to replace and a check
to run: `ex.check(answer)` answers `correct`, `not yet: <reason>` or `not attempted`, and `ex.hint()`
prints a hint. The solutions are not included in this edition.

Install (Python 3.11 or newer), then open the notebooks with Jupyter:

```bash
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt && pip install --no-deps -e .
jupyter lab book/
```

Hand in the notebook itself (`book/<chapter>.ipynb`) as your instructor asks.
"""

_POSTBUILD = "#!/bin/bash\n# Binder: install the course package from this folder.\npip install --no-deps -e .\n"


def _pyproject(root: Path) -> str:
    text = (root / "pyproject.toml").read_text(encoding="utf8")
    return re.sub(r'"course/solutions/\*\.py",\s*', "", text)


@dataclass
class Release:
    """What :func:`build_release` wrote.

    Attributes
    ----------
    folder : Path
        The release folder.
    notebooks : list of Path
        The release notebooks.
    zip_path : Path or None
        The zip of the folder.
    replaced : dict
        ``{notebook name: number of cells replaced by a note}``.
    """

    folder: Path
    notebooks: list[Path] = field(default_factory=list)
    zip_path: Path | None = None
    replaced: dict[str, int] = field(default_factory=dict)


def _toc_chapters(root: Path) -> list[Path]:
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf8"))
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [root / f"{f}.ipynb" for f in found if (root / f"{f}.ipynb").is_file()]


def build_release(
    out: str | Path,
    *,
    root: str | Path | None = None,
    notebooks: Iterable[str | Path] | None = None,
    zip_path: str | Path | None = None,
) -> Release:
    """Write the student release (notebooks, package, data files) to ``out`` and zip it.

    Parameters
    ----------
    out : str or Path
        The release folder, e.g. ``_build/student/release`` (replaced if it exists).
    root : str or Path, optional
        The repository; default this one.
    notebooks : iterable of path, optional
        The instructor notebooks to release; default every chapter notebook of ``_toc.yml``.
    zip_path : str or Path, optional
        The zip to write; default ``<out>/../qgan-course-student.zip``.

    Returns
    -------
    Release

    Raises
    ------
    FileNotFoundError
        If ``root`` has no ``_toc.yml`` or a notebook does not exist.

    Examples
    --------
    >>> import tempfile
    >>> rel = build_release(Path(tempfile.mkdtemp()) / "release", notebooks=[ROOT / "book" / "devices.ipynb"])
    >>> [p.name for p in rel.notebooks], (rel.folder / "qgan_helpers" / "course" / "solutions").exists()
    (['devices.ipynb'], False)
    """
    root = Path(root) if root is not None else ROOT
    if not (root / "_toc.yml").is_file():
        raise FileNotFoundError(f"root: expected the course repository (with _toc.yml), got {root}")
    sources = [Path(p) for p in notebooks] if notebooks is not None else _toc_chapters(root)
    for path in sources:
        if not path.is_file():
            raise FileNotFoundError(f"notebooks: no such notebook {path}")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "book").mkdir(parents=True)
    release = Release(out)
    for path in sources:
        nb = release_notebook(json.loads(path.read_text(encoding="utf8")), chapter=path.stem)
        target = out / "book" / path.name
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf8")
        release.notebooks.append(target)
        release.replaced[path.name] = sum(c["metadata"].get("qgan", {}).get("release") == "replaced" for c in nb["cells"])
    student_package(out, source=root / "qgan_helpers")  # with its checkpoints/ and results/
    shutil.copy2(root / "requirements.txt", out / "requirements.txt")
    (out / "pyproject.toml").write_text(_pyproject(root), encoding="utf8")
    (out / "README.md").write_text(_README, encoding="utf8")
    (out / "postBuild").write_text(_POSTBUILD, encoding="utf8")
    (out / "postBuild").chmod(0o755)
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n", encoding="utf8")
    zip_path = Path(zip_path) if zip_path is not None else out.parent / ZIP_NAME
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                zf.write(path, Path(out.name) / path.relative_to(out))
    release.zip_path = zip_path
    return release


def _release_texts(folder: Path, zip_path: Path | None) -> Iterable[tuple[str, str]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield str(path.relative_to(folder)), path.read_bytes().decode("utf8", errors="replace")
    if zip_path is not None and zip_path.is_file():
        with zipfile.ZipFile(zip_path) as zf:
            for name in zf.namelist():
                yield f"{zip_path.name}:{name}", zf.read(name).decode("utf8", errors="replace")


def taught_texts(package: str | Path | None = None) -> list[str]:
    """What a student legitimately gets besides the solutions: the book's texts and the shipped package's code.

    A solution line that also occurs here (the library implements it, or a page teaches it) is course
    material, not a leak. Lines are also given without a trailing ``# comment``, so that a taught line
    with a comment still counts. The exercises whose solution lines occur in the package are listed by
    :func:`package_overlaps` (the guide names them: their answer is one library call away).

    Parameters
    ----------
    package : str or Path, optional
        The shipped package folder; default this repository's package without its solutions.

    Examples
    --------
    >>> any("{exercise}" in t for t in taught_texts())
    True
    """
    root = Path(package) if package is not None else ROOT / "qgan_helpers"
    texts = list(book_texts())
    for path in sorted(root.rglob("*.py")):
        if not _excluded(path.relative_to(root)):
            texts.append(path.read_text(encoding="utf8"))
    bare = [re.sub(r"\s+#.*$", "", line) for text in texts for line in text.splitlines() if "#" in line]
    return texts + ["\n".join(bare)]


def package_overlaps(package: str | Path | None = None) -> dict[str, list[str]]:
    """``{solution stem: [files of the shipped package that contain one of its distinctive lines]}``.

    These exercises ask students to re-implement something the course's package (a library function
    or a checker's reference computation) already contains. They are fine for practice; for graded
    work prefer the others, or read the answers.

    Examples
    --------
    >>> all(stem.startswith("ex_") for stem in package_overlaps())
    True
    """
    root = Path(package) if package is not None else ROOT / "qgan_helpers"
    prints = solution_fingerprints(book_texts=book_texts())
    out: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if _excluded(rel):
            continue
        text = path.read_text(encoding="utf8")
        for stem, lines in prints.items():
            if any(len(line) >= 30 and line in text for line in lines):
                out.setdefault(stem, []).append(rel.as_posix())
    return out


def release_fingerprints(package: str | Path | None = None) -> dict[str, list[str]]:
    """Distinctive lines of every reference solution that no taught text (:func:`taught_texts`) contains.

    Hints count as taught too (``ex.hint()`` prints them). A line that is part of a taught text, even
    inside a longer line, is not searched for: finding it in the release would prove nothing.

    Examples
    --------
    >>> prints = release_fingerprints()
    >>> sum(len(lines) > 0 for lines in prints.values()) > 20
    True
    """
    from qgan_helpers.course.checks import all_exercises

    taught = taught_texts(package) + [str(ex.hint_text) for ex in all_exercises()]
    prints = solution_fingerprints(book_texts=taught)
    joined = "\n".join(taught)
    return {stem: [line for line in lines if line not in joined] for stem, lines in prints.items()}


def release_leaks(
    folder: str | Path,
    *,
    zip_path: str | Path | None = None,
    fingerprints: Mapping[str, list[str]] | None = None,
) -> list[str]:
    """Every place in a release where solution text, or a way to reach it, is found.

    Searches every file (and every member of the zip) for every distinctive line of every reference
    solution (:func:`qgan_helpers.course.leaks.solution_fingerprints`), for a ``solutions`` folder, and in
    the notebooks for ``load_solution(``, ``.solution()``, ``literalinclude`` of a solution file and
    cells of the book's hidden self-tests.

    Parameters
    ----------
    folder : str or Path
        The release folder.
    zip_path : str or Path, optional
        The release's zip, searched member by member.
    fingerprints : mapping, optional
        ``{solution: [lines]}``; default the fingerprints of this course's solutions.

    Returns
    -------
    list of str
        ``"<file>: <what>"`` for each finding; empty when the release is clean.

    Raises
    ------
    FileNotFoundError
        If ``folder`` is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.ipynb").write_text('{"cells": [{"source": "ex.load_solution()"}]}')
    >>> release_leaks(d, fingerprints={})
    ['a.ipynb: a pointer to a solution: ex.load_solution(']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder: expected a release folder, got {folder}")
    if fingerprints is None:
        fingerprints = release_fingerprints()
    variants = {(name, line): _html_variants(line) for name, lines in fingerprints.items() for line in lines}
    found = [f"{p.relative_to(folder)}: a solutions folder" for p in folder.rglob("solutions") if p.is_dir()]
    pointer = re.compile(r"\w+\.load_solution\(|\w+\.solution\(\)|literalinclude[^\n]*solutions/|solution_source\(")
    for name, text in _release_texts(folder, Path(zip_path) if zip_path else None):
        for (stem, line), forms in variants.items():
            if any(form in text for form in forms):
                found.append(f"{name}: text of {stem}.py: {line!r}")
        if name.endswith(".ipynb"):
            for cell in json.loads(text).get("cells", []):
                for match in pointer.finditer(_source(cell)):
                    found.append(f"{name}: a pointer to a solution: {match.group(0)}")
    return found
