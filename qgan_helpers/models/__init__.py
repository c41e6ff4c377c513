"""The models a GAN plays with: generators (quantum, hybrid and classical) and discriminators.

One module per model:

* :mod:`.patch` -- :class:`PatchQuantumGenerator`, the patch quantum generator (Huang et al. 2021);
* :mod:`.conditional` -- :class:`ConditionalPatchGenerator`, its class-conditional variant;
* :mod:`.patch28` -- :class:`MnistPatchGenerator`, :class:`ConditionalMnistPatchGenerator` (one
  circuit per row of a 28x28 MNIST digit) and their conditional classical twin
  :class:`ConditionalClassicalGenerator`;
* :mod:`.pixel_map` -- :class:`PatchPixelMap`, the patch generators' output maps;
* :mod:`.replay` -- :class:`TapeReplay`, the patch generator's fast simulator (on
  :mod:`qgan_helpers.quantum.engine`);
* :mod:`.classical` -- :class:`ClassicalGenerator` and :class:`ClassicalPatchGenerator`, the baselines;
* :mod:`.hybrid` -- :class:`HybridQuantumGenerator`, the seed article's 28x28 generator;
* :mod:`.common` -- the noise and argument checks the generators share;
* :mod:`.sampling` -- latent noise (:func:`sample_noise`) and images from a generator (:func:`generate`);
* :mod:`.discriminators` -- MLP, the seed's CNN, a quantum discriminator.

Every public name is re-exported here, so ``from qgan_helpers.models import PatchQuantumGenerator``
works. Checkpoints name their generator by its class name, which the checkpoint loader of
:mod:`qgan_helpers.training` looks up among the names of this package (:data:`GENERATORS` lists
them).

Examples
--------
>>> from qgan_helpers.models import GENERATORS, PatchQuantumGenerator
>>> "PatchQuantumGenerator" in GENERATORS and PatchQuantumGenerator.__module__
'qgan_helpers.models.patch'
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME: dict[str, str] = {
    "NOISE_RANGE": "common",
    "METHODS": "patch",
    "PatchQuantumGenerator": "patch",
    "ConditionalPatchGenerator": "conditional",
    "MnistPatchGenerator": "patch28",
    "ConditionalMnistPatchGenerator": "patch28",
    "ConditionalClassicalGenerator": "patch28",
    "RowPixelMap": "patch28",
    "PATCH_PIXEL_METHODS": "pixel_map",
    "LEARNED_PIXEL_METHODS": "pixel_map",
    "PatchPixelMap": "pixel_map",
    "TapeReplay": "replay",
    "ClassicalGenerator": "classical",
    "ClassicalPatchGenerator": "classical",
    "HybridQuantumGenerator": "hybrid",
    "ConvDecoder": "hybrid",
    "HYBRID_ENCODINGS": "hybrid",
    "HYBRID_ACTIVATIONS": "hybrid",
    "HYBRID_METHODS": "hybrid",
    "HYBRID_READOUTS": "hybrid",
    "NOISE_KINDS": "sampling",
    "sample_noise": "sampling",
    "generate": "sampling",
    "MLPDiscriminator": "discriminators",
    "CNNDiscriminator": "discriminators",
    "QuantumDiscriminator": "discriminators",
}
"""Public name -> the module of this package that defines it (imported on first use, so that
``import qgan_helpers.models.discriminators`` does not load PennyLane)."""

GENERATORS: tuple[str, ...] = (
    "PatchQuantumGenerator",
    "ConditionalPatchGenerator",
    "MnistPatchGenerator",
    "ConditionalMnistPatchGenerator",
    "ConditionalClassicalGenerator",
    "ClassicalGenerator",
    "ClassicalPatchGenerator",
    "HybridQuantumGenerator",
)
"""The class names of every generator of this package (what a checkpoint's config may name)."""

__all__ = [
    "GENERATORS",
    "METHODS",
    "NOISE_RANGE",
    "PATCH_PIXEL_METHODS",
    "LEARNED_PIXEL_METHODS",
    "PatchPixelMap",
    "PatchQuantumGenerator",
    "ConditionalPatchGenerator",
    "MnistPatchGenerator",
    "ConditionalMnistPatchGenerator",
    "ConditionalClassicalGenerator",
    "RowPixelMap",
    "ClassicalGenerator",
    "ClassicalPatchGenerator",
    "TapeReplay",
    "HybridQuantumGenerator",
    "ConvDecoder",
    "HYBRID_ENCODINGS",
    "HYBRID_ACTIVATIONS",
    "HYBRID_METHODS",
    "HYBRID_READOUTS",
    "NOISE_KINDS",
    "sample_noise",
    "generate",
    "MLPDiscriminator",
    "CNNDiscriminator",
    "QuantumDiscriminator",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
