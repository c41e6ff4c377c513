"""Generators: the patch quantum generator (Huang et al. 2021), a class-conditional variant, a
classical MLP generator built to a parameter budget, and a classical *patch* generator that shares
the quantum one's patches and output map.

The patch method
----------------
A :class:`PatchQuantumGenerator` owns ``G = n_generators`` small circuits ("sub-generators") on
``n_qubits`` wires. Each one angle-encodes the same noise vector ``z`` (``RY(z_i)`` on wire ``i``),
applies ``depth`` trainable patch layers (``RY`` on every wire, then a CZ chain; see
:func:`qgan_helpers.quantum.circuits.patch_ansatz`) and measures the probabilities of all ``2**n_qubits``
basis states. The first ``n_ancillas`` wires are ancillas: keeping the outcomes in which they read
``0`` and renormalising (:func:`qgan_helpers.quantum.measurement.postselect`) leaves a distribution over
``2**(n_qubits - n_ancillas)`` outcomes -- one *patch* of pixels. An output map (``pixel_method``,
below) turns it into intensities in ``[0, 1]``. Sub-generator ``g`` fills pixels
``g*P .. (g+1)*P - 1`` of the flattened image (``P`` = patch size), so with the defaults (5 qubits,
1 ancilla, 4 sub-generators) each one paints two rows of an 8x8 digit; 8 sub-generators of
``P = 8`` (4 qubits and 1 ancilla, or 5 qubits and 2 ancillas) paint one row each.

Noise re-uploading
------------------
Encoding ``z`` once makes every amplitude a degree-1 trigonometric polynomial in each ``z_i``
(Schuld, Sweke & Meyer 2021): the probabilities, and hence the patches, contain only the
frequencies ``0`` and ``1`` of each ``z_i`` -- whatever the depth. ``reupload=True`` applies the
``RY(z_i)`` encoding again before *every* trainable layer (``depth`` encodings in all), which raises
the degree to ``depth`` in each ``z_i`` at no cost in parameters or gates that matter: each
encoding rotation sits right before the layer's ``RY`` on the same wire, so the two merge into one
``RY(z_i + w_{l,i})`` (the lean replay does exactly that).

``upload_every=k`` (with ``reupload=True``) re-encodes only before layers ``0, k, 2k, ...``
(``U = ceil(depth / k)`` encodings, :attr:`PatchQuantumGenerator.upload_layers`).

Input scaling and noise blocks
------------------------------
Two ways to change *what* the encodings feed in, both still one ``RY`` per wire per encoding (so
the lean replay merges each into its layer exactly as above):

``input_scaling=True``
    every encoding gets trainable scales, ``RY(s[g, u, i] * z_i)`` -- the input weights of data
    re-uploading (Perez-Salinas et al. 2020), ``G * U * n_qubits`` extra parameters. An offset
    would be redundant (it merges into the layer's own angle), so only the width of the noise is
    learned. **In the GAN game this collapses the generator**: on the zeros (1500 steps, 3 seeds,
    one or two or eight encodings) the recall of every scaled variant fell to 0.00-0.09 at a
    precision of about 1.0 -- the generator learns to shrink the influence of its own noise (seed
    0: the mean scale fell from 1.0 to 0.22 with one encoding, from 0.5 to 0.12 with two), the
    shortest way to the few images the discriminator currently accepts.
``noise_per_upload=True``
    every encoding reads its *own* ``n_qubits`` noise angles, so the latent has ``U * n_qubits``
    dimensions (:attr:`PatchQuantumGenerator.latent_dim`) at the same qubit count and no extra
    parameter ("noise blocks"). With a single encoding the samples lie on a manifold too thin for
    the data: in the shipped zero checkpoint a generated zero's nearest generated neighbour is at a
    median pixel distance of 0.72 where a real zero's nearest real neighbour is at 0.94 -- which is
    what the 1-NN two-sample test sees. Two blocks (before layers 0 and 6 of 12) are part of
    :data:`~qgan_helpers.training.PATCH_DEFAULTS`; they raise the recall (0.38 -> 0.88 after
    1500 steps on the zeros), three blocks raise it further but cost precision (0.3) and FD (see
    ``qgan_helpers/results/patch_ablation.json``).

Both leave the defaults of this class unchanged (one encoding, the paper's circuit); with one
encoding (``reupload=False`` or ``upload_every >= depth``) ``noise_per_upload`` changes nothing.

Output maps (``pixel_method``)
------------------------------
The post-selected probabilities of a patch sum to 1, so a patch of ``P`` pixels has a *mean* of
``1/P`` whatever the digit looks like: some scale has to be chosen.

``"max"`` (default)
    ``p / max(p)`` -- the choice of Huang et al. and of the PennyLane demo. No extra parameter,
    scale-free, and the brightest pixel of every patch is exactly 1. That constraint costs little
    on the bundled digits: about 98 % of all two-row bands contain a pixel of at least 0.75, and
    rescaling every band of the 178 real zeros to a maximum of 1 moves them by an MMD² (sigma 2)
    of about 0.01 -- less than the 0.024 between two halves of the real zeros. Its weakness is
    the *background*: a circuit's probabilities are practically never exactly 0, so neither is
    ``p / max(p)``. The shipped checkpoint of the zeros (``qgan_helpers/checkpoints/patch_digit0_seed0.pt``)
    has no pixel at exactly 0 and only about 6 % below 0.001, where 45 % of the real zeros'
    pixels are exactly 0: a speckled grey background (below 0.05 the gap is smaller, 37 % vs 45 %).
``"minmax"``
    ``(p - min p) / (max p - min p)``: also forces exactly one black pixel per patch. In short
    scratch trainings on the zeros it did not do better than ``"max"``.
``"threshold"`` (learned, one number per patch)
    ``clamp((q - t_g) / (1 - t_g), 0, 1)`` with ``q = p / max(p)`` and ``t_g = sigmoid(a_g)``:
    every pixel at or below the patch's learned black level ``t_g`` is *exactly* 0, the brightest
    pixel stays 1, and the map is piecewise linear in ``q`` (differentiable except at the kink).
``"threshold_gain"`` (learned, two numbers per patch)
    ``clamp(exp(b_g) * (q - t_g) / (1 - t_g), 0, 1)``: as ``"threshold"`` plus a gain; a gain
    above 1 saturates the brightest pixels at exactly 1 (as the data's 16/16 pixels), below 1 it
    dims the whole patch.

The learned maps live in a :class:`PatchPixelMap` (``generator.pixel_map``); their ``G`` or
``2 * G`` numbers are ``nn.Parameter`` s, so they count as the generator's trainable parameters
and are trained with the circuit angles. See :class:`PatchPixelMap` for why a clamp rather than
a smooth map.

The classical patch generator
-----------------------------
:class:`ClassicalPatchGenerator` keeps everything of the patch method except the circuits: the same
noise (``n_qubits`` angles uniform in ``[0, pi/2)``), the same ``G`` patches of ``P`` pixels, each a
probability vector (a softmax over ``P`` logits, like the post-selected circuit output), and the
same output map -- but the logits come from a small MLP of (at most) the quantum generator's
parameter count (:meth:`ClassicalPatchGenerator.matching`). Comparing the two separates what the
patch / ``p / max`` structure does from what the circuit does.

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
**once** as a PennyLane tape (the same :func:`~qgan_helpers.quantum.circuits.angle_encoding` and
:func:`~qgan_helpers.quantum.circuits.patch_ansatz` calls), and each forward pass *replays* that tape on a
batched state vector: the gate matrices come from PennyLane (one broadcast
``qml.RY.compute_matrix`` call for all rotation angles of the batch, ``qml.matrix`` for the fixed
CZ gates, which are merged into one sign vector per layer), and each gate is one batched
``torch.matmul``. Because ``RY`` and ``CZ`` are real matrices the replay keeps the state real
(``float64``), exactly as PennyLane's complex simulation would (the tests check values and
gradients against ``method="loop"`` to 1e-6, and one patch against an independent NumPy
calculation). Circuits with complex gates are refused by the lean path (use ``"broadcast"``).
With ``reupload=True`` the same noise placeholder feeds ``depth`` rotations; each merged rotation
sums the entries it reads, so the replay (and autograd through it) handles that unchanged.
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

from qgan_helpers import validation
from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz, patch_layer, patch_weight_shape
from qgan_helpers.quantum.measurement import PIXEL_METHODS, postselect, to_pixels

__all__ = [
    "METHODS",
    "NOISE_RANGE",
    "PATCH_PIXEL_METHODS",
    "LEARNED_PIXEL_METHODS",
    "PatchPixelMap",
    "PatchQuantumGenerator",
    "ConditionalPatchGenerator",
    "ClassicalGenerator",
    "ClassicalPatchGenerator",
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

LEARNED_PIXEL_METHODS: tuple[str, ...] = ("threshold", "threshold_gain")
"""Output maps with trained numbers per patch (one: a black level; two: a black level and a gain)."""

PATCH_PIXEL_METHODS: tuple[str, ...] = PIXEL_METHODS + LEARNED_PIXEL_METHODS
"""Every ``pixel_method`` of the patch generators: the fixed maps of
:func:`qgan_helpers.quantum.measurement.to_pixels` (``"max"``, ``"minmax"``) and the learned ones."""


# ----------------------------------------------------------------------------------------------
# argument checks (counts and numbers: qgan_helpers.validation)
# ----------------------------------------------------------------------------------------------
def _bool_arg(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {value!r} of type {type(value).__name__}")
    return bool(value)


def _patch_size(n_qubits: int, n_ancillas: int, n_generators: int, n_pixels: int) -> int:
    """Check the patch geometry shared by the patch generators; return the patch size ``2**(n - a)``."""
    if n_ancillas >= n_qubits:
        raise ValueError(
            f"n_ancillas: expected fewer ancillas than qubits (at most {n_qubits - 1} for "
            f"n_qubits={n_qubits}), got {n_ancillas}"
        )
    size = 2 ** (n_qubits - n_ancillas)
    covered = n_generators * size
    if covered < n_pixels:
        raise ValueError(
            f"n_pixels: expected at most n_generators * 2**(n_qubits - n_ancillas) = {n_generators} * "
            f"{size} = {covered} pixels, got {n_pixels}; add sub-generators or data qubits"
        )
    return size


def _sample_angles(n: int, latent_dim: int, generator: torch.Generator | None) -> torch.Tensor:
    """``n`` noise vectors with every angle uniform in :data:`NOISE_RANGE`; shape (n, latent_dim)."""
    n = validation.positive_int("n", n)
    lo, hi = NOISE_RANGE
    return lo + (hi - lo) * torch.rand(n, latent_dim, generator=generator)


def _stitch(pix: torch.Tensor, n_pixels: int) -> torch.Tensor:
    """Patches (G, B, P) -> images (B, n_pixels): patch ``g`` fills pixels ``g*P .. (g+1)*P - 1``, then crop."""
    g, b, p = pix.shape
    return pix.permute(1, 0, 2).reshape(b, g * p)[:, :n_pixels]


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
        self.n_wires = validation.positive_int("n_wires", n_wires)
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
# output maps: the probabilities of a patch -> pixels in [0, 1]
# ----------------------------------------------------------------------------------------------
def _check_pixel_method(pixel_method: Any) -> str:
    if not isinstance(pixel_method, str) or pixel_method not in PATCH_PIXEL_METHODS:
        raise ValueError(f"pixel_method: expected one of {PATCH_PIXEL_METHODS}, got {pixel_method!r}")
    return pixel_method


def _check_threshold_init(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"threshold_init: expected a number in (0, 1), got {value!r} of type {type(value).__name__}")
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"threshold_init: expected a number in (0, 1) (the initial black level), got {value!r}")
    return float(value)


class PatchPixelMap(nn.Module):
    """The output map of the patch generators: one probability vector per patch -> pixels in ``[0, 1]``.

    ``"max"`` and ``"minmax"`` are :func:`qgan_helpers.quantum.measurement.to_pixels` (no parameters). The
    learned maps start from ``q = p / max(p)`` (in ``[0, 1]``, brightest pixel 1) and give patch
    ``g`` a black level ``t_g = sigmoid(a_g)``:

    * ``"threshold"``: ``pixel = clamp((q - t_g) / (1 - t_g), 0, 1)`` -- one number per patch (``a_g``);
    * ``"threshold_gain"``: ``pixel = clamp(exp(b_g) * (q - t_g) / (1 - t_g), 0, 1)`` -- two (``a_g, b_g``).

    Why this form:

    * **exact zeros need a flat piece.** Any smooth positive map (a sigmoid, a power of ``q``)
      leaves the background slightly grey, which is the problem of ``p / max(p)`` itself; the
      clamp is 0 on the whole interval ``q <= t_g``.
    * **the scale of ``"max"`` is kept.** Dividing by ``1 - t_g`` maps ``q = 1`` to 1, so with
      ``"threshold"`` the brightest pixel of a patch is still exactly 1 and the map stays in
      ``[0, 1]`` before the clamp's upper side is ever used; only the background is cut. The gain of
      ``"threshold_gain"`` adds what the data have and ``"max"`` cannot make: several pixels at
      exactly 1 (gain > 1) or a patch dimmer than 1 (gain < 1).
    * **unconstrained parameters.** ``sigmoid`` keeps ``t_g`` in ``(0, 1)`` and ``exp`` keeps the
      gain positive, so plain Adam steps never leave the valid range; with ``b_g = 0`` (the start)
      ``"threshold_gain"`` equals ``"threshold"``.
    * **per patch, not per pixel.** ``G`` (or ``2 G``) classical numbers -- 4 (8) with the defaults,
      against 160 circuit angles -- so the map cannot paint the digit by itself.

    The price is a ReLU's: a pixel below the black level passes no gradient. The brightest pixel
    always does, and every pixel of a patch is coupled to it through ``p / max(p)``, so the circuit
    keeps learning; which pixels are dark moves as the circuit changes. The map is differentiable
    everywhere except at the two kinks of the clamp (and where the maximum of ``p`` changes hands,
    as for ``"max"``).

    Parameters
    ----------
    n_patches : int
        ``G``, the number of patches (sub-generators).
    method : {"max", "minmax", "threshold", "threshold_gain"}
    threshold_init : float
        The initial black level ``t_g`` of every patch, in ``(0, 1)`` (learned maps only).

    Attributes
    ----------
    threshold_logit : torch.nn.Parameter, shape (n_patches,) or None
        ``a_g`` (learned maps only).
    log_gain : torch.nn.Parameter, shape (n_patches,) or None
        ``b_g`` (``"threshold_gain"`` only; starts at 0, a gain of 1).

    Examples
    --------
    >>> m = PatchPixelMap(2, "threshold", threshold_init=0.25)
    >>> p = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]], dtype=torch.float64)  # (G, P)
    >>> m(p).detach().numpy().round(4).tolist()
    [[0.0, 0.3333, 0.6667, 1.0], [1.0, 0.0, 0.0, 0.0]]
    >>> m.n_params, PatchPixelMap(2, "threshold_gain").n_params, PatchPixelMap(2).n_params
    (2, 4, 0)
    """

    def __init__(self, n_patches: int, method: str = "max", threshold_init: float = 0.1) -> None:
        super().__init__()
        self.n_patches = validation.positive_int("n_patches", n_patches)
        self.method = _check_pixel_method(method)
        self.threshold_init = _check_threshold_init(threshold_init)
        self.threshold_logit: nn.Parameter | None = None
        self.log_gain: nn.Parameter | None = None
        if self.method in LEARNED_PIXEL_METHODS:
            logit = math.log(self.threshold_init / (1.0 - self.threshold_init))
            self.threshold_logit = nn.Parameter(torch.full((self.n_patches,), logit))
        if self.method == "threshold_gain":
            self.log_gain = nn.Parameter(torch.zeros(self.n_patches))

    @staticmethod
    def count(n_patches: int, method: str) -> int:
        """Trainable numbers of ``PatchPixelMap(n_patches, method)``: 0, ``G`` or ``2 G``.

        Examples
        --------
        >>> PatchPixelMap.count(8, "threshold_gain")
        16
        """
        per_patch = {"threshold": 1, "threshold_gain": 2}.get(_check_pixel_method(method), 0)
        return per_patch * validation.positive_int("n_patches", n_patches)

    @property
    def n_params(self) -> int:
        """Number of trainable numbers (0 for the fixed maps)."""
        return int(sum(p.numel() for p in self.parameters() if p.requires_grad))

    @property
    def thresholds(self) -> torch.Tensor | None:
        """The black levels ``t_g`` (shape (n_patches,), detached), or None for a fixed map."""
        return None if self.threshold_logit is None else torch.sigmoid(self.threshold_logit.detach())

    @property
    def gains(self) -> torch.Tensor | None:
        """The gains ``exp(b_g)`` (shape (n_patches,), detached), or None without a learned gain."""
        return None if self.log_gain is None else torch.exp(self.log_gain.detach())

    def _per_patch(self, values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """``values`` (G,) reshaped to broadcast against ``like`` (G, ..., P)."""
        return values.to(like.dtype).reshape((self.n_patches,) + (1,) * (like.ndim - 1))

    def forward(self, p: torch.Tensor) -> torch.Tensor:
        """Pixels of every patch.

        Parameters
        ----------
        p : torch.Tensor, shape (G, ..., P)
            Non-negative numbers per patch (e.g. post-selected probabilities); the first axis is the
            patch index ``g`` for the learned maps (any leading shape for the fixed ones).

        Returns
        -------
        torch.Tensor, shape (G, ..., P)
            Values in ``[0, 1]``, dtype of ``p``, differentiable almost everywhere.
        """
        if self.method in PIXEL_METHODS:
            return to_pixels(p, self.method)
        if not isinstance(p, torch.Tensor) or p.ndim < 2 or p.shape[0] != self.n_patches:
            shape = tuple(p.shape) if isinstance(p, torch.Tensor) else type(p).__name__
            raise ValueError(
                f"p: expected a torch.Tensor of shape ({self.n_patches}, ..., P) (one row per patch) for "
                f"pixel_method={self.method!r}, got {shape}"
            )
        q = to_pixels(p, "max")
        t = self._per_patch(torch.sigmoid(self.threshold_logit), q)
        x = (q - t) / (1.0 - t)
        if self.log_gain is not None:
            x = x * self._per_patch(torch.exp(self.log_gain), q)
        return x.clamp(0.0, 1.0)

    def extra_repr(self) -> str:
        return f"n_patches={self.n_patches}, method={self.method!r}, n_params={self.n_params}"


# ----------------------------------------------------------------------------------------------
# the patch quantum generator
# ----------------------------------------------------------------------------------------------
class PatchQuantumGenerator(nn.Module):
    """The patch quantum generator of Huang et al. (2021), evaluated with broadcast circuit calls.

    Noise ``z`` of shape ``(B, n_qubits)`` -> ``G`` circuits per sample -> post-selected patches of
    ``P = 2**(n_qubits - n_ancillas)`` probabilities -> output map -> images ``(B, n_pixels)``.

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
    pixel_method : {"max", "minmax", "threshold", "threshold_gain"}
        The output map of every patch (see :class:`PatchPixelMap` and the module docstring);
        ``"max"`` = ``p / max(p)``, the paper's.
    reupload : bool
        Apply the noise encoding ``RY(z_i)`` again before every trainable layer (``depth``
        encodings instead of one; see the module docstring). False = the paper's circuit.
    threshold_init : float
        Initial black level ``t_g`` in ``(0, 1)`` of the learned output maps (ignored otherwise).
    upload_every : int
        With ``reupload=True``: encode the noise before layers ``0, k, 2k, ...`` only
        (``k = upload_every >= 1``), i.e. ``U = ceil(depth / k)`` encodings; ``k >= depth`` leaves
        the single encoding before layer 0 (so a spacing chosen for one depth stays valid when the
        depth is overridden). Ignored without ``reupload`` (one encoding).
    input_scaling : bool
        Give every encoding rotation a trainable scale: upload ``u`` of sub-generator ``g`` rotates
        wire ``i`` by ``s[g, u, i] * z_i`` instead of ``z_i`` (``G * U * n_qubits`` extra parameters,
        :attr:`input_scale`). The trainable input weights of data re-uploading (Perez-Salinas et al.
        2020): the circuit picks how strongly, and at which frequency, each noise angle enters each
        layer, instead of the fixed width ``pi/2`` of :data:`NOISE_RANGE` (an offset would be
        redundant: it merges into the layer's own ``RY``). False = the paper's fixed encoding.
    input_scale_init : float, optional
        The initial scales (with ``input_scaling``); default ``1 / U``, so that the ``U`` encodings
        of a wire start with the same total rotation ``z_i`` as the paper's single encoding.
    noise_per_upload : bool
        Give every encoding its own ``n_qubits`` noise angles: encoding ``u`` reads
        ``z[u * n_qubits : (u + 1) * n_qubits]``, so the latent has ``U * n_qubits`` dimensions
        (:attr:`latent_dim`) instead of ``n_qubits`` -- the images can vary along more directions
        at the same qubit count. False = every encoding re-uses the same ``n_qubits`` angles. With a
        single encoding (``reupload=False``, or ``upload_every >= depth``) it changes nothing.

    Attributes
    ----------
    weights : torch.nn.Parameter, shape (n_generators, depth, n_qubits)
        The trainable RY angles (``n_generators * depth * n_qubits`` parameters, 120 by default).
    input_scale : torch.nn.Parameter, shape (n_generators, n_uploads, n_qubits), or None
        The trainable encoding scales ``s`` (``input_scaling=True`` only).
    pixel_map : PatchPixelMap
        The output map; holds ``0``, ``G`` or ``2 G`` further trainable numbers.

    Examples
    --------
    >>> gen = PatchQuantumGenerator()
    >>> x = gen(gen.sample_noise(3))
    >>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
    ((3, 64), True, True)
    >>> sum(p.numel() for p in gen.parameters())
    120
    >>> rows = PatchQuantumGenerator(n_qubits=4, n_ancillas=1, n_generators=8, reupload=True,
    ...                              pixel_method="threshold")     # 8 patches of one row each
    >>> sum(p.numel() for p in rows.parameters())                  # 8 * 6 * 4 angles + 8 black levels
    200
    >>> x = rows(rows.sample_noise(2))
    >>> tuple(x.shape), bool((x == 0).any())
    ((2, 64), True)
    >>> blocks = PatchQuantumGenerator(n_ancillas=2, n_generators=8, depth=12, reupload=True,
    ...                                upload_every=6, noise_per_upload=True)  # the training default
    >>> blocks.upload_layers, blocks.latent_dim, sum(p.numel() for p in blocks.parameters())
    ((0, 6), 10, 480)
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
        reupload: bool = False,
        threshold_init: float = 0.1,
        upload_every: int = 1,
        input_scaling: bool = False,
        input_scale_init: float | None = None,
        noise_per_upload: bool = False,
    ) -> None:
        super().__init__()
        self.n_qubits = validation.positive_int("n_qubits", n_qubits)
        self.n_ancillas = validation.non_negative_int("n_ancillas", n_ancillas)
        self.depth = validation.positive_int("depth", depth)
        self.n_generators = validation.positive_int("n_generators", n_generators)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        self.patch_size = _patch_size(self.n_qubits, self.n_ancillas, self.n_generators, self.n_pixels)
        self.reupload = _bool_arg("reupload", reupload)
        self.upload_every = validation.positive_int("upload_every", upload_every)
        self.input_scaling = _bool_arg("input_scaling", input_scaling)
        self.noise_per_upload = _bool_arg("noise_per_upload", noise_per_upload)
        if input_scale_init is not None:
            if not self.input_scaling:
                raise ValueError(
                    f"input_scale_init: only used with input_scaling=True; expected None, got {input_scale_init!r}"
                )
            input_scale_init = validation.number("input_scale_init", input_scale_init, 0)
        self.init_scale = validation.number("init_scale", init_scale, 0)
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
        self.pixel_method = _check_pixel_method(pixel_method)
        self.weights = nn.Parameter(
            self.init_scale * torch.randn(self.n_generators, *patch_weight_shape(self.depth, self.n_qubits))
        )
        self.input_scale_init = (
            None if not self.input_scaling else (1.0 / self.n_uploads if input_scale_init is None else input_scale_init)
        )
        self.input_scale: nn.Parameter | None = None
        if self.input_scaling:  # filled, not drawn: the angles for a given seed are those of earlier versions
            self.input_scale = nn.Parameter(
                torch.full((self.n_generators, self.n_uploads, self.n_qubits), float(self.input_scale_init))
            )
        # the map draws no random numbers: the initial angles for a given seed are those of earlier versions
        self.pixel_map = PatchPixelMap(self.n_generators, self.pixel_method, threshold_init)
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
        """Length of a noise vector: one angle per qubit (per encoding with ``noise_per_upload``)."""
        return self.n_qubits * self.n_uploads if getattr(self, "noise_per_upload", False) else self.n_qubits

    @property
    def wires(self) -> list[int]:
        """The wires of every sub-generator; the first ``n_ancillas`` are the ancillas."""
        return list(range(self.n_qubits))

    @property
    def upload_layers(self) -> tuple[int, ...]:
        """The layers the noise encoding is queued before: ``(0,)``, or ``0, k, 2k, ...`` with ``reupload``."""
        if not self.reupload:
            return (0,)
        return tuple(range(0, self.depth, self.upload_every))

    @property
    def n_uploads(self) -> int:
        """``U``, the number of noise encodings per circuit."""
        return len(self.upload_layers)

    @property
    def encoding_shape(self) -> tuple[int, ...]:
        """Shape of one circuit's encoding angles: ``(n_qubits,)`` (the noise itself, re-used by every
        encoding), or ``(n_uploads, n_qubits)`` with ``input_scaling`` or ``noise_per_upload`` (each
        encoding its own angles)."""
        return (self.n_uploads, self.n_qubits) if self._per_upload else (self.n_qubits,)

    @property
    def _per_upload(self) -> bool:
        return bool(getattr(self, "input_scaling", False) or getattr(self, "noise_per_upload", False))

    def queue_circuit(self, noise: Any, weights: Any) -> None:
        """Queue one sub-generator's gates: ``RY(noise_i)`` on wire ``i``, then the patch layers.

        With ``reupload=True`` the encoding is queued before every layer of :attr:`upload_layers`
        instead of once.

        Parameters
        ----------
        noise : array, shape ``encoding_shape`` or ``(N, *encoding_shape)``
            The encoding angles: the noise ``(n_qubits,)``, or with ``input_scaling`` the scaled
            angles of every encoding ``(n_uploads, n_qubits)`` (with ``input_scaling`` or
            ``noise_per_upload``; see :meth:`circuit_angles`).
        weights : array, shape (depth, n_qubits) or (N, depth, n_qubits)
        """
        if not self.reupload and not self._per_upload:
            angle_encoding(noise, self.wires, rotation="Y")
            patch_ansatz(weights, self.wires)
            return
        uploads = self.upload_layers
        for layer in range(self.depth):
            if layer in uploads:
                enc = noise[..., uploads.index(layer), :] if self._per_upload else noise
                angle_encoding(enc, self.wires, rotation="Y")
            patch_layer(weights[..., layer, :], self.wires)

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
                self.queue_circuit, [self.encoding_shape, (self.depth, self.n_qubits)], self.n_qubits
            )
        return self._replay

    def draw(self) -> str:
        """A text drawing of one sub-generator's circuit (noise and weights shown as numbers)."""
        noise = torch.full(self.encoding_shape, 0.5)
        return qml.draw(self.qnode(), decimals=2)(noise, self.weights[0].detach())

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` noise vectors, each angle uniform in :data:`NOISE_RANGE`; shape (n, latent_dim)."""
        return _sample_angles(n, self.latent_dim, generator)

    # -- angles of all circuits of a batch -------------------------------------------------------
    def circuit_angles(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoding angles and layer weights of all ``G * B`` circuits (float64).

        Returns
        -------
        enc : torch.Tensor, shape (G, B, *encoding_shape)
            The noise, ``(G, B, n_qubits)``; with ``input_scaling`` or ``noise_per_upload`` the angles
            of every encoding, ``(G, B, n_uploads, n_qubits)``: ``enc[g, b, u, i] = s[g, u, i] * z[b, u, i]``
            with ``s`` = :attr:`input_scale` (or 1) and ``z[b, u]`` = the noise (re-used by every
            encoding) or its ``u``-th block of ``n_qubits`` angles (``noise_per_upload``).
        weights : torch.Tensor, shape (G, B, depth, n_qubits)
        """
        per = ("one angle per qubit and encoding, n_uploads * n_qubits" if self.noise_per_upload
               else "one angle per qubit, n_qubits")
        noise = _check_noise(noise, self.latent_dim, meaning=per)
        if labels is not None:
            raise ValueError("labels: this generator is unconditional; expected labels=None")
        g, b, u, n = self.n_generators, noise.shape[0], self.n_uploads, self.n_qubits
        z = noise.to(torch.float64)
        if self._per_upload:
            z = z.reshape(b, u, n) if self.noise_per_upload else z[:, None, :].expand(b, u, n)
            enc = z.unsqueeze(0).expand(g, b, u, n)
            if self.input_scale is not None:
                enc = self.input_scale.to(torch.float64).unsqueeze(1) * enc
        else:
            enc = z.unsqueeze(0).expand(g, b, self.n_qubits)
        w = self.weights.to(torch.float64).unsqueeze(1).expand(g, b, self.depth, self.n_qubits)
        return enc, w

    def circuit_probs(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Probabilities of all ``2**n_qubits`` outcomes of every circuit; shape (G, B, 2**n_qubits), float64."""
        method = self.method if method is None else self._check_method(method)
        enc, w = self.circuit_angles(noise, labels)
        g, b = enc.shape[:2]
        n, d = self.n_qubits, self.depth
        if method == "lean":
            angles = torch.cat([enc.reshape(g * b, -1), w.reshape(g * b, d * n)], dim=1)
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
            return circuit(enc.reshape(g * b, *enc.shape[2:]), w.reshape(g * b, d, n)).reshape(g, b, 2**n)
        if method == "per_generator":
            return torch.stack([circuit(enc[i], w[i]) for i in range(g)])
        return torch.stack([torch.stack([circuit(enc[i, j], w[i, j]) for j in range(b)]) for i in range(g)])

    def patches(self, probs: torch.Tensor) -> torch.Tensor:
        """Post-select the ancillas on 0 and apply the output map: (G, ..., 2**n) -> (G, ..., patch_size).

        The first axis must be the sub-generator for the learned maps (each patch has its own
        numbers); ``"max"`` and ``"minmax"`` accept any leading shape.
        """
        return self.pixel_map(postselect(probs, self.n_ancillas))

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Images for a batch of noise vectors.

        Parameters
        ----------
        noise : torch.Tensor, shape (B, latent_dim)
            Angles, typically from :meth:`sample_noise`.
        method : {"lean", "broadcast", "per_generator", "loop"}, optional
            Overrides ``self.method`` for this call.

        Returns
        -------
        torch.Tensor, shape (B, n_pixels)
            Pixels in ``[0, 1]``, dtype of :attr:`weights`.
        """
        probs = self.circuit_probs(noise, labels, method)  # (G, B, 2**n)
        return _stitch(self.patches(probs), self.n_pixels).to(self.weights.dtype)

    def forward_loop(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The reference: one QNode call per sample and sub-generator (``G * B`` calls)."""
        return self.forward(noise, labels, method="loop")

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.n_qubits}, n_ancillas={self.n_ancillas}, depth={self.depth}, "
            f"n_generators={self.n_generators}, n_pixels={self.n_pixels}, method={self.method!r}, "
            f"pixel_method={self.pixel_method!r}, reupload={self.reupload}, upload_every={self.upload_every}, "
            f"input_scaling={self.input_scaling}, noise_per_upload={self.noise_per_upload}"
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

    With ``reupload=True`` the *shifted* encoding ``noise + E[g, c, 0]`` is what is re-applied
    before every layer: the label moves where the noise lands in every encoding, and the layer
    offsets ``E[g, c, l + 1]`` act as before. (Each re-applied encoding merges with the layer's own
    rotation, so layer ``l`` rotates wire ``i`` by ``noise_i + E[g, c, 0, i] + W[g, l, i]``
    ``+ E[g, c, l + 1, i]``.)

    Parameters
    ----------
    n_classes : int
        Number of labels (10 for the digits).
    label_layers : int, optional
        Rows of each class's angle table, in ``[1, depth + 1]``; default ``depth + 1``.
    label_init_scale : float
        The tables start at ``label_init_scale * randn``.
    Other parameters
        As :class:`PatchQuantumGenerator` (including ``reupload``, ``pixel_method`` and
        ``threshold_init``).

    Examples
    --------
    >>> gen = ConditionalPatchGenerator()
    >>> x = gen(gen.sample_noise(4), torch.tensor([0, 3, 3, 9]))
    >>> tuple(x.shape)
    (4, 64)
    >>> gen = ConditionalPatchGenerator(depth=2, reupload=True, pixel_method="threshold_gain")
    >>> tuple(gen(gen.sample_noise(2), torch.tensor([1, 7])).shape), gen.pixel_map.n_params
    ((2, 64), 8)
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
        reupload: bool = False,
        threshold_init: float = 0.1,
    ) -> None:
        super().__init__(
            n_qubits=n_qubits, n_ancillas=n_ancillas, depth=depth, n_generators=n_generators, n_pixels=n_pixels,
            init_scale=init_scale, device=device, diff_method=diff_method, method=method,
            pixel_method=pixel_method, reupload=reupload, threshold_init=threshold_init,
        )
        self.n_classes = validation.positive_int("n_classes", n_classes)
        label_layers = self.depth + 1 if label_layers is None else label_layers
        self.label_layers = validation.positive_int("label_layers", label_layers)
        if self.label_layers > self.depth + 1:
            raise ValueError(
                f"label_layers: expected at most depth + 1 = {self.depth + 1} (the encoding plus every layer), "
                f"got {self.label_layers}"
            )
        self.label_init_scale = validation.number("label_init_scale", label_init_scale, 0)
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
        self.latent_dim = validation.positive_int("latent_dim", latent_dim)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        if isinstance(hidden, (int, np.integer)) or not isinstance(hidden, Sequence):
            raise TypeError(f"hidden: expected a sequence of widths such as (32,), got {hidden!r}")
        self.hidden = tuple(validation.positive_int("hidden", h) for h in hidden)
        if rank is not None:
            rank = validation.positive_int("rank", rank)
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
        n_params = validation.positive_int("n_params", n_params)
        latent_dim = validation.positive_int("latent_dim", latent_dim)
        n_pixels = validation.positive_int("n_pixels", n_pixels)
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
        n = validation.positive_int("n", n)
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
# the classical patch baseline: the quantum generator's patches and output map, an MLP instead of circuits
# ----------------------------------------------------------------------------------------------
def _count_trainable(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


class ClassicalPatchGenerator(nn.Module):
    """The patch generator without circuits: an MLP gives each patch's logits, a softmax its probabilities.

    ``z (B, n_qubits) -> Linear -> LeakyReLU(0.2) -> ... -> Linear -> logits (B, G, P)``, then per
    patch ``softmax`` over its ``P = 2**(n_qubits - n_ancillas)`` logits -- a probability vector,
    exactly the kind of vector the post-selected circuit returns -- then the same output map as
    :class:`PatchQuantumGenerator` (``pixel_method``, a :class:`PatchPixelMap`) and the same
    stitching of patch ``g`` into pixels ``g*P .. (g+1)*P - 1``. The noise is the quantum one's too:
    ``n_qubits`` angles uniform in :data:`NOISE_RANGE`. One network is shared by all patches (its
    last layer has ``G * P`` outputs), the counterpart of ``G`` circuits reading the same ``z``.

    Parameters
    ----------
    n_qubits, n_ancillas, n_generators, n_pixels : int
        The quantum generator's geometry: ``G = n_generators`` patches of
        ``2**(n_qubits - n_ancillas)`` pixels, cropped to ``n_pixels``.
    hidden : sequence of int
        Hidden widths (may be empty: logits affine in ``z``).
    latent_dim : int, optional
        Noise angles per sample; default ``n_qubits`` (one encoding). :meth:`matching` takes the
        quantum generator's ``latent_dim`` (``n_qubits`` times the number of noise blocks).
    output_bias : bool
        A bias per logit in the last layer.
    pixel_method : {"max", "minmax", "threshold", "threshold_gain"}
    threshold_init : float
        As for :class:`PatchQuantumGenerator`.

    Attributes
    ----------
    net : torch.nn.Sequential
    pixel_map : PatchPixelMap

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> q = PatchQuantumGenerator(depth=8)                      # 160 angles
    >>> c = ClassicalPatchGenerator.matching(q)
    >>> c.hidden, c.output_bias, c.n_params
    ((3, 2), False, 154)
    >>> x = c(c.sample_noise(3))
    >>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
    ((3, 64), True, True)
    """

    def __init__(
        self,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        n_generators: int = 4,
        n_pixels: int = 64,
        hidden: Sequence[int] = (8,),
        output_bias: bool = True,
        pixel_method: str = "max",
        threshold_init: float = 0.1,
        latent_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.n_qubits = validation.positive_int("n_qubits", n_qubits)
        self.n_ancillas = validation.non_negative_int("n_ancillas", n_ancillas)
        self.n_generators = validation.positive_int("n_generators", n_generators)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        self.latent_dim = self.n_qubits if latent_dim is None else validation.positive_int("latent_dim", latent_dim)
        self.patch_size = _patch_size(self.n_qubits, self.n_ancillas, self.n_generators, self.n_pixels)
        self.hidden = self._check_hidden(hidden)
        self.output_bias = _bool_arg("output_bias", output_bias)
        self.pixel_method = _check_pixel_method(pixel_method)
        layers: list[nn.Module] = []
        width = self.latent_dim
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers.append(nn.Linear(width, self.n_generators * self.patch_size, bias=self.output_bias))
        self.net = nn.Sequential(*layers)
        self.pixel_map = PatchPixelMap(self.n_generators, self.pixel_method, threshold_init)

    @staticmethod
    def _check_hidden(hidden: Any) -> tuple[int, ...]:
        if isinstance(hidden, (int, np.integer, str)) or not isinstance(hidden, Sequence):
            raise TypeError(f"hidden: expected a sequence of widths such as (8,), got {hidden!r}")
        return tuple(validation.positive_int("hidden", h) for h in hidden)

    # -- sizes and the parameter budget ------------------------------------------------------------
    @staticmethod
    def count(
        n_qubits: int = 5,
        n_ancillas: int = 1,
        n_generators: int = 4,
        hidden: Sequence[int] = (8,),
        output_bias: bool = True,
        pixel_method: str = "max",
        latent_dim: int | None = None,
    ) -> int:
        """Trainable parameters of ``ClassicalPatchGenerator`` with these settings (network + output map).

        Examples
        --------
        >>> ClassicalPatchGenerator.count(5, 1, 4, hidden=(2,), output_bias=False)   # 5*2 + 2 + 2*64
        140
        """
        outputs = n_generators * 2 ** (n_qubits - n_ancillas)
        total, width = 0, n_qubits if latent_dim is None else latent_dim
        for h in hidden:
            total += width * h + h
            width = h
        total += width * outputs + (outputs if output_bias else 0)
        return total + PatchPixelMap.count(n_generators, pixel_method)

    @classmethod
    def _candidates(cls, budget: int, n: int, outputs: int) -> list[tuple[int, int, int, bool, tuple[int, ...]]]:
        """Networks of at most ``budget`` parameters: ``(last width, count, -layers, bias, hidden)``.

        One hidden layer as wide as fits, a linear map (width ``n``), and funnels ``(h1, h2)`` with
        ``h1 >= h2`` and ``h1`` as wide as fits -- each with and without an output bias.
        """
        out: list[tuple[int, int, int, bool, tuple[int, ...]]] = []
        for bias in (True, False):
            left = budget - (outputs if bias else 0)
            if n * outputs <= left:
                out.append((n, n * outputs + budget - left, 0, bias, ()))
            h = left // (n + 1 + outputs)
            if h >= 1:
                out.append((h, h * (n + 1 + outputs) + budget - left, -1, bias, (h,)))
            for h2 in range(1, h + 1):
                h1 = (left - h2 * (outputs + 1)) // (n + 1 + h2)
                if h1 >= h2:
                    used = h1 * (n + 1) + h2 * (h1 + 1) + h2 * outputs
                    out.append((h2, used + budget - left, -2, bias, (h1, h2)))
        return out

    @classmethod
    def with_budget(
        cls,
        n_params: int,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        n_generators: int = 4,
        n_pixels: int = 64,
        pixel_method: str = "max",
        threshold_init: float = 0.1,
        latent_dim: int | None = None,
    ) -> ClassicalPatchGenerator:
        """The generator of this family with the most parameters that fit in ``n_params``, preferring width.

        The output map's numbers (``0``, ``G`` or ``2 G``) are taken from the budget first; the
        rest goes to the network. The choice, among one hidden layer, a linear map and two-layer
        funnels ``(h1, h2)`` with ``h1 >= h2``, each with or without an output bias:

        1. the widest last layer (the rank of the map from features to the ``G * P`` logits; a
           linear map counts as width ``n_qubits``) -- the images of a narrow layer lie near a
           low-dimensional set, whatever comes before it;
        2. among those, the most parameters (closest to the budget from below);
        3. on a tie, fewer layers, then an output bias.

        Each hidden unit feeding the logits costs about ``G * P`` parameters (64 with the
        defaults), so small budgets buy a last layer of 1 or 2 units: with 120 parameters
        ``(7, 1)`` (114), with 160 ``(3, 2)`` (154).

        Parameters
        ----------
        n_params : int
            The budget, e.g. the quantum generator's parameter count (see :meth:`matching`).
        n_qubits, n_ancillas, n_generators, n_pixels : int
        pixel_method : str
        threshold_init : float

        Raises
        ------
        ValueError
            If not even one hidden unit without output bias fits.

        Examples
        --------
        >>> ClassicalPatchGenerator.with_budget(120).hidden
        (7, 1)
        >>> g = ClassicalPatchGenerator.with_budget(1000)
        >>> g.hidden, g.output_bias, g.n_params
        ((14,), False, 980)
        """
        n_params = validation.positive_int("n_params", n_params)
        n = validation.positive_int("n_qubits", n_qubits)
        n_anc = validation.non_negative_int("n_ancillas", n_ancillas)
        g = validation.positive_int("n_generators", n_generators)
        latent = n if latent_dim is None else validation.positive_int("latent_dim", latent_dim)
        _patch_size(n, n_anc, g, validation.positive_int("n_pixels", n_pixels))
        outputs = g * 2 ** (n - n_anc)
        map_params = PatchPixelMap.count(g, pixel_method)
        candidates = cls._candidates(n_params - map_params, latent, outputs)
        if not candidates:
            smallest = map_params + min(latent + 1 + outputs, latent * outputs)
            raise ValueError(
                f"n_params: expected a budget of at least {smallest} parameters for n_qubits={n}, "
                f"{g} patches of {outputs // g} pixels and pixel_method={pixel_method!r}, got {n_params}"
            )
        _, _, _, bias, hidden = max(candidates, key=lambda c: c[:4])
        return cls(n, n_anc, g, n_pixels, hidden=hidden, output_bias=bias, pixel_method=pixel_method,
                   threshold_init=threshold_init, latent_dim=latent)

    @classmethod
    def matching(cls, generator: PatchQuantumGenerator) -> ClassicalPatchGenerator:
        """The classical twin of a patch quantum generator: same geometry, output map, noise; at most its parameters.

        Parameters
        ----------
        generator : PatchQuantumGenerator
            Unconditional; its trainable parameters (angles + output map) are the budget.

        Examples
        --------
        >>> q = PatchQuantumGenerator(n_qubits=4, n_generators=8, depth=8, pixel_method="threshold")
        >>> c = ClassicalPatchGenerator.matching(q)
        >>> (c.patch_size, c.n_generators, c.pixel_method), c.n_params <= _count_trainable(q)
        ((8, 8, 'threshold'), True)
        """
        if not isinstance(generator, PatchQuantumGenerator):
            raise TypeError(f"generator: expected a PatchQuantumGenerator, got {type(generator).__name__}")
        if getattr(generator, "n_classes", 0):
            raise ValueError("generator: expected an unconditional PatchQuantumGenerator, got a conditional one")
        return cls.with_budget(
            _count_trainable(generator), generator.n_qubits, generator.n_ancillas, generator.n_generators,
            generator.n_pixels, generator.pixel_method, generator.pixel_map.threshold_init,
            latent_dim=generator.latent_dim,
        )

    @property
    def n_params(self) -> int:
        """Number of trainable parameters (network + output map)."""
        return _count_trainable(self)

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` noise vectors, each angle uniform in :data:`NOISE_RANGE`; shape (n, latent_dim)."""
        return _sample_angles(n, self.latent_dim, generator)

    # -- forward ---------------------------------------------------------------------------------
    def patch_probs(self, noise: torch.Tensor) -> torch.Tensor:
        """Each patch's probability vector: noise (B, latent_dim) -> (G, B, P), rows summing to 1."""
        noise = _check_noise(noise, self.latent_dim, meaning="the quantum twin's noise angles, latent_dim")
        logits = self.net(noise.to(self.net[-1].weight.dtype))
        b = noise.shape[0]
        return torch.softmax(logits.reshape(b, self.n_generators, self.patch_size), dim=-1).permute(1, 0, 2)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Images for a batch of noise vectors: (B, n_qubits) -> (B, n_pixels), pixels in ``[0, 1]``."""
        return _stitch(self.pixel_map(self.patch_probs(noise)), self.n_pixels)

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.n_qubits}, n_ancillas={self.n_ancillas}, n_generators={self.n_generators}, "
            f"n_pixels={self.n_pixels}, hidden={self.hidden}, output_bias={self.output_bias}, "
            f"pixel_method={self.pixel_method!r}, n_params={self.n_params}"
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

    The circuit is :func:`~qgan_helpers.quantum.circuits.seed_ansatz` on ``n_qubits`` wires; its
    ``n_qubits`` Pauli-Z expectation values (each in ``[-1, 1]``) are the decoder's input.

    * ``encoding="none"`` reproduces the seed: ``z`` is accepted and ignored, so every sample is
      the same image (the circuit has no input and the decoder is deterministic).
    * ``encoding="angle"``: ``RY(z_i)`` on wire ``i`` before the layers (latent dimension
      ``n_qubits``, noise uniform on ``[0, pi)``).
    * ``encoding="amplitude"``: ``z`` of length ``2**n_qubits`` normalised to a state
      (:func:`~qgan_helpers.quantum.circuits.amplitude_encoding`; noise standard normal, so the state is
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
        self.n_qubits = validation.positive_int("n_qubits", n_qubits)
        if self.n_qubits > 12:
            raise ValueError(f"n_qubits: expected at most 12 (a state vector of 4096 amplitudes), got {self.n_qubits}")
        self.layers = validation.positive_int("layers", layers)
        if encoding not in HYBRID_ENCODINGS:
            raise ValueError(f"encoding: expected one of {HYBRID_ENCODINGS}, got {encoding!r}")
        self.encoding = encoding
        if isinstance(decoder, (int, np.integer)) or not isinstance(decoder, Sequence) or isinstance(decoder, str):
            raise TypeError(f"decoder: expected a sequence of hidden widths such as (128,), got {decoder!r}")
        self.decoder_widths = tuple(validation.positive_int("decoder", h) for h in decoder)
        if activation not in HYBRID_ACTIVATIONS:
            raise ValueError(f"activation: expected one of {HYBRID_ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        self.init_scale = validation.number("init_scale", init_scale, 0)
        if method not in HYBRID_METHODS:
            raise ValueError(f"method: expected one of {HYBRID_METHODS}, got {method!r}")
        self.method = method
        if encoding == "direct":
            self.weights = None
        else:
            from qgan_helpers.quantum.circuits import seed_weight_shape

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
        n = validation.positive_int("n", n)
        if self.encoding == "angle":
            return math.pi * torch.rand(n, self.latent_dim, generator=generator)
        return torch.randn(n, self.latent_dim, generator=generator)

    # -- the circuit ------------------------------------------------------------------------------
    def queue_circuit(self, z: Any, weights: Any) -> None:
        """Queue the circuit's gates (PennyLane): the encoding of ``z`` (if any), then the seed layers."""
        from qgan_helpers.quantum.circuits import amplitude_encoding, seed_ansatz

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
            from qgan_helpers.quantum.circuits import normalise_latent

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
        from qgan_helpers.quantum.measurement import expval_z_from_probs

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
