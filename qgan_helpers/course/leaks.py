"""The solution-leak check: what counts as solution text, and where it turns up in a built site.

The student edition (:mod:`qgan_helpers.course.edition`) drops every ``{solution}`` directive; this module
proves that nothing of a solution reached the site anyway:

* :func:`book_texts` -- everything the book shows besides the solutions (pages, cells, outputs, figure
  captions): text a solution may share without leaking;
* :func:`solution_fingerprints` -- distinctive lines of every reference solution that the book does not teach;
* :func:`solution_only_words` -- the search-index words (stems) that only a solution uses, since Sphinx's
  search index holds stemmed words, not lines;
* :func:`find_leaks` -- every :class:`Leak`: a fingerprint in any file of a built site (verbatim,
  HTML- or JSON-escaped, or in a page with its markup dropped), or a solution-only word in
  ``searchindex.js`` (:func:`search_index_words`).

The student release reuses the fingerprints for its own check (:func:`qgan_helpers.course.release.release_leaks`).

Examples
--------
>>> import tempfile
>>> site = Path(tempfile.mkdtemp())
>>> _ = (site / "page.html").write_text("<pre>return <span>probabilities_of_the_bell_state</span></pre>")
>>> [str(leak) for leak in find_leaks(site, {"ex_demo": ["return probabilities_of_the_bell_state"]})]
["page.html: text of ex_demo.py: 'return probabilities_of_the_bell_state'"]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ROOT",
    "SOLUTIONS_DIR",
    "TEXT_SUFFIXES",
    "Leak",
    "book_texts",
    "solution_fingerprints",
    "solution_only_words",
    "search_index_words",
    "find_leaks",
]

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS_DIR = Path(__file__).resolve().parent / "solutions"

# Suffixes of the files of a built site that hold text a reader can see or download.
TEXT_SUFFIXES = {".html", ".txt", ".js", ".json", ".ipynb", ".md", ".py", ".tex", ".xml", ".svg", ".inv"}
# Lines too common to identify a solution (they also occur in the book's own code cells).
_SHORTEST_FINGERPRINT = 12
_BOILERPLATE = re.compile(r"^(import |from |def |class |return$|return None|if __name__|@|#|\"\"\"|''')")


# -- what counts as solution text ------------------------------------------------------------------
def _strings(value: Any) -> list[str]:
    """Every string inside nested dicts and lists (e.g. a cell's ``mystnb`` figure metadata)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def book_texts(root: str | Path | None = None) -> list[str]:
    """The text of every page of the book: Markdown pages and the cells (sources, outputs, figure
    captions and alt text) of notebooks.

    Solution dropdowns only hold a ``{literalinclude}`` of the solution file, so this is the text the
    book shows besides the solutions.

    Parameters
    ----------
    root : str or Path, optional
        The repository (its ``book/`` folder is read); default this repository.

    Examples
    --------
    >>> any("{exercise}" in text for text in book_texts())
    True
    """
    root = Path(root) if root is not None else ROOT
    texts = []
    for path in sorted((root / "book").rglob("*")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        if path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf8"))
            texts += ["".join(c.get("source", "")) for c in nb.get("cells", [])]
            for cell in nb.get("cells", []):
                for output in cell.get("outputs", []):
                    texts.append(json.dumps(output))
                # figure captions and alt text (cell metadata that myst-nb puts on the page)
                texts += _strings(cell.get("metadata", {}).get("mystnb", {}))
        elif path.suffix == ".md":
            texts.append(path.read_text(encoding="utf8"))
    return texts


def solution_fingerprints(
    solutions_dir: str | Path | None = None, *, min_length: int = 25, book_texts: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Distinctive lines of every reference solution, to search a built site for.

    A line counts when, stripped, it is at least ``min_length`` characters long, is not an
    import, a ``def``/``class`` line, a decorator, a comment or a docstring delimiter, and does
    not occur in ``book_texts`` (a line the book itself teaches, e.g. ``return qml.probs(wires=[0, 1])``,
    is not a leak). Lines of a docstring count too (a solution's explanation is solution text).

    Parameters
    ----------
    solutions_dir : str or Path, optional
        Folder of ``ex_*.py`` files; default ``qgan_helpers/course/solutions``.
    min_length : int
        Shortest line that counts (positive).
    book_texts : iterable of str
        The rest of the book (see :func:`book_texts`); lines found in it are dropped.

    Returns
    -------
    dict
        ``{file stem: [lines]}`` for every ``ex_*.py`` file, sorted by stem. A solution too short
        to have such a line gets its longest own line (of at least 12 characters), if any.

    Raises
    ------
    ValueError
        If ``min_length`` is not a positive integer.
    FileNotFoundError
        If ``solutions_dir`` is not a folder.

    Examples
    --------
    >>> prints = solution_fingerprints()
    >>> all(len(line) >= 12 for lines in prints.values() for line in lines)
    True
    """
    if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
        raise ValueError(f"min_length: expected a positive integer, got {min_length!r}")
    folder = Path(solutions_dir) if solutions_dir is not None else SOLUTIONS_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"solutions_dir: expected a folder of ex_*.py files, got {folder}")
    taught = {raw.strip() for text in book_texts for raw in text.splitlines()}
    out: dict[str, list[str]] = {}
    for path in sorted(folder.glob("ex_*.py")):
        candidates: list[str] = []
        for raw in path.read_text(encoding="utf8").splitlines():
            line = raw.strip()
            if line and not _BOILERPLATE.match(line) and line not in taught and line not in candidates:
                candidates.append(line)
        lines = [line for line in candidates if len(line) >= min_length]
        if not lines:  # a very short solution: its longest own line, if it is not trivially short
            lines = sorted((c for c in candidates if len(c) >= _SHORTEST_FINGERPRINT), key=len)[-1:]
        out[path.stem] = lines
    return out


def _search_language() -> Any:
    """Sphinx's English search language: the same splitting, filtering and stemming as the index."""
    from sphinx.search.en import SearchEnglish

    return SearchEnglish({})


def _stems(text: str, lang: Any) -> set[str]:
    """The words Sphinx's ``IndexBuilder.feed`` would index for ``text``."""
    words = set()
    for word in lang.split(text):
        stemmed = lang.stem(word).lower()
        if not lang.word_filter(stemmed) and lang.word_filter(word):
            stemmed = word
        if lang.word_filter(stemmed):
            words.add(stemmed)
    return words


def solution_only_words(
    book_texts: Iterable[str], solutions_dir: str | Path | None = None
) -> dict[str, set[str]]:
    """Search-index words (stems) of each solution that no other text of the book uses.

    Parameters
    ----------
    book_texts : iterable of str
        Everything else the book shows (the sources of its pages, and outputs if any).
    solutions_dir : str or Path, optional
        Default ``qgan_helpers/course/solutions``.

    Returns
    -------
    dict
        ``{file stem: set of stems}``; in an instructor build these words are in the search index,
        in a student build they must not be.

    Examples
    --------
    >>> words = solution_only_words(["def bell_probabilities(): ..."])
    >>> all(isinstance(w, str) for ws in words.values() for w in ws)
    True
    """
    lang = _search_language()
    folder = Path(solutions_dir) if solutions_dir is not None else SOLUTIONS_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"solutions_dir: expected a folder of ex_*.py files, got {folder}")
    common: set[str] = set()
    for text in book_texts:
        common |= _stems(text, lang)
    return {p.stem: _stems(p.read_text(encoding="utf8"), lang) - common for p in sorted(folder.glob("ex_*.py"))}


# -- where it turns up in a built site ------------------------------------------------------------
def search_index_words(html_dir: str | Path) -> set[str]:
    """The words (stems) of a built site's ``searchindex.js``.

    Raises
    ------
    FileNotFoundError
        If ``html_dir`` has no ``searchindex.js``.
    """
    path = Path(html_dir) / "searchindex.js"
    if not path.is_file():
        raise FileNotFoundError(f"html_dir: expected a built HTML site with searchindex.js, got {html_dir}")
    text = path.read_text(encoding="utf8")
    payload = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return set(payload.get("terms", {})) | set(payload.get("titleterms", {}))


@dataclass(frozen=True)
class Leak:
    """Solution text found in a built site.

    Attributes
    ----------
    solution : str
        The solution file's stem, e.g. ``"ex_devices_bell"``.
    path : str
        The file of the site (relative to the site folder) that contains it.
    text : str
        The line (or search-index word) found.
    """

    solution: str
    path: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}: text of {self.solution}.py: {self.text!r}"


def _site_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES)


def _html_variants(line: str) -> set[str]:
    """A line as it can appear in a file: verbatim, HTML-escaped, JSON-escaped (notebooks)."""
    import html

    escaped = html.escape(line, quote=False)
    return {line, escaped, html.escape(line, quote=True), json.dumps(line)[1:-1]}


def _without_markup(page: str) -> str:
    """An HTML page as text: tags dropped, entities decoded (highlighted code becomes its source again)."""
    import html

    return html.unescape(re.sub(r"<[^>]*>", "", page))


def find_leaks(
    site: str | Path,
    fingerprints: Mapping[str, list[str]] | None = None,
    *,
    words: Mapping[str, set[str]] | None = None,
) -> list[Leak]:
    """Every place where solution text occurs in a built site.

    Parameters
    ----------
    site : str or Path
        A built HTML folder (``.../_build/html``), searched recursively: pages, ``_sources``,
        downloads, scripts and ``searchindex.js``.
    fingerprints : mapping, optional
        ``{solution: [lines]}``; default :func:`solution_fingerprints` of this book.
    words : mapping, optional
        ``{solution: {stems}}`` that must not be in the search index (see :func:`solution_only_words`).
        Default: no word check.

    Returns
    -------
    list of Leak
        Empty when the site is clean.

    Raises
    ------
    FileNotFoundError
        If ``site`` is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> site = Path(tempfile.mkdtemp())
    >>> _ = (site / "page.html").write_text("<p>x = 1</p>")
    >>> find_leaks(site, {"ex_demo": ["return probabilities_of_the_bell_state"]})
    []
    """
    site = Path(site)
    if not site.is_dir():
        raise FileNotFoundError(f"site: expected a built HTML folder, got {site}")
    fingerprints = solution_fingerprints(book_texts=book_texts()) if fingerprints is None else fingerprints
    variants = {(name, line): _html_variants(line) for name, lines in fingerprints.items() for line in lines}
    leaks: list[Leak] = []
    for path in _site_files(site):
        text = path.read_text(encoding="utf8", errors="replace")
        texts = [text, _without_markup(text)] if path.suffix == ".html" else [text]
        rel = str(path.relative_to(site))
        for (name, line), forms in variants.items():
            if any(form in t for form in forms for t in texts):
                leaks.append(Leak(name, rel, line))
    if words:
        indexed = search_index_words(site)
        for name, stems in words.items():
            for stem in sorted(stems & indexed):
                leaks.append(Leak(name, "searchindex.js", stem))
    return leaks
