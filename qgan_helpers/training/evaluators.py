"""Evaluation functions for :func:`~qgan_helpers.training.train_gan`'s ``eval_fn``.

:func:`mmd_evaluator` scores generated images against held-out real ones every few steps: MMD²,
and optionally the course's classifier and the classifier two-sample test, per class for a
conditional generator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.sampling import generate

__all__ = ["mmd_evaluator"]


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
