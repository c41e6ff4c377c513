"""The output maps of the patch generators: one patch's probabilities -> pixels in ``[0, 1]``.

:class:`PatchPixelMap` is shared by the quantum patch generators (:mod:`.patch`,
:mod:`.conditional`) and their classical twin (:mod:`.classical`), so that both turn a probability
vector into pixels in exactly the same way.

Output maps (``pixel_method``)
------------------------------
The post-selected probabilities of a patch sum to 1, so a patch of ``P`` pixels has a *mean* of
``1/P`` whatever the digit looks like: some scale has to be chosen.

``"max"`` (default)
    ``p / max(p)`` -- the choice of Huang et al. and of the PennyLane demo. No extra parameter,
    scale-free, and the brightest pixel of every patch is exactly 1. That constraint costs little
    on the bundled digits: about 98 % of all two-row bands contain a pixel of at least 0.75, and
    rescaling every band of the 178 real zeros to a maximum of 1 moves them by an MMD² (sigma 2)
    of about 0.01 -- less than the 0.024 between two halves of the real zeros. Its weakness is
    the *background*: a circuit's probabilities are practically never exactly 0, so neither is
    ``p / max(p)``. The shipped checkpoint of the zeros (``qgan_helpers/checkpoints/patch_digit0_seed0.pt``)
    has no pixel at exactly 0 and only about 6 % below 0.001, where 45 % of the real zeros'
    pixels are exactly 0: a speckled grey background (below 0.05 the gap is smaller, 37 % vs 45 %).
``"minmax"``
    ``(p - min p) / (max p - min p)``: also forces exactly one black pixel per patch. In short
    scratch trainings on the zeros it did not do better than ``"max"``.
``"threshold"`` (learned, one number per patch)
    ``clamp((q - t_g) / (1 - t_g), 0, 1)`` with ``q = p / max(p)`` and ``t_g = sigmoid(a_g)``:
    every pixel at or below the patch's learned black level ``t_g`` is *exactly* 0, the brightest
    pixel stays 1, and the map is piecewise linear in ``q`` (differentiable except at the kink).
``"threshold_gain"`` (learned, two numbers per patch)
    ``clamp(exp(b_g) * (q - t_g) / (1 - t_g), 0, 1)``: as ``"threshold"`` plus a gain; a gain
    above 1 saturates the brightest pixels at exactly 1 (as the data's 16/16 pixels), below 1 it
    dims the whole patch.

The learned maps live in a :class:`PatchPixelMap` (``generator.pixel_map``); their ``G`` or
``2 * G`` numbers are ``nn.Parameter`` s, so they count as the generator's trainable parameters
and are trained with the circuit angles. See :class:`PatchPixelMap` for why a clamp rather than
a smooth map.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.quantum.measurement import PIXEL_METHODS, to_pixels

__all__ = ["LEARNED_PIXEL_METHODS", "PATCH_PIXEL_METHODS", "PatchPixelMap"]

LEARNED_PIXEL_METHODS: tuple[str, ...] = ("threshold", "threshold_gain")
"""Output maps with trained numbers per patch (one: a black level; two: a black level and a gain)."""

PATCH_PIXEL_METHODS: tuple[str, ...] = PIXEL_METHODS + LEARNED_PIXEL_METHODS
"""Every ``pixel_method`` of the patch generators: the fixed maps of
:func:`qgan_helpers.quantum.measurement.to_pixels` (``"max"``, ``"minmax"``) and the learned ones."""


def _check_pixel_method(pixel_method: Any) -> str:
    if not isinstance(pixel_method, str) or pixel_method not in PATCH_PIXEL_METHODS:
        raise ValueError(f"pixel_method: expected one of {PATCH_PIXEL_METHODS}, got {pixel_method!r}")
    return pixel_method


def _check_threshold_init(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise validation.ArgumentTypeError(f"threshold_init: expected a number in (0, 1), got {value!r} of type {type(value).__name__}")
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"threshold_init: expected a number in (0, 1) (the initial black level), got {value!r}")
    return float(value)


class PatchPixelMap(nn.Module):
    """The output map of the patch generators: one probability vector per patch -> pixels in ``[0, 1]``.

    ``"max"`` and ``"minmax"`` are :func:`qgan_helpers.quantum.measurement.to_pixels` (no parameters). The
    learned maps start from ``q = p / max(p)`` (in ``[0, 1]``, brightest pixel 1) and give patch
    ``g`` a black level ``t_g = sigmoid(a_g)``:

    * ``"threshold"``: ``pixel = clamp((q - t_g) / (1 - t_g), 0, 1)`` -- one number per patch (``a_g``);
    * ``"threshold_gain"``: ``pixel = clamp(exp(b_g) * (q - t_g) / (1 - t_g), 0, 1)`` -- two (``a_g, b_g``).

    Why this form:

    * **exact zeros need a flat piece.** Any smooth positive map (a sigmoid, a power of ``q``)
      leaves the background slightly grey, which is the problem of ``p / max(p)`` itself; the
      clamp is 0 on the whole interval ``q <= t_g``.
    * **the scale of ``"max"`` is kept.** Dividing by ``1 - t_g`` maps ``q = 1`` to 1, so with
      ``"threshold"`` the brightest pixel of a patch is still exactly 1 and the map stays in
      ``[0, 1]`` before the clamp's upper side is ever used; only the background is cut. The gain of
      ``"threshold_gain"`` adds what the data have and ``"max"`` cannot make: several pixels at
      exactly 1 (gain > 1) or a patch dimmer than 1 (gain < 1).
    * **unconstrained parameters.** ``sigmoid`` keeps ``t_g`` in ``(0, 1)`` and ``exp`` keeps the
      gain positive, so plain Adam steps never leave the valid range; with ``b_g = 0`` (the start)
      ``"threshold_gain"`` equals ``"threshold"``.
    * **per patch, not per pixel.** ``G`` (or ``2 G``) classical numbers -- 4 (8) with the defaults,
      against 160 circuit angles -- so the map cannot paint the digit by itself.

    The price is a ReLU's: a pixel below the black level passes no gradient. The brightest pixel
    always does, and every pixel of a patch is coupled to it through ``p / max(p)``, so the circuit
    keeps learning; which pixels are dark moves as the circuit changes. The map is differentiable
    everywhere except at the two kinks of the clamp (and where the maximum of ``p`` changes hands,
    as for ``"max"``).

    Parameters
    ----------
    n_patches : int
        ``G``, the number of patches (sub-generators).
    method : {"max", "minmax", "threshold", "threshold_gain"}
    threshold_init : float
        The initial black level ``t_g`` of every patch, in ``(0, 1)`` (learned maps only).

    Attributes
    ----------
    threshold_logit : torch.nn.Parameter, shape (n_patches,) or None
        ``a_g`` (learned maps only).
    log_gain : torch.nn.Parameter, shape (n_patches,) or None
        ``b_g`` (``"threshold_gain"`` only; starts at 0, a gain of 1).

    Examples
    --------
    >>> m = PatchPixelMap(2, "threshold", threshold_init=0.25)
    >>> p = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]], dtype=torch.float64)  # (G, P)
    >>> m(p).detach().numpy().round(4).tolist()
    [[0.0, 0.3333, 0.6667, 1.0], [1.0, 0.0, 0.0, 0.0]]
    >>> m.n_params, PatchPixelMap(2, "threshold_gain").n_params, PatchPixelMap(2).n_params
    (2, 4, 0)
    """

    def __init__(self, n_patches: int, method: str = "max", threshold_init: float = 0.1) -> None:
        super().__init__()
        self.n_patches = validation.positive_int("n_patches", n_patches)
        self.method = _check_pixel_method(method)
        self.threshold_init = _check_threshold_init(threshold_init)
        self.threshold_logit: nn.Parameter | None = None
        self.log_gain: nn.Parameter | None = None
        if self.method in LEARNED_PIXEL_METHODS:
            logit = math.log(self.threshold_init / (1.0 - self.threshold_init))
            self.threshold_logit = nn.Parameter(torch.full((self.n_patches,), logit))
        if self.method == "threshold_gain":
            self.log_gain = nn.Parameter(torch.zeros(self.n_patches))

    @staticmethod
    def count(n_patches: int, method: str) -> int:
        """Trainable numbers of ``PatchPixelMap(n_patches, method)``: 0, ``G`` or ``2 G``.

        Examples
        --------
        >>> PatchPixelMap.count(8, "threshold_gain")
        16
        """
        per_patch = {"threshold": 1, "threshold_gain": 2}.get(_check_pixel_method(method), 0)
        return per_patch * validation.positive_int("n_patches", n_patches)

    @property
    def n_params(self) -> int:
        """Number of trainable numbers (0 for the fixed maps)."""
        return int(sum(p.numel() for p in self.parameters() if p.requires_grad))

    @property
    def thresholds(self) -> torch.Tensor | None:
        """The black levels ``t_g`` (shape (n_patches,), detached), or None for a fixed map."""
        return None if self.threshold_logit is None else torch.sigmoid(self.threshold_logit.detach())

    @property
    def gains(self) -> torch.Tensor | None:
        """The gains ``exp(b_g)`` (shape (n_patches,), detached), or None without a learned gain."""
        return None if self.log_gain is None else torch.exp(self.log_gain.detach())

    def _per_patch(self, values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """``values`` (G,) reshaped to broadcast against ``like`` (G, ..., P)."""
        return values.to(like.dtype).reshape((self.n_patches,) + (1,) * (like.ndim - 1))

    def forward(self, p: torch.Tensor) -> torch.Tensor:
        """Pixels of every patch.

        Parameters
        ----------
        p : torch.Tensor, shape (G, ..., P)
            Non-negative numbers per patch (e.g. post-selected probabilities); the first axis is the
            patch index ``g`` for the learned maps (any leading shape for the fixed ones).

        Returns
        -------
        torch.Tensor, shape (G, ..., P)
            Values in ``[0, 1]``, dtype of ``p``, differentiable almost everywhere.
        """
        if self.method in PIXEL_METHODS:
            return to_pixels(p, self.method)
        if not isinstance(p, torch.Tensor) or p.ndim < 2 or p.shape[0] != self.n_patches:
            shape = tuple(p.shape) if isinstance(p, torch.Tensor) else type(p).__name__
            raise ValueError(
                f"p: expected a torch.Tensor of shape ({self.n_patches}, ..., P) (one row per patch) for "
                f"pixel_method={self.method!r}, got {shape}"
            )
        q = to_pixels(p, "max")
        t = self._per_patch(torch.sigmoid(self.threshold_logit), q)
        x = (q - t) / (1.0 - t)
        if self.log_gain is not None:
            x = x * self._per_patch(torch.exp(self.log_gain), q)
        return x.clamp(0.0, 1.0)

    def extra_repr(self) -> str:
        return f"n_patches={self.n_patches}, method={self.method!r}, n_params={self.n_params}"
