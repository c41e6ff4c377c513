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
That check lives in :mod:`qgan_helpers.course.leaks`; its names are importable from here too.

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
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qgan_helpers.course.leaks import (
    ROOT,
    SOLUTIONS_DIR,
    Leak,
    _site_files,
    book_texts,
    find_leaks,
    search_index_words,
    solution_fingerprints,
    solution_only_words,
)

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

STUDENT_SUFFIX = " (Student edition)"
ANNOUNCEMENT = "Student edition: the solutions of the exercises are not included."


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
