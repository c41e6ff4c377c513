"""Package data: the checkpoints, results and feature networks the pages load live inside the package."""

from __future__ import annotations

import json
import re
from pathlib import Path

import qgan_helpers
from qgan_helpers import resources
from qgan_helpers.born.runs import CHECKPOINT_DIR
from qgan_helpers.course.results import RESULTS_DIR, load_result
from qgan_helpers.training import CHECKPOINTS_DIR

PACKAGE = Path(qgan_helpers.__file__).resolve().parent
ROOT = PACKAGE.parent


def test_every_kind_of_data_is_a_folder_of_the_package() -> None:
    for name, folder in resources.shipped().items():
        assert folder.is_dir() and any(folder.iterdir()), name
        assert PACKAGE in folder.resolve().parents, f"{name}: {folder} is outside the package"
    assert CHECKPOINTS_DIR == resources.checkpoints_dir() and CHECKPOINT_DIR == CHECKPOINTS_DIR / "born"
    assert RESULTS_DIR == resources.results_dir()


def test_every_checkpoint_has_its_provenance_and_every_result_reads() -> None:
    pts = sorted(CHECKPOINTS_DIR.rglob("*.pt"))
    assert len(pts) >= 10
    for pt in pts:
        assert pt.with_suffix(".json").is_file(), f"{pt.name} has no provenance"
        assert json.loads(pt.with_suffix(".json").read_text())["command"].startswith("python -m qgan_helpers")
    for result in sorted(RESULTS_DIR.glob("*.json")):
        assert isinstance(load_result(result.stem), dict)


def test_the_wheel_would_carry_every_data_file() -> None:
    """pyproject's package-data patterns match every file under checkpoints/, results/ and the weights."""
    text = (ROOT / "pyproject.toml").read_text()
    block = text[text.index("[tool.setuptools.package-data]"):]
    patterns = re.findall(r'"([^"]+)"', block[: block.index("\n\n") if "\n\n" in block else None])
    for folder in resources.shipped().values():
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = path.relative_to(PACKAGE)
                assert any(rel.match(p) for p in patterns), f"{rel} matches no package-data pattern"


def test_nothing_is_left_at_the_old_places() -> None:
    assert not (ROOT / "checkpoints").exists() and not (ROOT / "benchmarks" / "results").exists()
