"""Stand-ins for a student's answer in the grader's process: every call runs in the sandbox.

The grader runs the course's own checker (:mod:`qgan_helpers.course.checks`) in its own process, on a
:class:`RemoteFunction` instead of the student's function. Each call the checker makes is sent to
the sandbox (the arguments pickled: the grader is trusted), the student's function runs there, and
only data comes back (:mod:`.codec`): the result, the new state of the arguments (a tensor, array,
list, dict, module or random generator the student changed is changed here too), the global random
generators' state, and the executions counted by a PennyLane ``Tracker`` on a device argument.

Gradients cross the wall too: a result tensor that depends on an argument that requires a
gradient is connected to it by :class:`_RemoteGrad`, whose backward pass asks the sandbox for the
gradient. Modules a student returns are rebuilt from the course's classes (or simple ``torch.nn``
layers) and the ``state_dict`` (:func:`rebuild_module`), so the checker evaluates them with the
course's code. So a forged "correct" needs correct outputs for the checker's inputs: solving.

Examples
--------
>>> remote_error({"type": "ZeroDivisionError", "message": "division by zero", "where": "line 2"})
ZeroDivisionError('division by zero (line 2 of your code)')
"""

from __future__ import annotations

import importlib
import pickle
import random
import time
from typing import Any

import numpy as np
import torch

from qgan_helpers.course.grading import codec
from qgan_helpers.course.grading.sandbox import AnswerConnection, SandboxError, SandboxTimeout

__all__ = ["RemoteError", "RemoteTimeout", "RemoteFunction", "remote_error", "rebuild_module", "decode_value"]


class RemoteError(Exception):
    """An exception the student's code raised in the sandbox (subclasses carry the student's type name)."""


class RemoteTimeout(RemoteError):
    """A call of the student's code did not return in time (or the sandbox's process died)."""


_ERROR_TYPES: dict[str, type] = {}


def remote_error(error: Any) -> RemoteError:
    """A :class:`RemoteError` whose class name is the student's exception's, from the sandbox's description."""
    if not isinstance(error, dict):
        return RemoteError("your code failed in the sandbox")
    name = "".join(ch for ch in str(error.get("type", "Exception"))[:80] if ch.isalnum() or ch == "_") or "Exception"
    cls = _ERROR_TYPES.setdefault(name, type(name, (RemoteError,), {}))
    where = str(error.get("where") or "")[:40]
    message = str(error.get("message", ""))[:2000]
    return cls(f"{message} ({where} of your code)" if where else message)


# -- modules ----------------------------------------------------------------------------------------
_FORBIDDEN = ("qgan_helpers.course.solutions", "qgan_helpers.course.checks", "qgan_helpers.course")


def _plain(value: Any, depth: int = 0) -> bool:
    """Only numbers, strings, None, and lists/tuples/dicts of them (constructor arguments)."""
    if depth > 8:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return len(value) <= 1000 and all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return len(value) <= 100 and all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _nn_module(spec: Any, depth: int = 0) -> torch.nn.Module:
    if depth > 16 or not isinstance(spec, dict) or spec.get("name") not in codec._TORCH_NN_SIMPLE:
        raise codec.DecodeError("an unsupported torch.nn layer")
    name, attrs = spec["name"], spec.get("attrs") or {}
    if not isinstance(attrs, dict) or not _plain(attrs) or set(attrs) - {*codec._TORCH_NN_SIMPLE[name], "bias"}:
        raise codec.DecodeError(f"malformed arguments of torch.nn.{name}")
    cls = getattr(torch.nn, name)
    if name == "Sequential":
        return cls(*[_nn_module(child, depth + 1) for child in spec.get("children") or []])
    if name == "Linear" and not all(isinstance(attrs.get(k), int) and 0 < attrs[k] <= 100_000
                                    for k in ("in_features", "out_features")):
        raise codec.DecodeError("torch.nn.Linear with out-of-range sizes")
    return cls(**attrs)


