"""The restricted Boltzmann machine as a baseline: several :class:`~qgan_helpers.born.rbm.RBM` starts side by side.

The RBM of :mod:`qgan_helpers.born.rbm` is reused, not copied: ``n_starts`` independent copies, each
with ``n_bits + n_hidden + n_bits * n_hidden`` parameters (159 for 9 visible bits and 15 hidden
units). Its partition function is an exact sum over the ``2**n_bits`` visible strings, so ``q(v)``
is exact, as for every baseline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.baselines.base import Baseline, check_n_bits
from qgan_helpers.born.rbm import RBM

__all__ = ["RBMBaseline"]


class RBMBaseline(Baseline):
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
        self.n_bits = check_n_bits(n_bits)
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

    def select(self, start: int) -> RBMBaseline:
        """A new single-start model with the parameters of start ``start``."""
        start = validation.integer("start", start, 0, self.n_starts - 1)
        out = RBMBaseline(**{**self.config(), "n_starts": 1})
        out.rbms[0].load_state_dict(self.rbms[start].state_dict())
        return out
