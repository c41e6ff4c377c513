"""The arguments of :func:`~qgan_helpers.training.train_gan`, checked once into a :class:`TrainOptions`.

``train_gan`` takes some twenty keyword arguments. :func:`check_options` checks them all, always in
the same order (so the same mistake raises the same error), turns ``real_data`` into flat tensors,
picks the noise function and the learning-rate schedule, and returns one frozen
:class:`TrainOptions` that the rest of the loop reads. :meth:`TrainOptions.settings` is what
:attr:`~qgan_helpers.training.History.settings` records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.sampling import check_module, is_conditional, noise_function
from qgan_helpers.training.history import Callback, check_callbacks
from qgan_helpers.training.jsonable import to_plain
from qgan_helpers.training.losses import check_loss_options

__all__ = ["TrainOptions", "check_options", "lr_factor", "real_tensors"]

NoiseFn = Callable[[int, torch.Generator], torch.Tensor]


@dataclass(frozen=True)
class TrainOptions:
    """Everything :func:`~qgan_helpers.training.train_gan` was asked to do, checked.

    Attributes
    ----------
    images : torch.Tensor, shape (N, n_pixels), float32
        The real images, flattened.
    labels : torch.Tensor of shape (N,), int64, or None
        Their classes (conditional training only).
    noise : callable
        ``noise(n, torch_generator) -> (n, latent_dim)``.
    noise_name, latent_dim
        What the history records of the noise (``latent_dim`` as given for a callable ``noise``).
    lr_lambda : callable
        ``step -> factor`` of both learning rates (see :func:`lr_factor`).

    The other attributes are ``train_gan``'s arguments of the same name, checked.
    """

    images: torch.Tensor
    labels: torch.Tensor | None
    steps: int
    batch_size: int
    lr_g: float
    lr_d: float
    betas: tuple[float, float]
    latent_dim: int | None
    noise: NoiseFn
    noise_name: str
    conditional: bool
    loss: str
    label_smoothing: float
    ema_decay: float | None
    lr_schedule: str
    lr_final_fraction: float
    lr_lambda: Callable[[int], float]
    d_steps: int
    r1_gamma: float
    gp_lambda: float
    aux_weight: float
    callbacks: Sequence[Callback]
    eval_fn: Callable[[nn.Module], Mapping[str, float]] | None
    eval_every: int
    seed: int
    progress: bool
    desc: str

    def settings(self, generator: nn.Module, discriminator: nn.Module) -> dict[str, Any]:
        """The hyperparameters of the run as plain values (:attr:`History.settings`)."""
        return to_plain(
            dict(
                steps=self.steps, batch_size=self.batch_size, lr_g=self.lr_g, lr_d=self.lr_d, betas=list(self.betas),
                latent_dim=self.latent_dim, noise=self.noise_name, conditional=self.conditional, loss=self.loss,
                label_smoothing=self.label_smoothing, ema_decay=self.ema_decay, lr_schedule=self.lr_schedule,
                lr_final_fraction=self.lr_final_fraction, d_steps=self.d_steps, r1_gamma=self.r1_gamma,
                gp_lambda=self.gp_lambda, aux_weight=self.aux_weight, eval_every=self.eval_every, seed=self.seed,
                generator=type(generator).__name__, discriminator=type(discriminator).__name__,
                torch_threads=torch.get_num_threads(),
            )
        )


def lr_factor(schedule: str, steps: int, final_fraction: float) -> Callable[[int], float]:
    """The learning-rate schedule as ``step -> factor``: constant, or a linear or cosine decay to ``final_fraction``.

    Examples
    --------
    >>> f = lr_factor("cosine", 100, 0.1)
    >>> f(0), round(f(50), 3), round(f(100), 3)
    (1.0, 0.55, 0.1)
    """
    if schedule == "constant":
        return lambda i: 1.0
    if schedule == "linear":
        return lambda i: 1.0 - (1.0 - final_fraction) * min(i, steps) / steps
    if schedule == "cosine":
        return lambda i: final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * min(i, steps) / steps))
    raise ValueError(f"lr_schedule: expected 'constant', 'linear' or 'cosine', got {schedule!r}")


def _array(values: Any) -> np.ndarray:
    return np.asarray(values.cpu() if isinstance(values, torch.Tensor) else values)


def real_tensors(real_data: Any, conditional: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``real_data`` (images, a pair ``(images, labels)`` or an object with ``.images`` and ``.labels``) as tensors.

    Returns
    -------
    (torch.Tensor of shape (N, n_pixels), float32; torch.Tensor of shape (N,), int64, or None)
        The labels only when ``conditional``.

    Examples
    --------
    >>> images, labels = real_tensors((torch.rand(5, 8, 8), [0, 1, 2, 3, 4]), conditional=True)
    >>> tuple(images.shape), labels.tolist()
    ((5, 64), [0, 1, 2, 3, 4])
    """
    labels = None
    if hasattr(real_data, "images") and hasattr(real_data, "labels"):
        images, labels = real_data.images, real_data.labels
    elif isinstance(real_data, (tuple, list)) and len(real_data) == 2:
        images, labels = real_data
    else:
        images = real_data
    try:
        images = torch.as_tensor(_array(images), dtype=torch.float32)
    except (TypeError, ValueError):
        raise TypeError(f"real_data: expected images (N, ...) or a pair (images, labels), got {type(real_data).__name__}") from None
    if images.ndim < 2 or images.shape[0] < 1:
        raise ValueError(f"real_data: expected images of shape (N, ...) with N >= 1, got {tuple(images.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError("real_data: expected finite pixel values, got NaN or infinity")
    images = images.reshape(images.shape[0], -1)
    if not conditional:
        return images, None
    if labels is None:
        raise ValueError("real_data: conditional=True needs a pair (images, labels)")
    labels = torch.as_tensor(_array(labels))
    if labels.shape != (images.shape[0],) or labels.dtype.is_floating_point:
        raise ValueError(f"real_data: expected integer labels of shape ({images.shape[0]},), got {tuple(labels.shape)} {labels.dtype}")
    return images, labels.long()


def _check_class_head(discriminator: nn.Module, images: torch.Tensor, conditional: bool, aux_weight: float) -> None:
    """``aux_weight > 0`` needs a conditional run and ``discriminator.class_logits(x) -> (B, n_classes)``."""
    problem = "" if conditional else "conditional=False"
    if not problem:
        try:
            with torch.no_grad():
                out = discriminator.class_logits(images[:2])
            if not (isinstance(out, torch.Tensor) and out.ndim == 2 and out.shape[0] == min(2, len(images))):
                problem = f"class_logits returned {getattr(out, 'shape', type(out).__name__)}"
        except Exception as e:  # noqa: BLE001 - any failure of the probe means the head is missing or broken
            problem = f"{type(discriminator).__name__}.class_logits failed: {e}"
    if problem:
        raise ValueError(
            "aux_weight: an auxiliary classifier loss needs conditional=True and a discriminator with "
            "class_logits(x) -> (B, n_classes) (e.g. MLPDiscriminator(aux_classifier=True)); "
            f"got aux_weight={aux_weight!r} with {problem}"
        )


def check_options(
    generator: nn.Module,
    discriminator: nn.Module,
    real_data: Any,
    *,
    steps: int,
    batch_size: int,
    lr_g: float,
    lr_d: float,
    betas: tuple[float, float],
    latent_dim: int | None,
    noise: str | NoiseFn,
    conditional: bool,
    loss: str,
    label_smoothing: float,
    ema_decay: float | None,
    lr_schedule: str,
    lr_final_fraction: float,
    d_steps: int,
    r1_gamma: float,
    gp_lambda: float,
    aux_weight: float,
    callbacks: Sequence[Callback],
    eval_fn: Callable[[nn.Module], Mapping[str, float]] | None,
    eval_every: int,
    seed: int,
    progress: bool,
    desc: str,
) -> TrainOptions:
    """Check :func:`~qgan_helpers.training.train_gan`'s arguments (same names, same meaning) in a fixed order.

    Raises
    ------
    TypeError, ValueError
        The first bad argument, named at the start of the message (counts and numbers through
        :mod:`qgan_helpers.validation`).

    Examples
    --------
    >>> g = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.Sigmoid())
    >>> from qgan_helpers.models.discriminators import MLPDiscriminator
    >>> o = check_options(g, MLPDiscriminator(), torch.rand(40, 8, 8), steps=3, batch_size=8, lr_g=0.01, lr_d=0.001,
    ...                   betas=(0.5, 0.999), latent_dim=5, noise="normal", conditional=False, loss="minimax",
    ...                   label_smoothing=0.0, ema_decay=None, lr_schedule="constant", lr_final_fraction=0.1,
    ...                   d_steps=1, r1_gamma=0.0, gp_lambda=10.0, aux_weight=0.0, callbacks=(), eval_fn=None, eval_every=10,
    ...                   seed=0, progress=False, desc="")
    >>> tuple(o.images.shape), o.latent_dim, o.noise_name
    ((40, 64), 5, 'normal')
    """
    check_module("generator", generator)
    check_module("discriminator", discriminator)
    steps = validation.positive_int("steps", steps)
    batch_size = validation.positive_int("batch_size", batch_size)
    lr_g = validation.positive_number("lr_g", lr_g)
    lr_d = validation.positive_number("lr_d", lr_d)
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise ValueError(f"betas: expected a pair of numbers in [0, 1), got {betas!r}")
    betas = tuple(validation.number("betas", b, 0, 1, high_open=True) for b in betas)
    label_smoothing = validation.number("label_smoothing", label_smoothing, 0, 1, high_open=True)
    loss, gp_lambda, r1_gamma = check_loss_options(loss, gp_lambda, r1_gamma, label_smoothing)
    if ema_decay is not None:
        ema_decay = validation.number("ema_decay", ema_decay, 0, 1, high_open=True)
    lr_final_fraction = validation.number("lr_final_fraction", lr_final_fraction, 0, 1)
    lr_lambda = lr_factor(lr_schedule, steps, lr_final_fraction)
    d_steps = validation.positive_int("d_steps", d_steps)
    eval_every = validation.positive_int("eval_every", eval_every)
    seed = validation.seed(seed)
    check_callbacks(callbacks)
    if eval_fn is not None and not callable(eval_fn):
        raise TypeError(f"eval_fn: expected a callable eval_fn(generator) -> dict, got {type(eval_fn).__name__}")
    if conditional and not is_conditional(generator):
        raise ValueError("conditional: the generator has no n_classes attribute > 0; it cannot take labels")
    aux_weight = validation.number("aux_weight", aux_weight, 0)
    images, labels = real_tensors(real_data, bool(conditional))
    if aux_weight > 0:
        _check_class_head(discriminator, images, bool(conditional), aux_weight)
    if batch_size > images.shape[0]:
        raise ValueError(f"batch_size: expected at most {images.shape[0]} (the number of real images), got {batch_size}")
    noise_fn, dim, noise_name = noise_function(noise, generator, latent_dim)
    return TrainOptions(
        images=images, labels=labels, steps=steps, batch_size=batch_size, lr_g=lr_g, lr_d=lr_d, betas=betas,
        latent_dim=dim, noise=noise_fn, noise_name=noise_name, conditional=bool(conditional), loss=loss,
        label_smoothing=label_smoothing, ema_decay=ema_decay, lr_schedule=lr_schedule,
        lr_final_fraction=lr_final_fraction, lr_lambda=lr_lambda, d_steps=d_steps, r1_gamma=r1_gamma,
        gp_lambda=gp_lambda, aux_weight=float(aux_weight), callbacks=callbacks, eval_fn=eval_fn, eval_every=eval_every, seed=int(seed),
        progress=progress, desc=desc,
    )
