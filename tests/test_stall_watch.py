""".ci/stall_watch.py: a child process that stops using the CPU is reported with what it waits on.

Each case runs in a fresh interpreter (the watcher sets ``IPYTHONDIR`` and starts a daemon thread, which
must not leak into the test process): the watcher is started with a short ``quiet``, then a child runs
the IPython start-up file the watcher installs -- as a kernel would -- and either sleeps (reported, with
its Python stack) or keeps the CPU busy (never reported). Either way the watcher's folder is gone once
the interpreter has exited.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CI = Path(__file__).resolve().parent.parent / ".ci"

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="the watcher reads /proc (Linux)")


def _watch(child_code: str, run_s: float) -> str:
    """Start the watcher (quiet 1 s), run ``child_code`` after the start-up file for ``run_s`` s; stderr."""
    script = textwrap.dedent(f"""
        import os, subprocess, sys, time
        sys.path.insert(0, {str(CI)!r})
        import stall_watch
        stall_watch.start("demo.ipynb", quiet=1.0, period=0.2)
        assert os.path.isfile(os.path.join(os.environ["IPYTHONDIR"], "profile_default", "startup",
                                           "00-stall-watch.py"))
        code = stall_watch.STARTUP + {child_code!r}
        child = subprocess.Popen([sys.executable, "-c", code])
        time.sleep({run_s})
        child.kill()
        child.wait()
        print("folder", os.environ["QGAN_STALL_DIR"])
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    folder = proc.stdout.split("folder ", 1)[1].strip()
    assert not Path(folder).exists(), f"the watcher left {folder} behind"
    return proc.stderr


def test_a_sleeping_child_is_reported_with_its_threads_and_python_stack():
    err = _watch("import time\ndef waits_here():\n    time.sleep(60)\nwaits_here()\n", run_s=6)
    assert "stall-watch: demo.ipynb: the kernel used no CPU for" in err
    assert err.count("stall-watch: demo.ipynb") == 1  # once per stall
    assert "wchan " in err and "state S" in err
    assert "its Python stacks:" in err and "in waits_here" in err  # the child's own stack, via SIGUSR1
    assert "stacks of this process" in err and "in _report" in err


def test_a_busy_child_is_not_reported():
    err = _watch("import time\nend = time.time() + 60\nwhile time.time() < end:\n    pass\n", run_s=4)
    assert "stall-watch" not in err


def test_the_startup_file_leaves_no_name_behind(monkeypatch):
    monkeypatch.delenv("QGAN_STALL_DIR", raising=False)
    sys.path.insert(0, str(CI))
    try:
        import stall_watch
    finally:
        sys.path.remove(str(CI))
    namespace: dict = {}
    exec(stall_watch.STARTUP, namespace)  # without QGAN_STALL_DIR it registers nothing
    assert [k for k in namespace if k != "__builtins__"] == []
