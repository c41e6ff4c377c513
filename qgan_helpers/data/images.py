"""Images with labels, whatever their source: :class:`ImageData`, seeded dataloaders and resizing.

Every loader of :mod:`qgan_helpers.data` hands back images of one form -- ``float32`` torch tensors
of shape ``(N, H, W)`` in ``[0, 1]`` with ``int64`` labels of shape ``(N,)`` -- and the tools here
work on that form alone: :class:`ImageData` (images, labels and an honest name of their source),
:func:`make_dataloader` (a reproducible :class:`~torch.utils.data.DataLoader`) and :func:`upsample`
(resizing, e.g. the 8x8 digits to MNIST's 28x28).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from qgan_helpers import validation
from qgan_helpers.data._checks import check_size, describe

__all__ = ["ImageData", "make_dataloader", "upsample"]


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
    >>> from qgan_helpers.data import load_digits_tensors
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
    >>> from qgan_helpers.data import load_digits_tensors
    >>> images, labels = load_digits_tensors(0)
    >>> x, y = next(iter(make_dataloader(images, labels, batch_size=4, flatten=True)))
    >>> tuple(x.shape), tuple(y.shape)
    ((4, 64), (4,))
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 3:
        raise ValueError(f"images: expected a torch tensor of shape (N, H, W), got {describe(images)}")
    if not isinstance(labels, torch.Tensor) or labels.shape != images.shape[:1]:
        raise ValueError(
            f"labels: expected a torch tensor of shape ({images.shape[0]},) matching images, got {describe(labels)}"
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
    >>> from qgan_helpers.data import load_digits_tensors
    >>> images, _ = load_digits_tensors(0)
    >>> tuple(upsample(images, 28).shape)
    (178, 28, 28)
    """
    h, w = check_size(size)
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
