"""What the generators share: their noise, the patch geometry, and the checks of noise and labels.

Every generator module (:mod:`.patch`, :mod:`.conditional`, :mod:`.classical`, :mod:`.hybrid`) checks
its noise with :func:`_check_noise`; the patch generators, quantum and classical, draw their angles
from :data:`NOISE_RANGE` and paste their patches into images with :func:`_stitch`. One module, so
that every generator gives the same messages and the same noise.

Examples
--------
>>> _stitch(torch.arange(8.0).reshape(2, 1, 4), 6).tolist()   # patches (G=2, B=1, P=4) -> images (B, 6)
[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation

__all__ = ["NOISE_RANGE"]

NOISE_RANGE: tuple[float, float] = (0.0, math.pi / 2)
"""The quantum generators' noise distribution: each angle uniform in ``[0, pi/2)`` (as in Huang et al.)."""


def _bool_arg(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise validation.ArgumentTypeError(f"{name}: expected True or False, got {value!r} of type {type(value).__name__}")
    return bool(value)


def _patch_size(n_qubits: int, n_ancillas: int, n_generators: int, n_pixels: int) -> int:
    """Check the patch geometry shared by the patch generators; return the patch size ``2**(n - a)``."""
    if n_ancillas >= n_qubits:
        raise ValueError(
            f"n_ancillas: expected fewer ancillas than qubits (at most {n_qubits - 1} for "
            f"n_qubits={n_qubits}), got {n_ancillas}"
        )
    size = 2 ** (n_qubits - n_ancillas)
    covered = n_generators * size
    if covered < n_pixels:
        raise ValueError(
            f"n_pixels: expected at most n_generators * 2**(n_qubits - n_ancillas) = {n_generators} * "
            f"{size} = {covered} pixels, got {n_pixels}; add sub-generators or data qubits"
        )
    return size


def _sample_angles(n: int, latent_dim: int, generator: torch.Generator | None) -> torch.Tensor:
    """``n`` noise vectors with every angle uniform in :data:`NOISE_RANGE`; shape (n, latent_dim)."""
    n = validation.positive_int("n", n)
    lo, hi = NOISE_RANGE
    return lo + (hi - lo) * torch.rand(n, latent_dim, generator=generator)


def _stitch(pix: torch.Tensor, n_pixels: int) -> torch.Tensor:
    """Patches (G, B, P) -> images (B, n_pixels): patch ``g`` fills pixels ``g*P .. (g+1)*P - 1``, then crop."""
    g, b, p = pix.shape
    return pix.permute(1, 0, 2).reshape(b, g * p)[:, :n_pixels]


def _check_noise(noise: Any, latent_dim: int, meaning: str = "one angle per qubit, n_qubits") -> torch.Tensor:
    if not isinstance(noise, torch.Tensor):
        raise validation.ArgumentTypeError(f"noise: expected a torch.Tensor of shape (B, {latent_dim}), got {type(noise).__name__}")
    if noise.ndim != 2 or noise.shape[1] != latent_dim or noise.shape[0] < 1:
        raise ValueError(
            f"noise: expected shape (B, {latent_dim}) with B >= 1 ({meaning} = {latent_dim}), "
            f"got {tuple(noise.shape)}"
        )
    if not noise.dtype.is_floating_point:
        raise validation.ArgumentTypeError(f"noise: expected a floating-point tensor, got dtype {noise.dtype}")
    if not bool(torch.isfinite(noise).all()):
        raise ValueError("noise: expected finite values, got NaN or infinity")
    return noise


def _check_labels(labels: Any, batch: int, n_classes: int) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor):
        raise validation.ArgumentTypeError(f"labels: expected an integer torch.Tensor of shape ({batch},), got {type(labels).__name__}")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool or labels.is_complex():
        raise validation.ArgumentTypeError(f"labels: expected an integer tensor, got dtype {labels.dtype}")
    if tuple(labels.shape) != (batch,):
        raise ValueError(f"labels: expected shape ({batch},) (one label per noise row), got {tuple(labels.shape)}")
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= n_classes:
        raise ValueError(f"labels: expected class labels in 0..{n_classes - 1}, got values from {lo} to {hi}")
    return labels.long()


def _count_trainable(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))
