"""The repository's own rules: clean notebooks, a table of contents that lists what exists."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def committed_notebooks() -> list[Path]:
    """Notebooks under book/ that git tracks (all of them when git is not available)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "book"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        tracked = [ROOT / p for p in out if p.endswith(".ipynb")]
    except (OSError, subprocess.CalledProcessError):
        tracked = []
    on_disk = [p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sorted(set(tracked) | set(on_disk))


def dirty_cells(nb: dict) -> list[int]:
    return [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def test_there_are_notebooks():
    assert len(committed_notebooks()) >= 3


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text())
    bad = dirty_cells(nb)
    assert not bad, f"{path.name}: code cells {bad} carry outputs or execution counts; strip them before committing"


def test_dirty_cell_detection_catches_outputs():
    nb = {
        "cells": [
            {"cell_type": "code", "outputs": [], "execution_count": None},
            {"cell_type": "code", "outputs": [{"output_type": "stream"}], "execution_count": None},
            {"cell_type": "code", "outputs": [], "execution_count": 3},
            {"cell_type": "markdown"},
        ]
    }
    assert dirty_cells(nb) == [1, 2]


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part["chapters"]]
    return files


def test_toc_lists_exactly_the_pages_that_exist():
    listed = set(toc_files())
    for name in listed:
        assert (ROOT / f"{name}.md").exists() or (ROOT / f"{name}.ipynb").exists(), f"_toc.yml lists missing {name}"
    pages = {
        str(p.relative_to(ROOT).with_suffix(""))
        for p in (ROOT / "book").rglob("*")
        if p.suffix in {".md", ".ipynb"} and ".ipynb_checkpoints" not in p.parts
    }
    assert pages == listed, f"pages not in _toc.yml: {sorted(pages - listed)}"


def test_notebooks_are_seeded_and_use_the_python3_kernel():
    for path in committed_notebooks():
        nb = json.loads(path.read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert "seed_everything(" in code, f"{path.name} never seeds its random number generators"
