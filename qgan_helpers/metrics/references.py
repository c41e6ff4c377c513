"""Reference generators: what a score means only shows beside what trivial "generators" score.

Each reference draws images with no GAN at all, from the **training** images of one digit:

* :func:`mean_images` -- the mean image, repeated: one blurred average. A measure this passes is a
  measure a blur passes.
* :func:`pixel_noise_images` -- the mean image plus independent Gaussian noise per pixel with each
  pixel's own standard deviation (clipped to ``[0, 1]``): right brightness everywhere, no shapes.
* :func:`uniform_images` -- uniform noise: the ceiling of every distance.
* :class:`PCAGaussian` -- a Gaussian over the first ``k`` principal components: the mean image plus
  ``k`` scaled directions, ``D * (k + 1)`` numbers in all, fitted in closed form with no training.
  It is the "no-training baseline" a generator with that many parameters has to beat.

Examples
--------
>>> from qgan_helpers.metrics.datasets import real_images
>>> train, _ = real_images("digits", "train", digit=0)
>>> pca = PCAGaussian.fit(train, k=2)
>>> pca.n_params, pca.sample(5, seed=0).shape
(192, (5, 64))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qgan_helpers import validation

__all__ = ["mean_images", "pixel_noise_images", "uniform_images", "PCAGaussian", "pca_components_for_budget"]


def _train(train: Any) -> np.ndarray:
    return validation.image_batch("train", train, min_count=2)


def mean_images(train: Any, n: int) -> np.ndarray:
    """The mean of ``train`` ``(M, D)`` repeated ``n`` times: ``(n, D)``.

    Examples
    --------
    >>> mean_images(np.array([[0.0, 1.0], [1.0, 1.0]]), 3).tolist()
    [[0.5, 1.0], [0.5, 1.0], [0.5, 1.0]]
    """
    x = _train(train)
    n = validation.positive_int("n", n)
    return np.repeat(x.mean(0, keepdims=True), n, axis=0)


def pixel_noise_images(train: Any, n: int, seed: int = 0) -> np.ndarray:
    """Mean image plus independent per-pixel Gaussian noise (each pixel's own std), clipped: ``(n, D)``."""
    x = _train(train)
    n = validation.positive_int("n", n)
    rng = np.random.default_rng(validation.seed(seed))
    out = x.mean(0) + x.std(0) * rng.standard_normal((n, x.shape[1]))
    return np.clip(out, 0.0, 1.0)


def uniform_images(n: int, n_pixels: int, seed: int = 0) -> np.ndarray:
    """Uniform noise in ``[0, 1)``: ``(n, n_pixels)``."""
    n = validation.positive_int("n", n)
    n_pixels = validation.positive_int("n_pixels", n_pixels)
    return np.random.default_rng(validation.seed(seed)).random((n, n_pixels))


def pca_components_for_budget(budget: int, n_pixels: int) -> int:
    """The largest ``k >= 1`` whose PCA-Gaussian (``n_pixels * (k + 1)`` numbers) fits in ``budget``.

    Returns 1 when even ``k = 1`` exceeds the budget (the smallest PCA-Gaussian there is).

    Examples
    --------
    >>> pca_components_for_budget(160, 64), pca_components_for_budget(200, 64)
    (1, 2)
    """
    budget = validation.positive_int("budget", budget)
    n_pixels = validation.positive_int("n_pixels", n_pixels)
    return max(1, budget // n_pixels - 1)


@dataclass(frozen=True)
class PCAGaussian:
    """A Gaussian over the first ``k`` principal components of the training images.

    ``x = mean + sum_i c_i * sqrt(lambda_i) * v_i`` with ``c_i`` standard normal, clipped to
    ``[0, 1]``; ``v_i`` are the top ``k`` principal directions and ``lambda_i`` their variances.

    Attributes
    ----------
    mean : numpy.ndarray, shape (D,)
    directions : numpy.ndarray, shape (k, D)
        The principal directions already scaled by ``sqrt(lambda_i)``.
    """

    mean: np.ndarray
    directions: np.ndarray

    @classmethod
    def fit(cls, train: Any, k: int) -> PCAGaussian:
        """Fit to training images ``(M, D)`` with ``1 <= k < M``."""
        x = _train(train)
        k = validation.integer("k", k, 1, len(x) - 1)
        mean = x.mean(0)
        _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
        scale = s[:k] / np.sqrt(len(x) - 1)
        return cls(mean=mean, directions=vt[:k] * scale[:, None])

    @property
    def k(self) -> int:
        """Number of components."""
        return int(self.directions.shape[0])

    @property
    def n_params(self) -> int:
        """Numbers the model holds: ``D * (k + 1)`` (the mean and ``k`` scaled directions)."""
        return int(self.mean.size * (self.k + 1))

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` images ``(n, D)`` in ``[0, 1]``."""
        n = validation.positive_int("n", n)
        c = np.random.default_rng(validation.seed(seed)).standard_normal((n, self.k))
        return np.clip(self.mean + c @ self.directions, 0.0, 1.0)
