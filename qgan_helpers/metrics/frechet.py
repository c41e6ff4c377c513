r"""The Fréchet distance between two sets of feature vectors ("FID with a digit network").

Fit a Gaussian to each set of features, :math:`\mathcal N(\mu_1, \Sigma_1)` and
:math:`\mathcal N(\mu_2, \Sigma_2)`, and measure the Fréchet (2-Wasserstein) distance between them:

.. math::

    d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}\bigl(\Sigma_1 + \Sigma_2
          - 2\,(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2})^{1/2}\bigr).

This is the FID of Heusel et al. (2017) with the course's digit feature network in place of
Inception. Like FID it is biased upwards for small sets, so compare numbers computed from sets of
the same size -- and always beside the real-vs-real floor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qgan_helpers.validation import ArgumentTypeError

__all__ = ["frechet_distance", "gaussian_stats"]


def _features(name: str, x: Any) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name}: expected a float array of shape (N, D), got {type(x).__name__}") from None
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"{name}: expected feature vectors of shape (N, D) with N >= 2, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return arr


def gaussian_stats(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(D,)`` and covariance ``(D, D)`` (unbiased, ``N - 1``) of feature vectors ``(N, D)``.

    Examples
    --------
    >>> mu, cov = gaussian_stats([[0.0, 0.0], [2.0, 0.0]])
    >>> mu.tolist(), cov.tolist()
    ([1.0, 0.0], [[2.0, 0.0], [0.0, 0.0]])
    """
    arr = _features("x", x)
    return arr.mean(0), np.atleast_2d(np.cov(arr, rowvar=False))


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(x: Any, y: Any) -> float:
    """Fréchet distance (squared, as FID is reported) between Gaussians fitted to ``x`` and ``y``.

    Computed through symmetric eigendecompositions (no complex square roots): with
    :math:`S = \\Sigma_1^{1/2}`, the trace term is the sum of the square roots of the eigenvalues of
    the symmetric matrix :math:`S \\Sigma_2 S`.

    Parameters
    ----------
    x, y : array, shape (N, D) and (M, D)
        Feature vectors, e.g. from :func:`qgan_helpers.metrics.features.features`.

    Returns
    -------
    float
        0 for identical sets; never negative.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(500, 2))
    >>> round(frechet_distance(a, a), 6)
    0.0
    >>> round(frechet_distance(a, a + [3.0, 0.0]), 6)  # a shift by 3 costs 3**2
    9.0
    """
    fx, fy = _features("x", x), _features("y", y)
    if fx.shape[1] != fy.shape[1]:
        raise ValueError(f"y: expected feature vectors of dimension {fx.shape[1]} like x, got {fy.shape[1]}")
    mu1, s1 = gaussian_stats(fx)
    mu2, s2 = gaussian_stats(fy)
    root = _psd_sqrt(s1)
    inner = root @ s2 @ root
    trace_sqrt = float(np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0.0, None)).sum())
    value = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt)
    return max(value, 0.0)
