"""CIFAR-10 in grayscale, read from torchvision's python-pickle files, with the same honest fallback.

``torchvision.datasets.CIFAR10`` downloads CIFAR-10 as pickled batches under
``root/cifar-10-batches-py/``. :func:`load_cifar10_gray` reads them with :mod:`pickle` directly
(torchvision's class would insist on its MD5 checksums), :func:`cifar10_gray` turns the colour rows
into grey images (luma, :data:`LUMA_WEIGHTS`) resized to MNIST's 28x28, and when a file is missing
the bundled 8x8 digits upsampled to 28x28 stand in, named as such.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgan_helpers import validation
from qgan_helpers.data._checks import check_classes, one_line
from qgan_helpers.data.digits import DIGITS_FALLBACK_SOURCE, digits_fallback
from qgan_helpers.data.images import ImageData, upsample

__all__ = ["CIFAR10_DIR", "CIFAR10_TRAIN_FILES", "CIFAR10_TEST_FILES", "LUMA_WEIGHTS", "cifar10_gray", "load_cifar10_gray"]

CIFAR10_DIR = "cifar-10-batches-py"
"""Folder under ``root`` that holds CIFAR-10 (what ``torchvision.datasets.CIFAR10`` downloads and unpacks)."""

CIFAR10_TRAIN_FILES: tuple[str, ...] = tuple(f"data_batch_{i}" for i in range(1, 6))
"""The five pickled training batches (10000 images each)."""

CIFAR10_TEST_FILES: tuple[str, ...] = ("test_batch",)
"""The pickled test batch (10000 images)."""

LUMA_WEIGHTS: tuple[float, float, float] = (0.299, 0.587, 0.114)
"""ITU-R 601-2 luma weights of (R, G, B): what ``torchvision.transforms.Grayscale`` and PIL's ``convert("L")`` use."""


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import pickle

    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="latin1")
    except Exception as error:  # truncated file, not a pickle ...
        raise ValueError(f"root: {str(path)!r} is not a readable CIFAR-10 batch ({one_line(error)})") from None
    if not isinstance(batch, dict) or "data" not in batch or not ("labels" in batch or "fine_labels" in batch):
        raise ValueError(f"root: {str(path)!r} is not a CIFAR-10 batch (expected a dict with 'data' and 'labels')")
    data = np.asarray(batch["data"], dtype=np.uint8)
    labels = np.asarray(batch.get("labels", batch.get("fine_labels")), dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or labels.shape != (data.shape[0],):
        raise ValueError(
            f"root: {str(path)!r} has data of shape {data.shape} and {labels.shape[0]} labels; "
            "expected (N, 3072) uint8 rows (1024 red, 1024 green, 1024 blue values) and N labels"
        )
    return data, labels


def cifar10_gray(data: np.ndarray, size: int | None = 28) -> torch.Tensor:
    """CIFAR-10 rows -> grayscale images in ``[0, 1]``, optionally resized.

    Parameters
    ----------
    data : numpy.ndarray of uint8, shape (N, 3072)
        CIFAR-10's layout: per image 1024 red, then 1024 green, then 1024 blue values (32x32, row-major).
    size : int or None
        Output side (28 by default, the MNIST size the hybrid QGAN's CNN expects; resized with
        :func:`~qgan_helpers.data.images.upsample`, bilinear with anti-aliasing); ``None`` keeps 32x32.

    Returns
    -------
    torch.Tensor, shape (N, size, size), float32
        Luma ``0.299 R + 0.587 G + 0.114 B`` (:data:`LUMA_WEIGHTS`) divided by 255.

    Examples
    --------
    >>> row = np.zeros((1, 3072), dtype=np.uint8); row[0, :1024] = 255   # pure red
    >>> round(float(cifar10_gray(row, size=None)[0, 0, 0]), 3)
    0.299
    """
    arr = np.asarray(data)
    if arr.ndim != 2 or arr.shape[1] != 3072:
        raise ValueError(f"data: expected CIFAR-10 rows of shape (N, 3072), got {arr.shape}")
    rgb = arr.reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    gray = np.tensordot(np.asarray(LUMA_WEIGHTS, dtype=np.float32), rgb, axes=([0], [1]))  # (N, 32, 32)
    images = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32)).clamp(0.0, 1.0)
    if size is None or size == 32:
        return images
    return upsample(images, validation.positive_int("size", size)).clamp(0.0, 1.0)


