"""Discriminators: an MLP for 8x8 digits, the seed's CNN for 28x28 images, and a quantum classifier.

Convention: every discriminator returns **logits** of shape ``(B,)`` -- a real number per image,
large for "real", small for "fake"; ``torch.sigmoid(logit)`` is the probability of "real". The
losses in :mod:`qgan_helpers.training` use ``binary_cross_entropy_with_logits`` on them, which is
the numerically stable form of ``-log D(x)``.

Every discriminator accepts images as ``(B, H, W)``, ``(B, 1, H, W)`` or flattened ``(B, H*W)``.
A class-conditional discriminator (``n_classes > 0``) also takes integer ``labels`` of shape ``(B,)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation

__all__ = ["MLPDiscriminator", "CNNDiscriminator", "QuantumDiscriminator"]


def _flat_images(x: Any, n_pixels: int, side: tuple[int, int] | None) -> torch.Tensor:
    """Check and flatten images to (B, n_pixels)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a torch.Tensor of images, got {type(x).__name__}")
    shape = tuple(x.shape)
    ok = (
        (len(shape) == 2 and shape[1] == n_pixels)
        or (len(shape) == 3 and shape[1] * shape[2] == n_pixels and (side is None or shape[1:] == side))
        or (len(shape) == 4 and shape[1] == 1 and shape[2] * shape[3] == n_pixels and (side is None or shape[2:] == side))
    )
    if not ok or shape[0] < 1:
        hw = f"{side[0]}, {side[1]}" if side else "H, W"
        raise ValueError(
            f"x: expected images of shape (B, {n_pixels}), (B, {hw}) or (B, 1, {hw}) with B >= 1, got {shape}"
        )
    return x.reshape(shape[0], n_pixels).to(torch.get_default_dtype())


def _check_labels(labels: Any, batch: int, n_classes: int) -> torch.Tensor | None:
    if n_classes == 0:
        if labels is not None:
            raise ValueError("labels: this discriminator is unconditional (n_classes=0); expected labels=None")
        return None
    if labels is None:
        raise ValueError(f"labels: this discriminator is conditional (n_classes={n_classes}); expected labels of shape ({batch},)")
    labels = torch.as_tensor(labels)
    if labels.shape != (batch,) or labels.dtype.is_floating_point:
        raise ValueError(f"labels: expected integer labels of shape ({batch},), got {tuple(labels.shape)} {labels.dtype}")
    if batch and (int(labels.min()) < 0 or int(labels.max()) >= n_classes):
        raise ValueError(f"labels: expected values in 0..{n_classes - 1}, got {labels.unique().tolist()[:10]}")
    return labels.long()


