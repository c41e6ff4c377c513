"""The 8x8 handwritten digits bundled with scikit-learn: the data every chapter can rely on.

:func:`sklearn.datasets.load_digits` holds 1797 real handwritten digits, 8x8 pixels, grey levels
``0..16``, and needs no download. :func:`load_digits_tensors` returns them as float tensors in
``[0, 1]`` (all of them, or the training or held-out half of :mod:`qgan_helpers.data.split`),
:func:`digits_dataloader` batches them, and :func:`digits_fallback` upsamples them to 28x28 as the
honest stand-in of a larger data set whose files are missing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from qgan_helpers.data._checks import check_classes, check_split
from qgan_helpers.data.images import make_dataloader, upsample
from qgan_helpers.data.split import selection_mask

__all__ = ["DIGITS_FALLBACK_SOURCE", "load_digits_tensors", "digits_dataloader", "digits_fallback"]

DIGITS_FALLBACK_SOURCE = "8x8 digits upsampled to 28x28 (offline fallback, not {name})"
"""Template of :attr:`ImageData.source` when a loader fell back to the bundled digits."""


@lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)  # grey levels 0..16 -> [0, 1]
    labels = bunch.target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_digits_tensors(digits: Any = None, *, split: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The bundled 8x8 handwritten digits as torch tensors.

    Parameters
    ----------
    digits : None, int or iterable of int, optional
        Which classes to keep: ``None`` (all ten), one digit such as ``3``, or several such as ``[0, 1]``.
    split : {None, "train", "heldout", "test"}, optional
        ``None`` returns all 1797 images. ``"heldout"`` (alias ``"test"``) returns the held-out half
        of each class (896 images, 89 zeros), ``"train"`` the other half (901 images, 89 zeros); the
        two never overlap (see :func:`~qgan_helpers.data.split.heldout_mask`). Generators train on
        ``"train"``; every score is computed against ``"heldout"``.

    Returns
    -------
    images : torch.Tensor, shape (N, 8, 8), float32
        Grey levels ``0..16`` divided by 16, so values lie in ``[0, 1]``.
    labels : torch.Tensor, shape (N,), int64
        The digit shown by each image. Images keep the data set's order.

    Raises
    ------
    ValueError
        If ``digits`` holds anything other than ints in ``0..9``, is empty, or ``split`` is unknown.

    Examples
    --------
    >>> images, labels = load_digits_tensors()
    >>> tuple(images.shape), images.dtype, float(images.max())
    ((1797, 8, 8), torch.float32, 1.0)
    >>> images, labels = load_digits_tensors([0, 1])
    >>> sorted(set(labels.tolist()))
    [0, 1]
    """
    selected = check_classes("digits", digits)
    split = check_split(split)
    images, labels = _digits_arrays()
    keep = selection_mask(labels, selected, split)
    return torch.tensor(images[keep]), torch.tensor(labels[keep])


def digits_dataloader(
    digits: Any = None,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int = 0,
    drop_last: bool = True,
    flatten: bool = False,
    *,
    split: str | None = None,
) -> DataLoader:
    """A seeded DataLoader over the 8x8 digits: :func:`load_digits_tensors` + :func:`make_dataloader`.

    Yields ``(images, labels)`` with images of shape ``(batch_size, 8, 8)`` (or ``(batch_size, 64)``
    with ``flatten=True``), values in ``[0, 1]``.

    Examples
    --------
    >>> loader = digits_dataloader(digits=[0, 1], batch_size=16, seed=1)
    >>> x, y = next(iter(loader))
    >>> tuple(x.shape), set(y.tolist()) <= {0, 1}
    ((16, 8, 8), True)
    """
    images, labels = load_digits_tensors(digits, split=split)
    return make_dataloader(
        images, labels, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last, flatten=flatten
    )


def digits_fallback(
    classes: tuple[int, ...] | None, train: bool, limit: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The stand-in of a missing 28x28 data set: the 8x8 digits of one half, upsampled to 28x28.

    Parameters
    ----------
    classes : tuple of int or None
        Classes to keep, already checked (``None``: all).
    train : bool
        The training half (``True``) or the held-out half.
    limit : int or None
        Keep only the first ``limit`` images.

    Returns
    -------
    images : torch.Tensor, shape (N, 28, 28), float32
    labels : torch.Tensor, shape (N,), int64

    Examples
    --------
    >>> images, labels = digits_fallback((0,), train=True, limit=5)
    >>> tuple(images.shape), labels.tolist()
    ((5, 28, 28), [0, 0, 0, 0, 0])
    """
    images, labels = load_digits_tensors(classes, split="train" if train else "heldout")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return upsample(images, 28), labels
