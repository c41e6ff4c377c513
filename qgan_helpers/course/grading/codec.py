"""Plain data across the sandbox wall: what a student's code returns, as JSON plus raw arrays.

The sandbox (:mod:`.worker`) *encodes* the values the student's code produced; the grader *decodes*
them. Decoding never unpickles and never imports or calls anything the data names, except the
course's own module classes (:func:`decode` with ``rebuild_module``) and PennyLane operations by
name: numbers, strings, lists, tuples, dicts, NumPy arrays (``np.load(allow_pickle=False)``),
NumPy scalars of numeric dtypes, torch tensors (rebuilt from such arrays), torch modules as class
name + constructor arguments + ``state_dict``, PennyLane operations as name + wires + parameters.
Anything else arrives as an :class:`Opaque` stand-in that only knows its type's name.

This file is copied into each sandbox next to the worker, so it imports nothing of ``qgan_helpers``.

Examples
--------
>>> import numpy as np
>>> data = encode({"a": [1, 2.5, None], "b": np.arange(3)})
>>> out = decode(*data)
>>> out["a"], out["b"].tolist()
([1, 2.5, None], [0, 1, 2])
"""

from __future__ import annotations

import io
import json
import math
import struct
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["Opaque", "DecodeError", "encode", "decode", "pack", "unpack", "MAX_BLOB", "MAX_DEPTH"]

MAX_DEPTH = 32
MAX_BLOB = 256 * 2**20  # bytes of one array
MAX_ITEMS = 100_000  # elements of one list, tuple or dict
MAX_STR = 1_000_000
_NUMERIC_KINDS = "biufc"
_TORCH_NN_SIMPLE = {  # torch.nn classes rebuilt from their own attributes: name -> constructor attributes
    "Linear": ("in_features", "out_features"),
    "ReLU": (),
    "Sigmoid": (),
    "Tanh": (),
    "Identity": (),
    "GELU": (),
    "Softplus": ("beta", "threshold"),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "Dropout": ("p",),
    "Flatten": ("start_dim", "end_dim"),
    "Sequential": (),
}


class DecodeError(ValueError):
    """The sandbox sent something that is not well-formed data."""


class Opaque:
    """Stands for a value the sandbox could not send as data; only its type's name arrives.

    Examples
    --------
    >>> Opaque.named("MyThing")().type_name
    'MyThing'
    """

    type_name = "object"

    @classmethod
    def named(cls, name: str) -> type:
        """A subclass whose ``__name__`` is the student's type name (checkers print ``type(x).__name__``)."""
        safe = "".join(ch for ch in str(name)[:160] if ch.isprintable()) or "object"
        return type(safe, (cls,), {"type_name": safe})

    def __repr__(self) -> str:
        return f"<{self.type_name} (not transferable data)>"


# -- encoding (in the sandbox) ----------------------------------------------------------------------
def _module_spec(module: Any, blobs: list[bytes], depth: int) -> dict:
    cls = type(module)
    ctor = module.__dict__.get("_qgan_ctor")
    state = dict(module.state_dict())
    frozen = [name for name, p in module.named_parameters() if not p.requires_grad]
    spec = {"t": "module", "cls": f"{cls.__module__}:{cls.__qualname__}", "state": _enc(state, blobs, depth + 1),
            "frozen": frozen, "training": bool(module.training)}
    if cls.__module__.startswith("qgan_helpers.") and ctor is not None:
        args, kwargs = ctor
        spec["args"] = _enc(list(args), blobs, depth + 1)
        spec["kwargs"] = _enc(dict(kwargs), blobs, depth + 1)
    elif cls.__module__.startswith("torch.nn"):
        nn_spec = _torch_nn_spec(module)
        if nn_spec is not None:
            spec["cls"] = f"torch.nn:{cls.__name__}"
            spec["nn"] = nn_spec
    return spec


def _torch_nn_spec(module: Any) -> dict | None:
    cls = type(module)
    name = cls.__name__
    if cls.__module__.split(".")[:2] != ["torch", "nn"] or name not in _TORCH_NN_SIMPLE:
        return None
    attrs = {a: getattr(module, a) for a in _TORCH_NN_SIMPLE[name]}
    if name == "Linear":
        attrs["bias"] = module.bias is not None
    children = []
    if name == "Sequential":
        for child in module.children():
            spec = _torch_nn_spec(child)
            if spec is None:
                return None
            children.append(spec)
    elif list(module.children()):
        return None
    return {"name": name, "attrs": attrs, "children": children}


