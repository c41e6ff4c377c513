r"""A QCBM as the latent prior of a GAN: the quantum-circuit associative adversarial network (QC-AAN).

Rudolph et al. (2022) let a small QCBM supply the *latent* samples of a classical GAN. The QCBM does
not see images. It learns the distribution of a binarised hidden layer of the discriminator on
**real** images -- the features the discriminator uses to recognise real data -- and the generator
turns QCBM samples into images. The generator's input distribution thus keeps adapting to what real
data "look like" to the discriminator (an *associative* adversarial network).

Here, at a size that trains in seconds on the 8x8 digits:

* :class:`PriorGAN` bundles a :class:`~qgan_helpers.models.classical.ClassicalGenerator` with its prior:
  ``"qcbm"`` (a :class:`~qgan_helpers.born.qcbm.QCBM` on ``latent_dim`` qubits whose bit strings ``b``
  become latents ``z = 1 - 2b`` in ``{-1, +1}``), ``"bits"`` (uniformly random ``+-1``: a fixed
  discrete prior, the control for "discrete vs learned"), or ``"gaussian"`` (standard normal: the
  usual GAN prior, the baseline).
* :class:`AssociativePriorCallback` -- every ``every`` steps of
  :func:`qgan_helpers.training.train_gan` it binarises the discriminator's last hidden layer
  on a batch of real images and takes a few Adam steps of the QCBM on the exact MMD to that
  empirical distribution. Each unit is binarised at its median over the batch (so every bit is 1 for
  half of the real images and carries information); thresholding at 0 instead lets the feature
  distribution -- and with it the prior -- collapse onto a few bit strings (``threshold="zero"``).
* :func:`train_prior_gan` trains one of the three with the same generator, discriminator, steps and
  seed; :func:`evaluate_prior_gan` scores the images against held-out real digits (MMD², classifier
  coverage and class balance).

Examples
--------
>>> model = PriorGAN(prior="bits", latent_dim=4)
>>> tuple(model.sample_latent(3, torch.Generator().manual_seed(0)).shape)
(3, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import born as born_names
from qgan_helpers import validation
from qgan_helpers.born.metrics import DEFAULT_SIGMAS, hamming_kernel_matrix, mmd2_exact
from qgan_helpers.born.qcbm import QCBM, torch_threads
from qgan_helpers.models import ClassicalGenerator
from qgan_helpers.quantum.measurement import empirical_probs
from qgan_helpers.training import Callback

__all__ = ["PRIORS", "THRESHOLDS", "PriorGAN", "AssociativePriorCallback", "PriorGANResult", "train_prior_gan", "evaluate_prior_gan"]

PRIORS = born_names.PRIORS
"""Latent priors of :class:`PriorGAN` (defined in :mod:`qgan_helpers.born`)."""

THRESHOLDS = ("median", "zero")
"""How :class:`AssociativePriorCallback` cuts the discriminator's features into bits."""


