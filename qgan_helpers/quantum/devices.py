"""Simulator devices, QNodes with shots, and what a register costs in memory and time.

The course uses three PennyLane simulators:

=====================  ================================  =======================================
``default.qubit``      state vector, NumPy/torch/JAX      ``2**n`` complex amplitudes; backprop and
                                                          parameter broadcasting (the fast path)
``lightning.qubit``    state vector, C++ kernels          same memory, faster gates for many qubits;
                                                          adjoint gradients
``default.mixed``      density matrix                     ``4**n`` complex entries; noise channels
=====================  ================================  =======================================

Shots belong to the QNode, not the device (PennyLane 0.45 deprecates ``shots=`` on devices):
:func:`make_qnode` sets them with ``qml.QNode(..., shots=...)``.

Memory is checked *before* a device is built: :func:`make_device` raises
:class:`RegisterTooLargeError` (a :class:`MemoryError`) when one state vector or density matrix
would take more than half of the memory this machine has available (simulators keep temporary
copies of the state, so half is a realistic ceiling).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation
from qgan_helpers.quantum.circuits import as_wires, seed_ansatz, seed_weight_shape

__all__ = [
    "SUPPORTED_DEVICES",
    "MEMORY_KINDS",
    "DEVICE_KIND",
    "RegisterTooLargeError",
    "make_device",
    "make_qnode",
    "memory_bytes",
    "available_memory_bytes",
    "check_fits_in_memory",
    "largest_register",
    "format_bytes",
    "time_circuit",
]

SUPPORTED_DEVICES: tuple[str, ...] = ("default.qubit", "lightning.qubit", "default.mixed")

MEMORY_KINDS: tuple[str, ...] = ("statevector", "density")

#: What each supported device stores: a state vector or a density matrix.
DEVICE_KIND: dict[str, str] = {
    "default.qubit": "statevector",
    "lightning.qubit": "statevector",
    "default.mixed": "density",
}

_KIND_TEXT = {"statevector": "state-vector", "density": "density-matrix"}

#: Fraction of the available memory one state may use (simulators need temporary copies).
DEFAULT_FRACTION = 0.5


class RegisterTooLargeError(MemoryError):
    """A register whose state (vector or density matrix) does not fit in this machine's memory."""


# -- small validators (counts, seeds and numbers: qgan_helpers.validation) --------------------------
def _check_kind(kind: Any) -> str:
    if kind not in MEMORY_KINDS:
        raise ValueError(f"kind: expected one of {', '.join(map(repr, MEMORY_KINDS))}, got {kind!r}")
    return kind


def _check_name(name: Any) -> str:
    if name not in SUPPORTED_DEVICES:
        raise ValueError(f"name: expected one of {', '.join(map(repr, SUPPORTED_DEVICES))}, got {name!r}")
    return name


def _wire_labels(wires: Any) -> list[Any]:
    """Validate ``wires`` (a positive int or a sequence of labels) and return the labels."""
    if isinstance(wires, (bool, np.bool_)) or isinstance(wires, (str, bytes)):
        raise validation.ArgumentTypeError(
            f"wires: expected a positive integer or a sequence of wire labels, got {wires!r}"
        )
    if isinstance(wires, (int, np.integer)):
        validation.positive_int("wires", wires)
    elif not isinstance(wires, (Sequence, np.ndarray, range, qml.wires.Wires)):
        raise validation.ArgumentTypeError(
            f"wires: expected a positive integer or a sequence of wire labels, "
            f"got {wires!r} of type {type(wires).__name__}"
        )
    return as_wires(wires)


