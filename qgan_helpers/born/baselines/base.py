"""What every classical baseline of the Born chapter shares: the interface and the bit-string table.

A baseline is a torch module holding ``n_starts`` independent parameter sets (random restarts,
trained side by side) whose exact distribution over all ``2**n_bits`` strings comes out of
``forward()``. :class:`Baseline` gives the common behaviour -- probabilities from ``log_probs``,
picking one start (:meth:`Baseline.select`), sampling -- so that :func:`~qgan_helpers.born.baselines.fit_baseline`
trains every kind the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.bars_stripes import all_bitstrings
from qgan_helpers.born.metrics import sample_bitstrings_from_probs

__all__ = ["MAX_BITS", "Baseline", "check_n_bits", "bit_table"]

MAX_BITS = 12
"""Largest number of bits for which the baselines enumerate all ``2**n`` strings (as the QCBM does)."""


def check_n_bits(value: Any) -> int:
    """``n_bits`` as an int in ``1..MAX_BITS`` (ValueError naming ``n_bits`` otherwise).

    Examples
    --------
    >>> check_n_bits(9)
    9
    """
    return validation.integer("n_bits", value, 1, MAX_BITS)


def bit_table(n: int) -> torch.Tensor:
    """All ``2**n`` bit strings, first bit most significant, as a float64 tensor of shape ``(2**n, n)``.

    Examples
    --------
    >>> bit_table(2).tolist()
    [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    """
    return torch.as_tensor(all_bitstrings(n), dtype=torch.float64)


class Baseline(nn.Module):
    """Common interface: ``forward()`` -> (n_starts, 2**n) probabilities, ``log_probs``, ``select``, ``sample``.

    Subclasses set ``n_bits``, ``n_starts`` and ``init_seed`` and define :meth:`log_probs`,
    :meth:`config` and ``n_params``.
    """

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

    def select(self, start: int) -> Baseline:
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
