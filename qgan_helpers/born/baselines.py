r"""Classical baselines of the Born chapter: generative models of 9-bit strings as large as the QCBM.

The course's QCBM (:mod:`qgan_helpers.born.qcbm`, 9 qubits, 6 layers of ``Rot`` gates) has
``6 * 9 * 3 = 162`` trainable angles. To say what those angles buy, this module builds *classical*
models of bit strings with at most that many parameters, each with an exact, enumerable
distribution ``q(x)`` over all ``2**n`` strings, so that they are trained and scored exactly like the
QCBM: by the same MMD loss (:func:`qgan_helpers.born.metrics.mmd2_exact`, same kernel), or by
maximum likelihood, and measured by the same KL divergence and valid rate χ.

The models
----------
* :class:`Autoregressive` -- a fully visible autoregressive model
  ``q(x) = prod_i q(x_i | x_<i)``: exact likelihood, exact (ancestral) sampling, no latent variables.
  With ``n_hidden=None`` the conditionals are logistic regressions on the earlier bits (the *fully
  visible sigmoid belief network*, FVSBN, ``n + n(n-1)/2`` parameters: 45 for 9 bits); with
  ``n_hidden=H`` they share one hidden layer of ``H`` sigmoid units (NADE, Larochelle & Murray 2011,
  ``2 n H + n`` parameters: 153 for 9 bits and ``H = 8``).
* :class:`RBMBaseline` -- the restricted Boltzmann machine of :mod:`qgan_helpers.born.rbm` (reused, not
  copied) with ``n_hidden`` hidden units, ``10 h + 9`` parameters for 9 visible bits (159 at ``h = 15``);
  its partition function is an exact sum over the 512 visible strings.
* :class:`MPSBornMachine` -- a *classical* Born machine (Han et al. 2018): a real matrix product state
  ``psi(x) = A_1[x_1] A_2[x_2] ... A_n[x_n]`` and ``q(x) = psi(x)**2 / Z``. It is the QCBM's closest
  classical relative (same Born rule, a tensor network instead of a circuit); with the bond dimensions
  of :func:`mps_bond_dims` it has exactly 162 parameters for 9 bits.

:func:`make_baseline` builds the largest model of a kind within a parameter budget and
:func:`fit_baseline` trains it like :func:`qgan_helpers.born.qcbm.fit_qcbm`: Adam on the exact loss of
several random starts at once, the start with the lowest final *training loss* kept.

A parameter count says little when parameters are redundant (the QCBM's first-layer ``RZ`` acts on
``|0>`` and its last-layer ``RZ`` is diagonal before a measurement: 18 of its 162 angles do not move
the distribution; an MPS has a gauge freedom). :func:`effective_parameters` therefore also reports the
rank of the Jacobian of ``q`` with respect to the parameters at a random point: the dimension of the
family of distributions the model can reach locally.

Examples
--------
>>> from qgan_helpers.born.bars_stripes import bas_distribution
>>> model = make_baseline("nade", n_bits=4, max_params=30, n_starts=2, init_seed=0)
>>> model.n_params, model.n_hidden                     # 2 * 4 * 3 + 4 <= 30
(28, 3)
>>> fit = fit_baseline(model, bas_distribution(2, 2), loss="nll", steps=100)
>>> fit.metrics["kl"] < 0.05 and fit.metrics["chi"] > 0.95
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.bars_stripes import all_bitstrings
from qgan_helpers.born.qcbm import torch_threads
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
from qgan_helpers.born.rbm import RBM

__all__ = [
    "MAX_BITS",
    "KINDS",
    "LOSSES",
    "Autoregressive",
    "RBMBaseline",
    "MPSBornMachine",
    "mps_bond_dims",
    "make_baseline",
    "BaselineFit",
    "fit_baseline",
    "effective_parameters",
]

MAX_BITS = 12
"""Largest number of bits for which the baselines enumerate all ``2**n`` strings (as the QCBM does)."""

KINDS = ("nade", "rbm", "mps", "fvsbn")
"""Model kinds of :func:`make_baseline`."""

LOSSES = ("mmd", "nll")
"""Training losses of :func:`fit_baseline`: the QCBM's MMD, or the negative log-likelihood."""