# -- memory ---------------------------------------------------------------------------------------
def memory_bytes(n_qubits: int, kind: str = "statevector", dtype_bytes: int = 16) -> int:
    """Bytes needed to store one ``n_qubits`` state.

    A state vector has ``2**n`` complex amplitudes, a density matrix ``4**n`` complex entries;
    ``complex128`` takes 16 bytes per number (``complex64``: 8).

    Parameters
    ----------
    n_qubits : int
        Number of qubits, ``>= 0``.
    kind : {"statevector", "density"}
    dtype_bytes : int
        Bytes per complex number.

    Returns
    -------
    int

    Examples
    --------
    >>> memory_bytes(3)
    128
    >>> memory_bytes(3, "density")
    1024
    >>> memory_bytes(30) / 2**30   # GiB for 30 qubits
    16.0
    """
    n = validation.non_negative_int("n_qubits", n_qubits)
    _check_kind(kind)
    per_number = validation.positive_int("dtype_bytes", dtype_bytes)
    base = 2 if kind == "statevector" else 4
    return base**n * per_number


def _read_meminfo(path: str | os.PathLike = "/proc/meminfo") -> int | None:
    """``MemAvailable`` from a Linux ``/proc/meminfo`` file, in bytes (``None`` if absent)."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                unit = parts[2].lower() if len(parts) > 2 else "b"
                return int(parts[1]) * (1024 if unit == "kb" else 1)
    return None


def available_memory_bytes() -> int:
    """Memory this machine can give a new computation now, in bytes.

    Reads ``MemAvailable`` from ``/proc/meminfo`` (Linux); falls back to
    ``os.sysconf`` (available physical pages times the page size).

    Raises
    ------
    OSError
        If neither source is available on this platform.

    Examples
    --------
    >>> available_memory_bytes() > 0
    True
    """
    value = _read_meminfo()
    if value is not None:
        return value
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError) as exc:
        raise OSError(
            "available memory: neither /proc/meminfo nor os.sysconf('SC_AVPHYS_PAGES') is available here"
        ) from exc


def format_bytes(n_bytes: float) -> str:
    """A human-readable size in binary units (``"16.0 GiB"``).

    Examples
    --------
    >>> format_bytes(1024), format_bytes(16 * 2**30), format_bytes(100)
    ('1.0 KiB', '16.0 GiB', '100 B')
    """
    if n_bytes < 1024:
        return f"{int(n_bytes)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        n_bytes /= 1024
        if n_bytes < 1024 or unit == "EiB":
            return f"{n_bytes:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def _check_fraction(fraction: Any) -> float:
    return validation.number("fraction", fraction, 0, 1, low_open=True)


def _check_memory(memory: Any) -> int:
    if memory is None:
        return available_memory_bytes()
    wanted = "memory: expected a positive number of bytes (or None for this machine)"
    if isinstance(memory, (bool, np.bool_)) or not isinstance(memory, (int, np.integer, float, np.floating)):
        raise validation.ArgumentTypeError(f"{wanted}, got {memory!r} of type {type(memory).__name__}")
    if not (math.isfinite(memory) and memory > 0):
        raise ValueError(f"{wanted}, got {memory!r}")
    return int(memory)


def largest_register(
    kind: str = "statevector", memory: int | None = None, fraction: float = DEFAULT_FRACTION, dtype_bytes: int = 16
) -> int:
    """The largest number of qubits whose state fits in ``fraction * memory`` bytes.

    Parameters
    ----------
    kind : {"statevector", "density"}
    memory : int, optional
        Bytes to budget with; ``None`` uses :func:`available_memory_bytes`.
    fraction : float
        Share of ``memory`` one state may take (default one half: simulators keep temporary copies).
    dtype_bytes : int
        Bytes per complex number.

    Returns
    -------
    int
        ``0`` if not even one qubit fits.

    Examples
    --------
    >>> largest_register("statevector", memory=16 * 2**30, fraction=1.0)   # 16 GiB
    30
    >>> largest_register("density", memory=16 * 2**30, fraction=1.0)
    15
    """
    _check_kind(kind)
    budget = _check_memory(memory) * _check_fraction(fraction)
    per_number = validation.positive_int("dtype_bytes", dtype_bytes)
    base = 2 if kind == "statevector" else 4
    numbers = budget / per_number
    if numbers < 1:
        return 0
    n = int(math.floor(math.log(numbers, base)))
    # guard against floating-point error in the logarithm
    while memory_bytes(n + 1, kind, per_number) <= budget:
        n += 1
    while n > 0 and memory_bytes(n, kind, per_number) > budget:
        n -= 1
    return n


def check_fits_in_memory(
    n_qubits: int,
    kind: str = "statevector",
    *,
    memory: int | None = None,
    fraction: float = DEFAULT_FRACTION,
    dtype_bytes: int = 16,
    device: str | None = None,
) -> int:
    """Raise :class:`RegisterTooLargeError` unless one ``n_qubits`` state fits in ``fraction * memory``.

    Parameters
    ----------
    n_qubits : int
    kind : {"statevector", "density"}
    memory : int, optional
        Bytes available; ``None`` uses :func:`available_memory_bytes`.
    fraction : float
        Share of ``memory`` one state may take.
    dtype_bytes : int
    device : str, optional
        Device name, only used to make the error message specific.

    Returns
    -------
    int
        The bytes one state needs (when it fits).

    Examples
    --------
    >>> check_fits_in_memory(10, "density", memory=2**30)
    16777216
    >>> check_fits_in_memory(40, memory=2**30)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    qgan_helpers.quantum.devices.RegisterTooLargeError: wires: a 40-qubit state-vector simulation needs 16.0 TiB ...
    """
    needed = memory_bytes(n_qubits, kind, dtype_bytes)
    available = _check_memory(memory)
    share = _check_fraction(fraction)
    if needed > share * available:
        who = f" ({device})" if device else ""
        limit = largest_register(kind, available, share, dtype_bytes)
        raise RegisterTooLargeError(
            f"wires: a {n_qubits}-qubit {_KIND_TEXT[kind]} simulation{who} needs {format_bytes(needed)} "
            f"({needed} bytes) for one {'state vector' if kind == 'statevector' else 'density matrix'}, "
            f"but this machine has {format_bytes(available)} ({available} bytes) available and a state may use "
            f"{share:.0%} of it; at most {limit} qubits fit"
        )
    return needed


# -- devices and QNodes ---------------------------------------------------------------------------
def make_device(
    name: str = "default.qubit",
    wires: int | Sequence[Any] = 1,
    *,
    check_memory: bool = True,
    seed: int | None = None,
) -> qml.devices.Device:
    """Build one of the course's simulators, after checking that its register fits in memory.

    Parameters
    ----------
    name : {"default.qubit", "lightning.qubit", "default.mixed"}
    wires : int or sequence
        Number of qubits ``n`` (wires ``0..n-1``) or a sequence of wire labels.
    check_memory : bool
        Refuse registers whose state would take more than half the available memory.
    seed : int, optional
        Seed of the device's sampler (used with shots). ``None`` draws from NumPy's global
        generator, which :func:`qgan_helpers.seeding.seed_everything` seeds.

    Returns
    -------
    pennylane.devices.Device
        Without shots: set shots on the QNode (:func:`make_qnode`).

    Raises
    ------
    ValueError
        For an unknown name or bad wires.
    RegisterTooLargeError
        If the register does not fit in memory.

    Examples
    --------
    >>> dev = make_device("default.mixed", wires=2)
    >>> dev.name, len(dev.wires)
    ('default.mixed', 2)
    """
    _check_name(name)
    labels = _wire_labels(wires)
    if check_memory:
        check_fits_in_memory(len(labels), DEVICE_KIND[name], device=name)
    kwargs: dict[str, Any] = {}
    if seed is not None:
        kwargs["seed"] = validation.seed(seed)
    return qml.device(name, wires=labels if not isinstance(wires, (int, np.integer)) else int(wires), **kwargs)


def _check_shots(shots: Any) -> int | None:
    if shots is None:
        return None
    if not validation.is_int(shots):
        raise validation.ArgumentTypeError(
            f"shots: expected a positive integer (or None for exact results), "
            f"got {shots!r} of type {type(shots).__name__}"
        )
    if shots < 1:
        raise ValueError(f"shots: expected a positive integer (or None for exact results), got {shots}")
    return int(shots)


def make_qnode(
    circuit: Callable[..., Any],
    *,
    device: str = "default.qubit",
    wires: int | Sequence[Any] = 1,
    shots: int | None = None,
    interface: str = "torch",
    diff_method: str | None = "best",
    seed: int | None = None,
    check_memory: bool = True,
) -> qml.QNode:
    """Wrap a quantum function into a QNode on a fresh device, with shots set on the QNode.

    Parameters
    ----------
    circuit : callable
        A quantum function: queues operations and returns measurement(s).
    device : str
        A name from :data:`SUPPORTED_DEVICES`.
    wires : int or sequence
        The device's wires (see :func:`make_device`).
    shots : int, optional
        Number of samples per execution; ``None`` (default) gives exact (analytic) results.
    interface : str
        ``"torch"`` (default), ``"numpy"``, ``"autograd"``, ``"auto"``, ...
    diff_method : str or None
        ``"best"``, ``"backprop"``, ``"adjoint"``, ``"parameter-shift"``, ... or ``None``.
    seed : int, optional
        Seed of the device's sampler (see :func:`make_device`).
    check_memory : bool
        Passed to :func:`make_device`.

    Returns
    -------
    pennylane.QNode

    Examples
    --------
    >>> def bell():
    ...     qml.Hadamard(0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.probs(wires=[0, 1])
    >>> make_qnode(bell, wires=2, interface="numpy")().round(3).tolist()
    [0.5, 0.0, 0.0, 0.5]
    >>> def bits():
    ...     qml.Hadamard(0)
    ...     return qml.sample(wires=[0])
    >>> tuple(make_qnode(bits, shots=5, seed=1)().shape)
    (5, 1)
    """
    if not callable(circuit):
        raise TypeError(f"circuit: expected a quantum function (callable), got {type(circuit).__name__}")
    n_shots = _check_shots(shots)
    dev = make_device(device, wires, check_memory=check_memory, seed=seed)
    return qml.QNode(circuit, dev, interface=interface, diff_method=diff_method, shots=n_shots)


# -- time -----------------------------------------------------------------------------------------
def time_circuit(
    device: str = "default.qubit",
    n_qubits: int = 4,
    *,
    layers: int = 1,
    repeats: int = 3,
    max_seconds: float = 2.0,
    seed: int = 0,
) -> float:
    """Wall-clock seconds of one execution of a fixed-depth random circuit (best of several runs).

    The circuit is the seed's hardware-efficient ansatz (:func:`~qgan_helpers.quantum.circuits.seed_ansatz`:
    ``layers`` x (RX RY RZ on every wire + a CNOT chain)) with uniformly random angles, measuring
    ``<Z>`` on wire 0, without gradients. Building the QNode is not timed. Runs are repeated
    up to ``repeats`` times but stop early once ``max_seconds`` have been spent; the fastest run
    is returned (the one least disturbed by other processes).

    Parameters
    ----------
    device : str
        A name from :data:`SUPPORTED_DEVICES`.
    n_qubits : int
    layers : int
    repeats : int
    max_seconds : float
        Stop repeating once this much time has been spent (at least one run is always made).
    seed : int
        Seed of the random angles.

    Returns
    -------
    float
        Seconds.

    Examples
    --------
    >>> time_circuit("default.qubit", 3, repeats=2) > 0  # seconds per call; no upper bound (machines differ)
    True
    """
    n = validation.positive_int("n_qubits", n_qubits)
    n_layers = validation.positive_int("layers", layers)
    n_repeats = validation.positive_int("repeats", repeats)
    max_seconds = validation.positive_number("max_seconds", max_seconds)
    weights = np.random.default_rng(seed).uniform(0, 2 * np.pi, seed_weight_shape(n_layers, n))

    def circuit(w):
        seed_ansatz(w, n)
        return qml.expval(qml.PauliZ(0))

    qnode = make_qnode(circuit, device=device, wires=n, interface="numpy", diff_method=None)
    times: list[float] = []
    for _ in range(n_repeats):
        start = time.perf_counter()
        qnode(weights)
        times.append(time.perf_counter() - start)
        if sum(times) >= max_seconds:
            break
    return min(times)
