r"""The quantum circuit Born machine's circuit: its CNOT topologies and the PennyLane ansatz.

:class:`~qgan_helpers.born.qcbm.QCBM` simulates this circuit on the shared state-vector engine;
:func:`qcbm_ansatz` queues the same gates for PennyLane (the reference, and the book's drawings).
Everything here is re-exported by :mod:`qgan_helpers.born.qcbm`.

The circuit (:func:`qcbm_ansatz`)
--------------------------------
``layers`` times: a general rotation ``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)`` on
every qubit, then CNOTs on a list of ``pairs``. For image data the pairs follow the pixel grid
(:func:`grid_pairs`: every horizontal neighbour pair, then every vertical one), the data-aware
topology that Benedetti et al. found to matter; ``"ring"`` and ``"chain"`` are generic choices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation

__all__ = ["MAX_QUBITS", "ENTANGLERS", "grid_pairs", "entangler_pairs", "qcbm_ansatz"]

MAX_QUBITS = 12
"""Largest register :class:`~qgan_helpers.born.qcbm.QCBM` simulates exactly (``2**12`` amplitudes, a 4096 x 4096 MMD kernel)."""

ENTANGLERS = ("grid", "ring", "chain")
"""Named CNOT topologies of :func:`entangler_pairs`."""


# ----------------------------------------------------------------------------------------------
# argument checks (counts, seeds and numbers: qgan_helpers.validation)
# ----------------------------------------------------------------------------------------------
def _n_qubits(n: Any) -> int:
    return validation.integer("n_qubits", n, 1, MAX_QUBITS, hint="exact simulation keeps all 2**n amplitudes")


# ----------------------------------------------------------------------------------------------
# the circuit
# ----------------------------------------------------------------------------------------------
def grid_pairs(rows: int, cols: int) -> list[tuple[int, int]]:
    """CNOT pairs along a ``rows x cols`` pixel grid: horizontal neighbours first, then vertical.

    Qubit ``r * cols + c`` holds the pixel in row ``r``, column ``c`` (row-major, as the images
    are flattened). Each pair is ``(control, target)`` with the control left of / above the target.

    Examples
    --------
    >>> grid_pairs(2, 2)
    [(0, 1), (2, 3), (0, 2), (1, 3)]
    """
    rows, cols = validation.positive_int("rows", rows), validation.positive_int("cols", cols)
    horizontal = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    vertical = [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return horizontal + vertical


def entangler_pairs(
    entanglers: str | Sequence[Sequence[int]], n_qubits: int, grid_shape: tuple[int, int] | None = None
) -> list[tuple[int, int]]:
    """The CNOT ``(control, target)`` pairs of one layer.

    Parameters
    ----------
    entanglers : {"grid", "ring", "chain"} or sequence of (int, int)
        ``"grid"`` follows the pixel grid ``grid_shape`` (:func:`grid_pairs`); ``"ring"`` is
        ``(0,1), (1,2), ..., (n-1,0)``; ``"chain"`` the same without the closing pair; or explicit pairs.
    n_qubits : int
    grid_shape : (int, int), optional
        ``(rows, cols)`` with ``rows * cols == n_qubits``; required for ``"grid"``.

    Examples
    --------
    >>> entangler_pairs("ring", 3)
    [(0, 1), (1, 2), (2, 0)]
    """
    n = _n_qubits(n_qubits)
    if isinstance(entanglers, str):
        if entanglers == "grid":
            if (
                not isinstance(grid_shape, (tuple, list))
                or len(grid_shape) != 2
                or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in grid_shape)
                or grid_shape[0] * grid_shape[1] != n
            ):
                raise ValueError(
                    f"grid_shape: expected (rows, cols) with rows * cols == n_qubits = {n} for entanglers='grid', "
                    f"got {grid_shape!r}"
                )
            return grid_pairs(int(grid_shape[0]), int(grid_shape[1]))
        if entanglers == "ring":
            return [(i, (i + 1) % n) for i in range(n)] if n > 2 else [(i, i + 1) for i in range(n - 1)]
        if entanglers == "chain":
            return [(i, i + 1) for i in range(n - 1)]
        raise ValueError(f"entanglers: expected one of {list(ENTANGLERS)} or a list of (control, target) pairs, got {entanglers!r}")
    try:
        pairs = [tuple(int(v) for v in pair) for pair in entanglers]
    except (TypeError, ValueError):
        raise ValueError(
            f"entanglers: expected one of {list(ENTANGLERS)} or a list of (control, target) pairs, got {entanglers!r}"
        ) from None
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= v < n for v in pair):
            raise ValueError(f"entanglers: expected pairs of two different qubits in 0..{n - 1}, got {pair!r}")
    return pairs


def qcbm_ansatz(weights: Any, wires: Sequence[Any] | int, pairs: Sequence[tuple[int, int]]) -> None:
    """Queue the QCBM circuit: per layer ``qml.Rot`` on every wire, then ``qml.CNOT`` on ``pairs``.

    Parameters
    ----------
    weights : array or tensor, shape (layers, n_wires, 3) or (B, layers, n_wires, 3)
        ``(phi, theta, omega)`` of each ``Rot``; a leading ``B`` broadcasts (PennyLane parameter broadcasting).
    wires : int or sequence
        ``n`` (wires ``0..n-1``) or the wire labels.
    pairs : sequence of (int, int)
        CNOT ``(control, target)`` positions into ``wires``, e.g. from :func:`entangler_pairs`.

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(w):
    ...     qcbm_ansatz(w, 2, [(0, 1)])
    ...     return qml.probs(wires=[0, 1])
    >>> w = np.zeros((1, 2, 3)); w[0, 0, 1] = np.pi   # RY(pi) on wire 0, then CNOT: |11>
    >>> np.round(c(w), 6).tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    labels = list(range(wires)) if isinstance(wires, (int, np.integer)) else list(wires)
    shape = tuple(getattr(weights, "shape", np.shape(weights)))
    if len(shape) not in (3, 4) or shape[-2:] != (len(labels), 3):
        raise ValueError(
            f"weights: expected shape (layers, {len(labels)}, 3), optionally with one leading batch dimension, got {shape}"
        )
    for layer in range(shape[-3]):
        for i, w in enumerate(labels):
            qml.Rot(weights[..., layer, i, 0], weights[..., layer, i, 1], weights[..., layer, i, 2], wires=w)
        for a, b in pairs:
            qml.CNOT(wires=[labels[a], labels[b]])
