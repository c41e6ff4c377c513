r"""A classical Born machine: a real matrix product state (MPS), the QCBM's closest classical relative.

Han et al. (2018): amplitudes ``psi(x) = A_1[x_1] A_2[x_2] ... A_n[x_n]`` from a chain of small real
tensors, and ``q(x) = psi(x)**2 / Z`` -- the same Born rule as the QCBM, a tensor network instead of
a circuit. :func:`mps_bond_dims` sizes the chain for a parameter budget: exactly 162 parameters for
9 bits, the course QCBM's count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.baselines.base import MAX_BITS, Baseline

__all__ = ["mps_bond_dims", "MPSBornMachine"]


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


class MPSBornMachine(Baseline):
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
