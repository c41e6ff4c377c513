"""One training loop for all the course's GANs, its history, callbacks and checkpoints.

* :func:`train_gan` -- the minimax game with the non-saturating generator loss (or the original
  minimax loss, or the Wasserstein loss with gradient penalty, ``loss="wgan-gp"``), a ``tqdm``
  progress bar (on stderr), a :class:`History` of losses per step and metrics at evaluation steps,
  optional stabilisers (one-sided label smoothing, an R1 penalty, an exponential moving average of
  the generator weights, a learning-rate schedule) and callbacks such as :class:`SampleGridCallback`.
* :func:`generate` -- samples from a trained generator with a fixed seed, as images.
* :func:`mmd_evaluator` -- an ``eval_fn`` for :func:`train_gan` that records MMD² (and, for
  conditional generators, per-class MMD² and classifier accuracy) during training.
* :func:`save_checkpoint`, :func:`load_checkpoint`, :func:`load_or_train` -- ``PATH.pt`` holds the
  weights, the configuration and the history as plain tensors/lists/dicts (``torch.load(...,
  weights_only=True)`` reads it); ``PATH.json`` beside it holds the provenance: the command, seed,
  steps, wall time, final metrics and package versions.
* :func:`train_patch_qgan` with :data:`PATCH_DEFAULTS` / :data:`CONDITIONAL_DEFAULTS` -- the course's
  default patch-QGAN runs on the digits (what ``python -m qgan_helpers train patch`` executes), and
  the classical baseline of equal parameter count trained with the same budget.

Speed tip: these models are tiny, so one torch thread (``torch.set_num_threads(1)``) is usually the
fastest setting, and it is what the command line uses.

Conventions: discriminators return logits (see :mod:`qgan_helpers.models.discriminators`); generators map
noise of shape ``(B, latent_dim)`` (and, if conditional, integer labels of shape ``(B,)``) to
images of shape ``(B, n_pixels)`` with values in ``[0, 1]``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.resources import checkpoints_dir

__all__ = [
    "NOISE_KINDS",
    "LOSSES",
    "History",
    "Callback",
    "SampleGridCallback",
    "sample_noise",
    "generate",
    "mmd_evaluator",
    "train_gan",
    "Checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "load_or_train",
    "package_versions",
    "CHECKPOINTS_DIR",
    "PATCH_DEFAULTS",
    "CONDITIONAL_DEFAULTS",
    "CLASSICAL_KINDS",
    "train_patch_qgan",
]

NOISE_KINDS = ("auto", "angle", "uniform", "normal")
"""Latent distributions: ``"auto"`` = the generator's own ``sample_noise(n, generator)`` method if it
has one (the quantum generators: angles uniform on ``[0, pi/2)``; the classical one: standard
normal), else ``"angle"``; ``"angle"`` = uniform on ``[0, pi/2)`` (the patch QGAN's rotation angles),
``"uniform"`` = uniform on ``[0, 1)``, ``"normal"`` = standard normal."""

LOSSES = ("non-saturating", "minimax", "wgan-gp")
"""The game :func:`train_gan` plays. ``"non-saturating"`` and ``"minimax"`` train the discriminator
with binary cross-entropy on its logits and the generator to minimise ``-log D(G(z))`` or
``log(1 - D(G(z)))`` (the original game, whose gradient vanishes while D easily spots fakes).
``"wgan-gp"`` (Gulrajani et al. 2017; the PQWGAN of Tsang et al. 2023 trains a patch QGAN with it)
reads the discriminator's outputs as critic scores: the critic minimises
``E[D(fake)] - E[D(real)] + gp_lambda * E[(||grad D(x_hat)||_2 - 1)^2]`` on random interpolates
``x_hat`` of real and fake images, the generator minimises ``-E[D(G(z))]``."""

FORMAT_VERSION = 1

CHECKPOINTS_DIR = checkpoints_dir()
"""The package's ``checkpoints/`` folder with the shipped checkpoints (``patch_digit0_seed0.pt``,
``patch_conditional_seed0.pt``, ...), for :func:`load_or_train` on the pages (package data: any install
has it, see :mod:`qgan_helpers.resources`)."""


# ----------------------------------------------------------------------------------------------
# argument checks (counts, seeds and numbers: qgan_helpers.validation)
# ----------------------------------------------------------------------------------------------
def _module(name: str, m: Any) -> nn.Module:
    if not isinstance(m, nn.Module):
        raise TypeError(f"{name}: expected a torch.nn.Module, got {type(m).__name__}")
    return m


def _latent_dim(generator: nn.Module, latent_dim: int | None) -> int:
    if latent_dim is not None:
        return validation.positive_int("latent_dim", latent_dim)
    for attr in ("latent_dim", "n_qubits"):
        value = getattr(generator, attr, None)
        if validation.is_int(value) and value > 0:
            return int(value)
    raise ValueError(
        f"latent_dim: the generator ({type(generator).__name__}) has no latent_dim or n_qubits attribute; pass latent_dim="
    )


# ----------------------------------------------------------------------------------------------
# noise and sampling
# ----------------------------------------------------------------------------------------------
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


def _square_shape(n_pixels: int) -> tuple[int, ...]:
    side = math.isqrt(n_pixels)
    return (side, side) if side * side == n_pixels else (n_pixels,)


def _is_conditional(generator: nn.Module) -> bool:
    return bool(getattr(generator, "n_classes", 0) or 0) > 0


def _call_generator(generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
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
    _module("generator", generator)
    n = validation.positive_int("n", n)
    seed = validation.seed(seed)
    dim = _latent_dim(generator, latent_dim)
    conditional = _is_conditional(generator)
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
            chunks.append(_call_generator(generator, z[sl], None if lab is None else lab[sl]).float())
        out = torch.cat(chunks)
    finally:
        generator.train(was_training)
    shape = tuple(image_shape) if image_shape is not None else _square_shape(out.shape[1])
    if math.prod(shape) != out.shape[1]:
        raise ValueError(f"image_shape: expected {out.shape[1]} pixels in total, got {shape}")
    return out.reshape(n, *shape)


# ----------------------------------------------------------------------------------------------
# history and callbacks
# ----------------------------------------------------------------------------------------------
@dataclass
class History:
    """What happened during :func:`train_gan`.

    Attributes
    ----------
    step : list of int
        Training steps 1..steps.
    loss_d, loss_g : list of float
        Discriminator and generator losses at each step.
    d_real, d_fake : list of float
        For the cross-entropy losses: the mean probability "real" (``sigmoid`` of the logit) the
        discriminator gave the real and the generated images of the step's (last) discriminator
        update. For ``loss="wgan-gp"``: the mean raw critic *scores* of those images (unbounded), so
        ``d_real - d_fake`` is the critic's estimate of the Wasserstein-1 distance (without the
        penalty; ``loss_d = d_fake - d_real + gp_lambda * penalty``).
    eval_step : list of int
        Steps at which ``eval_fn`` ran (0 = before training).
    metrics : dict of str -> list of float
        Each metric of ``eval_fn``, one value per ``eval_step``.
    sample_step : list of int
        Steps at which a :class:`SampleGridCallback` stored images.
    samples : list of numpy.ndarray
        The stored image grids, each of shape (n, H, W).
    wall_time : float
        Seconds for the whole call (training + evaluation + callbacks).
    cpu_time : float
        CPU seconds the process used during the call (all threads). On a busy machine this is
        closer to what the run costs than the wall time.
    eval_time : float
        Seconds spent in ``eval_fn``.
    settings : dict
        The hyperparameters of the run.
    """

    step: list[int] = field(default_factory=list)
    loss_d: list[float] = field(default_factory=list)
    loss_g: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    eval_step: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    sample_step: list[int] = field(default_factory=list)
    samples: list[np.ndarray] = field(default_factory=list)
    wall_time: float = 0.0
    cpu_time: float = 0.0
    eval_time: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """Number of training steps done."""
        return len(self.step)

    def final_metrics(self) -> dict[str, float]:
        """The metrics at the last evaluation (empty if there was none)."""
        return {k: float(v[-1]) for k, v in self.metrics.items() if v}

    def metric(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)`` of one metric, for plotting.

        Examples
        --------
        >>> h = History(eval_step=[0, 10], metrics={"mmd2": [0.5, 0.1]})
        >>> h.metric("mmd2")[1].tolist()
        [0.5, 0.1]
        """
        if name not in self.metrics:
            raise ValueError(f"name: expected one of the recorded metrics {sorted(self.metrics)}, got {name!r}")
        return np.asarray(self.eval_step), np.asarray(self.metrics[name], dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists, dicts and tensors (loadable with ``torch.load(..., weights_only=True)``)."""
        return {
            "step": list(self.step),
            "loss_d": list(self.loss_d),
            "loss_g": list(self.loss_g),
            "d_real": list(self.d_real),
            "d_fake": list(self.d_fake),
            "eval_step": list(self.eval_step),
            "metrics": {k: list(v) for k, v in self.metrics.items()},
            "sample_step": list(self.sample_step),
            "samples": torch.as_tensor(np.stack(self.samples)) if self.samples else torch.zeros(0),
            "wall_time": float(self.wall_time),
            "cpu_time": float(self.cpu_time),
            "eval_time": float(self.eval_time),
            "settings": _plain(self.settings),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "History":
        """Inverse of :meth:`to_dict`."""
        samples = d.get("samples")
        grids = [np.asarray(s) for s in samples] if isinstance(samples, torch.Tensor) and samples.numel() else []
        return cls(
            step=[int(s) for s in d.get("step", [])],
            loss_d=[float(v) for v in d.get("loss_d", [])],
            loss_g=[float(v) for v in d.get("loss_g", [])],
            d_real=[float(v) for v in d.get("d_real", [])],
            d_fake=[float(v) for v in d.get("d_fake", [])],
            eval_step=[int(s) for s in d.get("eval_step", [])],
            metrics={k: [float(x) for x in v] for k, v in dict(d.get("metrics", {})).items()},
            sample_step=[int(s) for s in d.get("sample_step", [])],
            samples=grids,
            wall_time=float(d.get("wall_time", 0.0)),
            cpu_time=float(d.get("cpu_time", 0.0)),
            eval_time=float(d.get("eval_time", 0.0)),
            settings=dict(d.get("settings", {})),
        )


class Callback:
    """Base class of training callbacks: override the hooks you need.

    ``on_train_begin`` runs before the first step, ``on_step`` after every step, ``on_train_end``
    after the last one. ``generator`` is the model to *look at* (the weight average when EMA is
    on); hooks run without gradients, with the generator in eval mode.
    """

    def on_train_begin(self, generator: nn.Module, history: History) -> None:  # noqa: D401
        """Called once before training."""

    def on_step(self, step: int, generator: nn.Module, history: History) -> None:
        """Called after each training step ``step`` (1-based)."""

    def on_train_end(self, generator: nn.Module, history: History) -> None:
        """Called once after training."""


class SampleGridCallback(Callback):
    """Store a grid of generated images every ``every`` steps (and before/after training) in the history.

    The noise is fixed (``seed``), so the grids show how the *same* latent points change during
    training -- what the training page's slider scrubs through.

    Parameters
    ----------
    every : int
        Interval in steps.
    n : int
        Images per grid.
    seed : int
        Seed of the fixed noise.
    noise : {"auto", "angle", "uniform", "normal"}
    labels : array of int, shape (n,), optional
        Classes for a conditional generator; default ``arange(n) % n_classes``.

    Examples
    --------
    >>> cb = SampleGridCallback(every=50, n=16)
    """

    def __init__(self, every: int = 25, n: int = 16, seed: int = 1, noise: str = "auto", labels: Any = None) -> None:
        self.every = validation.positive_int("every", every)
        self.n = validation.positive_int("n", n)
        seed = validation.seed(seed)
        if noise not in NOISE_KINDS:
            raise ValueError(f"noise: expected one of {list(NOISE_KINDS)}, got {noise!r}")
        self.seed, self.noise, self.labels = int(seed), noise, labels

    def _store(self, step: int, generator: nn.Module, history: History) -> None:
        if history.sample_step and history.sample_step[-1] == step:
            return
        labels = self.labels
        if labels is None and _is_conditional(generator):
            labels = np.arange(self.n) % int(generator.n_classes)
        images = generate(generator, self.n, seed=self.seed, labels=labels, noise=self.noise)
        history.sample_step.append(int(step))
        history.samples.append(images.numpy().astype(np.float32))

    def on_train_begin(self, generator: nn.Module, history: History) -> None:
        self._store(0, generator, history)

    def on_step(self, step: int, generator: nn.Module, history: History) -> None:
        if step % self.every == 0:
            self._store(step, generator, history)

    def on_train_end(self, generator: nn.Module, history: History) -> None:
        self._store(history.steps, generator, history)


def mmd_evaluator(
    real_images: Any,
    *,
    labels: Any = None,
    n: int | None = None,
    sigma: float | str | Sequence[float] = "median",
    seed: int = 12345,
    noise: str = "auto",
    classifier: bool = False,
    two_sample: bool = False,
) -> Callable[[nn.Module], dict[str, float]]:
    """An ``eval_fn`` for :func:`train_gan`: MMD² of generated images against ``real_images``.

    Pass the **held-out** real images: the curve then shows how the generator does on images it
    never trained on. Unconditional: ``n`` images (default: as many as real ones) from fixed noise,
    scored with :func:`qgan_helpers.metrics.mmd2` -> ``{"mmd2": ...}`` (plus ``"accuracy"``,
    ``"coverage"`` with ``classifier=True`` and an int ``labels`` naming the intended digit, and
    ``"two_sample"`` -- the accuracy of :func:`qgan_helpers.metrics.two_sample.two_sample_test`,
    one draw -- with ``two_sample=True``).

    Conditional (``labels`` an array of the real images' classes): for each class ``c``, as many
    images of class ``c`` as there are real ones, scored against the real images of ``c`` ->
    ``{"mmd2": mean over classes, "mmd2_c": ..., "accuracy": ..., "accuracy_c": ...}`` (accuracy from
    :func:`qgan_helpers.metrics.classifier_score`, with ``classifier=True``).

    Parameters
    ----------
    real_images : array or tensor, shape (N, H, W)
    labels : None, int, or array of int with shape (N,)
    n : int, optional
        Generated images for the unconditional case.
    sigma : float, list of float, or "median"
        Kernel width; ``"median"`` (the default) is the median distance between two real images
        (per class for a conditional evaluation).
    seed : int
        Seed of the fixed evaluation noise (same images at every evaluation -> a smooth curve).
    noise : {"auto", "angle", "uniform", "normal"}
    classifier : bool
        Also compute the classifier-based score.
    two_sample : bool
        Also compute the classifier two-sample accuracy (0.5 = indistinguishable).

    Examples
    --------
    >>> real = torch.rand(20, 8, 8)
    >>> g = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.Sigmoid())
    >>> g.latent_dim = 5
    >>> list(mmd_evaluator(real)(g))
    ['mmd2']
    """
    from qgan_helpers.metrics import classifier_score, mmd2
    from qgan_helpers.metrics.two_sample import two_sample_test

    real = torch.as_tensor(np.asarray(real_images.cpu() if isinstance(real_images, torch.Tensor) else real_images), dtype=torch.float32)
    if real.ndim < 2 or real.shape[0] < 1:
        raise ValueError(f"real_images: expected shape (N, H, W) with N >= 1, got {tuple(real.shape)}")
    image_shape = tuple(real.shape[1:])
    per_class = labels is not None and not validation.is_int(labels)
    if per_class:
        lab = torch.as_tensor(np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels))
        if lab.shape != (real.shape[0],):
            raise ValueError(f"labels: expected shape ({real.shape[0]},) matching real_images, got {tuple(lab.shape)}")
        classes = sorted(int(c) for c in lab.unique())
    n_gen = real.shape[0] if n is None else validation.positive_int("n", n)

    def evaluate(generator: nn.Module) -> dict[str, float]:
        out: dict[str, float] = {}
        if not per_class:
            fake = generate(generator, n_gen, seed=seed, noise=noise, image_shape=image_shape)
            out["mmd2"] = float(mmd2(fake.double().numpy(), real.double().numpy(), sigma))
            if two_sample:
                flat_real = real.reshape(len(real), -1).double().numpy()
                out["two_sample"] = two_sample_test(flat_real, fake.reshape(len(fake), -1).double().numpy(),
                                                    repeats=1, seed=seed).accuracy
            if classifier:
                score = classifier_score(fake, intended=labels if validation.is_int(labels) else None)
                if score.accuracy is not None:
                    out["accuracy"] = score.accuracy
                out["coverage"] = float(score.coverage)
            return out
        values, accs = [], []
        for c in classes:
            real_c = real[lab == c]
            fake = generate(generator, len(real_c), seed=seed + c, labels=c, noise=noise, image_shape=image_shape)
            out[f"mmd2_{c}"] = float(mmd2(fake.double().numpy(), real_c.double().numpy(), sigma))
            values.append(out[f"mmd2_{c}"])
            if two_sample:
                out[f"two_sample_{c}"] = two_sample_test(real_c.reshape(len(real_c), -1).double().numpy(),
                                                         fake.reshape(len(fake), -1).double().numpy(),
                                                         repeats=1, seed=seed).accuracy
            if classifier:
                out[f"accuracy_{c}"] = float(classifier_score(fake, intended=c).accuracy)
                accs.append(out[f"accuracy_{c}"])
        out["mmd2"] = float(np.mean(values))
        if classifier:
            out["accuracy"] = float(np.mean(accs))
            out["min_accuracy"] = float(np.min(accs))
        return out

    return evaluate


# ----------------------------------------------------------------------------------------------
# the loop
# ----------------------------------------------------------------------------------------------
def _real_data(real_data: Any, conditional: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    labels = None
    if hasattr(real_data, "images") and hasattr(real_data, "labels"):
        images, labels = real_data.images, real_data.labels
    elif isinstance(real_data, (tuple, list)) and len(real_data) == 2:
        images, labels = real_data
    else:
        images = real_data
    try:
        images = torch.as_tensor(np.asarray(images.cpu() if isinstance(images, torch.Tensor) else images), dtype=torch.float32)
    except (TypeError, ValueError):
        raise TypeError(f"real_data: expected images (N, ...) or a pair (images, labels), got {type(real_data).__name__}") from None
    if images.ndim < 2 or images.shape[0] < 1:
        raise ValueError(f"real_data: expected images of shape (N, ...) with N >= 1, got {tuple(images.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError("real_data: expected finite pixel values, got NaN or infinity")
    images = images.reshape(images.shape[0], -1)
    if conditional:
        if labels is None:
            raise ValueError("real_data: conditional=True needs a pair (images, labels)")
        labels = torch.as_tensor(np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels))
        if labels.shape != (images.shape[0],) or labels.dtype.is_floating_point:
            raise ValueError(f"real_data: expected integer labels of shape ({images.shape[0]},), got {tuple(labels.shape)} {labels.dtype}")
        labels = labels.long()
    else:
        labels = None
    return images, labels


def _plain(obj: Any) -> Any:
    """Recursively turn settings into JSON-able plain values."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return obj
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if callable(obj):
        return getattr(obj, "__qualname__", type(obj).__name__)
    return repr(obj)


@contextlib.contextmanager
def _swapped(module: nn.Module, state: dict[str, torch.Tensor] | None) -> Iterator[nn.Module]:
    """Temporarily load ``state`` (e.g. EMA weights) into ``module``; eval mode and no gradients inside."""
    was_training = module.training
    backup = None
    if state is not None:
        backup = {k: v.detach().clone() for k, v in module.state_dict().items()}
        module.load_state_dict(state)
    module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        if backup is not None:
            module.load_state_dict(backup)
        module.train(was_training)


def _lr_lambda(schedule: str, steps: int, final_fraction: float) -> Callable[[int], float]:
    if schedule == "constant":
        return lambda i: 1.0
    if schedule == "linear":
        return lambda i: 1.0 - (1.0 - final_fraction) * min(i, steps) / steps
    if schedule == "cosine":
        return lambda i: final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * min(i, steps) / steps))
    raise ValueError(f"lr_schedule: expected 'constant', 'linear' or 'cosine', got {schedule!r}")


