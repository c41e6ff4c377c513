"""Does a generator copy its training images? The nearest-real-image test.

With the course's split, each digit has (almost) as many training images as held-out ones, drawn
from the same distribution. For a generator that has *learned the distribution*, a generated
image's nearest real image is as likely to be a held-out image as a training image: the fraction
"nearer a training image" is about 0.5. A generator that *copies* its training images lands on top
of them, and the fraction goes to 1.

:func:`memorisation` reports that fraction and the distances behind it: each generated image's
distance to its nearest training image, against the same distance for the held-out real images.
A blurred or averaged generator also sits a little closer to the training images than real images
do (an average is close to many images), so the flag needs both signs of copying: the fraction is
significantly above one half (more than 3 binomial standard errors) **and** the generated images
are less than half as far from their nearest training image as held-out real images are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from qgan_helpers import validation
from qgan_helpers.metrics.prdc import pairwise_distances

__all__ = ["MemorisationResult", "memorisation"]


@dataclass(frozen=True)
class MemorisationResult:
    """Result of :func:`memorisation`.

    Attributes
    ----------
    nearer_train : float
        Fraction of generated images whose nearest real image is a training image (ties count half);
        about 0.5 without copying, 1.0 for copies of the training set.
    distance_ratio : float
        Median distance from a generated image to its nearest training image, divided by the same
        median for the held-out real images: about 1 for new images, 0 for copies.
    flagged : bool
        ``nearer_train > 0.5 + 3 * sqrt(0.25 / n)`` and ``distance_ratio < 0.5``.
    median_distance : float
        Median distance from a generated image to its nearest training image.
    heldout_median_distance : float
        The same for the held-out real images (what "not a copy" looks like).
    n : int
        Generated images tested.
    """

    nearer_train: float
    distance_ratio: float
    flagged: bool
    median_distance: float
    heldout_median_distance: float
    n: int


def memorisation(samples: Any, train: Any, heldout: Any, seed: int = 0) -> MemorisationResult:
    """Test whether ``samples`` sit closer to the training images than to held-out real images.

    Parameters
    ----------
    samples : array, shape (N, D)
        Generated images (flattened) or their features.
    train, heldout : array, shape (M, D) and (L, D)
        The real training and held-out images; the larger set is subsampled (seeded) to the size of
        the smaller so that both have the same chance of holding the nearest neighbour.
    seed : int

    Returns
    -------
    MemorisationResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> train, held = rng.normal(size=(100, 5)), rng.normal(size=(100, 5))
    >>> memorisation(train, train, held).flagged        # copies of the training set
    True
    >>> memorisation(rng.normal(size=(100, 5)), train, held).flagged
    False
    >>> memorisation(np.repeat(train[:1], 100, axis=0), train, held).flagged  # one copy, repeated
    True
    >>> memorisation(np.repeat(train.mean(0, keepdims=True), 100, axis=0), train, held).flagged  # a blur
    False
    """
    xs = validation.image_batch("samples", samples, unit_range=False)
    xt = validation.image_batch("train", train, min_count=2, unit_range=False)
    xh = validation.image_batch("heldout", heldout, min_count=2, unit_range=False)
    if not xs.shape[1] == xt.shape[1] == xh.shape[1]:
        raise ValueError(
            f"samples: expected {xt.shape[1]} values per image like train and heldout, got {xs.shape[1]} "
            f"(heldout has {xh.shape[1]})"
        )
    rng = np.random.default_rng(validation.seed(seed))
    m = min(len(xt), len(xh))
    xt = xt[np.sort(rng.choice(len(xt), m, replace=False))]
    xh = xh[np.sort(rng.choice(len(xh), m, replace=False))]
    d_train = pairwise_distances(xs, xt).min(axis=1)
    d_held = pairwise_distances(xs, xh).min(axis=1)
    nearer = float(((d_train < d_held) + 0.5 * (d_train == d_held)).mean())
    heldout_median = float(np.median(pairwise_distances(xh, xt).min(axis=1)))
    median = float(np.median(d_train))
    ratio = median / heldout_median if heldout_median > 0 else float("inf")
    significant = nearer > 0.5 + 3.0 * math.sqrt(0.25 / len(xs))
    return MemorisationResult(
        nearer_train=nearer,
        distance_ratio=ratio,
        flagged=bool(significant and ratio < 0.5),
        median_distance=median,
        heldout_median_distance=heldout_median,
        n=len(xs),
    )
