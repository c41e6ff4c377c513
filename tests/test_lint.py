"""The code is lint-clean: ``ruff check`` with the configuration in ``pyproject.toml``.

Runs over the package, the tests, the benchmarks, the CI scripts and the chapters' code cells.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_is_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, "ruff check found problems (fix them, or `ruff check --fix`):\n" + proc.stdout[-6000:]