def _check_loss_options(loss: Any, gp_lambda: Any, r1_gamma: Any, label_smoothing: float) -> tuple[str, float, float]:
    """Validate ``loss`` with the options that depend on it; return ``(loss, gp_lambda, r1_gamma)``."""
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {list(LOSSES)}, got {loss!r}")
    gp_lambda = validation.positive_number("gp_lambda", gp_lambda)
    r1_gamma = validation.number("r1_gamma", r1_gamma, 0)
    if loss == "wgan-gp" and r1_gamma > 0:
        raise ValueError(
            f"r1_gamma: loss='wgan-gp' already constrains the critic's input gradient (gp_lambda); "
            f"expected r1_gamma=0 with it, got {r1_gamma}"
        )
    if loss == "wgan-gp" and label_smoothing > 0:
        raise ValueError(
            f"label_smoothing: loss='wgan-gp' has no targets to smooth (the critic returns scores, not "
            f"probabilities); expected 0 with it, got {label_smoothing}"
        )
    return loss, gp_lambda, r1_gamma


def _gradient_penalty(
    critic: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    labels: torch.Tensor | None,
    rng: torch.Generator,
) -> torch.Tensor:
    r"""WGAN-GP's penalty :math:`\mathbb{E}(\lVert\nabla_x D(\hat x)\rVert_2 - 1)^2` (Gulrajani et al. 2017).

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ U[0, 1)`` per image, drawn from
    ``rng`` (the loop's seeded generator, so runs are reproducible); conditional critics see the
    batch's labels. Differentiable in the critic's parameters (``create_graph=True``).

    Parameters
    ----------
    critic : callable
        ``critic(x, labels) -> (B,)`` scores.
    real, fake : torch.Tensor, shape (B, n_pixels)
    labels : torch.Tensor of shape (B,), or None
    rng : torch.Generator

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> lin = torch.nn.Linear(4, 1)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[3.0, 0.0, 4.0, 0.0]]))   # gradient norm 5 everywhere
    >>> gp = _gradient_penalty(lambda x, _: lin(x).squeeze(1), torch.rand(3, 4), torch.rand(3, 4), None,
    ...                        torch.Generator().manual_seed(0))
    >>> round(float(gp.detach()), 4)
    16.0
    """
    eps = torch.rand(real.shape[0], 1, generator=rng).to(real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach().to(real.dtype)).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat, labels).sum(), x_hat, create_graph=True)
    norm = torch.sqrt(grad.pow(2).sum(1) + 1e-12)  # the epsilon keeps the square root differentiable at 0
    return (norm - 1).pow(2).mean()


