"""Generators: the patch quantum generator (Huang et al. 2021), a class-conditional variant, and a
classical MLP generator built to a parameter budget.

The patch method
----------------
A :class:`PatchQuantumGenerator` owns ``G = n_generators`` small circuits ("sub-generators") on
``n_qubits`` wires. Each one angle-encodes the same noise vector ``z`` (``RY(z_i)`` on wire ``i``),
applies ``depth`` trainable patch layers (``RY`` on every wire, then a CZ chain; see
:func:`qgan_helpers.circuits.patch_ansatz`) and measures the probabilities of all ``2**n_qubits``
basis states. The first ``n_ancillas`` wires are ancillas: keeping the outcomes in which they read
``0`` and renormalising (:func:`qgan_helpers.measurement.postselect`) leaves a distribution over
``2**(n_qubits - n_ancillas)`` outcomes -- one *patch* of pixels. Dividing by the patch's maximum
(:func:`qgan_helpers.measurement.to_pixels`, method ``"max"``) turns it into intensities in
``[0, 1]``. Sub-generator ``g`` fills pixels ``g*P .. (g+1)*P - 1`` of the flattened image
(``P`` = patch size), so with the defaults (5 qubits, 1 ancilla, 4 sub-generators) each one paints
two rows of an 8x8 digit.

Why ``p / max(p)``? The post-selected probabilities of a patch sum to 1, so a patch of ``P`` pixels
has a *mean* of ``1/P`` whatever the digit looks like: some scale has to be chosen. Dividing by the
maximum is the choice of Huang et al. and of the PennyLane demo: it needs no extra parameter, it is
scale-free (renormalising first changes nothing), and it makes the brightest pixel of every patch
exactly 1. That constraint costs little on the bundled digits: about 98 % of all two-row bands
contain a pixel of at least 0.75, and rescaling every band of the 178 real zeros to a maximum of 1
moves them by an MMD² (sigma 2) of about 0.01 -- less than the 0.024 between two halves of the
real zeros. ``"minmax"`` (which also forces a black pixel per patch) is available through
``pixel_method``; in short scratch trainings on the zeros it did not do better than ``"max"``, so
``"max"`` stays the default.

Speed: one call for everything
------------------------------
Training needs the ``G * B`` circuits of a batch (4 x 32 = 128 with the defaults) and their
gradients. Three ways to get them from PennyLane, all with ``default.qubit`` and
``diff_method="backprop"`` (gradients by torch autograd through the simulator):

``method="loop"``
    one QNode call per sample *and* sub-generator (``G * B`` calls) -- the PennyLane demo's way,
    the reference used by the tests and the benchmark (:meth:`PatchQuantumGenerator.forward_loop`);
``method="per_generator"``
    one *broadcast* QNode call per sub-generator: the noise batch is the broadcast dimension;
``method="broadcast"``
    one broadcast QNode call for all sub-generators: the weights ``(G, depth, n)`` are expanded to
    ``(G*B, depth, n)`` and the noise repeated to ``(G*B, n)``, so a single call evaluates all
    ``G*B`` circuits.

At this size the state vectors are tiny (``128 x 32`` amplitudes), so the time of a call is almost
all Python: building the tape, running the transform program, and dispatching every one of the
59 gates of the default circuit through PennyLane's simulator (roughly ten small torch operations per gate, forward and
backward). ``method="lean"`` (the default for ``default.qubit``) therefore records the circuit
**once** as a PennyLane tape (the same :func:`~qgan_helpers.circuits.angle_encoding` and
:func:`~qgan_helpers.circuits.patch_ansatz` calls), and each forward pass *replays* that tape on a
batched state vector: the gate matrices come from PennyLane (one broadcast
``qml.RY.compute_matrix`` call for all rotation angles of the batch, ``qml.matrix`` for the fixed
CZ gates, which are merged into one sign vector per layer), and each gate is one batched
``torch.matmul``. Because ``RY`` and ``CZ`` are real matrices the replay keeps the state real
(``float64``), exactly as PennyLane's complex simulation would (the tests check values and
gradients against ``method="loop"`` to 1e-6, and one patch against an independent NumPy
calculation). Circuits with complex gates are refused by the lean path (use ``"broadcast"``).
``benchmarks/bench_generator_speed.py`` measures all four side by side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pennylane as qml
import torch
from torch import nn

from qgan_helpers.circuits import angle_encoding, patch_ansatz, patch_weight_shape
from qgan_helpers.measurement import PIXEL_METHODS, postselect, to_pixels

__all__ = [
    "METHODS",
    "NOISE_RANGE",
    "PatchQuantumGenerator",
    "ConditionalPatchGenerator",
    "ClassicalGenerator",
    "TapeReplay",
    "HybridQuantumGenerator",
    "HYBRID_ENCODINGS",
    "HYBRID_ACTIVATIONS",
    "HYBRID_METHODS",
]

METHODS: tuple[str, ...] = ("lean", "broadcast", "per_generator", "loop")
"""Ways :class:`PatchQuantumGenerator` can evaluate its circuits (see the module docstring)."""

_BROADCAST_GRAD_METHODS: tuple[str, ...] = ("backprop", "best")
"""``diff_method`` values that can differentiate broadcast tapes (parameter-shift cannot: PennyLane #4462)."""

NOISE_RANGE: tuple[float, float] = (0.0, math.pi / 2)
"""The quantum generators' noise distribution: each angle uniform in ``[0, pi/2)`` (as in Huang et al.)."""


# ----------------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------------
def _int_arg(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {value!r} of type {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {value}")
    return int(value)


def _float_arg(name: str, value: Any, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {value!r} of type {type(value).__name__}")
    if not math.isfinite(float(value)) or float(value) < low:
        raise ValueError(f"{name}: expected a finite number >= {low}, got {value}")
    return float(value)


def _check_noise(noise: Any, latent_dim: int, meaning: str = "one angle per qubit, n_qubits") -> torch.Tensor:
    if not isinstance(noise, torch.Tensor):
        raise TypeError(f"noise: expected a torch.Tensor of shape (B, {latent_dim}), got {type(noise).__name__}")
    if noise.ndim != 2 or noise.shape[1] != latent_dim or noise.shape[0] < 1:
        raise ValueError(
            f"noise: expected shape (B, {latent_dim}) with B >= 1 ({meaning} = {latent_dim}), "
            f"got {tuple(noise.shape)}"
        )
    if not noise.dtype.is_floating_point:
        raise TypeError(f"noise: expected a floating-point tensor, got dtype {noise.dtype}")
    if not bool(torch.isfinite(noise).all()):
        raise ValueError("noise: expected finite values, got NaN or infinity")
    return noise


def _check_labels(labels: Any, batch: int, n_classes: int) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor):
        raise TypeError(f"labels: expected an integer torch.Tensor of shape ({batch},), got {type(labels).__name__}")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool or labels.is_complex():
        raise TypeError(f"labels: expected an integer tensor, got dtype {labels.dtype}")
    if tuple(labels.shape) != (batch,):
        raise ValueError(f"labels: expected shape ({batch},) (one label per noise row), got {tuple(labels.shape)}")
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= n_classes:
        raise ValueError(f"labels: expected class labels in 0..{n_classes - 1}, got values from {lo} to {hi}")
    return labels.long()


# ----------------------------------------------------------------------------------------------
# the lean path: a PennyLane tape recorded once, replayed on a batched real state vector
# ----------------------------------------------------------------------------------------------
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

    Replaying applies the gates to a ``(N, 2**n)`` real state with batched ``torch.matmul`` and
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
    >>> replay = TapeReplay(lambda z: angle_encoding(z, 2), [(2,)], 2)
    >>> p = replay.probs(torch.tensor([[math.pi, 0.0]], dtype=torch.float64))
    >>> p.round(decimals=6).tolist()
    [[0.0, 0.0, 1.0, 0.0]]
    """

    _MERGEABLE = (qml.RX, qml.RY, qml.RZ)

    def __init__(self, queue_fn: Callable[..., Any], arg_shapes: Sequence[tuple[int, ...]], n_wires: int) -> None:
        self.n_wires = _int_arg("n_wires", n_wires, 1)
        sizes = [int(np.prod(s)) for s in arg_shapes]
        self.n_angles = int(sum(sizes))
        offsets = np.cumsum([0] + sizes)
        placeholders = [
            np.arange(offsets[i], offsets[i + 1], dtype=float).reshape(shape) for i, shape in enumerate(arg_shapes)
        ]
        self.tape = qml.tape.make_qscript(queue_fn)(*placeholders)
        wire_order = list(range(self.n_wires))
        # steps: ["rot", gate type, k, wire] | ["diag", sign vector] | ["dense", matrix^T]
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
                    steps.append(["dense", torch.tensor(mat.T.copy())])
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
            mats[gate] = m.unsqueeze(1).unbind(2)  # K tensors of shape (N, 1, 2, 2)
        state = torch.zeros(n_batch, 2**n, dtype=torch.float64)
        state[:, 0] = 1.0
        for step in self._steps:
            kind = step[0]
            if kind == "rot":
                _, gate, k, wire = step
                view = state.view(n_batch, 2**wire, 2, 2 ** (n - wire - 1))
                state = torch.matmul(mats[gate][k], view).view(n_batch, 2**n)
            elif kind == "diag":
                state = state * step[1]
            else:
                state = state @ step[1]
        return state * state


# ----------------------------------------------------------------------------------------------
# the patch quantum generator
# ----------------------------------------------------------------------------------------------
class PatchQuantumGenerator(nn.Module):
    """The patch quantum generator of Huang et al. (2021), evaluated with broadcast circuit calls.

    Parameters
    ----------
    n_qubits : int
        Wires per sub-generator (>= 1); the noise has one angle per wire.
    n_ancillas : int
        Ancilla wires (the first ones), in ``[0, n_qubits - 1]``; a patch has
        ``2**(n_qubits - n_ancillas)`` pixels.
    depth : int
        Trainable patch layers (>= 1).
    n_generators : int
        Sub-generators (>= 1), each filling one patch.
    n_pixels : int
        Pixels of the flattened output image; must be at most ``n_generators * patch_size``
        (the last patch is cropped if it overhangs).
    init_scale : float
        Initial weights are ``init_scale * randn(n_generators, depth, n_qubits)``.
    device : str
        PennyLane device name for the QNode paths (``"default.qubit"``; ``"lightning.qubit"`` works
        with ``diff_method="parameter-shift"``).
    diff_method : str, optional
        Defaults to ``"backprop"`` on ``default.qubit`` and ``"parameter-shift"`` elsewhere.
    method : {"lean", "broadcast", "per_generator", "loop"}, optional
        How :meth:`forward` evaluates the circuits (see the module docstring). Defaults to
        ``"lean"`` on ``default.qubit`` with backprop, ``"broadcast"`` on other devices with backprop,
        and ``"loop"`` for any other ``diff_method`` (PennyLane cannot differentiate broadcast tapes
        with parameter-shift; asking for ``"broadcast"`` or ``"per_generator"`` then raises a
        ``ValueError`` when gradients are needed, and works under ``torch.no_grad()``).
    pixel_method : {"max", "minmax"}
        Passed to :func:`qgan_helpers.measurement.to_pixels` for every patch.

    Attributes
    ----------
    weights : torch.nn.Parameter, shape (n_generators, depth, n_qubits)
        The trainable RY angles (``n_generators * depth * n_qubits`` parameters, 120 by default).

    Examples
    --------
    >>> gen = PatchQuantumGenerator()
    >>> x = gen(gen.sample_noise(3))
    >>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
    ((3, 64), True, True)
    >>> sum(p.numel() for p in gen.parameters())
    120
    """

    def __init__(
        self,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        depth: int = 6,
        n_generators: int = 4,
        n_pixels: int = 64,
        init_scale: float = 0.5,
        device: str = "default.qubit",
        diff_method: str | None = None,
        method: str | None = None,
        pixel_method: str = "max",
    ) -> None:
        super().__init__()
        self.n_qubits = _int_arg("n_qubits", n_qubits, 1)
        self.n_ancillas = _int_arg("n_ancillas", n_ancillas, 0)
        if self.n_ancillas >= self.n_qubits:
            raise ValueError(
                f"n_ancillas: expected fewer ancillas than qubits (at most {self.n_qubits - 1} for "
                f"n_qubits={self.n_qubits}), got {self.n_ancillas}"
            )
        self.depth = _int_arg("depth", depth, 1)
        self.n_generators = _int_arg("n_generators", n_generators, 1)
        self.n_pixels = _int_arg("n_pixels", n_pixels, 1)
        self.patch_size = 2 ** (self.n_qubits - self.n_ancillas)
        covered = self.n_generators * self.patch_size
        if covered < self.n_pixels:
            raise ValueError(
                f"n_pixels: expected at most n_generators * 2**(n_qubits - n_ancillas) = {self.n_generators} * "
                f"{self.patch_size} = {covered} pixels, got {self.n_pixels}; add sub-generators or data qubits"
            )
        self.init_scale = _float_arg("init_scale", init_scale)
        if not isinstance(device, str):
            raise TypeError(f"device: expected a PennyLane device name such as 'default.qubit', got {device!r}")
        self.device_name = device
        if diff_method is None:
            diff_method = "backprop" if device == "default.qubit" else "parameter-shift"
        if not isinstance(diff_method, str):
            raise TypeError(f"diff_method: expected a string such as 'backprop', got {diff_method!r}")
        self.diff_method = diff_method
        if method is None:
            if diff_method not in _BROADCAST_GRAD_METHODS:
                method = "loop"  # broadcast tapes cannot be differentiated by parameter-shift (PennyLane #4462)
            else:
                method = "lean" if device == "default.qubit" else "broadcast"
        self.method = self._check_method(method)
        if pixel_method not in PIXEL_METHODS:
            raise ValueError(f"pixel_method: expected one of {PIXEL_METHODS}, got {pixel_method!r}")
        self.pixel_method = pixel_method
        self.weights = nn.Parameter(
            self.init_scale * torch.randn(self.n_generators, *patch_weight_shape(self.depth, self.n_qubits))
        )
        self._qnode_cache: dict[str, Any] = {}
        self._replay: TapeReplay | None = None

    # -- pickling / deepcopy: QNodes and the replay are rebuilt on demand -----------------------
    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__().copy()
        state["_qnode_cache"] = {}
        state["_replay"] = None
        return state

    @staticmethod
    def _check_method(method: Any) -> str:
        if method not in METHODS:
            raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
        return method

    # -- the circuit ----------------------------------------------------------------------------
    @property
    def latent_dim(self) -> int:
        """Length of a noise vector: one angle per qubit."""
        return self.n_qubits

    @property
    def wires(self) -> list[int]:
        """The wires of every sub-generator; the first ``n_ancillas`` are the ancillas."""
        return list(range(self.n_qubits))

    def queue_circuit(self, noise: Any, weights: Any) -> None:
        """Queue one sub-generator's gates: ``RY(noise_i)`` on wire ``i``, then the patch layers.

        Parameters
        ----------
        noise : array, shape (n_qubits,) or (N, n_qubits)
        weights : array, shape (depth, n_qubits) or (N, depth, n_qubits)
        """
        angle_encoding(noise, self.wires, rotation="Y")
        patch_ansatz(weights, self.wires)

    def qnode(self) -> qml.QNode:
        """The sub-generator circuit as a torch QNode ``(noise, weights) -> probs`` on ``self.device_name``."""
        key = f"{self.device_name}/{self.diff_method}"
        if key not in self._qnode_cache:
            dev = qml.device(self.device_name, wires=self.n_qubits)

            def circuit(noise, weights):
                self.queue_circuit(noise, weights)
                return qml.probs(wires=self.wires)

            self._qnode_cache[key] = qml.QNode(circuit, dev, interface="torch", diff_method=self.diff_method)
        return self._qnode_cache[key]

    def replay(self) -> TapeReplay:
        """The recorded tape used by ``method="lean"`` (built on first use)."""
        if self._replay is None:
            self._replay = TapeReplay(
                self.queue_circuit, [(self.n_qubits,), (self.depth, self.n_qubits)], self.n_qubits
            )
        return self._replay

    def draw(self) -> str:
        """A text drawing of one sub-generator's circuit (noise and weights shown as numbers)."""
        noise = torch.full((self.n_qubits,), 0.5)
        return qml.draw(self.qnode(), decimals=2)(noise, self.weights[0].detach())

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` noise vectors, each angle uniform in :data:`NOISE_RANGE`; shape (n, n_qubits)."""
        n = _int_arg("n", n, 1)
        lo, hi = NOISE_RANGE
        return lo + (hi - lo) * torch.rand(n, self.n_qubits, generator=generator)

    # -- angles of all circuits of a batch -------------------------------------------------------
    def circuit_angles(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoding angles and layer weights of all ``G * B`` circuits (float64).

        Returns
        -------
        enc : torch.Tensor, shape (G, B, n_qubits)
        weights : torch.Tensor, shape (G, B, depth, n_qubits)
        """
        noise = _check_noise(noise, self.n_qubits)
        if labels is not None:
            raise ValueError("labels: this generator is unconditional; expected labels=None")
        g, b = self.n_generators, noise.shape[0]
        enc = noise.to(torch.float64).unsqueeze(0).expand(g, b, self.n_qubits)
        w = self.weights.to(torch.float64).unsqueeze(1).expand(g, b, self.depth, self.n_qubits)
        return enc, w

    def circuit_probs(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Probabilities of all ``2**n_qubits`` outcomes of every circuit; shape (G, B, 2**n_qubits), float64."""
        method = self.method if method is None else self._check_method(method)
        enc, w = self.circuit_angles(noise, labels)
        g, b = enc.shape[:2]
        n, d = self.n_qubits, self.depth
        if method == "lean":
            angles = torch.cat([enc.reshape(g * b, n), w.reshape(g * b, d * n)], dim=1)
            return self.replay().probs(angles).reshape(g, b, 2**n)
        if (
            method in ("broadcast", "per_generator")
            and self.diff_method not in _BROADCAST_GRAD_METHODS
            and torch.is_grad_enabled()
            and (enc.requires_grad or w.requires_grad)
        ):
            raise ValueError(
                f"method: {method!r} evaluates broadcast tapes, which diff_method={self.diff_method!r} cannot "
                "differentiate (PennyLane #4462); use method='loop', diff_method='backprop', or run under torch.no_grad()"
            )
        circuit = self.qnode()
        if method == "broadcast":
            return circuit(enc.reshape(g * b, n), w.reshape(g * b, d, n)).reshape(g, b, 2**n)
        if method == "per_generator":
            return torch.stack([circuit(enc[i], w[i]) for i in range(g)])
        return torch.stack([torch.stack([circuit(enc[i, j], w[i, j]) for j in range(b)]) for i in range(g)])

    def patches(self, probs: torch.Tensor) -> torch.Tensor:
        """Post-select the ancillas on 0 and map each patch to ``[0, 1]``: (..., 2**n) -> (..., patch_size)."""
        return to_pixels(postselect(probs, self.n_ancillas), self.pixel_method)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Images for a batch of noise vectors.

        Parameters
        ----------
        noise : torch.Tensor, shape (B, n_qubits)
            Angles, typically from :meth:`sample_noise`.
        method : {"lean", "broadcast", "per_generator", "loop"}, optional
            Overrides ``self.method`` for this call.

        Returns
        -------
        torch.Tensor, shape (B, n_pixels)
            Pixels in ``[0, 1]``, dtype of :attr:`weights`.
        """
        probs = self.circuit_probs(noise, labels, method)  # (G, B, 2**n)
        pix = self.patches(probs)  # (G, B, P)
        g, b, p = pix.shape
        image = pix.permute(1, 0, 2).reshape(b, g * p)[:, : self.n_pixels]
        return image.to(self.weights.dtype)

    def forward_loop(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The reference: one QNode call per sample and sub-generator (``G * B`` calls)."""
        return self.forward(noise, labels, method="loop")

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.n_qubits}, n_ancillas={self.n_ancillas}, depth={self.depth}, "
            f"n_generators={self.n_generators}, n_pixels={self.n_pixels}, method={self.method!r}"
        )


class ConditionalPatchGenerator(PatchQuantumGenerator):
    """A class-conditional patch generator: the label sets extra rotation angles *inside* the circuit.

    Every sub-generator ``g`` has, besides its shared weights ``W[g]`` of shape ``(depth, n_qubits)``,
    a learned angle table ``E[g, c]`` of shape ``(label_layers, n_qubits)`` per class ``c``. For a
    sample with label ``c`` the circuit is the ordinary patch circuit with

    * encoding angles ``noise + E[g, c, 0]`` (the label shifts where the noise lands), and
    * layer ``l`` angles ``W[g, l] + E[g, c, l + 1]`` for ``l < label_layers - 1``
      (label-dependent rotation layers), the later layers shared by all classes.

    So the label enters as rotation angles -- the circuit, its gate count and the broadcast
    evaluation (one call for all ``G * B`` circuits) are unchanged; only the per-circuit angles
    differ. ``label_layers = 1`` shifts only the encoding; the default ``depth + 1`` gives each class
    its own angle offsets in every layer (most expressive; still a shared base ``W``).

    Parameters
    ----------
    n_classes : int
        Number of labels (10 for the digits).
    label_layers : int, optional
        Rows of each class's angle table, in ``[1, depth + 1]``; default ``depth + 1``.
    label_init_scale : float
        The tables start at ``label_init_scale * randn``.
    Other parameters
        As :class:`PatchQuantumGenerator`.

    Examples
    --------
    >>> gen = ConditionalPatchGenerator()
    >>> x = gen(gen.sample_noise(4), torch.tensor([0, 3, 3, 9]))
    >>> tuple(x.shape)
    (4, 64)
    """

    def __init__(
        self,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        depth: int = 6,
        n_generators: int = 4,
        n_pixels: int = 64,
        n_classes: int = 10,
        label_layers: int | None = None,
        init_scale: float = 0.5,
        label_init_scale: float = 0.5,
        device: str = "default.qubit",
        diff_method: str | None = None,
        method: str | None = None,
        pixel_method: str = "max",
    ) -> None:
        super().__init__(
            n_qubits, n_ancillas, depth, n_generators, n_pixels, init_scale, device, diff_method, method, pixel_method
        )
        self.n_classes = _int_arg("n_classes", n_classes, 1)
        label_layers = self.depth + 1 if label_layers is None else label_layers
        self.label_layers = _int_arg("label_layers", label_layers, 1)
        if self.label_layers > self.depth + 1:
            raise ValueError(
                f"label_layers: expected at most depth + 1 = {self.depth + 1} (the encoding plus every layer), "
                f"got {self.label_layers}"
            )
        self.label_init_scale = _float_arg("label_init_scale", label_init_scale)
        self.label_angles = nn.Parameter(
            self.label_init_scale
            * torch.randn(self.n_generators, self.n_classes, self.label_layers, self.n_qubits)
        )

    def circuit_angles(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        noise = _check_noise(noise, self.n_qubits)
        if labels is None:
            raise ValueError(f"labels: this generator is conditional; expected labels of shape ({noise.shape[0]},)")
        labels = _check_labels(labels, noise.shape[0], self.n_classes)
        g, b = self.n_generators, noise.shape[0]
        table = self.label_angles.to(torch.float64)[:, labels]  # (G, B, label_layers, n)
        enc = noise.to(torch.float64).unsqueeze(0) + table[:, :, 0]
        w = self.weights.to(torch.float64).unsqueeze(1).expand(g, b, self.depth, self.n_qubits)
        k = self.label_layers - 1
        if k:
            w = torch.cat([w[:, :, :k] + table[:, :, 1:], w[:, :, k:]], dim=2)
        return enc, w

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Images of the given classes: noise (B, n_qubits), labels (B,) in ``0..n_classes-1`` -> (B, n_pixels)."""
        return super().forward(noise, labels, method)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", n_classes={self.n_classes}, label_layers={self.label_layers}"


# ----------------------------------------------------------------------------------------------
# the classical baseline
# ----------------------------------------------------------------------------------------------
class ClassicalGenerator(nn.Module):
    """A small MLP generator: noise (B, latent_dim) -> sigmoid pixels (B, n_pixels).

    ``Linear(latent_dim, h1) -> LeakyReLU(0.2) -> ... -> Linear(h_last, n_pixels) -> sigmoid``.
    With ``hidden=()`` the map is linear before the sigmoid, optionally factorised through a
    bottleneck of ``rank`` units (``Linear(latent_dim, rank, bias=False) -> Linear(rank, n_pixels)``),
    which costs ``rank * (latent_dim + n_pixels)`` weights instead of ``latent_dim * n_pixels``.
    ``output_bias="shared"`` replaces the per-pixel output bias by a single number (for the tiniest
    budgets, see :meth:`with_budget`).

    Parameters
    ----------
    latent_dim : int
    n_pixels : int
    hidden : sequence of int
        Hidden widths (may be empty).
    rank : int, optional
        Bottleneck of a linear generator (only with ``hidden=()``), in ``[1, latent_dim)``.
    output_bias : {"pixel", "shared"}

    Examples
    --------
    >>> gen = ClassicalGenerator(latent_dim=5, n_pixels=64, hidden=(16,))
    >>> tuple(gen(torch.randn(2, 5)).shape), gen.n_params
    ((2, 64), 1184)
    >>> ClassicalGenerator.with_budget(1000, 5, 64).hidden
    (13,)
    """

    def __init__(
        self,
        latent_dim: int = 5,
        n_pixels: int = 64,
        hidden: Sequence[int] = (32,),
        rank: int | None = None,
        output_bias: str = "pixel",
    ) -> None:
        super().__init__()
        self.latent_dim = _int_arg("latent_dim", latent_dim, 1)
        self.n_pixels = _int_arg("n_pixels", n_pixels, 1)
        if isinstance(hidden, (int, np.integer)) or not isinstance(hidden, Sequence):
            raise TypeError(f"hidden: expected a sequence of widths such as (32,), got {hidden!r}")
        self.hidden = tuple(_int_arg("hidden", h, 1) for h in hidden)
        if rank is not None:
            rank = _int_arg("rank", rank, 1)
            if self.hidden:
                raise ValueError(f"rank: a bottleneck is only for a linear generator (hidden=()), got hidden={self.hidden}")
            if rank >= self.latent_dim:
                raise ValueError(
                    f"rank: expected a bottleneck below latent_dim={self.latent_dim} (a full linear map is cheaper), got {rank}"
                )
        self.rank = rank
        if output_bias not in ("pixel", "shared"):
            raise ValueError(f"output_bias: expected 'pixel' or 'shared', got {output_bias!r}")
        self.output_bias = output_bias
        layers: list[nn.Module] = []
        width = self.latent_dim
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        if rank is not None:
            layers.append(nn.Linear(width, rank, bias=False))
            width = rank
        layers.append(nn.Linear(width, self.n_pixels, bias=output_bias == "pixel"))
        self.net = nn.Sequential(*layers)
        self.shared_bias = nn.Parameter(torch.zeros(1)) if output_bias == "shared" else None

    @staticmethod
    def count(latent_dim: int, n_pixels: int, hidden: Sequence[int] = (), rank: int | None = None,
              output_bias: str = "pixel") -> int:
        """Trainable parameters of ``ClassicalGenerator(latent_dim, n_pixels, hidden, rank, output_bias)``.

        Examples
        --------
        >>> ClassicalGenerator.count(5, 64, hidden=(1,), output_bias="shared")
        71
        """
        total, width = 0, latent_dim
        for h in hidden:
            total += width * h + h
            width = h
        if rank is not None:
            total += width * rank
            width = rank
        total += width * n_pixels
        return total + (n_pixels if output_bias == "pixel" else 1)

    @property
    def n_params(self) -> int:
        """Number of trainable parameters."""
        return int(sum(p.numel() for p in self.parameters() if p.requires_grad))

    @classmethod
    def with_budget(cls, n_params: int, latent_dim: int, n_pixels: int) -> ClassicalGenerator:
        """The largest generator of this family with at most ``n_params`` trainable parameters.

        The choice, in order of preference:

        1. one hidden layer, as wide as fits (``h = (n_params - n_pixels) // (latent_dim + 1 + n_pixels)``),
           whenever ``h >= 1`` -- unless a full linear generator fits and comes closer to the budget;
        2. otherwise a linear generator with the largest bottleneck ``rank`` that fits;
        3. otherwise (a budget below ``latent_dim + 2 * n_pixels``: too small even for a rank-1 map
           with a bias per pixel) a per-pixel bias is unaffordable, and the best of one hidden unit /
           a rank-1 map with a single shared output bias is used -- such a generator can only move
           along a one-dimensional curve of images, which is what that many parameters buy.

        Parameters
        ----------
        n_params : int
            The budget, e.g. the quantum generator's parameter count.
        latent_dim, n_pixels : int

        Raises
        ------
        ValueError
            If not even the smallest generator (``latent_dim + n_pixels + 1`` parameters) fits.

        Examples
        --------
        >>> g = ClassicalGenerator.with_budget(120, 5, 64)   # the default patch QGAN has 120
        >>> g.hidden, g.output_bias, g.n_params
        ((1,), 'shared', 71)
        """
        n_params = _int_arg("n_params", n_params, 1)
        latent_dim = _int_arg("latent_dim", latent_dim, 1)
        n_pixels = _int_arg("n_pixels", n_pixels, 1)
        candidates: list[tuple[int, dict[str, Any]]] = []
        h = (n_params - n_pixels) // (latent_dim + 1 + n_pixels)
        if h >= 1:
            candidates.append((cls.count(latent_dim, n_pixels, (h,)), {"hidden": (h,)}))
            full = cls.count(latent_dim, n_pixels, ())
            if full <= n_params:
                candidates.append((full, {"hidden": ()}))
        else:
            for r in range(latent_dim - 1, 0, -1):
                c = cls.count(latent_dim, n_pixels, (), rank=r)
                if c <= n_params:
                    candidates.append((c, {"hidden": (), "rank": r}))
                    break
            full = cls.count(latent_dim, n_pixels, ())
            if full <= n_params:
                candidates.append((full, {"hidden": ()}))
            if not candidates:
                for kwargs in ({"hidden": (1,)}, {"hidden": (), "rank": 1} if latent_dim > 1 else {"hidden": ()}):
                    c = cls.count(latent_dim, n_pixels, output_bias="shared", **kwargs)
                    if c <= n_params:
                        candidates.append((c, {**kwargs, "output_bias": "shared"}))
        if not candidates:
            smallest = min(
                cls.count(latent_dim, n_pixels, (), rank=1 if latent_dim > 1 else None, output_bias="shared"),
                cls.count(latent_dim, n_pixels, (1,), output_bias="shared"),
            )
            raise ValueError(
                f"n_params: expected a budget of at least {smallest} parameters for latent_dim={latent_dim} and "
                f"n_pixels={n_pixels} (a rank-1 map with one shared bias), got {n_params}"
            )
        # closest to the budget; on a tie the earlier (nonlinear) candidate wins
        best = max(range(len(candidates)), key=lambda i: (candidates[i][0], -i))
        return cls(latent_dim=latent_dim, n_pixels=n_pixels, **candidates[best][1])

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal noise vectors, shape (n, latent_dim)."""
        n = _int_arg("n", n, 1)
        return torch.randn(n, self.latent_dim, generator=generator)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Pixels in ``(0, 1)``: noise (B, latent_dim) -> (B, n_pixels)."""
        noise = _check_noise(noise, self.latent_dim, meaning="latent_dim")
        out = self.net(noise.to(self.net[-1].weight.dtype))
        if self.shared_bias is not None:
            out = out + self.shared_bias
        return torch.sigmoid(out)

    def extra_repr(self) -> str:
        return (
            f"latent_dim={self.latent_dim}, n_pixels={self.n_pixels}, hidden={self.hidden}, rank={self.rank}, "
            f"output_bias={self.output_bias!r}, n_params={self.n_params}"
        )


# ----------------------------------------------------------------------------------------------
# the seed's 28x28 hybrid generator: a small circuit, Pauli-Z read-out, a classical decoder
# ----------------------------------------------------------------------------------------------
HYBRID_ENCODINGS: tuple[str, ...] = ("none", "angle", "amplitude", "direct")
"""How :class:`HybridQuantumGenerator` feeds its latent ``z``: ``"none"`` = the seed's bug (``z`` is
drawn but never enters the circuit), ``"angle"`` = ``RY(z_i)`` on wire ``i``, ``"amplitude"`` = the
``2**n_qubits`` numbers of ``z`` become the state's amplitudes (the seed's promised 16-dimensional
latent on 4 qubits), ``"direct"`` = an ablation without circuit (the decoder reads ``z`` itself)."""

HYBRID_ACTIVATIONS: tuple[str, ...] = ("none", "sigmoid")
"""Output activations of the hybrid decoder: ``"none"`` (the seed's: unbounded pixels) or ``"sigmoid"``."""

HYBRID_METHODS: tuple[str, ...] = ("torch", "qnode")
"""How the hybrid circuit is evaluated: ``"torch"`` = a batched state vector in torch with
PennyLane's gate matrices (the fast default), ``"qnode"`` = one broadcast ``default.qubit`` QNode call."""


def _cnot_chain_permutation(n: int) -> torch.Tensor:
    """Index table of the CNOT chain ``(0,1), (1,2), ..., (n-2,n-1)`` acting on basis states.

    ``new_state = state[:, perm]`` applies the whole chain (each CNOT permutes basis states).
    Wire 0 is the most significant bit (PennyLane's order).
    """
    perm = np.arange(2**n)
    for a in range(n - 1):
        mat = np.asarray(qml.matrix(qml.CNOT(wires=[a, a + 1]), wire_order=list(range(n))).real)
        perm = perm[np.argmax(mat, axis=1)]  # state'[k] = state[source(k)], chained in order
    return torch.as_tensor(perm, dtype=torch.long)


def _rot_zyx(weights: torch.Tensor) -> torch.Tensor:
    """``RZ(c) RY(b) RX(a)`` for every ``(a, b, c)`` in ``weights`` (..., 3): complex (..., 2, 2).

    The product of PennyLane's ``RX``, ``RY`` and ``RZ`` matrices written out (the tests compare it
    with ``qml.matrix``), so one vectorised call replaces ``3 * layers * n_qubits`` small ones.
    """
    a, b, c = weights[..., 0], weights[..., 1], weights[..., 2]
    ca, sa, cb, sb = torch.cos(a / 2), torch.sin(a / 2), torch.cos(b / 2), torch.sin(b / 2)
    # RY(b) RX(a) = [[cb ca + i sb sa, -sb ca - i cb sa], [sb ca - i cb sa, cb ca - i sb sa]]
    m00 = torch.complex(cb * ca, sb * sa)
    m01 = torch.complex(-sb * ca, -cb * sa)
    m10 = torch.complex(sb * ca, -cb * sa)
    m11 = torch.complex(cb * ca, -sb * sa)
    em = torch.exp(torch.complex(torch.zeros_like(c), -c / 2))  # RZ(c) = diag(e^{-ic/2}, e^{ic/2})
    ep = torch.conj(em)
    return torch.stack([torch.stack([em * m00, em * m01], -1), torch.stack([ep * m10, ep * m11], -1)], -2)


class HybridQuantumGenerator(nn.Module):
    """The seed article's hybrid generator for 28x28 images, with its defects as options.

    ``z -> [encoding] -> layers x (RX·RY·RZ on every wire + CNOT chain) -> <Z_i> for every wire ->
    decoder (Linear + ReLU ..., Linear) -> [activation] -> pixels``.

    The circuit is :func:`~qgan_helpers.circuits.seed_ansatz` on ``n_qubits`` wires; its
    ``n_qubits`` Pauli-Z expectation values (each in ``[-1, 1]``) are the decoder's input.

    * ``encoding="none"`` reproduces the seed: ``z`` is accepted and ignored, so every sample is
      the same image (the circuit has no input and the decoder is deterministic).
    * ``encoding="angle"``: ``RY(z_i)`` on wire ``i`` before the layers (latent dimension
      ``n_qubits``, noise uniform on ``[0, pi)``).
    * ``encoding="amplitude"``: ``z`` of length ``2**n_qubits`` normalised to a state
      (:func:`~qgan_helpers.circuits.amplitude_encoding`; noise standard normal, so the state is
      uniform on the sphere of real amplitudes).
    * ``encoding="direct"``: no circuit at all; the decoder reads the ``n_qubits`` numbers of ``z``
      (standard normal) -- the ablation "the same decoder fed with classical noise".

    Parameters
    ----------
    n_qubits : int
        Wires of the circuit (>= 1; the seed: 4).
    layers : int
        Seed layers (>= 1; the seed: 2).
    encoding : {"none", "angle", "amplitude", "direct"}
    decoder : sequence of int
        Hidden widths of the decoder (ReLU after each); may be empty (a linear decoder).
    activation : {"none", "sigmoid"}
        Output activation (the seed: none, so pixels are unbounded).
    n_pixels : int
        Output pixels (784 for 28x28).
    init_scale : float
        Initial angles are ``init_scale * randn(layers, n_qubits, 3)``.
    method : {"torch", "qnode"}
        Circuit evaluation (see :data:`HYBRID_METHODS`); both give the same numbers.

    Attributes
    ----------
    weights : torch.nn.Parameter, shape (layers, n_qubits, 3)
        The circuit's angles (``3 * layers * n_qubits`` parameters; absent for ``"direct"``).
    decoder : torch.nn.Sequential

    Examples
    --------
    >>> gen = HybridQuantumGenerator(encoding="angle", decoder=(16,))
    >>> x = gen(gen.sample_noise(3))
    >>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
    ((3, 784), True, True)
    >>> HybridQuantumGenerator(encoding="amplitude").latent_dim
    16
    """

    def __init__(
        self,
        n_qubits: int = 4,
        layers: int = 2,
        encoding: str = "angle",
        decoder: Sequence[int] = (128,),
        activation: str = "sigmoid",
        n_pixels: int = 784,
        init_scale: float = 0.1,
        method: str = "torch",
    ) -> None:
        super().__init__()
        self.n_qubits = _int_arg("n_qubits", n_qubits, 1)
        if self.n_qubits > 12:
            raise ValueError(f"n_qubits: expected at most 12 (a state vector of 4096 amplitudes), got {self.n_qubits}")
        self.layers = _int_arg("layers", layers, 1)
        if encoding not in HYBRID_ENCODINGS:
            raise ValueError(f"encoding: expected one of {HYBRID_ENCODINGS}, got {encoding!r}")
        self.encoding = encoding
        if isinstance(decoder, (int, np.integer)) or not isinstance(decoder, Sequence) or isinstance(decoder, str):
            raise TypeError(f"decoder: expected a sequence of hidden widths such as (128,), got {decoder!r}")
        self.decoder_widths = tuple(_int_arg("decoder", h, 1) for h in decoder)
        if activation not in HYBRID_ACTIVATIONS:
            raise ValueError(f"activation: expected one of {HYBRID_ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        self.n_pixels = _int_arg("n_pixels", n_pixels, 1)
        self.init_scale = _float_arg("init_scale", init_scale)
        if method not in HYBRID_METHODS:
            raise ValueError(f"method: expected one of {HYBRID_METHODS}, got {method!r}")
        self.method = method
        if encoding == "direct":
            self.weights = None
        else:
            from qgan_helpers.circuits import seed_weight_shape

            self.weights = nn.Parameter(self.init_scale * torch.randn(seed_weight_shape(self.layers, self.n_qubits)))
        layers_: list[nn.Module] = []
        width = self.n_qubits
        for h in self.decoder_widths:
            layers_ += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers_.append(nn.Linear(width, self.n_pixels))
        self.decoder = nn.Sequential(*layers_)
        self.register_buffer("_perm", _cnot_chain_permutation(self.n_qubits), persistent=False)
        self._qnode: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__().copy()
        state["_qnode"] = None
        return state

    # -- sizes and noise --------------------------------------------------------------------------
    @property
    def latent_dim(self) -> int:
        """Length of a noise vector: ``2**n_qubits`` for amplitude encoding, else ``n_qubits``."""
        return 2**self.n_qubits if self.encoding == "amplitude" else self.n_qubits

    @property
    def n_circuit_params(self) -> int:
        """Trainable angles of the circuit (0 for ``"direct"``)."""
        return 0 if self.weights is None else int(self.weights.numel())

    @property
    def n_params(self) -> int:
        """All trainable parameters (circuit + decoder)."""
        return int(sum(p.numel() for p in self.parameters() if p.requires_grad))

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` latent vectors, shape (n, latent_dim): uniform on ``[0, pi)`` for angle encoding, else standard normal."""
        n = _int_arg("n", n, 1)
        if self.encoding == "angle":
            return math.pi * torch.rand(n, self.latent_dim, generator=generator)
        return torch.randn(n, self.latent_dim, generator=generator)

    # -- the circuit ------------------------------------------------------------------------------
    def queue_circuit(self, z: Any, weights: Any) -> None:
        """Queue the circuit's gates (PennyLane): the encoding of ``z`` (if any), then the seed layers."""
        from qgan_helpers.circuits import amplitude_encoding, seed_ansatz

        if self.encoding == "angle":
            angle_encoding(z, self.n_qubits, rotation="Y")
        elif self.encoding == "amplitude":
            amplitude_encoding(z, self.n_qubits)
        seed_ansatz(weights, self.n_qubits)

    def qnode(self) -> qml.QNode:
        """The circuit as a broadcast ``default.qubit`` QNode ``(z, weights) -> [<Z_0>, ..., <Z_{n-1}>]``."""
        if self.weights is None:
            raise ValueError("encoding: 'direct' has no circuit")
        if self._qnode is None:
            dev = qml.device("default.qubit", wires=self.n_qubits)

            def circuit(z, weights):
                self.queue_circuit(z, weights)
                return [qml.expval(qml.PauliZ(i)) for i in range(self.n_qubits)]

            self._qnode = qml.QNode(circuit, dev, interface="torch", diff_method="backprop")
        return self._qnode

    def draw(self) -> str:
        """A text drawing of the circuit (for one example latent vector)."""
        z = torch.full((self.latent_dim,), 0.5, dtype=torch.float64)
        return qml.draw(self.qnode(), decimals=2)(z, self.weights.detach().double())

    def _initial_state(self, z: torch.Tensor) -> torch.Tensor:
        b, n = z.shape[0], self.n_qubits
        if self.encoding == "amplitude":
            from qgan_helpers.circuits import normalise_latent

            return normalise_latent(z, n).to(torch.complex128)
        state = torch.zeros(b, 2**n, dtype=torch.complex128)
        state[:, 0] = 1.0
        if self.encoding == "angle":  # RY(z_i) on |0>: the product state of cos(z_i/2)|0> + sin(z_i/2)|1>
            c, s = torch.cos(z / 2), torch.sin(z / 2)
            amps = torch.ones(b, 1, dtype=torch.float64)
            for wire in range(n):
                amps = torch.stack([amps * c[:, wire : wire + 1], amps * s[:, wire : wire + 1]], -1).reshape(b, -1)
            state = amps.to(torch.complex128)
        return state

    def _apply_one_qubit(self, state: torch.Tensor, mat: torch.Tensor, wire: int) -> torch.Tensor:
        """``mat`` (2, 2) or (B, 2, 2) on ``wire`` of a (B, 2**n) state."""
        b, n = state.shape[0], self.n_qubits
        view = state.view(b, 2**wire, 2, 2 ** (n - wire - 1))
        m = mat.unsqueeze(-3) if mat.ndim == 3 else mat  # (B, 1, 2, 2) broadcasts over the leading block
        return torch.matmul(m, view).view(b, 2**n)

    def expvals(self, z: torch.Tensor, method: str | None = None) -> torch.Tensor:
        """The circuit's read-out ``<Z_i>`` for a batch of latent vectors.

        Parameters
        ----------
        z : torch.Tensor, shape (B, latent_dim)
            Ignored (but checked) for ``encoding="none"``: the seed's bug.
        method : {"torch", "qnode"}, optional
            Overrides ``self.method``.

        Returns
        -------
        torch.Tensor, shape (B, n_qubits), float64
            Values in ``[-1, 1]``; for ``"direct"`` the noise itself (there is no circuit).
        """
        z = _check_noise(z, self.latent_dim, meaning="latent_dim")
        method = self.method if method is None else method
        if method not in HYBRID_METHODS:
            raise ValueError(f"method: expected one of {HYBRID_METHODS}, got {method!r}")
        if self.encoding == "direct":
            return z.to(torch.float64)
        z64 = z.to(torch.float64)
        w = self.weights.to(torch.float64)
        b, n = z.shape[0], self.n_qubits
        if method == "qnode":
            if self.encoding == "none":
                out = torch.stack(self.qnode()(z64, w), -1).reshape(1, n)
                return out.expand(b, n)
            return torch.stack(self.qnode()(z64, w), -1).reshape(b, n)
        state = self._initial_state(z64)
        mats = _rot_zyx(w)  # (layers, n, 2, 2): RZ(c) RY(b) RX(a) for every wire, in one go
        for layer in range(self.layers):
            for wire in range(n):
                state = self._apply_one_qubit(state, mats[layer, wire], wire)
            if n > 1:
                state = state[:, self._perm]
        probs = state.real**2 + state.imag**2
        from qgan_helpers.measurement import expval_z_from_probs

        return expval_z_from_probs(probs)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Images for a batch of latent vectors: (B, latent_dim) -> (B, n_pixels).

        With ``activation="sigmoid"`` the pixels lie in ``(0, 1)``; with ``"none"`` (the seed) they
        are unbounded.
        """
        feats = self.expvals(noise).to(self.decoder[-1].weight.dtype)
        out = self.decoder(feats)
        return torch.sigmoid(out) if self.activation == "sigmoid" else out

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.n_qubits}, layers={self.layers}, encoding={self.encoding!r}, "
            f"decoder={self.decoder_widths}, activation={self.activation!r}, n_pixels={self.n_pixels}, "
            f"n_params={self.n_params}"
        )