class MLPDiscriminator(nn.Module):
    """A small fully connected discriminator for flattened images (the PennyLane demo's 64-64-16-1).

    ``Linear(n_pixels [+ n_classes], h1) -> act -> Linear(h1, h2) -> act -> ... -> Linear(h_last, 1)``,
    returning a logit per image. With ``n_classes > 0`` the discriminator is conditional:
    ``conditioning="concat"`` appends the one-hot label to the pixels; ``"projection"`` (Miyato &
    Koyama 2018) adds ``<e_y, phi(x)>`` to the logit, where ``phi(x)`` is the last hidden layer and
    ``e_y`` a learned embedding of the label -- the label then asks "is this a real *y*?" directly.

    Parameters
    ----------
    n_pixels : int
        Pixels per image (64 for 8x8).
    hidden : sequence of int
        Hidden layer widths.
    n_classes : int
        0 for an unconditional discriminator, else the number of classes of the labels.
    activation : {"leaky_relu", "relu"}
        ``"leaky_relu"`` (slope 0.2) keeps gradients alive for images the discriminator is sure about.
    conditioning : {"concat", "projection"}
        How the label enters a conditional discriminator.
    aux_classifier : bool
        Also predict the class of an image from the last hidden layer (:meth:`class_logits`), for the
        auxiliary classifier loss of ``train_gan(..., aux_weight=...)`` (AC-GAN). Needs
        ``n_classes > 0``, ``conditioning="projection"`` and a hidden layer.

    Examples
    --------
    >>> d = MLPDiscriminator()
    >>> d(torch.rand(5, 8, 8)).shape
    torch.Size([5])
    >>> a = MLPDiscriminator(784, (32,), n_classes=10, conditioning="projection", aux_classifier=True)
    >>> a.class_logits(torch.rand(5, 28, 28)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        n_pixels: int = 64,
        hidden: Sequence[int] = (64, 16),
        n_classes: int = 0,
        activation: str = "leaky_relu",
        conditioning: str = "concat",
        aux_classifier: bool = False,
    ) -> None:
        super().__init__()
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        hidden = tuple(hidden)
        for h in hidden:
            validation.positive_int("hidden", h)
        n_classes = validation.non_negative_int("n_classes", n_classes)
        if activation not in ("leaky_relu", "relu"):
            raise ValueError(f"activation: expected 'leaky_relu' or 'relu', got {activation!r}")
        if conditioning not in ("concat", "projection"):
            raise ValueError(f"conditioning: expected 'concat' or 'projection', got {conditioning!r}")
        if conditioning == "projection" and not hidden:
            raise ValueError("hidden: conditioning='projection' needs at least one hidden layer, got ()")
        self.n_classes = int(n_classes)
        self.hidden = hidden
        self.activation = activation
        self.conditioning = conditioning
        concat = self.n_classes if conditioning == "concat" else 0
        layers: list[nn.Module] = []
        width = self.n_pixels + concat
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2) if activation == "leaky_relu" else nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)
        self.embed = nn.Embedding(self.n_classes, width) if (self.n_classes and conditioning == "projection") else None
        if not isinstance(aux_classifier, bool):
            raise TypeError(f"aux_classifier: expected True or False, got {aux_classifier!r}")
        if aux_classifier and self.embed is None:
            raise ValueError(
                "aux_classifier: needs n_classes > 0 and conditioning='projection' (a class head on the last "
                f"hidden layer), got n_classes={self.n_classes}, conditioning={conditioning!r}"
            )
        self.aux_classifier = aux_classifier
        self.classifier = nn.Linear(width, self.n_classes) if aux_classifier else None

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,), for images ``x`` of shape (B, n_pixels), (B, H, W) or (B, 1, H, W)."""
        flat = _flat_images(x, self.n_pixels, None)
        lab = _check_labels(labels, flat.shape[0], self.n_classes)
        if lab is None:
            return self.net(flat).squeeze(-1)
        if self.embed is None:  # concat
            flat = torch.cat([flat, nn.functional.one_hot(lab, self.n_classes).to(flat.dtype)], dim=1)
            return self.net(flat).squeeze(-1)
        phi = self.net[:-1](flat)
        return self.net[-1](phi).squeeze(-1) + (self.embed(lab) * phi).sum(-1)

    def class_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape (B, n_classes), of the auxiliary classifier (``aux_classifier=True`` only)."""
        if self.classifier is None:
            raise ValueError("class_logits: this discriminator was built without aux_classifier=True")
        return self.classifier(self.net[:-1](_flat_images(x, self.n_pixels, None)))


class CNNDiscriminator(nn.Module):
    """The seed article's convolutional discriminator for 28x28 images (two conv blocks and a linear head).

    ``Conv2d(1, c1, 3, padding=1) -> LeakyReLU(0.2) -> MaxPool2d(2)`` (28 -> 14),
    ``Conv2d(c1, c2, 3, padding=1) -> LeakyReLU(0.2) -> MaxPool2d(2)`` (14 -> 7),
    ``Flatten -> Linear(c2 * 7 * 7, 1)``: one logit per image. With the default ``channels=(16, 32)``
    it has 6,369 parameters. Any ``image_size`` divisible by 4 works (8 -> 2x2 feature maps).

    Parameters
    ----------
    image_size : int
        Height = width of the images, divisible by 4.
    channels : tuple of two ints
        Channels of the two convolutions.

    Examples
    --------
    >>> d = CNNDiscriminator()
    >>> d(torch.rand(3, 1, 28, 28)).shape
    torch.Size([3])
    """

    def __init__(self, image_size: int = 28, channels: tuple[int, int] = (16, 32)) -> None:
        super().__init__()
        self.image_size = validation.positive_int("image_size", image_size)
        if self.image_size % 4:
            raise ValueError(f"image_size: expected a multiple of 4 (two 2x2 poolings), got {image_size}")
        channels = tuple(channels)
        if len(channels) != 2:
            raise ValueError(f"channels: expected two channel counts, got {channels!r}")
        c1, c2 = (validation.positive_int("channels", c) for c in channels)
        self.channels = (c1, c2)
        side = self.image_size // 4
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.MaxPool2d(2),
        )
        self.head = nn.Linear(c2 * side * side, 1)
        self.n_classes = 0

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,), for images of shape (B, s*s), (B, s, s) or (B, 1, s, s) with s = image_size."""
        s = self.image_size
        flat = _flat_images(x, s * s, (s, s))
        _check_labels(labels, flat.shape[0], 0)
        h = self.features(flat.reshape(-1, 1, s, s))
        return self.head(h.flatten(1)).squeeze(-1)