def rebuild_module(spec: dict, sub: Any) -> Any:
    """A module the student returned, rebuilt in the grader from the course's code and its ``state_dict``.

    Accepted: ``torch.nn.Module`` subclasses defined in ``qgan_helpers`` (outside its solutions,
    checks and course tooling), built with the constructor arguments the sandbox recorded (plain data
    only), and ``torch.nn.Sequential`` stacks of simple layers. Anything else arrives as an
    :class:`~.codec.Opaque` whose name says why.

    Parameters
    ----------
    spec : dict
        The module's description from the sandbox.
    sub : callable
        Decodes a nested value.
    """
    cls_path = str(spec.get("cls", ""))
    module_name, _, qualname = cls_path.partition(":")
    shown = qualname.split(".")[-1] or "Module"
    try:
        if module_name == "torch.nn":
            obj = _nn_module(spec.get("nn"))
        elif module_name.startswith("qgan_helpers.") and not module_name.startswith(_FORBIDDEN) and qualname.isidentifier():
            if "args" not in spec:
                raise codec.DecodeError("no constructor arguments")
            cls = getattr(importlib.import_module(module_name), qualname, None)
            if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
                raise codec.DecodeError(f"{cls_path} is not a module class")
            args, kwargs = sub(spec["args"]), sub(spec["kwargs"])
            if not (isinstance(args, list) and isinstance(kwargs, dict) and _plain(args) and _plain(kwargs)):
                raise codec.DecodeError("constructor arguments that are not plain data")
            obj = cls(*args, **kwargs)
        else:
            raise codec.DecodeError("not a course class")
        state = sub(spec.get("state"))
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise codec.DecodeError("a malformed state_dict")
        obj.load_state_dict(state, strict=True)
        frozen = spec.get("frozen") or []
        params = dict(obj.named_parameters())
        for name in frozen if isinstance(frozen, list) else []:
            if name in params:
                params[name].requires_grad_(False)
        obj.train(bool(spec.get("training", True)))
        return obj
    except Exception:  # noqa: BLE001 - anything the grader will not rebuild
        return codec.Opaque.named(f"{shown} (a module the grader cannot rebuild: use the course's classes "
                                  "or torch.nn layers)")()


class _ModuleState:
    """The new ``state_dict`` of a module argument (for writing the student's changes back)."""

    def __init__(self, state: Any) -> None:
        self.state = state if isinstance(state, dict) else {}


def _state_only(spec: dict, sub: Any) -> _ModuleState:
    return _ModuleState(sub(spec.get("state")))


def decode_value(tree: Any, blobs: list[bytes]) -> Any:
    """A value from the sandbox, modules rebuilt (see :func:`rebuild_module`)."""
    return codec.decode(tree, blobs, rebuild_module=rebuild_module)


# -- writing the student's changes of the arguments back -----------------------------------------------
_MUTABLE = (torch.Tensor, np.ndarray, list, dict, torch.nn.Module, torch.Generator)


def _write_back(orig: Any, new: Any) -> None:
    if isinstance(orig, torch.Tensor):
        if isinstance(new, torch.Tensor) and new.shape == orig.shape:
            new = new.to(orig.dtype)
            if not torch.equal(orig.detach(), new):
                with torch.no_grad():
                    orig.copy_(new)
    elif isinstance(orig, np.ndarray):
        if isinstance(new, np.ndarray) and new.shape == orig.shape and orig.flags.writeable and not np.array_equal(orig, new):
            orig[...] = new
    elif isinstance(orig, torch.nn.Module):
        if isinstance(new, _ModuleState):
            for key, value in orig.state_dict(keep_vars=True).items():
                _write_back(value, new.state.get(key))
    elif isinstance(orig, torch.Generator):
        if isinstance(new, torch.Generator):
            orig.set_state(new.get_state())
    elif type(orig) is list and isinstance(new, list):
        if len(orig) != len(new):
            orig[:] = new
            return
        for i, (o, n) in enumerate(zip(orig, new)):
            if isinstance(o, _MUTABLE):
                _write_back(o, n)
            elif type(o) is not type(n) or o != n:
                orig[i] = n
    elif type(orig) is dict and isinstance(new, dict):
        for key in [k for k in orig if k not in new]:
            del orig[key]
        for key, n in new.items():
            if key in orig and isinstance(orig[key], _MUTABLE):
                _write_back(orig[key], n)
            else:
                orig[key] = n