class PriorGAN(nn.Module):
    """A classical generator together with its latent prior (a QCBM, random bits, or a Gaussian).

    Parameters
    ----------
    prior : {"qcbm", "bits", "gaussian"}
    latent_dim : int
        Latent dimension = number of QCBM qubits (at most 12).
    hidden : sequence of int
        Hidden widths of the generator.
    n_pixels : int
    qcbm_layers : int
        Layers of the QCBM prior (ring of CNOTs).
    init_seed : int
        Seed of the QCBM's initial angles (the generator is initialised from torch's global generator).

    Examples
    --------
    >>> m = PriorGAN(prior="qcbm", latent_dim=4, qcbm_layers=2)
    >>> tuple(m.generate(2, seed=0).shape)
    (2, 64)
    """

    def __init__(
        self,
        prior: str = "qcbm",
        latent_dim: int = 8,
        hidden: Sequence[int] = (64,),
        n_pixels: int = 64,
        qcbm_layers: int = 3,
        init_seed: int = 0,
    ) -> None:
        super().__init__()
        if prior not in PRIORS:
            raise ValueError(f"prior: expected one of {list(PRIORS)}, got {prior!r}")
        self.prior = prior
        self.latent_dim = validation.positive_int("latent_dim", latent_dim)
        self.hidden = tuple(int(h) for h in hidden)
        self.qcbm_layers = validation.positive_int("qcbm_layers", qcbm_layers)
        self.init_seed = validation.non_negative_int("init_seed", init_seed)
        self.generator = ClassicalGenerator(latent_dim=self.latent_dim, n_pixels=n_pixels, hidden=self.hidden)
        self.qcbm = (
            QCBM(self.latent_dim, self.qcbm_layers, "ring", None, n_starts=1, init_seed=self.init_seed)
            if prior == "qcbm"
            else None
        )

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able)."""
        return {
            "prior": self.prior,
            "latent_dim": self.latent_dim,
            "hidden": list(self.hidden),
            "n_pixels": self.generator.n_pixels,
            "qcbm_layers": self.qcbm_layers,
            "init_seed": self.init_seed,
        }

    @property
    def n_params(self) -> dict[str, int]:
        """Trainable parameters of the generator and of the prior."""
        return {"generator": self.generator.n_params, "prior": self.qcbm.n_params if self.qcbm is not None else 0}

    def prior_probs(self) -> torch.Tensor:
        """The QCBM prior's exact distribution over ``2**latent_dim`` bit strings (``"qcbm"`` only)."""
        if self.qcbm is None:
            raise ValueError(f"prior: only the 'qcbm' prior has a distribution over bit strings, this one is {self.prior!r}")
        return self.qcbm.probs()

    def sample_latent(self, n: int, rng: torch.Generator, probs: torch.Tensor | None = None) -> torch.Tensor:
        """``n`` latent vectors of shape ``(n, latent_dim)``, float32.

        ``"qcbm"``: bit strings drawn from the QCBM (``probs`` if given, e.g. a cached copy), mapped to
        ``1 - 2b``; ``"bits"``: uniform ``+-1``; ``"gaussian"``: standard normal.
        """
        n = validation.positive_int("n", n)
        if self.prior == "gaussian":
            return torch.randn(n, self.latent_dim, generator=rng)
        if self.prior == "bits":
            return 1.0 - 2.0 * torch.randint(0, 2, (n, self.latent_dim), generator=rng).float()
        p = self.prior_probs() if probs is None else probs
        index = torch.multinomial(p.float(), n, replacement=True, generator=rng)
        bits = (index[:, None] >> torch.arange(self.latent_dim - 1, -1, -1)) & 1
        return 1.0 - 2.0 * bits.float()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """The generator: latents ``(B, latent_dim)`` -> pixels ``(B, n_pixels)`` in ``(0, 1)``."""
        return self.generator(z)

    @torch.no_grad()
    def generate(self, n: int, seed: int = 0) -> torch.Tensor:
        """``n`` images (flattened, shape ``(n, n_pixels)``) from fresh latents with a fixed seed."""
        rng = torch.Generator().manual_seed(validation.seed(seed))
        return self.generator(self.sample_latent(n, rng))


def _feature_layer(discriminator: nn.Module, width: int) -> nn.Linear:
    """The discriminator's last hidden ``nn.Linear`` (the one before the output layer)."""
    net = getattr(discriminator, "net", None)
    linears = [m for m in net if isinstance(m, nn.Linear)] if isinstance(net, nn.Sequential) else []
    if len(linears) < 2:
        raise ValueError("discriminator: expected an MLPDiscriminator with at least one hidden layer (a .net Sequential)")
    layer = linears[-2]
    if layer.out_features != width:
        raise ValueError(
            f"discriminator: expected its last hidden layer to have latent_dim = {width} units (one per QCBM qubit), "
            f"got {layer.out_features}"
        )
    return layer


