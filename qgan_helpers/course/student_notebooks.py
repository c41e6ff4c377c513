"""Release notebooks: an instructor notebook as students receive it, with every solution removed.

A release notebook (:func:`release_notebook`) is its instructor notebook with: the ``{solution}``
dropdowns removed; the book's hidden self-test cells (tag ``remove-cell``) that run a reference
solution removed; the sentence that points to ``ex.solution()`` removed from the exercise text;
visible cells that use a reference solution (and the cells that use what they computed) replaced by
a short note (:data:`RELEASE_NOTE`); the Colab install cell removed; outputs cleared.

Which cells use a solution is decided from their code: a call such as ``ex.load_solution()``, or a
name (:func:`_names`) that only such a cell assigned. :mod:`qgan_helpers.course.release` writes these
notebooks into the student release; the grader (:mod:`qgan_helpers.course.grading`) reads
submissions the same way.

Examples
--------
>>> nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source":
...     "Check it; `ex.hint()` prints a hint and `ex.solution()` a solution."}], "metadata": {}}
>>> release_notebook(nb)["cells"][0]["source"]
'Check it; `ex.hint()` prints a hint.'
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["RELEASE_NOTE", "release_notebook"]

#: What replaces a cell that used a reference solution.
RELEASE_NOTE = (
    "*Student edition:* a cell here used the reference solution of an exercise (or a value computed "
    "from it), which this edition does not include. The instructor edition of the page shows its result."
)
_SOLUTION_USE = re.compile(r"\.load_solution\s*\(|\.solution\s*\(|\bsolutions[/.]|solution_source\s*\(")
_POINTER = re.compile(
    r"\s+and\s+`\w+\.solution\(\)`(?:\s+prints)?\s+(?:a|the)\s+(?:reference\s+)?solution(?=[.;,])", re.S
)
_DIRECTIVE_START = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}", re.M)


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def _strip_solution_directives(text: str) -> str:
    """``text`` without its ``{solution}`` directive blocks (backtick or colon fences, nested ones included)."""
    out, pos = [], 0
    for match in _DIRECTIVE_START.finditer(text):
        if match.start() < pos or match.group("name") != "solution":
            continue
        fence = match.group("fence")
        end = re.compile(rf"^{re.escape(fence)}\s*$", re.M).search(text, match.end())
        stop = len(text) if end is None else end.end()
        out.append(text[pos:match.start()])
        pos = stop
    out.append(text[pos:])
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n")


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a code cell assigns, names it loads); magics and shell lines are ignored."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set(), set()
    stored, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return stored, loaded


def _note_cell() -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {"qgan": {"release": "replaced"}}, "source": RELEASE_NOTE}


def release_notebook(notebook: Mapping[str, Any], *, chapter: str | None = None) -> dict[str, Any]:
    """The student release of one instructor notebook (a new dict; the input is not modified).

    Parameters
    ----------
    notebook : mapping
        The parsed ``.ipynb`` (nbformat 4 JSON).
    chapter : str, optional
        The chapter's name (the notebook's file stem), stored in ``metadata.qgan.chapter``.

    Returns
    -------
    dict
        The notebook without solution dropdowns, without hidden cells that use a reference solution,
        without pointers to ``ex.solution()``, with every visible cell that uses a reference solution
        (and every later cell that uses a name only such a cell defines) replaced by a note, and with
        outputs and execution counts cleared.

    Raises
    ------
    TypeError
        If ``notebook`` has no list of ``cells``.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "f = ex.load_solution()"},
    ...                 {"cell_type": "code", "metadata": {}, "outputs": [], "source": "print(f(2))"},
    ...                 {"cell_type": "code", "metadata": {}, "outputs": [], "source": "print(3)"}], "metadata": {}}
    >>> [c["cell_type"] for c in release_notebook(nb)["cells"]]
    ['markdown', 'code']
    """
    if not isinstance(notebook, Mapping) or not isinstance(notebook.get("cells"), list):
        raise TypeError(f"notebook: expected a notebook dict with a list of 'cells', got {type(notebook).__name__}")
    nb = copy.deepcopy(dict(notebook))
    cells: list[dict[str, Any]] = []
    tainted: set[str] = set()  # names whose value came from a reference solution
    for cell in nb["cells"]:
        source = _source(cell)
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") == "markdown":
            text = _POINTER.sub("", _strip_solution_directives(source))
            if text.strip():
                cells.append({**cell, "source": text})
            continue
        if cell.get("cell_type") != "code":
            cells.append(cell)
            continue
        if cell.get("metadata", {}).get("qgan", {}).get("colab") == "install":
            continue  # installs the instructor repository on Colab; the release README says how to install
        stored, loaded = _names(source)
        uses_solution = bool(_SOLUTION_USE.search(source)) or bool(loaded & (tainted - stored))
        if uses_solution:
            tainted |= stored
            if "remove-cell" not in tags and not (cells and cells[-1]["metadata"].get("qgan", {}).get("release")):
                cells.append(_note_cell())
            continue
        tainted -= stored
        cells.append({**cell, "outputs": [], "execution_count": None})
    nb["cells"] = cells
    meta = dict(nb.get("metadata") or {})
    meta["qgan"] = {"release": "student", **({"chapter": chapter} if chapter else {})}
    nb["metadata"] = meta
    return nb
