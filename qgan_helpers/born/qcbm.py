r"""The quantum circuit Born machine (QCBM): a circuit whose measurement distribution *is* the model.

A QCBM prepares ``|psi(theta)> = U(theta)|0...0>`` on ``n`` qubits and reads all of them out; by the
Born rule a bit string ``x`` appears with probability ``q_theta(x) = |<x|psi(theta)>|^2``
(Benedetti et al. 2019). No latent noise, no decoder: the circuit's randomness is the generator.
It is trained by making ``q_theta`` match the data distribution ``p`` under the MMD loss of
:mod:`qgan_helpers.born.metrics`.

The circuit (:func:`qcbm_ansatz`)
--------------------------------
``layers`` times: a general rotation ``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)`` on
every qubit, then CNOTs on a list of ``pairs``. For image data the pairs follow the pixel grid
(:func:`grid_pairs`: every horizontal neighbour pair, then every vertical one), the data-aware
topology that Benedetti et al. found to matter; ``"ring"`` and ``"chain"`` are generic choices.

Speed (:class:`QCBM`)
---------------------
A training step needs the exact ``2**n`` probabilities and their gradient. PennyLane's
``default.qubit`` with ``diff_method="backprop"`` gives them (:meth:`QCBM.qnode` is that reference),
but at 9 qubits and 6 layers most of its time is Python overhead per gate. :class:`QCBM` therefore
simulates the same circuit directly in torch: the rotation matrices come from PennyLane
(``qml.Rot.compute_matrix``, one broadcast call for all gates), each layer's CNOTs are one
permutation of the ``2**n`` amplitudes (checked against ``qml.matrix`` in the tests), and several
independent *starts* (random initialisations) are simulated as one batch, at almost no extra cost.
The tests check the probabilities and their gradients against the PennyLane QNode to 1e-6.

Training (:func:`fit_qcbm`)
---------------------------
Adam on the exact MMD loss of all starts at once; at the end the start with the lowest **training
loss** (never the KL, which the model must not see) is kept. Random initialisations of a QCBM land in
different local minima; a handful of starts in one batch makes the result reliable.

Examples
--------
>>> from qgan_helpers.born.bars_stripes import bas_distribution
>>> fit = fit_qcbm(bas_distribution(2, 2), steps=60, layers=2, n_starts=2, grid_shape=(2, 2), seed=0)
>>> fit.metrics["chi"] > 0.8
True
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pennylane as qml
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.metrics import (
    DEFAULT_SIGMAS,
    distribution_metrics,
    hamming_kernel_matrix,
    kl_divergence,
    mmd2_exact,
    sample_bitstrings_from_probs,
    valid_rate,
)
from qgan_helpers.quantum.measurement import check_probs

__all__ = [
    "MAX_QUBITS",
    "ENTANGLERS",
    "grid_pairs",
    "entangler_pairs",
    "qcbm_ansatz",
    "QCBM",
    "QCBMFit",
    "fit_qcbm",
    "torch_threads",
]

MAX_QUBITS = 12
"""Largest register :class:`QCBM` simulates exactly (``2**12`` amplitudes, a 4096 x 4096 MMD kernel)."""

ENTANGLERS = ("grid", "ring", "chain")
"""Named CNOT topologies of :func:`entangler_pairs`."""


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)`` and restore the previous value afterwards.

    Small simulations (a few hundred amplitudes) gain nothing from intra-op threads, and on a
    shared machine the threads' synchronisation can make them several times *slower*, so the
    trainers of this chapter run single-threaded. ``None`` leaves the setting alone.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n is None:
        yield
        return
    if not validation.is_int(n):
        raise validation.ArgumentTypeError(f"threads: expected a positive integer or None, got {n!r}")
    if n < 1:
        raise ValueError(f"threads: expected a positive integer or None, got {n!r}")
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
        raise ValueError(f"entanglers: expected one of {list(ENTANGLERS)} or a list of (control, target) pairs, got {entanglers!r}") from None
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


def _cnot_permutation(pairs: Sequence[tuple[int, int]], n: int) -> torch.Tensor:
    """Index permutation ``perm`` with ``new_state = state[perm]`` for the CNOT sequence ``pairs``.

    ``CNOT(c, t)`` maps the amplitude of basis state ``k`` to ``k`` with bit ``t`` flipped when bit
    ``c`` is 1 (bit ``w`` of the index is wire ``w``, counted from the most significant end). The tests
    compare it with ``qml.matrix`` of the same gates.
    """
    k = np.arange(2**n, dtype=np.int64)
    perm = k.copy()
    for c, t in pairs:
        gate = k ^ (((k >> (n - 1 - c)) & 1) << (n - 1 - t))
        perm = perm[gate]
    return torch.as_tensor(perm, dtype=torch.long)


class QCBM(nn.Module):
    """A quantum circuit Born machine, simulated exactly (and in batches of random starts) in torch.

    Parameters
    ----------
    n_qubits : int
        ``1 <= n_qubits <= MAX_QUBITS``; one qubit per pixel / bit.
    layers : int
        Rotation + CNOT layers of :func:`qcbm_ansatz`.
    entanglers : {"grid", "ring", "chain"} or list of (int, int)
        CNOT topology (see :func:`entangler_pairs`).
    grid_shape : (int, int), optional
        ``(rows, cols)`` for ``entanglers="grid"``.
    n_starts : int
        Independent parameter sets simulated side by side (random restarts); :meth:`select` keeps one.
    init_seed : int
        Seed of the initial angles, uniform in ``[0, 2 pi)``.

    Attributes
    ----------
    weights : torch.nn.Parameter, shape (n_starts, layers, n_qubits, 3), float64
    pairs : list of (int, int)

    Examples
    --------
    >>> model = QCBM(n_qubits=4, layers=2, entanglers="grid", grid_shape=(2, 2), n_starts=3)
    >>> tuple(model().shape)                      # one distribution per start
    (3, 16)
    >>> torch.allclose(model().sum(-1), torch.ones(3, dtype=torch.float64))
    True
    """

    def __init__(
        self,
        n_qubits: int = 9,
        layers: int = 6,
        entanglers: str | Sequence[Sequence[int]] = "grid",
        grid_shape: tuple[int, int] | None = (3, 3),
        n_starts: int = 1,
        init_seed: int = 0,
    ) -> None:
        super().__init__()
        self.n_qubits = _n_qubits(n_qubits)
        self.layers = validation.positive_int("layers", layers)
        self.n_starts = validation.positive_int("n_starts", n_starts)
        if isinstance(entanglers, str) and entanglers != "grid":
            grid_shape = None
        self.pairs = entangler_pairs(entanglers, self.n_qubits, grid_shape)
        self.entanglers = entanglers if isinstance(entanglers, str) else [list(p) for p in self.pairs]
        self.grid_shape = tuple(int(v) for v in grid_shape) if grid_shape is not None else None
        self.init_seed = validation.non_negative_int("init_seed", init_seed)
        gen = torch.Generator().manual_seed(self.init_seed)
        init = torch.rand(self.n_starts, self.layers, self.n_qubits, 3, generator=gen, dtype=torch.float64) * (2 * math.pi)
        self.weights = nn.Parameter(init)
        self.register_buffer("perm", _cnot_permutation(self.pairs, self.n_qubits), persistent=False)

    # -- description ---------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Trainable angles per start: ``layers * n_qubits * 3``."""
        return self.layers * self.n_qubits * 3

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able), to rebuild the model from a checkpoint."""
        return {
            "n_qubits": self.n_qubits,
            "layers": self.layers,
            "entanglers": self.entanglers,
            "grid_shape": list(self.grid_shape) if self.grid_shape is not None else None,
            "n_starts": self.n_starts,
            "init_seed": self.init_seed,
        }

    def extra_repr(self) -> str:
        return f"n_qubits={self.n_qubits}, layers={self.layers}, entanglers={self.entanglers!r}, n_starts={self.n_starts}"

    # -- simulation ----------------------------------------------------------------------------
    def forward(self, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Exact probabilities of all ``2**n`` bit strings for every start.

        Parameters
        ----------
        weights : torch.Tensor, shape (B, layers, n_qubits, 3), optional
            Angles to simulate instead of ``self.weights`` (e.g. for a finite-difference check).

        Returns
        -------
        torch.Tensor, shape (B, 2**n_qubits), float64
            Differentiable; wire 0 is the most significant bit (PennyLane's order).
        """
        w = self.weights if weights is None else weights
        expected = (self.layers, self.n_qubits, 3)
        if not isinstance(w, torch.Tensor) or w.ndim != 4 or tuple(w.shape[1:]) != expected:
            shape = tuple(w.shape) if isinstance(w, torch.Tensor) else type(w).__name__
            raise ValueError(f"weights: expected a tensor of shape (B, {', '.join(map(str, expected))}), got {shape}")
        n, batch = self.n_qubits, w.shape[0]
        flat = w.reshape(-1, 3)
        mats = qml.Rot.compute_matrix(flat[:, 0], flat[:, 1], flat[:, 2])  # (B*L*n, 2, 2), PennyLane's matrices
        mats = mats.reshape(batch, self.layers, n, 1, 2, 2)
        state = torch.zeros(batch, 2**n, dtype=torch.complex128)
        state[:, 0] = 1.0
        for layer in range(self.layers):
            for i in range(n):  # Rot on wire i: a 2x2 matrix on the i-th bit of the index
                state = torch.matmul(mats[:, layer, i], state.view(batch, 2**i, 2, -1)).reshape(batch, -1)
            state = state[:, self.perm]  # the layer's CNOTs: a permutation of the basis states
        return state.real**2 + state.imag**2

    def probs(self) -> torch.Tensor:
        """The model distribution of a single-start QCBM, shape ``(2**n,)`` (detached)."""
        if self.n_starts != 1:
            raise ValueError(f"n_starts: probs() needs a single start, this model has {self.n_starts}; call select(k) first")
        with torch.no_grad():
            return self.forward()[0]

    def select(self, start: int) -> "QCBM":
        """A new single-start QCBM with the angles of start ``start``."""
        start = validation.integer("start", start, 0, self.n_starts - 1)
        cfg = self.config()
        cfg.update(n_starts=1, grid_shape=self.grid_shape)
        out = QCBM(**cfg)
        with torch.no_grad():
            out.weights.copy_(self.weights[start : start + 1])
        return out

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` bit strings drawn from the exact distribution (single start), shape ``(n, n_qubits)``.

        Examples
        --------
        >>> QCBM(n_qubits=2, layers=1, entanglers="chain").sample(3).shape
        (3, 2)
        """
        return sample_bitstrings_from_probs(self.probs(), n, seed)

    def qnode(self, shots: int | None = None, seed: int | None = None) -> qml.QNode:
        """The same circuit as a PennyLane QNode on ``default.qubit`` (the reference implementation).

        Without shots it returns ``qml.probs`` (``interface="torch"``, ``diff_method="backprop"``);
        with shots ``qml.sample`` bit strings of shape ``(shots, n_qubits)``. Call it with weights of
        shape ``(layers, n_qubits, 3)`` or ``(B, layers, n_qubits, 3)``.

        Examples
        --------
        >>> model = QCBM(n_qubits=2, layers=1, entanglers="chain")
        >>> p = model.qnode()(model.weights[0].detach())
        >>> bool(torch.allclose(p, model.probs()))
        True
        """
        from qgan_helpers.quantum.devices import make_qnode

        wires, pairs = self.n_qubits, self.pairs

        def circuit(weights: Any) -> Any:
            qcbm_ansatz(weights, wires, pairs)
            return qml.sample(wires=list(range(wires))) if shots is not None else qml.probs(wires=list(range(wires)))

        return make_qnode(circuit, wires=wires, shots=shots, seed=seed, diff_method="backprop" if shots is None else None)


# ----------------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------------
@dataclass
class QCBMFit:
    """The result of :func:`fit_qcbm`.

    Attributes
    ----------
    model : QCBM
        The selected start (``n_starts == 1``), in eval mode.
    best_start : int
        Which start was kept (lowest final MMD loss).
    eval_step : numpy.ndarray of int, shape (E,)
        Steps at which the curves were recorded (0 = initial angles).
    loss, kl, chi : numpy.ndarray, shape (E, n_starts)
        MMD loss, KL(p || q) and valid rate χ of every start at each recorded step.
    metrics : dict
        ``{"mmd", "kl", "chi"}`` of the kept start after the last step (exact probabilities).
    steps : int
    wall_time, cpu_time : float
        Seconds of training (wall clock and this process's CPU time; on a busy machine the wall
        time is inflated, the CPU time much less).
    settings : dict
        The hyperparameters.
    """

    model: QCBM
    best_start: int
    eval_step: np.ndarray
    loss: np.ndarray
    kl: np.ndarray
    chi: np.ndarray
    metrics: dict[str, float]
    steps: int
    wall_time: float
    cpu_time: float
    settings: dict[str, Any] = field(default_factory=dict)


def fit_qcbm(
    p_data: Any,
    *,
    layers: int = 6,
    entanglers: str | Sequence[Sequence[int]] = "grid",
    grid_shape: tuple[int, int] | None = None,
    sigmas: float | Sequence[float] = DEFAULT_SIGMAS,
    steps: int = 200,
    lr: float = 0.1,
    n_starts: int = 8,
    seed: int = 0,
    eval_every: int = 1,
    threads: int | None = 1,
    model: QCBM | None = None,
) -> QCBMFit:
    """Train a QCBM on a distribution over bit strings with Adam on the exact MMD loss.

    All ``n_starts`` random initialisations are trained at once (one batched simulation per step,
    one summed loss; Adam's updates are per parameter, so the starts do not interact). The start with
    the lowest final MMD loss is kept.

    Parameters
    ----------
    p_data : array or tensor, shape (2**n,)
        The data distribution, e.g. :func:`qgan_helpers.born.bars_stripes.bas_distribution`.
    layers, entanglers, grid_shape :
        The circuit (see :class:`QCBM`). ``grid_shape`` defaults to the square ``(r, r)`` when
        ``n = r * r``.
    sigmas : float or sequence of float
        Bandwidths of the MMD kernel mixture.
    steps : int
        Adam steps.
    lr : float
        Adam's learning rate.
    n_starts : int
        Random initialisations trained side by side.
    seed : int
        Seed of the initial angles.
    eval_every : int
        Record the curves every ``eval_every`` steps (cheap: the probabilities are at hand).
    threads : int or None
        torch threads during training (1 by default; see :func:`torch_threads`).
    model : QCBM, optional
        Continue training this model instead of a fresh one (its ``n_starts`` is used).

    Returns
    -------
    QCBMFit

    Raises
    ------
    ValueError
        For a ``p_data`` that is not a distribution over ``2**n`` outcomes, ``n`` above
        ``MAX_QUBITS``, or bad hyperparameters.
    """
    if isinstance(p_data, torch.Tensor):
        pt = p_data.detach().to(torch.float64)
    else:
        try:
            pt = torch.as_tensor(np.asarray(p_data, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"p_data: expected a probability vector of shape (2**n,), got {type(p_data).__name__}") from None
    if pt.ndim != 1:
        raise ValueError(f"p_data: expected one probability vector of shape (2**n,), got shape {tuple(pt.shape)}")
    n = check_probs(pt, "p_data")
    _n_qubits(n)
    steps = validation.positive_int("steps", steps)
    n_starts = validation.positive_int("n_starts", n_starts)
    eval_every = validation.positive_int("eval_every", eval_every)
    lr = validation.positive_number("lr", lr)
    seed = validation.seed(seed)
    if model is None:
        if grid_shape is None and entanglers == "grid":
            r = math.isqrt(n)
            grid_shape = (r, r) if r * r == n else None
        model = QCBM(n, layers, entanglers, grid_shape, n_starts=n_starts, init_seed=seed)
    elif not isinstance(model, QCBM):
        raise TypeError(f"model: expected a QCBM or None, got {type(model).__name__}")
    elif model.n_qubits != n:
        raise ValueError(f"model: expected a QCBM on {n} qubits (the data have 2**{n} outcomes), got {model.n_qubits}")
    kernel = hamming_kernel_matrix(n, sigmas)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rec_step: list[int] = []
    rec_loss: list[np.ndarray] = []
    rec_kl: list[np.ndarray] = []
    rec_chi: list[np.ndarray] = []

    def record(step: int, q: torch.Tensor, loss: torch.Tensor) -> None:
        q = q.detach()
        rec_step.append(step)
        rec_loss.append(loss.detach().numpy().copy())
        rec_kl.append(np.atleast_1d(kl_divergence(pt, q)))
        rec_chi.append(np.atleast_1d(valid_rate(pt, q)))

    t0, c0 = time.perf_counter(), time.process_time()
    with torch_threads(threads):
        model.train()
        for step in range(steps):
            q = model()
            loss = mmd2_exact(pt, q, kernel)
            if step % eval_every == 0:
                record(step, q, loss)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
        with torch.no_grad():
            q = model()
            loss = mmd2_exact(pt, q, kernel)
        record(steps, q, loss)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    final = rec_loss[-1]
    if not np.all(np.isfinite(final)):
        raise FloatingPointError(f"training diverged: final MMD losses {final.tolist()}")
    best = int(np.argmin(final))
    chosen = model.select(best).eval()
    metrics = {"mmd": float(final[best]), **distribution_metrics(pt, q[best])}
    settings = {
        "n_qubits": n,
        "layers": model.layers,
        "entanglers": model.entanglers,
        "grid_shape": list(model.grid_shape) if model.grid_shape is not None else None,
        "sigmas": list(np.atleast_1d(np.asarray(sigmas, dtype=float)).tolist()),
        "steps": steps,
        "lr": lr,
        "n_starts": model.n_starts,
        "seed": seed,
        "optimizer": "Adam",
        "torch_threads": threads if threads is not None else torch.get_num_threads(),
        "parameters_per_start": model.n_params,
    }
    return QCBMFit(
        model=chosen,
        best_start=best,
        eval_step=np.asarray(rec_step),
        loss=np.stack(rec_loss),
        kl=np.stack(rec_kl),
        chi=np.stack(rec_chi),
        metrics=metrics,
        steps=steps,
        wall_time=wall,
        cpu_time=cpu,
        settings=settings,
    )
