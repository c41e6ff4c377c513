"""A throw-away sandbox for one submission: a private folder, limits, and (as root on Linux) namespaces.

:class:`Sandbox` copies the student release of the package (without ``solutions/``, with the
chapter checkers replaced by stubs that defer to the grader: see :func:`sandbox_package`), the
files the chapters read, and the worker (:mod:`.worker`) into a new folder, and starts the worker:

* **limits** (every platform with ``resource``): address space (``memory_mb``), file size, core
  dumps; each request has a time limit, enforced from outside;
* **isolation** (Linux, as root, with ``unshare``): new network namespace (no network, not even the
  host's loopback), new PID namespace (killing the sandbox kills everything it started), new mount
  namespace in which the course repository, the submissions, the grader's output, ``/root`` and
  ``/home`` are hidden under empty ``tmpfs`` mounts (the Python environment is mounted back
  read-only), and a user of its own that owns nothing but the sandbox folder. The user id is
  claimed machine-wide (:func:`claim_uid`): two graders running at once never share one, so one
  run's sandbox cannot delete another run's sandbox folder.

Without root (or without ``unshare``) :func:`isolation_available` is false and the sandbox is a
folder with limits only: the worker can then read and delete what the grader's user can, and use the
network. The grader says so in its output; run it as root in a container or VM for real isolation.

Examples
--------
>>> isinstance(isolation_available(), bool)
True
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from qgan_helpers import validation
from qgan_helpers.course.grading import codec

__all__ = ["Sandbox", "SandboxError", "SandboxTimeout", "Limits", "isolation_available", "sandbox_package"]

_LEN = struct.Struct(">Q")
_HERE = Path(__file__).resolve().parent
MAX_MESSAGE = 512 * 2**20


class SandboxError(RuntimeError):
    """The sandbox died, sent malformed data, or could not be started."""


class SandboxTimeout(SandboxError):
    """A request to the sandbox did not finish within its time limit."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox.

    Attributes
    ----------
    cell_timeout : float
        Seconds one notebook cell may run.
    call_timeout : float
        Seconds one call of a student's answer (by a check) may run.
    memory_mb : int
        Address-space limit of the sandbox's processes, in MiB.
    file_mb : int
        Largest file the sandbox may write, in MiB.
    start_timeout : float
        Seconds the sandbox, or a forked answer server, may take to start and to answer one of the
        grader's requests. Starting imports the package with PyTorch and PennyLane: on a machine busy
        with other sandboxes that took over a minute, so the default is generous; a sandbox that
        never starts still fails, with the reason.
    """

    cell_timeout: float = 120.0
    call_timeout: float = 60.0
    memory_mb: int = 10240
    file_mb: int = 512
    start_timeout: float = 300.0

    def __post_init__(self) -> None:
        for name in ("cell_timeout", "call_timeout", "memory_mb", "file_mb", "start_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name}: expected a positive number, got {value!r}")


UID_FIRST, UID_COUNT = 61000, 1000
"""Sandbox users are ``UID_FIRST .. UID_FIRST + UID_COUNT - 1``."""


def claim_uid(slot: int = 0, lock_dir: str | Path | None = None) -> tuple[int, int]:
    """Claim a sandbox user id no other sandbox on this machine holds: ``(uid, lock descriptor)``.

    Tries ``UID_FIRST + slot`` first, then the following ids (wrapping around), taking an exclusive
    ``flock`` on ``<lock_dir>/<uid>.lock`` (default ``<temp>/qgan-uids``). The claim lasts while the
    descriptor is open (closing it, or the grader's exit, releases it), so two graders run at the
    same time -- two CI runs, two instructors -- never give two sandboxes the same user.

    Raises
    ------
    RuntimeError
        If all ``UID_COUNT`` ids are taken.

    Examples
    --------
    >>> d = tempfile.mkdtemp()
    >>> (a, fa), (b, fb) = claim_uid(0, d), claim_uid(0, d)
    >>> a, b
    (61000, 61001)
    >>> os.close(fa); claim_uid(0, d)[0]                  # released: the first id is free again
    61000
    """
    import fcntl

    folder = Path(lock_dir) if lock_dir is not None else Path(tempfile.gettempdir()) / "qgan-uids"
    folder.mkdir(mode=0o755, exist_ok=True)
    start = validation.non_negative_int("slot", slot) % UID_COUNT
    for k in range(UID_COUNT):
        uid = UID_FIRST + (start + k) % UID_COUNT
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        return uid, fd
    raise RuntimeError(f"claim_uid: all {UID_COUNT} sandbox user ids from {UID_FIRST} are in use")


@lru_cache(maxsize=1)
def isolation_available() -> bool:
    """Whether sandboxes get namespaces and a user of their own (root on Linux with a working ``unshare``)."""
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child", "true"],
        capture_output=True, timeout=30,
    )
    return probe.returncode == 0


def _chapter_stub(chapter: str, exercises: list[Any]) -> str:
    lines = [
        f'"""Exercises of the chapter {chapter!r}, as the grading sandbox sees them: checked by the grader."""',
        "",
        "from qgan_helpers.course.checks import NotYet, register",
        "",
        "",
        "def _deferred(answer):",
        '    raise NotYet("checked by the grader, outside this notebook")',
        "",
    ]
    for ex in exercises:
        lines.append(f"register({ex.label!r}, {ex.title!r}, {ex.hint_text!r}, {ex.answer_name!r})(_deferred)")
    return "\n".join(lines) + "\n"


def sandbox_package(dest: str | Path) -> Path:
    """The package a sandbox imports: the student release's, with every chapter checker replaced by a stub.

    The stubs register each exercise (label, title, hint, answer name) with a checker that only says
    "checked by the grader": the notebook's own ``ex.check(...)`` cells run no student code, and no
    checker (nor a reference computation inside one) is there to read, import or replace.

    Parameters
    ----------
    dest : str or Path
        The folder to write ``qgan_helpers`` into.

    Returns
    -------
    Path
        The package folder.

    Examples
    --------
    >>> import tempfile
    >>> pkg = sandbox_package(tempfile.mkdtemp())
    >>> "_deferred" in (pkg / "course" / "checks" / "devices.py").read_text(), (pkg / "course" / "solutions").exists()
    (True, False)
    """
    from qgan_helpers.course.checks import all_exercises
    from qgan_helpers.course.release import student_package

    pkg = student_package(dest)
    by_chapter: dict[str, list[Any]] = {}
    for ex in all_exercises():
        by_chapter.setdefault(ex.label.split("-")[1], []).append(ex)
    for path in (pkg / "course" / "checks").glob("*.py"):
        if path.name != "__init__.py":
            path.write_text(_chapter_stub(path.stem, by_chapter.get(path.stem, [])), encoding="utf8")
    return pkg


def _limit_preexec(limits: Limits) -> Any:
    def apply() -> None:
        os.setpgrp()
        memory = int(limits.memory_mb) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = int(limits.file_mb) * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if sys.platform == "linux":  # die with the grader (PR_SET_PDEATHSIG = 1)
            try:
                ctypes.CDLL(None).prctl(1, signal.SIGKILL)
            except Exception:  # noqa: BLE001
                pass

    return apply


@dataclass
class Sandbox:
    """One submission's sandbox: start it, run cells, ask about answers, fork answer servers, kill it.

    Parameters
    ----------
    package : Path
        A prepared sandbox package (:func:`sandbox_package`), copied in.
    files : dict
        ``{relative path in the sandbox's work folder: source path}`` copied in (checkpoints, ...).
    cwd : str
        The working folder of the notebook, relative to the work folder (e.g. ``"book"``).
    limits : Limits
    hide : list of Path
        Folders hidden from the sandbox when isolation is available.
    slot : int
        Distinguishes parallel sandboxes: the first user id tried is ``61000 + slot`` (see :func:`claim_uid`).
    base : Path, optional
        Where the sandbox folder is made; default the system's temporary folder.
    """

    package: Path
    files: dict[str, Path] = field(default_factory=dict)
    cwd: str = "book"
    limits: Limits = field(default_factory=Limits)
    hide: list[Path] = field(default_factory=list)
    slot: int = 0
    base: Path | None = None

    def __post_init__(self) -> None:
        self.isolated = isolation_available()
        self.folder = Path(tempfile.mkdtemp(prefix="qgan-sandbox-", dir=self.base))
        self._uid_lock: int | None = None
        if self.isolated:
            self.uid, self._uid_lock = claim_uid(self.slot)
        else:
            self.uid = os.getuid()
        self._proc: subprocess.Popen | None = None
        self._main: socket.socket | None = None
        self._server: socket.socket | None = None
        self._prepare()

    # -- life cycle -------------------------------------------------------------------------------
    def _prepare(self) -> None:
        grader = self.folder / "_grader"
        grader.mkdir()
        for name in ("worker.py", "codec.py"):
            shutil.copy2(_HERE / name, grader / name)
        work = self.folder / "work"  # laid out like the repository; the package carries its data
        shutil.copytree(self.package, work / "qgan_helpers")
        (work / self.cwd).mkdir(parents=True)
        for rel, src in self.files.items():
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if Path(src).is_dir():
                shutil.copytree(src, target)
            else:
                shutil.copy2(src, target)
        for sub in ("home", "tmp"):
            (self.folder / sub).mkdir()
        if self.isolated:  # the sandbox's user owns its work, home and tmp; the rest stays root's, read-only
            package = work / "qgan_helpers"  # stays root's: the notebook can read it, not change or delete it
            for sub in ("work", "home", "tmp"):
                for path in [self.folder / sub, *(self.folder / sub).rglob("*")]:
                    if path != package and package not in path.parents:
                        os.lchown(path, self.uid, self.uid)
                os.chmod(self.folder / sub, 0o700)
            os.chmod(self.folder, 0o711)
        self.log = self.folder / "home" / "notebook.log"

    def start(self) -> None:
        """Start (or restart) the worker and wait for its first connection."""
        self.kill()
        path = self.folder / "_grader" / "sock"
        if path.exists():
            path.unlink()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        os.chmod(path, 0o777)
        server.listen(8)
        self._server = server
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.folder / "home"),
            "TMPDIR": str(self.folder / "tmp"),
            "PYTHONPATH": str(self.folder / "work"),
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(self.folder / "home" / ".mpl"),
            "IPYTHONDIR": str(self.folder / "home" / ".ipython"),
            "XDG_CACHE_HOME": str(self.folder / "home" / ".cache"),
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "LANG": "C.UTF-8",
            "QGAN_SANDBOX_CWD": str(self.folder / "work" / self.cwd),
            "QGAN_SANDBOX_LOG": str(self.log),
        }
        env.update({k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_CORETYPE") or k == "OPENBLAS_L2_SIZE"})
        cmd = [sys.executable, str(self.folder / "_grader" / "worker.py"), str(path)]
        if self.isolated:
            hidden = sorted({str(Path(h).resolve()) for h in self.hide
                             if Path(h).is_dir() and not _inside(self.folder, Path(h).resolve())})
            keep = sorted({str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix)}, key=len)
            keep = [k for k in keep if any(_inside(Path(k), Path(h)) for h in hidden)]
            setup = {"uid": self.uid, "sandbox": str(self.folder), "hide": hidden, "keep": keep}
            cmd = ["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child", "--",
                   *cmd, json.dumps(setup)]
        self._proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=open(self.folder / "worker.err", "ab"),
                                      preexec_fn=_limit_preexec(self.limits))
        self._main = self._accept(self.limits.start_timeout, "main")

    def _accept(self, timeout: float, kind: str) -> socket.socket:
        assert self._server is not None
        self._server.settimeout(timeout)
        try:
            conn, _ = self._server.accept()
        except TimeoutError as exc:
            raise SandboxError(f"the sandbox did not start within {timeout:.0f} s ({self._stderr_tail()})") from exc
        hello, _ = self._recv(conn, timeout)
        if not isinstance(hello, dict) or hello.get("hello") != kind:
            conn.close()
            raise SandboxError(f"the sandbox answered {hello!r:.80} instead of hello")
        return conn

    def _stderr_tail(self) -> str:
        path = self.folder / "worker.err"
        text = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
        return text[-1][:300] if text else "no error output"

    def kill(self) -> None:
        """End the worker and everything it started (idempotent)."""
        for conn in (self._main,):
            if conn is not None:
                conn.close()
        self._main = None
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None
        if self._server is not None:
            self._server.close()
            self._server = None

    def close(self) -> None:
        """Kill the worker, delete the sandbox folder and give its user id back."""
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._uid_lock is not None:
            os.close(self._uid_lock)  # releases the claim
            self._uid_lock = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- messages ---------------------------------------------------------------------------------
    def _recv(self, conn: socket.socket, timeout: float) -> tuple[Any, list[bytes]]:
        deadline = time.monotonic() + timeout

        def exact(n: int) -> bytes:
            chunks, got = [], 0
            while got < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SandboxTimeout(f"no answer within {timeout:.0f} s")
                conn.settimeout(left)
                try:
                    chunk = conn.recv(min(n - got, 1 << 20))
                except TimeoutError as exc:
                    raise SandboxTimeout(f"no answer within {timeout:.0f} s") from exc
                except OSError as exc:
                    raise SandboxError(f"the sandbox's connection failed: {exc}") from exc
                if not chunk:
                    raise SandboxError("the sandbox's process ended (it crashed, ran out of memory or exited)")
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks)

        (n,) = _LEN.unpack(exact(_LEN.size))
        if n > MAX_MESSAGE:
            raise SandboxError(f"the sandbox sent {n} bytes, more than the limit of {MAX_MESSAGE}")
        try:
            return codec.unpack(exact(n))
        except codec.DecodeError as exc:
            raise SandboxError(f"the sandbox sent malformed data: {exc}") from exc

    @staticmethod
    def _send(conn: socket.socket, request: dict) -> None:
        data = pickle.dumps(request)
        try:
            conn.sendall(_LEN.pack(len(data)) + data)
        except OSError as exc:
            raise SandboxError(f"the sandbox's connection failed: {exc}") from exc

    def request(self, request: dict, timeout: float) -> tuple[Any, list[bytes]]:
        """Send one request on the main connection and wait at most ``timeout`` seconds for the answer."""
        if self._main is None:
            raise SandboxError("the sandbox is not running")
        self._send(self._main, request)
        return self._recv(self._main, timeout)

    # -- what the grader asks -----------------------------------------------------------------------
    def run_cell(self, source: str, timeout: float | None = None) -> dict:
        """Execute one cell: ``{"ok": bool, "error": str or None}``; raises :class:`SandboxTimeout`/:class:`SandboxError`."""
        head, _ = self.request({"op": "run", "source": source}, timeout or self.limits.cell_timeout)
        if not isinstance(head, dict) or not isinstance(head.get("ok"), bool):
            raise SandboxError("the sandbox sent a malformed cell result")
        return {"ok": head["ok"], "error": str(head.get("error"))[:2000] if head.get("error") else None}

    def answer_info(self, name: str) -> tuple[dict, list[bytes]]:
        """What the notebook defines under ``name``: ``defined``, ``stub``, ``callable``, ``type``, ``value``."""
        head, blobs = self.request({"op": "info", "name": name}, self.limits.start_timeout)
        if not isinstance(head, dict) or not isinstance(head.get("defined"), bool):
            raise SandboxError("the sandbox sent a malformed answer description")
        return head, blobs

    def open_answer(self, name: str) -> AnswerConnection:
        """A forked child of the worker that serves calls of the answer ``name``."""
        head, _ = self.request({"op": "fork", "name": name}, self.limits.start_timeout)
        pid = head.get("pid") if isinstance(head, dict) else None
        if not isinstance(pid, int):
            raise SandboxError("the sandbox could not fork an answer server")
        return AnswerConnection(self, pid, self._accept(self.limits.start_timeout, "answer"))


class AnswerConnection:
    """The connection to one forked answer server; :meth:`close` ends that child."""

    def __init__(self, sandbox: Sandbox, pid: int, conn: socket.socket) -> None:
        self.sandbox, self.pid, self.conn = sandbox, pid, conn
        self.broken = ""

    def ask(self, request: dict, timeout: float) -> tuple[Any, list[bytes]]:
        if self.broken:
            raise SandboxError(self.broken)
        try:
            Sandbox._send(self.conn, request)
            return self.sandbox._recv(self.conn, timeout)
        except SandboxError as exc:
            self.broken = str(exc)
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        try:
            self.sandbox.request({"op": "kill", "pid": self.pid}, 30.0)
        except SandboxError:
            pass


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False