def _discriminator_loss(loss: str, out_real: torch.Tensor, out_fake: torch.Tensor, label_smoothing: float) -> torch.Tensor:
    """The discriminator's loss before penalties: cross-entropy on logits, or ``E[D(fake)] - E[D(real)]``."""
    if loss == "wgan-gp":
        return out_fake.mean() - out_real.mean()
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(out_real, torch.full_like(out_real, 1.0 - label_smoothing)) + bce(out_fake, torch.zeros_like(out_fake))


def _generator_loss(loss: str, out_fake: torch.Tensor) -> torch.Tensor:
    """``-log D(G(z))`` (non-saturating), ``log(1 - D(G(z)))`` (minimax) or ``-E[D(G(z))]`` (wgan-gp)."""
    if loss == "non-saturating":
        return nn.functional.softplus(-out_fake).mean()
    if loss == "minimax":
        return -nn.functional.softplus(out_fake).mean()
    return -out_fake.mean()


def _d_summary(loss: str, out: torch.Tensor) -> float:
    """What :class:`History` records per batch: mean probability "real", or the mean critic score for wgan-gp."""
    out = out.detach()
    return float(out.mean() if loss == "wgan-gp" else torch.sigmoid(out).mean())


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    real_data: Any,
    *,
    steps: int,
    batch_size: int = 32,
    lr_g: float = 0.01,
    lr_d: float = 0.001,
    betas: tuple[float, float] = (0.5, 0.999),
    latent_dim: int | None = None,
    noise: str | Callable[[int, torch.Generator], torch.Tensor] = "auto",
    conditional: bool = False,
    loss: str = "non-saturating",
    label_smoothing: float = 0.0,
    ema_decay: float | None = None,
    lr_schedule: str = "constant",
    lr_final_fraction: float = 0.1,
    d_steps: int = 1,
    r1_gamma: float = 0.0,
    gp_lambda: float = 10.0,
    callbacks: Sequence[Callback] = (),
    eval_fn: Callable[[nn.Module], Mapping[str, float]] | None = None,
    eval_every: int = 50,
    seed: int = 0,
    progress: bool = True,
    desc: str = "training",
) -> History:
    r"""Train a GAN: alternate a discriminator step and a generator step, ``steps`` times.

    Each step draws a batch of real images (epochs of a seeded shuffle) and a batch of noise, then

    1. **discriminator** (``d_steps`` times): minimise
       :math:`-\log D(x) - \log(1 - D(G(z)))` (binary cross-entropy on logits), with the real target
       ``1 - label_smoothing`` (one-sided label smoothing);
    2. **generator**: minimise :math:`-\log D(G(z))` (``loss="non-saturating"``) or
       :math:`\log(1 - D(G(z)))` (``loss="minimax"``).

    With ``loss="wgan-gp"`` (Gulrajani et al. 2017) the discriminator is a *critic* whose outputs
    are scores: it minimises :math:`\mathbb{E}D(G(z)) - \mathbb{E}D(x) + \lambda\,
    \mathbb{E}(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2` with ``lambda = gp_lambda`` and
    :math:`\hat x = \epsilon x + (1 - \epsilon) G(z)`, :math:`\epsilon \sim U[0, 1)` per image
    (drawn from the loop's seeded generator), and the generator minimises
    :math:`-\mathbb{E}D(G(z))`. The paper takes ``d_steps=5`` critic updates per generator
    update and Adam with ``betas=(0.0, 0.9)``; pass them explicitly. A conditional critic gets the
    batch's labels for the real, the fake and the interpolated images alike. Neither one-sided
    label smoothing (there are no targets) nor the R1 penalty (the gradient penalty already
    constrains the input gradient, towards norm 1 where R1 pulls towards 0) combine with it:
    ``label_smoothing > 0`` or ``r1_gamma > 0`` raise a ``ValueError``.

    Both use Adam. Optional stabilisers: ``ema_decay`` keeps an exponential moving average of the
    generator weights -- evaluation and callbacks see the average, and **at the end the average is
    loaded into** ``generator``; ``lr_schedule`` decays both learning rates to
    ``lr_final_fraction`` of their start.

    Parameters
    ----------
    generator : torch.nn.Module
        ``generator(z)`` (or ``generator(z, labels)`` when ``conditional``) -> ``(B, n_pixels)``.
    discriminator : torch.nn.Module
        ``discriminator(x)`` (or ``discriminator(x, labels)``) -> logits ``(B,)``.
    real_data : array or tensor (N, ...), or a pair (images, labels), or an object with ``.images`` and ``.labels``
        The training images (flattened to ``(N, n_pixels)`` internally); labels for ``conditional``.
    steps : int
        Number of training steps (one step = one D update (or ``d_steps``) + one G update).
    batch_size : int
        Real and fake images per step.
    lr_g, lr_d : float
        Adam learning rates of generator and discriminator.
    betas : (float, float)
        Adam's betas for both optimisers.
    latent_dim : int, optional
        Noise dimension; defaults to ``generator.latent_dim`` or ``generator.n_qubits``.
    noise : {"auto", "angle", "uniform", "normal"} or callable
        The latent distribution (see :func:`sample_noise`), or ``f(n, torch_generator) -> (n, latent_dim)``.
    conditional : bool
        Train a class-conditional pair: fakes get the real batch's labels.
    loss : {"non-saturating", "minimax", "wgan-gp"}
        See :data:`LOSSES`.
    label_smoothing : float in [0, 1)
        Real target ``1 - label_smoothing`` for the discriminator.
    ema_decay : float in [0, 1), optional
        Decay of the generator-weight moving average (e.g. 0.98); ``None`` = off.
    lr_schedule : {"constant", "linear", "cosine"}
    lr_final_fraction : float in [0, 1]
        Learning rate at the end of a decaying schedule, as a fraction of the start.
    d_steps : int
        Discriminator updates per generator update.
    r1_gamma : float
        Weight of the R1 gradient penalty :math:`\frac{\gamma}{2}\,\mathbb{E}\lVert\nabla_x D(x)\rVert^2` on
        real images (Mescheder et al. 2018): it stops the discriminator from growing steep around
        the data, which damps the oscillations of the game. 0 = off. Must be 0 with ``loss="wgan-gp"``.
    gp_lambda : float
        Weight :math:`\lambda > 0` of the gradient penalty of ``loss="wgan-gp"`` (10 in the paper);
        checked always, used only by that loss.
    callbacks : sequence of Callback
    eval_fn : callable, optional
        ``eval_fn(generator) -> {name: value}``, run before training, every ``eval_every`` steps and
        after the last step (e.g. :func:`mmd_evaluator`); its time is reported in ``History.eval_time``.
    eval_every : int
    seed : int
        Seed of the batch order and the noise (weights are initialised by the caller).
    progress : bool
        Show a ``tqdm.auto`` progress bar on stderr.
    desc : str
        Label of the progress bar.

    Returns
    -------
    History
        ``d_real`` / ``d_fake`` hold probabilities for the cross-entropy losses and critic scores
        for ``"wgan-gp"`` (see :class:`History`).

    Examples
    --------
    >>> from qgan_helpers.models.discriminators import MLPDiscriminator
    >>> g = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.Sigmoid())
    >>> h = train_gan(g, MLPDiscriminator(), torch.rand(40, 8, 8), steps=3, latent_dim=5, progress=False)
    >>> len(h.loss_d)
    3
    >>> h = train_gan(g, MLPDiscriminator(), torch.rand(40, 8, 8), steps=2, latent_dim=5, progress=False,
    ...               loss="wgan-gp", gp_lambda=10.0, d_steps=5, betas=(0.0, 0.9))
    >>> h.settings["loss"], h.settings["d_steps"], len(h.d_real)
    ('wgan-gp', 5, 2)
    """
    from tqdm.auto import tqdm

    _module("generator", generator)
    _module("discriminator", discriminator)
    steps = validation.positive_int("steps", steps)
    batch_size = validation.positive_int("batch_size", batch_size)
    lr_g = validation.positive_number("lr_g", lr_g)
    lr_d = validation.positive_number("lr_d", lr_d)
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise ValueError(f"betas: expected a pair of numbers in [0, 1), got {betas!r}")
    betas = tuple(validation.number("betas", b, 0, 1, high_open=True) for b in betas)
    label_smoothing = validation.number("label_smoothing", label_smoothing, 0, 1, high_open=True)
    loss, gp_lambda, r1_gamma = _check_loss_options(loss, gp_lambda, r1_gamma, label_smoothing)
    if ema_decay is not None:
        ema_decay = validation.number("ema_decay", ema_decay, 0, 1, high_open=True)
    lr_final_fraction = validation.number("lr_final_fraction", lr_final_fraction, 0, 1)
    lr_lambda = _lr_lambda(lr_schedule, steps, lr_final_fraction)
    d_steps = validation.positive_int("d_steps", d_steps)
    eval_every = validation.positive_int("eval_every", eval_every)
    seed = validation.seed(seed)
    if not isinstance(callbacks, (list, tuple)) or not all(isinstance(c, Callback) for c in callbacks):
        raise TypeError(f"callbacks: expected a list of Callback objects, got {callbacks!r}")
    if eval_fn is not None and not callable(eval_fn):
        raise TypeError(f"eval_fn: expected a callable eval_fn(generator) -> dict, got {type(eval_fn).__name__}")
    if conditional and not _is_conditional(generator):
        raise ValueError("conditional: the generator has no n_classes attribute > 0; it cannot take labels")
    images, labels = _real_data(real_data, bool(conditional))
    n_real = images.shape[0]
    if batch_size > n_real:
        raise ValueError(f"batch_size: expected at most {n_real} (the number of real images), got {batch_size}")

    if callable(noise):
        dim = latent_dim
        noise_fn = noise
        noise_name = getattr(noise, "__qualname__", "callable")
    else:
        if noise not in NOISE_KINDS:
            raise ValueError(f"noise: expected one of {list(NOISE_KINDS)} or a callable, got {noise!r}")
        dim = _latent_dim(generator, latent_dim)
        noise_fn = lambda n, rng: sample_noise(n, dim, noise, generator=rng, model=generator)  # noqa: E731
        noise_name = noise

    rng = torch.Generator().manual_seed(int(seed))
    opt_g = torch.optim.Adam([p for p in generator.parameters() if p.requires_grad], lr=lr_g, betas=betas)
    opt_d = torch.optim.Adam([p for p in discriminator.parameters() if p.requires_grad], lr=lr_d, betas=betas)
    sched = [torch.optim.lr_scheduler.LambdaLR(o, lr_lambda) for o in (opt_g, opt_d)]
    ema: dict[str, torch.Tensor] | None = None
    if ema_decay is not None:
        ema = {k: v.detach().clone() for k, v in generator.state_dict().items()}

    history = History()
    history.settings = _plain(
        dict(
            steps=steps, batch_size=batch_size, lr_g=lr_g, lr_d=lr_d, betas=list(betas), latent_dim=dim,
            noise=noise_name, conditional=bool(conditional), loss=loss, label_smoothing=label_smoothing,
            ema_decay=ema_decay, lr_schedule=lr_schedule, lr_final_fraction=lr_final_fraction, d_steps=d_steps,
            r1_gamma=r1_gamma, gp_lambda=gp_lambda,
            eval_every=eval_every, seed=int(seed), generator=type(generator).__name__,
            discriminator=type(discriminator).__name__, torch_threads=torch.get_num_threads(),
        )
    )
    start, cpu_start = time.perf_counter(), time.process_time()

    def run_eval(step: int) -> dict[str, float]:
        if eval_fn is None:
            return {}
        t0 = time.perf_counter()
        with _swapped(generator, ema) as g:
            values = dict(eval_fn(g))
        history.eval_time += time.perf_counter() - t0
        history.eval_step.append(step)
        for k, v in values.items():
            v = float(v)
            if not math.isfinite(v):
                raise ValueError(f"eval_fn: metric {k!r} is not finite ({v}) at step {step}")
            history.metrics.setdefault(k, []).append(v)
        return values

    order = torch.randperm(n_real, generator=rng)
    cursor = 0

    def next_batch() -> tuple[torch.Tensor, torch.Tensor | None]:
        nonlocal order, cursor
        if cursor + batch_size > n_real:
            order, cursor = torch.randperm(n_real, generator=rng), 0
        idx = order[cursor : cursor + batch_size]
        cursor += batch_size
        return images[idx], (None if labels is None else labels[idx])

    def fake_batch(lab: torch.Tensor | None) -> torch.Tensor:
        z = noise_fn(batch_size, rng)
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[0] != batch_size:
            raise ValueError(f"noise: expected a tensor of shape ({batch_size}, latent_dim), got {getattr(z, 'shape', z)!r}")
        out = _call_generator(generator, z, lab)
        if out.shape[1] != images.shape[1]:
            raise ValueError(
                f"generator: expected {images.shape[1]} pixels per image (like real_data), got {out.shape[1]}"
            )
        return out

    def d_logits(x: torch.Tensor, lab: torch.Tensor | None) -> torch.Tensor:
        out = discriminator(x) if lab is None else discriminator(x, lab)
        if not isinstance(out, torch.Tensor) or out.shape != (x.shape[0],):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"discriminator: expected logits of shape ({x.shape[0]},), got {shape}")
        return out

    last: dict[str, float] = dict(run_eval(0))
    for cb in callbacks:
        with _swapped(generator, ema) as g:
            cb.on_train_begin(g, history)
    generator.train()
    discriminator.train()
    bar = tqdm(total=steps, desc=desc, file=sys.stderr, disable=not progress, leave=True, mininterval=0.5)
    try:
        for step in range(1, steps + 1):
            real, lab = next_batch()
            fake = fake_batch(lab)
            for k in range(d_steps):
                if k > 0:
                    real, lab = next_batch()
                    with torch.no_grad():
                        fake_d = fake_batch(lab)
                else:
                    fake_d = fake.detach()
                if r1_gamma > 0:
                    real = real.detach().requires_grad_(True)
                lr_real = d_logits(real, lab)
                lr_fake = d_logits(fake_d, lab)
                loss_d = _discriminator_loss(loss, lr_real, lr_fake, label_smoothing)
                if r1_gamma > 0:
                    (grad,) = torch.autograd.grad(lr_real.sum(), real, create_graph=True)
                    loss_d = loss_d + 0.5 * r1_gamma * grad.pow(2).sum(1).mean()
                if loss == "wgan-gp":
                    loss_d = loss_d + gp_lambda * _gradient_penalty(d_logits, real, fake_d, lab, rng)
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                opt_d.step()
            loss_g = _generator_loss(loss, d_logits(fake, lab))
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            for s in sched:
                s.step()
            if ema is not None:
                with torch.no_grad():
                    for k, v in generator.state_dict().items():
                        if v.dtype.is_floating_point:
                            ema[k].mul_(ema_decay).add_(v.detach(), alpha=1 - ema_decay)
                        else:
                            ema[k].copy_(v)
            ld, lg = float(loss_d.detach()), float(loss_g.detach())
            if not (math.isfinite(ld) and math.isfinite(lg)):
                raise FloatingPointError(f"training diverged at step {step}: loss_d={ld}, loss_g={lg}")
            history.step.append(step)
            history.loss_d.append(ld)
            history.loss_g.append(lg)
            history.d_real.append(_d_summary(loss, lr_real))
            history.d_fake.append(_d_summary(loss, lr_fake))
            if step % eval_every == 0 or step == steps:
                last = dict(run_eval(step)) or last
            for cb in callbacks:
                with _swapped(generator, ema) as g:
                    cb.on_step(step, g, history)
            bar.update(1)
            if step % 10 == 0 or step == steps:
                post = {"loss_d": f"{ld:.3f}", "loss_g": f"{lg:.3f}"}
                shown = [k for k in ("mmd2", "min_accuracy", "accuracy") if k in last][:2] or list(last)[:2]
                post.update({k: f"{last[k]:.4f}" for k in shown})
                bar.set_postfix(post, refresh=False)
    finally:
        bar.close()
    if ema is not None:
        generator.load_state_dict(ema)
    for cb in callbacks:
        with _swapped(generator, None) as g:
            cb.on_train_end(g, history)
    generator.eval()
    history.wall_time = time.perf_counter() - start
    history.cpu_time = time.process_time() - cpu_start
    return history