class AssociativePriorCallback(Callback):
    """Keep a QCBM prior matched to the discriminator's binarised features of real images.

    A :class:`qgan_helpers.training.Callback` for ``train_gan``. Every ``every`` steps: run
    ``n_real`` random real images through the discriminator, binarise its last hidden layer (a unit
    above its median over the batch -> bit 1; above 0 with ``threshold="zero"``), and take
    ``updates`` Adam steps of the QCBM on the exact MMD between its distribution and the empirical
    distribution of those bit strings. The prior's probabilities are cached for sampling.

    Parameters
    ----------
    model : PriorGAN
        With ``prior="qcbm"``.
    discriminator : MLPDiscriminator
        Whose last hidden layer has ``latent_dim`` units.
    real_images : torch.Tensor, shape (N, n_pixels) or (N, 8, 8)
    every, n_real, updates : int
    lr : float
        Adam learning rate of the QCBM.
    sigmas : sequence of float
        Bandwidths of the MMD kernel.
    threshold : {"median", "zero"}
        Where each feature unit is cut into a bit.
    seed : int

    Attributes
    ----------
    mmd : list of float
        The QCBM's MMD to the feature distribution after each update.
    """

    def __init__(
        self,
        model: PriorGAN,
        discriminator: nn.Module,
        real_images: torch.Tensor,
        *,
        every: int = 10,
        n_real: int = 256,
        updates: int = 5,
        lr: float = 0.05,
        sigmas: Sequence[float] = DEFAULT_SIGMAS,
        threshold: str = "median",
        seed: int = 0,
    ) -> None:
        if not isinstance(model, PriorGAN) or model.qcbm is None:
            raise ValueError("model: expected a PriorGAN with prior='qcbm'")
        if threshold not in THRESHOLDS:
            raise ValueError(f"threshold: expected one of {list(THRESHOLDS)}, got {threshold!r}")
        self.threshold = threshold
        self.model = model
        self.layer = _feature_layer(discriminator, model.latent_dim)
        self.discriminator = discriminator
        self.real = torch.as_tensor(real_images, dtype=torch.float32).reshape(len(real_images), -1)
        self.every = validation.positive_int("every", every)
        self.n_real = min(validation.positive_int("n_real", n_real), len(self.real))
        self.updates = validation.positive_int("updates", updates)
        self.kernel = hamming_kernel_matrix(model.latent_dim, list(sigmas))
        self.opt = torch.optim.Adam(model.qcbm.parameters(), lr=lr)
        self.rng = torch.Generator().manual_seed(validation.seed(seed))
        self.mmd: list[float] = []
        self.probs = model.prior_probs()

    def features(self, images: torch.Tensor) -> np.ndarray:
        """Binarised last-hidden-layer activations of the discriminator, bits of shape ``(N, latent_dim)``."""
        store: list[torch.Tensor] = []
        handle = self.layer.register_forward_hook(lambda _m, _i, out: store.append(out.detach()))
        try:
            with torch.no_grad():
                self.discriminator(images)
        finally:
            handle.remove()
        f = store[0]
        cut = f.median(dim=0, keepdim=True).values if self.threshold == "median" else torch.zeros_like(f[:1])
        return (f > cut).long().numpy()

    def update(self) -> float:
        """One associative update of the QCBM; returns its MMD to the current feature distribution."""
        idx = torch.randperm(len(self.real), generator=self.rng)[: self.n_real]
        target = torch.as_tensor(empirical_probs(self.features(self.real[idx]), self.model.latent_dim))
        qcbm = self.model.qcbm
        with torch.enable_grad():
            for _ in range(self.updates):
                loss = mmd2_exact(target, qcbm()[0], self.kernel)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
        with torch.no_grad():
            q = qcbm()[0]
            self.probs = q
            value = float(mmd2_exact(target, q, self.kernel))
        self.mmd.append(value)
        return value

    def sample(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """The noise function for ``train_gan``: latents from the cached QCBM distribution."""
        return self.model.sample_latent(n, rng, probs=self.probs)

    def on_train_begin(self, generator: nn.Module, history: Any) -> None:
        self.update()

    def on_step(self, step: int, generator: nn.Module, history: Any) -> None:
        if step % self.every == 0:
            self.update()



@dataclass
class PriorGANResult:
    """The result of :func:`train_prior_gan`.

    Attributes
    ----------
    model : PriorGAN
    history : qgan_helpers.training.History
    prior_mmd : list of float
        The QCBM prior's MMD to the discriminator's feature distribution after each update (``"qcbm"`` only).
    metrics : dict
        :func:`evaluate_prior_gan` on the held-out digits.
    settings : dict
    """

    model: PriorGAN
    history: Any
    prior_mmd: list[float]
    metrics: dict[str, float]
    settings: dict[str, Any] = field(default_factory=dict)


def evaluate_prior_gan(model: PriorGAN, seed: int = 1234) -> dict[str, float]:
    """Score the generated digits against the held-out real digits with the course's suite.

    :func:`qgan_helpers.metrics.suite.evaluate_images` with ``digit=None``: the generated digits
    against the 896 held-out digits of all ten classes, five draws of 896 images.

    Returns
    -------
    dict
        ``two_sample``, ``frechet``, ``precision``, ``recall``, ``density``, ``coverage``, ``mmd2``
        (median-heuristic width), ``nearer_train`` and ``class_kl`` -- KL divergence (nats) of the
        feature network's class histogram of the samples from the held-out digits' (0 = every digit
        as often as in the data, about 2.3 = a single digit).
    """
    from qgan_helpers.metrics.datasets import real_images
    from qgan_helpers.metrics.suite import evaluate_images

    if not isinstance(model, PriorGAN):
        raise TypeError(f"model: expected a PriorGAN, got {type(model).__name__}")
    n = 5 * len(real_images("digits", "heldout")[0])
    with torch.no_grad():
        fake = model.generate(n, seed=seed).reshape(n, 8, 8).clamp(0, 1)
    scores = evaluate_images(fake, None, name=f"{model.prior} prior", seed=seed).as_dict()
    keys = ("two_sample", "frechet", "precision", "recall", "density", "coverage", "mmd2", "nearer_train", "class_kl")
    return {k: float(scores[k]) for k in keys}


def train_prior_gan(
    prior: str = "qcbm",
    *,
    steps: int = 2000,
    latent_dim: int = 8,
    hidden: Sequence[int] = (64,),
    qcbm_layers: int = 3,
    batch_size: int = 64,
    lr_g: float = 2e-3,
    lr_d: float = 2e-3,
    every: int = 10,
    threshold: str = "median",
    seed: int = 0,
    threads: int | None = 1,
    progress: bool = False,
) -> PriorGANResult:
    """Train a GAN on the 8x8 digits (training split) with the given latent prior.

    The three priors share everything else: the generator (``latent_dim -> hidden -> 64``), the
    discriminator (``MLPDiscriminator(hidden=(64, latent_dim))``), the optimiser settings, the steps
    and the seed (hence the generator's initial weights and the batches).

    Parameters
    ----------
    prior : {"qcbm", "bits", "gaussian"}
    steps, batch_size, lr_g, lr_d :
        Passed to :func:`qgan_helpers.training.train_gan`.
    latent_dim, hidden, qcbm_layers :
        See :class:`PriorGAN`.
    every : int
        Steps between two associative updates of the QCBM prior.
    threshold : {"median", "zero"}
        How the discriminator's features are binarised (see :class:`AssociativePriorCallback`).
    seed : int
    threads : int or None
        torch threads (see :func:`qgan_helpers.born.qcbm.torch_threads`).
    progress : bool

    Returns
    -------
    PriorGANResult
    """
    from qgan_helpers.data import load_digits_tensors
    from qgan_helpers.models.discriminators import MLPDiscriminator
    from qgan_helpers.training import train_gan

    if prior not in PRIORS:
        raise ValueError(f"prior: expected one of {list(PRIORS)}, got {prior!r}")
    seed = validation.seed(seed)
    with torch_threads(threads):
        torch.manual_seed(seed)
        model = PriorGAN(prior, latent_dim, hidden, 64, qcbm_layers, init_seed=seed)
        discriminator = MLPDiscriminator(n_pixels=64, hidden=(64, model.latent_dim))
        real, _ = load_digits_tensors(split="train")
        callbacks: list[Any] = []
        if prior == "qcbm":
            assoc = AssociativePriorCallback(model, discriminator, real, every=every, threshold=threshold, seed=seed)
            callbacks.append(assoc)
            noise = assoc.sample
        else:
            noise = model.sample_latent
        history = train_gan(
            model.generator, discriminator, real, steps=validation.positive_int("steps", steps), batch_size=batch_size,
            lr_g=lr_g, lr_d=lr_d, latent_dim=model.latent_dim, noise=noise, callbacks=callbacks, seed=seed,
            progress=progress, desc=f"GAN with a {prior} prior",
        )
        model.eval()
        metrics = evaluate_prior_gan(model)
    settings = {**model.config(), "steps": int(steps), "batch_size": batch_size, "lr_g": lr_g, "lr_d": lr_d,
                "every": every, "threshold": threshold, "seed": seed, "discriminator_hidden": [64, model.latent_dim]}
    return PriorGANResult(model=model, history=history, prior_mmd=list(callbacks[0].mmd) if callbacks else [],
                          metrics=metrics, settings=settings)
