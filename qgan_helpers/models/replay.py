"""The patch generator's lean path: a PennyLane tape recorded once, replayed on a batched state vector.

:class:`TapeReplay` records a circuit as a PennyLane tape, compiles it once into a short list of
steps of the shared state-vector engine (:mod:`qgan_helpers.quantum.engine`: one-qubit gates,
merged diagonal runs, dense fixed gates) and replays those steps on a ``(N, 2**n)`` real state for a
whole batch of angle vectors at once; ``PatchQuantumGenerator(method="lean")`` (the default) runs on
it. Why: at the patch generator's size the time of a QNode call is almost all PennyLane's per-call
and per-gate Python (tape, transforms, dispatch), which the replay pays once, when recording; a
replay is then one PennyLane call for the gate matrices and one batched torch operation per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers import validation
from qgan_helpers.quantum import engine

__all__ = ["TapeReplay"]


class TapeReplay:
    """Record a circuit once as a PennyLane tape; replay it on a batch of angle vectors with torch.

    The circuit is recorded by calling ``queue_fn(*placeholders)`` inside
    :func:`pennylane.tape.make_qscript`, where every placeholder entry holds its own index into a
    flat angle vector (``0.0, 1.0, 2.0, ...``). Each gate of the tape must be either

    * a one-qubit rotation whose angle *is* one of those entries -- its matrix is computed by
      PennyLane (``type(op).compute_matrix``) for all gates of that type and the whole batch in one
      call; two rotations of the same axis on the same wire with only other wires' gates between
      them are merged into one (``RY(a) RY(b) = RY(a + b)``, what ``qml.transforms.merge_rotations``
      does), which folds the noise encoding into the first layer; or
    * a fixed gate -- its matrix from ``qml.matrix``; runs of fixed diagonal gates (a CZ chain)
      are merged into one sign vector.

    Replaying applies the steps to a ``(N, 2**n)`` real state with the engine's batched primitives
    (:func:`~qgan_helpers.quantum.engine.apply_one_qubit`, ``apply_diagonal``, ``apply_matrix``) and
    returns the probabilities, identical to ``qml.probs`` of the same circuit on ``default.qubit``.

    Parameters
    ----------
    queue_fn : callable
        Queues the circuit's gates (no measurement); called as ``queue_fn(*args)``.
    arg_shapes : sequence of tuple of int
        Shapes of ``queue_fn``'s arguments for *one* circuit; their entries, flattened and
        concatenated in order, form the angle vector of :meth:`probs`.
    n_wires : int
        Wires ``0 .. n_wires - 1``.

    Raises
    ------
    NotImplementedError
        If the circuit has a gate that is neither a one-qubit rotation fed directly by one angle
        nor a fixed gate, or a gate with a complex matrix (the replay keeps the state real).

    Examples
    --------
    >>> from qgan_helpers.quantum.circuits import angle_encoding
    >>> replay = TapeReplay(lambda z: angle_encoding(z, 2), [(2,)], 2)
    >>> p = replay.probs(torch.tensor([[np.pi, 0.0]], dtype=torch.float64))
    >>> p.round(decimals=6).tolist()
    [[0.0, 0.0, 1.0, 0.0]]
    """

    _MERGEABLE = (qml.RX, qml.RY, qml.RZ)

    def __init__(self, queue_fn: Callable[..., Any], arg_shapes: Sequence[tuple[int, ...]], n_wires: int) -> None:
        self.n_wires = validation.positive_int("n_wires", n_wires)
        sizes = [int(np.prod(s)) for s in arg_shapes]
        self.n_angles = int(sum(sizes))
        offsets = np.cumsum([0] + sizes)
        placeholders = [
            np.arange(offsets[i], offsets[i + 1], dtype=float).reshape(shape) for i, shape in enumerate(arg_shapes)
        ]
        self.tape = qml.tape.make_qscript(queue_fn)(*placeholders)
        wire_order = list(range(self.n_wires))
        # steps: ["rot", gate type, k, wire] | ["diag", sign vector] | ["dense", matrix]
        steps: list[list[Any]] = []
        groups: dict[type, list[list[int]]] = {}  # gate type -> angle indices of each rotation
        last_rot: dict[int, list[Any]] = {}  # wire -> its last step, if a rotation nothing has followed yet
        pending: np.ndarray | None = None

        def flush() -> None:
            nonlocal pending
            if pending is not None:
                steps.append(["diag", torch.tensor(pending)])
                pending = None

        for op in self.tape.operations:
            wires = [int(w) for w in op.wires]
            if op.num_params == 0:
                mat = np.asarray(qml.matrix(op, wire_order=wire_order), dtype=complex)
                if np.abs(mat.imag).max() > 0:
                    raise NotImplementedError(f"{op.name}: the lean replay supports real gates only; use method='broadcast'")
                mat = mat.real.astype(np.float64)
                for w in wires:
                    last_rot.pop(w, None)
                if np.count_nonzero(mat - np.diag(np.diag(mat))) == 0:
                    pending = np.diag(mat) if pending is None else pending * np.diag(mat)
                else:
                    flush()
                    steps.append(["dense", torch.tensor(mat)])
                continue
            if op.num_params != 1 or len(wires) != 1:
                raise NotImplementedError(
                    f"{op.name}: the lean replay supports one-qubit rotations and fixed gates only; use method='broadcast'"
                )
            theta = float(op.parameters[0])
            index = int(round(theta))
            if abs(theta - index) > 1e-9 or not 0 <= index < self.n_angles:
                raise NotImplementedError(
                    f"{op.name}: its angle is not one of the circuit's inputs (it was transformed inside the "
                    "circuit); the lean replay cannot map it, use method='broadcast'"
                )
            gate, wire = type(op), wires[0]
            probe = gate.compute_matrix(torch.tensor([0.3, 1.7], dtype=torch.float64))
            if probe.is_complex() and float(probe.imag.abs().max()) > 0:
                raise NotImplementedError(f"{op.name}: the lean replay supports real gates only; use method='broadcast'")
            previous = last_rot.get(wire)
            if previous is not None and previous[1] is gate and gate in self._MERGEABLE:
                groups[gate][previous[2]].append(index)  # RY(a) RY(b) = RY(a + b)
                continue
            flush()
            group = groups.setdefault(gate, [])
            step = ["rot", gate, len(group), wire]
            group.append([index])
            steps.append(step)
            last_rot[wire] = step
        flush()
        self._steps = [tuple(s) for s in steps]
        # per gate type: (K, m) index table into the angle vector extended by one zero (the padding)
        self._group_index = {}
        for gate, lists in groups.items():
            width = max(len(x) for x in lists)
            table = [x + [self.n_angles] * (width - len(x)) for x in lists]
            self._group_index[gate] = torch.tensor(table, dtype=torch.long)

    @property
    def num_gates(self) -> int:
        """Number of gates in the recorded tape."""
        return len(self.tape.operations)

    @property
    def num_steps(self) -> int:
        """Number of batched operations one replay performs (after merging rotations and diagonal runs)."""
        return len(self._steps)

    def probs(self, angles: torch.Tensor) -> torch.Tensor:
        """Probabilities of all basis states for a batch of angle vectors.

        Parameters
        ----------
        angles : torch.Tensor, shape (N, n_angles)
            Row ``j`` holds the flattened arguments of circuit ``j``.

        Returns
        -------
        torch.Tensor, shape (N, 2**n_wires), float64
            Wire 0 is the most significant bit (PennyLane's order); differentiable in ``angles``.
        """
        if angles.ndim != 2 or angles.shape[1] != self.n_angles:
            raise ValueError(f"angles: expected shape (N, {self.n_angles}), got {tuple(angles.shape)}")
        n_batch, n = angles.shape[0], self.n_wires
        padded = torch.cat([angles.to(torch.float64), angles.new_zeros(n_batch, 1, dtype=torch.float64)], dim=1)
        mats = {}
        for gate, table in self._group_index.items():
            theta = padded[:, table].sum(-1) if table.shape[1] > 1 else padded[:, table[:, 0]]
            m = gate.compute_matrix(theta)  # (N, K, 2, 2): one PennyLane call per gate type
            m = m.real if m.is_complex() else m
            mats[gate] = m.unsqueeze(1).unbind(2)  # K tensors of shape (N, 1, 2, 2): apply_one_qubit's per-row form
        state = engine.zero_state(n_batch, n)
        for step in self._steps:
            kind = step[0]
            if kind == "rot":
                _, gate, k, wire = step
                state = engine.apply_one_qubit(state, mats[gate][k], wire, n)
            elif kind == "diag":
                state = engine.apply_diagonal(state, step[1])
            else:
                state = engine.apply_matrix(state, step[1])
        return engine.probabilities(state)
