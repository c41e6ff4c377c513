"""The classical generators: an MLP built to a parameter budget, and a classical *patch* generator.

:class:`ClassicalGenerator` is the baseline of the training chapter (sigmoid pixels from a small MLP
of at most the quantum generator's parameter count); :class:`ClassicalPatchGenerator` is the patch
generator without circuits.

The classical patch generator
-----------------------------
:class:`ClassicalPatchGenerator` keeps everything of the patch method except the circuits: the same
noise (``n_qubits`` angles uniform in ``[0, pi/2)``), the same ``G`` patches of ``P`` pixels, each a
probability vector (a softmax over ``P`` logits, like the post-selected circuit output), and the
same output map -- but the logits come from a small MLP of (at most) the quantum generator's
parameter count (:meth:`ClassicalPatchGenerator.matching`). Comparing the two separates what the
patch / ``p / max`` structure does from what the circuit does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.common import _bool_arg, _check_noise, _count_trainable, _patch_size, _sample_angles, _stitch
from qgan_helpers.models.patch import PatchQuantumGenerator
from qgan_helpers.models.pixel_map import PatchPixelMap, _check_pixel_method

__all__ = ["ClassicalGenerator", "ClassicalPatchGenerator"]


class ClassicalGenerator(nn.Module):
    """A small MLP generator: noise (B, latent_dim) -> sigmoid pixels (B, n_pixels).

    ``Linear(latent_dim, h1) -> LeakyReLU(0.2) -> ... -> Linear(h_last, n_pixels) -> sigmoid``.
    With ``hidden=()`` the map is linear before the sigmoid, optionally factorised through a
    bottleneck of ``rank`` units (``Linear(latent_dim, rank, bias=False) -> Linear(rank, n_pixels)``),
    which costs ``rank * (latent_dim + n_pixels)`` weights instead of ``latent_dim * n_pixels``.
    ``output_bias="shared"`` replaces the per-pixel output bias by a single number (for the tiniest
    budgets, see :meth:`with_budget`).

    Parameters
    ----------
    latent_dim : int
    n_pixels : int
    hidden : sequence of int
        Hidden widths (may be empty).
    rank : int, optional
        Bottleneck of a linear generator (only with ``hidden=()``), in ``[1, latent_dim)``.
    output_bias : {"pixel", "shared"}

    Examples
    --------
    >>> gen = ClassicalGenerator(latent_dim=5, n_pixels=64, hidden=(16,))
    >>> tuple(gen(torch.randn(2, 5)).shape), gen.n_params
    ((2, 64), 1184)
    >>> ClassicalGenerator.with_budget(1000, 5, 64).hidden
    (13,)
    """

    def __init__(
        self,
        latent_dim: int = 5,
        n_pixels: int = 64,
        hidden: Sequence[int] = (32,),
        rank: int | None = None,
        output_bias: str = "pixel",
    ) -> None:
        super().__init__()
        self.latent_dim = validation.positive_int("latent_dim", latent_dim)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        if isinstance(hidden, (int, np.integer)) or not isinstance(hidden, Sequence):
            raise validation.ArgumentTypeError(f"hidden: expected a sequence of widths such as (32,), got {hidden!r}")
        self.hidden = tuple(validation.positive_int("hidden", h) for h in hidden)
        if rank is not None:
            rank = validation.positive_int("rank", rank)
            if self.hidden:
                raise ValueError(f"rank: a bottleneck is only for a linear generator (hidden=()), got hidden={self.hidden}")
            if rank >= self.latent_dim:
                raise ValueError(
                    f"rank: expected a bottleneck below latent_dim={self.latent_dim} (a full linear map is cheaper), got {rank}"
                )
        self.rank = rank
        if output_bias not in ("pixel", "shared"):
            raise ValueError(f"output_bias: expected 'pixel' or 'shared', got {output_bias!r}")
        self.output_bias = output_bias
        layers: list[nn.Module] = []
        width = self.latent_dim
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        if rank is not None:
            layers.append(nn.Linear(width, rank, bias=False))
            width = rank
        layers.append(nn.Linear(width, self.n_pixels, bias=output_bias == "pixel"))
        self.net = nn.Sequential(*layers)
        self.shared_bias = nn.Parameter(torch.zeros(1)) if output_bias == "shared" else None

    @staticmethod
    def count(latent_dim: int, n_pixels: int, hidden: Sequence[int] = (), rank: int | None = None,
              output_bias: str = "pixel") -> int:
        """Trainable parameters of ``ClassicalGenerator(latent_dim, n_pixels, hidden, rank, output_bias)``.

        Examples
        --------
        >>> ClassicalGenerator.count(5, 64, hidden=(1,), output_bias="shared")
        71
        """
        total, width = 0, latent_dim
        for h in hidden:
            total += width * h + h
            width = h
        if rank is not None:
            total += width * rank
            width = rank
        total += width * n_pixels
        return total + (n_pixels if output_bias == "pixel" else 1)

    @property
    def n_params(self) -> int:
        """Number of trainable parameters."""
        return int(sum(p.numel() for p in self.parameters() if p.requires_grad))

    @classmethod
    def with_budget(cls, n_params: int, latent_dim: int, n_pixels: int) -> ClassicalGenerator:
        """The largest generator of this family with at most ``n_params`` trainable parameters.

        The choice, in order of preference:

        1. one hidden layer, as wide as fits (``h = (n_params - n_pixels) // (latent_dim + 1 + n_pixels)``),
           whenever ``h >= 1`` -- unless a full linear generator fits and comes closer to the budget;
        2. otherwise a linear generator with the largest bottleneck ``rank`` that fits;
        3. otherwise (a budget below ``latent_dim + 2 * n_pixels``: too small even for a rank-1 map
           with a bias per pixel) a per-pixel bias is unaffordable, and the best of one hidden unit /
           a rank-1 map with a single shared output bias is used -- such a generator can only move
           along a one-dimensional curve of images, which is what that many parameters buy.

        Parameters
        ----------
        n_params : int
            The budget, e.g. the quantum generator's parameter count.
        latent_dim, n_pixels : int

        Raises
        ------
        ValueError
            If not even the smallest generator (``latent_dim + n_pixels + 1`` parameters) fits.

        Examples
        --------
        >>> g = ClassicalGenerator.with_budget(120, 5, 64)   # the default patch QGAN has 120
        >>> g.hidden, g.output_bias, g.n_params
        ((1,), 'shared', 71)
        """
        n_params = validation.positive_int("n_params", n_params)
        latent_dim = validation.positive_int("latent_dim", latent_dim)
        n_pixels = validation.positive_int("n_pixels", n_pixels)
        candidates: list[tuple[int, dict[str, Any]]] = []
        h = (n_params - n_pixels) // (latent_dim + 1 + n_pixels)
        if h >= 1:
            candidates.append((cls.count(latent_dim, n_pixels, (h,)), {"hidden": (h,)}))
            full = cls.count(latent_dim, n_pixels, ())
            if full <= n_params:
                candidates.append((full, {"hidden": ()}))
        else:
            for r in range(latent_dim - 1, 0, -1):
                c = cls.count(latent_dim, n_pixels, (), rank=r)
                if c <= n_params:
                    candidates.append((c, {"hidden": (), "rank": r}))
                    break
            full = cls.count(latent_dim, n_pixels, ())
            if full <= n_params:
                candidates.append((full, {"hidden": ()}))
            if not candidates:
                for kwargs in ({"hidden": (1,)}, {"hidden": (), "rank": 1} if latent_dim > 1 else {"hidden": ()}):
                    c = cls.count(latent_dim, n_pixels, output_bias="shared", **kwargs)
                    if c <= n_params:
                        candidates.append((c, {**kwargs, "output_bias": "shared"}))
        if not candidates:
            smallest = min(
                cls.count(latent_dim, n_pixels, (), rank=1 if latent_dim > 1 else None, output_bias="shared"),
                cls.count(latent_dim, n_pixels, (1,), output_bias="shared"),
            )
            raise ValueError(
                f"n_params: expected a budget of at least {smallest} parameters for latent_dim={latent_dim} and "
                f"n_pixels={n_pixels} (a rank-1 map with one shared bias), got {n_params}"
            )
        # closest to the budget; on a tie the earlier (nonlinear) candidate wins
        best = max(range(len(candidates)), key=lambda i: (candidates[i][0], -i))
        return cls(latent_dim=latent_dim, n_pixels=n_pixels, **candidates[best][1])

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` standard normal noise vectors, shape (n, latent_dim)."""
        n = validation.positive_int("n", n)
        return torch.randn(n, self.latent_dim, generator=generator)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Pixels in ``(0, 1)``: noise (B, latent_dim) -> (B, n_pixels)."""
        noise = _check_noise(noise, self.latent_dim, meaning="latent_dim")
        out = self.net(noise.to(self.net[-1].weight.dtype))
        if self.shared_bias is not None:
            out = out + self.shared_bias
        return torch.sigmoid(out)

    def extra_repr(self) -> str:
        return (
            f"latent_dim={self.latent_dim}, n_pixels={self.n_pixels}, hidden={self.hidden}, rank={self.rank}, "
            f"output_bias={self.output_bias!r}, n_params={self.n_params}"
        )

class ClassicalPatchGenerator(nn.Module):
    """The patch generator without circuits: an MLP gives each patch's logits, a softmax its probabilities.

    ``z (B, n_qubits) -> Linear -> LeakyReLU(0.2) -> ... -> Linear -> logits (B, G, P)``, then per
    patch ``softmax`` over its ``P = 2**(n_qubits - n_ancillas)`` logits -- a probability vector,
    exactly the kind of vector the post-selected circuit returns -- then the same output map as
    :class:`PatchQuantumGenerator` (``pixel_method``, a :class:`PatchPixelMap`) and the same
    stitching of patch ``g`` into pixels ``g*P .. (g+1)*P - 1``. The noise is the quantum one's too:
    ``n_qubits`` angles uniform in :data:`NOISE_RANGE`. One network is shared by all patches (its
    last layer has ``G * P`` outputs), the counterpart of ``G`` circuits reading the same ``z``.

    Parameters
    ----------
    n_qubits, n_ancillas, n_generators, n_pixels : int
        The quantum generator's geometry: ``G = n_generators`` patches of
        ``2**(n_qubits - n_ancillas)`` pixels, cropped to ``n_pixels``.
    hidden : sequence of int
        Hidden widths (may be empty: logits affine in ``z``).
    latent_dim : int, optional
        Noise angles per sample; default ``n_qubits`` (one encoding). :meth:`matching` takes the
        quantum generator's ``latent_dim`` (``n_qubits`` times the number of noise blocks).
    output_bias : bool
        A bias per logit in the last layer.
    pixel_method : {"max", "minmax", "threshold", "threshold_gain"}
    threshold_init : float
        As for :class:`PatchQuantumGenerator`.

    Attributes
    ----------
    net : torch.nn.Sequential
    pixel_map : PatchPixelMap

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> q = PatchQuantumGenerator(depth=8)                      # 160 angles
    >>> c = ClassicalPatchGenerator.matching(q)
    >>> c.hidden, c.output_bias, c.n_params
    ((3, 2), False, 154)
    >>> x = c(c.sample_noise(3))
    >>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
    ((3, 64), True, True)
    """

    def __init__(
        self,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        n_generators: int = 4,
        n_pixels: int = 64,
        hidden: Sequence[int] = (8,),
        output_bias: bool = True,
        pixel_method: str = "max",
        threshold_init: float = 0.1,
        latent_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.n_qubits = validation.positive_int("n_qubits", n_qubits)
        self.n_ancillas = validation.non_negative_int("n_ancillas", n_ancillas)
        self.n_generators = validation.positive_int("n_generators", n_generators)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        self.latent_dim = self.n_qubits if latent_dim is None else validation.positive_int("latent_dim", latent_dim)
        self.patch_size = _patch_size(self.n_qubits, self.n_ancillas, self.n_generators, self.n_pixels)
        self.hidden = self._check_hidden(hidden)
        self.output_bias = _bool_arg("output_bias", output_bias)
        self.pixel_method = _check_pixel_method(pixel_method)
        layers: list[nn.Module] = []
        width = self.latent_dim
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers.append(nn.Linear(width, self.n_generators * self.patch_size, bias=self.output_bias))
        self.net = nn.Sequential(*layers)
        self.pixel_map = PatchPixelMap(self.n_generators, self.pixel_method, threshold_init)

    @staticmethod
    def _check_hidden(hidden: Any) -> tuple[int, ...]:
        if isinstance(hidden, (int, np.integer, str)) or not isinstance(hidden, Sequence):
            raise validation.ArgumentTypeError(f"hidden: expected a sequence of widths such as (8,), got {hidden!r}")
        return tuple(validation.positive_int("hidden", h) for h in hidden)

    # -- sizes and the parameter budget ------------------------------------------------------------
    @staticmethod
    def count(
        n_qubits: int = 5,
        n_ancillas: int = 1,
        n_generators: int = 4,
        hidden: Sequence[int] = (8,),
        output_bias: bool = True,
        pixel_method: str = "max",
        latent_dim: int | None = None,
    ) -> int:
        """Trainable parameters of ``ClassicalPatchGenerator`` with these settings (network + output map).

        Examples
        --------
        >>> ClassicalPatchGenerator.count(5, 1, 4, hidden=(2,), output_bias=False)   # 5*2 + 2 + 2*64
        140
        """
        outputs = n_generators * 2 ** (n_qubits - n_ancillas)
        total, width = 0, n_qubits if latent_dim is None else latent_dim
        for h in hidden:
            total += width * h + h
            width = h
        total += width * outputs + (outputs if output_bias else 0)
        return total + PatchPixelMap.count(n_generators, pixel_method)

    @classmethod
    def _candidates(cls, budget: int, n: int, outputs: int) -> list[tuple[int, int, int, bool, tuple[int, ...]]]:
        """Networks of at most ``budget`` parameters: ``(last width, count, -layers, bias, hidden)``.

        One hidden layer as wide as fits, a linear map (width ``n``), and funnels ``(h1, h2)`` with
        ``h1 >= h2`` and ``h1`` as wide as fits -- each with and without an output bias.
        """
        out: list[tuple[int, int, int, bool, tuple[int, ...]]] = []
        for bias in (True, False):
            left = budget - (outputs if bias else 0)
            if n * outputs <= left:
                out.append((n, n * outputs + budget - left, 0, bias, ()))
            h = left // (n + 1 + outputs)
            if h >= 1:
                out.append((h, h * (n + 1 + outputs) + budget - left, -1, bias, (h,)))
            for h2 in range(1, h + 1):
                h1 = (left - h2 * (outputs + 1)) // (n + 1 + h2)
                if h1 >= h2:
                    used = h1 * (n + 1) + h2 * (h1 + 1) + h2 * outputs
                    out.append((h2, used + budget - left, -2, bias, (h1, h2)))
        return out

    @classmethod
    def with_budget(
        cls,
        n_params: int,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        n_generators: int = 4,
        n_pixels: int = 64,
        pixel_method: str = "max",
        threshold_init: float = 0.1,
        latent_dim: int | None = None,
    ) -> ClassicalPatchGenerator:
        """The generator of this family with the most parameters that fit in ``n_params``, preferring width.

        The output map's numbers (``0``, ``G`` or ``2 G``) are taken from the budget first; the
        rest goes to the network. The choice, among one hidden layer, a linear map and two-layer
        funnels ``(h1, h2)`` with ``h1 >= h2``, each with or without an output bias:

        1. the widest last layer (the rank of the map from features to the ``G * P`` logits; a
           linear map counts as width ``n_qubits``) -- the images of a narrow layer lie near a
           low-dimensional set, whatever comes before it;
        2. among those, the most parameters (closest to the budget from below);
        3. on a tie, fewer layers, then an output bias.

        Each hidden unit feeding the logits costs about ``G * P`` parameters (64 with the
        defaults), so small budgets buy a last layer of 1 or 2 units: with 120 parameters
        ``(7, 1)`` (114), with 160 ``(3, 2)`` (154).

        Parameters
        ----------
        n_params : int
            The budget, e.g. the quantum generator's parameter count (see :meth:`matching`).
        n_qubits, n_ancillas, n_generators, n_pixels : int
        pixel_method : str
        threshold_init : float

        Raises
        ------
        ValueError
            If not even one hidden unit without output bias fits.

        Examples
        --------
        >>> ClassicalPatchGenerator.with_budget(120).hidden
        (7, 1)
        >>> g = ClassicalPatchGenerator.with_budget(1000)
        >>> g.hidden, g.output_bias, g.n_params
        ((14,), False, 980)
        """
        n_params = validation.positive_int("n_params", n_params)
        n = validation.positive_int("n_qubits", n_qubits)
        n_anc = validation.non_negative_int("n_ancillas", n_ancillas)
        g = validation.positive_int("n_generators", n_generators)
        latent = n if latent_dim is None else validation.positive_int("latent_dim", latent_dim)
        _patch_size(n, n_anc, g, validation.positive_int("n_pixels", n_pixels))
        outputs = g * 2 ** (n - n_anc)
        map_params = PatchPixelMap.count(g, pixel_method)
        candidates = cls._candidates(n_params - map_params, latent, outputs)
        if not candidates:
            smallest = map_params + min(latent + 1 + outputs, latent * outputs)
            raise ValueError(
                f"n_params: expected a budget of at least {smallest} parameters for n_qubits={n}, "
                f"{g} patches of {outputs // g} pixels and pixel_method={pixel_method!r}, got {n_params}"
            )
        _, _, _, bias, hidden = max(candidates, key=lambda c: c[:4])
        return cls(n, n_anc, g, n_pixels, hidden=hidden, output_bias=bias, pixel_method=pixel_method,
                   threshold_init=threshold_init, latent_dim=latent)

    @classmethod
    def matching(cls, generator: PatchQuantumGenerator) -> ClassicalPatchGenerator:
        """The classical twin of a patch quantum generator: same geometry, output map, noise; at most its parameters.

        Parameters
        ----------
        generator : PatchQuantumGenerator
            Unconditional; its trainable parameters (angles + output map) are the budget.

        Examples
        --------
        >>> q = PatchQuantumGenerator(n_qubits=4, n_generators=8, depth=8, pixel_method="threshold")
        >>> c = ClassicalPatchGenerator.matching(q)
        >>> (c.patch_size, c.n_generators, c.pixel_method), c.n_params <= _count_trainable(q)
        ((8, 8, 'threshold'), True)
        """
        if not isinstance(generator, PatchQuantumGenerator):
            raise validation.ArgumentTypeError(f"generator: expected a PatchQuantumGenerator, got {type(generator).__name__}")
        if getattr(generator, "n_classes", 0):
            raise ValueError("generator: expected an unconditional PatchQuantumGenerator, got a conditional one")
        return cls.with_budget(
            _count_trainable(generator), generator.n_qubits, generator.n_ancillas, generator.n_generators,
            generator.n_pixels, generator.pixel_method, generator.pixel_map.threshold_init,
            latent_dim=generator.latent_dim,
        )

    @property
    def n_params(self) -> int:
        """Number of trainable parameters (network + output map)."""
        return _count_trainable(self)

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` noise vectors, each angle uniform in :data:`NOISE_RANGE`; shape (n, latent_dim)."""
        return _sample_angles(n, self.latent_dim, generator)

    # -- forward ---------------------------------------------------------------------------------
    def patch_probs(self, noise: torch.Tensor) -> torch.Tensor:
        """Each patch's probability vector: noise (B, latent_dim) -> (G, B, P), rows summing to 1."""
        noise = _check_noise(noise, self.latent_dim, meaning="the quantum twin's noise angles, latent_dim")
        logits = self.net(noise.to(self.net[-1].weight.dtype))
        b = noise.shape[0]
        return torch.softmax(logits.reshape(b, self.n_generators, self.patch_size), dim=-1).permute(1, 0, 2)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Images for a batch of noise vectors: (B, n_qubits) -> (B, n_pixels), pixels in ``[0, 1]``."""
        return _stitch(self.pixel_map(self.patch_probs(noise)), self.n_pixels)

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.n_qubits}, n_ancillas={self.n_ancillas}, n_generators={self.n_generators}, "
            f"n_pixels={self.n_pixels}, hidden={self.hidden}, output_bias={self.output_bias}, "
            f"pixel_method={self.pixel_method!r}, n_params={self.n_params}"
        )
