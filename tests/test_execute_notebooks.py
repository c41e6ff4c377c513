""".ci/execute_notebooks.py (``make execute``): a failing or stuck notebook fails the step, by name.

Tiny notebooks in a temporary folder -- one good, one raising, one sleeping past a short cell timeout,
one whose kernel stops responding (SIGSTOP on itself) -- run through the script exactly as the Makefile
calls it. The good one must end up in the jupyter-cache where the site build looks it up; the others
must be reported with their error and left out of it, and the exit status must be non-zero.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "execute_notebooks.py"
TIMEOUT = "5"  # seconds per cell: the good cells take milliseconds, the bad ones never finish
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("execute_notebooks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _write(path: Path, *cells: Any) -> Path:
    nbformat.write(new_notebook(cells=list(cells), metadata=KERNEL), path)
    return path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("execute")
    nbs = {
        "good": _write(d / "good.ipynb", new_markdown_cell("# fine"), new_code_cell("answer = 6 * 7\nprint(answer)")),
        "raises": _write(d / "raises.ipynb", new_markdown_cell("# breaks"), new_code_cell("x = 1"),
                         new_code_cell("raise ValueError('the hidden check failed')")),
        "sleeps": _write(d / "sleeps.ipynb", new_code_cell("import time\ntime.sleep(600)")),
    }
    if hasattr(signal, "SIGSTOP"):  # a kernel that stops responding (POSIX only)
        nbs["frozen"] = _write(d / "frozen.ipynb", new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)"))
    cache = d / "cache"
    result = _run("--cache", str(cache), "--jobs", "2", "--timeout", TIMEOUT, *[str(p) for p in nbs.values()])
    return {"nbs": nbs, "cache": cache, "result": result, "out": result.stdout + result.stderr}


def test_a_failing_notebook_fails_the_step(project):
    assert project["result"].returncode == 1, project["out"]
    bad = len(project["nbs"]) - 1
    assert f"execute: FAILED: {bad} of {len(project['nbs'])} notebook(s) did not execute cleanly" in project["out"]


def test_a_raising_cell_is_named_with_its_error(project):
    out, path = project["out"], project["nbs"]["raises"]
    assert f"FAILED  {path} (cell 2): CellExecutionError: ValueError: the hidden check failed" in out
    assert "raise ValueError('the hidden check failed')" in out  # the first lines of the error: the cell


@pytest.mark.parametrize("name", ["sleeps", "frozen"])
def test_a_cell_past_the_timeout_is_named(project, name):
    if name not in project["nbs"]:
        pytest.skip("SIGSTOP is not available on this platform")
    out, path = project["out"], project["nbs"][name]
    assert f"FAILED  {path} (cell 0): CellTimeoutError: A cell timed out while it was being executed, after " \
           f"{TIMEOUT} seconds." in out


def test_the_good_notebook_passes_and_is_cached_for_the_build(project):
    from jupyter_cache import get_cache

    assert f"ok      {project['nbs']['good']} (" in project["out"]
    cache = get_cache(str(project["cache"]))
    # what myst-nb does with `execute_notebooks: cache`: merge the cached outputs into the notebook on disk
    _, executed = cache.merge_match_into_notebook(nbformat.read(project["nbs"]["good"], as_version=4))
    assert executed.cells[1].outputs[0]["text"] == "42\n"
    for name, path in project["nbs"].items():
        if name != "good":
            with pytest.raises(KeyError):
                cache.match_cache_notebook(nbformat.read(path, as_version=4))
            assert cache.get_project_record(str(path)).traceback  # `jcache notebook list` shows it failed


def test_a_cached_notebook_is_not_executed_again(project):
    r = _run("--cache", str(project["cache"]), "--timeout", TIMEOUT, str(project["nbs"]["good"]))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "execute: 1 notebook(s), 1 already cached, 0 to run" in r.stdout
    assert "execute: all 1 notebook(s) executed and cached" in r.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--jobs", "0"], "--jobs: expected a positive integer, got '0'"),
        (["--jobs", "two"], "--jobs: expected a positive integer, got 'two'"),
        (["--timeout", "-1"], "--timeout: expected a positive integer, got '-1'"),
        (["--timeout", "2.5"], "--timeout: expected a positive integer, got '2.5'"),
    ],
)
def test_bad_options_name_the_argument(tmp_path, capsys, args, message):
    nb = _write(tmp_path / "a.ipynb", new_code_cell("1"))
    with pytest.raises(SystemExit) as exc:
        _load_script().parse_args(["--cache", str(tmp_path / "c"), *args, str(nb)])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_paths_name_the_argument(tmp_path, capsys):
    script = _load_script()
    nb = _write(tmp_path / "a.ipynb", new_code_cell("1"))
    (tmp_path / "notes.md").write_text("# not a notebook")
    (tmp_path / "file").write_text("")
    for argv, message in (
        (["--cache", str(tmp_path / "c"), str(tmp_path / "missing.ipynb")], "notebooks: no such file: "),
        (["--cache", str(tmp_path / "c"), str(tmp_path / "notes.md")], "notebooks: expected .ipynb files, got "),
        (["--cache", str(tmp_path / "file"), str(nb)], "--cache: expected a folder, got the file "),
    ):
        with pytest.raises(SystemExit) as exc:
            script.parse_args(argv)
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
