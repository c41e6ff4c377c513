"""Patch quantum generators at 28x28 (real MNIST), the PQWGAN setting of Tsang et al. (2023).

:class:`MnistPatchGenerator` (one digit) and :class:`ConditionalMnistPatchGenerator` (all ten) are
the 8x8 patch generators of :mod:`.patch` and :mod:`.conditional` with one sub-generator per image
*row*: 28 circuits of ``n_qubits`` wires (by default 5 data qubits and 1 ancilla), every one
measured, its ancilla post-selected on 0, and the first 28 of its 32 data outcomes painting the 28
pixels of its row. The circuits, the label's angle offsets and the evaluation are the 8x8 ones: all
``28 * B`` circuits of a batch run as one batched state vector on the shared engine (the lean tape
replay, :class:`~qgan_helpers.models.replay.TapeReplay`).

Why a different output map
--------------------------
The 8x8 maps all start from ``p / max(p)``: the brightest pixel of every patch is 1. On the 8x8
digits nearly every row holds ink; on MNIST about a third of the rows are empty (the border), and
a map that lights one pixel in every row cannot draw them. :class:`RowPixelMap` uses the measured
probabilities themselves: pixel ``i`` of row ``g`` is ``tanh(k_g * p_i)`` with a learned gain
``k_g = exp(a_g)`` per row. The ``2**(n_qubits - n_ancillas) - 28`` outcomes beyond the row
(4 with 5 data qubits) are *dark outcomes*: a circuit that puts its probability there leaves its
row black, so an empty row costs no contortion, and a bright row spreads its probability over its
stroke. ``tanh`` keeps pixels in ``[0, 1]`` without a clamp's dead gradient.

:class:`ConditionalClassicalGenerator` is the classical twin of the conditional generator: an MLP
of :class:`~qgan_helpers.models.classical.ClassicalGenerator` reading the noise and the one-hot
label, with at most the quantum generator's parameter count (:meth:`ConditionalClassicalGenerator.with_budget`).

Examples
--------
>>> gen = ConditionalMnistPatchGenerator(depth=2)
>>> x = gen(gen.sample_noise(3), torch.tensor([0, 4, 9]))
>>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
((3, 784), True, True)
>>> small = MnistPatchGenerator(n_qubits=3, n_ancillas=1, depth=2, image_side=4)   # 4 rows of 4
>>> tuple(small(small.sample_noise(2)).shape), small.n_params
((2, 16), 28)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.classical import ClassicalGenerator
from qgan_helpers.models.common import _check_labels, _check_noise, _count_trainable
from qgan_helpers.models.conditional import ConditionalPatchGenerator
from qgan_helpers.models.patch import PatchQuantumGenerator
from qgan_helpers.quantum.measurement import postselect

__all__ = [
    "RowPixelMap",
    "MnistPatchGenerator",
    "ConditionalMnistPatchGenerator",
    "ConditionalClassicalGenerator",
]


class RowPixelMap(nn.Module):
    """Post-selected probabilities of each row's circuit -> that row's pixels, ``tanh(k_g * p_i)``.

    Parameters
    ----------
    n_rows : int
        Rows (= sub-generators), each with its own gain ``k_g = exp(a_g)``.
    width : int
        Pixels per row: the first ``width`` outcomes paint them, the others are dark outcomes.
    gain_init : float
        The initial gain of every row (> 0).

    Examples
    --------
    >>> m = RowPixelMap(2, 3, gain_init=4.0)
    >>> p = torch.tensor([[[0.5, 0.25, 0.0, 0.25]], [[0.0, 0.0, 0.0, 1.0]]], dtype=torch.float64)
    >>> m(p).shape, float(m(p)[1].max().detach())       # row 1 put everything on its dark outcome: black
    (torch.Size([2, 1, 3]), 0.0)
    """

    def __init__(self, n_rows: int, width: int, gain_init: float = 16.0) -> None:
        super().__init__()
        self.n_rows = validation.positive_int("n_rows", n_rows)
        self.width = validation.positive_int("width", width)
        self.gain_init = validation.number("gain_init", gain_init, 0)
        if self.gain_init <= 0:
            raise ValueError(f"gain_init: expected a positive gain, got {gain_init!r}")
        self.log_gain = nn.Parameter(torch.full((self.n_rows,), math.log(self.gain_init)))

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        """(G, ..., outcomes) with ``outcomes >= width`` -> (G, ..., width) pixels in ``[0, 1]``."""
        if probs.shape[0] != self.n_rows or probs.shape[-1] < self.width:
            raise ValueError(
                f"probs: expected shape ({self.n_rows}, ..., >= {self.width}), got {tuple(probs.shape)}"
            )
        gain = self.log_gain.to(probs.dtype).exp().reshape(-1, *([1] * (probs.ndim - 1)))
        return torch.tanh(gain * probs[..., : self.width])


class _Rows:
    """What both 28x28 generators add to their 8x8 parent: one row per circuit, the row map."""

    n_generators: int
    n_qubits: int
    n_ancillas: int
    weights: nn.Parameter

    def _init_rows(self, image_side: int, gain_init: float) -> None:
        self.image_side = image_side
        self.pixel_map = RowPixelMap(image_side, image_side, gain_init)

    @property
    def image_shape(self) -> tuple[int, int]:
        """``(H, W)`` of one image."""
        return (self.image_side, self.image_side)

    @property
    def n_params(self) -> int:
        """Trainable numbers: circuit angles, label tables (conditional), row gains."""
        return _count_trainable(self)

    def patches(self, probs: torch.Tensor) -> torch.Tensor:
        """Post-select the ancillas on 0, then the row map: (G, B, 2**n) -> (G, B, image_side)."""
        return self.pixel_map(postselect(probs, self.n_ancillas))

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Images ``(B, image_side**2)``: row ``g`` of every image is circuit ``g``'s patch."""
        rows = self.patches(self.circuit_probs(noise, labels, method))  # (G, B, side)
        g, b, w = rows.shape
        return rows.permute(1, 0, 2).reshape(b, g * w).to(self.weights.dtype)


