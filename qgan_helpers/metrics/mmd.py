"""MMD²: the squared maximum mean discrepancy between two sets of images, and its kernel width.

* :func:`mmd2` -- MMD² with a Gaussian (RBF) kernel: 0 when the two sets are identical, larger
  when they differ; differentiable on torch tensors (usable as a loss, as the Born machines do).
* :func:`median_heuristic` -- the usual kernel width: the median distance between two images.

The width decides what MMD² sees. A wide kernel (``sigma = 2`` on 8x8 digits in ``[0, 1]``, about
the median distance between two real zeros) compares the sets' averages more than their shapes: the
*mean zero repeated 178 times* -- one blurred image -- scores about 0.035 against the real zeros,
close to two halves of the real zeros (0.024). Narrow kernels see variety but are noisy. So the
course never reports MMD² alone: :mod:`qgan_helpers.metrics.suite` puts it beside measures that a
blur cannot pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["mmd2", "median_heuristic"]


def _as_2d(name: str, x: Any) -> torch.Tensor | np.ndarray:
    """Flatten ``x`` of shape (N, ...) to (N, D); keep torch tensors as torch, everything else as float64 NumPy."""
    if isinstance(x, torch.Tensor):
        arr: torch.Tensor | np.ndarray = x
    else:
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: expected an array or tensor of numbers with shape (N, ...), got {type(x).__name__}") from None
    if arr.ndim < 1:
        raise ValueError(f"{name}: expected shape (N, ...) with at least one sample, got a scalar")
    if arr.shape[0] < 1:
        raise ValueError(f"{name}: expected at least one sample, got shape {tuple(arr.shape)}")
    arr = arr.reshape(arr.shape[0], -1)
    finite = torch.isfinite(arr).all().item() if isinstance(arr, torch.Tensor) else np.isfinite(arr).all()
    if not finite:
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return arr


def _sigmas(sigma: float | Sequence[float]) -> list[float]:
    values = list(sigma) if isinstance(sigma, (list, tuple, np.ndarray)) else [sigma]
    if not values:
        raise ValueError("sigma: expected a positive number or a non-empty list of them, got an empty list")
    out = []
    for s in values:
        if isinstance(s, bool) or not isinstance(s, (int, float, np.integer, np.floating)) or not np.isfinite(s) or s <= 0:
            raise ValueError(f"sigma: expected positive kernel width(s), got {s!r}")
        out.append(float(s))
    return out


def median_heuristic(images: Any) -> float:
    """The median Euclidean distance between two different images of a set: the usual RBF width.

    Parameters
    ----------
    images : array or tensor, shape (N, ...), N >= 2
        Flattened per image.

    Returns
    -------
    float
        For the 8x8 zeros (pixels in ``[0, 1]``) about 1.8.

    Examples
    --------
    >>> median_heuristic(np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
    5.0
    """
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    x = np.asarray(_as_2d("images", images), dtype=np.float64)
    if x.shape[0] < 2:
        raise ValueError(f"images: expected at least 2 images to measure distances, got {x.shape[0]}")
    sq = (x**2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    iu = np.triu_indices(len(x), 1)
    width = float(np.sqrt(np.median(d2[iu])))
    if width <= 0:
        raise ValueError("images: all images are identical, so there is no distance to take a median of")
    return width


_BROADCAST_LIMIT = 2**24
"""Above this many numbers (``n * m * D``) squared distances use a matrix product, not a broadcast."""


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the rows of ``a`` (n, D) and ``b`` (m, D), shape (n, m).

    Small inputs broadcast the differences (exact); large ones (e.g. 2,500 MNIST images against
    2,500, which would need 36 GiB as a broadcast) use ``|a|^2 + |b|^2 - 2 a.b`` in float64,
    clipped at 0, which needs only the (n, m) result.
    """
    if a.shape[0] * b.shape[0] * a.shape[1] <= _BROADCAST_LIMIT:
        return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    sq = (a64**2).sum(1)[:, None] + (b64**2).sum(1)[None, :] - 2.0 * a64 @ b64.T
    return np.maximum(sq, 0.0)


def mmd2(x: Any, y: Any, sigma: float | str | Sequence[float] = 2.0) -> float | torch.Tensor:
    r"""Squared maximum mean discrepancy between samples ``x`` and ``y`` with an RBF kernel.

    .. math::

        \mathrm{MMD}^2 = \frac{1}{n^2}\sum_{i,j} k(x_i, x_j) + \frac{1}{m^2}\sum_{i,j} k(y_i, y_j)
                         - \frac{2}{nm}\sum_{i,j} k(x_i, y_j),
        \qquad k(a, b) = \exp\!\left(-\frac{\lVert a - b\rVert^2}{2\sigma^2}\right).

    This is the **biased** estimate (the V-statistic: the diagonal terms ``k(x_i, x_i) = 1`` are kept).
    It is never negative, it is exactly 0 when the two sets are the same, and it is the convention of
    the course's reference numbers: the first 89 of the 178 real zeros against the last 89 score
    0.024; uniform noise against the 178 zeros scores 0.68 (``sigma=2``, pixels in ``[0, 1]``).
    Being biased, it is slightly positive even for two samples of the same distribution (about
    ``(2 - 2 E k) / n``), so compare scores computed with the same sample sizes.

    Parameters
    ----------
    x : array or tensor, shape (n, ...)
        Samples; each is flattened (an 8x8 image becomes 64 numbers).
    y : array or tensor, shape (m, ...)
        Samples with the same number of values per sample as ``x``.
    sigma : float, sequence of float, or "median"
        Kernel width(s). A sequence uses the mean of the RBF kernels of these widths (a mixture),
        so ``[2.0]`` gives the same value as ``2.0``. ``"median"`` uses
        :func:`median_heuristic` of ``y`` (by convention the real images), so that every generator
        scored against the same real set gets the same width.

    Returns
    -------
    float or torch.Tensor
        A Python float for NumPy inputs; a 0-dim tensor (differentiable, usable as a loss) when
        ``x`` or ``y`` is a torch tensor.

    Examples
    --------
    >>> a = np.zeros((3, 2, 2)); b = np.ones((3, 2, 2))
    >>> mmd2(a, a)
    0.0
    >>> round(mmd2(a, b, sigma=1.0), 4)  # 1 + 1 - 2 exp(-4 / 2)
    1.7293
    """
    if isinstance(sigma, str):
        if sigma != "median":
            raise ValueError(f"sigma: expected a positive number, a list of them or 'median', got {sigma!r}")
        sigma = median_heuristic(y)
    sigmas = _sigmas(sigma)
    xs, ys = _as_2d("x", x), _as_2d("y", y)
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(
            f"y: expected samples with the same number of values as x ({xs.shape[1]}), got {ys.shape[1]}"
        )
    use_torch = isinstance(xs, torch.Tensor) or isinstance(ys, torch.Tensor)
    if use_torch:
        ref = xs if isinstance(xs, torch.Tensor) else ys
        dtype = torch.float64 if ref.dtype == torch.float64 else torch.float32
        xt = torch.as_tensor(xs, dtype=dtype, device=ref.device)
        yt = torch.as_tensor(ys, dtype=dtype, device=ref.device)

        def kmean(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
            return sum(torch.exp(-d2 / (2 * s * s)) for s in sigmas).mean() / len(sigmas)

        return kmean(xt, xt) + kmean(yt, yt) - 2 * kmean(xt, yt)

    def kmean_np(a: np.ndarray, b: np.ndarray) -> float:
        d2 = _squared_distances(a, b)
        return float(sum(np.exp(-d2 / (2 * s * s)) for s in sigmas).mean() / len(sigmas))

    value = kmean_np(xs, xs) + kmean_np(ys, ys) - 2 * kmean_np(xs, ys)
    return max(value, 0.0) if abs(value) < 1e-12 else value