# ----------------------------------------------------------------------------------------------
# argument checks (counts, seeds and numbers: qgan_helpers.validation)
# ----------------------------------------------------------------------------------------------
def _n_bits(value: Any) -> int:
    return validation.integer("n_bits", value, 1, MAX_BITS)


def _table(n: int) -> torch.Tensor:
    return torch.as_tensor(all_bitstrings(n), dtype=torch.float64)


# ----------------------------------------------------------------------------------------------
# shared behaviour of the baselines
# ----------------------------------------------------------------------------------------------
class _Baseline(nn.Module):
    """Common interface: ``forward()`` -> (n_starts, 2**n) probabilities, ``log_probs``, ``select``, ``sample``."""

    n_bits: int
    n_starts: int
    init_seed: int

    def log_probs(self) -> torch.Tensor:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def forward(self) -> torch.Tensor:
        """Exact probabilities of all ``2**n_bits`` strings for every start.

        Returns
        -------
        torch.Tensor, shape (n_starts, 2**n_bits), float64
            Differentiable; the first bit is the most significant (the QCBM's order).
        """
        return self.log_probs().exp()

    def probs(self) -> torch.Tensor:
        """The distribution of a single-start model, shape ``(2**n_bits,)`` (detached)."""
        if self.n_starts != 1:
            raise ValueError(f"n_starts: probs() needs a single start, this model has {self.n_starts}; call select(k) first")
        with torch.no_grad():
            return self.forward()[0]

    def config(self) -> dict[str, Any]:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def select(self, start: int) -> "_Baseline":
        """A new single-start model with the parameters of start ``start``."""
        start = validation.integer("start", start, 0, self.n_starts - 1)
        out = type(self)(**{**self.config(), "n_starts": 1})
        with torch.no_grad():
            for mine, theirs in zip(self.parameters(), out.parameters()):
                theirs.copy_(mine[start : start + 1])
        return out

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` bit strings drawn from the exact distribution (single start), int64 of shape ``(n, n_bits)``."""
        return sample_bitstrings_from_probs(self.probs(), n, seed)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items())


# ----------------------------------------------------------------------------------------------
# fully visible autoregressive models: FVSBN (logistic) and NADE (shared hidden layer)
# ----------------------------------------------------------------------------------------------
class Autoregressive(_Baseline):
    r"""Fully visible autoregressive model ``q(x) = prod_i q(x_i = 1 | x_<i)^{x_i} (1 - ...)^{1 - x_i}``.

    ``q(x_i = 1 | x_<i) = sigmoid(l_i(x_<i))`` with

    * ``n_hidden=None`` (FVSBN): ``l_i = b_i + sum_{j<i} W_ij x_j``; parameters ``n + n(n-1)/2``;
    * ``n_hidden=H`` (NADE): ``h_i = sigmoid(c + W[:, :i] x_<i)`` (``W`` of shape ``(H, n-1)``,
      shared by all conditionals), ``l_i = b_i + V_i . h_i``; parameters ``H(n-1) + H + nH + n = 2nH + n``.

    Bit 0 (the top-left pixel) comes first. Likelihood and sampling are exact.

    Parameters
    ----------
    n_bits : int
        ``1 <= n_bits <= MAX_BITS``.
    n_hidden : int or None
        Hidden units of the shared layer (NADE), or ``None`` for logistic conditionals (FVSBN).
    n_starts : int
        Independent parameter sets (random restarts) evaluated side by side.
    init_seed : int
        Seed of the initial weights (normal, std ``1/sqrt(fan-in)``; biases 0).

    Examples
    --------
    >>> nade = Autoregressive(n_bits=9, n_hidden=8)
    >>> nade.n_params, Autoregressive(n_bits=9, n_hidden=None).n_params       # NADE, FVSBN
    (153, 45)
    >>> p = nade.probs()
    >>> tuple(p.shape), round(float(p.sum()), 12)
    ((512,), 1.0)
    """

    def __init__(self, n_bits: int = 9, n_hidden: int | None = 8, n_starts: int = 1, init_seed: int = 0) -> None:
        super().__init__()
        self.n_bits = n = _n_bits(n_bits)
        self.n_hidden = None if n_hidden is None else validation.positive_int("n_hidden", n_hidden)
        self.n_starts = b = validation.positive_int("n_starts", n_starts)
        self.init_seed = validation.non_negative_int("init_seed", init_seed)
        gen = torch.Generator().manual_seed(self.init_seed)
        f64 = torch.float64
        self.b = nn.Parameter(torch.zeros(b, n, dtype=f64))
        rows, cols = torch.tril_indices(n, n, offset=-1)
        self.register_buffer("_rows", rows, persistent=False)
        self.register_buffer("_cols", cols, persistent=False)
        if self.n_hidden is None:
            self.w = nn.Parameter(torch.randn(b, len(rows), generator=gen, dtype=f64) / math.sqrt(max(n - 1, 1)))
        else:
            h = self.n_hidden
            self.W = nn.Parameter(torch.randn(b, h, n - 1, generator=gen, dtype=f64) / math.sqrt(max(n - 1, 1)))
            self.c = nn.Parameter(torch.zeros(b, h, dtype=f64))
            self.V = nn.Parameter(torch.randn(b, n, h, generator=gen, dtype=f64) / math.sqrt(h))
        self.register_buffer("table", _table(n), persistent=False)

    @property
    def n_params(self) -> int:
        """Trainable parameters per start: ``n + n(n-1)/2`` (FVSBN) or ``2 n H + n`` (NADE)."""
        n, h = self.n_bits, self.n_hidden
        return n + n * (n - 1) // 2 if h is None else 2 * n * h + n

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able)."""
        return {"n_bits": self.n_bits, "n_hidden": self.n_hidden, "n_starts": self.n_starts, "init_seed": self.init_seed}

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``l_i(x_<i)`` of every conditional.

        Parameters
        ----------
        x : torch.Tensor, shape (N, n_bits), float64
            Bit strings; ``l_i`` reads only ``x_<i``, so later bits may hold anything.

        Returns
        -------
        torch.Tensor, shape (n_starts, N, n_bits)
        """
        n = self.n_bits
        if self.n_hidden is None:
            w = _scatter_tril(self.w, self._rows, self._cols, n)  # (B, n, n), strictly lower triangular
            return self.b[:, None, :] + torch.einsum("nj,bij->bni", x, w)
        # NADE: a_i = c + sum_{j<i} W[:, j] x_j, accumulated over i
        contrib = x[None, :, : n - 1, None] * self.W.transpose(1, 2)[:, None, :, :]  # (B, N, n-1, H)
        acc = torch.cumsum(contrib, dim=2)
        a = torch.cat([torch.zeros_like(acc[:, :, :1]), acc], dim=2) + self.c[:, None, None, :]  # (B, N, n, H)
        return self.b[:, None, :] + (torch.sigmoid(a) * self.V[:, None, :, :]).sum(-1)

    def log_probs(self) -> torch.Tensor:
        """Exact ``log q(x)`` of all ``2**n_bits`` strings, shape ``(n_starts, 2**n_bits)`` (differentiable)."""
        x = self.table
        l = self.logits(x)
        # log sigmoid(l) for x_i = 1, log sigmoid(-l) for x_i = 0
        return -nn.functional.softplus(-(2 * x[None] - 1) * l).sum(-1)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` bit strings by ancestral sampling, bit after bit (single start), int64 of shape ``(n, n_bits)``.

        Examples
        --------
        >>> Autoregressive(n_bits=3, n_hidden=2).sample(4, seed=1).shape
        (4, 3)
        """
        if self.n_starts != 1:
            raise ValueError(f"n_starts: sample() needs a single start, this model has {self.n_starts}; call select(k) first")
        n = validation.positive_int("n", n)
        seed = validation.seed(seed)
        rng = np.random.default_rng(seed)
        x = torch.zeros(n, self.n_bits, dtype=torch.float64)
        with torch.no_grad():
            for i in range(self.n_bits):
                p1 = torch.sigmoid(self.logits(x)[0, :, i]).numpy()
                x[:, i] = torch.as_tensor((rng.random(n) < p1).astype(np.float64))
        return x.numpy().astype(np.int64)


def _scatter_tril(values: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, n: int) -> torch.Tensor:
    """Strictly lower-triangular ``(B, n, n)`` matrices from their ``(B, n(n-1)/2)`` free entries (differentiable)."""
    out = values.new_zeros(values.shape[0], n * n)
    return out.index_copy(1, rows * n + cols, values).reshape(-1, n, n)


# ----------------------------------------------------------------------------------------------
# the RBM of qgan_helpers.born.rbm, several starts side by side
# ----------------------------------------------------------------------------------------------
class RBMBaseline(_Baseline):
    """``n_starts`` copies of :class:`qgan_helpers.born.rbm.RBM` trained side by side; exact ``q(v)``.

    Parameters
    ----------
    n_bits : int
        Visible units.
    n_hidden : int
        Hidden units; parameters ``n_bits + n_hidden + n_bits * n_hidden``.
    n_starts : int
    init_seed : int
        Start ``k`` is an ``RBM(..., init_seed=s_k)`` with ``s_k`` drawn from ``numpy.random.SeedSequence(init_seed)``.
    init_scale : float
        Standard deviation of the initial couplings (biases start at 0), as in :class:`~qgan_helpers.born.rbm.RBM`.

    Examples
    --------
    >>> rbm = RBMBaseline(n_bits=9, n_hidden=15, n_starts=2)
    >>> rbm.n_params, tuple(rbm().shape)
    (159, (2, 512))
    """

    def __init__(
        self, n_bits: int = 9, n_hidden: int = 15, n_starts: int = 1, init_seed: int = 0, init_scale: float = 0.1
    ) -> None:
        super().__init__()
        self.n_bits = _n_bits(n_bits)
        self.n_hidden = validation.non_negative_int("n_hidden", n_hidden)
        self.n_starts = validation.positive_int("n_starts", n_starts)
        self.init_seed = validation.non_negative_int("init_seed", init_seed)
        self.init_scale = validation.positive_number("init_scale", init_scale)
        seeds = np.random.SeedSequence(self.init_seed).generate_state(self.n_starts, dtype=np.uint32)
        self.rbms = nn.ModuleList(
            RBM(self.n_bits, self.n_hidden, init_scale=self.init_scale, init_seed=int(s)) for s in seeds
        )

    @property
    def n_params(self) -> int:
        """Trainable parameters per start (:attr:`qgan_helpers.born.rbm.RBM.n_params`)."""
        return self.rbms[0].n_params

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able)."""
        return {"n_bits": self.n_bits, "n_hidden": self.n_hidden, "n_starts": self.n_starts,
                "init_seed": self.init_seed, "init_scale": self.init_scale}

    def log_probs(self) -> torch.Tensor:
        """Exact ``log q(v)`` of all ``2**n_bits`` visible strings, shape ``(n_starts, 2**n_bits)``."""
        return torch.stack([torch.log_softmax(-r.free_energy(), dim=0) for r in self.rbms])

    def select(self, start: int) -> "RBMBaseline":
        """A new single-start model with the parameters of start ``start``."""
        start = validation.integer("start", start, 0, self.n_starts - 1)
        out = RBMBaseline(**{**self.config(), "n_starts": 1})
        out.rbms[0].load_state_dict(self.rbms[start].state_dict())
        return out