class QuantumDiscriminator(nn.Module):
    """A variational quantum classifier used as a discriminator.

    The image is reduced to ``n_qubits`` features in ``[0, 1]`` -- average pooling over a grid of
    ``rows x cols = n_qubits`` blocks (``features="pool"``) or a fixed PCA projection squashed by a
    sigmoid (``features="pca"``, see :meth:`from_pca`) -- angle-encoded with ``RY(pi * f)``, followed by
    ``layers`` of the seed's hardware-efficient layer (:func:`qgan_helpers.quantum.circuits.seed_layer`).
    The logit is ``scale * <Z_0> + bias`` with trainable ``scale`` and ``bias``. The batch is evaluated
    in one broadcast circuit call.

    Parameters
    ----------
    n_qubits : int
        Number of qubits = number of features; for pooling it must split the image into a grid
        (e.g. 4 -> 2x2 blocks of a 8x8 image).
    layers : int
        Hardware-efficient layers.
    image_shape : tuple of int
        (H, W) of the images.
    features : {"pool", "pca"}
    projection : tensor, shape (n_qubits, H*W), optional
        Required for ``"pca"``: rows are principal directions (use :meth:`from_pca`).
    mean : tensor, shape (H*W,), optional
        Mean image subtracted before projecting (``"pca"``).

    Examples
    --------
    >>> d = QuantumDiscriminator(n_qubits=4, layers=2)
    >>> d(torch.rand(6, 8, 8)).shape
    torch.Size([6])
    """

    def __init__(
        self,
        n_qubits: int = 4,
        layers: int = 2,
        image_shape: tuple[int, int] = (8, 8),
        features: str = "pool",
        projection: torch.Tensor | None = None,
        mean: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        import pennylane as qml

        from qgan_helpers.quantum.circuits import angle_encoding, seed_ansatz, seed_weight_shape

        self.n_qubits = validation.positive_int("n_qubits", n_qubits)
        self.layers = validation.positive_int("layers", layers)
        image_shape = tuple(image_shape)
        if len(image_shape) != 2:
            raise ValueError(f"image_shape: expected (H, W), got {image_shape!r}")
        self.image_shape = (
            validation.positive_int("image_shape", image_shape[0]),
            validation.positive_int("image_shape", image_shape[1]),
        )
        self.n_pixels = self.image_shape[0] * self.image_shape[1]
        self.n_classes = 0
        if features == "pool":
            self.grid = self._pool_grid(self.n_qubits, self.image_shape)
            self.register_buffer("projection", torch.zeros(0))
            self.register_buffer("mean", torch.zeros(0))
        elif features == "pca":
            if projection is None:
                raise ValueError(
                    "projection: features='pca' needs a projection matrix; build it with "
                    "QuantumDiscriminator.from_pca(images, ...)"
                )
            projection = torch.as_tensor(projection, dtype=torch.get_default_dtype())
            if projection.shape != (self.n_qubits, self.n_pixels):
                raise ValueError(
                    f"projection: expected shape ({self.n_qubits}, {self.n_pixels}), got {tuple(projection.shape)}"
                )
            mean = torch.zeros(self.n_pixels) if mean is None else torch.as_tensor(mean, dtype=projection.dtype)
            if mean.shape != (self.n_pixels,):
                raise ValueError(f"mean: expected shape ({self.n_pixels},), got {tuple(mean.shape)}")
            self.grid = None
            self.register_buffer("projection", projection)
            self.register_buffer("mean", mean)
        else:
            raise ValueError(f"features: expected 'pool' or 'pca', got {features!r}")
        self.features = features
        self.weights = nn.Parameter(0.1 * torch.randn(seed_weight_shape(self.layers, self.n_qubits)))
        self.scale = nn.Parameter(torch.tensor(3.0))
        self.bias = nn.Parameter(torch.tensor(0.0))
        dev = qml.device("default.qubit", wires=self.n_qubits)

        def circuit(f: torch.Tensor, w: torch.Tensor) -> Any:
            angle_encoding(math.pi * f, self.n_qubits)
            seed_ansatz(w, self.n_qubits)
            return qml.expval(qml.PauliZ(0))

        self.circuit = qml.QNode(circuit, dev, interface="torch", diff_method="backprop")

    @staticmethod
    def _pool_grid(n: int, shape: tuple[int, int]) -> tuple[int, int]:
        h, w = shape
        for rows in range(int(math.isqrt(n)), 0, -1):
            cols = n // rows
            if rows * cols == n and h % rows == 0 and w % cols == 0:
                return rows, cols
        raise ValueError(f"n_qubits: expected a number of pooling blocks that tiles a {h}x{w} image, got {n}")

    @classmethod
    def from_pca(cls, images: Any, n_qubits: int = 4, layers: int = 2) -> QuantumDiscriminator:
        """A quantum discriminator whose features are the top ``n_qubits`` principal components of ``images``.

        Parameters
        ----------
        images : array or tensor, shape (N, H, W)
            Real images used to fit the PCA (N > n_qubits).
        """
        x = torch.as_tensor(np.asarray(images), dtype=torch.get_default_dtype())
        if x.ndim != 3 or x.shape[0] <= n_qubits:
            raise ValueError(f"images: expected shape (N, H, W) with N > n_qubits={n_qubits}, got {tuple(x.shape)}")
        flat = x.reshape(x.shape[0], -1)
        mean = flat.mean(0)
        _, s, vh = torch.linalg.svd(flat - mean, full_matrices=False)
        std = s[:n_qubits] / math.sqrt(flat.shape[0] - 1)
        projection = vh[:n_qubits] / std[:, None]  # unit variance per component on the real data
        return cls(n_qubits, layers, tuple(x.shape[1:]), features="pca", projection=projection, mean=mean)

    def extract_features(self, x: torch.Tensor) -> torch.Tensor:
        """The ``(B, n_qubits)`` features in ``[0, 1]`` that the circuit encodes."""
        flat = _flat_images(x, self.n_pixels, self.image_shape)
        if self.features == "pool":
            rows, cols = self.grid
            img = flat.reshape(-1, 1, *self.image_shape)
            return nn.functional.adaptive_avg_pool2d(img, (rows, cols)).reshape(flat.shape[0], -1)
        return torch.sigmoid((flat - self.mean) @ self.projection.T)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,)."""
        f = self.extract_features(x)
        _check_labels(labels, f.shape[0], 0)
        z = self.circuit(f, self.weights)
        z = torch.as_tensor(z).to(f.dtype).reshape(f.shape[0])
        return self.scale * z + self.bias
