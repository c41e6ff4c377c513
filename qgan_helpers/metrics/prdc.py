r"""Precision, recall, density and coverage: *which* real images a generator reaches, and how well.

Each real image gets a ball around it in feature space whose radius is the distance to its
``k``-th nearest real neighbour; the balls together approximate where real images live (the
*manifold*). Likewise for the generated images.

* **precision** (Kynkäänniemi et al. 2019): the fraction of generated images inside the real
  manifold -- are the samples realistic?
* **recall** (same paper): the fraction of real images inside the generated manifold -- does the
  generator reach all kinds of real images?
* **density** (Naeem et al. 2020): how many real balls contain a generated image, on average,
  divided by ``k`` -- about 1 for a generator that matches the data, above 1 when samples crowd
  the densest region.
* **coverage** (same paper): the fraction of real images whose ball contains at least one
  generated image -- a more robust recall.

A generator that always draws the same image can still have high precision, but its recall and
coverage collapse: a single point covers only the few balls it happens to fall in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qgan_helpers import validation
from qgan_helpers.metrics.frechet import _features

__all__ = ["PRDC", "prdc", "pairwise_distances"]


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` ``(N, D)`` and ``b`` ``(M, D)``: ``(N, M)``.

    Examples
    --------
    >>> pairwise_distances(np.zeros((1, 2)), np.array([[3.0, 4.0]])).tolist()
    [[5.0]]
    """
    sq = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def _kth_neighbour_radius(x: np.ndarray, k: int) -> np.ndarray:
    d = pairwise_distances(x, x)
    return np.partition(d, k, axis=1)[:, k]  # the (k+1)-th smallest: position 0 is the point itself


@dataclass(frozen=True)
class PRDC:
    """Result of :func:`prdc` (all in ``[0, 1]`` except density, which can exceed 1)."""

    precision: float
    recall: float
    density: float
    coverage: float

    def as_dict(self) -> dict[str, float]:
        """The four numbers by name."""
        return asdict(self)


def prdc(real: Any, fake: Any, k: int = 5) -> PRDC:
    """Precision, recall, density and coverage of ``fake`` against ``real`` feature vectors.

    Parameters
    ----------
    real : array, shape (N, D)
    fake : array, shape (M, D)
    k : int
        Neighbourhood size of the balls (Naeem et al. recommend 5); needs ``N, M > k``.

    Returns
    -------
    PRDC

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 2))
    >>> one_point = np.zeros((200, 2))
    >>> r = prdc(real, one_point)
    >>> r.precision, r.recall, r.coverage < 0.2
    (1.0, 0.0, True)
    """
    fr, ff = _features("real", real), _features("fake", fake)
    if fr.shape[1] != ff.shape[1]:
        raise ValueError(f"fake: expected feature vectors of dimension {fr.shape[1]} like real, got {ff.shape[1]}")
    k = validation.positive_int("k", k)
    if min(len(fr), len(ff)) <= k:
        raise ValueError(f"k: expected fewer neighbours than images in each set ({len(fr)} real, {len(ff)} fake), got {k}")
    real_r = _kth_neighbour_radius(fr, k)
    fake_r = _kth_neighbour_radius(ff, k)
    d = pairwise_distances(fr, ff)  # (N real, M fake)
    inside = d < real_r[:, None]  # fake j inside the ball of real i
    precision = float(inside.any(axis=0).mean())
    recall = float((d < fake_r[None, :]).any(axis=1).mean())
    density = float(inside.sum(axis=0).mean() / k)
    coverage = float((d.min(axis=1) < real_r).mean())
    return PRDC(precision, recall, density, coverage)
