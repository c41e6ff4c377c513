"""Latent noise and sampling from a generator.

* :func:`sample_noise` -- the latent distributions (:data:`NOISE_KINDS`) every trainer draws from;
* :func:`generate` -- images from a trained generator with a fixed seed (no gradients, eval mode);
* the small checks both need and the training loop shares: that an argument is a torch module
  (:func:`check_module`), the generator's latent dimension (:func:`latent_dim_of`), whether it is
  conditional (:func:`is_conditional`), and one generator call with its output shape checked
  (:func:`call_generator`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation

__all__ = [
    "NOISE_KINDS",
    "sample_noise",
    "noise_function",
    "generate",
    "check_module",
    "latent_dim_of",
    "is_conditional",
    "call_generator",
]

NOISE_KINDS = ("auto", "angle", "uniform", "normal")
"""Latent distributions: ``"auto"`` = the generator's own ``sample_noise(n, generator)`` method if it
has one (the quantum generators: angles uniform on ``[0, pi/2)``; the classical one: standard
normal), else ``"angle"``; ``"angle"`` = uniform on ``[0, pi/2)`` (the patch QGAN's rotation angles),
``"uniform"`` = uniform on ``[0, 1)``, ``"normal"`` = standard normal."""


def check_module(name: str, m: Any) -> nn.Module:
    if not isinstance(m, nn.Module):
        raise TypeError(f"{name}: expected a torch.nn.Module, got {type(m).__name__}")
    return m


def latent_dim_of(generator: nn.Module, latent_dim: int | None) -> int:
    if latent_dim is not None:
        return validation.positive_int("latent_dim", latent_dim)
    for attr in ("latent_dim", "n_qubits"):
        value = getattr(generator, attr, None)
        if validation.is_int(value) and value > 0:
            return int(value)
    raise ValueError(
        f"latent_dim: the generator ({type(generator).__name__}) has no latent_dim or n_qubits attribute; pass latent_dim="
    )


def sample_noise(
    n: int,
    latent_dim: int,
    kind: str = "angle",
    generator: torch.Generator | None = None,
    model: nn.Module | None = None,
) -> torch.Tensor:
    """Latent noise of shape ``(n, latent_dim)``.

    Parameters
    ----------
    n, latent_dim : int
    kind : {"auto", "angle", "uniform", "normal"}
        ``"auto"`` = ``model.sample_noise(n, generator)`` if ``model`` has that method, else ``"angle"``;
        ``"angle"`` = uniform on ``[0, pi/2)`` (as in Huang et al. and the PennyLane demo),
        ``"uniform"`` = uniform on ``[0, 1)``, ``"normal"`` = standard normal.
    generator : torch.Generator, optional
        Random source (the global one if omitted).
    model : torch.nn.Module, optional
        The generator model, for ``kind="auto"``.

    Examples
    --------
    >>> z = sample_noise(4, 5, generator=torch.Generator().manual_seed(0))
    >>> tuple(z.shape), bool((z >= 0).all() and (z < math.pi / 2).all())
    ((4, 5), True)
    """
    n = validation.positive_int("n", n)
    latent_dim = validation.positive_int("latent_dim", latent_dim)
    if kind == "auto":
        if model is not None and callable(getattr(model, "sample_noise", None)):
            z = model.sample_noise(n, generator)
            if not isinstance(z, torch.Tensor) or tuple(z.shape) != (n, latent_dim):
                raise ValueError(f"noise: model.sample_noise returned {getattr(z, 'shape', z)!r}, expected ({n}, {latent_dim})")
            return z
        kind = "angle"
    if kind == "angle":
        return torch.rand(n, latent_dim, generator=generator) * (math.pi / 2)
    if kind == "uniform":
        return torch.rand(n, latent_dim, generator=generator)
    if kind == "normal":
        return torch.randn(n, latent_dim, generator=generator)
    raise ValueError(f"noise: expected one of {list(NOISE_KINDS)}, got {kind!r}")


def noise_function(
    noise: str | Callable[[int, torch.Generator], torch.Tensor], generator: nn.Module, latent_dim: int | None
) -> tuple[Callable[[int, torch.Generator], torch.Tensor], int | None, str]:
    """The noise a training loop draws: ``(noise(n, torch_generator), latent_dim, name)``.

    A callable ``noise`` is used as it is (``latent_dim`` passed through unchecked, the name is its
    ``__qualname__``); a kind of :data:`NOISE_KINDS` becomes :func:`sample_noise` of that kind with the
    generator's latent dimension (:func:`latent_dim_of`).

    Examples
    --------
    >>> fn, dim, name = noise_function("uniform", torch.nn.Linear(3, 64), 3)
    >>> tuple(fn(2, torch.Generator().manual_seed(0)).shape), dim, name
    ((2, 3), 3, 'uniform')
    """
    if callable(noise):
        return noise, latent_dim, getattr(noise, "__qualname__", "callable")
    if noise not in NOISE_KINDS:
        raise ValueError(f"noise: expected one of {list(NOISE_KINDS)} or a callable, got {noise!r}")
    dim = latent_dim_of(generator, latent_dim)
    return (lambda n, rng: sample_noise(n, dim, noise, generator=rng, model=generator)), dim, noise


def _square_shape(n_pixels: int) -> tuple[int, ...]:
    side = math.isqrt(n_pixels)
    return (side, side) if side * side == n_pixels else (n_pixels,)


def is_conditional(generator: nn.Module) -> bool:
    return bool(getattr(generator, "n_classes", 0) or 0) > 0


def call_generator(generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    out = generator(z) if labels is None else generator(z, labels)
    if not isinstance(out, torch.Tensor) or out.ndim < 2 or out.shape[0] != z.shape[0]:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"generator: expected an output of shape ({z.shape[0]}, n_pixels), got {shape}")
    return out.reshape(out.shape[0], -1)


@torch.no_grad()
def generate(
    generator: nn.Module,
    n: int,
    *,
    seed: int = 0,
    labels: Any = None,
    noise: str = "auto",
    latent_dim: int | None = None,
    image_shape: Sequence[int] | None = None,
    batch_size: int = 512,
) -> torch.Tensor:
    """Draw ``n`` images from a generator with a fixed seed (no gradients, eval mode).

    Parameters
    ----------
    generator : torch.nn.Module
    n : int
        Number of images.
    seed : int
        Seed of the noise: the same seed gives the same images.
    labels : int or array of int with shape (n,), optional
        Required for a conditional generator (one int = the same class for all images).
    noise : {"auto", "angle", "uniform", "normal"}
        The latent distribution the generator was trained with.
    latent_dim : int, optional
        Defaults to ``generator.latent_dim`` or ``generator.n_qubits``.
    image_shape : sequence of int, optional
        Shape of one image; defaults to a square (8x8 for 64 pixels).
    batch_size : int
        Images per generator call.

    Returns
    -------
    torch.Tensor, shape (n, *image_shape), float32, values in [0, 1]

    Examples
    --------
    >>> g = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.Sigmoid())
    >>> tuple(generate(g, 3, latent_dim=5).shape)
    (3, 8, 8)
    """
    check_module("generator", generator)
    n = validation.positive_int("n", n)
    seed = validation.seed(seed)
    dim = latent_dim_of(generator, latent_dim)
    conditional = is_conditional(generator)
    lab = None
    if conditional:
        if labels is None:
            raise ValueError("labels: the generator is conditional; expected a class or an array of n classes")
        lab = torch.as_tensor(np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels))
        if lab.ndim == 0:
            lab = lab.repeat(n)
        n_classes = int(generator.n_classes)
        if lab.shape != (n,) or lab.dtype.is_floating_point or int(lab.min()) < 0 or int(lab.max()) >= n_classes:
            raise ValueError(f"labels: expected one class or {n} classes, integers in 0..{n_classes - 1}, got {labels!r}")
        lab = lab.long()
    elif labels is not None:
        raise ValueError("labels: the generator is unconditional; expected labels=None")
    rng = torch.Generator().manual_seed(int(seed))
    z = sample_noise(n, dim, noise, generator=rng, model=generator)
    was_training = generator.training
    generator.eval()
    try:
        chunks = []
        for start in range(0, n, validation.positive_int("batch_size", batch_size)):
            sl = slice(start, start + batch_size)
            chunks.append(call_generator(generator, z[sl], None if lab is None else lab[sl]).float())
        out = torch.cat(chunks)
    finally:
        generator.train(was_training)
    shape = tuple(image_shape) if image_shape is not None else _square_shape(out.shape[1])
    if math.prod(shape) != out.shape[1]:
        raise ValueError(f"image_shape: expected {out.shape[1]} pixels in total, got {shape}")
    return out.reshape(n, *shape)