def _grad_tensors(value: Any, out: list, depth: int = 0) -> list:
    """Tensors that require a gradient, in the order the worker finds them."""
    if depth > 32:
        return out
    if type(value) in (list, tuple):
        for v in value:
            _grad_tensors(v, out, depth + 1)
    elif type(value) is dict:
        for v in value.values():
            _grad_tensors(v, out, depth + 1)
    elif isinstance(value, torch.Tensor) and value.requires_grad:
        out.append(value)
    return out


def _with_grads(value: Any, out: list, depth: int = 0) -> list:
    """``(tensor, tensor.grad)`` for every tensor with a gradient in the arguments (module parameters too)."""
    if depth > 32:
        return out
    if isinstance(value, (list, tuple)):
        for v in value:
            _with_grads(v, out, depth + 1)
    elif isinstance(value, dict):
        for v in value.values():
            _with_grads(v, out, depth + 1)
    elif isinstance(value, torch.nn.Module):
        out += [(p, p.grad) for p in value.parameters() if p.grad is not None]
    elif isinstance(value, torch.Tensor) and value.grad is not None:
        out.append((value, value.grad))
    return out


class _RemoteGrad(torch.autograd.Function):
    """Connects a result tensor to the arguments it was computed from; backward asks the sandbox."""

    @staticmethod
    def forward(ctx: Any, value: torch.Tensor, meta: tuple, *inputs: torch.Tensor) -> torch.Tensor:  # noqa: D102
        ctx.meta = meta
        ctx.shapes = [(t.shape, t.dtype) for t in inputs]
        return value.clone()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:  # noqa: D102
        remote, call_id, index = ctx.meta
        grads = remote._backward(call_id, index, grad)
        if not isinstance(grads, list) or len(grads) != len(ctx.shapes):
            raise RemoteError("the sandbox sent a gradient of the wrong length")
        out = []
        for g, (shape, dtype) in zip(grads, ctx.shapes):
            if g is None:
                out.append(None)
            elif isinstance(g, torch.Tensor) and g.shape == shape:
                out.append(g.to(dtype))
            else:
                raise RemoteError("the sandbox sent a gradient of the wrong shape")
        return (None, None, *out)


def _attach(node: Any, value: Any, remote: RemoteFunction, call_id: int, inputs: list) -> Any:
    if not isinstance(node, dict):
        return value
    tag = node.get("t")
    if tag == "tensor" and node.get("requires_grad") and isinstance(value, torch.Tensor):
        if not value.dtype.is_floating_point and not value.dtype.is_complex:
            return value
        if inputs and isinstance(node.get("g"), int) and torch.is_grad_enabled():
            return _RemoteGrad.apply(value, (remote, call_id, node["g"]), *inputs)
        return value.requires_grad_(True)
    if tag in ("list", "tuple") and isinstance(value, (list, tuple)) and len(value) == len(node.get("v", [])):
        items = [_attach(n, v, remote, call_id, inputs) for n, v in zip(node["v"], value)]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and isinstance(value, dict) and len(value) == len(node.get("v", [])):
        return {k: _attach(n, v, remote, call_id, inputs) for (k, v), n in zip(value.items(), node["v"])}
    return value


def _set_rng(state: Any) -> None:
    try:
        torch_state = state["torch"]
        if isinstance(torch_state, np.ndarray) and torch_state.dtype == np.uint8:
            torch.set_rng_state(torch.from_numpy(torch_state.copy()))
        np_state = state["numpy"]
        if isinstance(np_state, tuple) and len(np_state) == 5 and np_state[0] == "MT19937":
            np.random.set_state(np_state)
        py_state = state["python"]
        if isinstance(py_state, tuple) and len(py_state) == 3:
            random.setstate(py_state)
    except Exception:  # noqa: BLE001 - a malformed state: keep ours
        pass


