r"""A classical restricted Boltzmann machine (RBM) with an exact likelihood: the QBM's baseline.

Visible bits ``v in {0,1}^{n_v}``, hidden bits ``h in {0,1}^{n_h}``, energy

.. math:: E(v, h) = -a^\top v - c^\top h - v^\top W h,
          \qquad P(v) = \frac{1}{Z}\sum_h e^{-E(v, h)} = \frac{e^{-F(v)}}{Z},
          \qquad F(v) = -a^\top v - \sum_j \log\!\big(1 + e^{c_j + (v^\top W)_j}\big).

The hidden units are summed out analytically (the free energy ``F``), and for a handful of visible
bits the partition function ``Z`` is a sum over all ``2**n_v`` visible configurations, so the
negative log-likelihood and its gradient are *exact* -- no contrastive divergence, no sampling.
That makes the comparison with the quantum Boltzmann machine of :mod:`qgan_helpers.born.qbm` fair:
same data, same number of units and couplings, exact training on both sides.

Examples
--------
>>> rbm = RBM(n_visible=4, n_hidden=2)
>>> p = rbm.visible_probs().detach()
>>> tuple(p.shape), round(float(p.sum()), 12)
((16,), 1.0)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.bars_stripes import all_bitstrings

__all__ = ["MAX_VISIBLE", "RBM"]

MAX_VISIBLE = 16
"""Largest number of visible units for which the exact sum over ``2**n_v`` configurations is done."""


class RBM(nn.Module):
    """Restricted Boltzmann machine with binary units and an exact visible distribution.

    Parameters
    ----------
    n_visible : int
        ``1 <= n_visible <= MAX_VISIBLE``.
    n_hidden : int
        ``>= 0`` (0 gives independent visible bits).
    init_scale : float
        Standard deviation of the initial weights (biases start at 0).
    init_seed : int
        Seed of the initial weights.

    Attributes
    ----------
    a : torch.nn.Parameter, shape (n_visible,)
    c : torch.nn.Parameter, shape (n_hidden,)
    W : torch.nn.Parameter, shape (n_visible, n_hidden)

    Examples
    --------
    >>> RBM(4, 2).n_params      # 4 + 2 + 4 * 2
    14
    """

    def __init__(self, n_visible: int, n_hidden: int = 2, init_scale: float = 0.1, init_seed: int = 0) -> None:
        super().__init__()
        self.n_visible = validation.integer("n_visible", n_visible, 1, MAX_VISIBLE)
        self.n_hidden = validation.non_negative_int("n_hidden", n_hidden)
        init_scale = validation.number("init_scale", init_scale, 0)
        self.init_scale = float(init_scale)
        self.init_seed = validation.non_negative_int("init_seed", init_seed)
        gen = torch.Generator().manual_seed(self.init_seed)
        self.a = nn.Parameter(torch.zeros(self.n_visible, dtype=torch.float64))
        self.c = nn.Parameter(torch.zeros(self.n_hidden, dtype=torch.float64))
        self.W = nn.Parameter(
            torch.randn(self.n_visible, self.n_hidden, generator=gen, dtype=torch.float64) * self.init_scale
        )
        self.register_buffer(
            "visible_table", torch.as_tensor(all_bitstrings(self.n_visible), dtype=torch.float64), persistent=False
        )

    @property
    def n_params(self) -> int:
        """Number of trainable parameters: ``n_v + n_h + n_v * n_h``."""
        return self.n_visible + self.n_hidden + self.n_visible * self.n_hidden

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able)."""
        return {"n_visible": self.n_visible, "n_hidden": self.n_hidden, "init_scale": self.init_scale, "init_seed": self.init_seed}

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}"

    def free_energy(self, v: torch.Tensor | None = None) -> torch.Tensor:
        """``F(v)`` for visible configurations ``v`` of shape (N, n_visible) (default: all ``2**n_v``)."""
        v = self.visible_table if v is None else v
        return -(v @ self.a) - nn.functional.softplus(self.c + v @ self.W).sum(-1)

    def visible_probs(self) -> torch.Tensor:
        """The exact model distribution ``P(v)`` over all ``2**n_visible`` visible bit strings.

        Returns
        -------
        torch.Tensor, shape (2**n_visible,), float64
            Differentiable; first visible unit = most significant bit.
        """
        return torch.softmax(-self.free_energy(), dim=0)

    def nll(self, p_data: torch.Tensor) -> torch.Tensor:
        """Exact negative log-likelihood ``-sum_v p_data(v) log P(v)`` (differentiable)."""
        logp = torch.log_softmax(-self.free_energy(), dim=0)
        support = p_data > 0
        return -(p_data[support] * logp[support]).sum()
