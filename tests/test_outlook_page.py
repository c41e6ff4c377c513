"""The closing page book/outlook.md: every number it shows is glued from a chapter that computes it.

The page has no code of its own. Its numbers are cross-page glue references,
``{glue:text}`training.ipynb::train-q-frechet:.1f```, which myst-nb resolves when the site is built.
A renamed or removed key would only show up as a build warning; these tests catch it without a build:

* every cross-page reference names a notebook that exists and a key that the notebook's *source*
  glues: a literal ``glue("key", ...)`` or an f-string ``glue(f"train-{tag}-{key}", ...)`` whose
  fixed parts match and whose substituted parts are among the string literals the loop variables take
  (where those can be read from the code, e.g. ``for key in ("two_sample", "frechet")``);
* every reference carries a format spec (without one, myst-nb reads ``nb.ipynb::key`` as the local key
  ``nb.ipynb:`` with the format ``key``);
* the prose states no number of its own: digits outside glue references, math and a short list of
  names (``8x8``, ``CIFAR-10``, the reading time) fail the test;
* every citation key is in book/references.bib, every {doc} page, {ref} label and {term} exists.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
PAGE = BOOK / "outlook.md"

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
GLUE_ROLES = {"glue", "glue:", "glue:any", "glue:text", "glue:md"}
CITE_ROLES = {"cite", "cite:p", "cite:t", "cite:ps", "cite:ts", "footcite", "footcite:p", "footcite:t"}
# Digits the prose may contain: names of data and images, the reading-time line, and the two
# reference values of the two-sample test that the page explains (they are definitions, not results).
ALLOWED_DIGITS = re.compile(
    r"\b(?:8x8|28x28|3x3|2x2)\b|CIFAR-10|About 20 minutes|of 0\.5 means|\(1 means"
)


def page_text() -> str:
    return PAGE.read_text(encoding="utf-8")


def roles(text: str) -> list[tuple[str, str]]:
    return ROLE.findall(text)


# -- what a notebook's source glues ----------------------------------------------------------------
class NotebookGlue:
    """The glue keys a notebook's code cells store: literal keys and f-string patterns."""

    def __init__(self, path: Path) -> None:
        nb = json.loads(path.read_text(encoding="utf-8"))
        self.literal: set[str] = set()
        # an f-string key: its parts (str: fixed text, or the loop values of its field; None: unknown)
        self.patterns: list[list[str | set[str] | None]] = []
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            try:
                tree = ast.parse(source)
            except SyntaxError:  # IPython magics: fall back to a literal search
                self.literal.update(re.findall(r"glue\(\s*[\"']([^\"']+)[\"']", source))
                continue
            values: dict[str, set[str] | None] = {}  # loop variable of this cell -> its string literals
            for node in ast.walk(tree):
                if isinstance(node, (ast.For, ast.comprehension)):
                    self._add_loop(values, node.target, node.iter)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "glue" and node.args:
                    self._add_key(node.args[0], values)

    def _add_key(self, arg: ast.expr, values: dict[str, set[str] | None]) -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            self.literal.add(arg.value)
        elif isinstance(arg, ast.JoinedStr):
            parts: list[str | set[str] | None] = []
            for part in arg.values:
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                else:
                    value = part.value if isinstance(part, ast.FormattedValue) else part
                    parts.append(values.get(value.id) if isinstance(value, ast.Name) else None)
            self.patterns.append(parts)

    @staticmethod
    def _add_loop(values: dict[str, set[str] | None], target: ast.expr, iterable: ast.expr) -> None:
        """Record the string literals each loop variable takes, or None when they cannot be read."""
        names = [target] if isinstance(target, ast.Name) else list(getattr(target, "elts", []))
        items = getattr(iterable, "elts", None)  # a literal tuple or list
        for position, name in enumerate(names):
            if not isinstance(name, ast.Name):
                continue
            found: set[str] | None = set()
            if items is None:
                found = None
            else:
                for item in items:
                    element = item
                    if len(names) > 1:
                        elements = getattr(item, "elts", None)
                        element = elements[position] if elements and position < len(elements) else None
                    if isinstance(element, ast.Constant) and isinstance(element.value, str):
                        found.add(element.value)
                    else:
                        found = None
                        break
            previous = values.get(name.id, set())
            values[name.id] = None if found is None or previous is None else previous | found

    @staticmethod
    def _matches(key: str, parts: list[str | set[str] | None]) -> bool:
        """Whether some split of ``key`` fits the parts (fixed text, a known value, or any text)."""
        if not parts:
            return key == ""
        head, rest = parts[0], parts[1:]
        if isinstance(head, str):
            return key.startswith(head) and NotebookGlue._matches(key[len(head):], rest)
        if head is None:
            return any(NotebookGlue._matches(key[i:], rest) for i in range(1, len(key) + 1))
        return any(key.startswith(v) and NotebookGlue._matches(key[len(v):], rest) for v in head if v)

    def glues(self, key: str) -> bool:
        return key in self.literal or any(self._matches(key, parts) for parts in self.patterns)


@cache
def notebook_glue(name: str) -> NotebookGlue:
    return NotebookGlue(BOOK / name)


