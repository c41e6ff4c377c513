"""The contributor page ``book/package-map.md`` tells the truth about the package's structure.

The page's table names every unit of ``qgan_helpers`` (a subpackage or a top-level module), its layer
and the units it uses. This test reads the imports of every module (``import`` and ``from ... import``
statements, also those inside functions) and checks that

* every unit is in the table, and nothing else is;
* each unit uses exactly the units the table says;
* every use points to a lower layer, so the imports never run in a circle;
* every file the page's "Where to find" list names exists.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "qgan_helpers"
PAGE = ROOT / "book" / "package-map.md"
ROW = re.compile(r"^\| (\d+) \| `(\w+)` \| .+ \| (.+) \|$")
SKIPPED = {"__init__", "__main__"}  # the package's face and ``python -m qgan_helpers``


def _unit(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_units(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "qgan_helpers":
                continue
            found |= {a.name for a in node.names} if len(parts) == 1 else {parts[1]}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("qgan_helpers.")}
    return found


def import_graph() -> dict[str, set[str]]:
    """Unit -> the other units of the package it imports (the reference solutions excluded)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        if "solutions" in path.relative_to(PACKAGE).parts:
            continue
        unit = _unit(path)
        if unit in SKIPPED:
            continue
        graph[unit] |= _imported_units(ast.parse(path.read_text(encoding="utf8"))) - {unit, "__version__"}
    return graph


def units() -> set[str]:
    out = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return out - SKIPPED


def page_table() -> dict[str, tuple[int, set[str]]]:
    table = {}
    for line in PAGE.read_text(encoding="utf8").splitlines():
        if m := ROW.match(line):
            uses = set(re.findall(r"`(\w+)`", m.group(3)))
            table[m.group(2)] = (int(m.group(1)), uses)
    return table


def test_the_table_names_every_unit_and_only_those():
    assert set(page_table()) == units()


def test_each_unit_uses_what_the_table_says():
    graph, table = import_graph(), page_table()
    wrong = {u: {"page": sorted(table[u][1]), "code": sorted(graph.get(u, set()))}
             for u in table if table[u][1] != graph.get(u, set())}
    assert not wrong, f"book/package-map.md disagrees with the imports: {wrong}"


def test_imports_only_point_down_the_layers():
    table = page_table()
    upward = [f"{u} (layer {layer}) -> {v} (layer {table[v][0]})"
              for u, (layer, uses) in table.items() for v in uses if table[v][0] >= layer]
    assert not upward, f"imports that do not point to a lower layer: {upward}"


def test_every_file_the_page_names_exists():
    named = set(re.findall(r"`((?:qgan_helpers|tests)/[\w/]+\.py)`", PAGE.read_text(encoding="utf8")))
    assert len(named) > 10
    missing = sorted(n for n in named if "<" not in n and not (ROOT / n).is_file())
    assert not missing, missing


def test_a_broken_layer_would_be_caught():
    # the check is not vacuous: an import from a lower unit to a higher one is an upward arrow
    table = page_table()
    assert table["quantum"][0] < table["training"][0] and "training" not in table["quantum"][1]
    src = "from qgan_helpers.training import train_gan\nimport qgan_helpers.models.sampling\n"
    assert _imported_units(ast.parse(src)) == {"training", "models"}