# ----------------------------------------------------------------------------------------------
# checkpoints
# ----------------------------------------------------------------------------------------------
def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape a training run.

    Examples
    --------
    >>> sorted(package_versions())[:3]
    ['numpy', 'pennylane', 'platform']
    """
    from importlib import metadata

    out = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in ("torch", "pennylane", "numpy", "scikit-learn", "qgan_helpers"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class Checkpoint:
    """A loaded (or freshly trained) generator with its configuration, history and provenance.

    Attributes
    ----------
    generator : torch.nn.Module
        In eval mode.
    config : dict
        ``{"generator": {"class": name, "kwargs": {...}}, ...}`` plus anything the trainer stored
        (``noise``, ``image_shape``, ``digit``, ...).
    history : History or None
    provenance : dict
        The contents of ``PATH.json``.
    path : pathlib.Path or None
        Where it was saved / loaded from.
    """

    generator: nn.Module
    config: dict[str, Any]
    history: History | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def _pt_path(path: str | os.PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path (str or path-like), got {type(path).__name__}")
    p = Path(path)
    if p.suffix != ".pt":
        raise ValueError(f"path: expected a file name ending in .pt, got {str(p)!r}")
    return p


def _check_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise TypeError(f"config: expected a dict, got {type(config).__name__}")
    gen = config.get("generator")
    if not (isinstance(gen, Mapping) and isinstance(gen.get("class"), str) and isinstance(gen.get("kwargs", {}), Mapping)):
        raise ValueError(
            "config: expected config['generator'] = {'class': <name in qgan_helpers.models>, 'kwargs': {...}}, "
            f"got {gen!r}"
        )
    plain = _plain(config)
    try:
        json.dumps(plain)
    except (TypeError, ValueError) as err:  # pragma: no cover - _plain makes everything JSON-able
        raise ValueError(f"config: expected JSON-serialisable values ({err})") from None
    return plain


def save_checkpoint(
    path: str | os.PathLike,
    generator: nn.Module,
    config: Mapping[str, Any],
    history: History | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``PATH.pt`` (weights, config, history) and ``PATH.json`` (provenance) beside it.

    The ``.pt`` file holds only tensors, lists, dicts, strings and numbers, so
    ``torch.load(path, weights_only=True)`` reads it. The ``.json`` file holds ``provenance`` (e.g.
    the command that reproduces the checkpoint and its seed) completed with: the steps, wall time
    and final metrics from ``history``, the evaluation curve, the generator's parameter count, the
    package versions and the creation time.

    Parameters
    ----------
    path : str or path-like
        Ends in ``.pt``; its directory must exist.
    generator : torch.nn.Module
    config : dict
        Must contain ``"generator": {"class": <class name in qgan_helpers.models>, "kwargs": {...}}``
        so that :func:`load_checkpoint` can rebuild the model.
    history : History, optional
    provenance : dict, optional

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The ``.pt`` and ``.json`` paths.
    """
    p = _pt_path(path)
    _module("generator", generator)
    cfg = _check_config(config)
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history: expected a History or None, got {type(history).__name__}")
    if provenance is not None and not isinstance(provenance, Mapping):
        raise TypeError(f"provenance: expected a dict or None, got {type(provenance).__name__}")
    if not p.parent.is_dir():
        raise FileNotFoundError(f"path: the directory {str(p.parent)!r} does not exist")
    state = {k: v.detach().cpu().clone() for k, v in generator.state_dict().items()}
    payload = {
        "format": "qgan_helpers.checkpoint",
        "format_version": FORMAT_VERSION,
        "config": cfg,
        "state_dict": state,
        "history": history.to_dict() if history is not None else None,
    }
    prov: dict[str, Any] = dict(_plain(provenance or {}))
    prov.setdefault("generator", cfg["generator"]["class"])
    prov["trainable_parameters"] = int(sum(q.numel() for q in generator.parameters() if q.requires_grad))
    if history is not None:
        prov.setdefault("steps", history.steps)
        prov["wall_time_s"] = round(history.wall_time, 2)
        prov["cpu_time_s"] = round(history.cpu_time, 2)
        prov["eval_time_s"] = round(history.eval_time, 2)
        prov["final_metrics"] = {k: round(v, 6) for k, v in history.final_metrics().items()}
        prov["metric_curve"] = {"step": history.eval_step, **{k: [round(x, 6) for x in v] for k, v in history.metrics.items()}}
        prov["settings"] = history.settings
    prov["packages"] = package_versions()
    prov["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    prov["checkpoint"] = p.name
    torch.save(payload, p)
    j = p.with_suffix(".json")
    j.write_text(_json_text(prov))
    return p, j


def _json_text(obj: Any) -> str:
    """Indented JSON with lists of plain values kept on one line (readable metric curves)."""

    def dump(o: Any, pad: str) -> str:
        if isinstance(o, dict) and o:
            inner = pad + "  "
            items = [f"{inner}{json.dumps(str(k))}: {dump(v, inner)}" for k, v in o.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(o, list) and any(isinstance(v, (dict, list)) for v in o):
            inner = pad + "  "
            return "[\n" + ",\n".join(inner + dump(v, inner) for v in o) + "\n" + pad + "]"
        return json.dumps(o)

    return dump(obj, "") + "\n"


MODEL_MODULES: tuple[str, ...] = (
    "qgan_helpers.models",
    "qgan_helpers.born.qcbm",
    "qgan_helpers.born.qbm",
    "qgan_helpers.born.prior",
)
"""Modules whose ``nn.Module`` classes a checkpoint's ``config["generator"]["class"]`` may name."""


def _generator_class(name: str) -> type:
    import importlib

    for module_name in MODEL_MODULES:
        cls = getattr(importlib.import_module(module_name), name, None)
        if isinstance(cls, type) and issubclass(cls, nn.Module):
            return cls
    raise ValueError(f"config: generator class {name!r} is not a torch module in any of {list(MODEL_MODULES)}")


def load_checkpoint(path: str | os.PathLike, build: Callable[[Mapping[str, Any]], nn.Module] | None = None) -> Checkpoint:
    """Rebuild a generator from ``PATH.pt`` (read with ``weights_only=True``) and read ``PATH.json``.

    Parameters
    ----------
    path : str or path-like
        A ``.pt`` file written by :func:`save_checkpoint`.
    build : callable, optional
        ``build(config) -> module`` for generators that are not classes of
        :mod:`qgan_helpers.models` (default: ``cls(**config["generator"]["kwargs"])``).

    Returns
    -------
    Checkpoint
        With the generator in eval mode.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a readable checkpoint of this format (the message says why).
    """
    p = _pt_path(path)
    if not p.is_file():
        raise FileNotFoundError(f"path: no checkpoint file at {str(p)!r}")
    try:
        payload = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt file, not a torch file, pickle refused by weights_only ...
        reason = " ".join(str(err).split())[:160]
        raise ValueError(f"path: {str(p)!r} is not a readable checkpoint ({type(err).__name__}: {reason})") from None
    if not isinstance(payload, dict) or payload.get("format") != "qgan_helpers.checkpoint":
        raise ValueError(f"path: {str(p)!r} is a torch file but not a qgan_helpers checkpoint (no 'format' marker)")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"path: {str(p)!r} has checkpoint format version {payload.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    try:
        config = _check_config(payload.get("config"))
    except (TypeError, ValueError) as err:
        raise ValueError(f"path: {str(p)!r} has no usable generator config ({err})") from None
    try:
        if build is not None:
            generator = build(config)
        else:
            cls = _generator_class(config["generator"]["class"])
            generator = cls(**dict(config["generator"].get("kwargs", {})))
        generator.load_state_dict(payload["state_dict"])
    except ValueError:
        raise
    except Exception as err:
        reason = " ".join(str(err).split())[:200]
        raise ValueError(f"path: {str(p)!r} could not rebuild the generator ({type(err).__name__}: {reason})") from None
    generator.eval()
    history = History.from_dict(payload["history"]) if isinstance(payload.get("history"), dict) else None
    j = p.with_suffix(".json")
    provenance: dict[str, Any] = {}
    if j.is_file():
        try:
            provenance = json.loads(j.read_text())
        except (OSError, ValueError) as err:
            raise ValueError(f"path: the provenance file {str(j)!r} is not valid JSON ({err})") from None
    return Checkpoint(generator=generator, config=config, history=history, provenance=provenance, path=p)


def load_or_train(
    path: str | os.PathLike,
    train_fn: Callable[[], Checkpoint | tuple[Any, ...]],
    *,
    save: bool = True,
    retrain: bool = False,
) -> Checkpoint:
    """Load the checkpoint at ``path`` if it exists, otherwise train (and save, if ``save``).

    For pages: a shipped checkpoint makes the page fast; without it the page still works, just slower.

    Parameters
    ----------
    path : str or path-like
        The ``.pt`` file.
    train_fn : callable
        ``train_fn()`` returning a :class:`Checkpoint` or a tuple ``(generator, config, history[, provenance])``.
    save : bool
        Write the freshly trained checkpoint to ``path`` (pages that must not write files pass False).
    retrain : bool
        Train even if the file exists.

    Returns
    -------
    Checkpoint

    Examples
    --------
    On a page (which must not write files), with the shipped checkpoint as the fast path::

        ck = load_or_train(CHECKPOINTS_DIR / "patch_digit0_seed0.pt",
                           lambda: train_patch_qgan(0, seed=0, progress=False), save=False)
        steps, curve = ck.history.metric("mmd2")
    """
    p = _pt_path(path)
    if not callable(train_fn):
        raise TypeError(f"train_fn: expected a callable returning a Checkpoint, got {type(train_fn).__name__}")
    if p.is_file() and not retrain:
        return load_checkpoint(p)
    result = train_fn()
    if isinstance(result, Checkpoint):
        ckpt = result
    elif isinstance(result, tuple) and len(result) in (3, 4):
        ckpt = Checkpoint(
            generator=result[0], config=dict(result[1]), history=result[2], provenance=dict(result[3]) if len(result) == 4 else {}
        )
    else:
        raise TypeError(
            f"train_fn: expected it to return a Checkpoint or (generator, config, history[, provenance]), got {type(result).__name__}"
        )
    if save:
        save_checkpoint(p, ckpt.generator, ckpt.config, ckpt.history, ckpt.provenance)
        ckpt.provenance = json.loads(p.with_suffix(".json").read_text())
        ckpt.path = p
    return ckpt


# ----------------------------------------------------------------------------------------------
# the course's default patch QGAN runs (used by the command line, the benchmark and the pages)
# ----------------------------------------------------------------------------------------------
PATCH_DEFAULTS: dict[str, Any] = {
    # generator
    "n_qubits": 5,
    "n_ancillas": 2,
    "depth": 12,
    "n_generators": 8,
    "init_scale": 0.5,
    "reupload": True,
    "upload_every": 6,
    "input_scaling": False,
    "input_scale_init": None,
    "noise_per_upload": True,
    "pixel_method": "max",
    "threshold_init": 0.1,
    "classical_kind": "mlp",
    "classical_budget": None,
    # discriminator
    "hidden": (128, 32),
    # training
    "steps": 3000,
    "batch_size": 32,
    "lr_g": 0.01,
    "lr_d": 0.001,
    "loss": "non-saturating",
    "gp_lambda": 10.0,
    "d_steps": 1,
    "ema_decay": 0.99,
    "r1_gamma": 1.0,
    "label_smoothing": 0.0,
    "lr_schedule": "cosine",
    "lr_final_fraction": 0.1,
    "eval_every": 100,
    "sample_every": 100,
}
"""Defaults of ``python -m qgan_helpers train patch --digit D``, tuned on the zeros, confirmed on the
threes and fives.

**The generator** (changed after the image suite's ablation; ``benchmarks/bench_patch_ablation.py``,
results in ``qgan_helpers/results/patch_ablation.json``; medians over seeds 0-2 of the suite's
scores against the 89 held-out images, the 1-NN two-sample accuracy / Fréchet distance / coverage):

* **8 one-row patches on 5 qubits with 2 ancillas**, depth 12 (480 angles) instead of 4 two-row
  bands on 5 qubits with 1 ancilla, depth 8 (160 angles, the shipped checkpoints'). One row per
  sub-generator halves what each circuit must paint, and post-selecting two ancillas instead of
  one is a stronger non-linearity (Huang et al.'s reason for ancillas). Alone (without the noise
  blocks below) it raised the precision (0.66 -> 0.83) and lowered the recall (0.66 -> 0.38).
* **two noise blocks** (``reupload=True, upload_every=6, noise_per_upload=True``): the noise is
  encoded before layer 0 and again, with 5 *new* angles, before layer 6 -- a 10-dimensional
  latent at the same qubit count and no extra parameter. With one 5-angle encoding the samples lie
  on a manifold too thin for the data (in the shipped zero checkpoint a sample's nearest generated
  neighbour is at a median pixel distance of 0.72, a real zero's nearest real one at 0.94), which
  is what the 1-NN test sees; the second block raises the recall (0.38 -> 0.88 on the zeros,
  1500 steps).
  Three blocks (12 angles on 4 qubits) pushed the two-sample accuracy to 0.88 but the precision
  down to 0.3 and the FD up to 90: more noise than the circuits can shape.
* **discriminator 64-128-32** instead of 64-64-16: with the wider latent the 64-16 critic let
  precision drop (FD 63 -> 51, two-sample unchanged, for 8 rows of 4 qubits with noise blocks);
  256-64 or two critic steps per generator step did not help further.

Two-sample accuracy / FD / coverage (median over seeds 0-2; the threes and fives were not used to
choose anything):

* zeros: old defaults (1500 steps) 0.990 / 47 / 0.62 -> these 0.900 / 31 / 0.71 (precision
  0.66 -> 0.68, recall 0.66 -> 0.94); the same generator after 1500 steps: 0.935 / 36 / 0.70;
* threes: 0.989 / 82 / 0.61 -> 0.871 / 31 / 0.90 (1500 steps: 0.900 / 36 / 0.85);
* fives: 0.964 / 88 / 0.66 -> 0.847 / 66 / 0.81 (1500 steps: 0.909 / 86 / 0.76);
* for scale, the classical MLP generator of 974 parameters (latent 5) on the zeros: 0.863 / 27 /
  0.81 with the old recipe (64-16 critic, 1500 steps), 0.828 / 19 / 0.86 with the 128-32 critic,
  0.800 / 19 / 0.87 with this whole recipe.

**3000 steps** instead of 1500: the new generator keeps improving (the three numbers above), the old
one did not (0.981 / 57 / 0.69 after 3000 steps on the zeros). About 55 CPU-seconds per run (one
thread) instead of 19. What did *not* help on the zeros:
trainable input scales of the encodings (``input_scaling``: the recall collapsed to 0.0-0.1 in
every variant), re-uploading the same 5 angles before every layer (FD 150-340), the learned output
maps, WGAN-GP; nor a third ancilla (6 qubits, 3 ancillas: 0.935 / 36 / 0.71 at 1500 steps, the
same as 2 ancillas at 1.5 times the cost) or depth 16 with blocks before layers 0 and 8 (0.946 / 30
/ 0.71 at 1500 steps). Classical MLP generators with the
same recipe: see the last bullet above and the ablation results (``classical 274`` and
``classical 974`` variants).

**The recipe** (earlier tuning with MMD², sigma 2, 178 generated vs the 178 real zeros; the
measurements are in ``qgan_helpers/results/patch_quality.json``, reproduced by
``benchmarks/bench_patch_quality.py``, for the old generator):

* **depth 8** instead of the demo's 6: with 6 layers even fitting the generator *directly* to the
  data (minimising MMD², no GAN) stalls near 0.07, with 8 it reaches 0.03; with all the other
  defaults, depth 6 ends at 0.067 (seed 0), depth 8 at 0.036.
* **R1 penalty** (gamma = 1) on the discriminator's input gradient at real images: without it the
  game oscillates and collapses (seed 0, constant learning rate: no stabiliser ends at 0.82, EMA
  alone at 0.69, R1 alone at 0.13, R1 + EMA at 0.066). A stronger penalty (gamma = 10) was
  worse on two of three seeds.
* **EMA** of the generator weights (decay 0.99): evaluation and the saved weights use the average,
  which removes most of the remaining step-to-step jitter.
* **cosine learning-rate decay** to 10 %: with a constant rate the curve creeps back up late in the
  run (R1 + EMA: from 0.039 to 0.083 in the second half); with the decay it stays flat.
* Adam (betas 0.5, 0.999), lr 0.01 for the circuit angles and 0.001 for the discriminator,
  batch 32, an MLP discriminator (LeakyReLU; the demo's 64-64-16 until the change above), initial
  angles ``0.5 * randn``.
* 1500 steps for the old generator (its MMD² curve is flat from ~1200 on); 3000 now, see above.

Design switches:

* ``reupload``, ``upload_every``, ``noise_per_upload``, ``input_scaling`` (False),
  ``input_scale_init`` (None), ``pixel_method`` ("max"; or "minmax", "threshold",
  "threshold_gain") and ``threshold_init`` (0.1, used by the learned maps) go to the generator, see
  :class:`~qgan_helpers.models.patch.PatchQuantumGenerator`. **The shipped checkpoints**
  (``qgan_helpers/checkpoints/patch_digit0_seed0.pt`` ...) were trained with the old generator: 5 qubits, 1
  ancilla, 4 sub-generators, depth 8, no re-uploading, discriminator 64-16 -- their stored
  config, not these defaults, describes them;
* ``loss`` ("non-saturating"; or "minimax", "wgan-gp"), ``gp_lambda`` (10.0) and ``d_steps`` (1)
  go to :func:`train_gan`. With ``loss="wgan-gp"`` the recipe's R1 penalty is dropped
  (``r1_gamma`` becomes 0 unless overridden -- and an explicit ``r1_gamma > 0`` is refused by
  :func:`train_gan`);
* ``classical_kind`` ("mlp") picks the baseline of ``classical=True``: ``"mlp"`` =
  :class:`~qgan_helpers.models.classical.ClassicalGenerator` (sigmoid pixels), ``"patch"`` =
  :class:`~qgan_helpers.models.classical.ClassicalPatchGenerator` (the same patches and output map as
  the quantum generator).
"""

CONDITIONAL_DEFAULTS: dict[str, Any] = {
    **PATCH_DEFAULTS,
    # the zeros' geometry (8 one-row patches, 2 ancillas, depth 12, 128-32 discriminator), one noise encoding
    "reupload": False,
    "upload_every": 1,
    "noise_per_upload": False,
    "label_layers": None,
    "label_init_scale": 0.5,
    "conditioning": "projection",
    "ema_decay": 0.995,
    "steps": 3000,
    "eval_every": 250,
    "sample_every": 250,
}
"""Defaults of ``python -m qgan_helpers train patch --conditional`` (all ten digits).

As :data:`PATCH_DEFAULTS` (5 qubits with 2 ancillas, 8 one-row sub-generators, depth 12, discriminator
128-32), but with the noise encoded once (the conditional generator has no noise blocks), plus: a
*projection* discriminator (Miyato & Koyama 2018; with the one-hot label merely concatenated to the
pixels the per-digit MMD² drifted upward after ~1500 steps and some digits fell below 80 % classifier
accuracy), EMA decay 0.995, and 3000 steps (about 70-80 CPU-seconds). The label enters the circuit
through per-class angle offsets in every layer (:class:`~qgan_helpers.models.conditional.ConditionalPatchGenerator`
with ``label_layers = depth + 1``). Until December 2026 it kept the older, smaller generator (4
sub-generators, 1 ancilla, depth 8, discriminator 64-16); over seeds 0-2 its weakest digit was
recognised 59-65 % of the time, against 78-95 % for this one (``qgan_helpers/results/patch_quality.json``).
"""



CLASSICAL_KINDS: tuple[str, ...] = ("mlp", "patch")
"""Baselines of ``train_patch_qgan(classical=True)`` (the setting ``classical_kind``)."""


def _classical_baseline(
    quantum: nn.Module, kind: str, seed: int, budget: int | None = None
) -> tuple[nn.Module, str, dict[str, Any]]:
    """The classical baseline of a patch quantum generator, with at most its parameter count
    (or at most ``budget`` parameters, for the budget curve), reading noise of the quantum
    generator's ``latent_dim`` (the MLP's own standard-normal noise; the patch twin's angles).

    Returns
    -------
    (generator, class name, constructor kwargs for the checkpoint config)
    """
    from qgan_helpers.models import ClassicalGenerator, ClassicalPatchGenerator
    from qgan_helpers.seeding import seed_everything

    seed_everything(seed)
    if budget is not None:
        budget = validation.positive_int("classical_budget", budget)
    if kind == "patch":
        twin = (ClassicalPatchGenerator.matching(quantum) if budget is None else ClassicalPatchGenerator.with_budget(
            budget, quantum.n_qubits, quantum.n_ancillas, quantum.n_generators, quantum.n_pixels,
            quantum.pixel_method, quantum.pixel_map.threshold_init, latent_dim=quantum.latent_dim))
        kwargs = {
            "n_qubits": twin.n_qubits, "n_ancillas": twin.n_ancillas, "n_generators": twin.n_generators,
            "n_pixels": twin.n_pixels, "hidden": list(twin.hidden), "output_bias": twin.output_bias,
            "pixel_method": twin.pixel_method, "threshold_init": twin.pixel_map.threshold_init,
            "latent_dim": twin.latent_dim,
        }
        return twin, "ClassicalPatchGenerator", kwargs
    if budget is None:
        budget = int(sum(p.numel() for p in quantum.parameters() if p.requires_grad))
    mlp = ClassicalGenerator.with_budget(budget, quantum.latent_dim, quantum.n_pixels)
    kwargs = {
        "latent_dim": mlp.latent_dim, "n_pixels": mlp.n_pixels, "hidden": list(mlp.hidden),
        "rank": mlp.rank, "output_bias": mlp.output_bias,
    }
    return mlp, "ClassicalGenerator", kwargs


def train_patch_qgan(
    digit: int | None = 0,
    *,
    conditional: bool = False,
    seed: int = 0,
    classical: bool = False,
    progress: bool = True,
    **overrides: Any,
) -> Checkpoint:
    """Train the course's patch QGAN on the bundled 8x8 digits with the default settings.

    Unconditional (``digit=d``): a :class:`~qgan_helpers.models.patch.PatchQuantumGenerator` against
    an :class:`~qgan_helpers.models.discriminators.MLPDiscriminator` on the **training** images of digit
    ``d`` (89 zeros), monitored by MMD² (median-heuristic width) and the two-sample accuracy against
    the **held-out** images of ``d``, which it never trains on. Conditional (``conditional=True``): a
    :class:`~qgan_helpers.models.conditional.ConditionalPatchGenerator` and a conditional MLP on the 901
    training digits, monitored per class against the held-out digits by MMD², the two-sample
    accuracy and the course's classifier. ``classical_budget`` (with ``classical=True``) sets the
    baseline's parameter budget instead of the quantum generator's (for budget curves). ``classical=True`` swaps the
    generator for a classical one with at most as many parameters as the quantum one (a
    :class:`~qgan_helpers.models.classical.ClassicalGenerator`, or with ``classical_kind="patch"`` a
    :class:`~qgan_helpers.models.classical.ClassicalPatchGenerator`), trained with exactly the same
    budget (steps, batch, learning rates, discriminator, stabilisers) -- the baseline.

    Parameters
    ----------
    digit : int or None
        The digit to learn (unconditional); ignored (use ``None``) when ``conditional``.
    conditional : bool
    seed : int
        Seeds the weights (:func:`qgan_helpers.seeding.seed_everything`), the batch order and the noise.
    classical : bool
        Train the classical baseline instead (unconditional only).
    progress : bool
    **overrides
        Any key of :data:`PATCH_DEFAULTS` / :data:`CONDITIONAL_DEFAULTS`, e.g. ``loss="wgan-gp"``,
        ``d_steps=5``, ``reupload=True``, ``pixel_method="threshold"``.

    Returns
    -------
    Checkpoint
        Generator, config (enough to rebuild it), history and a provenance dict (without the command).

    Examples
    --------
    A short run with two of the design switches (a few seconds)::

        ck = train_patch_qgan(0, seed=0, progress=False, steps=300, pixel_method="threshold", reupload=True)
        ck.generator.pixel_map.thresholds     # the learned black level of each patch
    """
    from qgan_helpers.data import load_digits_tensors
    from qgan_helpers.models import ConditionalPatchGenerator, PatchQuantumGenerator
    from qgan_helpers.models.discriminators import MLPDiscriminator
    from qgan_helpers.seeding import seed_everything

    settings = dict(CONDITIONAL_DEFAULTS if conditional else PATCH_DEFAULTS)
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(f"overrides: unknown setting(s) {unknown}; expected keys of {sorted(settings)}")
    settings.update(overrides)
    if settings["loss"] == "wgan-gp" and "r1_gamma" not in overrides:
        settings["r1_gamma"] = 0.0  # the gradient penalty replaces R1 (train_gan refuses both)
    if settings["classical_kind"] not in CLASSICAL_KINDS:
        raise ValueError(f"classical_kind: expected one of {list(CLASSICAL_KINDS)}, got {settings['classical_kind']!r}")
    if conditional:
        if classical:
            raise ValueError("classical: the classical baseline is unconditional; expected classical=False with conditional=True")
        digit = None
    else:
        digit = validation.integer("digit", digit, 0, 9)
    seed_everything(seed)
    gen_kwargs = {
        "n_qubits": int(settings["n_qubits"]),
        "n_ancillas": int(settings["n_ancillas"]),
        "depth": int(settings["depth"]),
        "n_generators": int(settings["n_generators"]),
        "n_pixels": 64,
        "init_scale": float(settings["init_scale"]),
        "reupload": settings["reupload"],
        "pixel_method": settings["pixel_method"],
        "threshold_init": settings["threshold_init"],
    }
    encoding_kwargs = {
        "upload_every": settings["upload_every"],
        "input_scaling": settings["input_scaling"],
        "input_scale_init": settings["input_scale_init"],
        "noise_per_upload": settings["noise_per_upload"],
    }
    if conditional:
        plain = {"upload_every": 1, "input_scaling": False, "input_scale_init": None, "noise_per_upload": False}
        changed = sorted(k for k, v in encoding_kwargs.items() if v != plain[k])
        if changed:
            raise ValueError(
                f"{changed[0]}: the conditional generator has no {', '.join(changed)} option; "
                f"expected {plain[changed[0]]!r}, got {settings[changed[0]]!r}"
            )
        images, labels = load_digits_tensors(split="train")
        held, held_labels = load_digits_tensors(split="heldout")
        gen_kwargs["n_classes"] = 10
        gen_kwargs["label_layers"] = None if settings["label_layers"] is None else int(settings["label_layers"])
        gen_kwargs["label_init_scale"] = float(settings["label_init_scale"])
        generator: nn.Module = ConditionalPatchGenerator(**gen_kwargs)
        gen_class = "ConditionalPatchGenerator"
        real: Any = (images, labels)
        eval_fn = mmd_evaluator(held, labels=held_labels, classifier=True, two_sample=True)
        discriminator = MLPDiscriminator(
            hidden=tuple(settings["hidden"]), n_classes=10, conditioning=str(settings["conditioning"])
        )
    else:
        images, _ = load_digits_tensors(int(digit), split="train")
        held, _ = load_digits_tensors(int(digit), split="heldout")
        real = images
        eval_fn = mmd_evaluator(held, labels=int(digit), classifier=True, two_sample=True)
        gen_kwargs.update(encoding_kwargs)
        quantum = PatchQuantumGenerator(**gen_kwargs)
        if classical:
            generator, gen_class, gen_kwargs = _classical_baseline(
                quantum, str(settings["classical_kind"]), seed, settings["classical_budget"]
            )
        else:
            generator, gen_class = quantum, "PatchQuantumGenerator"
        discriminator = MLPDiscriminator(hidden=tuple(settings["hidden"]))
    callbacks = [SampleGridCallback(every=int(settings["sample_every"]), n=20 if conditional else 16, seed=seed + 1)]
    what = "conditional" if conditional else f"digit {digit}"
    history = train_gan(
        generator, discriminator, real,
        steps=int(settings["steps"]), batch_size=int(settings["batch_size"]), lr_g=float(settings["lr_g"]),
        lr_d=float(settings["lr_d"]), conditional=conditional, ema_decay=settings["ema_decay"],
        loss=settings["loss"], gp_lambda=settings["gp_lambda"], d_steps=settings["d_steps"],
        r1_gamma=float(settings["r1_gamma"]), label_smoothing=float(settings["label_smoothing"]),
        lr_schedule=str(settings["lr_schedule"]), lr_final_fraction=float(settings["lr_final_fraction"]),
        callbacks=callbacks, eval_fn=eval_fn,
        eval_every=int(settings["eval_every"]), seed=int(seed), progress=progress,
        desc=f"{'classical' if classical else 'patch QGAN'} ({what})",
    )
    config = {
        "kind": "classical" if classical else ("conditional_patch" if conditional else "patch"),
        "generator": {"class": gen_class, "kwargs": gen_kwargs},
        "noise": "auto",
        "image_shape": [8, 8],
        "digit": digit,
        "n_classes": 10 if conditional else 0,
        "settings": _plain(settings),
    }
    provenance = {"seed": int(seed), "steps": history.steps, "digit": digit, "conditional": bool(conditional)}
    return Checkpoint(generator=generator, config=config, history=history, provenance=provenance)
