"""Exercises of the chapter "The seed's 28x28 hybrid QGAN, done right" (book/hybrid.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qgan_helpers.course.checks import as_array, expect, register
from qgan_helpers.course.checks import as_scalar as _number

__all__: list[str] = []


def _generators() -> tuple[torch.nn.Module, torch.nn.Module]:
    from qgan_helpers.models import HybridQuantumGenerator

    torch.manual_seed(7)
    seed_like = HybridQuantumGenerator(encoding="none", activation="none", decoder=(8,), n_pixels=49, init_scale=1.0)
    fixed = HybridQuantumGenerator(encoding="angle", activation="sigmoid", decoder=(8,), n_pixels=49, init_scale=1.0)
    return seed_like, fixed


@register(
    "ex-hybrid-spread",
    "Detect a generator that ignores its noise",
    [
        "A generator that ignores its noise draws the same image for every z, so no pixel varies across "
        "samples. Measure how much the pixels vary.",
        "Draw z = generator.sample_noise(n), compute images = generator(z) under torch.no_grad(), then the "
        "standard deviation of every pixel over the n images: images.std(dim=0).",
        "with torch.no_grad(): images = generator(generator.sample_noise(n)); return "
        "float(images.std(dim=0).max()).",
    ],
    "latent_spread",
)
def _check_spread(latent_spread: Any) -> None:
    from qgan_helpers.metrics import pixel_spread

    expect(callable(latent_spread), "latent_spread should be a function of (generator, n)")
    seed_like, fixed = _generators()
    what = "latent_spread(generator, 64)"
    flat = _number(latent_spread(seed_like, 64), what)
    expect(flat >= 0, f"{what} should be a standard deviation (>= 0), got {flat}")
    expect(flat < 1e-9, f"for a generator that ignores z every image is the same, so the spread should be 0; got {flat:.3g}")
    moving = _number(latent_spread(fixed, 64), what)
    torch.manual_seed(1)
    with torch.no_grad():
        want = pixel_spread(fixed(fixed.sample_noise(400)))
    expect(moving > 1e-4, f"for a generator that uses z the spread should be positive; got {moving:.3g}")
    expect(
        0.5 * want < moving < 2.0 * want,
        f"for the angle-encoded generator the largest pixel standard deviation is about {want:.3f}; got {moving:.3f}",
    )


@register(
    "ex-hybrid-decoder",
    "Count the decoder's parameters",
    [
        "The decoder is a chain of Linear layers from n_inputs through the widths to n_pixels; ReLU and "
        "sigmoid have no parameters. Count layer by layer.",
        "A Linear(a, b) layer has a*b weights and b biases. The layer sizes are [n_inputs, *widths, "
        "n_pixels]; every consecutive pair (a, b) is one layer.",
        "sizes = [n_inputs, *widths, n_pixels]; return sum(a * b + b for a, b in zip(sizes, sizes[1:])).",
    ],
    "decoder_parameters",
)
def _check_decoder(decoder_parameters: Any) -> None:
    from qgan_helpers.models import HybridQuantumGenerator

    expect(callable(decoder_parameters), "decoder_parameters should be a function of (n_inputs, widths, n_pixels)")
    for n_qubits, widths, n_pixels in ((4, (128,), 784), (4, (), 784), (3, (16, 32), 64)):
        gen = HybridQuantumGenerator(n_qubits=n_qubits, decoder=widths, n_pixels=n_pixels)
        want = int(sum(p.numel() for p in gen.decoder.parameters()))
        what = f"decoder_parameters({n_qubits}, {widths}, {n_pixels})"
        got = _number(decoder_parameters(n_qubits, widths, n_pixels), what)
        expect(got == int(got), f"{what} should be a whole number, got {got}")
        if got == want - n_pixels - sum(widths):
            expect(False, f"{what}: you counted the weights ({int(got)}) but not the biases (one per output unit)")
        expect(int(got) == want, f"{what} should be {want}, got {int(got)}")


@register(
    "ex-hybrid-amplitude",
    "Turn images into 16 amplitudes",
    [
        "A quantum state of 4 qubits is a unit vector of 16 numbers, so the image must shrink to 16 numbers "
        "and then be normalised.",
        "torch.nn.functional.adaptive_avg_pool2d(images.unsqueeze(1), (4, 4)) gives (N, 1, 4, 4); reshape to "
        "(N, 16). Add 1e-3 before normalising so that a black image still has a direction.",
        "x = F.adaptive_avg_pool2d(images.unsqueeze(1), (4, 4)).reshape(len(images), 16) + 1e-3; return x / "
        "x.norm(dim=1, keepdim=True).",
    ],
    "amplitude_inputs",
)
def _check_amplitude(amplitude_inputs: Any) -> None:
    from qgan_helpers.hybrid import pool_inputs
    from qgan_helpers.models import HybridQuantumGenerator

    expect(callable(amplitude_inputs), "amplitude_inputs should be a function of images (N, 28, 28)")
    gen = torch.Generator().manual_seed(3)
    images = torch.rand(5, 28, 28, generator=gen)
    images[0] = 0.0  # a black image
    what = "amplitude_inputs(images)"
    got = as_array(amplitude_inputs(images.clone()), what)
    expect(got.shape == (5, 16), f"{what} should have shape (5, 16) for 5 images, got {got.shape}")
    norms = np.linalg.norm(got, axis=1)
    expect(np.allclose(norms, 1.0, atol=1e-6), f"every row should be a unit vector (a quantum state); row norms are {norms.round(3)}")
    want = pool_inputs(images, HybridQuantumGenerator(encoding="amplitude", decoder=())).numpy()
    want = want / np.linalg.norm(want, axis=1, keepdims=True)
    expect(
        np.allclose(got, want, atol=1e-4),
        "the rows should be the 4x4 average-pooled images plus 1e-3, normalised; compare row 1: "
        f"expected {want[1, :4].round(4)}..., got {got[1, :4].round(4)}...",
    )


def _ablation_reference(generator: Any, real: np.ndarray, n: int, seed: int) -> dict[str, float]:
    from qgan_helpers.metrics import mmd2

    z = generator.sample_noise(n, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        images = {
            "circuit": generator(z),
            "no layers": torch.sigmoid(generator.decoder(torch.cos(z).float())),
            "expvals": torch.sigmoid(generator.decoder(generator.expvals(z).float())),
        }
    return {k: float(mmd2(v.numpy(), real, sigma="median")) for k, v in images.items()}


@register(
    "ex-hybrid-ablation",
    "An experiment: remove the circuit's trained layers and measure what changes",
    [
        "Without its trained layers the circuit is only the angle encoding: RY(z_i) on |0> on every wire. What "
        "is <Z_i> of RY(z_i)|0>? That is what the decoder gets instead of the circuit's outputs.",
        "Draw z = generator.sample_noise(n, torch.Generator().manual_seed(seed)); under torch.no_grad() the "
        "images with the circuit are generator(z), and without the layers torch.sigmoid(generator.decoder("
        "torch.cos(z))) (cast cos(z) to the decoder's dtype). Score both with mmd2(images.numpy(), real, "
        'sigma="median").',
        "return {'circuit': float(mmd2(generator(z).numpy(), real, sigma='median')), 'no layers': "
        "float(mmd2(torch.sigmoid(generator.decoder(torch.cos(z).float())).numpy(), real, sigma='median'))}, "
        "with real reshaped to (len(real), -1).",
    ],
    "ablate_layers",
)
def _check_ablation(ablate_layers: Any) -> None:
    expect(callable(ablate_layers), "ablate_layers should be a function of (generator, real, n=256, seed=0)")
    _, fixed = _generators()
    gen = torch.Generator().manual_seed(11)
    real = torch.rand(60, 49, generator=gen, dtype=torch.float64).numpy() ** 2
    for n, seed in ((48, 0), (40, 3)):
        what = f"ablate_layers(generator, real, n={n}, seed={seed})"
        got = ablate_layers(fixed, real, n=n, seed=seed)
        expect(isinstance(got, dict), f"{what} should return a dict with the keys 'circuit' and 'no layers'")
        expect({"circuit", "no layers"} <= set(got), f"{what} should have the keys 'circuit' and 'no layers', got {sorted(got)}")
        want = _ablation_reference(fixed, real, n, seed)
        circuit = _number(got["circuit"], f"{what}['circuit']")
        ablated = _number(got["no layers"], f"{what}['no layers']")
        expect(
            abs(circuit - want["circuit"]) < 1e-6,
            f"{what}['circuit'] should be the MMD² of generator(z) against real at the median width, "
            f"{want['circuit']:.6f}; got {circuit:.6f} (is z drawn with torch.Generator().manual_seed(seed)?)",
        )
        if abs(ablated - want["expvals"]) < 1e-9:
            expect(False, f"{what}['no layers'] equals the score with the circuit: feed the decoder cos(z), "
                          "what the encoding alone gives, not the circuit's expectation values")
        expect(
            abs(ablated - want["no layers"]) < 1e-6,
            f"{what}['no layers'] should be the MMD² of sigmoid(decoder(cos z)) against real, "
            f"{want['no layers']:.6f}; got {ablated:.6f}",
        )
