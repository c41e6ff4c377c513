r"""The quantum circuit Born machine (QCBM): a circuit whose measurement distribution *is* the model.

A QCBM prepares ``|psi(theta)> = U(theta)|0...0>`` on ``n`` qubits and reads all of them out; by the
Born rule a bit string ``x`` appears with probability ``q_theta(x) = |<x|psi(theta)>|^2``
(Benedetti et al. 2019). No latent noise, no decoder: the circuit's randomness is the generator.
It is trained by making ``q_theta`` match the data distribution ``p`` under the MMD loss of
:mod:`qgan_helpers.born.metrics`. The circuit -- ``layers`` times a ``Rot`` on every qubit, then
CNOTs on a list of ``pairs`` that follows the pixel grid (or a ring, a chain) -- and its topologies
are in :mod:`qgan_helpers.born.qcbm_circuit`; this module re-exports them.

Speed (:class:`QCBM`)
---------------------
A training step needs the exact ``2**n`` probabilities and their gradient. PennyLane's
``default.qubit`` with ``diff_method="backprop"`` gives them (:meth:`QCBM.qnode` is that reference),
but at 9 qubits and 6 layers most of its time is Python overhead per gate. :class:`QCBM` therefore
simulates the same circuit on the shared state-vector engine (:mod:`qgan_helpers.quantum.engine`):
the rotation matrices come from PennyLane (``qml.Rot.compute_matrix``, one broadcast call for all
gates), each layer's CNOTs are one permutation of the ``2**n`` amplitudes
(:func:`~qgan_helpers.quantum.engine.cnot_permutation`, checked against ``qml.matrix`` in the tests),
and several independent *starts* (random initialisations) are simulated as one batch, at almost no
extra cost. The tests check the probabilities and their gradients against the PennyLane QNode.

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
from qgan_helpers.born.qcbm_circuit import ENTANGLERS, MAX_QUBITS, _n_qubits, entangler_pairs, grid_pairs, qcbm_ansatz
from qgan_helpers.quantum import engine
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


class QCBM(nn.Module):
    """A quantum circuit Born machine, simulated exactly (and in batches of random starts) in torch.

    The circuit runs on the shared state-vector engine (:mod:`qgan_helpers.quantum.engine`): all
    starts form one ``(n_starts, 2**n)`` state, each ``Rot`` is one batched matmul and each layer's
    CNOTs one index gather -- much faster than the PennyLane QNode (:meth:`qnode`, the reference),
    whose time at this size is mostly Python per call and per gate.

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
        self.register_buffer("perm", engine.cnot_permutation(self.pairs, self.n_qubits), persistent=False)

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
        mats = mats.reshape(batch, self.layers, n, 2, 2)
        # per layer: Rot on every wire, then the layer's CNOTs as one permutation of the basis states
        state = engine.rotation_layers(engine.zero_state(batch, n, torch.complex128), mats, self.perm, n)
        return engine.probabilities(state)

    def probs(self) -> torch.Tensor:
        """The model distribution of a single-start QCBM, shape ``(2**n,)`` (detached)."""
        if self.n_starts != 1:
            raise ValueError(f"n_starts: probs() needs a single start, this model has {self.n_starts}; call select(k) first")
        with torch.no_grad():
            return self.forward()[0]

    def select(self, start: int) -> QCBM:
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
    pt, n = _data_distribution(p_data)
    steps = validation.positive_int("steps", steps)
    n_starts = validation.positive_int("n_starts", n_starts)
    eval_every = validation.positive_int("eval_every", eval_every)
    lr = validation.positive_number("lr", lr)
    seed = validation.seed(seed)
    model = _model_for(model, n, layers, entanglers, grid_shape, n_starts, seed)
    curves, q, wall, cpu = _train(model, pt, hamming_kernel_matrix(n, sigmas), steps, lr, eval_every, threads)
    final = curves.loss[-1]
    if not np.all(np.isfinite(final)):
        raise FloatingPointError(f"training diverged: final MMD losses {final.tolist()}")
    best = int(np.argmin(final))
    return QCBMFit(
        model=model.select(best).eval(),
        best_start=best,
        eval_step=np.asarray(curves.step),
        loss=np.stack(curves.loss),
        kl=np.stack(curves.kl),
        chi=np.stack(curves.chi),
        metrics={"mmd": float(final[best]), **distribution_metrics(pt, q[best])},
        steps=steps,
        wall_time=wall,
        cpu_time=cpu,
        settings=_settings(model, n, sigmas, steps, lr, seed, threads),
    )