def _op_spec(op: Any, blobs: list[bytes], depth: int) -> dict:
    import numpy as np
    from pennylane.ops.op_math import Adjoint

    name = type(op).__name__
    if isinstance(op, Adjoint):
        return {"t": "op", "adjoint": _op_spec(op.base, blobs, depth + 1)}
    try:
        params = [np.asarray(p, dtype=complex if np.iscomplexobj(p) else float) for p in op.parameters]
        return {"t": "op", "name": name, "wires": _enc(list(op.wires.tolist()), blobs, depth + 1),
                "params": _enc(params, blobs, depth + 1)}
    except Exception:  # noqa: BLE001 - an operation without plain parameters: send its matrix
        import pennylane as qml

        return {"t": "op", "matrix": _enc(np.asarray(qml.matrix(op)), blobs, depth + 1),
                "wires": _enc(list(op.wires.tolist()), blobs, depth + 1), "name": name}


def _array_blob(arr: Any, blobs: list[bytes]) -> int:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=False)
    blobs.append(buffer.getvalue())
    return len(blobs) - 1


def _enc(value: Any, blobs: list[bytes], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return {"t": "opaque", "type": "nested too deeply"}
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int) and type(value) is int:
        return {"t": "int", "v": str(value)} if abs(value) < 10**300 else {"t": "opaque", "type": "int (too large)"}
    if isinstance(value, float) and type(value) is float:
        return {"t": "float", "v": repr(value)}
    if isinstance(value, complex) and type(value) is complex:
        return {"t": "complex", "re": repr(value.real), "im": repr(value.imag)}
    if isinstance(value, str) and type(value) is str:
        return {"t": "str", "v": value[:MAX_STR]}
    if type(value) in (list, tuple):
        items = list(value)[:MAX_ITEMS]
        return {"t": type(value).__name__, "v": [_enc(v, blobs, depth + 1) for v in items]}
    if type(value) is dict:
        items = list(value.items())[:MAX_ITEMS]
        return {"t": "dict", "k": [_enc(k, blobs, depth + 1) for k, _ in items],
                "v": [_enc(v, blobs, depth + 1) for _, v in items]}
    module = type(value).__module__.split(".")[0]
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.generic) and value.dtype.kind in _NUMERIC_KINDS:
            return {"t": "npscalar", "dtype": value.dtype.str, "b": _array_blob(np.asarray(value), blobs)}
    if module in ("numpy", "pennylane", "autograd"):
        import numpy as np

        if isinstance(value, np.ndarray) and value.dtype.kind in _NUMERIC_KINDS:
            return {"t": "ndarray", "b": _array_blob(np.asarray(value), blobs)}
    if module == "torch":
        import torch

        if isinstance(value, torch.Size):
            return {"t": "tuple", "v": [_enc(int(v), blobs, depth + 1) for v in value]}
        if isinstance(value, torch.Tensor) and value.layout == torch.strided and not value.is_quantized:
            dtype = str(value.dtype).replace("torch.", "")
            data = value.detach().cpu()
            if dtype == "bfloat16":
                data = data.float()
            return {"t": "tensor", "dtype": dtype, "b": _array_blob(data.numpy(), blobs),
                    "requires_grad": bool(value.requires_grad)}
        if isinstance(value, torch.Generator):
            return {"t": "generator", "b": _array_blob(value.get_state().numpy(), blobs)}
    if "torch" in sys.modules:
        import torch

        if isinstance(value, torch.nn.Module):
            return _module_spec(value, blobs, depth)
    if module == "pennylane":
        import pennylane as qml

        if isinstance(value, qml.operation.Operator):
            return _op_spec(value, blobs, depth)
    return {"t": "opaque", "type": type(value).__name__, "callable": callable(value)}


def encode(value: Any) -> tuple[Any, list[bytes]]:
    """``value`` as (JSON-able tagged structure, list of raw ``.npy`` blobs).

    Examples
    --------
    >>> encode((1, "a"))[0]
    {'t': 'tuple', 'v': [{'t': 'int', 'v': '1'}, {'t': 'str', 'v': 'a'}]}
    """
    blobs: list[bytes] = []
    return _enc(value, blobs), blobs