class RemoteFunction:
    """A student's function, called in the sandbox; see the module's description.

    Parameters
    ----------
    conn : AnswerConnection
        The forked answer server of this exercise.
    name : str
        The answer's name (shown in messages).
    call_timeout : float
        Seconds one call may take.
    deadline : float
        ``time.monotonic()`` after which no call starts (the exercise's total budget).
    """

    def __init__(self, conn: AnswerConnection, name: str, call_timeout: float, deadline: float) -> None:
        self._conn, self.__name__, self._timeout, self._deadline = conn, name, call_timeout, deadline
        self.calls = 0

    def __repr__(self) -> str:
        return f"<your {self.__name__} (run in the sandbox)>"

    def _time_left(self) -> float:
        left = min(self._timeout, self._deadline - time.monotonic())
        if left <= 0:
            raise RemoteTimeout(f"the check of {self.__name__} ran out of time")
        return left

    def _ask(self, request: dict) -> tuple[Any, list[bytes]]:
        timeout = self._time_left()
        try:
            return self._conn.ask(request, timeout)
        except SandboxTimeout as exc:
            raise RemoteTimeout(f"{self.__name__} did not return within {timeout:.0f} s") from exc
        except SandboxError as exc:
            raise RemoteTimeout(f"{self.__name__} could not be run: {exc}") from exc

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        inputs = _grad_tensors((args, kwargs), [])
        payload = pickle.dumps((args, kwargs, _with_grads((args, kwargs), [])))
        rng = {"torch": torch.get_rng_state().numpy(), "numpy": np.random.get_state(), "python": random.getstate()}
        head, blobs = self._ask({"op": "call", "payload": payload, "rng": rng})
        if not isinstance(head, dict) or not isinstance(head.get("ok"), bool):
            raise RemoteError("the sandbox sent a malformed answer")
        if not head["ok"]:
            raise remote_error(head.get("error"))
        try:
            result = decode_value(head["result"], blobs)
            state = codec.decode(head["state"], blobs, rebuild_module=_state_only)
            _set_rng(codec.decode(head["rng"], blobs))
        except codec.DecodeError as exc:
            raise RemoteError(f"your code returned something that is not data: {exc}") from exc
        if isinstance(state, list) and len(state) == 2 and isinstance(state[0], list) and isinstance(state[1], dict):
            for orig, new in zip(args, state[0]):
                if isinstance(orig, _MUTABLE):
                    _write_back(orig, new)
            for key, orig in kwargs.items():
                if isinstance(orig, _MUTABLE) and key in state[1]:
                    _write_back(orig, state[1][key])
        self._count_executions(args, head.get("trackers"))
        n_inputs = head.get("n_inputs")
        if n_inputs != len(inputs):
            inputs = []
        return _attach(head["result"], result, self, head.get("call"), inputs)

    @staticmethod
    def _count_executions(args: tuple, trackers: Any) -> None:
        if not isinstance(trackers, dict):
            return
        for key, counts in trackers.items():
            if not (isinstance(key, str) and key.isdigit() and int(key) < len(args) and isinstance(counts, dict)):
                continue
            tracker = getattr(args[int(key)], "tracker", None)
            if tracker is None or not getattr(tracker, "active", False):
                continue
            numbers = {k: (int(v) if float(v).is_integer() else float(v)) for k, v in counts.items()
                       if isinstance(k, str) and isinstance(v, (int, float)) and v > 0}
            if numbers:
                tracker.update(**numbers)

    def _backward(self, call_id: Any, index: int, grad: torch.Tensor) -> list:
        head, blobs = self._ask({"op": "backward", "call": call_id, "out": index, "grad": pickle.dumps(grad.detach())})
        if not isinstance(head, dict) or not head.get("ok"):
            raise remote_error(head.get("error") if isinstance(head, dict) else None)
        try:
            return codec.decode(head["grads"], blobs)
        except codec.DecodeError as exc:
            raise RemoteError(f"the sandbox sent a malformed gradient: {exc}") from exc