def _data_distribution(p_data: Any) -> tuple[torch.Tensor, int]:
    """``p_data`` as a float64 probability vector of shape (2**n,), and ``n``."""
    if isinstance(p_data, torch.Tensor):
        pt = p_data.detach().to(torch.float64)
    else:
        try:
            pt = torch.as_tensor(np.asarray(p_data, dtype=np.float64))
        except (TypeError, ValueError):
            raise validation.ArgumentTypeError(
                f"p_data: expected a probability vector of shape (2**n,), got {type(p_data).__name__}"
            ) from None
    if pt.ndim != 1:
        raise ValueError(f"p_data: expected one probability vector of shape (2**n,), got shape {tuple(pt.shape)}")
    n = check_probs(pt, "p_data")
    _n_qubits(n)
    return pt, n


def _model_for(
    model: QCBM | None,
    n: int,
    layers: int,
    entanglers: str | Sequence[Sequence[int]],
    grid_shape: tuple[int, int] | None,
    n_starts: int,
    seed: int,
) -> QCBM:
    """A fresh QCBM on ``n`` qubits (a square grid ``(r, r)`` when ``n = r * r``), or ``model`` once checked."""
    if model is None:
        if grid_shape is None and entanglers == "grid":
            r = math.isqrt(n)
            grid_shape = (r, r) if r * r == n else None
        return QCBM(n, layers, entanglers, grid_shape, n_starts=n_starts, init_seed=seed)
    if not isinstance(model, QCBM):
        raise validation.ArgumentTypeError(f"model: expected a QCBM or None, got {type(model).__name__}")
    if model.n_qubits != n:
        raise ValueError(f"model: expected a QCBM on {n} qubits (the data have 2**{n} outcomes), got {model.n_qubits}")
    return model


@dataclass
class _Curves:
    """The curves :func:`fit_qcbm` records: per evaluation, the step and every start's loss, KL and χ."""

    step: list[int] = field(default_factory=list)
    loss: list[np.ndarray] = field(default_factory=list)
    kl: list[np.ndarray] = field(default_factory=list)
    chi: list[np.ndarray] = field(default_factory=list)

    def record(self, step: int, p: torch.Tensor, q: torch.Tensor, loss: torch.Tensor) -> None:
        q = q.detach()
        self.step.append(step)
        self.loss.append(loss.detach().numpy().copy())
        self.kl.append(np.atleast_1d(kl_divergence(p, q)))
        self.chi.append(np.atleast_1d(valid_rate(p, q)))


def _train(
    model: QCBM, p: torch.Tensor, kernel: torch.Tensor, steps: int, lr: float, eval_every: int, threads: int | None
) -> tuple[_Curves, torch.Tensor, float, float]:
    """Adam on the summed MMD loss of all starts: the curves, the final ``q`` (n_starts, 2**n), wall and CPU seconds."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    curves = _Curves()
    t0, c0 = time.perf_counter(), time.process_time()
    with torch_threads(threads):
        model.train()
        for step in range(steps):
            q = model()
            loss = mmd2_exact(p, q, kernel)
            if step % eval_every == 0:
                curves.record(step, p, q, loss)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
        with torch.no_grad():
            q = model()
            loss = mmd2_exact(p, q, kernel)
        curves.record(steps, p, q, loss)
    return curves, q, time.perf_counter() - t0, time.process_time() - c0


def _settings(
    model: QCBM, n: int, sigmas: float | Sequence[float], steps: int, lr: float, seed: int, threads: int | None
) -> dict[str, Any]:
    """The hyperparameters of a fit, as :attr:`QCBMFit.settings` stores them."""
    return {
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