# ----------------------------------------------------------------------------------------------
# a classical Born machine: a real matrix product state
# ----------------------------------------------------------------------------------------------
def _mps_count(bonds: Sequence[int]) -> int:
    dims = [1, *bonds, 1]
    return sum(2 * dims[k] * dims[k + 1] for k in range(len(dims) - 1))


def mps_bond_dims(n_bits: int, max_params: int) -> list[int]:
    """Bond dimensions of the largest MPS on ``n_bits`` sites with at most ``max_params`` parameters.

    Greedy and deterministic: start from bond dimension 1 everywhere; repeatedly raise by one the
    smallest bond that may still grow (ties: the one nearest the middle, then the left one) while
    the count ``sum_k 2 D_{k-1} D_k`` stays within the budget. A bond never exceeds the largest
    useful value ``min(2**k, 2**(n-k))``.

    Parameters
    ----------
    n_bits : int
        ``2 <= n_bits <= MAX_BITS`` sites.
    max_params : int
        The budget; at least ``2 n_bits`` (a product state, all bonds 1).

    Returns
    -------
    list of int, length n_bits - 1

    Examples
    --------
    >>> mps_bond_dims(9, 162)
    [2, 3, 4, 4, 4, 3, 3, 2]
    >>> mps_bond_dims(4, 8)     # a product state
    [1, 1, 1]
    """
    n = validation.integer("n_bits", n_bits, 2, MAX_BITS)
    budget = validation.integer("max_params", max_params, 2 * n)
    bonds = [1] * (n - 1)
    caps = [min(2 ** (k + 1), 2 ** (n - k - 1)) for k in range(n - 1)]
    middle = (n - 2) / 2
    while True:
        order = sorted(range(n - 1), key=lambda k: (bonds[k], abs(k - middle), k))
        for k in order:
            trial = bonds.copy()
            trial[k] += 1
            if trial[k] <= caps[k] and _mps_count(trial) <= budget:
                bonds = trial
                break
        else:
            return bonds


