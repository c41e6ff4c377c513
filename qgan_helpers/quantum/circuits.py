"""The course's circuits: the seed's hardware-efficient layer, the patch layer, and latent encodings.

All templates are plain functions that queue PennyLane operations, so they can be used inside any
QNode. Angles may carry leading *batch* dimensions (PennyLane parameter broadcasting): a weight
tensor of shape ``(B, layers, wires, 3)`` or a latent of shape ``(B, wires)`` evaluates ``B``
circuits in one call, which is the fast path for training.

Wire convention: ``wires`` is an int ``n`` (meaning wires ``0..n-1``) or a sequence of wire labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation

__all__ = [
    "as_wires",
    "seed_layer",
    "seed_ansatz",
    "seed_weight_shape",
    "patch_layer",
    "patch_ansatz",
    "patch_weight_shape",
    "angle_encoding",
    "amplitude_encoding",
    "normalise_latent",
    "count_angles",
]

WireSpec = int | Sequence[Any]


def as_wires(wires: WireSpec) -> list[Any]:
    """Turn ``wires`` (an int ``n`` or a sequence of labels) into a list of wire labels.

    Raises
    ------
    ~qgan_helpers.validation.ArgumentTypeError
        If ``wires`` is neither an integer nor a sequence (``2.5``, ``True``).
    ValueError
        If ``wires`` is an int below 1, an empty sequence or repeats a label.

    Examples
    --------
    >>> as_wires(3)
    [0, 1, 2]
    >>> as_wires(["a", "b"])
    ['a', 'b']
    """
    wanted = "wires: expected a positive integer or a sequence of wire labels"
    if isinstance(wires, (bool, np.bool_)):
        raise validation.ArgumentTypeError(f"{wanted}, got {wires!r}")
    if isinstance(wires, (int, np.integer)):
        return list(range(validation.positive_int("wires", wires)))
    try:
        labels = list(wires)
    except TypeError:
        raise validation.ArgumentTypeError(f"{wanted}, got {wires!r} of type {type(wires).__name__}") from None
    if not labels:
        raise ValueError("wires: expected at least one wire, got an empty sequence")
    if len(set(labels)) != len(labels):
        raise ValueError(f"wires: expected distinct wire labels, got {labels}")
    return labels


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", np.shape(x)))


def _check_trailing(name: str, x: Any, trailing: tuple[int, ...], meaning: str) -> tuple[int, ...]:
    shape = _shape(x)
    k = len(trailing)
    if len(shape) < k or shape[len(shape) - k :] != trailing or len(shape) > k + 1:
        raise ValueError(
            f"{name}: expected shape {trailing} ({meaning}), optionally with one leading batch dimension, got {shape}"
        )
    return shape


def seed_weight_shape(layers: int, n_wires: int) -> tuple[int, int, int]:
    """Shape of the weights of :func:`seed_ansatz`: ``(layers, n_wires, 3)``.

    Examples
    --------
    >>> seed_weight_shape(2, 4)
    (2, 4, 3)
    """
    return (validation.positive_int("layers", layers), validation.positive_int("n_wires", n_wires), 3)


def patch_weight_shape(depth: int, n_wires: int) -> tuple[int, int]:
    """Shape of the weights of :func:`patch_ansatz`: ``(depth, n_wires)``.

    Examples
    --------
    >>> patch_weight_shape(6, 5)
    (6, 5)
    """
    return (validation.positive_int("depth", depth), validation.positive_int("n_wires", n_wires))


def _entangle_chain(gate: type[qml.operation.Operation], wires: list[Any]) -> None:
    for a, b in zip(wires[:-1], wires[1:]):
        gate(wires=[a, b])


def seed_layer(weights: Any, wires: WireSpec) -> None:
    """One layer of the seed article's hardware-efficient ansatz.

    ``RX(w[i,0]) RY(w[i,1]) RZ(w[i,2])`` on every wire ``i``, then a chain of CNOTs
    ``(0,1), (1,2), ..., (n-2,n-1)``.

    Parameters
    ----------
    weights : array, shape (n_wires, 3) or (B, n_wires, 3)
        Rotation angles; a leading ``B`` broadcasts over ``B`` circuits.
    wires : int or sequence
        The wires.

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(w):
    ...     seed_layer(w, 2)
    ...     return qml.expval(qml.PauliZ(1))
    >>> round(float(c(np.zeros((2, 3)))), 6)
    1.0
    """
    wires = as_wires(wires)
    _check_trailing("weights", weights, (len(wires), 3), "wires x (RX, RY, RZ) angles")
    for i, w in enumerate(wires):
        qml.RX(weights[..., i, 0], wires=w)
        qml.RY(weights[..., i, 1], wires=w)
        qml.RZ(weights[..., i, 2], wires=w)
    _entangle_chain(qml.CNOT, wires)


def seed_ansatz(weights: Any, wires: WireSpec) -> None:
    """The seed's hardware-efficient ansatz: :func:`seed_layer` repeated for each layer.

    Parameters
    ----------
    weights : array, shape (layers, n_wires, 3) or (B, layers, n_wires, 3)
    wires : int or sequence

    Examples
    --------
    >>> w = np.zeros(seed_weight_shape(3, 4))
    >>> qml.specs(qml.QNode(lambda w: (seed_ansatz(w, 4), qml.state())[1],
    ...           qml.device("default.qubit", wires=4)))(w)["resources"].num_gates
    45
    """
    wires = as_wires(wires)
    shape = _shape(weights)
    if len(shape) not in (3, 4) or shape[-2:] != (len(wires), 3):
        raise ValueError(
            f"weights: expected shape (layers, {len(wires)}, 3), optionally with one leading batch dimension, got {shape}"
        )
    for layer in range(shape[-3]):
        seed_layer(weights[..., layer, :, :], wires)


def patch_layer(weights: Any, wires: WireSpec) -> None:
    """One layer of the patch generator of Huang et al. (2021): ``RY`` on every wire, then a CZ chain.

    Parameters
    ----------
    weights : array, shape (n_wires,) or (B, n_wires)
    wires : int or sequence

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(w):
    ...     patch_layer(w, 2)
    ...     return qml.probs(wires=[0, 1])
    >>> np.round(c(np.array([np.pi, 0.0])), 6).tolist()
    [0.0, 0.0, 1.0, 0.0]
    """
    wires = as_wires(wires)
    _check_trailing("weights", weights, (len(wires),), "one RY angle per wire")
    for i, w in enumerate(wires):
        qml.RY(weights[..., i], wires=w)
    _entangle_chain(qml.CZ, wires)


def patch_ansatz(weights: Any, wires: WireSpec) -> None:
    """The patch circuit's trainable part: :func:`patch_layer` for each of ``depth`` layers.

    Parameters
    ----------
    weights : array, shape (depth, n_wires) or (B, depth, n_wires)
    wires : int or sequence
    """
    wires = as_wires(wires)
    shape = _shape(weights)
    if len(shape) not in (2, 3) or shape[-1] != len(wires):
        raise ValueError(
            f"weights: expected shape (depth, {len(wires)}), optionally with one leading batch dimension, got {shape}"
        )
    for layer in range(shape[-2]):
        patch_layer(weights[..., layer, :], wires)


_ROTATIONS = {"X": qml.RX, "Y": qml.RY, "Z": qml.RZ}


def angle_encoding(z: Any, wires: WireSpec, rotation: str = "Y") -> None:
    """Angle encoding: latent component ``z[..., i]`` becomes the angle of a rotation on wire ``i``.

    Parameters
    ----------
    z : array, shape (n_wires,) or (B, n_wires)
        Latent vector(s); a leading ``B`` broadcasts.
    wires : int or sequence
    rotation : {"X", "Y", "Z"}
        The rotation axis (``"Y"`` as in the patch method: real amplitudes, no need for a Hadamard first).

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def c(z):
    ...     angle_encoding(z, 1)
    ...     return qml.expval(qml.PauliZ(0))
    >>> round(float(c(np.array([np.pi / 2]))), 6)
    0.0
    """
    wires = as_wires(wires)
    if rotation not in _ROTATIONS:
        raise ValueError(f"rotation: expected one of 'X', 'Y', 'Z', got {rotation!r}")
    _check_trailing("z", z, (len(wires),), "one angle per wire")
    gate = _ROTATIONS[rotation]
    for i, w in enumerate(wires):
        gate(z[..., i], wires=w)


def normalise_latent(z: Any, n_wires: int) -> Any:
    """Check a ``2**n_wires``-dimensional latent and return it divided by its norm.

    Works on NumPy arrays and torch tensors (gradients flow through the normalisation).

    Parameters
    ----------
    z : array, shape (2**n_wires,) or (B, 2**n_wires)
    n_wires : int

    Raises
    ------
    ValueError
        For a wrong length, a non-finite entry, or a zero vector (which has no direction to encode).

    Examples
    --------
    >>> normalise_latent(np.array([3.0, 0.0, 0.0, 4.0]), 2).tolist()
    [0.6, 0.0, 0.0, 0.8]
    """
    dim = 2**n_wires
    shape = _shape(z)
    if len(shape) not in (1, 2) or shape[-1] != dim:
        raise ValueError(
            f"z: expected length {dim} (= 2**{n_wires} amplitudes for {n_wires} wires), "
            f"optionally with one leading batch dimension, got shape {shape}"
        )
    if not np.all(np.isfinite(np.asarray(qml.math.to_numpy(z)))):
        raise ValueError("z: expected finite amplitudes, got NaN or infinity")
    norms = qml.math.sqrt(qml.math.sum(qml.math.abs(z) ** 2, axis=-1))
    if np.any(np.asarray(qml.math.to_numpy(norms)) < 1e-12):
        raise ValueError("z: expected a non-zero vector (a zero vector has no direction to encode as a state)")
    if len(shape) == 1:
        return z / norms
    return z / norms[:, None]


def amplitude_encoding(z: Any, wires: WireSpec) -> None:
    """Amplitude encoding: a ``2**n``-dimensional latent becomes the ``2**n`` amplitudes of ``n`` qubits.

    The vector is normalised first (see :func:`normalise_latent`), then prepared with
    ``qml.StatePrep`` (decomposed into Mottonen's uniformly controlled rotations on hardware).
    This is how the seed's promise of a 16-dimensional latent on 4 qubits is kept.

    Parameters
    ----------
    z : array, shape (2**n_wires,) or (B, 2**n_wires)
    wires : int or sequence

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(z):
    ...     amplitude_encoding(z, 2)
    ...     return qml.probs(wires=[0, 1])
    >>> np.round(c(np.array([1.0, 1.0, 0.0, 0.0])), 6).tolist()
    [0.5, 0.5, 0.0, 0.0]
    """
    wires = as_wires(wires)
    state = normalise_latent(z, len(wires))
    qml.StatePrep(state, wires=wires)


def count_angles(shape: Sequence[int]) -> int:
    """Number of trainable angles in a weight tensor of the given shape (the product of its sizes).

    Counts the angles of a circuit from its weight shape, before any module exists; the trainable
    parameters of a built torch module are :func:`qgan_helpers.metrics.count_parameters`.

    Parameters
    ----------
    shape : sequence of int
        A weight shape, e.g. ``seed_weight_shape(layers, n_qubits)``.

    Returns
    -------
    int

    Examples
    --------
    >>> count_angles(seed_weight_shape(2, 4))
    24
    """
    return int(math.prod(shape))
