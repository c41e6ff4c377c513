"""The shape every chapter shares, for the reader of the static site (checked on the committed notebooks).

* The page opens with its reading time and difficulty, and the stated time matches what the page holds:
  words of prose at 200 a minute plus visible code at 30 lines a minute, within a few minutes; no page
  asks for more than about 30 minutes.
* Visible code stays at most :data:`MAX_VISIBLE_CODE` lines; ``glue()`` calls live in removed cells and
  plotting code behind ``hide-input``, so that a reader sees the idea and not the bookkeeping.
* Figures are drawn at most 7.2 inches wide with the course style (labels at 10-11 pt), so the site shows
  them near their drawn size; no font is set below 10 pt.
* Every exercise has graded hints (a nudge, then stronger ones).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qgan_helpers.course.checks import exercise

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
MAX_VISIBLE_CODE = 375
MAX_MINUTES = 30
WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 30
HEADER = re.compile(r"^\*About (\d+) minutes of reading[^*]*Difficulty: (introductory|intermediate|advanced)\.\*$", re.M)
PLOTTING = re.compile(r"\bplt\.(subplots|figure|subplot)\(|\bfig\.add_subplot\(")


def _cells(path: Path) -> list[dict]:
    out = []
    for cell in json.loads(path.read_text(encoding="utf8"))["cells"]:
        source = "".join(cell["source"])
        out.append({"type": cell["cell_type"], "source": source, "tags": set(cell.get("metadata", {}).get("tags", []))})
    return out


def _visible_code(path: Path) -> list[dict]:
    return [c for c in _cells(path) if c["type"] == "code" and not c["tags"] & HIDDEN]


def reading_minutes(path: Path) -> float:
    """Minutes a reader needs: prose words at 200 a minute plus visible code at 30 lines a minute."""
    words = sum(len(c["source"].split()) for c in _cells(path) if c["type"] == "markdown")
    code = sum(len(c["source"].splitlines()) for c in _visible_code(path))
    return words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_page_states_its_reading_time_and_difficulty(path: Path) -> None:
    first = next(c for c in _cells(path) if c["type"] == "markdown")
    match = HEADER.search(first["source"])
    assert match, f"{path.name}: the first Markdown cell lacks '*About N minutes of reading; ... Difficulty: D.*'"
    stated, estimate = int(match.group(1)), reading_minutes(path)
    assert estimate <= MAX_MINUTES, f"{path.name}: about {estimate:.0f} minutes of reading (at most {MAX_MINUTES})"
    assert abs(stated - estimate) <= max(4.0, 0.2 * estimate), f"{path.name}: states {stated} min, holds {estimate:.1f}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_visible_code_is_the_idea_not_the_bookkeeping(path: Path) -> None:
    visible = _visible_code(path)
    lines = sum(len(c["source"].splitlines()) for c in visible)
    assert lines <= MAX_VISIBLE_CODE, f"{path.name}: {lines} visible code lines (at most {MAX_VISIBLE_CODE})"
    glued = [c["source"][:80] for c in _cells(path) if c["type"] == "code" and re.search(r"\bglue\(", c["source"])
             and "remove-cell" not in c["tags"] and not c["source"].lstrip().startswith(("from", "import"))]
    assert not glued, f"{path.name}: glue() in cells the reader sees:\n" + "\n".join(glued)
    plotting = [c["source"][:80] for c in visible if PLOTTING.search(c["source"])]
    assert not plotting, f"{path.name}: plotting code not behind hide-input:\n" + "\n".join(plotting)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_fit_the_column_and_fonts_stay_readable(path: Path) -> None:
    code = "\n".join(c["source"] for c in _cells(path) if c["type"] == "code")
    wide = [float(w) for w in re.findall(r"figsize\s*=\s*\(\s*([0-9.]+)", code) if float(w) > 7.2]
    assert not wide, f"{path.name}: figures drawn {wide} inches wide (at most 7.2)"
    small = re.findall(r"fontsize\s*=\s*([0-9.]+|[\"'](?:x{0,2}-?small)[\"'])", code)
    small = [s for s in small if not s[0].isdigit() or float(s) < 10]
    assert not small, f"{path.name}: fonts set below 10 pt: {small}"
    if PLOTTING.search(code) or "show_images(" in code:
        assert "use_course_style()" in code, f"{path.name}: draws figures without use_course_style()"


def _labels() -> list[str]:
    found = []
    for path in NOTEBOOKS:
        for cell in _cells(path):
            if cell["type"] == "markdown":
                found += re.findall(r"^:label:\s*(ex-\S+)", cell["source"], re.M)
    return found


@pytest.mark.parametrize("label", _labels())
def test_every_exercise_has_graded_hints(label: str) -> None:
    hints = exercise(label).hints
    assert len(hints) >= 2, f"{label}: {len(hints)} hint(s); give a nudge first, then stronger hints"
    assert len(set(hints)) == len(hints), f"{label}: repeated hints"