def load_cifar10_gray(
    root: str | os.PathLike = "data",
    train: bool = True,
    fallback: bool = True,
    *,
    classes: Any = None,
    limit: int | None = None,
    size: int | None = 28,
) -> ImageData:
    """CIFAR-10 in grayscale, read from torchvision's python-pickle files, with an honest fallback.

    Reads ``root/cifar-10-batches-py/data_batch_1 .. data_batch_5`` (``train=True``) or
    ``test_batch`` (the layout ``torchvision.datasets.CIFAR10`` downloads) with :mod:`pickle`
    directly -- torchvision's class would insist on its MD5 checksums -- converts each image to
    grayscale (luma, :data:`LUMA_WEIGHTS`) and resizes it from 32x32 to ``size`` x ``size``
    (28 by default, so the seed's CNN discriminator and the hybrid generator's 784 pixels fit
    unchanged; ``size=None`` keeps 32x32). Nothing is ever downloaded.

    When a file is missing, ONE line says so and the bundled 8x8 digits upsampled to 28x28 are
    returned with ``source = "8x8 digits upsampled to 28x28 (offline fallback, not CIFAR-10)"``
    (``fallback=False`` raises :class:`FileNotFoundError` instead).

    Parameters
    ----------
    root : str or path-like
        Directory that holds ``cifar-10-batches-py/``.
    train : bool
        The 50000 training images or the 10000 test images.
    fallback : bool
    classes : None, int or iterable of int in 0..9, optional
        Keep only these labels (airplane = 0, ..., truck = 9; for the fallback: digits).
    limit : int, optional
        Keep only the first ``limit`` images (after class selection).
    size : int or None
        Side of the returned images.

    Returns
    -------
    ImageData
        ``images`` (N, size, size) float32 in ``[0, 1]``, ``labels`` (N,) int64, ``source``
        ``"CIFAR-10 (grayscale, 28x28)"`` or the fallback's.

    Raises
    ------
    FileNotFoundError
        Files missing and ``fallback=False``.
    ValueError
        A file that is not a CIFAR-10 batch, bad ``classes``, ``limit`` or ``size``.

    Examples
    --------
    >>> data = load_cifar10_gray(root="/nonexistent")  # doctest: +ELLIPSIS
    load_cifar10_gray: CIFAR-10 not found: ...
    >>> data.source, data.fallback
    ('8x8 digits upsampled to 28x28 (offline fallback, not CIFAR-10)', True)
    """
    selected = check_classes("classes", classes)
    if limit is not None:
        limit = validation.positive_int("limit", limit)
    if size is not None:
        size = validation.positive_int("size", size)
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root: expected a directory path (str or path-like), got {type(root).__name__}")
    folder = Path(root) / CIFAR10_DIR
    names = CIFAR10_TRAIN_FILES if train else CIFAR10_TEST_FILES
    missing = [folder / n for n in names if not (folder / n).is_file()]
    if not missing:
        return _read_gray(folder, names, selected, limit, size)
    message = f"CIFAR-10 not found: missing {', '.join(f.name for f in missing)} in {folder}"
    if not fallback:
        raise FileNotFoundError(
            f"load_cifar10_gray: {message}; put torchvision's cifar-10-batches-py folder there (torchvision's "
            "CIFAR10(root, download=True) makes it, with internet)"
        )
    source = DIGITS_FALLBACK_SOURCE.format(name="CIFAR-10")
    images, labels = digits_fallback(selected, train, limit)
    print(f"load_cifar10_gray: {message}; falling back to {source}, {len(labels)} {'train' if train else 'test'} images")
    return ImageData(images, labels, source=source, fallback=True)


def _read_gray(
    folder: Path, names: tuple[str, ...], selected: tuple[int, ...] | None, limit: int | None, size: int | None
) -> ImageData:
    """The batches ``names`` of ``folder``, classes ``selected``, first ``limit`` images, in grey at ``size``."""
    parts = [_read_cifar_batch(folder / n) for n in names]
    data = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if selected is not None:
        keep = np.isin(labels, selected)
        data, labels = data[keep], labels[keep]
    if limit is not None:
        data, labels = data[:limit], labels[:limit]
    side = 32 if size is None else size
    if len(labels) == 0:
        images = torch.zeros(0, side, side)
    else:
        images = cifar10_gray(data, size)
    return ImageData(images, torch.from_numpy(labels.copy()), source=f"CIFAR-10 (grayscale, {side}x{side})")
