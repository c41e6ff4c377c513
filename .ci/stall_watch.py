"""Report a notebook kernel that stops using the CPU for a long time (a CI diagnostic; it only reports).

CI runs here have seen two notebook kernels sit idle together for about five minutes in the middle of
their notebooks, with a load average near 0, and then go on. :func:`start` runs a daemon thread in the
process that drives a kernel (the nbclient side). Every ``period`` seconds it reads, from ``/proc``, the
CPU time of this process's descendants (the kernel and whatever it started). When that has not moved
for ``quiet`` seconds, it prints to ``stderr``, once per stall:

* the load average and how long the descendants have been quiet;
* every descendant: its command line, and each of its threads' state and ``wchan`` (the kernel function
  it sleeps in: ``ep_poll`` waits on sockets, ``futex_wait_queue`` on a lock, ``do_nanosleep`` in
  ``time.sleep``, ...);
* the kernel's own Python stacks, when the kernel ran the IPython start-up file :func:`start` installs
  (it registers :mod:`faulthandler` on ``SIGUSR1``, writing to a file of its own, never to the notebook);
* this process's Python stacks (is the client waiting for the kernel's reply, or stuck elsewhere?).

A kernel that is quiet between two cells for that long is also reported: then the client is what waits.
Nothing is stopped, and a signal goes only to a kernel that has said it handles it. Linux only; elsewhere
:func:`start` does nothing. Any error inside the watcher ends the watcher, never the run.
"""

from __future__ import annotations

import atexit
import faulthandler
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

__all__ = ["start"]

#: IPython runs this at kernel start-up (``$IPYTHONDIR/profile_default/startup``). Everything happens
#: inside a function, so that no name reaches the notebook's namespace.
STARTUP = '''\
def _qgan_stall_watch():
    import faulthandler, os, signal, sys
    folder = os.environ.get("QGAN_STALL_DIR")
    if not folder or not hasattr(signal, "SIGUSR1"):
        return
    stacks = open(os.path.join(folder, f"stacks-{os.getpid()}.txt"), "w")
    sys._qgan_stall_stacks = stacks  # kept open for faulthandler
    faulthandler.register(signal.SIGUSR1, file=stacks, all_threads=True)
    open(os.path.join(folder, f"ready-{os.getpid()}"), "w").close()
_qgan_stall_watch()
del _qgan_stall_watch
'''


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads' children), from ``/proc``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    out, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        try:
            todo += _children(child)
        except OSError:
            continue
    return out


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def _read(path: str) -> str:
    try:
        return Path(path).read_text().replace("\0", " ").strip()
    except OSError:
        return "?"


def _threads(pid: int) -> list[str]:
    lines = []
    try:
        tasks = sorted(Path(f"/proc/{pid}/task").iterdir(), key=lambda p: int(p.name))
    except OSError:
        return ["      (gone)"]
    for task in tasks:
        stat = _read(f"{task}/stat")
        state = stat.rsplit(")", 1)[1].split()[0] if ")" in stat else "?"
        lines.append(f"      thread {task.name} {_read(f'{task}/comm')!r}: state {state}, "
                     f"wchan {_read(f'{task}/wchan') or '-'}")
    return lines


def _report(label: str, quiet_s: float, folder: Path, out: TextIO) -> None:
    pids = _descendants(os.getpid())
    print(f"\nstall-watch: {label}: the kernel used no CPU for {quiet_s:.0f} s "
          f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {time.strftime('%H:%M:%S')})",
          file=out)
    for pid in pids:
        print(f"  process {pid}: {_read(f'/proc/{pid}/cmdline')[:160]}", file=out)
        print("\n".join(_threads(pid)), file=out)
        if (folder / f"ready-{pid}").exists():
            stacks = folder / f"stacks-{pid}.txt"
            before = stacks.stat().st_size
            os.kill(pid, signal.SIGUSR1)
            time.sleep(2.0)
            text = stacks.read_bytes()[before:].decode(errors="replace").strip()
            print(f"  its Python stacks:\n{text or '  (none written within 2 s)'}", file=out)
    print(f"  stacks of this process ({os.getpid()}, the client):", file=out, flush=True)
    faulthandler.dump_traceback(file=out, all_threads=True)
    out.flush()


_LABEL = [""]
_STARTED: list[bool] = []


def start(label: str, *, quiet: float = 90.0, period: float = 5.0, out: TextIO | None = None) -> None:
    """Watch this process's kernels from now on (call before a kernel starts; again to change the label).

    Parameters
    ----------
    label : str
        Names the notebook in the report.
    quiet : float
        Seconds without any CPU time in the descendants before a report.
    period : float
        Seconds between two readings.
    out : text stream, optional
        Where reports go (default ``sys.stderr``).

    Sets ``IPYTHONDIR`` (a new folder with the start-up file) and ``QGAN_STALL_DIR`` in this process's
    environment, which the kernel inherits. The folder is removed when this process exits.
    """
    _LABEL[0] = label
    if _STARTED or not Path("/proc/self/task").is_dir():
        return
    _STARTED.append(True)
    out = out or sys.stderr
    folder = Path(tempfile.mkdtemp(prefix="stall-watch-"))
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-stall-watch.py").write_text(STARTUP)
    os.environ["IPYTHONDIR"] = str(folder / "ipython")
    os.environ["QGAN_STALL_DIR"] = str(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the folder goes when this process ends

    def loop() -> None:
        last, since, reported = -1, time.monotonic(), False
        while True:
            time.sleep(period)
            pids = _descendants(os.getpid())
            ticks = sum(_cpu_ticks(p) for p in pids)
            now = time.monotonic()
            if not pids or ticks != last:
                last, since, reported = ticks, now, False
            elif not reported and now - since >= quiet:
                _report(_LABEL[0], now - since, folder, out)
                reported = True

    def guarded() -> None:
        try:
            loop()
        except Exception as exc:  # the watcher must never end the run
            print(f"stall-watch: {_LABEL[0]}: watcher stopped ({type(exc).__name__}: {exc})", file=out)

    threading.Thread(target=guarded, name="stall-watch", daemon=True).start()
