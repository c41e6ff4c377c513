"""House style of the chapters' code, checked on the committed notebooks (no execution needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(p for p in BOOK.glob("*.ipynb"))
MAX_LINE = 88  # the width that fits the site's code blocks at 1280 px without scrolling


def _code_cells(path: Path) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text(encoding="utf8"))["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_page(path: Path) -> None:
    long = [f"cell {i}: {len(line)} characters: {line[:60]}..."
            for i, source in _code_cells(path) for line in source.splitlines() if len(line) > MAX_LINE]
    assert not long, f"{path.name}: code lines over {MAX_LINE} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_pages_work_without_the_book_build(path: Path) -> None:
    """``myst_nb`` exists only where the book is built: pages glue through ``qgan_helpers.course.page``,
    and read shipped files through the package (no ``../checkpoints``, no ``../benchmarks``)."""
    bad = [f"cell {i}: {line.strip()}" for i, source in _code_cells(path) for line in source.splitlines()
           if re.search(r"^\s*(from|import)\s+myst_nb\b", line) or re.search(r"""["']\.\./(checkpoints|benchmarks)""", line)
           or re.search(r"""/\s*["'](checkpoints|benchmarks)["']""", line)]
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_the_package_on_colab_only(path: Path) -> None:
    from IPython.core.inputtransformer2 import TransformerManager

    cells = json.loads(path.read_text(encoding="utf8"))["cells"]
    first = next(c for c in cells if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert first["metadata"].get("qgan", {}).get("colab") == "install", f"{path.name}: first code cell"
    assert "remove-cell" in first["metadata"].get("tags", []), "hidden on the site"
    assert 'if "google.colab" in sys.modules:' in source and "%pip install" in source
    extra = "[hardware]" if path.stem in {"hardware", "mitigation"} else ""
    assert f'"qgan_helpers{extra} @ git+{{REPOSITORY}}"' in source
    # IPython turns the indented magic into a call: the cell is valid in a kernel (and a no-op off Colab)
    code = TransformerManager().transform_cell(source)
    compile(code, path.name, "exec")
    assert "get_ipython().run_line_magic('pip'" in code
