"""The sandbox side of the grader: runs a student's notebook and calls the student's answers on request.

This script is copied into each sandbox and started by :mod:`.sandbox` (inside Linux namespaces
when the grader runs as root). It talks to the grader over a Unix socket; the grader sends pickles
(it is trusted), this script answers with :mod:`.codec` messages (plain data only, never pickles).

Requests on the main connection: ``run`` (execute one cell), ``info`` (what the notebook defines
under a name), ``fork`` (a child process that serves calls of one answer over a new connection, so a
runaway call costs only that child), ``kill`` (end such a child). Requests to a child: ``call``
(call the answer with the grader's arguments, send back the result, the arguments' new state,
the random generators' state and the devices' execution counts), ``backward`` (the gradient of a
result with respect to the arguments), ``exit``.

Nothing here decides a grade: the grader's own checks do, on the data this script sends.

Examples
--------
>>> _flatten_tensors([1, (2, [3])])
[]
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import struct
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import codec  # noqa: E402  (the file next to this one in the sandbox)

_LEN = struct.Struct(">Q")


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the grader closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(sock: socket.socket) -> Any:
    (n,) = _LEN.unpack(_recv_exact(sock, _LEN.size))
    return pickle.loads(_recv_exact(sock, n))  # from the grader: trusted


def _send(sock: socket.socket, header: Any, blobs: list[bytes] = ()) -> None:
    message = codec.pack(header, list(blobs))
    sock.sendall(_LEN.pack(len(message)) + message)


def _connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock


def _flatten_tensors(value: Any, out: list | None = None) -> list:
    """Tensors that require a gradient, in lists, tuples and dict values, in order."""
    out = [] if out is None else out
    if type(value) in (list, tuple):
        for v in value:
            _flatten_tensors(v, out)
    elif type(value) is dict:
        for v in value.values():
            _flatten_tensors(v, out)
    elif type(value).__module__.startswith("torch") and getattr(value, "requires_grad", False) and hasattr(value, "grad_fn"):
        out.append(value)
    return out


class _Blobs(list):
    """The blob list of one message, also collecting the result tensors that carry a gradient."""

    def __init__(self) -> None:
        super().__init__()
        self.grad_outputs: list = []


def _encode(value: Any) -> tuple[Any, _Blobs]:
    blobs = _Blobs()
    return _enc_with_grads(value, blobs), blobs


def _enc_with_grads(value: Any, blobs: _Blobs) -> Any:
    tree = codec._enc(value, blobs)

    def mark(node: Any, val: Any) -> None:
        if isinstance(node, dict) and node.get("t") == "tensor" and node.get("requires_grad"):
            blobs.grad_outputs.append(val)
            node["g"] = len(blobs.grad_outputs) - 1
        elif isinstance(node, dict) and node.get("t") in ("list", "tuple"):
            for n, v in zip(node["v"], list(val)):
                mark(n, v)
        elif isinstance(node, dict) and node.get("t") == "dict":
            for n, v in zip(node["v"], list(val.values())):
                mark(n, v)

    mark(tree, value)
    return tree


def _error(exc: BaseException) -> dict:
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not f.filename.endswith(("worker.py", "codec.py"))]
    where = f"line {mine[-1].lineno}" if mine else ""
    return {"type": type(exc).__name__[:80], "message": str(exc)[:2000], "where": where}


def _rng_state() -> dict:
    import random

    import numpy as np
    import torch

    return {"torch": torch.get_rng_state().numpy(), "numpy": tuple(np.random.get_state()), "python": random.getstate()}


def _set_rng(state: dict | None) -> None:
    if not state:
        return
    import random

    import numpy as np
    import torch

    torch.set_rng_state(torch.from_numpy(np.asarray(state["torch"], dtype=np.uint8)))
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


class Worker:
    """Runs cells in an IPython shell and serves the grader's requests."""

    def __init__(self, socket_path: str) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        self.socket_path = socket_path
        self.shell = InteractiveShell.instance()
        try:
            self.shell.colors = "nocolor"
        except Exception:  # noqa: BLE001 - older IPython: coloured tracebacks in the log
            pass
        self.shell.enable_gui = lambda gui=None: None  # `%matplotlib inline` works without a GUI event loop
        self.calls: dict[int, tuple[list, list]] = {}

    # -- the main connection ---------------------------------------------------------------------
    def serve(self) -> None:
        sock = _connect(self.socket_path)
        _send(sock, {"hello": "main", "pid": os.getpid()})
        while True:
            try:
                req = _recv(sock)
            except EOFError:
                return
            op = req.get("op")
            if op == "run":
                _send(sock, self.run(req["source"]))
            elif op == "info":
                tree, blobs = self.info(req["name"])
                _send(sock, tree, blobs)
            elif op == "fork":
                _send(sock, {"pid": self.fork(req["name"], sock)})
            elif op == "kill":
                self.kill(int(req["pid"]))
                _send(sock, {"ok": True})
            elif op == "ping":
                _send(sock, {"ok": True})
            else:
                _send(sock, {"error": f"unknown request {op!r}"})

    def run(self, source: str) -> dict:
        try:
            result = self.shell.run_cell(source, store_history=True)
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends from the student's cell
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000]}
        err = result.error_before_exec or result.error_in_exec
        sys.stdout.flush()
        sys.stderr.flush()
        return {"ok": err is None, "error": None if err is None else f"{type(err).__name__}: {err}"[:2000]}

    def info(self, name: str) -> tuple[Any, list[bytes]]:
        ns = self.shell.user_ns
        if name not in ns:
            return {"defined": False}, []
        value = ns[name]
        try:
            from qgan_helpers.course.checks import is_stub

            stub = bool(is_stub(value))
        except Exception:  # noqa: BLE001
            stub = False
        out: dict[str, Any] = {"defined": True, "stub": stub, "callable": callable(value),
                               "type": type(value).__name__[:80]}
        blobs: list[bytes] = []
        if not callable(value):
            tree, blobs = _encode(value)
            out["value"] = tree
        return out, blobs

    def fork(self, name: str, main: socket.socket) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return pid
        try:  # the child: a new connection of its own, the main one left alone
            main.detach()
            self.serve_answer(self.shell.user_ns.get(name))
        finally:
            os._exit(0)

    def kill(self, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    # -- a child that serves one answer -----------------------------------------------------------
    def serve_answer(self, answer: Any) -> None:
        sock = _connect(self.socket_path)
        _send(sock, {"hello": "answer", "pid": os.getpid()})
        while True:
            try:
                req = _recv(sock)
            except EOFError:
                return
            op = req.get("op")
            if op == "call":
                tree, blobs = self.call(answer, req)
                _send(sock, tree, blobs)
            elif op == "backward":
                tree, blobs = self.backward(req)
                _send(sock, tree, blobs)
            else:
                return

    def call(self, answer: Any, req: dict) -> tuple[Any, list[bytes]]:
        args, kwargs, grads = pickle.loads(req["payload"])
        for tensor, grad in grads:
            tensor.grad = grad
        _set_rng(req.get("rng"))
        trackers = {}
        for i, arg in enumerate(args):
            tracker = getattr(arg, "tracker", None)
            if getattr(tracker, "active", False):
                trackers[i] = (tracker, {k: v for k, v in tracker.totals.items() if isinstance(v, (int, float))})
        inputs = _flatten_tensors((args, kwargs))
        try:
            result = answer(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - the student's exception, reported as data
            return {"ok": False, "error": _error(exc)}, []
        blobs = _Blobs()
        try:
            tree = _enc_with_grads(result, blobs)
            state = codec._enc([list(args), dict(kwargs)], blobs)
            rng = codec._enc(_rng_state(), blobs)
        except Exception as exc:  # noqa: BLE001 - a result that cannot even be described
            return {"ok": False, "error": _error(exc)}, []
        counts = {}
        for i, (tracker, before) in trackers.items():
            after = {k: v for k, v in tracker.totals.items() if isinstance(v, (int, float))}
            counts[str(i)] = {k: float(v - before.get(k, 0)) for k, v in after.items()}
        call_id = len(self.calls)
        self.calls[call_id] = (list(blobs.grad_outputs), inputs)
        return {"ok": True, "result": tree, "state": state, "rng": rng, "trackers": counts, "call": call_id,
                "n_inputs": len(inputs)}, list(blobs)

    def backward(self, req: dict) -> tuple[Any, list[bytes]]:
        import torch

        outputs, inputs = self.calls.get(req["call"], ([], []))
        try:
            out = outputs[req["out"]]
            grad = pickle.loads(req["grad"])
            used = [t for t in inputs]
            grads = torch.autograd.grad(out, used, grad_outputs=grad.reshape(out.shape), allow_unused=True,
                                        retain_graph=True) if used else []
        except BaseException as exc:  # noqa: BLE001
            return {"ok": False, "error": _error(exc)}, []
        tree, blobs = codec.encode([None if g is None else g.detach() for g in grads])
        return {"ok": True, "grads": tree}, blobs


def _setup(config: dict) -> None:
    """As root in fresh namespaces: hide folders, then become the sandbox's own unprivileged user.

    Folders in ``keep`` (the Python environment and its base interpreter) that lie inside a hidden
    folder are mounted back, read-only, at the same path.
    """
    import subprocess

    holds = []
    for i, keep in enumerate(config.get("keep") or []):
        hold = Path(config["sandbox"]) / f".hold-{i}"
        hold.mkdir(exist_ok=True)
        subprocess.run(["mount", "--bind", keep, str(hold)], check=True)
        holds.append((keep, hold))
    for path in config.get("hide", []):
        if Path(path).is_dir():
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "tmpfs", path], check=True)
    for keep, hold in holds:
        Path(keep).mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "--bind", str(hold), keep], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", keep], check=False)
        subprocess.run(["umount", str(hold)], check=False)
    uid = int(config["uid"])
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def main(argv: list[str]) -> int:
    """``worker.py SOCKET [SETUP_JSON]``."""
    import json

    if len(argv) > 1 and argv[1]:
        _setup(json.loads(argv[1]))
    os.chdir(os.environ.get("QGAN_SANDBOX_CWD", "."))
    log = os.open(os.environ.get("QGAN_SANDBOX_LOG", os.devnull), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    import torch

    torch.set_num_threads(1)
    _record_constructor_arguments(torch)
    Worker(argv[0]).serve()
    return 0


def _record_constructor_arguments(torch: Any) -> None:
    """Every new ``torch.nn.Module`` of ``qgan_helpers`` remembers its constructor's arguments (for the grader)."""

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:  # noqa: N807
        obj = object.__new__(cls)
        if cls.__module__.startswith("qgan_helpers."):
            object.__setattr__(obj, "_qgan_ctor", (args, kwargs))
        return obj

    torch.nn.Module.__new__ = __new__


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