# -- decoding (in the grader) -----------------------------------------------------------------------
def _float(text: Any) -> float:
    if not isinstance(text, str) or len(text) > 64:
        raise DecodeError(f"expected a float literal, got {text!r:.80}")
    try:
        return float(text)
    except ValueError as exc:
        raise DecodeError(f"expected a float literal, got {text!r:.80}") from exc


def _array(blobs: list[bytes], index: Any) -> Any:
    import numpy as np

    if not isinstance(index, int) or not 0 <= index < len(blobs):
        raise DecodeError(f"no array number {index!r}")
    blob = blobs[index]
    if len(blob) > MAX_BLOB:
        raise DecodeError(f"an array of {len(blob)} bytes is larger than the limit of {MAX_BLOB}")
    try:
        arr = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - malformed data from the sandbox
        raise DecodeError(f"a malformed array: {exc}") from exc
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise DecodeError(f"an array of dtype {arr.dtype} (only numbers are accepted)")
    return arr


_SCALAR_TAGS = ("none", "bool", "int", "float", "complex", "str")
_CONTAINER_TAGS = ("list", "tuple", "dict")
_ARRAY_TAGS = ("npscalar", "ndarray", "tensor", "generator")


def _dec_scalar(tag: str, node: dict) -> Any:
    """A ``none``/``bool``/``int``/``float``/``complex``/``str`` node."""
    if tag == "none":
        return None
    if tag == "bool":
        if not isinstance(node.get("v"), bool):
            raise DecodeError("a bool that is not a bool")
        return node["v"]
    if tag == "int":
        text = node.get("v")
        if not isinstance(text, str) or len(text) > 310 or not text.lstrip("-").isdigit():
            raise DecodeError(f"expected an integer literal, got {text!r:.80}")
        return int(text)
    if tag == "float":
        return _float(node.get("v"))
    if tag == "complex":
        return complex(_float(node.get("re")), _float(node.get("im")))
    if not isinstance(node.get("v"), str):
        raise DecodeError("a str that is not a str")
    return node["v"][:MAX_STR]


def _dec_container(tag: str, node: dict, sub: Callable[[Any], Any]) -> Any:
    """A ``list``/``tuple``/``dict`` node; ``sub`` decodes one element one level deeper."""
    if tag in ("list", "tuple"):
        items = node.get("v")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise DecodeError(f"a malformed {tag}")
        out = [sub(v) for v in items]
        return out if tag == "list" else tuple(out)
    keys, values = node.get("k"), node.get("v")
    if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values) or len(keys) > MAX_ITEMS:
        raise DecodeError("a malformed dict")
    out = {}
    for k, v in zip(keys, values):
        key = sub(k)
        try:
            hash(key)
        except TypeError as exc:
            raise DecodeError("a dict key that cannot be hashed") from exc
        out[key] = sub(v)
    return out


def _dec_array(tag: str, node: dict, blobs: list[bytes]) -> Any:
    """An ``npscalar``/``ndarray``/``tensor``/``generator`` node, rebuilt from its ``.npy`` blob."""
    if tag == "npscalar":
        import numpy as np

        arr = _array(blobs, node.get("b"))
        if arr.shape != ():
            raise DecodeError("a NumPy scalar that is not 0-d")
        return arr[()] if isinstance(arr[()], np.generic) else arr.dtype.type(arr[()])
    if tag == "ndarray":
        return _array(blobs, node.get("b"))
    import torch

    if tag == "tensor":
        arr = _array(blobs, node.get("b"))
        dtype = node.get("dtype")
        if not isinstance(dtype, str) or not isinstance(getattr(torch, dtype, None), torch.dtype):
            raise DecodeError(f"an unknown tensor dtype {dtype!r:.40}")
        return torch.from_numpy(arr.copy()).to(getattr(torch, dtype))
    state = _array(blobs, node.get("b"))
    gen = torch.Generator()
    try:
        gen.set_state(torch.from_numpy(state.astype("uint8")))
    except Exception as exc:  # noqa: BLE001
        raise DecodeError(f"a malformed random generator state: {exc}") from exc
    return gen