def _side(n_qubits: int, n_ancillas: int, image_side: int) -> int:
    """The checked row count; a row's ``image_side`` pixels need at least as many data outcomes."""
    side = validation.integer("image_side", image_side, 2)
    data = validation.positive_int("n_qubits", n_qubits) - validation.non_negative_int("n_ancillas", n_ancillas)
    if data < 1 or 2**data < side:
        raise ValueError(
            f"n_qubits: a row of {side} pixels needs 2**(n_qubits - n_ancillas) >= {side} outcomes, "
            f"got 2**({n_qubits} - {n_ancillas}) = {2.0**data:g}"
        )
    return side


class MnistPatchGenerator(_Rows, PatchQuantumGenerator):
    """One digit at ``image_side`` x ``image_side``: one circuit per row (see the module docstring).

    Parameters
    ----------
    n_qubits, n_ancillas, depth, init_scale, reupload, upload_every, noise_per_upload, device, diff_method, method
        As :class:`~qgan_helpers.models.patch.PatchQuantumGenerator`; ``2**(n_qubits - n_ancillas)``
        must be at least ``image_side``.
    image_side : int
        Rows (= sub-generators) and pixels per row; 28 for MNIST.
    gain_init : float
        Initial gain of :class:`RowPixelMap`.
    """

    def __init__(
        self,
        n_qubits: int = 6,
        n_ancillas: int = 1,
        depth: int = 8,
        image_side: int = 28,
        init_scale: float = 0.5,
        gain_init: float = 16.0,
        reupload: bool = False,
        upload_every: int = 1,
        noise_per_upload: bool = False,
        device: str = "default.qubit",
        diff_method: str | None = None,
        method: str | None = None,
    ) -> None:
        side = _side(n_qubits, n_ancillas, image_side)
        super().__init__(
            n_qubits=n_qubits, n_ancillas=n_ancillas, depth=depth, n_generators=side, n_pixels=side * side,
            init_scale=init_scale, device=device, diff_method=diff_method, method=method, reupload=reupload,
            upload_every=upload_every, noise_per_upload=noise_per_upload,
        )
        self._init_rows(side, gain_init)


