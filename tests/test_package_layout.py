"""The package stays in small pieces: no module over 550 lines, no function over 80 lines of code.

The style the reviewers check: one concept per module (aim for ~500 lines at most) and functions short
enough to read at once. A function's length is its body from the first statement after the docstring to
its last line (blank lines and comments inside count, the ``def`` line, decorators and the docstring do
not). The reference solutions (``course/solutions/``) are course material, not package code: not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qgan_helpers"
EXCLUDED = ("course/solutions",)
MAX_MODULE_LINES = 550
MAX_FUNCTION_LINES = 80


def package_modules() -> list[Path]:
    """Every ``.py`` file of the package except the excluded folders, sorted."""
    return sorted(
        p for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts and not p.relative_to(PACKAGE).as_posix().startswith(EXCLUDED)
    )


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body without its docstring (see the module docstring)."""
    first = node.body[0]
    doc = 0
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        doc = first.end_lineno - first.lineno + 1
    return node.end_lineno - first.lineno + 1 - doc


def function_lengths(path: Path) -> list[tuple[str, int]]:
    """``[(qualified name, body lines)]`` of every function and method in ``path`` (nested ones too)."""
    return function_lengths_of(path.read_text(encoding="utf8"))


def function_lengths_of(source: str) -> list[tuple[str, int]]:
    """``[(qualified name, body lines)]`` of every function and method in ``source``."""
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append((f"{prefix}{child.name}", body_lines(child)))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return out


def test_body_lines_leave_out_the_signature_and_the_docstring():
    source = 'def f(\n    a,\n):\n    """Doc.\n\n    More.\n    """\n    x = a\n\n    # comment\n    return x\n'
    assert body_lines(ast.parse(source).body[0]) == 4
    assert function_lengths_of(source) == [("f", 4)]
    nested = "class A:\n    def m(self):\n        def inner():\n            return 1\n        return inner\n"
    assert function_lengths_of(nested) == [("A.m", 3), ("A.m.inner", 1)]


def test_the_package_has_modules():
    names = {p.relative_to(PACKAGE).as_posix() for p in package_modules()}
    assert "__init__.py" in names and "validation.py" in names
    assert not any(name.startswith("course/solutions/") for name in names)


def test_no_module_is_too_long():
    offenders = []
    for path in package_modules():
        n = len(path.read_text(encoding="utf8").splitlines())
        if n > MAX_MODULE_LINES:
            offenders.append(f"{path.relative_to(PACKAGE).as_posix()}: {n} lines")
    assert not offenders, (
        f"modules over {MAX_MODULE_LINES} lines (split them by concept):\n" + "\n".join(offenders)
    )


def test_no_function_is_too_long():
    offenders = []
    for path in package_modules():
        for name, n in function_lengths(path):
            if n > MAX_FUNCTION_LINES:
                offenders.append(f"{path.relative_to(PACKAGE).as_posix()}::{name}: {n} lines")
    assert not offenders, (
        f"functions over {MAX_FUNCTION_LINES} lines of code, docstring excluded (split them):\n"
        + "\n".join(offenders)
    )
