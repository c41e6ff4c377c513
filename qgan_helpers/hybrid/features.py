"""The trained hybrid circuit as a feature extractor.

:func:`circuit_features` pushes *images* through a trained generator's circuit: the image is
average-pooled to the circuit's input size (:func:`pool_inputs`: ``2**n`` numbers for amplitude
encoding, ``n`` numbers times pi for angle encoding) and the ``n`` Pauli-Z expectation values are
the features. :func:`feature_table` compares a logistic regression on those features with the same
classifier on the raw pixels, on the pooled inputs and on random features of the same dimension
(:func:`random_features`), on a held-out split.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.hybrid.data import as_images

__all__ = [
    "pool_inputs",
    "circuit_features",
    "random_features",
    "feature_table",
]

def pool_inputs(images: Any, generator: nn.Module) -> torch.Tensor:
    """Images -> the circuit inputs of ``generator``: average-pooled pixels in the encoding's format.

    Amplitude encoding (``2**n`` inputs): the image pooled to a ``2**(n/2) x 2**(n/2)`` grid (4x4
    for 4 qubits), plus ``1e-3`` so that a black image still has a direction. Angle encoding
    (``latent_dim`` inputs: ``n`` per circuit block): pooled to the grid
    :class:`~qgan_helpers.models.discriminators.QuantumDiscriminator` uses for that many blocks (2x2
    for 4 qubits), or, when no grid tiles the image (32 on 28x28), to the squarest grid by adaptive
    pooling (4x8), times pi; block 0 reads the first cells, row by row.

    Returns
    -------
    torch.Tensor, shape (N, latent_dim), float64
    """
    from qgan_helpers.models.discriminators import QuantumDiscriminator

    x = as_images("images", images).clamp(0.0, 1.0)
    encoding = getattr(generator, "encoding", None)
    if encoding not in ("angle", "amplitude"):
        raise ValueError(
            f"generator: expected a HybridQuantumGenerator with encoding 'angle' or 'amplitude', got encoding={encoding!r}"
        )
    n = int(generator.n_qubits)
    if encoding == "amplitude":
        if getattr(generator, "blocks", 1) > 1:
            raise ValueError(
                f"generator: amplitude features need a single circuit block, got blocks={generator.blocks}"
            )
        if n % 2:
            raise ValueError(f"generator: amplitude features need an even number of qubits (a square grid), got {n}")
        grid = (2 ** (n // 2), 2 ** (n // 2))
    else:
        m = int(generator.latent_dim)
        try:
            grid = QuantumDiscriminator._pool_grid(m, tuple(x.shape[1:]))
        except ValueError:  # no grid tiles the image: the squarest one, by adaptive pooling
            rows = max(r for r in range(1, math.isqrt(m) + 1) if m % r == 0)
            grid = (rows, m // rows)
    pooled = nn.functional.adaptive_avg_pool2d(x.unsqueeze(1), grid).reshape(x.shape[0], -1).double()
    return pooled + 1e-3 if encoding == "amplitude" else math.pi * pooled


@torch.no_grad()
def circuit_features(images: Any, generator: nn.Module) -> np.ndarray:
    """The trained circuit's read-out for images: (N, H, W) -> (N, n_features) (``<Z_i>``: ``n_qubits`` per block).

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
    x = as_images("images", images)
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
    x_tr, x_te = as_images("train", x_tr), as_images("test", x_te)
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
        dim = int(gen.n_features)
        if dim not in dims:  # one row per feature dimension
            dims.append(dim)
            rows.append(fit(f"random features, dim {dim}", random_features(x_tr, dim, seed), random_features(x_te, dim, seed)))
    return rows
