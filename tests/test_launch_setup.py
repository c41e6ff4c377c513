"""The Binder set-up behind the site's launch buttons installs the course's package, not only its requirements.

Binder (repo2docker) reads ``.binder/`` instead of the repository's root when the folder exists: its
``requirements.txt`` is installed, then ``postBuild`` runs in the repository's folder. Without the
package the first cell of every chapter fails with ``ModuleNotFoundError: qgan_helpers``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / ".binder"


def test_binder_installs_the_pinned_requirements() -> None:
    lines = [ln.strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()]
    assert "-r ../requirements.txt" in lines, "Binder must install the course's pinned set"
    assert any(ln.startswith("--extra-index-url https://download.pytorch.org/whl/cpu") for ln in lines)


def test_binder_post_build_installs_the_package(tmp_path: Path) -> None:
    script = BINDER / "postBuild"
    assert os.access(script, os.X_OK), ".binder/postBuild must be executable"
    text = script.read_text()
    assert "pip install" in text and "-e ." in text
    # Run it with a stand-in python that records its arguments: it installs from the repository folder.
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\necho \"$PWD|$*\" >> {tmp_path / 'calls'}\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", str(script)], cwd=ROOT, env=env, check=True, capture_output=True)
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == f"{ROOT}|-m pip install --no-deps --no-build-isolation -e .", calls
    assert sys.executable  # the real interpreter is untouched by the stand-in
