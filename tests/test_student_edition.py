"""The student edition: no solution text reaches the student site (and it does reach the instructor site).

The module builds the book twice from the repository, as listed in ``_config.yml`` / ``_toc.yml``, with
execution off (solutions are Markdown directives, so execution does not change where their text goes):
once with the student configuration of :mod:`qgan_helpers.course.edition` and once as the instructor site. Both
builds run in parallel and take about 15-30 s on 2 cores. Every solution file is fingerprinted (its
distinctive lines and the search words only it uses) and searched for in every file of both sites: pages,
``_sources`` (the download button), scripts and ``searchindex.js``. The executed build is checked the same
way by ``python -m qgan_helpers.course.edition check _build/student/_build/html`` (``make student``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qgan_helpers.course import edition
from qgan_helpers.course.edition import (
    ANNOUNCEMENT,
    STUDENT_SUFFIX,
    Leak,
    book_texts,
    find_leaks,
    search_index_words,
    solution_fingerprints,
    solution_only_words,
    student_config,
    write_instructor_config,
    write_student_config,
)

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
SOLUTION_INCLUDE = re.compile(r"```\{literalinclude\}\s+\S*?solutions/(ex_\w+)\.py")


# -- what the site ships ---------------------------------------------------------------------------
def toc_pages() -> list[str]:
    """Every file the table of contents lists (root, parts, chapters, sections), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    pages.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return pages


def shipped_solutions() -> dict[str, str]:
    """``{solution stem: page}`` for every solution a ``{solution}`` dropdown of a listed page includes."""
    out = {}
    for page in toc_pages():
        path = ROOT / f"{page}.ipynb"
        if not path.exists():
            continue
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and "{solution}" in source:
                out.update({stem: page for stem in SOLUTION_INCLUDE.findall(source)})
    return out


def test_the_book_ships_solutions():
    shipped = shipped_solutions()
    assert len(shipped) >= 3, shipped
    for stem in shipped:
        assert (ROOT / "qgan_helpers" / "course" / "solutions" / f"{stem}.py").is_file(), stem