def cross_page_references(text: str) -> list[tuple[str, str, str, str]]:
    """``(role, notebook, key, format)`` for every ``nb.ipynb::key`` glue reference of the page."""
    out = []
    for role, content in roles(text):
        if role not in GLUE_ROLES or "::" not in content:
            continue
        head, _, fmt = content.rpartition(":") if role == "glue:text" else (content, "", "")
        notebook, _, key = head.partition("::")
        out.append((role, notebook, key, fmt))
    return out


# -- the tests ---------------------------------------------------------------------------------------
def test_the_page_exists_and_is_in_the_toc():
    assert PAGE.is_file()
    assert re.search(r"^\s*-\s*file:\s*book/outlook\s*$", (ROOT / "_toc.yml").read_text(), re.M)


def test_the_page_pastes_numbers_from_every_chapter_it_compares():
    notebooks = {nb for _, nb, _, _ in cross_page_references(page_text())}
    assert {"training.ipynb", "hybrid.ipynb", "born.ipynb", "hardware.ipynb", "tips.ipynb"} <= notebooks


def test_every_glue_reference_is_cross_page_text_with_a_format():
    for role, content in roles(page_text()):
        if role in GLUE_ROLES:
            assert role == "glue:text", f"{{{role}}}`{content}`: use {{glue:text}} (the page pastes numbers and names)"
            head, sep, fmt = content.rpartition(":")
            assert "::" in head and sep and fmt, (
                f"{{glue:text}}`{content}`: expected notebook.ipynb::key:format (a format spec is required, "
                "e.g. :.2f, :d or :s; without it myst-nb misreads the reference)"
            )
            assert fmt[-1] in "sdfeEgG%", f"{content}: format spec {fmt!r} does not end in a type character"


def test_every_glue_reference_names_a_key_its_notebook_glues():
    refs = cross_page_references(page_text())
    assert len(refs) >= 50, f"only {len(refs)} glue references found; the parser may be broken"
    missing = []
    for _, notebook, key, _ in refs:
        if not (BOOK / notebook).is_file():
            missing.append(f"{notebook} (no such notebook in book/)")
        elif not notebook_glue(notebook).glues(key):
            missing.append(f"{notebook}::{key}")
    assert not missing, "glue references whose key the notebook's source does not glue:\n  " + "\n  ".join(missing)


def test_the_glue_parser_rejects_renamed_keys():
    """Not vacuous: a key with a typo or with a value its loop never takes is not accepted."""
    training = notebook_glue("training.ipynb")
    assert training.glues("train-q-two_sample")  # f"train-{tag}-{key}", tag in (q, c, ...), key in (...)
    assert training.glues("train-zero-params")  # literal
    assert not training.glues("train-q-two-sample")  # the key's loop has "two_sample", not "two-sample"
    assert not training.glues("train-x-two_sample")  # no tag "x"
    assert not training.glues("train-zero-param")


def test_the_prose_states_no_number_of_its_own():
    text = page_text()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # directives (the bibliography)
    text = ROLE.sub(" ", text)  # glue, citations, links, terms
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", " ", text, flags=re.S)  # math: settings such as Gamma = 1
    text = re.sub(r"`[^`]*`", " ", text)  # inline code
    text = ALLOWED_DIGITS.sub(" ", text)
    typed = [line.strip() for line in text.splitlines() if re.search(r"\d", line)]
    assert not typed, "numbers typed into the page (glue them from the chapter instead):\n  " + "\n  ".join(typed)


def bib_keys() -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", (BOOK / "references.bib").read_text(encoding="utf-8"), re.M))


def test_every_citation_is_in_the_bibliography():
    cited = [key.strip() for role, content in roles(page_text()) if role in CITE_ROLES for key in content.split(",")]
    assert len(cited) >= 10
    missing = sorted(set(cited) - bib_keys())
    assert not missing, f"cited but not in book/references.bib: {missing}"


def test_the_bibliography_keys_are_unique():
    keys = re.findall(r"^@\w+\{([^,\s]+),", (BOOK / "references.bib").read_text(encoding="utf-8"), re.M)
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"duplicate keys in book/references.bib: {duplicates}"


def labels_in_book() -> set[str]:
    found = set()
    for path in BOOK.glob("*.ipynb"):
        found |= set(re.findall(r'"name": "([\w-]+)"', path.read_text(encoding="utf-8")))
        found |= set(re.findall(r"\(([\w-]+)\)=", path.read_text(encoding="utf-8")))
    for path in BOOK.glob("*.md"):
        found |= set(re.findall(r"^\(([\w-]+)\)=", path.read_text(encoding="utf-8"), re.M))
    return found


def glossary_terms() -> set[str]:
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return {line.strip().lower() for line in body.splitlines() if line and not line.startswith((" ", "\t"))}


@pytest.mark.parametrize("kind", ["doc", "ref", "term"])
def test_every_link_has_a_target(kind):
    targets = []
    for role, content in roles(page_text()):
        if role == kind:
            match = re.match(r"^(?:.*<(.+)>|(.+))$", content.strip(), re.S)
            targets.append((match.group(1) or match.group(2)).strip())
    assert targets, f"the page has no {{{kind}}} links"
    if kind == "doc":
        bad = [t for t in targets if not ((BOOK / f"{t}.md").is_file() or (BOOK / f"{t}.ipynb").is_file())]
    elif kind == "ref":
        bad = sorted(set(targets) - labels_in_book())
    else:
        bad = sorted({t for t in targets if " ".join(t.split()).lower() not in glossary_terms()})
    assert not bad, f"{{{kind}}} targets that do not exist: {bad}"
