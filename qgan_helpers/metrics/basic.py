"""Two small measures: the trainable parameters of a model, and the variety of a set of images.

* :func:`count_parameters` -- trainable parameters of a torch module, to compare generators of
  equal size.
* :func:`diversity` -- the mean squared distance between two different images of a set: a
  generator that ignores its noise scores 0, the real zeros about 3.1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qgan_helpers.metrics.mmd import _as_2d

__all__ = ["count_parameters", "diversity"]


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable parameters (``requires_grad``) of a torch module.

    Examples
    --------
    >>> count_parameters(torch.nn.Linear(4, 2))
    10
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def diversity(samples: Any) -> float:
    """Mean squared Euclidean distance between two *different* samples (flattened).

    0 for a generator that always draws the same image; compare it with the same number for real
    images (the 178 real zeros: about 3.1).

    Parameters
    ----------
    samples : array or tensor, shape (N, ...), N >= 2

    Examples
    --------
    >>> diversity(np.array([[0.0, 0.0], [1.0, 1.0]]))
    2.0
    """
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    x = np.asarray(_as_2d("samples", samples), dtype=np.float64)
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"samples: expected at least 2 samples to compare, got {n}")
    sq = (x**2).sum(1)
    total = 2 * n * sq.sum() - 2 * float((x.sum(0) ** 2).sum())  # sum over ordered pairs of |xi - xj|^2
    return float(total / (n * (n - 1)))