def _dec(node: Any, blobs: list[bytes], depth: int, rebuild_module: Callable[[dict, Callable], Any] | None) -> Any:
    if depth > MAX_DEPTH + 2:
        raise DecodeError("data nested too deeply")
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise DecodeError(f"expected a tagged value, got {type(node).__name__}")
    tag = node["t"]

    def sub(x: Any) -> Any:
        return _dec(x, blobs, depth + 1, rebuild_module)

    if tag in _SCALAR_TAGS:
        return _dec_scalar(tag, node)
    if tag in _CONTAINER_TAGS:
        return _dec_container(tag, node, sub)
    if tag in _ARRAY_TAGS:
        return _dec_array(tag, node, blobs)
    if tag == "op":
        return _decode_op(node, sub)
    if tag == "module":
        if rebuild_module is None:
            return Opaque.named(str(node.get("cls", "Module")).split(":")[-1])()
        return rebuild_module(node, sub)
    if tag == "opaque":
        return Opaque.named(str(node.get("type", "object")))()
    raise DecodeError(f"unknown tag {tag!r:.40}")


def _decode_op(node: dict, sub: Callable[[Any], Any]) -> Any:
    import numpy as np
    import pennylane as qml

    if "adjoint" in node:
        return qml.adjoint(_decode_op(node["adjoint"], sub), lazy=True)
    wires = sub(node.get("wires"))
    if not isinstance(wires, list) or not all(isinstance(w, (int, str)) for w in wires) or len(wires) > 64:
        raise DecodeError("an operation with malformed wires")
    if "matrix" in node:
        return qml.QubitUnitary(np.asarray(sub(node["matrix"])), wires=wires)
    name = node.get("name")
    cls = getattr(qml, name, None) if isinstance(name, str) and name.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, qml.operation.Operator)):
        raise DecodeError(f"an unknown operation {name!r:.40}")
    params = sub(node.get("params"))
    if not isinstance(params, list) or not all(isinstance(p, np.ndarray) for p in params):
        raise DecodeError("an operation with malformed parameters")
    try:
        return cls(*[p if p.ndim else p[()] for p in params], wires=wires)
    except Exception as exc:  # noqa: BLE001 - parameters the operation does not accept
        raise DecodeError(f"the operation {name} could not be rebuilt: {exc}") from exc


def decode(
    tree: Any, blobs: list[bytes], *, rebuild_module: Callable[[dict, Callable], Any] | None = None
) -> Any:
    """The value :func:`encode` described, rebuilt from data only.

    Parameters
    ----------
    tree : object
        The JSON structure.
    blobs : list of bytes
        The ``.npy`` blobs it refers to.
    rebuild_module : callable, optional
        ``rebuild_module(spec, decode_child)`` for module specs; without it a module arrives as
        :class:`Opaque`.

    Raises
    ------
    DecodeError
        If the data is malformed, too large, or names something that is not accepted.

    Examples
    --------
    >>> decode({"t": "float", "v": "nan"}, []) != decode({"t": "float", "v": "nan"}, [])
    True
    """
    return _dec(tree, blobs, 0, rebuild_module)


# -- framing ---------------------------------------------------------------------------------------
def pack(header: Any, blobs: list[bytes] = ()) -> bytes:
    """One message from the sandbox: a JSON header (with the blob sizes) followed by the blobs.

    Examples
    --------
    >>> unpack(pack({"ok": True}, [b"xy"]))
    ({'ok': True}, [b'xy'])
    """
    head = json.dumps({"h": header, "n": [len(b) for b in blobs]}, allow_nan=False).encode()
    return struct.pack(">I", len(head)) + head + b"".join(blobs)


def unpack(message: bytes) -> tuple[Any, list[bytes]]:
    """The header and blobs of a :func:`pack` message.

    Raises
    ------
    DecodeError
        If the message is malformed.
    """
    if len(message) < 4:
        raise DecodeError("a truncated message")
    (size,) = struct.unpack(">I", message[:4])
    try:
        head = json.loads(message[4:4 + size])
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"a message whose header is not JSON: {exc}") from exc
    sizes = head.get("n") if isinstance(head, dict) else None
    if not isinstance(sizes, list) or not all(isinstance(n, int) and n >= 0 for n in sizes):
        raise DecodeError("a message without blob sizes")
    blobs, pos = [], 4 + size
    for n in sizes:
        blobs.append(message[pos:pos + n])
        pos += n
    if pos != len(message) or any(len(b) != n for b, n in zip(blobs, sizes)):
        raise DecodeError("a message whose blobs do not add up")
    if not math.isfinite(len(blobs)):
        raise DecodeError("too many blobs")
    return head.get("h"), blobs