class ConditionalMnistPatchGenerator(_Rows, ConditionalPatchGenerator):
    """All ten digits at 28x28: one circuit per row, the label as angle offsets in every layer.

    The label enters as in :class:`~qgan_helpers.models.conditional.ConditionalPatchGenerator`: each
    row circuit ``g`` has a learned table ``E[g, c]`` of ``label_layers`` x ``n_qubits`` angles per
    class, added to the noise encoding and to the first layers' angles.

    Parameters
    ----------
    n_qubits, n_ancillas, depth, n_classes, label_layers, init_scale, label_init_scale, reupload, device, diff_method, method
        As :class:`~qgan_helpers.models.conditional.ConditionalPatchGenerator`.
    image_side, gain_init
        As :class:`MnistPatchGenerator`.
    """

    def __init__(
        self,
        n_qubits: int = 6,
        n_ancillas: int = 1,
        depth: int = 8,
        image_side: int = 28,
        n_classes: int = 10,
        label_layers: int | None = None,
        init_scale: float = 0.5,
        label_init_scale: float = 0.5,
        gain_init: float = 16.0,
        reupload: bool = False,
        device: str = "default.qubit",
        diff_method: str | None = None,
        method: str | None = None,
    ) -> None:
        side = _side(n_qubits, n_ancillas, image_side)
        super().__init__(
            n_qubits=n_qubits, n_ancillas=n_ancillas, depth=depth, n_generators=side, n_pixels=side * side,
            n_classes=n_classes, label_layers=label_layers, init_scale=init_scale,
            label_init_scale=label_init_scale, device=device, diff_method=diff_method, method=method,
            reupload=reupload,
        )
        self._init_rows(side, gain_init)


class ConditionalClassicalGenerator(nn.Module):
    """The classical twin of the conditional generator: an MLP on ``[noise, one-hot label]``.

    ``ClassicalGenerator(latent_dim + n_classes, n_pixels, hidden, rank, output_bias)`` applied to the
    noise (standard normal) concatenated with the label's one-hot vector; sigmoid pixels.

    Examples
    --------
    >>> g = ConditionalClassicalGenerator.with_budget(5000, 6, 10, 784)
    >>> tuple(g(g.sample_noise(2), torch.tensor([3, 7])).shape), g.n_params <= 5000
    ((2, 784), True)
    """

    def __init__(
        self,
        latent_dim: int,
        n_classes: int,
        n_pixels: int,
        hidden: tuple[int, ...] | list[int] = (),
        rank: int | None = None,
        output_bias: str = "pixel",
    ) -> None:
        super().__init__()
        self.latent_dim = validation.positive_int("latent_dim", latent_dim)
        self.n_classes = validation.positive_int("n_classes", n_classes)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        self.net = ClassicalGenerator(self.latent_dim + self.n_classes, self.n_pixels, tuple(hidden), rank, output_bias)

    @classmethod
    def with_budget(cls, n_params: int, latent_dim: int, n_classes: int, n_pixels: int) -> ConditionalClassicalGenerator:
        """The widest such MLP with at most ``n_params`` parameters (see ``ClassicalGenerator.with_budget``)."""
        inner = ClassicalGenerator.with_budget(n_params, latent_dim + n_classes, n_pixels)
        return cls(latent_dim, n_classes, n_pixels, inner.hidden, inner.rank, inner.output_bias)

    @property
    def hidden(self) -> tuple[int, ...]:
        return self.net.hidden

    @property
    def n_params(self) -> int:
        return _count_trainable(self)

    def config_kwargs(self) -> dict[str, object]:
        """The constructor arguments that rebuild this generator (for a checkpoint's config)."""
        return {
            "latent_dim": self.latent_dim, "n_classes": self.n_classes, "n_pixels": self.n_pixels,
            "hidden": list(self.net.hidden), "rank": self.net.rank, "output_bias": self.net.output_bias,
        }

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard-normal noise vectors, shape (n, latent_dim)."""
        return torch.randn(validation.positive_int("n", n), self.latent_dim, generator=generator)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images ``(B, n_pixels)`` in ``[0, 1]`` of the given classes."""
        noise = _check_noise(noise, self.latent_dim, meaning="latent_dim")
        if labels is None:
            raise ValueError(f"labels: this generator is conditional; expected labels of shape ({noise.shape[0]},)")
        labels = _check_labels(labels, noise.shape[0], self.n_classes)
        onehot = nn.functional.one_hot(labels, self.n_classes).to(noise.dtype)
        return self.net(torch.cat([noise, onehot], dim=1))
