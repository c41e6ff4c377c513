"""The classifier two-sample test: a discriminator trained *after* the game, on fresh data.

Lopez-Paz & Oquab (2017): put the real and the generated images in one pile, labelled "real" and
"generated", and ask a classifier to learn the difference on part of the pile and predict it on the
rest. Its held-out accuracy is the score:

* **0.5** -- chance: the classifier cannot tell the two sets apart;
* **1.0** -- every image is recognised: the generated images are easy to spot.

It is the discriminator of a GAN, trained once the game is over on images the generator never
fought against, and judged on images it did not train on. The course's classifier is a
1-nearest-neighbour rule in pixel space (the "1-NN two-sample test" that Xu et al. (2018) found to
be among the most telling GAN measures): an image is called "generated" when its nearest
neighbour in the training part of the pile is a generated image. It needs no training, has no
hyperparameters to tune to the generator, and it catches a blur (all blurred images sit on top of
each other, so they find each other), speckle and collapse.

Accuracy is measured by stratified k-fold cross-validation on **balanced** sets (the larger set is
subsampled to the smaller's size), repeated with different shuffles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qgan_helpers import validation
from qgan_helpers.metrics.prdc import pairwise_distances

__all__ = ["TwoSampleResult", "two_sample_test"]


@dataclass(frozen=True)
class TwoSampleResult:
    """Result of :func:`two_sample_test`.

    Attributes
    ----------
    accuracy : float
        Mean held-out accuracy over folds and repeats (0.5 = indistinguishable).
    spread : float
        Standard deviation of the accuracy over the repeats.
    n : int
        Images per class in each balanced repeat.
    repeats : int
    """

    accuracy: float
    spread: float
    n: int
    repeats: int


def _knn_fold_accuracy(x: np.ndarray, y: np.ndarray, folds: np.ndarray, k: int) -> float:
    d = pairwise_distances(x, x)
    correct = 0
    for f in np.unique(folds):
        test, train = folds == f, folds != f
        dt = d[np.ix_(test, train)]
        if k == 1:  # the first of the nearest, as the stable sort below picks it, without sorting
            nearest = np.argmin(dt, axis=1)[:, None]
        else:
            nearest = np.argsort(dt, axis=1, kind="stable")[:, :k]
        votes = y[train][nearest].mean(axis=1)
        pred = (votes > 0.5).astype(int)
        ties = votes == 0.5
        pred[ties] = y[train][nearest[ties, 0]]
        correct += int((pred == y[test]).sum())
    return correct / len(y)


def two_sample_test(
    real: Any, fake: Any, *, k: int = 1, folds: int = 5, repeats: int = 5, seed: int = 0
) -> TwoSampleResult:
    """Held-out accuracy of a k-nearest-neighbour classifier telling ``fake`` from ``real``.

    Parameters
    ----------
    real, fake : array, shape (N, D) and (M, D)
        Flattened images (or any feature vectors), compared by Euclidean distance.
    k : int
        Neighbours that vote (odd numbers avoid ties; 1 by default).
    folds : int
        Cross-validation folds (stratified: each fold holds as many real as generated images).
    repeats : int
        Independent shuffles (and subsamples of the larger set); the result is their mean.
    seed : int

    Returns
    -------
    TwoSampleResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(100, 4)), rng.normal(size=(100, 4))
    >>> 0.35 < two_sample_test(a, b).accuracy < 0.65          # same distribution: chance
    True
    >>> two_sample_test(a, b + 5.0).accuracy                  # far apart: always told apart
    1.0
    """
    xr = validation.image_batch("real", real, min_count=2, unit_range=False)
    xf = validation.image_batch("fake", fake, min_count=2, unit_range=False)
    if xr.shape[1] != xf.shape[1]:
        raise ValueError(f"fake: expected {xr.shape[1]} values per image like real, got {xf.shape[1]}")
    k = validation.positive_int("k", k)
    folds = validation.integer("folds", folds, 2)
    repeats = validation.positive_int("repeats", repeats)
    rng = np.random.default_rng(validation.seed(seed))
    n = min(len(xr), len(xf))
    if n < folds:
        raise ValueError(f"folds: expected at most {n} folds (images in the smaller set), got {folds}")
    if k >= n * (folds - 1) // folds * 2:
        raise ValueError(f"k: expected fewer neighbours than training images per fold, got {k}")
    accs = []
    for _ in range(repeats):
        r = xr[rng.choice(len(xr), n, replace=False)]
        f = xf[rng.choice(len(xf), n, replace=False)]
        x = np.concatenate([r, f])
        y = np.concatenate([np.zeros(n, int), np.ones(n, int)])
        fold_ids = np.concatenate([rng.permutation(n) % folds, rng.permutation(n) % folds])
        accs.append(_knn_fold_accuracy(x, y, fold_ids, k))
    return TwoSampleResult(float(np.mean(accs)), float(np.std(accs)), n, repeats)
