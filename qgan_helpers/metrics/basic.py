"""Three small measures of a model and its samples, each with one name and one meaning.

* :func:`count_parameters` -- trainable parameters of a torch module, to compare generators of
  equal size. (The angles of a circuit's weight *shape* are
  :func:`qgan_helpers.quantum.circuits.count_angles`.)
* :func:`pixel_spread` -- the largest standard deviation of any pixel over a set of images: 0 for a
  generator that ignores its noise (every image the same), whatever else it does. The hybrid
  chapter's "spread over the noise" is this number.
* :func:`mean_squared_pair_distance` -- the mean squared distance between two different images of a
  set: 0 for a generator that ignores its noise, about 3.1 for the real zeros.

None of them is what the pages call *variety* -- whether the samples reach every kind of real
image. That is measured by recall and coverage (:mod:`qgan_helpers.metrics.prdc`) and the digit
classes a classifier sees (:mod:`qgan_helpers.metrics.classifier`): a generator can spread its
pixels widely and still draw only one kind of digit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qgan_helpers import validation
from qgan_helpers.metrics.mmd import _as_2d

__all__ = ["count_parameters", "pixel_spread", "mean_squared_pair_distance"]


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable parameters (``requires_grad``) of a torch module.

    Examples
    --------
    >>> count_parameters(torch.nn.Linear(4, 2))
    10
    """
    if not isinstance(module, torch.nn.Module):
        raise validation.ArgumentTypeError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def _at_least_two(samples: Any) -> torch.Tensor | np.ndarray:
    """``samples`` flattened to ``(N, D)`` (torch stays torch), with ``N >= 2`` checked."""
    x = _as_2d("samples", samples.detach() if isinstance(samples, torch.Tensor) else samples)
    if x.shape[0] < 2:
        raise ValueError(f"samples: expected at least 2 samples to compare, got {x.shape[0]}")
    return x


def pixel_spread(samples: Any) -> float:
    """The largest standard deviation of any pixel over a set of images (0 when all images are equal).

    Every pixel's standard deviation over the ``N`` images (``torch.std``, ``N - 1`` in the
    denominator); the largest of them. It answers one question only: does the output change at all
    when the noise changes? A generator whose output never sees its noise scores exactly 0.

    Parameters
    ----------
    samples : array or tensor, shape (N, ...), N >= 2
        Images (any shape after the first axis; flattened). A torch tensor is measured in its own
        dtype, anything else as float64.

    Returns
    -------
    float

    Examples
    --------
    >>> pixel_spread(torch.tensor([[0.0, 1.0], [0.0, 3.0]]))     # pixel 0 never moves, pixel 1 does
    1.4142135381698608
    >>> pixel_spread(np.ones((5, 8, 8)))
    0.0
    """
    x = _at_least_two(samples)
    x = x if isinstance(x, torch.Tensor) else torch.from_numpy(x)
    return float(x.std(dim=0).max())


def mean_squared_pair_distance(samples: Any) -> float:
    """Mean squared Euclidean distance between two *different* samples (flattened).

    0 for a generator that always draws the same image; compare it with the same number for real
    images (the 178 real zeros: about 3.1).

    Parameters
    ----------
    samples : array or tensor, shape (N, ...), N >= 2

    Returns
    -------
    float

    Examples
    --------
    >>> mean_squared_pair_distance(np.array([[0.0, 0.0], [1.0, 1.0]]))
    2.0
    """
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    x = np.asarray(_at_least_two(samples), dtype=np.float64)
    n = x.shape[0]
    sq = (x**2).sum(1)
    total = 2 * n * sq.sum() - 2 * float((x.sum(0) ** 2).sum())  # sum over ordered pairs of |xi - xj|^2
    return float(total / (n * (n - 1)))
