"""The student edition of the book: the same sources, every solution removed.

Jupyter Book 1.x reads exactly one configuration file: ``jupyter-book build . --config FILE`` uses
FILE *instead of* ``_config.yml`` (it is not merged). So the student configuration is not a second,
hand-kept copy: :func:`write_student_config` derives it from ``_config.yml`` at build time, changing
only what the student edition needs:

* ``sphinx.config.hide_solutions: true`` -- sphinx-exercise then drops every ``{solution}``
  directive before its body is parsed, so the ``{literalinclude}`` of the solution file never runs;
* the title gets the suffix " (Student edition)" and an announcement bar says so;
* ``sphinx.local_extensions`` paths become absolute (Jupyter Book resolves them against the folder
  of the configuration file, which is no longer the repository's root);
* ``execute.cache`` points to the cache of the instructor build (``_build/.jupyter_cache``), so a
  student build after ``make book`` re-executes nothing (pass ``execute=False`` for a build that
  executes nothing at all).

:func:`find_leaks` proves the result: it takes distinctive lines of every reference solution
(:func:`solution_fingerprints`) and searches every file of a built site for them, and it searches
Sphinx's search index (which holds stemmed words, not lines) for words that only the solutions use.

Command line (the Makefile's ``student`` target)::

    python -m qgan_helpers.course.edition config  --out _build/student/_config.yml
    jupyter-book build . --config _build/student/_config.yml --path-output _build/student
    python -m qgan_helpers.course.edition check _build/student/_build/html
    python -m qgan_helpers.course.edition release --out _build/student/release

The last command writes what students receive -- release notebooks, the package without its
solutions, a zip -- and fails if any solution text is in it (:mod:`qgan_helpers.course.release`).

Examples
--------
>>> cfg = student_config({"title": "Q", "execute": {"execute_notebooks": "cache"}}, cache_path="/c")
>>> cfg["title"], cfg["sphinx"]["config"]["hide_solutions"], cfg["execute"]["cache"]
('Q (Student edition)', True, '/c')
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = [
    "ROOT",
    "SOLUTIONS_DIR",
    "STUDENT_SUFFIX",
    "Leak",
    "student_config",
    "write_student_config",
    "write_instructor_config",
    "book_texts",
    "solution_fingerprints",
    "solution_only_words",
    "search_index_words",
    "find_leaks",
    "main",
]

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS_DIR = Path(__file__).resolve().parent / "solutions"
STUDENT_SUFFIX = " (Student edition)"
ANNOUNCEMENT = "Student edition: the solutions of the exercises are not included."

# Suffixes of the files of a built site that hold text a reader can see or download.
TEXT_SUFFIXES = {".html", ".txt", ".js", ".json", ".ipynb", ".md", ".py", ".tex", ".xml", ".svg", ".inv"}
# Lines too common to identify a solution (they also occur in the book's own code cells).
_SHORTEST_FINGERPRINT = 12
_BOILERPLATE = re.compile(r"^(import |from |def |class |return$|return None|if __name__|@|#|\"\"\"|''')")


def student_config(
    config: Mapping[str, Any],
    *,
    cache_path: str | Path | None = None,
    execute: bool = True,
    base: str | Path | None = None,
) -> dict[str, Any]:
    """The student-edition configuration derived from the book's configuration.

    Parameters
    ----------
    config : mapping
        The parsed ``_config.yml`` (it is not modified).
    cache_path : str or Path, optional
        The execution cache to (re)use; ``None`` keeps the configured one.
    execute : bool
        ``False`` sets ``execute.execute_notebooks: "off"`` (a fast build without outputs).
    base : str or Path, optional
        The folder of the original ``_config.yml``. Jupyter Book resolves ``sphinx.local_extensions``
        paths against the folder of the configuration file it reads, so they are made absolute
        against ``base`` (the generated file lives elsewhere).

    Returns
    -------
    dict
        A new configuration: ``hide_solutions: true``, title suffix " (Student edition)",
        an announcement bar; everything else as in ``config``.

    Raises
    ------
    TypeError
        If ``config`` is not a mapping, or its ``sphinx``/``sphinx.config``/``execute``/``html``
        entries are not mappings.

    Examples
    --------
    >>> student_config({"title": "Q"}, execute=False)["execute"]["execute_notebooks"]
    'off'
    """
    if not isinstance(config, Mapping):
        raise TypeError(f"config: expected a mapping (the parsed _config.yml), got {type(config).__name__}")
    out: dict[str, Any] = copy.deepcopy(dict(config))
    for key in ("sphinx", "execute", "html"):
        if not isinstance(out.get(key) or {}, Mapping):
            raise TypeError(f"config: expected '{key}' to be a mapping, got {type(out[key]).__name__}")
    sphinx = out.setdefault("sphinx", {}) or {}
    out["sphinx"] = sphinx
    if not isinstance(sphinx.get("config") or {}, Mapping):
        raise TypeError(f"config: expected 'sphinx.config' to be a mapping, got {type(sphinx['config']).__name__}")
    sphinx["config"] = dict(sphinx.get("config") or {})
    sphinx["config"]["hide_solutions"] = True
    if base is not None:
        _relocate(out, base)

    title = str(out.get("title") or "Jupyter Book")
    out["title"] = title if title.endswith(STUDENT_SUFFIX) else title + STUDENT_SUFFIX

    html = dict(out.get("html") or {})
    html["announcement"] = ANNOUNCEMENT
    out["html"] = html

    execute_cfg = dict(out.get("execute") or {})
    if cache_path is not None:
        execute_cfg["cache"] = str(cache_path)
    if not execute:
        execute_cfg["execute_notebooks"] = "off"
    out["execute"] = execute_cfg
    return out


def _relocate(config: dict[str, Any], base: str | Path) -> None:
    """Make ``sphinx.local_extensions`` paths absolute against ``base`` (in place)."""
    local = (config.get("sphinx") or {}).get("local_extensions")
    if isinstance(local, Mapping):
        config["sphinx"]["local_extensions"] = {
            name: path if Path(str(path)).is_absolute() else str((Path(base) / str(path)).resolve())
            for name, path in local.items()
        }


def _read_config(source: str | Path | None) -> tuple[Path, dict[str, Any]]:
    import yaml

    source = Path(source) if source is not None else ROOT / "_config.yml"
    if not source.is_file():
        raise FileNotFoundError(f"source: expected the book's _config.yml, got {source} (no such file)")
    return source, yaml.safe_load(source.read_text(encoding="utf8")) or {}


def _write_yaml(out: str | Path, config: Mapping[str, Any], header: str) -> Path:
    import yaml

    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True), encoding="utf8")
    return out


def write_instructor_config(out: str | Path, *, source: str | Path | None = None, execute: bool = True) -> Path:
    """Write the book's own configuration elsewhere (for a build into another folder, e.g. a test).

    Only what must change for a file in another folder changes: ``sphinx.local_extensions`` paths
    become absolute; ``execute=False`` sets ``execute.execute_notebooks: "off"``.

    Parameters
    ----------
    out : str or Path
        The file to write.
    source : str or Path, optional
        The book's configuration; default ``<repository>/_config.yml``.
    execute : bool
        ``False`` writes a configuration that executes nothing.

    Returns
    -------
    Path
        The absolute path of the written file.

    Raises
    ------
    FileNotFoundError
        If ``source`` does not exist.

    Examples
    --------
    >>> import tempfile
    >>> p = write_instructor_config(Path(tempfile.mkdtemp()) / "i.yml", execute=False)
    >>> "hide_solutions" in p.read_text(), "execute_notebooks: 'off'" in p.read_text()
    (False, True)
    """
    source, config = _read_config(source)
    config = copy.deepcopy(config)
    _relocate(config, source.resolve().parent)
    if not execute:
        config["execute"] = {**(config.get("execute") or {}), "execute_notebooks": "off"}
    return _write_yaml(out, config, f"# GENERATED from {source}: the instructor edition, relocated.\n")


def write_student_config(
    out: str | Path,
    *,
    source: str | Path | None = None,
    cache_path: str | Path | None = None,
    execute: bool = True,
) -> Path:
    """Write the student configuration (see :func:`student_config`) as YAML.

    Parameters
    ----------
    out : str or Path
        The file to write, e.g. ``_build/student/_config.yml`` (its folder is created).
    source : str or Path, optional
        The book's configuration; default ``<repository>/_config.yml``.
    cache_path : str or Path, optional
        The execution cache; default the instructor build's: ``execute.cache`` of ``source`` if set,
        otherwise ``<source folder>/_build/.jupyter_cache`` (where ``jupyter-book build .`` keeps it),
        made absolute, so that it does not depend on ``--path-output``.
    execute : bool
        ``False`` writes a configuration that executes nothing.

    Returns
    -------
    Path
        The absolute path of the written file.

    Raises
    ------
    FileNotFoundError
        If ``source`` does not exist.

    Examples
    --------
    >>> import tempfile
    >>> p = write_student_config(Path(tempfile.mkdtemp()) / "student.yml")
    >>> "hide_solutions: true" in p.read_text()
    True
    """
    source, config = _read_config(source)
    if cache_path is None:
        configured = (config.get("execute") or {}).get("cache")
        cache_path = source.resolve().parent / (configured or Path("_build") / ".jupyter_cache")
    cfg = student_config(
        config, cache_path=Path(cache_path).resolve(), execute=execute, base=source.resolve().parent
    )
    header = (
        f"# GENERATED by `python -m qgan_helpers.course.edition config` from {source}: do not edit.\n"
        "# The student edition: sphinx-exercise hide_solutions, title suffix, shared execution cache.\n"
    )
    return _write_yaml(out, cfg, header)


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


def main(argv: list[str] | None = None) -> int:
    """``python -m qgan_helpers.course.edition {config,check}``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m qgan_helpers.course.edition", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cfg = sub.add_parser("config", help="write the student-edition configuration")
    cfg.add_argument("--out", required=True, help="file to write, e.g. _build/student/_config.yml")
    cfg.add_argument("--source", default=None, help="the book's _config.yml (default: the repository's)")
    cfg.add_argument("--cache", default=None, help="execution cache (default: <book>/_build/.jupyter_cache)")
    cfg.add_argument("--no-execute", action="store_true", help="execute nothing (no outputs)")
    chk = sub.add_parser("check", help="fail if solution text is in a built site")
    chk.add_argument("site", help="the built HTML folder, e.g. _build/student/_build/html")
    rel = sub.add_parser("release", help="write the student release (notebooks, package, zip) and check it")
    rel.add_argument("--out", required=True, help="the release folder, e.g. _build/student/release")
    args = parser.parse_args(argv)

    if args.command == "release":
        from qgan_helpers.course.release import build_release, release_leaks

        release = build_release(args.out)
        leaks = release_leaks(release.folder, zip_path=release.zip_path)
        for leak in leaks:
            print(f"LEAK {leak}")
        replaced = ", ".join(f"{k}: {v}" for k, v in release.replaced.items() if v) or "none"
        print(f"{'FAILED' if leaks else 'ok'}: {len(release.notebooks)} notebooks in {release.folder}, "
              f"zip {release.zip_path}; cells that used a solution replaced by a note: {replaced}; "
              f"{len(leaks)} leaks")
        return 1 if leaks else 0

    if args.command == "config":
        path = write_student_config(args.out, source=args.source, cache_path=args.cache, execute=not args.no_execute)
        print(path)
        return 0
    texts = book_texts()
    prints = solution_fingerprints(book_texts=texts)
    words = solution_only_words(texts)
    leaks = find_leaks(args.site, prints, words=words)
    n_lines = sum(len(v) for v in prints.values())
    n_files = len(_site_files(Path(args.site)))
    for leak in leaks:
        print(f"LEAK {leak}")
    print(
        f"{'FAILED' if leaks else 'ok'}: searched {n_files} files of {args.site} for {n_lines} lines and "
        f"{sum(len(v) for v in words.values())} search words of {len(prints)} solutions: {len(leaks)} found"
    )
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