# -- the two builds --------------------------------------------------------------------------------
def build_sites(tmp: Path) -> dict[str, Path]:
    """Build the student and the instructor site (execution off) in parallel; return their HTML folders."""
    configs = {
        "student": write_student_config(tmp / "student.yml", execute=False),
        "instructor": write_instructor_config(tmp / "instructor.yml", execute=False),
    }
    procs = {
        name: subprocess.Popen(
            [str(JUPYTER_BOOK), "build", str(ROOT), "--config", str(cfg), "--path-output", str(tmp / name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, cfg in configs.items()
    }
    out = {}
    for name, proc in procs.items():
        log = proc.communicate(timeout=900)[0]
        html = tmp / name / "_build" / "html"
        assert proc.returncode == 0 and (html / "index.html").is_file(), f"{name} build failed:\n{log[-3000:]}"
        out[name] = html
    return out


def test_every_shipped_solution_has_a_fingerprint():
    prints = solution_fingerprints(book_texts=book_texts())
    for stem in shipped_solutions():
        assert prints.get(stem), f"{stem}.py has no line to search for (all lines are taught by the book?)"


def test_no_solution_text_in_the_student_site_and_all_of_it_in_the_instructor_site(tmp_path, capsys):
    """One test for both builds, so that pytest-xdist never builds them twice (once per worker)."""
    sites = build_sites(tmp_path)
    texts = book_texts()
    fingerprints, words = solution_fingerprints(book_texts=texts), solution_only_words(texts)
    shipped = shipped_solutions()

    # 1. the student site: no line, no search word of any solution, in any file
    leaks = find_leaks(sites["student"], fingerprints, words=words)
    assert leaks == [], "solution text in the student site:\n" + "\n".join(map(str, leaks))

    # 2. ... and we searched what matters: every page, its downloadable source, a real search index
    html = sites["student"]
    for page in toc_pages():
        assert (html / f"{page}.html").is_file(), page
    sources = {p.name for p in (html / "_sources").rglob("*")}
    assert {Path(p).name + ".ipynb" for p in shipped.values()} <= sources
    assert len(search_index_words(html)) > 500

    # 3. not vacuous: the same search finds every line and word in the instructor site, on the right page
    found = find_leaks(sites["instructor"], {s: fingerprints[s] for s in shipped}, words={s: words[s] for s in shipped})
    found_lines = {(leak.solution, leak.text) for leak in found}
    for stem, page in shipped.items():
        for line in fingerprints[stem]:
            assert (stem, line) in found_lines, f"{stem}: {line!r} not found in the instructor site"
        assert any(leak.path == f"{page}.html" for leak in found if leak.solution == stem), (stem, page)
        for word in words[stem]:
            assert (stem, word) in found_lines, f"{stem}: search word {word!r} not in the instructor index"

    # 4. the student pages keep every exercise (and its number) and lose every solution box
    for page in sorted(set(shipped.values())):
        student = (sites["student"] / f"{page}.html").read_text()
        instructor = (sites["instructor"] / f"{page}.html").read_text()
        labels = re.findall(r'id="(ex-[a-z0-9-]+)"', instructor)
        assert labels, page
        for label in labels:
            assert f'id="{label}"' in student, f"{page}: exercise {label} missing in the student edition"
        numbers = re.findall(r'caption-number">Exercise ([0-9.]+)', instructor)
        assert len(numbers) == len(labels) and numbers == re.findall(r'caption-number">Exercise ([0-9.]+)', student)
        assert 'class="solution' in instructor, page
        assert 'class="solution' not in student and "solution dropdown" not in student, page

    # 5. the student site says what it is
    root = f"{toc_pages()[0]}.html"  # index.html only redirects to the root page
    student, instructor = ((sites[name] / root).read_text() for name in ("student", "instructor"))
    assert STUDENT_SUFFIX.strip() in student and ANNOUNCEMENT in student
    assert STUDENT_SUFFIX.strip() not in instructor and ANNOUNCEMENT not in instructor

    # 6. the command line the Makefile runs: passes on the student site, fails on the instructor site
    capsys.readouterr()
    assert edition.main(["check", str(sites["student"])]) == 0
    assert "0 found" in capsys.readouterr().out
    assert edition.main(["check", str(sites["instructor"])]) == 1
    assert "LEAK book/" in capsys.readouterr().out


# -- the pieces, without a build -------------------------------------------------------------------
def test_student_config_changes_only_what_it_must():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    before = json.dumps(cfg, sort_keys=True)
    out = student_config(cfg, cache_path="/x/cache")
    assert json.dumps(cfg, sort_keys=True) == before  # the input is not modified
    assert out["sphinx"]["config"]["hide_solutions"] is True
    assert out["title"] == cfg["title"] + STUDENT_SUFFIX
    assert out["execute"]["cache"] == "/x/cache"
    assert out["execute"]["execute_notebooks"] == cfg["execute"]["execute_notebooks"]
    assert out["html"]["announcement"] == ANNOUNCEMENT
    for key in set(cfg) - {"title", "sphinx", "execute", "html"}:
        assert out[key] == cfg[key], key
    assert {k: v for k, v in out["sphinx"]["config"].items() if k != "hide_solutions"} == cfg["sphinx"]["config"]
    assert student_config(out)["title"] == out["title"]  # the suffix is added once
    assert student_config({}, execute=False)["execute"] == {"execute_notebooks": "off"}
    local = {"sphinx": {"local_extensions": {"a": "book/_ext", "b": "/abs/ext"}}}
    relocated = student_config(local, base="/repo")["sphinx"]["local_extensions"]
    assert relocated == {"a": "/repo/book/_ext", "b": "/abs/ext"}
    assert student_config(local)["sphinx"]["local_extensions"] == {"a": "book/_ext", "b": "/abs/ext"}


def test_student_config_rejects_bad_input():
    with pytest.raises(TypeError, match=r"^config: expected a mapping .*got list"):
        student_config(["title"])
    with pytest.raises(TypeError, match=r"^config: expected 'sphinx' to be a mapping, got str"):
        student_config({"sphinx": "x"})
    with pytest.raises(TypeError, match=r"^config: expected 'sphinx.config' to be a mapping, got list"):
        student_config({"sphinx": {"config": [1]}})


def test_write_student_config(tmp_path):
    path = write_student_config(tmp_path / "sub" / "student.yml")
    cfg = yaml.safe_load(path.read_text())
    assert path.is_absolute() and cfg["sphinx"]["config"]["hide_solutions"] is True
    assert cfg["execute"]["cache"] == str(ROOT / "_build" / ".jupyter_cache")
    assert path.read_text().startswith("# GENERATED")
    assert edition.main(["config", "--out", str(tmp_path / "cli.yml"), "--no-execute", "--cache", "c"]) == 0
    cli = yaml.safe_load((tmp_path / "cli.yml").read_text())
    assert cli["execute"]["execute_notebooks"] == "off" and cli["execute"]["cache"] == str(Path("c").resolve())
    with pytest.raises(FileNotFoundError, match=r"^source: expected the book's _config.yml, got .*nope.yml"):
        write_student_config(tmp_path / "x.yml", source=tmp_path / "nope.yml")
    with pytest.raises(FileNotFoundError, match=r"^source: expected the book's _config.yml, got .*nope.yml"):
        write_instructor_config(tmp_path / "x.yml", source=tmp_path / "nope.yml")


def test_write_instructor_config_relocates_only(tmp_path):
    source = tmp_path / "repo" / "_config.yml"
    source.parent.mkdir()
    source.write_text(
        "title: T\nexecute:\n  execute_notebooks: cache\nsphinx:\n  local_extensions:\n    ext: book/_ext\n"
    )
    cfg = yaml.safe_load(write_instructor_config(tmp_path / "out" / "i.yml", source=source).read_text())
    assert cfg == {"title": "T", "execute": {"execute_notebooks": "cache"},
                   "sphinx": {"local_extensions": {"ext": str(source.parent / "book" / "_ext")}}}
    student = yaml.safe_load(write_student_config(tmp_path / "s.yml", source=source).read_text())
    assert student["execute"]["cache"] == str(source.parent / "_build" / ".jupyter_cache")
    source.write_text("title: T\nexecute:\n  cache: my_cache\n")
    student = yaml.safe_load(write_student_config(tmp_path / "s.yml", source=source).read_text())
    assert student["execute"]["cache"] == str(source.parent / "my_cache")
    off = yaml.safe_load(write_instructor_config(tmp_path / "i2.yml", source=source, execute=False).read_text())
    assert off["execute"] == {"cache": "my_cache", "execute_notebooks": "off"} and off["title"] == "T"


def _solutions(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "solutions"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_fingerprints_skip_boilerplate_and_taught_lines(tmp_path):
    folder = _solutions(
        tmp_path,
        {
            "ex_a_b.py": "import numpy as np\nfrom math import pi  # a long enough import line\n\n"
            "def answer_with_a_long_name(x):\n    # a comment that is long enough to count\n"
            "    value = np.sum(x ** 2) + pi * len(x)\n    return qml.probs(wires=[0, 1, 2, 3])\n",
            "ex_a_c.py": "def f(x):\n    return x + 1.5\n",
            "ex_a_d.py": "def g():\n    return 1\n",
            "notes.py": "this_line_is_not_a_solution_file = 123456\n",
        },
    )
    prints = solution_fingerprints(folder, book_texts=["  return qml.probs(wires=[0, 1, 2, 3])\n"])
    assert prints == {
        "ex_a_b": ["value = np.sum(x ** 2) + pi * len(x)"],
        "ex_a_c": ["return x + 1.5"],  # a short solution: its longest own line
        "ex_a_d": [],  # nothing distinctive left
    }
    assert solution_fingerprints(folder, min_length=5)["ex_a_c"] == ["return x + 1.5"]


def test_fingerprints_reject_bad_input(tmp_path):
    for bad in (0, -3, 2.5, True, "25"):
        with pytest.raises(ValueError, match=r"^min_length: expected a positive integer, got"):
            solution_fingerprints(min_length=bad)
    with pytest.raises(FileNotFoundError, match=r"^solutions_dir: expected a folder of ex_\*.py files, got"):
        solution_fingerprints(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match=r"^solutions_dir: expected a folder"):
        solution_only_words([], tmp_path / "missing")


def test_find_leaks_sees_escaped_and_indexed_text(tmp_path):
    folder = _solutions(tmp_path, {"ex_x_y.py": 'def f(a):\n    return a["key"] < 3 and zygomorphic_total\n'})
    line = 'return a["key"] < 3 and zygomorphic_total'
    prints = solution_fingerprints(folder)
    assert prints == {"ex_x_y": [line]}
    words = solution_only_words(["return a key and"], folder)
    assert words == {"ex_x_y": {"def", "f", "3", "zygomorphic_tot"}}  # Sphinx's words and stems

    site = tmp_path / "site"
    (site / "_sources").mkdir(parents=True)
    (site / "page.html").write_text("<pre>return a[&quot;key&quot;] &lt; 3 and zygomorphic_total</pre>")
    (site / "_sources" / "page.ipynb").write_text(json.dumps({"source": [line]}))
    (site / "clean.html").write_text("<p>nothing here</p>")
    index = {"terms": {"zygomorphic_tot": 0, "other": 1}, "titleterms": {}}
    (site / "searchindex.js").write_text(f"Search.setIndex({json.dumps(index)})")
    leaks = find_leaks(site, prints, words=words)
    assert sorted(map(str, leaks)) == sorted(
        [
            f"_sources/page.ipynb: text of ex_x_y.py: {line!r}",
            f"page.html: text of ex_x_y.py: {line!r}",
            "searchindex.js: text of ex_x_y.py: 'zygomorphic_tot'",
        ]
    )
    assert Leak("ex_x_y", "searchindex.js", "zygomorphic_tot") in leaks
    (site / "page.html").unlink()
    (site / "_sources" / "page.ipynb").unlink()
    (site / "searchindex.js").write_text('Search.setIndex({"terms": {"other": 1}})')
    assert find_leaks(site, prints, words=words) == []


def test_find_leaks_rejects_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^site: expected a built HTML folder, got"):
        find_leaks(tmp_path / "missing", {})
    with pytest.raises(FileNotFoundError, match=r"^html_dir: expected a built HTML site with searchindex.js"):
        search_index_words(tmp_path)


def test_book_texts_include_figure_captions_and_alt_text(tmp_path):
    """A word the book uses only in a figure's caption or alt text is the book's, not a solution's."""
    import json as _json

    (tmp_path / "book").mkdir()
    cell = {"cell_type": "code", "source": "plot()", "outputs": [], "execution_count": None,
            "metadata": {"mystnb": {"figure": {"caption": "the arrow tilts"},
                                    "image": {"alt": "a zebra-striped grid"}}}}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "book" / "page.ipynb").write_text(_json.dumps(nb))
    texts = book_texts(tmp_path)
    assert "the arrow tilts" in texts and "a zebra-striped grid" in texts
