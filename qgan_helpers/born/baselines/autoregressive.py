r"""Fully visible autoregressive baselines: FVSBN (logistic conditionals) and NADE (a shared hidden layer).

``q(x) = prod_i q(x_i | x_<i)`` has an exact likelihood and exact (ancestral) sampling, with no
latent variables. With ``n_hidden=None`` the conditionals are logistic regressions on the earlier
bits (the *fully visible sigmoid belief network*, FVSBN, ``n + n(n-1)/2`` parameters: 45 for 9 bits);
with ``n_hidden=H`` they share one hidden layer of ``H`` sigmoid units (NADE, Larochelle & Murray
2011, ``2 n H + n`` parameters: 153 for 9 bits and ``H = 8``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.baselines.base import Baseline, bit_table, check_n_bits

__all__ = ["Autoregressive"]


class Autoregressive(Baseline):
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
        self.n_bits = n = check_n_bits(n_bits)
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
        self.register_buffer("table", bit_table(n), persistent=False)

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
        logit = self.logits(x)
        # log sigmoid(logit) for x_i = 1, log sigmoid(-logit) for x_i = 0
        return -nn.functional.softplus(-(2 * x[None] - 1) * logit).sum(-1)

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
