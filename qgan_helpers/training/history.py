"""What a training run records, and the hooks that watch it.

* :class:`History` -- losses per step, metrics at evaluation steps, stored sample grids, times and
  the run's settings; it converts to plain values for a checkpoint and back;
* :class:`Callback` -- the base class of hooks :func:`~qgan_helpers.training.train_gan` calls before,
  during and after training, and :func:`check_callbacks`, which checks a list of them;
* :class:`SampleGridCallback` -- stores a grid of images from fixed noise every few steps (what the
  training page's slider scrubs through).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.sampling import NOISE_KINDS, generate, is_conditional
from qgan_helpers.training.jsonable import to_plain

__all__ = ["History", "Callback", "check_callbacks", "SampleGridCallback"]


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
            "settings": to_plain(self.settings),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> History:
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


def check_callbacks(callbacks: Any) -> Sequence[Callback]:
    """``callbacks`` itself if it is a list or tuple of :class:`Callback` objects; a ``TypeError`` otherwise.

    Examples
    --------
    >>> len(check_callbacks([SampleGridCallback()]))
    1
    """
    if not isinstance(callbacks, (list, tuple)) or not all(isinstance(c, Callback) for c in callbacks):
        raise TypeError(f"callbacks: expected a list of Callback objects, got {callbacks!r}")
    return callbacks


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
        if labels is None and is_conditional(generator):
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