class MPSBornMachine(_Baseline):
    r"""A classical Born machine: real MPS amplitudes ``psi(x) = A_1[x_1] ... A_n[x_n]``, ``q(x) = psi(x)^2 / Z``.

    Each site ``k`` has a tensor of shape ``(D_{k-1}, 2, D_k)`` with ``D_0 = D_n = 1``; the
    ``2**n`` amplitudes are contracted exactly (cheap for ``n <= MAX_BITS``) and normalised.

    Parameters
    ----------
    n_bits : int
        ``2 <= n_bits <= MAX_BITS``.
    bond_dims : sequence of int, length n_bits - 1
        ``D_1 .. D_{n-1}`` (e.g. :func:`mps_bond_dims`).
    n_starts : int
    init_seed : int
        Seed of the initial tensors (normal, std ``1/sqrt(D_{k-1})``).

    Examples
    --------
    >>> mps = MPSBornMachine(9, mps_bond_dims(9, 162))
    >>> mps.n_params
    162
    >>> round(float(mps.probs().sum()), 12)
    1.0
    """

    def __init__(
        self, n_bits: int = 9, bond_dims: Sequence[int] = (2, 3, 4, 4, 4, 3, 3, 2), n_starts: int = 1, init_seed: int = 0
    ) -> None:
        super().__init__()
        self.n_bits = n = validation.integer("n_bits", n_bits, 2, MAX_BITS)
        if isinstance(bond_dims, (str, bytes)) or not hasattr(bond_dims, "__len__") or len(bond_dims) != n - 1:
            raise ValueError(f"bond_dims: expected {n - 1} positive integers (one per bond), got {bond_dims!r}")
        self.bond_dims = [validation.positive_int("bond_dims", d) for d in bond_dims]
        self.n_starts = b = validation.positive_int("n_starts", n_starts)
        self.init_seed = validation.non_negative_int("init_seed", init_seed)
        gen = torch.Generator().manual_seed(self.init_seed)
        dims = [1, *self.bond_dims, 1]
        self.tensors = nn.ParameterList(
            nn.Parameter(torch.randn(b, dims[k], 2, dims[k + 1], generator=gen, dtype=torch.float64) / math.sqrt(dims[k]))
            for k in range(n)
        )

    @property
    def n_params(self) -> int:
        """Trainable parameters per start: ``sum_k 2 D_{k-1} D_k``."""
        return _mps_count(self.bond_dims)

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able)."""
        return {"n_bits": self.n_bits, "bond_dims": list(self.bond_dims), "n_starts": self.n_starts, "init_seed": self.init_seed}

    def amplitudes(self) -> torch.Tensor:
        """Unnormalised amplitudes ``psi(x)`` of all strings, shape ``(n_starts, 2**n_bits)``."""
        t = self.tensors[0][:, 0]  # (B, 2, D_1)
        for a in list(self.tensors)[1:]:
            t = torch.einsum("bsi,bipj->bspj", t, a).reshape(self.n_starts, -1, a.shape[-1])
        return t[..., 0]

    def log_probs(self) -> torch.Tensor:
        """Exact ``log q(x) = log psi(x)^2 - log Z``, shape ``(n_starts, 2**n_bits)``."""
        log_sq = torch.log(self.amplitudes() ** 2 + 1e-300)
        return log_sq - torch.logsumexp(log_sq, dim=-1, keepdim=True)


# ----------------------------------------------------------------------------------------------
# construction within a parameter budget
# ----------------------------------------------------------------------------------------------
def make_baseline(kind: str, n_bits: int = 9, max_params: int = 162, n_starts: int = 1, init_seed: int = 0) -> _Baseline:
    """The largest model of ``kind`` on ``n_bits`` bits with at most ``max_params`` parameters.

    Parameters
    ----------
    kind : {"nade", "rbm", "mps", "fvsbn"}
        ``"nade"``: :class:`Autoregressive` with ``H = (max_params - n) // (2 n)`` hidden units;
        ``"rbm"``: :class:`RBMBaseline` with ``h = (max_params - n) // (n + 1)``;
        ``"mps"``: :class:`MPSBornMachine` with :func:`mps_bond_dims`;
        ``"fvsbn"``: :class:`Autoregressive` with logistic conditionals (its size is fixed, ``n(n+1)/2``).
    n_bits : int
    max_params : int
        The budget, e.g. the QCBM's ``QCBM(...).n_params`` (162 for the course's circuit).
    n_starts, init_seed : int
        Random restarts and their seed.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or a budget too small for the smallest model of that kind.

    Examples
    --------
    >>> [make_baseline(k).n_params for k in KINDS]
    [153, 159, 162, 45]
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {list(KINDS)}, got {kind!r}")
    n = _n_bits(n_bits)
    budget = validation.positive_int("max_params", max_params)
    smallest = {"nade": 3 * n, "rbm": 2 * n + 1, "mps": 2 * n, "fvsbn": n * (n + 1) // 2}[kind]
    if budget < smallest:
        raise ValueError(f"max_params: a {kind!r} model on {n} bits needs at least {smallest} parameters, got {budget}")
    if kind == "nade":
        return Autoregressive(n, (budget - n) // (2 * n), n_starts=n_starts, init_seed=init_seed)
    if kind == "fvsbn":
        return Autoregressive(n, None, n_starts=n_starts, init_seed=init_seed)
    if kind == "rbm":
        return RBMBaseline(n, (budget - n) // (n + 1), n_starts=n_starts, init_seed=init_seed)
    return MPSBornMachine(n, mps_bond_dims(n, budget), n_starts=n_starts, init_seed=init_seed)


# ----------------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------------
@dataclass
class BaselineFit:
    """The result of :func:`fit_baseline` (the same fields as :class:`qgan_helpers.born.qcbm.QCBMFit`).

    Attributes
    ----------
    model : Autoregressive, RBMBaseline or MPSBornMachine
        The selected start (``n_starts == 1``), in eval mode.
    best_start : int
        Which start was kept (lowest final training loss).
    eval_step : numpy.ndarray of int, shape (E,)
    loss, kl, chi : numpy.ndarray, shape (E, n_starts)
        Training loss, KL(p || q) and valid rate χ of every start at each recorded step.
    metrics : dict
        ``{"loss", "mmd", "nll", "kl", "chi"}`` of the kept start after the last step (exact).
    steps : int
    wall_time, cpu_time : float
        Seconds of training.
    settings : dict
    """

    model: _Baseline
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


def _data(p_data: Any, n_bits: int) -> torch.Tensor:
    if isinstance(p_data, torch.Tensor):
        pt = p_data.detach().to(torch.float64)
    else:
        try:
            pt = torch.as_tensor(np.asarray(p_data, dtype=np.float64))
        except (TypeError, ValueError):
            raise ValueError(f"p_data: expected a probability vector of shape (2**n,), got {type(p_data).__name__}") from None
    if pt.ndim != 1:
        raise ValueError(f"p_data: expected one probability vector of shape (2**n,), got shape {tuple(pt.shape)}")
    n = check_probs(pt, "p_data")
    if n != n_bits:
        raise ValueError(f"p_data: expected {2**n_bits} outcomes for a model on {n_bits} bits, got {pt.shape[0]}")
    return pt


def fit_baseline(
    model: _Baseline,
    p_data: Any,
    *,
    loss: str = "mmd",
    sigmas: float | Sequence[float] = DEFAULT_SIGMAS,
    steps: int = 200,
    lr: float = 0.1,
    eval_every: int = 1,
    threads: int | None = 1,
) -> BaselineFit:
    """Train a classical baseline with Adam on an exact loss, all starts at once; keep the best start.

    The protocol of :func:`qgan_helpers.born.qcbm.fit_qcbm`: one summed loss over the starts per step
    (Adam's updates are per parameter, so the starts do not interact), and at the end the start with
    the lowest final **training loss** is kept (never the KL, which the model must not see).

    Parameters
    ----------
    model : Autoregressive, RBMBaseline or MPSBornMachine
        Trained in place (e.g. from :func:`make_baseline`).
    p_data : array or tensor, shape (2**n_bits,)
        The data distribution.
    loss : {"mmd", "nll"}
        ``"mmd"``: the QCBM's loss, :func:`~qgan_helpers.born.metrics.mmd2_exact` with the kernel
        mixture ``sigmas``; ``"nll"``: the exact negative log-likelihood ``-sum_x p(x) log q(x)``
        (maximum likelihood; equal to ``KL(p || q)`` plus the data entropy).
    sigmas : float or sequence of float
        Bandwidths of the MMD kernel (used for ``loss="mmd"`` and always reported in ``metrics["mmd"]``).
    steps : int
    lr : float
        Adam's learning rate.
    eval_every : int
        Record the curves every ``eval_every`` steps.
    threads : int or None
        torch threads during training (see :func:`qgan_helpers.born.qcbm.torch_threads`).

    Returns
    -------
    BaselineFit

    Raises
    ------
    ValueError
        For a model that is not a baseline of this module, a ``p_data`` that is not a distribution
        over ``2**n_bits`` outcomes, an unknown ``loss`` or bad hyperparameters.

    Examples
    --------
    >>> from qgan_helpers.born.bars_stripes import bas_distribution
    >>> fit = fit_baseline(make_baseline("rbm", 4, 30, n_starts=2), bas_distribution(2, 2), loss="mmd", steps=40)
    >>> bool(fit.kl[-1].min() < fit.kl[0].min())
    True
    """
    if not isinstance(model, _Baseline):
        raise ValueError(f"model: expected an Autoregressive, RBMBaseline or MPSBornMachine, got {type(model).__name__}")
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {list(LOSSES)}, got {loss!r}")
    pt = _data(p_data, model.n_bits)
    steps = validation.positive_int("steps", steps)
    eval_every = validation.positive_int("eval_every", eval_every)
    lr = validation.positive_number("lr", lr)
    kernel = hamming_kernel_matrix(model.n_bits, sigmas)
    support = pt > 0

    def losses(logq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        q = logq.exp()
        mmd = mmd2_exact(pt, q, kernel)
        nll = -(pt[support] * logq[:, support]).sum(-1)
        return (mmd if loss == "mmd" else nll), mmd, nll

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rec_step: list[int] = []
    rec_loss: list[np.ndarray] = []
    rec_kl: list[np.ndarray] = []
    rec_chi: list[np.ndarray] = []

    def record(step: int, logq: torch.Tensor, value: torch.Tensor) -> None:
        q = logq.detach().exp()
        rec_step.append(step)
        rec_loss.append(value.detach().numpy().copy())
        rec_kl.append(np.atleast_1d(kl_divergence(pt, q)))
        rec_chi.append(np.atleast_1d(valid_rate(pt, q)))

    t0, c0 = time.perf_counter(), time.process_time()
    with torch_threads(threads):
        model.train()
        for step in range(steps):
            logq = model.log_probs()
            value = losses(logq)[0]
            if step % eval_every == 0:
                record(step, logq, value)
            opt.zero_grad(set_to_none=True)
            value.sum().backward()
            opt.step()
        with torch.no_grad():
            logq = model.log_probs()
            value, mmd, nll = losses(logq)
        record(steps, logq, value)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    final = rec_loss[-1]
    if not np.all(np.isfinite(final)):
        raise FloatingPointError(f"training diverged: final {loss} losses {final.tolist()}")
    best = int(np.argmin(final))
    chosen = model.select(best).eval()
    q_best = logq[best].exp()
    metrics = {"loss": float(final[best]), "mmd": float(mmd[best]), "nll": float(nll[best]), **distribution_metrics(pt, q_best)}
    settings = {
        "model": type(model).__name__,
        "config": {k: v for k, v in model.config().items() if k != "init_seed"},
        "loss": loss,
        "sigmas": list(np.atleast_1d(np.asarray(sigmas, dtype=float)).tolist()),
        "steps": steps,
        "lr": lr,
        "n_starts": model.n_starts,
        "seed": model.init_seed,
        "optimizer": "Adam",
        "torch_threads": threads if threads is not None else torch.get_num_threads(),
        "parameters_per_start": model.n_params,
    }
    return BaselineFit(
        model=chosen, best_start=best, eval_step=np.asarray(rec_step), loss=np.stack(rec_loss), kl=np.stack(rec_kl),
        chi=np.stack(rec_chi), metrics=metrics, steps=steps, wall_time=wall, cpu_time=cpu, settings=settings,
    )


# ----------------------------------------------------------------------------------------------
# how many parameters actually move the distribution
# ----------------------------------------------------------------------------------------------
def effective_parameters(model: nn.Module, rtol: float = 1e-8) -> dict[str, int]:
    """Nominal parameter count and the rank of the Jacobian ``d q / d theta`` at the model's parameters.

    Works for any single-start model whose ``forward()`` returns probabilities of shape ``(1, 2**n)``
    -- the baselines of this module and :class:`qgan_helpers.born.qcbm.QCBM`. The rank (singular values
    above ``rtol`` times the largest) is the local dimension of the model's family of distributions;
    it is at most ``2**n - 1`` and at most the nominal count, and smaller when parameters are
    redundant (gauge freedoms, rotations that act on ``|0>``, symmetric hidden units). At a random
    parameter point it is the generic rank.

    Returns
    -------
    dict
        ``{"nominal": ..., "jacobian_rank": ...}``.

    Examples
    --------
    >>> from qgan_helpers.born.qcbm import QCBM
    >>> effective_parameters(QCBM(n_qubits=2, layers=2, entanglers="chain"))   # 12 angles, 3 free probabilities
    {'nominal': 12, 'jacobian_rank': 3}
    >>> effective_parameters(Autoregressive(n_bits=3, n_hidden=None))           # 6 parameters, 7 free probabilities
    {'nominal': 6, 'jacobian_rank': 6}
    """
    if not isinstance(model, nn.Module) or getattr(model, "n_starts", None) != 1:
        raise ValueError(
            f"model: expected a single-start model (n_starts == 1; call select(k) first), got {type(model).__name__}"
        )
    rtol = validation.positive_number("rtol", rtol)
    params = [p for p in model.parameters() if p.requires_grad]
    rows = []
    with torch.enable_grad():
        q = model()[0]
        if q.dtype != torch.float64:
            q = q.to(torch.float64)
        for i in range(q.shape[0]):
            grads = torch.autograd.grad(q[i], params, retain_graph=True, allow_unused=True)
            rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)]))
    jac = torch.stack(rows)
    s = torch.linalg.svdvals(jac)
    rank = int((s > rtol * s.max()).sum()) if s.numel() and float(s.max()) > 0 else 0
    return {"nominal": int(getattr(model, "n_params", sum(p.numel() for p in params))), "jacobian_rank": rank}
