r"""One batched state-vector engine in torch: the core that the course's fast simulators share.

Three models simulate their circuits here rather than through a PennyLane QNode:

* the patch generator's lean path (:class:`qgan_helpers.models.replay.TapeReplay`, the default of
  :class:`~qgan_helpers.models.patch.PatchQuantumGenerator`),
* the seed's hybrid generator (:class:`qgan_helpers.models.hybrid.HybridQuantumGenerator`),
* the quantum circuit Born machine (:class:`qgan_helpers.born.qcbm.QCBM`).

**Why.** Their circuits are small (at most ``2**12`` amplitudes) and needed for a whole batch at a
time, with gradients. A ``default.qubit`` QNode then spends almost all its time in Python -- building
the tape, running the transforms, dispatching every gate as roughly ten small torch operations --
once per call and per gate. Here every gate is *one* batched torch operation on a ``(B, 2**n)``
state for all ``B`` circuits at once, and torch's autograd gives the gradients (the same arithmetic
as PennyLane's ``diff_method="backprop"``). The gate matrices come from PennyLane
(``compute_matrix``, ``qml.matrix``) or are written out (:func:`rot_zyx`); ``tests/test_engine.py``
checks every primitive against ``qml.matrix`` and ``default.qubit`` QNodes, and each of the three
models against a QNode of the same circuit.

Conventions (PennyLane's)
-------------------------
* A state is a tensor of shape ``(B, 2**n)``: ``B`` circuits side by side (the batch dimension).
  It stays real (``float64``) while every gate is real (``RY``, ``CZ``, ``CNOT``): half the memory
  and arithmetic of a complex state, and exactly the numbers of PennyLane's complex simulation.
* Wire 0 is the **most significant** bit of a basis-state index: the amplitude of
  ``|q_0 q_1 ... q_{n-1}>`` sits at index ``sum_w q_w * 2**(n - 1 - w)``, as in ``qml.state()`` and
  ``qml.probs``.
* A one-qubit gate on wire ``w`` acts on the middle axis of the view ``(B, 2**w, 2, 2**(n-w-1))``:
  one ``torch.matmul`` for the whole batch, whatever the wire.

Primitives
----------
* :func:`zero_state` -- ``|0...0>`` for every row;
* :func:`ry_product_state` -- ``RY(z_w)`` on every wire of ``|0...0>`` (angle encoding), per row;
* :func:`apply_one_qubit` -- a ``2 x 2`` gate on one wire: the same for all rows, or one per row;
* :func:`apply_diagonal` -- a diagonal gate (e.g. a merged CZ chain) as an element-wise product;
* :func:`apply_matrix` -- any fixed ``2**n x 2**n`` matrix;
* :func:`apply_permutation` -- a fixed permutation of the basis states (a CNOT chain or ring) as a gather;
* :func:`cnot_permutation` -- the index table of a sequence of CNOTs;
* :func:`rotation_layers` -- layers of "a gate on every wire, then a permutation" (hybrid, QCBM);
* :func:`rot_zyx` -- ``RZ(c) RY(b) RX(a)`` for a batch of angle triples, in one vectorised call;
* :func:`probabilities` -- ``|amplitude|**2``.

Examples
--------
A Bell state for two rows at once -- ``RY(pi/2)`` on wire 0, then ``CNOT(0, 1)``:

>>> import math
>>> ry = torch.tensor([[math.cos(math.pi / 4), -math.sin(math.pi / 4)],
...                    [math.sin(math.pi / 4), math.cos(math.pi / 4)]], dtype=torch.float64)
>>> state = apply_one_qubit(zero_state(2, 2), ry, wire=0, n_wires=2)
>>> state = apply_permutation(state, cnot_permutation([(0, 1)], 2))
>>> probabilities(state).round(decimals=6).tolist()
[[0.5, 0.0, 0.0, 0.5], [0.5, 0.0, 0.0, 0.5]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from qgan_helpers import validation

__all__ = [
    "zero_state",
    "ry_product_state",
    "apply_one_qubit",
    "apply_diagonal",
    "apply_matrix",
    "apply_permutation",
    "cnot_permutation",
    "rotation_layers",
    "ry_matrices",
    "rot_zyx",
    "probabilities",
    "bloch_vectors",
]


# ----------------------------------------------------------------------------------------------
# states
# ----------------------------------------------------------------------------------------------
def zero_state(batch: int, n_wires: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """``|0...0>`` for ``batch`` circuits on ``n_wires`` wires.

    Parameters
    ----------
    batch, n_wires : int
    dtype : torch.dtype
        ``torch.float64`` (real gates only) or ``torch.complex128``.

    Returns
    -------
    torch.Tensor, shape (batch, 2**n_wires)

    Examples
    --------
    >>> zero_state(1, 2).tolist()
    [[1.0, 0.0, 0.0, 0.0]]
    """
    state = torch.zeros(batch, 2**n_wires, dtype=dtype)
    state[:, 0] = 1.0
    return state


def ry_product_state(angles: torch.Tensor) -> torch.Tensor:
    """``RY(angles[:, w])`` on wire ``w`` of ``|0...0>``, for every row: the angle-encoded product state.

    Each wire holds ``cos(z_w / 2)|0> + sin(z_w / 2)|1>``; their Kronecker product is built directly
    (``n`` small products instead of ``n`` gate applications).

    Parameters
    ----------
    angles : torch.Tensor, shape (B, n)

    Returns
    -------
    torch.Tensor, shape (B, 2**n), real, dtype of ``angles``

    Examples
    --------
    >>> import math
    >>> ry_product_state(torch.tensor([[math.pi, 0.0]], dtype=torch.float64)).round(decimals=6).tolist()
    [[0.0, 0.0, 1.0, 0.0]]
    """
    b, n = angles.shape
    c, s = torch.cos(angles / 2), torch.sin(angles / 2)
    amps = torch.ones(b, 1, dtype=angles.dtype)
    for wire in range(n):
        amps = torch.stack([amps * c[:, wire : wire + 1], amps * s[:, wire : wire + 1]], -1).reshape(b, -1)
    return amps


# ----------------------------------------------------------------------------------------------
# gates
# ----------------------------------------------------------------------------------------------
def apply_one_qubit(state: torch.Tensor, matrix: torch.Tensor, wire: int, n_wires: int) -> torch.Tensor:
    """A one-qubit gate on ``wire`` of every row of a batched state.

    Parameters
    ----------
    state : torch.Tensor, shape (B, 2**n_wires)
    matrix : torch.Tensor, shape (2, 2), (B, 2, 2) or (B, 1, 2, 2)
        One gate for all rows, or one gate per row; ``(B, 1, 2, 2)`` is the per-row form with the
        block axis already inserted (a hot loop can prepare all its gates that way in one call and
        skip a view per gate).
    wire : int
        ``0 .. n_wires - 1``; wire 0 is the most significant bit.
    n_wires : int

    Returns
    -------
    torch.Tensor, shape (B, 2**n_wires)
        ``(I ⊗ ... ⊗ matrix ⊗ ... ⊗ I) @ state[b]`` for every row ``b``.

    Examples
    --------
    >>> x = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    >>> apply_one_qubit(zero_state(1, 2), x, wire=1, n_wires=2).tolist()    # |00> -> |01>
    [[0.0, 1.0, 0.0, 0.0]]
    """
    b = state.shape[0]
    view = state.reshape(b, 2**wire, 2, 2 ** (n_wires - wire - 1))
    if matrix.ndim == 3:
        matrix = matrix.unsqueeze(-3)  # (B, 1, 2, 2): broadcasts over the 2**wire leading blocks
    return torch.matmul(matrix, view).reshape(b, 2**n_wires)


def apply_diagonal(state: torch.Tensor, diagonal: torch.Tensor) -> torch.Tensor:
    """A diagonal gate on all wires, e.g. a chain of CZ gates merged into one sign vector.

    Parameters
    ----------
    state : torch.Tensor, shape (B, 2**n)
    diagonal : torch.Tensor, shape (2**n,) or (B, 2**n)

    Returns
    -------
    torch.Tensor, shape (B, 2**n)

    Examples
    --------
    >>> apply_diagonal(torch.full((1, 4), 0.5, dtype=torch.float64), torch.tensor([1.0, 1, 1, -1])).tolist()
    [[0.5, 0.5, 0.5, -0.5]]
    """
    return state * diagonal


def apply_matrix(state: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """A fixed gate given as its full ``2**n x 2**n`` matrix (e.g. ``qml.matrix(op, wire_order)``).

    Parameters
    ----------
    state : torch.Tensor, shape (B, 2**n)
    matrix : torch.Tensor, shape (2**n, 2**n)

    Returns
    -------
    torch.Tensor, shape (B, 2**n)
        ``matrix @ state[b]`` for every row.

    Examples
    --------
    >>> swap = torch.eye(4, dtype=torch.float64)[[0, 2, 1, 3]]
    >>> apply_matrix(torch.tensor([[0.0, 1.0, 0.0, 0.0]], dtype=torch.float64), swap).tolist()
    [[0.0, 0.0, 1.0, 0.0]]
    """
    return state @ matrix.transpose(-2, -1)


def apply_permutation(state: torch.Tensor, permutation: torch.Tensor) -> torch.Tensor:
    """A fixed permutation of the basis states (a CNOT, a chain or ring of them) as one index gather.

    Parameters
    ----------
    state : torch.Tensor, shape (B, 2**n)
    permutation : torch.Tensor of int64, shape (2**n,)
        ``new_state[:, k] = state[:, permutation[k]]``, e.g. from :func:`cnot_permutation`.

    Returns
    -------
    torch.Tensor, shape (B, 2**n)

    Examples
    --------
    >>> apply_permutation(torch.tensor([[0.0, 0.0, 1.0, 0.0]]), cnot_permutation([(0, 1)], 2)).tolist()
    [[0.0, 0.0, 0.0, 1.0]]
    """
    return state[:, permutation]


def cnot_permutation(pairs: Sequence[tuple[int, int]], n_wires: int) -> torch.Tensor:
    """The index table of the CNOT sequence ``pairs``, for :func:`apply_permutation`.

    ``CNOT(c, t)`` maps basis state ``k`` to ``k`` with bit ``t`` flipped when bit ``c`` is 1 (bit
    ``w`` of the index is wire ``w``, counted from the most significant end); the gates act in the
    order given. The tests compare it with ``qml.matrix`` of the same gates.

    Parameters
    ----------
    pairs : sequence of (int, int)
        ``(control, target)`` wires in ``0 .. n_wires - 1``.
    n_wires : int

    Returns
    -------
    torch.Tensor of int64, shape (2**n_wires,)

    Examples
    --------
    >>> cnot_permutation([(0, 1), (1, 2)], 3).tolist()      # the CNOT chain of three wires
    [0, 1, 3, 2, 6, 7, 5, 4]
    """
    n = validation.positive_int("n_wires", n_wires)
    k = np.arange(2**n, dtype=np.int64)
    perm = k.copy()
    for c, t in pairs:
        if not (0 <= c < n and 0 <= t < n and c != t):
            raise ValueError(f"pairs: expected (control, target) pairs of two different wires in 0..{n - 1}, got {(c, t)!r}")
        gate = k ^ (((k >> (n - 1 - c)) & 1) << (n - 1 - t))
        perm = perm[gate]
    return torch.as_tensor(perm, dtype=torch.long)


def rotation_layers(
    state: torch.Tensor, matrices: torch.Tensor, permutation: torch.Tensor | None, n_wires: int
) -> torch.Tensor:
    """``L`` layers of "a one-qubit gate on every wire (0 first), then a fixed permutation".

    The shape of the hybrid generator's and the QCBM's circuits (rotations, then a CNOT chain,
    ring or grid).

    Parameters
    ----------
    state : torch.Tensor, shape (B, 2**n_wires)
    matrices : torch.Tensor, shape (L, n_wires, 2, 2) or (B, L, n_wires, 2, 2)
        The gates of every layer and wire: shared by all rows, or one set per row.
    permutation : torch.Tensor of int64, shape (2**n_wires,), or None
        Applied after each layer's gates (:func:`cnot_permutation`); None for no entangler.
    n_wires : int

    Returns
    -------
    torch.Tensor, shape (B, 2**n_wires)

    Examples
    --------
    >>> x = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    >>> gates = torch.stack([x, torch.eye(2, dtype=torch.float64)]).unsqueeze(0)   # (L=1, n=2, 2, 2)
    >>> rotation_layers(zero_state(1, 2), gates, cnot_permutation([(0, 1)], 2), 2).tolist()   # X, CNOT
    [[0.0, 0.0, 0.0, 1.0]]
    """
    per_row = matrices.ndim == 5
    n_layers = matrices.shape[1] if per_row else matrices.shape[0]
    if per_row:
        matrices = matrices.unsqueeze(-3)  # (B, L, n, 1, 2, 2): every gate in the form apply_one_qubit takes as is
    for layer in range(n_layers):
        for wire in range(n_wires):
            gate = matrices[:, layer, wire] if per_row else matrices[layer, wire]
            state = apply_one_qubit(state, gate, wire, n_wires)
        if permutation is not None:
            state = apply_permutation(state, permutation)
    return state


def ry_matrices(angles: torch.Tensor) -> torch.Tensor:
    """``RY(angle)`` for every entry of ``angles``: ``[[cos(a/2), -sin(a/2)], [sin(a/2), cos(a/2)]]``.

    Parameters
    ----------
    angles : torch.Tensor, shape (...), real

    Returns
    -------
    torch.Tensor, shape (..., 2, 2), dtype of ``angles``

    Examples
    --------
    >>> import math
    >>> ry_matrices(torch.tensor([math.pi], dtype=torch.float64)).round(decimals=6).tolist()   # |0> -> |1>
    [[[0.0, -1.0], [1.0, 0.0]]]
    """
    c, s = torch.cos(angles / 2), torch.sin(angles / 2)
    return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)


def rot_zyx(angles: torch.Tensor) -> torch.Tensor:
    """``RZ(c) RY(b) RX(a)`` for every ``(a, b, c)`` in ``angles``, in one vectorised call.

    The product of PennyLane's ``RX``, ``RY`` and ``RZ`` matrices written out (the tests compare it
    with ``qml.matrix``), so one call replaces ``3 * layers * n_qubits`` small ones.

    Parameters
    ----------
    angles : torch.Tensor, shape (..., 3), real

    Returns
    -------
    torch.Tensor, shape (..., 2, 2), complex

    Examples
    --------
    >>> import math
    >>> m = rot_zyx(torch.tensor([math.pi, 0.0, 0.0], dtype=torch.float64))     # RX(pi) = -i X
    >>> torch.allclose(m, torch.tensor([[0, -1j], [-1j, 0]], dtype=torch.complex128))
    True
    """
    a, b, c = angles[..., 0], angles[..., 1], angles[..., 2]
    ca, sa, cb, sb = torch.cos(a / 2), torch.sin(a / 2), torch.cos(b / 2), torch.sin(b / 2)
    # RY(b) RX(a) = [[cb ca + i sb sa, -sb ca - i cb sa], [sb ca - i cb sa, cb ca - i sb sa]]
    m00 = torch.complex(cb * ca, sb * sa)
    m01 = torch.complex(-sb * ca, -cb * sa)
    m10 = torch.complex(sb * ca, -cb * sa)
    m11 = torch.complex(cb * ca, -sb * sa)
    em = torch.exp(torch.complex(torch.zeros_like(c), -c / 2))  # RZ(c) = diag(e^{-ic/2}, e^{ic/2})
    ep = torch.conj(em)
    return torch.stack([torch.stack([em * m00, em * m01], -1), torch.stack([ep * m10, ep * m11], -1)], -2)


# ----------------------------------------------------------------------------------------------
# read-out
# ----------------------------------------------------------------------------------------------
def probabilities(state: torch.Tensor) -> torch.Tensor:
    """Born-rule probabilities ``|amplitude|**2`` of every basis state.

    Parameters
    ----------
    state : torch.Tensor, shape (B, 2**n), real or complex

    Returns
    -------
    torch.Tensor, shape (B, 2**n), real
        Differentiable; the order of ``qml.probs`` (wire 0 most significant).

    Examples
    --------
    >>> probabilities(torch.tensor([[0.6, 0.8j]], dtype=torch.complex128)).round(decimals=6).tolist()
    [[0.36, 0.64]]
    """
    if state.is_complex():
        return state.real**2 + state.imag**2
    return state * state


def bloch_vectors(state: torch.Tensor, n_wires: int) -> torch.Tensor:
    """Every wire's Bloch vector ``(<X_w>, <Y_w>, <Z_w>)``: the three one-qubit Pauli expectation values.

    A one-qubit measurement in the Z basis reads one coordinate of a wire's Bloch vector; rotating
    before the measurement (``H`` for X, ``S^dagger H`` for Y) reads the other two, on copies of the state.

    Parameters
    ----------
    state : torch.Tensor, shape (B, 2**n_wires), real or complex
    n_wires : int

    Returns
    -------
    torch.Tensor, shape (B, 3, n_wires), real
        ``[:, 0]`` the ``<X_w>``, ``[:, 1]`` the ``<Y_w>``, ``[:, 2]`` the ``<Z_w>``; differentiable.

    Examples
    --------
    >>> plus = torch.tensor([[1.0, 1.0]], dtype=torch.complex128) / 2**0.5      # |+>: on the X axis
    >>> bloch_vectors(plus, 1).round(decimals=6).tolist()
    [[[1.0], [0.0], [0.0]]]
    """
    b = state.shape[0]
    out = []
    for wire in range(n_wires):
        view = state.reshape(b, 2**wire, 2, 2 ** (n_wires - wire - 1))
        a0, a1 = view[:, :, 0, :], view[:, :, 1, :]
        cross = (a0.conj() * a1).sum(dim=(1, 2)) if state.is_complex() else (a0 * a1).sum(dim=(1, 2))
        z = probabilities(a0.reshape(b, -1)).sum(1) - probabilities(a1.reshape(b, -1)).sum(1)
        x, y = 2 * cross.real, (2 * cross.imag if state.is_complex() else torch.zeros_like(z))
        out.append(torch.stack([x, y, z], 1))
    return torch.stack(out, 2)
